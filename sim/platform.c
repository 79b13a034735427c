/* platform.c - builds the PC platform, wires its IRQ lines and drives the CPU's INTR. */
#include "platform.h"

#include <stdio.h>
#include <string.h>
#include <stdlib.h>

/*
 * How an interrupt reaches the CPU.
 *
 *   PIT OUT0 ──IRQ0──┐
 *   UART ─────IRQ4───┤ 8259A master ─INT─┐
 *   slave INT ─IRQ2──┘                    ├─ LINT0 (ExtINT) ─┐
 *                                         │                  ├── local APIC ── INTR
 *   LVT timer, LVT error, self-IPIs ──────┴─ IRR/ISR/PPR ────┘
 *
 * The local APIC's own interrupts are taken first: the highest vector in
 * IRR whose priority class is above PPR's (SDM Vol. 3A, 11.8.3.1, 11.8.4).
 * The 8259A pair's INT reaches INTR, with the PIC supplying the vector in
 * the INTA cycle, in two cases:
 *  - LVT LINT0 is unmasked with delivery mode ExtINT: the virtual-wire mode
 *    of the MultiProcessor Specification 1.4 (3.6.2.2) that firmware sets
 *    up; ExtINT bypasses IRR, ISR and the priorities (SDM Vol. 3A, 11.5.1);
 *  - the local APIC is disabled, globally (IA32_APIC_BASE.EN = 0: the
 *    processor then has no APIC in the path) or by software (SVR bit 8 =
 *    0, the state after power-up). The second is vtsim's choice: real
 *    hardware masks LINT0 while the APIC is software-disabled (SDM 11.4.7.2)
 *    and relies on the BIOS having set virtual-wire mode. With no BIOS in
 *    front of most guests, vtsim lets the PIC through, so a kernel that
 *    never touches the APIC gets its PIC interrupts, as it would on a PC.
 *    Once software enables the APIC, LINT0 decides.
 *
 * Devices call cpu_poke() through `poke` whenever an interrupt line or an
 * interrupt controller changes, so that a change made by an OUT or an
 * MMIO store in the middle of a block is seen after that instruction; a
 * timer callback runs between blocks, where the CPU looks anyway.
 */
struct platform {
	struct cpu *cpu;                /* the processor whose INTR this is */
	struct clock *clock;            /* the machine's cycle clock */
	int cpu_timer;                  /* the CPU's own timer (the VMX-preemption timer) */
	struct pic pic;                 /* 8259A master and slave */
	struct pit pit;                 /* 8254 */
	struct lapic lapic;             /* the local APIC */
	struct fwcfg fwcfg;             /* firmware configuration items */
	struct dev_uart uart;           /* COM1 */
	struct dev_debugcon debugcon;   /* port E9h */
	struct dev_exitport exitport;   /* port F4h */
	struct dev_pci pci;             /* configuration ports, no devices */
	struct dev_testdev testdev;     /* pc-testdev scratch register */
};

static void poke(void *opaque)
{
	struct platform *p = opaque;
	cpu_poke(p->cpu);
}

static void route_irq(void *opaque, int line, int level)
{
	struct platform *p = opaque;
	pic_set_irq(&p->pic, line, level);
}

void platform_set_irq(struct platform *p, int irq, int level)
{
	pic_set_irq(&p->pic, irq, level);
}

static bool pic_reaches_cpu(const struct platform *p)
{
	return !lapic_sw_enabled(&p->lapic) || lapic_extint(&p->lapic);
}

int platform_intr_pending(struct platform *p)
{
	int v = lapic_pending(&p->lapic);
	if (v >= 0)
		return v;
	if (pic_reaches_cpu(p))
		return pic_pending(&p->pic);
	return -1;
}

/* INTA goes to whoever raised INTR. If the request vanished in between,
 * the 8259A answers with IR7 and the local APIC with its spurious vector. */
uint8_t platform_intr_ack(struct platform *p)
{
	if (lapic_pending(&p->lapic) >= 0 || !pic_reaches_cpu(p))
		return lapic_intack(&p->lapic);
	return pic_intack(&p->pic);
}

static int hook_pending(void *opaque)
{
	return platform_intr_pending(opaque);
}

static uint8_t hook_ack(void *opaque)
{
	return platform_intr_ack(opaque);
}

/* The NMI input: NMI IPIs from the local APIC and platform_raise_nmi(). */
static bool hook_nmi_pending(void *opaque)
{
	struct platform *p = opaque;
	return p->lapic.nmi;
}

static void hook_nmi_ack(void *opaque)
{
	struct platform *p = opaque;
	p->lapic.nmi = false;
}

void platform_raise_nmi(struct platform *p)
{
	p->lapic.nmi = true;
	cpu_poke(p->cpu);
}

/* The CPU's timer fires between blocks; the CPU looks at it then. */
static void cpu_timer_fire(void *opaque, uint64_t now)
{
	struct platform *p = opaque;
	(void)now;
	p->cpu->timer_fired = true;
	cpu_poke(p->cpu);
}

static void hook_timer_arm(void *opaque, uint64_t when)
{
	struct platform *p = opaque;
	clock_timer_arm(p->clock, p->cpu_timer, when);
}

static void hook_tick(void *opaque, uint64_t now)
{
	struct platform *p = opaque;
	clock_run_due(p->clock, now);
}

static bool hook_msr_read(void *opaque, uint32_t msr, uint64_t *val)
{
	struct platform *p = opaque;
	return lapic_msr_read(&p->lapic, msr, val);
}

static bool hook_msr_write(void *opaque, uint32_t msr, uint64_t val)
{
	struct platform *p = opaque;
	return lapic_msr_write(&p->lapic, msr, val);
}

static uint8_t hook_tpr_get(void *opaque)
{
	struct platform *p = opaque;
	return lapic_cr8_get(&p->lapic);
}

static void hook_tpr_set(void *opaque, uint8_t cr8)
{
	struct platform *p = opaque;
	lapic_cr8_set(&p->lapic, cr8);
}

struct cpu_platform platform_cpu_hooks(struct platform *p)
{
	return (struct cpu_platform){
		.intr_pending = hook_pending,
		.intr_ack = hook_ack,
		.nmi_pending = hook_nmi_pending,
		.nmi_ack = hook_nmi_ack,
		.tick = hook_tick,
		.msr_read = hook_msr_read,
		.msr_write = hook_msr_write,
		.tpr_get = hook_tpr_get,
		.tpr_set = hook_tpr_set,
		.timer_arm = hook_timer_arm,
		.opaque = p,
	};
}

struct platform *platform_init(const struct platform_config *cfg, char *err, size_t errlen)
{
	struct platform *p = calloc(1, sizeof *p);
	if (!p) {
		snprintf(err, errlen, "out of memory for the platform devices");
		return NULL;
	}
	p->cpu = cfg->cpu;
	p->clock = cfg->clock;
	if (fwcfg_init(&p->fwcfg, cfg->ram_size) != 0) {
		snprintf(err, errlen, "out of memory for the fw_cfg items");
		free(p);
		return NULL;
	}
	pic_init(&p->pic, poke, p);
	p->uart.sink = cfg->console;
	p->uart.irq = (struct dev_irq){ route_irq, p, 4 };
	p->debugcon.sink = cfg->console;
	p->exitport = (struct dev_exitport){ cfg->on_exit, cfg->exit_opaque };
	const char *what = NULL;
	p->cpu_timer = clock_timer_new(p->clock, cpu_timer_fire, p);
	if (p->cpu_timer < 0 ||
	    pit_init(&p->pit, p->clock, &p->cpu->cycles, (struct dev_irq){ route_irq, p, 0 }) != 0 ||
	    lapic_init(&p->lapic, p->clock, &p->cpu->cycles, poke, p) != 0)
		what = "the clock has no free timer for the PIT or the local APIC";
	else if (pic_attach(&p->pic, cfg->pio) || pit_attach(&p->pit, cfg->pio) ||
		 dev_uart_attach(&p->uart, cfg->pio, 0x3f8) ||
		 dev_debugcon_attach(&p->debugcon, cfg->pio, 0xe9) ||
		 dev_exitport_attach(&p->exitport, cfg->pio, 0xf4) ||
		 fwcfg_attach(&p->fwcfg, cfg->pio) || dev_pci_attach(&p->pci, cfg->pio) ||
		 dev_testdev_attach(&p->testdev, cfg->pio))
		what = "the port map is full or a device's ports are taken";
	else if (lapic_attach(&p->lapic, cfg->pm))
		what = "the physical memory map has no room for the local APIC page";
	if (what) {
		snprintf(err, errlen, "cannot build the platform: %s", what);
		platform_free(p);
		return NULL;
	}
	return p;
}

void platform_free(struct platform *p)
{
	if (!p)
		return;
	fwcfg_free(&p->fwcfg);
	free(p);
}

void platform_reset(struct platform *p)
{
	pic_reset(&p->pic);
	pit_reset(&p->pit); /* after the PIC: it drives IRQ0 high */
	lapic_reset(&p->lapic);
	dev_uart_reset(&p->uart);
	fwcfg_reset(&p->fwcfg);
	p->pci.address = 0;
	p->testdev.scratch = 0;
}

void platform_firmware_init(struct platform *p)
{
	static const struct {
		uint16_t port;
		uint8_t val;
	} pic_setup[] = {
		{ 0x20, 0x11 }, { 0x21, 0x08 }, { 0x21, 0x04 }, { 0x21, 0x01 }, /* master: ICW1-4 */
		{ 0xa0, 0x11 }, { 0xa1, 0x70 }, { 0xa1, 0x02 }, { 0xa1, 0x01 }, /* slave: ICW1-4 */
		{ 0x21, 0xfb }, { 0xa1, 0xff },                                 /* OCW1: masks */
	};
	for (size_t i = 0; i < sizeof pic_setup / sizeof pic_setup[0]; i++)
		pic_write(&p->pic, pic_setup[i].port, pic_setup[i].val);
	struct lapic *l = &p->lapic;
	if (lapic_enabled(l) && !lapic_x2apic(l)) {
		lapic_write(l, 0x0f0, SVR_ENABLE | 0xff);
		lapic_write(l, 0x350, LVT_DM_EXTINT << 8);
		lapic_write(l, 0x360, LVT_DM_NMI << 8);
	}
}

struct pic *platform_pic(struct platform *p)
{
	return &p->pic;
}

struct pit *platform_pit(struct platform *p)
{
	return &p->pit;
}

struct lapic *platform_lapic(struct platform *p)
{
	return &p->lapic;
}

struct fwcfg *platform_fwcfg(struct platform *p)
{
	return &p->fwcfg;
}

struct dev_uart *platform_uart(struct platform *p)
{
	return &p->uart;
}

size_t platform_state_size(void)
{
	return sizeof(struct platform);
}

void platform_state_save(const struct platform *p, void *dst)
{
	memcpy(dst, p, sizeof *p);
}

void platform_state_restore(struct platform *p, const void *src)
{
	memcpy(p, src, sizeof *p);
}
