/* boot.c - `vtsim boot`: boot a Multiboot kernel as `qemu-system-x86_64 -kernel` does, or a firmware ROM. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../boot/multiboot.h"
#include "../boot/rom.h"
#include "../debugger/gdbstub.h"
#include "../machine.h"
#include "cli.h"
#include "common.h"

/* RAM vtsim boot accepts: the kernel lives above 1 MiB, and RAM stays
 * below the PC's 32-bit device hole (APIC, firmware) at 3.5 GiB. */
#define BOOT_MIN_RAM MB_MIN_RAM
#define BOOT_MAX_RAM MB_MAX_RAM
#define BOOT_DEFAULT_RAM (128ull << 20) /* QEMU's default */

struct boot_module {
	const char *arg;     /* "FILE[ ARGS]" as given: the module's string */
	char *path;          /* FILE */
	uint8_t *data;       /* contents */
	size_t len;          /* bytes */
};

struct boot_opts {
	const char *kernel;      /* KERNEL */
	const char *append;      /* --append */
	struct boot_module mods[MB_MAX_MODULES]; /* --module */
	int nmods;
	uint64_t memory;         /* --memory */
	uint64_t max_insns;      /* --max-insns */
	bool stats;              /* --stats */
	const char *trace;       /* --trace */
	bool trace_insns;        /* --trace-insns */
	const char *dump_state;  /* --dump-state */
	const char *bios;        /* --bios */
	int tlb_untagged;        /* --tlb: 1 untagged, 0 tagged, -1 not given */
	int gdb_port;            /* --gdb: port, or -1 */
};

static const char boot_help[] =
	"usage: vtsim boot KERNEL [OPTIONS]\n"
	"       vtsim boot --bios ROM [OPTIONS]\n"
	"\n"
	"Boot a Multiboot (v1) kernel as qemu-system-x86_64 -kernel does: ELF32 or\n"
	"a.out-kludge images, a PC memory map, modules and a command line in the\n"
	"Multiboot information structure, 32-bit protected mode at the entry point\n"
	"with EAX = 0x2BADB002 and EBX = the structure's address. Or, with --bios,\n"
	"map a firmware image below 4 GiB and below 1 MiB and start at the reset vector.\n"
	"\n"
	"  --append CMDLINE     command-line text after the kernel's file name\n"
	"  --module 'FILE[ ARGS]'\n"
	"                       load FILE as a boot module; its string for the kernel\n"
	"                       is the whole argument (repeatable, at most 64)\n"
	"  --memory SIZE        RAM size, 2M to 3584M (default 128M; suffixes K, M, G)\n"
	"  --bios ROM           boot a firmware image of 64K to 16M (a multiple of 64K)\n"
	"                       instead of a kernel\n"
	"  --max-insns N        stop after N instructions (default 1e9)\n"
	"  --dump-state PATH    write the final state as JSON to PATH ('-' for stdout)\n"
	"  --stats              print instructions, cycles, wall time and MIPS to stderr\n"
	"  --trace FILE         write every event as JSON Lines (docs/trace-format.md)\n"
	"  --trace-insns        include each retired instruction in the trace\n"
	"  --tlb MODEL          tagged (default) or untagged: untagged TLBs are flushed\n"
	"                       on every VM entry and exit, as in Bochs\n"
	"  --gdb PORT           wait for gdb on 127.0.0.1:PORT before the first\n"
	"                       instruction (0: any free port); in gdb:\n"
	"                       target remote :PORT (docs/gdb.md)\n"
	"  --help               this text\n"
	"\n"
	"Guest output to the UART at 0x3F8 and to port 0xE9 goes to stdout. Exit\n"
	"status: 0 after HLT; (v<<1)|1 when the guest writes v to port 0xF4; 4 at the\n"
	"instruction limit; 6 on a triple fault (the machine state goes to stderr);\n"
	"2 for bad arguments, files or kernels.\n";

enum { OPT_APPEND = 256, OPT_MODULE, OPT_MEMORY, OPT_MAX, OPT_STATS, OPT_DUMP_STATE, OPT_BIOS, OPT_HELP,
       OPT_TRACE, OPT_TRACE_INSNS, OPT_TLB, OPT_GDB };

static const struct option boot_options[] = {
	{ "append", required_argument, 0, OPT_APPEND },
	{ "module", required_argument, 0, OPT_MODULE },
	{ "memory", required_argument, 0, OPT_MEMORY },
	{ "max-insns", required_argument, 0, OPT_MAX },
	{ "stats", no_argument, 0, OPT_STATS },
	{ "trace", required_argument, 0, OPT_TRACE },
	{ "trace-insns", no_argument, 0, OPT_TRACE_INSNS },
	{ "dump-state", required_argument, 0, OPT_DUMP_STATE },
	{ "bios", required_argument, 0, OPT_BIOS },
	{ "tlb", required_argument, 0, OPT_TLB },
	{ "gdb", required_argument, 0, OPT_GDB },
	{ "help", no_argument, 0, OPT_HELP },
	{ 0, 0, 0, 0 },
};

/* Returns -1 to continue, or an exit status. */
static int parse_args(int argc, char **argv, struct boot_opts *o)
{
	*o = (struct boot_opts){ .memory = BOOT_DEFAULT_RAM, .max_insns = 1000000000ull, .tlb_untagged = -1,
				  .gdb_port = -1 };
	optind = 1;
	opterr = 0;
	int ch;
	while ((ch = getopt_long(argc, argv, "", boot_options, NULL)) != -1) {
		switch (ch) {
		case OPT_APPEND:
			if (o->append) {
				cli_error("--append given twice (put the whole command line in one)");
				return EXIT_USAGE;
			}
			o->append = optarg;
			break;
		case OPT_MODULE:
			if (o->nmods == MB_MAX_MODULES) {
				cli_error("--module: too many modules (at most %d)", MB_MAX_MODULES);
				return EXIT_USAGE;
			}
			if (optarg[0] == 0 || optarg[0] == ' ') {
				cli_error("--module: '%s' does not start with a file name", optarg);
				return EXIT_USAGE;
			}
			o->mods[o->nmods++].arg = optarg;
			break;
		case OPT_MEMORY:
			if (!cli_parse_u64(optarg, true, &o->memory) || o->memory < BOOT_MIN_RAM ||
			    o->memory > BOOT_MAX_RAM || (o->memory & 0xfff)) {
				cli_error("--memory: '%s' is not a size between 2M and 3584M in whole 4 KiB pages", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_MAX:
			if (!cli_parse_u64(optarg, false, &o->max_insns) || o->max_insns == 0) {
				cli_error("--max-insns: '%s' is not a positive count", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_STATS:
			o->stats = true;
			break;
		case OPT_TRACE:
			o->trace = optarg;
			break;
		case OPT_TRACE_INSNS:
			o->trace_insns = true;
			break;
		case OPT_DUMP_STATE:
			o->dump_state = optarg;
			break;
		case OPT_BIOS:
			o->bios = optarg;
			break;
		case OPT_TLB:
			if (cli_parse_tlb(optarg, &o->tlb_untagged) != 0)
				return EXIT_USAGE;
			break;
		case OPT_GDB:
			if (gdbstub_parse_port(optarg, &o->gdb_port) != 0) {
				cli_error("--gdb: '%s' is not a TCP port (1-65535, or 0 for any free port)", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_HELP:
			fputs(boot_help, stdout);
			return 0;
		default:
			cli_error("boot: unknown or incomplete option '%s' (try 'vtsim boot --help')", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		o->kernel = argv[optind++];
	if (optind < argc) {
		cli_error("boot: unexpected argument '%s' (one KERNEL; modules are given with --module)", argv[optind]);
		return EXIT_USAGE;
	}
	if (!o->kernel && !o->bios) {
		cli_error("boot: nothing to boot: give a KERNEL file or --bios ROM");
		return EXIT_USAGE;
	}
	if (o->kernel && o->bios) {
		cli_error("boot: give a KERNEL or --bios ROM, not both");
		return EXIT_USAGE;
	}
	if (o->bios && (o->append || o->nmods)) {
		cli_error("boot: --append and --module are for Multiboot kernels, not --bios");
		return EXIT_USAGE;
	}
	return -1;
}

static void free_opts(struct boot_opts *o)
{
	for (int i = 0; i < o->nmods; i++) {
		free(o->mods[i].path);
		free(o->mods[i].data);
	}
}

/* Read the modules: each argument's first word is the file. */
static int read_modules(struct boot_opts *o)
{
	for (int i = 0; i < o->nmods; i++) {
		struct boot_module *b = &o->mods[i];
		size_t n = strcspn(b->arg, " ");
		b->path = malloc(n + 1);
		if (!b->path) {
			cli_error("out of memory");
			return -1;
		}
		memcpy(b->path, b->arg, n);
		b->path[n] = 0;
		if (cli_read_file(b->path, &b->data, &b->len) != 0)
			return -1;
	}
	return 0;
}

/* Load the kernel or the ROM. Returns -1 to continue, or an exit status. */
static int load(struct machine *m, struct boot_opts *o, uint8_t *image, size_t len)
{
	char err[512];
	if (o->bios) {
		if (rom_map_firmware(m, image, len, err, sizeof err) != 0) {
			cli_error("%s: %s", o->bios, err);
			return EXIT_USAGE;
		}
		return -1;
	}
	struct mb_module mods[MB_MAX_MODULES];
	for (int i = 0; i < o->nmods; i++)
		mods[i] = (struct mb_module){ o->mods[i].arg, o->mods[i].data, o->mods[i].len };
	struct mb_config cfg = {
		.kernel = image, .kernel_len = len, .kernel_name = o->kernel, .append = o->append,
		.mods = mods, .nmods = o->nmods,
	};
	struct mb_boot b;
	if (mb_load(m, &cfg, &b, err, sizeof err) != 0) {
		cli_error("%s: %s", o->kernel, err);
		return EXIT_USAGE;
	}
	return -1;
}

int cmd_boot(int argc, char **argv)
{
	struct boot_opts o;
	int rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	uint8_t *image = NULL;
	size_t len = 0;
	struct machine *m = NULL;
	struct gdbstub *gdb = NULL;
	rc = EXIT_USAGE;
	if (o.trace_insns && !o.trace) {
		cli_error("boot: --trace-insns adds to --trace; give --trace FILE too");
		rc = EXIT_USAGE;
		goto out;
	}
	if (cli_read_file(o.bios ? o.bios : o.kernel, &image, &len) != 0 || read_modules(&o) != 0)
		goto out;

	char err[256];
	struct machine_config cfg = { .ram_size = o.memory, .console = cli_stdout_console };
	m = machine_new(&cfg, err, sizeof err);
	if (!m) {
		cli_error("%s", err);
		goto out;
	}
	if ((rc = load(m, &o, image, len)) >= 0)
		goto out;
	if (o.tlb_untagged >= 0)
		machine_set_tlb_untagged(m, o.tlb_untagged == 1);

	if (o.gdb_port >= 0 && !(gdb = gdbstub_listen(o.gdb_port, err, sizeof err))) {
		cli_error("--gdb: %s", err);
		rc = EXIT_USAGE;
		goto out;
	}
	struct cli_trace trace;
	if (cli_trace_open(&trace, m, o.trace, o.trace_insns, o.bios ? o.bios : o.kernel,
			   o.bios ? "bios" : "multiboot") != 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	double secs;
	enum stop_reason why = gdb ? gdbstub_run(gdb, m, NULL, o.max_insns, &secs) : cli_run(m, o.max_insns, &secs);
	cli_trace_close(&trace, m, why);
	cli_say_stop(m, why);
	if (why == STOP_SHUTDOWN)
		cli_print_machine_state(stderr, m);
	if (o.stats)
		cli_print_stats(m, secs);
	if (o.dump_state && cli_dump_state(o.dump_state, m, why, o.bios ? "bios" : "multiboot", NULL, 0) != 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	rc = cli_exit_status(m, why);
out:
	gdbstub_free(gdb);
	machine_free(m); /* before the ROM image it may map */
	free(image);
	free_opts(&o);
	return rc;
}
