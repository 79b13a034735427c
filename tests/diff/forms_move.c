/* forms_move.c - MOV (incl. moffs and imm64), MOVZX MOVSX MOVSXD, LEA, CBW..CQO, XLAT. */
#include <string.h>

#include "difftest.h"

/* [disp32] with the accumulator is what Zydis encodes as moffs (A0-A3). */
static bool is_moffs_shaped(const ZydisEncoderOperand *m, const ZydisEncoderOperand *r)
{
	return m->mem.base == ZYDIS_REGISTER_NONE && m->mem.index == ZYDIS_REGISTER_NONE &&
	       gpr_index(r->reg.value) == RAX && !reg_is_high8(r->reg.value);
}

static bool gen_mov(struct gen *g)
{
	const struct form *f = g->f;
	int s = f->size, immbits = s > 32 ? 32 : s;
	ZydisEncoderRequest q = req_new(g);
	ZydisEncoderOperand a, b;
	uint64_t imm;

	q.operand_count = 2;
	switch (f->kind & K_SHAPE) {
	case SH_RM_R:
		if (!(f->kind & K_MEM)) {
			a = op_reg(g, s, 0);
			b = op_reg(g, s, 0);
			return emit_modrm_reg(g, s, f->opcode, -1, b.reg.value, a.reg.value, NULL, 0);
		}
		q.operands[0] = op_rm(g, s, 0);
		q.operands[1] = op_reg(g, s, 0);
		if (is_moffs_shaped(&q.operands[0], &q.operands[1]))
			return false;
		return emit_req(g, &q);
	case SH_R_RM:
		if (!(f->kind & K_MEM)) {
			a = op_reg(g, s, 0);
			b = op_reg(g, s, 0);
			return emit_modrm_reg(g, s, f->opcode, -1, a.reg.value, b.reg.value, NULL, 0);
		}
		q.operands[1] = op_rm(g, s, 0);
		q.operands[0] = op_reg(g, s, 0);
		if (is_moffs_shaped(&q.operands[1], &q.operands[0]))
			return false;
		return emit_req(g, &q);
	case SH_RM_IMM:
		/* C6/C7 /0; with a register Zydis would pick B0+r/B8+r. */
		imm = rand_imm(g, immbits);
		if (!(f->kind & K_MEM)) {
			a = op_reg(g, s, 0);
			return emit_modrm_reg(g, s, f->opcode, 0, ZYDIS_REGISTER_NONE, a.reg.value,
					      (const uint8_t *)&imm, immbits / 8);
		}
		q.operands[0] = op_rm(g, s, 0);
		q.operands[1] = op_imm(imm);
		return emit_req(g, &q);
	case SH_R_IMM:
		/* B0+r ib, B8+r iw/id/io: the only MOV with a 64-bit immediate. */
		imm = rand_imm(g, s);
		q.operands[0] = op_reg(g, s, 0);
		q.operands[1] = op_imm(s == 64 ? 0x123456789abcdef0ull : imm);
		if (!emit_req(g, &q))
			return false;
		patch_imm(g, s / 8, imm);
		return true;
	default: {
		/* A0-A3: a moffs is a bare address as wide as the address size. */
		bool load = (f->kind & K_SHAPE) == SH_MOFFS_LOAD;
		uint64_t ea = pick_ea(g, s / 8, 1);
		ZydisEncoderOperand acc = op_fixed(g, gpr_reg(RAX, s));
		uint8_t bytes[2 + 8];
		int n;

		if (f->kind & K_A32) {
			ZydisEncoderOperand m = { .type = ZYDIS_OPERAND_TYPE_MEMORY };
			m.mem.displacement = (int64_t)ea;
			m.mem.size = (ZyanU16)(s / 8);
			q.operands[load ? 0 : 1] = acc;
			q.operands[load ? 1 : 0] = m;
			return emit_req(g, &q);
		}
		/* Zydis shortens an address below 4 GiB to the 67 form: encode by hand. */
		n = 0;
		if (s == 16)
			bytes[n++] = 0x66;
		if (s == 64)
			bytes[n++] = 0x48;
		bytes[n++] = (uint8_t)f->opcode;
		memcpy(bytes + n, &ea, 8);
		return emit_bytes(g, bytes, (size_t)n + 8);
	}
	}
}

