/* tlb.c - the fast translation cache: flushing and code protection. */
#include "tlb.h"

#include <stddef.h>

_Static_assert(offsetof(struct tlb, x) == offsetof(struct tlb, e) + sizeof(((struct tlb *)0)->e),
	       "tlb_flush() clears e and x as one array");

void tlb_flush(struct tlb *t)
{
	static const struct tlb_entry empty = { TLB_EMPTY, TLB_EMPTY, TLB_EMPTY, 0, 0 };
	if (t->nfilled <= TLB_TRACK) {
		struct tlb_entry *all = &t->e[0][0]; /* e and then x, one array of 4 x TLB_ENTRIES */
		for (unsigned k = 0; k < t->nfilled; k++)
			all[t->filled[k]] = empty;
		t->nfilled = 0;
		return;
	}
	t->nfilled = 0;
	for (int u = 0; u < 2; u++) {
		for (unsigned i = 0; i < TLB_ENTRIES; i++) {
			t->e[u][i] = (struct tlb_entry){ TLB_EMPTY, TLB_EMPTY, TLB_EMPTY, 0, 0 };
			t->x[u][i] = t->e[u][i];
		}
	}
}

void tlb_protect_code(struct tlb *t, uint64_t pa)
{
	pa &= ~0xfffull;
	for (int u = 0; u < 2; u++)
		for (unsigned i = 0; i < TLB_ENTRIES; i++)
			if (t->e[u][i].pa == pa)
				t->e[u][i].tag_w = TLB_EMPTY;
}
