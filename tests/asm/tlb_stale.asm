; tlb_stale.asm - cached translations outlive the page tables until they are
; invalidated, as SDM Vol. 3A, 4.10.4.2 says software must expect:
;  1. a PTE remapped without INVLPG still translates to the old page;
;     INVLPG makes the new mapping visible;
;  2. a global page (G=1, CR4.PGE=1) survives MOV CR3; a non-global one not;
;  3. with CR4.PCIDE=1, a no-flush MOV CR3 (bit 63) back to a PCID finds
;     that PCID's old entries.
; Prints one letter per check: S = stale (old page), N = new page.
; mode: long64
; requires: tlb-caching
; exit: 0
bits 64
org 0x100000

%define PML4 0x20000
%define PDPT 0x21000
%define PD   0x22000
%define PT   0x23000
%define PAGEA 0x50000       ; holds 'S' (the old page)
%define PAGEB 0x51000       ; holds 'N' (the new page)
%define LA   0x400000       ; PD[2] -> PT, PT[0] -> the page
%define PTE0 (PT + 0)

start:
	mov rsp, 0x90000
	; tables: identity 0-2 MiB with one 2 MiB page, LA through a 4 KiB PTE
	mov rdi, PML4
	xor eax, eax
	mov ecx, 4 * 512
	rep stosq
	mov qword [PML4], PDPT | 3
	mov qword [PDPT], PD | 3
	mov qword [PD], 0x83            ; 0-2 MiB, PS
	mov qword [PD + 8 * 2], PT | 3
	mov qword [PTE0], PAGEA | 3
	mov byte [PAGEA], 'S'
	mov byte [PAGEB], 'N'
	mov rax, PML4
	mov cr3, rax

	; 1. stale after a PTE change, fresh after INVLPG
	mov al, [LA]                    ; caches LA -> PAGEA
	mov qword [PTE0], PAGEB | 3     ; remap, no invalidation
	mov al, [LA]
	out 0xe9, al                    ; S
	invlpg [LA]
	mov al, [LA]
	out 0xe9, al                    ; N

	; 2. global pages survive MOV CR3, others do not
	mov rax, cr4
	or rax, 1 << 7                  ; CR4.PGE (flushes everything)
	mov cr4, rax
	mov qword [PTE0], PAGEA | 3 | 0x100   ; G=1
	invlpg [LA]
	mov al, [LA]                    ; cache a global translation -> PAGEA
	mov qword [PTE0], PAGEB | 3
	mov rax, cr3
	mov cr3, rax                    ; non-global entries go, this one stays
	mov al, [LA]
	out 0xe9, al                    ; S
	mov qword [PTE0], PAGEA | 3     ; G=0 now, but the cached one is global
	invlpg [LA]
	mov al, [LA]                    ; cached as non-global -> PAGEA
	mov qword [PTE0], PAGEB | 3
	mov rax, cr3
	mov cr3, rax
	mov al, [LA]
	out 0xe9, al                    ; N

	; 3. PCIDs: entries of PCID 1 survive a switch to PCID 2 and a
	;    no-flush switch back
	mov rax, cr4
	and rax, ~(1 << 7)              ; PGE off (flushes everything)
	mov cr4, rax
	mov rax, cr4
	or rax, 1 << 17                 ; CR4.PCIDE (CR3[11:0] is 0)
	mov cr4, rax
	mov qword [PTE0], PAGEA | 3
	mov rax, PML4 | 1
	mov cr3, rax                    ; PCID 1
	mov al, [LA]                    ; cached for PCID 1 -> PAGEA
	mov qword [PTE0], PAGEB | 3
	mov rax, PML4 | 2
	mov cr3, rax                    ; PCID 2: walks afresh
	mov al, [LA]
	out 0xe9, al                    ; N
	mov rax, (1 << 63) | PML4 | 1
	mov cr3, rax                    ; back to PCID 1 without flushing it
	mov al, [LA]
	out 0xe9, al                    ; S
	mov rax, PML4 | 1
	mov cr3, rax                    ; flushing PCID 1
	mov al, [LA]
	out 0xe9, al                    ; N
	mov al, 10
	out 0xe9, al
	hlt
