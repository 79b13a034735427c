/* decode.c - Zydis output -> struct insn, and the table of handlers. */
#include "decode.h"

#include <stdio.h>
#include <string.h>

#include "../cost.h"
#include "cpu.h"
#include "ops.h"

/*
 * The dispatch table: one row per mnemonic vtsim executes. A mnemonic
 * without a row decodes to op_unimplemented (#UD naming the instruction).
 *   fn    handler
 *   sub   handler-specific selector (ALU op, condition code, ...)
 *   end   the instruction always transfers control or may change the mode,
 *         so a decoded block ends after it (a conditional branch does not
 *         end its block: the run loop leaves the block when one is taken)
 *   cost  modelled cycles to retire it (placeholder figures until CPU
 *         profiles arrive with the cost model; estimates, not measured)
 */
struct op_row {
	insn_fn *fn;
	uint8_t sub;
	uint8_t end;
	uint8_t cost;
};

#define R(m, f, s) [ZYDIS_MNEMONIC_##m] = { f, s, 0, 1 }
#define RC(m, f, s, cyc) [ZYDIS_MNEMONIC_##m] = { f, s, 0, cyc }
#define RE(m, f, s) [ZYDIS_MNEMONIC_##m] = { f, s, 1, 1 }

static const struct op_row op_table[ZYDIS_MNEMONIC_MAX_VALUE + 1] = {
	/* alu.c */
	R(ADD, op_alu, ALU_ADD), R(OR, op_alu, ALU_OR), R(ADC, op_alu, ALU_ADC),
	R(SBB, op_alu, ALU_SBB), R(AND, op_alu, ALU_AND), R(SUB, op_alu, ALU_SUB),
	R(XOR, op_alu, ALU_XOR), R(CMP, op_alu, ALU_CMP), R(TEST, op_test, 0),
	R(INC, op_inc, 0), R(DEC, op_dec, 0), R(NEG, op_neg, 0), R(NOT, op_not, 0),
	/* shift.c */
	R(ROL, op_shift, SH_ROL), R(ROR, op_shift, SH_ROR), R(RCL, op_shift, SH_RCL),
	R(RCR, op_shift, SH_RCR), R(SHL, op_shift, SH_SHL),
	R(SHR, op_shift, SH_SHR), R(SAR, op_shift, SH_SAR),
	R(SHLD, op_shld, 0), R(SHRD, op_shrd, 0),
	/* muldiv.c */
	RC(MUL, op_mul, 0, 3), RC(DIV, op_div, 0, 25), RC(IDIV, op_idiv, 0, 25),
	RC(IMUL, op_imul, 0, 3),
	/* bit.c */
	R(BT, op_bt, 0), R(BTS, op_bt, 1), R(BTR, op_bt, 2), R(BTC, op_bt, 3),
	R(BSF, op_bsf, 0), R(BSR, op_bsr, 0), R(BSWAP, op_bswap, 0),
	/* data.c */
	R(MOV, op_mov, 0), R(MOVZX, op_movzx, 0), R(MOVSX, op_movsx, 0),
	R(MOVSXD, op_movsx, 0), R(LEA, op_lea, 0), R(XCHG, op_xchg, 0),
	R(XADD, op_xadd, 0), R(CMPXCHG, op_cmpxchg, 0), R(CMPXCHG8B, op_cmpxchg8b, 0),
	R(CMPXCHG16B, op_cmpxchg8b, 0),
	R(CBW, op_cbw, 0), R(CWDE, op_cbw, 0), R(CDQE, op_cbw, 0),
	R(CWD, op_cwd, 0), R(CDQ, op_cwd, 0), R(CQO, op_cwd, 0),
	R(CMOVO, op_cmov, 0), R(CMOVNO, op_cmov, 1), R(CMOVB, op_cmov, 2),
	R(CMOVNB, op_cmov, 3), R(CMOVZ, op_cmov, 4), R(CMOVNZ, op_cmov, 5),
	R(CMOVBE, op_cmov, 6), R(CMOVNBE, op_cmov, 7), R(CMOVS, op_cmov, 8),
	R(CMOVNS, op_cmov, 9), R(CMOVP, op_cmov, 10), R(CMOVNP, op_cmov, 11),
	R(CMOVL, op_cmov, 12), R(CMOVNL, op_cmov, 13), R(CMOVLE, op_cmov, 14),
	R(CMOVNLE, op_cmov, 15),
	R(SETO, op_setcc, 0), R(SETNO, op_setcc, 1), R(SETB, op_setcc, 2),
	R(SETNB, op_setcc, 3), R(SETZ, op_setcc, 4), R(SETNZ, op_setcc, 5),
	R(SETBE, op_setcc, 6), R(SETNBE, op_setcc, 7), R(SETS, op_setcc, 8),
	R(SETNS, op_setcc, 9), R(SETP, op_setcc, 10), R(SETNP, op_setcc, 11),
	R(SETL, op_setcc, 12), R(SETNL, op_setcc, 13), R(SETLE, op_setcc, 14),
	R(SETNLE, op_setcc, 15),
	R(XLAT, op_xlat, 0), R(LAHF, op_lahf, 0), R(SAHF, op_sahf, 0),
	R(CLC, op_flagop, FLOP_CLC), R(STC, op_flagop, FLOP_STC), R(CMC, op_flagop, FLOP_CMC),
	R(CLD, op_flagop, FLOP_CLD), R(STD, op_flagop, FLOP_STD),
	R(NOP, op_nop, 0), R(PAUSE, op_pause, 0), R(ENDBR32, op_nop, 0), R(ENDBR64, op_nop, 0),
	/* stack.c */
	R(PUSH, op_push, 0), R(POP, op_pop, 0), RE(CALL, op_call, 0), RE(RET, op_ret, 0),
	R(ENTER, op_enter, 0), R(LEAVE, op_leave, 0),
	R(PUSHF, op_pushf, 0), R(PUSHFD, op_pushf, 0), R(PUSHFQ, op_pushf, 0),
	RE(POPF, op_popf, 0), RE(POPFD, op_popf, 0), RE(POPFQ, op_popf, 0),
	R(PUSHA, op_pusha, 0), R(PUSHAD, op_pusha, 0), R(POPA, op_popa, 0), R(POPAD, op_popa, 0),
	/* branch.c */
	R(JO, op_jcc, 0), R(JNO, op_jcc, 1), R(JB, op_jcc, 2), R(JNB, op_jcc, 3),
	R(JZ, op_jcc, 4), R(JNZ, op_jcc, 5), R(JBE, op_jcc, 6), R(JNBE, op_jcc, 7),
	R(JS, op_jcc, 8), R(JNS, op_jcc, 9), R(JP, op_jcc, 10), R(JNP, op_jcc, 11),
	R(JL, op_jcc, 12), R(JNL, op_jcc, 13), R(JLE, op_jcc, 14), R(JNLE, op_jcc, 15),
	RE(JMP, op_jmp, 0), R(LOOP, op_loop, 0), R(LOOPE, op_loop, 1), R(LOOPNE, op_loop, 2),
	R(JCXZ, op_jcxz, 0), R(JECXZ, op_jcxz, 0), R(JRCXZ, op_jcxz, 0),
	/* string.c */
	R(MOVSB, op_movs, 0), R(MOVSW, op_movs, 0), R(MOVSD, op_movs, 0), R(MOVSQ, op_movs, 0),
	R(CMPSB, op_cmps, 0), R(CMPSW, op_cmps, 0), R(CMPSD, op_cmps, 0), R(CMPSQ, op_cmps, 0),
	R(STOSB, op_stos, 0), R(STOSW, op_stos, 0), R(STOSD, op_stos, 0), R(STOSQ, op_stos, 0),
	R(LODSB, op_lods, 0), R(LODSW, op_lods, 0), R(LODSD, op_lods, 0), R(LODSQ, op_lods, 0),
	R(SCASB, op_scas, 0), R(SCASW, op_scas, 0), R(SCASD, op_scas, 0), R(SCASQ, op_scas, 0),
	R(INSB, op_ins, 0), R(INSW, op_ins, 0), R(INSD, op_ins, 0),
	R(OUTSB, op_outs, 0), R(OUTSW, op_outs, 0), R(OUTSD, op_outs, 0),
	/* bcd.c */
	R(DAA, op_daa, 0), R(DAS, op_das, 0), R(AAA, op_aaa, 0), R(AAS, op_aas, 0),
	RC(AAM, op_aam, 0, 15), RC(AAD, op_aad, 0, 4),
	/* system.c */
	RE(HLT, op_hlt, 0), R(CLI, op_cli, 0), RE(STI, op_sti, 0),
	R(IN, op_in, 0), R(OUT, op_out, 0),
	RE(INT, op_int, 0), RE(INT3, op_int, 1), RE(INTO, op_int, 2),
	RE(LGDT, op_lgdt, 0), RE(LIDT, op_lgdt, 1), R(SGDT, op_sgdt, 0), R(SIDT, op_sgdt, 1),
	RE(UD2, op_ud2, 0),
	RE(IRET, op_iret, 0), RE(IRETD, op_iret, 0), RE(IRETQ, op_iret, 0),
	/* desc.c */
	R(LTR, op_ltr, 0), R(LLDT, op_lldt, 0), R(STR, op_str, 0), R(SLDT, op_sldt, 0),
	R(LAR, op_lar, 0), R(LSL, op_lsl, 0), R(VERR, op_verr_verw, 0), R(VERW, op_verr_verw, 1),
	R(ARPL, op_arpl, 0),
	/* syscall.c */
	RE(SYSENTER, op_sysenter, 0), RE(SYSEXIT, op_sysexit, 0), RE(SYSCALL, op_syscall, 0),
	RE(SYSRET, op_sysret, 0), R(SWAPGS, op_swapgs, 0),
	R(STAC, op_stac_clac, 1), R(CLAC, op_stac_clac, 0),
	RE(MONITOR, op_absent, 0), RE(MWAIT, op_absent, 0), RE(XSETBV, op_absent, 0),
	RE(GETSEC, op_absent, 0),
	/* sysreg.c, cpuid.c */
	RE(CLTS, op_clts, 0), RE(LMSW, op_lmsw, 0), R(SMSW, op_smsw, 0),
	RE(INVLPG, op_invlpg, 0), RE(INVPCID, op_invpcid, 0), R(WBINVD, op_wbinvd, 0), R(INVD, op_wbinvd, 1),
	R(RDTSC, op_rdtsc, 0), R(RDTSCP, op_rdtsc, 1), R(RDPMC, op_rdpmc, 0),
	RE(RDMSR, op_rdmsr, 0), RE(WRMSR, op_wrmsr, 0), RC(CPUID, op_cpuid, 0, 20),
	/* sim/vmx/vmxinsn.c: every VMX instruction may leave VMX root or
	 * non-root operation, so each ends its block. */
	RE(VMXON, op_vmxon, 0), RE(VMXOFF, op_vmxoff, 0), RE(VMCLEAR, op_vmclear, 0),
	RE(VMPTRLD, op_vmptrld, 0), RE(VMPTRST, op_vmptrst, 0), RE(VMREAD, op_vmread, 0),
	RE(VMWRITE, op_vmwrite, 0), RE(VMLAUNCH, op_vmlaunch, 0), RE(VMRESUME, op_vmlaunch, 1),
	RE(VMCALL, op_vmcall, 0), RE(INVEPT, op_invept, 0), RE(INVVPID, op_invvpid, 0),
};

/* ZydisRegister -> GPR reference (REG_HIGH8 for AH..BH), or 0xff. */
static uint8_t gpr_of(ZydisRegister r)
{
	if (r >= ZYDIS_REGISTER_AL && r <= ZYDIS_REGISTER_BL)
		return (uint8_t)(r - ZYDIS_REGISTER_AL);
	if (r >= ZYDIS_REGISTER_AH && r <= ZYDIS_REGISTER_BH)
		return (uint8_t)((r - ZYDIS_REGISTER_AH) | REG_HIGH8);
	if (r >= ZYDIS_REGISTER_SPL && r <= ZYDIS_REGISTER_R15B)
		return (uint8_t)(r - ZYDIS_REGISTER_SPL + 4);
	if (r >= ZYDIS_REGISTER_AX && r <= ZYDIS_REGISTER_R15W)
		return (uint8_t)(r - ZYDIS_REGISTER_AX);
	if (r >= ZYDIS_REGISTER_EAX && r <= ZYDIS_REGISTER_R15D)
		return (uint8_t)(r - ZYDIS_REGISTER_EAX);
	if (r >= ZYDIS_REGISTER_RAX && r <= ZYDIS_REGISTER_R15)
		return (uint8_t)(r - ZYDIS_REGISTER_RAX);
	return 0xff;
}

static uint8_t seg_of(ZydisRegister r)
{
	if (r >= ZYDIS_REGISTER_ES && r <= ZYDIS_REGISTER_GS)
		return (uint8_t)(r - ZYDIS_REGISTER_ES);
	return SEG_DS;
}

static const ZydisMachineMode zmode[CM_COUNT] = {
	[CM_REAL16] = ZYDIS_MACHINE_MODE_REAL_16,
	[CM_PROT16] = ZYDIS_MACHINE_MODE_LEGACY_16,
	[CM_PROT32] = ZYDIS_MACHINE_MODE_LEGACY_32,
	[CM_COMPAT16] = ZYDIS_MACHINE_MODE_LONG_COMPAT_16,
	[CM_COMPAT32] = ZYDIS_MACHINE_MODE_LONG_COMPAT_32,
	[CM_LONG64] = ZYDIS_MACHINE_MODE_LONG_64,
};

void decoder_init(struct decoder *d)
{
	for (int m = 0; m < CM_COUNT; m++) {
		ZydisStackWidth sw = m == CM_LONG64 ? ZYDIS_STACK_WIDTH_64
				   : (m == CM_PROT32 || m == CM_COMPAT32) ? ZYDIS_STACK_WIDTH_32
				   : ZYDIS_STACK_WIDTH_16;
		ZydisDecoderInit(&d->z[m], zmode[m], sw);
	}
	ZydisFormatterInit(&d->fmt, ZYDIS_FORMATTER_STYLE_INTEL);
}

static void set_mem(struct insn *out, const ZydisDecodedOperand *o)
{
	out->seg = seg_of(o->mem.segment);
	if (o->mem.base == ZYDIS_REGISTER_RIP || o->mem.base == ZYDIS_REGISTER_EIP)
		out->base = BASE_RIP;
	else
		out->base = o->mem.base == ZYDIS_REGISTER_NONE ? BASE_NONE : (gpr_of(o->mem.base) & 15);
	out->index = o->mem.index == ZYDIS_REGISTER_NONE ? BASE_NONE : (gpr_of(o->mem.index) & 15);
	out->scale = o->mem.scale ? o->mem.scale : 1;
	out->disp = o->mem.disp.value;
}

static int make_ud(struct insn *out, int len, insn_fn *fn)
{
	out->fn = out->fast = fn;
	out->span = 1;
	out->span_len = (uint8_t)len;
	out->flags |= IF_ENDS;
	return len;
}

/*
 * The cost class of each handler, for CPU profiles (sim/cost.h): the
 * handlers not listed are simple ALU/move instructions.
 */
static const struct {
	insn_fn *fn;
	uint8_t cclass;
} cost_classes[] = {
	{ op_mul, COST_MUL }, { op_imul, COST_MUL }, { op_imul1, COST_MUL }, { op_aad, COST_MUL },
	{ op_div, COST_DIV }, { op_idiv, COST_DIV }, { op_aam, COST_DIV },
	{ op_call, COST_CALL_RET }, { op_ret, COST_CALL_RET }, { op_call_far, COST_CALL_RET },
	{ op_ret_far, COST_CALL_RET }, { op_iret, COST_SYSTEM }, { op_jmp_far, COST_SYSTEM },
	{ op_mov_cr, COST_SYSTEM }, { op_mov_dr, COST_SYSTEM }, { op_lgdt, COST_SYSTEM },
	{ op_sgdt, COST_SYSTEM }, { op_ltr, COST_SYSTEM }, { op_lldt, COST_SYSTEM },
	{ op_cpuid, COST_SYSTEM }, { op_rdmsr, COST_SYSTEM }, { op_wrmsr, COST_SYSTEM },
	{ op_rdtsc, COST_SYSTEM }, { op_invlpg, COST_SYSTEM }, { op_invpcid, COST_SYSTEM },
	{ op_wbinvd, COST_SYSTEM }, { op_clts, COST_SYSTEM }, { op_lmsw, COST_SYSTEM },
	{ op_sysenter, COST_SYSTEM }, { op_sysexit, COST_SYSTEM }, { op_syscall, COST_SYSTEM },
	{ op_sysret, COST_SYSTEM }, { op_swapgs, COST_SYSTEM }, { op_hlt, COST_SYSTEM },
	{ op_in, COST_SYSTEM }, { op_out, COST_SYSTEM }, { op_lar, COST_SYSTEM },
	{ op_lsl, COST_SYSTEM }, { op_verr_verw, COST_SYSTEM }, { op_popf, COST_SYSTEM },
	{ op_vmxon, COST_SYSTEM }, { op_vmxoff, COST_SYSTEM }, { op_vmclear, COST_SYSTEM },
	{ op_vmptrld, COST_SYSTEM }, { op_vmptrst, COST_SYSTEM }, { op_vmread, COST_SYSTEM },
	{ op_vmwrite, COST_SYSTEM }, { op_vmlaunch, COST_SYSTEM }, { op_vmcall, COST_SYSTEM },
	{ op_invept, COST_SYSTEM }, { op_invvpid, COST_SYSTEM },
};

static uint8_t cost_class_of(insn_fn *fn)
{
	for (size_t k = 0; k < sizeof cost_classes / sizeof cost_classes[0]; k++)
		if (cost_classes[k].fn == fn)
			return cost_classes[k].cclass;
	return COST_ALU;
}

/*
 * Pick a specialised handler where one exists for the operand kinds: the
 * generic handlers stay correct for every form, these are only faster.
 */
static void specialize(struct insn *out)
{
	uint8_t k0 = out->op[0].kind, k1 = out->op[1].kind;
	if (k0 == OPK_SREG || k1 == OPK_SREG) {
		if (out->fn == op_push)
			out->fn = op_push_sreg;
		else if (out->fn == op_pop)
			out->fn = op_pop_sreg;
		else if (out->fn == op_mov)
			out->fn = k0 == OPK_SREG ? op_mov_to_sreg : op_mov_from_sreg;
		else
			out->fn = op_unimplemented;
		/* A new SS or DS base changes how following code runs: end the block. */
		if (out->fn == op_pop_sreg || out->fn == op_mov_to_sreg)
			out->flags |= IF_ENDS;
		return;
	}
	if (out->fn == op_mov && (k0 == OPK_CR || k1 == OPK_CR)) {
		out->fn = op_mov_cr;
		out->flags |= IF_ENDS; /* may change the mode or the translations */
		return;
	}
	if (out->fn == op_mov && (k0 == OPK_DR || k1 == OPK_DR)) {
		out->fn = op_mov_dr;
		out->flags |= IF_ENDS; /* breakpoints switch the run loop's mode */
		return;
	}
	if (out->fn == op_mov) {
		if (k0 == OPK_REG && k1 == OPK_REG)
			out->fn = op_mov_rr;
		else if (k0 == OPK_REG && k1 == OPK_IMM)
			out->fn = op_mov_ri;
		else if (k0 == OPK_REG && k1 == OPK_MEM)
			out->fn = op_mov_rm;
		else if (k0 == OPK_MEM && k1 == OPK_REG)
			out->fn = op_mov_mr;
		else if (k0 == OPK_MEM && k1 == OPK_IMM)
			out->fn = op_mov_mi;
	} else if (out->fn == op_alu && k0 == OPK_REG) {
		if (k1 == OPK_REG)
			out->fn = op_alu_rr_tab[out->sub];
		else if (k1 == OPK_IMM)
			out->fn = op_alu_ri_tab[out->sub];
		else if (k1 == OPK_MEM)
			out->fn = op_alu_rm_tab[out->sub];
	} else if (out->fn == op_alu && k0 == OPK_MEM && out->sub == ALU_CMP) {
		out->fn = op_cmp_m;
	} else if (out->fn == op_test && k0 == OPK_REG) {
		out->fn = k1 == OPK_REG ? op_test_rr : k1 == OPK_IMM ? op_test_ri : op_test;
	} else if ((out->fn == op_inc || out->fn == op_dec) && k0 == OPK_REG) {
		out->fn = out->fn == op_inc ? op_inc_r : op_dec_r;
	} else if (out->fn == op_shift && k0 == OPK_REG && (k1 == OPK_IMM || k1 == OPK_NONE) &&
		   (out->sub == SH_SHL || out->sub == SH_SHR || out->sub == SH_SAR || out->sub == SH_SAL)) {
		out->fn = op_shift_ri;
	} else if (out->fn == op_jcc) {
		out->fn = op_jcc_tab[out->sub];
	}
}

int decode_insn(const struct decoder *d, enum code_mode mode, const uint8_t *bytes,
		size_t n, struct insn *out)
{
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand zo[ZYDIS_MAX_OPERAND_COUNT];
	memset(out, 0, sizeof *out);
	out->base = out->index = BASE_NONE;
	out->seg = SEG_DS;
	out->scale = 1;
	out->cost = 1;

	ZyanStatus st = ZydisDecoderDecodeFull(&d->z[mode], bytes, n, &zi, zo);
	if (st == ZYDIS_STATUS_NO_MORE_DATA && n < ZYDIS_MAX_INSTRUCTION_LENGTH)
		return 0;
	if (!ZYAN_SUCCESS(st)) {
		/* Invalid encoding: #UD at this address (length 1 for the record). */
		out->len = 1;
		return make_ud(out, 1, op_invalid);
	}
	out->len = zi.length;
	out->mnemonic = (uint16_t)zi.mnemonic;
	out->osz = (uint8_t)(zi.operand_width / 8 ? zi.operand_width / 8 : 1);
	out->asz = (uint8_t)(zi.address_width / 8);
	if (zi.attributes & ZYDIS_ATTRIB_HAS_REP)
		out->flags |= IF_REP;
	if (zi.attributes & ZYDIS_ATTRIB_HAS_REPE)
		out->flags |= IF_REP;
	if (zi.attributes & ZYDIS_ATTRIB_HAS_REPNE)
		out->flags |= IF_REPNE;
	if (zi.attributes & ZYDIS_ATTRIB_HAS_LOCK)
		out->flags |= IF_LOCK;

	const struct op_row *row = &op_table[zi.mnemonic];
	/* x87 (D8-DF), MMX and SSE: vtsim has no such units and CPUID says so. */
	if (zi.mnemonic == ZYDIS_MNEMONIC_FWAIT) {
		out->len = zi.length;
		out->fn = out->fast = op_fwait;
		out->span = 1;
		out->span_len = zi.length;
		return zi.length;
	}
	if (zi.meta.isa_ext == ZYDIS_ISA_EXT_X87 || zi.meta.isa_ext == ZYDIS_ISA_EXT_MMX) {
		out->sub = zi.meta.isa_ext == ZYDIS_ISA_EXT_MMX;
		return make_ud(out, zi.length, op_x87_mmx);
	}
	if (zi.meta.isa_ext >= ZYDIS_ISA_EXT_SSE && zi.meta.isa_ext <= ZYDIS_ISA_EXT_SSSE3)
		return make_ud(out, zi.length, op_absent);
	if (!row->fn || zi.encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY)
		return make_ud(out, zi.length, op_unimplemented);
	/* MOVSD/CMPSD also name SSE2 instructions, which need CR4.OSFXSR. */
	if ((zi.mnemonic == ZYDIS_MNEMONIC_MOVSD || zi.mnemonic == ZYDIS_MNEMONIC_CMPSD) &&
	    zi.opcode_map != ZYDIS_OPCODE_MAP_DEFAULT)
		return make_ud(out, zi.length, op_unimplemented);

	out->fn = row->fn;
	out->sub = row->sub;
	out->cost = row->cost;
	out->cclass = cost_class_of(row->fn);
	if (row->end)
		out->flags |= IF_ENDS;

	int nimm = 0;
	bool have_mem = false;
	for (int k = 0; k < zi.operand_count_visible && k < 3; k++) {
		const ZydisDecodedOperand *o = &zo[k];
		struct opnd *p = &out->op[k];
		p->size = (uint8_t)(o->size / 8);
		switch (o->type) {
		case ZYDIS_OPERAND_TYPE_REGISTER:
			p->kind = OPK_REG;
			p->reg = gpr_of(o->reg.value);
			if (p->reg == 0xff && o->reg.value >= ZYDIS_REGISTER_ES && o->reg.value <= ZYDIS_REGISTER_GS) {
				p->kind = OPK_SREG;
				p->reg = seg_of(o->reg.value);
				break;
			}
			if (o->reg.value >= ZYDIS_REGISTER_CR0 && o->reg.value <= ZYDIS_REGISTER_CR15) {
				p->kind = OPK_CR;
				p->reg = (uint8_t)(o->reg.value - ZYDIS_REGISTER_CR0);
				break;
			}
			if (o->reg.value >= ZYDIS_REGISTER_DR0 && o->reg.value <= ZYDIS_REGISTER_DR15) {
				p->kind = OPK_DR;
				p->reg = (uint8_t)(o->reg.value - ZYDIS_REGISTER_DR0);
				break;
			}
			if (p->reg == 0xff) /* control, debug, x87, vector registers */
				return make_ud(out, zi.length, op_unimplemented);
			break;
		case ZYDIS_OPERAND_TYPE_MEMORY:
			p->kind = OPK_MEM;
			set_mem(out, o);
			have_mem = true;
			break;
		case ZYDIS_OPERAND_TYPE_IMMEDIATE:
			p->kind = OPK_IMM;
			if (nimm++ == 0)
				out->imm = o->imm.value.u;
			else
				out->imm2 = o->imm.value.u;
			break;
		case ZYDIS_OPERAND_TYPE_POINTER: /* JMP/CALL ptr16:16/32 */
			p->kind = OPK_IMM;
			out->imm = o->ptr.offset;
			out->imm2 = o->ptr.segment;
			break;
		default:
			return make_ud(out, zi.length, op_unimplemented);
		}
	}
	/* String instructions and XLAT: their memory operands are hidden; the
	 * source (rSI, or rBX for XLAT) carries the overridable segment, the
	 * destination ES:rDI never does (SDM Vol. 2A, 2.1.1 segment overrides). */
	if (!have_mem) {
		for (int k = zi.operand_count_visible; k < zi.operand_count; k++) {
			if (zo[k].type == ZYDIS_OPERAND_TYPE_MEMORY &&
			    (gpr_of(zo[k].mem.base) & 15) != RDI) {
				out->seg = seg_of(zo[k].mem.segment);
				break;
			}
		}
	}
	if (zi.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR) {
		if (out->fn == op_jmp)
			out->fn = op_jmp_far;
		else if (out->fn == op_call)
			out->fn = op_call_far;
		else if (out->fn == op_ret)
			out->fn = op_ret_far;
	}
	specialize(out);
	out->fast = out->fn;
	out->span = 1;
	out->span_len = out->len;
	return zi.length;
}

int decode_disasm(const struct decoder *d, enum code_mode mode, const uint8_t *bytes,
		  size_t n, uint64_t rip, char *buf, size_t len)
{
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand zo[ZYDIS_MAX_OPERAND_COUNT];
	buf[0] = 0;
	if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&d->z[mode], bytes, n, &zi, zo)))
		return 0;
	if (!ZYAN_SUCCESS(ZydisFormatterFormatInstruction(&d->fmt, &zi, zo, zi.operand_count_visible,
							  buf, len, rip, NULL)))
		return 0;
	return zi.length;
}
