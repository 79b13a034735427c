/* devices.h - the small platform devices (debug console, exit port, 16550 UART, PCI
 * configuration ports, pc-testdev) and what every device shares: IRQ lines and device clocks. */
#ifndef VTSIM_DEVICES_H
#define VTSIM_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

#include "../ioport.h"

/*
 * An interrupt request line as a device sees it: the device drives a level
 * (1 = asserted) and the platform routes it to an input of the 8259A pair
 * (platform.c). Set `set` to NULL for a device that is wired to nothing.
 */
struct dev_irq {
	void (*set)(void *opaque, int line, int level); /* drive `line` to `level` */
	void *opaque;                                   /* passed to set */
	int line;                                       /* ISA IRQ number, 0..15 */
};

static inline void dev_irq_set(const struct dev_irq *q, int level)
{
	if (q->set)
		q->set(q->opaque, q->line, level);
}

/*
 * Device clocks. The PIT counts a 1.193182 MHz crystal and the local APIC
 * timer its bus clock, while time in vtsim is the CPU's modelled cycle
 * count (clock.h). Both conversions are exact and absolute (counted from
 * cycle 0), so a periodic timer never drifts: tick t of a clock running
 * at dev_hz begins at the first cycle c with c * dev_hz >= t * cpu_hz.
 * They need dev_hz <= cpu_hz, which machine_new guarantees.
 */
static inline uint64_t dev_ticks_at(uint64_t cpu_hz, uint64_t dev_hz, uint64_t cycles)
{
	return (uint64_t)((unsigned __int128)cycles * dev_hz / cpu_hz);
}

/* The cycle at which tick t begins, or UINT64_MAX when it is beyond time. */
static inline uint64_t dev_tick_cycle(uint64_t cpu_hz, uint64_t dev_hz, uint64_t t)
{
	unsigned __int128 c = ((unsigned __int128)t * cpu_hz + dev_hz - 1) / dev_hz;
	return c > UINT64_MAX ? UINT64_MAX : (uint64_t)c;
}

/* Where a device sends the bytes a guest writes. */
struct dev_sink {
	void (*put)(void *opaque, uint8_t byte); /* one byte of output */
	void *opaque;                            /* passed to put */
};

/* Port 0xE9: every byte written appears on the sink (Bochs/QEMU debugcon). */
struct dev_debugcon {
	struct dev_sink sink; /* output */
};
int dev_debugcon_attach(struct dev_debugcon *d, struct pio_map *pio, uint16_t port);

/* Port 0xF4: a write of v ends the run with exit status (v << 1) | 1, as
 * QEMU's isa-debug-exit does. */
struct dev_exitport {
	void (*on_exit)(void *opaque, uint32_t value); /* called on the write */
	void *opaque;                                  /* passed to on_exit */
};
int dev_exitport_attach(struct dev_exitport *d, struct pio_map *pio, uint16_t port);

/*
 * 16550A UART (National Semiconductor PC16550D data sheet), COM1 at
 * 0x3F8..0x3FF on IRQ4. Transmission is instantaneous: a byte written to
 * THR reaches the sink at once, so LSR always reports THRE and TEMT, and
 * the THRE interrupt (IIR 02h) is pending again right after each write.
 * Received bytes come from dev_uart_receive() or, in loopback mode, from
 * THR; the receiver FIFO holds 16 bytes (1 with FIFOs off). As on a PC
 * board, the interrupt output reaches the IRQ line only while MCR.OUT2 = 1
 * and loopback is off (loopback forces the OUT pins inactive).
 */
#define UART_FIFO 16

struct dev_uart {
	struct dev_sink sink;  /* transmitted bytes */
	struct dev_irq irq;    /* the IRQ line (4 for COM1) */
	uint8_t ier;           /* interrupt enable (bits 3:0) */
	uint8_t lcr;           /* line control (bit 7: DLAB) */
	uint8_t mcr;           /* modem control (bits 4:0) */
	uint8_t scr;           /* scratch */
	uint8_t fcr;           /* FIFO control: bit 0 enable, bits 7:6 receiver trigger */
	uint8_t lsr_err;       /* LSR error bits 4:1 (OE PE FE BI) until LSR is read */
	uint8_t msr_delta;     /* MSR delta bits 3:0 until MSR is read */
	uint8_t lines;         /* modem status lines, MSR bits 7:4 (CTS DSR RI DCD) */
	bool thre;             /* THRE interrupt condition (cleared by IIR read or THR write) */
	bool irq_level;        /* level now driven on irq */
	uint8_t rbr;           /* last byte received (RBR when the FIFO is empty) */
	uint8_t rx[UART_FIFO]; /* receiver FIFO */
	uint8_t rx_head;       /* index of the oldest byte */
	uint8_t rx_n;          /* bytes in it */
	uint16_t divisor;      /* baud divisor latch (DLM:DLL) */
};
int dev_uart_attach(struct dev_uart *u, struct pio_map *pio, uint16_t base);
/* Master reset: the registers as after the MR pin (the divisor latch keeps its value). */
void dev_uart_reset(struct dev_uart *u);
/* A byte arriving on the serial input (ignored in loopback mode). */
void dev_uart_receive(struct dev_uart *u, uint8_t byte);

/*
 * PCI configuration mechanism #1 (PCI Local Bus Specification 3.0, 3.2.2.3.2):
 * CONFIG_ADDRESS at 0xCF8 (only 32-bit accesses reach it) and
 * CONFIG_DATA at 0xCFC..0xCFF. No device answers, so every configuration
 * read returns all-ones, as a read of an empty slot does, and writes vanish.
 */
struct dev_pci {
	uint32_t address;      /* CONFIG_ADDRESS: enable bit 31, bus, device, function, register */
};
int dev_pci_attach(struct dev_pci *d, struct pio_map *pio);

/*
 * The scratch register of QEMU's pc-testdev at ports 0xE0..0xE3: 32 bits,
 * each port one byte lane, readable and writable with any access size
 * (test kernels written for QEMU check port I/O with it).
 */
struct dev_testdev {
	uint32_t scratch;      /* the register */
};
int dev_testdev_attach(struct dev_testdev *d, struct pio_map *pio);

#endif
