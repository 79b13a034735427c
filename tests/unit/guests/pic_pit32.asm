; pic_pit32.asm - IRQ0 end to end in 32-bit protected mode (test_pit.c, guest_ticks).
; Remaps both 8259As to 20h/28h, runs PIT counter 0 in mode 2, takes TICKS
; timer interrupts through a 32-bit interrupt gate while waiting in HLT, and
; writes the count to the exit port. The handler keeps the TSC of the first
; and the last tick at 8000h and 8008h, and the count at 8010h.
bits 32
org 0x1000

PIT_COUNT equ 1193              ; 1.193182 MHz / 1193: about 1 kHz
TICKS     equ 10
RESULT    equ 0x8000

start:
	lidt [idtr]
	mov al, 0x11                ; ICW1: edge, cascade, ICW4 follows
	out 0x20, al
	out 0xa0, al
	mov al, 0x20                ; ICW2: master 20h-27h
	out 0x21, al
	mov al, 0x28                ;       slave 28h-2Fh
	out 0xa1, al
	mov al, 0x04                ; ICW3: slave on IR2
	out 0x21, al
	mov al, 0x02                ;       slave ID 2
	out 0xa1, al
	mov al, 0x01                ; ICW4: 8086 mode, normal EOI
	out 0x21, al
	out 0xa1, al
	mov al, 0xfe                ; OCW1: IRQ0 only
	out 0x21, al
	mov al, 0xff
	out 0xa1, al

	mov al, 0x34                ; PIT: counter 0, LSB then MSB, mode 2, binary
	out 0x43, al
	mov al, PIT_COUNT & 0xff
	out 0x40, al
	mov al, PIT_COUNT >> 8
	out 0x40, al

	xor ebx, ebx                ; ticks seen
	sti
.wait:
	hlt
	cmp ebx, TICKS
	jb .wait
	cli
	mov [RESULT + 0x10], ebx
	mov eax, ebx
	out 0xf4, al

timer:
	push eax
	push edx
	rdtsc
	mov [RESULT + 8], eax
	mov [RESULT + 12], edx
	inc ebx
	cmp ebx, 1
	jne .eoi
	mov [RESULT + 0], eax
	mov [RESULT + 4], edx
.eoi:
	mov al, 0x20                ; OCW2: non-specific EOI
	out 0x20, al
	pop edx
	pop eax
	iretd

; A 32-bit interrupt gate: offset, selector 08h, P=1 DPL=0 type 1110b.
%macro GATE32 1
	dw (%1 - $$ + 0x1000) & 0xffff
	dw 0x08
	dw 0x8e00
	dw (%1 - $$ + 0x1000) >> 16
%endmacro

align 8
idt:
	times 0x20 dq 0
	GATE32 timer                ; vector 20h: IRQ0
	times 0x0f dq 0             ; 21h-2Fh: nothing else may arrive
idt_end:
idtr:
	dw idt_end - idt - 1
	dd idt
