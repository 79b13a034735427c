; mbinfo_default.asm - mbinfo.asm with no arguments: default RAM, no modules, the command line "FILE " (QEMU's form).
; format: elf
%include "mbinfo.asm"
