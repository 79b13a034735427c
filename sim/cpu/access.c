/* access.c - the slow path of memory access: walk, fault, refill, devices. */
#include "access.h"

#include "config.h"

#include <stdio.h>

void seg_fault(struct cpu *c, int seg, uint64_t off, const char *why)
{
	(void)off;
	cpu_raise(c, seg == SEG_SS ? EXC_SS : EXC_GP, 0, true, why);
}

/*
 * The tags of the current context (SDM Vol. 3C, 29.4 "Caching Translation
 * Information"): the VPID is the VMCS's in VMX non-root operation with
 * "enable VPID", else 0 (root operation, and guests without VPIDs, share
 * VPID 0 with the host).
 */
uint16_t cpu_vpid(const struct cpu *c)
{
	return c->vmx.guest && (c->vmx.proc2 & SEC_ENABLE_VPID) ? c->vmx.vpid : 0;
}

/* In VMX non-root operation with "enable EPT": guest-physical addresses go through EPT. */
static bool ept_active(const struct cpu *c)
{
	return c->vmx.guest && (c->vmx.proc2 & SEC_ENABLE_EPT);
}

static struct walk_ctx walk_ctx_of(const struct cpu *c, int user)
{
	return (struct walk_ctx){
		.cr0 = c->cr0, .cr3 = c->cr3, .cr4 = c->cr4, .efer = c->efer, .pdpte = c->pdpte,
		.vpid = cpu_vpid(c), .user = user, .ac = (c->rflags & FL_AC) != 0,
	};
}

/* A translation left the model: it must leave the fast TLB (and, for
 * code, the jump cache) too. */
static void model_evicted(struct cpu *c, const struct tlbm_entry *old, bool code)
{
	if (!old->valid)
		return;
	if (old->size_log2 > 12) {
		tlb_flush(&c->tlb);
	} else {
		for (int u = 0; u < 2; u++) {
			*tlb_slot(&c->tlb, u, old->page) = (struct tlb_entry){ TLB_EMPTY, TLB_EMPTY, TLB_EMPTY, 0, 0 };
			*tlb_islot(&c->tlb, u, old->page) = (struct tlb_entry){ TLB_EMPTY, TLB_EMPTY, TLB_EMPTY, 0, 0 };
		}
	}
	if (code)
		cpu_flush_jc(c);
}

static void emit_walk(struct cpu *c, uint64_t la, enum access acc, const struct walk *w)
{
	struct event e = { .kind = EV_WALK };
	cpu_time_now(c, &e.icount, &e.cycles);
	e.u.walk = (struct ev_walk){ la, (uint8_t)acc, w };
	ev_emit(c->bus, &e);
}

/*
 * An EPT violation or misconfiguration met by a translation: a VM exit
 * (SDM Vol. 3C, 29.3.3). A violation reports the qualification, the
 * guest-physical address and, when qualification bit 7 says it is valid,
 * the guest-linear address (28.2.1, Table 28-7); a misconfiguration the
 * guest-physical address only.
 */
__attribute__((noreturn)) static void ept_exit(struct cpu *c, uint64_t la, const struct walk *w)
{
	struct vmx_exit_info x = { .gpa = w->gpa, .why = w->why };
	if (w->fault_kind == WALK_EPT_MISCONFIG) {
		x.reason = EXIT_REASON_EPT_MISCONFIG;
	} else {
		x.reason = EXIT_REASON_EPT_VIOLATION;
		x.qual = w->ept_qual;
		if (w->ept_qual & EPT_QUAL_GLA_VALID)
			x.gla = la;
	}
	vmx_exit_raise(c, &x);
}

/* Keep the context of the PCID-scoped flushes (tlbmodel.h) current. */
static void tlb_context_sync(struct cpu *c, uint16_t vpid)
{
	c->itlb.vpid = vpid;
	c->dtlb.vpid = vpid;
	c->psc.vpid = vpid;
}

/*
 * Translate with paging on, or through EPT: the architectural TLB first
 * (SDM Vol. 3A, 4.10.2; Vol. 3C, 29.4), whose entry may be stale —
 * exactly as hardware may be — then a walk that starts below any
 * paging-structure cache hit. Entries are tagged with the PCID, the VPID
 * and, under EPT, the EP4TA (combined mappings). A write through an entry
 * cached with D = 0 (or EPT D = 0 with EPT A/D) walks again to set D
 * (4.8; 29.3.5). A #PF or an EPT fault also invalidates what the model
 * holds for the address (4.10.4.1; 29.4.3.1).
 */
