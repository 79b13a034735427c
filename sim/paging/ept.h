/* ept.h - extended page tables: the guest-physical to host-physical walk and its record. */
#ifndef VTSIM_EPT_H
#define VTSIM_EPT_H

#include <stdbool.h>
#include <stdint.h>

#include "../memory.h"

/*
 * The EPT pointer (SDM Vol. 3C, 25.6.11 "Extended-Page-Table Pointer
 * (EPTP)", Table 25-9):
 *
 *   63..M  M-1..12              11..7  6    5..3              2..0
 *   rsvd   EPT PML4 table addr  rsvd   A/D  walk length - 1   memory type
 *
 * Memory type 0 (UC) or 6 (WB); walk length 4 (bits 5:3 = 3); bit 6
 * enables the EPT accessed and dirty flags (29.3.5).
 */
#define EPTP_MEMTYPE_UC 0u
#define EPTP_MEMTYPE_WB 6u
#define EPTP_AD (1ull << 6)
static inline unsigned eptp_memtype(uint64_t eptp) { return (unsigned)(eptp & 7); }
static inline unsigned eptp_walk_length(uint64_t eptp) { return (unsigned)((eptp >> 3) & 7) + 1; }
static inline bool eptp_ad(uint64_t eptp) { return (eptp & EPTP_AD) != 0; }
/* The EP4TA: the EPT PML4 table address, the tag of guest-physical and combined mappings. */
uint64_t eptp_ep4ta(uint64_t eptp);

/* Is eptp a valid EPT pointer (SDM Vol. 3C, 27.2.1.1 "VM-Execution Control
 * Fields", the EPTP checks)? Returns NULL, or why not with its section. */
const char *ept_eptp_check(uint64_t eptp);

/*
 * An EPT paging-structure entry (SDM Vol. 3C, 29.3.2 "EPT Translation
 * Mechanism", Tables 29-1..29-6):
 *
 *   63   62..52  51..M  M-1..12   11  10  9  8  7   6     5..3    2  1  0
 *   SVE  ignored rsvd   address   ig  UX  D  A  PS  IPAT  memtype X  W  R
 *
 * PS (bit 7) in an EPT PDPTE maps a 1 GiB page, in an EPT PDE a 2 MiB
 * page; in an EPT PML4E it is reserved. Memory type and ignore-PAT exist
 * only in entries that map a page (bits 6:3 of the others are reserved).
 * D exists only in entries that map a page. An entry with bits 2:0 = 000
 * is not present.
 */
#define EPTE_R (1ull << 0)
#define EPTE_W (1ull << 1)
#define EPTE_X (1ull << 2)
#define EPTE_RWX 7ull
#define EPTE_IPAT (1ull << 6)
#define EPTE_PS (1ull << 7)
#define EPTE_A (1ull << 8)
#define EPTE_D (1ull << 9)
static inline unsigned epte_memtype(uint64_t e) { return (unsigned)((e >> 3) & 7); }

/*
 * The exit qualification of an EPT violation (SDM Vol. 3C, 28.2.1
 * "Basic VM-Exit Information", Table 28-7):
 *
 *   12            8                  7          5    4    3    2      1      0
 *   NMI unblock   final translation  GLA valid  X    W    R    fetch  write  read
 *   (IRET)        (if bit 7)                    (the AND of the EPT entries' rights)
 *
 * The access argument of ept_walk() uses the same bits 0-2, 7 and 8 to
 * describe the access, so that the qualification is the access ORed with
 * the rights.
 */
#define EPT_QUAL_READ (1u << 0)
#define EPT_QUAL_WRITE (1u << 1)
#define EPT_QUAL_FETCH (1u << 2)
#define EPT_QUAL_READABLE (1u << 3)
#define EPT_QUAL_WRITABLE (1u << 4)
#define EPT_QUAL_EXECUTABLE (1u << 5)
#define EPT_QUAL_GLA_VALID (1u << 7)
#define EPT_QUAL_FINAL (1u << 8)
#define EPT_QUAL_NMI_UNBLOCKING (1u << 12)
#define EPT_QUAL_ACCESS_MASK (EPT_QUAL_READ | EPT_QUAL_WRITE | EPT_QUAL_FETCH)

/* How an EPT walk ended. */
enum ept_fault {
	EPT_OK,             /* translated and permitted */
	EPT_VIOLATION,      /* not present, or rights too small (29.3.3.2) */
	EPT_MISCONFIG,      /* a reserved setting in a present entry (29.3.3.1) */
};

/* One EPT entry read by a walk. */
struct ept_ref {
	uint8_t level;      /* 4: EPT PML4E, 3: EPT PDPTE, 2: EPT PDE, 1: EPT PTE */
	uint64_t pa;        /* host-physical address of the entry */
	uint64_t entry;     /* its value as read */
};

struct ept_result {
	uint64_t gpa;               /* the guest-physical address translated */
	uint64_t hpa;               /* its host-physical address (on success) */
	uint64_t page_size;         /* 4 KiB, 2 MiB or 1 GiB */
	uint8_t rwx;                /* AND of bits 2:0 over the entries walked (0 if one was not present) */
	uint8_t memtype;            /* the leaf's EPT memory type */
	bool ipat;                  /* the leaf's ignore-PAT bit */
	bool dirty;                 /* the leaf's D flag after this walk (true without EPT A/D) */
	enum ept_fault fault;       /* EPT_OK, or which EPT-induced VM exit */
	uint32_t qual;              /* EPT_VIOLATION: the exit qualification */
	const char *why;            /* on a fault: the explanation with its SDM section */
	int nrefs;                  /* entries read */
	struct ept_ref refs[4];     /* the entries, EPT PML4E first */
};

/*
 * What the two-dimensional walk (walk.h) needs to know about EPT: the
 * EPT pointer and, optionally, the guest-physical TLB to consult and fill
 * (guest-physical mappings, tagged by EP4TA; SDM Vol. 3C, 29.4.1).
 */
struct gpa_tlb;
struct ept_ctx {
	uint64_t eptp;              /* EPT pointer (must be valid: ept_eptp_check) */
	struct gpa_tlb *gtlb;       /* guest-physical TLB, or NULL for none */
};

/*
 * Translate gpa through the EPT paging structures rooted at eptp (SDM Vol.
 * 3C, 29.3.2). access is EPT_QUAL_READ, _WRITE or _FETCH (READ|WRITE for
 * a processor access to a guest paging-structure entry with EPT A/D on),
 * ORed with EPT_QUAL_GLA_VALID and EPT_QUAL_FINAL as the qualification of
 * a violation should report them. set_ad = true sets the EPT accessed and
 * dirty flags when EPTP bit 6 enables them (29.3.5); false is the
 * debugger's side-effect-free look. Returns true on success; on false,
 * r->fault, r->qual and r->why say why.
 */
bool ept_walk(struct physmem *pm, uint64_t eptp, uint64_t gpa, uint32_t access, bool set_ad,
	      struct ept_result *r);

#endif
