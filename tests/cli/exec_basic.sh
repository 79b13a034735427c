#!/bin/bash
# exec_basic.sh - `vtsim exec` end to end: help, output, exit statuses, --regs, --dump-state/--dump-mem, --stats, modes.
# Exit 0 when every check passes, 1 on the first failure (with a message), 77 (skip) without nasm or python3.
set -u

VTSIM=${VTSIM:-./vtsim}
if [ ! -x "$VTSIM" ]; then
	VTSIM="$(cd "$(dirname "$0")/../.." && pwd)/vtsim"
fi
if [ ! -x "$VTSIM" ]; then
	echo "exec_basic: no vtsim binary (set VTSIM)" >&2
	exit 1
fi
for tool in nasm python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "exec_basic: $tool not found, skipping" >&2
		exit 77
	fi
done

T=$(mktemp -d "${TMPDIR:-/tmp}/vtsim-exec-basic.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

fail() {
	echo "exec_basic: FAIL: $*" >&2
	if [ -s "$T/err" ]; then
		echo "--- stderr of the last run:" >&2
		cat "$T/err" >&2
	fi
	exit 1
}

# asm NAME: assemble $T/NAME.asm (from stdin) into $T/NAME.bin.
asm() {
	cat >"$T/$1.asm"
	nasm -f bin -o "$T/$1.bin" "$T/$1.asm" || fail "nasm could not assemble $1"
}

# run ARGS...: run vtsim with stdout in $T/out, stderr in $T/err; status in $rc.
run() {
	"$VTSIM" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# json FILE EXPR: evaluate a Python expression over the parsed JSON state `s`.
json() {
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# expect_json FILE EXPR VALUE
expect_json() {
	local got
	got=$(json "$1" "$2") || fail "cannot evaluate $2 over $1"
	[ "$got" = "$3" ] || fail "$2 is '$got', expected '$3'"
}

# --- help and version -------------------------------------------------
run exec --help
[ "$rc" -eq 0 ] || fail "exec --help exited $rc"
for opt in --mode --memory --load --entry --regs --max-insns --dump-state --dump-mem --stats --help; do
	grep -q -- "$opt" "$T/out" || fail "exec --help does not mention $opt"
done
for mode in real16 prot32 long64; do
	grep -q "$mode" "$T/out" || fail "exec --help does not mention mode $mode"
done
run --help
[ "$rc" -eq 0 ] && grep -q exec "$T/out" || fail "vtsim --help does not list exec (status $rc)"
run --version
[ "$rc" -eq 0 ] && grep -q '^vtsim ' "$T/out" || fail "vtsim --version (status $rc)"

# --- output through 0xE9, HLT, the stop line --------------------------
asm hello <<'EOF'
bits 64
org 0x1000
	lea rsi, [rel msg]
next:	lodsb
	test al, al
	jz done
	out 0xe9, al
	jmp next
done:	hlt
msg:	db "Hello, vtsim!", 10, 0
EOF
run exec --load "0x1000:$T/hello.bin"
[ "$rc" -eq 0 ] || fail "hello: status $rc, expected 0 after HLT"
[ "$(cat "$T/out")" = "Hello, vtsim!" ] || fail "hello: stdout is '$(cat "$T/out")'"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "hello: expected one line on stderr"
grep -q '^vtsim: stop: hlt .*at rip 0x' "$T/err" || fail "hello: no stop line"

# --- the exit port: status (v << 1) | 1 -------------------------------
for v in 0 21 100; do
	asm exit$v <<EOF
bits 64
	mov al, $v
	out 0xf4, al
	hlt
EOF
	run exec --load "0x1000:$T/exit$v.bin"
	want=$(((v << 1) | 1))
	[ "$rc" -eq "$want" ] || fail "exit port $v: status $rc, expected $want"
	grep -q '^vtsim: stop: exit-port' "$T/err" || fail "exit port $v: no stop line"
done

# --- the instruction limit --------------------------------------------
asm spin <<'EOF'
bits 64
spin:	inc rax
	jmp spin
EOF
run exec --load "0x1000:$T/spin.bin" --max-insns 10
[ "$rc" -eq 4 ] || fail "--max-insns: status $rc, expected 4"
grep -q '^vtsim: stop: max-insns .*after 10 instructions' "$T/err" || fail "--max-insns: no stop line"
run exec --load "0x1000:$T/spin.bin" --max-insns 1e3 --dump-state "$T/s.json"
[ "$rc" -eq 4 ] || fail "--max-insns 1e3: status $rc"
expect_json "$T/s.json" 's["instructions"]' 1000
expect_json "$T/s.json" 's["registers"]["rax"]' 500

# --- triple fault -----------------------------------------------------
asm ud <<'EOF'
bits 64
	nop
	ud2
EOF
run exec --load "0x1000:$T/ud.bin"
[ "$rc" -eq 6 ] || fail "triple fault: status $rc, expected 6"
grep -q '^vtsim: stop: shutdown .*at rip 0x1001' "$T/err" || fail "triple fault: no stop line at the UD2"
grep -q '^vtsim: last exception: vector' "$T/err" || fail "triple fault: no last-exception line"
run exec --load "0x1000:$T/ud.bin" --dump-state "$T/tf.json"
[ "$rc" -eq 6 ] || fail "triple fault with --dump-state: status $rc"
expect_json "$T/tf.json" 's["stop"]' shutdown
expect_json "$T/tf.json" 's["registers"]["rip"]' $((0x1001))
expect_json "$T/tf.json" 's["instructions"]' 1
expect_json "$T/tf.json" '"triple fault" in s["last_exception"]["why"]' True
expect_json "$T/tf.json" 's["last_exception"]["rip"]' $((0x1001))

# --- --regs and --dump-state ------------------------------------------
asm addregs <<'EOF'
bits 64
	add rax, rbx
	hlt
EOF
cat >"$T/regs.json" <<'EOF'
{
  "rax": 1,
  "rbx": "0x10",
  "rcx": 18446744073709551615,
  "r15": "0b101",
  "rflags": 3
}
EOF
run exec --load "0x1000:$T/addregs.bin" --regs "$T/regs.json" --dump-state -
[ "$rc" -eq 0 ] || fail "--regs: status $rc"
cp "$T/out" "$T/state.json"
expect_json "$T/state.json" 's["registers"]["rax"]' 17
expect_json "$T/state.json" 's["registers"]["rbx"]' 16
expect_json "$T/state.json" 's["registers"]["rcx"]' 18446744073709551615
expect_json "$T/state.json" 's["registers"]["r15"]' 5
expect_json "$T/state.json" 's["registers"]["rip"]' $((0x1000 + 4))
expect_json "$T/state.json" 's["registers"]["rflags"] & 0xfd5' 4  # 1 + 16: PF only, the CF from --regs cleared
expect_json "$T/state.json" 's["stop"]' hlt
expect_json "$T/state.json" 's["instructions"]' 2
expect_json "$T/state.json" 's["start_mode"]' long64
expect_json "$T/state.json" 's["exit_code"]' -1
expect_json "$T/state.json" 's["cpl"]' 0
expect_json "$T/state.json" 's["memory"]' '[]'

# --- --dump-mem -------------------------------------------------------
asm poke <<'EOF'
bits 64
	mov dword [0x2000], 0xdeadbeef
	mov byte [0x2005], 0x7f
	hlt
EOF
run exec --load "0x1000:$T/poke.bin" --dump-state "$T/mem.json" --dump-mem 0x2000:8 --dump-mem 0x1000:2
[ "$rc" -eq 0 ] || fail "--dump-mem: status $rc"
expect_json "$T/mem.json" 'len(s["memory"])' 2
expect_json "$T/mem.json" 's["memory"][0]["addr"]' $((0x2000))
expect_json "$T/mem.json" 's["memory"][0]["len"]' 8
expect_json "$T/mem.json" 's["memory"][0]["hex"]' efbeadde007f0000
expect_json "$T/mem.json" 's["memory"][1]["hex"]' "$(od -An -tx1 -N2 "$T/poke.bin" | tr -d ' \n')"

# --- --stats ----------------------------------------------------------
run exec --load "0x1000:$T/hello.bin" --stats
[ "$rc" -eq 0 ] || fail "--stats: status $rc"
for key in instructions cycles wall-seconds mips decoded-blocks decoded-insns smc-invalidations; do
	grep -q "^$key: [0-9]" "$T/err" || fail "--stats: no '$key:' line"
done
stats_insns=$(sed -n 's/^instructions: //p' "$T/err")
grep -q "after $stats_insns instructions" "$T/err" || fail "--stats: instruction count differs from the stop line"

# --- real16 -----------------------------------------------------------
asm real <<'EOF'
bits 16
org 0x7c00
	mov si, msg
next:	lodsb
	test al, al
	jz done
	out 0xe9, al
	jmp next
done:	mov ax, cs
	hlt
msg:	db "R16", 10, 0
EOF
run exec --mode real16 --load "0x7c00:$T/real.bin" --dump-state "$T/real.json"
[ "$rc" -eq 0 ] || fail "real16: status $rc"
[ "$(cat "$T/out")" = "R16" ] || fail "real16: stdout is '$(cat "$T/out")'"
expect_json "$T/real.json" 's["start_mode"]' real16
expect_json "$T/real.json" 's["registers"]["cr0"] & 1' 0

# Above 64 KiB the entry becomes CS:IP with CS = (entry >> 4) & F000h.
asm real2 <<'EOF'
bits 16
	mov ax, 0x1234
	hlt
EOF
run exec --mode real16 --load "0x12340:$T/real2.bin" --dump-state "$T/real2.json"
[ "$rc" -eq 0 ] || fail "real16 at 12340h: status $rc"
expect_json "$T/real2.json" 's["registers"]["cs"]' $((0x1000))
expect_json "$T/real2.json" 's["registers"]["rip"]' $((0x2344))
expect_json "$T/real2.json" 's["registers"]["rax"]' $((0x1234))

# --- prot32 -----------------------------------------------------------
asm prot <<'EOF'
bits 32
org 0x100000
	mov esi, msg
next:	lodsb
	test al, al
	jz done
	out 0xe9, al
	jmp next
done:	mov eax, 0x80000000
	add eax, eax
	hlt
msg:	db "P32", 10, 0
EOF
run exec --mode prot32 --load "0x100000:$T/prot.bin" --dump-state "$T/prot.json"
[ "$rc" -eq 0 ] || fail "prot32: status $rc"
[ "$(cat "$T/out")" = "P32" ] || fail "prot32: stdout is '$(cat "$T/out")'"
expect_json "$T/prot.json" 's["start_mode"]' prot32
expect_json "$T/prot.json" 's["registers"]["cs"]' 8
expect_json "$T/prot.json" 's["registers"]["rax"]' 0
expect_json "$T/prot.json" 's["registers"]["rflags"] & 0x841' $((0x841))  # OF ZF CF

# --- two files and --entry --------------------------------------------
asm lib <<'EOF'
bits 64
	mov ebx, 7
	hlt
EOF
run exec --load "0x1000:$T/hello.bin" --load "0x3000:$T/lib.bin" --entry 0x3000 --dump-state "$T/entry.json"
[ "$rc" -eq 0 ] || fail "--entry: status $rc"
[ ! -s "$T/out" ] || fail "--entry: the first file ran"
expect_json "$T/entry.json" 's["registers"]["rbx"]' 7

echo "exec_basic: all checks passed"
exit 0
