# tests/e2e/lib/testlib.sh — the skeleton every e2e script shares (in the manner of git's t/):
# a fresh scratch directory ($SCRATCH, kept on failure), expectations that say what differed, and
# a closing line "N passed, M failed". Source it, call `check`/`expect_*`, end with `finish`.
set -u
: "${CHAINDRILL:?run through ctest (CHAINDRILL unset)}" "${SCRATCH:?}" "${SOURCE:?}"
rm -rf "$SCRATCH" && mkdir -p "$SCRATCH"
passed=0 failed=0

pass() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "not ok - $1"; shift; for l in "$@"; do echo "#   $l"; done; }

# expect_exit CODE NAME -- CMD...: run CMD, capture stdout/stderr in $SCRATCH/out,err
expect_exit() {
	local want=$1 name=$2; shift 3
	"$@" >"$SCRATCH/out" 2>"$SCRATCH/err"
	local got=$?
	if [ "$got" -eq "$want" ]; then pass "$name"; else
		fail "$name" "exit $got, expected $want: $*" "stderr: $(head -c 600 "$SCRATCH/err")"
	fi
}
# expect_grep PATTERN FILE NAME
expect_grep() {
	if grep -Eq -- "$1" "$2"; then pass "$3"; else
		fail "$3" "no line matching '$1' in $2:" "$(head -c 600 "$2")"
	fi
}
# expect_jq FILE FILTER NAME: `jq -e FILTER FILE` is true
expect_jq() {
	if jq -e "$2" "$1" >/dev/null 2>"$SCRATCH/jq.err"; then pass "$3"; else
		fail "$3" "jq -e '$2' is not true of $1:" "$(head -c 800 "$1")" "$(head -c 200 "$SCRATCH/jq.err")"
	fi
}
finish() {
	echo "$passed passed, $failed failed"
	if [ "$failed" -ne 0 ]; then echo "scratch kept in $SCRATCH"; exit 1; fi
	rm -rf "$SCRATCH"
	exit 0
}
