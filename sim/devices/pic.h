/* pic.h - two Intel 8259A programmable interrupt controllers, cascaded as on a PC/AT. */
#ifndef VTSIM_PIC_H
#define VTSIM_PIC_H

#include <stdbool.h>
#include <stdint.h>

#include "../ioport.h"

/*
 * One 8259A (Intel 8259A Programmable Interrupt Controller data sheet).
 * Each input IRn sets its bit in IRR; the priority resolver picks the
 * highest-priority request that IMR does not mask and that outranks
 * everything in ISR, and raises INT; the INTA cycle moves the request
 * from IRR to ISR and returns the vector base | n; an EOI command clears
 * the ISR bit. Priority is fixed (IR0 highest) until a rotation command
 * moves the lowest-priority slot (`lowest`).
 */
struct pic_chip {
	uint8_t irr;          /* interrupt request register */
	uint8_t isr;          /* in-service register */
	uint8_t imr;          /* interrupt mask register (OCW1) */
	uint8_t input;        /* level now on each IR input */
	uint8_t elcr;         /* edge/level control register (ports 4D0h/4D1h): 1 = level */
	uint8_t elcr_mask;    /* ELCR bits that may be set (IRQ0-2, 8 and 13 are always edge) */
	uint8_t base;         /* ICW2: vector of IR0 (bits 7:3) */
	uint8_t icw3;         /* master: inputs with a slave; slave: its cascade ID */
	uint8_t init_step;    /* 0 when initialized; else the ICW expected next (2, 3 or 4) */
	bool icw4;            /* ICW1.IC4: an ICW4 follows */
	bool single;          /* ICW1.SNGL: no ICW3 */
	bool ltim;            /* ICW1.LTIM: every input level-triggered */
	bool aeoi;            /* ICW4.AEOI: automatic end of interrupt */
	bool sfnm;            /* ICW4.SFNM: special fully nested mode */
	bool rotate_aeoi;     /* OCW2: rotate in automatic EOI mode */
	bool special_mask;    /* OCW3: special mask mode */
	bool read_isr;        /* OCW3: the command port reads ISR (else IRR) */
	bool poll;            /* OCW3: the next command-port read is a poll */
	uint8_t lowest;       /* the input with the lowest priority (7 unless rotated) */
};

/* The PC/AT pair: master at 20h/21h (IRQ0-7), slave at A0h/A1h (IRQ8-15)
 * with its INT output wired to the master's IR2. */
struct pic {
	struct pic_chip chip[2];      /* [0] master, [1] slave */
	void (*notify)(void *opaque); /* the master's INT output may have changed */
	void *opaque;                 /* passed to notify */
};

/* Power-on state: uninitialized, nothing pending, all inputs low, edge. */
void pic_init(struct pic *p, void (*notify)(void *opaque), void *opaque);
void pic_reset(struct pic *p);
/* Claim ports 20h-21h, A0h-A1h and the ELCR at 4D0h-4D1h. Returns 0 or -1. */
int pic_attach(struct pic *p, struct pio_map *pio);

/* Drive ISA IRQ line 0..15 (2 is the cascade and ignores outside drivers). */
void pic_set_irq(struct pic *p, int line, int level);
/* The vector the next INTA would return if the master's INT is high, else -1. */
int pic_pending(const struct pic *p);
/* The INTA cycles: the vector, with IRR/ISR updated. Returns the spurious
 * vector (IR7 of the chip concerned) if the request has gone. */
uint8_t pic_intack(struct pic *p);

/* Port access as the CPU does it (for tests and firmware set-up). */
uint8_t pic_read(struct pic *p, uint16_t port);
void pic_write(struct pic *p, uint16_t port, uint8_t val);

#endif
