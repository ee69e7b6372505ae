#!/usr/bin/env bash
# Two commands on one workspace (docs/design.md §2, Workspaces): the workspace's lock decides.
# Two runs started at the same instant: one runs, the other refuses on stderr because the
# workspace is in use, naming the process (never "not a chaindrill workspace", the claim in
# progress mistaken for a stranger's files). `db-checkpoint create` on a cluster a run drives is
# refused, naming that run, and the drill still matches; `status` only reads and is answered. So
# is `create` while `up` is at its steps; once `up` only serves its cluster, `create` is accepted
# and a run on its workspace is refused naming `up`.
. "$SOURCE/tests/e2e/lib/testlib.sh"
cd "$SCRATCH" || exit 1
small=$SOURCE/tests/e2e/data/plan-run.yaml

# --- A claim in progress: .lock held, the marker not written yet ---------------------------------
mkdir -p claim/plan-run
exec 9>claim/plan-run/.lock # this shell holds the lock, as a run that has just taken it does
flock -x 9
: >claim/plan-run/.chaindrill-workspace.tmp.4242 # and is writing the marker
expect_exit 2 "a run on a workspace being claimed" -- "$CHAINDRILL" run "$small" --workspace claim --report-dir r-claim
expect_grep "^chaindrill: run: plan-run: claim/plan-run: in use by a running chaindrill \(it has not said which yet\); refusing to use it$" \
	"$SCRATCH/err" "it is in use, not a stranger's directory"
if grep -q "in use\|ERROR" "$SCRATCH/out"; then fail "the refusal is not on stdout" "$(cat "$SCRATCH/out")"; else pass "the refusal is not on stdout"; fi
exec 9>&-

# vendor-check's drill on a held workspace: refused on stderr too (its table still lists the error).
mkdir -p vcws/vc-restore-latest-common && echo "chaindrill workspace" >vcws/vc-restore-latest-common/.chaindrill-workspace
exec 9>vcws/vc-restore-latest-common/.lock
flock -x 9
expect_exit 2 "vendor-check on a held workspace" -- "$CHAINDRILL" vendor-check "$SOURCE/fixtures/vendors/hostpath-copy.yaml" \
	--set "$SOURCE/scenarios/vendor-check" --only vc-restore-latest-common --workspace vcws --report-dir r-vc
expect_grep "^chaindrill: vendor-check: vc-restore-latest-common: vcws/vc-restore-latest-common: in use by a running chaindrill" \
	"$SCRATCH/err" "vendor-check: the refusal is on stderr"
exec 9>&-

# --- Two runs at the same instant, several times ---------------------------------------------------
# Both spin until the file go$i appears, so they claim the new workspace together.
bad=""
for i in 1 2 3 4 5 6; do
	rm -rf "race$i" "go$i"
	for k in 1 2; do
		(: >"ready$i.$k"; while [ ! -e "go$i" ]; do :; done; exec "$CHAINDRILL" run "$small" --workspace "race$i" --report-dir "r$i-$k" -q) \
			>"race$i.$k.out" 2>"race$i.$k.err" &
		eval "pid$k=\$!"
	done
	until [ -e "ready$i.1" ] && [ -e "ready$i.2" ]; do :; done # both spinning
	: >"go$i"
	wait "$pid1"; rc1=$?
	wait "$pid2"; rc2=$?
	rcs=$(printf '%s\n' $rc1 $rc2 | sort | tr '\n' ' ')
	loser=1; [ $rc1 = 2 ] || loser=2
	[ "$rcs" = "0 2 " ] || { bad="$bad race $i: exits $rc1 $rc2 $(cat "race$i".*.err);"; continue; }
	grep -q "^chaindrill: run: plan-run: race$i/plan-run: in use by a running chaindrill (pid [0-9]*: .*chaindrill run .*--workspace race$i .*); refusing to use it$" "race$i.$loser.err" ||
		bad="$bad race $i: the loser says: $(cat "race$i.$loser.err");"
	grep -q "plan-run" "race$i.$loser.out" && bad="$bad race $i: the refusal is on stdout: $(cat "race$i.$loser.out");"
done
if [ -z "$bad" ]; then pass "6 pairs of runs at once: one runs, the other is told the workspace is in use and by whom"
else fail "pairs of runs at once: one runs, the other is told the workspace is in use and by whom" "$bad"; fi

# --- db-checkpoint create on a cluster a run drives ------------------------------------------------
"$CHAINDRILL" run "$SOURCE/tests/e2e/data/driven-long.yaml" --workspace drive --report-dir r-drive -q \
	>drive.out 2>drive.err &
run=$!
trap 'kill -TERM $run 2>/dev/null; wait $run 2>/dev/null' EXIT
for _ in $(seq 1 600); do [ -s drive/driven/run/replica-3.port ] && break; sleep 0.1; done
if kill -0 $run 2>/dev/null && [ -s drive/driven/run/replica-3.port ]; then
	expect_exit 2 "db-checkpoint create while a run drives the cluster is refused" -- \
		"$CHAINDRILL" db-checkpoint create --cluster drive/driven
	expect_grep "^chaindrill: db-checkpoint: drive/driven: its cluster is driven by a running chaindrill \(pid $run: .*chaindrill run .*driven-long\.yaml .*\); db-checkpoint create would change it" \
		"$SCRATCH/err" "the refusal names the run (pid and command)"
	expect_exit 0 "db-checkpoint status only reads: answered" -- "$CHAINDRILL" db-checkpoint status --cluster drive/driven
	expect_exit 2 "clean of the driven workspace is refused" -- "$CHAINDRILL" clean drive/driven
	expect_grep "^chaindrill: clean: drive/driven: in use by a running chaindrill \(pid $run: .*\); not cleaned$" \
		"$SCRATCH/err" "clean names the run too"
	still=$(kill -0 $run 2>/dev/null && echo yes)
	if [ "$still" = yes ]; then pass "the run was still driving when refused"; else fail "the run was still driving when refused" "it finished first: make driven-long.yaml longer"; fi
else
	fail "the driven run's replicas came up" "$(cat drive.err)"
fi
wait $run
rc=$?
trap - EXIT
if [ $rc = 0 ]; then pass "the drill still matches"; else fail "the drill still matches" "exit $rc" "$(tail -5 drive.out drive.err)"; fi

# --- `up`: refused while at its steps; once serving, a run on its workspace is refused naming it
# and create is accepted --------------------------------------------------------------------------
mkdir -p upws
CHAINDRILL_PROGRESS_DELAY=0 "$CHAINDRILL" up "$SOURCE/tests/e2e/data/driven-long.yaml" --workspace upws/driven -q \
	>up.out 2>up.err &
up=$!
trap 'kill -TERM $up 2>/dev/null; wait $up 2>/dev/null' EXIT
for _ in $(seq 1 600); do [ -s upws/driven/run/replica-3.port ] && break; sleep 0.1; done
expect_exit 2 "db-checkpoint create while up is at its steps is refused" -- \
	"$CHAINDRILL" db-checkpoint create --cluster upws/driven
expect_grep "^chaindrill: db-checkpoint: upws/driven: its cluster is driven by a running chaindrill \(pid $up: .*chaindrill up .*\)" \
	"$SCRATCH/err" "the refusal names up"
if grep -q "cluster up" up.out; then fail "up was still at its steps when refused" "it was serving already: make driven-long.yaml longer"
else pass "up was still at its steps when refused"; fi
for _ in $(seq 1 1200); do grep -q "cluster up" up.out 2>/dev/null && break; kill -0 $up 2>/dev/null || break; sleep 0.1; done
expect_grep "cluster up" up.out "up serves its cluster"
expect_exit 2 "a run on the workspace of a serving up" -- "$CHAINDRILL" run "$SOURCE/tests/e2e/data/driven-long.yaml" --workspace upws --report-dir r-up
expect_grep "^chaindrill: run: driven: upws/driven: in use by a running chaindrill \(pid $up: .*chaindrill up .*\); refusing to use it$" \
	"$SCRATCH/err" "the run's refusal names up"
expect_exit 0 "db-checkpoint create on the serving up" -- "$CHAINDRILL" db-checkpoint create --cluster upws/driven
kill -TERM $up
wait $up
rc=$?
trap - EXIT
if [ $rc = 0 ]; then pass "up exits 0 on SIGTERM"; else fail "up exits 0 on SIGTERM" "exit $rc" "$(tail -3 up.err)"; fi
finish
