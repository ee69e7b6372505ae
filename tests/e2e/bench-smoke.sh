#!/usr/bin/env bash
# bench/run.sh at smoke sizes on the test build: every figure script runs to the end and reports
# its figures. Nothing is timed or judged here (figures belong to bench/, not to the test suite).
set -euo pipefail
rm -rf "$SCRATCH" && mkdir -p "$SCRATCH"
export BENCH_WORK_ROOT=$SCRATCH/work BENCH_RESULTS=$SCRATCH/results.tsv
bash "$SOURCE/bench/run.sh" --smoke --build-dir "$(dirname "$CHAINDRILL")" >"$SCRATCH/out" 2>&1 ||
	{ cat "$SCRATCH/out"; echo "bench-smoke: bench/run.sh --smoke failed"; exit 1; }
shopt -s nullglob
for f in "$SOURCE"/bench/figures/*.sh; do
	name=$(basename "$f" .sh)
	name=${name#[0-9][0-9]-}
	grep -q "^$name[[:space:]]" "$SCRATCH/results.tsv" ||
		{ cat "$SCRATCH/out"; echo "bench-smoke: figure script $f reported no '$name' row"; exit 1; }
done
[ ! -e "$SCRATCH/work" ] || [ -z "$(ls -A "$SCRATCH/work")" ] ||
	{ ls -R "$SCRATCH/work" | head; echo "bench-smoke: a figure left its work directory"; exit 1; }
if pgrep -f "$SCRATCH" >/dev/null; then
	pgrep -af "$SCRATCH"; echo "bench-smoke: processes left behind"; exit 1
fi
echo "bench-smoke: $(wc -l <"$SCRATCH/results.tsv") figures reported"
