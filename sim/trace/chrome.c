/* chrome.c - the Chrome trace-event format: a CPL track, a VMX track and instant events, for Perfetto or chrome://tracing. */
#include <stdio.h>
#include <string.h>

#include "../vmx/vmx.h"
#include "evfield.h"
#include "trace.h"

/*
 * One process ("vtsim: NAME") with three threads:
 *   tid 1 "CPL"     complete events (ph "X") "CPL 0" .. "CPL 3", one per stretch at a level
 *   tid 2 "VMX"     spans "VMX off", "root (host)", "non-root (guest)" between VM entries and exits
 *   tid 3 "events"  instant events (ph "i") for exceptions, interrupts, shutdowns and narration
 * Timestamps are microseconds of modelled time: cycles / the profile's frequency.
 */

enum { TID_CPL = 1, TID_VMX = 2, TID_EVENTS = 3, TID_HANDLERS = 4 };

/* Microseconds for a cycle count, printed with nanosecond resolution and
 * integer arithmetic only, so the file is the same on every host. */
static void put_ts(FILE *f, uint64_t cycles, uint64_t hz)
{
	if (hz == 0)
		hz = 1000000000ull;
	unsigned __int128 ns = (unsigned __int128)cycles * 1000000000u / hz;
	fprintf(f, "%llu.%03llu", (unsigned long long)(ns / 1000), (unsigned long long)(ns % 1000));
}

static void sep(struct trace_chrome *t)
{
	fputs(t->first ? "\n" : ",\n", t->f);
	t->first = false;
}

static void meta(struct trace_chrome *t, const char *what, int tid, const char *name)
{
	sep(t);
	fprintf(t->f, "{\"name\":\"%s\",\"ph\":\"M\",\"pid\":1", what);
	if (tid)
		fprintf(t->f, ",\"tid\":%d", tid);
	fputs(",\"args\":{\"name\":", t->f);
	trace_json_string(t->f, name);
	fputs("}}", t->f);
}

void trace_chrome_begin(struct trace_chrome *t, FILE *f, struct machine *m, const struct trace_info *info)
{
	*t = (struct trace_chrome){ .f = f, .m = m, .hz = info->hz, .cpl = machine_cpl(m), .first = true };
	t->span_start = t->vmx_start = machine_cycles(m);
	t->span_icount = t->vmx_icount = machine_icount(m);
	t->vmx = machine_vmx_mode(m);
	fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"scenario\":", f);
	trace_json_string(f, info->scenario);
	fputs(",\"profile\":", f);
	trace_json_string(f, info->profile);
	fputs("},\"traceEvents\":[", f);
	char name[160];
	snprintf(name, sizeof name, "vtsim: %s", info->scenario);
	meta(t, "process_name", 0, name);
	meta(t, "thread_name", TID_CPL, "CPL");
	meta(t, "thread_name", TID_VMX, "VMX");
	meta(t, "thread_name", TID_EVENTS, "events");
	meta(t, "thread_name", TID_HANDLERS, "handlers");
}

uint32_t trace_chrome_mask(void)
{
	return EVB(EV_CPL) | EVB(EV_IRET) | EVB(EV_EXCEPTION) | EVB(EV_INTERRUPT) | EVB(EV_SHUTDOWN) |
	       EVB(EV_VMEXIT) | EVB(EV_VMENTRY) | EVB(EV_VMENTRY_FAIL);
}

static void close_span(struct trace_chrome *t, uint64_t now, uint64_t icount)
{
	if (now < t->span_start)
		now = t->span_start;
	sep(t);
	fprintf(t->f, "{\"name\":\"CPL %d\",\"ph\":\"X\",\"pid\":1,\"tid\":%d,\"ts\":", t->cpl, TID_CPL);
	put_ts(t->f, t->span_start, t->hz);
	fputs(",\"dur\":", t->f);
	put_ts(t->f, now - t->span_start, t->hz);
	fprintf(t->f, ",\"args\":{\"instructions\":%llu,\"cycles\":%llu}}", (unsigned long long)(icount - t->span_icount),
		(unsigned long long)(now - t->span_start));
	t->span_start = now;
	t->span_icount = icount;
}

/* The VMX track: the span that ends now, named after the mode it was in. */
static void close_vmx_span(struct trace_chrome *t, uint64_t now, uint64_t icount, const char *ended_by)
{
	static const char *const name[3] = { "VMX off", "root (host)", "non-root (guest)" };
	if (now < t->vmx_start)
		now = t->vmx_start;
	sep(t);
	fprintf(t->f, "{\"name\":\"%s\",\"ph\":\"X\",\"pid\":1,\"tid\":%d,\"ts\":", name[t->vmx >= 0 && t->vmx <= 2 ? t->vmx : 0],
		TID_VMX);
	put_ts(t->f, t->vmx_start, t->hz);
	fputs(",\"dur\":", t->f);
	put_ts(t->f, now - t->vmx_start, t->hz);
	fprintf(t->f, ",\"args\":{\"instructions\":%llu,\"cycles\":%llu", (unsigned long long)(icount - t->vmx_icount),
		(unsigned long long)(now - t->vmx_start));
	if (ended_by) {
		fputs(",\"ended_by\":", t->f);
		trace_json_string(t->f, ended_by);
	}
	fputs("}}", t->f);
	t->vmx_start = now;
	t->vmx_icount = icount;
}

static void instant(struct trace_chrome *t, const struct event *e, const char *name, const char *why)
{
	sep(t);
	fputs("{\"name\":", t->f);
	trace_json_string(t->f, name);
	fprintf(t->f, ",\"ph\":\"i\",\"s\":\"t\",\"pid\":1,\"tid\":%d,\"ts\":", TID_EVENTS);
	put_ts(t->f, e->cycles, t->hz);
	fprintf(t->f, ",\"args\":{\"icount\":%llu,\"cycles\":%llu", (unsigned long long)e->icount,
		(unsigned long long)e->cycles);
	if (why && *why) {
		fputs(",\"why\":", t->f);
		trace_json_string(t->f, why);
	}
	fputs("}}", t->f);
}

/* A handler runs from the delivery of an event to its IRET: a Chrome "B"
 * event now, the matching "E" at EV_IRET (spans nest as handlers do). */
static void begin_handler(struct trace_chrome *t, const struct event *e, const char *name)
{
	if (t->depth >= 64)
		return;
	t->depth++;
	sep(t);
	fputs("{\"name\":", t->f);
	char label[80];
	snprintf(label, sizeof label, "handler %s", name);
	trace_json_string(t->f, label);
	fprintf(t->f, ",\"ph\":\"B\",\"pid\":1,\"tid\":%d,\"ts\":", TID_HANDLERS);
	put_ts(t->f, e->cycles, t->hz);
	fputs("}", t->f);
}

void trace_chrome_event(struct trace_chrome *t, const struct event *e)
{
	switch (e->kind) {
	case EV_CPL:
		close_span(t, e->cycles, e->icount);
		t->cpl = e->u.cpl.to;
		break;
	case EV_IRET:
		/* The end of the innermost handler span (Chrome "E" event). */
		if (t->depth > 0) {
			t->depth--;
			sep(t);
			fprintf(t->f, "{\"ph\":\"E\",\"pid\":1,\"tid\":%d,\"ts\":", TID_HANDLERS);
			put_ts(t->f, e->cycles, t->hz);
			fputs("}", t->f);
		}
		break;
	case EV_EXCEPTION:
	case EV_SHUTDOWN: {
		const char *v = ev_vector_name(e->u.exc.vector);
		char name[64];
		if (e->kind == EV_SHUTDOWN)
			snprintf(name, sizeof name, "shutdown");
		else if (v)
			snprintf(name, sizeof name, "%s", v);
		else
			snprintf(name, sizeof name, "INT %u", e->u.exc.vector);
		instant(t, e, name, e->u.exc.why);
		if (e->kind == EV_EXCEPTION)
			begin_handler(t, e, name);
		break;
	}
	case EV_VMENTRY:
		close_vmx_span(t, e->cycles, e->icount, "VM entry");
		t->vmx = 2;
		break;
	case EV_VMEXIT: {
		const char *r = vmx_exit_reason_name(e->u.vmx.reason & 0xffff);
		char name[64];
		snprintf(name, sizeof name, "%s%s", (e->u.vmx.reason >> 31) ? "VM-entry failure: " : "VM exit: ", r ? r : "?");
		close_vmx_span(t, e->cycles, e->icount, name);
		t->vmx = 1;
		instant(t, e, name, e->u.vmx.why);
		break;
	}
	case EV_VMENTRY_FAIL:
		/* VMfailValid/Invalid; a failure after loading guest state also
		 * shows as its VM exit. */
		if (!(e->u.vmx.reason >> 31))
			instant(t, e, "VMfail", e->u.vmx.why);
		break;
	case EV_INTERRUPT: {
		char name[32];
		snprintf(name, sizeof name, "IRQ vector %u", e->u.exc.vector);
		instant(t, e, name, e->u.exc.why);
		begin_handler(t, e, name);
		break;
	}
	default:
		break;
	}
}

void trace_chrome_narrate(struct trace_chrome *t, const struct event *e, const char *text)
{
	instant(t, e, text, NULL);
}

void trace_chrome_end(struct trace_chrome *t, enum stop_reason why)
{
	uint64_t now = machine_cycles(t->m);
	close_span(t, now, machine_icount(t->m));
	close_vmx_span(t, now, machine_icount(t->m), NULL);
	sep(t);
	fprintf(t->f, "{\"name\":\"stop: %s\",\"ph\":\"i\",\"s\":\"g\",\"pid\":1,\"tid\":%d,\"ts\":", stop_reason_name(why), TID_EVENTS);
	put_ts(t->f, now, t->hz);
	fputs("}\n]}\n", t->f);
}
