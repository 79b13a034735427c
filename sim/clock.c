/* clock.c - timers on the cycle clock. */
#include "clock.h"

static void update_deadline(struct clock *k)
{
	uint64_t d = CLOCK_NEVER;
	for (int i = 0; i < k->n; i++)
		if (k->t[i].when < d)
			d = k->t[i].when;
	if (k->deadline)
		*k->deadline = d;
}

void clock_init(struct clock *k, uint64_t hz, uint64_t *deadline)
{
	k->hz = hz;
	k->n = 0;
	k->deadline = deadline;
	update_deadline(k);
}

int clock_timer_new(struct clock *k, timer_fn *fn, void *opaque)
{
	if (k->n == CLOCK_MAX_TIMERS)
		return -1;
	k->t[k->n] = (struct clock_timer){ CLOCK_NEVER, fn, opaque };
	return k->n++;
}

void clock_timer_arm(struct clock *k, int id, uint64_t when)
{
	if (id < 0 || id >= k->n)
		return;
	k->t[id].when = when;
	update_deadline(k);
}

void clock_timer_cancel(struct clock *k, int id)
{
	clock_timer_arm(k, id, CLOCK_NEVER);
}

void clock_run_due(struct clock *k, uint64_t now)
{
	for (;;) {
		int due = -1;
		for (int i = 0; i < k->n; i++)
			if (k->t[i].when <= now && (due < 0 || k->t[i].when < k->t[due].when))
				due = i;
		if (due < 0)
			break;
		k->t[due].when = CLOCK_NEVER; /* one-shot unless the callback re-arms */
		k->t[due].fn(k->t[due].opaque, now);
	}
	update_deadline(k);
}

uint64_t clock_ns_to_cycles(const struct clock *k, uint64_t ns)
{
	unsigned __int128 c = (unsigned __int128)ns * k->hz + 999999999u;
	uint64_t r = (uint64_t)(c / 1000000000u);
	return r ? r : 1;
}
