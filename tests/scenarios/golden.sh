#!/bin/bash
# golden.sh - the golden trace: tests/scenarios/golden/trace.yaml run with
# --trace --trace-insns must write exactly golden/trace.jsonl, twice in a row
# (deterministic), and its --chrome-trace must be valid JSON with the tracks
# docs/trace-format.md promises. Exit 0 on success, 1 otherwise.
#   golden.sh --update   rewrite trace.jsonl from the current vtsim
set -u

TOP=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
VTSIM=${VTSIM:-$TOP/vtsim}
DIR="$TOP/tests/scenarios/golden"
if [ ! -x "$VTSIM" ]; then
	echo "golden: no vtsim binary (set VTSIM)" >&2
	exit 1
fi
if ! command -v "${NASM:-nasm}" >/dev/null 2>&1; then
	echo "golden: nasm not found, skipping" >&2
	exit 77
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/vtsim-golden.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

run() {
	(cd "$DIR" && "$VTSIM" run --quiet --trace "$1" --trace-insns --chrome-trace "$2" trace.yaml)
}

if [ "${1:-}" = "--update" ]; then
	run "$DIR/trace.jsonl" "$T/chrome.json" || exit 1
	echo "golden: rewrote $DIR/trace.jsonl"
	exit 0
fi

if ! run "$T/a.jsonl" "$T/a.json"; then
	echo "golden: FAIL: trace.yaml did not pass its own expectations" >&2
	exit 1
fi
if ! diff -u "$DIR/trace.jsonl" "$T/a.jsonl" >"$T/diff"; then
	echo "golden: FAIL: the trace differs from golden/trace.jsonl (rerun with --update if intended):" >&2
	head -40 "$T/diff" >&2
	exit 1
fi
run "$T/b.jsonl" "$T/b.json" || exit 1
if ! cmp -s "$T/a.jsonl" "$T/b.jsonl" || ! cmp -s "$T/a.json" "$T/b.json"; then
	echo "golden: FAIL: two runs wrote different traces" >&2
	exit 1
fi
if command -v python3 >/dev/null 2>&1; then
	python3 - "$T/a.jsonl" "$T/a.json" <<'PY' || exit 1
import json, sys
lines = open(sys.argv[1]).read().splitlines()
recs = [json.loads(l) for l in lines]
assert recs[0]["kind"] == "header" and recs[0]["format"] == "vtsim-trace", recs[0]
assert recs[-1]["kind"] == "end" and recs[-1]["records"] == len(recs) - 2, recs[-1]
assert [r["seq"] for r in recs[1:-1]] == list(range(len(recs) - 2))
chrome = json.load(open(sys.argv[2]))
ev = chrome["traceEvents"]
names = {e["args"]["name"] for e in ev if e.get("ph") == "M" and e["name"] == "thread_name"}
assert names == {"CPL", "VMX", "events", "handlers"}, names
assert any(e.get("ph") == "X" and e["name"].startswith("CPL ") for e in ev)
# Handler spans: every begin has its end, in order (they nest).
depth = 0
for e in ev:
    if e.get("ph") == "B":
        depth += 1
    elif e.get("ph") == "E":
        depth -= 1
        assert depth >= 0, "E without B"
assert any(e.get("ph") == "B" and e["name"].startswith("handler ") for e in ev)
assert any(e.get("ph") == "i" and e["name"] == "#DE" for e in ev)
assert any(e.get("ph") == "i" and e["name"] == "divide by zero" for e in ev)
PY
fi
echo "golden: trace matches ($(wc -l <"$T/a.jsonl") records), deterministic, Chrome trace valid"
