/* test_stack.c - unit tests for PUSH POP CALL RET ENTER LEAVE PUSHF POPF PUSHA POPA (sim/cpu/stack.c). */
#include <criterion/criterion.h>

#include "helpers.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* RFLAGS bits beyond the arithmetic ones (SDM Vol. 1, 3.4.3). */
#define FL_IF (1ull << 9)
#define FL_IOPL (3ull << 12)
#define FL_RF (1ull << 16)
#define FL_VM (1ull << 17)
#define FL_AC (1ull << 18)

static uint64_t reg(struct machine *m, enum vt_reg r)
{
	return machine_reg_get(m, r);
}

static void run_to_hlt(struct machine *m, const uint8_t *code, size_t len)
{
	enum stop_reason r = tm_run_bytes(m, code, len);
	cr_assert_eq(r, STOP_HLT, "stopped with %s at %#llx", stop_reason_name(r),
		     (unsigned long long)reg(m, VT_RIP));
	cr_assert_eq(reg(m, VT_RIP), tm_end_rip(len));
}

/* PUSH in 64-bit mode: 8 bytes by default, 2 with 66h; immediates are
 * sign-extended to the operand size (SDM Vol. 2B, PUSH). */
Test(stack, push_forms_64)
{
	static const uint8_t code[] = {
		0x50,                         /* push rax */
		0x41, 0x50,                   /* push r8 */
		0xff, 0x36,                   /* push qword [rsi] */
		0x6a, 0xfe,                   /* push -2 */
		0x68, 0x00, 0x00, 0x00, 0x80, /* push 0x80000000 (imm32) */
		0x66, 0x68, 0x34, 0x12,       /* push word 0x1234 */
		0x66, 0x50,                   /* push ax */
		0x66, 0xff, 0x36,             /* push word [rsi] */
	};
	struct machine *m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RAX, 0x1122334455667788);
	machine_reg_set(m, VT_R8, 0x8877665544332211);
	machine_reg_set(m, VT_RSI, TM_DATA);
	tm_poke(m, TM_DATA, 8, 0xfedcba9876543210);
	run_to_hlt(m, code, sizeof code);
	cr_assert_eq(reg(m, VT_RSP), TM_STACK - 5 * 8 - 3 * 2);
	cr_assert_eq(tm_peek(m, TM_STACK - 8, 8), 0x1122334455667788);
	cr_assert_eq(tm_peek(m, TM_STACK - 16, 8), 0x8877665544332211);
	cr_assert_eq(tm_peek(m, TM_STACK - 24, 8), 0xfedcba9876543210);
	cr_assert_eq(tm_peek(m, TM_STACK - 32, 8), 0xfffffffffffffffe);
	cr_assert_eq(tm_peek(m, TM_STACK - 40, 8), 0xffffffff80000000);
	cr_assert_eq(tm_peek(m, TM_STACK - 42, 2), 0x1234);
	cr_assert_eq(tm_peek(m, TM_STACK - 44, 2), 0x7788);
	cr_assert_eq(tm_peek(m, TM_STACK - 46, 2), 0x3210);
	machine_free(m);
}

Test(stack, pop_forms_64)
{
	static const uint8_t code[] = {
		0x59,       /* pop rcx */
		0x41, 0x59, /* pop r9 */
		0x8f, 0x06, /* pop qword [rsi] */
		0x66, 0x5a, /* pop dx */
		0x66, 0x8f, 0x46, 0x08, /* pop word [rsi+8] */
	};
	const uint64_t sp = TM_STACK - 0x40;
	struct machine *m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RSP, sp);
	machine_reg_set(m, VT_RDX, 0xaaaaaaaaaaaaaaaa);
	machine_reg_set(m, VT_RSI, TM_DATA);
	tm_poke(m, sp, 8, 0x1111);
	tm_poke(m, sp + 8, 8, 0x2222222222222222);
	tm_poke(m, sp + 16, 8, 0x3333);
	tm_poke(m, sp + 24, 4, 0x55554444);
	tm_poke(m, TM_DATA + 8, 8, ~0ull);
	run_to_hlt(m, code, sizeof code);
	cr_assert_eq(reg(m, VT_RCX), 0x1111);
	cr_assert_eq(reg(m, VT_R9), 0x2222222222222222);
	cr_assert_eq(tm_peek(m, TM_DATA, 8), 0x3333);
	cr_assert_eq(reg(m, VT_RDX), 0xaaaaaaaaaaaa4444, "16-bit POP merges");
	cr_assert_eq(tm_peek(m, TM_DATA + 8, 8), 0xffffffffffff5555);
	cr_assert_eq(reg(m, VT_RSP), sp + 28);
	machine_free(m);
}

/*
 * PUSH RSP pushes the value RSP had before the push; POP RSP leaves RSP
 * = the popped value; POP m with an RSP-based address uses RSP after the
 * increment (SDM Vol. 2B, PUSH and POP).
 */
Test(stack, rsp_as_operand)
{
	static const uint8_t push_rsp[] = { 0x54 };
	static const uint8_t pop_rsp[] = { 0x5c };
	static const uint8_t pop_rsp8[] = { 0x8f, 0x44, 0x24, 0x08 }; /* pop qword [rsp+8] */
	static const uint8_t pop_rsp0[] = { 0x8f, 0x04, 0x24 };       /* pop qword [rsp] */
	const uint64_t sp = TM_STACK - 0x40;

	struct machine *m = tm_new(START_LONG64);
	run_to_hlt(m, push_rsp, 1);
	cr_assert_eq(tm_peek(m, TM_STACK - 8, 8), TM_STACK, "PUSH RSP stores the old RSP");
	cr_assert_eq(reg(m, VT_RSP), TM_STACK - 8);
	machine_free(m);

	m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RSP, sp);
	tm_poke(m, sp, 8, 0x7770);
	run_to_hlt(m, pop_rsp, 1);
	cr_assert_eq(reg(m, VT_RSP), 0x7770, "POP RSP: RSP is the popped value, not it + 8");
	machine_free(m);

	m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RSP, sp);
	tm_poke(m, sp, 8, 0xabcdef);
	tm_poke(m, sp + 8, 8, 0x8888);
	tm_poke(m, sp + 16, 8, 0x9999);
	run_to_hlt(m, pop_rsp8, sizeof pop_rsp8);
	cr_assert_eq(tm_peek(m, sp + 16, 8), 0xabcdef, "[rsp+8] is computed with the incremented RSP");
	cr_assert_eq(tm_peek(m, sp + 8, 8), 0x8888);
	cr_assert_eq(reg(m, VT_RSP), sp + 8);
	machine_free(m);

	m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RSP, sp);
	tm_poke(m, sp, 8, 0xabcdef);
	tm_poke(m, sp + 8, 8, 0x8888);
	run_to_hlt(m, pop_rsp0, sizeof pop_rsp0);
	cr_assert_eq(tm_peek(m, sp + 8, 8), 0xabcdef);
	cr_assert_eq(reg(m, VT_RSP), sp + 8);
	machine_free(m);
}

/* CALL pushes the address of the next instruction; RET pops it. */
Test(stack, call_ret)
{
	static const uint8_t code[] = {
		0xe8, 0x02, 0x00, 0x00, 0x00, /* 0: call 7 */
		0xeb, 0x05,                   /* 5: jmp 12 (the HLT) */
		0x48, 0x8b, 0x1c, 0x24,       /* 7: mov rbx, [rsp] */
		0xc3,                         /* 11: ret */
	};
	struct machine *m = tm_new(START_LONG64);
	run_to_hlt(m, code, sizeof code);
	cr_assert_eq(reg(m, VT_RBX), TM_CODE + 5);
	cr_assert_eq(reg(m, VT_RSP), TM_STACK);
	cr_assert_eq(machine_icount(m), 5);
	machine_free(m);
}

Test(stack, call_indirect_and_ret_imm16)
{
	static const uint8_t code[] = {
		0xff, 0xd0,             /* 0: call rax (-> 8) */
		0xff, 0x16,             /* 2: call [rsi] (-> 12) */
		0xeb, 0x09,             /* 4: jmp 15 (the HLT) */
		0x90, 0x90,             /* 6 */
		0x48, 0x89, 0xe1,       /* 8: mov rcx, rsp */
		0xc3,                   /* 11: ret */
		0xc2, 0x10, 0x00,       /* 12: ret 0x10 */
	};
	struct machine *m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RAX, TM_CODE + 8);
	machine_reg_set(m, VT_RSI, TM_DATA);
	tm_poke(m, TM_DATA, 8, TM_CODE + 12);
	run_to_hlt(m, code, sizeof code);
	cr_assert_eq(reg(m, VT_RCX), TM_STACK - 8);
	cr_assert_eq(tm_peek(m, TM_STACK - 8, 8), TM_CODE + 4, "second CALL's return address");
	cr_assert_eq(reg(m, VT_RSP), TM_STACK + 0x10, "RET 10h releases 16 bytes more");
	machine_free(m);
}

/* A CALL to a non-canonical target faults before it pushes (SDM Vol. 2A,
 * CALL: #GP(0) "If the target offset ... is non-canonical"). */
Test(stack, call_noncanonical_pushes_nothing)
{
	static const uint8_t code[] = { 0xff, 0xd0 }; /* call rax */
	struct tm_exc_log log;
	struct machine *m = tm_new(START_LONG64);
	tm_log_exceptions(m, &log);
	machine_reg_set(m, VT_RAX, 0x8000000000000000);
	tm_poke(m, TM_STACK - 8, 8, 0x5a5a);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_SHUTDOWN);
	cr_assert_eq(log.vector[0], 13);
	cr_assert_eq(log.rip[0], TM_CODE);
	cr_assert_eq(reg(m, VT_RSP), TM_STACK);
	cr_assert_eq(tm_peek(m, TM_STACK - 8, 8), 0x5a5a);
	machine_free(m);
}

/*
 * ENTER size, level (SDM Vol. 2A, ENTER): push RBP; for level > 1 copy
 * level-1 frame pointers from the old frame (RBP-8, RBP-16, ...); for
 * level >= 1 push the new frame pointer; RBP := frame; RSP -= size.
 */
Test(stack, enter_levels)
{
	static const uint8_t enter0[] = { 0xc8, 0x20, 0x00, 0x00 }; /* enter 0x20, 0 */
	static const uint8_t enter1[] = { 0xc8, 0x10, 0x00, 0x01 }; /* enter 0x10, 1 */
	static const uint8_t enter3[] = { 0xc8, 0x08, 0x00, 0x03 }; /* enter 8, 3 */
	const uint64_t old_bp = 0xe800;

	struct machine *m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RBP, old_bp);
	run_to_hlt(m, enter0, sizeof enter0);
	cr_assert_eq(tm_peek(m, TM_STACK - 8, 8), old_bp);
	cr_assert_eq(reg(m, VT_RBP), TM_STACK - 8);
	cr_assert_eq(reg(m, VT_RSP), TM_STACK - 8 - 0x20);
	machine_free(m);

	m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RBP, old_bp);
	run_to_hlt(m, enter1, sizeof enter1);
	cr_assert_eq(tm_peek(m, TM_STACK - 8, 8), old_bp);
	cr_assert_eq(tm_peek(m, TM_STACK - 16, 8), TM_STACK - 8, "level 1 pushes the new frame pointer");
	cr_assert_eq(reg(m, VT_RBP), TM_STACK - 8);
	cr_assert_eq(reg(m, VT_RSP), TM_STACK - 16 - 0x10);
	machine_free(m);

	m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RBP, old_bp);
	tm_poke(m, old_bp - 8, 8, 0xd1d1d1d1);  /* the enclosing frames' display */
	tm_poke(m, old_bp - 16, 8, 0xd2d2d2d2);
	tm_poke(m, old_bp - 24, 8, 0xbad);      /* level 3 copies only two */
	run_to_hlt(m, enter3, sizeof enter3);
	cr_assert_eq(tm_peek(m, TM_STACK - 8, 8), old_bp);
	cr_assert_eq(tm_peek(m, TM_STACK - 16, 8), 0xd1d1d1d1);
	cr_assert_eq(tm_peek(m, TM_STACK - 24, 8), 0xd2d2d2d2);
	cr_assert_eq(tm_peek(m, TM_STACK - 32, 8), TM_STACK - 8);
	cr_assert_eq(reg(m, VT_RBP), TM_STACK - 8);
	cr_assert_eq(reg(m, VT_RSP), TM_STACK - 32 - 8);
	machine_free(m);
}

/* LEAVE undoes ENTER: RSP := RBP, then pop RBP. */
Test(stack, enter_leave_roundtrip)
{
	static const uint8_t code[] = {
		0xc8, 0x30, 0x00, 0x02, /* enter 0x30, 2 */
		0xc9,                   /* leave */
	};
	struct machine *m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RBP, 0xe000);
	run_to_hlt(m, code, sizeof code);
	cr_assert_eq(reg(m, VT_RBP), 0xe000);
	cr_assert_eq(reg(m, VT_RSP), TM_STACK);
	machine_free(m);
}

/* PUSHF stores RFLAGS with RF and VM cleared (SDM Vol. 2B, PUSHF). */
Test(stack, pushf)
{
	static const uint8_t pushfq[] = { 0x9c };
	static const uint8_t pushf16[] = { 0x66, 0x9c };
	struct machine *m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RFLAGS, 0x2 | FL_RF | FL_AC | TM_CF | TM_OF | TM_DF);
	run_to_hlt(m, pushfq, 1);
	cr_assert_eq(tm_peek(m, TM_STACK - 8, 8), 0x2 | FL_AC | TM_CF | TM_OF | TM_DF);
	cr_assert_eq(reg(m, VT_RSP), TM_STACK - 8);
	machine_free(m);

	m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RFLAGS, 0x2 | FL_AC | TM_ZF);
	run_to_hlt(m, pushf16, 2);
	cr_assert_eq(tm_peek(m, TM_STACK - 2, 2), 0x2 | TM_ZF);
	cr_assert_eq(reg(m, VT_RSP), TM_STACK - 2);
	machine_free(m);
}

/*
 * POPF at CPL 0 (SDM Vol. 2B, POPF, Table 4-16): every non-reserved flag
 * but RF, VIP, VIF and VM may change, IF and IOPL included; VM keeps its
 * value, RF is cleared, reserved bits keep their fixed values. IF=1
 * makes the final HLT idle rather than final.
 */
Test(stack, popf_cpl0)
{
	static const uint8_t popfq[] = { 0x9d };
	static const uint8_t popf16[] = { 0x66, 0x9d };
	const uint64_t image = FL_VM | FL_RF | FL_AC | FL_IOPL | FL_IF | TM_DF | TM_CF |
			       (1ull << 15) | (1ull << 5) | (1ull << 3); /* and three reserved bits */

	struct machine *m = tm_new(START_LONG64);
	tm_poke(m, TM_STACK - 8, 8, image);
	machine_reg_set(m, VT_RSP, TM_STACK - 8);
	tm_load(m, popfq, 1);
	cr_assert_eq(machine_run(m, 100), STOP_HLT_IDLE, "POPF set IF, so HLT waits");
	cr_assert_eq(reg(m, VT_RFLAGS), 0x2 | FL_AC | FL_IOPL | FL_IF | TM_DF | TM_CF);
	cr_assert_eq(reg(m, VT_RSP), TM_STACK);
	machine_free(m);

	m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RFLAGS, 0x2 | FL_IF | TM_ZF);
	tm_poke(m, TM_STACK - 8, 8, 0x2);
	machine_reg_set(m, VT_RSP, TM_STACK - 8);
	run_to_hlt(m, popfq, 1);
	cr_assert_eq(reg(m, VT_RFLAGS) & (FL_IF | TM_ZF), 0, "POPF cleared IF and ZF");
	machine_free(m);

	/* 16-bit POPF changes only the low word. */
	m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RFLAGS, 0x2 | FL_AC);
	tm_poke(m, TM_STACK - 2, 2, 0x0801); /* OF, CF */
	machine_reg_set(m, VT_RSP, TM_STACK - 2);
	run_to_hlt(m, popf16, 2);
	cr_assert_eq(reg(m, VT_RFLAGS), 0x2 | FL_AC | TM_OF | TM_CF);
	cr_assert_eq(reg(m, VT_RSP), TM_STACK);
	machine_free(m);
}

