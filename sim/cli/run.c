/* run.c - `vtsim run`: load a scenario, run it, trace it, check its expectations. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../cost.h"
#include "../debugger/gdbstub.h"
#include "../machine.h"
#include "../scenario/scenario.h"
#include "../trace/evfield.h"
#include "../trace/trace.h"
#include "cli.h"
#include "config.h"

#define DEFAULT_PROFILE "skylake"

/* Exit statuses of `vtsim run` (see vtsim(1)). */
enum { RUN_PASS = 0, RUN_FAIL = 1, RUN_BAD_INPUT = 2 };

static const char run_help[] =
	"usage: vtsim run SCENARIO.yaml [OPTIONS]\n"
	"\n"
	"Load a scenario (docs/scenario-format.md), put the machine in its starting\n"
	"state, run it until it stops or reaches a limit, and check its expectations.\n"
	"\n"
	"  --profile NAME         CPU cost profile (overrides machine.profile; default\n"
	"                         skylake). Known: p4-prescott, core2-merom, nehalem,\n"
	"                         skylake; a path to a .profile file also works\n"
	"  --trace FILE.jsonl     write every event as one JSON object per line\n"
	"                         (docs/trace-format.md); '-' for stdout\n"
	"  --trace-insns          include one record per retired instruction in --trace\n"
	"  --chrome-trace FILE    write a Chrome trace-event file (open it in Perfetto\n"
	"                         or chrome://tracing): CPL and VMX tracks, instant\n"
	"                         events for exceptions, interrupts and narration\n"
	"  --stats                print counters to stderr after the run: instructions,\n"
	"                         cycles, exceptions by vector, interrupts, I/O, ...\n"
	"  --dump-state PATH      write the final state as JSON to PATH ('-': stdout)\n"
	"  --explain              print the scenario's narration and each exception's\n"
	"                         explanation (with its SDM section) as they happen\n"
	"  --tlb MODEL            tagged or untagged (overrides machine.tlb; default\n"
	"                         tagged): untagged TLBs are flushed on every VM entry\n"
	"                         and exit, as in Bochs\n"
	"  --quiet                print only failures and errors: no guest output, no\n"
	"                         summary\n"
	"  --gdb PORT             wait for gdb on 127.0.0.1:PORT before the first\n"
	"                         instruction (0: any free port); in gdb:\n"
	"                         target remote :PORT (docs/gdb.md)\n"
	"  --help                 this text\n"
	"\n"
	"Guest output (port 0xE9, the UART) and --explain go to stdout; the summary,\n"
	"failures and --stats to stderr. Errors in the scenario are reported as\n"
	"FILE:LINE:COL: message (expected ...).\n"
	"\n"
	"Exit status: 0 when every expectation holds; 1 when one fails (each failure is\n"
	"printed with expected and actual values); 2 for bad input (options, YAML,\n"
	"files, assembly errors).\n";

struct run_opts {
	const char *scenario;      /* the file */
	const char *profile;       /* --profile */
	const char *trace;         /* --trace */
	bool trace_insns;          /* --trace-insns */
	const char *chrome;        /* --chrome-trace */
	bool stats;                /* --stats */
	const char *dump_state;    /* --dump-state */
	bool explain;              /* --explain */
	bool quiet;                /* --quiet */
	int tlb_untagged;          /* --tlb: 1 untagged, 0 tagged, -1 not given */
	int gdb_port;              /* --gdb: port, or -1 */
};

/* Everything the event listener feeds. */
struct run_ctx {
	struct run_opts *o;        /* options */
	struct machine *m;         /* the machine */
	struct sc_watch *watch;    /* narration and expectations */
	FILE *trace_f;             /* --trace file */
	struct trace_jsonl jsonl;  /* its writer */
	uint32_t jsonl_mask;       /* kinds it records */
	FILE *chrome_f;            /* --chrome-trace file */
	struct trace_chrome chrome;/* its writer */
	struct trace_stats stats;  /* --stats counters */
	FILE *dump_f;              /* --dump-state file */
	bool mid_line;             /* the guest's output did not end with a newline */
	char *console;             /* guest output, for expect.console */
	size_t console_len, console_cap;
};

enum { OPT_PROFILE = 256, OPT_TRACE, OPT_TRACE_INSNS, OPT_CHROME, OPT_STATS, OPT_DUMP, OPT_EXPLAIN, OPT_QUIET, OPT_TLB, OPT_HELP, OPT_GDB };

static const struct option run_options[] = {
	{ "profile", required_argument, 0, OPT_PROFILE },
	{ "trace", required_argument, 0, OPT_TRACE },
	{ "trace-insns", no_argument, 0, OPT_TRACE_INSNS },
	{ "chrome-trace", required_argument, 0, OPT_CHROME },
	{ "stats", no_argument, 0, OPT_STATS },
	{ "dump-state", required_argument, 0, OPT_DUMP },
	{ "explain", no_argument, 0, OPT_EXPLAIN },
	{ "quiet", no_argument, 0, OPT_QUIET },
	{ "tlb", required_argument, 0, OPT_TLB },
	{ "gdb", required_argument, 0, OPT_GDB },
	{ "help", no_argument, 0, OPT_HELP },
	{ 0, 0, 0, 0 },
};

/* Returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, struct run_opts *o)
{
	*o = (struct run_opts){ .tlb_untagged = -1, .gdb_port = -1 };
	optind = 1;
	opterr = 0;
	int ch;
	while ((ch = getopt_long(argc, argv, "", run_options, NULL)) != -1) {
		switch (ch) {
		case OPT_PROFILE: o->profile = optarg; break;
		case OPT_TRACE: o->trace = optarg; break;
		case OPT_TRACE_INSNS: o->trace_insns = true; break;
		case OPT_CHROME: o->chrome = optarg; break;
		case OPT_STATS: o->stats = true; break;
		case OPT_DUMP: o->dump_state = optarg; break;
		case OPT_EXPLAIN: o->explain = true; break;
		case OPT_QUIET: o->quiet = true; break;
		case OPT_TLB:
			if (cli_parse_tlb(optarg, &o->tlb_untagged) != 0)
				return RUN_BAD_INPUT;
			break;
		case OPT_GDB:
			if (gdbstub_parse_port(optarg, &o->gdb_port) != 0) {
				cli_error("--gdb: '%s' is not a TCP port (1-65535, or 0 for any free port)", optarg);
				return RUN_BAD_INPUT;
			}
			break;
		case OPT_HELP:
			fputs(run_help, stdout);
			return 0;
		default:
			cli_error("run: unknown or incomplete option '%s' (try 'vtsim run --help')", argv[optind - 1]);
			return RUN_BAD_INPUT;
		}
	}
	if (optind >= argc) {
		cli_error("run: no scenario given (usage: vtsim run SCENARIO.yaml [OPTIONS]; try 'vtsim run --help')");
		return RUN_BAD_INPUT;
	}
	if (optind + 1 < argc) {
		cli_error("run: one scenario at a time; unexpected argument '%s'", argv[optind + 1]);
		return RUN_BAD_INPUT;
	}
	o->scenario = argv[optind];
	if (o->trace_insns && !o->trace) {
		cli_error("run: --trace-insns adds to --trace; give --trace FILE.jsonl too");
		return RUN_BAD_INPUT;
	}
	int to_stdout = (o->trace && strcmp(o->trace, "-") == 0) + (o->chrome && strcmp(o->chrome, "-") == 0) +
			(o->dump_state && strcmp(o->dump_state, "-") == 0);
	if (to_stdout > 1) {
		cli_error("run: only one of --trace, --chrome-trace and --dump-state can write to stdout ('-')");
		return RUN_BAD_INPUT;
	}
	return -1;
}


static void on_console(void *opaque, uint8_t byte)
{
	struct run_ctx *r = opaque;
	if (!r->o->quiet)
		putchar(byte);
	r->mid_line = byte != '\n';
	if (r->console_len + 1 >= r->console_cap) {
		size_t cap = r->console_cap ? r->console_cap * 2 : 4096;
		if (cap > (64u << 20))
			return; /* keep the first 64 MiB */
		char *p = realloc(r->console, cap);
		if (!p)
			return;
		r->console = p;
		r->console_cap = cap;
	}
	r->console[r->console_len++] = (char)byte;
	r->console[r->console_len] = 0;
}

/* --explain lines start on a line of their own, even mid guest output. */
static void explain_line(struct run_ctx *r)
{
	if (r->mid_line)
		putchar('\n');
	r->mid_line = false;
}

static void say(void *opaque, const struct event *e, const char *text)
{
	struct run_ctx *r = opaque;
	if (r->o->explain && !r->o->quiet) {
		explain_line(r);
		printf("[insn %llu, cycle %llu] %s\n", (unsigned long long)e->icount, (unsigned long long)e->cycles, text);
	}
	if (r->trace_f)
		trace_jsonl_narrate(&r->jsonl, e, text);
	if (r->chrome_f)
		trace_chrome_narrate(&r->chrome, e, text);
}

static void explain(struct run_ctx *r, const struct event *e)
{
	explain_line(r);
	printf("[insn %llu, cycle %llu] ", (unsigned long long)e->icount, (unsigned long long)e->cycles);
	cli_explain_exception(e);
}

static void on_event(void *opaque, const struct event *e)
{
	struct run_ctx *r = opaque;
	/* The event itself first, then the narration it triggers. */
	if (r->o->explain && !r->o->quiet &&
	    (e->kind == EV_EXCEPTION || e->kind == EV_INTERRUPT || e->kind == EV_SHUTDOWN))
		explain(r, e);
	if (r->trace_f && (r->jsonl_mask & EVB(e->kind)))
		trace_jsonl_event(&r->jsonl, e);
	if (r->chrome_f)
		trace_chrome_event(&r->chrome, e);
	if (r->o->stats)
		trace_stats_event(&r->stats, e);
	scenario_watch_event(r->watch, e, say, r);
}

static FILE *open_out(const char *opt, const char *path)
{
	if (strcmp(path, "-") == 0)
		return stdout;
	FILE *f = fopen(path, "w");
	if (!f)
		cli_error("%s: cannot write '%s': %s", opt, path, strerror(errno));
	return f;
}

static void close_out(FILE *f)
{
	if (f && f != stdout)
		fclose(f);
	else if (f)
		fflush(f);
}

static const char *stop_words(enum stop_reason why, int limit)
{
	if (limit == 1)
		return "the instruction limit was reached";
	if (limit == 2)
		return "the cycle limit was reached";
	switch (why) {
	case STOP_HLT: return "HLT with interrupts disabled";
	case STOP_HLT_IDLE: return "HLT with interrupts enabled and nothing to wake the CPU";
	case STOP_EXIT_PORT: return "the guest wrote to the exit port 0xF4";
	case STOP_SHUTDOWN: return "triple fault: the processor shut down";
	default: return "stopped";
	}
}

static void dump_state(FILE *f, struct run_ctx *r, const char *scenario, const char *profile, enum stop_reason why,
		       int limit, const struct sc_result *res)
{
	struct machine *m = r->m;
	fputs("{\n  \"scenario\": ", f);
	trace_json_string(f, scenario);
	fputs(",\n  \"profile\": ", f);
	trace_json_string(f, profile);
	fprintf(f, ",\n  \"stop\": \"%s\",\n", limit == 1 ? "limit-instructions" : limit == 2 ? "limit-cycles" : stop_reason_name(why));
	fprintf(f, "  \"exit_code\": %d,\n  \"instructions\": %llu,\n  \"cycles\": %llu,\n  \"cpl\": %d,\n", machine_exit_code(m),
		(unsigned long long)machine_icount(m), (unsigned long long)machine_cycles(m), machine_cpl(m));
	fprintf(f, "  \"expectations\": {\"checked\": %d, \"failed\": %d},\n", res->checked, res->failed);
	fputs("  \"registers\": {\n", f);
	for (int i = 0; i < VT_REG_COUNT; i++)
		fprintf(f, "    \"%s\": \"0x%llx\"%s\n", machine_reg_name((enum vt_reg)i),
			(unsigned long long)machine_reg_get(m, (enum vt_reg)i), i + 1 < VT_REG_COUNT ? "," : "");
	fputs("  },\n  \"segments\": {\n", f);
	static const char *const sn[VT_SREG_COUNT] = { "es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr" };
	for (int s = 0; s < VT_SREG_COUNT; s++) {
		struct vt_segment v;
		machine_seg_get(m, (enum vt_sreg)s, &v);
		fprintf(f, "    \"%s\": {\"selector\": \"0x%x\", \"base\": \"0x%llx\", \"limit\": \"0x%x\", \"attr\": \"0x%x\"}%s\n", sn[s],
			v.sel, (unsigned long long)v.base, v.limit, v.attr, s + 1 < VT_SREG_COUNT ? "," : "");
	}
	uint64_t base;
	uint16_t lim;
	machine_dtr_get(m, false, &base, &lim);
	fprintf(f, "  },\n  \"gdtr\": {\"base\": \"0x%llx\", \"limit\": \"0x%x\"},\n", (unsigned long long)base, lim);
	machine_dtr_get(m, true, &base, &lim);
	fprintf(f, "  \"idtr\": {\"base\": \"0x%llx\", \"limit\": \"0x%x\"}", (unsigned long long)base, lim);
	const struct ev_exception *e = machine_last_exception(m);
	if (e) {
		fprintf(f, ",\n  \"last_exception\": {\"vector\": %u, \"error_code\": \"0x%x\", \"has_error_code\": %s, \"rip\": \"0x%llx\", \"why\": ",
			e->vector, e->error, e->has_error ? "true" : "false", (unsigned long long)e->rip);
		trace_json_string(f, e->why ? e->why : "");
		fputs("}", f);
	}
	fputs("\n}\n", f);
}

