/* test_vmx.c - VMX instructions, capability MSRs, the exit table, VM entry and VM exit, against the SDM. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "../../sim/devices/lapic.h"
#include "../../sim/platform.h"
#include "../../sim/vmx/vmx.h"
#include "helpers.h"
#include "vmx_harness.h"

/*
 * Expectations come from SDM Vol. 3C: 31.3 (the VMX instructions'
 * Operation sections), 31.4 (VM-instruction error numbers), Appendix A
 * (capability MSRs), 26 (VMX non-root operation), 27 (VM entries), 28
 * (VM exits). Guest and root code are real instruction bytes; each line
 * gives the instruction.
 */

#define EXC_UD 6
#define EXC_GP 13
#define EXC_PF 14
#define CR0_NE (1ull << 5)
#define CR0_TS (1ull << 3)
#define CR0_MP (1ull << 1)
#define CR4_PGE (1ull << 7)
#define CR4_VMXE (1ull << 13)
#define IA32_FEATURE_CONTROL 0x3a

/* The conventions of 31.2: VMsucceed clears CF, PF, AF, ZF, SF, OF;
 * VMfailInvalid sets only CF; VMfailValid sets only ZF. */
#define VM_SUCCEED 0ull
#define VM_FAIL_INVALID TM_CF
#define VM_FAIL_VALID TM_ZF

/* ---- helpers ------------------------------------------------------------ */

/* Run code in root operation with every arithmetic flag set beforehand;
 * it must retire (reach the HLT after it). Returns the arithmetic flags. */
static uint64_t root_flags(struct machine *m, const uint8_t *code, size_t len)
{
	tm_set_flags(m, TM_ARITH);
	enum stop_reason r = vh_root(m, code, len);
	cr_assert_eq(r, STOP_HLT, "stop %s", stop_reason_name(r));
	cr_assert_eq(machine_reg_get(m, VT_RIP), VH_ROOT_CODE + len + 1,
		     "the instruction retired without an exception (VH_VEC %#llx)",
		     (unsigned long long)tm_peek(m, VH_VEC, 1));
	return tm_flags(m);
}

/* Run code in root operation expecting an exception at its first byte; returns the vector. */
static unsigned root_fault(struct machine *m, struct tm_exc_log *log, const uint8_t *code, size_t len)
{
	log->n = 0;
	vh_root(m, code, len);
	cr_assert_geq(log->n, 1, "an exception");
	cr_assert_eq(log->rip[0], VH_ROOT_CODE, "raised at the instruction (a fault)");
	return log->vector[0];
}

/* VMfailValid(err): ZF alone, and the error number in the current VMCS. */
static void expect_fail_valid(struct machine *m, uint64_t flags, unsigned err)
{
	cr_assert_eq(flags, VM_FAIL_VALID, "VMfailValid: ZF alone (flags %#llx)", (unsigned long long)flags);
	cr_assert_eq(vh_rd(m, VM_INSTRUCTION_ERROR), err, "VM-instruction error %u (%s)", err,
		     machine_vmx_why(m));
}

/* The VMX instructions, each alone, with memory operands at VH_DATA. */
struct vmx_insn {
	const char *name;
	uint8_t code[10];
	uint8_t len;
};
static const struct vmx_insn vmx_insns[] = {
	{ "VMXON", { 0xf3, 0x0f, 0xc7, 0x34, 0x25, 0x00, 0x80, 0x00, 0x00 }, 9 },   /* vmxon [0x8000] */
	{ "VMXOFF", { 0x0f, 0x01, 0xc4 }, 3 },                                         /* vmxoff */
	{ "VMCLEAR", { 0x66, 0x0f, 0xc7, 0x34, 0x25, 0x00, 0x80, 0x00, 0x00 }, 9 }, /* vmclear [0x8000] */
	{ "VMPTRLD", { 0x0f, 0xc7, 0x34, 0x25, 0x00, 0x80, 0x00, 0x00 }, 8 },       /* vmptrld [0x8000] */
	{ "VMPTRST", { 0x0f, 0xc7, 0x3c, 0x25, 0x08, 0x80, 0x00, 0x00 }, 8 },       /* vmptrst [0x8008] */
	{ "VMREAD", { 0x0f, 0x78, 0xd0 }, 3 },                                         /* vmread rax, rdx */
	{ "VMWRITE", { 0x0f, 0x79, 0xd0 }, 3 },                                        /* vmwrite rdx, rax */
	{ "VMLAUNCH", { 0x0f, 0x01, 0xc2 }, 3 },                                       /* vmlaunch */
	{ "VMRESUME", { 0x0f, 0x01, 0xc3 }, 3 },                                       /* vmresume */
	{ "VMCALL", { 0x0f, 0x01, 0xc1 }, 3 },                                         /* vmcall */
	{ "INVEPT", { 0x66, 0x0f, 0x38, 0x80, 0x04, 0x25, 0x00, 0x80, 0x00, 0x00 }, 10 },  /* invept rax, [0x8000] */
	{ "INVVPID", { 0x66, 0x0f, 0x38, 0x81, 0x04, 0x25, 0x00, 0x80, 0x00, 0x00 }, 10 }, /* invvpid rax, [0x8000] */
};
#define N_VMX_INSNS (sizeof vmx_insns / sizeof vmx_insns[0])

static const struct vmx_insn *insn_named(const char *name)
{
	for (size_t k = 0; k < N_VMX_INSNS; k++)
		if (strcmp(vmx_insns[k].name, name) == 0)
			return &vmx_insns[k];
	cr_assert_fail("no instruction %s", name);
	return NULL;
}

/* Root code: one VMX instruction with its operands set up in registers and at VH_DATA. */
static uint64_t run_insn(struct machine *m, const char *name, uint64_t rax, uint64_t rdx, uint64_t mem)
{
	const struct vmx_insn *i = insn_named(name);
	machine_reg_set(m, VT_RAX, rax);
	machine_reg_set(m, VT_RDX, rdx);
	tm_poke(m, VH_DATA, 8, mem);
	return root_flags(m, i->code, i->len);
}

/* The 16-byte INVEPT/INVVPID descriptor at VH_DATA. */
static uint64_t run_inv(struct machine *m, const char *name, uint64_t type, uint64_t lo, uint64_t hi)
{
	tm_poke(m, VH_DATA + 8, 8, hi);
	return run_insn(m, name, type, 0, lo);
}

/* The current-VMCS pointer as VMPTRST stores it. */
static uint64_t vmptrst(struct machine *m)
{
	tm_poke(m, VH_DATA + 8, 8, 0x5a5a5a5a5a5a5a5aull);
	cr_assert_eq(run_insn(m, "VMPTRST", 0, 0, 0), VM_SUCCEED);
	return tm_peek(m, VH_DATA + 8, 8);
}

/* ---- 1. VMX instructions: #UD, #GP and VMfail (SDM Vol. 3C, 31.3) ------- */

Test(vmx_insn, ud_outside_vmx_operation_with_cr4_vmxe_clear)
{
	for (size_t k = 0; k < N_VMX_INSNS; k++) {
		struct tm_exc_log log;
		struct machine *m = vh_machine(&log);
		tm_poke(m, VH_VMXON, 4, VMCS_REVISION_ID);
		cr_assert(machine_msr_set(m, IA32_FEATURE_CONTROL, 5));
		cr_assert_eq(root_fault(m, &log, vmx_insns[k].code, vmx_insns[k].len), EXC_UD,
			     "%s with CR4.VMXE = 0 is #UD", vmx_insns[k].name);
		cr_assert_eq(machine_vmx_mode(m), 0);
		machine_free(m);
	}
}

Test(vmx_insn, ud_outside_vmx_operation_with_cr4_vmxe_set)
{
	/* Everything but VMXON is #UD outside VMX operation. */
	for (size_t k = 1; k < N_VMX_INSNS; k++) {
		struct tm_exc_log log;
		struct machine *m = vh_machine(&log);
		vh_prepare_vmxon(m, 5);
		cr_assert_eq(root_fault(m, &log, vmx_insns[k].code, vmx_insns[k].len), EXC_UD,
			     "%s outside VMX operation is #UD", vmx_insns[k].name);
		machine_free(m);
	}
}

Test(vmx_insn, ud_in_compatibility_mode)
{
	for (size_t k = 0; k < N_VMX_INSNS; k++) {
		struct tm_exc_log log;
		struct machine *m = vh_new(&log);
		/* CS: the 32-bit code segment (L = 0) while IA32_EFER.LMA = 1. */
		struct vt_segment cs = { .sel = VH_SEL_CODE32, .base = 0, .limit = 0xffffffff, .attr = 0xc09b };
		machine_seg_set(m, VT_SREG_CS, &cs);
		cr_assert_eq(root_fault(m, &log, vmx_insns[k].code, vmx_insns[k].len), EXC_UD,
			     "%s in compatibility mode is #UD", vmx_insns[k].name);
		machine_free(m);
	}
}

Test(vmx_insn, vmxon_ud_in_real_mode)
{
	struct tm_exc_log log;
	struct machine *m = tm_new(START_REAL16);
	tm_log_exceptions(m, &log);
	tm_poke(m, VH_VMXON, 4, VMCS_REVISION_ID);
	tm_poke(m, VH_DATA, 8, VH_VMXON);
	cr_assert(machine_msr_set(m, IA32_FEATURE_CONTROL, 5));
	machine_reg_set(m, VT_CR4, CR4_VMXE);
	static const uint8_t code[] = { 0xf3, 0x0f, 0xc7, 0x36, 0x00, 0x80 }; /* vmxon [0x8000] (16-bit) */
	tm_load(m, code, sizeof code);
	machine_run(m, 20);
	cr_assert_geq(log.n, 1);
	cr_assert_eq(log.vector[0], EXC_UD, "VMXON in real-address mode is #UD");
	cr_assert_eq(machine_vmx_mode(m), 0);
	machine_free(m);
}

Test(vmx_insn, gp_at_cpl3)
{
	for (size_t k = 0; k < N_VMX_INSNS; k++) {
		struct tm_exc_log log;
		struct machine *m = vh_new(&log);
		struct vt_segment cs = { .sel = VH_SEL_CODE64_U, .base = 0, .limit = 0xffffffff, .attr = 0xa0fb };
		struct vt_segment ss = { .sel = VH_SEL_DATA_U, .base = 0, .limit = 0xffffffff, .attr = 0xc0f3 };
		machine_seg_set(m, VT_SREG_CS, &cs);
		machine_seg_set(m, VT_SREG_SS, &ss);
		cr_assert_eq(machine_cpl(m), 3);
		cr_assert_eq(root_fault(m, &log, vmx_insns[k].code, vmx_insns[k].len), EXC_GP,
			     "%s at CPL 3 in VMX root operation is #GP(0)", vmx_insns[k].name);
		machine_free(m);
	}
}

Test(vmx_insn, vmxon_needs_feature_control_locked_with_vmx)
{
	static const uint64_t bad[] = { 0, 4, 1 }; /* unlocked; unlocked with VMX; locked without */
	for (size_t k = 0; k < 3; k++) {
		struct tm_exc_log log;
		struct machine *m = vh_machine(&log);
		vh_prepare_vmxon(m, bad[k]);
		tm_poke(m, VH_DATA, 8, VH_VMXON);
		cr_assert_eq(root_fault(m, &log, vmx_insns[0].code, vmx_insns[0].len), EXC_GP,
			     "IA32_FEATURE_CONTROL = %llu: #GP(0)", (unsigned long long)bad[k]);
		cr_assert_eq(machine_vmx_mode(m), 0);
		machine_free(m);
	}
	struct machine *m = vh_machine(NULL);
	vh_prepare_vmxon(m, 5);
	cr_assert_eq(run_insn(m, "VMXON", 0, 0, VH_VMXON), VM_SUCCEED);
	cr_assert_eq(machine_vmx_mode(m), 1);
	machine_free(m);
}

Test(vmx_insn, vmxon_fail_invalid_on_bad_pointer_or_revision)
{
	static const uint64_t ptrs[] = { VH_VMXON + 0x10, VH_VMXON | (1ull << 46) };
	for (size_t k = 0; k < 2; k++) {
		struct machine *m = vh_machine(NULL);
		vh_prepare_vmxon(m, 5);
		cr_assert_eq(run_insn(m, "VMXON", 0, 0, ptrs[k]), VM_FAIL_INVALID,
			     "VMXON [%#llx]: VMfailInvalid", (unsigned long long)ptrs[k]);
		cr_assert_eq(machine_vmx_mode(m), 0, "still outside VMX operation");
		machine_free(m);
	}
	struct machine *m = vh_machine(NULL);
	vh_prepare_vmxon(m, 5);
	tm_poke(m, VH_VMXON, 4, VMCS_REVISION_ID + 1);
	cr_assert_eq(run_insn(m, "VMXON", 0, 0, VH_VMXON), VM_FAIL_INVALID, "wrong revision identifier");
	cr_assert_eq(machine_vmx_mode(m), 0);
	machine_free(m);
}

Test(vmx_insn, vmxon_succeeds_without_current_vmcs)
{
	struct machine *m = vh_machine(NULL);
	vh_prepare_vmxon(m, 5);
	cr_assert_eq(run_insn(m, "VMXON", 0, 0, VH_VMXON), VM_SUCCEED, "VMsucceed clears all six flags");
	cr_assert_eq(machine_vmx_mode(m), 1);
	cr_assert_eq(vmptrst(m), ~0ull, "no current VMCS: VMPTRST stores FFFFFFFF_FFFFFFFFH");
	/* VMXON again, with no current VMCS to report in: VMfailInvalid. */
	cr_assert_eq(run_insn(m, "VMXON", 0, 0, VH_VMXON), VM_FAIL_INVALID);
	machine_free(m);
}

Test(vmx_insn, vmxon_in_root_operation_fails_valid_15)
{
	struct machine *m = vh_new(NULL);
	expect_fail_valid(m, run_insn(m, "VMXON", 0, 0, VH_VMXON), VMXERR_VMXON_IN_VMX_ROOT);
	machine_free(m);
}

Test(vmx_insn, vmxoff_leaves_vmx_operation)
{
	struct tm_exc_log log;
	struct machine *m = vh_new(&log);
	cr_assert_eq(run_insn(m, "VMXOFF", 0, 0, 0), VM_SUCCEED);
	cr_assert_eq(machine_vmx_mode(m), 0);
	const struct vmx_insn *i = insn_named("VMREAD");
	cr_assert_eq(root_fault(m, &log, i->code, i->len), EXC_UD, "VMREAD after VMXOFF is #UD");
	machine_free(m);
}

Test(vmx_insn, vmclear_errors_and_success)
{
	struct machine *m = vh_new(NULL);
	expect_fail_valid(m, run_insn(m, "VMCLEAR", 0, 0, VH_VMCS2 + 8), VMXERR_VMCLEAR_INVALID_ADDRESS);
	expect_fail_valid(m, run_insn(m, "VMCLEAR", 0, 0, VH_VMCS2 | (1ull << 46)), VMXERR_VMCLEAR_INVALID_ADDRESS);
	expect_fail_valid(m, run_insn(m, "VMCLEAR", 0, 0, VH_VMXON), VMXERR_VMCLEAR_VMXON_POINTER);
	/* VMCLEAR of another VMCS keeps the current one. */
	cr_assert_eq(run_insn(m, "VMCLEAR", 0, 0, VH_VMCS2), VM_SUCCEED);
	cr_assert_eq(vmptrst(m), VH_VMCS);
	/* VMCLEAR of the current VMCS makes the pointer invalid. */
	cr_assert_eq(run_insn(m, "VMCLEAR", 0, 0, VH_VMCS), VM_SUCCEED);
	cr_assert_eq(vmptrst(m), ~0ull);
	/* ... and a failure now has no VMCS to report in: VMfailInvalid. */
	cr_assert_eq(run_insn(m, "VMCLEAR", 0, 0, VH_VMXON), VM_FAIL_INVALID);
	machine_free(m);
}

Test(vmx_insn, vmptrld_errors_and_success)
{
	struct machine *m = vh_new(NULL);
	expect_fail_valid(m, run_insn(m, "VMPTRLD", 0, 0, VH_VMCS2 + 0x800), VMXERR_VMPTRLD_INVALID_ADDRESS);
	expect_fail_valid(m, run_insn(m, "VMPTRLD", 0, 0, 1ull << 46), VMXERR_VMPTRLD_INVALID_ADDRESS);
	expect_fail_valid(m, run_insn(m, "VMPTRLD", 0, 0, VH_VMXON), VMXERR_VMPTRLD_VMXON_POINTER);
	tm_poke(m, VH_VMCS2, 4, VMCS_REVISION_ID ^ 0x10);
	expect_fail_valid(m, run_insn(m, "VMPTRLD", 0, 0, VH_VMCS2), VMXERR_VMPTRLD_INCORRECT_REVISION_ID);
	cr_assert_eq(vmptrst(m), VH_VMCS, "failures keep the current VMCS");
	tm_poke(m, VH_VMCS2, 4, VMCS_REVISION_ID);
	cr_assert_eq(run_insn(m, "VMPTRLD", 0, 0, VH_VMCS2), VM_SUCCEED);
	cr_assert_eq(vmptrst(m), VH_VMCS2, "VMPTRST stores the current-VMCS pointer");
	machine_free(m);
}

Test(vmx_insn, vmread_vmwrite_without_current_vmcs_fail_invalid)
{
	struct machine *m = vh_new(NULL);
	cr_assert_eq(run_insn(m, "VMCLEAR", 0, 0, VH_VMCS), VM_SUCCEED);
	cr_assert_eq(run_insn(m, "VMREAD", 0, GUEST_RIP, 0), VM_FAIL_INVALID);
	cr_assert_eq(run_insn(m, "VMWRITE", 0x1234, GUEST_RIP, 0), VM_FAIL_INVALID);
	machine_free(m);
}

Test(vmx_insn, vmread_vmwrite_unsupported_field_12)
{
	struct machine *m = vh_new(NULL);
	/* 6C18H: no such field; bit 12 of an encoding is reserved; the HIGH
	 * access type of a natural-width and of a 32-bit field; bits 63:32 of
	 * the encoding register set (Table 25-21). */
	static const uint64_t enc[] = { 0x6c18, 0x1000 | GUEST_RIP, GUEST_RIP | 1, VM_EXIT_REASON | 1,
					(1ull << 32) | GUEST_RIP };
	for (size_t k = 0; k < 5; k++) {
		expect_fail_valid(m, run_insn(m, "VMREAD", 0, enc[k], 0), VMXERR_UNSUPPORTED_VMCS_COMPONENT);
		vh_wr(m, VM_INSTRUCTION_ERROR, 0);
		expect_fail_valid(m, run_insn(m, "VMWRITE", 0, enc[k], 0), VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	}
	machine_free(m);
}

Test(vmx_insn, vmread_vmwrite_values_and_high_half)
{
	struct machine *m = vh_new(NULL);
	cr_assert_eq(run_insn(m, "VMWRITE", 0x1122334455667788ull, TSC_OFFSET, 0), VM_SUCCEED);
	cr_assert_eq(vh_rd(m, TSC_OFFSET), 0x1122334455667788ull);
	cr_assert_eq(run_insn(m, "VMREAD", 0, TSC_OFFSET | 1, 0), VM_SUCCEED);
	cr_assert_eq(machine_reg_get(m, VT_RAX), 0x11223344ull, "the HIGH encoding reads bits 63:32");
	cr_assert_eq(run_insn(m, "VMWRITE", 0xaabbccddull, TSC_OFFSET | 1, 0), VM_SUCCEED);
	cr_assert_eq(vh_rd(m, TSC_OFFSET), 0xaabbccdd55667788ull, "the HIGH encoding writes bits 63:32 only");
	/* A 16-bit field keeps 16 bits. */
	cr_assert_eq(run_insn(m, "VMWRITE", 0xfedc1234ull, VIRTUAL_PROCESSOR_ID, 0), VM_SUCCEED);
	cr_assert_eq(run_insn(m, "VMREAD", 0, VIRTUAL_PROCESSOR_ID, 0), VM_SUCCEED);
	cr_assert_eq(machine_reg_get(m, VT_RAX), 0x1234);
	/* VMREAD to memory: vmread [0x8010], rdx. */
	static const uint8_t rd_mem[] = { 0x0f, 0x78, 0x14, 0x25, 0x10, 0x80, 0x00, 0x00 };
	machine_reg_set(m, VT_RDX, GUEST_RIP);
	tm_poke(m, VH_DATA + 0x10, 8, 0);
	cr_assert_eq(root_flags(m, rd_mem, sizeof rd_mem), VM_SUCCEED);
	cr_assert_eq(tm_peek(m, VH_DATA + 0x10, 8), VH_GUEST_CODE);
	machine_free(m);
}

Test(vmx_insn, vmwrite_to_exit_information_field)
{
	struct machine *m = vh_new(NULL);
	uint64_t misc;
	cr_assert(machine_msr_get(m, IA32_VMX_MISC, &misc));
	cr_assert(misc & (1ull << 29), "IA32_VMX_MISC[29]: VMWRITE to any field");
	cr_assert_eq(run_insn(m, "VMWRITE", 0x1c, VM_EXIT_REASON, 0), VM_SUCCEED);
	cr_assert_eq(vh_rd(m, VM_EXIT_REASON), 0x1c);
	cr_assert_eq(run_insn(m, "VMWRITE", 0x1234, EXIT_QUALIFICATION, 0), VM_SUCCEED);
	cr_assert_eq(vh_rd(m, EXIT_QUALIFICATION), 0x1234);
	machine_free(m);
}

Test(vmx_insn, vmlaunch_and_vmresume_launch_state)
{
	struct machine *m = vh_new(NULL);
	expect_fail_valid(m, run_insn(m, "VMRESUME", 0, 0, 0), VMXERR_VMRESUME_NONLAUNCHED_VMCS);
	vh_set(m, CPU_BASED_VM_EXEC_CONTROL, CPU_HLT_EXITING);
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_HLT);
	expect_fail_valid(m, run_insn(m, "VMLAUNCH", 0, 0, 0), VMXERR_VMLAUNCH_NONCLEAR_VMCS);
	/* VMCLEAR makes it clear again; VMPTRLD it and VMRESUME fails with 5. */
	cr_assert_eq(run_insn(m, "VMCLEAR", 0, 0, VH_VMCS), VM_SUCCEED);
	cr_assert_eq(run_insn(m, "VMPTRLD", 0, 0, VH_VMCS), VM_SUCCEED);
	expect_fail_valid(m, run_insn(m, "VMRESUME", 0, 0, 0), VMXERR_VMRESUME_NONLAUNCHED_VMCS);
	/* No current VMCS: VMfailInvalid. */
	cr_assert_eq(run_insn(m, "VMCLEAR", 0, 0, VH_VMCS), VM_SUCCEED);
	cr_assert_eq(run_insn(m, "VMLAUNCH", 0, 0, 0), VM_FAIL_INVALID);
	cr_assert_eq(run_insn(m, "VMRESUME", 0, 0, 0), VM_FAIL_INVALID);
	machine_free(m);
}

/*
 * VMLAUNCH right after MOV SS, while events are blocked by MOV SS, fails
 * with VMfailValid(26) (SDM Vol. 3C, 31.3 VMLAUNCH/VMRESUME Operation;
 * Table 31-1). Regression: the run loop used to end the blocking before
 * the instruction in the shadow ran.
 */
Test(vmx_insn, vmlaunch_after_mov_ss_fails_valid_26)
{
	struct machine *m = vh_new(NULL);
	static const uint8_t code[] = {
		0x8e, 0xd0,       /* mov ss, eax */
		0x0f, 0x01, 0xc2, /* vmlaunch */
	};
	machine_reg_set(m, VT_RAX, VH_SEL_DATA);
	expect_fail_valid(m, root_flags(m, code, sizeof code), VMXERR_ENTRY_EVENTS_BLOCKED_BY_MOV_SS);
	machine_free(m);
}

Test(vmx_insn, vmresume_continues_the_guest)
{
	struct machine *m = vh_new(NULL);
	static const uint8_t guest[] = {
		0x0f, 0xa2, /* cpuid */
		0x0f, 0xa2, /* cpuid */
	};
	vh_guest(m, guest, sizeof guest);
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_CPUID);
	cr_assert_eq(vh_rd(m, GUEST_RIP), VH_GUEST_CODE);
	vh_wr(m, GUEST_RIP, VH_GUEST_CODE + vh_rd(m, VM_EXIT_INSTRUCTION_LEN));
	const struct vmx_insn *i = insn_named("VMRESUME");
	cr_assert_eq(vh_root(m, i->code, i->len), STOP_HLT);
	cr_assert_eq(machine_vmx_mode(m), 1);
	cr_assert_eq(machine_reg_get(m, VT_RIP), VH_HOST_CODE + 1, "the second CPUID exited to HOST_RIP");
	cr_assert_eq(vh_rd(m, VM_EXIT_REASON), EXIT_REASON_CPUID);
	cr_assert_eq(vh_rd(m, GUEST_RIP), VH_GUEST_CODE + 2);
	struct vmx_stats st;
	machine_vmx_stats(m, &st);
	cr_assert_eq(st.entries, 2);
	cr_assert_eq(st.exits, 2);
	cr_assert_eq(st.by_reason[EXIT_REASON_CPUID], 2);
	machine_free(m);
}

Test(vmx_insn, vmcall_in_root_fails_valid_1)
{
	struct machine *m = vh_new(NULL);
	expect_fail_valid(m, run_insn(m, "VMCALL", 0, 0, 0), VMXERR_VMCALL_IN_ROOT);
	cr_assert_eq(run_insn(m, "VMCLEAR", 0, 0, VH_VMCS), VM_SUCCEED);
	cr_assert_eq(run_insn(m, "VMCALL", 0, 0, 0), VM_FAIL_INVALID);
	machine_free(m);
}

Test(vmx_insn, invept_operands)
{
	struct machine *m = vh_new(NULL);
	const uint64_t eptp = 0x30000 | 6 | (3 << 3); /* WB, 4-level walk */
	expect_fail_valid(m, run_inv(m, "INVEPT", 0, eptp, 0), VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
	vh_wr(m, VM_INSTRUCTION_ERROR, 0);
	expect_fail_valid(m, run_inv(m, "INVEPT", 3, eptp, 0), VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
	vh_wr(m, VM_INSTRUCTION_ERROR, 0);
	/* Single-context with an invalid EPTP: memory type 1 is reserved. */
	expect_fail_valid(m, run_inv(m, "INVEPT", 1, 0x30000 | 1 | (3 << 3), 0), VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
	cr_assert_eq(run_inv(m, "INVEPT", 1, eptp, 0), VM_SUCCEED);
	cr_assert_eq(run_inv(m, "INVEPT", 2, 0, 0), VM_SUCCEED);
	machine_free(m);
}

Test(vmx_insn, invvpid_operands)
{
	struct machine *m = vh_new(NULL);
	const unsigned e = VMXERR_INVALID_INVEPT_INVVPID_OPERAND;
	expect_fail_valid(m, run_inv(m, "INVVPID", 4, 1, 0), e);
	vh_wr(m, VM_INSTRUCTION_ERROR, 0);
	expect_fail_valid(m, run_inv(m, "INVVPID", 0, 0, 0x1000), e); /* VPID 0 */
	vh_wr(m, VM_INSTRUCTION_ERROR, 0);
	expect_fail_valid(m, run_inv(m, "INVVPID", 0, 1, 0x0000800000000000ull), e); /* not canonical */
	vh_wr(m, VM_INSTRUCTION_ERROR, 0);
	expect_fail_valid(m, run_inv(m, "INVVPID", 1, 0, 0), e);
	vh_wr(m, VM_INSTRUCTION_ERROR, 0);
	expect_fail_valid(m, run_inv(m, "INVVPID", 3, 0, 0), e);
	vh_wr(m, VM_INSTRUCTION_ERROR, 0);
	expect_fail_valid(m, run_inv(m, "INVVPID", 2, 1ull << 16, 0), e); /* descriptor bits 63:16 */
	cr_assert_eq(run_inv(m, "INVVPID", 0, 1, 0x1000), VM_SUCCEED);
	cr_assert_eq(run_inv(m, "INVVPID", 1, 1, 0), VM_SUCCEED);
	cr_assert_eq(run_inv(m, "INVVPID", 2, 0, 0), VM_SUCCEED);
	cr_assert_eq(run_inv(m, "INVVPID", 3, 1, 0), VM_SUCCEED);
	machine_free(m);
}

/* ---- 2. Capability MSRs (SDM Vol. 3C, Appendix A) ---------------------- */

static uint64_t cap(struct machine *m, uint32_t msr)
{
	uint64_t v;
	cr_assert(machine_msr_get(m, msr, &v), "capability MSR %#x", msr);
	return v;
}

/* Fields some controls need before VM entry can succeed (27.2.1.1). */
static void control_prerequisites(struct machine *m)
{
	vh_wr(m, IO_BITMAP_A, VH_IO_A);
	vh_wr(m, IO_BITMAP_B, VH_IO_B);
	vh_wr(m, MSR_BITMAP, VH_MSR_BITMAP);
	vh_wr(m, EPT_POINTER, 0x30000 | 6 | (3 << 3));
	vh_wr(m, VIRTUAL_PROCESSOR_ID, 1);
	/* Only where vtsim has these fields (TPR shadow, APIC accesses). */
	machine_vmcs_write(m, VIRTUAL_APIC_PAGE_ADDR, 0x19000);
	machine_vmcs_write(m, APIC_ACCESS_ADDR, 0x1a000);
}

/* Controls that need others (27.2.1.1): set bit b of field, and what it needs. */
static void set_control(struct machine *m, uint32_t field, uint32_t bit)
{
	if (field == PIN_BASED_VM_EXEC_CONTROL && bit == PIN_VIRTUAL_NMIS)
		vh_set(m, field, PIN_NMI_EXITING);
	if (field == CPU_BASED_VM_EXEC_CONTROL && bit == CPU_NMI_WINDOW_EXITING)
		vh_set(m, PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS);
	if (field == VM_EXIT_CONTROLS && bit == EXIT_SAVE_PREEMPTION_TIMER)
		vh_set(m, PIN_BASED_VM_EXEC_CONTROL, PIN_PREEMPTION_TIMER);
	if (field == SECONDARY_VM_EXEC_CONTROL && bit == SEC_UNRESTRICTED_GUEST)
		vh_set2(m, SEC_ENABLE_EPT);
	if (field == SECONDARY_VM_EXEC_CONTROL && bit == SEC_VIRTUALIZE_X2APIC)
		vh_set(m, CPU_BASED_VM_EXEC_CONTROL, CPU_TPR_SHADOW);
	if (field == SECONDARY_VM_EXEC_CONTROL)
		vh_set2(m, bit);
	else
		vh_set(m, field, bit);
}

/* The control fields and their capability MSRs (A.3-A.5). */
static const struct { uint32_t msr, field; } ctl_fields[] = {
	{ IA32_VMX_TRUE_PINBASED_CTLS, PIN_BASED_VM_EXEC_CONTROL },
	{ IA32_VMX_TRUE_PROCBASED_CTLS, CPU_BASED_VM_EXEC_CONTROL },
	{ IA32_VMX_PROCBASED_CTLS2, SECONDARY_VM_EXEC_CONTROL },
	{ IA32_VMX_TRUE_EXIT_CTLS, VM_EXIT_CONTROLS },
	{ IA32_VMX_TRUE_ENTRY_CTLS, VM_ENTRY_CONTROLS },
};

Test(vmx_caps, basic_and_misc_values)
{
	struct machine *m = vh_machine(NULL);
	/* IA32_VMX_BASIC through RDMSR: revision, 4096-byte region, WB, INS/OUTS info, TRUE MSRs. */
	static const uint8_t code[] = {
		0xb9, 0x80, 0x04, 0x00, 0x00, /* mov ecx, 0x480 */
		0x0f, 0x32,                   /* rdmsr */
	};
	tm_run_bytes(m, code, sizeof code);
	cr_assert_eq(machine_reg_get(m, VT_RAX), VMCS_REVISION_ID);
	cr_assert_eq(machine_reg_get(m, VT_RDX), 0x1000u | (6u << 18) | (1u << 22) | (1u << 23));
	uint64_t misc = cap(m, IA32_VMX_MISC);
	cr_assert_eq((misc >> 16) & 0x1ff, 4, "four CR3-target values");
	cr_assert_eq(cap(m, IA32_VMX_CR0_FIXED0), 0x80000021ull, "PE, NE, PG fixed to 1");
	cr_assert_eq(cap(m, IA32_VMX_CR4_FIXED0), CR4_VMXE, "VMXE fixed to 1");
	machine_free(m);
}

Test(vmx_caps, every_allowed_control_can_be_set)
{
	for (size_t k = 0; k < 5; k++) {
		for (unsigned b = 0; b < 32; b++) {
			struct machine *m = vh_new(NULL);
			uint64_t c = cap(m, ctl_fields[k].msr);
			uint32_t bit = 1u << b;
			if (!((c >> 32) & bit)) {
				machine_free(m);
				continue;
			}
			cr_assert_eq(vh_rd(m, ctl_fields[k].field) & (uint32_t)c, (uint32_t)c, "defaults hold the allowed-0 bits");
			control_prerequisites(m);
			set_control(m, ctl_fields[k].field, bit);
			char err[300];
			cr_assert_eq(machine_vmx_launch(m, err, sizeof err), 0,
				     "MSR %#x allows bit %u of field %#x, but VM entry fails: %s", ctl_fields[k].msr, b,
				     ctl_fields[k].field, err);
			machine_free(m);
		}
	}
}

Test(vmx_caps, disallowed_controls_fail_entry_with_7)
{
	/* In each control field, every bit the allowed-1 settings leave 0. */
	for (size_t k = 0; k < 5; k++) {
		for (unsigned b = 0; b < 32; b++) {
			struct machine *m = vh_new(NULL);
			uint32_t allowed1 = (uint32_t)(cap(m, ctl_fields[k].msr) >> 32);
			if (allowed1 & (1u << b)) {
				machine_free(m);
				continue;
			}
			control_prerequisites(m);
			if (ctl_fields[k].field == SECONDARY_VM_EXEC_CONTROL)
				vh_set2(m, 1u << b);
			else
				vh_set(m, ctl_fields[k].field, 1u << b);
			const struct vmx_insn *i = insn_named("VMLAUNCH");
			uint64_t fl = root_flags(m, i->code, i->len);
			cr_assert_eq(fl, VM_FAIL_VALID, "bit %u of field %#x is not allowed: VMfailValid", b,
				     ctl_fields[k].field);
			cr_assert_eq(vh_rd(m, VM_INSTRUCTION_ERROR), VMXERR_ENTRY_INVALID_CONTROL_FIELD);
			cr_assert_eq(machine_vmx_mode(m), 1);
			machine_free(m);
		}
	}
}

Test(vmx_caps, true_msrs_allowed0)
{
	struct machine *m = vh_new(NULL);
	/* The default1 controls a TRUE MSR lets a hypervisor clear (A.2). */
	cr_assert_eq((uint32_t)cap(m, IA32_VMX_PROCBASED_CTLS) & ~(uint32_t)cap(m, IA32_VMX_TRUE_PROCBASED_CTLS),
		     CPU_CR3_LOAD_EXITING | CPU_CR3_STORE_EXITING);
	cr_assert_eq((uint32_t)cap(m, IA32_VMX_EXIT_CTLS) & ~(uint32_t)cap(m, IA32_VMX_TRUE_EXIT_CTLS),
		     EXIT_SAVE_DEBUG_CONTROLS);
	cr_assert_eq((uint32_t)cap(m, IA32_VMX_ENTRY_CTLS) & ~(uint32_t)cap(m, IA32_VMX_TRUE_ENTRY_CTLS),
		     ENTRY_LOAD_DEBUG_CONTROLS);
	cr_assert_eq((uint32_t)cap(m, IA32_VMX_PINBASED_CTLS), (uint32_t)cap(m, IA32_VMX_TRUE_PINBASED_CTLS));
	/* With those clear, VM entry works (the defaults are the TRUE allowed-0 settings). */
	vh_clr(m, CPU_BASED_VM_EXEC_CONTROL, CPU_CR3_LOAD_EXITING | CPU_CR3_STORE_EXITING);
	vh_clr(m, VM_EXIT_CONTROLS, EXIT_SAVE_DEBUG_CONTROLS);
	vh_clr(m, VM_ENTRY_CONTROLS, ENTRY_LOAD_DEBUG_CONTROLS);
	char err[300];
	cr_assert_eq(machine_vmx_launch(m, err, sizeof err), 0, "%s", err);
	machine_free(m);
	/* A bit the TRUE MSR still fixes to 1 (primary bit 1) cannot be cleared. */
	m = vh_new(NULL);
	vh_clr(m, CPU_BASED_VM_EXEC_CONTROL, 1u << 1);
	const struct vmx_insn *i = insn_named("VMLAUNCH");
	expect_fail_valid(m, root_flags(m, i->code, i->len), VMXERR_ENTRY_INVALID_CONTROL_FIELD);
	machine_free(m);
}

Test(vmx_caps, vmxon_enforces_cr0_fixed0)
{
	struct tm_exc_log log;
	struct machine *m = vh_machine(&log);
	vh_prepare_vmxon(m, 5);
	tm_poke(m, VH_DATA, 8, VH_VMXON);
	machine_reg_set(m, VT_CR0, machine_reg_get(m, VT_CR0) & ~CR0_NE);
	cr_assert_eq(root_fault(m, &log, vmx_insns[0].code, vmx_insns[0].len), EXC_GP,
		     "VMXON with CR0.NE = 0 (IA32_VMX_CR0_FIXED0) is #GP(0)");
	cr_assert_eq(machine_vmx_mode(m), 0);
	machine_free(m);
}

/* mov rax, cr0 ; btr rax, 5 ; mov cr0, rax  (clear CR0.NE) */
static const uint8_t clear_ne[] = { 0x0f, 0x20, 0xc0, 0x48, 0x0f, 0xba, 0xf0, 0x05, 0x0f, 0x22, 0xc0 };
/* mov rax, cr4 ; btr rax, 13 ; mov cr4, rax  (clear CR4.VMXE) */
static const uint8_t clear_vmxe[] = { 0x0f, 0x20, 0xe0, 0x48, 0x0f, 0xba, 0xf0, 0x0d, 0x0f, 0x22, 0xe0 };

Test(vmx_caps, mov_cr_in_vmx_operation_keeps_fixed_bits)
{
	struct tm_exc_log log;
	struct machine *m = vh_new(&log);
	log.n = 0;
	vh_root(m, clear_ne, sizeof clear_ne);
	cr_assert_eq(log.n, 1);
	cr_assert_eq(log.vector[0], EXC_GP, "clearing CR0.NE in VMX operation is #GP(0)");
	cr_assert_eq(log.rip[0], VH_ROOT_CODE + 8);
	cr_assert(machine_reg_get(m, VT_CR0) & CR0_NE);
	log.n = 0;
	vh_root(m, clear_vmxe, sizeof clear_vmxe);
	cr_assert_eq(log.n, 1);
	cr_assert_eq(log.vector[0], EXC_GP, "clearing CR4.VMXE in VMX operation is #GP(0)");
	cr_assert(machine_reg_get(m, VT_CR4) & CR4_VMXE);
	machine_free(m);

	/* Outside VMX operation both writes are fine. */
	m = vh_machine(&log);
	machine_reg_set(m, VT_CR4, machine_reg_get(m, VT_CR4) | CR4_VMXE);
	root_flags(m, clear_ne, sizeof clear_ne);
	cr_assert_not(machine_reg_get(m, VT_CR0) & CR0_NE);
	root_flags(m, clear_vmxe, sizeof clear_vmxe);
	cr_assert_not(machine_reg_get(m, VT_CR4) & CR4_VMXE);
	cr_assert_eq(log.n, 0);
	machine_free(m);
}

/* ---- 3. The exit table (SDM Vol. 3C, 26.1, 26.2; sim/vmx/exits.c) ------- */

/* EPT for the guest (29.3.2): PML4 30000H, PDPT 31000H, PD 32000H; 0-2 MiB
 * RWX write-back, 2-4 MiB as pd1 says (a 2-MByte leaf). */
#define EPT_PML4 0x30000ull
#define EPT_LEAF_2M(pa, rwx) ((pa) | 0x80 | (6u << 3) | (rwx))
static void ept_tables(struct machine *m, uint64_t pd1)
{
	tm_poke(m, EPT_PML4, 8, 0x31000 | 7);
	tm_poke(m, 0x31000, 8, 0x32000 | 7);
	tm_poke(m, 0x32000, 8, EPT_LEAF_2M(0, 7));
	tm_poke(m, 0x32008, 8, pd1);
	vh_wr(m, EPT_POINTER, EPT_PML4 | 6 | (3 << 3));
	vh_set2(m, SEC_ENABLE_EPT);
}

/* Per-row set-up: `on` makes the cause exit (CUSTOM rows), or adds what
 * the instruction needs in both runs (bit-controlled rows). */
static void su_invpcid(struct machine *m, bool on) { (void)on; vh_set2(m, SEC_ENABLE_INVPCID); }
static void su_rdtscp(struct machine *m, bool on) { (void)on; vh_set2(m, SEC_ENABLE_RDTSCP); }
static void su_cr0(struct machine *m, bool on)
{
	vh_wr(m, CR0_GUEST_HOST_MASK, on ? CR0_TS : 0);
	vh_wr(m, CR0_READ_SHADOW, 0);
}
static void su_cr3(struct machine *m, bool on)
{
	if (on)
		vh_set(m, CPU_BASED_VM_EXEC_CONTROL, CPU_CR3_LOAD_EXITING);
}
static void su_cr4(struct machine *m, bool on)
{
	vh_wr(m, CR4_GUEST_HOST_MASK, on ? CR4_PGE : 0);
	vh_wr(m, CR4_READ_SHADOW, 0);
}
static void su_clts(struct machine *m, bool on)
{
	vh_wr(m, CR0_GUEST_HOST_MASK, on ? CR0_TS : 0);
	vh_wr(m, CR0_READ_SHADOW, CR0_TS);
}
static void su_lmsw(struct machine *m, bool on)
{
	vh_wr(m, CR0_GUEST_HOST_MASK, on ? CR0_MP : 0);
	vh_wr(m, CR0_READ_SHADOW, 0);
}
static void su_io(struct machine *m, bool on)
{
	if (on)
		vh_set(m, CPU_BASED_VM_EXEC_CONTROL, CPU_UNCOND_IO_EXITING);
}
static void su_msr(struct machine *m, bool on)
{
	/* Off: MSR bitmaps of zeros; on: no bitmaps, every RDMSR/WRMSR exits. */
	if (!on) {
		vh_wr(m, MSR_BITMAP, VH_MSR_BITMAP);
		vh_set(m, CPU_BASED_VM_EXEC_CONTROL, CPU_USE_MSR_BITMAPS);
	}
}
static void su_dtr(struct machine *m, bool on)
{
	(void)on;
	/* Pseudo-descriptors for LGDT and LIDT: the tables in use. */
	tm_poke(m, VH_DATA + 0x100, 2, VH_GDT_LIMIT);
	tm_poke(m, VH_DATA + 0x102, 8, VH_GDT);
	tm_poke(m, VH_DATA + 0x110, 2, 0xfff);
	tm_poke(m, VH_DATA + 0x112, 8, VH_IDT);
}
static void su_exception(struct machine *m, bool on) { vh_wr(m, EXCEPTION_BITMAP, on ? 1u << EXC_UD : 0); }
static void su_extint(struct machine *m, bool on)
{
	(void)on;
	struct lapic *l = platform_lapic(machine_platform(m));
	lapic_write(l, 0x0f0, 0x1ff); /* software-enable the local APIC */
	lapic_accept(l, 0x40);
}
static void su_nmi(struct machine *m, bool on)
{
	(void)on;
	platform_raise_nmi(machine_platform(m));
}
static void su_nmi_window(struct machine *m, bool on)
{
	(void)on;
	vh_set(m, PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS);
}
static void su_triple(struct machine *m, bool on)
{
	(void)on;
	vh_wr(m, GUEST_IDTR_LIMIT, 0);
}
static void su_tpr(struct machine *m, bool on)
{
	(void)on;
	/* VTPR 60H, threshold 5: the guest's MOV to CR8 of 1 drops VTPR[7:4] below it. */
	machine_vmcs_write(m, VIRTUAL_APIC_PAGE_ADDR, 0x19000);
	machine_vmcs_write(m, TPR_THRESHOLD, 5);
	tm_poke(m, 0x19080, 4, 0x60);
}
/* The APIC-access page at 1A000H (RAM); no TPR shadow: every access exits. */
static void su_apic_access(struct machine *m, bool on)
{
	(void)on;
	machine_vmcs_write(m, APIC_ACCESS_ADDR, 0x1a000);
}
/* PAUSE-loop exiting: PAUSEs at most 200 TSC ticks apart form a loop,
 * which exits once it has gone on for more than 100 ticks. */
static void su_ple(struct machine *m, bool on)
{
	if (on)
		vh_set2(m, SEC_PAUSE_LOOP_EXITING);
	machine_vmcs_write(m, PLE_GAP, 200);
	machine_vmcs_write(m, PLE_WINDOW, 100);
}
static void su_preempt(struct machine *m, bool on)
{
	(void)on;
	machine_vmcs_write(m, VMX_PREEMPTION_TIMER_VALUE, 0);
}
static void su_ept_violation(struct machine *m, bool on) { ept_tables(m, EPT_LEAF_2M(0x200000ull, on ? 5 : 7)); }
static void su_ept_misconfig(struct machine *m, bool on) { ept_tables(m, EPT_LEAF_2M(0x200000ull, on ? 2 : 7)); }

/* One row's test: a guest snippet and what its VM exit records. */
struct exit_case {
	int cause;                /* enum vmx_cause */
	const uint8_t *code;      /* guest snippet (HLT follows) */
	size_t len;
	unsigned at;              /* GUEST_RIP - VH_GUEST_CODE saved by the exit */
	unsigned ilen;            /* VM-exit instruction length (0: not checked) */
	uint64_t qual;            /* exit qualification */
	bool no_qual;             /* qualification not checked */
	uint32_t info, info_mask; /* VM-exit instruction information, its defined bits */
	uint32_t intr_info;       /* VM-exit interruption information (0: not checked) */
	void (*setup)(struct machine *m, bool on);
	int off_vec;              /* control clear: -1 the guest reaches its HLT, -2 any, else a vector */
	bool ud;                  /* #UD has priority over the exit (26.1.1) */
};

/* Instruction information for memory operands [disp32] in 64-bit mode
 * (Table 28-13): address size 64 (2 << 7), DS (3 << 15), no index (bit
 * 22), no base (bit 27). */
#define INFO_ABS 0x08418100u
#define MASK_MEM 0x0fff8783u     /* scaling, address size, bit 10, segment, index, base */
#define MASK_MEM_REG2 0xffff8783u
#define MASK_DTR 0x3fff8783u     /* Table 28-15 without operand size (undefined in 64-bit mode) */
#define MASK_LDTR_REG 0x30000478u /* Table 28-16, register operand: reg1, bit 10, identity */
#define MASK_VMRW_REG 0xf0000478u /* Table 28-14, register operand: reg1, bit 10, reg2 */

static const uint8_t g_cpuid[] = { 0x0f, 0xa2 };                    /* cpuid */
static const uint8_t g_getsec[] = { 0x0f, 0x37 };                   /* getsec */
static const uint8_t g_invd[] = { 0x0f, 0x08 };                     /* invd */
static const uint8_t g_xsetbv[] = { 0x0f, 0x01, 0xd1 };             /* xsetbv */
static const uint8_t g_vmcall[] = { 0x0f, 0x01, 0xc1 };             /* vmcall */
static const uint8_t g_vmclear[] = { 0x66, 0x0f, 0xc7, 0x74, 0x8b, 0x10 }; /* vmclear [rbx+rcx*4+0x10] */
static const uint8_t g_vmlaunch[] = { 0x0f, 0x01, 0xc2 };           /* vmlaunch */
static const uint8_t g_vmptrld[] = { 0x0f, 0xc7, 0x34, 0x25, 0x00, 0x80, 0x00, 0x00 }; /* vmptrld [0x8000] */
static const uint8_t g_vmptrst[] = { 0x0f, 0xc7, 0x3c, 0x25, 0x00, 0x80, 0x00, 0x00 }; /* vmptrst [0x8000] */
static const uint8_t g_vmread[] = { 0x0f, 0x78, 0xcb };             /* vmread rbx, rcx */
static const uint8_t g_vmresume[] = { 0x0f, 0x01, 0xc3 };           /* vmresume */
static const uint8_t g_vmwrite[] = { 0x0f, 0x79, 0xcb };            /* vmwrite rcx, rbx */
static const uint8_t g_vmxoff[] = { 0x0f, 0x01, 0xc4 };             /* vmxoff */
static const uint8_t g_vmxon[] = { 0xf3, 0x0f, 0xc7, 0x34, 0x25, 0x00, 0x80, 0x00, 0x00 }; /* vmxon [0x8000] */
static const uint8_t g_invept[] = { 0x66, 0x0f, 0x38, 0x80, 0x14, 0x25, 0x00, 0x80, 0x00, 0x00 }; /* invept rdx, [0x8000] */
static const uint8_t g_invvpid[] = { 0x66, 0x0f, 0x38, 0x81, 0x34, 0x25, 0x00, 0x80, 0x00, 0x00 }; /* invvpid rsi, [0x8000] */
static const uint8_t g_hlt[] = { 0xf4 };                            /* hlt (vh_guest appends it) */
static const uint8_t g_invlpg[] = { 0x0f, 0x01, 0x3c, 0x25, 0x56, 0x34, 0x12, 0x00 }; /* invlpg [0x123456] */
static const uint8_t g_invpcid[] = {
	0xb8, 0x02, 0x00, 0x00, 0x00,                                     /* mov eax, 2 */
	0x66, 0x48, 0x0f, 0x38, 0x82, 0x04, 0x25, 0x00, 0x80, 0x00, 0x00, /* invpcid rax, [0x8000] */
};
static const uint8_t g_rdpmc[] = { 0x0f, 0x33 };                    /* rdpmc */
static const uint8_t g_rdtsc[] = { 0x0f, 0x31 };                    /* rdtsc */
static const uint8_t g_rdtscp[] = { 0x0f, 0x01, 0xf9 };             /* rdtscp */
static const uint8_t g_mwait[] = { 0x0f, 0x01, 0xc9 };              /* mwait */
static const uint8_t g_monitor[] = { 0x0f, 0x01, 0xc8 };            /* monitor */
static const uint8_t g_pause[] = { 0xf3, 0x90 };                    /* pause */
static const uint8_t g_wbinvd[] = { 0x0f, 0x09 };                   /* wbinvd */
static const uint8_t g_mov_to_cr0[] = {
	0x0f, 0x20, 0xc3,             /* mov rbx, cr0 */
	0x48, 0x0f, 0xba, 0xeb, 0x03, /* bts rbx, 3 */
	0x0f, 0x22, 0xc3,             /* mov cr0, rbx */
};
static const uint8_t g_mov_to_cr3[] = {
	0x0f, 0x20, 0xd9, /* mov rcx, cr3 */
	0x0f, 0x22, 0xd9, /* mov cr3, rcx */
};
static const uint8_t g_mov_from_cr3[] = { 0x0f, 0x20, 0xda };       /* mov rdx, cr3 */
static const uint8_t g_mov_to_cr4[] = {
	0x0f, 0x20, 0xe6,                   /* mov rsi, cr4 */
	0x81, 0xce, 0x80, 0x00, 0x00, 0x00, /* or esi, 0x80 */
	0x0f, 0x22, 0xe6,                   /* mov cr4, rsi */
};
static const uint8_t g_mov_to_cr8[] = {
	0x45, 0x31, 0xc9,       /* xor r9d, r9d */
	0x45, 0x0f, 0x22, 0xc1, /* mov cr8, r9 */
};
static const uint8_t g_read_apic_f0[] = { 0x8b, 0x04, 0x25, 0xf0, 0xa0, 0x01, 0x00 }; /* mov eax, [0x1a0f0] */
static const uint8_t g_pause_loop[] = {
	0xb9, 0x64, 0x00, 0x00, 0x00, /* mov ecx, 100 */
	0xf3, 0x90,                   /* .l: pause */
	0xff, 0xc9,                   /* dec ecx */
	0x75, 0xfa,                   /* jnz .l */
};
static const uint8_t g_mov_from_cr8[] = { 0x45, 0x0f, 0x20, 0xc2 }; /* mov r10, cr8 */
static const uint8_t g_clts[] = { 0x0f, 0x06 };                     /* clts */
static const uint8_t g_lmsw[] = {
	0xb8, 0x33, 0x00, 0x00, 0x00, /* mov eax, 0x33 */
	0x0f, 0x01, 0xf0,             /* lmsw ax */
};
static const uint8_t g_mov_dr[] = { 0x0f, 0x21, 0xf8 };             /* mov rax, dr7 */
static const uint8_t g_io[] = { 0xe6, 0x80 };                       /* out 0x80, al */
static const uint8_t g_rdmsr[] = {
	0xb9, 0x1b, 0x00, 0x00, 0x00, /* mov ecx, 0x1b */
	0x0f, 0x32,                   /* rdmsr */
};
static const uint8_t g_wrmsr[] = {
	0x31, 0xc0,                   /* xor eax, eax */
	0x31, 0xd2,                   /* xor edx, edx */
	0xb9, 0x02, 0x01, 0x00, 0xc0, /* mov ecx, 0xc0000102 (IA32_KERNEL_GS_BASE) */
	0x0f, 0x30,                   /* wrmsr */
};
static const uint8_t g_lgdt[] = { 0x0f, 0x01, 0x14, 0x25, 0x00, 0x81, 0x00, 0x00 }; /* lgdt [0x8100] */
static const uint8_t g_lidt[] = { 0x0f, 0x01, 0x1c, 0x25, 0x10, 0x81, 0x00, 0x00 }; /* lidt [0x8110] */
static const uint8_t g_sgdt[] = { 0x0f, 0x01, 0x04, 0x25, 0x00, 0x82, 0x00, 0x00 }; /* sgdt [0x8200] */
static const uint8_t g_sidt[] = { 0x0f, 0x01, 0x0c, 0x25, 0x00, 0x82, 0x00, 0x00 }; /* sidt [0x8200] */
static const uint8_t g_lldt[] = {
	0x31, 0xc0,       /* xor eax, eax */
	0x0f, 0x00, 0xd0, /* lldt ax */
};
static const uint8_t g_ltr[] = { 0x0f, 0x00, 0xd9 };                /* ltr cx */
static const uint8_t g_sldt[] = { 0x66, 0x0f, 0x00, 0xc0 };         /* sldt ax */
static const uint8_t g_str[] = { 0x0f, 0x00, 0x0c, 0x25, 0x00, 0x82, 0x00, 0x00 }; /* str [0x8200] */
static const uint8_t g_ud2[] = { 0x0f, 0x0b };                      /* ud2 */
static const uint8_t g_nop[] = { 0x90 };                            /* nop */
static const uint8_t g_sti_nops[] = { 0xfb, 0x90, 0x90 };           /* sti ; nop ; nop */
static const uint8_t g_nops[] = { 0x90, 0x90 };                     /* nop ; nop */
static const uint8_t g_store_2m[] = { 0xc6, 0x04, 0x25, 0x00, 0x00, 0x20, 0x00, 0x01 }; /* mov byte [0x200000], 1 */

static const struct exit_case exit_cases[] = {
	{ .cause = VXC_CPUID, .code = g_cpuid, .len = sizeof g_cpuid, .ilen = 2 },
	{ .cause = VXC_GETSEC, .code = g_getsec, .len = sizeof g_getsec, .ud = true },
	{ .cause = VXC_INVD, .code = g_invd, .len = sizeof g_invd, .ilen = 2 },
	{ .cause = VXC_XSETBV, .code = g_xsetbv, .len = sizeof g_xsetbv, .ud = true },
	{ .cause = VXC_VMCALL, .code = g_vmcall, .len = sizeof g_vmcall, .ilen = 3 },
	{ .cause = VXC_VMCLEAR, .code = g_vmclear, .len = sizeof g_vmclear, .ilen = 6, .qual = 0x10,
	  /* scaling 4 (2), address size 64, DS, index RCX (1), base RBX (3) */
	  .info = 2 | (2u << 7) | (3u << 15) | (1u << 18) | (3u << 23), .info_mask = MASK_MEM },
	{ .cause = VXC_VMLAUNCH, .code = g_vmlaunch, .len = sizeof g_vmlaunch, .ilen = 3 },
	{ .cause = VXC_VMPTRLD, .code = g_vmptrld, .len = sizeof g_vmptrld, .ilen = 8, .qual = 0x8000,
	  .info = INFO_ABS, .info_mask = MASK_MEM },
	{ .cause = VXC_VMPTRST, .code = g_vmptrst, .len = sizeof g_vmptrst, .ilen = 8, .qual = 0x8000,
	  .info = INFO_ABS, .info_mask = MASK_MEM },
	/* Register operands: reg1 = RBX (3) in 6:3, bit 10, reg2 = RCX (1) in 31:28. */
	{ .cause = VXC_VMREAD, .code = g_vmread, .len = sizeof g_vmread, .ilen = 3,
	  .info = (3u << 3) | (1u << 10) | (1u << 28), .info_mask = MASK_VMRW_REG },
	{ .cause = VXC_VMRESUME, .code = g_vmresume, .len = sizeof g_vmresume, .ilen = 3 },
	{ .cause = VXC_VMWRITE, .code = g_vmwrite, .len = sizeof g_vmwrite, .ilen = 3,
	  .info = (3u << 3) | (1u << 10) | (1u << 28), .info_mask = MASK_VMRW_REG },
	{ .cause = VXC_VMXOFF, .code = g_vmxoff, .len = sizeof g_vmxoff, .ilen = 3 },
	{ .cause = VXC_VMXON, .code = g_vmxon, .len = sizeof g_vmxon, .ilen = 9, .qual = 0x8000,
	  .info = INFO_ABS, .info_mask = MASK_MEM },
	{ .cause = VXC_INVEPT, .code = g_invept, .len = sizeof g_invept, .ilen = 10, .qual = 0x8000,
	  .info = INFO_ABS | (2u << 28), .info_mask = MASK_MEM_REG2 },
	{ .cause = VXC_INVVPID, .code = g_invvpid, .len = sizeof g_invvpid, .ilen = 10, .qual = 0x8000,
	  .info = INFO_ABS | (6u << 28), .info_mask = MASK_MEM_REG2 },
	{ .cause = VXC_HLT, .code = g_hlt, .len = 0, .ilen = 1, .off_vec = -1 },
	{ .cause = VXC_INVLPG, .code = g_invlpg, .len = sizeof g_invlpg, .ilen = 8, .qual = 0x123456, .off_vec = -1 },
	{ .cause = VXC_INVPCID, .code = g_invpcid, .len = sizeof g_invpcid, .at = 5, .ilen = 11, .qual = 0x8000,
	  .info = INFO_ABS, .info_mask = MASK_MEM_REG2, .setup = su_invpcid, .off_vec = -1 },
	{ .cause = VXC_RDPMC, .code = g_rdpmc, .len = sizeof g_rdpmc, .ilen = 2, .off_vec = EXC_GP },
	{ .cause = VXC_RDTSC, .code = g_rdtsc, .len = sizeof g_rdtsc, .ilen = 2, .off_vec = -1 },
	{ .cause = VXC_RDTSCP, .code = g_rdtscp, .len = sizeof g_rdtscp, .ilen = 3, .setup = su_rdtscp, .off_vec = -1 },
	{ .cause = VXC_MWAIT, .code = g_mwait, .len = sizeof g_mwait, .ud = true },
	{ .cause = VXC_MONITOR, .code = g_monitor, .len = sizeof g_monitor, .ud = true },
	{ .cause = VXC_PAUSE, .code = g_pause, .len = sizeof g_pause, .ilen = 2, .off_vec = -1 },
	{ .cause = VXC_WBINVD, .code = g_wbinvd, .len = sizeof g_wbinvd, .ilen = 2, .off_vec = -1 },
	/* Table 28-3: CR number 3:0, access type 5:4, LMSW operand type 6, GPR 11:8, LMSW data 31:16. */
	{ .cause = VXC_MOV_TO_CR0, .code = g_mov_to_cr0, .len = sizeof g_mov_to_cr0, .at = 8, .ilen = 3,
	  .qual = 0x300, .setup = su_cr0, .off_vec = -1 },
	{ .cause = VXC_MOV_TO_CR3, .code = g_mov_to_cr3, .len = sizeof g_mov_to_cr3, .at = 3, .ilen = 3,
	  .qual = 0x103, .setup = su_cr3, .off_vec = -1 },
	{ .cause = VXC_MOV_FROM_CR3, .code = g_mov_from_cr3, .len = sizeof g_mov_from_cr3, .ilen = 3,
	  .qual = 0x213, .off_vec = -1 },
	{ .cause = VXC_MOV_TO_CR4, .code = g_mov_to_cr4, .len = sizeof g_mov_to_cr4, .at = 9, .ilen = 3,
	  .qual = 0x604, .setup = su_cr4, .off_vec = -1 },
	{ .cause = VXC_MOV_TO_CR8, .code = g_mov_to_cr8, .len = sizeof g_mov_to_cr8, .at = 3, .ilen = 4,
	  .qual = 0x908, .off_vec = -1 },
	{ .cause = VXC_MOV_FROM_CR8, .code = g_mov_from_cr8, .len = sizeof g_mov_from_cr8, .ilen = 4,
	  .qual = 0xa18, .off_vec = -1 },
	{ .cause = VXC_CLTS, .code = g_clts, .len = sizeof g_clts, .ilen = 2, .qual = 0x20, .setup = su_clts,
	  .off_vec = -1 },
	{ .cause = VXC_LMSW, .code = g_lmsw, .len = sizeof g_lmsw, .at = 5, .ilen = 3, .qual = 0x00330030,
	  .setup = su_lmsw, .off_vec = -1 },
	/* Table 28-4: DR number 2:0, direction 4 (1 = from DR), GPR 11:8. */
	{ .cause = VXC_MOV_DR, .code = g_mov_dr, .len = sizeof g_mov_dr, .ilen = 3, .qual = 0x17, .off_vec = -1 },
	/* Table 28-5: size - 1, direction, string, REP, immediate (bit 6), port 31:16. */
	{ .cause = VXC_IO, .code = g_io, .len = sizeof g_io, .ilen = 2, .qual = 0x00800040, .setup = su_io,
	  .off_vec = -1 },
	{ .cause = VXC_RDMSR, .code = g_rdmsr, .len = sizeof g_rdmsr, .at = 5, .ilen = 2, .setup = su_msr, .off_vec = -1 },
	{ .cause = VXC_WRMSR, .code = g_wrmsr, .len = sizeof g_wrmsr, .at = 9, .ilen = 2, .setup = su_msr, .off_vec = -1 },
	/* Table 28-15: identity 29:28 (0 SGDT, 1 SIDT, 2 LGDT, 3 LIDT). */
	{ .cause = VXC_LGDT, .code = g_lgdt, .len = sizeof g_lgdt, .ilen = 8, .qual = 0x8100,
	  .info = INFO_ABS | (2u << 28), .info_mask = MASK_DTR, .setup = su_dtr, .off_vec = -1 },
	{ .cause = VXC_LIDT, .code = g_lidt, .len = sizeof g_lidt, .ilen = 8, .qual = 0x8110,
	  .info = INFO_ABS | (3u << 28), .info_mask = MASK_DTR, .setup = su_dtr, .off_vec = -1 },
	{ .cause = VXC_SGDT, .code = g_sgdt, .len = sizeof g_sgdt, .ilen = 8, .qual = 0x8200,
	  .info = INFO_ABS | (0u << 28), .info_mask = MASK_DTR, .off_vec = -1 },
	{ .cause = VXC_SIDT, .code = g_sidt, .len = sizeof g_sidt, .ilen = 8, .qual = 0x8200,
	  .info = INFO_ABS | (1u << 28), .info_mask = MASK_DTR, .off_vec = -1 },
	/* Table 28-16: identity 29:28 (0 SLDT, 1 STR, 2 LLDT, 3 LTR). */
	{ .cause = VXC_LLDT, .code = g_lldt, .len = sizeof g_lldt, .at = 2, .ilen = 3,
	  .info = (0u << 3) | (1u << 10) | (2u << 28), .info_mask = MASK_LDTR_REG, .off_vec = -1 },
	{ .cause = VXC_LTR, .code = g_ltr, .len = sizeof g_ltr, .ilen = 3,
	  .info = (1u << 3) | (1u << 10) | (3u << 28), .info_mask = MASK_LDTR_REG, .off_vec = -2 },
	{ .cause = VXC_SLDT, .code = g_sldt, .len = sizeof g_sldt, .ilen = 4,
	  .info = (0u << 3) | (1u << 10) | (0u << 28), .info_mask = MASK_LDTR_REG, .off_vec = -1 },
	{ .cause = VXC_STR, .code = g_str, .len = sizeof g_str, .ilen = 8, .qual = 0x8200,
	  .info = INFO_ABS | (1u << 28), .info_mask = MASK_DTR, .off_vec = -1 },
	{ .cause = VXC_EXCEPTION, .code = g_ud2, .len = sizeof g_ud2, .intr_info = 0x80000306,
	  .setup = su_exception, .off_vec = EXC_UD },
	{ .cause = VXC_EXTINT, .code = g_nop, .len = sizeof g_nop, .setup = su_extint, .off_vec = -1 },
	{ .cause = VXC_NMI, .code = g_nop, .len = sizeof g_nop, .intr_info = 0x80000202, .setup = su_nmi, .off_vec = 2 },
	{ .cause = VXC_INTR_WINDOW, .code = g_sti_nops, .len = sizeof g_sti_nops, .at = 2, .off_vec = -1 },
	{ .cause = VXC_NMI_WINDOW, .code = g_nop, .len = sizeof g_nop, .setup = su_nmi_window, .off_vec = -1 },
	{ .cause = VXC_TRIPLE_FAULT, .code = g_ud2, .len = sizeof g_ud2, .setup = su_triple },
	{ .cause = VXC_MTF, .code = g_nops, .len = sizeof g_nops, .at = 1, .off_vec = -1 },
	{ .cause = VXC_TPR_BELOW_THRESHOLD, .code = g_mov_to_cr8, .len = sizeof g_mov_to_cr8, .at = 7,
	  .setup = su_tpr, .off_vec = -1 },
	{ .cause = VXC_PAUSE_LOOP, .code = g_pause_loop, .len = sizeof g_pause_loop, .at = 5, .ilen = 2,
	  .setup = su_ple, .off_vec = -1 },
	/* Table 28-6: offset 0F0H, access type 0 (linear read). */
	{ .cause = VXC_APIC_ACCESS, .code = g_read_apic_f0, .len = sizeof g_read_apic_f0, .qual = 0xf0,
	  .setup = su_apic_access, .off_vec = -1 },
	{ .cause = VXC_PREEMPTION_TIMER, .code = g_nops, .len = sizeof g_nops, .setup = su_preempt, .off_vec = -1 },
	/* Table 28-7: write (1), readable (3), executable (5), linear address valid (7), final translation (8). */
	{ .cause = VXC_EPT_VIOLATION, .code = g_store_2m, .len = sizeof g_store_2m,
	  .qual = (1u << 1) | (1u << 3) | (1u << 5) | (1u << 7) | (1u << 8), .setup = su_ept_violation, .off_vec = -1 },
	{ .cause = VXC_EPT_MISCONFIG, .code = g_store_2m, .len = sizeof g_store_2m, .no_qual = true,
	  .setup = su_ept_misconfig, .off_vec = -1 },
};
#define N_EXIT_CASES (sizeof exit_cases / sizeof exit_cases[0])

/* Rows no guest action in a unit test can trigger, and why. */
static const struct { int cause; const char *why; } untriggerable[] = {
	{ VXC_INIT, "the machine API has no INIT signal" },
};

static void set_rule_control(struct machine *m, const struct vmx_exit_rule *r)
{
	switch (r->ctl) {
	case VXCTL_PIN: vh_set(m, PIN_BASED_VM_EXEC_CONTROL, r->bit); break;
	case VXCTL_PROC: vh_set(m, CPU_BASED_VM_EXEC_CONTROL, r->bit); break;
	case VXCTL_PROC2: vh_set2(m, r->bit); break;
	}
}

Test(vmx_exits, every_row_has_a_test)
{
	int n;
	const struct vmx_exit_rule *rules = vmx_exit_rules(&n);
	for (int k = 0; k < n; k++) {
		bool found = false;
		for (size_t j = 0; j < N_EXIT_CASES; j++)
			found |= exit_cases[j].cause == rules[k].cause;
		for (size_t j = 0; j < sizeof untriggerable / sizeof untriggerable[0]; j++)
			found |= untriggerable[j].cause == rules[k].cause;
		cr_expect(found, "exit-table row %d (%s) has no test case", k, rules[k].what);
	}
}

/* Criterion copies parameters into each test's process, where addresses
 * may differ: the parameter is an index into exit_cases. */
ParameterizedTestParameters(vmx_exits, row)
{
	static int idx[N_EXIT_CASES];
	for (size_t k = 0; k < N_EXIT_CASES; k++)
		idx[k] = (int)k;
	return cr_make_param_array(int, idx, N_EXIT_CASES);
}

ParameterizedTest(int *param, vmx_exits, row)
{
	const struct exit_case *x = &exit_cases[*param];
	const struct vmx_exit_rule *r = vmx_exit_rule((enum vmx_cause)x->cause);
	cr_assert_not_null(r);
	cr_log_info("row: %s", r->what);

	/* With the control set (or always): the exit, or #UD first. */
	struct tm_exc_log log;
	struct machine *m = vh_new(&log);
	vh_guest(m, x->code, x->len);
	set_rule_control(m, r);
	if (x->setup)
		x->setup(m, true);
	machine_reg_set(m, VT_CR2, 0);
	if (x->ud) {
		vh_launch_run(m, 1000);
		cr_assert_eq(machine_vmx_mode(m), 2, "%s: no VM exit", r->what);
		cr_assert_eq(tm_peek(m, VH_VEC, 1), EXC_UD, "%s: #UD in the guest before any exit", r->what);
		machine_free(m);
		return;
	}
	uint32_t reason = vh_run_to_exit(m);
	cr_assert_eq(reason, r->reason, "%s: exit reason %u, expected %u (%s)", r->what, reason, r->reason,
		     machine_vmx_why(m));
	cr_assert_eq(vh_rd(m, GUEST_RIP), VH_GUEST_CODE + x->at, "%s: GUEST_RIP", r->what);
	if (!x->no_qual)
		cr_assert_eq(vh_rd(m, EXIT_QUALIFICATION), x->qual, "%s: exit qualification %#llx, expected %#llx",
			     r->what, (unsigned long long)vh_rd(m, EXIT_QUALIFICATION), (unsigned long long)x->qual);
	if (x->ilen)
		cr_assert_eq(vh_rd(m, VM_EXIT_INSTRUCTION_LEN), x->ilen, "%s: VM-exit instruction length", r->what);
	if (x->info_mask)
		cr_assert_eq(vh_rd(m, VMX_INSTRUCTION_INFO) & x->info_mask, x->info,
			     "%s: VM-exit instruction information %#llx, expected %#x under mask %#x", r->what,
			     (unsigned long long)vh_rd(m, VMX_INSTRUCTION_INFO), x->info, x->info_mask);
	if (x->intr_info)
		cr_assert_eq(vh_rd(m, VM_EXIT_INTR_INFO), x->intr_info, "%s: VM-exit interruption information", r->what);
	cr_assert_eq(tm_peek(m, VH_VEC, 1), 0xff, "%s: the guest saw no exception", r->what);
	machine_free(m);

	/* With the control clear: no exit. */
	if (r->ctl == VXCTL_ALWAYS)
		return;
	m = vh_new(&log);
	vh_guest(m, x->code, x->len);
	if (r->ctl == VXCTL_PROC2)
		vh_set2(m, 0);
	if (x->setup)
		x->setup(m, false);
	enum stop_reason s = vh_launch_run(m, 1000);
	cr_assert_eq(machine_vmx_mode(m), 2, "%s with the control clear: no VM exit (%s)", r->what, machine_vmx_why(m));
	struct vmx_stats st;
	machine_vmx_stats(m, &st);
	cr_assert_eq(st.exits, 0);
	cr_assert(s == STOP_HLT || s == STOP_HLT_IDLE, "the guest halted (stop %s)", stop_reason_name(s));
	if (x->off_vec == -1) {
		cr_assert_eq(tm_peek(m, VH_VEC, 1), 0xff, "%s: no exception in the guest", r->what);
		cr_assert_eq(machine_reg_get(m, VT_RIP), VH_GUEST_CODE + x->len + 1, "%s: ran to its HLT", r->what);
	} else if (x->off_vec >= 0) {
		cr_assert_eq(tm_peek(m, VH_VEC, 1), x->off_vec, "%s: the guest handles vector %d", r->what, x->off_vec);
	}
	machine_free(m);
}

/* ---- 3. Exits decided by bitmaps, masks and the rest -------------------- */

/* A guest that ends in a HLT exit if nothing else exits first. */
static struct machine *guest_with(struct tm_exc_log *log, const uint8_t *code, size_t len)
{
	struct machine *m = vh_new(log);
	vh_guest(m, code, len);
	vh_set(m, CPU_BASED_VM_EXEC_CONTROL, CPU_HLT_EXITING);
	return m;
}

static void use_io_bitmaps(struct machine *m)
{
	vh_wr(m, IO_BITMAP_A, VH_IO_A);
	vh_wr(m, IO_BITMAP_B, VH_IO_B);
	vh_set(m, CPU_BASED_VM_EXEC_CONTROL, CPU_USE_IO_BITMAPS);
}

Test(vmx_io, port_in_bitmap_b)
{
	static const uint8_t in_8080[] = {
		0x66, 0xba, 0x80, 0x80, /* mov dx, 0x8080 */
		0xec,                   /* in al, dx */
	};
	static const uint8_t in_8081[] = {
		0x66, 0xba, 0x81, 0x80, /* mov dx, 0x8081 */
		0xec,                   /* in al, dx */
	};
	struct machine *m = guest_with(NULL, in_8080, sizeof in_8080);
	use_io_bitmaps(m);
	tm_poke(m, VH_IO_B + (0x0080 >> 3), 1, 1); /* port 8080H: bit 80H of bitmap B */
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_IO_INSTRUCTION);
	cr_assert_eq(vh_rd(m, EXIT_QUALIFICATION), 0x80800008ull, "port 8080H, IN, 1 byte, DX");
	cr_assert_eq(vh_rd(m, VM_EXIT_INSTRUCTION_LEN), 1);
	cr_assert_eq(vh_rd(m, GUEST_RIP), VH_GUEST_CODE + 4);
	machine_free(m);
	m = guest_with(NULL, in_8081, sizeof in_8081);
	use_io_bitmaps(m);
	tm_poke(m, VH_IO_B + (0x0080 >> 3), 1, 1);
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_HLT, "port 8081H's bit is 0: no exit");
	machine_free(m);
}

Test(vmx_io, access_spanning_two_bitmaps)
{
	static const uint8_t out_7fff[] = {
		0x66, 0xba, 0xff, 0x7f, /* mov dx, 0x7fff */
		0x66, 0xef,             /* out dx, ax */
	};
	struct machine *m = guest_with(NULL, out_7fff, sizeof out_7fff);
	use_io_bitmaps(m);
	tm_poke(m, VH_IO_B, 1, 1); /* port 8000H only */
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_IO_INSTRUCTION, "the second byte's bit is in bitmap B");
	cr_assert_eq(vh_rd(m, EXIT_QUALIFICATION), 0x7fff0001ull, "port 7FFFH, OUT, 2 bytes, DX");
	cr_assert_eq(vh_rd(m, VM_EXIT_INSTRUCTION_LEN), 2);
	machine_free(m);
	/* The bitmaps decide: "unconditional I/O exiting" is ignored with them. */
	m = guest_with(NULL, out_7fff, sizeof out_7fff);
	use_io_bitmaps(m);
	vh_set(m, CPU_BASED_VM_EXEC_CONTROL, CPU_UNCOND_IO_EXITING);
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_HLT);
	machine_free(m);
}

Test(vmx_io, string_instructions)
{
	static const uint8_t rep_outsb[] = {
		0x66, 0xba, 0x80, 0x00,       /* mov dx, 0x80 */
		0xbe, 0x00, 0x83, 0x00, 0x00, /* mov esi, 0x8300 */
		0xb9, 0x02, 0x00, 0x00, 0x00, /* mov ecx, 2 */
		0xf3, 0x6e,                   /* rep outsb */
	};
	struct machine *m = guest_with(NULL, rep_outsb, sizeof rep_outsb);
	vh_set(m, CPU_BASED_VM_EXEC_CONTROL, CPU_UNCOND_IO_EXITING);
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_IO_INSTRUCTION);
	cr_assert_eq(vh_rd(m, EXIT_QUALIFICATION), 0x00800030ull, "port 80H, OUT, 1 byte, string, REP");
	cr_assert_eq(vh_rd(m, VM_EXIT_INSTRUCTION_LEN), 2);
	cr_assert_eq(vh_rd(m, GUEST_LINEAR_ADDRESS), 0x8300);
	/* Table 28-12: address size 64 (2) in 9:7, segment DS (3) in 17:15. */
	cr_assert_eq(vh_rd(m, VMX_INSTRUCTION_INFO) & 0x38380, (2u << 7) | (3u << 15));
	machine_free(m);

	static const uint8_t insw[] = {
		0x66, 0xba, 0x34, 0x12,       /* mov dx, 0x1234 */
		0xbf, 0x00, 0x83, 0x00, 0x00, /* mov edi, 0x8300 */
		0x66, 0x6d,                   /* insw */
	};
	m = guest_with(NULL, insw, sizeof insw);
	vh_set(m, CPU_BASED_VM_EXEC_CONTROL, CPU_UNCOND_IO_EXITING);
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_IO_INSTRUCTION);
	cr_assert_eq(vh_rd(m, EXIT_QUALIFICATION), 0x12340019ull, "port 1234H, IN, 2 bytes, string, no REP");
	cr_assert_eq(vh_rd(m, GUEST_LINEAR_ADDRESS), 0x8300);
	cr_assert_eq(vh_rd(m, VMX_INSTRUCTION_INFO) & 0x380, 2u << 7);
	machine_free(m);
}

/* RDMSR or WRMSR of msr in a guest with MSR bitmaps; bit set at byte
 * offset `quadrant` (0 read low, 1024 read high, 2048 write low, 3072
 * write high; 25.6.9). Returns the exit reason. */
static uint32_t msr_exit(uint32_t msr, bool write, int quadrant)
{
	uint8_t code[] = {
		0xb9, (uint8_t)msr, (uint8_t)(msr >> 8), (uint8_t)(msr >> 16), (uint8_t)(msr >> 24), /* mov ecx, msr */
		0x31, 0xc0,                                                                         /* xor eax, eax */
		0x31, 0xd2,                                                                         /* xor edx, edx */
		0x0f, (uint8_t)(write ? 0x30 : 0x32),                                               /* wrmsr / rdmsr */
	};
	struct machine *m = guest_with(NULL, code, sizeof code);
	vh_wr(m, MSR_BITMAP, VH_MSR_BITMAP);
	vh_set(m, CPU_BASED_VM_EXEC_CONTROL, CPU_USE_MSR_BITMAPS);
	if (quadrant >= 0)
		tm_poke(m, VH_MSR_BITMAP + quadrant + ((msr & 0x1fff) >> 3), 1, 1u << (msr & 7));
	uint32_t r = vh_run_to_exit(m);
	if (r != EXIT_REASON_HLT) {
		cr_assert_eq(vh_rd(m, GUEST_RIP), VH_GUEST_CODE + 9);
		cr_assert_eq(vh_rd(m, VM_EXIT_INSTRUCTION_LEN), 2);
		cr_assert_eq(vh_rd(m, EXIT_QUALIFICATION), 0);
	}
	machine_free(m);
	return r;
}

Test(vmx_msr, bitmap_quadrants)
{
	const uint32_t lo = 0x174, hi = 0xc0000102; /* IA32_SYSENTER_CS, IA32_KERNEL_GS_BASE */
	cr_assert_eq(msr_exit(lo, false, 0), EXIT_REASON_MSR_READ, "read-low bit");
	cr_assert_eq(msr_exit(lo, false, 2048), EXIT_REASON_HLT, "only the write-low bit: RDMSR passes");
	cr_assert_eq(msr_exit(lo, false, -1), EXIT_REASON_HLT);
	cr_assert_eq(msr_exit(hi, false, 1024), EXIT_REASON_MSR_READ, "read-high bit");
	cr_assert_eq(msr_exit(hi, false, 0), EXIT_REASON_HLT, "the read-low bit of the same index is another MSR");
	cr_assert_eq(msr_exit(lo, true, 2048), EXIT_REASON_MSR_WRITE, "write-low bit");
	cr_assert_eq(msr_exit(lo, true, 0), EXIT_REASON_HLT, "only the read-low bit: WRMSR passes");
	cr_assert_eq(msr_exit(hi, true, 3072), EXIT_REASON_MSR_WRITE, "write-high bit");
	cr_assert_eq(msr_exit(hi, true, 1024), EXIT_REASON_HLT);
	/* Outside 0-1FFFH and C0000000H-C0001FFFH every access exits. */
	cr_assert_eq(msr_exit(0x40000000, false, -1), EXIT_REASON_MSR_READ);
	cr_assert_eq(msr_exit(0xc0002000, true, -1), EXIT_REASON_MSR_WRITE);
	cr_assert_eq(msr_exit(0x2000, false, -1), EXIT_REASON_MSR_READ);
}

Test(vmx_cr, cr0_mask_and_read_shadow)
{
	static const uint8_t code[] = {
		0x0f, 0x20, 0xc0,             /* mov rax, cr0 */
		0x48, 0x89, 0xc3,             /* mov rbx, rax */
		0x48, 0x0f, 0xba, 0xf3, 0x10, /* btr rbx, 16 (WP: guest-owned) */
		0x48, 0x0f, 0xba, 0xeb, 0x03, /* bts rbx, 3 (TS: as in the shadow) */
		0x0f, 0x22, 0xc3,             /* mov cr0, rbx */
	};
	struct machine *m = guest_with(NULL, code, sizeof code);
	uint64_t cr0 = vh_rd(m, GUEST_CR0);
	cr_assert_eq(cr0 & (CR0_TS | CR0_MP), 0);
	cr_assert(cr0 & (1ull << 16), "WP set to begin with");
	vh_wr(m, CR0_GUEST_HOST_MASK, CR0_TS | CR0_MP);
	vh_wr(m, CR0_READ_SHADOW, CR0_TS);
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_HLT, "only guest-owned bits changed: no exit");
	cr_assert_eq(machine_reg_get(m, VT_RAX), cr0 | CR0_TS, "host-owned bits read from the shadow");
	cr_assert_eq(vh_rd(m, GUEST_CR0), cr0 & ~(1ull << 16), "WP cleared; TS keeps the host's value 0");
	machine_free(m);
}

Test(vmx_cr, cr4_mask_hides_vmxe)
{
	static const uint8_t code[] = {
		0x0f, 0x20, 0xe0,                   /* mov rax, cr4 */
		0x48, 0x89, 0xc3,                   /* mov rbx, rax */
		0x81, 0xf3, 0x80, 0x00, 0x00, 0x00, /* xor ebx, 0x80 (PGE) */
		0x0f, 0x22, 0xe3,                   /* mov cr4, rbx */
	};
	struct machine *m = guest_with(NULL, code, sizeof code);
	uint64_t cr4 = vh_rd(m, GUEST_CR4);
	cr_assert(cr4 & CR4_VMXE);
	vh_wr(m, CR4_GUEST_HOST_MASK, CR4_VMXE);
	vh_wr(m, CR4_READ_SHADOW, 0);
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_HLT, "VMXE written as the shadow has it: no exit, no #GP");
	cr_assert_eq(machine_reg_get(m, VT_RAX), cr4 & ~CR4_VMXE, "the guest reads VMXE = 0");
	cr_assert_eq(vh_rd(m, GUEST_CR4), cr4 ^ CR4_PGE, "PGE toggled; VMXE still 1");
	machine_free(m);
}

Test(vmx_cr, cr3_target_values)
{
	static const uint8_t code[] = {
		0x0f, 0x20, 0xd9, /* mov rcx, cr3 */
		0x0f, 0x22, 0xd9, /* mov cr3, rcx */
	};
	for (unsigned t = 0; t < 3; t++) {
		struct machine *m = guest_with(NULL, code, sizeof code);
		uint64_t cr3 = vh_rd(m, GUEST_CR3);
		vh_set(m, CPU_BASED_VM_EXEC_CONTROL, CPU_CR3_LOAD_EXITING);
		/* t = 0: target 0 matches; 1: target 1 matches but the count is 1; 2: count 4, target 3 matches. */
		vh_wr(m, CR3_TARGET_COUNT, t == 2 ? 4 : 1);
		vh_wr(m, CR3_TARGET_VALUE0 + 2 * (t == 0 ? 0 : t == 1 ? 1 : 3), cr3);
		uint32_t r = vh_run_to_exit(m);
		cr_assert_eq(r, t == 1 ? EXIT_REASON_CR_ACCESS : EXIT_REASON_HLT, "case %u", t);
		if (r == EXIT_REASON_CR_ACCESS)
			cr_assert_eq(vh_rd(m, EXIT_QUALIFICATION), 0x103);
		machine_free(m);
	}
}

/* A #PF on VH_NOT_PRESENT + 10H (write, or read) with the exception
 * bitmap's bit 14 and the error-code mask and match. */
static bool pf_exits(bool bit14, uint32_t mask, uint32_t match, bool write, bool check_cr2)
{
	static const uint8_t wr[] = { 0xc6, 0x04, 0x25, 0x10, 0x00, 0x00, 0x40, 0x01 }; /* mov byte [0x40000010], 1 */
	static const uint8_t rd[] = { 0x8a, 0x04, 0x25, 0x10, 0x00, 0x00, 0x40 };       /* mov al, [0x40000010] */
	struct machine *m = vh_new(NULL);
	vh_guest(m, write ? wr : rd, write ? sizeof wr : sizeof rd);
	vh_unmap_not_present(m);
	vh_wr(m, EXCEPTION_BITMAP, bit14 ? 1u << EXC_PF : 0);
	vh_wr(m, PAGE_FAULT_ERROR_CODE_MASK, mask);
	vh_wr(m, PAGE_FAULT_ERROR_CODE_MATCH, match);
	machine_reg_set(m, VT_CR2, 0x1234);
	enum stop_reason s = vh_launch_run(m, 1000);
	cr_assert_eq(s, STOP_HLT);
	bool exited = machine_vmx_mode(m) == 1;
	if (exited) {
		cr_assert_eq(vh_rd(m, VM_EXIT_REASON), EXIT_REASON_EXCEPTION_NMI);
		cr_assert_eq(vh_rd(m, EXIT_QUALIFICATION), VH_NOT_PRESENT + 0x10, "the faulting linear address");
		if (check_cr2)
			cr_assert_eq(machine_reg_get(m, VT_CR2), 0x1234, "CR2 is not written (27.1): %#llx",
				     (unsigned long long)machine_reg_get(m, VT_CR2));
		cr_assert_eq(vh_rd(m, VM_EXIT_INTR_INFO), 0x80000b0eu, "valid, error code, hardware exception, #PF");
		cr_assert_eq(vh_rd(m, VM_EXIT_INTR_ERROR_CODE), write ? 2u : 0u);
		cr_assert_eq(vh_rd(m, GUEST_RIP), VH_GUEST_CODE, "a fault: RIP of the instruction");
		cr_assert_eq(vh_rd(m, IDT_VECTORING_INFO_FIELD) & INTR_INFO_VALID, 0);
	} else {
		cr_assert_eq(tm_peek(m, VH_VEC, 1), EXC_PF, "the guest handles its #PF");
		cr_assert_eq(machine_reg_get(m, VT_CR2), VH_NOT_PRESENT + 0x10);
	}
	machine_free(m);
	return exited;
}

Test(vmx_exc, page_fault_mask_and_match)
{
	/* Bit 14 = 1: exit iff (PFEC & mask) == match; bit 14 = 0: iff they differ (26.2). */
	cr_assert(pf_exits(true, 0, 0, true, false));
	cr_assert(pf_exits(true, 0, 0, false, false));
	cr_assert(pf_exits(true, 2, 2, true, false), "write faults match");
	cr_assert_not(pf_exits(true, 2, 2, false, false), "read faults do not");
	cr_assert_not(pf_exits(false, 2, 2, true, false));
	cr_assert(pf_exits(false, 2, 2, false, false));
	cr_assert_not(pf_exits(false, 0, 0, true, false));
	cr_assert(pf_exits(false, 0, 1, true, false), "mask 0, match 1: never equal, bit 14 = 0: every #PF exits");
}

/*
 * A #PF that causes a VM exit does not update CR2 (1234H stays); the
 * address is in the exit qualification (SDM Vol. 3C, 27.1 "Architectural
 * State Before a VM Exit"). Regression: CR2 used to read 0 afterwards.
 */
Test(vmx_exc, page_fault_exit_leaves_cr2)
{
	cr_assert(pf_exits(true, 0, 0, true, true));
}

Test(vmx_exc, rdtscp_ud_without_enable_rdtscp)
{
	static const uint8_t code[] = { 0x0f, 0x01, 0xf9 }; /* rdtscp */
	struct machine *m = vh_new(NULL);
	vh_guest(m, code, sizeof code);
	vh_set(m, CPU_BASED_VM_EXEC_CONTROL, CPU_RDTSC_EXITING);
	vh_launch_run(m, 1000);
	cr_assert_eq(machine_vmx_mode(m), 2, "no VM exit: #UD comes first (26.3)");
	cr_assert_eq(tm_peek(m, VH_VEC, 1), EXC_UD);
	machine_free(m);
}

Test(vmx_tsc, offsetting)
{
	static const uint8_t code[] = { 0x0f, 0x31 }; /* rdtsc */
	const uint64_t off = 1ull << 40;
	for (int on = 0; on < 2; on++) {
		struct machine *m = guest_with(NULL, code, sizeof code);
		vh_wr(m, TSC_OFFSET, off);
		if (on)
			vh_set(m, CPU_BASED_VM_EXEC_CONTROL, CPU_USE_TSC_OFFSETTING);
		uint64_t before = machine_cycles(m);
		cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_HLT);
		uint64_t after = machine_cycles(m);
		uint64_t tsc = (machine_reg_get(m, VT_RDX) << 32) | (uint32_t)machine_reg_get(m, VT_RAX);
		uint64_t base = on ? off : 0;
		cr_assert_geq(tsc, base + before, "guest TSC %#llx", (unsigned long long)tsc);
		cr_assert_leq(tsc, base + after, "guest TSC %#llx", (unsigned long long)tsc);
		/* The host's TSC has no offset after the exit: RDMSR IA32_TSC. */
		uint64_t host;
		cr_assert(machine_msr_get(m, 0x10, &host));
		cr_assert_lt(host, off);
		machine_free(m);
	}
}

static struct lapic *apic_on(struct machine *m)
{
	struct lapic *l = platform_lapic(machine_platform(m));
	lapic_write(l, 0x0f0, 0x1ff);
	return l;
}

Test(vmx_intr, external_interrupt_with_and_without_ack)
{
	for (int ack = 0; ack < 2; ack++) {
		struct machine *m = guest_with(NULL, NULL, 0);
		vh_set(m, PIN_BASED_VM_EXEC_CONTROL, PIN_EXTINT_EXITING);
		if (ack)
			vh_set(m, VM_EXIT_CONTROLS, EXIT_ACK_INTR_ON_EXIT);
		lapic_accept(apic_on(m), 0x40);
		cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_EXTERNAL_INTERRUPT, "exits even with RFLAGS.IF = 0");
		cr_assert_eq(vh_rd(m, GUEST_RIP), VH_GUEST_CODE, "before the guest's first instruction");
		cr_assert_eq(vh_rd(m, EXIT_QUALIFICATION), 0);
		struct platform *p = machine_platform(m);
		if (ack) {
			cr_assert_eq(vh_rd(m, VM_EXIT_INTR_INFO), 0x80000040u, "acknowledged: vector 40H, type 0");
			cr_assert_eq(platform_intr_pending(p), -1, "in service now, not pending");
		} else {
			cr_assert_eq(vh_rd(m, VM_EXIT_INTR_INFO) & INTR_INFO_VALID, 0, "not acknowledged: invalid");
			cr_assert_eq(platform_intr_pending(p), 0x40, "still pending at the controller");
		}
		cr_assert_eq(tm_peek(m, VH_VEC, 1), 0xff, "the host IDT never saw it");
		machine_free(m);
	}
}

Test(vmx_intr, external_interrupt_to_the_guest_without_exiting)
{
	static const uint8_t code[] = { 0xfb, 0x90 }; /* sti ; nop */
	struct machine *m = guest_with(NULL, code, sizeof code);
	vh_clr(m, CPU_BASED_VM_EXEC_CONTROL, CPU_HLT_EXITING);
	lapic_accept(apic_on(m), 0x40);
	vh_launch_run(m, 1000);
	cr_assert_eq(machine_vmx_mode(m), 2);
	cr_assert_eq(tm_peek(m, VH_VEC, 1), 0x40, "delivered through the guest IDT");
	machine_free(m);
}

Test(vmx_intr, lapic_timer_exits_with_its_vector)
{
	static const uint8_t spin[] = { 0xeb, 0xfe }; /* jmp $ */
	struct machine *m = guest_with(NULL, spin, sizeof spin);
	vh_set(m, PIN_BASED_VM_EXEC_CONTROL, PIN_EXTINT_EXITING);
	vh_set(m, VM_EXIT_CONTROLS, EXIT_ACK_INTR_ON_EXIT);
	struct lapic *l = apic_on(m);
	lapic_write(l, 0x3e0, 0xb);   /* divide by 1 */
	lapic_write(l, 0x320, 0x41);  /* LVT timer: one-shot, vector 41H */
	lapic_write(l, 0x380, 1000);  /* initial count */
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_EXTERNAL_INTERRUPT);
	cr_assert_eq(vh_rd(m, VM_EXIT_INTR_INFO), 0x80000041u);
	cr_assert_eq(vh_rd(m, GUEST_RIP), VH_GUEST_CODE);
	machine_free(m);
}

Test(vmx_intr, interrupt_window)
{
	/* IF = 1 at VM entry: the window is open before the first instruction. */
	struct machine *m = guest_with(NULL, g_nops, sizeof g_nops);
	vh_set(m, CPU_BASED_VM_EXEC_CONTROL, CPU_INTR_WINDOW_EXITING);
	vh_wr(m, GUEST_RFLAGS, 0x202);
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_INTERRUPT_WINDOW);
	cr_assert_eq(vh_rd(m, GUEST_RIP), VH_GUEST_CODE);
	machine_free(m);
	/* Blocking by STI at entry (interruptibility 1) holds it for one instruction. */
	m = guest_with(NULL, g_nops, sizeof g_nops);
	vh_set(m, CPU_BASED_VM_EXEC_CONTROL, CPU_INTR_WINDOW_EXITING);
	vh_wr(m, GUEST_RFLAGS, 0x202);
	vh_wr(m, GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_STI);
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_INTERRUPT_WINDOW);
	cr_assert_eq(vh_rd(m, GUEST_RIP), VH_GUEST_CODE + 1);
	machine_free(m);
}

Test(vmx_mtf, exactly_one_instruction)
{
	static const uint8_t code[] = {
		0x31, 0xc0, /* xor eax, eax */
		0xff, 0xc0, /* inc eax */
		0xff, 0xc0, /* inc eax */
	};
	struct machine *m = vh_new(NULL);
	vh_guest(m, code, sizeof code);
	vh_set(m, CPU_BASED_VM_EXEC_CONTROL, CPU_MONITOR_TRAP_FLAG);
	machine_reg_set(m, VT_RAX, 7);
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_MONITOR_TRAP_FLAG);
	cr_assert_eq(vh_rd(m, GUEST_RIP), VH_GUEST_CODE + 2);
	cr_assert_eq(machine_reg_get(m, VT_RAX), 0, "XOR ran; the INC did not");
	/* VMRESUME: one more. */
	const struct vmx_insn *i = insn_named("VMRESUME");
	vh_root(m, i->code, i->len);
	cr_assert_eq(vh_rd(m, VM_EXIT_REASON), EXIT_REASON_MONITOR_TRAP_FLAG);
	cr_assert_eq(vh_rd(m, GUEST_RIP), VH_GUEST_CODE + 4);
	cr_assert_eq(machine_reg_get(m, VT_RAX), 1);
	machine_free(m);
}

Test(vmx_exits, triple_fault_is_an_exit_not_shutdown)
{
	struct machine *m = vh_new(NULL);
	vh_guest(m, g_ud2, sizeof g_ud2);
	vh_wr(m, GUEST_IDTR_LIMIT, 0);
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_TRIPLE_FAULT);
	cr_assert_eq(vh_rd(m, EXIT_QUALIFICATION), 0);
	struct vmx_stats st;
	machine_vmx_stats(m, &st);
	cr_assert_eq(st.by_reason[EXIT_REASON_TRIPLE_FAULT], 1);
	machine_free(m);
}

Test(vmx_exits, ept_violation_and_misconfig_addresses)
{
	struct machine *m = vh_new(NULL);
	vh_guest(m, g_store_2m, sizeof g_store_2m);
	ept_tables(m, EPT_LEAF_2M(0x200000ull, 5));
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_EPT_VIOLATION);
	cr_assert_eq(vh_rd(m, GUEST_PHYSICAL_ADDRESS), 0x200000);
	cr_assert_eq(vh_rd(m, GUEST_LINEAR_ADDRESS), 0x200000);
	machine_free(m);
	m = vh_new(NULL);
	vh_guest(m, g_store_2m, sizeof g_store_2m);
	ept_tables(m, EPT_LEAF_2M(0x200000ull, 2));
	/* The guest's own PML4 (top of RAM) lies in the misconfigured 2 MiB:
	 * the first walk, for the first fetch, meets it. */
	uint64_t pml4 = vh_rd(m, GUEST_CR3) & ~0xfffull;
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_EPT_MISCONFIG);
	cr_assert_eq(vh_rd(m, GUEST_PHYSICAL_ADDRESS), pml4, "GPA %#llx", (unsigned long long)vh_rd(m, GUEST_PHYSICAL_ADDRESS));
	cr_assert_eq(vh_rd(m, GUEST_RIP), VH_GUEST_CODE);
	machine_free(m);
}

Test(vmx_cr, lmsw_memory_operand_qualification_and_linear_address)
{
	static const uint8_t code[] = { 0x0f, 0x01, 0x34, 0x25, 0x00, 0x80, 0x00, 0x00 }; /* lmsw [0x8000] */
	struct machine *m = vh_new(NULL);
	vh_guest(m, code, sizeof code);
	tm_poke(m, VH_DATA, 2, 0x0003); /* PE, MP */
	vh_wr(m, CR0_GUEST_HOST_MASK, CR0_MP);
	vh_wr(m, CR0_READ_SHADOW, 0);
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_CR_ACCESS);
	/* Access type 3 (LMSW), operand type 1 (memory), source data 0003H (Table 28-3). */
	cr_assert_eq(vh_rd(m, EXIT_QUALIFICATION), 0x00030070ull);
	cr_assert_eq(vh_rd(m, VM_EXIT_INSTRUCTION_LEN), 8);
	machine_free(m);
}

/*
 * A VM exit for LMSW with a memory operand reports the operand's linear
 * address (8000H) in the guest-linear address field (SDM Vol. 3C, 28.2.1
 * "Basic VM-Exit Information").
 */
Test(vmx_cr, lmsw_memory_operand_guest_linear_address)
{
	static const uint8_t code[] = { 0x0f, 0x01, 0x34, 0x25, 0x00, 0x80, 0x00, 0x00 }; /* lmsw [0x8000] */
	struct machine *m = vh_new(NULL);
	vh_guest(m, code, sizeof code);
	tm_poke(m, VH_DATA, 2, 0x0003);
	vh_wr(m, CR0_GUEST_HOST_MASK, CR0_MP);
	vh_wr(m, CR0_READ_SHADOW, 0);
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_CR_ACCESS);
	cr_assert_eq(vh_rd(m, GUEST_LINEAR_ADDRESS), VH_DATA);
	machine_free(m);
}

/* ---- 4. VM entry and VM exit (SDM Vol. 3C, 27 and 28) ------------------- */

/* The 64-bit interrupt frame the guest's stub received (SDM Vol. 3A,
 * 6.14.2): [err,] RIP, CS, RFLAGS, RSP, SS below VH_GUEST_STACK. */
static uint64_t frame(struct machine *m, bool err, unsigned k)
{
	uint64_t rsp = VH_GUEST_STACK - (err ? 48 : 40);
	return tm_peek(m, rsp + 8 * k, 8);
}

Test(vmx_entry, inject_external_interrupt)
{
	struct machine *m = vh_new(NULL);
	vh_wr(m, GUEST_RFLAGS, 0x202); /* an external interrupt needs IF = 1 (27.3.1.4) */
	vh_wr(m, VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID | (INTR_TYPE_EXT_INTR << 8) | 0x30);
	vh_launch_run(m, 1000);
	cr_assert_eq(machine_vmx_mode(m), 2);
	cr_assert_eq(tm_peek(m, VH_VEC, 1), 0x30, "delivered through the guest IDT before the first instruction");
	cr_assert_eq(frame(m, false, 0), VH_GUEST_CODE, "pushed RIP = GUEST_RIP");
	cr_assert_eq(frame(m, false, 1), VH_SEL_CODE64);
	cr_assert_eq(frame(m, false, 2), 0x202, "RFLAGS");
	cr_assert_eq(frame(m, false, 3), VH_GUEST_STACK);
	machine_free(m);
}

Test(vmx_entry, inject_hardware_exception_with_error_code)
{
	struct machine *m = vh_new(NULL);
	vh_wr(m, VM_ENTRY_INTR_INFO_FIELD,
	      INTR_INFO_VALID | INTR_INFO_DELIVER_CODE | (INTR_TYPE_HARD_EXCEPTION << 8) | EXC_GP);
	vh_wr(m, VM_ENTRY_EXCEPTION_ERROR_CODE, 0x1234);
	vh_launch_run(m, 1000);
	cr_assert_eq(tm_peek(m, VH_VEC, 1), EXC_GP);
	cr_assert_eq(frame(m, true, 0), 0x1234, "the error code from the VMCS");
	cr_assert_eq(frame(m, true, 1), VH_GUEST_CODE, "a fault: pushed RIP = GUEST_RIP");
	machine_free(m);
}

Test(vmx_entry, inject_software_interrupt_with_length)
{
	struct machine *m = vh_new(NULL);
	vh_wr(m, VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID | (INTR_TYPE_SOFT_INTR << 8) | 0x31);
	vh_wr(m, VM_ENTRY_INSTRUCTION_LEN, 2);
	vh_launch_run(m, 1000);
	cr_assert_eq(tm_peek(m, VH_VEC, 1), 0x31);
	cr_assert_eq(frame(m, false, 0), VH_GUEST_CODE + 2, "pushed RIP = GUEST_RIP + VM-entry instruction length");
	machine_free(m);
}

Test(vmx_entry, mtf_after_injected_event)
{
	struct machine *m = vh_new(NULL);
	vh_set(m, CPU_BASED_VM_EXEC_CONTROL, CPU_MONITOR_TRAP_FLAG);
	vh_wr(m, GUEST_RFLAGS, 0x202);
	vh_wr(m, VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID | (INTR_TYPE_EXT_INTR << 8) | 0x30);
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_MONITOR_TRAP_FLAG, "MTF exit after the delivery (26.7.2)");
	cr_assert_eq(vh_rd(m, GUEST_RIP), VH_STUBS + 16 * 0x30, "at the handler, nothing of it executed");
	cr_assert_eq(tm_peek(m, VH_VEC, 1), 0xff);
	machine_free(m);
}

Test(vmx_exit, idt_vectoring_of_injected_interrupt)
{
	struct machine *m = vh_new(NULL);
	vh_unmap_not_present(m);
	vh_wr(m, GUEST_RSP, VH_NOT_PRESENT + 0x1000);
	vh_wr(m, EXCEPTION_BITMAP, 1u << EXC_PF);
	vh_wr(m, GUEST_RFLAGS, 0x202);
	vh_wr(m, VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID | (INTR_TYPE_EXT_INTR << 8) | 0x30);
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_EXCEPTION_NMI);
	cr_assert_eq(vh_rd(m, VM_EXIT_INTR_INFO), 0x80000b0eu, "#PF while pushing the frame");
	cr_assert_eq(vh_rd(m, VM_EXIT_INTR_ERROR_CODE), 2, "a supervisor write to a non-present page");
	uint64_t q = vh_rd(m, EXIT_QUALIFICATION);
	cr_assert(q >= VH_NOT_PRESENT + 0x1000 - 40 && q < VH_NOT_PRESENT + 0x1000, "fault address %#llx in the frame",
		  (unsigned long long)q);
	cr_assert_eq(vh_rd(m, IDT_VECTORING_INFO_FIELD), 0x80000030u, "the interrupt being delivered (28.2.4)");
	cr_assert_eq(vh_rd(m, GUEST_RIP), VH_GUEST_CODE);
	cr_assert_eq(vh_rd(m, VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID, 0, "VM exits clear the valid bit (28.2.?)");
	machine_free(m);
}

Test(vmx_exit, idt_vectoring_of_software_interrupt)
{
	static const uint8_t code[] = {
		0xbc, 0x00, 0x10, 0x00, 0x40, /* mov esp, 0x40001000 */
		0xcd, 0x31,                   /* int 0x31 */
	};
	struct machine *m = vh_new(NULL);
	vh_guest(m, code, sizeof code);
	vh_unmap_not_present(m);
	vh_wr(m, EXCEPTION_BITMAP, 1u << EXC_PF);
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_EXCEPTION_NMI);
	cr_assert_eq(vh_rd(m, VM_EXIT_INTR_INFO), 0x80000b0eu);
	cr_assert_eq(vh_rd(m, IDT_VECTORING_INFO_FIELD), 0x80000431u, "software interrupt 31H");
	cr_assert_eq(vh_rd(m, VM_EXIT_INSTRUCTION_LEN), 2, "INT n's length, for re-injection");
	cr_assert_eq(vh_rd(m, GUEST_RIP), VH_GUEST_CODE + 5);
	machine_free(m);
}

Test(vmx_exit, guest_state_saved)
{
	static const uint8_t code[] = {
		0x31, 0xc0,                   /* xor eax, eax */
		0x8e, 0xe0,                   /* mov fs, eax (null: unusable) */
		0x0f, 0x00, 0xd0,             /* lldt ax (null: unusable) */
		0xbc, 0x00, 0xe0, 0x01, 0x00, /* mov esp, 0x1e000 */
		0xf9,                         /* stc */
		0xfd,                         /* std */
	};
	struct machine *m = guest_with(NULL, code, sizeof code);
	cr_assert_eq(vh_rd(m, GUEST_LDTR_AR_BYTES), 0x82, "the reset LDTR, usable");
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_HLT);
	cr_assert_eq(vh_rd(m, GUEST_RIP), VH_GUEST_CODE + sizeof code, "the HLT");
	cr_assert_eq(vh_rd(m, GUEST_RSP), 0x1e000);
	cr_assert_eq(vh_rd(m, GUEST_RFLAGS), 0x447, "DF, ZF and PF (XOR), CF, bit 1");
	cr_assert_eq(vh_rd(m, GUEST_FS_SELECTOR), 0);
	cr_assert(vh_rd(m, GUEST_FS_AR_BYTES) & (1u << 16), "FS unusable (Table 25-2 bit 16)");
	cr_assert(vh_rd(m, GUEST_LDTR_AR_BYTES) & (1u << 16), "LDTR unusable (AR %#llx)", (unsigned long long)vh_rd(m, GUEST_LDTR_AR_BYTES));
	cr_assert_eq(vh_rd(m, GUEST_CS_AR_BYTES), 0xa09b, "64-bit code, accessed, DPL 0");
	cr_assert_eq(vh_rd(m, GUEST_DS_AR_BYTES) & ~1u, 0xc092, "data segment usable");
	cr_assert_eq(vh_rd(m, GUEST_TR_AR_BYTES), 0x8b, "busy 64-bit TSS");
	cr_assert_eq(vh_rd(m, GUEST_INTERRUPTIBILITY_INFO), 0);
	cr_assert_eq(vh_rd(m, VM_ENTRY_CONTROLS) & ENTRY_IA32E_MODE_GUEST, ENTRY_IA32E_MODE_GUEST,
		     "IA-32e mode guest follows EFER.LMA");
	machine_free(m);
}

/*
 * An instruction that exits right after STI (or MOV SS) saves blocking by
 * STI (bit 0) after "sti; hlt", blocking by MOV SS (bit 1) after "mov ss,
 * ax; hlt" (SDM Vol. 3C, 28.3.4 "Saving Non-Register State"; 25.4.2, Table
 * 25-3).
 */
Test(vmx_exit, interruptibility_after_sti_and_mov_ss)
{
	static const uint8_t sti_hlt[] = { 0xfb };     /* sti ; (hlt) */
	static const uint8_t mov_ss[] = { 0x8e, 0xd0 }; /* mov ss, eax ; (hlt) */
	struct machine *m = guest_with(NULL, sti_hlt, sizeof sti_hlt);
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_HLT);
	cr_assert_eq(vh_rd(m, GUEST_RFLAGS), 0x202);
	cr_assert_eq(vh_rd(m, GUEST_INTERRUPTIBILITY_INFO), GUEST_INTR_STATE_STI);
	machine_free(m);
	m = guest_with(NULL, mov_ss, sizeof mov_ss);
	machine_reg_set(m, VT_RAX, VH_SEL_DATA);
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_HLT);
	cr_assert_eq(vh_rd(m, GUEST_INTERRUPTIBILITY_INFO), GUEST_INTR_STATE_MOV_SS);
	machine_free(m);
}

Test(vmx_exit, host_state_loaded)
{
	static const uint8_t code[] = {
		0xb8, 0x01, 0x04, 0x00, 0x00, /* mov eax, 0x401 */
		0x0f, 0x23, 0xf8,             /* mov dr7, rax */
		0xf9,                         /* stc */
		0xfb,                         /* sti */
		0x90,                         /* nop */
	};
	struct machine *m = guest_with(NULL, code, sizeof code);
	static const uint8_t host[] = {
		0x0f, 0x21, 0xf8, /* mov rax, dr7 */
		0xf4,             /* hlt */
	};
	machine_phys_write(m, VH_HOST_CODE, host, sizeof host);
	vh_wr(m, GUEST_TR_LIMIT, 0xfff);
	enum stop_reason s = vh_launch_run(m, 1000);
	cr_assert_eq(s, STOP_HLT);
	cr_assert_eq(machine_vmx_mode(m), 1);
	cr_assert_eq(vh_rd(m, VM_EXIT_REASON), EXIT_REASON_HLT);
	cr_assert_eq(machine_reg_get(m, VT_RIP), VH_HOST_CODE + sizeof host);
	cr_assert_eq(machine_reg_get(m, VT_RAX), 0x400, "DR7 = 400H (28.5.1)");
	cr_assert_eq(machine_reg_get(m, VT_RFLAGS), 2, "RFLAGS = 2 (28.5.3)");
	cr_assert_eq(machine_reg_get(m, VT_RSP), VH_HOST_STACK);
	struct vt_segment tr, cs;
	machine_seg_get(m, VT_SREG_TR, &tr);
	cr_assert_eq(tr.sel, VH_SEL_TSS);
	cr_assert_eq(tr.base, VH_TSS);
	cr_assert_eq(tr.limit, 0x67, "TR limit 67H (28.5.2)");
	machine_seg_get(m, VT_SREG_CS, &cs);
	cr_assert_eq(cs.sel, VH_SEL_CODE64);
	cr_assert_eq(cs.attr & 0x2000, 0x2000, "CS.L = host address-space size");
	uint64_t base;
	uint16_t limit;
	machine_dtr_get(m, false, &base, &limit);
	cr_assert_eq(base, VH_GDT);
	cr_assert_eq(limit, 0xffff, "GDTR limit FFFFH");
	machine_dtr_get(m, true, &base, &limit);
	cr_assert_eq(base, VH_IDT);
	cr_assert_eq(limit, 0xffff, "IDTR limit FFFFH");
	cr_assert_eq(machine_reg_get(m, VT_EFER) & (1ull << 10), 1ull << 10, "LMA");
	machine_free(m);
}

Test(vmx_msr, load_and_store_lists)
{
	static const uint8_t code[] = {
		0xb9, 0x02, 0x01, 0x00, 0xc0, /* mov ecx, 0xc0000102 */
		0x0f, 0x32,                   /* rdmsr */
		0xff, 0xc0,                   /* inc eax */
		0x0f, 0x30,                   /* wrmsr */
	};
	const uint32_t kgs = 0xc0000102; /* IA32_KERNEL_GS_BASE */
	struct machine *m = guest_with(NULL, code, sizeof code);
	vh_wr(m, MSR_BITMAP, VH_MSR_BITMAP);
	vh_set(m, CPU_BASED_VM_EXEC_CONTROL, CPU_USE_MSR_BITMAPS);
	tm_poke(m, VH_MSR_ENTRY_LOAD, 8, kgs);
	tm_poke(m, VH_MSR_ENTRY_LOAD + 8, 8, 0xabc000);
	tm_poke(m, VH_MSR_EXIT_STORE, 8, kgs);
	tm_poke(m, VH_MSR_EXIT_STORE + 8, 8, 0);
	tm_poke(m, VH_MSR_EXIT_LOAD, 8, kgs);
	tm_poke(m, VH_MSR_EXIT_LOAD + 8, 8, 0xdef000);
	vh_wr(m, VM_ENTRY_MSR_LOAD_ADDR, VH_MSR_ENTRY_LOAD);
	vh_wr(m, VM_ENTRY_MSR_LOAD_COUNT, 1);
	vh_wr(m, VM_EXIT_MSR_STORE_ADDR, VH_MSR_EXIT_STORE);
	vh_wr(m, VM_EXIT_MSR_STORE_COUNT, 1);
	vh_wr(m, VM_EXIT_MSR_LOAD_ADDR, VH_MSR_EXIT_LOAD);
	vh_wr(m, VM_EXIT_MSR_LOAD_COUNT, 1);
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_HLT);
	cr_assert_eq(tm_peek(m, VH_MSR_EXIT_STORE + 8, 8), 0xabc001,
		     "the guest read the entry-loaded value and stored it + 1; the exit stored that");
	uint64_t v;
	cr_assert(machine_msr_get(m, kgs, &v));
	cr_assert_eq(v, 0xdef000, "the exit loaded the host's value");
	machine_free(m);
}

Test(vmx_entry, failure_on_guest_state_is_exit_33)
{
	struct machine *m = vh_new(NULL);
	vh_wr(m, GUEST_RFLAGS, 0); /* bit 1 must be 1 (27.3.1.4) */
	vh_wr(m, GUEST_RSP, 0x1e000);
	tm_set_flags(m, TM_ARITH);
	const struct vmx_insn *i = insn_named("VMLAUNCH");
	cr_assert_eq(vh_root(m, i->code, i->len), STOP_HLT);
	cr_assert_eq(machine_vmx_mode(m), 1);
	cr_assert_eq(machine_reg_get(m, VT_RIP), VH_HOST_CODE + 1, "a VM exit to HOST_RIP, not VMfail");
	cr_assert_eq(machine_reg_get(m, VT_RFLAGS), 2);
	cr_assert_eq(vh_rd(m, VM_EXIT_REASON), EXIT_REASON_FAILED_VMENTRY | EXIT_REASON_INVALID_GUEST_STATE);
	cr_assert_eq(vh_rd(m, EXIT_QUALIFICATION), 0);
	cr_assert_eq(vh_rd(m, GUEST_RIP), VH_GUEST_CODE, "no guest state saved");
	cr_assert_eq(vh_rd(m, GUEST_RSP), 0x1e000);
	cr_assert_eq(vh_rd(m, GUEST_RFLAGS), 0);
	struct vmx_stats st;
	machine_vmx_stats(m, &st);
	cr_assert_eq(st.entries, 0);
	cr_assert_eq(st.entry_fails, 1);
	machine_free(m);
}

Test(vmx_entry, failure_on_msr_load_is_exit_34_with_index)
{
	struct machine *m = vh_new(NULL);
	tm_poke(m, VH_MSR_ENTRY_LOAD, 8, 0xc0000102);      /* IA32_KERNEL_GS_BASE */
	tm_poke(m, VH_MSR_ENTRY_LOAD + 8, 8, 0x1000);
	tm_poke(m, VH_MSR_ENTRY_LOAD + 16, 8, 0x12345678); /* no such MSR */
	tm_poke(m, VH_MSR_ENTRY_LOAD + 24, 8, 0);
	vh_wr(m, VM_ENTRY_MSR_LOAD_ADDR, VH_MSR_ENTRY_LOAD);
	vh_wr(m, VM_ENTRY_MSR_LOAD_COUNT, 2);
	const struct vmx_insn *i = insn_named("VMLAUNCH");
	cr_assert_eq(vh_root(m, i->code, i->len), STOP_HLT);
	cr_assert_eq(machine_vmx_mode(m), 1);
	cr_assert_eq(machine_reg_get(m, VT_RIP), VH_HOST_CODE + 1);
	cr_assert_eq(vh_rd(m, VM_EXIT_REASON), EXIT_REASON_FAILED_VMENTRY | EXIT_REASON_MSR_LOAD_FAIL);
	cr_assert_eq(vh_rd(m, EXIT_QUALIFICATION), 2, "the 1-based index of the failing entry");
	cr_assert_eq(vh_rd(m, GUEST_RIP), VH_GUEST_CODE);
	machine_free(m);
}

/* Every field has its own storage slot inside the 4-KiB VMCS region:
 * indexes below 32, slots distinct and below VMCS_SLOTS (vmcs.h). */
Test(vmcs_fields, slots_are_distinct_and_fit)
{
	int n;
	const struct vmcs_field_info *f = vmcs_fields(&n);
	static bool used[VMCS_SLOTS];
	cr_assert_gt(n, 100);
	for (int k = 0; k < n; k++) {
		cr_assert_lt(vmcs_enc_index(f[k].enc), 32u, "%s: index %u", f[k].name, vmcs_enc_index(f[k].enc));
		unsigned s = vmcs_key(f[k].enc);
		cr_assert_lt(s, (unsigned)VMCS_SLOTS, "%s: slot %u", f[k].name, s);
		cr_assert(!used[s], "%s shares slot %u", f[k].name, s);
		used[s] = true;
		cr_assert_eq(vmcs_slot(f[k].enc), (int)s);
		if (k)
			cr_assert_lt(f[k - 1].enc, f[k].enc, "the table is in encoding order at %s", f[k].name);
	}
	cr_assert_lt(VMCS_OFF_FIELDS + 8 * VMCS_SLOTS, VMCS_REGION_SIZE + 1);
	cr_assert_eq(vmcs_slot(GUEST_RIP | 1), -1, "natural-width fields have no HIGH half");
	cr_assert_eq(vmcs_slot(0x6830), -1, "no such field");
}

/*
 * With "use TPR shadow" and "virtualize APIC accesses", a write to offset
 * 80H of the APIC-access page lands in VTPR on the virtual-APIC page, not
 * in the APIC-access page; a VTPR below the TPR threshold then exits after
 * the write (SDM Vol. 3C, 30.4.3, 30.1.2). A read of 80H returns VTPR.
 */
Test(vmx_apic, tpr_access_is_virtualized)
{
	struct tm_exc_log log;
	struct machine *m = vh_new(&log);
	static const uint8_t code[] = {
		0x8b, 0x1c, 0x25, 0x80, 0xa0, 0x01, 0x00,                   /* mov ebx, [0x1a080] */
		0xc7, 0x04, 0x25, 0x80, 0xa0, 0x01, 0x00, 0x10, 0, 0, 0,    /* mov dword [0x1a080], 0x10 */
		0x90,                                                       /* nop */
	};
	vh_guest(m, code, sizeof code);
	vh_set(m, CPU_BASED_VM_EXEC_CONTROL, CPU_TPR_SHADOW);
	vh_set2(m, SEC_VIRTUALIZE_APIC_ACCESSES);
	vh_wr(m, APIC_ACCESS_ADDR, 0x1a000);
	vh_wr(m, VIRTUAL_APIC_PAGE_ADDR, 0x19000);
	vh_wr(m, TPR_THRESHOLD, 2);
	tm_poke(m, 0x19080, 4, 0x50);
	tm_poke(m, 0x1a080, 4, 0xdead);
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_TPR_BELOW_THRESHOLD);
	cr_expect_eq(vh_rd(m, GUEST_RIP), VH_GUEST_CODE + 18, "trap-like: after the write");
	cr_expect_eq(machine_reg_get(m, VT_RBX) & 0xffffffff, 0x50, "the read saw VTPR");
	cr_expect_eq(tm_peek(m, 0x19080, 4), 0x10, "VTPR written");
	cr_expect_eq(tm_peek(m, 0x1a080, 4), 0xdead, "the APIC-access page itself untouched");
	machine_free(m);
}

/*
 * A debug exception left pending in the guest-state area (BS, bit 14) is
 * delivered after VM entry (SDM Vol. 3C, 27.7.3); with #DB in the
 * exception bitmap it exits at once, the qualification holding the DR6
 * bits (Table 28-1).
 */
Test(vmx_entry, pending_debug_exception_is_delivered)
{
	struct tm_exc_log log;
	struct machine *m = vh_new(&log);
	static const uint8_t code[] = { 0x90 };
	vh_guest(m, code, sizeof code);
	vh_wr(m, GUEST_PENDING_DBG_EXCEPTIONS, 0x4000);
	vh_wr(m, EXCEPTION_BITMAP, 1u << EXC_DB);
	cr_assert_eq(vh_run_to_exit(m), EXIT_REASON_EXCEPTION_NMI);
	cr_expect_eq(vh_rd(m, VM_EXIT_INTR_INFO), 0x80000301u, "hardware exception, vector 1");
	cr_expect_eq(vh_rd(m, EXIT_QUALIFICATION), 0x4000, "BS");
	cr_expect_eq(vh_rd(m, GUEST_RIP), VH_GUEST_CODE, "before the first guest instruction");
	machine_free(m);
}
