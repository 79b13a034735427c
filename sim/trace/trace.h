/* trace.h - what a run leaves behind: a JSON Lines event trace, a Chrome trace, and statistics. */
#ifndef VTSIM_TRACE_H
#define VTSIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../event.h"
#include "../machine.h"

/* Who made the run, for the trace headers. */
struct trace_info {
	const char *scenario;    /* scenario name */
	const char *mode;        /* starting mode */
	const char *profile;     /* CPU profile name */
	uint64_t hz;             /* its nominal frequency (cycles per second) */
};

/* Write s as a JSON string literal (quotes included). */
void trace_json_string(FILE *f, const char *s);

/* ---- JSON Lines (docs/trace-format.md): one object per line ---- */
struct trace_jsonl {
	FILE *f;                 /* where */
	uint64_t seq;            /* records written */
};

void trace_jsonl_begin(struct trace_jsonl *t, FILE *f, const struct trace_info *info);
void trace_jsonl_event(struct trace_jsonl *t, const struct event *e);
void trace_jsonl_narrate(struct trace_jsonl *t, const struct event *e, const char *text);
void trace_jsonl_end(struct trace_jsonl *t, struct machine *m, enum stop_reason why, int limit);

/* ---- Chrome trace-event format (Perfetto, chrome://tracing) ---- */
struct trace_chrome {
	FILE *f;                 /* where */
	struct machine *m;       /* for the CPL */
	uint64_t hz;             /* cycles per second, for timestamps */
	int cpl;                 /* CPL of the open span */
	uint64_t span_start;     /* its first cycle */
	uint64_t span_icount;    /* instructions when it opened */
	int depth;               /* handler spans open (B without E yet) */
	bool first;              /* no record written yet */
	int vmx;                 /* VMX track: 0 off, 1 root, 2 non-root (machine_vmx_mode) */
	uint64_t vmx_start;      /* the open VMX span's first cycle */
	uint64_t vmx_icount;     /* instructions when it opened */
};

void trace_chrome_begin(struct trace_chrome *t, FILE *f, struct machine *m, const struct trace_info *info);
/* Kinds it needs besides those it is fed anyway (EV_INSN, for the CPL track). */
uint32_t trace_chrome_mask(void);
void trace_chrome_event(struct trace_chrome *t, const struct event *e);
void trace_chrome_narrate(struct trace_chrome *t, const struct event *e, const char *text);
void trace_chrome_end(struct trace_chrome *t, enum stop_reason why);

/* ---- --stats ---- */
struct trace_stats {
	uint64_t exceptions[256];  /* EV_EXCEPTION by vector */
	uint64_t interrupts[256];  /* EV_INTERRUPT by vector */
	uint64_t io_in, io_out;    /* EV_IO by direction */
	uint64_t code_inval;       /* EV_CODE_INVAL */
	uint64_t shutdowns;        /* EV_SHUTDOWN */
	uint64_t walks;            /* EV_WALK: page walks (TLB misses) */
	uint64_t walk_faults;      /* of which ended in #PF */
	uint64_t walk_refs[32];    /* walks by number of entries read (up to 24 under 4-level EPT) */
	uint64_t by_kind[32];      /* every event by kind */
};

uint32_t trace_stats_mask(void);
void trace_stats_event(struct trace_stats *s, const struct event *e);
/* The VMX counters (vm-entries, vm-exits by reason), for every front end. */
void trace_print_vmx_stats(FILE *f, struct machine *m);
void trace_stats_print(const struct trace_stats *s, FILE *f, struct machine *m, const struct trace_info *info,
		       double wall_seconds);

#endif
