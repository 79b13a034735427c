/* names.c - names of VM exit reasons and VM-instruction errors (SDM Vol. 3C, Appendix C, 31.4). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vmx.h"

static const char *const reasons[EXIT_REASON_COUNT] = {
	[EXIT_REASON_EXCEPTION_NMI] = "EXCEPTION_NMI",
	[EXIT_REASON_EXTERNAL_INTERRUPT] = "EXTERNAL_INTERRUPT",
	[EXIT_REASON_TRIPLE_FAULT] = "TRIPLE_FAULT",
	[EXIT_REASON_INIT_SIGNAL] = "INIT_SIGNAL",
	[EXIT_REASON_SIPI] = "SIPI",
	[EXIT_REASON_IO_SMI] = "IO_SMI",
	[EXIT_REASON_OTHER_SMI] = "OTHER_SMI",
	[EXIT_REASON_INTERRUPT_WINDOW] = "INTERRUPT_WINDOW",
	[EXIT_REASON_NMI_WINDOW] = "NMI_WINDOW",
	[EXIT_REASON_TASK_SWITCH] = "TASK_SWITCH",
	[EXIT_REASON_CPUID] = "CPUID",
	[EXIT_REASON_GETSEC] = "GETSEC",
	[EXIT_REASON_HLT] = "HLT",
	[EXIT_REASON_INVD] = "INVD",
	[EXIT_REASON_INVLPG] = "INVLPG",
	[EXIT_REASON_RDPMC] = "RDPMC",
	[EXIT_REASON_RDTSC] = "RDTSC",
	[EXIT_REASON_RSM] = "RSM",
	[EXIT_REASON_VMCALL] = "VMCALL",
	[EXIT_REASON_VMCLEAR] = "VMCLEAR",
	[EXIT_REASON_VMLAUNCH] = "VMLAUNCH",
	[EXIT_REASON_VMPTRLD] = "VMPTRLD",
	[EXIT_REASON_VMPTRST] = "VMPTRST",
	[EXIT_REASON_VMREAD] = "VMREAD",
	[EXIT_REASON_VMRESUME] = "VMRESUME",
	[EXIT_REASON_VMWRITE] = "VMWRITE",
	[EXIT_REASON_VMXOFF] = "VMXOFF",
	[EXIT_REASON_VMXON] = "VMXON",
	[EXIT_REASON_CR_ACCESS] = "CR_ACCESS",
	[EXIT_REASON_DR_ACCESS] = "DR_ACCESS",
	[EXIT_REASON_IO_INSTRUCTION] = "IO_INSTRUCTION",
	[EXIT_REASON_MSR_READ] = "MSR_READ",
	[EXIT_REASON_MSR_WRITE] = "MSR_WRITE",
	[EXIT_REASON_INVALID_GUEST_STATE] = "INVALID_GUEST_STATE",
	[EXIT_REASON_MSR_LOAD_FAIL] = "MSR_LOAD_FAIL",
	[EXIT_REASON_MWAIT_INSTRUCTION] = "MWAIT_INSTRUCTION",
	[EXIT_REASON_MONITOR_TRAP_FLAG] = "MONITOR_TRAP_FLAG",
	[EXIT_REASON_MONITOR_INSTRUCTION] = "MONITOR_INSTRUCTION",
	[EXIT_REASON_PAUSE_INSTRUCTION] = "PAUSE_INSTRUCTION",
	[EXIT_REASON_MCE_DURING_VMENTRY] = "MCE_DURING_VMENTRY",
	[EXIT_REASON_TPR_BELOW_THRESHOLD] = "TPR_BELOW_THRESHOLD",
	[EXIT_REASON_APIC_ACCESS] = "APIC_ACCESS",
	[EXIT_REASON_EOI_INDUCED] = "EOI_INDUCED",
	[EXIT_REASON_GDTR_IDTR] = "GDTR_IDTR",
	[EXIT_REASON_LDTR_TR] = "LDTR_TR",
	[EXIT_REASON_EPT_VIOLATION] = "EPT_VIOLATION",
	[EXIT_REASON_EPT_MISCONFIG] = "EPT_MISCONFIG",
	[EXIT_REASON_INVEPT] = "INVEPT",
	[EXIT_REASON_RDTSCP] = "RDTSCP",
	[EXIT_REASON_PREEMPTION_TIMER] = "PREEMPTION_TIMER",
	[EXIT_REASON_INVVPID] = "INVVPID",
	[EXIT_REASON_WBINVD] = "WBINVD",
	[EXIT_REASON_XSETBV] = "XSETBV",
	[EXIT_REASON_APIC_WRITE] = "APIC_WRITE",
	[EXIT_REASON_RDRAND] = "RDRAND",
	[EXIT_REASON_INVPCID] = "INVPCID",
	[EXIT_REASON_VMFUNC] = "VMFUNC",
	[EXIT_REASON_ENCLS] = "ENCLS",
	[EXIT_REASON_RDSEED] = "RDSEED",
	[EXIT_REASON_PML_FULL] = "PML_FULL",
	[EXIT_REASON_XSAVES] = "XSAVES",
	[EXIT_REASON_XRSTORS] = "XRSTORS",
};

const char *vmx_exit_reason_name(unsigned reason)
{
	reason &= 0xffff;
	return reason < EXIT_REASON_COUNT ? reasons[reason] : NULL;
}

int vmx_exit_reason_parse(const char *s)
{
	if (isdigit((unsigned char)s[0])) {
		char *end;
		long v = strtol(s, &end, 0);
		return *end == 0 && v >= 0 && v < EXIT_REASON_COUNT && reasons[v] ? (int)v : -1;
	}
	if (strncasecmp(s, "EXIT_REASON_", 12) == 0)
		s += 12;
	for (int r = 0; r < EXIT_REASON_COUNT; r++) {
		if (!reasons[r])
			continue;
		/* Accept "ept-violation" as well as "EPT_VIOLATION". */
		size_t n = strlen(reasons[r]), k;
		for (k = 0; k < n && s[k]; k++) {
			char a = (char)toupper((unsigned char)s[k]);
			if (a == '-')
				a = '_';
			if (a != reasons[r][k])
				break;
		}
		if (k == n && s[k] == 0)
			return r;
	}
	return -1;
}

const char *vmx_insn_error_text(unsigned err)
{
	switch (err) {
	case VMXERR_VMCALL_IN_ROOT: return "VMCALL executed in VMX root operation";
	case VMXERR_VMCLEAR_INVALID_ADDRESS: return "VMCLEAR with invalid physical address";
	case VMXERR_VMCLEAR_VMXON_POINTER: return "VMCLEAR with VMXON pointer";
	case VMXERR_VMLAUNCH_NONCLEAR_VMCS: return "VMLAUNCH with non-clear VMCS";
	case VMXERR_VMRESUME_NONLAUNCHED_VMCS: return "VMRESUME with non-launched VMCS";
	case VMXERR_VMRESUME_AFTER_VMXOFF: return "VMRESUME after VMXOFF";
	case VMXERR_ENTRY_INVALID_CONTROL_FIELD: return "VM entry with invalid control field(s)";
	case VMXERR_ENTRY_INVALID_HOST_STATE_FIELD: return "VM entry with invalid host-state field(s)";
	case VMXERR_VMPTRLD_INVALID_ADDRESS: return "VMPTRLD with invalid physical address";
	case VMXERR_VMPTRLD_VMXON_POINTER: return "VMPTRLD with VMXON pointer";
	case VMXERR_VMPTRLD_INCORRECT_REVISION_ID: return "VMPTRLD with incorrect VMCS revision identifier";
	case VMXERR_UNSUPPORTED_VMCS_COMPONENT: return "VMREAD/VMWRITE from/to unsupported VMCS component";
	case VMXERR_VMWRITE_READ_ONLY_COMPONENT: return "VMWRITE to read-only VMCS component";
	case VMXERR_VMXON_IN_VMX_ROOT: return "VMXON executed in VMX root operation";
	case VMXERR_ENTRY_EVENTS_BLOCKED_BY_MOV_SS: return "VM entry with events blocked by MOV SS";
	case VMXERR_INVALID_INVEPT_INVVPID_OPERAND: return "Invalid operand to INVEPT/INVVPID";
	}
	return "unknown VM-instruction error";
}
