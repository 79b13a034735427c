/* cli.h - the vtsim command line: subcommands and shared argument parsing. */
#ifndef VTSIM_CLI_H
#define VTSIM_CLI_H

#include <stdbool.h>
#include <stdint.h>

/* Exit statuses shared by the subcommands (see vtsim(1)). */
enum {
	EXIT_HALT = 0,       /* HLT: the guest finished */
	EXIT_USAGE = 2,      /* bad arguments, missing files, bad input */
	EXIT_LIMIT = 4,      /* the instruction limit was reached */
	EXIT_SHUTDOWN = 6,   /* triple fault */
};

int cmd_exec(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_boot(int argc, char **argv);
int cmd_vmx(int argc, char **argv);
int cmd_tour(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_debug(int argc, char **argv);

/*
 * Parse an unsigned number: decimal, 0x hex, 0b binary, an optional
 * K/M/G/T suffix (powers of 1024) when allow_suffix, and the 1e9 form.
 * Returns false on garbage or overflow.
 */
bool cli_parse_u64(const char *s, bool allow_suffix, uint64_t *out);
/* --tlb tagged|untagged: *untagged := 0 or 1 (an error message and -1
 * for anything else). */
int cli_parse_tlb(const char *arg, int *untagged);
/* Where CPU profiles are looked for, in order (at most 3 directories;
 * own is storage for one of them). Returns how many. */
int cli_profile_dirs(const char **dirs, char *own, size_t ownlen);
/* Does this vtsim run from its build directory (then data comes from the
 * source tree rather than $(pkgdatadir))? */
bool cli_in_build_tree(void);
/* One line for an exception, interrupt or shutdown event, after the
 * caller's time stamp: "#GP (vector 13) at rip 0x...: why [insn]". */
struct event;
void cli_explain_exception(const struct event *e);

/* Print "vtsim: " + message to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
