/* test_modes.c - unit tests for the start modes and exception delivery (sim/machine.c, sim/cpu/exception.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"

static uint64_t reg(struct machine *m, enum vt_reg r)
{
	return machine_reg_get(m, r);
}

#define FL_IF (1ull << 9)
#define IDT 0x9000ull              /* where the tests build their IDTs */
#define IDTR TM_DATA               /* the pseudo-descriptor LIDT loads */
#define HANDLER(v) (0x1200ull + 0x10 * (v)) /* one HLT per vector */

/* Selectors of the loaders' GDTs (machine.c): flat code 08h, data 10h. */
#define SEL_CODE 0x08
#define SEL_DATA 0x10

/*
 * An IA-32e interrupt (type 0Eh) or trap (0Fh) gate, present, DPL 0
 * (SDM Vol. 3A, 6.14.1, Figure 6-8):
 *   bytes 0-1 offset 15:0, 2-3 selector, 4 IST, 5 P|DPL|0|type,
 *   6-7 offset 31:16, 8-11 offset 63:32, 12-15 reserved.
 */
static void gate64(struct machine *m, unsigned v, uint64_t handler, unsigned type)
{
	uint64_t lo = (handler & 0xffff) | ((uint64_t)SEL_CODE << 16) | ((uint64_t)(0x80 | type) << 40) |
		      (((handler >> 16) & 0xffff) << 48);
	tm_poke(m, IDT + 16 * v, 8, lo);
	tm_poke(m, IDT + 16 * v + 8, 8, handler >> 32);
}

/* A 32-bit gate (SDM Vol. 3A, 6.11, Figure 6-2): type 0Eh interrupt, 0Fh trap. */
static void gate32(struct machine *m, unsigned v, uint32_t handler, unsigned type)
{
	uint64_t g = (handler & 0xffff) | ((uint64_t)SEL_CODE << 16) | ((uint64_t)(0x80 | type) << 40) |
		     ((uint64_t)(handler >> 16) << 48);
	tm_poke(m, IDT + 8 * v, 8, g);
}

/* HLT handlers for every vector, and the pseudo-descriptor at IDTR. */
static void install_handlers(struct machine *m, uint16_t limit, unsigned base_bytes)
{
	for (unsigned v = 0; v < 32; v++)
		tm_poke(m, HANDLER(v), 1, 0xf4);
	tm_poke(m, HANDLER(0x21), 1, 0xf4);
	tm_poke(m, IDTR, 2, limit);
	tm_poke(m, IDTR + 2, base_bytes, IDT);
}

/* Real mode: 16-bit operands by default; "b8 34 12" is MOV AX, imm16,
 * "40" is INC AX; 66h makes it 32-bit. */
Test(modes, real16_operand_size)
{
	static const uint8_t code[] = {
		0xb8, 0x34, 0x12,                   /* mov ax, 0x1234 */
		0x40,                               /* inc ax */
		0x66, 0xbb, 0x78, 0x56, 0x34, 0x12, /* mov ebx, 0x12345678 */
	};
	struct machine *m = tm_new(START_REAL16);
	machine_reg_set(m, VT_RAX, 0xaaaaaaaa);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(reg(m, VT_RAX), 0xaaaa1235);
	cr_assert_eq(reg(m, VT_RBX), 0x12345678);
	cr_assert_eq(reg(m, VT_RIP), tm_end_rip(sizeof code));
	cr_assert_eq(reg(m, VT_CR0) & 1, 0, "PE = 0");
	machine_free(m);
}

