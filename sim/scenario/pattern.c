/* pattern.c - event patterns ({kind: exception, vector: "#GP"}): parsing, matching, describing. */
#include <stdio.h>
#include <string.h>

#include "../trace/evfield.h"
#include "../vmx/vmx.h"
#include "internal.h"

/* Kinds the format reserves for work that has not landed yet. */
static const struct {
	const char *name;   /* as a pattern would write it */
	const char *issue;  /* what brings it */
} future_kinds[] = {
	{ "tlb-hit", "the TLB model" }, { "pwc-hit", "the TLB model" },
};

static void kind_list(char *buf, size_t len)
{
	size_t pos = 0;
	buf[0] = 0;
	for (int k = 0; k < EV_KIND_COUNT && pos < len; k++)
		pos += (size_t)snprintf(buf + pos, len - pos, "%s%s", k ? ", " : "", ev_kind_name((enum ev_kind)k));
}

static int parse_kind(struct yctx *y, yaml_node_t *v, const char *where, int *kind)
{
	struct sc_mark m = y_mark(v);
	char kinds[256];
	kind_list(kinds, sizeof kinds);
	if (v->type != YAML_SCALAR_NODE) {
		diag_error(y->d, m.line, m.col, "%s kind: got %s (expected one of: %s)", where, y_kind(v), kinds);
		return 1;
	}
	const char *s = (const char *)v->data.scalar.value;
	int k = ev_kind_from_name(s);
	if (k >= 0) {
		*kind = k;
		return 0;
	}
	for (size_t i = 0; i < sizeof future_kinds / sizeof future_kinds[0]; i++) {
		if (strcmp(s, future_kinds[i].name) == 0) {
			diag_error(y->d, m.line, m.col, "%s kind: '%s' events are not emitted yet (they arrive with %s; expected one of: %s)",
				   where, s, future_kinds[i].issue, kinds);
			return 1;
		}
	}
	diag_error(y->d, m.line, m.col, "%s kind: unknown event kind '%s' (expected one of: %s)", where, s, kinds);
	return 1;
}

static int stop_from_name(const char *s)
{
	for (int r = STOP_HLT; r <= STOP_REQUEST; r++)
		if (strcmp(stop_reason_name((enum stop_reason)r), s) == 0)
			return r;
	return -1;
}

static int parse_field(struct yctx *y, yaml_node_t *v, const char *where, const struct ev_field *f, struct sc_num *out)
{
	struct sc_mark m = y_mark(v);
	char what[64];
	snprintf(what, sizeof what, "%s %s", where, f->name);
	switch (f->type) {
	case EVF_VECTOR:
		if (v->type == YAML_SCALAR_NODE) {
			int vec = ev_vector_from_name((const char *)v->data.scalar.value);
			if (vec >= 0) {
				*out = (struct sc_num){ .set = true, .at = m, .v = (uint64_t)vec };
				return 0;
			}
		}
		if (sc_num_from(y, v, NUM_PLAIN, what, out))
			return 1;
		if (out->v > 255) {
			diag_error(y->d, m.line, m.col, "%s: %llu is not a vector (expected 0-255 or a name such as \"#GP\")", what,
				   (unsigned long long)out->v);
			return 1;
		}
		return 0;
	case EVF_BOOL: {
		bool b;
		if (sc_bool_from(y, v, what, &b))
			return 1;
		*out = (struct sc_num){ .set = true, .at = m, .v = b };
		return 0;
	}
	case EVF_REASON: {
		int r = v->type == YAML_SCALAR_NODE ? vmx_exit_reason_parse((const char *)v->data.scalar.value) : -1;
		if (r < 0) {
			diag_error(y->d, m.line, m.col, "%s: not a VM exit reason (expected a name such as EPT_VIOLATION or hlt, or a number from SDM Vol. 3C, Appendix C)",
				   what);
			return 1;
		}
		*out = (struct sc_num){ .set = true, .at = m, .v = (uint64_t)r };
		return 0;
	}
	case EVF_STOP: {
		int r = v->type == YAML_SCALAR_NODE ? stop_from_name((const char *)v->data.scalar.value) : -1;
		if (r < 0) {
			diag_error(y->d, m.line, m.col, "%s: not a stop reason (expected hlt, hlt-idle, exit-port, max-insns, shutdown or request)",
				   what);
			return 1;
		}
		*out = (struct sc_num){ .set = true, .at = m, .v = (uint64_t)r };
		return 0;
	}
	case EVF_TEXT:
		diag_error(y->d, m.line, m.col, "%s: '%s' is text and patterns compare numbers (expected another field)", what, f->name);
		return 1;
	default:
		return sc_num_from(y, v, NUM_LABEL, what, out);
	}
}

int sc_parse_pattern(struct yctx *y, yaml_node_t *n, const char *where, struct sc_pattern *p,
		     const char *const *extra, int nextra)
{
	*p = (struct sc_pattern){ .mark = y_mark(n), .kind = -1 };
	if (n->type == YAML_SCALAR_NODE)
		return parse_kind(y, n, where, &p->kind);
	if (n->type != YAML_MAPPING_NODE) {
		diag_error(y->d, p->mark.line, p->mark.col,
			   "%s: got %s (expected an event pattern such as {kind: exception, vector: \"#GP\"} or a kind name)", where, y_kind(n));
		return 1;
	}
	/* The kind first: it decides which fields exist. */
	yaml_node_t *kind_node = NULL;
	for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < n->data.mapping.pairs.top; q++) {
		yaml_node_t *k = yaml_document_get_node(y->doc, q->key);
		if (k->type == YAML_SCALAR_NODE && strcmp((const char *)k->data.scalar.value, "kind") == 0)
			kind_node = yaml_document_get_node(y->doc, q->value);
	}
	if (!kind_node) {
		diag_error(y->d, p->mark.line, p->mark.col, "%s: no kind (expected e.g. kind: exception)", where);
		return 1;
	}
	if (parse_kind(y, kind_node, where, &p->kind))
		return 1;
	int errors = 0;
	for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < n->data.mapping.pairs.top; q++) {
		yaml_node_t *k = yaml_document_get_node(y->doc, q->key);
		yaml_node_t *v = yaml_document_get_node(y->doc, q->value);
		struct sc_mark km = y_mark(k);
		if (k->type != YAML_SCALAR_NODE) {
			diag_error(y->d, km.line, km.col, "%s: a key is %s (expected a field name)", where, y_kind(k));
			errors++;
			continue;
		}
		const char *key = (const char *)k->data.scalar.value;
		if (strcmp(key, "kind") == 0)
			continue;
		bool is_extra = false;
		for (int i = 0; i < nextra; i++)
			is_extra |= strcmp(extra[i], key) == 0;
		if (is_extra)
			continue;
		const struct ev_field *f = ev_field_find((enum ev_kind)p->kind, key);
		if (!f) {
			int nf;
			const struct ev_field *all = ev_fields((enum ev_kind)p->kind, &nf);
			char list[256] = "";
			size_t pos = 0;
			for (int i = 0; i < nf; i++)
				if (all[i].type != EVF_TEXT)
					pos += (size_t)snprintf(list + pos, sizeof list - pos, "%s%s", pos ? ", " : "", all[i].name);
			for (int i = 0; i < nextra; i++)
				pos += (size_t)snprintf(list + pos, sizeof list - pos, "%s%s", pos ? ", " : "", extra[i]);
			diag_error(y->d, km.line, km.col, "%s: '%s' events have no field '%s' (expected %s%s)", where,
				   ev_kind_name((enum ev_kind)p->kind), key, pos ? "one of: " : "no fields besides kind", list);
			errors++;
			continue;
		}
		bool dup = false;
		for (int i = 0; i < p->n; i++)
			dup |= p->f[i].f == f;
		if (dup) {
			diag_error(y->d, km.line, km.col, "%s: field '%s' given twice", where, key);
			errors++;
			continue;
		}
		if (p->n == SC_PATTERN_FIELDS) {
			diag_error(y->d, km.line, km.col, "%s: too many fields (at most %d)", where, SC_PATTERN_FIELDS);
			errors++;
			continue;
		}
		p->f[p->n].f = f;
		if (parse_field(y, v, where, f, &p->f[p->n].v))
			errors++;
		else
			p->n++;
	}
	return errors;
}

int sc_resolve_pattern(struct scenario *sc, struct diag *d, struct sc_pattern *p)
{
	int errors = 0;
	for (int i = 0; i < p->n; i++)
		errors += sc_resolve(sc, d, &p->f[i].v, false, &p->f[i].want);
	return errors;
}

bool sc_pattern_match(const struct sc_pattern *p, const struct event *e)
{
	if ((int)e->kind != p->kind)
		return false;
	for (int i = 0; i < p->n; i++)
		if (p->f[i].f->get(e) != p->f[i].want)
			return false;
	return true;
}

static int put_value(char *buf, size_t len, enum evf_type t, uint64_t v)
{
	switch (t) {
	case EVF_VECTOR: {
		const char *n = ev_vector_name((unsigned)v);
		return n ? snprintf(buf, len, "%s", n) : snprintf(buf, len, "%llu", (unsigned long long)v);
	}
	case EVF_BOOL: return snprintf(buf, len, "%s", v ? "yes" : "no");
	case EVF_STOP: return snprintf(buf, len, "%s", stop_reason_name((enum stop_reason)v));
	case EVF_REASON: {
		const char *n = vmx_exit_reason_name((unsigned)v);
		return n ? snprintf(buf, len, "%s", n) : snprintf(buf, len, "%llu", (unsigned long long)v);
	}
	case EVF_COUNT: return snprintf(buf, len, "%llu", (unsigned long long)v);
	default: return snprintf(buf, len, "0x%llx", (unsigned long long)v);
	}
}

void sc_pattern_describe(const struct sc_pattern *p, char *buf, size_t len)
{
	size_t pos = (size_t)snprintf(buf, len, "%s", p->kind >= 0 ? ev_kind_name((enum ev_kind)p->kind) : "?");
	for (int i = 0; i < p->n && pos < len; i++) {
		pos += (size_t)snprintf(buf + pos, len - pos, " %s=", p->f[i].f->name);
		if (pos < len)
			pos += (size_t)put_value(buf + pos, len - pos, p->f[i].f->type, p->f[i].want);
	}
}

void sc_event_describe(const struct event *e, char *buf, size_t len)
{
	size_t pos = (size_t)snprintf(buf, len, "%s", ev_kind_name(e->kind));
	int n;
	const struct ev_field *f = ev_fields(e->kind, &n);
	const char *why = NULL;
	for (int i = 0; i < n && pos < len; i++) {
		if (f[i].type == EVF_TEXT) {
			if (strcmp(f[i].name, "why") == 0 && f[i].text(e)[0])
				why = f[i].text(e);
			continue;
		}
		/* Leave out the error code of exceptions that push none. */
		if (strcmp(f[i].name, "error") == 0 && ev_field_find(e->kind, "has_error") &&
		    !ev_field_find(e->kind, "has_error")->get(e))
			continue;
		if (strcmp(f[i].name, "has_error") == 0)
			continue;
		pos += (size_t)snprintf(buf + pos, len - pos, " %s=", f[i].name);
		if (pos < len)
			pos += (size_t)put_value(buf + pos, len - pos, f[i].type, f[i].get(e));
	}
	if (pos < len)
		pos += (size_t)snprintf(buf + pos, len - pos, " (insn %llu, cycle %llu)", (unsigned long long)e->icount,
					(unsigned long long)e->cycles);
	if (why && pos < len)
		snprintf(buf + pos, len - pos, ": %s", why);
}
