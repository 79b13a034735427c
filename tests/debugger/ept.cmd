# scenario: scenarios/vmx-ept-execute-only.yaml
# requires: tlb-caching
# The two-dimensional walk under EPT, an execute-only page, and its EPT violation.
step
walk 0x200000 w
walk xo_code x
walk 0x100000 r
x/2xb xo_code
break vmexit ept-violation
break gpa 0x200000
break phys 0x100009
continue
continue
continue
exits
why
vmcs GUEST_PHYSICAL_ADDRESS
vmcs EXIT_QUALIFICATION
vmcs EPT_POINTER
walk 0x200000 w
tlb
tlb 0x100000
continue
