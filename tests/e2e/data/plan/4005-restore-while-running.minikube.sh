#!/bin/sh
# chaindrill plan: scenario restore-while-running (4005-restore-while-running.yaml) on platform minikube, vendor hostpath-copy.
# The commands a person would run for this drill, in the order `chaindrill run` acts. Comment lines say what the driver does without a command. Nothing has run.
set -eu
WS="${WS:-.chaindrill/work/restore-while-running}"   # the drill's workspace
RELEASE=restore-while-running   # the Helm release: the scenario's name
CHART="${CHART:-deploy/helm/chaindrill}"
NS=default
VOLUMES="$WS/hostpath-provisioner"   # the claims' volumes: <namespace>/<claim>/
PROFILE=chaindrill-restore-while-running

# --- the cluster
# minikube (docker driver): the node's /tmp/hostpath-provisioner is a directory of the workspace (--mount-string)
mkdir -p "$VOLUMES"
minikube start -p "$PROFILE" --driver=docker --mount --mount-string "$(cd "$VOLUMES" && pwd):/tmp/hostpath-provisioner"
minikube -p "$PROFILE" image load chaindrill/replica:dev
kubectl delete storageclass standard --ignore-not-found
kubectl apply -f - <<EOF
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: standard}
provisioner: k8s.io/minikube-hostpath
reclaimPolicy: Retain
volumeBindingMode: Immediate
EOF

# --- install (before the first step)
helm install "$RELEASE" "$CHART" --namespace "$NS" --create-namespace \
  --set global.replicaCount=1 --set global.clusterSize=4 \
  --set global.blockchainId=bc-restore-while-running --set global.storageClassName=standard \
  --set replicaCheckpointBackup.enabled=true \
  --set replicaCheckpointBackup.numberOfCheckpoints=4 \
  --set replicaCheckpointBackup.checkpointIntervalInSeconds=0 \
  --set replicaCheckpointBackup.checkpointWindow=150
kubectl wait --namespace "$NS" --for=condition=Ready pod --selector "app.kubernetes.io/instance=$RELEASE" --timeout=120s
kubectl get pods --namespace "$NS"

# --- step 1: write 900 blocks
# write: the driver orders 900 write requests (one block each: 4 keys of 128 bytes from a key space of 2000, consensus time +100 ms per request) on every running replica, reached through `kubectl port-forward pod/<pod>`

# --- step 2: backup nightly
# hostpath-copy: a copy of every volume directory (while the replicas run), written under a partial name and renamed when whole
mkdir -p "$WS/backups/nightly.partial"
cp -a "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-0 "$WS/backups/nightly.partial/"
cp -a "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-1 "$WS/backups/nightly.partial/"
cp -a "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-2 "$WS/backups/nightly.partial/"
cp -a "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-3 "$WS/backups/nightly.partial/"
mv "$WS/backups/nightly.partial" "$WS/backups/nightly"

# --- step 3: write 200 blocks
# write: the driver orders 200 write requests (one block each: 4 keys of 128 bytes from a key space of 2000, consensus time +100 ms per request) on every running replica, reached through `kubectl port-forward pod/<pod>`

# --- step 4: fault restore-while-running
# fault restore-while-running writes=20: chaindrill injects it
#   restore without stopping the replicas; the clients keep writing during the copy
#   armed for the next restore: its commands below are done as the fault does them, each deviation marked FAULT(restore-while-running)

# --- step 5: restore nightly latest-common
# 1. scale-down: stop every replica and wait until no pod runs
# FAULT(restore-while-running): not done: the replicas keep running and the clients keep writing
# 2. restore-volumes from backup nightly
# hostpath-copy: every volume directory is replaced by its copy in the backup
# the volumes' files belong to the pods' user: the node hands them to you for the copy
minikube -p "$PROFILE" ssh -- sudo chown -R "$(id -u):$(id -g)" /tmp/hostpath-provisioner/default/concord-pvc-bc-restore-while-running-replica-0
minikube -p "$PROFILE" ssh -- sudo chown -R "$(id -u):$(id -g)" /tmp/hostpath-provisioner/default/concord-pvc-bc-restore-while-running-replica-1
minikube -p "$PROFILE" ssh -- sudo chown -R "$(id -u):$(id -g)" /tmp/hostpath-provisioner/default/concord-pvc-bc-restore-while-running-replica-2
minikube -p "$PROFILE" ssh -- sudo chown -R "$(id -u):$(id -g)" /tmp/hostpath-provisioner/default/concord-pvc-bc-restore-while-running-replica-3
rm -rf "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-0 && cp -a "$WS/backups/nightly"/concord-pvc-bc-restore-while-running-replica-0 "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-0
rm -rf "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-1 && cp -a "$WS/backups/nightly"/concord-pvc-bc-restore-while-running-replica-1 "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-1
rm -rf "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-2 && cp -a "$WS/backups/nightly"/concord-pvc-bc-restore-while-running-replica-2 "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-2
rm -rf "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-3 && cp -a "$WS/backups/nightly"/concord-pvc-bc-restore-while-running-replica-3 "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-3
# 3. choose-checkpoint
# latest-common: the highest checkpoint id present on every replica's restored copy
ID=$(for i in $(seq 0 3); do ls "$WS/backups/nightly"/concord-pvc-bc-restore-while-running-replica-$i/default/bc-restore-while-running/replica-$i/rocksdbdata/checkpoints; done | grep -E '^[1-9][0-9]*$' | sort -n | uniq -c | awk '$1 == 4 {print $2}' | tail -n 1)
test -n "$ID" || { echo 'no checkpoint common to every replica' >&2; exit 1; }
# 4. copy-checkpoint
# per replica: empty rocksdbdata, copy checkpoints/$ID into it following links and keeping owner, mode and times, remove LOCK
rm -rf "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-0/default/bc-restore-while-running/replica-0/rocksdbdata/*
cp -r -L -p "$WS/backups/nightly"/concord-pvc-bc-restore-while-running-replica-0/default/bc-restore-while-running/replica-0/rocksdbdata/checkpoints/"$ID"/* "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-0/default/bc-restore-while-running/replica-0/rocksdbdata
rm -f "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-0/default/bc-restore-while-running/replica-0/rocksdbdata/LOCK
# FAULT(restore-while-running): the clients order 20 more blocks on the running replicas
rm -rf "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-1/default/bc-restore-while-running/replica-1/rocksdbdata/*
cp -r -L -p "$WS/backups/nightly"/concord-pvc-bc-restore-while-running-replica-1/default/bc-restore-while-running/replica-1/rocksdbdata/checkpoints/"$ID"/* "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-1/default/bc-restore-while-running/replica-1/rocksdbdata
rm -f "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-1/default/bc-restore-while-running/replica-1/rocksdbdata/LOCK
# FAULT(restore-while-running): the clients order 20 more blocks on the running replicas
rm -rf "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-2/default/bc-restore-while-running/replica-2/rocksdbdata/*
cp -r -L -p "$WS/backups/nightly"/concord-pvc-bc-restore-while-running-replica-2/default/bc-restore-while-running/replica-2/rocksdbdata/checkpoints/"$ID"/* "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-2/default/bc-restore-while-running/replica-2/rocksdbdata
rm -f "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-2/default/bc-restore-while-running/replica-2/rocksdbdata/LOCK
# FAULT(restore-while-running): the clients order 20 more blocks on the running replicas
rm -rf "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-3/default/bc-restore-while-running/replica-3/rocksdbdata/*
cp -r -L -p "$WS/backups/nightly"/concord-pvc-bc-restore-while-running-replica-3/default/bc-restore-while-running/replica-3/rocksdbdata/checkpoints/"$ID"/* "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-3/default/bc-restore-while-running/replica-3/rocksdbdata
rm -f "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-3/default/bc-restore-while-running/replica-3/rocksdbdata/LOCK
# FAULT(restore-while-running): the clients order 20 more blocks on the running replicas
# the volumes' files belong to the pods' user: the node hands them back before the pods start
minikube -p "$PROFILE" ssh -- sudo chown -R 10001:10001 /tmp/hostpath-provisioner/default/concord-pvc-bc-restore-while-running-replica-0
minikube -p "$PROFILE" ssh -- sudo chown -R 10001:10001 /tmp/hostpath-provisioner/default/concord-pvc-bc-restore-while-running-replica-1
minikube -p "$PROFILE" ssh -- sudo chown -R 10001:10001 /tmp/hostpath-provisioner/default/concord-pvc-bc-restore-while-running-replica-2
minikube -p "$PROFILE" ssh -- sudo chown -R 10001:10001 /tmp/hostpath-provisioner/default/concord-pvc-bc-restore-while-running-replica-3
# 5. scale-up: start every replica and wait until each is ready
helm upgrade "$RELEASE" "$CHART" --namespace "$NS" --reuse-values --set global.replicaCount=1
kubectl wait --namespace "$NS" --for=condition=Ready pod --selector "app.kubernetes.io/instance=$RELEASE" --timeout=120s
kubectl get pods --namespace "$NS"
# 6. check-state: chaindrill asks each replica for its last block and digest; each must be at the restored checkpoint with the block the driver wrote there

# --- step 6: validate 50 blocks
# functional validation: the driver orders 50 write requests (one block each: 4 keys of 128 bytes from a key space of 2000, consensus time +100 ms per request) on every running replica, reached through `kubectl port-forward pod/<pod>`
kubectl get pods --namespace "$NS"

# --- verdict
helm upgrade "$RELEASE" "$CHART" --namespace "$NS" --reuse-values --set global.replicaCount=0
kubectl wait --namespace "$NS" --for=delete pod --selector "app.kubernetes.io/instance=$RELEASE" --timeout=120s
kubectl get pods --namespace "$NS"
# chaindrill verifies every replica's rocksdbdata read-only (docs/design.md §5):
chaindrill verify "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-0/default/bc-restore-while-running/replica-0/rocksdbdata "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-1/default/bc-restore-while-running/replica-1/rocksdbdata "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-2/default/bc-restore-while-running/replica-2/rocksdbdata "$VOLUMES"/default/concord-pvc-bc-restore-while-running-replica-3/default/bc-restore-while-running/replica-3/rocksdbdata
