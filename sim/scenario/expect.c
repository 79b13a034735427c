/* expect.c - watching a run (narration, counts, sequences) and checking expect: against the final state. */
#define _GNU_SOURCE /* memmem */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../trace/evfield.h"
#include "internal.h"

#define DESC_LEN 320

struct sc_watch {
	const struct scenario *sc;   /* what is watched */
	bool *said;                  /* per narration: it fired */
	uint64_t *count;             /* per count expectation: matches */
	char (*decided)[DESC_LEN];   /* per count: the event that went over max, else the last match */
	bool *over;                  /* per count: decided[] is the event that went over */
	int seq_pos;                 /* sequence items matched so far */
	char (*seq_ev)[DESC_LEN];    /* per sequence item: the event it matched */
	char last[DESC_LEN];         /* the last exception, interrupt or shutdown */
	char shutdown[DESC_LEN];     /* the shutdown event, if one happened */
};

struct sc_watch *scenario_watch_new(const struct scenario *sc)
{
	struct sc_watch *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->sc = sc;
	w->said = calloc((size_t)sc->nnarr + 1, sizeof *w->said);
	w->count = calloc((size_t)sc->ex.ncnt + 1, sizeof *w->count);
	w->decided = calloc((size_t)sc->ex.ncnt + 1, sizeof *w->decided);
	w->over = calloc((size_t)sc->ex.ncnt + 1, sizeof *w->over);
	w->seq_ev = calloc((size_t)sc->ex.nseq + 1, sizeof *w->seq_ev);
	if (!w->said || !w->count || !w->decided || !w->over || !w->seq_ev) {
		scenario_watch_free(w);
		return NULL;
	}
	return w;
}

void scenario_watch_free(struct sc_watch *w)
{
	if (!w)
		return;
	free(w->said);
	free(w->count);
	free(w->decided);
	free(w->over);
	free(w->seq_ev);
	free(w);
}

void scenario_watch_event(struct sc_watch *w, const struct event *e, sc_say_fn *say, void *opaque)
{
	const struct scenario *sc = w->sc;
	for (int i = 0; i < sc->nnarr; i++) {
		const struct sc_narration *n = &sc->narr[i];
		if ((n->once && w->said[i]) || !sc_pattern_match(&n->on, e))
			continue;
		w->said[i] = true;
		if (say)
			say(opaque, e, n->say);
	}
	for (int i = 0; i < sc->ex.ncnt; i++) {
		const struct sc_expect_count *c = &sc->ex.cnt[i];
		if (!sc_pattern_match(&c->p, e))
			continue;
		w->count[i]++;
		if (w->over[i])
			continue;
		sc_event_describe(e, w->decided[i], DESC_LEN);
		w->over[i] = w->count[i] > c->r.max;
	}
	if (w->seq_pos < sc->ex.nseq && sc_pattern_match(&sc->ex.seq[w->seq_pos], e))
		sc_event_describe(e, w->seq_ev[w->seq_pos++], DESC_LEN);
	if (e->kind == EV_EXCEPTION || e->kind == EV_INTERRUPT || e->kind == EV_SHUTDOWN)
		sc_event_describe(e, w->last, DESC_LEN);
	if (e->kind == EV_SHUTDOWN)
		sc_event_describe(e, w->shutdown, DESC_LEN);
}

/* ------------------------------------------------------------ checking */

