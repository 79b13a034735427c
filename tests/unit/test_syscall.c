/* test_syscall.c - unit tests for SYSENTER/SYSEXIT, SYSCALL/SYSRET and SWAPGS (sim/cpu/syscall.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"

/*
 * Every test runs in a world built in RAM and loaded by guest code (LGDT,
 * LIDT, LTR), so that faults go through a real IDT to a HLT per vector:
 *   0x06000 LAND: HLT
 *   0x10000 GDT   0x11000 IDT   0x12000 GDTR, 0x12010 IDTR   0x13000 TSS
 *   0x14000 HLT stubs, 16 bytes per vector; 0x1f000 ring-0 stack top
 *   (ESP0/RSP0), 0x2f000 ring-3 stack top
 * GDT (prot32): 08 code0, 10 data0, 18 code3, 20 data3, 28 TSS
 * GDT (long64): 08 code0 (L), 10 data0, 18 code3 (32-bit), 20 data3,
 *               28 code3 (L), 30 data3, 38 TSS (16 bytes)
 * That is the layout the fast system calls assume (SDM Vol. 2B, SYSENTER,
 * SYSEXIT, SYSCALL, SYSRET): with IA32_SYSENTER_CS = 08h, SYSEXIT goes to
 * 1Bh/23h (32-bit) or 2Bh/33h (64-bit); with STAR[63:48] = 18h, SYSRET goes
 * to 1Bh/23h (compatibility mode) or 2Bh/23h (64-bit).
 */
#define LAND 0x6000ull
#define GDT 0x10000ull
#define IDT 0x11000ull
#define GDTR 0x12000ull
#define IDTR 0x12010ull
#define TSS 0x13000ull
#define STUB(v) (0x14000ull + 16 * (v))
#define STACK0 0x1f000ull
#define STACK3 0x2f000ull
#define UD 6
#define GP 13

#define IA32_SYSENTER_CS 0x174
#define IA32_SYSENTER_ESP 0x175
#define IA32_SYSENTER_EIP 0x176
#define IA32_EFER 0xc0000080
#define IA32_STAR 0xc0000081
#define IA32_LSTAR 0xc0000082
#define IA32_FMASK 0xc0000084
#define IA32_KERNEL_GS_BASE 0xc0000102

static uint64_t reg(struct machine *m, enum vt_reg r)
{
	return machine_reg_get(m, r);
}

/* A code or data descriptor (SDM Vol. 3A, 3.4.5, Figure 3-8). */
static uint64_t seg_desc(uint32_t base, uint32_t limit, unsigned access, unsigned flags)
{
	return (limit & 0xffffull) | ((uint64_t)(base & 0xffffff) << 16) | ((uint64_t)access << 40) |
	       ((uint64_t)((limit >> 16) & 0xf) << 48) | ((uint64_t)flags << 52) |
	       ((uint64_t)(base >> 24) << 56);
}

/* The exceptions of a run with their error codes (EV_EXCEPTION events). */
struct xlog {
	int n;                                                            /* events seen */
	struct { uint8_t vec; bool has_err; uint32_t err; uint64_t rip; } e[8]; /* the first 8 */
};

static void on_exc(void *opaque, const struct event *e)
{
	struct xlog *l = opaque;
	if (l->n < 8) {
		l->e[l->n].vec = e->u.exc.vector;
		l->e[l->n].has_err = e->u.exc.has_error;
		l->e[l->n].err = e->u.exc.error;
		l->e[l->n].rip = e->u.exc.rip;
	}
	l->n++;
}

/* Build the world and run the prologue that loads GDTR, IDTR and TR. */
static struct machine *world(enum start_mode mode)
{
	bool l64 = mode == START_LONG64;
	struct machine *m = tm_new(mode);
	uint64_t g[9] = { 0 };
	g[1] = seg_desc(0, 0xfffff, 0x9b, l64 ? 0xa : 0xc);
	g[2] = seg_desc(0, 0xfffff, 0x93, 0xc);
	g[3] = seg_desc(0, 0xfffff, 0xfb, 0xc);
	g[4] = seg_desc(0, 0xfffff, 0xf3, 0xc);
	g[5] = l64 ? seg_desc(0, 0xfffff, 0xfb, 0xa) : seg_desc(TSS, 0x67, 0x89, 0);
	g[6] = l64 ? seg_desc(0, 0xfffff, 0xf3, 0xc) : 0;
	g[7] = l64 ? seg_desc(TSS, 0x67, 0x89, 0) : 0;
	for (int k = 0; k < 9; k++)
		tm_poke(m, GDT + 8 * k, 8, g[k]);
	for (unsigned v = 0; v < 32; v++) {
		uint64_t h = STUB(v), lo = (h & 0xffff) | (0x08ull << 16) | (0x8eull << 40) | ((h >> 16) << 48);
		tm_poke(m, h, 1, 0xf4);
		tm_poke(m, IDT + (l64 ? 16 : 8) * v, 8, lo);
	}
	tm_poke(m, GDTR, 2, sizeof g - 1);
	tm_poke(m, GDTR + 2, 8, GDT);
	tm_poke(m, IDTR, 2, (l64 ? 16 : 8) * 32 - 1);
	tm_poke(m, IDTR + 2, 8, IDT);
	tm_poke(m, TSS + 4, l64 ? 8 : 4, STACK0); /* RSP0 / ESP0 */
	if (!l64)
		tm_poke(m, TSS + 8, 2, 0x10); /* SS0 */
	tm_poke(m, LAND, 1, 0xf4); /* hlt */
	static const uint8_t pro32[] = {
		0x0f, 0x01, 0x15, 0x00, 0x20, 0x01, 0x00, /* lgdt [0x12000] */
		0x0f, 0x01, 0x1d, 0x10, 0x20, 0x01, 0x00, /* lidt [0x12010] */
		0x66, 0xb8, 0x28, 0x00,                   /* mov ax, 0x28 */
		0x0f, 0x00, 0xd8,                         /* ltr ax */
	};
	static const uint8_t pro64[] = {
		0x0f, 0x01, 0x14, 0x25, 0x00, 0x20, 0x01, 0x00, /* lgdt [abs 0x12000] */
		0x0f, 0x01, 0x1c, 0x25, 0x10, 0x20, 0x01, 0x00, /* lidt [abs 0x12010] */
		0x66, 0xb8, 0x38, 0x00,                         /* mov ax, 0x38 */
		0x0f, 0x00, 0xd8,                               /* ltr ax */
	};
	cr_assert_eq(l64 ? tm_run_bytes(m, pro64, sizeof pro64) : tm_run_bytes(m, pro32, sizeof pro32),
		     STOP_HLT);
	machine_reg_set(m, VT_CS, 0x08);
	for (enum vt_reg s = VT_ES; s <= VT_GS; s++)
		if (s != VT_CS)
			machine_reg_set(m, s, 0x10);
	machine_reg_set(m, VT_RSP, TM_STACK);
	return m;
}

/* Drop to ring 3 (the state an IRET to ring 3 would leave); compat picks
 * the 32-bit ring-3 code segment in IA-32e mode. */
static void to_ring3(struct machine *m, bool compat)
{
	bool l64 = reg(m, VT_EFER) & (1u << 10);
	for (enum vt_reg s = VT_ES; s <= VT_DS; s++)
		if (s != VT_CS)
			machine_reg_set(m, s, 0x23);
	machine_reg_set(m, VT_CS, l64 && !compat ? 0x2b : 0x1b);
	machine_reg_set(m, VT_RSP, STACK3);
	cr_assert_eq(machine_cpl(m), 3);
}

static void msr(struct machine *m, uint32_t n, uint64_t v)
{
	cr_assert(machine_msr_set(m, n, v), "MSR %#x <- %#lx", n, (unsigned long)v);
}

/* Run code; vec < 0: it must stop at LAND's HLT at CPL 0 without an
 * exception. Else exactly one exception, vec with error code err (-1:
 * none) at rip, and its handler ran. */
static void run_expect(struct machine *m, const void *code, size_t len, int vec, int64_t err, uint64_t rip)
{
	struct xlog l;
	memset(&l, 0, sizeof l);
	int h = machine_subscribe(m, EVB(EV_EXCEPTION), on_exc, &l);
	cr_assert_eq(tm_run_bytes(m, code, len), STOP_HLT);
	machine_unsubscribe(m, h);
	if (vec < 0) {
		cr_assert_eq(l.n, 0, "unexpected exception %d at %#lx", l.e[0].vec, (unsigned long)l.e[0].rip);
		cr_assert_eq(reg(m, VT_RIP), LAND + 1);
		cr_assert_eq(machine_cpl(m), 0);
		return;
	}
	cr_assert_eq(l.n, 1, "exceptions: %d (first: vector %d)", l.n, l.e[0].vec);
	cr_assert_eq(l.e[0].vec, vec, "vector %d, expected %d", l.e[0].vec, vec);
	cr_assert_eq(l.e[0].rip, rip, "fault RIP %#lx, expected %#lx", (unsigned long)l.e[0].rip,
		     (unsigned long)rip);
	if (err >= 0)
		cr_assert(l.e[0].has_err && l.e[0].err == (uint32_t)err, "error code %#x", l.e[0].err);
	else
		cr_assert(!l.e[0].has_err);
	cr_assert_eq(reg(m, VT_RIP), STUB(vec) + 1, "the handler ran");
}

/* The frame of an exception delivered onto a stack whose top was `top`
 * (STACK0 from ring 3, TM_STACK at ring 0): slot k counted from its RIP.
 * After a return to ring 3 that ended at LAND's HLT it shows the state the
 * return produced. */
static uint64_t frame_at(struct machine *m, uint64_t top, bool l64, int k)
{
	unsigned s = l64 ? 8 : 4;
	uint64_t v = tm_peek(m, top - 5 * s + (uint64_t)k * s, s);
	return k == 1 || k == 4 ? v & 0xffff : v;
}

static uint64_t frame(struct machine *m, bool l64, int k)
{
	return frame_at(m, STACK0, l64, k);
}
enum { F_RIP, F_CS, F_FLAGS, F_RSP, F_SS };

/* ---- SYSENTER / SYSEXIT (SDM Vol. 2B, SYSENTER, SYSEXIT) ---- */

static const uint8_t sysenter[] = { 0x0f, 0x34 };       /* sysenter */
static const uint8_t sysexit[] = { 0x0f, 0x35 };        /* sysexit */
static const uint8_t sysexitq[] = { 0x48, 0x0f, 0x35 }; /* o64 sysexit */

/* SYSENTER from ring 3: CS = SYSENTER_CS, SS = CS + 8, ESP and EIP from
 * the MSRs, CPL 0; IF, VM and RF are cleared. */
Test(syscall, sysenter_prot32)
{
	struct machine *m = world(START_PROT32);
	msr(m, IA32_SYSENTER_CS, 0x08);
	msr(m, IA32_SYSENTER_ESP, STACK0 - 0x100);
	msr(m, IA32_SYSENTER_EIP, LAND);
	to_ring3(m, false);
	machine_reg_set(m, VT_RFLAGS, 0x10203); /* RF IF CF */
	run_expect(m, sysenter, sizeof sysenter, -1, 0, 0);
	cr_assert_eq(reg(m, VT_CS), 0x08);
	cr_assert_eq(reg(m, VT_SS), 0x10);
	cr_assert_eq(reg(m, VT_RSP), STACK0 - 0x100);
	cr_assert_eq(reg(m, VT_RFLAGS), 0x3, "IF and RF cleared, CF kept");
	machine_free(m);
}

/* In IA-32e mode SYSENTER goes to 64-bit code with the full 64-bit RSP/RIP. */
Test(syscall, sysenter_ia32e)
{
	struct machine *m = world(START_LONG64);
	msr(m, IA32_SYSENTER_CS, 0x08);
	msr(m, IA32_SYSENTER_ESP, 0xffff800000001000ull);
	msr(m, IA32_SYSENTER_EIP, LAND);
	for (int compat = 0; compat < 2; compat++) {
		to_ring3(m, compat);
		run_expect(m, sysenter, sizeof sysenter, -1, 0, 0);
		cr_assert_eq(reg(m, VT_CS), 0x08);
		cr_assert_eq(reg(m, VT_SS), 0x10);
		cr_assert_eq(reg(m, VT_RSP), 0xffff800000001000ull);
	}
	machine_free(m);
}

/* SYSENTER with SYSENTER_CS[15:2] = 0 is #GP(0). */
Test(syscall, sysenter_null_cs_gp)
{
	struct machine *m = world(START_PROT32);
	msr(m, IA32_SYSENTER_CS, 0x3);
	msr(m, IA32_SYSENTER_EIP, LAND);
	to_ring3(m, false);
	run_expect(m, sysenter, sizeof sysenter, GP, 0, TM_CODE);
	machine_free(m);
}

/* SYSEXIT to ring 3: CS = SYSENTER_CS + 16, SS = + 24 (RPL 3), EIP = EDX,
 * ESP = ECX. The HLT at LAND then faults at CPL 3 and its frame shows it. */
Test(syscall, sysexit_prot32)
{
	struct machine *m = world(START_PROT32);
	msr(m, IA32_SYSENTER_CS, 0x08);
	machine_reg_set(m, VT_RDX, LAND);
	machine_reg_set(m, VT_RCX, STACK3 - 0x10);
	run_expect(m, sysexit, sizeof sysexit, GP, 0, LAND);
	cr_assert_eq(frame(m, false, F_CS), 0x1b);
	cr_assert_eq(frame(m, false, F_SS), 0x23);
	cr_assert_eq(frame(m, false, F_RSP), STACK3 - 0x10);
	machine_free(m);
}

/* With REX.W, SYSEXIT returns to 64-bit code: CS = SYSENTER_CS + 32, SS =
 * + 40; without it, from IA-32e mode, to compatibility mode (+ 16, + 24). */
Test(syscall, sysexit_ia32e)
{
	for (int w = 0; w < 2; w++) {
		struct machine *m = world(START_LONG64);
		msr(m, IA32_SYSENTER_CS, 0x08);
		machine_reg_set(m, VT_RDX, LAND);
		machine_reg_set(m, VT_RCX, STACK3 - 0x10);
		if (w)
			run_expect(m, sysexitq, sizeof sysexitq, GP, 0, LAND);
		else
			run_expect(m, sysexit, sizeof sysexit, GP, 0, LAND);
		cr_assert_eq(frame(m, true, F_CS), w ? 0x2b : 0x1b);
		cr_assert_eq(frame(m, true, F_SS), w ? 0x33 : 0x23);
		cr_assert_eq(frame(m, true, F_RSP), STACK3 - 0x10);
		machine_free(m);
	}
}

/* SYSEXIT faults with #GP(0): at CPL 3, with SYSENTER_CS = 0, and (64-bit
 * form) with a non-canonical RDX or RCX. Nothing changes. */
Test(syscall, sysexit_gp)
{
	static const struct { bool cpl3, wide; uint64_t cs, rdx, rcx; } t[] = {
		{ true, false, 0x08, LAND, STACK3 },
		{ false, false, 0x00, LAND, STACK3 },
		{ false, true, 0x08, 1ull << 63, STACK3 },
		{ false, true, 0x08, LAND, 1ull << 63 },
	};
	for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
		struct machine *m = world(START_LONG64);
		msr(m, IA32_SYSENTER_CS, t[k].cs);
		if (t[k].cpl3)
			to_ring3(m, false);
		machine_reg_set(m, VT_RDX, t[k].rdx);
		machine_reg_set(m, VT_RCX, t[k].rcx);
		if (t[k].wide)
			run_expect(m, sysexitq, sizeof sysexitq, GP, 0, TM_CODE);
		else
			run_expect(m, sysexit, sizeof sysexit, GP, 0, TM_CODE);
		cr_assert_eq(frame_at(m, t[k].cpl3 ? STACK0 : TM_STACK, true, F_CS), t[k].cpl3 ? 0x2b : 0x08,
			     "case %zu: faulted where it was", k);
		machine_free(m);
	}
}

/* ---- SYSCALL / SYSRET (SDM Vol. 2B, SYSCALL, SYSRET) ---- */

