/* desc.c - LTR, LLDT, STR, SLDT, and the descriptor probes LAR, LSL, VERR, VERW, ARPL. */
#include "exec.h"
#include "segment.h"

static void need_prot_cpl0(struct cpu *c, const char *insn)
{
	if (!(c->cr0 & CR0_PE))
		cpu_raise_ud(c, "LTR/LLDT are not recognised in real-address mode (SDM Vol. 2A, LLDT/LTR)");
	if (c->cpl != 0) {
		(void)insn;
		cpu_raise_gp0(c, "LTR/LLDT at CPL > 0 (SDM Vol. 2A, LLDT/LTR)");
	}
}

static uint16_t sel_operand(struct cpu *c, const struct insn *i)
{
	return (uint16_t)(i->op[0].kind == OPK_REG ? reg_get(c, i->op[0].reg, 2)
						   : mem_read(c, i->seg, ea_of(c, i), 2));
}

/*
 * Load a system segment register from a GDT descriptor: in IA-32e mode the
 * descriptor is 16 bytes and its base 64 bits (SDM Vol. 3A, 8.2.3 "TSS
 * Descriptor in 64-bit mode"; 3.5.2). Returns the low half for writing back.
 */
static uint64_t load_system(struct cpu *c, struct segment *s, uint16_t sel, uint64_t lo)
{
	seg_cache_load(s, sel, lo);
	if (c->efer & EFER_LMA) {
		uint64_t l2, hi;
		if (!seg_read_desc16(c, sel, &l2, &hi))
			cpu_raise(c, EXC_GP, sel & 0xfffc, true, "16-byte system descriptor runs past the GDT limit (SDM Vol. 3A, 8.2.3)");
		if ((hi >> 40) & 0x1f)
			cpu_raise(c, EXC_GP, sel & 0xfffc, true, "upper half of a 16-byte system descriptor has a nonzero type (SDM Vol. 3A, 8.2.3)");
		s->base |= (hi & 0xffffffffull) << 32;
		if (!is_canonical_c(c, s->base))
			cpu_raise(c, EXC_GP, sel & 0xfffc, true, "system segment base not canonical (SDM Vol. 2A, LTR)");
	}
	return lo;
}

/* LTR (SDM Vol. 2A, LTR): a GDT selector of an available TSS (32/64-bit
 * type 9, or 16-bit type 1 outside IA-32e mode); the TSS is marked busy. */
/* VM-exit instruction information for LLDT/LTR/SLDT/STR (SDM Vol. 3C,
 * 28.2.5, Table 28-16): a register operand in 6:3 with bit 10 set, the
 * identity in 29:28 (0 SLDT, 1 STR, 2 LLDT, 3 LTR). */
static uint32_t ldtr_tr_info(struct cpu *c, const struct insn *i, unsigned identity)
{
	uint32_t info = vmx_insn_info_mem(c, i, 0) & 0x0fffffffu;
	if (i->op[0].kind == OPK_REG)
		info = (info & ~0x7bfu) | (1u << 10) | ((uint32_t)(i->op[0].reg & 15) << 3);
	return info | ((uint32_t)identity << 28);
}

void op_ltr(struct cpu *c, const struct insn *i)
{
	need_prot_cpl0(c, "LTR");
	if (c->vmx.guest)
		vmx_intercept(c, i, VXC_LTR, i->op[0].kind == OPK_MEM ? (uint64_t)i->disp : 0, ldtr_tr_info(c, i, 3));
	uint16_t sel = sel_operand(c, i);
	uint64_t d;
	if ((sel & 0xfffc) == 0)
		cpu_raise_gp0(c, "LTR with a null selector (SDM Vol. 2A, LTR)");
	if ((sel & 4) || !seg_read_desc(c, sel, &d))
		cpu_raise(c, EXC_GP, sel & 0xfffc, true, "LTR selector must be in the GDT, within its limit (SDM Vol. 2A, LTR)");
	unsigned t = desc_type(d);
	bool ok = !desc_s(d) && (t == 9 || (t == 1 && !(c->efer & EFER_LMA)));
	if (!ok)
		cpu_raise(c, EXC_GP, sel & 0xfffc, true, "LTR: descriptor is not an available TSS (SDM Vol. 2A, LTR)");
	if (!desc_present(d))
		cpu_raise(c, EXC_NP, sel & 0xfffc, true, "LTR: TSS not present (SDM Vol. 2A, LTR)");
	struct segment tr;
	load_system(c, &tr, sel, d);
	d |= 1ull << 41; /* busy */
	seg_write_desc(c, sel, d);
	tr.attr |= 0x2;
	c->tr = tr;
}

