#!/bin/bash
# run_cli.sh - `vtsim run` on the command line: help, options, exit statuses,
# profiles, --stats, --explain, --dump-state, --chrome-trace, --quiet.
# Exit 0 when every check passes, 1 on the first failure, 77 without nasm or python3.
set -u

TOP=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
VTSIM=${VTSIM:-$TOP/vtsim}
if [ ! -x "$VTSIM" ]; then
	echo "run_cli: no vtsim binary (set VTSIM)" >&2
	exit 1
fi
for tool in "${NASM:-nasm}" python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "run_cli: $tool not found, skipping" >&2
		exit 77
	fi
done
T=$(mktemp -d "${TMPDIR:-/tmp}/vtsim-run-cli.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

fail() {
	echo "run_cli: FAIL: $*" >&2
	for f in out err; do
		[ -s "$T/$f" ] && { echo "--- $f:" >&2; head -20 "$T/$f" >&2; }
	done
	exit 1
}

# run ARGS...: status in $rc, output in $T/out and $T/err.
run() {
	"$VTSIM" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}

expect_rc() {
	[ "$rc" -eq "$1" ] || fail "$2: exit status $rc, expected $1"
}

grep_err() {
	grep -Eq -- "$1" "$T/err" || fail "$2: stderr does not match /$1/"
}

grep_out() {
	grep -Eq -- "$1" "$T/out" || fail "$2: stdout does not match /$1/"
}

cat >"$T/ok.yaml" <<'YAML'
name: cli-ok
machine: {mode: prot32, memory: 1M}
memory:
  - at: 0x1000
    asm: |
      start:
        mov al, 'x'
        out 0xe9, al
        ud2
      ud:
        mov ebx, 5
        hlt
idt:
  - {vector: "#UD", handler: ud}
registers: {rsp: 0x8000}
narrate:
  - on: {kind: exception, vector: "#UD"}
    say: "undefined opcode"
expect:
  stop: hlt
  registers: {rbx: 5}
YAML
sed 's/rbx: 5/rbx: 6/' "$T/ok.yaml" >"$T/bad.yaml"

# --- help and usage ------------------------------------------------------
run run --help
expect_rc 0 "--help"
for opt in --profile --trace --trace-insns --chrome-trace --stats --dump-state --explain --quiet "Exit status"; do
	grep_out "$opt" "--help mentions $opt"
done
run --help
grep_out "^  run " "vtsim --help lists run"
run run
expect_rc 2 "no scenario"
grep_err "no scenario given" "no scenario"
run run "$T/ok.yaml" "$T/ok.yaml"
expect_rc 2 "two scenarios"
run run --bogus "$T/ok.yaml"
expect_rc 2 "unknown option"
grep_err "unknown or incomplete option '--bogus'" "unknown option"
run run --trace-insns "$T/ok.yaml"
expect_rc 2 "--trace-insns alone"
grep_err "give --trace" "--trace-insns alone"
run run --trace - --dump-state - "$T/ok.yaml"
expect_rc 2 "two outputs on stdout"
run run "$T/missing.yaml"
expect_rc 2 "missing scenario"
grep_err "missing.yaml: cannot read the scenario: No such file or directory" "missing scenario"

# --- exit statuses and the summary -----------------------------------------
run run "$T/ok.yaml"
expect_rc 0 "passing scenario"
grep_out "^x$" "guest output on stdout"
grep_err "cli-ok: PASS: 2 expectations hold" "summary"
run run "$T/bad.yaml"
expect_rc 1 "failing scenario"
grep_err "bad.yaml:21:[0-9]+: expect.registers.rbx: expected 0x6, got 0x5" "failure message"
grep_err "FAIL: 1 of 2 expectations failed" "failure summary"
run run --quiet "$T/ok.yaml"
expect_rc 0 "--quiet"
[ ! -s "$T/out" ] && [ ! -s "$T/err" ] || fail "--quiet printed something"

# --- profiles --------------------------------------------------------------
run run --profile pentium-pro "$T/ok.yaml"
expect_rc 2 "unknown --profile"
grep_err "unknown CPU profile 'pentium-pro' \(expected one of: core2-merom, nehalem, p4-prescott, skylake\)" "profile list"
for p in p4-prescott core2-merom nehalem skylake; do
	run run --profile "$p" --quiet --stats "$T/ok.yaml"
	expect_rc 0 "--profile $p"
	grep_err "\($p at " "--stats names $p"
done
run run --profile "$TOP/profiles/nehalem.profile" --quiet "$T/ok.yaml"
expect_rc 0 "--profile PATH"
sed 's/^cycles.div .*/cycles.div 24/' "$TOP/profiles/nehalem.profile" >"$T/nosource.profile"
run run --profile "$T/nosource.profile" "$T/ok.yaml"
expect_rc 2 "profile figure without a source"
grep_err "nosource.profile:[0-9]+:[0-9]+: figure 'cycles.div' has no source" "profile without a source"

# --- outputs ---------------------------------------------------------------
run run --stats --quiet "$T/ok.yaml"
for k in instructions cycles exceptions "#UD \(vector 6\): 1" interrupts io-out page-walks dtlb-misses; do
	grep_err "$k" "--stats shows $k"
done
run run --explain "$T/ok.yaml"
grep_out "#UD \(vector 6\) at rip 0x1004: UD2" "--explain shows the exception and why"
grep_out "undefined opcode" "--explain shows narration"
grep_out "stop: HLT" "--explain shows the stop"
run run --quiet --dump-state "$T/state.json" --chrome-trace "$T/chrome.json" --trace "$T/t.jsonl" "$T/ok.yaml"
expect_rc 0 "all outputs"
python3 - "$T/state.json" "$T/chrome.json" "$T/t.jsonl" <<'PY' || fail "JSON outputs"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["stop"] == "hlt" and s["registers"]["rbx"] == "0x5", s
assert s["segments"]["cs"]["selector"] == "0x8" and s["segments"]["tr"]["attr"]
assert s["expectations"] == {"checked": 2, "failed": 0}
assert s["last_exception"]["vector"] == 6
json.load(open(sys.argv[2]))
recs = [json.loads(l) for l in open(sys.argv[3])]
assert [r["kind"] for r in recs] == ["header", "io", "exception", "narrate", "end"], recs
PY
run run --dump-state /nonexistent/dir/state.json "$T/ok.yaml"
expect_rc 2 "unwritable --dump-state"
grep_err "cannot write '/nonexistent/dir/state.json'" "unwritable --dump-state"

echo "run_cli: all checks passed"
