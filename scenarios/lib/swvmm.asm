; swvmm.asm - a trap-and-emulate virtual machine monitor for 32-bit protected mode, as before VT-x.
;
; The monitor owns ring 0 and the real GDT, IDT and TSS. It runs the guest
; kernel deprivileged in ring 1 and the guest's application in ring 3, with
; IOPL 0, so that every privileged instruction of the guest kernel faults
; (#GP, SDM Vol. 3A, 5.9 "Privileged Instructions") and lands here. The
; monitor then either emulates the instruction against the virtual CPU
; (vcpu below) or reflects the event to the guest kernel's own handler,
; found in the guest's virtual IDT, exactly as the processor would have
; delivered it (SDM Vol. 3A, 6.12.1 "Exception- or Interrupt-Handler
; Procedures").
;
; Linear memory (the scenario maps it with its paging: section):
;
;   00000000 +--------------------------+
;            | the guest: kernel, data, |  guest segments: base 0,
;            | application              |  limit FFBFFFFFh
;   FFC00000 +--------------------------+  MON_VA
;            | the monitor: IDT, code,  |  supervisor pages; only the
;            | GDT, TSS, stack, vcpu    |  monitor's segments reach it
;   FFFFFFFF +--------------------------+
;
; The guest kernel cannot reach the monitor because its segments stop
; below MON_VA (SDM Vol. 3A, 5.3 "Limit Checking"); paging cannot help,
; since rings 0-2 are all "supervisor" to the page tables (SDM Vol. 3A,
; 4.6 "Access Rights").
;
; GDT (the monitor's; slots 1-7 are the guest's, ring-compressed):
;
;   08h guest kernel code  DPL 1  -> CS = 09h in the guest kernel
;   10h guest kernel data  DPL 1  -> SS = 11h
;   18h guest user code    DPL 3  -> CS = 1Bh in the application
;   20h guest user data    DPL 3  -> SS = 23h
;   28h-38h free for the guest's own descriptors (LGDT)
;   40h monitor code  DPL 0    48h monitor data  DPL 0    50h monitor TSS
;
; Boot protocol: the scenario's loader starts the monitor at start with
; EBX = the guest kernel's entry point (it starts in ring 1 with IF = 0)
; and ECX = the top of its stack (registers: {rbx: ..., rcx: ...}). The
; guest may use the monitor's labels (MON_VA, mon_secret); the monitor
; uses none of the guest's.
;
; The guest kernel may execute: CLI, STI, HLT, IN/OUT (byte), LGDT, LIDT,
; MOV to/from CR0-CR4, RDMSR/WRMSR of the SYSENTER MSRs, and SYSEXIT. Labs
; extend the tables one_byte_ops and two_byte_ops.

MON_VA          equ 0xFFC00000          ; the monitor's first linear address
GUEST_LIMIT     equ (MON_VA >> 12) - 1  ; guest segment limit, in 4 KiB units

GUEST_KCS       equ 0x08 | 1            ; guest kernel code, RPL 1
GUEST_KDS       equ 0x10 | 1            ; guest kernel data/stack, RPL 1
GUEST_UCS       equ 0x18 | 3            ; guest application code
GUEST_UDS       equ 0x20 | 3            ; guest application data/stack
GUEST_SLOTS     equ 8                   ; GDT slots 0-7 shadow the guest's GDT
MON_CS          equ 0x40
MON_DS          equ 0x48                ; = MON_CS + 8, as SYSENTER requires
MON_TSS         equ 0x50

SYSCALL_VECTOR  equ 0x80                ; INT 80h is open to the application

EFL_RESERVED    equ 1 << 1              ; EFLAGS bit 1 is always 1
EFL_TF          equ 1 << 8
EFL_IF          equ 1 << 9
EFL_NT          equ 1 << 14
EFL_RF          equ 1 << 16
EFL_VM          equ 1 << 17

; Vectors for which the CPU pushes an error code (SDM Vol. 3A, 6.13 "Error
; Code"): #DF 8, #TS 10, #NP 11, #SS 12, #GP 13, #PF 14, #AC 17.
ERROR_CODE_VECTORS equ (1 << 8) | (0x1F << 10) | (1 << 17)

IA32_SYSENTER_CS  equ 0x174
IA32_SYSENTER_ESP equ 0x175
IA32_SYSENTER_EIP equ 0x176

; The trap frame: what the CPU, the vector stub and trap_entry push on the
; monitor's ring-0 stack (TSS.SS0:ESP0). A trap always comes from ring 1
; or 3, so the CPU always switched stacks and saved SS:ESP (SDM Vol. 3A,
; 6.12.1, Figure 6-4 "Stack Usage on Transfers to Interrupt and Exception
; Handling Routines").
struc tf
.edi:    resd 1         ; PUSHAD
.esi:    resd 1
.ebp:    resd 1
.esp0:   resd 1         ; PUSHAD's copy of the monitor's ESP (unused)
.ebx:    resd 1
.edx:    resd 1
.ecx:    resd 1
.eax:    resd 1
.es:     resd 1         ; the guest's selectors, reloaded on the way out
.ds:     resd 1
.vector: resd 1         ; pushed by the stub
.error:  resd 1         ; by the CPU, or 0 from the stub
.eip:    resd 1         ; by the CPU: where the guest resumes
.cs:     resd 1
.eflags: resd 1
.esp:    resd 1
.ss:     resd 1
endstruc

; The monitor's IDT comes first, at MON_VA itself: what SIDT shows the guest.
mon_idt:
        times 256 dq 0                  ; build_idt fills it
mon_idtr:
        dw 256*8 - 1
        dd mon_idt

; ---------------------------------------------------------------------------
; Boot: take the machine, then start the guest kernel in ring 1.
; ---------------------------------------------------------------------------
start:
        mov [guest_boot_eip], ebx       ; the guest kernel's entry point
        mov [mon_tss + 0x0C], ecx       ; TSS.ESP1: the guest kernel's stack
        lgdt [mon_gdtr]                 ; the monitor's GDT (SDM Vol. 3A, 2.4.1 "Global Descriptor Table Register (GDTR)")
        jmp MON_CS:.reload              ; reload CS from it
.reload:
        mov ax, MON_DS
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov esp, mon_stack_top
        xor eax, eax
        mov fs, ax
        mov gs, ax
        call build_idt
        lidt [mon_idtr]                 ; every vector now enters the monitor
        call install_tss
        ; SYSENTER from the guest's application enters the monitor too
        ; (SDM Vol. 3A, 5.8.7 "Performing Fast Calls to System Procedures
        ; with the SYSENTER and SYSEXIT Instructions").
        xor edx, edx
        mov ecx, IA32_SYSENTER_CS
        mov eax, MON_CS
        wrmsr
        mov ecx, IA32_SYSENTER_ESP
        mov eax, mon_stack_top
        wrmsr
        mov ecx, IA32_SYSENTER_EIP
        mov eax, sysenter_entry
        wrmsr
        ; Enter the guest kernel: an IRET to ring 1 with IF = 0 and IOPL = 0
        ; (SDM Vol. 3A, 5.8.6 "Returning from a Called Procedure" and Vol. 2A, IRET).
        push dword GUEST_KDS            ; SS
        push dword [mon_tss + 0x0C]     ; ESP
        push dword EFL_RESERVED         ; EFLAGS: IF = 0, IOPL = 0
        push dword GUEST_KCS            ; CS: ring 1
        push dword [guest_boot_eip]     ; EIP
        mov ax, GUEST_KDS
        mov ds, ax
        mov es, ax
        iretd

; build_idt: an interrupt gate to the monitor for each of the 256 vectors
; (SDM Vol. 3A, 6.11 "IDT Descriptors"):
;
;   31          16 15 14 13 12    8 7      0
;   | offset 31:16 | P | DPL |0 1110| 000 --- |  +4
;   | selector     |          offset 15:0    |  +0
build_idt:
        xor ecx, ecx
.gate:
        mov eax, [vector_stubs + ecx*4]
        lea edi, [mon_idt + ecx*8]
        mov [edi], ax                   ; offset 15:0
        mov word [edi + 2], MON_CS
        mov word [edi + 4], 0x8E00      ; P = 1, DPL 0, 32-bit interrupt gate
        shr eax, 16
        mov [edi + 6], ax               ; offset 31:16
        inc ecx
        cmp ecx, 256
        jb .gate
        ; The guest's application may raise INT 80h itself: gate DPL 3
        ; (SDM Vol. 3A, 6.12.1.1 "Protection of Exception- and Interrupt-Handler Procedures").
        mov byte [mon_idt + SYSCALL_VECTOR*8 + 5], 0xEE
        ret

; install_tss: put the TSS's base into its descriptor and load TR
; (SDM Vol. 3A, 8.2.2 "TSS Descriptor").
install_tss:
        mov eax, mon_tss
        mov [mon_gdt + MON_TSS + 2], ax ; base 15:0
        shr eax, 16
        mov [mon_gdt + MON_TSS + 4], al ; base 23:16
        mov [mon_gdt + MON_TSS + 7], ah ; base 31:24
        mov ax, MON_TSS
        ltr ax
        ret

; ---------------------------------------------------------------------------
; Traps: every vector has a stub that makes the frame uniform.
; ---------------------------------------------------------------------------
%assign v 0
%rep 256
vector_ %+ v:
  %if (ERROR_CODE_VECTORS >> v) & 1 == 0 || v >= 32
        push 0                          ; no error code from the CPU
  %endif
        push v
        jmp trap_entry
%assign v v + 1
%endrep

vector_stubs:
%assign v 0
%rep 256
        dd vector_ %+ v
%assign v v + 1
%endrep

; trap_entry: save the guest, switch to the monitor's data segment, handle
; the trap, and resume the guest with IRET.
trap_entry:
        push ds
        push es
        pushad
        ; The guest's DS cannot reach the monitor (its limit stops below
        ; MON_VA), so the monitor loads its own. Only the selector of the
        ; guest's DS is saved: the descriptor the CPU cached for it (the
        ; hidden part, SDM Vol. 3A, 3.4.3 "Segment Registers") has no
        ; instruction that reads it. POP DS on the way out reloads it from
        ; the GDT as the GDT is then (challenge 7).
        mov ax, MON_DS
        mov ds, ax
        mov es, ax
        mov ebp, esp                    ; EBP -> struct tf from here on
        cld                             ; the guest may have left DF = 1
        test byte [ebp + tf.cs], 3
        jz monitor_fault                ; a trap in the monitor itself
        cmp dword [ebp + tf.vector], 13
        jne .reflect
        call emulate                    ; #GP: a privileged instruction?
        jnc .resume
.reflect:
        mov eax, [ebp + tf.vector]
        call reflect                    ; the guest's own business
.resume:
        popad
        pop es
        pop ds                          ; reloads the descriptor from the GDT
        add esp, 8                      ; the vector and the error code
        iretd

; SYSENTER from the guest's application arrives here in ring 0 (the
; monitor owns the real IA32_SYSENTER_* MSRs). The CPU saved nothing and
; cleared IF; the application passed its return EIP in EDX and its ESP in
; ECX. The monitor forwards the call to the guest kernel's SYSENTER entry,
; as recorded by its WRMSRs, in ring 1 (SDM Vol. 2B, SYSENTER). DS still
; holds the application's selector, so vcpu is read through SS.
sysenter_entry:
        push dword GUEST_KDS            ; SS: the guest kernel's stack
        push dword [ss:vcpu.sysenter_esp]
        pushfd                          ; EFLAGS as SYSENTER left them: IF = 0
        push dword GUEST_KCS
        push dword [ss:vcpu.sysenter_eip]
        iretd

; ---------------------------------------------------------------------------
; Emulation of the guest kernel's privileged instructions.
; ---------------------------------------------------------------------------

; emulate: the #GP at tf.eip; emulate the instruction there if it is a
; privileged instruction of the guest kernel. Returns CF = 0 with tf.eip
; past it, or CF = 1 to reflect the #GP to the guest.
; This monitor assumes the guest's flat segments (base 0): an offset is a
; linear address, and segment-override prefixes change nothing.
emulate:
        test byte [ebp + tf.cs], 2      ; RPL 3: the application's #GP is
        jnz .refuse                     ;   the guest kernel's to handle
        cmp dword [ebp + tf.error], 0   ; privileged instructions fault with
        jne .refuse                     ;   error code 0 (SDM Vol. 3A, 6.15, "Interrupt 13")
        mov esi, [ebp + tf.eip]         ; CS base 0: EIP is the linear address
.prefix:
        lodsb
        cmp al, 0x26                    ; ES:
        je .prefix
        cmp al, 0x2E                    ; CS:
        je .prefix
        cmp al, 0x36                    ; SS:
        je .prefix
        cmp al, 0x3E                    ; DS:
        je .prefix
        mov ebx, one_byte_ops
        cmp al, 0x0F
        jne .lookup
        lodsb
        mov ebx, two_byte_ops
.lookup:
        movzx eax, al
.row:
        cmp dword [ebx], -1
        je .refuse
        cmp [ebx], eax
        je .found
        add ebx, 8
        jmp .row
.found:
        call [ebx + 4]                  ; ESI -> the byte after the opcode
        jc .refuse
        mov [ebp + tf.eip], esi         ; ESI -> where the guest resumes
        ret
.refuse:
        stc
        ret

; The instructions this monitor emulates (SDM Vol. 2D, Appendix A "Opcode
; Map"), as (opcode, handler) rows. A handler gets ESI past the opcode,
; returns ESI where the guest resumes, and CF = 1 to refuse.
one_byte_ops:
        dd 0xFA, emu_cli                ; CLI
        dd 0xFB, emu_sti                ; STI
        dd 0xF4, emu_hlt                ; HLT
        dd 0xE4, emu_in_imm8            ; IN AL, imm8
        dd 0xEC, emu_in_dx              ; IN AL, DX
        dd 0xE6, emu_out_imm8           ; OUT imm8, AL
        dd 0xEE, emu_out_dx             ; OUT DX, AL
        dd -1
two_byte_ops:                           ; after 0Fh
        dd 0x01, emu_group7             ; LGDT, LIDT
        dd 0x20, emu_mov_from_cr        ; MOV r32, CRn
        dd 0x22, emu_mov_to_cr          ; MOV CRn, r32
        dd 0x30, emu_wrmsr              ; WRMSR
        dd 0x32, emu_rdmsr              ; RDMSR
        dd 0x35, emu_sysexit            ; SYSEXIT
        dd -1

; CLI and STI fault at CPL 1 because CPL > IOPL (SDM Vol. 3A, 6.8.1
; "Masking Maskable Hardware Interrupts"). The guest's IF is the real IF:
; the monitor changes it in the frame and IRET loads it. A timer interrupt
; that arrives while the guest has IF = 0 waits in the interrupt controller
; and is delivered as soon as the emulated STI's IRET sets IF.
emu_cli:
        and dword [ebp + tf.eflags], ~EFL_IF    ; AND clears CF
        ret
emu_sti:
        or dword [ebp + tf.eflags], EFL_IF      ; OR clears CF
        ret

; HLT with IF = 0 halts the virtual CPU for good: the monitor stops the
; machine. With IF = 1 the guest waits for an interrupt; this monitor
; simply lets it continue (a monitor with several guests would run
; another one).
emu_hlt:
        test dword [ebp + tf.eflags], EFL_IF
        jz monitor_halt
        clc
        ret

; IN and OUT fault when CPL > IOPL and the port's bit in the TSS's I/O
; permission bit map is set (SDM Vol. 1, 19.5.2 "I/O Permission Bit
; Map"). This monitor gives its single guest the real devices: it performs
; the access on the guest's behalf.
emu_in_imm8:
        lodsb
        movzx edx, al
        jmp emu_in
emu_in_dx:
        movzx edx, word [ebp + tf.edx]
emu_in:
        in al, dx
        mov [ebp + tf.eax], al
        clc
        ret
emu_out_imm8:
        lodsb
        movzx edx, al
        jmp emu_out
emu_out_dx:
        movzx edx, word [ebp + tf.edx]
emu_out:
        mov al, [ebp + tf.eax]
        out dx, al
        clc
        ret

; 0F 01 /2 LGDT m, /3 LIDT m: load the guest's virtual GDTR or IDTR
; (SDM Vol. 3A, 2.4 "Memory-Management Registers"). The real ones stay
; the monitor's. (SGDT /0 and SIDT /1 do not fault at CPL 1: the guest
; reads the monitor's registers, challenge 3.)
emu_group7:
        lodsb                           ; ModRM
        mov bl, al
        call modrm_address              ; EDI = the operand's linear address
        jc .refuse
        movzx eax, word [edi]           ; limit
        mov edx, [edi + 2]              ; base
        mov cl, bl
        shr cl, 3
        and cl, 7                       ; ModRM.reg selects the instruction
        cmp cl, 3
        je .lidt
        cmp cl, 2
        jne .refuse
        mov [vcpu.gdt_limit], eax       ; LGDT
        mov [vcpu.gdt_base], edx
        push esi
        call shadow_gdt
        pop esi
        clc
        ret
.lidt:
        mov [vcpu.idt_limit], eax       ; the IDT reflect() reads
        mov [vcpu.idt_base], edx
        clc
        ret
.refuse:
        stc
        ret

; modrm_address: BL = ModRM, ESI -> after it. EDI = the memory operand's
; offset, ESI past the displacement; CF = 1 for forms not decoded.
; ModRM (SDM Vol. 2A, 2.1.5 "Addressing-Mode Encoding of ModR/M and SIB
; Bytes"):   7-6 mod   5-3 reg   2-0 r/m
; This monitor decodes mod = 00 only: [disp32] (r/m = 101) and [reg].
modrm_address:
        test bl, 0xC0
        jnz .refuse                     ; mod != 00
        movzx eax, bl
        and eax, 7
        cmp eax, 5
        je .disp32
        cmp eax, 4
        je .refuse                      ; a SIB byte follows
        call gpr_slot
        mov edi, [edi]
        clc
        ret
.disp32:
        lodsd
        mov edi, eax
        clc
        ret
.refuse:
        stc
        ret

; gpr_slot: EAX = a register number (0 EAX, 1 ECX, 2 EDX, 3 EBX, 4 ESP,
; 5 EBP, 6 ESI, 7 EDI) -> EDI = where the frame keeps the guest's value.
; PUSHAD stored them in reverse order, at (7 - n) * 4.
gpr_slot:
        cmp eax, 4
        je .esp
        neg eax
        lea edi, [ebp + eax*4 + 28]
        clc
        ret
.esp:
        lea edi, [ebp + tf.esp]
        clc
        ret

; 0F 20 /r MOV r32, CRn and 0F 22 /r MOV CRn, r32 (SDM Vol. 3A, 2.5
; "Control Registers"): the guest reads and writes its virtual control
; registers; the real ones stay the monitor's (a monitor with shadow page
; tables would act on CR3 here: a lab). ModRM.reg = n, ModRM.r/m = r32.
emu_mov_from_cr:
        call cr_operands
        jc .refuse
        mov eax, [vcpu.cr + ecx*4]
        mov [edi], eax
        clc
        ret
.refuse:
        stc
        ret
emu_mov_to_cr:
        call cr_operands
        jc .refuse
        mov eax, [edi]
        mov [vcpu.cr + ecx*4], eax
        clc
        ret
.refuse:
        stc
        ret
cr_operands:                            ; -> ECX = n, EDI = the GPR's slot
        lodsb
        movzx ecx, al
        shr ecx, 3
        and ecx, 7
        cmp ecx, 1
        je .refuse                      ; there is no CR1
        cmp ecx, 4
        ja .refuse
        movzx eax, al
        and eax, 7
        jmp gpr_slot
.refuse:
        stc
        ret

; 0F 30 WRMSR and 0F 32 RDMSR, ECX = the MSR, EDX:EAX = the value: the
; guest's SYSENTER MSRs are virtual (vcpu.sysenter_*); the real ones send
; SYSENTER to the monitor.
emu_wrmsr:
        call msr_slot
        jc .refuse
        mov eax, [ebp + tf.eax]
        mov [edi], eax
        clc
        ret
.refuse:
        stc
        ret
emu_rdmsr:
        call msr_slot
        jc .refuse
        mov eax, [edi]
        mov [ebp + tf.eax], eax
        mov dword [ebp + tf.edx], 0
        clc
        ret
.refuse:
        stc
        ret
msr_slot:
        mov eax, [ebp + tf.ecx]
        sub eax, IA32_SYSENTER_CS
        cmp eax, 2
        ja .refuse
        lea edi, [vcpu.sysenter_cs + eax*4]
        clc
        ret
.refuse:
        stc
        ret

; 0F 35 SYSEXIT faults unless CPL = 0 (SDM Vol. 2B, SYSEXIT): the monitor
; does what it would have done: CS = IA32_SYSENTER_CS + 16 and SS =
; IA32_SYSENTER_CS + 24, both RPL 3, EIP = EDX, ESP = ECX. The guest's
; selectors name the same slots in the monitor's GDT.
emu_sysexit:
        mov eax, [vcpu.sysenter_cs]
        test eax, 0xFFFC
        jz .refuse                      ; #GP(0) for the guest
        add eax, 16
        or eax, 3
        mov [ebp + tf.cs], eax
        add eax, 8
        mov [ebp + tf.ss], eax
        mov eax, [ebp + tf.ecx]
        mov [ebp + tf.esp], eax
        mov esi, [ebp + tf.edx]         ; the guest resumes at EDX
        clc
        ret
.refuse:
        stc
        ret

; shadow_gdt: after the guest's LGDT, copy its descriptors 1..7 into the
; monitor's GDT, compressed as the guest must run (SDM Vol. 3A, 3.4.5
; "Segment Descriptors"):
;
;   high dword: 31 base 31:24 | G D/B L AVL | limit 19:16 | P DPL S type | base 23:16 0
;                                 bit 23                      15 14:13 12
;
; ring compression: DPL 0 becomes DPL 1, so the guest kernel can load it
; in ring 1; address-space compression: a page-granular limit above
; GUEST_LIMIT becomes GUEST_LIMIT (this assumes base 0, as flat kernels
; use). System descriptors are not copied.
shadow_gdt:
        mov esi, [vcpu.gdt_base]
        mov ecx, [vcpu.gdt_limit]
        inc ecx
        shr ecx, 3                      ; descriptors in the guest's GDT
        cmp ecx, GUEST_SLOTS
        jbe .count_ok
        mov ecx, GUEST_SLOTS
.count_ok:
        mov ebx, 1
.next:
        cmp ebx, ecx
        jae .done
        mov eax, [esi + ebx*8]
        mov edx, [esi + ebx*8 + 4]
        test edx, 1 << 12               ; S: code or data
        jz .skip
        test edx, 3 << 13               ; DPL 0 -> 1
        jnz .limit
        or edx, 1 << 13
.limit:
        test edx, 1 << 23               ; G: limit in 4 KiB units
        jz .store
        mov edi, edx
        and edi, 0x000F0000
        mov di, ax                      ; EDI = limit 19:0
        cmp edi, GUEST_LIMIT
        jbe .store
        mov ax, GUEST_LIMIT & 0xFFFF
        and edx, ~0x000F0000
        or edx, GUEST_LIMIT & 0x000F0000
.store:
        mov [mon_gdt + ebx*8], eax
        mov [mon_gdt + ebx*8 + 4], edx
.skip:
        inc ebx
        jmp .next
.done:
        ret

; ---------------------------------------------------------------------------
; Reflection: deliver an event to the guest kernel through its own IDT.
; ---------------------------------------------------------------------------

; reflect: EAX = the vector. Do to the guest what the CPU does on delivery
; (SDM Vol. 3A, 6.12.1 "Exception- or Interrupt-Handler Procedures"),
; reading the gate from the guest's virtual IDT:
;   1. the gate: within the IDT limit and present, else the guest shuts down;
;   2. from the application (ring 3), switch to the guest kernel's stack,
;      TSS.SS1:ESP1, and push the application's SS and ESP there;
;   3. push EFLAGS, CS, EIP and the error code, if the vector has one;
;   4. clear TF, NT, RF and VM, and IF for an interrupt gate (SDM Vol. 3A,
;      6.12.1.3 "Flag Usage By Exception- or Interrupt-Handler Procedure");
;   5. resume the guest in its handler, in ring 1.
; The guest's IRET then returns without the monitor. At CPL 1 IRET leaves
; IF as it is (CPL > IOPL, SDM Vol. 2A, IRET): after a handler entered
; through an interrupt gate, the guest keeps IF = 0 until its next STI.
reflect:
        cmp eax, 14
        jne .gate
        mov edx, cr2                    ; #PF: the guest reads CR2 through
        mov [vcpu.cr + 2*4], edx        ;   a trapped MOV, from vcpu.cr
.gate:
        lea ebx, [eax*8 + 7]
        cmp ebx, [vcpu.idt_limit]
        ja guest_shutdown               ; 1. beyond the guest's IDT limit
        mov ebx, [vcpu.idt_base]
        lea ebx, [ebx + eax*8]          ; EBX -> the guest's gate
        test byte [ebx + 5], 0x80
        jz guest_shutdown               ;    not present
        movzx ecx, word [ebx + 6]
        shl ecx, 16
        mov cx, [ebx]                   ; ECX = the handler's offset
        mov edi, [ebp + tf.esp]         ; 2. EDI = the guest's stack pointer
        test byte [ebp + tf.cs], 2
        jz .frame
        mov edi, [mon_tss + 0x0C]       ;    from ring 3: TSS.ESP1
        sub edi, 8
        mov edx, [ebp + tf.esp]
        mov [edi], edx
        mov edx, [ebp + tf.ss]
        mov [edi + 4], edx
.frame:
        sub edi, 12                     ; 3. EIP, CS, EFLAGS
        mov edx, [ebp + tf.eip]
        mov [edi], edx
        mov edx, [ebp + tf.cs]
        mov [edi + 4], edx
        mov edx, [ebp + tf.eflags]
        mov [edi + 8], edx
        cmp eax, 32
        jae .flags
        mov edx, ERROR_CODE_VECTORS
        bt edx, eax
        jnc .flags
        sub edi, 4
        mov edx, [ebp + tf.error]
        mov [edi], edx
.flags:
        mov edx, EFL_TF | EFL_NT | EFL_RF | EFL_VM
        test byte [ebx + 5], 1          ; 4. type 1110b interrupt gate,
        jnz .trap_gate                  ;    1111b trap gate
        or edx, EFL_IF
.trap_gate:
        not edx
        and [ebp + tf.eflags], edx
        mov [ebp + tf.eip], ecx         ; 5. the guest's handler, in ring 1
        mov dword [ebp + tf.cs], GUEST_KCS
        mov [ebp + tf.esp], edi
        mov dword [ebp + tf.ss], GUEST_KDS
        ret

; ---------------------------------------------------------------------------
; Stopping.
; ---------------------------------------------------------------------------
guest_shutdown:                         ; the guest would have triple-faulted
        mov esi, msg_shutdown
        jmp monitor_stop
monitor_fault:                          ; a trap inside the monitor: a bug
        mov esi, msg_fault
monitor_stop:
        mov dx, 0xE9                    ; the debug console
.char:
        lodsb
        test al, al
        jz monitor_halt
        out dx, al
        jmp .char
monitor_halt:                           ; the guest halted with IF = 0
        cli
        hlt
        jmp monitor_halt

msg_shutdown: db "swvmm: the guest shut down (no gate for a reflected event)", 10, 0
msg_fault:    db "swvmm: trap inside the monitor", 10, 0

; ---------------------------------------------------------------------------
; Data.
; ---------------------------------------------------------------------------
align 8
; The virtual CPU: the guest's view of the registers the monitor keeps
; for it.
vcpu:
.idt_limit:     dd 0                    ; the guest's IDTR (LIDT)
.idt_base:      dd 0
.gdt_limit:     dd 0                    ; the guest's GDTR (LGDT)
.gdt_base:      dd 0
.cr:            dd 0x00000011           ; CR0: PE, ET
                dd 0                    ; (CR1)
                dd 0                    ; CR2: set when a #PF is reflected
                dd 0                    ; CR3
                dd 0                    ; CR4
.sysenter_cs:   dd 0                    ; the guest's IA32_SYSENTER_CS
.sysenter_esp:  dd 0                    ;                          _ESP
.sysenter_eip:  dd 0                    ;                          _EIP

guest_boot_eip: dd 0                    ; from EBX at boot
mon_secret:     dd 0x5ec2e75e           ; monitor data the guest must not read (challenge 6)

; seg base, limit (20 bits), access byte (P DPL S type), flags (G D/B L AVL)
%macro SEGMENT 4
        dw (%2) & 0xFFFF
        dw (%1) & 0xFFFF
        db ((%1) >> 16) & 0xFF
        db %3
        db ((%4) << 4) | (((%2) >> 16) & 0xF)
        db ((%1) >> 24) & 0xFF
%endmacro
CODE_DPL0 equ 0x9B                      ; P, S, execute/read, accessed
DATA_DPL0 equ 0x93                      ; P, S, read/write, accessed
FLAGS_4K_32 equ 0xC                     ; G = 1, D/B = 1

align 8
mon_gdt:
        dq 0                                            ; 00h null
        SEGMENT 0, GUEST_LIMIT, CODE_DPL0 | 1 << 5, FLAGS_4K_32 ; 08h guest kernel code, DPL 1
        SEGMENT 0, GUEST_LIMIT, DATA_DPL0 | 1 << 5, FLAGS_4K_32 ; 10h guest kernel data, DPL 1
        SEGMENT 0, GUEST_LIMIT, CODE_DPL0 | 3 << 5, FLAGS_4K_32 ; 18h guest user code, DPL 3
        SEGMENT 0, GUEST_LIMIT, DATA_DPL0 | 3 << 5, FLAGS_4K_32 ; 20h guest user data, DPL 3
        times 3 dq 0                                    ; 28h-38h the guest's (LGDT)
        SEGMENT 0, 0xFFFFF, CODE_DPL0, FLAGS_4K_32      ; 40h monitor code: flat
        SEGMENT 0, 0xFFFFF, DATA_DPL0, FLAGS_4K_32      ; 48h monitor data: flat
        SEGMENT 0, mon_tss_end - mon_tss - 1, 0x89, 0   ; 50h 32-bit TSS, available (base: install_tss)
mon_gdt_end:
mon_gdtr:
        dw mon_gdt_end - mon_gdt - 1
        dd mon_gdt

; The TSS (SDM Vol. 3A, 8.2.1 "Task-State Segment (TSS)"): the stacks for
; entering rings 0 and 1, and the I/O permission bit map, which opens port
; 80H (the measurement marker) to the deprivileged guest and keeps every
; other port trapping.
align 8
mon_tss:
        dd 0                            ; 00h previous task link
        dd mon_stack_top                ; 04h ESP0: the monitor's stack
        dd MON_DS                       ; 08h SS0
        dd 0                            ; 0Ch ESP1: the guest kernel's stack,
        dd GUEST_KDS                    ; 10h SS1    for events from ring 3
        times 0x66 - 0x14 db 0          ; ESP2 ... LDT, T
        dw .iomap - mon_tss             ; 66h I/O map base
.iomap:
        times 0x80 / 8 db 0xFF          ; ports 00h-7Fh: trap
        db 0xFE                         ; port 80h open, 81h-87h trap
        db 0xFF                         ; the byte the CPU reads past the
mon_tss_end:                            ;   last one; ports beyond the limit trap

align 16
        times 1024 dd 0
mon_stack_top:
