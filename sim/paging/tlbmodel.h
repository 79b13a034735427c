/* tlbmodel.h - the architectural TLBs: what the CPU profile says the processor caches. */
#ifndef VTSIM_TLBMODEL_H
#define VTSIM_TLBMODEL_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The SDM lets a processor cache translations (TLBs) and upper-level
 * paging-structure entries (paging-structure caches), tagged by PCID, and
 * keep using them after the tables in memory change, until software
 * invalidates them (SDM Vol. 3A, 4.10 "Caching Translation Information").
 * This model does exactly that, with the sizes and associativity of a CPU
 * profile, so that a guest that forgets an INVLPG sees the stale mapping
 * a real processor could give it — and so that misses and walk references
 * can be counted and costed.
 *
 * The CPU's fast TLB (tlb.h) is a subset of this model: whatever leaves
 * the model leaves the fast TLB too.
 *
 * With VMX the cached information has three kinds (SDM Vol. 3C, 29.4.1
 * "Information That May Be Cached"), and the model tags each entry so:
 *   linear mappings       (EPT off)  VPID, PCID               eptag = 0
 *   combined mappings     (EPT on)   VPID, PCID, EP4TA        eptag = EP4TA | 1
 *   guest-physical mappings          EP4TA                    struct gpa_tlb below
 * The VPID is 0 in VMX root operation and in a guest without "enable
 * VPID". A lookup matches all of its tags (a global entry any PCID).
 */

/* The EPT tag of a TLB or paging-structure-cache entry. */
static inline uint64_t tlb_eptag(bool ept, uint64_t ep4ta)
{
	return ept ? ep4ta | 1 : 0;
}

struct tlbm_entry {
	uint64_t page;       /* linear address of the (possibly large) page */
	uint64_t pa;         /* its physical address */
	uint64_t lru;        /* last use, for replacement */
	uint64_t eptag;      /* 0: linear mapping; EP4TA | 1: combined mapping (tlb_eptag) */
	uint16_t pcid;       /* PCID tag (0 when CR4.PCIDE = 0) */
	uint16_t vpid;       /* VPID tag (0 outside a guest with VPIDs enabled) */
	uint8_t size_log2;   /* 12, 21, 22 or 30 */
	uint8_t ept_rwx;     /* combined mappings: the EPT R/W/X rights (7 for linear mappings) */
	bool valid;          /* entry in use */
	bool global;         /* G = 1 with CR4.PGE: survives CR3 loads */
	bool user, writable, nx; /* the translation's combined rights */
	bool dirty;          /* D was set when cached (and EPT D, with EPT A/D): writes need no walk */
};

struct tlbm {
	const char *name;           /* "ITLB", "DTLB" */
	unsigned sets, ways;        /* geometry (sets x ways entries) */
	struct tlbm_entry *e;       /* [set * ways + way] */
	uint64_t tick;              /* LRU clock */
	uint64_t hits, misses, evictions; /* statistics */
	uint16_t vpid;              /* the current VPID: the context of the PCID-scoped flushes */
};

/* Paging-structure caches: one per upper level, fully associative. */
#define PSC_LEVELS 3  /* [0] PML4E (4-level) or PDPTE..., see tlbmodel.c */
struct psc_entry {
	uint64_t key;        /* linear address bits above the level's coverage */
	uint64_t table;      /* physical address of the next table */
	uint64_t lru;        /* last use */
	uint64_t eptag;      /* 0, or EP4TA | 1 for a combined entry (its table is guest-physical) */
	uint16_t pcid;       /* PCID tag */
	uint16_t vpid;       /* VPID tag */
	bool valid;          /* in use */
	bool user, writable, nx; /* rights accumulated down to this level */
	uint8_t level;       /* the level of the cached entry (4: PML4E, 3: PDPTE, 2: PDE) */
};

/*
 * The guest-physical TLB ("nested TLB"): guest-physical mappings, gpa page
 * -> host-physical page with the EPT rights, tagged by EP4TA only (SDM
 * Vol. 3C, 29.4.1). The 2-D walk looks each guest-physical address up
 * here first; a hit skips the EPT walk for that address. Fully
 * associative, LRU. EPT paging-structure caches are not modelled.
 */
struct gpa_tlb_entry {
	uint64_t gpa;        /* guest-physical address of the (possibly large) page */
	uint64_t hpa;        /* its host-physical address */
	uint64_t ep4ta;      /* EPT PML4 table address: the tag */
	uint64_t lru;        /* last use */
	uint8_t size_log2;   /* 12, 21 or 30 */
	uint8_t rwx;         /* EPT rights: AND of bits 2:0 of the entries */
	bool dirty;          /* the EPT leaf's D was set (always, without EPT A/D) */
	bool valid;          /* in use */
};

struct gpa_tlb {
	unsigned size;              /* entries */
	struct gpa_tlb_entry *e;    /* [i] */
	uint64_t tick;              /* LRU clock */
	uint64_t hits, misses;      /* statistics */
};

struct psc {
	unsigned size;              /* entries per level */
	struct psc_entry *e[PSC_LEVELS]; /* [level-2][i]: PDE, PDPTE, PML4E caches */
	uint64_t tick;              /* LRU clock */
	uint64_t hits;              /* walks that started below the top */
	uint16_t vpid;              /* the current VPID: the context of psc_flush_pcid */
	struct gpa_tlb gtlb;        /* guest-physical mappings (size entries) */
};

struct tlbm_config {
	unsigned itlb_sets, itlb_ways;   /* instruction TLB */
	unsigned dtlb_sets, dtlb_ways;   /* data TLB */
	unsigned psc_entries;            /* per paging-structure cache */
};

/* Skylake-like defaults: ITLB 128 entries 8-way, DTLB 64 entries 4-way
 * (Intel 64 and IA-32 Architectures Optimization Reference Manual, Skylake
 * microarchitecture TLB parameters), 32 entries per paging-structure cache
 * (an estimate: Intel does not publish the sizes). */
extern const struct tlbm_config tlbm_default_config;

int tlbm_init(struct tlbm *t, const char *name, unsigned sets, unsigned ways);
void tlbm_free(struct tlbm *t);
int psc_init(struct psc *p, unsigned size);
void psc_free(struct psc *p);

/* Look up la with these tags (global entries match any PCID). NULL on a miss. */
struct tlbm_entry *tlbm_lookup(struct tlbm *t, uint64_t la, uint16_t pcid, uint16_t vpid,
			       uint64_t eptag);
/* Insert a translation; returns the entry it replaced (its old contents in
 * *evicted, evicted->valid false if none). */
void tlbm_insert(struct tlbm *t, const struct tlbm_entry *n, struct tlbm_entry *evicted);

/* Invalidation (SDM Vol. 3A, 4.10.4.1 "Operations that Invalidate TLBs
 * and Paging-Structure Caches"). tlbm_flush_all and psc_flush empty
 * everything (every VPID and EP4TA too); the others act, as MOV to CR3,
 * INVLPG and INVPCID do, on the current VPID only (t->vpid, p->vpid), and
 * on linear and combined mappings alike (SDM Vol. 3C, 29.4.3.1). */
void tlbm_flush_all(struct tlbm *t);                          /* including globals */
void tlbm_flush_nonglobal(struct tlbm *t);                     /* every PCID */
void tlbm_flush_pcid(struct tlbm *t, uint16_t pcid);           /* non-global of one PCID */
void tlbm_flush_addr(struct tlbm *t, uint64_t la, uint16_t pcid, bool globals_too);
void psc_flush(struct psc *p);
void psc_flush_pcid(struct psc *p, uint16_t pcid);

/*
 * The invalidations of VMX (INVVPID, INVEPT, VM entry and exit without
 * VPIDs; SDM Vol. 3C, 29.4.3): remove the entries that match every
 * criterion the filter sets.
 */
struct tlb_filter {
	bool by_vpid;        /* only entries tagged with vpid */
	uint16_t vpid;       /* ... this one */
	bool nonzero_vpid;   /* only entries with a VPID other than 0 (INVVPID type 2) */
	bool by_addr;        /* only translations of la (paging-structure caches: every entry) */
	uint64_t la;         /* ... this linear address */
	bool keep_global;    /* keep global translations */
	bool combined_only;  /* only combined mappings (EPT tag nonzero) */
	bool by_eptag;       /* only combined mappings with this EPT tag */
	uint64_t eptag;      /* ... this one (tlb_eptag) */
};
void tlbm_flush_filter(struct tlbm *t, const struct tlb_filter *f);
void psc_flush_filter(struct psc *p, const struct tlb_filter *f);

/* The guest-physical TLB: look up gpa for ep4ta (NULL on a miss), insert,
 * and invalidate by EP4TA (INVEPT type 1) or everything (type 2). */
struct gpa_tlb_entry *gtlb_lookup(struct gpa_tlb *g, uint64_t gpa, uint64_t ep4ta);
void gtlb_insert(struct gpa_tlb *g, const struct gpa_tlb_entry *n);
void gtlb_flush(struct gpa_tlb *g);
void gtlb_flush_ep4ta(struct gpa_tlb *g, uint64_t ep4ta);
/* Remove the mapping of one guest-physical address (after an EPT fault on it). */
void gtlb_flush_gpa(struct gpa_tlb *g, uint64_t gpa, uint64_t ep4ta);

#endif
