/* vmxinsn.c - the VMX instructions (SDM Vol. 3C, 31.3 "VMX Instructions"). */
#include <stdio.h>

#include "../cpu/exec.h"
#include "../paging/walk.h"
#include "entry.h"
#include "vmx.h"

/* Sections of the VMX instruction reference, for the explanations. */
#define SDM_VMXINSN "SDM Vol. 3C, 31.3"

/*
 * The conventions of VMX instructions (31.2 "Conventions"):
 *   VMsucceed:        CF = PF = AF = ZF = SF = OF = 0
 *   VMfailInvalid:    CF = 1, the others 0 (no current VMCS to report in)
 *   VMfailValid(err): ZF = 1, the others 0, VM-instruction error := err
 */
static void vm_succeed(struct cpu *c)
{
	flags_materialize(c);
	c->rflags &= ~(uint64_t)FL_ARITH;
}

static void vm_fail_invalid(struct cpu *c)
{
	flags_materialize(c);
	c->rflags = (c->rflags & ~(uint64_t)FL_ARITH) | FL_CF;
}

static void vm_fail_valid(struct cpu *c, unsigned err)
{
	flags_materialize(c);
	c->rflags = (c->rflags & ~(uint64_t)FL_ARITH) | FL_ZF;
	vmcs_write(c->pm, c->vmx.vmcs, VM_INSTRUCTION_ERROR, err);
	snprintf(c->vmx.why, sizeof c->vmx.why, "VMfailValid(%u): %s (SDM Vol. 3C, 31.4)", err,
		 vmx_insn_error_text(err));
}

/* VMfail(err): VMfailValid if there is a current VMCS, else VMfailInvalid. */
static void vm_fail(struct cpu *c, unsigned err)
{
	if (c->vmx.vmcs != VMCS_NONE)
		vm_fail_valid(c, err);
	else
		vm_fail_invalid(c);
}

static bool pa_valid(uint64_t pa)
{
	return (pa & 0xfff) == 0 && (pa >> VT_MAXPHYADDR) == 0;
}

/*
 * The checks every VMX instruction but VMXON and VMCALL begins with
 * (31.3, each instruction's Operation): #UD outside VMX operation, in
 * real-address or virtual-8086 mode and in compatibility mode; a VM exit
 * in non-root operation; #GP(0) at CPL > 0.
 */
static void vmx_common(struct cpu *c, const struct insn *i, enum vmx_cause cause, uint64_t qual,
		       uint32_t info)
{
	if (!c->vmx.on || !(c->cr0 & CR0_PE) || (c->rflags & FL_VM) ||
	    ((c->efer & EFER_LMA) && !c->long64))
		cpu_raise_ud(c, !c->vmx.on ? "VMX instruction outside VMX operation (SDM Vol. 3C, 31.3)"
					   : "VMX instruction in real-address, virtual-8086 or compatibility mode (SDM Vol. 3C, 31.3)");
	if (c->vmx.guest)
		vmx_intercept(c, i, cause, qual, info);
	if (c->cpl != 0)
		cpu_raise_gp0(c, "VMX instruction at CPL > 0 (SDM Vol. 3C, 31.3)");
}

/* The qualification of a memory-operand VMX instruction: its
 * displacement (28.2.1, Table 28-1). */static uint64_t mem_qual(const struct insn *i)
{
	return (uint64_t)i->disp;
}

/* The 64-bit memory operand of VMXON, VMCLEAR and VMPTRLD. */
static uint64_t read_ptr_operand(struct cpu *c, const struct insn *i)
{
	return mem_read(c, i->seg, ea_of(c, i), 8);
}

void op_vmxon(struct cpu *c, const struct insn *i)
{
	/* VMXON's #UD conditions do not include "outside VMX operation". */
	if (i->op[0].kind != OPK_MEM || !(c->cr0 & CR0_PE) || !(c->cr4 & (1ull << 13)) ||
	    (c->rflags & FL_VM) || ((c->efer & EFER_LMA) && !c->long64))
		cpu_raise_ud(c, "VMXON with CR4.VMXE = 0, a register operand, or in real-address, virtual-8086 or compatibility mode (SDM Vol. 3C, 31.3, VMXON)");
	if (!c->vmx.on) {
		uint64_t fixed;
		if (c->cpl != 0)
			cpu_raise_gp0(c, "VMXON at CPL > 0 (SDM Vol. 3C, 31.3, VMXON)");
		if ((c->feature_control & 5) != 5)
			cpu_raise_gp0(c, "VMXON with IA32_FEATURE_CONTROL lock (bit 0) or \"enable VMX outside SMX\" (bit 2) clear (SDM Vol. 3C, 24.7)");
		vmx_cap_msr(IA32_VMX_CR0_FIXED0, &fixed);
		if ((c->cr0 & fixed) != fixed)
			cpu_raise_gp0(c, "VMXON with CR0 not as IA32_VMX_CR0_FIXED0 requires (PE, NE and PG must be 1) (SDM Vol. 3C, 24.8)");
		vmx_cap_msr(IA32_VMX_CR0_FIXED1, &fixed);
		if (c->cr0 & ~fixed & 0xffffffffull)
			cpu_raise_gp0(c, "VMXON with a CR0 bit set that IA32_VMX_CR0_FIXED1 says must be 0 (SDM Vol. 3C, 24.8)");
		uint64_t addr = read_ptr_operand(c, i);
		if (!pa_valid(addr)) {
			vm_fail_invalid(c);
			snprintf(c->vmx.why, sizeof c->vmx.why,
				 "VMXON: VMfailInvalid: the VMXON pointer %#llx is not 4-KByte aligned or exceeds MAXPHYADDR (SDM Vol. 3C, 31.3, VMXON)",
				 (unsigned long long)addr);
			return;
		}
		uint32_t rev = (uint32_t)phys_read(c->pm, addr, 4);
		if (rev != VMCS_REVISION_ID) {
			vm_fail_invalid(c);
			snprintf(c->vmx.why, sizeof c->vmx.why,
				 "VMXON: VMfailInvalid: revision identifier %#x in the VMXON region is not IA32_VMX_BASIC[30:0] = %#x (SDM Vol. 3C, 25.11.5)",
				 rev, VMCS_REVISION_ID);
			return;
		}
		c->vmx.on = true;
		c->vmx.vmxon_ptr = addr;
		c->vmx.vmcs = VMCS_NONE;
		vm_succeed(c);
		return;
	}
	if (c->vmx.guest)
		vmx_intercept(c, i, VXC_VMXON, mem_qual(i), vmx_insn_info_mem(c, i, 0));
	if (c->cpl != 0)
		cpu_raise_gp0(c, "VMXON at CPL > 0 (SDM Vol. 3C, 31.3, VMXON)");
	vm_fail(c, VMXERR_VMXON_IN_VMX_ROOT);
}

void op_vmxoff(struct cpu *c, const struct insn *i)
{
	vmx_common(c, i, VXC_VMXOFF, 0, 0);
	c->vmx.on = false;
	c->vmx.vmcs = VMCS_NONE;
	vm_succeed(c);
}

void op_vmclear(struct cpu *c, const struct insn *i)
{
	if (i->op[0].kind != OPK_MEM)
		cpu_raise_ud(c, "VMCLEAR with a register operand (SDM Vol. 3C, 31.3, VMCLEAR)");
	vmx_common(c, i, VXC_VMCLEAR, mem_qual(i), vmx_insn_info_mem(c, i, 0));
	uint64_t addr = read_ptr_operand(c, i);
	if (!pa_valid(addr)) {
		vm_fail(c, VMXERR_VMCLEAR_INVALID_ADDRESS);
		return;
	}
	if (addr == c->vmx.vmxon_ptr) {
		vm_fail(c, VMXERR_VMCLEAR_VMXON_POINTER);
		return;
	}
	/* The VMCS data is in memory already; the launch state becomes clear. */
	phys_write(c->pm, addr + VMCS_OFF_LAUNCH, 4, 0);
	if (addr == c->vmx.vmcs)
		c->vmx.vmcs = VMCS_NONE;
	vm_succeed(c);
}

void op_vmptrld(struct cpu *c, const struct insn *i)
{
	if (i->op[0].kind != OPK_MEM)
		cpu_raise_ud(c, "VMPTRLD with a register operand (SDM Vol. 3C, 31.3, VMPTRLD)");
	vmx_common(c, i, VXC_VMPTRLD, mem_qual(i), vmx_insn_info_mem(c, i, 0));
	uint64_t addr = read_ptr_operand(c, i);
	if (!pa_valid(addr)) {
		vm_fail(c, VMXERR_VMPTRLD_INVALID_ADDRESS);
		return;
	}
	if (addr == c->vmx.vmxon_ptr) {
		vm_fail(c, VMXERR_VMPTRLD_VMXON_POINTER);
		return;
	}
	/* Bit 31 (shadow-VMCS indicator) must be 0: vtsim has no VMCS shadowing. */
	if ((uint32_t)phys_read(c->pm, addr, 4) != VMCS_REVISION_ID) {
		vm_fail(c, VMXERR_VMPTRLD_INCORRECT_REVISION_ID);
		return;
	}
	c->vmx.vmcs = addr;
	vm_succeed(c);
}

