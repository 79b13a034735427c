/* test_far.c - unit tests for far JMP/CALL/RET, call gates, IRET and interrupt stack switches (sim/cpu/far.c, exception.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"

/*
 * Every test runs in a world built in RAM and loaded by guest code (LGDT,
 * LIDT, LTR), so that faults go through a real IDT to a HLT per vector:
 *   0x06000 LAND: HLT    0x06010 RETF (CB)    0x06030 RETFQ (48 CB)
 *   0x10000 GDT   0x11000 IDT   0x12000 GDTR, 0x12010 IDTR   0x13000 TSS
 *   0x14000 HLT stubs, 16 bytes per vector; 0x1f000 ring-0 stack top
 *   (ESP0/RSP0), 0x2f000 ring-3 stack top, 0x3f000 IST stack top
 * GDT (prot32): 08 code0, 10 data0, 18 code3, 20 data3, 28 TSS,
 *               30 16-bit code0 (limit FFFFh), 38 conforming code0,
 *               40 code0 not present; 48 and up: per test
 * GDT (long64): 08 code0 (L), 10 data0, 18 code3 (32-bit), 20 data3,
 *               28 code3 (L), 30 data3, 38 TSS (16 bytes), 48 code0
 *               (32-bit); 50 and up: per test
 */
#define LAND 0x6000ull
#define RETF 0x6010ull
#define RETFQ 0x6030ull
#define GDT 0x10000ull
#define IDT 0x11000ull
#define GDTR 0x12000ull
#define IDTR 0x12010ull
#define TSS 0x13000ull
#define STUB(v) (0x14000ull + 16 * (v))
#define STACK0 0x1f000ull
#define STACK3 0x2f000ull
#define IST_TOP 0x3f000ull
#define TS 10
#define NP 11
#define GP 13
#define FL_CF 0x1ull
#define FL_IF 0x200ull
#define FL_IOPL 0x3000ull
#define FL_NT 0x4000ull

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

/* A gate's low 8 bytes (SDM Vol. 3A, Figure 5-8 call gate, Figure 6-2 IDT
 * gates): offset 15:0, selector, parameter count or IST, P|DPL|type,
 * offset 31:16. A 16-byte gate's upper half holds offset 63:32. */
static uint64_t gate(uint16_t sel, uint64_t off, unsigned count, unsigned dpl, unsigned type)
{
	return (off & 0xffff) | ((uint64_t)sel << 16) | ((uint64_t)count << 32) |
	       ((uint64_t)(0x80 | (dpl << 5) | type) << 40) | (((off >> 16) & 0xffff) << 48);
}

static void gdt_set(struct machine *m, uint16_t sel, uint64_t d)
{
	tm_poke(m, GDT + (sel & ~7u), 8, d);
}

static void idt_set(struct machine *m, bool l64, unsigned v, uint64_t lo, uint64_t off)
{
	tm_poke(m, IDT + (l64 ? 16 : 8) * v, 8, lo);
	if (l64)
		tm_poke(m, IDT + 16 * v + 8, 8, off >> 32);
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

/* Record into l, which must outlive the subscription; returns the handle. */
static int xlog_attach(struct machine *m, struct xlog *l)
{
	memset(l, 0, sizeof *l);
	int h = machine_subscribe(m, EVB(EV_EXCEPTION), on_exc, l);
	cr_assert_geq(h, 0);
	return h;
}

/* Build the world and run the prologue that loads GDTR, IDTR and TR. */
static struct machine *world(enum start_mode mode)
{
	bool l64 = mode == START_LONG64;
	struct machine *m = tm_new(mode);
	uint64_t g[10] = { 0 };
	g[1] = seg_desc(0, 0xfffff, 0x9b, l64 ? 0xa : 0xc);
	g[2] = seg_desc(0, 0xfffff, 0x93, 0xc);
	g[3] = seg_desc(0, 0xfffff, 0xfb, 0xc);
	g[4] = seg_desc(0, 0xfffff, 0xf3, 0xc);
	if (l64) {
		g[5] = seg_desc(0, 0xfffff, 0xfb, 0xa);
		g[6] = seg_desc(0, 0xfffff, 0xf3, 0xc);
		g[7] = seg_desc(TSS, 0x67, 0x89, 0);
		g[9] = seg_desc(0, 0xfffff, 0x9b, 0xc);
	} else {
		g[5] = seg_desc(TSS, 0x67, 0x89, 0);
		g[6] = seg_desc(0, 0xffff, 0x9b, 0);
		g[7] = seg_desc(0, 0xfffff, 0x9f, 0xc);
		g[8] = seg_desc(0, 0xfffff, 0x1b, 0xc);
	}
	for (int k = 0; k < 10; k++)
		tm_poke(m, GDT + 8 * k, 8, g[k]);
	for (unsigned v = 0; v < 256; v++) {
		tm_poke(m, STUB(v), 1, 0xf4);
		idt_set(m, l64, v, gate(0x08, STUB(v), 0, 0, 0xe), STUB(v));
	}
	tm_poke(m, GDTR, 2, 0xff);
	tm_poke(m, GDTR + 2, 8, GDT);
	tm_poke(m, IDTR, 2, (l64 ? 16 : 8) * 256 - 1);
	tm_poke(m, IDTR + 2, 8, IDT);
	tm_poke(m, TSS + 4, l64 ? 8 : 4, STACK0); /* RSP0 / ESP0 */
	if (!l64)
		tm_poke(m, TSS + 8, 2, 0x10); /* SS0 */
	tm_poke(m, LAND, 1, 0xf4);       /* hlt */
	tm_poke(m, RETF, 1, 0xcb);       /* retf */
	tm_poke(m, RETFQ, 2, 0xcb48);    /* retfq: 48 cb */
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

/* Drop to ring 3 (the state an IRET to ring 3 would leave). */
static void to_ring3(struct machine *m)
{
	bool l64 = reg(m, VT_EFER) & (1u << 10);
	for (enum vt_reg s = VT_ES; s <= VT_DS; s++)
		if (s != VT_CS)
			machine_reg_set(m, s, 0x23);
	machine_reg_set(m, VT_CS, l64 ? 0x2b : 0x1b);
	machine_reg_set(m, VT_RSP, STACK3);
	cr_assert_eq(machine_cpl(m), 3);
}

/* Run code until the CPU halts; return the exceptions it raised. */
static struct xlog run(struct machine *m, const void *code, size_t len)
{
	struct xlog l;
	int h = xlog_attach(m, &l);
	enum stop_reason r = tm_run_bytes(m, code, len);
	machine_unsubscribe(m, h);
	cr_assert_eq(r, STOP_HLT);
	return l;
}

/* The run raised exactly one exception, vec(err) at rip, and its handler ran. */
static void expect_fault(struct machine *m, const struct xlog *l, int vec, uint32_t err, uint64_t rip)
{
	cr_assert_eq(l->n, 1, "exceptions: %d (first: vector %d)", l->n, l->e[0].vec);
	cr_assert_eq(l->e[0].vec, vec, "vector %d, expected %d", l->e[0].vec, vec);
	cr_assert_eq(l->e[0].rip, rip, "fault RIP %#lx, expected %#lx", (unsigned long)l->e[0].rip,
		     (unsigned long)rip);
	cr_assert(l->e[0].has_err);
	cr_assert_eq(l->e[0].err, err, "error code %#x, expected %#x", l->e[0].err, err);
	cr_assert_eq(reg(m, VT_RIP), STUB(vec) + 1, "the handler ran");
}

/* The run ended at LAND's HLT at CPL 0, without an exception. */
static void expect_land(struct machine *m, const struct xlog *l, uint16_t cs)
{
	cr_assert_eq(l->n, 0, "unexpected exception %d at %#lx", l->e[0].vec, (unsigned long)l->e[0].rip);
	cr_assert_eq(reg(m, VT_RIP), LAND + 1);
	cr_assert_eq(reg(m, VT_CS), cs);
}

static uint64_t peek(struct machine *m, uint64_t a, unsigned n)
{
	return tm_peek(m, a, n);
}

/* ---- Direct far JMP and CALL/RET (SDM Vol. 2A, JMP, CALL, RET) ---- */

/* ptr16:32, m16:32, m16:16 and ptr16:16 in 32-bit code. The 16-bit target
 * segment 30h shows the selector was taken from the operand. */
Test(far, jmp_forms_prot32)
{
	static const uint8_t p32[] = { 0xea, 0x00, 0x60, 0x00, 0x00, 0x08, 0x00 };   /* jmp 0x08:0x6000 */
	static const uint8_t m32[] = { 0xff, 0x2d, 0x00, 0x80, 0x00, 0x00 };         /* jmp far [0x8000] */
	static const uint8_t m16[] = { 0x66, 0xff, 0x2d, 0x00, 0x80, 0x00, 0x00 };   /* o16 jmp far [0x8000] */
	static const uint8_t p16[] = { 0x66, 0xea, 0x00, 0x60, 0x30, 0x00 };         /* jmp word 0x30:0x6000 */
	static const struct { const uint8_t *c; size_t n; uint64_t mem; uint16_t cs; } t[] = {
		{ p32, sizeof p32, 0, 0x08 },
		{ m32, sizeof m32, 0x0030ull << 32 | LAND, 0x30 },
		{ m16, sizeof m16, 0x0030ull << 16 | LAND, 0x30 },
		{ p16, sizeof p16, 0, 0x30 },
	};
	for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
		struct machine *m = world(START_PROT32);
		tm_poke(m, TM_DATA, 8, t[k].mem);
		struct xlog l = run(m, t[k].c, t[k].n);
		expect_land(m, &l, t[k].cs);
		machine_free(m);
	}
}

/* In 64-bit mode: m16:32 (to 32-bit code: compatibility mode) and, with
 * REX.W, m16:64; the direct ptr16:32 form (EA) is invalid: #UD. */
Test(far, jmp_forms_64bit)
{
	static const uint8_t m32[] = { 0xff, 0x2c, 0x25, 0x00, 0x80, 0x00, 0x00 };       /* jmp far dword [abs 0x8000] */
	static const uint8_t m64[] = { 0x48, 0xff, 0x2c, 0x25, 0x00, 0x80, 0x00, 0x00 }; /* jmp far qword [abs 0x8000] */
	static const uint8_t ea[] = { 0xea, 0x00, 0x60, 0x00, 0x00, 0x08, 0x00 };        /* db 0xea, 0, 0x60, 0, 0, 8, 0 */
	struct machine *m = world(START_LONG64);
	tm_poke(m, TM_DATA, 8, 0x0048ull << 32 | LAND);
	struct xlog l = run(m, m32, sizeof m32);
	expect_land(m, &l, 0x48);
	machine_free(m);

	m = world(START_LONG64);
	tm_poke(m, TM_DATA, 8, LAND); /* a m16:32 reading would find selector 0 */
	tm_poke(m, TM_DATA + 8, 2, 0x08);
	l = run(m, m64, sizeof m64);
	expect_land(m, &l, 0x08);
	machine_free(m);

	m = world(START_LONG64);
	l = run(m, ea, sizeof ea);
	cr_assert(l.n == 1 && l.e[0].vec == 6 && l.e[0].rip == TM_CODE, "EA in 64-bit mode: #UD");
	machine_free(m);
}

/* CALL pushes CS and the return offset at the operand size; RETF (CB at
 * 6010h) pops them back at the size of the code it runs in. */
Test(far, call_and_retf_forms)
{
	static const uint8_t c32[] = { 0x9a, 0x10, 0x60, 0x00, 0x00, 0x08, 0x00 };       /* call 0x08:0x6010 */
	static const uint8_t c16[] = { 0x66, 0x9a, 0x10, 0x60, 0x30, 0x00 };             /* call word 0x30:0x6010 */
	static const uint8_t m32[] = { 0xff, 0x1c, 0x25, 0x00, 0x80, 0x00, 0x00 };       /* call far dword [abs 0x8000] */
	static const uint8_t m64[] = { 0x48, 0xff, 0x1c, 0x25, 0x00, 0x80, 0x00, 0x00 }; /* call far qword [abs 0x8000] */
	static const struct { const uint8_t *c; size_t n; bool l64; unsigned size; } t[] = {
		{ c32, sizeof c32, false, 4 }, { c16, sizeof c16, false, 2 },
		{ m32, sizeof m32, true, 4 },  { m64, sizeof m64, true, 8 },
	};
	for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
		struct machine *m = world(t[k].l64 ? START_LONG64 : START_PROT32);
		unsigned s = t[k].size;
		tm_poke(m, TM_DATA, 8, s == 8 ? RETFQ : 0x0008ull << 32 | RETF);
		tm_poke(m, TM_DATA + 8, 2, 0x08);
		struct xlog l = run(m, t[k].c, t[k].n);
		cr_assert_eq(l.n, 0, "case %zu: exception %d", k, l.e[0].vec);
		cr_assert_eq(reg(m, VT_RIP), tm_end_rip(t[k].n), "case %zu: back after the CALL", k);
		cr_assert_eq(reg(m, VT_RSP), TM_STACK, "case %zu: RETF popped what CALL pushed", k);
		cr_assert_eq(peek(m, TM_STACK - 2 * s, s), TM_CODE + t[k].n, "case %zu: return offset", k);
		cr_assert_eq(peek(m, TM_STACK - s, 2), 0x08, "case %zu: CS", k);
		machine_free(m);
	}
}

/* ---- Call gates (SDM Vol. 3A, 5.8.3 - 5.8.6) ---- */

/* Through a gate to the same privilege: the offset in the instruction is
 * ignored, the gate's entry point is used, CS:EIP pushed as for a far CALL. */
Test(far, call_gate_same_privilege)
{
	static const uint8_t code[] = { 0x9a, 0x78, 0x56, 0x34, 0x12, 0x48, 0x00 }; /* call 0x48:0x12345678 */
	struct machine *m = world(START_PROT32);
	gdt_set(m, 0x48, gate(0x08, LAND, 0, 0, 0xc));
	struct xlog l = run(m, code, sizeof code);
	expect_land(m, &l, 0x08);
	cr_assert_eq(reg(m, VT_RSP), TM_STACK - 8);
	cr_assert_eq(peek(m, TM_STACK - 8, 4), TM_CODE + sizeof code);
	cr_assert_eq(peek(m, TM_STACK - 4, 2), 0x08);
	machine_free(m);
}

/* From ring 3 through a DPL-3 gate to ring 0 (Figure 5-13): the new stack
 * from the TSS gets the old SS:ESP, the three dword parameters in their
 * order, then CS:EIP. */
Test(far, call_gate_to_ring0_copies_parameters)
{
	static const uint8_t code[] = {
		0x6a, 0x11,                               /* push 0x11 */
		0x6a, 0x22,                               /* push 0x22 */
		0x6a, 0x33,                               /* push 0x33 */
		0x9a, 0x00, 0x00, 0x00, 0x00, 0x4b, 0x00, /* call 0x4b:0 */
	};
	struct machine *m = world(START_PROT32);
	gdt_set(m, 0x48, gate(0x08, LAND, 3, 3, 0xc));
	to_ring3(m);
	struct xlog l = run(m, code, sizeof code);
	expect_land(m, &l, 0x08);
	cr_assert_eq(machine_cpl(m), 0);
	cr_assert_eq(reg(m, VT_SS), 0x10);
	cr_assert_eq(reg(m, VT_RSP), STACK0 - 28);
	static const uint64_t want[] = { TM_CODE + sizeof code, 0x1b, 0x33, 0x22, 0x11, STACK3 - 12, 0x23 };
	for (int k = 0; k < 7; k++)
		cr_assert_eq(peek(m, STACK0 - 28 + 4 * k, k == 1 || k == 6 ? 2 : 4), want[k], "slot %d", k);
	machine_free(m);
}

/* A 64-bit call gate (16 bytes, Figure 5-9) from ring 3: SS becomes null
 * with RPL 0, and SS, RSP, CS, RIP are pushed as quadwords. */
Test(far, call_gate_64bit_to_ring0)
{
	static const uint8_t code[] = { 0xff, 0x1c, 0x25, 0x00, 0x80, 0x00, 0x00 }; /* call far dword [abs 0x8000] */
	struct machine *m = world(START_LONG64);
	gdt_set(m, 0x50, gate(0x08, LAND, 0, 3, 0xc));
	gdt_set(m, 0x58, LAND >> 32);
	tm_poke(m, TM_DATA, 8, 0x0053ull << 32);
	to_ring3(m);
	struct xlog l = run(m, code, sizeof code);
	expect_land(m, &l, 0x08);
	cr_assert_eq(reg(m, VT_SS), 0);
	cr_assert_eq(reg(m, VT_RSP), STACK0 - 32);
	static const uint64_t want[] = { TM_CODE + sizeof code, 0x2b, STACK3, 0x23 };
	for (int k = 0; k < 4; k++)
		cr_assert_eq(peek(m, STACK0 - 32 + 8 * k, 8), want[k], "slot %d", k);
	machine_free(m);
}

/* Faults of direct and gate transfers, with the selector the SDM names. */
Test(far, transfer_faults)
{
	static const struct { uint8_t code[7]; bool ring3; int vec; uint32_t err; } t[] = {
		{ { 0xea, 0x00, 0x60, 0x00, 0x00, 0x40, 0x00 }, false, NP, 0x40 },   /* jmp 0x40:0x6000 (not present) */
		{ { 0xea, 0x00, 0x60, 0x00, 0x00, 0x00, 0x00 }, false, GP, 0 },      /* jmp 0:0x6000 (null) */
		{ { 0x9a, 0x00, 0x60, 0x00, 0x00, 0x00, 0x00 }, false, GP, 0 },      /* call 0:0x6000 */
		{ { 0xea, 0x00, 0x60, 0x00, 0x00, 0x1b, 0x00 }, false, GP, 0x18 },   /* jmp 0x1b:0x6000 (DPL 3 != CPL) */
		{ { 0xea, 0x00, 0x60, 0x00, 0x00, 0x08, 0x00 }, true, GP, 0x08 },    /* jmp 0x08:0x6000 (from ring 3) */
		{ { 0xea, 0x00, 0x60, 0x00, 0x00, 0x10, 0x00 }, false, GP, 0x10 },   /* jmp 0x10:0x6000 (data) */
		{ { 0xea, 0x00, 0x60, 0x00, 0x00, 0x08, 0x10 }, false, GP, 0x1008 }, /* jmp 0x1008:0x6000 (limit) */
		{ { 0xea, 0x00, 0x00, 0x01, 0x00, 0x30, 0x00 }, false, GP, 0 },      /* jmp 0x30:0x10000 (offset) */
		{ { 0xea, 0x00, 0x00, 0x00, 0x00, 0x4b, 0x00 }, true, GP, 0x08 },    /* jmp 0x4b:0 (gate to ring 0) */
		{ { 0x9a, 0x00, 0x60, 0x00, 0x00, 0x50, 0x00 }, false, NP, 0x50 },   /* call 0x50:0x6000 (gate not present) */
		{ { 0x9a, 0x00, 0x60, 0x00, 0x00, 0x58, 0x00 }, false, NP, 0x40 },   /* call 0x58:0x6000 (gate -> 40h) */
		{ { 0xea, 0x00, 0x60, 0x00, 0x00, 0x60, 0x00 }, false, GP, 0x60 },   /* jmp 0x60:0x6000 (conforming DPL 3) */
	};
	for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
		struct machine *m = world(START_PROT32);
		gdt_set(m, 0x48, gate(0x08, LAND, 0, 3, 0xc));
		gdt_set(m, 0x50, gate(0x08, LAND, 0, 0, 0xc) & ~(1ull << 47));
		gdt_set(m, 0x58, gate(0x40, LAND, 0, 0, 0xc));
		gdt_set(m, 0x60, seg_desc(0, 0xfffff, 0xff, 0xc));
		if (t[k].ring3)
			to_ring3(m);
		cr_log_info("case %zu", k);
		struct xlog l = run(m, t[k].code, 7);
		expect_fault(m, &l, t[k].vec, t[k].err, TM_CODE);
		machine_free(m);
	}
}

/* A conforming code segment runs at the caller's CPL: from ring 3 the RPL
 * of CS becomes 3 and the HLT at LAND is #GP(0) at CPL 3 (Vol. 3A, 5.8.1.2). */
Test(far, conforming_keeps_cpl)
{
	static const uint8_t jmp[] = { 0xea, 0x00, 0x60, 0x00, 0x00, 0x3b, 0x00 };  /* jmp 0x3b:0x6000 */
	static const uint8_t call[] = { 0x9a, 0x00, 0x60, 0x00, 0x00, 0x38, 0x00 }; /* call 0x38:0x6000 */
	for (int k = 0; k < 2; k++) {
		struct machine *m = world(START_PROT32);
		to_ring3(m);
		struct xlog l = run(m, k ? call : jmp, 7);
		expect_fault(m, &l, GP, 0, LAND);
		cr_assert_eq(peek(m, STACK0 - 16, 2), 0x3b, "CS at the fault: conforming segment, RPL 3");
		machine_free(m);
	}
	struct machine *m = world(START_PROT32); /* at ring 0 it is just a far jump */
	struct xlog l = run(m, jmp, sizeof jmp);
	expect_land(m, &l, 0x38);
	machine_free(m);
}

/* ---- Returns to an outer ring ---- */

/*
 * RETF from ring 0 to ring 3 pops CS:EIP, then SS:ESP, releasing imm16
 * bytes of parameters on both stacks; data segment registers with DPL <
 * 3 are nulled, the others (and conforming code) kept (Vol. 2A, RET).
 */
Test(far, retf_to_outer_ring)
{
	static const uint8_t retf[] = { 0xcb };             /* retf */
	static const uint8_t retf8[] = { 0xca, 0x08, 0x00 }; /* retf 8 */
	for (unsigned rel = 0; rel <= 8; rel += 8) {
		struct machine *m = world(START_PROT32);
		uint64_t sp = TM_STACK - 16 - rel;
		tm_poke(m, sp, 4, LAND);
		tm_poke(m, sp + 4, 4, 0x1b);
		tm_poke(m, sp + 8 + rel, 4, STACK3 - 0x100);
		tm_poke(m, sp + 12 + rel, 4, 0x23);
		machine_reg_set(m, VT_RSP, sp);
		machine_reg_set(m, VT_ES, 0x23);
		machine_reg_set(m, VT_GS, 0x38);
		struct xlog l = rel ? run(m, retf8, sizeof retf8) : run(m, retf, sizeof retf);
		expect_fault(m, &l, GP, 0, LAND); /* the HLT at LAND, at CPL 3 */
		cr_assert_eq(peek(m, STACK0 - 16, 2), 0x1b);
		cr_assert_eq(peek(m, STACK0 - 8, 4), STACK3 - 0x100 + rel, "ESP popped, then imm16 added");
		cr_assert_eq(peek(m, STACK0 - 4, 2), 0x23);
		cr_assert_eq(reg(m, VT_DS), 0, "DS (DPL 0 data) nulled");
		cr_assert_eq(reg(m, VT_FS), 0);
		cr_assert_eq(reg(m, VT_ES), 0x23, "ES (DPL 3) kept");
		cr_assert_eq(reg(m, VT_GS), 0x38, "conforming code kept");
		machine_free(m);
	}
}

/* Faulting returns (Vol. 2A, RET and IRET, "Protected Mode Exceptions"):
 * the selector named is the popped CS or SS; nothing is popped. */
Test(far, return_faults)
{
	static const uint8_t retf[] = { 0xcb };        /* retf */
	static const uint8_t iretd[] = { 0xcf };       /* iretd */
	static const uint8_t iretq[] = { 0x48, 0xcf }; /* iretq */
	static const struct { const uint8_t *c; size_t n; bool l64, ring3; uint64_t img[5]; int vec; uint32_t err; } t[] = {
		{ retf, 1, false, true, { LAND, 0x08 }, GP, 0x08 },                   /* to a more privileged ring */
		{ retf, 1, false, false, { LAND, 0x40 }, NP, 0x40 },                  /* CS not present */
		{ retf, 1, false, false, { LAND, 0x10 }, GP, 0x10 },                  /* CS is data */
		{ iretd, 1, false, false, { LAND, 0x1b, 2, STACK3, 0x10 }, GP, 0x10 }, /* SS RPL 0 for ring 3 */
		{ iretq, 2, true, false, { LAND, 0x2b, 2, STACK3, 0 }, GP, 0 },        /* null SS for ring 3 */
	};
	for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
		struct machine *m = world(t[k].l64 ? START_LONG64 : START_PROT32);
		if (t[k].ring3)
			to_ring3(m);
		unsigned s = t[k].l64 ? 8 : 4;
		uint64_t sp = reg(m, VT_RSP) - 5 * s;
		for (int j = 0; j < 5; j++)
			tm_poke(m, sp + (uint64_t)j * s, s, t[k].img[j]);
		machine_reg_set(m, VT_RSP, sp);
		cr_log_info("case %zu", k);
		struct xlog l = run(m, t[k].c, t[k].n);
		expect_fault(m, &l, t[k].vec, t[k].err, TM_CODE);
		machine_free(m);
	}
}

/* ---- IRET (SDM Vol. 2A, IRET/IRETD/IRETQ) ---- */

Test(far, iret_real_mode)
{
	static const uint8_t code[] = {
		0x6a, 0x03,       /* push word 3 */
		0x6a, 0x00,       /* push word 0 */
		0x68, 0x00, 0x60, /* push word 0x6000 */
		0xcf,             /* iret */
	};
	struct machine *m = tm_new(START_REAL16);
	tm_poke(m, LAND, 1, 0xf4);       /* hlt */
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(reg(m, VT_RIP), LAND + 1);
	cr_assert_eq(reg(m, VT_CS), 0);
	cr_assert_eq(reg(m, VT_RFLAGS) & FL_CF, FL_CF, "FLAGS popped");
	cr_assert_eq(reg(m, VT_RSP), TM_STACK);
	machine_free(m);
}

/* Same ring in 32-bit protected mode: EIP, CS, EFLAGS only. */
Test(far, iret_prot32_same_ring)
{
	static const uint8_t code[] = {
		0x6a, 0x03,                   /* push 0x3 */
		0x6a, 0x30,                   /* push 0x30 */
		0x68, 0x00, 0x60, 0x00, 0x00, /* push 0x6000 */
		0xcf,                         /* iretd */
	};
	struct machine *m = world(START_PROT32);
	struct xlog l = run(m, code, sizeof code);
	expect_land(m, &l, 0x30);
	cr_assert_eq(reg(m, VT_RFLAGS) & FL_CF, FL_CF);
	cr_assert_eq(reg(m, VT_RSP), TM_STACK, "no SS:ESP popped");
	machine_free(m);
}

/* To ring 3: SS:ESP popped too, DS with DPL 0 nulled; at CPL 0 IRET may
 * load IOPL. The HLT at LAND faults at CPL 3, and its frame shows it all. */
