/* cpu.h - the processor's architectural state and the core's internal API. */
#ifndef VTSIM_CPU_H
#define VTSIM_CPU_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "../event.h"
#include "../ioport.h"
#include "../memory.h"
#include "../paging/tlb.h"
#include "../paging/tlbmodel.h"
#include "../vmx/vmx.h"

struct icache;
struct insn;
struct block;

/*
 * The jump cache: linear RIP -> decoded block, so that the run loop finds
 * the next block without translating RIP or hashing its physical address.
 * It is only valid while translations are: cleared with the TLB, on mode
 * and CPL changes, and when blocks are dropped.
 */
#define JC_BITS 12
#define JC_TRACK 64 /* slots remembered for a cheap flush (as struct tlb does) */
struct jc_entry {
	uint64_t la;             /* linear address of the block's first byte */
	const struct block *b;   /* the block */
	uint8_t mode;            /* enum code_mode it was decoded in */
};

/* General-purpose registers in ModRM encoding order (SDM Vol. 2A, 2.1.5). */
enum gpr {
	RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
	R8, R9, R10, R11, R12, R13, R14, R15
};

/* Segment registers in the encoding order of MOV Sreg (SDM Vol. 2A, 3.1.1.3). */
enum seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_COUNT, SEG_NONE = 7 };

/*
 * RFLAGS (SDM Vol. 1, 3.4.3 "EFLAGS Register"):
 *
 *   21  20  19  18  17  16  15  14  13-12  11  10   9   8   7   6   5   4   3   2   1   0
 *   ID VIP VIF  AC  VM  RF   0  NT  IOPL   OF  DF  IF  TF  SF  ZF   0  AF   0  PF   1  CF
 */
#define FL_CF (1u << 0)
#define FL_FIXED1 (1u << 1)
#define FL_PF (1u << 2)
#define FL_AF (1u << 4)
#define FL_ZF (1u << 6)
#define FL_SF (1u << 7)
#define FL_TF (1u << 8)
#define FL_IF (1u << 9)
#define FL_DF (1u << 10)
#define FL_OF (1u << 11)
#define FL_IOPL (3u << 12)
#define FL_NT (1u << 14)
#define FL_RF (1u << 16)
#define FL_VM (1u << 17)
#define FL_AC (1u << 18)
#define FL_VIF (1u << 19)
#define FL_VIP (1u << 20)
#define FL_ID (1u << 21)
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

/* Control-register bits used so far (SDM Vol. 3A, 2.5 "Control Registers"). */
#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_AM (1ull << 18)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_PGE (1ull << 7)
#define CR4_LA57 (1ull << 12)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

/* Exception vectors (SDM Vol. 3A, 6.3.1 "Exceptions and Interrupts"). */
enum {
	EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5,
	EXC_UD = 6, EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12,
	EXC_GP = 13, EXC_PF = 14, EXC_MF = 16, EXC_AC = 17, EXC_MC = 18, EXC_XM = 19,
};

/*
 * A segment register: the visible selector and the hidden descriptor cache
 * (SDM Vol. 3A, 3.4.3 "Segment Registers"). attr uses the VMCS access-rights
 * layout (SDM Vol. 3C, 25.4.1, Table 25-2):
 *
 *   15  14  13  12  11-8   7  6-5  4  3-0
 *    G D/B   L AVL  0    P  DPL   S  Type
 */
struct segment {
	uint16_t sel;    /* visible selector */
	uint64_t base;   /* hidden: base address */
	uint32_t limit;  /* hidden: limit in bytes (already scaled by G) */
	uint16_t attr;   /* hidden: access rights, VMCS layout */
};

#define SEGA_P (1u << 7)
#define SEGA_S (1u << 4)
#define SEGA_L (1u << 13)
#define SEGA_DB (1u << 14)
#define SEGA_G (1u << 15)

struct descriptor_table {
	uint64_t base;   /* linear base */
	uint16_t limit;  /* limit in bytes */
};

/*
 * Arithmetic flags are computed lazily: an instruction that sets them
 * records its operands and result, and the flags are derived only when
 * something reads them. op == LF_NONE means rflags holds them already.
 */
enum lazy_op { LF_NONE, LF_ADD, LF_ADC, LF_SUB, LF_SBB, LF_LOGIC, LF_INC, LF_DEC, LF_SHIFT };

struct lazy_flags {
	uint64_t res;    /* result, masked to size */
	uint64_t a, b;   /* operands, masked to size (SHIFT: b is OF) */
	uint8_t op;      /* enum lazy_op */
	uint8_t bits;    /* operand size in bits */
	uint8_t cf_in;   /* carry in (ADC/SBB), the preserved CF (INC/DEC), or CF (SHIFT) */
};

/* Bits of cpu.attn: reasons to leave the fast loop after an instruction. */
#define ATTN_STOP (1u << 0)      /* a device or front end asked to stop */
#define ATTN_INSN_EV (1u << 1)   /* someone listens to EV_INSN */
#define ATTN_REFETCH (1u << 2)   /* the current block is stale (SMC, mode change) */
#define ATTN_EVENT (1u << 3)     /* an interrupt line changed: look between blocks */

/*
 * What the platform gives the CPU (wired by machine.c): the INTR input of
 * its interrupt controller and the clock's tick. Any member may be NULL.
 */
struct cpu_platform {
	int (*intr_pending)(void *opaque);        /* vector INTA would return, or -1 */
	uint8_t (*intr_ack)(void *opaque);        /* the INTA cycle: returns the vector */
	bool (*nmi_pending)(void *opaque);        /* the NMI request is latched */
	void (*nmi_ack)(void *opaque);            /* the processor takes it: clear the latch */
	void (*tick)(void *opaque, uint64_t now); /* cycles reached cpu.deadline */
	/* MSRs the platform owns (IA32_APIC_BASE, the x2APIC range 800H-8FFH):
	 * return false if msr is not theirs, or on a write the value is
	 * reserved (the CPU then raises #GP(0)). */
	bool (*msr_read)(void *opaque, uint32_t msr, uint64_t *val);
	bool (*msr_write)(void *opaque, uint32_t msr, uint64_t val);
	/* CR8 reads and writes the local APIC's TPR[7:4] (SDM Vol. 3A, 11.8.6). */
	uint8_t (*tpr_get)(void *opaque);         /* TPR bits 7:4, as CR8 */
	void (*tpr_set)(void *opaque, uint8_t cr8);
	/* The CPU's own timer on the machine clock (the VMX-preemption
	 * timer): fires at cycle `when` (UINT64_MAX: cancel) by setting
	 * cpu.timer_fired. */
	void (*timer_arm)(void *opaque, uint64_t when);
	void *opaque;                             /* platform state */
};

struct cpu {
	union {
		uint64_t gpr[18];    /* RAX..R15, then BASE_NONE and BASE_RIP (insn.h) */
		struct {
			uint64_t gpr_named_[16]; /* RAX..R15, as gpr[0..15] */
			uint64_t zero;       /* gpr[BASE_NONE]: always 0 */
			uint64_t next_rip;   /* gpr[BASE_RIP]: where execution continues */
		};
	};
	uint64_t rip;                /* address of the current instruction */
	uint64_t rflags;             /* RFLAGS; arithmetic bits valid iff lf.op == LF_NONE */
	struct lazy_flags lf;        /* lazily evaluated arithmetic flags */
	struct segment seg[SEG_COUNT]; /* ES CS SS DS FS GS */
	struct descriptor_table gdtr, idtr; /* GDTR, IDTR */
	uint64_t cr0, cr2, cr3, cr4, efer; /* control registers */
	uint64_t pdpte[4];           /* PAE PDPTE registers, loaded with CR3 (SDM Vol. 3A, 4.4.1) */
	uint64_t dr[8];              /* DR0-DR3, (DR4/5 unused), DR6, DR7 */
	uint8_t dr_exec;             /* DR7: enabled instruction breakpoints (bit n: DRn) */
	uint8_t dr_data;             /* DR7: enabled data breakpoints */
	uint8_t dr_hits;             /* data breakpoints hit by the current instruction */
	struct segment ldtr, tr;     /* LDTR and TR with their descriptor caches */

	/* Model-specific registers (msr.c has the table of all of them). */
	uint64_t tsc_offset;         /* TSC = cycles + tsc_offset (IA32_TSC writes set it) */
	uint64_t tsc_aux;            /* IA32_TSC_AUX, read by RDTSCP */
	uint64_t star, lstar, cstar, fmask; /* SYSCALL/SYSRET MSRs */
	uint64_t kernel_gs_base;     /* IA32_KERNEL_GS_BASE, swapped by SWAPGS */
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip; /* SYSENTER/SYSEXIT MSRs */
	uint64_t pat;                /* IA32_PAT (memory types are not modelled) */
	uint64_t feature_control;    /* IA32_FEATURE_CONTROL */
	uint64_t misc_enable;        /* IA32_MISC_ENABLE */

	/* Derived mode, recomputed by cpu_update_mode() after any change. */
	uint8_t cpl;                 /* current privilege level */
	uint8_t code_size;           /* default operand/address size: 2, 4 or 8 */
	uint8_t stack_size;          /* stack address size: 2, 4 or 8 */
	bool long64;                 /* 64-bit mode (IA-32e with CS.L=1) */
	bool paging;                 /* CR0.PG */
	uint8_t code_mode;           /* enum code_mode: how the decoder reads code */
	uint64_t ip_mask;            /* 0xFFFF, 0xFFFFFFFF or ~0 */
	uint64_t canon_half;         /* 2^47, or 2^56 with 5-level paging (CR4.LA57) */
	uint8_t canon_bits;          /* 48 or 57: linear-address width */

	/* Memory access. */
	struct tlb tlb;              /* the fast translation cache (a subset of the model) */
	struct tlbm itlb, dtlb;      /* the architectural TLBs of the CPU profile */
	struct psc psc;              /* paging-structure caches */
	uint64_t walks, walk_refs;   /* page walks and their memory references */
	uint32_t cost_walk_ref;      /* cycles per walk memory reference */
	uint32_t cost_tlb_miss;      /* cycles added by a TLB miss, besides the references */
	uint32_t cost_pwc_hit;       /* cycles for a walk that starts at a paging-structure cache */
	uint32_t cost_taken;         /* extra cycles for a taken branch */
	uint32_t cost_string_iter;   /* cycles per REP iteration after the first */
	uint32_t cost_exception, cost_interrupt; /* delivery through the IDT */
	uint32_t cost_cr3_write, cost_tlb_flush; /* MOV to CR3 and the flush it causes */
	uint32_t cost_vm_exit, cost_vm_entry; /* VM exit (to host RIP) and VM entry (to the guest) */
	bool profiled;               /* class_cost[] comes from a CPU profile */
	uint16_t class_cost[32];     /* cycles per cost class (profile), indexed by insn.cclass */
	struct physmem *pm;          /* physical memory map */
	struct pio_map *pio;         /* port-I/O map */
	struct ev_bus *bus;          /* event bus */
	struct icache *ic;           /* decoded-instruction cache */
	struct jc_entry jc[1u << JC_BITS]; /* linear RIP -> block */
	uint16_t jc_filled[JC_TRACK]; /* jc slots filled since the last flush */
	unsigned jc_nfilled;         /* how many; JC_TRACK + 1: too many to list */

	/* The platform: interrupts and time. */
	struct cpu_platform plat;    /* INTR and clock hooks */
	uint64_t deadline;           /* cycles at which plat.tick is due (clock.h) */
	bool int_shadow;             /* after STI or MOV SS: no interrupt before the next insn */
	bool shadow_set;             /* the instruction being run set int_shadow (again) */
	bool timer_fired;            /* the CPU timer (plat.timer_arm) reached its time */
	bool nmi_blocked;            /* an NMI handler runs: no NMI until the next IRET (6.7.1) */

	/* Run control. */
	uint32_t attn;               /* ATTN_* bits; nonzero leaves the fast loop */
	int stop;                    /* enum stop_reason requested */
	bool halted;                 /* executed HLT and waiting */
	bool shutdown;               /* triple fault: only reset leaves this */
	uint64_t icount;             /* instructions retired (up to the current block) */
	const struct block *cur;     /* the block being executed, or NULL */
	uint64_t cur_rip;            /* the RIP it was entered at */
	uint64_t cycles;             /* modelled cycles */
	uint64_t cycle_limit;        /* stop when cycles reach it (UINT64_MAX: never) */
	uint32_t idle_wakeups;       /* timer events while halted with nothing delivered */
	jmp_buf *catch;              /* where cpu_raise() unwinds to */
	bool delivering;             /* an exception is being delivered */
	uint8_t delivering_vector;   /* which, for the double-fault rules */
	bool delivering_benign;      /* it is INT n or an external interrupt: benign (Table 6-4) */
	bool delivering_soft;        /* it is INT n/INT3/INTO (no EXT bit in fault error codes) */
	struct ev_exception pending; /* the exception cpu_raise() unwound with */
	bool pending_soft;           /* it is INT n/INT3/INTO: RIP is the next insn */
	bool pending_ext;            /* it is an external interrupt (INTR) */
	const struct insn *pending_insn; /* the INT n instruction, which retires once delivered */
	bool pending_injected;       /* it comes from VM-entry event injection (no bitmap, no retire) */
	bool pending_nmi;            /* it is an NMI (vector 2 from the NMI input) */
	bool pending_vmexit;         /* cpu_raise unwound for a VM exit (vmx.exit), not an exception */
	bool delivering_has_err;     /* the event being delivered pushes an error code */
	uint32_t delivering_err;     /* which (for IDT-vectoring information) */
	uint8_t delivering_type;     /* its interruption type (enum intr_type) */
	uint32_t delivering_len;     /* a software event's instruction length */
	uint8_t pending_inject_type; /* interruption type of the injected event */
	uint64_t pf_cr2_old;         /* CR2 before the last #PF wrote it (a #PF VM exit restores it) */
	bool mov_ss_shadow;          /* int_shadow comes from MOV SS/POP SS, not STI */
	struct ev_exception last_exc;/* the last exception delivered */
	bool have_exc;               /* last_exc is valid */
	char why[160];               /* explanation of the last exception */

	/* VMX (sim/vmx/): root or non-root operation, the current VMCS. */
	struct vmx_state vmx;        /* VMX state of this logical processor */
	char insn_text[96];          /* disassembly of the faulting instruction */
};

void cpu_init(struct cpu *c, struct physmem *pm, struct pio_map *pio, struct ev_bus *bus);
void cpu_free(struct cpu *c);
/* Power-on state (SDM Vol. 3A, 10.1.1 "Processor State After Reset"). */
void cpu_reset(struct cpu *c);
/* MSR access for RDMSR/WRMSR and front ends (msr.c): false if the MSR
 * does not exist or, for a write, the value is reserved (#GP(0)). */
bool cpu_msr_read(struct cpu *c, uint32_t msr, uint64_t *val);
bool cpu_msr_write(struct cpu *c, uint32_t msr, uint64_t val);
const char *cpu_msr_name(uint32_t msr);

/* Write CR0/CR3/CR4 with the architectural checks; returns NULL, or the
 * reason for #GP(0) (sysreg.c). */
const char *cpu_write_cr0(struct cpu *c, uint64_t v);
const char *cpu_write_cr3(struct cpu *c, uint64_t v);
const char *cpu_write_cr4(struct cpu *c, uint64_t v);
/* Load the PAE PDPTE registers from the table at cr3; returns NULL, or
 * why they cannot be loaded (a present entry with a reserved bit). */
const char *cpu_load_pdptes(struct cpu *c, uint64_t cr3);

/* The exact instruction count and cycles now, for events raised in the
 * middle of a block (the fast loop counts once per block). */
void cpu_time_now(const struct cpu *c, uint64_t *icount, uint64_t *cycles);

/* Cycles of the instructions before i in the block being run that are not
 * yet in cpu.cycles (the fast loop adds them when the block ends). */
uint64_t cpu_block_cycles_so_far(const struct cpu *c, const struct insn *i);
/* Recompute dr_exec/dr_data after a write to DR0-DR3 or DR7 (debug.c). */
void cpu_debug_update(struct cpu *c);
/* Does [la, la+size) overlap an enabled data breakpoint of this kind? Sets
 * dr_hits (debug.c). write: the access writes. */
void cpu_debug_data(struct cpu *c, uint64_t la, unsigned size, bool write);
/* Does the page at la hold a watched data address? (keeps it off the fast path) */
bool cpu_debug_watches_page(const struct cpu *c, uint64_t la);
/* An instruction breakpoint at la (bits of DR6.B0-B3 that match), honouring RF. */
unsigned cpu_debug_exec(const struct cpu *c, uint64_t la);

/* SGDT/SIDT/SLDT/SMSW/STR under CR4.UMIP at CPL > 0: #GP(0). */
void cpu_umip_check(struct cpu *c, const char *insn);

/* Take costs and TLB geometry from a CPU profile (sim/cost.h). Returns 0,
 * or -1 if the TLBs cannot be reallocated (the old ones stay). */
struct cost_profile;
int cpu_apply_profile(struct cpu *c, const struct cost_profile *p);

/* Recompute derived mode fields after CR0/CR4/EFER/CS changes. */
void cpu_update_mode(struct cpu *c);
/* Run until a stop reason or until max more instructions retire. */
int cpu_run(struct cpu *c, uint64_t max);

/* Raise an exception: unwinds to the run loop, which delivers it.
 * why is a short explanation with its SDM section (may be NULL). */
__attribute__((noreturn)) void cpu_raise(struct cpu *c, int vector, uint32_t error,
					  bool has_error, const char *why);
__attribute__((noreturn)) void cpu_raise_ud(struct cpu *c, const char *why);
__attribute__((noreturn)) void cpu_raise_gp0(struct cpu *c, const char *why);

/* Loading a segment register in real mode or from a flat description. */
void cpu_load_seg_real(struct cpu *c, int seg, uint16_t sel);

/* RFLAGS with the lazy bits folded in, and setting it (all bits). */
uint64_t cpu_get_rflags(struct cpu *c);
void cpu_set_rflags(struct cpu *c, uint64_t v);

/* Count one retired instruction outside the run loop (INT n after its
 * delivery), with its EV_INSN event when someone listens. */
void cpu_retire_one(struct cpu *c, uint64_t rip, const struct insn *i);

/* Flush every cached translation and decoded-block lookup. */
void cpu_flush_tlb(struct cpu *c);

/*
 * Invalidations as the SDM defines them (Vol. 3A, 4.10.4.1), applied to the
 * TLB model and the paging-structure caches; the fast TLB and jump cache
 * are always emptied.
 */
enum tlb_inval {
	TLBI_NONE,         /* the model keeps everything (MOV CR3 with bit 63 set) */
	TLBI_ALL,          /* the current VPID's everything, globals too (CR4 changes, INVPCID 2) */
	TLBI_NONGLOBAL,    /* every PCID, globals kept (INVPCID 3; MOV CR3 with PCIDE=0) */
	TLBI_PCID,         /* non-global entries of one PCID (MOV CR3, INVPCID 1) */
	TLBI_ADDR,         /* one address, globals too (INVLPG) */
	TLBI_ADDR_PCID,    /* one address in one PCID, globals kept (INVPCID 0) */
	TLBI_EVERYTHING,   /* every VPID and EPTP too: reset, profile change, stress build */
};
void cpu_tlb_invalidate(struct cpu *c, enum tlb_inval kind, uint64_t la, uint16_t pcid);
/* The PCID translations are tagged with now (CR3[11:0] with CR4.PCIDE). */
uint16_t cpu_pcid(const struct cpu *c);
/* A device changed an interrupt line or a timer: the CPU looks at it
 * after the current instruction. */
void cpu_poke(struct cpu *c);
/* Forget the jump cache only (blocks were dropped). */
void cpu_flush_jc(struct cpu *c);

#endif
