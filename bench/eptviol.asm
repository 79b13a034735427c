; eptviol.asm - EPT-violation round-trip benchmark: the vmexit.asm hypervisor with EPT, whose guest reads a page the EPT leaves not present.
;
; Built as a flat binary (nasm -f bin -I bench/) that vtsim loads at
; 0x100000 and enters in 64-bit mode; see bench/README.md. Everything but
; the guest's loop and the exit handler's hot path is vmexit.asm's:
;
;   guest:  mov eax, [0x800000]     EPT violation (the page is not present)
;           dec r12d / jnz          EXITS times, then HLT
;   host:   exit reason 48: GUEST_RIP += the load's length, VMRESUME
;
; Each round trip is a VM exit from a guest-physical translation that
; fails in the EPT walk (the guest's own paging walk succeeds), a few host
; instructions and the VM entry; nothing is mapped, so every iteration
; walks and faults again.

%define EPTVIOL
%include "vmexit.asm"
