/* pit.c - the 8254 interval timer: counters computed from the cycle clock, not ticked. */
#include "pit.h"

/*
 * Ports (Intel 8254 data sheet): 40h-42h read and write counters 0-2,
 * 43h takes the control word:
 *
 *   7-6 SC   counter 0-2; 3 = read-back command
 *   5-4 RW   0 = counter latch command, 1 = LSB, 2 = MSB, 3 = LSB then MSB
 *   3-1 M    mode 0-5 (6, 7 are 2, 3)
 *   0   BCD  count in BCD
 *
 * Read-back (SC = 3): bit 5 clear latches the count, bit 4 clear latches
 * the status, bits 3:1 select counters 2, 1, 0. Status byte:
 *   7 OUT   6 NULL COUNT   5-0 the control word's RW, M and BCD bits
 *
 * The modes, with N the count, from the moment the count is loaded (the
 * first CLK after it is written, or after the GATE trigger in modes 1/5):
 *   0 interrupt on terminal count   OUT low, high after N CLKs and stays high
 *   1 hardware one-shot             OUT low for N CLKs after a GATE rising edge
 *   2 rate generator                OUT low for one CLK every N (count N..1)
 *   3 square wave                   OUT high for ceil(N/2), low for floor(N/2)
 *   4 software strobe               OUT low for one CLK after N CLKs
 *   5 hardware strobe               as 4, started by a GATE rising edge
 * GATE low suspends counting in modes 0 and 4, and in modes 2 and 3 also
 * forces OUT high, its rising edge reloading the count. A count of 0
 * means 65536 (10000 in BCD).
 *
 * On a PC, counter 0's OUT is IRQ0, counter 2's GATE and OUT are bits 0
 * and 5 of port 61h, and counter 1 (DRAM refresh) reaches nothing but is
 * readable.
 */

static uint64_t tick_now(const struct pit *t)
{
	return dev_ticks_at(t->clock->hz, PIT_HZ, *t->now);
}

static uint32_t from_bcd(uint32_t v)
{
	return ((v >> 12) & 15) * 1000 + ((v >> 8) & 15) * 100 + ((v >> 4) & 15) * 10 + (v & 15);
}

static uint16_t to_bcd(uint32_t v)
{
	return (uint16_t)(((v / 1000 % 10) << 12) | ((v / 100 % 10) << 8) | ((v / 10 % 10) << 4) |
			  (v % 10));
}

/* A count written while modes 2 and 3 run takes over at the end of the
 * current period. */
static void sync(struct pit_counter *c, uint64_t now)
{
	if (c->reload_pending && now >= c->reload_at) {
		c->reload_pending = false;
		c->start = c->reload_at;
		c->count = c->next_count;
	}
}

/* CLKs counted since the count was loaded; false if it is not counting
 * yet (no count, not loaded yet, or not triggered). */
static bool elapsed(const struct pit_counter *c, uint64_t now, uint64_t *e)
{
	if (!c->armed || ((c->mode == 1 || c->mode == 5) && !c->triggered))
		return false;
	if (c->suspended) {
		*e = c->frozen;
		return true;
	}
	if (now < c->start)
		return false;
	*e = now - c->start;
	return true;
}

/* What the counting element holds, as a read sees it (binary). */
static uint32_t value(const struct pit_counter *c, uint64_t now)
{
	uint64_t e;
	uint32_t n = c->count, wrap = c->bcd ? 10000 : 65536;
	if (!elapsed(c, now, &e))
		return n % wrap;
	switch (c->mode) {
	case 2:
		return (uint32_t)(n - e % n) % wrap;
	case 3: {
		/* Counts down by two, through each half of the period. */
		uint64_t p = e % n, half = (n + 1) / 2;
		uint64_t q = p < half ? p : p - half;
		return (uint32_t)((n & ~1u) - 2 * q) % wrap;
	}
	default: /* 0, 1, 4, 5: on past zero, wrapping */
		return (uint32_t)((n + wrap - e % wrap) % wrap);
	}
}

static bool out(const struct pit_counter *c, uint64_t now)
{
	uint64_t e;
	if (!c->programmed)
		return true;
	if (!c->armed)
		return c->mode != 0; /* after the control word: mode 0 low, the others high */
	bool counting = elapsed(c, now, &e);
	uint32_t n = c->count;
	switch (c->mode) {
	case 0: return counting && e >= n;
	case 1: return !counting || e >= n;
	case 2: return !counting || c->suspended || e % n != n - 1;
	case 3: return !counting || c->suspended || e % n < (n + 1) / 2;
	default: return !counting || e != n; /* 4, 5 */
	}
}

/* The next rising edge of counter 0's OUT after tick `now`, or UINT64_MAX. */
static uint64_t next_edge(const struct pit_counter *c, uint64_t now)
{
	if (!c->armed || c->suspended || ((c->mode == 1 || c->mode == 5) && !c->triggered))
		return UINT64_MAX;
	if (c->reload_pending)
		return c->reload_at; /* a period boundary: an edge in modes 2 and 3 */
	uint64_t n = c->count, e;
	switch (c->mode) {
	case 2:
	case 3:
		if (now < c->start)
			return c->start + n;
		return c->start + ((now - c->start) / n + 1) * n;
	case 0:
	case 1: e = c->start + n; break;
	default: e = c->start + n + 1; break; /* 4, 5: OUT returns high */
	}
	return e > now ? e : UINT64_MAX;
}

static void schedule(struct pit *t, uint64_t now)
{
	t->edge = next_edge(&t->c[0], now);
	clock_timer_arm(t->clock, t->timer,
			t->edge == UINT64_MAX ? CLOCK_NEVER
					      : dev_tick_cycle(t->clock->hz, PIT_HZ, t->edge));
}

/*
 * Counter 0's OUT reached a rising edge: IRQ0. In modes 0 and 1 OUT stays
 * high afterwards; in the periodic modes vtsim draws the low phase as a
 * pulse at the edge (the 8259A only reacts to the rising edge, and OUT
 * being high the rest of the time keeps the request alive until INTA).
 */
static void counter0_fire(void *opaque, uint64_t cycles)
{
	struct pit *t = opaque;
	uint64_t now = dev_ticks_at(t->clock->hz, PIT_HZ, cycles);
	struct pit_counter *c = &t->c[0];
	if (t->edge <= now) {
		if (c->mode > 1)
			dev_irq_set(&t->irq0, 0);
		dev_irq_set(&t->irq0, 1);
	}
	sync(c, now);
	schedule(t, now);
}

static void control_word(struct pit *t, uint8_t v, uint64_t now)
{
	unsigned sc = v >> 6;
	if (sc == 3) { /* read-back */
		for (int i = 0; i < 3; i++) {
			struct pit_counter *c = &t->c[i];
			if (!(v & (2u << i)))
				continue;
			sync(c, now);
			if (!(v & 0x20) && !c->latched) {
				uint32_t x = value(c, now);
				c->latch = c->bcd ? to_bcd(x) : (uint16_t)x;
				c->latched = c->rw == 3 ? 2 : 1;
			}
			if (!(v & 0x10) && !c->status_latched) {
				bool null_count = !c->armed || now < c->start || c->reload_pending;
				c->status = (uint8_t)((out(c, now) ? 0x80 : 0) | (null_count ? 0x40 : 0) | c->ctrl);
				c->status_latched = true;
			}
		}
		return;
	}
	struct pit_counter *c = &t->c[sc];
	sync(c, now);
	if (((v >> 4) & 3) == 0) { /* counter latch command; ignored while a latch is unread */
		if (!c->latched) {
			uint32_t x = value(c, now);
			c->latch = c->bcd ? to_bcd(x) : (uint16_t)x;
			c->latched = c->rw == 3 ? 2 : 1;
		}
		return;
	}
	c->programmed = true;
	c->ctrl = v & 0x3f;
	c->rw = (v >> 4) & 3;
	c->mode = (v >> 1) & 7;
	if (c->mode >= 6)
		c->mode -= 4;
	c->bcd = v & 1;
	c->armed = c->triggered = c->reload_pending = false;
	c->write_msb = c->read_msb = false;
	c->latched = 0;
	c->status_latched = false;
	c->suspended = !c->gate && c->mode != 1 && c->mode != 5;
	c->frozen = 0;
	if (sc == 0) {
		dev_irq_set(&t->irq0, c->mode != 0);
		schedule(t, now);
	}
}

static void load_count(struct pit *t, int i, uint32_t raw, uint64_t now)
{
	struct pit_counter *c = &t->c[i];
	uint32_t n = c->bcd ? from_bcd(raw) : raw;
	if (n == 0)
		n = c->bcd ? 10000 : 65536;
	sync(c, now);
	bool running = c->armed && !c->suspended && now >= c->start;
	if ((c->mode == 2 || c->mode == 3) && running) {
		c->reload_pending = true;
		c->next_count = n;
		c->reload_at = c->start + ((now - c->start) / c->count + 1) * c->count;
	} else {
		/* Loaded on the next CLK. In modes 1 and 5 it waits for a
		 * GATE trigger; with GATE low in modes 0/2/3/4 it waits too. */
		c->count = n;
		c->start = now + 1;
		c->armed = true;
		c->reload_pending = false;
		c->frozen = 0;
		if (c->mode == 0 && i == 0)
			dev_irq_set(&t->irq0, 0); /* a new count in mode 0 drops OUT */
	}
	if (i == 0)
		schedule(t, now);
}

static void set_gate(struct pit *t, int i, bool g, uint64_t now)
{
	struct pit_counter *c = &t->c[i];
	sync(c, now);
	if (g == c->gate)
		return;
	c->gate = g;
	uint64_t e;
	switch (c->mode) {
	case 0:
	case 4:
		if (!g) {
			c->frozen = elapsed(c, now, &e) ? e : 0;
			c->suspended = true;
		} else if (c->suspended) {
			c->suspended = false;
			if (c->armed)
				c->start = now - c->frozen;
		}
		break;
	case 2:
	case 3:
		if (!g) {
			c->suspended = true;
		} else {
			c->suspended = false;
			if (c->reload_pending) {
				c->count = c->next_count;
				c->reload_pending = false;
			}
			c->start = now + 1; /* the rising edge reloads the count */
		}
		break;
	default: /* 1, 5: the rising edge triggers */
		if (g && c->armed) {
			c->start = now + 1;
			c->triggered = true;
		}
		break;
	}
	if (i == 0)
		schedule(t, now);
}

static uint8_t read_counter(struct pit_counter *c, uint64_t now)
{
	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	uint16_t v;
	if (c->latched) {
		v = c->latch;
		c->latched--;
		if (c->rw == 3 && c->latched)
			return (uint8_t)v; /* LSB first, then the MSB */
		return c->rw == 1 ? (uint8_t)v : (uint8_t)(v >> 8);
	}
	sync(c, now);
	uint32_t x = value(c, now);
	v = c->bcd ? to_bcd(x) : (uint16_t)x;
	switch (c->rw) {
	case 1: return (uint8_t)v;
	case 2: return (uint8_t)(v >> 8);
	default:
		c->read_msb = !c->read_msb;
		return c->read_msb ? (uint8_t)v : (uint8_t)(v >> 8);
	}
}

static void write_counter(struct pit *t, int i, uint8_t v, uint64_t now)
{
	struct pit_counter *c = &t->c[i];
	if (!c->programmed)
		return;
	switch (c->rw) {
	case 1: load_count(t, i, v, now); break;
	case 2: load_count(t, i, (uint32_t)v << 8, now); break;
	default:
		if (!c->write_msb) {
			c->lsb = v;
			c->write_msb = true;
		} else {
			c->write_msb = false;
			load_count(t, i, c->lsb | ((uint32_t)v << 8), now);
		}
		break;
	}
}

/*
 * Port 61h (system control port B):
 *   0 GATE2 (rw)   1 speaker data (rw)   2-3 parity/IOCHK check enables (rw)
 *   4 refresh toggle (ro)   5 OUT2 (ro)   6-7 IOCHK/SERR status (ro, always 0 here)
 * The refresh toggle flips every 18 PIT ticks (about 15 us), as it does
 * when the firmware has programmed counter 1 for DRAM refresh; old delay
 * loops count its flips.
 */
uint8_t pit_read(struct pit *t, uint16_t port)
{
	uint64_t now = tick_now(t);
	switch (port) {
	case 0x40: case 0x41: case 0x42:
		return read_counter(&t->c[port - 0x40], now);
	case 0x61: {
		sync(&t->c[2], now);
		uint8_t v = t->port61 & 0x0f;
		if ((now / 18) & 1)
			v |= 0x10;
		if (out(&t->c[2], now))
			v |= 0x20;
		return v;
	}
	default: return 0xff; /* 43h is write-only */
	}
}

void pit_write(struct pit *t, uint16_t port, uint8_t val)
{
	uint64_t now = tick_now(t);
	switch (port) {
	case 0x40: case 0x41: case 0x42: write_counter(t, port - 0x40, val, now); break;
	case 0x43: control_word(t, val, now); break;
	case 0x61:
		t->port61 = val & 0x0f;
		set_gate(t, 2, val & 1, now);
		break;
	default: break;
	}
}

static uint32_t pit_in(void *opaque, uint16_t port, unsigned size)
{
	uint32_t v = 0;
	for (unsigned k = 0; k < size; k++) {
		uint16_t q = (uint16_t)(port + k);
		bool mine = port == 0x61 ? q == 0x61 : q <= 0x43;
		v |= (uint32_t)(mine ? pit_read(opaque, q) : 0xff) << (8 * k);
	}
	return v;
}

static void pit_out(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	for (unsigned k = 0; k < size; k++) {
		uint16_t q = (uint16_t)(port + k);
		if (port == 0x61 ? q == 0x61 : q <= 0x43)
			pit_write(opaque, q, (uint8_t)(val >> (8 * k)));
	}
}

static const struct pio_ops pit_ops = { pit_in, pit_out };

void pit_reset(struct pit *t)
{
	for (int i = 0; i < 3; i++)
		t->c[i] = (struct pit_counter){ .gate = i != 2 };
	t->port61 = 0;
	t->edge = UINT64_MAX;
	clock_timer_cancel(t->clock, t->timer);
	dev_irq_set(&t->irq0, 1); /* an unprogrammed counter's OUT is high */
}

int pit_init(struct pit *t, struct clock *clock, const uint64_t *now, struct dev_irq irq0)
{
	t->clock = clock;
	t->now = now;
	t->irq0 = irq0;
	t->timer = clock_timer_new(clock, counter0_fire, t);
	if (t->timer < 0)
		return -1;
	pit_reset(t);
	return 0;
}

int pit_attach(struct pit *t, struct pio_map *pio)
{
	if (pio_add(pio, 0x40, 4, &pit_ops, t, "8254-pit") != 0 ||
	    pio_add(pio, 0x61, 1, &pit_ops, t, "port61") != 0)
		return -1;
	return 0;
}
