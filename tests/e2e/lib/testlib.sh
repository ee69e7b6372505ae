# shellcheck shell=bash
# tests/e2e/lib/testlib.sh — the skeleton every e2e script shares (in the manner of git's t/): a
# fresh scratch directory ($SCRATCH, kept on failure), numbered cases that say what differed, cases
# that need something this machine may lack declared with a prerequisite and reported skipped with
# the reason, and a closing line "N passed, M failed, K skipped". tests/README.md says how to use it.
#
#   test_expect_success [PREREQS] 'what' 'body'   one case: the body (shell, run in this shell, its
#                                                 output kept in $SCRATCH/case.out) must succeed
#   pass/fail/expect_exit/expect_grep/expect_jq   one case each, checked where they stand
#   test_lazy_prereq NAME 'script' 'what it means'; test_set_prereq NAME; test_have_prereq A,!B
#   test_cmp expected actual                      in a body: the files are equal, else their diff
#   test_expect_code CODE cmd...                  in a body: cmd exits CODE
#   test_when PREREQS 'what'                      guards a group of pass/fail/expect_* checks
#   test_skip 'what' 'why'                        a case that cannot be checked here
#   skip_all 'why'                                nothing in the script can run here: exit 77
#   finish                                        the closing lines; exit 1 on a failure, 77 when
#                                                 every case was skipped, else 0
#
# Output is TAP: "ok N - what", "not ok N - what" (the reasons follow as "#   " lines),
# "ok N # skip what (missing PREREQ: what it means)", then "1..N" and the closing line.
set -u
: "${CHAINDRILL:?run through ctest (CHAINDRILL unset)}" "${SCRATCH:?}" "${SOURCE:?}"
rm -rf "$SCRATCH" && mkdir -p "$SCRATCH"
test_count=0 passed=0 failed=0 skipped=0
test_in_body=""    # the case whose body is running (its pass/fail would count twice)
test_missing_prereq="" # why the last test_have_prereq was false
exec {test_stderr}>&2 # the script's own stderr (fd 10 or above), for a bug found inside a body

test_bug() { echo "testlib: BUG: $*" >&"$test_stderr"; exit 1; }

pass() {
	[ -z "$test_in_body" ] || test_bug "pass inside the body of '$test_in_body'"
	test_count=$((test_count + 1)) passed=$((passed + 1))
	echo "ok $test_count - $1"
}
fail() {
	[ -z "$test_in_body" ] || test_bug "fail inside the body of '$test_in_body'"
	test_count=$((test_count + 1)) failed=$((failed + 1))
	echo "not ok $test_count - $1"
	shift
	local l
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done
}
# test_skip WHAT WHY: a case that was not checked, and why.
test_skip() {
	[ -z "$test_in_body" ] || test_bug "test_skip inside the body of '$test_in_body'"
	test_count=$((test_count + 1)) skipped=$((skipped + 1))
	echo "ok $test_count # skip $1 ($2)"
}

# --- prerequisites --------------------------------------------------------------------------------
# A prerequisite is a NAME that holds or not on this machine: set (test_set_prereq), or lazy (its
# script runs once, on first use, in a subshell in a directory of its own; exit 0 = it holds).
# Each has a line saying what it means, quoted in the skip reason. TESTLIB_MISSING=A,B (in the
# environment) makes A and B not hold, to see what a machine without them would report.
declare -A test_prereq=() test_prereq_script=() test_prereq_means=()

test_set_prereq() { test_prereq[$1]=yes; test_prereq_means[$1]=${2:-${test_prereq_means[$1]:-set by the script}}; }
test_lazy_prereq() {
	test_prereq_script[$1]=$2
	test_prereq_means[$1]=${3:-$2}
	unset "test_prereq[$1]"
}
# test_holds NAME: 0 if NAME holds (evaluating it the first time)
test_holds() {
	local name=$1 dir
	case ",${TESTLIB_MISSING:-}," in *",$name,"*) return 1 ;; esac
	if [ -z "${test_prereq[$name]+x}" ]; then
		[ -n "${test_prereq_script[$name]+x}" ] || test_bug "unknown prerequisite $name"
		dir="$SCRATCH/.prereq-$name"
		mkdir -p "$dir"
		if (cd "$dir" && eval "${test_prereq_script[$name]}") >"$dir.log" 2>&1; then
			test_prereq[$name]=yes
		else test_prereq[$name]=no; fi
		rm -rf "$dir" "$dir.log"
	fi
	[ "${test_prereq[$name]}" = yes ]
}
# test_have_prereq A,!B,...: every one holds (!B: B does not); else false, the reason in
# $test_missing_prereq
test_have_prereq() {
	local p name means list
	test_missing_prereq=""
	IFS=, read -ra list <<<"$1"
	for p in "${list[@]}"; do
		name=${p#!}
		means=${test_prereq_means[$name]:-}
		if [ "$p" = "$name" ]; then
			test_holds "$name" && continue
			test_missing_prereq="missing $name: $means"
		else
			test_holds "$name" || continue
			test_missing_prereq="missing $p: here $means"
		fi
		[ "${TESTLIB_MISSING:-}" = "" ] || case ",$TESTLIB_MISSING," in
			*",$name,"*) test_missing_prereq="$test_missing_prereq; TESTLIB_MISSING says so" ;;
		esac
		return 1
	done
	return 0
}

# The prerequisites scripts share. A script may define its own beside them.
test_lazy_prereq ROOT '[ "$(id -u)" -eq 0 ]' "running as root"
test_lazy_prereq NOT_ROOT '[ "$(id -u)" -ne 0 ]' \
	"running as a user other than root; root reads and writes through file modes"
test_lazy_prereq HELM 'command -v helm' "helm is on PATH"
test_lazy_prereq DOCKER 'timeout 30 docker info' "a Docker engine answers \`docker info\`"
test_lazy_prereq BOOKWORM 'grep -qx "VERSION_CODENAME=bookworm" /etc/os-release &&
	command -v apt-cache && command -v dpkg' "Debian bookworm, with apt-cache and dpkg"
test_lazy_prereq CHROMIUM 'command -v chromium && command -v chromedriver' \
	"chromium and chromedriver are on PATH, Debian chromium and chromium-driver"

# --- one case per block ---------------------------------------------------------------------------
# test_expect_success [PREREQS] WHAT BODY: without PREREQS, the case is skipped; else BODY runs in
# this shell (its variables and cd stay), stdout and stderr into $SCRATCH/case.out, and the case
# passes if it exits 0. A failure shows the body and the end of its output.
test_expect_success() {
	local prereq=""
	[ $# -eq 3 ] && { prereq=$1; shift; }
	[ $# -eq 2 ] || test_bug "test_expect_success [PREREQS] WHAT BODY: $# arguments"
	if [ -n "$prereq" ] && ! test_have_prereq "$prereq"; then
		test_skip "$1" "$test_missing_prereq"
		return 0
	fi
	test_in_body=$1
	{ eval "$2"; } >"$SCRATCH/case.out" 2>&1 7>&1 </dev/null
	local rc=$?
	test_in_body=""
	if [ "$rc" -eq 0 ]; then pass "$1"; else
		fail "$1" "the body exited $rc:" "$(printf '%s\n' "$2" | sed '/^[[:space:]]*$/d')" \
			"its output (last 20 lines):" "$(tail -n 20 "$SCRATCH/case.out")"
	fi
}

# test_cmp EXPECTED ACTUAL: the two files are the same (else the difference, for a body's output)
test_cmp() { diff -u "$1" "$2"; }
# test_expect_code CODE CMD...: CMD exits CODE; else says so in the case's output (fd 7 in a body),
# even when the body sends CMD's own output elsewhere
test_expect_code() {
	local want=$1; shift
	"$@"
	local got=$?
	[ "$got" -eq "$want" ] && return 0
	if [ -n "$test_in_body" ]; then echo "exit $got, expected $want: $*" >&7
	else echo "exit $got, expected $want: $*" >&2; fi
	return 1
}

# test_when PREREQS WHAT: true when PREREQS hold; else WHAT (a group of checks written with
# pass/fail/expect_*) is reported as one skipped case, and false. For scripts whose checks predate
# test_expect_success:  if test_when DOCKER 'the docker checks'; then expect_exit ...; fi
test_when() {
	test_have_prereq "$1" && return 0
	test_skip "$2" "$test_missing_prereq"
	return 1
}

# --- one case per line, as the scripts have always written them ----------------------------------
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

# --- the end --------------------------------------------------------------------------------------
# skip_all WHY: nothing this script checks can be checked here.
skip_all() {
	[ "$test_count" -eq 0 ] || test_bug "skip_all after $test_count cases: skip those cases instead"
	echo "1..0 # SKIP $1"
	echo "$passed passed, $failed failed, $skipped skipped"
	rm -rf "$SCRATCH"
	exit 77
}
finish() {
	echo "1..$test_count"
	echo "$passed passed, $failed failed, $skipped skipped"
	if [ "$test_count" -eq 0 ]; then
		echo "# no case ran: a script that checks nothing passes nothing"
		failed=1
	fi
	if [ "$failed" -ne 0 ]; then echo "scratch kept in $SCRATCH"; exit 1; fi
	rm -rf "$SCRATCH"
	if [ "$passed" -eq 0 ]; then exit 77; fi
	exit 0
}
