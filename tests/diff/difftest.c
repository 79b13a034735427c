/* difftest.c - differential test: random instruction instances on the host CPU and in vtsim. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "difftest.h"

#define DEFAULT_SEED   1
#define DEFAULT_COUNT  100000
#define DEFAULT_REPORT 20
#define MAX_FIRST_REPORTS 100   /* first failures of distinct forms shown in full */

static const struct form_table *const tables[] = {
	&forms_alu, &forms_shift, &forms_muldiv, &forms_bit, &forms_cond,
	&forms_move, &forms_xchg, &forms_misc, &forms_string, &forms_flow,
};

static const char *const gpr_names[NGPR] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

/* The flags the test randomizes and compares, by name. */
static const struct { uint32_t bit; const char *name; } flag_names[] = {
	{ F_CF, "CF" }, { F_PF, "PF" }, { F_AF, "AF" }, { F_ZF, "ZF" },
	{ F_SF, "SF" }, { F_DF, "DF" }, { F_OF, "OF" },
};

struct options {
	uint64_t seed;          /* --seed */
	uint64_t count;         /* --count */
	const char *form;       /* --form: exact name, else a substring */
	int64_t only_case;      /* --case: run just this case index, -1 for all */
	bool list;              /* --list */
	bool verbose;           /* --verbose */
	int max_report;         /* --max-report: failures shown in full */
};

/* The forms selected to run, and per-form counts. */
struct selection {
	const struct form **forms;  /* selected rows */
	size_t n;                   /* how many */
	uint64_t *runs;             /* cases run per selected form */
	uint64_t *fails;            /* cases failed per selected form */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: difftest [--seed N] [--count N] [--form NAME] [--case I]\n"
		"                [--list] [--verbose] [--max-report N]\n"
		"Runs random instances of integer instruction forms on the host CPU and in\n"
		"vtsim and compares GPRs, RFLAGS and memory. --form takes an exact form name\n"
		"(see --list) or, failing that, a substring such as \"shl\" or \"(mem)\".\n");
}

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !*s)
		return false;
	*v = strtoull(s, &end, 0);
	return *end == '\0';
}

static int parse_options(int argc, char **argv, struct options *o)
{
	*o = (struct options){ .seed = DEFAULT_SEED, .count = DEFAULT_COUNT, .only_case = -1,
			       .max_report = DEFAULT_REPORT };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t n;

		if (!strcmp(a, "--list")) {
			o->list = true;
		} else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
			o->verbose = true;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(a, "--form") && v) {
			o->form = v;
			i++;
		} else if ((!strcmp(a, "--seed") || !strcmp(a, "--count") || !strcmp(a, "--case") ||
			    !strcmp(a, "--max-report")) && parse_u64(v, &n)) {
			if (!strcmp(a, "--seed"))
				o->seed = n;
			else if (!strcmp(a, "--count"))
				o->count = n;
			else if (!strcmp(a, "--case"))
				o->only_case = (int64_t)n;
			else
				o->max_report = (int)n;
			i++;
		} else if (!strcmp(a, "--form") || !strcmp(a, "--seed") || !strcmp(a, "--count") ||
			   !strcmp(a, "--case") || !strcmp(a, "--max-report")) {
			fprintf(stderr, "difftest: %s needs %s, got '%s'\n", a,
				strcmp(a, "--form") ? "a number" : "a form name", v ? v : "");
			return -1;
		} else {
			fprintf(stderr, "difftest: unknown argument '%s'\n", a);
			usage(stderr);
			return -1;
		}
	}
	return 0;
}

/* Exact name match wins; otherwise every form whose name contains the text. */
static int select_forms(const char *want, struct selection *sel)
{
	size_t total = 0, n = 0;
	bool exact = false;

	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		total += tables[t]->count;
		for (size_t i = 0; want && i < tables[t]->count; i++)
			exact |= !strcmp(tables[t]->forms[i].name, want);
	}
	sel->forms = calloc(total, sizeof(*sel->forms));
	sel->runs = calloc(total, sizeof(*sel->runs));
	sel->fails = calloc(total, sizeof(*sel->fails));
	if (!sel->forms || !sel->runs || !sel->fails)
		return -1;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (size_t i = 0; i < tables[t]->count; i++) {
			const struct form *f = &tables[t]->forms[i];
			if (!want || (exact ? !strcmp(f->name, want) : strstr(f->name, want) != NULL))
				sel->forms[n++] = f;
		}
	sel->n = n;
	return 0;
}

/* ---- reporting ----------------------------------------------------------- */

static void print_flags(uint64_t v)
{
	printf("%#" PRIx64 " [", v);
	for (size_t i = 0, first = 1; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (v & flag_names[i].bit) {
			printf("%s%s", first ? "" : " ", flag_names[i].name);
			first = 0;
		}
	printf("]");
}

static void print_flag_set(uint32_t bits)
{
	for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (bits & flag_names[i].bit)
			printf(" %s", flag_names[i].name);
}

static void print_insn(const struct dt_case *c)
{
	char text[128];

	disasm(c->insn, c->insn_len, INSN_ADDR, text, sizeof(text));
	for (int i = 0; i < c->insn_len; i++)
		printf("%02x ", c->insn[i]);
	printf("%*s %s\n", 3 * (15 - c->insn_len), "", text);
}

static const uint8_t *initial_byte(const struct dt_case *c, uint64_t addr)
{
	return addr >= STACK_BASE ? &c->stack[addr - STACK_BASE] : &c->data[addr - DATA_BASE];
}

static void print_initial(const struct dt_case *c)
{
	printf("  initial:");
	for (int i = 0; i < NGPR; i++)
		printf("%s%-3s=%016" PRIx64, i % 4 == 0 ? (i ? "\n           " : " ") : "  ",
		       gpr_names[i], c->gpr[i]);
	printf("\n           rflags=");
	print_flags(c->rflags);
	printf("\n");
	if (c->mem_len) {
		printf("           memory operand at %#" PRIx64 ":", c->mem_ea);
		for (unsigned i = 0; i < c->mem_len; i++)
			printf(" %02x", *initial_byte(c, c->mem_ea + i));
		printf("\n");
	}
	for (int i = 1; i < c->nexit; i++)
		printf("           exit %d (branch target) at %#" PRIx64 "\n", i, c->exit[i]);
}

static bool byte_undefined(const struct dt_case *c, uint64_t addr)
{
	return c->undef_mem_len && addr >= c->undef_mem && addr < c->undef_mem + c->undef_mem_len;
}

/* Runs of differing bytes in one window: native vs vtsim, and what was there before. */
static int diff_window(const struct dt_case *c, uint64_t base, const uint8_t *nat,
		       const uint8_t *sim, size_t len, bool print, int *shown)
{
	int runs = 0;

	for (size_t i = 0; i < len;) {
		size_t j;
		if (nat[i] == sim[i] || byte_undefined(c, base + i)) {
			i++;
			continue;
		}
		for (j = i; j < len && j - i < 16 && nat[j] != sim[j] && !byte_undefined(c, base + j); j++)
			;
		runs++;
		if (print && (*shown)++ < 8) {
			printf("  mem %#" PRIx64 ":\n    native", base + i);
			for (size_t k = i; k < j; k++)
				printf(" %02x", nat[k]);
			printf("\n    vtsim ");
			for (size_t k = i; k < j; k++)
				printf(" %02x", sim[k]);
			printf("\n    before");
			for (size_t k = i; k < j; k++)
				printf(" %02x", *initial_byte(c, base + k));
			printf("\n");
		}
		i = j;
	}
	return runs;
}

static const char *exit_name(const struct dt_case *c, const struct outcome *o, char *buf,
			     size_t len)
{
	if (o->vector >= 0)
		snprintf(buf, len, "exception %d at %#" PRIx64, o->vector, o->fault_rip);
	else if (o->exit == 0)
		snprintf(buf, len, "fall-through exit at %#" PRIx64, c->exit[0]);
	else if (o->exit > 0)
		snprintf(buf, len, "exit %d (branch target) at %#" PRIx64, o->exit, c->exit[o->exit]);
	else
		snprintf(buf, len, "no exit pad, rip %#" PRIx64, o->rip);
	return buf;
}

/*
 * Compares the two outcomes; with print set, explains every difference.
 * Returns the number of differences.
 */
static int compare(const struct dt_case *c, const struct outcome *nat, const struct outcome *sim,
		   bool print)
{
	int diffs = 0, shown = 0;
	uint32_t fmask = F_COMPARED & ~c->undef_flags;
	char a[96], b[96];

	if (nat->trouble || sim->trouble) {
		if (print)
			printf("  %s: %s\n", nat->trouble ? "harness" : "vtsim",
			       nat->trouble ? nat->trouble : sim->trouble);
		if (print && nat->trouble)
			printf("  native: %s\n", exit_name(c, nat, a, sizeof(a)));
		diffs++;
		if (nat->trouble)
			return diffs;
	}
	if (nat->vector != sim->vector || nat->exit != sim->exit ||
	    (nat->vector >= 0 && nat->fault_rip != sim->fault_rip)) {
		if (print)
			printf("  ended:   native %s\n           vtsim  %s\n",
			       exit_name(c, nat, a, sizeof(a)), exit_name(c, sim, b, sizeof(b)));
		diffs++;
	}
	for (int i = 0; i < NGPR; i++) {
		uint64_t x = (nat->gpr[i] ^ sim->gpr[i]) & ~c->undef_bits[i];
		if (x) {
			if (print)
				printf("  %-3s:     native %016" PRIx64 "  vtsim %016" PRIx64 "\n",
				       gpr_names[i], nat->gpr[i], sim->gpr[i]);
			diffs++;
		}
	}
	if ((nat->rflags ^ sim->rflags) & fmask) {
		if (print) {
			printf("  rflags:  native ");
			print_flags(nat->rflags & F_COMPARED);
			printf("  vtsim ");
			print_flags(sim->rflags & F_COMPARED);
			printf("\n           differ in");
			print_flag_set((uint32_t)(nat->rflags ^ sim->rflags) & fmask);
			if (c->undef_flags & F_COMPARED) {
				printf(" (not compared, undefined here:");
				print_flag_set(c->undef_flags & F_COMPARED);
				printf(")");
			}
			printf("\n");
		}
		diffs++;
	}
	diffs += diff_window(c, DATA_BASE, nat->data, sim->data, DATA_SIZE, print, &shown);
	diffs += diff_window(c, STACK_BASE, nat->stack, sim->stack, STACK_SIZE, print, &shown);
	if (print && shown > 8)
		printf("  ... %d more differing memory runs\n", shown - 8);
	return diffs;
}

static void report(const struct options *o, uint64_t index, const struct form *f,
		   const struct dt_case *c, const struct outcome *nat, const struct outcome *sim)
{
	printf("FAIL case %" PRIu64 ": %s\n  insn:    ", index, f->name);
	print_insn(c);
	print_initial(c);
	compare(c, nat, sim, true);
	printf("  rerun:   difftest --seed %" PRIu64 " --case %" PRIu64, o->seed, index);
	if (o->form)
		printf(" --form '%s'", o->form);
	printf("\n");
}

/* ---- main ---------------------------------------------------------------- */

static void list_forms(const struct selection *sel)
{
	for (size_t i = 0; i < sel->n; i++)
		printf("%s\n", sel->forms[i]->name);
	printf("%zu forms\n", sel->n);
}

int main(int argc, char **argv)
{
	struct options opt;
	struct selection sel;
	struct native *nat;
	struct vt *sim;
	struct dt_case *c = malloc(sizeof(*c));
	struct outcome on, os;
	uint64_t passed = 0, failed = 0, first = 0, last;
	size_t covered = 0, failing_forms = 0, reported = 0;
	char err[256];
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);

	/* 1. Options and the forms they select. */
	if (parse_options(argc, argv, &opt) != 0)
		return 2;
	if (!c || select_forms(opt.form, &sel) != 0) {
		fprintf(stderr, "difftest: out of memory\n");
		return 2;
	}
	if (sel.n == 0) {
		fprintf(stderr, "difftest: no form matches '%s' (see --list)\n", opt.form);
		return 2;
	}
	if (opt.list) {
		list_forms(&sel);
		free(sel.forms);
		free(sel.runs);
		free(sel.fails);
		free(c);
		return 0;
	}

	/* 2. The two machines: fixed host mappings, one vtsim instance. */
	nat = native_new(err, sizeof(err));
	if (!nat) {
		fprintf(stderr, "difftest: host set-up: %s\n", err);
		return 2;
	}
	sim = vt_new(err, sizeof(err));
	if (!sim) {
		fprintf(stderr, "difftest: vtsim set-up: %s\n", err);
		return 2;
	}

	/* 3. Case i runs form i mod n with a PRNG seeded from (seed, i), so any
	 *    single case can be rerun alone with --case. */
	last = opt.count;
	if (opt.only_case >= 0) {
		first = (uint64_t)opt.only_case;
		last = first + 1;
	}
	for (uint64_t i = first; i < last; i++) {
		size_t k = (size_t)(i % sel.n);
		const struct form *f = sel.forms[k];
		struct rng r;
		bool ok;

		rng_seed(&r, opt.seed * 0x9e3779b97f4a7c15ull ^ i);
		sel.runs[k]++;
		if (!case_generate(f, &r, c, err, sizeof(err))) {
			printf("FAIL case %" PRIu64 ": %s\n  harness: %s\n", i, f->name, err);
			failed++;
			sel.fails[k]++;
			continue;
		}
		native_run_case(nat, c, &on);
		vt_run_case(sim, c, &os);
		ok = compare(c, &on, &os, false) == 0;
		if (opt.verbose) {
			printf("%s case %" PRIu64 ": %-36s %-7s ", ok ? "ok  " : "FAIL", i, f->name,
			       on.vector == 0 ? "#DE" : on.vector > 0 ? "fault" :
			       on.exit == 0 ? "next" : "branch");
			print_insn(c);
		}
		if (ok) {
			passed++;
			continue;
		}
		failed++;
		/* In full: the first few failures, and the first of every form
		 * (up to a limit, should everything fail at once). */
		if (failed <= (uint64_t)opt.max_report ||
		    (sel.fails[k] == 0 && reported < MAX_FIRST_REPORTS)) {
			report(&opt, i, f, c, &on, &os);
			reported++;
		}
		sel.fails[k]++;
	}

	/* 4. The summary: failing forms, coverage, and the counts line. */
	for (size_t k = 0; k < sel.n; k++) {
		covered += sel.runs[k] > 0;
		if (sel.fails[k]) {
			if (failing_forms++ == 0)
				printf("failing forms (failed/run):\n");
			printf("  %-40s %" PRIu64 "/%" PRIu64 "\n", sel.forms[k]->name, sel.fails[k],
			       sel.runs[k]);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("forms covered: %zu of %zu selected, %zu failing; seed %" PRIu64 ", %.1f s\n",
	       covered, sel.n, failing_forms, opt.seed,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	printf("%" PRIu64 " passed, %" PRIu64 " failed\n", passed, failed);
	vt_free(sim);
	native_free(nat);
	free(sel.forms);
	free(sel.runs);
	free(sel.fails);
	free(c);
	return failed ? 1 : 0;
}
