#!/bin/bash
# check.sh - the malformed-scenario corpus: for each NAME.yaml here, `vtsim run`
# must exit 2, print nothing on stdout, and print exactly NAME.expected on
# stderr ("FILE:LINE:COL: message (expected ...)"). Never a crash: under
# --enable-sanitizers this also runs every error path with ASan and UBSan.
# Exit 0 when every case matches, 1 otherwise, 77 without nasm.
set -u

TOP=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
VTSIM=${VTSIM:-$TOP/vtsim}
DIR="$TOP/tests/malformed"
if [ ! -x "$VTSIM" ]; then
	echo "malformed: no vtsim binary (set VTSIM)" >&2
	exit 1
fi
if ! command -v "${NASM:-nasm}" >/dev/null 2>&1; then
	echo "malformed: nasm not found, skipping" >&2
	exit 77
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/vtsim-malformed.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
failures=0 cases=0

for f in "$DIR"/*.yaml; do
	name=${f##*/}
	want="$DIR/${name%.yaml}.expected"
	cases=$((cases + 1))
	(cd "$DIR" && "$VTSIM" run --quiet "$name") >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -ne 2 ]; then
		echo "FAIL: $name: exit status $rc, expected 2" >&2
		[ "$rc" -gt 128 ] && echo "      killed by signal $((rc - 128))" >&2
		sed 's/^/      /' "$T/err" >&2
		failures=$((failures + 1))
	elif [ -s "$T/out" ]; then
		echo "FAIL: $name: wrote to stdout" >&2
		failures=$((failures + 1))
	elif [ ! -f "$want" ]; then
		echo "FAIL: $name: no ${want##*/}; the message was:" >&2
		sed 's/^/      /' "$T/err" >&2
		failures=$((failures + 1))
	elif ! diff -u "$want" "$T/err" >"$T/diff"; then
		echo "FAIL: $name: message differs from ${want##*/}:" >&2
		sed 's/^/      /' "$T/diff" >&2
		failures=$((failures + 1))
	fi
done

echo "malformed: $cases cases, $failures failures"
[ "$failures" -eq 0 ]
