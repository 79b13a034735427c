/* parse_expect.c - the expect: section: final state, event counts and order, bounds, outcome. */
#include <stdio.h>
#include <string.h>

#include "../trace/evfield.h"
#include "internal.h"
#include "parse.h"

/* A count: N, or {min: A, max: B} with either side optional. */
static int r_min(struct yctx *y, yaml_node_t *v, void *o)
{
	return sc_u64_from(y, v, "min", &((struct sc_range *)o)->min);
}

static int r_max(struct yctx *y, yaml_node_t *v, void *o)
{
	return sc_u64_from(y, v, "max", &((struct sc_range *)o)->max);
}

static const struct sc_key range_keys[] = { { "min", r_min }, { "max", r_max } };

static int parse_range(struct yctx *y, yaml_node_t *v, const char *what, struct sc_range *r)
{
	*r = (struct sc_range){ .set = true, .mark = y_mark(v), .min = 0, .max = UINT64_MAX };
	if (v->type == YAML_MAPPING_NODE) {
		int errors = sc_walk_map(y, v, what, range_keys, 2, r);
		if (!errors && r->min > r->max) {
			diag_error(y->d, r->mark.line, r->mark.col, "%s: min %llu is above max %llu (expected min <= max)", what, (unsigned long long)r->min,
				   (unsigned long long)r->max);
			errors++;
		}
		return errors;
	}
	if (v->type != YAML_SCALAR_NODE) {
		diag_error(y->d, r->mark.line, r->mark.col, "%s: got %s (expected a count such as 3, or {min: 1, max: 5})", what, y_kind(v));
		return 1;
	}
	if (sc_u64_from(y, v, what, &r->min))
		return 1;
	r->max = r->min;
	return 0;
}

static int e_stop(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	struct sc_expect *ex = &y->sc->ex;
	char *s;
	if (sc_str_from(y, v, "expect.stop", &s))
		return 1;
	ex->stop_at = y_mark(v);
	static const struct {
		const char *name;     /* as written */
		int reason;           /* enum stop_reason, or -2 for "limit" */
	} names[] = { { "hlt", STOP_HLT }, { "hlt-idle", STOP_HLT_IDLE }, { "exit-port", STOP_EXIT_PORT },
		      { "shutdown", STOP_SHUTDOWN }, { "limit", -2 } };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(s, names[i].name) == 0) {
			ex->stop = names[i].reason;
			return 0;
		}
	diag_error(y->d, ex->stop_at.line, ex->stop_at.col, "expect.stop: unknown outcome '%s' (expected hlt, hlt-idle, exit-port, shutdown or limit)", s);
	return 1;
}

static int e_exit_code(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	struct sc_expect *ex = &y->sc->ex;
	uint64_t x;
	ex->exit_at = y_mark(v);
	if (sc_u64_from(y, v, "expect.exit_code", &x))
		return 1;
	if (x > 0x7fffffff) {
		diag_error(y->d, ex->exit_at.line, ex->exit_at.col, "expect.exit_code: %llu is too large (expected the value written to port 0xF4)",
			   (unsigned long long)x);
		return 1;
	}
	ex->exit_code = (int)x;
	return 0;
}

static int e_shutdown(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	bool b;
	y->sc->ex.shutdown_at = y_mark(v);
	if (sc_bool_from(y, v, "expect.shutdown", &b))
		return 1;
	y->sc->ex.shutdown = b;
	return 0;
}

static int e_registers(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	struct scenario *sc = y->sc;
	struct sc_mark m = y_mark(v);
	if (v->type != YAML_MAPPING_NODE) {
		diag_error(y->d, m.line, m.col, "expect.registers: got %s (expected a mapping such as {rax: 42})", y_kind(v));
		return 1;
	}
	int errors = 0;
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
		yaml_node_t *val = yaml_document_get_node(y->doc, p->value);
		struct sc_mark km = y_mark(k);
		const char *name = k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "";
		int id = machine_reg_id(name);
		if (id < 0) {
			const char *cand[VT_REG_COUNT];
			for (int i = 0; i < VT_REG_COUNT; i++)
				cand[i] = machine_reg_name((enum vt_reg)i);
			const char *near = sc_suggest(name, cand, VT_REG_COUNT);
			if (near)
				diag_error(y->d, km.line, km.col, "expect.registers: unknown register '%s' (did you mean '%s'?)", name, near);
			else
				diag_error(y->d, km.line, km.col,
					   "expect.registers: unknown register '%s' (expected rax..r15, rip, rflags, a segment selector, fs_base, gs_base, cr0, cr2, cr3, cr4 or efer)",
					   name);
			errors++;
			continue;
		}
		bool dup = false;
		for (int i = 0; i < sc->ex.nreg; i++)
			dup |= sc->ex.reg[i].reg == id;
		if (dup) {
			diag_error(y->d, km.line, km.col, "expect.registers: '%s' given twice", name);
			errors++;
			continue;
		}
		struct sc_expect_reg *r = sc_push(sc, (void **)&sc->ex.reg, &sc->ex.nreg, &sc->ex.capreg, sizeof *r);
		if (!r)
			return errors + 1;
		r->mark = km;
		r->reg = id;
		char what[40];
		snprintf(what, sizeof what, "expect.registers.%s", name);
		if (id == VT_RFLAGS)
			errors += sc_bits_from(y, val, what, rflags_bits, 2, &r->v);
		else if (id == VT_CR0)
			errors += sc_bits_from(y, val, what, cr0_bits, 0, &r->v);
		else if (id == VT_CR4)
			errors += sc_bits_from(y, val, what, cr4_bits, 0, &r->v);
		else if (id == VT_EFER)
			errors += sc_bits_from(y, val, what, efer_bits, 0, &r->v);
		else
			errors += sc_num_from(y, val, NUM_SIGNED | NUM_LABEL, what, &r->v);
	}
	return errors;
}

static int e_flags(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	struct scenario *sc = y->sc;
	struct sc_mark m = y_mark(v);
	if (v->type != YAML_MAPPING_NODE) {
		diag_error(y->d, m.line, m.col, "expect.flags: got %s (expected a mapping such as {cf: 1, zf: 0})", y_kind(v));
		return 1;
	}
	int errors = 0;
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
		yaml_node_t *val = yaml_document_get_node(y->doc, p->value);
		struct sc_mark km = y_mark(k);
		const char *name = k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "";
		int idx = -1;
		for (int i = 0; rflags_bits[i].name; i++)
			if (strcasecmp(rflags_bits[i].name, name) == 0 && strncmp(name, "iopl", 4) != 0)
				idx = i;
		if (idx < 0) {
			diag_error(y->d, km.line, km.col,
				   "expect.flags: unknown flag '%s' (expected cf, pf, af, zf, sf, tf, if, df, of, nt, rf, vm, ac, vif, vip or id; check IOPL through expect.registers.rflags)",
				   name);
			errors++;
			continue;
		}
		struct sc_expect_flag *f = sc_push(sc, (void **)&sc->ex.flag, &sc->ex.nflag, &sc->ex.capflag, sizeof *f);
		if (!f)
			return errors + 1;
		f->mark = km;
		f->name = rflags_bits[idx].name;
		f->bit = rflags_bits[idx].bit;
		char what[32];
		snprintf(what, sizeof what, "expect.flags.%s", name);
		errors += sc_bool_from(y, val, what, &f->v);
	}
	return errors;
}

/* memory: [{at: ADDR, u32: V}, {at: ADDR, bytes: "..."}, {at: ADDR, string: "..."}] */
struct mem_ctx {
	struct sc_expect_mem *e;  /* the entry */
	int content;              /* content keys given */
};

static int em_at(struct yctx *y, yaml_node_t *v, void *o)
{
	return sc_num_from(y, v, NUM_LABEL, "expect.memory at", &((struct mem_ctx *)o)->e->at);
}

static int em_number(struct yctx *y, yaml_node_t *v, void *o, int width)
{
	struct mem_ctx *c = o;
	struct sc_num n;
	char what[40];
	snprintf(what, sizeof what, "expect.memory u%d", width * 8);
	c->content++;
	if (sc_num_from(y, v, NUM_SIGNED | NUM_LABEL, what, &n))
		return 1;
	if (n.label) {
		struct sc_mark m = y_mark(v);
		diag_error(y->d, m.line, m.col, "%s: labels are not allowed in memory contents yet (expected a number)", what);
		return 1;
	}
	if (width < 8 && n.v >> (width * 8) && (n.v >> (width * 8)) != (UINT64_MAX >> (width * 8))) {
		struct sc_mark m = y_mark(v);
		diag_error(y->d, m.line, m.col, "%s: 0x%llx does not fit in %d bits (expected a value below 0x%llx)", what,
			   (unsigned long long)n.v, width * 8, (unsigned long long)(1ull << (width * 8)));
		return 1;
	}
	c->e->bytes = sc_alloc(y->sc, (size_t)width);
	if (!c->e->bytes)
		return 1;
	for (int i = 0; i < width; i++)
		c->e->bytes[i] = (uint8_t)(n.v >> (8 * i));
	c->e->len = (size_t)width;
	c->e->width = width;
	return 0;
}

static int em_u8(struct yctx *y, yaml_node_t *v, void *o) { return em_number(y, v, o, 1); }
static int em_u16(struct yctx *y, yaml_node_t *v, void *o) { return em_number(y, v, o, 2); }
static int em_u32(struct yctx *y, yaml_node_t *v, void *o) { return em_number(y, v, o, 4); }
static int em_u64(struct yctx *y, yaml_node_t *v, void *o) { return em_number(y, v, o, 8); }

static int em_bytes(struct yctx *y, yaml_node_t *v, void *o)
{
	struct mem_ctx *c = o;
	c->content++;
	return sc_bytes_from(y, v, "expect.memory bytes", &c->e->bytes, &c->e->len);
}

static int em_string(struct yctx *y, yaml_node_t *v, void *o)
{
	struct mem_ctx *c = o;
	char *s;
	c->content++;
	if (sc_str_from(y, v, "expect.memory string", &s))
		return 1;
	c->e->bytes = (uint8_t *)s;
	c->e->len = v->data.scalar.length;
	c->e->text = true;
	if (c->e->len == 0) {
		struct sc_mark m = y_mark(v);
		diag_error(y->d, m.line, m.col, "expect.memory string: empty (expected at least one character)");
		return 1;
	}
	return 0;
}

static const struct sc_key mem_keys[] = {
	{ "at", em_at }, { "u8", em_u8 }, { "u16", em_u16 }, { "u32", em_u32 }, { "u64", em_u64 },
	{ "bytes", em_bytes }, { "string", em_string },
};

static int e_memory(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	struct scenario *sc = y->sc;
	struct sc_mark m = y_mark(v);
	if (v->type != YAML_SEQUENCE_NODE) {
		diag_error(y->d, m.line, m.col, "expect.memory: got %s (expected a list such as '- {at: result, u32: 42}')", y_kind(v));
		return 1;
	}
	int errors = 0;
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(y->doc, *it);
		struct sc_expect_mem *em = sc_push(sc, (void **)&sc->ex.mem, &sc->ex.nmem, &sc->ex.capmem, sizeof *em);
		if (!em)
			return errors + 1;
		em->mark = y_mark(e);
		struct mem_ctx c = { em, 0 };
		int err = sc_walk_map(y, e, "expect.memory entry", mem_keys, (int)(sizeof mem_keys / sizeof mem_keys[0]), &c);
		errors += err;
		if (err)
			continue;
		if (!em->at.set || c.content != 1) {
			diag_error(y->d, em->mark.line, em->mark.col,
				   "expect.memory entry: %s (expected at: and exactly one of u8, u16, u32, u64, bytes, string)",
				   !em->at.set ? "no at:" : c.content ? "more than one value" : "no value");
			errors++;
		}
	}
	return errors;
}

static int e_console(struct yctx *y, yaml_node_t *v, void *o, bool contains)
{
	(void)o;
	struct sc_expect *ex = &y->sc->ex;
	if (ex->console_set) {
		struct sc_mark m = y_mark(v);
		diag_error(y->d, m.line, m.col, "expect: console and console_contains together (expected one of them)");
		return 1;
	}
	if (sc_str_from(y, v, contains ? "expect.console_contains" : "expect.console", &ex->console))
		return 1;
	ex->console_len = v->data.scalar.length;
	ex->console_set = true;
	ex->console_contains = contains;
	ex->console_at = y_mark(v);
	return 0;
}

static int e_console_exact(struct yctx *y, yaml_node_t *v, void *o) { return e_console(y, v, o, false); }
static int e_console_contains(struct yctx *y, yaml_node_t *v, void *o) { return e_console(y, v, o, true); }

static int e_insns(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	return parse_range(y, v, "expect.instructions", &y->sc->ex.insns);
}

static int e_cycles(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	return parse_range(y, v, "expect.cycles", &y->sc->ex.cycles);
}

static int e_events(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	struct scenario *sc = y->sc;
	struct sc_mark m = y_mark(v);
	if (v->type != YAML_SEQUENCE_NODE) {
		diag_error(y->d, m.line, m.col,
			   "expect.events: got %s (expected a list of counts such as '- {kind: exception, vector: \"#GP\", count: 1}')", y_kind(v));
		return 1;
	}
	static const char *const extra[] = { "count" };
	int errors = 0;
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(y->doc, *it);
		struct sc_expect_count *c = sc_push(sc, (void **)&sc->ex.cnt, &sc->ex.ncnt, &sc->ex.capcnt, sizeof *c);
		if (!c)
			return errors + 1;
		c->mark = y_mark(e);
		if (e->type != YAML_MAPPING_NODE) {
			diag_error(y->d, c->mark.line, c->mark.col,
				   "expect.events entry: got %s (expected a pattern with a count, e.g. {kind: io, port: 0xe9, count: 5})", y_kind(e));
			errors++;
			continue;
		}
		int err = sc_parse_pattern(y, e, "expect.events entry", &c->p, extra, 1);
		errors += err;
		if (err)
			continue;
		yaml_node_t *count = NULL;
		for (yaml_node_pair_t *p = e->data.mapping.pairs.start; p < e->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
			if (k->type == YAML_SCALAR_NODE && strcmp((const char *)k->data.scalar.value, "count") == 0)
				count = yaml_document_get_node(y->doc, p->value);
		}
		if (!count) {
			diag_error(y->d, c->mark.line, c->mark.col, "expect.events entry: no count (expected count: N or count: {min: A, max: B})");
			errors++;
			continue;
		}
		errors += parse_range(y, count, "expect.events count", &c->r);
	}
	return errors;
}

/* exceptions: {"#GP": 1, "#PF": {min: 1}} - a shorthand for exception counts by vector. */
static int e_exceptions(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	struct scenario *sc = y->sc;
	struct sc_mark m = y_mark(v);
	if (v->type != YAML_MAPPING_NODE) {
		diag_error(y->d, m.line, m.col, "expect.exceptions: got %s (expected a mapping of vectors to counts such as {\"#GP\": 1, \"#PF\": 0})",
			   y_kind(v));
		return 1;
	}
	int errors = 0;
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
		yaml_node_t *val = yaml_document_get_node(y->doc, p->value);
		struct sc_mark km = y_mark(k);
		int vec = -1;
		if (k->type == YAML_SCALAR_NODE) {
			const char *s = (const char *)k->data.scalar.value;
			uint64_t x;
			const char *why;
			vec = ev_vector_from_name(s);
			if (vec < 0 && sc_parse_u64(s, false, &x, &why) && x < 32)
				vec = (int)x;
		}
		if (vec < 0) {
			diag_error(y->d, km.line, km.col,
				   "expect.exceptions: '%s' is not an exception vector (expected 0-31 or a name such as \"#GP\", quoted)",
				   k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : y_kind(k));
			errors++;
			continue;
		}
		struct sc_expect_count *c = sc_push(sc, (void **)&sc->ex.cnt, &sc->ex.ncnt, &sc->ex.capcnt, sizeof *c);
		if (!c)
			return errors + 1;
		c->mark = km;
		c->p = (struct sc_pattern){ .mark = km, .kind = EV_EXCEPTION, .n = 1 };
		c->p.f[0].f = ev_field_find(EV_EXCEPTION, "vector");
		c->p.f[0].v = (struct sc_num){ .set = true, .at = km, .v = (uint64_t)vec };
		errors += parse_range(y, val, "expect.exceptions count", &c->r);
	}
	return errors;
}

static int e_sequence(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	struct scenario *sc = y->sc;
	struct sc_mark m = y_mark(v);
	sc->ex.seq_mark = m;
	if (v->type != YAML_SEQUENCE_NODE || v->data.sequence.items.top == v->data.sequence.items.start) {
		diag_error(y->d, m.line, m.col,
			   "expect.sequence: got %s (expected a non-empty list of event patterns, in the order they must happen)",
			   v->type == YAML_SEQUENCE_NODE ? "an empty list" : y_kind(v));
		return 1;
	}
	int errors = 0;
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(y->doc, *it);
		struct sc_pattern *p = sc_push(sc, (void **)&sc->ex.seq, &sc->ex.nseq, &sc->ex.capseq, sizeof *p);
		if (!p)
			return errors + 1;
		errors += sc_parse_pattern(y, e, "expect.sequence entry", p, NULL, 0);
	}
	return errors;
}

static const struct sc_key expect_keys[] = {
	{ "stop", e_stop },
	{ "exit_code", e_exit_code },
	{ "shutdown", e_shutdown },
	{ "registers", e_registers },
	{ "flags", e_flags },
	{ "memory", e_memory },
	{ "console", e_console_exact },
	{ "console_contains", e_console_contains },
	{ "instructions", e_insns },
	{ "cycles", e_cycles },
	{ "exceptions", e_exceptions },
	{ "events", e_events },
	{ "sequence", e_sequence },
};

int sc_p_expect(struct yctx *y, yaml_node_t *v, void *o)
{
	return sc_walk_map(y, v, "expect", expect_keys, (int)(sizeof expect_keys / sizeof expect_keys[0]), o);
}
