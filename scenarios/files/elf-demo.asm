; elf-demo.asm - the ELF image scenarios/elf-image.yaml loads (files/elf-demo.elf).
; Rebuild: nasm -f elf32 elf-demo.asm -o elf-demo.o && ld -m elf_i386 -N -Ttext=0x200000 -e _start -o elf-demo.elf elf-demo.o
bits 32
section .text
global _start
_start:
	mov esi, greeting
.next:
	lodsb
	test al, al
	jz .done
	out 0xe9, al
	jmp .next
.done:
	mov eax, [counter]
	inc eax
	mov [counter], eax
	hlt

section .data
global greeting, counter
greeting: db "loaded from ELF", 10, 0
counter: dd 41

section .bss
global scratch
scratch: resb 64
