; vtx.asm - a small VT-x hypervisor for the challenge scenarios, written to be read and extended.
;
; It runs on vtsim from `machine.mode: long64` (64-bit mode, CPL 0, the
; loader's identity map of the first 4 GiB) and does every step of
; getting into VMX operation itself, in the order the SDM gives them:
;
;   1. the host's own GDT and TSS (a host needs TR, 27.2.3)
;   2. CPUID.1:ECX.VMX (24.6), IA32_FEATURE_CONTROL (24.7)
;   3. CR0 and CR4 against the VMX fixed bits, CR4.VMXE (24.8)
;   4. VMXON with the revision identifier of IA32_VMX_BASIC (24.7, 25.2)
;   5. VMCLEAR and VMPTRLD of the VMCS (25.11.3)
;   6. the EPT paging structures for the guest's memory (29.3)
;   7. the guest's first page directory (what firmware would leave it)
;   8. the VMCS, from `vmcs_table`: rows of (field encoding, value);
;      control fields are adjusted to the TRUE capability MSRs (A.3-A.5)
;   9. the host state the CPU has now (CR0, CR3, CR4, IDTR, IA32_EFER)
;  10. VMLAUNCH (27)
;
; Then every VM exit comes to `vm_exit` (HOST_RIP), which saves the
; guest's general-purpose registers, reads the basic exit reason and
; calls its row of `exit_handlers`, a table indexed by the exit reason
; (SDM Vol. 3C, Appendix C). A handler returns to resume the guest with
; VMRESUME, or stops the machine.
;
; SDM references are to Intel 64 and IA-32 Architectures Software
; Developer's Manual, Vol. 3C, with the chapter numbering of 2023 and
; later: 24 Introduction to VMX Operation, 25 Virtual Machine Control
; Structures, 26 VMX Non-Root Operation, 27 VM Entries, 28 VM Exits,
; 29 VMX Support for Address Translation, 31 VMX Instruction Reference.
;
; How a scenario uses it: its first memory entry, at host-physical
; 0x100000, is
;
;       - at: 0x100000
;         asm: |
;           %include "../lib/vtx.asm"
;
; optionally preceded by `%define VTX_PROC2_EXTRA ...` (more secondary
; processor-based controls, e.g. VTX_DESCRIPTOR_TABLE_EXITING). The guest
; is a second memory entry, at host-physical GUEST_RAM_HPA + 0x100000 and
; `va: 0x100000`, 32-bit code starting with %include "../lib/vtx_guest32.inc".
;
; The guest's machine, as this hypervisor gives it:
;
;   guest-physical 0 .. 8 MiB   RAM, at host-physical 16 .. 24 MiB (EPT)
;   anything above 8 MiB        nothing: an access is an EPT violation,
;                               reflected to the guest as a page fault
;   start state                 32-bit protected mode, CPL 0, paging on
;                               (CR0.PG is fixed to 1 without "unrestricted
;                               guest"): CR3 = 0x1000, a page directory with
;                               two 4 MiB supervisor pages mapping linear
;                               0 .. 8 MiB to guest-physical 0 .. 8 MiB;
;                               CS = 08H, the other segments 10H, flat;
;                               EIP = 0x100000, EFLAGS = 2 (IF = 0);
;                               GDTR, IDTR empty: the guest loads its own
;   devices                     every I/O port passes through (no I/O
;                               exiting): the PIC, the PIT, port 80H, 0E9H
;   MSRs                        an MSR bitmap of zeros: RDMSR and WRMSR of
;                               MSRs 0-1FFFH and C0000000H-C0001FFFH do
;                               not exit (the VMCS switches the SYSENTER
;                               MSRs and IA32_EFER at each exit and entry)
;   hypercalls                  VMCALL with EAX = 0: the guest is done;
;                               EAX = 1: the guest failed (code in EBX)

default rel

; ---- Names (the SDM's) ---------------------------------------------------

; Model-specific registers (SDM Vol. 4; VMX capability MSRs: Vol. 3C, Appendix A).
IA32_FEATURE_CONTROL         equ 0x03a
FEATURE_CONTROL_LOCK         equ 1 << 0
FEATURE_CONTROL_VMX_OUTSIDE_SMX equ 1 << 2
IA32_EFER                    equ 0xc0000080
IA32_VMX_BASIC               equ 0x480
IA32_VMX_CR0_FIXED0          equ 0x486
IA32_VMX_CR0_FIXED1          equ 0x487
IA32_VMX_CR4_FIXED0          equ 0x488
IA32_VMX_CR4_FIXED1          equ 0x489
IA32_VMX_PROCBASED_CTLS2     equ 0x48b
IA32_VMX_TRUE_PINBASED_CTLS  equ 0x48d
IA32_VMX_TRUE_PROCBASED_CTLS equ 0x48e
IA32_VMX_TRUE_EXIT_CTLS      equ 0x48f
IA32_VMX_TRUE_ENTRY_CTLS     equ 0x490

CR4_VMXE equ 1 << 13

; VMCS field encodings (SDM Vol. 3C, Appendix B).
VIRTUAL_PROCESSOR_ID          equ 0x0000
GUEST_ES_SELECTOR             equ 0x0800   ; ES CS SS DS FS GS LDTR TR: + 2 each
GUEST_CS_SELECTOR             equ 0x0802
GUEST_SS_SELECTOR             equ 0x0804
GUEST_DS_SELECTOR             equ 0x0806
GUEST_FS_SELECTOR             equ 0x0808
GUEST_GS_SELECTOR             equ 0x080a
GUEST_LDTR_SELECTOR           equ 0x080c
GUEST_TR_SELECTOR             equ 0x080e
HOST_ES_SELECTOR              equ 0x0c00
HOST_CS_SELECTOR              equ 0x0c02
HOST_SS_SELECTOR              equ 0x0c04
HOST_DS_SELECTOR              equ 0x0c06
HOST_FS_SELECTOR              equ 0x0c08
HOST_GS_SELECTOR              equ 0x0c0a
HOST_TR_SELECTOR              equ 0x0c0c
MSR_BITMAP                    equ 0x2004
EPT_POINTER                   equ 0x201a
GUEST_PHYSICAL_ADDRESS        equ 0x2400
VMCS_LINK_POINTER             equ 0x2800
GUEST_IA32_DEBUGCTL           equ 0x2802
GUEST_IA32_EFER               equ 0x2806
HOST_IA32_EFER                equ 0x2c02
PIN_BASED_VM_EXEC_CONTROL     equ 0x4000
CPU_BASED_VM_EXEC_CONTROL     equ 0x4002
EXCEPTION_BITMAP              equ 0x4004
CR3_TARGET_COUNT              equ 0x400a
VM_EXIT_CONTROLS              equ 0x400c
VM_EXIT_MSR_STORE_COUNT       equ 0x400e
VM_EXIT_MSR_LOAD_COUNT        equ 0x4010
VM_ENTRY_CONTROLS             equ 0x4012
VM_ENTRY_MSR_LOAD_COUNT       equ 0x4014
VM_ENTRY_INTR_INFO_FIELD      equ 0x4016
VM_ENTRY_EXCEPTION_ERROR_CODE equ 0x4018
VM_ENTRY_INSTRUCTION_LEN      equ 0x401a
SECONDARY_VM_EXEC_CONTROL     equ 0x401e
VM_INSTRUCTION_ERROR          equ 0x4400
VM_EXIT_REASON                equ 0x4402
VM_EXIT_INTR_INFO             equ 0x4404
VM_EXIT_INSTRUCTION_LEN       equ 0x440c
VMX_INSTRUCTION_INFO          equ 0x440e
GUEST_ES_LIMIT                equ 0x4800   ; ES CS SS DS FS GS LDTR TR: + 2 each
GUEST_CS_LIMIT                equ 0x4802
GUEST_SS_LIMIT                equ 0x4804
GUEST_DS_LIMIT                equ 0x4806
GUEST_FS_LIMIT                equ 0x4808
GUEST_GS_LIMIT                equ 0x480a
GUEST_LDTR_LIMIT              equ 0x480c
GUEST_TR_LIMIT                equ 0x480e
GUEST_GDTR_LIMIT              equ 0x4810
GUEST_IDTR_LIMIT              equ 0x4812
GUEST_ES_AR_BYTES             equ 0x4814   ; ES CS SS DS FS GS LDTR TR: + 2 each
GUEST_CS_AR_BYTES             equ 0x4816
GUEST_SS_AR_BYTES             equ 0x4818
GUEST_DS_AR_BYTES             equ 0x481a
GUEST_FS_AR_BYTES             equ 0x481c
GUEST_GS_AR_BYTES             equ 0x481e
GUEST_LDTR_AR_BYTES           equ 0x4820
GUEST_TR_AR_BYTES             equ 0x4822
GUEST_INTERRUPTIBILITY_INFO   equ 0x4824
GUEST_ACTIVITY_STATE          equ 0x4826
GUEST_SYSENTER_CS             equ 0x482a
HOST_IA32_SYSENTER_CS         equ 0x4c00
CR0_GUEST_HOST_MASK           equ 0x6000
CR4_GUEST_HOST_MASK           equ 0x6002
CR0_READ_SHADOW               equ 0x6004
CR4_READ_SHADOW               equ 0x6006
EXIT_QUALIFICATION            equ 0x6400
GUEST_LINEAR_ADDRESS          equ 0x640a
GUEST_CR0                     equ 0x6800
GUEST_CR3                     equ 0x6802
GUEST_CR4                     equ 0x6804
GUEST_ES_BASE                 equ 0x6806   ; ES CS SS DS FS GS LDTR TR: + 2 each
GUEST_CS_BASE                 equ 0x6808
GUEST_SS_BASE                 equ 0x680a
GUEST_DS_BASE                 equ 0x680c
GUEST_FS_BASE                 equ 0x680e
GUEST_GS_BASE                 equ 0x6810
GUEST_LDTR_BASE               equ 0x6812
GUEST_TR_BASE                 equ 0x6814
GUEST_GDTR_BASE               equ 0x6816
GUEST_IDTR_BASE               equ 0x6818
GUEST_DR7                     equ 0x681a
GUEST_RSP                     equ 0x681c
GUEST_RIP                     equ 0x681e
GUEST_RFLAGS                  equ 0x6820
GUEST_PENDING_DBG_EXCEPTIONS  equ 0x6822
GUEST_SYSENTER_ESP            equ 0x6824
GUEST_SYSENTER_EIP            equ 0x6826
HOST_CR0                      equ 0x6c00
HOST_CR3                      equ 0x6c02
HOST_CR4                      equ 0x6c04
HOST_FS_BASE                  equ 0x6c06
HOST_GS_BASE                  equ 0x6c08
HOST_TR_BASE                  equ 0x6c0a
HOST_GDTR_BASE                equ 0x6c0c
HOST_IDTR_BASE                equ 0x6c0e
HOST_IA32_SYSENTER_ESP        equ 0x6c10
HOST_IA32_SYSENTER_EIP        equ 0x6c12
HOST_RSP                      equ 0x6c14
HOST_RIP                      equ 0x6c16

; Controls (SDM Vol. 3C, 25.6.1, 25.6.2, 25.7.1, 25.8.1).
VTX_EXTERNAL_INTERRUPT_EXITING equ 1 << 0   ; pin-based
VTX_INTERRUPT_WINDOW_EXITING   equ 1 << 2   ; primary processor-based
VTX_HLT_EXITING                equ 1 << 7
VTX_USE_MSR_BITMAPS            equ 1 << 28
VTX_ACTIVATE_SECONDARY         equ 1 << 31
VTX_ENABLE_EPT                 equ 1 << 1   ; secondary processor-based
VTX_DESCRIPTOR_TABLE_EXITING   equ 1 << 2
VTX_ENABLE_VPID                equ 1 << 5
VTX_HOST_ADDRESS_SPACE_SIZE    equ 1 << 9   ; VM-exit
VTX_ACK_INTERRUPT_ON_EXIT      equ 1 << 15
VTX_SAVE_IA32_EFER             equ 1 << 20
VTX_LOAD_IA32_EFER_ON_EXIT     equ 1 << 21
VTX_IA32E_MODE_GUEST           equ 1 << 9   ; VM-entry
VTX_LOAD_IA32_EFER_ON_ENTRY    equ 1 << 15

%ifndef VTX_PROC2_EXTRA
%define VTX_PROC2_EXTRA 0
%endif

; Interruption-information format, for VM_EXIT_INTR_INFO and
; VM_ENTRY_INTR_INFO_FIELD (25.8.3, Table 25-17; 25.9.2):
;
;   31      30:12     11            10:8              7:0
;  +-------+---------+-------------+-----------------+--------+
;  | valid | 0       | deliver     | type: 0 external | vector |
;  |       |         | error code  | interrupt, 2 NMI,|        |
;  |       |         |             | 3 hardware exc.  |        |
;  +-------+---------+-------------+-----------------+--------+
INTR_INFO_VALID       equ 1 << 31
INTR_INFO_ERROR_CODE  equ 1 << 11
INTR_TYPE_EXTERNAL    equ 0 << 8
INTR_TYPE_HW_EXCEPTION equ 3 << 8

; Guest interruptibility state (25.4.2, Table 25-3).
BLOCKING_BY_STI       equ 1 << 0
BLOCKING_BY_MOV_SS    equ 1 << 1
RFLAGS_IF             equ 1 << 9

; Exit reasons used below (SDM Vol. 3C, Appendix C).
EXIT_REASON_EXCEPTION_NMI      equ 0
EXIT_REASON_EXTERNAL_INTERRUPT equ 1
EXIT_REASON_TRIPLE_FAULT       equ 2
EXIT_REASON_INTERRUPT_WINDOW   equ 7
EXIT_REASON_CPUID              equ 10
EXIT_REASON_VMCALL             equ 18
EXIT_REASON_GDTR_IDTR          equ 46
EXIT_REASON_EPT_VIOLATION      equ 48
EXIT_REASON_MAX                equ 64
VMENTRY_FAILURE                equ 1 << 31  ; in VM_EXIT_REASON (28.2.1)

; EPT paging-structure entries (29.3.2, Tables 29-1 to 29-6).
EPT_R       equ 1 << 0
EPT_W       equ 1 << 1
EPT_X       equ 1 << 2
EPT_RWX     equ EPT_R | EPT_W | EPT_X
EPT_WB      equ 6 << 3          ; leaf memory type: write-back
EPT_PAGE    equ 1 << 7          ; a PDE that maps a 2 MiB page
; The EPT pointer (25.6.11): memory type WB (6) in bits 2:0, the walk
; length minus one (4 - 1) in bits 5:3, the PML4's address above.
EPTP_WB_4LEVEL equ 6 | (3 << 3)

; The guest's memory: guest-physical 0 .. GUEST_RAM_SIZE lives at
; host-physical GUEST_RAM_HPA (16 MiB), so a guest-physical address is
; never the host-physical address with the same number.
GUEST_RAM_HPA   equ 0x1000000
GUEST_RAM_SIZE  equ 0x800000
GUEST_PD_GPA    equ 0x1000       ; the guest's first page directory
GUEST_ENTRY     equ 0x100000     ; its first instruction
GUEST_CR0_VALUE equ 0x80000031   ; PG, NE, ET, PE
GUEST_CR4_VALUE equ 0x00000010   ; PSE: 4 MiB pages; VMXE is added below
PDE_4M_KERNEL   equ 0x83         ; 32-bit PDE: present, writable, 4 MiB page

; The host's segments, in host_gdt below.
HOST_SEL_CODE equ 0x08
HOST_SEL_DATA equ 0x10
HOST_SEL_TSS  equ 0x20

VTX_HOST_BASE equ 0x100000      ; where the scenario loads this file (its org)

DEBUGCON equ 0xe9                ; the console: one byte per OUT
EXITPORT equ 0xf4                ; OUT of a code ends the run

; ---- 1. The host: its own GDT and TSS ----------------------------------

start:
	mov rsp, host_stack_top
	mov rsi, msg_hello
	call puts
	; VM exits load the host's CS, SS, DS, ES, FS, GS and TR selectors
	; from the VMCS, and the checks of 27.2.3 want TR to name a TSS. The
	; loader's long64 GDT has no TSS, so the host brings its own GDT.
	lgdt [host_gdtr]
	push HOST_SEL_CODE
	lea rax, [.reload_cs]
	push rax
	retfq                           ; far return: CS := 08H from the new GDT
.reload_cs:
	mov ax, HOST_SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov ax, HOST_SEL_TSS
	ltr ax

; ---- 2. Is VMX there, and may we use it? --------------------------------

	; CPUID.1:ECX.VMX[bit 5] = 1: the processor supports VMX
	; (SDM Vol. 3C, 24.6 "Discovering Support for VMX").
	mov eax, 1
	cpuid
	bt ecx, 5
	jnc no_vmx
	; IA32_FEATURE_CONTROL (24.7 "Enabling and Entering VMX Operation"):
	; VMXON outside SMX needs bit 2 set and the MSR locked (bit 0), else
	; VMXON raises #GP. Firmware normally locks it; if nobody has, we do.
	mov ecx, IA32_FEATURE_CONTROL
	rdmsr
	test eax, FEATURE_CONTROL_LOCK
	jnz .locked
	or eax, FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX
	wrmsr
.locked:
	test eax, FEATURE_CONTROL_VMX_OUTSIDE_SMX
	jz no_vmx
	mov rsi, msg_vmx_ok
	call puts

; ---- 3. CR0 and CR4 as VMX operation wants them ------------------------

	; CR4.VMXE = 1 enables VMXON (24.7). In VMX operation, CR0 and CR4
	; must keep the bits that IA32_VMX_CRn_FIXED0 has at 1 set and the
	; bits that IA32_VMX_CRn_FIXED1 has at 0 clear (24.8 "Restrictions
	; on VMX Operation"; Appendix A.7, A.8).
	mov rax, cr4
	or rax, CR4_VMXE
	mov cr4, rax
	mov rax, cr0
	mov ecx, IA32_VMX_CR0_FIXED0
	call check_fixed
	mov rax, cr4
	mov ecx, IA32_VMX_CR4_FIXED0
	call check_fixed

; ---- 4. VMXON -----------------------------------------------------------

	; Both the VMXON region and each VMCS region begin with the VMCS
	; revision identifier, IA32_VMX_BASIC bits 30:0 (25.2 "Format of the
	; VMCS Region"; Appendix A.1). Bits 44:32 give the region size.
	mov ecx, IA32_VMX_BASIC
	rdmsr
	and eax, 0x7fffffff
	mov [vmxon_region], eax
	mov [vmcs_region], eax
	vmxon [vmxon_ptr]               ; now in VMX root operation
	jbe vmx_failed                  ; CF = 1 (VMfailInvalid) or ZF = 1 (31.2)
	mov rsi, msg_vmxon
	call puts

; ---- 5. VMCLEAR, VMPTRLD -------------------------------------------------

	; VMCLEAR initializes the region and makes its launch state "clear";
	; VMPTRLD makes it the current VMCS, the one VMREAD, VMWRITE and
	; VMLAUNCH act on (25.1 "Overview"; 25.11.3 "Initializing a VMCS").
	vmclear [vmcs_ptr]
	jbe vmx_failed
	vmptrld [vmcs_ptr]
	jbe vmx_failed

; ---- 6. EPT: guest-physical memory -------------------------------------

	call ept_build

; ---- 7. The guest's first page directory -------------------------------

	; Without "unrestricted guest" a guest runs with CR0.PE = CR0.PG = 1
	; (IA32_VMX_CR0_FIXED0; 27.3.1.1), so it needs page tables from its
	; first instruction. The hypervisor plays firmware and leaves it a
	; page directory at guest-physical GUEST_PD_GPA: linear 0 .. 8 MiB
	; onto guest-physical 0 .. 8 MiB with 4 MiB pages (SDM Vol. 3A,
	; 5.3 "32-Bit Paging"). The hypervisor writes guest memory at its
	; host-physical address, which its own identity map makes linear.
	mov rdi, GUEST_RAM_HPA + GUEST_PD_GPA
	xor eax, eax
	mov ecx, 1024
	rep stosd
	mov dword [GUEST_RAM_HPA + GUEST_PD_GPA + 0], 0x000000 | PDE_4M_KERNEL
	mov dword [GUEST_RAM_HPA + GUEST_PD_GPA + 4], 0x400000 | PDE_4M_KERNEL

; ---- 8. The VMCS from its table ------------------------------------------

	lea rsi, [vmcs_table]
	call vmcs_load_table
	mov rsi, msg_vmcs
	call puts

; ---- 9. Host state that only the CPU knows ------------------------------

	; The host-state area (25.5) is what a VM exit loads (28.5 "Loading
	; Host State"): the host continues at HOST_RIP with these registers.
	mov rax, cr0
	mov edx, HOST_CR0
	vmwrite rdx, rax
	mov rax, cr3                    ; the host's own address space: a
	mov edx, HOST_CR3               ; VM exit switches back to it, so
	vmwrite rdx, rax                ; nothing of the host is in the guest's
	mov rax, cr4
	mov edx, HOST_CR4
	vmwrite rdx, rax
	sidt [host_idtr]
	mov rax, [host_idtr + 2]
	mov edx, HOST_IDTR_BASE
	vmwrite rdx, rax
	mov ecx, IA32_EFER
	rdmsr
	shl rdx, 32
	or rax, rdx
	mov edx, HOST_IA32_EFER
	vmwrite rdx, rax

; ---- 10. VMLAUNCH --------------------------------------------------------

	mov rsi, msg_launch
	call puts
	; The general-purpose registers other than RSP are not in the VMCS:
	; the guest starts with whatever they hold at VMLAUNCH (27.3.2).
	call load_guest_regs
	vmlaunch
	; Only reached if VM entry failed its checks on the controls and the
	; host state (VMfailValid, 27.2); a failure in the guest state exits
	; to HOST_RIP with exit reason bit 31 set instead (27.8).
	jmp vmx_failed

; ---- VM exits ------------------------------------------------------------

; Every VM exit lands here, at HOST_RIP, with RSP = HOST_RSP, the host's
; segments and control registers from the host-state area, RFLAGS = 2
; (IF = 0), and the guest's general-purpose registers still in the
; registers (28.5 "Loading Host State").
vm_exit:
	call save_guest_regs
	mov edx, VM_EXIT_REASON
	vmread rax, rdx
	test eax, VMENTRY_FAILURE       ; a VM entry that failed on guest state (27.8)
	jnz entry_failed
	movzx eax, ax                   ; bits 15:0: the basic exit reason (28.2.1)
	cmp eax, EXIT_REASON_MAX
	ja on_unexpected
	inc qword [exit_counts + rax * 8]
	inc qword [exit_total]
	call [exit_handlers + rax * 8]
	; The handler returned: back into the guest. VMRESUME, because the
	; VMCS's launch state is "launched" since the first VMLAUNCH (31.3).
	call load_guest_regs
	vmresume
	jmp vmx_failed

; The exit-handler dispatch table: one row per basic exit reason
; (SDM Vol. 3C, Appendix C, Table C-1). A lab adds a handler by changing
; its row.
align 8
exit_handlers:
	dq on_unexpected                ;  0 EXCEPTION_NMI (exception bitmap, NMI exiting)
	dq on_external_interrupt        ;  1 EXTERNAL_INTERRUPT
	dq on_triple_fault              ;  2 TRIPLE_FAULT
	dq on_unexpected                ;  3 INIT_SIGNAL
	dq on_unexpected                ;  4 SIPI
	dq on_unexpected                ;  5 I/O SMI
	dq on_unexpected                ;  6 other SMI
	dq on_interrupt_window          ;  7 INTERRUPT_WINDOW
	dq on_unexpected                ;  8 NMI_WINDOW
	dq on_unexpected                ;  9 TASK_SWITCH
	dq on_cpuid                     ; 10 CPUID
	dq on_unexpected                ; 11 GETSEC
	dq on_unexpected                ; 12 HLT
	dq on_unexpected                ; 13 INVD
	dq on_unexpected                ; 14 INVLPG
	dq on_unexpected                ; 15 RDPMC
	dq on_unexpected                ; 16 RDTSC
	dq on_unexpected                ; 17 RSM
	dq on_vmcall                    ; 18 VMCALL
	dq on_unexpected                ; 19 VMCLEAR
	dq on_unexpected                ; 20 VMLAUNCH
	dq on_unexpected                ; 21 VMPTRLD
	dq on_unexpected                ; 22 VMPTRST
	dq on_unexpected                ; 23 VMREAD
	dq on_unexpected                ; 24 VMRESUME
	dq on_unexpected                ; 25 VMWRITE
	dq on_unexpected                ; 26 VMXOFF
	dq on_unexpected                ; 27 VMXON
	dq on_unexpected                ; 28 CR_ACCESS
	dq on_unexpected                ; 29 DR_ACCESS
	dq on_unexpected                ; 30 IO_INSTRUCTION
	dq on_unexpected                ; 31 MSR_READ
	dq on_unexpected                ; 32 MSR_WRITE
	dq on_unexpected                ; 33 (VM-entry failure: invalid guest state)
	dq on_unexpected                ; 34 (VM-entry failure: MSR loading)
	dq on_unexpected                ; 35
	dq on_unexpected                ; 36 MWAIT_INSTRUCTION
	dq on_unexpected                ; 37 MONITOR_TRAP_FLAG
	dq on_unexpected                ; 38
	dq on_unexpected                ; 39 MONITOR_INSTRUCTION
	dq on_unexpected                ; 40 PAUSE_INSTRUCTION
	dq on_unexpected                ; 41 (VM-entry failure: machine check)
	dq on_unexpected                ; 42
	dq on_unexpected                ; 43 TPR_BELOW_THRESHOLD
	dq on_unexpected                ; 44 APIC_ACCESS
	dq on_unexpected                ; 45 EOI_INDUCED
	dq on_gdtr_idtr                 ; 46 GDTR_IDTR (LGDT LIDT SGDT SIDT)
	dq on_unexpected                ; 47 LDTR_TR (LLDT LTR SLDT STR)
	dq on_ept_violation             ; 48 EPT_VIOLATION
	dq on_unexpected                ; 49 EPT_MISCONFIG
	dq on_unexpected                ; 50 INVEPT
	dq on_unexpected                ; 51 RDTSCP
	dq on_unexpected                ; 52 PREEMPTION_TIMER
	dq on_unexpected                ; 53 INVVPID
	dq on_unexpected                ; 54 WBINVD
	dq on_unexpected                ; 55 XSETBV
	dq on_unexpected                ; 56 APIC_WRITE
	dq on_unexpected                ; 57 RDRAND
	dq on_unexpected                ; 58 INVPCID
	dq on_unexpected                ; 59 VMFUNC
	dq on_unexpected                ; 60 ENCLS
	dq on_unexpected                ; 61 RDSEED
	dq on_unexpected                ; 62 PML_FULL
	dq on_unexpected                ; 63 XSAVES
	dq on_unexpected                ; 64 XRSTORS

; ---- Exit handlers ---------------------------------------------------------

; EXTERNAL_INTERRUPT (1). With "external-interrupt exiting" every
; interrupt the platform raises exits, whatever the guest's RFLAGS.IF
; (26.2 "Other Causes of VM Exits"): the host, not the guest, decides
; when the CPU takes interrupts. With "acknowledge interrupt on exit"
; the processor has already done the INTA cycle: the PIC has moved the
; request to its in-service register and the vector is in
; VM_EXIT_INTR_INFO (28.2.2). The interrupt belongs to the guest (it
; programmed the PIT and the PIC, which pass through), so the host
; queues it for the guest and injects it as soon as the guest can take
; it.
on_external_interrupt:
	mov edx, VM_EXIT_INTR_INFO
	vmread rax, rdx
	test eax, INTR_INFO_VALID
	jz inject_pending
	movzx eax, al
	mov [pending_vector], eax       ; a queue of one: the PIC holds the next
	mov byte [pending_valid], 1     ; IRQ0 until the guest's EOI
	jmp inject_pending

; INTERRUPT_WINDOW (7). "Interrupt-window exiting" makes the processor
; exit at the first instruction boundary where the guest has RFLAGS.IF
; = 1 and no blocking by STI or MOV SS (26.2; 27.7.5 "Interrupt-Window
; Exiting and Virtual-Interrupt Delivery"): the moment the guest could
; take an interrupt.
on_interrupt_window:
	jmp inject_pending

; inject_pending: if an interrupt is queued, inject it now if the guest
; can take it, else ask for an interrupt-window exit.
;
; Event injection (27.6 "Event Injection"): with the valid bit of
; VM_ENTRY_INTR_INFO_FIELD set, the next VM entry delivers the event
; through the guest's IDT after loading the guest state, as if it had
; happened at the guest's first instruction. An external interrupt may
; only be injected when RFLAGS.IF = 1 (27.3.1.4 "Checks on Guest RIP,
; RFLAGS, and SSP") and there is no blocking by STI or MOV SS (27.3.1.5
; "Checks on Guest Non-Register State"), which is what the interrupt
; window guarantees. A halted guest (activity state HLT) wakes up to take
; it (27.7.2 "Activity State").
inject_pending:
	cmp byte [pending_valid], 0
	je .window_off
	mov edx, GUEST_RFLAGS
	vmread rax, rdx
	test eax, RFLAGS_IF
	jz .window_on
	mov edx, GUEST_INTERRUPTIBILITY_INFO
	vmread rax, rdx
	test eax, BLOCKING_BY_STI | BLOCKING_BY_MOV_SS
	jnz .window_on
	mov eax, [pending_vector]
	or eax, INTR_INFO_VALID | INTR_TYPE_EXTERNAL
	mov edx, VM_ENTRY_INTR_INFO_FIELD
	vmwrite rdx, rax
	mov byte [pending_valid], 0
	inc qword [injected]
.window_off:
	mov edx, CPU_BASED_VM_EXEC_CONTROL
	vmread rax, rdx
	and eax, ~VTX_INTERRUPT_WINDOW_EXITING
	vmwrite rdx, rax
	ret
.window_on:
	mov edx, CPU_BASED_VM_EXEC_CONTROL
	vmread rax, rdx
	or eax, VTX_INTERRUPT_WINDOW_EXITING
	vmwrite rdx, rax
	ret

; CPUID (10) exits unconditionally (26.1.2 "Instructions That Cause VM
; Exits Unconditionally"). The host runs CPUID itself and hands the
; guest the answer with CPUID.1:ECX.VMX cleared: this hypervisor does
; not offer nested VMX. Then the guest goes on after the instruction.
on_cpuid:
	mov eax, [guest_regs + 0 * 8]   ; the guest's EAX (leaf) and ECX (subleaf)
	mov ecx, [guest_regs + 1 * 8]
	cpuid
	cmp dword [guest_regs + 0 * 8], 1
	jne .store
	and ecx, ~(1 << 5)
.store:
	mov [guest_regs + 0 * 8], rax   ; CPUID zero-extends into 64 bits
	mov [guest_regs + 1 * 8], rcx
	mov [guest_regs + 2 * 8], rdx
	mov [guest_regs + 3 * 8], rbx
	jmp skip_instruction

; VMCALL (18) exits unconditionally (26.1.2): the guest's hypercall.
; EAX = 0: the guest is done; EAX = 1: it failed, EBX says how.
on_vmcall:
	mov eax, [guest_regs + 0 * 8]
	test eax, eax
	jnz .failed
	mov rsi, msg_done
	call puts
	mov rax, [exit_total]
	call put_dec
	mov rsi, msg_done2
	call puts
	; Leave VMX operation (31.3 VMXOFF) and stop: HLT with IF = 0.
	vmxoff
	mov rax, cr4
	and rax, ~CR4_VMXE
	mov cr4, rax
	hlt
.failed:
	mov rsi, msg_guest_failed
	call puts
	mov rax, [guest_regs + 3 * 8]
	call put_dec
	mov al, 10
	out DEBUGCON, al
	mov al, 3
	out EXITPORT, al
	hlt

; GDTR_IDTR (46): with "descriptor-table exiting" LGDT, LIDT, SGDT and
; SIDT exit (26.1.3 "Instructions That Cause VM Exits Conditionally").
; The host emulates the instruction on the guest's GDTR and IDTR in the
; guest-state area, which is where the processor keeps them while the
; host runs. The exit qualification holds the memory operand's
; displacement, VMX_INSTRUCTION_INFO how to form its address (28.2.5
; "Information for VM Exits Due to Instruction Execution", the table for
; LIDT, LGDT, SIDT, or SGDT):
;
;   31:30  29:28     27     26:23  22     21:18  17:15    11       9:7       1:0
;  +-----+---------+------+------+------+------+--------+--------+---------+-------+
;  |     | 0 SGDT  | base | base | index| index| segment| operand| address | scale |
;  |     | 1 SIDT  | inv. | reg  | inv. | reg  | ES..GS | size   | size    |       |
;  |     | 2 LGDT  |      |      |      |      |        | 1: 32  | 1: 32   |       |
;  |     | 3 LIDT  |      |      |      |      |        |        |         |       |
;  +-----+---------+------+------+------+------+--------+--------+---------+-------+
on_gdtr_idtr:
	call operand_address            ; RAX := the operand's guest-linear address
	call gla_to_hpa                 ; RAX := its host-physical address (CF: none)
	jc on_unexpected
	mov rdi, rax
	mov edx, VMX_INSTRUCTION_INFO
	vmread rax, rdx
	shr eax, 28
	and eax, 3
	; The pseudo-descriptor in memory: a 16-bit limit, then the base
	; (32 bits with a 32-bit operand size).
	mov ebx, GUEST_GDTR_BASE        ; identity 0 and 2: the GDTR
	mov ecx, GUEST_GDTR_LIMIT
	test eax, 1
	jz .which
	mov ebx, GUEST_IDTR_BASE        ; identity 1 and 3: the IDTR
	mov ecx, GUEST_IDTR_LIMIT
.which:
	test eax, 2
	jnz .load
	vmread rax, rcx                 ; SGDT/SIDT: store limit and base
	mov [rdi], ax
	vmread rax, rbx
	mov [rdi + 2], eax
	jmp skip_instruction
.load:
	movzx eax, word [rdi]           ; LGDT/LIDT: load them from memory
	vmwrite rcx, rax
	mov eax, [rdi + 2]
	vmwrite rbx, rax
	jmp skip_instruction

; EPT_VIOLATION (48): the guest touched a guest-physical address that
; the EPT does not map, or not for that kind of access (29.3.3.2). Its
; guest-physical address is in GUEST_PHYSICAL_ADDRESS, the linear
; address in GUEST_LINEAR_ADDRESS when qualification bit 7 is set
; (28.2.1, Table 28-7). This guest has no memory above GUEST_RAM_SIZE:
; the host reflects the access to the guest as a page fault, as if the
; guest's own page tables did not map it. CR2 is not part of the VMCS:
; VM entry leaves it alone (27.3.2), so the host loads the guest's CR2
; with MOV before VMRESUME, and injects #PF with its error code
; (27.6.1.1 "Details of Vectored-Event Injection").
on_ept_violation:
	mov edx, EXIT_QUALIFICATION
	vmread rbx, rdx
	bt ebx, 7                       ; no guest-linear address: the walk of
	jnc on_unexpected               ; the guest's own page tables hit it
	mov edx, GUEST_LINEAR_ADDRESS
	vmread rax, rdx
	mov cr2, rax
	; #PF error code (SDM Vol. 3A, 5.7): bit 1 W/R from the
	; qualification's "data write" bit 1; bit 2 U/S: the guest's CPL,
	; the DPL in SS's access rights; bit 0 P = 0: nothing there.
	mov ecx, ebx
	and ecx, 2
	mov edx, GUEST_SS_AR_BYTES
	vmread rax, rdx
	test eax, 3 << 5
	jz .supervisor
	or ecx, 4
.supervisor:
	mov edx, VM_ENTRY_EXCEPTION_ERROR_CODE
	vmwrite rdx, rcx
	mov eax, INTR_INFO_VALID | INTR_INFO_ERROR_CODE | INTR_TYPE_HW_EXCEPTION | 14
	mov edx, VM_ENTRY_INTR_INFO_FIELD
	vmwrite rdx, rax
	inc qword [injected]
	ret                             ; a fault: GUEST_RIP still names the access

; TRIPLE_FAULT (2): the guest could not deliver an exception. Without
; VMX that shuts the processor down; in non-root operation it exits
; (26.2) and the host decides. This one reports it and stops.
on_triple_fault:
	mov rsi, msg_triple
	call puts
	mov al, 4
	out EXITPORT, al
	hlt

on_unexpected:
	mov rsi, msg_unexpected
	call puts
	mov edx, VM_EXIT_REASON
	vmread rax, rdx
	movzx eax, ax
	call put_dec
	mov rsi, msg_at
	call puts
	mov edx, GUEST_RIP
	vmread rax, rdx
	call put_hex
	mov al, 10
	out DEBUGCON, al
	mov al, 2
	out EXITPORT, al
	hlt

; skip_instruction: the guest's instruction that exited is done:
; GUEST_RIP += VM_EXIT_INSTRUCTION_LEN (28.2.5), and blocking by STI or
; MOV SS ends with it, as it would after any instruction.
skip_instruction:
	mov edx, GUEST_RIP
	vmread rax, rdx
	mov edx, VM_EXIT_INSTRUCTION_LEN
	vmread rcx, rdx
	add rax, rcx
	mov edx, GUEST_RIP
	vmwrite rdx, rax
	mov edx, GUEST_INTERRUPTIBILITY_INFO
	vmread rax, rdx
	and eax, ~(BLOCKING_BY_STI | BLOCKING_BY_MOV_SS)
	vmwrite rdx, rax
	ret

; ---- Guest memory, seen from the host -----------------------------------

; operand_address: RAX := the guest-linear address of the memory operand
; of the instruction that exited, from VMX_INSTRUCTION_INFO and the
; displacement in EXIT_QUALIFICATION (28.2.5): segment base + base +
; index * scale + displacement, truncated to the address size.
operand_address:
	mov edx, VMX_INSTRUCTION_INFO
	vmread rbx, rdx
	mov edx, EXIT_QUALIFICATION
	vmread rsi, rdx                 ; the displacement
	bt ebx, 27                      ; base register valid?
	jc .no_base
	mov ecx, ebx
	shr ecx, 23
	and ecx, 15
	call guest_reg
	add rsi, rax
.no_base:
	bt ebx, 22                      ; index register valid?
	jc .no_index
	mov ecx, ebx
	shr ecx, 18
	and ecx, 15
	call guest_reg
	mov ecx, ebx
	and ecx, 3
	shl rax, cl
	add rsi, rax
.no_index:
	mov ecx, ebx                    ; + the segment's base, from the VMCS
	shr ecx, 15
	and ecx, 7
	lea edx, [GUEST_ES_BASE + rcx * 2]
	vmread rax, rdx
	add rax, rsi
	mov ecx, ebx
	shr ecx, 7
	and ecx, 7
	cmp ecx, 2                      ; 64-bit address size: as is
	je .done
	mov eax, eax                    ; 32-bit (and 16-bit: not used here)
.done:
	ret

; guest_reg: RAX := the guest's register number ECX (0 RAX, 1 RCX, 2 RDX,
; 3 RBX, 4 RSP, 5 RBP, 6 RSI, 7 RDI, 8-15 R8-R15; the order of Table 28-3).
guest_reg:
	cmp ecx, 4
	je .rsp
	mov rax, [guest_regs + rcx * 8]
	ret
.rsp:
	mov edx, GUEST_RSP              ; RSP lives in the guest-state area
	vmread rax, rdx
	ret

; gla_to_hpa: RAX := the host-physical address of guest-linear address
; RAX, by the two translations the processor does for the guest:
; guest paging (32-bit paging from GUEST_CR3, SDM Vol. 3A, 5.3), whose
; tables are themselves at guest-physical addresses, then EPT. CF = 1
; if either has no mapping. (4 KiB pages need no more than one page of
; the operand: the pseudo-descriptors here do not cross pages.)
gla_to_hpa:
	push rbx
	mov rbx, rax                    ; the linear address
	mov edx, GUEST_CR3
	vmread rax, rdx
	and eax, 0xfffff000
	mov ecx, ebx
	shr ecx, 22
	lea rax, [rax + rcx * 4]        ; guest-physical address of the PDE
	call gpa_to_hpa
	jc .out
	mov eax, [rax]                  ; the PDE
	test eax, 1
	jz .none
	test eax, 0x80                  ; PS: a 4 MiB page
	jz .table
	and eax, 0xffc00000
	mov ecx, ebx
	and ecx, 0x3fffff
	add eax, ecx
	jmp .gpa
.table:
	and eax, 0xfffff000
	mov ecx, ebx
	shr ecx, 12
	and ecx, 0x3ff
	lea rax, [rax + rcx * 4]        ; guest-physical address of the PTE
	call gpa_to_hpa
	jc .out
	mov eax, [rax]
	test eax, 1
	jz .none
	and eax, 0xfffff000
	mov ecx, ebx
	and ecx, 0xfff
	add eax, ecx
.gpa:
	call gpa_to_hpa
	jmp .out
.none:
	stc
.out:
	pop rbx
	ret

; gpa_to_hpa: RAX := the host-physical address of guest-physical address
; RAX, CF = 1 if the guest has no memory there. ept_build maps the
; guest's RAM as one block, so this is an offset; a hypervisor with a
; sparser EPT walks its own tables here the way the processor does
; (29.3.2 "EPT Translation Mechanism").
gpa_to_hpa:
	cmp rax, GUEST_RAM_SIZE
	jae .none
	add rax, GUEST_RAM_HPA
	clc
	ret
.none:
	stc
	ret

; ---- Building the VMCS ---------------------------------------------------

; vmcs_load_table: VMWRITE each (field, value) row at RSI until the field
; -1. Control fields go through adjust_control first.
vmcs_load_table:
.row:
	mov rdx, [rsi]
	cmp rdx, -1
	je .done
	mov rax, [rsi + 8]
	call adjust_control
	vmwrite rdx, rax
	jbe vmx_failed
	add rsi, 16
	jmp .row
.done:
	ret

; adjust_control: if RDX is one of the five VM-execution, VM-exit or
; VM-entry control fields, RAX := (RAX | allowed-0 settings) & allowed-1
; settings of its capability MSR (Appendix A.3-A.5: bits 31:0 say which
; controls must be 1, bits 63:32 which may be 1). The TRUE MSRs are used
; (IA32_VMX_BASIC bit 55 says they exist): they let some "default1"
; controls be 0, such as CR3-load and CR3-store exiting, which a
; hypervisor with EPT does not want. A control we asked for that the
; processor cannot set stops the hypervisor.
adjust_control:
	push rbx
	push rcx
	lea rbx, [control_caps]
.find:
	cmp qword [rbx], -1
	je .out
	cmp [rbx], rdx
	je .found
	add rbx, 16
	jmp .find
.found:
	push rdx                        ; the field
	mov r8d, eax                    ; the controls we want
	mov ecx, [rbx + 8]
	rdmsr                           ; EAX: allowed-0 settings, EDX: allowed-1
	mov r9d, r8d
	or r9d, eax                     ; add the controls that must be 1
	and r9d, edx                    ; drop the controls that must be 0
	pop rdx
	mov eax, r9d
	not r9d
	test r8d, r9d                   ; did we lose one we wanted?
	jnz .unsupported
.out:
	pop rcx
	pop rbx
	ret
.unsupported:
	mov rsi, msg_control
	call puts
	mov rax, rdx
	call put_hex
	mov al, 10
	out DEBUGCON, al
	mov al, 3
	out EXITPORT, al
	hlt

align 8
control_caps:                           ; control field, its capability MSR
	dq PIN_BASED_VM_EXEC_CONTROL, IA32_VMX_TRUE_PINBASED_CTLS
	dq CPU_BASED_VM_EXEC_CONTROL, IA32_VMX_TRUE_PROCBASED_CTLS
	dq SECONDARY_VM_EXEC_CONTROL, IA32_VMX_PROCBASED_CTLS2
	dq VM_EXIT_CONTROLS, IA32_VMX_TRUE_EXIT_CTLS
	dq VM_ENTRY_CONTROLS, IA32_VMX_TRUE_ENTRY_CTLS
	dq -1, 0

; The VMCS, field by field. Controls (25.6-25.8) hold the controls we
; want; adjust_control adds what the processor requires.
;
; VMCS access rights of a segment (25.4.1, Table 25-2), as in the
; descriptor's bytes 5 and 6:
;
;   16        15  14   13  12    7   6:5  4   3:0
;  +---------+---+----+---+-----+---+----+---+------+
;  | unusable| G | D/B| L | AVL | P | DPL| S | type |
;  +---------+---+----+---+-----+---+----+---+------+
AR_CODE32 equ 0xc09b                    ; G, D, P, S, execute/read, accessed
AR_DATA32 equ 0xc093                    ; G, B, P, S, read/write, accessed
AR_TSS32_BUSY equ 0x008b                ; P, busy 32-bit TSS
AR_UNUSABLE equ 0x10000

align 8
vmcs_table:
	; VM-execution controls (25.6).
	dq PIN_BASED_VM_EXEC_CONTROL, VTX_EXTERNAL_INTERRUPT_EXITING
	dq CPU_BASED_VM_EXEC_CONTROL, VTX_USE_MSR_BITMAPS | VTX_ACTIVATE_SECONDARY
	dq SECONDARY_VM_EXEC_CONTROL, VTX_ENABLE_EPT | VTX_ENABLE_VPID | VTX_PROC2_EXTRA
	dq EXCEPTION_BITMAP, 0                  ; the guest handles its own exceptions (25.6.3)
	dq CR3_TARGET_COUNT, 0
	dq CR0_GUEST_HOST_MASK, 0               ; the guest owns CR0 (25.6.6)...
	dq CR0_READ_SHADOW, 0
	dq CR4_GUEST_HOST_MASK, CR4_VMXE        ; ...and CR4 but VMXE: reads of CR4
	dq CR4_READ_SHADOW, GUEST_CR4_VALUE     ; show it 0, from the read shadow (26.3)
	dq MSR_BITMAP, msr_bitmap               ; 25.6.9
	dq EPT_POINTER, ept_pml4 + EPTP_WB_4LEVEL ; 25.6.11
	dq VIRTUAL_PROCESSOR_ID, 1              ; 25.6.12: TLB entries tagged, kept across exits (29.1)
	; VM-exit controls (25.7): return to a 64-bit host; acknowledge
	; interrupts on exit; switch IA32_EFER.
	dq VM_EXIT_CONTROLS, VTX_HOST_ADDRESS_SPACE_SIZE | VTX_ACK_INTERRUPT_ON_EXIT | VTX_SAVE_IA32_EFER | VTX_LOAD_IA32_EFER_ON_EXIT
	dq VM_EXIT_MSR_STORE_COUNT, 0
	dq VM_EXIT_MSR_LOAD_COUNT, 0
	; VM-entry controls (25.8): "IA-32e mode guest" = 0, so the guest
	; runs in legacy protected mode under a 64-bit host; IA32_EFER is
	; loaded from GUEST_IA32_EFER (27.3.2.1).
	dq VM_ENTRY_CONTROLS, VTX_LOAD_IA32_EFER_ON_ENTRY
	dq VM_ENTRY_MSR_LOAD_COUNT, 0
	dq VM_ENTRY_INTR_INFO_FIELD, 0          ; nothing to inject yet (25.8.3)
	; Host state (25.5); CR0, CR3, CR4, IDTR and IA32_EFER come from the
	; CPU at run time (step 9).
	dq HOST_CS_SELECTOR, HOST_SEL_CODE
	dq HOST_SS_SELECTOR, HOST_SEL_DATA
	dq HOST_DS_SELECTOR, HOST_SEL_DATA
	dq HOST_ES_SELECTOR, HOST_SEL_DATA
	dq HOST_FS_SELECTOR, 0
	dq HOST_GS_SELECTOR, 0
	dq HOST_TR_SELECTOR, HOST_SEL_TSS
	dq HOST_FS_BASE, 0
	dq HOST_GS_BASE, 0
	dq HOST_TR_BASE, host_tss
	dq HOST_GDTR_BASE, host_gdt
	dq HOST_IA32_SYSENTER_CS, 0
	dq HOST_IA32_SYSENTER_ESP, 0
	dq HOST_IA32_SYSENTER_EIP, 0
	dq HOST_RSP, host_stack_top
	dq HOST_RIP, vm_exit
	; Guest state (25.4): the guest's registers as VM entry loads them
	; (27.3.2), including the hidden parts of the segment registers.
	dq GUEST_CR0, GUEST_CR0_VALUE
	dq GUEST_CR3, GUEST_PD_GPA
	dq GUEST_CR4, GUEST_CR4_VALUE | CR4_VMXE ; VMXE must stay 1 (IA32_VMX_CR4_FIXED0)
	dq GUEST_IA32_EFER, 0                   ; LMA = LME = 0: not IA-32e mode
	dq GUEST_DR7, 0x400
	dq GUEST_RIP, GUEST_ENTRY
	dq GUEST_RSP, 0
	dq GUEST_RFLAGS, 2                      ; IF = 0
	dq GUEST_CS_SELECTOR, 0x08
	dq GUEST_CS_BASE, 0
	dq GUEST_CS_LIMIT, 0xffffffff
	dq GUEST_CS_AR_BYTES, AR_CODE32
	dq GUEST_SS_SELECTOR, 0x10
	dq GUEST_SS_BASE, 0
	dq GUEST_SS_LIMIT, 0xffffffff
	dq GUEST_SS_AR_BYTES, AR_DATA32
	dq GUEST_DS_SELECTOR, 0x10
	dq GUEST_DS_BASE, 0
	dq GUEST_DS_LIMIT, 0xffffffff
	dq GUEST_DS_AR_BYTES, AR_DATA32
	dq GUEST_ES_SELECTOR, 0x10
	dq GUEST_ES_BASE, 0
	dq GUEST_ES_LIMIT, 0xffffffff
	dq GUEST_ES_AR_BYTES, AR_DATA32
	dq GUEST_FS_SELECTOR, 0x10
	dq GUEST_FS_BASE, 0
	dq GUEST_FS_LIMIT, 0xffffffff
	dq GUEST_FS_AR_BYTES, AR_DATA32
	dq GUEST_GS_SELECTOR, 0x10
	dq GUEST_GS_BASE, 0
	dq GUEST_GS_LIMIT, 0xffffffff
	dq GUEST_GS_AR_BYTES, AR_DATA32
	dq GUEST_LDTR_SELECTOR, 0
	dq GUEST_LDTR_BASE, 0
	dq GUEST_LDTR_LIMIT, 0
	dq GUEST_LDTR_AR_BYTES, AR_UNUSABLE
	dq GUEST_TR_SELECTOR, 0                 ; TR must be a busy TSS (27.3.1.2);
	dq GUEST_TR_BASE, 0                     ; the guest loads its own with LTR
	dq GUEST_TR_LIMIT, 0x67
	dq GUEST_TR_AR_BYTES, AR_TSS32_BUSY
	dq GUEST_GDTR_BASE, 0                   ; empty: the guest brings its own
	dq GUEST_GDTR_LIMIT, 0
	dq GUEST_IDTR_BASE, 0
	dq GUEST_IDTR_LIMIT, 0
	dq GUEST_SYSENTER_CS, 0
	dq GUEST_SYSENTER_ESP, 0
	dq GUEST_SYSENTER_EIP, 0
	dq GUEST_IA32_DEBUGCTL, 0
	dq GUEST_PENDING_DBG_EXCEPTIONS, 0
	dq GUEST_INTERRUPTIBILITY_INFO, 0
	dq GUEST_ACTIVITY_STATE, 0              ; active
	dq VMCS_LINK_POINTER, -1                ; no shadow VMCS (27.3.1.5)
	dq -1, 0

; ---- EPT -------------------------------------------------------------------

; ept_build: the EPT paging structures (29.3.2 "EPT Translation
; Mechanism"), the same shape as 4-level paging: the EPT PML4 entry 0
; points to an EPT page-directory-pointer table, its entry 0 to an EPT
; page directory whose entries map 2 MiB pages. Guest-physical
; 0 .. GUEST_RAM_SIZE goes to host-physical GUEST_RAM_HPA onwards, read,
; write and execute, write-back. Nothing else is mapped: every other
; guest-physical address is an EPT violation (29.3.3.2), which is what
; keeps the host's memory out of the guest's reach. No INVEPT is needed:
; nothing of this EPTP can be cached before the first VM entry (29.4).
ept_build:
	lea rax, [ept_pdpt + EPT_RWX]
	mov [ept_pml4], rax
	lea rax, [ept_pd + EPT_RWX]
	mov [ept_pdpt], rax
	xor ecx, ecx
.pde:
	mov rax, rcx
	shl rax, 21
	add rax, GUEST_RAM_HPA | EPT_PAGE | EPT_WB | EPT_RWX
	mov [ept_pd + rcx * 8], rax
	inc ecx
	cmp ecx, GUEST_RAM_SIZE >> 21
	jb .pde
	ret

; ---- Small helpers ---------------------------------------------------------

; check_fixed: stop unless RAX has every bit of MSR ECX (IA32_VMX_CRn_FIXED0)
; set and every bit that MSR ECX + 1 (..._FIXED1) has at 0 clear.
check_fixed:
	mov rbx, rax
	rdmsr                           ; EAX: FIXED0 (low half)
	mov esi, eax
	and eax, ebx
	cmp eax, esi
	jne .bad
	inc ecx
	rdmsr                           ; FIXED1
	not eax
	test eax, ebx
	jnz .bad
	ret
.bad:
	mov rsi, msg_fixed
	call puts
	mov al, 3
	out EXITPORT, al
	hlt

; The guest's general-purpose registers live in guest_regs while the host
; runs (RSP is GUEST_RSP in the VMCS; its slot is unused).
save_guest_regs:
	mov [guest_regs + 0 * 8], rax
	mov [guest_regs + 1 * 8], rcx
	mov [guest_regs + 2 * 8], rdx
	mov [guest_regs + 3 * 8], rbx
	mov [guest_regs + 5 * 8], rbp
	mov [guest_regs + 6 * 8], rsi
	mov [guest_regs + 7 * 8], rdi
	mov [guest_regs + 8 * 8], r8
	mov [guest_regs + 9 * 8], r9
	mov [guest_regs + 10 * 8], r10
	mov [guest_regs + 11 * 8], r11
	mov [guest_regs + 12 * 8], r12
	mov [guest_regs + 13 * 8], r13
	mov [guest_regs + 14 * 8], r14
	mov [guest_regs + 15 * 8], r15
	ret
load_guest_regs:
	mov rax, [guest_regs + 0 * 8]
	mov rcx, [guest_regs + 1 * 8]
	mov rdx, [guest_regs + 2 * 8]
	mov rbx, [guest_regs + 3 * 8]
	mov rbp, [guest_regs + 5 * 8]
	mov rsi, [guest_regs + 6 * 8]
	mov rdi, [guest_regs + 7 * 8]
	mov r8, [guest_regs + 8 * 8]
	mov r9, [guest_regs + 9 * 8]
	mov r10, [guest_regs + 10 * 8]
	mov r11, [guest_regs + 11 * 8]
	mov r12, [guest_regs + 12 * 8]
	mov r13, [guest_regs + 13 * 8]
	mov r14, [guest_regs + 14 * 8]
	mov r15, [guest_regs + 15 * 8]
	ret

no_vmx:
	mov rsi, msg_no_vmx
	call puts
	mov al, 3
	out EXITPORT, al
	hlt

; A VMX instruction failed: VMfailInvalid (CF = 1, no current VMCS) or
; VMfailValid (ZF = 1, the error number in VM_INSTRUCTION_ERROR; 31.4).
vmx_failed:
	mov rsi, msg_vmx_failed
	call puts
	mov edx, VM_INSTRUCTION_ERROR
	vmread rax, rdx
	call put_dec
	mov al, 10
	out DEBUGCON, al
	mov al, 3
	out EXITPORT, al
	hlt

; VM entry failed while loading the guest state: exit reason 33 (invalid
; guest state) or 34 (MSR loading) with bit 31 set (27.8).
entry_failed:
	mov rsi, msg_entry_failed
	call puts
	movzx eax, ax
	call put_dec
	mov al, 10
	out DEBUGCON, al
	mov al, 3
	out EXITPORT, al
	hlt

; puts: print the zero-terminated string at RSI on the console.
puts:
	lodsb
	test al, al
	jz .done
	out DEBUGCON, al
	jmp puts
.done:
	ret

; put_dec: print RAX in decimal.
put_dec:
	push rbx
	push rcx
	push rdx
	mov ebx, 10
	xor ecx, ecx
.div:
	xor edx, edx
	div rbx
	push rdx
	inc ecx
	test rax, rax
	jnz .div
.out:
	pop rax
	add al, '0'
	out DEBUGCON, al
	loop .out
	pop rdx
	pop rcx
	pop rbx
	ret

; put_hex: print RAX in hexadecimal.
put_hex:
	push rcx
	mov rcx, rax
	mov al, '0'
	out DEBUGCON, al
	mov al, 'x'
	out DEBUGCON, al
	mov rax, rcx
	mov ecx, 16
.digit:
	rol rax, 4
	push rax
	and al, 15
	add al, '0'
	cmp al, '9'
	jbe .put
	add al, 'a' - '0' - 10
.put:
	out DEBUGCON, al
	pop rax
	loop .digit
	pop rcx
	ret

; ---- Data ------------------------------------------------------------------

msg_hello:        db "vtx: a VT-x hypervisor", 10, 0
msg_vmx_ok:       db "vtx: CPUID.1:ECX.VMX = 1, IA32_FEATURE_CONTROL locked with VMX outside SMX", 10, 0
msg_vmxon:        db "vtx: VMXON: VMX root operation", 10, 0
msg_vmcs:         db "vtx: VMCLEAR, VMPTRLD, VMCS written from vmcs_table, EPT built", 10, 0
msg_launch:       db "vtx: VMLAUNCH", 10, 0
msg_done:         db "vtx: guest done after ", 0
msg_done2:        db " VM exits; VMXOFF", 10, 0
msg_guest_failed: db "vtx: the guest reports failure ", 0
msg_triple:       db "vtx: the guest triple-faulted", 10, 0
msg_unexpected:   db "vtx: unexpected VM exit, reason ", 0
msg_at:           db " at guest RIP ", 0
msg_control:      db "vtx: the processor does not support a control asked for in field ", 0
msg_fixed:        db "vtx: CR0 or CR4 does not fit the VMX fixed bits", 10, 0
msg_no_vmx:       db "vtx: no VMX, or IA32_FEATURE_CONTROL forbids it", 10, 0
msg_vmx_failed:   db "vtx: a VMX instruction failed, VM-instruction error ", 0
msg_entry_failed: db "vtx: VM entry failed on the guest state, reason ", 0

; The host's GDT: null, 64-bit code, data, (unused), a 16-byte TSS
; descriptor (SDM Vol. 3A, 8.2.3 "TSS Descriptor in 64-bit mode").
align 16
host_gdt:
	dq 0
	dq 0x00209a0000000000           ; 08H: 64-bit code, DPL 0
	dq 0x00cf92000000ffff           ; 10H: data
	dq 0
	dw 0x67                         ; 20H: available 64-bit TSS, limit 67H
	dw (host_tss - $$ + VTX_HOST_BASE) & 0xffff
	db ((host_tss - $$ + VTX_HOST_BASE) >> 16) & 0xff
	db 0x89, 0
	db ((host_tss - $$ + VTX_HOST_BASE) >> 24) & 0xff
	dq 0
host_gdt_end:
host_gdtr:
	dw host_gdt_end - host_gdt - 1
	dq host_gdt
host_idtr:
	dw 0
	dq 0
align 16
host_tss: times 0x68 db 0

vmxon_ptr: dq vmxon_region
vmcs_ptr:  dq vmcs_region
pending_valid: db 0             ; an interrupt waits for injection
align 4
pending_vector: dd 0            ; its vector
align 8
exit_total: dq 0                ; VM exits so far
injected: dq 0                  ; events injected so far
guest_regs: times 16 dq 0       ; the guest's RAX..R15 while the host runs
exit_counts: times EXIT_REASON_MAX + 1 dq 0 ; VM exits by basic reason

align 4096
vmxon_region: times 4096 db 0   ; 25.11.5 "VMXON Region"
vmcs_region:  times 4096 db 0   ; 25.2
msr_bitmap:   times 4096 db 0   ; 25.6.9: read low, read high, write low, write high
ept_pml4:     times 512 dq 0
ept_pdpt:     times 512 dq 0
ept_pd:       times 512 dq 0
	times 8192 db 0
host_stack_top:
