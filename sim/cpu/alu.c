/* alu.c - ADD OR ADC SBB AND SUB XOR CMP TEST, INC DEC NEG NOT. */
#include "exec.h"

/*
 * The eight ALU operations in opcode order (SDM Vol. 2A, Table A-6, group 1).
 * Each returns the result and records the flags lazily.
 */
static inline uint64_t alu_apply(struct cpu *c, unsigned op, unsigned size, uint64_t a, uint64_t b)
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

void op_alu(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	/* Immediates are stored sign-extended; operand 1 is read at its own size,
	 * then masked to the destination size (imm8 forms extend to it). */
	uint64_t b = i->op[1].kind == OPK_IMM ? i->imm & size_mask(size) : opnd_read(c, i, 1);
	if (i->sub == ALU_CMP) {
		alu_apply(c, ALU_CMP, size, opnd_read(c, i, 0), b);
		return;
	}
	uint64_t la = 0;
	uint64_t a = rmw_begin(c, i, &la);
	rmw_end(c, i, la, alu_apply(c, i->sub, size, a, b));
}

void op_test(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	uint64_t b = i->op[1].kind == OPK_IMM ? i->imm & size_mask(size) : opnd_read(c, i, 1);
	alu_apply(c, ALU_AND, size, opnd_read(c, i, 0), b);
}

/* INC/DEC keep CF (SDM Vol. 2A, INC: "The CF flag is not affected"). */
void op_inc(struct cpu *c, const struct insn *i)
{
	uint64_t la = 0;
	uint64_t a = rmw_begin(c, i, &la);
	bool cf = cpu_cf(c);
	rmw_end(c, i, la, a + 1);
	lf_set(c, LF_INC, i->op[0].size, a + 1, a, 1);
	c->lf.cf_in = cf;
}

void op_dec(struct cpu *c, const struct insn *i)
{
	uint64_t la = 0;
	uint64_t a = rmw_begin(c, i, &la);
	bool cf = cpu_cf(c);
	rmw_end(c, i, la, a - 1);
	lf_set(c, LF_DEC, i->op[0].size, a - 1, a, 1);
	c->lf.cf_in = cf;
}

/* NEG is 0 - src: CF = (src != 0), the other flags as for SUB. */
void op_neg(struct cpu *c, const struct insn *i)
{
	uint64_t la = 0;
	uint64_t a = rmw_begin(c, i, &la);
	rmw_end(c, i, la, 0 - a);
	lf_set(c, LF_SUB, i->op[0].size, 0 - a, 0, a);
}

void op_not(struct cpu *c, const struct insn *i)
{
	uint64_t la = 0;
	uint64_t a = rmw_begin(c, i, &la);
	rmw_end(c, i, la, ~a);
}
