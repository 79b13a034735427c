/* test_data.c - unit tests for data movement and flag instructions (sim/cpu/data.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/*
 * One instruction in 64-bit mode: RAX RCX RDX RBX and four qwords at
 * RSI = TM_DATA in, the same out. `fmask` names the arithmetic flags the
 * case checks (0: none) and `fout` their expected values.
 */
struct dcase {
	const char *text;    /* the instruction */
	uint8_t code[15];    /* its bytes */
	uint8_t len;         /* how many */
	uint64_t in[4];      /* RAX RCX RDX RBX before */
	uint64_t mem[4];     /* qwords at TM_DATA before */
	uint64_t out[4];     /* RAX RCX RDX RBX after */
	uint64_t mem_out[4]; /* qwords at TM_DATA after */
	uint64_t fout;       /* expected flags */
	uint64_t fmask;      /* flags checked */
};

static const enum vt_reg regs4[4] = { VT_RAX, VT_RCX, VT_RDX, VT_RBX };

static void run_dcases(const struct dcase *k, size_t n)
{
	for (size_t j = 0; j < n; j++, k++) {
		struct machine *m = tm_new(START_LONG64);
		for (int r = 0; r < 4; r++) {
			machine_reg_set(m, regs4[r], k->in[r]);
			tm_poke(m, TM_DATA + 8 * r, 8, k->mem[r]);
		}
		machine_reg_set(m, VT_RSI, TM_DATA);
		tm_set_flags(m, TM_ARITH & ~k->fout);
		enum stop_reason st = tm_run_bytes(m, k->code, k->len);
		cr_expect_eq(st, STOP_HLT, "%s: stopped with %s", k->text, stop_reason_name(st));
		cr_expect_eq(machine_reg_get(m, VT_RIP), tm_end_rip(k->len), "%s: RIP", k->text);
		for (int r = 0; r < 4; r++) {
			uint64_t v = machine_reg_get(m, regs4[r]), mv = tm_peek(m, TM_DATA + 8 * r, 8);
			cr_expect_eq(v, k->out[r], "%s: %s = %#llx, expected %#llx", k->text, machine_reg_name(regs4[r]),
				     (unsigned long long)v, (unsigned long long)k->out[r]);
			cr_expect_eq(mv, k->mem_out[r], "%s: qword %d = %#llx, expected %#llx", k->text, r,
				     (unsigned long long)mv, (unsigned long long)k->mem_out[r]);
		}
		cr_expect_eq(tm_flags(m) & k->fmask, k->fout & k->fmask, "%s: flags %#llx", k->text,
			     (unsigned long long)tm_flags(m));
		machine_free(m);
	}
}

#define Q 0x1111111111111111ull /* filler that must survive */

