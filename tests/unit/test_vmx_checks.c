/* test_vmx_checks.c - every VM-entry check row passes on valid VMCSs and fails alone. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "../../sim/cpu/cpu.h"
#include "../../sim/memory.h"
#include "../../sim/vmx/entry.h"
#include "../../sim/vmx/vmx.h"

/*
 * A processor of its own (no devices: the checks need the CPU's EFER, its
 * MSRs and physical memory) with a VMCS built field by field with
 * vmcs_write(), as a hypervisor would with VMWRITE. Three valid
 * baselines: a 64-bit host entering a 64-bit guest, the same host entering
 * a 32-bit protected-mode guest with PAE paging, and a 32-bit host (outside
 * IA-32e mode) entering that 32-bit guest. Then one mutation per row of
 * the check table, each breaking exactly that rule: the row's stage must
 * report that row, the stages before it must still pass.
 *
 * Physical layout:
 *   0x10000 VMCS            0x11000 a second VMCS region (link pointer)
 *   0x20000 I/O bitmap A    0x21000 I/O bitmap B      0x22000 MSR bitmaps
 *   0x23000 VM-exit MSR-store area, 0x23100 VM-exit MSR-load area,
 *   0x23200 VM-entry MSR-load area (two entries)
 *   0x24000 the 32-bit guest's PAE PDPT (guest CR3)
 *   0x25000 the virtual-APIC page (TPR-shadow mutations)
 *   0x30000 EPT PML4
 */
#define RAM (4ull << 20)
#define VMCS 0x10000ull
#define VMCS2 0x11000ull
#define ENTRY_MSRS 0x23200ull
#define PDPT 0x24000ull
#define NONCANON 0x0100000000000000ull /* non-canonical with 48 and with 57 bits */
#define BEYOND_MAXPHY (1ull << 46)     /* the first bit above MAXPHYADDR */

#define CR0_BASE (CR0_PG | CR0_NE | CR0_ET | CR0_PE)
#define CR4_VMXE_BIT (1ull << 13)
#define CR4_PCIDE_BIT (1ull << 17)
#define PAT_DEFAULT 0x0007040600070406ull
#define AR_UNUSABLE 0x10000u

struct world {
	struct physmem pm;  /* 4 MiB of RAM */
	struct pio_map pio; /* no ports */
	struct ev_bus bus;  /* no listeners */
	struct cpu c;       /* the processor executing VMLAUNCH */
};

enum base { B64, B32, B32H };

static void wr(struct world *w, enum vmcs_field f, uint64_t v) { vmcs_write(&w->pm, VMCS, f, v); }
static uint64_t rd(struct world *w, enum vmcs_field f) { return vmcs_read(&w->pm, VMCS, f); }
static void set(struct world *w, enum vmcs_field f, uint64_t b) { wr(w, f, rd(w, f) | b); }
static void clr(struct world *w, enum vmcs_field f, uint64_t b) { wr(w, f, rd(w, f) & ~b); }

static uint64_t capv(uint32_t msr)
{
	uint64_t v = 0;
	cr_assert(vmx_cap_msr(msr, &v), "capability MSR %#x", msr);
	return v;
}

/* A guest segment register: selector, base, limit, access rights. */
static void gseg(struct world *w, enum vmcs_field sel, uint16_t s, uint64_t base, uint32_t limit,
		 uint32_t ar)
{
	/* The field encodings of one register are sel, then base/limit/AR at
	 * the same index in their groups (Appendix B): ES 0, CS 1, ... TR 7. */
	unsigned k = (sel - GUEST_ES_SELECTOR) / 2;
	wr(w, sel, s);
	wr(w, GUEST_ES_BASE + 2 * k, base);
	wr(w, GUEST_ES_LIMIT + 2 * k, limit);
	wr(w, GUEST_ES_AR_BYTES + 2 * k, ar);
}

/* The 64-bit host and 64-bit guest. */
static void base64(struct world *w)
{
	struct cpu *c = &w->c;
	c->efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
	c->cr0 = CR0_BASE;
	c->cr4 = CR4_PAE | CR4_VMXE_BIT;
	c->vmx.on = true;
	c->vmx.vmcs = VMCS;
	phys_write(&w->pm, VMCS, 4, VMCS_REVISION_ID);

	/* Controls: each field's required 1s plus what this VMM uses. */
	wr(w, PIN_BASED_VM_EXEC_CONTROL,
	   (uint32_t)capv(IA32_VMX_TRUE_PINBASED_CTLS) | PIN_EXTINT_EXITING | PIN_NMI_EXITING);
	wr(w, CPU_BASED_VM_EXEC_CONTROL,
	   (uint32_t)capv(IA32_VMX_TRUE_PROCBASED_CTLS) | CPU_HLT_EXITING | CPU_USE_IO_BITMAPS |
		   CPU_USE_MSR_BITMAPS | CPU_ACTIVATE_SECONDARY);
	wr(w, SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_EPT | SEC_ENABLE_VPID | SEC_ENABLE_RDTSCP);
	wr(w, VM_EXIT_CONTROLS,
	   (uint32_t)capv(IA32_VMX_TRUE_EXIT_CTLS) | EXIT_HOST_ADDR_SPACE_SIZE |
	       EXIT_ACK_INTR_ON_EXIT | EXIT_SAVE_IA32_PAT | EXIT_LOAD_IA32_PAT |
	       EXIT_SAVE_IA32_EFER | EXIT_LOAD_IA32_EFER);
	wr(w, VM_ENTRY_CONTROLS,
	   (uint32_t)capv(IA32_VMX_TRUE_ENTRY_CTLS) | ENTRY_IA32E_MODE_GUEST | ENTRY_LOAD_IA32_PAT |
		   ENTRY_LOAD_IA32_EFER | ENTRY_LOAD_DEBUG_CONTROLS);
	wr(w, EXCEPTION_BITMAP, 1u << 14);
	wr(w, CR3_TARGET_COUNT, 4);
	wr(w, IO_BITMAP_A, 0x20000);
	wr(w, IO_BITMAP_B, 0x21000);
	wr(w, MSR_BITMAP, 0x22000);
	wr(w, VIRTUAL_PROCESSOR_ID, 1);
	wr(w, EPT_POINTER, 0x30000 | 6 | (3 << 3) | (1 << 6)); /* WB, 4 levels, A/D */
	wr(w, VM_EXIT_MSR_STORE_COUNT, 1);
	wr(w, VM_EXIT_MSR_STORE_ADDR, 0x23000);
	wr(w, VM_EXIT_MSR_LOAD_COUNT, 1);
	wr(w, VM_EXIT_MSR_LOAD_ADDR, 0x23100);
	wr(w, VM_ENTRY_MSR_LOAD_COUNT, 2);
	wr(w, VM_ENTRY_MSR_LOAD_ADDR, ENTRY_MSRS);
	phys_write(&w->pm, ENTRY_MSRS, 8, 0xc0000081);          /* IA32_STAR */
	phys_write(&w->pm, ENTRY_MSRS + 8, 8, 0x0023001000000000ull);
	phys_write(&w->pm, ENTRY_MSRS + 16, 8, 0x174);          /* IA32_SYSENTER_CS */
	phys_write(&w->pm, ENTRY_MSRS + 24, 8, 0x10);
	wr(w, VM_ENTRY_INTR_INFO_FIELD, 0);

	/* Host state. */
	wr(w, HOST_CR0, CR0_BASE);
	wr(w, HOST_CR3, 0x40000);
	wr(w, HOST_CR4, CR4_PAE | CR4_VMXE_BIT);
	wr(w, HOST_CS_SELECTOR, 0x08);
	wr(w, HOST_SS_SELECTOR, 0x10);
	wr(w, HOST_DS_SELECTOR, 0x10);
	wr(w, HOST_ES_SELECTOR, 0x10);
	wr(w, HOST_FS_SELECTOR, 0);
	wr(w, HOST_GS_SELECTOR, 0);
	wr(w, HOST_TR_SELECTOR, 0x18);
	wr(w, HOST_FS_BASE, 0);
	wr(w, HOST_GS_BASE, 0xffff888000000000ull);
	wr(w, HOST_TR_BASE, 0x41000);
	wr(w, HOST_GDTR_BASE, 0x42000);
	wr(w, HOST_IDTR_BASE, 0x43000);
	wr(w, HOST_IA32_SYSENTER_CS, 0x08);
	wr(w, HOST_IA32_SYSENTER_ESP, 0);
	wr(w, HOST_IA32_SYSENTER_EIP, 0);
	wr(w, HOST_IA32_PAT, PAT_DEFAULT);
	wr(w, HOST_IA32_EFER, EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE);
	wr(w, HOST_RSP, 0x50000);
	wr(w, HOST_RIP, 0xffffffff81000000ull);

	/* Guest state: 64-bit mode, CPL 0, flat. */
	wr(w, GUEST_CR0, CR0_BASE);
	wr(w, GUEST_CR3, 0x60000);
	wr(w, GUEST_CR4, CR4_PAE | CR4_VMXE_BIT);
	wr(w, GUEST_DR7, 0x400);
	wr(w, GUEST_IA32_DEBUGCTL, 0);
	wr(w, GUEST_SYSENTER_CS, 0x08);
	wr(w, GUEST_SYSENTER_ESP, 0);
	wr(w, GUEST_SYSENTER_EIP, 0);
	wr(w, GUEST_IA32_PAT, PAT_DEFAULT);
	wr(w, GUEST_IA32_EFER, EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE);
	gseg(w, GUEST_CS_SELECTOR, 0x08, 0, 0xffffffff, 0xa09b);
	gseg(w, GUEST_SS_SELECTOR, 0x10, 0, 0xffffffff, 0xc093);
	gseg(w, GUEST_DS_SELECTOR, 0x10, 0, 0xffffffff, 0xc093);
	gseg(w, GUEST_ES_SELECTOR, 0x10, 0, 0xffffffff, 0xc093);
	gseg(w, GUEST_FS_SELECTOR, 0x10, 0, 0xffffffff, 0xc093);
	gseg(w, GUEST_GS_SELECTOR, 0x10, 0, 0xffffffff, 0xc093);
	gseg(w, GUEST_LDTR_SELECTOR, 0, 0, 0, AR_UNUSABLE);
	gseg(w, GUEST_TR_SELECTOR, 0x18, 0x61000, 0x67, 0x8b);
	wr(w, GUEST_GDTR_BASE, 0x62000);
	wr(w, GUEST_GDTR_LIMIT, 0x3f);
	wr(w, GUEST_IDTR_BASE, 0x63000);
	wr(w, GUEST_IDTR_LIMIT, 0xfff);
	wr(w, GUEST_RIP, 0x400000);
	wr(w, GUEST_RSP, 0x80000);
	wr(w, GUEST_RFLAGS, 2);
	wr(w, GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	wr(w, GUEST_INTERRUPTIBILITY_INFO, 0);
	wr(w, GUEST_PENDING_DBG_EXCEPTIONS, 0);
	wr(w, VMCS_LINK_POINTER, ~0ull);
}

/* The 32-bit protected-mode guest with PAE paging, a usable LDT, and the
 * PDPTEs both in the VMCS (used with EPT) and at CR3 (used without). */
static void base32(struct world *w)
{
	base64(w);
	clr(w, VM_ENTRY_CONTROLS, ENTRY_IA32E_MODE_GUEST);
	wr(w, GUEST_IA32_EFER, EFER_SCE | EFER_NXE);
	wr(w, GUEST_CR3, PDPT);
	phys_write(&w->pm, PDPT, 8, 0x25001);
	wr(w, GUEST_PDPTE0, 0x25001);
	gseg(w, GUEST_CS_SELECTOR, 0x08, 0, 0xffffffff, 0xc09b);
	gseg(w, GUEST_LDTR_SELECTOR, 0x20, 0x64000, 0xff, 0x82);
	gseg(w, GUEST_TR_SELECTOR, 0x18, 0x61000, 0x67, 0x8b);
	wr(w, GUEST_RIP, 0x1000);
}

/* The 32-bit guest entered from a 32-bit host (EFER.LMA = 0). */
static void base32h(struct world *w)
{
	base32(w);
	w->c.efer = EFER_SCE | EFER_NXE;
	clr(w, VM_EXIT_CONTROLS, EXIT_HOST_ADDR_SPACE_SIZE);
	wr(w, HOST_IA32_EFER, EFER_SCE | EFER_NXE);
	wr(w, HOST_GS_BASE, 0);
	wr(w, HOST_RIP, 0xc0100000);
}

static struct world *world_new(enum base b)
{
	struct world *w = calloc(1, sizeof *w);
	cr_assert_not_null(w);
	cr_assert_eq(phys_init(&w->pm, RAM), 0);
	cpu_init(&w->c, &w->pm, &w->pio, &w->bus);
	if (b == B64)
		base64(w);
	else if (b == B32)
		base32(w);
	else
		base32h(w);
	return w;
}

static void world_free(struct world *w)
{
	cpu_free(&w->c);
	phys_free(&w->pm);
	free(w);
}

/* Run one stage on the VMCS as it is now; the failing row's id or NULL. */
static const char *run(struct world *w, enum check_stage st, uint32_t *msr_index)
{
	struct entry_ctx *x = malloc(sizeof *x);
	cr_assert_not_null(x);
	entry_ctx_load(x, &w->c, VMCS);
	const struct vmx_check *k = vmx_run_entry_checks(x, st, msr_index);
	free(x);
	return k ? k->id : NULL;
}

static void assert_all_pass(struct world *w, const char *what)
{
	for (int st = CHK_CONTROL; st <= CHK_MSR_LOAD; st++) {
		uint32_t idx = 99;
		const char *id = run(w, (enum check_stage)st, &idx);
		cr_assert_null(id, "%s: stage %d fails row %s (MSR entry %u)", what, st,
		               id ? id : "", idx);
		cr_assert_eq(idx, 0);
	}
}

Test(vmx_checks, baselines_pass)
{
	static const char *const names[] = { "64-bit guest", "32-bit PAE guest", "32-bit host" };
	for (int b = B64; b <= B32H; b++) {
		struct world *w = world_new((enum base)b);
		assert_all_pass(w, names[b]);
		world_free(w);
	}
}

/* ---- mutations: each breaks one rule -------------------------------- */

static void inject(struct world *w, unsigned type, unsigned vector, bool code)
{
	wr(w, VM_ENTRY_INTR_INFO_FIELD,
	   INTR_INFO_VALID | (type << 8) | vector | (code ? INTR_INFO_DELIVER_CODE : 0));
}

/* The six segment registers as virtual-8086 mode needs them (RFLAGS.VM = 1). */
static void make_v86(struct world *w)
{
	static const enum vmcs_field sel[] = {GUEST_ES_SELECTOR, GUEST_CS_SELECTOR,
	                                      GUEST_SS_SELECTOR, GUEST_DS_SELECTOR,
	                                      GUEST_FS_SELECTOR, GUEST_GS_SELECTOR};
	for (int k = 0; k < 6; k++)
		gseg(w, sel[k], 0x1000 + k, (0x1000ull + k) << 4, 0xffff, 0xf3);
	set(w, GUEST_RFLAGS, FL_VM);
}

/* A 64-bit guest at CPL 3. */
static void make_cpl3(struct world *w)
{
	gseg(w, GUEST_CS_SELECTOR, 0x2b, 0, 0xffffffff, 0xa0fb);
	gseg(w, GUEST_SS_SELECTOR, 0x33, 0, 0xffffffff, 0xc0f3);
}

static void entry_msr(struct world *w, unsigned k, uint64_t lo, uint64_t data)
{
	phys_write(&w->pm, ENTRY_MSRS + 16 * k, 8, lo);
	phys_write(&w->pm, ENTRY_MSRS + 16 * k + 8, 8, data);
}

/* The lowest control bit the capability MSR does not let be 1: whatever
 * caps.c implements next, a reserved bit stays reserved. */
static uint32_t unsupported_ctl(uint32_t msr)
{
	uint32_t allowed1 = (uint32_t)(capv(msr) >> 32);
	for (int b = 0; b < 32; b++)
		if (!(allowed1 & (1u << b)))
			return 1u << b;
	cr_assert_fail("every bit of MSR %#x may be 1", msr);
	return 0;
}

/* The lowest CR0/CR4 bit that IA32_VMX_CRn_FIXED1 says must be 0. */
static uint64_t unsupported_cr(uint32_t fixed1_msr)
{
	uint64_t fixed1 = capv(fixed1_msr);
	for (int b = 0; b < 64; b++)
		if (!(fixed1 & (1ull << b)))
			return 1ull << b;
	cr_assert_fail("every bit of MSR %#x may be 1", fixed1_msr);
	return 0;
}

/* 27.2.1.1 */
static void m_pin_reserved(struct world *w)
{
	set(w, PIN_BASED_VM_EXEC_CONTROL, unsupported_ctl(IA32_VMX_TRUE_PINBASED_CTLS));
}
static void m_proc_reserved(struct world *w)
{
	set(w, CPU_BASED_VM_EXEC_CONTROL, unsupported_ctl(IA32_VMX_TRUE_PROCBASED_CTLS));
}
static void m_proc2_reserved(struct world *w)
{
	set(w, SECONDARY_VM_EXEC_CONTROL, unsupported_ctl(IA32_VMX_PROCBASED_CTLS2));
}
static void m_cr3_count(struct world *w) { wr(w, CR3_TARGET_COUNT, 5); }
static void m_io_a_aligned(struct world *w) { wr(w, IO_BITMAP_A, 0x20008); }
static void m_io_a_width(struct world *w) { wr(w, IO_BITMAP_A, BEYOND_MAXPHY); }
static void m_io_b_aligned(struct world *w) { wr(w, IO_BITMAP_B, 0x21800); }
static void m_io_b_width(struct world *w) { wr(w, IO_BITMAP_B, BEYOND_MAXPHY | 0x21000); }
static void m_msr_bitmap_aligned(struct world *w) { wr(w, MSR_BITMAP, 0x22001); }
static void m_msr_bitmap_width(struct world *w) { wr(w, MSR_BITMAP, 1ull << 51); }
/* TPR shadow: a valid virtual-APIC page at 25000H with VTPR 20H, then one
 * rule broken. */
static void tpr_shadow_on(struct world *w)
{
	set(w, CPU_BASED_VM_EXEC_CONTROL, CPU_TPR_SHADOW);
	wr(w, VIRTUAL_APIC_PAGE_ADDR, 0x25000);
	phys_write(&w->pm, 0x25080, 4, 0x20);
	wr(w, TPR_THRESHOLD, 2);
}
static void m_vapic_aligned(struct world *w)
{
	tpr_shadow_on(w);
	wr(w, VIRTUAL_APIC_PAGE_ADDR, 0x25010);
}
static void m_vapic_width(struct world *w)
{
	tpr_shadow_on(w);
	wr(w, VIRTUAL_APIC_PAGE_ADDR, BEYOND_MAXPHY);
}
static void m_tpr_threshold_reserved(struct world *w)
{
	tpr_shadow_on(w);
	wr(w, TPR_THRESHOLD, 0x12);
}
static void m_tpr_threshold_vtpr(struct world *w)
{
	tpr_shadow_on(w);
	wr(w, TPR_THRESHOLD, 3);
}
static void m_vnmi(struct world *w)
{
	clr(w, PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING);
	set(w, PIN_BASED_VM_EXEC_CONTROL, PIN_VIRTUAL_NMIS);
}
static void m_nmi_window(struct world *w)
{
	set(w, CPU_BASED_VM_EXEC_CONTROL, CPU_NMI_WINDOW_EXITING);
}
static void m_vpid(struct world *w) { wr(w, VIRTUAL_PROCESSOR_ID, 0); }
static void m_apic_access_aligned(struct world *w)
{
	set(w, SECONDARY_VM_EXEC_CONTROL, SEC_VIRTUALIZE_APIC_ACCESSES);
	wr(w, APIC_ACCESS_ADDR, 0x26800);
}
static void m_apic_access_width(struct world *w)
{
	set(w, SECONDARY_VM_EXEC_CONTROL, SEC_VIRTUALIZE_APIC_ACCESSES);
	wr(w, APIC_ACCESS_ADDR, BEYOND_MAXPHY);
}
static void m_unrestricted_ept(struct world *w)
{
	set(w, SECONDARY_VM_EXEC_CONTROL, SEC_UNRESTRICTED_GUEST);
	clr(w, SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_EPT);
}
/* Unrestricted guest: PE and PG may be 0, but not PG without PE. */
static void m_g_cr0_pg_pe(struct world *w)
{
	set(w, SECONDARY_VM_EXEC_CONTROL, SEC_UNRESTRICTED_GUEST);
	clr(w, GUEST_CR0, CR0_PE);
}
static void m_g_ia32e_pg(struct world *w)
{
	set(w, SECONDARY_VM_EXEC_CONTROL, SEC_UNRESTRICTED_GUEST);
	clr(w, GUEST_CR0, CR0_PG);
}
/* An unrestricted guest in real mode (PE = PG = 0). */
static void real_mode(struct world *w)
{
	set(w, SECONDARY_VM_EXEC_CONTROL, SEC_UNRESTRICTED_GUEST);
	clr(w, GUEST_CR0, CR0_PE | CR0_PG);
}
static void m_g_cs_dpl_type3(struct world *w)
{
	real_mode(w);
	wr(w, GUEST_CS_AR_BYTES, 0xc0f3);
}
static void m_g_ss_dpl_real(struct world *w)
{
	real_mode(w);
	wr(w, GUEST_CS_AR_BYTES, 0xc0fb);
	wr(w, GUEST_SS_AR_BYTES, 0xc0f3);
}
static void m_eptp_type(struct world *w) { wr(w, EPT_POINTER, (rd(w, EPT_POINTER) & ~7ull) | 1); }
static void m_eptp_walk(struct world *w)
{
	wr(w, EPT_POINTER, (rd(w, EPT_POINTER) & ~0x38ull) | (4 << 3));
}
static void m_eptp_low(struct world *w) { set(w, EPT_POINTER, 1ull << 8); }
static void m_eptp_high(struct world *w) { set(w, EPT_POINTER, 1ull << 50); }
/* 27.2.1.2 */
static void m_exit_reserved(struct world *w)
{
	set(w, VM_EXIT_CONTROLS, unsupported_ctl(IA32_VMX_TRUE_EXIT_CTLS));
}
static void m_exit_save_timer(struct world *w)
{
	set(w, VM_EXIT_CONTROLS, EXIT_SAVE_PREEMPTION_TIMER);
}
static void m_store_aligned(struct world *w) { wr(w, VM_EXIT_MSR_STORE_ADDR, 0x23008); }
static void m_store_width(struct world *w) { wr(w, VM_EXIT_MSR_STORE_ADDR, BEYOND_MAXPHY); }
static void m_store_last(struct world *w)
{
	wr(w, VM_EXIT_MSR_STORE_ADDR, BEYOND_MAXPHY - 16);
	wr(w, VM_EXIT_MSR_STORE_COUNT, 2);
}
static void m_xload_aligned(struct world *w) { wr(w, VM_EXIT_MSR_LOAD_ADDR, 0x23104); }
static void m_xload_width(struct world *w) { wr(w, VM_EXIT_MSR_LOAD_ADDR, BEYOND_MAXPHY); }
static void m_xload_last(struct world *w)
{
	wr(w, VM_EXIT_MSR_LOAD_ADDR, BEYOND_MAXPHY - 0x100);
	wr(w, VM_EXIT_MSR_LOAD_COUNT, 17);
}
/* 27.2.1.3 */
static void m_entry_reserved(struct world *w)
{
	set(w, VM_ENTRY_CONTROLS, unsupported_ctl(IA32_VMX_TRUE_ENTRY_CTLS));
}
static void m_intr_type(struct world *w) { inject(w, 1, 0x20, false); }
static void m_intr_nmi_vector(struct world *w) { inject(w, INTR_TYPE_NMI, 3, false); }
static void m_intr_hw_vector(struct world *w) { inject(w, INTR_TYPE_HARD_EXCEPTION, 32, false); }
static void m_intr_other_vector(struct world *w) { inject(w, INTR_TYPE_OTHER, 1, false); }
static void m_intr_code_missing(struct world *w) { inject(w, INTR_TYPE_HARD_EXCEPTION, 13, false); }
static void m_intr_code_type(struct world *w) { inject(w, INTR_TYPE_EXT_INTR, 0x20, true); }
static void m_intr_code_vector(struct world *w) { inject(w, INTR_TYPE_HARD_EXCEPTION, 6, true); }
static void m_intr_reserved(struct world *w)
{
	inject(w, INTR_TYPE_EXT_INTR, 0x20, false);
	set(w, VM_ENTRY_INTR_INFO_FIELD, 1u << 12);
}
static void m_intr_code_rsvd(struct world *w)
{
	inject(w, INTR_TYPE_HARD_EXCEPTION, 14, true);
	wr(w, VM_ENTRY_EXCEPTION_ERROR_CODE, 0x10002);
}
static void m_intr_len_zero(struct world *w)
{
	inject(w, INTR_TYPE_SOFT_INTR, 0x80, false);
	wr(w, VM_ENTRY_INSTRUCTION_LEN, 0);
}
static void m_intr_len_max(struct world *w)
{
	inject(w, INTR_TYPE_SOFT_EXCEPTION, 3, false);
	wr(w, VM_ENTRY_INSTRUCTION_LEN, 16);
}
static void m_eload_aligned(struct world *w) { wr(w, VM_ENTRY_MSR_LOAD_ADDR, ENTRY_MSRS + 8); }
static void m_eload_width(struct world *w) { wr(w, VM_ENTRY_MSR_LOAD_ADDR, BEYOND_MAXPHY); }
static void m_eload_last(struct world *w)
{
	wr(w, VM_ENTRY_MSR_LOAD_ADDR, BEYOND_MAXPHY - 32);
	wr(w, VM_ENTRY_MSR_LOAD_COUNT, 3);
}
/* 27.2.2 */
static void m_h_cr0_fixed0(struct world *w) { clr(w, HOST_CR0, CR0_NE); }
static void m_h_cr0_fixed1(struct world *w)
{
	set(w, HOST_CR0, unsupported_cr(IA32_VMX_CR0_FIXED1));
}
static void m_h_cr4_fixed0(struct world *w) { clr(w, HOST_CR4, CR4_VMXE_BIT); }
static void m_h_cr4_fixed1(struct world *w)
{
	set(w, HOST_CR4, unsupported_cr(IA32_VMX_CR4_FIXED1));
}
static void m_h_cr3(struct world *w) { set(w, HOST_CR3, BEYOND_MAXPHY); }
static void m_h_sysenter_esp(struct world *w) { wr(w, HOST_IA32_SYSENTER_ESP, NONCANON); }
static void m_h_sysenter_eip(struct world *w) { wr(w, HOST_IA32_SYSENTER_EIP, NONCANON); }
static void m_h_pat(struct world *w) { wr(w, HOST_IA32_PAT, (PAT_DEFAULT & ~0xffull) | 0x02); }
static void m_h_efer_rsvd(struct world *w) { set(w, HOST_IA32_EFER, 1ull << 1); }
static void m_h_efer_lma(struct world *w) { clr(w, HOST_IA32_EFER, EFER_LMA); }
static void m_h_efer_lme(struct world *w) { clr(w, HOST_IA32_EFER, EFER_LME); }
/* 27.2.3 */
static void m_h_es_sel(struct world *w) { wr(w, HOST_ES_SELECTOR, 0x13); }
static void m_h_cs_sel(struct world *w) { wr(w, HOST_CS_SELECTOR, 0x0c); }
static void m_h_ss_sel(struct world *w) { wr(w, HOST_SS_SELECTOR, 0x11); }
static void m_h_ds_sel(struct world *w) { wr(w, HOST_DS_SELECTOR, 0x14); }
static void m_h_fs_sel(struct world *w) { wr(w, HOST_FS_SELECTOR, 0x03); }
static void m_h_gs_sel(struct world *w) { wr(w, HOST_GS_SELECTOR, 0x04); }
static void m_h_tr_sel(struct world *w) { wr(w, HOST_TR_SELECTOR, 0x1a); }
static void m_h_cs_null(struct world *w) { wr(w, HOST_CS_SELECTOR, 0); }
static void m_h_tr_null(struct world *w) { wr(w, HOST_TR_SELECTOR, 0); }
static void m_h_ss_null(struct world *w) { wr(w, HOST_SS_SELECTOR, 0); }
static void m_h_fs_base(struct world *w) { wr(w, HOST_FS_BASE, NONCANON); }
static void m_h_gs_base(struct world *w) { wr(w, HOST_GS_BASE, NONCANON); }
static void m_h_gdtr_base(struct world *w) { wr(w, HOST_GDTR_BASE, NONCANON); }
static void m_h_idtr_base(struct world *w) { wr(w, HOST_IDTR_BASE, NONCANON); }
static void m_h_tr_base(struct world *w) { wr(w, HOST_TR_BASE, NONCANON); }
/* 27.2.4 */
static void m_a_legacy_guest(struct world *w) { set(w, VM_ENTRY_CONTROLS, ENTRY_IA32E_MODE_GUEST); }
static void m_a_legacy_host(struct world *w)
{
	set(w, VM_EXIT_CONTROLS, EXIT_HOST_ADDR_SPACE_SIZE);
	set(w, HOST_IA32_EFER, EFER_LME | EFER_LMA);
}
static void m_a_ia32e_host(struct world *w)
{
	clr(w, VM_EXIT_CONTROLS, EXIT_HOST_ADDR_SPACE_SIZE);
	clr(w, HOST_IA32_EFER, EFER_LME | EFER_LMA);
}
static void m_a_host32_pcide(struct world *w) { set(w, HOST_CR4, CR4_PCIDE_BIT); }
static void m_a_host32_rip(struct world *w) { wr(w, HOST_RIP, 1ull << 32); }
static void m_a_host64_pae(struct world *w) { clr(w, HOST_CR4, CR4_PAE); }
/* Canonical with 57 bits but not with 48: host CR4.LA57 is 0. */
static void m_a_host64_rip(struct world *w) { wr(w, HOST_RIP, 0x0000800000000000ull); }
/* 27.3.1.1 */
static void m_g_cr0_fixed0(struct world *w) { clr(w, GUEST_CR0, CR0_NE); }
static void m_g_cr0_fixed1(struct world *w)
{
	set(w, GUEST_CR0, unsupported_cr(IA32_VMX_CR0_FIXED1));
}
static void m_g_cr4_fixed0(struct world *w) { clr(w, GUEST_CR4, CR4_VMXE_BIT); }
static void m_g_cr4_fixed1(struct world *w)
{
	set(w, GUEST_CR4, unsupported_cr(IA32_VMX_CR4_FIXED1));
}
static void m_g_debugctl(struct world *w) { wr(w, GUEST_IA32_DEBUGCTL, 1ull << 2); }
static void m_g_ia32e_pae(struct world *w) { clr(w, GUEST_CR4, CR4_PAE); }
static void m_g_legacy_pcide(struct world *w) { set(w, GUEST_CR4, CR4_PCIDE_BIT); }
static void m_g_cr3(struct world *w) { set(w, GUEST_CR3, BEYOND_MAXPHY); }
static void m_g_dr7(struct world *w) { set(w, GUEST_DR7, 1ull << 32); }
static void m_g_sysenter_esp(struct world *w) { wr(w, GUEST_SYSENTER_ESP, NONCANON); }
static void m_g_sysenter_eip(struct world *w) { wr(w, GUEST_SYSENTER_EIP, NONCANON); }
static void m_g_pat(struct world *w) { wr(w, GUEST_IA32_PAT, PAT_DEFAULT | (3ull << 56)); }
static void m_g_efer_rsvd(struct world *w) { set(w, GUEST_IA32_EFER, 1ull << 1); }
static void m_g_efer_lma(struct world *w) { clr(w, GUEST_IA32_EFER, EFER_LMA); }
static void m_g_efer_lme(struct world *w) { clr(w, GUEST_IA32_EFER, EFER_LME); }
/* 27.3.1.2: selectors */
static void m_g_tr_ti(struct world *w) { wr(w, GUEST_TR_SELECTOR, 0x1c); }
static void m_g_ldtr_ti(struct world *w) { wr(w, GUEST_LDTR_SELECTOR, 0x24); }
static void m_g_ss_rpl(struct world *w) { wr(w, GUEST_SS_SELECTOR, 0x13); }
/* bases */
static void m_v86_cs_base(struct world *w) { make_v86(w); set(w, GUEST_CS_BASE, 1); }
static void m_v86_ss_base(struct world *w) { make_v86(w); set(w, GUEST_SS_BASE, 1ull << 20); }
static void m_v86_ds_base(struct world *w) { make_v86(w); wr(w, GUEST_DS_BASE, 0); }
static void m_v86_es_base(struct world *w) { make_v86(w); set(w, GUEST_ES_BASE, 8); }
static void m_v86_fs_base(struct world *w) { make_v86(w); set(w, GUEST_FS_BASE, 1ull << 32); }
static void m_v86_gs_base(struct world *w) { make_v86(w); wr(w, GUEST_GS_BASE, 0x1005); }
static void m_g_tr_base(struct world *w) { wr(w, GUEST_TR_BASE, NONCANON); }
static void m_g_fs_base(struct world *w) { wr(w, GUEST_FS_BASE, NONCANON); }
static void m_g_gs_base(struct world *w) { wr(w, GUEST_GS_BASE, NONCANON); }
static void m_g_ldtr_base(struct world *w) { wr(w, GUEST_LDTR_BASE, NONCANON); }
static void m_g_cs_base_high(struct world *w) { wr(w, GUEST_CS_BASE, 1ull << 32); }
static void m_g_ss_base_high(struct world *w) { wr(w, GUEST_SS_BASE, 1ull << 40); }
static void m_g_ds_base_high(struct world *w) { wr(w, GUEST_DS_BASE, 1ull << 33); }
static void m_g_es_base_high(struct world *w) { wr(w, GUEST_ES_BASE, 0xffffffff00000000ull); }
/* limits */
static void m_v86_cs_limit(struct world *w) { make_v86(w); wr(w, GUEST_CS_LIMIT, 0xfffe); }
static void m_v86_ss_limit(struct world *w) { make_v86(w); wr(w, GUEST_SS_LIMIT, 0x1ffff); }
static void m_v86_ds_limit(struct world *w) { make_v86(w); wr(w, GUEST_DS_LIMIT, 0xffffffff); }
static void m_v86_es_limit(struct world *w) { make_v86(w); wr(w, GUEST_ES_LIMIT, 0); }
static void m_v86_fs_limit(struct world *w) { make_v86(w); wr(w, GUEST_FS_LIMIT, 0xfff); }
static void m_v86_gs_limit(struct world *w) { make_v86(w); wr(w, GUEST_GS_LIMIT, 0x10000); }
/* access rights in virtual-8086 mode */
static void m_v86_cs_ar(struct world *w) { make_v86(w); wr(w, GUEST_CS_AR_BYTES, 0xfb); }
static void m_v86_ss_ar(struct world *w)
{
	make_v86(w);
	wr(w, GUEST_SS_AR_BYTES, 0xf3 | AR_UNUSABLE);
}
static void m_v86_ds_ar(struct world *w) { make_v86(w); wr(w, GUEST_DS_AR_BYTES, 0xf2); }
static void m_v86_es_ar(struct world *w) { make_v86(w); wr(w, GUEST_ES_AR_BYTES, 0x80f3); }
static void m_v86_fs_ar(struct world *w) { make_v86(w); wr(w, GUEST_FS_AR_BYTES, 0x93); }
static void m_v86_gs_ar(struct world *w) { make_v86(w); wr(w, GUEST_GS_AR_BYTES, 0x73); }
/* type */
static void m_g_cs_type(struct world *w) { wr(w, GUEST_CS_AR_BYTES, 0xa098); }
static void m_g_ss_type(struct world *w) { wr(w, GUEST_SS_AR_BYTES, 0xc091); }
static void m_g_ds_accessed(struct world *w) { wr(w, GUEST_DS_AR_BYTES, 0xc092); }
static void m_g_es_accessed(struct world *w) { wr(w, GUEST_ES_AR_BYTES, 0xc09a); }
static void m_g_fs_accessed(struct world *w) { wr(w, GUEST_FS_AR_BYTES, 0xc090); }
static void m_g_gs_accessed(struct world *w) { wr(w, GUEST_GS_AR_BYTES, 0xc096); }
static void m_g_ds_readable(struct world *w) { wr(w, GUEST_DS_AR_BYTES, 0xc099); }
static void m_g_es_readable(struct world *w) { wr(w, GUEST_ES_AR_BYTES, 0xc09d); }
static void m_g_fs_readable(struct world *w) { wr(w, GUEST_FS_AR_BYTES, 0xc099); }
static void m_g_gs_readable(struct world *w) { wr(w, GUEST_GS_AR_BYTES, 0xc09d); }
/* S */
static void m_g_cs_s(struct world *w) { wr(w, GUEST_CS_AR_BYTES, 0xa08b); }
static void m_g_ss_s(struct world *w) { wr(w, GUEST_SS_AR_BYTES, 0xc083); }
static void m_g_ds_s(struct world *w) { wr(w, GUEST_DS_AR_BYTES, 0xc083); }
static void m_g_es_s(struct world *w) { wr(w, GUEST_ES_AR_BYTES, 0xc081); }
static void m_g_fs_s(struct world *w) { wr(w, GUEST_FS_AR_BYTES, 0xc083); }
static void m_g_gs_s(struct world *w) { wr(w, GUEST_GS_AR_BYTES, 0xc08b); }
/* DPL */
static void m_g_cs_dpl_nc(struct world *w) { wr(w, GUEST_CS_AR_BYTES, 0xa0db); }
static void m_g_cs_dpl_c(struct world *w) { wr(w, GUEST_CS_AR_BYTES, 0xa0ff); }
/* CPL 3 by selectors, conforming CS of DPL 0 and SS of DPL 0: only SS.DPL
 * != SS.RPL is wrong. */
static void m_g_ss_dpl(struct world *w)
{
	gseg(w, GUEST_CS_SELECTOR, 0x0b, 0, 0xffffffff, 0xa09f);
	wr(w, GUEST_SS_SELECTOR, 0x13);
}
static void m_g_ds_dpl(struct world *w) { wr(w, GUEST_DS_SELECTOR, 0x13); }
static void m_g_es_dpl(struct world *w) { wr(w, GUEST_ES_SELECTOR, 0x11); }
static void m_g_fs_dpl(struct world *w)
{
	wr(w, GUEST_FS_AR_BYTES, 0xc093);
	wr(w, GUEST_FS_SELECTOR, 0x12);
}
static void m_g_gs_dpl(struct world *w)
{
	wr(w, GUEST_GS_SELECTOR, 0x10 | 3);
	wr(w, GUEST_GS_AR_BYTES, 0xc0d3);
}
/* P */
static void m_g_cs_p(struct world *w) { wr(w, GUEST_CS_AR_BYTES, 0xa01b); }
static void m_g_ss_p(struct world *w) { wr(w, GUEST_SS_AR_BYTES, 0xc013); }
static void m_g_ds_p(struct world *w) { wr(w, GUEST_DS_AR_BYTES, 0xc013); }
static void m_g_es_p(struct world *w) { wr(w, GUEST_ES_AR_BYTES, 0xc013); }
static void m_g_fs_p(struct world *w) { wr(w, GUEST_FS_AR_BYTES, 0xc013); }
static void m_g_gs_p(struct world *w) { wr(w, GUEST_GS_AR_BYTES, 0xc013); }
/* reserved bits 11:8 */
static void m_g_cs_mid(struct world *w) { set(w, GUEST_CS_AR_BYTES, 1u << 8); }
static void m_g_ss_mid(struct world *w) { set(w, GUEST_SS_AR_BYTES, 1u << 9); }
static void m_g_ds_mid(struct world *w) { set(w, GUEST_DS_AR_BYTES, 1u << 10); }
static void m_g_es_mid(struct world *w) { set(w, GUEST_ES_AR_BYTES, 1u << 11); }
static void m_g_fs_mid(struct world *w) { set(w, GUEST_FS_AR_BYTES, 0xf00); }
static void m_g_gs_mid(struct world *w) { set(w, GUEST_GS_AR_BYTES, 1u << 8); }
/* D/B */
static void m_g_cs_l_db(struct world *w) { set(w, GUEST_CS_AR_BYTES, 1u << 14); }
/* G: bits 11:0 of the limit not all 1s with G = 1; bits 31:20 set with G = 0. */
static void g_low_bad(struct world *w, enum vmcs_field limit) { wr(w, limit, 0xfffff000); }
static void g_high_bad(struct world *w, enum vmcs_field limit, enum vmcs_field ar)
{
	wr(w, limit, 0x001fffff);
	clr(w, ar, 1u << 15);
}
static void m_g_cs_g_low(struct world *w) { g_low_bad(w, GUEST_CS_LIMIT); }
static void m_g_cs_g_high(struct world *w) { g_high_bad(w, GUEST_CS_LIMIT, GUEST_CS_AR_BYTES); }
static void m_g_ss_g_low(struct world *w) { g_low_bad(w, GUEST_SS_LIMIT); }
static void m_g_ss_g_high(struct world *w) { g_high_bad(w, GUEST_SS_LIMIT, GUEST_SS_AR_BYTES); }
static void m_g_ds_g_low(struct world *w) { g_low_bad(w, GUEST_DS_LIMIT); }
static void m_g_ds_g_high(struct world *w) { g_high_bad(w, GUEST_DS_LIMIT, GUEST_DS_AR_BYTES); }
static void m_g_es_g_low(struct world *w) { g_low_bad(w, GUEST_ES_LIMIT); }
static void m_g_es_g_high(struct world *w) { g_high_bad(w, GUEST_ES_LIMIT, GUEST_ES_AR_BYTES); }
static void m_g_fs_g_low(struct world *w) { g_low_bad(w, GUEST_FS_LIMIT); }
static void m_g_fs_g_high(struct world *w) { g_high_bad(w, GUEST_FS_LIMIT, GUEST_FS_AR_BYTES); }
static void m_g_gs_g_low(struct world *w) { g_low_bad(w, GUEST_GS_LIMIT); }
static void m_g_gs_g_high(struct world *w) { g_high_bad(w, GUEST_GS_LIMIT, GUEST_GS_AR_BYTES); }
/* reserved bits 31:17 */
static void m_g_cs_hi(struct world *w) { set(w, GUEST_CS_AR_BYTES, 1u << 17); }
static void m_g_ss_hi(struct world *w) { set(w, GUEST_SS_AR_BYTES, 1u << 31); }
static void m_g_ds_hi(struct world *w) { set(w, GUEST_DS_AR_BYTES, 1u << 20); }
static void m_g_es_hi(struct world *w) { set(w, GUEST_ES_AR_BYTES, 1u << 17); }
static void m_g_fs_hi(struct world *w) { set(w, GUEST_FS_AR_BYTES, 1u << 18); }
static void m_g_gs_hi(struct world *w) { set(w, GUEST_GS_AR_BYTES, 1u << 24); }
/* TR */
static void m_g_tr_type(struct world *w) { wr(w, GUEST_TR_AR_BYTES, 0x89); }
static void m_g_tr_type_ia32e(struct world *w) { wr(w, GUEST_TR_AR_BYTES, 0x83); }
static void m_g_tr_s(struct world *w) { wr(w, GUEST_TR_AR_BYTES, 0x9b); }
static void m_g_tr_p(struct world *w) { wr(w, GUEST_TR_AR_BYTES, 0x0b); }
static void m_g_tr_mid(struct world *w) { wr(w, GUEST_TR_AR_BYTES, 0x18b); }
static void m_g_tr_g_low(struct world *w) { wr(w, GUEST_TR_AR_BYTES, 0x808b); }
static void m_g_tr_g_high(struct world *w) { wr(w, GUEST_TR_LIMIT, 0x00100067); }
static void m_g_tr_unusable(struct world *w) { wr(w, GUEST_TR_AR_BYTES, 0x8b | AR_UNUSABLE); }
static void m_g_tr_hi(struct world *w) { wr(w, GUEST_TR_AR_BYTES, 0x8b | (1u << 17)); }
/* LDTR (usable in the 32-bit baseline) */
static void m_g_ldtr_type(struct world *w) { wr(w, GUEST_LDTR_AR_BYTES, 0x83); }
static void m_g_ldtr_s(struct world *w) { wr(w, GUEST_LDTR_AR_BYTES, 0x92); }
static void m_g_ldtr_p(struct world *w) { wr(w, GUEST_LDTR_AR_BYTES, 0x02); }
static void m_g_ldtr_mid(struct world *w) { wr(w, GUEST_LDTR_AR_BYTES, 0x482); }
static void m_g_ldtr_g_low(struct world *w) { wr(w, GUEST_LDTR_AR_BYTES, 0x8082); }
static void m_g_ldtr_g_high(struct world *w) { wr(w, GUEST_LDTR_LIMIT, 0x00100fff); }
static void m_g_ldtr_hi(struct world *w) { wr(w, GUEST_LDTR_AR_BYTES, 0x82 | (1u << 30)); }
/* 27.3.1.3 */
static void m_g_gdtr_base(struct world *w) { wr(w, GUEST_GDTR_BASE, NONCANON); }
static void m_g_idtr_base(struct world *w) { wr(w, GUEST_IDTR_BASE, NONCANON); }
static void m_g_gdtr_limit(struct world *w) { wr(w, GUEST_GDTR_LIMIT, 0x10000); }
static void m_g_idtr_limit(struct world *w) { wr(w, GUEST_IDTR_LIMIT, 0xffffffff); }
/* 27.3.1.4 */
static void m_g_rip_high(struct world *w) { wr(w, GUEST_RIP, 1ull << 32); }
static void m_g_rip_canonical(struct world *w) { wr(w, GUEST_RIP, NONCANON); }
static void m_g_rflags_rsvd(struct world *w) { set(w, GUEST_RFLAGS, 1ull << 3); }
static void m_g_rflags_bit1(struct world *w) { wr(w, GUEST_RFLAGS, 0); }
static void m_g_rflags_vm(struct world *w) { make_v86(w); }
static void m_g_rflags_if(struct world *w) { inject(w, INTR_TYPE_EXT_INTR, 0x30, false); }
/* 27.3.1.5 */
static void m_g_activity(struct world *w) { wr(w, GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_SHUTDOWN); }
static void m_g_hlt_dpl(struct world *w)
{
	make_cpl3(w);
	wr(w, GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_HLT);
}
static void m_g_hlt_shadow(struct world *w)
{
	wr(w, GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_HLT);
	set(w, GUEST_RFLAGS, FL_IF);
	wr(w, GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_STI);
}
static void m_g_hlt_event(struct world *w)
{
	wr(w, GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_HLT);
	inject(w, INTR_TYPE_HARD_EXCEPTION, 6, false);
}
static void m_g_intr_rsvd(struct world *w) { wr(w, GUEST_INTERRUPTIBILITY_INFO, 1u << 5); }
static void m_g_intr_both(struct world *w)
{
	set(w, GUEST_RFLAGS, FL_IF);
	wr(w, GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS);
}
static void m_g_intr_sti_if(struct world *w)
{
	wr(w, GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_STI);
}
static void m_g_intr_extint_sti(struct world *w)
{
	set(w, GUEST_RFLAGS, FL_IF);
	inject(w, INTR_TYPE_EXT_INTR, 0x30, false);
	wr(w, GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_STI);
}
static void m_g_intr_extint_movss(struct world *w)
{
	set(w, GUEST_RFLAGS, FL_IF);
	inject(w, INTR_TYPE_EXT_INTR, 0x30, false);
	wr(w, GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_MOV_SS);
}
static void m_g_intr_nmi_movss(struct world *w)
{
	inject(w, INTR_TYPE_NMI, 2, false);
	wr(w, GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_MOV_SS);
}
static void m_g_intr_smi(struct world *w)
{
	wr(w, GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_SMI);
}
static void m_g_intr_vnmi(struct world *w)
{
	set(w, PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS);
	inject(w, INTR_TYPE_NMI, 2, false);
	wr(w, GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_NMI);
}
static void m_g_intr_enclave(struct world *w)
{
	wr(w, GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_ENCLAVE);
}
static void m_g_intr_nmi_sti(struct world *w)
{
	set(w, GUEST_RFLAGS, FL_IF);
	inject(w, INTR_TYPE_NMI, 2, false);
	wr(w, GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_STI);
}
static void m_g_pending_rsvd(struct world *w) { wr(w, GUEST_PENDING_DBG_EXCEPTIONS, 1u << 4); }
static void m_g_pending_rtm(struct world *w) { wr(w, GUEST_PENDING_DBG_EXCEPTIONS, 1u << 16); }
static void m_g_bs_set(struct world *w)
{
	set(w, GUEST_RFLAGS, FL_IF | FL_TF);
	wr(w, GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_STI);
}
static void m_g_bs_clear(struct world *w)
{
	set(w, GUEST_RFLAGS, FL_IF);
	wr(w, GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_STI);
	wr(w, GUEST_PENDING_DBG_EXCEPTIONS, 1u << 14);
}
static void m_g_link_aligned(struct world *w) { wr(w, VMCS_LINK_POINTER, VMCS2 + 8); }
static void m_g_link_width(struct world *w) { wr(w, VMCS_LINK_POINTER, BEYOND_MAXPHY | VMCS2); }
static void m_g_link_revision(struct world *w) { wr(w, VMCS_LINK_POINTER, VMCS2); }
static void m_g_link_shadow(struct world *w)
{
	phys_write(&w->pm, VMCS2, 4, VMCS_REVISION_ID | (1u << 31));
	wr(w, VMCS_LINK_POINTER, VMCS2);
}
static void m_g_link_current(struct world *w) { wr(w, VMCS_LINK_POINTER, VMCS); }
/* 27.3.1.6: PDPTE0/1 from the VMCS (EPT on), PDPTE2/3 from memory (EPT off). */
static void m_g_pdpte0(struct world *w) { wr(w, GUEST_PDPTE0, 0x25001 | (1u << 1)); }
static void m_g_pdpte1(struct world *w) { wr(w, GUEST_PDPTE1, 0x26001 | (1ull << 50)); }
static void m_g_pdpte2(struct world *w)
{
	clr(w, SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_EPT);
	phys_write(&w->pm, PDPT + 16, 8, 0x27001 | (1u << 5));
}
static void m_g_pdpte3(struct world *w)
{
	clr(w, SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_EPT);
	phys_write(&w->pm, PDPT + 24, 8, 0x28001 | (1u << 8));
}
/* 27.4: the second MSR-load entry goes wrong. */
static void m_msr_rsvd(struct world *w) { entry_msr(w, 1, 0x174 | (1ull << 32), 0x10); }
static void m_msr_fs(struct world *w) { entry_msr(w, 1, 0xc0000101, 0); }
static void m_msr_x2apic(struct world *w) { entry_msr(w, 1, 0x808, 0); }
static void m_msr_smm(struct world *w) { entry_msr(w, 1, 0x9b, 0); }
static void m_msr_exists(struct world *w) { entry_msr(w, 1, 0x12345, 0); }
static void m_msr_value(struct world *w) { entry_msr(w, 1, 0x176, NONCANON); }

struct mutation {
	const char *id;           /* the row it breaks */
	enum base base;           /* the valid VMCS it starts from */
	void (*fn)(struct world *w); /* breaks the rule in a valid VMCS */
	uint32_t msr_index;       /* CHK_MSR_LOAD: the failing entry (1-based) */
};

static const struct mutation mutations[] = {
	{ "ctl.pin.reserved", B64, m_pin_reserved, 0 },
	{ "ctl.proc.reserved", B64, m_proc_reserved, 0 },
	{ "ctl.proc2.reserved", B64, m_proc2_reserved, 0 },
	{ "ctl.cr3-target-count", B64, m_cr3_count, 0 },
	{ "ctl.io-bitmap-a.aligned", B64, m_io_a_aligned, 0 },
	{ "ctl.io-bitmap-a.width", B64, m_io_a_width, 0 },
	{ "ctl.io-bitmap-b.aligned", B64, m_io_b_aligned, 0 },
	{ "ctl.io-bitmap-b.width", B64, m_io_b_width, 0 },
	{ "ctl.msr-bitmap.aligned", B64, m_msr_bitmap_aligned, 0 },
	{ "ctl.msr-bitmap.width", B64, m_msr_bitmap_width, 0 },
	{ "ctl.tpr-shadow.vapic.aligned", B64, m_vapic_aligned, 0 },
	{ "ctl.tpr-shadow.vapic.width", B64, m_vapic_width, 0 },
	{ "ctl.tpr-shadow.threshold.reserved", B64, m_tpr_threshold_reserved, 0 },
	{ "ctl.tpr-shadow.threshold.vtpr", B64, m_tpr_threshold_vtpr, 0 },
	{ "ctl.virtual-nmis.nmi-exiting", B64, m_vnmi, 0 },
	{ "ctl.nmi-window.virtual-nmis", B64, m_nmi_window, 0 },
	{ "ctl.apic-access.aligned", B64, m_apic_access_aligned, 0 },
	{ "ctl.apic-access.width", B64, m_apic_access_width, 0 },
	{ "ctl.unrestricted-guest.ept", B64, m_unrestricted_ept, 0 },
	{ "ctl.vpid.nonzero", B64, m_vpid, 0 },
	{ "ctl.eptp.memory-type", B64, m_eptp_type, 0 },
	{ "ctl.eptp.walk-length", B64, m_eptp_walk, 0 },
	{ "ctl.eptp.reserved-low", B64, m_eptp_low, 0 },
	{ "ctl.eptp.reserved-high", B64, m_eptp_high, 0 },
	{ "ctl.exit.reserved", B64, m_exit_reserved, 0 },
	{ "ctl.exit.save-preemption-timer", B64, m_exit_save_timer, 0 },
	{ "ctl.exit.msr-store.aligned", B64, m_store_aligned, 0 },
	{ "ctl.exit.msr-store.width", B64, m_store_width, 0 },
	{ "ctl.exit.msr-store.last-byte", B64, m_store_last, 0 },
	{ "ctl.exit.msr-load.aligned", B64, m_xload_aligned, 0 },
	{ "ctl.exit.msr-load.width", B64, m_xload_width, 0 },
	{ "ctl.exit.msr-load.last-byte", B64, m_xload_last, 0 },
	{ "ctl.entry.reserved", B64, m_entry_reserved, 0 },
	{ "ctl.entry.intr.type", B64, m_intr_type, 0 },
	{ "ctl.entry.intr.nmi-vector", B64, m_intr_nmi_vector, 0 },
	{ "ctl.entry.intr.exception-vector", B64, m_intr_hw_vector, 0 },
	{ "ctl.entry.intr.other-vector", B64, m_intr_other_vector, 0 },
	{ "ctl.entry.intr.error-code-missing", B32, m_intr_code_missing, 0 },
	{ "ctl.entry.intr.error-code-type", B64, m_intr_code_type, 0 },
	{ "ctl.entry.intr.error-code-vector", B64, m_intr_code_vector, 0 },
	{ "ctl.entry.intr.reserved", B64, m_intr_reserved, 0 },
	{ "ctl.entry.intr.error-code-reserved", B64, m_intr_code_rsvd, 0 },
	{ "ctl.entry.intr.insn-len-zero", B64, m_intr_len_zero, 0 },
	{ "ctl.entry.intr.insn-len-max", B64, m_intr_len_max, 0 },
	{ "ctl.entry.msr-load.aligned", B64, m_eload_aligned, 0 },
	{ "ctl.entry.msr-load.width", B64, m_eload_width, 0 },
	{ "ctl.entry.msr-load.last-byte", B64, m_eload_last, 0 },
	{ "host.cr0.fixed0", B64, m_h_cr0_fixed0, 0 },
	{ "host.cr0.fixed1", B64, m_h_cr0_fixed1, 0 },
	{ "host.cr4.fixed0", B64, m_h_cr4_fixed0, 0 },
	{ "host.cr4.fixed1", B64, m_h_cr4_fixed1, 0 },
	{ "host.cr3.width", B64, m_h_cr3, 0 },
	{ "host.sysenter-esp.canonical", B64, m_h_sysenter_esp, 0 },
	{ "host.sysenter-eip.canonical", B64, m_h_sysenter_eip, 0 },
	{ "host.pat.valid", B64, m_h_pat, 0 },
	{ "host.efer.reserved", B64, m_h_efer_rsvd, 0 },
	{ "host.efer.lma", B64, m_h_efer_lma, 0 },
	{ "host.efer.lme", B64, m_h_efer_lme, 0 },
	{ "host.es.selector", B64, m_h_es_sel, 0 },
	{ "host.cs.selector", B64, m_h_cs_sel, 0 },
	{ "host.ss.selector", B64, m_h_ss_sel, 0 },
	{ "host.ds.selector", B64, m_h_ds_sel, 0 },
	{ "host.fs.selector", B64, m_h_fs_sel, 0 },
	{ "host.gs.selector", B64, m_h_gs_sel, 0 },
	{ "host.tr.selector", B64, m_h_tr_sel, 0 },
	{ "host.cs.null", B64, m_h_cs_null, 0 },
	{ "host.tr.null", B64, m_h_tr_null, 0 },
	{ "host.ss.null", B32H, m_h_ss_null, 0 },
	{ "host.fs.base", B64, m_h_fs_base, 0 },
	{ "host.gs.base", B64, m_h_gs_base, 0 },
	{ "host.gdtr.base", B64, m_h_gdtr_base, 0 },
	{ "host.idtr.base", B64, m_h_idtr_base, 0 },
	{ "host.tr.base", B64, m_h_tr_base, 0 },
	{ "host.legacy.ia32e-guest", B32H, m_a_legacy_guest, 0 },
	{ "host.legacy.host-size", B32H, m_a_legacy_host, 0 },
	{ "host.ia32e.host-size", B64, m_a_ia32e_host, 0 },
	{ "host.size32.pcide", B32H, m_a_host32_pcide, 0 },
	{ "host.size32.rip", B32H, m_a_host32_rip, 0 },
	{ "host.size64.pae", B64, m_a_host64_pae, 0 },
	{ "host.size64.rip", B64, m_a_host64_rip, 0 },
	{ "guest.cr0.fixed0", B64, m_g_cr0_fixed0, 0 },
	{ "guest.cr0.fixed1", B64, m_g_cr0_fixed1, 0 },
	{ "guest.cr4.fixed0", B64, m_g_cr4_fixed0, 0 },
	{ "guest.cr4.fixed1", B64, m_g_cr4_fixed1, 0 },
	{ "guest.debugctl.reserved", B64, m_g_debugctl, 0 },
	{ "guest.cr0.pg-pe", B32, m_g_cr0_pg_pe, 0 },
	{ "guest.ia32e.pg", B64, m_g_ia32e_pg, 0 },
	{ "guest.ia32e.pae", B64, m_g_ia32e_pae, 0 },
	{ "guest.legacy.pcide", B32, m_g_legacy_pcide, 0 },
	{ "guest.cr3.width", B64, m_g_cr3, 0 },
	{ "guest.dr7.high", B64, m_g_dr7, 0 },
	{ "guest.sysenter-esp.canonical", B64, m_g_sysenter_esp, 0 },
	{ "guest.sysenter-eip.canonical", B64, m_g_sysenter_eip, 0 },
	{ "guest.pat.valid", B64, m_g_pat, 0 },
	{ "guest.efer.reserved", B64, m_g_efer_rsvd, 0 },
	{ "guest.efer.lma", B64, m_g_efer_lma, 0 },
	{ "guest.efer.lme", B64, m_g_efer_lme, 0 },
	{ "guest.tr.selector-ti", B64, m_g_tr_ti, 0 },
	{ "guest.ldtr.selector-ti", B32, m_g_ldtr_ti, 0 },
	{ "guest.ss.rpl", B64, m_g_ss_rpl, 0 },
	{ "guest.cs.v86-base", B32, m_v86_cs_base, 0 },
	{ "guest.ss.v86-base", B32, m_v86_ss_base, 0 },
	{ "guest.ds.v86-base", B32, m_v86_ds_base, 0 },
	{ "guest.es.v86-base", B32, m_v86_es_base, 0 },
	{ "guest.fs.v86-base", B32, m_v86_fs_base, 0 },
	{ "guest.gs.v86-base", B32, m_v86_gs_base, 0 },
	{ "guest.tr.base", B64, m_g_tr_base, 0 },
	{ "guest.fs.base", B64, m_g_fs_base, 0 },
	{ "guest.gs.base", B64, m_g_gs_base, 0 },
	{ "guest.ldtr.base", B32, m_g_ldtr_base, 0 },
	{ "guest.cs.base-high", B64, m_g_cs_base_high, 0 },
	{ "guest.ss.base-high", B64, m_g_ss_base_high, 0 },
	{ "guest.ds.base-high", B32, m_g_ds_base_high, 0 },
	{ "guest.es.base-high", B64, m_g_es_base_high, 0 },
	{ "guest.cs.v86-limit", B32, m_v86_cs_limit, 0 },
	{ "guest.ss.v86-limit", B32, m_v86_ss_limit, 0 },
	{ "guest.ds.v86-limit", B32, m_v86_ds_limit, 0 },
	{ "guest.es.v86-limit", B32, m_v86_es_limit, 0 },
	{ "guest.fs.v86-limit", B32, m_v86_fs_limit, 0 },
	{ "guest.gs.v86-limit", B32, m_v86_gs_limit, 0 },
	{ "guest.cs.v86-ar", B32, m_v86_cs_ar, 0 },
	{ "guest.ss.v86-ar", B32, m_v86_ss_ar, 0 },
	{ "guest.ds.v86-ar", B32, m_v86_ds_ar, 0 },
	{ "guest.es.v86-ar", B32, m_v86_es_ar, 0 },
	{ "guest.fs.v86-ar", B32, m_v86_fs_ar, 0 },
	{ "guest.gs.v86-ar", B32, m_v86_gs_ar, 0 },
	{ "guest.cs.type", B64, m_g_cs_type, 0 },
	{ "guest.ss.type", B64, m_g_ss_type, 0 },
	{ "guest.ds.type-accessed", B64, m_g_ds_accessed, 0 },
	{ "guest.es.type-accessed", B32, m_g_es_accessed, 0 },
	{ "guest.fs.type-accessed", B64, m_g_fs_accessed, 0 },
	{ "guest.gs.type-accessed", B32, m_g_gs_accessed, 0 },
	{ "guest.ds.type-readable", B64, m_g_ds_readable, 0 },
	{ "guest.es.type-readable", B32, m_g_es_readable, 0 },
	{ "guest.fs.type-readable", B64, m_g_fs_readable, 0 },
	{ "guest.gs.type-readable", B32, m_g_gs_readable, 0 },
	{ "guest.cs.s", B64, m_g_cs_s, 0 },
	{ "guest.ss.s", B64, m_g_ss_s, 0 },
	{ "guest.ds.s", B32, m_g_ds_s, 0 },
	{ "guest.es.s", B64, m_g_es_s, 0 },
	{ "guest.fs.s", B32, m_g_fs_s, 0 },
	{ "guest.gs.s", B64, m_g_gs_s, 0 },
	{ "guest.cs.dpl-nonconforming", B64, m_g_cs_dpl_nc, 0 },
	{ "guest.cs.dpl-conforming", B64, m_g_cs_dpl_c, 0 },
	{ "guest.cs.dpl-type3", B32, m_g_cs_dpl_type3, 0 },
	{ "guest.ss.dpl-real", B32, m_g_ss_dpl_real, 0 },
	{ "guest.ss.dpl", B64, m_g_ss_dpl, 0 },
	{ "guest.ds.dpl", B64, m_g_ds_dpl, 0 },
	{ "guest.es.dpl", B32, m_g_es_dpl, 0 },
	{ "guest.fs.dpl", B64, m_g_fs_dpl, 0 },
	{ "guest.gs.dpl", B32, m_g_gs_dpl, 0 },
	{ "guest.cs.p", B64, m_g_cs_p, 0 },
	{ "guest.ss.p", B32, m_g_ss_p, 0 },
	{ "guest.ds.p", B64, m_g_ds_p, 0 },
	{ "guest.es.p", B32, m_g_es_p, 0 },
	{ "guest.fs.p", B64, m_g_fs_p, 0 },
	{ "guest.gs.p", B32, m_g_gs_p, 0 },
	{ "guest.cs.ar-reserved-11-8", B32, m_g_cs_mid, 0 },
	{ "guest.ss.ar-reserved-11-8", B64, m_g_ss_mid, 0 },
	{ "guest.ds.ar-reserved-11-8", B32, m_g_ds_mid, 0 },
	{ "guest.es.ar-reserved-11-8", B64, m_g_es_mid, 0 },
	{ "guest.fs.ar-reserved-11-8", B32, m_g_fs_mid, 0 },
	{ "guest.gs.ar-reserved-11-8", B64, m_g_gs_mid, 0 },
	{ "guest.cs.l-and-db", B64, m_g_cs_l_db, 0 },
	{ "guest.cs.g-limit-low", B64, m_g_cs_g_low, 0 },
	{ "guest.cs.g-limit-high", B32, m_g_cs_g_high, 0 },
	{ "guest.ss.g-limit-low", B32, m_g_ss_g_low, 0 },
	{ "guest.ss.g-limit-high", B64, m_g_ss_g_high, 0 },
	{ "guest.ds.g-limit-low", B64, m_g_ds_g_low, 0 },
	{ "guest.ds.g-limit-high", B32, m_g_ds_g_high, 0 },
	{ "guest.es.g-limit-low", B32, m_g_es_g_low, 0 },
	{ "guest.es.g-limit-high", B64, m_g_es_g_high, 0 },
	{ "guest.fs.g-limit-low", B64, m_g_fs_g_low, 0 },
	{ "guest.fs.g-limit-high", B32, m_g_fs_g_high, 0 },
	{ "guest.gs.g-limit-low", B32, m_g_gs_g_low, 0 },
	{ "guest.gs.g-limit-high", B64, m_g_gs_g_high, 0 },
	{ "guest.cs.ar-reserved-31-17", B64, m_g_cs_hi, 0 },
	{ "guest.ss.ar-reserved-31-17", B32, m_g_ss_hi, 0 },
	{ "guest.ds.ar-reserved-31-17", B64, m_g_ds_hi, 0 },
	{ "guest.es.ar-reserved-31-17", B32, m_g_es_hi, 0 },
	{ "guest.fs.ar-reserved-31-17", B64, m_g_fs_hi, 0 },
	{ "guest.gs.ar-reserved-31-17", B32, m_g_gs_hi, 0 },
	{ "guest.tr.type", B32, m_g_tr_type, 0 },
	{ "guest.tr.type-ia32e", B64, m_g_tr_type_ia32e, 0 },
	{ "guest.tr.s", B64, m_g_tr_s, 0 },
	{ "guest.tr.p", B32, m_g_tr_p, 0 },
	{ "guest.tr.ar-reserved-11-8", B64, m_g_tr_mid, 0 },
	{ "guest.tr.g-limit-low", B32, m_g_tr_g_low, 0 },
	{ "guest.tr.g-limit-high", B64, m_g_tr_g_high, 0 },
	{ "guest.tr.unusable", B32, m_g_tr_unusable, 0 },
	{ "guest.tr.ar-reserved-31-17", B64, m_g_tr_hi, 0 },
	{ "guest.ldtr.type", B32, m_g_ldtr_type, 0 },
	{ "guest.ldtr.s", B32, m_g_ldtr_s, 0 },
	{ "guest.ldtr.p", B32, m_g_ldtr_p, 0 },
	{ "guest.ldtr.ar-reserved-11-8", B32, m_g_ldtr_mid, 0 },
	{ "guest.ldtr.g-limit-low", B32, m_g_ldtr_g_low, 0 },
	{ "guest.ldtr.g-limit-high", B32, m_g_ldtr_g_high, 0 },
	{ "guest.ldtr.ar-reserved-31-17", B32, m_g_ldtr_hi, 0 },
	{ "guest.gdtr.base", B64, m_g_gdtr_base, 0 },
	{ "guest.idtr.base", B32, m_g_idtr_base, 0 },
	{ "guest.gdtr.limit", B64, m_g_gdtr_limit, 0 },
	{ "guest.idtr.limit", B32, m_g_idtr_limit, 0 },
	{ "guest.rip.high", B32, m_g_rip_high, 0 },
	{ "guest.rip.canonical", B64, m_g_rip_canonical, 0 },
	{ "guest.rflags.reserved", B64, m_g_rflags_rsvd, 0 },
	{ "guest.rflags.bit1", B32, m_g_rflags_bit1, 0 },
	{ "guest.rflags.vm", B64, m_g_rflags_vm, 0 },
	{ "guest.rflags.if-for-interrupt", B64, m_g_rflags_if, 0 },
	{ "guest.activity.supported", B64, m_g_activity, 0 },
	{ "guest.activity.hlt-dpl", B64, m_g_hlt_dpl, 0 },
	{ "guest.activity.shadow", B64, m_g_hlt_shadow, 0 },
	{ "guest.activity.event", B32, m_g_hlt_event, 0 },
	{ "guest.intr-state.reserved", B64, m_g_intr_rsvd, 0 },
	{ "guest.intr-state.sti-and-mov-ss", B64, m_g_intr_both, 0 },
	{ "guest.intr-state.sti-needs-if", B64, m_g_intr_sti_if, 0 },
	{ "guest.intr-state.interrupt-sti", B64, m_g_intr_extint_sti, 0 },
	{ "guest.intr-state.interrupt-mov-ss", B32, m_g_intr_extint_movss, 0 },
	{ "guest.intr-state.nmi-mov-ss", B64, m_g_intr_nmi_movss, 0 },
	{ "guest.intr-state.smi", B64, m_g_intr_smi, 0 },
	{ "guest.intr-state.virtual-nmi", B32, m_g_intr_vnmi, 0 },
	{ "guest.intr-state.enclave", B64, m_g_intr_enclave, 0 },
	{ "guest.intr-state.nmi-sti", B64, m_g_intr_nmi_sti, 0 },
	{ "guest.pending-dbg.reserved", B64, m_g_pending_rsvd, 0 },
	{ "guest.pending-dbg.rtm", B64, m_g_pending_rtm, 0 },
	{ "guest.pending-dbg.bs-set", B64, m_g_bs_set, 0 },
	{ "guest.pending-dbg.bs-clear", B32, m_g_bs_clear, 0 },
	{ "guest.vmcs-link.aligned", B64, m_g_link_aligned, 0 },
	{ "guest.vmcs-link.width", B64, m_g_link_width, 0 },
	{ "guest.vmcs-link.revision", B64, m_g_link_revision, 0 },
	{ "guest.vmcs-link.shadow", B64, m_g_link_shadow, 0 },
	{ "guest.vmcs-link.current", B64, m_g_link_current, 0 },
	{ "guest.pdpte0.reserved", B32, m_g_pdpte0, 0 },
	{ "guest.pdpte1.reserved", B32, m_g_pdpte1, 0 },
	{ "guest.pdpte2.reserved", B32, m_g_pdpte2, 0 },
	{ "guest.pdpte3.reserved", B32, m_g_pdpte3, 0 },
	{ "msr-load.reserved", B64, m_msr_rsvd, 2 },
	{ "msr-load.fs-gs-base", B64, m_msr_fs, 2 },
	{ "msr-load.x2apic", B32, m_msr_x2apic, 2 },
	{ "msr-load.smm-monitor-ctl", B64, m_msr_smm, 2 },
	{ "msr-load.exists", B32H, m_msr_exists, 2 },
	{ "msr-load.value", B64, m_msr_value, 2 },
};

#define NMUT ((int)(sizeof mutations / sizeof mutations[0]))

static const struct mutation *mutation_for(const char *id)
{
	for (int k = 0; k < NMUT; k++)
		if (strcmp(mutations[k].id, id) == 0)
			return &mutations[k];
	return NULL;
}

/* ---- the table itself ------------------------------------------------ */

Test(vmx_checks, table_shape)
{
	int n;
	const struct vmx_check *t = vmx_entry_checks(&n);
	cr_assert_geq(n, 150, "only %d rows", n);
	int last_stage = CHK_CONTROL;
	for (int k = 0; k < n; k++) {
		cr_assert_not_null(t[k].ok, "%s has no check", t[k].id);
		cr_assert(t[k].text && t[k].text[0] && !strchr(t[k].text, '\n'), "%s: text",
		          t[k].id);
		cr_assert(t[k].section && strncmp(t[k].section, "27.", 3) == 0, "%s: section",
		          t[k].id);
		/* Stages come in the order VM entry performs them. */
		cr_assert_geq(t[k].stage, last_stage, "%s is out of stage order", t[k].id);
		last_stage = t[k].stage;
		cr_assert(t[k].stage == CHK_GUEST || t[k].qual == 0,
		          "%s: qualification outside guest checks", t[k].id);
		cr_assert_eq(vmx_entry_check_by_id(t[k].id), &t[k], "%s: id not unique", t[k].id);
		cr_assert_not_null(mutation_for(t[k].id), "row %s has no mutation in this test",
		                   t[k].id);
	}
	cr_assert_eq(NMUT, n, "mutations without rows");
	cr_assert_null(vmx_entry_check_by_id("no.such.row"));
}

/* Qualifications of guest-state failures (27.8). */
Test(vmx_checks, qualifications)
{
	cr_assert_eq(vmx_entry_check_by_id("guest.intr-state.nmi-sti")->qual, 3);
	cr_assert_eq(vmx_entry_check_by_id("guest.vmcs-link.current")->qual, 4);
	cr_assert_eq(vmx_entry_check_by_id("guest.pdpte3.reserved")->qual, 2);
	cr_assert_eq(vmx_entry_check_by_id("guest.cr0.fixed0")->qual, 0);
}

/* Every row: the mutation makes its stage report exactly that row, and the
 * stages before it still pass. */
Test(vmx_checks, every_row_fails_alone)
{
	for (int k = 0; k < NMUT; k++) {
		const struct mutation *mu = &mutations[k];
		const struct vmx_check *row = vmx_entry_check_by_id(mu->id);
		cr_assert_not_null(row, "mutation for unknown row %s", mu->id);
		struct world *w = world_new(mu->base);
		mu->fn(w);
		for (int st = CHK_CONTROL; st < row->stage; st++) {
			const char *id = run(w, (enum check_stage)st, NULL);
			cr_expect_null(id, "%s: earlier stage %d fails %s", mu->id, st,
			               id ? id : "");
		}
		uint32_t idx = 0;
		const char *id = run(w, (enum check_stage)row->stage, &idx);
		cr_expect(id && strcmp(id, mu->id) == 0, "%s: stage %d reports %s", mu->id,
		          row->stage, id ? id : "nothing");
		cr_expect_eq(idx, mu->msr_index, "%s: MSR entry %u, expected %u", mu->id, idx,
		             mu->msr_index);
		world_free(w);
	}
}

/* ---- behaviour beyond single rows -------------------------------------- */

/* Secondary controls count only when activated: garbage there is ignored. */
Test(vmx_checks, secondary_ignored_unless_activated)
{
	struct world *w = world_new(B64);
	clr(w, CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY);
	wr(w, SECONDARY_VM_EXEC_CONTROL, 0xffffffff);
	wr(w, EPT_POINTER, 0xdeadbeef);
	wr(w, VIRTUAL_PROCESSOR_ID, 0);
	cr_assert_null(run(w, CHK_CONTROL, NULL));
	world_free(w);
}

/* Unused bitmaps and empty MSR lists are not checked. */
Test(vmx_checks, unused_addresses_ignored)
{
	struct world *w = world_new(B64);
	clr(w, CPU_BASED_VM_EXEC_CONTROL, CPU_USE_IO_BITMAPS | CPU_USE_MSR_BITMAPS);
	wr(w, IO_BITMAP_A, 3);
	wr(w, MSR_BITMAP, ~0ull);
	wr(w, VM_EXIT_MSR_STORE_COUNT, 0);
	wr(w, VM_EXIT_MSR_STORE_ADDR, 7);
	wr(w, VM_ENTRY_MSR_LOAD_COUNT, 0);
	wr(w, VM_ENTRY_MSR_LOAD_ADDR, ~0ull);
	assert_all_pass(w, "unused addresses");
	world_free(w);
}

/* A valid virtual-8086 guest and valid injections pass. */
Test(vmx_checks, valid_variants_pass)
{
	struct world *w = world_new(B32);
	make_v86(w);
	assert_all_pass(w, "virtual-8086 guest");
	world_free(w);

	w = world_new(B64);
	inject(w, INTR_TYPE_HARD_EXCEPTION, 14, true);
	wr(w, VM_ENTRY_EXCEPTION_ERROR_CODE, 0x8002); /* bit 15 (SGX) is allowed */
	assert_all_pass(w, "#PF injection");
	inject(w, INTR_TYPE_SOFT_INTR, 0x80, false);
	wr(w, VM_ENTRY_INSTRUCTION_LEN, 15);
	assert_all_pass(w, "INT 80h injection");
	inject(w, INTR_TYPE_OTHER, 0, false);
	assert_all_pass(w, "pending MTF");
	set(w, GUEST_RFLAGS, FL_IF);
	inject(w, INTR_TYPE_EXT_INTR, 0x30, false);
	wr(w, GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_HLT);
	assert_all_pass(w, "interrupt into HLT");
	world_free(w);

	w = world_new(B64);
	set(w, PIN_BASED_VM_EXEC_CONTROL, PIN_VIRTUAL_NMIS | PIN_PREEMPTION_TIMER);
	set(w, CPU_BASED_VM_EXEC_CONTROL, CPU_NMI_WINDOW_EXITING);
	set(w, VM_EXIT_CONTROLS, EXIT_SAVE_PREEMPTION_TIMER);
	inject(w, INTR_TYPE_NMI, 2, false);
	assert_all_pass(w, "virtual NMIs, NMI window, preemption timer, NMI injection");
	world_free(w);

	w = world_new(B64);
	phys_write(&w->pm, VMCS2, 4, VMCS_REVISION_ID);
	wr(w, VMCS_LINK_POINTER, VMCS2);
	assert_all_pass(w, "valid VMCS link pointer");
	wr(w, GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_HLT);
	set(w, GUEST_RFLAGS, FL_IF | FL_TF);
	wr(w, GUEST_PENDING_DBG_EXCEPTIONS, 1u << 14);
	assert_all_pass(w, "HLT with a pending single-step trap");
	wr(w, GUEST_IA32_DEBUGCTL, 1u << 1); /* BTF: TF traps on branches only */
	cr_assert_str_eq(run(w, CHK_GUEST, NULL), "guest.pending-dbg.bs-clear");
	world_free(w);
}

/* The PDPTEs come from the VMCS with EPT and from memory without. */
Test(vmx_checks, pdpte_source)
{
	struct world *w = world_new(B32);
	phys_write(&w->pm, PDPT, 8, 0x25001 | (1u << 2));
	assert_all_pass(w, "EPT: memory PDPTEs ignored");
	clr(w, SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_EPT);
	cr_assert_str_eq(run(w, CHK_GUEST, NULL), "guest.pdpte0.reserved");
	phys_write(&w->pm, PDPT, 8, 0x25001);
	wr(w, GUEST_PDPTE0, ~0ull);
	assert_all_pass(w, "no EPT: PDPTE fields ignored");
	/* A PDPTE that is not present may hold anything. */
	phys_write(&w->pm, PDPT + 8, 8, 0xfffffffffffffffeull);
	assert_all_pass(w, "not-present PDPTE");
	world_free(w);
}

/* MSR loading goes entry by entry: the lowest failing entry is reported,
 * with the first rule it breaks. */
Test(vmx_checks, msr_load_first_entry_wins)
{
	struct world *w = world_new(B64);
	entry_msr(w, 0, 0x12345, 0);                       /* entry 1: no such MSR */
	entry_msr(w, 1, 0xc0000100 | (1ull << 32), 0);     /* entry 2: reserved bits and FS_BASE */
	uint32_t idx = 0;
	cr_assert_str_eq(run(w, CHK_MSR_LOAD, &idx), "msr-load.exists");
	cr_assert_eq(idx, 1);
	entry_msr(w, 0, 0xc0000081, 0);
	cr_assert_str_eq(run(w, CHK_MSR_LOAD, &idx), "msr-load.reserved");
	cr_assert_eq(idx, 2);
	world_free(w);
}

/* Only the recommended maximum of 512 entries (IA32_VMX_MISC[27:25] = 0)
 * is looked at: the processor's behaviour beyond it is undefined. */
Test(vmx_checks, msr_load_list_limit)
{
	struct world *w = world_new(B64);
	uint64_t area = 0x100000;
	for (unsigned k = 0; k < 512; k++) {
		phys_write(&w->pm, area + 16 * k, 8, 0xc0000081); /* IA32_STAR */
		phys_write(&w->pm, area + 16 * k + 8, 8, k);
	}
	phys_write(&w->pm, area + 16 * 512, 8, 0x12345); /* entry 513: no such MSR */
	wr(w, VM_ENTRY_MSR_LOAD_ADDR, area);
	wr(w, VM_ENTRY_MSR_LOAD_COUNT, 0xffffffff);
	assert_all_pass(w, "513th entry ignored");
	phys_write(&w->pm, area + 16 * 511, 8, 0x12345);
	uint32_t idx = 0;
	cr_assert_str_eq(run(w, CHK_MSR_LOAD, &idx), "msr-load.exists");
	cr_assert_eq(idx, 512);
	world_free(w);
}
