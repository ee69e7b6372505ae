#!/bin/sh
# chaindrill plan: scenario exec-reference-plugin (6201-exec-reference-plugin.yaml) on platform local, vendor exec.
# The commands a person would run for this drill, in the order `chaindrill run` acts. Comment lines say what the driver does without a command. Nothing has run.
set -eu
WS="${WS:-.chaindrill/work/exec-reference-plugin}"   # the drill's workspace
RELEASE=exec-reference-plugin   # the Helm release: the scenario's name
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
#   --set global.blockchainId=bc-exec-reference-plugin --set global.storageClassName=standard \
#   --set replicaCheckpointBackup.enabled=true \
#   --set replicaCheckpointBackup.numberOfCheckpoints=3 \
#   --set replicaCheckpointBackup.checkpointIntervalInSeconds=0 \
#   --set replicaCheckpointBackup.checkpointWindow=150
# on local: chaindrill waits until every replica answers ready

# --- step 1: write 300 blocks
# write: the driver orders 300 write requests (one block each: 4 keys of 256 bytes from a key space of 10000, consensus time +100 ms per request) on every running replica

# --- step 2: backup nightly
# exec vendor: chaindrill runs ../plugins/hostpath-exec.sh with this request on its standard input (protocol chaindrill-vendor-exec/1, docs/vendor-exec.md); it answers each volume's snapshotId:
#   {"protocolVersion": "chaindrill-vendor-exec/1", "operation": "snapshot", "backup": "nightly", "workspace": "$WS", "stateDir": "$WS/vendor-exec/store", "cluster": {"namespace": "default", "blockchainId": "bc-exec-reference-plugin", "replicas": 4}, "volumes": [
#     {"index": 0, "claim": "concord-pvc-bc-exec-reference-plugin-replica-0", "hostPath": "$VOLUMES/default/concord-pvc-bc-exec-reference-plugin-replica-0"},
#     {"index": 1, "claim": "concord-pvc-bc-exec-reference-plugin-replica-1", "hostPath": "$VOLUMES/default/concord-pvc-bc-exec-reference-plugin-replica-1"},
#     {"index": 2, "claim": "concord-pvc-bc-exec-reference-plugin-replica-2", "hostPath": "$VOLUMES/default/concord-pvc-bc-exec-reference-plugin-replica-2"},
#     {"index": 3, "claim": "concord-pvc-bc-exec-reference-plugin-replica-3", "hostPath": "$VOLUMES/default/concord-pvc-bc-exec-reference-plugin-replica-3"}]}

# --- step 3: write 150 blocks
# write: the driver orders 150 write requests (one block each: 4 keys of 256 bytes from a key space of 10000, consensus time +100 ms per request) on every running replica

