/* diag.c - collecting scenario errors with their file, line and column. */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void diag_init(struct diag *d, const char *file)
{
	memset(d, 0, sizeof *d);
	d->file = file;
}

void diag_free(struct diag *d)
{
	for (int i = 0; i < d->n; i++)
		free(d->msg[i]);
	d->n = 0;
	d->count = 0;
}

static void add(struct diag *d, const char *file, int line, int col, const char *fmt, va_list ap)
{
	d->count++;
	if (d->n == DIAG_MAX)
		return;
	char body[1024], full[1200];
	vsnprintf(body, sizeof body, fmt, ap);
	if (line > 0)
		snprintf(full, sizeof full, "%s:%d:%d: %s", file, line, col > 0 ? col : 1, body);
	else
		snprintf(full, sizeof full, "%s: %s", file, body);
	char *s = strdup(full);
	if (s)
		d->msg[d->n++] = s;
}

void diag_error(struct diag *d, int line, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add(d, d->file, line, col, fmt, ap);
	va_end(ap);
}

void diag_error_in(struct diag *d, const char *file, int line, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add(d, file, line, col, fmt, ap);
	va_end(ap);
}

void diag_move(struct diag *dst, struct diag *src)
{
	for (int i = 0; i < src->n; i++) {
		if (dst->n < DIAG_MAX)
			dst->msg[dst->n++] = src->msg[i];
		else
			free(src->msg[i]);
	}
	dst->count += src->count;
	src->n = 0;
	src->count = 0;
}
