/* test_pit.c - the 8254: modes, access modes, latches, read-back, port 61h, IRQ0 timing. */
#include <criterion/criterion.h>
#include <string.h>

#include "../../sim/devices/pit.h"
#include "../../sim/platform.h"
#include "guest.h"
#include "helpers.h"

/*
 * A PIT on its own: a 2 GHz clock whose "CPU" is the variable now, and an
 * IRQ0 line that records its rising edges. advance() moves time forward
 * and fires the timers on the way, as the run loop does.
 */
#define HZ 2000000000ull

struct bench {
	struct clock clock;
	uint64_t deadline;
	uint64_t now;
	struct pit pit;
	int level;            /* IRQ0 as last driven */
	int edges;            /* rising edges seen */
	uint64_t edge_at[16]; /* cycle of each (the first 16) */
};

static void irq0(void *opaque, int line, int level)
{
	struct bench *b = opaque;
	cr_assert_eq(line, 0);
	if (level && !b->level) {
		if (b->edges < 16)
			b->edge_at[b->edges] = b->now;
		b->edges++;
	}
	b->level = level;
}

static void setup(struct bench *b)
{
	*b = (struct bench){ .level = 0 };
	clock_init(&b->clock, HZ, &b->deadline);
	cr_assert_eq(pit_init(&b->pit, &b->clock, &b->now, (struct dev_irq){ irq0, b, 0 }), 0);
	b->edges = 0; /* pit_init drives the unprogrammed OUT high */
}

static void advance(struct bench *b, uint64_t to)
{
	while (b->deadline <= to) {
		b->now = b->deadline;
		clock_run_due(&b->clock, b->now);
	}
	b->now = to;
}

/* Cycle at which PIT tick t begins. */
static uint64_t tick(uint64_t t)
{
	return dev_tick_cycle(HZ, PIT_HZ, t);
}

static uint16_t read16(struct bench *b, int counter)
{
	uint8_t lo = pit_read(&b->pit, (uint16_t)(0x40 + counter));
	return (uint16_t)(lo | pit_read(&b->pit, (uint16_t)(0x40 + counter)) << 8);
}

static void program(struct bench *b, int counter, uint8_t mode_bits, uint16_t count)
{
	pit_write(&b->pit, 0x43, (uint8_t)((counter << 6) | 0x30 | mode_bits));
	pit_write(&b->pit, (uint16_t)(0x40 + counter), (uint8_t)count);
	pit_write(&b->pit, (uint16_t)(0x40 + counter), (uint8_t)(count >> 8));
}

Test(pit, mode2_rate_generator)
{
	struct bench b;
	setup(&b);
	program(&b, 0, 0x04, 100); /* mode 2 at tick 0: loaded at tick 1 */
	advance(&b, tick(1));
	cr_assert_eq(read16(&b, 0), 100);
	advance(&b, tick(41));
	cr_assert_eq(read16(&b, 0), 60);
	advance(&b, tick(100));
	cr_assert_eq(read16(&b, 0), 1, "counts N..1");
	cr_assert_eq(b.edges, 0);
	advance(&b, tick(101));
	cr_assert_eq(read16(&b, 0), 100, "reloads after 1");
	cr_assert_eq(b.edges, 1, "OUT rises at the reload: IRQ0");
	cr_assert_eq(b.edge_at[0], tick(101));
	advance(&b, tick(1001));
	cr_assert_eq(b.edges, 10, "one edge per period, no drift");
	cr_assert_eq(b.edge_at[9], tick(1001));
}

Test(pit, mode2_new_count_waits_for_period_end)
{
	struct bench b;
	setup(&b);
	program(&b, 0, 0x04, 100);
	advance(&b, tick(51));
	program(&b, 0, 0x04, 100); /* the control word restarts the counter */
	advance(&b, tick(52));
	cr_assert_eq(read16(&b, 0), 100);
	/* A count alone (no control word) takes effect at the next reload. */
	pit_write(&b.pit, 0x40, 10);
	pit_write(&b.pit, 0x40, 0);
	advance(&b, tick(100));
	cr_assert_eq(read16(&b, 0), 52, "the old period runs on");
	advance(&b, tick(152));
	cr_assert_eq(read16(&b, 0), 10, "the new count from the reload");
	int before = b.edges;
	advance(&b, tick(172));
	cr_assert_eq(b.edges - before, 2, "then a period of 10");
}

Test(pit, mode3_square_wave_counts_by_two)
{
	struct bench b;
	setup(&b);
	program(&b, 0, 0x06, 10);
	advance(&b, tick(1));
	cr_assert_eq(read16(&b, 0), 10);
	advance(&b, tick(3));
	cr_assert_eq(read16(&b, 0), 6);
	advance(&b, tick(6));
	cr_assert_eq(read16(&b, 0), 10, "second half: reloaded");
	advance(&b, tick(101));
	cr_assert_eq(b.edges, 10, "one rising edge per period");
	/* Odd count: high for (N+1)/2. */
	program(&b, 2, 0x06, 5);
	pit_write(&b.pit, 0x61, 1); /* GATE2 */
	uint64_t t0 = dev_ticks_at(HZ, PIT_HZ, b.now) + 1;
	int high = 0;
	for (uint64_t t = t0; t < t0 + 5; t++) {
		advance(&b, tick(t));
		high += (pit_read(&b.pit, 0x61) >> 5) & 1;
	}
	cr_assert_eq(high, 3, "OUT2 high 3 of 5 ticks");
}

Test(pit, mode0_interrupt_on_terminal_count)
{
	struct bench b;
	setup(&b);
	pit_write(&b.pit, 0x43, 0x30);
	cr_assert_eq(b.level, 0, "mode 0: OUT low after the control word");
	pit_write(&b.pit, 0x40, 50);
	pit_write(&b.pit, 0x40, 0);
	advance(&b, tick(50));
	cr_assert_eq(b.edges, 0);
	cr_assert_eq(read16(&b, 0), 1);
	advance(&b, tick(51));
	cr_assert_eq(b.edges, 1, "OUT rises N+1 CLKs after the count is written");
	cr_assert_eq(b.level, 1);
	advance(&b, tick(60));
	cr_assert_eq(read16(&b, 0), 0xfff7, "the counter wraps and goes on");
	advance(&b, tick(100000));
	cr_assert_eq(b.edges, 1, "one-shot");
}

Test(pit, mode4_software_strobe)
{
	struct bench b;
	setup(&b);
	program(&b, 0, 0x08, 20);
	advance(&b, tick(21));
	cr_assert_eq(b.edges, 0, "OUT is low for the one CLK at 0");
	advance(&b, tick(22));
	cr_assert_eq(b.edges, 1, "and rises after it");
	advance(&b, tick(500));
	cr_assert_eq(b.edges, 1);
}

Test(pit, mode1_and_mode5_need_a_gate_edge)
{
	struct bench b;
	setup(&b);
	program(&b, 2, 0x02, 10); /* counter 2, mode 1 */
	advance(&b, tick(100));
	cr_assert(pit_read(&b.pit, 0x61) & 0x20, "no trigger yet: OUT2 high");
	pit_write(&b.pit, 0x61, 1); /* GATE2 rising edge at tick 100 */
	advance(&b, tick(101));
	cr_assert_not(pit_read(&b.pit, 0x61) & 0x20, "one-shot: OUT2 low");
	advance(&b, tick(110));
	cr_assert_not(pit_read(&b.pit, 0x61) & 0x20);
	advance(&b, tick(111));
	cr_assert(pit_read(&b.pit, 0x61) & 0x20, "high again after N CLKs");

	program(&b, 2, 0x0a, 10); /* mode 5 */
	pit_write(&b.pit, 0x61, 0);
	pit_write(&b.pit, 0x61, 1); /* trigger at tick 111: loaded at 112 */
	advance(&b, tick(121));
	cr_assert(pit_read(&b.pit, 0x61) & 0x20);
	advance(&b, tick(122));
	cr_assert_not(pit_read(&b.pit, 0x61) & 0x20, "strobe: low for one CLK at 0");
	advance(&b, tick(123));
	cr_assert(pit_read(&b.pit, 0x61) & 0x20);
}

Test(pit, gate_suspends_mode0)
{
	struct bench b;
	setup(&b);
	program(&b, 2, 0x00, 100);
	advance(&b, tick(50));
	cr_assert_eq(read16(&b, 2), 100, "GATE2 low: loaded but not counting");
	pit_write(&b.pit, 0x61, 1);
	advance(&b, tick(80));
	cr_assert_eq(read16(&b, 2), 70);
	pit_write(&b.pit, 0x61, 0);
	advance(&b, tick(200));
	cr_assert_eq(read16(&b, 2), 70, "suspended");
	pit_write(&b.pit, 0x61, 1);
	advance(&b, tick(269));
	cr_assert_eq(read16(&b, 2), 1);
	cr_assert_not(pit_read(&b.pit, 0x61) & 0x20);
	advance(&b, tick(270));
	cr_assert(pit_read(&b.pit, 0x61) & 0x20, "OUT2 after 100 counted CLKs");
}

Test(pit, access_modes_and_latch)
{
	struct bench b;
	setup(&b);
	pit_write(&b.pit, 0x43, 0x54); /* counter 1, LSB only, mode 2 */
	pit_write(&b.pit, 0x41, 0x80);
	advance(&b, tick(1 + 0x10));
	cr_assert_eq(pit_read(&b.pit, 0x41), 0x70, "LSB only");
	pit_write(&b.pit, 0x43, 0x64); /* counter 1, MSB only, mode 2 */
	pit_write(&b.pit, 0x41, 0x02); /* count 200h */
	advance(&b, tick(18 + 0x100));
	cr_assert_eq(pit_read(&b.pit, 0x41), 0x01, "MSB only: 200h - 100h");

	program(&b, 0, 0x04, 1000);
	uint64_t t0 = dev_ticks_at(HZ, PIT_HZ, b.now) + 1;
	advance(&b, tick(t0 + 10));
	pit_write(&b.pit, 0x43, 0x00); /* latch counter 0 */
	advance(&b, tick(t0 + 300));
	pit_write(&b.pit, 0x43, 0x00); /* ignored: the first latch is unread */
	cr_assert_eq(read16(&b, 0), 990, "the latched value, however late it is read");
	cr_assert_eq(read16(&b, 0), 700, "then the live count again");
}

Test(pit, read_back_status_and_bcd)
{
	struct bench b;
	setup(&b);
	pit_write(&b.pit, 0x43, 0x35); /* counter 0, LSB/MSB, mode 2, BCD */
	pit_write(&b.pit, 0x40, 0x00);
	pit_write(&b.pit, 0x40, 0x10); /* BCD 1000 */
	pit_write(&b.pit, 0x43, 0xe2); /* read-back: status of counter 0 */
	cr_assert_eq(pit_read(&b.pit, 0x40), 0xc0 | 0x35, "OUT high, NULL COUNT (not loaded yet)");
	uint64_t t0 = dev_ticks_at(HZ, PIT_HZ, b.now) + 1;
	advance(&b, tick(t0 + 1));
	pit_write(&b.pit, 0x43, 0xc2); /* read-back: count and status */
	cr_assert_eq(pit_read(&b.pit, 0x40), 0x80 | 0x35, "status first: count loaded");
	cr_assert_eq(read16(&b, 0), 0x0999, "then the count, in BCD");
	advance(&b, tick(t0 + 1000));
	cr_assert_eq(b.edges, 1, "BCD 1000 is a period of 1000 CLKs");
}

Test(pit, port61_refresh_toggle)
{
	struct bench b;
	setup(&b);
	uint8_t first = pit_read(&b.pit, 0x61) & 0x10;
	advance(&b, tick(18));
	cr_assert_neq(pit_read(&b.pit, 0x61) & 0x10, first, "bit 4 flips every 18 ticks");
	pit_write(&b.pit, 0x61, 0xff);
	cr_assert_eq(pit_read(&b.pit, 0x61) & 0x0f, 0x0f, "bits 3:0 are read/write");
	cr_assert_eq(pit_read(&b.pit, 0x61) & 0xc0, 0);
}

/*
 * End to end (tests/unit/guests/pic_pit32.asm): a prot32 guest programs
 * both PICs, the PIT in mode 2 at 1193 (about 1 kHz), takes 10 IRQ0s
 * through its IDT while halted, and exits with the count. Between the
 * first and the last tick the TSC must advance 9 periods, to within one
 * PIT tick.
 */
Test(pit, guest_ticks, .timeout = 30)
{
	struct machine *m = tm_new(START_PROT32);
	tg_load(m, "pic_pit32.bin");
	cr_assert_eq(machine_run(m, 1000000), STOP_EXIT_PORT);
	cr_assert_eq(machine_exit_code(m), 10);
	uint64_t first = tm_peek(m, TM_DATA, 8), last = tm_peek(m, TM_DATA + 8, 8);
	double period = 1193.0 * (double)machine_cpu_hz(m) / PIT_HZ;
	double got = (double)(last - first), want = 9 * period;
	cr_assert(got > want - period / 1193 && got < want + period / 1193,
		  "9 periods took %.0f cycles, expected %.0f", got, want);
	cr_assert_geq(machine_cycles(m), (uint64_t)(10 * period), "10 periods of modelled time");
	cr_assert_lt(machine_cycles(m), (uint64_t)(11 * period));
	machine_free(m);
}

/*
 * The calibration idiom (tests/unit/guests/pit_cal32.asm): counter 2 in
 * mode 0 gated by port 61h, polling OUT2; then two latched reads of
 * counter 0 and a read-back status.
 */
Test(pit, guest_calibration, .timeout = 30)
{
	struct machine *m = tm_new(START_PROT32);
	tg_load(m, "pit_cal32.bin");
	cr_assert_eq(machine_run(m, 20000000), STOP_HLT);
	double per_tick = (double)machine_cpu_hz(m) / PIT_HZ;
	double got = (double)(tm_peek(m, TM_DATA + 8, 8) - tm_peek(m, TM_DATA, 8));
	double want = 2386 * per_tick;
	cr_assert(got > want - 2 * per_tick && got < want + 2 * per_tick,
		  "2386 PIT ticks took %.0f cycles, expected %.0f", got, want);
	uint16_t a = (uint16_t)tm_peek(m, TM_DATA + 0x10, 2), b = (uint16_t)tm_peek(m, TM_DATA + 0x12, 2);
	cr_assert(a <= 60000 && b < a && a - b < 1000, "latched reads %u then %u", a, b);
	cr_assert_eq(tm_peek(m, TM_DATA + 0x14, 1), 0xb4, "status: OUT high, RW 3, mode 2");
	machine_free(m);
}

/* The CPU frequency is configurable, and the PIT follows it. */
Test(pit, guest_ticks_at_other_cpu_hz, .timeout = 30)
{
	char err[200];
	struct machine_config cfg = { .ram_size = TM_RAM, .cpu_hz = 50000000 };
	struct machine *m = machine_new(&cfg, err, sizeof err);
	cr_assert_not_null(m, "%s", err);
	cr_assert_eq(machine_cpu_hz(m), 50000000);
	cr_assert_eq(machine_start(m, START_PROT32, TM_CODE, err, sizeof err), 0, "%s", err);
	machine_reg_set(m, VT_RSP, TM_STACK);
	tg_load(m, "pic_pit32.bin");
	cr_assert_eq(machine_run(m, 1000000), STOP_EXIT_PORT);
	double period = 1193.0 * 50e6 / PIT_HZ;
	double got = (double)(tm_peek(m, TM_DATA + 8, 8) - tm_peek(m, TM_DATA, 8));
	cr_assert(got > 9 * period - 100 && got < 9 * period + 100, "got %.0f", got);
	machine_free(m);

	cfg.cpu_hz = 1000;
	cr_assert_null(machine_new(&cfg, err, sizeof err));
	cr_assert(strstr(err, "CPU frequency"), "%s", err);
}
