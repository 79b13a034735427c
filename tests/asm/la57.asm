; la57.asm - 5-level paging (CR4.LA57): IA-32e mode entered with a PML5
; table, an access through an address that is canonical only with 57-bit
; linear addresses, and #GP for one that is not canonical even then
; (SDM Vol. 3A, 4.5; Vol. 1, 3.3.7.1).
; mode: prot32
; exit: 0
bits 32
org 0x100000
%define PML5 0x10000
%define HIGH 0x0080000000000000     ; PML5 index 128: needs 57-bit addresses
	mov esp, 0x90000
	lgdt [gdtr]
	mov edi, PML5
	xor eax, eax
	mov ecx, 6 * 1024
	rep stosd
	mov dword [PML5], 0x11003           ; PML5[0] -> PML4 at 0x11000
	mov dword [0x11000], 0x12003        ; PML4[0] -> PDPT
	mov dword [0x12000], 0x13003        ; PDPT[0] -> PD
	mov dword [0x13000], 0x83           ; PD[0]: 0-2 MiB identity, PS
	mov dword [PML5 + 128 * 8], 0x14003 ; PML5[128] -> PML4 at 0x14000
	mov dword [0x14000], 0x17003        ; PML4[0] -> PDPT at 0x17000
	mov dword [0x17000], 0x15003        ; PDPT[0] -> PD at 0x15000
	mov dword [0x15000], 0x83            ; PD[0] under HIGH: 2 MiB page at physical 0
	mov byte [0x50000], 0x46             ; "F", seen at HIGH + 0x50000
	mov eax, cr4
	or eax, (1 << 5) | (1 << 12)        ; PAE, LA57 (before paging, as the SDM requires)
	mov cr4, eax
	mov eax, PML5
	mov cr3, eax
	mov ecx, 0xc0000080
	rdmsr
	or eax, 1 << 8
	wrmsr
	mov eax, cr0
	or eax, 1 << 31
	mov cr0, eax
	jmp 0x18:lm
bits 64
lm:
	mov rbx, HIGH + 0x50000             ; 2 MiB page at physical 0: offset 0x50000
	mov al, [rbx]
	out 0xe9, al                        ; F
	lidt [rel idtr]
	mov rbx, 0x0100000000000000         ; bit 56 set, bits 63:57 clear: not canonical
	mov al, [rbx]                       ; #GP(0)
	mov al, '!'
	out 0xe9, al
	hlt
gp:	mov al, 'G'
	out 0xe9, al
	mov al, 10
	out 0xe9, al
	hlt
align 8
gdt:	dq 0
	dq 0x00cf9a000000ffff
	dq 0x00cf92000000ffff
	dq 0x00af9a000000ffff               ; 0x18 64-bit code
gdtr:	dw $ - gdt - 1
	dd gdt
align 16
idt:	times 13 dq 0, 0
	dw (gp - $$ + 0x100000) & 0xffff, 0x18
	db 0, 0x8e
	dw ((gp - $$ + 0x100000) >> 16) & 0xffff
	dd 0, 0
idtr:	dw $ - idt - 1
	dq idt
