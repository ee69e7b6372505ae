#!/usr/bin/env bash
# `chaindrill verify` (docs/design.md §2, §5; docs/verify.md) on replica sets written by fixturegen:
# healthy, lagging, damaged, missing and forked sets, n = 4 and n = 7, -f, --checkpoints, the
# human output, --json (checked with jq), the exit codes and the input errors.
. "$SOURCE/tests/e2e/lib/testlib.sh"
: "${FIXTUREGEN:?run through ctest (FIXTUREGEN unset)}"
command -v jq >/dev/null || { fail "jq is installed (scripts/packages.txt [test])"; finish; }

hex16='[0-9a-f]{16}\.\.\.'
n=0
# fixture ARGS...: a new fixture directory; its volume roots in the array $vols
fixture() {
	n=$((n + 1))
	local dir="$SCRATCH/fx$n"
	if ! mapfile -t vols < <("$FIXTUREGEN" "$dir" "$@") || [ "${#vols[@]}" -eq 0 ]; then
		fail "fixturegen $*" "it failed"
	fi
}
# expect_jq FILTER NAME: the JSON in $SCRATCH/out satisfies FILTER
expect_jq() {
	if jq -e "$1" "$SCRATCH/out" >/dev/null 2>"$SCRATCH/jq.err"; then pass "$2"; else
		fail "$2" "jq -e '$1' is not true of:" "$(head -c 800 "$SCRATCH/out")" \
			"$(head -c 200 "$SCRATCH/jq.err")"
	fi
}
# expect_line NAME LINE: stdout has exactly this line
expect_line() {
	if grep -qxF -- "$2" "$SCRATCH/out"; then pass "$1"; else
		fail "$1" "no line '$2' in stdout:" "$(head -c 800 "$SCRATCH/out")"
	fi
}

# --- a healthy set -----------------------------------------------------------------------------
fixture --seed 7
expect_exit 0 "healthy: consistent" -- "$CHAINDRILL" verify "${vols[@]}"
for i in 0 1 2 3; do
	expect_grep "^${vols[$i]}: ok, last block 30, digest $hex16$" "$SCRATCH/out" "healthy: replica $i ok"
done
expect_grep "^verdict: consistent \(4 of 4 replicas ok, f=1, agreed block 30, digest $hex16\)$" \
	"$SCRATCH/out" "healthy: verdict line"
lines=$(wc -l <"$SCRATCH/out")
if [ "$lines" -eq 5 ]; then pass "healthy: one line per replica and the verdict"; else
	fail "healthy: one line per replica and the verdict" "$lines lines"; fi
if [ -s "$SCRATCH/err" ]; then fail "healthy: nothing on stderr" "$(head -c 300 "$SCRATCH/err")"
else pass "healthy: nothing on stderr"; fi

expect_exit 0 "healthy --json" -- "$CHAINDRILL" verify --json "${vols[@]}"
expect_jq '.verdict == "consistent" and .f == 1 and .agreedBlock == 30
	and (.agreedDigest | test("^[0-9a-f]{64}$")) and (.replicas | length) == 4' "healthy --json: verdict"
expect_jq '[.replicas[] | .status == "ok" and .lastBlock == 30 and .error == null
	and (.stateRoot | test("^[0-9a-f]{64}$"))] | all' "healthy --json: every replica ok"
expect_jq '. as $r | [.replicas[].digest] | all(. == $r.agreedDigest)' "healthy --json: same digest"
expect_jq '[.replicas[].replicaId] == [0, 1, 2, 3]' "healthy --json: replica ids"
expect_jq '[.replicas[].format] | all(. == "chaindrill-chain/1")' "healthy --json: format"
expect_jq 'keys_unsorted == ["verdict", "f", "agreedBlock", "agreedDigest", "replicas"]' \
	"healthy --json: the keys of docs/design.md §5"
expect_jq '[.replicas[0] | keys_unsorted[]] | contains(["path", "status", "lastBlock", "digest",
	"stateRoot", "error"])' "healthy --json: replica keys"
digest7=$(jq -r .agreedDigest "$SCRATCH/out")
# the options may come after the paths, as with `validate`
expect_exit 0 "options after the paths" -- "$CHAINDRILL" verify "${vols[@]}" --json
expect_jq ".agreedDigest == \"$digest7\"" "the same verdict with the options last"

# Same seed, same chain; another seed, another chain.
fixture --seed 7
expect_exit 0 "a second fixture from seed 7" -- "$CHAINDRILL" verify --json "${vols[@]}"
expect_jq ".agreedDigest == \"$digest7\"" "the same seed gives the same digest"
fixture --seed 8
expect_exit 0 "a fixture from seed 8" -- "$CHAINDRILL" verify --json "${vols[@]}"
expect_jq ".agreedDigest != \"$digest7\"" "another seed gives another digest"

# Every way of naming a replica: volume root, the rocksdbdata directory, the directory above it.
fixture --seed 7
db0="${vols[0]}/default/bc-demo/replica-0/rocksdbdata"
expect_exit 0 "a rocksdbdata directory and a replica-<i> directory" -- \
	"$CHAINDRILL" verify --json "$db0" "${vols[1]}/default/bc-demo/replica-1" "${vols[2]}" "${vols[3]}"
expect_jq ".verdict == \"consistent\" and .replicas[0].path == \"$db0\"" "paths are reported as given"

# Verifying writes nothing: the trees are the same, sizes and times included.
before=$(cd "$SCRATCH/fx$n" && find . -printf '%p %s %T@\n' | sort)
"$CHAINDRILL" verify --checkpoints "${vols[@]}" >/dev/null 2>&1
after=$(cd "$SCRATCH/fx$n" && find . -printf '%p %s %T@\n' | sort)
if [ "$before" = "$after" ]; then pass "verify changes nothing on disk"; else
	fail "verify changes nothing on disk" "$(diff <(echo "$before") <(echo "$after") | head -20)"; fi

# --- lagging, damaged, missing -------------------------------------------------------------------
fixture --damage lag:3:25
expect_exit 1 "one lagging replica: exit 1" -- "$CHAINDRILL" verify "${vols[@]}"
expect_grep "^${vols[3]}: ok, last block 25, digest $hex16$" "$SCRATCH/out" "lagging: its height"
expect_grep "^verdict: recoverable \(4 of 4 replicas ok, f=1, agreed block 30, " "$SCRATCH/out" \
	"lagging: recoverable at 30"

fixture --damage lag:2:26 --damage lag:3:21
expect_exit 1 "two lagging replicas" -- "$CHAINDRILL" verify --json "${vols[@]}"
expect_jq '.verdict == "recoverable" and .agreedBlock == 26' "two lagging: agreed at the 3rd height"

fixture --damage bitflip:2:7
expect_exit 1 "a flipped byte: exit 1" -- "$CHAINDRILL" verify "${vols[@]}"
expect_line "a flipped byte: reported" "${vols[2]}: corrupt: block 7: digest mismatch"
expect_grep "^verdict: recoverable \(3 of 4 replicas ok, f=1, agreed block 30, " "$SCRATCH/out" \
	"a flipped byte: recoverable"
expect_exit 1 "a flipped byte --json" -- "$CHAINDRILL" verify --json "${vols[@]}"
expect_jq '.replicas[2] | .status == "corrupt" and .errorBlock == 7 and .lastBlock == 6
	and (.error | contains("digest mismatch"))' "a flipped byte --json: errorBlock 7"

fixture --damage parent:1:9 --damage root:3:12
expect_exit 1 "a broken parent link and a wrong root" -- "$CHAINDRILL" verify "${vols[@]}"
expect_line "broken parent link: reported" \
	"${vols[1]}: corrupt: block 9: parent digest does not match block 8"
expect_grep "^${vols[3]}: corrupt: block 12: state root $hex16 does not follow from block 11 " \
	"$SCRATCH/out" "wrong root: reported"
expect_grep "^verdict: unrecoverable \(2 of 4 replicas ok, f=1, no agreed block\)$" "$SCRATCH/out" \
	"two corrupt of four: unrecoverable"

fixture --damage state:0 --damage last-block:1 --damage wrong-id:2
expect_exit 1 "state, last block, replica id" -- "$CHAINDRILL" verify --json "${vols[@]}"
expect_jq '.replicas[0].error | startswith("state: the state column family sums to root")' \
	"tampered state"
expect_jq '.replicas[1].error == "chain.last_block is 29 but the last stored block is 30"' \
	"chain.last_block off by one"
expect_jq '.replicas[2].error | startswith("replica.id is 3 but the path names replica 2")' \
	"a volume with another replica's id"
expect_jq '.verdict == "unrecoverable" and .agreedBlock == null and .agreedDigest == null' \
	"three corrupt: unrecoverable, no agreed block"

fixture --damage missing:3
expect_exit 1 "a wiped volume" -- "$CHAINDRILL" verify "${vols[@]}"
expect_grep "^${vols[3]}: missing: " "$SCRATCH/out" "a wiped volume: missing"
expect_grep "^verdict: recoverable \(3 of 4 replicas ok" "$SCRATCH/out" "one missing: recoverable"
expect_exit 1 "a wiped volume --json" -- "$CHAINDRILL" verify --json "${vols[@]}"
expect_jq '.replicas[3] | .status == "missing" and .digest == null and .lastBlock == 0' \
	"missing --json"

fixture --damage missing:2 --damage missing:3
expect_exit 1 "two wiped volumes" -- "$CHAINDRILL" verify --json "${vols[@]}"
expect_jq '.verdict == "unrecoverable" and .agreedBlock == null' "two missing of four: unrecoverable"

# --- forks -------------------------------------------------------------------------------------------
fixture --damage fork:2:20 --damage fork:3:20
expect_exit 1 "a 2-2 fork" -- "$CHAINDRILL" verify --json "${vols[@]}"
expect_jq '.verdict == "divergent" and .agreedBlock == 20 and ([.replicas[].status] | all(. == "ok"))' \
	"a 2-2 fork: divergent, agreed at the fork point"
fixture --damage fork:3:24 --damage lag:3:25
expect_exit 1 "a short forked replica" -- "$CHAINDRILL" verify "${vols[@]}"
expect_grep "^verdict: divergent \(4 of 4 replicas ok, f=1, agreed block 30, " "$SCRATCH/out" \
	"a short forked replica: divergent"

# --- n = 7 and -f ------------------------------------------------------------------------------------
fixture --replicas 7 --damage bitflip:1:3 --damage lag:4:12
expect_exit 1 "n=7, one corrupt, one lagging" -- "$CHAINDRILL" verify --json "${vols[@]}"
expect_jq '.f == 2 and .verdict == "recoverable" and .agreedBlock == 30' "n=7: f=2, recoverable"
fixture --replicas 7 --damage bitflip:1:3 --damage missing:4 --damage root:6:2
expect_exit 1 "n=7, three not ok" -- "$CHAINDRILL" verify --json "${vols[@]}"
expect_jq '.f == 2 and .verdict == "unrecoverable"' "n=7: 4 ok < 2f+1 = 5"
expect_exit 1 "-f 1 with n=7" -- "$CHAINDRILL" verify --json -f 1 "${vols[@]}"
expect_jq '.f == 1 and .verdict == "recoverable" and .agreedBlock == 30' "-f 1: 4 ok >= 3"
expect_exit 1 "-f1 (attached)" -- "$CHAINDRILL" verify --json -f1 "${vols[@]}"
expect_jq '.f == 1' "-f1 is -f 1"
expect_exit 1 "-f 3 with n=7 (2f+1 = n is allowed)" -- "$CHAINDRILL" verify --json -f 3 "${vols[@]}"
expect_jq '.f == 3 and .verdict == "unrecoverable"' "-f 3: 4 ok < 7"
expect_exit 2 "-f 4 with n=7" -- "$CHAINDRILL" verify -f 4 "${vols[@]}"
expect_grep "^chaindrill: verify: -f 4 needs 2f\+1 = 9 replicas for a quorum, but 7 are given$" \
	"$SCRATCH/err" "-f 4: why"