/* Real mode: 16-bit pushes at SS:SP, SP wraps at 64 KiB. */
Test(stack, real16_push_pop)
{
	static const uint8_t code[] = {
		0x50, /* push ax */
		0x9c, /* pushf */
		0x5b, /* pop bx */
		0x59, /* pop cx */
	};
	struct machine *m = tm_new(START_REAL16);
	machine_reg_set(m, VT_SS, 0x2000);
	machine_reg_set(m, VT_RSP, 0);
	machine_reg_set(m, VT_RAX, 0xabcd);
	machine_reg_set(m, VT_RFLAGS, 0x2 | TM_CF);
	run_to_hlt(m, code, sizeof code);
	cr_assert_eq(tm_peek(m, 0x20000 + 0xfffe, 2), 0xabcd, "SP 0 - 2 wraps to FFFEh");
	cr_assert_eq(tm_peek(m, 0x20000 + 0xfffc, 2), 0x2 | TM_CF);
	cr_assert_eq(reg(m, VT_RBX), 0x2 | TM_CF);
	cr_assert_eq(reg(m, VT_RCX), 0xabcd);
	cr_assert_eq(reg(m, VT_RSP), 0);
	machine_free(m);
}

/* PUSHAD: EAX ECX EDX EBX (original ESP) EBP ESI EDI; POPAD skips the
 * saved ESP (SDM Vol. 2B, PUSHA/PUSHAD, POPA/POPAD). */
Test(stack, pusha_popa_prot32)
{
	static const uint8_t pushad[] = { 0x60 };
	static const uint8_t popad[] = { 0x61 };
	static const uint8_t pushaw[] = { 0x66, 0x60 };
	static const enum vt_reg order[8] = { VT_RAX, VT_RCX, VT_RDX, VT_RBX, VT_RSP, VT_RBP, VT_RSI, VT_RDI };

	struct machine *m = tm_new(START_PROT32);
	for (int r = 0; r < 8; r++)
		if (order[r] != VT_RSP)
			machine_reg_set(m, order[r], 0x10101010u * (uint64_t)(r + 1));
	run_to_hlt(m, pushad, 1);
	for (int r = 0; r < 8; r++) {
		uint64_t want = order[r] == VT_RSP ? TM_STACK : 0x10101010u * (uint64_t)(r + 1);
		cr_expect_eq(tm_peek(m, TM_STACK - 4 * (r + 1), 4), want, "slot of %s", machine_reg_name(order[r]));
	}
	cr_assert_eq(reg(m, VT_RSP), TM_STACK - 32);
	machine_free(m);

	m = tm_new(START_PROT32);
	for (int r = 0; r < 8; r++)
		tm_poke(m, TM_STACK - 32 + 4 * r, 4, 0xa0a0a0a0u + (uint64_t)r); /* EDI first */
	machine_reg_set(m, VT_RSP, TM_STACK - 32);
	run_to_hlt(m, popad, 1);
	for (int r = 0; r < 8; r++)
		if (order[r] != VT_RSP)
			cr_expect_eq(reg(m, order[r]), 0xa0a0a0a0u + (uint64_t)(7 - r), "%s", machine_reg_name(order[r]));
	cr_assert_eq(reg(m, VT_RSP), TM_STACK, "the saved ESP is discarded");
	machine_free(m);

	m = tm_new(START_PROT32);
	machine_reg_set(m, VT_RAX, 0x11112222);
	machine_reg_set(m, VT_RDI, 0x33334444);
	run_to_hlt(m, pushaw, 2);
	cr_assert_eq(tm_peek(m, TM_STACK - 2, 2), 0x2222);
	cr_assert_eq(tm_peek(m, TM_STACK - 10, 2), TM_STACK & 0xffff, "16-bit image of SP");
	cr_assert_eq(tm_peek(m, TM_STACK - 16, 2), 0x4444);
	cr_assert_eq(reg(m, VT_RSP), TM_STACK - 16);
	machine_free(m);
}

/* PUSHA/POPA do not exist in 64-bit mode: #UD (SDM Vol. 2B, PUSHA). */
Test(stack, pusha_invalid_in_64bit)
{
	static const uint8_t pushad[] = { 0x60 };
	struct tm_exc_log log;
	struct machine *m = tm_new(START_LONG64);
	tm_log_exceptions(m, &log);
	cr_assert_eq(tm_run_bytes(m, pushad, 1), STOP_SHUTDOWN);
	cr_assert_eq(log.vector[0], 6);
	cr_assert_eq(reg(m, VT_RSP), TM_STACK);
	machine_free(m);
}
