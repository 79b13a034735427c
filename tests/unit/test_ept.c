/* test_ept.c - EPT walks, the two-dimensional walk, and VPID/EPTP-tagged TLB invalidation, against the SDM. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "config.h"
#include <string.h>

#include "../../sim/cpu/access.h"
#include "../../sim/paging/ept.h"
#include "../../sim/paging/walk.h"

/*
 * Host-physical layout: EPT tables from EPT_ROOT upwards (a bump
 * allocator), guest-physical pages at gpa + HOFF. The guest's 4-level
 * tables live at guest-physical G_PML4..G_PT and map LA to G_DATA. The
 * expectations come from SDM Vol. 3C, 29.3 "The Extended Page Table
 * Mechanism (EPT)" and 28.2.1, Table 28-7, written here as conditions, not
 * taken from ept.c.
 */
#define RAM (4ull << 20)
#define EPT_ROOT 0x10000ull
#define HOFF 0x100000ull
#define G_PML4 0x20000ull
#define G_PDPT 0x21000ull
#define G_PD 0x22000ull
#define G_PT 0x23000ull
#define G_DATA 0x30000ull
/* PML4 index 1, PDPT index 2, PD index 3, PT index 4, offset 0x123. */
#define LA ((1ull << 39) | (2ull << 30) | (3ull << 21) | (4ull << 12) | 0x123)

#define WB (6ull << 3)          /* EPT memory type WB in a leaf */
#define EPTP_WB4 (6ull | (3ull << 3)) /* WB, 4-level walk */

/* CR0_PE, CR0_PG, CR4_PAE, EFER_LMA, EFER_LME: cpu.h (via access.h). */

struct env {
	struct physmem pm;
	uint64_t next;          /* next free host page for EPT tables */
	uint64_t eptp;          /* EPTP with EPT_ROOT */
};

static void env_init(struct env *v, bool ad)
{
	cr_assert_eq(phys_init(&v->pm, RAM), 0);
	uint8_t zero[4096] = { 0 };
	phys_write_buf(&v->pm, EPT_ROOT, zero, sizeof zero);
	v->next = EPT_ROOT + 0x1000;
	v->eptp = EPT_ROOT | EPTP_WB4 | (ad ? 1ull << 6 : 0);
}

static uint64_t idx(uint64_t a, int level)
{
	return (a >> (12 + 9 * (level - 1))) & 511;
}

/* Host address of the EPT entry of `level` for gpa, creating tables above it (RWX). */
static uint64_t ept_slot(struct env *v, uint64_t gpa, int level)
{
	uint64_t table = EPT_ROOT;
	for (int l = 4; l > level; l--) {
		uint64_t a = table + idx(gpa, l) * 8;
		uint64_t e = phys_read(&v->pm, a, 8);
		if (!(e & 7)) {
			uint8_t zero[4096] = { 0 };
			e = v->next | 7;
			phys_write_buf(&v->pm, v->next, zero, sizeof zero);
			v->next += 0x1000;
			phys_write(&v->pm, a, 8, e);
		}
		table = e & 0xfffffffff000ull;
	}
	return table + idx(gpa, level) * 8;
}

/* Map gpa's page at leaf level (1: 4 KiB, 2: 2 MiB, 3: 1 GiB) to hpa with flags. */
static uint64_t ept_map(struct env *v, uint64_t gpa, uint64_t hpa, int level, uint64_t flags)
{
	uint64_t a = ept_slot(v, gpa, level);
	phys_write(&v->pm, a, 8, hpa | flags | (level > 1 ? 1ull << 7 : 0));
	return a;
}

/* The guest's 4-level tables for LA -> G_DATA, all pages identity+HOFF under EPT. */
static void guest_tables(struct env *v, uint64_t ept_leaf_flags)
{
	const uint64_t pages[] = { G_PML4, G_PDPT, G_PD, G_PT, G_DATA };
	for (size_t i = 0; i < 5; i++)
		ept_map(v, pages[i], pages[i] + HOFF, 1, ept_leaf_flags);
	phys_write(&v->pm, G_PML4 + HOFF + idx(LA, 4) * 8, 8, G_PDPT | 7);
	phys_write(&v->pm, G_PDPT + HOFF + idx(LA, 3) * 8, 8, G_PD | 7);
	phys_write(&v->pm, G_PD + HOFF + idx(LA, 2) * 8, 8, G_PT | 7);
	phys_write(&v->pm, G_PT + HOFF + idx(LA, 1) * 8, 8, G_DATA | 7);
}

static struct walk_ctx guest_ctx(const struct ept_ctx *x)
{
	return (struct walk_ctx){ .cr0 = CR0_PE | CR0_PG, .cr3 = G_PML4, .cr4 = CR4_PAE,
				  .efer = EFER_LMA, .ept = x };
}

/* ---- EPTP (SDM Vol. 3C, 25.6.11; checks in 27.2.1.1) ------------------- */

Test(ept, eptp_validity)
{
	cr_assert_null(ept_eptp_check(0x5000 | EPTP_WB4));
	cr_assert_null(ept_eptp_check(0x5000 | (3ull << 3)));            /* UC */
	cr_assert_null(ept_eptp_check(0x5000 | EPTP_WB4 | (1ull << 6))); /* A/D */
	for (unsigned mt = 0; mt < 8; mt++) {
		const char *why = ept_eptp_check(0x5000 | (3ull << 3) | mt);
		if (mt == 0 || mt == 6)
			cr_assert_null(why, "memory type %u is allowed", mt);
		else
			cr_assert_not_null(why, "memory type %u is reserved", mt);
	}
	for (unsigned len = 0; len < 8; len++) {
		const char *why = ept_eptp_check(0x5000 | 6 | (len << 3));
		if (len == 3)
			cr_assert_null(why);
		else
			cr_assert_not_null(why, "walk length %u + 1 is not supported", len);
	}
	for (int b = 7; b <= 11; b++)
		cr_assert_not_null(ept_eptp_check(0x5000 | EPTP_WB4 | (1ull << b)), "bit %d reserved", b);
	cr_assert_not_null(ept_eptp_check(EPTP_WB4 | (1ull << 46)), "bit 46 is above MAXPHYADDR");
	cr_assert_not_null(ept_eptp_check(EPTP_WB4 | (1ull << 63)));
	cr_assert_null(ept_eptp_check(EPTP_WB4 | (1ull << 45)));
	cr_assert_eq(eptp_ep4ta(0x12345000ull | EPTP_WB4 | (1ull << 6)), 0x12345000ull);
}

/* ---- Page sizes (29.3.2) ------------------------------------------------ */

Test(ept, map_4k)
{
	struct env v;
	env_init(&v, false);
	uint64_t leaf = ept_map(&v, 0x7000, 0x3a000, 1, 7 | WB | (1ull << 6));
	struct ept_result r;
	cr_assert(ept_walk(&v.pm, v.eptp, 0x7abc, EPT_QUAL_READ, true, &r), "%s", r.why);
	cr_assert_eq(r.hpa, 0x3aabc);
	cr_assert_eq(r.page_size, 4096);
	cr_assert_eq(r.nrefs, 4);
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(r.refs[i].level, 4 - i);
		cr_assert_eq(r.refs[i].pa, ept_slot(&v, 0x7000, 4 - i));
	}
	cr_assert_eq(r.refs[3].pa, leaf);
	cr_assert_eq(r.memtype, 6);
	cr_assert(r.ipat);
	cr_assert_eq(r.rwx, 7);
	phys_free(&v.pm);
}

Test(ept, map_2m_and_1g)
{
	struct env v;
	env_init(&v, false);
	ept_map(&v, 0x200000, 0x600000, 2, 7 | WB);
	ept_map(&v, 0x40000000, 0x80000000, 3, 5 | WB);
	struct ept_result r;
	cr_assert(ept_walk(&v.pm, v.eptp, 0x2345678 & 0x3fffff, EPT_QUAL_WRITE, true, &r), "%s", r.why);
	cr_assert_eq(r.hpa, 0x600000 | (0x345678 & 0x1fffff));
	cr_assert_eq(r.page_size, 2ull << 20);
	cr_assert_eq(r.nrefs, 3);
	cr_assert_eq(r.refs[2].level, 2);
	cr_assert(ept_walk(&v.pm, v.eptp, 0x40000000 + 0x12345678, EPT_QUAL_FETCH, true, &r), "%s", r.why);
	cr_assert_eq(r.hpa, 0x80000000 + 0x12345678);
	cr_assert_eq(r.page_size, 1ull << 30);
	cr_assert_eq(r.nrefs, 2);
	cr_assert_eq(r.rwx, 5);
	phys_free(&v.pm);
}

/* ---- Permissions (29.3.3.2; execute-only, 29.3.2) ------------------------ */

Test(ept, every_permission_combination)
{
	struct env v;
	env_init(&v, false);
	static const uint32_t kinds[3] = { EPT_QUAL_READ, EPT_QUAL_WRITE, EPT_QUAL_FETCH };
	for (uint64_t rwx = 0; rwx < 8; rwx++) {
		uint64_t leaf = ept_map(&v, 0x9000, 0x9000, 1, rwx | WB);
		for (int k = 0; k < 3; k++) {
			struct ept_result r;
			uint32_t acc = kinds[k] | EPT_QUAL_GLA_VALID | EPT_QUAL_FINAL;
			bool ok = ept_walk(&v.pm, v.eptp, 0x9010, acc, false, &r);
			if (rwx == 0) {
				/* Not present: a violation, whatever the other bits. */
				cr_assert_not(ok);
				cr_assert_eq(r.fault, EPT_VIOLATION);
				cr_assert_eq(r.qual, acc, "qual %#x", r.qual);
			} else if ((rwx & 3) == 2) {
				/* W without R: misconfiguration (29.3.3.1). */
				cr_assert_not(ok);
				cr_assert_eq(r.fault, EPT_MISCONFIG);
			} else {
				bool want = rwx & (1u << k);
				cr_assert_eq(ok, want, "rwx %llu access %d", (unsigned long long)rwx, k);
				if (!ok) {
					cr_assert_eq(r.fault, EPT_VIOLATION);
					cr_assert_eq(r.qual, acc | (uint32_t)(rwx << 3), "qual %#x", r.qual);
				} else {
					cr_assert_eq(r.hpa, 0x9010);
				}
			}
		}
		(void)leaf;
	}
	/* Execute-only (R=0, W=0, X=1) is legal: fetches pass, reads do not. */
	ept_map(&v, 0x9000, 0x9000, 1, EPTE_X | WB);
	struct ept_result r;
	cr_assert(ept_walk(&v.pm, v.eptp, 0x9000, EPT_QUAL_FETCH, false, &r));
	cr_assert_not(ept_walk(&v.pm, v.eptp, 0x9000, EPT_QUAL_READ, false, &r));
	cr_assert_eq(r.fault, EPT_VIOLATION);
	cr_assert_eq(r.qual, EPT_QUAL_READ | EPT_QUAL_EXECUTABLE);
	/* The rights are the AND over all levels: a read-only EPT PDE makes
	 * the whole 2 MiB region read-only for writes, and qualification
	 * bits 3-5 report R only. */
	ept_map(&v, 0x9000, 0x9000, 1, 7 | WB);
	uint64_t pde = ept_slot(&v, 0x9000, 2);
	phys_write(&v.pm, pde, 8, (phys_read(&v.pm, pde, 8) & ~7ull) | EPTE_R);
	cr_assert_not(ept_walk(&v.pm, v.eptp, 0x9000, EPT_QUAL_WRITE, false, &r));
	cr_assert_eq(r.fault, EPT_VIOLATION);
	cr_assert_eq(r.qual, EPT_QUAL_WRITE | EPT_QUAL_READABLE);
	cr_assert(ept_walk(&v.pm, v.eptp, 0x9000, EPT_QUAL_READ, false, &r));
	cr_assert_eq(r.rwx, EPTE_R);
	phys_free(&v.pm);
}

/* ---- Misconfigurations (29.3.3.1) ---------------------------------------- */

/* Walk gpa for a read and expect a misconfiguration. */
static void expect_misconfig(struct env *v, uint64_t gpa, const char *what)
{
	struct ept_result r;
	cr_assert_not(ept_walk(&v->pm, v->eptp, gpa, EPT_QUAL_READ, false, &r), "%s: translated", what);
	cr_assert_eq(r.fault, EPT_MISCONFIG, "%s: fault %d (%s)", what, r.fault, r.why ? r.why : "");
	cr_assert_not_null(r.why);
	cr_assert_eq(r.qual, 0);
}

Test(ept, every_misconfiguration)
{
	struct env v;
	env_init(&v, false);
	uint64_t leaf = ept_map(&v, 0x5000, 0x5000, 1, 7 | WB);
	uint64_t pml4e = ept_slot(&v, 0x5000, 4), pdpte = ept_slot(&v, 0x5000, 3);
	uint64_t pde = ept_slot(&v, 0x5000, 2);
	uint64_t good_leaf = phys_read(&v.pm, leaf, 8), good_pml4e = phys_read(&v.pm, pml4e, 8);
	uint64_t good_pdpte = phys_read(&v.pm, pdpte, 8), good_pde = phys_read(&v.pm, pde, 8);
	struct ept_result r;
	cr_assert(ept_walk(&v.pm, v.eptp, 0x5000, EPT_QUAL_READ, false, &r), "baseline: %s", r.why);

	/* W = 1 with R = 0, at a leaf and at a non-leaf entry. */
	phys_write(&v.pm, leaf, 8, (good_leaf & ~7ull) | EPTE_W | EPTE_X);
	expect_misconfig(&v, 0x5000, "leaf -WX");
	phys_write(&v.pm, leaf, 8, good_leaf);
	phys_write(&v.pm, pdpte, 8, (good_pdpte & ~7ull) | EPTE_W);
	expect_misconfig(&v, 0x5000, "PDPTE -W-");
	phys_write(&v.pm, pdpte, 8, good_pdpte);

	/* Reserved bits 51:MAXPHYADDR (46), in a leaf and in the PML4E. */
	for (int b = 46; b <= 51; b++) {
		phys_write(&v.pm, leaf, 8, good_leaf | (1ull << b));
		expect_misconfig(&v, 0x5000, "leaf bit above MAXPHYADDR");
	}
	phys_write(&v.pm, leaf, 8, good_leaf);
	phys_write(&v.pm, pml4e, 8, good_pml4e | (1ull << 50));
	expect_misconfig(&v, 0x5000, "PML4E bit 50");
	/* Bit 7 of an EPT PML4E is reserved. */
	phys_write(&v.pm, pml4e, 8, good_pml4e | (1ull << 7));
	expect_misconfig(&v, 0x5000, "PML4E bit 7");
	phys_write(&v.pm, pml4e, 8, good_pml4e);

	/* Bits 6:3 of entries that reference a table. */
	for (int b = 3; b <= 6; b++) {
		phys_write(&v.pm, pde, 8, good_pde | (1ull << b));
		expect_misconfig(&v, 0x5000, "non-leaf PDE bit 6:3");
		phys_write(&v.pm, pde, 8, good_pde);
		phys_write(&v.pm, pml4e, 8, good_pml4e | (1ull << b));
		expect_misconfig(&v, 0x5000, "non-leaf PML4E bit 6:3");
		phys_write(&v.pm, pml4e, 8, good_pml4e);
	}

	/* Memory types 2, 3 and 7 in a leaf; 0, 1, 4, 5, 6 are fine. */
	for (uint64_t mt = 0; mt < 8; mt++) {
		phys_write(&v.pm, leaf, 8, (good_leaf & ~0x38ull) | (mt << 3));
		if (mt == 2 || mt == 3 || mt == 7) {
			expect_misconfig(&v, 0x5000, "leaf memory type");
		} else {
			cr_assert(ept_walk(&v.pm, v.eptp, 0x5000, EPT_QUAL_READ, false, &r), "memtype %llu",
				  (unsigned long long)mt);
			cr_assert_eq(r.memtype, mt);
		}
	}
	phys_write(&v.pm, leaf, 8, good_leaf);

	/* Large pages: a reserved memory type, and reserved address bits. */
	ept_map(&v, 0x400000, 0x400000, 2, 7 | (7ull << 3));
	expect_misconfig(&v, 0x400000, "2 MiB memory type 7");
	ept_map(&v, 0x400000, 0x400000 | (1ull << 12), 2, 7 | WB);
	expect_misconfig(&v, 0x400000, "2 MiB page with bit 12");
	ept_map(&v, 0x400000, 0x400000, 2, 7 | WB);
	cr_assert(ept_walk(&v.pm, v.eptp, 0x400000, EPT_QUAL_READ, false, &r));
	ept_map(&v, 0x40000000, 0x40000000 | (1ull << 21), 3, 7 | WB);
	expect_misconfig(&v, 0x40000000, "1 GiB page with bit 21");

	/* A misconfiguration wins over missing rights (29.3.3): memory type 3 in
	 * a read-only leaf, walked for a write. */
	phys_write(&v.pm, leaf, 8, (good_leaf & ~0x3full) | EPTE_R | (3ull << 3));
	cr_assert_not(ept_walk(&v.pm, v.eptp, 0x5000, EPT_QUAL_WRITE, false, &r));
	cr_assert_eq(r.fault, EPT_MISCONFIG);
	/* A not-present entry is a violation even with reserved bits set. */
	phys_write(&v.pm, leaf, 8, (1ull << 50) | (2ull << 3));
	cr_assert_not(ept_walk(&v.pm, v.eptp, 0x5000, EPT_QUAL_READ, false, &r));
	cr_assert_eq(r.fault, EPT_VIOLATION);
	phys_free(&v.pm);
}

/* ---- Accessed and dirty flags (29.3.5) ------------------------------------ */

Test(ept, accessed_and_dirty)
{
	for (int ad = 0; ad <= 1; ad++) {
		struct env v;
		env_init(&v, ad);
		uint64_t leaf = ept_map(&v, 0x6000, 0x6000, 1, 7 | WB);
		uint64_t slots[4];
		for (int l = 4; l >= 1; l--)
			slots[4 - l] = ept_slot(&v, 0x6000, l);
		struct ept_result r;
		/* The debugger's look changes nothing. */
		cr_assert(ept_walk(&v.pm, v.eptp, 0x6000, EPT_QUAL_WRITE, false, &r));
		for (int i = 0; i < 4; i++)
			cr_assert_eq(phys_read(&v.pm, slots[i], 8) & (EPTE_A | EPTE_D), 0);
		/* A read sets A everywhere (with EPTP bit 6), D nowhere. */
		cr_assert(ept_walk(&v.pm, v.eptp, 0x6000, EPT_QUAL_READ, true, &r));
		for (int i = 0; i < 4; i++)
			cr_assert_eq(phys_read(&v.pm, slots[i], 8) & EPTE_A, ad ? EPTE_A : 0, "level %d", 4 - i);
		cr_assert_eq(phys_read(&v.pm, leaf, 8) & EPTE_D, 0);
		cr_assert_eq(r.dirty, !ad, "without EPT A/D a cached translation needs no D update");
		/* A write sets D in the leaf only. */
		cr_assert(ept_walk(&v.pm, v.eptp, 0x6000, EPT_QUAL_WRITE, true, &r));
		cr_assert_eq(phys_read(&v.pm, leaf, 8) & EPTE_D, ad ? EPTE_D : 0);
		for (int i = 0; i < 3; i++)
			cr_assert_eq(phys_read(&v.pm, slots[i], 8) & EPTE_D, 0);
		cr_assert(r.dirty);
		/* A failing walk sets nothing. */
		uint64_t leaf2 = ept_map(&v, 0x7000, 0x7000, 1, EPTE_R | WB);
		cr_assert_not(ept_walk(&v.pm, v.eptp, 0x7000, EPT_QUAL_WRITE, true, &r));
		cr_assert_eq(phys_read(&v.pm, leaf2, 8) & EPTE_A, 0);
		phys_free(&v.pm);
	}
}

/* ---- The two-dimensional walk (pg_walk with EPT) -------------------------- */

/* The reference the SDM's 2-D walk makes at position i of 24 (cold caches). */
struct want_ref {
	uint8_t stage, level, for_level;
	uint64_t pa;
};

Test(ept, two_dimensional_walk_24_references)
{
	struct env v;
	env_init(&v, false);
	guest_tables(&v, 7 | WB);
	struct ept_ctx x = { .eptp = v.eptp };
	struct walk_ctx ctx = guest_ctx(&x);
	struct walk w;
	cr_assert(pg_walk(&v.pm, &ctx, LA, ACC_READ, false, &w), "%s", w.why);
	cr_assert_eq(w.nrefs, 24);
	cr_assert_eq(w.gpa, G_DATA | 0x123);
	cr_assert_eq(w.pa, G_DATA + HOFF + 0x123);
	cr_assert(w.ept);
	cr_assert_eq(w.gtlb_hits, 0);

	/* Row by row: the guest-physical address of each guest entry through
	 * EPT (4 references), then the guest entry itself; then the final
	 * guest-physical address through EPT. */
	const uint64_t gtable[4] = { G_PML4, G_PDPT, G_PD, G_PT };
	struct want_ref want[24];
	int n = 0;
	for (int row = 0; row < 5; row++) {
		int glevel = 4 - row;
		uint64_t gpa = row < 4 ? gtable[row] + idx(LA, glevel) * 8 : G_DATA | 0x123;
		for (int el = 4; el >= 1; el--)
			want[n++] = (struct want_ref){ WALK_EPT, (uint8_t)el, (uint8_t)(row < 4 ? glevel : 0),
						       ept_slot(&v, gpa, el) };
		if (row < 4)
			want[n++] = (struct want_ref){ WALK_GUEST, (uint8_t)glevel, 0, gpa + HOFF };
	}
	cr_assert_eq(n, 24);
	for (int i = 0; i < 24; i++) {
		cr_assert_eq(w.refs[i].stage, want[i].stage, "ref %d stage", i);
		cr_assert_eq(w.refs[i].level, want[i].level, "ref %d level", i);
		cr_assert_eq(w.refs[i].pa, want[i].pa, "ref %d address %#llx, want %#llx", i,
			     (unsigned long long)w.refs[i].pa, (unsigned long long)want[i].pa);
		if (want[i].stage == WALK_EPT)
			cr_assert_eq(w.refs[i].for_level, want[i].for_level, "ref %d for_level", i);
		else
			cr_assert_eq(w.refs[i].gpa, want[i].pa - HOFF, "ref %d gpa", i);
	}
	phys_free(&v.pm);
}

/* The guest-physical TLB: a second walk over the same tables hits for
 * every guest-physical page and makes only the guest's 4 references. */
Test(ept, guest_physical_tlb_hits_skip_ept_references)
{
	struct env v;
	env_init(&v, false);
	guest_tables(&v, 7 | WB);
	phys_write(&v.pm, G_PT + HOFF + (idx(LA, 1) + 1) * 8, 8, G_DATA | 7);
	struct psc p;
	cr_assert_eq(psc_init(&p, 32), 0);
	struct ept_ctx x = { .eptp = v.eptp, .gtlb = &p.gtlb };
	struct walk_ctx ctx = guest_ctx(&x);
	struct walk w;
	cr_assert(pg_walk(&v.pm, &ctx, LA, ACC_READ, true, &w), "%s", w.why);
	cr_assert_eq(w.nrefs, 24);
	cr_assert(pg_walk(&v.pm, &ctx, LA + 0x1000, ACC_READ, true, &w), "%s", w.why);
	cr_assert_eq(w.gtlb_hits, 5);
	cr_assert_eq(w.nrefs, 4);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(w.refs[i].stage, WALK_GUEST);
	cr_assert_eq(w.pa, G_DATA + HOFF + 0x123);
	/* INVEPT single-context for another EP4TA keeps them; for this one
	 * drops them. */
	gtlb_flush_ep4ta(&p.gtlb, 0x999000);
	cr_assert(pg_walk(&v.pm, &ctx, LA, ACC_READ, true, &w));
	cr_assert_eq(w.nrefs, 4);
	gtlb_flush_ep4ta(&p.gtlb, EPT_ROOT);
	cr_assert(pg_walk(&v.pm, &ctx, LA, ACC_READ, true, &w));
	cr_assert_eq(w.nrefs, 24);
	/* The guest-physical TLB may be stale, as hardware's may: the data
	 * page made read-only in memory still hits with its cached rights. */
	uint64_t data_leaf = ept_slot(&v, G_DATA, 1);
	phys_write(&v.pm, data_leaf, 8, (G_DATA + HOFF) | EPTE_R | WB);
	cr_assert(pg_walk(&v.pm, &ctx, LA, ACC_EXEC, true, &w));
	cr_assert_eq(w.gtlb_hits, 5);
	/* After INVEPT the read-only mapping is cached; a fetch finds a hit
	 * whose rights do not allow it, walks EPT again, and faults. */
	gtlb_flush_ep4ta(&p.gtlb, EPT_ROOT);
	cr_assert(pg_walk(&v.pm, &ctx, LA, ACC_READ, true, &w));
	cr_assert_eq(w.nrefs, 24);
	cr_assert_not(pg_walk(&v.pm, &ctx, LA, ACC_EXEC, true, &w));
	cr_assert_eq(w.fault_kind, WALK_EPT_VIOLATION);
	cr_assert_eq(w.gtlb_hits, 4, "the four table pages hit");
	cr_assert_eq(w.nrefs, 4 + 4, "the guest's entries, then the final EPT walk again");
	cr_assert_eq(w.ept_qual, EPT_QUAL_FETCH | EPT_QUAL_READABLE | EPT_QUAL_GLA_VALID | EPT_QUAL_FINAL);
	psc_free(&p);
	phys_free(&v.pm);
}

Test(ept, guest_page_fault_is_not_an_ept_fault)
{
	struct env v;
	env_init(&v, false);
	guest_tables(&v, 7 | WB);
	phys_write(&v.pm, G_PT + HOFF + idx(LA, 1) * 8, 8, G_DATA | 6); /* PTE.P = 0 */
	struct ept_ctx x = { .eptp = v.eptp };
	struct walk_ctx ctx = guest_ctx(&x);
	struct walk w;
	cr_assert_not(pg_walk(&v.pm, &ctx, LA, ACC_WRITE, true, &w));
	cr_assert_eq(w.fault_kind, WALK_PF);
	cr_assert_eq(w.pfec, PFEC_W);
	cr_assert_eq(w.nrefs, 20, "four rows of EPT + guest entry, no final translation");
	cr_assert_eq(w.refs[19].stage, WALK_GUEST);
	cr_assert_eq(w.refs[19].level, 1);
	/* Guest A flags are not set by a walk that faults. */
	cr_assert_eq(phys_read(&v.pm, G_PML4 + HOFF + idx(LA, 4) * 8, 8) & 0x20, 0);
	phys_free(&v.pm);
}

/* Each qualification bit of Table 28-7 from the 2-D walk. */
Test(ept, violation_qualification_bits)
{
	struct env v;
	env_init(&v, false);
	guest_tables(&v, 7 | WB);
	struct ept_ctx x = { .eptp = v.eptp };
	struct walk_ctx ctx = guest_ctx(&x);
	struct walk w;
	uint64_t data_leaf = ept_slot(&v, G_DATA, 1);
	const uint32_t gla_final = EPT_QUAL_GLA_VALID | EPT_QUAL_FINAL;

	/* Final address, each access kind against a page with no such right. */
	phys_write(&v.pm, data_leaf, 8, (G_DATA + HOFF) | EPTE_X | WB); /* execute-only */
	cr_assert_not(pg_walk(&v.pm, &ctx, LA, ACC_READ, false, &w));
	cr_assert_eq(w.fault_kind, WALK_EPT_VIOLATION);
	cr_assert(w.ept_final);
	cr_assert_eq(w.gpa, G_DATA | 0x123);
	cr_assert_eq(w.ept_qual, EPT_QUAL_READ | EPT_QUAL_EXECUTABLE | gla_final, "qual %#x", w.ept_qual);
	phys_write(&v.pm, data_leaf, 8, (G_DATA + HOFF) | EPTE_R | EPTE_X | WB);
	cr_assert_not(pg_walk(&v.pm, &ctx, LA, ACC_WRITE, false, &w));
	cr_assert_eq(w.ept_qual, EPT_QUAL_WRITE | EPT_QUAL_READABLE | EPT_QUAL_EXECUTABLE | gla_final);
	phys_write(&v.pm, data_leaf, 8, (G_DATA + HOFF) | EPTE_R | EPTE_W | WB);
	cr_assert_not(pg_walk(&v.pm, &ctx, LA, ACC_EXEC, false, &w));
	cr_assert_eq(w.ept_qual, EPT_QUAL_FETCH | EPT_QUAL_READABLE | EPT_QUAL_WRITABLE | gla_final);
	phys_write(&v.pm, data_leaf, 8, (G_DATA + HOFF) | 7 | WB);
	cr_assert(pg_walk(&v.pm, &ctx, LA, ACC_EXEC, false, &w));

	/* A guest paging-structure access: the PT's page not present in EPT.
	 * Bit 7 set (the linear address is known), bit 8 clear. */
	uint64_t pt_leaf = ept_slot(&v, G_PT, 1);
	uint64_t pt_good = phys_read(&v.pm, pt_leaf, 8);
	phys_write(&v.pm, pt_leaf, 8, 0);
	cr_assert_not(pg_walk(&v.pm, &ctx, LA, ACC_WRITE, false, &w));
	cr_assert_eq(w.fault_kind, WALK_EPT_VIOLATION);
	cr_assert_not(w.ept_final);
	cr_assert_eq(w.gpa, G_PT + idx(LA, 1) * 8);
	cr_assert_eq(w.ept_qual, EPT_QUAL_READ | EPT_QUAL_GLA_VALID, "qual %#x", w.ept_qual);
	cr_assert_eq(w.nrefs, 15 + 4, "three rows, then the failing EPT walk");

	/* A misconfiguration on a guest table: no qualification. */
	phys_write(&v.pm, pt_leaf, 8, (pt_good & ~0x38ull) | (2ull << 3));
	cr_assert_not(pg_walk(&v.pm, &ctx, LA, ACC_READ, false, &w));
	cr_assert_eq(w.fault_kind, WALK_EPT_MISCONFIG);
	cr_assert_eq(w.ept_qual, 0);
	cr_assert_eq(w.gpa, G_PT + idx(LA, 1) * 8);

	/* Guest tables read-only in EPT: reading them is fine, but setting the
	 * guest's A flag is a write to a paging-structure entry. */
	phys_write(&v.pm, pt_leaf, 8, (pt_good & ~7ull) | EPTE_R);
	cr_assert(pg_walk(&v.pm, &ctx, LA, ACC_READ, false, &w), "%s", w.why);
	cr_assert_not(pg_walk(&v.pm, &ctx, LA, ACC_READ, true, &w));
	cr_assert_eq(w.fault_kind, WALK_EPT_VIOLATION);
	cr_assert_not(w.ept_final);
	cr_assert_eq(w.gpa, G_PT + idx(LA, 1) * 8);
	cr_assert_eq(w.ept_qual, EPT_QUAL_WRITE | EPT_QUAL_READABLE | EPT_QUAL_GLA_VALID);
	phys_free(&v.pm);
}

/* With EPT A/D, guest paging-structure reads are writes for EPT: a read-only
 * guest table faults with bits 0 and 1, and EPT D is set on the tables'
 * pages (29.3.5). */
Test(ept, ad_makes_guest_table_accesses_writes)
{
	struct env v;
	env_init(&v, true);
	guest_tables(&v, 7 | WB);
	struct ept_ctx x = { .eptp = v.eptp };
	struct walk_ctx ctx = guest_ctx(&x);
	struct walk w;
	cr_assert(pg_walk(&v.pm, &ctx, LA, ACC_READ, true, &w), "%s", w.why);
	cr_assert_eq(phys_read(&v.pm, ept_slot(&v, G_PD, 1), 8) & (EPTE_A | EPTE_D), EPTE_A | EPTE_D);
	cr_assert_eq(phys_read(&v.pm, ept_slot(&v, G_DATA, 1), 8) & (EPTE_A | EPTE_D), EPTE_A,
		     "the data page was only read");
	/* The guest's own A flags and D on write. */
	cr_assert_eq(phys_read(&v.pm, G_PT + HOFF + idx(LA, 1) * 8, 8) & 0x60, 0x20);
	cr_assert(pg_walk(&v.pm, &ctx, LA, ACC_WRITE, true, &w), "%s", w.why);
	cr_assert_eq(phys_read(&v.pm, G_PT + HOFF + idx(LA, 1) * 8, 8) & 0x60, 0x60);
	cr_assert_eq(phys_read(&v.pm, ept_slot(&v, G_DATA, 1), 8) & EPTE_D, EPTE_D);

	uint64_t pd_leaf = ept_slot(&v, G_PD, 1);
	phys_write(&v.pm, pd_leaf, 8, (G_PD + HOFF) | EPTE_R | WB);
	cr_assert_not(pg_walk(&v.pm, &ctx, LA, ACC_READ, false, &w));
	cr_assert_eq(w.fault_kind, WALK_EPT_VIOLATION);
	cr_assert_not(w.ept_final);
	cr_assert_eq(w.gpa, G_PD + idx(LA, 2) * 8);
	cr_assert_eq(w.ept_qual, EPT_QUAL_READ | EPT_QUAL_WRITE | EPT_QUAL_READABLE | EPT_QUAL_GLA_VALID);
	phys_free(&v.pm);
}

/* CR0.PG = 0 (unrestricted guest): the linear address is the guest-physical
 * address, and only EPT translates it. */
Test(ept, paging_off_goes_through_ept_alone)
{
	struct env v;
	env_init(&v, false);
	ept_map(&v, 0x8000, 0x58000, 1, EPTE_R | EPTE_X | WB);
	struct ept_ctx x = { .eptp = v.eptp };
	struct walk_ctx ctx = { .cr0 = CR0_PE, .ept = &x };
	struct walk w;
	cr_assert(pg_walk(&v.pm, &ctx, 0x8010, ACC_READ, false, &w));
	cr_assert_eq(w.pa, 0x58010);
	cr_assert_eq(w.gpa, 0x8010);
	cr_assert_eq(w.nrefs, 4);
	cr_assert_eq(w.refs[0].for_level, 0);
	cr_assert_not(pg_walk(&v.pm, &ctx, 0x8010, ACC_WRITE, false, &w));
	cr_assert_eq(w.fault_kind, WALK_EPT_VIOLATION);
	cr_assert(w.ept_final);
	cr_assert_eq(w.ept_qual, EPT_QUAL_WRITE | EPT_QUAL_READABLE | EPT_QUAL_EXECUTABLE |
				 EPT_QUAL_GLA_VALID | EPT_QUAL_FINAL);
	phys_free(&v.pm);
}

/* PAE under EPT without PDPTE registers: the PDPTE is read through EPT. */
Test(ept, pae_pdptes_through_ept)
{
	struct env v;
	env_init(&v, false);
	const uint64_t cr3 = 0x20000, pd = 0x21000, pt = 0x22000, la = 0x40403123ull;
	ept_map(&v, cr3, cr3 + HOFF, 1, 7 | WB);
	ept_map(&v, pd, pd + HOFF, 1, 7 | WB);
	ept_map(&v, pt, pt + HOFF, 1, 7 | WB);
	ept_map(&v, G_DATA, G_DATA + HOFF, 1, 7 | WB);
	phys_write(&v.pm, cr3 + HOFF + ((la >> 30) & 3) * 8, 8, pd | 1);
	phys_write(&v.pm, pd + HOFF + idx(la, 2) * 8, 8, pt | 7);
	phys_write(&v.pm, pt + HOFF + idx(la, 1) * 8, 8, G_DATA | 7);
	struct ept_ctx x = { .eptp = v.eptp };
	struct walk_ctx ctx = { .cr0 = CR0_PE | CR0_PG, .cr3 = cr3, .cr4 = CR4_PAE, .ept = &x };
	struct walk w;
	cr_assert(pg_walk(&v.pm, &ctx, la, ACC_READ, false, &w), "%s", w.why);
	cr_assert_eq(w.nrefs, 3 * 5 + 4);
	cr_assert_eq(w.refs[4].stage, WALK_GUEST);
	cr_assert_eq(w.refs[4].level, 3);
	cr_assert_eq(w.refs[4].gpa, cr3 + ((la >> 30) & 3) * 8);
	cr_assert_eq(w.pa, G_DATA + HOFF + 0x123);
	/* With the PDPTE registers there is no reference for the PDPTE. */
	uint64_t regs[4] = { 0 };
	regs[(la >> 30) & 3] = pd | 1;
	ctx.pdpte = regs;
	cr_assert(pg_walk(&v.pm, &ctx, la, ACC_READ, false, &w), "%s", w.why);
	cr_assert_eq(w.nrefs, 1 + 2 * 5 + 4);
	cr_assert_eq(w.refs[0].pa, PDPTE_REGISTER);
	phys_free(&v.pm);
}

/* Without EPT the record is the guest's alone, as before. */
Test(ept, no_ept_walk_unchanged)
{
	struct env v;
	env_init(&v, false);
	/* Guest tables at their own (host) addresses this time. */
	phys_write(&v.pm, G_PML4 + idx(LA, 4) * 8, 8, G_PDPT | 7);
	phys_write(&v.pm, G_PDPT + idx(LA, 3) * 8, 8, G_PD | 7);
	phys_write(&v.pm, G_PD + idx(LA, 2) * 8, 8, G_PT | 7);
	phys_write(&v.pm, G_PT + idx(LA, 1) * 8, 8, G_DATA | 7);
	struct walk_ctx ctx = guest_ctx(NULL);
	struct walk w;
	cr_assert(pg_walk(&v.pm, &ctx, LA, ACC_WRITE, true, &w));
	cr_assert_eq(w.nrefs, 4);
	cr_assert_not(w.ept);
	cr_assert_eq(w.pa, G_DATA | 0x123);
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(w.refs[i].stage, WALK_GUEST);
		cr_assert_eq(w.refs[i].pa, w.refs[i].gpa);
	}
	cr_assert_eq(phys_read(&v.pm, G_PT + idx(LA, 1) * 8, 8) & 0x60, 0x60);
	phys_free(&v.pm);
}

/* ---- VPID- and EPTP-tagged TLBs (SDM Vol. 3C, 29.4) ------------------------ */

struct rig {
	struct physmem pm;
	struct pio_map pio;
	struct ev_bus bus;
	struct cpu *c;
};

static void rig_init(struct rig *r)
{
	memset(r, 0, sizeof *r);
	cr_assert_eq(phys_init(&r->pm, RAM), 0);
	r->c = calloc(1, sizeof *r->c);
	cr_assert_not_null(r->c);
	cpu_init(r->c, &r->pm, &r->pio, &r->bus);
	cr_assert_not_null(r->c->itlb.e);
}

static void rig_free(struct rig *r)
{
	cpu_free(r->c);
	free(r->c);
	phys_free(&r->pm);
}

/* Put a 4 KiB translation of la into the DTLB with these tags. */
static void put(struct cpu *c, uint64_t la, uint16_t vpid, uint16_t pcid, uint64_t eptag, bool global)
{
	struct tlbm_entry n = { .page = la, .pa = 0x5000, .vpid = vpid, .pcid = pcid, .eptag = eptag,
				.size_log2 = 12, .global = global, .ept_rwx = 7, .writable = true,
				.dirty = true }, old;
	tlbm_insert(&c->dtlb, &n, &old);
}

static bool has(struct cpu *c, uint64_t la, uint16_t vpid, uint16_t pcid, uint64_t eptag)
{
	return tlbm_lookup(&c->dtlb, la, pcid, vpid, eptag) != NULL;
}

#define A1 0x401000ull
#define A2 0x402000ull

/* The same address in different VPIDs: lookups match VPID and EPT tag. */
Test(ept, tlb_lookups_match_vpid_and_eptag)
{
	struct rig r;
	rig_init(&r);
	put(r.c, A1, 5, 0, 0, false);
	cr_assert(has(r.c, A1, 5, 0, 0));
	cr_assert_not(has(r.c, A1, 0, 0, 0));
	cr_assert_not(has(r.c, A1, 6, 0, 0));
	cr_assert_not(has(r.c, A1, 5, 0, tlb_eptag(true, EPT_ROOT)));
	put(r.c, A2, 5, 0, 0, true); /* global: any PCID, but only its VPID */
	cr_assert(has(r.c, A2, 5, 9, 0));
	cr_assert_not(has(r.c, A2, 4, 9, 0));
	rig_free(&r);
}

/* A guest translation made with VPID 5 is tagged 5, survives the switch to
 * root operation and back, and the host's PCID flush (MOV CR3) in root
 * operation leaves it alone. */
Test(ept, vpid_entries_survive_vmx_switches)
{
	struct rig r;
	rig_init(&r);
	struct cpu *c = r.c;
	/* Guest 4-level tables identity-mapping LA at host addresses. */
	phys_write(&r.pm, G_PML4 + idx(LA, 4) * 8, 8, G_PDPT | 7);
	phys_write(&r.pm, G_PDPT + idx(LA, 3) * 8, 8, G_PD | 7);
	phys_write(&r.pm, G_PD + idx(LA, 2) * 8, 8, G_PT | 7);
	phys_write(&r.pm, G_PT + idx(LA, 1) * 8, 8, G_DATA | 7);
	phys_write(&r.pm, G_DATA | 0x120, 8, 0x1122334455667788ull);
	c->cr0 = CR0_PE | CR0_PG;
	c->cr4 = CR4_PAE;
	c->efer = EFER_LMA | EFER_LME;
	c->cr3 = G_PML4;
	cpu_update_mode(c);
	c->vmx.on = true;
	c->vmx.guest = true;
	c->vmx.proc2 = SEC_ENABLE_VPID;
	c->vmx.vpid = 5;
	cpu_tlb_vmx_switch(c);
	cr_assert_eq(cpu_vpid(c), 5);
	cr_assert_eq(sys_read(c, LA - 3, 8), 0x1122334455667788ull);
	cr_assert(has(c, LA, 5, 0, 0), "the guest's translation is tagged with VPID 5");
	cr_assert_not(has(c, LA, 0, 0, 0));

	c->vmx.guest = false; /* VM exit */
	cpu_tlb_vmx_switch(c);
	cr_assert_eq(cpu_vpid(c), 0);
	cpu_tlb_invalidate(c, TLBI_PCID, 0, 0); /* the host's MOV CR3 */
	cr_assert(has(c, LA, 5, 0, 0), "VPID 5 survives the host's flush of VPID 0");
	cr_assert_eq(sys_read(c, LA - 3, 8), 0x1122334455667788ull);
	cr_assert(has(c, LA, 0, 0, 0), "the host's own translation is tagged VPID 0");

	c->vmx.guest = true; /* VM entry */
	cpu_tlb_vmx_switch(c);
	cr_assert(has(c, LA, 5, 0, 0));
	cr_assert(has(c, LA, 0, 0, 0));
	uint64_t misses = c->dtlb.misses;
	cr_assert_eq(sys_read(c, LA - 3, 8), 0x1122334455667788ull);
	cr_assert_eq(c->dtlb.misses, misses, "the guest hits its VPID-5 entry after the round trip");
	/* The guest's INVLPG acts on VPID 5 only. */
	cpu_tlb_invalidate(c, TLBI_ADDR, LA, 0);
	cr_assert_not(has(c, LA, 5, 0, 0));
	cr_assert(has(c, LA, 0, 0, 0));
	rig_free(&r);
}

/* Without "enable VPID", entries and exits flush VPID 0's mappings; the
 * untagged switch flushes everything. */
Test(ept, switch_without_vpid_and_untagged)
{
	struct rig r;
	rig_init(&r);
	struct cpu *c = r.c;
	put(c, A1, 0, 0, 0, true);
	put(c, A2, 0, 0, tlb_eptag(true, EPT_ROOT), false);
	put(c, A1, 3, 0, 0, false);
	c->vmx.guest = true;
	c->vmx.proc2 = 0;
	cpu_tlb_vmx_switch(c);
	cr_assert_not(has(c, A1, 0, 0, 0), "VPID 0 linear mappings go, globals too");
	cr_assert_not(has(c, A2, 0, 0, tlb_eptag(true, EPT_ROOT)), "and combined ones");
	cr_assert(has(c, A1, 3, 0, 0), "other VPIDs stay");
	c->vmx.proc2 = SEC_ENABLE_VPID;
	c->vmx.untagged_tlb = true;
	cpu_tlb_vmx_switch(c);
	cr_assert_not(has(c, A1, 3, 0, 0));
	rig_free(&r);
}

/* The four INVVPID types (SDM Vol. 3C, 29.4.3.3; INVVPID). */
static void fill(struct cpu *c)
{
	tlbm_flush_all(&c->dtlb);
	put(c, A1, 5, 1, 0, false);
	put(c, A2, 5, 2, 0, false);
	put(c, A2 + 0x10000, 5, 0, 0, true);        /* global in VPID 5 */
	put(c, A1 + 0x20000, 5, 1, tlb_eptag(true, EPT_ROOT), false); /* combined */
	put(c, A1, 7, 1, 0, false);
	put(c, A1, 0, 1, 0, false);
}

