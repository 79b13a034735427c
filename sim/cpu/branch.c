/* branch.c - Jcc, JMP, LOOP/LOOPE/LOOPNE, JCXZ/JECXZ/JRCXZ. */
#include "exec.h"

/* Relative targets count from the next instruction and are truncated to
 * the operand size (SDM Vol. 2A, Jcc: "IF OperandSize = 16 ..."). */
void op_jcc(struct cpu *c, const struct insn *i)
{
	if (cpu_cond(c, i->sub)) {
		branch_to(c, c->next_rip + i->imm, i->osz);
		c->cycles += c->cost_taken;
	}
}

void op_jmp(struct cpu *c, const struct insn *i)
{
	uint64_t target = i->op[0].kind == OPK_IMM ? c->next_rip + i->imm : opnd_read(c, i, 0);
	branch_to(c, target, i->osz);
	c->cycles += c->cost_taken;
}

/*
 * LOOPcc: the counter is CX, ECX or RCX by the address size; it is
 * decremented without touching flags, and the branch is taken while it is
 * non-zero (and, for LOOPE/LOOPNE, while ZF is 1/0). The counter is only
 * written after the target checks pass.
 */
void op_loop(struct cpu *c, const struct insn *i)
{
	uint64_t n = (c->gpr[RCX] - 1) & size_mask(i->asz);
	bool take = n != 0;
	if (i->sub == 1)
		take = take && cpu_zf(c);
	else if (i->sub == 2)
		take = take && !cpu_zf(c);
	if (take)
		branch_to(c, c->next_rip + i->imm, i->osz);
	reg_put(c, RCX, i->asz, n);
}

void op_jcxz(struct cpu *c, const struct insn *i)
{
	if ((c->gpr[RCX] & size_mask(i->asz)) == 0)
		branch_to(c, c->next_rip + i->imm, i->osz);
}

/* One Jcc handler per condition, so cpu_cond() folds to a compare or two. */
#define JCC(cc) \
	static void jcc_##cc(struct cpu *c, const struct insn *i) \
	{ \
		if (cpu_cond(c, cc)) { \
			branch_to(c, c->next_rip + i->imm, i->osz); \
			c->cycles += c->cost_taken; \
		} \
	}
JCC(0) JCC(1) JCC(2) JCC(3) JCC(4) JCC(5) JCC(6) JCC(7)
JCC(8) JCC(9) JCC(10) JCC(11) JCC(12) JCC(13) JCC(14) JCC(15)
#undef JCC

insn_fn *const op_jcc_tab[16] = {
	jcc_0, jcc_1, jcc_2, jcc_3, jcc_4, jcc_5, jcc_6, jcc_7,
	jcc_8, jcc_9, jcc_10, jcc_11, jcc_12, jcc_13, jcc_14, jcc_15,
};
