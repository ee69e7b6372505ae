#!/usr/bin/env bash
# The on-disk chain format (docs/design.md §4, contract) checked from outside the C code, both ways:
# a chain written by tests/e2e/lib/writechain.py (Python, SHA-256 and the state root computed from
# the document alone, stored with RocksDB's own `ldb`) verifies as consistent with the digests and
# roots Python computed; and replicas written by fixturegen (the chain module's writer) are read
# back by Python through `ldb scan`, whose recomputed digests, roots and checkpoint descriptions
# match what `chaindrill verify --json` reports. Damage is seen the same way on both sides.
. "$SOURCE/tests/e2e/lib/testlib.sh"
: "${FIXTUREGEN:?run through ctest (FIXTUREGEN unset)}"
for tool in ldb python3 jq; do
	command -v "$tool" >/dev/null || { fail "$tool is installed (scripts/packages.txt [test])"; finish; }
done
py="$SOURCE/tests/e2e/lib/writechain.py"

# expect_jq FILTER NAME [jq args...]: the JSON in $SCRATCH/out satisfies FILTER
expect_jq() {
	local filter=$1 name=$2; shift 2
	if jq -e "$@" "$filter" "$SCRATCH/out" >/dev/null 2>"$SCRATCH/jq.err"; then pass "$name"; else
		fail "$name" "jq -e '$filter' is not true of:" "$(head -c 800 "$SCRATCH/out")" \
			"$(head -c 200 "$SCRATCH/jq.err")"
	fi
}

# --- Python writes, chaindrill reads -------------------------------------------------------------
for i in 0 1; do
	expect_exit 0 "writechain.py writes replica $i with ldb" -- \
		python3 "$py" write "$SCRATCH/py/replica-$i/rocksdbdata" --replica-id "$i"
	cp "$SCRATCH/out" "$SCRATCH/py$i.json"
done
if cmp -s "$SCRATCH/py0.json" "$SCRATCH/py1.json"; then pass "Python writes the same chain twice"; else
	fail "Python writes the same chain twice" "$(cat "$SCRATCH/py0.json" "$SCRATCH/py1.json")"; fi
want_last=$(jq -r .lastBlock "$SCRATCH/py0.json")
want_digest=$(jq -r .digest "$SCRATCH/py0.json")
want_root=$(jq -r .stateRoot "$SCRATCH/py0.json")
expect_exit 0 "chaindrill verify: a Python-written chain is consistent" -- \
	"$CHAINDRILL" verify --json "$SCRATCH/py/replica-0" "$SCRATCH/py/replica-1"
expect_jq '.verdict == "consistent" and .agreedBlock == ($last | tonumber) and .agreedDigest == $d' \
	"chaindrill's agreed block and digest are Python's" \
	--arg last "$want_last" --arg d "$want_digest"
expect_jq '[.replicas[] | .status == "ok" and .digest == $d and .stateRoot == $r] | all' \
	"chaindrill's digest and state root of each replica are Python's" \
	--arg d "$want_digest" --arg r "$want_root"
expect_jq '[.replicas[].replicaId] == [0, 1]' "replica.id as Python wrote it"

# A byte changed in a Python-written block: chaindrill finds it at that block.
expect_exit 0 "writechain.py writes a chain with block 4 damaged" -- \
	python3 "$py" write "$SCRATCH/bad/replica-0/rocksdbdata" --replica-id 0 --flip-block 4
expect_exit 1 "chaindrill verify: the damaged chain is not consistent" -- \
	"$CHAINDRILL" verify --json "$SCRATCH/bad/replica-0"
expect_jq '.replicas[0] | .status == "corrupt" and .errorBlock == 4 and .lastBlock == 3
	and (.error | contains("digest mismatch"))' "chaindrill: block 4, digest mismatch"
expect_exit 1 "Python's own check agrees" -- python3 "$py" check "$SCRATCH/bad/replica-0/rocksdbdata"
expect_grep "block 4: digest mismatch" "$SCRATCH/err" "Python: block 4, digest mismatch"

# --- fixturegen writes, Python reads -------------------------------------------------------------
mapfile -t vols < <("$FIXTUREGEN" "$SCRATCH/fx" --seed 5 --blocks 30 --ckpt-every 10)
if [ "${#vols[@]}" -eq 4 ]; then pass "fixturegen writes four replicas"; else
	fail "fixturegen writes four replicas" "got ${#vols[@]}"; fi
expect_exit 0 "chaindrill verify on the fixture" -- "$CHAINDRILL" verify --json --checkpoints "${vols[@]}"
cp "$SCRATCH/out" "$SCRATCH/chaindrill.json"
for i in 0 1 2 3; do
	db="${vols[$i]}/default/bc-demo/replica-$i/rocksdbdata"
	expect_exit 0 "Python re-derives replica $i (ldb scan)" -- \
		python3 "$py" check "$db" --replica-id "$i" --checkpoints
	expect_jq '.lastBlock == 30 and .digest == $c[0].replicas['"$i"'].digest
		and .stateRoot == $c[0].replicas['"$i"'].stateRoot' \
		"replica $i: Python's digest and root are chaindrill's" --slurpfile c "$SCRATCH/chaindrill.json"
	expect_jq '[.checkpoints[].id] == [10, 20, 30] and ([.checkpoints[].lastBlock] == [10, 20, 30])' \
		"replica $i: checkpoints 10, 20, 30 re-derived, ckpt.self and ckpt/<id> match them"
done
# Python's checkpoint 20 against chaindrill's reading of that checkpoint as a database of its own
cp "$SCRATCH/out" "$SCRATCH/py3.json"
expect_exit 0 "chaindrill verify on checkpoint 20 itself" -- \
	"$CHAINDRILL" verify --json "${vols[3]}/default/bc-demo/replica-3/rocksdbdata/checkpoints/20"
expect_jq '.agreedBlock == 20 and .agreedDigest == $p[0].checkpoints[1].digest
	and .replicas[0].stateRoot == $p[0].checkpoints[1].stateRoot and .replicas[0].replicaId == 3' \
	"checkpoint 20: Python's digest and root are chaindrill's" --slurpfile p "$SCRATCH/py3.json"

# Damage made by fixturegen is damage to Python too.
mapfile -t vols < <("$FIXTUREGEN" "$SCRATCH/fx-bad" --damage bitflip:0:7 --damage parent:1:9 \
	--damage root:2:12 --damage state:3)
expect_exit 1 "Python: a flipped byte" -- python3 "$py" check "${vols[0]}/default/bc-demo/replica-0/rocksdbdata"
expect_grep "block 7: digest mismatch" "$SCRATCH/err" "Python: block 7"
expect_exit 1 "Python: a broken parent link" -- python3 "$py" check "${vols[1]}/default/bc-demo/replica-1/rocksdbdata"
expect_grep "block 9: parent link broken" "$SCRATCH/err" "Python: block 9"
expect_exit 1 "Python: a wrong state root" -- python3 "$py" check "${vols[2]}/default/bc-demo/replica-2/rocksdbdata"
expect_grep "block 12: state root" "$SCRATCH/err" "Python: block 12"
expect_exit 1 "Python: tampered state" -- python3 "$py" check "${vols[3]}/default/bc-demo/replica-3/rocksdbdata"
expect_grep "state sums to" "$SCRATCH/err" "Python: the state column family"
finish
