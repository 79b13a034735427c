/* debugger.h - the debugger's command interpreter, shared by the REPL (vtsim debug) and the gdb stub's `monitor` command. */
#ifndef VTSIM_DEBUGGER_H
#define VTSIM_DEBUGGER_H

#include <stdbool.h>
#include <stdio.h>

struct machine;
struct scenario;
struct dbg;

/* A debugger attached to a machine that is ready to run (loaded, started).
 * scenario may be NULL (vtsim debug --boot KERNEL); with one, narration
 * and expectations come from it. Returns NULL only when out of memory. */
struct dbg *dbg_new(struct machine *m, struct scenario *sc);
void dbg_free(struct dbg *d);

/*
 * Run one command line ("step 3", "vmcs GUEST_RIP", "walk 0x401000") and
 * write its output to out. Errors are explained on out and never end the
 * session. Returns 1 when the command asks to end the session (quit), 0
 * otherwise.
 */
int dbg_command(struct dbg *d, const char *line, FILE *out);

/* The prompt showing where the CPU is: "(vtsim long64 cpl0 root 0x401000) ". */
void dbg_prompt(struct dbg *d, char *buf, size_t len);

/* Completion candidates for a word being typed (command names, register
 * and VMCS field names), for the REPL: the n-th match of prefix, or NULL. */
const char *dbg_complete(struct dbg *d, const char *line_so_far, const char *prefix, int n);

#endif
