#!/bin/sh
# chaindrill plan: scenario ebs-sim-wrong-az (6102-ebs-sim-wrong-az.yaml) on platform kind, vendor ebs-sim.
# The commands a person would run for this drill, in the order `chaindrill run` acts. Comment lines say what the driver does without a command. Nothing has run.
set -eu
WS="${WS:-.chaindrill/work/ebs-sim-wrong-az}"   # the drill's workspace
RELEASE=ebs-sim-wrong-az   # the Helm release: the scenario's name
CHART="${CHART:-deploy/helm/chaindrill}"
NS=default
VOLUMES="$WS/hostpath-provisioner"   # the claims' volumes: <namespace>/<claim>/
CLUSTER=chaindrill-ebs-sim-wrong-az

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
  --set global.blockchainId=bc-ebs-sim-wrong-az --set global.storageClassName=standard \
  --set 'global.zones={us-east-1a,us-east-1b,us-east-1c}' \
  --set replicaCheckpointBackup.enabled=true \
  --set replicaCheckpointBackup.numberOfCheckpoints=3 \
  --set replicaCheckpointBackup.checkpointIntervalInSeconds=15 \
  --set replicaCheckpointBackup.checkpointWindow=150
kubectl wait --namespace "$NS" --for=condition=Ready pod --selector "app.kubernetes.io/instance=$RELEASE" --timeout=120s
kubectl get pods --namespace "$NS"

# --- step 1: write 300 blocks
# write: the driver orders 300 write requests (one block each: 4 keys of 256 bytes from a key space of 10000, consensus time +100 ms per request) on every running replica, reached through `kubectl port-forward pod/<pod>`

# --- step 2: backup nightly
# ebs-sim: chaindrill simulates CreateSnapshot of every volume in $WS/ebs-sim (each call in $WS/ebs-sim/api-calls.jsonl); on EKS the commands are:
# EKS: VOL_0=$(kubectl get pv "$(kubectl get pvc --namespace "$NS" concord-pvc-bc-ebs-sim-wrong-az-replica-0 -o jsonpath='{.spec.volumeName}')" -o jsonpath='{.spec.csi.volumeHandle}')
# EKS: aws ec2 create-snapshot --volume-id "$VOL_0" --description "chaindrill nightly replica-0" --tag-specifications 'ResourceType=snapshot,Tags=[{Key=chaindrill/backup,Value=nightly}]'
# EKS: VOL_1=$(kubectl get pv "$(kubectl get pvc --namespace "$NS" concord-pvc-bc-ebs-sim-wrong-az-replica-1 -o jsonpath='{.spec.volumeName}')" -o jsonpath='{.spec.csi.volumeHandle}')
# EKS: aws ec2 create-snapshot --volume-id "$VOL_1" --description "chaindrill nightly replica-1" --tag-specifications 'ResourceType=snapshot,Tags=[{Key=chaindrill/backup,Value=nightly}]'
# EKS: VOL_2=$(kubectl get pv "$(kubectl get pvc --namespace "$NS" concord-pvc-bc-ebs-sim-wrong-az-replica-2 -o jsonpath='{.spec.volumeName}')" -o jsonpath='{.spec.csi.volumeHandle}')
# EKS: aws ec2 create-snapshot --volume-id "$VOL_2" --description "chaindrill nightly replica-2" --tag-specifications 'ResourceType=snapshot,Tags=[{Key=chaindrill/backup,Value=nightly}]'
# EKS: VOL_3=$(kubectl get pv "$(kubectl get pvc --namespace "$NS" concord-pvc-bc-ebs-sim-wrong-az-replica-3 -o jsonpath='{.spec.volumeName}')" -o jsonpath='{.spec.csi.volumeHandle}')
# EKS: aws ec2 create-snapshot --volume-id "$VOL_3" --description "chaindrill nightly replica-3" --tag-specifications 'ResourceType=snapshot,Tags=[{Key=chaindrill/backup,Value=nightly}]'

# --- step 3: write 150 blocks
# write: the driver orders 150 write requests (one block each: 4 keys of 256 bytes from a key space of 10000, consensus time +100 ms per request) on every running replica, reached through `kubectl port-forward pod/<pod>`

# --- step 4: fault wrong-az
# fault wrong-az replica=1: chaindrill injects it
#   the next restore creates the replica's volume in another availability zone
#   armed for the next restore: its commands below are done as the fault does them, each deviation marked FAULT(wrong-az)

# --- step 5: restore nightly latest-common
# 1. scale-down: stop every replica and wait until no pod runs
helm upgrade "$RELEASE" "$CHART" --namespace "$NS" --reuse-values --set global.replicaCount=0
kubectl wait --namespace "$NS" --for=delete pod --selector "app.kubernetes.io/instance=$RELEASE" --timeout=120s
kubectl get pods --namespace "$NS"
# 2. restore-volumes from backup nightly
# per replica: a volume from its snapshot in its instance's zone, attached beside the original and mounted at $WS/ebs-sim/mnt/<instance>/source/replica-<i>: chaindrill's ebs-sim does it; on EKS the commands are:
# EKS: VOL_0=$(kubectl get pv "$(kubectl get pvc --namespace "$NS" concord-pvc-bc-ebs-sim-wrong-az-replica-0 -o jsonpath='{.spec.volumeName}')" -o jsonpath='{.spec.csi.volumeHandle}')
# EKS: INSTANCE_0=$(aws ec2 describe-volumes --volume-ids "$VOL_0" --query 'Volumes[0].Attachments[0].InstanceId' --output text)
# EKS: SNAP_0=$(aws ec2 describe-snapshots --filters Name=volume-id,Values="$VOL_0" Name=tag:chaindrill/backup,Values=nightly --query 'Snapshots[0].SnapshotId' --output text)
# EKS: NEW_0=$(aws ec2 create-volume --snapshot-id "$SNAP_0" --availability-zone us-east-1a --query VolumeId --output text)
# EKS: aws ec2 wait volume-available --volume-ids "$NEW_0"
# EKS: aws ec2 attach-volume --volume-id "$NEW_0" --instance-id "$INSTANCE_0" --device /dev/xvdbb
# EKS: # on instance $INSTANCE_0, as root (sudo su -): the original volume's device is /dev/xvdba
# EKS: mkdir -p /mnt/destination/replica-0 /mnt/source/replica-0
# EKS: mount /dev/xvdba /mnt/destination/replica-0
# EKS: mount /dev/xvdbb /mnt/source/replica-0
# EKS: VOL_1=$(kubectl get pv "$(kubectl get pvc --namespace "$NS" concord-pvc-bc-ebs-sim-wrong-az-replica-1 -o jsonpath='{.spec.volumeName}')" -o jsonpath='{.spec.csi.volumeHandle}')
# EKS: INSTANCE_1=$(aws ec2 describe-volumes --volume-ids "$VOL_1" --query 'Volumes[0].Attachments[0].InstanceId' --output text)
# EKS: SNAP_1=$(aws ec2 describe-snapshots --filters Name=volume-id,Values="$VOL_1" Name=tag:chaindrill/backup,Values=nightly --query 'Snapshots[0].SnapshotId' --output text)
# FAULT(wrong-az): replica-1's volume is created in zone us-east-1c, not in its instance's zone us-east-1b
# EKS: NEW_1=$(aws ec2 create-volume --snapshot-id "$SNAP_1" --availability-zone us-east-1c --query VolumeId --output text)
# EKS: aws ec2 wait volume-available --volume-ids "$NEW_1"
# EKS: aws ec2 attach-volume --volume-id "$NEW_1" --instance-id "$INSTANCE_1" --device /dev/xvdbb
# FAULT(wrong-az): EC2 refuses to attach a volume of zone us-east-1c to an instance of zone us-east-1b (InvalidVolume.ZoneMismatch): the restore fails here

# --- the drill stops at step 5: the steps after it are not run

# --- verdict
helm upgrade "$RELEASE" "$CHART" --namespace "$NS" --reuse-values --set global.replicaCount=0
kubectl wait --namespace "$NS" --for=delete pod --selector "app.kubernetes.io/instance=$RELEASE" --timeout=120s
kubectl get pods --namespace "$NS"
# chaindrill verifies every replica's rocksdbdata read-only (docs/design.md §5):
chaindrill verify "$WS/zone-a"/default/concord-pvc-bc-ebs-sim-wrong-az-replica-0/default/bc-ebs-sim-wrong-az/replica-0/rocksdbdata "$WS/zone-b"/default/concord-pvc-bc-ebs-sim-wrong-az-replica-1/default/bc-ebs-sim-wrong-az/replica-1/rocksdbdata "$WS/zone-c"/default/concord-pvc-bc-ebs-sim-wrong-az-replica-2/default/bc-ebs-sim-wrong-az/replica-2/rocksdbdata "$WS/zone-a"/default/concord-pvc-bc-ebs-sim-wrong-az-replica-3/default/bc-ebs-sim-wrong-az/replica-3/rocksdbdata
