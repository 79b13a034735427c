; vmexit.asm - VM-exit round-trip benchmark: a minimal hypervisor whose 64-bit guest executes CPUID EXITS times.
;
; Built as a flat binary (nasm -f bin) that vtsim loads at 0x100000 and
; enters in 64-bit mode (vtsim exec --mode long64); see bench/README.md.
; The host does the least a hypervisor can: VMXON, one VMCS whose
; controls come from the TRUE capability MSRs, VMLAUNCH; at each exit it
; reads the exit reason, adds the VM-exit instruction length to GUEST_RIP
; and executes VMRESUME. It does not emulate CPUID (the guest ignores the
; result), so a round trip is the VM exit, about 12 host instructions and
; the VM entry. The guest shares the host's page tables and GDT.
;
; bench/eptviol.asm assembles this file with EPTVIOL defined: EPT on, and
; the guest reads a guest-physical page the EPT leaves not present.
;
; Success prints "bench: ..." on port 0xE9 and writes 0 to port 0xF4
; (vtsim exits with status 1); a failure writes 1 (status 3).

bits 64
org 0x100000

%define EXITS 200000            ; guest iterations, one VM exit each

%ifdef EPTVIOL
HOLE equ 0x800000               ; the guest-physical page EPT leaves out
%endif

; VMCS fields (SDM Vol. 3C, Appendix B).
PIN_BASED_VM_EXEC_CONTROL equ 0x4000
CPU_BASED_VM_EXEC_CONTROL equ 0x4002
SECONDARY_VM_EXEC_CONTROL equ 0x401e
VM_EXIT_CONTROLS equ 0x400c
VM_ENTRY_CONTROLS equ 0x4012
EPT_POINTER equ 0x201a
VM_INSTRUCTION_ERROR equ 0x4400
VM_EXIT_REASON equ 0x4402
VM_EXIT_INSTRUCTION_LEN equ 0x440c
GUEST_PHYSICAL_ADDRESS equ 0x2400
VMCS_LINK_POINTER equ 0x2800
HOST_CR0 equ 0x6c00
HOST_CR3 equ 0x6c02
HOST_CR4 equ 0x6c04
HOST_ES_SELECTOR equ 0x0c00     ; ES CS SS DS FS GS TR: + 2 each
HOST_TR_SELECTOR equ 0x0c0c
HOST_TR_BASE equ 0x6c0a
HOST_GDTR_BASE equ 0x6c0c
HOST_RSP equ 0x6c14
HOST_RIP equ 0x6c16
GUEST_ES_SELECTOR equ 0x0800    ; ES CS SS DS FS GS: + 2 each
GUEST_ES_LIMIT equ 0x4800
GUEST_ES_AR_BYTES equ 0x4814
GUEST_LDTR_AR_BYTES equ 0x4820
GUEST_TR_SELECTOR equ 0x080e
GUEST_TR_LIMIT equ 0x480e
GUEST_TR_AR_BYTES equ 0x4822
GUEST_TR_BASE equ 0x6814
GUEST_GDTR_LIMIT equ 0x4810
GUEST_GDTR_BASE equ 0x6816
GUEST_CR0 equ 0x6800
GUEST_CR3 equ 0x6802
GUEST_CR4 equ 0x6804
GUEST_DR7 equ 0x681a
GUEST_RSP equ 0x681c
GUEST_RIP equ 0x681e
GUEST_RFLAGS equ 0x6820

EXIT_REASON_CPUID equ 10
EXIT_REASON_HLT equ 12
EXIT_REASON_EPT_VIOLATION equ 48

%macro VMW 2                    ; VMWRITE field, value
	mov rax, %2
	mov edx, %1
	vmwrite rdx, rax
%endmacro
%macro VMR 1                    ; RAX := VMREAD field
	mov edx, %1
	vmread rax, rdx
%endmacro

start:
	mov rsp, host_stack_top
	lgdt [gdtr]
	push 0x08
	lea rax, [rel .cs]
	push rax
	retfq
.cs:	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov ax, 0x20
	ltr ax                          ; a host needs TR != 0 (27.2.3)
	mov ecx, 0x3a                   ; IA32_FEATURE_CONTROL: lock, VMX outside SMX
	rdmsr
	test eax, 1
	jnz .locked
	or eax, 5
	wrmsr
.locked:
	mov rax, cr4
	bts rax, 13                     ; CR4.VMXE
	mov cr4, rax
	mov ecx, 0x480                  ; IA32_VMX_BASIC[30:0]: the revision identifier
	rdmsr
	and eax, 0x7fffffff
	mov [vmxon_region], eax
	mov [vmcs_region], eax
	vmxon [vmxon_ptr]
	jbe fail
	vmclear [vmcs_ptr]
	jbe fail
	vmptrld [vmcs_ptr]
	jbe fail

	; Controls: what we want, adjusted by the capability MSRs (A.3).
	mov ecx, 0x48d                  ; IA32_VMX_TRUE_PINBASED_CTLS
	xor ebx, ebx
	call adjust
	VMW PIN_BASED_VM_EXEC_CONTROL, rax
	mov ecx, 0x48e                  ; IA32_VMX_TRUE_PROCBASED_CTLS
%ifdef EPTVIOL
	mov ebx, (1 << 7) | (1 << 31)   ; HLT exiting, activate secondary controls
%else
	mov ebx, 1 << 7                 ; HLT exiting (CPUID always exits)
%endif
	call adjust
	VMW CPU_BASED_VM_EXEC_CONTROL, rax
%ifdef EPTVIOL
	mov ecx, 0x48b                  ; IA32_VMX_PROCBASED_CTLS2
	mov ebx, 1 << 1                 ; enable EPT
	call adjust
	VMW SECONDARY_VM_EXEC_CONTROL, rax
	call ept_build
	VMW EPT_POINTER, ept_pml4 + (6 | (3 << 3)) ; WB, 4-level walk
%endif
	mov ecx, 0x48f                  ; IA32_VMX_TRUE_EXIT_CTLS
	mov ebx, 1 << 9                 ; host address-space size
	call adjust
	VMW VM_EXIT_CONTROLS, rax
	mov ecx, 0x490                  ; IA32_VMX_TRUE_ENTRY_CTLS
	mov ebx, 1 << 9                 ; IA-32e mode guest
	call adjust
	VMW VM_ENTRY_CONTROLS, rax

	; Host state: this code, as it runs now.
	mov rax, cr0
	VMW HOST_CR0, rax
	mov rax, cr3
	VMW HOST_CR3, rax
	mov rax, cr4
	VMW HOST_CR4, rax
	VMW HOST_ES_SELECTOR + 0, 0x10
	VMW HOST_ES_SELECTOR + 2, 0x08  ; CS
	VMW HOST_ES_SELECTOR + 4, 0x10  ; SS
	VMW HOST_ES_SELECTOR + 6, 0x10  ; DS
	VMW HOST_TR_SELECTOR, 0x20
	VMW HOST_TR_BASE, tss
	VMW HOST_GDTR_BASE, gdt
	VMW HOST_RSP, host_stack_top
	VMW HOST_RIP, exit_handler

	; Guest state: a 64-bit guest in the same address space.
	mov rax, cr0
	VMW GUEST_CR0, rax
	mov rax, cr3
	VMW GUEST_CR3, rax
	mov rax, cr4
	VMW GUEST_CR4, rax
	VMW GUEST_DR7, 0x400
	VMW GUEST_RFLAGS, 2
	VMW GUEST_RSP, guest_stack_top
	VMW GUEST_RIP, guest
	VMW VMCS_LINK_POINTER, -1
	xor ecx, ecx
.seg:	movzx eax, word [seg_table + rcx * 4]
	lea edx, [GUEST_ES_SELECTOR + rcx * 2]
	vmwrite rdx, rax
	movzx eax, word [seg_table + rcx * 4 + 2]
	lea edx, [GUEST_ES_AR_BYTES + rcx * 2]
	vmwrite rdx, rax
	mov eax, 0xffffffff
	lea edx, [GUEST_ES_LIMIT + rcx * 2]
	vmwrite rdx, rax
	inc ecx
	cmp ecx, 6
	jb .seg
	VMW GUEST_LDTR_AR_BYTES, 0x10000 ; unusable
	VMW GUEST_TR_SELECTOR, 0x20
	VMW GUEST_TR_AR_BYTES, 0x8b     ; busy 64-bit TSS
	VMW GUEST_TR_LIMIT, 0x67
	VMW GUEST_TR_BASE, tss
	VMW GUEST_GDTR_BASE, gdt
	VMW GUEST_GDTR_LIMIT, gdt_end - gdt - 1

	xor r13d, r13d                  ; round trips counted by the host
	vmlaunch
	jmp fail                        ; only reached if VM entry failed

; EAX := (EBX | allowed-0 settings) & allowed-1 settings of MSR ECX.
adjust:	rdmsr
	or ebx, eax
	and ebx, edx
	mov eax, ebx
	ret

; The hot path: one VM exit per guest iteration.
exit_handler:
	VMR VM_EXIT_REASON
%ifdef EPTVIOL
	cmp eax, EXIT_REASON_EPT_VIOLATION
	jne .other
	; The SDM leaves the VM-exit instruction length undefined for EPT
	; violations (28.2.5): skip the guest's load by its known length,
	; as a hypervisor that decoded it would.
	inc r13d
	VMR GUEST_RIP
	add rax, touch_end - touch
	mov edx, GUEST_RIP
	vmwrite rdx, rax
	vmresume
	jmp fail
%else
	cmp eax, EXIT_REASON_CPUID
	jne .other
	inc r13d
	VMR GUEST_RIP                   ; GUEST_RIP += VM_EXIT_INSTRUCTION_LEN
	mov rbx, rax
	VMR VM_EXIT_INSTRUCTION_LEN
	add rax, rbx
	mov edx, GUEST_RIP
	vmwrite rdx, rax
	vmresume
	jmp fail
%endif
.other:
	cmp eax, EXIT_REASON_HLT
	jne fail
	cmp r13d, EXITS
	jne fail
	mov rsi, msg_ok
	call put_str
	xor eax, eax
	out 0xf4, al
	hlt

fail:	mov rsi, msg_fail
	call put_str
	mov al, 1
	out 0xf4, al
	hlt

; rsi = NUL-terminated string for port 0xE9.
put_str:
	lodsb
	test al, al
	jz .done
	out 0xe9, al
	jmp put_str
.done:	ret

; The guest: EXITS iterations, then HLT.
guest:	mov r12d, EXITS
%ifdef EPTVIOL
	mov ebx, HOLE
guest_loop:
touch:	mov eax, [rbx]                  ; EPT violation: the page is not present
touch_end:
%else
guest_loop:
	xor eax, eax
	cpuid                           ; VM exit
%endif
	dec r12d
	jnz guest_loop
	hlt

%ifdef EPTVIOL
; EPT (SDM Vol. 3C, 29.3.2): guest-physical 0-1 GiB identity-mapped with
; 2 MiB pages (WB, RWX), except the 2 MiB holding HOLE, which an EPT page
; table maps with 4 KiB pages and HOLE's entry not present. The guest's
; paging structures (at the top of RAM) are inside the first GiB.
ept_build:
	mov rax, ept_pdpt + 7
	mov [ept_pml4], rax
	mov rax, ept_pd + 7
	mov [ept_pdpt], rax
	xor ecx, ecx
.pde:	mov rax, rcx
	shl rax, 21
	or rax, 0x80 | 0x30 | 7         ; PS, WB, RWX
	mov [ept_pd + rcx * 8], rax
	inc ecx
	cmp ecx, 512
	jb .pde
	mov rax, ept_pt + 7
	mov [ept_pd + (HOLE >> 21) * 8], rax
	xor ecx, ecx
.pte:	mov rax, rcx
	shl rax, 12
	add rax, (HOLE & ~0x1fffff) | 0x30 | 7
	mov [ept_pt + rcx * 8], rax
	inc ecx
	cmp ecx, 512
	jb .pte
	mov qword [ept_pt + ((HOLE >> 12) & 511) * 8], 0
	ret
%endif

%defstr EXITS_TEXT EXITS
%ifdef EPTVIOL
msg_ok:	db "bench: eptviol ok, ", EXITS_TEXT, " EPT-violation round trips", 10, 0
%else
msg_ok:	db "bench: vmexit ok, ", EXITS_TEXT, " CPUID exits", 10, 0
%endif
msg_fail: db "bench: FAIL: unexpected VM exit, VM-entry failure or count", 10, 0

align 8
seg_table:                              ; selector, access rights (VMCS layout)
	dw 0x10, 0xc093                 ; ES
	dw 0x08, 0xa09b                 ; CS: 64-bit code
	dw 0x10, 0xc093                 ; SS
	dw 0x10, 0xc093                 ; DS
	dw 0x10, 0xc093                 ; FS
	dw 0x10, 0xc093                 ; GS
align 16
gdt:	dq 0
	dq 0x00209a0000000000           ; 0x08: 64-bit code
	dq 0x00cf92000000ffff           ; 0x10: data
	dq 0
	dw 0x67, (tss - $$) & 0xffff    ; 0x20: 64-bit TSS at 0x10xxxx
	db 0x10, 0x89, 0, 0
	dq 0
gdt_end:
gdtr:	dw gdt_end - gdt - 1
	dq gdt
vmxon_ptr: dq vmxon_region
vmcs_ptr:  dq vmcs_region
align 16
tss:	times 0x68 db 0
align 4096
vmxon_region: times 4096 db 0
vmcs_region:  times 4096 db 0
%ifdef EPTVIOL
ept_pml4: times 4096 db 0
ept_pdpt: times 4096 db 0
ept_pd:   times 4096 db 0
ept_pt:   times 4096 db 0
%endif
	times 4096 db 0
host_stack_top:
	times 4096 db 0
guest_stack_top:
