/* data.c - data movement and flag instructions: MOV and friends, XCHG, CMPXCHG, CMOVcc, SETcc. */
#include "exec.h"
#include "segment.h"

/* An operand-1 read where immediates extend to the destination's size. */
static inline uint64_t src_of(struct cpu *c, const struct insn *i)
{
	if (i->op[1].kind == OPK_IMM)
		return i->imm & size_mask(i->op[0].size);
	return opnd_read(c, i, 1);
}

void op_mov(struct cpu *c, const struct insn *i)
{
	opnd_write(c, i, 0, src_of(c, i));
}

/* Specialised MOV forms, chosen at decode time. */
void op_mov_rr(struct cpu *c, const struct insn *i)
{
	reg_put(c, i->op[0].reg, i->op[0].size, reg_get(c, i->op[1].reg, i->op[0].size));
}

void op_mov_ri(struct cpu *c, const struct insn *i)
{
	reg_put(c, i->op[0].reg, i->op[0].size, i->imm);
}

void op_mov_rm(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	reg_put(c, i->op[0].reg, size, mem_read(c, i->seg, ea_of(c, i), size));
}

void op_mov_mr(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	mem_write(c, i->seg, ea_of(c, i), size, reg_get(c, i->op[1].reg, size));
}

void op_mov_mi(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	mem_write(c, i->seg, ea_of(c, i), size, i->imm & size_mask(size));
}

void op_movzx(struct cpu *c, const struct insn *i)
{
	reg_put(c, i->op[0].reg, i->op[0].size, opnd_read(c, i, 1));
}

/* MOVSX and MOVSXD (with a 16/32-bit destination MOVSXD is a plain move). */
void op_movsx(struct cpu *c, const struct insn *i)
{
	reg_put(c, i->op[0].reg, i->op[0].size, sext(opnd_read(c, i, 1), i->op[1].size));
}

/* LEA: the effective address at the address size, then truncated or
 * zero-extended to the operand size (SDM Vol. 2A, LEA, Table 3-54). */
void op_lea(struct cpu *c, const struct insn *i)
{
	reg_put(c, i->op[0].reg, i->op[0].size, ea_of(c, i));
}

/* XCHG: with a memory operand the exchange is atomic (LOCK implied); the
 * memory write comes first so a fault leaves the register alone. */
void op_xchg(struct cpu *c, const struct insn *i)
{
	int m = i->op[1].kind == OPK_MEM ? 1 : 0, r = 1 - m;
	unsigned size = i->op[0].size;
	if (i->op[m].kind == OPK_MEM) {
		uint64_t la = la_of(c, i, size);
		uint64_t mv = lin_read(c, la, size, ACC_WRITE);
		uint64_t rv = reg_get(c, i->op[r].reg, size);
		lin_write(c, la, size, rv);
		reg_put(c, i->op[r].reg, size, mv);
		return;
	}
	uint64_t a = reg_get(c, i->op[0].reg, size), b = reg_get(c, i->op[1].reg, size);
	reg_put(c, i->op[0].reg, size, b);
	reg_put(c, i->op[1].reg, size, a);
}

/* XADD: TEMP := SRC + DEST; SRC := DEST; DEST := TEMP (SDM Vol. 2B, XADD). */
void op_xadd(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	uint64_t la = 0;
	uint64_t d = rmw_begin(c, i, &la), s = reg_get(c, i->op[1].reg, size);
	uint64_t t = d + s;
	if (i->op[0].kind == OPK_MEM) {
		lin_write(c, la, size, t);
		reg_put(c, i->op[1].reg, size, d);
	} else {
		reg_put(c, i->op[1].reg, size, d);
		reg_put(c, i->op[0].reg, size, t);
	}
	lf_set(c, LF_ADD, size, t, d, s);
}

/*
 * CMPXCHG (SDM Vol. 2A): the destination is always written, with its own
 * value when the comparison fails — so a 32-bit register destination is
 * zero-extended either way. (AMD processors skip that write-back; vtsim
 * follows Intel.)
 */
void op_cmpxchg(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	uint64_t la = 0;
	uint64_t d = rmw_begin(c, i, &la);
	uint64_t acc = reg_get(c, RAX, size);
	uint64_t s = reg_get(c, i->op[1].reg, size);
	lf_set(c, LF_SUB, size, acc - d, acc, d);
	if (acc == d) {
		rmw_end(c, i, la, s);
	} else {
		rmw_end(c, i, la, d);
		reg_put(c, RAX, size, d);
	}
}

/* CMPXCHG8B / CMPXCHG16B: EDX:EAX (RDX:RAX) against m64 (m128); only ZF
 * changes. The m128 form needs 16-byte alignment (#GP(0) otherwise). */
void op_cmpxchg8b(struct cpu *c, const struct insn *i)
{
	bool wide = i->op[0].size == 16;
	unsigned half = wide ? 8 : 4;
	uint64_t ea = ea_of(c, i);
	if (wide && (ea & 15))
		cpu_raise_gp0(c, "CMPXCHG16B operand not 16-byte aligned (SDM Vol. 2A, CMPXCHG8B/CMPXCHG16B)");
	uint64_t la = seg_linear(c, i->seg, ea, 2 * half);
	uint64_t lo = lin_read(c, la, half, ACC_WRITE);
	uint64_t hi = lin_read(c, la + half, half, ACC_WRITE);
	bool eq = lo == reg_get(c, RAX, half) && hi == reg_get(c, RDX, half);
	if (eq) {
		lin_write(c, la, half, reg_get(c, RBX, half));
		lin_write(c, la + half, half, reg_get(c, RCX, half));
	} else {
		lin_write(c, la, half, lo);
		lin_write(c, la + half, half, hi);
		reg_put(c, RAX, half, lo);
		reg_put(c, RDX, half, hi);
	}
	flags_put(c, FL_ZF, eq ? FL_ZF : 0);
}

/* CBW / CWDE / CDQE: sign-extend the lower half of rAX into rAX. */
void op_cbw(struct cpu *c, const struct insn *i)
{
	unsigned half = i->osz / 2;
	reg_put(c, RAX, i->osz, sext(c->gpr[RAX], half));
}

/* CWD / CDQ / CQO: fill rDX with the sign of rAX. */
void op_cwd(struct cpu *c, const struct insn *i)
{
	bool neg = (c->gpr[RAX] >> (8 * i->osz - 1)) & 1;
	reg_put(c, RDX, i->osz, neg ? ~0ull : 0);
}

/* CMOVcc reads its source even when the condition is false, and with a
 * 32-bit operand in 64-bit mode clears the upper half of the destination
 * either way (SDM Vol. 2A, CMOVcc). */
void op_cmov(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	uint64_t v = opnd_read(c, i, 1);
	if (!cpu_cond(c, i->sub))
		v = reg_get(c, i->op[0].reg, size);
	reg_put(c, i->op[0].reg, size, v);
}

void op_setcc(struct cpu *c, const struct insn *i)
{
	opnd_write(c, i, 0, cpu_cond(c, i->sub));
}

/* XLAT: AL := seg:[rBX + zero-extended AL] at the address size. */
void op_xlat(struct cpu *c, const struct insn *i)
{
	uint64_t off = (c->gpr[RBX] + (c->gpr[RAX] & 0xff)) & size_mask(i->asz);
	reg_put(c, RAX, 1, mem_read(c, i->seg, off, 1));
}

/* LAHF / SAHF: AH <-> SF:ZF:0:AF:0:PF:1:CF (SDM Vol. 2A, LAHF). */
void op_lahf(struct cpu *c, const struct insn *i)
{
	(void)i;
	uint64_t f = cpu_get_rflags(c);
	reg_put(c, RAX | REG_HIGH8, 1, (f & 0xd5) | FL_FIXED1);
}

void op_sahf(struct cpu *c, const struct insn *i)
{
	(void)i;
	flags_put(c, FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF, (c->gpr[RAX] >> 8) & 0xd5);
}

void op_flagop(struct cpu *c, const struct insn *i)
{
	switch (i->sub) {
	case FLOP_CLC: flags_put(c, FL_CF, 0); break;
	case FLOP_STC: flags_put(c, FL_CF, FL_CF); break;
	case FLOP_CMC: flags_put(c, FL_CF, cpu_cf(c) ? 0 : FL_CF); break;
	case FLOP_CLD: c->rflags &= ~(uint64_t)FL_DF; break;
	default: c->rflags |= FL_DF; break;
	}
}

void op_nop(struct cpu *c, const struct insn *i)
{
	(void)c;
	(void)i;
}

/* MOV r/m, Sreg: a register destination gets the selector zero-extended to
 * the operand size; memory always receives 16 bits (SDM Vol. 2A, MOV). */
void op_mov_from_sreg(struct cpu *c, const struct insn *i)
{
	uint16_t sel = c->seg[i->op[1].reg].sel;
	if (i->op[0].kind == OPK_REG)
		reg_put(c, i->op[0].reg, i->op[0].size, sel);
	else
		mem_write(c, i->seg, ea_of(c, i), 2, sel);
}

/* MOV Sreg, r/m16 (MOV CS is #UD, rejected by the decoder). */
void op_mov_to_sreg(struct cpu *c, const struct insn *i)
{
	uint16_t sel = (uint16_t)(i->op[1].kind == OPK_REG ? reg_get(c, i->op[1].reg, 2)
							 : mem_read(c, i->seg, ea_of(c, i), 2));
	seg_load(c, i->op[0].reg, sel);
}
