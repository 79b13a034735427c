; syscalls.asm - the fast system calls: SYSENTER/SYSEXIT in 32-bit protected mode, SYSCALL/SYSRET and SWAPGS in 64-bit mode, and their faults.
; format: elf
;
; One GDT serves both halves; its order is the one the MSRs imply
; (SDM Vol. 2B, SYSENTER, SYSEXIT, SYSCALL, SYSRET "Operation"):
;
;   08h 32-bit code DPL 0  IA32_SYSENTER_CS; SYSENTER's SS is CS + 8
;   10h data DPL 0
;   18h 32-bit code DPL 3  SYSEXIT: CS = SYSENTER_CS + 16, RPL 3
;   20h data DPL 3         SYSEXIT: SS = SYSENTER_CS + 24, RPL 3
;   28h 64-bit code DPL 0  IA32_STAR[47:32]: SYSCALL's CS; SS = CS + 8
;   30h data DPL 0
;   38h 32-bit code DPL 3  IA32_STAR[63:48]: SYSRET to compatibility mode
;   40h data DPL 3         SYSRET: SS = STAR[63:48] + 8, RPL 3
;   48h 64-bit code DPL 3  SYSRET with REX.W: CS = STAR[63:48] + 16, RPL 3
;   50h 32-bit TSS, 58h 64-bit TSS (16 bytes)
;
; Ring 3 runs with IOPL 3 so that it can print. The stacks and the GS
; areas sit at fixed addresses, so the pointers printed are the MSRs'.
; The 64-bit half enters long mode through vmx.inc's to_long_mode and
; then switches to this GDT, a 64-bit TSS and its own IDT.

MB_FLAGS equ 0x00000002

[section .multiboot]
align 4
	dd 0x1badb002, MB_FLAGS, -(0x1badb002 + MB_FLAGS)

K_CODE equ 0x08
K_DATA equ 0x10
U_CODE equ 0x18 | 3
U_DATA equ 0x20 | 3
K_CODE64 equ 0x28
K_DATA64 equ 0x30
U_CODE32C equ 0x38 | 3
U_DATA64 equ 0x40 | 3
U_CODE64 equ 0x48 | 3
TSS32_SEL equ 0x50
TSS64_SEL equ 0x58

STACK0_TOP equ 0x401000         ; TSS ESP0/RSP0: exceptions from ring 3
SYSENTER_STACK equ 0x402000     ; IA32_SYSENTER_ESP
SYSCALL_STACK equ 0x403000      ; the kernel's RSP after SYSCALL, from its GS area
USER_STACK_TOP equ 0x404000
KERNEL_GS equ 0x405000          ; IA32_KERNEL_GS_BASE: the kernel's per-CPU area
USER_GS equ 0x406000            ; IA32_GS_BASE while ring 3 runs
USER_GS_MAGIC equ 0x75736572    ; ring 3's [gs:0]
ROUNDS equ 5

; The kernel's GS area.
GS_KSTACK equ 0                 ; RSP to switch to
GS_USTACK equ 8                 ; the caller's RSP while in the kernel
GS_TRIPS equ 16                 ; SYSCALLs taken

IA32_SYSENTER_CS equ 0x174
IA32_SYSENTER_ESP equ 0x175
IA32_SYSENTER_EIP equ 0x176
IA32_STAR equ 0xc0000081
IA32_LSTAR equ 0xc0000082
IA32_FMASK equ 0xc0000084
IA32_GS_BASE equ 0xc0000101
IA32_KERNEL_GS_BASE equ 0xc0000102
EFER_SCE equ 1 << 0

STAR_VALUE equ ((U_CODE32C & ~3) << 48) | (K_CODE64 << 32)
FMASK_VALUE equ 0x47700         ; TF, DF, IF, IOPL, NT, AC
USER_EXIT equ 0x82

%include "lib.inc"
%include "cpu.inc"

; Ring 3's flags: IF, IOPL 3 (it prints through COM1).
USER_FLAGS equ EFLAGS_FIXED | EFLAGS_IF | EFLAGS_IOPL(3)
; What ring 3 sets right before each SYSCALL: the above with DF and CF.
SYSCALL_FLAGS equ USER_FLAGS | EFLAGS_DF | 1

%macro enter_user 2
	mov ebx, %1
	mov ecx, %2
	call run_user
%endmacro

[section .text]
bits 32
global start
start:
	mov esp, stack_top
	call serial_init
	mov al, 0xff                ; both 8259s masked
	out 0x21, al
	out 0xa1, al
	mov edi, sys_gdt + TSS32_SEL
	mov eax, tss32
	call set_desc_base
	mov edi, sys_gdt + TSS64_SEL
	mov eax, tss64
	call set_desc_base
	lgdt [sys_gdt_ptr]
	jmp K_CODE:.reload
.reload:
	mov ax, K_DATA
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	mov dword [tss32 + 4], STACK0_TOP   ; ESP0
	mov dword [tss32 + 8], K_DATA       ; SS0
	mov word [tss32 + 0x66], 0x68       ; no I/O map
	mov ax, TSS32_SEL
	ltr ax
	call cpu_idt_init

	print `SYSENTER/SYSEXIT in 32-bit protected mode\n`
	mov ecx, IA32_SYSENTER_CS
	xor edx, edx
	mov eax, K_CODE
	wrmsr
	inc ecx
	mov eax, SYSENTER_STACK
	wrmsr
	inc ecx
	mov eax, sysenter_entry
	wrmsr
	print "IA32_SYSENTER_CS "
	mov eax, K_CODE
	call puthex16
	print ", IA32_SYSENTER_ESP "
	mov eax, SYSENTER_STACK
	call puthex
	call newline
	enter_user u_sysenter, USER_FLAGS

	print "SYSEXIT at CPL 3:                "
	enter_user u_sysexit, USER_FLAGS
	print "SYSENTER with IA32_SYSENTER_CS 0: "
	mov ecx, IA32_SYSENTER_CS
	xor eax, eax
	xor edx, edx
	wrmsr
	enter_user u_sysenter_once, USER_FLAGS
	jmp to_long_mode

; show_ctx: "CPL n, CS 0x...., SS:ESP 0x....:0x........, EFLAGS 0x........"
; with ESP = EAX and EFLAGS = EDX.
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
	print ", EFLAGS "
	mov eax, edx
	call puthex
	pop ebx
	pop eax
	ret

; Ring 3: ROUNDS SYSENTERs, each back by SYSEXIT to EDX with ESP = ECX.
; EDI counts the returns, the kernel counts the entries.
u_sysenter:
	print "ring 3:            "
	mov eax, esp
	pushfd
	pop edx
	call show_ctx
	call newline
	xor edi, edi
	mov ebp, ROUNDS
.round:
	mov ecx, esp
	mov edx, .back
	sysenter
.back:
	pushfd
	inc edi
	cmp edi, 1
	jne .next
	print "after SYSEXIT:     "
	mov eax, esp
	add eax, 4
	mov edx, [esp]
	call show_ctx
	print ` (IF stays 0)\n`
.next:
	popfd
	sti                         ; SYSENTER cleared IF, SYSEXIT left it so
	dec ebp
	jnz .round
	print "round trips: "
	mov eax, edi
	call putdec
	print " returns, "
	mov eax, [sysenter_trips]
	call putdec
	print ` entries\n`
	int USER_EXIT

; SYSENTER: CS = IA32_SYSENTER_CS, SS = CS + 8, ESP = IA32_SYSENTER_ESP,
; IF and VM cleared.
sysenter_entry:
	inc dword [sysenter_trips]
	cmp dword [sysenter_trips], 1
	jne .back
	push ecx                    ; SYSEXIT's ESP and EIP
	push edx
	lea eax, [esp + 8]
	pushfd
	pop edx
	print "in SYSENTER_EIP:   "
	call show_ctx
	call newline
	pop edx
	pop ecx
.back:
	sysexit

u_sysexit:
	expect_fault .sysexit
.sysexit: sysexit
	print `no fault\n`
	int USER_EXIT

u_sysenter_once:
	expect_fault .sysenter
.sysenter: sysenter
	print `no fault\n`
	int USER_EXIT

%include "vmx.inc"

[section .text]
bits 64

; show_ctx64: "CPL n, CS 0x...., SS 0x...., RSP 0x........, RFLAGS 0x........"
; with RSP = RAX and RFLAGS = RDX.
show_ctx64:
	push rax
	push rbx
	mov rbx, rax
	print "CPL "
	mov ax, cs
	and eax, 3
	call ldec
	print ", CS "
	mov ax, cs
	call lhex16
	print ", SS "
	mov ax, ss
	call lhex16
	print ", RSP "
	mov rax, rbx
	call lhex32
	print ", RFLAGS "
	mov rax, rdx
	call lhex32
	pop rbx
	pop rax
	ret

; rdmsr64: RAX := MSR ECX.
rdmsr64:
	push rdx
	rdmsr
	shl rdx, 32
	or rax, rdx
	pop rdx
	ret

; wrmsr64: MSR ECX := RAX.
wrmsr64:
	push rax
	push rdx
	mov rdx, rax
	shr rdx, 32
	wrmsr
	pop rdx
	pop rax
	ret

long_main:
	; Ring 3 needs U = 1 at every level of vmx.inc's identity map.
	or qword [pml4], 4
	or qword [pdpt], 4
	xor ecx, ecx
.pde:
	or qword [pd + rcx * 8], 4
	inc ecx
	cmp ecx, 512
	jb .pde
	mov rax, cr3
	mov cr3, rax
	lgdt [sys_gdt_ptr]
	push K_CODE64
	lea rax, [rel .cs]
	push rax
	retfq
.cs:
	mov ax, K_DATA64
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov qword [tss64 + 4], STACK0_TOP   ; RSP0
	mov word [tss64 + 0x66], 0x68       ; no I/O map
	mov ax, TSS64_SEL
	ltr ax
	xor ecx, ecx
.gate:
	mov eax, ecx
	shl eax, 4
	add eax, l_stubs
	call l_set_gate
	inc ecx
	cmp ecx, 32
	jb .gate
	mov ecx, USER_EXIT
	mov eax, l_user_exit
	call l_set_gate
	mov byte [l_idt + USER_EXIT * 16 + 5], 0xef    ; DPL 3 trap gate
	lidt [l_idt_ptr]
	print `SYSCALL/SYSRET in 64-bit mode\n`

	mov ecx, IA32_EFER
	call rdmsr64
	print "IA32_EFER "
	call lhex32
	print ", SYSCALL at CPL 3: "
	mov ebx, u_syscall_once
	call run_user64

	mov ecx, IA32_EFER
	call rdmsr64
	or eax, EFER_SCE
	call wrmsr64
	mov ecx, IA32_STAR
	mov rax, STAR_VALUE
	call wrmsr64
	mov ecx, IA32_LSTAR
	mov eax, syscall_entry
	call wrmsr64
	mov ecx, IA32_FMASK
	mov eax, FMASK_VALUE
	call wrmsr64
	mov qword [KERNEL_GS + GS_KSTACK], SYSCALL_STACK
	mov qword [KERNEL_GS + GS_TRIPS], 0
	mov qword [USER_GS], USER_GS_MAGIC
	mov ecx, IA32_KERNEL_GS_BASE
	mov eax, KERNEL_GS
	call wrmsr64
	mov ecx, IA32_GS_BASE       ; what ring 3 will see
	mov eax, USER_GS
	call wrmsr64
	mov ecx, IA32_EFER
	call rdmsr64
	print "IA32_EFER "
	call lhex32
	print ", IA32_STAR "
	mov ecx, IA32_STAR
	call rdmsr64
	call lhex64
	print ", IA32_FMASK "
	mov ecx, IA32_FMASK
	call rdmsr64
	call lhex32
	call lnewline
	print "IA32_GS_BASE "
	mov ecx, IA32_GS_BASE
	call rdmsr64
	call lhex32
	print ", IA32_KERNEL_GS_BASE "
	mov ecx, IA32_KERNEL_GS_BASE
	call rdmsr64
	call lhex32
	call lnewline
	mov ebx, u_syscall
	call run_user64

	print "SYSRET, no REX.W:  "
	call run_compat

	print "SWAPGS at CPL 3:   "
	mov ebx, u_swapgs
	call run_user64
	print "SYSRET at CPL 3:   "
	mov ebx, u_sysret
	call run_user64
	print `all steps done\n`
	exit_with 0

; l_set_gate: l_idt entry ECX -> RAX, an interrupt gate to K_CODE64
; (vmx.inc's set_gate64 names its own code selector, 08h).
l_set_gate:
	push rdi
	mov edi, l_idt
	call set_gate64
	shl ecx, 4
	mov word [l_idt + rcx + 2], K_CODE64
	shr ecx, 4
	pop rdi
	ret

; run_user64: IRETQ to 64-bit ring 3 at RBX with RFLAGS USER_FLAGS and
; RSP USER_STACK_TOP; returns when ring 3 executes INT USER_EXIT or takes
; an exception.
run_user64:
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	mov [kernel_rsp], rsp
	mov ax, U_DATA64
	mov ds, ax
	mov es, ax
	push U_DATA64
	push USER_STACK_TOP
	push USER_FLAGS
	push U_CODE64
	push rbx
	iretq

; run_compat: SYSRET without REX.W from ring 0 to u_compat: CS :=
; STAR[63:48] (32-bit code), SS := STAR[63:48] + 8, EIP := ECX, RFLAGS :=
; R11. Returns like run_user64.
run_compat:
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	mov [kernel_rsp], rsp
	mov ecx, u_compat
	mov r11d, USER_FLAGS
	mov esp, USER_STACK_TOP
	sysret

l_user_exit:
	mov ax, K_DATA64
	mov ds, ax
	mov es, ax
	mov rsp, [kernel_rsp]
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	ret

; One 16-byte stub per vector 0-31, as in cpu.inc.
align 16
l_stubs:
%assign v 0
%rep 32
%if v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21
	push qword v
	jmp l_trap
%else
	push qword -1               ; NO_ERROR
	push qword v
	jmp l_trap
%endif
	align 16
%assign v v + 1
%endrep

; l_trap: [rsp] vector, error code, RIP, CS, RFLAGS, RSP, SS.
l_trap:
	print "vector "
	mov rax, [rsp]
	call ldec
	print " "
	mov esi, [cpu_exc_names + rax * 4]
	call lputs
	mov eax, [rsp + 8]
	cmp eax, NO_ERROR
	je .no_error
	print ", error code "
	call lhex16
	jmp .rip
.no_error:
	print ", no error code"
.rip:
	mov eax, [fault_eip]
	cmp rax, [rsp + 16]
	jne .elsewhere
	print ", RIP at the instruction"
	jmp .cpl
.elsewhere:
	print ", RIP elsewhere"
.cpl:
	print ", from CPL "
	mov rax, [rsp + 24]
	and eax, 3
	call ldec
	call lnewline
	jmp l_user_exit

; ---------------------------------------------------------------- ring 3

u_syscall_once:
	mov dword [fault_eip], .syscall
.syscall: syscall
	print `no fault\n`
	int USER_EXIT

; ROUNDS SYSCALLs with RAX = 1 ... ROUNDS; the kernel answers RAX * 2.
; Right before each, RFLAGS := SYSCALL_FLAGS (DF set: it must not reach
; the kernel, whose string instructions count on DF = 0).
u_syscall:
	mov rax, rsp
	pushfq
	pop rdx
	print "ring 3:            "
	call show_ctx64
	print ", [gs:0] "
	mov eax, [gs:0]
	call lhex32
	call lnewline
	xor r12d, r12d              ; returns
	xor r13d, r13d              ; sum of the answers
.round:
	lea eax, [r12 + 1]
	push SYSCALL_FLAGS
	popfq
	syscall
.back:
	pushfq
	pop rdx
	cld
	add r13, rax
	inc r12d
	cmp r12d, 1
	jne .next
	mov rax, rsp
	print "after SYSRET:      "
	call show_ctx64
	print ", [gs:0] "
	mov eax, [gs:0]
	call lhex32
	call lnewline
.next:
	push USER_FLAGS
	popfq
	cmp r12d, ROUNDS
	jb .round
	print "round trips: "
	mov eax, r12d
	call ldec
	print " returns, sum of the answers "
	mov rax, r13
	call ldec
	print ", "
	mov rax, [KERNEL_GS + GS_TRIPS]
	call ldec
	print ` entries\n`
	int USER_EXIT

; SYSCALL (SDM Vol. 2B): RCX := RIP of the next instruction, R11 :=
; RFLAGS, RFLAGS &= ~IA32_FMASK, CS := STAR[47:32], SS := STAR[47:32] + 8,
; RSP unchanged. SWAPGS gives the kernel its GS area.
syscall_entry:
	swapgs
	mov [gs:GS_USTACK], rsp
	mov rsp, [gs:GS_KSTACK]
	pushfq
	inc qword [gs:GS_TRIPS]
	cmp qword [gs:GS_TRIPS], 1
	jne .back
	push rax
	push rcx
	push rdx
	mov rdx, [rsp + 24]
	lea rax, [rsp + 32]
	print "in IA32_LSTAR:     "
	call show_ctx64
	call lnewline
	print "                   RCX "
	mov rax, [rsp + 8]
	lea rdx, [rel u_syscall.back]
	cmp rax, rdx
	jne .rcx_elsewhere
	print "= the instruction after SYSCALL"
	jmp .r11
.rcx_elsewhere:
	call lhex64
.r11:
	print ", R11 "
	mov rax, r11
	call lhex32
	print ", user RSP "
	mov rax, [gs:GS_USTACK]
	call lhex32
	call lnewline
	print "                   IA32_GS_BASE "
	mov ecx, IA32_GS_BASE
	call rdmsr64
	call lhex32
	print ", IA32_KERNEL_GS_BASE "
	mov ecx, IA32_KERNEL_GS_BASE
	call rdmsr64
	call lhex32
	call lnewline
	pop rdx
	pop rcx
	pop rax
.back:
	popfq
	add rax, rax
	mov rsp, [gs:GS_USTACK]
	swapgs
	o64 sysret                  ; CS := STAR[63:48] + 16, SS := + 8, RFLAGS := R11

; SWAPGS and SYSRET need CPL 0: #GP(0) (SDM Vol. 2B).
u_swapgs:
	mov dword [fault_eip], .swapgs
.swapgs: swapgs
	print `no fault\n`
	int USER_EXIT

u_sysret:
	mov dword [fault_eip], .sysret
	lea rcx, [rel .sysret]
.sysret: o64 sysret
	print `no fault\n`
	int USER_EXIT

; Ring 3 in compatibility mode: lib.inc's 32-bit routines work here.
bits 32
u_compat:
	pushfd
	pop edx
	mov eax, esp
	call show_ctx
	call newline
	int USER_EXIT
bits 64

[section .data]
align 16
sys_gdt:
	dq 0
	FLAT_DESC ACC_CODE | DPL(0), 0xc        ; 08h
	FLAT_DESC ACC_DATA | DPL(0), 0xc        ; 10h
	FLAT_DESC ACC_CODE | DPL(3), 0xc        ; 18h
	FLAT_DESC ACC_DATA | DPL(3), 0xc        ; 20h
	FLAT_DESC ACC_CODE | DPL(0), 0xa        ; 28h: 64-bit
	FLAT_DESC ACC_DATA | DPL(0), 0xc        ; 30h
	FLAT_DESC ACC_CODE | DPL(3), 0xc        ; 38h
	FLAT_DESC ACC_DATA | DPL(3), 0xc        ; 40h
	FLAT_DESC ACC_CODE | DPL(3), 0xa        ; 48h: 64-bit
	dw 0x67, 0                              ; 50h: 32-bit TSS
	db 0, ACC_TSS32, 0, 0
	dw 0x67, 0                              ; 58h: 64-bit TSS (type 9 too)
	db 0, ACC_TSS32, 0, 0
	dq 0                                    ;      base 63:32
sys_gdt_end:
sys_gdt_ptr:                    ; good for LGDT in both modes
	dw sys_gdt_end - sys_gdt - 1
	dd sys_gdt, 0
l_idt_ptr:
	dw 256 * 16 - 1
	dd l_idt, 0

[section .bss]
alignb 16
tss32: resb 0x68
alignb 16
tss64: resb 0x68
alignb 16
l_idt: resq 2 * 256
kernel_rsp: resq 1
sysenter_trips: resd 1
