#!/usr/bin/env bash
# tests/pkg/deb-clean-install.sh [--fetch] BUILD_DIR [SCRATCH] — the Debian package on a clean machine.
# Builds the .deb with cpack from BUILD_DIR, unpacks a minimal bookworm root made by
# `debootstrap --variant=minbase` in SCRATCH (default BUILD_DIR/scratch/deb-clean-install), installs
# the .deb there with apt, so its dependencies are resolved by apt from Debian's archive (a wrong
# Depends line fails here), then in the chroot: `chaindrill --version`, the man page, and real
# drills — 0001-quickstart and the exec vendor's reference plugin (bash and jq) — from
# /usr/share/chaindrill/scenarios. lintian's findings are printed, not gated on.
#
# Two phases, because a test reaches no address but loopback:
#   --fetch  (scripts/setup.sh test runs it, with the other downloads): the only phase that uses the
#            network. Makes the debootstrap tarball and, in a throwaway root, lets apt download the
#            package lists and every .deb the package depends on, into BUILD_DIR/deb-cache.
#   the test (ctest pkg.deb-clean-install): offline. It runs whole in a network namespace of its
#            own with only a loopback interface; apt installs from the cache it cannot add to,
#            so a dependency the fetch did not foresee fails the install.
# /proc and /dev are mounted in the root only while it runs, in a mount namespace of the test's own;
# a trap unmounts them and stops any process left in the root on every exit, before the root is
# removed (tests/pkg/lib/root.sh, shared with the other tests of tests/pkg/).
# Needs root (debootstrap, chroot, mount, unshare); without root it exits 77 (skipped).
# Env: DEBIAN_MIRROR (default http://deb.debian.org/debian, the mirror apt uses here).
set -uo pipefail
fetch=0
if [ "${1:-}" = --fetch ]; then fetch=1; shift; fi
build=$(cd "${1:?usage: deb-clean-install.sh [--fetch] BUILD_DIR [SCRATCH]}" && pwd) || exit 2
scratch=${2:-$build/scratch/deb-clean-install$([ $fetch = 1 ] && echo -fetch)}
cache="$build/deb-cache"
root="$scratch/root"
. "$(dirname "$0")/lib/root.sh"

root_need debootstrap cpack chroot mount unshare ip

# The test runs whole in a network namespace of its own, whose only interface is loopback (and
# in a mount namespace of its own, as the fetch does).
if [ "$fetch" = 0 ]; then root_isolate offline "$0" "$build" "$scratch"; else
	root_isolate online "$0" --fetch "$build" "$scratch"; fi
root_begin

root_fresh_scratch || { fail "a clean scratch directory $scratch"; exit 1; }
mkdir -p "$cache/archives" || exit 1

# The package, from what BUILD_DIR has built.
(cd "$build" && cpack -G DEB -B "$scratch/cpack" >"$scratch/cpack.log" 2>&1) ||
	{ fail "cpack" "$(tail -20 "$scratch/cpack.log")"; exit 1; }
deb=$(ls "$scratch"/cpack/chaindrill_*.deb 2>/dev/null | head -1)
if [ -n "$deb" ]; then pass "cpack made $(basename "$deb")"; else fail "cpack made a .deb"; exit 1; fi
depends=$(dpkg-deb -f "$deb" Depends)
echo "# Depends: $depends"
if [ "$fetch" = 1 ] && [ -d "$cache/lists" ] && [ -s "$tarball" ] &&
	[ "$(cat "$cache/depends" 2>/dev/null)" = "$depends" ]; then
	echo "ok - the offline cache $cache is up to date for these Depends"
	exit 0
fi
for d in librocksdb libyaml libjansson libmicrohttpd libcurl libssl jq; do
	case "$depends" in *"$d"*) pass "Depends names $d" ;; *) fail "Depends names $d" ;; esac
done
if [ "$fetch" = 0 ] && command -v lintian >/dev/null; then
	lintian --tag-display-limit 0 "$deb" >"$scratch/lintian.txt" 2>&1
	echo "# lintian (reported, not gated): $(grep -c '^E:' "$scratch/lintian.txt") errors," \
		"$(grep -c '^W:' "$scratch/lintian.txt") warnings"
	sed 's/^/#   /' "$scratch/lintian.txt" | head -40
fi

# A minimal bookworm root, from the cached tarball when there is one.
if [ "$fetch" = 0 ] && { [ ! -s "$tarball" ] || [ ! -d "$cache/lists" ]; }; then
	fail "the offline cache $cache exists" "run scripts/setup.sh test (it runs $0 --fetch $build)"
	exit 1
fi
root_tarball || { fail "debootstrap --make-tarball" "$(tail -20 "$root_log")"; exit 1; }
if root_unpack; then
	pass "debootstrap --variant=minbase $suite"
else
	fail "debootstrap --variant=minbase $suite" "$(tail -20 "$root_log")"; exit 1
fi
if [ -e "$root/usr/bin/chaindrill" ]; then fail "the clean root has no chaindrill"; exit 1; fi

root_mount || { fail "mount /proc and /dev in the root"; exit 1; }
root_sources
cp "$deb" "$root/tmp/"
cp "$cache"/archives/*.deb "$root/var/cache/apt/archives/" 2>/dev/null
if [ "$fetch" = 1 ]; then
	# The download: the package lists and every .deb the package needs, nothing installed.
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	if in_root apt-get update >"$scratch/apt.log" 2>&1 &&
		in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			--download-only "/tmp/$(basename "$deb")" >>"$scratch/apt.log" 2>&1; then
		rm -rf "$cache/lists" && mkdir -p "$cache/lists" &&
			cp "$root"/var/lib/apt/lists/*_Packages "$root"/var/lib/apt/lists/*Release* "$cache/lists/" &&
			cp "$root"/var/cache/apt/archives/*.deb "$cache/archives/" 2>/dev/null &&
			echo "$depends" >"$cache/depends"
		pass "fetched the package lists and $(ls "$cache"/archives/*.deb | wc -l) .debs into $cache"
	else
		fail "apt-get --download-only the .deb's dependencies" "$(tail -20 "$scratch/apt.log")"
	fi
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
fi
cp "$cache"/lists/* "$root/var/lib/apt/lists/"
# No --no-download (apt then mistakes the local .deb's path): without a network apt cannot fetch
# anything, and takes what is in its cache.
if in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	"/tmp/$(basename "$deb")" >"$scratch/apt.log" 2>&1; then
	pass "apt-get install the .deb, offline (its dependencies resolved by apt from Debian's lists)"
else
	fail "apt-get install the .deb, offline" "$(tail -20 "$scratch/apt.log")" \
		"(a dependency missing from $cache: rerun scripts/setup.sh test)"
	exit 1
fi

if out=$(in_root chaindrill --version 2>&1) && [[ "$out" == "chaindrill "* ]]; then
	pass "chaindrill --version: $out"
else fail "chaindrill --version" "$out"; fi
if in_root test -s /usr/share/man/man1/chaindrill.1.gz && in_root zcat /usr/share/man/man1/chaindrill.1.gz |
	grep -q '^\.TH CHAINDRILL 1'; then
	pass "man page /usr/share/man/man1/chaindrill.1.gz"
else fail "man page /usr/share/man/man1/chaindrill.1.gz"; fi
if in_root test -f /usr/share/doc/chaindrill/README.md; then pass "docs in /usr/share/doc/chaindrill"
else fail "docs in /usr/share/doc/chaindrill"; fi

# Real drills, as a user would run them, in a directory of their own.
in_root mkdir -p /tmp/drills
for s in 0001-quickstart 6201-exec-reference-plugin; do
	if in_root sh -c "cd /tmp/drills && chaindrill run /usr/share/chaindrill/scenarios/$s.yaml" \
		>"$scratch/run-$s.log" 2>&1; then
		pass "chaindrill run /usr/share/chaindrill/scenarios/$s.yaml: $(grep -m1 'as expected' "$scratch/run-$s.log")"
	else
		fail "chaindrill run /usr/share/chaindrill/scenarios/$s.yaml" "$(tail -30 "$scratch/run-$s.log")"
	fi
done
left=$(root_procs)
if [ -z "$left" ]; then pass "no process left in the root"; else
	fail "no process left in the root" "$(ps -o pid,args -p "$left" 2>&1)"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
