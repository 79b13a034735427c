/* walk.h - how a linear address becomes physical: the page walk and its record. */
#ifndef VTSIM_WALK_H
#define VTSIM_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "../memory.h"
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
	bool user;                    /* user-mode access (CPL 3, not implicit supervisor) */
	bool ac;                      /* RFLAGS.AC, for SMAP */
};

enum paging_mode { PG_NONE, PG_32BIT, PG_PAE, PG_4LEVEL, PG_5LEVEL };

/* walk_ref.pa of a PAE PDPTE taken from the PDPTE registers: no memory reference. */
#define PDPTE_REGISTER UINT64_MAX

/* One step of a walk. */
struct walk_ref {
	uint8_t level;    /* 5..1: PML5, PML4, PDPT, PD, PT (PAE: 3=PDPTE; 32-bit: 2=PDE) */
	uint64_t pa;      /* physical address of the entry, or PDPTE_REGISTER */
	uint64_t entry;   /* its value as read */
};

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
	int nrefs;                /* entries read */
	struct walk_ref refs[5];  /* the entries, top level first */
};

enum paging_mode pg_mode(const struct walk_ctx *ctx);

/* The access-rights check of a translation whose combined rights are
 * known (SDM Vol. 3A, 4.6): for translations taken from a TLB. */
bool pg_rights_ok(const struct walk_ctx *ctx, enum access acc, bool user, bool writable, bool nx);
const char *pg_mode_name(enum paging_mode m);

/*
 * Translate la for an access of the given kind. set_ad = true updates the
 * accessed and dirty flags as the processor does; false is the debugger's
 * side-effect-free look. Returns true on success; on false, w->pfec and
 * w->why say why (the caller raises #PF with CR2 = la).
 */
bool pg_walk(struct physmem *pm, const struct walk_ctx *ctx, uint64_t la,
	     enum access acc, bool set_ad, struct walk *w);

#endif
