#!/usr/bin/env bash
# --platform kind|minikube on a machine that cannot run them: exit 3, naming every missing piece
# (the kind or minikube program, helm, kubectl, a Docker engine that answers `docker info`).
# These are environment-check tests with stand-in programs first on PATH (shell scripts that log
# their argv and answer like the real tools); no cluster is involved, and nothing here has run
# against a real cluster.
. "$SOURCE/tests/e2e/lib/testlib.sh"
cd "$SCRATCH"
scenario="$SOURCE/tests/e2e/data/mismatch.yaml"
n=0
chart=$SOURCE/deploy/helm/chaindrill # the tests run outside the checkout
run_platform() { # run_platform EXIT NAME PATH PLATFORM
	n=$((n + 1))
	expect_exit "$1" "$2" -- env PATH="$3" CHAINDRILL_CHART="$chart" "$CHAINDRILL" run "$scenario" \
		--platform "$4" --workspace "$SCRATCH/ws$n" --report-dir "$SCRATCH/r$n" --keep
}
# stand_in NAME EXIT: a program that logs "NAME ARGS..." to $SCRATCH/calls.log and exits EXIT
stand_in() {
	mkdir -p "$SCRATCH/bin"
	printf '#!/bin/sh\necho "%s $*" >>"%s/calls.log"\nexit %s\n' "$1" "$SCRATCH" "$2" >"$SCRATCH/bin/$1"
	chmod +x "$SCRATCH/bin/$1"
}

# This machine as it is, where no Docker engine answers (elsewhere skipped, saying so): the message
# names what it lacks, and each program only where it is not installed.
test_lazy_prereq KIND 'command -v kind' "kind is on PATH"
test_lazy_prereq MINIKUBE 'command -v minikube' "minikube is on PATH"
if test_when '!DOCKER' "kind and minikube on this machine exit 3, naming what it lacks"; then
	run_platform 3 "kind here exits 3" "$PATH" kind
	expect_grep "no Docker engine answers" "$SCRATCH/out" "it names the missing Docker engine"
	test_expect_success '!KIND' 'it names kind' 'grep "\`kind\` is not installed" "$SCRATCH/out"'
	test_expect_success '!HELM' 'it names helm' 'grep "\`helm\` is not installed" "$SCRATCH/out"'
	run_platform 3 "minikube here exits 3" "$PATH" minikube
	test_expect_success '!MINIKUBE' 'it names minikube' 'grep "\`minikube\` is not installed" "$SCRATCH/out"'
	if grep -q '`kind`' "$SCRATCH/out"; then fail "the minikube message does not ask for kind"; else pass "the minikube message does not ask for kind"; fi
fi

# Nothing at all on PATH: every piece is named, each with where to get it.
mkdir -p "$SCRATCH/empty"
run_platform 3 "kind with nothing installed exits 3" "$SCRATCH/empty" kind
for piece in '`kind` is not installed \(https://kind' '`helm` is not installed \(https://helm' \
	'`kubectl` is not installed \(https://kubernetes' 'no Docker engine answers'; do
	expect_grep "$piece" "$SCRATCH/out" "nothing installed: '$piece'"
done
if jq -e '.scenarios[0].errorKind == "environment"' "$SCRATCH/r$n/report.json" >/dev/null; then
	pass "the report calls it an environment error"
else
	fail "the report calls it an environment error" "$(head -c 400 "$SCRATCH/r$n/report.json")"
fi

# Every program there, but the Docker CLI finds no engine: only the engine is named, and it was
# asked with `docker info`.
for t in kind minikube helm kubectl; do stand_in "$t" 0; done
stand_in docker 1
run_platform 3 "kind without a Docker engine exits 3" "$SCRATCH/bin" kind
expect_grep "no Docker engine answers" "$SCRATCH/out" "the engine is named"
if grep -q 'is not installed' "$SCRATCH/out"; then fail "no program is named" "$(cat "$SCRATCH/out")"; else pass "no program is named"; fi
expect_grep '^docker info --format \{\{\.ServerVersion\}\}$' "$SCRATCH/calls.log" "the engine was asked with docker info"

# Everything there: the driver creates the cluster (from a config in the workspace, with the
# workspace's volume directory mounted), finds no kubeconfig because the stand-in kind writes none,
# exits 3 naming it, and deletes the cluster it made. (The whole command sequence of each platform
# op against a fake API server is tested in harness/tests/test_platform_kube.c.)
stand_in docker 0
: >"$SCRATCH/calls.log"
# Outside a checkout, with no chart installed beside the binary: exit 3 before any cluster is made.
chart= # empty: unset
run_platform 3 "kind without a chart exits 3" "$SCRATCH/bin" kind
expect_grep "no Helm chart: neither \./deploy/helm/chaindrill .* or set CHAINDRILL_CHART" "$SCRATCH/out" "it says where it looked and what to do"
if grep -q "^kind create" "$SCRATCH/calls.log"; then fail "no cluster is made without a chart" "$(cat "$SCRATCH/calls.log")"; else pass "no cluster is made without a chart"; fi
chart=$SOURCE/deploy/helm/chaindrill
: >"$SCRATCH/calls.log"
run_platform 3 "kind whose cluster has no kubeconfig exits 3" "$SCRATCH/bin" kind
expect_grep "the cluster's kubeconfig" "$SCRATCH/out" "it names the kubeconfig"
expect_grep "^kind create cluster --name chaindrill-wrong-expectation --config .*/ws$n/wrong-expectation/platform/kind-config.yaml --kubeconfig .*/platform/kubeconfig --wait 120s\$" "$SCRATCH/calls.log" "kind create cluster was run with the workspace's config"
expect_grep '^kind delete cluster --name chaindrill-wrong-expectation ' "$SCRATCH/calls.log" "the cluster it made is deleted"
if grep -q "hostPath: $SCRATCH/ws$n/wrong-expectation/hostpath-provisioner, containerPath: /tmp/hostpath-provisioner" "$SCRATCH/ws$n/wrong-expectation/platform/kind-config.yaml"; then
	pass "the node's volumes are the workspace's directory"
else
	fail "the node's volumes are the workspace's directory" "$(cat "$SCRATCH/ws$n/wrong-expectation/platform/kind-config.yaml")"
fi
finish
