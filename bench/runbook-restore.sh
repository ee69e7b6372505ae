#!/usr/bin/env bash
# bench/runbook-restore.sh WORKSPACE BACKUP CHECKPOINT REPLICAS — the `restore` figure's reference
# (bench/figures/60-restore.sh): the runbook's restore commands, as an operator would type them,
# for every replica of a kept hostpath-copy drill workspace (namespace default, blockchain
# bc-bench), then RocksDB's own consistency check. The replicas must be stopped already.
set -euo pipefail
ws=$1 backup=$2 id=$3 n=$4
for ((i = 0; i < n; i++)); do
	claim=concord-pvc-bc-bench-replica-$i
	vol=$ws/hostpath-provisioner/default/$claim
	bak=$ws/backups/$backup/$claim
	data=default/bc-bench/replica-$i/rocksdbdata
	# minikube: restore the directory that has the backup to its original location
	rm -rf "${vol:?}"/*
	cp -a "$bak"/. "$vol"/
	# the checkpoint into rocksdbdata (from the restored copy, as chaindrill takes it)
	rm -rf "${vol:?}/$data"/*
	cp -r -L -p "$bak/$data/checkpoints/$id"/* "$vol/$data"/
	rm -f "$vol/$data/LOCK"
	ldb --db="$vol/$data" checkconsistency
done
