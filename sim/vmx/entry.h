/* entry.h - the VM-entry check table: one row per check the SDM lists (Vol. 3C, 27.2-27.4). */
#ifndef VTSIM_VMX_ENTRY_H
#define VTSIM_VMX_ENTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "vmcs.h"

struct cpu;


/*
 * What the checks look at: every VMCS field read once, by slot, and the
 * processor that is executing VMLAUNCH/VMRESUME (its mode decides some
 * checks, its memory holds the MSR-load area and the PDPTEs).
 */
struct entry_ctx {
	struct cpu *c;                 /* the processor in VMX root operation */
	uint64_t f[VMCS_SLOTS];        /* the VMCS's field slots as stored (vmcs_key()) */
	uint64_t vmcs;                 /* physical address of the current VMCS */
};

/* Read every field of the current VMCS into x. */
void entry_ctx_load(struct entry_ctx *x, struct cpu *c, uint64_t vmcs);
/* A field's value (the whole 64 bits of a 64-bit field). */
static inline uint64_t ectx(const struct entry_ctx *x, enum vmcs_field f)
{
	return x->f[vmcs_key(f)] & vmcs_width_mask(f);
}

/* The three groups of checks, in the order VM entry performs them. */
enum check_stage {
	CHK_CONTROL,  /* 27.2.1: VMX controls -> VMfailValid(7) */
	CHK_HOST,     /* 27.2.2-27.2.4: host state -> VMfailValid(8) */
	CHK_GUEST,    /* 27.3.1: guest state -> VM exit, reason 33 */
	CHK_MSR_LOAD, /* 27.4: the VM-entry MSR-load area -> VM exit, reason 34 */
};

/*
 * One check. ok() returns true when the VMCS passes it. A failing guest
 * check reports exit qualification qual (27.8 "VM-Entry Failures During
 * or After Loading Guest State": 0 default, 2 PDPTE, 3 NMI injection, 4
 * VMCS link pointer); a failing MSR-load check reports the index of the
 * failing entry plus one, which ok() stores in *msr_index. An MSR-load
 * row looks at every entry of the area (without writing any MSR) and
 * reports the first entry it rejects.
 */
struct vmx_check {
	const char *id;          /* stable name, stage.thing.rule: "guest.cr0.fixed0" */
	uint8_t stage;           /* enum check_stage */
	uint8_t qual;            /* exit qualification for CHK_GUEST */
	const char *section;     /* "27.3.1.1 Checks on Guest Control Registers, Debug Registers, and MSRs" */
	const char *text;        /* one line: what must hold */
	bool (*ok)(const struct entry_ctx *x, uint32_t *msr_index);
};

/* The table, in SDM order; n is set to its length. */
const struct vmx_check *vmx_entry_checks(int *n);
/* The row named id, or NULL. */
const struct vmx_check *vmx_entry_check_by_id(const char *id);

/*
 * Run the checks of one stage in table order. Returns the first row that
 * fails, or NULL if all pass. For CHK_MSR_LOAD it is the row that rejects
 * the lowest-numbered entry (the first such row in table order), as a
 * processor loading the entries one by one would find it, and
 * *msr_index is that entry's 1-based index; otherwise *msr_index is 0.
 * msr_index may be NULL. The MSR-load rows cannot see every reason WRMSR
 * refuses a value: the loader must still fail the entry (reason 34, same
 * index) when cpu_msr_write() refuses one.
 */
const struct vmx_check *vmx_run_entry_checks(const struct entry_ctx *x, enum check_stage stage,
					     uint32_t *msr_index);

#endif
