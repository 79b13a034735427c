/* common.h - what the run-a-machine subcommands share: files, running, the stop report, state files. */
#ifndef VTSIM_CLI_COMMON_H
#define VTSIM_CLI_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../machine.h"

/* Read a whole file (at most 4 GiB). Returns 0, or -1 after a cli_error. */
int cli_read_file(const char *path, uint8_t **data, size_t *len);

/* console_fn that writes guest output to stdout. */
void cli_stdout_console(void *opaque, uint8_t byte);

/* machine_run, timed: wall seconds inside the run loop in *secs. */
enum stop_reason cli_run(struct machine *m, uint64_t max_insns, double *secs);

/* The one-line "vtsim: stop: ..." report on stderr; after a triple
 * fault, also the last exception. */
void cli_say_stop(struct machine *m, enum stop_reason why);

/* Registers, control registers, selectors and the last exception's vector
 * and error code, for a human, on f (after cli_say_stop). */
void cli_print_machine_state(FILE *f, struct machine *m);

/* The --stats lines on stderr. */
void cli_print_stats(struct machine *m, double secs);

/* --trace FILE [--trace-insns]: the JSON Lines event trace of
 * docs/trace-format.md for exec and boot. */
#include "../trace/trace.h"
struct cli_trace {
	FILE *f;                 /* the trace file, or NULL (no --trace) */
	struct trace_jsonl w;    /* its writer */
	int handle;              /* event subscription */
};
/* Open path and subscribe to every event kind (instructions only with
 * insns). Returns 0, or -1 after a cli_error. */
int cli_trace_open(struct cli_trace *t, struct machine *m, const char *path, bool insns,
		   const char *name, const char *mode);
/* Write the closing record and close the file (nothing without --trace). */
void cli_trace_close(struct cli_trace *t, struct machine *m, enum stop_reason why);

/* The process exit status for how a run ended (see vtsim(1)). */
int cli_exit_status(struct machine *m, enum stop_reason why);

/* A physical memory range for a state file. */
struct cli_dump {
	uint64_t addr;     /* physical address */
	uint64_t len;      /* bytes */
};

/* Write the final state as JSON to path ('-': stdout). start_mode names
 * how the machine started. Returns 0, or -1 after a cli_error. */
int cli_dump_state(const char *path, struct machine *m, enum stop_reason why, const char *start_mode,
		   const struct cli_dump *dumps, int ndumps);

#endif
