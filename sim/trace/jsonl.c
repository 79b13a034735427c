/* jsonl.c - the JSON Lines trace: one object per event, byte-for-byte the same on every run (docs/trace-format.md). */
#include <string.h>

#include "../vmx/vmx.h"
#include "evfield.h"
#include "trace.h"

#define TRACE_VERSION 1

void trace_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void trace_jsonl_begin(struct trace_jsonl *t, FILE *f, const struct trace_info *info)
{
	t->f = f;
	t->seq = 0;
	fprintf(f, "{\"kind\":\"header\",\"format\":\"vtsim-trace\",\"version\":%d,\"scenario\":", TRACE_VERSION);
	trace_json_string(f, info->scenario);
	fputs(",\"mode\":", f);
	trace_json_string(f, info->mode);
	fputs(",\"profile\":", f);
	trace_json_string(f, info->profile);
	fprintf(f, ",\"frequency_hz\":%llu}\n", (unsigned long long)info->hz);
}

static void prefix(struct trace_jsonl *t, const struct event *e, const char *kind)
{
	fprintf(t->f, "{\"seq\":%llu,\"icount\":%llu,\"cycles\":%llu,\"kind\":", (unsigned long long)t->seq++,
		(unsigned long long)e->icount, (unsigned long long)e->cycles);
	trace_json_string(t->f, kind);
}

void trace_jsonl_event(struct trace_jsonl *t, const struct event *e)
{
	prefix(t, e, ev_kind_name(e->kind));
	int n;
	const struct ev_field *f = ev_fields(e->kind, &n);
	for (int i = 0; i < n; i++) {
		fprintf(t->f, ",\"%s\":", f[i].name);
		switch (f[i].type) {
		case EVF_COUNT:
			fprintf(t->f, "%llu", (unsigned long long)f[i].get(e));
			break;
		case EVF_ADDR:
			fprintf(t->f, "\"0x%llx\"", (unsigned long long)f[i].get(e));
			break;
		case EVF_BOOL:
			fputs(f[i].get(e) ? "true" : "false", t->f);
			break;
		case EVF_VECTOR: {
			uint64_t v = f[i].get(e);
			const char *name = ev_vector_name((unsigned)v);
			fprintf(t->f, "%llu", (unsigned long long)v);
			if (name && e->kind != EV_INTERRUPT) {
				fputs(",\"vector_name\":", t->f);
				trace_json_string(t->f, name);
			}
			break;
		}
		case EVF_STOP:
			trace_json_string(t->f, stop_reason_name((enum stop_reason)f[i].get(e)));
			break;
		case EVF_REASON: {
			uint64_t v = f[i].get(e);
			const char *name = vmx_exit_reason_name((unsigned)v);
			fprintf(t->f, "%llu,\"%s_name\":", (unsigned long long)v, f[i].name);
			trace_json_string(t->f, name ? name : "?");
			break;
		}
		case EVF_TEXT:
			trace_json_string(t->f, f[i].text(e));
			break;
		}
	}
	fputs("}\n", t->f);
}

void trace_jsonl_narrate(struct trace_jsonl *t, const struct event *e, const char *text)
{
	prefix(t, e, "narrate");
	fputs(",\"on\":", t->f);
	trace_json_string(t->f, ev_kind_name(e->kind));
	fputs(",\"text\":", t->f);
	trace_json_string(t->f, text);
	fputs("}\n", t->f);
}

void trace_jsonl_end(struct trace_jsonl *t, struct machine *m, enum stop_reason why, int limit)
{
	fprintf(t->f, "{\"kind\":\"end\",\"records\":%llu,\"icount\":%llu,\"cycles\":%llu,\"stop\":",
		(unsigned long long)t->seq, (unsigned long long)machine_icount(m), (unsigned long long)machine_cycles(m));
	trace_json_string(t->f, limit == 1 ? "limit-instructions" : limit == 2 ? "limit-cycles" : stop_reason_name(why));
	fprintf(t->f, ",\"rip\":\"0x%llx\",\"exit_code\":%d}\n", (unsigned long long)machine_reg_get(m, VT_RIP),
		machine_exit_code(m));
}
