/* system.c - HLT, CLI/STI, IN/OUT, INT n, descriptor-table loads, UD2, #UD paths. */
#include <stdio.h>

#include "../ioport.h"
#include "exception.h"
#include "exec.h"
#include "icache.h"

/* Privileged instructions fault with #GP(0) at CPL > 0 (SDM Vol. 3A, 5.9). */
static void need_cpl0(struct cpu *c, const char *why)
{
	if (c->cpl != 0)
		cpu_raise_gp0(c, why);
}

/* HLT: the CPU waits for an interrupt; RIP already points past it. */
void op_hlt(struct cpu *c, const struct insn *i)
{
	need_cpl0(c, "HLT at CPL > 0 (SDM Vol. 2A, HLT)");
	if (c->vmx.guest)
		vmx_intercept(c, i, VXC_HLT, 0, 0);
	c->halted = true;
	c->attn |= ATTN_REFETCH; /* back to the run loop, which waits */
}

/*
 * CLI/STI in protected mode need CPL <= IOPL (SDM Vol. 2A, CLI, Table 3-7);
 * the virtual-interrupt variants (CR4.PVI/VME) are not modelled.
 * STI's one-instruction interrupt shadow is in the run loop.
 */
static void need_iopl(struct cpu *c, const char *why)
{
	if ((c->cr0 & CR0_PE) && c->cpl > ((c->rflags >> 12) & 3))
		cpu_raise_gp0(c, why);
}

/*
 * I/O-sensitive instructions (IN, OUT, INS, OUTS) in protected mode: with
 * CPL <= IOPL every port is open; otherwise the I/O permission bit map in
 * the TSS decides — every bit for the ports accessed must be 0, and a map
 * beyond the TSS limit means no access (SDM Vol. 1, 19.5.2 "I/O Permission
 * Bit Map"). Called before the access.
 */
void cpu_io_check(struct cpu *c, uint16_t port, unsigned size)
{
	if (!(c->cr0 & CR0_PE) || c->cpl <= ((c->rflags >> 12) & 3))
		return;
	const struct segment *tr = &c->tr;
	unsigned type = tr->attr & 0xf;
	if ((type != 0x9 && type != 0xb) || tr->limit < 0x67) {
		snprintf(c->why, sizeof c->why, "port 0x%x with CPL > IOPL and no 32/64-bit TSS to hold an I/O bit map (SDM Vol. 1, 19.5.2)", port);
		cpu_raise_gp0(c, c->why);
	}
	uint32_t base = (uint32_t)sys_read(c, tr->base + 0x66, 2);
	/* The processor always reads two bytes of the map, so the byte after
	 * the port's byte must be within the TSS limit too (the reason for the
	 * map's trailing FFH byte; SDM Vol. 1, 19.5.2). */
	uint32_t first = base + port / 8;
	if (first + 1 > tr->limit) {
		snprintf(c->why, sizeof c->why,
			 "port 0x%x with CPL > IOPL: the two bytes of the I/O permission bit map read for it end beyond the TSS limit (SDM Vol. 1, 19.5.2)",
			 port);
		cpu_raise_gp0(c, c->why);
	}
	uint32_t bits = (uint32_t)sys_read(c, tr->base + first, 2);
	uint32_t mask = ((1u << size) - 1) << (port & 7);
	if (bits & mask) {
		snprintf(c->why, sizeof c->why, "port 0x%x with CPL > IOPL and its I/O permission bit set (SDM Vol. 1, 19.5.2)", port);
		cpu_raise_gp0(c, c->why);
	}
}

void op_cli(struct cpu *c, const struct insn *i)
{
	(void)i;
	need_iopl(c, "CLI with CPL > IOPL (SDM Vol. 2A, CLI)");
	c->rflags &= ~(uint64_t)FL_IF;
}

void op_sti(struct cpu *c, const struct insn *i)
{
	(void)i;
	need_iopl(c, "STI with CPL > IOPL (SDM Vol. 2B, STI)");
	/* Setting IF delays interrupts by one instruction (Vol. 2B, STI). */
	if (!(c->rflags & FL_IF)) {
		c->int_shadow = c->shadow_set = true;
		c->mov_ss_shadow = false;
		c->attn |= ATTN_REFETCH; /* the run loop runs the next instruction alone */
	}
	c->rflags |= FL_IF;
}

