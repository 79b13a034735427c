/* test_lapic.c - the local APIC: registers, priorities, EOI, timer, ICR, x2APIC MSRs, guests. */
#include <criterion/criterion.h>

#include "../../sim/devices/lapic.h"
#include "../../sim/platform.h"
#include "guest.h"
#include "helpers.h"

/* A local APIC on its own, on a 2 GHz clock (20 cycles per 100 MHz bus tick). */
#define HZ 2000000000ull
#define CYC_PER_BUS 20ull

struct bench {
	struct clock clock;
	uint64_t deadline;
	uint64_t now;
	struct lapic l;
};

static void setup(struct bench *b)
{
	*b = (struct bench){ .now = 0 };
	clock_init(&b->clock, HZ, &b->deadline);
	cr_assert_eq(lapic_init(&b->l, &b->clock, &b->now, NULL, NULL), 0);
}

static void advance(struct bench *b, uint64_t to)
{
	while (b->deadline <= to) {
		b->now = b->deadline;
		clock_run_due(&b->clock, b->now);
	}
	b->now = to;
}

static void enable(struct bench *b)
{
	lapic_write(&b->l, 0x0f0, SVR_ENABLE | 0xff);
}

static bool irr_has(const struct lapic *l, unsigned v)
{
	return l->irr[v >> 5] & (1u << (v & 31));
}

Test(lapic, power_up_state)
{
	struct bench b;
	setup(&b);
	uint64_t base;
	cr_assert(lapic_msr_read(&b.l, IA32_APIC_BASE, &base));
	cr_assert_eq(base, 0xfee00900ull, "base FEE00000h, EN, BSP");
	cr_assert_eq(lapic_read(&b.l, 0x030), 0x00050014u, "version 14h, max LVT entry 5");
	cr_assert_eq(lapic_read(&b.l, 0x020), 0);
	cr_assert_eq(lapic_read(&b.l, 0x0f0), 0xff, "software-disabled, spurious vector FFh");
	cr_assert_eq(lapic_read(&b.l, 0x0e0), 0xffffffffu, "DFR: flat model");
	for (uint32_t off = 0x320; off <= 0x370; off += 0x10)
		cr_assert_eq(lapic_read(&b.l, off), 0x10000, "LVT %03x masked", off);
	cr_assert_not(lapic_sw_enabled(&b.l));
	cr_assert_str_eq(lapic_reg_name(0x0a0), "Processor Priority (PPR)");
}

Test(lapic, register_write_masks)
{
	struct bench b;
	setup(&b);
	enable(&b);
	lapic_write(&b.l, 0x020, 0xffffffff);
	cr_assert_eq(lapic_read(&b.l, 0x020), 0xff000000, "ID: bits 31:24");
	lapic_write(&b.l, 0x020, 0);
	lapic_write(&b.l, 0x080, 0x1ff);
	cr_assert_eq(lapic_read(&b.l, 0x080), 0xff);
	lapic_write(&b.l, 0x320, 0xffffffff);
	cr_assert_eq(lapic_read(&b.l, 0x320), 0x000300ff, "no TSC-deadline mode, delivery status read-only");
	lapic_write(&b.l, 0x350, 0xffffffff);
	cr_assert_eq(lapic_read(&b.l, 0x350), 0x0001a7ff, "LINT0: no remote IRR or delivery status");
	lapic_write(&b.l, 0x3e0, 0xff);
	cr_assert_eq(lapic_read(&b.l, 0x3e0), 0x0b);
	lapic_write(&b.l, 0x080, 0x20);
	lapic_write(&b.l, 0x0a0, 0x55);
	cr_assert_eq(lapic_read(&b.l, 0x0a0), 0x20, "PPR is read-only (and equals TPR here)");
	lapic_write(&b.l, 0x030, 0);
	cr_assert_eq(lapic_read(&b.l, 0x030), 0x00050014u, "version is read-only");
}

Test(lapic, software_disable_masks_lvt)
{
	struct bench b;
	setup(&b);
	enable(&b);
	lapic_write(&b.l, 0x320, 0x40);
	cr_assert_eq(lapic_read(&b.l, 0x320), 0x40);
	lapic_write(&b.l, 0x0f0, 0xff); /* software disable */
	cr_assert_eq(lapic_read(&b.l, 0x320), 0x10040, "disabling masks every LVT entry");
	lapic_write(&b.l, 0x320, 0x41);
	cr_assert_eq(lapic_read(&b.l, 0x320), 0x10041, "and the mask cannot be cleared while disabled");
}

Test(lapic, acceptance_priority_and_eoi)
{
	struct bench b;
	setup(&b);
	enable(&b);
	lapic_accept(&b.l, 0x31);
	lapic_accept(&b.l, 0x45);
	cr_assert_eq(lapic_pending(&b.l), 0x45, "the highest vector first");
	cr_assert_eq(lapic_intack(&b.l), 0x45);
	cr_assert_not(irr_has(&b.l, 0x45));
	cr_assert_eq(lapic_read(&b.l, 0x120), 1u << 5, "ISR bit 45h");
	cr_assert_eq(lapic_ppr(&b.l), 0x40, "PPR = ISRV class");
	cr_assert_eq(lapic_pending(&b.l), -1, "31h is in a lower class than the one in service");
	lapic_accept(&b.l, 0x4f);
	cr_assert_eq(lapic_pending(&b.l), -1, "same class as the one in service: waits");
	lapic_accept(&b.l, 0x50);
	cr_assert_eq(lapic_pending(&b.l), 0x50, "a higher class nests");
	cr_assert_eq(lapic_intack(&b.l), 0x50);
	lapic_write(&b.l, 0x0b0, 0);
	cr_assert_eq(lapic_read(&b.l, 0x150), 0, "EOI clears the highest in service (50h)");
	cr_assert_eq(lapic_read(&b.l, 0x120), 1u << 5);
	lapic_write(&b.l, 0x0b0, 0);
	cr_assert_eq(lapic_pending(&b.l), 0x4f);
	cr_assert_eq(lapic_intack(&b.l), 0x4f);
	lapic_write(&b.l, 0x0b0, 0);
	cr_assert_eq(lapic_intack(&b.l), 0x31);
}

Test(lapic, tpr_ppr_and_cr8)
{
	struct bench b;
	setup(&b);
	enable(&b);
	lapic_write(&b.l, 0x080, 0x5a);
	cr_assert_eq(lapic_ppr(&b.l), 0x5a, "no ISR: PPR = TPR");
	lapic_accept(&b.l, 0x5f);
	cr_assert_eq(lapic_pending(&b.l), -1, "class 5 is not above TPR class 5");
	cr_assert_eq(lapic_cr8_get(&b.l), 5);
	lapic_cr8_set(&b.l, 4);
	cr_assert_eq(lapic_read(&b.l, 0x080), 0x40, "CR8 writes TPR[7:4] and clears TPR[3:0]");
	cr_assert_eq(lapic_pending(&b.l), 0x5f);
	cr_assert_eq(lapic_intack(&b.l), 0x5f);
	cr_assert_eq(lapic_ppr(&b.l), 0x50);
	lapic_write(&b.l, 0x080, 0x62);
	cr_assert_eq(lapic_ppr(&b.l), 0x62, "TPR class above ISRV: PPR = TPR");
	cr_assert_eq(lapic_intack(&b.l), 0xff, "nothing deliverable: the spurious vector, ISR untouched");
	cr_assert_eq(lapic_read(&b.l, 0x170), 0);
}

Test(lapic, illegal_vectors_and_esr)
{
	struct bench b;
	setup(&b);
	enable(&b);
	lapic_write(&b.l, 0x370, 0xe0); /* LVT error: vector E0h */
	lapic_write(&b.l, 0x300, 0x40007); /* self-IPI, vector 7 */
	cr_assert_eq(lapic_read(&b.l, 0x280), 0, "errors show after the next ESR write");
	lapic_write(&b.l, 0x280, 0);
	cr_assert_eq(lapic_read(&b.l, 0x280), 0x20, "send illegal vector");
	cr_assert_eq(lapic_pending(&b.l), 0xe0, "signalled through LVT error");
	lapic_write(&b.l, 0x280, 0);
	cr_assert_eq(lapic_read(&b.l, 0x280), 0);
	lapic_accept(&b.l, 3);
	lapic_read(&b.l, 0x040); /* a reserved register */
	lapic_write(&b.l, 0x280, 0);
	cr_assert_eq(lapic_read(&b.l, 0x280), 0xc0, "receive illegal vector, illegal register address");
}

Test(lapic, icr_destinations)
{
	struct bench b;
	setup(&b);
	enable(&b);
	lapic_write(&b.l, 0x310, 0x01000000);
	lapic_write(&b.l, 0x300, 0x00041); /* physical, destination 1: not us */
	cr_assert_not(irr_has(&b.l, 0x41));
	lapic_write(&b.l, 0x310, 0xff000000);
	lapic_write(&b.l, 0x300, 0x00042); /* physical broadcast */
	cr_assert(irr_has(&b.l, 0x42));
	lapic_write(&b.l, 0x0d0, 0x04000000); /* logical ID bit 2 */
	lapic_write(&b.l, 0x310, 0x06000000);
	lapic_write(&b.l, 0x300, 0x00843); /* logical, flat: 06h & 04h */
	cr_assert(irr_has(&b.l, 0x43));
	lapic_write(&b.l, 0x0e0, 0x0fffffff); /* cluster model */
	lapic_write(&b.l, 0x0d0, 0x21000000); /* cluster 2, member bit 0 */
	lapic_write(&b.l, 0x310, 0x11000000);
	lapic_write(&b.l, 0x300, 0x00844); /* cluster 1: not us */
	cr_assert_not(irr_has(&b.l, 0x44));
	lapic_write(&b.l, 0x310, 0x23000000);
	lapic_write(&b.l, 0x300, 0x00845);
	cr_assert(irr_has(&b.l, 0x45));
	lapic_write(&b.l, 0x300, 0xc0046); /* all excluding self */
	cr_assert_not(irr_has(&b.l, 0x46));
	lapic_write(&b.l, 0x300, 0x80047); /* all including self */
	cr_assert(irr_has(&b.l, 0x47));
	cr_assert_eq(lapic_read(&b.l, 0x300) & 0x1000, 0, "delivery status: idle");
}

Test(lapic, timer_one_shot)
{
	struct bench b;
	setup(&b);
	enable(&b);
	lapic_write(&b.l, 0x3e0, 0x0); /* divide by 2 */
	lapic_write(&b.l, 0x320, 0x30);
	lapic_write(&b.l, 0x380, 1000);
	cr_assert_eq(lapic_read(&b.l, 0x390), 1000);
	advance(&b, 500 * 2 * CYC_PER_BUS);
	cr_assert_eq(lapic_read(&b.l, 0x390), 500);
	advance(&b, 1000 * 2 * CYC_PER_BUS - 1);
	cr_assert_eq(lapic_pending(&b.l), -1);
	advance(&b, 1000 * 2 * CYC_PER_BUS);
	cr_assert_eq(lapic_pending(&b.l), 0x30, "fires after count x divisor bus clocks");
	cr_assert_eq(lapic_read(&b.l, 0x390), 0, "one-shot: stays at 0");
	cr_assert_eq(b.deadline, CLOCK_NEVER);
	cr_assert_eq(lapic_read(&b.l, 0x380), 1000, "initial count is kept");
}

