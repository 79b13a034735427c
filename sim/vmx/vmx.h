/* vmx.h - VMX operation: control bits, exit reasons, the VMX state of a CPU, the VMX API. */
#ifndef VTSIM_VMX_H
#define VTSIM_VMX_H

#include <stdbool.h>
#include <stdint.h>

#include "../cpu/insn.h"
#include "vmcs.h"

struct cpu;

/*
 * Pin-based VM-execution controls (SDM Vol. 3C, 25.6.1, Table 25-5).
 */
#define PIN_EXTINT_EXITING (1u << 0)     /* external interrupts cause VM exits */
#define PIN_NMI_EXITING (1u << 3)        /* NMIs cause VM exits */
#define PIN_VIRTUAL_NMIS (1u << 5)       /* NMI blocking is virtual */
#define PIN_PREEMPTION_TIMER (1u << 6)   /* activate VMX-preemption timer */

/* The VMX-preemption timer counts down by 1 each time bit 5 of the TSC
 * changes (IA32_VMX_MISC[4:0] = 5; SDM Vol. 3C, 26.5.1). */
#define VMX_PREEMPT_RATE 5

/*
 * Primary processor-based VM-execution controls (25.6.2, Table 25-6).
 */
#define CPU_INTR_WINDOW_EXITING (1u << 2)
#define CPU_USE_TSC_OFFSETTING (1u << 3)
#define CPU_HLT_EXITING (1u << 7)
#define CPU_INVLPG_EXITING (1u << 9)
#define CPU_MWAIT_EXITING (1u << 10)
#define CPU_RDPMC_EXITING (1u << 11)
#define CPU_RDTSC_EXITING (1u << 12)
#define CPU_CR3_LOAD_EXITING (1u << 15)
#define CPU_CR3_STORE_EXITING (1u << 16)
#define CPU_CR8_LOAD_EXITING (1u << 19)
#define CPU_CR8_STORE_EXITING (1u << 20)
#define CPU_TPR_SHADOW (1u << 21)
#define CPU_NMI_WINDOW_EXITING (1u << 22)
#define CPU_MOV_DR_EXITING (1u << 23)
#define CPU_UNCOND_IO_EXITING (1u << 24)
#define CPU_USE_IO_BITMAPS (1u << 25)
#define CPU_MONITOR_TRAP_FLAG (1u << 27)
#define CPU_USE_MSR_BITMAPS (1u << 28)
#define CPU_MONITOR_EXITING (1u << 29)
#define CPU_PAUSE_EXITING (1u << 30)
#define CPU_ACTIVATE_SECONDARY (1u << 31)

/*
 * Secondary processor-based VM-execution controls (25.6.2, Table 25-7).
 */
#define SEC_VIRTUALIZE_APIC_ACCESSES (1u << 0)
#define SEC_ENABLE_EPT (1u << 1)
#define SEC_DESC_TABLE_EXITING (1u << 2)
#define SEC_ENABLE_RDTSCP (1u << 3)
#define SEC_VIRTUALIZE_X2APIC (1u << 4)
#define SEC_ENABLE_VPID (1u << 5)
#define SEC_WBINVD_EXITING (1u << 6)
#define SEC_UNRESTRICTED_GUEST (1u << 7)
#define SEC_PAUSE_LOOP_EXITING (1u << 10)
#define SEC_ENABLE_INVPCID (1u << 12)

/*
 * Primary VM-exit controls (25.7.1, Table 25-13).
 */
#define EXIT_SAVE_DEBUG_CONTROLS (1u << 2)
#define EXIT_HOST_ADDR_SPACE_SIZE (1u << 9)
#define EXIT_ACK_INTR_ON_EXIT (1u << 15)
#define EXIT_SAVE_IA32_PAT (1u << 18)
#define EXIT_LOAD_IA32_PAT (1u << 19)
#define EXIT_SAVE_IA32_EFER (1u << 20)
#define EXIT_LOAD_IA32_EFER (1u << 21)
#define EXIT_SAVE_PREEMPTION_TIMER (1u << 22)

/*
 * VM-entry controls (25.8.1, Table 25-15).
 */
#define ENTRY_LOAD_DEBUG_CONTROLS (1u << 2)
#define ENTRY_IA32E_MODE_GUEST (1u << 9)
#define ENTRY_SMM (1u << 10)
#define ENTRY_DEACT_DUAL_MONITOR (1u << 11)
#define ENTRY_LOAD_IA32_PAT (1u << 14)
#define ENTRY_LOAD_IA32_EFER (1u << 15)

/*
 * Interruption-information fields: VM-entry (25.8.3, Table 25-17),
 * VM-exit (25.9.2, Table 25-19) and IDT-vectoring (25.9.3, Table 25-20):
 *
 *   31     30..12    11                 10..8  7..0
 *   valid  reserved  deliver error code type   vector
 */
#define INTR_INFO_VALID (1u << 31)
#define INTR_INFO_DELIVER_CODE (1u << 11)
#define INTR_INFO_NMI_UNBLOCKED_BY_IRET (1u << 12) /* exit and IDT-vectoring info only */
static inline unsigned intr_info_type(uint32_t info) { return (info >> 8) & 7; }
static inline unsigned intr_info_vector(uint32_t info) { return info & 0xff; }
enum intr_type {
	INTR_TYPE_EXT_INTR = 0,      /* external interrupt */
	INTR_TYPE_NMI = 2,           /* non-maskable interrupt */
	INTR_TYPE_HARD_EXCEPTION = 3,/* hardware exception */
	INTR_TYPE_SOFT_INTR = 4,     /* software interrupt (INT n) */
	INTR_TYPE_PRIV_SW_EXC = 5,   /* privileged software exception (INT1) */
	INTR_TYPE_SOFT_EXCEPTION = 6,/* software exception (INT3, INTO) */
	INTR_TYPE_OTHER = 7,         /* other event (MTF pending) */
};

/* Guest interruptibility state (25.4.2, Table 25-3). */
#define GUEST_INTR_STATE_STI (1u << 0)
#define GUEST_INTR_STATE_MOV_SS (1u << 1)
#define GUEST_INTR_STATE_SMI (1u << 2)
#define GUEST_INTR_STATE_NMI (1u << 3)
#define GUEST_INTR_STATE_ENCLAVE (1u << 4)

/* Guest activity state (25.4.2). */
enum { GUEST_ACTIVITY_ACTIVE = 0, GUEST_ACTIVITY_HLT = 1, GUEST_ACTIVITY_SHUTDOWN = 2,
       GUEST_ACTIVITY_WAIT_SIPI = 3 };

/* Basic exit reasons (SDM Vol. 3C, Appendix C, Table C-1). Bit 31 of the
 * exit-reason field marks a VM-entry failure. */
