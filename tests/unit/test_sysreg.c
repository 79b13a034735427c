/* test_sysreg.c - unit tests for control registers, MSRs, CPUID, the TSC and privileged odds (sim/cpu/sysreg.c, msr.c, cpuid.c, system.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"

/*
 * Every test runs in a small world built in RAM and loaded by guest code
 * (LGDT, LIDT, LTR), so that faults go through a real IDT to a HLT per
 * vector and ring 3 has descriptors of its own:
 *   0x10000 GDT   0x11000 IDT   0x12000 GDTR, 0x12010 IDTR   0x13000 TSS
 *   0x14000 HLT stubs, 16 bytes per vector; 0x1f000 ring-0 stack top
 *   (ESP0/RSP0), 0x2f000 ring-3 stack top
 * GDT (prot32): 08 code0, 10 data0, 18 code3, 20 data3, 28 TSS
 * GDT (long64): 08 code0 (L), 10 data0, 18 code3 (32-bit), 20 data3,
 *               28 code3 (L), 30 data3, 38 TSS (16 bytes)
 */
#define GDT 0x10000ull
#define IDT 0x11000ull
#define GDTR 0x12000ull
#define IDTR 0x12010ull
#define TSS 0x13000ull
#define STUB(v) (0x14000ull + 16 * (v))
#define STACK0 0x1f000ull
#define STACK3 0x2f000ull
#define UD 6
#define NM 7
#define GP 13

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
	/* Interrupt gates (type 0Eh, DPL 0) to CS 08h: STUB(v), a HLT. */
	for (unsigned v = 0; v < 256; v++) {
		uint64_t h = STUB(v), lo = (h & 0xffff) | (0x08ull << 16) | (0x8eull << 40) | ((h >> 16) << 48);
		tm_poke(m, h, 1, 0xf4);
		tm_poke(m, IDT + (l64 ? 16 : 8) * v, 8, lo);
	}
	tm_poke(m, GDTR, 2, sizeof g - 1);
	tm_poke(m, GDTR + 2, 8, GDT);
	tm_poke(m, IDTR, 2, (l64 ? 16 : 8) * 256 - 1);
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

/* Run code; vec < 0: it must reach its HLT cleanly. Else exactly one
 * exception, vec at code + at with error code err (-1: none pushed, -2: not
 * checked), delivered to its HLT stub. At CPL 3 the appended HLT itself is
 * #GP(0): pass vec = GP and at = len for a ring-3 run that should finish. */
static void run_expect(struct machine *m, const void *code, size_t len, int vec, int64_t err, size_t at)
{
	struct xlog l;
	int h = xlog_attach(m, &l);
	cr_assert_eq(tm_run_bytes(m, code, len), STOP_HLT);
	machine_unsubscribe(m, h);
	if (vec < 0) {
		cr_assert_eq(l.n, 0, "unexpected exception %d at %#lx", l.e[0].vec, (unsigned long)l.e[0].rip);
		cr_assert_eq(reg(m, VT_RIP), tm_end_rip(len));
		return;
	}
	cr_assert_eq(l.n, 1, "exceptions: %d (first: vector %d)", l.n, l.e[0].vec);
	cr_assert_eq(l.e[0].vec, vec, "vector %d, expected %d", l.e[0].vec, vec);
	cr_assert_eq(l.e[0].rip, TM_CODE + at, "fault RIP %#lx", (unsigned long)l.e[0].rip);
	if (err >= 0)
		cr_assert(l.e[0].has_err && l.e[0].err == (uint32_t)err, "error code %#x", l.e[0].err);
	else if (err == -1)
		cr_assert(!l.e[0].has_err);
	cr_assert_eq(reg(m, VT_RIP), STUB(vec) + 1, "the handler ran");
}

static void run_clean(struct machine *m, const void *code, size_t len)
{
	run_expect(m, code, len, -1, 0, 0);
}

/* "mov rax, crN; bts/btr rax, bit; mov crN, rax" (EAX and no REX.W in
 * 32-bit code), N and bit patched into the bytes nasm gives for
 * "mov rax, cr0; bts rax, 0; mov cr0, rax": 0f 20 c0 / 48 0f ba e8 00 /
 * 0f 22 c0 (btr: e8 -> f0). Returns the length; the MOV to CR is at len - 3. */
static size_t flip_cr(uint8_t *out, bool l64, unsigned cr, unsigned bit, bool set)
{
	size_t n = 0;
	uint8_t modrm = (uint8_t)(0xc0 | (cr << 3));
	out[n++] = 0x0f, out[n++] = 0x20, out[n++] = modrm;
	if (l64)
		out[n++] = 0x48;
	out[n++] = 0x0f, out[n++] = 0xba, out[n++] = set ? 0xe8 : 0xf0, out[n++] = (uint8_t)bit;
	out[n++] = 0x0f, out[n++] = 0x22, out[n++] = modrm;
	return n;
}

static void flip_ok(struct machine *m, bool l64, unsigned cr, unsigned bit)
{
	uint8_t code[16];
	run_clean(m, code, flip_cr(code, l64, cr, bit, true));
}

/* ---- MOV to CR0/CR3/CR4 (SDM Vol. 2A, MOV—Move to/from Control Registers; Vol. 3A, 2.5) ---- */

/* One bit flipped in CR0, CR3 or CR4 that the SDM makes #GP(0): the fault
 * is at the MOV and the register keeps its value. */
Test(sysreg, mov_cr_single_bit_gp)
{
	static const struct { const char *what; bool l64; unsigned cr, bit; bool set; } t[] = {
		{ "CR0[32], reserved in 64-bit mode", true, 0, 32, true },
		{ "CR0[6], reserved", false, 0, 6, true },
		{ "CR0.NW without CD", false, 0, 29, true },
		{ "clearing CR0.PG in 64-bit mode", true, 0, 31, false },
		{ "clearing CR4.PAE in IA-32e mode", true, 4, 5, false },
		{ "changing CR4.LA57 in IA-32e mode", true, 4, 12, true },
		{ "CR4.PCIDE outside IA-32e mode", false, 4, 17, true },
		{ "CR3[46], above MAXPHYADDR", true, 3, 46, true },
		{ "CR3[63] with CR4.PCIDE = 0", true, 3, 63, true },
		/* CR4 bits of features vtsim does not implement are reserved. */
		{ "CR4.VME", true, 4, 0, true },       { "CR4.PVI", true, 4, 1, true },
		{ "CR4.MCE", true, 4, 6, true },       { "CR4.OSFXSR", true, 4, 9, true },
		{ "CR4.OSXMMEXCPT", true, 4, 10, true }, { "CR4.FSGSBASE", true, 4, 16, true },
		{ "CR4.OSXSAVE", true, 4, 18, true },  { "CR4.PKE", true, 4, 22, true },
		{ "CR4.OSFXSR (prot32)", false, 4, 9, true },
	};
	static const enum vt_reg crs[] = { [0] = VT_CR0, [3] = VT_CR3, [4] = VT_CR4 };
	for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
		struct machine *m = world(t[k].l64 ? START_LONG64 : START_PROT32);
		uint8_t code[16];
		size_t n = flip_cr(code, t[k].l64, t[k].cr, t[k].bit, t[k].set);
		uint64_t before = reg(m, crs[t[k].cr]), efer = reg(m, VT_EFER);
		cr_log_info("case: %s", t[k].what);
		run_expect(m, code, n, GP, 0, n - 3);
		cr_assert_eq(reg(m, crs[t[k].cr]), before, "%s: register changed", t[k].what);
		cr_assert_eq(reg(m, VT_EFER), efer);
		machine_free(m);
	}
}

/* The bits vtsim implements are accepted: TSD DE PSE PGE PCE UMIP SMEP
 * SMAP (paging is off, so SMEP and SMAP restrict nothing yet). */
Test(sysreg, cr4_implemented_bits_accepted)
{
	static const uint8_t code[] = {
		0x0f, 0x20, 0xe0,             /* mov eax, cr4 */
		0x0d, 0x9c, 0x09, 0x30, 0x00, /* or eax, 0x30099c */
		0x0f, 0x22, 0xe0,             /* mov cr4, eax */
	};
	struct machine *m = world(START_PROT32);
	run_clean(m, code, sizeof code);
	cr_assert_eq(reg(m, VT_CR4), 0x30099c);
	machine_free(m);
}

Test(sysreg, cr0_pg_without_pe_gp)
{
	static const uint8_t code[] = {
		0xb8, 0x10, 0x00, 0x00, 0x80, /* mov eax, 0x80000010 */
		0x0f, 0x22, 0xc0,             /* mov cr0, eax */
	};
	struct machine *m = world(START_PROT32);
	run_expect(m, code, sizeof code, GP, 0, 5);
	cr_assert_eq(reg(m, VT_CR0) & 0x80000001u, 1, "PE kept, PG not set");
	machine_free(m);
}

/* Enabling paging with EFER.LME = 1 but CR4.PAE = 0 (SDM Vol. 3A, 10.8.5). */
Test(sysreg, cr0_pg_lme_without_pae_gp)
{
	uint8_t code[16];
	size_t n = flip_cr(code, false, 0, 31, true);
	struct machine *m = world(START_PROT32);
	cr_assert(machine_msr_set(m, 0xc0000080, 1u << 8));
	machine_reg_set(m, VT_CR3, 0x30000);
	run_expect(m, code, n, GP, 0, n - 3);
	cr_assert_eq(reg(m, VT_CR0) >> 31, 0, "paging stays off");
	cr_assert_eq(reg(m, VT_EFER), 1u << 8, "LME set, LMA not");
	machine_free(m);
}

/* PCIDE may be set only with CR3[11:0] = 0 (SDM Vol. 3A, 4.10.1); once it
 * is, CR3 bit 63 is the no-flush hint: accepted, not stored. */
Test(sysreg, cr4_pcide_and_cr3)
{
	static const uint8_t pwt[] = {
		0x0f, 0x20, 0xd8,       /* mov rax, cr3 */
		0x48, 0x83, 0xc8, 0x08, /* or rax, 8 */
		0x0f, 0x22, 0xd8,       /* mov cr3, rax */
	};
	uint8_t pcide[16], nf[16];
	size_t n = flip_cr(pcide, true, 4, 17, true), n2 = flip_cr(nf, true, 3, 63, true);
	struct machine *m = world(START_LONG64);
	uint64_t cr3 = reg(m, VT_CR3);
	run_clean(m, pwt, sizeof pwt); /* PWT: fine while PCIDE = 0 */
	run_expect(m, pcide, n, GP, 0, n - 3);
	cr_assert_eq(reg(m, VT_CR4) & (1u << 17), 0);
	machine_free(m);

	m = world(START_LONG64);
	run_clean(m, pcide, n);
	cr_assert_neq(reg(m, VT_CR4) & (1u << 17), 0);
	run_clean(m, nf, n2);
	cr_assert_eq(reg(m, VT_CR3), cr3);
	machine_free(m);
}

/* MOV CR at CPL 3 is #GP(0); CR1, CR5-7, CR9-15 do not exist (#UD); CR8
 * needs REX.R in 64-bit mode, and LOCK MOV CR0 (AMD's CR8 alias) is #UD. */
Test(sysreg, mov_cr_ud_and_cpl3)
{
	static const uint8_t rd_cr0[] = { 0x0f, 0x20, 0xc0 };       /* mov rax, cr0 */
	static const uint8_t wr_cr3[] = { 0x0f, 0x22, 0xd8 };       /* mov cr3, rax */
	static const uint8_t cr1[] = { 0x0f, 0x20, 0xc8 };          /* mov eax, cr1 */
	static const uint8_t cr5[] = { 0x0f, 0x22, 0xe8 };          /* mov cr5, eax */
	static const uint8_t cr9[] = { 0x44, 0x0f, 0x20, 0xc8 };    /* mov rax, cr9 */
	static const uint8_t lock[] = { 0xf0, 0x0f, 0x20, 0xc0 };   /* lock mov eax, cr0 */
	static const struct { const uint8_t *c; size_t n; bool l64, cpl3; int vec; } t[] = {
		{ rd_cr0, 3, true, true, GP }, { wr_cr3, 3, true, true, GP },
		{ cr1, 3, false, false, UD },  { cr5, 3, false, false, UD },
		{ cr9, 4, true, false, UD },   { lock, 4, false, false, UD },
	};
	for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
		struct machine *m = world(t[k].l64 ? START_LONG64 : START_PROT32);
		uint64_t cr3 = reg(m, VT_CR3);
		if (t[k].cpl3)
			to_ring3(m);
		machine_reg_set(m, VT_RAX, 0x5555);
		run_expect(m, t[k].c, t[k].n, t[k].vec, t[k].vec == GP ? 0 : -1, 0);
		cr_assert_eq(reg(m, VT_RAX), 0x5555, "case %zu", k);
		cr_assert_eq(reg(m, VT_CR3), cr3);
		machine_free(m);
	}
}

/* MOV to CR8 with bits 63:4 set is #GP(0); 0-15 is accepted. */
Test(sysreg, cr8_reserved_bits_gp)
{
	static const uint8_t code[] = {
		0x44, 0x0f, 0x22, 0xc0, /* mov cr8, rax */
	};
	struct machine *m = world(START_LONG64);
	machine_reg_set(m, VT_RAX, 0xf);
	run_clean(m, code, sizeof code);
	machine_reg_set(m, VT_RAX, 0x10);
	run_expect(m, code, sizeof code, GP, 0, 0);
	machine_free(m);
}

/* ---- PAE paging from 32-bit protected mode and the PDPTE registers ---- */

/*
 * PAE tables (SDM Vol. 3A, 4.4): PDPT at 30000h, PDPTE 0 -> PD 31000h
 * (identity for the first GiB, 2-MiB pages), PDPTE 1 -> PD 32000h, which
 * maps 40000000h to physical 0. PD 33000h maps 40000000h to 200000h.
 * Physical 8000h and 208000h hold markers.
 */
#define PDPT 0x30000ull
static void pae_tables(struct machine *m)
{
	for (uint64_t i = 0; i < 512; i++)
		tm_poke(m, 0x31000 + 8 * i, 8, (i << 21) | 0x83);
	tm_poke(m, 0x32000, 8, 0x000000 | 0x83);
	tm_poke(m, 0x33000, 8, 0x200000 | 0x83);
	tm_poke(m, PDPT, 8, 0x31001);
	tm_poke(m, PDPT + 8, 8, 0x32001);
	tm_poke(m, 0x8000, 4, 0x11111111);
	tm_poke(m, 0x208000, 4, 0x22222222);
}

static const uint8_t pae_on[] = {
	0x0f, 0x20, 0xe0,             /* mov eax, cr4 */
	0x83, 0xc8, 0x20,             /* or eax, 0x20 */
	0x0f, 0x22, 0xe0,             /* mov cr4, eax */
	0xb8, 0x00, 0x00, 0x03, 0x00, /* mov eax, 0x30000 */
	0x0f, 0x22, 0xd8,             /* mov cr3, eax */
	0x0f, 0x20, 0xc0,             /* mov eax, cr0 */
	0x0d, 0x00, 0x00, 0x00, 0x80, /* or eax, 0x80000000 */
	0x0f, 0x22, 0xc0,             /* mov cr0, eax */
};

/*
 * With PAE paging on, point the in-memory PDPTE 1 at the other PD. The
 * processor keeps using its PDPTE registers, loaded by MOV CR0/CR3 (SDM
 * Vol. 3A, 4.4.1 "PDPTE Registers"); INVLPG does not reload them, the next
 * MOV CR3 does.
 */
Test(sysreg, pae_paging_and_pdpte_registers)
{
	static const uint8_t code[] = {
		0x8b, 0x1d, 0x00, 0x80, 0x00, 0x40,                         /* mov ebx, [0x40008000] */
		0xc7, 0x05, 0x08, 0x00, 0x03, 0x00, 0x01, 0x30, 0x03, 0x00, /* mov dword [0x30008], 0x33001 */
		0x0f, 0x01, 0x3d, 0x00, 0x80, 0x00, 0x40,                   /* invlpg [0x40008000] */
		0x8b, 0x0d, 0x00, 0x80, 0x00, 0x40,                         /* mov ecx, [0x40008000] */
		0x0f, 0x20, 0xd8,                                           /* mov eax, cr3 */
		0x0f, 0x22, 0xd8,                                           /* mov cr3, eax */
		0x8b, 0x15, 0x00, 0x80, 0x00, 0x40,                         /* mov edx, [0x40008000] */
	};
	struct machine *m = world(START_PROT32);
	pae_tables(m);
	run_clean(m, pae_on, sizeof pae_on);
	cr_assert_neq(reg(m, VT_CR0) & (1u << 31), 0);
	cr_assert_eq(reg(m, VT_EFER) & (1u << 10), 0, "PAE paging, not IA-32e");
	run_clean(m, code, sizeof code);
	cr_assert_eq(reg(m, VT_RBX), 0x11111111, "40008000h -> 8000h through PDPTE 1");
	cr_assert_eq(reg(m, VT_RCX), 0x11111111, "the PDPTE register still holds the old entry");
	cr_assert_eq(reg(m, VT_RDX), 0x22222222, "MOV CR3 reloaded the PDPTEs");
	machine_free(m);
}

/* A present PDPTE with a reserved bit (2:1, 8:5, 63:MAXPHYADDR) makes MOV
 * CR3 #GP(0), CR3 unchanged; a not-present PDPTE is not checked. */
Test(sysreg, pae_bad_pdpte_mov_cr3_gp)
{
	static const uint8_t load[] = {
		0xb8, 0x00, 0x40, 0x03, 0x00,       /* mov eax, 0x34000 */
		0x0f, 0x22, 0xd8,                   /* mov cr3, eax */
		0x8b, 0x1d, 0x00, 0x80, 0x00, 0x40, /* mov ebx, [0x40008000] */
	};
	static const uint64_t bad[] = { 0x33003, 0x33021, 0x33101, 0x33001 | (1ull << 46) };
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		struct machine *m = world(START_PROT32);
		pae_tables(m);
		run_clean(m, pae_on, sizeof pae_on);
		tm_poke(m, 0x34000, 8, 0x31001);
		tm_poke(m, 0x34008, 8, bad[k]);
		tm_poke(m, 0x34018, 8, 0x1e6);
		run_expect(m, load, sizeof load, GP, 0, 5);
		cr_assert_eq(reg(m, VT_CR3), PDPT, "PDPTE %#lx", (unsigned long)bad[k]);
		tm_poke(m, 0x34008, 8, 0x33001);
		run_clean(m, load, sizeof load);
		cr_assert_eq(reg(m, VT_CR3), 0x34000);
		cr_assert_eq(reg(m, VT_RBX), 0x22222222);
		machine_free(m);
	}
}

