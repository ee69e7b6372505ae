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
	# The package tests install offline (no test reaches past loopback): the Debian packages they
	# need are downloaded here, with the others (tests/pkg/deb-clean-install.sh: the .deb's
	# dependencies; tests/pkg/quickstart-root.sh: the [build] packages of a bare machine).
	if [ "$(id -u)" -eq 0 ]; then
		for t in deb-clean-install quickstart-root; do
			bash tests/pkg/$t.sh --fetch build >build/$t-fetch.log 2>&1 && continue
			echo "setup: could not fetch the Debian packages of tests/pkg/$t.sh (build/$t-fetch.log):"
			tail -5 build/$t-fetch.log
		done
	fi
fi
echo "setup: built build/chaindrill"
