; int.asm - vtsim's integer benchmark: a sieve, a bitwise CRC-32 and a heap sort, repeated.
;
; Built as a flat binary (nasm -f bin) that vtsim loads at 0x100000 and enters
; in 64-bit mode; see bench/README.md. The same source assembled with
; -f elf64 -DNATIVE runs as a Linux program, so the workload's results and its
; exact instruction count can be checked on the host CPU. The only NATIVE
; differences are the data/stack addresses and the bodies of console_putc and
; exit_port (one OUT each here, a system call there).
;
; Every pass checks what is cheap to check (prime count and sum, sortedness,
; the sorted array's element sum) and the final checksum is compared with the
; value the program is known to produce, so a simulator that computes a wrong
; result fails loudly instead of reporting a fast but meaningless MIPS figure.
; A failure prints a message on port 0xE9 and writes a non-zero code to port
; 0xF4; success writes 0, which vtsim turns into process exit status 1.

bits 64

; ---- Tuning ---------------------------------------------------------------
; One pass is about 2.4 million instructions; ITER passes give the run
; length. Changing ITER, the sizes or the LCG changes EXPECTED_CHECKSUM:
; rerun the native build (bench/README.md) and paste the value it prints.
%define ITER              180
%define SIEVE_N           65536       ; sieve flags cover 0 .. SIEVE_N-1
%define SIEVE_PRIMES      6542        ; primes below 65536
%define SIEVE_PRIME_SUM   202288087   ; their sum
%define SORT_N            4096        ; 32-bit keys sorted per pass
%define LCG_SEED          0x2545f4914f6cdd1d
%define EXPECTED_CHECKSUM 0xed1f5178

; Codes written to port 0xF4; vtsim exits with status (code << 1) | 1.
FAIL_SIEVE    equ 1
FAIL_SORTED   equ 2
FAIL_SORT_SUM equ 3
FAIL_CRC      equ 4
FAIL_CHECKSUM equ 5

; ---- Memory layout --------------------------------------------------------
; Code (with its read-only strings) sits in the pages from 0x100000, the stack
; in the page below 0x200000 and all written data from 0x300000: vtsim watches
; stores into pages that hold decoded code (self-modifying code), so keeping
; stores off those pages keeps the benchmark on the fast path. 0x300000 +
; 80 KiB also stays far below the page tables vtsim builds at the top of RAM.
%ifdef NATIVE
	section .bss
	alignb 4096
sieve_flags:	resb SIEVE_N
sort_array:	resd SORT_N
	alignb 16
		resb 16384
native_stack_top:
SIEVE_FLAGS	equ sieve_flags
SORT_ARRAY	equ sort_array
STACK_TOP	equ native_stack_top
	section .text
	global _start
%else
	org 0x100000
SIEVE_FLAGS	equ 0x300000                   ; SIEVE_N bytes, one flag per number
SORT_ARRAY	equ SIEVE_FLAGS + SIEVE_N      ; SORT_N dwords
STACK_TOP	equ 0x200000
%endif

; ---- Main -----------------------------------------------------------------
; r12 = passes left, r13d = running CRC state over every sorted array,
; r14 = LCG state, r15 = sum of the keys before sorting.
_start:
	mov rsp, STACK_TOP             ; vtsim starts long64 guests with RSP = 0

	; The CRC routine must produce the standard check value before its
	; output is trusted as a checksum.
	mov edi, 0xffffffff
	mov rsi, crc_check_input
	mov edx, crc_check_len
	call crc32_update
	not eax
	mov edi, FAIL_CRC
	cmp eax, 0xcbf43926
	jne fail

	mov r13d, 0xffffffff
	mov r14, LCG_SEED
	mov r12d, ITER
.pass:
	call sieve
	mov edi, FAIL_SIEVE
	cmp eax, SIEVE_PRIMES
	jne fail
	cmp rdx, SIEVE_PRIME_SUM
	jne fail

	; Fresh keys each pass: the LCG state carries over, so no two passes
	; sort the same array and the checksum depends on every pass.
	mov rdi, SORT_ARRAY
	mov esi, SORT_N
	mov rdx, r14
	call lcg_fill
	mov r14, rax
	mov r15, rdx

	mov rdi, SORT_ARRAY
	mov esi, SORT_N
	call heap_sort

	; A sort that loses or duplicates keys changes their sum; one that
	; misorders them leaves a descent.
	mov rdi, SORT_ARRAY
	mov esi, SORT_N
	call sum_if_sorted
	mov edi, FAIL_SORTED
	test edx, edx
	jnz fail
	mov edi, FAIL_SORT_SUM
	cmp rax, r15
	jne fail

	mov edi, r13d
	mov rsi, SORT_ARRAY
	mov edx, SORT_N * 4
	call crc32_update
	mov r13d, eax

	dec r12d
	jnz .pass

	not r13d                       ; CRC-32's final inversion
	mov rsi, msg_checksum
	call put_str
	mov edi, r13d
	call put_hex32
	mov al, 10
	call console_putc

	mov edi, FAIL_CHECKSUM
	cmp r13d, EXPECTED_CHECKSUM
	jne fail
	xor eax, eax
	jmp exit_port

; edi = failure code. Says which check failed, then exits with that code.
fail:
	mov ebx, edi
	mov rsi, msg_fail
	call put_str
	mov rsi, [fail_messages + rbx * 8]
	call put_str
	mov eax, ebx
	jmp exit_port

; ---- Sieve of Eratosthenes --------------------------------------------------
; Returns eax = number of primes below SIEVE_N, rdx = their sum.
; Clobbers rcx.
sieve:
	; Mark everything prime, eight flags per store (no REP STOS: the
	; benchmark measures ordinary instructions).
	mov rax, 0x0101010101010101
	xor ecx, ecx
.fill:
	mov [SIEVE_FLAGS + rcx], rax
	add ecx, 8
	cmp ecx, SIEVE_N
	jb .fill
	mov word [SIEVE_FLAGS], 0      ; 0 and 1 are not prime

	; Cross out multiples of each prime p from p*p, while p*p < N.
	mov ecx, 2
.next_p:
	mov eax, ecx
	imul eax, ecx
	cmp eax, SIEVE_N
	jae .count
	cmp byte [SIEVE_FLAGS + rcx], 0
	je .not_prime
.cross:
	mov byte [SIEVE_FLAGS + rax], 0
	add eax, ecx
	cmp eax, SIEVE_N
	jb .cross
.not_prime:
	inc ecx
	jmp .next_p

	; Count with a branch per flag: a data-dependent branch the simulator
	; must get right 65536 times a pass.
.count:
	xor eax, eax
	xor edx, edx
	xor ecx, ecx
.count_next:
	cmp byte [SIEVE_FLAGS + rcx], 0
	je .composite
	inc eax
	add rdx, rcx
.composite:
	inc ecx
	cmp ecx, SIEVE_N
	jb .count_next
	ret

; ---- Pseudo-random keys -----------------------------------------------------
; rdi = array, esi = count (> 0), rdx = LCG state.
; Fills the array with 32-bit keys; returns rax = new state, rdx = key sum.
; Uses Knuth's MMIX LCG and keeps the high half, whose bits have the longest
; periods. Clobbers rcx, rsi, rdi, r8-r10.
lcg_fill:
	mov rax, rdx
	mov r8, 6364136223846793005
	mov r9, 1442695040888963407
	xor r10d, r10d
.next:
	imul rax, r8
	add rax, r9
	mov rcx, rax
	shr rcx, 32
	mov [rdi], ecx
	add r10, rcx
	add rdi, 4
	dec esi
	jnz .next
	mov rdx, r10
	ret

; ---- Heap sort --------------------------------------------------------------
; rdi = array of unsigned dwords, esi = count (> 0). Sorts ascending in place.
; Clobbers rax, rcx, rdx, rsi, r8, r9.
heap_sort:
	push rbx
	push rbp
	mov ebx, esi                   ; n
	mov ebp, esi
	shr ebp, 1                     ; the last parent is n/2 - 1
.heapify:
	test ebp, ebp
	jz .extract_start
	dec ebp
	mov esi, ebp
	mov edx, ebx
	call sift_down
	jmp .heapify
.extract_start:
	mov ebp, ebx
.extract:
	; Move the maximum to the end, shrink the heap and repair its root.
	dec ebp
	jz .done
	mov eax, [rdi]
	mov ecx, [rdi + rbp * 4]
	mov [rdi], ecx
	mov [rdi + rbp * 4], eax
	xor esi, esi
	mov edx, ebp
	call sift_down
	jmp .extract
.done:
	pop rbp
	pop rbx
	ret

; rdi = array, esi = root index, edx = heap size.
; Sinks a[root] until both children are not larger. Moves a hole down instead
; of swapping, so each level costs one store. Keeps rdi; clobbers rax, rcx,
; rsi, r8, r9.
sift_down:
	mov eax, [rdi + rsi * 4]       ; the key being sunk
.level:
	lea r8d, [rsi * 2 + 1]         ; left child
	cmp r8d, edx
	jae .place
	mov ecx, [rdi + r8 * 4]
	lea r9d, [r8 + 1]              ; right child
	cmp r9d, edx
	jae .larger
	cmp [rdi + r9 * 4], ecx
	jbe .larger
	mov r8d, r9d
	mov ecx, [rdi + r8 * 4]
.larger:
	cmp ecx, eax
	jbe .place
	mov [rdi + rsi * 4], ecx
	mov esi, r8d
	jmp .level
.place:
	mov [rdi + rsi * 4], eax
	ret

; rdi = array of unsigned dwords, esi = count (> 0).
; Returns rax = sum of the keys, edx = number of places where a key is smaller
; than the one before it (0 when sorted). Clobbers rcx, rsi, rdi, r8.
sum_if_sorted:
	xor eax, eax
	xor edx, edx
	xor ecx, ecx
.next:
	mov r8d, [rdi]
	add rax, r8
	cmp r8d, ecx
	jae .in_order
	inc edx
.in_order:
	mov ecx, r8d
	add rdi, 4
	dec esi
	jnz .next
	ret

; ---- CRC-32 -----------------------------------------------------------------
; edi = CRC state (0xffffffff to start), rsi = buffer, edx = length in bytes.
; Returns eax = new state (invert it for the CRC-32 value). Calls crc32_byte
; per byte on purpose: it makes CALL/RET a hot path. Clobbers rcx, rdx, rsi.
crc32_update:
	push rbx
	push rbp
	mov eax, edi
	mov rbx, rsi
	mov ebp, edx
	test ebp, ebp
	jz .done
.byte:
	movzx ecx, byte [rbx]
	call crc32_byte
	inc rbx
	dec ebp
	jnz .byte
.done:
	pop rbp
	pop rbx
	ret

; eax = CRC state, cl = next byte; returns the new state in eax.
; Bitwise, reflected polynomial 0xEDB88320 (IEEE 802.3, zlib): the bit shifted
; out decides whether to fold in the polynomial, a branch that is taken about
; half the time. Clobbers rcx.
crc32_byte:
	xor al, cl
	mov ecx, 8
.bit:
	shr eax, 1
	jnc .no_poly
	xor eax, 0xedb88320
.no_poly:
	dec ecx
	jnz .bit
	ret

; ---- Output -----------------------------------------------------------------
; rsi = NUL-terminated string. Clobbers rax, rsi.
put_str:
	movzx eax, byte [rsi]
	test al, al
	jz .done
	call console_putc
	inc rsi
	jmp put_str
.done:
	ret

; edi = value; prints it as eight lowercase hex digits. Clobbers rax, rcx, rdi.
put_hex32:
	mov ecx, 8
.digit:
	rol edi, 4                     ; next nibble, most significant first
	mov eax, edi
	and eax, 0xf
	cmp eax, 10
	jb .decimal
	add eax, 'a' - '0' - 10
.decimal:
	add eax, '0'
	call console_putc
	dec ecx
	jnz .digit
	ret

; al = character for the debug console (Bochs/QEMU port 0xE9).
; Keeps every register.
console_putc:
%ifdef NATIVE
	; NATIVE only: write(1, &al, 1), saving what the system call clobbers.
	push rax
	push rcx
	push rdx
	push rsi
	push rdi
	push r11
	lea rsi, [rsp + 40]            ; the saved RAX; its low byte is AL
	mov edi, 1
	mov edx, 1
	mov eax, 1
	syscall
	pop r11
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rax
%else
	out 0xe9, al
%endif
	ret

; al = exit code for the isa-debug-exit port 0xF4. Does not return.
exit_port:
%ifdef NATIVE
	; NATIVE only: exit((al << 1) | 1), the status vtsim exec would give.
	movzx edi, al
	lea edi, [rdi * 2 + 1]
	mov eax, 60
	syscall
%else
	out 0xf4, al
%endif
.hang:
	hlt                            ; not reached: the port write stops vtsim
	jmp .hang

; ---- Read-only data ---------------------------------------------------------
crc_check_input:	db "123456789"     ; CRC-32 check value 0xcbf43926
crc_check_len		equ $ - crc_check_input
msg_checksum:		db "bench: checksum 0x", 0
msg_fail:		db "bench: FAIL ", 0
msg_fail_sieve:		db "sieve found the wrong primes", 10, 0
msg_fail_sorted:	db "heap sort left the keys out of order", 10, 0
msg_fail_sort_sum:	db "heap sort lost or duplicated keys", 10, 0
msg_fail_crc:		db "CRC-32 of '123456789' is not 0xcbf43926", 10, 0
%defstr EXPECTED_TEXT EXPECTED_CHECKSUM
msg_fail_checksum:	db "checksum differs from ", EXPECTED_TEXT, 10, 0
	align 8
fail_messages:		dq 0, msg_fail_sieve, msg_fail_sorted, msg_fail_sort_sum
			dq msg_fail_crc, msg_fail_checksum
