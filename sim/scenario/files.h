/* files.h - reading the files a scenario names. */
#ifndef VTSIM_SCENARIO_FILES_H
#define VTSIM_SCENARIO_FILES_H

#include <stddef.h>
#include <stdint.h>

/* Read a whole file of at most max bytes into a malloc'ed buffer with a
 * NUL after the end. Returns 0, or -1 with the reason in err. */
int sc_read_file(const char *path, uint8_t **data, size_t *len, uint64_t max, char *err, size_t errlen);

#endif
