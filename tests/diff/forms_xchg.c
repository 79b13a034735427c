/* forms_xchg.c - XCHG, XADD, CMPXCHG, CMPXCHG8B, CMPXCHG16B, with and without LOCK. */
#include "difftest.h"

/*
 * XCHG with memory is locked whether or not it says so (SDM Vol. 2C, XCHG),
 * and every LOCK form here is kept naturally aligned so no access is a
 * split lock. 90+r is XCHG rAX, r, except that 90 itself (and 66 90,
 * 48 90) is NOP; with REX.B, 41 90 is XCHG r8d, eax.
 */
static bool gen_xchg(struct gen *g)
{
	const struct form *f = g->f;
	int s = f->size;
	ZydisEncoderRequest q = req_new(g);
	ZydisEncoderOperand a, b;

	switch (f->kind & K_SHAPE) {
	case SH_ACC_R: {
		int k = 1 + (int)rng_below(g->rng, NGPR - 1);
		return emit_opreg(g, s, 0x90, gpr_reg(k, s), NULL, 0);
	}
	default:
		if (!(f->kind & K_MEM)) {
			/* By hand: Zydis turns some register pairs into 90+r. */
			a = op_reg(g, s, 0);
			b = op_reg(g, s, 0);
			return emit_modrm_reg(g, s, f->opcode, -1, b.reg.value, a.reg.value, NULL, 0);
		}
		q.operand_count = 2;
		q.operands[0] = op_mem_at(g, pick_ea(g, s / 8, s / 8), s / 8, 0);
		q.operands[1] = op_reg(g, s, 0);
		return emit_req(g, &q);
	}
}

/* XADD: the sum goes to the destination, the old destination to the source; flags as ADD. */
static bool gen_xadd(struct gen *g)
{
	ZydisEncoderRequest q = req_new(g);

	q.operand_count = 2;
	q.operands[0] = op_rm(g, g->f->size, 0);
	q.operands[1] = op_reg(g, g->f->size, 0);
	return emit_req(g, &q);
}

/*
 * CMPXCHG compares the accumulator with the destination (flags as CMP);
 * equal: destination <- source, else accumulator <- destination (Vol. 2A,
 * CMPXCHG). Half the cases make them equal. With 32-bit operands which of
 * RAX and the destination get their upper halves cleared depends on the
 * outcome, which is what this is after.
 */
static bool gen_cmpxchg(struct gen *g)
{
	struct dt_case *c = g->c;
	int s = g->f->size;
	bool equal = rng_below(g->rng, 2) == 0;
	ZydisEncoderRequest q = req_new(g);
	uint64_t v;

	q.operand_count = 2;
	q.operands[0] = op_rm(g, s, equal ? 1u << RAX : 0);
	q.operands[1] = op_reg(g, s, 0);
	if (!emit_req(g, &q))
		return false;
	if (equal) {
		v = (g->f->kind & K_MEM) ? mem_get(c, g->ea, s / 8) : reg_get(c, q.operands[0].reg.value);
		reg_put(c, gpr_reg(RAX, s), v);
	} else if (s == 32 && !(g->f->kind & K_MEM)) {
		/*
		 * A vendor difference, not compared: the SDM's pseudocode writes
		 * the destination back when the comparison fails (DEST := TEMP),
		 * so a 32-bit register destination is zero-extended, which vtsim
		 * follows; AMD processors leave the register untouched.
		 */
		c->undef_bits[gpr_index(q.operands[0].reg.value)] |= 0xffffffff00000000ull;
	}
	return true;
}

/*
 * CMPXCHG8B compares EDX:EAX with m64 and CMPXCHG16B RDX:RAX with m128
 * (which must be 16-byte aligned, else #GP); equal: m <- ECX:EBX or
 * RCX:RBX, else EDX:EAX <- m. Only ZF changes (Vol. 2A, CMPXCHG8B/16B).
 */
static bool gen_cmpxchg8b(struct gen *g)
{
	struct dt_case *c = g->c;
	bool wide = g->f->mnem == ZYDIS_MNEMONIC_CMPXCHG16B;
	int bytes = wide ? 16 : 8, half = bytes / 2;
	bool equal = rng_below(g->rng, 2) == 0;
	ZydisEncoderRequest q = req_new(g);

	q.operand_count = 1;
	q.operands[0] = op_mem_at(g, pick_ea(g, bytes, wide || (g->f->kind & K_LOCK) ? bytes : 1),
				  bytes, (1u << RAX) | (1u << RDX));
	if (!emit_req(g, &q))
		return false;
	if (equal) {
		reg_put(c, gpr_reg(RAX, half * 8), mem_get(c, g->ea, half));
		reg_put(c, gpr_reg(RDX, half * 8), mem_get(c, g->ea + half, half));
	} else if (rng_below(g->rng, 2) == 0) {
		/* Equal low halves, different high halves. */
		reg_put(c, gpr_reg(RAX, half * 8), mem_get(c, g->ea, half));
	}
	return true;
}

static const struct form rows[] = {
	{ "xchg r/m8, r8 (reg)", gen_xchg, ZYDIS_MNEMONIC_XCHG, 0x86, 8, SH_RM_R, 0, NULL },
	{ "xchg r/m8, r8 (mem)", gen_xchg, ZYDIS_MNEMONIC_XCHG, 0x86, 8, SH_RM_R | K_MEM, 0, NULL },
	{ "xchg r/m16, r16 (reg)", gen_xchg, ZYDIS_MNEMONIC_XCHG, 0x87, 16, SH_RM_R, 0, NULL },
	{ "xchg r/m16, r16 (mem)", gen_xchg, ZYDIS_MNEMONIC_XCHG, 0x87, 16, SH_RM_R | K_MEM, 0, NULL },
	{ "xchg r/m32, r32 (reg)", gen_xchg, ZYDIS_MNEMONIC_XCHG, 0x87, 32, SH_RM_R, 0, NULL },
	{ "xchg r/m32, r32 (mem)", gen_xchg, ZYDIS_MNEMONIC_XCHG, 0x87, 32, SH_RM_R | K_MEM, 0, NULL },
	{ "xchg r/m64, r64 (reg)", gen_xchg, ZYDIS_MNEMONIC_XCHG, 0x87, 64, SH_RM_R, 0, NULL },
	{ "xchg r/m64, r64 (mem)", gen_xchg, ZYDIS_MNEMONIC_XCHG, 0x87, 64, SH_RM_R | K_MEM, 0, NULL },
	{ "xchg ax, r16", gen_xchg, ZYDIS_MNEMONIC_XCHG, 0x90, 16, SH_ACC_R, 0, NULL },
	{ "xchg eax, r32", gen_xchg, ZYDIS_MNEMONIC_XCHG, 0x90, 32, SH_ACC_R, 0, NULL },
	{ "xchg rax, r64", gen_xchg, ZYDIS_MNEMONIC_XCHG, 0x90, 64, SH_ACC_R, 0, NULL },
	{ "xadd r/m8, r8 (reg)", gen_xadd, ZYDIS_MNEMONIC_XADD, OPC_0F | 0xc0, 8, SH_RM_R, 0, NULL },
	{ "xadd r/m8, r8 (mem)", gen_xadd, ZYDIS_MNEMONIC_XADD, OPC_0F | 0xc0, 8, SH_RM_R | K_MEM, 0, NULL },
	{ "xadd r/m16, r16 (reg)", gen_xadd, ZYDIS_MNEMONIC_XADD, OPC_0F | 0xc1, 16, SH_RM_R, 0, NULL },
	{ "xadd r/m16, r16 (mem)", gen_xadd, ZYDIS_MNEMONIC_XADD, OPC_0F | 0xc1, 16, SH_RM_R | K_MEM, 0, NULL },
	{ "xadd r/m32, r32 (reg)", gen_xadd, ZYDIS_MNEMONIC_XADD, OPC_0F | 0xc1, 32, SH_RM_R, 0, NULL },
	{ "xadd r/m32, r32 (mem)", gen_xadd, ZYDIS_MNEMONIC_XADD, OPC_0F | 0xc1, 32, SH_RM_R | K_MEM, 0, NULL },
	{ "xadd r/m64, r64 (reg)", gen_xadd, ZYDIS_MNEMONIC_XADD, OPC_0F | 0xc1, 64, SH_RM_R, 0, NULL },
	{ "xadd r/m64, r64 (mem)", gen_xadd, ZYDIS_MNEMONIC_XADD, OPC_0F | 0xc1, 64, SH_RM_R | K_MEM, 0, NULL },
	{ "lock xadd r/m8, r8", gen_xadd, ZYDIS_MNEMONIC_XADD, OPC_0F | 0xc0, 8, SH_RM_R | K_MEM | K_LOCK, 0, NULL },
	{ "lock xadd r/m16, r16", gen_xadd, ZYDIS_MNEMONIC_XADD, OPC_0F | 0xc1, 16, SH_RM_R | K_MEM | K_LOCK, 0, NULL },
	{ "lock xadd r/m32, r32", gen_xadd, ZYDIS_MNEMONIC_XADD, OPC_0F | 0xc1, 32, SH_RM_R | K_MEM | K_LOCK, 0, NULL },
	{ "lock xadd r/m64, r64", gen_xadd, ZYDIS_MNEMONIC_XADD, OPC_0F | 0xc1, 64, SH_RM_R | K_MEM | K_LOCK, 0, NULL },
	{ "cmpxchg r/m8, r8 (reg)", gen_cmpxchg, ZYDIS_MNEMONIC_CMPXCHG, OPC_0F | 0xb0, 8, SH_RM_R, 0, NULL },
	{ "cmpxchg r/m8, r8 (mem)", gen_cmpxchg, ZYDIS_MNEMONIC_CMPXCHG, OPC_0F | 0xb0, 8, SH_RM_R | K_MEM, 0, NULL },
	{ "cmpxchg r/m16, r16 (reg)", gen_cmpxchg, ZYDIS_MNEMONIC_CMPXCHG, OPC_0F | 0xb1, 16, SH_RM_R, 0, NULL },
	{ "cmpxchg r/m16, r16 (mem)", gen_cmpxchg, ZYDIS_MNEMONIC_CMPXCHG, OPC_0F | 0xb1, 16, SH_RM_R | K_MEM, 0, NULL },
	{ "cmpxchg r/m32, r32 (reg)", gen_cmpxchg, ZYDIS_MNEMONIC_CMPXCHG, OPC_0F | 0xb1, 32, SH_RM_R, 0, NULL },
	{ "cmpxchg r/m32, r32 (mem)", gen_cmpxchg, ZYDIS_MNEMONIC_CMPXCHG, OPC_0F | 0xb1, 32, SH_RM_R | K_MEM, 0, NULL },
	{ "cmpxchg r/m64, r64 (reg)", gen_cmpxchg, ZYDIS_MNEMONIC_CMPXCHG, OPC_0F | 0xb1, 64, SH_RM_R, 0, NULL },
	{ "cmpxchg r/m64, r64 (mem)", gen_cmpxchg, ZYDIS_MNEMONIC_CMPXCHG, OPC_0F | 0xb1, 64, SH_RM_R | K_MEM, 0, NULL },
	{ "lock cmpxchg r/m8, r8", gen_cmpxchg, ZYDIS_MNEMONIC_CMPXCHG, OPC_0F | 0xb0, 8, SH_RM_R | K_MEM | K_LOCK, 0, NULL },
	{ "lock cmpxchg r/m16, r16", gen_cmpxchg, ZYDIS_MNEMONIC_CMPXCHG, OPC_0F | 0xb1, 16, SH_RM_R | K_MEM | K_LOCK, 0, NULL },
	{ "lock cmpxchg r/m32, r32", gen_cmpxchg, ZYDIS_MNEMONIC_CMPXCHG, OPC_0F | 0xb1, 32, SH_RM_R | K_MEM | K_LOCK, 0, NULL },
	{ "lock cmpxchg r/m64, r64", gen_cmpxchg, ZYDIS_MNEMONIC_CMPXCHG, OPC_0F | 0xb1, 64, SH_RM_R | K_MEM | K_LOCK, 0, NULL },
	{ "cmpxchg8b m64", gen_cmpxchg8b, ZYDIS_MNEMONIC_CMPXCHG8B, OPC_0F | 0xc7, 0, SH_M | K_MEM, 0, NULL },
	{ "cmpxchg16b m128", gen_cmpxchg8b, ZYDIS_MNEMONIC_CMPXCHG16B, OPC_0F | 0xc7, 0, SH_M | K_MEM, 0, NULL },
	{ "lock cmpxchg8b m64", gen_cmpxchg8b, ZYDIS_MNEMONIC_CMPXCHG8B, OPC_0F | 0xc7, 0, SH_M | K_MEM | K_LOCK, 0, NULL },
	{ "lock cmpxchg16b m128", gen_cmpxchg8b, ZYDIS_MNEMONIC_CMPXCHG16B, OPC_0F | 0xc7, 0, SH_M | K_MEM | K_LOCK, 0, NULL },
};

const struct form_table forms_xchg = { rows, sizeof(rows) / sizeof(rows[0]) };
