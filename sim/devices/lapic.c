/* lapic.c - the local APIC: registers, priorities, IPIs to itself, the LVT timer, x2APIC. */
#include "lapic.h"

#include "../paging/walk.h"
#include "devices.h"

/*
 * The register page (SDM Vol. 3A, 11.4.1, Table 11-1): register r sits
 * at xAPIC offset r * 10H and is x2APIC MSR 800H + r (11.12.1.2, Table
 * 11-6). One row per register: which accesses each mode allows and which
 * bits a write may set. In xAPIC mode other bits are ignored and a
 * forbidden access does nothing (a read gives 0); in x2APIC mode a
 * forbidden access or a set reserved bit is #GP(0) (11.12.1.3).
 */
enum { RD = 1, WR = 2 };

struct lapic_reg {
	const char *name;   /* the SDM's name */
	uint8_t xapic;      /* RD/WR allowed in xAPIC mode; 0: reserved offset */
	uint8_t x2apic;     /* RD/WR allowed in x2APIC mode; 0: no such MSR */
	uint32_t writable;  /* bits a write may set */
};

static const struct lapic_reg regs[64] = {
	[0x02] = { "Local APIC ID", RD | WR, RD, 0xff000000 },
	[0x03] = { "Local APIC Version", RD, RD, 0 },
	[0x08] = { "Task Priority (TPR)", RD | WR, RD | WR, 0xff },
	[0x09] = { "Arbitration Priority (APR)", RD, 0, 0 },
	[0x0a] = { "Processor Priority (PPR)", RD, RD, 0 },
	[0x0b] = { "EOI", WR, WR, 0 },
	[0x0c] = { "Remote Read (RRD)", RD, 0, 0 },
	[0x0d] = { "Logical Destination (LDR)", RD | WR, RD, 0xff000000 },
	[0x0e] = { "Destination Format (DFR)", RD | WR, 0, 0xf0000000 },
	[0x0f] = { "Spurious Interrupt Vector (SVR)", RD | WR, RD | WR, 0x3ff },
	[0x10 ... 0x17] = { "In-Service (ISR)", RD, RD, 0 },
	[0x18 ... 0x1f] = { "Trigger Mode (TMR)", RD, RD, 0 },
	[0x20 ... 0x27] = { "Interrupt Request (IRR)", RD, RD, 0 },
	[0x28] = { "Error Status (ESR)", RD | WR, RD | WR, 0 },
	[0x30] = { "Interrupt Command (ICR)", RD | WR, RD | WR, 0x000ccfff },
	[0x31] = { "Interrupt Command (ICR) bits 32-63", RD | WR, 0, 0xff000000 },
	[0x32] = { "LVT Timer", RD | WR, RD | WR, 0x000300ff },
	[0x33] = { "LVT Thermal Sensor", RD | WR, RD | WR, 0x000107ff },
	[0x34] = { "LVT Performance Monitoring Counters", RD | WR, RD | WR, 0x000107ff },
	[0x35] = { "LVT LINT0", RD | WR, RD | WR, 0x0001a7ff },
	[0x36] = { "LVT LINT1", RD | WR, RD | WR, 0x0001a7ff },
	[0x37] = { "LVT Error", RD | WR, RD | WR, 0x000100ff },
	[0x38] = { "Initial Count (for Timer)", RD | WR, RD | WR, 0xffffffff },
	[0x39] = { "Current Count (for Timer)", RD, RD, 0 },
	[0x3e] = { "Divide Configuration (for Timer)", RD | WR, RD | WR, 0x0000000b },
	[0x3f] = { "SELF IPI", 0, WR, 0x000000ff },
};

/* Error status bits (SDM Vol. 3A, 11.5.3, Figure 11-9). */
#define ESR_SEND_ILLEGAL (1u << 5)    /* an IPI with a vector below 16 was sent */
#define ESR_RECV_ILLEGAL (1u << 6)    /* an interrupt with a vector below 16 arrived */
#define ESR_ILLEGAL_REG (1u << 7)     /* a reserved register offset was accessed */