static void fail(struct scenario *sc, struct sc_result *r, struct sc_mark at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fail(struct scenario *sc, struct sc_result *r, struct sc_mark at, const char *fmt, ...)
{
	r->failed++;
	if (r->nmsg == SC_MAX_FAILURES)
		return;
	char body[1200], full[1400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(body, sizeof body, fmt, ap);
	va_end(ap);
	if (at.line > 0)
		snprintf(full, sizeof full, "%s:%d:%d: %s", sc->file, at.line, at.col, body);
	else
		snprintf(full, sizeof full, "%s: %s", sc->file, body);
	r->msg[r->nmsg] = strdup(full);
	if (r->msg[r->nmsg])
		r->nmsg++;
}

void scenario_result_free(struct sc_result *r)
{
	for (int i = 0; i < r->nmsg; i++)
		free(r->msg[i]);
	r->nmsg = 0;
}

static const char *stop_text(int why)
{
	return why == -2 ? "limit" : stop_reason_name((enum stop_reason)why);
}

static void range_text(const struct sc_range *rg, char *buf, size_t len)
{
	if (rg->min == rg->max)
		snprintf(buf, len, "%llu", (unsigned long long)rg->min);
	else if (rg->max == UINT64_MAX)
		snprintf(buf, len, "at least %llu", (unsigned long long)rg->min);
	else if (rg->min == 0)
		snprintf(buf, len, "at most %llu", (unsigned long long)rg->max);
	else
		snprintf(buf, len, "%llu to %llu", (unsigned long long)rg->min, (unsigned long long)rg->max);
}

/* Bytes as text for a message: hex, or a quoted string for string expectations. */
static void bytes_text(const uint8_t *b, size_t n, bool text, char *buf, size_t len)
{
	size_t pos = 0;
	if (text) {
		pos += (size_t)snprintf(buf, len, "\"");
		for (size_t i = 0; i < n && pos + 6 < len; i++) {
			if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '"' && b[i] != '\\')
				buf[pos++] = (char)b[i];
			else if (b[i] == '\n' || b[i] == '\t' || b[i] == '\r' || b[i] == '"' || b[i] == '\\')
				pos += (size_t)snprintf(buf + pos, len - pos, "\\%c",
							b[i] == '\n' ? 'n' : b[i] == '\t' ? 't' : b[i] == '\r' ? 'r' : (char)b[i]);
			else
				pos += (size_t)snprintf(buf + pos, len - pos, "\\x%02x", b[i]);
		}
		snprintf(buf + pos, len - pos, "\"");
		return;
	}
	buf[0] = 0;
	for (size_t i = 0; i < n && pos + 4 < len; i++)
		pos += (size_t)snprintf(buf + pos, len - pos, "%s%02x", i ? " " : "", b[i]);
}

static uint64_t le(const uint8_t *b, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

static void check_outcome(struct scenario *sc, struct machine *m, const struct sc_watch *w, const struct sc_outcome *o,
			  struct sc_result *r)
{
	const struct sc_expect *ex = &sc->ex;
	int got = o->limit ? -2 : (int)o->why;
	uint64_t rip = machine_reg_get(m, VT_RIP);
	if (ex->stop != -1) {
		r->checked++;
		if (ex->stop != got)
			fail(sc, r, ex->stop_at, "expect.stop: expected %s, got %s at rip 0x%llx after %llu instructions%s%s", stop_text(ex->stop),
			     stop_text(got), (unsigned long long)rip, (unsigned long long)machine_icount(m), w->last[0] ? "; last event: " : "",
			     w->last);
	} else if (o->limit) {
		/* Running into a limit is a failure unless the scenario says it is the point. */
		r->checked++;
		struct sc_mark at = o->limit == 1 ? sc->insns_at : sc->cycles_at;
		fail(sc, r, at,
		     "limits.%s: the run reached %llu %s without stopping, at rip 0x%llx (expected HLT, the exit port or a shutdown first; write expect: {stop: limit} if reaching the limit is the point)",
		     o->limit == 1 ? "instructions" : "cycles",
		     (unsigned long long)(o->limit == 1 ? sc->max_insns : sc->max_cycles),
		     o->limit == 1 ? "instructions" : "cycles", (unsigned long long)rip);
	}
	if (ex->exit_code != -1) {
		r->checked++;
		if (o->why != STOP_EXIT_PORT)
			fail(sc, r, ex->exit_at, "expect.exit_code: expected %d, but the guest never wrote to port 0xF4 (stop: %s at rip 0x%llx)",
			     ex->exit_code, stop_text(got), (unsigned long long)rip);
		else if (machine_exit_code(m) != ex->exit_code)
			fail(sc, r, ex->exit_at, "expect.exit_code: expected %d, got %d", ex->exit_code, machine_exit_code(m));
	}
	if (ex->shutdown != -1) {
		r->checked++;
		bool down = o->why == STOP_SHUTDOWN;
		if (ex->shutdown && !down)
			fail(sc, r, ex->shutdown_at, "expect.shutdown: expected a shutdown, got stop %s at rip 0x%llx%s%s", stop_text(got),
			     (unsigned long long)rip, w->last[0] ? "; last event: " : "", w->last);
		else if (!ex->shutdown && down)
			fail(sc, r, ex->shutdown_at, "expect.shutdown: expected no shutdown, but the processor shut down: %s",
			     w->shutdown[0] ? w->shutdown : "triple fault");
	}
}

static void check_state(struct scenario *sc, struct machine *m, const struct sc_outcome *o, struct sc_result *r)
{
	const struct sc_expect *ex = &sc->ex;
	struct diag d;
	diag_init(&d, sc->file);
	for (int i = 0; i < ex->nreg; i++) {
		const struct sc_expect_reg *e = &ex->reg[i];
		uint64_t want;
		r->checked++;
		if (sc_resolve(sc, &d, &e->v, false, &want))
			continue;
		uint64_t have = machine_reg_get(m, (enum vt_reg)e->reg);
		if (e->reg >= VT_ES && e->reg <= VT_GS)
			want &= 0xffff;
		if (have != want)
			fail(sc, r, e->mark, "expect.registers.%s: expected 0x%llx, got 0x%llx", machine_reg_name((enum vt_reg)e->reg),
			     (unsigned long long)want, (unsigned long long)have);
	}
	uint64_t rflags = machine_reg_get(m, VT_RFLAGS);
	for (int i = 0; i < ex->nflag; i++) {
		const struct sc_expect_flag *f = &ex->flag[i];
		r->checked++;
		bool have = (rflags & f->bit) != 0;
		if (have != f->v)
			fail(sc, r, f->mark, "expect.flags.%s: expected %d, got %d (rflags 0x%llx)", f->name, f->v, have,
			     (unsigned long long)rflags);
	}
	for (int i = 0; i < ex->nmem; i++) {
		const struct sc_expect_mem *e = &ex->mem[i];
		uint64_t pa;
		r->checked++;
		if (sc_resolve(sc, &d, &e->at, true, &pa))
			continue;
		uint8_t *have = malloc(e->len);
		if (!have)
			continue;
		machine_phys_read(m, pa, have, e->len);
		if (memcmp(have, e->bytes, e->len) != 0) {
			char a[200], b[200];
			if (e->width) {
				snprintf(a, sizeof a, "0x%llx", (unsigned long long)le(e->bytes, e->width));
				snprintf(b, sizeof b, "0x%llx", (unsigned long long)le(have, e->width));
			} else {
				bytes_text(e->bytes, e->len, e->text, a, sizeof a);
				bytes_text(have, e->len, e->text, b, sizeof b);
			}
			fail(sc, r, e->mark, "expect.memory at 0x%llx: expected %s, got %s", (unsigned long long)pa, a, b);
		}
		free(have);
	}
	if (ex->console_set) {
		r->checked++;
		bool ok;
		if (ex->console_contains)
			ok = ex->console_len == 0 ||
			     (o->console_len >= ex->console_len && memmem(o->console, o->console_len, ex->console, ex->console_len));
		else
			ok = o->console_len == ex->console_len && memcmp(o->console, ex->console, ex->console_len) == 0;
		if (!ok) {
			char a[200], b[200];
			bytes_text((const uint8_t *)ex->console, ex->console_len, true, a, sizeof a);
			bytes_text((const uint8_t *)o->console, o->console_len, true, b, sizeof b);
			fail(sc, r, ex->console_at, "expect.%s: expected %s%s, got %s", ex->console_contains ? "console_contains" : "console",
			     ex->console_contains ? "output containing " : "", a, b);
		}
	}
	const struct sc_range *rg[2] = { &ex->insns, &ex->cycles };
	uint64_t val[2] = { machine_icount(m), machine_cycles(m) };
	for (int k = 0; k < 2; k++) {
		if (!rg[k]->set)
			continue;
		r->checked++;
		if (val[k] < rg[k]->min || val[k] > rg[k]->max) {
			char want[80];
			range_text(rg[k], want, sizeof want);
			fail(sc, r, rg[k]->mark, "expect.%s: expected %s, got %llu", k ? "cycles" : "instructions", want,
			     (unsigned long long)val[k]);
		}
	}
	diag_free(&d);
}

static void check_events(struct scenario *sc, const struct sc_watch *w, struct sc_result *r)
{
	const struct sc_expect *ex = &sc->ex;
	for (int i = 0; i < ex->ncnt; i++) {
		const struct sc_expect_count *c = &ex->cnt[i];
		r->checked++;
		uint64_t n = w->count[i];
		if (n >= c->r.min && n <= c->r.max)
			continue;
		char pat[200], want[80];
		sc_pattern_describe(&c->p, pat, sizeof pat);
		range_text(&c->r, want, sizeof want);
		if (n > c->r.max)
			fail(sc, r, c->mark, "expect.events %s: expected %s, got %llu; event %llu was: %s", pat, want, (unsigned long long)n,
			     (unsigned long long)(c->r.max + 1), w->decided[i]);
		else if (n > 0)
			fail(sc, r, c->mark, "expect.events %s: expected %s, got %llu; the last was: %s", pat, want, (unsigned long long)n,
			     w->decided[i]);
		else
			fail(sc, r, c->mark, "expect.events %s: expected %s, got 0%s%s", pat, want, w->last[0] ? "; last event seen: " : "",
			     w->last);
	}
	if (ex->nseq && w->seq_pos < ex->nseq) {
		r->checked++;
		const struct sc_pattern *p = &ex->seq[w->seq_pos];
		char pat[200];
		sc_pattern_describe(p, pat, sizeof pat);
		if (w->seq_pos == 0)
			fail(sc, r, p->mark, "expect.sequence item 1 (%s): never happened%s%s", pat, w->last[0] ? "; last event seen: " : "",
			     w->last);
		else
			fail(sc, r, p->mark, "expect.sequence item %d (%s): did not happen after item %d, which matched %s", w->seq_pos + 1,
			     pat, w->seq_pos, w->seq_ev[w->seq_pos - 1]);
	} else if (ex->nseq) {
		r->checked++;
	}
}

void scenario_check(struct scenario *sc, struct machine *m, const struct sc_watch *w, const struct sc_outcome *o,
		    struct sc_result *r)
{
	memset(r, 0, sizeof *r);
	check_outcome(sc, m, w, o, r);
	check_state(sc, m, o, r);
	check_events(sc, w, r);
}
