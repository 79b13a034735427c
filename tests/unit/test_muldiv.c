/* test_muldiv.c - unit tests for MUL, IMUL, DIV and IDIV (sim/cpu/muldiv.c). */
#include <criterion/criterion.h>

#include "helpers.h"

/* Run code in 64-bit mode with RAX, RDX, RBX preset and the arithmetic
 * flags = flags; RSI points at TM_DATA. */
static struct machine *run64(const uint8_t *code, size_t len, uint64_t a, uint64_t d, uint64_t b,
			     uint64_t flags)
{
	struct machine *m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RAX, a);
	machine_reg_set(m, VT_RDX, d);
	machine_reg_set(m, VT_RBX, b);
	machine_reg_set(m, VT_RSI, TM_DATA);
	tm_set_flags(m, flags);
	cr_assert_eq(tm_run_bytes(m, code, len), STOP_HLT);
	return m;
}

static uint64_t reg(struct machine *m, enum vt_reg r)
{
	return machine_reg_get(m, r);
}

/* CF = OF = "upper half significant"; SF, ZF, PF follow the low half
 * and AF is cleared (vtsim's choice for the undefined ones). */
Test(muldiv, mul_byte)
{
	static const uint8_t mul_bl[] = { 0xf6, 0xe3 };
	struct machine *m = run64(mul_bl, sizeof mul_bl, 0xffffffffffff1280, 0x55, 4, TM_AF);
	cr_assert_eq(reg(m, VT_RAX), 0xffffffffffff0200);
	cr_assert_eq(reg(m, VT_RDX), 0x55); /* untouched by the byte form */
	cr_assert_eq(tm_flags(m), TM_CF | TM_OF | TM_ZF | TM_PF);
	machine_free(m);

	m = run64(mul_bl, sizeof mul_bl, 3, 0, 5, TM_CF | TM_OF);
	cr_assert_eq(reg(m, VT_RAX), 15);
	cr_assert_eq(tm_flags(m), TM_PF);
	machine_free(m);
}

Test(muldiv, mul_word_dword_qword)
{
	static const uint8_t mul_bx[] = { 0x66, 0xf7, 0xe3 };
	static const uint8_t mul_ebx[] = { 0xf7, 0xe3 };
	static const uint8_t mul_rbx[] = { 0x48, 0xf7, 0xe3 };
	struct machine *m = run64(mul_bx, sizeof mul_bx, 0xaaaa8000, 0xbbbbcccc, 4, 0);
	cr_assert_eq(reg(m, VT_RAX), 0xaaaa0000);
	cr_assert_eq(reg(m, VT_RDX), 0xbbbb0002);
	cr_assert_eq(tm_flags(m) & (TM_CF | TM_OF), TM_CF | TM_OF);
	machine_free(m);

	m = run64(mul_ebx, sizeof mul_ebx, 0x11111111ffffffff, 0x2222222200000000, 0xffffffff, 0);
	cr_assert_eq(reg(m, VT_RAX), 1);
	cr_assert_eq(reg(m, VT_RDX), 0xfffffffe);
	cr_assert_eq(tm_flags(m), TM_CF | TM_OF);
	machine_free(m);

	m = run64(mul_rbx, sizeof mul_rbx, ~0ull, 0, 2, 0);
	cr_assert_eq(reg(m, VT_RAX), 0xfffffffffffffffe);
	cr_assert_eq(reg(m, VT_RDX), 1);
	cr_assert_eq(tm_flags(m), TM_CF | TM_OF | TM_SF);
	machine_free(m);

	m = run64(mul_rbx, sizeof mul_rbx, 0, 0x1234, 7, TM_CF | TM_OF);
	cr_assert_eq(reg(m, VT_RAX), 0);
	cr_assert_eq(reg(m, VT_RDX), 0);
	cr_assert_eq(tm_flags(m), TM_ZF | TM_PF);
	machine_free(m);
}

Test(muldiv, mul_memory)
{
	static const uint8_t code[] = { 0x48, 0xf7, 0x26 }; /* mul qword [rsi] */
	struct machine *m = tm_new(START_LONG64);
	tm_poke(m, TM_DATA, 8, 0x100000000);
	machine_reg_set(m, VT_RSI, TM_DATA);
	machine_reg_set(m, VT_RAX, 0x300000005);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(reg(m, VT_RAX), 0x500000000);
	cr_assert_eq(reg(m, VT_RDX), 3);
	machine_free(m);
}

Test(muldiv, imul_one_operand)
{
	static const uint8_t imul_bl[] = { 0xf6, 0xeb };
	static const uint8_t imul_ebx[] = { 0xf7, 0xeb };
	static const uint8_t imul_rbx[] = { 0x48, 0xf7, 0xeb };
	static const uint8_t imul_bx[] = { 0x66, 0xf7, 0xeb };
	struct machine *m = run64(imul_bl, sizeof imul_bl, 0xfe, 0, 3, 0); /* -2 * 3 */
	cr_assert_eq(reg(m, VT_RAX), 0xfffa);
	cr_assert_eq(tm_flags(m) & (TM_CF | TM_OF | TM_SF), TM_SF);
	machine_free(m);

	m = run64(imul_bl, sizeof imul_bl, 0x80, 0, 0xff, 0); /* -128 * -1 = 128: AH significant */
	cr_assert_eq(reg(m, VT_RAX), 0x0080);
	cr_assert_eq(tm_flags(m) & (TM_CF | TM_OF), TM_CF | TM_OF);
	machine_free(m);

	m = run64(imul_bx, sizeof imul_bx, 0xffff, 0x12345678, 0x7fff, 0); /* -1 * 32767 */
	cr_assert_eq(reg(m, VT_RAX), 0x8001);
	cr_assert_eq(reg(m, VT_RDX), 0x1234ffff);
	cr_assert_eq(tm_flags(m) & (TM_CF | TM_OF), 0);
	machine_free(m);

	m = run64(imul_ebx, sizeof imul_ebx, 0xffffffff, 0x77, 0xffffffff, TM_CF); /* -1 * -1 */
	cr_assert_eq(reg(m, VT_RAX), 1);
	cr_assert_eq(reg(m, VT_RDX), 0);
	cr_assert_eq(tm_flags(m) & (TM_CF | TM_OF), 0);
	machine_free(m);

	m = run64(imul_rbx, sizeof imul_rbx, 0x8000000000000000, 0, ~0ull, 0); /* INT64_MIN * -1 */
	cr_assert_eq(reg(m, VT_RAX), 0x8000000000000000);
	cr_assert_eq(reg(m, VT_RDX), 0);
	cr_assert_eq(tm_flags(m) & (TM_CF | TM_OF), TM_CF | TM_OF);
	machine_free(m);

	m = run64(imul_rbx, sizeof imul_rbx, 0x8000000000000000, 0, 0x8000000000000000, 0);
	cr_assert_eq(reg(m, VT_RAX), 0);
	cr_assert_eq(reg(m, VT_RDX), 0x4000000000000000);
	machine_free(m);
}

Test(muldiv, imul_two_operands)
{
	static const uint8_t imul_eax_ebx[] = { 0x0f, 0xaf, 0xc3 };
	static const uint8_t imul_rax_rbx[] = { 0x48, 0x0f, 0xaf, 0xc3 };
	static const uint8_t imul_ax_bx[] = { 0x66, 0x0f, 0xaf, 0xc3 };
	struct machine *m = run64(imul_eax_ebx, sizeof imul_eax_ebx, 0xffffffff00010000, 0x99, 0x10000, 0);
	cr_assert_eq(reg(m, VT_RAX), 0);
	cr_assert_eq(reg(m, VT_RDX), 0x99); /* no implicit high half */
	cr_assert_eq(tm_flags(m), TM_CF | TM_OF | TM_ZF | TM_PF);
	machine_free(m);

	m = run64(imul_rax_rbx, sizeof imul_rax_rbx, (uint64_t)-3, 0, 5, 0);
	cr_assert_eq(reg(m, VT_RAX), (uint64_t)-15);
	cr_assert_eq(tm_flags(m) & (TM_CF | TM_OF | TM_SF), TM_SF);
	machine_free(m);

	m = run64(imul_ax_bx, sizeof imul_ax_bx, 0x1234560100, 0, 0x100, 0);
	cr_assert_eq(reg(m, VT_RAX), 0x1234560000);
	cr_assert_eq(tm_flags(m) & (TM_CF | TM_OF), TM_CF | TM_OF);
	machine_free(m);
}

Test(muldiv, imul_memory)
{
	static const uint8_t code[] = { 0x0f, 0xaf, 0x06 }; /* imul eax, [rsi] */
	struct machine *m = tm_new(START_LONG64);
	tm_poke(m, TM_DATA, 4, (uint32_t)-7);
	machine_reg_set(m, VT_RSI, TM_DATA);
	machine_reg_set(m, VT_RAX, 6);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(reg(m, VT_RAX), (uint32_t)-42);
	machine_free(m);
}

Test(muldiv, imul_three_operands)
{
	static const uint8_t imul_imm8[] = { 0x6b, 0xc3, 0xfd };             /* imul eax, ebx, -3 */
	static const uint8_t imul_imm32[] = { 0x69, 0xc3, 0x00, 0x00, 0x01, 0x00 }; /* imul eax, ebx, 10000h */
	static const uint8_t imul_rax_imm[] = { 0x48, 0x69, 0xc3, 0xd4, 0xfe, 0xff, 0xff }; /* imul rax, rbx, -300 */
	static const uint8_t imul_ax_imm[] = { 0x66, 0x69, 0xc3, 0xe8, 0x03 }; /* imul ax, bx, 1000 */
	struct machine *m = run64(imul_imm8, sizeof imul_imm8, 0x5555, 0, 7, 0);
	cr_assert_eq(reg(m, VT_RAX), 0xffffffeb);
	cr_assert_eq(tm_flags(m) & (TM_CF | TM_OF | TM_SF), TM_SF);
	machine_free(m);

	m = run64(imul_imm32, sizeof imul_imm32, 0, 0, 0x10000, 0);
	cr_assert_eq(reg(m, VT_RAX), 0);
	cr_assert_eq(tm_flags(m) & (TM_CF | TM_OF | TM_ZF), TM_CF | TM_OF | TM_ZF);
	machine_free(m);

	m = run64(imul_rax_imm, sizeof imul_rax_imm, 0, 0, 1ull << 56, 0);
	cr_assert_eq(reg(m, VT_RAX), 0xd400000000000000);
	cr_assert_eq(tm_flags(m) & (TM_CF | TM_OF), TM_CF | TM_OF);
	machine_free(m);

	m = run64(imul_rax_imm, sizeof imul_rax_imm, 0, 0, (uint64_t)-2, TM_CF | TM_OF);
	cr_assert_eq(reg(m, VT_RAX), 600);
	cr_assert_eq(tm_flags(m) & (TM_CF | TM_OF), 0);
	machine_free(m);

	m = run64(imul_ax_imm, sizeof imul_ax_imm, 0xabcd0000, 0, 33, 0); /* 33000 > 32767 */
	cr_assert_eq(reg(m, VT_RAX), 0xabcd80e8);
	cr_assert_eq(tm_flags(m) & (TM_CF | TM_OF), TM_CF | TM_OF);
	machine_free(m);
}

/* DIV and IDIV leave all six flags as they were (vtsim's choice). */
Test(muldiv, div_all_sizes)
{
	static const uint8_t div_bl[] = { 0xf6, 0xf3 };
	static const uint8_t div_bx[] = { 0x66, 0xf7, 0xf3 };
	static const uint8_t div_ebx[] = { 0xf7, 0xf3 };
	static const uint8_t div_rbx[] = { 0x48, 0xf7, 0xf3 };
	struct machine *m = run64(div_bl, sizeof div_bl, 0x77770000000003e8, 0x99, 7, TM_ZF | TM_CF);
	cr_assert_eq(reg(m, VT_RAX), 0x777700000000068e); /* 1000 = 142 * 7 + 6 */
	cr_assert_eq(reg(m, VT_RDX), 0x99);
	cr_assert_eq(tm_flags(m), TM_ZF | TM_CF);
	machine_free(m);

	m = run64(div_bx, sizeof div_bx, 0xaaaa0000, 0xbbbb0001, 3, TM_OF);
	cr_assert_eq(reg(m, VT_RAX), 0xaaaa5555);
	cr_assert_eq(reg(m, VT_RDX), 0xbbbb0001);
	cr_assert_eq(tm_flags(m), TM_OF);
	machine_free(m);

	m = run64(div_ebx, sizeof div_ebx, 0xffffffff00000000, 0xffffffff00000001, 0x10, 0);
	cr_assert_eq(reg(m, VT_RAX), 0x10000000);
	cr_assert_eq(reg(m, VT_RDX), 0);
	machine_free(m);

	m = run64(div_rbx, sizeof div_rbx, 5, 1, 2, 0); /* (2^64 + 5) / 2 */
	cr_assert_eq(reg(m, VT_RAX), 0x8000000000000002);
	cr_assert_eq(reg(m, VT_RDX), 1);
	machine_free(m);
}

Test(muldiv, div_memory)
{
	static const uint8_t code[] = { 0xf7, 0x36 }; /* div dword [rsi] */
	struct machine *m = tm_new(START_LONG64);
	tm_poke(m, TM_DATA, 4, 10);
	machine_reg_set(m, VT_RSI, TM_DATA);
	machine_reg_set(m, VT_RAX, 12345);
	machine_reg_set(m, VT_RDX, 0);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(reg(m, VT_RAX), 1234);
	cr_assert_eq(reg(m, VT_RDX), 5);
	machine_free(m);
}

/* IDIV truncates toward zero; the remainder has the dividend's sign. */
Test(muldiv, idiv_signs)
{
	static const uint8_t idiv_bl[] = { 0xf6, 0xfb };
	static const uint8_t idiv_ebx[] = { 0xf7, 0xfb };
	static const uint8_t idiv_rbx[] = { 0x48, 0xf7, 0xfb };
	static const uint8_t idiv_bx[] = { 0x66, 0xf7, 0xfb };
	struct machine *m = run64(idiv_bl, sizeof idiv_bl, 0xfff9, 0, 2, 0); /* -7 / 2 */
	cr_assert_eq(reg(m, VT_RAX), 0xfffd); /* AL = -3, AH = -1 */
	machine_free(m);

	m = run64(idiv_bl, sizeof idiv_bl, 0xff00, 0, 2, 0); /* -256 / 2 = -128 fits */
	cr_assert_eq(reg(m, VT_RAX), 0x0080);
	machine_free(m);

	m = run64(idiv_ebx, sizeof idiv_ebx, 0xfffffff9, 0xffffffff, 0xfffffffe, 0); /* -7 / -2 */
	cr_assert_eq(reg(m, VT_RAX), 3);
	cr_assert_eq(reg(m, VT_RDX), 0xffffffff);
	machine_free(m);

	m = run64(idiv_rbx, sizeof idiv_rbx, 100, 0, (uint64_t)-7, 0);
	cr_assert_eq(reg(m, VT_RAX), (uint64_t)-14);
	cr_assert_eq(reg(m, VT_RDX), 2);
	machine_free(m);

	m = run64(idiv_bx, sizeof idiv_bx, 0x8001, 0xffff, 0xffff, 0); /* -32767 / -1 = 32767 fits */
	cr_assert_eq(reg(m, VT_RAX), 0x7fff);
	cr_assert_eq(reg(m, VT_RDX), 0);
	machine_free(m);
}

Test(muldiv, idiv_memory)
{
	static const uint8_t code[] = { 0x48, 0xf7, 0x3e }; /* idiv qword [rsi] */
	struct machine *m = tm_new(START_LONG64);
	tm_poke(m, TM_DATA, 8, (uint64_t)-10);
	machine_reg_set(m, VT_RSI, TM_DATA);
	machine_reg_set(m, VT_RAX, 105);
	machine_reg_set(m, VT_RDX, 0);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(reg(m, VT_RAX), (uint64_t)-10);
	cr_assert_eq(reg(m, VT_RDX), 5);
	machine_free(m);
}

/*
 * #DE in 64-bit mode: the loader's IDT is empty, so delivery fails and
 * the processor shuts down. The first exception must be #DE at the
 * division, with RAX, RDX and the flags as before the instruction.
 */
static void expect_de(const uint8_t *code, size_t len, uint64_t a, uint64_t d, uint64_t b)
{
	struct machine *m = tm_new(START_LONG64);
	struct tm_exc_log log;
	tm_log_exceptions(m, &log);
	machine_reg_set(m, VT_RAX, a);
	machine_reg_set(m, VT_RDX, d);
	machine_reg_set(m, VT_RBX, b);
	tm_set_flags(m, TM_CF | TM_SF);
	cr_assert_eq(tm_run_bytes(m, code, len), STOP_SHUTDOWN);
	cr_assert_geq(log.n, 1);
	cr_assert_eq(log.vector[0], 0, "first exception %d, expected #DE", log.vector[0]);
	cr_assert_eq(log.rip[0], TM_CODE);
	cr_assert_eq(machine_reg_get(m, VT_RIP), TM_CODE);
	cr_assert_eq(reg(m, VT_RAX), a);
	cr_assert_eq(reg(m, VT_RDX), d);
	cr_assert_eq(tm_flags(m), TM_CF | TM_SF);
	machine_free(m);
}

Test(muldiv, div_by_zero)
{
	static const uint8_t div_ebx[] = { 0xf7, 0xf3 };
	static const uint8_t idiv_bl[] = { 0xf6, 0xfb };
	expect_de(div_ebx, sizeof div_ebx, 1234, 0, 0xffffffff00000000);
	expect_de(idiv_bl, sizeof idiv_bl, 1234, 0, 0xff00);
}

Test(muldiv, div_quotient_overflow)
{
	static const uint8_t div_bl[] = { 0xf6, 0xf3 };
	static const uint8_t div_rbx[] = { 0x48, 0xf7, 0xf3 };
	expect_de(div_bl, sizeof div_bl, 0x1000, 0, 0x10); /* 100h does not fit AL */
	expect_de(div_rbx, sizeof div_rbx, 0, 5, 5);       /* RDX >= divisor */
}

Test(muldiv, idiv_overflow)
{
	static const uint8_t idiv_bl[] = { 0xf6, 0xfb };
	static const uint8_t idiv_ebx[] = { 0xf7, 0xfb };
	static const uint8_t idiv_rbx[] = { 0x48, 0xf7, 0xfb };
	expect_de(idiv_bl, sizeof idiv_bl, 0xff80, 0, 0xff);                /* -128 / -1 */
	expect_de(idiv_bl, sizeof idiv_bl, 0x0100, 0, 2);                   /* 256 / 2 = 128 */
	expect_de(idiv_ebx, sizeof idiv_ebx, 0x80000000, 0xffffffff, 0xffffffff); /* INT32_MIN / -1 */
	expect_de(idiv_rbx, sizeof idiv_rbx, 0, 0x8000000000000000, 0x8000000000000000);
	expect_de(idiv_rbx, sizeof idiv_rbx, 0x8000000000000000, ~0ull, ~0ull); /* INT64_MIN / -1 */
}

/* In real mode the IVT is live: #DE goes to vector 0's handler with the
 * faulting instruction's IP on the stack (a fault, SDM Vol. 3A, 6.5). */
Test(muldiv, div_error_real_mode_delivery)
{
	static const uint8_t div_bl[] = { 0xf6, 0xf3 };
	static const uint8_t hlt = 0xf4;
	struct machine *m = tm_new(START_REAL16);
	tm_poke(m, 0, 4, 0x2000); /* IVT[0] = 0000:2000 */
	machine_phys_write(m, 0x2000, &hlt, 1);
	machine_reg_set(m, VT_RAX, 0x1234);
	machine_reg_set(m, VT_RBX, 0);
	cr_assert_eq(tm_run_bytes(m, div_bl, sizeof div_bl), STOP_HLT);
	cr_assert_eq(machine_reg_get(m, VT_RIP), 0x2001);
	cr_assert_eq(reg(m, VT_RAX), 0x1234);
	cr_assert_eq(reg(m, VT_RSP), TM_STACK - 6);
	cr_assert_eq(tm_peek(m, TM_STACK - 6, 2), TM_CODE); /* the IP of the DIV */
	machine_free(m);
}
