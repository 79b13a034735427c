# scenario: scenarios/long64-higher-half.yaml
# requires: tlb-caching
# The TLB model's contents (a global 2 MiB page of a higher-half kernel,
# the paging-structure caches); disas and x/i show linear addresses and
# RIP-relative targets as the guest sees them; outside VMX operation there
# is no guest-physical space and VMCS fields have no value.
tlb
disas kmain 5
x/2i rip
step 3
tlb
tlb rip
tlb 0x100000
x/xg gpa 0
watch gpa 0
break kmain+0x18 if VM_EXIT_REASON == 0
restart
continue
info breakpoints
