/* test_icache.c - unit tests for decoded-block caching, self-modifying code and counters (sim/cpu/icache.c, cpu.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"

static uint64_t reg(struct machine *m, enum vt_reg r)
{
	return machine_reg_get(m, r);
}

static uint64_t invalidations(struct machine *m)
{
	struct icache_stats s;
	machine_icache_stats(m, &s);
	return s.invalidations;
}

static void count_insn(void *opaque, const struct event *e)
{
	(void)e;
	++*(uint64_t *)opaque;
}

/*
 * Most tests run twice: on the fast path (whole blocks, fused pairs) and
 * with an EV_INSN listener, which makes the core step one instruction at
 * a time. Both must give the same architectural result.
 */
static struct machine *new64(bool stepped, uint64_t *insns)
{
	struct machine *m = tm_new(START_LONG64);
	*insns = 0;
	if (stepped)
		cr_assert_geq(machine_subscribe(m, EVB(EV_INSN), count_insn, insns), 0);
	return m;
}

/* (1) An instruction runs, is patched, runs again: the second run sees
 * the new immediate (SDM Vol. 3A, 11.6 "Self-Modifying Code"). */
Test(icache, patch_immediate_in_loop)
{
	static const uint8_t code[] = {
		0xb8, 0x11, 0x11, 0x11, 0x11, /* 0: L: mov eax, 0x11111111 */
		0x01, 0xc3,                   /* 5: add ebx, eax */
		0x89, 0x16,                   /* 7: mov [rsi], edx   (RSI = L+1: the immediate) */
		0xff, 0xc1,                   /* 9: inc ecx */
		0x83, 0xf9, 0x02,             /* 11: cmp ecx, 2 */
		0x72, 0xf0,                   /* 14: jb L */
	};
	for (int stepped = 0; stepped < 2; stepped++) {
		uint64_t n;
		struct machine *m = new64(stepped, &n);
		machine_reg_set(m, VT_RSI, TM_CODE + 1);
		machine_reg_set(m, VT_RDX, 0x22222222);
		cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
		cr_assert_eq(reg(m, VT_RBX), 0x33333333, "stepped=%d: second pass used the patched immediate", stepped);
		cr_assert_eq(reg(m, VT_RCX), 2);
		cr_assert_geq(invalidations(m), 1);
		machine_free(m);
	}
}

/* (2) A store into the next instruction of the same, already decoded
 * block: the next instruction executed is the new one. */
Test(icache, patch_next_instruction_in_block)
{
	static const uint8_t mov_imm[] = {
		0xc7, 0x05, 0x01, 0x00, 0x00, 0x00, 0x44, 0x33, 0x22, 0x11, /* mov dword [rip+1], 0x11223344 */
		0xb8, 0x00, 0x00, 0x00, 0x00,                               /* mov eax, 0 (imm patched) */
	};
	static const uint8_t flip_jcc[] = {
		0xc6, 0x05, 0x03, 0x00, 0x00, 0x00, 0x75, /* 0: mov byte [rip+3], 0x75 (jz -> jnz) */
		0x48, 0x39, 0xd8,                         /* 7: cmp rax, rbx (fused with the jcc) */
		0x74, 0x02,                               /* 10: jz +2 */
		0xb1, 0x01,                               /* 12: mov cl, 1 */
	};
	static const uint8_t rmw_imm[] = {
		0x80, 0x05, 0x01, 0x00, 0x00, 0x00, 0x01, /* add byte [rip+1], 1 */
		0xb0, 0x41,                               /* mov al, 0x41 (becomes 0x42) */
	};
	static const uint8_t push_over[] = {
		0x50,                                     /* push rax (RSP = TM_CODE + 9) */
		0xb8, 0, 0, 0, 0, 0x90, 0x90, 0x90,       /* overwritten with rax's bytes */
	};
	for (int stepped = 0; stepped < 2; stepped++) {
		uint64_t n;
		struct machine *m = new64(stepped, &n);
		cr_assert_eq(tm_run_bytes(m, mov_imm, sizeof mov_imm), STOP_HLT);
		cr_assert_eq(reg(m, VT_RAX), 0x11223344, "stepped=%d: MOV store", stepped);
		machine_free(m);

		m = new64(stepped, &n);
		machine_reg_set(m, VT_RAX, 5);
		machine_reg_set(m, VT_RBX, 5);
		cr_assert_eq(tm_run_bytes(m, flip_jcc, sizeof flip_jcc), STOP_HLT);
		cr_assert_eq(reg(m, VT_RCX), 1, "stepped=%d: the patched JNZ was not taken", stepped);
		machine_free(m);

		m = new64(stepped, &n);
		cr_assert_eq(tm_run_bytes(m, rmw_imm, sizeof rmw_imm), STOP_HLT);
		cr_assert_eq(reg(m, VT_RAX), 0x42, "stepped=%d: read-modify-write store", stepped);
		machine_free(m);

		m = new64(stepped, &n);
		machine_reg_set(m, VT_RSP, TM_CODE + 9);
		machine_reg_set(m, VT_RAX, 0x90909012345678b9); /* mov ecx, 0x12345678; nop; nop; nop */
		cr_assert_eq(tm_run_bytes(m, push_over, sizeof push_over), STOP_HLT);
		cr_assert_eq(reg(m, VT_RCX), 0x12345678, "stepped=%d: PUSH over code", stepped);
		cr_assert_eq(reg(m, VT_RSP), TM_CODE + 1);
		machine_free(m);
	}
}

/*
 * (3) Writes to a page that holds code, but not to code bytes, drop
 * nothing: not elsewhere on the page, not in the same 64-byte line past
 * the block's end. A write to the code does.
 */
Test(icache, data_writes_on_code_page_keep_blocks)
{
	static const uint8_t code[] = {
		0x89, 0x86, 0x00, 0x08, 0x00, 0x00, /* L: mov [rsi+0x800], eax  (another line) */
		0x89, 0x46, 0x28,                   /* mov [rsi+40], eax         (same line, after the HLT) */
		0xff, 0xc9,                         /* dec ecx */
		0x75, 0xf3,                         /* jnz L */
	};
	struct machine *m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RSI, TM_CODE);
	machine_reg_set(m, VT_RAX, 0xabcdef01);
	machine_reg_set(m, VT_RCX, 100);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(tm_peek(m, TM_CODE + 0x800, 4), 0xabcdef01);
	cr_assert_eq(tm_peek(m, TM_CODE + 40, 4), 0xabcdef01);
	cr_assert_eq(invalidations(m), 0, "data next to code invalidated blocks");
	machine_free(m);

	/* The same loop with RSI pointing so that the second store hits the
	 * loop's own DEC: invalidations happen (and the loop changes). */
	m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RSI, TM_CODE + 9 - 40);
	machine_reg_set(m, VT_RAX, 0x9090c9ff); /* dec ecx; nop; nop over "dec ecx; jnz L" */
	machine_reg_set(m, VT_RCX, 100);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_geq(invalidations(m), 1);
	cr_assert_eq(reg(m, VT_RCX), 99, "the JNZ was overwritten on the first pass");
	machine_free(m);
}

/* (4) The front end rewrites code between two runs. */
Test(icache, front_end_write_between_runs)
{
	static const uint8_t code[] = {
		0xb8, 0x01, 0x00, 0x00, 0x00, /* L: mov eax, 1 */
		0xff, 0xc3,                   /* inc ebx */
		0xeb, 0xf7,                   /* jmp L */
	};
	static const uint32_t two = 2;
	for (int stepped = 0; stepped < 2; stepped++) {
		uint64_t n;
		struct machine *m = new64(stepped, &n);
		tm_load(m, code, sizeof code);
		cr_assert_eq(machine_run(m, 30), STOP_MAX_INSNS);
		cr_assert_eq(reg(m, VT_RIP), TM_CODE);
		cr_assert_eq(reg(m, VT_RAX), 1);
		machine_phys_write(m, TM_CODE + 1, &two, 4);
		cr_assert_eq(machine_run(m, 1), STOP_MAX_INSNS);
		cr_assert_eq(reg(m, VT_RAX), 2, "stepped=%d: the rewritten MOV ran", stepped);
		cr_assert_eq(reg(m, VT_RBX), 10);
		cr_assert_eq(machine_icount(m), 31);
		machine_free(m);
	}
}

/* (5) An instruction that straddles a 4 KiB boundary executes, and
 * patching either half of it takes effect. */
Test(icache, page_crossing_instruction)
{
	static const uint8_t code[] = {
		0x90, 0x90, 0x90,                                           /* 1ff8: nops */
		0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, /* 1ffb: mov rax, imm64 (ends at 2005) */
		0xeb, 0xf1,                                                 /* 2005: jmp 1ff8 */
	};
	for (int stepped = 0; stepped < 2; stepped++) {
		uint64_t n;
		struct machine *m = new64(stepped, &n);
		machine_phys_write(m, 0x1ff8, code, sizeof code);
		machine_reg_set(m, VT_RIP, 0x1ff8);
		cr_assert_eq(machine_run(m, 5), STOP_MAX_INSNS);
		cr_assert_eq(reg(m, VT_RAX), 0x1122334455667788, "stepped=%d", stepped);
		cr_assert_eq(reg(m, VT_RIP), 0x1ff8);
		tm_poke(m, 0x1ffd, 1, 0x99); /* first page: lowest immediate byte */
		tm_poke(m, 0x2004, 1, 0xaa); /* second page: highest byte */
		cr_assert_eq(machine_run(m, 5), STOP_MAX_INSNS);
		cr_assert_eq(reg(m, VT_RAX), 0xaa22334455667799, "stepped=%d: both halves re-read", stepped);
		machine_free(m);
	}
}

static void count_exc(void *opaque, const struct event *e)
{
	(void)e;
	++*(int *)opaque;
}

/*
 * (6) A fault in the middle of a block: the instructions before it
 * retired, the faulting one did not (cpu.c, account_partial_block).
 * The loop makes the fault happen in a block entered through the jump
 * cache, after a fused DEC+JNZ that fell through:
 *   mov ecx, 3; L: nop; nop; dec ecx; jnz L; nop; nop; ud2
 * retires 1 + 3 * 4 + 2 = 15 instructions. Cycles must agree with the
 * one-at-a-time run.
 */
