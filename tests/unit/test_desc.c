/* test_desc.c - unit tests for LTR/LLDT/STR/SLDT, LAR/LSL/VERR/VERW, ARPL and segment-register loads (sim/cpu/desc.c, segment.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"

/*
 * Every test runs in a world built in RAM and loaded by guest code (LGDT,
 * LIDT, and LTR when asked), so that faults go through a real IDT to a
 * HLT per vector:
 *   0x10000 GDT   0x11000 IDT   0x12000 GDTR, 0x12010 IDTR   0x13000 TSS
 *   0x14000 HLT stubs, 16 bytes per vector; 0x18000 LDT
 *   0x1f000 ring-0 stack top (ESP0/RSP0), 0x2f000 ring-3 stack top
 * GDT (prot32): 08 code0, 10 data0, 18 code3, 20 data3, 28 TSS, 30 LDT
 * GDT (long64): 08 code0 (L), 10 data0, 18 code3 (32-bit), 20 data3,
 *               28 code3 (L), 30 data3, 38 TSS (16 bytes), 48 LDT (16 bytes)
 * LDT: 08 data0 with base 100000h, 10 data3; 58 and up in the GDT: per test
 */
#define GDT 0x10000ull
#define IDT 0x11000ull
#define GDTR 0x12000ull
#define IDTR 0x12010ull
#define TSS 0x13000ull
#define STUB(v) (0x14000ull + 16 * (v))
#define LDT 0x18000ull
#define STACK0 0x1f000ull
#define STACK3 0x2f000ull
#define UD 6
#define NP 11
#define SS_ 12
#define GP 13

static uint64_t reg(struct machine *m, enum vt_reg r)
{
	return machine_reg_get(m, r);
}

/* A segment descriptor (SDM Vol. 3A, 3.4.5, Figure 3-8; system types 3.5). */
static uint64_t seg_desc(uint32_t base, uint32_t limit, unsigned access, unsigned flags)
{
	return (limit & 0xffffull) | ((uint64_t)(base & 0xffffff) << 16) | ((uint64_t)access << 40) |
	       ((uint64_t)((limit >> 16) & 0xf) << 48) | ((uint64_t)flags << 52) |
	       ((uint64_t)(base >> 24) << 56);
}

static void gdt_set(struct machine *m, uint16_t sel, uint64_t d)
{
	tm_poke(m, GDT + (sel & ~7u), 8, d);
}

static uint64_t gdt_get(struct machine *m, uint16_t sel)
{
	return tm_peek(m, GDT + (sel & ~7u), 8);
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

/* Build the world; with ltr, the prologue also loads TR (so that faults
 * from ring 3 find their stack). */
static struct machine *world(enum start_mode mode, bool ltr)
{
	bool l64 = mode == START_LONG64;
	struct machine *m = tm_new(mode);
	uint64_t g[11] = { 0 };
	g[1] = seg_desc(0, 0xfffff, 0x9b, l64 ? 0xa : 0xc);
	g[2] = seg_desc(0, 0xfffff, 0x93, 0xc);
	g[3] = seg_desc(0, 0xfffff, 0xfb, 0xc);
	g[4] = seg_desc(0, 0xfffff, 0xf3, 0xc);
	if (l64) {
		g[5] = seg_desc(0, 0xfffff, 0xfb, 0xa);
		g[6] = seg_desc(0, 0xfffff, 0xf3, 0xc);
		g[7] = seg_desc(TSS, 0x67, 0x89, 0);
		g[9] = seg_desc(LDT, 0x17, 0x82, 0);
	} else {
		g[5] = seg_desc(TSS, 0x67, 0x89, 0);
		g[6] = seg_desc(LDT, 0x17, 0x82, 0);
	}
	for (int k = 0; k < 11; k++)
		tm_poke(m, GDT + 8 * k, 8, g[k]);
	tm_poke(m, LDT + 8, 8, seg_desc(0x100000, 0xfffff, 0x92, 0xc)); /* not yet accessed */
	tm_poke(m, LDT + 16, 8, seg_desc(0, 0xfffff, 0xf3, 0xc));
	for (unsigned v = 0; v < 32; v++) {
		uint64_t h = STUB(v), lo = (h & 0xffff) | (0x08ull << 16) | (0x8eull << 40) | ((h >> 16) << 48);
		tm_poke(m, h, 1, 0xf4);
		tm_poke(m, IDT + (l64 ? 16 : 8) * v, 8, lo);
	}
	tm_poke(m, GDTR, 2, 0xff);
	tm_poke(m, GDTR + 2, 8, GDT);
	tm_poke(m, IDTR, 2, (l64 ? 16 : 8) * 32 - 1);
	tm_poke(m, IDTR + 2, 8, IDT);
	tm_poke(m, TSS + 4, l64 ? 8 : 4, STACK0); /* RSP0 / ESP0 */
	if (!l64)
		tm_poke(m, TSS + 8, 2, 0x10); /* SS0 */
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
	size_t n = ltr ? (l64 ? sizeof pro64 : sizeof pro32) : (l64 ? 16 : 14);
	cr_assert_eq(tm_run_bytes(m, l64 ? pro64 : pro32, n), STOP_HLT);
	machine_reg_set(m, VT_CS, 0x08);
	for (enum vt_reg s = VT_ES; s <= VT_GS; s++)
		if (s != VT_CS)
			machine_reg_set(m, s, 0x10);
	machine_reg_set(m, VT_RSP, TM_STACK);
	machine_reg_set(m, VT_RAX, 0);
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

/* Run code; vec < 0: it must reach its HLT cleanly. Else exactly one
 * exception, vec with error code err (-1: none pushed) at code + at. */
static void run_expect(struct machine *m, const void *code, size_t len, int vec, int64_t err, size_t at)
{
	struct xlog l;
	memset(&l, 0, sizeof l);
	int h = machine_subscribe(m, EVB(EV_EXCEPTION), on_exc, &l);
	cr_assert_eq(tm_run_bytes(m, code, len), STOP_HLT);
	machine_unsubscribe(m, h);
	if (vec < 0) {
		cr_assert_eq(l.n, 0, "unexpected exception %d (error %#x) at %#lx", l.e[0].vec, l.e[0].err,
			     (unsigned long)l.e[0].rip);
		cr_assert_eq(reg(m, VT_RIP), tm_end_rip(len));
		return;
	}
	cr_assert_eq(l.n, 1, "exceptions: %d (first: vector %d)", l.n, l.e[0].vec);
	cr_assert_eq(l.e[0].vec, vec, "vector %d, expected %d", l.e[0].vec, vec);
	cr_assert_eq(l.e[0].rip, TM_CODE + at, "fault RIP %#lx", (unsigned long)l.e[0].rip);
	if (err >= 0)
		cr_assert(l.e[0].has_err && l.e[0].err == (uint32_t)err, "error code %#x, expected %#x",
			  l.e[0].err, (unsigned)err);
	else
		cr_assert(!l.e[0].has_err);
	cr_assert_eq(reg(m, VT_RIP), STUB(vec) + 1, "the handler ran");
}

static void run_clean(struct machine *m, const void *code, size_t len)
{
	run_expect(m, code, len, -1, 0, 0);
}

/* ---- LTR, LLDT, STR, SLDT (SDM Vol. 2A, LLDT/LTR; Vol. 2B, SLDT/STR) ---- */

static const uint8_t ltr[] = { 0x0f, 0x00, 0xd8 }; /* ltr ax */

/* LTR marks the TSS descriptor busy in the GDT (type 9 -> 0Bh); STR reads
 * the selector back, zero-extended into a 32-bit register, 16 bits to
 * memory; loading the (now busy) TSS again is #GP(selector). */
Test(desc, ltr_marks_busy_and_str)
{
	static const uint8_t code[] = {
		0x0f, 0x00, 0xd8,                         /* ltr ax */
		0x0f, 0x00, 0xcb,                         /* str ebx */
		0x0f, 0x00, 0x0d, 0x00, 0x80, 0x00, 0x00, /* str [0x8000] */
	};
	struct machine *m = world(START_PROT32, false);
	tm_poke(m, TM_DATA, 4, 0xaaaaaaaa);
	machine_reg_set(m, VT_RAX, 0x28);
	machine_reg_set(m, VT_RBX, 0xffffffff);
	run_clean(m, code, sizeof code);
	cr_assert_eq(reg(m, VT_RBX), 0x28);
	cr_assert_eq(tm_peek(m, TM_DATA, 4), 0xaaaa0028);
	cr_assert_eq((gdt_get(m, 0x28) >> 40) & 0xf, 0xb, "busy");
	run_expect(m, ltr, sizeof ltr, GP, 0x28, 0);
	machine_free(m);
}

Test(desc, ltr_faults)
{
	static const struct { uint16_t sel; bool ring3; int vec; uint32_t err; } t[] = {
		{ 0x0000, false, GP, 0 },      /* null */
		{ 0x002c, false, GP, 0x2c },   /* TI = 1: must be in the GDT */
		{ 0x0010, false, GP, 0x10 },   /* a data segment */
		{ 0x0030, false, GP, 0x30 },   /* an LDT */
		{ 0x1008, false, GP, 0x1008 }, /* beyond the GDT limit */
		{ 0x0058, false, NP, 0x58 },   /* a TSS not present */
		{ 0x0060, true, GP, 0 },       /* CPL 3 */
	};
	for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
		struct machine *m = world(START_PROT32, t[k].ring3);
		gdt_set(m, 0x58, seg_desc(TSS, 0x67, 0x09, 0));
		gdt_set(m, 0x60, seg_desc(TSS, 0x67, 0x89, 0));
		if (t[k].ring3)
			to_ring3(m);
		machine_reg_set(m, VT_RAX, t[k].sel);
		cr_log_info("selector %#x", t[k].sel);
		run_expect(m, ltr, sizeof ltr, t[k].vec, t[k].err, 0);
		machine_free(m);
	}
	struct machine *m = tm_new(START_REAL16); /* not recognised in real mode */
	struct xlog l;
	memset(&l, 0, sizeof l);
	machine_subscribe(m, EVB(EV_EXCEPTION), on_exc, &l);
	tm_poke(m, 4 * UD, 4, 0x500); /* IVT: #UD -> 0000:0500h, a HLT */
	tm_poke(m, 0x500, 1, 0xf4);
	cr_assert_eq(tm_run_bytes(m, ltr, sizeof ltr), STOP_HLT);
	cr_assert(l.n == 1 && l.e[0].vec == UD && l.e[0].rip == TM_CODE);
	machine_free(m);
}

/* In IA-32e mode the TSS descriptor is 16 bytes (SDM Vol. 3A, 8.2.3): the
 * upper half's type field must be 0 and the base canonical; a 16-bit TSS
 * (type 1) is not allowed. */
Test(desc, ltr_64bit)
{
	struct machine *m = world(START_LONG64, false);
	machine_reg_set(m, VT_RAX, 0x38);
	run_clean(m, ltr, sizeof ltr);
	cr_assert_eq((gdt_get(m, 0x38) >> 40) & 0xf, 0xb, "busy");
	machine_free(m);
	static const struct { unsigned type; uint64_t hi; } bad[] = {
		{ 9, 1ull << 40 }, /* upper half with type 1 */
		{ 9, 0x00008000 }, /* base 0000800000013000h: not canonical */
		{ 1, 0 },          /* a 16-bit TSS */
	};
	for (size_t k = 0; k < 3; k++) {
		m = world(START_LONG64, false);
		gdt_set(m, 0x58, seg_desc(TSS, 0x67, 0x80 | bad[k].type, 0));
		gdt_set(m, 0x60, bad[k].hi);
		machine_reg_set(m, VT_RAX, 0x58);
		run_expect(m, ltr, sizeof ltr, GP, 0x58, 0);
		cr_assert_eq((gdt_get(m, 0x58) >> 41) & 1, 0, "case %zu: not marked busy", k);
		machine_free(m);
	}
}

/* LLDT from a GDT descriptor of type 2; a data segment from the LDT (TI =
 * 1) then gets its base from there, and its accessed bit is set in the LDT
 * (SDM Vol. 3A, 3.4.5.1). SLDT reads the selector back. */
Test(desc, lldt_and_ldt_data_segment)
{
	static const uint8_t code[] = {
		0x0f, 0x00, 0xd0,                   /* lldt ax */
		0x66, 0xb9, 0x0c, 0x00,             /* mov cx, 0x0c */
		0x8e, 0xd9,                         /* mov ds, cx */
		0x8b, 0x15, 0x00, 0x00, 0x00, 0x00, /* mov edx, [0] */
		0x0f, 0x00, 0xc6,                   /* sldt esi */
	};
	struct machine *m = world(START_PROT32, false);
	tm_poke(m, 0x100000, 4, 0x5a5a5a5a);
	machine_reg_set(m, VT_RAX, 0x30);
	machine_reg_set(m, VT_RSI, 0xffffffff);
	run_clean(m, code, sizeof code);
	cr_assert_eq(reg(m, VT_RDX), 0x5a5a5a5a, "DS base 100000h from the LDT");
	cr_assert_eq(reg(m, VT_DS), 0x0c);
	cr_assert_eq(reg(m, VT_RSI), 0x30);
	cr_assert_eq((tm_peek(m, LDT + 8, 8) >> 40) & 1, 1, "accessed bit written back");
	machine_free(m);
}

/* In IA-32e mode the LDT descriptor is 16 bytes; FS loaded from the LDT
 * gets its base there (DS's would be ignored in 64-bit mode). */
Test(desc, lldt_64bit)
{
	static const uint8_t code[] = {
		0x0f, 0x00, 0xd0,                               /* lldt ax */
		0x66, 0xb9, 0x0c, 0x00,                         /* mov cx, 0x0c */
		0x8e, 0xe1,                                     /* mov fs, cx */
		0x64, 0x8b, 0x14, 0x25, 0x00, 0x00, 0x00, 0x00, /* mov edx, [fs:0] */
		0x0f, 0x00, 0xc6,                               /* sldt rsi */
	};
	struct machine *m = world(START_LONG64, false);
	tm_poke(m, 0x100000, 4, 0x5a5a5a5a);
	machine_reg_set(m, VT_RAX, 0x48);
	machine_reg_set(m, VT_RSI, ~0ull);
	run_clean(m, code, sizeof code);
	cr_assert_eq(reg(m, VT_RDX), 0x5a5a5a5a);
	cr_assert_eq(reg(m, VT_FS_BASE), 0x100000);
	cr_assert_eq(reg(m, VT_RSI), 0x48, "SLDT zero-extends into RSI");
	machine_free(m);
}

Test(desc, lldt_faults)
{
	static const uint8_t lldt[] = { 0x0f, 0x00, 0xd0 }; /* lldt ax */
	static const uint8_t null_then_use[] = {
		0x0f, 0x00, 0xd0, /* lldt ax */
		0x8e, 0xd9,       /* mov ds, cx */
	};
	static const struct { uint16_t sel; bool ring3; int vec; uint32_t err; } t[] = {
		{ 0x0028, false, GP, 0x28 }, /* a TSS */
		{ 0x0034, false, GP, 0x34 }, /* TI = 1 */
		{ 0x0058, false, NP, 0x58 }, /* an LDT not present */
		{ 0x0030, true, GP, 0 },     /* CPL 3 */
	};
	for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
		struct machine *m = world(START_PROT32, t[k].ring3);
		gdt_set(m, 0x58, seg_desc(LDT, 0x17, 0x02, 0));
		if (t[k].ring3)
			to_ring3(m);
		machine_reg_set(m, VT_RAX, t[k].sel);
		run_expect(m, lldt, sizeof lldt, t[k].vec, t[k].err, 0);
		machine_free(m);
	}
	/* A null selector is allowed; the LDT is then unusable. */
	struct machine *m = world(START_PROT32, false);
	machine_reg_set(m, VT_RAX, 0x30);
	run_clean(m, lldt, sizeof lldt);
	machine_reg_set(m, VT_RAX, 0);
	machine_reg_set(m, VT_RCX, 0x0c);
	run_expect(m, null_then_use, sizeof null_then_use, GP, 0x0c, 3);
	machine_free(m);
}

/* STR and SLDT are #GP(0) at CPL 3 with CR4.UMIP = 1, allowed without it,
 * and #UD in real mode. */
Test(desc, str_sldt_umip_and_real_mode)
{
	static const uint8_t str[] = { 0x0f, 0x00, 0xcb };  /* str ebx */
	static const uint8_t sldt[] = { 0x0f, 0x00, 0xc6 }; /* sldt esi */
	for (int k = 0; k < 2; k++) {
		const uint8_t *c = k ? sldt : str;
		struct machine *m = world(START_PROT32, true);
		to_ring3(m);
		run_expect(m, c, 3, GP, 0, 3); /* ran; the HLT after it faults */
		machine_free(m);
		m = world(START_PROT32, true);
		machine_reg_set(m, VT_CR4, reg(m, VT_CR4) | (1u << 11));
		to_ring3(m);
		run_expect(m, c, 3, GP, 0, 0);
		machine_free(m);
		m = tm_new(START_REAL16);
		tm_poke(m, 4 * UD, 4, 0x500);
		tm_poke(m, 0x500, 1, 0xf4);
		cr_assert_eq(tm_run_bytes(m, c, 3), STOP_HLT);
		cr_assert_eq(reg(m, VT_RIP), 0x501, "#UD handler");
		machine_free(m);
	}
}