static const uint8_t syscall_insn[] = { 0x0f, 0x05 };  /* syscall */
static const uint8_t sysret[] = { 0x0f, 0x07 };        /* sysret */
static const uint8_t sysretq[] = { 0x48, 0x0f, 0x07 }; /* o64 sysret */

/* STAR: SYSRET base 18h in 63:48, SYSCALL CS 08h in 47:32. */
static void syscall_msrs(struct machine *m, bool sce)
{
	msr(m, IA32_EFER, reg(m, VT_EFER) | (sce ? 1 : 0));
	msr(m, IA32_STAR, 0x0018ull << 48 | 0x0008ull << 32);
	msr(m, IA32_LSTAR, LAND);
	msr(m, IA32_FMASK, 0x200 | 0x400); /* IF, DF */
}

/* SYSCALL: RCX = next RIP, R11 = RFLAGS, RFLAGS &= ~FMASK, CS = STAR[47:32],
 * SS = + 8, RIP = LSTAR, CPL 0. RSP is not touched. */
Test(syscall, syscall_enters_ring0)
{
	struct machine *m = world(START_LONG64);
	syscall_msrs(m, true);
	to_ring3(m, false);
	machine_reg_set(m, VT_RFLAGS, 0x603); /* DF IF CF */
	run_expect(m, syscall_insn, sizeof syscall_insn, -1, 0, 0);
	cr_assert_eq(reg(m, VT_RCX), TM_CODE + 2);
	cr_assert_eq(reg(m, VT_R11), 0x603);
	cr_assert_eq(reg(m, VT_RFLAGS), 0x3, "IF and DF masked");
	cr_assert_eq(reg(m, VT_CS), 0x08);
	cr_assert_eq(reg(m, VT_SS), 0x10);
	cr_assert_eq(reg(m, VT_RSP), STACK3);
	machine_free(m);
}

/* SYSCALL forces CS's RPL to 0 but takes SS as STAR[47:32] + 8 as it is
 * (SDM Vol. 2B, SYSCALL, "Operation": "CS.Selector <- IA32_STAR[47:32]
 * AND FFFCH (* Operating system provides CS; RPL forced to 0 *)" and
 * "SS.Selector <- IA32_STAR[47:32] + 8"; SYSENTER, by contrast, takes SS as
 * CS.Selector + 8 after the masking). */
Test(syscall, syscall_selectors_from_star)
{
	struct machine *m = world(START_LONG64);
	syscall_msrs(m, true);
	msr(m, IA32_STAR, 0x0018ull << 48 | 0x000bull << 32);
	to_ring3(m, false);
	run_expect(m, syscall_insn, sizeof syscall_insn, -1, 0, 0);
	cr_assert_eq(reg(m, VT_CS), 0x08);
	cr_assert_eq(reg(m, VT_SS), 0x13, "SS %#lx", (unsigned long)reg(m, VT_SS));
	machine_free(m);
}

/* SYSCALL is #UD with EFER.SCE = 0, in compatibility mode, and outside
 * IA-32e mode (Intel processors); RCX and R11 stay. */
Test(syscall, syscall_ud)
{
	for (int k = 0; k < 3; k++) {
		struct machine *m = world(k == 2 ? START_PROT32 : START_LONG64);
		if (k < 2)
			syscall_msrs(m, k == 1);
		to_ring3(m, k == 1);
		machine_reg_set(m, VT_RCX, 0x1111);
		machine_reg_set(m, VT_R11, 0x2222);
		run_expect(m, syscall_insn, sizeof syscall_insn, UD, -1, TM_CODE);
		cr_assert_eq(reg(m, VT_RCX), 0x1111, "case %d", k);
		cr_assert_eq(reg(m, VT_R11), 0x2222, "case %d", k);
		machine_free(m);
	}
}

/* SYSRET with REX.W: to 64-bit ring 3 at RCX, CS = STAR[63:48] + 16, SS =
 * + 8 (RPL 3); RFLAGS = R11 without RF and VM. Without REX.W: to
 * compatibility mode at ECX with CS = STAR[63:48]. */
Test(syscall, sysret_to_ring3)
{
	for (int w = 0; w < 2; w++) {
		struct machine *m = world(START_LONG64);
		syscall_msrs(m, true);
		machine_reg_set(m, VT_RCX, (w ? 0 : 0xabcd00000000ull) | LAND);
		machine_reg_set(m, VT_R11, 0x30ad7); /* VM RF + arithmetic flags */
		if (w)
			run_expect(m, sysretq, sizeof sysretq, GP, 0, LAND);
		else
			run_expect(m, sysret, sizeof sysret, GP, 0, LAND);
		cr_assert_eq(frame(m, true, F_CS), w ? 0x2b : 0x1b);
		cr_assert_eq(frame(m, true, F_SS), 0x23);
		cr_assert_eq(frame(m, true, F_FLAGS), 0xad7, "RFLAGS %#lx", (unsigned long)frame(m, true, F_FLAGS));
		cr_assert_eq(frame(m, true, F_RSP), TM_STACK, "RSP is not touched");
		machine_free(m);
	}
}

/* SYSRET faults: a non-canonical RCX with REX.W is #GP(0) at CPL 0 (and
 * nothing changes: CS stays ring 0's), CPL 3 is #GP(0), EFER.SCE = 0 is #UD. */
Test(syscall, sysret_faults)
{
	struct machine *m = world(START_LONG64);
	syscall_msrs(m, true);
	machine_reg_set(m, VT_RCX, 0x0000800000000000ull);
	run_expect(m, sysretq, sizeof sysretq, GP, 0, TM_CODE);
	cr_assert_eq(frame_at(m, TM_STACK, true, F_CS), 0x08);
	machine_free(m);

	m = world(START_LONG64);
	syscall_msrs(m, true);
	to_ring3(m, false);
	machine_reg_set(m, VT_RCX, LAND);
	run_expect(m, sysretq, sizeof sysretq, GP, 0, TM_CODE);
	machine_free(m);

	m = world(START_LONG64);
	syscall_msrs(m, false);
	machine_reg_set(m, VT_RCX, LAND);
	run_expect(m, sysretq, sizeof sysretq, UD, -1, TM_CODE);
	machine_free(m);
}

/* ---- SWAPGS (SDM Vol. 2B, SWAPGS) ---- */

/* SWAPGS exchanges GS.base and IA32_KERNEL_GS_BASE: a GS-relative load
 * then reads through the kernel's base. */
Test(syscall, swapgs)
{
	static const uint8_t code[] = {
		0x0f, 0x01, 0xf8,                                     /* swapgs */
		0x65, 0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x00, 0x00, /* mov rax, [gs:0] */
	};
	struct machine *m = world(START_LONG64);
	machine_reg_set(m, VT_GS_BASE, 0x7000);
	msr(m, IA32_KERNEL_GS_BASE, 0x9000);
	tm_poke(m, 0x9000, 8, 0x1122334455667788ull);
	struct xlog l;
	memset(&l, 0, sizeof l);
	machine_subscribe(m, EVB(EV_EXCEPTION), on_exc, &l);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(l.n, 0);
	cr_assert_eq(reg(m, VT_RAX), 0x1122334455667788ull);
	cr_assert_eq(reg(m, VT_GS_BASE), 0x9000);
	uint64_t v;
	cr_assert(machine_msr_get(m, IA32_KERNEL_GS_BASE, &v));
	cr_assert_eq(v, 0x7000);
	machine_free(m);
}

/* SWAPGS is #GP(0) at CPL 3 and #UD outside 64-bit mode (compatibility
 * mode too); the bases stay. */
Test(syscall, swapgs_faults)
{
	static const uint8_t swapgs[] = { 0x0f, 0x01, 0xf8 }; /* swapgs */
	for (int compat = 0; compat < 2; compat++) {
		struct machine *m = world(START_LONG64);
		machine_reg_set(m, VT_GS_BASE, 0x7000);
		msr(m, IA32_KERNEL_GS_BASE, 0x9000);
		to_ring3(m, compat);
		run_expect(m, swapgs, sizeof swapgs, compat ? UD : GP, compat ? -1 : 0, TM_CODE);
		cr_assert_eq(reg(m, VT_GS_BASE), 0x7000);
		machine_free(m);
	}
}
