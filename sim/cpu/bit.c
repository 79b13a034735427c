/* bit.c - BT BTS BTR BTC, BSF BSR, BSWAP. */
#include "exec.h"

/*
 * BT* (SDM Vol. 2A, BT): with a register destination the bit offset is
 * taken modulo the operand width. With a memory destination and a register
 * offset, the offset is a signed integer that can address any bit around
 * the operand: the access is at EA + (offset >> log2(width)) * width/8.
 * An immediate offset is always taken modulo the width. CF receives the
 * bit; ZF is unaffected; OF SF AF PF are undefined and vtsim leaves them.
 */
void op_bt(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size, bits = 8 * size;
	uint64_t off = opnd_read(c, i, 1);
	uint64_t v, bit, la = 0;
	bool mem = i->op[0].kind == OPK_MEM;

	if (mem && i->op[1].kind == OPK_REG) {
		int64_t soff = (int64_t)sext(off, i->op[1].size);
		int64_t unit = soff >> (size == 2 ? 4 : size == 4 ? 5 : 6);
		uint64_t ea = (ea_of(c, i) + (uint64_t)unit * size) & size_mask(i->asz);
		bit = (uint64_t)soff & (bits - 1);
		la = seg_linear(c, i->seg, ea, size);
		v = lin_read(c, la, size, i->sub ? ACC_WRITE : ACC_READ);
	} else {
		bit = off & (bits - 1);
		if (mem) {
			la = la_of(c, i, size);
			v = lin_read(c, la, size, i->sub ? ACC_WRITE : ACC_READ);
		} else {
			v = reg_get(c, i->op[0].reg, size);
		}
	}
	bool cf = (v >> bit) & 1;
	uint64_t m = 1ull << bit;
	if (i->sub) {
		uint64_t nv = i->sub == 1 ? v | m : i->sub == 2 ? v & ~m : v ^ m;
		if (mem)
			lin_write(c, la, size, nv);
		else
			reg_put(c, i->op[0].reg, size, nv);
	}
	flags_put(c, FL_CF, cf ? FL_CF : 0);
}

/*
 * BSF/BSR (SDM Vol. 2A): ZF=1 and the destination is left unchanged when
 * the source is 0 (the SDM calls it undefined; Intel and AMD processors
 * leave it, and so does vtsim). CF OF SF AF PF are undefined: unchanged.
 */
static void bitscan(struct cpu *c, const struct insn *i, bool reverse)
{
	unsigned size = i->op[0].size;
	uint64_t src = opnd_read(c, i, 1);
	if (src == 0) {
		flags_put(c, FL_ZF, FL_ZF);
		return;
	}
	uint64_t idx = reverse ? 63 - (uint64_t)__builtin_clzll(src) : (uint64_t)__builtin_ctzll(src);
	reg_put(c, i->op[0].reg, size, idx);
	flags_put(c, FL_ZF, 0);
}

void op_bsf(struct cpu *c, const struct insn *i)
{
	bitscan(c, i, false);
}

void op_bsr(struct cpu *c, const struct insn *i)
{
	bitscan(c, i, true);
}

/* BSWAP with a 16-bit operand is undefined; vtsim clears the low word,
 * as Intel processors are observed to do. */
void op_bswap(struct cpu *c, const struct insn *i)
{
	uint8_t r = i->op[0].reg;
	switch (i->op[0].size) {
	case 8: reg_put(c, r, 8, __builtin_bswap64(c->gpr[r])); break;
	case 4: reg_put(c, r, 4, __builtin_bswap32((uint32_t)c->gpr[r])); break;
	default: reg_put(c, r, 2, 0); break;
	}
}
