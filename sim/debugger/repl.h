/* repl.h - what the interactive front end needs beyond debugger.h: stopping a run from a signal handler. */
#ifndef VTSIM_DEBUGGER_REPL_H
#define VTSIM_DEBUGGER_REPL_H

struct dbg;

/* Ask a running command (continue, until, ...) to stop after the current
 * step. Async-signal-safe: call it from a SIGINT handler. */
void dbg_interrupt(struct dbg *d);

#endif
