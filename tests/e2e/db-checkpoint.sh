#!/usr/bin/env bash
# `chaindrill up` keeps a cluster running; the operator's db-checkpoint create/status act on it;
# SIGTERM to `up` stops every replica. -v and -q of up and db-checkpoint.
. "$SOURCE/tests/e2e/lib/testlib.sh"
ws=$SCRATCH/ws

# start_up NAME ARGS...: `up` of the small cluster in the background ($up), polled until it says
# the cluster is up (or exits); its output in $SCRATCH/NAME.out and NAME.err.
start_up() {
	local name=$1
	shift
	CHAINDRILL_PROGRESS_DELAY=0 "$CHAINDRILL" up "$SOURCE/tests/e2e/data/up-small.yaml" "$@" \
		>"$SCRATCH/$name.out" 2>"$SCRATCH/$name.err" &
	up=$!
	for _ in $(seq 1 600); do
		grep -q "cluster up" "$SCRATCH/$name.out" 2>/dev/null && break
		kill -0 $up 2>/dev/null || break
		sleep 0.1
	done
}

trap 'kill -TERM $up 2>/dev/null; wait $up 2>/dev/null' EXIT
start_up up --workspace "$ws" -v
expect_grep "cluster up: 4 replicas" "$SCRATCH/up.out" "up reports a running cluster"
expect_grep "^chaindrill: info: step [0-9]+: write 420 blocks$" "$SCRATCH/up.err" "up -v: each step as it starts"
expect_grep "^chaindrill: write 420 blocks: done, 420 blocks in " "$SCRATCH/up.err" "up -v: the write's progress"

expect_exit 0 "status -v" -- "$CHAINDRILL" db-checkpoint status --cluster "$ws" -v
expect_grep "^chaindrill: info: db-checkpoint: replica 3: http://127\.0\.0\.1:[0-9]+$" "$SCRATCH/err" "status -v: each replica's address"
cp "$SCRATCH/out" "$SCRATCH/status-v.out"
expect_exit 0 "status -q" -- "$CHAINDRILL" db-checkpoint status --cluster "$ws" -q
if cmp -s "$SCRATCH/out" "$SCRATCH/status-v.out" && [ ! -s "$SCRATCH/err" ]; then
	pass "status -q: the same status, nothing on stderr"
else
	fail "status -q: the same status, nothing on stderr" "$(diff "$SCRATCH/status-v.out" "$SCRATCH/out" | head -5)" "$(head -3 "$SCRATCH/err")"
fi

expect_exit 0 "status lists replicas" -- "$CHAINDRILL" db-checkpoint status --cluster "$ws"
expect_grep "replica 3: last block 420, sequence number 420" "$SCRATCH/out" "status shows each replica's height"
expect_grep "no checkpoints" "$SCRATCH/out" "no periodic checkpoint with a 6 h interval"

expect_exit 0 "create takes a checkpoint" -- "$CHAINDRILL" db-checkpoint create --cluster "$ws" -v
expect_grep "checkpoint 420 created on 4 replica\(s\) at sequence number 450 \(ordered at 421\)" "$SCRATCH/out" \
	"create is ordered at 421 and taken at the next multiple of 150"
expect_grep "^chaindrill: info: db-checkpoint: create ordered at sequence number 421, taken at 450$" "$SCRATCH/err" \
	"create -v: where it was ordered and taken"
for i in 0 1 2 3; do
	d="$ws/hostpath-provisioner/default/concord-pvc-bc-up-small-replica-$i/default/bc-up-small/replica-$i/rocksdbdata/checkpoints/420"
	if [ -f "$d/CURRENT" ]; then pass "replica $i has checkpoints/420 on disk"; else fail "replica $i has checkpoints/420 on disk" "missing $d"; fi
done

expect_exit 1 "a second create with no new block takes none" -- "$CHAINDRILL" db-checkpoint create --cluster "$ws"
expect_grep "no new checkpoint at 600" "$SCRATCH/out" "says why nothing was taken"

expect_exit 0 "status --json" -- "$CHAINDRILL" db-checkpoint status --cluster "$ws" --json
if jq -e '.replicas | length == 4 and all(.[]; .checkpoints[0].id == 420 and .seqNum == 600)' "$SCRATCH/out" >/dev/null; then
	pass "status --json names checkpoint 420 and sequence number 600"
else
	fail "status --json names checkpoint 420 and sequence number 600" "$(head -c 800 "$SCRATCH/out")"
fi

expect_exit 2 "unknown action is a usage error" -- "$CHAINDRILL" db-checkpoint remove --cluster "$ws"
expect_exit 3 "a workspace without a cluster is an environment error" -- "$CHAINDRILL" db-checkpoint status --cluster "$SCRATCH"

kill -TERM $up
wait $up
rc=$?
trap - EXIT
if [ $rc -eq 0 ]; then pass "up exits 0 on SIGTERM"; else fail "up exits 0 on SIGTERM" "exit $rc" "$(tail -5 "$SCRATCH/up.err")"; fi
if pgrep -f "$ws" >/dev/null; then fail "no replica outlives up" "$(pgrep -af "$ws")"; else pass "no replica outlives up"; fi

# up -q: the addresses, no step logs, no progress.
start_up upq --workspace "$SCRATCH/wsq" -q
expect_grep "cluster up: 4 replicas" "$SCRATCH/upq.out" "up -q: the replicas' addresses"
if [ -s "$SCRATCH/upq.err" ]; then fail "up -q: nothing on stderr" "$(head -5 "$SCRATCH/upq.err")"; else pass "up -q: nothing on stderr"; fi
kill -TERM $up
wait $up
rc=$?
trap - EXIT
if [ $rc -eq 0 ]; then pass "up -q exits 0 on SIGTERM"; else fail "up -q exits 0 on SIGTERM" "exit $rc"; fi
finish
