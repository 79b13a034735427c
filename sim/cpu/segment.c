/* segment.c - reading descriptors and filling the hidden segment caches. */
#include "segment.h"

#include "access.h"

/* Where a selector's descriptor lives: the GDT, or the LDT for TI = 1
 * (SDM Vol. 3A, 3.4.2 "Segment Selectors"). False if beyond the limit, or
 * TI = 1 with no usable LDT. */
static bool desc_addr(const struct cpu *c, uint16_t sel, unsigned size, uint64_t *la)
{
	uint32_t off = sel & 0xfff8u;
	if (sel & 4) {
		if (!(c->ldtr.attr & SEGA_P) || (c->ldtr.sel & 0xfffc) == 0)
			return false;
		if (off + size - 1 > c->ldtr.limit)
			return false;
		*la = c->ldtr.base + off;
		return true;
	}
	if (off + size - 1 > c->gdtr.limit)
		return false;
	*la = c->gdtr.base + off;
	return true;
}

bool seg_read_desc(struct cpu *c, uint16_t sel, uint64_t *desc)
{
	uint64_t la;
	if (!desc_addr(c, sel, 8, &la))
		return false;
	*desc = sys_read(c, la, 8);
	return true;
}

bool seg_read_desc16(struct cpu *c, uint16_t sel, uint64_t *lo, uint64_t *hi)
{
	uint64_t la;
	if (!desc_addr(c, sel, 16, &la))
		return false;
	*lo = sys_read(c, la, 8);
	*hi = sys_read(c, la + 8, 8);
	return true;
}

void seg_write_desc(struct cpu *c, uint16_t sel, uint64_t desc)
{
	uint64_t la;
	if (desc_addr(c, sel, 8, &la))
		sys_write(c, la, 8, desc);
}

/* Loading a segment register sets the descriptor's accessed bit (type bit
 * 0) in memory if it is clear (SDM Vol. 3A, 3.4.5.1 "Code- and
 * Data-Segment Descriptor Types"). */
uint64_t seg_mark_accessed(struct cpu *c, uint16_t sel, uint64_t desc)
{
	if (desc_s(desc) && !(desc & (1ull << 40))) {
		desc |= 1ull << 40;
		seg_write_desc(c, sel, desc);
	}
	return desc;
}

void seg_cache_load(struct segment *s, uint16_t sel, uint64_t desc)
{
	s->sel = sel;
	s->base = desc_base(desc);
	s->limit = desc_limit(desc);
	s->attr = desc_attr(desc);
}

/*
 * Load a data or stack segment register (MOV Sreg, POP Sreg): SDM Vol. 2A,
 * MOV "Operation", and Vol. 3A, 5.10.1 "Checking Access Rights". In real
 * mode the base is the selector times 16 and nothing is checked. In
 * protected mode a null selector is allowed for DS, ES, FS and GS (the
 * register becomes unusable) and never for SS; otherwise the descriptor
 * must be within the table, be a data (or readable code) segment for
 * DS/ES/FS/GS with DPL >= max(CPL, RPL) unless conforming, or a writable
 * data segment with DPL = RPL = CPL for SS, and be present.
 */
void seg_load(struct cpu *c, int seg, uint16_t sel)
{
	/* MOV SS and POP SS block interrupts until after the next instruction,
	 * so that a following MOV ESP completes the stack switch (SDM Vol. 3A,
	 * 6.8.3 "Masking Exceptions and Interrupts When Switching Stacks"). */
	if (seg == SEG_SS) {
		c->int_shadow = c->mov_ss_shadow = c->shadow_set = true;
		c->attn |= ATTN_REFETCH; /* the run loop runs the next instruction alone */
	}
	if (!(c->cr0 & CR0_PE)) {
		cpu_load_seg_real(c, seg, sel);
		return;
	}
	uint32_t err = sel & 0xfffc;
	unsigned rpl = sel & 3;
	if (err == 0) {
		if (seg == SEG_SS && !(c->long64 && c->cpl < 3 && rpl == c->cpl))
			cpu_raise(c, EXC_GP, 0, true, "null selector loaded into SS (SDM Vol. 2A, MOV: protected mode exceptions)");
		c->seg[seg] = (struct segment){ sel, 0, 0, 0 }; /* unusable */
		if (seg == SEG_SS)
			c->seg[seg].attr = (uint16_t)(c->cpl << 5);
		return;
	}
	uint64_t d;
	if (!seg_read_desc(c, sel, &d))
		cpu_raise(c, EXC_GP, err, true, "selector beyond the descriptor table limit (SDM Vol. 2A, MOV: protected mode exceptions)");
	unsigned type = (d >> 40) & 0xf, dpl = (d >> 45) & 3;
	bool s = d & (1ull << 44), code = type & 8, present = d & (1ull << 47);
	if (seg == SEG_SS) {
		if (rpl != c->cpl || dpl != c->cpl)
			cpu_raise(c, EXC_GP, err, true, "SS selector RPL or descriptor DPL differs from CPL (SDM Vol. 2A, MOV)");
		if (!s || code || !(type & 2))
			cpu_raise(c, EXC_GP, err, true, "SS must be a writable data segment (SDM Vol. 2A, MOV)");
		if (!present)
			cpu_raise(c, EXC_SS, err, true, "stack segment not present (SDM Vol. 2A, MOV)");
	} else {
		if (!s || (code && !(type & 2)))
			cpu_raise(c, EXC_GP, err, true, "not a data or readable code segment (SDM Vol. 2A, MOV)");
		bool conforming_code = code && (type & 4);
		if (!conforming_code && (dpl < c->cpl || dpl < rpl))
			cpu_raise(c, EXC_GP, err, true, "segment DPL < max(CPL, RPL) (SDM Vol. 3A, 5.7 \"Privilege Level Checking When Accessing Data Segments\")");
		if (!present)
			cpu_raise(c, EXC_NP, err, true, "segment not present (SDM Vol. 2A, MOV)");
	}
	seg_cache_load(&c->seg[seg], sel, seg_mark_accessed(c, sel, d));
	if (seg == SEG_SS)
		cpu_update_mode(c); /* the stack size follows SS.B */
}