Test(far, iret_prot32_outer_ring)
{
	static const uint8_t iret[] = { 0xcf }; /* iretd */
	struct machine *m = world(START_PROT32);
	static const uint32_t img[] = { LAND, 0x1b, 0x3003, STACK3 - 0x40, 0x23 };
	for (int k = 0; k < 5; k++)
		tm_poke(m, TM_STACK - 20 + 4 * k, 4, img[k]);
	machine_reg_set(m, VT_RSP, TM_STACK - 20);
	struct xlog l = run(m, iret, sizeof iret);
	expect_fault(m, &l, GP, 0, LAND);
	static const uint32_t want[] = { LAND, 0x1b, 0x3003, STACK3 - 0x40, 0x23 };
	for (int k = 0; k < 5; k++)
		cr_assert_eq(peek(m, STACK0 - 20 + 4 * k, k == 1 || k == 4 ? 2 : 4), want[k], "slot %d", k);
	cr_assert_eq(reg(m, VT_DS), 0);
	machine_free(m);
}

/* IRETQ in 64-bit mode always pops SS:RSP, also to the same ring, where
 * SS may be null (Vol. 2A, IRET: "IA-32e-MODE"). */
Test(far, iretq_pops_ss_rsp)
{
	static const uint8_t code[] = {
		0x6a, 0x10,                   /* push 0x10 */
		0x68, 0x00, 0x50, 0x00, 0x00, /* push 0x5000 */
		0x6a, 0x03,                   /* push 0x3 */
		0x6a, 0x08,                   /* push 0x08 */
		0x68, 0x00, 0x60, 0x00, 0x00, /* push 0x6000 */
		0x48, 0xcf,                   /* iretq */
	};
	for (int null_ss = 0; null_ss < 2; null_ss++) {
		struct machine *m = world(START_LONG64);
		uint8_t c[sizeof code];
		memcpy(c, code, sizeof c);
		if (null_ss)
			c[1] = 0x00; /* push 0 */
		struct xlog l = run(m, c, sizeof c);
		expect_land(m, &l, 0x08);
		cr_assert_eq(reg(m, VT_RSP), 0x5000);
		cr_assert_eq(reg(m, VT_SS), null_ss ? 0 : 0x10);
		cr_assert_eq(reg(m, VT_RFLAGS) & FL_CF, FL_CF);
		machine_free(m);
	}
}

Test(far, iretq_to_ring3)
{
	static const uint8_t iretq[] = { 0x48, 0xcf }; /* iretq */
	struct machine *m = world(START_LONG64);
	static const uint64_t img[] = { LAND, 0x2b, 0x2, STACK3 - 0x80, 0x23 };
	for (int k = 0; k < 5; k++)
		tm_poke(m, TM_STACK - 40 + 8 * k, 8, img[k]);
	machine_reg_set(m, VT_RSP, TM_STACK - 40);
	struct xlog l = run(m, iretq, sizeof iretq);
	expect_fault(m, &l, GP, 0, LAND);
	for (int k = 0; k < 5; k++)
		cr_assert_eq(peek(m, STACK0 - 40 + 8 * k, 8), img[k], "slot %d", k);
	machine_free(m);
}

/* IRET with NT = 1 in IA-32e mode is #GP(0): there are no task switches. */
Test(far, iret_nt_in_ia32e_gp)
{
	static const uint8_t iretq[] = { 0x48, 0xcf }; /* iretq */
	struct machine *m = world(START_LONG64);
	machine_reg_set(m, VT_RFLAGS, 2 | FL_NT);
	struct xlog l = run(m, iretq, sizeof iretq);
	expect_fault(m, &l, GP, 0, TM_CODE);
	machine_free(m);
}

/*
 * Which flags IRET may change (Vol. 2A, IRET, "Operation"): IF only if
 * CPL <= IOPL, IOPL only at CPL 0; the arithmetic flags always. A ring-3
 * IRET to ring 3 lands on a HLT whose #GP frame shows the EFLAGS.
 */
Test(far, iret_flag_rules)
{
	static const uint8_t iret[] = { 0xcf }; /* iretd */
	static const struct { uint32_t before, image, after; } t[] = {
		{ 0x0002, 0x3203, 0x0003 },                   /* IOPL 0: IF and IOPL kept clear */
		{ 0x0202, 0x0002, 0x0202 },                   /* IOPL 0: IF kept set */
		{ 0x3002, 0x0203, 0x3203 },                   /* IOPL 3: IF loaded, IOPL kept */
	};
	for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
		struct machine *m = world(START_PROT32);
		to_ring3(m);
		tm_poke(m, STACK3 - 12, 4, LAND);
		tm_poke(m, STACK3 - 8, 4, 0x1b);
		tm_poke(m, STACK3 - 4, 4, t[k].image);
		machine_reg_set(m, VT_RSP, STACK3 - 12);
		machine_reg_set(m, VT_RFLAGS, t[k].before);
		struct xlog l = run(m, iret, sizeof iret);
		expect_fault(m, &l, GP, 0, LAND);
		cr_assert_eq(peek(m, STACK0 - 12, 4), t[k].after, "case %zu: EFLAGS %#lx", k,
			     (unsigned long)peek(m, STACK0 - 12, 4));
		machine_free(m);
	}
	/* At CPL 0 both IF and IOPL follow the image. */
	struct machine *m = world(START_PROT32);
	tm_poke(m, TM_STACK - 12, 4, LAND);
	tm_poke(m, TM_STACK - 8, 4, 0x08);
	tm_poke(m, TM_STACK - 4, 4, 0x3003);
	machine_reg_set(m, VT_RSP, TM_STACK - 12);
	machine_reg_set(m, VT_RFLAGS, 0x202);
	struct xlog l = run(m, iret, sizeof iret);
	expect_land(m, &l, 0x08);
	cr_assert_eq(reg(m, VT_RFLAGS) & (FL_IF | FL_IOPL | FL_CF), FL_IOPL | FL_CF);
	machine_free(m);
}

/* At CPL 0 a 32-bit IRET also loads VIF and VIP, with AC, ID and RF (Vol.
 * 2A, IRET, RETURN-TO-SAME-PRIVILEGE-LEVEL: "IF CPL = 0 THEN EFLAGS(IOPL)
 * <- tempEFLAGS; IF OperandSize = 32 or 64 THEN EFLAGS(VIF, VIP) <-
 * tempEFLAGS"). */
Test(far, iret_cpl0_loads_vif_vip)
{
	static const uint8_t iret[] = { 0xcf }; /* iretd */
	const uint32_t bits = (1u << 18) | (1u << 19) | (1u << 20) | (1u << 21); /* AC VIF VIP ID */
	struct machine *m = world(START_PROT32);
	tm_poke(m, TM_STACK - 12, 4, LAND);
	tm_poke(m, TM_STACK - 8, 4, 0x08);
	tm_poke(m, TM_STACK - 4, 4, 0x2 | bits);
	machine_reg_set(m, VT_RSP, TM_STACK - 12);
	struct xlog l = run(m, iret, sizeof iret);
	expect_land(m, &l, 0x08);
	cr_assert_eq(reg(m, VT_RFLAGS) & bits, bits, "RFLAGS %#lx", (unsigned long)reg(m, VT_RFLAGS));
	machine_free(m);
}

/* ---- Interrupts from ring 3: the TSS stacks (SDM Vol. 3A, 6.12.1, 6.14.4, 6.14.5) ---- */

/* INT 80h through a DPL-3 interrupt gate: SS0:ESP0 from the TSS, the old
 * SS, ESP, EFLAGS, CS, EIP pushed there, IF cleared (Figure 6-4). */
Test(far, int_from_ring3_prot32)
{
	static const uint8_t code[] = { 0xcd, 0x80 }; /* int 0x80 */
	struct machine *m = world(START_PROT32);
	idt_set(m, false, 0x80, gate(0x08, STUB(0x80), 0, 3, 0xe), 0);
	to_ring3(m);
	machine_reg_set(m, VT_RFLAGS, 0x203);
	run(m, code, sizeof code);
	cr_assert_eq(reg(m, VT_RIP), STUB(0x80) + 1);
	cr_assert_eq(reg(m, VT_SS), 0x10);
	cr_assert_eq(reg(m, VT_RSP), STACK0 - 20);
	cr_assert_eq(reg(m, VT_RFLAGS) & FL_IF, 0);
	static const uint32_t want[] = { TM_CODE + 2, 0x1b, 0x203, STACK3, 0x23 };
	for (int k = 0; k < 5; k++)
		cr_assert_eq(peek(m, STACK0 - 20 + 4 * k, k == 1 || k == 4 ? 2 : 4), want[k], "slot %d", k);
	machine_free(m);

	m = world(START_PROT32); /* a trap gate (type 0Fh) leaves IF alone */
	idt_set(m, false, 0x80, gate(0x08, STUB(0x80) + 1, 0, 3, 0xf), 0);
	tm_poke(m, STUB(0x80) + 1, 3, 0xf4fa9c); /* pushfd; cli; hlt */
	to_ring3(m);
	machine_reg_set(m, VT_RFLAGS, 0x3203); /* IOPL 3 */
	run(m, code, sizeof code);
	cr_assert_eq(reg(m, VT_RIP), STUB(0x80) + 4);
	cr_assert_eq(peek(m, reg(m, VT_RSP), 4) & FL_IF, FL_IF, "IF still set in the handler");
	machine_free(m);
}

/* INT n checks the gate's DPL against CPL: a DPL-0 gate from ring 3 is
 * #GP with the IDT entry as error code (vector x 8 + 2, IDT bit) (6.12.1.1, 6.13). */
Test(far, int_through_dpl0_gate_from_ring3_gp)
{
	static const uint8_t code[] = { 0xcd, 0x80 }; /* int 0x80 */
	struct machine *m = world(START_PROT32);
	to_ring3(m);
	struct xlog l = run(m, code, sizeof code);
	cr_assert_eq(l.n, 2, "INT 80h, then its #GP");
	cr_assert(l.e[1].vec == GP && l.e[1].err == 0x80 * 8 + 2 && l.e[1].rip == TM_CODE,
		  "vector %d error %#x", l.e[1].vec, l.e[1].err);
	cr_assert_eq(reg(m, VT_RIP), STUB(GP) + 1);
	machine_free(m);
}

/* 64-bit mode: RSP0 is aligned down to 16 bytes, SS:RSP always pushed, SS
 * becomes null; an IST entry replaces the stack, also at the same ring. */
Test(far, int_from_ring3_64bit_and_ist)
{
	static const uint8_t int80[] = { 0xcd, 0x80 }; /* int 0x80 */
	static const uint8_t int81[] = { 0xcd, 0x81 }; /* int 0x81 */
	struct machine *m = world(START_LONG64);
	idt_set(m, true, 0x80, gate(0x08, STUB(0x80), 0, 3, 0xe), STUB(0x80));
	tm_poke(m, TSS + 4, 8, STACK0 - 8); /* RSP0, misaligned */
	to_ring3(m);
	run(m, int80, sizeof int80);
	uint64_t top = STACK0 - 16;
	cr_assert_eq(reg(m, VT_RIP), STUB(0x80) + 1);
	cr_assert_eq(reg(m, VT_RSP), top - 40);
	cr_assert_eq(reg(m, VT_SS), 0);
	uint64_t want[] = { TM_CODE + 2, 0x2b, 2, STACK3, 0x23 };
	for (int k = 0; k < 5; k++)
		cr_assert_eq(peek(m, top - 40 + 8 * k, 8), want[k], "slot %d", k);
	machine_free(m);

	for (int ring3 = 0; ring3 < 2; ring3++) {
		m = world(START_LONG64);
		idt_set(m, true, 0x81, gate(0x08, STUB(0x81), 2, 3, 0xe), STUB(0x81)); /* IST 2 */
		tm_poke(m, TSS + 0x2c, 8, IST_TOP);
		if (ring3)
			to_ring3(m);
		run(m, int81, sizeof int81);
		cr_assert_eq(reg(m, VT_RSP), IST_TOP - 40, "IST stack, ring %d", ring3 ? 3 : 0);
		cr_assert_eq(peek(m, IST_TOP - 16, 8), ring3 ? STACK3 : TM_STACK);
		cr_assert_eq(peek(m, IST_TOP - 8, 8), ring3 ? 0x23 : 0x10);
		cr_assert_eq(reg(m, VT_SS), ring3 ? 0 : 0x10);
		machine_free(m);
	}
}

/* An exception from ring 3 pushes its error code below the frame. */
Test(far, exception_from_ring3_frame)
{
	static const uint8_t nop[] = { 0x90 }; /* nop (the appended HLT faults) */
	struct machine *m = world(START_PROT32);
	to_ring3(m);
	struct xlog l = run(m, nop, sizeof nop);
	expect_fault(m, &l, GP, 0, TM_CODE + 1);
	cr_assert_eq(reg(m, VT_RSP), STACK0 - 24);
	cr_assert_eq(peek(m, STACK0 - 24, 4), 0, "error code");
	cr_assert_eq(peek(m, STACK0 - 20, 4), TM_CODE + 1);
	machine_free(m);
}

/*
 * A bad SS0 in the TSS: #TS naming it, or #SS if it is not present (SDM
 * Vol. 3A, 6.12.1.1 and Interrupt 10; the handler cannot be reached
 * either, so the CPU shuts down after the log shows the fault).
 */
Test(far, bad_ss0_ts)
{
	static const uint8_t code[] = { 0xcd, 0x80 }; /* int 0x80 */
	static const struct { uint16_t ss0; int vec; uint32_t err; } t[] = {
		{ 0x23, TS, 0x20 },     /* RPL/DPL 3 */
		{ 0x18, TS, 0x18 },     /* code */
		{ 0x00, TS, 0 },        /* null */
		{ 0x1008, TS, 0x1008 }, /* beyond the GDT limit */
		{ 0x48, 12, 0x48 },     /* not present: #SS */
	};
	for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
		struct machine *m = world(START_PROT32);
		idt_set(m, false, 0x80, gate(0x08, STUB(0x80), 0, 3, 0xe), 0);
		gdt_set(m, 0x48, seg_desc(0, 0xfffff, 0x13, 0xc));
		tm_poke(m, TSS + 8, 2, t[k].ss0);
		to_ring3(m);
		struct xlog l;
		xlog_attach(m, &l);
		cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_SHUTDOWN);
		cr_assert_geq(l.n, 2);
		cr_assert_eq(l.e[0].vec, 0x80);
		cr_assert_eq(l.e[1].vec, t[k].vec, "SS0 %#x: vector %d", t[k].ss0, l.e[1].vec);
		cr_assert_eq(l.e[1].err, t[k].err, "SS0 %#x: error %#x", t[k].ss0, l.e[1].err);
		cr_assert_eq(l.e[1].rip, TM_CODE);
		machine_free(m);
	}
}

/* The same #TS while delivering an exception (not INT n) sets EXT, bit 0
 * of the error code (SDM Vol. 3A, 6.13 "Error Code": EXT is set when the
 * exception occurred during delivery of an event external to the program,
 * "such as an interrupt or an earlier exception"; clear only for INT n,
 * INT3, INTO). The earlier exception is a #UD from ring 3: benign, so the
 * #TS is delivered serially rather than becoming #DF (Table 6-5). */
Test(far, bad_ss0_during_exception_sets_ext)
{
	static const uint8_t ud2[] = { 0x0f, 0x0b }; /* ud2 */
	struct machine *m = world(START_PROT32);
	tm_poke(m, TSS + 8, 2, 0x23);
	to_ring3(m);
	struct xlog l;
	xlog_attach(m, &l);
	cr_assert_eq(tm_run_bytes(m, ud2, sizeof ud2), STOP_SHUTDOWN);
	cr_assert_geq(l.n, 2);
	cr_assert(l.e[0].vec == 6 && l.e[0].rip == TM_CODE);
	cr_assert_eq(l.e[1].vec, TS, "second event: vector %d", l.e[1].vec);
	cr_assert_eq(l.e[1].err, 0x20 | 1, "error code %#x: selector 20h with EXT", l.e[1].err);
	machine_free(m);
}