/* MOV in its forms, including the 64-bit moffs of A0-A3 (SDM Vol. 2A, MOV). */
Test(data, mov)
{
	static const struct dcase k[] = {
		{ "mov al, [moffs64]", { 0xa0, 0x10, 0x80, 0, 0, 0, 0, 0, 0 }, 9, .in = { ~0ull << 8, 0, 0, 0 },
		  .mem = { 0, 0, 0x55ab, 0 }, .out = { (~0ull << 8) | 0xab, 0, 0, 0 }, .mem_out = { 0, 0, 0x55ab, 0 } },
		{ "mov rax, [moffs64]", { 0x48, 0xa1, 0x10, 0x80, 0, 0, 0, 0, 0, 0 }, 10, .mem = { 0, 0, 0x1122334455667788, 0 },
		  .out = { 0x1122334455667788, 0, 0, 0 }, .mem_out = { 0, 0, 0x1122334455667788, 0 } },
		{ "mov [moffs64], ax", { 0x66, 0xa3, 0x18, 0x80, 0, 0, 0, 0, 0, 0 }, 10, .in = { 0x1234beef, 0, 0, 0 },
		  .mem = { 0, 0, 0, Q }, .out = { 0x1234beef, 0, 0, 0 }, .mem_out = { 0, 0, 0, 0x111111111111beef } },
		{ "mov [moffs64], al", { 0xa2, 0x18, 0x80, 0, 0, 0, 0, 0, 0 }, 9, .in = { 0x1234, 0, 0, 0 },
		  .mem = { 0, 0, 0, Q }, .out = { 0x1234, 0, 0, 0 }, .mem_out = { 0, 0, 0, 0x1111111111111134 } },
		{ "mov [moffs64], eax", { 0xa3, 0x18, 0x80, 0, 0, 0, 0, 0, 0 }, 9, .in = { 0xffffffff89abcdef, 0, 0, 0 },
		  .mem = { 0, 0, 0, Q }, .out = { 0xffffffff89abcdef, 0, 0, 0 }, .mem_out = { 0, 0, 0, 0x1111111189abcdef } },
		{ "mov eax, [moffs32] (67 a1)", { 0x67, 0xa1, 0x10, 0x80, 0, 0 }, 6, .in = { ~0ull, 0, 0, 0 },
		  .mem = { 0, 0, 0x8877665544332211, 0 }, .out = { 0x44332211, 0, 0, 0 }, .mem_out = { 0, 0, 0x8877665544332211, 0 } },
		{ "mov bl, ah", { 0x88, 0xe3 }, 2, .in = { 0x1234, 0, 0, Q },
		  .out = { 0x1234, 0, 0, 0x1111111111111112 } },
		{ "mov [rsi], ecx", { 0x89, 0x0e }, 2, .in = { 0, 0x1111111122222222, 0, 0 }, .mem = { ~0ull, 0, 0, 0 },
		  .out = { 0, 0x1111111122222222, 0, 0 }, .mem_out = { 0xffffffff22222222, 0, 0, 0 } },
		{ "mov rbx, [rsi+rcx*8-8]", { 0x48, 0x8b, 0x5c, 0xce, 0xf8 }, 5, .in = { 0, 2, 0, 0 }, .mem = { 1, 2, 3, 4 },
		  .out = { 0, 2, 0, 2 }, .mem_out = { 1, 2, 3, 4 } },
		{ "mov byte [rsi], 0x80", { 0xc6, 0x06, 0x80 }, 3, .mem = { Q, 0, 0, 0 },
		  .mem_out = { 0x1111111111111180, 0, 0, 0 } },
		{ "mov qword [rsi+8], -1 (imm32 sign-extended)", { 0x48, 0xc7, 0x46, 0x08, 0xff, 0xff, 0xff, 0xff }, 8,
		  .mem_out = { 0, ~0ull, 0, 0 } },
		{ "mov dword [rsi], 0x80000000", { 0xc7, 0x06, 0, 0, 0, 0x80 }, 6, .mem = { Q, 0, 0, 0 },
		  .mem_out = { 0x1111111180000000, 0, 0, 0 } },
		{ "mov ah, 0x12", { 0xb4, 0x12 }, 2, .in = { Q, 0, 0, 0 }, .out = { 0x1111111111111211, 0, 0, 0 } },
		{ "mov ebx, 0xffffffff", { 0xbb, 0xff, 0xff, 0xff, 0xff }, 5, .in = { 0, 0, 0, Q }, .out = { 0, 0, 0, 0xffffffff } },
		{ "mov rbx, imm64", { 0x48, 0xbb, 0xf0, 0xde, 0xbc, 0x9a, 0x78, 0x56, 0x34, 0x12 }, 10,
		  .out = { 0, 0, 0, 0x123456789abcdef0 } },
		{ "mov rcx, -2 (c7 /0 sign-extended)", { 0x48, 0xc7, 0xc1, 0xfe, 0xff, 0xff, 0xff }, 7,
		  .out = { 0, ~1ull, 0, 0 } },
		{ "mov bx, 0x8000", { 0x66, 0xbb, 0x00, 0x80 }, 4, .in = { 0, 0, 0, Q }, .out = { 0, 0, 0, 0x1111111111118000 } },
		{ "mov ecx, ebx", { 0x89, 0xd9 }, 2, .in = { 0, Q, 0, ~0ull }, .out = { 0, 0xffffffff, 0, ~0ull } },
		{ "mov cx, bx", { 0x66, 0x89, 0xd9 }, 3, .in = { 0, Q, 0, ~0ull }, .out = { 0, 0x111111111111ffff, 0, ~0ull } },
	};
	run_dcases(k, N(k));
}

Test(data, movzx_movsx)
{
	static const struct dcase k[] = {
		{ "movzx eax, bl", { 0x0f, 0xb6, 0xc3 }, 3, .in = { ~0ull, 0, 0, 0x1ff }, .out = { 0xff, 0, 0, 0x1ff } },
		{ "movzx rax, word [rsi]", { 0x48, 0x0f, 0xb7, 0x06 }, 4, .in = { ~0ull, 0, 0, 0 }, .mem = { 0xffffffffffff8001, 0, 0, 0 },
		  .out = { 0x8001, 0, 0, 0 }, .mem_out = { 0xffffffffffff8001, 0, 0, 0 } },
		{ "movzx ax, bh", { 0x66, 0x0f, 0xb6, 0xc7 }, 4, .in = { ~0ull, 0, 0, 0xab00 }, .out = { 0xffffffffffff00ab, 0, 0, 0xab00 } },
		{ "movsx eax, bl", { 0x0f, 0xbe, 0xc3 }, 3, .in = { ~0ull, 0, 0, 0x80 }, .out = { 0xffffff80, 0, 0, 0x80 } },
		{ "movsx rax, word [rsi]", { 0x48, 0x0f, 0xbf, 0x06 }, 4, .mem = { 0x8001, 0, 0, 0 },
		  .out = { 0xffffffffffff8001, 0, 0, 0 }, .mem_out = { 0x8001, 0, 0, 0 } },
		{ "movsx cx, byte [rsi]", { 0x66, 0x0f, 0xbe, 0x0e }, 4, .in = { 0, Q, 0, 0 }, .mem = { 0xfe, 0, 0, 0 },
		  .out = { 0, 0x111111111111fffe, 0, 0 }, .mem_out = { 0xfe, 0, 0, 0 } },
		{ "movsxd rax, ebx", { 0x48, 0x63, 0xc3 }, 3, .in = { 0, 0, 0, 0x80000000 },
		  .out = { 0xffffffff80000000, 0, 0, 0x80000000 } },
		{ "movsxd rax, [rsi]", { 0x48, 0x63, 0x06 }, 3, .mem = { 0xffffffff7fffffff, 0, 0, 0 },
		  .out = { 0x7fffffff, 0, 0, 0 }, .mem_out = { 0xffffffff7fffffff, 0, 0, 0 } },
		{ "movsxd eax, ebx (no REX.W: a 32-bit move)", { 0x63, 0xc3 }, 2, .in = { ~0ull, 0, 0, 0x80000000 },
		  .out = { 0x80000000, 0, 0, 0x80000000 } },
	};
	run_dcases(k, N(k));
}

/* XCHG, XADD (flags as ADD), CMPXCHG (flags as CMP accumulator, dest). */
Test(data, xchg_xadd)
{
	static const struct dcase k[] = {
		{ "xchg eax, ebx (93)", { 0x93 }, 1, .in = { 0xaaaaaaaa00000001, 0, 0, 0xbbbbbbbb00000002 }, .out = { 2, 0, 0, 1 } },
		{ "xchg rcx, rax (48 91)", { 0x48, 0x91 }, 2, .in = { 1, ~0ull, 0, 0 }, .out = { ~0ull, 1, 0, 0 } },
		{ "xchg eax, eax (87 c0) zero-extends", { 0x87, 0xc0 }, 2, .in = { 0xffffffff00000001, 0, 0, 0 }, .out = { 1, 0, 0, 0 } },
		{ "xchg [rsi], ecx", { 0x87, 0x0e }, 2, .in = { 0, 0xffffffff33333333, 0, 0 }, .mem = { 0x1111111122222222, 0, 0, 0 },
		  .out = { 0, 0x22222222, 0, 0 }, .mem_out = { 0x1111111133333333, 0, 0, 0 } },
		{ "xchg rcx, [rsi]", { 0x48, 0x87, 0x0e }, 3, .in = { 0, 5, 0, 0 }, .mem = { ~0ull, 0, 0, 0 },
		  .out = { 0, ~0ull, 0, 0 }, .mem_out = { 5, 0, 0, 0 } },
		{ "xchg al, ah", { 0x86, 0xc4 }, 2, .in = { 0x1234, 0, 0, 0 }, .out = { 0x3412, 0, 0, 0 } },
		{ "xadd [rsi], eax", { 0x0f, 0xc1, 0x06 }, 3, .in = { 0x20, 0, 0, 0 }, .mem = { 0x10, 0, 0, 0 },
		  .out = { 0x10, 0, 0, 0 }, .mem_out = { 0x30, 0, 0, 0 }, .fout = TM_PF, .fmask = TM_ARITH },
		{ "xadd eax, ebx", { 0x0f, 0xc1, 0xd8 }, 3, .in = { 5, 0, 0, 0xffffffff00000007 }, .out = { 12, 0, 0, 5 },
		  .fout = TM_PF, .fmask = TM_ARITH },
		{ "lock xadd [rsi], rax", { 0xf0, 0x48, 0x0f, 0xc1, 0x06 }, 5, .in = { 1, 0, 0, 0 }, .mem = { ~0ull, 0, 0, 0 },
		  .out = { ~0ull, 0, 0, 0 }, .fout = TM_CF | TM_ZF | TM_AF | TM_PF, .fmask = TM_ARITH },
		{ "xadd cl, dl", { 0x0f, 0xc0, 0xd1 }, 3, .in = { 0, 0x80, 0x80, 0 }, .out = { 0, 0, 0x80, 0 },
		  .fout = TM_CF | TM_OF | TM_ZF | TM_PF, .fmask = TM_ARITH },
	};
	run_dcases(k, N(k));
}

/*
 * CMPXCHG (SDM Vol. 2A): compare the accumulator with the destination;
 * equal: dest := src, else accumulator := dest. Intel's operation writes
 * the destination in both cases ("the destination operand is written
 * back if the comparison fails"), so with a 32-bit register destination
 * in 64-bit mode its upper half is cleared even on failure.
 */
Test(data, cmpxchg)
{
	static const struct dcase k[] = {
		{ "cmpxchg [rsi], ecx (equal)", { 0x0f, 0xb1, 0x0e }, 3, .in = { 0x1234567800000005, 9, 0, 0 },
		  .mem = { 0xaaaaaaaa00000005, 0, 0, 0 }, .out = { 0x1234567800000005, 9, 0, 0 },
		  .mem_out = { 0xaaaaaaaa00000009, 0, 0, 0 }, .fout = TM_ZF | TM_PF, .fmask = TM_ARITH },
		{ "cmpxchg [rsi], ecx (not equal)", { 0x0f, 0xb1, 0x0e }, 3, .in = { 0x1234567800000007, 9, 0, 0 },
		  .mem = { 0xaaaaaaaa00000005, 0, 0, 0 }, .out = { 5, 9, 0, 0 },
		  .mem_out = { 0xaaaaaaaa00000005, 0, 0, 0 }, .fout = 0, .fmask = TM_ARITH },
		{ "cmpxchg ebx, ecx (equal)", { 0x0f, 0xb1, 0xcb }, 3, .in = { 0x1234567800000005, 0xcccccccc00000009, 0, 0xffffffff00000005 },
		  .out = { 0x1234567800000005, 0xcccccccc00000009, 0, 9 }, .fout = TM_ZF | TM_PF, .fmask = TM_ARITH },
		{ "cmpxchg ebx, ecx (not equal: EBX written back, zero-extended)", { 0x0f, 0xb1, 0xcb }, 3,
		  .in = { 0x1234567800000007, 9, 0, 0xffffffff00000005 }, .out = { 5, 9, 0, 5 }, .fout = 0, .fmask = TM_ARITH },
		{ "cmpxchg [rsi], cl (equal)", { 0x0f, 0xb0, 0x0e }, 3, .in = { 0x1280, 0x7f, 0, 0 }, .mem = { 0x5580, 0, 0, 0 },
		  .out = { 0x1280, 0x7f, 0, 0 }, .mem_out = { 0x557f, 0, 0, 0 }, .fout = TM_ZF | TM_PF, .fmask = TM_ARITH },
		{ "cmpxchg [rsi], rcx (not equal)", { 0x48, 0x0f, 0xb1, 0x0e }, 4, .in = { 1, 7, 0, 0 }, .mem = { 2, 0, 0, 0 },
		  .out = { 2, 7, 0, 0 }, .mem_out = { 2, 0, 0, 0 }, .fout = TM_CF | TM_SF | TM_AF | TM_PF, .fmask = TM_ARITH },
		{ "lock cmpxchg [rsi], ecx", { 0xf0, 0x0f, 0xb1, 0x0e }, 4, .in = { 5, 6, 0, 0 }, .mem = { 5, 0, 0, 0 },
		  .out = { 5, 6, 0, 0 }, .mem_out = { 6, 0, 0, 0 }, .fout = TM_ZF | TM_PF, .fmask = TM_ARITH },
		/* CMPXCHG8B: EDX:EAX against m64, ECX:EBX stored; only ZF changes. */
		{ "cmpxchg8b [rsi] (equal)", { 0x0f, 0xc7, 0x0e }, 3,
		  .in = { 0xaaaaaaaa44444444, 0xcccccccc22222222, 0xbbbbbbbb33333333, 0xdddddddd11111111 },
		  .mem = { 0x3333333344444444, Q, 0, 0 },
		  .out = { 0xaaaaaaaa44444444, 0xcccccccc22222222, 0xbbbbbbbb33333333, 0xdddddddd11111111 },
		  .mem_out = { 0x2222222211111111, Q, 0, 0 }, .fout = TM_ZF, .fmask = TM_ZF },
		{ "cmpxchg8b [rsi] (not equal)", { 0x0f, 0xc7, 0x0e }, 3,
		  .in = { 0xaaaaaaaa44444444, 2, 0xbbbbbbbb33333333, 1 }, .mem = { 0x3333333344444445, Q, 0, 0 },
		  .out = { 0x44444445, 2, 0x33333333, 1 }, .mem_out = { 0x3333333344444445, Q, 0, 0 }, .fout = 0, .fmask = TM_ZF },
		{ "cmpxchg16b [rsi] (equal)", { 0x48, 0x0f, 0xc7, 0x0e }, 4, .in = { 1, 4, 2, 3 }, .mem = { 1, 2, Q, 0 },
		  .out = { 1, 4, 2, 3 }, .mem_out = { 3, 4, Q, 0 }, .fout = TM_ZF, .fmask = TM_ZF },
		{ "lock cmpxchg16b [rsi] (not equal)", { 0xf0, 0x48, 0x0f, 0xc7, 0x0e }, 5, .in = { 1, 4, 2, 3 },
		  .mem = { 1, 5, Q, 0 }, .out = { 1, 4, 5, 3 }, .mem_out = { 1, 5, Q, 0 }, .fout = 0, .fmask = TM_ZF },
	};
	run_dcases(k, N(k));
}

/* CMPXCHG16B needs a 16-byte aligned operand: #GP(0) otherwise, before
 * any write (SDM Vol. 2A, CMPXCHG8B/CMPXCHG16B, 64-bit mode exceptions). */
Test(data, cmpxchg16b_misaligned_gp)
{
	static const uint8_t code[] = { 0x48, 0x0f, 0xc7, 0x0e }; /* cmpxchg16b [rsi] */
	struct machine *m = tm_new(START_LONG64);
	struct tm_exc_log log;
	tm_log_exceptions(m, &log);
	machine_reg_set(m, VT_RSI, TM_DATA + 8);
	machine_reg_set(m, VT_RBX, 0x77);
	tm_poke(m, TM_DATA + 8, 8, 0);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_SHUTDOWN);
	cr_assert_geq(log.n, 1);
	cr_assert_eq(log.vector[0], 13, "expected #GP, got vector %u", log.vector[0]);
	cr_assert_eq(log.rip[0], TM_CODE);
	cr_assert_eq(machine_reg_get(m, VT_RIP), TM_CODE);
	cr_assert_eq(tm_peek(m, TM_DATA + 8, 8), 0, "memory written despite the fault");
	machine_free(m);
}

Test(data, convert)
{
	static const struct dcase k[] = {
		{ "cbw", { 0x66, 0x98 }, 2, .in = { 0x1111111111110080, 0, 0, 0 }, .out = { 0x111111111111ff80, 0, 0, 0 } },
		{ "cwde", { 0x98 }, 1, .in = { 0x1111111122228000, 0, 0, 0 }, .out = { 0xffff8000, 0, 0, 0 } },
		{ "cdqe", { 0x48, 0x98 }, 2, .in = { 0x1111111180000000, 0, 0, 0 }, .out = { 0xffffffff80000000, 0, 0, 0 } },
		{ "cdqe (positive)", { 0x48, 0x98 }, 2, .in = { 0xffffffff7fffffff, 0, 0, 0 }, .out = { 0x7fffffff, 0, 0, 0 } },
		{ "cwd", { 0x66, 0x99 }, 2, .in = { 0x8000, 0, Q, 0 }, .out = { 0x8000, 0, 0x111111111111ffff, 0 } },
		{ "cdq", { 0x99 }, 1, .in = { 0x7fffffff, 0, ~0ull, 0 }, .out = { 0x7fffffff, 0, 0, 0 } },
		{ "cdq (negative)", { 0x99 }, 1, .in = { 0x80000000, 0, Q, 0 }, .out = { 0x80000000, 0, 0xffffffff, 0 } },
		{ "cqo", { 0x48, 0x99 }, 2, .in = { 0x8000000000000000, 0, 0, 0 }, .out = { 0x8000000000000000, 0, ~0ull, 0 } },
		/* XLAT: AL := [RBX + zero-extended AL]. */
		{ "xlatb", { 0xd7 }, 1, .in = { 0xffffffffffff1203, 0, 0, TM_DATA }, .mem = { 0x8877665544332211, 0, 0, 0 },
		  .out = { 0xffffffffffff1244, 0, 0, TM_DATA }, .mem_out = { 0x8877665544332211, 0, 0, 0 } },
		{ "xlatb (AL = FFh is not -1)", { 0xd7 }, 1, .in = { 0xff, 0, 0, TM_DATA - 0xf0 }, .mem = { 0, 0x9900000000000000, 0, 0 },
		  .out = { 0x99, 0, 0, TM_DATA - 0xf0 }, .mem_out = { 0, 0x9900000000000000, 0, 0 } },
	};
	run_dcases(k, N(k));
}

