/* bcd.c - decimal arithmetic adjustments: DAA, DAS, AAA, AAS, AAM, AAD. */
#include "exec.h"

/*
 * Packed BCD holds two decimal digits per byte, unpacked BCD one digit in
 * the low nibble. After a binary ADD/SUB of two BCD values, these
 * instructions turn AL (and AH) back into valid BCD, using CF and AF to
 * know whether a digit overflowed (SDM Vol. 1, 4.7 "BCD and Packed BCD
 * Integers"). All six are invalid in 64-bit mode (#UD, from the decoder).
 *
 * Flags the SDM leaves undefined get fixed values in vtsim:
 *   DAA, DAS   OF cleared
 *   AAA, AAS   OF cleared; SF, ZF, PF from the final AL
 *   AAM, AAD   OF, AF, CF cleared
 */

static uint8_t al_of(const struct cpu *c)
{
	return (uint8_t)c->gpr[RAX];
}

static uint8_t ah_of(const struct cpu *c)
{
	return (uint8_t)(c->gpr[RAX] >> 8);
}

static void ax_put(struct cpu *c, uint8_t al, uint8_t ah)
{
	reg_put(c, RAX, 2, (uint64_t)ah << 8 | al);
}

static bool af_of(struct cpu *c)
{
	flags_materialize(c);
	return c->rflags & FL_AF;
}

/* Set SF, ZF and PF from al and clear the other three; then put the
 * bits of `set` (a subset of CF and AF) to the values in `val`. */
static void bcd_flags(struct cpu *c, uint8_t al, uint64_t set, uint64_t val)
{
	lf_set(c, LF_LOGIC, 1, al, 0, 0);
	flags_put(c, set, val);
}

static uint64_t cf_af(bool cf, bool af)
{
	return (cf ? FL_CF : 0) | (af ? FL_AF : 0);
}

/*
 * DAA (SDM Vol. 2A, DAA): after an ADD of packed BCD, add 6 to a low digit
 * above 9 (or that carried, AF) and 60H when the byte was above 99H (or
 * carried, CF).
 */
void op_daa(struct cpu *c, const struct insn *i)
{
	(void)i;
	uint8_t al = al_of(c), old_al = al;
	bool old_cf = cpu_cf(c), cf = false, af = false;
	if ((al & 0x0f) > 9 || af_of(c)) {
		cf = old_cf || al > 0xff - 6;
		al = (uint8_t)(al + 6);
		af = true;
	}
	if (old_al > 0x99 || old_cf) {
		al = (uint8_t)(al + 0x60);
		cf = true;
	} else {
		cf = false;
	}
	reg_put(c, RAX, 1, al);
	bcd_flags(c, al, FL_CF | FL_AF, cf_af(cf, af));
}

/*
 * DAS (SDM Vol. 2A, DAS): after a SUB of packed BCD, subtract 6 and 60H
 * under the same conditions. Unlike DAA, the second step has no ELSE:
 * CF keeps the borrow of the first step when no 60H is subtracted.
 */
void op_das(struct cpu *c, const struct insn *i)
{
	(void)i;
	uint8_t al = al_of(c), old_al = al;
	bool old_cf = cpu_cf(c), cf = false, af = false;
	if ((al & 0x0f) > 9 || af_of(c)) {
		cf = old_cf || al < 6;
		al = (uint8_t)(al - 6);
		af = true;
	}
	if (old_al > 0x99 || old_cf) {
		al = (uint8_t)(al - 0x60);
		cf = true;
	}
	reg_put(c, RAX, 1, al);
	bcd_flags(c, al, FL_CF | FL_AF, cf_af(cf, af));
}

/*
 * AAA (SDM Vol. 2A, AAA): after an ADD of unpacked BCD digits in AL, a
 * digit above 9 (or AF) carries into AH: AX := AX + 106H, CF = AF = 1.
 * AL keeps only its low nibble.
 */
void op_aaa(struct cpu *c, const struct insn *i)
{
	(void)i;
	uint16_t ax = (uint16_t)c->gpr[RAX];
	bool adjust = (ax & 0x0f) > 9 || af_of(c);
	if (adjust)
		ax = (uint16_t)(ax + 0x106);
	uint8_t al = ax & 0x0f;
	ax_put(c, al, (uint8_t)(ax >> 8));
	bcd_flags(c, al, FL_CF | FL_AF, cf_af(adjust, adjust));
}

/*
 * AAS (SDM Vol. 2A, AAS): after a SUB of unpacked BCD digits, a digit
 * above 9 (or AF) borrows from AH: AX := AX - 6, AH := AH - 1, CF = AF = 1.
 */
void op_aas(struct cpu *c, const struct insn *i)
{
	(void)i;
	uint16_t ax = (uint16_t)c->gpr[RAX];
	bool adjust = (ax & 0x0f) > 9 || af_of(c);
	if (adjust) {
		ax = (uint16_t)(ax - 6);
		ax = (uint16_t)(ax - 0x100);
	}
	uint8_t al = ax & 0x0f;
	ax_put(c, al, (uint8_t)(ax >> 8));
	bcd_flags(c, al, FL_CF | FL_AF, cf_af(adjust, adjust));
}

/*
 * AAM imm8 (SDM Vol. 2A, AAM): after a MUL of unpacked digits, split AL
 * into AH = AL / imm8 and AL = AL mod imm8. The plain mnemonic uses base
 * 10 (D4 0A); other bases are encodable. Base 0 raises #DE.
 */
void op_aam(struct cpu *c, const struct insn *i)
{
	uint8_t base = (uint8_t)i->imm, al = al_of(c);
	if (base == 0)
		cpu_raise(c, EXC_DE, 0, false, "divide error: AAM with an immediate of 0 (SDM Vol. 2A, AAM)");
	ax_put(c, al % base, al / base);
	bcd_flags(c, al % base, 0, 0);
}

/*
 * AAD imm8 (SDM Vol. 2A, AAD): before a DIV, fold the unpacked digits
 * AH:AL into a binary AL = (AL + AH * imm8) AND FFH, AH = 0.
 */
void op_aad(struct cpu *c, const struct insn *i)
{
	uint8_t base = (uint8_t)i->imm;
	uint8_t al = (uint8_t)(al_of(c) + ah_of(c) * base);
	ax_put(c, al, 0);
	bcd_flags(c, al, 0, 0);
}
