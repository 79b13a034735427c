# scenario: scenarios/vmx-ept-execute-only.yaml
# next steps over a CALL; finish runs to the RET of the current function.
next
regs
restart
step
stack 2
finish
regs
