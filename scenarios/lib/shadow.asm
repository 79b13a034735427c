; shadow.asm - swvmm.asm with shadow paging: the monitor keeps the page tables the processor walks, the guest kernel keeps its own.
;
; Before EPT, a monitor could not let a deprivileged guest kernel load
; CR3 with its own page tables: they map guest-physical addresses, hold
; no mapping for the monitor, and would let the guest map any memory. So
; the guest's tables are only a description, and the monitor builds from
; them the tables the processor really uses, the *shadow* page tables:
;
;    guest's view                        what the processor walks
;    vcpu CR3 -> guest PD -> guest PT    CR3 -> shadow PD -> shadow PT
;                 (guest memory)                (monitor memory)
;
; Four events keep the two in step, each one a trap into the monitor:
;
;   MOV to CR3, CR0.PG   #GP at CPL 1 (shadow_mov_to_cr): the monitor
;                        starts a new, empty shadow and write-protects
;                        the guest's page directory and page tables
;                        (reset_shadow)
;   hidden page fault    #PF on an address the guest maps but the shadow
;                        does not yet: the monitor copies the guest's
;                        entry into the shadow (fill_shadow) and the
;                        guest never sees the fault
;   PTE write            #PF on a write-protected page of the guest's
;                        page tables: the monitor performs the store and
;                        propagates the new entry to the shadow
;                        (emulate_pt_write)
;   INVLPG               #GP at CPL 1: the monitor drops the shadow entry
;                        and invalidates the real TLB (shadow_group7)
;
; A page fault that the guest's own tables would cause is reflected to
; the guest kernel as swvmm.asm reflects any exception.
;
; This file includes swvmm.asm and changes it only through its tables:
; vector_stubs[14] (the #PF gate) and the two_byte_ops rows for 0F 01
; (INVLPG joins LGDT and LIDT) and 0F 22 (MOV to CRn). Everything else,
; the boot protocol included, is swvmm.asm's; the scenario's entry point
; is shadow_start, which patches the tables, builds the monitor's page
; tables and jumps to swvmm.asm's start.
;
; Paging (SDM Vol. 3A, chapter 4). The guest uses 32-bit paging with
; 4 KiB pages (4.3): its virtual CR4.PSE is 0, so bit 7 of its PDEs is
; ignored and every PDE names a page table. The monitor uses 32-bit paging
; too, with CR4.PSE = 1 for the 4 MiB pages of guest-physical mode and
; CR0.WP = 1, so that a write-protected shadow PTE stops the guest kernel
; at CPL 1 as well (4.6.1 "Determination of Access Rights": with WP = 0
; supervisor-mode writes ignore R/W, and rings 0-2 are all supervisor).
; One consequence: the guest kernel cannot write to pages its own tables
; mark read-only, as if its CR0.WP were 1.
;
; Memory. Guest-physical addresses are host-physical addresses below
; GUEST_MEM; the monitor refuses guest PTEs that map anything above,
; which is where it lives (MON_PA) and what the loader keeps.
;
;   physical  0 .. GUEST_MEM    the guest's memory
;             MON_PA .. +4 MiB  this monitor, at linear MON_VA (FFC00000h)
;
;   linear FFC00000h  swvmm.asm's IDT, code, GDT, TSS, stack, vcpu; then
;                     this file's code and data, the monitor's page table
;                     mon_pt, the guest-physical-mode directory flat_pd, the
;                     shadow directory shadow_pd and a pool of SPT_COUNT
;                     shadow page tables
;          FFFFF000h  WINDOW_VA: one page through which the monitor reads
;                     and writes guest-physical memory (window_map)
;
; Every page directory the processor uses here (flat_pd, shadow_pd) has
; mon_pt in its last entry, so the monitor is mapped in every address
; space, as swvmm.asm needs; the guest's segment limits keep it out.
;
; Scenario: the monitor's memory entry is
;       - at: 0x800000            # MON_PA
;         va: 0xffc00000
;         asm: |
;           %include "../lib/shadow.asm"
; with machine.entry: shadow_start, registers rbx/rcx as swvmm.asm wants,
; and a paging: section that maps MON_VA to MON_PA (used until
; shadow_start loads the monitor's own tables). %define SHADOW_TOUR first
; to name the count of emulated PTE writes `observed` (docs/challenges.md).

%include "../lib/swvmm.asm"

%ifndef MON_PA
MON_PA          equ 0x800000            ; where the scenario loads this monitor
%endif
GUEST_MEM       equ MON_PA              ; guest-physical memory: 0 .. GUEST_MEM
SPT_COUNT       equ 32                  ; shadow page tables in the pool
WINDOW_VA       equ 0xFFFFF000          ; the guest-physical window (mon_pt's last PTE)

; Paging-structure entries, 32-bit paging (SDM Vol. 3A, 4.3, Tables 4-4 to 4-6):
;
;   31                  12 11  9  8   7   6   5   4    3    2    1   0
;  +----------------------+-----+---+---+---+---+----+----+----+----+---+
;  | frame (PT or page)   | AVL | G |PS | D | A |PCD |PWT |U/S |R/W | P |
;  +----------------------+-----+---+---+---+---+----+----+----+----+---+
PTE_P           equ 1 << 0              ; present
PTE_RW          equ 1 << 1              ; writable
PTE_US          equ 1 << 2              ; user (CPL 3) may access
PTE_A           equ 1 << 5              ; accessed
PTE_D           equ 1 << 6              ; dirty (PTE only)
PDE_PS          equ 1 << 7              ; a 4 MiB page (CR4.PSE = 1)
PTE_FRAME       equ 0xFFFFF000

; The page-fault error code (SDM Vol. 3A, 4.7, Figure 4-12).
PFEC_P          equ 1 << 0              ; 0: not present; 1: protection
PFEC_W          equ 1 << 1              ; a write
PFEC_U          equ 1 << 2              ; at CPL 3

CR0_WP          equ 1 << 16
CR0_PG          equ 1 << 31
CR4_PSE         equ 1 << 4

; monitor linear <-> physical, for the monitor's own pages
%define MON_PHYS(x) ((x) - MON_VA + MON_PA)

; ---------------------------------------------------------------------------
; Boot: change swvmm.asm's tables, take over paging, then boot as swvmm.asm.
; ---------------------------------------------------------------------------
shadow_start:
        mov [boot_ebx], ebx             ; swvmm.asm's boot protocol: EBX, ECX
        mov [boot_ecx], ecx             ;   go to start unchanged
        ; #PF comes here rather than to the common stub; build_idt (called
        ; from start) reads the stub addresses from this table.
        mov dword [vector_stubs + 14*4], shadow_pf_entry
        mov eax, 0x01                   ; 0F 01: INVLPG is /7
        mov edx, shadow_group7
        call patch_two_byte_op
        mov eax, 0x22                   ; 0F 22: MOV CRn, r32
        mov edx, shadow_mov_to_cr
        call patch_two_byte_op
        ; The monitor's page table: linear MON_VA + i * 4 KiB -> MON_PA +
        ; i * 4 KiB, supervisor and writable; the last entry is the window.
        xor ecx, ecx
.mon_pte:
        mov eax, ecx
        shl eax, 12
        add eax, MON_PA | PTE_RW | PTE_P
        mov [mon_pt + ecx*4], eax
        inc ecx
        cmp ecx, 1023
        jb .mon_pte
        mov dword [mon_pt + 1023*4], 0
        ; Guest-physical mode (the guest's CR0.PG = 0): linear = guest-
        ; physical for 0 .. GUEST_MEM, with 4 MiB pages (a PDE with PS = 1,
        ; SDM Vol. 3A, 4.3, Table 4-4), user and writable: the guest's
        ; segments and rings decide, as without paging.
        xor ecx, ecx
.flat_pde:
        mov eax, ecx
        shl eax, 22
        or eax, PDE_PS | PTE_US | PTE_RW | PTE_P
        mov [flat_pd + ecx*4], eax
        inc ecx
        cmp ecx, GUEST_MEM >> 22
        jb .flat_pde
        mov eax, MON_PHYS(mon_pt) + PTE_RW + PTE_P
        mov [flat_pd + 1023*4], eax
        mov [shadow_pd + 1023*4], eax
        ; CR4.PSE for the 4 MiB pages (4.1.1), CR0.WP so that read-only
        ; shadow PTEs bind the guest kernel too (4.6.1), then CR3.
        mov eax, cr4
        or eax, CR4_PSE
        mov cr4, eax
        mov eax, cr0
        or eax, CR0_WP
        mov cr0, eax
        mov eax, MON_PHYS(flat_pd)
        mov cr3, eax
        mov ebx, [boot_ebx]
        mov ecx, [boot_ecx]
        jmp start                       ; swvmm.asm boots the guest in ring 1

; patch_two_byte_op: EAX = an opcode after 0Fh, EDX = its new handler.
patch_two_byte_op:
        mov ebx, two_byte_ops
.row:
        cmp dword [ebx], -1
        je monitor_fault                ; no such row: a bug in this file
        cmp [ebx], eax
        je .found
        add ebx, 8
        jmp .row
.found:
        mov [ebx + 4], edx
        ret

; ---------------------------------------------------------------------------
; The page-fault path.
; ---------------------------------------------------------------------------

; IDT vector 14. The same frame as swvmm.asm's trap_entry builds (struc
; tf), and the same way out. A fault from the guest (CPL 1 or 3) is a
; hidden fault, a write to its page tables, or the guest's own fault. A
; fault in the monitor (CPL 0) happens when it touches guest memory
; through the guest's linear addresses (reflect() writes the guest's
; stack, reads its IDT) and the shadow does not map them yet: that is a
; hidden fault too, which the monitor fills for itself.
shadow_pf_entry:
        push 14                         ; the CPU pushed the error code
        push ds
        push es
        pushad
        mov ax, MON_DS
        mov ds, ax
        mov es, ax
        mov ebp, esp
        cld
        call shadow_page_fault
        jnc trap_entry.resume           ; handled: retry the access
        test byte [ebp + tf.cs], 3
        jz monitor_fault                ; the monitor itself: a bug
        mov eax, 14
        call reflect                    ; the guest's own #PF, with its CR2
        jmp trap_entry.resume

; shadow_page_fault: EBP -> the frame, CR2 = the linear address. CF = 0
; when the monitor handled the fault, CF = 1 to give it to the guest
; (tf.error then holds the error code the guest's tables give).
shadow_page_fault:
        mov ebx, cr2                    ; EBX = the linear address, from here on
        cmp ebx, MON_VA
        jae .not_shadowed
        test dword [vcpu.cr + 0*4], CR0_PG
        jz .not_shadowed
        ; 1. What would the guest's tables do? (SDM Vol. 3A, 4.3)
        call guest_walk
        jc .guest_not_present
        ; 2. The rights of the two levels combined (4.6): U/S and R/W must
        ;    be 1 in both the PDE and the PTE for a user access or a write.
        mov eax, [walk_pde]
        and eax, [walk_pte]
        mov ecx, [ebp + tf.error]
        test ecx, PFEC_U
        jz .supervisor
        test eax, PTE_US
        jz .guest_protection
.supervisor:
        test ecx, PFEC_W
        jz .allowed
        test eax, PTE_RW
        jz .guest_protection
.allowed:
        ; 3. The guest allows it. A frame outside its memory is the guest
        ;    claiming memory that is not its own: stop.
        mov eax, [walk_pte]
        and eax, PTE_FRAME
        cmp eax, GUEST_MEM
        jae guest_bad_frame
        ; 4. A write to one of the guest's paging structures: the shadow
        ;    maps the page read-only on purpose. Do the store for the
        ;    guest and carry it into the shadow.
        test ecx, PFEC_W
        jz .fill
        shr eax, 12
        bt [pt_frames], eax
        jnc .fill
        test byte [ebp + tf.cs], 3
        jz .refuse                      ; the monitor never writes there
        test ecx, PFEC_P
        jnz emulate_pt_write
        call fill_shadow                ; first map the page (read-only), so
        jmp emulate_pt_write            ;   that the guest's reads do not trap
.fill:
        ; 5. Otherwise a hidden page fault: the guest maps the page, the
        ;    shadow does not yet (or read-only, to catch the first write
        ;    for the dirty flag).
        inc dword [stat_hidden_faults]
        call fill_shadow
        clc
        ret
.guest_not_present:                     ; the guest's #PF: P = 0
        and dword [ebp + tf.error], PFEC_W | PFEC_U
        inc dword [stat_guest_faults]
        stc
        ret
.guest_protection:                      ; the guest's #PF: P = 1
        and dword [ebp + tf.error], PFEC_W | PFEC_U
        or dword [ebp + tf.error], PFEC_P
        inc dword [stat_guest_faults]
        stc
        ret
.not_shadowed:
.refuse:
        stc
        ret

; guest_walk: EBX = a linear address. Walk the guest's 32-bit paging
; structures as the processor would (SDM Vol. 3A, 4.3), reading them
; through the window:
;
;   linear:  31     22 21     12 11          0
;           | PDE idx | PTE idx |   offset    |
;
;   PDE at (guest CR3 & FFFFF000h) + idx * 4; PTE at (PDE & FFFFF000h) + idx * 4
;
; Sets walk_pde_gpa, walk_pde, walk_pte_gpa, walk_pte; CF = 1 if the PDE or
; the PTE is not present (walk_pte = 0 if the PDE is not).
guest_walk:
        mov dword [walk_pte], 0
        mov eax, [vcpu.cr + 3*4]
        and eax, PTE_FRAME
        mov edx, ebx
        shr edx, 22
        lea eax, [eax + edx*4]
        mov [walk_pde_gpa], eax
        call window_map
        mov eax, [edi]
        mov [walk_pde], eax
        test eax, PTE_P
        jz .absent
        and eax, PTE_FRAME
        cmp eax, GUEST_MEM
        jae guest_bad_frame
        mov edx, ebx
        shr edx, 12
        and edx, 1023
        lea eax, [eax + edx*4]
        mov [walk_pte_gpa], eax
        call window_map
        mov eax, [edi]
        mov [walk_pte], eax
        test eax, PTE_P
        jz .absent
        clc
        ret
.absent:
        stc
        ret

; fill_shadow: EBX = the linear address, ECX = the error code, walk_* =
; the guest's entries for it, which allow the access.
fill_shadow:
        ; 1. The guest's accessed and dirty flags. The processor sets A in
        ;    every paging-structure entry it uses and D in the PTE on a
        ;    write (SDM Vol. 3A, 4.8 "Accessed and Dirty Flags"); it uses
        ;    the shadow, so the monitor sets them in the guest's entries.
        mov eax, [walk_pde_gpa]
        call window_map
        or dword [edi], PTE_A
        mov eax, [walk_pte_gpa]
        call window_map
        or dword [edi], PTE_A
        test ecx, PFEC_W
        jz .flags_done
        or dword [edi], PTE_D
.flags_done:
        mov eax, [edi]
        mov [walk_pte], eax
        ; 2. The shadow page table for this 4 MiB of linear addresses.
        mov esi, ebx
        shr esi, 22                     ; ESI = the PDE index
        mov eax, [shadow_pd + esi*4]
        test eax, PTE_P
        jnz .have_table
        call spt_alloc                  ; EDI -> a zeroed shadow PT, EAX = its address
        ; The shadow PDE grants everything (U/S, R/W = 1): the shadow PTE
        ; carries the combined rights of both guest levels (4.6).
        or eax, PTE_US | PTE_RW | PTE_P
        mov [shadow_pd + esi*4], eax
.have_table:
        and eax, PTE_FRAME
        add eax, MON_VA - MON_PA        ; the shadow PT's linear address
        mov edi, eax
        ; 3. The shadow PTE. No INVLPG: a page fault already invalidated
        ;    the TLB entries for this address (4.10.4.1).
        mov eax, [walk_pte]
        mov edx, [walk_pde]
        call make_spte
        mov edx, ebx
        shr edx, 12
        and edx, 1023
        mov [edi + edx*4], eax
        ret

; make_spte: EAX = a guest PTE, EDX = the guest PDE above it -> EAX = the
; shadow PTE the processor may use for it:
;   - not present unless the guest PTE is present with A = 1 (the
;     processor must not use an entry whose A it has not set, 4.8);
;   - the same frame (guest-physical = host-physical below GUEST_MEM);
;   - U/S = PDE.U/S & PTE.U/S (4.6);
;   - R/W = PDE.R/W & PTE.R/W, but only once D = 1 (so that the first
;     write faults and sets D) and never on a page that holds the guest's
;     paging structures (so that writes to them trap).
make_spte:
        test eax, PTE_P
        jz .none
        test eax, PTE_A
        jz .none
        push ebx
        mov ebx, eax
        and ebx, PTE_FRAME
        cmp ebx, GUEST_MEM
        jae .none_pop
        and edx, eax                    ; the rights of both levels
        and edx, PTE_US | PTE_RW
        test eax, PTE_D
        jnz .dirty
        and edx, ~PTE_RW
.dirty:
        push eax
        mov eax, ebx
        shr eax, 12
        bt [pt_frames], eax
        pop eax
        jnc .data_page
        and edx, ~PTE_RW
.data_page:
        lea eax, [ebx + edx + PTE_P]
        pop ebx
        ret
.none_pop:
        pop ebx
.none:
        xor eax, eax
        ret

; spt_alloc: ESI = the PDE index it is for; walk_pde names the guest
; page table it shadows. -> EDI = a zeroed shadow page table (linear),
; EAX = its physical address. When the pool is empty, the whole shadow is
; dropped and rebuilt on demand (flush_shadow), as early monitors did.
spt_alloc:
        mov eax, [spt_used]
        cmp eax, SPT_COUNT
        jb .take
        call flush_shadow
        xor eax, eax
.take:
        inc dword [spt_used]
        mov [spt_pdi + eax*4], esi
        mov edx, [walk_pde]
        and edx, PTE_FRAME
        mov [spt_gframe + eax*4], edx
        shl eax, 12
        lea edi, [spt_pool + eax]
        push edi
        push ecx
        xor eax, eax
        mov ecx, 1024
        rep stosd
        pop ecx
        pop edi
        lea eax, [edi - MON_VA + MON_PA]
        ret

; reset_shadow: the guest loaded CR3 (or turned paging on): a new address
; space. Mark the frames of the guest's page directory and of every page
; table it names in pt_frames, so that the shadow maps them read-only,
; then drop every shadow entry. Entries fill in again as hidden faults.
reset_shadow:
        inc dword [stat_cr3_loads]
        xor eax, eax
        mov edi, pt_frames
        mov ecx, (GUEST_MEM >> 12) / 32
        rep stosd
        mov eax, [vcpu.cr + 3*4]
        and eax, PTE_FRAME
        cmp eax, GUEST_MEM
        jae guest_bad_frame
        mov edx, eax
        shr edx, 12
        bts [pt_frames], edx            ; the page directory
        call window_map                 ; EDI -> the guest's PD
        xor ecx, ecx
.pde:
        mov eax, [edi + ecx*4]
        test eax, PTE_P
        jz .next
        and eax, PTE_FRAME
        cmp eax, GUEST_MEM
        jae .next                       ; refused when a walk meets it
        shr eax, 12
        bts [pt_frames], eax            ; a page table
.next:
        inc ecx
        cmp ecx, 1023                   ; PDE 1023: the monitor's
        jb .pde
        ; fall through

; flush_shadow: no shadow page table in use any more; CR3 := the shadow
; PD, which flushes the TLB (SDM Vol. 3A, 4.10.4.1: MOV to CR3 invalidates
; all TLB entries but global ones, and the paging-structure caches).
flush_shadow:
        push edi
        push ecx
        xor eax, eax
        mov edi, shadow_pd
        mov ecx, 1023
        rep stosd
        pop ecx
        pop edi
        mov dword [spt_used], 0
        mov eax, MON_PHYS(shadow_pd)
        mov cr3, eax
        ret

; window_map: EAX = a guest-physical address -> EDI = a monitor linear
; address that reaches it, through the window page: the monitor's last
; PTE names its frame, and INVLPG drops the old translation when the
; frame changes (4.10.4.2). The window stays valid until the next call.
window_map:
        push eax
        and eax, PTE_FRAME
        or eax, PTE_RW | PTE_P
        cmp eax, [mon_pt + 1023*4]
        je .same
        mov [mon_pt + 1023*4], eax
        invlpg [WINDOW_VA]
.same:
        pop edi
        and edi, 0xFFF
        add edi, WINDOW_VA
        ret

; ---------------------------------------------------------------------------
; A write to the guest's page tables: emulate it, then propagate it.
; ---------------------------------------------------------------------------

; emulate_pt_write: EBX = the linear address written (CR2), walk_pte =
; the guest's PTE for it. The store is one of
;   89 /r    MOV r/m32, r32
;   C7 /0    MOV r/m32, imm32
; (SDM Vol. 2B, MOV), aligned to 4 bytes: one paging-structure entry.
; The monitor decodes it from the guest's EIP (CS base 0), performs it on
; guest-physical memory, updates the shadow, and resumes the guest after
; it. Returns CF = 0, or stops the machine for a store it cannot decode.
emulate_pt_write:
        mov edx, [walk_pte]             ; the guest-physical address, now:
        and edx, PTE_FRAME              ;   decoding may fault (and walk)
        mov eax, ebx
        and eax, 0xFFF
        or edx, eax
        push edx
        test ebx, 3
        jnz .cannot
        mov esi, [ebp + tf.eip]
        lodsb
        cmp al, 0x89
        je .mov_reg
        cmp al, 0xC7
        jne .cannot
        mov al, [esi]                   ; C7: ModRM.reg must be 0
        test al, 7 << 3
        jnz .cannot
        call skip_modrm
        jc .cannot
        lodsd                           ; the immediate
        jmp .store
.mov_reg:
        movzx eax, byte [esi]           ; 89: ModRM.reg names the source
        shr eax, 3
        and eax, 7
        call gpr_slot                   ; EDI -> the guest's register
        call skip_modrm
        jc .cannot
        mov eax, [edi]
.store:
        pop edx                         ; EDX = guest-physical, EAX = value
        mov [ebp + tf.eip], esi         ; the guest resumes after the store
        inc dword [stat_pte_writes]
        push eax
        push edx
        mov eax, edx
        call window_map
        mov eax, [esp + 4]
        mov [edi], eax                  ; the guest's entry, written
        pop edx
        pop eax
        call propagate
        clc
        ret
.cannot:
        mov esi, msg_cannot_emulate
        jmp monitor_stop

; skip_modrm: ESI -> a ModRM byte with a memory operand. ESI := past it,
; its SIB byte and displacement (SDM Vol. 2A, 2.1.5, Tables 2-2 and 2-3:
; 32-bit addressing). CF = 1 for a register operand (mod = 11).
skip_modrm:
        push eax
        lodsb
        mov ah, al
        shr ah, 6                       ; mod
        and al, 7                       ; r/m
        cmp ah, 3
        je .register
        cmp al, 4
        jne .no_sib
        lodsb                           ; SIB; base = 101 with mod = 00:
        and al, 7                       ;   disp32, no base
        cmp al, 5
        jne .disp
        test ah, ah
        jnz .disp
        add esi, 4
        jmp .disp
.no_sib:
        cmp al, 5                       ; mod = 00, r/m = 101: disp32
        jne .disp
        test ah, ah
        jnz .disp
        add esi, 4
.disp:
        cmp ah, 1
        jne .not8
        inc esi                         ; disp8
.not8:
        cmp ah, 2
        jne .done
        add esi, 4                      ; disp32
.done:
        pop eax
        clc
        ret
.register:
        pop eax
        stc
        ret

; propagate: the guest wrote EAX to its paging-structure entry at guest-
; physical EDX. Bring the shadow in line (SDM Vol. 3A, 4.10.4: the
; processor may go on using a translation cached from the old entry; the
; shadow is such a cache, kept exact here, with INVLPG for the real TLB).
;   - a PDE: a new page table may have appeared; mark it and drop the
;     whole shadow (rare, and simple);
;   - a PTE: every shadow page table that shadows this guest page table
;     gets the new entry, through make_spte.
propagate:
        pushad
        mov esi, edx
        and esi, PTE_FRAME              ; ESI = the frame written
        mov ecx, [vcpu.cr + 3*4]
        and ecx, PTE_FRAME
        cmp ecx, esi
        jne .ptes
        test eax, PTE_P
        jz .flush
        and eax, PTE_FRAME
        cmp eax, GUEST_MEM
        jae .flush
        shr eax, 12
        bts [pt_frames], eax
.flush:
        call flush_shadow               ; spt_used = 0: the loop below is empty
        mov eax, [esp + 28]             ; the value written (PUSHAD's EAX)
.ptes:
        mov ebx, edx
        and ebx, 0xFFF
        shr ebx, 2                      ; EBX = the entry's index
        xor ecx, ecx
.slot:
        cmp ecx, [spt_used]
        jae .done
        cmp [spt_gframe + ecx*4], esi
        jne .next
        push eax
        push ecx
        mov edx, [spt_pdi + ecx*4]      ; the guest PDE above it, for the rights
        mov eax, [vcpu.cr + 3*4]
        and eax, PTE_FRAME
        lea eax, [eax + edx*4]
        call window_map
        mov edx, [edi]
        mov eax, [esp + 4]
        call make_spte
        mov ecx, [esp]
        mov edi, ecx
        shl edi, 12
        mov [spt_pool + edi + ebx*4], eax
        mov eax, [spt_pdi + ecx*4]      ; the linear address it maps:
        shl eax, 10                     ;   PDE index << 22 | PTE index << 12
        or eax, ebx
        shl eax, 12
        invlpg [eax]                    ; 4.10.4.1
        pop ecx
        pop eax
.next:
        inc ecx
        jmp .slot
.done:
        popad
        ret

; ---------------------------------------------------------------------------
; The trapped instructions.
; ---------------------------------------------------------------------------

; 0F 22 /r MOV CRn, r32 (replaces swvmm.asm's emu_mov_to_cr): the virtual
; register as before; then CR3, and CR0.PG, switch the real CR3: the
; shadow of the guest's new tables, or flat_pd while guest paging is off.
shadow_mov_to_cr:
        call cr_operands                ; ECX = n, EDI -> the guest's GPR
        jc .refuse
        mov eax, [edi]
        mov edx, [vcpu.cr + ecx*4]      ; the old value
        mov [vcpu.cr + ecx*4], eax
        cmp ecx, 3
        je .paging
        test ecx, ecx
        jnz .done
        xor edx, eax
        test edx, CR0_PG                ; CR0.PG changed?
        jz .done
.paging:
        push esi
        test dword [vcpu.cr + 0*4], CR0_PG
        jz .flat
        call reset_shadow               ; loads CR3 with shadow_pd
        pop esi
        jmp .done
.flat:
        mov eax, MON_PHYS(flat_pd)
        mov cr3, eax
        pop esi
.done:
        clc
        ret
.refuse:
        stc
        ret

; 0F 01 /7 INVLPG m (SDM Vol. 2A, INVLPG): privileged, so it faults at
; CPL 1. The guest says one of its PTEs changed: drop the shadow entry
; for the address (the next access is a hidden fault that reads the
; guest's new PTE) and invalidate the processor's TLB for it. Other
; /digits go to swvmm.asm's emu_group7 (LGDT, LIDT).
shadow_group7:
        movzx eax, byte [esi]
        shr eax, 3
        and eax, 7
        cmp eax, 7
        jne emu_group7
        lodsb
        mov bl, al
        call modrm_address              ; EDI = the linear address
        jc .refuse
        inc dword [stat_invlpg]
        test dword [vcpu.cr + 0*4], CR0_PG
        jz .tlb
        cmp edi, MON_VA
        jae .tlb
        mov eax, edi
        shr eax, 22
        mov eax, [shadow_pd + eax*4]
        test eax, PTE_P
        jz .tlb
        and eax, PTE_FRAME
        add eax, MON_VA - MON_PA
        mov edx, edi
        shr edx, 12
        and edx, 1023
        mov dword [eax + edx*4], 0
.tlb:
        invlpg [edi]
        clc
        ret
.refuse:
        stc
        ret

guest_bad_frame:
        mov esi, msg_bad_frame
        jmp monitor_stop

msg_cannot_emulate: db "shadow: a write to the guest's page tables that this monitor cannot emulate", 10, 0
msg_bad_frame:      db "shadow: the guest's page tables name memory beyond its own", 10, 0

; ---------------------------------------------------------------------------
; Data.
; ---------------------------------------------------------------------------
align 8
; What the monitor did, for the curious (and for the tour).
%ifdef SHADOW_TOUR
observed:                               ; docs/challenges.md: traps caused by PTE writes
%endif
stat_pte_writes:    dq 0                ; guest stores into its paging structures, emulated
stat_hidden_faults: dq 0                ; #PF filled from the guest's tables, unseen by it
stat_guest_faults:  dq 0                ; #PF reflected to the guest
stat_invlpg:        dq 0                ; INVLPG emulated
stat_cr3_loads:     dq 0                ; new shadows (MOV to CR3, CR0.PG set)

boot_ebx:       dd 0                    ; the boot registers, across shadow_start
boot_ecx:       dd 0
walk_pde_gpa:   dd 0                    ; guest_walk's results
walk_pde:       dd 0
walk_pte_gpa:   dd 0
walk_pte:       dd 0

spt_used:       dd 0                    ; shadow page tables taken from the pool
spt_pdi:        times SPT_COUNT dd 0    ; per shadow PT: the PDE index it serves
spt_gframe:     times SPT_COUNT dd 0    ; per shadow PT: the guest PT it shadows
pt_frames:      times (GUEST_MEM >> 12) / 8 db 0 ; a bit per guest frame: holds guest paging structures

align 4096
mon_pt:         times 1024 dd 0         ; the monitor's page table (PDE 1023 everywhere)
flat_pd:        times 1024 dd 0         ; the PD while the guest's paging is off
shadow_pd:      times 1024 dd 0         ; the PD while it is on: the shadow
spt_pool:       times SPT_COUNT * 1024 dd 0 ; the shadow page tables
