/* control.c - run control: the unit engine, the event listener, step/next/continue/until/finish. */
#include <stdlib.h>
#include <string.h>

#include "../scenario/scenario.h"
#include "../trace/evfield.h"
#include "../vmx/vmx.h"
#include "internal.h"

/* ---------------------------------------------------------------- events */

void dbg_describe_event(const struct event *e, char *buf, size_t len)
{
	const struct ev_exception *x = &e->u.exc;
	const struct ev_vmx *v = &e->u.vmx;
	switch (e->kind) {
	case EV_EXCEPTION: {
		const char *name = ev_vector_name(x->vector);
		int n = name ? snprintf(buf, len, "exception %s (vector %u) at rip 0x%llx", name, x->vector,
					(unsigned long long)x->rip)
			     : snprintf(buf, len, "software interrupt INT 0x%x at rip 0x%llx", x->vector, (unsigned long long)x->rip);
		if (x->has_error && n > 0 && (size_t)n < len)
			n += snprintf(buf + n, len - (size_t)n, ", error code 0x%x", x->error);
		if (x->why && *x->why && n > 0 && (size_t)n < len)
			snprintf(buf + n, len - (size_t)n, ": %s", x->why);
		break;
	}
	case EV_INTERRUPT:
		snprintf(buf, len, "external interrupt vector %u at rip 0x%llx", x->vector, (unsigned long long)x->rip);
		break;
	case EV_SHUTDOWN:
		snprintf(buf, len, "shutdown (triple fault) at rip 0x%llx: %s", (unsigned long long)x->rip, x->why ? x->why : "");
		break;
	case EV_IO:
		snprintf(buf, len, "%s port 0x%x, %u byte%s, value 0x%x", e->u.io.write ? "OUT to" : "IN from", e->u.io.port,
			 e->u.io.size, e->u.io.size == 1 ? "" : "s", e->u.io.value);
		break;
	case EV_CPL:
		snprintf(buf, len, "CPL %u -> %u", e->u.cpl.from, e->u.cpl.to);
		break;
	case EV_IRET:
		snprintf(buf, len, "IRET at 0x%llx returns to 0x%llx at CPL %u", (unsigned long long)e->u.iret.from_rip,
			 (unsigned long long)e->u.iret.to_rip, e->u.iret.cpl);
		break;
	case EV_VMEXIT: {
		const char *name = vmx_exit_reason_name(v->reason);
		char q[200];
		dbg_decode_qual(v->reason, v->qual, q, sizeof q);
		snprintf(buf, len, "VM exit: %s (reason %u)%s, qualification 0x%llx%s%s; guest rip 0x%llx -> host rip 0x%llx",
			 name ? name : "?", v->reason & 0xffff, (v->reason & EXIT_REASON_FAILED_VMENTRY) ? " (VM-entry failure)" : "",
			 (unsigned long long)v->qual, *q ? " " : "", q, (unsigned long long)v->from_rip, (unsigned long long)v->to_rip);
		break;
	}
	case EV_VMENTRY:
		snprintf(buf, len, "VM entry: host rip 0x%llx -> guest rip 0x%llx", (unsigned long long)v->from_rip,
			 (unsigned long long)v->to_rip);
		break;
	case EV_VMENTRY_FAIL:
		snprintf(buf, len, "VM entry failed at rip 0x%llx%s%s: %s", (unsigned long long)v->from_rip,
			 v->check && *v->check ? ", check " : "", v->check ? v->check : "", v->why ? v->why : "");
		break;
	default:
		snprintf(buf, len, "%s", ev_kind_name(e->kind));
		break;
	}
}

static void record_exit(struct dbg *d, const struct event *e)
{
	struct dbg_exit *x = &d->exits[d->exit_head];
	*x = (struct dbg_exit){ .t = d->t + (d->running ? 1 : 0), .icount = e->icount, .failed = e->kind == EV_VMENTRY_FAIL,
				.reason = e->u.vmx.reason, .qual = e->u.vmx.qual, .from_rip = e->u.vmx.from_rip,
				.to_rip = e->u.vmx.to_rip };
	snprintf(x->why, sizeof x->why, "%s", e->u.vmx.why ? e->u.vmx.why : "");
	d->exit_head = (d->exit_head + 1) % DBG_MAX_EXITS;
	if (d->nexits < DBG_MAX_EXITS)
		d->nexits++;
}

static void say(void *opaque, const struct event *e, const char *text)
{
	struct dbg *d = opaque;
	(void)e;
	dbg_printf(d, "[narration] %s\n", text);
}

void dbg_on_event(void *opaque, const struct event *e)
{
	struct dbg *d = opaque;
	bool transfer = e->kind == EV_EXCEPTION || e->kind == EV_INTERRUPT || e->kind == EV_SHUTDOWN ||
			e->kind == EV_VMEXIT || e->kind == EV_VMENTRY || e->kind == EV_VMENTRY_FAIL;
	if (e->kind == EV_VMEXIT || e->kind == EV_VMENTRY_FAIL)
		record_exit(d, e);
	if (!d->running)
		return; /* someone else (the gdb stub) runs the machine */
	/* A unit ends where control transfers, so that a step lands on the
	 * handler's first instruction and every stop is a unit boundary. */
	if (transfer) {
		machine_request_stop(d->m, STOP_REQUEST);
		dbg_describe_event(e, d->unit_event, sizeof d->unit_event);
	}
	if (!d->hit) {
		int id = dbg_bp_check_event(d, e);
		if (id) {
			char what[400];
			dbg_describe_event(e, what, sizeof what);
			d->hit = id;
			snprintf(d->hit_msg, sizeof d->hit_msg, "Breakpoint %d: %s", id, what);
			machine_request_stop(d->m, STOP_REQUEST);
		}
	}
	if (d->quiet)
		return;
	if (d->trace && e->kind != EV_INSN) {
		char what[512];
		dbg_describe_event(e, what, sizeof what);
		dbg_printf(d, "[trace insn %llu] %s\n", (unsigned long long)e->icount, what);
	}
	if (d->watch)
		scenario_watch_event(d->watch, e, say, d);
}

/* ---------------------------------------------------------------- sync */

void dbg_mark_seen(struct dbg *d)
{
	d->seen_icount = machine_icount(d->m);
	d->seen_cycles = machine_cycles(d->m);
	d->seen_rip = machine_reg_get(d->m, VT_RIP);
}

void dbg_sync(struct dbg *d)
{
	if (d->seen_icount == machine_icount(d->m) && d->seen_cycles == machine_cycles(d->m) &&
	    d->seen_rip == machine_reg_get(d->m, VT_RIP))
		return;
	/* The machine moved without us (the gdb stub ran it): the state here
	 * is the timeline now. */
	dbg_history_pin(d);
}

/* ---------------------------------------------------------------- units */

enum stop_reason dbg_unit(struct dbg *d, bool *progress)
{
	uint64_t i0 = machine_icount(d->m), c0 = machine_cycles(d->m);
	d->unit_event[0] = 0;
	dbg_bp_unit_start(d);
	d->running = true;
	enum stop_reason why = machine_run(d->m, 1);
	d->running = false;
	*progress = machine_icount(d->m) != i0 || machine_cycles(d->m) != c0 || d->unit_event[0];
	if (*progress) {
		d->t++;
		dbg_history_after_unit(d);
	}
	if (!d->quiet)
		dbg_flush_console(d);
	return why;
}

/* How a run should end besides breakpoints. */
struct run_goal {
	uint64_t max_units;      /* stop after this many units */
	bool until_addr;         /* stop when RIP == addr */
	uint64_t addr;
	bool until_sp;           /* ... and RSP >= sp (next: the call returned) */
	uint64_t sp;
	bool finish;             /* stop after a RET/IRET at or above sp */
};

static bool starts_with(const char *s, const char *w)
{
	return strncmp(s, w, strlen(w)) == 0;
}

/* The stop message for a run that ended without a breakpoint. */
static const char *stop_text(enum stop_reason why)
{
	switch (why) {
	case STOP_HLT: return "the CPU halted (HLT with interrupts disabled): nothing can wake it";
	case STOP_HLT_IDLE: return "the CPU halted (HLT) and no interrupt can arrive";
	case STOP_EXIT_PORT: return "the guest wrote to the exit port 0xF4";
	case STOP_SHUTDOWN: return "triple fault: the processor shut down (try 'why')";
	case STOP_MAX_CYCLES: return "the scenario's cycle limit was reached";
	default: return NULL;
	}
}

/*
 * The engine every run command uses: units until the goal, a breakpoint,
 * or the machine stops. Address breakpoints are checked before each unit
 * except the first (so that continuing from a breakpoint leaves it).
 * Returns the number of units run.
 */
static uint64_t run(struct dbg *d, const struct run_goal *g)
{
	uint64_t n = 0, start_icount = machine_icount(d->m);
	bool finish_next = false;
	for (;;) {
		if (n >= g->max_units)
			break;
		if (d->interrupted) {
			dbg_printf(d, "Interrupted.\n");
			break;
		}
		if (n > 0) {
			uint64_t rip = machine_reg_get(d->m, VT_RIP);
			if (g->until_addr && rip == g->addr &&
			    (!g->until_sp || machine_reg_get(d->m, VT_RSP) >= g->sp))
				break;
			if (finish_next)
				break;
			d->hit = 0;
			int id = dbg_bp_check_before(d);
			if (id) {
				if (d->unit_event[0])
					dbg_printf(d, "%s\n", d->unit_event);
				d->unit_event[0] = 0;
				dbg_printf(d, "%s\n", d->hit_msg);
				break;
			}
		} else {
			d->hit = 0;
		}
		if (d->trace_insns && !d->quiet) {
			char insn[128];
			uint64_t rip = machine_reg_get(d->m, VT_RIP);
			if (!dbg_disasm_la(d->m, rip, insn, sizeof insn))
				snprintf(insn, sizeof insn, "(not mapped)");
			dbg_printf(d, "[trace insn %llu] 0x%llx: %s\n", (unsigned long long)machine_icount(d->m),
				   (unsigned long long)rip, insn);
		}
		if (g->finish) {
			char insn[128];
			if (dbg_disasm_la(d->m, machine_reg_get(d->m, VT_RIP), insn, sizeof insn) &&
			    (starts_with(insn, "ret") || starts_with(insn, "iret")) && machine_reg_get(d->m, VT_RSP) >= g->sp)
				finish_next = true;
		}
		char mode_before[16];
		snprintf(mode_before, sizeof mode_before, "%s", dbg_mode_name(d->m));
		int pg_before = dbg_bp_any_mode(d) ? dbg_paging_mode(d->m) : 0;
		d->hit = 0;
		bool progress;
		enum stop_reason why = dbg_unit(d, &progress);
		if (!progress) {
			const char *s = stop_text(why);
			dbg_printf(d, "The machine cannot go on: %s.\n", s ? s : stop_reason_name(why));
			return n;
		}
		n++;
		if (!d->hit)
			dbg_bp_check_after(d, mode_before, pg_before);
		if (d->hit) {
			dbg_printf(d, "%s\n", d->hit_msg);
			d->unit_event[0] = 0;
			break;
		}
		const char *s = stop_text(why);
		if (s) {
			if (d->unit_event[0])
				dbg_printf(d, "%s\n", d->unit_event);
			d->unit_event[0] = 0;
			dbg_printf(d, "Stopped: %s.\n", s);
			break;
		}
		if (d->max_insns && start_icount < d->max_insns && machine_icount(d->m) >= d->max_insns) {
			dbg_printf(d, "Stopped: the scenario's instruction limit (%llu) was reached; 'continue' goes on.\n",
				   (unsigned long long)d->max_insns);
			break;
		}
	}
	/* A single step that ended at a control transfer says which. */
	if (d->unit_event[0])
		dbg_printf(d, "%s\n", d->unit_event);
	return n;
}

/* Parse an optional count argument. */
static bool count_arg(struct dbg *d, int argc, char **argv, uint64_t *n)
{
	*n = 1;
	if (argc > 2) {
		dbg_error(d, "%s takes at most one argument, a count (usage: %s [N])", argv[0], argv[0]);
		return false;
	}
	if (argc == 2 && (!dbg_parse_number(argv[1], n) || *n == 0)) {
		dbg_error(d, "%s: '%s' is not a positive count", argv[0], argv[1]);
		return false;
	}
	return true;
}

int dbg_cmd_step(struct dbg *d, int argc, char **argv)
{
	uint64_t n;
	if (!count_arg(d, argc, argv, &n))
		return 0;
	struct run_goal g = { .max_units = n };
	run(d, &g);
	dbg_show_where(d);
	return 0;
}

int dbg_cmd_next(struct dbg *d, int argc, char **argv)
{
	if (argc > 1) {
		dbg_error(d, "next takes no arguments");
		return 0;
	}
	uint64_t rip = machine_reg_get(d->m, VT_RIP);
	char insn[128];
	int len = dbg_disasm_la(d->m, rip, insn, sizeof insn);
	struct run_goal g = { .max_units = 1 };
	if (len && (starts_with(insn, "call") || starts_with(insn, "int "))) {
		g = (struct run_goal){ .max_units = UINT64_MAX, .until_addr = true, .addr = rip + (uint64_t)len,
				       .until_sp = true, .sp = machine_reg_get(d->m, VT_RSP) };
	}
	run(d, &g);
	dbg_show_where(d);
	return 0;
}

int dbg_cmd_continue(struct dbg *d, int argc, char **argv)
{
	if (argc > 1) {
		dbg_error(d, "continue takes no arguments");
		return 0;
	}
	struct run_goal g = { .max_units = UINT64_MAX };
	run(d, &g);
	dbg_show_where(d);
	return 0;
}

int dbg_cmd_until(struct dbg *d, int argc, char **argv)
{
	if (argc != 2) {
		dbg_error(d, "until needs an address (usage: until ADDR)");
		return 0;
	}
	uint64_t a;
	if (!dbg_parse_value(d, argv[1], &a))
		return 0;
	struct run_goal g = { .max_units = UINT64_MAX, .until_addr = true, .addr = a };
	run(d, &g);
	dbg_show_where(d);
	return 0;
}

int dbg_cmd_finish(struct dbg *d, int argc, char **argv)
{
	if (argc > 1) {
		dbg_error(d, "finish takes no arguments");
		return 0;
	}
	struct run_goal g = { .max_units = UINT64_MAX, .finish = true, .sp = machine_reg_get(d->m, VT_RSP) };
	run(d, &g);
	dbg_show_where(d);
	return 0;
}

int dbg_cmd_trace(struct dbg *d, int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "on") && strcmp(argv[1], "off") && strcmp(argv[1], "insns"))) {
		dbg_error(d, "usage: trace on|off|insns");
		return 0;
	}
	d->trace = strcmp(argv[1], "off") != 0;
	d->trace_insns = strcmp(argv[1], "insns") == 0;
	dbg_printf(d, "Tracing %s.\n", !d->trace ? "off" : d->trace_insns ? "events and instructions" : "events");
	return 0;
}

int dbg_cmd_stats(struct dbg *d, int argc, char **argv)
{
	if (argc > 1) {
		dbg_error(d, "stats takes no arguments");
		return 0;
	}
	struct machine *m = d->m;
	dbg_printf(d, "instructions: %llu\ncycles: %llu\nsteps (history position): %llu\n",
		   (unsigned long long)machine_icount(m), (unsigned long long)machine_cycles(m), (unsigned long long)d->t);
	struct vmx_stats v;
	machine_vmx_stats(m, &v);
	dbg_printf(d, "vm-entries: %llu\nvm-exits: %llu\nvm-entry-failures: %llu\n", (unsigned long long)v.entries,
		   (unsigned long long)v.exits, (unsigned long long)v.entry_fails);
	for (unsigned r = 0; r < 65; r++)
		if (v.by_reason[r]) {
			const char *name = vmx_exit_reason_name(r);
			dbg_printf(d, "  vm-exits %s (%u): %llu\n", name ? name : "?", r, (unsigned long long)v.by_reason[r]);
		}
	struct tlb_stats t;
	machine_tlb_stats(m, &t);
	dbg_printf(d, "itlb: %llu hits, %llu misses\ndtlb: %llu hits, %llu misses\npage walks: %llu (%llu memory references), "
		      "paging-structure cache hits: %llu\n",
		   (unsigned long long)t.itlb_hits, (unsigned long long)t.itlb_misses, (unsigned long long)t.dtlb_hits,
		   (unsigned long long)t.dtlb_misses, (unsigned long long)t.walks, (unsigned long long)t.walk_refs,
		   (unsigned long long)t.psc_hits);
	size_t len;
	machine_console_output(m, &len);
	dbg_printf(d, "console bytes: %zu\n", len);
	return 0;
}
