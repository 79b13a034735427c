; vmx_basic.asm - the smallest VT-x hypervisor (tests/asm/vmx.inc does the
; set-up): a 64-bit guest whose CPUID, OUT and HLT exit (SDM Vol. 3C,
; 26.1); the host prints one letter per exit, checks the I/O exit
; qualification (Q; Table 28-5) and resumes past each instruction.
; mode: long64
; exit: 0
bits 64
org 0x100000
	jmp main
%include "vmx.inc"
main:	mov rsp, vmx_host_stack
	lea rdi, [rel guest]
	xor r8d, r8d
	mov r9d, (1 << 7) | (1 << 24)   ; HLT exiting, unconditional I/O exiting
	lea r10, [rel exit_handler]
	call vmx_setup
	jbe fail
	mov al, 'O'
	out 0xe9, al
	vmlaunch
fail:	mov al, 'F'                     ; VM entry failed: F and the error letter
	out 0xe9, al
	VMR 0x4400                      ; VM_INSTRUCTION_ERROR
	add al, 'a'
	out 0xe9, al
	mov al, 1
	out 0xf4, al
	hlt

exit_handler:
	VMR 0x4402                      ; VM_EXIT_REASON
	cmp eax, 10
	je .cpuid
	cmp eax, 30
	je .io
	cmp eax, 12
	je .hlt
	jmp fail
.cpuid:	mov al, 'C'
	out 0xe9, al
	call vmx_skip_resume
	jmp fail
.io:	VMR 0x6400                      ; EXIT_QUALIFICATION: port E9H, 1 byte, OUT, immediate
	cmp rax, 0x00e90040
	jne fail
	mov al, 'Q'
	out 0xe9, al
	call vmx_skip_resume
	jmp fail
.hlt:	mov al, 'H'
	out 0xe9, al
	mov al, 10
	out 0xe9, al
	hlt                             ; IF = 0 after a VM exit: the run ends here

guest:	xor eax, eax
	cpuid
	mov al, 'g'
	out 0xe9, al
	hlt
	jmp guest