/* ---- LAR, LSL, VERR, VERW (SDM Vol. 2A, LAR, LSL; Vol. 2B, VERR/VERW) ---- */

/*
 * The probes never fault on the selector; ZF says whether it passed: in
 * the table, of a type the instruction accepts, and (unless conforming
 * code) DPL >= CPL and DPL >= RPL. LAR returns the access rights (second
 * dword & 00F0FF00h), LSL the byte-granular limit; a failing probe leaves
 * its destination alone. Types for LAR: code, data, TSS (1 3 9 B), LDT,
 * call gates (4 C), task gate (5); for LSL the same without the gates.
 */
struct probe_case {
	const char *what;
	uint64_t desc;          /* placed at GDT 58h */
	uint16_t sel;           /* the selector probed */
	bool cpl3;
	bool lar, lsl, verr, verw;
	uint32_t limit;         /* LSL's answer when it passes */
};

static void probe_cases(enum start_mode mode, const struct probe_case *t, size_t n)
{
	static const uint8_t p32[] = {
		0x0f, 0x02, 0xc3,                         /* lar eax, ebx */
		0x0f, 0x94, 0x05, 0x00, 0x80, 0x00, 0x00, /* setz [0x8000] */
		0x0f, 0x03, 0xd3,                         /* lsl edx, ebx */
		0x0f, 0x94, 0x05, 0x01, 0x80, 0x00, 0x00, /* setz [0x8001] */
		0x0f, 0x00, 0xe3,                         /* verr bx */
		0x0f, 0x94, 0x05, 0x02, 0x80, 0x00, 0x00, /* setz [0x8002] */
		0x0f, 0x00, 0xeb,                         /* verw bx */
		0x0f, 0x94, 0x05, 0x03, 0x80, 0x00, 0x00, /* setz [0x8003] */
	};
	static const uint8_t p64[] = {
		0x48, 0x0f, 0x02, 0xc3,                         /* lar rax, rbx */
		0x0f, 0x94, 0x04, 0x25, 0x00, 0x80, 0x00, 0x00, /* setz [abs 0x8000] */
		0x48, 0x0f, 0x03, 0xd3,                         /* lsl rdx, rbx */
		0x0f, 0x94, 0x04, 0x25, 0x01, 0x80, 0x00, 0x00, /* setz [abs 0x8001] */
	};
	bool l64 = mode == START_LONG64;
	for (size_t k = 0; k < n; k++) {
		struct machine *m = world(mode, true);
		gdt_set(m, 0x58, t[k].desc);
		gdt_set(m, 0x60, 0); /* upper half of a 16-byte descriptor */
		if (t[k].cpl3)
			to_ring3(m);
		machine_reg_set(m, VT_RAX, 0xdeadbeef);
		machine_reg_set(m, VT_RDX, 0xdeadbeef);
		machine_reg_set(m, VT_RBX, t[k].sel);
		tm_poke(m, TM_DATA, 4, 0x77777777);
		if (l64)
			run_expect(m, p64, sizeof p64, -1, 0, 0);
		else if (t[k].cpl3)
			run_expect(m, p32, sizeof p32, GP, 0, sizeof p32); /* the HLT at CPL 3 */
		else
			run_expect(m, p32, sizeof p32, -1, 0, 0);
		uint64_t zf = tm_peek(m, TM_DATA, 4);
		uint32_t want = (t[k].lar ? 1u : 0) | (t[k].lsl ? 1u << 8 : 0);
		if (!l64)
			want |= (t[k].verr ? 1u << 16 : 0) | (t[k].verw ? 1u << 24 : 0);
		else
			want |= 0x77770000;
		cr_assert_eq(zf, want, "%s: ZF of LAR LSL VERR VERW %08lx, expected %08x", t[k].what,
			     (unsigned long)zf, want);
		uint64_t ar = t[k].lar ? (t[k].desc >> 32) & 0x00f0ff00 : 0xdeadbeef;
		cr_assert_eq(reg(m, VT_RAX), ar, "%s: LAR %#lx", t[k].what, (unsigned long)reg(m, VT_RAX));
		cr_assert_eq(reg(m, VT_RDX), t[k].lsl ? t[k].limit : 0xdeadbeef, "%s: LSL", t[k].what);
		machine_free(m);
	}
}

