; vmx_realmode.asm - "unrestricted guest" (SDM Vol. 3C, 26.6; 27.3.1):
; a guest in real-address mode (CR0.PE = PG = 0) under EPT. Its CS has a
; base of 100000H with selector 1000H (real mode with a hidden base the
; VMCS sets, as a hypervisor resuming a real-mode guest would). The guest
; prints R, reads guest-physical 400000H through DS (base 400000H), which
; EPT leaves not present: an EPT violation with the guest-linear address
; valid (V; qualification 181H); the host maps it, the read succeeds (r),
; then the guest turns on protection with MOV CR0 (P) and its HLT exits (H).
; mode: long64
; exit: 0
bits 64
org 0x100000
	jmp main
%include "vmx.inc"
main:	mov rsp, vmx_host_stack
	call vmx_build_ept
	mov [rel eptp], rax
	mov qword [rel vmx_ept_pd + 2 * 8], 0 ; 400000H-5FFFFFH not present
	xor edi, edi                    ; GUEST_RIP is set below
	xor r8d, r8d
	mov r9d, (1 << 7) | (1 << 31)   ; HLT exiting, activate secondary controls
	lea r10, [rel exit_handler]
	call vmx_setup
	jbe fail
	mov ecx, 0x48b
	mov ebx, (1 << 1) | (1 << 7)    ; enable EPT, unrestricted guest
	call vmx_adjust
	VMW 0x401e, rax                 ; SECONDARY_VM_EXEC_CONTROL
	VMW 0x201a, [rel eptp]          ; EPT_POINTER
	mov ecx, 0x490
	xor ebx, ebx                    ; not an IA-32e mode guest
	call vmx_adjust
	VMW 0x4012, rax                 ; VM_ENTRY_CONTROLS
	mov rax, cr0
	and eax, ~((1 << 31) | 1)       ; PG = PE = 0
	VMW 0x6800, rax                 ; GUEST_CR0
	VMW 0x6804, 1 << 13             ; GUEST_CR4: VMXE only
	; Real-mode segments: 64-KiB limit, data read/write accessed.
	VMW 0x0802, 0x1000              ; GUEST_CS_SELECTOR
	VMW 0x6808, 0x100000            ; GUEST_CS_BASE
	VMW 0x4802, 0xffff              ; GUEST_CS_LIMIT
	VMW 0x4816, 0x9b                ; GUEST_CS_AR_BYTES: 16-bit code
	mov ecx, 0
.seg:	cmp ecx, 1
	je .next
	lea rdx, [abs 0x0800 + rcx * 2]
	xor eax, eax
	vmwrite rdx, rax                ; selector 0
	lea rdx, [abs 0x6806 + rcx * 2]
	vmwrite rdx, rax                ; base 0
	mov eax, 0xffff
	lea rdx, [abs 0x4800 + rcx * 2]
	vmwrite rdx, rax                ; limit
	mov eax, 0x93
	lea rdx, [abs 0x4814 + rcx * 2]
	vmwrite rdx, rax                ; access rights
.next:	inc ecx
	cmp ecx, 6
	jb .seg
	VMW 0x680c, 0x400000            ; GUEST_DS_BASE (big real mode)
	VMW 0x4806, 0xffffffff          ; GUEST_DS_LIMIT
	VMW 0x481a, 0x8093              ; GUEST_DS_AR_BYTES: G = 1 for the 4-GiB limit
	VMW 0x6818, 0                   ; GUEST_IDTR_BASE: the IVT
	VMW 0x4812, 0x3ff               ; GUEST_IDTR_LIMIT
	VMW 0x681c, 0x8000              ; GUEST_RSP
	VMW 0x681e, real_guest - $$     ; GUEST_RIP: offset in CS
	vmlaunch
fail:	mov al, 'F'
	out 0xe9, al
	VMR 0x4400
	add al, 'a'
	out 0xe9, al
	mov al, 1
	out 0xf4, al
	hlt

exit_handler:
	VMR 0x4402                      ; VM_EXIT_REASON
	cmp eax, 48
	je .viol
	cmp eax, 12
	je .hlt
	add al, '0'
	out 0xe9, al
	jmp fail
.viol:	VMR 0x6400                      ; EXIT_QUALIFICATION
	cmp rax, 0x181
	jne fail
	VMR 0x2400                      ; GUEST_PHYSICAL_ADDRESS
	cmp rax, 0x400000
	jne fail
	mov al, 'V'
	out 0xe9, al
	mov rax, (2 << 21) | VMX_EPT_RWX | VMX_EPT_WB | VMX_EPT_BIG
	mov [rel vmx_ept_pd + 2 * 8], rax
	mov eax, 1
	invept rax, [rel eptp]
	vmresume
	jmp fail
.hlt:	mov al, 'H'
	out 0xe9, al
	mov al, 10
	out 0xe9, al
	hlt

align 16
eptp:	dq 0, 0

bits 16
real_guest:
	mov al, 'R'
	out 0xe9, al
	mov ax, [0]                     ; DS:0 = guest-physical 400000H
	mov al, 'r'
	out 0xe9, al
	mov eax, cr0
	or al, 1                        ; CR0.PE = 1: allowed, and checked
	mov cr0, eax
	mov al, 'P'
	out 0xe9, al
	hlt
