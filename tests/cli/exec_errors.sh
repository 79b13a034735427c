#!/bin/bash
# exec_errors.sh - bad input to vtsim: a one-line "vtsim: ..." message and status 2, never a crash.
# Exit 0 when every check passes, 1 with a message otherwise.
set -u

VTSIM=${VTSIM:-./vtsim}
if [ ! -x "$VTSIM" ]; then
	VTSIM="$(cd "$(dirname "$0")/../.." && pwd)/vtsim"
fi
if [ ! -x "$VTSIM" ]; then
	echo "exec_errors: no vtsim binary (set VTSIM)" >&2
	exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/vtsim-exec-errors.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
failures=0

# A guest that would run fine: HLT. Written with printf: no nasm needed.
printf '\xf4' >"$T/hlt.bin"
printf '\x90\x90\x90\x90\x90\x90\x90\x90\xf4' >"$T/nops.bin"
G="0x1000:$T/hlt.bin"

# bad NAME PATTERN ARGS...: vtsim ARGS must exit 2 with exactly one
# stderr line that starts with "vtsim: " and matches the extended regex
# PATTERN, print nothing on stdout, and not die of a signal.
bad() {
	local name=$1 pattern=$2
	shift 2
	"$VTSIM" "$@" >"$T/out" 2>"$T/err"
	local rc=$? lines
	lines=$(wc -l <"$T/err")
	if [ "$rc" -ne 2 ]; then
		echo "FAIL: $name: status $rc, expected 2 (args: $*)" >&2
		[ "$rc" -gt 128 ] && echo "      killed by signal $((rc - 128))" >&2
		failures=$((failures + 1))
	elif [ "$lines" -ne 1 ]; then
		echo "FAIL: $name: $lines lines on stderr, expected 1:" >&2
		sed 's/^/      /' "$T/err" >&2
		failures=$((failures + 1))
	elif ! grep -q '^vtsim: ' "$T/err"; then
		echo "FAIL: $name: message does not start with 'vtsim: ': $(cat "$T/err")" >&2
		failures=$((failures + 1))
	elif ! grep -Eq -- "$pattern" "$T/err"; then
		echo "FAIL: $name: message does not match /$pattern/: $(cat "$T/err")" >&2
		failures=$((failures + 1))
	elif [ -s "$T/out" ]; then
		echo "FAIL: $name: wrote to stdout" >&2
		failures=$((failures + 1))
	fi
}

# --- files ------------------------------------------------------------
bad "missing --load file" "$T/nope.bin" exec --load "0x1000:$T/nope.bin"
bad "missing --regs file" "$T/nope.json" exec --load "$G" --regs "$T/nope.json"
bad "--regs is a directory" "$T" exec --load "$G" --regs "$T"
if [ "$(id -u)" -ne 0 ]; then
	printf '{"rax": 1}' >"$T/locked.json"
	chmod 000 "$T/locked.json"
	bad "unreadable --regs" "locked.json" exec --load "$G" --regs "$T/locked.json"
fi
bad "--load file is a directory" "$T" exec --load "0x1000:$T"

# --- --regs contents: file:line:column or the offending name ------------
json_case() {
	local name=$1 text=$2 pattern=$3
	printf '%b' "$text" >"$T/r.json"
	bad "--regs $name" "$pattern" exec --load "$G" --regs "$T/r.json"
}
json_case "trailing comma" '{"rax": 1,}' 'r\.json.*line 1, column 11'
json_case "missing colon on line 3" '{\n  "rax": 1,\n  "rbx" 2\n}\n' 'line 3, column 9'
json_case "empty file" '' 'line 1, column 1'
json_case "an array" '[1, 2]' 'line 1, column 1'
json_case "fraction" '{"rax": 1.5}' 'line 1, column 9'
json_case "exponent" '{"rax": 1e3}' 'line 1, column 9'
json_case "boolean" '{"rax": true}' 'line 1, column 9'
json_case "too big" '{"rax": 18446744073709551616}' 'line 1, column 9'
json_case "bad string number" '{"rax": "12z"}' 'line 1, column 9'
json_case "unterminated" '{"rax": 1' 'line 1, column 10'
json_case "unterminated string" '{"rax' 'line 1'
json_case "text after" '{"rax": 1} {}' 'line 1, column 12'
json_case "unknown register" '{"rax": 1,\n "xmm0": 2}' 'unknown register "xmm0".*|line 2.*xmm0|xmm0.*line 2'
json_case "long name" "{\"$(printf 'r%.0s' $(seq 200))\": 1}" 'line 1'
json_case "NUL byte" '{"rax"\0: 1}' 'line 1'

# --- --load -----------------------------------------------------------
bad "--load without colon" "not ADDR:FILE" exec --load "0x1000$T/hlt.bin"
bad "--load without address" "not ADDR:FILE" exec --load ":$T/hlt.bin"
bad "--load without file" "not ADDR:FILE" exec --load "0x1000:"
bad "--load bad address" "not ADDR:FILE" exec --load "0xzz:$T/hlt.bin"
bad "overlapping loads" "overlaps" exec --load "0x1000:$T/nops.bin" --load "0x1004:$T/hlt.bin"
bad "load beyond RAM" "does not fit" exec --memory 1M --load "0x100000:$T/hlt.bin"
bad "load into the loader's tables" "does not fit" exec --memory 1M --load "0xff000:$T/hlt.bin"
bad "load at 2^64-1" "does not fit" exec --load "0xffffffffffffffff:$T/nops.bin"
bad "load beyond RAM in real16" "does not fit" exec --mode real16 --memory 64K --load "0x10000:$T/hlt.bin"

# --- --memory ---------------------------------------------------------
for m in 0 1T abc 4096 65535 -1 1X 0x 64K1 99999999999999999999999; do
	bad "--memory $m" "--memory.*'$m'" exec --memory "$m" --load "$G"
done

# --- other options ----------------------------------------------------
bad "bad --mode" "--mode.*'real32'" exec --mode real32 --load "$G"
bad "empty --mode" "--mode" exec --mode "" --load "$G"
for n in 0 -5 abc 1.5 18446744073709551616 ""; do
	bad "--max-insns '$n'" "--max-insns" exec --max-insns "$n" --load "$G"
done
bad "bad --entry" "--entry.*'here'" exec --entry here --load "$G"
bad "real16 entry above 1 MiB" "--entry" exec --mode real16 --load "$G" --entry 0x100000
bad "--dump-mem without --dump-state" "--dump-state" exec --load "$G" --dump-mem 0x1000:16
bad "--dump-mem zero length" "--dump-mem" exec --load "$G" --dump-state "$T/s.json" --dump-mem 0x1000:0
bad "--dump-mem no length" "--dump-mem" exec --load "$G" --dump-state "$T/s.json" --dump-mem 0x1000
bad "--dump-mem too long" "--dump-mem" exec --load "$G" --dump-state "$T/s.json" --dump-mem 0x1000:1G
bad "unknown option" "--frobnicate" exec --frobnicate --load "$G"
bad "option missing its value" "--mode" exec --load "$G" --mode
bad "stray argument" "stray" exec --load "$G" stray
bad "no --load" "--load" exec
bad "no --load, other options" "--load" exec --mode prot32 --max-insns 5
bad "unknown command" "'frob'" frob
bad "unknown command that looks like an option" "'-x'" -x

# --- no arguments: usage on stderr, status 2 --------------------------
"$VTSIM" >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -ne 2 ]; then
	echo "FAIL: no arguments: status $rc, expected 2" >&2
	failures=$((failures + 1))
elif ! grep -q '^usage: vtsim' "$T/err" || ! grep -q exec "$T/err"; then
	echo "FAIL: no arguments: no usage on stderr" >&2
	failures=$((failures + 1))
elif [ -s "$T/out" ]; then
	echo "FAIL: no arguments: usage went to stdout" >&2
	failures=$((failures + 1))
fi

# --- a good run still works after all that ----------------------------
"$VTSIM" exec --load "$G" >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -ne 0 ]; then
	echo "FAIL: the control run exited $rc" >&2
	failures=$((failures + 1))
fi

if [ "$failures" -ne 0 ]; then
	echo "exec_errors: $failures checks failed" >&2
	exit 1
fi
echo "exec_errors: all checks passed"
exit 0
