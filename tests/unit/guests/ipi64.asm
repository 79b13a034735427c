; ipi64.asm - self-IPIs through the xAPIC ICR (test_lapic.c, guest_self_ipi).
; 64-bit mode, APIC software-enabled, IF=1. Each IPI is taken right after the
; store to ICR that sends it. Results at 8000h (dwords):
;   +00 handler count after the shorthand "self" IPI (vector 50h)
;   +04 ISR bits 40h-5Fh seen in the 50h handler    +08 PPR seen there
;   +0C handler count after the fixed IPI to APIC ID 0 (vector 51h)
;   +10 ISR bits 40h-5Fh after both EOIs            +14 ESR after an IPI with vector 05h
;   +18 handler count at the end (an illegal vector is not delivered)
bits 64
org 0x1000

APIC   equ 0xfee00000
RESULT equ 0x8000

	lidt [idtr]
	mov esi, APIC
	mov dword [rsi + 0x0f0], 0x1ff      ; SVR: enable
	xor ebx, ebx
	sti
	mov dword [rsi + 0x300], 0x40050    ; ICR: shorthand self, fixed, vector 50h
	mov [RESULT + 0x00], ebx
	mov dword [rsi + 0x310], 0          ; ICR high: destination APIC ID 0
	mov dword [rsi + 0x300], 0x00051    ; ICR: no shorthand, physical, fixed, vector 51h
	mov [RESULT + 0x0c], ebx
	mov eax, [rsi + 0x120]
	mov [RESULT + 0x10], eax
	mov dword [rsi + 0x300], 0x40005    ; vector 5: illegal
	mov dword [rsi + 0x280], 0          ; ESR: latch the errors
	mov eax, [rsi + 0x280]
	mov [RESULT + 0x14], eax
	mov [RESULT + 0x18], ebx
	cli
	hlt

vec50:
	inc ebx
	mov eax, [rsi + 0x120]
	mov [RESULT + 0x04], eax
	mov eax, [rsi + 0x0a0]
	mov [RESULT + 0x08], eax
	mov dword [rsi + 0x0b0], 0
	iretq

vec51:
	inc ebx
	mov dword [rsi + 0x0b0], 0
	iretq

%macro GATE64 1
	dw (%1 - $$ + 0x1000) & 0xffff
	dw 0x08
	db 0, 0x8e
	dw (%1 - $$ + 0x1000) >> 16
	dd 0
	dd 0
%endmacro

align 16
idt:
	times 0x50 * 2 dq 0
	GATE64 vec50
	GATE64 vec51
idt_end:
idtr:
	dw idt_end - idt - 1
	dq idt
