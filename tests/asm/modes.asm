; modes.asm - from real mode to protected mode to IA-32e mode and 64-bit
; code, the way a boot loader does it, checking each step.
; mode: real16
; exit: 0
bits 16
org 0x7c00
	cli
	xor ax, ax
	mov ds, ax
	mov ss, ax
	mov sp, 0x7c00
	mov al, 'R'
	out 0xe9, al
	lgdt [gdtr]
	mov eax, cr0
	or al, 1                        ; CR0.PE
	mov cr0, eax
	jmp 0x08:prot                   ; far JMP loads a 32-bit CS

bits 32
prot:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov esp, 0x90000
	mov al, 'P'
	out 0xe9, al
	; paging structures at 0x10000: PML4 -> PDPT -> PD with 2 MiB pages
	mov edi, 0x10000
	xor eax, eax
	mov ecx, 3 * 1024
	rep stosd
	mov dword [0x10000], 0x11003    ; PML4[0] -> PDPT, P RW
	mov dword [0x11000], 0x12003    ; PDPT[0] -> PD
	mov dword [0x12000], 0x000083   ; PD[0]: 0-2 MiB, PS
	mov eax, cr4
	or eax, 1 << 5                  ; CR4.PAE
	mov cr4, eax
	mov eax, 0x10000
	mov cr3, eax
	mov ecx, 0xc0000080             ; IA32_EFER.LME
	rdmsr
	or eax, 1 << 8
	wrmsr
	mov eax, cr0
	or eax, 1 << 31                 ; CR0.PG: IA-32e mode becomes active
	mov cr0, eax
	mov ecx, 0xc0000080
	rdmsr
	test eax, 1 << 10               ; EFER.LMA, still in compatibility mode
	jz fail32
	mov al, 'C'
	out 0xe9, al
	jmp 0x18:lmode                  ; a 64-bit code segment
fail32:
	mov al, '!'
	out 0xe9, al
	hlt

bits 64
lmode:
	mov rax, 0x123456789
	shr rax, 32
	add al, '0'                     ; '1'
	out 0xe9, al
	mov al, 'L'
	out 0xe9, al
	mov al, 10
	out 0xe9, al
	hlt

align 8
gdt:	dq 0
	dq 0x00cf9a000000ffff           ; 0x08 32-bit code
	dq 0x00cf92000000ffff           ; 0x10 data
	dq 0x00af9a000000ffff           ; 0x18 64-bit code
gdtr:	dw $ - gdt - 1
	dd gdt
