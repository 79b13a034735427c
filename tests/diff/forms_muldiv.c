/* forms_muldiv.c - MUL, IMUL (one, two and three operands), DIV and IDIV including #DE. */
#include "difftest.h"

/*
 * MUL and IMUL set CF and OF when the product does not fit the low half
 * (or the destination); SF ZF AF PF are undefined (SDM Vol. 2B, MUL, and
 * Vol. 2A, IMUL, "Flags Affected"). DIV and IDIV leave all six undefined
 * and raise #DE when the divisor is 0 or the quotient does not fit (Vol.
 * 2A, DIV, IDIV); the fault leaves every register as it was.
 */

static bool gen_mul(struct gen *g)
{
	const struct form *f = g->f;
	int s = f->size;
	ZydisEncoderRequest q = req_new(g);
	uint64_t imm;

	switch (f->kind & K_SHAPE) {
	case SH_RM:
		q.operand_count = 1;
		q.operands[0] = op_rm(g, s, 0);
		return emit_req(g, &q);
	case SH_R_RM:
		q.operand_count = 2;
		q.operands[1] = op_rm(g, s, 0);
		q.operands[0] = op_reg(g, s, 0);
		return emit_req(g, &q);
	case SH_R_RM_IMM8:
		q.operand_count = 3;
		q.operands[1] = op_rm(g, s, 0);
		q.operands[0] = op_reg(g, s, 0);
		q.operands[2] = op_imm(rand_imm(g, 8));
		return emit_req(g, &q);
	default:
		/* 69 /r iw/id: a placeholder outside imm8 range keeps Zydis off 6B. */
		imm = rand_imm(g, s == 16 ? 16 : 32);
		q.operand_count = 3;
		q.operands[1] = op_rm(g, s, 0);
		q.operands[0] = op_reg(g, s, 0);
		q.operands[2] = op_imm(s == 16 ? 0x1234 : 0x12345678);
		if (!emit_req(g, &q))
			return false;
		patch_imm(g, s == 16 ? 2 : 4, imm);
		return true;
	}
}

/* |v| of an s-bit signed value, as unsigned. */
static uint64_t magnitude(int64_t v)
{
	return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

/*
 * A divisor and a double-width dividend hi:lo. Mostly the quotient fits;
 * sometimes the divisor is 0, the dividend is arbitrary (usually overflow),
 * or it is the one signed overflow that needs care: the most negative
 * dividend divided by -1.
 */
static void div_operands(struct gen *g, int s, bool sgn, uint64_t *d, uint64_t *lo, uint64_t *hi)
{
	struct rng *r = g->rng;
	uint64_t pick = rng_below(r, 16);

	*d = trunc_bits(rand_value(r), s);
	*lo = trunc_bits(rand_value(r), s);
	*hi = trunc_bits(rand_value(r), s);
	if (pick == 0) {
		*d = 0;
		return;
	}
	if (*d == 0)
		*d = 1;
	if (pick == 1)
		return;                         /* arbitrary: overflow more often than not */
	if (sgn && pick == 2) {
		*d = trunc_bits(~0ull, s);        /* -1 */
		*hi = trunc_bits(~0ull, s);       /* -2^(s-1), sign-extended to 2s bits */
		*lo = 1ull << (s - 1);
		return;
	}
	if (!sgn) {
		*hi %= *d;                      /* hi < d: the quotient fits */
		return;
	}
	{
		int64_t q = (int64_t)sign_extend(rand_value(r), s);
		int64_t dv = (int64_t)sign_extend(*d, s);
		__int128 p = (__int128)q * dv, n;
		uint64_t rem = rng_next(r) % magnitude(dv);

		/* Truncating division: the remainder has the dividend's sign. */
		n = p > 0 ? p + rem : p < 0 ? p - rem : (rng_below(r, 2) ? (__int128)rem : -(__int128)rem);
		*lo = trunc_bits((uint64_t)n, s);
		*hi = trunc_bits(s == 64 ? (uint64_t)(n >> 64) : (uint64_t)(n >> s), s);
	}
}

static bool gen_div(struct gen *g)
{
	struct dt_case *c = g->c;
	int s = g->f->size;
	bool sgn = g->f->mnem == ZYDIS_MNEMONIC_IDIV;
	bool planned = rng_below(g->rng, 8) != 0;
	ZydisEncoderRequest q = req_new(g);
	uint64_t d, lo, hi;

	/* Planned values need RAX and RDX to themselves; one case in eight
	 * lets the divisor be AH, DX, [rax] and the like with whatever values. */
	q.operand_count = 1;
	q.operands[0] = op_rm(g, s, planned ? (1u << RAX) | (1u << RDX) : 0);
	if (!emit_req(g, &q))
		return false;
	if (!planned)
		return true;
	div_operands(g, s, sgn, &d, &lo, &hi);
	if (g->f->kind & K_MEM)
		mem_put(c, g->ea, d, s / 8);
	else
		reg_put(c, q.operands[0].reg.value, d);
	if (s == 8) {
		reg_put(c, ZYDIS_REGISTER_AX, hi << 8 | lo);
	} else {
		reg_put(c, gpr_reg(RAX, s), lo);
		reg_put(c, gpr_reg(RDX, s), hi);
	}
	return true;
}

static const struct form rows[] = {
	{ "mul r/m8 (reg)", gen_mul, ZYDIS_MNEMONIC_MUL, 0xf6, 8, SH_RM, U_MUL, NULL },
	{ "mul r/m8 (mem)", gen_mul, ZYDIS_MNEMONIC_MUL, 0xf6, 8, SH_RM | K_MEM, U_MUL, NULL },
	{ "mul r/m16 (reg)", gen_mul, ZYDIS_MNEMONIC_MUL, 0xf7, 16, SH_RM, U_MUL, NULL },
	{ "mul r/m16 (mem)", gen_mul, ZYDIS_MNEMONIC_MUL, 0xf7, 16, SH_RM | K_MEM, U_MUL, NULL },
	{ "mul r/m32 (reg)", gen_mul, ZYDIS_MNEMONIC_MUL, 0xf7, 32, SH_RM, U_MUL, NULL },
	{ "mul r/m32 (mem)", gen_mul, ZYDIS_MNEMONIC_MUL, 0xf7, 32, SH_RM | K_MEM, U_MUL, NULL },
	{ "mul r/m64 (reg)", gen_mul, ZYDIS_MNEMONIC_MUL, 0xf7, 64, SH_RM, U_MUL, NULL },
	{ "mul r/m64 (mem)", gen_mul, ZYDIS_MNEMONIC_MUL, 0xf7, 64, SH_RM | K_MEM, U_MUL, NULL },
	{ "imul r/m8 (reg)", gen_mul, ZYDIS_MNEMONIC_IMUL, 0xf6, 8, SH_RM, U_MUL, NULL },
	{ "imul r/m8 (mem)", gen_mul, ZYDIS_MNEMONIC_IMUL, 0xf6, 8, SH_RM | K_MEM, U_MUL, NULL },
	{ "imul r/m16 (reg)", gen_mul, ZYDIS_MNEMONIC_IMUL, 0xf7, 16, SH_RM, U_MUL, NULL },
	{ "imul r/m16 (mem)", gen_mul, ZYDIS_MNEMONIC_IMUL, 0xf7, 16, SH_RM | K_MEM, U_MUL, NULL },
	{ "imul r/m32 (reg)", gen_mul, ZYDIS_MNEMONIC_IMUL, 0xf7, 32, SH_RM, U_MUL, NULL },
	{ "imul r/m32 (mem)", gen_mul, ZYDIS_MNEMONIC_IMUL, 0xf7, 32, SH_RM | K_MEM, U_MUL, NULL },
	{ "imul r/m64 (reg)", gen_mul, ZYDIS_MNEMONIC_IMUL, 0xf7, 64, SH_RM, U_MUL, NULL },
	{ "imul r/m64 (mem)", gen_mul, ZYDIS_MNEMONIC_IMUL, 0xf7, 64, SH_RM | K_MEM, U_MUL, NULL },
	{ "div r/m8 (reg)", gen_div, ZYDIS_MNEMONIC_DIV, 0xf6, 8, SH_RM, U_DIV, NULL },
	{ "div r/m8 (mem)", gen_div, ZYDIS_MNEMONIC_DIV, 0xf6, 8, SH_RM | K_MEM, U_DIV, NULL },
	{ "div r/m16 (reg)", gen_div, ZYDIS_MNEMONIC_DIV, 0xf7, 16, SH_RM, U_DIV, NULL },
	{ "div r/m16 (mem)", gen_div, ZYDIS_MNEMONIC_DIV, 0xf7, 16, SH_RM | K_MEM, U_DIV, NULL },
	{ "div r/m32 (reg)", gen_div, ZYDIS_MNEMONIC_DIV, 0xf7, 32, SH_RM, U_DIV, NULL },
	{ "div r/m32 (mem)", gen_div, ZYDIS_MNEMONIC_DIV, 0xf7, 32, SH_RM | K_MEM, U_DIV, NULL },
	{ "div r/m64 (reg)", gen_div, ZYDIS_MNEMONIC_DIV, 0xf7, 64, SH_RM, U_DIV, NULL },
	{ "div r/m64 (mem)", gen_div, ZYDIS_MNEMONIC_DIV, 0xf7, 64, SH_RM | K_MEM, U_DIV, NULL },
	{ "idiv r/m8 (reg)", gen_div, ZYDIS_MNEMONIC_IDIV, 0xf6, 8, SH_RM, U_DIV, NULL },
	{ "idiv r/m8 (mem)", gen_div, ZYDIS_MNEMONIC_IDIV, 0xf6, 8, SH_RM | K_MEM, U_DIV, NULL },
	{ "idiv r/m16 (reg)", gen_div, ZYDIS_MNEMONIC_IDIV, 0xf7, 16, SH_RM, U_DIV, NULL },
	{ "idiv r/m16 (mem)", gen_div, ZYDIS_MNEMONIC_IDIV, 0xf7, 16, SH_RM | K_MEM, U_DIV, NULL },
	{ "idiv r/m32 (reg)", gen_div, ZYDIS_MNEMONIC_IDIV, 0xf7, 32, SH_RM, U_DIV, NULL },
	{ "idiv r/m32 (mem)", gen_div, ZYDIS_MNEMONIC_IDIV, 0xf7, 32, SH_RM | K_MEM, U_DIV, NULL },
	{ "idiv r/m64 (reg)", gen_div, ZYDIS_MNEMONIC_IDIV, 0xf7, 64, SH_RM, U_DIV, NULL },
	{ "idiv r/m64 (mem)", gen_div, ZYDIS_MNEMONIC_IDIV, 0xf7, 64, SH_RM | K_MEM, U_DIV, NULL },
	{ "imul r16, r/m16 (reg)", gen_mul, ZYDIS_MNEMONIC_IMUL, OPC_0F | 0xaf, 16, SH_R_RM, U_MUL, NULL },
	{ "imul r16, r/m16, imm8 (reg)", gen_mul, ZYDIS_MNEMONIC_IMUL, 0x6b, 16, SH_R_RM_IMM8, U_MUL, NULL },
	{ "imul r16, r/m16, imm16 (reg)", gen_mul, ZYDIS_MNEMONIC_IMUL, 0x69, 16, SH_R_RM_IMM, U_MUL, NULL },
	{ "imul r16, r/m16 (mem)", gen_mul, ZYDIS_MNEMONIC_IMUL, OPC_0F | 0xaf, 16, SH_R_RM | K_MEM, U_MUL, NULL },
	{ "imul r16, r/m16, imm8 (mem)", gen_mul, ZYDIS_MNEMONIC_IMUL, 0x6b, 16, SH_R_RM_IMM8 | K_MEM, U_MUL, NULL },
	{ "imul r16, r/m16, imm16 (mem)", gen_mul, ZYDIS_MNEMONIC_IMUL, 0x69, 16, SH_R_RM_IMM | K_MEM, U_MUL, NULL },
	{ "imul r32, r/m32 (reg)", gen_mul, ZYDIS_MNEMONIC_IMUL, OPC_0F | 0xaf, 32, SH_R_RM, U_MUL, NULL },
	{ "imul r32, r/m32, imm8 (reg)", gen_mul, ZYDIS_MNEMONIC_IMUL, 0x6b, 32, SH_R_RM_IMM8, U_MUL, NULL },
	{ "imul r32, r/m32, imm32 (reg)", gen_mul, ZYDIS_MNEMONIC_IMUL, 0x69, 32, SH_R_RM_IMM, U_MUL, NULL },
	{ "imul r32, r/m32 (mem)", gen_mul, ZYDIS_MNEMONIC_IMUL, OPC_0F | 0xaf, 32, SH_R_RM | K_MEM, U_MUL, NULL },
	{ "imul r32, r/m32, imm8 (mem)", gen_mul, ZYDIS_MNEMONIC_IMUL, 0x6b, 32, SH_R_RM_IMM8 | K_MEM, U_MUL, NULL },
	{ "imul r32, r/m32, imm32 (mem)", gen_mul, ZYDIS_MNEMONIC_IMUL, 0x69, 32, SH_R_RM_IMM | K_MEM, U_MUL, NULL },
	{ "imul r64, r/m64 (reg)", gen_mul, ZYDIS_MNEMONIC_IMUL, OPC_0F | 0xaf, 64, SH_R_RM, U_MUL, NULL },
	{ "imul r64, r/m64, imm8 (reg)", gen_mul, ZYDIS_MNEMONIC_IMUL, 0x6b, 64, SH_R_RM_IMM8, U_MUL, NULL },
	{ "imul r64, r/m64, imm32 (reg)", gen_mul, ZYDIS_MNEMONIC_IMUL, 0x69, 64, SH_R_RM_IMM, U_MUL, NULL },
	{ "imul r64, r/m64 (mem)", gen_mul, ZYDIS_MNEMONIC_IMUL, OPC_0F | 0xaf, 64, SH_R_RM | K_MEM, U_MUL, NULL },
	{ "imul r64, r/m64, imm8 (mem)", gen_mul, ZYDIS_MNEMONIC_IMUL, 0x6b, 64, SH_R_RM_IMM8 | K_MEM, U_MUL, NULL },
	{ "imul r64, r/m64, imm32 (mem)", gen_mul, ZYDIS_MNEMONIC_IMUL, 0x69, 64, SH_R_RM_IMM | K_MEM, U_MUL, NULL },
};

const struct form_table forms_muldiv = { rows, sizeof(rows) / sizeof(rows[0]) };
