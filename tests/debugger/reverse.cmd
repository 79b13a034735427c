# scenario: scenarios/vmx-cpuid-hlt.yaml
# Reverse execution: step forward, go back to an earlier state and forward
# again; the registers must be the same at the same step.
step 1
regs
step 4
regs
reverse-step 4
regs
step 4
regs
reverse-step 100
regs
break vmexit
continue
continue
reverse-continue
regs
reverse-continue
reverse-continue
step 2
set rax 0x1234
step
reverse-step 2
step 2
regs
restart
regs
continue
continue
continue
