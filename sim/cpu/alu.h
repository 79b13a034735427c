/* alu.h - the ALU core shared by alu.c and the fused handlers of fuse.c. */
#ifndef VTSIM_ALU_H
#define VTSIM_ALU_H

#include "exec.h"

/*
 * The eight ALU operations in opcode order (SDM Vol. 2A, Table A-6, group 1).
 * Each returns the result and records the flags lazily.
 */
static inline __attribute__((always_inline)) uint64_t alu_apply(struct cpu *c, unsigned op, unsigned size, uint64_t a, uint64_t b)
{
	uint64_t r;
	bool cin;
	switch (op) {
	case ALU_ADD:
		r = a + b;
		lf_set(c, LF_ADD, size, r, a, b);
		return r;
	case ALU_ADC:
		cin = cpu_cf(c);
		r = a + b + cin;
		lf_set(c, LF_ADC, size, r, a, b);
		c->lf.cf_in = cin;
		return r;
	case ALU_SBB:
		cin = cpu_cf(c);
		r = a - b - cin;
		lf_set(c, LF_SBB, size, r, a, b);
		c->lf.cf_in = cin;
		return r;
	case ALU_SUB:
	case ALU_CMP:
		r = a - b;
		lf_set(c, LF_SUB, size, r, a, b);
		return r;
	case ALU_AND: r = a & b; break;
	case ALU_OR: r = a | b; break;
	default: r = a ^ b; break;
	}
	lf_set(c, LF_LOGIC, size, r, 0, 0);
	return r;
}

static inline __attribute__((always_inline)) void alu_rr(struct cpu *c, const struct insn *i, unsigned op)
{
	unsigned size = i->op[0].size;
	uint64_t a = reg_get(c, i->op[0].reg, size), b = reg_get(c, i->op[1].reg, size);
	uint64_t r = alu_apply(c, op, size, a, b);
	if (op != ALU_CMP)
		reg_put(c, i->op[0].reg, size, r);
}

static inline __attribute__((always_inline)) void alu_ri(struct cpu *c, const struct insn *i, unsigned op)
{
	unsigned size = i->op[0].size;
	uint64_t a = reg_get(c, i->op[0].reg, size), b = i->imm & size_mask(size);
	uint64_t r = alu_apply(c, op, size, a, b);
	if (op != ALU_CMP)
		reg_put(c, i->op[0].reg, size, r);
}

/* op r, [m]: the memory operand is only read. */
static inline __attribute__((always_inline)) void alu_rm(struct cpu *c, const struct insn *i, unsigned op)
{
	unsigned size = i->op[0].size;
	uint64_t b = mem_read(c, i->seg, ea_of(c, i), size);
	uint64_t r = alu_apply(c, op, size, reg_get(c, i->op[0].reg, size), b);
	if (op != ALU_CMP)
		reg_put(c, i->op[0].reg, size, r);
}

/* CMP [m], r/imm: read only, no write-back. */
static inline __attribute__((always_inline)) void cmp_m(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	uint64_t a = mem_read(c, i->seg, ea_of(c, i), size);
	uint64_t b = i->op[1].kind == OPK_IMM ? i->imm & size_mask(size) : reg_get(c, i->op[1].reg, size);
	alu_apply(c, ALU_CMP, size, a, b);
}

static inline __attribute__((always_inline)) void test_rr(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	alu_apply(c, ALU_AND, size, reg_get(c, i->op[0].reg, size), reg_get(c, i->op[1].reg, size));
}

static inline __attribute__((always_inline)) void test_ri(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	alu_apply(c, ALU_AND, size, reg_get(c, i->op[0].reg, size), i->imm & size_mask(size));
}

/* INC/DEC of a register; CF keeps its value (SDM Vol. 2A, INC/DEC). */
static inline __attribute__((always_inline)) void incdec_r(struct cpu *c, const struct insn *i, int delta)
{
	unsigned size = i->op[0].size;
	uint64_t a = reg_get(c, i->op[0].reg, size), r = a + (uint64_t)(int64_t)delta;
	bool cf = cpu_cf(c);
	reg_put(c, i->op[0].reg, size, r);
	lf_set(c, delta > 0 ? LF_INC : LF_DEC, size, r, a, 1);
	c->lf.cf_in = cf;
}

#endif
