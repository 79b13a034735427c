# scenario: tests/debugger/gpa.yaml
# The guest-physical address space: x/FMT gpa reads through EPT with the
# current EPT pointer (guest-physical 0x300000 is host-physical 0x500000),
# in non-root and in root operation; watch gpa and rwatch gpa.
x/2xw gpa 0x300000
x/2xw phys 0x500000
x/2xw phys 0x300000
x/xw 0x300000
x/4xb gpa 0x1ffffe
x/xw gpa 0x2000000
x/i gpa 0x100000
watch gpa 0x300000 4
rwatch gpa 0x300002 1
watch gpa 0x2000000
info breakpoints
continue
disable 1
continue
x/xw gpa 0x300000
delete
watch gpa 0x300000 4 if *(u32)0x300000 == 5
continue
x/2i rip
continue
x/xw gpa 0x300000
x/xw phys 0x300000
set EPT_POINTER 0
x/xw gpa 0x300000
