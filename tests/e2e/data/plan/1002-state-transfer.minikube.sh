#!/bin/sh
# chaindrill plan: scenario state-transfer (1002-state-transfer.yaml) on platform minikube, vendor hostpath-copy.
# The commands a person would run for this drill, in the order `chaindrill run` acts. Comment lines say what the driver does without a command. Nothing has run.
set -eu
WS="${WS:-.chaindrill/work/state-transfer}"   # the drill's workspace
RELEASE=state-transfer   # the Helm release: the scenario's name
CHART="${CHART:-deploy/helm/chaindrill}"
NS=default
VOLUMES="$WS/hostpath-provisioner"   # the claims' volumes: <namespace>/<claim>/
PROFILE=chaindrill-state-transfer

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
  --set global.blockchainId=bc-state-transfer --set global.storageClassName=standard \
  --set replicaCheckpointBackup.enabled=true \
  --set replicaCheckpointBackup.numberOfCheckpoints=5 \
  --set replicaCheckpointBackup.checkpointIntervalInSeconds=30 \
  --set replicaCheckpointBackup.checkpointWindow=900
kubectl wait --namespace "$NS" --for=condition=Ready pod --selector "app.kubernetes.io/instance=$RELEASE" --timeout=120s
kubectl get pods --namespace "$NS"

# --- step 1: write 1000 blocks
# write: the driver orders 1000 write requests (one block each: 4 keys of 256 bytes from a key space of 10000, consensus time +100 ms per request) on every running replica, reached through `kubectl port-forward pod/<pod>`

# --- step 2: stop replica 2
kubectl scale deployment --namespace "$NS" vmbc-deployment-replica-2-concord --replicas=0
kubectl wait --namespace "$NS" --for=delete pod --selector "app.kubernetes.io/instance=$RELEASE,chaindrill.io/replica=2" --timeout=120s

# --- step 3: write 2000 blocks
# write: the driver orders 2000 write requests (one block each: 4 keys of 256 bytes from a key space of 10000, consensus time +100 ms per request) on every running replica, reached through `kubectl port-forward pod/<pod>`

# --- step 4: start replica 2
kubectl scale deployment --namespace "$NS" vmbc-deployment-replica-2-concord --replicas=1
kubectl wait --namespace "$NS" --for=condition=Ready pod --selector "app.kubernetes.io/instance=$RELEASE,chaindrill.io/replica=2" --timeout=120s

# --- step 5: write 1000 blocks
# write: the driver orders 1000 write requests (one block each: 4 keys of 256 bytes from a key space of 10000, consensus time +100 ms per request) on every running replica, reached through `kubectl port-forward pod/<pod>`

# --- step 6: backup after-catch-up
# hostpath-copy: a copy of every volume directory (while the replicas run), written under a partial name and renamed when whole
mkdir -p "$WS/backups/after-catch-up.partial"
cp -a "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-0 "$WS/backups/after-catch-up.partial/"
cp -a "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-1 "$WS/backups/after-catch-up.partial/"
cp -a "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-2 "$WS/backups/after-catch-up.partial/"
cp -a "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-3 "$WS/backups/after-catch-up.partial/"
mv "$WS/backups/after-catch-up.partial" "$WS/backups/after-catch-up"

