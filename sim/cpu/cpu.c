/* cpu.c - processor state, mode tracking and the fetch-decode-execute loop. */
#include "cpu.h"

#include <string.h>

#include "config.h"

#include "../machine.h"
#include "access.h"
#include "decode.h"
#include "exception.h"
#include "flags.h"
#include "icache.h"
#include "../cost.h"

void cpu_init(struct cpu *c, struct physmem *pm, struct pio_map *pio, struct ev_bus *bus)
{
	memset(c, 0, sizeof *c);
	c->pm = pm;
	c->pio = pio;
	c->bus = bus;
	c->deadline = UINT64_MAX; /* no timer until a platform clock arms one */
	c->cycle_limit = UINT64_MAX;
	c->tlb.nfilled = TLB_TRACK + 1; /* zeroed entries are not empty: clear them all */
	tlb_flush(&c->tlb);
	c->jc_nfilled = JC_TRACK + 1;
	cpu_flush_jc(c);
	const struct tlbm_config *tc = &tlbm_default_config;
	if (tlbm_init(&c->itlb, "ITLB", tc->itlb_sets, tc->itlb_ways) != 0 ||
	    tlbm_init(&c->dtlb, "DTLB", tc->dtlb_sets, tc->dtlb_ways) != 0 ||
	    psc_init(&c->psc, tc->psc_entries) != 0)
		return; /* leaves c->ic NULL: machine_new reports out of memory */
	/* Placeholder costs until CPU profiles drive them (estimates): a walk
	 * reference that hits the data cache, and the miss handling around it. */
	c->cost_walk_ref = 20;
	c->cost_tlb_miss = 10;
	c->cost_string_iter = 1;
	c->ic = icache_new(c);
	cpu_reset(c);
}

/* Round down to a power of two, at least 1. */
static unsigned pow2_floor(unsigned v)
{
	unsigned p = 1;
	while (p * 2 <= v)
		p *= 2;
	return p;
}

int cpu_apply_profile(struct cpu *c, const struct cost_profile *p)
{
	struct tlbm it, dt;
	struct psc ps;
	unsigned iways = 8, dways = 4;
	unsigned isets = pow2_floor(p->size[SIZE_ITLB_4K] / iways ? p->size[SIZE_ITLB_4K] / iways : 1);
	unsigned dsets = pow2_floor(p->size[SIZE_DTLB_4K] / dways ? p->size[SIZE_DTLB_4K] / dways : 1);
	if (tlbm_init(&it, "ITLB", isets, iways) != 0)
		return -1;
	if (tlbm_init(&dt, "DTLB", dsets, dways) != 0) {
		tlbm_free(&it);
		return -1;
	}
	if (psc_init(&ps, p->size[SIZE_PWC]) != 0) {
		tlbm_free(&it);
		tlbm_free(&dt);
		return -1;
	}
	tlbm_free(&c->itlb);
	tlbm_free(&c->dtlb);
	psc_free(&c->psc);
	c->itlb = it;
	c->dtlb = dt;
	c->psc = ps;
	for (int k = 0; k < COST_COUNT && k < 32; k++)
		c->class_cost[k] = (uint16_t)(p->cycles[k] > 2000 ? 2000 : p->cycles[k]);
	c->profiled = true;
	c->cost_walk_ref = p->cycles[COST_WALK_REF];
	c->cost_tlb_miss = p->cycles[COST_TLB_MISS];
	c->cost_pwc_hit = p->cycles[COST_PWC_HIT];
	c->cost_taken = p->cycles[COST_BRANCH_TAKEN];
	c->cost_string_iter = p->cycles[COST_STRING_ITER];
	c->cost_exception = p->cycles[COST_EXCEPTION];
	c->cost_interrupt = p->cycles[COST_INTERRUPT];
	c->cost_cr3_write = p->cycles[COST_CR3_WRITE];
	c->cost_tlb_flush = p->cycles[COST_TLB_FLUSH];
	c->cost_vm_exit = p->cycles[COST_VM_EXIT];
	c->cost_vm_entry = p->cycles[COST_VM_ENTRY];
	cpu_tlb_invalidate(c, TLBI_EVERYTHING, 0, 0);
	icache_flush(c->ic); /* blocks carry their costs */
	return 0;
}

void cpu_free(struct cpu *c)
{
	icache_free(c->ic);
	c->ic = NULL;
	tlbm_free(&c->itlb);
	tlbm_free(&c->dtlb);
	psc_free(&c->psc);
}

/*
 * Power-up state (SDM Vol. 3A, 10.1.1, Table 10-1): real mode, CS selector
 * F000h with base FFFF0000h, IP FFF0h, other segments 0 with limit FFFFh,
 * CR0 = 60000010h, RFLAGS = 2, EDX = the processor signature.
 */
void cpu_reset(struct cpu *c)
{
	memset(c->gpr, 0, sizeof c->gpr);
	c->rip = 0xfff0;
	c->rflags = FL_FIXED1;
	c->lf.op = LF_NONE;
	for (int s = 0; s < SEG_COUNT; s++)
		c->seg[s] = (struct segment){ 0, 0, 0xffff, 0x93 };
	c->seg[SEG_CS] = (struct segment){ 0xf000, 0xffff0000ull, 0xffff, 0x9b };
	c->gdtr = (struct descriptor_table){ 0, 0xffff };
	c->idtr = (struct descriptor_table){ 0, 0xffff };
	c->cr0 = 0x60000010ull;
	c->cr2 = c->cr3 = c->cr4 = c->efer = 0;
	for (int i = 0; i < 4; i++)
		c->pdpte[i] = 0;
	for (int i = 0; i < 8; i++)
		c->dr[i] = 0;
	c->dr[6] = 0xffff0ff0ull;
	c->dr[7] = 0x400;
	c->dr_exec = c->dr_data = c->dr_hits = 0;
	/* LDTR and TR after reset: selector 0, base 0, limit FFFFh, present
	 * (LDT type 2; TR a busy 16-bit TSS, type 3) (Table 10-1). */
	c->ldtr = (struct segment){ 0, 0, 0xffff, 0x82 };
	c->tr = (struct segment){ 0, 0, 0xffff, 0x83 };
	c->tsc_offset = 0;
	c->tsc_aux = c->star = c->lstar = c->cstar = c->fmask = c->kernel_gs_base = 0;
	c->sysenter_cs = c->sysenter_esp = c->sysenter_eip = 0;
	c->pat = 0x0007040600070406ull; /* power-up value (SDM Vol. 3A, 13.12.4) */
	c->feature_control = 0;
	c->misc_enable = 1; /* fast-string operation enabled */
	c->gpr[RDX] = 0x000906e0; /* family 6, model 9Eh: the CPUID leaf 1 signature */
	c->halted = c->shutdown = c->delivering = c->int_shadow = c->mov_ss_shadow = false;
	c->nmi_blocked = false;
	c->have_exc = false;
	vmx_reset(c);
	cpu_update_mode(c);
	cpu_tlb_invalidate(c, TLBI_EVERYTHING, 0, 0);
}

/*
 * Derive the mode from CR0.PE, EFER.LMA, CS.L and CS.D (SDM Vol. 3A, 2.2
 * "Modes of Operation"; 5.2.1 "Code-Segment Descriptor in 64-bit Mode").
 */
void cpu_update_mode(struct cpu *c)
{
	const struct segment *cs = &c->seg[SEG_CS];
	bool pe = c->cr0 & CR0_PE;
	bool lma = c->efer & EFER_LMA;
	c->long64 = lma && (cs->attr & SEGA_L);
	c->paging = (c->cr0 & CR0_PG) && pe;
	if (!pe) {
		c->cpl = 0;
		c->code_size = 2;
		c->code_mode = CM_REAL16;
	} else if (c->long64) {
		c->code_size = 8;
		c->code_mode = CM_LONG64;
	} else if (cs->attr & SEGA_DB) {
		c->code_size = 4;
		c->code_mode = lma ? CM_COMPAT32 : CM_PROT32;
	} else {
		c->code_size = 2;
		c->code_mode = lma ? CM_COMPAT16 : CM_PROT16;
	}
	/* CPL is CS.RPL (SDM Vol. 3A, 5.5): with a conforming code segment it
	 * differs from the descriptor's DPL. */
	uint8_t old_cpl = c->cpl;
	if (pe)
		c->cpl = cs->sel & 3;
	if (c->cpl != old_cpl && ev_wanted(c->bus, EV_CPL)) {
		struct event e = { .kind = EV_CPL };
		cpu_time_now(c, &e.icount, &e.cycles);
		e.u.cpl = (struct ev_cpl){ old_cpl, c->cpl, c->rip };
		ev_emit(c->bus, &e);
	}
	c->stack_size = c->long64 ? 8 : (pe && (c->seg[SEG_SS].attr & SEGA_DB)) ? 4 : 2;
	c->ip_mask = c->long64 ? ~0ull : c->code_size == 4 ? 0xffffffffull : 0xffff;
	/* Canonical addresses are 48 bits wide, 57 with 5-level paging
	 * (SDM Vol. 1, 3.3.7.1; Vol. 3A, 4.5). */
	bool la57 = (c->efer & EFER_LMA) && (c->cr4 & CR4_LA57);
	c->canon_bits = la57 ? 57 : 48;
	c->canon_half = 1ull << (c->canon_bits - 1);
	c->attn |= ATTN_REFETCH;
	cpu_flush_jc(c);
}

void cpu_poke(struct cpu *c)
{
	c->attn |= ATTN_EVENT;
}

void cpu_flush_jc(struct cpu *c)
{
	if (c->jc_nfilled <= JC_TRACK) {
		for (unsigned k = 0; k < c->jc_nfilled; k++)
			c->jc[c->jc_filled[k]].la = TLB_EMPTY;
	} else {
		for (unsigned i = 0; i < (1u << JC_BITS); i++)
			c->jc[i].la = TLB_EMPTY;
	}
	c->jc_nfilled = 0;
}

void cpu_flush_tlb(struct cpu *c)
{
	cpu_tlb_invalidate(c, TLBI_ALL, 0, 0);
}

uint16_t cpu_pcid(const struct cpu *c)
{
	return (c->cr4 & (1ull << 17)) ? (uint16_t)(c->cr3 & 0xfff) : 0;
}

void cpu_tlb_invalidate(struct cpu *c, enum tlb_inval kind, uint64_t la, uint16_t pcid)
{
	struct tlbm *t[2] = { &c->itlb, &c->dtlb };
	/* The SDM's invalidations act on the current VPID's mappings (SDM
	 * Vol. 3C, 29.4.3.2): those of other VPIDs survive. */
	struct tlb_filter this_vpid = { .by_vpid = true, .vpid = cpu_vpid(c) };
	if (!c->itlb.e) /* not initialised (out of memory in cpu_init) */
		goto fast;
	if (kind == TLBI_EVERYTHING) {
		tlbm_flush_all(&c->itlb);
		tlbm_flush_all(&c->dtlb);
		psc_flush(&c->psc);
		gtlb_flush(&c->psc.gtlb);
		goto fast;
	}
	for (int k = 0; k < 2; k++) {
		switch (kind) {
		case TLBI_NONE:
		case TLBI_EVERYTHING: break;
		case TLBI_ALL: tlbm_flush_filter(t[k], &this_vpid); break;
		case TLBI_NONGLOBAL: tlbm_flush_nonglobal(t[k]); break;
		case TLBI_PCID: tlbm_flush_pcid(t[k], pcid); break;
		case TLBI_ADDR: tlbm_flush_addr(t[k], la, pcid, true); break;
		case TLBI_ADDR_PCID: tlbm_flush_addr(t[k], la, pcid, false); break;
		}
	}
	if (kind == TLBI_ALL || kind == TLBI_NONGLOBAL)
		psc_flush_filter(&c->psc, &this_vpid);
	else if (kind != TLBI_NONE)
		psc_flush_pcid(&c->psc, pcid);
fast:
	tlb_flush(&c->tlb);
	cpu_flush_jc(c);
}

void cpu_load_seg_real(struct cpu *c, int seg, uint16_t sel)
{
	c->seg[seg].sel = sel;
	c->seg[seg].base = (uint64_t)sel << 4;
	if (seg == SEG_CS)
		cpu_update_mode(c);
}

uint64_t cpu_get_rflags(struct cpu *c)
{
	flags_materialize(c);
	return c->rflags;
}

void cpu_set_rflags(struct cpu *c, uint64_t v)
{
	c->lf.op = LF_NONE;
	c->rflags = (v & 0x3f7fd7ull) | FL_FIXED1;
}

static void emit_insn(struct cpu *c, const struct insn *i, uint64_t rip)
{
	struct event e = { .kind = EV_INSN, .icount = c->icount, .cycles = c->cycles };
	e.u.insn = (struct ev_insn){ rip, i->len };
	ev_emit(c->bus, &e);
}

#ifdef VTSIM_STRESS_TLB
#define STRESS_TLB 1 /* one instruction at a time, caches flushed after each */
#else
#define STRESS_TLB 0
#endif

/* The jump-cache slot for linear address la. */
static inline struct jc_entry *jc_slot(struct cpu *c, uint64_t la)
{
	return &c->jc[(la ^ (la >> JC_BITS)) & ((1u << JC_BITS) - 1)];
}

static inline uint64_t fetch_la(const struct cpu *c)
{
	return c->long64 ? c->rip : (c->seg[SEG_CS].base + c->rip) & 0xffffffffull;
}

/* The block at CS:RIP: from the jump cache, else from the icache. */
static inline const struct block *next_block(struct cpu *c)
{
	uint64_t la = fetch_la(c);
	struct jc_entry *j = jc_slot(c, la);
	if (j->la == la && j->mode == c->code_mode && (c->long64 || c->rip <= c->seg[SEG_CS].limit))
		return j->b;
	const struct block *b = icache_lookup(c->ic);
	if (b->cached) {
		if (j->la == TLB_EMPTY) {
			if (c->jc_nfilled < JC_TRACK)
				c->jc_filled[c->jc_nfilled] = (uint16_t)(j - c->jc);
			if (c->jc_nfilled <= JC_TRACK)
				c->jc_nfilled++;
		}
		*j = (struct jc_entry){ la, b, b->mode };
	}
	return b;
}

void cpu_time_now(const struct cpu *c, uint64_t *icount, uint64_t *cycles)
{
	const struct block *b = c->cur;
	*icount = c->icount;
	*cycles = c->cycles;
	if (!b)
		return;
	uint64_t rip = c->cur_rip;
	unsigned k = 0;
	while (k < b->n && rip != c->rip) {
		rip = (rip + b->insns[k].len) & c->ip_mask;
		k++;
	}
	*icount += k;
	if (k)
		*cycles += b->insns[k - 1].cum_cost;
}

uint64_t cpu_block_cycles_so_far(const struct cpu *c, const struct insn *i)
{
	const struct block *b = c->cur;
	if (!b || i <= b->insns || i >= b->insns + b->n)
		return 0;
	return i[-1].cum_cost;
}

void cpu_retire_one(struct cpu *c, uint64_t rip, const struct insn *i)
{
	c->icount++;
	c->cycles += i->cost;
	if (ev_wanted(c->bus, EV_INSN))
		emit_insn(c, i, rip);
}

/*
 * Instructions of the current block that retired before the one at RIP
 * faulted: the block runs straight through until it ends, so they are
 * the ones whose lengths add up to RIP - cur_rip. Only the fault path
 * pays for this; the loop itself counts once per block.
 */
static void account_partial_block(struct cpu *c)
{
	const struct block *b = c->cur;
	if (!b)
		return;
	uint64_t rip = c->cur_rip;
	unsigned k = 0;
	while (k < b->n && rip != c->rip) {
		rip = (rip + b->insns[k].len) & c->ip_mask;
		k++;
	}
	c->icount += k;
	if (k)
		c->cycles += b->insns[k - 1].cum_cost;
	c->cur = NULL;
}

/* One block, one instruction at a time: for event listeners (emit set) and
 * for runs whose instruction budget ends inside the block. */
static void run_block_exact(struct cpu *c, const struct insn *i, const struct insn *end, bool emit)
{
	while (i < end) {
		uint64_t rip = c->rip, fall = (rip + i->len) & c->ip_mask;
#ifdef VTSIM_STRESS_TLB
		/* Every fetch translates afresh when nothing stays cached. */
		(void)cpu_fetch_translate(c, fetch_la(c));
#endif
		c->next_rip = fall;
		i->fn(c, i);
		c->rip = c->next_rip;
		c->icount++;
		c->cycles += i->cost;
		if (emit)
			emit_insn(c, i, rip);
#ifdef VTSIM_STRESS_TLB
		cpu_tlb_invalidate(c, TLBI_EVERYTHING, 0, 0); /* configure --enable-stress-tlb */
#endif
		i++;
		if ((c->attn & ~ATTN_INSN_EV) || c->rip != fall)
			break;
	}
}

/*
 * Blocks, fast: no per-instruction events, counters updated once per
 * block, fused pairs dispatched once. From one block it goes straight to
 * the next through the jump cache, and returns to cpu_run() on anything
 * else: attention bits, a jump-cache miss, or a block that would overrun
 * the instruction limit. Kept out of cpu_run() so that its setjmp does
 * not force the compiler to keep c and i in memory.
 */
static __attribute__((noinline)) void run_blocks(struct cpu *c, const struct block *b, uint64_t limit)
{
	uint64_t rip = c->rip, mask = c->ip_mask;
	for (;;) {
		const struct insn *i = b->insns, *end = i + b->n;
		c->cur = b;
		c->cur_rip = rip;
		for (;;) {
			uint64_t fall = (rip + i->span_len) & mask;
			c->rip = rip;
			c->next_rip = (rip + i->len) & mask;
			i->fast(c, i);
			rip = c->next_rip;
			i += i->span;
			if (__builtin_expect((c->attn | (rip ^ fall)) != 0, 0) || i >= end)
				break;
		}
		c->rip = rip;
		c->cur = NULL;
		c->icount += (uint64_t)(i - b->insns);
		c->cycles += i[-1].cum_cost;
		if (c->attn || c->cycles >= c->deadline || c->cycles >= c->cycle_limit)
			return;
		uint64_t la = fetch_la(c);
		const struct jc_entry *j = jc_slot(c, la);
		if (j->la != la || j->mode != c->code_mode || (!c->long64 && rip > c->seg[SEG_CS].limit))
			return;
		b = j->b;
		if (b->n > limit - c->icount)
			return;
	}
}

/*
 * The run loop. Decoded blocks come from the jump cache or the icache;
 * each instruction's handler runs with next_rip preset to the fall-through
 * address. A taken branch, a stop request or stale code leaves the block.
 * A fault unwinds to the setjmp below with RIP still at the faulting
 * instruction; the instructions before it are counted, then exception
 * delivery takes over.
 */
int cpu_run(struct cpu *c, uint64_t max)
{
	jmp_buf jb;
	jmp_buf *outer = c->catch;
	uint64_t limit = c->icount + max < c->icount ? ~0ull : c->icount + max;

	c->stop = STOP_NONE;
	c->attn = (c->attn & ~(ATTN_INSN_EV | ATTN_STOP)) |
		  (ev_wanted(c->bus, EV_INSN) ? ATTN_INSN_EV : 0);
	c->cur = NULL;
	c->catch = &jb;
	if (setjmp(jb)) {
		account_partial_block(c);
		if (c->pending_vmexit) {
			c->pending_vmexit = false;
			vmx_exit(c);
		} else {
			exc_deliver_pending(c);
		}
		/* The monitor trap flag exits after an event's delivery too. */
		if (c->vmx.guest && (c->vmx.proc & CPU_MONITOR_TRAP_FLAG))
			c->vmx.mtf_pending = true;
	}

	while (c->stop == STOP_NONE) {
		if (c->shutdown) {
			c->stop = STOP_SHUTDOWN;
			break;
		}
		c->attn &= ~ATTN_EVENT;
		if (c->cycles >= c->cycle_limit) {
			c->stop = STOP_MAX_CYCLES;
			break;
		}
		/* Time: fire the device timers that are due. */
		if (c->cycles >= c->deadline && c->plat.tick)
			c->plat.tick(c->plat.opaque, c->cycles);
		/* VMX non-root operation: event injection, interrupt and NMI
		 * windows, external-interrupt exiting, the monitor trap flag. */
		if (c->vmx.guest && vmx_between_insns(c))
			continue;
		/* After STI or MOV SS, one more instruction runs before an
		 * interrupt can be taken (SDM Vol. 3A, 6.8.3; Vol. 2B, STI). */
		if (c->int_shadow && !c->halted && c->icount < limit) {
			/* The blocking lasts while that instruction runs (a VM exit
			 * it causes saves it; SDM Vol. 3C, 28.3.4) and ends after
			 * it, unless it is another STI or MOV SS. */
			const struct block *b = next_block(c);
			c->shadow_set = false;
			run_block_exact(c, b->insns, b->insns + 1, c->attn & ATTN_INSN_EV);
			if (!c->shadow_set)
				c->int_shadow = c->mov_ss_shadow = false;
			continue;
		}
		/* NMI: taken between instructions unless an NMI handler runs
		 * (SDM Vol. 3A, 6.7.1); in VMX non-root operation with "NMI
		 * exiting" it is a VM exit instead (SDM Vol. 3C, 26.2). */
		if (c->plat.nmi_pending && c->plat.nmi_pending(c->plat.opaque) &&
		    (!c->nmi_blocked || (c->vmx.guest && (c->vmx.pin & PIN_NMI_EXITING)))) {
			c->plat.nmi_ack(c->plat.opaque);
			c->halted = false;
			c->idle_wakeups = 0;
			if (c->vmx.guest && (c->vmx.pin & PIN_NMI_EXITING))
				vmx_exit_nmi(c);
			else
				exc_deliver_nmi(c);
			continue;
		}
		/* INTR: taken between instructions when RFLAGS.IF = 1 (6.8.1). */
		if ((c->rflags & FL_IF) && c->plat.intr_pending && c->plat.intr_pending(c->plat.opaque) >= 0) {
			c->halted = false;
			c->idle_wakeups = 0;
			exc_deliver_external(c, c->plat.intr_ack(c->plat.opaque));
			continue;
		}
		if (c->halted) {
			/* Only an interrupt wakes HLT. With IF=0 none can (NMI is
			 * not modelled yet); with a timer armed, time passes. */
			if (!(c->rflags & FL_IF) && !c->vmx.preempt_armed) {
				c->stop = STOP_HLT;
				break;
			}
			/* A timer that fires a million times without an interrupt
			 * getting through (masked, or nobody listening) means the
			 * wait will not end: stop rather than spin the host. */
			if (c->deadline != UINT64_MAX && ++c->idle_wakeups <= 1000000) {
				uint64_t to = c->deadline < c->cycle_limit ? c->deadline : c->cycle_limit;
				if (c->cycles < to)
					c->cycles = to;
				continue;
			}
			c->stop = STOP_HLT_IDLE;
			break;
		}
		if (c->icount >= limit) {
			c->stop = STOP_MAX_INSNS;
			break;
		}
		if ((c->rflags & (FL_TF | FL_RF)) || c->dr_exec || c->dr_data || c->vmx.step) {
			/*
			 * One instruction at a time, with the debug checks (SDM Vol.
			 * 3A, 18.3): an instruction breakpoint is a fault before the
			 * instruction (unless RF = 1); data breakpoints and the
			 * single-step of TF are traps after it. RF clears once an
			 * instruction completes.
			 */
			unsigned bp = cpu_debug_exec(c, fetch_la(c));
			if (bp) {
				c->dr[6] = (c->dr[6] & ~0xfull) | bp;
				exc_deliver_trap(c, EXC_DB, "instruction breakpoint from DR0-DR3 (fault) (SDM Vol. 3A, 18.3.1.1)");
				continue;
			}
			bool tf = c->rflags & FL_TF, rf = c->rflags & FL_RF;
			const struct block *b = next_block(c);
			c->attn &= ~ATTN_REFETCH;
			uint64_t before = c->icount;
			c->dr_hits = 0;
			run_block_exact(c, b->insns, b->insns + 1, c->attn & ATTN_INSN_EV);
			if (c->vmx.guest && (c->vmx.proc & CPU_MONITOR_TRAP_FLAG))
				c->vmx.mtf_pending = true;
			if (c->icount != before) {
				/* RF set before this instruction has done its job; an
				 * IRET that just loaded RF = 1 keeps it for the next. */
				if (rf)
					c->rflags &= ~(uint64_t)FL_RF;
				uint64_t dr6 = 0;
				if (c->dr_hits)
					dr6 |= c->dr_hits;
				if (tf && !c->halted)
					dr6 |= 1ull << 14;
				if (dr6) {
					c->dr[6] = (c->dr[6] & ~0xfull) | dr6;
					exc_deliver_trap(c, EXC_DB, (dr6 & 0xf) ? "data breakpoint from DR0-DR3 (trap) (SDM Vol. 3A, 18.3.1.2)"
									 : "single-step trap: the instruction began with RFLAGS.TF=1 (SDM Vol. 3A, 18.3.1.4)");
				}
			}
			continue;
		}
		const struct block *b = next_block(c);
		c->attn &= ~ATTN_REFETCH;
		uint64_t budget = limit - c->icount;
		const struct insn *i = b->insns, *end = i + (b->n < budget ? b->n : budget);
		if ((c->attn & ATTN_INSN_EV) || b->n > budget || STRESS_TLB)
			run_block_exact(c, i, end, c->attn & ATTN_INSN_EV);
		else
			run_blocks(c, b, limit);
		if (c->attn & ATTN_STOP)
			c->attn &= ~ATTN_STOP;
	}
	c->catch = outer;
	return c->stop;
}
