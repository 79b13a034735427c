; singlestep.asm - TF=1 makes every instruction trap with #DB afterwards
; (SDM Vol. 3A, 18.3.1.4); the handler counts the traps, and the trap
; frame's RIP is the next instruction. 64-bit mode.
; mode: long64
; exit: 0
bits 64
org 0x100000
	mov rsp, 0x200000
	lidt [rel idtr]
	xor ebx, ebx                    ; trap count
	pushfq
	or qword [rsp], 0x100           ; TF
	popfq                           ; POPF sets TF: the trap comes after the next instruction
	nop                             ; trap 1 (after NOP)
	nop                             ; trap 2
	pushfq                          ; trap 3
	and qword [rsp], ~0x100
	popfq                           ; trap 4 after AND; POPF began with TF=1, so trap 5 after it
	nop                             ; TF is clear now: no trap
	lea eax, ['0' + rbx]
	out 0xe9, al                    ; 5 traps
	mov al, 10
	out 0xe9, al
	hlt
db_handler:
	inc ebx
	iretq
align 16
idt:	times 1 dq 0, 0
	dw (db_handler - $$ + 0x100000) & 0xffff, 0x08
	db 0, 0x8e
	dw ((db_handler - $$ + 0x100000) >> 16) & 0xffff
	dd 0, 0
idtr:	dw $ - idt - 1
	dq idt
