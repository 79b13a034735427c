/* ops.h - every instruction handler, by family (one .c file each). */
#ifndef VTSIM_OPS_H
#define VTSIM_OPS_H

#include "insn.h"

/* alu.c: sub = ALU op in opcode order (ADD OR ADC SBB AND SUB XOR CMP) */
enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };
insn_fn op_alu, op_test, op_inc, op_dec, op_neg, op_not;

/* Specialised register forms, per ALU op (chosen by the decoder). */
extern insn_fn *const op_alu_rr_tab[8], *const op_alu_ri_tab[8], *const op_alu_rm_tab[8];
insn_fn op_cmp_m;
insn_fn op_test_rr, op_test_ri, op_inc_r, op_dec_r;

/* shift.c: sub = ModRM.reg of the C0/C1/D0-D3 group (ROL ROR RCL RCR SHL SHR - SAR) */
enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };
insn_fn op_shift, op_shift_ri, op_shld, op_shrd;

/* muldiv.c */
insn_fn op_mul, op_imul1, op_imul, op_div, op_idiv;

/* bit.c: sub for BT* = 0 BT, 1 BTS, 2 BTR, 3 BTC */
insn_fn op_bt, op_bsf, op_bsr, op_bswap;

/* data.c: sub for CMOVcc/SETcc = condition code; flag ops: see data.c */
enum { FLOP_CLC, FLOP_STC, FLOP_CMC, FLOP_CLD, FLOP_STD };
insn_fn op_mov, op_mov_rr, op_mov_ri, op_mov_rm, op_mov_mr, op_mov_mi, op_movzx, op_movsx, op_lea, op_xchg, op_xadd, op_cmpxchg,
	op_cmpxchg8b, op_cbw, op_cwd, op_cmov, op_setcc, op_xlat, op_lahf, op_sahf,
	op_flagop, op_nop;

/* stack.c */
insn_fn op_push_sreg, op_pop_sreg, op_mov_from_sreg, op_mov_to_sreg;
insn_fn op_push, op_pop, op_call, op_ret, op_enter, op_leave, op_pushf, op_popf,
	op_pusha, op_popa;

/* desc.c: sub for VERR/VERW = 0 VERR, 1 VERW */
insn_fn op_ltr, op_lldt, op_str, op_sldt, op_lar, op_lsl, op_verr_verw, op_arpl;

/* syscall.c */
insn_fn op_sysenter, op_sysexit, op_syscall, op_sysret, op_swapgs;

/* far.c */
insn_fn op_jmp_far, op_call_far, op_ret_far, op_iret;

/* branch.c: sub for Jcc = condition code; for LOOPcc 0 LOOP, 1 LOOPE, 2 LOOPNE */
insn_fn op_jcc, op_jmp, op_loop, op_jcxz;
extern insn_fn *const op_jcc_tab[16]; /* op_jcc specialised per condition */

/* string.c */
insn_fn op_movs, op_cmps, op_stos, op_lods, op_scas, op_ins, op_outs;

/* bcd.c */
insn_fn op_daa, op_das, op_aaa, op_aas, op_aam, op_aad;

/* system.c: sub for INT: 0 INT n, 1 INT3, 2 INTO; for descriptor tables: 0 GDT, 1 IDT */
/* sysreg.c, cpuid.c */
insn_fn op_mov_cr, op_mov_dr, op_clts, op_lmsw, op_smsw, op_invlpg, op_wbinvd, op_rdtsc,
	op_rdmsr, op_wrmsr, op_rdpmc, op_cpuid, op_invpcid;

insn_fn op_pause;
insn_fn op_hlt, op_cli, op_sti, op_stac_clac, op_absent, op_x87_mmx, op_fwait, op_in, op_out, op_int, op_lgdt, op_sgdt, op_ud2,
	op_unimplemented, op_invalid;

#endif
