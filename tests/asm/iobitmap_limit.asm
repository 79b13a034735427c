; iobitmap_limit.asm - the I/O permission bit map opens port 0xE9, but
; its byte is the last one within the TSS limit: the processor reads two
; bytes of the map for every access, so OUT to 0xE9 at ring 3 is #GP(0)
; (SDM Vol. 1, 19.5.2; the reason maps end with an FFH byte).
; mode: prot32
; exit: 0
bits 32
org 0x100000
	lgdt [gdtr]
	lidt [idtr]
	jmp 0x08:.cs
.cs:	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov esp, stack0
	mov ax, 0x28
	ltr ax
	push 0x23
	push stack3
	push 0x0002                     ; IOPL 0
	push 0x1b
	push user
	iret
user:
	mov al, 'U'
	out 0xe9, al                    ; allowed by the bit map
	mov al, 'x'
	out 0xe8, al                    ; denied: #GP
	jmp fail
gp:
	mov al, 'G'
	out 0xe9, al
	mov al, 10
	out 0xe9, al
	hlt
fail:
	mov al, '!'
	out 0xe9, al
	hlt

align 8
gdt:	dq 0
	dq 0x00cf9a000000ffff           ; 0x08 ring-0 code
	dq 0x00cf92000000ffff           ; 0x10 ring-0 data
	dq 0x00cffa000000ffff           ; 0x18 ring-3 code
	dq 0x00cff2000000ffff           ; 0x20 ring-3 data
	dw tss_end - tss - 1, (tss - $$ + 0x100000) & 0xffff   ; 0x28 TSS with a bit map
	db ((tss - $$ + 0x100000) >> 16) & 0xff, 0x89, 0, ((tss - $$ + 0x100000) >> 24) & 0xff
gdtr:	dw $ - gdt - 1
	dd gdt
align 8
idt:	times 13 dq 0
	dw (gp - $$ + 0x100000) & 0xffff, 0x08
	db 0, 0x8e
	dw ((gp - $$ + 0x100000) >> 16) & 0xffff
idtr:	dw $ - idt - 1
	dd idt
align 16
tss:	dd 0, stack0, 0x10
	times 22 dd 0
	dw 0, iomap - tss               ; I/O map base
iomap:	times 29 db 0xff                ; ports 0x00-0xE7 closed
	db 0xfd                         ; ports 0xE8-0xEF: only 0xE9 (bit 1) open
tss_end:                                ; ... and nothing after it within the limit
	times 256 db 0
stack0:
	times 256 db 0
stack3:
