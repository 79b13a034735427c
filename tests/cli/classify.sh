#!/bin/bash
# classify.sh - `vtsim classify`: the Popek-Goldberg verdict from the runs.
# The sensitive-but-unprivileged list holds the instructions Robin and
# Irvine found, the privileged list the system instructions, and no
# instruction exits in VMX non-root operation with default controls unless
# vtsim's exit table (`vtsim vmx exits`) makes it exit without a control
# bit set: unconditionally, or through a bitmap the default controls do not
# use (RDMSR and WRMSR exit when "use MSR bitmaps" is 0).
# Exit 0 when every check passes, 1 with a message otherwise.
set -u

VTSIM=${VTSIM:-./vtsim}
if [ ! -x "$VTSIM" ]; then
	VTSIM="$(cd "$(dirname "$0")/../.." && pwd)/vtsim"
fi
if [ ! -x "$VTSIM" ]; then
	echo "classify: no vtsim binary (set VTSIM)" >&2
	exit 1
fi
failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$VTSIM" classify >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 0 ] || fail "vtsim classify: exit status $rc: $(head -n 3 "$tmp/err")"

# in_list LABEL NAME: NAME is an item of the comma-separated list after "LABEL: ".
in_list() {
	sed -n "s/^$1: //p" "$tmp/out" | tr ',' '\n' | sed 's/^ *//; s/ *$//' | grep -qx -- "$2"
}
for i in SGDT SIDT SMSW PUSHF POPF LAR LSL VERR VERW "PUSH CS"; do
	in_list "sensitive but not privileged" "$i" || fail "$i is not listed as sensitive but not privileged"
done
for i in CLI STI HLT LGDT LIDT "MOV to CR0" "MOV to CR3" "MOV from CR0"; do
	in_list "privileged (trap when deprivileged)" "$i" || fail "$i is not listed as privileged"
done
grep -q '^Verdict\.' "$tmp/out" || fail "no verdict"
grep -q 'the condition fails' "$tmp/out" || fail "the verdict does not say that the condition fails"

# Rows: the instruction (12 columns), then the CPL-1 column (50), then the
# VMX column. A row that traps deprivileged says which exception.
rows=$(sed -n '/^instruction /,/^$/p' "$tmp/out" | sed '1d;/^$/d')
[ "$(wc -l <<<"$rows")" -ge 30 ] || fail "only $(wc -l <<<"$rows") rows"
grep -q '^POPF .*IF unchanged (CPL 0: set)' <<<"$rows" || fail "POPF: IF not shown as dropped"
grep -q '^PUSH CS .*pushes 0x00000019 (CPL 0: 0x00000008)' <<<"$rows" || fail "PUSH CS: RPL 1 not shown"
grep -q '^CLI .*traps: #GP' <<<"$rows" || fail "CLI: no #GP"

# What may exit with default controls: the reasons whose control is
# "always", plus MSR_READ/MSR_WRITE (no MSR bitmaps with default controls).
allowed=$("$VTSIM" vmx exits | sed -n 's/^  exit reason [0-9]* (\([A-Z_0-9]*\)); control: always$/\1/p')
allowed="$allowed MSR_READ MSR_WRITE"
"$VTSIM" vmx exits RDMSR | grep -q '"use MSR bitmaps" = 0' || fail "vmx exits: RDMSR does not exit when \"use MSR bitmaps\" = 0"
while IFS= read -r line; do
	vmx=${line:64:20}
	case $vmx in
	"exit: "*)
		r=${vmx#exit: }
		r=${r%% *}
		grep -qw -- "$r" <<<"$allowed" || fail "${line:0:12}: exits ($r) with default controls, which vtsim's exit table does not make unconditional"
		;;
	"no exit"*) ;;
	*) fail "${line:0:12}: VMX column '$vmx'" ;;
	esac
done <<<"$rows"
# CPUID always exits, so it is not one of the candidates.
grep -q '^CPUID ' <<<"$rows" && fail "CPUID is in the list"

# Bad arguments: status 2, one line.
for args in "classify x" "classify --bogus" "classify --profile bogus"; do
	# shellcheck disable=SC2086
	"$VTSIM" $args >/dev/null 2>"$tmp/bad"
	rc=$?
	[ "$rc" -eq 2 ] || fail "vtsim $args: exit status $rc, expected 2"
	[ "$(wc -l <"$tmp/bad")" -eq 1 ] || fail "vtsim $args: expected one line on stderr"
done

if [ "$failures" -ne 0 ]; then
	echo "classify: $failures failure(s)"
	exit 1
fi
echo "classify: all checks passed"
