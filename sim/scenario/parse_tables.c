/* parse_tables.c - the builder sections: gdt, ldt, idt, tss, paging. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../trace/evfield.h"
#include "internal.h"
#include "parse.h"

/* ------------------------------------------------------------ descriptor fields */

/* Descriptor types by name (SDM Vol. 3A, 3.4.5.1 Table 3-1 and 3.5 Table 3-2).
 * Code and data types have the accessed bit set, so that loading them does
 * not write to the table. */
static const struct {
	const char *name;   /* as written */
	int type;           /* type field */
	int s;              /* S bit */
} type_names[] = {
	{ "code", 0xb, 1 }, { "code-xo", 0x9, 1 }, { "code-conforming", 0xf, 1 },
	{ "data", 0x3, 1 }, { "data-ro", 0x1, 1 }, { "data-down", 0x7, 1 },
	{ "ldt", 0x2, 0 }, { "tss", 0x9, 0 }, { "tss-busy", 0xb, 0 }, { "call-gate", 0xc, 0 },
};

struct desc_ctx {
	struct sc_desc *d;                                   /* what is filled */
	int (*extra_fn)(struct yctx *, yaml_node_t *, void *); /* handler of the extra key */
	void *extra_obj;                                     /* its object */
};

static int bit_field(struct yctx *y, yaml_node_t *v, const char *what, int *out)
{
	struct sc_mark m = y_mark(v);
	if (v->type == YAML_SCALAR_NODE) {
		bool b;
		const char *s = (const char *)v->data.scalar.value;
		if (strcmp(s, "0") != 0 && strcmp(s, "1") != 0) {
			if (sc_bool_from(y, v, what, &b))
				return 1;
			*out = b;
			return 0;
		}
		*out = s[0] == '1';
		return 0;
	}
	diag_error(y->d, m.line, m.col, "%s: got %s (expected 0 or 1)", what, y_kind(v));
	return 1;
}

static int d_type(struct yctx *y, yaml_node_t *v, void *o)
{
	struct sc_desc *d = ((struct desc_ctx *)o)->d;
	struct sc_mark m = y_mark(v);
	if (v->type == YAML_SCALAR_NODE) {
		const char *s = (const char *)v->data.scalar.value;
		for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++) {
			if (strcmp(s, type_names[i].name) == 0) {
				d->type = type_names[i].type;
				if (d->s < 0)
					d->s = type_names[i].s;
				d->code = d->s && (d->type & 8);
				return 0;
			}
		}
		uint64_t t;
		const char *why;
		if (sc_parse_u64(s, false, &t, &why) && t < 16) {
			d->type = (int)t;
			return 0;
		}
	}
	diag_error(y->d, m.line, m.col,
		   "type: %s%s%s (expected code, code-xo, code-conforming, data, data-ro, data-down, ldt, tss, tss-busy, call-gate or a number 0-15)",
		   v->type == YAML_SCALAR_NODE ? "unknown type '" : "got ",
		   v->type == YAML_SCALAR_NODE ? (const char *)v->data.scalar.value : y_kind(v),
		   v->type == YAML_SCALAR_NODE ? "'" : "");
	return 1;
}

static int d_s(struct yctx *y, yaml_node_t *v, void *o)
{
	return bit_field(y, v, "s", &((struct desc_ctx *)o)->d->s);
}

static int d_base(struct yctx *y, yaml_node_t *v, void *o)
{
	return sc_num_from(y, v, NUM_LABEL, "base", &((struct desc_ctx *)o)->d->base);
}

static int d_limit(struct yctx *y, yaml_node_t *v, void *o)
{
	return sc_num_from(y, v, NUM_LABEL, "limit", &((struct desc_ctx *)o)->d->limit);
}

static int d_dpl(struct yctx *y, yaml_node_t *v, void *o)
{
	uint64_t x;
	if (sc_u64_from(y, v, "dpl", &x))
		return 1;
	if (x > 3) {
		struct sc_mark m = y_mark(v);
		diag_error(y->d, m.line, m.col, "dpl: %llu (expected 0, 1, 2 or 3)", (unsigned long long)x);
		return 1;
	}
	((struct desc_ctx *)o)->d->dpl = (int)x;
	return 0;
}

static int d_present(struct yctx *y, yaml_node_t *v, void *o)
{
	return bit_field(y, v, "present", &((struct desc_ctx *)o)->d->present);
}

static int d_db(struct yctx *y, yaml_node_t *v, void *o)
{
	return bit_field(y, v, "db", &((struct desc_ctx *)o)->d->db);
}

static int d_l(struct yctx *y, yaml_node_t *v, void *o)
{
	return bit_field(y, v, "l", &((struct desc_ctx *)o)->d->l);
}

static int d_g(struct yctx *y, yaml_node_t *v, void *o)
{
	return bit_field(y, v, "g", &((struct desc_ctx *)o)->d->g);
}

static int d_avl(struct yctx *y, yaml_node_t *v, void *o)
{
	return bit_field(y, v, "avl", &((struct desc_ctx *)o)->d->avl);
}

static int d_target(struct yctx *y, yaml_node_t *v, void *o)
{
	return sc_num_from(y, v, NUM_LABEL, "target", &((struct desc_ctx *)o)->d->target);
}

static int d_cs(struct yctx *y, yaml_node_t *v, void *o)
{
	uint64_t x;
	if (sc_u64_from(y, v, "cs", &x))
		return 1;
	if (x > 0xffff) {
		struct sc_mark m = y_mark(v);
		diag_error(y->d, m.line, m.col, "cs: 0x%llx is wider than 16 bits (expected a selector)", (unsigned long long)x);
		return 1;
	}
	((struct desc_ctx *)o)->d->target_sel = (int)x;
	return 0;
}

static int d_params(struct yctx *y, yaml_node_t *v, void *o)
{
	uint64_t x;
	if (sc_u64_from(y, v, "params", &x))
		return 1;
	if (x > 31) {
		struct sc_mark m = y_mark(v);
		diag_error(y->d, m.line, m.col, "params: %llu (expected a parameter count 0-31)", (unsigned long long)x);
		return 1;
	}
	((struct desc_ctx *)o)->d->params = (int)x;
	return 0;
}

static int d_extra(struct yctx *y, yaml_node_t *v, void *o)
{
	struct desc_ctx *c = o;
	return c->extra_fn(y, v, c->extra_obj);
}

static const struct sc_key desc_keys[] = {
	{ "type", d_type }, { "base", d_base }, { "limit", d_limit }, { "dpl", d_dpl },
	{ "present", d_present }, { "db", d_db }, { "l", d_l }, { "g", d_g }, { "avl", d_avl },
	{ "s", d_s }, { "target", d_target }, { "cs", d_cs }, { "params", d_params },
};
#define NDESC_KEYS ((int)(sizeof desc_keys / sizeof desc_keys[0]))

static int parse_desc(struct yctx *y, yaml_node_t *v, const char *where, struct sc_desc *d, const char *extra_key,
		      int (*extra_fn)(struct yctx *, yaml_node_t *, void *), void *extra_obj)
{
	struct sc_key keys[NDESC_KEYS + 1];
	int n = 0;
	if (extra_key)
		keys[n++] = (struct sc_key){ extra_key, d_extra };
	for (int i = 0; i < NDESC_KEYS; i++)
		keys[n++] = desc_keys[i];
	struct desc_ctx c = { d, extra_fn, extra_obj };
	int errors = sc_walk_map(y, v, where, keys, n, &c);
	if (errors)
		return errors;
	if (d->type >= 0 && d->s < 0)
		d->s = 1;
	if (d->type >= 0)
		d->code = d->s == 1 && (d->type & 8);
	bool gate = d->s == 0 && (d->type & 7) == 4;
	if ((d->target.set || d->params || d->target_sel >= 0) && !gate) {
		diag_error(y->d, d->mark.line, d->mark.col, "%s: target, cs and params belong to call gates (expected type: call-gate)", where);
		return 1;
	}
	if (gate && !d->target.set) {
		diag_error(y->d, d->mark.line, d->mark.col, "%s: a call gate needs target: (expected its entry point, e.g. a label)", where);
		return 1;
	}
	return 0;
}

int sc_parse_desc_fields(struct yctx *y, yaml_node_t *v, const char *where, struct sc_desc *d,
			 int (*extra_fn)(struct yctx *, yaml_node_t *, void *), void *extra_obj)
{
	return parse_desc(y, v, where, d, extra_fn ? "selector" : NULL, extra_fn, extra_obj);
}

/* ------------------------------------------------------------ gdt: and ldt: */

struct table_ctx {
	struct sc_dtable *t;  /* the table */
	bool is_ldt;          /* LDT rules */
};

static int e_sel(struct yctx *y, yaml_node_t *v, void *o)
{
	struct sc_desc *d = o;
	uint64_t x;
	if (sc_u64_from(y, v, "sel", &x))
		return 1;
	struct sc_mark m = y_mark(v);
	if (x > 0xfff8 || (x & 7)) {
		diag_error(y->d, m.line, m.col,
			   "sel: 0x%llx is not a table slot (expected a multiple of 8 up to 0xfff8: the selector with RPL 0 and TI 0)",
			   (unsigned long long)x);
		return 1;
	}
	if (x == 0) {
		diag_error(y->d, m.line, m.col, "sel: slot 0 is the null descriptor, which the loader writes (expected 0x08 or above)");
		return 1;
	}
	d->index = (int)(x >> 3);
	return 0;
}

static int parse_entries(struct yctx *y, yaml_node_t *v, const char *where, struct sc_dtable *t, bool is_ldt)
{
	struct scenario *sc = y->sc;
	struct sc_mark m = y_mark(v);
	if (v->type != YAML_SEQUENCE_NODE) {
		diag_error(y->d, m.line, m.col, "%s: got %s (expected a list of descriptors such as '- {type: code}')", where, y_kind(v));
		return 1;
	}
	int errors = 0, next = 1;
	char ewhere[48];
	snprintf(ewhere, sizeof ewhere, "%s entry", is_ldt ? "ldt" : "gdt");
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(y->doc, *it);
		struct sc_desc *d = sc_push(sc, (void **)&t->d, &t->n, &t->cap, sizeof *d);
		if (!d)
			return errors + 1;
		*d = (struct sc_desc){ .mark = y_mark(e), .index = 0, .type = -1, .s = -1, .dpl = -1, .present = -1,
				       .db = -1, .l = -1, .g = -1, .avl = -1, .target_sel = -1 };
		int err = parse_desc(y, e, ewhere, d, "sel", e_sel, d);
		errors += err;
		if (err)
			continue;
		if (d->type < 0) {
			diag_error(y->d, d->mark.line, d->mark.col, "%s: no type (expected type: code, data, tss, ldt, call-gate, ...)", ewhere);
			errors++;
			continue;
		}
		if (is_ldt && d->s == 0 && (d->type & 7) != 4) {
			diag_error(y->d, d->mark.line, d->mark.col,
				   "%s: an LDT holds code, data and gate descriptors only (SDM Vol. 3A, 3.5.1; expected no %s here)", ewhere,
				   (d->type & 7) == 2 ? "LDT descriptor" : "TSS descriptor");
			errors++;
			continue;
		}
		if (d->index == 0)
			d->index = next;
		d->wide = sc->mode == SCM_LONG64 && d->s == 0;
		next = d->index + (d->wide ? 2 : 1);
	}
	return errors;
}

static int t_at(struct yctx *y, yaml_node_t *v, void *o)
{
	return sc_num_from(y, v, NUM_LABEL, "at", &((struct table_ctx *)o)->t->at);
}

static int t_va(struct yctx *y, yaml_node_t *v, void *o)
{
	return sc_num_from(y, v, NUM_PLAIN, "va", &((struct table_ctx *)o)->t->va);
}

static int t_entries(struct yctx *y, yaml_node_t *v, void *o)
{
	struct table_ctx *c = o;
	return parse_entries(y, v, c->is_ldt ? "ldt.entries" : "gdt.entries", c->t, c->is_ldt);
}

static int t_sel(struct yctx *y, yaml_node_t *v, void *o)
{
	struct sc_dtable *t = ((struct table_ctx *)o)->t;
	uint64_t x;
	if (sc_u64_from(y, v, "ldt.sel", &x))
		return 1;
	t->sel_at = y_mark(v);
	if (x == 0 || x > 0xfff8 || (x & 7)) {
		diag_error(y->d, t->sel_at.line, t->sel_at.col,
			   "ldt.sel: 0x%llx is not a GDT slot (expected a multiple of 8 from 0x08 to 0xfff8)", (unsigned long long)x);
		return 1;
	}
	t->sel = (int)x;
	return 0;
}

static const struct sc_key gdt_keys[] = { { "at", t_at }, { "va", t_va }, { "entries", t_entries } };
static const struct sc_key ldt_keys[] = { { "at", t_at }, { "va", t_va }, { "sel", t_sel }, { "entries", t_entries } };

static int p_dtable(struct yctx *y, yaml_node_t *v, struct sc_dtable *t, bool is_ldt)
{
	t->given = true;
	t->mark = y_mark(v);
	t->sel = -1;
	if (v->type == YAML_SEQUENCE_NODE)
		return parse_entries(y, v, is_ldt ? "ldt" : "gdt", t, is_ldt);
	struct table_ctx c = { t, is_ldt };
	return is_ldt ? sc_walk_map(y, v, "ldt", ldt_keys, 4, &c) : sc_walk_map(y, v, "gdt", gdt_keys, 3, &c);
}

int sc_p_gdt(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	return p_dtable(y, v, &y->sc->gdt, false);
}

int sc_p_ldt(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	int errors = p_dtable(y, v, &y->sc->ldt, true);
	if (!errors && y->sc->ldt.sel < 0) {
		diag_error(y->d, y->sc->ldt.mark.line, y->sc->ldt.mark.col,
			   "ldt: no sel (expected the GDT selector of the LDT's descriptor, e.g. sel: 0x30)");
		errors++;
	}
	return errors;
}

/* ------------------------------------------------------------ idt: */

static int g_vector(struct yctx *y, yaml_node_t *v, void *o)
{
	struct sc_gate *g = o;
	struct sc_mark m = y_mark(v);
	if (v->type != YAML_SCALAR_NODE) {
		diag_error(y->d, m.line, m.col, "vector: got %s (expected a number 0-255, a name such as \"#GP\", or a range such as 32-47)",
			   y_kind(v));
		return 1;
	}
	const char *s = (const char *)v->data.scalar.value;
	const char *dash = strchr(s, '-');
	uint64_t lo, hi;
	const char *why;
	int vn = ev_vector_from_name(s);
	if (vn >= 0) {
		g->lo = g->hi = vn;
		return 0;
	}
	if (dash && dash != s) {
		char a[32];
		size_t n = (size_t)(dash - s);
		if (n < sizeof a) {
			memcpy(a, s, n);
			a[n] = 0;
			if (sc_parse_u64(a, false, &lo, &why) && sc_parse_u64(dash + 1, false, &hi, &why) && lo <= hi && hi < 256) {
				g->lo = (int)lo;
				g->hi = (int)hi;
				return 0;
			}
		}
	} else if (sc_parse_u64(s, false, &lo, &why) && lo < 256) {
		g->lo = g->hi = (int)lo;
		return 0;
	}
	diag_error(y->d, m.line, m.col,
		   "vector: '%s' is not a vector (expected a number 0-255, a name such as \"#GP\" (quoted: # starts a YAML comment), or a range such as 32-47)",
		   s);
	return 1;
}

static int g_handler(struct yctx *y, yaml_node_t *v, void *o)
{
	return sc_num_from(y, v, NUM_LABEL, "handler", &((struct sc_gate *)o)->handler);
}

static int g_type(struct yctx *y, yaml_node_t *v, void *o)
{
	struct sc_gate *g = o;
	char *s;
	if (sc_str_from(y, v, "type", &s))
		return 1;
	if (strcmp(s, "interrupt") == 0)
		g->type = 14;
	else if (strcmp(s, "trap") == 0)
		g->type = 15;
	else {
		struct sc_mark m = y_mark(v);
		diag_error(y->d, m.line, m.col, "type: unknown gate type '%s' (expected interrupt or trap)", s);
		return 1;
	}
	return 0;
}

static int g_dpl(struct yctx *y, yaml_node_t *v, void *o)
{
	uint64_t x;
	if (sc_u64_from(y, v, "dpl", &x))
		return 1;
	if (x > 3) {
		struct sc_mark m = y_mark(v);
		diag_error(y->d, m.line, m.col, "dpl: %llu (expected 0, 1, 2 or 3)", (unsigned long long)x);
		return 1;
	}
	((struct sc_gate *)o)->dpl = (int)x;
	return 0;
}

static int g_present(struct yctx *y, yaml_node_t *v, void *o)
{
	return sc_bool_from(y, v, "present", &((struct sc_gate *)o)->present);
}

static int g_cs(struct yctx *y, yaml_node_t *v, void *o)
{
	uint64_t x;
	if (sc_u64_from(y, v, "cs", &x))
		return 1;
	if (x > 0xffff) {
		struct sc_mark m = y_mark(v);
		diag_error(y->d, m.line, m.col, "cs: 0x%llx is wider than 16 bits (expected a selector)", (unsigned long long)x);
		return 1;
	}
	((struct sc_gate *)o)->sel = (int)x;
	return 0;
}

static int g_ist(struct yctx *y, yaml_node_t *v, void *o)
{
	uint64_t x;
	if (sc_u64_from(y, v, "ist", &x))
		return 1;
	if (x > 7) {
		struct sc_mark m = y_mark(v);
		diag_error(y->d, m.line, m.col, "ist: %llu (expected 0 (no stack switch) or an IST index 1-7)", (unsigned long long)x);
		return 1;
	}
	if (x && y->sc->mode != SCM_LONG64) {
		struct sc_mark m = y_mark(v);
		diag_error(y->d, m.line, m.col, "ist: the IST exists only in IA-32e mode (expected machine.mode: long64)");
		return 1;
	}
	((struct sc_gate *)o)->ist = (int)x;
	return 0;
}

static const struct sc_key gate_keys[] = {
	{ "vector", g_vector }, { "handler", g_handler }, { "type", g_type }, { "dpl", g_dpl },
	{ "present", g_present }, { "cs", g_cs }, { "ist", g_ist },
};

static int parse_gates(struct yctx *y, yaml_node_t *v, const char *where)
{
	struct scenario *sc = y->sc;
	struct sc_idt *t = &sc->idt;
	struct sc_mark m = y_mark(v);
	if (v->type != YAML_SEQUENCE_NODE) {
		diag_error(y->d, m.line, m.col, "%s: got %s (expected a list of gates such as '- {vector: 13, handler: gp_handler}')",
			   where, y_kind(v));
		return 1;
	}
	int errors = 0;
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(y->doc, *it);
		struct sc_gate *g = sc_push(sc, (void **)&t->g, &t->n, &t->cap, sizeof *g);
		if (!g)
			return errors + 1;
		*g = (struct sc_gate){ .mark = y_mark(e), .lo = -1, .hi = -1, .sel = -1, .type = 14, .present = true };
		int err = sc_walk_map(y, e, "idt entry", gate_keys, (int)(sizeof gate_keys / sizeof gate_keys[0]), g);
		errors += err;
		if (err)
			continue;
		if (g->lo < 0 || !g->handler.set) {
			diag_error(y->d, g->mark.line, g->mark.col, "idt entry: needs vector: and handler: (expected e.g. {vector: 13, handler: gp_handler})");
			errors++;
			continue;
		}
		for (int k = 0; k < t->n - 1; k++) {
			const struct sc_gate *o = &t->g[k];
			if (g->lo <= o->hi && o->lo <= g->hi) {
				diag_error(y->d, g->mark.line, g->mark.col, "idt entry: vector %d already has a gate (line %d; expected one gate per vector)",
					   g->lo > o->lo ? g->lo : o->lo, o->mark.line);
				errors++;
				break;
			}
		}
	}
	return errors;
}

static int i_at(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	return sc_num_from(y, v, NUM_LABEL, "idt.at", &y->sc->idt.at);
}

static int i_va(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	return sc_num_from(y, v, NUM_PLAIN, "idt.va", &y->sc->idt.va);
}

static int i_limit(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	uint64_t x;
	if (sc_u64_from(y, v, "idt.limit", &x))
		return 1;
	if (x > 0xffff) {
		struct sc_mark m = y_mark(v);
		diag_error(y->d, m.line, m.col, "idt.limit: 0x%llx is wider than 16 bits (expected up to 0xffff)", (unsigned long long)x);
		return 1;
	}
	y->sc->idt.limit = (int)x;
	return 0;
}

static int i_entries(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	return parse_gates(y, v, "idt.entries");
}

static const struct sc_key idt_keys[] = { { "at", i_at }, { "va", i_va }, { "limit", i_limit }, { "entries", i_entries } };

int sc_p_idt(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	struct sc_idt *t = &y->sc->idt;
	t->given = true;
	t->mark = y_mark(v);
	t->limit = -1;
	if (v->type == YAML_SEQUENCE_NODE)
		return parse_gates(y, v, "idt");
	return sc_walk_map(y, v, "idt", idt_keys, 4, NULL);
}

/* ------------------------------------------------------------ tss: */

int sc_p_tss(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	struct scenario *sc = y->sc;
	struct sc_tss *t = &sc->tss;
	t->given = true;
	t->mark = y_mark(v);
	t->sel = -1;
	t->bits = sc->mode == SCM_LONG64 ? 64 : 32;
	if (v->type != YAML_MAPPING_NODE) {
		diag_error(y->d, t->mark.line, t->mark.col, "tss: got %s (expected a mapping such as {sel: 0x28, rsp0: kernel_stack})",
			   y_kind(v));
		return 1;
	}
	if (sc->mode == SCM_REAL) {
		diag_error(y->d, t->mark.line, t->mark.col, "tss: a TSS needs protected mode (expected machine.mode prot32 or long64)");
		return 1;
	}
	int errors = 0;
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
		yaml_node_t *val = yaml_document_get_node(y->doc, p->value);
		struct sc_mark km = y_mark(k);
		const char *key = k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "";
		bool dup = false;
		for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *k2 = yaml_document_get_node(y->doc, q->key);
			dup |= k2->type == YAML_SCALAR_NODE && strcmp((const char *)k2->data.scalar.value, key) == 0;
		}
		if (dup) {
			diag_error(y->d, km.line, km.col, "tss: key '%s' given twice", key);
			errors++;
		} else if (strcmp(key, "at") == 0) {
			errors += sc_num_from(y, val, NUM_LABEL, "tss.at", &t->at);
		} else if (strcmp(key, "va") == 0) {
			errors += sc_num_from(y, val, NUM_PLAIN, "tss.va", &t->va);
		} else if (strcmp(key, "sel") == 0) {
			uint64_t x;
			if (sc_u64_from(y, val, "tss.sel", &x)) {
				errors++;
				continue;
			}
			t->sel_at = y_mark(val);
			if (x == 0 || x > 0xfff8 || (x & 7)) {
				diag_error(y->d, t->sel_at.line, t->sel_at.col,
					   "tss.sel: 0x%llx is not a GDT slot (expected a multiple of 8 from 0x08 to 0xfff8)",
					   (unsigned long long)x);
				errors++;
				continue;
			}
			t->sel = (int)x;
		} else {
			int f = sc_tss_field(t->bits, key);
			if (f < 0) {
				diag_error(y->d, km.line, km.col, "tss: unknown key '%s' for a %d-bit TSS (expected at, va, sel or a field: %s)",
					   key, t->bits, sc_tss_field_names(t->bits));
				errors++;
				continue;
			}
			struct sc_tss_val *fv = sc_push(sc, (void **)&t->f, &t->n, &t->cap, sizeof *fv);
			if (!fv)
				return errors + 1;
			fv->field = f;
			char what[40];
			snprintf(what, sizeof what, "tss.%s", key);
			errors += sc_num_from(y, val, NUM_LABEL, what, &fv->v);
		}
	}
	return errors;
}

/* ------------------------------------------------------------ paging: */

static const struct {
	const char *name;    /* as written */
	enum sc_pgfmt fmt;   /* which */
} pg_names[] = {
	{ "32-bit", PGF_32BIT }, { "pae", PGF_PAE }, { "4-level", PGF_4LEVEL }, { "5-level", PGF_5LEVEL },
};

const char *sc_pgfmt_name(enum sc_pgfmt f)
{
	for (size_t i = 0; i < sizeof pg_names / sizeof pg_names[0]; i++)
		if (pg_names[i].fmt == f)
			return pg_names[i].name;
	return "none";
}

static const struct {
	const char *name;    /* flag as written */
	uint32_t bit;        /* MAPF_* */
} map_flags[] = {
	{ "w", MAPF_W }, { "u", MAPF_U }, { "nx", MAPF_NX }, { "g", MAPF_G }, { "pwt", MAPF_PWT },
	{ "pcd", MAPF_PCD }, { "a", MAPF_A }, { "d", MAPF_D }, { "np", MAPF_NP },
};

static int flag_word(struct yctx *y, struct sc_mark m, const char *s, size_t n, uint32_t *flags)
{
	for (size_t i = 0; i < sizeof map_flags / sizeof map_flags[0]; i++) {
		if (strlen(map_flags[i].name) == n && strncasecmp(map_flags[i].name, s, n) == 0) {
			*flags |= map_flags[i].bit;
			return 0;
		}
	}
	diag_error(y->d, m.line, m.col, "flags: unknown page flag '%.*s' (expected w, u, nx, g, pwt, pcd, a, d or np)", (int)n, s);
	return 1;
}

static int mp_flags(struct yctx *y, yaml_node_t *v, void *o)
{
	struct sc_map *mp = o;
	struct sc_mark m = y_mark(v);
	int errors = 0;
	if (v->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
			yaml_node_t *e = yaml_document_get_node(y->doc, *it);
			if (e->type != YAML_SCALAR_NODE) {
				struct sc_mark em = y_mark(e);
				diag_error(y->d, em.line, em.col, "flags: a list item is %s (expected a flag name such as w or nx)", y_kind(e));
				errors++;
				continue;
			}
			errors += flag_word(y, y_mark(e), (const char *)e->data.scalar.value, e->data.scalar.length, &mp->flags);
		}
		return errors;
	}
	if (v->type != YAML_SCALAR_NODE) {
		diag_error(y->d, m.line, m.col, "flags: got %s (expected a list such as [w, u] or a string such as \"w u nx\")", y_kind(v));
		return 1;
	}
	const char *s = (const char *)v->data.scalar.value;
	while (*s) {
		while (*s == ' ' || *s == ',')
			s++;
		size_t n = 0;
		while (s[n] && s[n] != ' ' && s[n] != ',')
			n++;
		if (n)
			errors += flag_word(y, m, s, n, &mp->flags);
		s += n;
	}
	return errors;
}

static int mp_va(struct yctx *y, yaml_node_t *v, void *o)
{
	return sc_num_from(y, v, NUM_PLAIN, "va", &((struct sc_map *)o)->va);
}

static int mp_pa(struct yctx *y, yaml_node_t *v, void *o)
{
	return sc_num_from(y, v, NUM_LABEL, "pa", &((struct sc_map *)o)->pa);
}

static int mp_size(struct yctx *y, yaml_node_t *v, void *o)
{
	struct sc_map *mp = o;
	mp->page_at = y_mark(v);
	if (sc_u64_from(y, v, "size", &mp->page))
		return 1;
	if (mp->page != (4ull << 10) && mp->page != (2ull << 20) && mp->page != (4ull << 20) && mp->page != (1ull << 30)) {
		diag_error(y->d, mp->page_at.line, mp->page_at.col, "size: %s is not a page size (expected 4K, 2M, 4M or 1G)",
			   (const char *)v->data.scalar.value);
		return 1;
	}
	return 0;
}

int sc_page_count_from(struct yctx *y, yaml_node_t *v, uint64_t *count)
{
	if (sc_u64_from(y, v, "count", count))
		return 1;
	if (*count == 0 || *count > (1u << 20)) {
		struct sc_mark m = y_mark(v);
		diag_error(y->d, m.line, m.col, "count: %llu pages (expected 1 to 1048576)", (unsigned long long)*count);
		return 1;
	}
	return 0;
}

static int mp_count(struct yctx *y, yaml_node_t *v, void *o)
{
	struct sc_map *mp = o;
	return sc_page_count_from(y, v, &mp->count);
}

static const struct sc_key map_keys[] = {
	{ "va", mp_va }, { "pa", mp_pa }, { "size", mp_size }, { "count", mp_count }, { "flags", mp_flags },
};

static int pg_mode(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	struct sc_paging *pg = &y->sc->paging;
	char *s;
	if (sc_str_from(y, v, "paging.mode", &s))
		return 1;
	pg->fmt_at = y_mark(v);
	for (size_t i = 0; i < sizeof pg_names / sizeof pg_names[0]; i++)
		if (strcmp(s, pg_names[i].name) == 0) {
			pg->fmt = pg_names[i].fmt;
			return 0;
		}
	diag_error(y->d, pg->fmt_at.line, pg->fmt_at.col, "paging.mode: unknown paging mode '%s' (expected 32-bit, pae, 4-level or 5-level)", s);
	return 1;
}

static int pg_at(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	return sc_num_from(y, v, NUM_LABEL, "paging.at", &y->sc->paging.at);
}

static int pg_map(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	struct scenario *sc = y->sc;
	struct sc_paging *pg = &sc->paging;
	struct sc_mark m = y_mark(v);
	if (v->type != YAML_SEQUENCE_NODE) {
		diag_error(y->d, m.line, m.col, "paging.map: got %s (expected a list of mappings such as '- {va: 0, pa: 0, size: 2M, flags: [w]}')",
			   y_kind(v));
		return 1;
	}
	int errors = 0;
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(y->doc, *it);
		struct sc_map *mp = sc_push(sc, (void **)&pg->m, &pg->n, &pg->cap, sizeof *mp);
		if (!mp)
			return errors + 1;
		mp->mark = y_mark(e);
		mp->page = 4096;
		mp->page_at = mp->mark;
		mp->count = 1;
		int err = sc_walk_map(y, e, "paging.map entry", map_keys, (int)(sizeof map_keys / sizeof map_keys[0]), mp);
		errors += err;
		if (!err && !mp->va.set) {
			diag_error(y->d, mp->mark.line, mp->mark.col, "paging.map entry: no va (expected the linear address of the first page)");
			errors++;
		}
	}
	return errors;
}

static const struct sc_key paging_keys[] = { { "mode", pg_mode }, { "at", pg_at }, { "map", pg_map } };

int sc_p_paging(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	struct sc_paging *pg = &y->sc->paging;
	pg->given = true;
	pg->mark = y_mark(v);
	pg->fmt_at = pg->mark;
	int errors = sc_walk_map(y, v, "paging", paging_keys, 3, NULL);
	if (errors)
		return errors;
	if (pg->n == 0) {
		diag_error(y->d, pg->mark.line, pg->mark.col, "paging: no map (expected map: with at least one mapping)");
		return 1;
	}
	return 0;
}
