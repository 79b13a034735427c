/* walk.c - the page walk for 32-bit, PAE, 4-level and 5-level paging. */
#include "walk.h"

/*
 * A paging-structure entry in PAE, 4-level and 5-level paging
 * (SDM Vol. 3A, 4.5 "4-Level Paging and 5-Level Paging", Tables 4-15..4-20):
 *
 *   63  62..52   51..M   M-1..12    11..9  8  7   6  5  4   3   2   1  0
 *   XD  ignored  rsvd    address    ign    G  PS  D  A  PCD PWT U/S R/W P
 *
 * PS=1 in a PDPTE maps a 1 GiB page, in a PDE a 2 MiB page; in a PML4E or
 * PML5E it is reserved. 32-bit paging entries are the low 32 bits of the
 * same layout with no XD; with CR4.PSE a PDE with PS=1 maps 4 MiB and
 * carries physical address bits 39:32 in bits 20:13 (SDM Vol. 3A, 4.3).
 */
#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_XD (1ull << 63)
#define EFER_NXE_BIT (1ull << 11)

#define ADDR_MASK (((1ull << VT_MAXPHYADDR) - 1) & ~0xfffull)
#define RSVD_HIGH (((1ull << 52) - 1) & ~((1ull << VT_MAXPHYADDR) - 1))

enum paging_mode pg_mode(const struct walk_ctx *ctx)
{
	if (!(ctx->cr0 & (1ull << 31)))
		return PG_NONE;
	if (!(ctx->cr4 & (1ull << 5)))
		return PG_32BIT;
	if (!(ctx->efer & (1ull << 10)))
		return PG_PAE;
	return (ctx->cr4 & (1ull << 12)) ? PG_5LEVEL : PG_4LEVEL;
}

const char *pg_mode_name(enum paging_mode m)
{
	static const char *const n[] = { "none", "32-bit", "PAE", "4-level", "5-level" };
	return n[m];
}

static bool fail(struct walk *w, uint32_t pfec, const char *why)
{
	w->fault = true;
	w->pfec = pfec;
	w->why = why;
	return false;
}

static uint64_t read_entry(struct physmem *pm, struct walk *w, int level, uint64_t pa, unsigned size)
{
	uint64_t e = phys_read(pm, pa, size);
	w->refs[w->nrefs++] = (struct walk_ref){ (uint8_t)level, pa, e };
	return e;
}

/* Permission checks on the combined rights (SDM Vol. 3A, 4.6 "Access Rights"). */
static bool check_rights(const struct walk_ctx *ctx, enum access acc, struct walk *w,
			 uint32_t pfec_base)
{
	bool wp = ctx->cr0 & (1ull << 16);
	bool smep = ctx->cr4 & (1ull << 20), smap = ctx->cr4 & (1ull << 21);
	uint32_t pfec = pfec_base | PFEC_P;

	if (acc == ACC_EXEC) {
		if (w->nx)
			return fail(w, pfec, "instruction fetch from a page with XD=1 (SDM Vol. 3A, 4.6 \"Access Rights\")");
		if (ctx->user && !w->user)
			return fail(w, pfec, "user-mode fetch from a supervisor page (SDM Vol. 3A, 4.6 \"Access Rights\")");
		if (!ctx->user && w->user && smep)
			return fail(w, pfec, "supervisor fetch from a user page with CR4.SMEP=1 (SDM Vol. 3A, 4.6.1)");
		return true;
	}
	if (ctx->user) {
		if (!w->user)
			return fail(w, pfec, "user-mode access to a supervisor page (U/S=0) (SDM Vol. 3A, 4.6 \"Access Rights\")");
		if (acc == ACC_WRITE && !w->writable)
			return fail(w, pfec, "user-mode write to a read-only page (R/W=0) (SDM Vol. 3A, 4.6 \"Access Rights\")");
		return true;
	}
	if (w->user && smap && !ctx->ac)
		return fail(w, pfec, "supervisor access to a user page with CR4.SMAP=1 and RFLAGS.AC=0 (SDM Vol. 3A, 4.6.1)");
	if (acc == ACC_WRITE && !w->writable && wp)
		return fail(w, pfec, "supervisor write to a read-only page with CR0.WP=1 (SDM Vol. 3A, 4.6 \"Access Rights\")");
	return true;
}

bool pg_rights_ok(const struct walk_ctx *ctx, enum access acc, bool user, bool writable, bool nx)
{
	struct walk w = { .user = user, .writable = writable, .nx = nx };
	return check_rights(ctx, acc, &w, 0);
}

/* Set A in every entry read and D in the leaf for writes (SDM Vol. 3A, 4.8). */
static void update_ad(struct physmem *pm, struct walk *w, enum access acc, enum paging_mode mode)
{
	unsigned esize = mode == PG_32BIT ? 4 : 8;
	for (int i = 0; i < w->nrefs; i++) {
		struct walk_ref *r = &w->refs[i];
		if (mode == PG_PAE && r->level == 3)
			continue; /* PAE PDPTEs have no accessed flag (SDM Vol. 3A, 4.4.1) */
		uint64_t e = r->entry | PTE_A;
		if (i == w->nrefs - 1 && acc == ACC_WRITE)
			e |= PTE_D;
		if (e != r->entry)
			phys_write(pm, r->pa, esize, e);
	}
}

static bool walk_32bit(struct physmem *pm, const struct walk_ctx *ctx, uint64_t la,
		       enum access acc, struct walk *w, uint32_t pfec)
{
	uint32_t pde = (uint32_t)read_entry(pm, w, 2, (ctx->cr3 & 0xfffff000u) + ((la >> 22) & 0x3ff) * 4, 4);
	if (!(pde & PTE_P))
		return fail(w, pfec, "page-directory entry not present (SDM Vol. 3A, 4.3 \"32-Bit Paging\")");
	w->writable = pde & PTE_RW;
	w->user = pde & PTE_US;
	if ((pde & PTE_PS) && (ctx->cr4 & (1ull << 4))) {
		if (pde & (1u << 21))
			return fail(w, pfec | PFEC_P | PFEC_RSVD, "reserved bit 21 set in a 4-MByte PDE (SDM Vol. 3A, 4.3)");
		uint64_t base = (pde & 0xffc00000u) | ((uint64_t)((pde >> 13) & 0xff) << 32);
		w->page_size = 4ull << 20;
		w->pa = base | (la & 0x3fffff);
		return check_rights(ctx, acc, w, pfec);
	}
	uint32_t pte = (uint32_t)read_entry(pm, w, 1, (pde & 0xfffff000u) + ((la >> 12) & 0x3ff) * 4, 4);
	if (!(pte & PTE_P))
		return fail(w, pfec, "page-table entry not present (SDM Vol. 3A, 4.3 \"32-Bit Paging\")");
	w->writable = w->writable && (pte & PTE_RW);
	w->user = w->user && (pte & PTE_US);
	w->page_size = 4096;
	w->pa = (pte & 0xfffff000u) | (la & 0xfff);
	return check_rights(ctx, acc, w, pfec);
}

/*
 * Paging-structure caches (SDM Vol. 3A, 4.10.3): a PML4E, PDPTE or PDE
 * cache entry maps the linear-address bits above what that entry covers
 * to the physical address of the next table and the rights accumulated so
 * far, so a walk can skip the levels above it. vtsim fills them from
 * successful walks only (an entry that led to a fault is not cached).
 */
static struct psc_entry *psc_find(struct psc *p, uint16_t pcid, int level, uint64_t la)
{
	unsigned shift = 12 + 9 * (unsigned)(level - 1);
	uint64_t key = la >> shift;
	struct psc_entry *e = p->e[level - 2];
	for (unsigned i = 0; i < p->size; i++)
		if (e[i].valid && e[i].pcid == pcid && e[i].key == key)
			return &e[i];
	return NULL;
}

static void psc_fill(struct psc *p, uint16_t pcid, int level, uint64_t la, uint64_t table,
		     const struct walk *w)
{
	if (!p->size || psc_find(p, pcid, level, la))
		return;
	struct psc_entry *e = p->e[level - 2];
	unsigned victim = 0;
	for (unsigned i = 0; i < p->size; i++) {
		if (!e[i].valid) {
			victim = i;
			break;
		}
		if (e[i].lru < e[victim].lru)
			victim = i;
	}
	e[victim] = (struct psc_entry){
		.key = la >> (12 + 9 * (unsigned)(level - 1)), .table = table, .lru = ++p->tick,
		.pcid = pcid, .valid = true, .user = w->user, .writable = w->writable, .nx = w->nx,
		.level = (uint8_t)level,
	};
}

/* Start a walk from the deepest cached level that matches. */
static void psc_start(const struct walk_ctx *ctx, uint64_t la, struct walk *w, int *level,
		      uint64_t *table)
{
	for (int l = 2; l <= 4 && l < *level; l++) {
		struct psc_entry *e = psc_find(ctx->psc, ctx->pcid, l, la);
		if (e) {
			e->lru = ++ctx->psc->tick;
			ctx->psc->hits++;
			*level = l - 1;
			*table = e->table;
			w->user = e->user;
			w->writable = e->writable;
			w->nx = e->nx;
			w->psc_level = l;
			return;
		}
	}
}

/*
 * PAE, 4-level and 5-level paging share one loop over 64-bit entries.
 * PAE starts at the PDPTE (level 3): from the four PDPTE registers the CPU
 * loaded with CR3 (SDM Vol. 3A, 4.4.1 "PDPTE Registers") — no memory
 * reference — or, for the debugger's look without a CPU, from CR3[31:5].
 * PAE PDPTEs have no R/W, U/S or XD and their own reserved bits.
 */
