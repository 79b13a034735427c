/* files.h - reading files and numbers: shared by scenarios and the command line. */
#ifndef VTSIM_SCENARIO_FILES_H
#define VTSIM_SCENARIO_FILES_H

#include <stddef.h>
#include <stdint.h>

/* Read a whole file of at most max bytes into a malloc'ed buffer with a
 * NUL after the end. Returns 0, or -1 with the reason in err. */
int sc_read_file(const char *path, uint8_t **data, size_t *len, uint64_t max, char *err, size_t errlen);

/* Parse a number: decimal, 0x/0b/0o, '_' between digits, K/M/G/T suffixes,
 * 1e6; with allow_signed a leading '-' gives the two's complement. On
 * failure *why says what is wrong (scenario/value.c). */
#include <stdbool.h>
bool sc_parse_u64(const char *s, bool allow_signed, uint64_t *out, const char **why);

#endif
