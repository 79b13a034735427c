/* clock.h - the cycle clock: timers that devices arm at a future cycle count. */
#ifndef VTSIM_CLOCK_H
#define VTSIM_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Time in vtsim is the CPU's modelled cycle count (cpu.cycles): it advances
 * as instructions retire and as events cost cycles, and jumps forward while
 * the CPU waits in HLT. Devices that need time (the PIT, the local APIC
 * timer) arm a timer at an absolute cycle count; the run loop looks at the
 * earliest deadline once per decoded block and fires what is due. So a
 * timer fires within one block (at most 32 instructions) of its deadline,
 * the same way on every host.
 */
#define CLOCK_MAX_TIMERS 16
#define CLOCK_NEVER UINT64_MAX

typedef void timer_fn(void *opaque, uint64_t now);

struct clock_timer {
	uint64_t when;     /* cycle count it fires at, or CLOCK_NEVER */
	timer_fn *fn;      /* called once when due (re-arm inside for periodic timers) */
	void *opaque;      /* device state */
};

struct clock {
	uint64_t hz;                             /* modelled core frequency, cycles per second */
	struct clock_timer t[CLOCK_MAX_TIMERS];  /* timers by id */
	int n;                                   /* ids handed out */
	uint64_t *deadline;                      /* where the CPU reads the earliest `when` */
};

void clock_init(struct clock *k, uint64_t hz, uint64_t *deadline);
/* A new timer, disarmed. Returns its id, or -1 when the table is full. */
int clock_timer_new(struct clock *k, timer_fn *fn, void *opaque);
void clock_timer_arm(struct clock *k, int id, uint64_t when);
void clock_timer_cancel(struct clock *k, int id);
/* Fire every timer due at `now`, in deadline order. */
void clock_run_due(struct clock *k, uint64_t now);
/* Cycles for a duration in nanoseconds (rounded up, at least 1). */
uint64_t clock_ns_to_cycles(const struct clock *k, uint64_t ns);

#endif
