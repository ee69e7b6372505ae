#!/usr/bin/env bash
# crash-kill9: `chaindrill run` killed with SIGKILL at many moments of a whole drill (writes, a
# backup, a fault, a restore), in the same workspace again and again. After each kill: no process
# of that workspace survives (replicas die by their parent-death signal; with --jobs the drills'
# own processes too), run.json still says "running" (or "removing") with the killed driver's pid, any backup that
# looks complete is complete (backup.json written last, every file it counts present), and the
# next run in the workspace says it recovered the killed one. Every third kill (and the last) the
# next run is a whole short drill that must pass and report recoveredInterruptedRun.
# The kill moments are a seeded, spread list (CRASH_SEED, default 20261125) of fractions of the
# drill's measured duration: (i + u_i) / N, u_i uniform in [0, 1).
. "$SOURCE/tests/e2e/lib/testlib.sh"
cd "$SCRATCH" || exit 1
seed=${CRASH_SEED:-20261125}
kills=${CRASH_KILLS:-24}
drill=$SOURCE/tests/e2e/data/crash-kill9.yaml
after=$SOURCE/tests/e2e/data/crash-kill9-after.yaml
base=$SCRATCH/ws
ws=$base/crash-kill9

# Processes (other than this shell's) whose command line names the workspace base: replicas (by
# their port files), drills, plugins.
strays() {
	local f
	for f in $(grep -laF -- "$base" /proc/[0-9]*/cmdline 2>/dev/null); do
		[ "$f" = /proc/$$/cmdline ] || echo "$f: $(tr '\0' ' ' <"$f" 2>/dev/null)"
	done
}
no_strays() { # NAME
	local s
	for _ in $(seq 1 50); do s=$(strays); [ -z "$s" ] && break; sleep 0.1; done
	if [ -z "$s" ]; then return 0; fi
	fail "$1: no process of the workspace survives" "$s"
	return 1
}
# Every backup that does not carry a partial name has backup.json and every file it counts.
backups_whole() { # WORKSPACE
	local b c want got bad=""
	for b in "$1"/backups/*; do
		[ -e "$b" ] || continue
		case $b in *.partial*) continue ;; esac
		if ! jq -e '.claims | length > 0' "$b/backup.json" >/dev/null 2>&1; then
			bad="$bad $b: no complete backup.json;"
			continue
		fi
		for c in $(jq -r '.claims[].claim' "$b/backup.json"); do
			want=$(jq -r --arg c "$c" '.claims[] | select(.claim == $c) | .files' "$b/backup.json")
			got=$(find "$b/$c" -type f | wc -l)
			[ "$want" = "$got" ] || bad="$bad $b/$c: $got files, backup.json says $want;"
		done
	done
	[ -z "$bad" ] && return 0
	echo "$bad"
	return 1
}

# The drill passes when left alone; its duration spreads the kills.
t0=$(date +%s.%N)
expect_exit 0 "the drill passes when not killed" -- \
	"$CHAINDRILL" run "$drill" --workspace "$base" --report-dir r0 -q --keep
dur=$(echo "$(date +%s.%N) - $t0" | bc)
echo "# drill takes $dur s; $kills kills, seed $seed"
delays=$(awk -v s="$seed" -v n="$kills" -v d="$dur" \
	'BEGIN { srand(s); for (i = 0; i < n; i++) printf "%.2f\n", d * (i + rand()) / n }')

i=0 problems=0 early=0 finished=0 recovered=0 prev=""
for delay in $delays; do
	i=$((i + 1))
	# Every sixth kill is of a `--jobs 2` run of two drills (workspaces crash-kill9, crash-kill9-2).
	jobs=1 files=("$drill")
	[ $((i % 6)) = 0 ] && jobs=2 files=("$drill" "$drill")
	before=$(jq -r .pid "$ws/run.json" 2>/dev/null)
	"$CHAINDRILL" run "${files[@]}" --jobs $jobs --workspace "$base" --report-dir "r$i" \
		>"out.$i" 2>"err.$i" &
	driver=$!
	sleep "$delay"
	kill -9 $driver 2>/dev/null
	wait $driver
	st=$?
	what="kill $i (after $delay s, --jobs $jobs, pid $driver)"
	no_strays "$what" || problems=$((problems + 1))
	state=$(jq -r '"\(.pid) \(.state)"' "$ws/run.json" 2>/dev/null)
	if [ $st = 0 ]; then
		finished=$((finished + 1)) # it finished before the kill: it said so, or removed it all
		[ -z "$state" ] || [ "${state#* }" = finished ] || { fail "$what: a finished run says so" "$state"; problems=$((problems + 1)); }
	elif [ -z "$state" ] && [ ! -e "$ws" ]; then
		# killed after its drill had finished and removed the workspace (with --jobs 2 the parent
		# outlives its drills, so the kill can land there and the exit is still 137)
		finished=$((finished + 1))
	elif [ "${state%% *}" = "$driver" ] || { [ $jobs = 2 ] && [ "${state%% *}" != "$before" ]; }; then
		# "removing": killed while removing the finished workspace, which is interrupted too
		case ${state#* } in running | removing) ;; *) fail "$what: run.json records the interrupted run" "$state"; problems=$((problems + 1)) ;; esac
	else
		early=$((early + 1)) # killed before it took the workspace: run.json is the last run's
	fi
	# The killed run recovered the one before it (when it got that far and there was one).
	if [ -n "$prev" ] && [ "${state%% *}" = "$driver" ] && [ $jobs = 1 ]; then
		grep -q "the previous run (pid $prev) did not finish" "err.$i" ||
			{ fail "$what: it recovered the run killed before it (pid $prev)" "$(head -c 400 "err.$i")"; problems=$((problems + 1)); }
	fi
	for w in "$ws" "$base/crash-kill9-2"; do
		bad=$(backups_whole "$w") || { fail "$what: an interrupted backup never looks complete" "$bad"; problems=$((problems + 1)); }
	done
	# A report is written whole (atomically) at the very end: a kill just after it leaves a whole
	# report, never a partial one.
	if [ -e "r$i/report.json" ] && ! jq -e '.outcome and (.scenarios | length > 0)' "r$i/report.json" >/dev/null 2>&1; then
		fail "$what: no partial report" "$(head -c 300 "r$i/report.json")"
		problems=$((problems + 1))
	fi
	prev=""
	[ $st != 0 ] && [ "${state%% *}" = "$driver" ] && prev=$driver
	# The next run: a whole short drill every third kill, and after the last.
	if [ $((i % 3)) = 1 ] || [ $i = "$kills" ]; then
		"$CHAINDRILL" run "$after" --workspace "$base" --report-dir "a$i" -q >"aout.$i" 2>&1
		rc=$?
		if [ $rc != 0 ]; then
			fail "after $what: the next run passes" "exit $rc" "$(head -c 600 "aout.$i")"
			problems=$((problems + 1))
		elif [ -n "$prev" ]; then
			if jq -e --argjson p "$prev" '.scenarios[0].recoveredInterruptedRun.pid == $p' "a$i/report.json" >/dev/null; then
				recovered=$((recovered + 1))
			else
				fail "after $what: the next run reports the recovered run" "$(jq -c '.scenarios[0].recoveredInterruptedRun' "a$i/report.json")"
				problems=$((problems + 1))
			fi
		fi
		no_strays "after $what" || problems=$((problems + 1))
		prev=""
	fi
done
echo "# $kills kills: $early before the run took the workspace, $finished after it finished, $recovered recovered by a whole drill"
if [ $problems = 0 ]; then pass "$kills kills: nothing survives, nothing looks complete that is not, every next run recovers"; fi
# The spread follows the first run's duration; a machine whose load changes meanwhile moves some
# kills before or after the drill, so only a spread gone badly wrong fails.
if [ $((kills - early - finished)) -ge $((kills / 4)) ]; then pass "kills land inside the drill"; else
	fail "at least a quarter of the kills land inside the drill" "$early early, $finished finished of $kills"; fi
# The workspace of the --jobs 2 runs is recovered too.
expect_exit 0 "a last --jobs 2 run in both workspaces passes" -- \
	"$CHAINDRILL" run "$drill" "$drill" --jobs 2 --workspace "$base" --report-dir rlast -q
expect_jq rlast/report.json '[.scenarios[] | .matched] | all' "both drills match"
if no_strays "at the end"; then pass "no process is left behind"; fi
finish
