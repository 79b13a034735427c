/* test_shift.c - unit tests for shifts and rotates (sim/cpu/shift.c). */
#include <criterion/criterion.h>

#include "helpers.h"

/* Run code in 64-bit mode with RAX = a, RBX = b, RCX = count and the
 * arithmetic flags = flags; RSI points at TM_DATA. */
static struct machine *run64(const uint8_t *code, size_t len, uint64_t a, uint64_t b,
			     uint64_t count, uint64_t flags)
{
	struct machine *m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RAX, a);
	machine_reg_set(m, VT_RBX, b);
	machine_reg_set(m, VT_RCX, count);
	machine_reg_set(m, VT_RSI, TM_DATA);
	tm_set_flags(m, flags);
	cr_assert_eq(tm_run_bytes(m, code, len), STOP_HLT);
	cr_assert_eq(machine_reg_get(m, VT_RIP), tm_end_rip(len));
	return m;
}

static uint64_t rax(struct machine *m)
{
	return machine_reg_get(m, VT_RAX);
}

/* Masked count 0: no flag changes; a 32-bit register is still written
 * (zero-extended), an 8-bit one keeps the rest of RAX. */
Test(shift, count0_keeps_flags)
{
	static const uint8_t shl_eax_cl[] = { 0xd3, 0xe0 };
	static const uint8_t shl_al_cl[] = { 0xd2, 0xe0 };
	static const uint8_t rcl_al_cl[] = { 0xd2, 0xd0 };
	struct machine *m = run64(shl_eax_cl, sizeof shl_eax_cl, 0xdeadbeef12345678, 0, 0x20, TM_ARITH);
	cr_assert_eq(rax(m), 0x12345678);
	cr_assert_eq(tm_flags(m), TM_ARITH);
	machine_free(m);

	m = run64(shl_al_cl, sizeof shl_al_cl, 0xdeadbeef12345678, 0, 0, TM_CF | TM_ZF);
	cr_assert_eq(rax(m), 0xdeadbeef12345678);
	cr_assert_eq(tm_flags(m), TM_CF | TM_ZF);
	machine_free(m);

	m = run64(rcl_al_cl, sizeof rcl_al_cl, 0x80, 0, 0x40, TM_OF);
	cr_assert_eq(rax(m), 0x80);
	cr_assert_eq(tm_flags(m), TM_OF);
	machine_free(m);
}

Test(shift, shl_count1)
{
	static const uint8_t shl_eax_1[] = { 0xd1, 0xe0 };
	struct machine *m = run64(shl_eax_1, sizeof shl_eax_1, 0x80000001, 0, 0, TM_AF);
	cr_assert_eq(rax(m), 2);
	cr_assert_eq(tm_flags(m), TM_CF | TM_OF); /* AF cleared, PF: 02h has odd parity */
	machine_free(m);

	m = run64(shl_eax_1, sizeof shl_eax_1, 0x40000000, 0, 0, TM_CF);
	cr_assert_eq(rax(m), 0x80000000);
	cr_assert_eq(tm_flags(m), TM_OF | TM_SF | TM_PF);
	machine_free(m);
}

Test(shift, shl_count_masked_and_imm)
{
	static const uint8_t shl_eax_cl[] = { 0xd3, 0xe0 };
	static const uint8_t shl_rax_cl[] = { 0x48, 0xd3, 0xe0 };
	static const uint8_t shl_eax_5[] = { 0xc1, 0xe0, 0x05 };
	struct machine *m = run64(shl_eax_cl, sizeof shl_eax_cl, 1, 0, 33, 0); /* 33 & 1Fh = 1 */
	cr_assert_eq(rax(m), 2);
	machine_free(m);

	m = run64(shl_rax_cl, sizeof shl_rax_cl, 1, 0, 32 + 64, 0); /* 96 & 3Fh = 32 */
	cr_assert_eq(rax(m), 1ull << 32);
	machine_free(m);

	m = run64(shl_eax_5, sizeof shl_eax_5, 0x0c000001, 0, 0, 0);
	cr_assert_eq(rax(m), 0x80000020);
	cr_assert_eq(tm_flags(m) & (TM_CF | TM_SF | TM_ZF), TM_CF | TM_SF);
	machine_free(m);
}

/* Counts at and beyond the width of a byte: CF is the last bit shifted
 * out, 0 once everything has gone (vtsim's choice where the SDM leaves
 * CF undefined). */
Test(shift, shl_shr_beyond_width)
{
	static const uint8_t shl_al_cl[] = { 0xd2, 0xe0 };
	static const uint8_t shr_al_cl[] = { 0xd2, 0xe8 };
	struct machine *m = run64(shl_al_cl, sizeof shl_al_cl, 0x01, 0, 8, 0);
	cr_assert_eq(rax(m), 0);
	cr_assert_eq(tm_flags(m) & (TM_CF | TM_ZF | TM_PF | TM_SF), TM_CF | TM_ZF | TM_PF);
	machine_free(m);

	m = run64(shl_al_cl, sizeof shl_al_cl, 0xff, 0, 9, TM_CF);
	cr_assert_eq(rax(m), 0);
	cr_assert_eq(tm_flags(m) & (TM_CF | TM_ZF), TM_ZF);
	machine_free(m);

	m = run64(shr_al_cl, sizeof shr_al_cl, 0x80, 0, 8, 0);
	cr_assert_eq(rax(m), 0);
	cr_assert_eq(tm_flags(m) & (TM_CF | TM_ZF), TM_CF | TM_ZF);
	machine_free(m);
}

Test(shift, shr_sar)
{
	static const uint8_t shr_al_cl[] = { 0xd2, 0xe8 };
	static const uint8_t sar_al_cl[] = { 0xd2, 0xf8 };
	static const uint8_t sar_rax_cl[] = { 0x48, 0xd3, 0xf8 };
	static const uint8_t shr_rax_63[] = { 0x48, 0xc1, 0xe8, 0x3f };
	struct machine *m = run64(shr_al_cl, sizeof shr_al_cl, 0x81, 0, 1, 0);
	cr_assert_eq(rax(m), 0x40);
	cr_assert_eq(tm_flags(m), TM_CF | TM_OF); /* OF = MSB of the original */
	machine_free(m);

	m = run64(sar_al_cl, sizeof sar_al_cl, 0x81, 0, 1, TM_OF);
	cr_assert_eq(rax(m), 0xc0);
	cr_assert_eq(tm_flags(m), TM_CF | TM_SF | TM_PF); /* OF = 0 */
	machine_free(m);

	m = run64(sar_al_cl, sizeof sar_al_cl, 0x80, 0, 20, 0); /* beyond the width: all sign */
	cr_assert_eq(rax(m), 0xff);
	cr_assert_eq(tm_flags(m) & (TM_CF | TM_SF), TM_CF | TM_SF);
	machine_free(m);

	m = run64(sar_al_cl, sizeof sar_al_cl, 0x7f, 0, 20, TM_CF);
	cr_assert_eq(rax(m), 0);
	cr_assert_eq(tm_flags(m) & (TM_CF | TM_ZF), TM_ZF);
	machine_free(m);

	m = run64(sar_rax_cl, sizeof sar_rax_cl, 0x8000000000000000, 0, 63, 0);
	cr_assert_eq(rax(m), ~0ull);
	cr_assert_eq(tm_flags(m) & TM_CF, 0);
	machine_free(m);

	m = run64(shr_rax_63, sizeof shr_rax_63, 0xc000000000000000, 0, 0, 0);
	cr_assert_eq(rax(m), 1);
	cr_assert_eq(tm_flags(m) & (TM_CF | TM_ZF), TM_CF);
	machine_free(m);
}

/* Rotates write CF and OF only: the other flags keep their values. */
Test(shift, rol_ror)
{
	static const uint8_t rol_al_cl[] = { 0xd2, 0xc0 };
	static const uint8_t ror_al_cl[] = { 0xd2, 0xc8 };
	static const uint8_t rol_rax_cl[] = { 0x48, 0xd3, 0xc0 };
	const uint64_t keep = TM_ZF | TM_SF | TM_PF | TM_AF;
	struct machine *m = run64(rol_al_cl, sizeof rol_al_cl, 0x81, 0, 1, keep);
	cr_assert_eq(rax(m), 0x03);
	cr_assert_eq(tm_flags(m), keep | TM_CF | TM_OF);
	machine_free(m);

	m = run64(rol_al_cl, sizeof rol_al_cl, 0x81, 0, 8, TM_OF); /* 8 mod 8 = 0, but CF = LSB */
	cr_assert_eq(rax(m), 0x81);
	cr_assert_eq(tm_flags(m), TM_CF);
	machine_free(m);

	m = run64(ror_al_cl, sizeof ror_al_cl, 0x01, 0, 1, 0);
	cr_assert_eq(rax(m), 0x80);
	cr_assert_eq(tm_flags(m), TM_CF | TM_OF);
	machine_free(m);

	m = run64(ror_al_cl, sizeof ror_al_cl, 0x12, 0, 4, TM_CF | TM_ZF);
	cr_assert_eq(rax(m), 0x21);
	cr_assert_eq(tm_flags(m), TM_ZF);
	machine_free(m);

	m = run64(rol_rax_cl, sizeof rol_rax_cl, 0x123456789abcdef0, 0, 4, 0);
	cr_assert_eq(rax(m), 0x23456789abcdef01);
	cr_assert_eq(tm_flags(m), TM_CF | TM_OF);
	machine_free(m);
}

/* RCL/RCR rotate through CF; byte counts are taken mod 9, word counts mod 17. */
Test(shift, rcl_rcr)
{
	static const uint8_t rcl_al_cl[] = { 0xd2, 0xd0 };
	static const uint8_t rcr_al_cl[] = { 0xd2, 0xd8 };
	static const uint8_t rcl_ax_cl[] = { 0x66, 0xd3, 0xd0 };
	static const uint8_t rcl_rax_cl[] = { 0x48, 0xd3, 0xd0 };
	static const uint8_t rcr_rax_cl[] = { 0x48, 0xd3, 0xd8 };
	struct machine *m = run64(rcl_al_cl, sizeof rcl_al_cl, 0x80, 0, 1, TM_CF);
	cr_assert_eq(rax(m), 0x01);
	cr_assert_eq(tm_flags(m), TM_CF | TM_OF);
	machine_free(m);

	m = run64(rcl_al_cl, sizeof rcl_al_cl, 0x80, 0, 10, TM_CF); /* 10 mod 9 = 1 */
	cr_assert_eq(rax(m), 0x01);
	cr_assert_eq(tm_flags(m), TM_CF | TM_OF);
	machine_free(m);

	m = run64(rcl_al_cl, sizeof rcl_al_cl, 0x55, 0, 9, TM_CF); /* 9 mod 9 = 0: no rotation */
	cr_assert_eq(rax(m), 0x55);
	cr_assert_eq(tm_flags(m), TM_CF | TM_OF); /* OF = MSB XOR CF, vtsim's choice */
	machine_free(m);

	m = run64(rcr_al_cl, sizeof rcr_al_cl, 0x01, 0, 1, TM_CF);
	cr_assert_eq(rax(m), 0x80);
	cr_assert_eq(tm_flags(m), TM_CF | TM_OF); /* OF = MSB XOR CF before the rotation */
	machine_free(m);

	m = run64(rcl_ax_cl, sizeof rcl_ax_cl, 0x0001, 0, 16, 0); /* a 17-bit rotate right by 1 */
	cr_assert_eq(rax(m), 0);
	cr_assert_eq(tm_flags(m) & TM_CF, TM_CF);
	machine_free(m);

	m = run64(rcl_ax_cl, sizeof rcl_ax_cl, 0x1234, 0, 17, TM_CF); /* 17 mod 17 = 0 */
	cr_assert_eq(rax(m), 0x1234);
	cr_assert_eq(tm_flags(m) & TM_CF, TM_CF);
	machine_free(m);

	m = run64(rcr_rax_cl, sizeof rcr_rax_cl, 1, 0, 1, 0);
	cr_assert_eq(rax(m), 0);
	cr_assert_eq(tm_flags(m), TM_CF); /* ZF untouched by rotates */
	machine_free(m);

	m = run64(rcl_rax_cl, sizeof rcl_rax_cl, 1, 0, 63, 0); /* a 65-bit rotate right by 2 */
	cr_assert_eq(rax(m), 0x8000000000000000);
	cr_assert_eq(tm_flags(m), TM_OF);
	machine_free(m);
}

Test(shift, memory_and_high_byte)
{
	static const uint8_t code[] = {
		0xd3, 0x26,       /* shl dword [rsi], cl */
		0xc0, 0x4e, 0x04, 0x04, /* ror byte [rsi+4], 4 */
		0xd0, 0xe4,       /* shl ah, 1 */
	};
	struct machine *m = tm_new(START_LONG64);
	tm_poke(m, TM_DATA, 4, 0x80000000);
	tm_poke(m, TM_DATA + 4, 1, 0xa5);
	machine_reg_set(m, VT_RSI, TM_DATA);
	machine_reg_set(m, VT_RCX, 1);
	machine_reg_set(m, VT_RAX, 0x1122334455668177);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(tm_peek(m, TM_DATA, 4), 0);
	cr_assert_eq(tm_peek(m, TM_DATA + 4, 1), 0x5a);
	cr_assert_eq(rax(m), 0x1122334455660277);
	cr_assert_eq(tm_flags(m) & (TM_CF | TM_OF), TM_CF | TM_OF); /* from SHL AH */
	machine_free(m);
}

Test(shift, memory_count0_unchanged)
{
	static const uint8_t shl_dword_rsi_cl[] = { 0xd3, 0x26 };
	struct machine *m = tm_new(START_LONG64);
	tm_poke(m, TM_DATA, 4, 0x12345678);
	machine_reg_set(m, VT_RSI, TM_DATA);
	machine_reg_set(m, VT_RCX, 0x20);
	tm_set_flags(m, TM_ZF);
	cr_assert_eq(tm_run_bytes(m, shl_dword_rsi_cl, sizeof shl_dword_rsi_cl), STOP_HLT);
	cr_assert_eq(tm_peek(m, TM_DATA, 4), 0x12345678);
	cr_assert_eq(tm_flags(m), TM_ZF);
	machine_free(m);
}

/* The example of SHLD/SHRD with 01234567h and 89ABCDEFh. */
Test(shift, shld_shrd_32)
{
	static const uint8_t shld[] = { 0x0f, 0xa4, 0xd8, 0x08 }; /* shld eax, ebx, 8 */
	static const uint8_t shrd[] = { 0x0f, 0xac, 0xd8, 0x08 }; /* shrd eax, ebx, 8 */
	struct machine *m = run64(shld, sizeof shld, 0xffffffff01234567, 0x89abcdef, 0, 0);
	cr_assert_eq(rax(m), 0x23456789);
	cr_assert_eq(tm_flags(m), TM_CF); /* bit 24 of DEST; PF: 89h has odd parity */
	machine_free(m);

	m = run64(shrd, sizeof shrd, 0x01234567, 0x89abcdef, 0, 0);
	cr_assert_eq(rax(m), 0xef012345);
	cr_assert_eq(tm_flags(m), TM_SF | TM_OF); /* CF = bit 7 of DEST = 0; sign changed */
	machine_free(m);
}

Test(shift, shld_shrd_16_and_64)
{
	static const uint8_t shld16[] = { 0x66, 0x0f, 0xa5, 0xd8 }; /* shld ax, bx, cl */
	static const uint8_t shrd16[] = { 0x66, 0x0f, 0xad, 0xd8 }; /* shrd ax, bx, cl */
	static const uint8_t shld64[] = { 0x48, 0x0f, 0xa5, 0xd8 }; /* shld rax, rbx, cl */
	static const uint8_t shrd64[] = { 0x48, 0x0f, 0xad, 0xd8 }; /* shrd rax, rbx, cl */
	struct machine *m = run64(shld16, sizeof shld16, 0x1234, 0xabcd, 4, 0);
	cr_assert_eq(rax(m), 0x234a);
	cr_assert_eq(tm_flags(m) & TM_CF, TM_CF);
	machine_free(m);

	/* Count 20 > 16: vtsim shifts the pattern DEST:SRC:DEST (documented choice). */
	m = run64(shld16, sizeof shld16, 0x1234, 0xabcd, 20, TM_CF);
	cr_assert_eq(rax(m), 0xbcd1);
	cr_assert_eq(tm_flags(m) & TM_CF, 0);
	machine_free(m);

	m = run64(shrd16, sizeof shrd16, 0x1234, 0xabcd, 20, 0);
	cr_assert_eq(rax(m), 0x4abc);
	cr_assert_eq(tm_flags(m) & TM_CF, TM_CF);
	machine_free(m);

	m = run64(shld64, sizeof shld64, 0x8000000000000001, 0xfedcba9876543210, 63 + 64, 0);
	cr_assert_eq(rax(m), 0xff6e5d4c3b2a1908);
	cr_assert_eq(tm_flags(m), TM_SF);
	machine_free(m);

	m = run64(shrd64, sizeof shrd64, 0x1111, 0x2222, 64, TM_ARITH); /* 64 & 3Fh = 0 */
	cr_assert_eq(rax(m), 0x1111);
	cr_assert_eq(tm_flags(m), TM_ARITH);
	machine_free(m);

	m = run64(shrd64, sizeof shrd64, 0x1, 0x0, 1, 0);
	cr_assert_eq(rax(m), 0);
	cr_assert_eq(tm_flags(m), TM_CF | TM_ZF | TM_PF);
	machine_free(m);
}

Test(shift, shld_memory)
{
	static const uint8_t code[] = { 0x0f, 0xa5, 0x1e }; /* shld [rsi], ebx, cl */
	struct machine *m = tm_new(START_LONG64);
	tm_poke(m, TM_DATA, 4, 0x01234567);
	machine_reg_set(m, VT_RSI, TM_DATA);
	machine_reg_set(m, VT_RBX, 0x89abcdef);
	machine_reg_set(m, VT_RCX, 4);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(tm_peek(m, TM_DATA, 4), 0x12345678);
	machine_free(m);
}
