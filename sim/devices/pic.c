/* pic.c - the two 8259A interrupt controllers of a PC/AT: ICWs, OCWs, priorities, cascade. */
#include "pic.h"

/*
 * Programming (Intel 8259A data sheet, "Programming the 8259A"):
 *
 *   port A0=0, D4=1          ICW1  bit 0 IC4 (ICW4 follows), 1 SNGL, 3 LTIM
 *   port A0=1, after ICW1    ICW2  vector of IR0 (bits 7:3)
 *                            ICW3  (unless SNGL) master: a bit per slave; slave: its ID
 *                            ICW4  (if IC4) bit 0 uPM, 1 AEOI, 4 SFNM
 *   port A0=1 otherwise      OCW1  the interrupt mask
 *   port A0=0, D4=0, D3=0    OCW2  bits 7:5 R SL EOI, bits 2:0 level
 *   port A0=0, D4=0, D3=1    OCW3  bit 6 ESMM, 5 SMM, 2 P (poll), 1 RR, 0 RIS
 *
 * vtsim always answers in 8086 mode (uPM is ignored) and does not model
 * the buffered-mode pins; the master's IR2 is wired to the slave's INT.
 *
 * Triggering: in edge mode an input's rising edge sets its IRR bit; in
 * level mode (ICW1.LTIM, or its ELCR bit) the IRR bit follows the input.
 * In both modes the request must still be there at INTA: if the input
 * falls first, the IRR bit goes with it, and INTA finds nothing and
 * answers with IR7 without setting ISR (the data sheet's "default IR7",
 * the spurious interrupt).
 */

#define CASCADE_IR 2 /* the master input the slave's INT drives */

static bool level_mode(const struct pic_chip *c, unsigned n)
{
	return c->ltim || (c->elcr & (1u << n));
}

/* The input with the highest priority among bits, or -1: the one after
 * `lowest`, and so on around the ring. */
static int highest(const struct pic_chip *c, uint8_t bits)
{
	for (unsigned r = 1; r <= 8; r++) {
		unsigned n = (c->lowest + r) & 7;
		if (bits & (1u << n))
			return (int)n;
	}
	return -1;
}

/* 0 for the highest priority, 7 for the lowest. */
static unsigned rank(const struct pic_chip *c, unsigned n)
{
	return (n - c->lowest - 1) & 7;
}

/*
 * The priority resolver: the request INT stands for, or -1. A request
 * must be unmasked and outrank every input in service. In special mask
 * mode the masked in-service inputs do not count; in special fully nested
 * mode a slave input's own in-service bit does not block further requests
 * from that slave (its own resolver orders them).
 */
static int chip_request(const struct pic_chip *c, bool master)
{
	int req = highest(c, c->irr & ~c->imr);
	if (req < 0)
		return -1;
	uint8_t blocking = c->isr;
	if (c->special_mask)
		blocking &= (uint8_t)~c->imr;
	if (master && c->sfnm && (c->icw3 & (1u << req)))
		blocking &= (uint8_t)~(1u << req);
	int svc = highest(c, blocking);
	if (svc >= 0 && rank(c, (unsigned)svc) <= rank(c, (unsigned)req))
		return -1;
	return req;
}

static void chip_set_input(struct pic_chip *c, unsigned n, bool level)
{
	uint8_t b = (uint8_t)(1u << n);
	if (level) {
		if (!(c->input & b) || level_mode(c, n))
			c->irr |= b;
		c->input |= b;
	} else {
		c->input &= (uint8_t)~b;
		c->irr &= (uint8_t)~b; /* the request vanished */
	}
}

/* One chip's INTA: the input acknowledged, or -1 if none is left. */
static int chip_ack(struct pic_chip *c, bool master)
{
	int n = chip_request(c, master);
	if (n < 0)
		return -1;
	uint8_t b = (uint8_t)(1u << n);
	if (!level_mode(c, (unsigned)n))
		c->irr &= (uint8_t)~b;
	if (!c->aeoi)
		c->isr |= b;
	else if (c->rotate_aeoi)
		c->lowest = (uint8_t)n; /* automatic EOI with rotation */
	return n;
}

static bool is_cascade(const struct pic *p, int n)
{
	const struct pic_chip *m = &p->chip[0];
	return !m->single && (m->icw3 & (1u << n));
}

/* Propagate the slave's INT to the master's IR2, then tell the platform. */
static void update(struct pic *p)
{
	chip_set_input(&p->chip[0], CASCADE_IR, chip_request(&p->chip[1], false) >= 0);
	if (p->notify)
		p->notify(p->opaque);
}

static void chip_reset(struct pic_chip *c, uint8_t elcr_mask)
{
	*c = (struct pic_chip){ .elcr_mask = elcr_mask, .lowest = 7 };
	/* The data sheet leaves the power-on state undefined; vtsim masks
	 * every input until ICW1 (which clears IMR), so a PIC nobody has
	 * programmed never interrupts. */
	c->imr = 0xff;
}

void pic_reset(struct pic *p)
{
	/* ELCR: IRQ0, 1, 2 (master) and IRQ8, 13 (slave) are always edge. */
	chip_reset(&p->chip[0], 0xf8);
	chip_reset(&p->chip[1], 0xde);
	update(p);
}

void pic_init(struct pic *p, void (*notify)(void *opaque), void *opaque)
{
	p->notify = notify;
	p->opaque = opaque;
	pic_reset(p);
}

void pic_set_irq(struct pic *p, int line, int level)
{
	if (line < 0 || line > 15 || line == CASCADE_IR)
		return;
	chip_set_input(&p->chip[line >> 3], (unsigned)line & 7, level != 0);
	update(p);
}

int pic_pending(const struct pic *p)
{
	int n = chip_request(&p->chip[0], true);
	if (n < 0)
		return -1;
	if (is_cascade(p, n)) {
		int s = chip_request(&p->chip[1], false);
		return p->chip[1].base | (s < 0 ? 7 : s);
	}
	return p->chip[0].base | n;
}

/*
 * The two INTA cycles. The master resolves first; if its winner is a
 * slave input, the slave resolves and supplies the vector. A slave whose
 * request vanished answers IR7 (IRQ15) while the master's IR2 is already
 * in service: the handler of a spurious IRQ15 still owes the master an
 * EOI. The INTA pulses also drop the slave's INT for a moment, so the
 * master's edge-triggered IR2 sees a fresh edge if more is pending there.
 */
uint8_t pic_intack(struct pic *p)
{
	struct pic_chip *m = &p->chip[0], *s = &p->chip[1];
	int n = chip_ack(m, true);
	uint8_t vector;
	if (n < 0) {
		vector = m->base | 7;
	} else if (is_cascade(p, n)) {
		int k = chip_ack(s, false);
		vector = s->base | (k < 0 ? 7 : k);
		chip_set_input(m, CASCADE_IR, false);
	} else {
		vector = m->base | (uint8_t)n;
	}
	update(p);
	return vector;
}

/* OCW2: end of interrupt and rotation, by its R SL EOI bits. */
static void ocw2(struct pic_chip *c, uint8_t v)
{
	unsigned level = v & 7;
	int h = highest(c, c->isr);
	switch (v >> 5) {
	case 1: /* non-specific EOI: the highest-priority input in service */
		if (h >= 0)
			c->isr &= (uint8_t)~(1u << h);
		break;
	case 3: /* specific EOI */
		c->isr &= (uint8_t)~(1u << level);
		break;
	case 5: /* rotate on non-specific EOI: that input becomes the lowest */
		if (h >= 0) {
			c->isr &= (uint8_t)~(1u << h);
			c->lowest = (uint8_t)h;
		}
		break;
	case 7: /* rotate on specific EOI */
		c->isr &= (uint8_t)~(1u << level);
		c->lowest = (uint8_t)level;
		break;
	case 6: /* set priority: `level` becomes the lowest */
		c->lowest = (uint8_t)level;
		break;
	case 4: c->rotate_aeoi = true; break;
	case 0: c->rotate_aeoi = false; break;
	default: break; /* 2: no operation */
	}
}

static void ocw3(struct pic_chip *c, uint8_t v)
{
	if (v & 0x40)
		c->special_mask = v & 0x20;
	if (v & 0x02)
		c->read_isr = v & 0x01;
	c->poll = v & 0x04;
}

/*
 * ICW1 starts initialization: the edge-sense latches are cleared (an input
 * already high must go low and high again), IMR and ISR are cleared,
 * IR7 gets the lowest priority, special mask mode is off, the command port
 * reads IRR, and without IC4 the ICW4 functions are off.
 */
static void icw1(struct pic_chip *c, uint8_t v)
{
	c->init_step = 2;
	c->icw4 = v & 0x01;
	c->single = v & 0x02;
	c->ltim = v & 0x08;
	c->imr = 0;
	c->isr = 0;
	c->irr = 0;
	for (unsigned n = 0; n < 8; n++)
		if ((c->input & (1u << n)) && level_mode(c, n))
			c->irr |= (uint8_t)(1u << n);
	c->lowest = 7;
	c->special_mask = c->read_isr = c->poll = c->rotate_aeoi = false;
	if (!c->icw4)
		c->aeoi = c->sfnm = false;
}

static void chip_write(struct pic_chip *c, bool a0, uint8_t v)
{
	if (!a0) {
		if (v & 0x10)
			icw1(c, v);
		else if (v & 0x08)
			ocw3(c, v);
		else
			ocw2(c, v);
		return;
	}
	switch (c->init_step) {
	case 2:
		c->base = v & 0xf8;
		c->init_step = c->single ? (c->icw4 ? 4 : 0) : 3;
		break;
	case 3:
		c->icw3 = v;
		c->init_step = c->icw4 ? 4 : 0;
		break;
	case 4:
		c->aeoi = v & 0x02;
		c->sfnm = v & 0x10;
		c->init_step = 0;
		break;
	default:
		c->imr = v; /* OCW1 */
		break;
	}
}

uint8_t pic_read(struct pic *p, uint16_t port)
{
	struct pic_chip *c;
	switch (port) {
	case 0x20: case 0x21: c = &p->chip[0]; break;
	case 0xa0: case 0xa1: c = &p->chip[1]; break;
	case 0x4d0: return p->chip[0].elcr;
	case 0x4d1: return p->chip[1].elcr;
	default: return 0xff;
	}
	if (c->poll) {
		/* Poll: this read is the INTA; bit 7 says whether there was a
		 * request, bits 2:0 which. */
		c->poll = false;
		int n = chip_ack(c, c == &p->chip[0]);
		update(p);
		return n < 0 ? 0x00 : (uint8_t)(0x80 | n);
	}
	if (port & 1)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

void pic_write(struct pic *p, uint16_t port, uint8_t val)
{
	switch (port) {
	case 0x20: case 0x21: chip_write(&p->chip[0], port & 1, val); break;
	case 0xa0: case 0xa1: chip_write(&p->chip[1], port & 1, val); break;
	case 0x4d0: p->chip[0].elcr = val & p->chip[0].elcr_mask; break;
	case 0x4d1: p->chip[1].elcr = val & p->chip[1].elcr_mask; break;
	default: return;
	}
	update(p);
}

/* Each range is two ports; a wider access covers the next port too. */
static uint32_t pic_in(void *opaque, uint16_t port, unsigned size)
{
	uint32_t v = 0;
	for (unsigned k = 0; k < size; k++) {
		uint16_t q = (uint16_t)(port + k);
		v |= (uint32_t)((q & ~1u) == (port & ~1u) ? pic_read(opaque, q) : 0xff) << (8 * k);
	}
	return v;
}

static void pic_out(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	for (unsigned k = 0; k < size && ((port + k) & ~1u) == (port & ~1u); k++)
		pic_write(opaque, (uint16_t)(port + k), (uint8_t)(val >> (8 * k)));
}

static const struct pio_ops pic_ops = { pic_in, pic_out };

int pic_attach(struct pic *p, struct pio_map *pio)
{
	if (pio_add(pio, 0x20, 2, &pic_ops, p, "8259A-master") != 0 ||
	    pio_add(pio, 0xa0, 2, &pic_ops, p, "8259A-slave") != 0 ||
	    pio_add(pio, 0x4d0, 2, &pic_ops, p, "elcr") != 0)
		return -1;
	return 0;
}
