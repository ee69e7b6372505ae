#!/usr/bin/env bash
# docs/design.md and docs/runbook.md name what the code names: every subcommand main.c dispatches,
# every restore substep restore.c and restore_live.c record, the column families store.c opens,
# the metadata keys the replica writes, the format's constants (chain.format, magic, header length,
# block size limit, the BFT checkpoint window) and the verdict and status names. A name added to
# the code and not to the documents, or renamed in one only, fails here.
. "$SOURCE/tests/e2e/lib/testlib.sh"
design="$SOURCE/docs/design.md" runbook="$SOURCE/docs/runbook.md" h="$SOURCE/harness"

# in_doc DOC WORD WHAT: WORD occurs in DOC as code (`WORD`, or at the start of a code line)
in_doc() {
	if grep -qF -- "\`$2\`" "$1" || grep -qE -- "^chaindrill $2( |\$)" "$1"; then pass "$3"; else
		fail "$3" "$(basename "$1") does not name '$2'"
	fi
}

cmds=$(grep -oE '^\s*\{"[a-z-]+", drill_cmd_' "$h/cli/main.c" | grep -oE '"[a-z-]+"' | tr -d '"')
[ -n "$cmds" ] || fail "main.c's command table is read" "no command found in $h/cli/main.c"
for c in $cmds; do
	in_doc "$design" "$c" "design.md §2 has the command $c"
done

subs=$(grep -ohE 'substep\(sub, "[a-z-]+"' "$h/drill/restore.c" "$h/drill/restore_live.c" |
	grep -oE '"[a-z-]+"' | tr -d '"' | sort -u)
[ "$(echo "$subs" | wc -w)" -ge 7 ] || fail "the restore substeps are read" "found: $subs"
for s in $subs; do
	in_doc "$runbook" "$s" "runbook.md has the substep $s"
done

cfs=$(grep -oE 'cf_names\[NUM_CF\] = \{[^}]*\}' "$h/chain/store.c" | grep -oE '"[a-z]+"' | tr -d '"')
[ "$(echo "$cfs" | wc -w)" -eq 3 ] || fail "store.c's column families are read" "found: $cfs"
for c in $cfs; do
	in_doc "$design" "$c" "design.md §4 has the column family $c"
done

keys=$(grep -ohE '"(chain|replica)\.[a-z_]+"|"ckpt\.self"' "$h/replica/replica.c" "$h/chain/verify.c" |
	tr -d '"' | sort -u)
[ "$(echo "$keys" | wc -w)" -ge 6 ] || fail "the metadata keys are read" "found: $keys"
for k in $keys; do
	in_doc "$design" "$k" "design.md §4 has the metadata key $k"
done
in_doc "$design" "ckpt/<id>" "design.md §4 has the checkpoint keys ckpt/<id>"
grep -q 'CKPT_KEY_PREFIX "ckpt/"' "$h/replica/replica.c" && pass "replica.c writes ckpt/<id>" ||
	fail "replica.c writes ckpt/<id>" "CKPT_KEY_PREFIX is not \"ckpt/\""

# The format's constants, from the headers, against the text.
fmt=$(sed -nE 's/^#define DRILL_CHAIN_FORMAT "([^"]+)"/\1/p' "$h/chain/store.h")
in_doc "$design" "$fmt" "design.md names chain.format $fmt"
magic=$(sed -nE 's/^#define DRILL_BLOCK_MAGIC "([^"]+)"/\1/p' "$h/chain/block.h")
expect_grep "magic \"$magic\"" "$design" "design.md's block starts with magic $magic"
hdr=$(sed -nE 's/^#define DRILL_BLOCK_HEADER_LEN \(([0-9 +]+)\)/\1/p' "$h/chain/block.h")
hdr=$((hdr))
expect_grep "^$hdr +\.\.\. +n × \(" "$design" "design.md's updates start at offset $hdr (DRILL_BLOCK_HEADER_LEN)"
expect_grep "A block with no updates is $((hdr + 32)) bytes" "$design" "design.md: an empty block is header + digest"
mib=$(sed -nE 's/^#define DRILL_BLOCK_MAX_LEN \(([0-9]+)u << 20\).*/\1/p' "$h/chain/block.h")
expect_grep "larger than $mib MiB" "$design" "design.md's block size limit is DRILL_BLOCK_MAX_LEN ($mib MiB)"
win=$(sed -nE 's/^#define DRILL_BFT_CHECKPOINT_WINDOW ([0-9]+)/\1/p' "$h/replica/ckpt.h")
expect_grep "divisible by $win" "$design" "design.md §3: BFT checkpoints every $win sequence numbers"

names=$(sed -n '/^static const char \*const verdict_names/,/;$/p' "$h/chain/verify.c"
	sed -n '/^const char \*drill_replica_status_name/,/^}/p' "$h/chain/verify.c" |
	grep -oE 'return "[a-z]+"' | grep -v unknown)
names=$(echo "$names" | grep -oE '"[a-z]+"' | tr -d '"')
[ "$(echo "$names" | wc -w)" -eq 7 ] || fail "verify.c's verdict and status names are read" "found: $names"
for v in $names; do
	in_doc "$design" "$v" "design.md §5 has $v"
done
finish
