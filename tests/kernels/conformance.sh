#!/bin/bash
# conformance.sh - build every conformance kernel, boot it with `vtsim boot`, compare its output with the golden file.
#
#   conformance.sh [--update] [NAME...]
#
# For each NAME.asm in this directory (or only the NAMEs given): assemble
# it as its "; format:" line says (elf: nasm -f elf32 + ld with kernel.ld;
# bin: a flat a.out-kludge image; rom: a firmware image for --bios), run
#   vtsim boot FILE $(NAME.args)      (or vtsim boot --bios FILE ...)
# in a scratch directory holding the image and this directory's *.txt
# files (module contents), and compare stdout plus a last line
# "[exit status N]" with NAME.expected. --update writes NAME.expected
# instead (check the diff before committing it).
# Exit 0 when all match, 1 otherwise, 77 when nothing could be built.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
VTSIM=${VTSIM:-}
if [ -z "$VTSIM" ]; then
	VTSIM="$(cd "$HERE/../.." && pwd)/vtsim"
fi
NASM=${NASM:-nasm}
LD=${KERNEL_LD:-ld}
if [ ! -x "$VTSIM" ]; then
	echo "conformance: no vtsim binary (set VTSIM)" >&2
	exit 1
fi
if ! command -v "$NASM" >/dev/null 2>&1; then
	echo "conformance: nasm not found, skipping" >&2
	exit 77
fi
have_ld=yes
if ! "$LD" -m elf_i386 --version >/dev/null 2>&1; then
	echo "conformance: no ld for elf_i386 (binutils): ELF kernels are skipped" >&2
	have_ld=no
fi

update=no
if [ "${1:-}" = "--update" ]; then
	update=yes
	shift
fi
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for f in "$HERE"/*.asm; do
		names+=("$(basename "$f" .asm)")
	done
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/vtsim-kernels.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
for f in "$HERE"/*.txt; do
	[ -e "$f" ] && cp "$f" "$T/"
done

passed=0 failed=0 skipped=0
for name in "${names[@]}"; do
	src="$HERE/$name.asm"
	if [ ! -f "$src" ]; then
		echo "conformance: no kernel $name.asm" >&2
		failed=$((failed + 1))
		continue
	fi
	format=$(sed -n 's/^;[[:space:]]*format:[[:space:]]*\([a-z]*\).*/\1/p' "$src" | head -n 1)
	boot=()
	case "$format" in
	elf)
		if [ "$have_ld" = no ]; then
			skipped=$((skipped + 1))
			continue
		fi
		image="$name.elf"
		"$NASM" -f elf32 -I"$HERE/" -o "$T/$name.o" "$src" &&
			"$LD" -m elf_i386 -T "$HERE/kernel.ld" --build-id=none -z noexecstack \
				-o "$T/$image" "$T/$name.o"
		;;
	bin)
		image="$name.bin"
		"$NASM" -f bin -I"$HERE/" -o "$T/$image" "$src"
		;;
	rom)
		image="$name.rom"
		boot=(--bios)
		"$NASM" -f bin -I"$HERE/" -o "$T/$image" "$src"
		;;
	*)
		echo "conformance: $name.asm: no '; format: elf|bin|rom' line" >&2
		failed=$((failed + 1))
		continue
		;;
	esac
	if [ $? -ne 0 ]; then
		echo "conformance: FAIL: $name: does not build" >&2
		failed=$((failed + 1))
		continue
	fi
	args=()
	if [ -f "$HERE/$name.args" ]; then
		eval "args=($(grep -v '^#' "$HERE/$name.args"))"
	fi
	(cd "$T" && "$VTSIM" boot "${boot[@]}" "$image" "${args[@]}" >"$name.out" 2>"$name.err")
	rc=$?
	echo "[exit status $rc]" >>"$T/$name.out"
	if [ "$update" = yes ]; then
		cp "$T/$name.out" "$HERE/$name.expected"
		echo "conformance: wrote $name.expected"
		passed=$((passed + 1))
	elif [ ! -f "$HERE/$name.expected" ]; then
		echo "conformance: FAIL: $name: no $name.expected (run with --update $name, then check it)" >&2
		failed=$((failed + 1))
	elif diff -u "$HERE/$name.expected" "$T/$name.out" >"$T/$name.diff"; then
		echo "conformance: ok: $name"
		passed=$((passed + 1))
	else
		echo "conformance: FAIL: $name: output differs from $name.expected:" >&2
		cat "$T/$name.diff" >&2
		echo "--- stderr:" >&2
		cat "$T/$name.err" >&2
		failed=$((failed + 1))
	fi
done

echo "conformance: $passed passed, $failed failed, $skipped skipped"
if [ "$failed" -gt 0 ]; then
	exit 1
fi
if [ "$passed" -eq 0 ]; then
	exit 77
fi
exit 0
