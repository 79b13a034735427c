# scenario: tests/debugger/msr-io.yaml
# RDMSR/WRMSR breakpoints before the instruction, I/O breakpoints after it,
# and a breakpoint on a mode change (paging off).
break msr IA32_EFER
break io 0xe9
break mode-change
info breakpoints
continue
continue
continue
continue
continue
continue