# --- step 4: restore nightly latest-common
# 1. scale-down: stop every replica and wait until no pod runs
# helm upgrade "$RELEASE" "$CHART" --namespace "$NS" --reuse-values --set global.replicaCount=0
# on local: chaindrill sends every replica SIGTERM
# on local: chaindrill waits until no replica process runs
# 2. restore-volumes from backup nightly
# exec vendor: chaindrill runs ../plugins/hostpath-exec.sh twice (docs/vendor-exec.md); first the backups it holds must include nightly:
#   {"protocolVersion": "chaindrill-vendor-exec/1", "operation": "list", "backup": null, "workspace": "$WS", "stateDir": "$WS/vendor-exec/store", "cluster": {"namespace": "default", "blockchainId": "bc-exec-reference-plugin", "replicas": 4}}
# then each volume's restored copy, which it answers as {"index", "mount", "bytes"}:
#   {"protocolVersion": "chaindrill-vendor-exec/1", "operation": "restore", "backup": "nightly", "workspace": "$WS", "stateDir": "$WS/vendor-exec/store", "cluster": {"namespace": "default", "blockchainId": "bc-exec-reference-plugin", "replicas": 4}, "volumes": [
#     {"index": 0, "claim": "concord-pvc-bc-exec-reference-plugin-replica-0", "hostPath": "$VOLUMES/default/concord-pvc-bc-exec-reference-plugin-replica-0", "snapshotId": <its snapshot's answer>},
#     {"index": 1, "claim": "concord-pvc-bc-exec-reference-plugin-replica-1", "hostPath": "$VOLUMES/default/concord-pvc-bc-exec-reference-plugin-replica-1", "snapshotId": <its snapshot's answer>},
#     {"index": 2, "claim": "concord-pvc-bc-exec-reference-plugin-replica-2", "hostPath": "$VOLUMES/default/concord-pvc-bc-exec-reference-plugin-replica-2", "snapshotId": <its snapshot's answer>},
#     {"index": 3, "claim": "concord-pvc-bc-exec-reference-plugin-replica-3", "hostPath": "$VOLUMES/default/concord-pvc-bc-exec-reference-plugin-replica-3", "snapshotId": <its snapshot's answer>}]}
# SOURCE_<i>: the mount it answers for replica i
# 3. choose-checkpoint
# latest-common: the highest checkpoint id present on every replica's restored copy
ID=$(for i in $(seq 0 3); do ls "$SOURCE_$i"/default/bc-exec-reference-plugin/replica-$i/rocksdbdata/checkpoints; done | grep -E '^[1-9][0-9]*$' | sort -n | uniq -c | awk '$1 == 4 {print $2}' | tail -n 1)
test -n "$ID" || { echo 'no checkpoint common to every replica' >&2; exit 1; }
# 4. copy-checkpoint
# per replica: empty rocksdbdata, copy checkpoints/$ID into it following links and keeping owner, mode and times, remove LOCK
rm -rf "$VOLUMES"/default/concord-pvc-bc-exec-reference-plugin-replica-0/default/bc-exec-reference-plugin/replica-0/rocksdbdata/*
cp -r -L -p "$SOURCE_0"/default/bc-exec-reference-plugin/replica-0/rocksdbdata/checkpoints/"$ID"/* "$VOLUMES"/default/concord-pvc-bc-exec-reference-plugin-replica-0/default/bc-exec-reference-plugin/replica-0/rocksdbdata
rm -f "$VOLUMES"/default/concord-pvc-bc-exec-reference-plugin-replica-0/default/bc-exec-reference-plugin/replica-0/rocksdbdata/LOCK
rm -rf "$VOLUMES"/default/concord-pvc-bc-exec-reference-plugin-replica-1/default/bc-exec-reference-plugin/replica-1/rocksdbdata/*
cp -r -L -p "$SOURCE_1"/default/bc-exec-reference-plugin/replica-1/rocksdbdata/checkpoints/"$ID"/* "$VOLUMES"/default/concord-pvc-bc-exec-reference-plugin-replica-1/default/bc-exec-reference-plugin/replica-1/rocksdbdata
rm -f "$VOLUMES"/default/concord-pvc-bc-exec-reference-plugin-replica-1/default/bc-exec-reference-plugin/replica-1/rocksdbdata/LOCK
rm -rf "$VOLUMES"/default/concord-pvc-bc-exec-reference-plugin-replica-2/default/bc-exec-reference-plugin/replica-2/rocksdbdata/*
cp -r -L -p "$SOURCE_2"/default/bc-exec-reference-plugin/replica-2/rocksdbdata/checkpoints/"$ID"/* "$VOLUMES"/default/concord-pvc-bc-exec-reference-plugin-replica-2/default/bc-exec-reference-plugin/replica-2/rocksdbdata
rm -f "$VOLUMES"/default/concord-pvc-bc-exec-reference-plugin-replica-2/default/bc-exec-reference-plugin/replica-2/rocksdbdata/LOCK
rm -rf "$VOLUMES"/default/concord-pvc-bc-exec-reference-plugin-replica-3/default/bc-exec-reference-plugin/replica-3/rocksdbdata/*
cp -r -L -p "$SOURCE_3"/default/bc-exec-reference-plugin/replica-3/rocksdbdata/checkpoints/"$ID"/* "$VOLUMES"/default/concord-pvc-bc-exec-reference-plugin-replica-3/default/bc-exec-reference-plugin/replica-3/rocksdbdata
rm -f "$VOLUMES"/default/concord-pvc-bc-exec-reference-plugin-replica-3/default/bc-exec-reference-plugin/replica-3/rocksdbdata/LOCK
# 5. scale-up: start every replica and wait until each is ready
# helm upgrade "$RELEASE" "$CHART" --namespace "$NS" --reuse-values --set global.replicaCount=1
# on local: chaindrill starts every replica process
# on local: chaindrill waits until every replica answers ready
# 6. check-state: chaindrill asks each replica for its last block and digest; each must be at the restored checkpoint with the block the driver wrote there

# --- step 5: validate 20 blocks
# functional validation: the driver orders 20 write requests (one block each: 4 keys of 256 bytes from a key space of 10000, consensus time +100 ms per request) on every running replica

# --- verdict
# helm upgrade "$RELEASE" "$CHART" --namespace "$NS" --reuse-values --set global.replicaCount=0
# on local: chaindrill sends every replica SIGTERM
# on local: chaindrill waits until no replica process runs
# chaindrill verifies every replica's rocksdbdata read-only (docs/design.md §5):
chaindrill verify "$VOLUMES"/default/concord-pvc-bc-exec-reference-plugin-replica-0/default/bc-exec-reference-plugin/replica-0/rocksdbdata "$VOLUMES"/default/concord-pvc-bc-exec-reference-plugin-replica-1/default/bc-exec-reference-plugin/replica-1/rocksdbdata "$VOLUMES"/default/concord-pvc-bc-exec-reference-plugin-replica-2/default/bc-exec-reference-plugin/replica-2/rocksdbdata "$VOLUMES"/default/concord-pvc-bc-exec-reference-plugin-replica-3/default/bc-exec-reference-plugin/replica-3/rocksdbdata
