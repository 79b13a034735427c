/* test_walk.c - the page walk's permission matrix in every paging mode, against the SDM's rules. */
#include <criterion/criterion.h>
#include <string.h>

#include "../../sim/memory.h"
#include "../../sim/paging/walk.h"

/*
 * For each paging mode, one mapping of LA whose leaf (and every level
 * above it) carries the U/S, R/W and XD bits under test, walked for every
 * combination of CR0.WP, CR4.SMEP, CR4.SMAP, RFLAGS.AC, user/supervisor
 * and read/write/fetch, with EFER.NXE on and off. The expectation comes
 * from expect() below, written from SDM Vol. 3A, 4.6.1 "Determination of
 * Access Rights" as a list of conditions, independently of walk.c.
 */
#define LA 0x00403123ull /* below 4 GiB so that 32-bit paging can map it too */
#define LEAF_PA 0x80000ull

#define CR0_PE 1ull
#define CR0_WP (1ull << 16)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

enum mode { M32, MPAE, M4, M5, MODES };

struct bits {
	bool us, rw, xd;
};

/* Build tables at 0x10000.. for LA -> LEAF_PA; every level gets the bits. */
static uint64_t build(struct physmem *pm, enum mode m, struct bits b, uint64_t pdpte[4])
{
	uint8_t zero[0x6000] = { 0 };
	phys_write_buf(pm, 0x10000, zero, sizeof zero);
	uint64_t flags = 1 | (b.rw ? 2 : 0) | (b.us ? 4 : 0);
	uint64_t xd = b.xd ? 1ull << 63 : 0;
	if (m == M32) {
		phys_write(pm, 0x10000 + ((LA >> 22) & 0x3ff) * 4, 4, 0x11000 | flags);
		phys_write(pm, 0x11000 + ((LA >> 12) & 0x3ff) * 4, 4, LEAF_PA | flags);
		return 0x10000;
	}
	if (m == MPAE) {
		/* PDPTEs have no R/W, U/S or XD (SDM Vol. 3A, 4.4.1). */
		for (int i = 0; i < 4; i++)
			pdpte[i] = i == (int)((LA >> 30) & 3) ? (0x11000 | 1) : 0;
		phys_write(pm, 0x10000 + ((LA >> 30) & 3) * 8, 8, 0x11000 | 1);
		phys_write(pm, 0x11000 + ((LA >> 21) & 511) * 8, 8, 0x12000 | flags | xd);
		phys_write(pm, 0x12000 + ((LA >> 12) & 511) * 8, 8, LEAF_PA | flags | xd);
		return 0x10000;
	}
	int levels = m == M5 ? 5 : 4;
	uint64_t table = 0x10000;
	for (int l = levels; l >= 1; l--) {
		uint64_t next = l == 1 ? LEAF_PA : table + 0x1000;
		phys_write(pm, table + ((LA >> (12 + 9 * (l - 1))) & 511) * 8, 8, next | flags | xd);
		table = next;
	}
	return 0x10000;
}

enum acc_kind { R, W, X };

/* SDM Vol. 3A, 4.6.1: may this access proceed? */
static bool expect(enum mode m, struct bits b, enum acc_kind a, bool user, bool wp, bool smep,
		   bool smap, bool ac, bool nxe)
{
	bool xd = b.xd && nxe && m != M32;  /* 32-bit paging has no XD bit */
	if (user) {
		if (!b.us)
			return false;                      /* user access to a supervisor page */
		if (a == W)
			return b.rw;                       /* user writes need R/W = 1 */
		if (a == X)
			return !xd;
		return true;
	}
	if (a == X) {
		if (xd)
			return false;
		if (b.us && smep)
			return false;                      /* SMEP: no supervisor fetch from user pages */
		return true;
	}
	if (b.us && smap && !ac)
		return false;                              /* SMAP for explicit supervisor data accesses */
	if (a == W && !b.rw && wp)
		return false;                              /* WP: supervisor writes honour R/W */
	return true;
}

Test(walk, permission_matrix_all_modes)
{
	struct physmem pm;
	cr_assert_eq(phys_init(&pm, 1 << 20), 0);
	unsigned checked = 0;
	for (int m = 0; m < MODES; m++) {
		for (int bits = 0; bits < 8; bits++) {
			struct bits b = { bits & 1, (bits >> 1) & 1, (bits >> 2) & 1 };
			if (m == M32 && b.xd)
				continue; /* no XD bit to set */
			uint64_t pdpte[4] = { 0 };
			uint64_t cr3 = build(&pm, (enum mode)m, b, pdpte);
			for (int k = 0; k < 128; k++) {
				bool wp = k & 1, smep = (k >> 1) & 1, smap = (k >> 2) & 1, ac = (k >> 3) & 1;
				bool user = (k >> 4) & 1, nxe = (k >> 5) & 1;
				if (m == M32 && nxe)
					continue; /* EFER.NXE is ignored by 32-bit paging: covered once */
				if (b.xd && !nxe)
					continue; /* XD with NXE = 0 is a reserved bit: see the next test */
				for (int a = R; a <= X; a++) {
					struct walk_ctx ctx = {
						.cr0 = CR0_PE | CR0_PG | (wp ? CR0_WP : 0), .cr3 = cr3,
						.cr4 = (m != M32 ? CR4_PAE : 0) | (m == M5 ? CR4_LA57 : 0) |
						       (smep ? CR4_SMEP : 0) | (smap ? CR4_SMAP : 0),
						.efer = (m >= M4 ? EFER_LMA : 0) | (nxe ? EFER_NXE : 0),
						.pdpte = m == MPAE ? pdpte : NULL, .user = user, .ac = ac,
					};
					struct walk w;
					bool ok = pg_walk(&pm, &ctx, LA, (enum access)a, false, &w);
					bool want = expect((enum mode)m, b, (enum acc_kind)a, user, wp, smep, smap, ac, nxe);
					cr_assert_eq(ok, want,
						     "mode %d U/S=%d R/W=%d XD=%d acc=%d user=%d WP=%d SMEP=%d SMAP=%d AC=%d NXE=%d: walk %d, SDM %d (%s)",
						     m, b.us, b.rw, b.xd, a, user, wp, smep, smap, ac, nxe, ok, want,
						     ok ? "" : w.why);
					if (ok) {
						cr_assert_eq(w.pa, LEAF_PA | (LA & 0xfff));
					} else {
						/* #PF error code (4.7): P=1 (a protection fault), W for
						 * writes, U for user accesses, I for fetches when NXE (not
						 * 32-bit paging) or SMEP is on. */
						uint32_t want_ec = 1 | (a == W ? 2 : 0) | (user ? 4 : 0) |
								   (a == X && (smep || (nxe && m != M32)) ? 16 : 0);
						cr_assert_eq(w.pfec, want_ec, "error code %#x, expected %#x", w.pfec, want_ec);
					}
					checked++;
				}
			}
		}
	}
	cr_assert_gt(checked, 5000);
	phys_free(&pm);
}

/* A non-present entry at each level gives P=0 in the error code, and a
 * reserved bit gives RSVD=1 with P=1 (SDM Vol. 3A, 4.7). */
Test(walk, not_present_and_reserved)
{
	struct physmem pm;
	cr_assert_eq(phys_init(&pm, 1 << 20), 0);
	struct bits b = { true, true, false };
	uint64_t pdpte[4];
	uint64_t cr3 = build(&pm, M4, b, pdpte);
	struct walk_ctx ctx = { .cr0 = CR0_PE | CR0_PG, .cr3 = cr3, .cr4 = CR4_PAE, .efer = EFER_LMA | EFER_NXE };
	struct walk w;
	/* Clear the PTE's P bit. */
	uint64_t pte_addr = 0x13000 + ((LA >> 12) & 511) * 8;
	uint64_t pte = phys_read(&pm, pte_addr, 8);
	phys_write(&pm, pte_addr, 8, pte & ~1ull);
	cr_assert_not(pg_walk(&pm, &ctx, LA, ACC_WRITE, false, &w));
	cr_assert_eq(w.pfec, 2);
	cr_assert_eq(w.nrefs, 4);
	/* A reserved bit (bit 51, above MAXPHYADDR 46) in the PTE. */
	phys_write(&pm, pte_addr, 8, pte | (1ull << 51));
	cr_assert_not(pg_walk(&pm, &ctx, LA, ACC_READ, false, &w));
	cr_assert_eq(w.pfec, 1 | 8);
	/* XD with EFER.NXE = 0 is reserved too. */
	phys_write(&pm, pte_addr, 8, pte | (1ull << 63));
	ctx.efer = EFER_LMA;
	cr_assert_not(pg_walk(&pm, &ctx, LA, ACC_READ, false, &w));
	cr_assert_eq(w.pfec & 8, 8);
	phys_free(&pm);
}
