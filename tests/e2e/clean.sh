#!/usr/bin/env bash
# `chaindrill clean WORKSPACE...`: a kept workspace and an interrupted one are removed (the
# interrupted run's state and partial copies reported); a directory that is not a workspace, or
# one a running chaindrill holds, is refused and left as it was; a missing one is nothing to do.
# -q prints errors only; -v also each partial copy removed.
. "$SOURCE/tests/e2e/lib/testlib.sh"
cd "$SCRATCH" || exit 1
drill="$SOURCE/tests/e2e/data/plan-run.yaml"

expect_exit 0 "a drill kept with --keep" -- "$CHAINDRILL" run "$drill" --workspace ws --report-dir r --keep -q
expect_exit 0 "clean removes the kept workspace" -- "$CHAINDRILL" clean ws/plan-run
expect_grep "^ws/plan-run: removed \(last run: finished; 0 leftover replica\(s\) stopped, 0 partial copies\)$" "$SCRATCH/out" "it says what it removed"
if [ ! -e ws/plan-run ]; then pass "the workspace is gone"; else fail "the workspace is gone" "$(ls -A ws/plan-run)"; fi

# An interrupted run: run.json still says "running", a half-made copy is there.
expect_exit 0 "another kept drill" -- "$CHAINDRILL" run "$drill" --workspace ws --report-dir r --keep -q
printf '{"pid": 2147483, "startedAt": "2026-11-25T00:00:00Z", "state": "running"}\n' >ws/plan-run/run.json
mkdir -p ws/plan-run/backups/nightly.partial-2147483
expect_exit 0 "clean removes an interrupted workspace" -- "$CHAINDRILL" clean ws/plan-run
expect_grep "last run: running; 0 leftover replica\(s\) stopped, 1 partial copy\)$" "$SCRATCH/out" "it reports the interrupted run and its partial copy"
if [ ! -e ws/plan-run ]; then pass "the interrupted workspace is gone"; else fail "the interrupted workspace is gone"; fi

mkdir -p mine && echo precious >mine/notes.txt
expect_exit 2 "a directory that is not a workspace is refused" -- "$CHAINDRILL" clean mine
expect_grep "^chaindrill: clean: mine: not a chaindrill workspace" "$SCRATCH/err" "saying why"
if [ "$(cat mine/notes.txt)" = precious ]; then pass "and left untouched"; else fail "and left untouched"; fi

expect_exit 0 "a kept drill to hold" -- "$CHAINDRILL" run "$drill" --workspace ws --report-dir r --keep -q
exec 9>ws/plan-run/.lock # this shell holds the lock, as a running chaindrill does
flock -x 9
expect_exit 2 "a workspace a running chaindrill holds is left alone" -- "$CHAINDRILL" clean ws/plan-run
expect_grep "^chaindrill: clean: ws/plan-run: in use by a running chaindrill \(it has not said which yet\); not cleaned$" "$SCRATCH/err" "saying so"
if [ -e ws/plan-run/.chaindrill-workspace ]; then pass "it is still there"; else fail "it is still there"; fi
exec 9>&-
expect_exit 0 "once released, it is cleaned" -- "$CHAINDRILL" clean ws/plan-run

expect_exit 0 "a workspace that does not exist is nothing to clean" -- "$CHAINDRILL" clean ws/never
expect_grep "^ws/never: no such workspace, nothing to clean$" "$SCRATCH/out" "said plainly"

# -v: the partial copies an interrupted run left, one line each on stderr.
expect_exit 0 "a kept drill, interrupted" -- "$CHAINDRILL" run "$drill" --workspace ws --report-dir r --keep -q
printf '{"pid": 2147483, "startedAt": "2026-11-25T00:00:00Z", "state": "running"}\n' >ws/plan-run/run.json
mkdir -p ws/plan-run/backups/nightly.partial-2147483
expect_exit 0 "clean -v" -- "$CHAINDRILL" clean -v ws/plan-run
expect_grep "last run: running; 0 leftover replica\(s\) stopped, 1 partial copy\)$" "$SCRATCH/out" "clean -v: the summary line"
expect_grep "^chaindrill: info: clean: ws/plan-run: partial copy .*nightly\.partial-2147483 removed$" "$SCRATCH/err" "clean -v: each partial copy removed"
expect_exit 0 "clean without -v" -- "$CHAINDRILL" clean ws/plan-run ws/never
if [ -s "$SCRATCH/err" ]; then fail "clean: nothing on stderr without -v" "$(head -5 "$SCRATCH/err")"; else pass "clean: nothing on stderr without -v"; fi

# -q: errors only; nothing for a workspace removed or not there.
expect_exit 0 "a kept drill for -q" -- "$CHAINDRILL" run "$drill" --workspace ws --report-dir r --keep -q
expect_exit 2 "clean -q, a refused directory among them" -- "$CHAINDRILL" clean -q ws/plan-run ws/never mine
if [ -s "$SCRATCH/out" ]; then fail "clean -q: nothing on stdout" "$(head -5 "$SCRATCH/out")"; else pass "clean -q: nothing on stdout"; fi
expect_grep "^chaindrill: clean: mine: not a chaindrill workspace" "$SCRATCH/err" "clean -q: the error still shows"
if [ ! -e ws/plan-run ]; then pass "clean -q removed the workspace"; else fail "clean -q removed the workspace"; fi
expect_exit 2 "no argument is a usage error" -- "$CHAINDRILL" clean
expect_exit 2 "an unknown option is a usage error" -- "$CHAINDRILL" clean --force ws
finish