/* Real-mode addresses are segment * 16 + offset (SDM Vol. 3A, 21.1.1). */
Test(modes, real16_segment_offset)
{
	static const uint8_t code[] = {
		0x8b, 0x07,       /* mov ax, [bx]       DS:7010h = 8010h */
		0x89, 0x47, 0x02, /* mov [bx+2], ax     DS:7012h = 8012h */
		0x26, 0x8b, 0x0f, /* mov cx, es:[bx]    ES:7010h = 9010h */
	};
	struct machine *m = tm_new(START_REAL16);
	machine_reg_set(m, VT_DS, 0x100);
	machine_reg_set(m, VT_ES, 0x200);
	machine_reg_set(m, VT_RBX, 0x7010);
	tm_poke(m, 0x8010, 2, 0xbeef);
	tm_poke(m, 0x9010, 2, 0xcafe);
	tm_poke(m, 0x7010, 2, 0x1111); /* what a flat access would read */
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(reg(m, VT_DS), 0x100);
	cr_assert_eq(reg(m, VT_RAX) & 0xffff, 0xbeef);
	cr_assert_eq(tm_peek(m, 0x8012, 2), 0xbeef);
	cr_assert_eq(reg(m, VT_RCX) & 0xffff, 0xcafe);
	cr_assert_eq(tm_peek(m, 0x7012, 2), 0, "no write at the flat address");
	machine_free(m);
}

/* BP-based 16-bit addresses default to SS, not DS (SDM Vol. 1, 3.7.4,
 * Table 3-5); an override picks another segment. */
Test(modes, real16_bp_uses_ss)
{
	static const uint8_t code[] = {
		0x8b, 0x46, 0x02,       /* mov ax, [bp+2]     SS:0012h = 3012h */
		0x3e, 0x8b, 0x5e, 0x02, /* mov bx, ds:[bp+2]  DS:0012h = 1012h */
		0x8b, 0x4c, 0x02,       /* mov cx, [si+2]     DS:0012h */
	};
	struct machine *m = tm_new(START_REAL16);
	machine_reg_set(m, VT_SS, 0x300);
	machine_reg_set(m, VT_DS, 0x100);
	machine_reg_set(m, VT_RSP, 0x100);
	machine_reg_set(m, VT_RBP, 0x10);
	machine_reg_set(m, VT_RSI, 0x10);
	tm_poke(m, 0x3012, 2, 0xaaaa);
	tm_poke(m, 0x1012, 2, 0xbbbb);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(reg(m, VT_RAX) & 0xffff, 0xaaaa);
	cr_assert_eq(reg(m, VT_RBX) & 0xffff, 0xbbbb);
	cr_assert_eq(reg(m, VT_RCX) & 0xffff, 0xbbbb);
	machine_free(m);
}

/* In 64-bit mode only FS and GS add a base; ES/DS/SS/CS overrides do not
 * (SDM Vol. 3A, 3.4.4). */
Test(modes, long64_fs_gs_base)
{
	static const uint8_t code[] = {
		0x64, 0x48, 0x8b, 0x04, 0x25, 0x10, 0, 0, 0, /* mov rax, fs:[0x10] */
		0x65, 0x48, 0x8b, 0x1c, 0x25, 0x10, 0, 0, 0, /* mov rbx, gs:[0x10] */
		0x26, 0x48, 0x8b, 0x0c, 0x25, 0x10, 0, 0, 0, /* mov rcx, es:[0x10] */
	};
	struct machine *m = tm_new(START_LONG64);
	machine_reg_set(m, VT_FS_BASE, 0x8000);
	machine_reg_set(m, VT_GS_BASE, 0x9000);
	tm_poke(m, 0x8010, 8, 0x1111);
	tm_poke(m, 0x9010, 8, 0x2222);
	tm_poke(m, 0x0010, 8, 0x3333);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(reg(m, VT_RAX), 0x1111);
	cr_assert_eq(reg(m, VT_RBX), 0x2222);
	cr_assert_eq(reg(m, VT_RCX), 0x3333);
	cr_assert_eq(reg(m, VT_FS_BASE), 0x8000);
	machine_free(m);
}

/* prot32: 32-bit operands by default, 40h is INC EAX, 66h selects 16 bits. */
Test(modes, prot32_operand_size)
{
	static const uint8_t code[] = {
		0xb8, 0x78, 0x56, 0x34, 0x12, /* mov eax, 0x12345678 */
		0x40,                         /* inc eax */
		0x66, 0xbb, 0x34, 0x12,       /* mov bx, 0x1234 */
		0x8b, 0x0e,                   /* mov ecx, [esi] */
	};
	struct machine *m = tm_new(START_PROT32);
	machine_reg_set(m, VT_RBX, 0xaaaaaaaa);
	machine_reg_set(m, VT_RSI, TM_DATA);
	tm_poke(m, TM_DATA, 4, 0xdeadbeef);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(reg(m, VT_RAX), 0x12345679);
	cr_assert_eq(reg(m, VT_RBX), 0xaaaa1234);
	cr_assert_eq(reg(m, VT_RCX), 0xdeadbeef);
	cr_assert_eq(reg(m, VT_CS), SEL_CODE);
	cr_assert_eq(reg(m, VT_CR0) & 0x80000001, 1, "PE = 1, PG = 0");
	machine_free(m);
}

/* long64: 40h is a REX prefix (here on HLT), 32-bit results zero-extend. */
Test(modes, long64_rex)
{
	static const uint8_t code[] = {
		0xb8, 0x78, 0x56, 0x34, 0x12, /* mov eax, 0x12345678 */
		0x40,                         /* REX, applying to the HLT that follows */
	};
	struct machine *m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RAX, ~0ull);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(reg(m, VT_RAX), 0x12345678);
	cr_assert_eq(reg(m, VT_RIP), tm_end_rip(sizeof code));
	cr_assert_eq(machine_icount(m), 2, "REX+HLT is one instruction");
	cr_assert_eq(reg(m, VT_EFER) & (1u << 10), 1u << 10, "EFER.LMA");
	machine_free(m);
}

/*
 * #DE through a 64-bit IDT (SDM Vol. 3A, 6.14.2): RSP is aligned down to
 * 16 bytes, then SS, RSP, RFLAGS, CS, RIP are pushed; RIP is the faulting
 * DIV (a fault). An interrupt gate clears IF, so the handler's HLT stops
 * for good.
 */
Test(modes, de_through_64bit_idt)
{
	static const uint8_t code[] = {
		0x0f, 0x01, 0x1e,             /* 0: lidt [rsi] */
		0x31, 0xd2,                   /* 3: xor edx, edx */
		0xb8, 0x01, 0x00, 0x00, 0x00, /* 5: mov eax, 1 */
		0x31, 0xc9,                   /* 10: xor ecx, ecx */
		0xf7, 0xf1,                   /* 12: div ecx */
	};
	struct tm_exc_log log;
	struct machine *m = tm_new(START_LONG64);
	tm_log_exceptions(m, &log);
	install_handlers(m, 0xfff, 8);
	gate64(m, 0, HANDLER(0), 0xe);
	machine_reg_set(m, VT_RSI, IDTR);
	machine_reg_set(m, VT_RSP, TM_STACK - 8); /* 8 mod 16 */
	machine_reg_set(m, VT_RFLAGS, 0x2 | FL_IF);
	tm_load(m, code, sizeof code);
	cr_assert_eq(machine_run(m, 100), STOP_HLT, "the handler ran with IF = 0");
	cr_assert_eq(reg(m, VT_RIP), HANDLER(0) + 1);
	cr_assert_eq(log.n, 1);
	cr_assert_eq(log.vector[0], 0);
	cr_assert_eq(log.rip[0], TM_CODE + 12);

	uint64_t sp = reg(m, VT_RSP);
	cr_assert_eq(sp, TM_STACK - 16 - 40, "aligned to 16, then five qwords");
	cr_assert_eq(tm_peek(m, sp, 8), TM_CODE + 12, "pushed RIP is the DIV");
	cr_assert_eq(tm_peek(m, sp + 8, 8), SEL_CODE, "pushed CS");
	cr_assert_eq(tm_peek(m, sp + 16, 8) & ~TM_AF, 0x2 | FL_IF | TM_ZF | TM_PF, "pushed RFLAGS");
	cr_assert_eq(tm_peek(m, sp + 24, 8), TM_STACK - 8, "pushed RSP is the unaligned one");
	cr_assert_eq(tm_peek(m, sp + 32, 8), SEL_DATA, "pushed SS");
	cr_assert_eq(reg(m, VT_RFLAGS) & FL_IF, 0);
	cr_assert_eq(reg(m, VT_CS), SEL_CODE);
	const struct ev_exception *e = machine_last_exception(m);
	cr_assert_not_null(e);
	cr_assert_eq(e->vector, 0);
	cr_assert_eq(e->has_error, false);
	machine_free(m);
}

/* A trap gate leaves IF alone (SDM Vol. 3A, 6.12.1.3). */
Test(modes, trap_gate_keeps_if)
{
	static const uint8_t code[] = { 0x0f, 0x01, 0x1e, 0x0f, 0x0b }; /* lidt [rsi]; ud2 */
	struct machine *m = tm_new(START_LONG64);
	install_handlers(m, 0xfff, 8);
	gate64(m, 6, HANDLER(6), 0xf);
	machine_reg_set(m, VT_RSI, IDTR);
	machine_reg_set(m, VT_RFLAGS, 0x2 | FL_IF);
	tm_load(m, code, sizeof code);
	cr_assert_eq(machine_run(m, 100), STOP_HLT_IDLE);
	cr_assert_eq(reg(m, VT_RIP), HANDLER(6) + 1);
	cr_assert_eq(tm_peek(m, reg(m, VT_RSP), 8), TM_CODE + 3, "#UD is a fault: RIP of UD2");
	machine_free(m);
}

/*
 * INT n and INT3 are traps: the pushed RIP is the next instruction's
 * (SDM Vol. 3A, 6.5 and Vol. 2A, INT n/INTO/INT3).
 */
Test(modes, int_n_and_int3_push_next_rip)
{
	static const uint8_t int21[] = { 0x0f, 0x01, 0x1e, 0xcd, 0x21 }; /* lidt [rsi]; int 0x21 */
	static const uint8_t int3[] = { 0x0f, 0x01, 0x1e, 0xcc };        /* lidt [rsi]; int3 */
	static const struct { const uint8_t *code; size_t len; unsigned v; } k[] = {
		{ int21, sizeof int21, 0x21 }, { int3, sizeof int3, 3 },
	};
	for (size_t j = 0; j < 2; j++) {
		struct tm_exc_log log;
		struct machine *m = tm_new(START_LONG64);
		tm_log_exceptions(m, &log);
		install_handlers(m, 0xfff, 8);
		gate64(m, k[j].v, HANDLER(k[j].v), 0xe);
		machine_reg_set(m, VT_RSI, IDTR);
		tm_load(m, k[j].code, k[j].len);
		cr_assert_eq(machine_run(m, 100), STOP_HLT);
		cr_assert_eq(reg(m, VT_RIP), HANDLER(k[j].v) + 1, "vector %#x", k[j].v);
		cr_assert_eq(tm_peek(m, reg(m, VT_RSP), 8), TM_CODE + k[j].len, "vector %#x: pushed RIP", k[j].v);
		cr_assert_eq(reg(m, VT_RSP), TM_STACK - 40);
		cr_assert_eq(log.n, 1);
		cr_assert_eq(log.vector[0], k[j].v);
		machine_free(m);
	}
}

/*
 * prot32 with a 32-bit IDT: INT 40h is beyond the IDT limit, which is
 * #GP with error code 40h*8+2 (IDT bit set, EXT clear for INT n; SDM
 * Vol. 3A, 6.13, Figure 6-6). #GP is a fault at the INT, and it pushes
 * EFLAGS, CS, EIP and the error code (6.12.1, Figure 6-4).
 */
Test(modes, prot32_gp_error_code)
{
	static const uint8_t code[] = { 0x0f, 0x01, 0x1e, 0xcd, 0x40 }; /* lidt [esi]; int 0x40 */
	struct tm_exc_log log;
	struct machine *m = tm_new(START_PROT32);
	tm_log_exceptions(m, &log);
	install_handlers(m, 32 * 8 - 1, 4);
	gate32(m, 13, HANDLER(13), 0xe);
	machine_reg_set(m, VT_RSI, IDTR);
	machine_reg_set(m, VT_RFLAGS, 0x2 | TM_CF);
	tm_load(m, code, sizeof code);
	cr_assert_eq(machine_run(m, 100), STOP_HLT);
	cr_assert_eq(reg(m, VT_RIP), HANDLER(13) + 1);
	cr_assert_eq(reg(m, VT_RSP), TM_STACK - 16);
	cr_assert_eq(tm_peek(m, TM_STACK - 16, 4), 0x40 * 8 + 2, "error code");
	cr_assert_eq(tm_peek(m, TM_STACK - 12, 4), TM_CODE + 3, "EIP of the INT");
	cr_assert_eq(tm_peek(m, TM_STACK - 8, 4), SEL_CODE);
	cr_assert_eq(tm_peek(m, TM_STACK - 4, 4), 0x2 | TM_CF);
	cr_assert_eq(log.vector[log.n - 1], 13);
	const struct ev_exception *e = machine_last_exception(m);
	cr_assert_not_null(e);
	cr_assert(e->has_error);
	cr_assert_eq(e->error, 0x40 * 8 + 2);
	machine_free(m);
}

/* prot32 #DE: no error code, 12 bytes pushed, no stack alignment. */
Test(modes, prot32_de)
{
	static const uint8_t code[] = {
		0x0f, 0x01, 0x1e,             /* 0: lidt [esi] */
		0x31, 0xd2,                   /* 3: xor edx, edx */
		0xb8, 0x01, 0x00, 0x00, 0x00, /* 5: mov eax, 1 */
		0x31, 0xc9,                   /* 10: xor ecx, ecx */
		0xf7, 0xf1,                   /* 12: div ecx */
	};
	struct machine *m = tm_new(START_PROT32);
	install_handlers(m, 32 * 8 - 1, 4);
	gate32(m, 0, HANDLER(0), 0xe);
	machine_reg_set(m, VT_RSI, IDTR);
	machine_reg_set(m, VT_RSP, TM_STACK - 4);
	tm_load(m, code, sizeof code);
	cr_assert_eq(machine_run(m, 100), STOP_HLT);
	cr_assert_eq(reg(m, VT_RIP), HANDLER(0) + 1);
	cr_assert_eq(reg(m, VT_RSP), TM_STACK - 4 - 12);
	cr_assert_eq(tm_peek(m, TM_STACK - 16, 4), TM_CODE + 12);
	cr_assert_eq(tm_peek(m, TM_STACK - 12, 4), SEL_CODE);
	machine_free(m);
}

/*
 * Real mode: vector n's handler is the far pointer at 4n in the IVT;
 * FLAGS, CS, IP are pushed and IF, TF, AC cleared (SDM Vol. 3A, 21.1.4).
 * #DE pushes the DIV's IP, INT 21h the next one.
 */
Test(modes, real16_ivt)
{
	static const uint8_t code[] = {
		0x31, 0xd2,       /* 0: xor dx, dx */
		0xb8, 0x01, 0x00, /* 2: mov ax, 1 */
		0x31, 0xc9,       /* 5: xor cx, cx */
		0xf7, 0xf1,       /* 7: div cx */
	};
	static const uint8_t int21[] = { 0x90, 0xcd, 0x21 }; /* nop; int 0x21 */
	static const struct { const uint8_t *code; size_t len; unsigned v; uint64_t ip; } k[] = {
		{ code, sizeof code, 0, TM_CODE + 7 }, { int21, sizeof int21, 0x21, TM_CODE + 3 },
	};
	for (size_t j = 0; j < 2; j++) {
		struct machine *m = tm_new(START_REAL16);
		/* Handler at 0120h:0000h = linear 1200h + 10h * v. */
		tm_poke(m, 4 * k[j].v, 2, 0);
		tm_poke(m, 4 * k[j].v + 2, 2, (HANDLER(k[j].v) >> 4));
		tm_poke(m, HANDLER(k[j].v), 1, 0xf4);
		machine_reg_set(m, VT_RFLAGS, 0x2 | FL_IF);
		tm_load(m, k[j].code, k[j].len);
		cr_assert_eq(machine_run(m, 100), STOP_HLT, "vector %#x: handler runs with IF = 0", k[j].v);
		cr_assert_eq(reg(m, VT_CS), HANDLER(k[j].v) >> 4);
		cr_assert_eq(reg(m, VT_RIP), 1);
		cr_assert_eq(reg(m, VT_RSP), TM_STACK - 6);
		cr_assert_eq(tm_peek(m, TM_STACK - 6, 2), k[j].ip, "vector %#x: pushed IP", k[j].v);
		cr_assert_eq(tm_peek(m, TM_STACK - 4, 2), 0, "pushed CS");
		cr_assert_eq(tm_peek(m, TM_STACK - 2, 2) & FL_IF, FL_IF, "pushed FLAGS has IF");
		machine_free(m);
	}
}

/* LIDT in real mode moves the IVT (SDM Vol. 3A, 21.1.4: the IDTR's base
 * locates the vector table in real-address mode as well). */
Test(modes, real16_lidt_moves_ivt)
{
	static const uint8_t code[] = {
		0x0f, 0x01, 0x1e, 0x00, 0x80, /* lidt [0x8000] */
		0xcd, 0x21,                   /* int 0x21 */
	};
	struct machine *m = tm_new(START_REAL16);
	tm_poke(m, 0x8000, 2, 0x3ff);
	tm_poke(m, 0x8002, 4, 0x2000);
	tm_poke(m, 0x2000 + 4 * 0x21, 4, (uint64_t)0x0130 << 16);     /* 0130h:0000h -> 1300h */
	tm_poke(m, 0x0000 + 4 * 0x21, 4, (uint64_t)0x0140 << 16);     /* the old table: 1400h */
	tm_poke(m, 0x1300, 1, 0xf4);
	tm_poke(m, 0x1400, 1, 0xf4);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(reg(m, VT_CS), 0x130);
	cr_assert_eq(reg(m, VT_RIP), 1);
	cr_assert_eq(tm_peek(m, TM_STACK - 6, 2), TM_CODE + sizeof code);
	machine_free(m);
}

/* Records the first #UD's EV_EXCEPTION (its text is copied: the core
 * reuses the buffer). */
struct ud_seen {
	int n;             /* #UD events */
	uint64_t rip;      /* RIP of the first */
	char insn[96];     /* its disassembly */
};

static void on_exc(void *opaque, const struct event *e)
{
	struct ud_seen *s = opaque;
	if (e->u.exc.vector == 6 && s->n++ == 0) {
		s->rip = e->u.exc.rip;
		snprintf(s->insn, sizeof s->insn, "%s", e->u.exc.insn ? e->u.exc.insn : "(null)");
	}
}

/* An instruction vtsim does not implement, and invalid encodings, raise
 * #UD at their address; the event names an implemented-but-missing
 * instruction so a user can see what to avoid. */
