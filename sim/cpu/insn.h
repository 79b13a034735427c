/* insn.h - the decoded form of one instruction, and the handler type. */
#ifndef VTSIM_INSN_H
#define VTSIM_INSN_H

#include <stdint.h>

struct cpu;
struct insn;

/* A handler executes one decoded instruction. It reads cpu->rip (this
 * instruction) and sets cpu->next_rip for control transfers; faults unwind
 * through cpu_raise() and leave RIP at the instruction. */
typedef void insn_fn(struct cpu *c, const struct insn *i);

/* Operand kinds. */
enum {
	OPK_NONE, OPK_REG, OPK_MEM, OPK_IMM,
	OPK_SREG, /* segment register: reg = enum seg */
	OPK_CR,   /* control register: reg = n of CRn */
	OPK_DR,   /* debug register: reg = n of DRn */
};

/*
 * A register reference: bits 3..0 are the GPR number, bit 4 selects the
 * legacy high byte (AH, CH, DH, BH = bits 15..8 of RAX..RBX).
 */
#define REG_HIGH8 0x10

/*
 * Pseudo registers for the memory operand, so that the effective address
 * is one expression with no branches: cpu.gpr[BASE_NONE] is always 0 and
 * cpu.gpr[BASE_RIP] is next_rip, the base of RIP-relative addressing
 * (SDM Vol. 2A, 2.2.1.6). Both live right after R15 in struct cpu.
 */
#define BASE_NONE 16
#define BASE_RIP 17

/* insn.flags */
#define IF_REP 0x01    /* F3: REP / REPE */
#define IF_REPNE 0x02  /* F2: REPNE */
#define IF_LOCK 0x04   /* F0: LOCK */
#define IF_ENDS 0x08   /* ends a decoded block (control transfer, mode change) */

struct opnd {
	uint8_t kind;  /* OPK_* */
	uint8_t reg;   /* register reference, for OPK_REG */
	uint8_t size;  /* bytes: 1, 2, 4, 8 */
};

/*
 * At most one operand of an integer instruction is in memory (the ModRM or
 * string operand), so the memory description is shared by all operands.
 */
struct insn {
	insn_fn *fn;         /* handler */
	insn_fn *fast;       /* handler for the fast loop: fn, or fn fused with the next insn */
	uint8_t span;        /* instructions fast executes: 1, or 2 when fused */
	uint8_t span_len;    /* their total length in bytes */
	uint8_t len;         /* bytes, 1..15 */
	uint8_t osz;         /* operand size in bytes: 1, 2, 4, 8 */
	uint8_t asz;         /* address size in bytes: 2, 4, 8 */
	uint8_t sub;         /* handler-specific: ALU op, condition code, ... */
	uint8_t flags;       /* IF_* */
	uint8_t base;        /* memory base register, BASE_RIP or BASE_NONE */
	uint8_t index;       /* memory index register or BASE_NONE */
	uint8_t scale;       /* 1, 2, 4, 8 */
	uint8_t seg;         /* segment of the memory operand (enum seg) */
	uint8_t cclass;      /* cost class (enum cost_item of sim/cost.h) */
	uint16_t cost;       /* modelled cycles for retiring it */
	uint16_t cum_cost;   /* cycles of the block's instructions up to and including it */
	uint16_t mnemonic;   /* ZydisMnemonic, for messages */
	struct opnd op[3];   /* visible operands in Intel order */
	int64_t disp;        /* displacement (or moffs) */
	uint64_t imm;        /* immediate, sign-extended where the encoding says */
	uint64_t imm2;       /* second immediate (ENTER nesting level) */
};

#endif
