#!/usr/bin/env bash
# `chaindrill verify` never writes to what it verifies (docs/containment.md): the whole tree —
# names, types, modes, owners, sizes, mtimes, link targets and every file's content — is hashed
# before and after verifying a healthy set, a corrupt one, a database whose LOCK another process
# holds, a checkpoint directory, and a directory that is not a database; the hashes must match.
# Then the same with the trees made read-only (chmod -R a-w); as root, which ignores the modes,
# those cases are reported skipped (they would prove nothing; the hashes above are the real check).
. "$SOURCE/tests/e2e/lib/testlib.sh"
: "${FIXTUREGEN:?run through ctest (FIXTUREGEN unset)}"
command -v python3 >/dev/null || { fail "python3 is installed (scripts/packages.txt [test])"; finish; }

# RocksDB's info log of a read-only open goes to a private directory under TMPDIR: keep it here.
export TMPDIR="$SCRATCH/tmp"
mkdir -p "$TMPDIR"

# tree_hash DIR: one digest of everything verify could change (atimes aside: reading sets them).
tree_hash() {
	(
		cd "$1" || exit 1
		find . -printf '%p\t%y\t%m\t%U:%G\t%s\t%T@\t%l\n' | LC_ALL=C sort
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
	) | sha256sum | cut -d' ' -f1
}

n=0
# fixture ARGS...: a new fixture directory $dir; its volume roots in the array $vols
fixture() {
	n=$((n + 1))
	dir="$SCRATCH/fx$n"
	if ! mapfile -t vols < <("$FIXTUREGEN" "$dir" "$@") || [ "${#vols[@]}" -eq 0 ]; then
		fail "fixturegen $*" "it failed"
	fi
}

# unchanged NAME DIR CODES -- VERIFY_ARGS...: verify exits with one of CODES (e.g. "0 1") and
# DIR hashes the same before and after
unchanged() {
	local name=$1 tree=$2 codes=$3; shift 4
	local before after got
	before=$(tree_hash "$tree")
	"$CHAINDRILL" verify "$@" >"$SCRATCH/out" 2>"$SCRATCH/err"
	got=$?
	after=$(tree_hash "$tree")
	if [[ " $codes " == *" $got "* ]]; then pass "$name: exit $got"; else
		fail "$name: exit $got, expected one of $codes" "$(head -c 600 "$SCRATCH/err")"
	fi
	if [ -n "$before" ] && [ "$before" = "$after" ]; then pass "$name: the tree is unchanged"; else
		fail "$name: the tree is unchanged" "before $before, after $after"
	fi
}

# --- the cases ------------------------------------------------------------------------------
fixture --seed 3 --ckpt-every 10
healthy=$dir healthy_vols=("${vols[@]}")
unchanged "healthy" "$healthy" "0" -- "${vols[@]}"
unchanged "healthy --checkpoints" "$healthy" "0" -- --checkpoints "${vols[@]}"

fixture --seed 4 --ckpt-every 10 --damage bitflip:1:7 --damage state:2 --damage ckpt-self:3:10
corrupt=$dir corrupt_vols=("${vols[@]}")
unchanged "corrupt" "$corrupt" "1" -- --checkpoints "${vols[@]}"

# A database another process has open: RocksDB's LOCK held with fcntl, as a running replica does.
db=$(find "$healthy" -path '*replica-0/rocksdbdata' -type d | head -n 1)
lockfile="$db/LOCK"
[ -e "$lockfile" ] || : >"$lockfile"
python3 -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
open(sys.argv[2], "w").close()
time.sleep(120)
' "$lockfile" "$SCRATCH/locked" &
holder=$!
for _ in $(seq 100); do [ -e "$SCRATCH/locked" ] && break; sleep 0.05; done
if [ -e "$SCRATCH/locked" ]; then pass "the LOCK is held by another process"; else
	fail "the LOCK is held by another process" "the holder did not start"; fi
unchanged "LOCK held" "$healthy" "0 1" -- "$db"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null

# One checkpoint directory given as the database.
ckpt=$(find "$healthy" -path '*replica-1/rocksdbdata/checkpoints/*' -maxdepth 8 -type d \
	-name '[0-9]*' | LC_ALL=C sort | head -n 1)
if [ -n "$ckpt" ]; then pass "a checkpoint directory exists"; else
	fail "a checkpoint directory exists" "none under $healthy"; fi
unchanged "a checkpoint directory" "$healthy" "0 1" -- "$ckpt"

# A directory that is not a database: files, a subdirectory, a symbolic link.
other="$SCRATCH/not-a-db"
mkdir -p "$other/sub"
printf 'hello\n' >"$other/CURRENT.txt"
printf 'MANIFEST-000001' >"$other/sub/CURRENT"
ln -s ../CURRENT.txt "$other/sub/link"
unchanged "not a database" "$other" "1 2" -- "$other"
unchanged "not a database (its subdirectory)" "$other" "1 2" -- "$other/sub"

# verify's own scratch (RocksDB's info log) is gone afterwards.
if [ -z "$(ls -A "$TMPDIR")" ]; then pass "nothing left in TMPDIR"; else
	fail "nothing left in TMPDIR" "$(ls -A "$TMPDIR" | head -n 5)"; fi

# --- read-only trees --------------------------------------------------------------------------
# Root reads and writes through the modes, so as root these cases would prove nothing: they need
# NOT_ROOT and say so when skipped (the hashes above are the check that always runs).
# verified_unchanged TREE CODES -- VERIFY_ARGS...: verify exits with one of CODES and TREE hashes
# the same before and after (a case's body: says what differed)
verified_unchanged() {
	local tree=$1 codes=$2; shift 3
	local before after got
	before=$(tree_hash "$tree")
	"$CHAINDRILL" verify "$@" >"$SCRATCH/out" 2>"$SCRATCH/err"
	got=$?
	after=$(tree_hash "$tree")
	[[ " $codes " == *" $got "* ]] || { echo "exit $got, expected one of $codes"; cat "$SCRATCH/err"; return 1; }
	[ -n "$before" ] && [ "$before" = "$after" ] || { echo "tree hash before $before, after $after"; return 1; }
}
test_expect_success NOT_ROOT 'read-only trees: chmod -R a-w' 'chmod -R a-w "$healthy" "$corrupt" "$other"'
test_expect_success NOT_ROOT 'healthy, read-only: exit 0, the tree unchanged' '
	verified_unchanged "$healthy" "0" -- --checkpoints "${healthy_vols[@]}"
'
test_expect_success NOT_ROOT 'corrupt, read-only: exit 1, the tree unchanged' '
	verified_unchanged "$corrupt" "1" -- --checkpoints "${corrupt_vols[@]}"
'
test_expect_success NOT_ROOT 'not a database, read-only: exit 1 or 2, the tree unchanged' '
	verified_unchanged "$other" "1 2" -- "$other"
'
chmod -R u+w "$healthy" "$corrupt" "$other"
finish
