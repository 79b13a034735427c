/* exception.h - raising and delivering exceptions and interrupts. */
#ifndef VTSIM_EXCEPTION_H
#define VTSIM_EXCEPTION_H

#include "cpu.h"
#include "insn.h"

/* What kind of event is being delivered: it decides the pushed RIP and
 * the gate-DPL check (SDM Vol. 3A, 6.12.1.1). */
enum deliver_kind {
	DK_FAULT,     /* exception: pushed RIP is the faulting instruction */
	DK_SOFT_INT,  /* INT n, INT3, INTO: pushed RIP is the next instruction; DPL checked */
	DK_EXT_INT,   /* external interrupt or NMI */
};

/* Called by the run loop's catch point: delivers c->pending. */
void exc_deliver_pending(struct cpu *c);

/* Deliver an external interrupt with this vector now (called between
 * instructions by the run loop, inside its catch point). */
void exc_deliver_external(struct cpu *c, uint8_t vector);

/* Deliver an NMI (vector 2) now (called by the run loop). */
void exc_deliver_nmi(struct cpu *c);

/* Deliver a trap-class exception (no error code) now, with RIP already
 * past the instruction that caused it (called by the run loop). */
void exc_deliver_trap(struct cpu *c, uint8_t vector, const char *why);

/* Deliver an event from the VM-entry interruption-information field
 * (info, error code, instruction length) through the guest IDT. */
void exc_deliver_injected(struct cpu *c, uint32_t info, uint32_t err, uint32_t len);

/* Raise a software interrupt (INT n / INT3 / INTO) from handler i. */
__attribute__((noreturn)) void exc_soft_int(struct cpu *c, const struct insn *i, uint8_t vector);

const char *exc_name(int vector);

#endif