/* Interrupt command register fields (SDM Vol. 3A, 11.6.1, Figure 11-12). */
#define ICR_VECTOR(v) ((v) & 0xff)
#define ICR_DM(v) (((v) >> 8) & 7)      /* delivery mode: 0 fixed, 1 lowest priority, ... */
#define ICR_LOGICAL (1u << 11)          /* destination mode */
#define ICR_SHORTHAND(v) (((v) >> 18) & 3) /* 0 none, 1 self, 2 all incl. self, 3 all excl. self */

/* x2APIC ICR: bits 63:32 destination; 31:20, 17:16, 13:12 reserved. */
#define X2_ICR_WRITABLE (0xffffffff00000000ull | 0x000ccfffull)

bool lapic_enabled(const struct lapic *l)
{
	return l->base_msr & APIC_BASE_EN;
}

bool lapic_sw_enabled(const struct lapic *l)
{
	return lapic_enabled(l) && (l->svr & SVR_ENABLE);
}

bool lapic_x2apic(const struct lapic *l)
{
	return (l->base_msr & (APIC_BASE_EN | APIC_BASE_EXTD)) == (APIC_BASE_EN | APIC_BASE_EXTD);
}

bool lapic_extint(const struct lapic *l)
{
	uint32_t v = l->lvt[LVT_LINT0];
	return lapic_enabled(l) && !(v & LVT_MASKED) && LVT_DM(v) == LVT_DM_EXTINT;
}

static void notify(struct lapic *l)
{
	if (l->notify)
		l->notify(l->opaque);
}

/* The highest vector set in a 256-bit register, or -1. */
static int highest(const uint32_t r[8])
{
	for (int i = 7; i >= 0; i--)
		if (r[i])
			return i * 32 + 31 - __builtin_clz(r[i]);
	return -1;
}

static void set_bit(uint32_t r[8], unsigned v)
{
	r[v >> 5] |= 1u << (v & 31);
}

static void clear_bit(uint32_t r[8], unsigned v)
{
	r[v >> 5] &= ~(1u << (v & 31));
}

/*
 * Priorities (SDM Vol. 3A, 11.8.3.1): a vector's priority class is its
 * bits 7:4. PPR is TPR if TPR's class is at least that of the highest
 * vector in service (ISRV), else ISRV's class with bits 3:0 clear. A
 * vector in IRR is delivered only if its class is above PPR's class.
 */
uint8_t lapic_ppr(const struct lapic *l)
{
	int isrv = highest(l->isr);
	if (isrv < 0)
		isrv = 0;
	return (l->tpr >> 4) >= (isrv >> 4) ? l->tpr : (uint8_t)(isrv & 0xf0);
}

/* APR (11.6.2.4), which only lowest-priority arbitration uses. */
static uint8_t apr(const struct lapic *l)
{
	int isrv = highest(l->isr), irrv = highest(l->irr);
	unsigned t = l->tpr >> 4, s = isrv < 0 ? 0 : (unsigned)isrv >> 4, q = irrv < 0 ? 0 : (unsigned)irrv >> 4;
	if (t >= q && t > s)
		return l->tpr;
	unsigned m = t > s ? t : s;
	return (uint8_t)((m > q ? m : q) << 4);
}

int lapic_pending(const struct lapic *l)
{
	if (!lapic_enabled(l))
		return -1;
	int v = highest(l->irr);
	if (v < 0 || (v >> 4) <= (lapic_ppr(l) >> 4))
		return -1;
	return v;
}

uint8_t lapic_intack(struct lapic *l)
{
	int v = lapic_pending(l);
	if (v < 0)
		return (uint8_t)l->svr; /* spurious (11.9): not put in service, no EOI wanted */
	clear_bit(l->irr, (unsigned)v);
	set_bit(l->isr, (unsigned)v);
	notify(l);
	return (uint8_t)v;
}

/* End of interrupt: the highest vector in service is done (11.8.5). */
static void eoi(struct lapic *l)
{
	int v = highest(l->isr);
	if (v >= 0) {
		clear_bit(l->isr, (unsigned)v);
		clear_bit(l->tmr, (unsigned)v);
	}
}

static void accept(struct lapic *l, uint8_t vector, bool from_error);

/* An error (11.5.3): latched for the next ESR write, and signalled
 * through LVT Error if it is unmasked. */
static void error(struct lapic *l, uint32_t bit, bool from_error)
{
	l->esr_pending |= bit;
	uint32_t lvt = l->lvt[LVT_ERROR];
	if (!(lvt & LVT_MASKED) && !from_error)
		accept(l, (uint8_t)lvt, true);
}

/* Vectors 0-15 are illegal for fixed interrupts (11.5.2): the interrupt
 * is not accepted and ESR records it. */
static void accept(struct lapic *l, uint8_t vector, bool from_error)
{
	if (vector < 16) {
		error(l, ESR_RECV_ILLEGAL, from_error);
		return;
	}
	set_bit(l->irr, vector);
	clear_bit(l->tmr, vector); /* edge-triggered */
	notify(l);
}

void lapic_accept(struct lapic *l, uint8_t vector)
{
	accept(l, vector, false);
}

/* ---------------------------------------------------------------- timer */

/* DCR bits 3, 1:0 select divide by 2, 4, 8, 16, 32, 64, 128 or 1 (11.5.4, Figure 11-10). */
static uint64_t divisor(uint32_t dcr)
{
	unsigned k = ((dcr >> 1) & 4) | (dcr & 3);
	return k == 7 ? 1 : 2ull << k;
}

static uint64_t bus_now(const struct lapic *l)
{
	return dev_ticks_at(l->clock->hz, l->bus_hz, *l->now);
}

static void timer_arm(struct lapic *l)
{
	clock_timer_arm(l->clock, l->timer,
			l->timer_running ? dev_tick_cycle(l->clock->hz, l->bus_hz, l->timer_expiry)
					 : CLOCK_NEVER);
}

static void timer_begin(struct lapic *l, uint64_t now, uint32_t count)
{
	l->timer_start = now;
	l->timer_count = count;
	l->timer_expiry = now + count * divisor(l->dcr);
	l->timer_running = count != 0;
	timer_arm(l);
}

/*
 * The current count, from the bus ticks since the countdown began: in
 * one-shot mode it stops at 0; in periodic mode it reloads the initial
 * count each time it reaches 0 (11.5.4).
 */
static uint32_t current_count(const struct lapic *l, uint64_t now)
{
	if (!l->timer_running)
		return 0;
	uint64_t e = (now - l->timer_start) / divisor(l->dcr);
	if (e < l->timer_count)
		return (uint32_t)(l->timer_count - e);
	if (!(l->lvt[LVT_TIMER] & LVT_PERIODIC) || !l->initial_count)
		return 0;
	return (uint32_t)(l->initial_count - (e - l->timer_count) % l->initial_count);
}

/* The count reached 0: interrupt unless masked, then reload or stop.
 * Periods the CPU slept through collapse into this one interrupt. */
static void timer_fire(void *opaque, uint64_t cycles)
{
	struct lapic *l = opaque;
	uint64_t now = dev_ticks_at(l->clock->hz, l->bus_hz, cycles);
	if (!l->timer_running)
		return;
	if (now < l->timer_expiry) {
		timer_arm(l);
		return;
	}
	uint32_t lvt = l->lvt[LVT_TIMER];
	if (!(lvt & LVT_MASKED))
		accept(l, (uint8_t)lvt, false);
	if ((lvt & LVT_PERIODIC) && l->initial_count) {
		uint64_t period = l->initial_count * divisor(l->dcr);
		uint64_t last = l->timer_expiry + (now - l->timer_expiry) / period * period;
		l->timer_start = last;
		l->timer_count = l->initial_count;
		l->timer_expiry = last + period;
	} else {
		l->timer_running = false;
	}
	timer_arm(l);
}

/* ------------------------------------------------------------ registers */

/* The x2APIC logical ID derived from the x2APIC ID (11.12.10.2):
 * cluster ID[19:4] in bits 31:16, bit ID[3:0] set in bits 15:0. */
static uint32_t x2apic_ldr(uint32_t id)
{
	return ((id >> 4) << 16) | (1u << (id & 15));
}

static uint32_t reg_read(struct lapic *l, unsigned r)
{
	bool x2 = lapic_x2apic(l);
	switch (r) {
	case 0x02: return x2 ? l->id : l->id << 24;
	case 0x03: return LAPIC_VERSION;
	case 0x08: return l->tpr;
	case 0x09: return apr(l);
	case 0x0a: return lapic_ppr(l);
	case 0x0d: return x2 ? x2apic_ldr(l->id) : l->ldr;
	case 0x0e: return l->dfr | 0x0fffffff;
	case 0x0f: return l->svr;
	case 0x28: return l->esr;
	case 0x30: return l->icr_lo; /* delivery status (bit 12) always idle */
	case 0x31: return l->icr_hi;
	case 0x38: return l->initial_count;
	case 0x39: return current_count(l, bus_now(l));
	case 0x3e: return l->dcr;
	default: break;
	}
	if (r >= 0x10 && r < 0x18)
		return l->isr[r - 0x10];
	if (r >= 0x18 && r < 0x20)
		return l->tmr[r - 0x18];
	if (r >= 0x20 && r < 0x28)
		return l->irr[r - 0x20];
	if (r >= 0x32 && r < 0x32 + LVT_COUNT)
		return l->lvt[r - 0x32];
	return 0;
}

/* Does destination `dest` (ICR, destination shorthand "none") name this
 * APIC? Physical: its ID, or the broadcast ID. Logical (11.6.2.2;
 * 11.12.10.1 for x2APIC): a match in the flat or cluster model. */
static bool is_destination(const struct lapic *l, uint32_t dest, bool logical)
{
	if (lapic_x2apic(l)) {
		if (dest == 0xffffffffu)
			return true;
		if (!logical)
			return dest == l->id;
		uint32_t ldr = x2apic_ldr(l->id);
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	}
	dest &= 0xff;
	if (dest == 0xff)
		return true;
	if (!logical)
		return dest == (l->id & 0xff);
	uint32_t ldr = l->ldr >> 24;
	if ((l->dfr >> 28) == 0xf) /* flat model */
		return (dest & ldr) != 0;
	return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xf); /* cluster model */
}

/*
 * Sending an IPI (11.6.1). With one processor only this APIC can be a
 * destination; fixed and lowest-priority IPIs to it set IRR like any
 * other interrupt, an NMI IPI (delivery mode 100B) raises the NMI
 * request (the vector is ignored). INIT, SIPI and SMI IPIs are not
 * modelled.
 */
static void send_ipi(struct lapic *l)
{
	uint32_t lo = l->icr_lo;
	bool self;
	switch (ICR_SHORTHAND(lo)) {
	case 0:
		self = is_destination(l, lapic_x2apic(l) ? l->icr_hi : l->icr_hi >> 24, lo & ICR_LOGICAL);
		break;
	case 3: self = false; break;
	default: self = true; break;
	}
	if (ICR_DM(lo) == 4) {
		if (self) {
			l->nmi = true;
			l->notify(l->opaque);
		}
		return;
	}
	if (ICR_DM(lo) > 1)
		return;
	if (ICR_VECTOR(lo) < 16) {
		error(l, ESR_SEND_ILLEGAL, false);
		return;
	}
	if (self)
		accept(l, (uint8_t)ICR_VECTOR(lo), false);
}

/* While software-disabled, every LVT entry stays masked (11.4.7.2). */
static void write_svr(struct lapic *l, uint32_t v)
{
	l->svr = v;
	if (!(v & SVR_ENABLE))
		for (int i = 0; i < LVT_COUNT; i++)
			l->lvt[i] |= LVT_MASKED;
}

static void write_dcr(struct lapic *l, uint32_t v)
{
	uint64_t now = bus_now(l);
	uint32_t cur = current_count(l, now);
	l->dcr = v;
	/* The countdown goes on from where it is at the new rate. */
	if (l->timer_running)
		timer_begin(l, now, cur);
}

static void reg_write(struct lapic *l, unsigned r, uint32_t v)
{
	switch (r) {
	case 0x02: l->id = v >> 24; break;
	case 0x08: l->tpr = (uint8_t)v; break;
	case 0x0b: eoi(l); break;
	case 0x0d: l->ldr = v; break;
	case 0x0e: l->dfr = v; break;
	case 0x0f: write_svr(l, v); break;
	case 0x28: /* a write latches the errors seen since the last one */
		l->esr = l->esr_pending;
		l->esr_pending = 0;
		break;
	case 0x30:
		l->icr_lo = v;
		send_ipi(l);
		break;
	case 0x31: l->icr_hi = v; break;
	case 0x38:
		l->initial_count = v;
		timer_begin(l, bus_now(l), v); /* 0 stops the timer */
		break;
	case 0x3e: write_dcr(l, v); break;
	case 0x3f: accept(l, (uint8_t)v, false); break; /* SELF IPI: a fixed, edge IPI to itself */
	default:
		if (r >= 0x32 && r < 0x32 + LVT_COUNT) {
			if (!(l->svr & SVR_ENABLE))
				v |= LVT_MASKED;
			l->lvt[r - 0x32] = v;
		}
		break;
	}
	notify(l);
}

/* The xAPIC page answers while the APIC is enabled in xAPIC mode at its
 * default base; otherwise these addresses are the void (11.4.5 relocation
 * is not modelled; 11.12.1.2: no MMIO in x2APIC mode). */
static bool mmio_live(const struct lapic *l)
{
	return lapic_enabled(l) && !lapic_x2apic(l) &&
	       (l->base_msr & ~0xfffull & ((1ull << VT_MAXPHYADDR) - 1)) == LAPIC_DEFAULT_BASE;
}

uint32_t lapic_read(struct lapic *l, uint32_t offset)
{
	unsigned r = (offset >> 4) & 63;
	if (!regs[r].xapic) {
		error(l, ESR_ILLEGAL_REG, false);
		return 0;
	}
	return (regs[r].xapic & RD) ? reg_read(l, r) : 0;
}

void lapic_write(struct lapic *l, uint32_t offset, uint32_t val)
{
	unsigned r = (offset >> 4) & 63;
	if (!regs[r].xapic) {
		error(l, ESR_ILLEGAL_REG, false);
		return;
	}
	if (regs[r].xapic & WR)
		reg_write(l, r, val & regs[r].writable);
}

const char *lapic_reg_name(uint32_t offset)
{
	return offset < 0x400 && !(offset & 15) ? regs[offset >> 4].name : NULL;
}

/*
 * MMIO: each register is the first 4 bytes of its 16-byte slot and is
 * meant to be accessed with aligned 32-bit loads and stores (11.4.1).
 * vtsim returns the addressed bytes of a register for any load, and
 * performs only aligned stores of 4 or 8 bytes (the low 4).
 */
static uint64_t mmio_read(void *opaque, uint64_t off, unsigned size)
{
	struct lapic *l = opaque;
	if (!mmio_live(l))
		return size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
	if ((off & 15) >= 4)
		return 0;
	uint64_t v = lapic_read(l, (uint32_t)off & ~15u) >> (8 * (off & 3));
	return size >= 4 ? v : v & ((1ull << (8 * size)) - 1);
}

static void mmio_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	struct lapic *l = opaque;
	if (mmio_live(l) && !(off & 15) && size >= 4)
		lapic_write(l, (uint32_t)off, (uint32_t)val);
}

static const struct mmio_ops lapic_mmio = { mmio_read, mmio_write };

/* ------------------------------------------------------------- the MSRs */

/* Everything but IA32_APIC_BASE back to the power-up values (11.4.7.1). */
static void clear_state(struct lapic *l)
{
	l->id = 0; /* the initial APIC ID of the only processor */
	l->tpr = 0;
	l->ldr = 0;
	l->dfr = 0xffffffffu;
	l->svr = 0xff;
	for (int i = 0; i < 8; i++)
		l->irr[i] = l->isr[i] = l->tmr[i] = 0;
	l->esr = l->esr_pending = 0;
	l->icr_lo = l->icr_hi = 0;
	l->nmi = false;
	for (int i = 0; i < LVT_COUNT; i++)
		l->lvt[i] = LVT_MASKED;
	l->initial_count = 0;
	l->dcr = 0;
	l->timer_running = false;
	timer_arm(l);
}

/*
 * IA32_APIC_BASE writes (11.4.4; the states and transitions of 11.12.5
 * "x2APIC State Transitions"): EXTD without EN, x2APIC back to xAPIC without going
 * through disabled, and disabled straight to x2APIC are invalid (#GP).
 * Clearing EN resets the APIC's state; entering x2APIC mode sets the
 * x2APIC ID to the initial APIC ID and derives the logical ID from it.
 * The BSP flag is read-only here.
 */
static bool write_apic_base(struct lapic *l, uint64_t v)
{
	uint64_t valid = APIC_BASE_BSP | APIC_BASE_EXTD | APIC_BASE_EN |
			 (((1ull << VT_MAXPHYADDR) - 1) & ~0xfffull);
	if (v & ~valid)
		return false;
	bool en = v & APIC_BASE_EN, extd = v & APIC_BASE_EXTD;
	bool was_en = lapic_enabled(l), was_x2 = lapic_x2apic(l);
	if (extd && !en)
		return false;
	if (was_x2 && en && !extd)
		return false;
	if (!was_en && extd)
		return false;
	l->base_msr = (v & ~APIC_BASE_BSP) | (l->base_msr & APIC_BASE_BSP);
	if (was_en && !en)
		clear_state(l);
	if (extd && !was_x2)
		l->id = 0;
	notify(l);
	return true;
}

bool lapic_msr_read(struct lapic *l, uint32_t msr, uint64_t *val)
{
	if (msr == IA32_APIC_BASE) {
		*val = l->base_msr;
		return true;
	}
	if (msr < 0x800 || msr >= 0x840 || !lapic_x2apic(l) || !(regs[msr - 0x800].x2apic & RD))
		return false;
	unsigned r = msr - 0x800;
	*val = reg_read(l, r);
	if (r == 0x30)
		*val |= (uint64_t)l->icr_hi << 32;
	return true;
}

bool lapic_msr_write(struct lapic *l, uint32_t msr, uint64_t val)
{
	if (msr == IA32_APIC_BASE)
		return write_apic_base(l, val);
	if (msr < 0x800 || msr >= 0x840 || !lapic_x2apic(l) || !(regs[msr - 0x800].x2apic & WR))
		return false;
	unsigned r = msr - 0x800;
	if (r == 0x30) { /* one 64-bit ICR: destination in bits 63:32 (11.12.9) */
		if (val & ~X2_ICR_WRITABLE)
			return false;
		l->icr_hi = (uint32_t)(val >> 32);
		reg_write(l, r, (uint32_t)val);
		return true;
	}
	if (val & ~(uint64_t)regs[r].writable)
		return false;
	reg_write(l, r, (uint32_t)val);
	return true;
}

uint8_t lapic_cr8_get(const struct lapic *l)
{
	return l->tpr >> 4;
}

void lapic_cr8_set(struct lapic *l, uint8_t cr8)
{
	l->tpr = (uint8_t)((cr8 & 15) << 4); /* TPR[3:0] become 0 */
	notify(l);
}

void lapic_reset(struct lapic *l)
{
	l->base_msr = LAPIC_DEFAULT_BASE | APIC_BASE_EN | APIC_BASE_BSP;
	clear_state(l);
	notify(l);
}

int lapic_init(struct lapic *l, struct clock *clock, const uint64_t *now,
	       void (*notify_fn)(void *opaque), void *opaque)
{
	l->clock = clock;
	l->now = now;
	l->notify = notify_fn;
	l->opaque = opaque;
	l->bus_hz = clock->hz < LAPIC_BUS_HZ ? clock->hz : LAPIC_BUS_HZ;
	l->timer = clock_timer_new(clock, timer_fire, l);
	if (l->timer < 0)
		return -1;
	lapic_reset(l);
	return 0;
}

int lapic_attach(struct lapic *l, struct physmem *pm)
{
	return phys_add_mmio(pm, LAPIC_DEFAULT_BASE, PAGE_SIZE, &lapic_mmio, l, "local-apic");
}