/*
 * LEA: the effective address at the address size, truncated or
 * zero-extended to the operand size (SDM Vol. 2A, LEA, Table 3-54).
 * RAX is the destination; the inputs sit in RBX, RCX, RSP, RBP, R12, R13.
 */
Test(data, lea_64)
{
	static const struct {
		const char *text;
		uint8_t code[8];
		uint8_t len;
		uint64_t rbx, rcx; /* inputs */
		uint64_t rax;      /* RAX after (RAX = 0xaaaa... before) */
	} k[] = {
		{ "lea rax, [rbx+rcx*4+0x10]", { 0x48, 0x8d, 0x44, 0x8b, 0x10 }, 5, 0x1000, 3, 0x101c },
		{ "lea rax, [rcx*8+0x1000] (no base)", { 0x48, 0x8d, 0x04, 0xcd, 0x00, 0x10, 0, 0 }, 8, 0, 3, 0x1018 },
		{ "lea rax, [rip+0xf9]", { 0x48, 0x8d, 0x05, 0xf9, 0, 0, 0 }, 7, 0, 0, TM_CODE + 0x100 },
		{ "lea rax, [rbx+rcx*8] (wraps at 64 bits)", { 0x48, 0x8d, 0x04, 0xcb }, 4, ~0ull, 1, 7 },
		{ "lea rax, [rbx+rcx-0x80000000] (disp32 sign-extended)", { 0x48, 0x8d, 0x84, 0x0b, 0, 0, 0, 0x80 }, 8,
		  0, 0, 0xffffffff80000000 },
		{ "lea eax, [rbx+rcx] (truncated to 32)", { 0x8d, 0x04, 0x0b }, 3, 0xffffffff, 2, 1 },
		{ "lea eax, [ebx+ecx*2+8] (67: wraps at 32)", { 0x67, 0x8d, 0x44, 0x4b, 0x08 }, 5, 0x1fffffff0, 4, 0 },
		{ "lea rax, [ebx+ecx*2+8] (67: zero-extended)", { 0x67, 0x48, 0x8d, 0x44, 0x4b, 0x08 }, 6,
		  0x1234567880000000, 0, 0x80000008 },
		{ "lea ax, [rbx-1] (16-bit destination merges)", { 0x66, 0x8d, 0x43, 0xff }, 4, 0x10000, 0, 0xaaaaaaaaaaaaffff },
		{ "lea rax, [rsp+8]", { 0x48, 0x8d, 0x44, 0x24, 0x08 }, 5, 0, 0, TM_STACK + 8 },
		{ "lea rax, [rbp+0]", { 0x48, 0x8d, 0x45, 0x00 }, 4, 0, 0, 0x4444 },
		{ "lea rax, [r13+0]", { 0x49, 0x8d, 0x45, 0x00 }, 4, 0, 0, 0x5555 },
		{ "lea rax, [r12+r13*2]", { 0x4b, 0x8d, 0x04, 0x6c }, 4, 0, 0, 0x100 + 0xaaaa },
	};
	for (size_t j = 0; j < N(k); j++) {
		struct machine *m = tm_new(START_LONG64);
		machine_reg_set(m, VT_RAX, 0xaaaaaaaaaaaaaaaa);
		machine_reg_set(m, VT_RBX, k[j].rbx);
		machine_reg_set(m, VT_RCX, k[j].rcx);
		machine_reg_set(m, VT_RBP, 0x4444);
		machine_reg_set(m, VT_R12, 0x100);
		machine_reg_set(m, VT_R13, 0x5555);
		cr_expect_eq(tm_run_bytes(m, k[j].code, k[j].len), STOP_HLT, "%s", k[j].text);
		cr_expect_eq(machine_reg_get(m, VT_RAX), k[j].rax, "%s: RAX = %#llx", k[j].text,
			     (unsigned long long)machine_reg_get(m, VT_RAX));
		machine_free(m);
	}
}

/* 16-bit addressing (SDM Vol. 2A, Table 2-1): base+index+disp wraps at
 * 64 KiB. BP = 100h, DI = 5, ECX = 1 in every case. */
Test(data, lea_real16)
{
	static const struct {
		const char *text;
		uint8_t code[4];
		uint8_t len;
		uint64_t rbx, rsi; /* inputs */
		uint64_t rax;      /* after; before it is 0xaaaaaaaa */
	} k[] = {
		{ "lea ax, [bx+si+0x1234]", { 0x8d, 0x80, 0x34, 0x12 }, 4, 0x10, 0x20, 0xaaaa1264 },
		{ "lea ax, [bp+di-2]", { 0x8d, 0x43, 0xfe }, 3, 0, 0, 0xaaaa0103 },
		{ "lea ax, [bx+si] (wraps)", { 0x8d, 0x00 }, 2, 0xffff, 2, 0xaaaa0001 },
		{ "lea ax, [0x1234]", { 0x8d, 0x06, 0x34, 0x12 }, 4, 0x10, 0x20, 0xaaaa1234 },
		{ "lea eax, [bx+si] (66: zero-extended)", { 0x66, 0x8d, 0x00 }, 3, 0xffff, 2, 0x00000001 },
		{ "lea ax, [ebx+ecx*4] (67: 32-bit address, truncated)", { 0x67, 0x8d, 0x04, 0x8b }, 4, 0x10000, 0, 0xaaaa0004 },
	};
	for (size_t j = 0; j < N(k); j++) {
		struct machine *m = tm_new(START_REAL16);
		machine_reg_set(m, VT_RAX, 0xaaaaaaaa);
		machine_reg_set(m, VT_RBX, k[j].rbx);
		machine_reg_set(m, VT_RSI, k[j].rsi);
		machine_reg_set(m, VT_RCX, 1);
		machine_reg_set(m, VT_RBP, 0x100);
		machine_reg_set(m, VT_RDI, 5);
		cr_expect_eq(tm_run_bytes(m, k[j].code, k[j].len), STOP_HLT, "%s", k[j].text);
		cr_expect_eq(machine_reg_get(m, VT_RAX), k[j].rax, "%s: RAX = %#llx", k[j].text,
			     (unsigned long long)machine_reg_get(m, VT_RAX));
		machine_free(m);
	}
}

/* Condition codes (SDM Vol. 1, Appendix B, Table B-1), low bit negates. */
static bool cond_ref(unsigned cc, uint64_t f)
{
	bool cf = f & TM_CF, zf = f & TM_ZF, sf = f & TM_SF, of = f & TM_OF, pf = f & TM_PF;
	bool r;
	switch (cc >> 1) {
	case 0: r = of; break;
	case 1: r = cf; break;
	case 2: r = zf; break;
	case 3: r = cf || zf; break;
	case 4: r = sf; break;
	case 5: r = pf; break;
	case 6: r = sf != of; break;
	default: r = zf || sf != of; break;
	}
	return r ^ (cc & 1);
}

/* The 32 combinations of CF ZF SF OF PF. */
static uint64_t combo(unsigned n)
{
	static const uint64_t bit[5] = { TM_CF, TM_ZF, TM_SF, TM_OF, TM_PF };
	uint64_t f = 0;
	for (int b = 0; b < 5; b++)
		if (n & (1u << b))
			f |= bit[b];
	return f;
}

/*
 * CMOVcc r32: for each flag combination, 16 times "mov rax, rdi;
 * cmovcc eax, ebx; mov [rsi+8*cc], rax". A 32-bit CMOV in 64-bit mode
 * writes the destination even when the condition is false, so the upper
 * half is cleared either way (SDM Vol. 2A, CMOVcc).
 */
Test(data, cmovcc_all_conditions)
{
	uint8_t code[16 * 10];
	size_t n = 0;
	for (unsigned cc = 0; cc < 16; cc++) {
		const uint8_t one[10] = { 0x48, 0x89, 0xf8, 0x0f, (uint8_t)(0x40 + cc), 0xc3, 0x48, 0x89, 0x46,
					  (uint8_t)(8 * cc) };
		memcpy(code + n, one, sizeof one);
		n += sizeof one;
	}
	for (unsigned c = 0; c < 32; c++) {
		struct machine *m = tm_new(START_LONG64);
		machine_reg_set(m, VT_RDI, 0xffffffff11111111);
		machine_reg_set(m, VT_RBX, 0xdddddddd22222222);
		machine_reg_set(m, VT_RSI, TM_DATA);
		tm_set_flags(m, combo(c));
		cr_assert_eq(tm_run_bytes(m, code, n), STOP_HLT);
		for (unsigned cc = 0; cc < 16; cc++) {
			uint64_t want = cond_ref(cc, combo(c)) ? 0x22222222 : 0x11111111;
			cr_expect_eq(tm_peek(m, TM_DATA + 8 * cc, 8), want, "cmov cc=%u flags=%#llx", cc,
				     (unsigned long long)combo(c));
		}
		cr_expect_eq(tm_flags(m), combo(c), "CMOVcc changed flags");
		machine_free(m);
	}
}

/* 64- and 16-bit CMOV with a false condition leave the destination; a
 * memory source is read even then, so a bad address faults. */
Test(data, cmov_false_other_sizes)
{
	static const uint8_t code[] = {
		0x48, 0x0f, 0x44, 0xc3, /* cmove rax, rbx */
		0x66, 0x0f, 0x44, 0xcb, /* cmove cx, bx */
	};
	static const uint8_t cmov_mem[] = { 0x48, 0x0f, 0x44, 0x06 }; /* cmovz rax, [rsi] */
	struct machine *m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RAX, 0xffffffff11111111);
	machine_reg_set(m, VT_RCX, 0xffffffff11111111);
	machine_reg_set(m, VT_RBX, 0x2222);
	tm_set_flags(m, 0);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(machine_reg_get(m, VT_RAX), 0xffffffff11111111);
	cr_assert_eq(machine_reg_get(m, VT_RCX), 0xffffffff11111111);
	machine_free(m);

	struct tm_exc_log log;
	m = tm_new(START_LONG64);
	tm_log_exceptions(m, &log);
	machine_reg_set(m, VT_RSI, 0x0000800000000000); /* non-canonical */
	tm_set_flags(m, 0);
	cr_assert_eq(tm_run_bytes(m, cmov_mem, sizeof cmov_mem), STOP_SHUTDOWN);
	cr_assert_eq(log.vector[0], 13, "false CMOVZ from a non-canonical address: #GP, got %u", log.vector[0]);
	cr_assert_eq(log.rip[0], TM_CODE);
	machine_free(m);
}

/* SETcc r/m8 writes 1 or 0 to the whole byte and changes no flags. */
Test(data, setcc_all_conditions)
{
	uint8_t code[16 * 4];
	for (unsigned cc = 0; cc < 16; cc++) {
		const uint8_t one[4] = { 0x0f, (uint8_t)(0x90 + cc), 0x46, (uint8_t)cc }; /* setcc [rsi+cc] */
		memcpy(code + 4 * cc, one, 4);
	}
	for (unsigned c = 0; c < 32; c++) {
		struct machine *m = tm_new(START_LONG64);
		machine_reg_set(m, VT_RSI, TM_DATA);
		tm_poke(m, TM_DATA, 8, 0xcccccccccccccccc);
		tm_poke(m, TM_DATA + 8, 8, 0xcccccccccccccccc);
		tm_set_flags(m, combo(c));
		cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
		for (unsigned cc = 0; cc < 16; cc++)
			cr_expect_eq(tm_peek(m, TM_DATA + cc, 1), cond_ref(cc, combo(c)), "set cc=%u flags=%#llx", cc,
				     (unsigned long long)combo(c));
		cr_expect_eq(tm_flags(m), combo(c));
		machine_free(m);
	}
}

/* SETcc to registers: AH and (with REX) SIL, merging into the rest. */
Test(data, setcc_registers)
{
	static const uint8_t code[] = {
		0x0f, 0x94, 0xc4,       /* sete ah */
		0x40, 0x0f, 0x94, 0xc6, /* sete sil */
		0x0f, 0x95, 0xc0,       /* setne al */
	};
	struct machine *m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RAX, 0xffffffffffffffff);
	machine_reg_set(m, VT_RSI, 0x1234567812345600);
	tm_set_flags(m, TM_ZF);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(machine_reg_get(m, VT_RAX), 0xffffffffffff0100);
	cr_assert_eq(machine_reg_get(m, VT_RSI), 0x1234567812345601);
	machine_free(m);
}

/* Reference flags of a - b and a + b at `bits`, and of a & b. */
static uint64_t ref_flags(int op, uint64_t a, uint64_t b, unsigned bits)
{
	uint64_t m = bits == 64 ? ~0ull : (1ull << bits) - 1, top = 1ull << (bits - 1);
	a &= m;
	b &= m;
	uint64_t r = (op == 0 ? a - b : op == 1 ? a + b : a & b) & m, f = 0;
	if (op == 0 && a < b) f |= TM_CF;
	if (op == 1 && r < a) f |= TM_CF;
	if (op == 0 && ((a ^ b) & (a ^ r) & top)) f |= TM_OF;
	if (op == 1 && ((a ^ r) & (b ^ r) & top)) f |= TM_OF;
	if (r == 0) f |= TM_ZF;
	if (r & top) f |= TM_SF;
	if (!__builtin_parityll(r & 0xff)) f |= TM_PF;
	return f;
}

/* Conditions straight after CMP, ADD and TEST at 32 and 64 bits (the
 * flags come from the recorded operands, not from RFLAGS). */
Test(data, setcc_after_flag_writers)
{
	static const struct { const char *text; uint8_t code[3]; uint8_t len; int op; unsigned bits; } w[] = {
		{ "cmp rax, rbx", { 0x48, 0x39, 0xd8 }, 3, 0, 64 }, { "cmp eax, ebx", { 0x39, 0xd8 }, 2, 0, 32 },
		{ "cmp al, bl", { 0x38, 0xd8 }, 2, 0, 8 }, { "add rax, rbx", { 0x48, 0x01, 0xd8 }, 3, 1, 64 },
		{ "add eax, ebx", { 0x01, 0xd8 }, 2, 1, 32 }, { "test rax, rbx", { 0x48, 0x85, 0xd8 }, 3, 2, 64 },
		{ "test eax, ebx", { 0x85, 0xd8 }, 2, 2, 32 },
	};
	static const uint64_t pairs[][2] = {
		{ 0, 0 }, { 1, 2 }, { 2, 1 }, { 5, 5 }, { 0x7fffffffffffffff, 0x8000000000000000 },
		{ 0x8000000000000000, 0x7fffffffffffffff }, { 0x8000000000000000, 1 }, { ~0ull, 1 },
		{ 0x7fffffff, 0x80000000 }, { 0x80000000, 1 }, { 0xffffffff, 0xffffffff }, { 0x17f, 0x80 },
		{ 0x80, 0x7f }, { 0x1234567800000000, 0x8765432100000000 },
	};
	for (size_t j = 0; j < N(w); j++) {
		uint8_t code[3 + 64];
		memcpy(code, w[j].code, w[j].len);
		for (unsigned cc = 0; cc < 16; cc++) {
			const uint8_t one[4] = { 0x0f, (uint8_t)(0x90 + cc), 0x46, (uint8_t)cc };
			memcpy(code + w[j].len + 4 * cc, one, 4);
		}
		for (size_t p = 0; p < N(pairs); p++) {
			struct machine *m = tm_new(START_LONG64);
			machine_reg_set(m, VT_RAX, pairs[p][0]);
			machine_reg_set(m, VT_RBX, pairs[p][1]);
			machine_reg_set(m, VT_RSI, TM_DATA);
			cr_assert_eq(tm_run_bytes(m, code, w[j].len + 64u), STOP_HLT);
			uint64_t f = ref_flags(w[j].op, pairs[p][0], pairs[p][1], w[j].bits);
			for (unsigned cc = 0; cc < 16; cc++)
				cr_expect_eq(tm_peek(m, TM_DATA + cc, 1), cond_ref(cc, f), "%s with %#llx, %#llx: cc=%u",
					     w[j].text, (unsigned long long)pairs[p][0], (unsigned long long)pairs[p][1], cc);
			cr_expect_eq(tm_flags(m) & ~TM_AF, f, "%s with %#llx, %#llx: flags", w[j].text,
				     (unsigned long long)pairs[p][0], (unsigned long long)pairs[p][1]);
			machine_free(m);
		}
	}
}

