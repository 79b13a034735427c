/* flags.c - deriving CF PF AF ZF SF OF from a recorded result. */
#include "flags.h"

/*
 * How each recorded operation defines the flags (SDM Vol. 2, the "Flags
 * Affected" section of ADD, ADC, SUB, SBB, AND, INC, DEC, NEG):
 *   ADD/ADC  CF: carry out        OF: a, b same sign, result differs
 *   SUB/SBB  CF: borrow           OF: a, b differ in sign, result differs from a
 *   INC/DEC  as ADD/SUB with b = 1, but CF keeps its old value (cf_in)
 *   LOGIC    CF = OF = 0; AF is undefined, vtsim clears it
 *   SHIFT    CF = cf_in, OF = b, AF cleared (shift.c's fast path)
 * ZF, SF and PF (parity of the low byte) always follow the result.
 */
uint64_t lf_compute(const struct cpu *c)
{
	const struct lazy_flags *l = &c->lf;
	uint64_t a = l->a, b = l->b, r = l->res;
	unsigned top = l->bits - 1;
	uint64_t f = 0;
	bool cf = false, of = false, af = false;

	switch (l->op) {
	case LF_NONE:
		return c->rflags & FL_ARITH;
	case LF_ADD:
		cf = r < a;
		goto add_of;
	case LF_ADC:
		cf = l->cf_in ? r <= a : r < a;
		goto add_of;
	case LF_INC:
		cf = l->cf_in;
	add_of:
		of = (((a ^ r) & (b ^ r)) >> top) & 1;
		af = (a ^ b ^ r) & 0x10;
		break;
	case LF_SUB:
		cf = a < b;
		goto sub_of;
	case LF_SBB:
		cf = l->cf_in ? a <= b : a < b;
		goto sub_of;
	case LF_DEC:
		cf = l->cf_in;
	sub_of:
		of = (((a ^ b) & (a ^ r)) >> top) & 1;
		af = (a ^ b ^ r) & 0x10;
		break;
	case LF_LOGIC:
		break;
	case LF_SHIFT:
		cf = l->cf_in;
		of = l->b & 1;
		break;
	}
	if (cf) f |= FL_CF;
	if (of) f |= FL_OF;
	if (af) f |= FL_AF;
	if (r == 0) f |= FL_ZF;
	if ((r >> top) & 1) f |= FL_SF;
	if (!__builtin_parityll(r & 0xff)) f |= FL_PF;
	return f;
}
