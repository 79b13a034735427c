/* vmx_harness.c - a runnable VT-x host and guest built with the machine API (see vmx_harness.h). */
#include "vmx_harness.h"

#include <criterion/criterion.h>

#include "../../sim/vmx/vmx.h"

/* A 64-bit interrupt gate (SDM Vol. 3A, 6.14.1, Figure 6-8) to off in VH_SEL_CODE64. */
static void idt_gate(struct machine *m, unsigned vec, uint64_t off)
{
	uint64_t lo = (off & 0xffff) | ((uint64_t)VH_SEL_CODE64 << 16) | (0x8eull << 40) |
		      ((off >> 16 & 0xffff) << 48);
	tm_poke(m, VH_IDT + 16 * vec, 8, lo);
	tm_poke(m, VH_IDT + 16 * vec + 8, 8, off >> 32);
}

struct machine *vh_machine(struct tm_exc_log *log)
{
	struct machine *m = tm_new(START_LONG64);
	static const uint64_t gdt[8] = {
		0,
		0x00af9a000000ffffull, /* 08h: 64-bit code, DPL 0 */
		0x00cf92000000ffffull, /* 10h: data, DPL 0 */
		0x00cf9a000000ffffull, /* 18h: 32-bit code, DPL 0 */
		/* 20h: busy 64-bit TSS at VH_TSS, limit 67H (16 bytes) */
		0x67 | ((VH_TSS & 0xffffff) << 16) | (0x8bull << 40) | ((VH_TSS >> 24 & 0xff) << 56),
		VH_TSS >> 32,
		0x00affa000000ffffull, /* 30h: 64-bit code, DPL 3 */
		0x00cff2000000ffffull, /* 38h: data, DPL 3 */
	};
	machine_phys_write(m, VH_GDT, gdt, sizeof gdt);
	machine_dtr_set(m, false, VH_GDT, VH_GDT_LIMIT);
	tm_poke(m, VH_TSS + 4, 8, VH_HOST_STACK); /* RSP0, for exceptions at CPL 3 */
	struct vt_segment tr = { .sel = VH_SEL_TSS, .base = VH_TSS, .limit = 0x67, .attr = 0x8b };
	machine_seg_set(m, VT_SREG_TR, &tr);
	for (unsigned v = 0; v < 256; v++) {
		uint64_t stub = VH_STUBS + 16 * v;
		/* mov byte [abs VH_VEC], v ; hlt */
		const uint8_t code[9] = { 0xc6, 0x04, 0x25, VH_VEC & 0xff, VH_VEC >> 8 & 0xff, 0, 0, (uint8_t)v, 0xf4 };
		machine_phys_write(m, stub, code, sizeof code);
		idt_gate(m, v, stub);
	}
	machine_dtr_set(m, true, VH_IDT, 0xfff);
	tm_poke(m, VH_VEC, 1, 0xff);
	if (log)
		tm_log_exceptions(m, log);
	return m;
}

void vh_prepare_vmxon(struct machine *m, uint64_t fc)
{
	tm_poke(m, VH_VMXON, 4, VMCS_REVISION_ID);
	tm_poke(m, VH_VMCS, 4, VMCS_REVISION_ID);
	tm_poke(m, VH_VMCS2, 4, VMCS_REVISION_ID);
	cr_assert(machine_msr_set(m, 0x3a, fc), "IA32_FEATURE_CONTROL := %#llx", (unsigned long long)fc);
	machine_reg_set(m, VT_CR4, machine_reg_get(m, VT_CR4) | (1ull << 13));
}

struct machine *vh_new(struct tm_exc_log *log)
{
	char err[200];
	struct machine *m = vh_machine(log);
	cr_assert_eq(machine_vmx_on(m, VH_VMXON, VH_VMCS, err, sizeof err), 0, "machine_vmx_on: %s", err);
	tm_poke(m, VH_VMCS2, 4, VMCS_REVISION_ID);
	tm_poke(m, VH_HOST_CODE, 1, 0xf4);
	machine_vmcs_defaults(m);
	machine_reg_set(m, VT_RIP, VH_HOST_CODE);
	machine_reg_set(m, VT_RSP, VH_HOST_STACK);
	machine_vmcs_capture_host(m);
	machine_vmcs_capture_guest(m);
	vh_wr(m, GUEST_RIP, VH_GUEST_CODE);
	vh_wr(m, GUEST_RSP, VH_GUEST_STACK);
	vh_guest(m, NULL, 0);
	return m;
}

void vh_guest(struct machine *m, const void *code, size_t len)
{
	static const uint8_t hlt = 0xf4;
	if (len)
		machine_phys_write(m, VH_GUEST_CODE, code, len);
	machine_phys_write(m, VH_GUEST_CODE + len, &hlt, 1);
}

enum stop_reason vh_root(struct machine *m, const void *code, size_t len)
{
	static const uint8_t hlt = 0xf4;
	machine_phys_write(m, VH_ROOT_CODE, code, len);
	machine_phys_write(m, VH_ROOT_CODE + len, &hlt, 1);
	machine_reg_set(m, VT_RIP, VH_ROOT_CODE);
	return machine_run(m, 100000);
}

uint64_t vh_rd(struct machine *m, uint32_t enc)
{
	uint64_t v = 0;
	cr_assert(machine_vmcs_read(m, enc, &v), "VMCS field %#x readable", enc);
	return v;
}

void vh_wr(struct machine *m, uint32_t enc, uint64_t v)
{
	cr_assert(machine_vmcs_write(m, enc, v), "VMCS field %#x writable", enc);
}

void vh_set(struct machine *m, uint32_t enc, uint64_t bits)
{
	vh_wr(m, enc, vh_rd(m, enc) | bits);
}

void vh_clr(struct machine *m, uint32_t enc, uint64_t bits)
{
	vh_wr(m, enc, vh_rd(m, enc) & ~bits);
}

void vh_set2(struct machine *m, uint32_t bits)
{
	vh_set(m, CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY);
	vh_set(m, SECONDARY_VM_EXEC_CONTROL, bits);
}

enum stop_reason vh_launch_run(struct machine *m, uint64_t max)
{
	char err[300];
	cr_assert_eq(machine_vmx_launch(m, err, sizeof err), 0, "VM entry: %s", err);
	cr_assert_eq(machine_vmx_mode(m), 2, "in VMX non-root operation after VM entry");
	return machine_run(m, max);
}

uint32_t vh_run_to_exit(struct machine *m)
{
	enum stop_reason r = vh_launch_run(m, 100000);
	cr_assert_eq(r, STOP_HLT, "the run ends at the host's HLT (stop %s; %s)", stop_reason_name(r),
		     machine_vmx_why(m));
	cr_assert_eq(machine_vmx_mode(m), 1, "VM exit to root operation (%s)", machine_vmx_why(m));
	cr_assert_eq(machine_reg_get(m, VT_RIP), VH_HOST_CODE + 1, "at HOST_RIP's HLT");
	return (uint32_t)vh_rd(m, VM_EXIT_REASON);
}

void vh_unmap_not_present(struct machine *m)
{
	/* PML4[0] -> PDPT; PDPT[1] -> the PD of 1-2 GiB; its entry 0 maps VH_NOT_PRESENT. */
	uint64_t pml4 = machine_reg_get(m, VT_CR3) & ~0xfffull;
	uint64_t pdpt = tm_peek(m, pml4, 8) & 0xffffffffff000ull;
	uint64_t pd = tm_peek(m, pdpt + 8, 8) & 0xffffffffff000ull;
	tm_poke(m, pd, 8, 0);
	machine_sync_paging(m);
}