/* MOVZX, MOVSX, MOVSXD: the source size follows from the opcode. */
static bool gen_movx(struct gen *g)
{
	const struct form *f = g->f;
	int op = f->opcode & 0xff;
	int src = op == 0x63 ? 32 : (op == 0xb6 || op == 0xbe) ? 8 : 16;
	ZydisEncoderRequest q = req_new(g);

	q.operand_count = 2;
	q.operands[1] = op_rm(g, src, 0);
	q.operands[0] = op_reg(g, f->size, 0);
	return emit_req(g, &q);
}

/*
 * LEA computes an address and touches no memory, so its registers keep
 * their random 64-bit values: the sum wraps, and with 0x67 it is truncated
 * to 32 bits before being zero-extended or cut to the operand size (SDM
 * Vol. 2A, LEA, "64-bit Mode LEA Operation with Address and Operand Size
 * Attributes").
 * The addressing form is the form's K_AM.
 */
static bool gen_lea(struct gen *g)
{
	const struct form *f = g->f;
	int am = form_am(f);
	ZydisEncoderRequest q = req_new(g);
	static const int mem_sizes[] = { 8, 4, 2 };

	q.operand_count = 2;
	q.operands[0] = op_reg(g, f->size, 0);
	q.operands[1] = op_mem_free(g, 0, (f->kind & K_A32) != 0, am);
	/* Zydis wants a memory "size" for LEA that depends on the form; try them. */
	for (size_t i = 0; i < sizeof(mem_sizes) / sizeof(mem_sizes[0]); i++) {
		q.operands[1].mem.size = (ZyanU16)mem_sizes[i];
		if (emit_req(g, &q))
			return true;
	}
	return false;
}

/* No explicit operands: CBW CWDE CDQE CWD CDQ CQO. */
static bool gen_plain(struct gen *g)
{
	ZydisEncoderRequest q = req_new(g);

	return emit_req(g, &q);
}

/*
 * XLAT loads [RBX + zero-extended AL] into AL; with 0x67 the table is at
 * EBX and the upper half of RBX must not matter (SDM Vol. 2C, XLAT/XLATB).
 */
static bool gen_xlat(struct gen *g)
{
	ZydisEncoderRequest q = req_new(g);
	uint64_t table = DATA_BASE + 64 + rng_below(g->rng, DATA_SIZE - 256 - 128);

	if (g->f->kind & K_A32) {
		table |= rng_next(g->rng) << 32;
		q.address_size_hint = ZYDIS_ADDRESS_SIZE_HINT_32;
	}
	reg_put(g->c, ZYDIS_REGISTER_RBX, table);
	return emit_req(g, &q);
}

static const struct form rows[] = {
	{ "mov r/m8, r8 (reg)", gen_mov, ZYDIS_MNEMONIC_MOV, 0x88, 8, SH_RM_R, 0, NULL },
	{ "mov r/m8, r8 (mem)", gen_mov, ZYDIS_MNEMONIC_MOV, 0x88, 8, SH_RM_R | K_MEM, 0, NULL },
	{ "mov r8, r/m8 (reg)", gen_mov, ZYDIS_MNEMONIC_MOV, 0x8a, 8, SH_R_RM, 0, NULL },
	{ "mov r8, r/m8 (mem)", gen_mov, ZYDIS_MNEMONIC_MOV, 0x8a, 8, SH_R_RM | K_MEM, 0, NULL },
	{ "mov r/m8, imm8 (reg)", gen_mov, ZYDIS_MNEMONIC_MOV, 0xc6, 8, SH_RM_IMM, 0, NULL },
	{ "mov r/m8, imm8 (mem)", gen_mov, ZYDIS_MNEMONIC_MOV, 0xc6, 8, SH_RM_IMM | K_MEM, 0, NULL },
	{ "mov r8, imm8", gen_mov, ZYDIS_MNEMONIC_MOV, 0xb0, 8, SH_R_IMM, 0, NULL },
	{ "mov r/m16, r16 (reg)", gen_mov, ZYDIS_MNEMONIC_MOV, 0x89, 16, SH_RM_R, 0, NULL },
	{ "mov r/m16, r16 (mem)", gen_mov, ZYDIS_MNEMONIC_MOV, 0x89, 16, SH_RM_R | K_MEM, 0, NULL },
	{ "mov r16, r/m16 (reg)", gen_mov, ZYDIS_MNEMONIC_MOV, 0x8b, 16, SH_R_RM, 0, NULL },
	{ "mov r16, r/m16 (mem)", gen_mov, ZYDIS_MNEMONIC_MOV, 0x8b, 16, SH_R_RM | K_MEM, 0, NULL },
	{ "mov r/m16, imm16 (reg)", gen_mov, ZYDIS_MNEMONIC_MOV, 0xc7, 16, SH_RM_IMM, 0, NULL },
	{ "mov r/m16, imm16 (mem)", gen_mov, ZYDIS_MNEMONIC_MOV, 0xc7, 16, SH_RM_IMM | K_MEM, 0, NULL },
	{ "mov r16, imm16", gen_mov, ZYDIS_MNEMONIC_MOV, 0xb8, 16, SH_R_IMM, 0, NULL },
	{ "mov r/m32, r32 (reg)", gen_mov, ZYDIS_MNEMONIC_MOV, 0x89, 32, SH_RM_R, 0, NULL },
	{ "mov r/m32, r32 (mem)", gen_mov, ZYDIS_MNEMONIC_MOV, 0x89, 32, SH_RM_R | K_MEM, 0, NULL },
	{ "mov r32, r/m32 (reg)", gen_mov, ZYDIS_MNEMONIC_MOV, 0x8b, 32, SH_R_RM, 0, NULL },
	{ "mov r32, r/m32 (mem)", gen_mov, ZYDIS_MNEMONIC_MOV, 0x8b, 32, SH_R_RM | K_MEM, 0, NULL },
	{ "mov r/m32, imm32 (reg)", gen_mov, ZYDIS_MNEMONIC_MOV, 0xc7, 32, SH_RM_IMM, 0, NULL },
	{ "mov r/m32, imm32 (mem)", gen_mov, ZYDIS_MNEMONIC_MOV, 0xc7, 32, SH_RM_IMM | K_MEM, 0, NULL },
	{ "mov r32, imm32", gen_mov, ZYDIS_MNEMONIC_MOV, 0xb8, 32, SH_R_IMM, 0, NULL },
	{ "mov r/m64, r64 (reg)", gen_mov, ZYDIS_MNEMONIC_MOV, 0x89, 64, SH_RM_R, 0, NULL },
	{ "mov r/m64, r64 (mem)", gen_mov, ZYDIS_MNEMONIC_MOV, 0x89, 64, SH_RM_R | K_MEM, 0, NULL },
	{ "mov r64, r/m64 (reg)", gen_mov, ZYDIS_MNEMONIC_MOV, 0x8b, 64, SH_R_RM, 0, NULL },
	{ "mov r64, r/m64 (mem)", gen_mov, ZYDIS_MNEMONIC_MOV, 0x8b, 64, SH_R_RM | K_MEM, 0, NULL },
	{ "mov r/m64, imm32 (reg)", gen_mov, ZYDIS_MNEMONIC_MOV, 0xc7, 64, SH_RM_IMM, 0, NULL },
	{ "mov r/m64, imm32 (mem)", gen_mov, ZYDIS_MNEMONIC_MOV, 0xc7, 64, SH_RM_IMM | K_MEM, 0, NULL },
	{ "mov r64, imm64", gen_mov, ZYDIS_MNEMONIC_MOV, 0xb8, 64, SH_R_IMM, 0, NULL },
	{ "mov al, moffs8", gen_mov, ZYDIS_MNEMONIC_MOV, 0xa0, 8, SH_MOFFS_LOAD | K_MEM, 0, NULL },
	{ "mov moffs8, al", gen_mov, ZYDIS_MNEMONIC_MOV, 0xa2, 8, SH_MOFFS_STORE | K_MEM, 0, NULL },
	{ "mov al, moffs8 (a32)", gen_mov, ZYDIS_MNEMONIC_MOV, 0xa0, 8, SH_MOFFS_LOAD | K_MEM | K_A32, 0, NULL },
	{ "mov moffs8, al (a32)", gen_mov, ZYDIS_MNEMONIC_MOV, 0xa2, 8, SH_MOFFS_STORE | K_MEM | K_A32, 0, NULL },
	{ "mov ax, moffs16", gen_mov, ZYDIS_MNEMONIC_MOV, 0xa1, 16, SH_MOFFS_LOAD | K_MEM, 0, NULL },
	{ "mov moffs16, ax", gen_mov, ZYDIS_MNEMONIC_MOV, 0xa3, 16, SH_MOFFS_STORE | K_MEM, 0, NULL },
	{ "mov ax, moffs16 (a32)", gen_mov, ZYDIS_MNEMONIC_MOV, 0xa1, 16, SH_MOFFS_LOAD | K_MEM | K_A32, 0, NULL },
	{ "mov moffs16, ax (a32)", gen_mov, ZYDIS_MNEMONIC_MOV, 0xa3, 16, SH_MOFFS_STORE | K_MEM | K_A32, 0, NULL },
	{ "mov eax, moffs32", gen_mov, ZYDIS_MNEMONIC_MOV, 0xa1, 32, SH_MOFFS_LOAD | K_MEM, 0, NULL },
	{ "mov moffs32, eax", gen_mov, ZYDIS_MNEMONIC_MOV, 0xa3, 32, SH_MOFFS_STORE | K_MEM, 0, NULL },
	{ "mov eax, moffs32 (a32)", gen_mov, ZYDIS_MNEMONIC_MOV, 0xa1, 32, SH_MOFFS_LOAD | K_MEM | K_A32, 0, NULL },
	{ "mov moffs32, eax (a32)", gen_mov, ZYDIS_MNEMONIC_MOV, 0xa3, 32, SH_MOFFS_STORE | K_MEM | K_A32, 0, NULL },
	{ "mov rax, moffs64", gen_mov, ZYDIS_MNEMONIC_MOV, 0xa1, 64, SH_MOFFS_LOAD | K_MEM, 0, NULL },
	{ "mov moffs64, rax", gen_mov, ZYDIS_MNEMONIC_MOV, 0xa3, 64, SH_MOFFS_STORE | K_MEM, 0, NULL },
	{ "mov rax, moffs64 (a32)", gen_mov, ZYDIS_MNEMONIC_MOV, 0xa1, 64, SH_MOFFS_LOAD | K_MEM | K_A32, 0, NULL },
	{ "mov moffs64, rax (a32)", gen_mov, ZYDIS_MNEMONIC_MOV, 0xa3, 64, SH_MOFFS_STORE | K_MEM | K_A32, 0, NULL },
	{ "movzx r16, r/m8 (reg)", gen_movx, ZYDIS_MNEMONIC_MOVZX, OPC_0F | 0xb6, 16, SH_R_RM, 0, NULL },
	{ "movzx r16, r/m8 (mem)", gen_movx, ZYDIS_MNEMONIC_MOVZX, OPC_0F | 0xb6, 16, SH_R_RM | K_MEM, 0, NULL },
	{ "movzx r32, r/m8 (reg)", gen_movx, ZYDIS_MNEMONIC_MOVZX, OPC_0F | 0xb6, 32, SH_R_RM, 0, NULL },
	{ "movzx r32, r/m8 (mem)", gen_movx, ZYDIS_MNEMONIC_MOVZX, OPC_0F | 0xb6, 32, SH_R_RM | K_MEM, 0, NULL },
	{ "movzx r64, r/m8 (reg)", gen_movx, ZYDIS_MNEMONIC_MOVZX, OPC_0F | 0xb6, 64, SH_R_RM, 0, NULL },
	{ "movzx r64, r/m8 (mem)", gen_movx, ZYDIS_MNEMONIC_MOVZX, OPC_0F | 0xb6, 64, SH_R_RM | K_MEM, 0, NULL },
	{ "movzx r32, r/m16 (reg)", gen_movx, ZYDIS_MNEMONIC_MOVZX, OPC_0F | 0xb7, 32, SH_R_RM, 0, NULL },
	{ "movzx r32, r/m16 (mem)", gen_movx, ZYDIS_MNEMONIC_MOVZX, OPC_0F | 0xb7, 32, SH_R_RM | K_MEM, 0, NULL },
	{ "movzx r64, r/m16 (reg)", gen_movx, ZYDIS_MNEMONIC_MOVZX, OPC_0F | 0xb7, 64, SH_R_RM, 0, NULL },
	{ "movzx r64, r/m16 (mem)", gen_movx, ZYDIS_MNEMONIC_MOVZX, OPC_0F | 0xb7, 64, SH_R_RM | K_MEM, 0, NULL },
	{ "movsx r16, r/m8 (reg)", gen_movx, ZYDIS_MNEMONIC_MOVSX, OPC_0F | 0xbe, 16, SH_R_RM, 0, NULL },
	{ "movsx r16, r/m8 (mem)", gen_movx, ZYDIS_MNEMONIC_MOVSX, OPC_0F | 0xbe, 16, SH_R_RM | K_MEM, 0, NULL },
	{ "movsx r32, r/m8 (reg)", gen_movx, ZYDIS_MNEMONIC_MOVSX, OPC_0F | 0xbe, 32, SH_R_RM, 0, NULL },
	{ "movsx r32, r/m8 (mem)", gen_movx, ZYDIS_MNEMONIC_MOVSX, OPC_0F | 0xbe, 32, SH_R_RM | K_MEM, 0, NULL },
	{ "movsx r64, r/m8 (reg)", gen_movx, ZYDIS_MNEMONIC_MOVSX, OPC_0F | 0xbe, 64, SH_R_RM, 0, NULL },
	{ "movsx r64, r/m8 (mem)", gen_movx, ZYDIS_MNEMONIC_MOVSX, OPC_0F | 0xbe, 64, SH_R_RM | K_MEM, 0, NULL },
	{ "movsx r32, r/m16 (reg)", gen_movx, ZYDIS_MNEMONIC_MOVSX, OPC_0F | 0xbf, 32, SH_R_RM, 0, NULL },
	{ "movsx r32, r/m16 (mem)", gen_movx, ZYDIS_MNEMONIC_MOVSX, OPC_0F | 0xbf, 32, SH_R_RM | K_MEM, 0, NULL },
	{ "movsx r64, r/m16 (reg)", gen_movx, ZYDIS_MNEMONIC_MOVSX, OPC_0F | 0xbf, 64, SH_R_RM, 0, NULL },
	{ "movsx r64, r/m16 (mem)", gen_movx, ZYDIS_MNEMONIC_MOVSX, OPC_0F | 0xbf, 64, SH_R_RM | K_MEM, 0, NULL },
	{ "movsxd r64, r/m32 (reg)", gen_movx, ZYDIS_MNEMONIC_MOVSXD, 0x63, 64, SH_R_RM, 0, NULL },
	{ "movsxd r64, r/m32 (mem)", gen_movx, ZYDIS_MNEMONIC_MOVSXD, 0x63, 64, SH_R_RM | K_MEM, 0, NULL },
	{ "movsxd r32, r/m32 (reg)", gen_movx, ZYDIS_MNEMONIC_MOVSXD, 0x63, 32, SH_R_RM, 0, NULL },
	{ "movsxd r32, r/m32 (mem)", gen_movx, ZYDIS_MNEMONIC_MOVSXD, 0x63, 32, SH_R_RM | K_MEM, 0, NULL },
	{ "lea r16, [base]", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 16, SH_M | K_MEM | K_AM(AM_BASE), 0, NULL },
	{ "lea r16, [base+disp8]", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 16, SH_M | K_MEM | K_AM(AM_BASE_D8), 0, NULL },
	{ "lea r16, [base+disp32]", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 16, SH_M | K_MEM | K_AM(AM_BASE_D32), 0, NULL },
	{ "lea r16, [base+index*scale]", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 16, SH_M | K_MEM | K_AM(AM_BASE_INDEX), 0, NULL },
	{ "lea r16, [base+index*scale+disp8]", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 16, SH_M | K_MEM | K_AM(AM_BASE_INDEX_D8), 0, NULL },
	{ "lea r16, [base+index*scale+disp32]", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 16, SH_M | K_MEM | K_AM(AM_BASE_INDEX_D32), 0, NULL },
	{ "lea r16, [index*scale+disp32]", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 16, SH_M | K_MEM | K_AM(AM_INDEX_D32), 0, NULL },
	{ "lea r16, [disp32]", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 16, SH_M | K_MEM | K_AM(AM_ABS), 0, NULL },
	{ "lea r16, [rip+disp32]", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 16, SH_M | K_MEM | K_AM(AM_RIP), 0, NULL },
	{ "lea r16, [base] (a32)", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 16, SH_M | K_MEM | K_AM(AM_BASE) | K_A32, 0, NULL },
	{ "lea r16, [base+disp8] (a32)", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 16, SH_M | K_MEM | K_AM(AM_BASE_D8) | K_A32, 0, NULL },
	{ "lea r16, [base+disp32] (a32)", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 16, SH_M | K_MEM | K_AM(AM_BASE_D32) | K_A32, 0, NULL },
	{ "lea r16, [base+index*scale] (a32)", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 16, SH_M | K_MEM | K_AM(AM_BASE_INDEX) | K_A32, 0, NULL },
	{ "lea r16, [base+index*scale+disp8] (a32)", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 16, SH_M | K_MEM | K_AM(AM_BASE_INDEX_D8) | K_A32, 0, NULL },
	{ "lea r16, [base+index*scale+disp32] (a32)", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 16, SH_M | K_MEM | K_AM(AM_BASE_INDEX_D32) | K_A32, 0, NULL },
	{ "lea r16, [index*scale+disp32] (a32)", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 16, SH_M | K_MEM | K_AM(AM_INDEX_D32) | K_A32, 0, NULL },
	{ "lea r16, [eip+disp32] (a32)", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 16, SH_M | K_MEM | K_AM(AM_RIP) | K_A32, 0, NULL },
	{ "lea r32, [base]", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 32, SH_M | K_MEM | K_AM(AM_BASE), 0, NULL },
	{ "lea r32, [base+disp8]", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 32, SH_M | K_MEM | K_AM(AM_BASE_D8), 0, NULL },
	{ "lea r32, [base+disp32]", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 32, SH_M | K_MEM | K_AM(AM_BASE_D32), 0, NULL },
	{ "lea r32, [base+index*scale]", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 32, SH_M | K_MEM | K_AM(AM_BASE_INDEX), 0, NULL },
	{ "lea r32, [base+index*scale+disp8]", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 32, SH_M | K_MEM | K_AM(AM_BASE_INDEX_D8), 0, NULL },
	{ "lea r32, [base+index*scale+disp32]", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 32, SH_M | K_MEM | K_AM(AM_BASE_INDEX_D32), 0, NULL },
	{ "lea r32, [index*scale+disp32]", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 32, SH_M | K_MEM | K_AM(AM_INDEX_D32), 0, NULL },
	{ "lea r32, [disp32]", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 32, SH_M | K_MEM | K_AM(AM_ABS), 0, NULL },
	{ "lea r32, [rip+disp32]", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 32, SH_M | K_MEM | K_AM(AM_RIP), 0, NULL },
	{ "lea r32, [base] (a32)", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 32, SH_M | K_MEM | K_AM(AM_BASE) | K_A32, 0, NULL },
	{ "lea r32, [base+disp8] (a32)", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 32, SH_M | K_MEM | K_AM(AM_BASE_D8) | K_A32, 0, NULL },
	{ "lea r32, [base+disp32] (a32)", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 32, SH_M | K_MEM | K_AM(AM_BASE_D32) | K_A32, 0, NULL },
	{ "lea r32, [base+index*scale] (a32)", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 32, SH_M | K_MEM | K_AM(AM_BASE_INDEX) | K_A32, 0, NULL },
	{ "lea r32, [base+index*scale+disp8] (a32)", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 32, SH_M | K_MEM | K_AM(AM_BASE_INDEX_D8) | K_A32, 0, NULL },
	{ "lea r32, [base+index*scale+disp32] (a32)", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 32, SH_M | K_MEM | K_AM(AM_BASE_INDEX_D32) | K_A32, 0, NULL },
	{ "lea r32, [index*scale+disp32] (a32)", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 32, SH_M | K_MEM | K_AM(AM_INDEX_D32) | K_A32, 0, NULL },
	{ "lea r32, [eip+disp32] (a32)", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 32, SH_M | K_MEM | K_AM(AM_RIP) | K_A32, 0, NULL },
	{ "lea r64, [base]", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 64, SH_M | K_MEM | K_AM(AM_BASE), 0, NULL },
	{ "lea r64, [base+disp8]", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 64, SH_M | K_MEM | K_AM(AM_BASE_D8), 0, NULL },
	{ "lea r64, [base+disp32]", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 64, SH_M | K_MEM | K_AM(AM_BASE_D32), 0, NULL },
	{ "lea r64, [base+index*scale]", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 64, SH_M | K_MEM | K_AM(AM_BASE_INDEX), 0, NULL },
	{ "lea r64, [base+index*scale+disp8]", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 64, SH_M | K_MEM | K_AM(AM_BASE_INDEX_D8), 0, NULL },
	{ "lea r64, [base+index*scale+disp32]", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 64, SH_M | K_MEM | K_AM(AM_BASE_INDEX_D32), 0, NULL },
	{ "lea r64, [index*scale+disp32]", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 64, SH_M | K_MEM | K_AM(AM_INDEX_D32), 0, NULL },
	{ "lea r64, [disp32]", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 64, SH_M | K_MEM | K_AM(AM_ABS), 0, NULL },
	{ "lea r64, [rip+disp32]", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 64, SH_M | K_MEM | K_AM(AM_RIP), 0, NULL },
	{ "lea r64, [base] (a32)", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 64, SH_M | K_MEM | K_AM(AM_BASE) | K_A32, 0, NULL },
	{ "lea r64, [base+disp8] (a32)", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 64, SH_M | K_MEM | K_AM(AM_BASE_D8) | K_A32, 0, NULL },
	{ "lea r64, [base+disp32] (a32)", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 64, SH_M | K_MEM | K_AM(AM_BASE_D32) | K_A32, 0, NULL },
	{ "lea r64, [base+index*scale] (a32)", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 64, SH_M | K_MEM | K_AM(AM_BASE_INDEX) | K_A32, 0, NULL },
	{ "lea r64, [base+index*scale+disp8] (a32)", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 64, SH_M | K_MEM | K_AM(AM_BASE_INDEX_D8) | K_A32, 0, NULL },
	{ "lea r64, [base+index*scale+disp32] (a32)", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 64, SH_M | K_MEM | K_AM(AM_BASE_INDEX_D32) | K_A32, 0, NULL },
	{ "lea r64, [index*scale+disp32] (a32)", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 64, SH_M | K_MEM | K_AM(AM_INDEX_D32) | K_A32, 0, NULL },
	{ "lea r64, [eip+disp32] (a32)", gen_lea, ZYDIS_MNEMONIC_LEA, 0x8d, 64, SH_M | K_MEM | K_AM(AM_RIP) | K_A32, 0, NULL },
	{ "cbw", gen_plain, ZYDIS_MNEMONIC_CBW, 0x98, 16, SH_NONE, 0, NULL },
	{ "cwde", gen_plain, ZYDIS_MNEMONIC_CWDE, 0x98, 32, SH_NONE, 0, NULL },
	{ "cdqe", gen_plain, ZYDIS_MNEMONIC_CDQE, 0x98, 64, SH_NONE, 0, NULL },
	{ "cwd", gen_plain, ZYDIS_MNEMONIC_CWD, 0x99, 16, SH_NONE, 0, NULL },
	{ "cdq", gen_plain, ZYDIS_MNEMONIC_CDQ, 0x99, 32, SH_NONE, 0, NULL },
	{ "cqo", gen_plain, ZYDIS_MNEMONIC_CQO, 0x99, 64, SH_NONE, 0, NULL },
	{ "xlat", gen_xlat, ZYDIS_MNEMONIC_XLAT, 0xd7, 0, SH_NONE, 0, NULL },
	{ "xlat (a32)", gen_xlat, ZYDIS_MNEMONIC_XLAT, 0xd7, 0, SH_NONE | K_A32, 0, NULL },
};

const struct form_table forms_move = { rows, sizeof(rows) / sizeof(rows[0]) };
