/* test_platform.c - routing to INTR, fw_cfg, PCI, UART, pc-testdev, MSRs through the machine. */
#include <criterion/criterion.h>
#include <string.h>

#include "../../sim/platform.h"
#include "guest.h"
#include "helpers.h"

/* Program the PICs from C as an OS would: vectors 20h/28h, all unmasked. */
static void pic_setup(struct platform *p)
{
	static const uint16_t port[] = { 0x20, 0xa0, 0x21, 0xa1, 0x21, 0xa1, 0x21, 0xa1, 0x21, 0xa1 };
	static const uint8_t val[] = { 0x11, 0x11, 0x20, 0x28, 0x04, 0x02, 0x01, 0x01, 0x00, 0x00 };
	for (int i = 0; i < 10; i++)
		pic_write(platform_pic(p), port[i], val[i]);
}

/*
 * Which controller reaches INTR (the routing rule in platform.c): the
 * 8259A while the local APIC is software-disabled (power-up), not once
 * software enables it with LINT0 masked, again with LINT0 in ExtINT mode,
 * and again when the APIC is globally disabled. The APIC's own vectors go
 * first.
 */
Test(platform, intr_routing)
{
	struct machine *m = tm_new(START_LONG64);
	struct platform *p = machine_platform(m);
	struct lapic *l = platform_lapic(p);
	pic_setup(p);
	platform_set_irq(p, 1, 1);
	cr_assert_eq(platform_intr_pending(p), 0x21, "APIC software-disabled: the PIC passes");

	lapic_write(l, 0x0f0, 0x1ff);
	cr_assert_eq(platform_intr_pending(p), -1, "APIC enabled, LINT0 masked: the PIC is cut off");

	lapic_write(l, 0x350, 0x700);
	cr_assert_eq(platform_intr_pending(p), 0x21, "LINT0 ExtINT: virtual wire");

	lapic_accept(l, 0x90);
	cr_assert_eq(platform_intr_pending(p), 0x90, "the APIC's own vector first");
	cr_assert_eq(platform_intr_ack(p), 0x90);
	cr_assert_eq(platform_intr_pending(p), 0x21, "ExtINT ignores PPR");
	cr_assert_eq(platform_intr_ack(p), 0x21);
	pic_write(platform_pic(p), 0x20, 0x20);
	lapic_write(l, 0x0b0, 0);

	lapic_write(l, 0x350, 0x10700);
	platform_set_irq(p, 1, 0);
	platform_set_irq(p, 1, 1);
	cr_assert_eq(platform_intr_pending(p), -1);
	cr_assert(machine_msr_set(m, IA32_APIC_BASE, 0xfee00000), "global disable through WRMSR");
	cr_assert_eq(platform_intr_pending(p), 0x21, "no APIC: the PIC's INT is INTR");
	machine_free(m);
}

/* A request that vanishes between INTR and INTA: the 8259A answers IR7. */
Test(platform, spurious_pic_interrupt)
{
	struct machine *m = tm_new(START_LONG64);
	struct platform *p = machine_platform(m);
	pic_setup(p);
	platform_set_irq(p, 5, 1);
	cr_assert_eq(platform_intr_pending(p), 0x25);
	platform_set_irq(p, 5, 0);
	cr_assert_eq(platform_intr_ack(p), 0x27, "spurious IRQ7");
	pic_write(platform_pic(p), 0x20, 0x0b);
	cr_assert_eq(pic_read(platform_pic(p), 0x20), 0, "no ISR bit for it");
	machine_free(m);
}

/* What a BIOS would leave: PICs at 08h/70h, all masked but the cascade,
 * APIC in virtual-wire mode. */
Test(platform, firmware_init)
{
	struct machine *m = tm_new(START_LONG64);
	struct platform *p = machine_platform(m);
	platform_firmware_init(p);
	struct lapic *l = platform_lapic(p);
	cr_assert(lapic_sw_enabled(l));
	cr_assert(lapic_extint(l));
	cr_assert_eq(lapic_read(l, 0x360), 0x400, "LINT1: NMI");
	cr_assert_eq(pic_read(platform_pic(p), 0x21), 0xfb);
	platform_set_irq(p, 0, 0);
	platform_set_irq(p, 0, 1);
	cr_assert_eq(platform_intr_pending(p), -1, "IRQ0 masked");
	pic_write(platform_pic(p), 0x21, 0xfa);
	cr_assert_eq(platform_intr_pending(p), 0x08, "IRQ0 is vector 08h");
	platform_set_irq(p, 8, 1);
	pic_write(platform_pic(p), 0xa1, 0xfe);
	cr_assert_eq(platform_intr_ack(p), 0x08);
	pic_write(platform_pic(p), 0x20, 0x20);
	cr_assert_eq(platform_intr_ack(p), 0x70, "IRQ8 is vector 70h");
	machine_free(m);
}

Test(platform, reset)
{
	struct machine *m = tm_new(START_LONG64);
	struct platform *p = machine_platform(m);
	platform_firmware_init(p);
	lapic_write(platform_lapic(p), 0x380, 1000);
	platform_reset(p);
	cr_assert_not(lapic_sw_enabled(platform_lapic(p)));
	cr_assert_eq(lapic_read(platform_lapic(p), 0x390), 0, "timer stopped");
	cr_assert_eq(pic_read(platform_pic(p), 0x21), 0xff);
	machine_free(m);
}

/* The CPU's RDMSR/WRMSR path reaches the APIC MSRs (machine API). */
Test(platform, apic_msrs_through_the_cpu)
{
	struct machine *m = tm_new(START_LONG64);
	uint64_t v;
	cr_assert(machine_msr_get(m, IA32_APIC_BASE, &v));
	cr_assert_eq(v, 0xfee00900);
	cr_assert_not(machine_msr_get(m, 0x808, &v), "x2APIC TPR: #GP in xAPIC mode");
	cr_assert(machine_msr_set(m, IA32_APIC_BASE, 0xfee00c00));
	cr_assert(machine_msr_set(m, 0x808, 0x30));
	cr_assert(machine_msr_get(m, 0x808, &v));
	cr_assert_eq(v, 0x30);
	cr_assert(machine_msr_get(m, 0x80a, &v));
	cr_assert_eq(v, 0x30, "PPR follows");
	cr_assert_not(machine_msr_set(m, 0x8ff, 0), "an x2APIC MSR that does not exist");
	machine_free(m);
}

/*
 * tests/unit/guests/ports32.asm: fw_cfg (signature, ID, RAM size, CPU
 * counts, an unknown key), PCI configuration reads of an empty bus, the
 * pc-testdev byte lanes, and the UART's LSR, divisor latch and loopback.
 */
Test(platform, guest_ports)
{
	struct machine *m = tm_new(START_PROT32);
	tg_load(m, "ports32.bin");
	cr_assert_eq(machine_run(m, 10000), STOP_HLT);
	char sig[5] = { 0 };
	machine_phys_read(m, TM_DATA, sig, 4);
	cr_assert_str_eq(sig, "QEMU", "fw_cfg signature");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x04, 4), 1, "fw_cfg ID: traditional interface");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x08, 8), TM_RAM, "RAM size");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x10, 2), 1, "CPUs");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x12, 2), 1, "max CPUs");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x14, 4), 0, "unknown key reads 0");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x18, 4), 0x554d4551, "\"QEMU\" in one 32-bit read");

	cr_assert_eq(tm_peek(m, TM_DATA + 0x1c, 4), 0x80000000, "CONFIG_ADDRESS reads back");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x20, 4), 0xffffffff, "no device: all ones");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x24, 2), 0xffff);
	cr_assert_eq(tm_peek(m, TM_DATA + 0x26, 1), 0xff, "a byte read of 0CF8h is not CONFIG_ADDRESS");

	cr_assert_eq(tm_peek(m, TM_DATA + 0x28, 4), 0x44332211, "pc-testdev: four byte lanes");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x2c, 2), 0x3322, "a word at 0E1h");

	cr_assert_eq(tm_peek(m, TM_DATA + 0x30, 1), 0x60, "LSR: THRE | TEMT");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x31, 2), 0x0001, "divisor latch");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x33, 1), 0x03, "LCR");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x34, 1), 0x61, "loopback: data ready");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x35, 1), 0x5a, "the byte came back");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x36, 1), 0x60, "read: no more data");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x37, 1), 0xf0, "MSR: CTS DSR RI DCD from RTS DTR OUT1 OUT2");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x38, 1), 0xc1, "IIR: FIFOs enabled, nothing pending");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x39, 1), 0xa5, "scratch register");
	size_t len;
	cr_assert_str_eq(machine_console_output(m, &len), "k", "loopback kept 5Ah inside");
	machine_free(m);
}

/* tests/unit/guests/uart_irq32.asm: THRE and received-data interrupts on IRQ4. */
Test(platform, guest_uart_interrupts, .timeout = 30)
{
	struct machine *m = tm_new(START_PROT32);
	tg_load(m, "uart_irq32.bin");
	cr_assert_eq(machine_run(m, 10000), STOP_HLT_IDLE, "waiting for a byte");
	cr_assert_eq(tm_peek(m, TM_DATA + 4, 1), 0xc2, "THRE pending while OUT2 gated the line");
	cr_assert_eq(tm_peek(m, TM_DATA + 0, 1), 0xc2, "THRE interrupt taken once OUT2 was set");
	dev_uart_receive(platform_uart(machine_platform(m)), 'Q');
	cr_assert_eq(machine_run(m, 10000), STOP_EXIT_PORT);
	cr_assert_eq(tm_peek(m, TM_DATA + 1, 1), 0xc4, "received data available");
	cr_assert_eq(tm_peek(m, TM_DATA + 2, 1), 'Q');
	cr_assert_eq(machine_exit_code(m), 2);
	machine_free(m);
}

/* Unclaimed ports read all ones at every width and swallow writes. */
Test(platform, unknown_ports)
{
	static const uint8_t code[] = {
		0x66, 0xba, 0x00, 0x03, /* mov dx, 0x300 */
		0xb0, 0x12, 0xee,       /* out dx, al */
		0xec,                   /* in al, dx */
		0x88, 0xc3,             /* mov bl, al */
		0xed,                   /* in eax, dx */
	};
	struct machine *m = tm_new(START_LONG64);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(machine_reg_get(m, VT_RBX) & 0xff, 0xff);
	cr_assert_eq(machine_reg_get(m, VT_RAX), 0xffffffff);
	machine_free(m);
}

/* A machine is built at 2 GHz unless told otherwise. */
Test(platform, default_cpu_hz)
{
	struct machine *m = tm_new(START_LONG64);
	cr_assert_eq(machine_cpu_hz(m), MACHINE_DEFAULT_HZ);
	cr_assert_eq(MACHINE_DEFAULT_HZ, 2000000000ull);
	machine_free(m);
}