expect_exit 2 "-f abc" -- "$CHAINDRILL" verify -f abc "${vols[@]}"
expect_grep "^chaindrill: verify: -f: expected an integer in 0\.\.18446744073709551615, got 'abc'$" "$SCRATCH/err" "-f abc: why"
expect_exit 2 "-f -1" -- "$CHAINDRILL" verify -f -1 "${vols[@]}"
expect_exit 2 "-f without a value" -- "$CHAINDRILL" verify "${vols[@]}" -f

# --- --checkpoints -------------------------------------------------------------------------------
fixture --ckpt-every 10
expect_exit 0 "--checkpoints, all ok" -- "$CHAINDRILL" verify --checkpoints "${vols[@]}"
expect_line "checkpoint lines" "  checkpoint 20: ok"
expect_line "checkpoint summary" "checkpoints: 12 ok, 0 not ok"
expect_grep "^verdict: consistent " "$SCRATCH/out" "--checkpoints: the verdict is last"
tail -n 1 "$SCRATCH/out" | grep -q '^verdict: ' && pass "the verdict line is the last line" ||
	fail "the verdict line is the last line" "$(tail -n 2 "$SCRATCH/out")"
expect_exit 0 "--checkpoints --json, all ok" -- "$CHAINDRILL" verify --checkpoints --json "${vols[@]}"
expect_jq '[.replicas[] | [.checkpoints[].id] == [10, 20, 30]] | all' "checkpoints 10, 20, 30 each"
expect_jq '[.replicas[].checkpoints[] | .status == "ok" and .error == null
	and (.path | test("/rocksdbdata/checkpoints/[0-9]+$"))] | all' "checkpoint entries"
expect_exit 0 "no --checkpoints: no checkpoints key" -- "$CHAINDRILL" verify --json "${vols[@]}"
expect_jq '[.replicas[] | has("checkpoints")] | any | not' "checkpoints only when asked for"

fixture --ckpt-every 10 --damage ckpt-self:1:20
expect_exit 0 "a bad ckpt.self without --checkpoints" -- "$CHAINDRILL" verify "${vols[@]}"
expect_exit 1 "a bad ckpt.self with --checkpoints" -- "$CHAINDRILL" verify --checkpoints "${vols[@]}"
expect_grep "^  checkpoint 20: corrupt: ckpt.self digest [0-9a-f]{16}\.\.\. differs from block 20's " \
	"$SCRATCH/out" "the bad checkpoint is named"
expect_line "checkpoint summary with one bad" "checkpoints: 11 ok, 1 not ok"
expect_grep "^verdict: consistent " "$SCRATCH/out" "the verdict is still about the live chains"
expect_exit 1 "a bad ckpt.self --json" -- "$CHAINDRILL" verify --checkpoints --json "${vols[@]}"
expect_jq '.verdict == "consistent" and .replicas[1].checkpoints[1].status == "corrupt"
	and (.replicas[1].checkpoints[1].error | contains("ckpt.self digest"))
	and .replicas[0].checkpoints[1].status == "ok"' "--json: the corrupt checkpoint"

# A wiped live database whose checkpoints survive: missing, and its checkpoints still verified.
fixture --ckpt-every 10
db3="${vols[3]}/default/bc-demo/replica-3/rocksdbdata"
find "$db3" -mindepth 1 -maxdepth 1 ! -name checkpoints -exec rm -rf {} +
expect_exit 1 "live data wiped, checkpoints kept" -- "$CHAINDRILL" verify --checkpoints --json "${vols[@]}"
expect_jq '.replicas[3].status == "missing" and ([.replicas[3].checkpoints[].status] == ["ok", "ok", "ok"])' \
	"checkpoints of a missing replica are verified"

# --- input errors --------------------------------------------------------------------------------
expect_exit 2 "a directory that does not exist" -- "$CHAINDRILL" verify "${vols[0]}" "$SCRATCH/nope"
expect_grep "^chaindrill: verify: $SCRATCH/nope: no such directory$" "$SCRATCH/err" "it is named"
if [ -s "$SCRATCH/out" ]; then fail "no output for an input error" "$(head -c 300 "$SCRATCH/out")"
else pass "no output for an input error"; fi
touch "$SCRATCH/file"
expect_exit 2 "a file" -- "$CHAINDRILL" verify "$SCRATCH/file"
expect_grep "^chaindrill: verify: $SCRATCH/file: not a directory$" "$SCRATCH/err" "a file: why"
mkdir -p "$SCRATCH/two/default/bc/replica-0/rocksdbdata" "$SCRATCH/two/default/bc/replica-1/rocksdbdata"
expect_exit 2 "a volume root with two databases" -- "$CHAINDRILL" verify "$SCRATCH/two"
expect_grep "volume root holds 2 replica databases" "$SCRATCH/err" "two databases: why"
expect_exit 2 "no directory" -- "$CHAINDRILL" verify
expect_grep "^chaindrill: verify: no replica directory given$" "$SCRATCH/err" "no directory: why"
expect_exit 2 "only options" -- "$CHAINDRILL" verify --json --checkpoints
expect_exit 2 "an unknown option" -- "$CHAINDRILL" verify --frobnicate "${vols[0]}"
expect_grep "^chaindrill: verify: unknown option '--frobnicate'$" "$SCRATCH/err" "unknown option: why"
expect_exit 0 "--help" -- "$CHAINDRILL" verify --help
expect_grep "^usage: chaindrill verify " "$SCRATCH/out" "--help shows the usage"
# an existing directory without a database is a replica that is missing, not an input error
mkdir -p "$SCRATCH/empty"
expect_exit 1 "an empty directory" -- "$CHAINDRILL" verify "$SCRATCH/empty"
expect_grep "^$SCRATCH/empty: missing: " "$SCRATCH/out" "an empty directory is missing"
# --- read-only: verifying changes nothing, not even a timestamp ----------------------------------
fixture --seed 11 --ckpt-every 10
tree_state() { find "$1" -printf '%P %s %m %u %T@ %n\n' | sort; find "$1" -type f -exec sha256sum {} + | sort; }
before=$(tree_state "$SCRATCH/fx$n")
expect_exit 0 "read-only: verify --checkpoints" -- "$CHAINDRILL" verify --checkpoints "${vols[@]}"
after=$(tree_state "$SCRATCH/fx$n")
if [ "$before" = "$after" ]; then pass "read-only: no file added, removed or changed"; else
	fail "read-only: no file added, removed or changed" "$(diff <(echo "$before") <(echo "$after") | head -20)"; fi

# --- streaming: peak memory does not grow with the chain's length -------------------------------
# The peak RSS of verify over 20000 blocks stays within 1.5x of that over 2000 blocks (measured:
# 24 and 31 MiB; scans do not fill the block cache); memory per block would grow tenfold.
# Under ASan the quarantine keeps freed memory resident (53 vs 109 MiB), so it is turned off for
# this measurement (40 vs 45 MiB); the option means nothing to a plain build.
maxrss() { ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0" python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"; }
fixture --seed 12 --blocks 2000
small=$(maxrss "$CHAINDRILL" verify "${vols[@]}")
fixture --seed 12 --blocks 20000
large=$(maxrss "$CHAINDRILL" verify "${vols[@]}")
if [ "$large" -le $((small * 3 / 2)) ]; then
	pass "streaming: peak RSS ${small} KiB at 2000 blocks, ${large} KiB at 20000"
else
	fail "streaming: peak RSS ${small} KiB at 2000 blocks, ${large} KiB at 20000" "memory grows with the chain"
fi
finish
