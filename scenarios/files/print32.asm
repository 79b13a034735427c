; print32.asm - a routine scenarios/asm-file-binary.yaml includes with asm_file:.
; Labels defined here (print, print.loop) are usable in the scenario.
print:                  ; print the NUL-terminated string at ESI to port 0xE9
.loop:
	lodsb
	test al, al
	jz .done
	out 0xe9, al
	jmp .loop
.done:
	ret
