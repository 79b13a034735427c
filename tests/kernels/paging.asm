; paging.asm - 32-bit paging (4 KiB and 4 MiB pages) and PAE paging: aliases, A/D bits, #PF error codes and CR2.
; format: elf
;
; 32-bit paging (SDM Vol. 3A, 5.3): the first 4 MiB identity-mapped with
; 4 KiB pages, VA 40000000h -> the data page (R/W) and 40001000h -> the
; same page read-only, VA 00C00000h -> PA 00800000h with one 4 MiB page
; (CR4.PSE). CR0.WP = 1, so the supervisor write to the read-only alias
; faults. Then paging off, and PAE (SDM Vol. 3A, 5.4): 2 MiB pages for
; the first 4 MiB, VA 40000000h -> the data page through a 4 KiB page table.

MB_FLAGS equ 0x00000002

CR0_PG equ 1 << 31
CR0_WP equ 1 << 16
CR4_PSE equ 1 << 4
CR4_PAE equ 1 << 5
PTE_P equ 1 << 0
PTE_W equ 1 << 1
PTE_A equ 1 << 5
PTE_D equ 1 << 6
PTE_PS equ 1 << 7
ALIAS equ 0x40000000
PSE_VA equ 0x00c00000
PSE_PA equ 0x00800000
MAGIC equ 0x7e57da7a

[section .multiboot]
align 4
	dd 0x1badb002, MB_FLAGS, -(0x1badb002 + MB_FLAGS)

%include "lib.inc"
%include "traps.inc"

[section .text]
global start
start:
	mov esp, stack_top
	call serial_init
	call traps_init

	; --- 32-bit paging ---------------------------------------------
	mov ecx, 0                  ; identity map 0-4 MiB with 4 KiB pages
.pte:
	mov eax, ecx
	shl eax, 12
	or eax, PTE_P | PTE_W
	mov [pt_low + ecx * 4], eax
	inc ecx
	cmp ecx, 1024
	jb .pte
	mov dword [pd + 0 * 4], pt_low + (PTE_P | PTE_W)
	mov dword [pd + (ALIAS >> 22) * 4], pt_alias + (PTE_P | PTE_W)
	mov dword [pt_alias + 0 * 4], data_page + (PTE_P | PTE_W)
	mov dword [pt_alias + 1 * 4], data_page + PTE_P
	mov dword [pd + (PSE_VA >> 22) * 4], PSE_PA + (PTE_P | PTE_W | PTE_PS)
	mov dword [data_page], MAGIC
	mov dword [PSE_PA + 0x10], MAGIC ^ 0xffffffff

	mov eax, pd
	mov cr3, eax
	mov eax, cr4
	or eax, CR4_PSE
	mov cr4, eax
	mov eax, cr0
	or eax, CR0_PG | CR0_WP
	mov cr0, eax
	print `32-bit paging on\n`

	print "read through the alias:          "
	mov eax, [ALIAS]
	call puthex
	call newline
	print "read through the 4 MiB page:     "
	mov eax, [PSE_VA + 0x10]
	call puthex
	call newline
	print "PTE after the read:              "
	mov eax, [pt_alias]
	and eax, 0xfff
	call puthex
	call newline
	mov dword [ALIAS + 4], 1
	print "PTE after a write:               "
	mov eax, [pt_alias]
	and eax, 0xfff
	call puthex
	call newline
	print "PDE of the alias:                "
	mov eax, [pd + (ALIAS >> 22) * 4]
	and eax, 0xfff
	call puthex
	call newline

	print "read an unmapped page:           "
	expect .pf1, .pf1_end, .pf2_case
.pf1:	mov eax, [0x50000000]
.pf1_end:
	print `no fault\n`
.pf2_case:
	print "write the read-only alias:       "
	expect .pf2, .pf2_end, .pf3_case
.pf2:	mov dword [ALIAS + 0x1000], 2
.pf2_end:
	print `no fault\n`
.pf3_case:
	print "read the read-only alias:        "
	mov eax, [ALIAS + 0x1000]
	call puthex
	call newline

	mov eax, cr0                ; paging off (this code is identity-mapped)
	and eax, ~CR0_PG
	mov cr0, eax

	; --- PAE paging ------------------------------------------------
	mov dword [pdpt + 0 * 8], pd_pae0 + PTE_P
	mov dword [pdpt + 1 * 8], pd_pae1 + PTE_P
	mov dword [pd_pae0 + 0 * 8], 0x000000 + (PTE_P | PTE_W | PTE_PS)
	mov dword [pd_pae0 + 1 * 8], 0x200000 + (PTE_P | PTE_W | PTE_PS)
	mov dword [pd_pae1 + 0 * 8], pt_pae + (PTE_P | PTE_W)
	mov dword [pt_pae + 0 * 8], data_page + (PTE_P | PTE_W)
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, pdpt
	mov cr3, eax
	mov eax, cr0
	or eax, CR0_PG
	mov cr0, eax
	print `PAE paging on\n`
	print "read through the alias:          "
	mov eax, [ALIAS]
	call puthex
	call newline
	print "PTE after the read:              "
	mov eax, [pt_pae]
	and eax, 0xfff
	call puthex
	call newline
	print "read an unmapped page:           "
	expect .pf4, .pf4_end, .done
.pf4:	mov eax, [ALIAS + 0x200000]
.pf4_end:
	print `no fault\n`
.done:
	exit_with 0

[section .bss]
alignb 4096
pd: resd 1024                   ; 32-bit page directory
pt_low: resd 1024               ; identity map of 0-4 MiB
pt_alias: resd 1024             ; the page table at VA 40000000h
data_page: resb 4096
pd_pae0: resq 512               ; PAE directory for 0-1 GiB
pd_pae1: resq 512               ; PAE directory for 1-2 GiB
pt_pae: resq 512                ; PAE page table at VA 40000000h
pdpt: resq 4                    ; page-directory-pointer table (32-byte aligned)
alignb 16
	resb 4096
stack_top:
