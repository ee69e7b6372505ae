#!/usr/bin/env bash
# Every deletion goes through the one guarded function (util/fs.c: drill_fs_remove_tree and
# drill_fs_remove_contents, refused outside the workspace roots; docs/containment.md). This scans
# harness/ (not its unit tests, not util/fs.c) for calls that delete — unlink, unlinkat, rmdir,
# remove, nftw, ftw, or an `rm` run as a program — and fails on any that is not one of the few
# exceptions listed below, each with its reason in docs/containment.md. A new deletion is to call
# drill_fs_remove_tree, not to be added here.
. "$SOURCE/tests/e2e/lib/testlib.sh"
cd "$SOURCE" || exit 1

# FILE<TAB>the call's line, trimmed
allowed=$(printf '%s\n' \
	$'harness/chain/store.c\tunlink(f);' \
	$'harness/chain/store.c\trmdir(dir);' \
	$'harness/drill/engine.c\trmdir(ws);' \
	$'harness/cli/cmd_run.c\tunlink(js[i].report_tmp);' \
	$'harness/cli/cmd_vendor_check.c\tunlink(js[i].report_tmp);')

found=$(grep -rnE '(^|[^>._a-zA-Z0-9])(unlink|unlinkat|rmdir|remove|nftw|ftw)[[:space:]]*\(|"rm"' \
	harness --include='*.c' --include='*.h' |
	grep -vE '^harness/(tests/|util/fs\.c:)' |
	grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|/\*|//)')
count=0
while IFS= read -r hit; do
	[ -n "$hit" ] || continue
	count=$((count + 1))
	file=${hit%%:*} rest=${hit#*:}
	code=${rest#*:}
	code=$(sed -E 's/^[[:space:]]+|[[:space:]]+$//g' <<<"$code")
	if grep -qxF -- "$file"$'\t'"$code" <<<"$allowed"; then
		pass "allowed: $file: $code"
	else
		fail "a deletion outside util/fs.c: $hit" \
			"call drill_fs_remove_tree (guarded) instead, or justify it in docs/containment.md"
	fi
done <<<"$found"
if [ "$count" -gt 0 ]; then pass "the scan found the known exceptions ($count)"; else
	fail "the scan found the known exceptions" "nothing matched: is the pattern broken?"; fi

# The guard's own unit tests exist (they prove the refusals: outside, .., links, the root).
for t in test_guard_decisions test_guard_refuses test_guard_allows_inside; do
	if grep -q "cmocka_unit_test.*\b$t\b" harness/tests/test_util_fs.c; then pass "unit test $t"; else
		fail "unit test $t" "missing from harness/tests/test_util_fs.c"; fi
done
finish