/* LLDT (SDM Vol. 2A, LLDT): a null selector makes LDTR unusable. */
void op_lldt(struct cpu *c, const struct insn *i)
{
	need_prot_cpl0(c, "LLDT");
	if (c->vmx.guest)
		vmx_intercept(c, i, VXC_LLDT, i->op[0].kind == OPK_MEM ? (uint64_t)i->disp : 0, ldtr_tr_info(c, i, 2));
	uint16_t sel = sel_operand(c, i);
	uint64_t d;
	if ((sel & 0xfffc) == 0) {
		c->ldtr = (struct segment){ sel, 0, 0, 0 };
		return;
	}
	if ((sel & 4) || !seg_read_desc(c, sel, &d))
		cpu_raise(c, EXC_GP, sel & 0xfffc, true, "LLDT selector must be in the GDT, within its limit (SDM Vol. 2A, LLDT)");
	if (desc_s(d) || desc_type(d) != 2)
		cpu_raise(c, EXC_GP, sel & 0xfffc, true, "LLDT: descriptor is not an LDT (SDM Vol. 2A, LLDT)");
	if (!desc_present(d))
		cpu_raise(c, EXC_NP, sel & 0xfffc, true, "LLDT: LDT not present (SDM Vol. 2A, LLDT)");
	struct segment ldt;
	load_system(c, &ldt, sel, d);
	c->ldtr = ldt;
}

/* STR / SLDT: a register destination gets the selector zero-extended to the
 * operand size; memory receives 16 bits. Both are #UD in real mode. */
static void store_sel(struct cpu *c, const struct insn *i, uint16_t sel, const char *name)
{
	if (!(c->cr0 & CR0_PE))
		cpu_raise_ud(c, "SLDT/STR are not recognised in real-address mode (SDM Vol. 2B, STR)");
	cpu_umip_check(c, name);
	if (c->vmx.guest) {
		bool str = name[0] == 'S' && name[1] == 'T';
		vmx_intercept(c, i, str ? VXC_STR : VXC_SLDT, i->op[0].kind == OPK_MEM ? (uint64_t)i->disp : 0,
			      ldtr_tr_info(c, i, str ? 1 : 0));
	}
	if (i->op[0].kind == OPK_REG)
		reg_put(c, i->op[0].reg, i->op[0].size, sel);
	else
		mem_write(c, i->seg, ea_of(c, i), 2, sel);
}

void op_str(struct cpu *c, const struct insn *i)
{
	store_sel(c, i, c->tr.sel, "STR");
}

void op_sldt(struct cpu *c, const struct insn *i)
{
	store_sel(c, i, c->ldtr.sel, "SLDT");
}

/*
 * The descriptor probes (SDM Vol. 2A, LAR and LSL; Vol. 2B, VERR/VERW) never
 * fault on a bad selector: they answer through ZF. A selector passes if it
 * is within its table, of a type the instruction accepts, and — unless it
 * is a conforming code segment — its DPL >= CPL and >= RPL.
 */
enum probe { PROBE_LAR, PROBE_LSL, PROBE_VERR, PROBE_VERW };

static bool probe_type_ok(const struct cpu *c, uint64_t d, enum probe p)
{
	unsigned t = desc_type(d);
	if (desc_s(d)) {
		bool code = t & 8;
		switch (p) {
		case PROBE_VERR: return !code || (t & 2);   /* data, or readable code */
		case PROBE_VERW: return !code && (t & 2);   /* writable data */
		default: return true;
		}
	}
	if (p == PROBE_VERR || p == PROBE_VERW)
		return false;
	if (c->efer & EFER_LMA) /* 64-bit TSS (available/busy); LAR also call gates, LSL also LDTs */
		return t == 9 || t == 0xb || (p == PROBE_LAR ? t == 0xc : t == 2);
	switch (t) {
	case 1: case 2: case 3: case 9: case 0xb: return true;
	case 4: case 5: case 0xc: return p == PROBE_LAR; /* gates have no limit */
	default: return false;
	}
}

static bool probe(struct cpu *c, uint16_t sel, enum probe p, uint64_t *d)
{
	if ((sel & 0xfffc) == 0 || !seg_read_desc(c, sel, d) || !probe_type_ok(c, *d, p))
		return false;
	if (desc_conforming(*d))
		return true;
	unsigned dpl = desc_dpl(*d);
	return dpl >= c->cpl && dpl >= (sel & 3u);
}

static void need_prot(struct cpu *c)
{
	if (!(c->cr0 & CR0_PE))
		cpu_raise_ud(c, "LAR/LSL/VERR/VERW are not recognised in real-address mode (SDM Vol. 2A, LAR)");
}

/* LAR: the access rights, bits 23:8 of the descriptor's high dword
 * (masked with 00F0FF00H; 0000FF00H for 16-bit operands). */
void op_lar(struct cpu *c, const struct insn *i)
{
	need_prot(c);
	uint64_t d;
	uint16_t sel = (uint16_t)opnd_read(c, i, 1);
	if (!probe(c, sel, PROBE_LAR, &d)) {
		flags_put(c, FL_ZF, 0);
		return;
	}
	uint64_t ar = (d >> 32) & (i->op[0].size == 2 ? 0xff00u : 0x00f0ff00u);
	reg_put(c, i->op[0].reg, i->op[0].size, ar);
	flags_put(c, FL_ZF, FL_ZF);
}

/* LSL: the segment limit in bytes (scaled by G). */
void op_lsl(struct cpu *c, const struct insn *i)
{
	need_prot(c);
	uint64_t d;
	uint16_t sel = (uint16_t)opnd_read(c, i, 1);
	if (!probe(c, sel, PROBE_LSL, &d)) {
		flags_put(c, FL_ZF, 0);
		return;
	}
	reg_put(c, i->op[0].reg, i->op[0].size, desc_limit(d));
	flags_put(c, FL_ZF, FL_ZF);
}

void op_verr_verw(struct cpu *c, const struct insn *i)
{
	need_prot(c);
	uint64_t d;
	uint16_t sel = (uint16_t)opnd_read(c, i, 0);
	flags_put(c, FL_ZF, probe(c, sel, i->sub ? PROBE_VERW : PROBE_VERR, &d) ? FL_ZF : 0);
}

/* ARPL r/m16, r16: raise the destination's RPL to the source's (SDM Vol.
 * 2A, ARPL; not encodable in 64-bit mode, where 63H is MOVSXD). */
void op_arpl(struct cpu *c, const struct insn *i)
{
	if (!(c->cr0 & CR0_PE))
		cpu_raise_ud(c, "ARPL is not recognised in real-address mode (SDM Vol. 2A, ARPL)");
	uint64_t la = 0;
	uint64_t dst = rmw_begin(c, i, &la), src = reg_get(c, i->op[1].reg, 2);
	if ((dst & 3) < (src & 3)) {
		rmw_end(c, i, la, (dst & ~3ull) | (src & 3));
		flags_put(c, FL_ZF, FL_ZF);
	} else {
		flags_put(c, FL_ZF, 0);
	}
}
