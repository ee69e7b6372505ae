#!/bin/sh
# chaindrill plan: scenario cross-replica-keeps-identity (4008-cross-replica-keeps-identity.yaml) on platform local, vendor hostpath-copy.
# The commands a person would run for this drill, in the order `chaindrill run` acts. Comment lines say what the driver does without a command. Nothing has run.
set -eu
WS="${WS:-.chaindrill/work/cross-replica-keeps-identity}"   # the drill's workspace
RELEASE=cross-replica-keeps-identity   # the Helm release: the scenario's name
CHART="${CHART:-deploy/helm/chaindrill}"
NS=default
VOLUMES="$WS/hostpath-provisioner"   # the claims' volumes: <namespace>/<claim>/

# --- the cluster
# local: no cluster; the replicas are processes of chaindrill and the volumes directories under $VOLUMES
mkdir -p "$VOLUMES"

# --- install (before the first step)
# on local, chaindrill stands in for the chart: it creates the volume directories and starts 4 `chaindrill replica` processes; as a person would on a cluster:
# helm install "$RELEASE" "$CHART" --namespace "$NS" --create-namespace \
#   --set global.replicaCount=1 --set global.clusterSize=4 \
#   --set global.blockchainId=bc-cross-replica-keeps-identity --set global.storageClassName=standard \
#   --set replicaCheckpointBackup.enabled=true \
#   --set replicaCheckpointBackup.numberOfCheckpoints=4 \
#   --set replicaCheckpointBackup.checkpointIntervalInSeconds=0 \
#   --set replicaCheckpointBackup.checkpointWindow=150
# on local: chaindrill waits until every replica answers ready

# --- step 1: write 900 blocks
# write: the driver orders 900 write requests (one block each: 4 keys of 128 bytes from a key space of 2000, consensus time +100 ms per request) on every running replica

# --- step 2: backup nightly
# hostpath-copy: a copy of every volume directory (while the replicas run), written under a partial name and renamed when whole
mkdir -p "$WS/backups/nightly.partial"
cp -a "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-0 "$WS/backups/nightly.partial/"
cp -a "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-1 "$WS/backups/nightly.partial/"
cp -a "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-2 "$WS/backups/nightly.partial/"
cp -a "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-3 "$WS/backups/nightly.partial/"
mv "$WS/backups/nightly.partial" "$WS/backups/nightly"

# --- step 3: write 200 blocks
# write: the driver orders 200 write requests (one block each: 4 keys of 128 bytes from a key space of 2000, consensus time +100 ms per request) on every running replica

# --- step 4: fault cross-replica-restore
# fault cross-replica-restore replica=2 from=0: chaindrill injects it
#   take a replica's checkpoint from another replica's volume
#   armed for the next restore: its commands below are done as the fault does them, each deviation marked FAULT(cross-replica-restore)

