#!/usr/bin/env bash
# run.sh - assemble each tests/asm/NAME.asm, run it with `vtsim exec`, and
# compare its console output with NAME.expected and its exit status with
# the "; exit: N" line of the source ("; mode: real16|prot32|long64" picks
# the start mode; programs load at 0x100000, real16 ones at 0x7c00). A
# "; requires: tlb-caching" program relies on stale translations and is
# skipped when vtsim was configured with --enable-stress-tlb. Programs may
# %include the *.inc files of this directory (vmx.inc: a minimal
# hypervisor's set-up).
set -u
here=$(cd "$(dirname "$0")" && pwd)
vtsim=${VTSIM:-$here/../../vtsim}
nasm=${NASM:-nasm}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0 skip=0
stress=no
"$vtsim" --version | grep -q stress-tlb && stress=yes
for src in "$here"/*.asm; do
	name=$(basename "$src" .asm)
	if [ "$stress" = yes ] && grep -q '^; requires: tlb-caching' "$src"; then
		echo "SKIP $name: relies on cached translations (stress-tlb build)"
		skip=$((skip + 1))
		continue
	fi
	mode=$(sed -n 's/^; mode: *//p' "$src" | head -n1)
	want_status=$(sed -n 's/^; exit: *//p' "$src" | head -n1)
	addr=0x100000
	[ "$mode" = real16 ] && addr=0x7c00
	if ! "$nasm" -f bin -i "$here/" "$src" -o "$tmp/$name.bin" 2>"$tmp/$name.nasm"; then
		echo "FAIL $name: nasm: $(head -n3 "$tmp/$name.nasm")"
		fail=$((fail + 1))
		continue
	fi
	"$vtsim" exec --mode "$mode" --load "$addr:$tmp/$name.bin" --max-insns 10000000 \
		>"$tmp/$name.out" 2>"$tmp/$name.err"
	status=$?
	if ! cmp -s "$tmp/$name.out" "$here/$name.expected"; then
		echo "FAIL $name: output differs"
		diff "$here/$name.expected" "$tmp/$name.out" | head -n 10
		cat "$tmp/$name.err"
		fail=$((fail + 1))
	elif [ "$status" != "$want_status" ]; then
		echo "FAIL $name: exit status $status, expected $want_status"
		cat "$tmp/$name.err"
		fail=$((fail + 1))
	else
		echo "PASS $name"
		pass=$((pass + 1))
	fi
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
