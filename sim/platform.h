/* platform.h - the PC around the CPU: its devices, their IRQ wiring, and the CPU's INTR. */
#ifndef VTSIM_PLATFORM_H
#define VTSIM_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "cpu/cpu.h"
#include "devices/devices.h"
#include "devices/fwcfg.h"
#include "devices/lapic.h"
#include "devices/pic.h"
#include "devices/pit.h"

/*
 * The platform vtsim models, one CPU:
 *
 *   port 0020h-0021h, 00A0h-00A1h   8259A master and slave (IRQ2 = cascade)
 *   port 04D0h-04D1h                their edge/level control registers (ELCR)
 *   port 0040h-0043h, 0061h         8254 PIT; counter 0 -> IRQ0, counter 2 <-> port 61h
 *   port 03F8h-03FFh                16550A UART (COM1) -> IRQ4
 *   port 00E0h-00E3h                pc-testdev scratch register
 *   port 00E9h                      debug console
 *   port 00F4h                      exit port
 *   port 0510h-0511h                fw_cfg
 *   port 0CF8h-0CFFh                PCI configuration mechanism #1, no devices
 *   FEE00000h-FEE00FFFh             local APIC (xAPIC registers)
 *   MSR 1BH, 800H-8FFH              IA32_APIC_BASE, x2APIC registers
 */
struct platform; /* opaque: see platform.c */

struct platform_config {
	struct cpu *cpu;            /* whose INTR, MSRs and CR8 the platform serves */
	struct physmem *pm;         /* where the xAPIC page is mapped */
	struct pio_map *pio;        /* where the ports are claimed */
	struct clock *clock;        /* the machine's cycle clock (clock_init already done) */
	uint64_t ram_size;          /* for fw_cfg */
	struct dev_sink console;    /* debug console and UART output (required) */
	void (*on_exit)(void *opaque, uint32_t value); /* a write to the exit port (required) */
	void *exit_opaque;          /* passed to on_exit */
};

/* Create and wire every device. NULL on failure, with a reason in err. */
struct platform *platform_init(const struct platform_config *cfg, char *err, size_t errlen);
void platform_free(struct platform *p);
/* The devices' state as bytes, for machine snapshots: its size, a copy
 * into dst (platform_state_size() bytes), and restoring it. The copy
 * holds pointers to this machine's objects: restore it into the same
 * platform only. */
size_t platform_state_size(void);
void platform_state_save(const struct platform *p, void *dst);
void platform_state_restore(struct platform *p, const void *src);

/* The hooks the CPU calls (cpu.plat): INTR, INTA, timers, APIC MSRs, CR8. */
struct cpu_platform platform_cpu_hooks(struct platform *p);

/* Devices back to their power-on state (fw_cfg items stay). */
void platform_reset(struct platform *p);

/*
 * What a PC BIOS typically leaves for an operating system it boots, for
 * loaders that start a kernel without firmware: both 8259As initialized
 * with vectors 08h-0Fh and 70h-77h and every input masked but the
 * cascade, and the local APIC software-enabled in the MP specification's
 * virtual-wire mode (LINT0 ExtINT, LINT1 NMI, spurious vector FFh).
 */
void platform_firmware_init(struct platform *p);

/* Drive ISA IRQ line 0..15 (for devices outside sim/devices and tests). */
void platform_set_irq(struct platform *p, int irq, int level);
/* Raise the processor's NMI input (as an NMI IPI or the LINT1 pin would). */
void platform_raise_nmi(struct platform *p);

/* The INTR logic as the CPU sees it: the vector INTA would return, or -1;
 * and the INTA cycle itself. */
int platform_intr_pending(struct platform *p);
uint8_t platform_intr_ack(struct platform *p);

/* The devices, for tests, loaders and the debugger. */
struct pic *platform_pic(struct platform *p);
struct pit *platform_pit(struct platform *p);
struct lapic *platform_lapic(struct platform *p);
struct fwcfg *platform_fwcfg(struct platform *p);
struct dev_uart *platform_uart(struct platform *p);

#endif
