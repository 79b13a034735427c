/* build.c - laying out memory and building the GDT, LDT, IDT and TSS from their fields. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The prot32/long64 loaders keep the top 28 KiB of RAM (machine_start). */
#define LOADER_RESERVED 0x7000ull
/* Real mode: tables the scenario does not place go below 576 KiB, where a
 * real-mode guest can reach them. */
#define REAL_SCRATCH_TOP 0x90000ull

/* ------------------------------------------------------------ TSS formats */

struct tss_field {
	const char *name;  /* as written */
	int off;           /* byte offset */
	int size;          /* bytes */
};

/* 32-bit TSS (SDM Vol. 3A, 8.2.1, Figure 8-2). */
static const struct tss_field tss32[] = {
	{ "link", 0x00, 2 }, { "esp0", 0x04, 4 }, { "ss0", 0x08, 2 }, { "esp1", 0x0c, 4 }, { "ss1", 0x10, 2 },
	{ "esp2", 0x14, 4 }, { "ss2", 0x18, 2 }, { "cr3", 0x1c, 4 }, { "eip", 0x20, 4 }, { "eflags", 0x24, 4 },
	{ "eax", 0x28, 4 }, { "ecx", 0x2c, 4 }, { "edx", 0x30, 4 }, { "ebx", 0x34, 4 }, { "esp", 0x38, 4 },
	{ "ebp", 0x3c, 4 }, { "esi", 0x40, 4 }, { "edi", 0x44, 4 }, { "es", 0x48, 2 }, { "cs", 0x4c, 2 },
	{ "ss", 0x50, 2 }, { "ds", 0x54, 2 }, { "fs", 0x58, 2 }, { "gs", 0x5c, 2 }, { "ldt", 0x60, 2 },
	{ "trap", 0x64, 2 }, { "iomap", 0x66, 2 },
};

/* 64-bit TSS (SDM Vol. 3A, 8.7, Figure 8-11). */
static const struct tss_field tss64[] = {
	{ "rsp0", 0x04, 8 }, { "rsp1", 0x0c, 8 }, { "rsp2", 0x14, 8 }, { "ist1", 0x24, 8 }, { "ist2", 0x2c, 8 },
	{ "ist3", 0x34, 8 }, { "ist4", 0x3c, 8 }, { "ist5", 0x44, 8 }, { "ist6", 0x4c, 8 }, { "ist7", 0x54, 8 },
	{ "iomap", 0x66, 2 },
};

#define TSS_SIZE 0x68  /* both formats: 104 bytes, limit 67H */

static const struct tss_field *tss_table(int bits, int *n)
{
	*n = bits == 64 ? (int)(sizeof tss64 / sizeof tss64[0]) : (int)(sizeof tss32 / sizeof tss32[0]);
	return bits == 64 ? tss64 : tss32;
}

int sc_tss_field(int bits, const char *name)
{
	int n;
	const struct tss_field *t = tss_table(bits, &n);
	for (int i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return i;
	return -1;
}

const char *sc_tss_field_names(int bits)
{
	return bits == 64 ? "rsp0-rsp2, ist1-ist7, iomap"
			  : "link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags, eax..edi, es, cs, ss, ds, fs, gs, ldt, trap, iomap";
}

/* ------------------------------------------------------------ descriptors */

/*
 * Code, data and system descriptors (SDM Vol. 3A, 3.4.5, Figure 3-8):
 *
 *   63..56  55 54  53 52  51..48   47 46-45 44  43..40  39..16      15..0
 *   base    G  D/B L  AVL limit    P  DPL   S   type    base 23:0   limit 15:0
 *   31:24                 19:16
 *
 * In IA-32e mode, LDT, TSS and call-gate descriptors take 16 bytes; the
 * second 8 hold base (or offset) 63:32 (SDM Vol. 3A, 8.2.3, Figure 8-4).
 */
static uint64_t pack_desc(uint64_t base, uint32_t limit_field, unsigned type, unsigned s, unsigned dpl, unsigned p,
			  unsigned avl, unsigned l, unsigned db, unsigned g)
{
	return (limit_field & 0xffffull) | ((base & 0xffffffull) << 16) | ((uint64_t)type << 40) | ((uint64_t)s << 44) |
	       ((uint64_t)dpl << 45) | ((uint64_t)p << 47) | ((uint64_t)((limit_field >> 16) & 0xf) << 48) |
	       ((uint64_t)avl << 52) | ((uint64_t)l << 53) | ((uint64_t)db << 54) | ((uint64_t)g << 55) |
	       (((base >> 24) & 0xffull) << 56);
}

/* Access rights in the VMCS layout of struct segment, and the byte limit. */
uint16_t sc_desc_attr(const struct sc_desc *e, uint64_t limit_bytes, uint32_t *limit_out)
{
	*limit_out = (uint32_t)limit_bytes;
	return (uint16_t)(e->type | e->s << 4 | e->dpl << 5 | e->present << 7 | e->avl << 12 | e->l << 13 | e->db << 14 |
			  e->g << 15);
}

uint64_t sc_desc_encode(const struct sc_desc *e, uint64_t base, uint64_t limit_bytes, uint64_t *hi)
{
	*hi = 0;
	bool gate = e->s == 0 && (e->type & 7) == 4;
	if (gate) {
		/* Call gate (SDM Vol. 3A, 5.8.3, Figure 5-8; 64-bit: Figure 5-9). */
		uint64_t off = base;
		*hi = e->wide ? off >> 32 : 0;
		return (off & 0xffff) | ((uint64_t)(e->target_sel & 0xffff) << 16) | ((uint64_t)(e->wide ? 0 : e->params) << 32) |
		       ((uint64_t)e->type << 40) | ((uint64_t)e->dpl << 45) | ((uint64_t)e->present << 47) |
		       (((off >> 16) & 0xffff) << 48);
	}
	uint32_t field = (uint32_t)(e->g ? limit_bytes >> 12 : limit_bytes);
	if (e->wide)
		*hi = base >> 32;
	return pack_desc(base, field, (unsigned)e->type, (unsigned)e->s, (unsigned)e->dpl, (unsigned)e->present,
			 (unsigned)e->avl, (unsigned)e->l, (unsigned)e->db, (unsigned)e->g);
}

/*
 * Resolve a descriptor's numbers and fill what the scenario left out:
 * base 0, a flat 4 GiB limit for code and data, present, DPL 0, and the
 * D/B and L bits the starting mode wants (64-bit code: L=1, D=0).
 * Returns errors.
 */
static int fill_desc(struct scenario *sc, struct diag *d, struct sc_desc *e, const char *where, uint64_t *base,
		     uint64_t *limit_bytes, uint64_t default_limit)
{
	int errors = 0;
	bool gate = e->s == 0 && (e->type & 7) == 4;
	*base = 0;
	*limit_bytes = default_limit;
	if (e->base.set)
		errors += sc_resolve(sc, d, &e->base, false, base);
	if (e->limit.set)
		errors += sc_resolve(sc, d, &e->limit, false, limit_bytes);
	if (gate && e->target.set)
		errors += sc_resolve(sc, d, &e->target, false, base);
	if (errors)
		return errors;
	if (e->dpl < 0)
		e->dpl = 0;
	if (e->present < 0)
		e->present = 1;
	if (e->avl < 0)
		e->avl = 0;
	if (e->target_sel < 0)
		e->target_sel = sc->start_cs;
	bool code = e->s == 1 && (e->type & 8);
	if (e->l < 0)
		e->l = code && sc->mode == SCM_LONG64 && e->db != 1;
	if (e->db < 0)
		e->db = e->s == 1 && !(code && e->l);
	if (gate) {
		e->g = 0;
		return 0;
	}
	if (e->l && e->db) {
		diag_error(d, e->mark.line, e->mark.col, "%s: l=1 with db=1 is reserved (SDM Vol. 3A, 5.2.1; expected db: 0 for 64-bit code)", where);
		return 1;
	}
	if (e->l && !code) {
		diag_error(d, e->mark.line, e->mark.col, "%s: l=1 is meaningful only for code segments (expected l: 0)", where);
		return 1;
	}
	if (*limit_bytes > 0xffffffffull) {
		diag_error(d, e->mark.line, e->mark.col, "%s: limit 0x%llx is above 4 GiB - 1 (expected at most 0xffffffff)", where,
			   (unsigned long long)*limit_bytes);
		return 1;
	}
	if (e->g < 0)
		e->g = *limit_bytes > 0xfffff;
	if (e->g && (*limit_bytes & 0xfff) != 0xfff) {
		diag_error(d, e->mark.line, e->mark.col,
			   "%s: limit 0x%llx cannot be expressed with 4 KiB granularity (expected a byte limit ending in fff, such as 0xffffffff)",
			   where, (unsigned long long)*limit_bytes);
		return 1;
	}
	if (!e->g && *limit_bytes > 0xfffff) {
		diag_error(d, e->mark.line, e->mark.col, "%s: limit 0x%llx needs g: 1 (byte granularity reaches 0xfffff)", where,
			   (unsigned long long)*limit_bytes);
		return 1;
	}
	if (!e->wide && *base > 0xffffffffull) {
		diag_error(d, e->mark.line, e->mark.col, "%s: base 0x%llx does not fit in a descriptor's 32 bits", where,
			   (unsigned long long)*base);
		return 1;
	}
	return 0;
}

/* The hidden state for registers: {selector, base, ...}. */
int sc_hidden_state(struct scenario *sc, struct diag *d, struct sc_desc *e, int seg, uint64_t *base, uint32_t *limit,
		    uint16_t *attr)
{
	static const char *const names[6] = { "registers.es", "registers.cs", "registers.ss", "registers.ds", "registers.fs",
					      "registers.gs" };
	if (e->type < 0) {
		e->type = seg == 1 ? 0xb : 0x3;
		e->s = 1;
	}
	if (e->s < 0)
		e->s = 1;
	e->wide = false;
	uint64_t lim;
	uint64_t dflt = sc->mode == SCM_REAL ? 0xffff : 0xffffffffull;
	if (fill_desc(sc, d, e, names[seg], base, &lim, dflt))
		return 1;
	*attr = sc_desc_attr(e, lim, limit);
	return 0;
}

/* ------------------------------------------------------------ placement */

struct sc_blob *sc_add_blob(struct scenario *sc, const char *what, struct sc_mark mark, uint64_t pa,
			    const uint8_t *data, uint64_t len)
{
	struct sc_blob *b = sc_push(sc, (void **)&sc->blob, &sc->nblob, &sc->capblob, sizeof *b);
	if (b)
		*b = (struct sc_blob){ what, mark, pa, data, len, false, false };
	return b;
}

static uint64_t scratch_top(const struct scenario *sc)
{
	if (sc->mode == SCM_REAL)
		return sc->memory < REAL_SCRATCH_TOP ? sc->memory : REAL_SCRATCH_TOP;
	return sc->memory - LOADER_RESERVED;
}

static bool is_load_blob(const struct sc_blob *b)
{
	return b->is_load;
}

/* Check b against RAM, the loader's area and every blob before it. */
static int check_blob(struct scenario *sc, struct diag *d, int bi)
{
	const struct sc_blob *b = &sc->blob[bi];
	uint64_t end = b->pa + b->len;
	if (end < b->pa || end > sc->memory) {
		diag_error(d, b->mark.line, b->mark.col,
			   "%s at 0x%llx (%llu byte%s) does not fit in RAM (expected it to end by 0x%llx, or more machine.memory)", b->what,
			   (unsigned long long)b->pa, (unsigned long long)b->len, b->len == 1 ? "" : "s", (unsigned long long)sc->memory);
		return 1;
	}
	if (sc->mode != SCM_REAL && end > sc->memory - LOADER_RESERVED) {
		diag_error(d, b->mark.line, b->mark.col,
			   "%s at 0x%llx (%llu byte%s) overlaps the loader's tables in the top 28 KiB of RAM (0x%llx-0x%llx; expected it lower, or more machine.memory)",
			   b->what, (unsigned long long)b->pa, (unsigned long long)b->len, b->len == 1 ? "" : "s",
			   (unsigned long long)(sc->memory - LOADER_RESERVED), (unsigned long long)(sc->memory - 1));
		return 1;
	}
	for (int i = 0; i < bi; i++) {
		const struct sc_blob *o = &sc->blob[i];
		if (!(b->pa < o->pa + o->len && o->pa < end))
			continue;
		if (b->inside_load && is_load_blob(o))
			continue;
		diag_error(d, b->mark.line, b->mark.col,
			   "%s at 0x%llx-0x%llx overlaps the %s at 0x%llx-0x%llx (line %d; expected memory entries and tables apart)", b->what,
			   (unsigned long long)b->pa, (unsigned long long)(end - 1), o->what, (unsigned long long)o->pa,
			   (unsigned long long)(o->pa + o->len - 1), o->mark.line);
		return 1;
	}
	return 0;
}

/* Place a table: at its at: address, or below *top. */
int sc_place(struct scenario *sc, struct diag *d, const struct sc_num *at, uint64_t len, uint64_t *top,
	     const char *what, struct sc_mark mark, uint64_t *pa, bool *by_label)
{
	*by_label = false;
	if (at->set) {
		if (sc_resolve(sc, d, at, true, pa))
			return 1;
		*by_label = at->label != NULL;
		return 0;
	}
	uint64_t need = (len + 0xfff) & ~0xfffull;
	if (*top < need + 0x1000) {
		diag_error(d, mark.line, mark.col, "no room for the %s in RAM (expected at: or more machine.memory)", what);
		return 1;
	}
	*top -= need;
	*pa = *top;
	return 0;
}

/* ------------------------------------------------------------ the tables */

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void putn(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A descriptor table's image from its entries. Returns errors. */
static int build_dtable(struct scenario *sc, struct diag *d, struct sc_dtable *t, bool is_ldt, uint8_t **img, uint64_t *bytes)
{
	int slots = 1;
	for (int i = 0; i < t->n; i++) {
		int end = t->d[i].index + (t->d[i].wide ? 2 : 1);
		if (end > slots)
			slots = end;
	}
	if (slots > 8192) {
		diag_error(d, t->mark.line, t->mark.col, "%s: more than 8192 descriptors", is_ldt ? "ldt" : "gdt");
		return 1;
	}
	uint8_t *b = sc_alloc(sc, (size_t)slots * 8);
	int *owner = calloc((size_t)slots, sizeof *owner);
	if (!b || !owner) {
		free(owner);
		return 1;
	}
	int errors = 0;
	for (int i = 0; i < t->n; i++) {
		struct sc_desc *e = &t->d[i];
		const char *where = is_ldt ? "ldt entry" : "gdt entry";
		for (int k = 0; k < (e->wide ? 2 : 1); k++) {
			int slot = e->index + k;
			if (owner[slot]) {
				const struct sc_desc *o = &t->d[owner[slot] - 1];
				diag_error(d, e->mark.line, e->mark.col,
					   "%s: selector 0x%02x is already taken by the %s at line %d (expected each slot used once%s)", where,
					   slot * 8, o->what ? o->what : "descriptor", o->mark.line,
					   o->wide ? "; a 16-byte descriptor in IA-32e mode takes two slots" : "");
				errors++;
				goto next;
			}
		}
		uint64_t base, limit;
		uint64_t dflt = e->what && strcmp(e->what, "tss") == 0 ? TSS_SIZE - 1 : 0xffffffffull;
		if (fill_desc(sc, d, e, where, &base, &limit, dflt)) {
			errors++;
			continue;
		}
		uint64_t hi;
		uint64_t lo = sc_desc_encode(e, base, limit, &hi);
		put64(b + (size_t)e->index * 8, lo);
		owner[e->index] = i + 1;
		if (e->wide) {
			put64(b + (size_t)e->index * 8 + 8, hi);
			owner[e->index + 1] = i + 1;
		}
	next:;
	}
	free(owner);
	*img = b;
	*bytes = (uint64_t)slots * 8;
	t->slots = slots;
	return errors;
}

/*
 * Gate descriptors (SDM Vol. 3A, 6.11, Figure 6-2; 64-bit: 6.14.1, Figure
 * 6-8); in real mode the IVT's 4-byte far pointers (20.1.4).
 *   32-bit gate: offset 15:0 | selector << 16 | type << 40 | DPL << 45 | P << 47 | offset 31:16 << 48
 *   64-bit gate: the same with IST in bits 34:32, then offset 63:32
 */
static int build_idt(struct scenario *sc, struct diag *d, uint8_t **img, uint64_t *bytes)
{
	struct sc_idt *t = &sc->idt;
	int esize = sc->mode == SCM_REAL ? 4 : sc->mode == SCM_LONG64 ? 16 : 8;
	int top = 0;
	for (int i = 0; i < t->n; i++)
		if (t->g[i].hi + 1 > top)
			top = t->g[i].hi + 1;
	uint8_t *b = sc_alloc(sc, (size_t)top * (size_t)esize);
	if (!b)
		return 1;
	int errors = 0;
	for (int i = 0; i < t->n; i++) {
		struct sc_gate *g = &t->g[i];
		uint64_t off;
		if (sc_resolve(sc, d, &g->handler, false, &off)) {
			errors++;
			continue;
		}
		int sel = g->sel >= 0 ? g->sel : sc->start_cs;
		for (int v = g->lo; v <= g->hi; v++) {
			uint8_t *p = b + (size_t)v * (size_t)esize;
			if (esize == 4) {
				/* Real mode: segment:offset; the segment from cs:, else the handler's 64 KiB block. */
				uint64_t seg = g->sel >= 0 ? (uint64_t)g->sel : (off >> 4) & 0xf000;
				uint64_t o = off - (seg << 4);
				if (o > 0xffff || off >= 0x100000) {
					diag_error(d, g->handler.at.line, g->handler.at.col,
						   "idt entry: handler 0x%llx is not reachable from segment 0x%llx in real mode (expected below 1 MiB)",
						   (unsigned long long)off, (unsigned long long)seg);
					errors++;
					break;
				}
				putn(p, o | seg << 16, 4);
				continue;
			}
			if (esize == 8 && off > 0xffffffffull) {
				diag_error(d, g->handler.at.line, g->handler.at.col, "idt entry: handler 0x%llx is above 4 GiB (a 32-bit gate holds 32 bits)",
					   (unsigned long long)off);
				errors++;
				break;
			}
			uint64_t lo = (off & 0xffff) | ((uint64_t)(sel & 0xffff) << 16) | ((uint64_t)g->ist << 32) |
				      ((uint64_t)g->type << 40) | ((uint64_t)g->dpl << 45) | ((uint64_t)g->present << 47) |
				      (((off >> 16) & 0xffff) << 48);
			put64(p, lo);
			if (esize == 16)
				put64(p + 8, off >> 32);
		}
	}
	*img = b;
	*bytes = (uint64_t)top * (uint64_t)esize;
	return errors;
}

static int build_tss(struct scenario *sc, struct diag *d, uint8_t **img)
{
	struct sc_tss *t = &sc->tss;
	uint8_t *b = sc_alloc(sc, TSS_SIZE);
	if (!b)
		return 1;
	int n;
	const struct tss_field *tab = tss_table(t->bits, &n);
	/* No I/O permission bitmap: its base at the limit + 1 (SDM Vol. 1, 19.5.2). */
	putn(b + 0x66, TSS_SIZE, 2);
	int errors = 0;
	for (int i = 0; i < t->n; i++) {
		uint64_t v;
		if (sc_resolve(sc, d, &t->f[i].v, false, &v)) {
			errors++;
			continue;
		}
		const struct tss_field *f = &tab[t->f[i].field];
		if (f->size < 8 && (v >> (8 * f->size))) {
			diag_error(d, t->f[i].v.at.line, t->f[i].v.at.col, "tss.%s: 0x%llx does not fit in the field's %d bytes", f->name,
				   (unsigned long long)v, f->size);
			errors++;
			continue;
		}
		putn(b + f->off, v, f->size);
	}
	*img = b;
	return errors;
}

static int add_sys_desc(struct scenario *sc, struct diag *d, int sel, struct sc_mark at, const char *what, int type,
			uint64_t base, uint64_t limit)
{
	if (!sc->gdt.given) {
		diag_error(d, at.line, at.col,
			   "%s.sel: there is no gdt: section to put the %s descriptor in (expected a gdt: section; the built-in GDT has no free slot)",
			   what, what);
		return 1;
	}
	struct sc_desc *e = sc_push(sc, (void **)&sc->gdt.d, &sc->gdt.n, &sc->gdt.cap, sizeof *e);
	if (!e)
		return 1;
	*e = (struct sc_desc){ .mark = at, .index = sel >> 3, .type = type, .s = 0, .dpl = 0, .present = 1, .db = 0, .l = 0,
			       .g = -1, .avl = 0, .target_sel = -1, .what = what };
	e->wide = sc->mode == SCM_LONG64;
	e->base = (struct sc_num){ .set = true, .at = at, .v = base };
	e->limit = (struct sc_num){ .set = true, .at = at, .v = limit };
	return 0;
}

/* ------------------------------------------------------------ the layout */

int sc_layout(struct scenario *sc, struct diag *d)
{
	int errors = 0;
	/* 1. What the loads put where. */
	for (int i = 0; i < sc->nload; i++) {
		struct sc_load *l = &sc->load[i];
		static const char *const names[] = { "asm", "asm_file", "binary", "elf", "bytes" };
		struct sc_blob *b = NULL;
		if (l->kind == LK_ELF) {
			for (int k = 0; k < l->nsegs; k++) {
				b = sc_add_blob(sc, "elf segment", l->mark, l->segs[k].pa, NULL, l->segs[k].memsz);
				if (b)
					b->is_load = true;
			}
		} else {
			b = sc_add_blob(sc, names[l->kind], l->mark, l->pa, l->data, l->len);
			if (b)
				b->is_load = true;
		}
	}
	for (int i = 0; i < sc->nblob; i++)
		errors += check_blob(sc, d, i);
	if (errors)
		return errors;

	uint64_t top = scratch_top(sc);
	bool by_label;
	/* 2. The TSS and LDT first: their GDT descriptors need their addresses. */
	struct sc_tss *tss = &sc->tss;
	if (tss->given) {
		if (sc_place(sc, d, &tss->at, TSS_SIZE, &top, "tss", tss->mark, &tss->pa, &by_label))
			return errors + 1;
		tss->lin = tss->va.set ? tss->va.v : tss->pa;
		uint8_t *img = NULL;
		errors += build_tss(sc, d, &img);
		struct sc_blob *b = sc_add_blob(sc, "tss", tss->mark, tss->pa, img, TSS_SIZE);
		if (b)
			b->inside_load = by_label;
		/* A TSS the loader puts in TR is busy, as LTR leaves it. */
		if (tss->sel >= 0)
			errors += add_sys_desc(sc, d, tss->sel, tss->sel_at, "tss", 0xb, tss->lin, TSS_SIZE - 1);
	}
	struct sc_dtable *ldt = &sc->ldt;
	uint8_t *ldt_img = NULL;
	uint64_t ldt_bytes = 0;
	if (ldt->given) {
		errors += build_dtable(sc, d, ldt, true, &ldt_img, &ldt_bytes);
		if (!errors && sc_place(sc, d, &ldt->at, ldt_bytes, &top, "ldt", ldt->mark, &ldt->pa, &by_label))
			return errors + 1;
		ldt->lin = ldt->va.set ? ldt->va.v : ldt->pa;
		if (!errors) {
			struct sc_blob *b = sc_add_blob(sc, "ldt", ldt->mark, ldt->pa, ldt_img, ldt_bytes);
			if (b)
				b->inside_load = by_label;
			errors += add_sys_desc(sc, d, ldt->sel, ldt->sel_at, "ldt", 0x2, ldt->lin, ldt_bytes - 1);
		}
	}
	if (errors)
		return errors;
	/* 3. The GDT. */
	struct sc_dtable *gdt = &sc->gdt;
	if (gdt->given) {
		errors += build_dtable(sc, d, gdt, false, &sc->gdt_img, &sc->gdt_bytes);
		if (errors)
			return errors;
		if (sc_place(sc, d, &gdt->at, sc->gdt_bytes, &top, "gdt", gdt->mark, &gdt->pa, &by_label))
			return errors + 1;
		gdt->lin = gdt->va.set ? gdt->va.v : gdt->pa;
		struct sc_blob *b = sc_add_blob(sc, "gdt", gdt->mark, gdt->pa, sc->gdt_img, sc->gdt_bytes);
		if (b)
			b->inside_load = by_label;
	}
	/* 4. The IDT (real mode: the IVT, at 0 unless placed). */
	struct sc_idt *idt = &sc->idt;
	if (idt->given) {
		uint8_t *img = NULL;
		uint64_t bytes;
		errors += build_idt(sc, d, &img, &bytes);
		if (errors)
			return errors;
		if (sc->mode == SCM_REAL && !idt->at.set) {
			idt->pa = 0;
			by_label = false;
		} else if (sc_place(sc, d, &idt->at, bytes, &top, "idt", idt->mark, &idt->pa, &by_label)) {
			return errors + 1;
		}
		idt->lin = idt->va.set ? idt->va.v : idt->pa;
		struct sc_blob *b = sc_add_blob(sc, sc->mode == SCM_REAL ? "ivt" : "idt", idt->mark, idt->pa, img, bytes);
		if (b)
			b->inside_load = by_label;
		if (idt->limit < 0)
			idt->limit = bytes ? (int)bytes - 1 : 0;
	}
	/* 5. Page tables. */
	struct sc_paging *pg = &sc->paging;
	if (pg->given) {
		if (sc->mode == SCM_REAL) {
			diag_error(d, pg->mark.line, pg->mark.col, "paging: real mode has no paging (expected machine.mode prot32 or long64)");
			return errors + 1;
		}
		if (pg->fmt == PGF_NONE)
			pg->fmt = sc->mode == SCM_LONG64 ? PGF_4LEVEL : PGF_32BIT;
		bool ok = sc->mode == SCM_LONG64 ? (pg->fmt == PGF_4LEVEL || pg->fmt == PGF_5LEVEL)
						 : (pg->fmt == PGF_32BIT || pg->fmt == PGF_PAE);
		if (!ok) {
			diag_error(d, pg->fmt_at.line, pg->fmt_at.col, "paging.mode: %s paging does not go with machine.mode %s (expected %s)",
				   sc_pgfmt_name(pg->fmt), sc->mode == SCM_LONG64 ? "long64" : "prot32",
				   sc->mode == SCM_LONG64 ? "4-level or 5-level" : "32-bit or pae");
			return errors + 1;
		}
		/* The tables the CPU reads by linear address must be mapped. */
		struct sc_pgneed *nd = pg->need;
		if (sc->gdt.given)
			nd[pg->nneed++] = (struct sc_pgneed){ "gdt", sc->gdt.mark, sc->gdt.lin, sc->gdt.pa, sc->gdt_bytes,
							      !sc->gdt.at.set && !sc->gdt.va.set };
		else
			nd[pg->nneed++] = (struct sc_pgneed){ "built-in GDT", pg->mark, sc->memory - LOADER_RESERVED,
							      sc->memory - LOADER_RESERVED, 32, true };
		if (idt->given)
			nd[pg->nneed++] = (struct sc_pgneed){ "idt", idt->mark, idt->lin, idt->pa, (uint64_t)idt->limit + 1,
							      !idt->at.set && !idt->va.set };
		if (tss->given)
			nd[pg->nneed++] = (struct sc_pgneed){ "tss", tss->mark, tss->lin, tss->pa, TSS_SIZE, !tss->at.set && !tss->va.set };
		if (ldt->given)
			nd[pg->nneed++] = (struct sc_pgneed){ "ldt", ldt->mark, ldt->lin, ldt->pa, ldt_bytes, !ldt->at.set && !ldt->va.set };
		uint8_t *img = NULL;
		if (sc_paging_build(sc, d, 0, &img, &pg->bytes))
			return errors + 1;
		free(img);
		if (sc_place(sc, d, &pg->at, pg->bytes, &top, "page tables", pg->mark, &pg->pa, &by_label))
			return errors + 1;
		if (pg->pa & 0xfff) {
			diag_error(d, pg->at.at.line, pg->at.at.col, "paging.at: 0x%llx is not 4 KiB aligned (page tables must be)",
				   (unsigned long long)pg->pa);
			return errors + 1;
		}
		if ((pg->fmt == PGF_32BIT || pg->fmt == PGF_PAE) && pg->pa + pg->bytes > (1ull << 32)) {
			diag_error(d, pg->mark.line, pg->mark.col, "paging: %s tables must lie below 4 GiB (CR3 holds 32 bits)", sc_pgfmt_name(pg->fmt));
			return errors + 1;
		}
		if (sc_paging_build(sc, d, pg->pa, &img, &pg->bytes))
			return errors + 1;
		uint8_t *keep = sc_alloc(sc, pg->bytes);
		if (keep)
			memcpy(keep, img, pg->bytes);
		free(img);
		struct sc_blob *b = sc_add_blob(sc, "page tables", pg->mark, pg->pa, keep, pg->bytes);
		if (!keep || !b)
			return errors + 1;
		b->inside_load = by_label;
		pg->root = pg->pa;
	}
	/* 6. EPT tables, the VMCS and the VMXON region (vmxbuild.c). */
	if (!errors && sc_vmx_layout(sc, d, &top))
		return errors + 1;
	for (int i = 0; i < sc->nblob; i++)
		if (!is_load_blob(&sc->blob[i]))
			errors += check_blob(sc, d, i);
	return errors;
}
