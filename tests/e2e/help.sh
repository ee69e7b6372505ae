#!/usr/bin/env bash
# Help for every command, and the man page, against the options the source accepts: for each
# command the options are read from its source (getopt_long tables, getopt short-option strings,
# strcmp(arg, "-x") comparisons), so an option added without a line of help — in `--help` or in
# docs/chaindrill.1 — fails here. Also: --help/-h exit 0 with usage on stdout, a bad option exits 2
# with usage on stderr, `chaindrill help COMMAND` is `chaindrill COMMAND --help`, and the man page
# renders without a warning (groff -ww, mandoc -Tlint when installed).
. "$SOURCE/tests/e2e/lib/testlib.sh"
man_page="$SOURCE/docs/chaindrill.1"

# source_options FILE: every option FILE's parser accepts, one per line (--long or -x).
source_options() {
	grep -oE '\{"[a-z][a-z0-9-]*", *(no|required|optional)_argument' "$1" |
		sed -E 's/^\{"([^"]*)".*/--\1/'
	grep -oE 'getopt_long\([^,]+, *[^,]+, *"[^"]*"' "$1" | sed -E 's/.*"([^"]*)"$/\1/' |
		tr -d ':' | grep -o . | sed 's/^/-/'
	grep -oE 'strn?cmp\([^,()]+, *"-[^"]+"' "$1" | sed -E 's/.*"([^"]*)"$/\1/' | grep -vx -- '--'
}

# The commands and the file whose parser reads their options (chaindrill: the program itself).
declare -A parser=(
	[chaindrill]=harness/cli/main.c
	[run]=harness/cli/cmd_run.c
	[validate]=harness/cli/cmd_validate.c
	[verify]=harness/cli/cmd_verify.c
	[db-checkpoint]=harness/cli/cmd_db_checkpoint.c
	[up]=harness/cli/cmd_up.c
	[faults]=harness/cli/cmd_faults.c
	[clean]=harness/cli/cmd_clean.c
	[report]=harness/cli/cmd_report.c
	[vendor-check]=harness/cli/cmd_vendor_check.c
	[replica]=harness/replica/replica.c
)
# Every command main.c dispatches to is in the table above.
for cmd in $(sed -n 's/^\t{"\([a-z-]*\)", drill_cmd_.*/\1/p' "$SOURCE/harness/cli/main.c"); do
	if [ -n "${parser[$cmd]+x}" ]; then pass "$cmd: its parser is known"; else
		fail "$cmd: its parser is known" "add it to the table in tests/e2e/help.sh"
	fi
done

# The man page as plain text, once: `man` shows this (ASCII hyphens, no overstrike).
if command -v groff >/dev/null; then
	groff -man -Tascii -P-cbou "$man_page" >"$SCRATCH/man.txt" 2>"$SCRATCH/man.err"
	if [ -s "$SCRATCH/man.err" ]; then fail "man page renders" "$(cat "$SCRATCH/man.err")"; else
		pass "man page renders"; fi
	if groff -man -Tutf8 -ww -z "$man_page" 2>&1 | grep -q .; then
		fail "groff -ww: no warnings" "$(groff -man -Tutf8 -ww -z "$man_page" 2>&1 | head -20)"
	else pass "groff -ww: no warnings"; fi
else
	fail "groff is installed (scripts/packages.txt [test])"
fi
if command -v mandoc >/dev/null; then
	if mandoc -Tlint -Wwarning "$man_page" >"$SCRATCH/lint" 2>&1; then pass "mandoc -Tlint: clean"
	else fail "mandoc -Tlint: clean" "$(head -20 "$SCRATCH/lint")"; fi
else
	fail "mandoc is installed (scripts/packages.txt [test])"
fi

for name in "${!parser[@]}"; do
	cmd=$name
	[ "$name" = chaindrill ] && cmd=""
	opts=$(source_options "$SOURCE/${parser[$name]}" | sort -u)
	[ -n "$opts" ] || fail "$name: options found in ${parser[$name]}" "the extraction found none"
	expect_exit 0 "$name --help exits 0" -- "$CHAINDRILL" $cmd --help
	cp "$SCRATCH/out" "$SCRATCH/help"
	expect_grep "^usage: chaindrill" "$SCRATCH/help" "$name --help: usage on stdout"
	expect_grep "^Exit codes?:" "$SCRATCH/help" "$name --help: exit codes"
	expect_grep "^Example" "$SCRATCH/help" "$name --help: an example"
	expect_exit 0 "$name -h exits 0" -- "$CHAINDRILL" $cmd -h
	if cmp -s "$SCRATCH/out" "$SCRATCH/help"; then pass "$name -h is --help"; else
		fail "$name -h is --help"; fi
	if [ -n "$cmd" ]; then
		expect_exit 0 "help $cmd exits 0" -- "$CHAINDRILL" help "$cmd"
		if cmp -s "$SCRATCH/out" "$SCRATCH/help"; then pass "help $cmd is $cmd --help"; else
			fail "help $cmd is $cmd --help" "$(diff "$SCRATCH/help" "$SCRATCH/out" | head)"; fi
	fi
	expect_exit 2 "$name: a bad option exits 2" -- "$CHAINDRILL" $cmd --no-such-option
	expect_grep "^usage: chaindrill" "$SCRATCH/err" "$name: a bad option prints the usage"
	# The command's part of the page: its subsection of COMMANDS (chaindrill's own: OPTIONS).
	awk -v want="${cmd:-OPTIONS}" '
		/^[A-Z]/ || /^   [a-z-]+$/ { sub(/^ +/, ""); in_part = ($0 == want); next }
		in_part' "$SCRATCH/man.txt" >"$SCRATCH/man-part"
	missing_help="" missing_man=""
	for o in $opts; do
		grep -qE -- "(^|[ ,[])$o([ ,=]|$)" "$SCRATCH/help" || missing_help="$missing_help $o"
		[ "$o" = -h ] || [ "$o" = --help ] && continue # said once, for all, in OPTIONS
		grep -qE -- "(^|[ ,[])$o([ ,=]|$)" "$SCRATCH/man-part" || missing_man="$missing_man $o"
	done
	if [ -z "$missing_help" ]; then pass "$name --help describes all of: $(echo $opts)"; else
		fail "$name --help describes every option" "missing:$missing_help"; fi
	if [ -z "$missing_man" ]; then pass "chaindrill(1) describes $name's options"; else
		fail "chaindrill(1) describes $name's options in its part" "missing:$missing_man"; fi
done

# db-checkpoint's actions answer --help too; an unknown command has no help.
expect_exit 0 "db-checkpoint create --help" -- "$CHAINDRILL" db-checkpoint create --help
expect_grep "^usage: chaindrill db-checkpoint" "$SCRATCH/out" "db-checkpoint create --help: usage"
expect_exit 0 "db-checkpoint status -h" -- "$CHAINDRILL" db-checkpoint status -h
expect_exit 0 "report index --help" -- "$CHAINDRILL" report index --help
expect_exit 2 "report index with an option for REPORT_ROOT" -- "$CHAINDRILL" report index --bogus
expect_exit 2 "help of an unknown command" -- "$CHAINDRILL" help frobnicate
expect_grep "unknown command 'frobnicate'" "$SCRATCH/err" "it names the command"
expect_exit 0 "--version" -- "$CHAINDRILL" --version
expect_grep "^chaindrill [0-9]+\.[0-9]+\.[0-9]+" "$SCRATCH/out" "--version prints the version"
if grep -q "^\.TH CHAINDRILL 1 [0-9-]* \"$(cat "$SCRATCH/out")\"" "$man_page"; then
	pass "the man page is of this version"
else
	fail "the man page is of this version" "$(grep '^\.TH' "$man_page") vs $(cat "$SCRATCH/out")"
fi
finish