Test(ept, invvpid_types)
{
	struct rig r;
	rig_init(&r);
	struct cpu *c = r.c;
	const uint64_t ct = tlb_eptag(true, EPT_ROOT);

	fill(c);
	cpu_tlb_invalidate_vpid(c, INVVPID_INDIVIDUAL_ADDRESS, 5, A1);
	cr_assert_not(has(c, A1, 5, 1, 0));
	cr_assert(has(c, A2, 5, 2, 0));
	cr_assert(has(c, A1 + 0x20000, 5, 1, ct));
	cr_assert(has(c, A1, 7, 1, 0));
	cr_assert(has(c, A1, 0, 1, 0));
	cpu_tlb_invalidate_vpid(c, INVVPID_INDIVIDUAL_ADDRESS, 5, A2 + 0x10000);
	cr_assert_not(has(c, A2 + 0x10000, 5, 0, 0), "individual-address removes globals too");

	fill(c);
	cpu_tlb_invalidate_vpid(c, INVVPID_SINGLE_CONTEXT, 5, 0);
	cr_assert_not(has(c, A1, 5, 1, 0));
	cr_assert_not(has(c, A2, 5, 2, 0));
	cr_assert_not(has(c, A2 + 0x10000, 5, 0, 0));
	cr_assert_not(has(c, A1 + 0x20000, 5, 1, ct));
	cr_assert(has(c, A1, 7, 1, 0));
	cr_assert(has(c, A1, 0, 1, 0));

	fill(c);
	cpu_tlb_invalidate_vpid(c, INVVPID_ALL_CONTEXT, 0, 0);
	cr_assert_not(has(c, A1, 5, 1, 0));
	cr_assert_not(has(c, A2 + 0x10000, 5, 0, 0));
	cr_assert_not(has(c, A1, 7, 1, 0));
	cr_assert(has(c, A1, 0, 1, 0), "all-context keeps VPID 0000H");

	fill(c);
	cpu_tlb_invalidate_vpid(c, INVVPID_SINGLE_CONTEXT_RETAINING_GLOBALS, 5, 0);
	cr_assert_not(has(c, A1, 5, 1, 0));
	cr_assert_not(has(c, A2, 5, 2, 0));
	cr_assert_not(has(c, A1 + 0x20000, 5, 1, ct));
	cr_assert(has(c, A2 + 0x10000, 5, 0, 0), "globals retained");
	cr_assert(has(c, A1, 7, 1, 0));
	cr_assert(has(c, A1, 0, 1, 0));
	rig_free(&r);
}

/* INVEPT (SDM Vol. 3C, 29.4.3.2): combined and guest-physical mappings of
 * one EP4TA, or of all; linear mappings stay. Paging-structure caches
 * follow the same tags. */
Test(ept, invept_types)
{
	struct rig r;
	rig_init(&r);
	struct cpu *c = r.c;
	const uint64_t t1 = tlb_eptag(true, 0x10000), t2 = tlb_eptag(true, 0x20000);
	put(c, A1, 5, 0, t1, false);
	put(c, A2, 6, 0, t2, false);
	put(c, A1, 0, 0, 0, false);
	struct gpa_tlb_entry g = { .gpa = 0x3000, .hpa = 0x9000, .ep4ta = 0x10000, .size_log2 = 12, .rwx = 7 };
	gtlb_insert(&c->psc.gtlb, &g);
	g.ep4ta = 0x20000;
	gtlb_insert(&c->psc.gtlb, &g);
	c->psc.e[0][0] = (struct psc_entry){ .valid = true, .eptag = t1, .vpid = 5, .level = 2 };
	c->psc.e[0][1] = (struct psc_entry){ .valid = true, .eptag = 0, .vpid = 5, .level = 2 };

	cpu_tlb_invalidate_ept(c, INVEPT_SINGLE_CONTEXT, 0x10000 | EPTP_WB4);
	cr_assert_not(has(c, A1, 5, 0, t1));
	cr_assert(has(c, A2, 6, 0, t2));
	cr_assert(has(c, A1, 0, 0, 0));
	cr_assert_null(gtlb_lookup(&c->psc.gtlb, 0x3000, 0x10000));
	cr_assert_not_null(gtlb_lookup(&c->psc.gtlb, 0x3000, 0x20000));
	cr_assert_not(c->psc.e[0][0].valid);
	cr_assert(c->psc.e[0][1].valid, "a linear PSC entry stays");

	cpu_tlb_invalidate_ept(c, INVEPT_ALL_CONTEXT, 0);
	cr_assert_not(has(c, A2, 6, 0, t2));
	cr_assert(has(c, A1, 0, 0, 0));
	cr_assert_null(gtlb_lookup(&c->psc.gtlb, 0x3000, 0x20000));
	cr_assert(c->psc.e[0][1].valid);
	rig_free(&r);
}

/* The CPU's translation under EPT: combined mappings tagged with the EP4TA,
 * the debugger's look reports host-physical, and EPT references are costed. */
Test(ept, cpu_translation_under_ept)
{
	struct rig r;
	rig_init(&r);
	struct cpu *c = r.c;
	struct env v = { .pm = r.pm, .next = EPT_ROOT + 0x1000, .eptp = EPT_ROOT | EPTP_WB4 };
	uint8_t zero[4096] = { 0 };
	phys_write_buf(&r.pm, EPT_ROOT, zero, sizeof zero);
	guest_tables(&v, 7 | WB);
	phys_write(&r.pm, G_DATA + HOFF + 0x120, 8, 0xabcdef0012345678ull);
	c->cr0 = CR0_PE | CR0_PG;
	c->cr4 = CR4_PAE;
	c->efer = EFER_LMA | EFER_LME;
	c->cr3 = G_PML4;
	cpu_update_mode(c);
	c->vmx.on = true;
	c->vmx.guest = true;
	c->vmx.proc2 = SEC_ENABLE_EPT | SEC_ENABLE_VPID;
	c->vmx.vpid = 2;
	c->vmx.eptp = v.eptp;
	cpu_tlb_vmx_switch(c);

	uint64_t pa;
	cr_assert(cpu_translate_peek(c, LA, ACC_READ, &pa));
	cr_assert_eq(pa, G_DATA + HOFF + 0x123);
	struct walk w;
	cr_assert(cpu_translate_walk(c, LA, ACC_READ, &w));
	cr_assert_eq(w.gpa, G_DATA + 0x123);
	cr_assert_eq(w.nrefs, 24);

	uint64_t refs = c->walk_refs, cycles = c->cycles;
	cr_assert_eq(sys_read(c, LA - 3, 8), 0xabcdef0012345678ull);
	cr_assert_eq(c->walk_refs - refs, 24);
#ifndef VTSIM_STRESS_TLB /* that build does not charge walks */
	cr_assert_geq(c->cycles - cycles, 24ull * c->cost_walk_ref);
#else
	(void)cycles;
#endif
	cr_assert(has(c, LA, 2, 0, tlb_eptag(true, EPT_ROOT)), "a combined mapping: VPID 2, EP4TA");
	/* INVEPT for this EPTP drops it; INVVPID of another VPID does not. */
	cpu_tlb_invalidate_vpid(c, INVVPID_SINGLE_CONTEXT, 3, 0);
	cr_assert(has(c, LA, 2, 0, tlb_eptag(true, EPT_ROOT)));
	cpu_tlb_invalidate_ept(c, INVEPT_SINGLE_CONTEXT, v.eptp);
	cr_assert_not(has(c, LA, 2, 0, tlb_eptag(true, EPT_ROOT)));
	/* The guest tables are now cached in the guest-physical TLB? No: INVEPT
	 * emptied it too, so the walk is 24 references again. */
	refs = c->walk_refs;
	cr_assert_eq(sys_read(c, LA - 3, 8), 0xabcdef0012345678ull);
	cr_assert_eq(c->walk_refs - refs, 24);
	rig_free(&r);
}