# --- step 5: restore nightly latest-common
# 1. scale-down: stop every replica and wait until no pod runs
# helm upgrade "$RELEASE" "$CHART" --namespace "$NS" --reuse-values --set global.replicaCount=0
# on local: chaindrill sends every replica SIGTERM
# on local: chaindrill waits until no replica process runs
# 2. restore-volumes from backup nightly
# hostpath-copy: every volume directory is replaced by its copy in the backup
rm -rf "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-0 && cp -a "$WS/backups/nightly"/concord-pvc-bc-cross-replica-keeps-identity-replica-0 "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-0
rm -rf "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-1 && cp -a "$WS/backups/nightly"/concord-pvc-bc-cross-replica-keeps-identity-replica-1 "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-1
rm -rf "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-2 && cp -a "$WS/backups/nightly"/concord-pvc-bc-cross-replica-keeps-identity-replica-2 "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-2
rm -rf "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-3 && cp -a "$WS/backups/nightly"/concord-pvc-bc-cross-replica-keeps-identity-replica-3 "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-3
# 3. choose-checkpoint
# latest-common: the highest checkpoint id present on every replica's restored copy
ID=$(for i in $(seq 0 3); do ls "$WS/backups/nightly"/concord-pvc-bc-cross-replica-keeps-identity-replica-$i/default/bc-cross-replica-keeps-identity/replica-$i/rocksdbdata/checkpoints; done | grep -E '^[1-9][0-9]*$' | sort -n | uniq -c | awk '$1 == 4 {print $2}' | tail -n 1)
test -n "$ID" || { echo 'no checkpoint common to every replica' >&2; exit 1; }
# 4. copy-checkpoint
# per replica: empty rocksdbdata, copy checkpoints/$ID into it following links and keeping owner, mode and times, remove LOCK
rm -rf "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-0/default/bc-cross-replica-keeps-identity/replica-0/rocksdbdata/*
cp -r -L -p "$WS/backups/nightly"/concord-pvc-bc-cross-replica-keeps-identity-replica-0/default/bc-cross-replica-keeps-identity/replica-0/rocksdbdata/checkpoints/"$ID"/* "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-0/default/bc-cross-replica-keeps-identity/replica-0/rocksdbdata
rm -f "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-0/default/bc-cross-replica-keeps-identity/replica-0/rocksdbdata/LOCK
rm -rf "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-1/default/bc-cross-replica-keeps-identity/replica-1/rocksdbdata/*
cp -r -L -p "$WS/backups/nightly"/concord-pvc-bc-cross-replica-keeps-identity-replica-1/default/bc-cross-replica-keeps-identity/replica-1/rocksdbdata/checkpoints/"$ID"/* "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-1/default/bc-cross-replica-keeps-identity/replica-1/rocksdbdata
rm -f "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-1/default/bc-cross-replica-keeps-identity/replica-1/rocksdbdata/LOCK
# FAULT(cross-replica-restore): replica-2's checkpoint is taken from replica-0's restored copy
rm -rf "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-2/default/bc-cross-replica-keeps-identity/replica-2/rocksdbdata/*
cp -r -L -p "$WS/backups/nightly"/concord-pvc-bc-cross-replica-keeps-identity-replica-0/default/bc-cross-replica-keeps-identity/replica-0/rocksdbdata/checkpoints/"$ID"/* "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-2/default/bc-cross-replica-keeps-identity/replica-2/rocksdbdata
rm -f "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-2/default/bc-cross-replica-keeps-identity/replica-2/rocksdbdata/LOCK
rm -rf "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-3/default/bc-cross-replica-keeps-identity/replica-3/rocksdbdata/*
cp -r -L -p "$WS/backups/nightly"/concord-pvc-bc-cross-replica-keeps-identity-replica-3/default/bc-cross-replica-keeps-identity/replica-3/rocksdbdata/checkpoints/"$ID"/* "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-3/default/bc-cross-replica-keeps-identity/replica-3/rocksdbdata
rm -f "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-3/default/bc-cross-replica-keeps-identity/replica-3/rocksdbdata/LOCK
# 5. scale-up: start every replica and wait until each is ready
# helm upgrade "$RELEASE" "$CHART" --namespace "$NS" --reuse-values --set global.replicaCount=1
# on local: chaindrill starts every replica process
# on local: chaindrill waits until every replica answers ready
# 6. check-state: chaindrill asks each replica for its last block and digest; each must be at the restored checkpoint with the block the driver wrote there

# --- step 6: validate 50 blocks
# functional validation: the driver orders 50 write requests (one block each: 4 keys of 128 bytes from a key space of 2000, consensus time +100 ms per request) on every running replica

# --- verdict
# helm upgrade "$RELEASE" "$CHART" --namespace "$NS" --reuse-values --set global.replicaCount=0
# on local: chaindrill sends every replica SIGTERM
# on local: chaindrill waits until no replica process runs
# chaindrill verifies every replica's rocksdbdata read-only (docs/design.md §5):
chaindrill verify "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-0/default/bc-cross-replica-keeps-identity/replica-0/rocksdbdata "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-1/default/bc-cross-replica-keeps-identity/replica-1/rocksdbdata "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-2/default/bc-cross-replica-keeps-identity/replica-2/rocksdbdata "$VOLUMES"/default/concord-pvc-bc-cross-replica-keeps-identity-replica-3/default/bc-cross-replica-keeps-identity/replica-3/rocksdbdata
