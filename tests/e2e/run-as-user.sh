#!/usr/bin/env bash
# cluster.runAsUser in a workspace its user cannot reach (docs/containment.md §5): scenario 4016
# (replicas as uid 1000) with its workspace under a `mktemp -d` directory (mode 0700) is an
# environment error, exit 3, found before any replica starts, naming the directory and the fix;
# chaindrill changes nothing above the workspace; after the fix it names (chmod o+x) the same
# command passes. chaindrill must run as root to run replicas as another user: without root the
# same command is exit 3 saying so.
. "$SOURCE/tests/e2e/lib/testlib.sh"
cd "$SCRATCH" || exit 1
sc="$SOURCE/scenarios/4016-pod-user-restore.yaml"
# As root the drill runs; it can pass only where uid 1000 reaches this scratch directory and the
# program (a clone under /root, mode 0700, keeps it out: that case is what this script makes).
if [ "$(id -u)" -eq 0 ] && ! setpriv --reuid=1000 --regid=1000 --clear-groups \
	sh -c 'cd "$1" && test -x "$2"' sh "$SCRATCH" "$CHAINDRILL" 2>/dev/null; then
	skip_all "uid 1000 cannot reach $SCRATCH or $CHAINDRILL: run the suite from a checkout every user can search"
fi
private=$(mktemp -d "$SCRATCH/private.XXXXXX")
mode_before=$(stat -c %a "$private")

expect_exit 3 "runAsUser under a 0700 directory: exit 3" -- \
	"$CHAINDRILL" run "$sc" --workspace "$private/ws" --report-dir "$SCRATCH/r1"
if [ "$(id -u)" -eq 0 ]; then
	expect_grep "cluster.runAsUser 1000: the replicas run as uid 1000 and cannot reach their volumes: $private \(mode 0700, owner 0:0\) does not let uid 1000 search it" \
		"$SCRATCH/out" "the message names the directory, its mode and owner"
	expect_grep "Use a --workspace under a directory every user can search .*chmod o\+x $private$" "$SCRATCH/out" "the message gives the fix"
	expect_jq "$SCRATCH/r1/report.json" '.scenarios[0].errorKind == "environment" and
		([.scenarios[0].steps[] | select(.status == "ok")] | length) == 0' "report.json: an environment error, no step ran"
	if [ "$(stat -c %a "$private")" = "$mode_before" ]; then pass "the directory above the workspace is unchanged"; else
		fail "the directory above the workspace is unchanged" "mode $(stat -c %a "$private"), was $mode_before"; fi
	chmod o+x "$private"
	expect_exit 0 "after the fix the message gives, the drill passes" -- \
		"$CHAINDRILL" run "$sc" --workspace "$private/ws" --report-dir "$SCRATCH/r2"
else
	expect_grep "needs chaindrill to run as root" "$SCRATCH/out" "not root: the message says root is needed"
fi
finish
