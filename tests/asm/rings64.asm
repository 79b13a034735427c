; rings64.asm - 64-bit rings: IRETQ to ring 3, SYSCALL/SYSRET with SWAPGS,
; INT through a 64-bit trap gate onto RSP0, #PF on an IST stack, a 64-bit
; call gate, and LAR/LSL/VERR/VERW from ring 3.
; mode: long64
; exit: 0
bits 64
org 0x100000

%define CODE0 0x08
%define DATA0 0x10
%define DATA3 0x1b        ; STAR[63:48] + 8 | 3  (SYSRET's SS)
%define CODE3 0x23        ; STAR[63:48] + 16 | 3 (SYSRET's 64-bit CS)
%define TSSSEL 0x28       ; 16-byte TSS descriptor (0x28, 0x30)
%define GATE 0x3b         ; 16-byte call gate (0x38, 0x40), RPL 3

start:
	lgdt [rel gdtr]
	lidt [rel idtr]
	mov rsp, stack0_top
	push CODE0
	lea rax, [rel .reload]
	push rax
	retfq                           ; far RET reloads CS from our GDT
.reload:
	mov ax, DATA0
	mov ds, ax
	mov ss, ax
	mov ax, TSSSEL
	ltr ax
	; SYSCALL/SYSRET: STAR[47:32] = CODE0 (SS = +8), STAR[63:48] = 0x10
	mov ecx, 0xc0000081
	xor eax, eax
	mov edx, (0x10 << 16) | CODE0
	wrmsr
	mov ecx, 0xc0000082             ; LSTAR
	lea rax, [rel syscall_entry]
	mov rdx, rax
	shr rdx, 32
	wrmsr
	mov ecx, 0xc0000084             ; FMASK: clear IF and DF
	mov eax, 0x600
	xor edx, edx
	wrmsr
	mov ecx, 0xc0000080             ; EFER.SCE
	rdmsr
	or eax, 1
	wrmsr
	mov ecx, 0xc0000102             ; KERNEL_GS_BASE
	mov eax, kernel_gs
	xor edx, edx
	wrmsr
	; IRETQ to ring 3
	push DATA3
	push stack3_top
	push 0x3202
	push CODE3
	lea rax, [rel user]
	push rax
	iretq

user:
	mov ax, cs
	and al, 3
	add al, '0'
	out 0xe9, al                    ; 3
	mov eax, 7
	syscall                         ; -> syscall_entry, back with eax = 8
	cmp eax, 8
	jne fail
	int 0x80                        ; trap gate DPL 3 -> int80 on RSP0
	cmp eax, 0x80
	jne fail
	call far [rel gate_ptr]         ; 64-bit call gate into ring 0
	cmp eax, 0x99
	jne fail
	; descriptor probes from ring 3
	mov ax, CODE0
	lar ebx, ax                     ; DPL 0 code: not visible from ring 3
	jz fail
	mov ax, CODE3
	lar ebx, ax
	jnz fail
	cmp ebx, 0x00a0fb00             ; G L P DPL3 S type B (accessed: CS was loaded)
	jne fail
	lsl ecx, ax
	cmp ecx, 0xffffffff
	jne fail
	verr ax
	jnz fail
	verw ax                         ; code is never writable
	jz fail
	mov al, 'P'
	out 0xe9, al
	mov rbx, unmapped
	mov byte [rbx], 1               ; #PF: IST 1
	jmp fail

syscall_entry:                      ; ring 0, user RSP still in RSP
	swapgs
	mov [gs:0], rsp                 ; save the user stack in the per-CPU area
	mov rsp, [gs:8]
	push rcx
	mov al, 'C'
	out 0xe9, al
	pop rcx
	mov rsp, [gs:0]
	swapgs
	mov eax, 8
	o64 sysret

int80:
	; frame on RSP0: RIP CS RFLAGS RSP SS
	cmp qword [rsp + 8], CODE3
	jne fail
	cmp qword [rsp + 32], DATA3
	jne fail
	mov al, 'I'
	out 0xe9, al
	mov eax, 0x80
	iretq

gate_entry:
	mov ax, cs
	and al, 3
	add al, '0'
	out 0xe9, al                    ; 0
	mov eax, 0x99
	o64 retf                        ; back to ring 3: pops RIP, CS, RSP, SS

pf_handler:                         ; on the IST stack
	cmp rsp, ist1_top - 48          ; error code + 5-quadword frame
	jne fail
	mov rax, cr2
	mov rbx, unmapped
	cmp rax, rbx
	jne fail
	mov al, 10
	out 0xe9, al
	hlt

fail:
	mov al, '!'
	out 0xe9, al
	mov al, 1
	out 0xf4, al

align 8
gate_ptr: dq 0
	dw GATE

align 8
gdt:
	dq 0
	dq 0x00af9a000000ffff           ; 0x08 ring-0 64-bit code
	dq 0x00cf92000000ffff           ; 0x10 ring-0 data
	dq 0x00cff2000000ffff           ; 0x18 ring-3 data
	dq 0x00affa000000ffff           ; 0x20 ring-3 64-bit code
	; 0x28 64-bit available TSS (16 bytes)
	dw 0x67, (tss - $$ + 0x100000) & 0xffff
	db ((tss - $$ + 0x100000) >> 16) & 0xff, 0x89, 0, ((tss - $$ + 0x100000) >> 24) & 0xff
	dq 0
	; 0x38 64-bit call gate, DPL 3, to CODE0:gate_entry (16 bytes)
	dw (gate_entry - $$ + 0x100000) & 0xffff, CODE0
	db 0, 0xec
	dw ((gate_entry - $$ + 0x100000) >> 16) & 0xffff
	dq 0
gdt_end:
gdtr:	dw gdt_end - gdt - 1
	dq gdt

%macro gate64 3                      ; handler, type/attr byte, ist
	dw ((%1 - $$ + 0x100000) & 0xffff), CODE0
	db %3, %2
	dw (((%1 - $$ + 0x100000) >> 16) & 0xffff)
	dd 0, 0
%endmacro
align 16
idt:
	times 14 dq 0, 0
	gate64 pf_handler, 0x8e, 1      ; 14: #PF, interrupt gate, IST 1
	times (0x80 - 15) dq 0, 0
	gate64 int80, 0xef, 0           ; 0x80: trap gate, DPL 3
idt_end:
idtr:	dw idt_end - idt - 1
	dq idt

align 16
tss:	dd 0
	dq stack0_top                   ; RSP0
	dq 0, 0                         ; RSP1, RSP2
	dq 0                            ; reserved
	dq ist1_top                     ; IST1
	times 6 dq 0
	dq 0
	dw 0, 0x68                      ; I/O map base beyond the limit: no bitmap

align 16
kernel_gs:
	dq 0                            ; saved user RSP
	dq syscall_stack_top            ; kernel stack for SYSCALL

align 16
	times 512 db 0
stack0_top:
	times 512 db 0
stack3_top:
	times 512 db 0
ist1_top:
	times 512 db 0
syscall_stack_top:

unmapped equ 0x200000000            ; beyond the identity-mapped 4 GiB
