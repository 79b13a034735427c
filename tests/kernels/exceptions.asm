; exceptions.asm - faults and software interrupts delivered through the kernel's own GDT and 32-bit IDT.
; format: elf
;
; The kernel loads a GDT and an IDT of interrupt gates (traps.inc), then
; causes, one at a time: #DE, #UD, #GP and #NP on segment loads, INT3,
; INT n, INT n beyond the IDT limit and through a not-present gate. The
; handler prints the vector, the error code (SDM Vol. 3A, 6.13: selector
; index, IDT bit 1, EXT bit 0) and where the saved EIP points.

MB_FLAGS equ 0x00000002

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
	mov ecx, 0x30               ; INT 30h: an interrupt gate to its own stub
	mov eax, stub_30
	call set_gate
	mov ecx, 0x31               ; INT 31h: a gate with P = 0
	call set_gate
	and byte [idt + 0x31 * 8 + 5], 0x7f
	print `GDT and IDT loaded\n`

	print "div by zero:        "
	expect .de, .de_end, .ud_case
	xor ecx, ecx
	mov eax, 1
	xor edx, edx
.de:	div ecx
.de_end:
	print `no fault\n`

.ud_case:
	print "ud2:                "
	expect .ud, .ud_end, .gp_case
.ud:	ud2
.ud_end:
	print `no fault\n`

.gp_case:
	print "ds <- 0xF8:         "     ; index 31 is beyond the GDT limit
	expect .gp, .gp_end, .np_case
	mov ax, 0xf8
.gp:	mov ds, ax
.gp_end:
	print `no fault\n`

.np_case:
	print "ds <- not present:  "
	expect .np, .np_end, .xo_case
	mov ax, SEL_NP
.np:	mov ds, ax
.np_end:
	print `no fault\n`

.xo_case:
	print "ds <- execute-only: "
	expect .xo, .xo_end, .bp_case
	mov ax, SEL_XO
.xo:	mov ds, ax
.xo_end:
	print `no fault\n`

.bp_case:
	mov ax, SEL_DATA
	mov ds, ax
	print "int3:               "
	expect .bp, .bp_end, .int_case
.bp:	int3
.bp_end:
	print `no trap\n`

.int_case:
	print "int 0x30:           "
	expect .int, .int_end, .limit_case
.int:	int 0x30
.int_end:
	print `no interrupt\n`

.limit_case:
	print "int 0x40:           "     ; beyond the IDT limit
	expect .limit, .limit_end, .absent_case
.limit:	int 0x40
.limit_end:
	print `no fault\n`

.absent_case:
	print "int 0x31:           "     ; a gate with P = 0
	expect .absent, .absent_end, .done
.absent: int 0x31
.absent_end:
	print `no fault\n`

.done:
	print `all cases done\n`
	exit_with 0

stub_30:
	push dword NO_ERROR
	push dword 0x30
	jmp handler

[section .bss]
	resb 4096
stack_top:
