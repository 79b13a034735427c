/* test_alu.c - unit tests for ADD ADC SUB SBB AND OR XOR CMP TEST, INC DEC NEG NOT (sim/cpu/alu.c). */
#include <criterion/criterion.h>

#include "helpers.h"

/*
 * One instruction in 64-bit mode with RAX, RBX, RSI = TM_DATA and the
 * qword at TM_DATA set, then HLT. The expected flags are worked out by
 * hand from the "Flags Affected" sections of SDM Vol. 2A/2B:
 *   CF carry/borrow out of the top bit, OF signed overflow, SF top bit,
 *   ZF result 0, AF carry/borrow out of bit 3, PF even parity of the low byte.
 */
struct alu_case {
	const char *text;    /* the instruction, for messages */
	uint8_t code[12];    /* its bytes */
	uint8_t len;         /* how many */
	uint64_t rax, rbx;   /* registers before */
	uint64_t mem;        /* qword at [RSI] before */
	uint64_t fin;        /* arithmetic flags before */
	uint64_t rax_out;    /* RAX after */
	uint64_t rbx_out;    /* RBX after */
	uint64_t mem_out;    /* qword at [RSI] after */
	uint64_t fout;       /* arithmetic flags after */
};

#define C TM_CF
#define P TM_PF
#define A TM_AF
#define Z TM_ZF
#define S TM_SF
#define O TM_OF

/* undef: flags the SDM leaves undefined for these instructions, not checked. */
static void run_cases(const struct alu_case *k, size_t n, uint64_t undef)
{
	for (size_t j = 0; j < n; j++, k++) {
		struct machine *m = tm_new(START_LONG64);
		machine_reg_set(m, VT_RAX, k->rax);
		machine_reg_set(m, VT_RBX, k->rbx);
		machine_reg_set(m, VT_RSI, TM_DATA);
		tm_poke(m, TM_DATA, 8, k->mem);
		tm_set_flags(m, k->fin);
		enum stop_reason r = tm_run_bytes(m, k->code, k->len);
		cr_expect_eq(r, STOP_HLT, "%s: stopped with %s", k->text, stop_reason_name(r));
		cr_expect_eq(machine_reg_get(m, VT_RIP), tm_end_rip(k->len), "%s: RIP", k->text);
		uint64_t rax = machine_reg_get(m, VT_RAX), rbx = machine_reg_get(m, VT_RBX);
		uint64_t mem = tm_peek(m, TM_DATA, 8), fl = tm_flags(m) & ~undef;
		cr_expect_eq(rax, k->rax_out, "%s: RAX = %#llx, expected %#llx", k->text,
			     (unsigned long long)rax, (unsigned long long)k->rax_out);
		cr_expect_eq(rbx, k->rbx_out, "%s: RBX = %#llx, expected %#llx", k->text,
			     (unsigned long long)rbx, (unsigned long long)k->rbx_out);
		cr_expect_eq(mem, k->mem_out, "%s: [RSI] = %#llx, expected %#llx", k->text,
			     (unsigned long long)mem, (unsigned long long)k->mem_out);
		cr_expect_eq(fl, k->fout & ~undef, "%s: flags %#llx, expected %#llx", k->text,
			     (unsigned long long)fl, (unsigned long long)(k->fout & ~undef));
		machine_free(m);
	}
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ADD in every form and size; register results zero-extend at 32 bits
 * and merge at 8 and 16 (SDM Vol. 1, 3.4.1.1). */
Test(alu, add)
{
	static const struct alu_case k[] = {
		{ "add al, bl", { 0x00, 0xd8 }, 2, 0x11223344556677ff, 1, 0, 0,
		  0x1122334455667700, 1, 0, C | P | A | Z },
		{ "add al, bl (signed overflow up)", { 0x00, 0xd8 }, 2, 0x7f, 1, 0, 0, 0x80, 1, 0, O | S | A },
		{ "add eax, ebx", { 0x01, 0xd8 }, 2, 0xdeadbeef80000000, 0x80000000, 0, 0,
		  0, 0x80000000, 0, C | O | Z | P },
		{ "add eax, ebx (03 /r)", { 0x03, 0xc3 }, 2, 0xffffffff00000001, 0x7fffffff, 0, 0,
		  0x80000000, 0x7fffffff, 0, O | S | A | P },
		{ "add rax, rbx", { 0x48, 0x01, 0xd8 }, 3, 0x7fffffffffffffff, 1, 0, 0,
		  0x8000000000000000, 1, 0, O | S | A | P },
		{ "add ax, bx", { 0x66, 0x01, 0xd8 }, 3, 0x123456789abcffff, 1, 0, 0,
		  0x123456789abc0000, 1, 0, C | Z | A | P },
		{ "add eax, [rsi]", { 0x03, 0x06 }, 2, 0x100000001, 0, 0xfffffffeffffffff, 0,
		  0, 0, 0xfffffffeffffffff, C | Z | A | P },
		{ "add [rsi], eax", { 0x01, 0x06 }, 2, 0x0f, 0, 0xaaaaaaaa00000001, C,
		  0x0f, 0, 0xaaaaaaaa00000010, A },
		{ "add rax, [rsi]", { 0x48, 0x03, 0x06 }, 3, 0x8000000000000000, 0, 0x8000000000000000, 0,
		  0, 0, 0x8000000000000000, C | O | Z | P },
		{ "add byte [rsi], 0x80", { 0x80, 0x06, 0x80 }, 3, 0, 0, 0x1111111111111180, 0,
		  0, 0, 0x1111111111111100, C | O | Z | P },
		{ "add dword [rsi], 0x12345678", { 0x81, 0x06, 0x78, 0x56, 0x34, 0x12 }, 6, 0, 0,
		  0xffffffffedcba988, 0, 0, 0, 0xffffffff00000000, C | Z | A | P },
		{ "add qword [rsi], -2 (83 /0 ib)", { 0x48, 0x83, 0x06, 0xfe }, 4, 0, 0, 1, 0,
		  0, 0, 0xffffffffffffffff, S | P },
		{ "add al, 0x81 (04 ib)", { 0x04, 0x81 }, 2, 0x7f, 0, 0, 0, 0, 0, 0, C | Z | A | P },
		{ "add ax, 0x8001 (66 05 iw)", { 0x66, 0x05, 0x01, 0x80 }, 4, 0x8000, 0, 0, 0, 1, 0, 0, C | O },
		{ "add eax, 0x80000000 (05 id)", { 0x05, 0x00, 0x00, 0x00, 0x80 }, 5, 0xffffffff7fffffff, 0, 0, 0,
		  0xffffffff, 0, 0, S | P },
		{ "add rax, imm32 sign-extended (48 05 id)", { 0x48, 0x05, 0x00, 0x00, 0x00, 0x80 }, 6,
		  0x80000000, 0, 0, 0, 0, 0, 0, C | Z | P },
		{ "add rax, -1 (48 83 /0 ib)", { 0x48, 0x83, 0xc0, 0xff }, 4, 0, 0, 0, 0,
		  0xffffffffffffffff, 0, 0, S | P },
		{ "add eax, -128 (83 /0 ib)", { 0x83, 0xc0, 0x80 }, 3, 0x80, 0, 0, 0, 0, 0, 0, C | Z | P },
		{ "add eax, 1 (81 /0 id)", { 0x81, 0xc0, 0x01, 0x00, 0x00, 0x00 }, 6, 0xffffffff, 0, 0, 0,
		  0, 0, 0, C | Z | A | P },
	};
	run_cases(k, N(k), 0);
}

/* ADC/SBB add or subtract the incoming CF too; with CF=1 the carry out
 * is "result <= a" (ADC) and the borrow "a <= b" (SBB). */
Test(alu, adc_sbb_carry_in)
{
	static const struct alu_case k[] = {
		{ "adc al, bl", { 0x10, 0xd8 }, 2, 0x7f, 0, 0, C, 0x80, 0, 0, O | S | A },
		{ "adc eax, ebx", { 0x11, 0xd8 }, 2, 0xffffffff, 0xffffffff, 0, C,
		  0xffffffff, 0xffffffff, 0, C | S | A | P },
		{ "adc rax, rbx (all ones + 0 + CF)", { 0x48, 0x11, 0xd8 }, 3, ~0ull, 0, 0, C, 0, 0, 0, C | Z | A | P },
		{ "adc rax, rbx (CF clear)", { 0x48, 0x11, 0xd8 }, 3, ~0ull, 0, 0, 0, ~0ull, 0, 0, S | P },
		{ "adc ah, bh", { 0x10, 0xfc }, 2, 0x1234, 0x0f00, 0, C, 0x2234, 0x0f00, 0, A | P },
		{ "adc eax, -1 (83 /2 ib)", { 0x83, 0xd0, 0xff }, 3, 0, 0, 0, C, 0, 0, 0, C | Z | A | P },
		{ "sbb al, bl", { 0x18, 0xd8 }, 2, 0, 0xff, 0, C, 0, 0xff, 0, C | Z | A | P },
		{ "sbb eax, ebx", { 0x19, 0xd8 }, 2, 5, 5, 0, C, 0xffffffff, 5, 0, C | S | A | P },
		{ "sbb rax, rbx (CF clear)", { 0x48, 0x19, 0xd8 }, 3, 0x8000000000000000, 1, 0, 0,
		  0x7fffffffffffffff, 1, 0, O | A | P },
		{ "sbb eax, 1 (83 /3 ib)", { 0x83, 0xd8, 0x01 }, 3, 2, 0, 0, C, 0, 0, 0, Z | P },
		{ "sbb eax, 0 (signed overflow down)", { 0x83, 0xd8, 0x00 }, 3, 0x80000000, 0, 0, C,
		  0x7fffffff, 0, 0, O | A | P },
		{ "sbb [rsi], ebx", { 0x19, 0x1e }, 2, 0, 0xffffffff, 0x100000000, C,
		  0, 0xffffffff, 0x100000000, C | Z | A | P },
	};
	run_cases(k, N(k), 0);
}

Test(alu, sub_cmp)
{
	static const struct alu_case k[] = {
		{ "sub al, bl", { 0x28, 0xd8 }, 2, 0, 1, 0, 0, 0xff, 1, 0, C | S | A | P },
		{ "sub al, bl (signed overflow down)", { 0x28, 0xd8 }, 2, 0x80, 1, 0, 0, 0x7f, 1, 0, O | A },
		{ "sub eax, ebx (pos - neg overflows)", { 0x29, 0xd8 }, 2, 0x7fffffff, 0xffffffff, 0, 0,
		  0x80000000, 0xffffffff, 0, C | O | S | P },
		{ "sub eax, ebx (equal)", { 0x29, 0xd8 }, 2, 0xdead00000005, 5, 0, C | S, 0, 5, 0, Z | P },
		{ "sub rax, 1 (83 /5 ib)", { 0x48, 0x83, 0xe8, 0x01 }, 4, 0x8000000000000000, 0, 0, 0,
		  0x7fffffffffffffff, 0, 0, O | A | P },
		{ "sub al, 1 (2c ib)", { 0x2c, 0x01 }, 2, 0x100, 0, 0, 0, 0x1ff, 0, 0, C | S | A | P },
		{ "sub rax, [rsi] (2b /r)", { 0x48, 0x2b, 0x06 }, 3, 3, 0, 5, 0, ~0ull - 1, 0, 5, C | S | A },
		{ "cmp eax, ebx", { 0x39, 0xd8 }, 2, 1, 2, 0, 0, 1, 2, 0, C | S | A | P },
		{ "cmp al, 0x80 (3c ib)", { 0x3c, 0x80 }, 2, 0x7f, 0, 0, 0, 0x7f, 0, 0, C | O | S | P },
		{ "cmp rax, [rsi]", { 0x48, 0x3b, 0x06 }, 3, 5, 0, 5, C, 5, 0, 5, Z | P },
		{ "cmp [rsi], al", { 0x38, 0x06 }, 2, 2, 0, 1, 0, 2, 0, 1, C | S | A | P },
		{ "cmp eax, -1 (83 /7 ib)", { 0x83, 0xf8, 0xff }, 3, 0xffffffff, 0, 0, 0, 0xffffffff, 0, 0, Z | P },
		{ "cmp rax, imm32 (48 3d id)", { 0x48, 0x3d, 0x00, 0x00, 0x00, 0x80 }, 6, 0, 0, 0, 0,
		  0, 0, 0, C | P },
	};
	run_cases(k, N(k), 0);
}

/* Logic ops clear CF and OF; AF is undefined (SDM Vol. 2A, AND). */
Test(alu, logic_test)
{
	static const struct alu_case k[] = {
		{ "and eax, ebx", { 0x21, 0xd8 }, 2, 0xfffffffff0f0f0f0, 0xff00ff00, 0, C | O,
		  0xf000f000, 0xff00ff00, 0, S | P },
		{ "or al, bl", { 0x08, 0xd8 }, 2, 0x1200, 0x81, 0, 0, 0x1281, 0x81, 0, S | P },
		{ "xor rax, rax", { 0x48, 0x31, 0xc0 }, 3, 0x1234, 0, 0, C | O | S, 0, 0, 0, Z | P },
		{ "xor eax, ebx", { 0x31, 0xd8 }, 2, 0xffffffff00000001, 3, 0, Z, 2, 3, 0, 0 },
		{ "and ah, 0x0f", { 0x80, 0xe4, 0x0f }, 3, 0xfeff, 0, 0, 0, 0x0eff, 0, 0, 0 },
		{ "or bh, ah", { 0x08, 0xe7 }, 2, 0x8000, 0x0100, 0, 0, 0x8000, 0x8100, 0, S | P },
		{ "xor ax, 0x1234 (66 35 iw)", { 0x66, 0x35, 0x34, 0x12 }, 4, 0xffff1234, 0, 0, 0,
		  0xffff0000, 0, 0, Z | P },
		{ "or eax, -1 (83 /1 ib)", { 0x83, 0xc8, 0xff }, 3, 0x100000000, 0, 0, 0, 0xffffffff, 0, 0, S | P },
		{ "and rax, -256 (48 25 id)", { 0x48, 0x25, 0x00, 0xff, 0xff, 0xff }, 6, 0x123456789abcdef0, 0, 0,
		  0, 0x123456789abcde00, 0, 0, P },
		{ "or [rsi], rbx (48 09 /r)", { 0x48, 0x09, 0x1e }, 3, 0, 0x8000000000000000, 1, 0,
		  0, 0x8000000000000000, 0x8000000000000001, S },
		{ "xor al, [rsi] (32 /r)", { 0x32, 0x06 }, 2, 0x5a, 0, 0xa5, 0, 0xff, 0, 0xa5, S | P },
		{ "test eax, ebx", { 0x85, 0xd8 }, 2, 0xf0, 0x0f, 0, C | O, 0xf0, 0x0f, 0, Z | P },
		{ "test al, 0x80 (a8 ib)", { 0xa8, 0x80 }, 2, 0x80, 0, 0, 0, 0x80, 0, 0, S },
		{ "test [rsi], ebx", { 0x85, 0x1e }, 2, 0, 0x80000001, 0x80000000, 0, 0, 0x80000001, 0x80000000, S | P },
		{ "test rax, imm32 sign-extended", { 0x48, 0xa9, 0x00, 0x00, 0x00, 0x80 }, 6,
		  0x8000000000000000, 0, 0, 0, 0x8000000000000000, 0, 0, S | P },
		{ "test bl, 1 (f6 /0 ib)", { 0xf6, 0xc3, 0x01 }, 3, 0, 2, 0, 0, 0, 2, 0, Z | P },
	};
	run_cases(k, N(k), TM_AF);
}

/* INC/DEC set OF SF ZF AF PF like ADD/SUB 1 and leave CF alone. */
Test(alu, inc_dec_keep_cf)
{
	static const struct alu_case k[] = {
		{ "inc al", { 0xfe, 0xc0 }, 2, 0x7f, 0, 0, C, 0x80, 0, 0, C | O | S | A },
		{ "inc eax", { 0xff, 0xc0 }, 2, 0xffffffffffffffff, 0, 0, 0, 0, 0, 0, Z | A | P },
		{ "dec rax", { 0x48, 0xff, 0xc8 }, 3, 0, 0, 0, 0, ~0ull, 0, 0, S | A | P },
		{ "dec ax", { 0x66, 0xff, 0xc8 }, 3, 0x8000, 0, 0, C, 0x7fff, 0, 0, C | O | A | P },
		{ "inc byte [rsi]", { 0xfe, 0x06 }, 2, 0, 0, 0x12ff, C, 0, 0, 0x1200, C | Z | A | P },
		{ "dec dword [rsi]", { 0xff, 0x0e }, 2, 0, 0, 0x100000000, 0, 0, 0, 0x1ffffffff, S | A | P },
	};
	run_cases(k, N(k), 0);
}

/* NEG: 0 - src; CF = (src != 0); NEG of the most negative value gives
 * itself with OF=1 (SDM Vol. 2B, NEG). NOT changes no flags. */
Test(alu, neg_not)
{
	static const struct alu_case k[] = {
		{ "neg eax", { 0xf7, 0xd8 }, 2, 1, 0, 0, 0, 0xffffffff, 0, 0, C | S | A | P },
		{ "neg eax (zero)", { 0xf7, 0xd8 }, 2, 0xffffffff00000000, 0, 0, C | O, 0, 0, 0, Z | P },
		{ "neg al (INT8_MIN)", { 0xf6, 0xd8 }, 2, 0x80, 0, 0, 0, 0x80, 0, 0, C | O | S },
		{ "neg rax (INT64_MIN)", { 0x48, 0xf7, 0xd8 }, 3, 0x8000000000000000, 0, 0, 0,
		  0x8000000000000000, 0, 0, C | O | S | P },
		{ "neg qword [rsi]", { 0x48, 0xf7, 0x1e }, 3, 0, 0, 5, 0, 0, 0, 0xfffffffffffffffb, C | S | A },
		{ "not eax", { 0xf7, 0xd0 }, 2, 0xffffffff0000ffff, 0, 0, C | P | A | Z | S | O,
		  0xffff0000, 0, 0, C | P | A | Z | S | O },
		{ "not byte [rsi]", { 0xf6, 0x16 }, 2, 0, 0, 0x0f, 0, 0, 0, 0xf0, 0 },
		{ "not ah", { 0xf6, 0xd4 }, 2, 0x1200, 0, 0, Z, 0xed00, 0, 0, Z },
	};
	run_cases(k, N(k), 0);
}

/* LOCK is allowed with a memory destination (SDM Vol. 2A, LOCK). */
Test(alu, lock_memory_forms)
{
	static const struct alu_case k[] = {
		{ "lock add [rsi], eax", { 0xf0, 0x01, 0x06 }, 3, 1, 0, 0x7fffffff, 0, 1, 0, 0x80000000, O | S | A | P },
		{ "lock inc qword [rsi]", { 0xf0, 0x48, 0xff, 0x06 }, 4, 0, 0, ~0ull, C, 0, 0, 0, C | Z | A | P },
		{ "lock neg dword [rsi]", { 0xf0, 0xf7, 0x1e }, 3, 0, 0, 0xaaaaaaaa00000000, C, 0, 0,
		  0xaaaaaaaa00000000, Z | P },
		{ "lock not word [rsi]", { 0xf0, 0x66, 0xf7, 0x16 }, 4, 0, 0, 0x12345678000000ff, C | Z, 0, 0,
		  0x123456780000ff00, C | Z },
		{ "lock sbb [rsi], bl", { 0xf0, 0x18, 0x1e }, 3, 0, 0x0f, 0x10, C, 0, 0x0f, 0, Z | A | P },
		{ "lock adc qword [rsi], 1", { 0xf0, 0x48, 0x83, 0x16, 0x01 }, 5, 0, 0, 0xfffffffffffffffe, C,
		  0, 0, 0, C | Z | A | P },
		{ "lock sub dword [rsi], 3", { 0xf0, 0x83, 0x2e, 0x03 }, 4, 0, 0, 2, 0, 0, 0, 0xffffffff, C | S | A | P },
		{ "lock dec byte [rsi]", { 0xf0, 0xfe, 0x0e }, 3, 0, 0, 0x80, C, 0, 0, 0x7f, C | O | A },
	};
	static const struct alu_case logic[] = {
		{ "lock or [rsi], rbx", { 0xf0, 0x48, 0x09, 0x1e }, 4, 0, 1, 0x8000000000000000, 0, 0, 1,
		  0x8000000000000001, S },
		{ "lock and [rsi], ebx", { 0xf0, 0x21, 0x1e }, 3, 0, 0xff00, ~0ull, 0, 0, 0xff00,
		  0xffffffff0000ff00, P },
		{ "lock xor [rsi], bx", { 0xf0, 0x66, 0x31, 0x1e }, 4, 0, 0x5555, 0x5555, 0, 0, 0x5555, 0, Z | P },
	};
	run_cases(k, N(k), 0);
	run_cases(logic, N(logic), TM_AF);
}

/* Without REX, byte-register numbers 4-7 are AH CH DH BH; with any REX
 * prefix they are SPL BPL SIL DIL (SDM Vol. 2A, 3.7.2.1, Table 3-2). */
Test(alu, rex_byte_registers)
{
	static const uint8_t adc_bh_ah[] = { 0x10, 0xe7 };          /* adc bh, ah */
	static const uint8_t adc_dil_spl[] = { 0x40, 0x10, 0xe7 };  /* adc dil, spl */
	static const uint8_t sub_r9b_r10b[] = { 0x45, 0x28, 0xd1 }; /* sub r9b, r10b */

	struct machine *m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RAX, 0x4000);
	machine_reg_set(m, VT_RBX, 0x3f00);
	machine_reg_set(m, VT_RDI, 0x5555);
	tm_set_flags(m, TM_CF);
	cr_assert_eq(tm_run_bytes(m, adc_bh_ah, sizeof adc_bh_ah), STOP_HLT);
	cr_assert_eq(machine_reg_get(m, VT_RBX), 0x8000, "BH = 3Fh + 40h + CF");
	cr_assert_eq(machine_reg_get(m, VT_RDI), 0x5555, "DIL untouched without REX");
	cr_assert_eq(tm_flags(m), TM_OF | TM_SF | TM_AF);
	machine_free(m);

	m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RAX, 0x4000);
	machine_reg_set(m, VT_RBX, 0x3f00);
	machine_reg_set(m, VT_RDI, 0x55f0);
	machine_reg_set(m, VT_RSP, 0xef0f);
	tm_set_flags(m, TM_CF);
	cr_assert_eq(tm_run_bytes(m, adc_dil_spl, sizeof adc_dil_spl), STOP_HLT);
	cr_assert_eq(machine_reg_get(m, VT_RDI), 0x5500, "DIL = F0h + 0Fh + CF");
	cr_assert_eq(machine_reg_get(m, VT_RBX), 0x3f00, "BH untouched with REX");
	cr_assert_eq(machine_reg_get(m, VT_RSP), 0xef0f);
	cr_assert_eq(tm_flags(m), TM_CF | TM_ZF | TM_PF | TM_AF);
	machine_free(m);

	m = tm_new(START_LONG64);
	machine_reg_set(m, VT_R9, 0xffffffffffffff10);
	machine_reg_set(m, VT_R10, 0x7777777777777711);
	cr_assert_eq(tm_run_bytes(m, sub_r9b_r10b, sizeof sub_r9b_r10b), STOP_HLT);
	cr_assert_eq(machine_reg_get(m, VT_R9), 0xffffffffffffffff);
	cr_assert_eq(machine_reg_get(m, VT_R10), 0x7777777777777711);
	cr_assert_eq(tm_flags(m), TM_CF | TM_SF | TM_AF | TM_PF);
	machine_free(m);
}

/* Flags survive into a later reader: a chain where each instruction
 * consumes the previous one's CF (multi-word addition). */
Test(alu, multiword_add_chain)
{
	static const uint8_t code[] = {
		0x48, 0x01, 0xc8,       /* add rax, rcx */
		0x48, 0x11, 0xd3,       /* adc rbx, rdx */
		0x48, 0x83, 0xd6, 0x00, /* adc rsi, 0 */
	};
	struct machine *m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RAX, ~0ull);
	machine_reg_set(m, VT_RCX, 1);
	machine_reg_set(m, VT_RBX, ~0ull);
	machine_reg_set(m, VT_RDX, 0);
	machine_reg_set(m, VT_RSI, 7);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(machine_reg_get(m, VT_RAX), 0);
	cr_assert_eq(machine_reg_get(m, VT_RBX), 0);
	cr_assert_eq(machine_reg_get(m, VT_RSI), 8);
	cr_assert_eq(tm_flags(m), 0);
	machine_free(m);
}

/*
 * LOCK with a register destination, or on an instruction that cannot be
 * locked (CMP, TEST), is #UD (SDM Vol. 2A, LOCK: "An undefined opcode
 * exception will also be generated if the LOCK prefix is used with any
 * instruction not in the above list or if the destination operand is not
 * a memory operand"). The IDT is empty, so #UD escalates to shutdown
 * with RIP left at the locked instruction and nothing written.
 */
Test(alu, lock_invalid_is_ud)
{
	static const struct { const char *text; uint8_t code[4]; uint8_t len; } k[] = {
		{ "lock add eax, ebx", { 0xf0, 0x01, 0xd8 }, 3 },
		{ "lock inc ecx", { 0xf0, 0xff, 0xc1 }, 3 },
		{ "lock not rax", { 0xf0, 0x48, 0xf7, 0xd0 }, 4 },
		{ "lock cmp [rsi], eax", { 0xf0, 0x39, 0x06 }, 3 },
		{ "lock test [rsi], eax", { 0xf0, 0x85, 0x06 }, 3 },
	};
	for (size_t j = 0; j < N(k); j++) {
		struct machine *m = tm_new(START_LONG64);
		struct tm_exc_log log;
		tm_log_exceptions(m, &log);
		machine_reg_set(m, VT_RAX, 5);
		machine_reg_set(m, VT_RBX, 6);
		machine_reg_set(m, VT_RCX, 7);
		machine_reg_set(m, VT_RSI, TM_DATA);
		cr_expect_eq(tm_run_bytes(m, k[j].code, k[j].len), STOP_SHUTDOWN, "%s: not a shutdown", k[j].text);
		cr_expect_geq(log.n, 1, "%s: no exception", k[j].text);
		cr_expect_eq(log.vector[0], 6, "%s: first exception %u, expected #UD", k[j].text, log.vector[0]);
		cr_expect_eq(log.rip[0], TM_CODE, "%s: #UD RIP", k[j].text);
		cr_expect_eq(machine_reg_get(m, VT_RIP), TM_CODE, "%s: RIP", k[j].text);
		cr_expect_eq(machine_reg_get(m, VT_RAX), 5, "%s: RAX written", k[j].text);
		cr_expect_eq(machine_reg_get(m, VT_RCX), 7, "%s: RCX written", k[j].text);
		machine_free(m);
	}
}
