/* shift.c - shifts and rotates: ROL ROR RCL RCR SHL SHR SAR, SHLD SHRD. */
#include "exec.h"

/*
 * The count (SDM Vol. 2B, SAL/SAR/SHL/SHR; Vol. 2B, RCL/RCR/ROL/ROR):
 * the processor masks it to 5 bits, or 6 bits for 64-bit operands
 * (COUNTMASK = 1FH or 3FH). A masked count of 0 changes nothing, not even
 * the flags, but a memory destination is still accessed: vtsim performs the
 * read half of the read-modify-write so that its faults happen (and see
 * count0_write for 32-bit registers).
 *
 * Undefined flags get one fixed, documented value each, so runs are
 * reproducible:
 *   - OF is defined only for a masked count of 1. vtsim evaluates the
 *     count-1 formula of the SDM pseudocode for every nonzero count, at
 *     the same point of the pseudocode (RCR's before the rotation, the
 *     others after).
 *   - AF is undefined after any nonzero shift: vtsim clears it.
 *   - CF of SHL/SHR with count >= the operand width is undefined: vtsim
 *     follows the pseudocode's bit-at-a-time loop, which gives the last
 *     bit shifted out (0 once the count exceeds the width).
 * The rotates write only CF and OF; the shifts write all six.
 */

/* What one shift or rotate produces. */
struct shift_res {
	uint64_t val;    /* the result, masked to the operand width */
	uint64_t flags;  /* RFLAGS image of the flags it defines */
	uint64_t set;    /* which flags those are */
};

/* A shift or rotate of v (masked to bits) by a masked count n in 1..63;
 * cf is the incoming CF (read only by RCL and RCR). */
typedef struct shift_res shift_fn(uint64_t v, unsigned n, unsigned bits, bool cf);

static uint64_t msb(uint64_t v, unsigned bits)
{
	return (v >> (bits - 1)) & 1;
}

static uint64_t width_mask(unsigned bits)
{
	return bits == 64 ? ~0ull : (1ull << bits) - 1;
}

/* SF, ZF and PF from a result, as every shift defines them. */
static uint64_t szp(uint64_t v, unsigned bits)
{
	uint64_t f = 0;
	if (v == 0)
		f |= FL_ZF;
	if (msb(v, bits))
		f |= FL_SF;
	if (!__builtin_parityll(v & 0xff))
		f |= FL_PF;
	return f;
}

static struct shift_res rotate_res(uint64_t val, bool cf, bool of)
{
	return (struct shift_res){ val, (cf ? FL_CF : 0) | (of ? FL_OF : 0), FL_CF | FL_OF };
}

static struct shift_res shift_res(uint64_t val, unsigned bits, bool cf, bool of)
{
	return (struct shift_res){ val, szp(val, bits) | (cf ? FL_CF : 0) | (of ? FL_OF : 0),
				   FL_ARITH };
}

/* Rotate v left by r within a field of w bits (0 <= r < w <= 65). */
static unsigned __int128 rotl_field(unsigned __int128 v, unsigned r, unsigned w)
{
	unsigned __int128 m = ((unsigned __int128)1 << w) - 1;
	if (r == 0)
		return v;
	return ((v << r) | (v >> (w - r))) & m;
}

/*
 * ROL: the count is taken modulo the width; CF = LSB of the result (the
 * bit that went round), OF = MSB(result) XOR CF.
 */
static struct shift_res do_rol(uint64_t v, unsigned n, unsigned bits, bool cf)
{
	(void)cf;
	uint64_t r = (uint64_t)rotl_field(v, n % bits, bits);
	bool c = r & 1;
	return rotate_res(r, c, msb(r, bits) ^ c);
}

/* ROR: CF = MSB of the result, OF = XOR of its two most significant bits. */
static struct shift_res do_ror(uint64_t v, unsigned n, unsigned bits, bool cf)
{
	(void)cf;
	unsigned k = n % bits;
	uint64_t r = (uint64_t)rotl_field(v, k ? bits - k : 0, bits);
	return rotate_res(r, msb(r, bits), msb(r, bits) ^ msb(r, bits - 1));
}

/*
 * RCL/RCR rotate the (width + 1)-bit field CF:DEST. The count is taken
 * modulo 9 for bytes and 17 for words; for 32 and 64 bits the masked
 * count is already below width + 1.
 */
static unsigned rc_count(unsigned n, unsigned bits)
{
	return bits <= 16 ? n % (bits + 1) : n;
}

/* RCL: OF = MSB(result) XOR CF (after the rotation). */
static struct shift_res do_rcl(uint64_t v, unsigned n, unsigned bits, bool cf)
{
	unsigned __int128 x = ((unsigned __int128)cf << bits) | v;
	x = rotl_field(x, rc_count(n, bits), bits + 1);
	uint64_t r = (uint64_t)x & width_mask(bits);
	bool c = (x >> bits) & 1;
	return rotate_res(r, c, msb(r, bits) ^ c);
}

/* RCR: OF = MSB(DEST) XOR CF, both taken before the rotation. */
static struct shift_res do_rcr(uint64_t v, unsigned n, unsigned bits, bool cf)
{
	bool of = msb(v, bits) ^ cf;
	unsigned k = rc_count(n, bits);
	unsigned __int128 x = ((unsigned __int128)cf << bits) | v;
	x = rotl_field(x, k ? bits + 1 - k : 0, bits + 1);
	return rotate_res((uint64_t)x & width_mask(bits), (x >> bits) & 1, of);
}

/* SHL/SAL: CF = last bit shifted out of the top, OF = MSB(result) XOR CF. */
static struct shift_res do_shl(uint64_t v, unsigned n, unsigned bits, bool cf)
{
	(void)cf;
	uint64_t r = (v << n) & width_mask(bits);
	bool c = n <= bits && ((v >> (bits - n)) & 1);
	return shift_res(r, bits, c, msb(r, bits) ^ c);
}

/* SHR: CF = last bit shifted out of the bottom, OF = MSB of the original. */
static struct shift_res do_shr(uint64_t v, unsigned n, unsigned bits, bool cf)
{
	(void)cf;
	return shift_res(v >> n, bits, (v >> (n - 1)) & 1, msb(v, bits));
}

/* SAR: the sign fills in from the top; CF = last bit shifted out, OF = 0. */
static struct shift_res do_sar(uint64_t v, unsigned n, unsigned bits, bool cf)
{
	(void)cf;
	int64_t s = (int64_t)sext(v, bits / 8);
	uint64_t r = (uint64_t)(s >> n) & width_mask(bits);
	return shift_res(r, bits, (uint64_t)(s >> (n - 1)) & 1, false);
}

/* By ModRM.reg of the C0/C1/D0-D3 group; /6 is an alias of SHL. */
static shift_fn *const shift_ops[8] = {
	[SH_ROL] = do_rol, [SH_ROR] = do_ror, [SH_RCL] = do_rcl, [SH_RCR] = do_rcr,
	[SH_SHL] = do_shl, [SH_SHR] = do_shr, [SH_SAL] = do_shl, [SH_SAR] = do_sar,
};

/* The masked count from operand n: an imm8, CL, or absent (the D0/D1
 * forms, whose implicit 1 Zydis may leave out). */
static unsigned count_of(struct cpu *c, const struct insn *i, int n)
{
	unsigned mask = i->op[0].size == 8 ? 0x3f : 0x1f;
	if (i->op[n].kind == OPK_NONE)
		return 1;
	return (unsigned)opnd_read(c, i, n) & mask;
}

/*
 * A masked count of 0 leaves the value and the flags alone, but a 32-bit
 * register destination is still written like the destination of any
 * 32-bit operation, which zero-extends it to 64 bits (SDM Vol. 1, 3.4.1.1;
 * what processors do). A memory destination is not rewritten.
 */
static void count0_write(struct cpu *c, const struct insn *i, uint64_t la, uint64_t v)
{
	if (i->op[0].kind == OPK_REG)
		rmw_end(c, i, la, v);
}

void op_shift(struct cpu *c, const struct insn *i)
{
	unsigned bits = 8u * i->op[0].size;
	unsigned n = count_of(c, i, 1);
	uint64_t la = 0;
	uint64_t v = rmw_begin(c, i, &la);
	if (n == 0) {
		count0_write(c, i, la, v);
		return;
	}
	struct shift_res r = shift_ops[i->sub & 7](v, n, bits, cpu_cf(c));
	rmw_end(c, i, la, r.val);
	flags_put(c, r.set, r.flags);
}

/*
 * The hot case, chosen by the decoder: SHL/SHR/SAR of a register by an
 * immediate (or the implicit 1). Same results and flags as op_shift, but
 * the flags are recorded lazily (LF_SHIFT: CF and OF kept, SF ZF PF from
 * the result, AF clear) instead of being computed. In 64-bit arithmetic
 * on the zero- or sign-extended value, every count up to 63 needs no
 * special case: the bit shifted out last is bit n-1 (right) or bit
 * width-n (left) of the original, and 0 (or the sign) past the width.
 */
void op_shift_ri(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size, bits = 8u * size;
	uint8_t reg = i->op[0].reg;
	unsigned n = (unsigned)(i->op[1].kind == OPK_NONE ? 1 : i->imm) & (size == 8 ? 0x3f : 0x1f);
	uint64_t v = reg_get(c, reg, size), r;
	bool cf, of;
	if (n == 0) {
		reg_put(c, reg, size, v); /* see count0_write */
		return;
	}
	switch (i->sub) {
	case SH_SHR:
		r = v >> n;
		cf = (v >> (n - 1)) & 1;
		of = msb(v, bits);
		break;
	case SH_SAR: {
		uint64_t sv = sext(v, size);
		r = (uint64_t)((int64_t)sv >> n);
		cf = (sv >> (n - 1)) & 1;
		of = false;
		break;
	}
	default: /* SH_SHL, SH_SAL */
		r = v << n;
		cf = ((v << (n - 1)) >> (bits - 1)) & 1;
		of = msb(r & width_mask(bits), bits) ^ cf;
		break;
	}
	reg_put(c, reg, size, r);
	lf_set(c, LF_SHIFT, size, r, 0, of);
	c->lf.cf_in = cf;
}

/*
 * SHLD/SHRD (SDM Vol. 2B, SHLD; SHRD) shift DEST, filling the vacated bits
 * from SRC: SHLD takes the top of DEST:SRC << count, SHRD the bottom of
 * SRC:DEST >> count. CF is the last bit shifted out of DEST; SF, ZF and PF
 * follow the result; OF (defined for count 1: "a sign change occurred")
 * is MSB(result) XOR MSB(original) for every nonzero count; AF is cleared.
 *
 * The count is masked to 5 bits (6 for 64-bit operands), so only 16-bit
 * operands can see a count above the width (17..31). The SDM leaves DEST
 * and all six flags undefined then; vtsim's deterministic choice is to
 * shift the 48-bit pattern DEST:SRC:DEST, which agrees with DEST:SRC for
 * every count up to 16, and to compute the flags by the same rules.
 */
static void double_shift(struct cpu *c, const struct insn *i, bool left)
{
	unsigned bits = 8u * i->op[0].size;
	uint64_t src = opnd_read(c, i, 1);
	unsigned n = count_of(c, i, 2);
	uint64_t la = 0;
	uint64_t dst = rmw_begin(c, i, &la);
	if (n == 0) {
		count0_write(c, i, la, dst);
		return;
	}

	/* x = the concatenation, w its width; the result is a bits-wide
	 * window of x shifted by n. */
	unsigned __int128 x;
	unsigned w = 2 * bits;
	if (bits == 16) {
		x = (dst << 32) | (src << 16) | dst;
		w = 48;
	} else if (left) {
		x = ((unsigned __int128)dst << bits) | src;
	} else {
		x = ((unsigned __int128)src << bits) | dst;
	}

	uint64_t r;
	bool cf;
	if (left) {
		r = (uint64_t)((x << n) >> (w - bits)) & width_mask(bits);
		cf = (x >> (w - n)) & 1;
	} else {
		r = (uint64_t)(x >> n) & width_mask(bits);
		cf = (x >> (n - 1)) & 1;
	}
	rmw_end(c, i, la, r);
	bool of = msb(r, bits) ^ msb(dst, bits);
	flags_put(c, FL_ARITH, szp(r, bits) | (cf ? FL_CF : 0) | (of ? FL_OF : 0));
}

void op_shld(struct cpu *c, const struct insn *i)
{
	double_shift(c, i, true);
}

void op_shrd(struct cpu *c, const struct insn *i)
{
	double_shift(c, i, false);
}
