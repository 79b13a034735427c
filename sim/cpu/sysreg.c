/* sysreg.c - MOV CR/DR, CLTS, LMSW/SMSW, INVLPG, WBINVD/INVD, RDTSC(P), RDMSR/WRMSR, RDPMC. */
#include <stdio.h>

#include "exec.h"
#include "icache.h"

/* CR0 bits vtsim implements; the rest are reserved (SDM Vol. 3A, 2.5). ET is
 * fixed at 1 (P6 family and later). */
#define CR0_WRITABLE (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_NE | CR0_WP | CR0_AM | \
		      CR0_NW | CR0_CD | CR0_PG)
/* CR4 bits vtsim implements, as CPUID reports them: TSD(2) DE(3) PSE(4) PAE(5)
 * PGE(7) PCE(8) UMIP(11) LA57(12) VMXE(13) PCIDE(17) SMEP(20) SMAP(21). */
#define CR4_TSD (1ull << 2)
#define CR4_DE (1ull << 3)
#define CR4_PCE (1ull << 8)
#define CR4_UMIP (1ull << 11)
#define CR4_VMXE (1ull << 13)
#define CR4_PCIDE (1ull << 17)
#define CR4_IMPLEMENTED ((1ull << 2) | (1ull << 3) | CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCE | \
			 CR4_UMIP | CR4_LA57 | CR4_VMXE | CR4_PCIDE | CR4_SMEP | CR4_SMAP)

static void need_cpl0(struct cpu *c, const char *why)
{
	if (c->cpl != 0)
		cpu_raise_gp0(c, why);
}

/*
 * Load the four PAE PDPTE registers from CR3 (SDM Vol. 3A, 4.4.1): a
 * present entry with a reserved bit set makes the loading instruction
 * fault with #GP(0) and change nothing.
 */
static const char *load_pdptes(struct cpu *c, uint64_t cr3, uint64_t out[4])
{
	for (int i = 0; i < 4; i++) {
		uint64_t e = phys_read(c->pm, (cr3 & 0xffffffe0u) + 8u * (unsigned)i, 8);
		uint64_t rsvd = 0x1e6ull | (~((1ull << VT_MAXPHYADDR) - 1));
		if ((e & 1) && (e & rsvd))
			return "PAE PDPTE with a reserved bit set (SDM Vol. 3A, 4.4.1 \"PDPTE Registers\")";
		out[i] = e;
	}
	return NULL;
}

const char *cpu_load_pdptes(struct cpu *c, uint64_t cr3)
{
	uint64_t pd[4];
	const char *why = load_pdptes(c, cr3, pd);
	if (!why)
		for (int k = 0; k < 4; k++)
			c->pdpte[k] = pd[k];
	return why;
}

static bool pae_paging(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
	return (cr0 & CR0_PG) && (cr4 & CR4_PAE) && !(efer & EFER_LMA);
}

/*
 * MOV to CR0 (SDM Vol. 2A, MOV—Move to/from Control Registers; Vol. 3A,
 * 2.5 and 10.8.5): reserved bits, PG without PE, NW without CD, PG with
 * LME but not PAE, and clearing PG in 64-bit mode are #GP(0). Setting PG
 * with EFER.LME = 1 activates IA-32e mode (LMA = 1); clearing it leaves.
 */
