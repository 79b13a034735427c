# scenario: scenarios/vmx-cpuid-hlt.yaml
# requires: tlb-caching
# State commands, help, and stepping in the CPUID/HLT scenario.
help
help step
help x
step
regs
sregs
cr
flags
msr IA32_EFER
msr 0x480
x/4xg rsp
x/8xb phys 0x100000
x/3i start
x/2dw result
x/s 0x100000
disas start 4
disas
stack 4
gdt
idt
tss
exits
why
trace on
step 2
trace off
stats
info registers
quit
