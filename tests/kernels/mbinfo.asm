; mbinfo.asm - print the Multiboot information structure: memory sizes, command line, modules, memory map.
; format: elf
;
; The golden output pins what a kernel booted by `qemu-system-x86_64
; -kernel` relies on: the structure at 0x9500, mem_lower 639 with
; mem_upper = (RAM - 1 MiB) / 1024, a command line that starts with the
; kernel's file name, each module page-aligned after the kernel with its
; own string, and a PC memory map (Multiboot 0.6.96, 3.3).

MB_FLAGS equ 0x00000003         ; page-align modules, memory information

[section .multiboot]
align 4
	dd 0x1badb002, MB_FLAGS, -(0x1badb002 + MB_FLAGS)

%include "lib.inc"

extern kernel_end               ; from kernel.ld: the end of .bss

[section .text]
global start
start:
	mov esp, stack_top
	call serial_init
	mov ebp, ebx                ; EBP: the information structure

	print "info at "
	mov eax, ebp
	call puthex
	print ", flags "
	mov eax, [ebp + 0]
	call puthex
	call newline

	test dword [ebp + 0], 1 << 0
	jz .no_mem
	print "mem_lower "
	mov eax, [ebp + 4]
	call putdec
	print " KiB, mem_upper "
	mov eax, [ebp + 8]
	call putdec
	print ` KiB\n`
.no_mem:

	test dword [ebp + 0], 1 << 2
	jz .no_cmdline
	print "cmdline "
	mov esi, [ebp + 16]
	call putquoted
	call newline
.no_cmdline:

	test dword [ebp + 0], 1 << 9
	jz .no_name
	print "boot_loader_name "
	mov esi, [ebp + 64]
	call putquoted
	call newline
.no_name:

	test dword [ebp + 0], 1 << 3
	jz .no_mods
	print "mods_count "
	mov eax, [ebp + 20]
	call putdec
	call newline
	mov ecx, [ebp + 20]
	mov ebx, [ebp + 24]         ; EBX: the module list, 16 bytes per module
	xor edi, edi                ; EDI: the previous module's end
.module:
	test ecx, ecx
	jz .no_mods
	print "module "
	mov esi, [ebx + 8]
	call putquoted
	print ", "
	mov eax, [ebx + 4]
	sub eax, [ebx + 0]
	call putdec
	print " bytes"
	test dword [ebx + 0], 0xfff
	jnz .unaligned
	print ", page-aligned"
.unaligned:
	mov eax, [ebx + 0]
	cmp eax, kernel_end
	jb .overlaps
	cmp eax, edi
	jb .overlaps
	print ", after the kernel and the previous module"
.overlaps:
	print ": "
	call put_module_text
	call newline
	mov edi, [ebx + 4]
	add ebx, 16
	dec ecx
	jmp .module
.no_mods:

	test dword [ebp + 0], 1 << 6
	jz .no_mmap
	print "mmap_addr "
	mov eax, [ebp + 48]
	call puthex
	print ", mmap_length "
	mov eax, [ebp + 44]
	call putdec
	call newline
	mov ebx, [ebp + 48]         ; EBX: an entry's size field
	mov ecx, ebx
	add ecx, [ebp + 44]         ; ECX: the end of the map
.entry:
	cmp ebx, ecx
	jae .no_mmap
	print "  base "
	mov eax, [ebx + 4]
	mov edx, [ebx + 8]
	call puthex64
	print " length "
	mov eax, [ebx + 12]
	mov edx, [ebx + 16]
	call puthex64
	print " type "
	mov eax, [ebx + 20]
	call putdec
	print " (size "
	mov eax, [ebx]
	call putdec
	print `)\n`
	add ebx, [ebx]
	add ebx, 4
	jmp .entry
.no_mmap:
	exit_with 0

; The module's bytes from mod_start to mod_end as text, without a final newline.
put_module_text:
	pushad
	mov esi, [ebx + 0]
	mov ecx, [ebx + 4]
.byte:
	cmp esi, ecx
	jae .done
	lodsb
	cmp al, 10
	je .done
	call putc
	jmp .byte
.done:
	popad
	ret

[section .bss]
	resb 4096
stack_top:
