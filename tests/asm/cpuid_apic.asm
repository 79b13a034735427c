; cpuid_apic.asm - CPUID.01H:EDX.APIC follows IA32_APIC_BASE.EN (SDM Vol. 3A, 11.4.3):
; 1 after reset, 0 once the local APIC is globally disabled.
; mode: long64
; exit: 0
bits 64
org 0x100000
	mov eax, 1
	cpuid
	bt edx, 9
	setc al
	add al, '0'
	out 0xe9, al            ; 1: APIC enabled after reset
	mov ecx, 0x1b
	rdmsr
	and eax, ~(1 << 11)     ; globally disable the local APIC
	wrmsr
	mov eax, 1
	cpuid
	bt edx, 9
	setc al
	add al, '0'
	out 0xe9, al            ; 0
	mov al, 10
	out 0xe9, al
	hlt
