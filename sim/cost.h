/* cost.h - CPU cost profiles: cycles per instruction class and per micro-architectural event. */
#ifndef VTSIM_COST_H
#define VTSIM_COST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A profile is the data of the cycle-approximate cost model (DESIGN.md,
 * "Cycle-approximate cost model"): what one generation of Intel cores
 * charges for retiring an instruction of each class and for each event
 * the MMU and VMX models report. Profiles live in text files under
 * profiles/ (installed in $(pkgdatadir)/profiles); every figure there
 * names its source or says that it is an estimate, and the loader refuses
 * a figure that does neither.
 */

/* Cycles charged, by what is charged. The names are the file's keys. */
enum cost_item {
	COST_ALU,          /* simple ALU operation or register/memory move */
	COST_MUL,          /* integer multiply */
	COST_DIV,          /* integer divide */
	COST_BRANCH_TAKEN, /* taken branch (conditional or not) */
	COST_CALL_RET,     /* CALL or RET */
	COST_STRING_ITER,  /* one iteration of a REP string instruction */
	COST_SYSTEM,       /* a system instruction (MOV CR, LGDT, CPUID, ...) */
	COST_WALK_REF,     /* one memory reference of a page walk */
	COST_TLB_MISS,     /* fixed part of a TLB miss, before the walk's references */
	COST_PWC_HIT,      /* a paging-structure-cache hit that skips walk levels */
	COST_EXCEPTION,    /* delivering an exception through the IDT */
	COST_INTERRUPT,    /* delivering an external interrupt */
	COST_CR3_WRITE,    /* MOV to CR3 itself */
	COST_TLB_FLUSH,    /* the TLB flush a CR3 write (without PCID) causes */
	COST_VM_EXIT,      /* a VM exit, guest to host RIP */
	COST_VM_ENTRY,     /* a VM entry (VMLAUNCH/VMRESUME), to the guest's first insn */
	COST_COUNT
};

/* Sizes of the translation caches, in entries. */
enum cost_size {
	SIZE_ITLB_4K,      /* instruction TLB, 4 KiB pages */
	SIZE_DTLB_4K,      /* first-level data TLB, 4 KiB pages */
	SIZE_DTLB_2M,      /* first-level data TLB, 2 MiB/4 MiB pages */
	SIZE_DTLB_1G,      /* first-level data TLB, 1 GiB pages (0: none) */
	SIZE_STLB,         /* second-level (shared) TLB, 0 if the generation has none */
	SIZE_PWC,          /* paging-structure-cache entries per level */
	SIZE_COUNT
};

#define COST_NAME_MAX 32
#define COST_DESC_MAX 96

struct cost_profile {
	char name[COST_NAME_MAX];          /* e.g. "skylake"; equals the file's base name */
	char description[COST_DESC_MAX];   /* one line: which CPU */
	uint64_t hz;                       /* nominal core frequency, cycles per second */
	uint32_t cycles[COST_COUNT];       /* cycles per item */
	uint32_t size[SIZE_COUNT];         /* translation-cache entries */
	uint64_t estimates;                /* bit i set: figure i (cost_figure_name) is an estimate */
};

/* Figures in file order: frequency, then the cycles, then the sizes.
 * cost_figure_count() of them; names such as "cycles.div", "tlb.stlb". */
int cost_figure_count(void);
const char *cost_figure_name(int i);
/* The figure index of a cost item or size, for cost_profile.estimates. */
int cost_item_figure(enum cost_item it);
int cost_size_figure(enum cost_size sz);
const char *cost_item_name(enum cost_item it);   /* "div", "vm_exit", ... */

/*
 * Parse a profile from text. path names it in messages. Returns 0, or -1
 * with "PATH:LINE:COL: message (expected ...)" in err.
 */
int cost_parse(const char *text, const char *path, struct cost_profile *out, char *err, size_t errlen);

/* Read and parse a file. Same contract as cost_parse. */
int cost_load_file(const char *path, struct cost_profile *out, char *err, size_t errlen);

/*
 * Find a profile by name in the directories dirs[0..ndirs-1], in order
 * (DIR/NAME.profile). A name containing '/' or ending in ".profile" is a
 * path and is loaded as it is. On failure err says where it looked and
 * lists the profiles it found. Returns 0 or -1.
 */
int cost_find(const char *name, const char *const *dirs, int ndirs, struct cost_profile *out,
	      char *err, size_t errlen);

/* Write "a, b, c" (sorted) of the profiles found in dirs into buf. */
void cost_list(const char *const *dirs, int ndirs, char *buf, size_t len);

#endif
