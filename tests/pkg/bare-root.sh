#!/usr/bin/env bash
# tests/pkg/bare-root.sh [BUILD_DIR [SCRATCH]] — release check: both README commands on a bare
# machine. In a fresh `debootstrap --variant=minbase` bookworm root (SCRATCH/root, default
# BUILD_DIR/scratch/bare-root; BUILD_DIR, default build, holds the cached debootstrap tarball),
# holding the checkout's tracked files (git ls-files) in /root/chaindrill, it runs as root
# scripts/quickstart.sh, then scripts/test.sh, each as the README says, with apt reaching the Debian
# archive (DEBIAN_MIRROR, default http://deb.debian.org/debian, and this machine's apt proxy, if
# any). It reports, for each step, its exit and wall time and, when it failed, its last lines, the
# tests that failed, and every "command not found" in its log — what a bare machine lacks.
#
# Not a ctest test: it needs the network (apt), and takes about 33 minutes on 2 cores (the whole
# suite, with its installs and builds, in the root: 30 of them). .ci/run runs it after scripts/test.sh when the
# Debian archive answers. The package tests of the suite run nested in the root (debootstrap in the
# chroot, their own namespaces), so their fetch phases reach the archive too.
# /proc, /dev (with /dev/pts and /dev/shm) and /sys are mounted in the root only while it runs, in
# a mount namespace of its own; a trap stops any process left in the root and unmounts on every
# exit. The root is removed when both steps passed, kept otherwise. Needs root; else exit 77.
# BARE_ROOT_QUICKSTART_ONLY=1 stops after the quickstart (about 4 minutes).
set -uo pipefail
mkdir -p "${1:-build}" && build=$(cd "${1:-build}" && pwd) || exit 2
scratch=${2:-$build/scratch/bare-root}
source=$(cd "$(dirname "$0")/../.." && pwd)
cache="$build/deb-cache"
root="$scratch/root"
. "$(dirname "$0")/lib/root.sh"

root_need debootstrap chroot mount unshare git
root_isolate online "$0" "$build" "$scratch"
root_begin

root_fresh_scratch || { fail "a clean scratch directory $scratch"; exit 1; }
root_tarball || { fail "debootstrap --make-tarball" "$(tail -20 "$root_log")"; finish; }
if root_unpack; then pass "debootstrap --variant=minbase $suite"; else
	fail "debootstrap --variant=minbase $suite" "$(tail -20 "$root_log")"; finish; fi
root_mount full || { fail "mount /proc, /dev, /dev/shm and /sys in the root"; finish; }
root_sources
cp /etc/resolv.conf "$root/etc/resolv.conf"
# What every installed system has and a debootstrap root lacks (the installer writes it).
[ -e "$root/etc/hosts" ] || printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
apt-config dump 2>/dev/null | grep -i '^Acquire::[a-z]*::Proxy' >"$root/etc/apt/apt.conf.d/90proxy-of-host"
if root_copy_checkout "$source" /root/chaindrill; then
	pass "copied the checkout's $(find "$root/root/chaindrill" -type f | wc -l) tracked files into /root/chaindrill"
else fail "copy the tracked files (git ls-files) into the root"; finish; fi

# step NAME COMMAND: runs a README command in the checkout of the root, and reports on it.
step() {
	local name=$1 cmd=$2 log="$scratch/$1.log" start rc took missing failing
	echo "# $cmd in the root (log: $log)"
	start=$(date +%s)
	in_root bash -c "cd /root/chaindrill && $cmd" >"$log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	# What a bare machine lacks shows as "X: command not found", "X: not found", "X: No such file".
	missing=$(grep -ohE '([A-Za-z0-9_.+/-]+): (command )?not found' "$log" | sed -E 's/: (command )?not found//' |
		sort | uniq -c | sort -rn | awk '{ printf "%s%s (%d)", sep, $2, $1; sep = ", " }')
	failing=$(sed -n '/The following tests FAILED:/,/^$/p' "$log" | grep -E '^[[:space:]]+[0-9]+ - ' |
		sed -E 's/^[[:space:]]+[0-9]+ - //' | tr '\n' ' ')
	# scripts/test.sh closes with per-tier counts and "total: N passed, M failed, K skipped".
	sed -n '/^== summary/,$p' "$log" | grep -E '^[a-z/-]+: [0-9]+ passed' | sed 's/^/# /'
	if [ "$rc" -eq 0 ]; then
		pass "$cmd exits 0 (${took} s)"
	else
		fail "$cmd exits 0 (${took} s)" "exit $rc" \
			"tests that failed: ${failing:-none reported}" \
			"commands not found in the log: ${missing:-none}" \
			"its last lines:" "$(tail -40 "$log")"
	fi
	[ -z "$missing" ] || [ "$rc" -ne 0 ] || echo "# $name: commands not found in its log: $missing"
}

step quickstart scripts/quickstart.sh
# The summary line: `quickstart: ... consistent ... — as expected (...)` (the restore's outcome may
# come first).
verdict='^quickstart: (.* )?consistent( .*)? — as expected'
if grep -qE "$verdict" "$scratch/quickstart.log"; then
	pass "the quickstart's verdict: $(grep -m1 '^quickstart: ' "$scratch/quickstart.log")"
else fail "the quickstart's verdict line '$verdict'" "$(grep -m1 '^quickstart' "$scratch/quickstart.log")"; fi
[ "${BARE_ROOT_QUICKSTART_ONLY:-}" = 1 ] && { echo "# BARE_ROOT_QUICKSTART_ONLY=1: scripts/test.sh not run"; finish; }
step test scripts/test.sh
left=$(root_procs)
if [ -z "$left" ]; then pass "no process left in the root"; else
	fail "no process left in the root" "$(ps -o pid,args -p "$left" 2>&1)"; fi
finish
