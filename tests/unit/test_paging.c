/* test_paging.c - unit tests for 4-level paging: translation, #PF, A/D bits (sim/paging/walk.c, sim/cpu/access.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t reg(struct machine *m, enum vt_reg r)
{
	return machine_reg_get(m, r);
}

/* Paging-structure entry bits (SDM Vol. 3A, 4.5, Tables 4-15..4-20). */
#define P (1ull << 0)
#define RW (1ull << 1)
#define US (1ull << 2)
#define ACC (1ull << 5)
#define DIRTY (1ull << 6)
#define PS (1ull << 7)
#define XD (1ull << 63)

/* #PF error code bits (SDM Vol. 3A, 4.7, Figure 4-12). */
#define PF_P 0x1u
#define PF_W 0x2u
#define PF_RSVD 0x8u
#define PF_I 0x10u

#define CR0_WP (1ull << 16)

/*
 * The tables this file builds (physical addresses):
 *   10000 PML4: [0] -> 11000
 *   11000 PDPT: [0] -> 12000 (first GiB), [1] -> 14000 (second GiB)
 *   12000 PD:   [0] -> 13000, [1] = 2 MiB page at 200000 (the loader's GDT)
 *   13000 PT:   identity for 0..2 MiB in 4 KiB pages (code, stack, IDT)
 *   14000 PD2:  [0] -> 15000
 *   15000 PT2:  the test pages LA(n) = 40000000h + n * 1000h, below
 */
#define PML4 0x10000ull
#define PDPT 0x11000ull
#define PD 0x12000ull
#define PT 0x13000ull
#define PD2 0x14000ull
#define PT2 0x15000ull
#define LA(n) (0x40000000ull + 0x1000ull * (n))

static const uint64_t pt2[] = {
	0x30000 | P | RW,             /* 0: plain page, not identity */
	0,                            /* 1: not present */
	0x31000 | P,                  /* 2: read-only */
	0x32000 | P | RW | (1ull << 50), /* 3: reserved bit (above MAXPHYADDR 46) */
	0x33000 | P | RW | XD,        /* 4: execute-disable */
	0x35000 | P | RW,             /* 5: written by the A/D test */
	0x36000 | P | RW,             /* 6: first half of a split */
	0x3a000 | P | RW,             /* 7: second half, not contiguous with 6 */
	0x38000 | P | RW,             /* 8: code page */
	0x38000 | P | RW,             /* 9: an alias of 8 */
};

/* The IDT (identity-mapped) with a #PF gate whose handler is HLT. */
#define IDT 0x9000ull
#define IDTR TM_DATA
#define PF_HANDLER 0x12e0ull

static struct machine *pg_new(void)
{
	struct machine *m = tm_new(START_LONG64);
	tm_poke(m, PML4, 8, PDPT | P | RW);
	tm_poke(m, PDPT, 8, PD | P | RW);
	tm_poke(m, PDPT + 8, 8, PD2 | P | RW);
	tm_poke(m, PD, 8, PT | P | RW);
	tm_poke(m, PD + 8, 8, 0x200000 | P | RW | PS);
	for (uint64_t i = 0; i < 512; i++)
		tm_poke(m, PT + 8 * i, 8, (i << 12) | P | RW);
	tm_poke(m, PD2, 8, PT2 | P | RW);
	for (size_t i = 0; i < N(pt2); i++)
		tm_poke(m, PT2 + 8 * i, 8, pt2[i]);

	uint64_t lo = (PF_HANDLER & 0xffff) | (0x08ull << 16) | (0x8eull << 40) | ((PF_HANDLER >> 16) << 48);
	tm_poke(m, IDT + 16 * 14, 8, lo);
	tm_poke(m, IDT + 16 * 14 + 8, 8, 0);
	tm_poke(m, PF_HANDLER, 1, 0xf4);
	tm_poke(m, IDTR, 2, 0xfff);
	tm_poke(m, IDTR + 2, 8, IDT);
	machine_reg_set(m, VT_RSI, IDTR);
	machine_reg_set(m, VT_CR3, PML4);
	return m;
}

/* Run "lidt [rsi]" and then code; returns how it stopped. */
static enum stop_reason pg_run(struct machine *m, const uint8_t *code, size_t len)
{
	uint8_t buf[64] = { 0x0f, 0x01, 0x1e };
	cr_assert_leq(len + 3, sizeof buf);
	for (size_t i = 0; i < len; i++)
		buf[3 + i] = code[i];
	return tm_run_bytes(m, buf, len + 3);
}

/* Expect a #PF delivered to the handler: CR2, error code, pushed RIP. */
static void expect_pf(struct machine *m, uint64_t cr2, uint32_t err, uint64_t rip, const char *what)
{
	cr_expect_eq(reg(m, VT_RIP), PF_HANDLER + 1, "%s: #PF handler did not run (RIP %#llx)", what,
		     (unsigned long long)reg(m, VT_RIP));
	cr_expect_eq(reg(m, VT_CR2), cr2, "%s: CR2 = %#llx", what, (unsigned long long)reg(m, VT_CR2));
	uint64_t sp = reg(m, VT_RSP);
	cr_expect_eq(tm_peek(m, sp, 8), err, "%s: error code %#llx, expected %#x", what,
		     (unsigned long long)tm_peek(m, sp, 8), err);
	cr_expect_eq(tm_peek(m, sp + 8, 8), rip, "%s: pushed RIP %#llx", what, (unsigned long long)tm_peek(m, sp + 8, 8));
}

/* A linear page maps to a different physical page; reads and writes go there. */
Test(paging, translate_non_identity)
{
	static const uint8_t code[] = {
		0x48, 0x8b, 0x47, 0x10, /* mov rax, [rdi+0x10] */
		0x48, 0x89, 0x5f, 0x18, /* mov [rdi+0x18], rbx */
	};
	struct machine *m = pg_new();
	machine_reg_set(m, VT_RDI, LA(0));
	machine_reg_set(m, VT_RBX, 0x5555666677778888);
	tm_poke(m, 0x30010, 8, 0x1111222233334444);
	cr_assert_eq(pg_run(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(reg(m, VT_RAX), 0x1111222233334444);
	cr_assert_eq(tm_peek(m, 0x30018, 8), 0x5555666677778888);
	cr_assert_eq(reg(m, VT_CR3), PML4);
	machine_free(m);
}

/*
 * A is set in every entry used, D only in the leaf and only by a write
 * (SDM Vol. 3A, 4.8 "Accessed and Dirty Flags").
 */
Test(paging, accessed_dirty)
{
	static const uint8_t code[] = {
		0x48, 0x8b, 0x07, /* mov rax, [rdi]   LA(0): read only */
		0x48, 0x8b, 0x0a, /* mov rcx, [rdx]   LA(5): read ... */
		0x48, 0x89, 0x1a, /* mov [rdx], rbx   ... then written */
	};
	struct machine *m = pg_new();
	machine_reg_set(m, VT_RDI, LA(0));
	machine_reg_set(m, VT_RDX, LA(5));
	cr_assert_eq(pg_run(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(tm_peek(m, PML4, 8) & (ACC | DIRTY), ACC, "PML4E");
	cr_assert_eq(tm_peek(m, PDPT + 8, 8) & (ACC | DIRTY), ACC, "PDPTE");
	cr_assert_eq(tm_peek(m, PD2, 8) & (ACC | DIRTY), ACC, "PDE");
	cr_assert_eq(tm_peek(m, PT2, 8) & (ACC | DIRTY), ACC, "PTE read only: A, no D");
	cr_assert_eq(tm_peek(m, PT2 + 8 * 5, 8) & (ACC | DIRTY), ACC | DIRTY, "PTE written: A and D");
	cr_assert_eq(tm_peek(m, PT2 + 8 * 2, 8) & ACC, 0, "unused PTE untouched");
	cr_assert_eq(tm_peek(m, PT + 8 * (TM_CODE >> 12), 8) & (ACC | DIRTY), ACC, "code page fetched: A");
	cr_assert_eq(tm_peek(m, PT + 8 * ((TM_STACK - 8) >> 12), 8) & ACC, 0, "stack page unused");
	machine_free(m);
}

/*
 * Not present (SDM Vol. 3A, 4.7): P = 0 in the error code; W for writes;
 * I for fetches when NXE = 1 (the loader sets it). CR2 is the address;
 * the pushed RIP is the faulting instruction (or the fetched target).
 */
Test(paging, not_present)
{
	static const uint8_t rd[] = { 0x8b, 0x87, 0x23, 0x01, 0x00, 0x00 };   /* mov eax, [rdi+0x123] */
	static const uint8_t wr[] = { 0x89, 0x87, 0x23, 0x01, 0x00, 0x00 };   /* mov [rdi+0x123], eax */
	static const uint8_t rmw[] = { 0xf0, 0x01, 0x87, 0x23, 0x01, 0, 0 };  /* lock add [rdi+0x123], eax */
	static const uint8_t jmp[] = { 0xff, 0xe7 };                          /* jmp rdi */
	static const struct { const char *text; const uint8_t *code; size_t len; uint64_t cr2; uint32_t err; } k[] = {
		{ "read", rd, sizeof rd, LA(1) + 0x123, 0 },
		{ "write", wr, sizeof wr, LA(1) + 0x123, PF_W },
		{ "read-modify-write", rmw, sizeof rmw, LA(1) + 0x123, PF_W },
		{ "fetch", jmp, sizeof jmp, LA(1), PF_I },
	};
	for (size_t j = 0; j < N(k); j++) {
		struct machine *m = pg_new();
		machine_reg_set(m, VT_RDI, LA(1));
		cr_expect_eq(pg_run(m, k[j].code, k[j].len), STOP_HLT, "%s", k[j].text);
		expect_pf(m, k[j].cr2, k[j].err, k[j].err == PF_I ? LA(1) : TM_CODE + 3, k[j].text);
		machine_free(m);
	}
}

/*
 * A supervisor write to a read-only page faults only with CR0.WP = 1
 * (SDM Vol. 3A, 4.6.1): error code P|W. Reads are fine either way.
 */
Test(paging, write_protect)
{
	static const uint8_t rd[] = { 0x48, 0x8b, 0x07 };       /* mov rax, [rdi] */
	static const uint8_t wr[] = { 0x48, 0x89, 0x1f };       /* mov [rdi], rbx */
	static const uint8_t rmw[] = { 0x48, 0x01, 0x1f };      /* add [rdi], rbx */

	struct machine *m = pg_new();
	machine_reg_set(m, VT_RDI, LA(2));
	tm_poke(m, 0x31000, 8, 42);
	cr_assert_eq(pg_run(m, rd, sizeof rd), STOP_HLT);
	cr_assert_eq(reg(m, VT_RAX), 42);
	machine_free(m);

	for (int j = 0; j < 2; j++) {
		m = pg_new();
		cr_assert_eq(reg(m, VT_CR0) & CR0_WP, CR0_WP, "the long64 loader sets CR0.WP");
		machine_reg_set(m, VT_RDI, LA(2));
		machine_reg_set(m, VT_RBX, 7);
		tm_poke(m, 0x31000, 8, 42);
		cr_assert_eq(pg_run(m, j ? rmw : wr, 3), STOP_HLT);
		expect_pf(m, LA(2), PF_P | PF_W, TM_CODE + 3, j ? "add to a read-only page" : "write to a read-only page");
		cr_assert_eq(tm_peek(m, 0x31000, 8), 42, "nothing written");
		machine_free(m);
	}

	m = pg_new();
	machine_reg_set(m, VT_CR0, reg(m, VT_CR0) & ~CR0_WP);
	machine_reg_set(m, VT_RDI, LA(2));
	machine_reg_set(m, VT_RBX, 7);
	cr_assert_eq(pg_run(m, wr, sizeof wr), STOP_HLT);
	cr_assert_eq(reg(m, VT_RIP), tm_end_rip(3 + sizeof wr), "WP = 0: supervisor writes ignore R/W");
	cr_assert_eq(tm_peek(m, 0x31000, 8), 7);
	machine_free(m);
}

/* A reserved bit in a present entry: error code P|RSVD (|W) (SDM Vol. 3A, 4.7). */
Test(paging, reserved_bit)
{
	static const uint8_t rd[] = { 0x48, 0x8b, 0x07 }; /* mov rax, [rdi] */
	static const uint8_t wr[] = { 0x48, 0x89, 0x1f }; /* mov [rdi], rbx */
	for (int j = 0; j < 2; j++) {
		struct machine *m = pg_new();
		machine_reg_set(m, VT_RDI, LA(3) + 8);
		cr_assert_eq(pg_run(m, j ? wr : rd, 3), STOP_HLT);
		expect_pf(m, LA(3) + 8, PF_P | PF_RSVD | (j ? PF_W : 0), TM_CODE + 3, j ? "write" : "read");
		machine_free(m);
	}

	/* PS = 1 in a PML4E is reserved too. */
	struct machine *m = pg_new();
	tm_poke(m, PML4 + 8, 8, 0x40000000 | P | RW | PS); /* PML4[1]: 512 GiB */
	machine_reg_set(m, VT_RDI, 0x8000000000ull);
	cr_assert_eq(pg_run(m, rd, 3), STOP_HLT);
	expect_pf(m, 0x8000000000ull, PF_P | PF_RSVD, TM_CODE + 3, "PS in PML4E");
	machine_free(m);
}

/* XD = 1 with EFER.NXE = 1: fetching faults with P|I; data access is fine
 * (SDM Vol. 3A, 4.6). */
Test(paging, execute_disable)
{
	static const uint8_t jmp[] = { 0xff, 0xe7 };       /* jmp rdi */
	static const uint8_t rd[] = { 0x48, 0x8b, 0x07 };  /* mov rax, [rdi] */
	struct machine *m = pg_new();
	machine_reg_set(m, VT_RDI, LA(4));
	tm_poke(m, 0x33000, 1, 0xf4);
	cr_assert_eq(pg_run(m, jmp, sizeof jmp), STOP_HLT);
	expect_pf(m, LA(4), PF_P | PF_I, LA(4), "fetch from an XD page");
	machine_free(m);

	m = pg_new();
	machine_reg_set(m, VT_RDI, LA(4));
	tm_poke(m, 0x33000, 8, 0x99);
	cr_assert_eq(pg_run(m, rd, sizeof rd), STOP_HLT);
	cr_assert_eq(reg(m, VT_RAX), 0x99);
	machine_free(m);
}

/*
 * Accesses that cross a page boundary use each page's own translation:
 * LA(6) and LA(7) are not physically contiguous.
 */
Test(paging, crossing_noncontiguous_frames)
{
	static const uint8_t insn[] = { 0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0xf4 };
	static const uint8_t jmp[] = { 0xff, 0xe7 };             /* jmp rdi */
	static const uint8_t rd[] = { 0x48, 0x8b, 0x0b };        /* mov rcx, [rbx] */

	/* An instruction: mov rax, imm64 at LA(7) - 5, then HLT. */
	struct machine *m = pg_new();
	for (int i = 0; i < 5; i++)
		tm_poke(m, 0x36ffb + (uint64_t)i, 1, insn[i]);
	for (int i = 5; i < 11; i++)
		tm_poke(m, 0x3a000 + (uint64_t)i - 5, 1, insn[i]);
	tm_poke(m, 0x37000, 8, 0xcccccccccccccccc); /* what a contiguous read would see */
	machine_reg_set(m, VT_RDI, LA(7) - 5);
	cr_assert_eq(pg_run(m, jmp, sizeof jmp), STOP_HLT);
	cr_assert_eq(reg(m, VT_RIP), LA(7) + 6);
	cr_assert_eq(reg(m, VT_RAX), 0x1122334455667788);
	machine_free(m);

	/* Data: 4 bytes from the end of 36000h, 4 from the start of 3A000h. */
	m = pg_new();
	machine_reg_set(m, VT_RBX, LA(7) - 4);
	tm_poke(m, 0x36ffc, 4, 0x44444444);
	tm_poke(m, 0x3a000, 4, 0x55555555);
	tm_poke(m, 0x37000, 4, 0xcccccccc);
	cr_assert_eq(pg_run(m, rd, sizeof rd), STOP_HLT);
	cr_assert_eq(reg(m, VT_RCX), 0x5555555544444444);
	machine_free(m);
}

/* Crossing into a non-present page: the fault names that page, and a
 * store that faults on its second page writes nothing (instructions are
 * restartable: SDM Vol. 3A, 6.6). */
Test(paging, crossing_into_not_present)
{
	static const uint8_t jmp[] = { 0xff, 0xe7 };             /* jmp rdi */
	static const uint8_t wr[] = { 0x48, 0x89, 0x0b };        /* mov [rbx], rcx */
	static const uint8_t head[] = { 0x48, 0xb8, 0x88, 0x77, 0x66 };

	struct machine *m = pg_new();
	for (int i = 0; i < 5; i++)
		tm_poke(m, 0x30ffb + (uint64_t)i, 1, head[i]);
	machine_reg_set(m, VT_RDI, LA(1) - 5);
	cr_assert_eq(pg_run(m, jmp, sizeof jmp), STOP_HLT);
	cr_assert_eq(reg(m, VT_RIP), PF_HANDLER + 1);
	cr_assert_eq(reg(m, VT_CR2) & ~0xfffull, LA(1), "CR2 on the missing page: %#llx",
		     (unsigned long long)reg(m, VT_CR2));
	cr_assert_eq(tm_peek(m, reg(m, VT_RSP), 8), PF_I, "fetch, not present");
	cr_assert_eq(tm_peek(m, reg(m, VT_RSP) + 8, 8), LA(1) - 5, "RIP of the straddling instruction");
	machine_free(m);

	m = pg_new();
	machine_reg_set(m, VT_RBX, LA(1) - 4);
	machine_reg_set(m, VT_RCX, ~0ull);
	tm_poke(m, 0x30ffc, 4, 0x12345678);
	cr_assert_eq(pg_run(m, wr, sizeof wr), STOP_HLT);
	cr_assert_eq(reg(m, VT_RIP), PF_HANDLER + 1);
	cr_assert_eq(reg(m, VT_CR2) & ~0xfffull, LA(1));
	cr_assert_eq(tm_peek(m, reg(m, VT_RSP), 8), PF_W);
	cr_assert_eq(tm_peek(m, 0x30ffc, 4), 0x12345678, "first page written before the fault");
	machine_free(m);
}

static void count_insn(void *opaque, const struct event *e)
{
	(void)e;
	++*(uint64_t *)opaque;
}

/*
 * Self-modifying code through an alias: LA(8) and LA(9) map the same
 * physical page. Code at LA(8) rewrites its next instruction's immediate
 * through LA(9); decoded code is keyed by physical address, so the write
 * must be seen (SDM Vol. 3A, 11.6).
 */
Test(paging, smc_through_alias)
{
	static const uint8_t code[] = {
		0x89, 0x43, 0x06,             /* LA(8)+0: mov [rbx+6], eax  (RBX = LA(9): imm of +5) */
		0x90, 0x90,                   /* +3 */
		0xb9, 0x00, 0x00, 0x00, 0x00, /* +5: mov ecx, 0 (becomes EAX) */
		0xf4,                         /* +10 */
	};
	static const uint8_t jmp[] = { 0xff, 0xe7 }; /* jmp rdi */
	for (int stepped = 0; stepped < 2; stepped++) {
		struct machine *m = pg_new();
		uint64_t insns = 0;
		if (stepped)
			cr_assert_geq(machine_subscribe(m, EVB(EV_INSN), count_insn, &insns), 0);
		machine_phys_write(m, 0x38000, code, sizeof code);
		machine_reg_set(m, VT_RDI, LA(8));
		machine_reg_set(m, VT_RBX, LA(9));
		machine_reg_set(m, VT_RAX, 0xfeedf00d);
		cr_assert_eq(pg_run(m, jmp, sizeof jmp), STOP_HLT);
		cr_assert_eq(reg(m, VT_RIP), LA(8) + 11);
		cr_assert_eq(reg(m, VT_RCX), 0xfeedf00d, "stepped=%d", stepped);
		if (stepped)
			cr_assert_eq(insns, 7, "lidt, jmp, mov, nop, nop, mov, hlt");
		machine_free(m);
	}
}

/*
 * The last page of the lower canonical half (7FFF_FFFF_F000h -> 3C000h)
 * and, to see what a simulator would do with it, a mapping through
 * PML4[256] for the first non-canonical page 8000_0000_0000h -> 3D000h.
 */
#define TOP 0x00007ffffffff000ull
#define NONCANON 0x0000800000000000ull

static void map_top_pages(struct machine *m)
{
	tm_poke(m, PML4 + 8 * 255, 8, 0x16000 | P | RW);
	tm_poke(m, 0x16000 + 8 * 511, 8, 0x17000 | P | RW);
	tm_poke(m, 0x17000 + 8 * 511, 8, 0x18000 | P | RW);
	tm_poke(m, 0x18000 + 8 * 511, 8, 0x3c000 | P | RW);
	tm_poke(m, PML4 + 8 * 256, 8, 0x19000 | P | RW);
	tm_poke(m, 0x19000, 8, 0x1a000 | P | RW);
	tm_poke(m, 0x1a000, 8, 0x1b000 | P | RW);
	tm_poke(m, 0x1b000, 8, 0x3d000 | P | RW);
	tm_poke(m, 0x3d000, 1, 0xf4); /* HLT at the non-canonical address */
	machine_reg_set(m, VT_CR3, PML4);
}

static void log_first(void *opaque, const struct event *e)
{
	struct tm_exc_log *log = opaque;
	if (log->n < TM_MAX_EXC) {
		log->vector[log->n] = e->u.exc.vector;
		log->rip[log->n] = e->u.exc.rip;
		log->n++;
	}
}

/*
 * A conditional branch whose target is not canonical faults with #GP(0)
 * at the branch (SDM Vol. 2A, Jcc, 64-bit mode exceptions), also when it
 * is executed fused with the CMP before it. The CMP retires.
 */
Test(paging, jcc_to_noncanonical_from_top_page)
{
	static const uint8_t code[] = {
		0x48, 0x39, 0xd8,                   /* TOP+FE0: cmp rax, rbx */
		0x0f, 0x84, 0x00, 0x01, 0x00, 0x00, /* TOP+FE3: je +100h (-> 8000_0000_00E9h) */
		0xf4,
	};
	static const uint8_t jmp[] = { 0xff, 0xe7 }; /* jmp rdi */
	for (int stepped = 0; stepped < 2; stepped++) {
		struct tm_exc_log log = { 0 };
		uint64_t insns = 0;
		struct machine *m = pg_new();
		map_top_pages(m);
		cr_assert_geq(machine_subscribe(m, EVB(EV_EXCEPTION), log_first, &log), 0);
		if (stepped)
			cr_assert_geq(machine_subscribe(m, EVB(EV_INSN), count_insn, &insns), 0);
		machine_phys_write(m, 0x3cfe0, code, sizeof code);
		machine_reg_set(m, VT_RDI, TOP + 0xfe0);
		pg_run(m, jmp, sizeof jmp);
		cr_assert_geq(log.n, 1);
		cr_assert_eq(log.vector[0], 13, "stepped=%d: vector %u", stepped, log.vector[0]);
		cr_assert_eq(log.rip[0], TOP + 0xfe3, "stepped=%d: #GP at the JE", stepped);
		cr_assert_eq(machine_icount(m), 3, "stepped=%d: lidt, jmp, cmp retired", stepped);
		machine_free(m);
	}
}

/*
 * Running off the end of the lower canonical half: the next instruction
 * would be fetched from 8000_0000_0000h, which is not canonical. A
 * non-canonical linear address is never translated; the reference
 * raises #GP(0) (SDM Vol. 1, 3.3.7.1 "Canonical Addressing"; Vol. 3A,
 * 4.5: linear addresses are sign-extended from bit 47, and Vol. 3A,
 * 6.15 "Interrupt 13"). It must not reach the page PML4[256] maps.
 */
Test(paging, fetch_falls_into_noncanonical)
{
	static const uint8_t nops[] = { 0x90, 0x90 };
	static const uint8_t jmp[] = { 0xff, 0xe7 }; /* jmp rdi */
	struct tm_exc_log log = { 0 };
	struct machine *m = pg_new();
	map_top_pages(m);
	cr_assert_geq(machine_subscribe(m, EVB(EV_EXCEPTION), log_first, &log), 0);
	machine_phys_write(m, 0x3cffe, nops, sizeof nops);
	machine_reg_set(m, VT_RDI, TOP + 0xffe);
	enum stop_reason r = pg_run(m, jmp, sizeof jmp);
	cr_expect_neq(reg(m, VT_RIP), NONCANON + 1, "executed the HLT at the non-canonical address %#llx",
		      (unsigned long long)NONCANON);
	cr_expect_neq(r, STOP_HLT);
	cr_expect_geq(log.n, 1, "no exception at all");
	if (log.n >= 1)
		cr_expect_eq(log.vector[0], 13, "first exception %u, expected #GP", log.vector[0]);
	machine_free(m);
}

/*
 * A data access that starts at a canonical address but whose last bytes
 * are beyond 7FFF_FFFF_FFFFh references non-canonical addresses: #GP(0)
 * (SDM Vol. 2A, MOV: "#GP(0) If the memory address is in a non-canonical
 * form"; Vol. 1, 3.3.7.1). It must not be completed by translating
 * 8000_0000_0000h through PML4[256].
 */
Test(paging, data_access_straddles_canonical_boundary)
{
	static const uint8_t rd[] = { 0x48, 0x8b, 0x07 }; /* mov rax, [rdi] */
	struct tm_exc_log log = { 0 };
	struct machine *m = pg_new();
	map_top_pages(m);
	cr_assert_geq(machine_subscribe(m, EVB(EV_EXCEPTION), log_first, &log), 0);
	tm_poke(m, 0x3cffc, 4, 0x11111111);
	tm_poke(m, 0x3d000, 4, 0x22222222);
	machine_reg_set(m, VT_RDI, TOP + 0xffc);
	machine_reg_set(m, VT_RAX, 0);
	pg_run(m, rd, sizeof rd);
	cr_expect_neq(reg(m, VT_RAX), 0x2222222211111111, "read 4 bytes through the non-canonical page");
	cr_expect_geq(log.n, 1, "no exception at all");
	if (log.n >= 1) {
		cr_expect_eq(log.vector[0], 13, "first exception %u, expected #GP", log.vector[0]);
		cr_expect_eq(log.rip[0], TM_CODE + 3);
	}
	machine_free(m);
}

struct ud_text {
	int n;          /* #UD events */
	char insn[96];  /* the first one's disassembly */
};

static void on_ud(void *opaque, const struct event *e)
{
	struct ud_text *u = opaque;
	if (e->u.exc.vector == 6 && u->n++ == 0) {
		size_t k = 0;
		for (; e->u.exc.insn && e->u.exc.insn[k] && k + 1 < sizeof u->insn; k++)
			u->insn[k] = e->u.exc.insn[k];
		u->insn[k] = 0;
	}
}

/*
 * The #UD event names the instruction (event.h: "disassembly of the
 * instruction"). An instruction in the last bytes of a page is complete
 * there; that the next page is not mapped does not make it nameless.
 */
Test(paging, ud_at_page_end_names_instruction)
{
	static const uint8_t rdrand[] = { 0x0f, 0xc7, 0xf0 }; /* rdrand eax: CPUID says absent */
	static const uint8_t jmp[] = { 0xff, 0xe7 }; /* jmp rdi */
	struct ud_text u = { 0 };
	struct machine *m = pg_new();
	cr_assert_geq(machine_subscribe(m, EVB(EV_EXCEPTION), on_ud, &u), 0);
	machine_phys_write(m, 0x30ffd, rdrand, sizeof rdrand);
	machine_reg_set(m, VT_RDI, LA(1) - 3);
	pg_run(m, jmp, sizeof jmp);
	cr_expect_eq(u.n, 1);
	cr_expect(strstr(u.insn, "rdrand") != NULL, "#UD insn is \"%s\"", u.insn);
	machine_free(m);
}
