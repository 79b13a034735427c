; cpuid64.asm - what CPUID says (vendor and brand string, printed), the TSC
; through RDTSC, RDTSCP and IA32_TSC_AUX, and the #GP(0) rules of MOV CR,
; RDMSR and WRMSR as a 64-bit guest sees them: its #GP handler checks the
; error code, prints 'g' and resumes with IRETQ at the next step.
; mode: long64
; exit: 0
bits 64
org 0x100000

%define CODE0 0x08
%define DATA0 0x10

start:
	lgdt [rel gdtr]
	lidt [rel idtr]
	mov rsp, stack_top
	push CODE0
	lea rax, [rel .cs]
	push rax
	retfq
.cs:	mov ax, DATA0
	mov ds, ax
	mov ss, ax
	; vendor: EBX, EDX, ECX of leaf 0; leaf 7 must exist
	xor eax, eax
	cpuid
	cmp eax, 7
	jb fail
	mov [rel text], ebx
	mov [rel text + 4], edx
	mov [rel text + 8], ecx
	mov byte [rel text + 12], ' '
	; the brand string: leaves 80000002h-80000004h, 16 bytes each
	lea rdi, [rel text + 13]
	mov esi, 0x80000002
.brand:	mov eax, esi
	cpuid
	mov [rdi], eax
	mov [rdi + 4], ebx
	mov [rdi + 8], ecx
	mov [rdi + 12], edx
	add rdi, 16
	inc esi
	cmp esi, 0x80000005
	jne .brand
	lea rsi, [rel text]
.puts:	lodsb
	test al, al
	jz .done
	out 0xe9, al
	jmp .puts
.done:	mov al, 10
	out 0xe9, al

	; the TSC only goes forward; RDTSCP adds IA32_TSC_AUX in ECX
	rdtsc
	shl rdx, 32
	or rax, rdx
	mov rbx, rax
	rdtsc
	shl rdx, 32
	or rax, rdx
	cmp rax, rbx
	jbe fail
	mov ecx, 0xc0000103             ; IA32_TSC_AUX
	mov eax, 0x42
	xor edx, edx
	wrmsr
	xor ecx, ecx
	rdtscp
	cmp ecx, 0x42
	jne fail
	mov al, 'T'
	out 0xe9, al

	; five #GP(0)s, each resuming at the next label
	lea rax, [rel .g1]
	mov [rel resume], rax
	mov ecx, 0x12345678             ; an MSR vtsim does not have
	rdmsr
	jmp fail
.g1:	lea rax, [rel .g2]
	mov [rel resume], rax
	mov rax, cr4
	bts rax, 9                      ; OSFXSR: no SSE, so reserved
	mov cr4, rax
	jmp fail
.g2:	lea rax, [rel .g3]
	mov [rel resume], rax
	mov rax, cr0
	btr rax, 31                     ; clearing PG in 64-bit mode
	mov cr0, rax
	jmp fail
.g3:	mov rax, cr0
	bt rax, 31
	jnc fail                        ; still on
	lea rax, [rel .g4]
	mov [rel resume], rax
	mov ecx, 0xc0000080             ; IA32_EFER
	rdmsr
	and eax, ~0x100                 ; LME may not change while paging is on
	wrmsr
	jmp fail
.g4:	lea rax, [rel .g5]
	mov [rel resume], rax
	mov ecx, 0xc0000082             ; IA32_LSTAR must be canonical
	xor eax, eax
	mov edx, 0x80000000
	wrmsr
	jmp fail
.g5:	mov ecx, 0xc0000082
	rdmsr
	or eax, edx
	jnz fail                        ; LSTAR kept its reset value
	mov al, 10
	out 0xe9, al
	hlt                             ; IF = 0: the run ends with status 0

gp_handler:                         ; error code, RIP, CS, RFLAGS, RSP, SS
	cmp qword [rsp], 0
	jne fail
	mov al, 'g'
	out 0xe9, al
	add rsp, 8
	mov rax, [rel resume]
	mov [rsp], rax                  ; return to the next step
	iretq

fail:
	mov al, '!'
	out 0xe9, al
	mov al, 1
	out 0xf4, al

align 8
gdt:
	dq 0
	dq 0x00af9a000000ffff           ; 0x08 ring-0 64-bit code
	dq 0x00cf92000000ffff           ; 0x10 ring-0 data
gdt_end:
gdtr:	dw gdt_end - gdt - 1
	dq gdt

align 16
idt:
	times 13 dq 0, 0
	; 13: #GP, 64-bit interrupt gate
	dw (gp_handler - $$ + 0x100000) & 0xffff, CODE0
	db 0, 0x8e
	dw ((gp_handler - $$ + 0x100000) >> 16) & 0xffff
	dd 0, 0
idt_end:
idtr:	dw idt_end - idt - 1
	dq idt

resume:	dq 0
text:	times 80 db 0
align 16
	times 512 db 0
stack_top:
