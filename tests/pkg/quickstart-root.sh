#!/usr/bin/env bash
# tests/pkg/quickstart-root.sh [--fetch] BUILD_DIR [SCRATCH] — the README's first command on a bare
# machine: scripts/quickstart.sh, as root, in a fresh `debootstrap --variant=minbase` bookworm root
# (SCRATCH/root, default BUILD_DIR/scratch/quickstart-root) holding nothing but the minbase and
# the checkout's tracked files (git ls-files, as they are in the work tree). It must install what it
# needs with apt, build and run the quickstart drill: exit 0, the verdict line, the report files it
# names, and no process left in the root. It also checks the root is bare (the [minbase] list of
# scripts/commands.txt is what a minbase root has, no test package is there) and that the
# quickstart installed no test package: configuring the build needs none (CHAINDRILL_TESTS=AUTO).
#
# Two phases, as tests/pkg/deb-clean-install.sh (whose root machinery, tests/pkg/lib/root.sh, this
# shares), because a test reaches no address but loopback:
#   --fetch  (scripts/setup.sh test runs it): the only phase that uses the network. In a throwaway
#            root apt downloads the [build] packages of scripts/packages.txt and what they depend
#            on, into BUILD_DIR/deb-cache/quickstart/, indexed as a local apt repository
#            (dpkg-scanpackages); skipped when the cache already holds that list of packages.
#   the test (ctest pkg.quickstart-root, label pkg): offline, in network and mount namespaces of
#            its own (only `lo`). The root's only apt source is that repository (a file: source),
#            so the quickstart's `apt-get update` and `apt-get install` work as on a networked
#            machine, and a package the fetch did not foresee fails the install.
# Takes 2.5 minutes on 2 cores (5 under load), half of it the build. Needs root; without root it
# exits 77 (skipped).
set -uo pipefail
fetch=0
if [ "${1:-}" = --fetch ]; then fetch=1; shift; fi
build=$(cd "${1:?usage: quickstart-root.sh [--fetch] BUILD_DIR [SCRATCH]}" && pwd) || exit 2
scratch=${2:-$build/scratch/quickstart-root$([ $fetch = 1 ] && echo -fetch)}
source=$(cd "$(dirname "$0")/../.." && pwd)
cache="$build/deb-cache"
repo="$cache/quickstart"
root="$scratch/root"
. "$(dirname "$0")/lib/root.sh"

root_need debootstrap chroot mount unshare ip git dpkg-scanpackages
if [ "$fetch" = 0 ]; then root_isolate offline "$0" "$build" "$scratch"; else
	root_isolate online "$0" --fetch "$build" "$scratch"; fi
root_begin

root_fresh_scratch || { fail "a clean scratch directory $scratch"; exit 1; }
wanted=$(root_packages build)

if [ "$fetch" = 1 ]; then
	if [ -s "$tarball" ] && [ -s "$repo/Packages" ] && [ "$(cat "$repo/packages" 2>/dev/null)" = "$wanted" ]; then
		pass "the offline cache $repo is up to date for the [build] packages"
		finish
	fi
	root_tarball || { fail "debootstrap --make-tarball" "$(tail -20 "$root_log")"; finish; }
	root_unpack || { fail "debootstrap --variant=minbase $suite" "$(tail -20 "$root_log")"; finish; }
	root_mount || { fail "mount /proc and /dev in the root"; finish; }
	root_sources
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	# shellcheck disable=SC2086 # one package a word
	if in_root apt-get update >"$scratch/apt.log" 2>&1 &&
		in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			--download-only $wanted >>"$scratch/apt.log" 2>&1; then
		rm -rf "$repo" && mkdir -p "$repo" &&
			cp "$root"/var/cache/apt/archives/*.deb "$repo/" &&
			(cd "$repo" && dpkg-scanpackages --multiversion . /dev/null >Packages 2>/dev/null) &&
			echo "$wanted" >"$repo/packages"
		pass "fetched $(ls "$repo"/*.deb | wc -l) .debs for the [build] packages into $repo"
	else
		fail "apt-get --download-only the [build] packages" "$(tail -20 "$scratch/apt.log")"
	fi
	finish
fi

if [ ! -s "$tarball" ] || [ ! -s "$repo/Packages" ]; then
	fail "the offline cache $repo exists" "run scripts/setup.sh test (it runs $0 --fetch $build)"
	finish
fi
if [ "$(cat "$repo/packages")" != "$wanted" ]; then
	fail "the offline cache $repo holds the [build] packages of scripts/packages.txt" \
		"run scripts/setup.sh test (it runs $0 --fetch $build)"
	finish
fi
if root_unpack; then pass "debootstrap --variant=minbase $suite"; else
	fail "debootstrap --variant=minbase $suite" "$(tail -20 "$root_log")"; finish; fi

# The root is a bare machine: what scripts/commands.txt counts on as minbase is there, the
# packages of the test suite are not.
minbase=$(awk '/^\[/ { s = $0; next } s == "[minbase]" { sub(/#.*/, ""); print }' "$source/scripts/commands.txt")
absent=
for p in $minbase; do
	in_root dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || absent="$absent $p"
done
if [ -z "$absent" ]; then pass "the root has the $(echo $minbase | wc -w) [minbase] packages of scripts/commands.txt"
else fail "the root has the [minbase] packages of scripts/commands.txt" "not installed:$absent"; fi
# (libgnutls28-dev is not among them: libmicrohttpd-dev depends on it.)
test_only="libcmocka-dev valgrind lcov"
has_test_pkgs() {
	local p
	for p in $test_only; do
		in_root dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" && echo "$p"
	done
}
if [ -z "$(has_test_pkgs)" ]; then pass "the root has none of $test_only"; else
	fail "the root has none of $test_only" "installed: $(has_test_pkgs)"; fi

root_mount || { fail "mount /proc and /dev in the root"; finish; }
# apt's only source: the fetched .debs, a local repository that needs no network.
mkdir -p "$root/var/local/chaindrill-debs" && cp "$repo"/*.deb "$repo/Packages" "$root/var/local/chaindrill-debs/" ||
	{ fail "copy the fetched .debs into the root"; finish; }
echo 'deb [trusted=yes] file:/var/local/chaindrill-debs ./' >"$root/etc/apt/sources.list"

# The checkout as a clone has it: its tracked files, as they are in the work tree.
if root_copy_checkout "$source" /root/chaindrill; then
	pass "copied the checkout's $(find "$root/root/chaindrill" -type f | wc -l) tracked files into /root/chaindrill"
else fail "copy the tracked files (git ls-files) into the root"; finish; fi

start=$(date +%s)
in_root sh -c 'cd /root/chaindrill && scripts/quickstart.sh' >"$scratch/quickstart.log" 2>&1
rc=$?
took=$(($(date +%s) - start))
log="$scratch/quickstart.log"
if [ "$rc" -eq 0 ]; then pass "scripts/quickstart.sh exits 0 (${took} s)"; else
	fail "scripts/quickstart.sh exits 0 (${took} s)" "exit $rc; its last lines ($log):" "$(tail -25 "$log")"; fi
# The summary line: `<scenario name>: ... consistent ... — as expected (...)` (the restore's
# outcome may come first); 0001-quickstart.yaml names itself `quickstart`.
verdict='^quickstart: (.* )?consistent( .*)? — as expected'
if grep -qE "$verdict" "$log"; then
	pass "the verdict: $(grep -m1 '^quickstart: ' "$log")"
else fail "the verdict line '$verdict'" "$(grep -m1 '^quickstart' "$log")"; fi
for what in report junit html; do
	f=$(sed -n "s/^$what: *//p" "$log" | head -1)
	if [ -n "$f" ] && [ -s "$root/root/chaindrill/$f" ]; then pass "$what: $f is there"; else
		fail "the $what line names a file the quickstart wrote" "${f:-no '$what:' line}"; fi
done
if grep -q '^index: *reports/index.html' "$log" && [ -s "$root/root/chaindrill/reports/index.html" ]; then
	pass "index: reports/index.html is there"
else fail "the index line names reports/index.html, which is there" "$(grep -m1 '^index:' "$log")"; fi
if [ -z "$(has_test_pkgs)" ]; then pass "the quickstart installed none of $test_only"; else
	fail "the quickstart installed none of $test_only" "installed: $(has_test_pkgs)"; fi
left=$(root_procs)
if [ -z "$left" ]; then pass "no process left in the root"; else
	fail "no process left in the root" "$(ps -o pid,args -p "$left" 2>&1)"; fi
finish
