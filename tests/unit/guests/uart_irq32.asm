; uart_irq32.asm - the UART's interrupts on IRQ4 (test_platform.c, guest_uart_interrupts).
; prot32. PICs at 20h/28h with only IRQ4 unmasked; the UART's THRE interrupt
; is enabled with MCR.OUT2 (the PC's IRQ gate) set, and arrives at once
; because THR is empty. The handler records IIR, then the guest enables
; only the received-data interrupt and halts; the test feeds a byte in.
; Results at 8000h: +00 IIR in the first (THRE) handler, +01 IIR in the
; second (received data), +02 the byte received, +03 interrupts taken,
; +04 IIR read with IF=1 but OUT2 clear: THRE pending (C2h), yet no interrupt.
bits 32
org 0x1000

RESULT equ 0x8000
COM1   equ 0x3f8

	lidt [idtr]
	mov al, 0x11
	out 0x20, al
	out 0xa0, al
	mov al, 0x20
	out 0x21, al
	mov al, 0x28
	out 0xa1, al
	mov al, 0x04
	out 0x21, al
	mov al, 0x02
	out 0xa1, al
	mov al, 0x01
	out 0x21, al
	out 0xa1, al
	mov al, 0xef                ; IRQ4 only
	out 0x21, al
	mov al, 0xff
	out 0xa1, al

	xor ebx, ebx
	mov dx, COM1 + 2
	mov al, 0x01                ; FCR: FIFOs on, receiver trigger 1
	out dx, al
	mov dx, COM1 + 1
	mov al, 0x02                ; IER: THR empty
	out dx, al
	sti
	nop                         ; OUT2 is clear: nothing reaches the PIC
	cli
	mov dx, COM1 + 2
	in al, dx                   ; IIR: THRE pending (and this read clears it)
	mov [RESULT + 4], al
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov al, 0x02                ; re-enable: THR is empty, so THRE is pending again
	out dx, al
	mov dx, COM1 + 4
	mov al, 0x08                ; MCR: OUT2
	out dx, al
	sti
	nop                         ; the THRE interrupt is taken here
	mov dx, COM1 + 1
	mov al, 0x01                ; IER: received data only
	out dx, al
.wait:
	hlt
	cmp ebx, 2
	jb .wait
	cli
	mov [RESULT + 3], bl
	mov al, bl
	out 0xf4, al

irq4:
	push eax
	push edx
	mov dx, COM1 + 2
	in al, dx
	mov [RESULT + ebx], al      ; IIR
	cmp al, 0xc4                ; received data available?
	jne .done
	mov dx, COM1
	in al, dx
	mov [RESULT + 2], al
.done:
	inc ebx
	mov al, 0x20
	out 0x20, al
	pop edx
	pop eax
	iretd

%macro GATE32 1
	dw (%1 - $$ + 0x1000) & 0xffff
	dw 0x08
	dw 0x8e00
	dw (%1 - $$ + 0x1000) >> 16
%endmacro

align 8
idt:
	times 0x24 dq 0
	GATE32 irq4                 ; vector 24h
	times 0x0b dq 0
idt_end:
idtr:
	dw idt_end - idt - 1
	dd idt
