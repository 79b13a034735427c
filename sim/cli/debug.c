/* debug.c - `vtsim debug`: the debugger's readline REPL over a scenario or a Multiboot kernel. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "../boot/multiboot.h"
#include "../cost.h"
#include "../debugger/debugger.h"
#include "../debugger/repl.h"
#include "../machine.h"
#include "../scenario/scenario.h"
#include "cli.h"
#include "common.h"
#include "../debugger/gdbstub.h"

#define DEFAULT_PROFILE "skylake"
#define DEBUG_DEFAULT_RAM (128ull << 20)

static const char debug_help[] =
	"usage: vtsim debug SCENARIO.yaml [OPTIONS]\n"
	"       vtsim debug --boot KERNEL [--append CMDLINE] [--module 'FILE[ ARGS]']... [OPTIONS]\n"
	"\n"
	"Load a scenario (or a Multiboot kernel) and debug it interactively: step\n"
	"forwards and backwards, break on addresses and on events (exceptions, VM\n"
	"exits, CPL and mode changes, I/O, MSRs), watch memory, inspect registers,\n"
	"hidden segment state, page walks (two-dimensional under EPT) and the VMCS\n"
	"by SDM name. Type 'help' at the prompt; docs/debugger.md has every command.\n"
	"\n"
	"  -x FILE            run the commands in FILE, then exit (batch mode)\n"
	"  --boot KERNEL      debug a Multiboot kernel instead of a scenario\n"
	"  --append CMDLINE   the kernel's command line (with --boot)\n"
	"  --module 'FILE[ ARGS]'  a boot module (with --boot; repeatable)\n"
	"  --memory SIZE      RAM for --boot (default 128M)\n"
	"  --profile NAME     CPU cost profile (default: the scenario's, else skylake)\n"
	"  --gdb PORT         first serve gdb on 127.0.0.1:PORT (0: any free port); the\n"
	"                     REPL takes over when gdb detaches\n"
	"  --help             this text\n"
	"\n"
	"Commands are read from the terminal with line editing, history and Tab\n"
	"completion, or line by line when input is not a terminal (each command is\n"
	"then echoed after the prompt, so the output reads as a transcript).\n"
	"Errors in commands are explained and the session goes on.\n"
	"\n"
	"Exit status: 0 at the end of the commands or after 'quit'; 2 for bad\n"
	"arguments, files or scenarios.\n";

struct debug_opts {
	const char *scenario;        /* SCENARIO.yaml */
	const char *kernel;          /* --boot */
	const char *append;          /* --append */
	const char *mods[MB_MAX_MODULES]; /* --module */
	int nmods;
	uint64_t memory;             /* --memory */
	const char *xfile;           /* -x */
	const char *profile;         /* --profile */
	int gdb_port;                /* --gdb PORT, or -1 */
};

enum { OPT_BOOT = 256, OPT_APPEND, OPT_MODULE, OPT_MEMORY, OPT_PROFILE, OPT_GDB, OPT_HELP };

static const struct option debug_options[] = {
	{ "boot", required_argument, 0, OPT_BOOT },
	{ "append", required_argument, 0, OPT_APPEND },
	{ "module", required_argument, 0, OPT_MODULE },
	{ "memory", required_argument, 0, OPT_MEMORY },
	{ "profile", required_argument, 0, OPT_PROFILE },
	{ "gdb", required_argument, 0, OPT_GDB },
	{ "help", no_argument, 0, OPT_HELP },
	{ 0, 0, 0, 0 },
};

/* Returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, struct debug_opts *o)
{
	*o = (struct debug_opts){ .memory = DEBUG_DEFAULT_RAM, .gdb_port = -1 };
	optind = 1;
	opterr = 0;
	int ch;
	while ((ch = getopt_long(argc, argv, "x:", debug_options, NULL)) != -1) {
		switch (ch) {
		case 'x': o->xfile = optarg; break;
		case OPT_BOOT: o->kernel = optarg; break;
		case OPT_APPEND: o->append = optarg; break;
		case OPT_MODULE:
			if (o->nmods == MB_MAX_MODULES) {
				cli_error("--module: too many modules (at most %d)", MB_MAX_MODULES);
				return EXIT_USAGE;
			}
			o->mods[o->nmods++] = optarg;
			break;
		case OPT_MEMORY:
			if (!cli_parse_u64(optarg, true, &o->memory) || o->memory < MB_MIN_RAM || o->memory > MB_MAX_RAM ||
			    (o->memory & 0xfff)) {
				cli_error("--memory: '%s' is not a size between 2M and 3584M in whole 4 KiB pages", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_PROFILE: o->profile = optarg; break;
		case OPT_GDB:
			if (gdbstub_parse_port(optarg, &o->gdb_port) != 0) {
				cli_error("--gdb: '%s' is not a TCP port (1-65535, or 0 for any free port)", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_HELP: fputs(debug_help, stdout); return 0;
		default:
			cli_error("debug: unknown or incomplete option '%s' (try 'vtsim debug --help')", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		o->scenario = argv[optind++];
	if (optind < argc) {
		cli_error("debug: unexpected argument '%s' (one SCENARIO.yaml, or --boot KERNEL)", argv[optind]);
		return EXIT_USAGE;
	}
	if (!o->scenario == !o->kernel) {
		cli_error("debug: give a SCENARIO.yaml or --boot KERNEL (one of them; try 'vtsim debug --help')");
		return EXIT_USAGE;
	}
	if (o->scenario && (o->append || o->nmods)) {
		cli_error("debug: --append and --module are for --boot KERNEL");
		return EXIT_USAGE;
	}
	return -1;
}

static void print_diag(const struct diag *d)
{
	for (int i = 0; i < d->n; i++)
		fprintf(stderr, "%s\n", d->msg[i]);
	if (d->count > d->n)
		fprintf(stderr, "%s: %d more errors not shown\n", d->file, d->count - d->n);
}

static int find_profile(const char *name, struct cost_profile *prof)
{
	const char *dirs[4];
	char own[4200], err[1024];
	int n = cli_profile_dirs(dirs, own, sizeof own);
	if (cost_find(name, dirs, n, prof, err, sizeof err) != 0) {
		cli_error("profile %s: %s", name, err);
		return -1;
	}
	return 0;
}

/* A machine in the scenario's starting state; NULL after an error. */
static struct machine *load_scenario(struct debug_opts *o, struct scenario **scp, struct diag *d)
{
	struct scenario *sc = scenario_load(o->scenario, d);
	if (!sc) {
		print_diag(d);
		return NULL;
	}
	*scp = sc;
	int line, col;
	const char *pname = scenario_profile(sc, &line, &col);
	struct cost_profile prof;
	if (find_profile(o->profile ? o->profile : pname ? pname : DEFAULT_PROFILE, &prof) != 0)
		return NULL;
	char err[512];
	/* No console callback: the machine buffers guest output and the
	 * debugger prints it, once, even when steps are replayed. */
	struct machine_config cfg = { .ram_size = scenario_memory(sc) };
	struct machine *m = machine_new(&cfg, err, sizeof err);
	if (!m) {
		cli_error("%s", err);
		return NULL;
	}
	machine_set_profile(m, &prof);
	if (scenario_apply(sc, m, d) != 0) {
		print_diag(d);
		machine_free(m);
		return NULL;
	}
	return m;
}

/* A machine with a Multiboot kernel loaded; NULL after an error. The
 * kernel and module bytes stay in *bufs until the end. */
static struct machine *load_kernel(struct debug_opts *o, uint8_t **bufs)
{
	struct cost_profile prof;
	if (find_profile(o->profile ? o->profile : DEFAULT_PROFILE, &prof) != 0)
		return NULL;
	size_t klen;
	if (cli_read_file(o->kernel, &bufs[0], &klen) != 0)
		return NULL;
	struct mb_module mods[MB_MAX_MODULES];
	char paths[MB_MAX_MODULES][512];
	for (int i = 0; i < o->nmods; i++) {
		size_t n = strcspn(o->mods[i], " ");
		snprintf(paths[i], sizeof paths[i], "%.*s", (int)n, o->mods[i]);
		size_t len;
		if (cli_read_file(paths[i], &bufs[1 + i], &len) != 0)
			return NULL;
		mods[i] = (struct mb_module){ o->mods[i], bufs[1 + i], len };
	}
	char err[512];
	struct machine_config cfg = { .ram_size = o->memory };
	struct machine *m = machine_new(&cfg, err, sizeof err);
	if (!m) {
		cli_error("%s", err);
		return NULL;
	}
	machine_set_profile(m, &prof);
	struct mb_config mc = { .kernel = bufs[0], .kernel_len = klen, .kernel_name = o->kernel, .append = o->append,
				.mods = mods, .nmods = o->nmods };
	struct mb_boot b;
	if (mb_load(m, &mc, &b, err, sizeof err) != 0) {
		cli_error("%s: %s", o->kernel, err);
		machine_free(m);
		return NULL;
	}
	return m;
}

/* ---------------------------------------------------------------- the REPL */

static struct dbg *repl_dbg; /* for readline's completion callbacks, which take no opaque */

static char *complete_one(const char *text, int state)
{
	static int n;
	if (!state)
		n = 0;
	char line[1024];
	snprintf(line, sizeof line, "%.*s", rl_point, rl_line_buffer);
	/* Completing the word under the cursor: what comes before it. */
	size_t keep = strlen(line) - strlen(text);
	line[keep] = 0;
	const char *s = dbg_complete(repl_dbg, line, text, n++);
	return s ? strdup(s) : NULL;
}

static char **complete(const char *text, int start, int end)
{
	(void)start, (void)end;
	rl_attempted_completion_over = 1; /* no file names */
	return rl_completion_matches(text, complete_one);
}

static void on_sigint(int sig)
{
	(void)sig;
	if (repl_dbg)
		dbg_interrupt(repl_dbg);
}

/* Commands worth repeating with an empty line, as in gdb. */
static bool repeatable(const char *line)
{
	static const char *const words[] = { "step", "s", "si", "next", "n", "ni", "reverse-step", "rs", NULL };
	size_t k = strcspn(line, " \t");
	for (int i = 0; words[i]; i++)
		if (strlen(words[i]) == k && !strncmp(words[i], line, k))
			return true;
	return false;
}

static void interactive(struct dbg *d)
{
	char hist[4096] = "";
	const char *home = getenv("HOME");
	if (home && *home) {
		snprintf(hist, sizeof hist, "%s/.vtsim_history", home);
		read_history(hist);
	}
	rl_readline_name = "vtsim";
	rl_attempted_completion_function = complete;
	rl_basic_word_break_characters = " \t";
	char last[1024] = "";
	for (;;) {
		char prompt[128];
		dbg_prompt(d, prompt, sizeof prompt);
		char *line = readline(prompt);
		if (!line) {
			putchar('\n');
			break;
		}
		const char *cmd = line;
		if (!*line && *last)
			cmd = last;
		else if (*line) {
			add_history(line);
			snprintf(last, sizeof last, "%s", repeatable(line) ? line : "");
		}
		int done = dbg_command(d, cmd, stdout);
		free(line);
		if (done)
			break;
	}
	if (*hist)
		write_history(hist);
}

/* Batch: lines from f, each echoed after the prompt. */
static void batch(struct dbg *d, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		char prompt[128];
		dbg_prompt(d, prompt, sizeof prompt);
		printf("%s%s\n", prompt, line);
		if (dbg_command(d, line, stdout))
			break;
	}
	free(line);
}

int cmd_debug(int argc, char **argv)
{
	struct debug_opts o;
	int rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	FILE *xf = NULL;
	if (o.xfile && !(xf = fopen(o.xfile, "r"))) {
		cli_error("-x: cannot read '%s': %s", o.xfile, strerror(errno));
		return EXIT_USAGE;
	}

	/* 1. The machine, in its starting state. */
	struct diag dg;
	diag_init(&dg, o.scenario ? o.scenario : o.kernel);
	struct scenario *sc = NULL;
	uint8_t *bufs[1 + MB_MAX_MODULES] = { 0 };
	struct machine *m = o.scenario ? load_scenario(&o, &sc, &dg) : load_kernel(&o, bufs);
	struct dbg *d = NULL;
	rc = EXIT_USAGE;
	if (!m)
		goto out;

	/* 2. The debugger on it. */
	d = dbg_new(m, sc);
	if (!d) {
		cli_error("out of memory (or no free event listener)");
		goto out;
	}
	if (sc) {
		const char *desc = scenario_description(sc) ? scenario_description(sc) : "";
		size_t n = strlen(desc);
		printf("vtsim debug: scenario %s (%s)\n%s%s", scenario_name(sc), scenario_mode_name(sc), desc,
		       n && desc[n - 1] != '\n' ? "\n" : "");
	}
	else
		printf("vtsim debug: Multiboot kernel %s\n", o.kernel);
	/* 2b. gdb first, when asked: its monitor commands go to this debugger. */
	if (o.gdb_port >= 0) {
		char err[256];
		struct gdbstub *g = gdbstub_listen(o.gdb_port, err, sizeof err);
		if (!g) {
			cli_error("--gdb: %s", err);
			goto out;
		}
		gdbstub_use_dbg(g, d);
		gdbstub_serve(g, m, sc, UINT64_MAX);
		gdbstub_free(g);
	}
	printf("Type 'help' for the commands.\n");
	dbg_command(d, "disas rip 1", stdout);

	/* 3. Commands: a file, a terminal, or whatever stdin is. */
	repl_dbg = d;
	struct sigaction sa = { .sa_handler = on_sigint };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	if (xf)
		batch(d, xf);
	else if (isatty(STDIN_FILENO))
		interactive(d);
	else
		batch(d, stdin);
	repl_dbg = NULL;
	rc = 0;
out:
	if (xf)
		fclose(xf);
	dbg_free(d);
	machine_free(m);
	for (int i = 0; i <= MB_MAX_MODULES; i++)
		free(bufs[i]);
	scenario_free(sc);
	diag_free(&dg);
	fflush(stdout);
	return rc;
}
