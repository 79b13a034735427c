/* access.c - the slow path of memory access: walk, fault, refill, devices. */
#include "access.h"

#include "config.h"

#include <stdio.h>

void seg_fault(struct cpu *c, int seg, uint64_t off, const char *why)
{
	(void)off;
	cpu_raise(c, seg == SEG_SS ? EXC_SS : EXC_GP, 0, true, why);
}

static struct walk_ctx walk_ctx_of(const struct cpu *c, int user)
{
	return (struct walk_ctx){
		.cr0 = c->cr0, .cr3 = c->cr3, .cr4 = c->cr4, .efer = c->efer, .pdpte = c->pdpte,
		.user = user, .ac = (c->rflags & FL_AC) != 0,
	};
}

/*
 * Translate la for one access, raising #PF on failure (CR2 = la; SDM Vol.
 * 3A, 4.7), and refill the fast TLB when the page is plain RAM.
 */
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
 * Translate with paging on: the architectural TLB first (SDM Vol. 3A,
 * 4.10.2), whose entry may be stale — exactly as hardware may be — then a
 * walk that starts below any paging-structure cache hit. A write through
 * an entry cached with D = 0 walks again to set D (4.8). A #PF also
 * invalidates what the model holds for the address (4.10.4.1).
 */
static uint64_t translate_paged(struct cpu *c, uint64_t la, enum access acc, int user)
{
	struct walk_ctx ctx = walk_ctx_of(c, user);
	struct tlbm *m = acc == ACC_EXEC ? &c->itlb : &c->dtlb;
	uint16_t pcid = cpu_pcid(c);
	struct tlbm_entry *e = tlbm_lookup(m, la, pcid);
	if (e && pg_rights_ok(&ctx, acc, e->user, e->writable, e->nx) && (acc != ACC_WRITE || e->dirty))
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
	c->cycles += c->cost_tlb_miss + (uint64_t)refs * c->cost_walk_ref +
		     (w.psc_level ? c->cost_pwc_hit : 0);
#endif
	if (ev_wanted(c->bus, EV_WALK))
		emit_walk(c, la, acc, &w);
	if (!ok) {
		tlbm_flush_addr(&c->itlb, la, pcid, true);
		tlbm_flush_addr(&c->dtlb, la, pcid, true);
		c->cr2 = la;
		cpu_raise(c, EXC_PF, w.pfec, true, w.why);
	}
	unsigned size_log2 = (unsigned)__builtin_ctzll(w.page_size);
	struct tlbm_entry n = {
		.page = la & ~(w.page_size - 1), .pa = w.pa & ~(w.page_size - 1), .pcid = pcid,
		.size_log2 = (uint8_t)size_log2, .global = w.global, .user = w.user,
		.writable = w.writable, .nx = w.nx, .dirty = w.dirty,
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
	uint64_t pa = c->paging ? translate_paged(c, la, acc, user) : la & 0xffffffffull;

	uint64_t page = pa & PAGE_MASK, lpage = la & PAGE_MASK;
	uint8_t *host = phys_ram_span(c->pm, page, PAGE_SIZE);
	if (!host || (c->dr_data && cpu_debug_watches_page(c, la)))
		return pa;
	struct tlb_entry *e = acc == ACC_EXEC ? tlb_islot(&c->tlb, user, la) : tlb_slot(&c->tlb, user, la);
	if (e->pa != page || e->addend != (uintptr_t)host - lpage)
		*e = (struct tlb_entry){ TLB_EMPTY, TLB_EMPTY, TLB_EMPTY, 0, 0 };
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

bool cpu_translate_peek(struct cpu *c, uint64_t la, enum access acc, uint64_t *pa)
{
	if (!c->paging) {
		*pa = la & 0xffffffffull;
		return true;
	}
	struct walk_ctx ctx = walk_ctx_of(c, tlb_user(c));
	struct walk w;
	if (!pg_walk(c->pm, &ctx, la, acc, false, &w))
		return false;
	*pa = w.pa;
	return true;
}