Test(modes, ud_names_the_instruction)
{
	static const struct { const char *text; uint8_t code[4]; uint8_t len; const char *mnemonic; } k[] = {
		{ "rdseed eax", { 0x0f, 0xc7, 0xf8 }, 3, "rdseed" },
		{ "rdrand eax", { 0x0f, 0xc7, 0xf0 }, 3, "rdrand" },
		{ "ud2", { 0x0f, 0x0b }, 2, "ud2" },
		{ "push es in 64-bit mode", { 0x06 }, 1, NULL },
	};
	for (size_t j = 0; j < 4; j++) {
		uint8_t code[8] = { 0x90 };
		memcpy(code + 1, k[j].code, k[j].len);
		struct ud_seen seen = { 0 };
		struct machine *m = tm_new(START_LONG64);
		cr_assert_geq(machine_subscribe(m, EVB(EV_EXCEPTION), on_exc, &seen), 0);
		cr_expect_eq(tm_run_bytes(m, code, k[j].len + 1u), STOP_SHUTDOWN, "%s", k[j].text);
		cr_expect_eq(seen.n, 1, "%s: #UD events", k[j].text);
		cr_expect_eq(seen.rip, TM_CODE + 1, "%s: #UD RIP", k[j].text);
		if (k[j].mnemonic)
			cr_expect_not_null(strstr(seen.insn, k[j].mnemonic), "%s: event insn is \"%s\"", k[j].text, seen.insn);
		cr_expect_eq(reg(m, VT_RIP), TM_CODE + 1, "%s: RIP kept", k[j].text);
		cr_expect_eq(reg(m, VT_RSP), TM_STACK, "%s: nothing pushed", k[j].text);
		machine_free(m);
	}
}

/*
 * Triple fault with the loader's empty IDT (limit 0): #UD cannot be
 * delivered (#GP: vector beyond the limit; benign then contributory is
 * handled serially), #GP cannot either (contributory twice: #DF), and a
 * fault while delivering #DF shuts the processor down (SDM Vol. 3A,
 * 6.15, Table 6-5 and Interrupt 8). RIP stays at the #UD.
 */
Test(modes, triple_fault_shutdown)
{
	static const uint8_t code[] = { 0x90, 0x90, 0x0f, 0x0b }; /* nop; nop; ud2 */
	static const enum start_mode modes[] = { START_LONG64, START_PROT32 };
	for (size_t j = 0; j < 2; j++) {
		struct tm_exc_log log;
		struct machine *m = tm_new(modes[j]);
		tm_log_exceptions(m, &log);
		cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_SHUTDOWN);
		cr_assert_eq(log.n, 3);
		cr_assert_eq(log.vector[0], 6);
		cr_assert_eq(log.vector[1], 13);
		cr_assert_eq(log.vector[2], 8);
		cr_assert_eq(log.rip[0], TM_CODE + 2);
		cr_assert_eq(reg(m, VT_RIP), TM_CODE + 2);
		cr_assert_eq(reg(m, VT_RSP), TM_STACK);
		cr_assert_eq(machine_icount(m), 2);
		/* A shut-down processor stays down. */
		cr_assert_eq(machine_run(m, 100), STOP_SHUTDOWN);
		cr_assert_eq(machine_icount(m), 2);
		machine_free(m);
	}
}

/*
 * INT n is a software interrupt, not the exception whose vector it
 * borrows: Table 6-4 of SDM Vol. 3A, 6.15 lists "All INT n" among the
 * benign events, so a fault while delivering INT 0 or INT 8 is handled
 * serially — never a double fault, and never a shutdown. Here the gates
 * for vectors 0 and 8 are not present, so INT 0 / INT 8 raise #NP with
 * error code vector*8+2 (IDT, EXT=0 for INT n; 6.13), and the #NP gate
 * works. #DF gets a handler too, to tell the two outcomes apart.
 */
Test(modes, int_n_faults_are_not_double_faults)
{
	static const unsigned vectors[] = { 0, 8, 13, 14 };
	for (size_t j = 0; j < sizeof vectors / sizeof vectors[0]; j++) {
		unsigned v = vectors[j];
		const uint8_t code[] = { 0x0f, 0x01, 0x1e, 0xcd, (uint8_t)v }; /* lidt [rsi]; int v */
		struct tm_exc_log log;
		struct machine *m = tm_new(START_LONG64);
		tm_log_exceptions(m, &log);
		install_handlers(m, 0xfff, 8);
		gate64(m, 11, HANDLER(11), 0xe);
		gate64(m, 8, HANDLER(8), 0xe);
		if (v != 8)
			gate64(m, 13, HANDLER(13), 0xe);
		/* The gate for v: an interrupt gate with P = 0. */
		tm_poke(m, IDT + 16 * v, 8, (HANDLER(v) & 0xffff) | ((uint64_t)SEL_CODE << 16) | (0x0eull << 40));
		tm_poke(m, IDT + 16 * v + 8, 8, 0);
		machine_reg_set(m, VT_RSI, IDTR);
		tm_load(m, code, sizeof code);
		enum stop_reason r = machine_run(m, 100);
		cr_expect_eq(r, STOP_HLT, "INT %u: stopped with %s", v, stop_reason_name(r));
		cr_expect_eq(reg(m, VT_RIP), HANDLER(11) + 1, "INT %u: ran the handler at %#llx, expected #NP's", v,
			     (unsigned long long)reg(m, VT_RIP) - 1);
		cr_expect_eq(tm_peek(m, reg(m, VT_RSP), 8), v * 8 + 2, "INT %u: #NP error code", v);
		cr_expect_eq(tm_peek(m, reg(m, VT_RSP) + 8, 8), TM_CODE + 3, "INT %u: #NP is a fault at the INT", v);
		cr_expect_eq(log.n, 2, "INT %u: events INT, #NP", v);
		cr_expect_eq(log.vector[1], 11, "INT %u: second event is vector %u", v, log.vector[1]);
		machine_free(m);
	}
}

static void count_insn(void *opaque, const struct event *e)
{
	uint64_t *n = opaque;
	if (e->u.insn.rip == TM_CODE + 4)
		n[1]++; /* the INT itself */
	n[0]++;
}

/*
 * INT n completes like a trap (SDM Vol. 3A, 6.5: the saved RIP is the
 * next instruction's, the instruction has executed), so it retires: it
 * counts in machine_icount and has its EV_INSN, like the HLT after it.
 * Only faulting instructions do not retire.
 */
Test(modes, int_n_retires)
{
	static const uint8_t code[] = { 0x0f, 0x01, 0x1e, 0x90, 0xcd, 0x21 }; /* lidt [rsi]; nop; int 0x21 */
	for (int stepped = 0; stepped < 2; stepped++) {
		uint64_t n[2] = { 0, 0 };
		struct machine *m = tm_new(START_LONG64);
		if (stepped)
			cr_assert_geq(machine_subscribe(m, EVB(EV_INSN), count_insn, n), 0);
		install_handlers(m, 0xfff, 8);
		gate64(m, 0x21, HANDLER(0x21), 0xe);
		machine_reg_set(m, VT_RSI, IDTR);
		tm_load(m, code, sizeof code);
		cr_assert_eq(machine_run(m, 100), STOP_HLT);
		cr_assert_eq(reg(m, VT_RIP), HANDLER(0x21) + 1);
		cr_expect_eq(machine_icount(m), 4, "stepped=%d: lidt, nop, int, hlt retired; icount %llu", stepped,
			     (unsigned long long)machine_icount(m));
		if (stepped) {
			cr_expect_eq(n[0], machine_icount(m), "EV_INSN events vs icount");
			cr_expect_eq(n[1], 1, "no EV_INSN for the INT");
		}
		machine_free(m);
	}
}
