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
