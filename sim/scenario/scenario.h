/* scenario.h - YAML scenarios: load one, put a machine in its starting state, watch the run, check it. */
#ifndef VTSIM_SCENARIO_H
#define VTSIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../event.h"
#include "../machine.h"
#include "diag.h"

/*
 * The format is documented key by key in docs/scenario-format.md. A front
 * end (vtsim run, later the debugger and the visualizer) does:
 *
 *   sc = scenario_load(path, &diag)          parse, assemble, read files, lay out
 *   m  = machine_new(memory = scenario_memory(sc))
 *   scenario_apply(sc, m, &diag)             memory, tables, registers
 *   w  = scenario_watch_new(sc)              narration and expectation state
 *   subscribe to scenario_event_mask(sc) and feed events to scenario_watch_event
 *   run, then scenario_check(sc, m, w, &outcome, &result)
 *
 * The loader never prints: every problem is a diag message
 * "FILE:LINE:COL: message (expected ...)".
 */

/* The CPU's starting mode. machine.mode vmx-root and vmx-nonroot start in
 * SCM_LONG64 and then enter VMX operation (scenario_mode_name says which). */
enum sc_mode {
	SCM_REAL,        /* real-address mode */
	SCM_PROT32,      /* 32-bit protected mode; paging if a paging: section exists */
	SCM_LONG64,      /* IA-32e 64-bit mode */
};

struct scenario;
struct sc_watch;

/* NULL with errors in d (d->count > 0) when the scenario is not usable. */
struct scenario *scenario_load(const char *path, struct diag *d);
void scenario_free(struct scenario *sc);

const char *scenario_name(const struct scenario *sc);
const char *scenario_description(const struct scenario *sc);
const char *scenario_mode_name(const struct scenario *sc);
/* A label of the scenario's code (after scenario_apply): its linear and
 * physical address (either pointer may be NULL); false if there is none. */
bool scenario_label(const struct scenario *sc, const char *name, uint64_t *va, uint64_t *pa);
uint64_t scenario_memory(const struct scenario *sc);
/* machine.profile, or NULL; line and col say where it was written. */
const char *scenario_profile(const struct scenario *sc, int *line, int *col);
/* limits: instructions (never 0) and cycles (0 = no limit). */
uint64_t scenario_max_insns(const struct scenario *sc);
uint64_t scenario_max_cycles(const struct scenario *sc);

/* Build memory and tables and set the starting state; for vmx-root and
 * vmx-nonroot also VMXON, the VMCS and (non-root) VM entry, whose failure
 * is an error here. 0, or -1 with errors in d. */
int scenario_apply(struct scenario *sc, struct machine *m, struct diag *d);

/* The event kinds narration and expectations need (EVB() bits). */
uint32_t scenario_event_mask(const struct scenario *sc);

/* Narration and expectation state for one run. */
struct sc_watch *scenario_watch_new(const struct scenario *sc);
void scenario_watch_free(struct sc_watch *w);
/* What to do with a narration whose pattern matched. */
typedef void sc_say_fn(void *opaque, const struct event *e, const char *text);
/* Feed one event; calls say for each narration it triggers. */
void scenario_watch_event(struct sc_watch *w, const struct event *e, sc_say_fn *say, void *opaque);

/* How the run ended. */
struct sc_outcome {
	enum stop_reason why;    /* the machine's stop reason */
	int limit;               /* 0: no limit hit, 1: limits.instructions, 2: limits.cycles */
	const char *console;     /* everything the guest wrote to the console devices */
	size_t console_len;      /* its length */
};

/* The result of checking expectations: one message per failure, each
 * "FILE:LINE:COL: expect.KEY: expected ..., got ..." with the deciding event. */
#define SC_MAX_FAILURES 64
struct sc_result {
	int checked;             /* expectations checked */
	int failed;              /* of which failed */
	char *msg[SC_MAX_FAILURES]; /* failure messages */
	int nmsg;
};

void scenario_check(struct scenario *sc, struct machine *m, const struct sc_watch *w,
		    const struct sc_outcome *o, struct sc_result *r);
void scenario_result_free(struct sc_result *r);

#endif
