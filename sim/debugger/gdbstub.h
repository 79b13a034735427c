/* gdbstub.h - the GDB remote serial protocol server: gdb attaches to a machine over TCP. */
#ifndef VTSIM_GDBSTUB_H
#define VTSIM_GDBSTUB_H

#include <stddef.h>
#include <stdint.h>

#include "../machine.h"

struct gdbstub; /* opaque: see gdbstub.c */
struct scenario;
struct dbg;

/*
 * How a front end serves gdb (docs/gdb.md):
 *
 *	int port;
 *	if (gdbstub_parse_port(arg, &port) != 0) ... usage error, exit 2
 *	struct gdbstub *g = gdbstub_listen(port, err, sizeof err);
 *	if (!g) ... "--gdb: <err>", exit 2
 *	why = gdbstub_run(g, m, sc, max_insns, &secs);   instead of machine_run
 *	gdbstub_free(g);
 *
 * gdbstub_run prints one line to stderr ("target remote :PORT"), waits
 * for gdb before the first instruction, and lets gdb drive the machine.
 * When gdb detaches (detach, quit, or the connection drops) the run goes
 * on without it to its end; when gdb kills the run (kill), it ends there.
 */

/* Parse a --gdb argument: a TCP port 1-65535, or 0 for any free port
 * (the waiting line says which). Returns 0, or -1 for anything else. */
int gdbstub_parse_port(const char *s, int *port);

/* Listen on 127.0.0.1:port. NULL with a one-line reason in err (port in
 * use, no permission, ...). */
struct gdbstub *gdbstub_listen(int port, char *err, size_t errlen);

/* The port listened on (the one the kernel chose for port 0). */
int gdbstub_port(const struct gdbstub *g);

/* Send `monitor` commands to an existing debugger instead of one the stub
 * makes on first use (for `vtsim debug --gdb`). The stub does not free it. */
void gdbstub_use_dbg(struct gdbstub *g, struct dbg *d);

/*
 * Wait for one gdb client and serve it; then, unless gdb killed the run,
 * run on to the end. Runs at most max_insns more instructions in all, as
 * machine_run(m, max_insns) would, and returns how the run ended as
 * machine_run does (STOP_REQUEST when gdb killed it). sc (may be NULL)
 * goes to the debugger for `monitor` commands. *secs (may be NULL)
 * receives the wall time spent running guest code, not waiting for gdb.
 */
enum stop_reason gdbstub_run(struct gdbstub *g, struct machine *m, struct scenario *sc,
			     uint64_t max_insns, double *secs);

/*
 * gdbstub_run without running on: wait for gdb, serve it, and return
 * when the session ends: STOP_NONE when gdb detached (or the connection
 * dropped) with the machine still runnable, STOP_REQUEST when gdb killed
 * the run, or how the run ended (as machine_run says) when it ended
 * under gdb. The stub can serve again afterwards (a REPL that lets gdb
 * attach more than once).
 */
enum stop_reason gdbstub_serve(struct gdbstub *g, struct machine *m, struct scenario *sc,
			       uint64_t max_insns);

void gdbstub_free(struct gdbstub *g);

#endif
