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
 */

struct tlbm_entry {
	uint64_t page;       /* linear address of the (possibly large) page */
	uint64_t pa;         /* its physical address */
	uint64_t lru;        /* last use, for replacement */
	uint16_t pcid;       /* PCID tag (0 when CR4.PCIDE = 0) */
	uint8_t size_log2;   /* 12, 21, 22 or 30 */
	bool valid;          /* entry in use */
	bool global;         /* G = 1 with CR4.PGE: survives CR3 loads */
	bool user, writable, nx; /* the translation's combined rights */
	bool dirty;          /* D was set when cached: writes need no walk */
};

struct tlbm {
	const char *name;           /* "ITLB", "DTLB" */
	unsigned sets, ways;        /* geometry (sets x ways entries) */
	struct tlbm_entry *e;       /* [set * ways + way] */
	uint64_t tick;              /* LRU clock */
	uint64_t hits, misses, evictions; /* statistics */
};

/* Paging-structure caches: one per upper level, fully associative. */
#define PSC_LEVELS 3  /* [0] PML4E (4-level) or PDPTE..., see tlbmodel.c */
struct psc_entry {
	uint64_t key;        /* linear address bits above the level's coverage */
	uint64_t table;      /* physical address of the next table */
	uint64_t lru;        /* last use */
	uint16_t pcid;       /* PCID tag */
	bool valid;          /* in use */
	bool user, writable, nx; /* rights accumulated down to this level */
	uint8_t level;       /* the level of the cached entry (4: PML4E, 3: PDPTE, 2: PDE) */
};

struct psc {
	unsigned size;              /* entries per level */
	struct psc_entry *e[PSC_LEVELS]; /* [level-2][i]: PDE, PDPTE, PML4E caches */
	uint64_t tick;              /* LRU clock */
	uint64_t hits;              /* walks that started below the top */
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

/* Look up la for pcid (global entries match any PCID). NULL on a miss. */
struct tlbm_entry *tlbm_lookup(struct tlbm *t, uint64_t la, uint16_t pcid);
/* Insert a translation; returns the entry it replaced (its old contents in
 * *evicted, evicted->valid false if none). */
void tlbm_insert(struct tlbm *t, const struct tlbm_entry *n, struct tlbm_entry *evicted);

/* Invalidation (SDM Vol. 3A, 4.10.4.1 "Operations that Invalidate TLBs
 * and Paging-Structure Caches"). */
void tlbm_flush_all(struct tlbm *t);                          /* including globals */
void tlbm_flush_nonglobal(struct tlbm *t);                     /* every PCID */
void tlbm_flush_pcid(struct tlbm *t, uint16_t pcid);           /* non-global of one PCID */
void tlbm_flush_addr(struct tlbm *t, uint64_t la, uint16_t pcid, bool globals_too);
void psc_flush(struct psc *p);
void psc_flush_pcid(struct psc *p, uint16_t pcid);

#endif
