; rom.asm - a 256 KiB firmware image for `vtsim boot --bios`: the reset vector, and both places a PC maps the ROM.
; format: rom
;
; The CPU leaves reset in real mode with CS base FFFF0000h and IP FFF0h
; (SDM Vol. 3A, 10.1.4): the last 16 bytes of the image, mapped to end at
; 4 GiB. The last 128 KiB of the image also appear at E0000h-FFFFFh, so
; DS = F000h reaches the same bytes as CS, and DS = E000h the image's
; offset 20000h. Writes to the ROM are dropped. The code stays in real
; mode and never far-jumps: CS keeps its reset base throughout.

ROM_SIZE equ 0x40000
COM1 equ 0x3f8
EXIT_PORT equ 0xf4

[section .low vstart=0]         ; image offsets 0-2FFFFh
	times 0x20000 db 0xff
low_sig:                        ; image offset 20000h: E0000h below 1 MiB
	db "the start of the 128 KiB window", 0
	times 0x30000 - ($ - $$) db 0xff

[section .top follows=.low vstart=0] ; image offsets 30000h-3FFFFh = CS offsets 0-FFFFh
bits 16
main:
	cli
	mov ax, 0xf000              ; DS: the low view of this 64 KiB
	mov ds, ax
	xor ax, ax
	mov ss, ax
	mov sp, 0x7000
	call serial_init
	mov si, msg_hello
	call puts

	mov si, msg_cs              ; CS and the low view hold the same bytes
	call puts
	mov si, sig_top
	mov di, sig_top
	mov cx, sig_top_len
.cmp:
	mov al, [cs:si]
	cmp al, [ds:di]
	jne .differ
	inc si
	inc di
	loop .cmp
	mov si, msg_same
	jmp .said
.differ:
	mov si, msg_differ
.said:
	call puts

	mov si, msg_window          ; E000:0000 is image offset 20000h
	call puts
	push ds
	mov ax, 0xe000
	mov ds, ax
	mov si, 0
	call putquoted
	pop ds
	call newline

	mov si, msg_write           ; writes to the ROM are dropped
	call puts
	mov byte [sig_top], 'X'
	cmp byte [sig_top], 'X'
	je .written
	mov si, msg_dropped
	jmp .told
.written:
	mov si, msg_kept
.told:
	call puts

	mov si, msg_ram             ; RAM below the ROM works
	call puts
	push ds
	xor ax, ax
	mov ds, ax
	mov word [0x1000], 0xbeef
	cmp word [0x1000], 0xbeef
	pop ds
	jne .ram_bad
	mov si, msg_ok
	jmp .ram_said
.ram_bad:
	mov si, msg_bad
.ram_said:
	call puts
	mov al, 0x42
	out EXIT_PORT, al
	hlt

; The usual 16550 set-up: 115200 8N1, FIFOs, DTR + RTS + OUT2.
serial_init:
	mov dx, COM1 + 1
	mov al, 0
	out dx, al
	mov dx, COM1 + 3
	mov al, 0x80
	out dx, al
	mov dx, COM1
	mov al, 1
	out dx, al
	mov dx, COM1 + 1
	mov al, 0
	out dx, al
	mov dx, COM1 + 3
	mov al, 0x03
	out dx, al
	mov dx, COM1 + 2
	mov al, 0xc7
	out dx, al
	mov dx, COM1 + 4
	mov al, 0x0b
	out dx, al
	ret

; putc: AL to COM1 once the transmitter is empty (keeps DX).
putc:
	push dx
	push ax
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	pop ax
	mov dx, COM1
	out dx, al
	pop dx
	ret

; puts: the string at DS:SI.
puts:
	push ax
	push si
.next:
	lodsb
	test al, al
	jz .done
	call putc
	jmp .next
.done:
	pop si
	pop ax
	ret

putquoted:
	mov al, '"'
	call putc
	call puts
	mov al, '"'
	jmp putc

newline:
	mov al, 10
	jmp putc

msg_hello: db "reset vector reached: real mode, CS base 0xFFFF0000", 10, 0
msg_cs: db "F000:xxxx and CS:xxxx show ", 0
msg_same: db "the same bytes", 10, 0
msg_differ: db "different bytes", 10, 0
msg_window: db "E000:0000 holds ", 0
msg_write: db "a write to the ROM is ", 0
msg_dropped: db "dropped", 10, 0
msg_kept: db "kept (wrong: ROM is read-only)", 10, 0
msg_ram: db "RAM at 0000:1000 ", 0
msg_ok: db "works", 10, 0
msg_bad: db "does not work", 10, 0
sig_top: db "vtsim test firmware"
sig_top_len equ $ - sig_top
	db 0

	times 0xfff0 - ($ - $$) db 0xff
reset:                          ; FFFFFFF0h
	jmp main
	times 0x10000 - ($ - $$) db 0xff
