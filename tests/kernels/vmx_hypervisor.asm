; vmx_hypervisor.asm - a hypervisor in a Multiboot kernel: VMXON, a VMCS from the TRUE capability MSRs, a 64-bit guest under EPT and its VM exits, then broken VMCSs.
; format: elf
;
; The walk a student can follow in the output, one line per step:
;
;  1. Long mode (vmx.inc), CPUID.1:ECX.VMX, IA32_FEATURE_CONTROL (lock it
;     with "VMX outside SMX" if the firmware left it unlocked), CR0/CR4
;     against IA32_VMX_CR0/CR4_FIXED0/1, IA32_VMX_BASIC, VMXON
;     (SDM Vol. 3C, 24.6-24.8).
;  2. EPT (29.3): guest-physical 0-16 MiB identity-mapped with 2 MiB pages,
;     except one 4 KiB page at HOLE_GPA that is left not present.
;  3. A VMCS: controls adjusted by the TRUE capability MSRs (A.3-A.5), host
;     state as the kernel runs, a 64-bit guest sharing the kernel's page
;     tables and GDT but with its own IDT and stack. Then VMLAUNCH.
;  4. The guest's VM exits, each handled by a row of exit_table: its
;     console output (OUT to port 0xE9, forwarded by the host), CPUID
;     (the host answers with its own vendor string), WRMSR/RDMSR of an MSR
;     the MSR bitmap intercepts and of one it passes through, MOV to CR4
;     with CR4.VMXE owned by the host (the guest reads its shadow), an EPT
;     violation on the missing page (mapped read-only, then writable on a
;     second violation), VMCALL (the host injects #UD), HLT with IF = 1
;     (the host injects external interrupt 30h), HLT with IF = 0 (done).
;  5. VM-instruction errors: VMLAUNCH of a launched VMCS, VMCALL in VMX
;     root operation, VMXON twice, bad VMPTRLD operands, a VMWRITE to an
;     unsupported field, VMRESUME of a clear VMCS (30.3, Table 31-1).
;  6. Broken VMCSs: each starts from the good VMCS, changes one field and
;     tries VMLAUNCH; the line says which failure the SDM prescribes:
;     VM-instruction error 7 (control fields, 27.2.1), 8 (host state,
;     27.2.2-27.2.4), or a VM-entry failure with exit reason 33 (guest
;     state, 27.3) or 34 (MSR loading, 27.4) and its qualification (27.8).
;  7. VMXOFF, exit code 0 through port 0xF4.
;
; A failure the kernel does not expect prints a line and exits with code 2
; (an exception or VM exit it has no handler for) or 3 (a VMX instruction
; that should have worked).

MB_FLAGS equ 0x00000002

[section .multiboot]
align 4
	dd 0x1badb002, MB_FLAGS, -(0x1badb002 + MB_FLAGS)

%include "lib.inc"
%include "vmx.inc"

GUEST_MEM_2M equ 8              ; EPT maps guest-physical 0 .. 8 * 2 MiB
HOLE_GPA equ 0x800000           ; the 4 KiB page EPT leaves not present
HOLE_PD_INDEX equ HOLE_GPA >> 21
HOLE_PT_INDEX equ (HOLE_GPA >> 12) & 511
HOLE_MAGIC equ 0x600df00d       ; what the host leaves in that page
GUEST_WRITE_VALUE equ 0x5ca1ab1e
GUEST_ESP_VALUE equ 0x12345678  ; the guest's WRMSR to IA32_SYSENTER_ESP
GUEST_CS_VALUE equ 0x42         ; the guest's WRMSR to IA32_SYSENTER_CS
INTR_VECTOR equ 0x30            ; the external interrupt the host injects
GUEST_IDT_ENTRIES equ 64
EPTP_VALUE equ EPTP_WB_4LEVEL   ; + ept_pml4

; The guest's general-purpose registers, saved at each VM exit, in the
; order of the register numbers in exit qualifications (SDM Vol. 3C,
; Table 28-3): RAX RCX RDX RBX RSP RBP RSI RDI R8-R15. RSP lives in the
; VMCS (GUEST_RSP); its slot is unused.
G_RAX equ 0 * 8
G_RCX equ 1 * 8
G_RDX equ 2 * 8
G_RBX equ 3 * 8

%macro SAVE_GUEST_GPRS 0
	mov [gregs + 0 * 8], rax
	mov [gregs + 1 * 8], rcx
	mov [gregs + 2 * 8], rdx
	mov [gregs + 3 * 8], rbx
	mov [gregs + 5 * 8], rbp
	mov [gregs + 6 * 8], rsi
	mov [gregs + 7 * 8], rdi
	mov [gregs + 8 * 8], r8
	mov [gregs + 9 * 8], r9
	mov [gregs + 10 * 8], r10
	mov [gregs + 11 * 8], r11
	mov [gregs + 12 * 8], r12
	mov [gregs + 13 * 8], r13
	mov [gregs + 14 * 8], r14
	mov [gregs + 15 * 8], r15
%endmacro
%macro LOAD_GUEST_GPRS 0
	mov rax, [gregs + 0 * 8]
	mov rcx, [gregs + 1 * 8]
	mov rdx, [gregs + 2 * 8]
	mov rbx, [gregs + 3 * 8]
	mov rbp, [gregs + 5 * 8]
	mov rsi, [gregs + 6 * 8]
	mov rdi, [gregs + 7 * 8]
	mov r8, [gregs + 8 * 8]
	mov r9, [gregs + 9 * 8]
	mov r10, [gregs + 10 * 8]
	mov r11, [gregs + 11 * 8]
	mov r12, [gregs + 12 * 8]
	mov r13, [gregs + 13 * 8]
	mov r14, [gregs + 14 * 8]
	mov r15, [gregs + 15 * 8]
%endmacro

; gprint STRING: the guest's print, to port 0xE9 (each OUT is a VM exit).
%macro gprint 1
[section .rodata]
%%s: db %1, 0
__SECT__
	push rsi
	mov esi, %%s
	call gputs
	pop rsi
%endmacro

[section .text]
bits 32
global start
start:
	mov esp, stack_top
	call serial_init
	jmp to_long_mode

bits 64
long_main:
	print `vmx_hypervisor: a VT-x hypervisor in a Multiboot kernel\n`
	mov al, 0xff                    ; both 8259s masked: no stray IRQs
	out 0x21, al
	out 0xa1, al
	print "long mode on: CR0 "
	mov rax, cr0
	call lhex32
	print ", CR4 "
	mov rax, cr4
	call lhex32
	print ", IA32_EFER "
	mov ecx, IA32_EFER
	rdmsr
	call lhex32
	call lnewline

	; ---- 1. Can we use VMX? (SDM Vol. 3C, 24.6, 24.7) -------------
	mov eax, 1
	cpuid
	print "CPUID.1:ECX.VMX[bit 5] = "
	mov eax, ecx
	shr eax, 5
	and eax, 1
	call ldec
	call lnewline
	test eax, eax
	jz fail_setup
	mov ecx, IA32_FEATURE_CONTROL
	rdmsr
	print "IA32_FEATURE_CONTROL "
	call lhex32
	test eax, FC_LOCK
	jnz .locked
	or eax, FC_LOCK | FC_VMX_OUTSIDE_SMX
	wrmsr
	rdmsr
	print " -> "
	call lhex32
	print " (lock, VMX outside SMX)"
.locked:
	call lnewline
	test eax, FC_VMX_OUTSIDE_SMX
	jz fail_setup

	mov rax, cr4
	or eax, CR4_VMXE
	mov cr4, rax
	mov rbx, cr0
	mov ecx, IA32_VMX_CR0_FIXED0
	mov esi, msg_cr0
	call check_fixed
	mov rbx, cr4
	mov ecx, IA32_VMX_CR4_FIXED0
	mov esi, msg_cr4
	call check_fixed

	mov ecx, IA32_VMX_BASIC
	rdmsr
	and eax, 0x7fffffff             ; bits 30:0: the VMCS revision identifier
	mov [vmcs_revision], eax
	print "IA32_VMX_BASIC: revision "
	call lhex32
	print ", VMCS region "
	mov eax, edx
	and eax, 0x1fff                 ; bits 44:32
	call ldec
	print " bytes, TRUE controls MSRs "
	mov eax, edx
	shr eax, 55 - 32
	and eax, 1
	call ldec
	call lnewline
	test eax, eax
	jz fail_setup

	mov eax, [vmcs_revision]
	mov [vmxon_region], eax
	vmxon [vmxon_ptr]
	call vmx_ok
	print `VMXON: in VMX root operation\n`

	; ---- 2. EPT (SDM Vol. 3C, 29.3) --------------------------------
	mov ecx, IA32_VMX_EPT_VPID_CAP
	rdmsr
	print "IA32_VMX_EPT_VPID_CAP: 4-level walk "
	mov ebx, eax
	shr eax, 6
	and eax, 1
	call ldec
	print ", WB "
	mov eax, ebx
	shr eax, 14
	and eax, 1
	call ldec
	print ", INVEPT single-context "
	mov eax, ebx
	shr eax, 25
	and eax, 1
	call ldec
	call lnewline
	and ebx, (1 << 6) | (1 << 14) | (1 << 20) | (1 << 25)
	cmp ebx, (1 << 6) | (1 << 14) | (1 << 20) | (1 << 25)
	jne fail_setup
	call ept_build
	mov dword [HOLE_GPA], HOLE_MAGIC
	print "EPT: guest-physical 0-16 MiB identity-mapped with 2 MiB pages, except "
	mov eax, HOLE_GPA
	call lhex32
	print `: a 4 KiB page left not present\n`

	; ---- 3. The VMCS -----------------------------------------------
	; The MSR bitmap (25.6.9): read bitmap for MSRs 0-1FFFH at byte 0,
	; write bitmap for them at byte 2048. A 1 bit makes RDMSR/WRMSR exit.
	mov eax, IA32_SYSENTER_ESP
	bts [msr_bitmap], eax
	mov eax, 2048 * 8 + IA32_SYSENTER_ESP
	bts [msr_bitmap], eax
	print `MSR bitmap: IA32_SYSENTER_ESP (175H) intercepted, IA32_SYSENTER_CS (174H) passed through\n`

	mov esi, msg_pin
	mov ecx, IA32_VMX_TRUE_PINBASED_CTLS
	xor ebx, ebx
	call ctl_line
	mov [ctl_pin], rax
	mov esi, msg_proc
	mov ecx, IA32_VMX_TRUE_PROCBASED_CTLS
	mov ebx, CPU_HLT_EXITING | CPU_UNCOND_IO_EXITING | CPU_USE_MSR_BITMAPS | CPU_ACTIVATE_SECONDARY
	call ctl_line
	mov [ctl_proc], rax
	mov esi, msg_proc2
	mov ecx, IA32_VMX_PROCBASED_CTLS2
	mov ebx, SEC_ENABLE_EPT
	call ctl_line
	mov [ctl_proc2], rax
	mov esi, msg_exit
	mov ecx, IA32_VMX_TRUE_EXIT_CTLS
	mov ebx, EXIT_HOST_ADDR_SPACE_SIZE
	call ctl_line
	mov [ctl_exit], rax
	mov esi, msg_entry
	mov ecx, IA32_VMX_TRUE_ENTRY_CTLS
	mov ebx, ENTRY_IA32E_MODE_GUEST
	call ctl_line
	mov [ctl_entry], rax

	; The guest's IDT: #UD and the injected interrupt have handlers,
	; every other vector reports itself as unexpected.
	mov edi, guest_idt
	xor ecx, ecx
.gate:
	mov eax, guest_unexpected
	cmp ecx, 6
	jne .not_ud
	mov eax, guest_ud
.not_ud:
	cmp ecx, INTR_VECTOR
	jne .set
	mov eax, guest_intr
.set:
	call set_gate64
	inc ecx
	cmp ecx, GUEST_IDT_ENTRIES
	jb .gate

	call vmcs_build
	print `VMCS ready: VMCLEAR, VMPTRLD, VMWRITEs; VMLAUNCH\n`
	vmlaunch
	call vmx_ok                     ; only reached if VM entry failed
	jmp fail_setup

; ---- 4. VM exits ------------------------------------------------------

; Every VM exit arrives here (HOST_RIP) with RSP = HOST_RSP and the
; guest's general-purpose registers still in the registers.
exit_entry:
	SAVE_GUEST_GPRS
	VMR VM_EXIT_REASON
	cmp eax, EXIT_REASON_COUNT      ; also catches bit 31, a failed entry
	jae unexpected_exit
	inc qword [exit_counts + rax * 8]
	mov esi, exit_table
.find:
	cmp dword [rsi], -1
	je unexpected_exit
	cmp [rsi], eax
	je .found
	add esi, EXIT_ROW
	jmp .find
.found:
	mov eax, [rsi + 4]
	call rax
	LOAD_GUEST_GPRS
	vmresume
	call vmx_ok                     ; only reached if VM entry failed
	jmp fail_setup

; The exit table: basic exit reason, handler, name. A handler returns to
; resume the guest, after skip_insn if the instruction is done.
EXIT_ROW equ 12
%macro EXIT 3
[section .rodata]
%%name: db %3, 0
[section .data]
	dd %1, %2, %%name
%endmacro
[section .data]
align 4
exit_table:
	EXIT EXIT_REASON_CPUID, on_cpuid, "CPUID"
	EXIT EXIT_REASON_HLT, on_hlt, "HLT"
	EXIT EXIT_REASON_VMCALL, on_vmcall, "VMCALL"
	EXIT EXIT_REASON_CR_ACCESS, on_cr_access, "CR access"
	EXIT EXIT_REASON_IO_INSTRUCTION, on_io, "I/O"
	EXIT EXIT_REASON_MSR_READ, on_rdmsr, "RDMSR"
	EXIT EXIT_REASON_MSR_WRITE, on_wrmsr, "WRMSR"
	EXIT EXIT_REASON_EPT_VIOLATION, on_ept_violation, "EPT violation"
	dd -1, 0, 0
[section .text]

; skip_insn: the exiting instruction is done: GUEST_RIP += the VM-exit
; instruction length (28.2.5), and blocking by STI or MOV SS ends with it.
skip_insn:
	VMR GUEST_RIP
	mov rbx, rax
	VMR VM_EXIT_INSTRUCTION_LEN
	add rbx, rax
	VMW GUEST_RIP, rbx
	VMR GUEST_INTERRUPTIBILITY_INFO
	and eax, ~3
	VMW GUEST_INTERRUPTIBILITY_INFO, rax
	ret

; I/O (exit reason 30). Qualification (Table 28-5): 2:0 size - 1,
; 3 direction (1 = IN), 4 string, 5 REP, 6 operand (1 = immediate),
; 31:16 port. The guest's console is OUT of AL to port 0xE9.
on_io:
	VMR EXIT_QUALIFICATION
	mov rbx, rax
	test ebx, 0x3f                  ; 1 byte, OUT, not string, not REP
	jnz unexpected_exit
	shr eax, 16
	cmp eax, DEBUGCON
	jne unexpected_exit
	cmp qword [io_forwarded], 0
	jne .forward
	print "host: exit 30 I/O, qualification "
	mov rax, rbx
	call lhex32
	print ": OUT of 1 byte to port "
	shr eax, 16
	call lhex16
	test ebx, 1 << 6
	jz .dx
	print " (immediate)"
	jmp .said
.dx:
	print " (in DX)"
.said:
	print `; forwarding the guest's output from here on\n`
.forward:
	inc qword [io_forwarded]
	mov al, [gregs + G_RAX]
	call lputc
	jmp skip_insn

; CPUID (exit reason 10): run CPUID for the guest, but leaf 0 names the
; hypervisor as the vendor (EBX, EDX, ECX).
on_cpuid:
	mov eax, [gregs + G_RAX]
	mov ecx, [gregs + G_RCX]
	cpuid
	cmp dword [gregs + G_RAX], 0
	jne .store
	print 'host: exit 10 CPUID leaf 0: answering with the vendor "'
	mov esi, hv_vendor
	call lputs
	print `"\n`
	mov ebx, [hv_vendor]
	mov edx, [hv_vendor + 4]
	mov ecx, [hv_vendor + 8]
.store:
	mov [gregs + G_RAX], rax        ; CPUID zero-extends into 64 bits
	mov [gregs + G_RBX], rbx
	mov [gregs + G_RCX], rcx
	mov [gregs + G_RDX], rdx
	jmp skip_insn

; WRMSR (exit reason 32) and RDMSR (31): only IA32_SYSENTER_ESP has its
; bitmap bits set. The host keeps the guest's value in a virtual copy;
; the real MSR never sees it.
on_wrmsr:
	cmp dword [gregs + G_RCX], IA32_SYSENTER_ESP
	jne unexpected_exit
	mov eax, [gregs + G_RAX]
	mov edx, [gregs + G_RDX]
	shl rdx, 32
	or rax, rdx
	mov [virtual_sysenter_esp], rax
	print "host: exit 32 WRMSR 175H (IA32_SYSENTER_ESP) value "
	call lhex64
	print `: kept in a virtual copy\n`
	jmp skip_insn
on_rdmsr:
	cmp dword [gregs + G_RCX], IA32_SYSENTER_ESP
	jne unexpected_exit
	mov rax, [virtual_sysenter_esp]
	print "host: exit 31 RDMSR 175H (IA32_SYSENTER_ESP): returning the virtual copy "
	call lhex64
	call lnewline
	mov [gregs + G_RAX], eax        ; EDX:EAX, the upper halves zero
	mov dword [gregs + G_RAX + 4], 0
	shr rax, 32
	mov [gregs + G_RDX], rax
	jmp skip_insn

; CR access (exit reason 28). Qualification (Table 28-3): 3:0 the control
; register, 5:4 access type (0 = MOV to CR), 11:8 the source register.
; CR4.VMXE is in the CR4 guest/host mask: the guest's value of a
; host-owned bit goes to the read shadow, which is what the guest reads
; (26.3); bits the guest owns go to GUEST_CR4.
on_cr_access:
	VMR EXIT_QUALIFICATION
	mov rbx, rax
	and eax, 0x3f
	cmp eax, 4                      ; CR4, MOV to CR
	jne unexpected_exit
	mov ecx, ebx
	shr ecx, 8
	and ecx, 15
	cmp ecx, 4                      ; RSP: not used by this guest
	je unexpected_exit
	mov r12, [gregs + rcx * 8]
	print "host: exit 28 CR access, qualification "
	mov rax, rbx
	call lhex32
	print ": MOV to CR4 from "
	lea esi, [reg_names + rcx * 4]
	call lputs
	print ", value "
	mov rax, r12
	call lhex32
	call lnewline
	VMW CR4_READ_SHADOW, r12
	VMR GUEST_CR4
	mov rbx, r12
	and rbx, ~CR4_VMXE
	and rax, CR4_VMXE
	or rax, rbx
	VMW GUEST_CR4, rax
	print "host: CR4.VMXE is the host's: the guest's value goes to CR4_READ_SHADOW, GUEST_CR4 is now "
	VMR GUEST_CR4
	call lhex32
	call lnewline
	jmp skip_insn

; EPT violation (exit reason 48). Qualification (Table 28-7): 0 read,
; 1 write, 2 fetch; 5:3 what the EPT entries allowed (R, W, X; 0 for not
; present); 7 the guest-linear address is valid; 8 the access was to the
; final translation, not to a guest paging-structure entry. The host maps
; the page read-only on the first violation and writable on the second,
; and resumes at the same instruction: an EPT violation is a fault.
on_ept_violation:
	VMR GUEST_PHYSICAL_ADDRESS
	mov r12, rax
	VMR GUEST_LINEAR_ADDRESS
	mov r13, rax
	VMR EXIT_QUALIFICATION
	mov rbx, rax
	print "host: exit 48 EPT violation at guest-physical "
	mov rax, r12
	call lhex32
	print ", qualification "
	mov rax, rbx
	call lhex16
	print ":"
	mov esi, ept_qual_bits
	call put_bits
	test ebx, 1 << 7
	jz .no_gla
	print ", linear "
	mov rax, r13
	call lhex32
.no_gla:
	call lnewline
	mov rax, r12
	and rax, ~0xfff
	cmp rax, HOLE_GPA
	jne unexpected_exit
	test ebx, 0x38
	jnz .writable
	print `host: mapping the page read-only; the guest retries\n`
	mov qword [ept_pt + HOLE_PT_INDEX * 8], HOLE_GPA | EPT_WB | EPT_R
	jmp .flush
.writable:
	test ebx, 1 << 1
	jz unexpected_exit
	print `host: making the page writable; the guest retries\n`
	mov qword [ept_pt + HOLE_PT_INDEX * 8], HOLE_GPA | EPT_WB | EPT_R | EPT_W
.flush:
	; INVEPT single-context (type 1) for this EPTP (29.4.3.3). An EPT
	; violation already invalidates what was cached for the address
	; (29.4.3.1); a hypervisor that changes EPT entries flushes anyway.
	mov eax, ept_pml4 + EPTP_VALUE
	mov [invept_desc], rax
	mov eax, 1
	invept rax, [invept_desc]
	call vmx_ok
	ret

; VMCALL (exit reason 18, unconditional). There are no hypercalls here:
; inject #UD, as if VMCALL were undefined. A fault: RIP stays put.
on_vmcall:
	mov ebx, INTR_VALID | INTR_TYPE_HW_EXC | 6
	print "host: exit 18 VMCALL: no hypercalls here, injecting #UD: interruption information "
	mov eax, ebx
	call lhex32
	call lnewline
	VMW VM_ENTRY_INTR_INFO_FIELD, rbx
	ret

; HLT (exit reason 12). With IF = 1 the guest waits for an interrupt:
; inject external interrupt 30h and skip the HLT. With IF = 0 the guest
; has nothing left to do.
on_hlt:
	VMR GUEST_RFLAGS
	test eax, RFLAGS_IF
	jz .done
	mov ebx, INTR_VALID | INTR_TYPE_EXT | INTR_VECTOR
	print "host: exit 12 HLT with RFLAGS.IF = 1: injecting external interrupt 30h: interruption information "
	mov eax, ebx
	call lhex32
	call lnewline
	VMW VM_ENTRY_INTR_INFO_FIELD, rbx
	jmp skip_insn
.done:
	print `host: exit 12 HLT with RFLAGS.IF = 0: the guest has finished\n`
	add rsp, 8
	jmp guest_finished

unexpected_exit:
	print "host: unexpected VM exit, reason "
	VMR VM_EXIT_REASON
	call lhex32
	print ", qualification "
	VMR EXIT_QUALIFICATION
	call lhex64
	call lnewline
	exit_with 2

; ---- The guest ----------------------------------------------------------
; 64-bit code at CPL 0 with the kernel's page tables and GDT, its own IDT
; and stack. All its output is OUT to port 0xE9, one VM exit per byte.
guest_main:
	gprint `guest: hello from a 64-bit guest\n`

	xor eax, eax
	xor ecx, ecx
	cpuid
	mov [guest_vendor], ebx
	mov [guest_vendor + 4], edx
	mov [guest_vendor + 8], ecx
	gprint 'guest: CPUID leaf 0 vendor "'
	mov esi, guest_vendor
	call gputs
	gprint `"\n`

	mov ecx, IA32_SYSENTER_ESP
	mov eax, GUEST_ESP_VALUE
	xor edx, edx
	wrmsr
	xor eax, eax
	rdmsr
	gprint "guest: IA32_SYSENTER_ESP (intercepted) reads "
	call ghex32
	gprint `\n`
	mov ecx, IA32_SYSENTER_CS
	mov eax, GUEST_CS_VALUE
	xor edx, edx
	wrmsr
	xor eax, eax
	rdmsr
	gprint "guest: IA32_SYSENTER_CS (passed through) reads "
	call ghex32
	gprint `\n`

	mov rax, cr4
	gprint "guest: CR4 reads "
	call ghex32
	gprint `\n`
	or eax, CR4_PGE                 ; a bit the guest owns: no VM exit
	mov cr4, rax
	mov rax, cr4
	gprint "guest: set CR4.PGE, CR4 reads "
	call ghex32
	gprint `\n`
	or eax, CR4_VMXE                ; differs from the shadow: VM exit
	mov cr4, rax
	mov rax, cr4
	gprint "guest: set CR4.VMXE, CR4 reads "
	call ghex32
	gprint `\n`

	mov eax, [HOLE_GPA]
	gprint "guest: read "
	call ghex32
	gprint ` from the page at 0x00800000\n`
	mov dword [HOLE_GPA], GUEST_WRITE_VALUE
	mov eax, [HOLE_GPA]
	gprint "guest: wrote it, reads back "
	call ghex32
	gprint `\n`

	gprint `guest: VMCALL\n`
guest_vmcall:
	vmcall
	gprint `guest: back after the VMCALL\n`

	gprint `guest: STI; HLT\n`
	sti
	hlt
	cli
	gprint `guest: back after the HLT\n`

	gprint `guest: done: HLT with interrupts off\n`
	hlt
	jmp $

; #UD: expected at the VMCALL only; skip its 3 bytes.
guest_ud:
	push rax
	mov rax, [rsp + 8]              ; the saved RIP
	cmp rax, guest_vmcall
	jne guest_unexpected
	gprint `guest: #UD handler ran with RIP at the VMCALL, skipping it\n`
	add qword [rsp + 8], 3
	pop rax
	iretq

guest_intr:
	gprint `guest: interrupt 30h handler ran\n`
	iretq

; Any other vector: say so and write to the exit port, which the host
; does not expect (and so stops with code 2).
guest_unexpected:
	gprint `guest: unexpected exception\n`
	out EXIT_PORT, al
	jmp $

gputs:
	push rax
	push rsi
.next:
	lodsb
	test al, al
	jz .done
	out DEBUGCON, al
	jmp .next
.done:
	pop rsi
	pop rax
	ret

; ghex32: EAX as "0x" and 8 hex digits.
ghex32:
	push rax
	push rcx
	push rdx
	mov edx, eax
	mov al, '0'
	out DEBUGCON, al
	mov al, 'x'
	out DEBUGCON, al
	mov ecx, 8
.digit:
	rol edx, 4
	mov eax, edx
	and eax, 0xf
	mov al, [hexdigits + rax]
	out DEBUGCON, al
	loop .digit
	pop rdx
	pop rcx
	pop rax
	ret

; ---- After the guest --------------------------------------------------
guest_finished:
	print `host: forwarded `
	mov rax, [io_forwarded]
	call ldec
	print ` bytes of guest output, one I/O exit each\n`
	print "host: VM exits by reason:"
	mov esi, exit_table
	jmp .first
.count:
	cmp dword [rsi], -1
	je .counted
	print ","
.first:
	print " "
	push rsi
	mov esi, [rsi + 8]
	call lputs
	pop rsi
	print " "
	mov eax, [rsi]
	mov rax, [exit_counts + rax * 8]
	call ldec
	add esi, EXIT_ROW
	jmp .count
.counted:
	call lnewline
	print "host: GUEST_SYSENTER_CS saved at the VM exit "
	VMR GUEST_SYSENTER_CS
	call lhex32
	print ", GUEST_SYSENTER_ESP "
	VMR GUEST_SYSENTER_ESP
	call lhex32
	print `: the intercepted WRMSR never reached the MSR\n`

	; ---- 5. VM-instruction errors (SDM Vol. 3C, 31.4) --------------
	print `VM-instruction errors:\n`
	print "  VMLAUNCH with the launched VMCS"
	call arm_exit
	call try_vmlaunch
	print "  VMCALL in VMX root operation"
	vmcall
	call put_vmx_status
	print "  VMXON in VMX root operation"
	vmxon [vmxon_ptr]
	call put_vmx_status
	print "  VMPTRLD of a misaligned address"
	vmptrld [misaligned_ptr]
	call put_vmx_status
	print "  VMPTRLD of the VMXON region"
	vmptrld [vmxon_ptr]
	call put_vmx_status
	print "  VMPTRLD of a region with revision 0"
	vmptrld [link_ptr]
	call put_vmx_status
	print "  VMWRITE to encoding 00008000H"
	mov eax, 0x8000
	vmwrite rax, rax
	call put_vmx_status
	print "  VMCLEAR, VMPTRLD, then VMRESUME"
	vmclear [vmcs_ptr]
	call vmx_ok
	vmptrld [vmcs_ptr]
	call vmx_ok
	call arm_exit
	call try_vmresume

	; ---- 6. Broken VMCSs (SDM Vol. 3C, 27.2-27.4, 27.8) -------------
	print `Broken VMCSs (the good one with one change), VMLAUNCH:\n`
	mov esi, bad_cases
.case:
	cmp dword [rsi], CASE_START
	jne .cases_done
	mov [case_ptr], rsi
	call vmcs_build
	call arm_exit
	mov rsi, [case_ptr]
	print "  "
	push rsi
	mov esi, [rsi + 4]
	call lputs
	pop rsi
	add esi, CASE_ROW
.change:
	cmp dword [rsi], CASE_WRITE
	jne .launch
	mov edx, [rsi + 4]
	vmread rax, rdx
	mov rbx, [rsi + 16]
	cmp dword [rsi + 8], OP_OR
	je .or
	cmp dword [rsi + 8], OP_ANDNOT
	je .andnot
	mov rax, rbx
	jmp .write
.or:
	or rax, rbx
	jmp .write
.andnot:
	not rbx
	and rax, rbx
.write:
	vmwrite rdx, rax
	call vmx_ok
	add esi, CASE_ROW
	jmp .change
.launch:
	mov [case_ptr], rsi
	call try_vmlaunch
	mov rsi, [case_ptr]
	jmp .case
.cases_done:

	; ---- 7. Leave VMX operation ------------------------------------
	vmxoff
	call vmx_ok
	mov rax, cr4
	and eax, ~CR4_VMXE
	mov cr4, rax
	print `VMXOFF: VMX operation left\n`
	exit_with 0

; ---- Helpers ------------------------------------------------------------

; arm_exit: make a VM exit (or a failed VM entry that exits) come back to
; entry_exited, with RSP as it is inside a call made from the caller's
; level, which is what arm_exit's own RSP is: try_vmlaunch, called from
; there next, then returns as if VMLAUNCH had fallen through.
arm_exit:
	VMW HOST_RSP, rsp
	mov eax, entry_exited
	VMW HOST_RIP, rax
	ret

; try_vmlaunch, try_vmresume: VM entry; the line gets the outcome.
try_vmlaunch:
	vmlaunch
	jmp put_vmx_status
try_vmresume:
	vmresume
	jmp put_vmx_status

; A VM exit after arm_exit: a failed VM entry (reason bit 31) or, if the
; broken VMCS was accepted after all, the guest's first VM exit.
entry_exited:
	mov ecx, VMX_RESULT_COL
	call lpad
	VMR VM_EXIT_REASON
	test eax, VMENTRY_FAILED
	jz .entered
	print "VM-entry failure: exit reason "
	call lhex32
	print " ("
	and eax, 0xffff
	call ldec
	cmp eax, 33
	jne .not33
	print " invalid guest state"
.not33:
	cmp eax, 34
	jne .not34
	print " MSR loading"
.not34:
	print "), qualification "
	VMR EXIT_QUALIFICATION
	call ldec
	call lnewline
	ret
.entered:
	print "entered the guest! exit reason "
	call ldec
	call lnewline
	ret

fail_setup:
	print `setup failed\n`
	exit_with 3

; ept_build: EPT PML4E 0 -> EPT PDPT, PDPTE 0 -> EPT PD; PDEs 0-7 map
; 2 MiB pages (PS, WB, RWX), except the one holding HOLE_GPA, which
; points to an EPT page table of 4 KiB pages with the hole not present.
ept_build:
	mov eax, ept_pdpt + EPT_RWX
	mov [ept_pml4], rax
	mov eax, ept_pd + EPT_RWX
	mov [ept_pdpt], rax
	xor ecx, ecx
.pde:
	mov eax, ecx
	shl eax, 21
	or eax, EPT_PS | EPT_WB | EPT_RWX
	mov [ept_pd + rcx * 8], rax
	inc ecx
	cmp ecx, GUEST_MEM_2M
	jb .pde
	mov eax, ept_pt + EPT_RWX
	mov [ept_pd + HOLE_PD_INDEX * 8], rax
	xor ecx, ecx
.pte:
	mov eax, ecx
	shl eax, 12
	add eax, (HOLE_GPA & ~0x1fffff) | EPT_WB | EPT_RWX
	mov [ept_pt + rcx * 8], rax
	inc ecx
	cmp ecx, 512
	jb .pte
	mov qword [ept_pt + HOLE_PT_INDEX * 8], 0
	ret

; vmcs_build: a fresh, good VMCS: VMCLEAR (launch state clear), VMPTRLD,
; then every field this kernel uses.
vmcs_build:
	mov eax, [vmcs_revision]
	mov [vmcs_region], eax
	vmclear [vmcs_ptr]
	call vmx_ok
	vmptrld [vmcs_ptr]
	call vmx_ok

	; Controls (25.6-25.8).
	VMW PIN_BASED_VM_EXEC_CONTROL, [ctl_pin]
	VMW CPU_BASED_VM_EXEC_CONTROL, [ctl_proc]
	VMW SECONDARY_VM_EXEC_CONTROL, [ctl_proc2]
	VMW VM_EXIT_CONTROLS, [ctl_exit]
	VMW VM_ENTRY_CONTROLS, [ctl_entry]
	VMW EXCEPTION_BITMAP, 0
	VMW CR3_TARGET_COUNT, 0
	VMW CR0_GUEST_HOST_MASK, 0
	VMW CR0_READ_SHADOW, HOST_CR0_VALUE
	VMW CR4_GUEST_HOST_MASK, CR4_VMXE
	VMW CR4_READ_SHADOW, HOST_CR4_VALUE
	VMW MSR_BITMAP, msr_bitmap
	VMW EPT_POINTER, ept_pml4 + EPTP_VALUE
	VMW VM_EXIT_MSR_STORE_COUNT, 0
	VMW VM_EXIT_MSR_LOAD_COUNT, 0
	VMW VM_ENTRY_MSR_LOAD_COUNT, 0
	VMW VM_ENTRY_INTR_INFO_FIELD, 0

	; Host state (25.5): the kernel as it runs.
	mov rax, cr0
	VMW HOST_CR0, rax
	mov rax, cr3
	VMW HOST_CR3, rax
	mov rax, cr4
	VMW HOST_CR4, rax
	VMW HOST_ES_SELECTOR, SEL_DATA
	VMW HOST_CS_SELECTOR, SEL_CODE64
	VMW HOST_SS_SELECTOR, SEL_DATA
	VMW HOST_DS_SELECTOR, SEL_DATA
	VMW HOST_FS_SELECTOR, SEL_DATA
	VMW HOST_GS_SELECTOR, SEL_DATA
	VMW HOST_TR_SELECTOR, SEL_TSS
	VMW HOST_FS_BASE, 0
	VMW HOST_GS_BASE, 0
	VMW HOST_TR_BASE, tss
	VMW HOST_GDTR_BASE, gdt
	VMW HOST_IDTR_BASE, host_idt
	VMW HOST_IA32_SYSENTER_CS, 0
	VMW HOST_IA32_SYSENTER_ESP, 0
	VMW HOST_IA32_SYSENTER_EIP, 0
	VMW HOST_RSP, stack_top
	VMW HOST_RIP, exit_entry

	; Guest state (25.4): a 64-bit guest at CPL 0.
	VMW GUEST_CR0, HOST_CR0_VALUE
	VMW GUEST_CR3, pml4
	VMW GUEST_CR4, HOST_CR4_VALUE | CR4_VMXE
	VMW GUEST_DR7, 0x400
	VMW GUEST_RSP, guest_stack_top
	VMW GUEST_RIP, guest_main
	VMW GUEST_RFLAGS, 2
	xor ecx, ecx
.seg:
	movzx eax, word [guest_segs + rcx * 4]
	lea edx, [GUEST_ES_SELECTOR + rcx * 2]
	vmwrite rdx, rax
	movzx eax, word [guest_segs + rcx * 4 + 2]
	lea edx, [GUEST_ES_AR_BYTES + rcx * 2]
	vmwrite rdx, rax
	mov eax, 0xffffffff
	lea edx, [GUEST_ES_LIMIT + rcx * 2]
	vmwrite rdx, rax
	xor eax, eax
	lea edx, [GUEST_ES_BASE + rcx * 2]
	vmwrite rdx, rax
	inc ecx
	cmp ecx, 6
	jb .seg
	VMW GUEST_LDTR_SELECTOR, 0
	VMW GUEST_LDTR_BASE, 0
	VMW GUEST_LDTR_LIMIT, 0
	VMW GUEST_LDTR_AR_BYTES, 0x10000 ; unusable
	VMW GUEST_TR_SELECTOR, SEL_TSS
	VMW GUEST_TR_BASE, tss
	VMW GUEST_TR_LIMIT, 0x67
	VMW GUEST_TR_AR_BYTES, 0x8b     ; busy 64-bit TSS, present
	VMW GUEST_GDTR_BASE, gdt
	VMW GUEST_GDTR_LIMIT, gdt_end - gdt - 1
	VMW GUEST_IDTR_BASE, guest_idt
	VMW GUEST_IDTR_LIMIT, GUEST_IDT_ENTRIES * 16 - 1
	VMW VMCS_LINK_POINTER, -1
	VMW GUEST_INTERRUPTIBILITY_INFO, 0
	VMW GUEST_ACTIVITY_STATE, 0
	VMW GUEST_PENDING_DBG_EXCEPTIONS, 0
	VMW GUEST_IA32_DEBUGCTL, 0
	VMW GUEST_SYSENTER_CS, 0
	VMW GUEST_SYSENTER_ESP, 0
	VMW GUEST_SYSENTER_EIP, 0
	ret

; ---- Data -------------------------------------------------------------

[section .rodata]
msg_cr0: db "CR0", 0
msg_cr4: db "CR4", 0
msg_pin: db "pin-based controls (IA32_VMX_TRUE_PINBASED_CTLS):", 0
msg_proc: db "primary controls (IA32_VMX_TRUE_PROCBASED_CTLS):", 0
msg_proc2: db "secondary controls (IA32_VMX_PROCBASED_CTLS2):", 0
msg_exit: db "VM-exit controls (IA32_VMX_TRUE_EXIT_CTLS):", 0
msg_entry: db "VM-entry controls (IA32_VMX_TRUE_ENTRY_CTLS):", 0
hv_vendor: db "TeachingHV64", 0
reg_names: db "RAX", 0, "RCX", 0, "RDX", 0, "RBX", 0, "RSP", 0, "RBP", 0, "RSI", 0, "RDI", 0
	db "R8", 0, 0, "R9", 0, 0, "R10", 0, "R11", 0, "R12", 0, "R13", 0, "R14", 0, "R15", 0

; EPT-violation qualification bits (Table 28-7).
%macro BIT 2
[section .rodata]
%%name: db %2, 0
[section .data]
	dd %1, %%name
%endmacro
[section .data]
align 4
ept_qual_bits:
	BIT 0, "read"
	BIT 1, "write"
	BIT 2, "fetch"
	BIT 3, "readable"
	BIT 4, "writable"
	BIT 5, "executable"
	BIT 7, "linear-address-valid"
	BIT 8, "final-translation"
	dd -1, 0

; The broken VMCSs. CASE "what": a new case from the good VMCS; then
; W FIELD, OP, VALUE rows change it: OP_SET, OP_OR or OP_ANDNOT with a
; constant; WA FIELD, SYMBOL sets an address.
CASE_START equ 1
CASE_WRITE equ 2
CASE_ROW equ 24                 ; dd kind, field or text, op, 0; dq value
OP_SET equ 0
OP_OR equ 1
OP_ANDNOT equ 2
%macro CASE 1
[section .rodata]
%%t: db %1, 0
[section .data]
	dd CASE_START, %%t, 0, 0
	dq 0
%endmacro
%macro W 3
	dd CASE_WRITE, %1, %2, 0
	dq %3
%endmacro
%macro WA 2
	dd CASE_WRITE, %1, OP_SET, 0
	dd %2, 0
%endmacro
[section .data]
align 8
bad_cases:
	; control fields (27.2.1): VM-instruction error 7
	CASE "pin-based control bit 8 (reserved) set"
	W PIN_BASED_VM_EXEC_CONTROL, OP_OR, 1 << 8
	CASE "unrestricted guest without enable EPT"
	W SECONDARY_VM_EXEC_CONTROL, OP_OR, 1 << 7
	W SECONDARY_VM_EXEC_CONTROL, OP_ANDNOT, SEC_ENABLE_EPT
	CASE "CR3-target count 5 (at most 4)"
	W CR3_TARGET_COUNT, OP_SET, 5
	CASE "MSR-bitmap address not 4 KiB aligned"
	W MSR_BITMAP, OP_OR, 0x800
	CASE "EPTP memory type 1 (WC)"
	W EPT_POINTER, OP_ANDNOT, 7
	W EPT_POINTER, OP_OR, 1
	CASE "EPTP page-walk length 5"
	W EPT_POINTER, OP_ANDNOT, 7 << 3
	W EPT_POINTER, OP_OR, 4 << 3
	CASE "VM-entry control entry to SMM set"
	W VM_ENTRY_CONTROLS, OP_OR, 1 << 10
	CASE "inject an NMI with vector 3"
	W VM_ENTRY_INTR_INFO_FIELD, OP_SET, INTR_VALID | INTR_TYPE_NMI | 3
	CASE "inject #UD with an error code"
	W VM_ENTRY_INTR_INFO_FIELD, OP_SET, INTR_VALID | INTR_TYPE_HW_EXC | INTR_DELIVER_CODE | 6
	CASE "inject a hardware exception, vector 40H"
	W VM_ENTRY_INTR_INFO_FIELD, OP_SET, INTR_VALID | INTR_TYPE_HW_EXC | 0x40
	; host state (27.2.2-27.2.4): VM-instruction error 8
	CASE "host CR0.PE clear"
	W HOST_CR0, OP_ANDNOT, CR0_PE
	CASE "host CR4.VMXE clear"
	W HOST_CR4, OP_ANDNOT, CR4_VMXE
	CASE "host TR selector 0"
	W HOST_TR_SELECTOR, OP_SET, 0
	CASE "host CS selector with RPL 1"
	W HOST_CS_SELECTOR, OP_OR, 1
	CASE "host RIP 8000000000000000H (not canonical)"
	W HOST_RIP, OP_SET, 0x8000000000000000
	CASE "host address-space size 0 in IA-32e mode"
	W VM_EXIT_CONTROLS, OP_ANDNOT, EXIT_HOST_ADDR_SPACE_SIZE
	; guest state (27.3): VM-entry failure, exit reason 33
	CASE "guest CR0.PG set with PE clear"
	W GUEST_CR0, OP_ANDNOT, CR0_PE
	CASE "guest CR4.PAE clear in an IA-32e guest"
	W GUEST_CR4, OP_ANDNOT, CR4_PAE
	CASE "guest RFLAGS bit 1 clear"
	W GUEST_RFLAGS, OP_SET, 0
	CASE "guest CS with L and D set, IA-32e guest"
	W GUEST_CS_AR_BYTES, OP_OR, 1 << 14
	CASE "guest TR unusable"
	W GUEST_TR_AR_BYTES, OP_OR, 1 << 16
	CASE "guest RIP 8000000000000000H (not canonical)"
	W GUEST_RIP, OP_SET, 0x8000000000000000
	CASE "guest activity state 3 (wait-for-SIPI)"
	W GUEST_ACTIVITY_STATE, OP_SET, 3
	CASE "inject an interrupt with RFLAGS.IF = 0"
	W VM_ENTRY_INTR_INFO_FIELD, OP_SET, INTR_VALID | INTR_TYPE_EXT | INTR_VECTOR
	CASE "VMCS link pointer to a page of zeros"
	WA VMCS_LINK_POINTER, link_page
	; MSR loading (27.4): VM-entry failure, exit reason 34
	CASE "VM-entry MSR-load list with IA32_FS_BASE"
	WA VM_ENTRY_MSR_LOAD_ADDR, msr_load_list
	W VM_ENTRY_MSR_LOAD_COUNT, OP_SET, 1
	dd 0, 0, 0, 0
	dq 0

[section .rodata]
; The guest's segments (VMCS access-rights format, 25.4.1): selector,
; access rights for ES, CS, SS, DS, FS, GS.
align 4
guest_segs:
	dw SEL_DATA, 0xc093             ; ES: data, read/write, accessed
	dw SEL_CODE64, 0xa09b           ; CS: 64-bit code (L = 1, D = 0)
	dw SEL_DATA, 0xc093             ; SS
	dw SEL_DATA, 0xc093             ; DS
	dw SEL_DATA, 0xc093             ; FS
	dw SEL_DATA, 0xc093             ; GS

; The VM-entry MSR-load list (25.8.2): index, reserved, value.
align 16
msr_load_list:
	dd IA32_FS_BASE, 0
	dq 0

[section .data]
align 8
vmxon_ptr: dd vmxon_region, 0
vmcs_ptr: dd vmcs_region, 0
misaligned_ptr: dd vmcs_region + 8, 0
link_ptr: dd link_page, 0

[section .bss]
alignb 4096
vmxon_region: resb 4096
vmcs_region: resb 4096
link_page: resb 4096            ; zeros: not a VMCS
msr_bitmap: resb 4096
ept_pml4: resq 512
ept_pdpt: resq 512
ept_pd: resq 512
ept_pt: resq 512                ; the 2 MiB around HOLE_GPA
guest_idt: resq 2 * GUEST_IDT_ENTRIES
alignb 16
	resb 8192
guest_stack_top:
alignb 8
gregs: resq 16                  ; guest GPRs at the last VM exit
exit_counts: resq EXIT_REASON_COUNT
io_forwarded: resq 1
virtual_sysenter_esp: resq 1
invept_desc: resq 2             ; EPTP, reserved
ctl_pin: resq 1                 ; the adjusted controls
ctl_proc: resq 1
ctl_proc2: resq 1
ctl_exit: resq 1
ctl_entry: resq 1
case_ptr: resq 1
vmcs_revision: resd 1
guest_vendor: resb 16