Test(desc, probes_prot32)
{
	const struct probe_case t[] = {
		{ "data rw", seg_desc(0, 0xfffff, 0x93, 0xc), 0x58, false, true, true, true, true, 0xffffffff },
		{ "data ro", seg_desc(0, 0x1234, 0x91, 0x4), 0x58, false, true, true, true, false, 0x1234 },
		{ "data not present", seg_desc(0, 0x10, 0x13, 0), 0x58, false, true, true, true, true, 0x10 },
		{ "code exec-only", seg_desc(0, 0xfffff, 0x99, 0xc), 0x58, false, true, true, false, false, 0xffffffff },
		{ "code readable", seg_desc(0, 0xfff, 0x9b, 0x4), 0x58, false, true, true, true, false, 0xfff },
		{ "conforming readable DPL 0 at CPL 3", seg_desc(0, 0xfff, 0x9f, 0x4), 0x5b, true, true, true, true, false, 0xfff },
		{ "conforming exec-only DPL 0 at CPL 3", seg_desc(0, 0xfff, 0x9d, 0x4), 0x5b, true, true, true, false, false, 0xfff },
		{ "data DPL 0 at CPL 3", seg_desc(0, 0xfff, 0x93, 0x4), 0x5b, true, false, false, false, false, 0 },
		{ "data DPL 2, RPL 3", seg_desc(0, 0xfff, 0xd3, 0x4), 0x5b, false, false, false, false, false, 0 },
		{ "data DPL 3 at CPL 3", seg_desc(0, 0xfff, 0xf3, 0x4), 0x5b, true, true, true, true, true, 0xfff },
		{ "32-bit TSS", seg_desc(TSS, 0x67, 0x89, 0), 0x58, false, true, true, false, false, 0x67 },
		{ "busy 32-bit TSS", seg_desc(TSS, 0x67, 0x8b, 0), 0x58, false, true, true, false, false, 0x67 },
		{ "16-bit TSS", seg_desc(TSS, 0x2b, 0x81, 0), 0x58, false, true, true, false, false, 0x2b },
		{ "LDT", seg_desc(LDT, 0x17, 0x82, 0), 0x58, false, true, true, false, false, 0x17 },
		{ "TSS DPL 0 at CPL 3", seg_desc(TSS, 0x67, 0x89, 0), 0x5b, true, false, false, false, false, 0 },
		{ "32-bit call gate", seg_desc(0x080000, 0x1000, 0x8c, 0), 0x58, false, true, false, false, false, 0 },
		{ "16-bit call gate", seg_desc(0x080000, 0x1000, 0x84, 0), 0x58, false, true, false, false, false, 0 },
		{ "task gate", seg_desc(0x280000, 0, 0x85, 0), 0x58, false, true, false, false, false, 0 },
		{ "interrupt gate", seg_desc(0x080000, 0x1000, 0x8e, 0), 0x58, false, false, false, false, false, 0 },
		{ "trap gate", seg_desc(0x080000, 0x1000, 0x8f, 0), 0x58, false, false, false, false, false, 0 },
		{ "reserved type 0", seg_desc(0, 0xfff, 0x80, 0), 0x58, false, false, false, false, false, 0 },
		{ "reserved type 0Ah", seg_desc(0, 0xfff, 0x8a, 0), 0x58, false, false, false, false, false, 0 },
		{ "null selector", seg_desc(0, 0xfff, 0x93, 0), 0x0000, false, false, false, false, false, 0 },
		{ "beyond the GDT", seg_desc(0, 0xfff, 0x93, 0), 0x1008, false, false, false, false, false, 0 },
	};
	probe_cases(START_PROT32, t, sizeof t / sizeof t[0]);
}

/* In IA-32e mode the system types that remain are the 64-bit TSS (both
 * probes) and the 64-bit call gate (LAR only) (SDM Vol. 2A, LAR Table 3-52,
 * LSL Table 3-57). */
Test(desc, probes_64bit)
{
	const struct probe_case t[] = {
		{ "data", seg_desc(0, 0xfffff, 0x93, 0xc), 0x58, false, true, true, false, false, 0xffffffff },
		{ "64-bit TSS", seg_desc(TSS, 0x67, 0x89, 0), 0x58, false, true, true, false, false, 0x67 },
		{ "64-bit call gate", seg_desc(0x080000, 0x1000, 0x8c, 0), 0x58, false, true, false, false, false, 0 },
		{ "16-bit TSS", seg_desc(TSS, 0x2b, 0x81, 0), 0x58, false, false, false, false, false, 0 },
		{ "16-bit call gate", seg_desc(0x080000, 0x1000, 0x84, 0), 0x58, false, false, false, false, false, 0 },
		{ "task gate", seg_desc(0x280000, 0, 0x85, 0), 0x58, false, false, false, false, false, 0 },
	};
	probe_cases(START_LONG64, t, sizeof t / sizeof t[0]);
}

/* The LDT type is valid for LSL in IA-32e mode but not for LAR: Intel's
 * tables say "2 LDT Yes | LDT Yes" for LSL (Table 3-57) and "2 LDT Yes |
 * LDT No" for LAR (Table 3-52), so LAR clears ZF and leaves RAX alone. */
Test(desc, lar_ldt_invalid_in_ia32e)
{
	const struct probe_case t[] = {
		{ "LDT", seg_desc(LDT, 0x17, 0x82, 0), 0x58, false, false, true, false, false, 0x17 },
	};
	probe_cases(START_LONG64, t, 1);
}

/* LAR with a 16-bit operand returns bits 15:8 only (mask FF00h) and keeps
 * the upper half of EAX. */
Test(desc, lar_16bit_operand)
{
	static const uint8_t code[] = { 0x66, 0x0f, 0x02, 0xc3 }; /* lar ax, bx */
	struct machine *m = world(START_PROT32, false);
	machine_reg_set(m, VT_RAX, 0x12345678);
	machine_reg_set(m, VT_RBX, 0x10);
	run_clean(m, code, sizeof code);
	cr_assert_eq(reg(m, VT_RAX), 0x12349300);
	machine_free(m);
}

/* ARPL raises the destination's RPL to the source's, ZF = 1 if it did
 * (SDM Vol. 2A, ARPL); real mode does not recognise it. */
Test(desc, arpl)
{
	static const uint8_t code[] = {
		0x63, 0xd8,                         /* arpl ax, bx */
		0x0f, 0x94, 0xc1,                   /* setz cl */
		0x63, 0x1d, 0x00, 0x80, 0x00, 0x00, /* arpl [0x8000], bx */
		0x0f, 0x94, 0xc5,                   /* setz ch */
	};
	struct machine *m = world(START_PROT32, false);
	machine_reg_set(m, VT_RAX, 0xffff0008);
	machine_reg_set(m, VT_RBX, 0x0003);
	tm_poke(m, TM_DATA, 4, 0xeeee001b);
	run_clean(m, code, sizeof code);
	cr_assert_eq(reg(m, VT_RAX), 0xffff000b);
	cr_assert_eq(tm_peek(m, TM_DATA, 4), 0xeeee001b, "RPL 3 already");
	cr_assert_eq(reg(m, VT_RCX) & 0xffff, 0x0001, "ZF: set, then clear");
	machine_free(m);

	m = tm_new(START_REAL16);
	tm_poke(m, 4 * UD, 4, 0x500);
	tm_poke(m, 0x500, 1, 0xf4);
	machine_reg_set(m, VT_RAX, 0x8);
	machine_reg_set(m, VT_RBX, 0x3);
	cr_assert_eq(tm_run_bytes(m, code, 2), STOP_HLT);
	cr_assert_eq(reg(m, VT_RIP), 0x501, "#UD handler");
	cr_assert_eq(reg(m, VT_RAX), 0x8);
	machine_free(m);
}

/* ---- MOV Sreg / POP Sreg (SDM Vol. 2A, MOV and POP, "Protected Mode Exceptions") ---- */

/*
 * GDT 58h data DPL 0 not present, 60h read-only data, 68h execute-only
 * code, 70h readable code, 78h data not yet accessed. SS needs a writable
 * data segment with RPL = DPL = CPL (#GP(sel)), present (#SS(sel)); the
 * others a data or readable code segment with DPL >= CPL, RPL (#GP(sel)),
 * present (#NP(sel)). A null selector is #GP(0) for SS only.
 */
