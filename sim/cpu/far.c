/* far.c - far JMP, CALL and RET, call gates, IRET, and stack switching through the TSS. */
#include "exception.h"
#include "exec.h"
#include "far.h"
#include "segment.h"

/*
 * Privilege in protected mode (SDM Vol. 3A, 5.5 "Privilege Levels"): CPL
 * is CS.RPL; a selector's RPL can only make an access less privileged;
 * a descriptor's DPL says who may use it. Control moves between code
 * segments directly only at the same privilege (or into a conforming
 * segment); to a more privileged ring only through a gate, which switches
 * to that ring's stack from the TSS; back to a less privileged ring only
 * with RET or IRET.
 */

static __attribute__((noreturn)) void fault_sel(struct cpu *c, int vec, uint16_t sel, const char *why)
{
	cpu_raise(c, vec, sel & 0xfffc, true, why);
}

/*
 * The stack for privilege level `dpl` from the current TSS (SDM Vol. 3A,
 * 8.7 "Task-State Segment" / 8.2.1; 64-bit: 8.7 Figure 8-11). In IA-32e
 * mode SS is a null selector with RPL = dpl; `ist` (1-7) selects an
 * interrupt stack table entry instead (6.14.5).
 */
void far_tss_stack(struct cpu *c, unsigned dpl, unsigned ist, uint16_t *ss, uint64_t *sp)
{
	const struct segment *tr = &c->tr;
	uint32_t tss_type = tr->attr & 0xf;
	if (c->efer & EFER_LMA) {
		uint32_t off = ist ? 0x24 + 8 * (ist - 1) : 4 + 8 * dpl;
		if (off + 7 > tr->limit)
			cpu_raise(c, EXC_TS, tr->sel & 0xfffc, true, "64-bit TSS too small for the stack pointer (SDM Vol. 3A, 6.14.4)");
		*sp = sys_read(c, tr->base + off, 8);
		*ss = (uint16_t)dpl;
		if (!is_canonical_c(c, *sp))
			cpu_raise(c, EXC_SS, 0, true, "stack pointer from the TSS is not canonical (SDM Vol. 3A, 6.14.4)");
		return;
	}
	if (tss_type == 0x3 || tss_type == 0x1) { /* 16-bit TSS: SPn at 2+4n, SSn at 4+4n */
		uint32_t off = 2 + 4 * dpl;
		if (off + 3 > tr->limit)
			cpu_raise(c, EXC_TS, tr->sel & 0xfffc, true, "16-bit TSS too small for the stack pointer (SDM Vol. 3A, 8.6)");
		*sp = sys_read(c, tr->base + off, 2);
		*ss = (uint16_t)sys_read(c, tr->base + off + 2, 2);
		return;
	}
	uint32_t off = 4 + 8 * dpl; /* 32-bit TSS: ESPn at 4+8n, SSn at 8+8n */
	if (off + 5 > tr->limit)
		cpu_raise(c, EXC_TS, tr->sel & 0xfffc, true, "32-bit TSS too small for the stack pointer (SDM Vol. 3A, 8.2.1)");
	*sp = sys_read(c, tr->base + off, 4);
	*ss = (uint16_t)sys_read(c, tr->base + off + 4, 2);
}

/*
 * Check the stack segment for a switch to privilege `cpl` and return its
 * descriptor (SDM Vol. 3A, 5.8.5 "Stack Switching"): its RPL and DPL must
 * equal the new CPL, it must be a writable data segment and present; a
 * fault names the SS selector (#TS, or #SS if not present). In 64-bit mode
 * a null SS is allowed at CPL < 3.
 */
uint64_t far_check_new_ss(struct cpu *c, uint16_t ss, unsigned cpl, bool to64, int tsvec)
{
	uint64_t d;
	if ((ss & 0xfffc) == 0) {
		if (to64 && cpl < 3)
			return 0;
		cpu_raise(c, tsvec, 0, true, "null stack segment selector for the new privilege level (SDM Vol. 3A, 5.8.5)");
	}
	if (!seg_read_desc(c, ss, &d))
		fault_sel(c, tsvec, ss, "new SS selector beyond the descriptor table (SDM Vol. 3A, 5.8.5)");
	if ((ss & 3) != cpl || desc_dpl(d) != cpl)
		fault_sel(c, tsvec, ss, "new SS: RPL and DPL must equal the new CPL (SDM Vol. 3A, 5.8.5)");
	if (!desc_s(d) || desc_is_code(d) || !(desc_type(d) & 2))
		fault_sel(c, tsvec, ss, "new SS must be a writable data segment (SDM Vol. 3A, 5.8.5)");
	if (!desc_present(d))
		fault_sel(c, EXC_SS, ss, "new stack segment not present (SDM Vol. 3A, 5.8.5)");
	return d;
}

/* Load SS (a checked descriptor, or the null SS of 64-bit mode). */
void far_load_ss(struct cpu *c, uint16_t ss, uint64_t d, unsigned cpl)
{
	if ((ss & 0xfffc) == 0) {
		/* A null SS in 64-bit mode: unusable, but its DPL is the CPL. */
		c->seg[SEG_SS] = (struct segment){ ss, 0, 0, (uint16_t)(cpl << 5) };
		return;
	}
	seg_cache_load(&c->seg[SEG_SS], ss, seg_mark_accessed(c, ss, d));
}

/* Load CS for privilege `cpl` and switch mode (the RPL becomes the CPL). */
void far_load_cs(struct cpu *c, uint16_t sel, uint64_t d, unsigned cpl)
{
	seg_cache_load(&c->seg[SEG_CS], (uint16_t)((sel & 0xfffc) | cpl), seg_mark_accessed(c, sel, d));
	cpu_update_mode(c);
}

/* Whether `offset` fits the target code segment (64-bit: canonical). */
static void check_offset(struct cpu *c, uint64_t d, uint64_t offset)
{
	if ((c->efer & EFER_LMA) && desc_l(d)) {
		if (!is_canonical_c(c, offset))
			cpu_raise_gp0(c, "far transfer to a non-canonical address (SDM Vol. 2A, JMP/CALL)");
	} else if (offset > desc_limit(d)) {
		cpu_raise_gp0(c, "far transfer beyond the target code segment's limit (SDM Vol. 2A, JMP/CALL)");
	}
}

/* A direct far transfer's target code segment (no gate): same privilege,
 * or a conforming segment at DPL <= CPL (SDM Vol. 3A, 5.8.1). */
static void check_direct_code(struct cpu *c, uint16_t sel, uint64_t d)
{
	unsigned dpl = desc_dpl(d), rpl = sel & 3;
	if (desc_conforming(d)) {
		if (dpl > c->cpl)
			fault_sel(c, EXC_GP, sel, "conforming code segment with DPL > CPL (SDM Vol. 3A, 5.8.1.2)");
	} else if (rpl > c->cpl || dpl != c->cpl) {
		fault_sel(c, EXC_GP, sel, "nonconforming code segment needs RPL <= CPL and DPL = CPL (SDM Vol. 3A, 5.8.1.1)");
	}
	if (!desc_present(d))
		fault_sel(c, EXC_NP, sel, "target code segment not present (SDM Vol. 3A, 5.8.1)");
	if ((c->efer & EFER_LMA) && desc_l(d) && desc_db(d))
		fault_sel(c, EXC_GP, sel, "code segment with L=1 and D=1 (SDM Vol. 3A, 5.2.1)");
}

/* The far pointer operand: ptr16:16/32 in the instruction, or m16:16/32/64
 * in memory (offset first, then the selector). */
static void far_operand(struct cpu *c, const struct insn *i, uint16_t *sel, uint64_t *off)
{
	if (i->op[0].kind == OPK_IMM) {
		*off = i->imm;
		*sel = (uint16_t)i->imm2;
		return;
	}
	unsigned osz = i->osz;
	uint64_t ea = ea_of(c, i);
	*off = mem_read(c, i->seg, ea, osz);
	*sel = (uint16_t)mem_read(c, i->seg, (ea + osz) & size_mask(i->asz), 2);
}

/*
 * A call gate (SDM Vol. 3A, 5.8.3, Figure 5-8; 64-bit: 5.8.3.1, Figure
 * 5-9). Returns the target code selector, offset and descriptor, and the
 * number of parameters to copy (32/16-bit gates only).
 */
struct gate {
	uint16_t sel;       /* target code segment */
	uint64_t offset;    /* entry point */
	unsigned params;    /* parameter count (dwords or words) */
	unsigned size;      /* 2, 4 or 8: the gate's push size */
	uint64_t code;      /* target code descriptor */
};

static void read_call_gate(struct cpu *c, uint16_t gsel, uint64_t lo, struct gate *g)
{
	unsigned dpl = desc_dpl(lo), rpl = gsel & 3, type = desc_type(lo);
	bool lma = c->efer & EFER_LMA;
	if (dpl < c->cpl || dpl < rpl)
		fault_sel(c, EXC_GP, gsel, "call gate DPL < CPL or < RPL (SDM Vol. 3A, 5.8.4)");
	if (!desc_present(lo))
		fault_sel(c, EXC_NP, gsel, "call gate not present (SDM Vol. 3A, 5.8.4)");
	g->sel = (uint16_t)(lo >> 16);
	g->offset = (lo & 0xffff) | ((lo >> 32) & 0xffff0000ull);
	g->params = (unsigned)(lo >> 32) & 0x1f;
	g->size = type == 0x4 ? 2 : 4;
	if (lma) {
		uint64_t dlo, hi;
		if (!seg_read_desc16(c, gsel, &dlo, &hi))
			fault_sel(c, EXC_GP, gsel, "64-bit call gate runs past the descriptor table (SDM Vol. 3A, 5.8.3.1)");
		if ((hi >> 40) & 0x1f)
			fault_sel(c, EXC_GP, gsel, "64-bit call gate: the type field of its upper half must be 0 (SDM Vol. 3A, 5.8.3.1)");
		g->offset |= (hi & 0xffffffffull) << 32;
		g->params = 0;
		g->size = 8;
	}
	if ((g->sel & 0xfffc) == 0)
		cpu_raise_gp0(c, "call gate with a null code selector (SDM Vol. 3A, 5.8.4)");
	if (!seg_read_desc(c, g->sel, &g->code))
		fault_sel(c, EXC_GP, g->sel, "call gate's code selector beyond the descriptor table (SDM Vol. 3A, 5.8.4)");
	if (!desc_is_code(g->code) || desc_dpl(g->code) > c->cpl)
		fault_sel(c, EXC_GP, g->sel, "call gate target must be code with DPL <= CPL (SDM Vol. 3A, 5.8.4)");
	if (!desc_present(g->code))
		fault_sel(c, EXC_NP, g->sel, "call gate target not present (SDM Vol. 3A, 5.8.4)");
	if (lma && (!desc_l(g->code) || desc_db(g->code)))
		fault_sel(c, EXC_GP, g->sel, "64-bit call gate must lead to 64-bit code (SDM Vol. 3A, 5.8.3.1)");
}

/* Is the descriptor a call gate for the current mode? (IA-32e: type 0xC only.) */
static bool is_call_gate(const struct cpu *c, uint64_t d)
{
	unsigned t = desc_type(d);
	if (desc_s(d))
		return false;
	return (c->efer & EFER_LMA) ? t == 0xc : (t == 0xc || t == 0x4);
}

static bool is_task_thing(const struct cpu *c, uint64_t d)
{
	unsigned t = desc_type(d);
	return !desc_s(d) && !(c->efer & EFER_LMA) && (t == 0x5 || t == 0x1 || t == 0x9 || t == 0x3 || t == 0xb);
}

/* Real mode and virtual-8086 mode: no checks, CS base = selector x 16. */
static void far_real(struct cpu *c, uint16_t sel, uint64_t off, unsigned osz)
{
	cpu_load_seg_real(c, SEG_CS, sel);
	c->next_rip = off & size_mask(osz);
}

