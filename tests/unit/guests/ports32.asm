; ports32.asm - fw_cfg, PCI configuration, the UART and pc-testdev through port I/O
; (test_platform.c). prot32, IF=0; results at 8000h:
;   +00 fw_cfg signature (4 bytes)       +04 fw_cfg ID (dword)
;   +08 RAM size (qword)                 +10 CPU count (word)   +12 max CPUs (word)
;   +14 an unknown key's first dword (0) +18 signature read as one dword
;   +1C PCI CONFIG_ADDRESS read back     +20 CONFIG_DATA (dword) +24 CONFIG_DATA (word)
;   +26 a byte read of 0CF8h             +28 testdev dword after byte writes
;   +2C testdev word at 0E1h             +30 UART LSR   +31 divisor latch low, high
;   +33 LCR   +34 loopback: LSR with data ready   +35 the byte received
;   +36 LSR after the read   +37 MSR in loopback with DTR|RTS|OUT1|OUT2 (deltas read out)
;   +38 IIR with FIFOs enabled   +39 scratch register
bits 32
org 0x1000

RESULT equ 0x8000

	; fw_cfg: select a key (16-bit write to 510h), read bytes from 511h.
	mov dx, 0x510
	xor eax, eax                ; key 0: signature
	out dx, ax
	inc dx
	mov edi, RESULT
	mov ecx, 4
	rep insb
	mov dx, 0x510
	mov ax, 1                   ; key 1: ID
	out dx, ax
	inc dx
	mov ecx, 4
	rep insb                    ; edi = RESULT + 8 after this
	dec dx
	mov ax, 3                   ; key 3: RAM size
	out dx, ax
	inc dx
	mov ecx, 8
	rep insb
	dec dx
	mov ax, 5                   ; key 5: CPUs
	out dx, ax
	inc dx
	mov ecx, 2
	rep insb
	dec dx
	mov ax, 0x0f                ; key 0Fh: max CPUs
	out dx, ax
	inc dx
	mov ecx, 2
	rep insb
	dec dx
	mov ax, 0x1234              ; nothing there
	out dx, ax
	inc dx
	in eax, dx
	mov [RESULT + 0x14], eax
	dec dx
	xor eax, eax
	out dx, ax
	inc dx
	in eax, dx                  ; four bytes in one access
	mov [RESULT + 0x18], eax

	; PCI: bus 0, device 0, function 0, register 0 (vendor/device ID).
	mov dx, 0xcf8
	mov eax, 0x80000000
	out dx, eax
	in eax, dx
	mov [RESULT + 0x1c], eax
	mov dx, 0xcfc
	in eax, dx
	mov [RESULT + 0x20], eax
	in ax, dx
	mov [RESULT + 0x24], ax
	mov dx, 0xcf8
	in al, dx
	mov [RESULT + 0x26], al

	; pc-testdev: byte lanes of one 32-bit register.
	mov al, 0x11
	out 0xe0, al
	mov al, 0x22
	out 0xe1, al
	mov al, 0x33
	out 0xe2, al
	mov al, 0x44
	out 0xe3, al
	in eax, 0xe0
	mov [RESULT + 0x28], eax
	in ax, 0xe1
	mov [RESULT + 0x2c], ax

	; UART at 3F8h.
	mov dx, 0x3fd
	in al, dx
	mov [RESULT + 0x30], al     ; LSR: THRE | TEMT
	mov dx, 0x3fb
	mov al, 0x80                ; DLAB
	out dx, al
	mov dx, 0x3f8
	mov al, 0x01                ; divisor 0001h: 115200 baud
	out dx, al
	inc dx
	xor al, al
	out dx, al
	dec dx
	in al, dx
	mov [RESULT + 0x31], al
	inc dx
	in al, dx
	mov [RESULT + 0x32], al
	mov dx, 0x3fb
	mov al, 0x03                ; 8N1, DLAB off
	out dx, al
	in al, dx
	mov [RESULT + 0x33], al
	mov dx, 0x3fc
	mov al, 0x1f                ; loopback, DTR RTS OUT1 OUT2
	out dx, al
	mov dx, 0x3f8
	mov al, 0x5a
	out dx, al                  ; goes to the receiver, not the console
	mov dx, 0x3fd
	in al, dx
	mov [RESULT + 0x34], al
	mov dx, 0x3f8
	in al, dx
	mov [RESULT + 0x35], al
	mov dx, 0x3fd
	in al, dx
	mov [RESULT + 0x36], al
	mov dx, 0x3fe
	in al, dx                   ; deltas from entering loopback ...
	in al, dx                   ; ... are cleared by the first read
	mov [RESULT + 0x37], al
	mov dx, 0x3fc
	xor al, al
	out dx, al
	mov dx, 0x3fa
	mov al, 0xc7                ; FCR: enable and reset FIFOs, trigger 14
	out dx, al
	in al, dx
	mov [RESULT + 0x38], al
	mov dx, 0x3ff
	mov al, 0xa5
	out dx, al
	in al, dx
	mov [RESULT + 0x39], al
	mov dx, 0x3f8
	mov al, 'k'
	out dx, al                  ; loopback off: this one is printed
	hlt