static uint64_t translate_paged(struct cpu *c, uint64_t la, enum access acc, int user)
{
	struct walk_ctx ctx = walk_ctx_of(c, user);
	struct tlbm *m = acc == ACC_EXEC ? &c->itlb : &c->dtlb;
	uint16_t pcid = cpu_pcid(c);
	struct ept_ctx x;
	uint64_t eptag = 0;
	if (ept_active(c)) {
		x = (struct ept_ctx){ .eptp = c->vmx.eptp, .gtlb = &c->psc.gtlb };
		ctx.ept = &x;
		eptag = tlb_eptag(true, eptp_ep4ta(c->vmx.eptp));
	}
	tlb_context_sync(c, ctx.vpid);
	uint8_t need = (uint8_t)(1u << acc); /* EPT R, W, X are bits 0, 1, 2 as ACC_READ/WRITE/EXEC */
	struct tlbm_entry *e = tlbm_lookup(m, la, pcid, ctx.vpid, eptag);
	if (e && (!c->paging || pg_rights_ok(&ctx, acc, e->user, e->writable, e->nx)) &&
	    (acc != ACC_WRITE || e->dirty) && (e->ept_rwx & need))
		return e->pa + (la & ((1ull << e->size_log2) - 1));
	if (e)
		e->valid = false;

	struct walk w;
	ctx.psc = &c->psc;
	ctx.pcid = pcid;
	bool ok = pg_walk(c->pm, &ctx, la, acc, true, &w);
	unsigned refs = 0;
	for (int k = 0; k < w.nrefs; k++)
		refs += w.refs[k].pa != PDPTE_REGISTER;
	c->walks++;
	c->walk_refs += refs;
#ifndef VTSIM_STRESS_TLB /* the stress build's flushes would make every access cost a walk */
	/* EPT references cost as much as the guest's; a guest-physical TLB
	 * hit costs a paging-structure-cache hit instead of its four. */
	c->cycles += c->cost_tlb_miss + (uint64_t)refs * c->cost_walk_ref +
		     (w.psc_level ? c->cost_pwc_hit : 0) + (uint64_t)w.gtlb_hits * c->cost_pwc_hit;
#endif
	if (ev_wanted(c->bus, EV_WALK))
		emit_walk(c, la, acc, &w);
	if (!ok) {
		tlbm_flush_addr(&c->itlb, la, pcid, true);
		tlbm_flush_addr(&c->dtlb, la, pcid, true);
		if (w.fault_kind != WALK_PF) {
			/* An EPT fault drops the guest-physical mappings of its address
			 * (SDM Vol. 3C, 29.4.3.1). */
			gtlb_flush_gpa(&c->psc.gtlb, w.gpa, eptp_ep4ta(c->vmx.eptp));
			ept_exit(c, la, &w);
		}
		c->pf_cr2_old = c->cr2; /* a #PF VM exit leaves CR2 unchanged */
		c->cr2 = la;
		cpu_raise(c, EXC_PF, w.pfec, true, w.why);
	}
	/* A combined mapping is no larger than the guest page or the EPT page. */
	uint64_t size = w.page_size;
	if (ctx.ept && w.ept_page_size < size)
		size = w.ept_page_size;
	unsigned size_log2 = (unsigned)__builtin_ctzll(size);
	struct tlbm_entry n = {
		.page = la & ~(size - 1), .pa = w.pa & ~(size - 1), .eptag = eptag, .pcid = pcid,
		.vpid = ctx.vpid, .size_log2 = (uint8_t)size_log2, .ept_rwx = ctx.ept ? w.ept_rwx : 7,
		.global = w.global, .user = w.user, .writable = w.writable, .nx = w.nx,
		.dirty = w.dirty && (!ctx.ept || w.ept_dirty),
	}, old;
	tlbm_insert(m, &n, &old);
	model_evicted(c, &old, acc == ACC_EXEC);
	return w.pa;
}

/*
 * Translate la for one access, raising #PF on failure (CR2 = la; SDM Vol.
 * 3A, 4.7), and refill the fast TLB when the page is plain RAM.
 */
static uint64_t translate_as(struct cpu *c, uint64_t la, enum access acc, int user)
{
	uint64_t pa = c->paging || ept_active(c) ? translate_paged(c, la, acc, user) : la & 0xffffffffull;

	uint64_t page = pa & PAGE_MASK, lpage = la & PAGE_MASK;
	/* The APIC-access page of a guest never enters the fast TLB: each
	 * access is virtualized or exits (SDM Vol. 3C, 30.4). */
	if (c->vmx.guest && (c->vmx.proc2 & SEC_VIRTUALIZE_APIC_ACCESSES) && page == c->vmx.apic_access)
		return vmx_apic_access(c, la, pa, acc);
	uint8_t *host = phys_ram_span(c->pm, page, PAGE_SIZE);
	if (!host || (c->dr_data && cpu_debug_watches_page(c, la)))
		return pa;
	struct tlb_entry *e = acc == ACC_EXEC ? tlb_islot(&c->tlb, user, la) : tlb_slot(&c->tlb, user, la);
	if (e->pa != page || e->addend != (uintptr_t)host - lpage)
		*e = (struct tlb_entry){ TLB_EMPTY, TLB_EMPTY, TLB_EMPTY, 0, 0 };
	tlb_note_fill(&c->tlb, e);
	e->addend = (uintptr_t)host - lpage;
	e->pa = page;
	switch (acc) {
	case ACC_WRITE:
		if (!phys_is_code_page(c->pm, page))
			e->tag_w = lpage;
		e->tag_r = lpage;
		break;
	case ACC_READ:
		e->tag_r = lpage;
		break;
	case ACC_EXEC:
		e->tag_x = lpage;
		break;
	}
	return pa;
}

static uint64_t translate(struct cpu *c, uint64_t la, enum access acc)
{
	return translate_as(c, la, acc, tlb_user(c));
}

/*
 * Implicit supervisor-mode accesses: descriptor tables, the IDT, the TSS
 * (SDM Vol. 3A, 4.6 "Access Rights": they are supervisor accesses
 * whatever the CPL). Never crossing pages for the sizes used (<= 8,
 * naturally aligned in the tables), but handled anyway byte by byte.
 */
uint64_t sys_read(struct cpu *c, uint64_t la, unsigned size)
{
	if (((la & ~PAGE_MASK) + size) <= PAGE_SIZE)
		return phys_read(c->pm, translate_as(c, la, ACC_READ, 0), size);
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= phys_read(c->pm, translate_as(c, la + i, ACC_READ, 0), 1) << (8 * i);
	return v;
}

void sys_write(struct cpu *c, uint64_t la, unsigned size, uint64_t v)
{
	if (((la & ~PAGE_MASK) + size) <= PAGE_SIZE) {
		phys_write(c->pm, translate_as(c, la, ACC_WRITE, 0), size, v);
		return;
	}
	/* Crossing a page: both translations first, so a fault writes nothing. */
	uint64_t la1 = (la + size - 1) & PAGE_MASK;
	uint64_t pa0 = translate_as(c, la, ACC_WRITE, 0), pa1 = translate_as(c, la1, ACC_WRITE, 0);
	for (unsigned i = 0; i < size; i++) {
		uint64_t a = la + i;
		phys_write(c->pm, (a & PAGE_MASK) == la1 ? pa1 + (a - la1) : pa0 + i, 1, (v >> (8 * i)) & 0xff);
	}
}

uint64_t mem_read_slow(struct cpu *c, uint64_t la, unsigned size, enum access acc)
{
	if (c->dr_data)
		cpu_debug_data(c, la, size, acc == ACC_WRITE);
	if (((la & ~PAGE_MASK) + size) <= PAGE_SIZE)
		return phys_read(c->pm, translate(c, la, acc), size);
	/* The access crosses a page: translate both pages before reading. */
	uint64_t mask = c->long64 ? ~0ull : 0xffffffffull;
	uint64_t pa0 = translate(c, la, acc);
	uint64_t la1 = (la + size - 1) & mask & PAGE_MASK;
	uint64_t pa1 = translate(c, la1, acc);
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++) {
		uint64_t a = (la + i) & mask;
		uint64_t pa = (a & PAGE_MASK) == la1 ? pa1 + (a - la1) : pa0 + i;
		v |= phys_read(c->pm, pa, 1) << (8 * i);
	}
	return v;
}

void mem_write_slow(struct cpu *c, uint64_t la, unsigned size, uint64_t val)
{
	if (c->dr_data)
		cpu_debug_data(c, la, size, true);
	if (((la & ~PAGE_MASK) + size) <= PAGE_SIZE) {
		phys_write(c->pm, translate(c, la, ACC_WRITE), size, val);
		return;
	}
	uint64_t mask = c->long64 ? ~0ull : 0xffffffffull;
	uint64_t pa0 = translate(c, la, ACC_WRITE);
	uint64_t la1 = (la + size - 1) & mask & PAGE_MASK;
	uint64_t pa1 = translate(c, la1, ACC_WRITE);
	for (unsigned i = 0; i < size; i++) {
		uint64_t a = (la + i) & mask;
		uint64_t pa = (a & PAGE_MASK) == la1 ? pa1 + (a - la1) : pa0 + i;
		phys_write(c->pm, pa, 1, (val >> (8 * i)) & 0xff);
	}
}

uint64_t cpu_fetch_translate(struct cpu *c, uint64_t la)
{
	struct tlb_entry *e = tlb_islot(&c->tlb, tlb_user(c), la);
	if ((la & PAGE_MASK) == e->tag_x)
		return e->pa | (la & ~PAGE_MASK);
	return translate(c, la, ACC_EXEC);
}

bool cpu_translate_walk(struct cpu *c, uint64_t la, enum access acc, struct walk *w)
{
	struct walk_ctx ctx = walk_ctx_of(c, tlb_user(c));
	struct ept_ctx x;
	if (ept_active(c)) {
		x = (struct ept_ctx){ .eptp = c->vmx.eptp, .gtlb = NULL };
		ctx.ept = &x;
	}
	return pg_walk(c->pm, &ctx, la, acc, false, w);
}

bool cpu_translate_peek(struct cpu *c, uint64_t la, enum access acc, uint64_t *pa)
{
	if (!c->paging && !ept_active(c)) {
		*pa = la & 0xffffffffull;
		return true;
	}
	struct walk w;
	if (!cpu_translate_walk(c, la, acc, &w))
		return false;
	*pa = w.pa;
	return true;
}

/* Empty the fast TLB and the jump cache: they hold the current context only. */
static void flush_fast(struct cpu *c)
{
	tlb_flush(&c->tlb);
	cpu_flush_jc(c);
}

static void flush_model(struct cpu *c, const struct tlb_filter *f)
{
	if (!c->itlb.e)
		return; /* not initialised (out of memory in cpu_init) */
	tlbm_flush_filter(&c->itlb, f);
	tlbm_flush_filter(&c->dtlb, f);
	psc_flush_filter(&c->psc, f);
}

/*
 * INVVPID (SDM Vol. 3C, 29.4.3.3 and "INVVPID" in chapter 31): which
 * linear and combined mappings each type removes, from the TLBs and the
 * paging-structure caches, for every PCID and EP4TA. Guest-physical
 * mappings are not affected. The paging-structure caches are not indexed
 * by one address: type 0 removes all of the VPID's entries there (the
 * SDM allows invalidating more than required).
 */
void cpu_tlb_invalidate_vpid(struct cpu *c, int type, uint16_t vpid, uint64_t la)
{
	struct tlb_filter f = { .by_vpid = true, .vpid = vpid };
	switch (type) {
	case INVVPID_INDIVIDUAL_ADDRESS: /* that address in that VPID, globals too */
		f.by_addr = true;
		f.la = la;
		break;
	case INVVPID_SINGLE_CONTEXT:     /* everything tagged with the VPID */
		break;
	case INVVPID_ALL_CONTEXT:        /* every VPID except 0000H */
		f = (struct tlb_filter){ .nonzero_vpid = true };
		break;
	case INVVPID_SINGLE_CONTEXT_RETAINING_GLOBALS: /* the VPID's non-global translations */
		f.keep_global = true;
		break;
	default:
		return; /* unsupported types fail in the instruction (VMfailValid 28) */
	}
	flush_model(c, &f);
	flush_fast(c);
}

/*
 * INVEPT (SDM Vol. 3C, 29.4.3.2 and "INVEPT" in chapter 31): single-context
 * removes the guest-physical and combined mappings of the EP4TA in eptp,
 * for every VPID and PCID; all-context those of every EP4TA. Linear
 * mappings are not affected.
 */
void cpu_tlb_invalidate_ept(struct cpu *c, int type, uint64_t eptp)
{
	uint64_t ep4ta = eptp_ep4ta(eptp);
	struct tlb_filter f;
	switch (type) {
	case INVEPT_SINGLE_CONTEXT:
		f = (struct tlb_filter){ .by_eptag = true, .eptag = tlb_eptag(true, ep4ta) };
		gtlb_flush_ep4ta(&c->psc.gtlb, ep4ta);
		break;
	case INVEPT_ALL_CONTEXT:
		f = (struct tlb_filter){ .combined_only = true };
		gtlb_flush(&c->psc.gtlb);
		break;
	default:
		return; /* unsupported types fail in the instruction (VMfailValid 28) */
	}
	flush_model(c, &f);
	flush_fast(c);
}

/*
 * VM entry and VM exit (call after c->vmx.guest has changed). The fast
 * TLB and the jump cache are untagged: they are emptied. The model keeps
 * its tagged entries, except: without "enable VPID", entries and exits
 * invalidate the linear and combined mappings of VPID 0000H (SDM Vol. 3C,
 * 29.4.3.1 "Operations that Invalidate Cached Mappings"); and the
 * Bochs-style untagged switch (vmx.untagged_tlb) flushes everything.
 */
void cpu_tlb_vmx_switch(struct cpu *c)
{
	if (c->vmx.untagged_tlb) {
		if (c->itlb.e) {
			tlbm_flush_all(&c->itlb);
			tlbm_flush_all(&c->dtlb);
			psc_flush(&c->psc);
		}
		gtlb_flush(&c->psc.gtlb);
	} else if (!(c->vmx.proc2 & SEC_ENABLE_VPID)) {
		struct tlb_filter f = { .by_vpid = true, .vpid = 0 };
		flush_model(c, &f);
	}
	tlb_context_sync(c, cpu_vpid(c));
	flush_fast(c);
}
