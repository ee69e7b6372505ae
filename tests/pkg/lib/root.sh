# tests/pkg/lib/root.sh — a fresh `debootstrap --variant=minbase` bookworm root for the tests of
# tests/pkg/ (deb-clean-install.sh, quickstart-root.sh, bare-root.sh), sourced by them.
# The caller sets, before calling anything here: `root` (the root directory), `scratch` (its
# scratch directory, removed by root_cleanup when `failed` is 0) and `cache` (BUILD/deb-cache, where
# the debootstrap tarball and the downloaded .debs are kept); and keeps `failed`, its count of
# failed checks. Each function returns nonzero on failure with the log's path in `root_log`.
# Env: DEBIAN_MIRROR (default http://deb.debian.org/debian, the mirror apt uses here).

suite=bookworm
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
tarball="$cache/$suite-minbase.tgz"

# root_isolate offline|online SCRIPT ARGS...: runs the calling script again in a mount namespace of
# its own (what is mounted in the root never reaches the host's mounts, and is gone with the
# namespace even if the script is killed), with `offline` also in a network namespace whose only
# interface is loopback: nothing but 127.0.0.1 can be reached, and the drills still have it.
# Returns (so the caller goes on) once it runs isolated. Run in a chroot (these tests nested in
# bare-root.sh's root), where / is no mount point and cannot be made private, the namespace keeps
# the propagation it inherits: bare-root.sh's own private namespace.
root_isolate() {
	local net=$1 prop=private
	shift
	[ -z "${CHAINDRILL_ROOT_ISOLATED:-}" ] || return 0
	export CHAINDRILL_ROOT_ISOLATED=$net
	unshare --mount --propagation private true 2>/dev/null || prop=unchanged
	if [ "$net" = offline ]; then
		exec unshare --mount --propagation $prop --net -- \
			sh -c 'ip link set lo up && exec bash "$@"' sh "$@"
	fi
	exec unshare --mount --propagation $prop -- bash "$@"
}

# root_need TOOL...: as root (else exit 77: skipped), with every TOOL installed (else exit 1).
root_need() {
	if [ "$(id -u)" -ne 0 ]; then echo "skipped: needs root (debootstrap, chroot, mount)"; exit 77; fi
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null || { echo "not ok - $tool is installed (scripts/packages.txt)"; exit 1; }
	done
}

# root_begin: the TAP counts of pass, fail and finish, and the traps that clean the root up on
# every exit (after root_isolate: in the namespaces).
root_begin() {
	passed=0 failed=0
	trap root_cleanup EXIT
	trap 'exit 130' INT TERM
}
pass() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "not ok - $1"; shift; for l in "$@"; do echo "#   $l"; done; }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }

# in_root CMD...: CMD in the root, as root, with a clean environment.
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }

root_mounts() { awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/mounts; }
# Every process whose root directory is the root (a drill's replicas included).
root_procs() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && echo "${p#/proc/}"
	done
}

# root_cleanup: stops the processes left in the root, unmounts what is mounted there (deepest
# first), and removes the scratch directory unless a check failed. For `trap root_cleanup EXIT`.
root_cleanup() {
	local pids m
	pids=$(root_procs)
	if [ -n "$pids" ]; then
		echo "# stopping processes left in the root: $pids"
		kill -TERM $pids 2>/dev/null
		sleep 1
		kill -KILL $(root_procs) 2>/dev/null
	fi
	for m in $(root_mounts | sort -r); do umount "$m" 2>/dev/null || umount -l "$m"; done
	if [ -n "$(root_mounts)" ]; then
		echo "# still mounted, root kept: $(root_mounts)"
	elif [ "${failed:-0}" -eq 0 ]; then
		rm -rf --one-file-system "$scratch"
	else
		echo "# root kept in $root"
	fi
}

# root_fresh_scratch: a previous run killed before its cleanup could leave mounts: refuse rather
# than delete under them; else an empty scratch directory and the cache.
root_fresh_scratch() {
	if [ -n "$(root_mounts)" ]; then
		echo "# $root has mounts left from an earlier run: $(root_mounts)"
		return 1
	fi
	rm -rf --one-file-system "$scratch" && mkdir -p "$scratch" "$cache"
}

# root_tarball: makes the debootstrap tarball of the cache if it is missing (the network).
root_tarball() {
	root_log="$scratch/debootstrap-tarball.log"
	[ -s "$tarball" ] && return 0
	debootstrap --variant=minbase --make-tarball="$tarball.part" "$suite" "$scratch/mk" "$mirror" \
		>"$root_log" 2>&1 && mv "$tarball.part" "$tarball" || return 1
	rm -rf --one-file-system "$scratch/mk"
}

# root_unpack: the root, from the cached tarball (no network).
root_unpack() {
	root_log="$scratch/debootstrap.log"
	debootstrap --variant=minbase --unpack-tarball="$tarball" "$suite" "$root" "$mirror" >"$root_log" 2>&1
}

# root_mount [full]: /proc and /dev in the root; `full` adds /sys, /dev/pts and /dev/shm (the
# whole test suite: sanitizers, a browser, shared memory). Unmounted by root_cleanup.
root_mount() {
	mount -t proc proc "$root/proc" || return 1
	if [ "${1:-}" = full ]; then
		mount --rbind /dev "$root/dev" && mount -t sysfs sysfs "$root/sys" &&
			mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm" || return 1
	else
		mount --bind /dev "$root/dev" || return 1
	fi
}

# root_sources: the Debian archive (the mirror, updates, security) as the root's apt sources.
root_sources() {
	printf 'deb %s %s main\ndeb %s %s-updates main\ndeb http://deb.debian.org/debian-security %s-security main\n' \
		"$mirror" "$suite" "$mirror" "$suite" "$suite" >"$root/etc/apt/sources.list"
}

# root_packages TIER: the Debian packages scripts/packages.txt lists for TIER (as scripts/setup.sh
# reads it: [build] always, every section for `test`), one a line.
root_packages() {
	awk -v tier="$1" '/^#/ || /^$/ { next } /^\[.*\]$/ { s = substr($0, 2, length($0) - 2); next }
		s == "build" || tier == "test" || s == tier { print }' "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/packages.txt"
}

# root_copy_checkout SOURCE DEST: the checkout as a clone has it, into DEST of the root: its tracked
# files (git ls-files), as they are in the work tree. A copy that is not a git checkout (this test
# run inside bare-root.sh's root) gives all its files but the build trees, reports and workspaces.
root_copy_checkout() {
	mkdir -p "$root$2" || return 1
	(
		cd "$1" || exit 1
		if [ -e .git ] && git ls-files -z 2>/dev/null; then :; else
			find . \( -path './build*' -o -path './reports/*' -type d -o -path ./reports/index.html \
				-o -path ./.chaindrill \) -prune -o \
				\( -type f -o -type l \) -printf '%P\0'
		fi | tar --null -T - --ignore-failed-read -cf - 2>/dev/null
	) | tar -C "$root$2" -xf - && [ -x "$root$2/scripts/quickstart.sh" ]
}
