/* helpers.c - shared unit-test helpers (see helpers.h). */
#include "helpers.h"

#include <criterion/criterion.h>
#include <string.h>

struct machine *tm_new(enum start_mode mode)
{
	char err[200];
	struct machine_config cfg = { .ram_size = TM_RAM };
	struct machine *m = machine_new(&cfg, err, sizeof err);
	cr_assert_not_null(m, "machine_new: %s", err);
	cr_assert_eq(machine_start(m, mode, TM_CODE, err, sizeof err), 0, "machine_start: %s", err);
	machine_reg_set(m, VT_RSP, TM_STACK);
	machine_reg_set(m, VT_RFLAGS, 2);
	return m;
}

void tm_load(struct machine *m, const void *code, size_t len)
{
	static const uint8_t hlt = 0xf4;
	machine_phys_write(m, TM_CODE, code, len);
	machine_phys_write(m, TM_CODE + len, &hlt, 1);
	machine_reg_set(m, VT_RIP, TM_CODE);
}

enum stop_reason tm_run_bytes(struct machine *m, const void *code, size_t len)
{
	tm_load(m, code, len);
	return machine_run(m, 1000000);
}

uint64_t tm_end_rip(size_t len)
{
	return TM_CODE + len + 1;
}

void tm_poke(struct machine *m, uint64_t pa, unsigned size, uint64_t v)
{
	uint8_t b[8];
	for (unsigned k = 0; k < size; k++)
		b[k] = (uint8_t)(v >> (8 * k));
	machine_phys_write(m, pa, b, size);
}

uint64_t tm_peek(struct machine *m, uint64_t pa, unsigned size)
{
	uint8_t b[8];
	uint64_t v = 0;
	machine_phys_read(m, pa, b, size);
	for (unsigned k = 0; k < size; k++)
		v |= (uint64_t)b[k] << (8 * k);
	return v;
}

uint64_t tm_flags(struct machine *m)
{
	return machine_reg_get(m, VT_RFLAGS) & TM_ARITH;
}

void tm_set_flags(struct machine *m, uint64_t flags)
{
	uint64_t f = machine_reg_get(m, VT_RFLAGS);
	machine_reg_set(m, VT_RFLAGS, (f & ~TM_ARITH) | (flags & TM_ARITH));
}

static void on_exception(void *opaque, const struct event *e)
{
	struct tm_exc_log *log = opaque;
	if (log->n < TM_MAX_EXC) {
		log->vector[log->n] = e->u.exc.vector;
		log->rip[log->n] = e->u.exc.rip;
		log->n++;
	}
}

void tm_log_exceptions(struct machine *m, struct tm_exc_log *log)
{
	memset(log, 0, sizeof *log);
	cr_assert_geq(machine_subscribe(m, EVB(EV_EXCEPTION), on_exception, log), 0);
}
