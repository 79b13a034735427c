; aout.asm - a flat-binary kernel loaded through the Multiboot address fields (the "a.out kludge", flags bit 16).
; format: bin
;
; The file starts with a signature, the header follows at offset 0x20:
; load_addr = 2 MiB is the file's first byte, header_addr = 2 MiB + 0x20
; (Multiboot 0.6.96, 3.1.3). load_end_addr stops loading before 64 bytes
; of 0xAA at the end of the file, and bss_end_addr asks for a zeroed
; area after it; the kernel checks both and exits through port 0xF4.

MB_FLAGS equ 0x00010002         ; bit 16 address fields, bit 1 memory information
LOAD_ADDR equ 0x200000

[section .text]
bits 32
org LOAD_ADDR
signature:
	db "vtsim a.out-kludge test kernel", 0
	align 32, db 0
header:
	dd 0x1badb002, MB_FLAGS, -(0x1badb002 + MB_FLAGS)
	dd header                   ; header_addr
	dd signature                ; load_addr: the file's first byte
	dd load_end                 ; load_end_addr
	dd bss_end                  ; bss_end_addr
	dd start                    ; entry_addr

%include "lib.inc"

[section .text]
start:
	mov esp, stack_top
	call serial_init
	print "loaded at "
	mov eax, signature
	call puthex
	print ": "
	mov esi, signature
	call putquoted
	call newline
	call .here                  ; where are we running?
.here:
	pop eax
	sub eax, .here - start
	cmp eax, start
	jne .elsewhere
	print `entered at entry_addr\n`
	jmp .bss
.elsewhere:
	print "entered at "
	call puthex
	print `, not at entry_addr\n`
.bss:

	; Nothing of the 0xAA tail may be in memory: it lies past load_end_addr;
	; and the bss above the stack must be zero too.
	mov esi, load_end
	mov ecx, 64
	call all_zero
	jnz .dirty
	mov esi, stack_top
	mov ecx, bss_end - stack_top
	call all_zero
	jnz .dirty
	print `the 64 bytes after load_end_addr and the bss above the stack are zero\n`
	exit_with 0x2a
.dirty:
	print "a nonzero byte at "
	lea eax, [esi - 1]
	call puthex
	print ` after load_end_addr\n`
	exit_with 0x2b

; all_zero: ZF = 1 if the ECX bytes at ESI are all zero; else ESI is past
; the first nonzero one.
all_zero:
	lodsb
	test al, al
	jnz .out
	loop all_zero
.out:
	ret

[section .tail follows=.rodata]
load_end:
	times 64 db 0xaa            ; in the file, but not to be loaded

absolute load_end
	resb 64                     ; where the tail would have gone
	resb 4096
stack_top:
	resb 60
bss_end:
