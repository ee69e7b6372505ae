#!/bin/sh
# chaindrill plan: scenario wrong-az-hostpath (6104-wrong-az-hostpath.yaml) on platform kind, vendor hostpath-copy.
# The commands a person would run for this drill, in the order `chaindrill run` acts. Comment lines say what the driver does without a command. Nothing has run.
set -eu
WS="${WS:-.chaindrill/work/wrong-az-hostpath}"   # the drill's workspace
RELEASE=wrong-az-hostpath   # the Helm release: the scenario's name
CHART="${CHART:-deploy/helm/chaindrill}"
NS=default
VOLUMES="$WS/hostpath-provisioner"   # the claims' volumes: <namespace>/<claim>/
CLUSTER=chaindrill-wrong-az-hostpath

# --- the cluster
# kind: the node's /tmp/hostpath-provisioner is a directory of the workspace (extraMounts)
mkdir -p "$WS/zone-a" "$WS/zone-b" "$WS/zone-c"
sed -e "s#/tmp/chaindrill-kind#$(cd "$WS" && pwd)#" kind-config/three-zones.yaml >"$WS/kind-config.yaml"
kind create cluster --name "$CLUSTER" --config "$WS/kind-config.yaml" --wait 120s
kind load docker-image chaindrill/replica:dev --name "$CLUSTER"
# volumes named <namespace>/<claim> under /tmp/hostpath-provisioner, as minikube's provisioner names them, with the StorageClass's reclaimPolicy
kubectl --namespace local-path-storage patch configmap local-path-config --type merge --patch '{"data": {"config.json": "{\"nodePathMap\": [{\"node\": \"DEFAULT_PATH_FOR_NON_LISTED_NODES\", \"paths\": [\"/tmp/hostpath-provisioner\"]}]}"}}'
kubectl delete storageclass standard --ignore-not-found
kubectl apply -f - <<EOF
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: standard}
provisioner: rancher.io/local-path
parameters: {pathPattern: "{{ .PVC.Namespace }}/{{ .PVC.Name }}"}
reclaimPolicy: Retain
volumeBindingMode: WaitForFirstConsumer
EOF

# --- install (before the first step)
helm install "$RELEASE" "$CHART" --namespace "$NS" --create-namespace \
  --set global.replicaCount=1 --set global.clusterSize=4 \
  --set global.blockchainId=bc-wrong-az-hostpath --set global.storageClassName=standard \
  --set 'global.zones={us-east-1a,us-east-1b}' \
  --set replicaCheckpointBackup.enabled=false \
  --set replicaCheckpointBackup.numberOfCheckpoints=2 \
  --set replicaCheckpointBackup.checkpointIntervalInSeconds=21600 \
  --set replicaCheckpointBackup.checkpointWindow=30000
kubectl wait --namespace "$NS" --for=condition=Ready pod --selector "app.kubernetes.io/instance=$RELEASE" --timeout=120s
kubectl get pods --namespace "$NS"

# --- step 1: write 20 blocks
# write: the driver orders 20 write requests (one block each: 4 keys of 256 bytes from a key space of 10000, consensus time +100 ms per request) on every running replica, reached through `kubectl port-forward pod/<pod>`

# --- step 2: backup nightly
# hostpath-copy: a copy of every volume directory (while the replicas run), written under a partial name and renamed when whole
mkdir -p "$WS/backups/nightly.partial"
cp -a "$WS/zone-a"/default/concord-pvc-bc-wrong-az-hostpath-replica-0 "$WS/backups/nightly.partial/"
cp -a "$WS/zone-b"/default/concord-pvc-bc-wrong-az-hostpath-replica-1 "$WS/backups/nightly.partial/"
cp -a "$WS/zone-a"/default/concord-pvc-bc-wrong-az-hostpath-replica-2 "$WS/backups/nightly.partial/"
cp -a "$WS/zone-b"/default/concord-pvc-bc-wrong-az-hostpath-replica-3 "$WS/backups/nightly.partial/"
mv "$WS/backups/nightly.partial" "$WS/backups/nightly"

# --- step 3: fault wrong-az
# fault wrong-az replica=2: chaindrill injects it
#   the next restore creates the replica's volume in another availability zone
# FAULT(wrong-az): vendor hostpath-copy has no availability zones: the drill stops at this step with an input error

# --- the drill stops at step 3: the steps after it are not run

# --- verdict
helm upgrade "$RELEASE" "$CHART" --namespace "$NS" --reuse-values --set global.replicaCount=0
kubectl wait --namespace "$NS" --for=delete pod --selector "app.kubernetes.io/instance=$RELEASE" --timeout=120s
kubectl get pods --namespace "$NS"
# chaindrill verifies every replica's rocksdbdata read-only (docs/design.md §5):
chaindrill verify "$WS/zone-a"/default/concord-pvc-bc-wrong-az-hostpath-replica-0/default/bc-wrong-az-hostpath/replica-0/rocksdbdata "$WS/zone-b"/default/concord-pvc-bc-wrong-az-hostpath-replica-1/default/bc-wrong-az-hostpath/replica-1/rocksdbdata "$WS/zone-a"/default/concord-pvc-bc-wrong-az-hostpath-replica-2/default/bc-wrong-az-hostpath/replica-2/rocksdbdata "$WS/zone-b"/default/concord-pvc-bc-wrong-az-hostpath-replica-3/default/bc-wrong-az-hostpath/replica-3/rocksdbdata
