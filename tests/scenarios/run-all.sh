#!/bin/bash
# run-all.sh - every scenario runs with its expectations: scenarios/*.yaml,
# scenarios/challenges/*.yaml and tests/scenarios/pass/*.yaml must pass (exit 0); tests/scenarios/fail/*.yaml
# must fail (exit 1) with exactly the messages in NAME.expected.
# Exit 0 when all do, 1 otherwise (each problem explained), 77 without nasm.
set -u

TOP=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
VTSIM=${VTSIM:-$TOP/vtsim}
if [ ! -x "$VTSIM" ]; then
	echo "run-all: no vtsim binary (set VTSIM)" >&2
	exit 1
fi
if ! command -v "${NASM:-nasm}" >/dev/null 2>&1; then
	echo "run-all: nasm not found, skipping" >&2
	exit 77
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/vtsim-scenarios.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
failures=0 runs=0

# Modelled cycle counts change with the cost model; failure messages are
# compared with them masked.
normalize() {
	sed -E 's/cycle [0-9]+/cycle N/g; s/(expect\.cycles: .*, got )[0-9]+/\1N/'
}

# must_pass DIR NAME.yaml
must_pass() {
	runs=$((runs + 1))
	(cd "$1" && "$VTSIM" run --quiet "$2") >"$T/out" 2>"$T/err"
	local rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "FAIL: $1/$2: exit status $rc, expected 0" >&2
		sed 's/^/    /' "$T/err" >&2
		failures=$((failures + 1))
	fi
}

# must_fail DIR NAME.yaml: exit 1, stderr as in NAME.expected.
must_fail() {
	runs=$((runs + 1))
	local want="$1/${2%.yaml}.expected"
	(cd "$1" && "$VTSIM" run --quiet "$2") >"$T/out" 2>"$T/err"
	local rc=$?
	if [ "$rc" -ne 1 ]; then
		echo "FAIL: $1/$2: exit status $rc, expected 1 (a failed expectation)" >&2
		sed 's/^/    /' "$T/err" >&2
		failures=$((failures + 1))
	elif [ ! -f "$want" ]; then
		echo "FAIL: $1/$2: no $want; the messages were:" >&2
		sed 's/^/    /' "$T/err" >&2
		failures=$((failures + 1))
	elif ! normalize <"$T/err" | diff -u "$want" - >"$T/diff"; then
		echo "FAIL: $1/$2: messages differ from ${want##*/}:" >&2
		sed 's/^/    /' "$T/diff" >&2
		failures=$((failures + 1))
	fi
}

for f in "$TOP"/scenarios/*.yaml; do
	must_pass "$TOP/scenarios" "${f##*/}"
done
for f in "$TOP"/scenarios/challenges/*.yaml; do
	[ -e "$f" ] && must_pass "$TOP/scenarios/challenges" "$(basename "$f")"
done
for f in "$TOP"/tests/scenarios/pass/*.yaml; do
	must_pass "$TOP/tests/scenarios/pass" "${f##*/}"
done
for f in "$TOP"/tests/scenarios/fail/*.yaml; do
	must_fail "$TOP/tests/scenarios/fail" "${f##*/}"
done

echo "run-all: $runs scenarios, $failures failures"
[ "$failures" -eq 0 ]
