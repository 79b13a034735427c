/* test_fuse.c - fused flag-setter + Jcc pairs behave exactly like the two instructions. */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"

/*
 * One loop with every fused form (sim/cpu/fuse.c): CMP r,r / r,imm / r,[m] /
 * [m],imm / [m],r, TEST r,r / r,imm, SUB r,imm, INC, DEC, SHR/SHL/SAR by an
 * immediate, each followed by a Jcc, taken and not taken over 40 iterations.
 * Assembled from this source (nasm -f bin, bits 64, loaded at TM_CODE):
 *
 *     mov rsp, 0xf000 / mov rsi, 0x8000 / mov qword [rsi], 5
 *     xor ebx, ebx / mov ecx, 40
 *   .loop: mov eax, ecx / and eax, 7
 *     cmp eax, ecx / jb .a / inc ebx
 *   .a: cmp eax, 3 / jle .b / add ebx, 2
 *   .b: cmp rax, [rsi] / jne .c / add ebx, 3
 *   .c: cmp qword [rsi], 4 / jg .d / add ebx, 5
 *   .d: cmp [rsi], rax / jae .e / add ebx, 7
 *   .e: test eax, eax / jz .f / add ebx, 11
 *   .f: test ecx, 1 / jnz .g / add ebx, 13
 *   .g: mov edx, ecx / sub edx, 20 / js .h / add ebx, 17
 *   .h: mov edi, ecx / shr edi, 1 / jc .i / add ebx, 19
 *   .i: imul edi, ecx, 0x30000000 / shl edi, 1 / jo .j / add ebx, 23
 *   .j: sar edi, 3 / jns .k / add ebx, 29
 *   .k: inc edx / jp .l / add ebx, 31
 *   .l: dec ecx / jnz .loop / hlt
 */
static const uint8_t prog[] = {
	0xbc, 0x00, 0xf0, 0x00, 0x00, 0xbe, 0x00, 0x80, 0x00, 0x00, 0x48, 0xc7,
	0x06, 0x05, 0x00, 0x00, 0x00, 0x31, 0xdb, 0xb9, 0x28, 0x00, 0x00, 0x00,
	0x89, 0xc8, 0x83, 0xe0, 0x07, 0x39, 0xc8, 0x72, 0x02, 0xff, 0xc3, 0x83,
	0xf8, 0x03, 0x7e, 0x03, 0x83, 0xc3, 0x02, 0x48, 0x3b, 0x06, 0x75, 0x03,
	0x83, 0xc3, 0x03, 0x48, 0x83, 0x3e, 0x04, 0x7f, 0x03, 0x83, 0xc3, 0x05,
	0x48, 0x39, 0x06, 0x73, 0x03, 0x83, 0xc3, 0x07, 0x85, 0xc0, 0x74, 0x03,
	0x83, 0xc3, 0x0b, 0xf7, 0xc1, 0x01, 0x00, 0x00, 0x00, 0x75, 0x03, 0x83,
	0xc3, 0x0d, 0x89, 0xca, 0x83, 0xea, 0x14, 0x78, 0x03, 0x83, 0xc3, 0x11,
	0x89, 0xcf, 0xd1, 0xef, 0x72, 0x03, 0x83, 0xc3, 0x13, 0x69, 0xf9, 0x00,
	0x00, 0x00, 0x30, 0xd1, 0xe7, 0x70, 0x03, 0x83, 0xc3, 0x17, 0xc1, 0xff,
	0x03, 0x79, 0x03, 0x83, 0xc3, 0x1d, 0xff, 0xc2, 0x7a, 0x03, 0x83, 0xc3,
	0x1f, 0xff, 0xc9, 0x75, 0x8f, 0xf4,
};

/* The same loop in C, from the SDM's flag definitions. */
static uint64_t model_rbx(void)
{
	uint32_t ebx = 0;
	for (uint32_t ecx = 40; ecx != 0; ecx--) {
		uint32_t eax = ecx & 7;
		if (!(eax < ecx)) ebx += 1;
		if (!((int32_t)eax <= 3)) ebx += 2;
		if (eax == 5) ebx += 3;
		/* cmp qword [rsi], 4: 5 > 4, always taken */
		if (!(5 >= eax)) ebx += 7;
		if (eax != 0) ebx += 11;
		if (!(ecx & 1)) ebx += 13;
		int32_t edx = (int32_t)ecx - 20;
		if (edx >= 0) ebx += 17;
		if (!(ecx & 1)) ebx += 19;
		uint32_t edi = ecx * 0x30000000u;
		bool cf = edi >> 31, of = ((edi << 1) >> 31) ^ cf;
		edi <<= 1;
		if (!of) ebx += 23;
		if ((int32_t)edi < 0) ebx += 29; /* SAR keeps the sign */
		uint8_t low = (uint8_t)(edx + 1);
		if (__builtin_parity(low)) ebx += 31; /* PF set means even parity: jp taken */
	}
	return ebx;
}

static void count_insn(void *opaque, const struct event *e)
{
	(void)e;
	(*(uint64_t *)opaque)++;
}

struct outcome {
	uint64_t gpr[16], rflags, rip, icount, cycles;
};

static struct outcome run(bool traced, uint64_t *events)
{
	struct machine *m = tm_new(START_LONG64);
	if (traced)
		machine_subscribe(m, EVB(EV_INSN), count_insn, events);
	cr_assert_eq(tm_run_bytes(m, prog, sizeof prog), STOP_HLT);
	struct outcome o;
	for (int r = 0; r < 16; r++)
		o.gpr[r] = machine_reg_get(m, (enum vt_reg)(VT_RAX + r));
	o.rflags = machine_reg_get(m, VT_RFLAGS);
	o.rip = machine_reg_get(m, VT_RIP);
	o.icount = machine_icount(m);
	o.cycles = machine_cycles(m);
	machine_free(m);
	return o;
}

Test(fuse, fused_equals_unfused)
{
	uint64_t events = 0;
	struct outcome fast = run(false, NULL), exact = run(true, &events);
	cr_assert_eq(fast.gpr[3], model_rbx(), "rbx %llu, model %llu",
		     (unsigned long long)fast.gpr[3], (unsigned long long)model_rbx());
	for (int r = 0; r < 16; r++)
		cr_assert_eq(fast.gpr[r], exact.gpr[r], "gpr %d differs", r);
	cr_assert_eq(fast.rflags, exact.rflags);
	cr_assert_eq(fast.rip, exact.rip);
	cr_assert_eq(fast.icount, exact.icount);
	cr_assert_eq(fast.cycles, exact.cycles);
	/* The traced run saw every instruction; the HLT retires too. */
	cr_assert_eq(events, exact.icount);
}

/* An instruction limit that ends between the two halves of a pair stops
 * exactly there, and the run continues from the Jcc. */
Test(fuse, limit_splits_a_pair)
{
	struct machine *m = tm_new(START_LONG64);
	tm_load(m, prog, sizeof prog);
	uint64_t total = 0;
	enum stop_reason r;
	while ((r = machine_run(m, 7)) == STOP_MAX_INSNS) {
		total += 7;
		cr_assert_eq(machine_icount(m), total);
	}
	cr_assert_eq(r, STOP_HLT);
	cr_assert_eq(machine_reg_get(m, VT_RBX), model_rbx());
	struct outcome fast = run(false, NULL);
	cr_assert_eq(machine_icount(m), fast.icount);
	cr_assert_eq(machine_cycles(m), fast.cycles);
	machine_free(m);
}
