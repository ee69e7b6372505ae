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
finish
