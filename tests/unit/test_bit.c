/* test_bit.c - unit tests for BT BTS BTR BTC, BSF BSR, BSWAP (sim/cpu/bit.c). */
#include <criterion/criterion.h>

#include "helpers.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The bit-base operand in memory sits in the middle of a zeroed window,
 * so that offsets below and above it address bytes the test can see. */
#define WIN TM_DATA          /* first byte of the window */
#define WIN_LEN 0x1100u      /* its length */
#define BASE (WIN + 0x40)    /* RSI: the bit base */

static struct machine *run64(const uint8_t *code, size_t len, uint64_t rax, uint64_t rbx,
			     uint64_t rcx, uint64_t flags)
{
	static const uint8_t zero[WIN_LEN];
	struct machine *m = tm_new(START_LONG64);
	machine_phys_write(m, WIN, zero, sizeof zero);
	machine_reg_set(m, VT_RAX, rax);
	machine_reg_set(m, VT_RBX, rbx);
	machine_reg_set(m, VT_RCX, rcx);
	machine_reg_set(m, VT_RSI, BASE);
	tm_set_flags(m, flags);
	return m;
}

static void finish(struct machine *m, const uint8_t *code, size_t len)
{
	enum stop_reason r = tm_run_bytes(m, code, len);
	cr_assert_eq(r, STOP_HLT, "stopped with %s", stop_reason_name(r));
	cr_assert_eq(machine_reg_get(m, VT_RIP), tm_end_rip(len));
}

/*
 * Register bit base: the offset is taken modulo the operand width, for
 * register and immediate offsets alike. CF = the old bit, ZF unchanged
 * (SDM Vol. 2A, BT/BTS/BTR/BTC "Flags Affected").
 */
Test(bit, register_base)
{
	static const struct {
		const char *text;
		uint8_t code[6];
		uint8_t len;
		uint64_t rax, rbx; /* RAX (bit base) and RBX (offset) before */
		uint64_t rax_out;  /* RAX after */
		bool cf;           /* the selected bit */
	} k[] = {
		{ "bt eax, ebx (35 mod 32 = 3)", { 0x0f, 0xa3, 0xd8 }, 3, 0xffffffff00000008, 35, 0xffffffff00000008, true },
		{ "bt eax, ebx (bit clear)", { 0x0f, 0xa3, 0xd8 }, 3, 0xfffffff7, 3, 0xfffffff7, false },
		{ "bts rax, rbx (67 mod 64 = 3)", { 0x48, 0x0f, 0xab, 0xd8 }, 4, 0, 67, 8, false },
		{ "btr ax, bx (0x13 mod 16 = 3)", { 0x66, 0x0f, 0xb3, 0xd8 }, 4, ~0ull, 0x13, 0xfffffffffffffff7, true },
		{ "btc eax, ebx (zero-extends)", { 0x0f, 0xbb, 0xd8 }, 3, 0xffffffff00000000, 31, 0x80000000, false },
		{ "btc rax, rbx (negative offset, mod 64)", { 0x48, 0x0f, 0xbb, 0xd8 }, 4, 1, ~0ull,
		  0x8000000000000001, false },
		{ "bt eax, 35 (imm mod 32)", { 0x0f, 0xba, 0xe0, 0x23 }, 4, 8, 0, 8, true },
		{ "bts rax, 63", { 0x48, 0x0f, 0xba, 0xe8, 0x3f }, 5, 1, 0, 0x8000000000000001, false },
		{ "btr rax, 63", { 0x48, 0x0f, 0xba, 0xf0, 0x3f }, 5, 0x8000000000000001, 0, 1, true },
		{ "btc ax, 20 (imm mod 16)", { 0x66, 0x0f, 0xba, 0xf8, 0x14 }, 5, 0x10000, 0, 0x10010, false },
	};
	for (size_t j = 0; j < N(k); j++) {
		for (uint64_t zf = 0; zf <= TM_ZF; zf += TM_ZF) {
			struct machine *m = run64(k[j].code, k[j].len, k[j].rax, k[j].rbx, 0, zf | (k[j].cf ? 0 : TM_CF));
			finish(m, k[j].code, k[j].len);
			cr_expect_eq(machine_reg_get(m, VT_RAX), k[j].rax_out, "%s: RAX = %#llx", k[j].text,
				     (unsigned long long)machine_reg_get(m, VT_RAX));
			cr_expect_eq(machine_reg_get(m, VT_RBX), k[j].rbx, "%s: offset register changed", k[j].text);
			cr_expect_eq(tm_flags(m) & (TM_CF | TM_ZF), (k[j].cf ? TM_CF : 0) | zf,
				     "%s: CF/ZF with ZF=%d before", k[j].text, zf != 0);
			machine_free(m);
		}
	}
}

/*
 * Memory bit base with a register offset: the offset is signed and
 * selects any bit around the operand; the access is at
 * EA + operand_size * (offset SAR log2(width)) (SDM Vol. 2A, BT, and
 * Vol. 1, 3.4.1 "Bit Offset" / Figure 3-10). Each case names the byte
 * that holds the bit.
 */
Test(bit, memory_register_offset)
{
	static const struct {
		const char *text;
		uint8_t code[5];
		uint8_t len;
		uint64_t off;      /* RAX, RBX and RCX all hold it */
		int byte;          /* the byte with the bit, relative to RSI */
		uint8_t before;    /* its value before */
		uint8_t after;     /* and after */
		bool cf;           /* the bit's old value */
	} k[] = {
		{ "bt dword [rsi], eax (-1: bit 7 of byte -1)", { 0x0f, 0xa3, 0x06 }, 3,
		  0xffffffff, -1, 0x80, 0x80, true },
		{ "bt dword [rsi], eax (-1, bit clear)", { 0x0f, 0xa3, 0x06 }, 3, 0xffffffff, -1, 0x7f, 0x7f, false },
		{ "bts dword [rsi], ecx (100: byte 12 bit 4)", { 0x0f, 0xab, 0x0e }, 3, 100, 12, 0x01, 0x11, false },
		{ "lock bts dword [rsi], ecx", { 0xf0, 0x0f, 0xab, 0x0e }, 4, 100, 12, 0x10, 0x10, true },
		{ "btr word [rsi], bx (-17: byte -3 bit 7)", { 0x66, 0x0f, 0xb3, 0x1e }, 4,
		  0x123400000000ffef, -3, 0xff, 0x7f, true },
		{ "btc qword [rsi], rax (130: byte 16 bit 2)", { 0x48, 0x0f, 0xbb, 0x06 }, 4, 130, 16, 0x04, 0x00, true },
		{ "bt qword [rsi], rax (-65: byte -9 bit 7)", { 0x48, 0x0f, 0xa3, 0x06 }, 4,
		  (uint64_t)-65, -9, 0x80, 0x80, true },
		{ "bts word [rsi], ax (32767: byte 4095 bit 7)", { 0x66, 0x0f, 0xab, 0x06 }, 4,
		  0x7fff, 4095, 0x00, 0x80, false },
		{ "btr dword [rsi], eax (-32: byte -4 bit 0)", { 0x0f, 0xb3, 0x06 }, 3, 0xffffffe0, -4, 0x03, 0x02, true },
	};
	for (size_t j = 0; j < N(k); j++) {
		struct machine *m = run64(k[j].code, k[j].len, k[j].off, k[j].off, k[j].off, k[j].cf ? TM_ZF : TM_CF);
		tm_poke(m, BASE + k[j].byte, 1, k[j].before);
		finish(m, k[j].code, k[j].len);
		cr_expect_eq(tm_peek(m, BASE + k[j].byte, 1), k[j].after, "%s: byte = %#x", k[j].text,
			     (unsigned)tm_peek(m, BASE + k[j].byte, 1));
		cr_expect_eq(tm_flags(m) & (TM_CF | TM_ZF), k[j].cf ? TM_CF | TM_ZF : 0, "%s: CF/ZF", k[j].text);
		/* Nothing else in the window changed. */
		for (uint64_t a = WIN; a < WIN + WIN_LEN; a += 8) {
			uint64_t v = tm_peek(m, a, 8);
			if (a == ((BASE + k[j].byte) & ~7ull))
				v &= ~(0xffull << (8 * ((BASE + k[j].byte) & 7)));
			cr_expect_eq(v, 0, "%s: stray write near %#llx", k[j].text, (unsigned long long)a);
		}
		machine_free(m);
	}
}

/* With an immediate offset the memory operand itself holds the bit: the
 * immediate is taken modulo the width (SDM Vol. 2A, BT: the processor
 * ignores the high-order bits). */
Test(bit, memory_immediate_offset)
{
	static const uint8_t btr_w17[] = { 0x66, 0x0f, 0xba, 0x36, 0x11 }; /* btr word [rsi], 17 */
	static const uint8_t btc_q70[] = { 0x48, 0x0f, 0xba, 0x3e, 0x46 }; /* btc qword [rsi], 70 */
	static const uint8_t bt_d255[] = { 0x0f, 0xba, 0x26, 0xff };       /* bt dword [rsi], 255 */

	struct machine *m = run64(btr_w17, sizeof btr_w17, 0, 0, 0, 0);
	tm_poke(m, BASE, 4, 0x00020002);
	finish(m, btr_w17, sizeof btr_w17);
	cr_assert_eq(tm_peek(m, BASE, 4), 0x00020000, "bit 1 of the word, not bit 17");
	cr_assert_eq(tm_flags(m) & TM_CF, TM_CF);
	machine_free(m);

	m = run64(btc_q70, sizeof btc_q70, 0, 0, 0, TM_CF);
	finish(m, btc_q70, sizeof btc_q70);
	cr_assert_eq(tm_peek(m, BASE, 8), 0x40, "bit 6 of the qword");
	cr_assert_eq(tm_peek(m, BASE + 8, 8), 0, "no access past the qword");
	cr_assert_eq(tm_flags(m) & TM_CF, 0);
	machine_free(m);

	m = run64(bt_d255, sizeof bt_d255, 0, 0, 0, 0);
	tm_poke(m, BASE, 4, 0x80000000);
	finish(m, bt_d255, sizeof bt_d255);
	cr_assert_eq(tm_flags(m) & TM_CF, TM_CF, "255 mod 32 = 31");
	machine_free(m);
}

/*
 * BSF/BSR: the index of the lowest/highest set bit, ZF=0; a zero source
 * sets ZF and leaves the destination as it was (SDM Vol. 2A, BSF: the
 * content is "undefined"; Intel and AMD processors leave it, AMD
 * documents so). Only ZF is defined.
 */
Test(bit, bsf_bsr)
{
	static const struct {
		const char *text;
		uint8_t code[5];
		uint8_t len;
		uint64_t rax, rbx, mem; /* before; [RSI] is the qword mem */
		uint64_t rax_out;
		bool zf;
	} k[] = {
		{ "bsf eax, ebx", { 0x0f, 0xbc, 0xc3 }, 3, ~0ull, 0x00080000, 0, 19, false },
		{ "bsf eax, ebx (bit 31)", { 0x0f, 0xbc, 0xc3 }, 3, 0, 0x80000000, 0, 31, false },
		{ "bsr rax, rbx", { 0x48, 0x0f, 0xbd, 0xc3 }, 4, 0, 0x8000000000000001, 0, 63, false },
		{ "bsf rax, rbx", { 0x48, 0x0f, 0xbc, 0xc3 }, 4, 0, 0x8000000000000000, 0, 63, false },
		{ "bsf ax, bx", { 0x66, 0x0f, 0xbc, 0xc3 }, 4, ~0ull, 0x8000, 0, 0xffffffffffff000f, false },
		{ "bsr ax, bx (upper bits of RBX ignored)", { 0x66, 0x0f, 0xbd, 0xc3 }, 4, 0, 0x100000001, 0, 0, false },
		{ "bsr eax, [rsi]", { 0x0f, 0xbd, 0x06 }, 3, 0x55, 0, 0xffffffff00000001, 0, false },
		{ "bsf rax, rbx (zero)", { 0x48, 0x0f, 0xbc, 0xc3 }, 4, 0x123456789a, 0, 0, 0x123456789a, true },
		{ "bsr rax, rbx (zero)", { 0x48, 0x0f, 0xbd, 0xc3 }, 4, 0xdead, 0, 0, 0xdead, true },
		{ "bsf ax, bx (zero word)", { 0x66, 0x0f, 0xbc, 0xc3 }, 4, 0x1234, 0xffff0000, 0, 0x1234, true },
		{ "bsr ax, [rsi] (zero word)", { 0x66, 0x0f, 0xbd, 0x06 }, 4, 0xbeef, 0, 0xffff0000, 0xbeef, true },
	};
	for (size_t j = 0; j < N(k); j++) {
		struct machine *m = run64(k[j].code, k[j].len, k[j].rax, k[j].rbx, 0, k[j].zf ? 0 : TM_ZF);
		tm_poke(m, BASE, 8, k[j].mem);
		finish(m, k[j].code, k[j].len);
		cr_expect_eq(machine_reg_get(m, VT_RAX), k[j].rax_out, "%s: RAX = %#llx", k[j].text,
			     (unsigned long long)machine_reg_get(m, VT_RAX));
		cr_expect_eq((tm_flags(m) & TM_ZF) != 0, k[j].zf, "%s: ZF", k[j].text);
		machine_free(m);
	}
}

/* BSWAP r32 reverses the low dword and zero-extends; r64 reverses all
 * eight bytes (SDM Vol. 2A, BSWAP). */
Test(bit, bswap)
{
	static const uint8_t code[] = {
		0x0f, 0xc8,       /* bswap eax */
		0x48, 0x0f, 0xcb, /* bswap rbx */
		0x49, 0x0f, 0xc9, /* bswap r9 */
		0x41, 0x0f, 0xca, /* bswap r10d */
	};
	struct machine *m = run64(code, sizeof code, 0xffffffff12345678, 0x0102030405060708, 0, TM_ARITH);
	machine_reg_set(m, VT_R9, 0x8000000000000001);
	machine_reg_set(m, VT_R10, 0xaaaaaaaaccddeeff);
	finish(m, code, sizeof code);
	cr_assert_eq(machine_reg_get(m, VT_RAX), 0x78563412);
	cr_assert_eq(machine_reg_get(m, VT_RBX), 0x0807060504030201);
	cr_assert_eq(machine_reg_get(m, VT_R9), 0x0100000000000080);
	cr_assert_eq(machine_reg_get(m, VT_R10), 0xffeeddcc);
	cr_assert_eq(tm_flags(m), TM_ARITH, "BSWAP changes no flags");
	machine_free(m);
}
