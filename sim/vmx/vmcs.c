/* vmcs.c - the VMCS field table (SDM Vol. 3C, Appendix B) and field storage. */
#include "vmcs.h"

#include <strings.h>

/* One row: the encoding constant, its feature and Appendix B's title. */
#define F(enc, feat, title) { enc, feat, #enc, title }

static const struct vmcs_field_info fields[] = {
	/* B.1.1 16-bit control fields */
	F(VIRTUAL_PROCESSOR_ID, VF_VPID, "Virtual-processor identifier (VPID)"),
	/* B.1.2 16-bit guest-state fields */
	F(GUEST_ES_SELECTOR, VF_BASE, "Guest ES selector"),
	F(GUEST_CS_SELECTOR, VF_BASE, "Guest CS selector"),
	F(GUEST_SS_SELECTOR, VF_BASE, "Guest SS selector"),
	F(GUEST_DS_SELECTOR, VF_BASE, "Guest DS selector"),
	F(GUEST_FS_SELECTOR, VF_BASE, "Guest FS selector"),
	F(GUEST_GS_SELECTOR, VF_BASE, "Guest GS selector"),
	F(GUEST_LDTR_SELECTOR, VF_BASE, "Guest LDTR selector"),
	F(GUEST_TR_SELECTOR, VF_BASE, "Guest TR selector"),
	/* B.1.3 16-bit host-state fields */
	F(HOST_ES_SELECTOR, VF_BASE, "Host ES selector"),
	F(HOST_CS_SELECTOR, VF_BASE, "Host CS selector"),
	F(HOST_SS_SELECTOR, VF_BASE, "Host SS selector"),
	F(HOST_DS_SELECTOR, VF_BASE, "Host DS selector"),
	F(HOST_FS_SELECTOR, VF_BASE, "Host FS selector"),
	F(HOST_GS_SELECTOR, VF_BASE, "Host GS selector"),
	F(HOST_TR_SELECTOR, VF_BASE, "Host TR selector"),
	/* B.2.1 64-bit control fields */
	F(IO_BITMAP_A, VF_BASE, "Address of I/O bitmap A"),
	F(IO_BITMAP_B, VF_BASE, "Address of I/O bitmap B"),
	F(MSR_BITMAP, VF_BASE, "Address of MSR bitmaps"),
	F(VM_EXIT_MSR_STORE_ADDR, VF_BASE, "VM-exit MSR-store address"),
	F(VM_EXIT_MSR_LOAD_ADDR, VF_BASE, "VM-exit MSR-load address"),
	F(VM_ENTRY_MSR_LOAD_ADDR, VF_BASE, "VM-entry MSR-load address"),
	F(TSC_OFFSET, VF_BASE, "TSC offset"),
	F(VIRTUAL_APIC_PAGE_ADDR, VF_TPR_SHADOW, "Virtual-APIC address"),
	F(APIC_ACCESS_ADDR, VF_APIC_ACCESS, "APIC-access address"),
	F(EPT_POINTER, VF_EPT, "EPT pointer (EPTP)"),
	/* B.2.2 64-bit read-only data field */
	F(GUEST_PHYSICAL_ADDRESS, VF_EPT, "Guest-physical address"),
	/* B.2.3 64-bit guest-state fields */
	F(VMCS_LINK_POINTER, VF_BASE, "VMCS link pointer"),
	F(GUEST_IA32_DEBUGCTL, VF_BASE, "Guest IA32_DEBUGCTL"),
	F(GUEST_IA32_PAT, VF_PAT, "Guest IA32_PAT"),
	F(GUEST_IA32_EFER, VF_EFER, "Guest IA32_EFER"),
	F(GUEST_PDPTE0, VF_EPT, "Guest PDPTE0"),
	F(GUEST_PDPTE1, VF_EPT, "Guest PDPTE1"),
	F(GUEST_PDPTE2, VF_EPT, "Guest PDPTE2"),
	F(GUEST_PDPTE3, VF_EPT, "Guest PDPTE3"),
	/* B.2.4 64-bit host-state fields */
	F(HOST_IA32_PAT, VF_PAT, "Host IA32_PAT"),
	F(HOST_IA32_EFER, VF_EFER, "Host IA32_EFER"),
	/* B.3.1 32-bit control fields */
	F(PIN_BASED_VM_EXEC_CONTROL, VF_BASE, "Pin-based VM-execution controls"),
	F(CPU_BASED_VM_EXEC_CONTROL, VF_BASE, "Primary processor-based VM-execution controls"),
	F(EXCEPTION_BITMAP, VF_BASE, "Exception bitmap"),
	F(PAGE_FAULT_ERROR_CODE_MASK, VF_BASE, "Page-fault error-code mask"),
	F(PAGE_FAULT_ERROR_CODE_MATCH, VF_BASE, "Page-fault error-code match"),
	F(CR3_TARGET_COUNT, VF_BASE, "CR3-target count"),
	F(VM_EXIT_CONTROLS, VF_BASE, "Primary VM-exit controls"),
	F(VM_EXIT_MSR_STORE_COUNT, VF_BASE, "VM-exit MSR-store count"),
	F(VM_EXIT_MSR_LOAD_COUNT, VF_BASE, "VM-exit MSR-load count"),
	F(VM_ENTRY_CONTROLS, VF_BASE, "VM-entry controls"),
	F(VM_ENTRY_MSR_LOAD_COUNT, VF_BASE, "VM-entry MSR-load count"),
	F(VM_ENTRY_INTR_INFO_FIELD, VF_BASE, "VM-entry interruption-information field"),
	F(VM_ENTRY_EXCEPTION_ERROR_CODE, VF_BASE, "VM-entry exception error code"),
	F(VM_ENTRY_INSTRUCTION_LEN, VF_BASE, "VM-entry instruction length"),
	F(TPR_THRESHOLD, VF_TPR_SHADOW, "TPR threshold"),
	F(SECONDARY_VM_EXEC_CONTROL, VF_BASE, "Secondary processor-based VM-execution controls"),
	F(PLE_GAP, VF_PLE, "PLE_Gap"),
	F(PLE_WINDOW, VF_PLE, "PLE_Window"),
	/* B.3.2 32-bit read-only data fields */
	F(VM_INSTRUCTION_ERROR, VF_BASE, "VM-instruction error"),
	F(VM_EXIT_REASON, VF_BASE, "Exit reason"),
	F(VM_EXIT_INTR_INFO, VF_BASE, "VM-exit interruption information"),
	F(VM_EXIT_INTR_ERROR_CODE, VF_BASE, "VM-exit interruption error code"),
	F(IDT_VECTORING_INFO_FIELD, VF_BASE, "IDT-vectoring information field"),
	F(IDT_VECTORING_ERROR_CODE, VF_BASE, "IDT-vectoring error code"),
	F(VM_EXIT_INSTRUCTION_LEN, VF_BASE, "VM-exit instruction length"),
	F(VMX_INSTRUCTION_INFO, VF_BASE, "VM-exit instruction information"),
	/* B.3.3 32-bit guest-state fields */
	F(GUEST_ES_LIMIT, VF_BASE, "Guest ES limit"),
	F(GUEST_CS_LIMIT, VF_BASE, "Guest CS limit"),
	F(GUEST_SS_LIMIT, VF_BASE, "Guest SS limit"),
	F(GUEST_DS_LIMIT, VF_BASE, "Guest DS limit"),
	F(GUEST_FS_LIMIT, VF_BASE, "Guest FS limit"),
	F(GUEST_GS_LIMIT, VF_BASE, "Guest GS limit"),
	F(GUEST_LDTR_LIMIT, VF_BASE, "Guest LDTR limit"),
	F(GUEST_TR_LIMIT, VF_BASE, "Guest TR limit"),
	F(GUEST_GDTR_LIMIT, VF_BASE, "Guest GDTR limit"),
	F(GUEST_IDTR_LIMIT, VF_BASE, "Guest IDTR limit"),
	F(GUEST_ES_AR_BYTES, VF_BASE, "Guest ES access rights"),
	F(GUEST_CS_AR_BYTES, VF_BASE, "Guest CS access rights"),
	F(GUEST_SS_AR_BYTES, VF_BASE, "Guest SS access rights"),
	F(GUEST_DS_AR_BYTES, VF_BASE, "Guest DS access rights"),
	F(GUEST_FS_AR_BYTES, VF_BASE, "Guest FS access rights"),
	F(GUEST_GS_AR_BYTES, VF_BASE, "Guest GS access rights"),
	F(GUEST_LDTR_AR_BYTES, VF_BASE, "Guest LDTR access rights"),
	F(GUEST_TR_AR_BYTES, VF_BASE, "Guest TR access rights"),
	F(GUEST_INTERRUPTIBILITY_INFO, VF_BASE, "Guest interruptibility state"),
	F(GUEST_ACTIVITY_STATE, VF_BASE, "Guest activity state"),
	F(GUEST_SMBASE, VF_BASE, "Guest SMBASE"),
	F(GUEST_SYSENTER_CS, VF_BASE, "Guest IA32_SYSENTER_CS"),
	F(VMX_PREEMPTION_TIMER_VALUE, VF_PREEMPT, "VMX-preemption timer value"),
	/* B.3.4 32-bit host-state field */
	F(HOST_IA32_SYSENTER_CS, VF_BASE, "Host IA32_SYSENTER_CS"),
	/* B.4.1 natural-width control fields */
	F(CR0_GUEST_HOST_MASK, VF_BASE, "CR0 guest/host mask"),
	F(CR4_GUEST_HOST_MASK, VF_BASE, "CR4 guest/host mask"),
	F(CR0_READ_SHADOW, VF_BASE, "CR0 read shadow"),
	F(CR4_READ_SHADOW, VF_BASE, "CR4 read shadow"),
	F(CR3_TARGET_VALUE0, VF_BASE, "CR3-target value 0"),
	F(CR3_TARGET_VALUE1, VF_BASE, "CR3-target value 1"),
	F(CR3_TARGET_VALUE2, VF_BASE, "CR3-target value 2"),
	F(CR3_TARGET_VALUE3, VF_BASE, "CR3-target value 3"),
	/* B.4.2 natural-width read-only data fields */
	F(EXIT_QUALIFICATION, VF_BASE, "Exit qualification"),
	F(IO_RCX, VF_BASE, "I/O RCX"),
	F(IO_RSI, VF_BASE, "I/O RSI"),
	F(IO_RDI, VF_BASE, "I/O RDI"),
	F(IO_RIP, VF_BASE, "I/O RIP"),
	F(GUEST_LINEAR_ADDRESS, VF_BASE, "Guest-linear address"),
	/* B.4.3 natural-width guest-state fields */
	F(GUEST_CR0, VF_BASE, "Guest CR0"),
	F(GUEST_CR3, VF_BASE, "Guest CR3"),
	F(GUEST_CR4, VF_BASE, "Guest CR4"),
	F(GUEST_ES_BASE, VF_BASE, "Guest ES base"),
	F(GUEST_CS_BASE, VF_BASE, "Guest CS base"),
	F(GUEST_SS_BASE, VF_BASE, "Guest SS base"),
	F(GUEST_DS_BASE, VF_BASE, "Guest DS base"),
	F(GUEST_FS_BASE, VF_BASE, "Guest FS base"),
	F(GUEST_GS_BASE, VF_BASE, "Guest GS base"),
	F(GUEST_LDTR_BASE, VF_BASE, "Guest LDTR base"),
	F(GUEST_TR_BASE, VF_BASE, "Guest TR base"),
	F(GUEST_GDTR_BASE, VF_BASE, "Guest GDTR base"),
	F(GUEST_IDTR_BASE, VF_BASE, "Guest IDTR base"),
	F(GUEST_DR7, VF_BASE, "Guest DR7"),
	F(GUEST_RSP, VF_BASE, "Guest RSP"),
	F(GUEST_RIP, VF_BASE, "Guest RIP"),
	F(GUEST_RFLAGS, VF_BASE, "Guest RFLAGS"),
	F(GUEST_PENDING_DBG_EXCEPTIONS, VF_BASE, "Guest pending debug exceptions"),
	F(GUEST_SYSENTER_ESP, VF_BASE, "Guest IA32_SYSENTER_ESP"),
	F(GUEST_SYSENTER_EIP, VF_BASE, "Guest IA32_SYSENTER_EIP"),
	/* B.4.4 natural-width host-state fields */
	F(HOST_CR0, VF_BASE, "Host CR0"),
	F(HOST_CR3, VF_BASE, "Host CR3"),
	F(HOST_CR4, VF_BASE, "Host CR4"),
	F(HOST_FS_BASE, VF_BASE, "Host FS base"),
	F(HOST_GS_BASE, VF_BASE, "Host GS base"),
	F(HOST_TR_BASE, VF_BASE, "Host TR base"),
	F(HOST_GDTR_BASE, VF_BASE, "Host GDTR base"),
	F(HOST_IDTR_BASE, VF_BASE, "Host IDTR base"),
	F(HOST_IA32_SYSENTER_ESP, VF_BASE, "Host IA32_SYSENTER_ESP"),
	F(HOST_IA32_SYSENTER_EIP, VF_BASE, "Host IA32_SYSENTER_EIP"),
	F(HOST_RSP, VF_BASE, "Host RSP"),
	F(HOST_RIP, VF_BASE, "Host RIP"),
};

#define NFIELDS ((int)(sizeof fields / sizeof fields[0]))

/* The table is in ascending encoding order (Appendix B's order): binary
 * search finds a field's row. */
static int row_of(uint32_t enc)
{
	enc &= ~1u;
	int lo = 0, hi = NFIELDS - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		if (fields[mid].enc == enc)
			return mid;
		if (fields[mid].enc < enc)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

const struct vmcs_field_info *vmcs_fields(int *n)
{
	*n = NFIELDS;
	return fields;
}

/* A HIGH encoding exists only for 64-bit fields. */
static int row_checked(uint32_t enc)
{
	if (enc > 0xffff)
		return -1;
	int r = row_of(enc);
	if (r >= 0 && vmcs_enc_high(enc) && vmcs_enc_width(enc) != VMCS_W64)
		return -1;
	return r;
}

int vmcs_slot(uint32_t enc)
{
	return row_checked(enc) < 0 ? -1 : (int)vmcs_key(enc);
}

const struct vmcs_field_info *vmcs_field_by_enc(uint32_t enc)
{
	int r = row_checked(enc);
	return r < 0 ? NULL : &fields[r];
}

const struct vmcs_field_info *vmcs_field_by_name(const char *name)
{
	for (int k = 0; k < NFIELDS; k++)
		if (strcasecmp(fields[k].name, name) == 0 || strcasecmp(fields[k].title, name) == 0)
			return &fields[k];
	return NULL;
}

const char *vmcs_type_name(enum vmcs_type t)
{
	static const char *const n[] = { "VM-execution, VM-exit and VM-entry control fields",
					 "VM-exit information fields", "Guest-state area", "Host-state area" };
	return n[t & 3];
}

unsigned vmcs_width_bits(enum vmcs_width w)
{
	static const unsigned b[] = { 16, 64, 32, 64 };
	return b[w & 3];
}

uint64_t vmcs_read(struct physmem *pm, uint64_t vmcs, uint32_t enc)
{
	uint64_t v = phys_read(pm, vmcs + VMCS_OFF_FIELDS + (uint64_t)vmcs_key(enc) * 8, 8);
	if (vmcs_enc_high(enc))
		return v >> 32;
	return v & vmcs_width_mask(enc);
}

void vmcs_write(struct physmem *pm, uint64_t vmcs, uint32_t enc, uint64_t v)
{
	uint64_t a = vmcs + VMCS_OFF_FIELDS + (uint64_t)vmcs_key(enc) * 8;
	if (vmcs_enc_high(enc)) {
		phys_write(pm, a + 4, 4, v & 0xffffffff);
		return;
	}
	phys_write(pm, a, 8, v & vmcs_width_mask(enc));
}
