/* stack.c - PUSH POP, near CALL RET, ENTER LEAVE, PUSHF POPF, PUSHA POPA. */
#include "exec.h"
#include "segment.h"

void op_push(struct cpu *c, const struct insn *i)
{
	uint64_t v = i->op[0].kind == OPK_IMM ? i->imm : opnd_read(c, i, 0);
	push(c, i->osz, v & size_mask(i->osz));
}

/*
 * POP r/m: when the destination's address uses rSP as base, it is computed
 * with the value rSP has after the pop (SDM Vol. 2B, POP). The memory write
 * comes before rSP moves, so a fault leaves rSP as it was.
 */
void op_pop(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz;
	uint64_t sp = sp_get(c);
	uint64_t v = mem_read(c, SEG_SS, sp, size);
	uint64_t nsp = (sp + size) & size_mask(c->stack_size);
	if (i->op[0].kind == OPK_MEM) {
		uint64_t ea = ea_of(c, i);
		if (i->base == RSP)
			ea = (ea + size) & size_mask(i->asz);
		mem_write(c, i->seg, ea, size, v);
		sp_put(c, nsp);
		return;
	}
	sp_put(c, nsp);
	reg_put(c, i->op[0].reg, size, v);
}

static uint64_t near_target(struct cpu *c, const struct insn *i)
{
	if (i->op[0].kind == OPK_IMM)
		return c->next_rip + i->imm;
	return opnd_read(c, i, 0);
}

/* Near CALL: the target is checked before anything is pushed. */
void op_call(struct cpu *c, const struct insn *i)
{
	uint64_t ret = c->next_rip;
	branch_to(c, near_target(c, i), i->osz);
	push(c, i->osz, ret);
}

/* Near RET [imm16]: pop the return address, then release imm16 bytes. */
void op_ret(struct cpu *c, const struct insn *i)
{
	uint64_t target = stack_peek(c, 0, i->osz);
	branch_to(c, target, i->osz);
	uint64_t release = i->op[0].kind == OPK_IMM ? (i->imm & 0xffff) : 0;
	sp_put(c, sp_get(c) + i->osz + release);
}

/*
 * ENTER imm16, imm8 (SDM Vol. 2A, ENTER): push rBP, copy NestingLevel-1
 * frame pointers from the enclosing frame, push the new frame pointer,
 * then allocate imm16 bytes. All memory is written before any register.
 */
void op_enter(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz;
	uint64_t smask = size_mask(c->stack_size);
	uint64_t alloc = i->imm & 0xffff, level = i->imm2 & 31;
	uint64_t sp = sp_get(c), bp = c->gpr[RBP];

	sp = (sp - size) & smask;
	mem_write(c, SEG_SS, sp, size, bp & size_mask(size));
	uint64_t frame = sp;
	if (level > 0) {
		for (uint64_t n = 1; n < level; n++) {
			bp = (bp - size) & smask;
			uint64_t v = mem_read(c, SEG_SS, bp & smask, size);
			sp = (sp - size) & smask;
			mem_write(c, SEG_SS, sp, size, v);
		}
		sp = (sp - size) & smask;
		mem_write(c, SEG_SS, sp, size, frame);
	}
	sp = (sp - alloc) & smask;
	/* The new stack top must be accessible (checked as a write of the last byte). */
	if (!c->long64)
		seg_linear(c, SEG_SS, sp, 1);
	reg_put(c, RBP, size, frame);
	sp_put(c, sp);
}

/* LEAVE: rSP := rBP (at the stack size), then pop rBP (at the operand size). */
void op_leave(struct cpu *c, const struct insn *i)
{
	uint64_t bp = c->gpr[RBP] & size_mask(c->stack_size);
	uint64_t v = mem_read(c, SEG_SS, bp, i->osz);
	sp_put(c, bp + i->osz);
	reg_put(c, RBP, i->osz, v);
}

/* PUSHF: the image has VM and RF cleared (SDM Vol. 2B, PUSHF). */
void op_pushf(struct cpu *c, const struct insn *i)
{
	uint64_t f = cpu_get_rflags(c) & ~(uint64_t)(FL_VM | FL_RF);
	push(c, i->osz, f & size_mask(i->osz));
}

/*
 * POPF (SDM Vol. 2B, POPF, Table 4-16): which bits it may change depends
 * on CPL and IOPL. IF changes only if CPL <= IOPL, IOPL only at CPL 0;
 * where it may not, the bit keeps its value silently — no fault. VM, VIP
 * and VIF never change here; RF is cleared.
 */
void op_popf(struct cpu *c, const struct insn *i)
{
	uint64_t v = stack_peek(c, 0, i->osz);
	uint64_t old = cpu_get_rflags(c);
	uint64_t mask = FL_ARITH | FL_TF | FL_DF | FL_NT | FL_AC | FL_ID | FL_IF | FL_IOPL;
	unsigned iopl = (old >> 12) & 3;
	if (c->cr0 & CR0_PE) {
		if (c->cpl > 0)
			mask &= ~(uint64_t)FL_IOPL;
		if (c->cpl > iopl)
			mask &= ~(uint64_t)FL_IF;
	}
	if (i->osz == 2)
		mask &= 0xffff;
	sp_put(c, sp_get(c) + i->osz);
	cpu_set_rflags(c, ((old & ~mask) | (v & mask)) & ~(uint64_t)FL_RF);
}

/* PUSHA/PUSHAD: AX CX DX BX (original SP) BP SI DI (16/32-bit modes only). */
void op_pusha(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz;
	uint64_t smask = size_mask(c->stack_size), sp = sp_get(c), orig = c->gpr[RSP];
	for (int r = RAX; r <= RDI; r++) {
		sp = (sp - size) & smask;
		mem_write(c, SEG_SS, sp, size, (r == RSP ? orig : c->gpr[r]) & size_mask(size));
	}
	sp_put(c, sp);
}

/* POPA/POPAD: the saved SP is skipped. */
void op_popa(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz;
	uint64_t sp = sp_get(c), v[8];
	for (int r = RDI; r >= RAX; r--) {
		v[r] = mem_read(c, SEG_SS, sp, size);
		sp = (sp + size) & size_mask(c->stack_size);
	}
	for (int r = RAX; r <= RDI; r++)
		if (r != RSP)
			reg_put(c, (uint8_t)r, size, v[r]);
	sp_put(c, sp);
}

/* PUSH Sreg: the selector, zero-extended to the operand size (Intel
 * processors may write only 16 bits; vtsim writes the full width). */
void op_push_sreg(struct cpu *c, const struct insn *i)
{
	push(c, i->osz, c->seg[i->op[0].reg].sel);
}

/* POP Sreg: load first (it may fault), then release the slot. */
void op_pop_sreg(struct cpu *c, const struct insn *i)
{
	uint16_t sel = (uint16_t)stack_peek(c, 0, i->osz);
	seg_load(c, i->op[0].reg, sel);
	sp_put(c, sp_get(c) + i->osz);
}
