/* entry_checks.c - the VM-entry checks of SDM Vol. 3C, 27.2-27.4, one table row each. */
#include <stdlib.h>
#include <string.h>

#include "../cpu/cpu.h"
#include "../paging/walk.h"
#include "entry.h"
#include "vmx.h"

/*
 * Section numbers and titles are those of the SDM editions of 2023 and
 * later (Vol. 3C, chapter 27 "VM Entries"). The table below lists the
 * checks in the order the SDM lists them; the SDM allows a processor to
 * perform them in any order, vtsim performs them in this one, so that the
 * first failing row is the one reported.
 *
 * The table covers the checks on the features vtsim implements (caps.c):
 * a control vtsim does not implement is caught by the reserved-bit check
 * of its control field, so the checks that only apply when such a control
 * is 1 (TPR shadow, APIC virtualization, unrestricted guest, entry to SMM,
 * ...) could never fail first and have no row. A feature added to caps.c
 * needs its rows here (tests/unit/test_vmx_checks.c has one mutation per
 * row and finds rows that cannot fail).
 */

/* ---- shared helpers --------------------------------------------------- */

/* A bug in vtsim, not a guest mistake: stop, also in release builds. */
static void vtsim_bug(void)
{
	abort();
}

/* The value of a capability MSR (caps.c knows every one we ask for). */
static uint64_t cap(uint32_t msr)
{
	uint64_t v = 0;
	if (!vmx_cap_msr(msr, &v))
		vtsim_bug();
	return v;
}

/* The MSR that says which settings of a control field are allowed: the
 * TRUE_ one when IA32_VMX_BASIC[55] says it exists (A.1, A.2). */
static uint64_t ctl_cap(uint32_t true_msr, uint32_t msr)
{
	return (cap(IA32_VMX_BASIC) >> 55) & 1 ? cap(true_msr) : cap(msr);
}

/* Is the 1-setting of this primary processor-based control allowed? */
static bool proc_allowed1(uint32_t bit)
{
	return (ctl_cap(IA32_VMX_TRUE_PROCBASED_CTLS, IA32_VMX_PROCBASED_CTLS) >> 32) & bit;
}

/* A bit range lo..hi (inclusive) as a mask. */
static uint64_t bits(unsigned hi, unsigned lo)
{
	uint64_t m = hi >= 63 ? ~0ull : (1ull << (hi + 1)) - 1;
	return m & ~((1ull << lo) - 1);
}

/* Does a physical address fit in MAXPHYADDR bits? */
static bool phys_ok(uint64_t pa)
{
	return (pa >> VT_MAXPHYADDR) == 0;
}

/* Bits 63:n all equal to bit n-1 (sign extension of an n-bit address). */
static bool sign_extended(uint64_t a, unsigned n)
{
	int64_t s = (int64_t)(a << (64 - n)) >> (64 - n);
	return (uint64_t)s == a;
}

/* CR4 bits the checks name (SDM Vol. 3A, 2.5 "Control Registers"). */
static const uint64_t CR4_PCIDE_BIT = 1ull << 17;
static const uint64_t CR4_LA57_BIT = 1ull << 12;

/* The processor's linear-address width: 57 if it supports 5-level paging
 * (CR4.LA57 may be 1 in VMX operation: IA32_VMX_CR4_FIXED1), else 48. The
 * canonicality checks of VM entry use it, whatever CR4.LA57 is now. */
static unsigned linear_bits(void)
{
	return cap(IA32_VMX_CR4_FIXED1) & CR4_LA57_BIT ? 57 : 48;
}

static bool canonical(uint64_t la)
{
	return sign_extended(la, linear_bits());
}

/* The EFER bits vtsim implements (SCE, LME, LMA, NXE); the rest are
 * reserved (SDM Vol. 3A, 2.2.1 "Extended Feature Enable Register"). */
static const uint64_t EFER_DEFINED = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;

/* IA32_DEBUGCTL: bits 5:2 and 63:16 are reserved (SDM Vol. 3B, 18.4.1). */
static const uint64_t DEBUGCTL_RESERVED = 0xffffffffffff003cull;
#define DEBUGCTL_BTF (1ull << 1)

/* IA32_PAT: every byte UC(0), WC(1), WT(4), WP(5), WB(6) or UC-(7) (SDM
 * Vol. 3A, 13.12.2 "IA32_PAT MSR"): what WRMSR accepts at CPL 0. */
static bool pat_ok(uint64_t pat)
{
	for (int k = 0; k < 8; k++) {
		unsigned t = (pat >> (8 * k)) & 0xff;
		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

/* ---- the controls, as VM entry sees them ------------------------------ */

static uint32_t pin(const struct entry_ctx *x)
{
	return (uint32_t)ectx(x, PIN_BASED_VM_EXEC_CONTROL);
}
static uint32_t proc(const struct entry_ctx *x)
{
	return (uint32_t)ectx(x, CPU_BASED_VM_EXEC_CONTROL);
}
static uint32_t exit_ctls(const struct entry_ctx *x) { return (uint32_t)ectx(x, VM_EXIT_CONTROLS); }
static uint32_t entry_ctls(const struct entry_ctx *x)
{
	return (uint32_t)ectx(x, VM_ENTRY_CONTROLS);
}

/* The secondary controls count only when "activate secondary controls"
 * is 1; otherwise the processor acts as if they were all 0 (27.2.1.1). */
static uint32_t proc2(const struct entry_ctx *x)
{
	if (!(proc(x) & CPU_ACTIVATE_SECONDARY))
		return 0;
	return (uint32_t)ectx(x, SECONDARY_VM_EXEC_CONTROL);
}

static bool ia32e_guest(const struct entry_ctx *x)
{
	return entry_ctls(x) & ENTRY_IA32E_MODE_GUEST;
}
static bool host_64(const struct entry_ctx *x) { return exit_ctls(x) & EXIT_HOST_ADDR_SPACE_SIZE; }
static bool unrestricted(const struct entry_ctx *x) { return proc2(x) & SEC_UNRESTRICTED_GUEST; }
static bool ept(const struct entry_ctx *x) { return proc2(x) & SEC_ENABLE_EPT; }

/* The VM-entry interruption-information field (25.8.3, Table 25-17). */
static uint32_t intr_info(const struct entry_ctx *x)
{
	return (uint32_t)ectx(x, VM_ENTRY_INTR_INFO_FIELD);
}
static bool injecting(const struct entry_ctx *x) { return intr_info(x) & INTR_INFO_VALID; }
static bool injecting_type(const struct entry_ctx *x, unsigned type)
{
	return injecting(x) && intr_info_type(intr_info(x)) == type;
}

/* Exceptions that push an error code: #DF, #TS, #NP, #SS, #GP, #PF, #AC
 * (SDM Vol. 3A, 6.13 "Error Code"). */
static bool vector_has_error_code(unsigned v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17;
}

/*
 * Must this injection deliver an error code (27.2.1.3)? Yes if (1) the
 * guest will be in protected mode (CR0.PE = 1, or "unrestricted guest" is
 * 0, which forces PE), (2) it is a hardware exception, and (3) its vector
 * is one that pushes an error code.
 */
static bool error_code_expected(const struct entry_ctx *x)
{
	uint32_t info = intr_info(x);
	bool pe = !unrestricted(x) || (ectx(x, GUEST_CR0) & CR0_PE);
	return pe && intr_info_type(info) == INTR_TYPE_HARD_EXCEPTION &&
	       vector_has_error_code(intr_info_vector(info));
}

/* ---- segment registers in the guest-state area ------------------------ */

enum sreg { SR_ES, SR_CS, SR_SS, SR_DS, SR_FS, SR_GS, SR_LDTR, SR_TR };

/* The four fields of each guest segment register (25.4.1). */
static const struct {
	enum vmcs_field sel, base, limit, ar; /* selector, base, limit, access-rights fields */
} sreg_field[] = {
	[SR_ES] = { GUEST_ES_SELECTOR, GUEST_ES_BASE, GUEST_ES_LIMIT, GUEST_ES_AR_BYTES },
	[SR_CS] = { GUEST_CS_SELECTOR, GUEST_CS_BASE, GUEST_CS_LIMIT, GUEST_CS_AR_BYTES },
	[SR_SS] = { GUEST_SS_SELECTOR, GUEST_SS_BASE, GUEST_SS_LIMIT, GUEST_SS_AR_BYTES },
	[SR_DS] = { GUEST_DS_SELECTOR, GUEST_DS_BASE, GUEST_DS_LIMIT, GUEST_DS_AR_BYTES },
	[SR_FS] = { GUEST_FS_SELECTOR, GUEST_FS_BASE, GUEST_FS_LIMIT, GUEST_FS_AR_BYTES },
	[SR_GS] = { GUEST_GS_SELECTOR, GUEST_GS_BASE, GUEST_GS_LIMIT, GUEST_GS_AR_BYTES },
	[SR_LDTR] = { GUEST_LDTR_SELECTOR, GUEST_LDTR_BASE, GUEST_LDTR_LIMIT, GUEST_LDTR_AR_BYTES },
	[SR_TR] = { GUEST_TR_SELECTOR, GUEST_TR_BASE, GUEST_TR_LIMIT, GUEST_TR_AR_BYTES },
};

static uint16_t seg_sel(const struct entry_ctx *x, enum sreg s)
{
	return (uint16_t)ectx(x, sreg_field[s].sel);
}
static uint64_t seg_base(const struct entry_ctx *x, enum sreg s)
{
	return ectx(x, sreg_field[s].base);
}
static uint32_t seg_limit(const struct entry_ctx *x, enum sreg s)
{
	return (uint32_t)ectx(x, sreg_field[s].limit);
}
static uint32_t seg_ar(const struct entry_ctx *x, enum sreg s)
{
	return (uint32_t)ectx(x, sreg_field[s].ar);
}

/*
 * A selector (SDM Vol. 3A, 3.4.2):  15..3 index  2 TI  1..0 RPL
 */
static unsigned sel_rpl(uint16_t sel) { return sel & 3; }
static bool sel_ti(uint16_t sel) { return sel & 4; }

/*
 * The access-rights format of the VMCS (25.4.1, Table 25-2):
 *
 *   31..17    16        15  14   13  12   11..8     7  6..5  4  3..0
 *   reserved  unusable  G   D/B  L   AVL  reserved  P  DPL   S  type
 */
static unsigned ar_type(uint32_t ar) { return ar & 0xf; }
static bool ar_s(uint32_t ar) { return (ar >> 4) & 1; }
static unsigned ar_dpl(uint32_t ar) { return (ar >> 5) & 3; }
static bool ar_p(uint32_t ar) { return (ar >> 7) & 1; }
static unsigned ar_rsvd_11_8(uint32_t ar) { return (ar >> 8) & 0xf; }
static bool ar_l(uint32_t ar) { return (ar >> 13) & 1; }
static bool ar_db(uint32_t ar) { return (ar >> 14) & 1; }
static bool ar_g(uint32_t ar) { return (ar >> 15) & 1; }
static bool ar_unusable(uint32_t ar) { return (ar >> 16) & 1; }
static uint32_t ar_rsvd_31_17(uint32_t ar) { return ar >> 17; }

/* Segment types (SDM Vol. 3A, 3.4.5.1, Table 3-1): bit 0 accessed, bit 1
 * readable (code) or writable (data), bit 2 conforming or expand-down,
 * bit 3 code. */
#define TYPE_ACCESSED 1u
#define TYPE_READ_WRITE 2u
#define TYPE_CONFORMING 4u
#define TYPE_CODE 8u

static bool usable(const struct entry_ctx *x, enum sreg s) { return !ar_unusable(seg_ar(x, s)); }

/* RFLAGS.VM in the guest-state area: the guest will be in virtual-8086 mode. */
static bool v86(const struct entry_ctx *x) { return ectx(x, GUEST_RFLAGS) & FL_VM; }

/* The granularity rule for a limit (27.3.1.2): if any of bits 11:0 is 0,
 * G must be 0; if any of bits 31:20 is 1, G must be 1. */
static bool g_low_ok(uint32_t limit, uint32_t ar) { return (limit & 0xfff) == 0xfff || !ar_g(ar); }
static bool g_high_ok(uint32_t limit, uint32_t ar) { return (limit >> 20) == 0 || ar_g(ar); }

/* ---- 27.2.1.1 VM-execution control fields ----------------------------- */

static bool c_pin_reserved(const struct entry_ctx *x, uint32_t *m)
{
	return vmx_ctl_ok(ctl_cap(IA32_VMX_TRUE_PINBASED_CTLS, IA32_VMX_PINBASED_CTLS), pin(x));
}

static bool c_proc_reserved(const struct entry_ctx *x, uint32_t *m)
{
	return vmx_ctl_ok(ctl_cap(IA32_VMX_TRUE_PROCBASED_CTLS, IA32_VMX_PROCBASED_CTLS), proc(x));
}

static bool c_proc2_reserved(const struct entry_ctx *x, uint32_t *m)
{
	return vmx_ctl_ok(cap(IA32_VMX_PROCBASED_CTLS2), proc2(x));
}

/* IA32_VMX_MISC[24:16]: the number of CR3-target values (A.6). */
static bool c_cr3_target_count(const struct entry_ctx *x, uint32_t *m)
{
	return ectx(x, CR3_TARGET_COUNT) <= ((cap(IA32_VMX_MISC) >> 16) & 0x1ff);
}

static bool io_bitmaps(const struct entry_ctx *x) { return proc(x) & CPU_USE_IO_BITMAPS; }
static bool msr_bitmap(const struct entry_ctx *x) { return proc(x) & CPU_USE_MSR_BITMAPS; }

static bool c_io_a_aligned(const struct entry_ctx *x, uint32_t *m)
{
	return !io_bitmaps(x) || (ectx(x, IO_BITMAP_A) & 0xfff) == 0;
}

static bool c_io_a_width(const struct entry_ctx *x, uint32_t *m)
{
	return !io_bitmaps(x) || phys_ok(ectx(x, IO_BITMAP_A));
}

static bool c_io_b_aligned(const struct entry_ctx *x, uint32_t *m)
{
	return !io_bitmaps(x) || (ectx(x, IO_BITMAP_B) & 0xfff) == 0;
}

static bool c_io_b_width(const struct entry_ctx *x, uint32_t *m)
{
	return !io_bitmaps(x) || phys_ok(ectx(x, IO_BITMAP_B));
}

static bool c_msr_bitmap_aligned(const struct entry_ctx *x, uint32_t *m)
{
	return !msr_bitmap(x) || (ectx(x, MSR_BITMAP) & 0xfff) == 0;
}

static bool c_msr_bitmap_width(const struct entry_ctx *x, uint32_t *m)
{
	return !msr_bitmap(x) || phys_ok(ectx(x, MSR_BITMAP));
}

/* Virtual NMIs only make sense when NMIs exit; an NMI window only when
 * NMI blocking is virtual. */
static bool c_vnmi_needs_nmi_exiting(const struct entry_ctx *x, uint32_t *m)
{
	return (pin(x) & PIN_NMI_EXITING) || !(pin(x) & PIN_VIRTUAL_NMIS);
}

static bool c_nmi_window_needs_vnmi(const struct entry_ctx *x, uint32_t *m)
{
	return (pin(x) & PIN_VIRTUAL_NMIS) || !(proc(x) & CPU_NMI_WINDOW_EXITING);
}

/*
 * "Use TPR shadow" (27.2.1.1): the virtual-APIC page must be a 4-KByte
 * aligned page within MAXPHYADDR; without virtual-interrupt delivery the
 * TPR threshold has bits 31:4 clear, and without "virtualize APIC
 * accesses" its bits 3:0 may not exceed VTPR[7:4], byte 80H of that page.
 */
static bool tpr_shadow(const struct entry_ctx *x) { return proc(x) & CPU_TPR_SHADOW; }

static bool c_vapic_aligned(const struct entry_ctx *x, uint32_t *m)
{
	return !tpr_shadow(x) || (ectx(x, VIRTUAL_APIC_PAGE_ADDR) & 0xfff) == 0;
}

static bool c_vapic_width(const struct entry_ctx *x, uint32_t *m)
{
	return !tpr_shadow(x) || phys_ok(ectx(x, VIRTUAL_APIC_PAGE_ADDR));
}

static bool c_tpr_threshold_reserved(const struct entry_ctx *x, uint32_t *m)
{
	return !tpr_shadow(x) || (ectx(x, TPR_THRESHOLD) >> 4) == 0;
}

static bool c_tpr_threshold_vtpr(const struct entry_ctx *x, uint32_t *m)
{
	if (!tpr_shadow(x) || (proc2(x) & SEC_VIRTUALIZE_APIC_ACCESSES))
		return true;
	uint8_t vtpr = (uint8_t)phys_read(x->c->pm, ectx(x, VIRTUAL_APIC_PAGE_ADDR) + 0x80, 1);
	return (ectx(x, TPR_THRESHOLD) & 0xf) <= (uint64_t)(vtpr >> 4);
}

/* "Virtualize APIC accesses": the APIC-access page must be a 4-KByte
 * aligned page within MAXPHYADDR (27.2.1.1). */
static bool c_apic_access_aligned(const struct entry_ctx *x, uint32_t *m)
{
	return !(proc2(x) & SEC_VIRTUALIZE_APIC_ACCESSES) || (ectx(x, APIC_ACCESS_ADDR) & 0xfff) == 0;
}

static bool c_apic_access_width(const struct entry_ctx *x, uint32_t *m)
{
	return !(proc2(x) & SEC_VIRTUALIZE_APIC_ACCESSES) || phys_ok(ectx(x, APIC_ACCESS_ADDR));
}

/* "Unrestricted guest" needs EPT: the guest's physical addresses must be
 * translated when it runs with paging off (27.2.1.1). */
static bool c_unrestricted_ept(const struct entry_ctx *x, uint32_t *m)
{
	return !unrestricted(x) || (proc2(x) & SEC_ENABLE_EPT);
}

static bool c_vpid_nonzero(const struct entry_ctx *x, uint32_t *m)
{
	return !(proc2(x) & SEC_ENABLE_VPID) || ectx(x, VIRTUAL_PROCESSOR_ID) != 0;
}

/*
 * The EPT pointer (25.6.11, Table 25-9):
 *
 *   63..N     N-1..12              11..8 7      6    5..3             2..0
 *   reserved  PML4 table address   rsvd  (SSS)  A/D  walk length - 1  memory type
 */
static uint64_t eptp(const struct entry_ctx *x) { return ectx(x, EPT_POINTER); }

/* Memory type UC (0) if IA32_VMX_EPT_VPID_CAP[8], WB (6) if [14] (A.10). */
static bool c_eptp_memtype(const struct entry_ctx *x, uint32_t *m)
{
	if (!ept(x))
		return true;
	unsigned t = eptp(x) & 7;
	uint64_t c = cap(IA32_VMX_EPT_VPID_CAP);
	return (t == 0 && (c >> 8) & 1) || (t == 6 && (c >> 14) & 1);
}

/* Walk length minus one: 3 (4-level), or 4 if 5-level EPT is supported (bit 7). */
static bool c_eptp_walk(const struct entry_ctx *x, uint32_t *m)
{
	if (!ept(x))
		return true;
	unsigned w = (eptp(x) >> 3) & 7;
	uint64_t c = cap(IA32_VMX_EPT_VPID_CAP);
	return (w == 3 && (c >> 6) & 1) || (w == 4 && (c >> 7) & 1);
}

/* Bits 11:7 are reserved (bit 7 enables supervisor shadow-stack control,
 * which vtsim does not implement). */
static bool c_eptp_rsvd_low(const struct entry_ctx *x, uint32_t *m)
{
	return !ept(x) || (eptp(x) & bits(11, 7)) == 0;
}

static bool c_eptp_rsvd_high(const struct entry_ctx *x, uint32_t *m)
{
	return !ept(x) || phys_ok(eptp(x));
}

/* ---- 27.2.1.2 VM-exit control fields ---------------------------------- */

static bool c_exit_reserved(const struct entry_ctx *x, uint32_t *m)
{
	return vmx_ctl_ok(ctl_cap(IA32_VMX_TRUE_EXIT_CTLS, IA32_VMX_EXIT_CTLS), exit_ctls(x));
}

/* The timer value can be saved only if the timer runs. */
static bool c_exit_save_timer(const struct entry_ctx *x, uint32_t *m)
{
	return (pin(x) & PIN_PREEMPTION_TIMER) || !(exit_ctls(x) & EXIT_SAVE_PREEMPTION_TIMER);
}

/*
 * An MSR list (store or load area, 25.7.2, 25.8.2) of count 16-byte
 * entries: if count is nonzero, the address is 16-byte aligned, and it and
 * the address of the last byte fit in MAXPHYADDR (the sum computed with
 * more bits than MAXPHYADDR).
 */
static bool list_aligned(uint64_t addr, uint64_t count) { return count == 0 || (addr & 0xf) == 0; }
static bool list_width(uint64_t addr, uint64_t count) { return count == 0 || phys_ok(addr); }
static bool list_last_width(uint64_t addr, uint64_t count)
{
	/* addr < 2^64 and count < 2^32: compare without overflowing. */
	return count == 0 || (phys_ok(addr) && addr + count * 16 - 1 < (1ull << VT_MAXPHYADDR));
}

static bool c_exit_store_aligned(const struct entry_ctx *x, uint32_t *m)
{
	return list_aligned(ectx(x, VM_EXIT_MSR_STORE_ADDR), ectx(x, VM_EXIT_MSR_STORE_COUNT));
}

static bool c_exit_store_width(const struct entry_ctx *x, uint32_t *m)
{
	return list_width(ectx(x, VM_EXIT_MSR_STORE_ADDR), ectx(x, VM_EXIT_MSR_STORE_COUNT));
}

static bool c_exit_store_last(const struct entry_ctx *x, uint32_t *m)
{
	return list_last_width(ectx(x, VM_EXIT_MSR_STORE_ADDR), ectx(x, VM_EXIT_MSR_STORE_COUNT));
}

static bool c_exit_load_aligned(const struct entry_ctx *x, uint32_t *m)
{
	return list_aligned(ectx(x, VM_EXIT_MSR_LOAD_ADDR), ectx(x, VM_EXIT_MSR_LOAD_COUNT));
}

static bool c_exit_load_width(const struct entry_ctx *x, uint32_t *m)
{
	return list_width(ectx(x, VM_EXIT_MSR_LOAD_ADDR), ectx(x, VM_EXIT_MSR_LOAD_COUNT));
}

static bool c_exit_load_last(const struct entry_ctx *x, uint32_t *m)
{
	return list_last_width(ectx(x, VM_EXIT_MSR_LOAD_ADDR), ectx(x, VM_EXIT_MSR_LOAD_COUNT));
}

/* ---- 27.2.1.3 VM-entry control fields --------------------------------- */

static bool c_entry_reserved(const struct entry_ctx *x, uint32_t *m)
{
	return vmx_ctl_ok(ctl_cap(IA32_VMX_TRUE_ENTRY_CTLS, IA32_VMX_ENTRY_CTLS), entry_ctls(x));
}

/* Type 1 is reserved; type 7 (other event) too unless the processor
 * supports the 1-setting of "monitor trap flag". */
static bool c_intr_type(const struct entry_ctx *x, uint32_t *m)
{
	if (!injecting(x))
		return true;
	unsigned t = intr_info_type(intr_info(x));
	if (t == 1)
		return false;
	return t != INTR_TYPE_OTHER || proc_allowed1(CPU_MONITOR_TRAP_FLAG);
}

static bool c_intr_nmi_vector(const struct entry_ctx *x, uint32_t *m)
{
	return !injecting_type(x, INTR_TYPE_NMI) || intr_info_vector(intr_info(x)) == 2;
}

static bool c_intr_hw_vector(const struct entry_ctx *x, uint32_t *m)
{
	return !injecting_type(x, INTR_TYPE_HARD_EXCEPTION) || intr_info_vector(intr_info(x)) <= 31;
}

/* Other event: vector 0 (a pending MTF VM exit). */
static bool c_intr_other_vector(const struct entry_ctx *x, uint32_t *m)
{
	return !injecting_type(x, INTR_TYPE_OTHER) || intr_info_vector(intr_info(x)) == 0;
}

static bool deliver_code(const struct entry_ctx *x)
{
	return intr_info(x) & INTR_INFO_DELIVER_CODE;
}

/* The deliver-error-code bit is 1 if and only if error_code_expected(). */
static bool c_intr_code_missing(const struct entry_ctx *x, uint32_t *m)
{
	return !injecting(x) || !error_code_expected(x) || deliver_code(x);
}

static bool c_intr_code_type(const struct entry_ctx *x, uint32_t *m)
{
	return !injecting(x) || !deliver_code(x) ||
	       intr_info_type(intr_info(x)) == INTR_TYPE_HARD_EXCEPTION;
}

/* (With the type right, only the vector, or real mode under "unrestricted
 * guest", can make an error code unexpected.) */
static bool c_intr_code_vector(const struct entry_ctx *x, uint32_t *m)
{
	return !injecting(x) || !deliver_code(x) || error_code_expected(x);
}

static bool c_intr_reserved(const struct entry_ctx *x, uint32_t *m)
{
	return !injecting(x) || (intr_info(x) & bits(30, 12)) == 0;
}

static bool c_intr_code_rsvd(const struct entry_ctx *x, uint32_t *m)
{
	return !injecting(x) || !deliver_code(x) ||
	       (ectx(x, VM_ENTRY_EXCEPTION_ERROR_CODE) & bits(31, 16)) == 0;
}

/* Software interrupts and exceptions (types 4, 5, 6) carry the length of
 * the instruction that raised them: 1 to 15, or 0 too when
 * IA32_VMX_MISC[30] says so (vtsim: no). */
static bool software_event(const struct entry_ctx *x)
{
	unsigned t = intr_info_type(intr_info(x));
	return injecting(x) && (t == INTR_TYPE_SOFT_INTR || t == INTR_TYPE_PRIV_SW_EXC ||
				t == INTR_TYPE_SOFT_EXCEPTION);
}

static bool c_intr_len_zero(const struct entry_ctx *x, uint32_t *m)
{
	bool zero_ok = (cap(IA32_VMX_MISC) >> 30) & 1;
	return !software_event(x) || zero_ok || ectx(x, VM_ENTRY_INSTRUCTION_LEN) != 0;
}

static bool c_intr_len_max(const struct entry_ctx *x, uint32_t *m)
{
	return !software_event(x) || ectx(x, VM_ENTRY_INSTRUCTION_LEN) <= 15;
}

static bool c_entry_load_aligned(const struct entry_ctx *x, uint32_t *m)
{
	return list_aligned(ectx(x, VM_ENTRY_MSR_LOAD_ADDR), ectx(x, VM_ENTRY_MSR_LOAD_COUNT));
}

static bool c_entry_load_width(const struct entry_ctx *x, uint32_t *m)
{
	return list_width(ectx(x, VM_ENTRY_MSR_LOAD_ADDR), ectx(x, VM_ENTRY_MSR_LOAD_COUNT));
}

static bool c_entry_load_last(const struct entry_ctx *x, uint32_t *m)
{
	return list_last_width(ectx(x, VM_ENTRY_MSR_LOAD_ADDR), ectx(x, VM_ENTRY_MSR_LOAD_COUNT));
}

/* ---- 27.2.2 host control registers and MSRs --------------------------- */

/* Bits that IA32_VMX_CRn_FIXED0 fixes at 1 must be 1, bits that
 * IA32_VMX_CRn_FIXED1 reports 0 must be 0 (A.7, A.8). */
static bool fixed0_ok(uint64_t v, uint32_t msr) { return (v & cap(msr)) == cap(msr); }
static bool fixed1_ok(uint64_t v, uint32_t msr) { return (v & ~cap(msr)) == 0; }

static bool h_cr0_fixed0(const struct entry_ctx *x, uint32_t *m)
{
	return fixed0_ok(ectx(x, HOST_CR0), IA32_VMX_CR0_FIXED0);
}
static bool h_cr0_fixed1(const struct entry_ctx *x, uint32_t *m)
{
	return fixed1_ok(ectx(x, HOST_CR0), IA32_VMX_CR0_FIXED1);
}
static bool h_cr4_fixed0(const struct entry_ctx *x, uint32_t *m)
{
	return fixed0_ok(ectx(x, HOST_CR4), IA32_VMX_CR4_FIXED0);
}
static bool h_cr4_fixed1(const struct entry_ctx *x, uint32_t *m)
{
	return fixed1_ok(ectx(x, HOST_CR4), IA32_VMX_CR4_FIXED1);
}

/* CR3: bits 63:52 and the bits of 51:32 beyond MAXPHYADDR must be 0. */
static bool h_cr3_width(const struct entry_ctx *x, uint32_t *m)
{
	return phys_ok(ectx(x, HOST_CR3));
}

static bool h_sysenter_esp(const struct entry_ctx *x, uint32_t *m)
{
	return canonical(ectx(x, HOST_IA32_SYSENTER_ESP));
}
static bool h_sysenter_eip(const struct entry_ctx *x, uint32_t *m)
{
	return canonical(ectx(x, HOST_IA32_SYSENTER_EIP));
}

static bool h_pat(const struct entry_ctx *x, uint32_t *m)
{
	return !(exit_ctls(x) & EXIT_LOAD_IA32_PAT) || pat_ok(ectx(x, HOST_IA32_PAT));
}

static bool load_host_efer(const struct entry_ctx *x) { return exit_ctls(x) & EXIT_LOAD_IA32_EFER; }

static bool h_efer_reserved(const struct entry_ctx *x, uint32_t *m)
{
	return !load_host_efer(x) || (ectx(x, HOST_IA32_EFER) & ~EFER_DEFINED) == 0;
}

static bool h_efer_lma(const struct entry_ctx *x, uint32_t *m)
{
	return !load_host_efer(x) || ((ectx(x, HOST_IA32_EFER) & EFER_LMA) != 0) == host_64(x);
}

static bool h_efer_lme(const struct entry_ctx *x, uint32_t *m)
{
	return !load_host_efer(x) || ((ectx(x, HOST_IA32_EFER) & EFER_LME) != 0) == host_64(x);
}

/* ---- 27.2.3 host segment and descriptor-table registers --------------- */

static bool host_sel_ok(const struct entry_ctx *x, enum vmcs_field f)
{
	uint16_t sel = (uint16_t)ectx(x, f);
	return sel_rpl(sel) == 0 && !sel_ti(sel);
}

static bool h_es_sel(const struct entry_ctx *x, uint32_t *m)
{
	return host_sel_ok(x, HOST_ES_SELECTOR);
}
static bool h_cs_sel(const struct entry_ctx *x, uint32_t *m)
{
	return host_sel_ok(x, HOST_CS_SELECTOR);
}
static bool h_ss_sel(const struct entry_ctx *x, uint32_t *m)
{
	return host_sel_ok(x, HOST_SS_SELECTOR);
}
static bool h_ds_sel(const struct entry_ctx *x, uint32_t *m)
{
	return host_sel_ok(x, HOST_DS_SELECTOR);
}
static bool h_fs_sel(const struct entry_ctx *x, uint32_t *m)
{
	return host_sel_ok(x, HOST_FS_SELECTOR);
}
static bool h_gs_sel(const struct entry_ctx *x, uint32_t *m)
{
	return host_sel_ok(x, HOST_GS_SELECTOR);
}
static bool h_tr_sel(const struct entry_ctx *x, uint32_t *m)
{
	return host_sel_ok(x, HOST_TR_SELECTOR);
}

static bool h_cs_null(const struct entry_ctx *x, uint32_t *m)
{
	return ectx(x, HOST_CS_SELECTOR) != 0;
}
static bool h_tr_null(const struct entry_ctx *x, uint32_t *m)
{
	return ectx(x, HOST_TR_SELECTOR) != 0;
}
static bool h_ss_null(const struct entry_ctx *x, uint32_t *m)
{
	return host_64(x) || ectx(x, HOST_SS_SELECTOR) != 0;
}

static bool h_fs_base(const struct entry_ctx *x, uint32_t *m)
{
	return canonical(ectx(x, HOST_FS_BASE));
}
static bool h_gs_base(const struct entry_ctx *x, uint32_t *m)
{
	return canonical(ectx(x, HOST_GS_BASE));
}
static bool h_gdtr_base(const struct entry_ctx *x, uint32_t *m)
{
	return canonical(ectx(x, HOST_GDTR_BASE));
}
static bool h_idtr_base(const struct entry_ctx *x, uint32_t *m)
{
	return canonical(ectx(x, HOST_IDTR_BASE));
}
static bool h_tr_base(const struct entry_ctx *x, uint32_t *m)
{
	return canonical(ectx(x, HOST_TR_BASE));
}

/* ---- 27.2.4 address-space size ---------------------------------------- */

/* Is the processor executing VMLAUNCH/VMRESUME in IA-32e mode? */
static bool cpu_ia32e(const struct entry_ctx *x) { return x->c->efer & EFER_LMA; }

static bool a_outside_guest(const struct entry_ctx *x, uint32_t *m)
{
	return cpu_ia32e(x) || !ia32e_guest(x);
}
static bool a_outside_host(const struct entry_ctx *x, uint32_t *m)
{
	return cpu_ia32e(x) || !host_64(x);
}
static bool a_inside_host(const struct entry_ctx *x, uint32_t *m)
{
	return !cpu_ia32e(x) || host_64(x);
}

static bool a_host32_pcide(const struct entry_ctx *x, uint32_t *m)
{
	return host_64(x) || !(ectx(x, HOST_CR4) & CR4_PCIDE_BIT);
}

static bool a_host32_rip(const struct entry_ctx *x, uint32_t *m)
{
	return host_64(x) || (ectx(x, HOST_RIP) >> 32) == 0;
}

static bool a_host64_pae(const struct entry_ctx *x, uint32_t *m)
{
	return !host_64(x) || (ectx(x, HOST_CR4) & CR4_PAE);
}

/* RIP is checked against the paging mode the host will run in: 48 bits,
 * or 57 if the processor supports 5-level paging and host CR4.LA57 = 1. */
static bool a_host64_rip(const struct entry_ctx *x, uint32_t *m)
{
	unsigned n = linear_bits() == 57 && (ectx(x, HOST_CR4) & CR4_LA57_BIT) ? 57 : 48;
	return !host_64(x) || sign_extended(ectx(x, HOST_RIP), n);
}

/* ---- 27.3.1.1 guest control registers, debug registers and MSRs ------- */

/* CR0: PE and PG are exempt from FIXED0 with "unrestricted guest". */
static bool g_cr0_fixed0(const struct entry_ctx *x, uint32_t *m)
{
	uint64_t need = cap(IA32_VMX_CR0_FIXED0);
	if (unrestricted(x))
		need &= ~(CR0_PE | CR0_PG);
	return (ectx(x, GUEST_CR0) & need) == need;
}

static bool g_cr0_fixed1(const struct entry_ctx *x, uint32_t *m)
{
	return fixed1_ok(ectx(x, GUEST_CR0), IA32_VMX_CR0_FIXED1);
}
static bool g_cr4_fixed0(const struct entry_ctx *x, uint32_t *m)
{
	return fixed0_ok(ectx(x, GUEST_CR4), IA32_VMX_CR4_FIXED0);
}
static bool g_cr4_fixed1(const struct entry_ctx *x, uint32_t *m)
{
	return fixed1_ok(ectx(x, GUEST_CR4), IA32_VMX_CR4_FIXED1);
}

static bool load_debug(const struct entry_ctx *x)
{
	return entry_ctls(x) & ENTRY_LOAD_DEBUG_CONTROLS;
}

static bool g_debugctl(const struct entry_ctx *x, uint32_t *m)
{
	return !load_debug(x) || (ectx(x, GUEST_IA32_DEBUGCTL) & DEBUGCTL_RESERVED) == 0;
}

/* With "unrestricted guest" PE and PG are free, but PG still needs PE,
 * and an IA-32e mode guest needs PG (27.3.1.1). */
static bool g_cr0_pg_pe(const struct entry_ctx *x, uint32_t *m)
{
	uint64_t cr0 = ectx(x, GUEST_CR0);
	return !(cr0 & CR0_PG) || (cr0 & CR0_PE);
}

static bool g_ia32e_pg(const struct entry_ctx *x, uint32_t *m)
{
	return !ia32e_guest(x) || (ectx(x, GUEST_CR0) & CR0_PG);
}

static bool g_ia32e_pae(const struct entry_ctx *x, uint32_t *m)
{
	return !ia32e_guest(x) || (ectx(x, GUEST_CR4) & CR4_PAE);
}

static bool g_legacy_pcide(const struct entry_ctx *x, uint32_t *m)
{
	return ia32e_guest(x) || !(ectx(x, GUEST_CR4) & CR4_PCIDE_BIT);
}

static bool g_cr3_width(const struct entry_ctx *x, uint32_t *m)
{
	return phys_ok(ectx(x, GUEST_CR3));
}

static bool g_dr7_high(const struct entry_ctx *x, uint32_t *m)
{
	return !load_debug(x) || (ectx(x, GUEST_DR7) >> 32) == 0;
}

static bool g_sysenter_esp(const struct entry_ctx *x, uint32_t *m)
{
	return canonical(ectx(x, GUEST_SYSENTER_ESP));
}
static bool g_sysenter_eip(const struct entry_ctx *x, uint32_t *m)
{
	return canonical(ectx(x, GUEST_SYSENTER_EIP));
}

static bool g_pat(const struct entry_ctx *x, uint32_t *m)
{
	return !(entry_ctls(x) & ENTRY_LOAD_IA32_PAT) || pat_ok(ectx(x, GUEST_IA32_PAT));
}

static bool load_guest_efer(const struct entry_ctx *x)
{
	return entry_ctls(x) & ENTRY_LOAD_IA32_EFER;
}

static bool g_efer_reserved(const struct entry_ctx *x, uint32_t *m)
{
	return !load_guest_efer(x) || (ectx(x, GUEST_IA32_EFER) & ~EFER_DEFINED) == 0;
}

static bool g_efer_lma(const struct entry_ctx *x, uint32_t *m)
{
	return !load_guest_efer(x) ||
	       ((ectx(x, GUEST_IA32_EFER) & EFER_LMA) != 0) == ia32e_guest(x);
}

static bool g_efer_lme(const struct entry_ctx *x, uint32_t *m)
{
	uint64_t efer = ectx(x, GUEST_IA32_EFER);
	return !load_guest_efer(x) || !(ectx(x, GUEST_CR0) & CR0_PG) ||
	       ((efer & EFER_LMA) != 0) == ((efer & EFER_LME) != 0);
}

/* ---- 27.3.1.2 guest segment registers --------------------------------- */

/* Selectors. */
static bool g_tr_ti(const struct entry_ctx *x, uint32_t *m) { return !sel_ti(seg_sel(x, SR_TR)); }

static bool g_ldtr_ti(const struct entry_ctx *x, uint32_t *m)
{
	return !usable(x, SR_LDTR) || !sel_ti(seg_sel(x, SR_LDTR));
}

static bool g_ss_rpl(const struct entry_ctx *x, uint32_t *m)
{
	return v86(x) || unrestricted(x) ||
	       sel_rpl(seg_sel(x, SR_SS)) == sel_rpl(seg_sel(x, SR_CS));
}

/* Bases. In virtual-8086 mode each base is the selector times 16. */
static bool v86_base(const struct entry_ctx *x, enum sreg s)
{
	return !v86(x) || seg_base(x, s) == (uint64_t)seg_sel(x, s) << 4;
}

static bool g_cs_v86_base(const struct entry_ctx *x, uint32_t *m) { return v86_base(x, SR_CS); }
static bool g_ss_v86_base(const struct entry_ctx *x, uint32_t *m) { return v86_base(x, SR_SS); }
static bool g_ds_v86_base(const struct entry_ctx *x, uint32_t *m) { return v86_base(x, SR_DS); }
static bool g_es_v86_base(const struct entry_ctx *x, uint32_t *m) { return v86_base(x, SR_ES); }
static bool g_fs_v86_base(const struct entry_ctx *x, uint32_t *m) { return v86_base(x, SR_FS); }
static bool g_gs_v86_base(const struct entry_ctx *x, uint32_t *m) { return v86_base(x, SR_GS); }

static bool g_tr_base(const struct entry_ctx *x, uint32_t *m)
{
	return canonical(seg_base(x, SR_TR));
}
static bool g_fs_base(const struct entry_ctx *x, uint32_t *m)
{
	return canonical(seg_base(x, SR_FS));
}
static bool g_gs_base(const struct entry_ctx *x, uint32_t *m)
{
	return canonical(seg_base(x, SR_GS));
}

static bool g_ldtr_base(const struct entry_ctx *x, uint32_t *m)
{
	return !usable(x, SR_LDTR) || canonical(seg_base(x, SR_LDTR));
}

/* CS (and SS, DS, ES when usable): a 32-bit base, bits 63:32 zero. */
static bool base_high_ok(const struct entry_ctx *x, enum sreg s)
{
	return (s != SR_CS && !usable(x, s)) || (seg_base(x, s) >> 32) == 0;
}

static bool g_cs_base_high(const struct entry_ctx *x, uint32_t *m)
{
	return base_high_ok(x, SR_CS);
}
static bool g_ss_base_high(const struct entry_ctx *x, uint32_t *m)
{
	return base_high_ok(x, SR_SS);
}
static bool g_ds_base_high(const struct entry_ctx *x, uint32_t *m)
{
	return base_high_ok(x, SR_DS);
}
static bool g_es_base_high(const struct entry_ctx *x, uint32_t *m)
{
	return base_high_ok(x, SR_ES);
}

/* Limits: 0000FFFFH in virtual-8086 mode. */
static bool v86_limit(const struct entry_ctx *x, enum sreg s)
{
	return !v86(x) || seg_limit(x, s) == 0xffff;
}

static bool g_cs_v86_limit(const struct entry_ctx *x, uint32_t *m) { return v86_limit(x, SR_CS); }
static bool g_ss_v86_limit(const struct entry_ctx *x, uint32_t *m) { return v86_limit(x, SR_SS); }
static bool g_ds_v86_limit(const struct entry_ctx *x, uint32_t *m) { return v86_limit(x, SR_DS); }
static bool g_es_v86_limit(const struct entry_ctx *x, uint32_t *m) { return v86_limit(x, SR_ES); }
static bool g_fs_v86_limit(const struct entry_ctx *x, uint32_t *m) { return v86_limit(x, SR_FS); }
static bool g_gs_v86_limit(const struct entry_ctx *x, uint32_t *m) { return v86_limit(x, SR_GS); }

/* Access rights in virtual-8086 mode: 000000F3H (present, DPL 3,
 * read/write accessed data). */
static bool v86_ar(const struct entry_ctx *x, enum sreg s)
{
	return !v86(x) || seg_ar(x, s) == 0xf3;
}

static bool g_cs_v86_ar(const struct entry_ctx *x, uint32_t *m) { return v86_ar(x, SR_CS); }
static bool g_ss_v86_ar(const struct entry_ctx *x, uint32_t *m) { return v86_ar(x, SR_SS); }
static bool g_ds_v86_ar(const struct entry_ctx *x, uint32_t *m) { return v86_ar(x, SR_DS); }
static bool g_es_v86_ar(const struct entry_ctx *x, uint32_t *m) { return v86_ar(x, SR_ES); }
static bool g_fs_v86_ar(const struct entry_ctx *x, uint32_t *m) { return v86_ar(x, SR_FS); }
static bool g_gs_v86_ar(const struct entry_ctx *x, uint32_t *m) { return v86_ar(x, SR_GS); }

/*
 * Outside virtual-8086 mode the access rights of CS always, and of SS, DS,
 * ES, FS and GS when usable, are checked; checked() says whether a rule
 * for segment s applies.
 */
static bool checked(const struct entry_ctx *x, enum sreg s)
{
	return !v86(x) && (s == SR_CS || usable(x, s));
}

/* Type. CS: accessed code (9, 11, 13, 15), or 3 with "unrestricted guest". */
static bool g_cs_type(const struct entry_ctx *x, uint32_t *m)
{
	unsigned t = ar_type(seg_ar(x, SR_CS));
	if (!checked(x, SR_CS))
		return true;
	return t == 9 || t == 11 || t == 13 || t == 15 || (t == 3 && unrestricted(x));
}

/* SS: read/write accessed data, expand-up (3) or expand-down (7). */
static bool g_ss_type(const struct entry_ctx *x, uint32_t *m)
{
	unsigned t = ar_type(seg_ar(x, SR_SS));
	return !checked(x, SR_SS) || t == 3 || t == 7;
}

static bool data_accessed(const struct entry_ctx *x, enum sreg s)
{
	return !checked(x, s) || (ar_type(seg_ar(x, s)) & TYPE_ACCESSED);
}

static bool g_ds_accessed(const struct entry_ctx *x, uint32_t *m)
{
	return data_accessed(x, SR_DS);
}
static bool g_es_accessed(const struct entry_ctx *x, uint32_t *m)
{
	return data_accessed(x, SR_ES);
}
static bool g_fs_accessed(const struct entry_ctx *x, uint32_t *m)
{
	return data_accessed(x, SR_FS);
}
static bool g_gs_accessed(const struct entry_ctx *x, uint32_t *m)
{
	return data_accessed(x, SR_GS);
}

/* A code segment in DS, ES, FS or GS must be readable. */
static bool code_readable(const struct entry_ctx *x, enum sreg s)
{
	unsigned t = ar_type(seg_ar(x, s));
	return !checked(x, s) || !(t & TYPE_CODE) || (t & TYPE_READ_WRITE);
}

static bool g_ds_readable(const struct entry_ctx *x, uint32_t *m)
{
	return code_readable(x, SR_DS);
}
static bool g_es_readable(const struct entry_ctx *x, uint32_t *m)
{
	return code_readable(x, SR_ES);
}
static bool g_fs_readable(const struct entry_ctx *x, uint32_t *m)
{
	return code_readable(x, SR_FS);
}
static bool g_gs_readable(const struct entry_ctx *x, uint32_t *m)
{
	return code_readable(x, SR_GS);
}

/* S: code or data descriptor (1). */
static bool s_set(const struct entry_ctx *x, enum sreg s)
{
	return !checked(x, s) || ar_s(seg_ar(x, s));
}

static bool g_cs_s(const struct entry_ctx *x, uint32_t *m) { return s_set(x, SR_CS); }
static bool g_ss_s(const struct entry_ctx *x, uint32_t *m) { return s_set(x, SR_SS); }
static bool g_ds_s(const struct entry_ctx *x, uint32_t *m) { return s_set(x, SR_DS); }
static bool g_es_s(const struct entry_ctx *x, uint32_t *m) { return s_set(x, SR_ES); }
static bool g_fs_s(const struct entry_ctx *x, uint32_t *m) { return s_set(x, SR_FS); }
static bool g_gs_s(const struct entry_ctx *x, uint32_t *m) { return s_set(x, SR_GS); }

/* DPL. CS nonconforming (9, 11): DPL = SS.DPL; conforming (13, 15): DPL <= SS.DPL. */
static bool g_cs_dpl_nonconforming(const struct entry_ctx *x, uint32_t *m)
{
	uint32_t ar = seg_ar(x, SR_CS);
	unsigned t = ar_type(ar);
	return !checked(x, SR_CS) || (t != 9 && t != 11) || ar_dpl(ar) == ar_dpl(seg_ar(x, SR_SS));
}

static bool g_cs_dpl_conforming(const struct entry_ctx *x, uint32_t *m)
{
	uint32_t ar = seg_ar(x, SR_CS);
	unsigned t = ar_type(ar);
	return !checked(x, SR_CS) || (t != 13 && t != 15) || ar_dpl(ar) <= ar_dpl(seg_ar(x, SR_SS));
}

/* SS: DPL = RPL unless "unrestricted guest". SS.DPL is the CPL, so this
 * holds whether or not SS is usable. */
/* CS of type 3 (an unrestricted guest in real mode) must have DPL 0;
 * so must SS while CR0.PE = 0 (27.3.1.2). */
static bool g_cs_dpl_type3(const struct entry_ctx *x, uint32_t *m)
{
	uint32_t ar = seg_ar(x, SR_CS);
	return v86(x) || ar_type(ar) != 3 || ar_dpl(ar) == 0;
}

static bool g_ss_dpl_real(const struct entry_ctx *x, uint32_t *m)
{
	return !unrestricted(x) || (ectx(x, GUEST_CR0) & CR0_PE) || ar_dpl(seg_ar(x, SR_SS)) == 0;
}

static bool g_ss_dpl(const struct entry_ctx *x, uint32_t *m)
{
	return v86(x) || unrestricted(x) ||
	       ar_dpl(seg_ar(x, SR_SS)) == sel_rpl(seg_sel(x, SR_SS));
}

/* DS, ES, FS, GS holding data or nonconforming code (types 0-11): DPL >= RPL. */
static bool data_dpl(const struct entry_ctx *x, enum sreg s)
{
	uint32_t ar = seg_ar(x, s);
	return !checked(x, s) || unrestricted(x) || ar_type(ar) > 11 ||
	       ar_dpl(ar) >= sel_rpl(seg_sel(x, s));
}

static bool g_ds_dpl(const struct entry_ctx *x, uint32_t *m) { return data_dpl(x, SR_DS); }
static bool g_es_dpl(const struct entry_ctx *x, uint32_t *m) { return data_dpl(x, SR_ES); }
static bool g_fs_dpl(const struct entry_ctx *x, uint32_t *m) { return data_dpl(x, SR_FS); }
static bool g_gs_dpl(const struct entry_ctx *x, uint32_t *m) { return data_dpl(x, SR_GS); }

/* P: present. */
static bool p_set(const struct entry_ctx *x, enum sreg s)
{
	return !checked(x, s) || ar_p(seg_ar(x, s));
}

static bool g_cs_p(const struct entry_ctx *x, uint32_t *m) { return p_set(x, SR_CS); }
static bool g_ss_p(const struct entry_ctx *x, uint32_t *m) { return p_set(x, SR_SS); }
static bool g_ds_p(const struct entry_ctx *x, uint32_t *m) { return p_set(x, SR_DS); }
static bool g_es_p(const struct entry_ctx *x, uint32_t *m) { return p_set(x, SR_ES); }
static bool g_fs_p(const struct entry_ctx *x, uint32_t *m) { return p_set(x, SR_FS); }
static bool g_gs_p(const struct entry_ctx *x, uint32_t *m) { return p_set(x, SR_GS); }

/* Reserved bits 11:8. */
static bool rsvd_mid(const struct entry_ctx *x, enum sreg s)
{
	return !checked(x, s) || ar_rsvd_11_8(seg_ar(x, s)) == 0;
}

static bool g_cs_rsvd_mid(const struct entry_ctx *x, uint32_t *m) { return rsvd_mid(x, SR_CS); }
static bool g_ss_rsvd_mid(const struct entry_ctx *x, uint32_t *m) { return rsvd_mid(x, SR_SS); }
static bool g_ds_rsvd_mid(const struct entry_ctx *x, uint32_t *m) { return rsvd_mid(x, SR_DS); }
static bool g_es_rsvd_mid(const struct entry_ctx *x, uint32_t *m) { return rsvd_mid(x, SR_ES); }
static bool g_fs_rsvd_mid(const struct entry_ctx *x, uint32_t *m) { return rsvd_mid(x, SR_FS); }
static bool g_gs_rsvd_mid(const struct entry_ctx *x, uint32_t *m) { return rsvd_mid(x, SR_GS); }

/* D/B: a 64-bit code segment (IA-32e mode, CS.L = 1) has D = 0. */
static bool g_cs_l_db(const struct entry_ctx *x, uint32_t *m)
{
	uint32_t ar = seg_ar(x, SR_CS);
	return !checked(x, SR_CS) || !ia32e_guest(x) || !ar_l(ar) || !ar_db(ar);
}

/* G against the limit. */
static bool g_low(const struct entry_ctx *x, enum sreg s)
{
	return !checked(x, s) || g_low_ok(seg_limit(x, s), seg_ar(x, s));
}
static bool g_high(const struct entry_ctx *x, enum sreg s)
{
	return !checked(x, s) || g_high_ok(seg_limit(x, s), seg_ar(x, s));
}

static bool g_cs_g_low(const struct entry_ctx *x, uint32_t *m) { return g_low(x, SR_CS); }
static bool g_cs_g_high(const struct entry_ctx *x, uint32_t *m) { return g_high(x, SR_CS); }
static bool g_ss_g_low(const struct entry_ctx *x, uint32_t *m) { return g_low(x, SR_SS); }
static bool g_ss_g_high(const struct entry_ctx *x, uint32_t *m) { return g_high(x, SR_SS); }
static bool g_ds_g_low(const struct entry_ctx *x, uint32_t *m) { return g_low(x, SR_DS); }
static bool g_ds_g_high(const struct entry_ctx *x, uint32_t *m) { return g_high(x, SR_DS); }
static bool g_es_g_low(const struct entry_ctx *x, uint32_t *m) { return g_low(x, SR_ES); }
static bool g_es_g_high(const struct entry_ctx *x, uint32_t *m) { return g_high(x, SR_ES); }
static bool g_fs_g_low(const struct entry_ctx *x, uint32_t *m) { return g_low(x, SR_FS); }
static bool g_fs_g_high(const struct entry_ctx *x, uint32_t *m) { return g_high(x, SR_FS); }
static bool g_gs_g_low(const struct entry_ctx *x, uint32_t *m) { return g_low(x, SR_GS); }
static bool g_gs_g_high(const struct entry_ctx *x, uint32_t *m) { return g_high(x, SR_GS); }

/* Reserved bits 31:17. */
static bool rsvd_high(const struct entry_ctx *x, enum sreg s)
{
	return !checked(x, s) || ar_rsvd_31_17(seg_ar(x, s)) == 0;
}

static bool g_cs_rsvd_high(const struct entry_ctx *x, uint32_t *m) { return rsvd_high(x, SR_CS); }
static bool g_ss_rsvd_high(const struct entry_ctx *x, uint32_t *m) { return rsvd_high(x, SR_SS); }
static bool g_ds_rsvd_high(const struct entry_ctx *x, uint32_t *m) { return rsvd_high(x, SR_DS); }
static bool g_es_rsvd_high(const struct entry_ctx *x, uint32_t *m) { return rsvd_high(x, SR_ES); }
static bool g_fs_rsvd_high(const struct entry_ctx *x, uint32_t *m) { return rsvd_high(x, SR_FS); }
static bool g_gs_rsvd_high(const struct entry_ctx *x, uint32_t *m) { return rsvd_high(x, SR_GS); }

/* TR, in every mode: a busy TSS, 32-bit (11) or, outside IA-32e mode, 16-bit (3). */
static uint32_t tr_ar(const struct entry_ctx *x) { return seg_ar(x, SR_TR); }

static bool g_tr_type(const struct entry_ctx *x, uint32_t *m)
{
	unsigned t = ar_type(tr_ar(x));
	return ia32e_guest(x) || t == 3 || t == 11;
}

static bool g_tr_type_ia32e(const struct entry_ctx *x, uint32_t *m)
{
	return !ia32e_guest(x) || ar_type(tr_ar(x)) == 11;
}

static bool g_tr_s(const struct entry_ctx *x, uint32_t *m) { return !ar_s(tr_ar(x)); }
static bool g_tr_p(const struct entry_ctx *x, uint32_t *m) { return ar_p(tr_ar(x)); }
static bool g_tr_rsvd_mid(const struct entry_ctx *x, uint32_t *m)
{
	return ar_rsvd_11_8(tr_ar(x)) == 0;
}
static bool g_tr_g_low(const struct entry_ctx *x, uint32_t *m)
{
	return g_low_ok(seg_limit(x, SR_TR), tr_ar(x));
}
static bool g_tr_g_high(const struct entry_ctx *x, uint32_t *m)
{
	return g_high_ok(seg_limit(x, SR_TR), tr_ar(x));
}
static bool g_tr_unusable(const struct entry_ctx *x, uint32_t *m) { return !ar_unusable(tr_ar(x)); }
static bool g_tr_rsvd_high(const struct entry_ctx *x, uint32_t *m)
{
	return ar_rsvd_31_17(tr_ar(x)) == 0;
}

/* LDTR, when usable: an LDT descriptor (type 2). */
static uint32_t ldtr_ar(const struct entry_ctx *x) { return seg_ar(x, SR_LDTR); }
static bool ldtr(const struct entry_ctx *x) { return usable(x, SR_LDTR); }

static bool g_ldtr_type(const struct entry_ctx *x, uint32_t *m)
{
	return !ldtr(x) || ar_type(ldtr_ar(x)) == 2;
}
static bool g_ldtr_s(const struct entry_ctx *x, uint32_t *m)
{
	return !ldtr(x) || !ar_s(ldtr_ar(x));
}
static bool g_ldtr_p(const struct entry_ctx *x, uint32_t *m)
{
	return !ldtr(x) || ar_p(ldtr_ar(x));
}
static bool g_ldtr_rsvd_mid(const struct entry_ctx *x, uint32_t *m)
{
	return !ldtr(x) || ar_rsvd_11_8(ldtr_ar(x)) == 0;
}
static bool g_ldtr_g_low(const struct entry_ctx *x, uint32_t *m)
{
	return !ldtr(x) || g_low_ok(seg_limit(x, SR_LDTR), ldtr_ar(x));
}
static bool g_ldtr_g_high(const struct entry_ctx *x, uint32_t *m)
{
	return !ldtr(x) || g_high_ok(seg_limit(x, SR_LDTR), ldtr_ar(x));
}
static bool g_ldtr_rsvd_high(const struct entry_ctx *x, uint32_t *m)
{
	return !ldtr(x) || ar_rsvd_31_17(ldtr_ar(x)) == 0;
}

/* ---- 27.3.1.3 guest descriptor-table registers ------------------------ */

static bool g_gdtr_base(const struct entry_ctx *x, uint32_t *m)
{
	return canonical(ectx(x, GUEST_GDTR_BASE));
}
static bool g_idtr_base(const struct entry_ctx *x, uint32_t *m)
{
	return canonical(ectx(x, GUEST_IDTR_BASE));
}
static bool g_gdtr_limit(const struct entry_ctx *x, uint32_t *m)
{
	return (ectx(x, GUEST_GDTR_LIMIT) >> 16) == 0;
}
static bool g_idtr_limit(const struct entry_ctx *x, uint32_t *m)
{
	return (ectx(x, GUEST_IDTR_LIMIT) >> 16) == 0;
}

/* ---- 27.3.1.4 guest RIP and RFLAGS ------------------------------------ */

static bool guest_64bit(const struct entry_ctx *x)
{
	return ia32e_guest(x) && ar_l(seg_ar(x, SR_CS));
}

static bool g_rip_high(const struct entry_ctx *x, uint32_t *m)
{
	return guest_64bit(x) || (ectx(x, GUEST_RIP) >> 32) == 0;
}

/* Bits 63:N identical, N the processor's linear-address width. */
static bool g_rip_canonical(const struct entry_ctx *x, uint32_t *m)
{
	return !guest_64bit(x) || canonical(ectx(x, GUEST_RIP));
}

/* RFLAGS reserved bits 63:22, 15, 5 and 3 are 0 (SDM Vol. 1, 3.4.3). */
static bool g_rflags_reserved(const struct entry_ctx *x, uint32_t *m)
{
	uint64_t rsvd = bits(63, 22) | (1ull << 15) | (1ull << 5) | (1ull << 3);
	return (ectx(x, GUEST_RFLAGS) & rsvd) == 0;
}

static bool g_rflags_fixed1(const struct entry_ctx *x, uint32_t *m)
{
	return ectx(x, GUEST_RFLAGS) & FL_FIXED1;
}

static bool g_rflags_vm(const struct entry_ctx *x, uint32_t *m)
{
	return !v86(x) || (!ia32e_guest(x) && (ectx(x, GUEST_CR0) & CR0_PE));
}

static bool g_rflags_if(const struct entry_ctx *x, uint32_t *m)
{
	return !injecting_type(x, INTR_TYPE_EXT_INTR) || (ectx(x, GUEST_RFLAGS) & FL_IF);
}

/* ---- 27.3.1.5 guest non-register state -------------------------------- */

static uint32_t activity(const struct entry_ctx *x)
{
	return (uint32_t)ectx(x, GUEST_ACTIVITY_STATE);
}
static uint32_t intr_state(const struct entry_ctx *x)
{
	return (uint32_t)ectx(x, GUEST_INTERRUPTIBILITY_INFO);
}

/* IA32_VMX_MISC bits 8:6 say which of HLT, shutdown and wait-for-SIPI are supported (A.6). */
static bool g_activity_supported(const struct entry_ctx *x, uint32_t *m)
{
	uint32_t a = activity(x);
	if (a == GUEST_ACTIVITY_ACTIVE)
		return true;
	return a <= GUEST_ACTIVITY_WAIT_SIPI && ((cap(IA32_VMX_MISC) >> (5 + a)) & 1);
}

static bool g_activity_hlt_dpl(const struct entry_ctx *x, uint32_t *m)
{
	return activity(x) != GUEST_ACTIVITY_HLT || ar_dpl(seg_ar(x, SR_SS)) == 0;
}

static bool g_activity_shadow(const struct entry_ctx *x, uint32_t *m)
{
	return activity(x) == GUEST_ACTIVITY_ACTIVE ||
	       !(intr_state(x) & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
}

/*
 * An event may be injected only if the activity state would not block
 * it. Active: anything. HLT: external interrupts, NMIs, #DB and #MC as
 * hardware exceptions, and a pending MTF VM exit. Shutdown: NMIs and #MC.
 * Wait-for-SIPI: nothing.
 */
static bool g_activity_event(const struct entry_ctx *x, uint32_t *m)
{
	uint32_t info = intr_info(x);
	unsigned t = intr_info_type(info), v = intr_info_vector(info);
	if (!injecting(x))
		return true;
	switch (activity(x)) {
	case GUEST_ACTIVITY_ACTIVE:
		return true;
	case GUEST_ACTIVITY_HLT:
		return t == INTR_TYPE_EXT_INTR || t == INTR_TYPE_NMI ||
		       (t == INTR_TYPE_HARD_EXCEPTION && (v == 1 || v == 18)) ||
		       (t == INTR_TYPE_OTHER && v == 0);
	case GUEST_ACTIVITY_SHUTDOWN:
		return t == INTR_TYPE_NMI || (t == INTR_TYPE_HARD_EXCEPTION && v == 18);
	}
	return false;
}

/* Interruptibility state (25.4.2, Table 25-3): bits 31:5 are reserved. */
static bool g_intr_reserved(const struct entry_ctx *x, uint32_t *m)
{
	return (intr_state(x) & bits(31, 5)) == 0;
}

static bool g_intr_sti_movss(const struct entry_ctx *x, uint32_t *m)
{
	uint32_t both = GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS;
	return (intr_state(x) & both) != both;
}

static bool g_intr_sti_if(const struct entry_ctx *x, uint32_t *m)
{
	return !(intr_state(x) & GUEST_INTR_STATE_STI) || (ectx(x, GUEST_RFLAGS) & FL_IF);
}

static bool g_intr_extint_sti(const struct entry_ctx *x, uint32_t *m)
{
	return !injecting_type(x, INTR_TYPE_EXT_INTR) || !(intr_state(x) & GUEST_INTR_STATE_STI);
}

static bool g_intr_extint_movss(const struct entry_ctx *x, uint32_t *m)
{
	return !injecting_type(x, INTR_TYPE_EXT_INTR) || !(intr_state(x) & GUEST_INTR_STATE_MOV_SS);
}

static bool g_intr_nmi_movss(const struct entry_ctx *x, uint32_t *m)
{
	return !injecting_type(x, INTR_TYPE_NMI) || !(intr_state(x) & GUEST_INTR_STATE_MOV_SS);
}

/* The processor is never in SMM on vtsim. */
static bool g_intr_smi(const struct entry_ctx *x, uint32_t *m)
{
	return !(intr_state(x) & GUEST_INTR_STATE_SMI);
}

/* With virtual NMIs, an injected NMI needs virtual-NMI blocking clear. */
static bool g_intr_vnmi_blocking(const struct entry_ctx *x, uint32_t *m)
{
	return !(pin(x) & PIN_VIRTUAL_NMIS) || !injecting_type(x, INTR_TYPE_NMI) ||
	       !(intr_state(x) & GUEST_INTR_STATE_NMI);
}

/* Enclave interruption needs SGX, which vtsim does not have. */
static bool g_intr_enclave(const struct entry_ctx *x, uint32_t *m)
{
	return !(intr_state(x) & GUEST_INTR_STATE_ENCLAVE);
}

/* An NMI injected into a guest blocking by STI: exit qualification 3
 * (27.8: some processors fail the entry for this; vtsim does). */
static bool g_intr_nmi_sti(const struct entry_ctx *x, uint32_t *m)
{
	return !injecting_type(x, INTR_TYPE_NMI) || !(intr_state(x) & GUEST_INTR_STATE_STI);
}

/*
 * Pending debug exceptions (25.4.2, Table 25-4):
 *   63..17 rsvd  16 RTM  15 rsvd  14 BS  13 rsvd  12 enabled bkpt  11..4 rsvd  3..0 B3-B0
 */
#define PENDING_BS (1ull << 14)
#define PENDING_RTM (1ull << 16)

static uint64_t pending_dbg(const struct entry_ctx *x)
{
	return ectx(x, GUEST_PENDING_DBG_EXCEPTIONS);
}

static bool g_pending_reserved(const struct entry_ctx *x, uint32_t *m)
{
	uint64_t rsvd = bits(63, 17) | (1ull << 15) | (1ull << 13) | bits(11, 4);
	return (pending_dbg(x) & rsvd) == 0;
}

/* Bit 16 (RTM) needs RTM, which vtsim does not implement. */
static bool g_pending_rtm(const struct entry_ctx *x, uint32_t *m)
{
	return !(pending_dbg(x) & PENDING_RTM);
}

/* The BS rules apply when the guest is in an interrupt shadow or halted:
 * a single-step trap (TF = 1 without BTF) must then be pending. */
static bool bs_rules_apply(const struct entry_ctx *x)
{
	return (intr_state(x) & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)) ||
	       activity(x) == GUEST_ACTIVITY_HLT;
}

static bool single_stepping(const struct entry_ctx *x)
{
	return (ectx(x, GUEST_RFLAGS) & FL_TF) && !(ectx(x, GUEST_IA32_DEBUGCTL) & DEBUGCTL_BTF);
}

static bool g_pending_bs_set(const struct entry_ctx *x, uint32_t *m)
{
	return !bs_rules_apply(x) || !single_stepping(x) || (pending_dbg(x) & PENDING_BS);
}

static bool g_pending_bs_clear(const struct entry_ctx *x, uint32_t *m)
{
	return !bs_rules_apply(x) || single_stepping(x) || !(pending_dbg(x) & PENDING_BS);
}

/*
 * The VMCS link pointer: FFFFFFFF_FFFFFFFFH, or the address of a VMCS
 * region whose header matches (exit qualification 4). vtsim has no VMCS
 * shadowing, so the region's shadow-VMCS indicator must be 0.
 */
static uint64_t link(const struct entry_ctx *x) { return ectx(x, VMCS_LINK_POINTER); }
static bool no_link(const struct entry_ctx *x) { return link(x) == ~0ull; }

static bool g_link_aligned(const struct entry_ctx *x, uint32_t *m)
{
	return no_link(x) || (link(x) & 0xfff) == 0;
}
static bool g_link_width(const struct entry_ctx *x, uint32_t *m)
{
	return no_link(x) || phys_ok(link(x));
}

static uint32_t link_header(const struct entry_ctx *x)
{
	return (uint32_t)phys_read(x->c->pm, link(x) + VMCS_OFF_REVISION, 4);
}

static bool g_link_revision(const struct entry_ctx *x, uint32_t *m)
{
	return no_link(x) || (link_header(x) & 0x7fffffff) == (cap(IA32_VMX_BASIC) & 0x7fffffff);
}

static bool g_link_shadow(const struct entry_ctx *x, uint32_t *m)
{
	return no_link(x) || !(link_header(x) >> 31);
}

static bool g_link_current(const struct entry_ctx *x, uint32_t *m)
{
	return no_link(x) || link(x) != x->vmcs;
}

/* ---- 27.3.1.6 guest PDPTEs -------------------------------------------- */

/*
 * With PAE paging (CR0.PG = 1, CR4.PAE = 1, not IA-32e mode) VM entry
 * loads the four PDPTEs: from the guest PDPTE fields when "enable EPT" is
 * 1, otherwise from the table at CR3 (bits 31:5) in memory. A present
 * PDPTE must not set a reserved bit: 2:1, 8:5 or 63:MAXPHYADDR (SDM Vol.
 * 3A, 4.4.1, Table 4-8). Exit qualification 2.
 */
static bool pae_paging(const struct entry_ctx *x)
{
	return (ectx(x, GUEST_CR0) & CR0_PG) && (ectx(x, GUEST_CR4) & CR4_PAE) && !ia32e_guest(x);
}

static uint64_t pdpte(const struct entry_ctx *x, unsigned k)
{
	static const enum vmcs_field f[4] = {GUEST_PDPTE0, GUEST_PDPTE1, GUEST_PDPTE2,
	                                     GUEST_PDPTE3};
	if (ept(x))
		return ectx(x, f[k]);
	return phys_read(x->c->pm, (ectx(x, GUEST_CR3) & 0xffffffe0u) + 8 * k, 8);
}

static bool pdpte_ok(const struct entry_ctx *x, unsigned k)
{
	uint64_t e = pdpte(x, k);
	uint64_t rsvd = bits(2, 1) | bits(8, 5) | bits(63, VT_MAXPHYADDR);
	return !pae_paging(x) || !(e & 1) || (e & rsvd) == 0;
}

static bool g_pdpte0(const struct entry_ctx *x, uint32_t *m) { return pdpte_ok(x, 0); }
static bool g_pdpte1(const struct entry_ctx *x, uint32_t *m) { return pdpte_ok(x, 1); }
static bool g_pdpte2(const struct entry_ctx *x, uint32_t *m) { return pdpte_ok(x, 2); }
static bool g_pdpte3(const struct entry_ctx *x, uint32_t *m) { return pdpte_ok(x, 3); }

/* ---- 27.4 loading MSRs ------------------------------------------------ */

/*
 * An entry of the VM-entry MSR-load area (25.8.2, Table 25-16):
 *   bits 31:0 MSR index, 63:32 reserved, 127:64 MSR data
 *
 * Each MSR-load row looks at every entry and reports the first one it
 * rejects; vmx_run_entry_checks() reports the lowest such entry (and,
 * for it, the first row in table order), which is what a processor that
 * loads the entries one by one would find.
 */
struct msr_entry {
	uint32_t index;     /* bits 31:0 */
	uint32_t reserved;  /* bits 63:32 */
	uint64_t data;      /* bits 127:64 */
};

static struct msr_entry msr_entry(const struct entry_ctx *x, uint32_t k)
{
	uint64_t a = ectx(x, VM_ENTRY_MSR_LOAD_ADDR) + 16ull * k;
	uint64_t lo = phys_read(x->c->pm, a, 8);
	struct msr_entry e = { (uint32_t)lo, (uint32_t)(lo >> 32), phys_read(x->c->pm, a + 8, 8) };
	return e;
}

/*
 * Apply rule to every entry; on the first it rejects, store k + 1 in *m.
 * A list longer than the recommended maximum, 512 * (IA32_VMX_MISC[27:25]
 * + 1) (A.6), makes the processor's behaviour undefined; vtsim looks at
 * (and loads) only that many entries.
 */
static bool each_entry(const struct entry_ctx *x, uint32_t *m,
		       bool (*rule)(const struct entry_ctx *x, const struct msr_entry *e))
{
	uint32_t n = (uint32_t)ectx(x, VM_ENTRY_MSR_LOAD_COUNT);
	uint32_t max = 512 * (uint32_t)(((cap(IA32_VMX_MISC) >> 25) & 7) + 1);
	if (n > max)
		n = max;
	for (uint32_t k = 0; k < n; k++) {
		struct msr_entry e = msr_entry(x, k);
		if (!rule(x, &e)) {
			*m = k + 1;
			return false;
		}
	}
	return true;
}

#define MSR_IA32_SMM_MONITOR_CTL 0x9bu
#define MSR_IA32_EFER 0xc0000080u
#define MSR_IA32_FS_BASE 0xc0000100u
#define MSR_IA32_GS_BASE 0xc0000101u
#define MSR_IA32_PAT 0x277u

static bool e_reserved(const struct entry_ctx *x, const struct msr_entry *e)
{
	return e->reserved == 0;
}

static bool e_fs_gs(const struct entry_ctx *x, const struct msr_entry *e)
{
	return e->index != MSR_IA32_FS_BASE && e->index != MSR_IA32_GS_BASE;
}

static bool e_x2apic(const struct entry_ctx *x, const struct msr_entry *e)
{
	return (e->index >> 8) != 0x8;
}
static bool e_smm(const struct entry_ctx *x, const struct msr_entry *e)
{
	return e->index != MSR_IA32_SMM_MONITOR_CTL;
}

/* WRMSR of an MSR the processor does not have raises #GP. */
static bool e_exists(const struct entry_ctx *x, const struct msr_entry *e)
{
	uint64_t v;
	return cpu_msr_read(x->c, e->index, &v);
}

/*
 * The value rules of WRMSR at CPL 0 for the MSRs vtsim has (SDM Vol. 4),
 * without writing: linear addresses canonical, PAT memory types valid,
 * EFER reserved bits 0. The loader must still treat a refused
 * cpu_msr_write() as a failure of this row at the same entry.
 */
static bool e_value(const struct entry_ctx *x, const struct msr_entry *e)
{
	switch (e->index) {
	case 0x175: /* IA32_SYSENTER_ESP */
	case 0x176: /* IA32_SYSENTER_EIP */
	case 0xc0000082: /* IA32_LSTAR */
	case 0xc0000083: /* IA32_CSTAR */
	case 0xc0000102: /* IA32_KERNEL_GS_BASE */
		return canonical(e->data);
	case MSR_IA32_PAT:
		return pat_ok(e->data);
	case MSR_IA32_EFER:
		return (e->data & ~EFER_DEFINED) == 0;
	}
	return true;
}

static bool m_reserved(const struct entry_ctx *x, uint32_t *m)
{
	return each_entry(x, m, e_reserved);
}
static bool m_fs_gs(const struct entry_ctx *x, uint32_t *m) { return each_entry(x, m, e_fs_gs); }
static bool m_x2apic(const struct entry_ctx *x, uint32_t *m) { return each_entry(x, m, e_x2apic); }
static bool m_smm(const struct entry_ctx *x, uint32_t *m) { return each_entry(x, m, e_smm); }
static bool m_exists(const struct entry_ctx *x, uint32_t *m) { return each_entry(x, m, e_exists); }
static bool m_value(const struct entry_ctx *x, uint32_t *m) { return each_entry(x, m, e_value); }

/* ---- the table -------------------------------------------------------- */

static const char S_EXEC[] = "27.2.1.1 VM-Execution Control Fields";
static const char S_EXIT[] = "27.2.1.2 VM-Exit Control Fields";
static const char S_ENTRY[] = "27.2.1.3 VM-Entry Control Fields";
static const char S_HOST_CR[] = "27.2.2 Checks on Host Control Registers, MSRs, and SSP";
static const char S_HOST_SEG[] = "27.2.3 Checks on Host Segment and Descriptor-Table Registers";
static const char S_ADDR[] = "27.2.4 Checks Related to Address-Space Size";
static const char S_G_CR[] =
    "27.3.1.1 Checks on Guest Control Registers, Debug Registers, and MSRs";
static const char S_G_SEG[] = "27.3.1.2 Checks on Guest Segment Registers";
static const char S_G_DT[] = "27.3.1.3 Checks on Guest Descriptor-Table Registers";
static const char S_G_RIP[] = "27.3.1.4 Checks on Guest RIP, RFLAGS, and SSP";
static const char S_G_NONREG[] = "27.3.1.5 Checks on Guest Non-Register State";
static const char S_G_PDPTE[] = "27.3.1.6 Checks on Guest Page-Directory-Pointer-Table Entries";
static const char S_MSR[] = "27.4 Loading MSRs";

/* Exit qualifications of a failed guest-state check (27.8). */
enum { Q_DEFAULT = 0, Q_PDPTE = 2, Q_NMI = 3, Q_LINK = 4 };

/* One row per check, one line per row (clang-format leaves the table alone). */
/* clang-format off */
static const struct vmx_check checks[] = {
	/* 27.2.1.1 */
	{ "ctl.pin.reserved", CHK_CONTROL, 0, S_EXEC, "Pin-based controls must match IA32_VMX_TRUE_PINBASED_CTLS (required 1s set, unsupported bits 0)", c_pin_reserved },
	{ "ctl.proc.reserved", CHK_CONTROL, 0, S_EXEC, "Primary processor-based controls must match IA32_VMX_TRUE_PROCBASED_CTLS", c_proc_reserved },
	{ "ctl.proc2.reserved", CHK_CONTROL, 0, S_EXEC, "With \"activate secondary controls\", secondary controls must match IA32_VMX_PROCBASED_CTLS2", c_proc2_reserved },
	{ "ctl.cr3-target-count", CHK_CONTROL, 0, S_EXEC, "The CR3-target count must not exceed 4 (IA32_VMX_MISC[24:16])", c_cr3_target_count },
	{ "ctl.io-bitmap-a.aligned", CHK_CONTROL, 0, S_EXEC, "With \"use I/O bitmaps\", the address of I/O bitmap A must be 4-KByte aligned", c_io_a_aligned },
	{ "ctl.io-bitmap-a.width", CHK_CONTROL, 0, S_EXEC, "With \"use I/O bitmaps\", the address of I/O bitmap A must fit in MAXPHYADDR bits", c_io_a_width },
	{ "ctl.io-bitmap-b.aligned", CHK_CONTROL, 0, S_EXEC, "With \"use I/O bitmaps\", the address of I/O bitmap B must be 4-KByte aligned", c_io_b_aligned },
	{ "ctl.io-bitmap-b.width", CHK_CONTROL, 0, S_EXEC, "With \"use I/O bitmaps\", the address of I/O bitmap B must fit in MAXPHYADDR bits", c_io_b_width },
	{ "ctl.msr-bitmap.aligned", CHK_CONTROL, 0, S_EXEC, "With \"use MSR bitmaps\", the MSR-bitmap address must be 4-KByte aligned", c_msr_bitmap_aligned },
	{ "ctl.msr-bitmap.width", CHK_CONTROL, 0, S_EXEC, "With \"use MSR bitmaps\", the MSR-bitmap address must fit in MAXPHYADDR bits", c_msr_bitmap_width },
	{ "ctl.tpr-shadow.vapic.aligned", CHK_CONTROL, 0, S_EXEC, "With \"use TPR shadow\", the virtual-APIC address must be 4-KByte aligned", c_vapic_aligned },
	{ "ctl.tpr-shadow.vapic.width", CHK_CONTROL, 0, S_EXEC, "With \"use TPR shadow\", the virtual-APIC address must fit in MAXPHYADDR bits", c_vapic_width },
	{ "ctl.tpr-shadow.threshold.reserved", CHK_CONTROL, 0, S_EXEC, "With \"use TPR shadow\", TPR-threshold bits 31:4 must be 0", c_tpr_threshold_reserved },
	{ "ctl.tpr-shadow.threshold.vtpr", CHK_CONTROL, 0, S_EXEC, "With \"use TPR shadow\", TPR threshold[3:0] must not exceed VTPR[7:4] (byte 80H of the virtual-APIC page)", c_tpr_threshold_vtpr },
	{ "ctl.virtual-nmis.nmi-exiting", CHK_CONTROL, 0, S_EXEC, "\"Virtual NMIs\" may be 1 only if \"NMI exiting\" is 1", c_vnmi_needs_nmi_exiting },
	{ "ctl.nmi-window.virtual-nmis", CHK_CONTROL, 0, S_EXEC, "\"NMI-window exiting\" may be 1 only if \"virtual NMIs\" is 1", c_nmi_window_needs_vnmi },
	{ "ctl.apic-access.aligned", CHK_CONTROL, 0, S_EXEC, "With \"virtualize APIC accesses\", the APIC-access address must be 4-KByte aligned", c_apic_access_aligned },
	{ "ctl.apic-access.width", CHK_CONTROL, 0, S_EXEC, "With \"virtualize APIC accesses\", the APIC-access address must fit in MAXPHYADDR bits", c_apic_access_width },
	{ "ctl.unrestricted-guest.ept", CHK_CONTROL, 0, S_EXEC, "\"Unrestricted guest\" may be 1 only if \"enable EPT\" is 1", c_unrestricted_ept },
	{ "ctl.vpid.nonzero", CHK_CONTROL, 0, S_EXEC, "With \"enable VPID\", the VPID must not be 0000H (VPID 0 is the host's)", c_vpid_nonzero },
	{ "ctl.eptp.memory-type", CHK_CONTROL, 0, S_EXEC, "With \"enable EPT\", EPTP bits 2:0 must be a supported memory type: 0 (UC) or 6 (WB)", c_eptp_memtype },
	{ "ctl.eptp.walk-length", CHK_CONTROL, 0, S_EXEC, "With \"enable EPT\", EPTP bits 5:3 must be 3 (a 4-level EPT walk)", c_eptp_walk },
	{ "ctl.eptp.reserved-low", CHK_CONTROL, 0, S_EXEC, "With \"enable EPT\", EPTP bits 11:7 are reserved and must be 0", c_eptp_rsvd_low },
	{ "ctl.eptp.reserved-high", CHK_CONTROL, 0, S_EXEC, "With \"enable EPT\", EPTP bits above MAXPHYADDR must be 0", c_eptp_rsvd_high },
	/* 27.2.1.2 */
	{ "ctl.exit.reserved", CHK_CONTROL, 0, S_EXIT, "VM-exit controls must match IA32_VMX_TRUE_EXIT_CTLS", c_exit_reserved },
	{ "ctl.exit.save-preemption-timer", CHK_CONTROL, 0, S_EXIT, "\"Save VMX-preemption timer value\" may be 1 only if \"activate VMX-preemption timer\" is 1", c_exit_save_timer },
	{ "ctl.exit.msr-store.aligned", CHK_CONTROL, 0, S_EXIT, "With a nonzero MSR-store count, the VM-exit MSR-store address must be 16-byte aligned", c_exit_store_aligned },
	{ "ctl.exit.msr-store.width", CHK_CONTROL, 0, S_EXIT, "With a nonzero MSR-store count, the VM-exit MSR-store address must fit in MAXPHYADDR bits", c_exit_store_width },
	{ "ctl.exit.msr-store.last-byte", CHK_CONTROL, 0, S_EXIT, "The last byte of the VM-exit MSR-store area (address + count*16 - 1) must fit in MAXPHYADDR bits", c_exit_store_last },
	{ "ctl.exit.msr-load.aligned", CHK_CONTROL, 0, S_EXIT, "With a nonzero MSR-load count, the VM-exit MSR-load address must be 16-byte aligned", c_exit_load_aligned },
	{ "ctl.exit.msr-load.width", CHK_CONTROL, 0, S_EXIT, "With a nonzero MSR-load count, the VM-exit MSR-load address must fit in MAXPHYADDR bits", c_exit_load_width },
	{ "ctl.exit.msr-load.last-byte", CHK_CONTROL, 0, S_EXIT, "The last byte of the VM-exit MSR-load area (address + count*16 - 1) must fit in MAXPHYADDR bits", c_exit_load_last },
	/* 27.2.1.3 */
	{ "ctl.entry.reserved", CHK_CONTROL, 0, S_ENTRY, "VM-entry controls must match IA32_VMX_TRUE_ENTRY_CTLS (entry to SMM and dual-monitor deactivation are 0)", c_entry_reserved },
	{ "ctl.entry.intr.type", CHK_CONTROL, 0, S_ENTRY, "An injected event's type (bits 10:8) must not be 1 (reserved), nor 7 unless monitor trap flag is supported", c_intr_type },
	{ "ctl.entry.intr.nmi-vector", CHK_CONTROL, 0, S_ENTRY, "An injected NMI (type 2) must have vector 2", c_intr_nmi_vector },
	{ "ctl.entry.intr.exception-vector", CHK_CONTROL, 0, S_ENTRY, "An injected hardware exception (type 3) must have a vector of at most 31", c_intr_hw_vector },
	{ "ctl.entry.intr.other-vector", CHK_CONTROL, 0, S_ENTRY, "An injected other event (type 7, pending MTF VM exit) must have vector 0", c_intr_other_vector },
	{ "ctl.entry.intr.error-code-missing", CHK_CONTROL, 0, S_ENTRY, "A hardware exception 8, 10-14 or 17 injected into protected mode must set deliver-error-code (bit 11)", c_intr_code_missing },
	{ "ctl.entry.intr.error-code-type", CHK_CONTROL, 0, S_ENTRY, "Deliver-error-code (bit 11) may be 1 only for a hardware exception (type 3)", c_intr_code_type },
	{ "ctl.entry.intr.error-code-vector", CHK_CONTROL, 0, S_ENTRY, "Deliver-error-code (bit 11) may be 1 only for vectors 8, 10-14 and 17 (the exceptions that push one), in protected mode", c_intr_code_vector },
	{ "ctl.entry.intr.reserved", CHK_CONTROL, 0, S_ENTRY, "Bits 30:12 of the VM-entry interruption-information field must be 0", c_intr_reserved },
	{ "ctl.entry.intr.error-code-reserved", CHK_CONTROL, 0, S_ENTRY, "An injected error code must have bits 31:16 clear", c_intr_code_rsvd },
	{ "ctl.entry.intr.insn-len-zero", CHK_CONTROL, 0, S_ENTRY, "A software interrupt or exception (types 4-6) needs a VM-entry instruction length of at least 1", c_intr_len_zero },
	{ "ctl.entry.intr.insn-len-max", CHK_CONTROL, 0, S_ENTRY, "A software interrupt or exception (types 4-6) needs a VM-entry instruction length of at most 15", c_intr_len_max },
	{ "ctl.entry.msr-load.aligned", CHK_CONTROL, 0, S_ENTRY, "With a nonzero MSR-load count, the VM-entry MSR-load address must be 16-byte aligned", c_entry_load_aligned },
	{ "ctl.entry.msr-load.width", CHK_CONTROL, 0, S_ENTRY, "With a nonzero MSR-load count, the VM-entry MSR-load address must fit in MAXPHYADDR bits", c_entry_load_width },
	{ "ctl.entry.msr-load.last-byte", CHK_CONTROL, 0, S_ENTRY, "The last byte of the VM-entry MSR-load area (address + count*16 - 1) must fit in MAXPHYADDR bits", c_entry_load_last },
	/* 27.2.2 */
	{ "host.cr0.fixed0", CHK_HOST, 0, S_HOST_CR, "Host CR0 must set every bit IA32_VMX_CR0_FIXED0 requires (PE, NE, PG)", h_cr0_fixed0 },
	{ "host.cr0.fixed1", CHK_HOST, 0, S_HOST_CR, "Host CR0 must clear every bit IA32_VMX_CR0_FIXED1 reports as 0", h_cr0_fixed1 },
	{ "host.cr4.fixed0", CHK_HOST, 0, S_HOST_CR, "Host CR4 must set every bit IA32_VMX_CR4_FIXED0 requires (VMXE)", h_cr4_fixed0 },
	{ "host.cr4.fixed1", CHK_HOST, 0, S_HOST_CR, "Host CR4 must clear every bit IA32_VMX_CR4_FIXED1 reports as 0", h_cr4_fixed1 },
	{ "host.cr3.width", CHK_HOST, 0, S_HOST_CR, "Host CR3 must not set bits above MAXPHYADDR", h_cr3_width },
	{ "host.sysenter-esp.canonical", CHK_HOST, 0, S_HOST_CR, "Host IA32_SYSENTER_ESP must be a canonical address", h_sysenter_esp },
	{ "host.sysenter-eip.canonical", CHK_HOST, 0, S_HOST_CR, "Host IA32_SYSENTER_EIP must be a canonical address", h_sysenter_eip },
	{ "host.pat.valid", CHK_HOST, 0, S_HOST_CR, "With \"load IA32_PAT\" on exit, every byte of host PAT must be 0, 1, 4, 5, 6 or 7", h_pat },
	{ "host.efer.reserved", CHK_HOST, 0, S_HOST_CR, "With \"load IA32_EFER\" on exit, host EFER must not set reserved bits", h_efer_reserved },
	{ "host.efer.lma", CHK_HOST, 0, S_HOST_CR, "With \"load IA32_EFER\" on exit, host EFER.LMA must equal \"host address-space size\"", h_efer_lma },
	{ "host.efer.lme", CHK_HOST, 0, S_HOST_CR, "With \"load IA32_EFER\" on exit, host EFER.LME must equal \"host address-space size\"", h_efer_lme },
	/* 27.2.3 */
	{ "host.es.selector", CHK_HOST, 0, S_HOST_SEG, "Host ES selector must have RPL 0 and TI 0", h_es_sel },
	{ "host.cs.selector", CHK_HOST, 0, S_HOST_SEG, "Host CS selector must have RPL 0 and TI 0", h_cs_sel },
	{ "host.ss.selector", CHK_HOST, 0, S_HOST_SEG, "Host SS selector must have RPL 0 and TI 0", h_ss_sel },
	{ "host.ds.selector", CHK_HOST, 0, S_HOST_SEG, "Host DS selector must have RPL 0 and TI 0", h_ds_sel },
	{ "host.fs.selector", CHK_HOST, 0, S_HOST_SEG, "Host FS selector must have RPL 0 and TI 0", h_fs_sel },
	{ "host.gs.selector", CHK_HOST, 0, S_HOST_SEG, "Host GS selector must have RPL 0 and TI 0", h_gs_sel },
	{ "host.tr.selector", CHK_HOST, 0, S_HOST_SEG, "Host TR selector must have RPL 0 and TI 0", h_tr_sel },
	{ "host.cs.null", CHK_HOST, 0, S_HOST_SEG, "Host CS selector must not be 0000H", h_cs_null },
	{ "host.tr.null", CHK_HOST, 0, S_HOST_SEG, "Host TR selector must not be 0000H", h_tr_null },
	{ "host.ss.null", CHK_HOST, 0, S_HOST_SEG, "Host SS selector may be 0000H only for a 64-bit host (\"host address-space size\" = 1)", h_ss_null },
	{ "host.fs.base", CHK_HOST, 0, S_HOST_SEG, "Host FS base must be canonical", h_fs_base },
	{ "host.gs.base", CHK_HOST, 0, S_HOST_SEG, "Host GS base must be canonical", h_gs_base },
	{ "host.gdtr.base", CHK_HOST, 0, S_HOST_SEG, "Host GDTR base must be canonical", h_gdtr_base },
	{ "host.idtr.base", CHK_HOST, 0, S_HOST_SEG, "Host IDTR base must be canonical", h_idtr_base },
	{ "host.tr.base", CHK_HOST, 0, S_HOST_SEG, "Host TR base must be canonical", h_tr_base },
	/* 27.2.4 */
	{ "host.legacy.ia32e-guest", CHK_HOST, 0, S_ADDR, "Outside IA-32e mode (EFER.LMA = 0), VM entry cannot set \"IA-32e mode guest\"", a_outside_guest },
	{ "host.legacy.host-size", CHK_HOST, 0, S_ADDR, "Outside IA-32e mode (EFER.LMA = 0), \"host address-space size\" must be 0", a_outside_host },
	{ "host.ia32e.host-size", CHK_HOST, 0, S_ADDR, "In IA-32e mode (EFER.LMA = 1), \"host address-space size\" must be 1", a_inside_host },
	{ "host.size32.pcide", CHK_HOST, 0, S_ADDR, "A 32-bit host (\"host address-space size\" = 0) must have CR4.PCIDE = 0", a_host32_pcide },
	{ "host.size32.rip", CHK_HOST, 0, S_ADDR, "A 32-bit host must have host RIP bits 63:32 = 0", a_host32_rip },
	{ "host.size64.pae", CHK_HOST, 0, S_ADDR, "A 64-bit host (\"host address-space size\" = 1) must have CR4.PAE = 1", a_host64_pae },
	{ "host.size64.rip", CHK_HOST, 0, S_ADDR, "A 64-bit host must have a canonical host RIP (for its CR4.LA57)", a_host64_rip },
	/* 27.3.1.1 */
	{ "guest.cr0.fixed0", CHK_GUEST, Q_DEFAULT, S_G_CR, "Guest CR0 must set every bit IA32_VMX_CR0_FIXED0 requires (PE and PG exempt only with unrestricted guest)", g_cr0_fixed0 },
	{ "guest.cr0.fixed1", CHK_GUEST, Q_DEFAULT, S_G_CR, "Guest CR0 must clear every bit IA32_VMX_CR0_FIXED1 reports as 0", g_cr0_fixed1 },
	{ "guest.cr4.fixed0", CHK_GUEST, Q_DEFAULT, S_G_CR, "Guest CR4 must set every bit IA32_VMX_CR4_FIXED0 requires (VMXE)", g_cr4_fixed0 },
	{ "guest.cr4.fixed1", CHK_GUEST, Q_DEFAULT, S_G_CR, "Guest CR4 must clear every bit IA32_VMX_CR4_FIXED1 reports as 0", g_cr4_fixed1 },
	{ "guest.debugctl.reserved", CHK_GUEST, Q_DEFAULT, S_G_CR, "With \"load debug controls\", guest IA32_DEBUGCTL bits 5:2 and 63:16 must be 0", g_debugctl },
	{ "guest.cr0.pg-pe", CHK_GUEST, Q_DEFAULT, S_G_CR, "If guest CR0.PG = 1, CR0.PE must be 1 (matters with unrestricted guest)", g_cr0_pg_pe },
	{ "guest.ia32e.pg", CHK_GUEST, Q_DEFAULT, S_G_CR, "An IA-32e mode guest must have CR0.PG = 1", g_ia32e_pg },
	{ "guest.ia32e.pae", CHK_GUEST, Q_DEFAULT, S_G_CR, "An IA-32e mode guest must have CR4.PAE = 1", g_ia32e_pae },
	{ "guest.legacy.pcide", CHK_GUEST, Q_DEFAULT, S_G_CR, "A guest outside IA-32e mode must have CR4.PCIDE = 0", g_legacy_pcide },
	{ "guest.cr3.width", CHK_GUEST, Q_DEFAULT, S_G_CR, "Guest CR3 must not set bits above MAXPHYADDR", g_cr3_width },
	{ "guest.dr7.high", CHK_GUEST, Q_DEFAULT, S_G_CR, "With \"load debug controls\", guest DR7 bits 63:32 must be 0", g_dr7_high },
	{ "guest.sysenter-esp.canonical", CHK_GUEST, Q_DEFAULT, S_G_CR, "Guest IA32_SYSENTER_ESP must be a canonical address", g_sysenter_esp },
	{ "guest.sysenter-eip.canonical", CHK_GUEST, Q_DEFAULT, S_G_CR, "Guest IA32_SYSENTER_EIP must be a canonical address", g_sysenter_eip },
	{ "guest.pat.valid", CHK_GUEST, Q_DEFAULT, S_G_CR, "With \"load IA32_PAT\" on entry, every byte of guest PAT must be 0, 1, 4, 5, 6 or 7", g_pat },
	{ "guest.efer.reserved", CHK_GUEST, Q_DEFAULT, S_G_CR, "With \"load IA32_EFER\" on entry, guest EFER must not set reserved bits", g_efer_reserved },
	{ "guest.efer.lma", CHK_GUEST, Q_DEFAULT, S_G_CR, "With \"load IA32_EFER\" on entry, guest EFER.LMA must equal \"IA-32e mode guest\"", g_efer_lma },
	{ "guest.efer.lme", CHK_GUEST, Q_DEFAULT, S_G_CR, "With \"load IA32_EFER\" and guest CR0.PG = 1, guest EFER.LME must equal EFER.LMA", g_efer_lme },
	/* 27.3.1.2: selectors */
	{ "guest.tr.selector-ti", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Guest TR selector must have TI = 0 (the TSS is in the GDT)", g_tr_ti },
	{ "guest.ldtr.selector-ti", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest LDTR selector must have TI = 0", g_ldtr_ti },
	{ "guest.ss.rpl", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Outside virtual-8086 mode, guest SS.RPL must equal CS.RPL (the CPL)", g_ss_rpl },
	/* bases */
	{ "guest.cs.v86-base", CHK_GUEST, Q_DEFAULT, S_G_SEG, "In virtual-8086 mode, guest CS base must be the selector times 16", g_cs_v86_base },
	{ "guest.ss.v86-base", CHK_GUEST, Q_DEFAULT, S_G_SEG, "In virtual-8086 mode, guest SS base must be the selector times 16", g_ss_v86_base },
	{ "guest.ds.v86-base", CHK_GUEST, Q_DEFAULT, S_G_SEG, "In virtual-8086 mode, guest DS base must be the selector times 16", g_ds_v86_base },
	{ "guest.es.v86-base", CHK_GUEST, Q_DEFAULT, S_G_SEG, "In virtual-8086 mode, guest ES base must be the selector times 16", g_es_v86_base },
	{ "guest.fs.v86-base", CHK_GUEST, Q_DEFAULT, S_G_SEG, "In virtual-8086 mode, guest FS base must be the selector times 16", g_fs_v86_base },
	{ "guest.gs.v86-base", CHK_GUEST, Q_DEFAULT, S_G_SEG, "In virtual-8086 mode, guest GS base must be the selector times 16", g_gs_v86_base },
	{ "guest.tr.base", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Guest TR base must be canonical", g_tr_base },
	{ "guest.fs.base", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Guest FS base must be canonical", g_fs_base },
	{ "guest.gs.base", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Guest GS base must be canonical", g_gs_base },
	{ "guest.ldtr.base", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest LDTR base must be canonical", g_ldtr_base },
	{ "guest.cs.base-high", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Guest CS base bits 63:32 must be 0", g_cs_base_high },
	{ "guest.ss.base-high", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest SS base must have bits 63:32 = 0", g_ss_base_high },
	{ "guest.ds.base-high", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest DS base must have bits 63:32 = 0", g_ds_base_high },
	{ "guest.es.base-high", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest ES base must have bits 63:32 = 0", g_es_base_high },
	/* limits */
	{ "guest.cs.v86-limit", CHK_GUEST, Q_DEFAULT, S_G_SEG, "In virtual-8086 mode, guest CS limit must be 0000FFFFH", g_cs_v86_limit },
	{ "guest.ss.v86-limit", CHK_GUEST, Q_DEFAULT, S_G_SEG, "In virtual-8086 mode, guest SS limit must be 0000FFFFH", g_ss_v86_limit },
	{ "guest.ds.v86-limit", CHK_GUEST, Q_DEFAULT, S_G_SEG, "In virtual-8086 mode, guest DS limit must be 0000FFFFH", g_ds_v86_limit },
	{ "guest.es.v86-limit", CHK_GUEST, Q_DEFAULT, S_G_SEG, "In virtual-8086 mode, guest ES limit must be 0000FFFFH", g_es_v86_limit },
	{ "guest.fs.v86-limit", CHK_GUEST, Q_DEFAULT, S_G_SEG, "In virtual-8086 mode, guest FS limit must be 0000FFFFH", g_fs_v86_limit },
	{ "guest.gs.v86-limit", CHK_GUEST, Q_DEFAULT, S_G_SEG, "In virtual-8086 mode, guest GS limit must be 0000FFFFH", g_gs_v86_limit },
	/* access rights in virtual-8086 mode */
	{ "guest.cs.v86-ar", CHK_GUEST, Q_DEFAULT, S_G_SEG, "In virtual-8086 mode, guest CS access rights must be 000000F3H", g_cs_v86_ar },
	{ "guest.ss.v86-ar", CHK_GUEST, Q_DEFAULT, S_G_SEG, "In virtual-8086 mode, guest SS access rights must be 000000F3H", g_ss_v86_ar },
	{ "guest.ds.v86-ar", CHK_GUEST, Q_DEFAULT, S_G_SEG, "In virtual-8086 mode, guest DS access rights must be 000000F3H", g_ds_v86_ar },
	{ "guest.es.v86-ar", CHK_GUEST, Q_DEFAULT, S_G_SEG, "In virtual-8086 mode, guest ES access rights must be 000000F3H", g_es_v86_ar },
	{ "guest.fs.v86-ar", CHK_GUEST, Q_DEFAULT, S_G_SEG, "In virtual-8086 mode, guest FS access rights must be 000000F3H", g_fs_v86_ar },
	{ "guest.gs.v86-ar", CHK_GUEST, Q_DEFAULT, S_G_SEG, "In virtual-8086 mode, guest GS access rights must be 000000F3H", g_gs_v86_ar },
	/* access rights outside virtual-8086 mode: type */
	{ "guest.cs.type", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Guest CS type must be an accessed code segment: 9, 11, 13 or 15", g_cs_type },
	{ "guest.ss.type", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest SS must be read/write accessed data: type 3 or 7", g_ss_type },
	{ "guest.ds.type-accessed", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest DS must have its type's accessed bit (bit 0) set", g_ds_accessed },
	{ "guest.es.type-accessed", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest ES must have its type's accessed bit (bit 0) set", g_es_accessed },
	{ "guest.fs.type-accessed", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest FS must have its type's accessed bit (bit 0) set", g_fs_accessed },
	{ "guest.gs.type-accessed", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest GS must have its type's accessed bit (bit 0) set", g_gs_accessed },
	{ "guest.ds.type-readable", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A code segment in guest DS must be readable (type bit 1)", g_ds_readable },
	{ "guest.es.type-readable", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A code segment in guest ES must be readable (type bit 1)", g_es_readable },
	{ "guest.fs.type-readable", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A code segment in guest FS must be readable (type bit 1)", g_fs_readable },
	{ "guest.gs.type-readable", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A code segment in guest GS must be readable (type bit 1)", g_gs_readable },
	/* S */
	{ "guest.cs.s", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Guest CS must be a code/data descriptor (S = 1)", g_cs_s },
	{ "guest.ss.s", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest SS must be a code/data descriptor (S = 1)", g_ss_s },
	{ "guest.ds.s", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest DS must be a code/data descriptor (S = 1)", g_ds_s },
	{ "guest.es.s", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest ES must be a code/data descriptor (S = 1)", g_es_s },
	{ "guest.fs.s", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest FS must be a code/data descriptor (S = 1)", g_fs_s },
	{ "guest.gs.s", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest GS must be a code/data descriptor (S = 1)", g_gs_s },
	/* DPL */
	{ "guest.cs.dpl-nonconforming", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A nonconforming guest CS (type 9 or 11) must have DPL = SS.DPL", g_cs_dpl_nonconforming },
	{ "guest.cs.dpl-conforming", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A conforming guest CS (type 13 or 15) must have DPL <= SS.DPL", g_cs_dpl_conforming },
	{ "guest.cs.dpl-type3", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A guest CS of type 3 (unrestricted guest) must have DPL 0", g_cs_dpl_type3 },
	{ "guest.ss.dpl-real", CHK_GUEST, Q_DEFAULT, S_G_SEG, "With unrestricted guest and CR0.PE = 0, guest SS.DPL must be 0", g_ss_dpl_real },
	{ "guest.ss.dpl", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Guest SS.DPL must equal the RPL of the SS selector", g_ss_dpl },
	{ "guest.ds.dpl", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest DS holding data or nonconforming code must have DPL >= RPL", g_ds_dpl },
	{ "guest.es.dpl", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest ES holding data or nonconforming code must have DPL >= RPL", g_es_dpl },
	{ "guest.fs.dpl", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest FS holding data or nonconforming code must have DPL >= RPL", g_fs_dpl },
	{ "guest.gs.dpl", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest GS holding data or nonconforming code must have DPL >= RPL", g_gs_dpl },
	/* P */
	{ "guest.cs.p", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Guest CS must be present (P = 1)", g_cs_p },
	{ "guest.ss.p", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest SS must be present (P = 1)", g_ss_p },
	{ "guest.ds.p", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest DS must be present (P = 1)", g_ds_p },
	{ "guest.es.p", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest ES must be present (P = 1)", g_es_p },
	{ "guest.fs.p", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest FS must be present (P = 1)", g_fs_p },
	{ "guest.gs.p", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest GS must be present (P = 1)", g_gs_p },
	/* reserved bits 11:8 */
	{ "guest.cs.ar-reserved-11-8", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Guest CS access-rights bits 11:8 must be 0", g_cs_rsvd_mid },
	{ "guest.ss.ar-reserved-11-8", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest SS must have access-rights bits 11:8 = 0", g_ss_rsvd_mid },
	{ "guest.ds.ar-reserved-11-8", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest DS must have access-rights bits 11:8 = 0", g_ds_rsvd_mid },
	{ "guest.es.ar-reserved-11-8", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest ES must have access-rights bits 11:8 = 0", g_es_rsvd_mid },
	{ "guest.fs.ar-reserved-11-8", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest FS must have access-rights bits 11:8 = 0", g_fs_rsvd_mid },
	{ "guest.gs.ar-reserved-11-8", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest GS must have access-rights bits 11:8 = 0", g_gs_rsvd_mid },
	/* D/B */
	{ "guest.cs.l-and-db", CHK_GUEST, Q_DEFAULT, S_G_SEG, "In IA-32e mode, a 64-bit guest CS (L = 1) must have D/B = 0", g_cs_l_db },
	/* G */
	{ "guest.cs.g-limit-low", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Guest CS: if limit bits 11:0 are not all 1s, G must be 0", g_cs_g_low },
	{ "guest.cs.g-limit-high", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Guest CS: if any of limit bits 31:20 is 1, G must be 1", g_cs_g_high },
	{ "guest.ss.g-limit-low", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Usable guest SS: if limit bits 11:0 are not all 1s, G must be 0", g_ss_g_low },
	{ "guest.ss.g-limit-high", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Usable guest SS: if any of limit bits 31:20 is 1, G must be 1", g_ss_g_high },
	{ "guest.ds.g-limit-low", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Usable guest DS: if limit bits 11:0 are not all 1s, G must be 0", g_ds_g_low },
	{ "guest.ds.g-limit-high", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Usable guest DS: if any of limit bits 31:20 is 1, G must be 1", g_ds_g_high },
	{ "guest.es.g-limit-low", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Usable guest ES: if limit bits 11:0 are not all 1s, G must be 0", g_es_g_low },
	{ "guest.es.g-limit-high", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Usable guest ES: if any of limit bits 31:20 is 1, G must be 1", g_es_g_high },
	{ "guest.fs.g-limit-low", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Usable guest FS: if limit bits 11:0 are not all 1s, G must be 0", g_fs_g_low },
	{ "guest.fs.g-limit-high", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Usable guest FS: if any of limit bits 31:20 is 1, G must be 1", g_fs_g_high },
	{ "guest.gs.g-limit-low", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Usable guest GS: if limit bits 11:0 are not all 1s, G must be 0", g_gs_g_low },
	{ "guest.gs.g-limit-high", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Usable guest GS: if any of limit bits 31:20 is 1, G must be 1", g_gs_g_high },
	/* reserved bits 31:17 */
	{ "guest.cs.ar-reserved-31-17", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Guest CS access-rights bits 31:17 must be 0", g_cs_rsvd_high },
	{ "guest.ss.ar-reserved-31-17", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest SS must have access-rights bits 31:17 = 0", g_ss_rsvd_high },
	{ "guest.ds.ar-reserved-31-17", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest DS must have access-rights bits 31:17 = 0", g_ds_rsvd_high },
	{ "guest.es.ar-reserved-31-17", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest ES must have access-rights bits 31:17 = 0", g_es_rsvd_high },
	{ "guest.fs.ar-reserved-31-17", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest FS must have access-rights bits 31:17 = 0", g_fs_rsvd_high },
	{ "guest.gs.ar-reserved-31-17", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest GS must have access-rights bits 31:17 = 0", g_gs_rsvd_high },
	/* TR */
	{ "guest.tr.type", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Outside IA-32e mode, guest TR must be a busy TSS: type 11 (32-bit) or 3 (16-bit)", g_tr_type },
	{ "guest.tr.type-ia32e", CHK_GUEST, Q_DEFAULT, S_G_SEG, "In IA-32e mode, guest TR must be a busy 64-bit TSS (type 11)", g_tr_type_ia32e },
	{ "guest.tr.s", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Guest TR must be a system descriptor (S = 0)", g_tr_s },
	{ "guest.tr.p", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Guest TR must be present (P = 1)", g_tr_p },
	{ "guest.tr.ar-reserved-11-8", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Guest TR access-rights bits 11:8 must be 0", g_tr_rsvd_mid },
	{ "guest.tr.g-limit-low", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Guest TR: if limit bits 11:0 are not all 1s, G must be 0", g_tr_g_low },
	{ "guest.tr.g-limit-high", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Guest TR: if any of limit bits 31:20 is 1, G must be 1", g_tr_g_high },
	{ "guest.tr.unusable", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Guest TR must be usable (access-rights bit 16 = 0)", g_tr_unusable },
	{ "guest.tr.ar-reserved-31-17", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Guest TR access-rights bits 31:17 must be 0", g_tr_rsvd_high },
	/* LDTR */
	{ "guest.ldtr.type", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest LDTR must be an LDT descriptor (type 2)", g_ldtr_type },
	{ "guest.ldtr.s", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest LDTR must be a system descriptor (S = 0)", g_ldtr_s },
	{ "guest.ldtr.p", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest LDTR must be present (P = 1)", g_ldtr_p },
	{ "guest.ldtr.ar-reserved-11-8", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest LDTR must have access-rights bits 11:8 = 0", g_ldtr_rsvd_mid },
	{ "guest.ldtr.g-limit-low", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Usable guest LDTR: if limit bits 11:0 are not all 1s, G must be 0", g_ldtr_g_low },
	{ "guest.ldtr.g-limit-high", CHK_GUEST, Q_DEFAULT, S_G_SEG, "Usable guest LDTR: if any of limit bits 31:20 is 1, G must be 1", g_ldtr_g_high },
	{ "guest.ldtr.ar-reserved-31-17", CHK_GUEST, Q_DEFAULT, S_G_SEG, "A usable guest LDTR must have access-rights bits 31:17 = 0", g_ldtr_rsvd_high },
	/* 27.3.1.3 */
	{ "guest.gdtr.base", CHK_GUEST, Q_DEFAULT, S_G_DT, "Guest GDTR base must be canonical", g_gdtr_base },
	{ "guest.idtr.base", CHK_GUEST, Q_DEFAULT, S_G_DT, "Guest IDTR base must be canonical", g_idtr_base },
	{ "guest.gdtr.limit", CHK_GUEST, Q_DEFAULT, S_G_DT, "Guest GDTR limit bits 31:16 must be 0", g_gdtr_limit },
	{ "guest.idtr.limit", CHK_GUEST, Q_DEFAULT, S_G_DT, "Guest IDTR limit bits 31:16 must be 0", g_idtr_limit },
	/* 27.3.1.4 */
	{ "guest.rip.high", CHK_GUEST, Q_DEFAULT, S_G_RIP, "Unless the guest will be in 64-bit mode (IA-32e and CS.L = 1), guest RIP bits 63:32 must be 0", g_rip_high },
	{ "guest.rip.canonical", CHK_GUEST, Q_DEFAULT, S_G_RIP, "In 64-bit mode, guest RIP must be canonical", g_rip_canonical },
	{ "guest.rflags.reserved", CHK_GUEST, Q_DEFAULT, S_G_RIP, "Guest RFLAGS bits 63:22, 15, 5 and 3 must be 0", g_rflags_reserved },
	{ "guest.rflags.bit1", CHK_GUEST, Q_DEFAULT, S_G_RIP, "Guest RFLAGS bit 1 must be 1", g_rflags_fixed1 },
	{ "guest.rflags.vm", CHK_GUEST, Q_DEFAULT, S_G_RIP, "Guest RFLAGS.VM must be 0 in IA-32e mode or when CR0.PE = 0", g_rflags_vm },
	{ "guest.rflags.if-for-interrupt", CHK_GUEST, Q_DEFAULT, S_G_RIP, "Injecting an external interrupt needs guest RFLAGS.IF = 1", g_rflags_if },
	/* 27.3.1.5 */
	{ "guest.activity.supported", CHK_GUEST, Q_DEFAULT, S_G_NONREG, "Guest activity state must be 0 (active) or one IA32_VMX_MISC[8:6] supports (vtsim: 1, HLT)", g_activity_supported },
	{ "guest.activity.hlt-dpl", CHK_GUEST, Q_DEFAULT, S_G_NONREG, "The HLT activity state needs guest SS.DPL = 0 (CPL 0)", g_activity_hlt_dpl },
	{ "guest.activity.shadow", CHK_GUEST, Q_DEFAULT, S_G_NONREG, "A guest blocking by STI or MOV SS must be in the active state", g_activity_shadow },
	{ "guest.activity.event", CHK_GUEST, Q_DEFAULT, S_G_NONREG, "An injected event must be one the activity state lets through (HLT: INTR, NMI, #DB, #MC, MTF)", g_activity_event },
	{ "guest.intr-state.reserved", CHK_GUEST, Q_DEFAULT, S_G_NONREG, "Guest interruptibility-state bits 31:5 must be 0", g_intr_reserved },
	{ "guest.intr-state.sti-and-mov-ss", CHK_GUEST, Q_DEFAULT, S_G_NONREG, "Blocking by STI and blocking by MOV SS cannot both be 1", g_intr_sti_movss },
	{ "guest.intr-state.sti-needs-if", CHK_GUEST, Q_DEFAULT, S_G_NONREG, "Blocking by STI needs guest RFLAGS.IF = 1", g_intr_sti_if },
	{ "guest.intr-state.interrupt-sti", CHK_GUEST, Q_DEFAULT, S_G_NONREG, "Injecting an external interrupt needs blocking by STI = 0", g_intr_extint_sti },
	{ "guest.intr-state.interrupt-mov-ss", CHK_GUEST, Q_DEFAULT, S_G_NONREG, "Injecting an external interrupt needs blocking by MOV SS = 0", g_intr_extint_movss },
	{ "guest.intr-state.nmi-mov-ss", CHK_GUEST, Q_DEFAULT, S_G_NONREG, "Injecting an NMI needs blocking by MOV SS = 0", g_intr_nmi_movss },
	{ "guest.intr-state.smi", CHK_GUEST, Q_DEFAULT, S_G_NONREG, "Blocking by SMI must be 0 (the processor is not in SMM)", g_intr_smi },
	{ "guest.intr-state.virtual-nmi", CHK_GUEST, Q_DEFAULT, S_G_NONREG, "With \"virtual NMIs\", injecting an NMI needs blocking by NMI (bit 3) = 0", g_intr_vnmi_blocking },
	{ "guest.intr-state.enclave", CHK_GUEST, Q_DEFAULT, S_G_NONREG, "Enclave interruption (bit 4) must be 0 (no SGX)", g_intr_enclave },
	{ "guest.intr-state.nmi-sti", CHK_GUEST, Q_NMI, S_G_NONREG, "Injecting an NMI needs blocking by STI = 0 (exit qualification 3)", g_intr_nmi_sti },
	{ "guest.pending-dbg.reserved", CHK_GUEST, Q_DEFAULT, S_G_NONREG, "Guest pending debug exceptions bits 63:17, 15, 13 and 11:4 must be 0", g_pending_reserved },
	{ "guest.pending-dbg.rtm", CHK_GUEST, Q_DEFAULT, S_G_NONREG, "Pending debug exceptions bit 16 (RTM) must be 0 (no RTM)", g_pending_rtm },
	{ "guest.pending-dbg.bs-set", CHK_GUEST, Q_DEFAULT, S_G_NONREG, "In an interrupt shadow or HLT with RFLAGS.TF = 1 and DEBUGCTL.BTF = 0, pending BS must be 1", g_pending_bs_set },
	{ "guest.pending-dbg.bs-clear", CHK_GUEST, Q_DEFAULT, S_G_NONREG, "In an interrupt shadow or HLT with RFLAGS.TF = 0 or DEBUGCTL.BTF = 1, pending BS must be 0", g_pending_bs_clear },
	{ "guest.vmcs-link.aligned", CHK_GUEST, Q_LINK, S_G_NONREG, "A VMCS link pointer other than FFFFFFFF_FFFFFFFFH must be 4-KByte aligned", g_link_aligned },
	{ "guest.vmcs-link.width", CHK_GUEST, Q_LINK, S_G_NONREG, "A VMCS link pointer other than FFFFFFFF_FFFFFFFFH must fit in MAXPHYADDR bits", g_link_width },
	{ "guest.vmcs-link.revision", CHK_GUEST, Q_LINK, S_G_NONREG, "The VMCS link pointer must point to a region with the VMCS revision identifier", g_link_revision },
	{ "guest.vmcs-link.shadow", CHK_GUEST, Q_LINK, S_G_NONREG, "The linked region's shadow-VMCS indicator must be 0 (no VMCS shadowing)", g_link_shadow },
	{ "guest.vmcs-link.current", CHK_GUEST, Q_LINK, S_G_NONREG, "The VMCS link pointer must not be the current-VMCS pointer", g_link_current },
	/* 27.3.1.6 */
	{ "guest.pdpte0.reserved", CHK_GUEST, Q_PDPTE, S_G_PDPTE, "With PAE paging, a present PDPTE0 must not set reserved bits (2:1, 8:5, 63:MAXPHYADDR)", g_pdpte0 },
	{ "guest.pdpte1.reserved", CHK_GUEST, Q_PDPTE, S_G_PDPTE, "With PAE paging, a present PDPTE1 must not set reserved bits (2:1, 8:5, 63:MAXPHYADDR)", g_pdpte1 },
	{ "guest.pdpte2.reserved", CHK_GUEST, Q_PDPTE, S_G_PDPTE, "With PAE paging, a present PDPTE2 must not set reserved bits (2:1, 8:5, 63:MAXPHYADDR)", g_pdpte2 },
	{ "guest.pdpte3.reserved", CHK_GUEST, Q_PDPTE, S_G_PDPTE, "With PAE paging, a present PDPTE3 must not set reserved bits (2:1, 8:5, 63:MAXPHYADDR)", g_pdpte3 },
	/* 27.4 */
	{ "msr-load.reserved", CHK_MSR_LOAD, 0, S_MSR, "Bits 63:32 of an MSR-load entry must be 0", m_reserved },
	{ "msr-load.fs-gs-base", CHK_MSR_LOAD, 0, S_MSR, "The MSR-load area cannot load IA32_FS_BASE or IA32_GS_BASE (C0000100H, C0000101H)", m_fs_gs },
	{ "msr-load.x2apic", CHK_MSR_LOAD, 0, S_MSR, "The MSR-load area cannot load x2APIC MSRs (800H-8FFH)", m_x2apic },
	{ "msr-load.smm-monitor-ctl", CHK_MSR_LOAD, 0, S_MSR, "The MSR-load area cannot load IA32_SMM_MONITOR_CTL (9BH) outside SMM", m_smm },
	{ "msr-load.exists", CHK_MSR_LOAD, 0, S_MSR, "An MSR-load entry must name an MSR the processor has (WRMSR would #GP)", m_exists },
	{ "msr-load.value", CHK_MSR_LOAD, 0, S_MSR, "An MSR-load entry's value must be one WRMSR accepts at CPL 0", m_value },
};
/* clang-format on */

#define NCHECKS ((int)(sizeof checks / sizeof checks[0]))

/* ---- the API ---------------------------------------------------------- */

void entry_ctx_load(struct entry_ctx *x, struct cpu *c, uint64_t vmcs)
{
	/* One copy of every slot; ectx() picks a field and masks its width. */
	x->c = c;
	x->vmcs = vmcs;
	phys_read_buf(c->pm, vmcs + VMCS_OFF_FIELDS, x->f, sizeof x->f);
}

const struct vmx_check *vmx_entry_checks(int *n)
{
	*n = NCHECKS;
	return checks;
}

const struct vmx_check *vmx_entry_check_by_id(const char *id)
{
	for (int k = 0; k < NCHECKS; k++)
		if (strcmp(checks[k].id, id) == 0)
			return &checks[k];
	return NULL;
}

const struct vmx_check *vmx_run_entry_checks(const struct entry_ctx *x, enum check_stage stage,
					     uint32_t *msr_index)
{
	const struct vmx_check *worst = NULL;
	uint32_t worst_index = 0;
	for (int k = 0; k < NCHECKS; k++) {
		uint32_t idx = 0;
		if (checks[k].stage != stage || checks[k].ok(x, &idx))
			continue;
		if (stage != CHK_MSR_LOAD) {
			worst = &checks[k];
			break;
		}
		/* MSR loading goes entry by entry: the lowest failing entry wins. */
		if (!worst || idx < worst_index) {
			worst = &checks[k];
			worst_index = idx;
		}
	}
	if (msr_index)
		*msr_index = worst_index;
	return worst;
}
