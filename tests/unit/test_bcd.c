/* test_bcd.c - unit tests for DAA, DAS, AAA, AAS, AAM and AAD (sim/cpu/bcd.c). */
#include <criterion/criterion.h>

#include "helpers.h"

/* Run code in 32-bit protected mode with EAX, EBX and the flags preset. */
static struct machine *run32(const uint8_t *code, size_t len, uint64_t a, uint64_t b, uint64_t flags)
{
	struct machine *m = tm_new(START_PROT32);
	machine_reg_set(m, VT_RAX, a);
	machine_reg_set(m, VT_RBX, b);
	tm_set_flags(m, flags);
	cr_assert_eq(tm_run_bytes(m, code, len), STOP_HLT);
	return m;
}

static uint64_t eax(struct machine *m)
{
	return machine_reg_get(m, VT_RAX);
}

/* The DAA example of the SDM (Vol. 2A, DAA): 79 + 35 = 114 (BCD). */
Test(bcd, daa_sdm_example)
{
	static const uint8_t code[] = { 0x00, 0xd8, 0x27 }; /* add al, bl; daa */
	struct machine *m = run32(code, sizeof code, 0x79, 0x35, 0);
	cr_assert_eq(eax(m), 0x14);
	cr_assert_eq(tm_flags(m), TM_AF | TM_PF | TM_CF); /* OF cleared by vtsim */
	machine_free(m);
}

Test(bcd, daa_cases)
{
	static const uint8_t daa[] = { 0x27 };
	struct machine *m = run32(daa, sizeof daa, 0x2e, 0, TM_OF | TM_SF);
	cr_assert_eq(eax(m), 0x34); /* low digit adjusted only */
	cr_assert_eq(tm_flags(m), TM_AF);
	machine_free(m);

	m = run32(daa, sizeof daa, 0x12, 0, TM_CF); /* CF in: add 60h */
	cr_assert_eq(eax(m), 0x72);
	cr_assert_eq(tm_flags(m), TM_CF | TM_PF);
	machine_free(m);

	m = run32(daa, sizeof daa, 0x10, 0, TM_AF); /* AF in: add 6 */
	cr_assert_eq(eax(m), 0x16);
	cr_assert_eq(tm_flags(m), TM_AF);
	machine_free(m);

	m = run32(daa, sizeof daa, 0x9a, 0, 0); /* 99 + 1 before adjustment */
	cr_assert_eq(eax(m), 0x00);
	cr_assert_eq(tm_flags(m), TM_CF | TM_AF | TM_ZF | TM_PF);
	machine_free(m);
}

/* The DAS example of the SDM (Vol. 2A, DAS): 35 - 47 = -12, i.e. 88 with a borrow. */
Test(bcd, das_sdm_example)
{
	static const uint8_t code[] = { 0x28, 0xd8, 0x2f }; /* sub al, bl; das */
	struct machine *m = run32(code, sizeof code, 0x35, 0x47, 0);
	cr_assert_eq(eax(m), 0x88);
	cr_assert_eq(tm_flags(m), TM_SF | TM_AF | TM_PF | TM_CF);
	machine_free(m);
}

/* DAS has no ELSE on its second step: the first step's borrow stays in CF. */
Test(bcd, das_keeps_first_borrow)
{
	static const uint8_t das[] = { 0x2f };
	struct machine *m = run32(das, sizeof das, 0x03, 0, TM_AF); /* 03 - 6 borrows */
	cr_assert_eq(eax(m), 0xfd);
	cr_assert_eq(tm_flags(m) & (TM_CF | TM_AF), TM_CF | TM_AF);
	machine_free(m);

	m = run32(das, sizeof das, 0x45, 0, TM_CF | TM_ZF);
	cr_assert_eq(eax(m), 0xe5);
	cr_assert_eq(tm_flags(m), TM_CF | TM_SF);
	machine_free(m);
}

Test(bcd, aaa)
{
	static const uint8_t code[] = { 0x00, 0xd8, 0x37 }; /* add al, bl; aaa */
	static const uint8_t aaa[] = { 0x37 };
	struct machine *m = run32(code, sizeof code, 0x08, 0x06, 0); /* 8 + 6 = 14 */
	cr_assert_eq(eax(m), 0x0104);
	cr_assert_eq(tm_flags(m), TM_AF | TM_CF); /* SZP from AL = 04h, OF cleared */
	machine_free(m);

	m = run32(aaa, sizeof aaa, 0x0305, 0, TM_CF | TM_OF);
	cr_assert_eq(eax(m), 0x0305); /* no adjustment: CF = AF = 0 */
	cr_assert_eq(tm_flags(m), TM_PF);
	machine_free(m);

	m = run32(aaa, sizeof aaa, 0x00fa, 0, 0); /* AX + 106h carries into AH */
	cr_assert_eq(eax(m), 0x0200);
	cr_assert_eq(tm_flags(m), TM_AF | TM_CF | TM_ZF | TM_PF);
	machine_free(m);
}

Test(bcd, aas)
{
	static const uint8_t code[] = { 0x28, 0xd8, 0x3f }; /* sub al, bl; aas */
	struct machine *m = run32(code, sizeof code, 0x0205, 0x08, 0); /* 25 - 8 = 17 */
	cr_assert_eq(eax(m), 0x0107);
	cr_assert_eq(tm_flags(m), TM_AF | TM_CF);
	machine_free(m);

	m = run32(code, sizeof code, 0x0009, 0x04, 0); /* 9 - 4 = 5 */
	cr_assert_eq(eax(m), 0x0005);
	cr_assert_eq(tm_flags(m), TM_PF);
	machine_free(m);
}

Test(bcd, aam)
{
	static const uint8_t code[] = { 0xf6, 0xe3, 0xd4, 0x0a }; /* mul bl; aam */
	static const uint8_t aam16[] = { 0xd4, 0x10 };
	struct machine *m = run32(code, sizeof code, 0x09, 0x07, 0); /* 9 * 7 = 63 */
	cr_assert_eq(eax(m), 0x0603);
	cr_assert_eq(tm_flags(m), TM_PF); /* CF/OF of the MUL cleared */
	machine_free(m);

	m = run32(aam16, sizeof aam16, 0xff3f, 0, TM_CF | TM_AF | TM_OF);
	cr_assert_eq(eax(m), 0x030f);
	cr_assert_eq(tm_flags(m), TM_PF);
	machine_free(m);
}

Test(bcd, aad)
{
	static const uint8_t aad[] = { 0xd5, 0x0a };
	static const uint8_t aad16[] = { 0xd5, 0x10 };
	struct machine *m = run32(aad, sizeof aad, 0x12340603, 0, TM_CF);
	cr_assert_eq(eax(m), 0x1234003f);
	cr_assert_eq(tm_flags(m), TM_PF);
	machine_free(m);

	m = run32(aad16, sizeof aad16, 0x0305, 0, 0);
	cr_assert_eq(eax(m), 0x35);
	machine_free(m);

	m = run32(aad, sizeof aad, 0x1a00, 0, 0); /* 26 * 10 = 260: AL keeps 04h */
	cr_assert_eq(eax(m), 0x04);
	machine_free(m);
}

/* AAM 0 divides by zero: #DE with AX unchanged; the empty IDT then shuts down. */
Test(bcd, aam_zero_raises_de)
{
	static const uint8_t code[] = { 0xd4, 0x00 };
	struct machine *m = tm_new(START_PROT32);
	struct tm_exc_log log;
	tm_log_exceptions(m, &log);
	machine_reg_set(m, VT_RAX, 0x1234);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_SHUTDOWN);
	cr_assert_geq(log.n, 1);
	cr_assert_eq(log.vector[0], 0);
	cr_assert_eq(machine_reg_get(m, VT_RIP), TM_CODE);
	cr_assert_eq(eax(m), 0x1234);
	machine_free(m);
}

Test(bcd, daa_real_mode)
{
	static const uint8_t code[] = { 0x00, 0xd8, 0x27 }; /* add al, bl; daa */
	struct machine *m = tm_new(START_REAL16);
	machine_reg_set(m, VT_RAX, 0x58);
	machine_reg_set(m, VT_RBX, 0x46);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(eax(m), 0x04); /* 58 + 46 = 104 */
	cr_assert_eq(tm_flags(m) & TM_CF, TM_CF);
	machine_free(m);
}

/* The BCD instructions do not exist in 64-bit mode (#UD). */
Test(bcd, invalid_in_64bit_mode)
{
	static const uint8_t daa[] = { 0x27 };
	struct machine *m = tm_new(START_LONG64);
	struct tm_exc_log log;
	tm_log_exceptions(m, &log);
	cr_assert_eq(tm_run_bytes(m, daa, sizeof daa), STOP_SHUTDOWN);
	cr_assert_geq(log.n, 1);
	cr_assert_eq(log.vector[0], 6);
	machine_free(m);
}
