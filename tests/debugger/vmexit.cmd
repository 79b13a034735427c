# scenario: scenarios/vmx-cpuid-hlt.yaml
# Breakpoints on VM exits and entries; the VMCS by name; exits and why.
break vmexit CPUID
break vmentry
info breakpoints
continue
exits
why
vmcs VM_EXIT_REASON
vmcs EXIT_QUALIFICATION
vmcs CPU_BASED_VM_EXEC_CONTROL
vmcs
continue
regs
delete 1
break vmexit hlt
continue
exits
disable 3
continue
info breakpoints
