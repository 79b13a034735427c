/* test_branch.c - unit tests for Jcc, JMP, LOOPcc and JrCXZ (sim/cpu/branch.c, sim/cpu/fuse.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t reg(struct machine *m, enum vt_reg r)
{
	return machine_reg_get(m, r);
}

/* Condition codes (SDM Vol. 1, Appendix B, Table B-1); the low bit negates. */
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
 * Every condition, both encodings, under every combination of the five
 * flags it may read (set directly in RFLAGS):
 *   0: jcc rel8 +2        2: mov cl, 1 (only when not taken)
 *   4: jcc rel32 +2      10: mov dl, 1 (only when not taken)
 */
Test(branch, jcc_all_conditions_rel8_rel32)
{
	for (unsigned cc = 0; cc < 16; cc++) {
		const uint8_t code[] = {
			(uint8_t)(0x70 + cc), 0x02, 0xb1, 0x01,
			0x0f, (uint8_t)(0x80 + cc), 0x02, 0x00, 0x00, 0x00, 0xb2, 0x01,
		};
		for (unsigned c = 0; c < 32; c++) {
			struct machine *m = tm_new(START_LONG64);
			tm_set_flags(m, combo(c));
			cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
			bool taken = cond_ref(cc, combo(c));
			cr_expect_eq(reg(m, VT_RCX), taken ? 0u : 1u, "rel8 cc=%u flags=%#llx", cc,
				     (unsigned long long)combo(c));
			cr_expect_eq(reg(m, VT_RDX), taken ? 0u : 1u, "rel32 cc=%u flags=%#llx", cc,
				     (unsigned long long)combo(c));
			cr_expect_eq(machine_icount(m), taken ? 3u : 5u, "cc=%u: instructions retired", cc);
			machine_free(m);
		}
	}
}

/* Reference flags: op 0 = a - b, 1 = a + b, 2 = a & b; INC/DEC are
 * 1/0 with b = 1 and keep cf_in. */
static uint64_t ref_flags(int op, uint64_t a, uint64_t b, unsigned bits, bool keep_cf, bool cf_in)
{
	uint64_t m = bits == 64 ? ~0ull : (1ull << bits) - 1, top = 1ull << (bits - 1);
	a &= m;
	b &= m;
	uint64_t r = (op == 0 ? a - b : op == 1 ? a + b : a & b) & m, f = 0;
	if ((op == 0 && a < b) || (op == 1 && r < a)) f |= TM_CF;
	if (keep_cf) f = cf_in ? TM_CF : 0;
	if (op == 0 && ((a ^ b) & (a ^ r) & top)) f |= TM_OF;
	if (op == 1 && ((a ^ r) & (b ^ r) & top)) f |= TM_OF;
	if (r == 0) f |= TM_ZF;
	if (r & top) f |= TM_SF;
	if (!__builtin_parityll(r & 0xff)) f |= TM_PF;
	return f;
}

/*
 * A flag writer followed by Jcc is executed as one fused pair (fuse.c):
 * check every condition after each fusible writer. Per condition:
 *   mov rax, rdi; <writer>; jcc +4; mov byte [rsi+cc], 1
 * so byte cc is 1 exactly when the branch was not taken. INC and DEC
 * run with CF=1 beforehand, which they must keep.
 */
Test(branch, fused_flag_writer_jcc)
{
	static const struct {
		const char *text;
		uint8_t code[6];
		uint8_t len;
		int op;            /* for ref_flags */
		unsigned bits;
		uint64_t b;        /* second operand: RBX or the immediate */
		bool use_rbx;
		bool keep_cf;      /* INC/DEC */
	} w[] = {
		{ "cmp rax, rbx", { 0x48, 0x39, 0xd8 }, 3, 0, 64, 0, true, false },
		{ "cmp eax, ebx", { 0x39, 0xd8 }, 2, 0, 32, 0, true, false },
		{ "cmp rax, 7", { 0x48, 0x83, 0xf8, 0x07 }, 4, 0, 64, 7, false, false },
		{ "sub rax, 5", { 0x48, 0x83, 0xe8, 0x05 }, 4, 0, 64, 5, false, false },
		{ "test rax, rbx", { 0x48, 0x85, 0xd8 }, 3, 2, 64, 0, true, false },
		{ "test eax, 0x80000001", { 0xa9, 0x01, 0x00, 0x00, 0x80 }, 5, 2, 32, 0x80000001, false, false },
		{ "inc rax", { 0x48, 0xff, 0xc0 }, 3, 1, 64, 1, false, true },
		{ "dec eax", { 0xff, 0xc8 }, 2, 0, 32, 1, false, true },
	};
	static const uint64_t vals[][2] = {
		{ 0, 0 }, { 7, 7 }, { 5, 9 }, { 9, 5 }, { 0x7fffffffffffffff, 0x8000000000000000 },
		{ 0x8000000000000000, 1 }, { ~0ull, 0x7fffffff }, { 0x80000000, 0xffffffff }, { 0x7fffffff, 0 },
		{ 0x80000001, 0x80000000 }, { 0xffffffff, 0x100000000 },
	};
	for (size_t j = 0; j < N(w); j++) {
		uint8_t code[16 * 16];
		size_t n = 0;
		for (unsigned cc = 0; cc < 16; cc++) {
			static const uint8_t mov_rax_rdi[] = { 0x48, 0x89, 0xf8 };
			memcpy(code + n, mov_rax_rdi, 3);
			memcpy(code + n + 3, w[j].code, w[j].len);
			n += 3 + w[j].len;
			const uint8_t tail[] = { (uint8_t)(0x70 + cc), 0x04, 0xc6, 0x46, (uint8_t)cc, 0x01 };
			memcpy(code + n, tail, sizeof tail);
			n += sizeof tail;
		}
		bool incdec = w[j].keep_cf;
		for (size_t p = 0; p < N(vals); p++) {
			struct machine *m = tm_new(START_LONG64);
			machine_reg_set(m, VT_RDI, vals[p][0]);
			machine_reg_set(m, VT_RBX, vals[p][1]);
			machine_reg_set(m, VT_RSI, TM_DATA);
			tm_set_flags(m, incdec ? TM_CF : 0);
			cr_assert_eq(tm_run_bytes(m, code, n), STOP_HLT);
			uint64_t b = w[j].use_rbx ? vals[p][1] : w[j].b;
			uint64_t f = ref_flags(w[j].op, vals[p][0], b, w[j].bits, incdec, true);
			for (unsigned cc = 0; cc < 16; cc++)
				cr_expect_eq(tm_peek(m, TM_DATA + cc, 1), !cond_ref(cc, f), "%s with RAX=%#llx: cc=%u",
					     w[j].text, (unsigned long long)vals[p][0], cc);
			machine_free(m);
		}
	}
}

/* JMP rel8/rel32 and near indirect through a register, memory and a
 * RIP-relative pointer; each lands on the next JMP, the last on HLT. */
Test(branch, jmp_forms)
{
	static const uint8_t code[] = {
		0xeb, 0x01,                         /* 0: jmp 3 */
		0xf4,                               /* 2 */
		0xe9, 0x01, 0x00, 0x00, 0x00,       /* 3: jmp 9 */
		0xf4,                               /* 8 */
		0xff, 0xe0,                         /* 9: jmp rax (-> 12) */
		0xf4,                               /* 11 */
		0xff, 0x26,                         /* 12: jmp [rsi] (-> 14) */
		0xff, 0x25, 0x04, 0x00, 0x00, 0x00, /* 14: jmp [rip+4] (the pointer at 24) */
		0xf4, 0xf4, 0xf4, 0xf4,             /* 20 */
		0x20, 0x10, 0, 0, 0, 0, 0, 0,       /* 24: TM_CODE + 32, where tm_load puts HLT */
	};
	struct machine *m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RAX, TM_CODE + 12);
	machine_reg_set(m, VT_RSI, TM_DATA);
	tm_poke(m, TM_DATA, 8, TM_CODE + 14);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(reg(m, VT_RIP), tm_end_rip(sizeof code));
	cr_assert_eq(machine_icount(m), 6);
	machine_free(m);
}

/* LOOP decrements rCX without touching flags and branches while it is
 * non-zero; LOOPE/LOOPNE also need ZF = 1/0 (SDM Vol. 2A, LOOP/LOOPcc). */
Test(branch, loop_family)
{
	static const uint8_t loop[] = { 0xff, 0xc0, 0xe2, 0xfc };                     /* L: inc eax; loop L */
	static const uint8_t loope[] = { 0xff, 0xc0, 0xa9, 0x04, 0, 0, 0, 0xe1, 0xf7 }; /* L: inc eax; test eax, 4; loope L */
	static const uint8_t loopne[] = { 0xff, 0xc0, 0x39, 0xd8, 0xe0, 0xfa };       /* L: inc eax; cmp eax, ebx; loopne L */
	static const uint8_t loop32[] = { 0xff, 0xc0, 0x67, 0xe2, 0xfb };             /* L: inc eax; a32 loop L */

	struct machine *m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RCX, 5);
	tm_set_flags(m, TM_CF | TM_ZF);
	cr_assert_eq(tm_run_bytes(m, loop, sizeof loop), STOP_HLT);
	cr_assert_eq(reg(m, VT_RAX), 5);
	cr_assert_eq(reg(m, VT_RCX), 0);
	cr_assert_eq(tm_flags(m) & TM_CF, TM_CF, "LOOP leaves flags (INC kept CF)");
	machine_free(m);

	m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RCX, 10);
	cr_assert_eq(tm_run_bytes(m, loope, sizeof loope), STOP_HLT);
	cr_assert_eq(reg(m, VT_RAX), 4, "LOOPE stops when ZF = 0");
	cr_assert_eq(reg(m, VT_RCX), 6);
	machine_free(m);

	m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RCX, 10);
	machine_reg_set(m, VT_RBX, 3);
	cr_assert_eq(tm_run_bytes(m, loopne, sizeof loopne), STOP_HLT);
	cr_assert_eq(reg(m, VT_RAX), 3, "LOOPNE stops when ZF = 1");
	cr_assert_eq(reg(m, VT_RCX), 7);
	machine_free(m);

	m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RCX, 2);
	machine_reg_set(m, VT_RBX, 2);
	cr_assert_eq(tm_run_bytes(m, loopne, sizeof loopne), STOP_HLT);
	cr_assert_eq(reg(m, VT_RAX), 2, "LOOPNE stops when the count runs out");
	cr_assert_eq(reg(m, VT_RCX), 0);
	machine_free(m);

	/* With 67h the counter is ECX: 1_00000001h has ECX = 1, so one pass. */
	m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RCX, 0x100000001);
	cr_assert_eq(tm_run_bytes(m, loop32, sizeof loop32), STOP_HLT);
	cr_assert_eq(reg(m, VT_RAX), 1);
	cr_assert_eq(reg(m, VT_RCX) & 0xffffffff, 0);
	machine_free(m);
}

/* JRCXZ/JECXZ/JCXZ test the counter selected by the address size. */
Test(branch, jrcxz_jecxz_jcxz)
{
	static const struct {
		const char *text;
		enum start_mode mode;
		uint8_t code[3];
		uint8_t len;
		uint64_t rcx;
		bool taken;
	} k[] = {
		{ "jrcxz (RCX = 1_00000000h)", START_LONG64, { 0xe3, 0x02 }, 2, 0x100000000, false },
		{ "jrcxz (RCX = 0)", START_LONG64, { 0xe3, 0x02 }, 2, 0, true },
		{ "jecxz in 64-bit mode (67 e3)", START_LONG64, { 0x67, 0xe3, 0x02 }, 3, 0x100000000, true },
		{ "jecxz in 64-bit mode, ECX != 0", START_LONG64, { 0x67, 0xe3, 0x02 }, 3, 0x80000000, false },
		{ "jecxz in prot32", START_PROT32, { 0xe3, 0x02 }, 2, 0x10000, false },
		{ "jcxz in prot32 (67 e3)", START_PROT32, { 0x67, 0xe3, 0x02 }, 3, 0x10000, true },
		{ "jcxz in real16", START_REAL16, { 0xe3, 0x02 }, 2, 0x10000, true },
		{ "jecxz in real16 (67 e3)", START_REAL16, { 0x67, 0xe3, 0x02 }, 3, 0x10000, false },
	};
	for (size_t j = 0; j < N(k); j++) {
		uint8_t code[8];
		memcpy(code, k[j].code, k[j].len);
		code[k[j].len] = 0xb0;     /* mov al, 1 (skipped when taken) */
		code[k[j].len + 1] = 0x01;
		struct machine *m = tm_new(k[j].mode);
		machine_reg_set(m, VT_RCX, k[j].rcx);
		cr_expect_eq(tm_run_bytes(m, code, k[j].len + 2u), STOP_HLT, "%s", k[j].text);
		cr_expect_eq(reg(m, VT_RAX), k[j].taken ? 0u : 1u, "%s: taken?", k[j].text);
		cr_expect_eq(reg(m, VT_RCX), k[j].rcx, "%s: the counter is not changed", k[j].text);
		machine_free(m);
	}
}

/* In real mode IP is 16 bits: a branch target wraps within the 64 KiB
 * code segment (SDM Vol. 2A, JMP: "IF OperandSize = 16 THEN EIP := tempEIP
 * AND 0000FFFFH"). CS = 100h, IP = 0: jmp -14 lands at IP FFF2h, which
 * is linear 1000h + FFF2h. */
Test(branch, real16_ip_wraps)
{
	static const uint8_t jmp_back[] = { 0xeb, 0xf0 }; /* jmp $-14 */
	static const uint8_t hlt = 0xf4;
	struct machine *m = tm_new(START_REAL16);
	machine_phys_write(m, 0x1000, jmp_back, sizeof jmp_back);
	machine_phys_write(m, 0x1000 + 0xfff2, &hlt, 1);
	machine_reg_set(m, VT_CS, 0x100);
	machine_reg_set(m, VT_RIP, 0);
	cr_assert_eq(machine_run(m, 10), STOP_HLT);
	cr_assert_eq(reg(m, VT_RIP), 0xfff3);
	cr_assert_eq(reg(m, VT_CS), 0x100);
	cr_assert_eq(machine_icount(m), 2);
	machine_free(m);
}

/* And a conditional branch from near the top of the segment past 64 KiB. */
Test(branch, real16_jcc_wraps_forward)
{
	static const uint8_t jz_fwd[] = { 0x74, 0x10 }; /* jz $+18 */
	static const uint8_t hlt = 0xf4;
	struct machine *m = tm_new(START_REAL16);
	machine_phys_write(m, 0x1000 + 0xfff8, jz_fwd, sizeof jz_fwd);
	machine_phys_write(m, 0x1000 + 0x000a, &hlt, 1); /* FFFAh + 10h = 1000Ah -> 000Ah */
	machine_reg_set(m, VT_CS, 0x100);
	machine_reg_set(m, VT_RIP, 0xfff8);
	tm_set_flags(m, TM_ZF);
	cr_assert_eq(machine_run(m, 10), STOP_HLT);
	cr_assert_eq(reg(m, VT_RIP), 0x000b);
	machine_free(m);
}

/*
 * A near branch to a non-canonical address faults with #GP(0) at the
 * branch, not at the target (SDM Vol. 2A, JMP, 64-bit mode exceptions;
 * Vol. 1, 3.3.7.1). The IDT is empty, so this escalates to shutdown;
 * the first exception logged is #GP and RIP stays at the branch.
 */
Test(branch, noncanonical_target_gp)
{
	static const struct { const char *text; uint8_t code[4]; uint8_t len; } k[] = {
		{ "jmp rax", { 0xff, 0xe0 }, 2 },
		{ "jmp [rsi]", { 0xff, 0x26 }, 2 },
		{ "call rax", { 0xff, 0xd0 }, 2 },
		{ "ret", { 0xc3 }, 1 },
	};
	for (size_t j = 0; j < N(k); j++) {
		uint8_t code[8] = { 0x90, 0x90 }; /* two NOPs first */
		memcpy(code + 2, k[j].code, k[j].len);
		struct tm_exc_log log;
		struct machine *m = tm_new(START_LONG64);
		tm_log_exceptions(m, &log);
		machine_reg_set(m, VT_RAX, 0xffff7fffffffffff);
		machine_reg_set(m, VT_RSI, TM_DATA);
		tm_poke(m, TM_DATA, 8, 0x0000800000000000);
		tm_poke(m, TM_STACK, 8, 0x1234000000000000);
		machine_reg_set(m, VT_RSP, TM_STACK);
		cr_expect_eq(tm_run_bytes(m, code, k[j].len + 2u), STOP_SHUTDOWN, "%s", k[j].text);
		cr_expect_geq(log.n, 1, "%s", k[j].text);
		cr_expect_eq(log.vector[0], 13, "%s: first exception %u", k[j].text, log.vector[0]);
		cr_expect_eq(log.rip[0], TM_CODE + 2, "%s: #GP RIP", k[j].text);
		cr_expect_eq(reg(m, VT_RIP), TM_CODE + 2, "%s: RIP kept at the branch", k[j].text);
		cr_expect_eq(machine_icount(m), 2, "%s: only the NOPs retired", k[j].text);
		cr_expect_eq(reg(m, VT_RSP), TM_STACK, "%s: nothing pushed or popped", k[j].text);
		machine_free(m);
	}
}

/* A backward rel32 loop that crosses block boundaries many times. */
Test(branch, backward_rel32_loop)
{
	static const uint8_t code[] = {
		0x48, 0xff, 0xc0,                   /* L: inc rax */
		0x48, 0x39, 0xd8,                   /* cmp rax, rbx */
		0x0f, 0x82, 0xf4, 0xff, 0xff, 0xff, /* jb L (rel32 = -12) */
	};
	struct machine *m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RBX, 1000);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(reg(m, VT_RAX), 1000);
	cr_assert_eq(machine_icount(m), 3 * 1000 + 1);
	machine_free(m);
}