void cpu_io_event(struct cpu *c, uint16_t port, unsigned size, bool write, uint32_t v)
{
	if (!ev_wanted(c->bus, EV_IO))
		return;
	struct event e = { .kind = EV_IO };
	cpu_time_now(c, &e.icount, &e.cycles);
	e.u.io = (struct ev_io){ port, (uint8_t)size, write, v };
	ev_emit(c->bus, &e);
}

/* IN/OUT: port from imm8 or DX. The IOPL and I/O-bitmap checks arrive
 * with the TSS (SDM Vol. 1, 19.5); until then they need CPL <= IOPL. */
void op_in(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[0].size;
	uint16_t port = i->op[1].kind == OPK_IMM ? (uint16_t)(i->imm & 0xff) : (uint16_t)c->gpr[RDX];
	cpu_io_check(c, port, size);
	if (c->vmx.guest)
		vmx_intercept_io(c, i, port, size, true, false, false);
	uint32_t v = pio_in(c->pio, port, size);
	cpu_io_event(c, port, size, false, v);
	reg_put(c, RAX, size, v);
}

void op_out(struct cpu *c, const struct insn *i)
{
	unsigned size = i->op[1].size;
	uint16_t port = i->op[0].kind == OPK_IMM ? (uint16_t)(i->imm & 0xff) : (uint16_t)c->gpr[RDX];
	cpu_io_check(c, port, size);
	if (c->vmx.guest)
		vmx_intercept_io(c, i, port, size, false, false, false);
	uint32_t v = (uint32_t)reg_get(c, RAX, size);
	cpu_io_event(c, port, size, true, v);
	pio_out(c->pio, port, size, v);
}

/* INT n (sub 0), INT3 (sub 1), INTO (sub 2): software interrupts. */
void op_int(struct cpu *c, const struct insn *i)
{
	switch (i->sub) {
	case 0: exc_soft_int(c, i, (uint8_t)i->imm);
	case 1: exc_soft_int(c, i, EXC_BP);
	default:
		if (cpu_cond(c, 0))
			exc_soft_int(c, i, EXC_OF);
	}
}

/* LGDT/LIDT m16&32 (m16&64 in 64-bit mode): limit, then base; with a
 * 16-bit operand size only 24 bits of base are loaded (SDM Vol. 2A, LGDT). */
/* VM-exit instruction information for LGDT/LIDT/SGDT/SIDT (SDM Vol. 3C,
 * 28.2.5, Table 28-15): operand size in bit 11, identity in 29:28. */
static uint32_t desc_table_info(struct cpu *c, const struct insn *i, unsigned identity)
{
	return (vmx_insn_info_mem(c, i, 0) & 0x0fffffffu) | (i->osz == 2 ? 0 : 1u << 11) |
	       ((uint32_t)identity << 28);
}

/* PAUSE: a NOP, except that it can exit in VMX non-root operation. */
void op_pause(struct cpu *c, const struct insn *i)
{
	if (c->vmx.guest) {
		vmx_intercept(c, i, VXC_PAUSE, 0, 0);
		if ((c->vmx.proc2 & SEC_PAUSE_LOOP_EXITING) && c->cpl == 0)
			vmx_pause_loop(c, i);
	}
}

void op_lgdt(struct cpu *c, const struct insn *i)
{
	need_cpl0(c, "LGDT/LIDT at CPL > 0 (SDM Vol. 2A, LGDT/LIDT)");
	if (c->vmx.guest)
		vmx_intercept(c, i, i->sub ? VXC_LIDT : VXC_LGDT, (uint64_t)i->disp, desc_table_info(c, i, i->sub ? 3 : 2));
	uint64_t ea = ea_of(c, i);
	uint16_t limit = (uint16_t)mem_read(c, i->seg, ea, 2);
	uint64_t base = c->long64 ? mem_read(c, i->seg, (ea + 2) & size_mask(i->asz), 8)
				  : mem_read(c, i->seg, (ea + 2) & size_mask(i->asz), 4);
	if (!c->long64 && i->osz == 2)
		base &= 0xffffff;
	if (c->long64 && !is_canonical_c(c, base))
		cpu_raise_gp0(c, "LGDT/LIDT with a non-canonical base (SDM Vol. 2A, LGDT/LIDT)");
	struct descriptor_table *t = i->sub ? &c->idtr : &c->gdtr;
	t->base = base;
	t->limit = limit;
}

void op_sgdt(struct cpu *c, const struct insn *i)
{
	cpu_umip_check(c, i->sub ? "SIDT" : "SGDT");
	if (c->vmx.guest)
		vmx_intercept(c, i, i->sub ? VXC_SIDT : VXC_SGDT, (uint64_t)i->disp, desc_table_info(c, i, i->sub ? 1 : 0));
	const struct descriptor_table *t = i->sub ? &c->idtr : &c->gdtr;
	uint64_t ea = ea_of(c, i);
	unsigned bsize = c->long64 ? 8 : 4;
	/* Check both parts before writing either. */
	seg_linear(c, i->seg, ea, 2 + bsize);
	mem_write(c, i->seg, ea, 2, t->limit);
	mem_write(c, i->seg, (ea + 2) & size_mask(i->asz), bsize, t->base);
}

void op_ud2(struct cpu *c, const struct insn *i)
{
	(void)i;
	cpu_raise_ud(c, "UD2: the architecturally undefined instruction (SDM Vol. 2B, UD)");
}

void op_invalid(struct cpu *c, const struct insn *i)
{
	(void)i;
	cpu_raise_ud(c, "invalid opcode for the current mode (SDM Vol. 2, Appendix A opcode maps)");
}

void op_unimplemented(struct cpu *c, const struct insn *i)
{
	(void)i;
	cpu_raise_ud(c, "instruction not implemented by vtsim (yet): vtsim raises #UD rather than guess");
}

/* STAC/CLAC set and clear RFLAGS.AC for SMAP; #UD at CPL > 0 (SDM Vol.
 * 2B, STAC/CLAC: protected-mode exceptions). */
void op_stac_clac(struct cpu *c, const struct insn *i)
{
	if (c->cpl > 0)
		cpu_raise_ud(c, "STAC/CLAC at CPL > 0 (SDM Vol. 2B, STAC)");
	flags_materialize(c);
	if (i->sub)
		c->rflags |= FL_AC;
	else
		c->rflags &= ~(uint64_t)FL_AC;
}

/* Instructions of features CPUID reports absent are #UD, as the SDM says
 * for each of them (MONITOR/MWAIT: CPUID.01H:ECX.MONITOR = 0; XSETBV:
 * CR4.OSXSAVE = 0; GETSEC: CR4.SMXE = 0; x87, MMX and SSE: no such units). */
void op_absent(struct cpu *c, const struct insn *i)
{
	(void)i;
	cpu_raise_ud(c, "the instruction's feature is absent: CPUID does not report it, so it is #UD (SDM Vol. 2A, CPUID)");
}

/*
 * x87 and MMX: CR0.EM = 1 or CR0.TS = 1 make them #NM (MMX: EM = 1 is #UD) — the
 * architecture's way for an OS to emulate or lazily switch the FPU (SDM
 * Vol. 3A, 2.5, Table 2-2); MMX with EM = 1 is #UD. Otherwise they would
 * execute, but vtsim has no FPU (CPUID.01H:EDX.FPU = 0): #UD, said plainly.
 */
/* WAIT/FWAIT: #NM only when CR0.MP = 1 and CR0.TS = 1 (SDM Vol. 3A, 2.5,
 * Table 2-2); otherwise it waits for pending x87 exceptions, of which vtsim
 * (with no FPU) has none. */
void op_fwait(struct cpu *c, const struct insn *i)
{
	(void)i;
	if ((c->cr0 & CR0_MP) && (c->cr0 & CR0_TS))
		cpu_raise(c, EXC_NM, 0, false, "WAIT with CR0.MP=1 and CR0.TS=1 (SDM Vol. 3A, 2.5, Table 2-2)");
}

void op_x87_mmx(struct cpu *c, const struct insn *i)
{
	if (i->sub && (c->cr0 & CR0_EM))
		cpu_raise_ud(c, "MMX instruction with CR0.EM=1 (SDM Vol. 3A, 2.5, Table 2-2)");
	if (c->cr0 & (CR0_EM | CR0_TS))
		cpu_raise(c, EXC_NM, 0, false, "x87/MMX instruction with CR0.EM=1 or CR0.TS=1 (SDM Vol. 3A, 2.5, Table 2-2)");
	cpu_raise_ud(c, "x87/MMX instruction: vtsim has no FPU (CPUID.01H:EDX.FPU=0) and does not execute them");
}
