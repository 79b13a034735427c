; pae32.asm - PAE paging from 32-bit protected mode: the PDPTE registers
; are loaded by MOV CR0 and MOV CR3 and not re-read on each walk (INVLPG
; does not reload them), a reserved bit in a present PDPTE makes MOV CR3
; #GP(0) with CR3 unchanged, and paging can be turned off again outside
; IA-32e mode (SDM Vol. 3A, 4.4.1 "PDPTE Registers").
; mode: prot32
; exit: 0
bits 32
org 0x100000

%define CODE0 0x08
%define DATA0 0x10
%define ALIAS 0x40000000            ; PDPTE 1: the second GiB of linear addresses

start:
	lgdt [gdtr]
	lidt [idtr]
	jmp CODE0:.cs
.cs:	mov ax, DATA0
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov esp, stack_top
	mov eax, 1
	cpuid
	test edx, 1 << 6                ; CPUID.01H:EDX.PAE
	jz fail
	; PD0: the first GiB identity-mapped with 2-MiB pages (P RW PS)
	mov edi, pd0
	mov eax, 0x83
	mov ecx, 512
.fill:	mov [edi], eax
	mov dword [edi + 4], 0
	add eax, 0x200000
	add edi, 8
	loop .fill
	; PD1 maps ALIAS to physical 0, PD2 maps it to physical 200000h
	mov dword [pd1], 0x000083
	mov dword [pd2], 0x200083
	mov dword [pdpt], pd0 + 1
	mov dword [pdpt + 8], pd1 + 1
	; a marker, and a different one 2 MiB above it
	mov dword [marker], 0x11111111
	mov dword [marker + 0x200000], 0x22222222
	; CR4.PAE, CR3, then CR0.PG: this MOV CR0 loads the PDPTE registers
	mov eax, cr4
	or eax, 1 << 5
	mov cr4, eax
	mov eax, pdpt
	mov cr3, eax
	mov eax, cr0
	or eax, 1 << 31
	mov cr0, eax
	mov eax, [marker + ALIAS]
	cmp eax, 0x11111111
	jne fail
	mov al, 'P'
	out 0xe9, al
	; point the in-memory PDPTE 1 at PD2: the register keeps PD1
	mov dword [pdpt + 8], pd2 + 1
	invlpg [marker + ALIAS]
	mov eax, [marker + ALIAS]
	cmp eax, 0x11111111
	jne fail
	mov al, 'R'
	out 0xe9, al
	; MOV CR3 reloads them
	mov eax, cr3
	mov cr3, eax
	mov eax, [marker + ALIAS]
	cmp eax, 0x22222222
	jne fail
	mov al, 'L'
	out 0xe9, al
	; a PDPT whose entry 1 sets reserved bit 1: #GP(0), CR3 unchanged
	mov dword [bad_pdpt], pd0 + 1
	mov dword [bad_pdpt + 8], pd1 + 3
	mov dword [resume], .after_bad
	mov eax, bad_pdpt
	mov cr3, eax
	jmp fail
.after_bad:
	mov eax, [marker + ALIAS]       ; still through PD2
	cmp eax, 0x22222222
	jne fail
	; paging off again: allowed outside IA-32e mode
	mov eax, cr0
	and eax, 0x7fffffff
	mov cr0, eax
	mov eax, [marker]
	cmp eax, 0x11111111
	jne fail
	mov al, 10
	out 0xe9, al
	hlt                             ; IF = 0: the run ends with status 0

gp_handler:
	pop eax                         ; error code 0
	test eax, eax
	jnz fail
	mov eax, cr3
	cmp eax, pdpt
	jne fail
	mov al, 'G'
	out 0xe9, al
	add esp, 12                     ; EIP CS EFLAGS
	jmp [resume]

fail:
	mov al, '!'
	out 0xe9, al
	mov al, 1
	out 0xf4, al

align 8
gdt:
	dq 0
	dq 0x00cf9a000000ffff           ; 0x08 ring-0 code
	dq 0x00cf92000000ffff           ; 0x10 ring-0 data
gdt_end:
gdtr:	dw gdt_end - gdt - 1
	dd gdt

align 8
idt:
	times 13 dq 0
	; 13: #GP, interrupt gate
	dw (gp_handler - $$ + 0x100000) & 0xffff, CODE0
	db 0, 0x8e
	dw (gp_handler - $$ + 0x100000) >> 16
idt_end:
idtr:	dw idt_end - idt - 1
	dd idt

resume:	dd 0
marker:	dd 0

align 32
pdpt:	times 4 dq 0
bad_pdpt:
	times 4 dq 0
	times 256 db 0
stack_top:

align 4096
pd0:	times 512 dq 0
pd1:	times 512 dq 0
pd2:	times 512 dq 0
