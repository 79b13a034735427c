/* walk.c - the page walk for 32-bit, PAE, 4-level and 5-level paging, alone or under EPT. */
#include "walk.h"

#include <stddef.h>
#include <string.h>

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
	w->fault_kind = WALK_PF;
	w->pfec = pfec;
	w->why = why;
	return false;
}

static uint64_t read_entry(struct physmem *pm, struct walk *w, int level, uint64_t pa, unsigned size)
{
	uint64_t e = phys_read(pm, pa, size);
	w->refs[w->nrefs++] = (struct walk_ref){ .level = (uint8_t)level, .stage = WALK_GUEST,
						 .ept_rwx = 7, .pa = pa, .gpa = pa, .entry = e };
	return e;
}

/* An EPT fault ends the walk: which one, on which address, for which reference. */
static bool fail_ept(struct walk *w, const struct ept_result *r, bool final)
{
	w->fault = true;
	w->fault_kind = r->fault == EPT_MISCONFIG ? WALK_EPT_MISCONFIG : WALK_EPT_VIOLATION;
	w->ept_final = final;
	w->gpa = r->gpa;
	w->ept_qual = r->fault == EPT_VIOLATION ? r->qual : 0;
	w->why = r->why;
	return false;
}

/*
 * The EPT half of the 2-D walk: translate one guest-physical address, the
 * address of a guest paging-structure entry (for_level = its level) or the
 * final one (for_level = 0). The guest-physical TLB is tried first (SDM
 * Vol. 3C, 29.4.1): a hit whose rights allow the access makes no
 * reference. Otherwise the EPT walk's references join w->refs.
 */
static bool ept_stage(struct physmem *pm, const struct walk_ctx *ctx, struct walk *w, uint64_t gpa,
		      uint32_t access, int for_level, bool set_ad, uint64_t *hpa, uint8_t *rwx)
{
	const struct ept_ctx *x = ctx->ept;
	uint64_t ep4ta = eptp_ep4ta(x->eptp);
	bool write = access & EPT_QUAL_WRITE;
	if (x->gtlb) {
		struct gpa_tlb_entry *g = gtlb_lookup(x->gtlb, gpa, ep4ta);
		uint8_t need = (uint8_t)(access & EPT_QUAL_ACCESS_MASK); /* read/write/fetch and R/W/X share bits 0-2 */
		if (g && (g->rwx & need) == need && (!write || g->dirty)) {
			*hpa = g->hpa | (gpa & ((1ull << g->size_log2) - 1));
			*rwx = g->rwx;
			w->gtlb_hits++;
			if (for_level == 0) {
				w->ept_dirty = g->dirty;
				w->ept_page_size = 1ull << g->size_log2;
			}
			return true;
		}
		if (g)
			g->valid = false; /* walk again: for the fault, or to set D */
	}
	struct ept_result r;
	bool ok = ept_walk(pm, x->eptp, gpa, access, set_ad, &r);
	for (int i = 0; i < r.nrefs; i++)
		w->refs[w->nrefs++] = (struct walk_ref){
			.level = r.refs[i].level, .stage = WALK_EPT, .for_level = (uint8_t)for_level,
			.ept_rwx = 7, .pa = r.refs[i].pa, .gpa = gpa, .entry = r.refs[i].entry,
		};
	if (!ok)
		return fail_ept(w, &r, for_level == 0);
	*hpa = r.hpa;
	*rwx = r.rwx;
	if (for_level == 0) {
		w->ept_dirty = r.dirty;
		w->ept_page_size = r.page_size;
	}
	if (x->gtlb) {
		unsigned lg = (unsigned)__builtin_ctzll(r.page_size);
		struct gpa_tlb_entry n = {
			.gpa = gpa & ~(r.page_size - 1), .hpa = r.hpa & ~(r.page_size - 1), .ep4ta = ep4ta,
			.size_log2 = (uint8_t)lg, .rwx = r.rwx, .dirty = r.dirty,
		};
		gtlb_insert(x->gtlb, &n);
	}
	return true;
}

/*
 * Read a guest paging-structure entry at guest-physical address gpa: EPT
 * first. The processor's reads of guest paging structures are data reads
 * for EPT, or writes (qualification bits 0 and 1) when EPTP bit 6 enables
 * EPT accessed and dirty flags (SDM Vol. 3C, 29.3.3.2 and 29.3.5).
 */
static bool read_entry_ept(struct physmem *pm, const struct walk_ctx *ctx, struct walk *w, int level,
			   uint64_t gpa, unsigned size, bool set_ad, uint64_t *e)
{
	uint32_t access = EPT_QUAL_READ | EPT_QUAL_GLA_VALID |
			  (eptp_ad(ctx->ept->eptp) ? EPT_QUAL_WRITE : 0);
	uint64_t hpa;
	uint8_t rwx;
	if (!ept_stage(pm, ctx, w, gpa, access, level, set_ad, &hpa, &rwx))
		return false;
	*e = phys_read(pm, hpa, size);
	w->refs[w->nrefs++] = (struct walk_ref){ .level = (uint8_t)level, .stage = WALK_GUEST,
						 .ept_rwx = rwx, .pa = hpa, .gpa = gpa, .entry = *e };
	return true;
}

/* One guest paging-structure entry, from memory, through EPT when it is on. */
static bool guest_entry(struct physmem *pm, const struct walk_ctx *ctx, struct walk *w, int level,
			uint64_t pa, unsigned size, bool set_ad, uint64_t *e)
{
	if (ctx->ept)
		return read_entry_ept(pm, ctx, w, level, pa, size, set_ad, e);
	*e = read_entry(pm, w, level, pa, size);
	return true;
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

/* The value a guest entry has after the walk sets its A flag, and D in the leaf on a write (SDM Vol. 3A, 4.8). */
static uint64_t ad_value(const struct walk_ref *r, bool leaf, enum access acc, enum paging_mode mode)
{
	if (mode == PG_PAE && r->level == 3)
		return r->entry; /* PAE PDPTEs have no accessed flag (SDM Vol. 3A, 4.4.1) */
	return r->entry | PTE_A | (leaf && acc == ACC_WRITE ? PTE_D : 0);
}

/* Set A in every entry read and D in the leaf for writes (SDM Vol. 3A, 4.8). */
static void update_ad(struct physmem *pm, struct walk *w, int leaf, enum access acc,
		      enum paging_mode mode)
{
	unsigned esize = mode == PG_32BIT ? 4 : 8;
	for (int i = 0; i <= leaf; i++) {
		struct walk_ref *r = &w->refs[i];
		if (r->stage != WALK_GUEST || r->pa == PDPTE_REGISTER)
			continue;
		uint64_t e = ad_value(r, i == leaf, acc, mode);
		if (e != r->entry)
			phys_write(pm, r->pa, esize, e);
	}
}

/*
 * Without EPT A/D the guest tables were read as data reads; setting a
 * guest A or D flag is a write to a guest-physical address, which EPT must
 * permit (SDM Vol. 3C, 29.3.3.2: "writes by the processor to guest paging
 * structures to update accessed and dirty flags are data writes"). With
 * EPT A/D the reads were already checked as writes.
 */
static bool ad_writes_allowed(struct walk *w, int leaf, enum access acc, enum paging_mode mode)
{
	for (int i = 0; i <= leaf; i++) {
		const struct walk_ref *r = &w->refs[i];
		if (r->stage != WALK_GUEST || r->pa == PDPTE_REGISTER || (r->ept_rwx & EPTE_W))
			continue;
		if (ad_value(r, i == leaf, acc, mode) == r->entry)
			continue;
		w->fault = true;
		w->fault_kind = WALK_EPT_VIOLATION;
		w->ept_final = false;
		w->gpa = r->gpa;
		w->ept_qual = EPT_QUAL_WRITE | EPT_QUAL_GLA_VALID | ((uint32_t)r->ept_rwx << 3);
		w->why = "EPT violation: setting an accessed/dirty flag in a guest paging-structure entry whose page EPT maps without write permission (SDM Vol. 3C, 29.3.3.2 \"EPT Violations\")";
		return false;
	}
	return true;
}

static bool walk_32bit(struct physmem *pm, const struct walk_ctx *ctx, uint64_t la,
		       enum access acc, struct walk *w, uint32_t pfec, bool set_ad)
{
	uint64_t v;
	if (!guest_entry(pm, ctx, w, 2, (ctx->cr3 & 0xfffff000u) + ((la >> 22) & 0x3ff) * 4, 4, set_ad, &v))
		return false;
	uint32_t pde = (uint32_t)v;
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
	if (!guest_entry(pm, ctx, w, 1, (pde & 0xfffff000u) + ((la >> 12) & 0x3ff) * 4, 4, set_ad, &v))
		return false;
	uint32_t pte = (uint32_t)v;
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
struct psc_tag {
	uint16_t pcid, vpid;     /* the context */
	uint64_t eptag;          /* 0, or EP4TA | 1 for combined entries (tlbmodel.h) */
};

static struct psc_entry *psc_find(struct psc *p, const struct psc_tag *t, int level, uint64_t la)
{
	unsigned shift = 12 + 9 * (unsigned)(level - 1);
	uint64_t key = la >> shift;
	struct psc_entry *e = p->e[level - 2];
	for (unsigned i = 0; i < p->size; i++)
		if (e[i].valid && e[i].key == key && e[i].pcid == t->pcid && e[i].vpid == t->vpid &&
		    e[i].eptag == t->eptag)
			return &e[i];
	return NULL;
}

static void psc_fill(struct psc *p, const struct psc_tag *t, int level, uint64_t la, uint64_t table,
		     const struct walk *w)
{
	if (!p->size || psc_find(p, t, level, la))
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
		.eptag = t->eptag, .pcid = t->pcid, .vpid = t->vpid, .valid = true, .user = w->user, .writable = w->writable, .nx = w->nx,
		.level = (uint8_t)level,
	};
}

/* Start a walk from the deepest cached level that matches. */
static void psc_start(const struct walk_ctx *ctx, const struct psc_tag *t, uint64_t la,
		      struct walk *w, int *level, uint64_t *table)
{
	for (int l = 2; l <= 4 && l < *level; l++) {
		struct psc_entry *e = psc_find(ctx->psc, t, l, la);
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
 * Under EPT, the PDPTEs are read through EPT when there are no registers,
 * and the cached table addresses are guest-physical.
 */
static bool walk_64(struct physmem *pm, const struct walk_ctx *ctx, uint64_t la,
		    enum access acc, struct walk *w, uint32_t pfec, enum paging_mode mode, bool set_ad)
{
	struct psc_tag tag = { ctx->pcid, ctx->vpid,
			       ctx->ept ? tlb_eptag(true, eptp_ep4ta(ctx->ept->eptp)) : 0 };
	bool nxe = ctx->efer & EFER_NXE_BIT;
	uint64_t rsvd = RSVD_HIGH | (nxe ? 0 : PTE_XD);
	int level = mode == PG_5LEVEL ? 5 : mode == PG_4LEVEL ? 4 : 3;
	uint64_t table = mode == PG_PAE ? (ctx->cr3 & 0xffffffe0u) : (ctx->cr3 & ADDR_MASK);

	w->writable = true;
	w->user = true;
	if (ctx->psc && mode != PG_PAE)
		psc_start(ctx, &tag, la, w, &level, &table);
	for (; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		uint64_t idx = mode == PG_PAE && level == 3 ? (la >> 30) & 3 : (la >> shift) & 511;
		uint64_t e;
		if (mode == PG_PAE && level == 3 && ctx->pdpte) {
			e = ctx->pdpte[idx];
			w->refs[w->nrefs++] = (struct walk_ref){ .level = 3, .stage = WALK_GUEST, .ept_rwx = 7,
								 .pa = PDPTE_REGISTER, .gpa = PDPTE_REGISTER,
								 .entry = e };
		} else if (!guest_entry(pm, ctx, w, level, table + idx * 8, 8, set_ad, &e)) {
			return false;
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
			psc_fill(ctx->psc, &tag, level, la, table, w);
	}
	return fail(w, pfec, "walk ended without a leaf");
}

/*
 * The last row of the 2-D walk: the guest's result w->pa is a
 * guest-physical address; EPT makes it host-physical. An access to it is
 * the access itself (qualification bits 0-2), to "the translation of a
 * linear address" (bit 8; SDM Vol. 3C, 28.2.1, Table 28-7). paging_off:
 * the guest-physical address is the linear address; the combined page is
 * then the EPT page.
 */
static bool ept_final(struct physmem *pm, const struct walk_ctx *ctx, struct walk *w,
		      enum access acc, bool set_ad, bool paging_off)
{
	static const uint32_t kind[] = { [ACC_READ] = EPT_QUAL_READ, [ACC_WRITE] = EPT_QUAL_WRITE,
					 [ACC_EXEC] = EPT_QUAL_FETCH };
	uint64_t hpa;
	w->gpa = w->pa;
	if (!ept_stage(pm, ctx, w, w->gpa, kind[acc] | EPT_QUAL_GLA_VALID | EPT_QUAL_FINAL, 0, set_ad,
		       &hpa, &w->ept_rwx))
		return false;
	w->pa = hpa;
	if (paging_off)
		w->page_size = w->ept_page_size;
	return true;
}

/*
 * pg_walk: how a linear address becomes physical. Without EPT this is the
 * guest's walk alone (walk_32bit, walk_64). With EPT (ctx->ept) it is the
 * two-dimensional walk (SDM Vol. 3C, 29.3.2 "EPT Translation Mechanism"):
 * CR3 and every table address in the guest's entries are guest-physical,
 * so each guest entry is reached by an EPT walk first, and the guest's
 * result, the final guest-physical address, takes one more. The order of
 * the references (w->refs) for a 4-level guest under 4-level EPT with
 * cold caches, 24 in all:
 *
 *                         EPT     EPT     EPT    EPT        guest
 *   guest-physical        PML4E   PDPTE   PDE    PTE        entry
 *   CR3[51:12]+8*idx4       1       2      3      4   --->    5  PML4E
 *   PML4E[51:12]+8*idx3     6       7      8      9   --->   10  PDPTE
 *   PDPTE[51:12]+8*idx2    11      12     13     14   --->   15  PDE
 *   PDE[51:12]+8*idx1      16      17     18     19   --->   20  PTE
 *   PTE[51:12]+offset      21      22     23     24   --->   host-physical address
 *
 * An EPT reference has stage WALK_EPT and for_level = the guest level of
 * the entry it locates (0 for the final address). A guest-physical TLB hit
 * removes a row's four EPT references; a paging-structure-cache hit
 * removes whole rows above the cached level. A failure says which stage:
 * guest #PF (a row's guest entry), an EPT violation or misconfiguration
 * on a guest table (a row's EPT part), or on the final address (the last
 * row). Guest A/D flags are set once the guest part succeeds, before the
 * final address is translated, as the processor sets them while walking.
 * With CR0.PG = 0 only the last row remains: the linear address is the
 * guest-physical address (unrestricted guest; 29.3.1).
 */
bool pg_walk(struct physmem *pm, const struct walk_ctx *ctx, uint64_t la,
	     enum access acc, bool set_ad, struct walk *w)
{
	enum paging_mode mode = pg_mode(ctx);
	/* The record's header only: refs[] is filled up to nrefs. */
	memset(w, 0, offsetof(struct walk, refs));
	w->page_size = 4096;
	w->writable = true;
	w->user = true;
	w->ept = ctx->ept != NULL;
	if (mode == PG_NONE) {
		w->pa = la & 0xffffffffull;
		if (ctx->ept)
			return ept_final(pm, ctx, w, acc, set_ad, true);
		return true;
	}
	uint32_t pfec = (acc == ACC_WRITE ? PFEC_W : 0) | (ctx->user ? PFEC_U : 0);
	if (acc == ACC_EXEC && ((ctx->cr4 & (1ull << 20)) ||
				(mode != PG_32BIT && (ctx->efer & EFER_NXE_BIT))))
		pfec |= PFEC_I;
	bool ok = mode == PG_32BIT ? walk_32bit(pm, ctx, la, acc, w, pfec, set_ad)
				   : walk_64(pm, ctx, la, acc, w, pfec, mode, set_ad);
	if (!ok)
		return false;
	int leaf = w->nrefs - 1;
	while (leaf >= 0 && w->refs[leaf].stage != WALK_GUEST)
		leaf--;
	if (leaf >= 0) {
		uint64_t e = w->refs[leaf].entry;
		w->global = (e & PTE_G) && (ctx->cr4 & (1ull << 7));
		w->dirty = (e & PTE_D) || (set_ad && acc == ACC_WRITE);
	}
	if (ctx->ept && set_ad && !ad_writes_allowed(w, leaf, acc, mode))
		return false;
	if (set_ad)
		update_ad(pm, w, leaf, acc, mode);
	if (ctx->ept)
		return ept_final(pm, ctx, w, acc, set_ad, false);
	return true;
}