/* Run with the scenario's limits; *limit says which one ended the run
 * (1: instructions, 2: cycles). The core stops at the cycle limit at the
 * end of the decoded block that reaches it (machine_set_cycle_limit).
 * With --gdb, gdb drives the run until it detaches. */
static enum stop_reason run_limited(struct machine *m, struct gdbstub *gdb, struct scenario *sc, uint64_t max_insns,
				    uint64_t max_cycles, int *limit)
{
	*limit = 0;
	if (max_cycles)
		machine_set_cycle_limit(m, max_cycles);
	uint64_t done = machine_icount(m);
	uint64_t left = max_insns > done ? max_insns - done : 0;
	enum stop_reason why = gdb ? gdbstub_run(gdb, m, sc, left, NULL) : machine_run(m, left);
	if (why == STOP_MAX_CYCLES) {
		*limit = 2;
		return STOP_MAX_INSNS;
	}
	if (why == STOP_MAX_INSNS)
		*limit = 1;
	return why;
}

static void print_diag(const struct diag *d)
{
	for (int i = 0; i < d->n; i++)
		fprintf(stderr, "%s\n", d->msg[i]);
	if (d->count > d->n)
		fprintf(stderr, "%s: %d more errors not shown\n", d->file, d->count - d->n);
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	int rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;

	/* 1. Load the scenario: parse, assemble, lay out. */
	struct diag d;
	diag_init(&d, o.scenario);
	struct scenario *sc = scenario_load(o.scenario, &d);
	if (!sc) {
		print_diag(&d);
		diag_free(&d);
		return RUN_BAD_INPUT;
	}

	/* 2. The CPU profile: --profile, else machine.profile, else the default. */
	const char *dirs[4];
	char own[4200];
	int ndirs = cli_profile_dirs(dirs, own, sizeof own);
	int pline, pcol;
	const char *pname = scenario_profile(sc, &pline, &pcol);
	struct cost_profile prof;
	char err[1024];
	struct run_ctx r = { .o = &o };
	struct machine *m = NULL;
	struct gdbstub *gdb = NULL;
	rc = RUN_BAD_INPUT;
	if (cost_find(o.profile ? o.profile : pname ? pname : DEFAULT_PROFILE, dirs, ndirs, &prof, err, sizeof err) != 0) {
		if (o.profile)
			cli_error("--profile: %s", err);
		else if (pname)
			fprintf(stderr, "%s:%d:%d: machine.profile: %s\n", o.scenario, pline, pcol, err);
		else
			cli_error("default profile: %s", err);
		goto out;
	}

	/* 3. The machine in the scenario's starting state. */
	struct machine_config cfg = { .ram_size = scenario_memory(sc), .console = on_console, .console_opaque = &r };
	m = machine_new(&cfg, err, sizeof err);
	if (!m) {
		cli_error("%s", err);
		goto out;
	}
	r.m = m;
	machine_set_profile(m, &prof);
	if (scenario_apply(sc, m, &d) != 0) {
		print_diag(&d);
		goto out;
	}
	if (o.tlb_untagged >= 0) /* --tlb overrides machine.tlb */
		machine_set_tlb_untagged(m, o.tlb_untagged == 1);

	/* 4. Outputs, and one listener that feeds them all. */
	struct trace_info info = { scenario_name(sc), scenario_mode_name(sc), prof.name, prof.hz };
	if (o.trace) {
		if (!(r.trace_f = open_out("--trace", o.trace)))
			goto out;
		trace_jsonl_begin(&r.jsonl, r.trace_f, &info);
		r.jsonl_mask = ((1u << EV_KIND_COUNT) - 1) & ~EVB(EV_STOP);
		if (!o.trace_insns)
			r.jsonl_mask &= ~EVB(EV_INSN);
	}
	if (o.chrome) {
		if (!(r.chrome_f = open_out("--chrome-trace", o.chrome)))
			goto out;
		trace_chrome_begin(&r.chrome, r.chrome_f, m, &info);
	}
	if (o.dump_state && !(r.dump_f = open_out("--dump-state", o.dump_state)))
		goto out;
	r.watch = scenario_watch_new(sc);
	if (!r.watch) {
		cli_error("out of memory");
		goto out;
	}
	uint32_t mask = scenario_event_mask(sc) | r.jsonl_mask;
	if (r.chrome_f)
		mask |= trace_chrome_mask();
	if (o.stats)
		mask |= trace_stats_mask();
	if (machine_subscribe(m, mask, on_event, &r) < 0) {
		cli_error("no free event listener slot");
		goto out;
	}

	/* 5. Run (--gdb: under gdb's control). */
	if (o.gdb_port >= 0 && !(gdb = gdbstub_listen(o.gdb_port, err, sizeof err))) {
		cli_error("--gdb: %s", err);
		goto out;
	}
	struct timespec t0, t1;
	int limit;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	enum stop_reason why = run_limited(m, gdb, sc, scenario_max_insns(sc), scenario_max_cycles(sc), &limit);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fflush(stdout);
	if (r.trace_f)
		trace_jsonl_end(&r.jsonl, m, why, limit);
	if (r.chrome_f)
		trace_chrome_end(&r.chrome, why);
	if (o.explain && !o.quiet) {
		explain_line(&r);
		printf("[insn %llu, cycle %llu] stop: %s at rip 0x%llx\n", (unsigned long long)machine_icount(m),
		       (unsigned long long)machine_cycles(m), stop_words(why, limit), (unsigned long long)machine_reg_get(m, VT_RIP));
	}
	fflush(stdout);

	/* 6. Expectations. */
	struct sc_outcome oc = { why, limit, r.console ? r.console : "", r.console_len };
	struct sc_result res;
	scenario_check(sc, m, r.watch, &oc, &res);
	for (int i = 0; i < res.nmsg; i++)
		fprintf(stderr, "%s\n", res.msg[i]);
	if (res.failed > res.nmsg)
		fprintf(stderr, "%s: %d more failures not shown\n", o.scenario, res.failed - res.nmsg);
	rc = res.failed ? RUN_FAIL : RUN_PASS;
	if (!o.quiet) {
		fprintf(stderr, "vtsim: %s: stop: %s at rip 0x%llx after %llu instructions, %llu cycles (%s)\n", scenario_name(sc),
			stop_words(why, limit), (unsigned long long)machine_reg_get(m, VT_RIP), (unsigned long long)machine_icount(m),
			(unsigned long long)machine_cycles(m), prof.name);
		if (res.failed)
			fprintf(stderr, "vtsim: %s: FAIL: %d of %d expectations failed\n", scenario_name(sc), res.failed, res.checked);
		else
			fprintf(stderr, "vtsim: %s: PASS: %d expectations hold\n", scenario_name(sc), res.checked);
	}
	if (o.stats) {
		double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		trace_stats_print(&r.stats, stderr, m, &info, secs);
	}
	if (r.dump_f)
		dump_state(r.dump_f, &r, scenario_name(sc), prof.name, why, limit, &res);
	scenario_result_free(&res);
out:
	gdbstub_free(gdb);
	close_out(r.trace_f);
	close_out(r.chrome_f);
	close_out(r.dump_f);
	scenario_watch_free(r.watch);
	machine_free(m);
	free(r.console);
	scenario_free(sc);
	diag_free(&d);
	return rc;
}
