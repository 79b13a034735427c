; rings.asm - privilege levels end to end: ring 3 by IRET, call gates to rings 0, 1 and 2, trap gates, conforming code, SS checks, the I/O bitmap, IOPL, POPF.
; format: elf
;
; A GDT with flat code and data for each ring 0-3, a conforming DPL-0
; code segment, a 32-bit TSS with SS0:ESP0, SS1:ESP1, SS2:ESP2 and an I/O
; permission bit map, and three DPL-3 call gates (to rings 0, 1 and 2).
; The stacks sit at fixed addresses, so every SS:ESP printed is the
; TSS's value minus what the CPU pushed (SDM Vol. 3A, 5.8.5, Figure 5-13).
; Each step prints the CPL (CS & 3) where it runs; exceptions come back
; through cpu.inc's report (vector, error code, saved EIP, CPL).

MB_FLAGS equ 0x00000002

[section .multiboot]
align 4
	dd 0x1badb002, MB_FLAGS, -(0x1badb002 + MB_FLAGS)

K_CODE equ 0x08                 ; ring 0 code
K_DATA equ 0x10                 ; ring 0 data
R1_CODE equ 0x18 | 1            ; ring 1 code
R1_DATA equ 0x20 | 1            ; ring 1 data
R2_CODE equ 0x28 | 2            ; ring 2 code
R2_DATA equ 0x30 | 2            ; ring 2 data
U_CODE equ 0x38 | 3             ; ring 3 code
U_DATA equ 0x40 | 3             ; ring 3 data
CONF_CODE equ 0x48              ; conforming code, DPL 0
TSS_SEL equ 0x50                ; 32-bit TSS
GATE_R0 equ 0x58 | 3            ; call gate, DPL 3 -> K_CODE
GATE_R1 equ 0x60 | 3            ; call gate, DPL 3 -> R1_CODE, 2 parameters
GATE_R2 equ 0x68 | 3            ; call gate, DPL 3 -> R2_CODE

STACK0_TOP equ 0x401000         ; TSS ESP0
STACK1_TOP equ 0x402000         ; TSS ESP1
STACK2_TOP equ 0x403000         ; TSS ESP2
USER_STACK_TOP equ 0x404000     ; ring 3's ESP

USER_EXIT equ 0x82              ; DPL-3 trap gate: ring 3 is done
VEC_SYSCALL equ 0x80            ; DPL-3 trap gate
VEC_PRIVATE equ 0x81            ; DPL-0 trap gate

; The 32-bit TSS (SDM Vol. 3A, 8.2.1, Figure 8-2) and its I/O map
; (SDM Vol. 1, 19.5.2): one bit per port for ports 0-3FFh, then the
; byte of 1s the CPU may read past the last one. Ports above 3FFh lie
; beyond the TSS limit.
TSS_ESP0 equ 0x04
TSS_SS0 equ 0x08
TSS_ESP1 equ 0x0c
TSS_SS1 equ 0x10
TSS_ESP2 equ 0x14
TSS_SS2 equ 0x18
TSS_IOMAP equ 0x66
IOMAP equ 0x68
IOMAP_BYTES equ 0x400 / 8
TSS_LIMIT equ IOMAP + IOMAP_BYTES  ; the last byte: the 1s after the map

%include "lib.inc"
%include "cpu.inc"

; enter_user LABEL, EFLAGS: run LABEL in ring 3 (cpu.inc's run_user).
%macro enter_user 2
	mov ebx, %1
	mov ecx, %2
	call run_user
%endmacro

; done_user: ring 3 hands back to the kernel.
%macro done_user 0
	int USER_EXIT
%endmacro

USER_FLAGS equ EFLAGS_FIXED | EFLAGS_IF   ; IOPL 0, interrupts on

[section .text]
global start
start:
	mov esp, stack_top
	call serial_init
	mov al, 0xff                ; both 8259s masked: IF = 1 is quiet
	out 0x21, al
	out 0xa1, al
	call setup
	print "ring 0:                CPL "
	mov ax, cs
	and eax, 3
	call putdec
	print ", CS "
	mov ax, cs
	call puthex16
	print ", SS "
	mov ax, ss
	call puthex16
	call newline

	print "IRETD to ring 3:       "
	enter_user u_iret, USER_FLAGS
	enter_user u_gate0, USER_FLAGS
	enter_user u_gate1, USER_FLAGS

	print "CALL FAR gate to ring 2, TSS.SS2 = 0x0030 (RPL 0): "
	enter_user u_gate2, USER_FLAGS
	mov dword [tss + TSS_SS2], R2_DATA
	print `again, TSS.SS2 = 0x0032:\n`
	enter_user u_gate2, USER_FLAGS

	enter_user u_int80, USER_FLAGS
	print "INT 0x81, gate DPL 0:  "
	enter_user u_int81, USER_FLAGS
	print "MOV DS, 0x0013 (DPL 0 data): "
	enter_user u_ds_dpl0, USER_FLAGS
	print "CALL FAR 0x0008:x (nonconforming DPL 0 code): "
	enter_user u_call_k, USER_FLAGS
	enter_user u_conforming, USER_FLAGS
	print "MOV SS, 0x0040 (RPL 0 != CPL 3): "
	enter_user u_ss_rpl, USER_FLAGS
	print "MOV SS, 0x0033 (DPL 2 != CPL 3): "
	enter_user u_ss_dpl, USER_FLAGS

	enter_user u_io_allowed, USER_FLAGS
	print "OUT 0x80 at CPL 3, bit set: "
	enter_user u_io_denied, USER_FLAGS
	print "OUT DX = 0x0500 at CPL 3, beyond the map: "
	enter_user u_io_beyond, USER_FLAGS
	print "CLI at CPL 3, IOPL 0:  "
	enter_user u_cli, USER_FLAGS
	enter_user u_iopl3, USER_FLAGS | EFLAGS_IOPL(3)
	enter_user u_popf, USER_FLAGS
	enter_user u_popf, EFLAGS_FIXED

	print `all steps done\n`
	exit_with 0

; The GDT's TSS and gate descriptors need addresses: fill them in, load
; GDT, IDT and TR, switch CS and the data segments to the new GDT.
setup:
	mov edi, gdt_tss
	mov eax, tss
	call set_desc_base
	mov eax, k_gate
	mov dx, K_CODE
	mov cx, (ACC_CALL_GATE32 | DPL(3)) << 8
	mov edi, gdt_gate0
	call put_gate32
	mov eax, r1_gate
	mov dx, R1_CODE
	mov cx, ((ACC_CALL_GATE32 | DPL(3)) << 8) | 2   ; copy 2 dwords
	mov edi, gdt_gate1
	call put_gate32
	mov eax, r2_gate
	mov dx, R2_CODE
	mov cx, (ACC_CALL_GATE32 | DPL(3)) << 8
	mov edi, gdt_gate2
	call put_gate32
	lgdt [gdt_ptr]
	jmp K_CODE:.reload
.reload:
	mov ax, K_DATA
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax

	mov dword [tss + TSS_ESP0], STACK0_TOP
	mov dword [tss + TSS_SS0], K_DATA
	mov dword [tss + TSS_ESP1], STACK1_TOP
	mov dword [tss + TSS_SS1], R1_DATA
	mov dword [tss + TSS_ESP2], STACK2_TOP
	mov dword [tss + TSS_SS2], R2_DATA & ~3     ; wrong on purpose at first
	mov word [tss + TSS_IOMAP], IOMAP
	mov edi, tss + IOMAP        ; every port denied ...
	mov ecx, IOMAP_BYTES + 1
	mov al, 0xff
	rep stosb
	mov byte [tss + IOMAP + COM1 / 8], 0        ; ... but COM1 (3F8h-3FFh)
	and byte [tss + IOMAP + DEBUGCON / 8], ~(1 << (DEBUGCON % 8)) & 0xff ; and E9h
	mov ax, TSS_SEL
	ltr ax

	call cpu_idt_init
	mov ebx, VEC_SYSCALL
	mov eax, int80_handler
	mov ch, ACC_TRAP_GATE32 | DPL(3)
	call set_idt_gate
	mov ebx, VEC_PRIVATE
	mov ch, ACC_TRAP_GATE32 | DPL(0)
	call set_idt_gate
	ret

; show_ctx: "CPL n, CS 0x...., SS:ESP 0x....:0x........" with ESP = EAX.
show_ctx:
	push eax
	push ebx
	mov ebx, eax
	print "CPL "
	mov ax, cs
	and eax, 3
	call putdec
	print ", CS "
	mov ax, cs
	call puthex16
	print ", SS:ESP "
	mov ax, ss
	call puthex16
	mov al, ':'
	call putc
	mov eax, ebx
	call puthex
	pop ebx
	pop eax
	ret

; show_frame: " -> saved CS 0x...., SS:ESP 0x....:0x........" from a
; frame at EBX: EIP, CS, then (after ECX parameter dwords) ESP, SS.
show_frame:
	push eax
	print "; saved CS "
	mov eax, [ebx + 4]
	call puthex16
	print ", SS:ESP "
	mov eax, [ebx + 12 + ecx * 4]
	call puthex16
	mov al, ':'
	call putc
	mov eax, [ebx + 8 + ecx * 4]
	call puthex
	pop eax
	ret

; ---------------------------------------------------------------- ring 3

u_iret:
	mov eax, esp
	call show_ctx
	call newline
	done_user

; A far CALL through a call gate to ring 0 (SDM Vol. 3A, 5.8.5): the
; CPU switches to SS0:ESP0 and pushes SS, ESP, CS, EIP: ESP0 - 16.
u_gate0:
	print "CALL FAR gate to ring 0 from "
	mov eax, esp
	call show_ctx
	call newline
	call GATE_R0:0
	print "  after RETF:          "
	mov eax, esp
	call show_ctx
	call newline
	done_user

k_gate:
	mov eax, esp
	mov ebx, esp
	print "  in the gate target:  "
	call show_ctx
	xor ecx, ecx
	call show_frame
	call newline
	retf

; Through a gate with parameter count 2 to ring 1: the two dwords on
; top of the caller's stack are copied between the saved SS:ESP and CS:EIP;
; RETF 8 removes them from both stacks.
u_gate1:
	push dword 0x11111111
	push dword 0x22222222
	print "CALL FAR gate to ring 1 (2 parameters) from "
	mov eax, esp
	call show_ctx
	call newline
	call GATE_R1:0
	print "  after RETF 8:        "
	mov eax, esp
	call show_ctx
	call newline
	done_user

r1_gate:
	mov eax, esp
	mov ebx, esp
	print "  in ring 1:           "
	call show_ctx
	mov ecx, 2
	call show_frame
	call newline
	print "  parameters copied:   "
	mov eax, [ebx + 8]
	call puthex
	print " "
	mov eax, [ebx + 12]
	call puthex
	call newline
	retf 8

; The gate to ring 2: with TSS.SS2's RPL != 2 the CALL raises #TS with
; that selector (SDM Vol. 2A, CALL: "IF NewSS(RPL) != DPL(code) THEN
; #TS(NewSS)"); with SS2 = 0x32 it switches to SS2:ESP2.
u_gate2:
	expect_fault .call
.call:	call GATE_R2:0
	print "  after RETF:          "
	mov eax, esp
	call show_ctx
	call newline
	done_user

r2_gate:
	mov eax, esp
	mov ebx, esp
	print "  in ring 2:           "
	call show_ctx
	xor ecx, ecx
	call show_frame
	call newline
	retf

; INT n through a DPL-3 trap gate: ring 0 on SS0:ESP0 with EFLAGS, CS,
; EIP, ESP and SS pushed (ESP0 - 20); a trap gate leaves IF alone.
u_int80:
	print "INT 0x80 from          "
	mov eax, esp
	call show_ctx
	call newline
	int VEC_SYSCALL
	print "  after IRETD:         "
	mov eax, esp
	call show_ctx
	call newline
	done_user

int80_handler:
	mov eax, esp
	pushfd
	print "  in the trap gate:    "
	call show_ctx
	print ", IF "
	pop eax
	shr eax, 9
	and eax, 1
	call putdec
	call newline
	iretd

; INT 81h: the gate's DPL 0 < CPL 3: #GP with the IDT bit (bit 1) and
; index 81h in the error code (SDM Vol. 3A, 6.12.1.1, 6.13).
u_int81:
	expect_fault .int
.int:	int VEC_PRIVATE
	print `no fault\n`
	done_user

; Data segment DPL 0 < CPL 3: #GP(selector) (SDM Vol. 3A, 5.6; MOV).
u_ds_dpl0:
	mov ax, K_DATA | 3
	expect_fault .mov
.mov:	mov ds, ax
	print `no fault\n`
	done_user

; A direct far CALL to nonconforming code needs DPL = CPL (5.8.1.1).
u_call_k:
	expect_fault .call
.call:	call K_CODE:k_never
	print `no fault\n`
	done_user

k_never:
	print "in ring 0 code without a gate\n"
	retf

; A conforming segment runs at the caller's CPL: no stack switch, CS.RPL
; = CPL (SDM Vol. 3A, 5.8.1.2).
u_conforming:
	print "CALL FAR 0x004b (conforming, DPL 0) from "
	mov eax, esp
	call show_ctx
	call newline
	call (CONF_CODE | 3):conforming
	print "  after RETF:          "
	mov eax, esp
	call show_ctx
	call newline
	done_user

conforming:
	mov eax, esp
	print "  in the conforming segment: "
	call show_ctx
	call newline
	retf

; MOV SS: the selector's RPL and the descriptor's DPL must both equal CPL,
; or #GP(selector) (SDM Vol. 2A, MOV; Vol. 3A, 5.7).
u_ss_rpl:
	mov ax, U_DATA & ~3
	expect_fault .mov
.mov:	mov ss, ax
	print `no fault\n`
	done_user

u_ss_dpl:
	mov ax, (R2_DATA & ~3) | 3
	expect_fault .mov
.mov:	mov ss, ax
	print `no fault\n`
	done_user

; CPL 3 > IOPL 0: the I/O map decides (SDM Vol. 1, 19.5.2). Port E9h's
; bit is 0: the byte goes out; 80h's is 1, and 500h lies beyond the TSS
; limit: #GP(0).
u_io_allowed:
	print "OUT 0xE9 at CPL 3, bit clear: allowed, wrote '"
	mov al, '!'
	out DEBUGCON, al
	print `'\n`
	done_user

u_io_denied:
	mov al, 0
	expect_fault .out
.out:	out 0x80, al
	print `no fault\n`
	done_user

u_io_beyond:
	mov dx, 0x500
	mov al, 0
	expect_fault .out
.out:	out dx, al
	print `no fault\n`
	done_user

; CLI needs CPL <= IOPL (SDM Vol. 2A, CLI).
u_cli:
	expect_fault .cli
.cli:	cli
	print `no fault\n`
	done_user

; With IOPL 3 ring 3 may CLI and STI and reach every port.
u_iopl3:
	print "IOPL 3 at CPL 3:       CLI -> IF "
	cli
	call put_if
	sti
	print ", STI -> IF "
	call put_if
	mov al, 0
	out 0x80, al
	print `, OUT 0x80 allowed\n`
	done_user

; POPF at CPL 3 > IOPL changes neither IF nor IOPL, and does not fault
; (SDM Vol. 2B, POPF "Operation"; Vol. 1, 19.5.1).
u_popf:
	print "POPF at CPL 3, IOPL 0: IF "
	call put_if
	pushfd
	mov eax, [esp]
	xor eax, EFLAGS_IF | EFLAGS_IOPL(3)
	print ", POPF of "
	call puthex
	mov [esp], eax
	popfd
	print " -> IF "
	call put_if
	print ", IOPL "
	pushfd
	pop eax
	shr eax, 12
	and eax, 3
	call putdec
	call newline
	done_user

; put_if: EFLAGS.IF as 0 or 1.
put_if:
	pushfd
	push eax
	mov eax, [esp + 4]
	shr eax, 9
	and eax, 1
	call putdec
	pop eax
	popfd
	ret

[section .data]
align 8
gdt:
	dq 0                                    ; null
	FLAT_DESC ACC_CODE | DPL(0), 0xc        ; 08h
	FLAT_DESC ACC_DATA | DPL(0), 0xc        ; 10h
	FLAT_DESC ACC_CODE | DPL(1), 0xc        ; 18h
	FLAT_DESC ACC_DATA | DPL(1), 0xc        ; 20h
	FLAT_DESC ACC_CODE | DPL(2), 0xc        ; 28h
	FLAT_DESC ACC_DATA | DPL(2), 0xc        ; 30h
	FLAT_DESC ACC_CODE | DPL(3), 0xc        ; 38h
	FLAT_DESC ACC_DATA | DPL(3), 0xc        ; 40h
	FLAT_DESC ACC_CONFORMING | DPL(0), 0xc  ; 48h
gdt_tss:                                        ; 50h: base filled in
	dw TSS_LIMIT, 0
	db 0, ACC_TSS32, 0, 0
gdt_gate0: dq 0                                 ; 58h
gdt_gate1: dq 0                                 ; 60h
gdt_gate2: dq 0                                 ; 68h
gdt_end:
gdt_ptr:
	dw gdt_end - gdt - 1
	dd gdt

[section .bss]
alignb 16
tss: resb TSS_LIMIT + 1
alignb 16
	resb 4096
stack_top:
