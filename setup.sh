#!/usr/bin/env bash
# setup.sh - make a Debian 12 machine ready for vtsim: packages, bootstrap, configure, build.
#
# Usage: ./setup.sh [CONFIGURE-OPTIONS...]
# Installs the Debian packages vtsim needs (with sudo when not root),
# runs autoreconf and configure once, then builds. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"

# What each package is for:
#   build-essential autoconf automake libtool pkg-config   the build
#   libzydis-dev      x86 decoding and Intel-syntax disassembly
#   nasm              guest code in tests, benchmarks, scenarios
#   libcriterion-dev  unit tests
#   libyaml-dev       scenario files (vtsim run) are YAML
#   libreadline-dev   the debugger's prompt (vtsim debug): editing, history, completion
#   lcov              coverage reports (./configure --enable-coverage)
#   python3           the command-line tests read JSON with it
#   gdb               the gdb stub's tests attach the real gdb (tests/gdb/run.sh)
packages=(build-essential autoconf automake libtool pkg-config libzydis-dev nasm
	  libcriterion-dev libyaml-dev libreadline-dev lcov python3 gdb)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	echo "setup: installing ${missing[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

[ -x configure ] || autoreconf -fi
if [ ! -f Makefile ] || [ $# -gt 0 ]; then
	./configure "$@"
fi
make -j"$(nproc)"
