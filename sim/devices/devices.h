/* devices.h - the small platform devices: debug console, exit port, 16550 UART. */
#ifndef VTSIM_DEVICES_H
#define VTSIM_DEVICES_H

#include <stdint.h>

#include "../ioport.h"

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
 * 16550A UART at 0x3F8..0x3FF (registers per the National Semiconductor
 * PC16550D data sheet). Transmit is immediate, so LSR always reports the
 * transmitter holding register and the shifter empty; nothing is received.
 */
struct dev_uart {
	struct dev_sink sink;  /* transmitted bytes */
	uint8_t ier;           /* interrupt enable */
	uint8_t lcr;           /* line control (bit 7: DLAB) */
	uint8_t mcr;           /* modem control */
	uint8_t scr;           /* scratch */
	uint8_t fcr;           /* FIFO control as last written */
	uint16_t divisor;      /* baud divisor latch */
};
int dev_uart_attach(struct dev_uart *u, struct pio_map *pio, uint16_t base);

#endif
