/* entry.c - the one function that performs VM entry (SDM Vol. 3C, 27 "VM Entries"). */
#include <stdio.h>
#include <string.h>

#include "../cpu/access.h"
#include "../cpu/exception.h"
#include "../cpu/exec.h"
#include "entry.h"
#include "vmx.h"

static void emit(struct cpu *c, enum ev_kind kind, uint32_t reason, uint64_t from, uint64_t to,
		 const char *check, const char *why)
{
	if (!ev_wanted(c->bus, kind))
		return;
	struct event e = { .kind = kind };
	cpu_time_now(c, &e.icount, &e.cycles);
	e.u.vmx = (struct ev_vmx){ .reason = reason, .from_rip = from, .to_rip = to,
				   .check = check ? check : "", .why = why ? why : "" };
	ev_emit(c->bus, &e);
}

/* VMfailValid for a failed check on the controls (7) or the host state (8)
 * (27.2: "VM entry fails ... the instruction reports VMfailValid"). */
static void fail_valid(struct cpu *c, unsigned err, const struct vmx_check *k)
{
	flags_materialize(c);
	c->rflags = (c->rflags & ~(uint64_t)FL_ARITH) | FL_ZF;
	vmcs_write(c->pm, c->vmx.vmcs, VM_INSTRUCTION_ERROR, err);
	snprintf(c->vmx.why, sizeof c->vmx.why, "VM entry failed (VMfailValid %u, %s): %s -- SDM Vol. 3C, %s [%s]",
		 err, vmx_insn_error_text(err), k->text, k->section, k->id);
	c->vmx.entry_fails++;
	emit(c, EV_VMENTRY_FAIL, err, c->rip, c->rip, k->id, c->vmx.why);
}

/*
 * A VM-entry failure during or after loading guest state (27.8): a VM
 * exit with bit 31 of the exit reason set and no guest state saved.
 */
static void fail_exit(struct cpu *c, unsigned reason, uint64_t qual, const char *id, const char *text,
		      const char *section)
{
	snprintf(c->vmx.why, sizeof c->vmx.why, "VM entry failed (exit reason %u, %s, qualification %llu): %s -- SDM Vol. 3C, %s [%s]",
		 reason, vmx_exit_reason_name(reason), (unsigned long long)qual, text, section, id);
	c->vmx.entry_fails++;
	emit(c, EV_VMENTRY_FAIL, EXIT_REASON_FAILED_VMENTRY | reason, c->rip, 0, id, c->vmx.why);
	c->vmx.exit = (struct vmx_exit_info){ .reason = EXIT_REASON_FAILED_VMENTRY | reason, .qual = qual,
					      .why = c->vmx.why };
	c->delivering = false;
	vmx_exit(c);
}

/* A segment register from the guest-state area (27.3.2.2). An unusable
 * register (AR bit 16) is not present. */
static void load_seg(const struct entry_ctx *x, unsigned k, struct segment *s)
{
	uint32_t ar = (uint32_t)ectx(x, GUEST_ES_AR_BYTES + 2 * k);
	s->sel = (uint16_t)ectx(x, GUEST_ES_SELECTOR + 2 * k);
	s->base = ectx(x, GUEST_ES_BASE + 2 * k);
	s->limit = (uint32_t)ectx(x, GUEST_ES_LIMIT + 2 * k);
	s->attr = (ar & (1u << 16)) ? (uint16_t)(ar & 0xf07f) : (uint16_t)(ar & 0xf0ff);
}

/* 27.3.2 "Loading Guest State". Returns NULL, or why the PDPTEs could not
 * be loaded (a failure with qualification 2). */
static const char *load_guest(struct cpu *c, const struct entry_ctx *x)
{
	uint32_t entry = (uint32_t)ectx(x, VM_ENTRY_CONTROLS);
	bool ia32e = entry & ENTRY_IA32E_MODE_GUEST;
	c->cr0 = ectx(x, GUEST_CR0) | CR0_ET;
	c->cr3 = ectx(x, GUEST_CR3);
	c->cr4 = ectx(x, GUEST_CR4);
	if (entry & ENTRY_LOAD_DEBUG_CONTROLS) {
		c->dr[7] = ectx(x, GUEST_DR7) | 0x400;
		cpu_debug_update(c);
	}
	c->sysenter_cs = ectx(x, GUEST_SYSENTER_CS);
	c->sysenter_esp = ectx(x, GUEST_SYSENTER_ESP);
	c->sysenter_eip = ectx(x, GUEST_SYSENTER_EIP);
	if (entry & ENTRY_LOAD_IA32_PAT)
		c->pat = ectx(x, GUEST_IA32_PAT);
	if (entry & ENTRY_LOAD_IA32_EFER) {
		c->efer = ectx(x, GUEST_IA32_EFER);
	} else {
		/* EFER.LMA follows "IA-32e mode guest"; so does LME with paging on. */
		c->efer &= ~(EFER_LMA | EFER_LME);
		if (ia32e)
			c->efer |= EFER_LMA | ((c->cr0 & CR0_PG) ? EFER_LME : 0);
	}
	for (unsigned k = 0; k < SEG_COUNT; k++)
		load_seg(x, k, &c->seg[k]);
	load_seg(x, 6, &c->ldtr);
	load_seg(x, 7, &c->tr);
	c->gdtr = (struct descriptor_table){ ectx(x, GUEST_GDTR_BASE), (uint16_t)ectx(x, GUEST_GDTR_LIMIT) };
	c->idtr = (struct descriptor_table){ ectx(x, GUEST_IDTR_BASE), (uint16_t)ectx(x, GUEST_IDTR_LIMIT) };
	c->gpr[RSP] = ectx(x, GUEST_RSP);
	c->rip = c->next_rip = ectx(x, GUEST_RIP);
	c->lf.op = LF_NONE;
	c->rflags = ectx(x, GUEST_RFLAGS) | FL_FIXED1;
	uint32_t intr = (uint32_t)ectx(x, GUEST_INTERRUPTIBILITY_INFO);
	c->int_shadow = (intr & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)) != 0;
	c->mov_ss_shadow = (intr & GUEST_INTR_STATE_MOV_SS) != 0;
	/* Bit 3 is blocking by NMI, or with "virtual NMIs" the virtual-NMI
	 * blocking; NMIs themselves are then not blocked (27.6.1). */
	if (ectx(x, PIN_BASED_VM_EXEC_CONTROL) & PIN_VIRTUAL_NMIS) {
		c->vmx.vnmi_blocked = (intr & GUEST_INTR_STATE_NMI) != 0;
		c->nmi_blocked = false;
	} else {
		c->nmi_blocked = (intr & GUEST_INTR_STATE_NMI) != 0;
	}
	c->halted = ectx(x, GUEST_ACTIVITY_STATE) == GUEST_ACTIVITY_HLT;
	/* PAE paging outside IA-32e mode: the PDPTEs come from the VMCS under
	 * EPT, else from guest memory as MOV to CR3 loads them (27.3.2.4). */
	if ((c->cr0 & CR0_PG) && (c->cr4 & CR4_PAE) && !ia32e) {
		uint32_t proc2 = (ectx(x, CPU_BASED_VM_EXEC_CONTROL) & CPU_ACTIVATE_SECONDARY)
					 ? (uint32_t)ectx(x, SECONDARY_VM_EXEC_CONTROL) : 0;
		if (proc2 & SEC_ENABLE_EPT) {
			for (unsigned k = 0; k < 4; k++)
				c->pdpte[k] = ectx(x, GUEST_PDPTE0 + 2 * k);
		} else {
			const char *why = cpu_load_pdptes(c, c->cr3);
			if (why)
				return why;
		}
	}
	return NULL;
}

/* The controls the CPU consults while the guest runs (vmx.h). */
static void cache_controls(struct cpu *c, const struct entry_ctx *x)
{
	struct vmx_state *v = &c->vmx;
	v->pin = (uint32_t)ectx(x, PIN_BASED_VM_EXEC_CONTROL);
	v->proc = (uint32_t)ectx(x, CPU_BASED_VM_EXEC_CONTROL);
	v->proc2 = (v->proc & CPU_ACTIVATE_SECONDARY) ? (uint32_t)ectx(x, SECONDARY_VM_EXEC_CONTROL) : 0;
	v->exit_ctls = (uint32_t)ectx(x, VM_EXIT_CONTROLS);
	v->entry_ctls = (uint32_t)ectx(x, VM_ENTRY_CONTROLS);
	v->exc_bitmap = (uint32_t)ectx(x, EXCEPTION_BITMAP);
	v->pfec_mask = (uint32_t)ectx(x, PAGE_FAULT_ERROR_CODE_MASK);
	v->pfec_match = (uint32_t)ectx(x, PAGE_FAULT_ERROR_CODE_MATCH);
	v->cr0_mask = ectx(x, CR0_GUEST_HOST_MASK);
	v->cr0_shadow = ectx(x, CR0_READ_SHADOW);
	v->cr4_mask = ectx(x, CR4_GUEST_HOST_MASK);
	v->cr4_shadow = ectx(x, CR4_READ_SHADOW);
	v->cr3_count = (uint32_t)ectx(x, CR3_TARGET_COUNT);
	for (unsigned k = 0; k < 4; k++)
		v->cr3_target[k] = ectx(x, CR3_TARGET_VALUE0 + 2 * k);
	v->io_bitmap[0] = ectx(x, IO_BITMAP_A);
	v->io_bitmap[1] = ectx(x, IO_BITMAP_B);
	v->msr_bitmap = ectx(x, MSR_BITMAP);
	v->eptp = ectx(x, EPT_POINTER);
	v->vpid = (uint16_t)ectx(x, VIRTUAL_PROCESSOR_ID);
	v->tsc_offset = ectx(x, TSC_OFFSET);
	v->vapic = ectx(x, VIRTUAL_APIC_PAGE_ADDR);
	v->apic_access = ectx(x, APIC_ACCESS_ADDR) & ~0xfffull;
	v->ple_gap = (uint32_t)ectx(x, PLE_GAP);
	v->ple_window = (uint32_t)ectx(x, PLE_WINDOW);
	v->ple_started = false;
	/* Pending debug exceptions (B3-B0 in 3:0, BS in 14): a #DB after VM
	 * entry unless the entry injects an event (27.7.3). */
	v->pending_db = (uint32_t)ectx(x, GUEST_PENDING_DBG_EXCEPTIONS) & 0x400f;
	v->vtpr_written = false;
	v->tpr_threshold = (uint32_t)ectx(x, TPR_THRESHOLD) & 0xf;
	v->step = (v->proc & (CPU_MONITOR_TRAP_FLAG | CPU_INTR_WINDOW_EXITING | CPU_NMI_WINDOW_EXITING)) != 0;
}

/* The VM-entry MSR-load list (27.4): each 16-byte entry is written as
 * WRMSR would; a failure is a VM-entry failure with reason 34 and the
 * entry's 1-based index as qualification. */
static bool load_entry_msrs(struct cpu *c, const struct entry_ctx *x, uint32_t *bad)
{
	uint32_t n = (uint32_t)ectx(x, VM_ENTRY_MSR_LOAD_COUNT);
	uint64_t a = ectx(x, VM_ENTRY_MSR_LOAD_ADDR);
	for (uint32_t k = 0; k < n && k < 512; k++) {
		uint64_t e = phys_read(c->pm, a + 16ull * k, 8);
		uint64_t val = phys_read(c->pm, a + 16ull * k + 8, 8);
		if (!cpu_msr_write(c, (uint32_t)e, val)) {
			*bad = k + 1;
			return false;
		}
	}
	return true;
}

