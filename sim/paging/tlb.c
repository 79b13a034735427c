/* tlb.c - the fast translation cache: flushing and code protection. */
#include "tlb.h"

void tlb_flush(struct tlb *t)
{
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
