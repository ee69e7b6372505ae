#!/bin/sh
# chaindrill plan: scenario uninstall-retain (1003-uninstall-retain.yaml) on platform kind, vendor hostpath-copy.
# The commands a person would run for this drill, in the order `chaindrill run` acts. Comment lines say what the driver does without a command. Nothing has run.
set -eu
WS="${WS:-.chaindrill/work/uninstall-retain}"   # the drill's workspace
RELEASE=uninstall-retain   # the Helm release: the scenario's name
CHART="${CHART:-deploy/helm/chaindrill}"
NS=default
VOLUMES="$WS/hostpath-provisioner"   # the claims' volumes: <namespace>/<claim>/
CLUSTER=chaindrill-uninstall-retain

# --- the cluster
# kind: the node's /tmp/hostpath-provisioner is a directory of the workspace (extraMounts)
mkdir -p "$VOLUMES"
sed -e "s#/tmp/chaindrill-kind#$(cd "$WS" && pwd)#" kind-config/single-node.yaml >"$WS/kind-config.yaml"
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
  --set global.blockchainId=bc-uninstall-retain --set global.storageClassName=standard \
  --set replicaCheckpointBackup.enabled=false \
  --set replicaCheckpointBackup.numberOfCheckpoints=2 \
  --set replicaCheckpointBackup.checkpointIntervalInSeconds=21600 \
  --set replicaCheckpointBackup.checkpointWindow=30000
kubectl wait --namespace "$NS" --for=condition=Ready pod --selector "app.kubernetes.io/instance=$RELEASE" --timeout=120s
kubectl get pods --namespace "$NS"

# --- step 1: write 800 blocks
# write: the driver orders 800 write requests (one block each: 4 keys of 256 bytes from a key space of 10000, consensus time +100 ms per request) on every running replica, reached through `kubectl port-forward pod/<pod>`

# --- step 2: uninstall
# helm uninstall deletes the claims; with reclaimPolicy Retain their volumes stay
helm uninstall "$RELEASE" --namespace "$NS" --wait
kubectl wait --namespace "$NS" --for=delete pod --selector "app.kubernetes.io/instance=$RELEASE" --timeout=120s
kubectl get pods --namespace "$NS"

# --- step 3: install
helm install "$RELEASE" "$CHART" --namespace "$NS" --create-namespace \
  --set global.replicaCount=1 --set global.clusterSize=4 \
  --set global.blockchainId=bc-uninstall-retain --set global.storageClassName=standard \
  --set replicaCheckpointBackup.enabled=false \
  --set replicaCheckpointBackup.numberOfCheckpoints=2 \
  --set replicaCheckpointBackup.checkpointIntervalInSeconds=21600 \
  --set replicaCheckpointBackup.checkpointWindow=30000
kubectl wait --namespace "$NS" --for=condition=Ready pod --selector "app.kubernetes.io/instance=$RELEASE" --timeout=120s
kubectl get pods --namespace "$NS"

# --- step 4: write 100 blocks
# write: the driver orders 100 write requests (one block each: 4 keys of 256 bytes from a key space of 10000, consensus time +100 ms per request) on every running replica, reached through `kubectl port-forward pod/<pod>`

# --- verdict
helm upgrade "$RELEASE" "$CHART" --namespace "$NS" --reuse-values --set global.replicaCount=0
kubectl wait --namespace "$NS" --for=delete pod --selector "app.kubernetes.io/instance=$RELEASE" --timeout=120s
kubectl get pods --namespace "$NS"
# chaindrill verifies every replica's rocksdbdata read-only (docs/design.md §5):
chaindrill verify "$VOLUMES"/default/concord-pvc-bc-uninstall-retain-replica-0/default/bc-uninstall-retain/replica-0/rocksdbdata "$VOLUMES"/default/concord-pvc-bc-uninstall-retain-replica-1/default/bc-uninstall-retain/replica-1/rocksdbdata "$VOLUMES"/default/concord-pvc-bc-uninstall-retain-replica-2/default/bc-uninstall-retain/replica-2/rocksdbdata "$VOLUMES"/default/concord-pvc-bc-uninstall-retain-replica-3/default/bc-uninstall-retain/replica-3/rocksdbdata
