#!/usr/bin/env bash
# Run one scenario with the real binary in a fresh scratch directory; the scratch directory is
# kept when the scenario's outcome differs from its expectation. Usage: BIN SCENARIO SCRATCH
set -u
bin=$1 scenario=$2 scratch=$3
rm -rf "$scratch" && mkdir -p "$scratch"
"$bin" run "$scenario" --workspace "$scratch/ws" --report-dir "$scratch/reports" -v \
	>"$scratch/stdout" 2>"$scratch/stderr"
rc=$?
cat "$scratch/stdout"
if [ "$rc" -ne 0 ]; then
	echo "--- stderr (last 40 lines) ---"
	tail -n 40 "$scratch/stderr"
	echo "exit $rc; scratch kept in $scratch; rerun: $bin run $scenario --workspace $scratch/ws -v"
	exit 1
fi
rm -rf "$scratch/ws"