enum exit_reason {
	EXIT_REASON_EXCEPTION_NMI = 0,
	EXIT_REASON_EXTERNAL_INTERRUPT = 1,
	EXIT_REASON_TRIPLE_FAULT = 2,
	EXIT_REASON_INIT_SIGNAL = 3,
	EXIT_REASON_SIPI = 4,
	EXIT_REASON_IO_SMI = 5,
	EXIT_REASON_OTHER_SMI = 6,
	EXIT_REASON_INTERRUPT_WINDOW = 7,
	EXIT_REASON_NMI_WINDOW = 8,
	EXIT_REASON_TASK_SWITCH = 9,
	EXIT_REASON_CPUID = 10,
	EXIT_REASON_GETSEC = 11,
	EXIT_REASON_HLT = 12,
	EXIT_REASON_INVD = 13,
	EXIT_REASON_INVLPG = 14,
	EXIT_REASON_RDPMC = 15,
	EXIT_REASON_RDTSC = 16,
	EXIT_REASON_RSM = 17,
	EXIT_REASON_VMCALL = 18,
	EXIT_REASON_VMCLEAR = 19,
	EXIT_REASON_VMLAUNCH = 20,
	EXIT_REASON_VMPTRLD = 21,
	EXIT_REASON_VMPTRST = 22,
	EXIT_REASON_VMREAD = 23,
	EXIT_REASON_VMRESUME = 24,
	EXIT_REASON_VMWRITE = 25,
	EXIT_REASON_VMXOFF = 26,
	EXIT_REASON_VMXON = 27,
	EXIT_REASON_CR_ACCESS = 28,
	EXIT_REASON_DR_ACCESS = 29,
	EXIT_REASON_IO_INSTRUCTION = 30,
	EXIT_REASON_MSR_READ = 31,
	EXIT_REASON_MSR_WRITE = 32,
	EXIT_REASON_INVALID_GUEST_STATE = 33,
	EXIT_REASON_MSR_LOAD_FAIL = 34,
	EXIT_REASON_MWAIT_INSTRUCTION = 36,
	EXIT_REASON_MONITOR_TRAP_FLAG = 37,
	EXIT_REASON_MONITOR_INSTRUCTION = 39,
	EXIT_REASON_PAUSE_INSTRUCTION = 40,
	EXIT_REASON_MCE_DURING_VMENTRY = 41,
	EXIT_REASON_TPR_BELOW_THRESHOLD = 43,
	EXIT_REASON_APIC_ACCESS = 44,
	EXIT_REASON_EOI_INDUCED = 45,
	EXIT_REASON_GDTR_IDTR = 46,
	EXIT_REASON_LDTR_TR = 47,
	EXIT_REASON_EPT_VIOLATION = 48,
	EXIT_REASON_EPT_MISCONFIG = 49,
	EXIT_REASON_INVEPT = 50,
	EXIT_REASON_RDTSCP = 51,
	EXIT_REASON_PREEMPTION_TIMER = 52,
	EXIT_REASON_INVVPID = 53,
	EXIT_REASON_WBINVD = 54,
	EXIT_REASON_XSETBV = 55,
	EXIT_REASON_APIC_WRITE = 56,
	EXIT_REASON_RDRAND = 57,
	EXIT_REASON_INVPCID = 58,
	EXIT_REASON_VMFUNC = 59,
	EXIT_REASON_ENCLS = 60,
	EXIT_REASON_RDSEED = 61,
	EXIT_REASON_PML_FULL = 62,
	EXIT_REASON_XSAVES = 63,
	EXIT_REASON_XRSTORS = 64,
	EXIT_REASON_COUNT
};
#define EXIT_REASON_FAILED_VMENTRY (1u << 31)

/* The name of an exit reason ("EPT_VIOLATION"), or NULL if it has none. */
const char *vmx_exit_reason_name(unsigned reason);
/* Parse a reason name (with or without EXIT_REASON_, any case) or number;
 * -1 if unknown. */
int vmx_exit_reason_parse(const char *s);

/* VM-instruction error numbers (SDM Vol. 3C, 31.4, Table 31-1). */
enum vm_insn_error {
	VMXERR_VMCALL_IN_ROOT = 1,
	VMXERR_VMCLEAR_INVALID_ADDRESS = 2,
	VMXERR_VMCLEAR_VMXON_POINTER = 3,
	VMXERR_VMLAUNCH_NONCLEAR_VMCS = 4,
	VMXERR_VMRESUME_NONLAUNCHED_VMCS = 5,
	VMXERR_VMRESUME_AFTER_VMXOFF = 6,
	VMXERR_ENTRY_INVALID_CONTROL_FIELD = 7,
	VMXERR_ENTRY_INVALID_HOST_STATE_FIELD = 8,
	VMXERR_VMPTRLD_INVALID_ADDRESS = 9,
	VMXERR_VMPTRLD_VMXON_POINTER = 10,
	VMXERR_VMPTRLD_INCORRECT_REVISION_ID = 11,
	VMXERR_UNSUPPORTED_VMCS_COMPONENT = 12,
	VMXERR_VMWRITE_READ_ONLY_COMPONENT = 13,
	VMXERR_VMXON_IN_VMX_ROOT = 15,
	VMXERR_ENTRY_EVENTS_BLOCKED_BY_MOV_SS = 26,
	VMXERR_INVALID_INVEPT_INVVPID_OPERAND = 28,
};
/* One line describing a VM-instruction error number. */
const char *vmx_insn_error_text(unsigned err);

/* The VMX capability MSRs (SDM Vol. 3C, Appendix A). */
#define IA32_VMX_BASIC 0x480u
#define IA32_VMX_PINBASED_CTLS 0x481u
#define IA32_VMX_PROCBASED_CTLS 0x482u
#define IA32_VMX_EXIT_CTLS 0x483u
#define IA32_VMX_ENTRY_CTLS 0x484u
#define IA32_VMX_MISC 0x485u
#define IA32_VMX_CR0_FIXED0 0x486u
#define IA32_VMX_CR0_FIXED1 0x487u
#define IA32_VMX_CR4_FIXED0 0x488u
#define IA32_VMX_CR4_FIXED1 0x489u
#define IA32_VMX_VMCS_ENUM 0x48au
#define IA32_VMX_PROCBASED_CTLS2 0x48bu
#define IA32_VMX_EPT_VPID_CAP 0x48cu
#define IA32_VMX_TRUE_PINBASED_CTLS 0x48du
#define IA32_VMX_TRUE_PROCBASED_CTLS 0x48eu
#define IA32_VMX_TRUE_EXIT_CTLS 0x48fu
#define IA32_VMX_TRUE_ENTRY_CTLS 0x490u

/* The value of a capability MSR; false if msr is not one (caps.c). */
bool vmx_cap_msr(uint32_t msr, uint64_t *val);
/* A control by name (controls.c): "hlt-exiting" is bit 7 of
 * CPU_BASED_VM_EXEC_CONTROL. The table also names controls vtsim does
 * not implement (vmx_control_implemented() says which). */
struct vmx_control {
	const char *name;    /* kebab-case of the SDM's name */
	uint32_t field;      /* the control field it belongs to */
	uint32_t bit;        /* its bit there */
};
const struct vmx_control *vmx_controls(int *n);
/* The capability MSR of a control field, or 0 if field is not one. */
uint32_t vmx_control_msr(uint32_t field);
bool vmx_control_implemented(const struct vmx_control *c);

/* The name of a capability MSR ("IA32_VMX_BASIC"), or NULL. */
const char *vmx_cap_msr_name(uint32_t msr);
/* Does vtsim implement the feature a VMCS field belongs to? */
bool vmx_feature_supported(enum vmcs_feature f);
/* Is a value of a 32-bit control field allowed by the capability MSR
 * (allowed-0 in bits 31:0, allowed-1 in 63:32)? */
static inline bool vmx_ctl_ok(uint64_t cap, uint32_t v)
{
	return (v & (uint32_t)cap) == (uint32_t)cap && (v & ~(uint32_t)(cap >> 32)) == 0;
}

/*
 * What one VM exit reports (SDM Vol. 3C, 28.2 "Recording VM-Exit
 * Information and Updating VM-Entry Control Fields"), gathered before
 * vmx_exit() writes it to the VMCS.
 */
struct vmx_exit_info {
	uint32_t reason;        /* basic exit reason (bit 31 for an entry failure) */
	uint64_t qual;          /* exit qualification */
	uint64_t gla;           /* guest-linear address, if valid */
	uint64_t gpa;           /* guest-physical address (EPT exits) */
	uint32_t intr_info;     /* VM-exit interruption information */
	uint32_t intr_err;      /* VM-exit interruption error code */
	uint32_t insn_len;      /* VM-exit instruction length */
	uint32_t insn_info;     /* VM-exit instruction information */
	uint64_t io_rcx, io_rsi, io_rdi, io_rip; /* SMI-only fields, kept 0 */
	const char *why;        /* explanation with its SDM section */
};

/*
 * The VMX state of a logical processor. The VMCS itself lives in guest
 * memory (vmcs.h); what is cached here is copied from it at VM entry and
 * only read in VMX non-root operation, when the VMCS cannot change
 * underneath (a guest that writes the VMCS region with MOV is outside the
 * architecture on hardware too).
 */
#define VMCS_NONE UINT64_MAX
struct vmx_state {
	bool on;                /* VMX operation: after VMXON, until VMXOFF */
	bool guest;             /* VMX non-root operation */
	uint64_t vmxon_ptr;     /* physical address of the VMXON region */
	uint64_t vmcs;          /* current-VMCS pointer, or VMCS_NONE */

	/* Controls cached at VM entry, for the checks of non-root operation. */
	uint32_t pin, proc, proc2;      /* VM-execution controls (proc2 is 0 unless activated) */
	uint32_t exit_ctls, entry_ctls; /* VM-exit and VM-entry controls */
	uint32_t exc_bitmap;            /* exception bitmap */
	uint32_t pfec_mask, pfec_match; /* page-fault error-code mask and match */
	uint64_t cr0_mask, cr0_shadow;  /* CR0 guest/host mask and read shadow */
	uint64_t cr4_mask, cr4_shadow;  /* CR4 guest/host mask and read shadow */
	uint32_t cr3_count;             /* CR3-target count */
	uint64_t cr3_target[4];         /* CR3-target values */
	uint64_t io_bitmap[2];          /* physical addresses of I/O bitmaps A and B */
	uint64_t msr_bitmap;            /* physical address of the MSR bitmaps */
	uint64_t eptp;                  /* EPT pointer */
	uint16_t vpid;                  /* virtual-processor identifier */
	uint64_t tsc_offset;            /* TSC offset */

	/* Host state the CPU keeps while the guest runs. */
	uint64_t host_tsc_offset;       /* cpu.tsc_offset in VMX root operation */

	/* Run-loop work after VM entry. */
	bool inject;                    /* an event from VM-entry interruption information */
	uint32_t inject_info;           /* its interruption information */
	uint32_t inject_err;            /* its error code */
	uint32_t inject_len;            /* its instruction length (software events) */
	bool mtf_pending;               /* monitor trap flag: an instruction completed, exit now */
	bool step;                      /* run one instruction at a time (MTF, interrupt/NMI window) */
	bool vnmi_blocked;              /* virtual-NMI blocking ("virtual NMIs" = 1; 25.4.2) */
	bool preempt_armed;             /* the VMX-preemption timer counts (26.5.1) */
	bool tpr_below;                 /* VTPR fell below the TPR threshold: exit before the next insn */
	uint64_t vapic;                 /* virtual-APIC address ("use TPR shadow") */
	uint64_t apic_access;           /* APIC-access address ("virtualize APIC accesses") */
	uint32_t ple_gap, ple_window;   /* PAUSE-loop exiting: PLE_Gap and PLE_Window (TSC ticks) */
	bool ple_started;               /* a PAUSE at CPL 0 ran since VM entry */
	uint32_t pending_db;            /* pending debug exceptions (B3-B0, BS) VM entry left to deliver */
	uint64_t ple_first, ple_last;   /* TSC of the loop's first PAUSE and of the last one */
	bool vtpr_written;              /* a write through the APIC-access page changed VTPR */
	uint32_t tpr_threshold;         /* TPR threshold, bits 3:0 */
	uint64_t preempt_at;            /* the cycle at which it reaches 0 */
	bool untagged_tlb;              /* flush every TLB on each entry and exit (Bochs-style) */

	/* The exit being taken, and what happened last. */
	struct vmx_exit_info exit;      /* filled by the cause, written by vmx_exit() */
	uint64_t exits, entries, entry_fails; /* statistics */
	uint64_t exits_by_reason[EXIT_REASON_COUNT]; /* VM exits by basic reason */
	char why[400];                  /* explanation of the last VM exit or failed entry */
};

/* VMXOFF state, VMCS pointer invalid (power-on, INIT). */
void vmx_reset(struct cpu *c);

/* The VMX instructions (vmxinsn.c). op_vmlaunch: sub 0 VMLAUNCH, 1 VMRESUME. */
insn_fn op_vmxon, op_vmxoff, op_vmclear, op_vmptrld, op_vmptrst, op_vmread, op_vmwrite,
	op_vmlaunch, op_vmcall, op_invept, op_invvpid;

/* ---- VM exits (exit.c and exits.c) ------------------------------------ */

/*
 * The guest actions that can cause VM exits, one per row of the exit
 * table in exits.c, which says for each which control makes it exit, the
 * exit reason and what the qualification holds.
 */
enum vmx_cause {
	VXC_CPUID, VXC_GETSEC, VXC_INVD, VXC_XSETBV,
	VXC_VMCALL, VXC_VMCLEAR, VXC_VMLAUNCH, VXC_VMPTRLD, VXC_VMPTRST, VXC_VMREAD,
	VXC_VMRESUME, VXC_VMWRITE, VXC_VMXOFF, VXC_VMXON, VXC_INVEPT, VXC_INVVPID,
	VXC_HLT, VXC_INVLPG, VXC_INVPCID, VXC_RDPMC, VXC_RDTSC, VXC_RDTSCP,
	VXC_MWAIT, VXC_MONITOR, VXC_PAUSE, VXC_PAUSE_LOOP, VXC_WBINVD,
	VXC_MOV_TO_CR0, VXC_MOV_TO_CR3, VXC_MOV_FROM_CR3, VXC_MOV_TO_CR4,
	VXC_MOV_TO_CR8, VXC_MOV_FROM_CR8, VXC_CLTS, VXC_LMSW, VXC_MOV_DR,
	VXC_IO, VXC_RDMSR, VXC_WRMSR,
	VXC_LGDT, VXC_LIDT, VXC_SGDT, VXC_SIDT, VXC_LLDT, VXC_LTR, VXC_SLDT, VXC_STR,
	VXC_EXCEPTION, VXC_EXTINT, VXC_NMI, VXC_INTR_WINDOW, VXC_NMI_WINDOW,
	VXC_TRIPLE_FAULT, VXC_INIT, VXC_MTF, VXC_TPR_BELOW_THRESHOLD, VXC_APIC_ACCESS, VXC_PREEMPTION_TIMER,
	VXC_EPT_VIOLATION, VXC_EPT_MISCONFIG,
	VXC_COUNT
};

/* One row of the exit table (exits.c). */
struct vmx_exit_rule {
	uint8_t cause;          /* enum vmx_cause */
	uint8_t reason;         /* basic exit reason */
	uint8_t ctl;            /* which control field decides: VXCTL_* */
	uint32_t bit;           /* the control bit (VXCTL_PIN/PROC/PROC2) */
	const char *what;       /* the guest action */
	const char *when;       /* when it exits, in words */
	const char *qual;       /* what the exit qualification holds */
	const char *section;    /* the SDM section */
};
enum {
	VXCTL_ALWAYS,   /* unconditional (26.1.2) */
	VXCTL_PIN,      /* a pin-based control bit */
	VXCTL_PROC,     /* a primary processor-based control bit */
	VXCTL_PROC2,    /* a secondary processor-based control bit */
	VXCTL_CUSTOM,   /* decided by bitmaps, masks or EPT (see the row's text) */
};
const struct vmx_exit_rule *vmx_exit_rules(int *n);
const struct vmx_exit_rule *vmx_exit_rule(enum vmx_cause cause);

/* Does this bit-controlled cause exit now? (false in root operation) */
bool vmx_exits_on(const struct cpu *c, enum vmx_cause cause);

/*
 * Exit for an instruction-caused cause if its control says so; returns
 * if it does not. qual is the exit qualification; insn_info the VM-exit
 * instruction information (0 if the instruction has none).
 */
void vmx_intercept(struct cpu *c, const struct insn *i, enum vmx_cause cause, uint64_t qual,
		   uint32_t insn_info);
/* The same for causes decided by bitmaps or masks: */
void vmx_intercept_io(struct cpu *c, const struct insn *i, uint16_t port, unsigned size, bool in,
		      bool string, bool rep);
void vmx_intercept_msr(struct cpu *c, const struct insn *i, uint32_t msr, bool write);
/* MOV to CR0/CR4 (also CLTS and LMSW, with their own qualifications):
 * exits if a bit owned by the host (guest/host mask) would change from
 * its read shadow. */
void vmx_intercept_cr_write(struct cpu *c, const struct insn *i, unsigned cr, uint64_t val,
			    enum vmx_cause cause, uint64_t qual);
/* MOV to CR3: exits unless the value is one of the CR3-target values. */
void vmx_intercept_cr3_write(struct cpu *c, const struct insn *i, uint64_t val, uint64_t qual);
/* What a guest reads from CR0/CR4: host-owned bits come from the read shadow. */
uint64_t vmx_cr_read_shadowed(const struct cpu *c, unsigned cr, uint64_t real);

/*
 * Exception about to be delivered in non-root operation: VM exit instead
 * if the exception bitmap says so (with the #PF error-code mask and
 * match, 26.2 "Other Causes of VM Exits"). Returns true if it exited.
 */
bool vmx_exception_exits(struct cpu *c, uint8_t vector, bool has_err, uint32_t err,
			 bool soft, uint32_t insn_len);

/* VM-exit instruction information for a memory operand, with reg2 in
 * bits 31:28 (SDM Vol. 3C, 28.2.5). */
uint32_t vmx_insn_info_mem(const struct cpu *c, const struct insn *i, unsigned reg2);

/* Record an exit cause and unwind to the run loop, which calls vmx_exit(). */
__attribute__((noreturn)) void vmx_exit_raise(struct cpu *c, const struct vmx_exit_info *x);

/*
 * The one function that performs a VM exit (SDM Vol. 3C, 28 "VM Exits"):
 * records c->vmx.exit in the VMCS, saves guest state, stores MSRs, loads
 * host state and MSRs, and leaves the CPU in VMX root operation at
 * HOST_RIP.
 */
void vmx_exit(struct cpu *c);

/*
 * The one function that performs VM entry (SDM Vol. 3C, 27 "VM Entries"),
 * called by VMLAUNCH (launch = true) and VMRESUME after their own checks
 * on the VMCS launch state: the checks of the check table, loading guest
 * state and MSRs, and event injection. On VMfailValid it returns with the
 * flags set; otherwise the CPU is in non-root operation (or has exited
 * again with reason 33/34).
 */
void vmx_entry(struct cpu *c, const struct insn *i, bool launch);

/* Deliver the event VM entry is injecting (27.6), through the guest IDT. */
void vmx_deliver_injected(struct cpu *c);

/* Is an EPT pointer one vtsim accepts (25.6.11; IA32_VMX_EPT_VPID_CAP)? */
bool vmx_eptp_valid(uint64_t eptp);

/* The virtual TPR (byte 80H of the virtual-APIC page) and writing it
 * through CR8: a value below the TPR threshold causes a trap-like exit
 * after the instruction (SDM Vol. 3C, 30.1.2, 30.3). */
uint8_t vmx_vtpr(const struct cpu *c);
void vmx_set_vtpr(struct cpu *c, uint8_t vtpr);

/* A guest access to the APIC-access page (physical address pa): with
 * "use TPR shadow", reads and writes of the TPR (offset 80H) go to the
 * virtual-APIC page, whose physical address is returned; anything else is
 * an APIC-access VM exit (SDM Vol. 3C, 30.4). acc is enum access. */
uint64_t vmx_apic_access(struct cpu *c, uint64_t la, uint64_t pa, int acc);

/* PAUSE at CPL 0 with "PAUSE-loop exiting": exits once a loop of PAUSEs
 * (each within PLE_Gap of the last) has lasted more than PLE_Window
 * (SDM Vol. 3C, 26.1.3). */
void vmx_pause_loop(struct cpu *c, const struct insn *i);

/* An NMI arrived with "NMI exiting" = 1: the VM exit (26.2). */
void vmx_exit_nmi(struct cpu *c);

/* Called by the run loop between instructions in non-root operation:
 * pending injection, interrupt window, MTF. Returns true if it did
 * something (the loop then starts over). */
bool vmx_between_insns(struct cpu *c);

/* For front ends and scenario loaders (api.c), through the machine API:
 * enter VMX root operation with vmcs current and clear (what firmware,
 * VMXON, VMCLEAR and VMPTRLD would do); fill the VMCS's host-state or
 * guest-state area from the CPU's state; set the controls every VMCS
 * needs; and perform VM entry as VMLAUNCH does. -1 and err on failure. */
int vmx_api_on(struct cpu *c, uint64_t vmxon_pa, uint64_t vmcs_pa, char *err, size_t len);
void vmx_api_capture_host(struct cpu *c);
/* The guest-state area from the CPU's state (28.3); all: also the fields
 * whose saving the VM-exit controls decide. */
void vmx_save_guest_state(struct cpu *c, uint64_t vmcs, bool all);
void vmx_api_capture_guest(struct cpu *c);
void vmx_api_default_controls(struct cpu *c);
int vmx_api_launch(struct cpu *c, char *err, size_t len);

/* The TSC as the guest sees it (RDTSC in non-root operation with offsetting). */
uint64_t vmx_guest_tsc(const struct cpu *c, uint64_t host_tsc);

#endif
