# scenario: tests/debugger/gpa.yaml
# Breakpoint conditions: on an address (a label), on events (VMCS fields),
# on watchpoints (memory, registers); condition N sets, changes and
# removes one; bad conditions are explained and leave the breakpoint as it
# was; a condition that cannot be tested stops and says why.
break again if ecx == 3
info breakpoints
continue
info registers
condition 1 ecx >= 4 && *(u32)0x300000 == 4 || rcx == 99
continue
x/xw 0x300000
condition 1 ecx = 5
condition 1 ecx == nowhere
condition 1 (ecx == 1
condition 1 ecx == 1 junk
condition 1 *(u8)
condition 7 rax == 1
condition x
break if
info breakpoints
condition 1
info breakpoints
delete 1
restart
break vmexit if VM_EXIT_REASON == 12
break vmexit CPUID if EXIT_QUALIFICATION == 0 && GUEST_RIP == done
awatch 0x300000 4 if eax == 1 && ecx - 1 == 1
watch 0x300000 4 if *(u32)0x300000 != 0 && -ecx == -5
break done if *(u64)rsp == 0x10001f && (rax == 5)
info breakpoints
continue
continue
continue
continue
continue
info breakpoints
reverse-continue
restart
delete
break again if *0x7ffffff000 == 0
continue
condition 7 rcx == 2
continue
info breakpoints
