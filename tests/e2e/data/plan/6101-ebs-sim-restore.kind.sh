#!/bin/sh
# chaindrill plan: scenario ebs-sim-restore (6101-ebs-sim-restore.yaml) on platform kind, vendor ebs-sim.
# The commands a person would run for this drill, in the order `chaindrill run` acts. Comment lines say what the driver does without a command. Nothing has run.
set -eu
WS="${WS:-.chaindrill/work/ebs-sim-restore}"   # the drill's workspace
RELEASE=ebs-sim-restore   # the Helm release: the scenario's name
CHART="${CHART:-deploy/helm/chaindrill}"
NS=default
VOLUMES="$WS/hostpath-provisioner"   # the claims' volumes: <namespace>/<claim>/
CLUSTER=chaindrill-ebs-sim-restore

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
  --set global.blockchainId=bc-ebs-sim-restore --set global.storageClassName=standard \
  --set 'global.zones={us-east-1a,us-east-1b,us-east-1c}' \
  --set replicaCheckpointBackup.enabled=true \
  --set replicaCheckpointBackup.numberOfCheckpoints=3 \
  --set replicaCheckpointBackup.checkpointIntervalInSeconds=15 \
  --set replicaCheckpointBackup.checkpointWindow=150
kubectl wait --namespace "$NS" --for=condition=Ready pod --selector "app.kubernetes.io/instance=$RELEASE" --timeout=120s
kubectl get pods --namespace "$NS"

# --- step 1: write 450 blocks
# write: the driver orders 450 write requests (one block each: 4 keys of 256 bytes from a key space of 10000, consensus time +100 ms per request) on every running replica, reached through `kubectl port-forward pod/<pod>`

# --- step 2: backup nightly
# ebs-sim: chaindrill simulates CreateSnapshot of every volume in $WS/ebs-sim (each call in $WS/ebs-sim/api-calls.jsonl); on EKS the commands are:
# EKS: VOL_0=$(kubectl get pv "$(kubectl get pvc --namespace "$NS" concord-pvc-bc-ebs-sim-restore-replica-0 -o jsonpath='{.spec.volumeName}')" -o jsonpath='{.spec.csi.volumeHandle}')
# EKS: aws ec2 create-snapshot --volume-id "$VOL_0" --description "chaindrill nightly replica-0" --tag-specifications 'ResourceType=snapshot,Tags=[{Key=chaindrill/backup,Value=nightly}]'
# EKS: VOL_1=$(kubectl get pv "$(kubectl get pvc --namespace "$NS" concord-pvc-bc-ebs-sim-restore-replica-1 -o jsonpath='{.spec.volumeName}')" -o jsonpath='{.spec.csi.volumeHandle}')
# EKS: aws ec2 create-snapshot --volume-id "$VOL_1" --description "chaindrill nightly replica-1" --tag-specifications 'ResourceType=snapshot,Tags=[{Key=chaindrill/backup,Value=nightly}]'
# EKS: VOL_2=$(kubectl get pv "$(kubectl get pvc --namespace "$NS" concord-pvc-bc-ebs-sim-restore-replica-2 -o jsonpath='{.spec.volumeName}')" -o jsonpath='{.spec.csi.volumeHandle}')
# EKS: aws ec2 create-snapshot --volume-id "$VOL_2" --description "chaindrill nightly replica-2" --tag-specifications 'ResourceType=snapshot,Tags=[{Key=chaindrill/backup,Value=nightly}]'
# EKS: VOL_3=$(kubectl get pv "$(kubectl get pvc --namespace "$NS" concord-pvc-bc-ebs-sim-restore-replica-3 -o jsonpath='{.spec.volumeName}')" -o jsonpath='{.spec.csi.volumeHandle}')
# EKS: aws ec2 create-snapshot --volume-id "$VOL_3" --description "chaindrill nightly replica-3" --tag-specifications 'ResourceType=snapshot,Tags=[{Key=chaindrill/backup,Value=nightly}]'

# --- step 3: write 150 blocks
# write: the driver orders 150 write requests (one block each: 4 keys of 256 bytes from a key space of 10000, consensus time +100 ms per request) on every running replica, reached through `kubectl port-forward pod/<pod>`

# --- step 4: restore nightly latest-common
# 1. scale-down: stop every replica and wait until no pod runs
helm upgrade "$RELEASE" "$CHART" --namespace "$NS" --reuse-values --set global.replicaCount=0
kubectl wait --namespace "$NS" --for=delete pod --selector "app.kubernetes.io/instance=$RELEASE" --timeout=120s
kubectl get pods --namespace "$NS"
# 2. restore-volumes from backup nightly
# per replica: a volume from its snapshot in its instance's zone, attached beside the original and mounted at $WS/ebs-sim/mnt/<instance>/source/replica-<i>: chaindrill's ebs-sim does it; on EKS the commands are:
# EKS: VOL_0=$(kubectl get pv "$(kubectl get pvc --namespace "$NS" concord-pvc-bc-ebs-sim-restore-replica-0 -o jsonpath='{.spec.volumeName}')" -o jsonpath='{.spec.csi.volumeHandle}')
# EKS: INSTANCE_0=$(aws ec2 describe-volumes --volume-ids "$VOL_0" --query 'Volumes[0].Attachments[0].InstanceId' --output text)
# EKS: SNAP_0=$(aws ec2 describe-snapshots --filters Name=volume-id,Values="$VOL_0" Name=tag:chaindrill/backup,Values=nightly --query 'Snapshots[0].SnapshotId' --output text)
# EKS: NEW_0=$(aws ec2 create-volume --snapshot-id "$SNAP_0" --availability-zone us-east-1a --query VolumeId --output text)
# EKS: aws ec2 wait volume-available --volume-ids "$NEW_0"
# EKS: aws ec2 attach-volume --volume-id "$NEW_0" --instance-id "$INSTANCE_0" --device /dev/xvdbb
# EKS: # on instance $INSTANCE_0, as root (sudo su -): the original volume's device is /dev/xvdba
# EKS: mkdir -p /mnt/destination/replica-0 /mnt/source/replica-0
# EKS: mount /dev/xvdba /mnt/destination/replica-0
# EKS: mount /dev/xvdbb /mnt/source/replica-0
# EKS: VOL_1=$(kubectl get pv "$(kubectl get pvc --namespace "$NS" concord-pvc-bc-ebs-sim-restore-replica-1 -o jsonpath='{.spec.volumeName}')" -o jsonpath='{.spec.csi.volumeHandle}')
# EKS: INSTANCE_1=$(aws ec2 describe-volumes --volume-ids "$VOL_1" --query 'Volumes[0].Attachments[0].InstanceId' --output text)
# EKS: SNAP_1=$(aws ec2 describe-snapshots --filters Name=volume-id,Values="$VOL_1" Name=tag:chaindrill/backup,Values=nightly --query 'Snapshots[0].SnapshotId' --output text)
# EKS: NEW_1=$(aws ec2 create-volume --snapshot-id "$SNAP_1" --availability-zone us-east-1b --query VolumeId --output text)
# EKS: aws ec2 wait volume-available --volume-ids "$NEW_1"
# EKS: aws ec2 attach-volume --volume-id "$NEW_1" --instance-id "$INSTANCE_1" --device /dev/xvdbb
# EKS: # on instance $INSTANCE_1, as root (sudo su -): the original volume's device is /dev/xvdba
# EKS: mkdir -p /mnt/destination/replica-1 /mnt/source/replica-1
# EKS: mount /dev/xvdba /mnt/destination/replica-1
# EKS: mount /dev/xvdbb /mnt/source/replica-1
# EKS: VOL_2=$(kubectl get pv "$(kubectl get pvc --namespace "$NS" concord-pvc-bc-ebs-sim-restore-replica-2 -o jsonpath='{.spec.volumeName}')" -o jsonpath='{.spec.csi.volumeHandle}')
# EKS: INSTANCE_2=$(aws ec2 describe-volumes --volume-ids "$VOL_2" --query 'Volumes[0].Attachments[0].InstanceId' --output text)
# EKS: SNAP_2=$(aws ec2 describe-snapshots --filters Name=volume-id,Values="$VOL_2" Name=tag:chaindrill/backup,Values=nightly --query 'Snapshots[0].SnapshotId' --output text)
# EKS: NEW_2=$(aws ec2 create-volume --snapshot-id "$SNAP_2" --availability-zone us-east-1c --query VolumeId --output text)
# EKS: aws ec2 wait volume-available --volume-ids "$NEW_2"
# EKS: aws ec2 attach-volume --volume-id "$NEW_2" --instance-id "$INSTANCE_2" --device /dev/xvdbb
# EKS: # on instance $INSTANCE_2, as root (sudo su -): the original volume's device is /dev/xvdba
# EKS: mkdir -p /mnt/destination/replica-2 /mnt/source/replica-2
# EKS: mount /dev/xvdba /mnt/destination/replica-2
# EKS: mount /dev/xvdbb /mnt/source/replica-2
# EKS: VOL_3=$(kubectl get pv "$(kubectl get pvc --namespace "$NS" concord-pvc-bc-ebs-sim-restore-replica-3 -o jsonpath='{.spec.volumeName}')" -o jsonpath='{.spec.csi.volumeHandle}')
# EKS: INSTANCE_3=$(aws ec2 describe-volumes --volume-ids "$VOL_3" --query 'Volumes[0].Attachments[0].InstanceId' --output text)
# EKS: SNAP_3=$(aws ec2 describe-snapshots --filters Name=volume-id,Values="$VOL_3" Name=tag:chaindrill/backup,Values=nightly --query 'Snapshots[0].SnapshotId' --output text)
# EKS: NEW_3=$(aws ec2 create-volume --snapshot-id "$SNAP_3" --availability-zone us-east-1a --query VolumeId --output text)
# EKS: aws ec2 wait volume-available --volume-ids "$NEW_3"
# EKS: aws ec2 attach-volume --volume-id "$NEW_3" --instance-id "$INSTANCE_3" --device /dev/xvdbb
# EKS: # on instance $INSTANCE_3, as root (sudo su -): the original volume's device is /dev/xvdba
# EKS: mkdir -p /mnt/destination/replica-3 /mnt/source/replica-3
# EKS: mount /dev/xvdba /mnt/destination/replica-3
# EKS: mount /dev/xvdbb /mnt/source/replica-3
# 3. choose-checkpoint
# latest-common: the highest checkpoint id present on every replica's restored copy
ID=$(for i in $(seq 0 3); do ls "$WS"/ebs-sim/mnt/i-*/source/replica-$i/default/bc-ebs-sim-restore/replica-$i/rocksdbdata/checkpoints; done | grep -E '^[1-9][0-9]*$' | sort -n | uniq -c | awk '$1 == 4 {print $2}' | tail -n 1)
test -n "$ID" || { echo 'no checkpoint common to every replica' >&2; exit 1; }
# 4. copy-checkpoint
# the volumes' files belong to the pods' user: the node hands them to you for the copy
docker exec "$CLUSTER-worker" chown -R "$(id -u):$(id -g)" /tmp/hostpath-provisioner/default/concord-pvc-bc-ebs-sim-restore-replica-0
docker exec "$CLUSTER-worker2" chown -R "$(id -u):$(id -g)" /tmp/hostpath-provisioner/default/concord-pvc-bc-ebs-sim-restore-replica-1
docker exec "$CLUSTER-worker3" chown -R "$(id -u):$(id -g)" /tmp/hostpath-provisioner/default/concord-pvc-bc-ebs-sim-restore-replica-2
docker exec "$CLUSTER-worker" chown -R "$(id -u):$(id -g)" /tmp/hostpath-provisioner/default/concord-pvc-bc-ebs-sim-restore-replica-3
# per replica: empty rocksdbdata, copy checkpoints/$ID into it following links and keeping owner, mode and times, remove LOCK
rm -rf "$WS/zone-a"/default/concord-pvc-bc-ebs-sim-restore-replica-0/default/bc-ebs-sim-restore/replica-0/rocksdbdata/*
cp -r -L -p "$WS"/ebs-sim/mnt/i-*/source/replica-0/default/bc-ebs-sim-restore/replica-0/rocksdbdata/checkpoints/"$ID"/* "$WS/zone-a"/default/concord-pvc-bc-ebs-sim-restore-replica-0/default/bc-ebs-sim-restore/replica-0/rocksdbdata
rm -f "$WS/zone-a"/default/concord-pvc-bc-ebs-sim-restore-replica-0/default/bc-ebs-sim-restore/replica-0/rocksdbdata/LOCK
rm -rf "$WS/zone-b"/default/concord-pvc-bc-ebs-sim-restore-replica-1/default/bc-ebs-sim-restore/replica-1/rocksdbdata/*
cp -r -L -p "$WS"/ebs-sim/mnt/i-*/source/replica-1/default/bc-ebs-sim-restore/replica-1/rocksdbdata/checkpoints/"$ID"/* "$WS/zone-b"/default/concord-pvc-bc-ebs-sim-restore-replica-1/default/bc-ebs-sim-restore/replica-1/rocksdbdata
rm -f "$WS/zone-b"/default/concord-pvc-bc-ebs-sim-restore-replica-1/default/bc-ebs-sim-restore/replica-1/rocksdbdata/LOCK
rm -rf "$WS/zone-c"/default/concord-pvc-bc-ebs-sim-restore-replica-2/default/bc-ebs-sim-restore/replica-2/rocksdbdata/*
cp -r -L -p "$WS"/ebs-sim/mnt/i-*/source/replica-2/default/bc-ebs-sim-restore/replica-2/rocksdbdata/checkpoints/"$ID"/* "$WS/zone-c"/default/concord-pvc-bc-ebs-sim-restore-replica-2/default/bc-ebs-sim-restore/replica-2/rocksdbdata
rm -f "$WS/zone-c"/default/concord-pvc-bc-ebs-sim-restore-replica-2/default/bc-ebs-sim-restore/replica-2/rocksdbdata/LOCK
rm -rf "$WS/zone-a"/default/concord-pvc-bc-ebs-sim-restore-replica-3/default/bc-ebs-sim-restore/replica-3/rocksdbdata/*
cp -r -L -p "$WS"/ebs-sim/mnt/i-*/source/replica-3/default/bc-ebs-sim-restore/replica-3/rocksdbdata/checkpoints/"$ID"/* "$WS/zone-a"/default/concord-pvc-bc-ebs-sim-restore-replica-3/default/bc-ebs-sim-restore/replica-3/rocksdbdata
rm -f "$WS/zone-a"/default/concord-pvc-bc-ebs-sim-restore-replica-3/default/bc-ebs-sim-restore/replica-3/rocksdbdata/LOCK
# 4b. cleanup-restored-volumes
# per replica: unmount both, detach and delete the restored volume and its snapshot: chaindrill's ebs-sim does it; on EKS the commands are:
# EKS: umount /mnt/source/replica-0 /mnt/destination/replica-0
# EKS: aws ec2 detach-volume --volume-id "$NEW_0"
# EKS: aws ec2 wait volume-available --volume-ids "$NEW_0"
# EKS: aws ec2 delete-volume --volume-id "$NEW_0"
# EKS: aws ec2 delete-snapshot --snapshot-id "$SNAP_0"
# EKS: umount /mnt/source/replica-1 /mnt/destination/replica-1
# EKS: aws ec2 detach-volume --volume-id "$NEW_1"
# EKS: aws ec2 wait volume-available --volume-ids "$NEW_1"
# EKS: aws ec2 delete-volume --volume-id "$NEW_1"
# EKS: aws ec2 delete-snapshot --snapshot-id "$SNAP_1"
# EKS: umount /mnt/source/replica-2 /mnt/destination/replica-2
# EKS: aws ec2 detach-volume --volume-id "$NEW_2"
# EKS: aws ec2 wait volume-available --volume-ids "$NEW_2"
# EKS: aws ec2 delete-volume --volume-id "$NEW_2"
# EKS: aws ec2 delete-snapshot --snapshot-id "$SNAP_2"
# EKS: umount /mnt/source/replica-3 /mnt/destination/replica-3
# EKS: aws ec2 detach-volume --volume-id "$NEW_3"
# EKS: aws ec2 wait volume-available --volume-ids "$NEW_3"
# EKS: aws ec2 delete-volume --volume-id "$NEW_3"
# EKS: aws ec2 delete-snapshot --snapshot-id "$SNAP_3"
# the volumes' files belong to the pods' user: the node hands them back before the pods start
docker exec "$CLUSTER-worker" chown -R 10001:10001 /tmp/hostpath-provisioner/default/concord-pvc-bc-ebs-sim-restore-replica-0
docker exec "$CLUSTER-worker2" chown -R 10001:10001 /tmp/hostpath-provisioner/default/concord-pvc-bc-ebs-sim-restore-replica-1
docker exec "$CLUSTER-worker3" chown -R 10001:10001 /tmp/hostpath-provisioner/default/concord-pvc-bc-ebs-sim-restore-replica-2
docker exec "$CLUSTER-worker" chown -R 10001:10001 /tmp/hostpath-provisioner/default/concord-pvc-bc-ebs-sim-restore-replica-3
# 5. scale-up: start every replica and wait until each is ready
helm upgrade "$RELEASE" "$CHART" --namespace "$NS" --reuse-values --set global.replicaCount=1
kubectl wait --namespace "$NS" --for=condition=Ready pod --selector "app.kubernetes.io/instance=$RELEASE" --timeout=120s
kubectl get pods --namespace "$NS"
# 6. check-state: chaindrill asks each replica for its last block and digest; each must be at the restored checkpoint with the block the driver wrote there

# --- step 5: validate 20 blocks
# functional validation: the driver orders 20 write requests (one block each: 4 keys of 256 bytes from a key space of 10000, consensus time +100 ms per request) on every running replica, reached through `kubectl port-forward pod/<pod>`
kubectl get pods --namespace "$NS"

# --- verdict
helm upgrade "$RELEASE" "$CHART" --namespace "$NS" --reuse-values --set global.replicaCount=0
kubectl wait --namespace "$NS" --for=delete pod --selector "app.kubernetes.io/instance=$RELEASE" --timeout=120s
kubectl get pods --namespace "$NS"
# chaindrill verifies every replica's rocksdbdata read-only (docs/design.md §5):
chaindrill verify "$WS/zone-a"/default/concord-pvc-bc-ebs-sim-restore-replica-0/default/bc-ebs-sim-restore/replica-0/rocksdbdata "$WS/zone-b"/default/concord-pvc-bc-ebs-sim-restore-replica-1/default/bc-ebs-sim-restore/replica-1/rocksdbdata "$WS/zone-c"/default/concord-pvc-bc-ebs-sim-restore-replica-2/default/bc-ebs-sim-restore/replica-2/rocksdbdata "$WS/zone-a"/default/concord-pvc-bc-ebs-sim-restore-replica-3/default/bc-ebs-sim-restore/replica-3/rocksdbdata
