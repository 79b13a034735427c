/* guest.h - load a guest program that the build assembled from tests/unit/guests/NAME.asm. */
#ifndef VTSIM_TEST_GUEST_H
#define VTSIM_TEST_GUEST_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "helpers.h"

/* GUEST_DIR comes from Makefile.am: where `make check` put the .bin files. */
#ifndef GUEST_DIR
#error "GUEST_DIR must name the directory of the assembled guest programs"
#endif

/* Copy GUEST_DIR/name (assembled with org TM_CODE) to TM_CODE and point
 * RIP at it. Fails the test if the file is missing. Returns its size. */
static inline size_t tg_load(struct machine *m, const char *name)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", GUEST_DIR, name);
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s (make check builds it)", path);
	static unsigned char buf[TM_DATA - TM_CODE];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	cr_assert_gt(n, 0, "%s is empty", path);
	cr_assert_lt(n, sizeof buf, "%s does not fit below TM_DATA", path);
	machine_phys_write(m, TM_CODE, buf, n);
	machine_reg_set(m, VT_RIP, TM_CODE);
	return n;
}

#endif
