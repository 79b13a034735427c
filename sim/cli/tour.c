/* tour.c - `vtsim tour`: the seven IA-32 virtualization challenges, each without and with VT-x, measured side by side; then memory virtualization. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../cost.h"
#include "../machine.h"
#include "../scenario/scenario.h"
#include "../trace/evfield.h"
#include "cli.h"
#include "config.h"

#define DEFAULT_PROFILE "skylake"

/* Exit statuses of `vtsim tour` (see vtsim(1)). */
enum { TOUR_PASS = 0, TOUR_FAIL = 1, TOUR_BAD_INPUT = 2 };

static const char tour_help[] =
	"usage: vtsim tour [N | memory] [--profile NAME] [--scenarios DIR]\n"
	"\n"
	"Run the seven IA-32 virtualization challenges of Uhlig et al. (IEEE\n"
	"Computer, 2005), each as a pair of scenarios: the guest under a software\n"
	"VMM that deprivileges its kernel, and the same guest under VT-x\n"
	"(docs/challenges.md). Print one table: what the guest observed on each\n"
	"side, traps per operation under the software VMM, VM exits per operation\n"
	"under VT-x and cycles per operation for both, all measured between the\n"
	"guest's port-80H markers; then what VT-x changed. Then a second table:\n"
	"one page-table workload natively, under a shadow-paging monitor and under\n"
	"EPT with 4 KiB and 2 MiB pages (m1-memory-*.yaml): traps and VM exits per\n"
	"PTE write, page-walk references per TLB miss, cycles per PTE write.\n"
	"\n"
	"  N                challenge 1-7 only: run both sides with their narration\n"
	"                   (as 'vtsim run --explain') and print its row\n"
	"  memory           the memory-virtualization table only\n"
	"  --profile NAME   CPU cost profile for every run (default: each scenario's\n"
	"                   machine.profile, else skylake)\n"
	"  --scenarios DIR  where the cN-SLUG-sw*.yaml, cN-SLUG-vtx.yaml and\n"
	"                   m1-memory-*.yaml files are\n"
	"                   (default: scenarios/challenges of the source tree when\n"
	"                   vtsim runs from its build directory)\n"
	"  --help           this text\n"
	"\n"
	"Exit status: 0 when every pair ran and its scenarios' expectations hold; 1\n"
	"when a scenario is missing, did not load, or failed an expectation; 2 for\n"
	"bad arguments or a missing directory.\n";

/* ---- the challenges ------------------------------------------------- */

/* What one side of a pair measured. */
struct side {
	char file[4400];           /* the scenario's path */
	bool ran;                  /* it loaded and ran */
	char problem[400];         /* why the row fails, when it does ("" if fine) */
	int checked, failed;       /* its own expectations */
	bool has_obs, has_obs2, has_ops; /* the contract's labels exist */
	uint64_t observed, observed2, ops; /* their values at the end of the run */
	bool marked;               /* both port-80H markers were seen */
	uint64_t cycles;           /* cycles between the markers */
	uint64_t traps;            /* exception and interrupt deliveries between them */
	uint64_t exits;            /* VM exits between them */
	uint64_t walks;            /* page walks (TLB misses that walked) between them */
	uint64_t walk_refs;        /* paging-structure entries those walks read, guest and EPT */
	char profile[64];          /* the cost profile it ran with */
};

/* How a challenge's observed values read for a human (docs/challenges.md). */
typedef void obs_fmt(char *buf, size_t len, const struct side *s);

static void fmt_ring_aliasing(char *b, size_t n, const struct side *s)
{
	snprintf(b, n, "CS=0x%02llx (RPL %llu)", (unsigned long long)(s->observed & 0xffff),
		 (unsigned long long)(s->observed & 3));
}

static void fmt_address_space(char *b, size_t n, const struct side *s)
{
	snprintf(b, n, "%s, %llu trap%s", s->observed ? "write ok" : "write failed", (unsigned long long)s->observed2,
		 s->observed2 == 1 ? "" : "s");
}

static void fmt_privileged_state(char *b, size_t n, const struct side *s)
{
	snprintf(b, n, "IF=%llu, SIDT=0x%llx", (unsigned long long)(s->observed & 1), (unsigned long long)s->observed2);
}

static void fmt_guest_transitions(char *b, size_t n, const struct side *s)
{
	snprintf(b, n, "%llu syscall%s handled", (unsigned long long)s->observed, s->observed == 1 ? "" : "s");
}

static void fmt_interrupts(char *b, size_t n, const struct side *s)
{
	snprintf(b, n, "%llu timer IRQs, %llu CLI/STI", (unsigned long long)s->observed, (unsigned long long)s->observed2);
}

static void fmt_ring_compression(char *b, size_t n, const struct side *s)
{
	snprintf(b, n, "monitor %s, app %s", s->observed ? "read" : "safe", s->observed2 ? "read kernel" : "faulted");
}

static void fmt_hidden_state(char *b, size_t n, const struct side *s)
{
	snprintf(b, n, "DS byte 0x%02llx", (unsigned long long)(s->observed & 0xff));
}

/* One row per challenge: the contract of docs/challenges.md. */
static const struct challenge {
	int n;                     /* 1-7 */
	const char *slug;          /* the file names' SLUG */
	const char *title;         /* for the table */
	bool has_obs2;             /* the pair defines observed2 */
	obs_fmt *fmt;              /* observed (and observed2) for a human */
	const char *sw_shows;      /* what the guest sees without VT-x, for the story */
} challenges[] = {
	{ 1, "ring-aliasing", "ring aliasing", false, fmt_ring_aliasing,
	  "its deprivileged ring in CS" },
	{ 2, "address-space", "address space", true, fmt_address_space,
	  "faults where the monitor lives" },
	{ 3, "privileged-state", "privileged state", true, fmt_privileged_state,
	  "a POPF that silently kept IF and the monitor's IDT" },
	{ 4, "guest-transitions", "guest transitions", false, fmt_guest_transitions,
	  "system calls that detour through the monitor" },
	{ 5, "interrupts", "interrupts", true, fmt_interrupts,
	  "CLI and STI that trap" },
	{ 6, "ring-compression", "ring compression", true, fmt_ring_compression,
	  "a ring shared with its applications" },
	{ 7, "hidden-state", "hidden state", false, fmt_hidden_state,
	  "a descriptor cache that did not survive a world switch" },
};
#define NCHALLENGES (int)(sizeof challenges / sizeof challenges[0])

/* ---- finding the files ---------------------------------------------- */

/* $(srcdir)/scenarios/challenges when this vtsim runs from its build
 * directory, else $(pkgdatadir)/scenarios/challenges (as run.c finds
 * profiles). */
static void default_scenarios(char *dir, size_t len)
{
	snprintf(dir, len, "%s/scenarios/challenges", cli_in_build_tree() ? VTSIM_SRCDIR : VTSIM_PKGDATADIR);
}


/* The files of one pair: the software-VMM side (one or more: -sw, -sw32,
 * -sw64) and the VT-x side. */
#define MAX_SW 4
struct pair {
	const struct challenge *c;       /* which challenge */
	char slug[64];                   /* as the files spell it */
	char sw[MAX_SW][256];            /* base names of the software-VMM files, sorted */
	char sw_tag[MAX_SW][8];          /* "", "32", "64": what follows -sw */
	int nsw;
	char vtx[256];                   /* base name of the VT-x file, or "" */
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Does name look like cN-SLUG-KIND.yaml? Fills slug and kind ("sw", "sw32", "vtx"). */
static bool parse_name(const char *name, int n, char *slug, size_t slen, char *kind, size_t klen)
{
	char prefix[8];
	snprintf(prefix, sizeof prefix, "c%d-", n);
	size_t pl = strlen(prefix), len = strlen(name);
	if (strncmp(name, prefix, pl) != 0 || len < pl + 6 || strcmp(name + len - 5, ".yaml") != 0)
		return false;
	const char *dash = NULL;
	for (const char *p = name + pl; p < name + len - 5; p++)
		if (*p == '-')
			dash = p;
	if (!dash || dash == name + pl)
		return false;
	size_t sl = (size_t)(dash - (name + pl)), kl = (size_t)(name + len - 5 - (dash + 1));
	if (sl >= slen || kl >= klen)
		return false;
	memcpy(slug, name + pl, sl);
	slug[sl] = 0;
	memcpy(kind, dash + 1, kl);
	kind[kl] = 0;
	return strcmp(kind, "vtx") == 0 || strncmp(kind, "sw", 2) == 0;
}

static void find_pair(DIR *d, const struct challenge *c, struct pair *p)
{
	*p = (struct pair){ .c = c };
	snprintf(p->slug, sizeof p->slug, "%s", c->slug);
	rewinddir(d);
	struct dirent *e;
	char sw[MAX_SW][256];
	int nsw = 0;
	while ((e = readdir(d))) {
		char slug[64], kind[16];
		if (!parse_name(e->d_name, c->n, slug, sizeof slug, kind, sizeof kind))
			continue;
		snprintf(p->slug, sizeof p->slug, "%s", slug);
		if (strcmp(kind, "vtx") == 0)
			snprintf(p->vtx, sizeof p->vtx, "%s", e->d_name);
		else if (nsw < MAX_SW)
			snprintf(sw[nsw++], sizeof sw[0], "%s", e->d_name);
	}
	qsort(sw, (size_t)nsw, sizeof sw[0], cmp_str);
	for (int i = 0; i < nsw; i++) {
		memcpy(p->sw[i], sw[i], sizeof sw[i]);
		const char *k = strrchr(sw[i], '-') + 3; /* after "-sw" */
		snprintf(p->sw_tag[i], sizeof p->sw_tag[i], "%.*s", (int)(strlen(k) - 5), k);
	}
	p->nsw = nsw;
}

/* ---- running one side ----------------------------------------------- */

struct tour_opts {
	int only;                  /* N, or 0 for all */
	bool memory;               /* `vtsim tour memory`: the memory table only */
	const char *profile;       /* --profile */
	char dir[4096];            /* the scenarios */
};

/* What the event listener keeps for one run. */
struct tour_run {
	struct machine *m;         /* the machine */
	struct sc_watch *watch;    /* the scenario's narration and expectations */
	bool narrate;              /* print narration and explanations */
	bool mid_line;             /* guest output did not end with a newline */
	int region;                /* 0 before the 01H marker, 1 inside, 2 after 02H */
	uint64_t start_cycles;     /* cycle stamp of the 01H marker */
	struct side *s;            /* where the measurements go */
	char *console;             /* guest output, for expect.console */
	size_t console_len, console_cap;
};

static void on_console(void *opaque, uint8_t byte)
{
	struct tour_run *t = opaque;
	if (t->narrate)
		putchar(byte);
	t->mid_line = byte != '\n';
	if (t->console_len + 1 >= t->console_cap) {
		size_t cap = t->console_cap ? t->console_cap * 2 : 4096;
		char *p = cap <= (64u << 20) ? realloc(t->console, cap) : NULL;
		if (!p)
			return;
		t->console = p;
		t->console_cap = cap;
	}
	t->console[t->console_len++] = (char)byte;
	t->console[t->console_len] = 0;
}

static void stamp(struct tour_run *t, const struct event *e)
{
	if (t->mid_line)
		putchar('\n');
	t->mid_line = false;
	printf("[insn %llu, cycle %llu] ", (unsigned long long)e->icount, (unsigned long long)e->cycles);
}

static void say(void *opaque, const struct event *e, const char *text)
{
	struct tour_run *t = opaque;
	if (!t->narrate)
		return;
	stamp(t, e);
	printf("%s\n", text);
}

/* One line per exception, interrupt and shutdown, as `vtsim run --explain`. */
static void explain(struct tour_run *t, const struct event *e)
{
	stamp(t, e);
	cli_explain_exception(e);
}

/* The tour's own measurements: the port-80H markers, traps, VM exits and
 * page walks. */
static uint32_t tour_mask(void)
{
	return EVB(EV_IO) | EVB(EV_EXCEPTION) | EVB(EV_INTERRUPT) | EVB(EV_VMEXIT) | EVB(EV_SHUTDOWN) | EVB(EV_WALK);
}

static void on_event(void *opaque, const struct event *e)
{
	struct tour_run *t = opaque;
	if (t->narrate && (e->kind == EV_EXCEPTION || e->kind == EV_INTERRUPT || e->kind == EV_SHUTDOWN))
		explain(t, e);
	switch (e->kind) {
	case EV_IO:
		if (e->u.io.port == 0x80 && e->u.io.write) {
			uint8_t v = (uint8_t)e->u.io.value;
			if (v == 1 && t->region == 0) {
				t->region = 1;
				t->start_cycles = e->cycles;
				if (t->narrate) {
					stamp(t, e);
					printf("tour: the measured region starts (port 80H := 01H)\n");
				}
			} else if (v == 2 && t->region == 1) {
				t->region = 2;
				t->s->marked = true;
				t->s->cycles = e->cycles - t->start_cycles;
				if (t->narrate) {
					stamp(t, e);
					printf("tour: the measured region ends (port 80H := 02H)\n");
				}
			}
		}
		break;
	case EV_EXCEPTION:
	case EV_INTERRUPT:
		if (t->region == 1)
			t->s->traps++;
		break;
	case EV_VMEXIT:
		if (t->region == 1)
			t->s->exits++;
		break;
	case EV_WALK:
		/* A TLB miss that walked: its `refs`, as traces show them
		 * (docs/trace-format.md), guest and EPT entries together. */
		if (t->region == 1) {
			const struct ev_field *refs = ev_field_find(EV_WALK, "refs");
			t->s->walks++;
			t->s->walk_refs += refs ? refs->get(e) : 0;
		}
		break;
	default: break;
	}
	scenario_watch_event(t->watch, e, say, t);
}

static bool read_label(struct scenario *sc, struct machine *m, const char *name, uint64_t *v)
{
	uint64_t pa;
	if (!scenario_label(sc, name, NULL, &pa))
		return false;
	*v = 0;
	machine_phys_read(m, pa, v, 8);
	return true;
}

static void print_diag(const struct diag *d)
{
	for (int i = 0; i < d->n; i++)
		fprintf(stderr, "%s\n", d->msg[i]);
	if (d->count > d->n)
		fprintf(stderr, "%s: %d more errors not shown\n", d->file, d->count - d->n);
}

/* Load, run and measure one scenario; the outcome goes to s. */
static void run_side(const struct tour_opts *o, const char *file, bool narrate, struct side *s)
{
	*s = (struct side){ 0 };
	snprintf(s->file, sizeof s->file, "%s/%s", o->dir, file);
	struct diag d;
	diag_init(&d, s->file);
	struct tour_run t = { .narrate = narrate, .s = s };
	struct machine *m = NULL;
	struct scenario *sc = scenario_load(s->file, &d);
	if (!sc) {
		print_diag(&d);
		snprintf(s->problem, sizeof s->problem, "%s does not load", file);
		goto out;
	}
	const char *dirs[4];
	char own[4200], err[1024];
	int ndirs = cli_profile_dirs(dirs, own, sizeof own);
	int line, col;
	const char *pname = o->profile ? o->profile : scenario_profile(sc, &line, &col);
	struct cost_profile prof;
	if (cost_find(pname ? pname : DEFAULT_PROFILE, dirs, ndirs, &prof, err, sizeof err) != 0) {
		cli_error("%s: profile: %s", s->file, err);
		snprintf(s->problem, sizeof s->problem, "%s: no profile", file);
		goto out;
	}
	snprintf(s->profile, sizeof s->profile, "%s", prof.name);
	struct machine_config cfg = { .ram_size = scenario_memory(sc), .console = on_console, .console_opaque = &t };
	m = machine_new(&cfg, err, sizeof err);
	if (!m) {
		cli_error("%s: %s", s->file, err);
		snprintf(s->problem, sizeof s->problem, "%s: no machine", file);
		goto out;
	}
	t.m = m;
	machine_set_profile(m, &prof);
	if (scenario_apply(sc, m, &d) != 0) {
		print_diag(&d);
		snprintf(s->problem, sizeof s->problem, "%s does not load", file);
		goto out;
	}
	t.watch = scenario_watch_new(sc);
	if (!t.watch || machine_subscribe(m, scenario_event_mask(sc) | tour_mask(), on_event, &t) < 0) {
		cli_error("out of memory or event listener slots");
		snprintf(s->problem, sizeof s->problem, "%s: no listener", file);
		goto out;
	}

	/* Run with the scenario's limits, as `vtsim run` does. */
	int limit = 0;
	uint64_t max_cycles = scenario_max_cycles(sc);
	if (max_cycles)
		machine_set_cycle_limit(m, max_cycles);
	enum stop_reason why = machine_run(m, scenario_max_insns(sc));
	if (why == STOP_MAX_CYCLES) {
		limit = 2;
		why = STOP_MAX_INSNS;
	} else if (why == STOP_MAX_INSNS) {
		limit = 1;
	}
	s->ran = true;
	if (narrate) {
		if (t.mid_line)
			putchar('\n');
		printf("[insn %llu, cycle %llu] stop: %s at rip 0x%llx\n", (unsigned long long)machine_icount(m),
		       (unsigned long long)machine_cycles(m), limit ? "a limit was reached" : stop_reason_name(why),
		       (unsigned long long)machine_reg_get(m, VT_RIP));
	}
	fflush(stdout);

	/* The scenario's own expectations. */
	struct sc_outcome oc = { why, limit, t.console ? t.console : "", t.console_len };
	struct sc_result res;
	scenario_check(sc, m, t.watch, &oc, &res);
	for (int i = 0; i < res.nmsg; i++)
		fprintf(stderr, "%s\n", res.msg[i]);
	s->checked = res.checked;
	s->failed = res.failed;
	scenario_result_free(&res);

	/* The contract's labels. */
	s->has_obs = read_label(sc, m, "observed", &s->observed);
	s->has_obs2 = read_label(sc, m, "observed2", &s->observed2);
	s->has_ops = read_label(sc, m, "ops", &s->ops);
	if (s->failed)
		snprintf(s->problem, sizeof s->problem, "%s: %d of %d expectations failed", file, s->failed, s->checked);
	else if (!s->has_obs)
		snprintf(s->problem, sizeof s->problem, "%s: no 'observed' label", file);
	else if (!s->has_ops)
		snprintf(s->problem, sizeof s->problem, "%s: no 'ops' label", file);
	else if (!s->ops)
		snprintf(s->problem, sizeof s->problem, "%s: ops is 0", file);
	else if (!s->marked)
		snprintf(s->problem, sizeof s->problem, "%s: no port-80H markers (01H, then 02H)", file);
out:
	scenario_watch_free(t.watch);
	machine_free(m);
	free(t.console);
	scenario_free(sc);
	diag_free(&d);
}

/* ---- the table ------------------------------------------------------ */

/* One row: a software-VMM variant of a pair and the pair's VT-x side. */
struct row {
	const struct pair *p;      /* the pair */
	int variant;               /* which software-VMM file */
	struct side sw, vtx;       /* both runs */
	char problem[600];         /* why the row fails, or "" */
};

/* a / b with one decimal when it is not whole; "-" when b is 0. */
static void per_op(char *buf, size_t len, uint64_t a, uint64_t b)
{
	if (!b) {
		snprintf(buf, len, "-");
		return;
	}
	if (a % b == 0)
		snprintf(buf, len, "%llu", (unsigned long long)(a / b));
	else
		snprintf(buf, len, "%.1f", (double)a / (double)b);
}

static void observed_text(char *buf, size_t len, const struct challenge *c, const struct side *s)
{
	if (!s->ran)
		snprintf(buf, len, "(did not run)");
	else if (!s->has_obs || (c->has_obs2 && !s->has_obs2))
		snprintf(buf, len, "(no observed label)");
	else
		c->fmt(buf, len, s);
}

static void print_header(void)
{
	printf("%-2s %-26s %-30s %-30s %8s %8s %10s %10s  %s\n", "N", "challenge", "software VMM: guest saw",
	       "VT-x: guest saw", "traps/op", "exits/op", "cycles/op", "cycles/op", "result");
	printf("%-2s %-26s %-30s %-30s %8s %8s %10s %10s\n", "", "", "", "", "(sw)", "(VT-x)", "(sw)", "(VT-x)");
}

static void print_row(const struct row *r)
{
	const struct pair *p = r->p;
	char title[64], a[128], b[128], traps[24], exits[24], csw[24], cvtx[24];
	const char *tag = p->nsw ? p->sw_tag[r->variant] : "";
	snprintf(title, sizeof title, "%s%s%s%s", p->c->title, *tag ? " (" : "", tag, *tag ? "-bit)" : "");
	if (!p->nsw)
		snprintf(a, sizeof a, "(file missing)");
	else
		observed_text(a, sizeof a, p->c, &r->sw);
	if (!p->vtx[0])
		snprintf(b, sizeof b, "(file missing)");
	else
		observed_text(b, sizeof b, p->c, &r->vtx);
	bool swm = r->sw.ran && r->sw.marked && r->sw.ops, vxm = r->vtx.ran && r->vtx.marked && r->vtx.ops;
	per_op(traps, sizeof traps, r->sw.traps, swm ? r->sw.ops : 0);
	per_op(exits, sizeof exits, r->vtx.exits, vxm ? r->vtx.ops : 0);
	per_op(csw, sizeof csw, r->sw.cycles, swm ? r->sw.ops : 0);
	per_op(cvtx, sizeof cvtx, r->vtx.cycles, vxm ? r->vtx.ops : 0);
	printf("%-2d %-26.26s %-30.30s %-30.30s %8s %8s %10s %10s  %s\n", p->c->n, title, a, b, traps, exits, csw, cvtx,
	       r->problem[0] ? "FAIL" : "ok");
}

/* Run both sides of one software-VMM variant; the VT-x side of the pair
 * runs once (vtx_done) and is shared by its variants. */
static void run_row(const struct tour_opts *o, const struct pair *p, int variant, bool narrate, struct row *r,
		    struct side *vtx, bool *vtx_done)
{
	*r = (struct row){ .p = p, .variant = variant };
	if (p->nsw) {
		if (narrate)
			printf("== challenge %d, software VMM: %s/%s\n", p->c->n, o->dir, p->sw[variant]);
		run_side(o, p->sw[variant], narrate, &r->sw);
	}
	if (p->vtx[0] && !*vtx_done) {
		if (narrate)
			printf("== challenge %d, VT-x: %s/%s\n", p->c->n, o->dir, p->vtx);
		run_side(o, p->vtx, narrate, vtx);
		*vtx_done = true;
	}
	r->vtx = *vtx;
	if (!p->nsw)
		snprintf(r->problem, sizeof r->problem, "missing %.400s/c%d-%s-sw.yaml", o->dir, p->c->n, p->slug);
	else if (!p->vtx[0])
		snprintf(r->problem, sizeof r->problem, "missing %.400s/c%d-%s-vtx.yaml", o->dir, p->c->n, p->slug);
	else if (r->sw.problem[0])
		memcpy(r->problem, r->sw.problem, sizeof r->sw.problem);
	else if (r->vtx.problem[0])
		memcpy(r->problem, r->vtx.problem, sizeof r->vtx.problem);
}

/* The story under the table, from the rows. */
static void print_story(const struct row *rows, int n)
{
	int differ = 0, measured = 0, zero_exit = 0, cheaper = 0;
	uint64_t traps = 0, exits = 0, sw_ops = 0, vtx_ops = 0;
	char shows[1024] = "";
	size_t used = 0;
	for (int i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		if (r->problem[0])
			continue;
		measured++;
		char a[128], b[128];
		observed_text(a, sizeof a, r->p->c, &r->sw);
		observed_text(b, sizeof b, r->p->c, &r->vtx);
		if (strcmp(a, b) != 0 && !strstr(shows, r->p->c->sw_shows) && used < sizeof shows) {
			used += (size_t)snprintf(shows + used, sizeof shows - used, "%s%s (%d)", differ ? "; " : "",
						 r->p->c->sw_shows, r->p->c->n);
			differ++;
		}
		zero_exit += r->vtx.exits == 0;
		traps += r->sw.traps;
		exits += r->vtx.exits;
		sw_ops += r->sw.ops;
		vtx_ops += r->vtx.ops;
		cheaper += r->vtx.cycles * r->sw.ops < r->sw.cycles * r->vtx.ops;
	}
	if (!measured) {
		printf("\nNo pair ran to the end: nothing to compare yet.\n");
		return;
	}
	printf("\nWhat VT-x changed. Without it, a monitor deprivileges the guest kernel (ring 1;\n"
	       "ring 3 in 64-bit mode) and keeps the real descriptor tables, IF and part of\n"
	       "the address space for itself. The guest noticed in %d of the %d rows that ran:\n"
	       "%s%s.\n"
	       "Whatever the monitor must see costs a trap: %llu traps for %llu operations.\n"
	       "Under VT-x the guest kernel runs at CPL 0 in VMX non-root operation, so its\n"
	       "sensitive instructions behave as on bare hardware; the VMCS decides what\n"
	       "exits: %llu VM exits for %llu operations, none at all in %d of the %d rows, and\n"
	       "fewer cycles per operation than the software VMM in %d of them.\n",
	       differ, measured, differ ? "" : "nothing", shows, (unsigned long long)traps, (unsigned long long)sw_ops,
	       (unsigned long long)exits, (unsigned long long)vtx_ops, zero_exit, measured, cheaper);
}

/* ---- memory virtualization ------------------------------------------ */

/*
 * One page-table workload (scenarios/lib/shadow_workload.asm: map 32
 * pages, touch them, remap 16 with INVLPG, read them back; 48 PTE writes
 * between the port-80H markers) in four setups, one scenario each. The
 * guest always uses 32-bit paging with 4 KiB pages (SDM Vol. 3A, 4.3):
 * two entries per walk at most. Under EPT each of the three guest-physical
 * addresses of a walk (the PDE's, the PTE's, the final one) may need an
 * EPT walk of its own (SDM Vol. 3C, 29.3.2): (2 + 1) x (4 + 1) - 1 = 14
 * entries with 4 KiB EPT pages, (2 + 1) x (3 + 1) - 1 = 11 with 2 MiB
 * ones; a 4-level guest would make it (4 + 1) x (4 + 1) - 1 = 24.
 */
struct mem_setup;
typedef void mem_fmt(char *buf, size_t len, const struct side *s);

static void fmt_native(char *b, size_t n, const struct side *s)
{
	snprintf(b, n, "%llu #PF in the guest", (unsigned long long)s->observed);
}

static void fmt_shadow(char *b, size_t n, const struct side *s)
{
	snprintf(b, n, "%llu PTE writes emulated", (unsigned long long)s->observed);
}

static void fmt_ept(char *b, size_t n, const struct side *s)
{
	snprintf(b, n, "%llu EPT-violation exits", (unsigned long long)s->observed);
}

static const struct mem_setup {
	const char *key;           /* the table's first column; the file is m1-memory-KEY.yaml without '-' */
	const char *file;          /* the scenario */
	const char *walks;         /* what the processor walks on a TLB miss */
	int worst;                 /* the most entries one such walk reads */
	mem_fmt *fmt;              /* `observed`: what the monitor (or the guest) counted */
} mem_setups[] = {
	{ "native", "m1-memory-native.yaml", "the guest's 32-bit tables", 2, fmt_native },
	{ "shadow", "m1-memory-shadow.yaml", "the monitor's 32-bit shadow tables", 2, fmt_shadow },
	{ "ept-4k", "m1-memory-ept4k.yaml", "32-bit guest x 4-level EPT, 4K pages", 14, fmt_ept },
	{ "ept-2m", "m1-memory-ept2m.yaml", "32-bit guest x 4-level EPT, 2M pages", 11, fmt_ept },
};
#define NMEM (int)(sizeof mem_setups / sizeof mem_setups[0])

/* x / y with two decimals; "-" when y is 0. */
static void ratio2(char *buf, size_t len, uint64_t x, uint64_t y)
{
	if (!y)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.2f", (double)x / (double)y);
}

/* Run the four setups; print their table and what it shows. Returns true
 * when every one ran and kept its expectations. */
static bool memory_table(const struct tour_opts *o)
{
	static struct side sides[NMEM];
	for (int i = 0; i < NMEM; i++) {
		char path[4400];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", o->dir, mem_setups[i].file);
		if (stat(path, &st) != 0) {
			sides[i] = (struct side){ 0 };
			snprintf(sides[i].problem, sizeof sides[i].problem, "missing %.300s", path);
			continue;
		}
		run_side(o, mem_setups[i].file, false, &sides[i]);
		if (!sides[i].problem[0] && !sides[i].walks)
			snprintf(sides[i].problem, sizeof sides[i].problem, "%s: no page walk between the markers",
				 mem_setups[i].file);
	}

	const char *profile = o->profile;
	for (int i = 0; i < NMEM && !profile; i++)
		profile = sides[i].profile[0] ? sides[i].profile : NULL;
	printf("\nMemory virtualization: one page-table workload (%s/m1-memory-*.yaml; %s),\n"
	       "per PTE write ('ops') and per TLB miss, measured between the port-80H markers.\n"
	       "The guest uses 32-bit paging with 4 KiB pages (PDE, PTE: 2 entries per walk).\n\n",
	       o->dir, profile ? profile : DEFAULT_PROFILE);
	printf("%-7s %-37s %-24s %8s %8s %9s %5s %6s %9s  %s\n", "setup", "a TLB miss walks", "counted by the run",
	       "traps/op", "exits/op", "refs/miss", "worst", "misses", "cycles/op", "result");
	bool failed = false;
	for (int i = 0; i < NMEM; i++) {
		const struct mem_setup *m = &mem_setups[i];
		const struct side *s = &sides[i];
		bool ok = s->ran && s->marked && s->ops;
		char seen[64], traps[24], exits[24], refs[24], misses[24], cycles[24];
		if (!s->ran)
			snprintf(seen, sizeof seen, "(did not run)");
		else if (!s->has_obs)
			snprintf(seen, sizeof seen, "(no observed label)");
		else
			m->fmt(seen, sizeof seen, s);
		per_op(traps, sizeof traps, s->traps, ok ? s->ops : 0);
		per_op(exits, sizeof exits, s->exits, ok ? s->ops : 0);
		ratio2(refs, sizeof refs, s->walk_refs, ok ? s->walks : 0);
		snprintf(misses, sizeof misses, ok ? "%llu" : "-", (unsigned long long)s->walks);
		per_op(cycles, sizeof cycles, s->cycles, ok ? s->ops : 0);
		printf("%-7s %-37.37s %-24.24s %8s %8s %9s %5d %6s %9s  %s\n", m->key, m->walks, seen, traps, exits,
		       refs, m->worst, misses, cycles, s->problem[0] ? "FAIL" : "ok");
	}
	for (int i = 0; i < NMEM; i++)
		if (sides[i].problem[0]) {
			if (!failed)
				putchar('\n');
			printf("FAIL memory %s: %s\n", mem_setups[i].key, sides[i].problem);
			failed = true;
		}
	if (failed)
		return false;

	/* What the table shows, from the rows (0 native, 1 shadow, 2 EPT 4K, 3 EPT 2M). */
	const struct side *nat = &sides[0], *sh = &sides[1], *e4 = &sides[2], *e2 = &sides[3];
	char tr[24], rn[24], r4[24], r2[24], cn[24], cs[24], c4[24], c2[24];
	per_op(tr, sizeof tr, sh->traps, sh->ops);
	ratio2(rn, sizeof rn, nat->walk_refs, nat->walks);
	ratio2(r4, sizeof r4, e4->walk_refs, e4->walks);
	ratio2(r2, sizeof r2, e2->walk_refs, e2->walks);
	per_op(cn, sizeof cn, nat->cycles, nat->ops);
	per_op(cs, sizeof cs, sh->cycles, sh->ops);
	per_op(c4, sizeof c4, e4->cycles, e4->ops);
	per_op(c2, sizeof c2, e2->cycles, e2->ops);
	printf("\nShadow paging pays on every change: the guest's page tables are write-protected,\n"
	       "so each PTE write, each first touch of a page (a hidden page fault) and each\n"
	       "INVLPG traps into the monitor: %s traps per PTE write, %s cycles against %s\n"
	       "natively. EPT lets the guest own its tables (%llu VM exits for %llu PTE writes)\n"
	       "and pays on TLB misses instead: every guest-physical address of a walk goes\n"
	       "through EPT, %s entries per miss with 4 KiB EPT pages against %s natively\n"
	       "(%s cycles per PTE write). 2 MiB EPT pages shorten the EPT walks and let the\n"
	       "guest-physical TLB cover more: %s entries per miss, %s cycles.\n",
	       tr, cs, cn, (unsigned long long)(e4->exits + e2->exits), (unsigned long long)(e4->ops + e2->ops), r4,
	       rn, c4, r2, c2);
	return true;
}

/* ---- the command ---------------------------------------------------- */

enum { OPT_PROFILE = 256, OPT_SCENARIOS, OPT_HELP };

static const struct option tour_options[] = {
	{ "profile", required_argument, 0, OPT_PROFILE },
	{ "scenarios", required_argument, 0, OPT_SCENARIOS },
	{ "help", no_argument, 0, OPT_HELP },
	{ 0, 0, 0, 0 },
};

/* Returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, struct tour_opts *o)
{
	*o = (struct tour_opts){ 0 };
	const char *dir = NULL;
	optind = 1;
	opterr = 0;
	int ch;
	while ((ch = getopt_long(argc, argv, "", tour_options, NULL)) != -1) {
		switch (ch) {
		case OPT_PROFILE: o->profile = optarg; break;
		case OPT_SCENARIOS: dir = optarg; break;
		case OPT_HELP: fputs(tour_help, stdout); return 0;
		default:
			cli_error("tour: unknown or incomplete option '%s' (try 'vtsim tour --help')", argv[optind - 1]);
			return TOUR_BAD_INPUT;
		}
	}
	if (optind < argc) {
		uint64_t n;
		if (strcmp(argv[optind], "memory") == 0) {
			o->memory = true;
		} else if (!cli_parse_u64(argv[optind], false, &n) || n < 1 || n > (uint64_t)NCHALLENGES) {
			cli_error("tour: unknown challenge '%s' (expected 1 to %d, or 'memory')", argv[optind], NCHALLENGES);
			return TOUR_BAD_INPUT;
		} else {
			o->only = (int)n;
		}
		if (optind + 1 < argc) {
			cli_error("tour: one challenge at a time; unexpected argument '%s'", argv[optind + 1]);
			return TOUR_BAD_INPUT;
		}
	}
	if (dir)
		snprintf(o->dir, sizeof o->dir, "%s", dir);
	else
		default_scenarios(o->dir, sizeof o->dir);
	return -1;
}

int cmd_tour(int argc, char **argv)
{
	struct tour_opts o;
	int rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;

	/* 1. The directory, and the profile when one was given. */
	DIR *d = opendir(o.dir);
	if (!d) {
		cli_error("tour: cannot read the challenge scenarios in '%s': %s (use --scenarios DIR)", o.dir,
			  strerror(errno));
		return TOUR_BAD_INPUT;
	}
	if (o.profile) {
		const char *dirs[4];
		char own[4200], err[1024];
		struct cost_profile prof;
		int ndirs = cli_profile_dirs(dirs, own, sizeof own);
		if (cost_find(o.profile, dirs, ndirs, &prof, err, sizeof err) != 0) {
			cli_error("--profile: %s", err);
			closedir(d);
			return TOUR_BAD_INPUT;
		}
	}

	/* 2. `vtsim tour memory`: the second table alone. */
	if (o.memory) {
		closedir(d);
		bool ok = memory_table(&o);
		fflush(stdout);
		return ok ? TOUR_PASS : TOUR_FAIL;
	}

	/* 3. The pairs, each run without and with VT-x. */
	static struct pair pairs[NCHALLENGES];
	static struct row rows[NCHALLENGES * MAX_SW];
	int nrows = 0;
	for (int i = 0; i < NCHALLENGES; i++) {
		if (o.only && challenges[i].n != o.only)
			continue;
		struct pair *p = &pairs[i];
		find_pair(d, &challenges[i], p);
		struct side vtx = { 0 };
		bool vtx_done = false;
		for (int v = 0; v < (p->nsw ? p->nsw : 1); v++)
			run_row(&o, p, v, o.only != 0, &rows[nrows++], &vtx, &vtx_done);
	}
	closedir(d);

	/* 4. The table, its failures, and the story. */
	const char *profile = o.profile;
	for (int i = 0; i < nrows && !profile; i++)
		profile = rows[i].sw.profile[0] ? rows[i].sw.profile : rows[i].vtx.profile[0] ? rows[i].vtx.profile : NULL;
	if (o.only)
		putchar('\n');
	printf("The IA-32 virtualization challenges (Uhlig et al., 2005), without and with VT-x\n"
	       "(%s; %s). Per operation: measured between the guest's port-80H markers,\n"
	       "divided by its 'ops'.\n\n",
	       o.dir, profile ? profile : DEFAULT_PROFILE);
	print_header();
	bool failed = false;
	for (int i = 0; i < nrows; i++)
		print_row(&rows[i]);
	for (int i = 0; i < nrows; i++)
		if (rows[i].problem[0]) {
			if (!failed)
				putchar('\n');
			printf("FAIL %d: %s\n", rows[i].p->c->n, rows[i].problem);
			failed = true;
		}
	if (!o.only) {
		print_story(rows, nrows);
		/* 5. Then memory virtualization, the same way. */
		if (!memory_table(&o))
			failed = true;
	}
	fflush(stdout);
	return failed ? TOUR_FAIL : TOUR_PASS;
}
