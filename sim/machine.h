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

#endif