/* LAHF/SAHF move SF:ZF:0:AF:0:PF:1:CF through AH; OF is not among them
 * (SDM Vol. 2A, LAHF; Vol. 2B, SAHF). CLC STC CMC CLD STD. */
Test(data, flag_instructions)
{
	static const uint8_t lahf[] = { 0x9f };
	static const uint8_t sahf[] = { 0x9e };
	struct machine *m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RAX, 0xffffffffffff00ff);
	tm_set_flags(m, TM_ARITH);
	cr_assert_eq(tm_run_bytes(m, lahf, 1), STOP_HLT);
	cr_assert_eq(machine_reg_get(m, VT_RAX), 0xffffffffffffd7ff);
	cr_assert_eq(tm_flags(m), TM_ARITH);
	machine_free(m);

	m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RAX, 0xff00);
	tm_set_flags(m, 0);
	cr_assert_eq(tm_run_bytes(m, sahf, 1), STOP_HLT);
	cr_assert_eq(tm_flags(m), TM_SF | TM_ZF | TM_AF | TM_PF | TM_CF, "SAHF sets all but OF");
	machine_free(m);

	m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RAX, 0x0000);
	tm_set_flags(m, TM_ARITH);
	cr_assert_eq(tm_run_bytes(m, sahf, 1), STOP_HLT);
	cr_assert_eq(tm_flags(m), TM_OF, "SAHF clears all but OF");
	machine_free(m);

	static const struct { const char *text; uint8_t op; uint64_t fin, fout; } k[] = {
		{ "clc", 0xf8, TM_ARITH, TM_ARITH & ~TM_CF }, { "stc", 0xf9, 0, TM_CF },
		{ "cmc (0 -> 1)", 0xf5, TM_ZF, TM_ZF | TM_CF }, { "cmc (1 -> 0)", 0xf5, TM_CF | TM_OF, TM_OF },
	};
	for (size_t j = 0; j < N(k); j++) {
		m = tm_new(START_LONG64);
		tm_set_flags(m, k[j].fin);
		cr_assert_eq(tm_run_bytes(m, &k[j].op, 1), STOP_HLT);
		cr_expect_eq(tm_flags(m), k[j].fout, "%s", k[j].text);
		machine_free(m);
	}

	static const uint8_t std_cld[] = { 0xfd, 0x9c, 0xfc }; /* std; pushfq; cld */
	m = tm_new(START_LONG64);
	cr_assert_eq(tm_run_bytes(m, std_cld, sizeof std_cld), STOP_HLT);
	cr_assert_eq(tm_peek(m, TM_STACK - 8, 8) & TM_DF, TM_DF, "STD sets DF");
	cr_assert_eq(machine_reg_get(m, VT_RFLAGS) & TM_DF, 0, "CLD clears DF");
	machine_free(m);
}

/* The NOP forms change nothing but RIP. */
Test(data, nop_forms)
{
	static const uint8_t code[] = {
		0x90,                                           /* nop */
		0x66, 0x90,                                     /* xchg ax, ax = 66 nop */
		0x0f, 0x1f, 0x00,                               /* nop dword [rax] */
		0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00,             /* nop word [rax+rax+0] */
		0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00, /* nop dword [rax+rax+disp32] */
		0xf3, 0x90,                                     /* pause */
	};
	struct machine *m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RAX, 0x0000800000000000); /* a non-canonical "address": never accessed */
	machine_reg_set(m, VT_RCX, 0xffffffff12345678);
	tm_set_flags(m, TM_CF | TM_OF);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(machine_reg_get(m, VT_RIP), tm_end_rip(sizeof code));
	cr_assert_eq(machine_icount(m), 7);
	cr_assert_eq(machine_reg_get(m, VT_RAX), 0x0000800000000000, "90 in 64-bit mode is not XCHG EAX, EAX");
	cr_assert_eq(machine_reg_get(m, VT_RCX), 0xffffffff12345678);
	cr_assert_eq(machine_reg_get(m, VT_RSP), TM_STACK);
	cr_assert_eq(tm_flags(m), TM_CF | TM_OF);
	machine_free(m);
}
