/* history.c - going backwards: snapshots along the timeline, reverse-step, reverse-continue, restart. */
#include <stdlib.h>
#include <string.h>

#include "../scenario/scenario.h"
#include "internal.h"

/*
 * The timeline is the sequence of units run since the start (control.c).
 * The machine is deterministic, so any position can be reached again by
 * restoring the nearest earlier snapshot and running forward. Snapshots
 * are taken every snap_every units; when the memory budget is used up,
 * every other one is dropped and the interval doubles, so reverse steps
 * stay cheap near the present and possible back to the start. A change
 * the user makes (set) is a pinned snapshot: running forward onto its
 * position restores it, so the change is part of the timeline.
 */
#define SNAP_BUDGET (768ull << 20) /* bytes of RAM copies kept */
#define SNAP_FIRST_EVERY 256       /* units between snapshots at first */

static void drop(struct dbg *d, int i)
{
	machine_snapshot_free(d->snap[i].s);
	memmove(&d->snap[i], &d->snap[i + 1], (size_t)(d->nsnap - i - 1) * sizeof d->snap[0]);
	d->nsnap--;
}

/* Make room: keep the first snapshot and the pinned ones, drop every other one of the rest. */
static void thin(struct dbg *d)
{
	bool odd = false;
	for (int i = 1; i < d->nsnap;) {
		if (!d->snap[i].pinned && (odd = !odd)) {
			drop(d, i);
			continue;
		}
		i++;
	}
	d->snap_every *= 2;
}

static void take(struct dbg *d, bool pinned)
{
	if (d->nsnap == d->max_snaps)
		thin(d);
	if (d->nsnap == d->max_snaps)
		return; /* all pinned: history before the oldest pins stays reachable from the start */
	struct machine_snapshot *s = machine_snapshot_take(d->m);
	if (!s)
		return; /* out of memory: reverse steps just replay from further back */
	d->snap[d->nsnap++] = (struct dbg_snap){ d->t, pinned, s };
}

void dbg_history_init(struct dbg *d)
{
	uint64_t ram = machine_ram_size(d->m);
	uint64_t n = ram ? SNAP_BUDGET / ram : DBG_MAX_SNAPS;
	d->max_snaps = n < 4 ? 4 : n > DBG_MAX_SNAPS ? DBG_MAX_SNAPS : (int)n;
	d->snap_every = SNAP_FIRST_EVERY;
	take(d, true); /* the start: restart and reverse steps come back here */
}

void dbg_history_free(struct dbg *d)
{
	while (d->nsnap)
		drop(d, d->nsnap - 1);
}

void dbg_history_after_unit(struct dbg *d)
{
	for (int i = d->nsnap - 1; i >= 0 && d->snap[i].t >= d->t; i--)
		if (d->snap[i].t == d->t) {
			if (d->snap[i].pinned && i > 0)
				machine_snapshot_restore(d->m, d->snap[i].s);
			return;
		}
	if (d->t >= d->snap[d->nsnap - 1].t + d->snap_every)
		take(d, false);
}

void dbg_history_pin(struct dbg *d)
{
	while (d->nsnap > 1 && d->snap[d->nsnap - 1].t >= d->t)
		drop(d, d->nsnap - 1);
	if (d->t == 0) { /* a change before the first step: it is the start now */
		machine_snapshot_free(d->snap[0].s);
		d->snap[0].s = machine_snapshot_take(d->m);
	} else {
		take(d, true);
	}
	size_t len;
	machine_console_output(d->m, &len);
	d->console_seen = len;
	dbg_bp_refresh_watch(d);
}

void dbg_exits_prune(struct dbg *d)
{
	while (d->nexits) {
		int last = (d->exit_head + DBG_MAX_EXITS - 1) % DBG_MAX_EXITS;
		if (d->exits[last].t <= d->t)
			break;
		d->exit_head = last;
		d->nexits--;
	}
}

/* Restore snapshot i: the position becomes its. */
static void restore(struct dbg *d, int i)
{
	machine_snapshot_restore(d->m, d->snap[i].s);
	d->t = d->snap[i].t;
	dbg_exits_prune(d);
	dbg_bp_refresh_watch(d);
}

static int nearest(struct dbg *d, uint64_t target)
{
	int i = d->nsnap - 1;
	while (i > 0 && d->snap[i].t > target)
		i--;
	return i;
}

int dbg_history_goto(struct dbg *d, uint64_t target)
{
	bool was_quiet = d->quiet;
	restore(d, nearest(d, target));
	d->quiet = true;
	while (d->t < target) {
		bool progress;
		dbg_unit(d, &progress);
		if (!progress)
			break;
	}
	d->quiet = was_quiet;
	dbg_bp_refresh_watch(d);
	if (d->t != target) {
		dbg_error(d, "could not replay to step %llu (the machine stopped at step %llu)", (unsigned long long)target,
			  (unsigned long long)d->t);
		return -1;
	}
	return 0;
}

int dbg_cmd_reverse_step(struct dbg *d, int argc, char **argv)
{
	uint64_t n = 1;
	if (argc > 2 || (argc == 2 && (!dbg_parse_number(argv[1], &n) || n == 0))) {
		dbg_error(d, "usage: reverse-step [N] (N a positive count)");
		return 0;
	}
	if (d->t == 0) {
		dbg_printf(d, "Already at the start of the history: nothing to undo.\n");
		dbg_show_where(d);
		return 0;
	}
	if (n > d->t) {
		dbg_printf(d, "Only %llu step%s back to the start.\n", (unsigned long long)d->t, d->t == 1 ? "" : "s");
		n = d->t;
	}
	if (dbg_history_goto(d, d->t - n) == 0)
		dbg_printf(d, "Back %llu step%s, at step %llu (instruction %llu).\n", (unsigned long long)n, n == 1 ? "" : "s",
			   (unsigned long long)d->t, (unsigned long long)machine_icount(d->m));
	dbg_show_where(d);
	return 0;
}

/* Check position d->t for an address-style breakpoint; remember the best. */
static void consider_before(struct dbg *d, uint64_t *best, char *msg, size_t len)
{
	d->hit = 0;
	if (dbg_bp_check_before(d)) {
		*best = d->t;
		snprintf(msg, len, "%s", d->hit_msg);
	}
}

int dbg_cmd_reverse_continue(struct dbg *d, int argc, char **argv)
{
	if (argc > 1) {
		dbg_error(d, "reverse-continue takes no arguments");
		return 0;
	}
	uint64_t now = d->t;
	if (now == 0) {
		dbg_printf(d, "Already at the start of the history.\n");
		dbg_show_where(d);
		return 0;
	}
	char msg[sizeof d->hit_msg] = "";
	uint64_t best = UINT64_MAX;
	bool was_quiet = d->quiet;
	d->quiet = true;
	/* Scan the segments between snapshots, the latest first; within one,
	 * keep the last position where a breakpoint would have stopped. */
	for (int i = nearest(d, now - 1); i >= 0 && best == UINT64_MAX; i--) {
		uint64_t end = i + 1 < d->nsnap && d->snap[i + 1].t < now ? d->snap[i + 1].t : now - 1;
		restore(d, i);
		consider_before(d, &best, msg, sizeof msg);
		while (d->t < end) {
			char mode_before[16];
			snprintf(mode_before, sizeof mode_before, "%s", dbg_mode_name(d->m));
			int pg_before = dbg_paging_mode(d->m);
			d->hit = 0;
			bool progress;
			dbg_unit(d, &progress);
			if (!progress)
				break;
			if (!d->hit)
				dbg_bp_check_after(d, mode_before, pg_before);
			if (d->hit) {
				best = d->t;
				snprintf(msg, sizeof msg, "%s", d->hit_msg);
			}
			consider_before(d, &best, msg, sizeof msg);
		}
	}
	d->quiet = was_quiet;
	if (best == UINT64_MAX) {
		dbg_history_goto(d, 0);
		dbg_printf(d, "No breakpoint would have stopped earlier: back at the start.\n");
	} else if (dbg_history_goto(d, best) == 0) {
		dbg_printf(d, "%s\n", msg);
		dbg_printf(d, "Back at step %llu (instruction %llu).\n", (unsigned long long)d->t,
			   (unsigned long long)machine_icount(d->m));
	}
	dbg_show_where(d);
	return 0;
}

int dbg_cmd_restart(struct dbg *d, int argc, char **argv)
{
	if (argc > 1) {
		dbg_error(d, "restart takes no arguments");
		return 0;
	}
	while (d->nsnap > 1)
		drop(d, d->nsnap - 1);
	d->snap_every = SNAP_FIRST_EVERY;
	restore(d, 0);
	d->nexits = d->exit_head = 0;
	d->console_seen = 0;
	d->mid_line = false;
	if (d->sc) {
		scenario_watch_free(d->watch);
		d->watch = scenario_watch_new(d->sc);
	}
	for (int i = 0; i < d->nbp; i++)
		d->bp[i].hits = 0;
	dbg_printf(d, "Restarted: back at the start.\n");
	dbg_show_where(d);
	return 0;
}
