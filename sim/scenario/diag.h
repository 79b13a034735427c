/* diag.h - error messages about a scenario, each "FILE:LINE:COL: message (expected ...)". */
#ifndef VTSIM_SCENARIO_DIAG_H
#define VTSIM_SCENARIO_DIAG_H

#include <stddef.h>

/* Errors stop being collected after this many (the rest are counted). */
#define DIAG_MAX 20

struct diag {
	const char *file;        /* the scenario's path, as the user gave it */
	char *msg[DIAG_MAX];     /* the messages, formatted */
	int n;                   /* messages kept */
	int count;               /* errors reported, kept or not */
};

void diag_init(struct diag *d, const char *file);
void diag_free(struct diag *d);
/* Append src's messages to dst and empty src. */
void diag_move(struct diag *dst, struct diag *src);

/* Report an error at line:col of d->file (1-based); line 0 leaves the
 * position out ("FILE: message"). */
void diag_error(struct diag *d, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The same, naming another file (an included asm file, an ELF image). */
void diag_error_in(struct diag *d, const char *file, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#endif
