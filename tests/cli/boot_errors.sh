#!/bin/bash
# boot_errors.sh - bad input to `vtsim boot`: a one-line "vtsim: ..." message and status 2, never a crash.
# Exit 0 when every check passes, 1 with a message otherwise, 77 (skip) without nasm.
set -u

VTSIM=${VTSIM:-./vtsim}
if [ ! -x "$VTSIM" ]; then
	VTSIM="$(cd "$(dirname "$0")/../.." && pwd)/vtsim"
fi
if [ ! -x "$VTSIM" ]; then
	echo "boot_errors: no vtsim binary (set VTSIM)" >&2
	exit 1
fi
NASM=${NASM:-nasm}
if ! command -v "$NASM" >/dev/null 2>&1; then
	echo "boot_errors: nasm not found, skipping" >&2
	exit 77
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/vtsim-boot-errors.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
failures=0

# bad NAME PATTERN ARGS...: vtsim ARGS must exit 2 with exactly one
# stderr line that starts with "vtsim: " and matches the extended regex
# PATTERN, print nothing on stdout, and not die of a signal.
bad() {
	local name=$1 pattern=$2
	shift 2
	"$VTSIM" "$@" >"$T/out" 2>"$T/err"
	local rc=$? lines
	lines=$(wc -l <"$T/err")
	if [ "$rc" -ne 2 ]; then
		echo "FAIL: $name: status $rc, expected 2 (args: $*)" >&2
		[ "$rc" -gt 128 ] && echo "      killed by signal $((rc - 128))" >&2
		sed 's/^/      /' "$T/err" >&2
		failures=$((failures + 1))
	elif [ "$lines" -ne 1 ]; then
		echo "FAIL: $name: $lines lines on stderr, expected 1:" >&2
		sed 's/^/      /' "$T/err" >&2
		failures=$((failures + 1))
	elif ! grep -q '^vtsim: ' "$T/err"; then
		echo "FAIL: $name: message does not start with 'vtsim: ': $(cat "$T/err")" >&2
		failures=$((failures + 1))
	elif ! grep -Eq -- "$pattern" "$T/err"; then
		echo "FAIL: $name: message does not match /$pattern/: $(cat "$T/err")" >&2
		failures=$((failures + 1))
	elif [ -s "$T/out" ]; then
		echo "FAIL: $name: wrote to stdout" >&2
		failures=$((failures + 1))
	fi
}

# A hand-made ELF32 file with one program header, every field overridable
# with -DNAME=VALUE: the ELF header at 0, the program header at PHOFF
# (52), the segment's bytes at file offset 80h: a Multiboot header (FLAGS)
# and HLT, FILESZ bytes in all.
cat >"$T/elf.asm" <<'ASM'
%ifndef CLASS
%define CLASS 1
%endif
%ifndef MACHINE
%define MACHINE 3
%endif
%ifndef ENTRY
%define ENTRY 0x10000c
%endif
%ifndef PHOFF
%define PHOFF 52
%endif
%ifndef PHENTSIZE
%define PHENTSIZE 32
%endif
%ifndef PHNUM
%define PHNUM 1
%endif
%ifndef PTYPE
%define PTYPE 1
%endif
%ifndef PADDR
%define PADDR 0x100000
%endif
%ifndef VADDR
%define VADDR PADDR
%endif
%ifndef FILESZ
%define FILESZ 0x20
%endif
%ifndef MEMSZ
%define MEMSZ 0x1000
%endif
%ifndef FLAGS
%define FLAGS 0
%endif
bits 32
	db 0x7f, "ELF", CLASS, 1, 1, 0
	times 8 db 0
	dw 2, MACHINE
	dd 1, ENTRY, PHOFF, 0, 0
	dw 52, PHENTSIZE, PHNUM, 0, 0, 0
	dd PTYPE, 0x80, VADDR, PADDR, FILESZ, MEMSZ, 5, 0x1000
	times 0x80 - ($ - $$) db 0
	dd 0x1badb002, FLAGS, -(0x1badb002 + FLAGS)
	hlt
	times 0x80 + 0x20 - ($ - $$) db 0
ASM

# elf NAME -DFIELD=VALUE...: build $T/NAME.elf.
elf() {
	local name=$1
	shift
	"$NASM" -f bin "$@" -o "$T/$name.elf" "$T/elf.asm" || { echo "FAIL: nasm: $name" >&2; exit 1; }
}

# A flat image with the a.out kludge: a 32-byte prefix, then the header at
# file offset 20h with HEADER_ADDR LOAD_ADDR LOAD_END BSS_END ENTRY, then HLT
# and padding to 100h bytes.
cat >"$T/aout.asm" <<'ASM'
%ifndef FLAGS
%define FLAGS 0x10000
%endif
%ifndef HEADER_ADDR
%define HEADER_ADDR 0x100020
%endif
%ifndef LOAD_ADDR
%define LOAD_ADDR 0x100000
%endif
%ifndef LOAD_END
%define LOAD_END 0
%endif
%ifndef BSS_END
%define BSS_END 0
%endif
%ifndef ENTRY
%define ENTRY 0x100040
%endif
bits 32
	times 0x20 db 0x90
	dd 0x1badb002, FLAGS, -(0x1badb002 + FLAGS)
	dd HEADER_ADDR, LOAD_ADDR, LOAD_END, BSS_END, ENTRY
	hlt
	times 0x100 - ($ - $$) db 0
