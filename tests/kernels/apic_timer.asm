; apic_timer.asm - the local APIC end to end: SVR, the LVT timer one-shot and periodic, EOI, TPR masking, HLT, and an NMI self-IPI with NMI blocking until IRET.
; format: elf
;
; The 8259s are masked, so every interrupt here comes from the local APIC
; (xAPIC registers at FEE00000h, SDM Vol. 3A, 11.4.1, Table 11-1). The
; timer's vector is 30h (priority class 3). Counts of interrupts and HLTs
; are printed, never timer values: those depend on the bus clock and the
; cost model, only their order is architecture (11.5.4).

MB_FLAGS equ 0x00000002

[section .multiboot]
align 4
	dd 0x1badb002, MB_FLAGS, -(0x1badb002 + MB_FLAGS)

%include "lib.inc"
%include "traps.inc"

IA32_APIC_BASE equ 0x1b
APIC equ 0xfee00000
APIC_ID equ APIC + 0x020
APIC_VERSION equ APIC + 0x030
APIC_TPR equ APIC + 0x080
APIC_PPR equ APIC + 0x0a0
APIC_EOI equ APIC + 0x0b0
APIC_SVR equ APIC + 0x0f0
APIC_ISR equ APIC + 0x100       ; 8 registers, 32 vectors each, 10h apart
APIC_IRR equ APIC + 0x200
APIC_ICR_LO equ APIC + 0x300
APIC_ICR_HI equ APIC + 0x310
APIC_LVT_TIMER equ APIC + 0x320
APIC_TIMER_ICR equ APIC + 0x380  ; initial count
APIC_TIMER_CCR equ APIC + 0x390  ; current count
APIC_TIMER_DCR equ APIC + 0x3e0  ; divide configuration

SVR_ENABLE equ 1 << 8           ; APIC software enable (11.9)
LVT_MASKED equ 1 << 16
LVT_PERIODIC equ 1 << 17        ; timer mode 01b (11.5.1, Figure 11-8)
DCR_DIV16 equ 0x3               ; bits 3, 1:0 = 0 11 (Figure 11-10)
DCR_DIV1 equ 0xb                ; 1 11
ICR_DM_NMI equ 4 << 8           ; delivery mode 100b (11.6.1, Figure 11-12)

TIMER_VECTOR equ 0x30
SPURIOUS_VECTOR equ 0x3f
TIMER_BIT equ 1 << (TIMER_VECTOR % 32)   ; its bit in ISR/IRR register 1
TIMER_REG equ (TIMER_VECTOR / 32) * 0x10
PERIODS equ 5

[section .text]
global start
start:
	mov esp, stack_top
	call serial_init
	call traps_init
	expect 0, 0, failed
	mov ecx, TIMER_VECTOR
	mov eax, timer_handler
	call set_gate
	mov ecx, 2
	mov eax, nmi_handler
	call set_gate
	mov al, 0xff                ; OCW1: mask every line of both 8259s
	out 0x21, al
	out 0xa1, al
	print "8259 masks:        master "
	in al, 0x21
	movzx eax, al
	call puthex
	print ", slave "
	in al, 0xa1
	call puthex
	call newline

	mov ecx, IA32_APIC_BASE
	rdmsr
	mov ebx, eax
	print "IA32_APIC_BASE:    "
	call puthex
	print " (base "
	and eax, 0xfffff000
	call puthex
	print ", BSP "
	bt ebx, 8
	setc al
	movzx eax, al
	call putdec
	print ", enabled "
	bt ebx, 11
	setc al
	movzx eax, al
	call putdec
	print `)\n`
	print "APIC ID "
	mov eax, [APIC_ID]
	shr eax, 24
	call putdec
	print ", version register "
	mov eax, [APIC_VERSION]
	call puthex
	call newline
	mov dword [APIC_SVR], SVR_ENABLE | SPURIOUS_VECTOR
	mov dword [APIC_TPR], 0
	print "SVR:               "
	mov eax, [APIC_SVR]
	call puthex
	call newline

	; --- one-shot ---------------------------------------------------
	mov dword [APIC_TIMER_DCR], DCR_DIV16
	mov dword [APIC_LVT_TIMER], TIMER_VECTOR
	mov dword [APIC_TIMER_ICR], 100000
	mov ebx, [APIC_TIMER_CCR]
	mov ecx, 10000              ; a while: the count drops every 16 bus clocks
.delay:
	loop .delay
	mov ecx, [APIC_TIMER_CCR]
	print "one-shot, divide by 16, initial count 100000: LVT "
	mov eax, [APIC_LVT_TIMER]
	call puthex
	print ", current count decreasing: "
	cmp ecx, ebx
	jae .not_down
	cmp ebx, 100000
	ja .not_down
	print `yes\n`
	jmp .wait_one
.not_down:
	print `no\n`
.wait_one:
	call wait_tick
	print "  HLTs "
	mov eax, [hlts]
	call putdec
	print ", interrupts "
	mov eax, [ticks]
	call putdec
	print ", in the handler ISR bit "
	mov eax, [isr_before]
	call putdec
	print ", after EOI "
	mov eax, [isr_after]
	call putdec
	print ", current count now "
	mov eax, [APIC_TIMER_CCR]
	call putdec
	call newline

	; --- periodic ---------------------------------------------------
	mov dword [ticks], 0
	mov dword [hlts], 0
	mov dword [reloaded], 0
	mov dword [APIC_TIMER_DCR], DCR_DIV1
	mov dword [APIC_LVT_TIMER], LVT_PERIODIC | TIMER_VECTOR
	mov dword [APIC_TIMER_ICR], 50000
.period:
	call wait_tick
	cmp dword [APIC_TIMER_CCR], 0   ; reloaded, counting again
	je .stopped
	inc dword [reloaded]
.stopped:
	cmp dword [ticks], PERIODS
	jb .period
	mov dword [APIC_LVT_TIMER], LVT_MASKED | LVT_PERIODIC | TIMER_VECTOR
	mov dword [APIC_TIMER_ICR], 0   ; stop
	print "periodic, divide by 1, initial count 50000: interrupts "
	mov eax, [ticks]
	call putdec
	print ", HLTs "
	mov eax, [hlts]
	call putdec
	print ", current count reloaded (> 0) after "
	mov eax, [reloaded]
	call putdec
	print " of them; stopped: current count "
	mov eax, [APIC_TIMER_CCR]
	call putdec
	call newline

	; --- TPR --------------------------------------------------------
	; A vector is delivered only if its class (bits 7:4) is above PPR's
	; (11.8.3.1). TPR 30h holds back vector 30h in IRR; TPR 20h lets it in.
	mov dword [ticks], 0
	mov dword [APIC_TPR], 0x30
	mov dword [APIC_LVT_TIMER], TIMER_VECTOR
	mov dword [APIC_TIMER_DCR], DCR_DIV1
	mov dword [APIC_TIMER_ICR], 1000
	sti
.poll:
	test dword [APIC_IRR + TIMER_REG], TIMER_BIT
	jz .poll
	print "TPR 0x30, IF 1:    vector 0x30 in IRR "
	mov eax, [APIC_IRR + TIMER_REG]
	and eax, TIMER_BIT
	setnz al
	movzx eax, al
	call putdec
	print ", PPR "
	mov eax, [APIC_PPR]
	call puthex
	print ", interrupts "
	mov eax, [ticks]
	call putdec
	call newline
	mov dword [APIC_TPR], 0x20
	mov ecx, 1000               ; the interrupt comes at once
.wait_tpr:
	cmp dword [ticks], 0
	loope .wait_tpr
	mov ebx, [ticks]
	print "TPR 0x20:          interrupts "
	mov eax, ebx
	call putdec
	print ", IRR bit "
	mov eax, [APIC_IRR + TIMER_REG]
	and eax, TIMER_BIT
	setnz al
	movzx eax, al
	call putdec
	print ", PPR "
	mov eax, [APIC_PPR]
	call puthex
	call newline
	mov dword [APIC_TPR], 0

	; --- NMI --------------------------------------------------------
	; An NMI IPI to this APIC's own ID; its handler sends a second one,
	; which waits while NMIs are blocked until the IRET (SDM Vol. 3A,
	; 6.7.1), then runs at once.
	cli
	mov eax, [APIC_ID]
	mov [APIC_ICR_HI], eax
	mov dword [APIC_ICR_LO], ICR_DM_NMI
	mov ebx, [nmis]
	print "NMI IPI, IF 0:     NMIs "
	mov eax, ebx
	call putdec
	print ", in the first handler after the second IPI "
	mov eax, [nmis_inside]
	call putdec
	print ", order "
	mov esi, nmi_log
	call puts
	call newline
	print `all steps done\n`
	exit_with 0

failed:
	print `unexpected exception\n`
	exit_with 1

; wait_tick: HLT with IF = 1 until the timer handler has counted one more
; interrupt; counts the HLTs. Returns with IF = 0.
wait_tick:
	push eax
	mov eax, [ticks]
.hlt:
	inc dword [hlts]
	sti                         ; the interrupt shadow covers HLT
	hlt
	cli
	cmp [ticks], eax
	je .hlt
	pop eax
	ret

timer_handler:
	push eax
	inc dword [ticks]
	mov eax, [APIC_ISR + TIMER_REG]
	and eax, TIMER_BIT
	setnz al
	movzx eax, al
	mov [isr_before], eax
	mov dword [APIC_EOI], 0
	mov eax, [APIC_ISR + TIMER_REG]
	and eax, TIMER_BIT
	setnz al
	movzx eax, al
	mov [isr_after], eax
	pop eax
	iretd

nmi_handler:
	push eax
	push ecx
	inc dword [nmis]
	mov eax, [nmis]
	mov ecx, [nmi_log_len]
	add al, '0'
	mov [nmi_log + ecx], al
	inc dword [nmi_log_len]
	cmp dword [nmis], 1
	jne .done
	mov eax, [APIC_ID]
	mov [APIC_ICR_HI], eax
	mov dword [APIC_ICR_LO], ICR_DM_NMI
	mov ecx, 100                ; time for it to arrive, if it could
.spin:
	loop .spin
	mov eax, [nmis]
	mov [nmis_inside], eax
	mov ecx, [nmi_log_len]
	mov byte [nmi_log + ecx], 'i'   ; 'i': the first handler's IRET
	inc dword [nmi_log_len]
.done:
	pop ecx
	pop eax
	iretd

[section .bss]
ticks: resd 1                   ; timer interrupts taken
hlts: resd 1                    ; HLTs executed while waiting
reloaded: resd 1                ; periodic: current count > 0 after an interrupt
isr_before: resd 1              ; the timer's ISR bit in its handler
isr_after: resd 1               ; ... after the EOI
nmis: resd 1                    ; NMI handler entries
nmis_inside: resd 1             ; nmis when the first handler ends
nmi_log_len: resd 1
nmi_log: resb 16                ; handler entries and IRETs, in order
alignb 16
	resb 4096
stack_top:
