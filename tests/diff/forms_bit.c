/* forms_bit.c - BT BTS BTR BTC (register, immediate, memory), BSF BSR, BSWAP. */
#include "difftest.h"

/*
 * BT* with a memory operand and a register bit offset treat the offset as
 * a signed number of bits from the operand's address, so they can reach
 * far outside it (SDM Vol. 2A, BT, "Description": the processor may access
 * EA + (OperandSize/8) * (BitOffset DIV OperandSize)).
 * Only the low operand-size bits of the offset register count; the rest is
 * random to catch a simulator that uses them. The operand sits in the middle
 * of the data window and the offset stays within +-(DATA_SIZE/2 - 512) bytes.
 * CF gets the bit; ZF is unaffected; OF SF AF PF are undefined.
 */
#define BT_SPAN_BITS ((int64_t)(DATA_SIZE / 2 - 512) * 8)

static int64_t bt_offset(struct gen *g, int s)
{
	switch (rng_below(g->rng, 4)) {
	case 0:
		return (int64_t)rng_below(g->rng, (uint64_t)s);                   /* inside */
	case 1:
		return (int64_t)rng_below(g->rng, 6 * (uint64_t)s) - 3 * s;       /* next door */
	default:
		return (int64_t)rng_below(g->rng, 2 * BT_SPAN_BITS) - BT_SPAN_BITS;
	}
}

static bool gen_bt(struct gen *g)
{
	const struct form *f = g->f;
	int s = f->size;
	ZydisEncoderRequest q = req_new(g);

	q.operand_count = 2;
	if ((f->kind & K_SHAPE) == SH_RM_IMM8) {
		q.operands[0] = op_rm(g, s, 0);
		q.operands[1] = op_imm(rng_below(g->rng, 256));
	} else if (!(f->kind & K_MEM)) {
		q.operands[0] = op_reg(g, s, 0);
		q.operands[1] = op_reg(g, s, 0);
	} else {
		uint64_t ea = DATA_BASE + DATA_SIZE / 2 - 256 + rng_below(g->rng, 512);

		/* Locked: naturally aligned, so no access splits a cache line. */
		if (f->kind & K_LOCK)
			ea &= ~(uint64_t)(s / 8 - 1);
		q.operands[1] = op_reg(g, s, 0);
		reg_put(g->c, q.operands[1].reg.value, (uint64_t)bt_offset(g, s));
		q.operands[0] = op_mem_at(g, ea, s / 8, 0);
	}
	return emit_req(g, &q);
}

/*
 * BSF/BSR (Vol. 2A): ZF says whether the source was 0; CF OF SF AF PF are
 * undefined, and with a zero source so is the destination (AMD leaves it
 * unchanged, Intel documents nothing), the whole register.
 */
static bool gen_bsf(struct gen *g)
{
	struct dt_case *c = g->c;
	int s = g->f->size;
	ZydisEncoderRequest q = req_new(g);
	uint64_t src;

	q.operand_count = 2;
	q.operands[1] = op_rm(g, s, 0);
	q.operands[0] = op_reg(g, s, 0);
	if (!emit_req(g, &q))
		return false;
	if (rng_below(g->rng, 4) == 0) {
		if (g->f->kind & K_MEM)
			mem_put(c, g->ea, 0, s / 8);
		else
			reg_put(c, q.operands[1].reg.value, 0);
	}
	src = (g->f->kind & K_MEM) ? mem_get(c, g->ea, s / 8) : reg_get(c, q.operands[1].reg.value);
	if (src == 0)
		c->undef_bits[gpr_index(q.operands[0].reg.value)] = ~0ull;
	return true;
}

static bool gen_bswap(struct gen *g)
{
	ZydisEncoderRequest q = req_new(g);

	q.operand_count = 1;
	q.operands[0] = op_reg(g, g->f->size, 0);
	return emit_req(g, &q);
}

static const struct form rows[] = {
	{ "bt r/m16, r16 (reg)", gen_bt, ZYDIS_MNEMONIC_BT, OPC_0F | 0xa3, 16, SH_RM_R, U_BT, NULL },
	{ "bt r/m16, imm8 (reg)", gen_bt, ZYDIS_MNEMONIC_BT, OPC_0F | 0xba, 16, SH_RM_IMM8, U_BT, NULL },
	{ "bt r/m16, r16 (mem)", gen_bt, ZYDIS_MNEMONIC_BT, OPC_0F | 0xa3, 16, SH_RM_R | K_MEM, U_BT, NULL },
	{ "bt r/m16, imm8 (mem)", gen_bt, ZYDIS_MNEMONIC_BT, OPC_0F | 0xba, 16, SH_RM_IMM8 | K_MEM, U_BT, NULL },
	{ "bt r/m32, r32 (reg)", gen_bt, ZYDIS_MNEMONIC_BT, OPC_0F | 0xa3, 32, SH_RM_R, U_BT, NULL },
	{ "bt r/m32, imm8 (reg)", gen_bt, ZYDIS_MNEMONIC_BT, OPC_0F | 0xba, 32, SH_RM_IMM8, U_BT, NULL },
	{ "bt r/m32, r32 (mem)", gen_bt, ZYDIS_MNEMONIC_BT, OPC_0F | 0xa3, 32, SH_RM_R | K_MEM, U_BT, NULL },
	{ "bt r/m32, imm8 (mem)", gen_bt, ZYDIS_MNEMONIC_BT, OPC_0F | 0xba, 32, SH_RM_IMM8 | K_MEM, U_BT, NULL },
	{ "bt r/m64, r64 (reg)", gen_bt, ZYDIS_MNEMONIC_BT, OPC_0F | 0xa3, 64, SH_RM_R, U_BT, NULL },
	{ "bt r/m64, imm8 (reg)", gen_bt, ZYDIS_MNEMONIC_BT, OPC_0F | 0xba, 64, SH_RM_IMM8, U_BT, NULL },
	{ "bt r/m64, r64 (mem)", gen_bt, ZYDIS_MNEMONIC_BT, OPC_0F | 0xa3, 64, SH_RM_R | K_MEM, U_BT, NULL },
	{ "bt r/m64, imm8 (mem)", gen_bt, ZYDIS_MNEMONIC_BT, OPC_0F | 0xba, 64, SH_RM_IMM8 | K_MEM, U_BT, NULL },
	{ "bts r/m16, r16 (reg)", gen_bt, ZYDIS_MNEMONIC_BTS, OPC_0F | 0xab, 16, SH_RM_R, U_BT, NULL },
	{ "bts r/m16, imm8 (reg)", gen_bt, ZYDIS_MNEMONIC_BTS, OPC_0F | 0xba, 16, SH_RM_IMM8, U_BT, NULL },
	{ "bts r/m16, r16 (mem)", gen_bt, ZYDIS_MNEMONIC_BTS, OPC_0F | 0xab, 16, SH_RM_R | K_MEM, U_BT, NULL },
	{ "bts r/m16, imm8 (mem)", gen_bt, ZYDIS_MNEMONIC_BTS, OPC_0F | 0xba, 16, SH_RM_IMM8 | K_MEM, U_BT, NULL },
	{ "bts r/m32, r32 (reg)", gen_bt, ZYDIS_MNEMONIC_BTS, OPC_0F | 0xab, 32, SH_RM_R, U_BT, NULL },
	{ "bts r/m32, imm8 (reg)", gen_bt, ZYDIS_MNEMONIC_BTS, OPC_0F | 0xba, 32, SH_RM_IMM8, U_BT, NULL },
	{ "bts r/m32, r32 (mem)", gen_bt, ZYDIS_MNEMONIC_BTS, OPC_0F | 0xab, 32, SH_RM_R | K_MEM, U_BT, NULL },
	{ "bts r/m32, imm8 (mem)", gen_bt, ZYDIS_MNEMONIC_BTS, OPC_0F | 0xba, 32, SH_RM_IMM8 | K_MEM, U_BT, NULL },
	{ "bts r/m64, r64 (reg)", gen_bt, ZYDIS_MNEMONIC_BTS, OPC_0F | 0xab, 64, SH_RM_R, U_BT, NULL },
	{ "bts r/m64, imm8 (reg)", gen_bt, ZYDIS_MNEMONIC_BTS, OPC_0F | 0xba, 64, SH_RM_IMM8, U_BT, NULL },
	{ "bts r/m64, r64 (mem)", gen_bt, ZYDIS_MNEMONIC_BTS, OPC_0F | 0xab, 64, SH_RM_R | K_MEM, U_BT, NULL },
	{ "bts r/m64, imm8 (mem)", gen_bt, ZYDIS_MNEMONIC_BTS, OPC_0F | 0xba, 64, SH_RM_IMM8 | K_MEM, U_BT, NULL },
	{ "btr r/m16, r16 (reg)", gen_bt, ZYDIS_MNEMONIC_BTR, OPC_0F | 0xb3, 16, SH_RM_R, U_BT, NULL },
	{ "btr r/m16, imm8 (reg)", gen_bt, ZYDIS_MNEMONIC_BTR, OPC_0F | 0xba, 16, SH_RM_IMM8, U_BT, NULL },
	{ "btr r/m16, r16 (mem)", gen_bt, ZYDIS_MNEMONIC_BTR, OPC_0F | 0xb3, 16, SH_RM_R | K_MEM, U_BT, NULL },
	{ "btr r/m16, imm8 (mem)", gen_bt, ZYDIS_MNEMONIC_BTR, OPC_0F | 0xba, 16, SH_RM_IMM8 | K_MEM, U_BT, NULL },
	{ "btr r/m32, r32 (reg)", gen_bt, ZYDIS_MNEMONIC_BTR, OPC_0F | 0xb3, 32, SH_RM_R, U_BT, NULL },
	{ "btr r/m32, imm8 (reg)", gen_bt, ZYDIS_MNEMONIC_BTR, OPC_0F | 0xba, 32, SH_RM_IMM8, U_BT, NULL },
	{ "btr r/m32, r32 (mem)", gen_bt, ZYDIS_MNEMONIC_BTR, OPC_0F | 0xb3, 32, SH_RM_R | K_MEM, U_BT, NULL },
	{ "btr r/m32, imm8 (mem)", gen_bt, ZYDIS_MNEMONIC_BTR, OPC_0F | 0xba, 32, SH_RM_IMM8 | K_MEM, U_BT, NULL },
	{ "btr r/m64, r64 (reg)", gen_bt, ZYDIS_MNEMONIC_BTR, OPC_0F | 0xb3, 64, SH_RM_R, U_BT, NULL },
	{ "btr r/m64, imm8 (reg)", gen_bt, ZYDIS_MNEMONIC_BTR, OPC_0F | 0xba, 64, SH_RM_IMM8, U_BT, NULL },
	{ "btr r/m64, r64 (mem)", gen_bt, ZYDIS_MNEMONIC_BTR, OPC_0F | 0xb3, 64, SH_RM_R | K_MEM, U_BT, NULL },
	{ "btr r/m64, imm8 (mem)", gen_bt, ZYDIS_MNEMONIC_BTR, OPC_0F | 0xba, 64, SH_RM_IMM8 | K_MEM, U_BT, NULL },
	{ "btc r/m16, r16 (reg)", gen_bt, ZYDIS_MNEMONIC_BTC, OPC_0F | 0xbb, 16, SH_RM_R, U_BT, NULL },
	{ "btc r/m16, imm8 (reg)", gen_bt, ZYDIS_MNEMONIC_BTC, OPC_0F | 0xba, 16, SH_RM_IMM8, U_BT, NULL },
	{ "btc r/m16, r16 (mem)", gen_bt, ZYDIS_MNEMONIC_BTC, OPC_0F | 0xbb, 16, SH_RM_R | K_MEM, U_BT, NULL },
	{ "btc r/m16, imm8 (mem)", gen_bt, ZYDIS_MNEMONIC_BTC, OPC_0F | 0xba, 16, SH_RM_IMM8 | K_MEM, U_BT, NULL },
	{ "btc r/m32, r32 (reg)", gen_bt, ZYDIS_MNEMONIC_BTC, OPC_0F | 0xbb, 32, SH_RM_R, U_BT, NULL },
	{ "btc r/m32, imm8 (reg)", gen_bt, ZYDIS_MNEMONIC_BTC, OPC_0F | 0xba, 32, SH_RM_IMM8, U_BT, NULL },
	{ "btc r/m32, r32 (mem)", gen_bt, ZYDIS_MNEMONIC_BTC, OPC_0F | 0xbb, 32, SH_RM_R | K_MEM, U_BT, NULL },
	{ "btc r/m32, imm8 (mem)", gen_bt, ZYDIS_MNEMONIC_BTC, OPC_0F | 0xba, 32, SH_RM_IMM8 | K_MEM, U_BT, NULL },
	{ "btc r/m64, r64 (reg)", gen_bt, ZYDIS_MNEMONIC_BTC, OPC_0F | 0xbb, 64, SH_RM_R, U_BT, NULL },
	{ "btc r/m64, imm8 (reg)", gen_bt, ZYDIS_MNEMONIC_BTC, OPC_0F | 0xba, 64, SH_RM_IMM8, U_BT, NULL },
	{ "btc r/m64, r64 (mem)", gen_bt, ZYDIS_MNEMONIC_BTC, OPC_0F | 0xbb, 64, SH_RM_R | K_MEM, U_BT, NULL },
	{ "btc r/m64, imm8 (mem)", gen_bt, ZYDIS_MNEMONIC_BTC, OPC_0F | 0xba, 64, SH_RM_IMM8 | K_MEM, U_BT, NULL },
	{ "lock bts r/m16, r16", gen_bt, ZYDIS_MNEMONIC_BTS, OPC_0F | 0xab, 16, SH_RM_R | K_MEM | K_LOCK, U_BT, NULL },
	{ "lock bts r/m16, imm8", gen_bt, ZYDIS_MNEMONIC_BTS, OPC_0F | 0xba, 16, SH_RM_IMM8 | K_MEM | K_LOCK, U_BT, NULL },
	{ "lock bts r/m32, r32", gen_bt, ZYDIS_MNEMONIC_BTS, OPC_0F | 0xab, 32, SH_RM_R | K_MEM | K_LOCK, U_BT, NULL },
	{ "lock bts r/m32, imm8", gen_bt, ZYDIS_MNEMONIC_BTS, OPC_0F | 0xba, 32, SH_RM_IMM8 | K_MEM | K_LOCK, U_BT, NULL },
	{ "lock bts r/m64, r64", gen_bt, ZYDIS_MNEMONIC_BTS, OPC_0F | 0xab, 64, SH_RM_R | K_MEM | K_LOCK, U_BT, NULL },
	{ "lock bts r/m64, imm8", gen_bt, ZYDIS_MNEMONIC_BTS, OPC_0F | 0xba, 64, SH_RM_IMM8 | K_MEM | K_LOCK, U_BT, NULL },
	{ "lock btr r/m16, r16", gen_bt, ZYDIS_MNEMONIC_BTR, OPC_0F | 0xb3, 16, SH_RM_R | K_MEM | K_LOCK, U_BT, NULL },
	{ "lock btr r/m16, imm8", gen_bt, ZYDIS_MNEMONIC_BTR, OPC_0F | 0xba, 16, SH_RM_IMM8 | K_MEM | K_LOCK, U_BT, NULL },
	{ "lock btr r/m32, r32", gen_bt, ZYDIS_MNEMONIC_BTR, OPC_0F | 0xb3, 32, SH_RM_R | K_MEM | K_LOCK, U_BT, NULL },
	{ "lock btr r/m32, imm8", gen_bt, ZYDIS_MNEMONIC_BTR, OPC_0F | 0xba, 32, SH_RM_IMM8 | K_MEM | K_LOCK, U_BT, NULL },
	{ "lock btr r/m64, r64", gen_bt, ZYDIS_MNEMONIC_BTR, OPC_0F | 0xb3, 64, SH_RM_R | K_MEM | K_LOCK, U_BT, NULL },
	{ "lock btr r/m64, imm8", gen_bt, ZYDIS_MNEMONIC_BTR, OPC_0F | 0xba, 64, SH_RM_IMM8 | K_MEM | K_LOCK, U_BT, NULL },
	{ "lock btc r/m16, r16", gen_bt, ZYDIS_MNEMONIC_BTC, OPC_0F | 0xbb, 16, SH_RM_R | K_MEM | K_LOCK, U_BT, NULL },
	{ "lock btc r/m16, imm8", gen_bt, ZYDIS_MNEMONIC_BTC, OPC_0F | 0xba, 16, SH_RM_IMM8 | K_MEM | K_LOCK, U_BT, NULL },
	{ "lock btc r/m32, r32", gen_bt, ZYDIS_MNEMONIC_BTC, OPC_0F | 0xbb, 32, SH_RM_R | K_MEM | K_LOCK, U_BT, NULL },
	{ "lock btc r/m32, imm8", gen_bt, ZYDIS_MNEMONIC_BTC, OPC_0F | 0xba, 32, SH_RM_IMM8 | K_MEM | K_LOCK, U_BT, NULL },
	{ "lock btc r/m64, r64", gen_bt, ZYDIS_MNEMONIC_BTC, OPC_0F | 0xbb, 64, SH_RM_R | K_MEM | K_LOCK, U_BT, NULL },
	{ "lock btc r/m64, imm8", gen_bt, ZYDIS_MNEMONIC_BTC, OPC_0F | 0xba, 64, SH_RM_IMM8 | K_MEM | K_LOCK, U_BT, NULL },
	{ "bsf r16, r/m16 (reg)", gen_bsf, ZYDIS_MNEMONIC_BSF, OPC_0F | 0xbc, 16, SH_R_RM, U_BSF, NULL },
	{ "bsf r16, r/m16 (mem)", gen_bsf, ZYDIS_MNEMONIC_BSF, OPC_0F | 0xbc, 16, SH_R_RM | K_MEM, U_BSF, NULL },
	{ "bsf r32, r/m32 (reg)", gen_bsf, ZYDIS_MNEMONIC_BSF, OPC_0F | 0xbc, 32, SH_R_RM, U_BSF, NULL },
	{ "bsf r32, r/m32 (mem)", gen_bsf, ZYDIS_MNEMONIC_BSF, OPC_0F | 0xbc, 32, SH_R_RM | K_MEM, U_BSF, NULL },
	{ "bsf r64, r/m64 (reg)", gen_bsf, ZYDIS_MNEMONIC_BSF, OPC_0F | 0xbc, 64, SH_R_RM, U_BSF, NULL },
	{ "bsf r64, r/m64 (mem)", gen_bsf, ZYDIS_MNEMONIC_BSF, OPC_0F | 0xbc, 64, SH_R_RM | K_MEM, U_BSF, NULL },
	{ "bsr r16, r/m16 (reg)", gen_bsf, ZYDIS_MNEMONIC_BSR, OPC_0F | 0xbd, 16, SH_R_RM, U_BSF, NULL },
	{ "bsr r16, r/m16 (mem)", gen_bsf, ZYDIS_MNEMONIC_BSR, OPC_0F | 0xbd, 16, SH_R_RM | K_MEM, U_BSF, NULL },
	{ "bsr r32, r/m32 (reg)", gen_bsf, ZYDIS_MNEMONIC_BSR, OPC_0F | 0xbd, 32, SH_R_RM, U_BSF, NULL },
	{ "bsr r32, r/m32 (mem)", gen_bsf, ZYDIS_MNEMONIC_BSR, OPC_0F | 0xbd, 32, SH_R_RM | K_MEM, U_BSF, NULL },
	{ "bsr r64, r/m64 (reg)", gen_bsf, ZYDIS_MNEMONIC_BSR, OPC_0F | 0xbd, 64, SH_R_RM, U_BSF, NULL },
	{ "bsr r64, r/m64 (mem)", gen_bsf, ZYDIS_MNEMONIC_BSR, OPC_0F | 0xbd, 64, SH_R_RM | K_MEM, U_BSF, NULL },
	{ "bswap r32", gen_bswap, ZYDIS_MNEMONIC_BSWAP, OPC_0F | 0xc8, 32, SH_R, 0, NULL },
	{ "bswap r64", gen_bswap, ZYDIS_MNEMONIC_BSWAP, OPC_0F | 0xc8, 64, SH_R, 0, NULL },
};

const struct form_table forms_bit = { rows, sizeof(rows) / sizeof(rows[0]) };