const char *cpu_write_cr0(struct cpu *c, uint64_t v)
{
	if (v & ~(uint64_t)(CR0_WRITABLE | CR0_ET))
		return "MOV to CR0 sets a reserved bit (SDM Vol. 3A, 2.5)";
	v |= CR0_ET;
	/* In VMX operation CR0 must keep the bits IA32_VMX_CR0_FIXED0/1 fix
	 * (SDM Vol. 3C, 24.8 "Restrictions on VMX Operation"). */
	uint64_t f0 = 0, f1 = ~0ull;
	if (c->vmx.on) {
		vmx_cap_msr(IA32_VMX_CR0_FIXED0, &f0);
		vmx_cap_msr(IA32_VMX_CR0_FIXED1, &f1);
		/* An unrestricted guest may clear PE and PG (SDM Vol. 3C, 26.3). */
		if (c->vmx.guest && (c->vmx.proc2 & SEC_UNRESTRICTED_GUEST))
			f0 &= ~(CR0_PE | CR0_PG);
	}
	if ((v & f0) != f0 || (v & ~f1 & 0xffffffffull))
		return "MOV to CR0 in VMX operation would change a bit fixed by IA32_VMX_CR0_FIXED0/FIXED1 (PE, NE, PG must stay 1) (SDM Vol. 3C, 24.8)";
	if ((v & CR0_PG) && !(v & CR0_PE))
		return "MOV to CR0 with PG=1 and PE=0 (SDM Vol. 2A, MOV CR)";
	if ((v & CR0_NW) && !(v & CR0_CD))
		return "MOV to CR0 with NW=1 and CD=0 (SDM Vol. 2A, MOV CR)";
	uint64_t efer = c->efer;
	if ((v & CR0_PG) && !(c->cr0 & CR0_PG) && (efer & EFER_LME)) {
		if (!(c->cr4 & CR4_PAE))
			return "enabling paging with EFER.LME=1 and CR4.PAE=0 (SDM Vol. 3A, 10.8.5)";
		if (c->seg[SEG_CS].attr & SEGA_L)
			return "enabling IA-32e mode with CS.L=1 (SDM Vol. 3A, 10.8.5)";
		efer |= EFER_LMA;
	}
	if (!(v & CR0_PG) && (c->cr0 & CR0_PG) && (efer & EFER_LMA)) {
		if (c->long64)
			return "clearing CR0.PG in 64-bit mode (SDM Vol. 2A, MOV CR)";
		efer &= ~EFER_LMA;
	}
	uint64_t pd[4];
	bool reload = pae_paging(v, c->cr4, efer) &&
		      ((v ^ c->cr0) & (CR0_PG | CR0_CD | CR0_NW));
	if (reload) {
		const char *why = load_pdptes(c, c->cr3, pd);
		if (why)
			return why;
		for (int i = 0; i < 4; i++)
			c->pdpte[i] = pd[i];
	}
	uint64_t changed = v ^ c->cr0;
	c->cr0 = v;
	c->efer = efer;
	if (changed & (CR0_PG | CR0_WP | CR0_PE))
		cpu_flush_tlb(c);
	cpu_update_mode(c);
	return NULL;
}

/*
 * MOV to CR3: in IA-32e mode bits 63:MAXPHYADDR are reserved (bit 63 is
 * the no-flush hint when CR4.PCIDE = 1, not stored). Non-global
 * translations are invalidated (SDM Vol. 3A, 4.10.4.1).
 */
const char *cpu_write_cr3(struct cpu *c, uint64_t v)
{
	bool pcide = c->cr4 & CR4_PCIDE;
	bool keep = pcide && (v >> 63); /* the no-flush hint (SDM Vol. 3A, 4.10.4.1) */
	if (c->efer & EFER_LMA) {
		uint64_t addr = pcide ? v & ~(1ull << 63) : v;
		if (addr >> VT_MAXPHYADDR)
			return "MOV to CR3 sets bits above MAXPHYADDR (SDM Vol. 2A, MOV CR)";
		v = addr;
	} else {
		v &= 0xffffffffull;
	}
	if (pae_paging(c->cr0, c->cr4, c->efer)) {
		uint64_t pd[4];
		const char *why = load_pdptes(c, v, pd);
		if (why)
			return why;
		for (int i = 0; i < 4; i++)
			c->pdpte[i] = pd[i];
	}
	c->cr3 = v;
	/* MOV to CR3 invalidates the non-global entries of the new PCID (all
	 * PCIDs when CR4.PCIDE = 0), unless bit 63 asked it not to. */
	c->cycles += c->cost_cr3_write + (keep ? 0 : c->cost_tlb_flush);
	if (keep)
		cpu_tlb_invalidate(c, TLBI_NONE, 0, 0);
	else if (pcide)
		cpu_tlb_invalidate(c, TLBI_PCID, 0, cpu_pcid(c));
	else
		cpu_tlb_invalidate(c, TLBI_NONGLOBAL, 0, 0);
	return NULL;
}

/*
 * MOV to CR4: bits vtsim does not implement are reserved; PAE may not be
 * cleared and LA57 not changed in IA-32e mode; PCIDE needs IA-32e mode and
 * CR3[11:0] = 0 (SDM Vol. 2A, MOV CR; Vol. 3A, 4.10.1).
 */
const char *cpu_write_cr4(struct cpu *c, uint64_t v)
{
	if (v & ~(uint64_t)CR4_IMPLEMENTED)
		return "MOV to CR4 sets a bit vtsim does not implement (reserved; CPUID says which exist) (SDM Vol. 3A, 2.5)";
	uint64_t changed = v ^ c->cr4;
	if (c->vmx.on && !(v & CR4_VMXE))
		return "MOV to CR4 clearing CR4.VMXE in VMX operation (SDM Vol. 3C, 24.8)";
	if (c->efer & EFER_LMA) {
		if (!(v & CR4_PAE))
			return "clearing CR4.PAE in IA-32e mode (SDM Vol. 2A, MOV CR)";
		if (changed & CR4_LA57)
			return "changing CR4.LA57 in IA-32e mode (SDM Vol. 2A, MOV CR)";
	}
	if ((v & CR4_PCIDE) && !(c->cr4 & CR4_PCIDE)) {
		if (!(c->efer & EFER_LMA))
			return "setting CR4.PCIDE outside IA-32e mode (SDM Vol. 2A, MOV CR)";
		if (c->cr3 & 0xfff)
			return "setting CR4.PCIDE with CR3[11:0] != 0 (SDM Vol. 2A, MOV CR)";
	}
	if (pae_paging(c->cr0, v, c->efer) &&
	    (changed & (CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP))) {
		uint64_t pd[4];
		const char *why = load_pdptes(c, c->cr3, pd);
		if (why)
			return why;
		for (int i = 0; i < 4; i++)
			c->pdpte[i] = pd[i];
	}
	c->cr4 = v;
	if (changed & (CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCIDE | CR4_SMEP | CR4_SMAP | CR4_LA57))
		cpu_flush_tlb(c);
	cpu_update_mode(c);
	return NULL;
}

static uint64_t cr8_get(struct cpu *c)
{
	/* With "use TPR shadow" a guest reads VTPR[7:4] from the virtual-APIC
	 * page (SDM Vol. 3C, 30.3 "Virtualizing CR8-Based TPR Accesses"). */
	if (c->vmx.guest && (c->vmx.proc & CPU_TPR_SHADOW))
		return vmx_vtpr(c) >> 4;
	return c->plat.tpr_get ? c->plat.tpr_get(c->plat.opaque) & 0xf : 0;
}

/* MOV r, CRn and MOV CRn, r: register operands only; operand size 64 in
 * 64-bit mode, else 32. CR8 exists only in 64-bit mode. */