ASM

aout() {
	local name=$1
	shift
	"$NASM" -f bin "$@" -o "$T/$name.bin" "$T/aout.asm" || { echo "FAIL: nasm: $name" >&2; exit 1; }
}

# Sanity: the unmodified images boot (else every case below proves nothing).
elf good
aout good
for k in good.elf good.bin; do
	"$VTSIM" boot "$T/$k" >/dev/null 2>"$T/err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "FAIL: the well-formed $k does not boot (status $rc):" >&2
		cat "$T/err" >&2
		exit 1
	fi
done

# --- arguments --------------------------------------------------------
bad "no kernel" "nothing to boot" boot
bad "kernel and --bios" "not both" boot "$T/good.elf" --bios "$T/good.elf"
bad "two kernels" "unexpected argument" boot "$T/good.elf" "$T/good.bin"
bad "unknown option" "unknown or incomplete option '--frobnicate'" boot "$T/good.elf" --frobnicate
bad "missing option value" "unknown or incomplete option" boot "$T/good.elf" --append
bad "--append twice" "--append given twice" boot "$T/good.elf" --append a --append b
bad "--module with --bios" "not --bios" boot --bios "$T/good.elf" --module "$T/good.elf"
bad "--module without a file name" "does not start with a file name" boot "$T/good.elf" --module " args"
bad "--max-insns 0" "--max-insns: '0'" boot "$T/good.elf" --max-insns 0
for m in 0 1M 2100001 2047K 3585M 4G 64G 1T abc 0x; do
	bad "--memory $m" "--memory: '$m' is not a size between 2M and 3584M" boot "$T/good.elf" --memory "$m"
done

# --- files ------------------------------------------------------------
bad "missing kernel" "cannot open '$T/nope.elf'" boot "$T/nope.elf"
bad "kernel is a directory" "$T" boot "$T"
bad "missing module" "cannot open '$T/nope.mod'" boot "$T/good.elf" --module "$T/nope.mod args"
bad "missing ROM" "cannot open '$T/nope.rom'" boot --bios "$T/nope.rom"
mods=()
for i in $(seq 65); do
	mods+=(--module "$T/good.elf")
done
bad "65 modules" "too many modules \\(at most 64\\)" boot "$T/good.elf" "${mods[@]}"
head -c $((3 << 20)) /dev/zero >"$T/big.mod"
bad "module larger than RAM" "module 1 .* does not fit in RAM" boot "$T/good.elf" --memory 2M --module "$T/big.mod"

# --- not a Multiboot kernel ------------------------------------------
: >"$T/empty"
bad "empty file" "no header .*first 8192 bytes" boot "$T/empty"
head -c 20000 /dev/zero >"$T/zeros"
bad "zeros" "no header" boot "$T/zeros"
# The header at 8192: outside the first 8192 bytes.
{ head -c 8192 /dev/zero; printf '\x02\xb0\xad\x1b\x00\x00\x00\x00\xfe\x4f\x52\xe4'; } >"$T/late"
bad "header after 8192 bytes" "no header" boot "$T/late"
printf '\x02\xb0\xad\x1b\x00\x00\x00\x00\x00\x00\x00\x00' >"$T/badsum"
bad "bad checksum" "bad checksum" boot "$T/badsum"
# Unaligned: magic at offset 2 is not found.
printf '\x90\x90\x02\xb0\xad\x1b\x00\x00\x00\x00\xfe\x4f\x52\xe4' >"$T/unaligned"
bad "unaligned header" "no header" boot "$T/unaligned"
elf flag3 -DFLAGS=0x8
bad "unknown required flag bit 3" "unknown required bits 0x0008" boot "$T/flag3.elf"
elf flag15 -DFLAGS=0x8003
bad "unknown required flag bit 15" "unknown required bits 0x8000" boot "$T/flag15.elf"

# --- ELF --------------------------------------------------------------
printf '\x02\xb0\xad\x1b\x00\x00\x00\x00\xfe\x4f\x52\xe4' >"$T/noelf"
bad "neither ELF nor a.out kludge" "not an ELF file .*flags bit 16" boot "$T/noelf"
elf class64 -DCLASS=2
bad "ELF64 without the a.out kludge" "64-bit ELF" boot "$T/class64.elf"
elf arm -DMACHINE=40
bad "ELF for another machine" "machine 40 is not EM_386" boot "$T/arm.elf"
elf phoff -DPHOFF=0x1000
bad "program headers beyond the file" "truncated ELF file: the program headers \\(1 of 32 bytes at offset 0x1000\\)" boot "$T/phoff.elf"
elf phnum -DPHNUM=200
bad "too many program headers for the file" "truncated ELF file" boot "$T/phnum.elf"
elf phnone -DPHNUM=0
bad "no program headers" "no program headers" boot "$T/phnone.elf"
elf phsmall -DPHENTSIZE=16
bad "short program headers" "ELF32 needs 32" boot "$T/phsmall.elf"
elf segbeyond -DFILESZ=0x10000 -DMEMSZ=0x10000
bad "segment beyond the file" "truncated ELF file: segment 0" boot "$T/segbeyond.elf"
elf filesz -DFILESZ=0x20 -DMEMSZ=0x10
bad "p_filesz > p_memsz" "p_filesz 0x20 is larger than p_memsz 0x10" boot "$T/filesz.elf"
elf noload -DPTYPE=4
bad "no PT_LOAD" "no loadable" boot "$T/noload.elf"
elf entry -DENTRY=0x300000
bad "entry outside the segments" "entry point 0x300000 is not inside" boot "$T/entry.elf"
elf above4g -DPADDR=0xfffff000 -DENTRY=0xfffff00c -DMEMSZ=0x2000
bad "segment past 4 GiB" "runs past 4 GiB" boot "$T/above4g.elf"
elf highram -DPADDR=0x7ff00000 -DENTRY=0x7ff0000c
bad "segment outside RAM" "outside RAM, which ends at 0x1000000" boot "$T/highram.elf" --memory 16M
elf info -DPADDR=0x9000 -DENTRY=0x900c
bad "segment on the boot information" "overlaps the boot information area" boot "$T/info.elf"
elf vga -DPADDR=0xb8000 -DENTRY=0xb800c
bad "segment in video memory" "overlaps the PC's reserved area" boot "$T/vga.elf"
# Truncated copies of a good file: inside the ELF header, inside the
# program header, inside the segment.
for n in 30 60 140; do
	head -c "$n" "$T/good.elf" >"$T/cut$n.elf"
done
bad "cut inside the ELF header" "not a Multiboot kernel: no header" boot "$T/cut30.elf"
bad "cut inside the program header" "no header" boot "$T/cut60.elf"
bad "cut inside the segment" "truncated ELF file: segment 0" boot "$T/cut140.elf"

# --- a.out kludge -----------------------------------------------------
aout cutfields
head -c 48 "$T/cutfields.bin" >"$T/cutfields48.bin"
bad "address fields cut off" "address fields run past the end of the file" boot "$T/cutfields48.bin"
aout loadabove -DLOAD_ADDR=0x100040
bad "load_addr above header_addr" "load_addr 0x100040 is above header_addr 0x100020" boot "$T/loadabove.bin"
aout before -DHEADER_ADDR=0x100040
bad "text before the file" "before the start of the file" boot "$T/before.bin"
aout loadend -DLOAD_END=0xff000
bad "load_end_addr below load_addr" "load_end_addr 0xff000 is below load_addr" boot "$T/loadend.bin"
aout loadlong -DLOAD_END=0x200000
bad "load_end_addr beyond the file" "file ends at 0x100 \\(truncated\\?\\)" boot "$T/loadlong.bin"
aout bss -DLOAD_END=0x100100 -DBSS_END=0x100080
bad "bss_end_addr below load_end_addr" "bss_end_addr 0x100080 is below" boot "$T/bss.bin"
aout aentry -DENTRY=0x400000
bad "entry_addr outside the image" "entry_addr 0x400000 is outside" boot "$T/aentry.bin"
aout atop -DHEADER_ADDR=0xffffff20 -DLOAD_ADDR=0xffffff00 -DENTRY=0xffffff40
bad "image in the last page below 4 GiB" "outside RAM" boot "$T/atop.bin"
aout past4g -DHEADER_ADDR=0xffffffa0 -DLOAD_ADDR=0xffffff80 -DENTRY=0xffffffc0
bad "a.out image past 4 GiB" "runs past 4 GiB" boot "$T/past4g.bin"
aout ainfo -DHEADER_ADDR=0x9520 -DLOAD_ADDR=0x9500 -DENTRY=0x9540
bad "a.out image on the boot information" "overlaps the boot information area" boot "$T/ainfo.bin"
aout nothing -DLOAD_END=0x100000
bad "a.out image of 0 bytes" "nothing to load" boot "$T/nothing.bin"

# --- firmware images --------------------------------------------------
for n in 1000 65535 98304 $((32 << 20)); do
	head -c "$n" /dev/zero >"$T/rom$n"
	bad "ROM of $n bytes" "64 KiB to 16 MiB in whole 64 KiB units, not $n bytes" boot --bios "$T/rom$n"
done
bad "empty ROM" "not 0 bytes" boot --bios "$T/empty"

if [ "$failures" -gt 0 ]; then
	echo "boot_errors: $failures failures" >&2
	exit 1
fi
exit 0