/* Enabling PAE paging loads the PDPTEs too: a bad one makes MOV CR0 #GP(0). */
Test(sysreg, pae_bad_pdpte_mov_cr0_gp)
{
	struct machine *m = world(START_PROT32);
	pae_tables(m);
	tm_poke(m, PDPT + 16, 8, 0x33005);
	run_expect(m, pae_on, sizeof pae_on, GP, 0, sizeof pae_on - 3);
	cr_assert_eq(reg(m, VT_CR0) >> 31, 0);
	machine_free(m);
}

/* ---- CLTS, LMSW, SMSW ---- */

Test(sysreg, clts)
{
	static const uint8_t clts[] = { 0x0f, 0x06 }; /* clts */
	struct machine *m = world(START_PROT32);
	machine_reg_set(m, VT_CR0, reg(m, VT_CR0) | 8);
	run_clean(m, clts, sizeof clts);
	cr_assert_eq(reg(m, VT_CR0) & 8, 0, "TS cleared");
	machine_reg_set(m, VT_CR0, reg(m, VT_CR0) | 8);
	to_ring3(m);
	run_expect(m, clts, sizeof clts, GP, 0, 0);
	cr_assert_eq(reg(m, VT_CR0) & 8, 8);
	machine_free(m);
}

/* LMSW loads CR0[3:0] only and can set PE but not clear it (SDM Vol. 2A, LMSW). */
Test(sysreg, lmsw)
{
	static const uint8_t lmsw[] = { 0x0f, 0x01, 0xf0 }; /* lmsw ax */
	struct machine *m = world(START_PROT32);
	uint64_t cr0 = reg(m, VT_CR0);
	machine_reg_set(m, VT_RAX, 0x2e);
	run_clean(m, lmsw, sizeof lmsw);
	cr_assert_eq(reg(m, VT_CR0), cr0 | 0xe, "MP EM TS set; bit 5 (NE) untouched");
	machine_reg_set(m, VT_RAX, 0);
	run_clean(m, lmsw, sizeof lmsw);
	cr_assert_eq(reg(m, VT_CR0), cr0, "MP EM TS cleared, PE kept");
	to_ring3(m);
	run_expect(m, lmsw, sizeof lmsw, GP, 0, 0);
	machine_free(m);

	m = tm_new(START_REAL16); /* in real mode LMSW enters protected mode */
	machine_reg_set(m, VT_RAX, 1);
	cr_assert_eq(tm_run_bytes(m, lmsw, sizeof lmsw), STOP_HLT);
	cr_assert_eq(reg(m, VT_CR0) & 1, 1);
	machine_free(m);
}

/* SMSW: a 32-bit register receives CR0, memory its low 16 bits. CR4.UMIP
 * makes it #GP(0) at CPL > 0 only (SDM Vol. 3A, 2.5). */
Test(sysreg, smsw_and_umip)
{
	static const uint8_t code[] = {
		0x0f, 0x01, 0xe0,                         /* smsw eax */
		0x0f, 0x01, 0x25, 0x00, 0x80, 0x00, 0x00, /* smsw [0x8000] */
	};
	struct machine *m = world(START_PROT32);
	tm_poke(m, 0x8000, 4, 0xaaaaaaaa);
	machine_reg_set(m, VT_CR0, reg(m, VT_CR0) | (1u << 16)); /* WP, above bit 15 */
	run_clean(m, code, sizeof code);
	cr_assert_eq(reg(m, VT_RAX), reg(m, VT_CR0));
	cr_assert_eq(tm_peek(m, 0x8000, 4), 0xaaaa0000 | (reg(m, VT_CR0) & 0xffff));
	to_ring3(m);
	run_expect(m, code, 3, GP, 0, 3); /* no UMIP: fine at CPL 3 */
	machine_free(m);

	m = world(START_PROT32);
	flip_ok(m, false, 4, 11);
	run_clean(m, code, 3); /* UMIP, CPL 0: fine */
	to_ring3(m);
	machine_reg_set(m, VT_RAX, 0x77);
	run_expect(m, code, 3, GP, 0, 0);
	cr_assert_eq(reg(m, VT_RAX), 0x77);
	machine_free(m);
}

/* ---- The time-stamp counter ---- */

static const uint8_t tsc_code[] = {
	0x0f, 0x31,                                                 /* rdtsc */
	0x89, 0xc6,                                                 /* mov esi, eax */
	0x89, 0xd7,                                                 /* mov edi, edx */
	0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, /* nop x 10 */
	0x0f, 0x31,                                                 /* rdtsc */
};

static uint64_t edx_eax(struct machine *m)
{
	return (reg(m, VT_RDX) << 32) | (reg(m, VT_RAX) & 0xffffffff);
}

static uint64_t edi_esi(struct machine *m)
{
	return (reg(m, VT_RDI) << 32) | (reg(m, VT_RSI) & 0xffffffff);
}

/* RDTSC reads the modelled cycle count (IA32_TSC starts equal to it),
 * exactly, also in the middle of a decoded block. Paging is off so that no
 * page walk is charged between the readings. */
Test(sysreg, rdtsc_counts_cycles_exactly)
{
	uint64_t diff[2];
	for (int k = 0; k < 2; k++) {
		struct machine *m = world(START_PROT32);
		uint64_t c0 = machine_cycles(m);
		run_clean(m, tsc_code, sizeof tsc_code);
		cr_assert_eq(edi_esi(m), c0, "first RDTSC: %lu, cycles %lu", (unsigned long)edi_esi(m),
			     (unsigned long)c0);
		cr_assert_gt(edx_eax(m), edi_esi(m));
		diff[k] = edx_eax(m) - edi_esi(m);
		machine_free(m);
	}
	cr_assert_eq(diff[0], diff[1], "the same program, the same cycles");

	/* Single-stepped, the second RDTSC reads the counter as it stands
	 * before it, and the difference is the whole-block run's. */
	struct machine *m = world(START_PROT32);
	tm_load(m, tsc_code, sizeof tsc_code);
	for (int n = 0; n < 13; n++)
		cr_assert_eq(machine_run(m, 1), STOP_MAX_INSNS);
	uint64_t before = machine_cycles(m);
	cr_assert_eq(machine_run(m, 1), STOP_MAX_INSNS);
	cr_assert_eq(edx_eax(m), before);
	cr_assert_eq(edx_eax(m) - edi_esi(m), diff[0]);
	machine_free(m);
}

