#!/usr/bin/env bash
# trace_cli.sh - `vtsim exec --trace` and `vtsim boot --trace`: a JSON Lines
# trace with a header, one record per event, and an end record; bad uses of
# the options are one-line errors with status 2.
set -u
VTSIM=${VTSIM:-./vtsim}
NASM=${NASM:-nasm}
command -v python3 >/dev/null || { echo "SKIP: python3 needed"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
check() { if eval "$2"; then echo "PASS $1"; else echo "FAIL $1"; fail=1; fi; }

cat >"$T/p.asm" <<'ASM'
bits 64
	mov al, 'x'
	out 0xe9, al
	ud2
ASM
"$NASM" -f bin "$T/p.asm" -o "$T/p.bin" || exit 1
"$VTSIM" exec --load 0x100000:"$T/p.bin" --trace "$T/t.jsonl" --trace-insns >/dev/null 2>&1
check "exec exit status 6 (triple fault)" '[ $? -eq 6 ]'
python3 - "$T/t.jsonl" <<'PY' && echo "PASS trace records" || { echo "FAIL trace records"; exit 1; }
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert recs[0]["kind"] == "header" and recs[0]["format"] == "vtsim-trace", recs[0]
assert recs[-1]["kind"] == "end" and recs[-1]["stop"] == "shutdown", recs[-1]
kinds = [r["kind"] for r in recs[1:-1]]
assert kinds.count("insn") == 2, kinds          # mov, out (UD2 faults, never retires)
assert "io" in kinds and "exception" in kinds and "shutdown" in kinds, kinds
ud = [r for r in recs if r["kind"] == "exception"][0]
assert ud["vector"] == 6 and "ud2" in ud["insn"], ud
PY
"$VTSIM" exec --load 0x100000:"$T/p.bin" --trace-insns >/dev/null 2>"$T/err"
check "--trace-insns without --trace: status 2" '[ $? -eq 2 ] && grep -q "^vtsim: .*--trace-insns" "$T/err"'
"$VTSIM" exec --load 0x100000:"$T/p.bin" --trace /nonexistent/dir/t.jsonl >/dev/null 2>"$T/err"
check "unwritable --trace: status 2" '[ $? -eq 2 ] && grep -q "^vtsim: --trace: cannot write" "$T/err"'
"$VTSIM" boot --trace-insns /nonexistent.elf >/dev/null 2>"$T/err"
check "boot --trace-insns without --trace: status 2" '[ $? -eq 2 ]'
exit $fail
