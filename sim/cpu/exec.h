/* exec.h - what instruction handlers share: operands, stack, control transfer. */
#ifndef VTSIM_EXEC_H
#define VTSIM_EXEC_H

#include "access.h"
#include "cpu.h"
#include "flags.h"
#include "insn.h"
#include "ops.h"

/* IN/OUT/INS/OUTS permission: CPL <= IOPL, else the TSS I/O permission
 * bit map (system.c); #GP(0) when denied. */
void cpu_io_check(struct cpu *c, uint16_t port, unsigned size);
/* Tell EV_IO listeners about one port access (system.c). */
void cpu_io_event(struct cpu *c, uint16_t port, unsigned size, bool write, uint32_t v);

static inline uint64_t reg_get(const struct cpu *c, uint8_t r, unsigned size)
{
	switch (size) {
	case 1:
		if (r & REG_HIGH8)
			return (c->gpr[r & 3] >> 8) & 0xff;
		return c->gpr[r] & 0xff;
	case 2: return c->gpr[r] & 0xffff;
	case 4: return c->gpr[r] & 0xffffffffull;
	default: return c->gpr[r];
	}
}

/* Writes follow SDM Vol. 1, 3.4.1.1: 8- and 16-bit writes merge, 32-bit
 * writes zero-extend to 64 bits, 64-bit writes replace. */
static inline void reg_put(struct cpu *c, uint8_t r, unsigned size, uint64_t v)
{
	switch (size) {
	case 1:
		if (r & REG_HIGH8)
			c->gpr[r & 3] = (c->gpr[r & 3] & ~0xff00ull) | ((v & 0xff) << 8);
		else
			c->gpr[r] = (c->gpr[r] & ~0xffull) | (v & 0xff);
		break;
	case 2: c->gpr[r] = (c->gpr[r] & ~0xffffull) | (v & 0xffff); break;
	case 4: c->gpr[r] = v & 0xffffffffull; break;
	default: c->gpr[r] = v; break;
	}
}

static inline uint64_t sext(uint64_t v, unsigned bytes)
{
	unsigned sh = 64 - 8 * bytes;
	return (uint64_t)((int64_t)(v << sh) >> sh);
}

/* Effective address of the memory operand (SDM Vol. 2A, 2.1.5), wrapped
 * to the address size. RIP-relative addresses count from the next
 * instruction. */
static inline uint64_t ea_of(const struct cpu *c, const struct insn *i)
{
	uint64_t a = (uint64_t)i->disp + c->gpr[i->base] + c->gpr[i->index] * i->scale;
	return a & size_mask(i->asz);
}

/* Linear address of the memory operand for an access of size bytes. */
static inline uint64_t la_of(struct cpu *c, const struct insn *i, unsigned size)
{
	return seg_linear(c, i->seg, ea_of(c, i), size);
}

static inline uint64_t opnd_read(struct cpu *c, const struct insn *i, int n)
{
	const struct opnd *o = &i->op[n];
	switch (o->kind) {
	case OPK_REG: return reg_get(c, o->reg, o->size);
	case OPK_MEM: return mem_read(c, i->seg, ea_of(c, i), o->size);
	default: return i->imm & size_mask(o->size);
	}
}

static inline void opnd_write(struct cpu *c, const struct insn *i, int n, uint64_t v)
{
	const struct opnd *o = &i->op[n];
	if (o->kind == OPK_REG)
		reg_put(c, o->reg, o->size, v);
	else
		mem_write(c, i->seg, ea_of(c, i), o->size, v);
}

/*
 * Read-modify-write of operand 0: the read already checks for write
 * permission, so a read-only destination faults with W=1 in the #PF error
 * code and nothing is written. rmw_begin returns the value and fills *la.
 */
static inline uint64_t rmw_begin(struct cpu *c, const struct insn *i, uint64_t *la)
{
	const struct opnd *o = &i->op[0];
	if (o->kind == OPK_REG)
		return reg_get(c, o->reg, o->size);
	*la = la_of(c, i, o->size);
	return lin_read(c, *la, o->size, ACC_WRITE);
}

static inline void rmw_end(struct cpu *c, const struct insn *i, uint64_t la, uint64_t v)
{
	const struct opnd *o = &i->op[0];
	if (o->kind == OPK_REG)
		reg_put(c, o->reg, o->size, v);
	else
		lin_write(c, la, o->size, v);
}

/* The stack: SS-relative, RSP/ESP/SP by the stack size (SDM Vol. 1, 6.2). */
static inline uint64_t sp_get(const struct cpu *c)
{
	return c->gpr[RSP] & size_mask(c->stack_size);
}

static inline void sp_put(struct cpu *c, uint64_t v)
{
	reg_put(c, RSP, c->stack_size, v);
}

/* Push/pop write memory before they move RSP, so a fault leaves RSP alone. */
static inline void push(struct cpu *c, unsigned size, uint64_t v)
{
	uint64_t sp = (sp_get(c) - size) & size_mask(c->stack_size);
	mem_write(c, SEG_SS, sp, size, v);
	sp_put(c, sp);
}

static inline uint64_t pop(struct cpu *c, unsigned size)
{
	uint64_t sp = sp_get(c);
	uint64_t v = mem_read(c, SEG_SS, sp, size);
	sp_put(c, sp + size);
	return v;
}

/* Read the value `depth` bytes above the stack top without popping. */
static inline uint64_t stack_peek(struct cpu *c, uint64_t depth, unsigned size)
{
	return mem_read(c, SEG_SS, (sp_get(c) + depth) & size_mask(c->stack_size), size);
}

/* Near branch to target, truncated to the operand size, checked against
 * the canonical form (64-bit) or the CS limit (SDM Vol. 2A, JMP). */
static inline __attribute__((always_inline)) void branch_to(struct cpu *c, uint64_t target, unsigned osz)
{
	target &= size_mask(osz);
	if (c->long64) {
		if (!is_canonical_c(c, target))
			cpu_raise_gp0(c, "near branch to a non-canonical address (SDM Vol. 2A, JMP: 64-bit mode exceptions)");
	} else if (target > c->seg[SEG_CS].limit) {
		cpu_raise_gp0(c, "near branch beyond the CS limit (SDM Vol. 2A, JMP: protected mode exceptions)");
	}
	c->next_rip = target;
}

#endif
