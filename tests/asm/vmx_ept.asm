; vmx_ept.asm - EPT (SDM Vol. 3C, 29.3): a guest under an identity EPT
; whose 2-MiB page at 400000H starts not present. The guest's read of it
; is an EPT violation (V) with the guest-physical address (G) and the
; qualification "data read, linear address valid, final translation" (Q,
; 181H; Table 28-7); the host maps the page execute-only and INVEPTs: the
; read faults again, now reporting the page executable (X, 1A1H); mapped
; read/write/execute the read succeeds (r) and the guest's HLT exits (H).
; mode: long64
; exit: 0
bits 64
org 0x100000
	jmp main
%include "vmx.inc"
EPT_RWX equ 7
EPT_WB  equ 6 << 3
EPT_BIG equ 1 << 7
main:	mov rsp, vmx_host_stack
	; EPT: PML4[0] -> PDPT; PDPT[0] -> PD (2-MiB pages), PDPT[1..3] 1-GiB pages.
	lea rdi, [rel ept_pd]
	xor ecx, ecx
.pd:	mov rax, rcx
	shl rax, 21
	or rax, EPT_RWX | EPT_WB | EPT_BIG
	mov [rdi + rcx * 8], rax
	inc ecx
	cmp ecx, 512
	jb .pd
	mov qword [rdi + 2 * 8], 0      ; 400000H-5FFFFFH: not present
	lea rax, [rel ept_pd]
	or rax, EPT_RWX
	mov [rel ept_pdpt], rax
	mov rax, (1 << 30) | EPT_RWX | EPT_WB | EPT_BIG
	mov [rel ept_pdpt + 8], rax
	mov rax, (2 << 30) | EPT_RWX | EPT_WB | EPT_BIG
	mov [rel ept_pdpt + 16], rax
	mov rax, (3 << 30) | EPT_RWX | EPT_WB | EPT_BIG
	mov [rel ept_pdpt + 24], rax
	lea rax, [rel ept_pdpt]
	or rax, EPT_RWX
	mov [rel ept_pml4], rax

	lea rdi, [rel guest]
	xor r8d, r8d
	mov r9d, (1 << 7) | (1 << 31)   ; HLT exiting, activate secondary controls
	lea r10, [rel exit_handler]
	call vmx_setup
	jbe fail
	mov ecx, 0x48b                  ; IA32_VMX_PROCBASED_CTLS2
	mov ebx, 1 << 1                 ; enable EPT
	call vmx_adjust
	VMW 0x401e, rax                 ; SECONDARY_VM_EXEC_CONTROL
	lea rax, [rel ept_pml4]
	or rax, (3 << 3) | 6            ; 4-level walk, write-back
	mov [rel eptp], rax
	VMW 0x201a, rax                 ; EPT_POINTER
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
.viol:	inc byte [rel count]
	cmp byte [rel count], 1
	jne .second
	mov al, 'V'
	out 0xe9, al
	VMR 0x2400                      ; GUEST_PHYSICAL_ADDRESS
	cmp rax, 0x400000
	jne fail
	mov al, 'G'
	out 0xe9, al
	VMR 0x6400                      ; EXIT_QUALIFICATION
	cmp rax, 0x181
	jne fail
	mov al, 'Q'
	out 0xe9, al
	mov rax, (2 << 21) | 4 | EPT_WB | EPT_BIG ; execute-only
	jmp .remap
.second: VMR 0x6400
	cmp rax, 0x1a1
	jne fail
	mov al, 'X'
	out 0xe9, al
	mov rax, (2 << 21) | EPT_RWX | EPT_WB | EPT_BIG
.remap:	mov [rel ept_pd + 2 * 8], rax
	mov eax, 1                      ; INVEPT single-context
	invept rax, [rel invept_desc]
	vmresume
	jmp fail
.hlt:	mov al, 'H'
	out 0xe9, al
	mov al, 10
	out 0xe9, al
	hlt

guest:	mov eax, [abs 0x400000]
	mov al, 'r'
	out 0xe9, al
	hlt

count:	db 0
align 16
invept_desc:
eptp:	dq 0, 0
align 4096
ept_pml4: times 512 dq 0
ept_pdpt: times 512 dq 0
ept_pd:   times 512 dq 0
