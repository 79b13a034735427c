/* exit.c - the one function that performs a VM exit, and what the run loop does in non-root operation. */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "../cpu/access.h"
#include "../cpu/exception.h"
#include "../cpu/exec.h"
#include "vmx.h"

void vmx_reset(struct cpu *c)
{
	struct vmx_state *v = &c->vmx;
	v->on = v->guest = false;
	v->vmxon_ptr = VMCS_NONE;
	v->vmcs = VMCS_NONE;
	v->inject = v->mtf_pending = v->step = false;
	v->pin = v->proc = v->proc2 = 0;
}

void vmx_exit_raise(struct cpu *c, const struct vmx_exit_info *x)
{
	c->vmx.exit = *x;
	c->pending_vmexit = true;
	longjmp(*c->catch, 1);
}

static void emit_vmx(struct cpu *c, enum ev_kind kind, uint32_t reason, uint64_t qual, uint64_t from,
		     uint64_t to, const char *why)
{
	if (!ev_wanted(c->bus, kind))
		return;
	struct event e = { .kind = kind };
	cpu_time_now(c, &e.icount, &e.cycles);
	e.u.vmx = (struct ev_vmx){ .reason = reason, .qual = qual, .from_rip = from, .to_rip = to,
				   .why = why ? why : "" };
	ev_emit(c->bus, &e);
}

/* Access rights as the VMCS stores them: bit 16 marks an unusable
 * segment (25.4.1, Table 25-2). */
static uint32_t ar_of(const struct segment *s)
{
	if (!(s->attr & SEGA_P)) /* a null selector loaded, or VM entry loaded it unusable */
		return 1u << 16;
	return s->attr & 0xf0ff;
}


/* The four fields of guest segment s are at fixed distances from the
 * selector's index: base 0x6806, limit 0x4800, AR 0x4814 (+2 per register). */
static void save_seg(struct cpu *c, uint64_t vmcs, unsigned k, const struct segment *s)
{
	vmcs_write(c->pm, vmcs, GUEST_ES_SELECTOR + 2 * k, s->sel);
	vmcs_write(c->pm, vmcs, GUEST_ES_BASE + 2 * k, s->base);
	vmcs_write(c->pm, vmcs, GUEST_ES_LIMIT + 2 * k, s->limit);
	vmcs_write(c->pm, vmcs, GUEST_ES_AR_BYTES + 2 * k, ar_of(s));
}

/* 28.3 "Saving Guest State"; all = true also writes the fields the
 * VM-exit controls leave alone (for loaders filling a new VMCS). */
void vmx_save_guest_state(struct cpu *c, uint64_t vmcs, bool all)
{
	struct physmem *pm = c->pm;
	struct vmx_state *v = &c->vmx;
	vmcs_write(pm, vmcs, GUEST_CR0, c->cr0);
	vmcs_write(pm, vmcs, GUEST_CR3, c->cr3);
	vmcs_write(pm, vmcs, GUEST_CR4, c->cr4);
	if (all || (v->exit_ctls & EXIT_SAVE_DEBUG_CONTROLS))
		vmcs_write(pm, vmcs, GUEST_DR7, c->dr[7]);
	vmcs_write(pm, vmcs, GUEST_SYSENTER_CS, c->sysenter_cs);
	vmcs_write(pm, vmcs, GUEST_SYSENTER_ESP, c->sysenter_esp);
	vmcs_write(pm, vmcs, GUEST_SYSENTER_EIP, c->sysenter_eip);
	if (all || (v->exit_ctls & EXIT_SAVE_IA32_PAT))
		vmcs_write(pm, vmcs, GUEST_IA32_PAT, c->pat);
	if (all || (v->exit_ctls & EXIT_SAVE_IA32_EFER))
		vmcs_write(pm, vmcs, GUEST_IA32_EFER, c->efer);
	for (unsigned k = 0; k < SEG_COUNT; k++)
		save_seg(c, vmcs, k, &c->seg[k]);
	save_seg(c, vmcs, 6, &c->ldtr);
	save_seg(c, vmcs, 7, &c->tr);
	vmcs_write(pm, vmcs, GUEST_GDTR_BASE, c->gdtr.base);
	vmcs_write(pm, vmcs, GUEST_GDTR_LIMIT, c->gdtr.limit);
	vmcs_write(pm, vmcs, GUEST_IDTR_BASE, c->idtr.base);
	vmcs_write(pm, vmcs, GUEST_IDTR_LIMIT, c->idtr.limit);
	vmcs_write(pm, vmcs, GUEST_RIP, c->rip);
	vmcs_write(pm, vmcs, GUEST_RSP, c->gpr[RSP]);
	vmcs_write(pm, vmcs, GUEST_RFLAGS, cpu_get_rflags(c));
	/* Interruptibility (25.4.2, Table 25-3) and activity state. */
	uint32_t intr = 0;
	if (c->int_shadow)
		intr = c->mov_ss_shadow ? GUEST_INTR_STATE_MOV_SS : GUEST_INTR_STATE_STI;
	if ((v->pin & PIN_VIRTUAL_NMIS) ? v->vnmi_blocked : c->nmi_blocked)
		intr |= GUEST_INTR_STATE_NMI;
	vmcs_write(pm, vmcs, GUEST_INTERRUPTIBILITY_INFO, intr);
	vmcs_write(pm, vmcs, GUEST_ACTIVITY_STATE, c->halted ? GUEST_ACTIVITY_HLT : GUEST_ACTIVITY_ACTIVE);
	vmcs_write(pm, vmcs, GUEST_PENDING_DBG_EXCEPTIONS, v->pending_db);
	/* PAE paging under EPT: the PDPTE registers (28.3.4). */
	if (all || ((v->proc2 & SEC_ENABLE_EPT) && (c->cr0 & CR0_PG) && (c->cr4 & CR4_PAE) && !(c->efer & EFER_LMA)))
		for (unsigned k = 0; k < 4; k++)
			vmcs_write(pm, vmcs, GUEST_PDPTE0 + 2 * k, c->pdpte[k]);
	/* "IA-32e mode guest" follows EFER.LMA (IA32_VMX_MISC bit 5; 28.2.? ). */
	uint32_t entry = (uint32_t)vmcs_read(pm, vmcs, VM_ENTRY_CONTROLS);
	entry = (c->efer & EFER_LMA) ? entry | ENTRY_IA32E_MODE_GUEST : entry & ~ENTRY_IA32E_MODE_GUEST;
	vmcs_write(pm, vmcs, VM_ENTRY_CONTROLS, entry);
}

/* The VM-exit MSR-store area (28.4 "Saving MSRs"): 16-byte entries,
 * index in bits 31:0, the value stored at offset 8. */
static void store_msrs(struct cpu *c, uint64_t vmcs)
{
	uint32_t n = (uint32_t)vmcs_read(c->pm, vmcs, VM_EXIT_MSR_STORE_COUNT);
	uint64_t a = vmcs_read(c->pm, vmcs, VM_EXIT_MSR_STORE_ADDR);
	for (uint32_t k = 0; k < n && k < 512; k++) {
		uint32_t msr = (uint32_t)phys_read(c->pm, a + 16ull * k, 4);
		uint64_t val = 0;
		if (cpu_msr_read(c, msr, &val))
			phys_write(c->pm, a + 16ull * k + 8, 8, val);
	}
}

/* A VM-exit MSR-load list entry that fails: VMX abort (28.7). */
static bool load_msrs(struct cpu *c, uint64_t a, uint32_t n, uint32_t *bad)
{
	for (uint32_t k = 0; k < n && k < 512; k++) {
		uint64_t e = phys_read(c->pm, a + 16ull * k, 8);
		uint64_t val = phys_read(c->pm, a + 16ull * k + 8, 8);
		if ((e >> 32) || !cpu_msr_write(c, (uint32_t)e, val)) {
			*bad = k + 1;
			return false;
		}
	}
	return true;
}

static void host_seg(struct segment *s, uint16_t sel, uint64_t base, uint16_t attr)
{
	*s = (struct segment){ sel, base, 0xffffffff, sel ? attr : 0 };
}

/* 28.5 "Loading Host State". */
static void load_host(struct cpu *c, uint64_t vmcs)
{
	struct physmem *pm = c->pm;
	uint32_t ex = (uint32_t)vmcs_read(pm, vmcs, VM_EXIT_CONTROLS);
	bool host64 = ex & EXIT_HOST_ADDR_SPACE_SIZE;
	/* CR0: ET, CD and NW are not changed by VM exits (28.5.1). */
	uint64_t keep = CR0_ET | CR0_CD | CR0_NW;
	c->cr0 = (vmcs_read(pm, vmcs, HOST_CR0) & ~keep & 0xffffffffull) | (c->cr0 & keep);
	c->cr3 = vmcs_read(pm, vmcs, HOST_CR3);
	c->cr4 = vmcs_read(pm, vmcs, HOST_CR4);
	c->dr[7] = 0x400;
	cpu_debug_update(c);
	c->sysenter_cs = vmcs_read(pm, vmcs, HOST_IA32_SYSENTER_CS);
	c->sysenter_esp = vmcs_read(pm, vmcs, HOST_IA32_SYSENTER_ESP);
	c->sysenter_eip = vmcs_read(pm, vmcs, HOST_IA32_SYSENTER_EIP);
	if (ex & EXIT_LOAD_IA32_PAT)
		c->pat = vmcs_read(pm, vmcs, HOST_IA32_PAT);
	if (ex & EXIT_LOAD_IA32_EFER) {
		c->efer = vmcs_read(pm, vmcs, HOST_IA32_EFER);
	} else {
		c->efer &= ~(EFER_LMA | EFER_LME);
		if (host64)
			c->efer |= EFER_LMA | EFER_LME;
	}
	/* CS: base 0, limit 4 GiB, execute/read accessed code, DPL 0, and
	 * L = host address-space size; data segments: read/write accessed,
	 * DPL 0, 4 GiB; a null selector leaves the register unusable. */
	uint16_t cs_attr = 0xb | SEGA_S | SEGA_P | SEGA_G | (host64 ? SEGA_L : SEGA_DB);
	uint16_t ds_attr = 0x3 | SEGA_S | SEGA_P | SEGA_G | SEGA_DB;
	static const enum vmcs_field hsel[SEG_COUNT] = {
		HOST_ES_SELECTOR, HOST_CS_SELECTOR, HOST_SS_SELECTOR,
		HOST_DS_SELECTOR, HOST_FS_SELECTOR, HOST_GS_SELECTOR,
	};
	for (unsigned k = 0; k < SEG_COUNT; k++) {
		uint16_t sel = (uint16_t)vmcs_read(pm, vmcs, hsel[k]);
		host_seg(&c->seg[k], sel, 0, k == SEG_CS ? cs_attr : ds_attr);
	}
	c->seg[SEG_CS].attr = cs_attr; /* never null (27.2.3) */
	c->seg[SEG_FS].base = vmcs_read(pm, vmcs, HOST_FS_BASE);
	c->seg[SEG_GS].base = vmcs_read(pm, vmcs, HOST_GS_BASE);
	c->tr = (struct segment){ (uint16_t)vmcs_read(pm, vmcs, HOST_TR_SELECTOR),
				  vmcs_read(pm, vmcs, HOST_TR_BASE), 0x67, 0x8b };
	c->ldtr = (struct segment){ 0, 0, 0, 0 };
	c->gdtr = (struct descriptor_table){ vmcs_read(pm, vmcs, HOST_GDTR_BASE), 0xffff };
	c->idtr = (struct descriptor_table){ vmcs_read(pm, vmcs, HOST_IDTR_BASE), 0xffff };
	c->gpr[RSP] = vmcs_read(pm, vmcs, HOST_RSP);
	c->rip = c->next_rip = vmcs_read(pm, vmcs, HOST_RIP);
	c->lf.op = LF_NONE;
	c->rflags = FL_FIXED1;
	c->int_shadow = c->mov_ss_shadow = false;
	c->halted = false;
	c->nmi_blocked = false; /* an NMI-caused exit blocks them again (vmx_exit_nmi) */
	if (!host64 && (c->cr0 & CR0_PG) && (c->cr4 & CR4_PAE))
		cpu_load_pdptes(c, c->cr3);
}

static const char *type_name(unsigned t)
{
	static const char *const n[8] = { "external interrupt", "reserved", "NMI", "hardware exception",
					  "software interrupt", "privileged software exception",
					  "software exception", "other event" };
	return n[t & 7];
}

/*
 * The VM exit (SDM Vol. 3C, 28 "VM Exits"), in the SDM's order:
 * record the exit information (28.2), save guest state (28.3) unless VM
 * entry failed while loading it, save MSRs (28.4), load host state
 * (28.5), load MSRs (28.6). The exit reason and everything else come from
 * c->vmx.exit, filled by whoever caused the exit.
 */
void vmx_exit(struct cpu *c)
{
	struct vmx_state *v = &c->vmx;
	struct vmx_exit_info *x = &v->exit;
	struct physmem *pm = c->pm;
	uint64_t vmcs = v->vmcs, guest_rip = c->rip;
	bool entry_failed = x->reason & EXIT_REASON_FAILED_VMENTRY;

	/* 28.2: exit information. An exit in the middle of delivering an
	 * event through the guest IDT records that event as IDT-vectoring
	 * information (28.2.4), so that the host can re-inject it. */
	vmcs_write(pm, vmcs, VM_EXIT_REASON, x->reason);
	vmcs_write(pm, vmcs, EXIT_QUALIFICATION, x->qual);
	vmcs_write(pm, vmcs, GUEST_LINEAR_ADDRESS, x->gla);
	vmcs_write(pm, vmcs, GUEST_PHYSICAL_ADDRESS, x->gpa);
	vmcs_write(pm, vmcs, VM_EXIT_INTR_INFO, x->intr_info);
	vmcs_write(pm, vmcs, VM_EXIT_INTR_ERROR_CODE, x->intr_err);
	vmcs_write(pm, vmcs, VM_EXIT_INSTRUCTION_LEN, x->insn_len);
	vmcs_write(pm, vmcs, VMX_INSTRUCTION_INFO, x->insn_info);
	uint32_t idt = 0;
	if (c->delivering && !entry_failed) {
		idt = INTR_INFO_VALID | ((uint32_t)c->delivering_type << 8) | c->delivering_vector |
		      (c->delivering_has_err ? INTR_INFO_DELIVER_CODE : 0);
		vmcs_write(pm, vmcs, IDT_VECTORING_ERROR_CODE, c->delivering_err);
		/* A software event's length, for re-injection (28.2.4). */
		if (c->delivering_type >= INTR_TYPE_SOFT_INTR && c->delivering_type != INTR_TYPE_OTHER)
			vmcs_write(pm, vmcs, VM_EXIT_INSTRUCTION_LEN, v->exit.insn_len ? v->exit.insn_len
											: c->delivering_len);
	}
	vmcs_write(pm, vmcs, IDT_VECTORING_INFO_FIELD, idt);
	c->delivering = false;
	/* Every VM exit clears the valid bit of the VM-entry interruption
	 * information (28.2.? "Updating VM-Entry Control Fields"). */
	uint32_t ei = (uint32_t)vmcs_read(pm, vmcs, VM_ENTRY_INTR_INFO_FIELD);
	vmcs_write(pm, vmcs, VM_ENTRY_INTR_INFO_FIELD, ei & ~INTR_INFO_VALID);

	/* 28.3, 28.4: guest state and the MSR-store list. */
	if (!entry_failed) {
		vmx_save_guest_state(c, vmcs, false);
		store_msrs(c, vmcs);
	}
	/* The guest's view of time ends here; the preemption timer stops and
	 * may save what is left of it (28.3.? "Saving ... VMX-preemption timer"). */
	c->tsc_offset = v->host_tsc_offset;
	if (v->preempt_armed) {
		if (c->plat.timer_arm)
			c->plat.timer_arm(c->plat.opaque, UINT64_MAX);
		if ((v->exit_ctls & EXIT_SAVE_PREEMPTION_TIMER) && !entry_failed) {
			uint64_t now_i, now;
			cpu_time_now(c, &now_i, &now);
			uint64_t left = v->preempt_at > now ? (v->preempt_at - now + (1u << VMX_PREEMPT_RATE) - 1) >> VMX_PREEMPT_RATE : 0;
			vmcs_write(pm, vmcs, VMX_PREEMPTION_TIMER_VALUE, left);
		}
		v->preempt_armed = false;
		c->timer_fired = false;
	}

	/* 28.5, 28.6: host state and the MSR-load list. */
	v->guest = false;
	v->inject = v->mtf_pending = v->step = false;
	v->pending_db = 0;
	load_host(c, vmcs);
	cpu_update_mode(c);
	cpu_tlb_vmx_switch(c);
	uint32_t bad;
	if (!load_msrs(c, vmcs_read(pm, vmcs, VM_EXIT_MSR_LOAD_ADDR),
		       (uint32_t)vmcs_read(pm, vmcs, VM_EXIT_MSR_LOAD_COUNT), &bad)) {
		/* VMX abort (28.7): the indicator is written to the VMCS region
		 * and the logical processor shuts down. */
		phys_write(pm, vmcs + VMCS_OFF_ABORT, 4, 1);
		snprintf(c->why, sizeof c->why,
			 "VMX abort 1: entry %u of the VM-exit MSR-load list failed (SDM Vol. 3C, 28.7 \"VMX Aborts\")", bad);
		c->shutdown = true;
		c->attn |= ATTN_STOP;
		return;
	}

	v->exits++;
	unsigned basic = x->reason & 0xffff;
	if (basic < EXIT_REASON_COUNT)
		v->exits_by_reason[basic]++;
	c->cycles += c->cost_vm_exit;
	if (!x->why || !x->why[0]) {
		const char *n = vmx_exit_reason_name(basic);
		snprintf(v->why, sizeof v->why, "VM exit: %s", n ? n : "unknown reason");
	} else if (x->why != v->why) {
		snprintf(v->why, sizeof v->why, "%s", x->why);
	}
	if (idt) {
		size_t len = strlen(v->why);
		snprintf(v->why + len, sizeof v->why - len, "; while delivering %s %u (IDT-vectoring information, SDM Vol. 3C, 28.2.4)",
			 type_name(c->delivering_type), c->delivering_vector);
	}
	emit_vmx(c, EV_VMEXIT, x->reason, x->qual, guest_rip, c->rip, v->why);
	c->attn |= ATTN_REFETCH;
}

