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
# A runAsUser scenario in a checkout that uid cannot reach (a clone under /root, mode 0700) is an
# environment the drill cannot run in: chaindrill says so with exit 3, and the test is skipped
# with its reason (ctest: SKIP_RETURN_CODE 77), not failed and not passed.
if [ "$rc" -eq 3 ] && grep -q 'cluster.runAsUser .* cannot reach' "$scratch/stdout" "$scratch/stderr"; then
	echo "1..0 # SKIP $(grep -h -m1 -o 'cluster.runAsUser .* cannot reach [^:]*: [^ ]*' \
		"$scratch/stdout" "$scratch/stderr" | head -1)" \
		"is not searchable by that uid; run the suite from a checkout every user can search"
	rm -rf "$scratch"
	exit 77
fi
if [ "$rc" -ne 0 ]; then
	echo "--- stderr (last 40 lines) ---"
	tail -n 40 "$scratch/stderr"
	echo "exit $rc; scratch kept in $scratch; rerun: $bin run $scenario --workspace $scratch/ws -v"
	exit 1
fi
rm -rf "$scratch/ws"
