#!/usr/bin/env bash
# concord-verify: MiB of RawBlockData per CPU second that verifying a real Concord replica
# (categorized kvbc, fixtures/concord/ healthy4 replica 0: 200 blocks) gets through — the walk
# `chaindrill verify` runs: checksum-verifying reads of blocks and values, BlockData decoded,
# RawBlockData rebuilt, hashed and linked — against the bare hash calls that verification needs:
# SHA-256 of (id little-endian ‖ RawBlockData) over the same bytes, held in memory
# (bench/src/concord-loop.c). The database is opened once and walked ROUNDS times: the fixture is
# small, so the figure is the per-block work, not RocksDB's open.
set -euo pipefail
source "$SOURCE/bench/lib.sh"
rounds=400
[ "$BENCH_SMOKE" = 1 ] && rounds=2

tar -xzf "$SOURCE/fixtures/concord/concord-kvbc-sets.tar.gz" -C "$BENCH_WORK" ||
	bench_die "unpack fixtures/concord"
db=$BENCH_WORK/healthy4/replica-0/rocksdbdata
"$CHAINDRILL" verify "$db" >/dev/null || bench_die "verify: the replica is not ok"
read -r bytes cpu ref_cpu < <("$BENCH_BIN/bench-concord-loop" "$db" "$rounds" 2>/dev/null) ||
	bench_die "bench-concord-loop failed"
mib() { awk -v b="$1" -v s="$2" 'BEGIN { if (s == 0) s = 0.001; printf "%.1f", b / s / 1048576 }'; }
bench_result concord-verify "$(mib "$bytes" "$cpu") MiB/CPU-s" "$(mib "$bytes" "$ref_cpu") MiB/CPU-s" \
	"$(bench_div "$ref_cpu" "$cpu")" ">= 0.5" \
	"200 blocks x $rounds rounds, $((bytes / 1024)) KiB of RawBlockData; walk $cpu CPU-s, open excluded"
