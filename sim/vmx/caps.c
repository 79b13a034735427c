/* caps.c - the VMX capability MSRs: exactly what vtsim implements (SDM Vol. 3C, Appendix A). */
#include "vmx.h"

/*
 * A hypervisor that reads these MSRs and obeys them works on vtsim. Each
 * control MSR holds the allowed-0 settings in bits 31:0 (a 1 there: the
 * control must be 1) and the allowed-1 settings in bits 63:32 (a 0 there:
 * the control must be 0) (A.3-A.5). The non-TRUE MSRs report the
 * "default1" bits as fixed at 1; the TRUE ones say which of those vtsim
 * lets a hypervisor clear (A.2).
 */
#define CTLS(allowed0, allowed1) (((uint64_t)(allowed1) << 32) | (uint32_t)(allowed0))

/* Default1 classes (A.3.1, A.3.2, A.4, A.5). */
#define PIN_DEFAULT1 0x00000016u       /* bits 1, 2, 4 */
#define PROC_DEFAULT1 0x0401e172u      /* bits 1, 4-6, 8, 13-16, 26 */
#define PROC_TRUE_FIXED1 0x04006172u   /* CR3-load/store exiting may be 0 */
#define EXIT_DEFAULT1 0x00036dffu      /* bits 0-8, 10, 11, 13, 14, 16, 17 */
#define EXIT_TRUE_FIXED1 0x00036dfbu   /* "save debug controls" may be 0 */
#define ENTRY_DEFAULT1 0x000011ffu     /* bits 0-8, 12 */
#define ENTRY_TRUE_FIXED1 0x000011fbu  /* "load debug controls" may be 0 */

/* The controls vtsim implements. */
#define PIN_IMPLEMENTED (PIN_EXTINT_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS | PIN_PREEMPTION_TIMER)
#define PROC_IMPLEMENTED (CPU_INTR_WINDOW_EXITING | CPU_USE_TSC_OFFSETTING | CPU_HLT_EXITING | \
			  CPU_INVLPG_EXITING | CPU_MWAIT_EXITING | CPU_RDPMC_EXITING | \
			  CPU_RDTSC_EXITING | CPU_CR3_LOAD_EXITING | CPU_CR3_STORE_EXITING | \
			  CPU_CR8_LOAD_EXITING | CPU_CR8_STORE_EXITING | CPU_TPR_SHADOW | CPU_NMI_WINDOW_EXITING | \
			  CPU_MOV_DR_EXITING | \
			  CPU_UNCOND_IO_EXITING | CPU_USE_IO_BITMAPS | CPU_MONITOR_TRAP_FLAG | \
			  CPU_USE_MSR_BITMAPS | CPU_MONITOR_EXITING | CPU_PAUSE_EXITING | \
			  CPU_ACTIVATE_SECONDARY)
#define PROC2_IMPLEMENTED (SEC_ENABLE_EPT | SEC_DESC_TABLE_EXITING | SEC_ENABLE_RDTSCP | \
			   SEC_ENABLE_VPID | SEC_WBINVD_EXITING | SEC_UNRESTRICTED_GUEST | \
			   SEC_VIRTUALIZE_APIC_ACCESSES | SEC_PAUSE_LOOP_EXITING | \
			   SEC_ENABLE_INVPCID)
#define EXIT_IMPLEMENTED (EXIT_SAVE_DEBUG_CONTROLS | EXIT_HOST_ADDR_SPACE_SIZE | \
			  EXIT_ACK_INTR_ON_EXIT | EXIT_SAVE_IA32_PAT | EXIT_LOAD_IA32_PAT | \
			  EXIT_SAVE_IA32_EFER | EXIT_LOAD_IA32_EFER | EXIT_SAVE_PREEMPTION_TIMER)
#define ENTRY_IMPLEMENTED (ENTRY_LOAD_DEBUG_CONTROLS | ENTRY_IA32E_MODE_GUEST | \
			   ENTRY_LOAD_IA32_PAT | ENTRY_LOAD_IA32_EFER)

/*
 * IA32_VMX_BASIC (A.1): revision identifier (30:0), VMCS region size in
 * bytes (44:32), memory type WB (53:50 = 6), INS/OUTS exits report the
 * instruction information (54), TRUE controls MSRs exist (55).
 */
#define BASIC ((uint64_t)VMCS_REVISION_ID | ((uint64_t)VMCS_REGION_SIZE << 32) | (6ull << 50) | \
	       (1ull << 54) | (1ull << 55))

/*
 * IA32_VMX_MISC (A.6): the VMX-preemption timer rate (4:0); VM exits
 * store EFER.LMA into the "IA-32e mode guest" entry control (5); the HLT activity state (6); four CR3-target
 * values (24:16); up to 512 MSRs in each MSR list (27:25 = 0); VMWRITE
 * may write the VM-exit information fields (29).
 */
#define MISC (VMX_PREEMPT_RATE | (1ull << 5) | (1ull << 6) | (4ull << 16) | (1ull << 29))

/* CR0 and CR4 in VMX operation (A.7, A.8): PE, NE and PG must be 1 (a
 * guest with "unrestricted guest" may clear PE and PG); CR4.VMXE must be 1. FIXED1: the bits vtsim
 * implements. */
#define CR0_FIXED0 0x80000021ull
#define CR0_FIXED1 0xe005003full
#define CR4_FIXED0 0x00002000ull
#define CR4_FIXED1 0x003239bcull /* TSD DE PSE PAE PGE PCE UMIP LA57 VMXE PCIDE SMEP SMAP */

/*
 * IA32_VMX_EPT_VPID_CAP (A.10): execute-only translations (0), 4-level
 * walks (6), UC (8) and WB (14) EPT structures, 2-MByte (16) and 1-GByte
 * (17) pages, INVEPT (20), accessed and dirty flags (21), single-context
 * (25) and all-context (26) INVEPT; INVVPID (32) of all four types: the
 * individual address (40), single context (41), all contexts (42), single
 * context retaining globals (43).
 */
#define EPT_VPID_CAP ((1ull << 0) | (1ull << 6) | (1ull << 8) | (1ull << 14) | (1ull << 16) | \
		      (1ull << 17) | (1ull << 20) | (1ull << 21) | (1ull << 25) | (1ull << 26) | \
		      (1ull << 32) | (1ull << 40) | (1ull << 41) | (1ull << 42) | (1ull << 43))

bool vmx_feature_supported(enum vmcs_feature f)
{
	switch (f) {
	case VF_BASE:
	case VF_VPID:
	case VF_EPT:
	case VF_PAT:
	case VF_EFER:
		return true;
	case VF_TPR_SHADOW:
		return (PROC_IMPLEMENTED & CPU_TPR_SHADOW) != 0;
	case VF_APIC_ACCESS:
		return (PROC2_IMPLEMENTED & SEC_VIRTUALIZE_APIC_ACCESSES) != 0;
	case VF_PREEMPT:
		return (PIN_IMPLEMENTED & PIN_PREEMPTION_TIMER) != 0;
	case VF_PLE:
		return (PROC2_IMPLEMENTED & SEC_PAUSE_LOOP_EXITING) != 0;
	}
	return false;
}

/* IA32_VMX_VMCS_ENUM (A.9): the highest index (bits 9:1 of an encoding)
 * of any field vtsim supports, in bits 9:1. */
static uint64_t vmcs_enum(void)
{
	int n;
	const struct vmcs_field_info *f = vmcs_fields(&n);
	unsigned hi = 0;
	for (int k = 0; k < n; k++)
		if (vmx_feature_supported((enum vmcs_feature)f[k].feature) && vmcs_enc_index(f[k].enc) > hi)
			hi = vmcs_enc_index(f[k].enc);
	return (uint64_t)hi << 1;
}

bool vmx_cap_msr(uint32_t msr, uint64_t *val)
{
	switch (msr) {
	case IA32_VMX_BASIC:
		*val = BASIC;
		return true;
	case IA32_VMX_PINBASED_CTLS:
	case IA32_VMX_TRUE_PINBASED_CTLS:
		*val = CTLS(PIN_DEFAULT1, PIN_DEFAULT1 | PIN_IMPLEMENTED);
		return true;
	case IA32_VMX_PROCBASED_CTLS:
		*val = CTLS(PROC_DEFAULT1, PROC_DEFAULT1 | PROC_IMPLEMENTED);
		return true;
	case IA32_VMX_TRUE_PROCBASED_CTLS:
		*val = CTLS(PROC_TRUE_FIXED1, PROC_DEFAULT1 | PROC_IMPLEMENTED);
		return true;
	case IA32_VMX_PROCBASED_CTLS2:
		*val = CTLS(0, PROC2_IMPLEMENTED);
		return true;
	case IA32_VMX_EXIT_CTLS:
		*val = CTLS(EXIT_DEFAULT1, EXIT_DEFAULT1 | EXIT_IMPLEMENTED);
		return true;
	case IA32_VMX_TRUE_EXIT_CTLS:
		*val = CTLS(EXIT_TRUE_FIXED1, EXIT_DEFAULT1 | EXIT_IMPLEMENTED);
		return true;
	case IA32_VMX_ENTRY_CTLS:
		*val = CTLS(ENTRY_DEFAULT1, ENTRY_DEFAULT1 | ENTRY_IMPLEMENTED);
		return true;
	case IA32_VMX_TRUE_ENTRY_CTLS:
		*val = CTLS(ENTRY_TRUE_FIXED1, ENTRY_DEFAULT1 | ENTRY_IMPLEMENTED);
		return true;
	case IA32_VMX_MISC:
		*val = MISC;
		return true;
	case IA32_VMX_CR0_FIXED0:
		*val = CR0_FIXED0;
		return true;
	case IA32_VMX_CR0_FIXED1:
		*val = CR0_FIXED1;
		return true;
	case IA32_VMX_CR4_FIXED0:
		*val = CR4_FIXED0;
		return true;
	case IA32_VMX_CR4_FIXED1:
		*val = CR4_FIXED1;
		return true;
	case IA32_VMX_VMCS_ENUM:
		*val = vmcs_enum();
		return true;
	case IA32_VMX_EPT_VPID_CAP:
		*val = EPT_VPID_CAP;
		return true;
	}
	return false;
}

/*
 * The EPT pointer (SDM Vol. 3C, 25.6.11, Table 25-9):
 *
 *   63..N  N-1..12                11..7  6    5..3             2..0
 *   0      PML4 table address     0      A/D  walk length - 1  memory type
 *
 * vtsim accepts UC (0) and WB (6) for the paging structures, a 4-level
 * walk, and the A/D enable bit (IA32_VMX_EPT_VPID_CAP bits 8, 14, 6, 21).
 */
bool vmx_eptp_valid(uint64_t eptp)
{
	unsigned mt = eptp & 7, len = (eptp >> 3) & 7;
	if (mt != 0 && mt != 6)
		return false;
	if (len != 3)
		return false;
	if (eptp & 0xf80)
		return false;
	return (eptp >> 46) == 0;
}

const char *vmx_cap_msr_name(uint32_t msr)
{
	static const char *const n[] = {
		"IA32_VMX_BASIC", "IA32_VMX_PINBASED_CTLS", "IA32_VMX_PROCBASED_CTLS",
		"IA32_VMX_EXIT_CTLS", "IA32_VMX_ENTRY_CTLS", "IA32_VMX_MISC",
		"IA32_VMX_CR0_FIXED0", "IA32_VMX_CR0_FIXED1", "IA32_VMX_CR4_FIXED0",
		"IA32_VMX_CR4_FIXED1", "IA32_VMX_VMCS_ENUM", "IA32_VMX_PROCBASED_CTLS2",
		"IA32_VMX_EPT_VPID_CAP", "IA32_VMX_TRUE_PINBASED_CTLS", "IA32_VMX_TRUE_PROCBASED_CTLS",
		"IA32_VMX_TRUE_EXIT_CTLS", "IA32_VMX_TRUE_ENTRY_CTLS",
	};
	if (msr >= IA32_VMX_BASIC && msr <= IA32_VMX_TRUE_ENTRY_CTLS)
		return n[msr - IA32_VMX_BASIC];
	return NULL;
}