/* CR4.TSD restricts RDTSC to CPL 0 (SDM Vol. 2B, RDTSC). */
Test(sysreg, rdtsc_tsd_at_cpl3_gp)
{
	static const uint8_t rdtsc[] = { 0x0f, 0x31 }; /* rdtsc */
	struct machine *m = world(START_LONG64);
	to_ring3(m);
	run_expect(m, rdtsc, sizeof rdtsc, GP, 0, sizeof rdtsc); /* reaches the HLT */
	machine_free(m);
	m = world(START_LONG64);
	flip_ok(m, true, 4, 2);
	run_clean(m, rdtsc, sizeof rdtsc);
	to_ring3(m);
	machine_reg_set(m, VT_RAX, 0x99);
	run_expect(m, rdtsc, sizeof rdtsc, GP, 0, 0);
	cr_assert_eq(reg(m, VT_RAX), 0x99);
	machine_free(m);
}

/* RDTSCP also loads ECX with IA32_TSC_AUX; WRMSR to IA32_TSC sets the
 * counter: RDTSC right after reads the value plus the WRMSR's cycles. */
Test(sysreg, rdtscp_and_wrmsr_tsc)
{
	static const uint8_t code[] = {
		0x0f, 0x30,       /* wrmsr */
		0x0f, 0x01, 0xf9, /* rdtscp */
	};
	struct machine *m = world(START_LONG64);
	machine_reg_set(m, VT_RCX, 0xc0000103);
	machine_reg_set(m, VT_RAX, 0x1234abcd);
	machine_reg_set(m, VT_RDX, 0);
	run_clean(m, code, sizeof code);
	cr_assert_eq(reg(m, VT_RCX), 0x1234abcd);
	machine_reg_set(m, VT_RCX, 0x10);
	machine_reg_set(m, VT_RAX, 0x89abcdef);
	machine_reg_set(m, VT_RDX, 0x10);
	run_clean(m, code, sizeof code);
	uint64_t t = edx_eax(m), v = 0x1089abcdefull, now;
	cr_assert(t >= v && t < v + 1000, "TSC %#lx after writing %#lx", (unsigned long)t, (unsigned long)v);
	cr_assert(machine_msr_get(m, 0x10, &now));
	cr_assert(now >= t && now < t + 1000);
	machine_free(m);
}

/* ---- RDMSR / WRMSR over the MSR table ---- */

static const uint8_t wrmsr[] = { 0x0f, 0x30 };             /* wrmsr */
static const uint8_t rdmsr[] = { 0x0f, 0x32 };             /* rdmsr */
static const uint8_t wrmsr_rdmsr[] = { 0x0f, 0x30, 0x0f, 0x32 }; /* wrmsr; rdmsr */

/* ECX = msr, EDX:EAX = v, with junk in bits 63:32 that WRMSR ignores. */
static void set_msr_regs(struct machine *m, uint32_t msr, uint64_t v)
{
	machine_reg_set(m, VT_RCX, msr);
	machine_reg_set(m, VT_RAX, 0xdead000000000000ull | (v & 0xffffffff));
	machine_reg_set(m, VT_RDX, 0xbeef000000000000ull | (v >> 32));
}

/* Every MSR in the table reads back what WRMSR wrote (IA32_EFER with LMA,
 * which WRMSR cannot change); the API sees the same value and the name. */
Test(sysreg, msr_table_round_trip)
{
	static const struct { uint32_t msr; uint64_t v, back; const char *name; } t[] = {
		{ 0x3a, 0x4, 0x4, "IA32_FEATURE_CONTROL" },
		{ 0x174, 0x0008, 0x0008, "IA32_SYSENTER_CS" },
		{ 0x175, 0xffff800012345678ull, 0xffff800012345678ull, "IA32_SYSENTER_ESP" },
		{ 0x176, 0x00007fff12345678ull, 0x00007fff12345678ull, "IA32_SYSENTER_EIP" },
		{ 0x1a0, 0, 0, "IA32_MISC_ENABLE" },
		{ 0x277, 0x0007060504010000ull, 0x0007060504010000ull, "IA32_PAT" },
		{ 0xc0000080, 0x901, 0xd01, "IA32_EFER" },
		{ 0xc0000081, 0x12345678deadbeefull, 0x12345678deadbeefull, "IA32_STAR" },
		{ 0xc0000082, 0xffffffff80001000ull, 0xffffffff80001000ull, "IA32_LSTAR" },
		{ 0xc0000083, 0x00007fffffff0000ull, 0x00007fffffff0000ull, "IA32_CSTAR" },
		{ 0xc0000084, 0x47700, 0x47700, "IA32_FMASK" },
		{ 0xc0000100, 0x00007fff00001000ull, 0x00007fff00001000ull, "IA32_FS_BASE" },
		{ 0xc0000101, 0xffff888000000000ull, 0xffff888000000000ull, "IA32_GS_BASE" },
		{ 0xc0000102, 0xffff800000000000ull, 0xffff800000000000ull, "IA32_KERNEL_GS_BASE" },
		{ 0xc0000103, 0xffffffff, 0xffffffff, "IA32_TSC_AUX" },
	};
	struct machine *m = world(START_LONG64);
	for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
		uint64_t v;
		set_msr_regs(m, t[k].msr, t[k].v);
		run_clean(m, wrmsr_rdmsr, sizeof wrmsr_rdmsr);
		cr_assert_eq(reg(m, VT_RAX), t[k].back & 0xffffffff, "%s: RAX %#lx", t[k].name,
			     (unsigned long)reg(m, VT_RAX));
		cr_assert_eq(reg(m, VT_RDX), t[k].back >> 32, "%s: RDX", t[k].name);
		cr_assert(machine_msr_get(m, t[k].msr, &v));
		cr_assert_eq(v, t[k].back);
		cr_assert_str_eq(machine_msr_name(t[k].msr), t[k].name);
	}
	cr_assert_eq(reg(m, VT_GS_BASE), 0xffff888000000000ull, "IA32_GS_BASE is GS.base");
	machine_free(m);
}

