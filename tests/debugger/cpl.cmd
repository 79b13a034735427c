# scenario: scenarios/long64-cpl3-tss.yaml
# CPL changes through an interrupt gate, the 64-bit TSS and the stack switch.
break cpl-change
continue
regs
tss
stack 6
continue
why
idt