void op_mov_cr(struct cpu *c, const struct insn *i)
{
	bool to_cr = i->op[0].kind == OPK_CR;
	unsigned n = to_cr ? i->op[0].reg : i->op[1].reg;
	unsigned size = c->long64 ? 8 : 4;
	if (n != 0 && n != 2 && n != 3 && n != 4 && !(n == 8 && c->long64))
		cpu_raise_ud(c, "MOV CR with a control register that does not exist (SDM Vol. 2A, MOV CR)");
	need_cpl0(c, "MOV CR at CPL > 0 (SDM Vol. 2A, MOV CR)");
	/* Exit qualification for control-register accesses (SDM Vol. 3C,
	 * Table 28-3): CR number in 3:0, access type in 5:4, the GPR in 11:8. */
	uint64_t qual = n | (to_cr ? 0 : 1u << 4) | ((uint64_t)((to_cr ? i->op[1].reg : i->op[0].reg) & 15) << 8);
	if (!to_cr) {
		if (c->vmx.guest && n == 3)
			vmx_intercept(c, i, VXC_MOV_FROM_CR3, qual, 0);
		if (c->vmx.guest && n == 8)
			vmx_intercept(c, i, VXC_MOV_FROM_CR8, qual, 0);
		uint64_t v = n == 0 ? c->cr0 : n == 2 ? c->cr2 : n == 3 ? c->cr3 : n == 4 ? c->cr4 : cr8_get(c);
		/* A guest reads host-owned CR0/CR4 bits from the read shadow
		 * (SDM Vol. 3C, 26.3 "Changes to Instruction Behavior"). */
		if (c->vmx.guest && (n == 0 || n == 4))
			v = vmx_cr_read_shadowed(c, n, v);
		reg_put(c, i->op[0].reg, size, v);
		return;
	}
	uint64_t v = reg_get(c, i->op[1].reg, size);
	const char *why = NULL;
	if (c->vmx.guest) {
		switch (n) {
		case 0:
			vmx_intercept_cr_write(c, i, 0, v, VXC_MOV_TO_CR0, qual);
			/* No exit: the host-owned bits keep their values (26.3). */
			v = (v & ~c->vmx.cr0_mask) | (c->cr0 & c->vmx.cr0_mask);
			break;
		case 3:
			vmx_intercept_cr3_write(c, i, v, qual);
			break;
		case 4:
			vmx_intercept_cr_write(c, i, 4, v, VXC_MOV_TO_CR4, qual);
			v = (v & ~c->vmx.cr4_mask) | (c->cr4 & c->vmx.cr4_mask);
			break;
		case 8:
			vmx_intercept(c, i, VXC_MOV_TO_CR8, qual, 0);
			break;
		}
	}
	switch (n) {
	case 0: why = cpu_write_cr0(c, v); break;
	case 2: c->cr2 = v; break;
	case 3: why = cpu_write_cr3(c, v); break;
	case 4: why = cpu_write_cr4(c, v); break;
	default:
		if (v >> 4)
			why = "MOV to CR8 sets bits 63:4 (SDM Vol. 2A, MOV CR)";
		else if (c->vmx.guest && (c->vmx.proc & CPU_TPR_SHADOW))
			vmx_set_vtpr(c, (uint8_t)(v << 4));
		else if (c->plat.tpr_set)
			c->plat.tpr_set(c->plat.opaque, (uint8_t)v);
		cpu_poke(c);
		break;
	}
	if (why)
		cpu_raise_gp0(c, why);
	c->attn |= ATTN_REFETCH;
}

/*
 * MOV DR (SDM Vol. 3A, 18.2 "Debug Registers"): DR4/DR5 alias DR6/DR7
 * unless CR4.DE = 1, when they are #UD; the upper 32 bits of DR6/DR7 are
 * reserved in 64-bit mode. Breakpoints are in debug.c.
 */
void op_mov_dr(struct cpu *c, const struct insn *i)
{
	bool to_dr = i->op[0].kind == OPK_DR;
	unsigned n = to_dr ? i->op[0].reg : i->op[1].reg;
	unsigned size = c->long64 ? 8 : 4;
	if (n > 7)
		cpu_raise_ud(c, "MOV DR with a debug register that does not exist (SDM Vol. 2A, MOV DR)");
	if (n == 4 || n == 5) {
		if (c->cr4 & CR4_DE)
			cpu_raise_ud(c, "MOV DR4/DR5 with CR4.DE=1 (SDM Vol. 3A, 18.2.2)");
		n += 2;
	}
	need_cpl0(c, "MOV DR at CPL > 0 (SDM Vol. 2A, MOV DR)");
	/* Exit qualification for MOV DR (SDM Vol. 3C, Table 28-4): DR number
	 * in 2:0, direction in bit 4 (1 = MOV from DR), the GPR in 11:8. */
	if (c->vmx.guest)
		vmx_intercept(c, i, VXC_MOV_DR,
			      (to_dr ? i->op[0].reg : i->op[1].reg) | (to_dr ? 0 : 1u << 4) |
				      ((uint64_t)((to_dr ? i->op[1].reg : i->op[0].reg) & 15) << 8), 0);
	if (!to_dr) {
		uint64_t v = c->dr[n];
		if (n == 6)
			v |= 0xffff0ff0ull;
		if (n == 7)
			v |= 0x400;
		reg_put(c, i->op[0].reg, size, v);
		return;
	}
	uint64_t v = reg_get(c, i->op[1].reg, size);
	if ((n == 6 || n == 7) && (v >> 32))
		cpu_raise_gp0(c, "MOV to DR6/DR7 sets bits 63:32 (SDM Vol. 2A, MOV DR)");
	c->dr[n] = v;
	if (n != 6) {
		cpu_debug_update(c);
		c->attn |= ATTN_REFETCH; /* back to the run loop, which checks breakpoints */
	}
}

void op_clts(struct cpu *c, const struct insn *i)
{
	(void)i;
	need_cpl0(c, "CLTS at CPL > 0 (SDM Vol. 2A, CLTS)");
	if (c->vmx.guest) {
		vmx_intercept_cr_write(c, i, 0, c->cr0 & ~CR0_TS, VXC_CLTS, 2u << 4);
		if (c->vmx.cr0_mask & CR0_TS)
			return; /* host-owned TS is not cleared (SDM Vol. 3C, 26.3) */
	}
	c->cr0 &= ~CR0_TS;
}

/* LMSW loads CR0[3:0]; it can set PE but never clear it (SDM Vol. 2A, LMSW). */
void op_lmsw(struct cpu *c, const struct insn *i)
{
	need_cpl0(c, "LMSW at CPL > 0 (SDM Vol. 2A, LMSW)");
	uint64_t raw = opnd_read(c, i, 0) & 0xffff, src = raw & 0xf;
	if (c->vmx.guest) {
		/* Qualification: access type 3, operand type in bit 6, the
		 * source data in 31:16 (Table 28-3). */
		uint64_t qual = (3u << 4) | (i->op[0].kind == OPK_MEM ? 1u << 6 : 0) | (raw << 16);
		vmx_intercept_cr_write(c, i, 0, src, VXC_LMSW, qual);
		src = (src & ~c->vmx.cr0_mask) | (c->cr0 & c->vmx.cr0_mask & 0xf);
	}
	uint64_t v = (c->cr0 & ~0xeull) | (src & 0xe) | ((c->cr0 | src) & CR0_PE);
	const char *why = cpu_write_cr0(c, v);
	if (why)
		cpu_raise_gp0(c, why);
	c->attn |= ATTN_REFETCH;
}

/* UMIP makes SGDT/SIDT/SLDT/SMSW/STR #GP(0) at CPL > 0 (SDM Vol. 3A, 2.5, CR4.UMIP). */
void cpu_umip_check(struct cpu *c, const char *insn)
{
	if ((c->cr4 & CR4_UMIP) && c->cpl > 0) {
		snprintf(c->why, sizeof c->why, "%s at CPL > 0 with CR4.UMIP=1 (SDM Vol. 3A, 2.5)", insn);
		cpu_raise_gp0(c, c->why);
	}
}

/* SMSW: a register gets CR0 at the operand size, memory its low 16 bits. */
void op_smsw(struct cpu *c, const struct insn *i)
{
	cpu_umip_check(c, "SMSW");
	uint64_t cr0 = vmx_cr_read_shadowed(c, 0, c->cr0);
	if (i->op[0].kind == OPK_REG)
		reg_put(c, i->op[0].reg, i->op[0].size, cr0);
	else
		mem_write(c, i->seg, ea_of(c, i), 2, cr0 & 0xffff);
}

/* INVLPG: the linear address is computed, not accessed; no fault for a
 * non-canonical one (SDM Vol. 2A, INVLPG). */
void op_invlpg(struct cpu *c, const struct insn *i)
{
	need_cpl0(c, "INVLPG at CPL > 0 (SDM Vol. 2A, INVLPG)");
	uint64_t ea = ea_of(c, i), la;
	if (c->long64) {
		la = ea + (i->seg >= SEG_FS ? c->seg[i->seg].base : 0);
		if (!is_canonical_c(c, la))
			return; /* no operation */
	} else {
		la = (c->seg[i->seg].base + ea) & 0xffffffffull;
	}
	if (c->vmx.guest)
		vmx_intercept(c, i, VXC_INVLPG, la, 0);
	/* The page's entries, global ones too, and the paging-structure
	 * caches of the current PCID (SDM Vol. 3A, 4.10.4.1). */
	cpu_tlb_invalidate(c, TLBI_ADDR, la, cpu_pcid(c));
}

/* WBINVD (sub 0) / INVD (sub 1): vtsim models no caches, so only the
 * privilege check and the VM exits remain. */
void op_wbinvd(struct cpu *c, const struct insn *i)
{
	need_cpl0(c, "WBINVD/INVD at CPL > 0 (SDM Vol. 2B, WBINVD)");
	if (c->vmx.guest)
		vmx_intercept(c, i, i->sub ? VXC_INVD : VXC_WBINVD, 0, 0);
}

/* RDTSC: the modelled cycles plus the TSC offset; CR4.TSD restricts it to
 * CPL 0 (SDM Vol. 2B, RDTSC). RDTSCP also loads IA32_TSC_AUX into ECX. */
void op_rdtsc(struct cpu *c, const struct insn *i)
{
	if ((c->cr4 & CR4_TSD) && c->cpl > 0)
		cpu_raise_gp0(c, "RDTSC at CPL > 0 with CR4.TSD=1 (SDM Vol. 2B, RDTSC)");
	if (c->vmx.guest) {
		/* RDTSCP needs "enable RDTSCP" in non-root operation (26.3). */
		if (i->sub && !(c->vmx.proc2 & SEC_ENABLE_RDTSCP))
			cpu_raise_ud(c, "RDTSCP in VMX non-root operation with \"enable RDTSCP\" = 0 (SDM Vol. 3C, 26.3)");
		vmx_intercept(c, i, i->sub ? VXC_RDTSCP : VXC_RDTSC, 0, 0);
	}
	/* The instructions before this one in its block are counted only
	 * when the block ends; add their cycles so the TSC is exact. */
	uint64_t tsc = c->cycles + c->tsc_offset + cpu_block_cycles_so_far(c, i);
	reg_put(c, RAX, 4, tsc);
	reg_put(c, RDX, 4, tsc >> 32);
	if (i->sub)
		reg_put(c, RCX, 4, c->tsc_aux);
}

void op_rdmsr(struct cpu *c, const struct insn *i)
{
	(void)i;
	need_cpl0(c, "RDMSR at CPL > 0 (SDM Vol. 2B, RDMSR)");
	uint32_t msr = (uint32_t)c->gpr[RCX];
	if (c->vmx.guest)
		vmx_intercept_msr(c, i, msr, false);
	uint64_t v;
	if (msr == 0x10) { /* IA32_TSC, exact inside a block as for RDTSC */
		v = c->cycles + c->tsc_offset + cpu_block_cycles_so_far(c, i);
	} else if (!cpu_msr_read(c, msr, &v)) {
		snprintf(c->why, sizeof c->why, "RDMSR of MSR 0x%x, which vtsim does not implement (SDM Vol. 2B, RDMSR)", msr);
		cpu_raise_gp0(c, c->why);
	}
	reg_put(c, RAX, 4, v);
	reg_put(c, RDX, 4, v >> 32);
}

void op_wrmsr(struct cpu *c, const struct insn *i)
{
	(void)i;
	need_cpl0(c, "WRMSR at CPL > 0 (SDM Vol. 2B, WRMSR)");
	uint32_t msr = (uint32_t)c->gpr[RCX];
	if (c->vmx.guest)
		vmx_intercept_msr(c, i, msr, true);
	uint64_t v = (c->gpr[RDX] << 32) | (uint32_t)c->gpr[RAX];
	if (msr == 0x10)
		v -= cpu_block_cycles_so_far(c, i);
	if (!cpu_msr_write(c, msr, v)) {
		const char *name = cpu_msr_name(msr);
		if (name)
			snprintf(c->why, sizeof c->why, "WRMSR to %s (0x%x) with a reserved value (SDM Vol. 2B, WRMSR)", name, msr);
		else
			snprintf(c->why, sizeof c->why, "WRMSR to MSR 0x%x, which vtsim does not implement (SDM Vol. 2B, WRMSR)", msr);
		cpu_raise_gp0(c, c->why);
	}
	cpu_poke(c);
	c->attn |= ATTN_REFETCH;
}

/* RDPMC: vtsim has no performance counters (CPUID leaf 0AH reports none),
 * so every counter index is invalid: #GP(0) (SDM Vol. 2B, RDPMC). */
void op_rdpmc(struct cpu *c, const struct insn *i)
{
	if (c->cpl > 0 && !(c->cr4 & CR4_PCE))
		cpu_raise_gp0(c, "RDPMC at CPL > 0 with CR4.PCE=0 (SDM Vol. 2B, RDPMC)");
	if (c->vmx.guest)
		vmx_intercept(c, i, VXC_RDPMC, 0, 0);
	cpu_raise_gp0(c, "RDPMC: vtsim implements no performance-monitoring counters (SDM Vol. 2B, RDPMC)");
}

/*
 * INVPCID r64/r32, m128 (SDM Vol. 2A, INVPCID): the descriptor holds a
 * PCID (bits 11:0) and a linear address (bits 127:64). Types: 0 one
 * address in one PCID, 1 one PCID, 2 all including globals, 3 all but
 * globals. Invalid types, a PCID above 0 with CR4.PCIDE = 0 for type 0/1,
 * reserved descriptor bits and a non-canonical type-0 address are #GP(0).
 */
void op_invpcid(struct cpu *c, const struct insn *i)
{
	if (c->vmx.guest && !(c->vmx.proc2 & SEC_ENABLE_INVPCID))
		cpu_raise_ud(c, "INVPCID in VMX non-root operation with \"enable INVPCID\" = 0 (SDM Vol. 3C, 26.3)");
	if (c->cpl != 0)
		cpu_raise_gp0(c, "INVPCID at CPL > 0 (SDM Vol. 2A, INVPCID)");
	if (c->vmx.guest)
		vmx_intercept(c, i, VXC_INVPCID, (uint64_t)i->disp, vmx_insn_info_mem(c, i, i->op[0].reg & 15));
	uint64_t type = reg_get(c, i->op[0].reg, c->long64 ? 8 : 4);
	uint64_t ea = ea_of(c, i);
	uint64_t lo = mem_read(c, i->seg, ea, 8);
	uint64_t la = mem_read(c, i->seg, (ea + 8) & size_mask(i->asz), 8);
	if (type > 3)
		cpu_raise_gp0(c, "INVPCID type > 3 (SDM Vol. 2A, INVPCID)");
	if (lo >> 12)
		cpu_raise_gp0(c, "INVPCID descriptor bits 63:12 must be 0 (SDM Vol. 2A, INVPCID)");
	if (type < 2 && !(c->cr4 & CR4_PCIDE) && (lo & 0xfff))
		cpu_raise_gp0(c, "INVPCID of a PCID other than 0 with CR4.PCIDE=0 (SDM Vol. 2A, INVPCID)");
	if (type == 0 && !is_canonical_c(c, la))
		cpu_raise_gp0(c, "INVPCID type 0 with a non-canonical address (SDM Vol. 2A, INVPCID)");
	static const enum tlb_inval kinds[4] = { TLBI_ADDR_PCID, TLBI_PCID, TLBI_ALL, TLBI_NONGLOBAL };
	cpu_tlb_invalidate(c, kinds[type], la, (uint16_t)(lo & 0xfff));
}
