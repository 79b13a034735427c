/* access.h - memory access from the CPU: segmentation, then the TLB fast path. */
#ifndef VTSIM_ACCESS_H
#define VTSIM_ACCESS_H

#include <string.h>

#include "../paging/walk.h"
#include "cpu.h"

/*
 * A memory operand goes through three layers:
 *   1. segmentation: offset -> linear address (limit and canonical checks)
 *   2. the TLB fast path: linear page -> host pointer, one compare
 *   3. the slow path (access.c): page walk, faults, devices, refill
 */

/* Slow paths (access.c). */
uint64_t mem_read_slow(struct cpu *c, uint64_t la, unsigned size, enum access acc);
void mem_write_slow(struct cpu *c, uint64_t la, unsigned size, uint64_t val);
/* Implicit supervisor-mode read (descriptor tables, IDT). */
uint64_t sys_read(struct cpu *c, uint64_t la, unsigned size);
void sys_write(struct cpu *c, uint64_t la, unsigned size, uint64_t v);
/* Raised by segmentation: #GP(0), or #SS(0) for the stack segment. */
__attribute__((noreturn)) void seg_fault(struct cpu *c, int seg, uint64_t off, const char *why);

/* Canonical for the current linear-address width: bits 63 down to the
 * width - 1 all equal, i.e. la + 2^(width-1) < 2^width. */
static inline bool is_canonical_c(const struct cpu *c, uint64_t la)
{
	return ((la + c->canon_half) >> c->canon_bits) == 0;
}

/*
 * Offset -> linear address (SDM Vol. 3A, 3.4 "Logical and Linear
 * Addresses"; 5.3 "Limit Checking"). In 64-bit mode only FS and GS add a
 * base, limits are not checked and the address must be canonical (3.3.7.1).
 */
static inline uint64_t seg_linear(struct cpu *c, int seg, uint64_t off, unsigned size)
{
	if (c->long64) {
		uint64_t la = off + (seg >= SEG_FS ? c->seg[seg].base : 0);
		/* Every byte must be canonical, not only the first: x is canonical
		 * iff x + 2^47 < 2^48 (bits 63:47 all equal). */
		const uint64_t half = c->canon_half;
		if (__builtin_expect(((la + half) | (la + size - 1 + half)) >> c->canon_bits, 0))
			seg_fault(c, seg, off, "non-canonical address in 64-bit mode (SDM Vol. 3A, 3.3.7.1 \"Canonical Addressing\")");
		return la;
	}
	if (__builtin_expect(off + size - 1 > c->seg[seg].limit, 0))
		seg_fault(c, seg, off, "offset beyond the segment limit (SDM Vol. 3A, 5.3 \"Limit Checking\")");
	return (c->seg[seg].base + off) & 0xffffffffull;
}

static inline uint64_t host_load(const void *p, unsigned size)
{
	switch (size) {
	case 1: return *(const uint8_t *)p;
	case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
	case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
	default: { uint64_t v; memcpy(&v, p, 8); return v; }
	}
}

static inline void host_store(void *p, unsigned size, uint64_t v)
{
	switch (size) {
	case 1: *(uint8_t *)p = (uint8_t)v; break;
	case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
	case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
	default: memcpy(p, &v, 8); break;
	}
}

static inline int tlb_user(const struct cpu *c)
{
	return c->cpl == 3;
}

/* Read size bytes at linear la (acc = ACC_READ, or ACC_WRITE for the
 * read half of a read-modify-write, which must fault as a write). */
static inline uint64_t lin_read(struct cpu *c, uint64_t la, unsigned size, enum access acc)
{
	struct tlb_entry *e = tlb_slot(&c->tlb, tlb_user(c), la);
	uint64_t tag = acc == ACC_WRITE ? e->tag_w : e->tag_r;
	if (__builtin_expect((la ^ tag) <= PAGE_SIZE - size, 1))
		return host_load((const void *)(uintptr_t)(la + e->addend), size);
	return mem_read_slow(c, la, size, acc);
}

static inline void lin_write(struct cpu *c, uint64_t la, unsigned size, uint64_t v)
{
	struct tlb_entry *e = tlb_slot(&c->tlb, tlb_user(c), la);
	if (__builtin_expect((la ^ e->tag_w) <= PAGE_SIZE - size, 1)) {
		host_store((void *)(uintptr_t)(la + e->addend), size, v);
		return;
	}
	mem_write_slow(c, la, size, v);
}

/* seg:off accesses. */
static inline uint64_t mem_read(struct cpu *c, int seg, uint64_t off, unsigned size)
{
	return lin_read(c, seg_linear(c, seg, off, size), size, ACC_READ);
}

static inline void mem_write(struct cpu *c, int seg, uint64_t off, unsigned size, uint64_t v)
{
	lin_write(c, seg_linear(c, seg, off, size), size, v);
}

/* Translate for the debugger/loader path without faulting: returns false
 * if the address does not translate. In VMX non-root operation with EPT,
 * *pa is host-physical. */
bool cpu_translate_peek(struct cpu *c, uint64_t la, enum access acc, uint64_t *pa);
/* The same with the whole walk record (w->gpa guest-physical, w->pa
 * host-physical under EPT; w->refs the 2-D walk). No side effects. */
bool cpu_translate_walk(struct cpu *c, uint64_t la, enum access acc, struct walk *w);

/* The VPID translations are tagged with now: the VMCS's in non-root
 * operation with "enable VPID", else 0. */
uint16_t cpu_vpid(const struct cpu *c);

/* INVVPID types (SDM Vol. 3C, "INVVPID" in chapter 31) and INVEPT types
 * ("INVEPT"), as the instructions' register operand gives them. */
#define INVVPID_INDIVIDUAL_ADDRESS 0
#define INVVPID_SINGLE_CONTEXT 1
#define INVVPID_ALL_CONTEXT 2
#define INVVPID_SINGLE_CONTEXT_RETAINING_GLOBALS 3
#define INVEPT_SINGLE_CONTEXT 1
#define INVEPT_ALL_CONTEXT 2

/* The invalidations of INVVPID and INVEPT (29.4.3.2, 29.4.3.3), applied
 * to the TLB model, the paging-structure caches and the guest-physical
 * TLB; the fast TLB and jump cache are emptied. The instructions check
 * their operands (unsupported type, VPID 0, non-canonical address) first. */
void cpu_tlb_invalidate_vpid(struct cpu *c, int type, uint16_t vpid, uint64_t la);
void cpu_tlb_invalidate_ept(struct cpu *c, int type, uint64_t eptp);

/* Call on every VM entry and VM exit, after c->vmx.guest changed: empties
 * the untagged fast TLB and jump cache, applies the flush the SDM requires
 * without VPIDs, or flushes everything with vmx.untagged_tlb. */
void cpu_tlb_vmx_switch(struct cpu *c);

/* Physical address of instruction bytes at linear la (fetch; may fault). */
uint64_t cpu_fetch_translate(struct cpu *c, uint64_t la);

#endif