# --- step 7: restore after-catch-up latest-common
# 1. scale-down: stop every replica and wait until no pod runs
helm upgrade "$RELEASE" "$CHART" --namespace "$NS" --reuse-values --set global.replicaCount=0
kubectl wait --namespace "$NS" --for=delete pod --selector "app.kubernetes.io/instance=$RELEASE" --timeout=120s
kubectl get pods --namespace "$NS"
# 2. restore-volumes from backup after-catch-up
# hostpath-copy: every volume directory is replaced by its copy in the backup
# the volumes' files belong to the pods' user: the node hands them to you for the copy
minikube -p "$PROFILE" ssh -- sudo chown -R "$(id -u):$(id -g)" /tmp/hostpath-provisioner/default/concord-pvc-bc-state-transfer-replica-0
minikube -p "$PROFILE" ssh -- sudo chown -R "$(id -u):$(id -g)" /tmp/hostpath-provisioner/default/concord-pvc-bc-state-transfer-replica-1
minikube -p "$PROFILE" ssh -- sudo chown -R "$(id -u):$(id -g)" /tmp/hostpath-provisioner/default/concord-pvc-bc-state-transfer-replica-2
minikube -p "$PROFILE" ssh -- sudo chown -R "$(id -u):$(id -g)" /tmp/hostpath-provisioner/default/concord-pvc-bc-state-transfer-replica-3
rm -rf "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-0 && cp -a "$WS/backups/after-catch-up"/concord-pvc-bc-state-transfer-replica-0 "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-0
rm -rf "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-1 && cp -a "$WS/backups/after-catch-up"/concord-pvc-bc-state-transfer-replica-1 "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-1
rm -rf "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-2 && cp -a "$WS/backups/after-catch-up"/concord-pvc-bc-state-transfer-replica-2 "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-2
rm -rf "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-3 && cp -a "$WS/backups/after-catch-up"/concord-pvc-bc-state-transfer-replica-3 "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-3
# 3. choose-checkpoint
# latest-common: the highest checkpoint id present on every replica's restored copy
ID=$(for i in $(seq 0 3); do ls "$WS/backups/after-catch-up"/concord-pvc-bc-state-transfer-replica-$i/default/bc-state-transfer/replica-$i/rocksdbdata/checkpoints; done | grep -E '^[1-9][0-9]*$' | sort -n | uniq -c | awk '$1 == 4 {print $2}' | tail -n 1)
test -n "$ID" || { echo 'no checkpoint common to every replica' >&2; exit 1; }
# 4. copy-checkpoint
# per replica: empty rocksdbdata, copy checkpoints/$ID into it following links and keeping owner, mode and times, remove LOCK
rm -rf "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-0/default/bc-state-transfer/replica-0/rocksdbdata/*
cp -r -L -p "$WS/backups/after-catch-up"/concord-pvc-bc-state-transfer-replica-0/default/bc-state-transfer/replica-0/rocksdbdata/checkpoints/"$ID"/* "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-0/default/bc-state-transfer/replica-0/rocksdbdata
rm -f "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-0/default/bc-state-transfer/replica-0/rocksdbdata/LOCK
rm -rf "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-1/default/bc-state-transfer/replica-1/rocksdbdata/*
cp -r -L -p "$WS/backups/after-catch-up"/concord-pvc-bc-state-transfer-replica-1/default/bc-state-transfer/replica-1/rocksdbdata/checkpoints/"$ID"/* "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-1/default/bc-state-transfer/replica-1/rocksdbdata
rm -f "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-1/default/bc-state-transfer/replica-1/rocksdbdata/LOCK
rm -rf "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-2/default/bc-state-transfer/replica-2/rocksdbdata/*
cp -r -L -p "$WS/backups/after-catch-up"/concord-pvc-bc-state-transfer-replica-2/default/bc-state-transfer/replica-2/rocksdbdata/checkpoints/"$ID"/* "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-2/default/bc-state-transfer/replica-2/rocksdbdata
rm -f "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-2/default/bc-state-transfer/replica-2/rocksdbdata/LOCK
rm -rf "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-3/default/bc-state-transfer/replica-3/rocksdbdata/*
cp -r -L -p "$WS/backups/after-catch-up"/concord-pvc-bc-state-transfer-replica-3/default/bc-state-transfer/replica-3/rocksdbdata/checkpoints/"$ID"/* "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-3/default/bc-state-transfer/replica-3/rocksdbdata
rm -f "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-3/default/bc-state-transfer/replica-3/rocksdbdata/LOCK
# the volumes' files belong to the pods' user: the node hands them back before the pods start
minikube -p "$PROFILE" ssh -- sudo chown -R 10001:10001 /tmp/hostpath-provisioner/default/concord-pvc-bc-state-transfer-replica-0
minikube -p "$PROFILE" ssh -- sudo chown -R 10001:10001 /tmp/hostpath-provisioner/default/concord-pvc-bc-state-transfer-replica-1
minikube -p "$PROFILE" ssh -- sudo chown -R 10001:10001 /tmp/hostpath-provisioner/default/concord-pvc-bc-state-transfer-replica-2
minikube -p "$PROFILE" ssh -- sudo chown -R 10001:10001 /tmp/hostpath-provisioner/default/concord-pvc-bc-state-transfer-replica-3
# 5. scale-up: start every replica and wait until each is ready
helm upgrade "$RELEASE" "$CHART" --namespace "$NS" --reuse-values --set global.replicaCount=1
kubectl wait --namespace "$NS" --for=condition=Ready pod --selector "app.kubernetes.io/instance=$RELEASE" --timeout=120s
kubectl get pods --namespace "$NS"
# 6. check-state: chaindrill asks each replica for its last block and digest; each must be at the restored checkpoint with the block the driver wrote there

# --- step 8: validate 20 blocks
# functional validation: the driver orders 20 write requests (one block each: 4 keys of 256 bytes from a key space of 10000, consensus time +100 ms per request) on every running replica, reached through `kubectl port-forward pod/<pod>`
kubectl get pods --namespace "$NS"

# --- verdict
helm upgrade "$RELEASE" "$CHART" --namespace "$NS" --reuse-values --set global.replicaCount=0
kubectl wait --namespace "$NS" --for=delete pod --selector "app.kubernetes.io/instance=$RELEASE" --timeout=120s
kubectl get pods --namespace "$NS"
# chaindrill verifies every replica's rocksdbdata read-only (docs/design.md §5):
chaindrill verify "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-0/default/bc-state-transfer/replica-0/rocksdbdata "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-1/default/bc-state-transfer/replica-1/rocksdbdata "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-2/default/bc-state-transfer/replica-2/rocksdbdata "$VOLUMES"/default/concord-pvc-bc-state-transfer-replica-3/default/bc-state-transfer/replica-3/rocksdbdata
