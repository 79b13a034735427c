/* main.c - vtsim's entry point: find the subcommand and run it. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "cli.h"

struct command {
	const char *name;                  /* as typed */
	int (*run)(int argc, char **argv); /* argv[0] is the subcommand */
	const char *summary;               /* one line for --help */
};

static const struct command commands[] = {
	{ "exec", cmd_exec, "run a flat binary in real16, prot32 or long64 mode" },
	{ "run", cmd_run, "run a YAML scenario and check its expectations" },
	{ "boot", cmd_boot, "boot a Multiboot kernel (as qemu -kernel does) or a firmware ROM" },
	{ "vmx", cmd_vmx, "print the VMX tables: what exits, VM-entry checks, VMCS fields, controls" },
	{ "tour", cmd_tour, "the seven IA-32 virtualization challenges, without and with VT-x" },
	{ "classify", cmd_classify, "Popek-Goldberg: which instructions are sensitive, which trap, which exit" },
	{ "debug", cmd_debug, "debug a scenario or kernel: step back and forth, break on events, walks, VMCS" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: vtsim COMMAND [OPTIONS]\n\n"
		   "vtsim is an instruction-level x86-64 CPU and MMU simulator for learning\n"
		   "and checking x86 virtualization.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'vtsim COMMAND --help' describes a command; 'man vtsim' has the details.\n"
		   "options:\n  --help     this text\n  --version  print the version\n");
}

void cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("vtsim: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int main(int argc, char **argv)
{
	/* 1. No command: say how to use vtsim. */
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* 2. Global options. */
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
#ifdef VTSIM_STRESS_TLB
		printf("vtsim %s (stress-tlb: translation caches flushed after every instruction)\n", PACKAGE_VERSION);
#else
		printf("vtsim %s\n", PACKAGE_VERSION);
#endif
		return 0;
	}
	/* 3. Run the subcommand. */
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	cli_error("unknown command '%s' (try 'vtsim --help')", argv[1]);
	return EXIT_USAGE;
}
