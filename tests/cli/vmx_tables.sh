#!/bin/bash
# vmx_tables.sh - `vtsim vmx`: each table prints what the simulator runs on,
# filters work, and bad arguments are a one-line error with status 2.
# Exit 0 when every check passes, 1 with a message otherwise.
set -u

VTSIM=${VTSIM:-./vtsim}
if [ ! -x "$VTSIM" ]; then
	VTSIM="$(cd "$(dirname "$0")/../.." && pwd)/vtsim"
fi
if [ ! -x "$VTSIM" ]; then
	echo "vmx_tables: no vtsim binary (set VTSIM)" >&2
	exit 1
fi
failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# has NAME REGEX ARGS...: vtsim ARGS exits 0 and its stdout matches REGEX.
has() {
	local name=$1 re=$2
	shift 2
	local out
	out=$("$VTSIM" "$@" 2>&1)
	local rc=$?
	[ "$rc" -eq 0 ] || fail "$name: exit status $rc"
	grep -Eq -- "$re" <<<"$out" || fail "$name: no line matching /$re/ in: $(head -n 5 <<<"$out")"
}

has exits-hlt 'exit reason 12 \(HLT\); control: processor-based' vmx exits HLT
has exits-ept 'exit reason 48 \(EPT_VIOLATION\)' vmx exits ept_violation
has exits-cr0 'MOV to CR0' vmx exits cr0
has checks-count '^[0-9]+ of [0-9]+ checks$' vmx checks
has checks-filter '^guest\.cr0\.pg-pe +guest \(exit reason 33\)' vmx checks guest.cr0
has checks-host 'host \(VMfailValid 8\)' vmx checks host.cr0
has fields-rip '^681E  GUEST_RIP +64-bit  guest-state  Guest RIP$' vmx fields guest_rip
has fields-high '^2000  IO_BITMAP_A' vmx fields io_bitmap
has controls-ept '^enable-ept +SECONDARY_VM_EXEC_CONTROL +bit  1  implemented$' vmx controls enable-ept
has controls-fixed '^host-address-space-size +VM_EXIT_CONTROLS +bit  9  implemented$' vmx controls host-address
has controls-absent 'virtualize-x2apic-mode .* not implemented$' vmx controls x2apic
has caps-basic '^480H  IA32_VMX_BASIC +00D8100056540001$' vmx caps
has help 'usage: vtsim vmx TABLE' vmx --help

# The exit table and the check table are not empty.
n=$("$VTSIM" vmx exits | grep -c '^  exit reason')
[ "$n" -ge 50 ] || fail "exits: only $n rows"
n=$("$VTSIM" vmx checks | sed -n 's/^\([0-9]*\) of .*/\1/p')
[ "${n:-0}" -ge 150 ] || fail "checks: only ${n:-0} rows (the issue asks for at least 150)"

# bad ARGS...: status 2, one line on stderr that starts with "vtsim: ".
bad() {
	local name=$1
	shift
	"$VTSIM" "$@" >/dev/null 2>/tmp/vmx_tables.$$
	local rc=$?
	[ "$rc" -eq 2 ] || fail "$name: exit status $rc, expected 2"
	grep -q '^vtsim: \|^usage:' /tmp/vmx_tables.$$ || fail "$name: no error message"
	rm -f /tmp/vmx_tables.$$
}
bad no-table vmx
bad unknown-table vmx bogus
bad too-many vmx exits a b
bad caps-filter vmx caps x

if [ "$failures" -ne 0 ]; then
	echo "vmx_tables: $failures failure(s)"
	exit 1
fi
echo "vmx_tables: all checks passed"
