/* forms_cond.c - SETcc and CMOVcc, all sixteen conditions (Jcc is in forms_flow.c). */
#include "difftest.h"

/*
 * The condition is the low nibble of the opcode (SDM Vol. 1, Appendix B
 * "EFLAGS Condition Codes"); the initial flags are random, so both outcomes
 * occur. With a 32-bit operand in 64-bit mode CMOVcc clears bits 63:32 of
 * the destination even when the condition is false (Vol. 2A, CMOVcc,
 * "Operation").
 */

static bool gen_setcc(struct gen *g)
{
	ZydisEncoderRequest q = req_new(g);

	q.operand_count = 1;
	q.operands[0] = op_rm(g, 8, 0);
	return emit_req(g, &q);
}

static bool gen_cmov(struct gen *g)
{
	int s = g->f->size;
	ZydisEncoderRequest q = req_new(g);

	q.operand_count = 2;
	q.operands[1] = op_rm(g, s, 0);
	q.operands[0] = op_reg(g, s, 0);
	return emit_req(g, &q);
}

static const struct form rows[] = {
	{ "seto r/m8 (reg)", gen_setcc, ZYDIS_MNEMONIC_SETO, OPC_0F | 0x90, 8, SH_RM, 0, NULL },
	{ "seto r/m8 (mem)", gen_setcc, ZYDIS_MNEMONIC_SETO, OPC_0F | 0x90, 8, SH_RM | K_MEM, 0, NULL },
	{ "setno r/m8 (reg)", gen_setcc, ZYDIS_MNEMONIC_SETNO, OPC_0F | 0x91, 8, SH_RM, 0, NULL },
	{ "setno r/m8 (mem)", gen_setcc, ZYDIS_MNEMONIC_SETNO, OPC_0F | 0x91, 8, SH_RM | K_MEM, 0, NULL },
	{ "setb r/m8 (reg)", gen_setcc, ZYDIS_MNEMONIC_SETB, OPC_0F | 0x92, 8, SH_RM, 0, NULL },
	{ "setb r/m8 (mem)", gen_setcc, ZYDIS_MNEMONIC_SETB, OPC_0F | 0x92, 8, SH_RM | K_MEM, 0, NULL },
	{ "setnb r/m8 (reg)", gen_setcc, ZYDIS_MNEMONIC_SETNB, OPC_0F | 0x93, 8, SH_RM, 0, NULL },
	{ "setnb r/m8 (mem)", gen_setcc, ZYDIS_MNEMONIC_SETNB, OPC_0F | 0x93, 8, SH_RM | K_MEM, 0, NULL },
	{ "setz r/m8 (reg)", gen_setcc, ZYDIS_MNEMONIC_SETZ, OPC_0F | 0x94, 8, SH_RM, 0, NULL },
	{ "setz r/m8 (mem)", gen_setcc, ZYDIS_MNEMONIC_SETZ, OPC_0F | 0x94, 8, SH_RM | K_MEM, 0, NULL },
	{ "setnz r/m8 (reg)", gen_setcc, ZYDIS_MNEMONIC_SETNZ, OPC_0F | 0x95, 8, SH_RM, 0, NULL },
	{ "setnz r/m8 (mem)", gen_setcc, ZYDIS_MNEMONIC_SETNZ, OPC_0F | 0x95, 8, SH_RM | K_MEM, 0, NULL },
	{ "setbe r/m8 (reg)", gen_setcc, ZYDIS_MNEMONIC_SETBE, OPC_0F | 0x96, 8, SH_RM, 0, NULL },
	{ "setbe r/m8 (mem)", gen_setcc, ZYDIS_MNEMONIC_SETBE, OPC_0F | 0x96, 8, SH_RM | K_MEM, 0, NULL },
	{ "setnbe r/m8 (reg)", gen_setcc, ZYDIS_MNEMONIC_SETNBE, OPC_0F | 0x97, 8, SH_RM, 0, NULL },
	{ "setnbe r/m8 (mem)", gen_setcc, ZYDIS_MNEMONIC_SETNBE, OPC_0F | 0x97, 8, SH_RM | K_MEM, 0, NULL },
	{ "sets r/m8 (reg)", gen_setcc, ZYDIS_MNEMONIC_SETS, OPC_0F | 0x98, 8, SH_RM, 0, NULL },
	{ "sets r/m8 (mem)", gen_setcc, ZYDIS_MNEMONIC_SETS, OPC_0F | 0x98, 8, SH_RM | K_MEM, 0, NULL },
	{ "setns r/m8 (reg)", gen_setcc, ZYDIS_MNEMONIC_SETNS, OPC_0F | 0x99, 8, SH_RM, 0, NULL },
	{ "setns r/m8 (mem)", gen_setcc, ZYDIS_MNEMONIC_SETNS, OPC_0F | 0x99, 8, SH_RM | K_MEM, 0, NULL },
	{ "setp r/m8 (reg)", gen_setcc, ZYDIS_MNEMONIC_SETP, OPC_0F | 0x9a, 8, SH_RM, 0, NULL },
	{ "setp r/m8 (mem)", gen_setcc, ZYDIS_MNEMONIC_SETP, OPC_0F | 0x9a, 8, SH_RM | K_MEM, 0, NULL },
	{ "setnp r/m8 (reg)", gen_setcc, ZYDIS_MNEMONIC_SETNP, OPC_0F | 0x9b, 8, SH_RM, 0, NULL },
	{ "setnp r/m8 (mem)", gen_setcc, ZYDIS_MNEMONIC_SETNP, OPC_0F | 0x9b, 8, SH_RM | K_MEM, 0, NULL },
	{ "setl r/m8 (reg)", gen_setcc, ZYDIS_MNEMONIC_SETL, OPC_0F | 0x9c, 8, SH_RM, 0, NULL },
	{ "setl r/m8 (mem)", gen_setcc, ZYDIS_MNEMONIC_SETL, OPC_0F | 0x9c, 8, SH_RM | K_MEM, 0, NULL },
	{ "setnl r/m8 (reg)", gen_setcc, ZYDIS_MNEMONIC_SETNL, OPC_0F | 0x9d, 8, SH_RM, 0, NULL },
	{ "setnl r/m8 (mem)", gen_setcc, ZYDIS_MNEMONIC_SETNL, OPC_0F | 0x9d, 8, SH_RM | K_MEM, 0, NULL },
	{ "setle r/m8 (reg)", gen_setcc, ZYDIS_MNEMONIC_SETLE, OPC_0F | 0x9e, 8, SH_RM, 0, NULL },
	{ "setle r/m8 (mem)", gen_setcc, ZYDIS_MNEMONIC_SETLE, OPC_0F | 0x9e, 8, SH_RM | K_MEM, 0, NULL },
	{ "setnle r/m8 (reg)", gen_setcc, ZYDIS_MNEMONIC_SETNLE, OPC_0F | 0x9f, 8, SH_RM, 0, NULL },
	{ "setnle r/m8 (mem)", gen_setcc, ZYDIS_MNEMONIC_SETNLE, OPC_0F | 0x9f, 8, SH_RM | K_MEM, 0, NULL },
	{ "cmovo r16, r/m16 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVO, OPC_0F | 0x40, 16, SH_R_RM, 0, NULL },
	{ "cmovo r16, r/m16 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVO, OPC_0F | 0x40, 16, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovo r32, r/m32 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVO, OPC_0F | 0x40, 32, SH_R_RM, 0, NULL },
	{ "cmovo r32, r/m32 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVO, OPC_0F | 0x40, 32, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovo r64, r/m64 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVO, OPC_0F | 0x40, 64, SH_R_RM, 0, NULL },
	{ "cmovo r64, r/m64 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVO, OPC_0F | 0x40, 64, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovno r16, r/m16 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVNO, OPC_0F | 0x41, 16, SH_R_RM, 0, NULL },
	{ "cmovno r16, r/m16 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVNO, OPC_0F | 0x41, 16, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovno r32, r/m32 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVNO, OPC_0F | 0x41, 32, SH_R_RM, 0, NULL },
	{ "cmovno r32, r/m32 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVNO, OPC_0F | 0x41, 32, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovno r64, r/m64 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVNO, OPC_0F | 0x41, 64, SH_R_RM, 0, NULL },
	{ "cmovno r64, r/m64 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVNO, OPC_0F | 0x41, 64, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovb r16, r/m16 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVB, OPC_0F | 0x42, 16, SH_R_RM, 0, NULL },
	{ "cmovb r16, r/m16 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVB, OPC_0F | 0x42, 16, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovb r32, r/m32 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVB, OPC_0F | 0x42, 32, SH_R_RM, 0, NULL },
	{ "cmovb r32, r/m32 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVB, OPC_0F | 0x42, 32, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovb r64, r/m64 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVB, OPC_0F | 0x42, 64, SH_R_RM, 0, NULL },
	{ "cmovb r64, r/m64 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVB, OPC_0F | 0x42, 64, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovnb r16, r/m16 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVNB, OPC_0F | 0x43, 16, SH_R_RM, 0, NULL },
	{ "cmovnb r16, r/m16 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVNB, OPC_0F | 0x43, 16, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovnb r32, r/m32 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVNB, OPC_0F | 0x43, 32, SH_R_RM, 0, NULL },
	{ "cmovnb r32, r/m32 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVNB, OPC_0F | 0x43, 32, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovnb r64, r/m64 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVNB, OPC_0F | 0x43, 64, SH_R_RM, 0, NULL },
	{ "cmovnb r64, r/m64 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVNB, OPC_0F | 0x43, 64, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovz r16, r/m16 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVZ, OPC_0F | 0x44, 16, SH_R_RM, 0, NULL },
	{ "cmovz r16, r/m16 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVZ, OPC_0F | 0x44, 16, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovz r32, r/m32 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVZ, OPC_0F | 0x44, 32, SH_R_RM, 0, NULL },
	{ "cmovz r32, r/m32 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVZ, OPC_0F | 0x44, 32, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovz r64, r/m64 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVZ, OPC_0F | 0x44, 64, SH_R_RM, 0, NULL },
	{ "cmovz r64, r/m64 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVZ, OPC_0F | 0x44, 64, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovnz r16, r/m16 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVNZ, OPC_0F | 0x45, 16, SH_R_RM, 0, NULL },
	{ "cmovnz r16, r/m16 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVNZ, OPC_0F | 0x45, 16, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovnz r32, r/m32 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVNZ, OPC_0F | 0x45, 32, SH_R_RM, 0, NULL },
	{ "cmovnz r32, r/m32 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVNZ, OPC_0F | 0x45, 32, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovnz r64, r/m64 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVNZ, OPC_0F | 0x45, 64, SH_R_RM, 0, NULL },
	{ "cmovnz r64, r/m64 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVNZ, OPC_0F | 0x45, 64, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovbe r16, r/m16 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVBE, OPC_0F | 0x46, 16, SH_R_RM, 0, NULL },
	{ "cmovbe r16, r/m16 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVBE, OPC_0F | 0x46, 16, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovbe r32, r/m32 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVBE, OPC_0F | 0x46, 32, SH_R_RM, 0, NULL },
	{ "cmovbe r32, r/m32 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVBE, OPC_0F | 0x46, 32, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovbe r64, r/m64 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVBE, OPC_0F | 0x46, 64, SH_R_RM, 0, NULL },
	{ "cmovbe r64, r/m64 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVBE, OPC_0F | 0x46, 64, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovnbe r16, r/m16 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVNBE, OPC_0F | 0x47, 16, SH_R_RM, 0, NULL },
	{ "cmovnbe r16, r/m16 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVNBE, OPC_0F | 0x47, 16, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovnbe r32, r/m32 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVNBE, OPC_0F | 0x47, 32, SH_R_RM, 0, NULL },
	{ "cmovnbe r32, r/m32 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVNBE, OPC_0F | 0x47, 32, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovnbe r64, r/m64 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVNBE, OPC_0F | 0x47, 64, SH_R_RM, 0, NULL },
	{ "cmovnbe r64, r/m64 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVNBE, OPC_0F | 0x47, 64, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovs r16, r/m16 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVS, OPC_0F | 0x48, 16, SH_R_RM, 0, NULL },
	{ "cmovs r16, r/m16 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVS, OPC_0F | 0x48, 16, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovs r32, r/m32 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVS, OPC_0F | 0x48, 32, SH_R_RM, 0, NULL },
	{ "cmovs r32, r/m32 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVS, OPC_0F | 0x48, 32, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovs r64, r/m64 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVS, OPC_0F | 0x48, 64, SH_R_RM, 0, NULL },
	{ "cmovs r64, r/m64 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVS, OPC_0F | 0x48, 64, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovns r16, r/m16 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVNS, OPC_0F | 0x49, 16, SH_R_RM, 0, NULL },
	{ "cmovns r16, r/m16 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVNS, OPC_0F | 0x49, 16, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovns r32, r/m32 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVNS, OPC_0F | 0x49, 32, SH_R_RM, 0, NULL },
	{ "cmovns r32, r/m32 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVNS, OPC_0F | 0x49, 32, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovns r64, r/m64 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVNS, OPC_0F | 0x49, 64, SH_R_RM, 0, NULL },
	{ "cmovns r64, r/m64 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVNS, OPC_0F | 0x49, 64, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovp r16, r/m16 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVP, OPC_0F | 0x4a, 16, SH_R_RM, 0, NULL },
	{ "cmovp r16, r/m16 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVP, OPC_0F | 0x4a, 16, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovp r32, r/m32 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVP, OPC_0F | 0x4a, 32, SH_R_RM, 0, NULL },
	{ "cmovp r32, r/m32 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVP, OPC_0F | 0x4a, 32, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovp r64, r/m64 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVP, OPC_0F | 0x4a, 64, SH_R_RM, 0, NULL },
	{ "cmovp r64, r/m64 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVP, OPC_0F | 0x4a, 64, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovnp r16, r/m16 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVNP, OPC_0F | 0x4b, 16, SH_R_RM, 0, NULL },
	{ "cmovnp r16, r/m16 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVNP, OPC_0F | 0x4b, 16, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovnp r32, r/m32 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVNP, OPC_0F | 0x4b, 32, SH_R_RM, 0, NULL },
	{ "cmovnp r32, r/m32 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVNP, OPC_0F | 0x4b, 32, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovnp r64, r/m64 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVNP, OPC_0F | 0x4b, 64, SH_R_RM, 0, NULL },
	{ "cmovnp r64, r/m64 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVNP, OPC_0F | 0x4b, 64, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovl r16, r/m16 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVL, OPC_0F | 0x4c, 16, SH_R_RM, 0, NULL },
	{ "cmovl r16, r/m16 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVL, OPC_0F | 0x4c, 16, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovl r32, r/m32 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVL, OPC_0F | 0x4c, 32, SH_R_RM, 0, NULL },
	{ "cmovl r32, r/m32 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVL, OPC_0F | 0x4c, 32, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovl r64, r/m64 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVL, OPC_0F | 0x4c, 64, SH_R_RM, 0, NULL },
	{ "cmovl r64, r/m64 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVL, OPC_0F | 0x4c, 64, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovnl r16, r/m16 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVNL, OPC_0F | 0x4d, 16, SH_R_RM, 0, NULL },
	{ "cmovnl r16, r/m16 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVNL, OPC_0F | 0x4d, 16, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovnl r32, r/m32 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVNL, OPC_0F | 0x4d, 32, SH_R_RM, 0, NULL },
	{ "cmovnl r32, r/m32 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVNL, OPC_0F | 0x4d, 32, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovnl r64, r/m64 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVNL, OPC_0F | 0x4d, 64, SH_R_RM, 0, NULL },
	{ "cmovnl r64, r/m64 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVNL, OPC_0F | 0x4d, 64, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovle r16, r/m16 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVLE, OPC_0F | 0x4e, 16, SH_R_RM, 0, NULL },
	{ "cmovle r16, r/m16 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVLE, OPC_0F | 0x4e, 16, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovle r32, r/m32 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVLE, OPC_0F | 0x4e, 32, SH_R_RM, 0, NULL },
	{ "cmovle r32, r/m32 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVLE, OPC_0F | 0x4e, 32, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovle r64, r/m64 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVLE, OPC_0F | 0x4e, 64, SH_R_RM, 0, NULL },
	{ "cmovle r64, r/m64 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVLE, OPC_0F | 0x4e, 64, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovnle r16, r/m16 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVNLE, OPC_0F | 0x4f, 16, SH_R_RM, 0, NULL },
	{ "cmovnle r16, r/m16 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVNLE, OPC_0F | 0x4f, 16, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovnle r32, r/m32 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVNLE, OPC_0F | 0x4f, 32, SH_R_RM, 0, NULL },
	{ "cmovnle r32, r/m32 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVNLE, OPC_0F | 0x4f, 32, SH_R_RM | K_MEM, 0, NULL },
	{ "cmovnle r64, r/m64 (reg)", gen_cmov, ZYDIS_MNEMONIC_CMOVNLE, OPC_0F | 0x4f, 64, SH_R_RM, 0, NULL },
	{ "cmovnle r64, r/m64 (mem)", gen_cmov, ZYDIS_MNEMONIC_CMOVNLE, OPC_0F | 0x4f, 64, SH_R_RM | K_MEM, 0, NULL },
};

const struct form_table forms_cond = { rows, sizeof(rows) / sizeof(rows[0]) };
