/* forms_flow.c - PUSH POP, CALL RET, ENTER LEAVE, JMP, Jcc, LOOP LOOPE LOOPNE, JRCXZ JECXZ. */
#include "difftest.h"

/*
 * Stack forms get an RSP somewhere in the middle of the stack window (any
 * alignment), pinned so no memory operand uses it as a base. Branches end at
 * exit pads: exit 0 is the fall-through, exit 1 the target, so the exit
 * reached tells which way the branch went. A near branch's operand size is
 * 64 bits in 64-bit mode whatever 66 says on Intel, but AMD honours 66, so
 * no 16-bit branch form is tested.
 */
static void pin_rsp(struct gen *g)
{
	reg_put(g->c, ZYDIS_REGISTER_RSP, STACK_BASE + 0x400 + rng_below(g->rng, 0x800));
}

/*
 * A memory operand [rsp + disp8] in the stack window: PUSH reads it before
 * RSP moves, POP computes the address after RSP has been incremented (SDM
 * Vol. 2B, POP: "If the ESP register is used as a base register ...").
 */
static ZydisEncoderOperand op_rsp_based(struct gen *g, int bytes)
{
	ZydisEncoderOperand op = { .type = ZYDIS_OPERAND_TYPE_MEMORY };

	op.mem.base = ZYDIS_REGISTER_RSP;
	op.mem.displacement = (int8_t)rng_next(g->rng);
	op.mem.size = (ZyanU16)bytes;
	return op;
}

static bool rsp_based(const struct form *f)
{
	return form_am(f) >= 0;
}

static bool gen_push_pop(struct gen *g)
{
	const struct form *f = g->f;
	int s = f->size;
	bool push = f->mnem == ZYDIS_MNEMONIC_PUSH;
	ZydisEncoderRequest q = req_new(g);
	ZydisEncoderOperand r;
	uint64_t imm;

	pin_rsp(g);
	q.operand_count = 1;
	switch (f->kind & K_SHAPE) {
	case SH_R:
		q.operands[0] = op_reg(g, s, 0);
		return emit_req(g, &q);
	case SH_RM:
		if (!(f->kind & K_MEM)) {
			/* FF /6 and 8F /0 with a register: Zydis would pick 50+r/58+r. */
			r = op_reg(g, s, 0);
			return emit_modrm_reg(g, s == 16 ? 16 : 0, f->opcode, push ? 6 : 0,
					      ZYDIS_REGISTER_NONE, r.reg.value, NULL, 0);
		}
		q.operands[0] = rsp_based(f) ? op_rsp_based(g, s / 8) : op_rm(g, s, 0);
		return emit_req(g, &q);
	default:
		/* push imm8 (6A) is sign-extended; 68 takes imm16/imm32 by operand size. */
		q.operand_size_hint = s == 16 ? ZYDIS_OPERAND_SIZE_HINT_16 : ZYDIS_OPERAND_SIZE_HINT_64;
		if ((f->opcode & 0xff) == 0x6a) {
			q.operands[0] = op_imm(rand_imm(g, 8));
			return emit_req(g, &q);
		}
		imm = rand_imm(g, s == 16 ? 16 : 32);
		q.operands[0] = op_imm(s == 16 ? 0x1234 : 0x12345678);
		if (!emit_req(g, &q))
			return false;
		patch_imm(g, s == 16 ? 2 : 4, imm);
		return true;
	}
}

/* The target of CALL/JMP r/m64, placed in a register or in memory. */
static ZydisEncoderOperand op_target(struct gen *g, uint64_t target)
{
	ZydisEncoderOperand op;

	if (g->f->kind & K_MEM) {
		op = op_rm(g, 64, 0);
		mem_put(g->c, g->ea, target, 8);
	} else {
		op = op_reg(g, 64, 1u << RSP);
		reg_put(g->c, op.reg.value, target);
	}
	return op;
}

/*
 * A relative branch: encode once to learn the length, pick a displacement
 * whose target pad clears the instruction and the fall-through pad, then
 * encode for real.
 */
static bool emit_rel(struct gen *g, ZydisEncoderRequest *q, bool rel8)
{
	int64_t d;

	q->operand_count = 1;
	q->operands[0] = op_imm(rel8 ? 0x10 : 0x1000);
	q->branch_width = rel8 ? ZYDIS_BRANCH_WIDTH_8 : ZYDIS_BRANCH_WIDTH_32;
	if (!emit_req(g, q))
		return false;
	d = pick_rel(g, g->c->insn_len, rel8);
	q->operands[0] = op_imm((uint64_t)d);
	if (!emit_req(g, q))
		return false;
	case_add_exit(g->c, INSN_ADDR + g->c->insn_len + (uint64_t)d);
	return true;
}

/* CALL and JMP: rel8/rel32, or r/m64. CALL pushes the fall-through address. */
static bool gen_call_jmp(struct gen *g)
{
	const struct form *f = g->f;
	ZydisEncoderRequest q = req_new(g);
	uint64_t target;

	pin_rsp(g);
	switch (f->kind & K_SHAPE) {
	case SH_REL8:
		return emit_rel(g, &q, true);
	case SH_REL32:
		return emit_rel(g, &q, false);
	default:
		target = pick_target(g);
		q.operand_count = 1;
		q.operands[0] = op_target(g, target);
		if (!emit_req(g, &q))
			return false;
		case_add_exit(g->c, target);
		return true;
	}
}

/* RET pops its target; RET imm16 then drops imm16 more bytes. */
static bool gen_ret(struct gen *g)
{
	ZydisEncoderRequest q = req_new(g);
	uint64_t target = pick_target(g);

	pin_rsp(g);
	mem_put(g->c, g->c->gpr[RSP], target, 8);
	if ((g->f->kind & K_SHAPE) == SH_IMM16) {
		q.operand_count = 1;
		q.operands[0] = op_imm(rng_below(g->rng, 4) ? rng_below(g->rng, 0x10000)
							   : 8 * rng_below(g->rng, 4));
	}
	if (!emit_req(g, &q))
		return false;
	case_add_exit(g->c, target);
	return true;
}

/* Jcc: the condition is the opcode's low nibble; the flags are random. */
static bool gen_jcc(struct gen *g)
{
	ZydisEncoderRequest q = req_new(g);

	return emit_rel(g, &q, (g->f->kind & K_SHAPE) == SH_REL8);
}

/*
 * LOOP decrements RCX (ECX with 0x67) without touching flags and branches
 * if it is not 0; LOOPE/LOOPNE also need ZF=1/0. JRCXZ/JECXZ branch if
 * RCX/ECX is 0 (SDM Vol. 2A, Jcc and LOOP/LOOPcc). The counts sit where
 * the 32- and 64-bit views of RCX disagree.
 */
static bool gen_loop(struct gen *g)
{
	static const uint64_t counts[] = {
		0, 1, 2, 3, 0xffffffff, 0x100000000, 0x100000001, 0xffffffffffffffff,
	};
	ZydisEncoderRequest q = req_new(g);
	uint64_t rcx = rng_below(g->rng, 2) ? counts[rng_below(g->rng, 8)] : rand_value(g->rng);

	reg_put(g->c, ZYDIS_REGISTER_RCX, rcx);
	if (g->f->kind & K_A32)
		q.address_size_hint = ZYDIS_ADDRESS_SIZE_HINT_32;
	return emit_rel(g, &q, true);
}

/*
 * ENTER size, level (Vol. 2A, ENTER): push RBP; for level > 1 copy level-1
 * frame pointers from [RBP-8], [RBP-16], ...; push the new frame pointer;
 * RBP <- frame; RSP -= size. The level is taken modulo 32. RBP points a
 * little above RSP so the copied pointers come from the stack window.
 */
static bool gen_enter(struct gen *g)
{
	struct dt_case *c = g->c;
	ZydisEncoderRequest q = req_new(g);
	uint64_t size = rng_below(g->rng, 2) ? 8 * rng_below(g->rng, 8) : rng_below(g->rng, 0x10000);
	uint64_t level;

	switch (g->f->kind & K_SHAPE) {
	case SH_LEVEL0: level = 0; break;
	case SH_LEVEL1: level = 1; break;
	default:        level = 2 + rng_below(g->rng, 254); break;
	}
	pin_rsp(g);
	reg_put(c, ZYDIS_REGISTER_RBP, c->gpr[RSP] + 16 + rng_below(g->rng, 0x200));
	q.operand_count = 2;
	q.operands[0] = op_imm(size);
	q.operands[1] = op_imm(level);
	return emit_req(g, &q);
}

/* LEAVE: RSP <- RBP, then pop RBP (BP with 66). */
static bool gen_leave(struct gen *g)
{
	ZydisEncoderRequest q = req_new(g);

	pin_rsp(g);
	reg_put(g->c, ZYDIS_REGISTER_RBP, STACK_BASE + 0x400 + rng_below(g->rng, 0x800));
	if (g->f->size == 16)
		q.operand_size_hint = ZYDIS_OPERAND_SIZE_HINT_16;
	return emit_req(g, &q);
}

static const struct form rows[] = {
	{ "push r64", gen_push_pop, ZYDIS_MNEMONIC_PUSH, 0x50, 64, SH_R, 0, NULL },
	{ "push r16", gen_push_pop, ZYDIS_MNEMONIC_PUSH, 0x50, 16, SH_R, 0, NULL },
	{ "push r/m64 (reg)", gen_push_pop, ZYDIS_MNEMONIC_PUSH, 0xff, 64, SH_RM, 0, NULL },
	{ "push r/m64 (mem)", gen_push_pop, ZYDIS_MNEMONIC_PUSH, 0xff, 64, SH_RM | K_MEM, 0, NULL },
	{ "push r/m64 (mem, [rsp+disp8])", gen_push_pop, ZYDIS_MNEMONIC_PUSH, 0xff, 64, SH_RM | K_MEM | K_AM(AM_BASE_D8), 0, NULL },
	{ "push r/m16 (reg)", gen_push_pop, ZYDIS_MNEMONIC_PUSH, 0xff, 16, SH_RM, 0, NULL },
	{ "push r/m16 (mem)", gen_push_pop, ZYDIS_MNEMONIC_PUSH, 0xff, 16, SH_RM | K_MEM, 0, NULL },
	{ "push imm8", gen_push_pop, ZYDIS_MNEMONIC_PUSH, 0x6a, 64, SH_IMM, 0, NULL },
	{ "push imm32", gen_push_pop, ZYDIS_MNEMONIC_PUSH, 0x68, 64, SH_IMM, 0, NULL },
	{ "push imm8 (o16)", gen_push_pop, ZYDIS_MNEMONIC_PUSH, 0x6a, 16, SH_IMM, 0, NULL },
	{ "push imm16", gen_push_pop, ZYDIS_MNEMONIC_PUSH, 0x68, 16, SH_IMM, 0, NULL },
	{ "pop r64", gen_push_pop, ZYDIS_MNEMONIC_POP, 0x58, 64, SH_R, 0, NULL },
	{ "pop r16", gen_push_pop, ZYDIS_MNEMONIC_POP, 0x58, 16, SH_R, 0, NULL },
	{ "pop r/m64 (reg)", gen_push_pop, ZYDIS_MNEMONIC_POP, 0x8f, 64, SH_RM, 0, NULL },
	{ "pop r/m64 (mem)", gen_push_pop, ZYDIS_MNEMONIC_POP, 0x8f, 64, SH_RM | K_MEM, 0, NULL },
	{ "pop r/m64 (mem, [rsp+disp8])", gen_push_pop, ZYDIS_MNEMONIC_POP, 0x8f, 64, SH_RM | K_MEM | K_AM(AM_BASE_D8), 0, NULL },
	{ "pop r/m16 (reg)", gen_push_pop, ZYDIS_MNEMONIC_POP, 0x8f, 16, SH_RM, 0, NULL },
	{ "pop r/m16 (mem)", gen_push_pop, ZYDIS_MNEMONIC_POP, 0x8f, 16, SH_RM | K_MEM, 0, NULL },
	{ "call rel32", gen_call_jmp, ZYDIS_MNEMONIC_CALL, 0xe8, 64, SH_REL32, 0, NULL },
	{ "call r/m64 (reg)", gen_call_jmp, ZYDIS_MNEMONIC_CALL, 0xff, 64, SH_RM, 0, NULL },
	{ "call r/m64 (mem)", gen_call_jmp, ZYDIS_MNEMONIC_CALL, 0xff, 64, SH_RM | K_MEM, 0, NULL },
	{ "ret", gen_ret, ZYDIS_MNEMONIC_RET, 0xc3, 64, SH_NONE, 0, NULL },
	{ "ret imm16", gen_ret, ZYDIS_MNEMONIC_RET, 0xc2, 64, SH_IMM16, 0, NULL },
	{ "jmp rel8", gen_call_jmp, ZYDIS_MNEMONIC_JMP, 0xeb, 64, SH_REL8, 0, NULL },
	{ "jmp rel32", gen_call_jmp, ZYDIS_MNEMONIC_JMP, 0xe9, 64, SH_REL32, 0, NULL },
	{ "jmp r/m64 (reg)", gen_call_jmp, ZYDIS_MNEMONIC_JMP, 0xff, 64, SH_RM, 0, NULL },
	{ "jmp r/m64 (mem)", gen_call_jmp, ZYDIS_MNEMONIC_JMP, 0xff, 64, SH_RM | K_MEM, 0, NULL },
	{ "jo rel8", gen_jcc, ZYDIS_MNEMONIC_JO, 0x70, 64, SH_REL8, 0, NULL },
	{ "jo rel32", gen_jcc, ZYDIS_MNEMONIC_JO, OPC_0F | 0x80, 64, SH_REL32, 0, NULL },
	{ "jno rel8", gen_jcc, ZYDIS_MNEMONIC_JNO, 0x71, 64, SH_REL8, 0, NULL },
	{ "jno rel32", gen_jcc, ZYDIS_MNEMONIC_JNO, OPC_0F | 0x81, 64, SH_REL32, 0, NULL },
	{ "jb rel8", gen_jcc, ZYDIS_MNEMONIC_JB, 0x72, 64, SH_REL8, 0, NULL },
	{ "jb rel32", gen_jcc, ZYDIS_MNEMONIC_JB, OPC_0F | 0x82, 64, SH_REL32, 0, NULL },
	{ "jnb rel8", gen_jcc, ZYDIS_MNEMONIC_JNB, 0x73, 64, SH_REL8, 0, NULL },
	{ "jnb rel32", gen_jcc, ZYDIS_MNEMONIC_JNB, OPC_0F | 0x83, 64, SH_REL32, 0, NULL },
	{ "jz rel8", gen_jcc, ZYDIS_MNEMONIC_JZ, 0x74, 64, SH_REL8, 0, NULL },
	{ "jz rel32", gen_jcc, ZYDIS_MNEMONIC_JZ, OPC_0F | 0x84, 64, SH_REL32, 0, NULL },
	{ "jnz rel8", gen_jcc, ZYDIS_MNEMONIC_JNZ, 0x75, 64, SH_REL8, 0, NULL },
	{ "jnz rel32", gen_jcc, ZYDIS_MNEMONIC_JNZ, OPC_0F | 0x85, 64, SH_REL32, 0, NULL },
	{ "jbe rel8", gen_jcc, ZYDIS_MNEMONIC_JBE, 0x76, 64, SH_REL8, 0, NULL },
	{ "jbe rel32", gen_jcc, ZYDIS_MNEMONIC_JBE, OPC_0F | 0x86, 64, SH_REL32, 0, NULL },
	{ "jnbe rel8", gen_jcc, ZYDIS_MNEMONIC_JNBE, 0x77, 64, SH_REL8, 0, NULL },
	{ "jnbe rel32", gen_jcc, ZYDIS_MNEMONIC_JNBE, OPC_0F | 0x87, 64, SH_REL32, 0, NULL },
	{ "js rel8", gen_jcc, ZYDIS_MNEMONIC_JS, 0x78, 64, SH_REL8, 0, NULL },
	{ "js rel32", gen_jcc, ZYDIS_MNEMONIC_JS, OPC_0F | 0x88, 64, SH_REL32, 0, NULL },
	{ "jns rel8", gen_jcc, ZYDIS_MNEMONIC_JNS, 0x79, 64, SH_REL8, 0, NULL },
	{ "jns rel32", gen_jcc, ZYDIS_MNEMONIC_JNS, OPC_0F | 0x89, 64, SH_REL32, 0, NULL },
	{ "jp rel8", gen_jcc, ZYDIS_MNEMONIC_JP, 0x7a, 64, SH_REL8, 0, NULL },
	{ "jp rel32", gen_jcc, ZYDIS_MNEMONIC_JP, OPC_0F | 0x8a, 64, SH_REL32, 0, NULL },
	{ "jnp rel8", gen_jcc, ZYDIS_MNEMONIC_JNP, 0x7b, 64, SH_REL8, 0, NULL },
	{ "jnp rel32", gen_jcc, ZYDIS_MNEMONIC_JNP, OPC_0F | 0x8b, 64, SH_REL32, 0, NULL },
	{ "jl rel8", gen_jcc, ZYDIS_MNEMONIC_JL, 0x7c, 64, SH_REL8, 0, NULL },
	{ "jl rel32", gen_jcc, ZYDIS_MNEMONIC_JL, OPC_0F | 0x8c, 64, SH_REL32, 0, NULL },
	{ "jnl rel8", gen_jcc, ZYDIS_MNEMONIC_JNL, 0x7d, 64, SH_REL8, 0, NULL },
	{ "jnl rel32", gen_jcc, ZYDIS_MNEMONIC_JNL, OPC_0F | 0x8d, 64, SH_REL32, 0, NULL },
	{ "jle rel8", gen_jcc, ZYDIS_MNEMONIC_JLE, 0x7e, 64, SH_REL8, 0, NULL },
	{ "jle rel32", gen_jcc, ZYDIS_MNEMONIC_JLE, OPC_0F | 0x8e, 64, SH_REL32, 0, NULL },
	{ "jnle rel8", gen_jcc, ZYDIS_MNEMONIC_JNLE, 0x7f, 64, SH_REL8, 0, NULL },
	{ "jnle rel32", gen_jcc, ZYDIS_MNEMONIC_JNLE, OPC_0F | 0x8f, 64, SH_REL32, 0, NULL },
	{ "loop rel8", gen_loop, ZYDIS_MNEMONIC_LOOP, 0xe2, 64, SH_REL8, 0, NULL },
	{ "loop rel8 (a32)", gen_loop, ZYDIS_MNEMONIC_LOOP, 0xe2, 64, SH_REL8 | K_A32, 0, NULL },
	{ "loope rel8", gen_loop, ZYDIS_MNEMONIC_LOOPE, 0xe1, 64, SH_REL8, 0, NULL },
	{ "loope rel8 (a32)", gen_loop, ZYDIS_MNEMONIC_LOOPE, 0xe1, 64, SH_REL8 | K_A32, 0, NULL },
	{ "loopne rel8", gen_loop, ZYDIS_MNEMONIC_LOOPNE, 0xe0, 64, SH_REL8, 0, NULL },
	{ "loopne rel8 (a32)", gen_loop, ZYDIS_MNEMONIC_LOOPNE, 0xe0, 64, SH_REL8 | K_A32, 0, NULL },
	{ "jrcxz rel8", gen_loop, ZYDIS_MNEMONIC_JRCXZ, 0xe3, 64, SH_REL8, 0, NULL },
	{ "jecxz rel8", gen_loop, ZYDIS_MNEMONIC_JECXZ, 0xe3, 64, SH_REL8 | K_A32, 0, NULL },
	{ "enter imm16, 0", gen_enter, ZYDIS_MNEMONIC_ENTER, 0xc8, 64, SH_LEVEL0, 0, NULL },
	{ "enter imm16, 1", gen_enter, ZYDIS_MNEMONIC_ENTER, 0xc8, 64, SH_LEVEL1, 0, NULL },
	{ "enter imm16, imm8", gen_enter, ZYDIS_MNEMONIC_ENTER, 0xc8, 64, SH_LEVELN, 0, NULL },
	{ "leave", gen_leave, ZYDIS_MNEMONIC_LEAVE, 0xc9, 64, SH_NONE, 0, NULL },
	{ "leave (o16)", gen_leave, ZYDIS_MNEMONIC_LEAVE, 0xc9, 16, SH_NONE, 0, NULL },
};

const struct form_table forms_flow = { rows, sizeof(rows) / sizeof(rows[0]) };
