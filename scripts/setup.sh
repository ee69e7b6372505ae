#!/usr/bin/env bash
# scripts/setup.sh [build|test|bench] — install the Debian packages chaindrill needs (those missing
# only; as root, or through sudo), then configure and build into build/ (and build-asan/ for `test`;
# `bench` installs what bench/run.sh needs and leaves building to it).
set -euo pipefail
cd "$(dirname "$0")/.."
tier=${1:-build}

wanted=()
section=
while read -r line; do
	case "$line" in
	'#'* | '') continue ;;
	'['*']') section=${line//[\[\]]/} ;;
	*) if [ "$section" = build ] || [ "$tier" = test ] || [ "$section" = "$tier" ]; then
		wanted+=("$line")
	fi ;;
	esac
done <scripts/packages.txt

missing=()
for p in "${wanted[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -q >/dev/null
	$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

[ "$tier" != bench ] || exit 0
jobs=$(nproc)
# `build` configures the test suite only if its packages happen to be there (CHAINDRILL_TESTS=AUTO,
# the default); `test` requires it.
tests=()
[ "$tier" != test ] || tests=(-DCHAINDRILL_TESTS=ON)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCHAINDRILL_WERROR=ON "${tests[@]}" >/dev/null
cmake --build build -j"$jobs" >/dev/null
if [ "$tier" = test ]; then
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCHAINDRILL_SANITIZE=ON \
		-DCHAINDRILL_WERROR=ON "${tests[@]}" >/dev/null
	cmake --build build-asan -j"$jobs" >/dev/null
	# The package test installs offline (no test reaches past loopback): the Debian packages it
	# needs are downloaded here, with the others (tests/pkg/deb-clean-install.sh).
	if [ "$(id -u)" -eq 0 ] &&
		! bash tests/pkg/deb-clean-install.sh --fetch build >build/deb-fetch.log 2>&1; then
		echo "setup: could not fetch the package test's Debian packages (build/deb-fetch.log):"
		tail -5 build/deb-fetch.log
	fi
fi
echo "setup: built build/chaindrill"