/* A VM exit that no instruction caused: record why and take it now. */
static bool exit_now(struct cpu *c, uint32_t reason, uint32_t intr_info, const char *why)
{
	struct vmx_state *v = &c->vmx;
	snprintf(v->why, sizeof v->why, "%s", why);
	v->exit = (struct vmx_exit_info){ .reason = reason, .intr_info = intr_info, .why = v->why };
	vmx_exit(c);
	return true;
}

void vmx_exit_nmi(struct cpu *c)
{
	exit_now(c, EXIT_REASON_EXCEPTION_NMI, INTR_INFO_VALID | (INTR_TYPE_NMI << 8) | EXC_NMI,
		 "NMI with \"NMI exiting\" = 1: the host handles it (SDM Vol. 3C, 26.2)");
	/* The host now runs with NMIs blocked until its IRET. */
	c->nmi_blocked = true;
}

/*
 * Between two guest instructions, in priority order (26.7 and 27.6):
 * an event injected by VM entry, a VM exit after an instruction under the
 * monitor trap flag, TPR below threshold, the VMX-preemption timer, an
 * open NMI window, an open interrupt window, an external interrupt with
 * "external-interrupt exiting".
 */
bool vmx_between_insns(struct cpu *c)
{
	struct vmx_state *v = &c->vmx;
	if (v->inject) {
		v->inject = false;
		vmx_deliver_injected(c);
		if (v->proc & CPU_MONITOR_TRAP_FLAG)
			v->mtf_pending = true;
		return true;
	}
	/* A debug exception VM entry left pending: delivered once no MOV-SS or
	 * STI blocking holds it back (27.7.3). */
	if (v->pending_db && !c->int_shadow) {
		c->dr[6] = (c->dr[6] & ~0x400full) | v->pending_db;
		v->pending_db = 0;
		exc_deliver_trap(c, EXC_DB, "debug exception left pending by VM entry (SDM Vol. 3C, 27.7.3)");
		return true;
	}
	if (v->mtf_pending) {
		v->mtf_pending = false;
		return exit_now(c, EXIT_REASON_MONITOR_TRAP_FLAG, 0,
				"monitor trap flag: the guest completed an instruction (SDM Vol. 3C, 26.7.2 \"Monitor Trap Flag\")");
	}
	if (v->vtpr_written) {
		v->vtpr_written = false;
		v->tpr_below = (vmx_vtpr(c) >> 4) < v->tpr_threshold;
	}
	if (v->tpr_below) {
		v->tpr_below = false;
		return exit_now(c, EXIT_REASON_TPR_BELOW_THRESHOLD, 0,
				"VTPR[7:4] (virtual-APIC page, byte 80H) fell below the TPR threshold (SDM Vol. 3C, 30.1.2)");
	}
	if (v->preempt_armed && c->timer_fired) {
		c->timer_fired = false;
		c->halted = false;
		return exit_now(c, EXIT_REASON_PREEMPTION_TIMER, 0,
				"the VMX-preemption timer counted down to 0 (SDM Vol. 3C, 26.5.1)");
	}
	/* The NMI window: no virtual-NMI blocking and no MOV-SS blocking
	 * (26.7.6); it has priority over the interrupt window. */
	if ((v->proc & CPU_NMI_WINDOW_EXITING) && !v->vnmi_blocked && !(c->int_shadow && c->mov_ss_shadow)) {
		return exit_now(c, EXIT_REASON_NMI_WINDOW, 0,
				"NMI window open: no virtual-NMI blocking, with \"NMI-window exiting\" = 1 (SDM Vol. 3C, 26.7.6)");
	}
	if ((v->proc & CPU_INTR_WINDOW_EXITING) && (c->rflags & FL_IF) && !c->int_shadow) {
		return exit_now(c, EXIT_REASON_INTERRUPT_WINDOW, 0,
				"interrupt window open: RFLAGS.IF = 1 and no STI or MOV-SS blocking, with \"interrupt-window exiting\" = 1 (SDM Vol. 3C, 26.7.5)");
	}
	if ((v->pin & PIN_EXTINT_EXITING) && c->plat.intr_pending &&
	    c->plat.intr_pending(c->plat.opaque) >= 0) {
		uint32_t info = 0;
		if (v->exit_ctls & EXIT_ACK_INTR_ON_EXIT) {
			/* The processor acknowledges the controller and stores the
			 * vector (28.2.2); the host's IDT never sees it. */
			uint8_t vec = c->plat.intr_ack(c->plat.opaque);
			info = INTR_INFO_VALID | (INTR_TYPE_EXT_INTR << 8) | vec;
		}
		c->halted = false;
		return exit_now(c, EXIT_REASON_EXTERNAL_INTERRUPT, info,
				"external interrupt with \"external-interrupt exiting\" = 1: the host handles it, whatever the guest's RFLAGS.IF (SDM Vol. 3C, 26.2)");
	}
	return false;
}

uint8_t vmx_vtpr(const struct cpu *c)
{
	return (uint8_t)phys_read(c->pm, c->vmx.vapic + 0x80, 1);
}

void vmx_set_vtpr(struct cpu *c, uint8_t vtpr)
{
	/* MOV to CR8 writes VTPR[7:4] and clears bits 31:8 and 3:0 (30.3). */
	phys_write(c->pm, c->vmx.vapic + 0x80, 4, vtpr & 0xf0);
	if ((vtpr >> 4) < c->vmx.tpr_threshold) {
		c->vmx.tpr_below = true;
		c->attn |= ATTN_REFETCH;
	}
}