void vmx_entry(struct cpu *c, const struct insn *i, bool launch)
{
	struct vmx_state *v = &c->vmx;
	struct entry_ctx ctx, *x = &ctx;
	uint64_t host_rip = c->rip;
	uint32_t idx = 0;
	const struct vmx_check *k;

	/* 27.1-27.2: the controls, then the host-state area. */
	entry_ctx_load(x, c, v->vmcs);
	if ((k = vmx_run_entry_checks(x, CHK_CONTROL, &idx))) {
		fail_valid(c, VMXERR_ENTRY_INVALID_CONTROL_FIELD, k);
		return;
	}
	if ((k = vmx_run_entry_checks(x, CHK_HOST, &idx))) {
		fail_valid(c, VMXERR_ENTRY_INVALID_HOST_STATE_FIELD, k);
		return;
	}
	/* From here on the instruction has done its work: a failure is a VM
	 * exit to the host, after VMLAUNCH/VMRESUME retires. */
	c->next_rip = (c->rip + i->len) & c->ip_mask;
	v->host_tsc_offset = c->tsc_offset;

	/* 27.3: check, then load, the guest state. */
	if ((k = vmx_run_entry_checks(x, CHK_GUEST, &idx))) {
		fail_exit(c, EXIT_REASON_INVALID_GUEST_STATE, k->qual, k->id, k->text, k->section);
		return;
	}
	cache_controls(c, x);
	const char *why = load_guest(c, x);
	v->guest = true;
	cpu_update_mode(c);
	cpu_tlb_vmx_switch(c);
	if (why) {
		v->guest = false;
		fail_exit(c, EXIT_REASON_INVALID_GUEST_STATE, 2, "guest.pdpte.reserved", why,
			  "27.3.1.6 Checks on Guest Page-Directory-Pointer-Table Entries");
		return;
	}
	/* 27.4: the MSR-load list. */
	if ((k = vmx_run_entry_checks(x, CHK_MSR_LOAD, &idx)) || !load_entry_msrs(c, x, &idx)) {
		v->guest = false;
		fail_exit(c, EXIT_REASON_MSR_LOAD_FAIL, idx, k ? k->id : "msr-load.wrmsr",
			  k ? k->text : "the VM-entry MSR-load list writes an MSR or value that WRMSR would refuse",
			  "27.4 Loading MSRs");
		return;
	}
	if (launch)
		phys_write(c->pm, v->vmcs + VMCS_OFF_LAUNCH, 4, 1);
	/* The VMX-preemption timer starts from its field (26.5.1); a value
	 * of 0 exits before the first guest instruction. */
	c->timer_fired = false;
	v->preempt_armed = false;
	if ((v->pin & PIN_PREEMPTION_TIMER) && c->plat.timer_arm) {
		uint64_t now_i, now, val = ectx(x, VMX_PREEMPTION_TIMER_VALUE) & 0xffffffffull;
		cpu_time_now(c, &now_i, &now);
		v->preempt_armed = true;
		v->preempt_at = ((now >> VMX_PREEMPT_RATE) + val) << VMX_PREEMPT_RATE;
		if (val == 0)
			c->timer_fired = true;
		else
			c->plat.timer_arm(c->plat.opaque, v->preempt_at);
	}
	if (v->proc & CPU_USE_TSC_OFFSETTING)
		c->tsc_offset = v->host_tsc_offset + v->tsc_offset;

	/* 27.6: event injection happens before the first guest instruction. */
	uint32_t info = (uint32_t)ectx(x, VM_ENTRY_INTR_INFO_FIELD);
	v->inject = (info & INTR_INFO_VALID) != 0;
	v->inject_info = info;
	v->inject_err = (uint32_t)ectx(x, VM_ENTRY_EXCEPTION_ERROR_CODE);
	v->inject_len = (uint32_t)ectx(x, VM_ENTRY_INSTRUCTION_LEN);
	if (v->inject) {
		v->pending_db = 0;
		/* A vectoring VM entry leaves no STI or MOV-SS blocking and an
		 * active processor (27.6.1, 27.6.2). */
		c->halted = false;
		c->int_shadow = c->mov_ss_shadow = false;
	}

	/* With "use TPR shadow", VTPR[7:4] below the TPR threshold exits right
	 * after VM entry (27.7.? / 30.1.2); without "virtualize APIC accesses"
	 * the checks already refused it (ctl.tpr-shadow.threshold.vtpr). */
	v->tpr_below = (v->proc & CPU_TPR_SHADOW) && (vmx_vtpr(c) >> 4) < v->tpr_threshold;

	v->entries++;
	c->cycles += c->cost_vm_entry;
	snprintf(v->why, sizeof v->why, "%s: VM entry to %#llx (SDM Vol. 3C, 27)", launch ? "VMLAUNCH" : "VMRESUME",
		 (unsigned long long)c->rip);
	emit(c, EV_VMENTRY, 0, host_rip, c->rip, NULL, v->why);
	c->attn |= ATTN_REFETCH;
}

void vmx_deliver_injected(struct cpu *c)
{
	struct vmx_state *v = &c->vmx;
	exc_deliver_injected(c, v->inject_info, v->inject_err, v->inject_len);
}