void op_vmptrst(struct cpu *c, const struct insn *i)
{
	if (i->op[0].kind != OPK_MEM)
		cpu_raise_ud(c, "VMPTRST with a register operand (SDM Vol. 3C, 31.3, VMPTRST)");
	vmx_common(c, i, VXC_VMPTRST, mem_qual(i), vmx_insn_info_mem(c, i, 0));
	mem_write(c, i->seg, ea_of(c, i), 8, c->vmx.vmcs);
	vm_succeed(c);
}

/* Is enc a field VMREAD/VMWRITE accept (bits 63:32 of the register zero,
 * known, and of an implemented feature)? */
static const struct vmcs_field_info *field_of(uint64_t enc)
{
	if (enc >> 32)
		return NULL;
	const struct vmcs_field_info *f = vmcs_field_by_enc((uint32_t)enc);
	if (!f || !vmx_feature_supported((enum vmcs_feature)f->feature))
		return NULL;
	return f;
}

/* VMREAD r/m, r: op[0] the destination, op[1] the register with the encoding. */
void op_vmread(struct cpu *c, const struct insn *i)
{
	unsigned size = c->long64 ? 8 : 4;
	uint32_t info = vmx_insn_info_mem(c, i, i->op[1].reg & 15);
	if (i->op[0].kind == OPK_REG)
		info = (info & ~0x7bfu) | (1u << 10) | ((uint32_t)(i->op[0].reg & 15) << 3);
	vmx_common(c, i, VXC_VMREAD, i->op[0].kind == OPK_MEM ? mem_qual(i) : 0, info);
	if (c->vmx.vmcs == VMCS_NONE) {
		vm_fail_invalid(c);
		return;
	}
	uint64_t enc = reg_get(c, i->op[1].reg, size);
	if (!field_of(enc)) {
		vm_fail_valid(c, VMXERR_UNSUPPORTED_VMCS_COMPONENT);
		return;
	}
	uint64_t v = vmcs_read(c->pm, c->vmx.vmcs, (uint32_t)enc);
	if (i->op[0].kind == OPK_REG)
		reg_put(c, i->op[0].reg, size, v);
	else
		mem_write(c, i->seg, ea_of(c, i), size, v);
	vm_succeed(c);
}

/* VMWRITE r, r/m: op[0] the register with the encoding, op[1] the value. */
void op_vmwrite(struct cpu *c, const struct insn *i)
{
	unsigned size = c->long64 ? 8 : 4;
	uint32_t info = vmx_insn_info_mem(c, i, i->op[0].reg & 15);
	if (i->op[1].kind == OPK_REG)
		info = (info & ~0x7bfu) | (1u << 10) | ((uint32_t)(i->op[1].reg & 15) << 3);
	vmx_common(c, i, VXC_VMWRITE, i->op[1].kind == OPK_MEM ? mem_qual(i) : 0, info);
	if (c->vmx.vmcs == VMCS_NONE) {
		vm_fail_invalid(c);
		return;
	}
	uint64_t v = i->op[1].kind == OPK_REG ? reg_get(c, i->op[1].reg, size)
					      : mem_read(c, i->seg, ea_of(c, i), size);
	uint64_t enc = reg_get(c, i->op[0].reg, size);
	if (!field_of(enc)) {
		vm_fail_valid(c, VMXERR_UNSUPPORTED_VMCS_COMPONENT);
		return;
	}
	/* IA32_VMX_MISC bit 29 is set: the VM-exit information fields are
	 * writable too (31.3, VMWRITE). */
	vmcs_write(c->pm, c->vmx.vmcs, (uint32_t)enc, v);
	vm_succeed(c);
}

void op_vmlaunch(struct cpu *c, const struct insn *i)
{
	bool launch = i->sub == 0;
	vmx_common(c, i, launch ? VXC_VMLAUNCH : VXC_VMRESUME, 0, 0);
	if (c->vmx.vmcs == VMCS_NONE) {
		vm_fail_invalid(c);
		snprintf(c->vmx.why, sizeof c->vmx.why, "%s: VMfailInvalid: no current VMCS (VMPTRLD first) (SDM Vol. 3C, 31.3)",
			 launch ? "VMLAUNCH" : "VMRESUME");
		return;
	}
	if (c->int_shadow && c->mov_ss_shadow) {
		vm_fail_valid(c, VMXERR_ENTRY_EVENTS_BLOCKED_BY_MOV_SS);
		return;
	}
	uint32_t state = (uint32_t)phys_read(c->pm, c->vmx.vmcs + VMCS_OFF_LAUNCH, 4);
	if (launch && state != 0) {
		vm_fail_valid(c, VMXERR_VMLAUNCH_NONCLEAR_VMCS);
		return;
	}
	if (!launch && state != 1) {
		vm_fail_valid(c, VMXERR_VMRESUME_NONLAUNCHED_VMCS);
		return;
	}
	vmx_entry(c, i, launch);
}

void op_vmcall(struct cpu *c, const struct insn *i)
{
	if (!c->vmx.on)
		cpu_raise_ud(c, "VMCALL outside VMX operation (SDM Vol. 3C, 31.3, VMCALL)");
	if (c->vmx.guest)
		vmx_intercept(c, i, VXC_VMCALL, 0, 0);
	if ((c->rflags & FL_VM) || ((c->efer & EFER_LMA) && !c->long64))
		cpu_raise_ud(c, "VMCALL in virtual-8086 or compatibility mode (SDM Vol. 3C, 31.3, VMCALL)");
	if (c->cpl != 0)
		cpu_raise_gp0(c, "VMCALL at CPL > 0 in VMX root operation (SDM Vol. 3C, 31.3, VMCALL)");
	/* No dual-monitor treatment of SMM: VMCALL in root operation fails. */
	vm_fail(c, VMXERR_VMCALL_IN_ROOT);
}

/* INVEPT r, m128 and INVVPID r, m128: op[0] the type register, op[1] the descriptor. */
void op_invept(struct cpu *c, const struct insn *i)
{
	unsigned size = c->long64 ? 8 : 4;
	if (i->op[1].kind != OPK_MEM)
		cpu_raise_ud(c, "INVEPT with a register descriptor (SDM Vol. 3C, 31.3, INVEPT)");
	vmx_common(c, i, VXC_INVEPT, mem_qual(i), vmx_insn_info_mem(c, i, i->op[0].reg & 15));
	uint64_t type = reg_get(c, i->op[0].reg, size);
	uint64_t eptp = mem_read(c, i->seg, ea_of(c, i), 8);
	(void)mem_read(c, i->seg, (ea_of(c, i) + 8) & size_mask(i->asz), 8);
	/* IA32_VMX_EPT_VPID_CAP bits 25 and 26: single-context (1) and all-context (2). */
	if (type != 1 && type != 2) {
		vm_fail(c, VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
		return;
	}
	if (type == 1 && !vmx_eptp_valid(eptp)) {
		vm_fail(c, VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
		return;
	}
	cpu_tlb_invalidate_ept(c, (int)type, eptp);
	vm_succeed(c);
}

void op_invvpid(struct cpu *c, const struct insn *i)
{
	unsigned size = c->long64 ? 8 : 4;
	if (i->op[1].kind != OPK_MEM)
		cpu_raise_ud(c, "INVVPID with a register descriptor (SDM Vol. 3C, 31.3, INVVPID)");
	vmx_common(c, i, VXC_INVVPID, mem_qual(i), vmx_insn_info_mem(c, i, i->op[0].reg & 15));
	uint64_t type = reg_get(c, i->op[0].reg, size);
	uint64_t lo = mem_read(c, i->seg, ea_of(c, i), 8);
	uint64_t la = mem_read(c, i->seg, (ea_of(c, i) + 8) & size_mask(i->asz), 8);
	uint16_t vpid = (uint16_t)lo;
	bool bad = type > 3 || (lo >> 16) != 0;
	if (!bad && type == 0 && (vpid == 0 || !is_canonical_c(c, la)))
		bad = true;
	if (!bad && (type == 1 || type == 3) && vpid == 0)
		bad = true;
	if (bad) {
		vm_fail(c, VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
		return;
	}
	cpu_tlb_invalidate_vpid(c, (int)type, vpid, la);
	vm_succeed(c);
}
