; sysenter64.asm - IA-32e mode: a far RET from 64-bit code into
; compatibility mode and a far JMP back at ring 0; then SYSENTER from
; 32-bit ring 3 into a 64-bit kernel, SYSEXIT with REX.W to 64-bit ring 3
; (CS = SYSENTER_CS + 32, SS = + 40), SYSENTER from there, and SYSEXIT
; without REX.W back to compatibility mode (CS = + 16, SS = + 24).
; mode: long64
; exit: 0
bits 64
org 0x100000

%define CODE0 0x08
%define DATA0 0x10
%define CODE3_32 0x1b
%define DATA3 0x23
%define CODE3_64 0x2b
%define DATA3_64 0x33
%define TSSSEL 0x38
%define CODE0_32 0x48

start:
	lgdt [rel gdtr]
	lidt [rel idtr]
	mov rsp, stack0_top
	push CODE0
	lea rax, [rel .cs]
	push rax
	retfq
.cs:	mov ax, DATA0
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov ax, TSSSEL
	ltr ax
	; a far RET to 32-bit code at ring 0: compatibility mode
	push CODE0_32
	lea rax, [rel compat0]
	push rax
	retfq

bits 32
compat0:
	mov ax, cs
	cmp ax, CODE0_32
	jne fail32
	mov al, 'c'
	out 0xe9, al
	jmp CODE0:long0                 ; ptr16:32 exists outside 64-bit mode

bits 64
long0:
	mov al, '6'
	out 0xe9, al
	mov ecx, 0x174                  ; IA32_SYSENTER_CS
	mov eax, CODE0
	xor edx, edx
	wrmsr
	mov ecx, 0x175                  ; IA32_SYSENTER_ESP
	mov eax, sysenter_stack_top
	wrmsr
	mov ecx, 0x176                  ; IA32_SYSENTER_EIP
	mov eax, kernel
	wrmsr
	; IRETQ to ring 3 in compatibility mode, IOPL 3 so that it may use OUT
	push DATA3
	push stack3_top
	push 0x3002
	push CODE3_32
	push user32
	iretq

bits 32
user32:
	mov ax, cs
	and al, 3
	add al, '0'
	out 0xe9, al                    ; 3
	mov eax, 1
	sysenter                        ; call 1: SYSEXIT to 64-bit ring 3
	jmp fail32
user32_back:
	mov ax, cs
	cmp ax, CODE3_32
	jne fail32
	mov ax, ss
	cmp ax, DATA3
	jne fail32
	cmp esp, stack3_top
	jne fail32
	mov al, 'u'
	out 0xe9, al
	mov eax, 3
	sysenter                        ; call 3: the end
	jmp fail32
fail32:
	mov al, '!'
	out 0xe9, al
	mov al, 1
	out 0xf4, al

bits 64
user64:
	mov ax, cs
	cmp ax, CODE3_64
	jne fail
	mov ax, ss
	cmp ax, DATA3_64
	jne fail
	cmp rsp, stack3_top - 64
	jne fail
	mov al, 'U'
	out 0xe9, al
	mov eax, 2
	sysenter                        ; call 2: SYSEXIT to compatibility mode
	jmp fail

kernel:                             ; 64-bit code, CPL 0, RSP = SYSENTER_ESP
	mov ebx, eax
	mov ax, cs
	cmp ax, CODE0
	jne fail
	mov ax, ss
	cmp ax, DATA0
	jne fail
	cmp rsp, sysenter_stack_top
	jne fail
	mov al, 'K'
	out 0xe9, al
	cmp ebx, 1
	je .to64
	cmp ebx, 2
	je .to32
	mov al, 10
	out 0xe9, al
	hlt                             ; IF = 0 (SYSENTER cleared it): status 0
.to64:	mov edx, user64
	mov ecx, stack3_top - 64
	o64 sysexit
.to32:	mov edx, user32_back
	mov ecx, stack3_top
	sysexit

fail:
	mov al, '!'
	out 0xe9, al
	mov al, 1
	out 0xf4, al

align 8
gdt:
	dq 0
	dq 0x00af9a000000ffff           ; 0x08 ring-0 64-bit code (SYSENTER_CS)
	dq 0x00cf92000000ffff           ; 0x10 ring-0 data        (+ 8)
	dq 0x00cffa000000ffff           ; 0x18 ring-3 32-bit code (+ 16)
	dq 0x00cff2000000ffff           ; 0x20 ring-3 data        (+ 24)
	dq 0x00affa000000ffff           ; 0x28 ring-3 64-bit code (+ 32)
	dq 0x00cff2000000ffff           ; 0x30 ring-3 data        (+ 40)
	; 0x38 64-bit available TSS (16 bytes)
	dw 0x67, (tss - $$ + 0x100000) & 0xffff
	db ((tss - $$ + 0x100000) >> 16) & 0xff, 0x89, 0, ((tss - $$ + 0x100000) >> 24) & 0xff
	dq 0
	dq 0x00cf9a000000ffff           ; 0x48 ring-0 32-bit code
gdt_end:
gdtr:	dw gdt_end - gdt - 1
	dq gdt

align 16
idt:                                ; every exception: fail
%rep 32
	dw (fail - $$ + 0x100000) & 0xffff, CODE0
	db 0, 0x8e
	dw ((fail - $$ + 0x100000) >> 16) & 0xffff
	dd 0, 0
%endrep
idt_end:
idtr:	dw idt_end - idt - 1
	dq idt

align 16
tss:	dd 0
	dq stack0_top                   ; RSP0
	times 11 dq 0
	dw 0, 0x68                      ; no I/O bitmap

align 16
	times 256 db 0
stack0_top:
	times 256 db 0
stack3_top:
	times 256 db 0
sysenter_stack_top:
