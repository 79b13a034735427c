/* vmx_harness.h - a runnable VT-x host and guest built with the machine API, for the VMX unit tests. */
#ifndef VTSIM_TEST_VMX_HARNESS_H
#define VTSIM_TEST_VMX_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "helpers.h"

/*
 * Physical (= linear: START_LONG64 maps the first 4 GiB 1:1) layout.
 * Host and guest share the loader's page tables, this GDT and this IDT.
 *
 *   0x01000  VH_HOST_CODE   HOST_RIP: HLT (IF = 0 after a VM exit, so the run stops there)
 *   0x01800  VH_ROOT_CODE   code a test runs in VMX root operation
 *   0x02000  VH_GUEST_CODE  GUEST_RIP: the guest snippet, then HLT
 *   0x05000  VH_GDT         null, 08h code64, 10h data, 18h code32, 20h 64-bit TSS (16 bytes),
 *                           30h code64 DPL 3, 38h data DPL 3
 *   0x05800  VH_TSS         the TSS (limit 67H)
 *   0x06000  VH_IDT         256 interrupt gates to the stubs at VH_STUBS
 *   0x07000  VH_STUBS       stub v at VH_STUBS + 16 * v: mov byte [VH_VEC], v; hlt
 *   0x08000  VH_DATA        free for test data (TM_DATA)
 *   0x08ff0  VH_VEC         the last vector a stub saw (0xff: none)
 *   0x0f000  VH_HOST_STACK  HOST_RSP
 *   0x10000  VH_VMXON       VMXON region
 *   0x11000  VH_VMCS        the current VMCS
 *   0x12000  VH_IO_A, 0x13000 VH_IO_B, 0x14000 VH_MSR_BITMAP
 *   0x15000  VH_MSR_AREA    three 1-KByte MSR lists: entry load, exit store, exit load
 *   0x18000  VH_VMCS2       a second VMCS region (revision ID written)
 *   0x1f000  VH_GUEST_STACK GUEST_RSP
 *   0x40000000              not present in the page tables (VH_NOT_PRESENT): a #PF
 */
#define VH_HOST_CODE 0x1000ull
#define VH_ROOT_CODE 0x1800ull
#define VH_GUEST_CODE 0x2000ull
#define VH_GDT 0x5000ull
#define VH_GDT_LIMIT 0x3fu
#define VH_TSS 0x5800ull
#define VH_IDT 0x6000ull
#define VH_STUBS 0x7000ull
#define VH_DATA 0x8000ull
#define VH_VEC 0x8ff0ull
#define VH_HOST_STACK 0xf000ull
#define VH_VMXON 0x10000ull
#define VH_VMCS 0x11000ull
#define VH_IO_A 0x12000ull
#define VH_IO_B 0x13000ull
#define VH_MSR_BITMAP 0x14000ull
#define VH_MSR_AREA 0x15000ull
#define VH_MSR_ENTRY_LOAD VH_MSR_AREA
#define VH_MSR_EXIT_STORE (VH_MSR_AREA + 0x400)
#define VH_MSR_EXIT_LOAD (VH_MSR_AREA + 0x800)
#define VH_VMCS2 0x18000ull
#define VH_GUEST_STACK 0x1f000ull
#define VH_NOT_PRESENT 0x40000000ull

/* Selectors of VH_GDT. */
#define VH_SEL_CODE64 0x08
#define VH_SEL_DATA 0x10
#define VH_SEL_CODE32 0x18
#define VH_SEL_TSS 0x20
#define VH_SEL_CODE64_U 0x33
#define VH_SEL_DATA_U 0x3b

/* A long64 machine with the GDT, TSS (TR loaded), IDT and stubs above,
 * outside VMX operation. The exception log records every exception. */
struct machine *vh_machine(struct tm_exc_log *log);

/* Put VMXON and VMCS revision identifiers in place, lock
 * IA32_FEATURE_CONTROL with VMX enabled (value fc) and set CR4.VMXE, as a
 * hypervisor does before VMXON itself. */
void vh_prepare_vmxon(struct machine *m, uint64_t fc);

/*
 * vh_machine, then VMX root operation with VH_VMCS current and a VMCS
 * ready to launch: default controls, host state = this CPU at
 * VH_HOST_CODE/VH_HOST_STACK, guest state = this CPU at
 * VH_GUEST_CODE/VH_GUEST_STACK. Load a guest with vh_guest.
 */
struct machine *vh_new(struct tm_exc_log *log);

/* Copy a guest snippet to VH_GUEST_CODE followed by HLT (F4). */
void vh_guest(struct machine *m, const void *code, size_t len);

/* Run code in VMX root operation at VH_ROOT_CODE, followed by HLT, until it stops. */
enum stop_reason vh_root(struct machine *m, const void *code, size_t len);

/* VMCS access that fails the test if the field or the current VMCS is missing. */
uint64_t vh_rd(struct machine *m, uint32_t enc);
void vh_wr(struct machine *m, uint32_t enc, uint64_t v);
/* Set bits of a control field, and clear them. */
void vh_set(struct machine *m, uint32_t enc, uint64_t bits);
void vh_clr(struct machine *m, uint32_t enc, uint64_t bits);
/* Activate the secondary controls and set bits there. */
void vh_set2(struct machine *m, uint32_t bits);

/* VM entry as VMLAUNCH (must succeed), then run at most max instructions. */
enum stop_reason vh_launch_run(struct machine *m, uint64_t max);
/* The same when the VM exit is expected: the run must end at the host's
 * HLT in VMX root operation. Returns the exit reason. */
uint32_t vh_run_to_exit(struct machine *m);

/* Clear a PD entry so that VH_NOT_PRESENT is not mapped. */
void vh_unmap_not_present(struct machine *m);

#endif
