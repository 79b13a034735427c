/* fuse.h - macro-op fusion of a flag-setting instruction with the Jcc after it. */
#ifndef VTSIM_FUSE_H
#define VTSIM_FUSE_H

#include "insn.h"

/*
 * Like the macro-fusion of Intel cores (Intel 64 and IA-32 Architectures
 * Optimization Reference Manual, "Macro-Fusion"), CMP (with a register or
 * memory operand), TEST, SUB, INC, DEC and SHL/SHR/SAR-by-immediate of a register followed
 * by a Jcc
 * run as one dispatch in the fast loop. Semantics do not change: both instructions retire, are
 * counted and costed, and a fault in the Jcc leaves the first retired.
 * The traced loop and budget-limited runs use the unfused handlers.
 */
void fuse_block(struct insn *insns, unsigned n);

#endif