static bool walk_64(struct physmem *pm, const struct walk_ctx *ctx, uint64_t la,
		    enum access acc, struct walk *w, uint32_t pfec, enum paging_mode mode)
{
	bool nxe = ctx->efer & EFER_NXE_BIT;
	uint64_t rsvd = RSVD_HIGH | (nxe ? 0 : PTE_XD);
	int level = mode == PG_5LEVEL ? 5 : mode == PG_4LEVEL ? 4 : 3;
	uint64_t table = mode == PG_PAE ? (ctx->cr3 & 0xffffffe0u) : (ctx->cr3 & ADDR_MASK);

	w->writable = true;
	w->user = true;
	if (ctx->psc && mode != PG_PAE)
		psc_start(ctx, la, w, &level, &table);
	for (; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		uint64_t idx = mode == PG_PAE && level == 3 ? (la >> 30) & 3 : (la >> shift) & 511;
		uint64_t e;
		if (mode == PG_PAE && level == 3 && ctx->pdpte) {
			e = ctx->pdpte[idx];
			w->refs[w->nrefs++] = (struct walk_ref){ 3, PDPTE_REGISTER, e };
		} else {
			e = read_entry(pm, w, level, table + idx * 8, 8);
		}
		if (!(e & PTE_P))
			return fail(w, pfec, level == 1 ? "page-table entry not present (SDM Vol. 3A, 4.5)"
				    : level == 2 ? "page-directory entry not present (SDM Vol. 3A, 4.5)"
				    : level == 3 ? "page-directory-pointer-table entry not present (SDM Vol. 3A, 4.5)"
				    : "PML4/PML5 entry not present (SDM Vol. 3A, 4.5)");
		if (mode == PG_PAE && level == 3) {
			/* PAE PDPTE: bits 2:1, 8:5 and 63:MAXPHYADDR are reserved. */
			if (e & (RSVD_HIGH | PTE_XD | 0x1e6ull))
				return fail(w, pfec | PFEC_P | PFEC_RSVD, "reserved bit set in a PAE PDPTE (SDM Vol. 3A, 4.4.1)");
			table = e & ADDR_MASK;
			continue;
		}
		if (e & rsvd)
			return fail(w, pfec | PFEC_P | PFEC_RSVD, "reserved bit set in a paging-structure entry (SDM Vol. 3A, 4.5, Table 4-20)");
		w->writable = w->writable && (e & PTE_RW);
		w->user = w->user && (e & PTE_US);
		w->nx = w->nx || (nxe && (e & PTE_XD));
		if (e & PTE_PS) {
			if (level >= 4 || (level == 3 && mode == PG_PAE))
				return fail(w, pfec | PFEC_P | PFEC_RSVD, "PS=1 in a PML4E/PML5E is reserved (SDM Vol. 3A, 4.5)");
			if (level == 3 || level == 2) {
				uint64_t size = 1ull << shift;
				/* Bits shift-1..13 of a large-page entry are reserved. */
				if (e & (size - 1) & ~0x1fffull)
					return fail(w, pfec | PFEC_P | PFEC_RSVD, "reserved address bits set in a large-page entry (SDM Vol. 3A, 4.5)");
				w->page_size = size;
				w->pa = (e & ADDR_MASK & ~(size - 1)) | (la & (size - 1));
				return check_rights(ctx, acc, w, pfec);
			}
		}
		if (level == 1) {
			w->page_size = 4096;
			w->pa = (e & ADDR_MASK) | (la & 0xfff);
			return check_rights(ctx, acc, w, pfec);
		}
		table = e & ADDR_MASK;
		if (ctx->psc && level >= 2 && level <= 4 && mode != PG_PAE)
			psc_fill(ctx->psc, ctx->pcid, level, la, table, w);
	}
	return fail(w, pfec, "walk ended without a leaf");
}

bool pg_walk(struct physmem *pm, const struct walk_ctx *ctx, uint64_t la,
	     enum access acc, bool set_ad, struct walk *w)
{
	enum paging_mode mode = pg_mode(ctx);
	*w = (struct walk){ .page_size = 4096, .writable = true, .user = true };
	if (mode == PG_NONE) {
		w->pa = la & 0xffffffffull;
		return true;
	}
	uint32_t pfec = (acc == ACC_WRITE ? PFEC_W : 0) | (ctx->user ? PFEC_U : 0);
	if (acc == ACC_EXEC && ((ctx->cr4 & (1ull << 20)) ||
				(mode != PG_32BIT && (ctx->efer & EFER_NXE_BIT))))
		pfec |= PFEC_I;
	bool ok = mode == PG_32BIT ? walk_32bit(pm, ctx, la, acc, w, pfec)
				   : walk_64(pm, ctx, la, acc, w, pfec, mode);
	if (ok && w->nrefs > 0) {
		uint64_t leaf = w->refs[w->nrefs - 1].entry;
		w->global = (leaf & PTE_G) && (ctx->cr4 & (1ull << 7));
		w->dirty = (leaf & PTE_D) || (set_ad && acc == ACC_WRITE);
	}
	if (ok && set_ad)
		update_ad(pm, w, acc, mode);
	return ok;
}
