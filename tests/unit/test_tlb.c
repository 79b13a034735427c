/* test_tlb.c - the TLB model: walk records, paging-structure caches, side-effect-free translation. */
#include <criterion/criterion.h>

#include "config.h"

#include "../../sim/paging/walk.h"
#include "helpers.h"

/*
 * Page tables: the first 2 MiB identity-mapped by one 2 MiB page (code,
 * stack, tables), and 0x400000 mapped by a 4 KiB PTE to 0x50000.
 */
#define PML4 0x20000ull
#define PDPT 0x21000ull
#define PD 0x22000ull
#define PT 0x23000ull
#define LA 0x400000ull

static struct machine *tables(void)
{
	struct machine *m = tm_new(START_LONG64);
	uint8_t zero[0x4000] = { 0 };
	machine_phys_write(m, PML4, zero, sizeof zero);
	tm_poke(m, PML4, 8, PDPT | 3);
	tm_poke(m, PDPT, 8, PD | 3);
	tm_poke(m, PD, 8, 0x83);
	tm_poke(m, PD + 16, 8, PT | 3);
	tm_poke(m, PT, 8, 0x50000 | 3);
	machine_reg_set(m, VT_CR3, PML4);
	return m;
}

struct walks {
	int n;
	uint64_t la[8];
	int nrefs[8], psc_level[8];
};

static void on_walk(void *opaque, const struct event *e)
{
	struct walks *w = opaque;
	if (w->n < 8) {
		w->la[w->n] = e->u.walk.la;
		w->nrefs[w->n] = e->u.walk.w->nrefs;
		w->psc_level[w->n] = e->u.walk.w->psc_level;
		w->n++;
	}
}

/* mov al, [0x400000] ; mov al, [0x400008] (absolute disp32 addressing) */
static const uint8_t two_loads[] = {
	0x8a, 0x04, 0x25, 0x00, 0x00, 0x40, 0x00,
	0x8a, 0x04, 0x25, 0x08, 0x00, 0x40, 0x00,
};

Test(tlb, walk_records_and_paging_structure_caches)
{
#ifdef VTSIM_STRESS_TLB
	cr_skip_test("counts cached translations; this build flushes them after every instruction");
#endif
	struct machine *m = tables();
	struct walks w = { 0 };
	cr_assert_geq(machine_subscribe(m, EVB(EV_WALK), on_walk, &w), 0);
	cr_assert_eq(tm_run_bytes(m, two_loads, sizeof two_loads), STOP_HLT);
	/* The fetch walks PML4E, PDPTE and the 2 MiB PDE from the top. */
	cr_assert_eq(w.n, 2, "walks: %d", w.n);
	cr_assert_eq(w.la[0], TM_CODE);
	cr_assert_eq(w.nrefs[0], 3);
	cr_assert_eq(w.psc_level[0], 0);
	/* The load reuses the cached PDPTE (same PDPT entry): PDE and PTE only.
	 * The second load hits the DTLB: no walk. */
	cr_assert_eq(w.la[1], LA);
	cr_assert_eq(w.psc_level[1], 3);
	cr_assert_eq(w.nrefs[1], 2);
	struct tlb_stats st;
	machine_tlb_stats(m, &st);
	cr_assert_eq(st.walks, 2);
	cr_assert_eq(st.walk_refs, 5);
	cr_assert_eq(st.dtlb_misses, 1);
	cr_assert_eq(st.itlb_misses, 1);
	machine_free(m);
}

Test(tlb, translate_has_no_side_effects)
{
	struct machine *m = tables();
	struct walk w;
	bool in_tlb = true;
	/* Before any access: nothing cached, a full walk of four entries. */
	cr_assert(machine_translate(m, LA + 0x123, ACC_READ, &w, &in_tlb));
	cr_assert_not(in_tlb);
	cr_assert_eq(w.pa, 0x50123);
	cr_assert_eq(w.nrefs, 4);
	cr_assert_eq(w.refs[3].level, 1);
	cr_assert_eq(w.refs[3].pa, PT);
	/* No accessed flag was set by looking. */
	cr_assert_eq(tm_peek(m, PT, 8) & 0x20, 0);
	/* An unmapped address: not present, reported with the #PF error code. */
	cr_assert_not(machine_translate(m, 0x600000, ACC_WRITE, &w, &in_tlb));
	cr_assert_eq(w.pfec & PFEC_P, 0);
	cr_assert_neq(w.pfec & PFEC_W, 0);
	/* After the guest touches it, the TLB model holds it and A is set. */
	cr_assert_eq(tm_run_bytes(m, two_loads, 7), STOP_HLT);
	cr_assert(machine_translate(m, LA, ACC_READ, &w, &in_tlb));
#ifndef VTSIM_STRESS_TLB
	cr_assert(in_tlb); /* a stress build has already flushed it */
#endif
	cr_assert_neq(tm_peek(m, PT, 8) & 0x20, 0);
	machine_free(m);
}
