; swvmm64.asm - the software VMM in IA-32e mode: no segment limits, so the guest kernel goes to ring 3.
;
; In 64-bit mode the processor does not check segment limits (SDM Vol. 3A,
; 5.3.1 "Limit Checking in 64-bit Mode"), so the trick of swvmm.asm, guest
; segments that stop below the monitor, is gone. Only paging is left, and
; paging protects supervisor pages only from CPL 3 (SDM Vol. 3A, 4.6
; "Access Rights"). A 64-bit software monitor therefore runs the guest
; kernel in ring 3, beside the guest's applications, and must make the
; guest kernel's pages user pages: ring compression.
;
; To show why, this monitor runs the virtual machines of a boot list one
; after the other, each with the ring its guest kernel gets:
;   ring 1: the 32-bit recipe, unsafe here (the guest kernel can read the
;           monitor's supervisor pages);
;   ring 3: what 64-bit software monitors did.
; A VM ends when its guest kernel halts with IF = 0.
;
; Boot protocol: the loader starts the monitor at start with RBX = the
; boot list: (entry point, stack top, ring) triples of quadwords, ended by
; a zero entry point.
;
; GDT:
;   08h guest kernel code, DPL 1 (64-bit)   10h guest kernel data, DPL 1
;   18h guest user code, DPL 3              20h guest user data, DPL 3
;   28h guest kernel code, DPL 3: the ring-3 kernel's own selector, so that
;       a trap's saved CS tells the monitor kernel from application
;   30h monitor code    38h monitor data    40h TSS (16 bytes)
;
; Kept small: the guest kernel may execute CLI, STI, HLT and LIDT with a
; RIP-relative operand; every other event is reflected to it.

default rel

GUEST_K1CS      equ 0x08 | 1            ; ring-1 guest kernel
GUEST_K1SS      equ 0x10 | 1
GUEST_UCS       equ 0x18 | 3            ; guest application
GUEST_UDS       equ 0x20 | 3
GUEST_K3CS      equ 0x28 | 3            ; ring-3 guest kernel
MON_CS          equ 0x30
MON_DS          equ 0x38
MON_TSS         equ 0x40

SYSCALL_VECTOR  equ 0x80
EFL_RESERVED    equ 1 << 1
EFL_TF          equ 1 << 8
EFL_IF          equ 1 << 9
EFL_NT          equ 1 << 14
EFL_RF          equ 1 << 16
ERROR_CODE_VECTORS equ (1 << 8) | (0x1F << 10) | (1 << 17)

; The trap frame on the monitor's stack (TSS.RSP0). In 64-bit mode the
; CPU always pushes SS:RSP (SDM Vol. 3A, 6.14.2 "64-Bit Mode Stack Frame").
struc tf
.r15:    resq 1
.r14:    resq 1
.r13:    resq 1
.r12:    resq 1
.r11:    resq 1
.r10:    resq 1
.r9:     resq 1
.r8:     resq 1
.rbp:    resq 1
.rdi:    resq 1
.rsi:    resq 1
.rdx:    resq 1
.rcx:    resq 1
.rbx:    resq 1
.rax:    resq 1
.vector: resq 1         ; pushed by the stub
.error:  resq 1         ; by the CPU, or 0 from the stub
.rip:    resq 1         ; by the CPU
.cs:     resq 1
.rflags: resq 1
.rsp:    resq 1
.ss:     resq 1
endstruc

; The monitor's IDT comes first, at the monitor's first address.
mon_idt:
        times 256 dq 0, 0               ; build_idt fills it
mon_idtr:
        dw 256*16 - 1
        dq mon_idt

; ---------------------------------------------------------------------------
; Boot.
; ---------------------------------------------------------------------------
start:
        mov [vm_next], rbx              ; the boot list
        lgdt [mon_gdtr]
        mov rsp, mon_stack_top
        push MON_CS                     ; reload CS with a far return
        lea rax, [.reload]
        push rax
        retfq
.reload:
        mov ax, MON_DS
        mov ds, ax
        mov es, ax
        mov ss, ax
        xor eax, eax
        mov fs, ax
        mov gs, ax
        call build_idt
        lidt [mon_idtr]
        call install_tss
        ; fall through to boot the first VM

; boot_vm: start the next VM of the boot list, or stop the machine.
boot_vm:
        mov rsp, mon_stack_top
        mov rsi, [vm_next]
        mov rax, [rsi]                  ; entry point
        test rax, rax
        jz monitor_halt
        add qword [vm_next], 24
        xor edx, edx
        mov [vcpu.idt_limit], rdx       ; a fresh virtual CPU
        mov [vcpu.idt_base], rdx
        mov rdx, [rsi + 8]
        mov [vcpu.kernel_rsp], rdx
        mov ecx, GUEST_K1CS             ; the guest kernel's selectors
        mov edx, GUEST_K1SS
        cmp qword [rsi + 16], 1
        je .ring_chosen
        mov ecx, GUEST_K3CS
        mov edx, GUEST_UDS
.ring_chosen:
        mov [vcpu.kernel_cs], rcx
        mov [vcpu.kernel_ss], rdx
        ; IRETQ to the guest kernel (SDM Vol. 3A, 6.14.3 "IRET in IA-32e Mode")
        push rdx                        ; SS
        push qword [vcpu.kernel_rsp]    ; RSP
        push EFL_RESERVED               ; RFLAGS: IF = 0, IOPL = 0
        push rcx                        ; CS
        push rax                        ; RIP
        iretq

; build_idt: a 16-byte interrupt gate per vector (SDM Vol. 3A, 6.14.1
; "64-Bit Mode IDT"): offset 15:0, selector, IST/type, offset 31:16,
; offset 63:32, reserved.
build_idt:
        xor ecx, ecx
        lea rsi, [vector_stubs]
        lea rdi, [mon_idt]
.gate:
        mov rax, [rsi + rcx*8]
        mov [rdi], ax
        mov word [rdi + 2], MON_CS
        mov word [rdi + 4], 0x8E00      ; P, DPL 0, 64-bit interrupt gate
        shr rax, 16
        mov [rdi + 6], ax
        shr rax, 16
        mov [rdi + 8], eax
        mov dword [rdi + 12], 0
        add rdi, 16
        inc ecx
        cmp ecx, 256
        jb .gate
        mov byte [mon_idt + SYSCALL_VECTOR*16 + 5], 0xEE   ; INT 80h from ring 3
        ret

; install_tss: the 16-byte TSS descriptor's base (SDM Vol. 3A, 8.2.3
; "TSS Descriptor in 64-bit mode"), then LTR.
install_tss:
        lea rax, [mon_tss]
        lea rdi, [mon_gdt + MON_TSS]
        mov [rdi + 2], ax
        shr rax, 16
        mov [rdi + 4], al
        mov [rdi + 7], ah
        shr rax, 16
        mov [rdi + 8], eax
        mov ax, MON_TSS
        ltr ax
        ret

; ---------------------------------------------------------------------------
; Traps.
; ---------------------------------------------------------------------------
%assign v 0
%rep 256
vector_ %+ v:
  %if (ERROR_CODE_VECTORS >> v) & 1 == 0 || v >= 32
        push 0
  %endif
        push v
        jmp trap_entry
%assign v v + 1
%endrep

vector_stubs:
%assign v 0
%rep 256
        dq vector_ %+ v
%assign v v + 1
%endrep

trap_entry:
        push rax
        push rbx
        push rcx
        push rdx
        push rsi
        push rdi
        push rbp
        push r8
        push r9
        push r10
        push r11
        push r12
        push r13
        push r14
        push r15
        mov rbp, rsp                    ; RBP -> struct tf
        cld
        test byte [rbp + tf.cs], 3
        jz monitor_fault
        cmp qword [rbp + tf.vector], 13
        jne .reflect
        call emulate
        jnc .resume
.reflect:
        mov rax, [rbp + tf.vector]
        call reflect
.resume:
        pop r15
        pop r14
        pop r13
        pop r12
        pop r11
        pop r10
        pop r9
        pop r8
        pop rbp
        pop rdi
        pop rsi
        pop rdx
        pop rcx
        pop rbx
        pop rax
        add rsp, 16                     ; the vector and the error code
        iretq

; emulate: the guest kernel's #GP; CF = 1 to reflect it instead. Only a
; trap whose saved CS is the guest kernel's own is emulated: the
; application's privileged instructions are the guest kernel's business.
emulate:
        mov rax, [rbp + tf.cs]
        cmp rax, [vcpu.kernel_cs]
        jne .refuse
        cmp qword [rbp + tf.error], 0
        jne .refuse
        mov rsi, [rbp + tf.rip]
        lodsb
        cmp al, 0xFA                    ; CLI
        je .cli
        cmp al, 0xFB                    ; STI
        je .sti
        cmp al, 0xF4                    ; HLT
        je .hlt
        cmp al, 0x0F                    ; 0F 01 /3 LIDT m
        jne .refuse
        lodsw
        cmp al, 0x01
        jne .refuse
        cmp ah, 0x1D                    ; ModRM: mod 00, reg 3, r/m 101 = [RIP + disp32]
        jne .refuse                     ;   (SDM Vol. 2A, 2.2.1.6 "RIP-Relative Addressing")
        movsxd rdx, dword [rsi]
        add rsi, 4                      ; RSI = the next instruction
        add rdx, rsi
        movzx eax, word [rdx]
        mov [vcpu.idt_limit], rax
        mov rax, [rdx + 2]
        mov [vcpu.idt_base], rax
        jmp .done
.cli:
        and qword [rbp + tf.rflags], ~EFL_IF
        jmp .done
.sti:
        or qword [rbp + tf.rflags], EFL_IF
        jmp .done
.hlt:
        test qword [rbp + tf.rflags], EFL_IF
        jz boot_vm                      ; this VM is finished: the next one
.done:
        mov [rbp + tf.rip], rsi
        clc
        ret
.refuse:
        stc
        ret

; reflect: RAX = the vector; deliver it to the guest kernel through its
; virtual IDT as a 64-bit CPU would (SDM Vol. 3A, 6.14.2 "64-Bit Mode
; Stack Frame"): switch to the guest kernel's stack if the trap came from
; its application, align RSP to 16, push SS, RSP, RFLAGS, CS, RIP and the
; error code, clear TF, NT, RF (and IF for an interrupt gate).
reflect:
        lea rbx, [rax*8]
        lea rbx, [rbx*2 + 15]
        cmp rbx, [vcpu.idt_limit]
        ja guest_shutdown
        shl rax, 4
        add rax, [vcpu.idt_base]
        mov rbx, rax                    ; RBX -> the guest's 16-byte gate
        test byte [rbx + 5], 0x80
        jz guest_shutdown
        mov ecx, [rbx + 8]
        shl rcx, 16
        mov cx, [rbx + 6]
        shl rcx, 16
        mov cx, [rbx]                   ; RCX = the handler
        mov rdi, [rbp + tf.rsp]
        mov rax, [rbp + tf.cs]
        cmp rax, [vcpu.kernel_cs]
        je .aligned
        mov rdi, [vcpu.kernel_rsp]      ; from the application
.aligned:
        and rdi, -16
        sub rdi, 40
        mov rax, [rbp + tf.rip]
        mov [rdi], rax
        mov rax, [rbp + tf.cs]
        mov [rdi + 8], rax
        mov rax, [rbp + tf.rflags]
        mov [rdi + 16], rax
        mov rax, [rbp + tf.rsp]
        mov [rdi + 24], rax
        mov rax, [rbp + tf.ss]
        mov [rdi + 32], rax
        mov rax, [rbp + tf.vector]
        cmp rax, 32
        jae .flags
        mov edx, ERROR_CODE_VECTORS
        bt edx, eax
        jnc .flags
        sub rdi, 8
        mov rax, [rbp + tf.error]
        mov [rdi], rax
.flags:
        mov rdx, EFL_TF | EFL_NT | EFL_RF
        test byte [rbx + 5], 1
        jnz .trap_gate
        or rdx, EFL_IF
.trap_gate:
        not rdx
        and [rbp + tf.rflags], rdx
        mov [rbp + tf.rip], rcx
        mov rax, [vcpu.kernel_cs]
        mov [rbp + tf.cs], rax
        mov [rbp + tf.rsp], rdi
        mov rax, [vcpu.kernel_ss]
        mov [rbp + tf.ss], rax
        ret

guest_shutdown:
        lea rsi, [msg_shutdown]
        jmp monitor_stop
monitor_fault:
        lea rsi, [msg_fault]
monitor_stop:
        mov dx, 0xE9
.char:
        lodsb
        test al, al
        jz monitor_halt
        out dx, al
        jmp .char
monitor_halt:
        cli
        hlt
        jmp monitor_halt

msg_shutdown: db "swvmm64: the guest shut down (no gate for a reflected event)", 10, 0
msg_fault:    db "swvmm64: trap inside the monitor", 10, 0

; ---------------------------------------------------------------------------
; Data.
; ---------------------------------------------------------------------------
align 8
vm_next:        dq 0                    ; the next boot-list entry
vcpu:
.idt_limit:     dq 0                    ; the guest's IDTR (LIDT)
.idt_base:      dq 0
.kernel_cs:     dq 0                    ; the guest kernel's CS and SS: ring 1 or 3
.kernel_ss:     dq 0
.kernel_rsp:    dq 0                    ; its stack for events from its application

mon_secret:     dq 0x5ec2e75e           ; monitor data the guest must not read (challenge 6)

align 8
mon_gdt:                                ; SDM Vol. 3A, 3.4.5 and 5.2.1 "Code-Segment Descriptor in 64-bit Mode"
        dq 0                            ; 00h
        dq 0x00afbb000000ffff           ; 08h guest kernel code, DPL 1, L = 1
        dq 0x00cfb3000000ffff           ; 10h guest kernel data, DPL 1
        dq 0x00affb000000ffff           ; 18h guest user code, DPL 3, L = 1
        dq 0x00cff3000000ffff           ; 20h guest user data, DPL 3
        dq 0x00affb000000ffff           ; 28h guest kernel code, DPL 3, L = 1
        dq 0x00af9b000000ffff           ; 30h monitor code, DPL 0, L = 1
        dq 0x00cf93000000ffff           ; 38h monitor data
        dw mon_tss_end - mon_tss - 1    ; 40h 64-bit TSS, available (type 9);
        dw 0                            ;     base: install_tss
        db 0, 0x89, 0, 0
        dq 0
mon_gdt_end:
mon_gdtr:
        dw mon_gdt_end - mon_gdt - 1
        dq mon_gdt

; The 64-bit TSS (SDM Vol. 3A, 8.7 "Task Management in 64-bit Mode"):
; RSP0 for traps, and the I/O permission bit map opening port 80H.
align 8
mon_tss:
        dd 0                            ; 00h
        dq mon_stack_top                ; 04h RSP0
        times 0x66 - 0x0C db 0          ; RSP1, RSP2, IST1-7
        dw .iomap - mon_tss             ; 66h I/O map base
.iomap:
        times 0x80 / 8 db 0xFF
        db 0xFE                         ; port 80h open
        db 0xFF
mon_tss_end:

align 16
        times 512 dq 0
mon_stack_top:
