#!/bin/bash
# tour.sh - `vtsim tour`: every pair of scenarios/challenges runs, and each
# row shows what docs/challenges.md promises (RPL 1 vs 0, IF 0 vs 1, traps
# under the software VMM, no VM exits where VT-x needs none); `vtsim tour 1`
# narrates; the memory-virtualization table (also `vtsim tour memory`) shows
# traps for every PTE write under shadow paging, no VM exits under EPT, and
# longer walks under EPT, shorter with 2 MiB EPT pages; bad arguments are
# one line and status 2.
# Exit 0 when every check passes, 1 with a message otherwise.
set -u

VTSIM=${VTSIM:-./vtsim}
if [ ! -x "$VTSIM" ]; then
	VTSIM="$(cd "$(dirname "$0")/../.." && pwd)/vtsim"
fi
if [ ! -x "$VTSIM" ]; then
	echo "tour: no vtsim binary (set VTSIM)" >&2
	exit 1
fi
TOP=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
DIR=$TOP/scenarios/challenges
failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The whole tour: status 0, seven challenges, every row ok.
"$VTSIM" tour --scenarios "$DIR" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 0 ] || fail "vtsim tour: exit status $rc: $(grep '^FAIL' "$tmp/out" | head -n 3) $(head -n 3 "$tmp/err")"
grep -q '^N  challenge' "$tmp/out" || fail "no table header"
grep -q '^What VT-x changed' "$tmp/out" || fail "no story under the table"

# The rows: N, title, the two observed columns (fixed width), then
# traps/op, exits/op, cycles/op (sw), cycles/op (VT-x), result.
awk '/^[1-7] / { t = substr($0, 4, 26); sw = substr($0, 31, 30); vtx = substr($0, 62, 30);
	sub(/ +$/, "", t); sub(/ +$/, "", sw); sub(/ +$/, "", vtx);
	split(substr($0, 93), f, " "); print substr($0, 1, 1) "|" t "|" sw "|" vtx "|" f[1] "|" f[2] "|" f[3] "|" f[4] "|" f[5] }' \
	"$tmp/out" >"$tmp/rows"
for n in 1 2 3 4 5 6 7; do
	grep -q "^$n|" "$tmp/rows" || fail "challenge $n: no row"
done

# gt A B: A > B for numbers such as 2 or 1.5; "-" is never greater.
gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "-" && a + 0 > b + 0) }'; }

while IFS='|' read -r n title sw vtx traps exits csw cvtx result; do
	row="challenge $n ($title)"
	[ "$result" = ok ] || fail "$row: result '$result'"
	for c in "$csw" "$cvtx"; do
		gt "$c" 0 || fail "$row: cycles per operation '$c'"
	done
	case $n in
	1)
		[[ $sw == *"(RPL 1)"* || $sw == *"(RPL 3)"* ]] || fail "$row: software VMM shows '$sw', expected RPL 1"
		[[ $vtx == *"(RPL 0)"* ]] || fail "$row: VT-x shows '$vtx', expected RPL 0"
		[ "$exits" = 0 ] || fail "$row: $exits exits per operation, expected 0"
		;;
	2)
		[[ $sw == "write failed"* ]] || fail "$row: software VMM shows '$sw', expected the write to fail"
		gt "$(sed -n 's/.*, \([0-9]*\) trap.*/\1/p' <<<"$sw")" 0 || fail "$row: software VMM shows '$sw', expected traps"
		[[ $vtx == "write ok, 0 traps" ]] || fail "$row: VT-x shows '$vtx', expected 'write ok, 0 traps'"
		[ "$exits" = 0 ] || fail "$row: $exits exits per operation, expected 0"
		;;
	3)
		[[ $sw == "IF=0,"* ]] || fail "$row: software VMM shows '$sw', expected IF=0"
		[[ $vtx == "IF=1,"* ]] || fail "$row: VT-x shows '$vtx', expected IF=1"
		[ "${sw#*SIDT=}" != "${vtx#*SIDT=}" ] || fail "$row: the same IDT base on both sides ('$sw', '$vtx')"
		;;
	4)
		gt "$traps" 0 || fail "$row: $traps traps per system call, expected some"
		[ "$exits" = 0 ] || fail "$row: $exits exits per system call, expected 0"
		[ "${sw%% *}" = "${vtx%% *}" ] || fail "$row: system calls handled differ ('$sw', '$vtx')"
		gt "$csw" "$cvtx" || fail "$row: VT-x ($cvtx cycles) not cheaper than the software VMM ($csw)"
		;;
	5)
		gt "$traps" 0 || fail "$row: CLI/STI did not trap under the software VMM ($traps per operation)"
		gt "$traps" "$exits" || fail "$row: $exits exits per operation under VT-x, not fewer than $traps traps"
		gt "${vtx%% *}" 0 || fail "$row: VT-x guest received no timer interrupt ('$vtx')"
		;;
	6)
		case $title in
		*64-bit*) [[ $sw == "monitor read, app read kernel" ]] || fail "$row: software VMM shows '$sw', expected both reads to succeed" ;;
		*) [[ $sw == "monitor safe,"* ]] || fail "$row: software VMM shows '$sw', expected the monitor read to fault" ;;
		esac
		[[ $vtx == "monitor safe, app faulted" ]] || fail "$row: VT-x shows '$vtx', expected both to fault"
		;;
	7)
		[ "$sw" != "$vtx" ] || fail "$row: the same byte on both sides ('$sw')"
		;;
	esac
done <"$tmp/rows"

# The memory table: setup, what a miss walks (fixed width), what the run
# counted (fixed width), then traps/op, exits/op, refs/miss, worst, misses,
# cycles/op, result.
mem_rows() {
	awk '/^(native|shadow|ept-4k|ept-2m) / { split(substr($0, 72), f, " ");
		print $1 "|" f[1] "|" f[2] "|" f[3] "|" f[4] "|" f[5] "|" f[6] "|" f[7] }' "$1"
}
check_memory() {
	local out=$1 what=$2
	grep -q '^Memory virtualization: ' "$out" || fail "$what: no memory-virtualization table"
	grep -q '^setup  *a TLB miss walks' "$out" || fail "$what: no memory table header"
	mem_rows "$out" >"$tmp/mem"
	for k in native shadow ept-4k ept-2m; do
		grep -q "^$k|" "$tmp/mem" || fail "$what: memory row $k missing"
	done
	declare -A traps exits refs cycles
	while IFS='|' read -r k tr ex rf worst misses cyc result; do
		[ "$result" = ok ] || fail "$what: memory row $k: result '$result'"
		gt "$rf" 0 || fail "$what: memory row $k: references per miss '$rf'"
		gt "$cyc" 0 || fail "$what: memory row $k: cycles per PTE write '$cyc'"
		awk -v a="$rf" -v b="$worst" 'BEGIN { exit !(a + 0 <= b + 0) }' ||
			fail "$what: memory row $k: $rf references per miss, more than the worst case $worst"
		traps[$k]=$tr exits[$k]=$ex refs[$k]=$rf cycles[$k]=$cyc
	done <"$tmp/mem"
	[ "${traps[native]:-}" = 0 ] || fail "$what: native: ${traps[native]:-?} traps per PTE write, expected 0"
	gt "${traps[shadow]:-0}" 0.99 || fail "$what: shadow paging: ${traps[shadow]:-?} traps per PTE write, expected at least 1"
	for k in ept-4k ept-2m; do
		[ "${exits[$k]:-}" = 0 ] || fail "$what: $k: ${exits[$k]:-?} VM exits per PTE write, expected 0"
		gt "${refs[$k]:-0}" "${refs[native]:-0}" ||
			fail "$what: $k: ${refs[$k]:-?} references per miss, not more than native (${refs[native]:-?})"
	done
	gt "${refs[ept-4k]:-0}" "${refs[ept-2m]:-0}" ||
		fail "$what: EPT with 2 MiB pages reads ${refs[ept-2m]:-?} entries per miss, not fewer than with 4 KiB pages (${refs[ept-4k]:-?})"
	gt "${cycles[shadow]:-0}" "${cycles[ept-4k]:-0}" ||
		fail "$what: shadow paging (${cycles[shadow]:-?} cycles per PTE write) not dearer than EPT (${cycles[ept-4k]:-?})"
}
check_memory "$tmp/out" "vtsim tour"

# `vtsim tour memory`: the second table alone.
"$VTSIM" tour memory --scenarios "$DIR" >"$tmp/mem_out" 2>"$tmp/mem_err"
rc=$?
[ "$rc" -eq 0 ] || fail "vtsim tour memory: exit status $rc: $(grep '^FAIL' "$tmp/mem_out" | head -n 3) $(head -n 3 "$tmp/mem_err")"
check_memory "$tmp/mem_out" "vtsim tour memory"
grep -q '^N  challenge' "$tmp/mem_out" && fail "tour memory: printed the challenge table"

# One challenge with narration: both sides, the markers, the row.
"$VTSIM" tour 1 --scenarios "$DIR" >"$tmp/one" 2>&1
rc=$?
[ "$rc" -eq 0 ] || fail "vtsim tour 1: exit status $rc"
grep -q '^== challenge 1, software VMM: ' "$tmp/one" || fail "tour 1: no software-VMM narration"
grep -q '^== challenge 1, VT-x: ' "$tmp/one" || fail "tour 1: no VT-x narration"
[ "$(grep -c 'the measured region starts' "$tmp/one")" -ge 2 ] || fail "tour 1: the port-80H markers are not narrated"
grep -q '^\[insn [0-9]*, cycle [0-9]*\] stop: ' "$tmp/one" || fail "tour 1: no stop line"
grep -q '^1  ring aliasing' "$tmp/one" || fail "tour 1: no row"
grep -q '^2 ' "$tmp/one" && fail "tour 1: printed other rows"
grep -q '^Memory virtualization' "$tmp/one" && fail "tour 1: printed the memory table"

# A missing scenario is a failing row that names the file, status 1.
mkdir "$tmp/partial"
cp "$DIR"/c1-*-vtx.yaml "$tmp/partial/"
"$VTSIM" tour --scenarios "$tmp/partial" >"$tmp/p" 2>&1
rc=$?
[ "$rc" -eq 1 ] || fail "missing files: exit status $rc, expected 1"
grep -q 'FAIL 1: missing .*/c1-[a-z-]*-sw.yaml' "$tmp/p" || fail "missing software-VMM file: not named"
grep -q 'FAIL 7: missing .*/c7-hidden-state-sw.yaml' "$tmp/p" || fail "missing pair 7: not named"
grep -q 'FAIL memory shadow: missing .*/m1-memory-shadow.yaml' "$tmp/p" || fail "missing memory scenario: not named"
"$VTSIM" tour memory --scenarios "$tmp/partial" >"$tmp/pm" 2>&1
rc=$?
[ "$rc" -eq 1 ] || fail "tour memory, missing files: exit status $rc, expected 1"

# bad NAME ARGS...: status 2 and exactly one line on stderr, "vtsim: ...".
bad() {
	local name=$1
	shift
	"$VTSIM" "$@" >/dev/null 2>"$tmp/bad"
	local rc=$?
	[ "$rc" -eq 2 ] || fail "$name: exit status $rc, expected 2"
	[ "$(wc -l <"$tmp/bad")" -eq 1 ] && grep -q '^vtsim: ' "$tmp/bad" || fail "$name: expected one 'vtsim:' line, got: $(cat "$tmp/bad")"
}
bad unknown-n tour 8
bad zero tour 0
bad word tour one
bad memory-and-n tour memory 1
bad two tour 1 2
bad no-dir tour --scenarios "$tmp/nonexistent"
bad option tour --bogus
bad profile tour --profile bogus --scenarios "$DIR"

if [ "$failures" -ne 0 ]; then
	echo "tour: $failures failure(s)"
	exit 1
fi
echo "tour: all checks passed"
