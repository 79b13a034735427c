; lapic_timer64.asm - the local APIC timer end to end in 64-bit mode (test_lapic.c, guest_timer).
; Software-enables the xAPIC, runs its timer periodic at vector 40h (divide
; by 16, COUNT), takes TICKS interrupts through a 64-bit interrupt gate while
; halted, with EOI through the MMIO EOI register, stops the timer and exits
; with the count. 8000h/8008h: TSC at the first and last tick; 8010h: the
; current-count register read in the first handler; 8014h: ISR bits 40h-5Fh
; read there.
bits 64
org 0x1000

APIC   equ 0xfee00000
COUNT  equ 10000
TICKS  equ 5
RESULT equ 0x8000

start:
	lidt [idtr]
	mov esi, APIC               ; esi, not a disp32: FEE00000h would sign-extend
	mov dword [rsi + 0x0f0], 0x1ff      ; SVR: software enable, spurious vector FFh
	mov dword [rsi + 0x3e0], 0x3        ; divide configuration: by 16
	mov dword [rsi + 0x320], 0x20040    ; LVT timer: periodic, vector 40h
	mov dword [rsi + 0x380], COUNT      ; initial count: the timer starts
	xor ebx, ebx
	sti
.wait:
	hlt
	cmp ebx, TICKS
	jb .wait
	cli
	mov dword [rsi + 0x380], 0          ; stop the timer
	mov eax, ebx
	out 0xf4, al

timer:
	push rax
	push rdx
	rdtsc
	mov [RESULT + 8], eax
	mov [RESULT + 12], edx
	inc ebx
	cmp ebx, 1
	jne .eoi
	mov [RESULT + 0], eax
	mov [RESULT + 4], edx
	mov eax, [rsi + 0x390]              ; current count
	mov [RESULT + 0x10], eax
	mov eax, [rsi + 0x120]              ; ISR, vectors 40h-5Fh
	mov [RESULT + 0x14], eax
.eoi:
	mov dword [rsi + 0x0b0], 0          ; EOI
	pop rdx
	pop rax
	iretq

; A 64-bit interrupt gate: offset, selector 08h, IST 0, P=1 DPL=0 type 1110b.
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
	times 0x40 * 2 dq 0
	GATE64 timer                        ; vector 40h
idt_end:
idtr:
	dw idt_end - idt - 1
	dq idt
