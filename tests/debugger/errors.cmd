# scenario: scenarios/vmx-cpuid-hlt.yaml
# Mistakes are explained and the session goes on.
foo
re
step x
step 0
step 1 2
next now
until
until nowhere
break vmexit NOT_A_REASON
break exception XX
break io 0x10000
break msr NOPE
break vmexti
break vmentry now
watch
watch 0x1000 100
delete 99
disable
enable abc
x/q 0
x/4xg
x/4xg nowhere
walk
walk zzz
walk 0x1000 q
vmcs NOPE
vmcs GUEST_RIP extra
set
set foo 1
set rax
msr NOPE
msr 0x1234
disas 0 0
stack 0
trace maybe
info nothing
help nothing
reverse-step 1
reverse-continue
step
regs
