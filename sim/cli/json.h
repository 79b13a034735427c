/* json.h - the little JSON vtsim reads (register files) and writes (state dumps). */
#ifndef VTSIM_JSON_H
#define VTSIM_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Called for each "name": value pair of a flat object. Return 0 to go on,
 * or nonzero to stop with that status (the callback wrote err). */
typedef int json_pair_fn(void *opaque, const char *name, uint64_t value, char *err, size_t errlen);

/*
 * Parse a flat JSON object whose values are integers (decimal, possibly
 * negative, taken modulo 2^64) or strings holding a number ("0x1f").
 * Returns 0, or -1 with "line L, column C: what was expected" in err.
 */
int json_parse_flat_u64(const char *text, json_pair_fn *fn, void *opaque, char *err, size_t errlen);

/* Write s as a JSON string literal. */
void json_write_string(FILE *f, const char *s);

#endif
