/* snapshot.c - saving and restoring a whole machine, for reverse stepping and restart. */
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/icache.h"
#include "machine_priv.h"
#include "platform.h"

/*
 * A snapshot is everything the simulation's future depends on: the CPU
 * (with the contents of its TLB model, which decides cycles), RAM, the
 * clock's timers and the devices. Caches that only speed things up (the
 * fast TLB, the jump cache, decoded blocks) are not saved: restoring
 * empties them. The CPU and device structures hold pointers to this
 * machine's objects, so a snapshot restores into the machine it was taken
 * from only.
 */
struct machine_snapshot {
	const struct machine *owner;  /* the machine it belongs to */
	struct cpu cpu;               /* the CPU as it was */
	struct tlbm_entry *itlb, *dtlb; /* the TLB model's entries */
	unsigned itlb_n, dtlb_n;      /* their counts */
	struct psc_entry *psc[PSC_LEVELS]; /* the paging-structure caches */
	unsigned psc_n;               /* entries per level */
	struct gpa_tlb_entry *gtlb;   /* the guest-physical TLB */
	unsigned gtlb_n;              /* its entries */
	uint8_t *ram;                 /* guest RAM */
	struct clock clock;           /* device timers */
	void *plat;                   /* device state (platform_state_size() bytes) */
	int exit_code;                /* the exit port's last value */
	size_t out_len;               /* console output buffered so far */
};

static void *dup(const void *src, size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p && n)
		memcpy(p, src, n);
	return p;
}

void machine_snapshot_free(struct machine_snapshot *s)
{
	if (!s)
		return;
	free(s->itlb);
	free(s->dtlb);
	for (int l = 0; l < PSC_LEVELS; l++)
		free(s->psc[l]);
	free(s->gtlb);
	free(s->ram);
	free(s->plat);
	free(s);
}

struct machine_snapshot *machine_snapshot_take(struct machine *m)
{
	struct machine_snapshot *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	const struct cpu *c = &m->cpu;
	s->owner = m;
	s->cpu = *c;
	s->itlb_n = c->itlb.sets * c->itlb.ways;
	s->dtlb_n = c->dtlb.sets * c->dtlb.ways;
	s->psc_n = c->psc.size;
	s->gtlb_n = c->psc.gtlb.size;
	s->itlb = dup(c->itlb.e, s->itlb_n * sizeof *s->itlb);
	s->dtlb = dup(c->dtlb.e, s->dtlb_n * sizeof *s->dtlb);
	bool ok = s->itlb && s->dtlb;
	for (int l = 0; l < PSC_LEVELS; l++) {
		s->psc[l] = dup(c->psc.e[l], s->psc_n * sizeof *s->psc[l]);
		ok = ok && s->psc[l];
	}
	s->gtlb = dup(c->psc.gtlb.e, s->gtlb_n * sizeof *s->gtlb);
	s->ram = dup(m->pm.ram, m->pm.ram_size);
	s->plat = malloc(platform_state_size());
	if (!ok || !s->gtlb || !s->ram || !s->plat) {
		machine_snapshot_free(s);
		return NULL;
	}
	platform_state_save(m->plat, s->plat);
	s->clock = m->clock;
	s->exit_code = m->exit_code;
	s->out_len = m->out_len;
	return s;
}

int machine_snapshot_restore(struct machine *m, const struct machine_snapshot *s)
{
	struct cpu *c = &m->cpu;
	if (s->owner != m || s->itlb_n != c->itlb.sets * c->itlb.ways || s->dtlb_n != c->dtlb.sets * c->dtlb.ways ||
	    s->psc_n != c->psc.size || s->gtlb_n != c->psc.gtlb.size)
		return -1; /* another machine, or the CPU profile changed the TLB geometry */
	/* The CPU, keeping this machine's own arrays and links. */
	struct tlbm itlb = c->itlb, dtlb = c->dtlb;
	struct psc psc = c->psc;
	struct ev_bus *bus = c->bus;
	struct icache *ic = c->ic;
	jmp_buf *catch = c->catch;
	*c = s->cpu;
	c->itlb.e = itlb.e;
	c->dtlb.e = dtlb.e;
	for (int l = 0; l < PSC_LEVELS; l++)
		c->psc.e[l] = psc.e[l];
	c->psc.gtlb.e = psc.gtlb.e;
	c->bus = bus;
	c->ic = ic;
	c->catch = catch;
	c->cur = NULL;
	memcpy(c->itlb.e, s->itlb, s->itlb_n * sizeof *s->itlb);
	memcpy(c->dtlb.e, s->dtlb, s->dtlb_n * sizeof *s->dtlb);
	for (int l = 0; l < PSC_LEVELS; l++)
		memcpy(c->psc.e[l], s->psc[l], s->psc_n * sizeof *s->psc[l]);
	memcpy(c->psc.gtlb.e, s->gtlb, s->gtlb_n * sizeof *s->gtlb);
	/* RAM changed behind the decoded-block cache's back: drop every
	 * block, and every fast translation and jump-cache entry. */
	memcpy(m->pm.ram, s->ram, m->pm.ram_size);
	icache_flush(c->ic);
	c->tlb.nfilled = TLB_TRACK + 1;
	tlb_flush(&c->tlb);
	c->jc_nfilled = JC_TRACK + 1;
	cpu_flush_jc(c);
	c->attn |= ATTN_REFETCH;
	m->clock = s->clock;
	platform_state_restore(m->plat, s->plat);
	m->exit_code = s->exit_code;
	if (s->out_len <= m->out_len)
		m->out_len = s->out_len;
	return 0;
}
