; pic_regs32.asm - the 8259A registers through port I/O (test_pic.c, guest_port_io).
; prot32, loaded at 1000h; results are bytes at 8000h. IF stays 0 throughout.
; Phase 1 ends in HLT; the test then raises IRQ3 and IRQ10 and resumes.
bits 32
org 0x1000

RESULT equ 0x8000

	mov al, 0x11            ; ICW1: edge, cascade, ICW4 follows
	out 0x20, al
	out 0xa0, al
	mov al, 0x20            ; ICW2: vectors 20h-27h and 28h-2Fh
	out 0x21, al
	mov al, 0x28
	out 0xa1, al
	mov al, 0x04            ; ICW3: slave on IR2; slave ID 2
	out 0x21, al
	mov al, 0x02
	out 0xa1, al
	mov al, 0x01            ; ICW4: 8086 mode
	out 0x21, al
	out 0xa1, al
	mov al, 0xfb            ; OCW1: master passes IR2 only
	out 0x21, al
	mov al, 0x7b            ; slave passes IR2 (IRQ10) and IR7
	out 0xa1, al
	in al, 0x21
	mov [RESULT + 0], al
	in al, 0xa1
	mov [RESULT + 1], al
	mov al, 0x0a            ; OCW3: read IRR
	out 0x20, al
	in al, 0x20
	mov [RESULT + 2], al
	hlt

	; Phase 2: IRQ3 and IRQ10 are high now.
	mov al, 0x0a
	out 0x20, al
	out 0xa0, al
	in al, 0x20
	mov [RESULT + 3], al    ; master IRR
	in al, 0xa0
	mov [RESULT + 4], al    ; slave IRR
	mov al, 0x0b            ; OCW3: read ISR
	out 0x20, al
	in al, 0x20
	mov [RESULT + 5], al
	mov al, 0x0c            ; OCW3: poll
	out 0x20, al
	in al, 0x20
	mov [RESULT + 6], al
	in al, 0x20             ; OCW3 still selects ISR
	mov [RESULT + 7], al
	hlt
