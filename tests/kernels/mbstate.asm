; mbstate.asm - check the machine state Multiboot 0.6.96 section 3.2 promises at the kernel's entry, then HLT.
; format: elf
;
; EAX = 0x2BADB002, EBX = the information structure, CR0.PE = 1, CR0.PG =
; 0, EFLAGS.IF = EFLAGS.VM = 0, CS a 32-bit read/execute segment and
; DS/ES/FS/GS/SS read/write data segments, all with base 0 and limit
; 4 GiB, and the A20 gate open. Selector values are not promised, so
; they are not printed. A wrong limit faults, and with no IDT yet that is
; a triple fault: exit status 6 instead of 0.

MB_FLAGS equ 0x00000002         ; memory information

[section .multiboot]
align 4
	dd 0x1badb002, MB_FLAGS, -(0x1badb002 + MB_FLAGS)

%include "lib.inc"

[section .text]
global start
start:
	mov esp, stack_top
	push eax
	call serial_init
	pop eax

	print "EAX "
	call puthex
	cmp eax, MB_BOOT_MAGIC
	jne .bad_magic
	print ` (the Multiboot magic)\n`
.bad_magic:
	print "EBX "
	mov eax, ebx
	call puthex
	call newline

	mov eax, cr0
	print "CR0.PE "
	mov edx, eax
	and eax, 1
	call putdec
	print ", CR0.PG "
	mov eax, edx
	shr eax, 31
	call putdec
	call newline

	pushfd
	pop edx
	print "EFLAGS.IF "
	mov eax, edx
	shr eax, 9
	and eax, 1
	call putdec
	print ", EFLAGS.VM "
	mov eax, edx
	shr eax, 17
	and eax, 1
	call putdec
	call newline

	; Flat segments: a store through DS reads back through every other one.
	mov dword [scratch], 0x600d5e65
	mov eax, [es:scratch]
	cmp eax, [ss:scratch]
	jne .not_flat
	cmp eax, [fs:scratch]
	jne .not_flat
	cmp eax, [gs:scratch]
	jne .not_flat
	cmp eax, [cs:scratch]       ; CS is readable
	jne .not_flat
	print `DS, ES, FS, GS, SS and CS see the same bytes (base 0)\n`
	jmp .limits
.not_flat:
	print `segments do not share base 0\n`
.limits:
	; The last dword below 4 GiB is reachable through every data segment
	; and CS (what is there depends on the platform: not printed).
	mov eax, [ds:0xfffffffc]
	mov eax, [es:0xfffffffc]
	mov eax, [fs:0xfffffffc]
	mov eax, [gs:0xfffffffc]
	mov eax, [ss:0xfffffffc]
	mov eax, [cs:0xfffffffc]
	print `0xFFFFFFFC is readable through each segment (limit 4 GiB)\n`
	mov [ds:0xfffffffc], eax    ; and data segments are writable there

	; A20: 1 MiB + 0x500 is not an alias of 0x500.
	mov dword [0x500], 0x11111111
	mov dword [0x100500], 0x22222222
	cmp dword [0x500], 0x11111111
	jne .a20_off
	print `A20 is on\n`
	jmp .done
.a20_off:
	print `A20 is off: 1 MiB wraps to 0\n`
.done:
	print `HLT with IF = 0\n`
	hlt

[section .bss]
scratch: resd 1
	resb 4096
stack_top:
