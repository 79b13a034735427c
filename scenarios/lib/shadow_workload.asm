; shadow_workload.asm - the guest workload of the memory-virtualization scenarios (m1-memory-*): page tables built, pages touched, PTEs remapped.
;
; The same 32-bit guest-kernel code runs in four places (docs/challenges.md,
; "Memory virtualization"): alone at ring 0 (m1-memory-native), at ring 1
; under the shadow-paging monitor (lib/shadow.asm, m1-memory-shadow), and
; at ring 0 in VMX non-root operation under EPT with 4 KiB and with 2 MiB
; EPT pages (lib/vtx.asm, m1-memory-ept4k, m1-memory-ept2m). Include it in
; the guest kernel's memory entry and `call workload`; it preserves every
; register and needs a stack in the first 4 MiB.
;
; It uses 32-bit paging with 4 KiB pages (SDM Vol. 3A, 4.3 "32-Bit
; Paging"): a page directory and page tables, two entries read per TLB
; miss. Guest-physical memory it uses (all below 4 MiB, which it maps
; one to one, so that the kernel keeps running when paging comes on):
;
;   200000h  WL_PD      its page directory (CR3)
;   201000h  WL_PT_K    page table for linear 0-4 MiB: identity, the kernel
;   202000h  WL_PT_D    page table for linear 4-8 MiB: the workload's pages
;   400000h  WL_FRAMES  WL_PAGES frames, mapped at WL_LA onwards
;   600000h  WL_ALT     WL_REMAPS frames the remapped PTEs point to
;
; The frames lie in guest-physical 4-8 MiB, memory nothing has touched
; before the measured region (and that RAM starts zeroed), so their first
; translations are cold on every platform.
;
;   31                         12 11  9 8 7 6 5 4   3   2   1  0
;  +----------------------------+-----+-+-+-+-+---+---+---+---+--+
;  | page frame (4 KiB aligned) | AVL |G|0|D|A|PCD|PWT|U/S|R/W|P |   a PTE (SDM Vol. 3A, 4.3, Table 4-6)
;  +----------------------------+-----+-+-+-+-+---+---+---+---+--+
;
; Steps (the measured region is 3-6, between the port-80H markers):
;   1. build the page directory and both page tables, WL_PT_D empty;
;   2. load CR3 and set CR0.PG (SDM Vol. 3A, 4.1.1, 4.10.4.1);
;   3. map WL_PAGES pages: one PTE write each (WL_PAGES operations);
;   4. touch each page: page i gets i + 1;
;   5. remap the first WL_REMAPS pages to the WL_ALT frames: one PTE write
;      each (WL_REMAPS operations), each followed by INVLPG, since the TLB
;      may hold the old translation (SDM Vol. 3A, 4.10.4.2 "Recommended
;      Invalidation");
;   6. read every page again and count those that show the frame their
;      PTE names now (a remapped page reads 0 from its fresh frame, the
;      others i + 1), in wl_correct: WL_PAGES when all is well.
;
; Labels here all start with wl_ or WL_, plus workload, ops and observed2.

WL_PAGES    equ 32                  ; pages mapped (and PTE writes in step 4)
WL_REMAPS   equ 16                  ; PTEs rewritten in step 6
WL_PD       equ 0x200000
WL_PT_K     equ 0x201000
WL_PT_D     equ 0x202000
WL_FRAMES   equ 0x400000
WL_ALT      equ 0x600000
WL_LA       equ 0x400000            ; linear address of the first page (PDE 1)
WL_PTE_P    equ 1 << 0              ; present
WL_PTE_RW   equ 1 << 1              ; writable (U/S = 0: supervisor only)
WL_CR0_PG   equ 1 << 31

workload:
	pushad
	cld
	; 1. The page directory: PDE 0 -> WL_PT_K, PDE 1 -> WL_PT_D, the rest
	;    not present (SDM Vol. 3A, 4.3, Table 4-5). WL_PT_K maps linear
	;    0-4 MiB one to one; WL_PT_D starts empty.
	xor eax, eax
	mov edi, WL_PD
	mov ecx, 1024
	rep stosd
	mov edi, WL_PT_D
	mov ecx, 1024
	rep stosd
	mov dword [WL_PD + 0 * 4], WL_PT_K | WL_PTE_RW | WL_PTE_P
	mov dword [WL_PD + 1 * 4], WL_PT_D | WL_PTE_RW | WL_PTE_P
	mov edi, WL_PT_K
	mov eax, WL_PTE_RW | WL_PTE_P
	mov ecx, 1024
.identity:
	stosd
	add eax, 4096
	loop .identity
	; 2. Paging on with these tables. MOV to CR3 flushes the TLB's
	;    entries (SDM Vol. 3A, 4.10.4.1); setting CR0.PG when it is
	;    already 1 (a VT-x guest) changes nothing.
	mov eax, WL_PD
	mov cr3, eax
	mov eax, cr0
	or eax, WL_CR0_PG
	mov cr0, eax

	mov al, 1
	out 0x80, al                    ; the measured region starts
	; 3. Map page i at WL_LA + i * 4 KiB to frame WL_FRAMES + i * 4 KiB.
	;    The PTEs were not present, so no TLB entry can hold them and no
	;    INVLPG is needed (SDM Vol. 3A, 4.10.4.3).
	mov edi, WL_PT_D
	mov eax, WL_FRAMES | WL_PTE_RW | WL_PTE_P
	xor ecx, ecx
.map:
.pte_write:
	mov [edi + ecx * 4], eax        ; a PTE write
	add eax, 4096
	inc ecx
	cmp ecx, WL_PAGES
	jb .map
	; 4. Touch them: page i gets i + 1. Each first access misses the TLB.
	mov ebx, WL_LA
	mov ecx, 1
.touch:
	mov [ebx], ecx
	add ebx, 4096
	inc ecx
	cmp ecx, WL_PAGES + 1
	jb .touch
	; 5. Remap page i (i < WL_REMAPS) to frame WL_ALT + i * 4 KiB, and
	;    invalidate its old translation.
	mov eax, WL_ALT | WL_PTE_RW | WL_PTE_P
	mov ebx, WL_LA
	xor ecx, ecx
.remap:
.pte_rewrite:
	mov [edi + ecx * 4], eax        ; a PTE write
.invlpg:
	invlpg [ebx]
	add eax, 4096
	add ebx, 4096
	inc ecx
	cmp ecx, WL_REMAPS
	jb .remap
	; 6. Read every page: a remapped page must show its fresh WL_ALT
	;    frame (0), the others what step 5 wrote (i + 1).
	mov ebx, WL_LA
	xor ecx, ecx
	xor edx, edx
.check:
	mov eax, [ebx]
	xor esi, esi
	cmp ecx, WL_REMAPS
	jb .compare
	lea esi, [ecx + 1]
.compare:
	cmp eax, esi
	jne .next
	inc edx
.next:
	add ebx, 4096
	inc ecx
	cmp ecx, WL_PAGES
	jb .check
	mov al, 2
	out 0x80, al                    ; the measured region ends
	mov [wl_correct], edx
	popad
	ret

align 8
wl_correct: dq 0                    ; pages that showed the right frame in step 7
ops:        dq WL_PAGES + WL_REMAPS ; the PTE writes of the measured region
observed2:  dq 0                    ; walk references per TLB miss: not
                                    ; measurable in the guest; `vtsim tour`
                                    ; computes them from the walk events
