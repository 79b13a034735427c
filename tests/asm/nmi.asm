; nmi.asm - NMIs from a self-IPI (delivery mode 100B, SDM Vol. 3A, 11.6.1):
; vector 2 through the IDT; while the handler runs a second NMI waits
; (blocking by NMI, 6.7.1) and is taken right after IRET. Prints N (enter)
; and n (leave) per NMI, then the count.
; mode: long64
; exit: 0
bits 64
org 0x100000
ICR_LO equ 0xfee00300
	mov rsp, 0x200000
	lidt [rel idtr]
	mov edi, ICR_LO
	mov dword [rdi], (4 << 8) | (1 << 18) ; NMI to self
	mov al, bl                      ; BL counts the NMIs: 2
	add al, '0'
	out 0xe9, al
	mov al, 10
	out 0xe9, al
	hlt
nmi_handler:
	mov al, 'N'
	out 0xe9, al
	inc bl
	cmp bl, 1
	jne .out
	mov dword [rdi], (4 << 8) | (1 << 18) ; blocked until IRET
	nop
	nop
.out:	mov al, 'n'
	out 0xe9, al
	iretq
align 16
idt:	times 2 dq 0, 0
	dw (nmi_handler - $$ + 0x100000) & 0xffff, 0x08
	db 0, 0x8e
	dw (nmi_handler - $$ + 0x100000) >> 16
	dd 0, 0
idt_end:
idtr:	dw idt_end - idt - 1
	dq idt