void op_jmp_far(struct cpu *c, const struct insn *i)
{
	uint16_t sel;
	uint64_t off, d;
	far_operand(c, i, &sel, &off);
	if (!(c->cr0 & CR0_PE)) {
		far_real(c, sel, off, i->osz);
		return;
	}
	if ((sel & 0xfffc) == 0)
		cpu_raise_gp0(c, "far JMP to a null selector (SDM Vol. 2A, JMP)");
	if (!seg_read_desc(c, sel, &d))
		fault_sel(c, EXC_GP, sel, "far JMP selector beyond the descriptor table (SDM Vol. 2A, JMP)");
	if (desc_is_code(d)) {
		check_direct_code(c, sel, d);
		off &= size_mask(i->osz);
		check_offset(c, d, off);
		far_load_cs(c, sel, d, c->cpl);
		c->next_rip = off;
		return;
	}
	if (is_call_gate(c, d)) {
		struct gate g;
		read_call_gate(c, sel, d, &g);
		/* JMP through a gate never changes privilege (SDM Vol. 3A, 5.8.6). */
		if (desc_conforming(g.code) ? desc_dpl(g.code) > c->cpl : desc_dpl(g.code) != c->cpl)
			fault_sel(c, EXC_GP, g.sel, "JMP through a call gate to a different privilege level (SDM Vol. 3A, 5.8.6)");
		uint64_t target = g.size == 2 ? g.offset & 0xffff : g.size == 4 ? g.offset & 0xffffffffull : g.offset;
		check_offset(c, g.code, target);
		far_load_cs(c, g.sel, g.code, c->cpl);
		c->next_rip = target;
		return;
	}
	if (is_task_thing(c, d))
		fault_sel(c, EXC_GP, sel, "task switches through JMP are not modelled by vtsim (SDM Vol. 3A, 8.3)");
	fault_sel(c, EXC_GP, sel, "far JMP to a descriptor that is neither code nor a call gate (SDM Vol. 2A, JMP)");
}

/*
 * Push onto the stack being switched to, before SS itself is loaded. The
 * new ring is more privileged than the old (a ring < 3), so these are
 * supervisor-mode writes. A 64-bit stack (ssize 8) has no segment checks.
 */
uint64_t far_push_to(struct cpu *c, const struct segment *ss, unsigned ssize, uint64_t sp,
		     unsigned size, uint64_t v)
{
	sp = (sp - size) & size_mask(ssize);
	uint64_t la;
	if (ssize == 8) {
		la = sp;
		if (!is_canonical_c(c, la))
			cpu_raise(c, EXC_SS, 0, true, "push to a non-canonical stack address (SDM Vol. 3A, 6.14.4)");
	} else {
		if (sp + size - 1 > ss->limit)
			cpu_raise(c, EXC_SS, ss->sel & 0xfffc, true, "new stack too small for the pushes (SDM Vol. 3A, 5.8.5)");
		la = (ss->base + sp) & 0xffffffffull;
	}
	sys_write(c, la, size, v);
	return sp;
}

void op_call_far(struct cpu *c, const struct insn *i)
{
	uint16_t sel;
	uint64_t off, d;
	unsigned osz = i->osz;
	far_operand(c, i, &sel, &off);
	uint64_t ret = c->next_rip;
	uint16_t cs = c->seg[SEG_CS].sel;
	if (!(c->cr0 & CR0_PE)) {
		/* Check both pushes fit before anything changes. */
		uint64_t sp = sp_get(c);
		seg_linear(c, SEG_SS, (sp - 2 * osz) & size_mask(c->stack_size), 2 * osz);
		push(c, osz, cs);
		push(c, osz, ret);
		far_real(c, sel, off, osz);
		return;
	}
	if ((sel & 0xfffc) == 0)
		cpu_raise_gp0(c, "far CALL to a null selector (SDM Vol. 2A, CALL)");
	if (!seg_read_desc(c, sel, &d))
		fault_sel(c, EXC_GP, sel, "far CALL selector beyond the descriptor table (SDM Vol. 2A, CALL)");
	if (desc_is_code(d)) {
		check_direct_code(c, sel, d);
		off &= size_mask(osz);
		check_offset(c, d, off);
		uint64_t sp = sp_get(c);
		if (!c->long64)
			seg_linear(c, SEG_SS, (sp - 2 * osz) & size_mask(c->stack_size), 2 * osz);
		push(c, osz, cs);
		push(c, osz, ret);
		far_load_cs(c, sel, d, c->cpl);
		c->next_rip = off;
		return;
	}
	if (is_task_thing(c, d))
		fault_sel(c, EXC_GP, sel, "task switches through CALL are not modelled by vtsim (SDM Vol. 3A, 8.3)");
	if (!is_call_gate(c, d))
		fault_sel(c, EXC_GP, sel, "far CALL to a descriptor that is neither code nor a call gate (SDM Vol. 2A, CALL)");

	struct gate g;
	read_call_gate(c, sel, d, &g);
	uint64_t target = g.size == 2 ? g.offset & 0xffff : g.size == 4 ? g.offset & 0xffffffffull : g.offset;
	check_offset(c, g.code, target);
	unsigned dpl = desc_dpl(g.code);
	if (desc_conforming(g.code) || dpl == c->cpl) {
		/* Same privilege: push CS:EIP at the gate's size (5.8.5). */
		uint64_t sp = sp_get(c);
		if (!c->long64)
			seg_linear(c, SEG_SS, (sp - 2 * g.size) & size_mask(c->stack_size), 2 * g.size);
		push(c, g.size, cs);
		push(c, g.size, ret);
		far_load_cs(c, g.sel, g.code, c->cpl);
		c->next_rip = target;
		return;
	}

	/*
	 * To a more privileged ring (SDM Vol. 3A, 5.8.5, Figure 5-13): take
	 * that ring's stack from the TSS, push the old SS:ESP, copy the
	 * parameters from the old stack, push the old CS:EIP. Everything is
	 * read and checked before anything architectural changes.
	 */
	bool to64 = g.size == 8;
	uint16_t nss;
	uint64_t nsp, ssd;
	far_tss_stack(c, dpl, 0, &nss, &nsp);
	ssd = far_check_new_ss(c, nss, dpl, to64, EXC_TS);
	struct segment nseg;
	if (to64 || (nss & 0xfffc) == 0)
		nseg = (struct segment){ nss, 0, 0xffffffff, (uint16_t)(dpl << 5) };
	else
		seg_cache_load(&nseg, nss, ssd);
	unsigned nssize = to64 ? 8 : (nseg.attr & SEGA_DB) ? 4 : 2;
	uint64_t params[31];
	uint64_t osp = sp_get(c);
	for (unsigned k = 0; k < g.params; k++)
		params[k] = mem_read(c, SEG_SS, (osp + (uint64_t)k * g.size) & size_mask(c->stack_size), g.size);
	uint16_t oss = c->seg[SEG_SS].sel;
	nsp = far_push_to(c, &nseg, nssize, nsp, g.size, oss);
	nsp = far_push_to(c, &nseg, nssize, nsp, g.size, osp);
	for (unsigned k = g.params; k-- > 0;)
		nsp = far_push_to(c, &nseg, nssize, nsp, g.size, params[k]);
	nsp = far_push_to(c, &nseg, nssize, nsp, g.size, cs);
	nsp = far_push_to(c, &nseg, nssize, nsp, g.size, ret);
	far_load_ss(c, nss, ssd, dpl);
	if (to64)
		c->seg[SEG_SS] = nseg;
	far_load_cs(c, g.sel, g.code, dpl);
	c->gpr[RSP] = nssize == 8 ? nsp : nssize == 4 ? (uint32_t)nsp : ((c->gpr[RSP] & ~0xffffull) | (nsp & 0xffff));
	c->next_rip = target;
}

/*
 * Returning to an outer ring invalidates data segment registers the new
 * CPL may not use: DS, ES, FS and GS holding a data or nonconforming code
 * segment with DPL < CPL become null (SDM Vol. 2A, RET, "Operation").
 */
