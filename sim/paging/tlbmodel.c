/* tlbmodel.c - set-associative, PCID-tagged TLBs with LRU replacement, and paging-structure caches. */
#include "tlbmodel.h"

#include <stdlib.h>
#include <string.h>

const struct tlbm_config tlbm_default_config = {
	.itlb_sets = 16, .itlb_ways = 8,
	.dtlb_sets = 16, .dtlb_ways = 4,
	.psc_entries = 32,
};

int tlbm_init(struct tlbm *t, const char *name, unsigned sets, unsigned ways)
{
	memset(t, 0, sizeof *t);
	if (sets == 0 || ways == 0 || (sets & (sets - 1)))
		return -1;
	t->e = calloc((size_t)sets * ways, sizeof *t->e);
	if (!t->e)
		return -1;
	t->name = name;
	t->sets = sets;
	t->ways = ways;
	return 0;
}

void tlbm_free(struct tlbm *t)
{
	free(t->e);
	t->e = NULL;
}

/* The set is chosen by the 4 KiB page number, as for 4 KiB pages on Intel
 * cores; large pages use the page number of their base. */
static unsigned set_of(const struct tlbm *t, uint64_t page)
{
	return (unsigned)((page >> 12) & (t->sets - 1));
}

static bool matches(const struct tlbm_entry *e, uint64_t la, uint16_t pcid, uint16_t vpid,
		    uint64_t eptag)
{
	return e->valid && (e->global || e->pcid == pcid) && e->vpid == vpid && e->eptag == eptag &&
	       (la >> e->size_log2) == (e->page >> e->size_log2);
}

struct tlbm_entry *tlbm_lookup(struct tlbm *t, uint64_t la, uint16_t pcid, uint16_t vpid,
			       uint64_t eptag)
{
	/* A large page lives in the set of its base; try 4K, 2M/4M, 1G bases. */
	static const uint8_t sizes[] = { 12, 21, 22, 30 };
	for (size_t k = 0; k < sizeof sizes; k++) {
		uint64_t base = la & ~((1ull << sizes[k]) - 1);
		struct tlbm_entry *s = &t->e[set_of(t, base) * t->ways];
		for (unsigned w = 0; w < t->ways; w++) {
			if (matches(&s[w], la, pcid, vpid, eptag) && s[w].size_log2 == sizes[k]) {
				s[w].lru = ++t->tick;
				t->hits++;
				return &s[w];
			}
		}
	}
	t->misses++;
	return NULL;
}

void tlbm_insert(struct tlbm *t, const struct tlbm_entry *n, struct tlbm_entry *evicted)
{
	struct tlbm_entry *s = &t->e[set_of(t, n->page) * t->ways];
	unsigned victim = 0;
	for (unsigned w = 0; w < t->ways; w++) {
		if (!s[w].valid) {
			victim = w;
			break;
		}
		if (s[w].lru < s[victim].lru)
			victim = w;
	}
	*evicted = s[victim];
	if (evicted->valid)
		t->evictions++;
	s[victim] = *n;
	s[victim].valid = true;
	s[victim].lru = ++t->tick;
}

void tlbm_flush_all(struct tlbm *t)
{
	for (unsigned i = 0; i < t->sets * t->ways; i++)
		t->e[i].valid = false;
}

void tlbm_flush_nonglobal(struct tlbm *t)
{
	for (unsigned i = 0; i < t->sets * t->ways; i++)
		if (!t->e[i].global && t->e[i].vpid == t->vpid)
			t->e[i].valid = false;
}

void tlbm_flush_pcid(struct tlbm *t, uint16_t pcid)
{
	for (unsigned i = 0; i < t->sets * t->ways; i++)
		if (!t->e[i].global && t->e[i].pcid == pcid && t->e[i].vpid == t->vpid)
			t->e[i].valid = false;
}

void tlbm_flush_addr(struct tlbm *t, uint64_t la, uint16_t pcid, bool globals_too)
{
	for (unsigned i = 0; i < t->sets * t->ways; i++) {
		struct tlbm_entry *e = &t->e[i];
		if (!e->valid || e->vpid != t->vpid || (la >> e->size_log2) != (e->page >> e->size_log2))
			continue;
		if (e->global ? globals_too : e->pcid == pcid)
			e->valid = false;
	}
}

