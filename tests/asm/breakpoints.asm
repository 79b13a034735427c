; breakpoints.asm - debug registers: an instruction breakpoint (DR0, fault
; before the instruction; the handler sets RF so the instruction then runs)
; and a data write breakpoint (DR1, 4 bytes, trap after the write), with
; DR6 telling which (SDM Vol. 3A, 18.2 and 18.3).
; mode: long64
; exit: 0
bits 64
org 0x100000
	mov rsp, 0x200000
	lidt [rel idtr]
	lea rax, [rel target]
	mov dr0, rax                    ; instruction breakpoint at target
	lea rax, [rel watched]
	mov dr1, rax                    ; data breakpoint on watched
	mov rax, (1 << 0) | (1 << 2) | (0b1101 << 20) ; L0, L1; R/W1 = 01 (writes), LEN1 = 11 (4 bytes)
	mov dr7, rax
	mov dword [rel other], 1        ; not watched: no #DB
	mov eax, [rel watched]          ; a read: DR1 watches writes only
target:
	nop                             ; #DB (fault) before this, once
	mov dword [rel watched + 2], 7  ; overlaps the watched 4 bytes: #DB (trap) after
	mov al, bl                      ; BL counts the #DBs
	add al, '0'
	out 0xe9, al                    ; 2
	mov al, cl                      ; CL: DR6 bits seen, B0 then B1 -> 1 | 2
	add al, '0'
	out 0xe9, al                    ; 3
	mov al, 10
	out 0xe9, al
	hlt
db_handler:
	inc bl
	mov rax, dr6
	and al, 3
	or cl, al
	or qword [rsp + 16], 1 << 16    ; RF in the saved RFLAGS: resume past the breakpoint
	iretq
align 16
idt:	dq 0, 0
	dw (db_handler - $$ + 0x100000) & 0xffff, 0x08
	db 0, 0x8e
	dw ((db_handler - $$ + 0x100000) >> 16) & 0xffff
	dd 0, 0
idtr:	dw $ - idt - 1
	dq idt
align 8
watched: dd 0
other:	dd 0
