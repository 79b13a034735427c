/* machine.h - one simulated PC: the API every front end uses. */
#ifndef VTSIM_MACHINE_H
#define VTSIM_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct machine; /* opaque: see machine.c */
struct platform; /* the devices: see platform.h */

/* How a run ended. */
enum stop_reason {
	STOP_NONE,       /* still runnable (only seen inside the core) */
	STOP_HLT,        /* HLT with RFLAGS.IF=0: nothing can wake the CPU */
	STOP_HLT_IDLE,   /* HLT with IF=1 and no interrupt can come (or none came in 10^6 timer events) */
	STOP_EXIT_PORT,  /* the guest wrote to the exit port (0xF4) */
	STOP_MAX_INSNS,  /* the instruction limit was reached */
	STOP_SHUTDOWN,   /* triple fault: the processor shut down, state kept */
	STOP_REQUEST,    /* a front end asked the machine to stop */
	STOP_MAX_CYCLES, /* the cycle limit (machine_set_cycle_limit) was reached */
};

const char *stop_reason_name(enum stop_reason r);

/* Starting modes a loader can put the CPU in without guest set-up code. */
enum start_mode {
	START_REAL16,    /* real mode, CS:IP from the entry address */
	START_PROT32,    /* flat 32-bit protected mode, paging off */
	START_LONG64,    /* 64-bit mode, CPL 0, flat, first 4 GiB identity-mapped */
};

/* Where bytes written to the debug console (0xE9) and the UART go. */
typedef void console_fn(void *opaque, uint8_t byte);

struct machine_config {
	uint64_t ram_size;       /* bytes of RAM at physical 0 (multiple of 4 KiB) */
	console_fn *console;     /* receives device output; NULL keeps it in a buffer */
	void *console_opaque;    /* passed to console */
	uint64_t cpu_hz;         /* modelled core clock in Hz; 0: MACHINE_DEFAULT_HZ */
};

/*
 * The core clock says how many modelled cycles make a second of guest
 * time: the PIT's 1.193182 MHz and the local APIC timer's bus clock are
 * converted to cycles with it, so a guest that calibrates RDTSC against
 * the PIT measures this frequency. 10 MHz to 100 GHz.
 */
#define MACHINE_DEFAULT_HZ 2000000000ull
#define MACHINE_MIN_HZ 10000000ull
#define MACHINE_MAX_HZ 100000000000ull

/* NULL on failure, with a one-line reason in err. */
struct machine *machine_new(const struct machine_config *cfg, char *err, size_t errlen);
void machine_free(struct machine *m);

/* Put the CPU in a starting mode with RIP = entry. For START_LONG64 the
 * loader builds identity page tables (2 MiB pages) in the top 24 KiB of RAM
 * and a GDT below them. Returns 0, or -1 with a reason in err. */
int machine_start(struct machine *m, enum start_mode mode, uint64_t entry,
		  char *err, size_t errlen);

/* Physical memory, as the loader and front ends see it (no side effects on
 * the CPU other than keeping its decoded-instruction cache coherent). */
void machine_phys_write(struct machine *m, uint64_t pa, const void *buf, size_t len);
void machine_phys_read(struct machine *m, uint64_t pa, void *buf, size_t len);
uint64_t machine_ram_size(const struct machine *m);

/* Registers by id or by name. */
enum vt_reg {
	VT_RAX, VT_RCX, VT_RDX, VT_RBX, VT_RSP, VT_RBP, VT_RSI, VT_RDI,
	VT_R8, VT_R9, VT_R10, VT_R11, VT_R12, VT_R13, VT_R14, VT_R15,
	VT_RIP, VT_RFLAGS,
	VT_ES, VT_CS, VT_SS, VT_DS, VT_FS, VT_GS, /* selectors */
	VT_FS_BASE, VT_GS_BASE,
	VT_CR0, VT_CR2, VT_CR3, VT_CR4, VT_EFER,
	VT_REG_COUNT
};

/* Returns the id for a name such as "rax", "r8", "rflags", "cr0", or -1. */
int machine_reg_id(const char *name);
const char *machine_reg_name(enum vt_reg id);
uint64_t machine_reg_get(struct machine *m, enum vt_reg id);
/* Writing a selector reloads its segment as the current mode does (real
 * mode: base = sel << 4). Writing CR0-CR4 or EFER does not validate: it is for
 * loaders that know what they build. */
void machine_reg_set(struct machine *m, enum vt_reg id, uint64_t v);

/* Model-specific registers by number, with the same checks as RDMSR and
 * WRMSR: false if vtsim does not implement the MSR or, for a write, the
 * value is reserved. machine_msr_name gives the SDM's name or NULL. */
bool machine_msr_get(struct machine *m, uint32_t msr, uint64_t *val);
bool machine_msr_set(struct machine *m, uint32_t msr, uint64_t val);
const char *machine_msr_name(uint32_t msr);

/*
 * Translate a linear address as the CPU would now, without side effects:
 * no A/D updates, no faults, caches untouched (for debuggers). Fills *w
 * with every entry read (paging/walk.h) and returns true if the access
 * would succeed; *in_tlb says whether the TLB model currently holds a
 * translation for it (which, if the tables changed, may differ from *w).
 */
struct walk;
bool machine_translate(struct machine *m, uint64_t la, int access, struct walk *w, bool *in_tlb);

/* Translation statistics. Misses are exact (each is one walk); hits count
 * only lookups that reached the model because the simulator's own fast
 * path (a subset of the model) missed, so they understate real hits. */
struct tlb_stats {
	uint64_t itlb_hits, itlb_misses, dtlb_hits, dtlb_misses; /* the TLB model */
	uint64_t walks, walk_refs, psc_hits;                     /* page walks */
};
void machine_tlb_stats(const struct machine *m, struct tlb_stats *out);

/*
 * Translate a guest-physical address through EPT as the CPU would now,
 * without side effects (no EPT accessed/dirty updates, no guest-physical
 * TLB fill): with the EPT pointer cached at VM entry in VMX non-root
 * operation under "enable EPT", else with the EPT_POINTER field of the
 * current VMCS. access is ACC_READ, ACC_WRITE or ACC_EXEC (paging/walk.h).
 * Fills *w with the EPT entries read (stage WALK_EPT, for_level 0) and
 * returns true with *hpa if the access would succeed; on false,
 * w->fault_kind says which EPT exit it would cause, or w->ept is false
 * when there is no usable EPT pointer; w->why explains.
 */
bool machine_translate_gpa(struct machine *m, uint64_t gpa, int access, uint64_t *hpa, struct walk *w);

/*
 * The contents of the TLB model (paging/tlbmodel.h), read-only, for
 * debuggers: which names a structure; its valid entries are copied to
 * out[0..max) in slot order, and the number of valid entries is returned
 * (which may exceed max), or -1 for an unknown structure.
 */
enum machine_tlb_which {
	MACHINE_TLB_ITLB,       /* instruction TLB: linear -> physical pages */
	MACHINE_TLB_DTLB,       /* data TLB */
	MACHINE_TLB_PSC_PDE,    /* paging-structure cache of PDEs (2 MiB regions -> page table) */
	MACHINE_TLB_PSC_PDPTE,  /* ... of PDPTEs (1 GiB regions -> page directory) */
	MACHINE_TLB_PSC_PML4E,  /* ... of PML4Es (512 GiB regions -> page-directory-pointer table) */
	MACHINE_TLB_GPA,        /* guest-physical TLB: guest-physical -> host-physical pages (EPT) */
	MACHINE_TLB_COUNT
};
struct tlb_entry_info {
	uint64_t page;          /* linear page, the linear region a PSC entry covers, or the guest-physical page */
	uint64_t pa;            /* physical page, the next table (guest-physical for combined PSC entries), or host page */
	uint64_t eptag;         /* 0: linear mapping; EP4TA | 1: combined mapping; guest-physical TLB: the EP4TA */
	uint16_t pcid;          /* PCID tag (not for the guest-physical TLB) */
	uint16_t vpid;          /* VPID tag (not for the guest-physical TLB) */
	uint8_t size_log2;      /* page size, or the region a PSC entry covers (21, 30, 39) */
	uint8_t level;          /* PSC: the cached entry's level (2 PDE, 3 PDPTE, 4 PML4E); else 0 */
	uint8_t ept_rwx;        /* EPT R/W/X rights (combined and guest-physical mappings; 7 otherwise) */
	bool global;            /* G = 1 with CR4.PGE: matches any PCID */
	bool user, writable, nx;/* the rights accumulated (TLBs and PSCs) */
	bool dirty;             /* D was set when cached: a write needs no walk */
};
int machine_tlb_entries(struct machine *m, int which, struct tlb_entry_info *out, int max);

/* Run until something stops the CPU, or max_insns more instructions. */
enum stop_reason machine_run(struct machine *m, uint64_t max_insns);
/* Stop runs once the modelled cycle count reaches `cycles` (UINT64_MAX:
 * no limit, the default). Time that passes in HLT counts too, so a guest
 * halted with interrupts enabled cannot outlive the limit. */
void machine_set_cycle_limit(struct machine *m, uint64_t cycles);
/* Ask a running machine to stop after the current instruction (for
 * devices and front ends). */
void machine_request_stop(struct machine *m, enum stop_reason why);

/* Counters and the outcome of the last run. */
uint64_t machine_icount(const struct machine *m);   /* instructions retired */
uint64_t machine_cycles(const struct machine *m);   /* modelled cycles */
uint64_t machine_cpu_hz(const struct machine *m);   /* modelled cycles per second */
int machine_exit_code(const struct machine *m);     /* value written to port 0xF4 */
/* The last exception delivered or escalated, or NULL if none. */
const struct ev_exception *machine_last_exception(const struct machine *m);
int machine_cpl(const struct machine *m);

/* Output written to the debug console and UART when no console_fn is set. */
const char *machine_console_output(const struct machine *m, size_t *len);

/* Decoded-instruction cache counters (for tests and --stats). */
struct icache_stats {
	uint64_t blocks_built;   /* blocks decoded */
	uint64_t insns_decoded;  /* instructions decoded */
	uint64_t invalidations;  /* blocks dropped because their code was written */
	uint64_t flushes;        /* whole-cache flushes */
};
void machine_icache_stats(const struct machine *m, struct icache_stats *out);

/* The PC platform around the CPU (sim/platform.h): its devices, for
 * loaders, tests and the debugger. */
struct platform *machine_platform(struct machine *m);

/* The event bus. */
int machine_subscribe(struct machine *m, uint32_t mask, ev_fn *fn, void *opaque);
void machine_unsubscribe(struct machine *m, int handle);

/* Disassemble one instruction at a physical address (Intel syntax). */
int machine_disasm(struct machine *m, uint64_t pa, char *buf, size_t len);
/* The same, with the instruction shown as the guest sees it at
 * runtime_address (its linear RIP): relative branch targets and
 * RIP-relative operands are computed from that address. */
int machine_disasm_at(struct machine *m, uint64_t pa, uint64_t runtime_address, char *buf, size_t len);

/* --- boot support --- */

/* Map len bytes of read-only memory (a firmware ROM) at physical address
 * pa: reads return the bytes at data, writes are dropped, as with a PC's
 * flash chip. Code there runs, decoded afresh each time. The machine does
 * not copy data: it must stay valid until machine_free. Returns 0, or -1
 * with a reason in err (the range overlaps a device, or the device table
 * is full). */
int machine_map_rom(struct machine *m, uint64_t pa, const void *data, size_t len,
		    char *err, size_t errlen);

/* machine_start(m, START_PROT32, entry, ...) with the loader's GDT (null,
 * flat 32-bit code 08h, flat data 10h; 32 bytes) at gdt_pa instead of the
 * top of RAM, for loaders that promise the guest all of RAM (Multiboot). */
int machine_start_prot32_gdt(struct machine *m, uint64_t entry, uint64_t gdt_pa,
			     char *err, size_t errlen);

/* --- scenario support --- */
/* Loaders (sim/scenario/) put a machine in any starting state with these:
 * segment registers with their hidden part, the descriptor-table
 * registers, the paging state after direct control-register writes, and
 * the CPU cost profile. */

/* Segment registers, then LDTR and TR. */
enum vt_sreg {
	VT_SREG_ES, VT_SREG_CS, VT_SREG_SS, VT_SREG_DS, VT_SREG_FS, VT_SREG_GS,
	VT_SREG_LDTR, VT_SREG_TR, VT_SREG_COUNT
};

/* A segment register: the selector and its descriptor cache. */
struct vt_segment {
	uint16_t sel;    /* visible selector */
	uint64_t base;   /* hidden: base address */
	uint32_t limit;  /* hidden: limit in bytes (already scaled by G) */
	uint16_t attr;   /* hidden: access rights in the VMCS layout (SDM Vol. 3C, 25.4.1) */
};

