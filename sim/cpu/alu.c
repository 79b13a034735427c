/* alu.c - ADD OR ADC SBB AND SUB XOR CMP TEST, INC DEC NEG NOT. */
#include "alu.h"

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

/* Specialised forms for the hot cases, chosen at decode time, one function
 * per ALU operation so that alu_apply() folds to a few instructions. */
#define ALU_FORMS(name, op) \
	static void name##_rr(struct cpu *c, const struct insn *i) { alu_rr(c, i, op); } \
	static void name##_ri(struct cpu *c, const struct insn *i) { alu_ri(c, i, op); } \
	static void name##_rm(struct cpu *c, const struct insn *i) { alu_rm(c, i, op); }
ALU_FORMS(add, ALU_ADD)
ALU_FORMS(or, ALU_OR)
ALU_FORMS(adc, ALU_ADC)
ALU_FORMS(sbb, ALU_SBB)
ALU_FORMS(and, ALU_AND)
ALU_FORMS(sub, ALU_SUB)
ALU_FORMS(xor, ALU_XOR)
ALU_FORMS(cmp, ALU_CMP)
#undef ALU_FORMS

insn_fn *const op_alu_rr_tab[8] = { add_rr, or_rr, adc_rr, sbb_rr, and_rr, sub_rr, xor_rr, cmp_rr };
insn_fn *const op_alu_ri_tab[8] = { add_ri, or_ri, adc_ri, sbb_ri, and_ri, sub_ri, xor_ri, cmp_ri };
insn_fn *const op_alu_rm_tab[8] = { add_rm, or_rm, adc_rm, sbb_rm, and_rm, sub_rm, xor_rm, cmp_rm };

void op_cmp_m(struct cpu *c, const struct insn *i)
{
	cmp_m(c, i);
}

void op_test_rr(struct cpu *c, const struct insn *i)
{
	test_rr(c, i);
}

void op_test_ri(struct cpu *c, const struct insn *i)
{
	test_ri(c, i);
}

void op_inc_r(struct cpu *c, const struct insn *i)
{
	incdec_r(c, i, 1);
}

void op_dec_r(struct cpu *c, const struct insn *i)
{
	incdec_r(c, i, -1);
}
