#!/usr/bin/env bash
# Odd inputs on the command line (docs/design.md §2): every number of every command is read whole
# and in range (`--jobs 1e9`, `2x`, `1.5` are refused, not read as 1, 2, 1); a usage error says
# why on a `chaindrill: ...` line before the usage; a FIFO or a device given where a file is read
# (a scenario, a vendor definition, a set's manifest, a kubeconfig, a report.json) is refused at
# once instead of waiting forever; a --report-dir that cannot be a directory is refused before the
# drill runs (exit 2, no workspace), not after it.
. "$SOURCE/tests/e2e/lib/testlib.sh"
: "${KUBECONFIG_LOAD:?run through ctest (KUBECONFIG_LOAD unset)}"
cd "$SCRATCH" || exit 1
drill=$SOURCE/tests/e2e/data/plan-run.yaml
set_dir=$SOURCE/scenarios/vendor-check
vendor=$SOURCE/fixtures/vendors/hostpath-copy.yaml

# --- Numbers --------------------------------------------------------------------------------------
# --plan runs nothing, so a number that was accepted shows as exit 0.
for j in 1e9 2x 1.5 0 65 -1 08 ' 2' ''; do
	expect_exit 2 "run --jobs '$j' is refused" -- "$CHAINDRILL" run "$drill" --plan --jobs "$j"
	expect_grep "^chaindrill: run: --jobs: expected a number of drills at once in 1\.\.64, got '$j'$" \
		"$SCRATCH/err" "run --jobs '$j': says what it wanted"
done
expect_exit 0 "run --jobs 64 is accepted" -- "$CHAINDRILL" run "$drill" --plan --jobs 64
expect_exit 2 "vendor-check --jobs 2x" -- "$CHAINDRILL" vendor-check "$vendor" --set "$set_dir" --jobs 2x
expect_grep "^chaindrill: vendor-check: --jobs: expected a number of drills at once in 1\.\.64, got '2x'$" \
	"$SCRATCH/err" "vendor-check --jobs 2x: why"
expect_exit 2 "run --seed 1.5" -- "$CHAINDRILL" run "$drill" --plan --seed 1.5
expect_grep "^chaindrill: run: --seed: expected an integer in 0\.\.18446744073709551615, got '1\.5'$" \
	"$SCRATCH/err" "run --seed 1.5: why"
expect_exit 2 "run --seed 18446744073709551616 (one past u64)" -- "$CHAINDRILL" run "$drill" --plan --seed 18446744073709551616
expect_exit 2 "run --campaign 1e3" -- "$CHAINDRILL" run --campaign 1e3 --plan
expect_grep "^chaindrill: run: --campaign: expected a number of drills in 1\.\.100000, got '1e3'$" \
	"$SCRATCH/err" "run --campaign 1e3: why"
expect_exit 2 "up --seed 7x" -- "$CHAINDRILL" up "$drill" --seed 7x --workspace "$SCRATCH/up-ws"
if [ ! -e "$SCRATCH/up-ws" ]; then pass "up --seed 7x: nothing started"; else fail "up --seed 7x: nothing started"; fi
expect_exit 2 "verify -f 1x" -- "$CHAINDRILL" verify -f 1x "$SCRATCH"
expect_grep "^chaindrill: verify: -f: expected an integer in 0\.\.18446744073709551615, got '1x'$" \
	"$SCRATCH/err" "verify -f 1x: why"
expect_exit 2 "replica --number-of-checkpoints 5x" -- "$CHAINDRILL" replica --data "$SCRATCH/rdb" --id 0 --port-file "$SCRATCH/rport" --number-of-checkpoints 5x
expect_exit 2 "replica --number-of-checkpoints +5 (strtoull read it as 5)" -- timeout 20 "$CHAINDRILL" replica --data "$SCRATCH/rdb" --id 0 --port-file "$SCRATCH/rport" --number-of-checkpoints +5
expect_exit 2 "replica --listen 127.0.0.1:' 80'" -- timeout 20 "$CHAINDRILL" replica --data "$SCRATCH/rdb" --id 0 --listen "127.0.0.1: 80"
expect_exit 2 "replica --id 1e3" -- "$CHAINDRILL" replica --data "$SCRATCH/rdb" --id 1e3 --port-file "$SCRATCH/rport"
if [ ! -e "$SCRATCH/rdb" ]; then pass "replica: no database made for a bad number"; else fail "replica: no database made for a bad number"; fi