void machine_seg_get(struct machine *m, enum vt_sreg s, struct vt_segment *out);
/* Set selector and hidden part as given, without reading a descriptor
 * table or checking anything; the mode and CPL follow CS and SS. */
void machine_seg_set(struct machine *m, enum vt_sreg s, const struct vt_segment *v);

/* GDTR (idt = false) and IDTR: linear base and limit. */
void machine_dtr_get(struct machine *m, bool idt, uint64_t *base, uint16_t *limit);
void machine_dtr_set(struct machine *m, bool idt, uint64_t base, uint16_t limit);

/* After a loader wrote CR0, CR3, CR4 or EFER with machine_reg_set: load
 * the PAE PDPTE registers from CR3 as MOV CR3 does (SDM Vol. 3A, 4.4.1),
 * recompute the mode and flush cached translations. */
void machine_sync_paging(struct machine *m);

/* The CPU cost profile (sim/cost.h); the machine keeps a copy. NULL
 * before any profile was set. */
struct cost_profile;
void machine_set_profile(struct machine *m, const struct cost_profile *p);
const struct cost_profile *machine_profile(const struct machine *m);

/*
 * Snapshots of the whole machine (CPU with its TLB model, RAM, clock,
 * devices), for reverse stepping and restart: take one, restore it later
 * into the same machine (-1 if it is another machine or the CPU profile
 * changed since), free it. Restoring empties the caches that only speed
 * things up; the run continues exactly as it did from the snapshot.
 */
struct machine_snapshot;
struct machine_snapshot *machine_snapshot_take(struct machine *m);
int machine_snapshot_restore(struct machine *m, const struct machine_snapshot *s);
void machine_snapshot_free(struct machine_snapshot *s);

/* Raise the NMI input (taken between instructions unless an NMI handler
 * runs; SDM Vol. 3A, 6.7.1). */
void machine_nmi(struct machine *m);

/* ---- VMX (sim/vmx/) -------------------------------------------------- */

/* Enter VMX root operation as firmware, VMXON, VMCLEAR and VMPTRLD would:
 * IA32_FEATURE_CONTROL locked with VMX enabled, CR4.VMXE = 1, vmcs the
 * current VMCS with launch state clear. Needs protected mode with paging
 * (IA32_VMX_CR0_FIXED0). Returns 0, or -1 with err. */
int machine_vmx_on(struct machine *m, uint64_t vmxon_pa, uint64_t vmcs_pa, char *err, size_t len);
/* Fill the current VMCS: the controls every VMCS needs (capability MSRs'
 * fixed bits, IA-32e mode), the host-state or the guest-state area from
 * the CPU's state now. */
void machine_vmcs_defaults(struct machine *m);
void machine_vmcs_capture_host(struct machine *m);
void machine_vmcs_capture_guest(struct machine *m);
/* A field of the current VMCS by encoding (vmx/vmcs.h); false if there is
 * no current VMCS or the field does not exist. */
bool machine_vmcs_read(struct machine *m, uint32_t enc, uint64_t *val);
bool machine_vmcs_write(struct machine *m, uint32_t enc, uint64_t val);
/* VM entry as VMLAUNCH performs it (every check, guest state, MSRs,
 * injection). Returns 0 in non-root operation, or -1 with why it failed. */
int machine_vmx_launch(struct machine *m, char *err, size_t len);

/* Where the CPU is: 0 outside VMX operation, 1 root, 2 non-root. */
int machine_vmx_mode(const struct machine *m);
struct vmx_stats {
	uint64_t exits, entries, entry_fails; /* VM exits, VM entries, failed VMLAUNCH/VMRESUME */
	uint64_t by_reason[65];               /* VM exits by basic exit reason (Appendix C) */
};
void machine_vmx_stats(const struct machine *m, struct vmx_stats *out);
/* The explanation of the last VM exit, VM entry or VM-entry failure. */
const char *machine_vmx_why(const struct machine *m);
/* Bochs-style untagged TLBs: flush every translation on each VM entry
 * and exit (the `machine.tlb: untagged` switch). */
void machine_set_tlb_untagged(struct machine *m, bool untagged);

#endif
