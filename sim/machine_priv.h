/* machine_priv.h - the layout of struct machine, for the files of the machine module (machine.c, snapshot.c). */
#ifndef VTSIM_MACHINE_PRIV_H
#define VTSIM_MACHINE_PRIV_H

#include "clock.h"
#include "cost.h"
#include "cpu/cpu.h"
#include "event.h"
#include "ioport.h"
#include "machine.h"
#include "memory.h"

struct machine {
	struct cpu cpu;              /* the processor */
	struct physmem pm;           /* physical memory map */
	struct pio_map pio;          /* port-I/O map */
	struct ev_bus bus;           /* event bus */
	struct clock clock;          /* device timers on the cycle clock */
	struct platform *plat;       /* PIC, PIT, local APIC, UART and the other devices */
	console_fn *console;         /* front end's output sink, or NULL */
	void *console_opaque;        /* its state */
	char *out;                   /* buffered output when console is NULL */
	size_t out_len, out_cap;     /* its length and capacity */
	int exit_code;               /* last value written to the exit port, or -1 */
	struct cost_profile profile; /* the CPU cost profile (machine_set_profile) */
	bool have_profile;           /* profile holds one */
};

#endif
