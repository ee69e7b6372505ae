#!/usr/bin/env bash
# copy: chaindrill's hostpath-copy backup of a volume set against `cp -a` of the same tree.
#
# The volume set is what a real drill leaves (bench/scenarios/volumes.yaml, kept with --keep):
# four replicas' RocksDB directories, about 1 GiB, with checkpoints hard-linked to the live SSTs.
# The subject is the vendor's backup call alone (bench-hostpath times it in-process); the
# reference is `cp -a` of hostpath-provisioner/<namespace>, which keeps the same bytes, modes,
# owners, times and hard links. Both copy onto the same filesystem from a warm page cache (the
# drill has just written the data; dropping caches needs root and a quiet machine): each is run
# three times, alternately, after a `sync` so no one inherits the other's writeback, and the
# fastest of each counts. After the runs the two copies are compared entry by entry (name, type,
# size, mode, owner, link count) so that the faster one cannot be faster by dropping something.
set -euo pipefail
source "$SOURCE/bench/lib.sh"

blocks=16000 window=4000 rounds=3
if [ "$BENCH_SMOKE" = 1 ]; then blocks=300 window=100 rounds=1; fi
scenario=$BENCH_WORK/volumes.yaml
bench_sized_scenario "$scenario" "$SOURCE/bench/scenarios/volumes.yaml" "$window" "$blocks"
"$CHAINDRILL" run "$scenario" --workspace "$BENCH_WORK/ws" --report-dir "$BENCH_WORK/report" \
	--keep -q >/dev/null || bench_die "copy: the drill that makes the volume set failed"
ws=$BENCH_WORK/ws/bench-volumes
volumes=$ws/hostpath-provisioner/default

best() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'; }

ours= ref= bytes=
for r in $(seq "$rounds"); do
	rm -rf "$ws/backups" "$BENCH_WORK/cp"
	sync
	read -r t bytes < <("$BENCH_BIN/bench-hostpath" backup "$ws" default bc-bench 4 "b$r") ||
		bench_die "copy: bench-hostpath backup failed"
	ours=$(best "$ours" "$t")
	sync
	bench_time t cp -a "$volumes" "$BENCH_WORK/cp"
	ref=$(best "$ref" "$t")
done

# The same entries on both sides: the backup holds one directory per claim, as cp -a made them.
listing() { (cd "$1" && find . -path ./backup.json -prune -o -printf '%P %y %s %m %U %n\n' | sort); }
diff <(listing "$ws/backups/b$rounds") <(listing "$BENCH_WORK/cp") >"$BENCH_WORK/diff" ||
	bench_die "copy: the backup and cp -a differ: $(head -5 "$BENCH_WORK/diff")"

mib=$(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1048576 }')
links=$(find "$volumes" -type f -links +1 | wc -l)
files=$(find "$volumes" -type f | wc -l)
bench_result copy "${ours} s" "${ref} s (cp -a)" "$(bench_div "$ref" "$ours")" ">= 1.0" \
	"$mib MiB, $files files, $links hard-linked; warm cache, best of $rounds"
