#!/usr/bin/env bash
# Files chaindrill keeps in a workspace or a report directory are opened without following a
# symbolic link (util/beneath.h, docs/containment.md §6): a link planted where chaindrill expects
# its own .lock, run.json or marker, or a report directory's file, is refused with a clear message,
# and nothing is created or changed where the link points. Each case plants the link in a
# workspace a kept drill left, then runs `run` or `clean` on it.
. "$SOURCE/tests/e2e/lib/testlib.sh"
cd "$SCRATCH" || exit 1
drill="$SOURCE/tests/e2e/data/plan-run.yaml"
ws=ws/plan-run
mkdir -p outside

# A kept workspace, then `plant NAME TARGET`: NAME in it becomes a link to TARGET.
kept() {
	rm -rf ws outside && mkdir -p outside &&
	"$CHAINDRILL" run "$drill" --workspace ws --report-dir r --keep -q >/dev/null
}
plant() { rm -f "$ws/$1" && ln -s "$2" "$ws/$1"; }

test_expect_success 'run: .lock as a link to a file that does not exist is refused' '
	kept && plant .lock "$SCRATCH/outside/made-by-chaindrill" &&
	test_expect_code 2 "$CHAINDRILL" run "$drill" --workspace ws --report-dir r -q >err 2>&1 &&
	grep -F "$ws/.lock is a symbolic link where chaindrill expects its own file; refusing to follow it" err &&
	! test -e outside/made-by-chaindrill
'

test_expect_success 'clean: the same link is refused, the target not created' '
	test_expect_code 2 "$CHAINDRILL" clean "$ws" >err 2>&1 &&
	grep -F "$ws/.lock is a symbolic link where chaindrill expects its own file" err &&
	! test -e outside/made-by-chaindrill && test -L "$ws/.lock"
'

test_expect_success 'run: .lock as a link to an existing file leaves that file as it was' '
	kept && echo precious >outside/f && plant .lock "$SCRATCH/outside/f" &&
	test_expect_code 2 "$CHAINDRILL" run "$drill" --workspace ws --report-dir r -q >err 2>&1 &&
	grep -F "refusing to follow it" err && test "$(cat outside/f)" = precious
'

test_expect_success 'run: run.json as a link is refused, its target unchanged' '
	kept && echo precious >outside/run.json && plant run.json "$SCRATCH/outside/run.json" &&
	test_expect_code 2 "$CHAINDRILL" run "$drill" --workspace ws --report-dir r -q >err 2>&1 &&
	grep -F "$ws/run.json is a symbolic link where chaindrill expects its own file" err &&
	test "$(cat outside/run.json)" = precious && test -L "$ws/run.json"
'

test_expect_success 'run: a link planted as reports/index.html is refused, its target unchanged' '
	rm -rf d5 && mkdir -p d5/reports && echo precious >outside/index.html &&
	ln -s "$SCRATCH/outside/index.html" d5/reports/index.html &&
	(cd d5 && "$CHAINDRILL" run "$drill" --workspace ws -q >../err 2>&1);
	grep -F "reports/index.html is a symbolic link where chaindrill expects its own file" err &&
	test "$(cat outside/index.html)" = precious
'

test_expect_success 'run: a report file planted as a link is refused, its target unchanged' '
	rm -rf r3 && mkdir -p r3 && echo precious >outside/report.json &&
	ln -s "$SCRATCH/outside/report.json" r3/report.json &&
	test_expect_code 1 "$CHAINDRILL" run "$drill" --workspace ws3 --report-dir r3 -q >err 2>&1;
	grep -F "r3/report.json is a symbolic link where chaindrill expects its own file" err &&
	test "$(cat outside/report.json)" = precious
'

test_expect_success 'with every link removed, run and clean work again' '
	kept && "$CHAINDRILL" clean "$ws" >/dev/null && ! test -e "$ws"
'
# Hard links: a file outside the volumes hard-linked into a replica's checkpoints (scenario 4019's
# fault) is copied by the backup and reported, in backup.json and in the report's backup step;
# the checkpoints' own hard links (within the volumes) are not.
test_expect_success 'a backup reports a file hard-linked from outside the volumes' '
	test_expect_code 0 "$CHAINDRILL" run "$SOURCE/scenarios/4019-hardlink-escape.yaml" \
		--workspace hl --report-dir rhl --keep >out 2>&1 &&
	grep -F "backup nightly: 1 file(s) hard-linked to something outside the volumes" out &&
	jq -e ".scenarios[0].steps[3].details.sharedHardLinks | length == 1" rhl/report.json &&
	jq -e ".scenarios[0].steps[3].details.sharedHardLinks[0] | (.path | endswith(\"/999998.sst\"))
		and .links == 4 and .linksInBackup == 3" rhl/report.json &&
	jq -e ".sharedHardLinks | length == 1" hl/hardlink-escape/backups/nightly/backup.json &&
	"$CHAINDRILL" clean hl/hardlink-escape >/dev/null
'

test_expect_success 'a backup without such a file reports none' '
	"$CHAINDRILL" run "$drill" --workspace ws --report-dir rnone --keep -q >/dev/null &&
	jq -e "[.scenarios[0].steps[].details | objects | has(\"sharedHardLinks\")] | any | not" \
		rnone/report.json &&
	jq -e ".sharedHardLinks == []" ws/plan-run/backups/nightly/backup.json
'
finish
