#!/usr/bin/env bash
# Progress of long steps (util/progress.h): on a terminal (a real pty from `script`) lines redrawn
# in place with "\r", rate and ETA, a bold label unless NO_COLOR is set; elsewhere plain lines, no
# "\r" and no escape codes; nothing with -q; nothing at all for a short drill without
# CHAINDRILL_PROGRESS_DELAY (what every other test sees). Also `verify`'s progress and -q, -v.
. "$SOURCE/tests/e2e/lib/testlib.sh"
command -v script >/dev/null || { fail "script is installed (bsdutils, util-linux)"; finish; }
cd "$SCRATCH" || exit 1
scenario="$SOURCE/tests/e2e/data/progress.yaml"
n=0

# on_tty NAME ENV... -- CMD...: run CMD on a pseudo-terminal (stdin from /dev/null); what the
# terminal received goes to $SCRATCH/NAME.tty, the exit code to $SCRATCH/NAME.rc
on_tty() {
	local name=$1; shift
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	env "${envs[@]}" script -q -e -c "$(printf '%q ' "$@")" "$SCRATCH/$name.tty" </dev/null >/dev/null 2>&1
	echo $? >"$SCRATCH/$name.rc"
}
has() { # has FILE PATTERN NAME: grep -E finds PATTERN in FILE
	if grep -aEq -- "$2" "$1"; then pass "$3"; else fail "$3" "no '$2' in $1:" "$(head -c 800 "$1" | cat -v)"; fi
}
hasnt() { # hasnt FILE PATTERN NAME
	if grep -aEq -- "$2" "$1"; then fail "$3" "'$2' found in $1:" "$(grep -aE -- "$2" "$1" | head -c 800 | cat -v)"; else pass "$3"; fi
}
run_args() { n=$((n + 1)); echo run "$scenario" --workspace "$SCRATCH/ws$n" --report-dir "$SCRATCH/r$n"; }

# --- a terminal ---------------------------------------------------------------------------------
on_tty color CHAINDRILL_PROGRESS_DELAY=0 -- "$CHAINDRILL" $(run_args)
if [ "$(cat color.rc)" = 0 ]; then pass "on a terminal: the drill matched"; else fail "on a terminal: the drill matched" "$(tail -c 600 color.tty | cat -v)"; fi
has color.tty $'\r\e\\[1mwrite 600 blocks\e\\[0m: +[0-9]+% [0-9]+/600 blocks, [0-9]+ blocks/s' "terminal: the write redrawn in place with a bold label, percent and rate"
has color.tty $'\r\e\\[1mbackup b1 \\(hostpath copy\\)\e\\[0m: ' "terminal: the backup copy"
has color.tty $'\r\e\\[1mrestore b1 \\(hostpath copy\\)\e\\[0m: ' "terminal: the restore copy"
has color.tty $'\r\e\\[1mrestore: copy checkpoint 600 to 4 replicas\e\\[0m: ' "terminal: the checkpoint copies (side by side, one line)"
has color.tty $'\r\e\\[1mrestore: copy rocksdbdata to replica 0\e\\[0m: ' "terminal: the live-data copies (checkpoint: none)"
has color.tty $'\r\e\\[1mverify 4 replicas\e\\[0m: ' "terminal: the verification"
has color.tty 'write 600 blocks.*: done, 600 blocks in [0-9]+:[0-9]{2}, [0-9]+ blocks/s' "terminal: a last line when done"
has color.tty 'consistent' "terminal: the summary follows"

on_tty nocolor NO_COLOR=1 CHAINDRILL_PROGRESS_DELAY=0 -- "$CHAINDRILL" $(run_args)
has nocolor.tty $'\rwrite 600 blocks: ' "NO_COLOR: still redrawn in place"
hasnt nocolor.tty $'\e' "NO_COLOR: no escape code at all"
on_tty emptync NO_COLOR= CHAINDRILL_PROGRESS_DELAY=0 -- "$CHAINDRILL" $(run_args)
has emptync.tty $'\e\\[1mwrite' "an empty NO_COLOR does not turn colour off (no-color.org)"

on_tty quiet CHAINDRILL_PROGRESS_DELAY=0 -- "$CHAINDRILL" $(run_args) -q
hasnt quiet.tty 'blocks/s|MiB/s|KiB/s' "-q: no progress on a terminal"
has quiet.tty 'consistent' "-q: the final summary"

# --- not a terminal -----------------------------------------------------------------------------
CHAINDRILL_PROGRESS_DELAY=0 "$CHAINDRILL" $(run_args) >plain.out 2>plain.err
has plain.err '^chaindrill: write 600 blocks: done, 600 blocks in ' "not a terminal: a plain line per step"
has plain.err '^chaindrill: backup b1 \(hostpath copy\): ' "not a terminal: the backup copy"
hasnt plain.err $'\r' "not a terminal: no carriage return"
hasnt plain.err $'\e' "not a terminal: no escape code"
# the default delay (2 s) hides the steps of a drill of 30 blocks, however loaded the machine
"$CHAINDRILL" run "$SOURCE/tests/e2e/data/mismatch.yaml" --workspace ws-short --report-dir r-short >default.out 2>default.err
hasnt default.err 'blocks/s|MiB/s|KiB/s' "a drill of steps under the delay shows no progress"

# --- verify -------------------------------------------------------------------------------------
keep="$SCRATCH/wskeep"
"$CHAINDRILL" run "$scenario" --keep --workspace "$keep" --report-dir "$SCRATCH/rkeep" >/dev/null 2>&1
vols=("$keep"/progress/hostpath-provisioner/*/*)
if [ "${#vols[@]}" = 4 ]; then pass "a kept workspace with four volumes"; else fail "a kept workspace with four volumes" "${vols[*]}"; fi
on_tty verify CHAINDRILL_PROGRESS_DELAY=0 -- "$CHAINDRILL" verify "${vols[@]}"
has verify.tty $'\r\e\\[1mverify 4 replicas\e\\[0m: ' "verify: progress on a terminal"
on_tty verifyq CHAINDRILL_PROGRESS_DELAY=0 -- "$CHAINDRILL" verify -q "${vols[@]}"
hasnt verifyq.tty 'blocks/s' "verify -q: no progress"
hasnt verifyq.tty ': ok, last block' "verify -q: no line for a replica that is ok"
has verifyq.tty '^verdict: consistent' "verify -q: the verdict"
expect_exit 0 "verify -v" -- "$CHAINDRILL" verify -v "${vols[@]}"
expect_grep '^  [0-9]+ blocks, [0-9]+ bytes checked in ' "$SCRATCH/out" "verify -v: what was checked per replica"
"$CHAINDRILL" clean "$keep"/progress >/dev/null 2>&1
finish