Test(desc, sreg_load_faults)
{
	static const uint8_t mov_ds[] = { 0x8e, 0xd8 }; /* mov ds, ax */
	static const uint8_t mov_ss[] = { 0x8e, 0xd0 }; /* mov ss, ax */
	static const uint8_t pop_ds[] = { 0x1f };       /* pop ds */
	static const uint8_t pop_ss[] = { 0x17 };       /* pop ss */
	static const uint8_t mov_cs[] = { 0x8e, 0xc8 }; /* mov cs, ax */
	static const struct { const uint8_t *c; size_t n; uint16_t sel; bool cpl3; int vec; int64_t err; } t[] = {
		{ mov_ds, 2, 0x58, false, NP, 0x58 },   { mov_ss, 2, 0x58, false, SS_, 0x58 },
		{ mov_ss, 2, 0x00, false, GP, 0 },      { mov_ss, 2, 0x60, false, GP, 0x60 },
		{ mov_ss, 2, 0x20, false, GP, 0x20 },   { mov_ss, 2, 0x13, false, GP, 0x10 },
		{ mov_ss, 2, 0x70, false, GP, 0x70 },   { mov_ds, 2, 0x68, false, GP, 0x68 },
		{ mov_ds, 2, 0x28, false, GP, 0x28 },   { mov_ds, 2, 0x1008, false, GP, 0x1008 },
		{ mov_ds, 2, 0x0c, false, GP, 0x0c },   /* TI = 1 with no LDT */
		{ mov_ds, 2, 0x13, true, GP, 0x10 },    /* DPL 0 < CPL 3 */
		{ mov_ds, 2, 0x73, true, GP, 0x70 },    /* nonconforming code DPL 0 */
		{ mov_ss, 2, 0x13, true, GP, 0x10 },
		{ pop_ds, 1, 0x58, false, NP, 0x58 },   { pop_ss, 1, 0x58, false, SS_, 0x58 },
		{ pop_ss, 1, 0x60, false, GP, 0x60 },   { mov_cs, 2, 0x08, false, UD, -1 },
	};
	for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
		struct machine *m = world(START_PROT32, t[k].cpl3);
		gdt_set(m, 0x58, seg_desc(0, 0xfffff, 0x13, 0xc));
		gdt_set(m, 0x60, seg_desc(0, 0xfffff, 0x91, 0xc));
		gdt_set(m, 0x68, seg_desc(0, 0xfffff, 0x99, 0xc));
		gdt_set(m, 0x70, seg_desc(0, 0xfffff, 0x9b, 0xc));
		if (t[k].cpl3)
			to_ring3(m);
		uint64_t sp = reg(m, VT_RSP) - 4;
		machine_reg_set(m, VT_RSP, sp);
		tm_poke(m, sp, 4, t[k].sel);
		machine_reg_set(m, VT_RAX, t[k].sel);
		uint64_t ds = reg(m, VT_DS), ss = reg(m, VT_SS);
		cr_log_info("case %zu: selector %#x", k, t[k].sel);
		run_expect(m, t[k].c, t[k].n, t[k].vec, t[k].err, 0);
		cr_assert_eq(reg(m, VT_DS), ds, "case %zu: DS unchanged", k);
		if (!t[k].cpl3) {
			cr_assert_eq(reg(m, VT_SS), ss, "case %zu: SS unchanged", k);
			/* The handler's frame (EFLAGS CS EIP [error]) sits right
			 * below the selector: a faulting POP did not move ESP. */
			cr_assert_eq(reg(m, VT_RSP), sp - (t[k].err >= 0 ? 16 : 12), "case %zu", k);
		}
		machine_free(m);
	}
}

/* What loads: a null DS (then unusable: #GP(0) on access), readable code in
 * DS, and a data segment whose accessed bit the load sets in the GDT. In
 * 64-bit mode SS may be null at CPL 0 but not at CPL 3. */
Test(desc, sreg_loads_and_accessed_bit)
{
	static const uint8_t use_ds[] = {
		0x8e, 0xd8,                   /* mov ds, ax */
		0xa1, 0x00, 0x00, 0x00, 0x00, /* mov eax, [0] */
	};
	static const uint8_t mov_ss[] = { 0x8e, 0xd0 }; /* mov ss, ax */
	struct machine *m = world(START_PROT32, false);
	gdt_set(m, 0x70, seg_desc(0, 0xfffff, 0x9b, 0xc));
	gdt_set(m, 0x78, seg_desc(0x100000, 0xfffff, 0x92, 0xc));
	tm_poke(m, 0x100000, 4, 0x13572468);
	machine_reg_set(m, VT_RAX, 0x70);
	run_clean(m, use_ds, sizeof use_ds);
	cr_assert_eq(reg(m, VT_DS), 0x70, "readable code in DS");
	machine_reg_set(m, VT_RAX, 0x78);
	run_clean(m, use_ds, sizeof use_ds);
	cr_assert_eq(reg(m, VT_RAX), 0x13572468, "DS base 100000h");
	cr_assert_eq((gdt_get(m, 0x78) >> 40) & 0xff, 0x93, "accessed bit set");
	machine_reg_set(m, VT_RAX, 0);
	run_expect(m, use_ds, sizeof use_ds, GP, 0, 2);
	cr_assert_eq(reg(m, VT_DS), 0);
	machine_free(m);

	m = world(START_LONG64, true);
	machine_reg_set(m, VT_RAX, 0);
	run_clean(m, mov_ss, sizeof mov_ss);
	cr_assert_eq(reg(m, VT_SS), 0);
	to_ring3(m);
	machine_reg_set(m, VT_RAX, 3);
	run_expect(m, mov_ss, sizeof mov_ss, GP, 0, 0);
	machine_free(m);
}
