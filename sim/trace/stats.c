/* stats.c - the counters `vtsim run --stats` prints. */
#include <string.h>

#include "../cost.h"
#include "../paging/walk.h"
#include "../vmx/vmx.h"
#include "evfield.h"
#include "trace.h"

uint32_t trace_stats_mask(void)
{
	return EVB(EV_EXCEPTION) | EVB(EV_INTERRUPT) | EVB(EV_IO) | EVB(EV_CODE_INVAL) | EVB(EV_SHUTDOWN) | EVB(EV_WALK);
}

void trace_stats_event(struct trace_stats *s, const struct event *e)
{
	if ((unsigned)e->kind < 32)
		s->by_kind[e->kind]++;
	switch (e->kind) {
	case EV_EXCEPTION: s->exceptions[e->u.exc.vector]++; break;
	case EV_INTERRUPT: s->interrupts[e->u.exc.vector]++; break;
	case EV_IO:
		if (e->u.io.write)
			s->io_out++;
		else
			s->io_in++;
		break;
	case EV_CODE_INVAL: s->code_inval++; break;
	case EV_SHUTDOWN: s->shutdowns++; break;
	case EV_WALK:
		s->walks++;
		if (e->u.walk.w) {
			s->walk_faults += e->u.walk.w->fault;
			s->walk_refs[e->u.walk.w->nrefs < 31 ? e->u.walk.w->nrefs : 31]++;
		}
		break;
	default: break;
	}
}

/* VM entries and exits, the exits by basic reason (SDM Vol. 3C, Appendix C). */
void trace_print_vmx_stats(FILE *f, struct machine *m)
{
	struct vmx_stats v;
	machine_vmx_stats(m, &v);
	fprintf(f, "vm-entries: %llu\nvm-entry-failures: %llu\nvm-exits: %llu\n", (unsigned long long)v.entries,
		(unsigned long long)v.entry_fails, (unsigned long long)v.exits);
	for (int r = 0; r < 65; r++) {
		if (!v.by_reason[r])
			continue;
		const char *n = vmx_exit_reason_name((unsigned)r);
		fprintf(f, "  %s (reason %d): %llu\n", n ? n : "?", r, (unsigned long long)v.by_reason[r]);
	}
}

static uint64_t sum(const uint64_t *a, int n)
{
	uint64_t t = 0;
	for (int i = 0; i < n; i++)
		t += a[i];
	return t;
}

void trace_stats_print(const struct trace_stats *s, FILE *f, struct machine *m, const struct trace_info *info,
		       double wall_seconds)
{
	uint64_t insns = machine_icount(m), cycles = machine_cycles(m);
	fprintf(f, "instructions: %llu\n", (unsigned long long)insns);
	fprintf(f, "cycles: %llu\n", (unsigned long long)cycles);
	if (info->hz) {
		unsigned __int128 ns = (unsigned __int128)cycles * 1000000000u / info->hz;
		fprintf(f, "modelled-time-us: %llu.%03llu (%s at %llu.%03llu GHz)\n", (unsigned long long)(ns / 1000),
			(unsigned long long)(ns % 1000), info->profile, (unsigned long long)(info->hz / 1000000000u),
			(unsigned long long)(info->hz % 1000000000u / 1000000u));
	}
	fprintf(f, "exceptions: %llu\n", (unsigned long long)sum(s->exceptions, 256));
	for (int v = 0; v < 256; v++) {
		if (!s->exceptions[v])
			continue;
		const char *n = ev_vector_name((unsigned)v);
		if (n)
			fprintf(f, "  %s (vector %d): %llu\n", n, v, (unsigned long long)s->exceptions[v]);
		else
			fprintf(f, "  vector %d: %llu\n", v, (unsigned long long)s->exceptions[v]);
	}
	fprintf(f, "interrupts: %llu\n", (unsigned long long)sum(s->interrupts, 256));
	for (int v = 0; v < 256; v++)
		if (s->interrupts[v])
			fprintf(f, "  vector %d: %llu\n", v, (unsigned long long)s->interrupts[v]);
	fprintf(f, "io-in: %llu\nio-out: %llu\n", (unsigned long long)s->io_in, (unsigned long long)s->io_out);
	fprintf(f, "smc-invalidations: %llu\n", (unsigned long long)s->code_inval);
	fprintf(f, "shutdowns: %llu\n", (unsigned long long)s->shutdowns);
	fprintf(f, "page-walks: %llu (%llu ended in #PF)\n", (unsigned long long)s->walks, (unsigned long long)s->walk_faults);
	for (int n = 0; n < 32; n++)
		if (s->walk_refs[n])
			fprintf(f, "  walks reading %d entr%s: %llu\n", n, n == 1 ? "y" : "ies", (unsigned long long)s->walk_refs[n]);
	struct icache_stats ic;
	machine_icache_stats(m, &ic);
	fprintf(f, "decoded-blocks: %llu\ndecoded-insns: %llu\n", (unsigned long long)ic.blocks_built,
		(unsigned long long)ic.insns_decoded);
	struct tlb_stats t;
	machine_tlb_stats(m, &t);
	fprintf(f, "itlb-hits: %llu\nitlb-misses: %llu\ndtlb-hits: %llu\ndtlb-misses: %llu\n", (unsigned long long)t.itlb_hits,
		(unsigned long long)t.itlb_misses, (unsigned long long)t.dtlb_hits, (unsigned long long)t.dtlb_misses);
	fprintf(f, "walk-references: %llu\npaging-cache-hits: %llu\n", (unsigned long long)t.walk_refs,
		(unsigned long long)t.psc_hits);
	trace_print_vmx_stats(f, m);
	fprintf(f, "wall-seconds: %.6f\nmips: %.1f\n", wall_seconds, wall_seconds > 0 ? (double)insns / wall_seconds / 1e6 : 0.0);
}
