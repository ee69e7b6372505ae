# bench/lib.sh — what every figure script of bench/figures/ shares. Sourced, never run.
#
# A figure script is run by bench/run.sh with this environment:
#   CHAINDRILL    the optimised chaindrill binary
#   BENCH_BIN     the directory of the reference programs built from bench/src/*.c (bench-NAME)
#   BENCH_WORK    an empty directory of its own for data and workspaces (removed afterwards)
#   BENCH_SMOKE   1: tiny sizes, to check the script works (the test suite); the figures mean nothing
#   SOURCE        the source tree
# and reports each figure with bench_result. Nothing is timed by the caller: a script measures its
# own subject and its reference, on the same data, one after the other in the same run, so that
# the ratio holds on a noisy machine where the absolute numbers do not.

# Seconds since the epoch, with nanoseconds.
bench_now() { date +%s.%N; }

# bench_elapsed START: seconds since START (from bench_now), 3 decimals.
bench_elapsed() { awk -v a="$1" -v b="$(bench_now)" 'BEGIN { printf "%.3f", b - a }'; }

# bench_time VAR CMD...: run CMD, set VAR to its wall time in seconds. CMD's failure is fatal.
bench_time() {
	local __var=$1 __t0
	shift
	__t0=$(bench_now)
	"$@" || bench_die "failed: $*"
	printf -v "$__var" '%s' "$(bench_elapsed "$__t0")"
}

# bench_peak_rss VAR CMD...: run CMD under GNU time, set VAR to its peak RSS in KiB.
bench_peak_rss() {
	local __var=$1 __f
	shift
	__f=$(mktemp "$BENCH_WORK/rss.XXXXXX")
	/usr/bin/time -f %M -o "$__f" "$@" || bench_die "failed: $*"
	printf -v "$__var" '%s' "$(tail -n 1 "$__f")"
	rm -f "$__f"
}

# bench_cpu_time VAR CMD...: run CMD under GNU time, set VAR to its CPU seconds (user + system, all
# threads). For per-core figures: unlike wall time, it does not grow when other work shares the
# cores.
bench_cpu_time() {
	local __var=$1 __f
	shift
	__f=$(mktemp "$BENCH_WORK/cpu.XXXXXX")
	/usr/bin/time -f '%U %S' -o "$__f" "$@" || bench_die "failed: $*"
	printf -v "$__var" '%s' "$(tail -n 1 "$__f" | awk '{ printf "%.3f", $1 + $2 }')"
	rm -f "$__f"
}

# bench_div A B: A / B with 3 significant decimals (awk; bash has no floating point).
bench_div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "inf"; else printf "%.3f", a / b }'; }

# bench_result NAME MEASURED REFERENCE RATIO TARGET [NOTE]
#   NAME       the figure, e.g. "write"
#   MEASURED   what chaindrill did, with its unit ("41200 blocks/s")
#   REFERENCE  what the reference did on the same data, with its unit
#   RATIO      a number; TARGET is "OP NUMBER" with OP one of >= <= > < ("">= 0.5")
# Appends a row to the run's results and prints it.
bench_result() {
	local name=$1 measured=$2 reference=$3 ratio=$4 target=$5 note=${6:-} holds
	if [ "${BENCH_SMOKE:-0}" = 1 ]; then
		holds=smoke
	elif awk -v r="$ratio" -v t="$target" 'BEGIN {
		split(t, p, " "); op = p[1]; v = p[2] + 0; r += 0
		exit !((op == ">=" && r >= v) || (op == "<=" && r <= v) ||
		       (op == ">" && r > v) || (op == "<" && r < v)) }'; then
		holds=yes
	else
		holds=NO
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$measured" "$reference" "$ratio" "$target" \
		"$holds" "$note" >>"$BENCH_RESULTS"
	printf 'bench: %-12s %s  vs  %s  ratio %s  target %s: %s%s\n' "$name" "$measured" \
		"$reference" "$ratio" "$target" "$holds" "${note:+  ($note)}"
}

# bench_info NAME TEXT: a figure that has no target (the large drill): reported, never judged.
bench_info() {
	printf '%s\t%s\t\t\t\tinfo\t\n' "$1" "$2" >>"$BENCH_RESULTS"
	printf 'bench: %-12s %s\n' "$1" "$2"
}

bench_die() {
	echo "bench: $*" >&2
	exit 1
}

# bench_sized_scenario OUT SRC WINDOW BLOCKS...: the bench scenario SRC at the figure's sizes:
# its checkpointWindow set to WINDOW and its write steps' block counts, in order, to BLOCKS.
bench_sized_scenario() {
	local out=$1 src=$2 window=$3
	shift 3
	awk -v window="$window" -v blocks="$*" '
		BEGIN { n = split(blocks, b, " ") }
		{ sub(/checkpointWindow: [0-9]+/, "checkpointWindow: " window) }
		/write: \{blocks: [0-9]+\}/ && k < n { sub(/write: \{blocks: [0-9]+\}/, "write: {blocks: " b[++k] "}") }
		{ print }
		END { if (k < n) { print "bench: " FILENAME ": fewer write steps than sizes" > "/dev/stderr"; exit 1 } }' \
		"$src" >"$out" || bench_die "cannot size $src"
}

# --- Chains written through chaindrill's real path ---------------------------------------------
# A drill of 4 replicas (the smallest cluster a scenario allows) with replicas 1..3 stopped first,
# so one replica process commits every block the driver orders, as in a drill's write step. The
# workspace is kept: the replica's rocksdbdata is the data the figures measure.

# bench_chain_scenario FILE NAME BLOCKS KEYS_PER_BLOCK VALUE_SIZE KEY_SPACE [CKPT_AT]
#   CKPT_AT: write CKPT_AT blocks, the operator's checkpoint (id CKPT_AT), then the rest; no
#   periodic checkpoint ever fires (window and interval out of reach).
bench_chain_scenario() {
	local file=$1 name=$2 blocks=$3 kpb=$4 vsize=$5 space=$6 ckpt=${7:-}
	{
		echo "name: $name"
		echo "seed: 1"
		echo "cluster: {replicas: 4}"
		if [ -n "$ckpt" ]; then
			echo "replicaCheckpointBackup: {enabled: true, numberOfCheckpoints: 5," \
				"checkpointWindow: 1000000000, checkpointIntervalInSeconds: 31536000}"
		else
			echo "replicaCheckpointBackup: {enabled: false}"
		fi
		echo "workload: {keysPerBlock: $kpb, valueSize: $vsize, keySpace: $space, blockIntervalMs: 100}"
		echo "steps:"
		echo "  - stop: {replica: 1}"
		echo "  - stop: {replica: 2}"
		echo "  - stop: {replica: 3}"
		if [ -n "$ckpt" ]; then
			echo "  - write: {blocks: $ckpt}"
			echo "  - checkpoint: {}"
			echo "  - write: {blocks: $((blocks - ckpt))}"
		else
			echo "  - write: {blocks: $blocks}"
		fi
		echo "expect: {verdict: recoverable}"
	} >"$file"
}

# bench_chain_drill NAME SCENARIO: run it, keep the workspace in $BENCH_WORK/ws, the report in
# $BENCH_WORK/rep-NAME. Prints the report's path.
bench_chain_drill() {
	local name=$1 scenario=$2 rep=$BENCH_WORK/rep-$1
	"$CHAINDRILL" run "$scenario" -q --keep --workspace "$BENCH_WORK/ws" --report-dir "$rep" \
		>"$BENCH_WORK/drill-$name.out" 2>&1 ||
		{ cat "$BENCH_WORK/drill-$name.out" >&2; bench_die "drill $name failed"; }
	echo "$rep/report.json"
}

# bench_replica0_db REPORT: the rocksdbdata of replica 0, the one that wrote the chain.
bench_replica0_db() { jq -r '.scenarios[0].verification.replicas[0].path' "$1"; }