static void drop_inaccessible_segments(struct cpu *c)
{
	static const int segs[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
	for (size_t k = 0; k < 4; k++) {
		struct segment *s = &c->seg[segs[k]];
		bool data_or_nc = !(s->attr & 0x8) || !(s->attr & 0x4);
		if (c->long64 && (segs[k] == SEG_FS || segs[k] == SEG_GS) && (s->sel & 0xfffc) == 0)
			continue; /* keep an FS/GS base loaded through the MSRs */
		if ((s->attr & SEGA_S) && data_or_nc && ((s->attr >> 5) & 3) < c->cpl)
			*s = (struct segment){ 0, 0, 0, 0 };
	}
}

/* The target of RET/IRET: checks on the popped CS (SDM Vol. 2A, RET). */
static uint64_t check_return_cs(struct cpu *c, uint16_t sel)
{
	uint64_t d;
	if ((sel & 0xfffc) == 0)
		cpu_raise_gp0(c, "return to a null code selector (SDM Vol. 2A, RET/IRET)");
	if (!seg_read_desc(c, sel, &d))
		fault_sel(c, EXC_GP, sel, "return CS beyond the descriptor table (SDM Vol. 2A, RET/IRET)");
	unsigned rpl = sel & 3;
	if (rpl < c->cpl)
		fault_sel(c, EXC_GP, sel, "return to a more privileged ring (RPL < CPL) (SDM Vol. 2A, RET/IRET)");
	if (!desc_is_code(d))
		fault_sel(c, EXC_GP, sel, "return CS is not a code segment (SDM Vol. 2A, RET/IRET)");
	if (desc_conforming(d) ? desc_dpl(d) > rpl : desc_dpl(d) != rpl)
		fault_sel(c, EXC_GP, sel, "return CS DPL does not match its RPL (SDM Vol. 2A, RET/IRET)");
	if (!desc_present(d))
		fault_sel(c, EXC_NP, sel, "return CS not present (SDM Vol. 2A, RET/IRET)");
	if ((c->efer & EFER_LMA) && desc_l(d) && desc_db(d))
		fault_sel(c, EXC_GP, sel, "return CS with L=1 and D=1 (SDM Vol. 3A, 5.2.1)");
	return d;
}

/* Pop SS:ESP for a return to an outer ring, check them, and load them. */
static void return_outer_stack(struct cpu *c, uint64_t sp_slot, unsigned osz, unsigned rpl, bool to64,
			       uint64_t *new_sp, uint16_t *new_ss, uint64_t *ssd)
{
	*new_sp = stack_peek(c, sp_slot, osz);
	*new_ss = (uint16_t)stack_peek(c, sp_slot + osz, osz);
	*ssd = far_check_new_ss(c, *new_ss, rpl, to64, EXC_GP);
}

void op_ret_far(struct cpu *c, const struct insn *i)
{
	unsigned osz = i->osz;
	uint64_t release = i->op[0].kind == OPK_IMM ? (i->imm & 0xffff) : 0;
	uint64_t off = stack_peek(c, 0, osz);
	uint16_t sel = (uint16_t)stack_peek(c, osz, osz);
	if (!(c->cr0 & CR0_PE)) {
		sp_put(c, sp_get(c) + 2 * osz + release);
		far_real(c, sel, off, osz);
		return;
	}
	uint64_t d = check_return_cs(c, sel);
	unsigned rpl = sel & 3;
	off &= size_mask(osz);
	check_offset(c, d, off);
	if (rpl == c->cpl) {
		sp_put(c, sp_get(c) + 2 * osz + release);
		far_load_cs(c, sel, d, rpl);
		c->next_rip = off;
		return;
	}
	bool to64 = (c->efer & EFER_LMA) && desc_l(d);
	uint64_t nsp, ssd;
	uint16_t nss;
	return_outer_stack(c, 2 * osz + release, osz, rpl, to64, &nsp, &nss, &ssd);
	far_load_cs(c, sel, d, rpl);
	far_load_ss(c, nss, ssd, rpl);
	cpu_update_mode(c);
	sp_put(c, nsp + release);
	drop_inaccessible_segments(c);
	c->next_rip = off;
}

/* The RFLAGS an IRET may load, per CPL and IOPL (SDM Vol. 2A, IRET). */
static uint64_t iret_flags(struct cpu *c, uint64_t old, uint64_t v, unsigned osz, unsigned cpl)
{
	uint64_t mask = FL_ARITH | FL_TF | FL_DF | FL_NT | FL_AC | FL_ID | FL_IF | FL_IOPL | FL_RF;
	unsigned iopl = (old >> 12) & 3;
	if (cpl == 0 && osz >= 4 && (c->cr0 & CR0_PE))
		mask |= FL_VIF | FL_VIP; /* "IF CPL = 0 ... EFLAGS(VIF, VIP) <- tempEFLAGS" */
	if (cpl > 0)
		mask &= ~(uint64_t)FL_IOPL;
	if (cpl > iopl)
		mask &= ~(uint64_t)FL_IF;
	if (osz == 2)
		mask &= 0xffff;
	return (old & ~mask) | (v & mask);
}

static void iret_do(struct cpu *c, const struct insn *i)
{
	unsigned osz = i->osz;
	uint64_t old = cpu_get_rflags(c);
	uint64_t off = stack_peek(c, 0, osz);
	uint16_t sel = (uint16_t)stack_peek(c, osz, osz);
	uint64_t fl = stack_peek(c, 2 * osz, osz);

	if (!(c->cr0 & CR0_PE)) {
		/* Real mode: every flag but VIP, VIF and VM (SDM Vol. 2A, IRET). */
		sp_put(c, sp_get(c) + 3 * osz);
		far_real(c, sel, off, osz);
		cpu_set_rflags(c, iret_flags(c, old, fl, osz, 0));
		return;
	}
	if (old & FL_NT) {
		if (c->efer & EFER_LMA)
			cpu_raise_gp0(c, "IRET with NT=1 in IA-32e mode (SDM Vol. 2A, IRET)");
		cpu_raise_gp0(c, "IRET with NT=1 (a task return) is not modelled by vtsim (SDM Vol. 3A, 8.3)");
	}
	if ((fl & FL_VM) && c->cpl == 0 && osz == 4 && !(c->efer & EFER_LMA))
		cpu_raise_gp0(c, "IRET to virtual-8086 mode is not modelled by vtsim (SDM Vol. 3A, 20.2)");
	uint64_t d = check_return_cs(c, sel);
	unsigned rpl = sel & 3;
	bool to64 = (c->efer & EFER_LMA) && desc_l(d);
	if (!to64)
		off &= size_mask(osz);
	check_offset(c, d, off);
	/* 64-bit mode always pops SS:RSP; elsewhere only on a ring change. */
	bool pop_stack = c->long64 || rpl != c->cpl;
	uint64_t newflags = iret_flags(c, old, fl, osz, c->cpl);
	if (!pop_stack) {
		sp_put(c, sp_get(c) + 3 * osz);
		far_load_cs(c, sel, d, rpl);
		cpu_set_rflags(c, newflags);
		c->next_rip = off;
		return;
	}
	uint64_t nsp, ssd;
	uint16_t nss;
	return_outer_stack(c, 3 * osz, osz, rpl, to64, &nsp, &nss, &ssd);
	bool outer = rpl != c->cpl;
	far_load_cs(c, sel, d, rpl);
	far_load_ss(c, nss, ssd, rpl);
	cpu_update_mode(c);
	if (c->long64 || osz == 8)
		c->gpr[RSP] = nsp;
	else
		sp_put(c, nsp);
	cpu_set_rflags(c, newflags);
	if (outer)
		drop_inaccessible_segments(c);
	c->next_rip = off;
}

/* IRET, and an EV_IRET for listeners: the end of a handler. */
void op_iret(struct cpu *c, const struct insn *i)
{
	/* IRET unblocks NMIs, even if it then faults (SDM Vol. 3A, 6.7.1);
	 * in VMX non-root operation with "NMI exiting" it leaves the blocking
	 * alone (SDM Vol. 3C, 26.3). */
	if (!(c->vmx.guest && (c->vmx.pin & PIN_NMI_EXITING)))
		c->nmi_blocked = false;
	else if (c->vmx.pin & PIN_VIRTUAL_NMIS)
		c->vmx.vnmi_blocked = false; /* IRET ends virtual-NMI blocking (26.3) */
	iret_do(c, i);
	if (ev_wanted(c->bus, EV_IRET)) {
		struct event e = { .kind = EV_IRET };
		cpu_time_now(c, &e.icount, &e.cycles);
		e.u.iret = (struct ev_iret){ c->rip, c->next_rip, c->cpl };
		ev_emit(c->bus, &e);
	}
}
