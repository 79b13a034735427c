/* forms_misc.c - flag instructions (LAHF SAHF CLC STC CMC CLD STD) and the NOP forms. */
#include <string.h>

#include "difftest.h"

/*
 * LAHF and SAHF are valid in 64-bit mode only when CPUID.80000001H:ECX[0]
 * says so (SDM Vol. 2A, LAHF), which every x86-64 host this test runs on
 * does. AH <-> SF:ZF:0:AF:0:PF:1:CF.
 *
 * The multi-byte NOPs are the sequences the SDM recommends (Vol. 2B, NOP,
 * "Recommended Multi-Byte Sequence of NOP Instruction"), plus 0F 1F /0 with
 * a register operand and 66 2E ... with a CS override, which 64-bit mode
 * ignores. A NOP's memory operand is never accessed.
 */
static bool gen_nop_reg(struct gen *g)
{
	ZydisEncoderOperand r = op_reg(g, g->f->size, 0);

	return emit_modrm_reg(g, g->f->size, g->f->opcode, 0, ZYDIS_REGISTER_NONE, r.reg.value,
			      NULL, 0);
}

/*
 * Prefixes that change nothing in 64-bit mode, in front of an ADD: the CS,
 * DS, ES and SS overrides (SDM Vol. 3A, 3.2.4 "Segmentation in IA-32e
 * Mode": their bases are treated as 0), a repeated 66, and a REX that a later legacy
 * prefix cancels (Vol. 2A, 2.2.1 "REX Prefixes": a REX not immediately
 * before the opcode is ignored). The row's recipe is the prefix to prepend.
 */
static bool gen_prefixed(struct gen *g)
{
	int s = g->f->size;
	struct dt_case *c = g->c;
	ZydisEncoderRequest q = req_new(g);
	uint8_t pre[4];
	size_t n = recipe_bytes(g->f, pre, sizeof(pre));

	q.operand_count = 2;
	q.operands[0] = op_rm(g, s, 0);
	q.operands[1] = op_reg(g, s, 0);
	/* A prefix added after encoding would move a RIP-relative target. */
	if (c->rip_rel || !emit_req(g, &q) || c->insn_len + n > 15)
		return false;
	memmove(c->insn + n, c->insn, c->insn_len);
	memcpy(c->insn, pre, n);
	c->insn_len = (uint8_t)(c->insn_len + n);
	return true;
}

static const struct form rows[] = {
	{ "lahf", gen_recipe, ZYDIS_MNEMONIC_LAHF, 0x9f, 0, SH_NONE, 0, "9f" },
	{ "sahf", gen_recipe, ZYDIS_MNEMONIC_SAHF, 0x9e, 0, SH_NONE, 0, "9e" },
	{ "clc", gen_recipe, ZYDIS_MNEMONIC_CLC, 0xf8, 0, SH_NONE, 0, "f8" },
	{ "stc", gen_recipe, ZYDIS_MNEMONIC_STC, 0xf9, 0, SH_NONE, 0, "f9" },
	{ "cmc", gen_recipe, ZYDIS_MNEMONIC_CMC, 0xf5, 0, SH_NONE, 0, "f5" },
	{ "cld", gen_recipe, ZYDIS_MNEMONIC_CLD, 0xfc, 0, SH_NONE, 0, "fc" },
	{ "std", gen_recipe, ZYDIS_MNEMONIC_STD, 0xfd, 0, SH_NONE, 0, "fd" },
	{ "nop", gen_recipe, ZYDIS_MNEMONIC_NOP, 0x90, 0, SH_NONE, 0, "90" },
	{ "nop (66 90)", gen_recipe, ZYDIS_MNEMONIC_NOP, 0x90, 0, SH_NONE, 0, "66 90" },
	{ "nop r/m16 (reg)", gen_nop_reg, ZYDIS_MNEMONIC_NOP, OPC_0F | 0x1f, 16, SH_RM, 0, NULL },
	{ "nop r/m32 (reg)", gen_nop_reg, ZYDIS_MNEMONIC_NOP, OPC_0F | 0x1f, 32, SH_RM, 0, NULL },
	{ "nop r/m64 (reg)", gen_nop_reg, ZYDIS_MNEMONIC_NOP, OPC_0F | 0x1f, 64, SH_RM, 0, NULL },
	{ "nop r/m32 (mem, 3 bytes)", gen_recipe, ZYDIS_MNEMONIC_NOP, OPC_0F | 0x1f, 32, SH_RM | K_MEM, 0, "0f 1f 00" },
	{ "nop r/m32 (mem, 4 bytes)", gen_recipe, ZYDIS_MNEMONIC_NOP, OPC_0F | 0x1f, 32, SH_RM | K_MEM, 0, "0f 1f 40 00" },
	{ "nop r/m32 (mem, 5 bytes)", gen_recipe, ZYDIS_MNEMONIC_NOP, OPC_0F | 0x1f, 32, SH_RM | K_MEM, 0, "0f 1f 44 00 00" },
	{ "nop r/m16 (mem, 6 bytes)", gen_recipe, ZYDIS_MNEMONIC_NOP, OPC_0F | 0x1f, 16, SH_RM | K_MEM, 0, "66 0f 1f 44 00 00" },
	{ "nop r/m32 (mem, 7 bytes)", gen_recipe, ZYDIS_MNEMONIC_NOP, OPC_0F | 0x1f, 32, SH_RM | K_MEM, 0, "0f 1f 80 00 00 00 00" },
	{ "nop r/m32 (mem, 8 bytes)", gen_recipe, ZYDIS_MNEMONIC_NOP, OPC_0F | 0x1f, 32, SH_RM | K_MEM, 0, "0f 1f 84 00 00 00 00 00" },
	{ "nop r/m16 (mem, 9 bytes)", gen_recipe, ZYDIS_MNEMONIC_NOP, OPC_0F | 0x1f, 16, SH_RM | K_MEM, 0, "66 0f 1f 84 00 00 00 00 00" },
	{ "nop r/m16 (mem, 10 bytes)", gen_recipe, ZYDIS_MNEMONIC_NOP, OPC_0F | 0x1f, 16, SH_RM | K_MEM, 0, "66 2e 0f 1f 84 00 00 00 00 00" },
	{ "add r/m32, r32 (mem, cs override)", gen_prefixed, ZYDIS_MNEMONIC_ADD, 0x01, 32, SH_RM_R | K_MEM, 0, "2e" },
	{ "add r/m32, r32 (mem, ds override)", gen_prefixed, ZYDIS_MNEMONIC_ADD, 0x01, 32, SH_RM_R | K_MEM, 0, "3e" },
	{ "add r/m32, r32 (mem, es override)", gen_prefixed, ZYDIS_MNEMONIC_ADD, 0x01, 32, SH_RM_R | K_MEM, 0, "26" },
	{ "add r/m32, r32 (mem, ss override)", gen_prefixed, ZYDIS_MNEMONIC_ADD, 0x01, 32, SH_RM_R | K_MEM, 0, "36" },
	{ "add r/m16, r16 (reg, 66 66)", gen_prefixed, ZYDIS_MNEMONIC_ADD, 0x01, 16, SH_RM_R, 0, "66" },
	{ "add r/m16, r16 (mem, 66 66)", gen_prefixed, ZYDIS_MNEMONIC_ADD, 0x01, 16, SH_RM_R | K_MEM, 0, "66" },
	{ "add r/m16, r16 (reg, ignored rex.w before 66)", gen_prefixed, ZYDIS_MNEMONIC_ADD, 0x01, 16, SH_RM_R, 0, "48" },
	{ "add r/m16, r16 (mem, ignored rex.w before 66)", gen_prefixed, ZYDIS_MNEMONIC_ADD, 0x01, 16, SH_RM_R | K_MEM, 0, "48" },
};

const struct form_table forms_misc = { rows, sizeof(rows) / sizeof(rows[0]) };
