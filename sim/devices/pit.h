/* pit.h - the Intel 8254 programmable interval timer at 40h-43h, and port 61h. */
#ifndef VTSIM_PIT_H
#define VTSIM_PIT_H

#include <stdbool.h>
#include <stdint.h>

#include "../clock.h"
#include "../ioport.h"
#include "devices.h"

/* The PC's PIT crystal: 14.31818 MHz / 12. */
#define PIT_HZ 1193182u

/*
 * One counter (Intel 8254 data sheet). Nothing ticks: the counter's state
 * is its count and the PIT tick (`start`) at which counting began from it,
 * and the value a read sees, the OUT level and the next IRQ0 edge are all
 * computed from the current tick, which comes from the CPU's cycle count.
 */
struct pit_counter {
	bool programmed;      /* a control word was written (until then OUT is high) */
	uint8_t ctrl;         /* control word bits 5:0 (RW1 RW0 M2 M1 M0 BCD), for read-back */
	uint8_t rw;           /* access: 1 LSB only, 2 MSB only, 3 LSB then MSB */
	uint8_t mode;         /* 0..5 (6 and 7 are 2 and 3) */
	bool bcd;             /* count in four BCD decades */
	uint32_t count;       /* the count in use: 1..65536 (binary) or 1..10000 (BCD) */
	bool armed;           /* a count was written since the control word */
	uint64_t start;       /* tick at which the count was loaded (counting from `count`) */
	bool gate;            /* GATE input (tied high for counters 0 and 1) */
	bool suspended;       /* modes 0/4 with GATE low: counting stopped ... */
	uint64_t frozen;      /* ... after this many ticks */
	bool triggered;       /* modes 1/5: a GATE rising edge has started the count */
	bool reload_pending;  /* modes 2/3: a count written while counting ... */
	uint32_t next_count;  /* ... is loaded at the end of the current period ... */
	uint64_t reload_at;   /* ... which is this tick */
	uint8_t lsb;          /* first byte of a two-byte count */
	bool write_msb;       /* RW=3: the next write is the MSB */
	bool read_msb;        /* RW=3: the next read is the MSB */
	uint16_t latch;       /* output latch (counter latch or read-back) */
	uint8_t latched;      /* bytes of `latch` still to be read */
	uint8_t status;       /* latched status byte */
	bool status_latched;  /* a read-back latched the status: the next read returns it */
};

struct pit {
	struct pit_counter c[3];  /* counter 0: IRQ0; 1: (DRAM refresh); 2: speaker, port 61h */
	struct clock *clock;      /* timers, and the CPU frequency */
	const uint64_t *now;      /* the CPU's cycle count */
	int timer;                /* clock timer for counter 0's OUT edges */
	uint64_t edge;            /* PIT tick of the next IRQ0 rising edge, or UINT64_MAX */
	struct dev_irq irq0;      /* counter 0's OUT */
	uint8_t port61;           /* port 61h bits 3:0: GATE2, speaker data, parity/IOCHK enables */
};

/* Returns 0, or -1 if the clock has no free timer. */
int pit_init(struct pit *t, struct clock *clock, const uint64_t *now, struct dev_irq irq0);
/* Counters unprogrammed and silent (the data sheet leaves power-on state undefined). */
void pit_reset(struct pit *t);
/* Claim ports 40h-43h and 61h. Returns 0 or -1. */
int pit_attach(struct pit *t, struct pio_map *pio);

/* Port access as the CPU does it (for tests and firmware set-up). */
uint8_t pit_read(struct pit *t, uint16_t port);
void pit_write(struct pit *t, uint16_t port, uint8_t val);

#endif
