/* json.c - a strict reader for flat objects of integers, and string escaping. */
#include "json.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct rd {
	const char *s;  /* text */
	size_t pos;     /* cursor */
	char *err;      /* message buffer */
	size_t errlen;  /* its size */
};

static void where(const struct rd *r, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < r->pos && r->s[i]; i++) {
		if (r->s[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static int fail(struct rd *r, const char *what)
{
	unsigned line, col;
	where(r, &line, &col);
	snprintf(r->err, r->errlen, "line %u, column %u: %s", line, col, what);
	return -1;
}

static void skip_ws(struct rd *r)
{
	while (r->s[r->pos] == ' ' || r->s[r->pos] == '\t' || r->s[r->pos] == '\n' || r->s[r->pos] == '\r')
		r->pos++;
}

/* A string without escapes beyond \" and \\ (names and numbers need no more). */
static int read_string(struct rd *r, char *out, size_t outlen)
{
	if (r->s[r->pos] != '"')
		return fail(r, "expected a string");
	r->pos++;
	size_t n = 0;
	while (r->s[r->pos] != '"') {
		char ch = r->s[r->pos];
		if (ch == 0 || ch == '\n')
			return fail(r, "unterminated string");
		if (ch == '\\') {
			r->pos++;
			ch = r->s[r->pos];
			if (ch != '"' && ch != '\\' && ch != '/')
				return fail(r, "unsupported escape in string");
		}
		if (n + 1 >= outlen)
			return fail(r, "string too long");
		out[n++] = ch;
		r->pos++;
	}
	out[n] = 0;
	r->pos++;
	return 0;
}

static int read_value(struct rd *r, uint64_t *v)
{
	char buf[80];
	size_t start = r->pos;
	if (r->s[r->pos] == '"') {
		if (read_string(r, buf, sizeof buf) != 0)
			return -1;
		if (!cli_parse_u64(buf, false, v)) {
			r->pos = start;
			return fail(r, "expected a number in the string (decimal or 0x hex)");
		}
		return 0;
	}
	bool neg = r->s[r->pos] == '-';
	if (neg)
		r->pos++;
	size_t n = 0;
	while (isdigit((unsigned char)r->s[r->pos]) && n + 1 < sizeof buf)
		buf[n++] = r->s[r->pos++];
	buf[n] = 0;
	if (n == 0 || r->s[r->pos] == '.' || r->s[r->pos] == 'e' || r->s[r->pos] == 'E') {
		r->pos = start;
		return fail(r, "expected an integer value");
	}
	if (!cli_parse_u64(buf, false, v)) {
		r->pos = start;
		return fail(r, "integer does not fit in 64 bits");
	}
	if (neg)
		*v = 0 - *v;
	return 0;
}

int json_parse_flat_u64(const char *text, json_pair_fn *fn, void *opaque, char *err, size_t errlen)
{
	struct rd r = { text, 0, err, errlen };
	skip_ws(&r);
	if (r.s[r.pos] != '{')
		return fail(&r, "expected '{' (an object of register names to integers)");
	r.pos++;
	skip_ws(&r);
	if (r.s[r.pos] == '}') {
		r.pos++;
	} else {
		for (;;) {
			char name[64];
			uint64_t v;
			skip_ws(&r);
			if (read_string(&r, name, sizeof name) != 0)
				return -1;
			skip_ws(&r);
			if (r.s[r.pos] != ':')
				return fail(&r, "expected ':'");
			r.pos++;
			skip_ws(&r);
			size_t vpos = r.pos;
			if (read_value(&r, &v) != 0)
				return -1;
			char msg[160] = "";
			if (fn(opaque, name, v, msg, sizeof msg) != 0) {
				r.pos = vpos;
				return fail(&r, msg);
			}
			skip_ws(&r);
			if (r.s[r.pos] == ',') {
				r.pos++;
				continue;
			}
			if (r.s[r.pos] == '}') {
				r.pos++;
				break;
			}
			return fail(&r, "expected ',' or '}'");
		}
	}
	skip_ws(&r);
	if (r.s[r.pos] != 0)
		return fail(&r, "unexpected text after the object");
	return 0;
}

void json_write_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}
