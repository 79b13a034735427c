/* forms_shift.c - ROL ROR RCL RCR SHL SHR SAR by 1, CL and imm8; SHLD SHRD by imm8 and CL. */
#include "difftest.h"

/* The count is masked to 5 bits, 6 with a 64-bit operand (SDM Vol. 2B, SAL/SAR/SHL/SHR). */
static int masked_count(int count, int size)
{
	return count & (size == 64 ? 63 : 31);
}

static bool is_rotate(ZydisMnemonic m)
{
	return m == ZYDIS_MNEMONIC_ROL || m == ZYDIS_MNEMONIC_ROR ||
	       m == ZYDIS_MNEMONIC_RCL || m == ZYDIS_MNEMONIC_RCR;
}

/*
 * What the SDM leaves undefined for one count.
 *
 * Shifts (Vol. 2B, SAL/SAR/SHL/SHR "Flags Affected"): a masked count of 0
 * changes no flag. Otherwise AF is undefined, OF is undefined unless the
 * count is 1, and for SHL and SHR CF is undefined when the count is at least
 * the operand size (only reachable with 8- and 16-bit operands).
 *
 * Rotates (Vol. 2B, RCL/RCR/ROL/ROR "Flags Affected"): SF ZF AF PF are
 * never touched; a masked count of 0 changes nothing; OF is undefined
 * unless the masked count is 1.
 */
static void shift_undef(struct gen *g, int count)
{
	ZydisMnemonic m = g->f->mnem;
	int s = g->f->size, mc = masked_count(count, s);

	if (mc == 0)
		return;
	if (mc != 1)
		g->c->undef_flags |= F_OF;
	if (is_rotate(m))
		return;
	g->c->undef_flags |= F_AF;
	if ((m == ZYDIS_MNEMONIC_SHL || m == ZYDIS_MNEMONIC_SHR) && mc >= s)
		g->c->undef_flags |= F_CF;
}

static bool gen_shift(struct gen *g)
{
	int s = g->f->size, count;
	ZydisEncoderRequest q = req_new(g);

	q.operand_count = 2;
	switch (g->f->kind & K_SHAPE) {
	case SH_RM_1:
		q.operands[0] = op_rm(g, s, 0);
		q.operands[1] = op_imm(1);
		if (!emit_req(g, &q))
			return false;
		count = 1;
		break;
	case SH_RM_CL:
		/* CL first, so a memory operand does not take RCX as base or index;
		 * r/m may still be CL itself, and then the count is its value. */
		reg_put(g->c, ZYDIS_REGISTER_CL, (uint64_t)rand_count(g, s));
		q.operands[0] = op_rm(g, s, 0);
		q.operands[1] = op_fixed(g, ZYDIS_REGISTER_CL);
		if (!emit_req(g, &q))
			return false;
		count = (int)reg_get(g->c, ZYDIS_REGISTER_CL);
		break;
	default:
		/* C0/C1 ib; a count of 1 would make Zydis choose D0/D1. */
		count = rand_count(g, s) & 0xff;
		q.operands[0] = op_rm(g, s, 0);
		q.operands[1] = op_imm(2);
		if (!emit_req(g, &q))
			return false;
		patch_imm(g, 1, (uint64_t)count);
		break;
	}
	shift_undef(g, count);
	return true;
}

/*
 * SHLD/SHRD (Vol. 2B, SHLD and SHRD "Flags Affected"): a masked count of 0
 * changes nothing; otherwise AF is undefined and OF is undefined for counts
 * above 1. With a 16-bit operand a count above 16 leaves both the result
 * and all the flags undefined.
 */
static bool gen_shxd(struct gen *g)
{
	struct dt_case *c = g->c;
	int s = g->f->size, count, mc;
	bool by_cl = (g->f->kind & K_SHAPE) == SH_RM_R_CL;
	ZydisEncoderRequest q = req_new(g);

	q.operand_count = 3;
	if (by_cl)
		reg_put(c, ZYDIS_REGISTER_CL, (uint64_t)rand_count(g, s));
	q.operands[0] = op_rm(g, s, 0);
	q.operands[1] = op_reg(g, s, 0);
	count = rand_count(g, s) & 0xff;
	q.operands[2] = by_cl ? op_fixed(g, ZYDIS_REGISTER_CL) : op_imm((uint64_t)count);
	if (!emit_req(g, &q))
		return false;
	if (by_cl)
		count = (int)reg_get(c, ZYDIS_REGISTER_CL);

	mc = masked_count(count, s);
	if (mc == 0)
		return true;
	c->undef_flags |= F_AF;
	if (mc != 1)
		c->undef_flags |= F_OF;
	if (s == 16 && mc > 16) {
		c->undef_flags |= F_STATUS;
		if (g->f->kind & K_MEM) {
			c->undef_mem = g->ea;
			c->undef_mem_len = 2;
		} else {
			c->undef_bits[gpr_index(q.operands[0].reg.value)] |= 0xffff;
		}
	}
	return true;
}

static const struct form rows[] = {
	{ "rol r/m8, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_ROL, 0xd0, 8, SH_RM_1, 0, NULL },
	{ "rol r/m8, cl (reg)", gen_shift, ZYDIS_MNEMONIC_ROL, 0xd2, 8, SH_RM_CL, 0, NULL },
	{ "rol r/m8, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_ROL, 0xc0, 8, SH_RM_IMM8, 0, NULL },
	{ "rol r/m8, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_ROL, 0xd0, 8, SH_RM_1 | K_MEM, 0, NULL },
	{ "rol r/m8, cl (mem)", gen_shift, ZYDIS_MNEMONIC_ROL, 0xd2, 8, SH_RM_CL | K_MEM, 0, NULL },
	{ "rol r/m8, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_ROL, 0xc0, 8, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "rol r/m16, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_ROL, 0xd1, 16, SH_RM_1, 0, NULL },
	{ "rol r/m16, cl (reg)", gen_shift, ZYDIS_MNEMONIC_ROL, 0xd3, 16, SH_RM_CL, 0, NULL },
	{ "rol r/m16, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_ROL, 0xc1, 16, SH_RM_IMM8, 0, NULL },
	{ "rol r/m16, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_ROL, 0xd1, 16, SH_RM_1 | K_MEM, 0, NULL },
	{ "rol r/m16, cl (mem)", gen_shift, ZYDIS_MNEMONIC_ROL, 0xd3, 16, SH_RM_CL | K_MEM, 0, NULL },
	{ "rol r/m16, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_ROL, 0xc1, 16, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "rol r/m32, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_ROL, 0xd1, 32, SH_RM_1, 0, NULL },
	{ "rol r/m32, cl (reg)", gen_shift, ZYDIS_MNEMONIC_ROL, 0xd3, 32, SH_RM_CL, 0, NULL },
	{ "rol r/m32, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_ROL, 0xc1, 32, SH_RM_IMM8, 0, NULL },
	{ "rol r/m32, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_ROL, 0xd1, 32, SH_RM_1 | K_MEM, 0, NULL },
	{ "rol r/m32, cl (mem)", gen_shift, ZYDIS_MNEMONIC_ROL, 0xd3, 32, SH_RM_CL | K_MEM, 0, NULL },
	{ "rol r/m32, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_ROL, 0xc1, 32, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "rol r/m64, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_ROL, 0xd1, 64, SH_RM_1, 0, NULL },
	{ "rol r/m64, cl (reg)", gen_shift, ZYDIS_MNEMONIC_ROL, 0xd3, 64, SH_RM_CL, 0, NULL },
	{ "rol r/m64, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_ROL, 0xc1, 64, SH_RM_IMM8, 0, NULL },
	{ "rol r/m64, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_ROL, 0xd1, 64, SH_RM_1 | K_MEM, 0, NULL },
	{ "rol r/m64, cl (mem)", gen_shift, ZYDIS_MNEMONIC_ROL, 0xd3, 64, SH_RM_CL | K_MEM, 0, NULL },
	{ "rol r/m64, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_ROL, 0xc1, 64, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "ror r/m8, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_ROR, 0xd0, 8, SH_RM_1, 0, NULL },
	{ "ror r/m8, cl (reg)", gen_shift, ZYDIS_MNEMONIC_ROR, 0xd2, 8, SH_RM_CL, 0, NULL },
	{ "ror r/m8, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_ROR, 0xc0, 8, SH_RM_IMM8, 0, NULL },
	{ "ror r/m8, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_ROR, 0xd0, 8, SH_RM_1 | K_MEM, 0, NULL },
	{ "ror r/m8, cl (mem)", gen_shift, ZYDIS_MNEMONIC_ROR, 0xd2, 8, SH_RM_CL | K_MEM, 0, NULL },
	{ "ror r/m8, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_ROR, 0xc0, 8, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "ror r/m16, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_ROR, 0xd1, 16, SH_RM_1, 0, NULL },
	{ "ror r/m16, cl (reg)", gen_shift, ZYDIS_MNEMONIC_ROR, 0xd3, 16, SH_RM_CL, 0, NULL },
	{ "ror r/m16, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_ROR, 0xc1, 16, SH_RM_IMM8, 0, NULL },
	{ "ror r/m16, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_ROR, 0xd1, 16, SH_RM_1 | K_MEM, 0, NULL },
	{ "ror r/m16, cl (mem)", gen_shift, ZYDIS_MNEMONIC_ROR, 0xd3, 16, SH_RM_CL | K_MEM, 0, NULL },
	{ "ror r/m16, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_ROR, 0xc1, 16, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "ror r/m32, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_ROR, 0xd1, 32, SH_RM_1, 0, NULL },
	{ "ror r/m32, cl (reg)", gen_shift, ZYDIS_MNEMONIC_ROR, 0xd3, 32, SH_RM_CL, 0, NULL },
	{ "ror r/m32, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_ROR, 0xc1, 32, SH_RM_IMM8, 0, NULL },
	{ "ror r/m32, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_ROR, 0xd1, 32, SH_RM_1 | K_MEM, 0, NULL },
	{ "ror r/m32, cl (mem)", gen_shift, ZYDIS_MNEMONIC_ROR, 0xd3, 32, SH_RM_CL | K_MEM, 0, NULL },
	{ "ror r/m32, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_ROR, 0xc1, 32, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "ror r/m64, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_ROR, 0xd1, 64, SH_RM_1, 0, NULL },
	{ "ror r/m64, cl (reg)", gen_shift, ZYDIS_MNEMONIC_ROR, 0xd3, 64, SH_RM_CL, 0, NULL },
	{ "ror r/m64, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_ROR, 0xc1, 64, SH_RM_IMM8, 0, NULL },
	{ "ror r/m64, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_ROR, 0xd1, 64, SH_RM_1 | K_MEM, 0, NULL },
	{ "ror r/m64, cl (mem)", gen_shift, ZYDIS_MNEMONIC_ROR, 0xd3, 64, SH_RM_CL | K_MEM, 0, NULL },
	{ "ror r/m64, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_ROR, 0xc1, 64, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "rcl r/m8, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_RCL, 0xd0, 8, SH_RM_1, 0, NULL },
	{ "rcl r/m8, cl (reg)", gen_shift, ZYDIS_MNEMONIC_RCL, 0xd2, 8, SH_RM_CL, 0, NULL },
	{ "rcl r/m8, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_RCL, 0xc0, 8, SH_RM_IMM8, 0, NULL },
	{ "rcl r/m8, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_RCL, 0xd0, 8, SH_RM_1 | K_MEM, 0, NULL },
	{ "rcl r/m8, cl (mem)", gen_shift, ZYDIS_MNEMONIC_RCL, 0xd2, 8, SH_RM_CL | K_MEM, 0, NULL },
	{ "rcl r/m8, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_RCL, 0xc0, 8, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "rcl r/m16, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_RCL, 0xd1, 16, SH_RM_1, 0, NULL },
	{ "rcl r/m16, cl (reg)", gen_shift, ZYDIS_MNEMONIC_RCL, 0xd3, 16, SH_RM_CL, 0, NULL },
	{ "rcl r/m16, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_RCL, 0xc1, 16, SH_RM_IMM8, 0, NULL },
	{ "rcl r/m16, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_RCL, 0xd1, 16, SH_RM_1 | K_MEM, 0, NULL },
	{ "rcl r/m16, cl (mem)", gen_shift, ZYDIS_MNEMONIC_RCL, 0xd3, 16, SH_RM_CL | K_MEM, 0, NULL },
	{ "rcl r/m16, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_RCL, 0xc1, 16, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "rcl r/m32, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_RCL, 0xd1, 32, SH_RM_1, 0, NULL },
	{ "rcl r/m32, cl (reg)", gen_shift, ZYDIS_MNEMONIC_RCL, 0xd3, 32, SH_RM_CL, 0, NULL },
	{ "rcl r/m32, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_RCL, 0xc1, 32, SH_RM_IMM8, 0, NULL },
	{ "rcl r/m32, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_RCL, 0xd1, 32, SH_RM_1 | K_MEM, 0, NULL },
	{ "rcl r/m32, cl (mem)", gen_shift, ZYDIS_MNEMONIC_RCL, 0xd3, 32, SH_RM_CL | K_MEM, 0, NULL },
	{ "rcl r/m32, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_RCL, 0xc1, 32, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "rcl r/m64, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_RCL, 0xd1, 64, SH_RM_1, 0, NULL },
	{ "rcl r/m64, cl (reg)", gen_shift, ZYDIS_MNEMONIC_RCL, 0xd3, 64, SH_RM_CL, 0, NULL },
	{ "rcl r/m64, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_RCL, 0xc1, 64, SH_RM_IMM8, 0, NULL },
	{ "rcl r/m64, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_RCL, 0xd1, 64, SH_RM_1 | K_MEM, 0, NULL },
	{ "rcl r/m64, cl (mem)", gen_shift, ZYDIS_MNEMONIC_RCL, 0xd3, 64, SH_RM_CL | K_MEM, 0, NULL },
	{ "rcl r/m64, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_RCL, 0xc1, 64, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "rcr r/m8, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_RCR, 0xd0, 8, SH_RM_1, 0, NULL },
	{ "rcr r/m8, cl (reg)", gen_shift, ZYDIS_MNEMONIC_RCR, 0xd2, 8, SH_RM_CL, 0, NULL },
	{ "rcr r/m8, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_RCR, 0xc0, 8, SH_RM_IMM8, 0, NULL },
	{ "rcr r/m8, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_RCR, 0xd0, 8, SH_RM_1 | K_MEM, 0, NULL },
	{ "rcr r/m8, cl (mem)", gen_shift, ZYDIS_MNEMONIC_RCR, 0xd2, 8, SH_RM_CL | K_MEM, 0, NULL },
	{ "rcr r/m8, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_RCR, 0xc0, 8, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "rcr r/m16, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_RCR, 0xd1, 16, SH_RM_1, 0, NULL },
	{ "rcr r/m16, cl (reg)", gen_shift, ZYDIS_MNEMONIC_RCR, 0xd3, 16, SH_RM_CL, 0, NULL },
	{ "rcr r/m16, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_RCR, 0xc1, 16, SH_RM_IMM8, 0, NULL },
	{ "rcr r/m16, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_RCR, 0xd1, 16, SH_RM_1 | K_MEM, 0, NULL },
	{ "rcr r/m16, cl (mem)", gen_shift, ZYDIS_MNEMONIC_RCR, 0xd3, 16, SH_RM_CL | K_MEM, 0, NULL },
	{ "rcr r/m16, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_RCR, 0xc1, 16, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "rcr r/m32, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_RCR, 0xd1, 32, SH_RM_1, 0, NULL },
	{ "rcr r/m32, cl (reg)", gen_shift, ZYDIS_MNEMONIC_RCR, 0xd3, 32, SH_RM_CL, 0, NULL },
	{ "rcr r/m32, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_RCR, 0xc1, 32, SH_RM_IMM8, 0, NULL },
	{ "rcr r/m32, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_RCR, 0xd1, 32, SH_RM_1 | K_MEM, 0, NULL },
	{ "rcr r/m32, cl (mem)", gen_shift, ZYDIS_MNEMONIC_RCR, 0xd3, 32, SH_RM_CL | K_MEM, 0, NULL },
	{ "rcr r/m32, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_RCR, 0xc1, 32, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "rcr r/m64, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_RCR, 0xd1, 64, SH_RM_1, 0, NULL },
	{ "rcr r/m64, cl (reg)", gen_shift, ZYDIS_MNEMONIC_RCR, 0xd3, 64, SH_RM_CL, 0, NULL },
	{ "rcr r/m64, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_RCR, 0xc1, 64, SH_RM_IMM8, 0, NULL },
	{ "rcr r/m64, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_RCR, 0xd1, 64, SH_RM_1 | K_MEM, 0, NULL },
	{ "rcr r/m64, cl (mem)", gen_shift, ZYDIS_MNEMONIC_RCR, 0xd3, 64, SH_RM_CL | K_MEM, 0, NULL },
	{ "rcr r/m64, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_RCR, 0xc1, 64, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "shl r/m8, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_SHL, 0xd0, 8, SH_RM_1, 0, NULL },
	{ "shl r/m8, cl (reg)", gen_shift, ZYDIS_MNEMONIC_SHL, 0xd2, 8, SH_RM_CL, 0, NULL },
	{ "shl r/m8, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_SHL, 0xc0, 8, SH_RM_IMM8, 0, NULL },
	{ "shl r/m8, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_SHL, 0xd0, 8, SH_RM_1 | K_MEM, 0, NULL },
	{ "shl r/m8, cl (mem)", gen_shift, ZYDIS_MNEMONIC_SHL, 0xd2, 8, SH_RM_CL | K_MEM, 0, NULL },
	{ "shl r/m8, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_SHL, 0xc0, 8, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "shl r/m16, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_SHL, 0xd1, 16, SH_RM_1, 0, NULL },
	{ "shl r/m16, cl (reg)", gen_shift, ZYDIS_MNEMONIC_SHL, 0xd3, 16, SH_RM_CL, 0, NULL },
	{ "shl r/m16, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_SHL, 0xc1, 16, SH_RM_IMM8, 0, NULL },
	{ "shl r/m16, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_SHL, 0xd1, 16, SH_RM_1 | K_MEM, 0, NULL },
	{ "shl r/m16, cl (mem)", gen_shift, ZYDIS_MNEMONIC_SHL, 0xd3, 16, SH_RM_CL | K_MEM, 0, NULL },
	{ "shl r/m16, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_SHL, 0xc1, 16, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "shl r/m32, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_SHL, 0xd1, 32, SH_RM_1, 0, NULL },
	{ "shl r/m32, cl (reg)", gen_shift, ZYDIS_MNEMONIC_SHL, 0xd3, 32, SH_RM_CL, 0, NULL },
	{ "shl r/m32, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_SHL, 0xc1, 32, SH_RM_IMM8, 0, NULL },
	{ "shl r/m32, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_SHL, 0xd1, 32, SH_RM_1 | K_MEM, 0, NULL },
	{ "shl r/m32, cl (mem)", gen_shift, ZYDIS_MNEMONIC_SHL, 0xd3, 32, SH_RM_CL | K_MEM, 0, NULL },
	{ "shl r/m32, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_SHL, 0xc1, 32, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "shl r/m64, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_SHL, 0xd1, 64, SH_RM_1, 0, NULL },
	{ "shl r/m64, cl (reg)", gen_shift, ZYDIS_MNEMONIC_SHL, 0xd3, 64, SH_RM_CL, 0, NULL },
	{ "shl r/m64, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_SHL, 0xc1, 64, SH_RM_IMM8, 0, NULL },
	{ "shl r/m64, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_SHL, 0xd1, 64, SH_RM_1 | K_MEM, 0, NULL },
	{ "shl r/m64, cl (mem)", gen_shift, ZYDIS_MNEMONIC_SHL, 0xd3, 64, SH_RM_CL | K_MEM, 0, NULL },
	{ "shl r/m64, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_SHL, 0xc1, 64, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "shr r/m8, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_SHR, 0xd0, 8, SH_RM_1, 0, NULL },
	{ "shr r/m8, cl (reg)", gen_shift, ZYDIS_MNEMONIC_SHR, 0xd2, 8, SH_RM_CL, 0, NULL },
	{ "shr r/m8, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_SHR, 0xc0, 8, SH_RM_IMM8, 0, NULL },
	{ "shr r/m8, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_SHR, 0xd0, 8, SH_RM_1 | K_MEM, 0, NULL },
	{ "shr r/m8, cl (mem)", gen_shift, ZYDIS_MNEMONIC_SHR, 0xd2, 8, SH_RM_CL | K_MEM, 0, NULL },
	{ "shr r/m8, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_SHR, 0xc0, 8, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "shr r/m16, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_SHR, 0xd1, 16, SH_RM_1, 0, NULL },
	{ "shr r/m16, cl (reg)", gen_shift, ZYDIS_MNEMONIC_SHR, 0xd3, 16, SH_RM_CL, 0, NULL },
	{ "shr r/m16, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_SHR, 0xc1, 16, SH_RM_IMM8, 0, NULL },
	{ "shr r/m16, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_SHR, 0xd1, 16, SH_RM_1 | K_MEM, 0, NULL },
	{ "shr r/m16, cl (mem)", gen_shift, ZYDIS_MNEMONIC_SHR, 0xd3, 16, SH_RM_CL | K_MEM, 0, NULL },
	{ "shr r/m16, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_SHR, 0xc1, 16, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "shr r/m32, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_SHR, 0xd1, 32, SH_RM_1, 0, NULL },
	{ "shr r/m32, cl (reg)", gen_shift, ZYDIS_MNEMONIC_SHR, 0xd3, 32, SH_RM_CL, 0, NULL },
	{ "shr r/m32, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_SHR, 0xc1, 32, SH_RM_IMM8, 0, NULL },
	{ "shr r/m32, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_SHR, 0xd1, 32, SH_RM_1 | K_MEM, 0, NULL },
	{ "shr r/m32, cl (mem)", gen_shift, ZYDIS_MNEMONIC_SHR, 0xd3, 32, SH_RM_CL | K_MEM, 0, NULL },
	{ "shr r/m32, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_SHR, 0xc1, 32, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "shr r/m64, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_SHR, 0xd1, 64, SH_RM_1, 0, NULL },
	{ "shr r/m64, cl (reg)", gen_shift, ZYDIS_MNEMONIC_SHR, 0xd3, 64, SH_RM_CL, 0, NULL },
	{ "shr r/m64, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_SHR, 0xc1, 64, SH_RM_IMM8, 0, NULL },
	{ "shr r/m64, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_SHR, 0xd1, 64, SH_RM_1 | K_MEM, 0, NULL },
	{ "shr r/m64, cl (mem)", gen_shift, ZYDIS_MNEMONIC_SHR, 0xd3, 64, SH_RM_CL | K_MEM, 0, NULL },
	{ "shr r/m64, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_SHR, 0xc1, 64, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "sar r/m8, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_SAR, 0xd0, 8, SH_RM_1, 0, NULL },
	{ "sar r/m8, cl (reg)", gen_shift, ZYDIS_MNEMONIC_SAR, 0xd2, 8, SH_RM_CL, 0, NULL },
	{ "sar r/m8, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_SAR, 0xc0, 8, SH_RM_IMM8, 0, NULL },
	{ "sar r/m8, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_SAR, 0xd0, 8, SH_RM_1 | K_MEM, 0, NULL },
	{ "sar r/m8, cl (mem)", gen_shift, ZYDIS_MNEMONIC_SAR, 0xd2, 8, SH_RM_CL | K_MEM, 0, NULL },
	{ "sar r/m8, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_SAR, 0xc0, 8, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "sar r/m16, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_SAR, 0xd1, 16, SH_RM_1, 0, NULL },
	{ "sar r/m16, cl (reg)", gen_shift, ZYDIS_MNEMONIC_SAR, 0xd3, 16, SH_RM_CL, 0, NULL },
	{ "sar r/m16, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_SAR, 0xc1, 16, SH_RM_IMM8, 0, NULL },
	{ "sar r/m16, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_SAR, 0xd1, 16, SH_RM_1 | K_MEM, 0, NULL },
	{ "sar r/m16, cl (mem)", gen_shift, ZYDIS_MNEMONIC_SAR, 0xd3, 16, SH_RM_CL | K_MEM, 0, NULL },
	{ "sar r/m16, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_SAR, 0xc1, 16, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "sar r/m32, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_SAR, 0xd1, 32, SH_RM_1, 0, NULL },
	{ "sar r/m32, cl (reg)", gen_shift, ZYDIS_MNEMONIC_SAR, 0xd3, 32, SH_RM_CL, 0, NULL },
	{ "sar r/m32, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_SAR, 0xc1, 32, SH_RM_IMM8, 0, NULL },
	{ "sar r/m32, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_SAR, 0xd1, 32, SH_RM_1 | K_MEM, 0, NULL },
	{ "sar r/m32, cl (mem)", gen_shift, ZYDIS_MNEMONIC_SAR, 0xd3, 32, SH_RM_CL | K_MEM, 0, NULL },
	{ "sar r/m32, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_SAR, 0xc1, 32, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "sar r/m64, 1 (reg)", gen_shift, ZYDIS_MNEMONIC_SAR, 0xd1, 64, SH_RM_1, 0, NULL },
	{ "sar r/m64, cl (reg)", gen_shift, ZYDIS_MNEMONIC_SAR, 0xd3, 64, SH_RM_CL, 0, NULL },
	{ "sar r/m64, imm8 (reg)", gen_shift, ZYDIS_MNEMONIC_SAR, 0xc1, 64, SH_RM_IMM8, 0, NULL },
	{ "sar r/m64, 1 (mem)", gen_shift, ZYDIS_MNEMONIC_SAR, 0xd1, 64, SH_RM_1 | K_MEM, 0, NULL },
	{ "sar r/m64, cl (mem)", gen_shift, ZYDIS_MNEMONIC_SAR, 0xd3, 64, SH_RM_CL | K_MEM, 0, NULL },
	{ "sar r/m64, imm8 (mem)", gen_shift, ZYDIS_MNEMONIC_SAR, 0xc1, 64, SH_RM_IMM8 | K_MEM, 0, NULL },
	{ "shld r/m16, r16, imm8 (reg)", gen_shxd, ZYDIS_MNEMONIC_SHLD, OPC_0F | 0xa4, 16, SH_RM_R_IMM8, 0, NULL },
	{ "shld r/m16, r16, cl (reg)", gen_shxd, ZYDIS_MNEMONIC_SHLD, OPC_0F | 0xa5, 16, SH_RM_R_CL, 0, NULL },
	{ "shld r/m16, r16, imm8 (mem)", gen_shxd, ZYDIS_MNEMONIC_SHLD, OPC_0F | 0xa4, 16, SH_RM_R_IMM8 | K_MEM, 0, NULL },
	{ "shld r/m16, r16, cl (mem)", gen_shxd, ZYDIS_MNEMONIC_SHLD, OPC_0F | 0xa5, 16, SH_RM_R_CL | K_MEM, 0, NULL },
	{ "shld r/m32, r32, imm8 (reg)", gen_shxd, ZYDIS_MNEMONIC_SHLD, OPC_0F | 0xa4, 32, SH_RM_R_IMM8, 0, NULL },
	{ "shld r/m32, r32, cl (reg)", gen_shxd, ZYDIS_MNEMONIC_SHLD, OPC_0F | 0xa5, 32, SH_RM_R_CL, 0, NULL },
	{ "shld r/m32, r32, imm8 (mem)", gen_shxd, ZYDIS_MNEMONIC_SHLD, OPC_0F | 0xa4, 32, SH_RM_R_IMM8 | K_MEM, 0, NULL },
	{ "shld r/m32, r32, cl (mem)", gen_shxd, ZYDIS_MNEMONIC_SHLD, OPC_0F | 0xa5, 32, SH_RM_R_CL | K_MEM, 0, NULL },
	{ "shld r/m64, r64, imm8 (reg)", gen_shxd, ZYDIS_MNEMONIC_SHLD, OPC_0F | 0xa4, 64, SH_RM_R_IMM8, 0, NULL },
	{ "shld r/m64, r64, cl (reg)", gen_shxd, ZYDIS_MNEMONIC_SHLD, OPC_0F | 0xa5, 64, SH_RM_R_CL, 0, NULL },
	{ "shld r/m64, r64, imm8 (mem)", gen_shxd, ZYDIS_MNEMONIC_SHLD, OPC_0F | 0xa4, 64, SH_RM_R_IMM8 | K_MEM, 0, NULL },
	{ "shld r/m64, r64, cl (mem)", gen_shxd, ZYDIS_MNEMONIC_SHLD, OPC_0F | 0xa5, 64, SH_RM_R_CL | K_MEM, 0, NULL },
	{ "shrd r/m16, r16, imm8 (reg)", gen_shxd, ZYDIS_MNEMONIC_SHRD, OPC_0F | 0xac, 16, SH_RM_R_IMM8, 0, NULL },
	{ "shrd r/m16, r16, cl (reg)", gen_shxd, ZYDIS_MNEMONIC_SHRD, OPC_0F | 0xad, 16, SH_RM_R_CL, 0, NULL },
	{ "shrd r/m16, r16, imm8 (mem)", gen_shxd, ZYDIS_MNEMONIC_SHRD, OPC_0F | 0xac, 16, SH_RM_R_IMM8 | K_MEM, 0, NULL },
	{ "shrd r/m16, r16, cl (mem)", gen_shxd, ZYDIS_MNEMONIC_SHRD, OPC_0F | 0xad, 16, SH_RM_R_CL | K_MEM, 0, NULL },
	{ "shrd r/m32, r32, imm8 (reg)", gen_shxd, ZYDIS_MNEMONIC_SHRD, OPC_0F | 0xac, 32, SH_RM_R_IMM8, 0, NULL },
	{ "shrd r/m32, r32, cl (reg)", gen_shxd, ZYDIS_MNEMONIC_SHRD, OPC_0F | 0xad, 32, SH_RM_R_CL, 0, NULL },
	{ "shrd r/m32, r32, imm8 (mem)", gen_shxd, ZYDIS_MNEMONIC_SHRD, OPC_0F | 0xac, 32, SH_RM_R_IMM8 | K_MEM, 0, NULL },
	{ "shrd r/m32, r32, cl (mem)", gen_shxd, ZYDIS_MNEMONIC_SHRD, OPC_0F | 0xad, 32, SH_RM_R_CL | K_MEM, 0, NULL },
	{ "shrd r/m64, r64, imm8 (reg)", gen_shxd, ZYDIS_MNEMONIC_SHRD, OPC_0F | 0xac, 64, SH_RM_R_IMM8, 0, NULL },
	{ "shrd r/m64, r64, cl (reg)", gen_shxd, ZYDIS_MNEMONIC_SHRD, OPC_0F | 0xad, 64, SH_RM_R_CL, 0, NULL },
	{ "shrd r/m64, r64, imm8 (mem)", gen_shxd, ZYDIS_MNEMONIC_SHRD, OPC_0F | 0xac, 64, SH_RM_R_IMM8 | K_MEM, 0, NULL },
	{ "shrd r/m64, r64, cl (mem)", gen_shxd, ZYDIS_MNEMONIC_SHRD, OPC_0F | 0xad, 64, SH_RM_R_CL | K_MEM, 0, NULL },
};

const struct form_table forms_shift = { rows, sizeof(rows) / sizeof(rows[0]) };
