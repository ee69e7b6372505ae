#!/usr/bin/env bash
# The repository stands alone: no Markdown link, man page path or comment leads outside it, every
# Markdown link to a file of it leads to one that exists, and nothing cites the design or runbook
# documents the project started from outside the repository (docs/design.md and docs/runbook.md
# replace them). The checks are tests/e2e/lib/links.py; first they are run on a planted tree with
# one of each mistake and one of each thing that must pass, so that a checker that finds nothing
# fails here too.
. "$SOURCE/tests/e2e/lib/testlib.sh"
links="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/links.py"   # this tree's checker, whatever SOURCE is
design="DESIGN"".md" reference="shared/""reference" up3="../../.."

# --- the checker, on a planted tree (a git checkout of its own, as the repository is)
t="$SCRATCH/planted"
mkdir -p "$t/docs" "$t/src" "$t/scripts"
git -C "$t" init -q
cat >"$t/README.md" <<EOF
# planted
[out](../outside.md) and [dead](docs/missing.md) and [abs](/etc/passwd)
[ok](docs/a.md#some-anchor) [web](https://no-color.org) [here](#planted) [dir](src/)
[ref]: ../../refdef.md
Prose that names ../../prose.md is a path too.
See \`../outside-in-code.md\` (a path in code is relative to something else).
Cite shared/$design §4 no more.
\`\`\`
[fenced](../not-a-link.md)
\`\`\`
EOF
cat >"$t/docs/a.md" <<EOF
# a
[up](../README.md) [sibling](b.md)
EOF
cat >"$t/src/x.c" <<EOF
/* x.c — see ../../c-comment.md and ../docs/a.md */
static const char *s = "../not-a-comment"; // ../../line-comment.txt
EOF
cat >"$t/scripts/s.sh" <<EOF
#!/bin/sh
cd ../..  # $up3/hash-comment.md
EOF
printf '.TH T 1\nsee ../../man-path\n' >"$t/docs/t.1"
printf 'the runbook: %s/x.md\n' "$reference" >"$t/src/notes.txt"
cat >"$SCRATCH/want" <<EOF
README.md:2: link '../outside.md' leads outside the repository
README.md:2: link 'docs/missing.md': no such file in the repository
README.md:2: link '/etc/passwd' is an absolute path
README.md:4: link '../../refdef.md' leads outside the repository
README.md:5: path '../../prose.md' leads outside the repository
README.md:7: cites 'shared/$design': the shared design document: cite docs/design.md
docs/a.md:2: link 'b.md': no such file in the repository
docs/t.1:2: path '../../man-path' leads outside the repository
scripts/s.sh:2: path '../../../hash-comment.md' leads outside the repository
src/notes.txt:1: cites '$reference': the shared reference: link docs/runbook.md
src/x.c:1: path '../../c-comment.md' leads outside the repository
src/x.c:2: path '../../line-comment.txt' leads outside the repository
EOF
python3 "$links" "$t" >"$SCRATCH/got" 2>"$SCRATCH/err"
rc=$?
if [ "$rc" -eq 1 ] && diff -u <(sort "$SCRATCH/want") <(sort "$SCRATCH/got") >"$SCRATCH/diff"; then
	pass "planted tree: each mistake is found once, nothing else"
else
	fail "planted tree: each mistake is found once, nothing else" "exit $rc" \
		"$(head -c 1500 "$SCRATCH/diff")" "$(head -c 300 "$SCRATCH/err")"
fi

rm "$t/src/notes.txt" "$t/docs/t.1" "$t/scripts/s.sh"
printf '# planted\n[ok](docs/a.md#some-anchor) [web](https://no-color.org) [dir](src/)\n' >"$t/README.md"
printf '/* x.c — see ../docs/a.md */\n' >"$t/src/x.c"
printf '# b\n' >"$t/docs/b.md"
expect_exit 0 "planted tree, mistakes removed: nothing found" -- python3 "$links" "$t"

# --- the repository itself
python3 "$links" "$SOURCE" >"$SCRATCH/repo" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then pass "the repository: every link and citation stays inside it"; else
	fail "the repository: every link and citation stays inside it" "exit $rc; $(grep -c . "$SCRATCH/repo") found:" \
		"$(head -c 3000 "$SCRATCH/repo")"
fi

# The documents that replace the outside ones exist and are the ones the README lists.
for f in docs/design.md docs/runbook.md; do
	expect_grep "\]\($f\)" "$SOURCE/README.md" "README lists $f"
done
finish
