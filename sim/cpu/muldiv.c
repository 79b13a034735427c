/* muldiv.c - multiply and divide: MUL, IMUL (one, two and three operands), DIV, IDIV. */
#include "exec.h"

typedef unsigned __int128 u128;

/*
 * The one-operand forms use an implicit accumulator pair, by operand size
 * (SDM Vol. 2B, MUL; Vol. 2A, DIV, IDIV, IMUL):
 *
 *   size  multiplicand/dividend low   high (product high / remainder)
 *   1     AL (dividend: AX)           AH
 *   2     AX                          DX
 *   4     EAX                         EDX
 *   8     RAX                         RDX
 *
 * Bytes are the odd one out: the 16-bit product and the 16-bit dividend
 * are both AX, and the pair written back is AL (low) and AH (high).
 */
static const uint8_t hi_reg[9] = { [1] = RAX | REG_HIGH8, [2] = RDX, [4] = RDX, [8] = RDX };

/* The double-width value high:low from the implicit pair. */
static u128 pair_get(const struct cpu *c, unsigned size)
{
	unsigned bits = 8 * size;
	return ((u128)reg_get(c, hi_reg[size], size) << bits) | reg_get(c, RAX, size);
}

/* Write low to AL/AX/EAX/RAX and high to AH/DX/EDX/RDX (32-bit writes
 * zero-extend to 64 bits, SDM Vol. 1, 3.4.1.1). */
static void pair_put(struct cpu *c, unsigned size, uint64_t low, uint64_t high)
{
	reg_put(c, RAX, size, low);
	reg_put(c, hi_reg[size], size, high);
}

/*
 * Flags of every multiply (SDM Vol. 2B, MUL; Vol. 2A, IMUL): CF = OF = 1 when the
 * upper half of the full product is significant, i.e. the product does
 * not fit the destination (unsigned: the high half is nonzero; signed:
 * it is not the sign extension of the low half). SF, ZF, AF and PF are
 * undefined; vtsim sets SF, ZF and PF from the low half that was stored
 * and clears AF. Recording the low half as a logic result gives exactly
 * that (CF = OF = AF = 0, SZP from it); CF and OF are then set on top.
 */
static void mul_flags(struct cpu *c, unsigned size, uint64_t low, bool overflow)
{
	lf_set(c, LF_LOGIC, size, low, 0, 0);
	flags_put(c, FL_CF | FL_OF, overflow ? FL_CF | FL_OF : 0);
}

/* Sign-extend a value of `bytes` bytes to 128 bits. */
static __int128 sext128(uint64_t v, unsigned bytes)
{
	return (__int128)(int64_t)sext(v, bytes);
}

/* MUL r/m: accumulator := accumulator * r/m, unsigned, double width. */
void op_mul(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size, bits = 8 * size;
	u128 p = (u128)opnd_read(c, i, 0) * reg_get(c, RAX, size);
	uint64_t low = (uint64_t)p & size_mask(size), high = (uint64_t)(p >> bits) & size_mask(size);
	pair_put(c, size, low, high);
	mul_flags(c, size, low, high != 0);
}

/* IMUL r/m (one operand): the signed version of MUL. The product of two
 * signed values of at most 64 bits always fits in 128 bits. */
static void imul_one(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size, bits = 8 * size;
	__int128 p = sext128(opnd_read(c, i, 0), size) * sext128(reg_get(c, RAX, size), size);
	uint64_t low = (uint64_t)p & size_mask(size), high = (uint64_t)((u128)p >> bits) & size_mask(size);
	pair_put(c, size, low, high);
	mul_flags(c, size, low, p != sext128(low, size));
}

/* IMUL r, r/m (two operands) and IMUL r, r/m, imm (three): the product
 * is truncated to the destination register's width. The immediate is
 * sign-extended from its encoded size. */
static void imul_trunc(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	__int128 a, b;
	if (i->op[2].kind == OPK_IMM) {
		a = sext128(opnd_read(c, i, 1), size);
		b = sext128(i->imm, i->op[2].size);
	} else {
		a = sext128(reg_get(c, i->op[0].reg, size), size);
		b = sext128(opnd_read(c, i, 1), size);
	}
	__int128 p = a * b;
	uint64_t low = (uint64_t)p & size_mask(size);
	reg_put(c, i->op[0].reg, size, low);
	mul_flags(c, size, low, p != sext128(low, size));
}

void op_imul(struct cpu *c, const struct insn *i)
{
	if (i->op[1].kind == OPK_NONE)
		imul_one(c, i);
	else
		imul_trunc(c, i);
}

void op_imul1(struct cpu *c, const struct insn *i)
{
	imul_one(c, i);
}

/*
 * DIV and IDIV (SDM Vol. 2A, DIV; IDIV) divide the double-width
 * accumulator pair by r/m. The quotient goes to the low register, the
 * remainder to the high one (AL/AH for bytes). A zero divisor, or a
 * quotient that does not fit the low register, raises #DE before
 * anything is written. All six arithmetic flags are undefined; vtsim
 * leaves them unchanged.
 *
 * IDIV truncates toward zero and the remainder takes the dividend's
 * sign. vtsim divides magnitudes in unsigned 128-bit arithmetic and
 * applies the signs afterwards, so no C signed overflow can happen
 * (INT_MIN / -1 simply yields a quotient magnitude that does not fit).
 */
static __attribute__((noreturn)) void divide_error(struct cpu *c, bool zero, bool is_signed)
{
	if (zero)
		cpu_raise(c, EXC_DE, 0, false, is_signed ? "divide error: divisor is 0 (SDM Vol. 2A, IDIV)"
							 : "divide error: divisor is 0 (SDM Vol. 2A, DIV)");
	cpu_raise(c, EXC_DE, 0, false, is_signed
		  ? "divide error: the quotient does not fit the destination (SDM Vol. 2A, IDIV)"
		  : "divide error: the quotient does not fit the destination (SDM Vol. 2A, DIV)");
}

static void divide(struct cpu *c, const struct insn *i, bool is_signed)
{
	unsigned size = i->op[0].size, bits = 8 * size;
	uint64_t d = opnd_read(c, i, 0);
	u128 n = pair_get(c, size);
	if (d == 0)
		divide_error(c, true, is_signed);

	bool n_neg = false, d_neg = false;
	if (is_signed) {
		n_neg = (n >> (2 * bits - 1)) & 1;
		d_neg = (d >> (bits - 1)) & 1;
		if (n_neg) /* magnitude of the 2*bits-wide dividend */
			n = (0 - n) & (bits == 64 ? ~(u128)0 : ((u128)1 << (2 * bits)) - 1);
		if (d_neg)
			d = (0 - d) & size_mask(size);
	}
	u128 q = n / d, r = n % d;

	/* Largest quotient magnitude: 2^bits - 1 unsigned; 2^(bits-1) - 1
	 * for a positive and 2^(bits-1) for a negative signed quotient. */
	u128 max = is_signed ? ((u128)1 << (bits - 1)) - (n_neg == d_neg) : ((u128)1 << bits) - 1;
	if (q > max)
		divide_error(c, false, is_signed);

	uint64_t qv = (uint64_t)q, rv = (uint64_t)r;
	if (n_neg != d_neg)
		qv = 0 - qv;
	if (n_neg)
		rv = 0 - rv;
	pair_put(c, size, qv & size_mask(size), rv & size_mask(size));
}

void op_div(struct cpu *c, const struct insn *i)
{
	divide(c, i, false);
}

void op_idiv(struct cpu *c, const struct insn *i)
{
	divide(c, i, true);
}
