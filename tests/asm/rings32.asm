; rings32.asm - ring 0 -> 3 by IRET, back through a call gate and INT 0x80,
; a privileged instruction at ring 3 faulting with #GP. 32-bit protected mode.
; mode: prot32
; exit: 0
bits 32
org 0x100000

%define CODE0 0x08
%define DATA0 0x10
%define CODE3 0x1b
%define DATA3 0x23
%define TSSSEL 0x28
%define GATE 0x33                 ; call gate, RPL 3

start:
	lgdt [gdtr]
	lidt [idtr]
	jmp CODE0:.reload               ; far JMP reloads CS from our GDT
.reload:
	mov ax, DATA0
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov esp, stack0_top
	mov ax, TSSSEL
	ltr ax
	str bx                          ; STR reads back the TSS selector
	cmp bx, TSSSEL
	jne fail
	; IRET to ring 3: SS, ESP, EFLAGS, CS, EIP
	push DATA3
	push stack3_top
	push 0x3202                     ; IF=1 (nothing interrupts us), IOPL 3 for OUT at ring 3
	push CODE3
	push user
	iret

user:                               ; ring 3
	mov ax, cs
	and ax, 3
	add al, '0'
	call putc                       ; prints the CPL: 3
	push dword 0x11                 ; two parameters for the gate
	push dword 0x22
	call GATE:0                     ; offset ignored: the gate has the entry
	add esp, 8
	; the gate handler returned the sum of the parameters in eax
	cmp eax, 0x33
	jne fail
	mov eax, 0x21                   ; "system call" number
	int 0x80
	cmp eax, 0x42
	jne fail
	hlt                             ; privileged: #GP(0) at ring 3
	jmp fail

gate_entry:                         ; ring 0 via the call gate
	mov ax, cs
	and ax, 3
	add al, '0'
	call putc                       ; 0
	; stack: [esp] EIP, [esp+4] CS, [esp+8] param 0x22, [esp+12] 0x11, then ESP, SS
	mov eax, [esp + 8]
	add eax, [esp + 12]
	cmp dword [esp + 4], CODE3
	jne fail
	cmp dword [esp + 20], DATA3     ; old SS pushed on the inner stack
	jne fail
	retf 8                          ; back to ring 3, releasing the parameters

syscall_entry:                      ; ring 0 via INT 0x80 (trap gate, DPL 3)
	cmp esp, stack0_top - 20        ; EIP CS EFLAGS ESP SS on the TSS stack
	jne fail
	cmp eax, 0x21
	jne fail
	mov al, 'S'
	call putc
	mov eax, 0x42
	iret

gp_handler:                         ; #GP from ring 3's HLT
	mov al, 'G'
	call putc
	pop eax                         ; error code 0
	test eax, eax
	jne fail
	mov eax, [esp + 4]              ; the faulting CS is ring 3's
	cmp eax, CODE3
	jne fail
	mov al, 10
	call putc
	hlt                             ; ring 0, IF=0: the run ends with status 0

fail:
	mov al, '!'
	out 0xe9, al
	mov al, 1
	out 0xf4, al

putc:                               ; AL to the debug console (IOPL 3 lets ring 3 do it)
	out 0xe9, al
	ret

align 8
gdt:
	dq 0
	dq 0x00cf9a000000ffff           ; 0x08 ring-0 code
	dq 0x00cf92000000ffff           ; 0x10 ring-0 data
	dq 0x00cffa000000ffff           ; 0x18 ring-3 code
	dq 0x00cff2000000ffff           ; 0x20 ring-3 data
	; 0x28 32-bit available TSS, base = tss, limit 0x67
	dw 0x67, tss - $$ + 0x100000 & 0xffff
	db (tss - $$ + 0x100000) >> 16 & 0xff, 0x89, 0, (tss - $$ + 0x100000) >> 24
	; 0x30 32-bit call gate, DPL 3, 2 dword parameters, to CODE0:gate_entry
	dw (gate_entry - $$ + 0x100000) & 0xffff, CODE0
	db 2, 0xec
	dw (gate_entry - $$ + 0x100000) >> 16
gdt_end:
gdtr:	dw gdt_end - gdt - 1
	dd gdt

align 8
idt:
	times 13 dq 0
	; 13: #GP, interrupt gate, DPL 0
	dw (gp_handler - $$ + 0x100000) & 0xffff, CODE0
	db 0, 0x8e
	dw (gp_handler - $$ + 0x100000) >> 16
	times (0x80 - 14) dq 0
	; 0x80: trap gate, DPL 3
	dw (syscall_entry - $$ + 0x100000) & 0xffff, CODE0
	db 0, 0xef
	dw (syscall_entry - $$ + 0x100000) >> 16
idt_end:
idtr:	dw idt_end - idt - 1
	dd idt

align 16
tss:	dd 0
	dd stack0_top                   ; ESP0
	dd DATA0                        ; SS0
	times 23 dd 0

align 16
	times 256 db 0
stack0_top:
	times 256 db 0
stack3_top:
