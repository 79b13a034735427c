; pit_cal32.asm - the PIT as calibration loops use it (test_pit.c, guest_calibration).
; prot32, results at 8000h. IF stays 0: no interrupts.
;  1. Counter 2 in mode 0 gated through port 61h: poll OUT2 (port 61h bit 5)
;     until the count of CAL_COUNT expires; TSC before and after at 8000h/8008h.
;  2. Counter 0 in mode 2: two counter-latch reads, 10000 loop iterations
;     apart, at 8010h and 8012h; a read-back status of counter 0 at 8014h.
bits 32
org 0x1000

CAL_COUNT equ 2386              ; 2 ms
RESULT    equ 0x8000

	in al, 0x61
	and al, 0xfc                ; speaker data off, GATE2 low
	out 0x61, al
	mov al, 0xb0                ; counter 2, LSB then MSB, mode 0, binary
	out 0x43, al
	mov al, CAL_COUNT & 0xff
	out 0x42, al
	mov al, CAL_COUNT >> 8
	out 0x42, al
	in al, 0x61
	or al, 0x01                 ; GATE2 high: counting starts
	out 0x61, al
	rdtsc
	mov [RESULT + 0], eax
	mov [RESULT + 4], edx
.poll:
	in al, 0x61
	test al, 0x20               ; OUT2
	jz .poll
	rdtsc
	mov [RESULT + 8], eax
	mov [RESULT + 12], edx

	mov al, 0x34                ; counter 0, LSB then MSB, mode 2
	out 0x43, al
	mov al, 60000 & 0xff        ; count 60000
	out 0x40, al
	mov al, 60000 >> 8
	out 0x40, al
	mov al, 0x00                ; counter latch, counter 0
	out 0x43, al
	in al, 0x40
	mov ah, al
	in al, 0x40
	xchg al, ah
	mov [RESULT + 0x10], ax
	mov ecx, 10000
.spin:
	dec ecx
	jnz .spin
	mov al, 0x00
	out 0x43, al
	in al, 0x40
	mov ah, al
	in al, 0x40
	xchg al, ah
	mov [RESULT + 0x12], ax
	mov al, 0xe2                ; read-back: status only, counter 0
	out 0x43, al
	in al, 0x40
	mov [RESULT + 0x14], al
	hlt
