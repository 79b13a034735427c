# scenario: scenarios/prot32-paging.yaml
# Event breakpoints: page faults, watchpoints (physical writes, linear reads)
# and a mode-change breakpoint that stays silent (CR0.WP changes no mode).
sregs
cr
walk 0x800000 w
walk 0x801000 w
break pagefault
break mode-change
watch phys 0x300000 4
rwatch 0x801000 4
continue
continue
x/xw phys 0x300000
continue
why
regs
idt
gdt
reverse-step
walk 0x801000 w
