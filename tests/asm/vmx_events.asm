; vmx_events.asm - exits that come from time and NMIs, not instructions:
; the VMX-preemption timer (P; SDM Vol. 3C, 26.5.1), then with "NMI
; exiting", "virtual NMIs" and "NMI-window exiting" an NMI window (W,
; 26.7.6), an NMI injected by VM entry (27.6) that the guest's handler
; takes (n), which blocks virtual NMIs until the guest's IRET, when the
; window opens again (W).
; mode: long64
; exit: 0
bits 64
org 0x100000
	jmp main
%include "vmx.inc"
main:	mov rsp, vmx_host_stack
	lea rdi, [rel guest]
	mov r8d, 1 << 6                 ; activate VMX-preemption timer
	xor r9d, r9d
	lea r10, [rel exit_handler]
	call vmx_setup
	jbe fail
	VMW 0x482e, 10                  ; VMX_PREEMPTION_TIMER_VALUE: 10 x 32 cycles
	lea rax, [rel guest_idt]
	VMW 0x6818, rax                 ; GUEST_IDTR_BASE
	VMW 0x4812, 16 * 3 - 1          ; GUEST_IDTR_LIMIT
	vmlaunch
fail:	mov al, 'F'
	out 0xe9, al
	VMR 0x4400                      ; VM_INSTRUCTION_ERROR
	add al, 'a'
	out 0xe9, al
	mov al, 1
	out 0xf4, al
	hlt

exit_handler:
	VMR 0x4402                      ; VM_EXIT_REASON
	cmp eax, 52
	je .timer
	cmp eax, 8
	je .window
	add al, '0'                     ; anything else: print the reason's low digit
	out 0xe9, al
	jmp fail
.timer:	mov al, 'P'
	out 0xe9, al
	mov ecx, 0x48d
	mov ebx, (1 << 3) | (1 << 5)    ; NMI exiting, virtual NMIs; timer off
	call vmx_adjust
	VMW 0x4000, rax
	mov ecx, 0x48e
	mov ebx, 1 << 22                ; NMI-window exiting
	call vmx_adjust
	VMW 0x4002, rax
	vmresume
	jmp fail
.window: mov al, 'W'
	out 0xe9, al
	inc byte [rel windows]
	cmp byte [rel windows], 1
	jne .done
	VMW 0x4016, 0x80000202          ; VM_ENTRY_INTR_INFO_FIELD: valid, NMI, vector 2
	vmresume
	jmp fail
.done:	mov al, 10
	out 0xe9, al
	hlt

guest:	jmp guest
guest_nmi:
	mov al, 'n'
	out 0xe9, al
	iretq

windows: db 0
align 16
guest_idt:
	times 4 dq 0
	dw (guest_nmi - $$ + 0x100000) & 0xffff, 0x08 ; vector 2: interrupt gate
	db 0, 0x8e
	dw (guest_nmi - $$ + 0x100000) >> 16
	dd 0, 0
