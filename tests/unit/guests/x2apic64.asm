; x2apic64.asm - x2APIC mode through RDMSR/WRMSR (test_lapic.c, guest_x2apic).
; 64-bit mode. Switches IA32_APIC_BASE to x2APIC (EN|EXTD), enables the APIC
; through the SVR MSR, sends a SELF IPI (MSR 83Fh, vector 60h) and EOIs it
; through MSR 80Bh. Results at 8000h (dwords):
;   +00 IA32_APIC_BASE low after the switch    +04 version (MSR 803h)
;   +08 handler count after the SELF IPI (1)   +0C PPR (MSR 80Ah) in its handler
;   +10 ISR bits 60h-7Fh (MSR 813h) in its handler
;   +14 the xAPIC page after the switch (all ones: no MMIO in x2APIC mode)
;   +18 LDR (MSR 80Dh)                         +1C count after an ICR self IPI (2)
bits 64
org 0x1000

RESULT equ 0x8000

	lidt [idtr]
	mov ecx, 0x1b
	rdmsr
	or eax, 0xc00                       ; EN | EXTD
	wrmsr
	rdmsr
	mov [RESULT + 0x00], eax
	mov ecx, 0x803
	rdmsr
	mov [RESULT + 0x04], eax
	mov ecx, 0x80f                      ; SVR
	mov eax, 0x1ff
	xor edx, edx
	wrmsr
	xor ebx, ebx
	sti
	mov ecx, 0x83f                      ; SELF IPI
	mov eax, 0x60
	xor edx, edx
	wrmsr
	mov [RESULT + 0x08], ebx
	mov esi, 0xfee00000
	mov eax, [rsi + 0x30]
	mov [RESULT + 0x14], eax
	mov ecx, 0x80d
	rdmsr
	mov [RESULT + 0x18], eax
	mov ecx, 0x830                      ; ICR: self shorthand, vector 61h, destination in EDX
	mov eax, 0x40061
	xor edx, edx
	wrmsr
	mov [RESULT + 0x1c], ebx
	cli
	hlt

vec60:
	inc ebx
	push rcx
	push rax
	push rdx
	cmp ebx, 1                          ; record in the first handler only
	jne .eoi
	mov ecx, 0x80a
	rdmsr
	mov [RESULT + 0x0c], eax
	mov ecx, 0x813
	rdmsr
	mov [RESULT + 0x10], eax
.eoi:
	mov ecx, 0x80b                      ; EOI: write 0
	xor eax, eax
	xor edx, edx
	wrmsr
	pop rdx
	pop rax
	pop rcx
	iretq

%macro GATE64 1
	dw (%1 - $$ + 0x1000) & 0xffff
	dw 0x08
	db 0, 0x8e
	dw (%1 - $$ + 0x1000) >> 16
	dd 0
	dd 0
%endmacro

align 16
idt:
	times 0x60 * 2 dq 0
	GATE64 vec60
	GATE64 vec60                        ; 61h: same handler
idt_end:
idtr:
	dw idt_end - idt - 1
	dq idt
