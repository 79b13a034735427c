/* syscall.c - SYSENTER/SYSEXIT, SYSCALL/SYSRET, SWAPGS: the fast system-call instructions. */
#include "exec.h"
#include "far.h"

/*
 * These instructions load CS and SS with fixed flat descriptors computed
 * from an MSR, without reading the GDT (SDM Vol. 2B, SYSENTER/SYSCALL
 * "Operation"): the operating system must have put matching descriptors
 * there. vtsim sets the caches exactly as the pseudocode says.
 */
static void flat_cs(struct cpu *c, uint16_t sel, unsigned dpl, bool l64)
{
	/* Base 0, limit 4G, accessed execute/read code, S=1, P=1; L or D. */
	uint16_t attr = (uint16_t)(0xb | SEGA_S | (dpl << 5) | SEGA_P | SEGA_G | (l64 ? SEGA_L : SEGA_DB));
	c->seg[SEG_CS] = (struct segment){ sel, 0, 0xffffffffu, attr };
}

static void flat_ss(struct cpu *c, uint16_t sel, unsigned dpl)
{
	/* Base 0, limit 4G, accessed read/write data, B=1. */
	uint16_t attr = (uint16_t)(0x3 | SEGA_S | (dpl << 5) | SEGA_P | SEGA_G | SEGA_DB);
	c->seg[SEG_SS] = (struct segment){ sel, 0, 0xffffffffu, attr };
}

/* SYSENTER: to CPL 0 at IA32_SYSENTER_CS:EIP with SS = CS + 8; 64-bit code
 * in IA-32e mode. #GP(0) in real mode or with a null SYSENTER_CS. */
void op_sysenter(struct cpu *c, const struct insn *i)
{
	(void)i;
	if (!(c->cr0 & CR0_PE))
		cpu_raise_gp0(c, "SYSENTER in real-address mode (SDM Vol. 2B, SYSENTER)");
	uint16_t cs = (uint16_t)c->sysenter_cs;
	if ((cs & 0xfffc) == 0)
		cpu_raise_gp0(c, "SYSENTER with IA32_SYSENTER_CS[15:2] = 0 (SDM Vol. 2B, SYSENTER)");
	bool lma = c->efer & EFER_LMA;
	flags_materialize(c);
	c->rflags &= ~(uint64_t)(FL_VM | FL_IF | FL_RF);
	flat_cs(c, cs & 0xfffc, 0, lma);
	flat_ss(c, (uint16_t)((cs & 0xfffc) + 8), 0);
	cpu_update_mode(c);
	c->gpr[RSP] = lma ? c->sysenter_esp : (uint32_t)c->sysenter_esp;
	c->next_rip = lma ? c->sysenter_eip : (uint32_t)c->sysenter_eip;
}

/* SYSEXIT: back to CPL 3 at RDX/EDX with RSP from RCX/ECX; CS = SYSENTER_CS
 * + 16 (32-bit) or + 32 (REX.W, 64-bit), SS = CS + 8. */
void op_sysexit(struct cpu *c, const struct insn *i)
{
	uint16_t base = (uint16_t)c->sysenter_cs;
	if (!(c->cr0 & CR0_PE) || (base & 0xfffc) == 0 || c->cpl != 0)
		cpu_raise_gp0(c, "SYSEXIT needs protected mode, CPL 0 and a nonzero IA32_SYSENTER_CS (SDM Vol. 2B, SYSEXIT)");
	bool to64 = i->osz == 8;
	if (to64 && !(is_canonical_c(c, c->gpr[RDX]) && is_canonical_c(c, c->gpr[RCX])))
		cpu_raise_gp0(c, "SYSEXIT to a non-canonical RIP or RSP (SDM Vol. 2B, SYSEXIT)");
	uint16_t cs = (uint16_t)(((base & 0xfffc) + (to64 ? 32 : 16)) | 3);
	flat_cs(c, cs, 3, to64);
	flat_ss(c, (uint16_t)(cs + 8), 3);
	cpu_update_mode(c);
	c->gpr[RSP] = to64 ? c->gpr[RCX] : (uint32_t)c->gpr[RCX];
	c->next_rip = to64 ? c->gpr[RDX] : (uint32_t)c->gpr[RDX];
}

/* SYSCALL (64-bit mode, EFER.SCE = 1): RCX <- RIP, R11 <- RFLAGS, RFLAGS
 * &= ~IA32_FMASK, CS = STAR[47:32], SS = STAR[47:32] + 8, RIP = LSTAR. */
void op_syscall(struct cpu *c, const struct insn *i)
{
	(void)i;
	if (!(c->efer & EFER_SCE) || !c->long64)
		cpu_raise_ud(c, "SYSCALL outside 64-bit mode or with IA32_EFER.SCE=0 (SDM Vol. 2B, SYSCALL)");
	uint16_t star = (uint16_t)(c->star >> 32);
	uint16_t sel = star & 0xfffc; /* CS gets RPL 0; SS is STAR[47:32] + 8 as is */
	c->gpr[RCX] = c->next_rip;
	c->gpr[R11] = cpu_get_rflags(c);
	cpu_set_rflags(c, c->gpr[R11] & ~(c->fmask | FL_RF));
	flat_cs(c, sel, 0, true);
	flat_ss(c, (uint16_t)(star + 8), 0);
	cpu_update_mode(c);
	c->next_rip = c->lstar;
}

/* SYSRET (CPL 0, 64-bit mode): to CPL 3 at RCX (REX.W: 64-bit code,
 * CS = STAR[63:48] + 16) or ECX (compatibility mode, CS = STAR[63:48]);
 * SS = STAR[63:48] + 8; RFLAGS from R11. A non-canonical RCX is #GP(0)
 * at CPL 0 (SDM Vol. 2B, SYSRET). */
void op_sysret(struct cpu *c, const struct insn *i)
{
	if (!(c->efer & EFER_SCE) || !c->long64)
		cpu_raise_ud(c, "SYSRET outside 64-bit mode or with IA32_EFER.SCE=0 (SDM Vol. 2B, SYSRET)");
	if (c->cpl != 0)
		cpu_raise_gp0(c, "SYSRET at CPL > 0 (SDM Vol. 2B, SYSRET)");
	bool to64 = i->osz == 8;
	if (to64 && !is_canonical_c(c, c->gpr[RCX]))
		cpu_raise_gp0(c, "SYSRET to a non-canonical RCX (SDM Vol. 2B, SYSRET)");
	uint16_t base = (uint16_t)(c->star >> 48);
	uint16_t cs = (uint16_t)((to64 ? base + 16 : base) | 3);
	cpu_set_rflags(c, (c->gpr[R11] & 0x3c7fd7ull) | FL_FIXED1);
	flat_cs(c, cs, 3, to64);
	flat_ss(c, (uint16_t)((base + 8) | 3), 3);
	cpu_update_mode(c);
	c->next_rip = to64 ? c->gpr[RCX] : (uint32_t)c->gpr[RCX];
}

/* SWAPGS: exchange GS.base with IA32_KERNEL_GS_BASE (64-bit mode, CPL 0). */
void op_swapgs(struct cpu *c, const struct insn *i)
{
	(void)i;
	if (!c->long64)
		cpu_raise_ud(c, "SWAPGS outside 64-bit mode (SDM Vol. 2B, SWAPGS)");
	if (c->cpl != 0)
		cpu_raise_gp0(c, "SWAPGS at CPL > 0 (SDM Vol. 2B, SWAPGS)");
	uint64_t t = c->seg[SEG_GS].base;
	c->seg[SEG_GS].base = c->kernel_gs_base;
	c->kernel_gs_base = t;
}
