/* vmcs.h - the VMCS: field encodings (SDM Appendix B), the field table, storage in guest memory. */
#ifndef VTSIM_VMCS_H
#define VTSIM_VMCS_H

#include <stdbool.h>
#include <stdint.h>

#include "../memory.h"

/*
 * Section numbers in sim/vmx/ are those of the SDM editions of 2023 and
 * later, in which Vol. 3C chapter 25 is "Virtual Machine Control
 * Structures", 26 "VMX Non-Root Operation", 27 "VM Entries", 28 "VM
 * Exits", 29 "VMX Support for Address Translation"; Appendix A is "VMX
 * Capability Reporting Facility", B "Field Encoding in VMCS", C "VMX Basic
 * Exit Reasons".
 *
 * A field encoding (SDM Vol. 3C, 25.11.2 "VMREAD, VMWRITE, and Encodings
 * of VMCS Fields", Table 25-21):
 *
 *   31..15  14..13  12  11..10  9..1   0
 *   0       width   0   type    index  access (1: HIGH half of a 64-bit field)
 *
 *   width: 0 16-bit, 1 64-bit, 2 32-bit, 3 natural-width
 *   type:  0 control, 1 VM-exit information (read-only), 2 guest state, 3 host state
 *
 * Names follow the conventional spelling of Appendix B's field names
 * (GUEST_RIP for "Guest RIP"), the spelling scenarios and the debugger use.
 */
enum vmcs_field {
	/* 16-bit control fields (B.1.1) */
	VIRTUAL_PROCESSOR_ID = 0x0000,
	/* 16-bit guest-state fields (B.1.2) */
	GUEST_ES_SELECTOR = 0x0800,
	GUEST_CS_SELECTOR = 0x0802,
	GUEST_SS_SELECTOR = 0x0804,
	GUEST_DS_SELECTOR = 0x0806,
	GUEST_FS_SELECTOR = 0x0808,
	GUEST_GS_SELECTOR = 0x080a,
	GUEST_LDTR_SELECTOR = 0x080c,
	GUEST_TR_SELECTOR = 0x080e,
	/* 16-bit host-state fields (B.1.3) */
	HOST_ES_SELECTOR = 0x0c00,
	HOST_CS_SELECTOR = 0x0c02,
	HOST_SS_SELECTOR = 0x0c04,
	HOST_DS_SELECTOR = 0x0c06,
	HOST_FS_SELECTOR = 0x0c08,
	HOST_GS_SELECTOR = 0x0c0a,
	HOST_TR_SELECTOR = 0x0c0c,
	/* 64-bit control fields (B.2.1) */
	IO_BITMAP_A = 0x2000,
	IO_BITMAP_B = 0x2002,
	MSR_BITMAP = 0x2004,
	VM_EXIT_MSR_STORE_ADDR = 0x2006,
	VM_EXIT_MSR_LOAD_ADDR = 0x2008,
	VM_ENTRY_MSR_LOAD_ADDR = 0x200a,
	TSC_OFFSET = 0x2010,
	VIRTUAL_APIC_PAGE_ADDR = 0x2012,
	APIC_ACCESS_ADDR = 0x2014,
	EPT_POINTER = 0x201a,
	/* 64-bit read-only data field (B.2.2) */
	GUEST_PHYSICAL_ADDRESS = 0x2400,
	/* 64-bit guest-state fields (B.2.3) */
	VMCS_LINK_POINTER = 0x2800,
	GUEST_IA32_DEBUGCTL = 0x2802,
	GUEST_IA32_PAT = 0x2804,
	GUEST_IA32_EFER = 0x2806,
	GUEST_PDPTE0 = 0x280a,
	GUEST_PDPTE1 = 0x280c,
	GUEST_PDPTE2 = 0x280e,
	GUEST_PDPTE3 = 0x2810,
	/* 64-bit host-state fields (B.2.4) */
	HOST_IA32_PAT = 0x2c00,
	HOST_IA32_EFER = 0x2c02,
	/* 32-bit control fields (B.3.1) */
	PIN_BASED_VM_EXEC_CONTROL = 0x4000,
	CPU_BASED_VM_EXEC_CONTROL = 0x4002,
	EXCEPTION_BITMAP = 0x4004,
	PAGE_FAULT_ERROR_CODE_MASK = 0x4006,
	PAGE_FAULT_ERROR_CODE_MATCH = 0x4008,
	CR3_TARGET_COUNT = 0x400a,
	VM_EXIT_CONTROLS = 0x400c,
	VM_EXIT_MSR_STORE_COUNT = 0x400e,
	VM_EXIT_MSR_LOAD_COUNT = 0x4010,
	VM_ENTRY_CONTROLS = 0x4012,
	VM_ENTRY_MSR_LOAD_COUNT = 0x4014,
	VM_ENTRY_INTR_INFO_FIELD = 0x4016,
	VM_ENTRY_EXCEPTION_ERROR_CODE = 0x4018,
	VM_ENTRY_INSTRUCTION_LEN = 0x401a,
	TPR_THRESHOLD = 0x401c,
	SECONDARY_VM_EXEC_CONTROL = 0x401e,
	PLE_GAP = 0x4020,
	PLE_WINDOW = 0x4022,
	/* 32-bit read-only data fields (B.3.2) */
	VM_INSTRUCTION_ERROR = 0x4400,
	VM_EXIT_REASON = 0x4402,
	VM_EXIT_INTR_INFO = 0x4404,
	VM_EXIT_INTR_ERROR_CODE = 0x4406,
	IDT_VECTORING_INFO_FIELD = 0x4408,
	IDT_VECTORING_ERROR_CODE = 0x440a,
	VM_EXIT_INSTRUCTION_LEN = 0x440c,
	VMX_INSTRUCTION_INFO = 0x440e,
	/* 32-bit guest-state fields (B.3.3) */
	GUEST_ES_LIMIT = 0x4800,
	GUEST_CS_LIMIT = 0x4802,
	GUEST_SS_LIMIT = 0x4804,
	GUEST_DS_LIMIT = 0x4806,
	GUEST_FS_LIMIT = 0x4808,
	GUEST_GS_LIMIT = 0x480a,
	GUEST_LDTR_LIMIT = 0x480c,
	GUEST_TR_LIMIT = 0x480e,
	GUEST_GDTR_LIMIT = 0x4810,
	GUEST_IDTR_LIMIT = 0x4812,
	GUEST_ES_AR_BYTES = 0x4814,
	GUEST_CS_AR_BYTES = 0x4816,
	GUEST_SS_AR_BYTES = 0x4818,
	GUEST_DS_AR_BYTES = 0x481a,
	GUEST_FS_AR_BYTES = 0x481c,
	GUEST_GS_AR_BYTES = 0x481e,
	GUEST_LDTR_AR_BYTES = 0x4820,
	GUEST_TR_AR_BYTES = 0x4822,
	GUEST_INTERRUPTIBILITY_INFO = 0x4824,
	GUEST_ACTIVITY_STATE = 0x4826,
	GUEST_SMBASE = 0x4828,
	GUEST_SYSENTER_CS = 0x482a,
	VMX_PREEMPTION_TIMER_VALUE = 0x482e,
	/* 32-bit host-state field (B.3.4) */
	HOST_IA32_SYSENTER_CS = 0x4c00,
	/* Natural-width control fields (B.4.1) */
	CR0_GUEST_HOST_MASK = 0x6000,
	CR4_GUEST_HOST_MASK = 0x6002,
	CR0_READ_SHADOW = 0x6004,
	CR4_READ_SHADOW = 0x6006,
	CR3_TARGET_VALUE0 = 0x6008,
	CR3_TARGET_VALUE1 = 0x600a,
	CR3_TARGET_VALUE2 = 0x600c,
	CR3_TARGET_VALUE3 = 0x600e,
	/* Natural-width read-only data fields (B.4.2) */
	EXIT_QUALIFICATION = 0x6400,
	IO_RCX = 0x6402,
	IO_RSI = 0x6404,
	IO_RDI = 0x6406,
	IO_RIP = 0x6408,
	GUEST_LINEAR_ADDRESS = 0x640a,
	/* Natural-width guest-state fields (B.4.3) */
	GUEST_CR0 = 0x6800,
	GUEST_CR3 = 0x6802,
	GUEST_CR4 = 0x6804,
	GUEST_ES_BASE = 0x6806,
	GUEST_CS_BASE = 0x6808,
	GUEST_SS_BASE = 0x680a,
	GUEST_DS_BASE = 0x680c,
	GUEST_FS_BASE = 0x680e,
	GUEST_GS_BASE = 0x6810,
	GUEST_LDTR_BASE = 0x6812,
	GUEST_TR_BASE = 0x6814,
	GUEST_GDTR_BASE = 0x6816,
	GUEST_IDTR_BASE = 0x6818,
	GUEST_DR7 = 0x681a,
	GUEST_RSP = 0x681c,
	GUEST_RIP = 0x681e,
	GUEST_RFLAGS = 0x6820,
	GUEST_PENDING_DBG_EXCEPTIONS = 0x6822,
	GUEST_SYSENTER_ESP = 0x6824,
	GUEST_SYSENTER_EIP = 0x6826,
	/* Natural-width host-state fields (B.4.4) */
	HOST_CR0 = 0x6c00,
	HOST_CR3 = 0x6c02,
	HOST_CR4 = 0x6c04,
	HOST_FS_BASE = 0x6c06,
	HOST_GS_BASE = 0x6c08,
	HOST_TR_BASE = 0x6c0a,
	HOST_GDTR_BASE = 0x6c0c,
	HOST_IDTR_BASE = 0x6c0e,
	HOST_IA32_SYSENTER_ESP = 0x6c10,
	HOST_IA32_SYSENTER_EIP = 0x6c12,
	HOST_RSP = 0x6c14,
	HOST_RIP = 0x6c16,
};

/* Parts of an encoding (Table 25-21). */
enum vmcs_width { VMCS_W16 = 0, VMCS_W64 = 1, VMCS_W32 = 2, VMCS_WNAT = 3 };
enum vmcs_type { VMCS_CONTROL = 0, VMCS_EXIT_INFO = 1, VMCS_GUEST = 2, VMCS_HOST = 3 };

static inline enum vmcs_width vmcs_enc_width(uint32_t enc) { return (enum vmcs_width)((enc >> 13) & 3); }
static inline enum vmcs_type vmcs_enc_type(uint32_t enc) { return (enum vmcs_type)((enc >> 10) & 3); }
static inline unsigned vmcs_enc_index(uint32_t enc) { return (enc >> 1) & 0x1ff; }
static inline bool vmcs_enc_high(uint32_t enc) { return enc & 1; }

/* The feature a field belongs to: it exists only if vtsim implements the
 * feature (the capability MSRs say so; Appendix A). */
enum vmcs_feature {
	VF_BASE,        /* every VMCS */
	VF_VPID,        /* secondary control "enable VPID" */
	VF_EPT,         /* secondary control "enable EPT" */
	VF_TPR_SHADOW,  /* primary control "use TPR shadow" */
	VF_APIC_ACCESS, /* secondary control "virtualize APIC accesses" */
	VF_PREEMPT,     /* pin-based "activate VMX-preemption timer" */
	VF_PLE,         /* secondary control "PAUSE-loop exiting" */
	VF_PAT,         /* VM-entry/exit controls for IA32_PAT */
	VF_EFER,        /* VM-entry/exit controls for IA32_EFER */
};

/* One row of the field table. */
struct vmcs_field_info {
	uint16_t enc;        /* encoding (the FULL encoding of a 64-bit field) */
	uint8_t feature;     /* enum vmcs_feature */
	const char *name;    /* GUEST_RIP */
	const char *title;   /* Appendix B's name: "Guest RIP" */
};

/* Every field vtsim knows, in Appendix B order; n is set to the count. */
const struct vmcs_field_info *vmcs_fields(int *n);
/* The row for an encoding (a HIGH encoding finds its 64-bit field), or NULL. */
const struct vmcs_field_info *vmcs_field_by_enc(uint32_t enc);
/* The row named name (case-insensitive; also accepts Appendix B titles), or NULL. */
const struct vmcs_field_info *vmcs_field_by_name(const char *name);
/*
 * Where a field is stored: its slot packs the width, type and index bits
 * of the encoding (index < 32 for every field vtsim has; test_vmx checks
 * it), so finding a field's place costs no lookup:
 *
 *   slot = width << 7 | type << 5 | index     (0 .. 509)
 */
#define VMCS_SLOTS 510
static inline unsigned vmcs_key(uint32_t enc)
{
	return ((enc >> 13) & 3) << 7 | ((enc >> 10) & 3) << 5 | ((enc >> 1) & 0x1f);
}
/* The bits of a field's width (natural width is 64 bits on vtsim). */
static inline uint64_t vmcs_width_mask(uint32_t enc)
{
	switch ((enc >> 13) & 3) {
	case 0: return 0xffff;
	case 2: return 0xffffffff;
	default: return ~0ull;
	}
}
/* The storage slot of a field vtsim knows, or -1 if there is no such field. */
int vmcs_slot(uint32_t enc);
/* The group heading of a field, as the SDM groups them: "Guest-state area", ... */
const char *vmcs_type_name(enum vmcs_type t);
/* Bits of a field's width: 16, 32, 64 (natural width is 64 on vtsim). */
unsigned vmcs_width_bits(enum vmcs_width w);

/*
 * The VMCS region in memory (SDM Vol. 3C, 25.2 "Format of the VMCS
 * Region"): bytes 0-3 hold the revision identifier (bit 31: shadow-VMCS
 * indicator), bytes 4-7 the VMX-abort indicator, and the rest is
 * implementation-specific. vtsim keeps its data there too, in guest
 * memory, so a VMCS is exactly as visible as on hardware that writes back
 * its cache at VMCLEAR:
 *
 *   offset 0    revision identifier
 *   offset 4    VMX-abort indicator
 *   offset 8    launch state (0 clear, 1 launched) -- vtsim's layout
 *   offset 16   field slots, 8 bytes each (slot: vmcs_key(encoding))
 */
#define VMCS_REGION_SIZE 4096u
#define VMCS_OFF_REVISION 0
#define VMCS_OFF_ABORT 4
#define VMCS_OFF_LAUNCH 8
#define VMCS_OFF_FIELDS 16
#define VMCS_REVISION_ID 0x56540001u /* "VT" and 1: vtsim's VMCS layout, revision 1 */

/* Read and write a field of the VMCS at physical address vmcs (no checks:
 * the caller has validated the encoding). A HIGH encoding reads or writes
 * bits 63:32. Values are truncated to the field's width. */
uint64_t vmcs_read(struct physmem *pm, uint64_t vmcs, uint32_t enc);
void vmcs_write(struct physmem *pm, uint64_t vmcs, uint32_t enc, uint64_t v);

#endif