/* Does an invalidation filter select an entry with these tags? */
static bool filter_selects(const struct tlb_filter *f, uint16_t vpid, uint64_t eptag, bool global)
{
	if (f->by_vpid && vpid != f->vpid)
		return false;
	if (f->nonzero_vpid && vpid == 0)
		return false;
	if (f->keep_global && global)
		return false;
	if (f->combined_only && eptag == 0)
		return false;
	if (f->by_eptag && eptag != f->eptag)
		return false;
	return true;
}

void tlbm_flush_filter(struct tlbm *t, const struct tlb_filter *f)
{
	for (unsigned i = 0; i < t->sets * t->ways; i++) {
		struct tlbm_entry *e = &t->e[i];
		if (!e->valid || !filter_selects(f, e->vpid, e->eptag, e->global))
			continue;
		if (f->by_addr && (f->la >> e->size_log2) != (e->page >> e->size_log2))
			continue;
		e->valid = false;
	}
}

int psc_init(struct psc *p, unsigned size)
{
	memset(p, 0, sizeof *p);
	p->size = size;
	for (int l = 0; l < PSC_LEVELS; l++) {
		p->e[l] = calloc(size ? size : 1, sizeof *p->e[l]);
		if (!p->e[l]) {
			psc_free(p);
			return -1;
		}
	}
	p->gtlb.e = calloc(size ? size : 1, sizeof *p->gtlb.e);
	if (!p->gtlb.e) {
		psc_free(p);
		return -1;
	}
	p->gtlb.size = size;
	return 0;
}

void psc_free(struct psc *p)
{
	for (int l = 0; l < PSC_LEVELS; l++) {
		free(p->e[l]);
		p->e[l] = NULL;
	}
	free(p->gtlb.e);
	p->gtlb.e = NULL;
	p->gtlb.size = 0;
}

void psc_flush(struct psc *p)
{
	for (int l = 0; l < PSC_LEVELS; l++)
		for (unsigned i = 0; i < p->size; i++)
			p->e[l][i].valid = false;
}

void psc_flush_pcid(struct psc *p, uint16_t pcid)
{
	for (int l = 0; l < PSC_LEVELS; l++)
		for (unsigned i = 0; i < p->size; i++)
			if (p->e[l][i].pcid == pcid && p->e[l][i].vpid == p->vpid)
				p->e[l][i].valid = false;
}

/* Paging-structure-cache entries are never global; an address filter
 * removes every entry of the context (as INVLPG does for its PCID). */
void psc_flush_filter(struct psc *p, const struct tlb_filter *f)
{
	for (int l = 0; l < PSC_LEVELS; l++)
		for (unsigned i = 0; i < p->size; i++)
			if (filter_selects(f, p->e[l][i].vpid, p->e[l][i].eptag, false))
				p->e[l][i].valid = false;
}

struct gpa_tlb_entry *gtlb_lookup(struct gpa_tlb *g, uint64_t gpa, uint64_t ep4ta)
{
	for (unsigned i = 0; i < g->size; i++) {
		struct gpa_tlb_entry *e = &g->e[i];
		if (e->valid && e->ep4ta == ep4ta && (gpa >> e->size_log2) == (e->gpa >> e->size_log2)) {
			e->lru = ++g->tick;
			g->hits++;
			return e;
		}
	}
	g->misses++;
	return NULL;
}

void gtlb_insert(struct gpa_tlb *g, const struct gpa_tlb_entry *n)
{
	if (!g->size)
		return;
	unsigned victim = 0;
	for (unsigned i = 0; i < g->size; i++) {
		if (!g->e[i].valid) {
			victim = i;
			break;
		}
		if (g->e[i].lru < g->e[victim].lru)
			victim = i;
	}
	g->e[victim] = *n;
	g->e[victim].valid = true;
	g->e[victim].lru = ++g->tick;
}

void gtlb_flush(struct gpa_tlb *g)
{
	for (unsigned i = 0; i < g->size; i++)
		g->e[i].valid = false;
}

void gtlb_flush_ep4ta(struct gpa_tlb *g, uint64_t ep4ta)
{
	for (unsigned i = 0; i < g->size; i++)
		if (g->e[i].ep4ta == ep4ta)
			g->e[i].valid = false;
}

void gtlb_flush_gpa(struct gpa_tlb *g, uint64_t gpa, uint64_t ep4ta)
{
	for (unsigned i = 0; i < g->size; i++) {
		struct gpa_tlb_entry *e = &g->e[i];
		if (e->ep4ta == ep4ta && (gpa >> e->size_log2) == (e->gpa >> e->size_log2))
			e->valid = false;
	}
}
