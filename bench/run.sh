#!/usr/bin/env bash
# run.sh - run the integer benchmark (bench/int.bin) and the VMX benchmarks (vmexit.bin, eptviol.bin) on vtsim; report guest MIPS, VM exits/s and EPT-violation round trips/s.
#
# Usage: bench/run.sh [VTSIM] [BENCH_BIN]
#   VTSIM      the vtsim executable (default ./vtsim, the top build directory)
#   BENCH_BIN  the flat binary built from bench/int.asm (default bench/int.bin);
#              vmexit.bin and eptviol.bin are taken from the same directory
#              and skipped with a note when they are not there
#
# Exit status: 0 when every guest passed its self-checks, 1 when a run or a
# check failed, 2 for a usage mistake.
set -u -o pipefail

if [ $# -gt 2 ]; then
	echo "usage: $0 [VTSIM] [BENCH_BIN]" >&2
	exit 2
fi
vtsim=${1:-./vtsim}
bin=${2:-bench/int.bin}

if [ ! -x "$vtsim" ]; then
	echo "$0: $vtsim: no such executable (build vtsim first, or pass its path)" >&2
	exit 2
fi
if [ ! -f "$bin" ]; then
	echo "$0: $bin: not found (build it with 'make bench' or" \
	     "'nasm -f bin bench/int.asm -o $bin')" >&2
	exit 2
fi

out=$(mktemp) && err=$(mktemp) || exit 1
trap 'rm -f "$out" "$err"' EXIT

# The guest is loaded and entered at 1 MiB in 64-bit mode; --stats makes
# vtsim report its own counters on stderr when the run ends.
t0=$(date +%s.%N)
"$vtsim" exec --mode long64 --load "0x100000:$bin" --entry 0x100000 --stats \
	>"$out" 2>"$err"
rc=$?
t1=$(date +%s.%N)

# vtsim's --stats lines look like "instructions: 429670903"; take the value
# after the first "name:" on the first such line.
stat() {
	awk -v key="$1:" '$1 == key { print $2; exit }' "$err"
}
insns=$(stat instructions)
wall=$(stat wall-seconds)
vtsim_mips=$(stat mips)

# The guest's own lines (checksum, failures) come from the 0xE9 console.
grep -h '^bench: ' "$out" "$err"

status=0
if [ "$rc" -ne 1 ]; then
	# The guest writes a code v to port 0xF4 and vtsim exits with (v<<1)|1,
	# so an odd status above 1 is one of the guest's own failure codes.
	if [ $((rc % 2)) -eq 1 ] && [ "$rc" -gt 1 ]; then
		echo "run.sh: guest self-check failed with code $(((rc - 1) / 2))" \
		     "(vtsim exit status $rc)" >&2
	else
		echo "run.sh: vtsim exited with status $rc, not 1 (the guest's" \
		     "success exit); its stderr follows:" >&2
		cat "$err" >&2
	fi
	status=1
elif ! grep -q '^bench: checksum ' "$out" "$err"; then
	# Status 1 alone is weak evidence: the guest prints its checksum just
	# before it exits, so a run that never got there did not pass.
	echo "run.sh: vtsim exited with status 1 but the guest printed no checksum" >&2
	status=1
fi

if [ -z "$insns" ] || [ -z "$wall" ]; then
	echo "run.sh: vtsim printed no 'instructions:'/'wall-seconds:' stats" >&2
	exit 1
fi

awk -v n="$insns" -v w="$wall" -v t0="$t0" -v t1="$t1" -v vm="$vtsim_mips" 'BEGIN {
	printf "guest instructions: %d\n", n
	printf "wall time: %.3f s in the run loop (vtsim), %.3f s for the whole process\n", w, t1 - t0
	if (w > 0)
		printf "guest MIPS: %.1f\n", n / w / 1e6
	else
		printf "guest MIPS: n/a (run loop time is 0)\n"
	if (vm != "")
		printf "vtsim reported mips: %s\n", vm
}'
echo "reference: Bochs 2.7 ~100 MIPS, target >= 200 MIPS"

# The VMX benchmarks: a guest that makes a VM exit per iteration under a
# minimal hypervisor. The rate is the guest's exits (from vtsim's per-reason
# counters: "  CPUID (reason 10): 200000") over the run loop's wall-seconds,
# so host and guest instructions and both transitions are in it.
# vmx_bench NAME BIN REASON LABEL REFERENCE
vmx_bench() {
	local name=$1 bin=$2 reason=$3 label=$4 reference=$5
	if [ ! -f "$bin" ]; then
		echo "run.sh: $bin not found, $name skipped (build it with 'make bench')"
		return 0
	fi
	"$vtsim" exec --mode long64 --load "0x100000:$bin" --entry 0x100000 --stats \
		>"$out" 2>"$err"
	local rc=$?
	grep -h '^bench: ' "$out" "$err"
	if [ "$rc" -ne 1 ] || ! grep -q "^bench: $name ok" "$out"; then
		echo "run.sh: $name: vtsim exited with status $rc (the guest's success" \
		     "is 1 with a 'bench: $name ok' line); its stderr follows:" >&2
		cat "$err" >&2
		return 1
	fi
	local n w
	n=$(awk -v r="(reason $reason):" 'index($0, r) { print $NF; exit }' "$err")
	w=$(stat wall-seconds)
	if [ -z "$n" ] || [ -z "$w" ]; then
		echo "run.sh: $name: vtsim printed no reason-$reason count or wall-seconds" >&2
		return 1
	fi
	awk -v n="$n" -v w="$w" -v label="$label" 'BEGIN {
		if (w > 0)
			printf "%s: %d\n", label, n / w
		else
			printf "%s: n/a (run loop time is 0)\n", label
	}'
	echo "reference: $reference"
}
dir=$(dirname "$bin")
vmx_bench vmexit "$dir/vmexit.bin" 10 "vm-exits/s" \
	"Bochs 2.7 ~200,000 VM exits/s (CPUID under a minimal hypervisor)" || status=1
vmx_bench eptviol "$dir/eptviol.bin" 48 "ept-violation round trips/s" \
	"Bochs 2.7 ~140,000 EPT-violation round trips/s" || status=1
exit "$status"
