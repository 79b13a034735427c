/* string.c - string instructions: MOVS CMPS STOS LODS SCAS INS OUTS and their REP prefixes. */
#include "exec.h"

/*
 * A string instruction works on one element (i->osz bytes: 1, 2, 4 or 8)
 * per iteration (SDM Vol. 1, 7.3.9 "String Operations"; Vol. 2A, CMPS,
 * INS, LODS; Vol. 2B, MOVS, OUTS, SCAS, STOS):
 *
 *   source       seg:rSI   seg = DS unless a segment prefix overrides it
 *   destination  ES:rDI    never overridden
 *   count        rCX       with a REP prefix
 *
 * The address size (i->asz) picks SI/ESI/RSI, DI/EDI/RDI and CX/ECX/RCX:
 * offsets wrap at that width, and the updated registers are written at
 * that width like any register write (16 bits merge; 32 bits zero-extend
 * to 64, so a 67h-prefixed string instruction in 64-bit mode clears the
 * upper halves of RSI, RDI and RCX). After each element rSI and rDI move
 * by the element size: up when RFLAGS.DF = 0, down when DF = 1.
 *
 * Repetition (SDM Vol. 2B, REP/REPE/REPZ/REPNE/REPNZ): with rCX = 0
 * nothing happens. Otherwise each iteration processes one element and
 * decrements rCX; the loop ends when rCX reaches 0, and for CMPS and SCAS
 * also when ZF = 0 (REPE, F3) or ZF = 1 (REPNE, F2). For the other string
 * instructions the SDM defines only F3; vtsim treats F2 there as F3.
 *
 * A fault in iteration k leaves rSI, rDI and rCX as the k-1 completed
 * iterations left them and RIP at the instruction, so the instruction
 * restarts where it stopped (SDM Vol. 2B, REP: a repeated string
 * operation can be suspended by an exception or interrupt between
 * iterations and resumes from the register state). The handler runs all
 * iterations itself; a stop requested by a front end or a device
 * suspends it the same way, and it resumes on the next run. Such a
 * suspension counts as one retired instruction in the icount.
 *
 * Cost: the decode table charges one iteration; each further completed
 * iteration adds one cycle here (a placeholder estimate until the cost
 * model arrives, not a measured figure).
 */

/* One element at source offset si and destination offset di; returns
 * ZF for the compares (and false for the others). */
typedef bool elem_fn(struct cpu *c, const struct insn *i, uint64_t si, uint64_t di);

struct str_kind {
	elem_fn *elem;   /* the work of one iteration */
	bool uses_si;    /* rSI advances */
	bool uses_di;    /* rDI advances */
	bool compare;    /* REPE/REPNE also stop on ZF */
};

static uint16_t port_of(const struct cpu *c)
{
	return (uint16_t)c->gpr[RDX];
}

static bool movs_elem(struct cpu *c, const struct insn *i, uint64_t si, uint64_t di)
{
	uint64_t v = mem_read(c, i->seg, si, i->osz);
	mem_write(c, SEG_ES, di, i->osz, v);
	return false;
}

/* CMPS compares source with destination: the flags are those of
 * CMP [seg:rSI], [ES:rDI], i.e. of source - destination. */
static bool cmps_elem(struct cpu *c, const struct insn *i, uint64_t si, uint64_t di)
{
	uint64_t a = mem_read(c, i->seg, si, i->osz);
	uint64_t b = mem_read(c, SEG_ES, di, i->osz);
	lf_set(c, LF_SUB, i->osz, a - b, a, b);
	return a == b;
}

static bool stos_elem(struct cpu *c, const struct insn *i, uint64_t si, uint64_t di)
{
	(void)si;
	mem_write(c, SEG_ES, di, i->osz, reg_get(c, RAX, i->osz));
	return false;
}

static bool lods_elem(struct cpu *c, const struct insn *i, uint64_t si, uint64_t di)
{
	(void)di;
	reg_put(c, RAX, i->osz, mem_read(c, i->seg, si, i->osz));
	return false;
}

/* SCAS: the flags of CMP rAX, [ES:rDI]. */
static bool scas_elem(struct cpu *c, const struct insn *i, uint64_t si, uint64_t di)
{
	(void)si;
	uint64_t a = reg_get(c, RAX, i->osz);
	uint64_t b = mem_read(c, SEG_ES, di, i->osz);
	lf_set(c, LF_SUB, i->osz, a - b, a, b);
	return a == b;
}

/*
 * INS: port DX -> ES:rDI. The destination is checked for writing (the
 * read half of a read-modify-write) before the port is read, so a
 * faulting iteration does not consume device input and the restart
 * reads it again. I/O permission (CPL <= IOPL, or the TSS I/O permission
 * bit map) is checked once, in op_ins, before the first element.
 */
static bool ins_elem(struct cpu *c, const struct insn *i, uint64_t si, uint64_t di)
{
	(void)si;
	uint64_t la = seg_linear(c, SEG_ES, di, i->osz);
	(void)lin_read(c, la, i->osz, ACC_WRITE);
	uint32_t v = pio_in(c->pio, port_of(c), i->osz);
	cpu_io_event(c, port_of(c), i->osz, false, v);
	lin_write(c, la, i->osz, v);
	return false;
}

/* OUTS: seg:rSI -> port DX (I/O permission checked in op_outs). */
static bool outs_elem(struct cpu *c, const struct insn *i, uint64_t si, uint64_t di)
{
	(void)di;
	uint64_t v = mem_read(c, i->seg, si, i->osz);
	cpu_io_event(c, port_of(c), i->osz, true, (uint32_t)v);
	pio_out(c->pio, port_of(c), i->osz, (uint32_t)v);
	return false;
}

enum { STR_MOVS, STR_CMPS, STR_STOS, STR_LODS, STR_SCAS, STR_INS, STR_OUTS };

static const struct str_kind str_kinds[] = {
	[STR_MOVS] = { movs_elem, true, true, false },
	[STR_CMPS] = { cmps_elem, true, true, true },
	[STR_STOS] = { stos_elem, false, true, false },
	[STR_LODS] = { lods_elem, true, false, false },
	[STR_SCAS] = { scas_elem, false, true, true },
	[STR_INS] = { ins_elem, false, true, false },
	[STR_OUTS] = { outs_elem, true, false, false },
};

/* One iteration: the element, then rSI/rDI advance by step (two's
 * complement for DF = 1), at the address size. Registers change only
 * after the element's memory accesses succeeded. */
static bool str_iteration(struct cpu *c, const struct insn *i, const struct str_kind *k,
			  uint64_t step)
{
	uint64_t am = size_mask(i->asz);
	uint64_t si = c->gpr[RSI] & am, di = c->gpr[RDI] & am;
	bool zf = k->elem(c, i, si, di);
	if (k->uses_si)
		reg_put(c, RSI, i->asz, si + step);
	if (k->uses_di)
		reg_put(c, RDI, i->asz, di + step);
	return zf;
}

static void str_run(struct cpu *c, const struct insn *i, int kind)
{
	const struct str_kind *k = &str_kinds[kind];
	uint64_t step = cpu_df(c) ? 0 - (uint64_t)i->osz : i->osz;

	if (!(i->flags & (IF_REP | IF_REPNE))) {
		str_iteration(c, i, k, step);
		return;
	}
	/* REPNE (F2) stops a compare on ZF = 1, REPE (F3) on ZF = 0; the
	 * decoder reports only the effective (last) of the two prefixes. */
	bool stop_zf = (i->flags & IF_REPNE) != 0;
	uint64_t n = c->gpr[RCX] & size_mask(i->asz);
	for (uint64_t done = 0; n != 0;) {
		bool zf = str_iteration(c, i, k, step);
		reg_put(c, RCX, i->asz, --n);
		if (done++ > 0)
			c->cycles += c->cost_string_iter; /* each iteration after the first */
		if (k->compare && zf == stop_zf)
			break;
		if (n != 0 && (c->attn & ATTN_STOP)) {
			c->next_rip = c->rip; /* suspend: resume at this instruction */
			break;
		}
	}
}

void op_movs(struct cpu *c, const struct insn *i)
{
	str_run(c, i, STR_MOVS);
}

void op_cmps(struct cpu *c, const struct insn *i)
{
	str_run(c, i, STR_CMPS);
}

void op_stos(struct cpu *c, const struct insn *i)
{
	str_run(c, i, STR_STOS);
}

void op_lods(struct cpu *c, const struct insn *i)
{
	str_run(c, i, STR_LODS);
}

void op_scas(struct cpu *c, const struct insn *i)
{
	str_run(c, i, STR_SCAS);
}

void op_ins(struct cpu *c, const struct insn *i)
{
	cpu_io_check(c, (uint16_t)c->gpr[RDX], i->osz);
	if (c->vmx.guest)
		vmx_intercept_io(c, i, (uint16_t)c->gpr[RDX], i->osz, true, true, (i->flags & (IF_REP | IF_REPNE)) != 0);
	str_run(c, i, STR_INS);
}

void op_outs(struct cpu *c, const struct insn *i)
{
	cpu_io_check(c, (uint16_t)c->gpr[RDX], i->osz);
	if (c->vmx.guest)
		vmx_intercept_io(c, i, (uint16_t)c->gpr[RDX], i->osz, false, true, (i->flags & (IF_REP | IF_REPNE)) != 0);
	str_run(c, i, STR_OUTS);
}