Test(lapic, timer_periodic_divider_and_mask)
{
	struct bench b;
	setup(&b);
	enable(&b);
	lapic_write(&b.l, 0x3e0, 0xb); /* divide by 1 */
	lapic_write(&b.l, 0x320, 0x20031);
	lapic_write(&b.l, 0x380, 100);
	int fired = 0;
	for (int i = 1; i <= 5; i++) {
		advance(&b, (uint64_t)i * 100 * CYC_PER_BUS);
		if (lapic_pending(&b.l) == 0x31) {
			fired++;
			lapic_intack(&b.l);
			lapic_write(&b.l, 0x0b0, 0);
		}
		cr_assert_eq(lapic_read(&b.l, 0x390), 100, "reloaded at each expiry");
	}
	cr_assert_eq(fired, 5);
	advance(&b, 550 * CYC_PER_BUS);
	cr_assert_eq(lapic_read(&b.l, 0x390), 50);
	lapic_write(&b.l, 0x3e0, 0x1); /* divide by 4 from here, from 50 */
	advance(&b, 650 * CYC_PER_BUS);
	cr_assert_eq(lapic_read(&b.l, 0x390), 25);
	lapic_write(&b.l, 0x320, 0x30031); /* masked: counts on, no interrupt */
	advance(&b, 2000 * CYC_PER_BUS);
	cr_assert_eq(lapic_pending(&b.l), -1);
	lapic_write(&b.l, 0x380, 0);
	cr_assert_eq(lapic_read(&b.l, 0x390), 0, "initial count 0 stops it");
	cr_assert_eq(b.deadline, CLOCK_NEVER);
}

Test(lapic, timer_divisors)
{
	static const struct {
		uint32_t dcr, div;
	} t[] = { { 0, 2 }, { 1, 4 }, { 2, 8 }, { 3, 16 }, { 8, 32 }, { 9, 64 }, { 10, 128 }, { 11, 1 } };
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct bench b;
		setup(&b);
		enable(&b);
		lapic_write(&b.l, 0x3e0, t[i].dcr);
		lapic_write(&b.l, 0x380, 10);
		advance(&b, t[i].div * CYC_PER_BUS);
		cr_assert_eq(lapic_read(&b.l, 0x390), 9, "DCR %u divides by %u", t[i].dcr, t[i].div);
	}
}

Test(lapic, apic_base_transitions)
{
	struct bench b;
	setup(&b);
	uint64_t v;
	cr_assert_not(lapic_msr_read(&b.l, 0x802, &v), "x2APIC MSRs #GP in xAPIC mode");
	cr_assert_not(lapic_msr_write(&b.l, IA32_APIC_BASE, 0xfee00401), "reserved bit 0");
	cr_assert_not(lapic_msr_write(&b.l, IA32_APIC_BASE, 0xfee00400), "EXTD without EN");
	cr_assert(lapic_msr_write(&b.l, IA32_APIC_BASE, 0xfee00c00), "xAPIC -> x2APIC");
	cr_assert(lapic_x2apic(&b.l));
	cr_assert(lapic_msr_read(&b.l, IA32_APIC_BASE, &v));
	cr_assert_eq(v, 0xfee00d00ull, "BSP is kept (read-only)");
	cr_assert_not(lapic_msr_write(&b.l, IA32_APIC_BASE, 0xfee00800), "x2APIC -> xAPIC is invalid");
	lapic_accept(&b.l, 0x70);
	cr_assert(lapic_msr_write(&b.l, IA32_APIC_BASE, 0xfee00000), "x2APIC -> disabled");
	cr_assert_eq(lapic_pending(&b.l), -1);
	cr_assert_not(lapic_msr_write(&b.l, IA32_APIC_BASE, 0xfee00c00), "disabled -> x2APIC is invalid");
	cr_assert(lapic_msr_write(&b.l, IA32_APIC_BASE, 0xfee00800), "disabled -> xAPIC");
	cr_assert_not(irr_has(&b.l, 0x70), "global disable resets the APIC's state");
	cr_assert_not(lapic_msr_write(&b.l, IA32_APIC_BASE, 1ull << 46), "beyond MAXPHYADDR");
	cr_assert_not(lapic_msr_read(&b.l, 0x10, &v), "not an APIC MSR");
}

