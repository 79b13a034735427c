/* api.c - VMX for front ends and scenario loaders: enter VMX operation, fill a VMCS, launch. */
#include <stdio.h>
#include <string.h>

#include "../cpu/exec.h"
#include "vmx.h"

#define CR4_VMXE (1ull << 13)

int vmx_api_on(struct cpu *c, uint64_t vmxon_pa, uint64_t vmcs_pa, char *err, size_t len)
{
	if ((vmxon_pa | vmcs_pa) & 0xfff || vmxon_pa == vmcs_pa) {
		snprintf(err, len, "the VMXON region and the VMCS must be distinct 4-KByte-aligned pages");
		return -1;
	}
	if (!(c->cr0 & CR0_PE) || !(c->cr0 & CR0_PG) || !(c->cr0 & CR0_NE)) {
		snprintf(err, len, "VMX operation needs CR0.PE, CR0.PG and CR0.NE = 1 (IA32_VMX_CR0_FIXED0; SDM Vol. 3C, 24.8)");
		return -1;
	}
	/* What firmware and VMXON would do: lock IA32_FEATURE_CONTROL with
	 * "VMX outside SMX" enabled, set CR4.VMXE, write the revision IDs. */
	c->feature_control |= 5;
	c->cr4 |= CR4_VMXE;
	phys_write(c->pm, vmxon_pa, 4, VMCS_REVISION_ID);
	phys_write(c->pm, vmcs_pa, 4, VMCS_REVISION_ID);
	phys_write(c->pm, vmcs_pa + VMCS_OFF_ABORT, 4, 0);
	phys_write(c->pm, vmcs_pa + VMCS_OFF_LAUNCH, 4, 0);
	c->vmx.on = true;
	c->vmx.guest = false;
	c->vmx.vmxon_ptr = vmxon_pa;
	c->vmx.vmcs = vmcs_pa;
	return 0;
}

void vmx_api_capture_host(struct cpu *c)
{
	struct physmem *pm = c->pm;
	uint64_t v = c->vmx.vmcs;
	vmcs_write(pm, v, HOST_CR0, c->cr0);
	vmcs_write(pm, v, HOST_CR3, c->cr3);
	vmcs_write(pm, v, HOST_CR4, c->cr4);
	static const enum vmcs_field sel[SEG_COUNT] = {
		HOST_ES_SELECTOR, HOST_CS_SELECTOR, HOST_SS_SELECTOR,
		HOST_DS_SELECTOR, HOST_FS_SELECTOR, HOST_GS_SELECTOR,
	};
	for (unsigned k = 0; k < SEG_COUNT; k++)
		vmcs_write(pm, v, sel[k], c->seg[k].sel & 0xfff8);
	vmcs_write(pm, v, HOST_TR_SELECTOR, c->tr.sel & 0xfff8);
	vmcs_write(pm, v, HOST_FS_BASE, c->seg[SEG_FS].base);
	vmcs_write(pm, v, HOST_GS_BASE, c->seg[SEG_GS].base);
	vmcs_write(pm, v, HOST_TR_BASE, c->tr.base);
	vmcs_write(pm, v, HOST_GDTR_BASE, c->gdtr.base);
	vmcs_write(pm, v, HOST_IDTR_BASE, c->idtr.base);
	vmcs_write(pm, v, HOST_IA32_SYSENTER_CS, c->sysenter_cs);
	vmcs_write(pm, v, HOST_IA32_SYSENTER_ESP, c->sysenter_esp);
	vmcs_write(pm, v, HOST_IA32_SYSENTER_EIP, c->sysenter_eip);
	vmcs_write(pm, v, HOST_IA32_PAT, c->pat);
	vmcs_write(pm, v, HOST_IA32_EFER, c->efer);
	vmcs_write(pm, v, HOST_RSP, c->gpr[RSP]);
	vmcs_write(pm, v, HOST_RIP, c->rip);
}

void vmx_api_capture_guest(struct cpu *c)
{
	struct physmem *pm = c->pm;
	uint64_t v = c->vmx.vmcs;
	vmx_save_guest_state(c, v, true);
	vmcs_write(pm, v, VMCS_LINK_POINTER, ~0ull);
	/* TR must be a busy TSS in a guest (27.3.1.2). */
	uint32_t tr_ar = (uint32_t)vmcs_read(pm, v, GUEST_TR_AR_BYTES);
	if (!(tr_ar & (1u << 16)) && (tr_ar & 0xf) == 9)
		vmcs_write(pm, v, GUEST_TR_AR_BYTES, tr_ar | 2);
}

/*
 * The controls a VMCS starts with: the capability MSRs' fixed-1 bits and
 * what the current mode needs ("host address-space size" and "IA-32e
 * mode guest" when the CPU is in IA-32e mode).
 */
void vmx_api_default_controls(struct cpu *c)
{
	struct physmem *pm = c->pm;
	uint64_t v = c->vmx.vmcs, cap;
	bool lma = c->efer & EFER_LMA;
	vmx_cap_msr(IA32_VMX_TRUE_PINBASED_CTLS, &cap);
	vmcs_write(pm, v, PIN_BASED_VM_EXEC_CONTROL, (uint32_t)cap);
	vmx_cap_msr(IA32_VMX_TRUE_PROCBASED_CTLS, &cap);
	vmcs_write(pm, v, CPU_BASED_VM_EXEC_CONTROL, (uint32_t)cap);
	vmx_cap_msr(IA32_VMX_TRUE_EXIT_CTLS, &cap);
	vmcs_write(pm, v, VM_EXIT_CONTROLS, (uint32_t)cap | (lma ? EXIT_HOST_ADDR_SPACE_SIZE : 0));
	vmx_cap_msr(IA32_VMX_TRUE_ENTRY_CTLS, &cap);
	vmcs_write(pm, v, VM_ENTRY_CONTROLS, (uint32_t)cap | (lma ? ENTRY_IA32E_MODE_GUEST : 0));
	vmcs_write(pm, v, VMCS_LINK_POINTER, ~0ull);
}

int vmx_api_launch(struct cpu *c, char *err, size_t len)
{
	if (!c->vmx.on || c->vmx.vmcs == VMCS_NONE) {
		snprintf(err, len, "not in VMX root operation with a current VMCS");
		return -1;
	}
	/* VM entry as VMLAUNCH performs it, with no instruction to retire. */
	static const struct insn none = { .len = 0 };
	uint64_t entries = c->vmx.entries;
	uint64_t rip = c->rip;
	c->next_rip = rip;
	vmx_entry(c, &none, true);
	c->rip = c->next_rip;
	if (c->vmx.entries == entries) {
		snprintf(err, len, "%s", c->vmx.why);
		return -1;
	}
	return 0;
}
