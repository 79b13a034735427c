/* exec.c - `vtsim exec`: load flat binaries, run them, report the state. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../machine.h"
#include "cli.h"
#include "common.h"
#include "json.h"
#include "../scenario/files.h"

#define MAX_LOADS 32
#define MAX_DUMPS 32
/* Largest --dump-mem range: a state file is for reading, not for images. */
#define MAX_DUMP_LEN (16ull << 20)
/* The long64/prot32 loaders keep the top 28 KiB of RAM for their tables. */
#define LOADER_RESERVED 0x7000

struct load {
	uint64_t addr;     /* physical load address */
	const char *path;  /* file name */
	uint8_t *data;     /* contents */
	size_t len;        /* bytes */
};

struct exec_opts {
	enum start_mode mode;      /* --mode */
	uint64_t memory;           /* --memory */
	struct load loads[MAX_LOADS]; /* --load */
	int nloads;
	bool have_entry;           /* --entry given */
	uint64_t entry;            /* --entry */
	const char *regs;          /* --regs */
	uint64_t max_insns;        /* --max-insns */
	const char *dump_state;    /* --dump-state */
	struct cli_dump dumps[MAX_DUMPS]; /* --dump-mem */
	int ndumps;
	bool stats;                /* --stats */
	const char *trace;         /* --trace */
	bool trace_insns;          /* --trace-insns */
	int tlb_untagged;          /* --tlb: 1 untagged, 0 tagged, -1 not given */
};

static const char exec_help[] =
	"usage: vtsim exec [OPTIONS]\n"
	"\n"
	"Run flat binaries on one simulated x86-64 CPU until HLT, a write to the\n"
	"exit port 0xF4, a triple fault or the instruction limit.\n"
	"\n"
	"  --mode MODE          real16, prot32 or long64 (default long64)\n"
	"                         real16: real mode; CS:IP from --entry, IVT live at 0\n"
	"                         prot32: flat 32-bit protected mode, paging off\n"
	"                         long64: 64-bit mode at CPL 0, flat segments, the first\n"
	"                                 4 GiB identity-mapped with 2 MiB pages (present,\n"
	"                                 writable, user); page\n"
	"                                 tables and GDT in the top 28 KiB of RAM\n"
	"                       prot32 and long64 start with an empty IDT, so any\n"
	"                       exception escalates to a triple fault and stops the run.\n"
	"  --memory SIZE        RAM size (default 256M; suffixes K, M, G)\n"
	"  --load ADDR:FILE     copy FILE to physical address ADDR (repeatable)\n"
	"  --entry ADDR         start address (default: the first --load address)\n"
	"  --regs REGS.json     initial registers: {\"rax\": 1, \"rflags\": 2, \"r8\": \"0x10\"}\n"
	"                       (unnamed registers start at 0; RFLAGS at 2)\n"
	"  --max-insns N        stop after N instructions (default 1e9)\n"
	"  --dump-state PATH    write the final state as JSON to PATH ('-' for stdout)\n"
	"  --dump-mem ADDR:LEN  add a hex dump of physical memory to the state (repeatable)\n"
	"  --stats              print instructions, cycles, wall time and MIPS to stderr\n"
	"  --trace FILE         write every event as JSON Lines (docs/trace-format.md)\n"
	"  --trace-insns        include each retired instruction in the trace\n"
	"  --tlb MODEL          tagged (default) or untagged: untagged TLBs are flushed\n"
	"                       on every VM entry and exit, as in Bochs\n"
	"  --help               this text\n"
	"\n"
	"Numbers are decimal, 0x hex or 0b binary. Guest output to port 0xE9 and the\n"
	"UART at 0x3F8 goes to stdout. Exit status: 0 after HLT; (v<<1)|1 when the\n"
	"guest writes v to port 0xF4; 4 at the instruction limit; 6 on a triple\n"
	"fault; 2 for bad arguments or files.\n";

/* "ADDR:REST" -> the address and a pointer to REST. */
static bool split_addr(const char *arg, uint64_t *addr, const char **rest)
{
	const char *colon = strchr(arg, ':');
	if (!colon || colon == arg)
		return false;
	char num[64];
	size_t n = (size_t)(colon - arg);
	if (n >= sizeof num)
		return false;
	memcpy(num, arg, n);
	num[n] = 0;
	*rest = colon + 1;
	return cli_parse_u64(num, false, addr);
}

enum { OPT_MODE = 256, OPT_MEMORY, OPT_LOAD, OPT_ENTRY, OPT_REGS, OPT_MAX, OPT_DUMP_STATE,
       OPT_DUMP_MEM, OPT_STATS, OPT_HELP,
       OPT_TRACE, OPT_TRACE_INSNS, OPT_TLB };

static const struct option exec_options[] = {
	{ "mode", required_argument, 0, OPT_MODE },
	{ "memory", required_argument, 0, OPT_MEMORY },
	{ "load", required_argument, 0, OPT_LOAD },
	{ "entry", required_argument, 0, OPT_ENTRY },
	{ "regs", required_argument, 0, OPT_REGS },
	{ "max-insns", required_argument, 0, OPT_MAX },
	{ "dump-state", required_argument, 0, OPT_DUMP_STATE },
	{ "dump-mem", required_argument, 0, OPT_DUMP_MEM },
	{ "stats", no_argument, 0, OPT_STATS },
	{ "trace", required_argument, 0, OPT_TRACE },
	{ "trace-insns", no_argument, 0, OPT_TRACE_INSNS },
	{ "tlb", required_argument, 0, OPT_TLB },
	{ "help", no_argument, 0, OPT_HELP },
	{ 0, 0, 0, 0 },
};

/* Returns -1 to continue, or an exit status. */
static int parse_args(int argc, char **argv, struct exec_opts *o)
{
	*o = (struct exec_opts){ .mode = START_LONG64, .memory = 256ull << 20, .max_insns = 1000000000ull,
				 .tlb_untagged = -1 };
	optind = 1;
	opterr = 0;
	int ch;
	while ((ch = getopt_long(argc, argv, "", exec_options, NULL)) != -1) {
		const char *rest;
		switch (ch) {
		case OPT_MODE:
			if (strcmp(optarg, "real16") == 0)
				o->mode = START_REAL16;
			else if (strcmp(optarg, "prot32") == 0)
				o->mode = START_PROT32;
			else if (strcmp(optarg, "long64") == 0)
				o->mode = START_LONG64;
			else {
				cli_error("--mode: '%s' is not one of real16, prot32, long64", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_MEMORY:
			if (!cli_parse_u64(optarg, true, &o->memory) || o->memory < 0x10000 ||
			    o->memory > (64ull << 30) || (o->memory & 0xfff)) {
				cli_error("--memory: '%s' is not a size between 64K and 64G in whole 4 KiB pages", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_LOAD:
			if (o->nloads == MAX_LOADS) {
				cli_error("--load: at most %d files", MAX_LOADS);
				return EXIT_USAGE;
			}
			if (!split_addr(optarg, &o->loads[o->nloads].addr, &rest) || !*rest) {
				cli_error("--load: '%s' is not ADDR:FILE", optarg);
				return EXIT_USAGE;
			}
			o->loads[o->nloads++].path = rest;
			break;
		case OPT_ENTRY:
			if (!cli_parse_u64(optarg, false, &o->entry)) {
				cli_error("--entry: '%s' is not an address", optarg);
				return EXIT_USAGE;
			}
			o->have_entry = true;
			break;
		case OPT_REGS:
			o->regs = optarg;
			break;
		case OPT_MAX:
			if (!cli_parse_u64(optarg, false, &o->max_insns) || o->max_insns == 0) {
				cli_error("--max-insns: '%s' is not a positive count", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_DUMP_STATE:
			o->dump_state = optarg;
			break;
		case OPT_DUMP_MEM: {
			struct cli_dump *d = &o->dumps[o->ndumps];
			if (o->ndumps == MAX_DUMPS) {
				cli_error("--dump-mem: at most %d ranges", MAX_DUMPS);
				return EXIT_USAGE;
			}
			if (!split_addr(optarg, &d->addr, &rest) || !cli_parse_u64(rest, true, &d->len) ||
			    d->len == 0 || d->len > MAX_DUMP_LEN) {
				cli_error("--dump-mem: '%s' is not ADDR:LEN with 0 < LEN <= 16M", optarg);
				return EXIT_USAGE;
			}
			o->ndumps++;
			break;
		}
		case OPT_STATS:
			o->stats = true;
			break;
		case OPT_TRACE:
			o->trace = optarg;
			break;
		case OPT_TRACE_INSNS:
			o->trace_insns = true;
			break;
		case OPT_TLB:
			if (cli_parse_tlb(optarg, &o->tlb_untagged) != 0)
				return EXIT_USAGE;
			break;
		case OPT_HELP:
			fputs(exec_help, stdout);
			return 0;
		default:
			cli_error("exec: unknown or incomplete option '%s' (try 'vtsim exec --help')", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("exec: unexpected argument '%s' (files are given with --load ADDR:FILE)", argv[optind]);
		return EXIT_USAGE;
	}
	if (o->nloads == 0) {
		cli_error("exec: nothing to run: give at least one --load ADDR:FILE");
		return EXIT_USAGE;
	}
	if (o->trace_insns && !o->trace) {
		cli_error("exec: --trace-insns adds to --trace; give --trace FILE too");
		return EXIT_USAGE;
	}
	if (o->dump_state == NULL && o->ndumps > 0) {
		cli_error("exec: --dump-mem adds to --dump-state; give --dump-state PATH too");
		return EXIT_USAGE;
	}
	return -1;
}

/* Read the files and check that they fit in RAM without overlapping. */
static int check_loads(struct exec_opts *o)
{
	uint64_t usable = o->memory - (o->mode == START_REAL16 ? 0 : LOADER_RESERVED);
	for (int i = 0; i < o->nloads; i++) {
		struct load *l = &o->loads[i];
		if (cli_read_file(l->path, &l->data, &l->len) != 0)
			return EXIT_USAGE;
		if (l->addr > usable || l->len > usable - l->addr) {
			cli_error("--load %s at 0x%llx (%zu bytes) does not fit below 0x%llx%s", l->path,
				  (unsigned long long)l->addr, l->len, (unsigned long long)usable,
				  o->mode == START_REAL16 ? " (the end of RAM)" : " (where the loader's tables start)");
			return EXIT_USAGE;
		}
		for (int j = 0; j < i; j++) {
			const struct load *k = &o->loads[j];
			if (l->addr < k->addr + k->len && k->addr < l->addr + l->len) {
				cli_error("--load %s at 0x%llx overlaps %s at 0x%llx", l->path,
					  (unsigned long long)l->addr, k->path, (unsigned long long)k->addr);
				return EXIT_USAGE;
			}
		}
	}
	return -1;
}

static int set_reg(void *opaque, const char *name, uint64_t v, char *err, size_t errlen)
{
	struct machine *m = opaque;
	int id = machine_reg_id(name);
	if (id < 0) {
		snprintf(err, errlen, "unknown register \"%s\" (expected e.g. rax, r8, rip, rflags)", name);
		return 1;
	}
	machine_reg_set(m, (enum vt_reg)id, v);
	return 0;
}

static int load_regs(struct machine *m, const char *path)
{
	uint8_t *text;
	size_t len;
	if (cli_read_file(path, &text, &len) != 0)
		return EXIT_USAGE;
	char *s = realloc(text, len + 1);
	if (!s) {
		free(text);
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	s[len] = 0;
	char err[200];
	int rc = json_parse_flat_u64(s, set_reg, m, err, sizeof err);
	free(s);
	if (rc != 0) {
		cli_error("%s: %s", path, err);
		return EXIT_USAGE;
	}
	return -1;
}

static const char *mode_name(enum start_mode m)
{
	return m == START_REAL16 ? "real16" : m == START_PROT32 ? "prot32" : "long64";
}

int cmd_exec(int argc, char **argv)
{
	struct exec_opts o;
	int rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	rc = check_loads(&o);
	if (rc >= 0)
		goto out;

	char err[256];
	struct machine_config cfg = { .ram_size = o.memory, .console = cli_stdout_console };
	struct machine *m = machine_new(&cfg, err, sizeof err);
	if (!m) {
		cli_error("%s", err);
		rc = EXIT_USAGE;
		goto out;
	}
	uint64_t entry = o.have_entry ? o.entry : o.loads[0].addr;
	if (machine_start(m, o.mode, entry, err, sizeof err) != 0) {
		cli_error("--entry: %s", err);
		rc = EXIT_USAGE;
		goto done;
	}
	if (o.tlb_untagged >= 0)
		machine_set_tlb_untagged(m, o.tlb_untagged == 1);
	for (int i = 0; i < o.nloads; i++)
		machine_phys_write(m, o.loads[i].addr, o.loads[i].data, o.loads[i].len);
	if (o.regs && (rc = load_regs(m, o.regs)) >= 0)
		goto done;
	struct cli_trace trace;
	if (cli_trace_open(&trace, m, o.trace, o.trace_insns, o.loads[0].path, mode_name(o.mode)) != 0) {
		rc = EXIT_USAGE;
		goto done;
	}

	double secs;
	enum stop_reason why = cli_run(m, o.max_insns, &secs);
	cli_trace_close(&trace, m, why);
	cli_say_stop(m, why);
	if (o.stats)
		cli_print_stats(m, secs);
	if (o.dump_state && cli_dump_state(o.dump_state, m, why, mode_name(o.mode), o.dumps, o.ndumps) != 0) {
		rc = EXIT_USAGE;
		goto done;
	}
	rc = cli_exit_status(m, why);
done:
	machine_free(m);
out:
	for (int i = 0; i < o.nloads; i++)
		free(o.loads[i].data);
	return rc;
}

bool cli_parse_u64(const char *s, bool allow_suffix, uint64_t *out)
{
	const char *why;
	size_t n = s ? strlen(s) : 0;
	/* Sizes take K/M/G/T; addresses and counts do not. */
	if (!allow_suffix && n > 0 && strchr("kKmMgGtT", s[n - 1]))
		return false;
	return n > 0 && sc_parse_u64(s, false, out, &why);
}
