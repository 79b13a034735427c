#!/bin/sh
# run.sh - scripted debugger sessions against golden transcripts.
#
# Each tests/debugger/NAME.cmd starts with a line "# scenario: PATH" (relative
# to the source tree) and holds debugger commands; `vtsim debug PATH -x
# NAME.cmd` must print exactly NAME.expected. With --update the transcripts
# are rewritten from the current output (review the diff before committing).
# A session with a line "# requires: tlb-caching" prints TLB statistics,
# which a --enable-stress-tlb build (every cache flushed after each
# instruction) changes: such sessions are skipped there.
set -u
VTSIM=${VTSIM:-./vtsim}
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
dir="$TOP_SRCDIR/tests/debugger"
update=no
[ "${1:-}" = "--update" ] && update=yes
fail=0 n=0
stress=no
"$VTSIM" --version | grep -q stress-tlb && stress=yes
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for cmd in "$dir"/*.cmd; do
	name=$(basename "$cmd" .cmd)
	scenario=$(sed -n 's/^# scenario: *//p' "$cmd" | head -n 1)
	if [ -z "$scenario" ]; then
		echo "FAIL $name: no '# scenario: PATH' line"
		fail=$((fail + 1))
		continue
	fi
	if [ "$stress" = yes ] && grep -q '^# requires: tlb-caching' "$cmd"; then
		echo "skip $name: relies on cached translations (stress-tlb build)"
		continue
	fi
	n=$((n + 1))
	# Run from the source tree so that paths in transcripts are stable.
	(cd "$TOP_SRCDIR" && "$VTSIM" debug "$scenario" -x "tests/debugger/$name.cmd") >"$tmp" 2>&1
	status=$?
	echo "[exit status $status]" >>"$tmp"
	if [ "$update" = yes ]; then
		cp "$tmp" "$dir/$name.expected"
		echo "updated $name"
	elif ! diff -u "$dir/$name.expected" "$tmp"; then
		echo "FAIL $name"
		fail=$((fail + 1))
	else
		echo "ok   $name"
	fi
done
echo "$n sessions, $fail failed"
[ "$fail" -eq 0 ]