/* A reserved bit, an invalid PAT type, a non-canonical address where one is
 * required, or any write to a locked IA32_FEATURE_CONTROL: #GP(0), value kept
 * (SDM Vol. 2B, WRMSR; Vol. 3A, 13.12.2 for IA32_PAT). */
Test(sysreg, msr_write_gp)
{
	static const struct { uint32_t msr; uint64_t v; } t[] = {
		{ 0x3a, 1u << 3 }, { 0x174, 1u << 16 }, { 0x1a0, 2 },
		{ 0x277, 0x0007040600070402ull }, { 0x277, 0x0007040600070408ull },
		{ 0xc0000080, 0xd03 }, { 0xc0000080, 0xd01 | (1u << 12) },
		{ 0xc0000084, 1ull << 32 }, { 0xc0000103, 1ull << 32 },
		{ 0x175, 1ull << 63 }, { 0x176, 1ull << 63 }, { 0xc0000082, 1ull << 63 },
		{ 0xc0000100, 1ull << 63 }, { 0xc0000101, 1ull << 63 }, { 0xc0000102, 1ull << 63 },
		{ 0xc0000080, 0xc01 },  /* clearing EFER.LME while paging is on (Vol. 3A, 10.8.5) */
		{ 0x12345678, 0 },      /* no such MSR */
	};
	for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
		struct machine *m = world(START_LONG64);
		uint64_t before = 0, after = 0;
		bool exists = machine_msr_get(m, t[k].msr, &before);
		set_msr_regs(m, t[k].msr, t[k].v);
		cr_log_info("MSR %#x value %#lx", t[k].msr, (unsigned long)t[k].v);
		run_expect(m, wrmsr, sizeof wrmsr, GP, 0, 0);
		cr_assert_eq(machine_msr_get(m, t[k].msr, &after), exists);
		cr_assert_eq(after, before, "MSR %#x changed", t[k].msr);
		cr_assert(!machine_msr_set(m, t[k].msr, t[k].v), "the API refuses it too");
		machine_free(m);
	}
}

/* Once its lock bit is set, IA32_FEATURE_CONTROL refuses every write until reset. */
Test(sysreg, feature_control_lock)
{
	struct machine *m = world(START_LONG64);
	uint64_t v;
	set_msr_regs(m, 0x3a, 0x5);
	run_clean(m, wrmsr, sizeof wrmsr);
	set_msr_regs(m, 0x3a, 0x1);
	run_expect(m, wrmsr, sizeof wrmsr, GP, 0, 0);
	cr_assert(machine_msr_get(m, 0x3a, &v));
	cr_assert_eq(v, 5);
	cr_assert(!machine_msr_set(m, 0x3a, 0x5));
	machine_free(m);
}

/* RDMSR of an unknown MSR, or at CPL 3: #GP(0), EDX:EAX untouched. With
 * paging off, WRMSR may set EFER.LME but its write of LMA is ignored. */
Test(sysreg, rdmsr_gp_and_efer_lma)
{
	struct machine *m = world(START_LONG64);
	set_msr_regs(m, 0x12345678, 0x1111222233334444ull);
	run_expect(m, rdmsr, sizeof rdmsr, GP, 0, 0);
	cr_assert_eq(edx_eax(m), 0x1111222233334444ull);
	cr_assert_null(machine_msr_name(0x12345678));
	to_ring3(m);
	set_msr_regs(m, 0xc0000080, 0);
	run_expect(m, rdmsr, sizeof rdmsr, GP, 0, 0);
	cr_assert_eq(reg(m, VT_RAX) & 0xffffffff, 0);
	machine_free(m);

	m = world(START_PROT32);
	set_msr_regs(m, 0xc0000080, 0x500);
	run_clean(m, wrmsr_rdmsr, sizeof wrmsr_rdmsr);
	cr_assert_eq(reg(m, VT_RAX), 0x100, "LME set, LMA not");
	machine_free(m);
}

/* ---- CPUID (SDM Vol. 2A, CPUID, Table 3-8) ---- */

static void cpuid(struct machine *m, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	static const uint8_t code[] = { 0x0f, 0xa2 }; /* cpuid */
	machine_reg_set(m, VT_RAX, leaf);
	machine_reg_set(m, VT_RCX, sub);
	run_clean(m, code, sizeof code);
	out[0] = (uint32_t)reg(m, VT_RAX);
	out[1] = (uint32_t)reg(m, VT_RBX);
	out[2] = (uint32_t)reg(m, VT_RCX);
	out[3] = (uint32_t)reg(m, VT_RDX);
}

#define BIT(n) (1u << (n))

/* CPUID reports what vtsim implements and nothing else. */
Test(sysreg, cpuid_features)
{
	struct machine *m = world(START_LONG64);
	uint32_t r[4];
	char vendor[13] = { 0 }, brand[49] = { 0 };
	cpuid(m, 0, 0, r);
	cr_assert_geq(r[0], 7, "leaf 7 exists");
	memcpy(vendor, &r[1], 4);
	memcpy(vendor + 4, &r[3], 4);
	memcpy(vendor + 8, &r[2], 4);
	cr_assert_str_eq(vendor, "GenuineIntel");

	cpuid(m, 1, 0, r);
	uint32_t yes = BIT(2) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(8) | BIT(11) | BIT(13) | BIT(15);
	uint32_t no = BIT(0) | BIT(7) | BIT(12) | BIT(14) | BIT(19) | BIT(23) | BIT(24) | BIT(25) | BIT(26);
	cr_assert_eq(r[3] & yes, yes, "DE PSE TSC MSR PAE CX8 SEP PGE CMOV: %#x", r[3]);
	cr_assert_eq(r[3] & no, 0, "no FPU MCE MTRR MCA CLFSH MMX FXSR SSE SSE2: %#x", r[3]);
	cr_assert_neq(r[2] & BIT(17), 0, "PCID");
	cr_assert_eq(r[2] & (BIT(0) | BIT(3) | BIT(9) | BIT(26) | BIT(27) | BIT(28)), 0,
		     "no SSE3 MONITOR SSSE3 XSAVE OSXSAVE AVX: %#x", r[2]);

	cpuid(m, 7, 0, r);
	cr_assert_eq(r[1] & (BIT(7) | BIT(10) | BIT(20)), BIT(7) | BIT(10) | BIT(20), "SMEP INVPCID SMAP");
	cr_assert_eq(r[1] & BIT(0), 0, "no FSGSBASE");
	cr_assert_eq(r[2] & (BIT(2) | BIT(16)), BIT(2) | BIT(16), "UMIP LA57: %#x", r[2]);

	cpuid(m, 0x80000000, 0, r);
	cr_assert_geq(r[0], 0x80000008);
	cpuid(m, 0x80000001, 0, r);
	uint32_t ext = BIT(11) | BIT(20) | BIT(26) | BIT(27) | BIT(29);
	cr_assert_eq(r[3] & ext, ext, "SYSCALL NX 1G-pages RDTSCP LM: %#x", r[3]);
	cr_assert_neq(r[2] & BIT(0), 0, "LAHF/SAHF in 64-bit mode");
	for (uint32_t k = 0; k < 3; k++) {
		cpuid(m, 0x80000002 + k, 0, r);
		memcpy(brand + 16 * k, r, 16);
	}
	cr_assert_not_null(strstr(brand, "vtsim"), "brand \"%s\"", brand);
	for (size_t k = 0; brand[k]; k++)
		cr_assert(brand[k] >= 0x20 && brand[k] < 0x7f);
	cpuid(m, 0x80000008, 0, r);
	cr_assert_eq(r[0] & 0xff, 46, "MAXPHYADDR, as MOV CR3 enforces");
	cr_assert_eq((r[0] >> 8) & 0xff, 57, "linear-address width with LA57");
	machine_free(m);
}

/* A leaf above the maximum returns the highest basic leaf's data (SDM Vol.
 * 2A, CPUID: "If a value entered for CPUID.EAX is higher than the maximum
 * input value for basic or extended function ..."). */
Test(sysreg, cpuid_above_maximum)
{
	struct machine *m = world(START_LONG64);
	uint32_t max[4], top[4], r[4];
	cpuid(m, 0, 0, max);
	cpuid(m, max[0], 0, top);
	const uint32_t leaves[] = { max[0] + 1, 0x20, 0x40000000, 0x8000ffff };
	for (size_t k = 0; k < sizeof leaves / sizeof leaves[0]; k++) {
		cpuid(m, leaves[k], 0, r);
		cr_assert_eq(memcmp(r, top, sizeof r), 0, "leaf %#x", leaves[k]);
	}
	machine_free(m);
}

/* ---- Absent features, the FPU, STAC/CLAC, INVPCID, RDPMC, MOV DR ---- */

/*
 * x87 and MMX under CR0.EM/MP/TS (SDM Vol. 3A, 2.5, Table 2-2): x87 with
 * EM or TS is #NM; MMX with EM is #UD, else with TS #NM. Without EM/TS,
 * vtsim, which has no FPU (CPUID.01H:EDX.FPU = 0), raises #UD. MONITOR and
 * MWAIT: CPUID.01H:ECX.MONITOR = 0, so #UD.
 */
enum { CR0_MP = 2, CR0_EM = 4, CR0_TS = 8 };
struct fpu_case { const uint8_t *c; size_t n; unsigned cr0; int vec; };

static void fpu_cases(const struct fpu_case *t, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		struct machine *m = world(START_PROT32);
		machine_reg_set(m, VT_CR0, reg(m, VT_CR0) | t[k].cr0);
		cr_log_info("case %zu: opcode %02x, CR0 bits %#x", k, t[k].c[0], t[k].cr0);
		run_expect(m, t[k].c, t[k].n, t[k].vec, -1, 0);
		machine_free(m);
	}
}

Test(sysreg, fpu_and_absent_features)
{
	static const uint8_t fninit[] = { 0xdb, 0xe3 };        /* fninit */
	static const uint8_t emms[] = { 0x0f, 0x77 };          /* emms */
	static const uint8_t monitor[] = { 0x0f, 0x01, 0xc8 }; /* monitor */
	static const uint8_t mwait[] = { 0x0f, 0x01, 0xc9 };   /* mwait */
	static const struct fpu_case t[] = {
		{ fninit, 2, 0, UD }, { fninit, 2, CR0_EM, NM }, { fninit, 2, CR0_TS, NM },
		{ fninit, 2, CR0_MP | CR0_TS, NM }, { emms, 2, 0, UD }, { emms, 2, CR0_EM, UD },
		{ emms, 2, CR0_EM | CR0_TS, UD }, { emms, 2, CR0_TS, NM },
		{ monitor, 3, 0, UD }, { mwait, 3, 0, UD },
	};
	fpu_cases(t, sizeof t / sizeof t[0]);
}

/* WAIT/FWAIT is #NM only with MP = 1 and TS = 1; EM does not matter (Table
 * 2-2: "Execute" for WAIT in every EM = 1 row and with MP = 0), and Vol.
 * 2B, WAIT/FWAIT lists no #UD: it never needs the missing FPU. */
Test(sysreg, wait_nm_only_with_mp_and_ts)
{
	static const uint8_t wait[] = { 0x9b }; /* wait */
	static const struct fpu_case t[] = {
		{ wait, 1, CR0_MP | CR0_TS, NM }, { wait, 1, CR0_TS, -1 }, { wait, 1, CR0_EM, -1 },
		{ wait, 1, CR0_EM | CR0_TS, -1 }, { wait, 1, 0, -1 },
	};
	fpu_cases(t, sizeof t / sizeof t[0]);
}

static const uint8_t stac_clac_code[] = {
	0x0f, 0x01, 0xcb, /* stac */
	0x9c,             /* pushfq */
	0x5b,             /* pop rbx */
	0x0f, 0x01, 0xca, /* clac */
	0x9c,             /* pushfq */
	0x59,             /* pop rcx */
};

Test(sysreg, stac_clac)
{
	struct machine *m = world(START_LONG64);
	run_clean(m, stac_clac_code, sizeof stac_clac_code);
	cr_assert_neq(reg(m, VT_RBX) & (1u << 18), 0, "STAC sets AC");
	cr_assert_eq(reg(m, VT_RCX) & (1u << 18), 0, "CLAC clears it");
	machine_free(m);
}

/* At CPL > 0 STAC and CLAC are #UD, not #GP (SDM Vol. 2B, STAC and CLAC,
 * "Protected Mode Exceptions": #UD "If the CPL > 0"). */
Test(sysreg, stac_clac_at_cpl3_ud)
{
	for (int k = 0; k < 2; k++) {
		struct machine *m = world(START_LONG64);
		to_ring3(m);
		run_expect(m, stac_clac_code + 5 * k, 3, UD, -1, 0);
		machine_free(m);
	}
}

/* INVPCID type (RAX) and descriptor at [RBX] (SDM Vol. 2A, INVPCID). */
Test(sysreg, invpcid_checks)
{
	static const uint8_t code[] = {
		0x66, 0x48, 0x0f, 0x38, 0x82, 0x03, /* invpcid rax, [rbx] */
	};
	enum { OK = 1, CPL3 = 2 };
	static const struct { uint64_t type, pcid, la; int how; } t[] = {
		{ 0, 0, 0x1000, OK }, { 1, 0, 0x1000, OK }, { 2, 0, 0x1000, OK }, { 3, 0, 0x1000, OK },
		{ 4, 0, 0x1000, 0 }, { 1ull << 32, 0, 0x1000, 0 }, /* the whole register is the type */
		{ 2, 1ull << 12, 0, 0 },                         /* descriptor bits 63:12 */
		{ 0, 5, 0x1000, 0 }, { 1, 5, 0x1000, 0 },        /* PCID 5 with CR4.PCIDE = 0 */
		{ 2, 5, 0x1000, OK },                            /* types 2/3 ignore the PCID */
		{ 0, 0, 1ull << 63, 0 }, { 1, 0, 1ull << 63, OK }, /* the address: type 0 only */
		{ 2, 0, 0, CPL3 },
	};
	for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
		struct machine *m = world(START_LONG64);
		tm_poke(m, TM_DATA, 8, t[k].pcid);
		tm_poke(m, TM_DATA + 8, 8, t[k].la);
		machine_reg_set(m, VT_RAX, t[k].type);
		machine_reg_set(m, VT_RBX, TM_DATA);
		if (t[k].how & CPL3)
			to_ring3(m);
		cr_log_info("case %zu", k);
		run_expect(m, code, sizeof code, t[k].how & OK ? -1 : GP, 0, 0);
		machine_free(m);
	}
}

/* INVPCID also works in real-address mode, with the same #GP checks (SDM
 * Vol. 2A, INVPCID, "Real-Address Mode Exceptions": #GP for the operand
 * checks, #UD only for LOCK or a missing CPUID feature; virtual-8086 mode
 * alone does not recognise it, and that is #GP(0)). */
Test(sysreg, invpcid_in_real_mode)
{
	static const uint8_t code[] = {
		0x66, 0x0f, 0x38, 0x82, 0x07, /* invpcid eax, [bx] */
	};
	for (uint64_t type = 0; type < 5; type += 4) {
		struct machine *m = tm_new(START_REAL16);
		struct xlog l;
		xlog_attach(m, &l);
		tm_poke(m, 4 * UD, 4, 0x500); /* IVT: #UD and #GP -> 0000:0500h, a HLT */
		tm_poke(m, 4 * GP, 4, 0x500);
		tm_poke(m, 0x500, 1, 0xf4);
		tm_poke(m, TM_DATA + 8, 8, 0x1000);
		machine_reg_set(m, VT_RAX, type);
		machine_reg_set(m, VT_RBX, TM_DATA);
		cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
		if (type == 0) {
			cr_assert_eq(l.n, 0, "type 0: vector %d", l.e[0].vec);
			cr_assert_eq(reg(m, VT_RIP), tm_end_rip(sizeof code));
		} else {
			cr_assert(l.n == 1 && l.e[0].vec == GP && l.e[0].rip == TM_CODE, "type 4: vector %d",
				  l.e[0].vec);
		}
		machine_free(m);
	}
}

/* RDPMC: no performance counters (CPUID leaf 0AH is beyond the maximum), so
 * every index is invalid: #GP(0). WBINVD, INVD and INVLPG need CPL 0. */
Test(sysreg, rdpmc_and_cpl0_instructions)
{
	static const uint8_t rdpmc[] = { 0x0f, 0x33 };          /* rdpmc */
	static const uint8_t wbinvd[] = { 0x0f, 0x09 };         /* wbinvd */
	static const uint8_t invd[] = { 0x0f, 0x08 };           /* invd */
	static const uint8_t invlpg[] = { 0x0f, 0x01, 0x38 };   /* invlpg [rax] */
	static const struct { const uint8_t *c; size_t n; } t[] = { { wbinvd, 2 }, { invd, 2 }, { invlpg, 3 } };
	struct machine *m = world(START_LONG64);
	machine_reg_set(m, VT_RCX, 0);
	run_expect(m, rdpmc, sizeof rdpmc, GP, 0, 0);
	machine_free(m);
	for (size_t k = 0; k < 3; k++) {
		m = world(START_LONG64);
		run_clean(m, t[k].c, t[k].n);
		to_ring3(m);
		run_expect(m, t[k].c, t[k].n, GP, 0, 0);
		machine_free(m);
	}
}

/* DR4/DR5 alias DR6/DR7 while CR4.DE = 0 and are #UD with DE = 1; DR7 bits
 * 63:32 are reserved; CPL 3 is #GP(0) (SDM Vol. 3A, 18.2; Vol. 2A, MOV DR). */
Test(sysreg, mov_dr_rules)
{
	static const uint8_t alias[] = {
		0x0f, 0x21, 0xe0, /* mov rax, dr4 */
		0x0f, 0x21, 0xeb, /* mov rbx, dr5 */
	};
	static const uint8_t dr7[] = { 0x0f, 0x23, 0xf8 }; /* mov dr7, rax */
	struct machine *m = world(START_LONG64);
	run_clean(m, alias, sizeof alias);
	cr_assert_eq(reg(m, VT_RAX), 0xffff0ff0, "DR6 after reset");
	cr_assert_eq(reg(m, VT_RBX), 0x400, "DR7 after reset");
	flip_ok(m, true, 4, 3);
	run_expect(m, alias, sizeof alias, UD, -1, 0);
	machine_free(m);
	m = world(START_LONG64);
	machine_reg_set(m, VT_RAX, 1ull << 32);
	run_expect(m, dr7, sizeof dr7, GP, 0, 0);
	to_ring3(m);
	run_expect(m, alias, sizeof alias, GP, 0, 0);
	machine_free(m);
}
