#!/usr/bin/env bash
# bench/run.sh [--smoke] [--check] [--build-dir DIR] [FIGURE...]
#
# Install what is missing, build chaindrill optimised (build-bench/, Release), and run every figure
# script of bench/figures/ (or only those named: `bench/run.sh write verify`). Each figure is a
# ratio against a reference measured in the same run on the same data (bench/lib.sh); the table at
# the end is also written to build-bench/results.tsv.
#   --smoke      tiny sizes: checks the scripts work (the test suite runs this); no figure is judged
#   --check      exit 1 if a figure misses its target (default: report only)
#   --build-dir  use an existing build instead of building build-bench/ (the test suite's build)
set -uo pipefail
cd "$(dirname "$0")/.."
source=$PWD
smoke=0 check=0 build=
figures=()
while [ $# -gt 0 ]; do
	case "$1" in
	--smoke) smoke=1 ;;
	--check) check=1 ;;
	--build-dir) build=$2; shift ;;
	-h | --help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "bench: unknown option $1 (see --help)" >&2; exit 2 ;;
	*) figures+=("$1") ;;
	esac
	shift
done

if [ -z "$build" ]; then
	scripts/setup.sh bench || exit 1
	build=$source/build-bench
	cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCHAINDRILL_TESTS=OFF \
		-DCHAINDRILL_WERROR=ON >/dev/null || exit 1
	cmake --build "$build" -j"$(nproc)" >/dev/null || exit 1
fi
build=$(cd "$build" && pwd)

export CHAINDRILL=$build/chaindrill BENCH_BIN=$build/bench BENCH_SMOKE=$smoke SOURCE=$source
export BENCH_RESULTS=${BENCH_RESULTS:-$build/results.tsv}
work_root=${BENCH_WORK_ROOT:-$build/bench-work}
mkdir -p "$work_root"
: >"$BENCH_RESULTS"

shopt -s nullglob
scripts=()
for f in bench/figures/*.sh; do
	name=$(basename "$f" .sh)
	name=${name#[0-9][0-9]-}
	if [ ${#figures[@]} -eq 0 ] || [[ " ${figures[*]} " == *" $name "* ]]; then scripts+=("$f"); fi
done
if [ ${#scripts[@]} -eq 0 ] && [ ${#figures[@]} -gt 0 ]; then
	echo "bench: no figure named ${figures[*]}" >&2
	exit 2
fi

echo "bench: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)," \
	"$(uname -r), $("$CHAINDRILL" --version)$([ "$smoke" = 1 ] && echo ', smoke sizes')"
status=0
for f in "${scripts[@]}"; do
	name=$(basename "$f" .sh)
	export BENCH_WORK=$work_root/$name
	rm -rf "$BENCH_WORK" && mkdir -p "$BENCH_WORK"
	if ! bash "$f"; then
		echo "bench: $name FAILED" >&2
		status=1
	fi
	rm -rf "$BENCH_WORK"
done

echo
column -t -s $'\t' -N figure,measured,reference,ratio,target,holds,note "$BENCH_RESULTS" 2>/dev/null ||
	cat "$BENCH_RESULTS"
if [ "$check" = 1 ] && cut -f6 "$BENCH_RESULTS" | grep -qx NO; then status=1; fi
exit $status