# --- Usage errors: a `chaindrill: ...` line first, then the usage --------------------------------
# usage_error WHAT REGEX -- CMD...: exit 2, the first line of stderr matches REGEX, a usage follows.
usage_error() {
	local what=$1 regex=$2
	shift 3
	expect_exit 2 "$what: exit 2" -- "$@"
	if head -n 1 "$SCRATCH/err" | grep -qE -- "$regex" && grep -q '^usage: ' "$SCRATCH/err"; then
		pass "$what: says why, then the usage"
	else
		fail "$what: says why, then the usage" "$(head -n 3 "$SCRATCH/err")"
	fi
}
usage_error "chaindrill" "^chaindrill: no command given$" -- "$CHAINDRILL"
usage_error "run without a file" "^chaindrill: run: no scenario file given$" -- "$CHAINDRILL" run
usage_error "run --force" "^chaindrill: run: unknown option '--force'$" -- "$CHAINDRILL" run --force "$drill"
usage_error "run -x" "^chaindrill: run: unknown option '-x'$" -- "$CHAINDRILL" run -x "$drill"
usage_error "run --jobs without a value" "^chaindrill: run: option '--jobs' needs a value$" -- "$CHAINDRILL" run "$drill" --jobs
usage_error "up without a file" "^chaindrill: up: no scenario file given$" -- "$CHAINDRILL" up
usage_error "up --bogus" "^chaindrill: up: unknown option '--bogus'$" -- "$CHAINDRILL" up --bogus "$drill"
usage_error "clean without a workspace" "^chaindrill: clean: no workspace given$" -- "$CHAINDRILL" clean
usage_error "clean --force" "^chaindrill: clean: unknown option '--force'$" -- "$CHAINDRILL" clean --force ws
usage_error "db-checkpoint without an action" "^chaindrill: db-checkpoint: no action given" -- "$CHAINDRILL" db-checkpoint --cluster ws
usage_error "db-checkpoint remove" "^chaindrill: db-checkpoint: unknown action 'remove'" -- "$CHAINDRILL" db-checkpoint remove --cluster ws
usage_error "db-checkpoint without --cluster" "^chaindrill: db-checkpoint: --cluster WORKSPACE is required$" -- "$CHAINDRILL" db-checkpoint status
usage_error "vendor-check without a file" "^chaindrill: vendor-check: no vendor file given$" -- "$CHAINDRILL" vendor-check
usage_error "vendor-check --bogus" "^chaindrill: vendor-check: unknown option '--bogus'$" -- "$CHAINDRILL" vendor-check --bogus "$vendor"
usage_error "report without an action" "^chaindrill: report: no action given" -- "$CHAINDRILL" report
usage_error "report index -x" "^chaindrill: report: unknown option '-x'$" -- "$CHAINDRILL" report index -x

# --- A FIFO or a device where a file is read ------------------------------------------------------
# Each command runs under `timeout 20`: one that waits on the FIFO is killed (exit 124) and fails.
mkfifo fifo.yaml
mkdir -p set rep/run-1 && mkfifo set/manifest.yaml rep/run-1/report.json
for cmd in "validate fifo.yaml" "run fifo.yaml --workspace ws-fifo --report-dir r-fifo" \
	"up fifo.yaml --workspace ws-fifo" "vendor-check fifo.yaml --set $set_dir --workspace ws-fifo --report-dir r-fifo"; do
	# shellcheck disable=SC2086 # the words of cmd
	expect_exit 2 "$cmd: a FIFO is refused" -- timeout 20 "$CHAINDRILL" $cmd
	expect_grep "^chaindrill: fifo\.yaml: a FIFO, not a regular file; refusing to read it$" "$SCRATCH/err" "$cmd: says so"
done
if [ ! -e ws-fifo ] && [ ! -e r-fifo ]; then pass "a refused FIFO leaves no workspace or report"; else fail "a refused FIFO leaves no workspace or report"; fi
expect_exit 2 "vendor-check: a set whose manifest is a FIFO" -- timeout 20 "$CHAINDRILL" vendor-check "$vendor" --set set --workspace ws-fifo --report-dir r-fifo
expect_grep "^chaindrill: set/manifest\.yaml: a FIFO, not a regular file" "$SCRATCH/err" "the manifest FIFO: says so"
expect_exit 2 "validate /dev/stdin (a terminal or a pipe, never read)" -- timeout 20 "$CHAINDRILL" validate /dev/stdin
expect_exit 2 "validate /dev/zero (a device)" -- timeout 20 "$CHAINDRILL" validate /dev/zero
expect_grep "^chaindrill: /dev/zero: a character device, not a regular file" "$SCRATCH/err" "/dev/zero: says what it is"
expect_exit 3 "a kubeconfig that is a FIFO (an environment error, as any unreadable kubeconfig)" -- timeout 20 "$KUBECONFIG_LOAD" fifo.yaml
expect_grep "fifo\.yaml: a FIFO, not a regular file" "$SCRATCH/err" "the kubeconfig FIFO: says so"
expect_exit 0 "report index over a run whose report.json is a FIFO" -- timeout 20 "$CHAINDRILL" report index rep
expect_grep "a FIFO, not a regular file" rep/index.html "the index notes the FIFO"

# --- --report-dir that cannot be a directory: refused before the drill -----------------------------
echo notes >rfile
expect_exit 2 "run --report-dir FILE" -- "$CHAINDRILL" run "$drill" --workspace ws-r --report-dir rfile
expect_grep "^chaindrill: run: --report-dir rfile: not a directory$" "$SCRATCH/err" "run --report-dir FILE: why"
if [ ! -e ws-r ] && [ "$(cat rfile)" = notes ]; then pass "before the drill: no workspace, the file untouched"; else fail "before the drill: no workspace, the file untouched" "$(ls -A ws-r 2>&1 | head -3)"; fi
expect_exit 2 "run --report-dir FILE/sub" -- "$CHAINDRILL" run "$drill" --workspace ws-r --report-dir rfile/sub
expect_grep "^chaindrill: run: --report-dir rfile/sub: rfile is not a directory$" "$SCRATCH/err" "run --report-dir FILE/sub: why"
expect_exit 2 "vendor-check --report-dir FILE" -- "$CHAINDRILL" vendor-check "$vendor" --set "$set_dir" --workspace ws-r --report-dir rfile
expect_grep "^chaindrill: vendor-check: --report-dir rfile: not a directory$" "$SCRATCH/err" "vendor-check --report-dir FILE: why"
mkdir -p cwd && echo x >cwd/reports
expect_exit 2 "run with ./reports a file (the default report root)" -- sh -c 'cd cwd && exec "$1" run "$2" --workspace ws-r' sh "$CHAINDRILL" "$drill"
expect_grep "^chaindrill: run: report root reports: not a directory$" "$SCRATCH/err" "the default root: why"
if [ ! -e ws-r ] && [ ! -e cwd/ws-r ]; then pass "no workspace for a refused report directory"; else fail "no workspace for a refused report directory"; fi
finish
