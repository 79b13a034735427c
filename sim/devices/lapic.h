/* lapic.h - the local APIC: xAPIC MMIO, x2APIC MSRs, LVT timer, interrupt acceptance. */
#ifndef VTSIM_LAPIC_H
#define VTSIM_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "../clock.h"
#include "../memory.h"

/*
 * Section numbers are those of the Intel SDM editions this tree cites
 * throughout, in which Vol. 3A chapter 11 is "Advanced Programmable
 * Interrupt Controller (APIC)".
 *
 * IA32_APIC_BASE (MSR 1BH, SDM Vol. 3A, 11.4.4, Figure 11-5):
 *
 *   63..46  45..12        11  10    9  8    7..0
 *   rsvd    APIC base     EN  EXTD  0  BSP  0
 */
#define IA32_APIC_BASE 0x1bu
#define APIC_BASE_BSP (1ull << 8)   /* this is the bootstrap processor (read-only here) */
#define APIC_BASE_EXTD (1ull << 10) /* x2APIC mode */
#define APIC_BASE_EN (1ull << 11)   /* APIC global enable */
#define LAPIC_DEFAULT_BASE 0xfee00000ull

/*
 * The timer counts the APIC's input clock divided by the divide
 * configuration register (SDM Vol. 3A, 11.5.4: "the processor's bus clock
 * or core crystal clock frequency"). vtsim takes the 100 MHz bus clock of
 * Nehalem and later cores, or the core clock if that is slower.
 */
#define LAPIC_BUS_HZ 100000000ull

/* Version register: version 14H (an integrated APIC), max LVT entry 5
 * (timer, thermal, performance, LINT0, LINT1, error; no CMCI), no EOI-
 * broadcast suppression (SDM Vol. 3A, 11.4.8, Figure 11-7). */
#define LAPIC_VERSION 0x00050014u

/* LVT entries in register order (offsets 320H-370H). */
enum lapic_lvt { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)     /* timer mode: periodic (else one-shot) */
#define LVT_DM(v) (((v) >> 8) & 7)  /* delivery mode of LINT0/LINT1 */
#define LVT_DM_FIXED 0
#define LVT_DM_NMI 4
#define LVT_DM_EXTINT 7
#define SVR_ENABLE (1u << 8)        /* APIC software enable */

struct lapic {
	uint64_t base_msr;            /* IA32_APIC_BASE */
	uint32_t id;                  /* APIC ID (the xAPIC register holds it in bits 31:24) */
	uint8_t tpr;                  /* task priority */
	uint32_t ldr;                 /* logical destination (xAPIC) */
	uint32_t dfr;                 /* destination format, bits 31:28 */
	uint32_t svr;                 /* spurious-interrupt vector register */
	uint32_t irr[8];              /* interrupt request, 256 bits */
	uint32_t isr[8];              /* in service, 256 bits */
	uint32_t tmr[8];              /* trigger mode, 256 bits (every source here is edge) */
	uint32_t esr;                 /* error status as last latched by a write to ESR */
	uint32_t esr_pending;         /* errors seen since then */
	uint32_t icr_lo;              /* interrupt command, bits 31:0 */
	uint32_t icr_hi;              /* destination: xAPIC bits 31:24; x2APIC all 32 bits */
	uint32_t lvt[LVT_COUNT];      /* local vector table */
	uint32_t initial_count;       /* timer initial count */
	uint32_t dcr;                 /* timer divide configuration */
	bool timer_running;           /* counting down (a one-shot that reached 0 is not) */
	uint64_t timer_start;         /* bus tick the current countdown began at ... */
	uint32_t timer_count;         /* ... from this count */
	uint64_t timer_expiry;        /* bus tick it reaches 0 */
	struct clock *clock;          /* timers and the CPU frequency */
	const uint64_t *now;          /* the CPU's cycle count */
	int timer;                    /* its clock timer */
	uint64_t bus_hz;              /* the timer's input clock */
	bool nmi;                     /* an NMI was sent to this processor and not yet taken */
	void (*notify)(void *opaque); /* an interrupt may have become deliverable */
	void *opaque;                 /* passed to notify */
};

/* Returns 0, or -1 if the clock has no free timer. Leaves the power-up state. */
int lapic_init(struct lapic *l, struct clock *clock, const uint64_t *now,
	       void (*notify)(void *opaque), void *opaque);
/* Power-up state (SDM Vol. 3A, 11.4.7.1): enabled in xAPIC mode, software-
 * disabled, every LVT entry masked, base FEE00000H, BSP. */
void lapic_reset(struct lapic *l);
/* Map the 4 KiB xAPIC register page at FEE00000H. Returns 0 or -1. */
int lapic_attach(struct lapic *l, struct physmem *pm);

bool lapic_enabled(const struct lapic *l);    /* IA32_APIC_BASE.EN */
bool lapic_sw_enabled(const struct lapic *l); /* and SVR bit 8 */
bool lapic_x2apic(const struct lapic *l);     /* IA32_APIC_BASE.EXTD */
/* LVT LINT0 is unmasked with delivery mode ExtINT: the 8259A's INTR passes. */
bool lapic_extint(const struct lapic *l);

/* A fixed interrupt arrives (an IPI, or later an I/O APIC message). */
void lapic_accept(struct lapic *l, uint8_t vector);
/* The highest vector in IRR whose priority class beats PPR's, or -1. */
int lapic_pending(const struct lapic *l);
/* INTA: move that vector from IRR to ISR and return it; the spurious
 * vector (SVR bits 7:0, ISR untouched) if nothing is deliverable. */
uint8_t lapic_intack(struct lapic *l);
uint8_t lapic_ppr(const struct lapic *l);

/* Registers by xAPIC offset (020H, 080H, ...) with the xAPIC rules:
 * for tests, firmware set-up and the debugger. */
uint32_t lapic_read(struct lapic *l, uint32_t offset);
void lapic_write(struct lapic *l, uint32_t offset, uint32_t val);
/* The SDM's name of the register at an xAPIC offset, or NULL. */
const char *lapic_reg_name(uint32_t offset);

/* RDMSR/WRMSR of IA32_APIC_BASE and the x2APIC range 800H-8FFH: false for
 * other MSRs and for what the SDM makes #GP(0). */
bool lapic_msr_read(struct lapic *l, uint32_t msr, uint64_t *val);
bool lapic_msr_write(struct lapic *l, uint32_t msr, uint64_t val);

/* CR8 is TPR[7:4] (SDM Vol. 3A, 11.8.6.1). */
uint8_t lapic_cr8_get(const struct lapic *l);
void lapic_cr8_set(struct lapic *l, uint8_t cr8);

#endif
