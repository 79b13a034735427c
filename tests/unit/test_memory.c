/* test_memory.c - unit tests for the physical memory map, port I/O devices and the exit port (sim/memory.c, sim/devices/). */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"

static uint64_t reg(struct machine *m, enum vt_reg r)
{
	return machine_reg_get(m, r);
}

static void run_to_hlt(struct machine *m, const uint8_t *code, size_t len)
{
	enum stop_reason r = tm_run_bytes(m, code, len);
	cr_assert_eq(r, STOP_HLT, "stopped with %s at %#llx", stop_reason_name(r), (unsigned long long)reg(m, VT_RIP));
}

/* Physical addresses with nothing behind them read as all ones and
 * ignore writes, as on a PC's open bus. */
Test(memory, unbacked_physical_reads_ones)
{
	struct machine *m = tm_new(START_LONG64);
	cr_assert_eq(machine_ram_size(m), TM_RAM);
	uint8_t buf[16];
	memset(buf, 0x11, sizeof buf);
	machine_phys_write(m, TM_RAM + 0x100, buf, sizeof buf); /* dropped */
	memset(buf, 0, sizeof buf);
	machine_phys_read(m, TM_RAM + 0x100, buf, sizeof buf);
	for (size_t i = 0; i < sizeof buf; i++)
		cr_assert_eq(buf[i], 0xff, "byte %zu beyond RAM", i);

	/* A range straddling the end of RAM: RAM bytes, then ones. */
	static const uint8_t pat[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	machine_phys_write(m, TM_RAM - 4, pat, sizeof pat);
	machine_phys_read(m, TM_RAM - 4, buf, 8);
	static const uint8_t want[8] = { 1, 2, 3, 4, 0xff, 0xff, 0xff, 0xff };
	cr_assert_arr_eq(buf, want, 8);
	machine_phys_read(m, 0xfffffffffffffff0ull, buf, 8);
	for (size_t i = 0; i < 8; i++)
		cr_assert_eq(buf[i], 0xff, "byte %zu near the top of the address space", i);
	machine_free(m);
}

/*
 * From the guest: physical FFFF0000h is inside the long64 loader's 4 GiB
 * identity map but not RAM, so a load gives all ones and a store is lost.
 */
Test(memory, guest_reads_unbacked_as_ones)
{
	static const uint8_t code[] = {
		0x48, 0x8b, 0x07, /* mov rax, [rdi] */
		0x48, 0x89, 0x1f, /* mov [rdi], rbx */
		0x48, 0x8b, 0x0f, /* mov rcx, [rdi] */
		0x8b, 0x57, 0xfe, /* mov edx, [rdi-2] */
	};
	struct machine *m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RDI, 0xffff0000);
	machine_reg_set(m, VT_RBX, 0x1234);
	run_to_hlt(m, code, sizeof code);
	cr_assert_eq(reg(m, VT_RAX), ~0ull);
	cr_assert_eq(reg(m, VT_RCX), ~0ull, "the store was dropped");
	cr_assert_eq(reg(m, VT_RDX), 0xffffffff);
	machine_free(m);

	/* prot32 without paging: the same physical address. */
	m = tm_new(START_PROT32);
	machine_reg_set(m, VT_RDI, 0xffff0000);
	static const uint8_t code32[] = { 0x8b, 0x07 }; /* mov eax, [edi] */
	run_to_hlt(m, code32, sizeof code32);
	cr_assert_eq(reg(m, VT_RAX), 0xffffffff);
	machine_free(m);
}

/* Port 0xE9 (debug console) and the UART's THR at 3F8h both reach the
 * output buffer when no console callback is set. */
Test(memory, console_buffer)
{
	static const uint8_t code[] = {
		0xb0, 0x48,             /* mov al, 'H' */
		0xe6, 0xe9,             /* out 0xe9, al */
		0x66, 0xba, 0xf8, 0x03, /* mov dx, 0x3f8 */
		0xb0, 0x69,             /* mov al, 'i' */
		0xee,                   /* out dx, al */
		0xb0, 0x0a,             /* mov al, '\n' */
		0xe6, 0xe9,             /* out 0xe9, al */
	};
	struct machine *m = tm_new(START_LONG64);
	size_t len = 99;
	cr_assert_str_eq(machine_console_output(m, &len), "");
	cr_assert_eq(len, 0);
	run_to_hlt(m, code, sizeof code);
	const char *out = machine_console_output(m, &len);
	cr_assert_eq(len, 3);
	cr_assert_str_eq(out, "Hi\n");
	machine_free(m);
}

static void collect(void *opaque, uint8_t byte)
{
	char *s = opaque;
	size_t n = strlen(s);
	s[n] = (char)byte;
	s[n + 1] = 0;
}

/* With a console callback the bytes go there instead of the buffer. */
Test(memory, console_callback)
{
	static const uint8_t code[] = { 0xb0, 0x21, 0xe6, 0xe9 }; /* mov al, '!'; out 0xe9, al */
	char got[16] = "";
	char err[200];
	struct machine_config cfg = { .ram_size = TM_RAM, .console = collect, .console_opaque = got };
	struct machine *m = machine_new(&cfg, err, sizeof err);
	cr_assert_not_null(m, "%s", err);
	cr_assert_eq(machine_start(m, START_LONG64, TM_CODE, err, sizeof err), 0, "%s", err);
	machine_reg_set(m, VT_RSP, TM_STACK);
	machine_reg_set(m, VT_RFLAGS, 2);
	run_to_hlt(m, code, sizeof code);
	cr_assert_str_eq(got, "!");
	size_t len = 99;
	machine_console_output(m, &len);
	cr_assert_eq(len, 0);
	machine_free(m);
}

/*
 * The 16550 UART: LSR (3FDh) says the transmitter is empty (THRE|TEMT =
 * 60h); with LCR.DLAB set, THR is the divisor latch and prints nothing.
 * Reading 0xE9 returns 0xE9; an unclaimed port reads all ones at the
 * access size (and IN EAX zero-extends into RAX).
 */
Test(memory, port_reads)
{
	static const uint8_t code[] = {
		0x66, 0xba, 0xfd, 0x03, /* mov dx, 0x3fd */
		0xec,                   /* in al, dx        -> AL = 60h */
		0x88, 0xc3,             /* mov bl, al */
		0xe4, 0xe9,             /* in al, 0xe9      -> E9h */
		0x88, 0xc7,             /* mov bh, al */
		0xe4, 0x80,             /* in al, 0x80      -> FFh */
		0x88, 0xc1,             /* mov cl, al */
		0x66, 0xba, 0x34, 0x12, /* mov dx, 0x1234 */
		0x66, 0xed,             /* in ax, dx        -> FFFFh */
		0x66, 0x89, 0xc6,       /* mov si, ax */
		0xed,                   /* in eax, dx       -> FFFFFFFFh */
	};
	struct machine *m = tm_new(START_LONG64);
	machine_reg_set(m, VT_RAX, 0x1111111111111111);
	machine_reg_set(m, VT_RSI, 0x2222222222222222);
	machine_reg_set(m, VT_RCX, 0);
	run_to_hlt(m, code, sizeof code);
	cr_assert_eq(reg(m, VT_RBX) & 0xffff, 0xe960);
	cr_assert_eq(reg(m, VT_RCX), 0xff);
	cr_assert_eq(reg(m, VT_RSI), 0x222222222222ffff);
	cr_assert_eq(reg(m, VT_RAX), 0xffffffff);
	machine_free(m);
}

Test(memory, uart_dlab_and_loopback)
{
	static const uint8_t code[] = {
		0x66, 0xba, 0xfb, 0x03, /* mov dx, 0x3fb (LCR) */
		0xb0, 0x80, 0xee,       /* LCR = 80h: DLAB */
		0x66, 0xba, 0xf8, 0x03, /* mov dx, 0x3f8 */
		0xb0, 0x58, 0xee,       /* 'X' -> divisor latch low */
		0xec, 0x88, 0xc3,       /* in al, dx; mov bl, al  (reads the latch back) */
		0x66, 0xba, 0xfb, 0x03,
		0xb0, 0x03, 0xee,       /* LCR = 03h: 8N1, DLAB off */
		0x66, 0xba, 0xf8, 0x03,
		0xb0, 0x59, 0xee,       /* 'Y' -> output */
		0x66, 0xba, 0xfc, 0x03,
		0xb0, 0x10, 0xee,       /* MCR = 10h: loopback */
		0x66, 0xba, 0xf8, 0x03,
		0xb0, 0x5a, 0xee,       /* 'Z' stays inside */
	};
	struct machine *m = tm_new(START_LONG64);
	run_to_hlt(m, code, sizeof code);
	size_t len;
	cr_assert_str_eq(machine_console_output(m, &len), "Y");
	cr_assert_eq(reg(m, VT_RBX) & 0xff, 0x58);
	machine_free(m);
}

/* A write to port 0xF4 stops the run after the OUT with the value as the
 * exit code (8-bit and 32-bit writes). */
Test(memory, exit_port)
{
	static const uint8_t out8[] = { 0xb0, 0x05, 0xe6, 0xf4, 0xb3, 0x01 };   /* mov al, 5; out 0xf4, al; mov bl, 1 */
	static const uint8_t out32[] = { 0x66, 0xba, 0xf4, 0x00, 0xef };        /* mov dx, 0xf4; out dx, eax */
	struct machine *m = tm_new(START_LONG64);
	cr_assert_eq(machine_exit_code(m), -1, "no exit code before the guest writes one");
	tm_load(m, out8, sizeof out8);
	cr_assert_eq(machine_run(m, 100), STOP_EXIT_PORT);
	cr_assert_eq(machine_exit_code(m), 5);
	cr_assert_eq(reg(m, VT_RIP), TM_CODE + 4, "stopped right after the OUT");
	cr_assert_eq(reg(m, VT_RBX), 0);
	cr_assert_eq(machine_icount(m), 2);
	/* The machine can go on. */
	cr_assert_eq(machine_run(m, 100), STOP_HLT);
	cr_assert_eq(reg(m, VT_RBX), 1);
	machine_free(m);

	m = tm_new(START_PROT32);
	machine_reg_set(m, VT_RAX, 0x12345678);
	cr_assert_eq(tm_run_bytes(m, out32, sizeof out32), STOP_EXIT_PORT);
	cr_assert_eq(machine_exit_code(m), 0x12345678);
	machine_free(m);
}

/* machine_new refuses RAM sizes it cannot model, with a reason. */
Test(memory, bad_ram_sizes)
{
	static const uint64_t bad[] = { 0, 4095, 4097, 1ull << 62 };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char err[200] = "";
		struct machine_config cfg = { .ram_size = bad[i] };
		struct machine *m = machine_new(&cfg, err, sizeof err);
		cr_expect_null(m, "ram_size %llu accepted", (unsigned long long)bad[i]);
		cr_expect_neq(err[0], 0, "ram_size %llu: no reason given", (unsigned long long)bad[i]);
		machine_free(m);
	}
}
