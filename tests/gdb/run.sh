#!/bin/bash
# run.sh - the gdb stub end to end: Debian's gdb attaches to `vtsim run|boot --gdb`, breaks, steps, reads registers and memory, watches.
# Exit 0 when every check passes, 1 on the first failure (with the transcript), 77 (skip) without gdb.
set -u

VTSIM=${VTSIM:-./vtsim}
if [ ! -x "$VTSIM" ]; then
	VTSIM="$(cd "$(dirname "$0")/../.." && pwd)/vtsim"
fi
case "$VTSIM" in /*) ;; *) VTSIM="$PWD/$VTSIM" ;; esac
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
NASM=${NASM:-nasm}
for tool in gdb timeout; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "gdb/run: $tool not found, skipping (Debian: apt-get install gdb)" >&2
		exit 77
	fi
done

T=$(mktemp -d "${TMPDIR:-/tmp}/vtsim-gdb.XXXXXX") || exit 1
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

fail() {
	echo "gdb/run: FAIL: $*" >&2
	for f in gdb.out vt.err vt.out; do
		if [ -s "$T/$f" ]; then
			echo "--- $f:" >&2
			cat "$T/$f" >&2
		fi
	done
	exit 1
}

# start ARGS...: vtsim ARGS --gdb 0 in the background (killed after 60 s
# whatever happens); sets PID and PORT from its "target remote :PORT" line.
start() {
	rm -f "$T/vt.err" "$T/vt.out" "$T/gdb.out"
	timeout 60 "$VTSIM" "$@" --gdb 0 >"$T/vt.out" 2>"$T/vt.err" &
	PID=$!
	PIDS+=("$PID")
	PORT=
	for _ in $(seq 100); do
		PORT=$(sed -n 's/.*target remote :\([0-9][0-9]*\).*/\1/p' "$T/vt.err")
		[ -n "$PORT" ] && return 0
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	fail "vtsim $* --gdb 0 did not say where to connect"
}

# debug GDB-ARGS...: a batch gdb session against $PORT, output in $T/gdb.out.
debug() {
	timeout 30 gdb -nx -batch -ex 'set architecture i386:x86-64' -ex "target remote :$PORT" \
		"$@" >"$T/gdb.out" 2>&1 || true
}

# finish STATUS: vtsim (after gdb is gone) exits with STATUS.
finish() {
	wait "$PID"
	local rc=$?
	[ "$rc" -eq "$1" ] || fail "vtsim exited with status $rc, expected $1"
}

expect() {
	grep -q -e "$1" "$T/gdb.out" || fail "gdb output lacks '$1'"
}

expect_err() {
	grep -q -e "$1" "$T/vt.err" || fail "vtsim's stderr lacks '$1'"
}

HELLO="$TOP_SRCDIR/scenarios/hello-long64.yaml"

# 1. The session of the issue: break, continue, step, registers, memory,
#    monitor; gdb quits (detaches) and the run goes on to pass.
#    hello-long64 at 0x100000: lea rsi,[rel msg] (7 bytes) ... .done at
#    0x100010: mov eax, 42 (5 bytes); hlt.
start run "$HELLO"
debug -ex 'info registers rip' -ex 'break *0x100010' -ex 'continue' -ex 'stepi' \
	-ex 'info registers rip' -ex 'info registers rax' -ex 'x/4xb 0x100000' \
	-ex 'info registers cr0' -ex 'info registers efer' -ex 'info registers cs' \
	-ex 'p/x $cr3' -ex 'p/x $fs_base' -ex 'monitor regs' -ex 'monitor walk 0x100000'
expect 'rip  *0x100000 '
expect 'Breakpoint 1, 0x0000000000100010'
expect 'rip  *0x100015 '
expect 'rax  *0x2a  *42'
expect '0x100000:.0x48.0x8d.0x35.0x0f'
expect 'cr0  *0x8001003[13]  *\[ PE .*PG \]'
expect 'efer  *0x[0-9a-f]*  *\[.*LMA.*\]'
expect 'cs  *0x8 '
expect '\$1 = 0x[0-9a-f]'
expect 'detached'
# `monitor regs` is the debugger's `regs` command.
expect 'rip  *0x0000000000100015'
expect 'cpl 0  long64'
expect 'PML4E at 0x'

finish 0
grep -q 'hello from 64-bit mode' "$T/vt.out" || fail "the guest's output is missing after detach"
expect_err 'PASS'

# 2. The end of the run: first a stop at the final state, then the exit.
start run "$HELLO"
debug -ex 'continue' -ex 'info registers rax' -ex 'continue'
expect 'HLT with interrupts disabled at rip 0x100016'
expect 'rax  *0x2a'
expect 'exited normally'
finish 0

# 3. Watchpoints: write (value change), read and access (decoded operands).
cat >"$T/watch.yaml" <<'EOF'
name: gdb-watch
machine: {mode: long64, memory: 4M}
memory:
  - at: 0x100000
    asm: |
      start:
        mov rcx, 3
      .loop:
        add qword [rel counter], 1   ; 0x100005: reads and writes counter
        mov rax, [rel other]         ; 0x10000d: reads other
        dec rcx
        jnz .loop
        hlt
      align 32
      counter: dq 0                  ; 0x100020
      other: dq 5                    ; 0x100028
expect:
  stop: hlt
EOF
start run "$T/watch.yaml"
debug -ex 'watch *(long *)0x100020' -ex 'continue' -ex 'continue' -ex 'delete' \
	-ex 'rwatch *(long *)0x100028' -ex 'continue' -ex 'info registers rip' -ex 'delete' \
	-ex 'hbreak *0x100020' -ex 'x/2xg 0x100020' -ex 'x/xb 0x7ff000000000'
expect 'Old value = 0'
expect 'New value = 2'
expect 'Hardware read watchpoint 2'
expect 'Value = 5'
expect 'rip  *0x100014 '
expect '0x100020:.0x0000000000000002.0x0000000000000005'
expect 'Cannot access memory at address 0x7ff000000000'
finish 0

# 4. kill ends the run where it is: the expectations fail (status 1).
start run "$HELLO"
debug -ex 'stepi' -ex 'kill'
expect 'killed'
finish 1
expect_err 'gdb killed the run at rip 0x100007'

# 5. Bad ports and a port in use: explained, status 2.
"$VTSIM" run "$HELLO" --gdb nope >"$T/out" 2>"$T/err"
[ $? -eq 2 ] && grep -q "not a TCP port" "$T/err" || fail "--gdb nope was not rejected"
"$VTSIM" run "$HELLO" --gdb 70000 >"$T/out" 2>"$T/err"
[ $? -eq 2 ] && grep -q "not a TCP port" "$T/err" || fail "--gdb 70000 was not rejected"
start run "$HELLO"
timeout 20 "$VTSIM" run "$HELLO" --gdb "$PORT" >"$T/out" 2>"$T/err"
[ $? -eq 2 ] && grep -q "is in use" "$T/err" || fail "a port in use was not explained: $(cat "$T/err")"
debug -ex 'detach'
finish 0

# 6. vtsim boot --gdb: a Multiboot kernel stops before its first
#    instruction with the loader's state (EAX = the Multiboot magic).
if command -v "$NASM" >/dev/null 2>&1; then
	cat >"$T/k.asm" <<'EOF'
bits 32
org 0x100000
FLAGS equ 0x00010003
header:
	dd 0x1badb002, FLAGS, -(0x1badb002 + FLAGS)
	dd header, header, 0, end, start
start:
	mov al, 'k'
	out 0xe9, al
	hlt
end:
EOF
	"$NASM" -f bin -o "$T/k.bin" "$T/k.asm" || fail "nasm failed on the test kernel"
	start boot "$T/k.bin"
	debug -ex 'info registers rip' -ex 'info registers rax' -ex 'stepi' -ex 'info registers rax'
	expect 'rip  *0x100020 '
	expect 'rax  *0x2badb002 '
	expect 'rax  *0x2badb06b '
	finish 0
	grep -q '^k' "$T/vt.out" || fail "the kernel's output is missing"
fi

echo "gdb/run: all checks passed"
