#!/usr/bin/env bash
# `chaindrill run --plan`: the commands a person would run, compared with golden files in
# tests/e2e/data/plan/<scenario>.<platform>.sh (regenerate with PLAN_UPDATE=1 after a deliberate
# change, and read the diff). Plans are shell: each must parse with `sh -n`. Nothing is run or
# written by --plan; a scenario that does not validate exits 2 as `run` does.
. "$SOURCE/tests/e2e/lib/testlib.sh"
cd "$SCRATCH"
golden="$SOURCE/tests/e2e/data/plan"
cases="0001-quickstart:local 0001-quickstart:kind 0001-quickstart:minikube
2001-restore-explicit-older:minikube 4001-lock-left:local 1003-uninstall-retain:kind
5004-operator-checkpoint:local 6101-ebs-sim-restore:kind 6104-wrong-az-hostpath:kind
1002-state-transfer:minikube 4006-mismatched-checkpoint-behind:local
4005-restore-while-running:minikube 4008-cross-replica-keeps-identity:local 6102-ebs-sim-wrong-az:kind
6201-exec-reference-plugin:local"
for c in $cases; do
	sc=${c%%:*} pf=${c##*:}
	expect_exit 0 "$sc on $pf: --plan exits 0" -- "$CHAINDRILL" run "$SOURCE/scenarios/$sc.yaml" --plan --platform "$pf"
	if [ "${PLAN_UPDATE:-}" = 1 ]; then cp "$SCRATCH/out" "$golden/$sc.$pf.sh"; fi
	if diff -u "$golden/$sc.$pf.sh" "$SCRATCH/out" >"$SCRATCH/diff"; then
		pass "$sc on $pf: the plan is the golden file"
	else
		fail "$sc on $pf: the plan is the golden file" "$(head -c 1500 "$SCRATCH/diff")"
	fi
	if sh -n "$SCRATCH/out" 2>"$SCRATCH/sherr"; then pass "$sc on $pf: sh -n accepts it"; else
		fail "$sc on $pf: sh -n accepts it" "$(cat "$SCRATCH/sherr")"
	fi
done

# The runbook's commands are there, with this scenario's names.
"$CHAINDRILL" run "$SOURCE/scenarios/0001-quickstart.yaml" --plan --platform kind >kind.sh
expect_grep '^helm upgrade "\$RELEASE" "\$CHART" --namespace "\$NS" --reuse-values --set global.replicaCount=0$' kind.sh "kind: the runbook's scale-down"
expect_grep '^cp -r -L -p "\$WS/backups/nightly"/concord-pvc-bc-quickstart-replica-2/default/bc-quickstart/replica-2/rocksdbdata/checkpoints/"\$ID"/\* ' kind.sh "kind: replica 2's checkpoint copy"
expect_grep '^kind create cluster --name "\$CLUSTER" --config' kind.sh "kind: the cluster is created"
"$CHAINDRILL" run "$SOURCE/scenarios/2001-restore-explicit-older.yaml" --plan >explicit.sh
expect_grep '^ID=3000 ' explicit.sh "an explicit checkpoint is printed as it is"
"$CHAINDRILL" run "$SOURCE/scenarios/0001-quickstart.yaml" --plan --workspace /w >ws.sh
expect_grep '^WS="\$\{WS:-/w/quickstart\}"' ws.sh "--workspace sets \$WS's default"

# A plan says what was really done: the faults' commands as injected, marked FAULT(<kind>).
"$CHAINDRILL" run "$SOURCE/scenarios/4006-mismatched-checkpoint-behind.yaml" --plan >mismatch.sh
expect_grep '^# FAULT\(mismatched-checkpoint\): replica-' mismatch.sh "mismatched-checkpoint is marked"
expect_grep '/checkpoints/"\$PREV_[0-9]"/\* ' mismatch.sh "mismatched-checkpoint: that replica copies another id"
"$CHAINDRILL" run "$SOURCE/scenarios/6102-ebs-sim-wrong-az.yaml" --plan --platform kind >wrongaz.sh
if grep -q '^aws ' wrongaz.sh; then fail "ebs-sim on kind: no runnable aws line" "$(grep '^aws ' wrongaz.sh | head -3)"; else
	pass "ebs-sim on kind: no runnable aws line"
fi
expect_grep '^# FAULT\(wrong-az\): replica-[0-9]'"'"'s volume is created in zone' wrongaz.sh "wrong-az: the volume is created in the wrong zone"
"$CHAINDRILL" run "$SOURCE/scenarios/6201-exec-reference-plugin.yaml" --plan >exec.sh
expect_grep '"operation": "snapshot", "backup": "' exec.sh "exec: the request's real fields"
if grep -q '"op":' exec.sh; then fail "exec: no made-up \"op\" field"; else pass "exec: no made-up \"op\" field"; fi

# Two scenarios: two plans, in order.
"$CHAINDRILL" run "$SOURCE/scenarios/0001-quickstart.yaml" "$SOURCE/scenarios/4001-lock-left.yaml" --plan >two.sh
if [ "$(grep -c '^#!/bin/sh' two.sh)" = 2 ]; then pass "one plan per scenario"; else fail "one plan per scenario"; fi

# Nothing was written: no workspace, no reports.
if [ -z "$(ls -A "$SCRATCH" | grep -v -e '^out$' -e '^err$' -e '\.sh$' -e '^diff$' -e '^sherr$' -e '\.out$' -e '\.yaml$')" ]; then
	pass "--plan writes nothing"
else
	fail "--plan writes nothing" "$(ls -A "$SCRATCH")"
fi

# The local plan's restore commands work on a real drill's workspace: run a drill (kept), then the
# plan's substeps 2-4 by hand; `chaindrill verify` finds every replica at the latest common
# checkpoint of the backup (300), not at the 500 blocks written.
expect_exit 0 "a drill to restore by hand" -- "$CHAINDRILL" run "$SOURCE/tests/e2e/data/plan-run.yaml" --workspace "$SCRATCH/ws" --report-dir "$SCRATCH/r" --keep
# the same drill with the restore it lacks, for its plan
sed 's/^expect:.*/  - restore: {from: nightly, checkpoint: latest-common}\n&/' "$SOURCE/tests/e2e/data/plan-run.yaml" >plan-restore.yaml
"$CHAINDRILL" run plan-restore.yaml --plan --workspace "$SCRATCH/ws" >run.sh
{ sed -n '/^WS=/,/^VOLUMES=/p' run.sh; sed -n '/^# 2. restore-volumes/,/^# 5. scale-up/p' run.sh; } >restore.sh
if WS="$SCRATCH/ws/plan-run" sh -eu restore.sh >restore.out 2>&1; then pass "the plan's restore commands run"; else
	fail "the plan's restore commands run" "$(cat restore.out)"
fi
expect_exit 0 "after them the cluster is consistent" -- "$CHAINDRILL" verify --json "$SCRATCH"/ws/plan-run/hostpath-provisioner/default/*
if jq -e '.verdict == "consistent" and .agreedBlock == 300 and ([.replicas[].lastBlock] | unique) == [300]' "$SCRATCH/out" >/dev/null; then
	pass "every replica holds the latest common checkpoint, block 300"
else
	fail "every replica holds the latest common checkpoint, block 300" "$(head -c 800 "$SCRATCH/out")"
fi
# The plan of the same restore with a fault does what the drill would: with mismatched-checkpoint
# (replica 1, previous), the by-hand restore leaves replica 1 at checkpoint 150, the others at 300.
sed 's/^expect:.*/  - fault: {kind: mismatched-checkpoint, replica: 1, checkpoint: previous}\n  - restore: {from: nightly, checkpoint: latest-common}\n&/' "$SOURCE/tests/e2e/data/plan-run.yaml" >plan-fault.yaml
"$CHAINDRILL" run plan-fault.yaml --plan --workspace "$SCRATCH/ws" >fault.sh
{ sed -n '/^WS=/,/^VOLUMES=/p' fault.sh; sed -n '/^# 2. restore-volumes/,/^# 5. scale-up/p' fault.sh; } >restore-fault.sh
if WS="$SCRATCH/ws/plan-run" sh -eu restore-fault.sh >restore-fault.out 2>&1; then pass "the faulty plan's restore commands run"; else
	fail "the faulty plan's restore commands run" "$(cat restore-fault.out)"
fi
"$CHAINDRILL" verify --json "$SCRATCH"/ws/plan-run/hostpath-provisioner/default/* >verify-fault.json 2>&1 || true
if jq -e '[.replicas[].lastBlock] == [300, 150, 300, 300]' verify-fault.json >/dev/null; then
	pass "as injected: replica 1 holds the previous checkpoint, block 150"
else
	fail "as injected: replica 1 holds the previous checkpoint, block 150" "$(head -c 800 verify-fault.json)"
fi
rm -rf "$SCRATCH/ws" "$SCRATCH/r"

# Errors as for run.
printf 'name: x\nsteps: [{write: {blocks: 10}}]\nexpect: {verdict: consistent}\nbogus: 1\n' >bad.yaml
expect_exit 2 "an invalid scenario exits 2" -- "$CHAINDRILL" run bad.yaml --plan
expect_grep "^chaindrill: bad.yaml:4:1: " "$SCRATCH/err" "with FILE:LINE:COL"
expect_exit 2 "--plan with --campaign is a usage error" -- "$CHAINDRILL" run --campaign 2 --plan
expect_exit 2 "--plan on an unknown platform" -- "$CHAINDRILL" run "$SOURCE/scenarios/0001-quickstart.yaml" --plan --platform vmware
finish
