/* far.h - what far transfers share with interrupt delivery: the TSS stacks and segment loads. */
#ifndef VTSIM_FAR_H
#define VTSIM_FAR_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu.h"

/* The stack for privilege dpl (or IST entry ist, 1-7) from the current TSS. */
void far_tss_stack(struct cpu *c, unsigned dpl, unsigned ist, uint16_t *ss, uint64_t *sp);
/* Check a new SS for privilege cpl; faults with vector tsvec. Returns its
 * descriptor (0 for the null SS allowed in 64-bit mode). */
uint64_t far_check_new_ss(struct cpu *c, uint16_t ss, unsigned cpl, bool to64, int tsvec);
void far_load_ss(struct cpu *c, uint16_t ss, uint64_t desc, unsigned cpl);
/* Push v onto the stack (ss, ssize, sp) being switched to, before SS is
 * loaded (supervisor-mode writes); returns the new stack pointer. */
uint64_t far_push_to(struct cpu *c, const struct segment *ss, unsigned ssize, uint64_t sp,
		     unsigned size, uint64_t v);
/* Load CS with RPL = cpl and recompute the mode. */
void far_load_cs(struct cpu *c, uint16_t sel, uint64_t desc, unsigned cpl);

#endif