Test(lapic, x2apic_msrs)
{
	struct bench b;
	setup(&b);
	cr_assert(lapic_msr_write(&b.l, IA32_APIC_BASE, 0xfee00c00));
	uint64_t v;
	cr_assert(lapic_msr_read(&b.l, 0x802, &v));
	cr_assert_eq(v, 0, "x2APIC ID: 32 bits");
	cr_assert(lapic_msr_read(&b.l, 0x80d, &v));
	cr_assert_eq(v, 1, "LDR from the ID: cluster 0, bit 0");
	cr_assert_not(lapic_msr_write(&b.l, 0x802, 1), "ID is read-only");
	cr_assert_not(lapic_msr_write(&b.l, 0x80d, 1), "LDR is read-only");
	cr_assert_not(lapic_msr_read(&b.l, 0x80e, &v), "no DFR");
	cr_assert_not(lapic_msr_read(&b.l, 0x831, &v), "no ICR high half");
	cr_assert_not(lapic_msr_read(&b.l, 0x80b, &v), "EOI is write-only");
	cr_assert_not(lapic_msr_read(&b.l, 0x83f, &v), "SELF IPI is write-only");
	cr_assert_not(lapic_msr_write(&b.l, 0x80b, 1), "EOI takes only 0");
	cr_assert_not(lapic_msr_write(&b.l, 0x828, 1), "ESR takes only 0");
	cr_assert_not(lapic_msr_write(&b.l, 0x808, 0x100), "TPR bit 8 is reserved");
	cr_assert_not(lapic_msr_write(&b.l, 0x80f, 1ull << 32), "bits 63:32 are reserved");
	cr_assert(lapic_msr_write(&b.l, 0x80f, 0x1ff));
	cr_assert(lapic_msr_write(&b.l, 0x808, 0x20));
	cr_assert(lapic_msr_read(&b.l, 0x80a, &v));
	cr_assert_eq(v, 0x20, "PPR");
	cr_assert(lapic_msr_write(&b.l, 0x83f, 0x99));
	cr_assert_eq(lapic_pending(&b.l), 0x99, "SELF IPI");
	cr_assert_not(lapic_msr_write(&b.l, 0x830, 0x1000), "ICR bit 12 is reserved in x2APIC mode");
	cr_assert(lapic_msr_write(&b.l, 0x830, 0x000000000000009aull), "fixed, physical, to ID 0");
	cr_assert(irr_has(&b.l, 0x9a));
	cr_assert(lapic_msr_write(&b.l, 0x830, 0x000000050000009bull), "to ID 5: not us");
	cr_assert_not(irr_has(&b.l, 0x9b));
	cr_assert(lapic_msr_read(&b.l, 0x830, &v));
	cr_assert_eq(v, 0x000000050000009bull, "one 64-bit ICR");
	cr_assert_eq(lapic_intack(&b.l), 0x9a);
	cr_assert(lapic_msr_read(&b.l, 0x814, &v));
	cr_assert_eq(v, 1u << 26, "ISR 80h-9Fh: bit 9Ah");
	cr_assert(lapic_msr_write(&b.l, 0x80b, 0));
	cr_assert(lapic_msr_read(&b.l, 0x814, &v));
	cr_assert_eq(v, 0);
	cr_assert(lapic_msr_write(&b.l, 0x838, 100));
	cr_assert(lapic_msr_read(&b.l, 0x839, &v));
	cr_assert_eq(v, 100, "current count through its MSR");
}

/*
 * End to end (tests/unit/guests/lapic_timer64.asm): the LAPIC timer
 * periodic at vector 40h, divide by 16, count 10000: a period of 160,000
 * bus clocks, 3.2 million cycles at 2 GHz. Five interrupts through the
 * 64-bit IDT with EOI through MMIO; the four periods between the first
 * and the last match to within a few hundred cycles.
 */
Test(lapic, guest_timer, .timeout = 30)
{
	struct machine *m = tm_new(START_LONG64);
	tg_load(m, "lapic_timer64.bin");
	cr_assert_eq(machine_run(m, 1000000), STOP_EXIT_PORT);
	cr_assert_eq(machine_exit_code(m), 5);
	uint64_t first = tm_peek(m, TM_DATA, 8), last = tm_peek(m, TM_DATA + 8, 8);
	uint64_t period = 10000 * 16 * (machine_cpu_hz(m) / LAPIC_BUS_HZ);
	/* The expiries are exact; the handlers' first instructions cost a
	 * little more the first time (TLB misses), hence the slack. */
	int64_t off = (int64_t)(last - first) - (int64_t)(4 * period);
	cr_assert(off > -1000 && off < 1000, "4 periods took %llu cycles",
		  (unsigned long long)(last - first));
	cr_assert_geq(first, period);
	cr_assert_lt(first, period + 1000, "the first expiry one period after the start");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x10, 4), 10000, "reloaded when the handler reads it");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x14, 4), 1, "vector 40h in service in its handler");
	machine_free(m);
}

/* tests/unit/guests/ipi64.asm: self-IPIs by shorthand and by destination,
 * taken right after the ICR store; ISR/PPR inside the handler; an illegal
 * vector only sets ESR. */
Test(lapic, guest_self_ipi)
{
	struct machine *m = tm_new(START_LONG64);
	tg_load(m, "ipi64.bin");
	cr_assert_eq(machine_run(m, 10000), STOP_HLT);
	cr_assert_eq(tm_peek(m, TM_DATA + 0x00, 4), 1, "delivered right after the ICR write");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x04, 4), 1u << 16, "50h in service in its handler");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x08, 4), 0x50, "PPR = 50h there");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x0c, 4), 2, "fixed IPI to our own APIC ID");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x10, 4), 0, "both EOIed");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x14, 4), 0x20, "ESR: send illegal vector");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x18, 4), 2, "vector 5 not delivered");
	machine_free(m);
}

/* tests/unit/guests/tpr64.asm: a pending vector at or below the TPR class
 * waits in IRR until TPR drops, through the MMIO TPR and through CR8. */
Test(lapic, guest_tpr)
{
	struct machine *m = tm_new(START_LONG64);
	tg_load(m, "tpr64.bin");
	cr_assert_eq(machine_run(m, 10000), STOP_HLT);
	cr_assert_eq(tm_peek(m, TM_DATA + 0x00, 4), 0, "55h held back by TPR 60h");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x04, 4), 1u << 21, "55h waits in IRR");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x08, 4), 0x60, "PPR = TPR");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x0c, 4), 1, "delivered when TPR drops to 40h");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x10, 4), 7, "CR8 reads TPR[7:4]");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x14, 4), 1, "66h held back by CR8 = 7");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x18, 4), 2, "delivered when CR8 = 0");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x1c, 2), 0x6655, "in that order");
	machine_free(m);
}

/* tests/unit/guests/x2apic64.asm: x2APIC mode through RDMSR/WRMSR. */
Test(lapic, guest_x2apic)
{
	struct machine *m = tm_new(START_LONG64);
	tg_load(m, "x2apic64.bin");
	cr_assert_eq(machine_run(m, 10000), STOP_HLT);
	cr_assert_eq(tm_peek(m, TM_DATA + 0x00, 4), 0xfee00d00, "IA32_APIC_BASE: EN|EXTD|BSP");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x04, 4), 0x00050014, "version MSR");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x08, 4), 1, "SELF IPI delivered");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x0c, 4), 0x60, "PPR MSR in the first handler");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x10, 4), 1, "ISR MSR 813h there: vector 60h");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x14, 4), 0xffffffff, "no MMIO in x2APIC mode");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x18, 4), 1, "logical x2APIC ID");
	cr_assert_eq(tm_peek(m, TM_DATA + 0x1c, 4), 2, "self IPI through the 64-bit ICR");
	machine_free(m);
}

/* A guest's RDMSR of an x2APIC register in xAPIC mode is #GP(0). */
Test(lapic, guest_x2apic_msr_in_xapic_mode_faults)
{
	static const uint8_t code[] = {
		0xb9, 0x02, 0x08, 0x00, 0x00, /* mov ecx, 0x802 */
		0x0f, 0x32,                   /* rdmsr */
	};
	struct machine *m = tm_new(START_LONG64);
	struct tm_exc_log log;
	tm_log_exceptions(m, &log);
	tm_run_bytes(m, code, sizeof code);
	cr_assert_geq(log.n, 1);
	cr_assert_eq(log.vector[0], EXC_GP);
	cr_assert_eq(log.rip[0], TM_CODE + 5);
	machine_free(m);
}
