/* internal.h - the debugger's state and what its files share (not for front ends: they use debugger.h). */
#ifndef VTSIM_DEBUGGER_INTERNAL_H
#define VTSIM_DEBUGGER_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../machine.h"
#include "debugger.h"

/* ---- breakpoints (breakpoints.c) ---- */

/* What a breakpoint waits for. */
enum bp_kind {
	BP_ADDR,        /* RIP equals a linear address (before the instruction runs) */
	BP_PHYS,        /* the instruction at RIP is at this physical address */
	BP_GPA,         /* ... at this guest-physical address (under EPT) */
	BP_EXCEPTION,   /* an exception is delivered (vector, or any) */
	BP_PAGEFAULT,   /* a #PF is delivered */
	BP_VMEXIT,      /* a VM exit (basic reason, or any) */
	BP_VMENTRY,     /* a VM entry */
	BP_VMENTRY_FAIL,/* VMLAUNCH/VMRESUME failed */
	BP_CPL,         /* the CPL changed */
	BP_MODE,        /* the operating or paging mode changed */
	BP_IO,          /* an IN/OUT reached the port map (port, or any) */
	BP_MSR,         /* RDMSR/WRMSR about to run (MSR in ECX, or any) */
	BP_WATCH,       /* memory written (its value changed, or a write operand) */
	BP_RWATCH,      /* memory read by an explicit operand */
	BP_AWATCH,      /* either */
};

#define DBG_MAX_BP 64
#define DBG_WATCH_MAX 64      /* bytes one watchpoint can cover */

/* The address spaces of x and of watchpoints. */
enum dbg_space {
	DBG_LINEAR,     /* through the current translation (paging, and EPT in a guest) */
	DBG_PHYS,       /* (host-)physical */
	DBG_GPA,        /* guest-physical: through EPT with the current EPT pointer */
};

/*
 * A breakpoint condition, parsed once into a tree kept in an array
 * (operands before the operator, so the root is the last node):
 *   cond := and { "||" and }       and := cmp { "&&" cmp }
 *   cmp  := sum [ (== != < <= > >=) sum ]
 *   sum  := unary { (+ -) unary }  unary := "-" unary | primary
 *   primary := NUMBER | REGISTER | LABEL | VMCS_FIELD | "(" cond ")"
 *            | "*" [ "(" u8|u16|u32|u64 ")" ] primary
 * Values are unsigned 64-bit; comparisons give 0 or 1; a bare value is
 * true when nonzero. Registers, memory and VMCS fields are read when the
 * condition is tested; labels are numbers from the start.
 */
enum cond_op {
	C_NUM,          /* v */
	C_REG,          /* register v (enum vt_reg) */
	C_REG32,        /* its low 32 bits (eax, r8d) */
	C_VMCS,         /* the current VMCS's field with encoding v */
	C_MEM,          /* size bytes at the linear address node a */
	C_NEG, C_ADD, C_SUB,
	C_EQ, C_NE, C_LT, C_LE, C_GT, C_GE,
	C_AND, C_OR,    /* short-circuit */
};
struct dbg_cond_node {
	uint8_t op;     /* enum cond_op */
	uint8_t size;   /* C_MEM: bytes read (1, 2, 4 or 8) */
	int8_t a, b;    /* operand nodes (C_MEM, C_NEG: a only) */
	uint64_t v;     /* C_NUM: value; C_REG, C_REG32: register; C_VMCS: encoding */
};
#define DBG_COND_NODES 48
struct dbg_cond {
	int n;                  /* nodes used; 0: no condition */
	char text[200];         /* as the user wrote it */
	struct dbg_cond_node node[DBG_COND_NODES]; /* the tree; node[n - 1] is the root */
};

struct dbg_bp {
	int id;                 /* number shown to the user, from 1 */
	enum bp_kind kind;      /* what it waits for */
	bool enabled;           /* disable N clears it */
	bool any;               /* no argument: every vector, reason, port or MSR */
	uint64_t arg;           /* address, vector, reason, port or MSR */
	enum dbg_space space;   /* watchpoints: the address space of arg */
	unsigned len;           /* watchpoints: bytes watched */
	uint8_t old[DBG_WATCH_MAX]; /* watchpoints: the bytes as last seen */
	bool old_valid;         /* old holds a readable value */
	uint64_t hits;          /* times it stopped the machine */
	struct dbg_cond cond;   /* stop only if this holds (cond.n = 0: always) */
	bool pending;           /* event breakpoint with a condition: its event happened in this unit */
	char pending_msg[400];  /* ... described, for the stop message */
};

/* ---- history (history.c) ---- */

/* A snapshot at a position of the timeline (units run since the start). */
struct dbg_snap {
	uint64_t t;                       /* position */
	bool pinned;                      /* the user changed the state here: part of the timeline */
	struct machine_snapshot *s;       /* the machine then */
};

#define DBG_MAX_SNAPS 64

/* ---- recent VM exits (vmcs.c `exits`) ---- */
struct dbg_exit {
	uint64_t t;             /* the unit in which it happened */
	uint64_t icount;        /* instructions retired then */
	bool failed;            /* a failed VM entry rather than an exit */
	uint32_t reason;        /* exit reason (bit 31: entry failure) */
	uint64_t qual;          /* exit qualification */
	uint64_t from_rip;      /* guest RIP */
	uint64_t to_rip;        /* host RIP */
	char why[240];          /* the explanation, truncated */
};
#define DBG_MAX_EXITS 16

struct dbg {
	struct machine *m;          /* the machine debugged */
	struct scenario *sc;        /* its scenario, or NULL */
	struct sc_watch *watch;     /* narration state, or NULL */
	int handle;                 /* event subscription */
	FILE *out;                  /* output of the command running now */

	/* The timeline: a unit is one machine_run(m, 1) that also ends at
	 * every exception, interrupt, VM exit and VM entry, so that every
	 * place the debugger can stop is a unit boundary; t counts them. */
	uint64_t t;                 /* units run since the start */
	bool running;               /* inside the unit engine: the listener may stop the machine */
	bool quiet;                 /* replaying history: print nothing, ignore breakpoints' output */
	uint64_t seen_icount, seen_cycles, seen_rip; /* the machine as the debugger left it */

	/* What the last unit did (set by the listener). */
	int hit;                    /* breakpoint id that matched, or 0 */
	char hit_msg[1024];          /* its description */
	char unit_event[512];       /* the control transfer that ended the unit, or "" */
	char cond_error[240];       /* why the last condition tested could not be evaluated, or "" */

	struct dbg_bp bp[DBG_MAX_BP];   /* breakpoints, in creation order */
	int nbp;                    /* how many */
	int next_id;                /* next breakpoint number */

	struct dbg_snap snap[DBG_MAX_SNAPS]; /* snapshots, by position */
	int nsnap;                  /* how many */
	int max_snaps;              /* how many the memory budget allows */
	uint64_t snap_every;        /* units between snapshots */

	struct dbg_exit exits[DBG_MAX_EXITS]; /* ring of recent VM exits */
	int nexits;                 /* entries used */
	int exit_head;              /* next slot to write */

	size_t console_seen;        /* console bytes already printed */
	bool mid_line;              /* the guest's output did not end with a newline */
	bool trace;                 /* trace on: print every event */
	bool trace_insns;           /* trace insns: print every instruction too */
	uint64_t max_insns;         /* the scenario's instruction limit, or 0 */
	volatile sig_atomic_t interrupted; /* Ctrl-C: stop the run */
};

/* ---- output helpers (commands.c) ---- */
void dbg_printf(struct dbg *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dbg_error(struct dbg *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print guest console output not shown yet. */
void dbg_flush_console(struct dbg *d);
/* Parse an address or value: numbers (0x.., decimal), registers (rax or
 * $rax), and + - between them. false with an error printed. */
bool dbg_parse_value(struct dbg *d, const char *s, uint64_t *out);
/* An MSR by number or SDM name (IA32_ optional); false with an error printed. */
bool dbg_parse_msr(struct dbg *d, const char *s, uint32_t *out);
/* Number only (no registers): false if s is not one. */
bool dbg_parse_number(const char *s, uint64_t *out);

/* ---- machine views (state.c) ---- */
/* "real", "vm86", "prot16", "prot32", "compat16", "compat32", "long64". */
const char *dbg_mode_name(struct machine *m);
/* Read linear memory through the current translation; false if a page is not mapped. */
bool dbg_read_linear(struct machine *m, uint64_t la, void *buf, size_t len);
/* The physical address of a linear one (data read access); false if unmapped. */
bool dbg_la_to_pa(struct machine *m, uint64_t la, int access, uint64_t *pa);
/* Read guest-physical memory through EPT with the current EPT pointer
 * (any page EPT maps, even without read permission); false if one is not mapped. */
bool dbg_read_gpa(struct machine *m, uint64_t gpa, void *buf, size_t len);
/* Read memory in an address space; false if it is not mapped. */
bool dbg_read_space(struct machine *m, enum dbg_space space, uint64_t addr, void *buf, size_t len);
/* Disassemble at a linear address, shown as at that address; returns the length, 0 if it cannot. */
int dbg_disasm_la(struct machine *m, uint64_t la, char *buf, size_t len);
/* Print "=> 0x...: insn" for the current RIP. */
void dbg_show_where(struct dbg *d);

/* ---- the unit engine (control.c) ---- */
void dbg_on_event(void *opaque, const struct event *e);
/* One-line description of an event. */
void dbg_describe_event(const struct event *e, char *buf, size_t len);
/* Run one unit; *progress says whether the machine moved. */
enum stop_reason dbg_unit(struct dbg *d, bool *progress);
/* Before a command: notice whether something else ran or changed the machine. */
void dbg_sync(struct dbg *d);
/* After a command: remember the machine as left. */
void dbg_mark_seen(struct dbg *d);

/* ---- breakpoints (breakpoints.c) ---- */
/* Before a unit: an address, physical, MSR or read-watch breakpoint that
 * matches the instruction about to run (id, message in d->hit_msg), or 0. */
int dbg_bp_check_before(struct dbg *d);
/* After a unit: watchpoints whose memory changed, and mode changes (mode_before). */
int dbg_bp_check_after(struct dbg *d, const char *mode_before, int pg_before);
/* From the listener: event breakpoints. Returns the id that matched, or 0. */
int dbg_bp_check_event(struct dbg *d, const struct event *e);
/* Before a unit: forget conditional event breakpoints' events of the last one. */
void dbg_bp_unit_start(struct dbg *d);
/* Refresh watchpoints' remembered values (after a restore or a change). */
void dbg_bp_refresh_watch(struct dbg *d);
bool dbg_bp_any_mode(const struct dbg *d);
int dbg_paging_mode(struct machine *m);

/* ---- history (history.c) ---- */
void dbg_history_init(struct dbg *d);
void dbg_history_free(struct dbg *d);
/* After a unit moved forward to d->t: take a snapshot when one is due;
 * restore a pinned one (a user's change at this position). */
void dbg_history_after_unit(struct dbg *d);
/* The user changed the state at d->t: pin it. */
void dbg_history_pin(struct dbg *d);
/* Go to position target (< d->t or any recorded one). 0, or -1 with an error printed. */
int dbg_history_goto(struct dbg *d, uint64_t target);
/* Drop VM-exit records newer than d->t. */
void dbg_exits_prune(struct dbg *d);

/* ---- commands, by file ---- */
typedef int dbg_cmd_fn(struct dbg *d, int argc, char **argv);
/* control.c */
dbg_cmd_fn dbg_cmd_step, dbg_cmd_next, dbg_cmd_continue, dbg_cmd_until, dbg_cmd_finish, dbg_cmd_trace, dbg_cmd_stats;
/* history.c */
dbg_cmd_fn dbg_cmd_reverse_step, dbg_cmd_reverse_continue, dbg_cmd_restart;
/* breakpoints.c */
dbg_cmd_fn dbg_cmd_break, dbg_cmd_watch, dbg_cmd_rwatch, dbg_cmd_awatch, dbg_cmd_delete, dbg_cmd_disable, dbg_cmd_enable,
	dbg_cmd_info, dbg_cmd_condition;
void dbg_list_breakpoints(struct dbg *d);
/* state.c */
dbg_cmd_fn dbg_cmd_regs, dbg_cmd_sregs, dbg_cmd_cr, dbg_cmd_msr, dbg_cmd_flags, dbg_cmd_x, dbg_cmd_disas, dbg_cmd_stack,
	dbg_cmd_gdt, dbg_cmd_idt, dbg_cmd_tss, dbg_cmd_set;
/* walk.c */
dbg_cmd_fn dbg_cmd_walk, dbg_cmd_tlb;
/* vmcs.c */
dbg_cmd_fn dbg_cmd_vmcs, dbg_cmd_exits, dbg_cmd_why;
/* Decode an exit qualification for a reason, into buf. */
void dbg_decode_qual(uint32_t reason, uint64_t qual, char *buf, size_t len);
/* Is name a VMCS field; write it (for set). */
bool dbg_vmcs_set(struct dbg *d, const char *name, const char *value, bool *handled);

#endif
