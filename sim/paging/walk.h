/* walk.h - how a linear address becomes physical: the page walk and its record. */
#ifndef VTSIM_WALK_H
#define VTSIM_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "../memory.h"
#include "ept.h"
#include "tlbmodel.h"

/* Kinds of access, as the #PF error code and the permission checks see them. */
enum access { ACC_READ = 0, ACC_WRITE = 1, ACC_EXEC = 2 };

/* #PF error code bits (SDM Vol. 3A, 4.7 "Page-Fault Exceptions"). */
#define PFEC_P (1u << 0)    /* 0: not present; 1: protection violation */
#define PFEC_W (1u << 1)    /* the access was a write */
#define PFEC_U (1u << 2)    /* the access was a user-mode access */
#define PFEC_RSVD (1u << 3) /* a reserved bit was set in some entry */
#define PFEC_I (1u << 4)    /* the access was an instruction fetch */

/* MAXPHYADDR as CPUID.80000008H:EAX[7:0] will report it. */
#define VT_MAXPHYADDR 46

/* Everything a walk depends on: the paging mode and the access's privilege. */
struct walk_ctx {
	uint64_t cr0, cr3, cr4, efer; /* paging controls */
	const uint64_t *pdpte;        /* PAE: the 4 PDPTE registers, or NULL to read memory */
	struct psc *psc;              /* paging-structure caches to use and fill, or NULL */
	uint16_t pcid;                /* their tag */
	uint16_t vpid;                /* their VPID tag (0 outside a guest with VPIDs) */
	bool user;                    /* user-mode access (CPL 3, not implicit supervisor) */
	bool ac;                      /* RFLAGS.AC, for SMAP */
	const struct ept_ctx *ept;    /* EPT in use: the 2-D walk (ept.h); NULL: none */
};

enum paging_mode { PG_NONE, PG_32BIT, PG_PAE, PG_4LEVEL, PG_5LEVEL };

/* walk_ref.pa of a PAE PDPTE taken from the PDPTE registers: no memory reference. */
#define PDPTE_REGISTER UINT64_MAX

/* Which translation a reference belongs to. */
enum walk_stage {
	WALK_GUEST,       /* a paging-structure entry of CR3's tables */
	WALK_EPT,         /* an EPT entry, translating a guest-physical address */
};

/* One step of a walk. */
struct walk_ref {
	uint8_t level;    /* guest: 5..1: PML5, PML4, PDPT, PD, PT (PAE: 3=PDPTE; 32-bit: 2=PDE);
			   * EPT: 4..1: EPT PML4E, PDPTE, PDE, PTE */
	uint8_t stage;    /* enum walk_stage */
	uint8_t for_level;/* EPT: the guest level whose entry's address is translated, 0: the final one */
	uint8_t ept_rwx;  /* guest, under EPT: the EPT rights of the entry's page (else 7) */
	uint64_t pa;      /* (host-)physical address of the entry, or PDPTE_REGISTER */
	uint64_t gpa;     /* guest: guest-physical address of the entry (= pa without EPT);
			   * EPT: the guest-physical address being translated */
	uint64_t entry;   /* its value as read */
};

/* How a walk failed. */
enum walk_fault {
	WALK_OK,                 /* translated */
	WALK_PF,                 /* the guest's paging: #PF with pfec */
	WALK_EPT_VIOLATION,      /* EPT violation: VM exit 48 with ept_qual */
	WALK_EPT_MISCONFIG,      /* EPT misconfiguration: VM exit 49 */
};

/* The most references one walk can make: a 5-level guest under 4-level
 * EPT, 5 guest entries and 4 EPT entries for each of 6 guest-physical
 * addresses (5 tables and the final one). 4-level under 4-level: 24. */
#define WALK_MAX_REFS 29

struct walk {
	uint64_t pa;              /* translated physical address */
	uint64_t page_size;       /* 4 KiB, 2 MiB, 4 MiB or 1 GiB */
	bool writable;            /* R/W = 1 at every level */
	bool user;                /* U/S = 1 at every level */
	bool nx;                  /* XD = 1 at some level (with NXE) */
	bool global;              /* the leaf has G = 1 and CR4.PGE = 1 */
	bool dirty;               /* the leaf's D flag (after this walk's update) */
	bool fault;               /* the walk ended in #PF */
	uint32_t pfec;            /* its error code */
	const char *why;          /* explanation of the fault, with SDM section */
	int psc_level;            /* the walk started from a cached entry of this level, or 0 */
	/* With EPT (walk_ctx.ept): */
	bool ept;                 /* the walk went through EPT */
	uint8_t fault_kind;       /* enum walk_fault (WALK_PF whenever fault without EPT) */
	bool ept_final;           /* the EPT fault was on the final address, not on a guest table */
	uint8_t ept_rwx;          /* EPT rights of the final guest-physical address */
	bool ept_dirty;           /* its EPT D flag (true without EPT A/D) */
	uint64_t ept_page_size;   /* its EPT page size */
	uint64_t gpa;             /* the final guest-physical address, or the one EPT failed on */
	uint32_t ept_qual;        /* EPT violation: the exit qualification (ept.h) */
	int gtlb_hits;            /* guest-physical addresses found in the guest-physical TLB */
	int nrefs;                /* entries read (guest and EPT) */
	struct walk_ref refs[WALK_MAX_REFS]; /* the entries in the order read */
};

enum paging_mode pg_mode(const struct walk_ctx *ctx);

/* The access-rights check of a translation whose combined rights are
 * known (SDM Vol. 3A, 4.6): for translations taken from a TLB. */
bool pg_rights_ok(const struct walk_ctx *ctx, enum access acc, bool user, bool writable, bool nx);
const char *pg_mode_name(enum paging_mode m);

/*
 * Translate la for an access of the given kind. set_ad = true updates the
 * accessed and dirty flags as the processor does; false is the debugger's
 * side-effect-free look. Returns true on success; on false, w->fault_kind
 * says which stage failed: WALK_PF (w->pfec; the caller raises #PF with
 * CR2 = la), or with EPT an EPT violation (w->ept_qual, w->gpa) or
 * misconfiguration (w->gpa); w->why explains. With ctx->ept, w->pa is
 * host-physical and w->gpa guest-physical; with paging off (CR0.PG = 0)
 * the linear address is the guest-physical address.
 */
bool pg_walk(struct physmem *pm, const struct walk_ctx *ctx, uint64_t la,
	     enum access acc, bool set_ad, struct walk *w);

#endif
