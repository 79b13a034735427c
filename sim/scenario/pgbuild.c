/* pgbuild.c - the paging: builder: page tables for 32-bit, PAE, 4-level and 5-level paging from a list of mappings. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/*
 * The formats (SDM Vol. 3A, 4.3-4.5), one row per level, top first:
 *
 *   32-bit   PD   va[31:22]  PT  va[21:12]                        4-byte entries
 *   PAE      PDPT va[31:30]  PD  va[29:21]  PT va[20:12]           8-byte entries
 *   4-level  PML4 va[47:39]  PDPT va[38:30] PD va[29:21] PT va[20:12]
 *   5-level  PML5 va[56:48]  then as 4-level
 *
 * A leaf can sit at the PT (4 KiB), the PD (2 MiB, or 4 MiB in 32-bit
 * paging with CR4.PSE) or the PDPT (1 GiB, 4/5-level only). Entries above
 * a leaf are present, writable and user (PAE PDPTEs: present only, their
 * R/W and U/S bits are reserved), so the leaf's flags alone decide the
 * access rights. Accessed and dirty start clear unless a mapping asks
 * for a or d, so a scenario can watch the processor set them.
 *
 *   entry bits:  0 P   1 R/W   2 U/S   3 PWT   4 PCD   5 A   6 D   7 PS   8 G   63 XD
 */

struct level {
	int shift;          /* va bit of the index's low end */
	int bits;           /* index width */
	int num;            /* level number as the SDM counts (PT = 1) */
};

struct format {
	int nlevels;        /* levels */
	struct level lv[5]; /* top first */
	int esize;          /* entry size in bytes */
	int va_bits;        /* linear-address width */
};

static const struct format formats[] = {
	[PGF_32BIT] = { 2, { { 22, 10, 2 }, { 12, 10, 1 } }, 4, 32 },
	[PGF_PAE] = { 3, { { 30, 2, 3 }, { 21, 9, 2 }, { 12, 9, 1 } }, 8, 32 },
	[PGF_4LEVEL] = { 4, { { 39, 9, 4 }, { 30, 9, 3 }, { 21, 9, 2 }, { 12, 9, 1 } }, 8, 48 },
	[PGF_5LEVEL] = { 5, { { 48, 9, 5 }, { 39, 9, 4 }, { 30, 9, 3 }, { 21, 9, 2 }, { 12, 9, 1 } }, 8, 57 },
};

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_XD (1ull << 63)

enum { SLOT_FREE, SLOT_TABLE, SLOT_LEAF };

/* The tables as they are built: pages at base + i * 4 KiB. */
struct pgimg {
	uint8_t *bytes;     /* n pages of table contents */
	uint8_t *kind;      /* per entry: SLOT_* */
	int *owner;         /* per entry: index of the mapping that filled it */
	int n, cap;         /* pages */
	int per_page;       /* entries per page */
};

static int new_table(struct pgimg *g)
{
	if (g->n == g->cap) {
		int cap = g->cap ? g->cap * 2 : 8;
		uint8_t *b = realloc(g->bytes, (size_t)cap * 4096);
		if (!b)
			return -1;
		g->bytes = b;
		uint8_t *k = realloc(g->kind, (size_t)cap * (size_t)g->per_page);
		if (!k)
			return -1;
		g->kind = k;
		int *o = realloc(g->owner, (size_t)cap * (size_t)g->per_page * sizeof *o);
		if (!o)
			return -1;
		g->owner = o;
		g->cap = cap;
	}
	memset(g->bytes + (size_t)g->n * 4096, 0, 4096);
	memset(g->kind + (size_t)g->n * (size_t)g->per_page, SLOT_FREE, (size_t)g->per_page);
	return g->n++;
}

static uint64_t get_entry(const struct pgimg *g, int esize, int table, unsigned idx)
{
	const uint8_t *p = g->bytes + (size_t)table * 4096 + (size_t)idx * (size_t)esize;
	uint64_t v = 0;
	for (int i = esize - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void put_entry(struct pgimg *g, int esize, int table, unsigned idx, uint64_t v)
{
	uint8_t *p = g->bytes + (size_t)table * 4096 + (size_t)idx * (size_t)esize;
	for (int i = 0; i < esize; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static const char *size_name(uint64_t page)
{
	return page == 4096 ? "4K" : page == (2u << 20) ? "2M" : page == (4u << 20) ? "4M" : "1G";
}

/* The level number a page size's leaf sits at in format f, or 0. */
static int leaf_level(enum sc_pgfmt f, uint64_t page)
{
	if (page == 4096)
		return 1;
	if (page == (4u << 20))
		return f == PGF_32BIT ? 2 : 0;
	if (page == (2u << 20))
		return f == PGF_32BIT ? 0 : 2;
	if (page == (1u << 30))
		return f == PGF_4LEVEL || f == PGF_5LEVEL ? 3 : 0;
	return 0;
}

static bool canonical(uint64_t va, int bits)
{
	if (bits == 32)
		return va <= 0xffffffffull;
	int64_t s = (int64_t)(va << (64 - bits)) >> (64 - bits);
	return (uint64_t)s == va;
}

/* Install one page. Returns 0 or 1 (error reported). */
static int map_page(struct scenario *sc, struct diag *d, struct pgimg *g, const struct format *f, int mi, uint64_t va,
		    uint64_t pa)
{
	struct sc_paging *pg = &sc->paging;
	const struct sc_map *mp = &pg->m[mi];
	int leaf = leaf_level(pg->fmt, mp->page);
	int table = 0;
	for (int k = 0; k < f->nlevels; k++) {
		const struct level *lv = &f->lv[k];
		unsigned idx = (unsigned)((va >> lv->shift) & ((1u << lv->bits) - 1));
		size_t slot = (size_t)table * (size_t)g->per_page + idx;
		if (lv->num == leaf) {
			if (g->kind[slot] != SLOT_FREE) {
				const struct sc_map *other = &pg->m[g->owner[slot]];
				diag_error(d, mp->mark.line, mp->mark.col,
					   "paging.map: va 0x%llx is already mapped by the mapping at line %d (expected each page mapped once)",
					   (unsigned long long)va, other->mark.line);
				return 1;
			}
			uint64_t e = pa;
			uint32_t fl = mp->flags;
			e |= (fl & MAPF_NP) ? 0 : PTE_P;
			e |= (fl & MAPF_W) ? PTE_W : 0;
			e |= (fl & MAPF_U) ? PTE_U : 0;
			e |= (fl & MAPF_PWT) ? PTE_PWT : 0;
			e |= (fl & MAPF_PCD) ? PTE_PCD : 0;
			e |= (fl & MAPF_A) ? PTE_A : 0;
			e |= (fl & MAPF_D) ? PTE_D : 0;
			e |= (fl & MAPF_G) ? PTE_G : 0;
			e |= (fl & MAPF_NX) ? PTE_XD : 0;
			e |= leaf > 1 ? PTE_PS : 0;
			put_entry(g, f->esize, table, idx, e);
			g->kind[slot] = SLOT_LEAF;
			g->owner[slot] = mi;
			return 0;
		}
		if (g->kind[slot] == SLOT_LEAF) {
			const struct sc_map *other = &pg->m[g->owner[slot]];
			diag_error(d, mp->mark.line, mp->mark.col,
				   "paging.map: va 0x%llx falls inside the %s page mapped at line %d (expected each page mapped once)",
				   (unsigned long long)va, size_name(other->page), other->mark.line);
			return 1;
		}
		if (g->kind[slot] == SLOT_FREE) {
			int t = new_table(g);
			if (t < 0) {
				diag_error(d, mp->mark.line, mp->mark.col, "paging.map: out of memory building page tables");
				return 1;
			}
			/* Offset from the first table; sc_paging_build relocates. */
			uint64_t e = (uint64_t)t * 4096 | PTE_P;
			if (!(pg->fmt == PGF_PAE && lv->num == 3))
				e |= PTE_W | PTE_U;
			put_entry(g, f->esize, table, idx, e);
			g->kind[slot] = SLOT_TABLE;
			g->owner[slot] = mi;
		}
		table = (int)((get_entry(g, f->esize, table, idx) & 0x000ffffffffff000ull) >> 12);
	}
	return 0;
}

/* Where va is mapped in the tables built so far: true with *pa, or false. */
static bool lookup(const struct pgimg *g, const struct format *f, uint64_t va, uint64_t *pa)
{
	int table = 0;
	for (int k = 0; k < f->nlevels; k++) {
		const struct level *lv = &f->lv[k];
		unsigned idx = (unsigned)((va >> lv->shift) & ((1u << lv->bits) - 1));
		size_t slot = (size_t)table * (size_t)g->per_page + idx;
		uint64_t e = get_entry(g, f->esize, table, idx);
		if (g->kind[slot] == SLOT_FREE || !(e & PTE_P))
			return false;
		if (g->kind[slot] == SLOT_LEAF) {
			uint64_t size = 1ull << lv->shift;
			uint64_t frame = e & 0x000ffffffffff000ull & ~(size - 1);
			if (f->esize == 4)
				frame &= 0xffffffffull;
			*pa = frame + (va & (size - 1));
			return true;
		}
		table = (int)((e & 0x000ffffffffff000ull) >> 12);
	}
	return false;
}

/*
 * The GDT, IDT, TSS and LDT are read through linear addresses, so with
 * paging on at the start they must be mapped. Where the loader chose
 * their place, unmapped pages get a supervisor, writable 1:1 mapping;
 * where the scenario did, a missing or different mapping is an error.
 */
static int map_needs(struct scenario *sc, struct diag *d, struct pgimg *g, const struct format *f)
{
	struct sc_paging *pg = &sc->paging;
	int errors = 0;
	for (int i = 0; i < pg->nneed && !errors; i++) {
		const struct sc_pgneed *nd = &pg->need[i];
		for (uint64_t off = 0; off < nd->len; off += 4096 - ((nd->lin + off) & 0xfff)) {
			uint64_t va = nd->lin + off, want = nd->pa + off, have;
			if (lookup(g, f, va, &have)) {
				if (have != want) {
					diag_error(d, nd->mark.line, nd->mark.col,
						   "paging: the %s at linear 0x%llx is mapped to physical 0x%llx, but it lies at 0x%llx (expected paging.map to map it there)",
						   nd->what, (unsigned long long)va, (unsigned long long)have, (unsigned long long)want);
					errors++;
					break;
				}
				continue;
			}
			if (!nd->allocated) {
				diag_error(d, nd->mark.line, nd->mark.col,
					   "paging: the %s at linear 0x%llx is not mapped (expected a paging.map entry that covers it: the CPU reads it through paging)",
					   nd->what, (unsigned long long)va);
				errors++;
				break;
			}
			struct sc_map *mp = sc_push(sc, (void **)&pg->m, &pg->n, &pg->cap, sizeof *mp);
			if (!mp)
				return errors + 1;
			*mp = (struct sc_map){ .mark = nd->mark, .page = 4096, .page_at = nd->mark, .count = 1, .flags = MAPF_W };
			errors += map_page(sc, d, g, f, pg->n - 1, va & ~0xfffull, want & ~0xfffull);
		}
	}
	return errors;
}

int sc_paging_build(struct scenario *sc, struct diag *d, uint64_t base, uint8_t **image, uint64_t *bytes)
{
	struct sc_paging *pg = &sc->paging;
	const struct format *f = &formats[pg->fmt];
	struct pgimg g = { .per_page = 4096 / f->esize };
	int errors = 0;
	if (pg->nuser == 0)
		pg->nuser = pg->n;
	pg->n = pg->nuser; /* forget mappings an earlier build added */
	if (new_table(&g) < 0)
		return 1;
	pg->need_pse = pg->need_nx = pg->need_pge = false;
	for (int mi = 0; mi < pg->nuser && errors < 5; mi++) {
		struct sc_map *mp = &pg->m[mi];
		uint64_t va, pa;
		if (sc_resolve(sc, d, &mp->va, false, &va) || sc_resolve(sc, d, mp->pa.set ? &mp->pa : &mp->va, true, &pa)) {
			errors++;
			continue;
		}
		int leaf = leaf_level(pg->fmt, mp->page);
		if (!leaf) {
			diag_error(d, mp->page_at.line, mp->page_at.col, "paging.map: %s pages do not exist in %s paging (expected %s)",
				   size_name(mp->page), sc_pgfmt_name(pg->fmt),
				   pg->fmt == PGF_32BIT ? "4K or 4M" : pg->fmt == PGF_PAE ? "4K or 2M" : "4K, 2M or 1G");
			errors++;
			continue;
		}
		if ((va | pa) & (mp->page - 1)) {
			diag_error(d, mp->mark.line, mp->mark.col, "paging.map: va 0x%llx, pa 0x%llx (expected both aligned to the %s page size)",
				   (unsigned long long)va, (unsigned long long)pa, size_name(mp->page));
			errors++;
			continue;
		}
		uint64_t span = mp->page * mp->count;
		uint64_t last = va + span - 1;
		if (last < va || !canonical(va, f->va_bits) || !canonical(last, f->va_bits) ||
		    (f->va_bits < 64 && f->va_bits != 32 && ((va >> (f->va_bits - 1)) != (last >> (f->va_bits - 1))))) {
			diag_error(d, mp->va.at.line, mp->va.at.col,
				   "paging.map: 0x%llx..0x%llx is not a valid range of linear addresses for %s paging (expected %s)",
				   (unsigned long long)va, (unsigned long long)last, sc_pgfmt_name(pg->fmt),
				   f->va_bits == 32 ? "addresses below 4 GiB" : "canonical addresses, not crossing the hole");
			errors++;
			continue;
		}
		uint64_t pa_limit = pg->fmt == PGF_32BIT ? (1ull << 32) : (1ull << 46);
		if (pa + span < pa || pa + span > pa_limit) {
			diag_error(d, mp->mark.line, mp->mark.col, "paging.map: physical range 0x%llx + %llu pages is beyond what %s paging can map",
				   (unsigned long long)pa, (unsigned long long)mp->count, sc_pgfmt_name(pg->fmt));
			errors++;
			continue;
		}
		if ((mp->flags & MAPF_NX) && pg->fmt == PGF_32BIT) {
			diag_error(d, mp->mark.line, mp->mark.col, "paging.map: nx in 32-bit paging, whose entries have no XD bit (expected paging.mode: pae, or no nx)");
			errors++;
			continue;
		}
		pg->need_pse |= pg->fmt == PGF_32BIT && mp->page == (4u << 20);
		pg->need_nx |= (mp->flags & MAPF_NX) != 0;
		pg->need_pge |= (mp->flags & MAPF_G) != 0;
		for (uint64_t k = 0; k < mp->count; k++)
			if (map_page(sc, d, &g, f, mi, va + k * mp->page, pa + k * mp->page)) {
				errors++;
				break;
			}
		if ((uint64_t)g.n * 4096 > sc->memory) {
			diag_error(d, mp->mark.line, mp->mark.col, "paging.map: the page tables would not fit in RAM (%d pages)", g.n);
			errors++;
			break;
		}
	}
	if (!errors)
		errors += map_needs(sc, d, &g, f);
	if (errors) {
		free(g.bytes);
		free(g.kind);
		free(g.owner);
		return errors;
	}
	/* Relocate table pointers from offsets to physical addresses. */
	for (int t = 0; t < g.n; t++)
		for (int i = 0; i < g.per_page; i++)
			if (g.kind[(size_t)t * (size_t)g.per_page + (size_t)i] == SLOT_TABLE)
				put_entry(&g, f->esize, t, (unsigned)i, get_entry(&g, f->esize, t, (unsigned)i) + base);
	free(g.kind);
	free(g.owner);
	*image = g.bytes;
	*bytes = (uint64_t)g.n * 4096;
	return 0;
}
