/* controls.c - the VMX controls by name, and which of them vtsim implements. */
#include "vmx.h"

/*
 * VM-execution, VM-exit and VM-entry controls by name: the kebab-case of
 * the SDM's names (Vol. 3C, 25.6.1 Table 25-5, 25.6.2 Tables 25-6 and 25-7,
 * 25.7.1 Table 25-13, 25.8.1 Table 25-15). Rows for controls vtsim does not
 * implement are here too, so that naming one gets "not implemented" with
 * the capability MSR that says so, rather than "unknown".
 */
static const struct vmx_control controls[] = {
	{ "external-interrupt-exiting", PIN_BASED_VM_EXEC_CONTROL, PIN_EXTINT_EXITING },
	{ "nmi-exiting", PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING },
	{ "virtual-nmis", PIN_BASED_VM_EXEC_CONTROL, PIN_VIRTUAL_NMIS },
	{ "activate-vmx-preemption-timer", PIN_BASED_VM_EXEC_CONTROL, PIN_PREEMPTION_TIMER },

	{ "interrupt-window-exiting", CPU_BASED_VM_EXEC_CONTROL, CPU_INTR_WINDOW_EXITING },
	{ "use-tsc-offsetting", CPU_BASED_VM_EXEC_CONTROL, CPU_USE_TSC_OFFSETTING },
	{ "hlt-exiting", CPU_BASED_VM_EXEC_CONTROL, CPU_HLT_EXITING },
	{ "invlpg-exiting", CPU_BASED_VM_EXEC_CONTROL, CPU_INVLPG_EXITING },
	{ "mwait-exiting", CPU_BASED_VM_EXEC_CONTROL, CPU_MWAIT_EXITING },
	{ "rdpmc-exiting", CPU_BASED_VM_EXEC_CONTROL, CPU_RDPMC_EXITING },
	{ "rdtsc-exiting", CPU_BASED_VM_EXEC_CONTROL, CPU_RDTSC_EXITING },
	{ "cr3-load-exiting", CPU_BASED_VM_EXEC_CONTROL, CPU_CR3_LOAD_EXITING },
	{ "cr3-store-exiting", CPU_BASED_VM_EXEC_CONTROL, CPU_CR3_STORE_EXITING },
	{ "cr8-load-exiting", CPU_BASED_VM_EXEC_CONTROL, CPU_CR8_LOAD_EXITING },
	{ "cr8-store-exiting", CPU_BASED_VM_EXEC_CONTROL, CPU_CR8_STORE_EXITING },
	{ "use-tpr-shadow", CPU_BASED_VM_EXEC_CONTROL, CPU_TPR_SHADOW },
	{ "nmi-window-exiting", CPU_BASED_VM_EXEC_CONTROL, CPU_NMI_WINDOW_EXITING },
	{ "mov-dr-exiting", CPU_BASED_VM_EXEC_CONTROL, CPU_MOV_DR_EXITING },
	{ "unconditional-io-exiting", CPU_BASED_VM_EXEC_CONTROL, CPU_UNCOND_IO_EXITING },
	{ "use-io-bitmaps", CPU_BASED_VM_EXEC_CONTROL, CPU_USE_IO_BITMAPS },
	{ "monitor-trap-flag", CPU_BASED_VM_EXEC_CONTROL, CPU_MONITOR_TRAP_FLAG },
	{ "use-msr-bitmaps", CPU_BASED_VM_EXEC_CONTROL, CPU_USE_MSR_BITMAPS },
	{ "monitor-exiting", CPU_BASED_VM_EXEC_CONTROL, CPU_MONITOR_EXITING },
	{ "pause-exiting", CPU_BASED_VM_EXEC_CONTROL, CPU_PAUSE_EXITING },
	{ "activate-secondary-controls", CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY },

	{ "virtualize-apic-accesses", SECONDARY_VM_EXEC_CONTROL, SEC_VIRTUALIZE_APIC_ACCESSES },
	{ "enable-ept", SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_EPT },
	{ "descriptor-table-exiting", SECONDARY_VM_EXEC_CONTROL, SEC_DESC_TABLE_EXITING },
	{ "enable-rdtscp", SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_RDTSCP },
	{ "virtualize-x2apic-mode", SECONDARY_VM_EXEC_CONTROL, SEC_VIRTUALIZE_X2APIC },
	{ "enable-vpid", SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_VPID },
	{ "wbinvd-exiting", SECONDARY_VM_EXEC_CONTROL, SEC_WBINVD_EXITING },
	{ "unrestricted-guest", SECONDARY_VM_EXEC_CONTROL, SEC_UNRESTRICTED_GUEST },
	{ "pause-loop-exiting", SECONDARY_VM_EXEC_CONTROL, SEC_PAUSE_LOOP_EXITING },
	{ "enable-invpcid", SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_INVPCID },

	{ "save-debug-controls", VM_EXIT_CONTROLS, EXIT_SAVE_DEBUG_CONTROLS },
	{ "host-address-space-size", VM_EXIT_CONTROLS, EXIT_HOST_ADDR_SPACE_SIZE },
	{ "acknowledge-interrupt-on-exit", VM_EXIT_CONTROLS, EXIT_ACK_INTR_ON_EXIT },
	{ "save-ia32-pat", VM_EXIT_CONTROLS, EXIT_SAVE_IA32_PAT },
	{ "load-ia32-pat", VM_EXIT_CONTROLS, EXIT_LOAD_IA32_PAT },
	{ "save-ia32-efer", VM_EXIT_CONTROLS, EXIT_SAVE_IA32_EFER },
	{ "load-ia32-efer", VM_EXIT_CONTROLS, EXIT_LOAD_IA32_EFER },
	{ "save-vmx-preemption-timer-value", VM_EXIT_CONTROLS, EXIT_SAVE_PREEMPTION_TIMER },

	{ "load-debug-controls", VM_ENTRY_CONTROLS, ENTRY_LOAD_DEBUG_CONTROLS },
	{ "ia-32e-mode-guest", VM_ENTRY_CONTROLS, ENTRY_IA32E_MODE_GUEST },
	{ "entry-to-smm", VM_ENTRY_CONTROLS, ENTRY_SMM },
	{ "deactivate-dual-monitor-treatment", VM_ENTRY_CONTROLS, ENTRY_DEACT_DUAL_MONITOR },
	{ "load-ia32-pat", VM_ENTRY_CONTROLS, ENTRY_LOAD_IA32_PAT },
	{ "load-ia32-efer", VM_ENTRY_CONTROLS, ENTRY_LOAD_IA32_EFER },
};

#define NCONTROLS ((int)(sizeof controls / sizeof controls[0]))

/* The control fields and the capability MSR that reports each one's
 * allowed settings (SDM Vol. 3C, Appendix A.3-A.5). */
static const struct {
	uint32_t field;      /* control field */
	uint32_t msr;        /* its capability MSR */
} ctl_fields[] = {
	{ PIN_BASED_VM_EXEC_CONTROL, IA32_VMX_PINBASED_CTLS },
	{ CPU_BASED_VM_EXEC_CONTROL, IA32_VMX_PROCBASED_CTLS },
	{ SECONDARY_VM_EXEC_CONTROL, IA32_VMX_PROCBASED_CTLS2 },
	{ VM_EXIT_CONTROLS, IA32_VMX_EXIT_CTLS },
	{ VM_ENTRY_CONTROLS, IA32_VMX_ENTRY_CTLS },
};

const struct vmx_control *vmx_controls(int *n)
{
	*n = NCONTROLS;
	return controls;
}

uint32_t vmx_control_msr(uint32_t field)
{
	for (size_t i = 0; i < sizeof ctl_fields / sizeof ctl_fields[0]; i++)
		if (ctl_fields[i].field == field)
			return ctl_fields[i].msr;
	return 0;
}

bool vmx_control_implemented(const struct vmx_control *c)
{
	uint64_t cap;
	uint32_t msr = vmx_control_msr(c->field);
	return msr && vmx_cap_msr(msr, &cap) && ((cap >> 32) & c->bit);
}
