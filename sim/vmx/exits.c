/* exits.c - what makes a guest action exit: the one table, and the deciders behind its rows. */
#include <stdio.h>

#include "../cpu/exception.h"
#include "../cpu/exec.h"
#include "vmx.h"

/*
 * The exit table (SDM Vol. 3C, 26.1 "Instructions That Cause VM Exits"
 * and 26.2 "Other Causes of VM Exits"). A student reads here what exits,
 * under which control, and what the exit qualification carries. Rows
 * with VXCTL_CUSTOM are decided by the functions below the table.
 *
 * Faults with priority over these exits (26.1.1): #UD, faults based on
 * privilege level (CPL > 0 for a privileged instruction) and the #GP of
 * the TSS I/O permission bit map come first. The instruction handlers
 * therefore call the intercept after those checks.
 */
#define SEC_UNCOND "26.1.2 Instructions That Cause VM Exits Unconditionally"
#define SEC_COND "26.1.3 Instructions That Cause VM Exits Conditionally"
#define SEC_OTHER "26.2 Other Causes of VM Exits"

static const struct vmx_exit_rule rules[VXC_COUNT] = {
	{ VXC_CPUID, EXIT_REASON_CPUID, VXCTL_ALWAYS, 0, "CPUID", "always", "0", SEC_UNCOND },
	{ VXC_GETSEC, EXIT_REASON_GETSEC, VXCTL_ALWAYS, 0, "GETSEC", "always (#UD first if CR4.SMXE = 0)", "0", SEC_UNCOND },
	{ VXC_INVD, EXIT_REASON_INVD, VXCTL_ALWAYS, 0, "INVD", "always", "0", SEC_UNCOND },
	{ VXC_XSETBV, EXIT_REASON_XSETBV, VXCTL_ALWAYS, 0, "XSETBV", "always (#UD first: vtsim has no XSAVE)", "0", SEC_UNCOND },
	{ VXC_VMCALL, EXIT_REASON_VMCALL, VXCTL_ALWAYS, 0, "VMCALL", "always", "0", SEC_UNCOND },
	{ VXC_VMCLEAR, EXIT_REASON_VMCLEAR, VXCTL_ALWAYS, 0, "VMCLEAR", "always", "operand displacement; instruction information", SEC_UNCOND },
	{ VXC_VMLAUNCH, EXIT_REASON_VMLAUNCH, VXCTL_ALWAYS, 0, "VMLAUNCH", "always", "0", SEC_UNCOND },
	{ VXC_VMPTRLD, EXIT_REASON_VMPTRLD, VXCTL_ALWAYS, 0, "VMPTRLD", "always", "operand displacement; instruction information", SEC_UNCOND },
	{ VXC_VMPTRST, EXIT_REASON_VMPTRST, VXCTL_ALWAYS, 0, "VMPTRST", "always", "operand displacement; instruction information", SEC_UNCOND },
	{ VXC_VMREAD, EXIT_REASON_VMREAD, VXCTL_ALWAYS, 0, "VMREAD", "always (no VMCS shadowing)", "operand displacement; instruction information", SEC_UNCOND },
	{ VXC_VMRESUME, EXIT_REASON_VMRESUME, VXCTL_ALWAYS, 0, "VMRESUME", "always", "0", SEC_UNCOND },
	{ VXC_VMWRITE, EXIT_REASON_VMWRITE, VXCTL_ALWAYS, 0, "VMWRITE", "always (no VMCS shadowing)", "operand displacement; instruction information", SEC_UNCOND },
	{ VXC_VMXOFF, EXIT_REASON_VMXOFF, VXCTL_ALWAYS, 0, "VMXOFF", "always", "0", SEC_UNCOND },
	{ VXC_VMXON, EXIT_REASON_VMXON, VXCTL_ALWAYS, 0, "VMXON", "always", "operand displacement; instruction information", SEC_UNCOND },
	{ VXC_INVEPT, EXIT_REASON_INVEPT, VXCTL_ALWAYS, 0, "INVEPT", "always", "operand displacement; instruction information", SEC_UNCOND },
	{ VXC_INVVPID, EXIT_REASON_INVVPID, VXCTL_ALWAYS, 0, "INVVPID", "always", "operand displacement; instruction information", SEC_UNCOND },
	{ VXC_HLT, EXIT_REASON_HLT, VXCTL_PROC, CPU_HLT_EXITING, "HLT", "\"HLT exiting\" = 1", "0", SEC_COND },
	{ VXC_INVLPG, EXIT_REASON_INVLPG, VXCTL_PROC, CPU_INVLPG_EXITING, "INVLPG", "\"INVLPG exiting\" = 1", "the linear-address operand", SEC_COND },
	{ VXC_INVPCID, EXIT_REASON_INVPCID, VXCTL_PROC, CPU_INVLPG_EXITING, "INVPCID", "\"enable INVPCID\" = 1 and \"INVLPG exiting\" = 1 (#UD if \"enable INVPCID\" = 0)", "operand displacement; instruction information", SEC_COND },
	{ VXC_RDPMC, EXIT_REASON_RDPMC, VXCTL_PROC, CPU_RDPMC_EXITING, "RDPMC", "\"RDPMC exiting\" = 1", "0", SEC_COND },
	{ VXC_RDTSC, EXIT_REASON_RDTSC, VXCTL_PROC, CPU_RDTSC_EXITING, "RDTSC", "\"RDTSC exiting\" = 1 (else TSC + TSC offset with \"use TSC offsetting\")", "0", SEC_COND },
	{ VXC_RDTSCP, EXIT_REASON_RDTSCP, VXCTL_PROC, CPU_RDTSC_EXITING, "RDTSCP", "\"RDTSC exiting\" = 1 and \"enable RDTSCP\" = 1 (#UD if \"enable RDTSCP\" = 0)", "0", SEC_COND },
	{ VXC_MWAIT, EXIT_REASON_MWAIT_INSTRUCTION, VXCTL_PROC, CPU_MWAIT_EXITING, "MWAIT", "\"MWAIT exiting\" = 1 (#UD first: CPUID reports no MONITOR/MWAIT)", "0", SEC_COND },
	{ VXC_MONITOR, EXIT_REASON_MONITOR_INSTRUCTION, VXCTL_PROC, CPU_MONITOR_EXITING, "MONITOR", "\"MONITOR exiting\" = 1 (#UD first: CPUID reports no MONITOR/MWAIT)", "0", SEC_COND },
	{ VXC_PAUSE, EXIT_REASON_PAUSE_INSTRUCTION, VXCTL_PROC, CPU_PAUSE_EXITING, "PAUSE", "\"PAUSE exiting\" = 1", "0", SEC_COND },
	{ VXC_PAUSE_LOOP, EXIT_REASON_PAUSE_INSTRUCTION, VXCTL_CUSTOM, 0, "PAUSE in a spin loop at CPL 0", "\"PAUSE-loop exiting\" = 1 and the PAUSEs, each within PLE_Gap TSC ticks of the previous one, have gone on for more than PLE_Window ticks", "0", SEC_COND },
	{ VXC_WBINVD, EXIT_REASON_WBINVD, VXCTL_PROC2, SEC_WBINVD_EXITING, "WBINVD", "\"WBINVD exiting\" = 1", "0", SEC_COND },
	{ VXC_MOV_TO_CR0, EXIT_REASON_CR_ACCESS, VXCTL_CUSTOM, 0, "MOV to CR0", "a bit set in the CR0 guest/host mask would differ from the CR0 read shadow", "CR number, access type 0, GPR (Table 28-3)", SEC_COND },
	{ VXC_MOV_TO_CR3, EXIT_REASON_CR_ACCESS, VXCTL_CUSTOM, 0, "MOV to CR3", "\"CR3-load exiting\" = 1 and the value is none of the first CR3-target-count CR3-target values", "CR number 3, access type 0, GPR", SEC_COND },
	{ VXC_MOV_FROM_CR3, EXIT_REASON_CR_ACCESS, VXCTL_PROC, CPU_CR3_STORE_EXITING, "MOV from CR3", "\"CR3-store exiting\" = 1", "CR number 3, access type 1, GPR", SEC_COND },
	{ VXC_MOV_TO_CR4, EXIT_REASON_CR_ACCESS, VXCTL_CUSTOM, 0, "MOV to CR4", "a bit set in the CR4 guest/host mask would differ from the CR4 read shadow", "CR number 4, access type 0, GPR", SEC_COND },
	{ VXC_MOV_TO_CR8, EXIT_REASON_CR_ACCESS, VXCTL_PROC, CPU_CR8_LOAD_EXITING, "MOV to CR8", "\"CR8-load exiting\" = 1", "CR number 8, access type 0, GPR", SEC_COND },
	{ VXC_MOV_FROM_CR8, EXIT_REASON_CR_ACCESS, VXCTL_PROC, CPU_CR8_STORE_EXITING, "MOV from CR8", "\"CR8-store exiting\" = 1", "CR number 8, access type 1, GPR", SEC_COND },
	{ VXC_CLTS, EXIT_REASON_CR_ACCESS, VXCTL_CUSTOM, 0, "CLTS", "CR0.TS is host-owned (mask bit 3) and the read shadow's TS is 1", "CR number 0, access type 2", SEC_COND },
	{ VXC_LMSW, EXIT_REASON_CR_ACCESS, VXCTL_CUSTOM, 0, "LMSW", "it would set PE where the mask owns PE and the shadow's PE is 0, or change MP/EM/TS where the mask owns them", "access type 3, operand type, source data in bits 31:16", SEC_COND },
	{ VXC_MOV_DR, EXIT_REASON_DR_ACCESS, VXCTL_PROC, CPU_MOV_DR_EXITING, "MOV DR", "\"MOV-DR exiting\" = 1", "DR number, direction (1 = from DR), GPR (Table 28-4)", SEC_COND },
	{ VXC_IO, EXIT_REASON_IO_INSTRUCTION, VXCTL_CUSTOM, 0, "IN, INS, OUT, OUTS", "\"use I/O bitmaps\" = 1 and a bit of any byte port accessed is set in bitmap A (0000-7FFFH) or B (8000-FFFFH), or the access wraps; else \"unconditional I/O exiting\" = 1", "size - 1, direction (1 = IN), string, REP, immediate, port in 31:16 (Table 28-5)", SEC_COND },
	{ VXC_RDMSR, EXIT_REASON_MSR_READ, VXCTL_CUSTOM, 0, "RDMSR", "\"use MSR bitmaps\" = 0, or ECX outside 0-1FFFH and C0000000H-C0001FFFH, or its bit in the read bitmap is 1", "0", SEC_COND },
	{ VXC_WRMSR, EXIT_REASON_MSR_WRITE, VXCTL_CUSTOM, 0, "WRMSR", "as RDMSR, with the write bitmaps", "0", SEC_COND },
	{ VXC_LGDT, EXIT_REASON_GDTR_IDTR, VXCTL_PROC2, SEC_DESC_TABLE_EXITING, "LGDT", "\"descriptor-table exiting\" = 1", "operand displacement; instruction information (identity 2)", SEC_COND },
	{ VXC_LIDT, EXIT_REASON_GDTR_IDTR, VXCTL_PROC2, SEC_DESC_TABLE_EXITING, "LIDT", "\"descriptor-table exiting\" = 1", "operand displacement; instruction information (identity 3)", SEC_COND },
	{ VXC_SGDT, EXIT_REASON_GDTR_IDTR, VXCTL_PROC2, SEC_DESC_TABLE_EXITING, "SGDT", "\"descriptor-table exiting\" = 1", "operand displacement; instruction information (identity 0)", SEC_COND },
	{ VXC_SIDT, EXIT_REASON_GDTR_IDTR, VXCTL_PROC2, SEC_DESC_TABLE_EXITING, "SIDT", "\"descriptor-table exiting\" = 1", "operand displacement; instruction information (identity 1)", SEC_COND },
	{ VXC_LLDT, EXIT_REASON_LDTR_TR, VXCTL_PROC2, SEC_DESC_TABLE_EXITING, "LLDT", "\"descriptor-table exiting\" = 1", "operand displacement; instruction information (identity 2)", SEC_COND },
	{ VXC_LTR, EXIT_REASON_LDTR_TR, VXCTL_PROC2, SEC_DESC_TABLE_EXITING, "LTR", "\"descriptor-table exiting\" = 1", "operand displacement; instruction information (identity 3)", SEC_COND },
	{ VXC_SLDT, EXIT_REASON_LDTR_TR, VXCTL_PROC2, SEC_DESC_TABLE_EXITING, "SLDT", "\"descriptor-table exiting\" = 1", "operand displacement; instruction information (identity 0)", SEC_COND },
	{ VXC_STR, EXIT_REASON_LDTR_TR, VXCTL_PROC2, SEC_DESC_TABLE_EXITING, "STR", "\"descriptor-table exiting\" = 1", "operand displacement; instruction information (identity 1)", SEC_COND },
	{ VXC_EXCEPTION, EXIT_REASON_EXCEPTION_NMI, VXCTL_CUSTOM, 0, "an exception", "its bit in the exception bitmap is 1 (#PF: bit 14 decides together with the error-code mask and match)", "#PF: the linear address (CR2 is not written); #DB: DR6-style bits; else 0; interruption information", SEC_OTHER },
	{ VXC_EXTINT, EXIT_REASON_EXTERNAL_INTERRUPT, VXCTL_PIN, PIN_EXTINT_EXITING, "an external interrupt", "\"external-interrupt exiting\" = 1, whatever RFLAGS.IF", "0; the vector in the interruption information with \"acknowledge interrupt on exit\"", SEC_OTHER },
	{ VXC_NMI, EXIT_REASON_EXCEPTION_NMI, VXCTL_PIN, PIN_NMI_EXITING, "an NMI", "\"NMI exiting\" = 1", "0; interruption information type 2", SEC_OTHER },
	{ VXC_INTR_WINDOW, EXIT_REASON_INTERRUPT_WINDOW, VXCTL_PROC, CPU_INTR_WINDOW_EXITING, "an open interrupt window", "\"interrupt-window exiting\" = 1, RFLAGS.IF = 1 and no STI or MOV-SS blocking", "0", SEC_OTHER },
	{ VXC_NMI_WINDOW, EXIT_REASON_NMI_WINDOW, VXCTL_PROC, CPU_NMI_WINDOW_EXITING, "an open NMI window", "\"NMI-window exiting\" = 1 and no virtual-NMI blocking", "0", SEC_OTHER },
	{ VXC_TRIPLE_FAULT, EXIT_REASON_TRIPLE_FAULT, VXCTL_ALWAYS, 0, "a triple fault", "always: the guest does not shut the processor down", "0", SEC_OTHER },
	{ VXC_INIT, EXIT_REASON_INIT_SIGNAL, VXCTL_ALWAYS, 0, "an INIT signal", "always", "0", SEC_OTHER },
	{ VXC_MTF, EXIT_REASON_MONITOR_TRAP_FLAG, VXCTL_PROC, CPU_MONITOR_TRAP_FLAG, "any instruction", "\"monitor trap flag\" = 1: after the instruction (or the event delivery) completes", "0", SEC_OTHER },
	{ VXC_TPR_BELOW_THRESHOLD, EXIT_REASON_TPR_BELOW_THRESHOLD, VXCTL_PROC, CPU_TPR_SHADOW, "MOV to CR8 (or VM entry) with \"use TPR shadow\"", "VTPR[7:4] drops below TPR threshold[3:0]: after the instruction (trap-like)", "0", "30.1.2 TPR Virtualization" },
	{ VXC_APIC_ACCESS, EXIT_REASON_APIC_ACCESS, VXCTL_PROC2, SEC_VIRTUALIZE_APIC_ACCESSES, "an access to the APIC-access page", "\"virtualize APIC accesses\" = 1 and the access is not to the TPR (offset 80H) under \"use TPR shadow\"", "page offset in 11:0, access type in 15:12 (0 read, 1 write, 2 fetch, 3 during event delivery) (Table 28-6)", "30.4 Virtualizing Memory-Mapped APIC Accesses" },
	{ VXC_PREEMPTION_TIMER, EXIT_REASON_PREEMPTION_TIMER, VXCTL_PIN, PIN_PREEMPTION_TIMER, "time passing", "\"activate VMX-preemption timer\" = 1 and the timer reaches 0", "0", SEC_OTHER },
	{ VXC_EPT_VIOLATION, EXIT_REASON_EPT_VIOLATION, VXCTL_CUSTOM, 0, "a guest-physical access", "\"enable EPT\" = 1 and the EPT entries do not permit it (29.3.3.2)", "access type, permissions, guest-linear address valid, final translation or paging-structure access (Table 28-7)", SEC_OTHER },
	{ VXC_EPT_MISCONFIG, EXIT_REASON_EPT_MISCONFIG, VXCTL_CUSTOM, 0, "a guest-physical access", "\"enable EPT\" = 1 and an EPT entry is misconfigured (29.3.3.1)", "0; the guest-physical address", SEC_OTHER },
};

const struct vmx_exit_rule *vmx_exit_rules(int *n)
{
	*n = VXC_COUNT;
	return rules;
}

const struct vmx_exit_rule *vmx_exit_rule(enum vmx_cause cause)
{
	return (unsigned)cause < VXC_COUNT ? &rules[cause] : NULL;
}

bool vmx_exits_on(const struct cpu *c, enum vmx_cause cause)
{
	if (!c->vmx.guest)
		return false;
	const struct vmx_exit_rule *r = &rules[cause];
	switch (r->ctl) {
	case VXCTL_ALWAYS:
		return true;
	case VXCTL_PIN:
		return (c->vmx.pin & r->bit) != 0;
	case VXCTL_PROC:
		return (c->vmx.proc & r->bit) != 0;
	case VXCTL_PROC2:
		return (c->vmx.proc2 & r->bit) != 0;
	}
	return false;
}

/* Raise the exit of a row for instruction i. */
static __attribute__((noreturn)) void exit_for(struct cpu *c, const struct insn *i, enum vmx_cause cause,
						 uint64_t qual, uint32_t info)
{
	const struct vmx_exit_rule *r = &rules[cause];
	struct vmx_exit_info x = { .reason = r->reason, .qual = qual, .insn_len = i ? i->len : 0,
				   .insn_info = info };
	snprintf(c->vmx.why, sizeof c->vmx.why, "%s in VMX non-root operation exits: %s (SDM Vol. 3C, %s)",
		 r->what, r->when, r->section);
	x.why = c->vmx.why;
	vmx_exit_raise(c, &x);
}

void vmx_intercept(struct cpu *c, const struct insn *i, enum vmx_cause cause, uint64_t qual,
		   uint32_t insn_info)
{
	if (vmx_exits_on(c, cause))
		exit_for(c, i, cause, qual, insn_info);
}

/*
 * VM-exit instruction information for an instruction with a memory
 * operand (28.2.5, Tables 28-13 to 28-17): scaling (1:0), address size
 * (9:7: 0 16-bit, 1 32-bit, 2 64-bit), segment (17:15), index register
 * (21:18, invalid bit 22), base register (26:23, invalid bit 27), and
 * reg2 in 31:28 for the instructions that name a second register.
 */
uint32_t vmx_insn_info_mem(const struct cpu *c, const struct insn *i, unsigned reg2)
{
	(void)c;
	uint32_t scale = i->scale == 8 ? 3 : i->scale == 4 ? 2 : i->scale == 2 ? 1 : 0;
	uint32_t asz = i->asz == 8 ? 2 : i->asz == 4 ? 1 : 0;
	uint32_t info = scale | (asz << 7) | ((uint32_t)(i->seg & 7) << 15);
	if (i->index >= 16)
		info |= 1u << 22;
	else
		info |= (uint32_t)i->index << 18;
	if (i->base >= 16)
		info |= 1u << 27;
	else
		info |= (uint32_t)i->base << 23;
	return info | ((uint32_t)(reg2 & 15) << 28);
}

/*
 * I/O instructions (26.1.3): with "use I/O bitmaps" = 1 the bitmaps decide
 * ("unconditional I/O exiting" is then ignored): bitmap A covers ports
 * 0000H-7FFFH, B 8000H-FFFFH, one bit per port; the access exits if the
 * bit of any byte it touches is 1, or if it wraps past FFFFH.
 */
static bool io_bitmap_exits(struct cpu *c, uint16_t port, unsigned size)
{
	if ((uint32_t)port + size > 0x10000)
		return true;
	for (unsigned k = 0; k < size; k++) {
		unsigned p = port + k;
		uint64_t bm = c->vmx.io_bitmap[p >> 15];
		if (phys_read(c->pm, bm + ((p & 0x7fff) >> 3), 1) & (1u << (p & 7)))
			return true;
	}
	return false;
}

void vmx_intercept_io(struct cpu *c, const struct insn *i, uint16_t port, unsigned size, bool in,
		      bool string, bool rep)
{
	if (!c->vmx.guest)
		return;
	bool exits = (c->vmx.proc & CPU_USE_IO_BITMAPS) ? io_bitmap_exits(c, port, size)
							: (c->vmx.proc & CPU_UNCOND_IO_EXITING) != 0;
	if (!exits)
		return;
	/* Exit qualification for I/O instructions (Table 28-5). */
	bool imm = !string && i->op[in ? 1 : 0].kind == OPK_IMM;
	uint64_t qual = (uint64_t)(size - 1) | (in ? 1u << 3 : 0) | (string ? 1u << 4 : 0) |
			(rep ? 1u << 5 : 0) | (imm ? 1u << 6 : 0) | ((uint64_t)port << 16);
	uint32_t info = 0;
	struct vmx_exit_info x = { .reason = EXIT_REASON_IO_INSTRUCTION, .qual = qual,
				   .insn_len = i->len };
	if (string) {
		/* INS/OUTS: the guest-linear address of the memory operand and
		 * the instruction information (IA32_VMX_BASIC bit 54; Table 28-12). */
		uint32_t asz = i->asz == 8 ? 2 : i->asz == 4 ? 1 : 0;
		unsigned seg = in ? SEG_ES : i->seg;
		info = (asz << 7) | ((uint32_t)seg << 15);
		uint64_t off = c->gpr[in ? RDI : RSI] & size_mask(i->asz);
		x.gla = c->long64 && seg != SEG_FS && seg != SEG_GS ? off : c->seg[seg].base + off;
		if (!c->long64)
			x.gla &= 0xffffffffull;
	}
	x.insn_info = info;
	snprintf(c->vmx.why, sizeof c->vmx.why, "%s port %#x in VMX non-root operation exits: %s (SDM Vol. 3C, %s)",
		 in ? "IN from" : "OUT to", port,
		 (c->vmx.proc & CPU_USE_IO_BITMAPS) ? "its bit in the I/O bitmap is 1" : "\"unconditional I/O exiting\" = 1",
		 SEC_COND);
	x.why = c->vmx.why;
	vmx_exit_raise(c, &x);
}

/*
 * RDMSR/WRMSR (26.1.3): the MSR bitmaps are four 1-KByte parts of one
 * 4-KByte page: read low (MSRs 0-1FFFH), read high (C0000000H-C0001FFFH),
 * write low, write high (25.6.9).
 */
void vmx_intercept_msr(struct cpu *c, const struct insn *i, uint32_t msr, bool write)
{
	if (!c->vmx.guest)
		return;
	bool exits = true;
	const char *how = "\"use MSR bitmaps\" = 0";
	if (c->vmx.proc & CPU_USE_MSR_BITMAPS) {
		uint64_t off;
		how = "the MSR is outside the ranges the MSR bitmaps cover";
		if (msr <= 0x1fff || (msr >= 0xc0000000u && msr <= 0xc0001fffu)) {
			off = (write ? 2048 : 0) + (msr >= 0xc0000000u ? 1024 : 0) + ((msr & 0x1fff) >> 3);
			exits = phys_read(c->pm, c->vmx.msr_bitmap + off, 1) & (1u << (msr & 7));
			how = write ? "its bit in the MSR write bitmap is 1" : "its bit in the MSR read bitmap is 1";
		}
	}
	if (!exits)
		return;
	struct vmx_exit_info x = { .reason = write ? EXIT_REASON_MSR_WRITE : EXIT_REASON_MSR_READ,
				   .insn_len = i->len };
	snprintf(c->vmx.why, sizeof c->vmx.why, "%s of MSR %#x in VMX non-root operation exits: %s (SDM Vol. 3C, %s)",
		 write ? "WRMSR" : "RDMSR", msr, how, SEC_COND);
	x.why = c->vmx.why;
	vmx_exit_raise(c, &x);
}

void vmx_intercept_cr_write(struct cpu *c, const struct insn *i, unsigned cr, uint64_t val,
			    enum vmx_cause cause, uint64_t qual)
{
	if (!c->vmx.guest)
		return;
	uint64_t mask = cr == 0 ? c->vmx.cr0_mask : c->vmx.cr4_mask;
	uint64_t shadow = cr == 0 ? c->vmx.cr0_shadow : c->vmx.cr4_shadow;
	bool exits;
	switch (cause) {
	case VXC_CLTS:
		exits = (mask & CR0_TS) && (shadow & CR0_TS);
		break;
	case VXC_LMSW:
		/* LMSW touches CR0[3:0] and never clears PE. */
		exits = ((mask & CR0_PE) && !(shadow & CR0_PE) && (val & CR0_PE)) ||
			((mask & 0xe) & (val ^ shadow)) != 0;
		break;
	default:
		exits = ((val ^ shadow) & mask) != 0;
		break;
	}
	if (!exits)
		return;
	if (cause == VXC_LMSW && i->op[0].kind == OPK_MEM) {
		/* LMSW with a memory operand reports its linear address (28.2.1). */
		const struct vmx_exit_rule *r = &rules[cause];
		uint64_t off = ea_of(c, i);
		uint64_t gla = c->long64 ? off + (i->seg >= SEG_FS ? c->seg[i->seg].base : 0)
					 : (c->seg[i->seg].base + off) & 0xffffffffull;
		struct vmx_exit_info x = { .reason = r->reason, .qual = qual, .gla = gla, .insn_len = i->len };
		snprintf(c->vmx.why, sizeof c->vmx.why, "%s in VMX non-root operation exits: %s (SDM Vol. 3C, %s)",
			 r->what, r->when, r->section);
		x.why = c->vmx.why;
		vmx_exit_raise(c, &x);
	}
	exit_for(c, i, cause, qual, 0);
}

void vmx_intercept_cr3_write(struct cpu *c, const struct insn *i, uint64_t val, uint64_t qual)
{
	if (!c->vmx.guest || !(c->vmx.proc & CPU_CR3_LOAD_EXITING))
		return;
	for (uint32_t k = 0; k < c->vmx.cr3_count && k < 4; k++)
		if (c->vmx.cr3_target[k] == val)
			return;
	exit_for(c, i, VXC_MOV_TO_CR3, qual, 0);
}

uint64_t vmx_cr_read_shadowed(const struct cpu *c, unsigned cr, uint64_t real)
{
	if (!c->vmx.guest)
		return real;
	uint64_t mask = cr == 0 ? c->vmx.cr0_mask : c->vmx.cr4_mask;
	uint64_t shadow = cr == 0 ? c->vmx.cr0_shadow : c->vmx.cr4_shadow;
	return (real & ~mask) | (shadow & mask);
}

uint64_t vmx_guest_tsc(const struct cpu *c, uint64_t host_tsc)
{
	if (c->vmx.guest && (c->vmx.proc & CPU_USE_TSC_OFFSETTING))
		return host_tsc + c->vmx.tsc_offset;
	return host_tsc;
}

/*
 * The exception bitmap (25.6.3): one bit per vector; a #PF exits iff
 * bit 14 is 1 and (PFEC & PFEC_MASK) = PFEC_MATCH, or bit 14 is 0 and
 * they differ (26.2 "Other Causes of VM Exits").
 */
bool vmx_exception_exits(struct cpu *c, uint8_t vector, bool has_err, uint32_t err,
			 bool soft, uint32_t insn_len)
{
	if (!c->vmx.guest || vector >= 32)
		return false;
	bool bit = (c->vmx.exc_bitmap >> vector) & 1;
	if (vector == EXC_PF)
		bit = bit == ((err & c->vmx.pfec_mask) == c->vmx.pfec_match);
	if (!bit)
		return false;
	unsigned type = soft ? ((vector == EXC_BP || vector == EXC_OF) ? INTR_TYPE_SOFT_EXCEPTION
								       : INTR_TYPE_SOFT_INTR)
			     : INTR_TYPE_HARD_EXCEPTION;
	struct vmx_exit_info x = { .reason = EXIT_REASON_EXCEPTION_NMI,
				   .intr_info = INTR_INFO_VALID | (type << 8) | vector |
						(has_err ? INTR_INFO_DELIVER_CODE : 0),
				   .intr_err = has_err ? err : 0, .insn_len = soft ? insn_len : 0 };
	if (vector == EXC_PF) {
		/* The faulting address goes to the qualification; CR2 keeps its value. */
		x.qual = c->cr2;
		c->cr2 = c->pf_cr2_old;
	} else if (vector == EXC_DB) {
		x.qual = c->dr[6] & 0x600f;
	}
	snprintf(c->vmx.why, sizeof c->vmx.why,
		 "%s in VMX non-root operation exits: bit %u of the exception bitmap%s (SDM Vol. 3C, %s)",
		 exc_name(vector), vector,
		 vector == EXC_PF ? " together with the page-fault error-code mask and match" : " is 1",
		 SEC_OTHER);
	x.why = c->vmx.why;
	vmx_exit_raise(c, &x);
}

uint64_t vmx_apic_access(struct cpu *c, uint64_t la, uint64_t pa, int acc)
{
	unsigned off = pa & 0xfff;
	if ((c->vmx.proc & CPU_TPR_SHADOW) && acc != ACC_EXEC && (off & ~3u) == 0x80) {
		/* The TPR is virtualized: VTPR lives at 80H of the virtual-APIC
		 * page; a write is checked against the TPR threshold after the
		 * instruction (30.4.3, 30.1.2). */
		if (acc == ACC_WRITE) {
			c->vmx.vtpr_written = true;
			c->attn |= ATTN_REFETCH;
		}
		return c->vmx.vapic + off;
	}
	/* APIC-access exit qualification (Table 28-6): offset, access type
	 * (0 read, 1 write, 2 fetch, 3 during event delivery, which also
	 * makes the exit report IDT-vectoring information). */
	unsigned type = c->delivering ? 3 : acc == ACC_WRITE ? 1 : acc == ACC_EXEC ? 2 : 0;
	struct vmx_exit_info x = { .reason = EXIT_REASON_APIC_ACCESS, .qual = off | (type << 12) };
	snprintf(c->vmx.why, sizeof c->vmx.why,
		 "%s of offset %03XH of the APIC-access page (linear %#llx) with \"virtualize APIC accesses\" = 1 exits (SDM Vol. 3C, 30.4)",
		 type == 3 ? "access during event delivery" : type == 1 ? "write" : type == 2 ? "instruction fetch" : "read", off,
		 (unsigned long long)la);
	x.why = c->vmx.why;
	vmx_exit_raise(c, &x);
}

void vmx_pause_loop(struct cpu *c, const struct insn *i)
{
	struct vmx_state *v = &c->vmx;
	uint64_t icount, now;
	cpu_time_now(c, &icount, &now);
	if (!v->ple_started || now - v->ple_last > v->ple_gap) {
		/* The first PAUSE of a loop (or the first since VM entry). */
		v->ple_started = true;
		v->ple_first = now;
	}
	v->ple_last = now;
	if (now - v->ple_first > v->ple_window)
		exit_for(c, i, VXC_PAUSE_LOOP, 0, 0);
}