Test(icache, counts_exact_at_fault)
{
	static const uint8_t five_nops_ud2[] = { 0x90, 0x90, 0x90, 0x90, 0x90, 0x0f, 0x0b };
	static const uint8_t loop_then_ud2[] = {
		0xb9, 0x03, 0x00, 0x00, 0x00, /* mov ecx, 3 */
		0x90, 0x90,                   /* L: nop; nop */
		0xff, 0xc9, 0x75, 0xfa,       /* dec ecx; jnz L */
		0x90, 0x90, 0x0f, 0x0b,       /* nop; nop; ud2 */
	};
	static const uint8_t div_then_ud2[] = {
		0x31, 0xd2, 0xb8, 0x07, 0x00, 0x00, 0x00, 0xb9, 0x02, 0x00, 0x00, 0x00, /* xor edx,edx; mov eax,7; mov ecx,2 */
		0xf7, 0xf1, 0x0f, 0x0b,                                                 /* div ecx; ud2 */
	};
	static const struct { const uint8_t *code; size_t len; uint64_t insns; } k[] = {
		{ five_nops_ud2, sizeof five_nops_ud2, 5 },
		{ loop_then_ud2, sizeof loop_then_ud2, 15 },
		{ div_then_ud2, sizeof div_then_ud2, 4 },
	};
	for (size_t j = 0; j < 3; j++) {
		uint64_t cycles[2];
		for (int stepped = 0; stepped < 2; stepped++) {
			uint64_t n;
			int nexc = 0;
			struct machine *m = new64(stepped, &n);
			cr_assert_geq(machine_subscribe(m, EVB(EV_EXCEPTION), count_exc, &nexc), 0);
			cr_assert_eq(tm_run_bytes(m, k[j].code, k[j].len), STOP_SHUTDOWN);
			cr_expect_eq(machine_icount(m), k[j].insns, "case %zu stepped=%d: icount %llu", j, stepped,
				     (unsigned long long)machine_icount(m));
			if (stepped)
				cr_expect_eq(n, k[j].insns, "case %zu: EV_INSN events", j);
			cr_expect_eq(reg(m, VT_RIP), TM_CODE + k[j].len - 2, "case %zu: RIP at the UD2", j);
			cr_expect_eq(nexc, 3, "case %zu: #UD #GP #DF", j);
			cycles[stepped] = machine_cycles(m);
			cr_expect_geq(cycles[stepped], k[j].insns, "case %zu: at least a cycle per instruction", j);
			machine_free(m);
		}
		cr_expect_eq(cycles[0], cycles[1], "case %zu: cycles fast %llu, stepped %llu", j,
			     (unsigned long long)cycles[0], (unsigned long long)cycles[1]);
	}
}

/* (6) An instruction limit that ends inside a block, then the rest. */
Test(icache, counts_exact_at_limit)
{
	static const uint8_t nops[10] = { 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90 };
	uint64_t cycles[2];
	for (int stepped = 0; stepped < 2; stepped++) {
		uint64_t n;
		struct machine *m = new64(stepped, &n);
		tm_load(m, nops, sizeof nops);
		cr_assert_eq(machine_run(m, 3), STOP_MAX_INSNS);
		cr_assert_eq(machine_icount(m), 3);
		cr_assert_eq(reg(m, VT_RIP), TM_CODE + 3);
		uint64_t c3 = machine_cycles(m);
		cr_assert_eq(machine_run(m, 100), STOP_HLT);
		cr_assert_eq(machine_icount(m), 11, "ten NOPs and the HLT");
		cr_assert_eq(reg(m, VT_RIP), tm_end_rip(sizeof nops));
		cr_assert_gt(machine_cycles(m), c3);
		if (stepped)
			cr_assert_eq(n, 11);
		cycles[stepped] = machine_cycles(m);
		machine_free(m);
	}
	cr_assert_eq(cycles[0], cycles[1]);
}

/* Limits landing on every instruction of a block with a fused pair:
 * the counts always add up and the end state is the same. */
Test(icache, limit_splits_fused_pair)
{
	static const uint8_t code[] = {
		0xb9, 0x05, 0x00, 0x00, 0x00, /* mov ecx, 5 */
		0xff, 0xc0,                   /* L: inc eax */
		0x39, 0xc8,                   /* cmp eax, ecx (fused with the jb) */
		0x72, 0xfa,                   /* jb L */
		0xff, 0xc3,                   /* inc ebx */
	};
	for (uint64_t step = 1; step <= 7; step++) {
		struct machine *m = tm_new(START_LONG64);
		tm_load(m, code, sizeof code);
		enum stop_reason r;
		uint64_t runs = 0;
		while ((r = machine_run(m, step)) == STOP_MAX_INSNS)
			cr_assert_eq(machine_icount(m), ++runs * step, "step %llu", (unsigned long long)step);
		cr_assert_eq(r, STOP_HLT);
		cr_assert_eq(machine_icount(m), 1 + 5 * 3 + 1 + 1, "step %llu", (unsigned long long)step);
		cr_assert_eq(reg(m, VT_RAX), 5);
		cr_assert_eq(reg(m, VT_RBX), 1);
		machine_free(m);
	}
}
