; tpr64.asm - TPR and PPR hold back a pending interrupt (test_lapic.c, guest_tpr).
; 64-bit mode, APIC enabled, IF=1 throughout. Results at 8000h (dwords):
;   +00 handler count with TPR=60h after a self-IPI of vector 55h (class 5): 0
;   +04 IRR bits 40h-5Fh then (bit 15 = vector 55h)   +08 PPR then (60h)
;   +0C handler count after TPR drops to 40h: 1
;   +10 CR8 after TPR=70h written through MMIO (7)
;   +14 handler count with CR8=7 after a self-IPI of vector 66h (class 6): 1
;   +18 handler count after MOV CR8 = 0: 2     +1C the vectors seen, 55h then 66h
bits 64
org 0x1000

APIC   equ 0xfee00000
RESULT equ 0x8000

	lidt [idtr]
	mov esi, APIC
	mov dword [rsi + 0x0f0], 0x1ff
	xor ebx, ebx
	sti
	mov dword [rsi + 0x080], 0x60       ; TPR: class 6 and below wait
	mov dword [rsi + 0x300], 0x40055    ; self-IPI, vector 55h
	nop
	mov [RESULT + 0x00], ebx
	mov eax, [rsi + 0x220]
	mov [RESULT + 0x04], eax
	mov eax, [rsi + 0x0a0]
	mov [RESULT + 0x08], eax
	mov dword [rsi + 0x080], 0x40       ; TPR down: 55h is above it now
	mov [RESULT + 0x0c], ebx
	mov dword [rsi + 0x080], 0x70
	mov rax, cr8
	mov [RESULT + 0x10], eax
	mov dword [rsi + 0x300], 0x40066    ; self-IPI, vector 66h: class 6 <= 7
	nop
	mov [RESULT + 0x14], ebx
	xor eax, eax
	mov cr8, rax                        ; TPR = 0
	mov [RESULT + 0x18], ebx
	cli
	hlt

handler:
	mov [RESULT + 0x1c + rbx], al       ; al = the vector, set by each stub
	inc ebx
	mov dword [rsi + 0x0b0], 0
	pop rax
	iretq

vec55:
	push rax
	mov al, 0x55
	jmp handler
vec66:
	push rax
	mov al, 0x66
	jmp handler

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
	times 0x55 * 2 dq 0
	GATE64 vec55
	times (0x66 - 0x56) * 2 dq 0
	GATE64 vec66
idt_end:
idtr:
	dw idt_end - idt - 1
	dq idt
