; hello.asm - the smallest ELF32 Multiboot kernel: 16550 set-up, "hello" over COM1 and port 0xE9, exit through port 0xF4.
; format: elf

MB_FLAGS equ 0x00000003         ; bit 0 page-align modules, bit 1 memory information

[section .multiboot]
align 4
	dd 0x1badb002, MB_FLAGS, -(0x1badb002 + MB_FLAGS)

%include "lib.inc"

[section .text]
global start
start:
	mov esp, stack_top
	call serial_init
	print `Hello from vtsim over COM1\n`
	mov esi, msg_e9
	call e9_puts
	cmp eax, MB_BOOT_MAGIC
	jne .nomagic
	print `EAX holds the Multiboot magic 0x2BADB002\n`
	exit_with 0x10
.nomagic:
	print `EAX does not hold the Multiboot magic\n`
	exit_with 0x11

[section .rodata]
msg_e9: db `Hello from vtsim over port 0xE9\n`, 0

[section .bss]
	resb 4096
stack_top:
