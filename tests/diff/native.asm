; native.asm - runs one instruction under test on the host CPU and captures the state it leaves.
;
; uint64_t native_run(const struct native_regs *in, struct native_regs *out, uint64_t target)
;
; struct native_regs is { uint64_t gpr[16]; uint64_t rflags; } with gpr[] in
; the order RAX RCX RDX RBX RSP RBP RSI RDI R8..R15 (the ModRM numbering).
;
; native_run saves the System V callee-saved registers and the host RSP,
; loads every GPR and RFLAGS from *in and jumps to target. The code page
; leaves through an exit pad, `jmp qword [rip+0]` + the address of one of
; native_exit0..3 (FF 25 00000000 imm64), which writes no register and no
; flag. The pad records its number, and the common exit path stores all
; GPRs and RFLAGS into *out, clears DF (SDM Vol. 1, 3.4.3.2 "DF Flag"; the
; System V ABI wants it clear on return) and returns the pad number to C.
;
; While the guest state is live no register is free, so the exit path
; finds *out and the host stack through the slots below. These are the
; only mutable globals of the test; a signal handler (see native.c) is the
; other way out of the guest and uses siglongjmp instead.

default rel
bits 64

section .bss
align 8
host_rsp:   resq 1          ; RSP of native_run's caller frame
out_regs:   resq 1          ; the struct native_regs *out of the current run
target:     resq 1          ; the instruction under test
guest_rsp:  resq 1          ; guest RSP, parked while RSP points into *out
exit_index: resq 1          ; which exit pad the guest reached

section .text

global native_run
native_run:
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	mov [host_rsp], rsp
	mov [out_regs], rsi
	mov [target], rdx

	; RFLAGS first: POPFQ needs a stack, so borrow in->rflags as one.
	; At CPL 3 POPFQ leaves IF and IOPL alone (SDM Vol. 2B, POPF).
	lea rsp, [rdi + 16*8]
	popfq
	; MOV changes no flag, so the loads below keep RFLAGS as loaded.
	mov rax, [rdi + 0*8]
	mov rcx, [rdi + 1*8]
	mov rdx, [rdi + 2*8]
	mov rbx, [rdi + 3*8]
	mov rsp, [rdi + 4*8]
	mov rbp, [rdi + 5*8]
	mov rsi, [rdi + 6*8]
	mov r8,  [rdi + 8*8]
	mov r9,  [rdi + 9*8]
	mov r10, [rdi + 10*8]
	mov r11, [rdi + 11*8]
	mov r12, [rdi + 12*8]
	mov r13, [rdi + 13*8]
	mov r14, [rdi + 14*8]
	mov r15, [rdi + 15*8]
	mov rdi, [rdi + 7*8]
	jmp [target]

; The exit pads: each notes its number without touching a flag.
global native_exit0, native_exit1, native_exit2, native_exit3
native_exit0:
	mov qword [exit_index], 0
	jmp exit_common
native_exit1:
	mov qword [exit_index], 1
	jmp exit_common
native_exit2:
	mov qword [exit_index], 2
	jmp exit_common
native_exit3:
	mov qword [exit_index], 3
	jmp exit_common

exit_common:
	; Point RSP just past out->rflags and push the state downwards into
	; *out. LEA and MOV leave the guest's flags intact for PUSHFQ.
	mov [guest_rsp], rsp
	mov rsp, [out_regs]
	lea rsp, [rsp + 17*8]
	pushfq                  ; out->rflags
	push r15
	push r14
	push r13
	push r12
	push r11
	push r10
	push r9
	push r8
	push rdi
	push rsi
	push rbp
	push qword [guest_rsp]  ; out->gpr[RSP]
	push rbx
	push rdx
	push rcx
	push rax                ; out->gpr[RAX]

	mov rsp, [host_rsp]
	cld
	mov rax, [exit_index]
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
