#!/bin/bash
# boot_basic.sh - `vtsim boot` end to end: help, exit statuses, the start state, command line, modules, --stats, --dump-state, --bios.
# Exit 0 when every check passes, 1 on the first failure (with a message), 77 (skip) without nasm or python3.
set -u

VTSIM=${VTSIM:-./vtsim}
if [ ! -x "$VTSIM" ]; then
	VTSIM="$(cd "$(dirname "$0")/../.." && pwd)/vtsim"
fi
if [ ! -x "$VTSIM" ]; then
	echo "boot_basic: no vtsim binary (set VTSIM)" >&2
	exit 1
fi
case "$VTSIM" in /*) ;; *) VTSIM="$PWD/$VTSIM" ;; esac
NASM=${NASM:-nasm}
for tool in "$NASM" python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "boot_basic: $tool not found, skipping" >&2
		exit 77
	fi
done

T=$(mktemp -d "${TMPDIR:-/tmp}/vtsim-boot-basic.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

fail() {
	echo "boot_basic: FAIL: $*" >&2
	if [ -s "$T/err" ]; then
		echo "--- stderr of the last run:" >&2
		cat "$T/err" >&2
	fi
	exit 1
}

# kernel NAME [NASM ARGS]: a flat a.out-kludge kernel at 1 MiB whose body
# (32-bit code, from stdin) runs at `start`; E9_PUTS prints the string at
# ESI to port 0xE9. Written to $T/NAME.bin.
kernel() {
	local name=$1
	shift
	{
		cat <<'ASM'
bits 32
org 0x100000
FLAGS equ 0x00010003
header:
	dd 0x1badb002, FLAGS, -(0x1badb002 + FLAGS)
	dd header, header, 0, bss_end, start
; e9_puts: the string at ESI to port 0xE9
e9_puts:
	push eax
	push esi
.next:
	lodsb
	test al, al
	jz .done
	out 0xe9, al
	jmp .next
.done:
	pop esi
	pop eax
	ret
; e9_dec: AL (0-99) in decimal
e9_dec:
	push eax
	aam
	add ax, 0x3030
	cmp ah, 0x30
	je .one
	xchg al, ah
	out 0xe9, al
	xchg al, ah
.one:
	out 0xe9, al
	pop eax
	ret
start:
	mov esp, 0x90000
ASM
		cat
		cat <<'ASM'
section .bss
	resb 16
bss_end:
ASM
	} >"$T/$name.asm"
	"$NASM" -f bin "$@" -o "$T/$name.bin" "$T/$name.asm" || fail "nasm could not assemble $name"
}

# run ARGS...: run vtsim with stdout in $T/out, stderr in $T/err; status in $rc.
run() {
	"$VTSIM" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}

json() {
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

expect_json() {
	local got
	got=$(json "$1" "$2") || fail "cannot evaluate $2 over $1"
	[ "$got" = "$3" ] || fail "$2 is '$got', expected '$3'"
}

# --- help -------------------------------------------------------------
run boot --help
[ "$rc" -eq 0 ] || fail "boot --help exited $rc"
for opt in --append --module --memory --bios --max-insns --dump-state --stats --help; do
	grep -q -- "$opt" "$T/out" || fail "boot --help does not mention $opt"
done
run --help
grep -q '^  boot ' "$T/out" || fail "vtsim --help does not list boot"

# --- HLT, and the state Multiboot 3.2 promises --------------------------
kernel hlt <<'ASM'
	hlt
ASM
run boot "$T/hlt.bin" --dump-state "$T/state.json"
[ "$rc" -eq 0 ] || fail "HLT: status $rc, expected 0"
grep -q '^vtsim: stop: hlt .*at rip 0x' "$T/err" || fail "HLT: no stop line"
expect_json "$T/state.json" 's["stop"]' hlt
expect_json "$T/state.json" 's["start_mode"]' multiboot
expect_json "$T/state.json" 'hex(s["registers"]["rax"])' 0x2badb002
expect_json "$T/state.json" 'hex(s["registers"]["rbx"])' 0x9500
expect_json "$T/state.json" 'hex(s["registers"]["cr0"] & 0x80000001)' 0x1
expect_json "$T/state.json" 's["registers"]["rflags"] & 0x20200' 0
expect_json "$T/state.json" 's["cpl"]' 0

# --- exit statuses ----------------------------------------------------
for v in 0 1 21 127; do
	kernel exit$v -DV=$v <<'ASM'
	mov al, V
	out 0xf4, al
	hlt
ASM
	run boot "$T/exit$v.bin"
	[ "$rc" -eq $(((v << 1) | 1)) ] || fail "exit port $v: status $rc"
	grep -q '^vtsim: stop: exit-port' "$T/err" || fail "exit port $v: no stop line"
done

kernel loop <<'ASM'
.spin:	jmp .spin
ASM
run boot "$T/loop.bin" --max-insns 100
[ "$rc" -eq 4 ] || fail "--max-insns: status $rc, expected 4"
grep -q '^vtsim: stop: max-insns .*after 100 instructions' "$T/err" || fail "--max-insns: no stop line"

# A triple fault: UD2 with the loader's empty IDT. The machine state goes
# to stderr after the stop line.
kernel triple <<'ASM'
	mov ecx, 0x1234
	ud2
ASM
run boot "$T/triple.bin"
[ "$rc" -eq 6 ] || fail "triple fault: status $rc, expected 6"
grep -q '^vtsim: stop: shutdown ' "$T/err" || fail "triple fault: no stop line"
grep -q '^vtsim: last exception: vector [0-9]* at rip 0x.*triple fault' "$T/err" || fail "triple fault: no last-exception line"
grep -q '^vtsim: machine state' "$T/err" || fail "triple fault: no machine state"
grep -Eq 'rcx +0000000000001234' "$T/err" || fail "triple fault: ECX not shown"
grep -Eq 'cr0 +0000000000000011' "$T/err" || fail "triple fault: CR0 not shown"
grep -q 'cr3 ' "$T/err" || fail "triple fault: CR3 not shown"
grep -q 'cr4 ' "$T/err" || fail "triple fault: CR4 not shown"
grep -Eq 'last exception: vector [0-9]+ \(#[A-Z]+\), (error code 0x[0-9a-f]+|no error code), at rip 0x' "$T/err" ||
	fail "triple fault: exception not shown"
[ ! -s "$T/out" ] || fail "triple fault: wrote to stdout"

# --- the command line and modules --------------------------------------
# Print the command line, then each module's string and first 4 bytes.
kernel info <<'ASM'
	mov esi, [ebx + 16]
	call e9_puts
	mov al, '|'
	out 0xe9, al
	mov al, [ebx + 20]
	call e9_dec
	mov ecx, [ebx + 20]
	mov edi, [ebx + 24]
.mod:
	jecxz .done
	mov al, '|'
	out 0xe9, al
	mov esi, [edi + 8]
	call e9_puts
	mov al, '='
	out 0xe9, al
	mov eax, [edi]
	test eax, 0xfff
	jnz .done
	mov eax, [eax]
	out 0xe9, al
	shr eax, 8
	out 0xe9, al
	shr eax, 8
	out 0xe9, al
	shr eax, 8
	out 0xe9, al
	add edi, 16
	dec ecx
	jmp .mod
.done:
	hlt
ASM
mkdir "$T/sub"
printf 'ABCDEFG' >"$T/sub/one.mod"
printf 'wxyz' >"$T/two.mod"
(cd "$T" && "$VTSIM" boot ./info.bin >"$T/out" 2>"$T/err")
[ "$(cat "$T/out")" = "./info.bin |0" ] || fail "no --append: command line '$(cat "$T/out")', expected './info.bin |0'"
(cd "$T" && "$VTSIM" boot info.bin --append "root=/dev/x  quiet" --module "sub/one.mod a=1 b" \
	--module two.mod >"$T/out" 2>"$T/err")
expected='info.bin root=/dev/x  quiet|2|sub/one.mod a=1 b=ABCD|two.mod=wxyz'
[ "$(cat "$T/out")" = "$expected" ] || fail "modules: got '$(cat "$T/out")', expected '$expected'"

# --- --stats ------------------------------------------------------------
run boot "$T/hlt.bin" --stats
for key in instructions cycles wall-seconds mips decoded-blocks; do
	grep -q "^$key: " "$T/err" || fail "--stats: no $key line"
done
grep -q '^instructions: 2$' "$T/err" || fail "--stats: MOV ESP + HLT should be 2 instructions"

# --- --memory -------------------------------------------------------------
kernel mem <<'ASM'
	mov eax, [ebx + 8]          ; mem_upper in KiB
	shr eax, 10                 ; MiB above 1 MiB
	call e9_dec
	hlt
ASM
run boot "$T/mem.bin" --memory 2M
[ "$rc" -eq 0 ] && [ "$(cat "$T/out")" = "1" ] || fail "--memory 2M: mem_upper gives '$(cat "$T/out")' MiB, expected 1"
run boot "$T/mem.bin" --memory 0x5000000
[ "$(cat "$T/out")" = "79" ] || fail "--memory 80M: mem_upper gives '$(cat "$T/out")' MiB, expected 79"

# --- --bios -------------------------------------------------------------
# The last 64 KiB of a firmware image; the reset vector jumps to code that
# prints 'R', compares CS:FFF0 (top of 4 GiB) with F000:FFF0 (below 1 MiB)
# and the byte at E000:0000 with 'W', then exits with status (v<<1)|1.
cat >"$T/rom.asm" <<'ASM'
bits 16
main:
	mov al, 'R'
	out 0xe9, al
	mov ax, 0xf000
	mov ds, ax
	mov eax, [cs:0xfff0]
	cmp eax, [ds:0xfff0]
	jne .bad
	mov ax, 0xe000
	mov ds, ax
	cmp byte [0], WINDOW
	jne .bad
	mov al, 0x21
	out 0xf4, al
.bad:
	mov al, 0x22
	out 0xf4, al
	times 0xfff0 - ($ - $$) db 0xff
	jmp main
	times 0x10000 - ($ - $$) db 0xff
ASM
# rom SIZE WINDOW: a SIZE-byte image whose offset SIZE - 128 KiB (or 0)
# holds WINDOW.
rom() {
	local size=$1 window=$2
	"$NASM" -f bin -DWINDOW="'$window'" -o "$T/top.bin" "$T/rom.asm" || fail "nasm: rom.asm"
	if [ "$size" -gt $((128 << 10)) ]; then
		{ head -c $((size - (128 << 10))) /dev/zero; printf '%s' "$window"; \
		  head -c $(((64 << 10) - 1)) /dev/zero; cat "$T/top.bin"; } >"$T/rom$size"
	elif [ "$size" -eq $((128 << 10)) ]; then
		{ printf '%s' "$window"; head -c $(((64 << 10) - 1)) /dev/zero; cat "$T/top.bin"; } >"$T/rom$size"
	else
		cp "$T/top.bin" "$T/rom$size"
	fi
}
rom $((128 << 10)) W
run boot --bios "$T/rom131072" --dump-state "$T/bios.json"
[ "$rc" -eq 67 ] || fail "--bios 128K: status $rc, expected 67 (stdout '$(cat "$T/out")')"
[ "$(cat "$T/out")" = "R" ] || fail "--bios 128K: output '$(cat "$T/out")'"
expect_json "$T/bios.json" 's["start_mode"]' bios
rom $((16 << 20)) W
run boot --bios "$T/rom16777216"
[ "$rc" -eq 67 ] || fail "--bios 16M: status $rc, expected 67"
# 64 KiB: the whole image at F0000h, so E000:0000 is RAM (zero), not 'W'.
rom $((64 << 10)) W
run boot --bios "$T/rom65536"
[ "$rc" -eq 69 ] || fail "--bios 64K: status $rc, expected 69 (E0000h is not ROM)"

echo "boot_basic: all checks passed"
