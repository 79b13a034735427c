/* cost.c - reading CPU cost profiles (profiles/NAME.profile) into struct cost_profile. */
#include "cost.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The file format, one figure per line:
 *
 *     # comment lines and blank lines are ignored
 *     name         skylake
 *     description  Intel Core i7-6700 (Skylake, 2015)
 *     frequency    3.4 GHz   # source: where the figure comes from
 *     cycles.div   26        # estimate: why this guess, and what to check
 *
 * Every figure (frequency, cycles.*, tlb.*) must carry a comment that
 * starts with "source:" or "estimate:"; a figure without one is an error,
 * so a profile cannot quietly acquire a number nobody can trace.
 */

enum fig_kind { FIG_HZ, FIG_CYCLES, FIG_SIZE };

/* The figures, in the order a profile lists them. */
static const struct figure {
	const char *key;    /* as written in the file */
	enum fig_kind kind; /* how the value reads */
	int index;          /* enum cost_item or enum cost_size; unused for FIG_HZ */
} figures[] = {
	{ "frequency", FIG_HZ, 0 },
	{ "cycles.alu", FIG_CYCLES, COST_ALU },
	{ "cycles.mul", FIG_CYCLES, COST_MUL },
	{ "cycles.div", FIG_CYCLES, COST_DIV },
	{ "cycles.branch_taken", FIG_CYCLES, COST_BRANCH_TAKEN },
	{ "cycles.call_ret", FIG_CYCLES, COST_CALL_RET },
	{ "cycles.string_iter", FIG_CYCLES, COST_STRING_ITER },
	{ "cycles.system", FIG_CYCLES, COST_SYSTEM },
	{ "cycles.walk_ref", FIG_CYCLES, COST_WALK_REF },
	{ "cycles.tlb_miss", FIG_CYCLES, COST_TLB_MISS },
	{ "cycles.pwc_hit", FIG_CYCLES, COST_PWC_HIT },
	{ "cycles.exception", FIG_CYCLES, COST_EXCEPTION },
	{ "cycles.interrupt", FIG_CYCLES, COST_INTERRUPT },
	{ "cycles.cr3_write", FIG_CYCLES, COST_CR3_WRITE },
	{ "cycles.tlb_flush", FIG_CYCLES, COST_TLB_FLUSH },
	{ "cycles.vm_exit", FIG_CYCLES, COST_VM_EXIT },
	{ "cycles.vm_entry", FIG_CYCLES, COST_VM_ENTRY },
	{ "tlb.itlb_4k", FIG_SIZE, SIZE_ITLB_4K },
	{ "tlb.dtlb_4k", FIG_SIZE, SIZE_DTLB_4K },
	{ "tlb.dtlb_2m", FIG_SIZE, SIZE_DTLB_2M },
	{ "tlb.dtlb_1g", FIG_SIZE, SIZE_DTLB_1G },
	{ "tlb.stlb", FIG_SIZE, SIZE_STLB },
	{ "tlb.pwc", FIG_SIZE, SIZE_PWC },
};
#define NFIG ((int)(sizeof figures / sizeof figures[0]))

int cost_figure_count(void)
{
	return NFIG;
}

const char *cost_figure_name(int i)
{
	return i >= 0 && i < NFIG ? figures[i].key : "?";
}

int cost_item_figure(enum cost_item it)
{
	for (int i = 0; i < NFIG; i++)
		if (figures[i].kind == FIG_CYCLES && figures[i].index == (int)it)
			return i;
	return -1;
}

int cost_size_figure(enum cost_size sz)
{
	for (int i = 0; i < NFIG; i++)
		if (figures[i].kind == FIG_SIZE && figures[i].index == (int)sz)
			return i;
	return -1;
}

const char *cost_item_name(enum cost_item it)
{
	int f = cost_item_figure(it);
	return f < 0 ? "?" : figures[f].key + strlen("cycles.");
}

struct reader {
	const char *path;  /* for messages */
	char *err;         /* message buffer */
	size_t errlen;     /* its size */
};

static int fail(const struct reader *r, int line, int col, const char *fmt, const char *arg)
{
	char msg[256];
	snprintf(msg, sizeof msg, fmt, arg);
	snprintf(r->err, r->errlen, "%s:%d:%d: %s", r->path, line, col, msg);
	return -1;
}

/* Parse "123" (a count) into v; false on anything else or overflow. */
static bool parse_count(const char *s, size_t n, uint64_t *v)
{
	if (n == 0)
		return false;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || x > (UINT32_MAX - (uint64_t)(s[i] - '0')) / 10)
			return false;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = x;
	return true;
}

/* Parse "3.4 GHz", "2133 MHz", "1000000000 Hz" into Hz. */
static bool parse_hz(const char *s, size_t n, uint64_t *hz)
{
	uint64_t whole = 0, frac = 0, fdiv = 1;
	size_t i = 0;
	if (i >= n || s[i] < '0' || s[i] > '9')
		return false;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		if (whole > 100000000000ull)
			return false;
		whole = whole * 10 + (uint64_t)(s[i] - '0');
	}
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return false;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			if (fdiv >= 1000000000ull)
				return false;
			frac = frac * 10 + (uint64_t)(s[i] - '0');
			fdiv *= 10;
		}
	}
	while (i < n && s[i] == ' ')
		i++;
	static const struct { const char *unit; uint64_t mul; } units[] = {
		{ "Hz", 1 }, { "kHz", 1000 }, { "MHz", 1000000 }, { "GHz", 1000000000 },
	};
	for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
		size_t ul = strlen(units[u].unit);
		if (n - i == ul && memcmp(s + i, units[u].unit, ul) == 0) {
			uint64_t mul = units[u].mul;
			if (frac * mul % fdiv)
				return false; /* a fraction of a hertz */
			*hz = whole * mul + frac * mul / fdiv;
			return *hz > 0;
		}
	}
	return false;
}

int cost_parse(const char *text, const char *path, struct cost_profile *out, char *err, size_t errlen)
{
	struct reader r = { path, err, errlen };
	bool seen[NFIG] = { false };
	bool have_name = false;
	*out = (struct cost_profile){ 0 };
	int line = 0;
	int last_line = 1;
	for (const char *p = text; *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		line++;
		last_line = line;
		const char *next = eol ? eol + 1 : p + len;
		/* Split into key, value and comment. */
		size_t i = 0;
		while (i < len && (p[i] == ' ' || p[i] == '\t'))
			i++;
		if (i == len || p[i] == '#') {
			p = next;
			continue;
		}
		if (i != 0)
			return fail(&r, line, 1, "indented line%s (expected a key in column 1)", "");
		size_t ks = i;
		while (i < len && p[i] != ' ' && p[i] != '\t')
			i++;
		char key[40];
		size_t kl = i - ks;
		if (kl >= sizeof key)
			kl = sizeof key - 1;
		memcpy(key, p + ks, kl);
		key[kl] = 0;
		while (i < len && (p[i] == ' ' || p[i] == '\t'))
			i++;
		int vcol = (int)i + 1;
		const char *hash = memchr(p + i, '#', len - i);
		size_t vend = hash ? (size_t)(hash - p) : len;
		while (vend > i && (p[vend - 1] == ' ' || p[vend - 1] == '\t' || p[vend - 1] == '\r'))
			vend--;
		if (vend == i)
			return fail(&r, line, vcol, "'%s' has no value", key);
		const char *val = p + i;
		size_t vl = vend - i;

		if (strcmp(key, "name") == 0 || strcmp(key, "description") == 0) {
			bool is_name = key[0] == 'n';
			size_t cap = is_name ? COST_NAME_MAX : COST_DESC_MAX;
			/* A description may contain '#': it runs to the end of the line. */
			if (!is_name) {
				vl = len - i;
				while (vl && (val[vl - 1] == ' ' || val[vl - 1] == '\r'))
					vl--;
			}
			if (vl >= cap)
				return fail(&r, line, vcol, "'%s' is too long (expected a shorter text)", key);
			memcpy(is_name ? out->name : out->description, val, vl);
			(is_name ? out->name : out->description)[vl] = 0;
			have_name |= is_name;
			p = next;
			continue;
		}
		int f = -1;
		for (int k = 0; k < NFIG; k++)
			if (strcmp(key, figures[k].key) == 0)
				f = k;
		if (f < 0)
			return fail(&r, line, 1, "unknown key '%s' (expected name, description, frequency, cycles.* or tlb.*; see profiles/README.md)", key);
		if (seen[f])
			return fail(&r, line, 1, "'%s' is given twice", key);
		seen[f] = true;
		/* The comment must say where the figure comes from. */
		if (!hash)
			return fail(&r, line, (int)len + 1, "figure '%s' has no source (expected a comment '# source: ...' or '# estimate: ...')", key);
		const char *c = hash + 1;
		while (*c == ' ' || *c == '\t')
			c++;
		if (strncmp(c, "source:", 7) == 0) {
			/* a checked figure */
		} else if (strncmp(c, "estimate:", 9) == 0) {
			out->estimates |= 1ull << f;
		} else {
			return fail(&r, line, (int)(c - p) + 1, "the comment of '%s' must start with 'source:' or 'estimate:'", key);
		}
		uint64_t v;
		switch (figures[f].kind) {
		case FIG_HZ:
			if (!parse_hz(val, vl, &v))
				return fail(&r, line, vcol, "bad frequency for '%s' (expected e.g. '3.4 GHz' or '2133 MHz')", key);
			out->hz = v;
			break;
		case FIG_CYCLES:
			if (!parse_count(val, vl, &v))
				return fail(&r, line, vcol, "bad cycle count for '%s' (expected a whole number below 2^32)", key);
			out->cycles[figures[f].index] = (uint32_t)v;
			break;
		case FIG_SIZE:
			if (!parse_count(val, vl, &v))
				return fail(&r, line, vcol, "bad entry count for '%s' (expected a whole number)", key);
			out->size[figures[f].index] = (uint32_t)v;
			break;
		}
		p = next;
	}
	if (!have_name)
		return fail(&r, last_line, 1, "no 'name' line%s (expected e.g. 'name skylake')", "");
	for (int k = 0; k < NFIG; k++)
		if (!seen[k])
			return fail(&r, last_line, 1, "figure '%s' is missing (every profile gives every figure)", figures[k].key);
	return 0;
}

static char *slurp(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 8192, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - n - 1, f);
		if (n < cap - 1 || cap >= (1u << 20))
			break;
		cap *= 2;
		char *nb = realloc(buf, cap);
		if (!nb)
			free(buf);
		buf = nb;
	}
	bool bad = ferror(f) || !buf || n >= (1u << 20) - 1;
	fclose(f);
	if (bad) {
		free(buf);
		snprintf(err, errlen, "%s: cannot read (or larger than 1 MiB)", path);
		return NULL;
	}
	buf[n] = 0;
	if (strlen(buf) != n) {
		free(buf);
		snprintf(err, errlen, "%s: contains a NUL byte (expected a text file)", path);
		return NULL;
	}
	return buf;
}

int cost_load_file(const char *path, struct cost_profile *out, char *err, size_t errlen)
{
	char *text = slurp(path, err, errlen);
	if (!text)
		return -1;
	int rc = cost_parse(text, path, out, err, errlen);
	free(text);
	return rc;
}

static bool is_path(const char *name)
{
	size_t n = strlen(name);
	return strchr(name, '/') || (n > 8 && strcmp(name + n - 8, ".profile") == 0);
}

static bool valid_name(const char *name)
{
	if (!*name || strlen(name) >= COST_NAME_MAX)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return false;
	return true;
}

int cost_find(const char *name, const char *const *dirs, int ndirs, struct cost_profile *out,
	      char *err, size_t errlen)
{
	if (is_path(name))
		return cost_load_file(name, out, err, errlen);
	if (valid_name(name)) {
		for (int i = 0; i < ndirs; i++) {
			char path[4096];
			snprintf(path, sizeof path, "%s/%s.profile", dirs[i], name);
			FILE *f = fopen(path, "rb");
			if (!f)
				continue;
			fclose(f);
			if (cost_load_file(path, out, err, errlen) != 0)
				return -1;
			if (strcmp(out->name, name) != 0) {
				snprintf(err, errlen, "%s: its name line says '%s' (expected '%s', the file's name)", path,
					 out->name, name);
				return -1;
			}
			return 0;
		}
	}
	char known[512];
	cost_list(dirs, ndirs, known, sizeof known);
	if (known[0]) {
		snprintf(err, errlen, "unknown CPU profile '%s' (expected one of: %s)", name, known);
		return -1;
	}
	char where[1024] = "";
	size_t pos = 0;
	for (int i = 0; i < ndirs && pos < sizeof where; i++)
		pos += (size_t)snprintf(where + pos, sizeof where - pos, "%s%s", i ? ", " : "", dirs[i]);
	snprintf(err, errlen, "CPU profile '%s' not found: no profiles in %s (expected NAME.profile files there; set VTSIM_PROFILES to their directory)",
		 name, where);
	return -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void cost_list(const char *const *dirs, int ndirs, char *buf, size_t len)
{
	char *names[64];
	int n = 0;
	for (int i = 0; i < ndirs; i++) {
		DIR *d = opendir(dirs[i]);
		if (!d)
			continue;
		struct dirent *de;
		while ((de = readdir(d)) != NULL && n < 64) {
			size_t l = strlen(de->d_name);
			if (l <= 8 || strcmp(de->d_name + l - 8, ".profile") != 0)
				continue;
			char *s = strndup(de->d_name, l - 8);
			bool dup = false;
			for (int k = 0; s && k < n; k++)
				dup |= strcmp(names[k], s) == 0;
			if (!s || dup) {
				free(s);
				continue;
			}
			names[n++] = s;
		}
		closedir(d);
	}
	qsort(names, (size_t)n, sizeof names[0], cmp_str);
	size_t pos = 0;
	buf[0] = 0;
	for (int k = 0; k < n; k++) {
		int w = snprintf(buf + pos, len - pos, "%s%s", k ? ", " : "", names[k]);
		if (w > 0 && (size_t)w < len - pos)
			pos += (size_t)w;
		free(names[k]);
	}
}
