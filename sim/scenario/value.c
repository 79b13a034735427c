/* value.c - scalars in a scenario: numbers, sizes, label expressions, booleans, strings; the key-table walker. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void *sc_alloc(struct scenario *sc, size_t n)
{
	if (sc->nblocks == sc->capblocks) {
		int cap = sc->capblocks ? sc->capblocks * 2 : 64;
		void **nb = realloc(sc->blocks, (size_t)cap * sizeof *nb);
		if (!nb)
			return NULL;
		sc->blocks = nb;
		sc->capblocks = cap;
	}
	void *p = calloc(1, n ? n : 1);
	if (p)
		sc->blocks[sc->nblocks++] = p;
	return p;
}

char *sc_strndup(struct scenario *sc, const char *s, size_t n)
{
	char *p = sc_alloc(sc, n + 1);
	if (p)
		memcpy(p, s, n);
	return p;
}

char *sc_strdup(struct scenario *sc, const char *s)
{
	return sc_strndup(sc, s, strlen(s));
}

void *sc_push(struct scenario *sc, void **arr, int *n, int *cap, size_t elem)
{
	(void)sc;
	if (*n == *cap) {
		int nc = *cap ? *cap * 2 : 8;
		void *na = realloc(*arr, (size_t)nc * elem);
		if (!na)
			return NULL;
		*arr = na;
		*cap = nc;
	}
	void *p = (char *)*arr + (size_t)*n * elem;
	memset(p, 0, elem);
	(*n)++;
	return p;
}

const char *y_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE: return "a mapping";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_SCALAR_NODE:
		if (n->data.scalar.length == 0 && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
			return "nothing";
		return "a scalar";
	default: return "nothing";
	}
}

/*
 * Numbers: decimal, 0x hex, 0b binary, 0o octal, '_' between digits, an
 * optional K/M/G/T suffix (powers of 1024: sizes and addresses such as 4K,
 * 2M, 1G), and 1e6 for counts. With allow_signed, a leading '-' gives the
 * two's complement (register values). On failure *why says what is wrong.
 */
bool sc_parse_u64(const char *s, bool allow_signed, uint64_t *out, const char **why)
{
	const char *p = s;
	bool neg = false;
	*why = "not a number";
	if (*p == '+' || *p == '-') {
		if (*p == '-' && !allow_signed) {
			*why = "negative numbers are not allowed here";
			return false;
		}
		neg = *p == '-';
		p++;
	}
	unsigned base = 10;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		base = 16, p += 2;
	else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B'))
		base = 2, p += 2;
	else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
		base = 8, p += 2;
	if (!isalnum((unsigned char)*p))
		return false;
	uint64_t v = 0;
	bool digits = false;
	for (; *p; p++) {
		unsigned d;
		if (*p == '_' && digits && p[1] && p[1] != '_')
			continue;
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && isxdigit((unsigned char)*p))
			d = (unsigned)(tolower((unsigned char)*p) - 'a' + 10);
		else
			break;
		if (d >= base) {
			*why = "digit out of range for the base";
			return false;
		}
		if (v > (UINT64_MAX - d) / base) {
			*why = "does not fit in 64 bits";
			return false;
		}
		v = v * base + d;
		digits = true;
	}
	if (!digits)
		return false;
	if (base == 10 && (*p == 'e' || *p == 'E') && isdigit((unsigned char)p[1])) {
		char *end;
		unsigned long ex = strtoul(p + 1, &end, 10);
		for (unsigned long k = 0; k < ex; k++) {
			if (v > UINT64_MAX / 10 || ex > 19) {
				*why = "does not fit in 64 bits";
				return false;
			}
			v *= 10;
		}
		p = end;
	}
	if (*p && !p[1]) {
		unsigned shift = 0;
		switch (*p) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		case 't': case 'T': shift = 40; break;
		default: break;
		}
		if (shift) {
			if (v > (UINT64_MAX >> shift)) {
				*why = "does not fit in 64 bits";
				return false;
			}
			v <<= shift;
			p++;
		}
	}
	if (*p) {
		*why = "unexpected characters after the number";
		return false;
	}
	*out = neg ? (uint64_t)0 - v : v;
	return true;
}

static bool label_start(char c)
{
	return isalpha((unsigned char)c) || c == '_' || c == '.' || c == '?';
}

