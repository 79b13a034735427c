/* test_string.c - unit tests for MOVS CMPS STOS LODS SCAS INS OUTS and REP (sim/cpu/string.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"

#define SRC (TM_DATA)          /* source buffer */
#define DST (TM_DATA + 0x100)  /* destination buffer */

static uint64_t reg(struct machine *m, enum vt_reg r)
{
	return machine_reg_get(m, r);
}

/* A 64-bit machine with RSI = SRC, RDI = DST, RCX = count and the source
 * buffer filled with 0x10, 0x11, 0x12, ... */
static struct machine *setup64(uint64_t count)
{
	struct machine *m = tm_new(START_LONG64);
	for (unsigned k = 0; k < 64; k++)
		tm_poke(m, SRC + k, 1, 0x10 + k);
	machine_reg_set(m, VT_RSI, SRC);
	machine_reg_set(m, VT_RDI, DST);
	machine_reg_set(m, VT_RCX, count);
	return m;
}

static void run(struct machine *m, const uint8_t *code, size_t len)
{
	cr_assert_eq(tm_run_bytes(m, code, len), STOP_HLT);
	cr_assert_eq(reg(m, VT_RIP), tm_end_rip(len));
}

Test(string, movs_each_size)
{
	static const uint8_t code[] = { 0xa4, 0x66, 0xa5, 0xa5, 0x48, 0xa5 }; /* movsb; movsw; movsd; movsq */
	struct machine *m = setup64(7);
	run(m, code, sizeof code);
	for (unsigned k = 0; k < 15; k++)
		cr_assert_eq(tm_peek(m, DST + k, 1), 0x10 + k, "byte %u", k);
	cr_assert_eq(tm_peek(m, DST + 15, 1), 0);
	cr_assert_eq(reg(m, VT_RSI), SRC + 15);
	cr_assert_eq(reg(m, VT_RDI), DST + 15);
	cr_assert_eq(reg(m, VT_RCX), 7); /* no REP: RCX untouched */
	machine_free(m);
}

Test(string, movs_backward)
{
	static const uint8_t code[] = { 0xfd, 0xa5, 0xfc }; /* std; movsd; cld */
	struct machine *m = setup64(0);
	machine_reg_set(m, VT_RSI, SRC + 4);
	run(m, code, sizeof code);
	cr_assert_eq(tm_peek(m, DST, 4), 0x17161514);
	cr_assert_eq(reg(m, VT_RSI), SRC);
	cr_assert_eq(reg(m, VT_RDI), DST - 4);
	machine_free(m);
}

Test(string, rep_movs_forward_and_backward)
{
	static const uint8_t fwd[] = { 0xf3, 0x48, 0xa5 };       /* rep movsq */
	static const uint8_t back[] = { 0xfd, 0xf3, 0xa4, 0xfc }; /* std; rep movsb; cld */
	struct machine *m = setup64(3);
	run(m, fwd, sizeof fwd);
	for (unsigned k = 0; k < 24; k++)
		cr_assert_eq(tm_peek(m, DST + k, 1), 0x10 + k);
	cr_assert_eq(tm_peek(m, DST + 24, 1), 0);
	cr_assert_eq(reg(m, VT_RCX), 0);
	cr_assert_eq(reg(m, VT_RSI), SRC + 24);
	cr_assert_eq(reg(m, VT_RDI), DST + 24);
	machine_free(m);

	m = setup64(4);
	machine_reg_set(m, VT_RSI, SRC + 3);
	machine_reg_set(m, VT_RDI, DST + 3);
	run(m, back, sizeof back);
	cr_assert_eq(tm_peek(m, DST, 4), 0x13121110);
	cr_assert_eq(reg(m, VT_RSI), SRC - 1);
	cr_assert_eq(reg(m, VT_RDI), DST - 1);
	machine_free(m);
}

/* Element by element: an overlapping forward copy propagates the first byte. */
Test(string, rep_movs_overlap)
{
	static const uint8_t code[] = { 0xf3, 0xa4 }; /* rep movsb */
	struct machine *m = setup64(4);
	machine_reg_set(m, VT_RDI, SRC + 1);
	run(m, code, sizeof code);
	cr_assert_eq(tm_peek(m, SRC, 8), 0x1716151010101010);
	machine_free(m);
}

/* With a REP prefix and RCX = 0 nothing happens, flags included. */
Test(string, rep_count0)
{
	static const uint8_t movs[] = { 0xf3, 0xa4 };  /* rep movsb */
	static const uint8_t cmps[] = { 0xf3, 0xa6 };  /* repe cmpsb */
	struct machine *m = setup64(0);
	run(m, movs, sizeof movs);
	cr_assert_eq(tm_peek(m, DST, 8), 0);
	cr_assert_eq(reg(m, VT_RSI), SRC);
	cr_assert_eq(reg(m, VT_RDI), DST);
	machine_free(m);

	m = setup64(0);
	tm_set_flags(m, TM_CF | TM_SF);
	run(m, cmps, sizeof cmps);
	cr_assert_eq(tm_flags(m), TM_CF | TM_SF);
	cr_assert_eq(reg(m, VT_RSI), SRC);
	machine_free(m);
}

/* F2 on a non-compare string instruction repeats like F3. */
Test(string, repne_movs_repeats)
{
	static const uint8_t code[] = { 0xf2, 0xa4 };
	struct machine *m = setup64(2);
	run(m, code, sizeof code);
	cr_assert_eq(tm_peek(m, DST, 4), 0x1110);
	cr_assert_eq(reg(m, VT_RCX), 0);
	machine_free(m);
}

/* CMPS sets the flags of source - destination. */
Test(string, cmps_single)
{
	static const uint8_t code[] = { 0xa6 }; /* cmpsb */
	struct machine *m = setup64(0);
	tm_poke(m, SRC, 1, 5);
	tm_poke(m, DST, 1, 7);
	run(m, code, sizeof code);
	cr_assert_eq(tm_flags(m), TM_CF | TM_SF | TM_AF); /* 5 - 7 = FEh */
	cr_assert_eq(reg(m, VT_RSI), SRC + 1);
	cr_assert_eq(reg(m, VT_RDI), DST + 1);
	machine_free(m);
}

Test(string, repe_cmps)
{
	static const uint8_t code[] = { 0xf3, 0xa6 }; /* repe cmpsb */
	struct machine *m = setup64(10);
	machine_phys_write(m, SRC, "abcdX", 5);
	machine_phys_write(m, DST, "abcdY", 5);
	run(m, code, sizeof code);
	cr_assert_eq(reg(m, VT_RCX), 5); /* stopped after the 5th compare */
	cr_assert_eq(reg(m, VT_RSI), SRC + 5);
	cr_assert_eq(reg(m, VT_RDI), DST + 5);
	cr_assert_eq(tm_flags(m) & (TM_ZF | TM_CF), TM_CF); /* 'X' < 'Y' */
	machine_free(m);

	m = setup64(4);
	machine_phys_write(m, SRC, "abcd", 4);
	machine_phys_write(m, DST, "abcd", 4);
	run(m, code, sizeof code);
	cr_assert_eq(reg(m, VT_RCX), 0);
	cr_assert_eq(tm_flags(m) & TM_ZF, TM_ZF);
	machine_free(m);
}

Test(string, repne_cmps)
{
	static const uint8_t code[] = { 0xf2, 0xa6 }; /* repne cmpsb */
	struct machine *m = setup64(10);
	machine_phys_write(m, SRC, "abcd", 4);
	machine_phys_write(m, DST, "xyzd", 4);
	run(m, code, sizeof code);
	cr_assert_eq(reg(m, VT_RCX), 6);
	cr_assert_eq(reg(m, VT_RSI), SRC + 4);
	cr_assert_eq(tm_flags(m) & TM_ZF, TM_ZF);
	machine_free(m);
}

Test(string, stos)
{
	static const uint8_t rep_stosd[] = { 0xf3, 0xab };
	static const uint8_t std_stosb[] = { 0xfd, 0xaa, 0x48, 0xab }; /* std; stosb; stosq */
	struct machine *m = setup64(3);
	machine_reg_set(m, VT_RAX, 0x11223344deadbeef);
	run(m, rep_stosd, sizeof rep_stosd);
	for (unsigned k = 0; k < 3; k++)
		cr_assert_eq(tm_peek(m, DST + 4 * k, 4), 0xdeadbeef);
	cr_assert_eq(tm_peek(m, DST + 12, 4), 0);
	cr_assert_eq(reg(m, VT_RDI), DST + 12);
	cr_assert_eq(reg(m, VT_RSI), SRC); /* STOS does not touch RSI */
	cr_assert_eq(reg(m, VT_RCX), 0);
	machine_free(m);

	m = setup64(0);
	machine_reg_set(m, VT_RAX, 0x0102030405060708);
	machine_reg_set(m, VT_RDI, DST + 8);
	run(m, std_stosb, sizeof std_stosb);
	/* STOSB wrote 08h at DST+8, then STOSQ the whole value at DST+7. */
	cr_assert_eq(tm_peek(m, DST + 7, 8), 0x0102030405060708);
	cr_assert_eq(reg(m, VT_RDI), DST - 1);
	machine_free(m);
}

Test(string, lods)
{
	static const uint8_t lodsb[] = { 0xac };
	static const uint8_t lodsd[] = { 0xad };
	static const uint8_t lodsq[] = { 0x48, 0xad };
	static const uint8_t rep_lodsb[] = { 0xf3, 0xac };
	struct machine *m = setup64(0);
	machine_reg_set(m, VT_RAX, 0xffffffffffffffff);
	run(m, lodsb, sizeof lodsb);
	cr_assert_eq(reg(m, VT_RAX), 0xffffffffffffff10); /* only AL */
	cr_assert_eq(reg(m, VT_RSI), SRC + 1);
	cr_assert_eq(reg(m, VT_RDI), DST); /* LODS does not touch RDI */
	machine_free(m);

	m = setup64(0);
	machine_reg_set(m, VT_RAX, 0xffffffffffffffff);
	run(m, lodsd, sizeof lodsd);
	cr_assert_eq(reg(m, VT_RAX), 0x13121110); /* EAX write zero-extends */
	machine_free(m);

	m = setup64(0);
	run(m, lodsq, sizeof lodsq);
	cr_assert_eq(reg(m, VT_RAX), 0x1716151413121110);
	cr_assert_eq(reg(m, VT_RSI), SRC + 8);
	machine_free(m);

	m = setup64(3);
	run(m, rep_lodsb, sizeof rep_lodsb);
	cr_assert_eq(reg(m, VT_RAX) & 0xff, 0x12);
	cr_assert_eq(reg(m, VT_RSI), SRC + 3);
	cr_assert_eq(reg(m, VT_RCX), 0);
	machine_free(m);
}

/* REPNE SCASB with RCX = -1: the classic strlen. */
Test(string, repne_scas_strlen)
{
	static const uint8_t code[] = { 0xf2, 0xae };
	struct machine *m = setup64(~0ull);
	machine_phys_write(m, DST, "hello", 6);
	machine_reg_set(m, VT_RAX, 0x4100); /* AL = 0 */
	run(m, code, sizeof code);
	cr_assert_eq(reg(m, VT_RCX), ~0ull - 6);
	cr_assert_eq(reg(m, VT_RDI), DST + 6);
	cr_assert_eq(tm_flags(m) & TM_ZF, TM_ZF);
	machine_free(m);
}

Test(string, scas)
{
	static const uint8_t scasb[] = { 0xae };
	static const uint8_t repe_scasw[] = { 0xf3, 0x66, 0xaf };
	struct machine *m = setup64(0);
	tm_poke(m, DST, 1, 0x80);
	machine_reg_set(m, VT_RAX, 0x01); /* 01h - 80h overflows */
	run(m, scasb, sizeof scasb);
	cr_assert_eq(tm_flags(m) & (TM_CF | TM_OF | TM_SF | TM_ZF), TM_CF | TM_OF | TM_SF);
	cr_assert_eq(reg(m, VT_RDI), DST + 1);
	machine_free(m);

	m = setup64(5);
	tm_poke(m, DST, 2, 0x4141);
	tm_poke(m, DST + 2, 2, 0x4141);
	tm_poke(m, DST + 4, 2, 0x4242);
	machine_reg_set(m, VT_RAX, 0x4141);
	run(m, repe_scasw, sizeof repe_scasw);
	cr_assert_eq(reg(m, VT_RCX), 2);
	cr_assert_eq(reg(m, VT_RDI), DST + 6);
	cr_assert_eq(tm_flags(m) & (TM_ZF | TM_CF), TM_CF);
	machine_free(m);
}

/* OUTS to the debug console (port E9h), INS from a port nobody claims
 * (reads all-ones, like an empty ISA bus). */
Test(string, outs_ins)
{
	static const uint8_t rep_outsb[] = { 0xf3, 0x6e };
	static const uint8_t outsb[] = { 0x6e };
	static const uint8_t rep_insb[] = { 0xf3, 0x6c };
	struct machine *m = setup64(3);
	machine_phys_write(m, SRC, "hi!", 3);
	machine_reg_set(m, VT_RDX, 0xe9);
	run(m, rep_outsb, sizeof rep_outsb);
	size_t len;
	const char *out = machine_console_output(m, &len);
	cr_assert_eq(len, 3);
	cr_assert_eq(memcmp(out, "hi!", 3), 0);
	cr_assert_eq(reg(m, VT_RSI), SRC + 3);
	cr_assert_eq(reg(m, VT_RDI), DST);
	machine_free(m);

	m = setup64(3);
	machine_reg_set(m, VT_RDX, 0xe9);
	run(m, outsb, sizeof outsb);
	out = machine_console_output(m, &len);
	cr_assert_eq(len, 1);
	cr_assert_eq(out[0], 0x10);
	cr_assert_eq(reg(m, VT_RSI), SRC + 1);
	machine_free(m);

	m = setup64(3);
	machine_reg_set(m, VT_RDX, 0x10e9); /* unclaimed */
	run(m, rep_insb, sizeof rep_insb);
	cr_assert_eq(tm_peek(m, DST, 4), 0x00ffffff);
	cr_assert_eq(reg(m, VT_RDI), DST + 3);
	cr_assert_eq(reg(m, VT_RSI), SRC);
	machine_free(m);
}

/* 67h in 64-bit mode: ESI, EDI and ECX, written back zero-extended. */
Test(string, addr32_in_64bit_mode)
{
	static const uint8_t code[] = { 0xf3, 0x67, 0xa4 }; /* rep movsb, a32 */
	struct machine *m = setup64(0xffffffff00000002);
	machine_reg_set(m, VT_RSI, 0xabcd000000000000 | SRC);
	machine_reg_set(m, VT_RDI, 0x1234000000000000 | DST);
	run(m, code, sizeof code);
	cr_assert_eq(tm_peek(m, DST, 4), 0x1110);
	cr_assert_eq(reg(m, VT_RSI), SRC + 2);
	cr_assert_eq(reg(m, VT_RDI), DST + 2);
	cr_assert_eq(reg(m, VT_RCX), 0);
	machine_free(m);
}

/* 16-bit addressing: SI wraps at 64 KiB and only the low 16 bits of
 * RSI, RDI and RCX change. */
Test(string, real16_wraparound)
{
	static const uint8_t code[] = { 0xf3, 0xa4 }; /* rep movsb */
	struct machine *m = tm_new(START_REAL16);
	tm_poke(m, 0xffff, 1, 0xaa);
	tm_poke(m, 0x0000, 1, 0xbb);
	machine_reg_set(m, VT_RSI, 0x1234ffff);
	machine_reg_set(m, VT_RDI, 0x56789000);
	machine_reg_set(m, VT_RCX, 0x00010002);
	run(m, code, sizeof code);
	cr_assert_eq(tm_peek(m, 0x9000, 2), 0xbbaa);
	cr_assert_eq(reg(m, VT_RSI), 0x12340001);
	cr_assert_eq(reg(m, VT_RDI), 0x56789002);
	cr_assert_eq(reg(m, VT_RCX), 0x00010000);
	machine_free(m);
}

/* In 16-bit code CX = 0 means no iteration even if ECX is not 0; with 67h
 * the count is ECX. */
Test(string, real16_addr32)
{
	static const uint8_t rep16[] = { 0xf3, 0xa4 };
	static const uint8_t rep32[] = { 0xf3, 0x67, 0xa4 };
	struct machine *m = tm_new(START_REAL16);
	tm_poke(m, 0x8000, 4, 0x44332211);
	machine_reg_set(m, VT_RSI, 0x8000);
	machine_reg_set(m, VT_RDI, 0x9000);
	machine_reg_set(m, VT_RCX, 0x00010000);
	run(m, rep16, sizeof rep16);
	cr_assert_eq(tm_peek(m, 0x9000, 4), 0);
	cr_assert_eq(reg(m, VT_RCX), 0x00010000);
	cr_assert_eq(reg(m, VT_RSI), 0x8000);
	machine_free(m);

	m = tm_new(START_REAL16);
	tm_poke(m, 0x8000, 4, 0x44332211);
	machine_reg_set(m, VT_RSI, 0x8000);
	machine_reg_set(m, VT_RDI, 0x9000);
	machine_reg_set(m, VT_RCX, 3);
	run(m, rep32, sizeof rep32);
	cr_assert_eq(tm_peek(m, 0x9000, 4), 0x00332211);
	cr_assert_eq(reg(m, VT_RSI), 0x8003);
	cr_assert_eq(reg(m, VT_RCX), 0);
	machine_free(m);
}

/* 67h in 32-bit code: SI/DI/CX, merged into ESI/EDI/ECX. */
Test(string, prot32_addr16)
{
	static const uint8_t code[] = { 0xf3, 0x67, 0xa4 };
	struct machine *m = tm_new(START_PROT32);
	tm_poke(m, 0x8000, 2, 0x2211);
	machine_reg_set(m, VT_RSI, 0x12348000);
	machine_reg_set(m, VT_RDI, 0x56789000);
	machine_reg_set(m, VT_RCX, 0xabcd0002);
	run(m, code, sizeof code);
	cr_assert_eq(tm_peek(m, 0x9000, 2), 0x2211);
	cr_assert_eq(reg(m, VT_RSI), 0x12348002);
	cr_assert_eq(reg(m, VT_RDI), 0x56789002);
	cr_assert_eq(reg(m, VT_RCX), 0xabcd0000);
	machine_free(m);
}

/* A segment prefix replaces DS for the source; ES:rDI stays. */
Test(string, segment_override_real16)
{
	static const uint8_t code[] = { 0x64, 0xa4 }; /* fs movsb */
	struct machine *m = tm_new(START_REAL16);
	machine_reg_set(m, VT_DS, 0);
	machine_reg_set(m, VT_ES, 0x0800);  /* base 8000h */
	machine_reg_set(m, VT_FS, 0x0700);  /* base 7000h */
	tm_poke(m, 0x7000 + 0x0100, 1, 0x5a);
	tm_poke(m, 0x0100, 1, 0x33);
	machine_reg_set(m, VT_RSI, 0x0100);
	machine_reg_set(m, VT_RDI, 0x0200);
	run(m, code, sizeof code);
	cr_assert_eq(tm_peek(m, 0x8000 + 0x0200, 1), 0x5a);
	machine_free(m);
}

/* ES as the source override (26h LODSB) must read ES:SI, not DS:SI. The
 * decoder has to take the segment of the rSI operand for this. */
Test(string, es_source_override_real16)
{
	static const uint8_t code[] = { 0x26, 0xac }; /* es lodsb */
	struct machine *m = tm_new(START_REAL16);
	machine_reg_set(m, VT_DS, 0);
	machine_reg_set(m, VT_ES, 0x0700);
	tm_poke(m, 0x7000 + 0x0100, 1, 0x5a);
	tm_poke(m, 0x0100, 1, 0x33);
	machine_reg_set(m, VT_RSI, 0x0100);
	run(m, code, sizeof code);
	cr_assert_eq(reg(m, VT_RAX) & 0xff, 0x5a);
	machine_free(m);
}

/*
 * A fault in the middle of REP MOVSB: the iterations before it are done
 * and RSI/RDI/RCX say so; RIP stays at the instruction. Here RDI runs
 * from just below 4 GiB (mapped, no RAM: writes are dropped) into the
 * first unmapped page, a #PF that the empty IDT turns into a shutdown.
 */
Test(string, rep_fault_is_restartable)
{
	static const uint8_t code[] = { 0xf3, 0xa4 };
	struct machine *m = setup64(5);
	struct tm_exc_log log;
	tm_log_exceptions(m, &log);
	machine_reg_set(m, VT_RDI, 0xfffffffe);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_SHUTDOWN);
	cr_assert_geq(log.n, 1);
	cr_assert_eq(log.vector[0], 14);
	cr_assert_eq(reg(m, VT_CR2), 0x100000000);
	cr_assert_eq(reg(m, VT_RIP), TM_CODE);
	cr_assert_eq(reg(m, VT_RCX), 3);
	cr_assert_eq(reg(m, VT_RSI), SRC + 2);
	cr_assert_eq(reg(m, VT_RDI), 0x100000000);
	machine_free(m);
}

/* The exit port stops the machine between iterations; the next run
 * continues the same instruction. */
Test(string, rep_suspends_on_stop)
{
	static const uint8_t code[] = { 0xf3, 0x6e }; /* rep outsb */
	struct machine *m = setup64(3);
	machine_phys_write(m, SRC, "\x07\x08\x09", 3);
	machine_reg_set(m, VT_RDX, 0xf4);
	tm_load(m, code, sizeof code);
	cr_assert_eq(machine_run(m, 100), STOP_EXIT_PORT);
	cr_assert_eq(machine_exit_code(m), 7);
	cr_assert_eq(reg(m, VT_RIP), TM_CODE);
	cr_assert_eq(reg(m, VT_RCX), 2);
	cr_assert_eq(machine_run(m, 100), STOP_EXIT_PORT);
	cr_assert_eq(machine_exit_code(m), 8);
	cr_assert_eq(machine_run(m, 100), STOP_EXIT_PORT);
	cr_assert_eq(machine_exit_code(m), 9);
	cr_assert_eq(reg(m, VT_RCX), 0);
	cr_assert_eq(reg(m, VT_RIP), TM_CODE + sizeof code);
	cr_assert_eq(machine_run(m, 100), STOP_HLT);
	machine_free(m);
}

/* Each iteration after the first costs one more modelled cycle. */
Test(string, rep_cycles)
{
	static const uint8_t code[] = { 0xf3, 0xaa }; /* rep stosb */
	struct machine *m1 = setup64(1), *m10 = setup64(10);
	run(m1, code, sizeof code);
	run(m10, code, sizeof code);
	cr_assert_eq(machine_cycles(m10) - machine_cycles(m1), 9);
	machine_free(m1);
	machine_free(m10);
}
