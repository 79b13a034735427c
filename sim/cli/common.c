/* common.c - what the run-a-machine subcommands share: files, running, the stop report, state files. */
#include "common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"
#include "../cost.h"
#include "../scenario/files.h"
#include "../trace/evfield.h"
#include "../trace/trace.h"

int cli_read_file(const char *path, uint8_t **data, size_t *len)
{
	char err[160];
	if (sc_read_file(path, data, len, 4ull << 30, err, sizeof err) != 0) {
		cli_error("cannot open '%s': %s", path, err);
		return -1;
	}
	return 0;
}

void cli_stdout_console(void *opaque, uint8_t byte)
{
	(void)opaque;
	putchar(byte);
}

enum stop_reason cli_run(struct machine *m, uint64_t max_insns, double *secs)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	enum stop_reason why = machine_run(m, max_insns);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fflush(stdout);
	*secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	return why;
}

void cli_say_stop(struct machine *m, enum stop_reason why)
{
	const char *what = "";
	switch (why) {
	case STOP_HLT: what = "HLT with interrupts disabled"; break;
	case STOP_HLT_IDLE: what = "HLT with interrupts enabled, but no interrupt can arrive"; break;
	case STOP_MAX_CYCLES: what = "the cycle limit was reached"; break;
	case STOP_EXIT_PORT: what = "the guest wrote to the exit port 0xF4"; break;
	case STOP_MAX_INSNS: what = "the instruction limit was reached"; break;
	case STOP_SHUTDOWN: what = "triple fault: the processor shut down"; break;
	default: what = "stopped"; break;
	}
	fprintf(stderr, "vtsim: stop: %s (%s) at rip 0x%llx after %llu instructions\n",
		stop_reason_name(why), what, (unsigned long long)machine_reg_get(m, VT_RIP),
		(unsigned long long)machine_icount(m));
	const struct ev_exception *e = machine_last_exception(m);
	if (e && why == STOP_SHUTDOWN)
		fprintf(stderr, "vtsim: last exception: vector %u at rip 0x%llx: %s%s%s\n", e->vector,
			(unsigned long long)e->rip, e->why, e->insn[0] ? " — " : "", e->insn);
}

/* Mnemonics of the architectural exception vectors (SDM Vol. 3A, 6.3.1, Table 6-1). */
static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS", "#NP",
	"#SS", "#GP", "#PF", NULL, "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

void cli_print_machine_state(FILE *f, struct machine *m)
{
	static const enum vt_reg rows[][4] = {
		{ VT_RAX, VT_RBX, VT_RCX, VT_RDX },
		{ VT_RSI, VT_RDI, VT_RBP, VT_RSP },
		{ VT_R8, VT_R9, VT_R10, VT_R11 },
		{ VT_R12, VT_R13, VT_R14, VT_R15 },
		{ VT_RIP, VT_RFLAGS, VT_FS_BASE, VT_GS_BASE },
		{ VT_CR0, VT_CR2, VT_CR3, VT_CR4 },
	};
	fprintf(f, "vtsim: machine state (CPL %d):\n", machine_cpl(m));
	for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
		fputs("   ", f);
		for (int k = 0; k < 4; k++)
			fprintf(f, " %-7s %016llx", machine_reg_name(rows[r][k]),
				(unsigned long long)machine_reg_get(m, rows[r][k]));
		fputc('\n', f);
	}
	fprintf(f, "    efer    %016llx   ", (unsigned long long)machine_reg_get(m, VT_EFER));
	for (enum vt_reg s = VT_ES; s <= VT_GS; s++)
		fprintf(f, " %s %04llx", machine_reg_name(s), (unsigned long long)machine_reg_get(m, s));
	fputc('\n', f);
	/* The explanation is on the "last exception" line of cli_say_stop. */
	const struct ev_exception *e = machine_last_exception(m);
	if (!e)
		return;
	const char *name = e->vector < 32 && exc_names[e->vector] ? exc_names[e->vector] : "reserved";
	fprintf(f, "    last exception: vector %u (%s)", e->vector, name);
	if (e->has_error)
		fprintf(f, ", error code 0x%x", e->error);
	else
		fprintf(f, ", no error code");
	fprintf(f, ", at rip 0x%llx\n", (unsigned long long)e->rip);
}

void cli_print_stats(struct machine *m, double secs)
{
	struct icache_stats ic;
	machine_icache_stats(m, &ic);
	fprintf(stderr, "instructions: %llu\ncycles: %llu\nwall-seconds: %.6f\nmips: %.1f\n",
		(unsigned long long)machine_icount(m), (unsigned long long)machine_cycles(m), secs,
		secs > 0 ? (double)machine_icount(m) / secs / 1e6 : 0.0);
	fprintf(stderr, "decoded-blocks: %llu\ndecoded-insns: %llu\nsmc-invalidations: %llu\n",
		(unsigned long long)ic.blocks_built, (unsigned long long)ic.insns_decoded,
		(unsigned long long)ic.invalidations);
	trace_print_vmx_stats(stderr, m);
}

int cli_exit_status(struct machine *m, enum stop_reason why)
{
	switch (why) {
	case STOP_EXIT_PORT: return ((machine_exit_code(m) << 1) | 1) & 0xff;
	case STOP_MAX_INSNS: return EXIT_LIMIT;
	case STOP_SHUTDOWN: return EXIT_SHUTDOWN;
	default: return EXIT_HALT;
	}
}

static void write_state(FILE *f, struct machine *m, enum stop_reason why, const char *start_mode,
			const struct cli_dump *dumps, int ndumps)
{
	fprintf(f, "{\n  \"stop\": \"%s\",\n", stop_reason_name(why));
	fprintf(f, "  \"exit_code\": %d,\n", machine_exit_code(m));
	fprintf(f, "  \"instructions\": %llu,\n", (unsigned long long)machine_icount(m));
	fprintf(f, "  \"cycles\": %llu,\n", (unsigned long long)machine_cycles(m));
	fprintf(f, "  \"start_mode\": \"%s\",\n  \"cpl\": %d,\n", start_mode, machine_cpl(m));
	fprintf(f, "  \"registers\": {\n");
	for (int r = 0; r < VT_REG_COUNT; r++)
		fprintf(f, "    \"%s\": %llu%s\n", machine_reg_name((enum vt_reg)r),
			(unsigned long long)machine_reg_get(m, (enum vt_reg)r), r + 1 < VT_REG_COUNT ? "," : "");
	fprintf(f, "  },\n");
	const struct ev_exception *e = machine_last_exception(m);
	if (e) {
		fprintf(f, "  \"last_exception\": {\"vector\": %u, \"error_code\": %u, \"has_error_code\": %s, \"rip\": %llu, \"why\": ",
			e->vector, e->error, e->has_error ? "true" : "false", (unsigned long long)e->rip);
		json_write_string(f, e->why);
		fprintf(f, ", \"insn\": ");
		json_write_string(f, e->insn);
		fprintf(f, "},\n");
	}
	fprintf(f, "  \"memory\": [");
	for (int i = 0; i < ndumps; i++) {
		const struct cli_dump *d = &dumps[i];
		fprintf(f, "%s\n    {\"addr\": %llu, \"len\": %llu, \"hex\": \"", i ? "," : "",
			(unsigned long long)d->addr, (unsigned long long)d->len);
		uint8_t buf[4096];
		for (uint64_t off = 0; off < d->len; off += sizeof buf) {
			size_t n = d->len - off < sizeof buf ? (size_t)(d->len - off) : sizeof buf;
			machine_phys_read(m, d->addr + off, buf, n);
			for (size_t k = 0; k < n; k++)
				fprintf(f, "%02x", buf[k]);
		}
		fprintf(f, "\"}");
	}
	fprintf(f, "%s]\n}\n", ndumps ? "\n  " : "");
}

int cli_dump_state(const char *path, struct machine *m, enum stop_reason why, const char *start_mode,
		   const struct cli_dump *dumps, int ndumps)
{
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
	if (!f) {
		cli_error("--dump-state: cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	write_state(f, m, why, start_mode, dumps, ndumps);
	if (f != stdout)
		fclose(f);
	return 0;
}

static void trace_event(void *opaque, const struct event *e)
{
	struct cli_trace *t = opaque;
	trace_jsonl_event(&t->w, e);
}

int cli_trace_open(struct cli_trace *t, struct machine *m, const char *path, bool insns,
		   const char *name, const char *mode)
{
	t->f = NULL;
	t->handle = -1;
	if (!path)
		return 0;
	t->f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
	if (!t->f) {
		cli_error("--trace: cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	const struct cost_profile *p = machine_profile(m);
	struct trace_info info = { name, mode, p ? p->name : "none", machine_cpu_hz(m) };
	trace_jsonl_begin(&t->w, t->f, &info);
	uint32_t mask = ((1u << EV_KIND_COUNT) - 1) & ~EVB(EV_STOP);
	if (!insns)
		mask &= ~EVB(EV_INSN);
	t->handle = machine_subscribe(m, mask, trace_event, t);
	return 0;
}

void cli_trace_close(struct cli_trace *t, struct machine *m, enum stop_reason why)
{
	if (!t->f)
		return;
	machine_unsubscribe(m, t->handle);
	trace_jsonl_end(&t->w, m, why, why == STOP_MAX_INSNS ? 1 : why == STOP_MAX_CYCLES ? 2 : 0);
	if (t->f != stdout)
		fclose(t->f);
	else
		fflush(stdout);
	t->f = NULL;
}

int cli_parse_tlb(const char *arg, int *untagged)
{
	if (strcmp(arg, "untagged") != 0 && strcmp(arg, "tagged") != 0) {
		cli_error("--tlb: '%s' is not one of tagged, untagged", arg);
		return -1;
	}
	*untagged = arg[0] == 'u' ? 1 : 0;
	return 0;
}

/* Profiles: $VTSIM_PROFILES, then the source tree when this vtsim runs
 * from its build directory, then $(pkgdatadir)/profiles. */
bool cli_in_build_tree(void)
{
	char exe[4096];
	ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (k <= 0)
		return false;
	exe[k] = 0;
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	return strcmp(exe, VTSIM_BUILDDIR) == 0;
}

int cli_profile_dirs(const char **dirs, char *own, size_t ownlen)
{
	int n = 0;
	const char *env = getenv("VTSIM_PROFILES");
	if (env && *env)
		dirs[n++] = env;
	if (cli_in_build_tree()) {
		snprintf(own, ownlen, "%s/profiles", VTSIM_SRCDIR);
		dirs[n++] = own;
	}
	dirs[n++] = VTSIM_PKGDATADIR "/profiles";
	return n;
}

void cli_explain_exception(const struct event *e)
{
	const struct ev_exception *x = &e->u.exc;
	const char *name = ev_vector_name(x->vector);
	if (e->kind == EV_SHUTDOWN) {
		printf("shutdown at rip 0x%llx: %s\n", (unsigned long long)x->rip, x->why ? x->why : "");
		return;
	}
	if (e->kind == EV_INTERRUPT)
		printf("interrupt vector %u at rip 0x%llx", x->vector, (unsigned long long)x->rip);
	else if (name)
		printf("%s (vector %u) at rip 0x%llx", name, x->vector, (unsigned long long)x->rip);
	else
		printf("INT 0x%x at rip 0x%llx", x->vector, (unsigned long long)x->rip);
	if (x->has_error)
		printf(", error code 0x%x", x->error);
	if (x->why && *x->why)
		printf(": %s", x->why);
	if (x->insn && *x->insn)
		printf(" [%s]", x->insn);
	putchar('\n');
}