static bool label_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '?' || c == '$' || c == '@' ||
	       c == '~' || c == '#';
}

static bool is_null_scalar(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (n->data.scalar.length == 0 || strcmp((const char *)n->data.scalar.value, "~") == 0 ||
		strcmp((const char *)n->data.scalar.value, "null") == 0);
}

static int want_scalar(struct yctx *y, yaml_node_t *n, const char *what, const char *expected)
{
	if (n->type == YAML_SCALAR_NODE && !is_null_scalar(n))
		return 0;
	struct sc_mark m = y_mark(n);
	diag_error(y->d, m.line, m.col, "%s: got %s (expected %s)", what, y_kind(n), expected);
	return 1;
}

/*
 * Expressions: terms joined by + and -, each term a product of numbers
 * joined by *; with NUM_LABEL one term may be a label (not multiplied):
 * "0x9000 + 0x33*8", "stack_top - 16", "handler". The result is a label
 * plus a constant, resolved once labels are known.
 */
struct expr {
	const char *s;       /* the text */
	const char *p;       /* cursor */
	int flags;           /* NUM_* */
	const char *label;   /* the label term, if any */
	size_t label_len;    /* its length */
	char why[160];       /* what went wrong */
};

static void skip_spaces(struct expr *e)
{
	while (*e->p == ' ' || *e->p == '\t')
		e->p++;
}

/* One number token: digits, letters (hex digits, suffixes) and '_'. */
static bool number_token(struct expr *e, uint64_t *v)
{
	const char *start = e->p;
	while (isalnum((unsigned char)*e->p) || *e->p == '_')
		e->p++;
	char tok[72];
	size_t n = (size_t)(e->p - start);
	if (n == 0 || n >= sizeof tok) {
		snprintf(e->why, sizeof e->why, n ? "number too long" : "expected a number at '%.20s'", start);
		return false;
	}
	memcpy(tok, start, n);
	tok[n] = 0;
	const char *why;
	if (!sc_parse_u64(tok, false, v, &why)) {
		snprintf(e->why, sizeof e->why, "bad number '%s': %s", tok, why);
		return false;
	}
	return true;
}

static bool term(struct expr *e, bool negative, uint64_t *v, bool *is_label)
{
	skip_spaces(e);
	*is_label = false;
	if (label_start(*e->p) && (e->flags & NUM_LABEL)) {
		const char *start = e->p;
		while (label_char(*e->p))
			e->p++;
		if (e->label) {
			snprintf(e->why, sizeof e->why, "two labels in one expression ('%.*s' and '%.*s')", (int)e->label_len, e->label,
				 (int)(e->p - start), start);
			return false;
		}
		if (negative) {
			snprintf(e->why, sizeof e->why, "a label cannot be subtracted ('-%.*s')", (int)(e->p - start), start);
			return false;
		}
		e->label = start;
		e->label_len = (size_t)(e->p - start);
		skip_spaces(e);
		if (*e->p == '*') {
			snprintf(e->why, sizeof e->why, "a label cannot be multiplied");
			return false;
		}
		*is_label = true;
		*v = 0;
		return true;
	}
	if (!number_token(e, v))
		return false;
	for (;;) {
		skip_spaces(e);
		if (*e->p != '*')
			return true;
		e->p++;
		skip_spaces(e);
		uint64_t f;
		if (!number_token(e, &f))
			return false;
		*v *= f;
	}
}

static bool expression(struct expr *e, uint64_t *v)
{
	*v = 0;
	bool negative = false;
	skip_spaces(e);
	if (*e->p == '-' || *e->p == '+') {
		if (*e->p == '-' && !(e->flags & NUM_SIGNED)) {
			snprintf(e->why, sizeof e->why, "negative numbers are not allowed here");
			return false;
		}
		negative = *e->p++ == '-';
	}
	for (;;) {
		uint64_t t;
		bool is_label;
		if (!term(e, negative, &t, &is_label))
			return false;
		*v = negative ? *v - t : *v + t;
		skip_spaces(e);
		if (*e->p == 0)
			return true;
		if (*e->p != '+' && *e->p != '-') {
			snprintf(e->why, sizeof e->why, "unexpected '%c'", *e->p);
			return false;
		}
		negative = *e->p++ == '-';
	}
}

int sc_num_from(struct yctx *y, yaml_node_t *n, int flags, const char *what, struct sc_num *out)
{
	const char *expected = (flags & NUM_LABEL) ? "a number such as 42, 0x1000 or 4K, or a label such as start or buf+8"
						   : "a number such as 42, 0x1000 or 4K";
	if (want_scalar(y, n, what, expected))
		return 1;
	const char *s = (const char *)n->data.scalar.value;
	struct sc_mark m = y_mark(n);
	*out = (struct sc_num){ .set = true, .at = m };
	const char *why;
	if (sc_parse_u64(s, flags & NUM_SIGNED, &out->v, &why))
		return 0;
	bool simple = true; /* one token: keep sc_parse_u64's message */
	for (const char *p = s; *p; p++)
		simple &= !(*p == '+' || *p == '*' || *p == ' ' || (*p == '-' && p != s));
	if (simple && !((flags & NUM_LABEL) && label_start(*s))) {
		if (isdigit((unsigned char)*s) || *s == '-' || *s == '+')
			diag_error(y->d, m.line, m.col, "%s: bad number '%s': %s (expected %s)", what, s, why, expected);
		else
			diag_error(y->d, m.line, m.col, "%s: '%s' is not a number (expected %s)", what, s, expected);
		return 1;
	}
	struct expr e = { .s = s, .p = s, .flags = flags };
	uint64_t v;
	if (!expression(&e, &v)) {
		diag_error(y->d, m.line, m.col, "%s: '%s': %s (expected %s, or a sum such as 0x9000 + 0x33*8%s)", what, s, e.why,
			   expected, (flags & NUM_LABEL) ? " or handler+2" : "");
		return 1;
	}
	out->v = v;
	if (e.label) {
		out->label = sc_strndup(y->sc, e.label, e.label_len);
		if (!out->label)
			return 1;
	}
	return 0;
}

int sc_u64_from(struct yctx *y, yaml_node_t *n, const char *what, uint64_t *out)
{
	struct sc_num v;
	if (sc_num_from(y, n, NUM_PLAIN, what, &v))
		return 1;
	*out = v.v;
	return 0;
}

int sc_bool_from(struct yctx *y, yaml_node_t *n, const char *what, bool *out)
{
	if (want_scalar(y, n, what, "yes or no"))
		return 1;
	static const char *const t[] = { "yes", "true", "on", "y", "1" };
	static const char *const f[] = { "no", "false", "off", "n", "0" };
	const char *s = (const char *)n->data.scalar.value;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (strcasecmp(s, t[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, f[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	struct sc_mark m = y_mark(n);
	diag_error(y->d, m.line, m.col, "%s: '%s' is not a boolean (expected yes or no)", what, s);
	return 1;
}

int sc_str_from(struct yctx *y, yaml_node_t *n, const char *what, char **out)
{
	if (n->type != YAML_SCALAR_NODE) {
		struct sc_mark m = y_mark(n);
		diag_error(y->d, m.line, m.col, "%s: got %s (expected a string)", what, y_kind(n));
		return 1;
	}
	*out = sc_strndup(y->sc, (const char *)n->data.scalar.value, n->data.scalar.length);
	return *out ? 0 : 1;
}

const struct sc_label *sc_label_find(const struct scenario *sc, const char *name)
{
	for (int i = 0; i < sc->nlab; i++)
		if (strcmp(sc->lab[i].name, name) == 0)
			return &sc->lab[i];
	return NULL;
}

bool scenario_label(const struct scenario *sc, const char *name, uint64_t *va, uint64_t *pa)
{
	const struct sc_label *l = sc_label_find(sc, name);
	if (!l)
		return false;
	if (va)
		*va = l->va;
	if (pa)
		*pa = l->pa;
	return true;
}

/* Levenshtein distance, capped: for "did you mean". */
static int distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 63 || lb > 63)
		return 99;
	int row[64];
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int prev = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int cur = row[j];
			int sub = prev + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
			int best = sub;
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

const char *sc_suggest(const char *word, const char *const *cand, int n)
{
	const char *best = NULL;
	int bd = 99;
	for (int i = 0; i < n; i++) {
		int dd = distance(word, cand[i]);
		if (dd < bd) {
			bd = dd;
			best = cand[i];
		}
	}
	size_t len = strlen(word);
	int allowed = len <= 3 ? 1 : len <= 6 ? 2 : 3;
	return bd <= allowed ? best : NULL;
}

const char *sc_label_suggest(const struct scenario *sc, const char *name)
{
	const char *best = NULL;
	int bd = 99;
	for (int i = 0; i < sc->nlab; i++) {
		int dd = distance(name, sc->lab[i].name);
		if (dd < bd) {
			bd = dd;
			best = sc->lab[i].name;
		}
	}
	size_t len = strlen(name);
	int allowed = len <= 3 ? 1 : len <= 6 ? 2 : 3;
	return bd <= allowed ? best : NULL;
}

int sc_resolve(struct scenario *sc, struct diag *d, const struct sc_num *n, bool physical, uint64_t *out)
{
	if (!n->label) {
		*out = n->v;
		return 0;
	}
	const struct sc_label *l = sc_label_find(sc, n->label);
	if (!l) {
		const char *near = sc_label_suggest(sc, n->label);
		if (near)
			diag_error(d, n->at.line, n->at.col, "unknown label '%s' (did you mean '%s'?)", n->label, near);
		else if (sc->nlab == 0)
			diag_error(d, n->at.line, n->at.col,
				   "unknown label '%s' (expected a label defined in an asm:, asm_file: or elf: entry of memory:, and there are none)",
				   n->label);
		else
			diag_error(d, n->at.line, n->at.col,
				   "unknown label '%s' (expected a label defined in an asm:, asm_file: or elf: entry of memory:)",
				   n->label);
		return 1;
	}
	*out = (physical ? l->pa : l->va) + n->v;
	return 0;
}

int sc_walk_map(struct yctx *y, yaml_node_t *map, const char *where, const struct sc_key *keys, int nkeys,
		void *obj)
{
	struct sc_mark mm = y_mark(map);
	if (map->type != YAML_MAPPING_NODE) {
		char list[512] = "";
		size_t pos = 0;
		for (int i = 0; i < nkeys && pos < sizeof list; i++)
			pos += (size_t)snprintf(list + pos, sizeof list - pos, "%s%s", i ? ", " : "", keys[i].key);
		diag_error(y->d, mm.line, mm.col, "%s: got %s (expected a mapping with keys %s)", where, y_kind(map), list);
		return 1;
	}
	int errors = 0;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(y->doc, p->value);
		struct sc_mark km = y_mark(k);
		if (k->type != YAML_SCALAR_NODE) {
			diag_error(y->d, km.line, km.col, "%s: a key is %s (expected a name)", where, y_kind(k));
			errors++;
			continue;
		}
		const char *name = (const char *)k->data.scalar.value;
		/* The same key twice: YAML leaves it to the application. */
		for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *k2 = yaml_document_get_node(y->doc, q->key);
			if (k2->type == YAML_SCALAR_NODE && strcmp((const char *)k2->data.scalar.value, name) == 0) {
				struct sc_mark m2 = y_mark(k2);
				diag_error(y->d, km.line, km.col, "%s: key '%s' given twice (first at line %d; expected each key once)", where, name, m2.line);
				errors++;
				goto next;
			}
		}
		int row = -1;
		for (int i = 0; i < nkeys; i++)
			if (strcmp(keys[i].key, name) == 0)
				row = i;
		if (row < 0) {
			const char *cand[64];
			int nc = nkeys < 64 ? nkeys : 64;
			for (int i = 0; i < nc; i++)
				cand[i] = keys[i].key;
			const char *near = sc_suggest(name, cand, nc);
			char list[512] = "";
			size_t pos = 0;
			for (int i = 0; i < nkeys && pos < sizeof list; i++)
				pos += (size_t)snprintf(list + pos, sizeof list - pos, "%s%s", i ? ", " : "", keys[i].key);
			if (near)
				diag_error(y->d, km.line, km.col, "%s: unknown key '%s' (did you mean '%s'? expected one of: %s)",
					   where, name, near, list);
			else
				diag_error(y->d, km.line, km.col, "%s: unknown key '%s' (expected one of: %s)", where, name, list);
			errors++;
			continue;
		}
		errors += keys[row].parse(y, v, obj);
	next:;
	}
	return errors;
}
