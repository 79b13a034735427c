/* flags.h - lazy arithmetic flags and condition codes. */
#ifndef VTSIM_FLAGS_H
#define VTSIM_FLAGS_H

#include "cpu.h"

static inline uint64_t size_mask(unsigned bytes)
{
	return bytes == 8 ? ~0ull : (1ull << (8 * bytes)) - 1;
}

/* Record an arithmetic result; the six flags are derived on demand. */
static inline void lf_set(struct cpu *c, enum lazy_op op, unsigned bytes,
			  uint64_t res, uint64_t a, uint64_t b)
{
	uint64_t m = size_mask(bytes);
	c->lf.op = (uint8_t)op;
	c->lf.bits = (uint8_t)(8 * bytes);
	c->lf.res = res & m;
	c->lf.a = a & m;
	c->lf.b = b & m;
}

/* The arithmetic flags (CF PF AF ZF SF OF) as an RFLAGS image. */
uint64_t lf_compute(const struct cpu *c);

/* Fold lazy flags into rflags (then lf.op == LF_NONE). */
static inline void flags_materialize(struct cpu *c)
{
	if (c->lf.op != LF_NONE) {
		c->rflags = (c->rflags & ~(uint64_t)FL_ARITH) | lf_compute(c);
		c->lf.op = LF_NONE;
	}
}

/* Set the arithmetic flags in `set` to the bits of `val` (eagerly). */
static inline void flags_put(struct cpu *c, uint64_t set, uint64_t val)
{
	flags_materialize(c);
	c->rflags = (c->rflags & ~set) | (val & set);
}

static inline __attribute__((always_inline)) bool cpu_cf(struct cpu *c)
{
	switch (c->lf.op) {
	case LF_NONE: return c->rflags & FL_CF;
	case LF_ADD: return c->lf.res < c->lf.a;
	case LF_SUB: return c->lf.a < c->lf.b;
	case LF_LOGIC: return false;
	case LF_INC: case LF_DEC: case LF_SHIFT: return c->lf.cf_in;
	case LF_ADC: return c->lf.cf_in ? c->lf.res <= c->lf.a : c->lf.res < c->lf.a;
	default: return c->lf.cf_in ? c->lf.a <= c->lf.b : c->lf.a < c->lf.b; /* LF_SBB */
	}
}

static inline bool cpu_zf(const struct cpu *c)
{
	return c->lf.op == LF_NONE ? (c->rflags & FL_ZF) != 0 : c->lf.res == 0;
}

static inline bool cpu_sf(const struct cpu *c)
{
	return c->lf.op == LF_NONE ? (c->rflags & FL_SF) != 0 : (c->lf.res >> (c->lf.bits - 1)) & 1;
}

static inline bool cpu_df(const struct cpu *c)
{
	return c->rflags & FL_DF;
}

/*
 * Condition codes in the encoding order of Jcc/SETcc/CMOVcc
 * (SDM Vol. 1, Appendix B "EFLAGS Condition Codes"): the low bit negates.
 *   0 O   1 NO   2 B   3 AE   4 E   5 NE   6 BE   7 A
 *   8 S   9 NS   A P   B NP   C L   D GE   E LE   F G
 * After CMP/SUB (the common case) the answer comes from the operands.
 */
static inline __attribute__((always_inline)) bool cpu_cond(struct cpu *c, unsigned cc)
{
	bool r;
	if (c->lf.op == LF_SUB) {
		uint64_t a = c->lf.a, b = c->lf.b;
		unsigned sh = 64 - c->lf.bits;
		switch (cc >> 1) {
		case 1: r = a < b; break;
		case 2: r = a == b; break;
		case 3: r = a <= b; break;
		case 6: r = (int64_t)(a << sh) < (int64_t)(b << sh); break;
		case 7: r = (int64_t)(a << sh) <= (int64_t)(b << sh); break;
		default: goto slow;
		}
		return r ^ (cc & 1);
	}
	if (c->lf.op != LF_NONE) {
		/* ZF and SF come from the result whatever set it, and cpu_cf()
		 * knows CF for every record; after a logic op CF = OF = 0, so L
		 * is SF and LE is ZF|SF. */
		unsigned top = c->lf.bits - 1;
		bool zf = c->lf.res == 0, sf = (c->lf.res >> top) & 1;
		switch (cc >> 1) {
		case 1: return cpu_cf(c) ^ (cc & 1);
		case 2: return zf ^ (cc & 1);
		case 3: return (cpu_cf(c) || zf) ^ (cc & 1);
		case 4: return sf ^ (cc & 1);
		default: break;
		}
		if (c->lf.op == LF_LOGIC) {
			switch (cc >> 1) {
			case 0: case 1: return cc & 1;
			case 3: return zf ^ (cc & 1);
			case 6: return sf ^ (cc & 1);
			case 7: return (zf || sf) ^ (cc & 1);
			default: break;
			}
		}
	}
slow:;
	uint64_t f = c->lf.op == LF_NONE ? c->rflags : lf_compute(c);
	bool cf = f & FL_CF, zf = f & FL_ZF, sf = f & FL_SF, of = f & FL_OF, pf = f & FL_PF;
	switch (cc >> 1) {
	case 0: r = of; break;
	case 1: r = cf; break;
	case 2: r = zf; break;
	case 3: r = cf || zf; break;
	case 4: r = sf; break;
	case 5: r = pf; break;
	case 6: r = sf != of; break;
	default: r = zf || sf != of; break;
	}
	return r ^ (cc & 1);
}

#endif
