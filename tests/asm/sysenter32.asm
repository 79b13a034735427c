; sysenter32.asm - SYSENTER from ring 3 to ring 0 and SYSEXIT back, in
; 32-bit protected mode; the MSRs by WRMSR, CPUID's SEP bit first.
; mode: prot32
; exit: 1
bits 32
org 0x100000
	lgdt [gdtr]
	jmp 0x08:.cs
.cs:	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov esp, stack0
	mov eax, 1
	cpuid
	test edx, 1 << 11               ; SEP: SYSENTER/SYSEXIT present
	jz fail
	xor edx, edx
	mov ecx, 0x174                  ; IA32_SYSENTER_CS
	mov eax, 0x08
	wrmsr
	mov ecx, 0x175                  ; IA32_SYSENTER_ESP
	mov eax, stack0
	wrmsr
	mov ecx, 0x176                  ; IA32_SYSENTER_EIP
	mov eax, kernel
	wrmsr
	pushfd                          ; IOPL 3, so ring 3 may use OUT
	or dword [esp], 0x3000
	popfd
	; to ring 3 with SYSEXIT: CS = 0x08 + 16 = 0x18|3, SS = 0x20|3
	mov edx, user
	mov ecx, stack3
	sysexit
user:
	mov ax, ss
	cmp ax, 0x23
	jne fail
	mov eax, 5
	sysenter                        ; -> kernel, CPL 0, ESP = stack0
back:
	cmp eax, 6
	jne fail
	mov al, 'U'
	out 0xe9, al
	mov al, 10
	out 0xe9, al
	mov al, 0
	out 0xf4, al                    ; exit status 1
kernel:
	mov bx, cs
	cmp bx, 0x08
	jne fail
	cmp esp, stack0
	jne fail
	mov al, 'K'
	out 0xe9, al
	mov eax, 6
	mov edx, back
	mov ecx, stack3
	sysexit
fail:
	mov al, '!'
	out 0xe9, al
	hlt

align 8
gdt:	dq 0
	dq 0x00cf9a000000ffff           ; 0x08 ring-0 code
	dq 0x00cf92000000ffff           ; 0x10 ring-0 data
	dq 0x00cffa000000ffff           ; 0x18 ring-3 code
	dq 0x00cff2000000ffff           ; 0x20 ring-3 data
gdtr:	dw $ - gdt - 1
	dd gdt
	times 256 db 0
stack0:
	times 256 db 0
stack3:
