/* tests/test_drill_plan.c — run --plan's text for every step kind, vendor and platform: the
 * runbook's commands with the scenario's names, and every branch run once (under valgrind too). */
#include "helpers.h"

#include "drill/plan.h"
#include "scenario/scenario.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char every_step[] =
	"name: every-step\n"
	"seed: 1\n"
	"cluster: {namespace: ns1, blockchainId: bc1, replicas: 4, zones: [za, zb, zc],\n"
	"          runAsUser: 1000, storageClass: {name: sc1, reclaimPolicy: Delete}}\n"
	"replicaCheckpointBackup: {enabled: true, numberOfCheckpoints: 3,\n"
	"                          checkpointIntervalInSeconds: 0, checkpointWindow: 150}\n"
	"storage: {vendor: %s}\n"
	"steps:\n"
	"  - write: {blocks: 300}\n"
	"  - checkpoint: {}\n"
	"  - backup: {name: b1}\n"
	"  - stop: {replica: 1}\n"
	"  - start: {replica: 1}\n"
	"  - fault: {kind: lock-left}\n"
	"  - restore: {from: b1, checkpoint: latest-common}\n"
	"  - restore: {from: b1, checkpoint: 150}\n"
	"  - restore: {from: b1, checkpoint: none}\n"
	"  - uninstall: {}\n"
	"  - install: {}\n"
	"  - validate: {blocks: 10}\n"
	"expect: {verdict: consistent}\n";

/* Every fault that changes an operator's commands, armed before one backup and one restore. */
static const char with_faults[] =
	"name: with-faults\n"
	"seed: 1\n"
	"cluster: {namespace: ns1, blockchainId: bc1, replicas: 4, zones: [za, zb, zc]}\n"
	"storage: {vendor: %s}\n"
	"steps:\n"
	"  - write: {blocks: 300}\n"
	"  - fault: {kind: torn-live-snapshot, stagger: 7}\n"
	"  - backup: {name: b1}\n"
	"  - fault: {kind: copy-no-follow-links, replica: 0}\n"
	"  - fault: {kind: copy-no-preserve, replica: 1, umask: \"027\"}\n"
	"  - fault: {kind: restore-without-rm, replica: 2}\n"
	"  - fault: {kind: copy-interrupted, replica: 3, afterFiles: 2}\n"
	"  - fault: {kind: mismatched-checkpoint, replica: 1, checkpoint: 150}\n"
	"  - fault: {kind: cross-replica-restore, from: 0, replica: 2, resetIdentity: true}\n"
	"  - fault: {kind: restore-while-running, writes: 5}\n"
	"  - fault: {kind: lock-left, replica: 3}\n"
	"  - restore: {from: b1, checkpoint: latest-common}\n"
	"  - fault: {kind: mismatched-checkpoint, replica: 2}\n"
	"  - fault: {kind: bitflip-sst, replica: 0}\n"
	"  - restore: {from: b1, checkpoint: latest-common}\n"
	"  - fault: {kind: wrong-az, replica: 1, zone: zc}\n"
	"  - restore: {from: b1, checkpoint: latest-common}\n"
	"  - validate: {blocks: 10}\n"
	"expect: {verdict: consistent}\n";

/* The plan of scenario `tmpl` (a format taking the vendor) with `vendor` on `platform`. */
static char *plan_from(const char *tmpl, const char *vendor, const char *platform)
{
	char *dir = drill_test_scratch("plan"), *path = drill_xasprintf("%s/s.yaml", dir);
	char *yaml = drill_xasprintf(tmpl, vendor);
	assert_drill_ok(drill_fs_write_atomic(path, yaml, strlen(yaml)));
	struct drill_scenario *sc = NULL;
	assert_drill_ok(drill_scenario_load(&sc, path));
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	assert_non_null(mem);
	assert_drill_ok(drill_plan_write(mem, sc, platform, "/ws"));
	fclose(mem);
	drill_scenario_free(sc);
	free(yaml);
	free(path);
	free(dir);
	return text;
}

/* The plan of the every-step scenario with `vendor` on `platform` (malloc'd). */
static char *plan_of(const char *vendor, const char *platform)
{
	return plan_from(every_step, vendor, platform);
}


static void has(const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("the plan lacks \"%s\":\n%s", want, text);
}

static void lacks(const char *text, const char *unwanted)
{
	if (strstr(text, unwanted))
		fail_msg("the plan has \"%s\":\n%s", unwanted, text);
}

static void test_kind_hostpath(void **state)
{
	(void)state;
	char *t = plan_of("hostpath-copy", "kind");
	has(t, " -e 's/zone: us-east-1a}/zone: za}/' -e 's/zone: us-east-1b}/zone: zb}/' -e "
	       "'s/zone: us-east-1c}/zone: zc}/' kind-config/three-zones.yaml");
	has(t, "--set 'global.zones={za,zb,zc}'");
	has(t, "\nCLUSTER=chaindrill-every-step\n");
	has(t, "reclaimPolicy: Delete\n");
	has(t, "--set global.blockchainId=bc1 --set global.storageClassName=sc1");
	has(t, "\nhelm upgrade \"$RELEASE\" \"$CHART\" --namespace \"$NS\" --reuse-values "
	       "--set global.replicaCount=0\n");
	has(t, "docker exec \"$CLUSTER-worker2\" chown -R \"$(id -u):$(id -g)\" "
	       "/tmp/hostpath-provisioner/ns1/concord-pvc-bc1-replica-1\n");
	has(t, "docker exec \"$CLUSTER-worker\" chown -R 1000:1000 "
	       "/tmp/hostpath-provisioner/ns1/concord-pvc-bc1-replica-3\n");
	has(t, "\nrm -rf \"$WS/zone-b\"/ns1/concord-pvc-bc1-replica-1/ns1/bc1/replica-1/rocksdbdata/*\n");
	has(t, "awk '$1 == 4 {print $2}'");
	has(t, "\nID=150 ");
	has(t, "checkpoint: none");
	has(t, "kubectl scale deployment --namespace \"$NS\" vmbc-deployment-replica-1-concord "
	       "--replicas=0\n");
	has(t, "# fault lock-left: ");
	has(t, "chaindrill db-checkpoint create --cluster \"$WS\"\n");
	has(t, "helm uninstall \"$RELEASE\" --namespace \"$NS\" --wait\n");
	has(t, "WS=\"${WS:-/ws}\"");
	free(t);
}

static void test_minikube_ebs(void **state)
{
	(void)state;
	char *t = plan_of("ebs-sim", "minikube");
	has(t, "minikube start -p \"$PROFILE\" --driver=docker --mount");
	has(t, "provisioner: k8s.io/minikube-hostpath\n");
	has(t, "aws ec2 create-snapshot --volume-id \"$VOL_2\"");
	has(t, "--availability-zone zb ");
	has(t, "\n# EKS: mount /dev/xvdbb /mnt/source/replica-3\n");
	has(t, "\ncp -r -L -p \"$WS\"/ebs-sim/mnt/i-*/source/replica-0/ns1/bc1/replica-0/rocksdbdata/"
	       "checkpoints/\"$ID\"/* \"$VOLUMES\"/ns1/concord-pvc-bc1-replica-0/ns1/bc1/replica-0/"
	       "rocksdbdata\n");
	has(t, "\n# EKS: aws ec2 delete-snapshot --snapshot-id \"$SNAP_3\"\n");
	lacks(t, "\naws ");
	free(t);
}

static void test_local_other_vendor(void **state)
{
	(void)state;
	char *t = plan_of("csi-snapshot", "local");
	has(t, "# helm install \"$RELEASE\"");
	has(t, "# on local: chaindrill starts every replica process\n");
	has(t, "# csi-snapshot needs a Kubernetes API server; on local chaindrill cannot open");
	has(t, "\"$SOURCE_2\"/ns1/bc1/replica-2/rocksdbdata/checkpoints/\"$ID\"/*");
	if (strstr(t, "kubectl"))
		fail_msg("a local plan runs no kubectl:\n%s", t);
	free(t);
}

/* Each armed fault shows as the command done the fault's way, marked FAULT(<kind>). */
static void test_faults_as_injected(void **state)
{
	(void)state;
	char *t = plan_from(with_faults, "hostpath-copy", "local");
	const char *r = "/ns1/bc1/replica-";
	(void)r;
	/* torn-live-snapshot: K blocks between the volumes' copies */
	has(t, "# FAULT(torn-live-snapshot): the clients commit 7 more blocks before replica-1's "
	       "volume is copied\ncp -a \"$VOLUMES\"/ns1/concord-pvc-bc1-replica-1 ");
	/* restore-while-running: no scale-down in the first restore, writes after each copy */
	has(t, "# FAULT(restore-while-running): not done: the replicas keep running");
	has(t, "# FAULT(restore-while-running): the clients order 5 more blocks");
	/* copy-no-follow-links: replica 0 without -L */
	has(t, "# FAULT(copy-no-follow-links): cp without -L\ncp -r -p \"$WS/backups/b1\""
	       "/concord-pvc-bc1-replica-0/ns1/bc1/replica-0/rocksdbdata/checkpoints/\"$ID\"/* ");
	/* mismatched-checkpoint 150 and copy-no-preserve on replica 1 */
	has(t, "# FAULT(mismatched-checkpoint): replica-1 gets checkpoint 150, not $ID\n");
	has(t, "\n(umask 027 && cp -r -L \"$WS/backups/b1\"/concord-pvc-bc1-replica-1/ns1/bc1/"
	       "replica-1/rocksdbdata/checkpoints/150/* ");
	/* restore-without-rm and cross-replica-restore on replica 2 */
	has(t, "# FAULT(restore-without-rm): not done: rm -rf \"$VOLUMES\"/ns1/concord-pvc-bc1-"
	       "replica-2/ns1/bc1/replica-2/rocksdbdata/*\n");
	has(t, "# FAULT(cross-replica-restore): replica-2's checkpoint is taken from replica-0's");
	has(t, "\ncp -r -L -p \"$WS/backups/b1\"/concord-pvc-bc1-replica-0/ns1/bc1/replica-0/"
	       "rocksdbdata/checkpoints/\"$ID\"/* \"$VOLUMES\"/ns1/concord-pvc-bc1-replica-2/");
	has(t, "resets the copy's identity to replica-2");
	/* copy-interrupted and lock-left on replica 3 */
	has(t, "| LC_ALL=C sort | head -n 2); do cp -r -L -p ");
	has(t, "# FAULT(lock-left): not done: rm -f \"$VOLUMES\"/ns1/concord-pvc-bc1-replica-3/");
	/* the second restore: only mismatched-checkpoint previous on replica 2, the rest disarmed */
	has(t, "# FAULT(mismatched-checkpoint): replica-2 gets its newest checkpoint older than $ID");
	has(t, "\nPREV_2=$(ls \"$WS/backups/b1\"/concord-pvc-bc1-replica-2/ns1/bc1/replica-2/"
	       "rocksdbdata/checkpoints | grep -E '^[1-9][0-9]*$' | sort -n | awk -v id=\"$ID\" "
	       "'$1 < id' | tail -n 1)\n");
	has(t, "/checkpoints/\"$PREV_2\"/* ");
	char *second = strstr(t, "# fault bitflip-sst");
	assert_non_null(second);
	has(second, "#   not an operator's command: chaindrill does it itself\n");
	lacks(second, "FAULT(lock-left)");
	lacks(second, "FAULT(restore-while-running)");
	/* wrong-az on hostpath-copy: the fault step fails, nothing after it runs */
	has(t, "# FAULT(wrong-az): vendor hostpath-copy has no availability zones");
	has(t, "# --- the drill stops at step 16: the steps after it are not run\n");
	lacks(t, "step 17");
	free(t);
}

/* ebs-sim simulates EC2 on every platform here: no runnable `aws` line; wrong-az's create-volume
 * is in the wrong zone and the restore stops at the refused attachment. */
static void test_kind_ebs_wrong_az(void **state)
{
	(void)state;
	char *t = plan_from(with_faults, "ebs-sim", "kind");
	lacks(t, "\naws ");
	lacks(t, "\nmount ");
	has(t, "\n# EKS: aws ec2 create-snapshot --volume-id \"$VOL_0\"");
	has(t, "# FAULT(wrong-az): replica-1's volume is created in zone zc, not in its instance's "
	       "zone zb\n# EKS: NEW_1=$(aws ec2 create-volume --snapshot-id \"$SNAP_1\" "
	       "--availability-zone zc ");
	has(t, "(InvalidVolume.ZoneMismatch): the restore fails here\n\n# --- the drill stops at "
	       "step 17");
	has(t, "\nrm -rf \"$WS/zone-a\"/ns1/concord-pvc-bc1-replica-0/ns1/bc1/replica-0/"
	       "rocksdbdata/*\n");
	has(t, "ls \"$WS\"/ebs-sim/mnt/i-*/source/replica-$i/ns1/bc1/replica-$i/rocksdbdata/"
	       "checkpoints");
	free(t);
}

static void test_kind_csi_snapshot(void **state)
{
	(void)state;
	char *t = plan_of("csi-snapshot", "kind");
	lacks(t, "no command-line equivalent");
	has(t, "kind: VolumeSnapshot\nmetadata:\n  name: concord-pvc-bc1-replica-2-b1\n");
	has(t, "spec: {volumeSnapshotClassName: csi-hostpath-snapclass, source: "
	       "{persistentVolumeClaimName: concord-pvc-bc1-replica-2}}\nEOF\n");
	has(t, "kubectl wait --namespace \"$NS\" --for=jsonpath='{.status.readyToUse}'=true "
	       "volumesnapshot/concord-pvc-bc1-replica-0-b1 --timeout=600s\n");
	has(t, "kind: PersistentVolumeClaim\nmetadata:\n  name: concord-pvc-bc1-replica-1-from-b1\n");
	has(t, "  resources: {requests: {storage: \"$SIZE_1\"}}\n  storageClassName: sc1-zb\n"
	       "  dataSource: {apiGroup: snapshot.storage.k8s.io, kind: VolumeSnapshot, name: "
	       "concord-pvc-bc1-replica-1-b1}\n");
	has(t, ".metadata = {name: \"sc1-zc\"");
	has(t, "--for=jsonpath='{.status.phase}'=Bound pvc/concord-pvc-bc1-replica-3-from-b1 ");
	has(t, "\ncp -r -L -p \"$WS\"/zone-?/ns1/concord-pvc-bc1-replica-3-from-b1/ns1/bc1/"
	       "replica-3/rocksdbdata/checkpoints/\"$ID\"/* ");
	has(t, "kubectl delete pvc --namespace \"$NS\" concord-pvc-bc1-replica-0-from-b1 ");
	free(t);
}

/* The exec plugin's request as storage/exec.c writes it (docs/vendor-exec.md). */
static void test_exec_request(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("plan-exec"), *plug = drill_xasprintf("%s/p.sh", dir);
	assert_drill_ok(drill_fs_write_atomic(plug, "#!/bin/sh\n", 10));
	char *vendor = drill_xasprintf("exec, program: %s", plug);
	char *t = plan_of(vendor, "local");
	lacks(t, "\"op\"");
	lacks(t, "\"name\"");
	has(t, "#   {\"protocolVersion\": \"chaindrill-vendor-exec/1\", \"operation\": \"snapshot\", "
	       "\"backup\": \"b1\", \"workspace\": \"$WS\", \"stateDir\": \"$WS/vendor-exec/store\", "
	       "\"cluster\": {\"namespace\": \"ns1\", \"blockchainId\": \"bc1\", \"replicas\": 4}, "
	       "\"volumes\": [\n#     {\"index\": 0, \"claim\": \"concord-pvc-bc1-replica-0\", "
	       "\"hostPath\": \"$VOLUMES/ns1/concord-pvc-bc1-replica-0\"},\n");
	has(t, "\"operation\": \"list\", \"backup\": null, ");
	has(t, "\"operation\": \"restore\", \"backup\": \"b1\", ");
	has(t, "\"hostPath\": \"$VOLUMES/ns1/concord-pvc-bc1-replica-3\", \"snapshotId\": <its "
	       "snapshot's answer>}]}\n");
	free(t);
	free(vendor);
	free(plug);
	free(dir);
}

static void test_unknown_platform(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("plan-unknown"), *path = drill_xasprintf("%s/s.yaml", dir);
	char *yaml = drill_xasprintf(every_step, "hostpath-copy");
	assert_drill_ok(drill_fs_write_atomic(path, yaml, strlen(yaml)));
	struct drill_scenario *sc = NULL;
	assert_drill_ok(drill_scenario_load(&sc, path));
	FILE *devnull = fopen("/dev/null", "w");
	assert_int_equal(drill_plan_write(devnull, sc, "eks", "/ws"), DRILL_EINPUT);
	assert_non_null(strstr(drill_err_last(), "unknown platform \"eks\""));
	fclose(devnull);
	drill_scenario_free(sc);
	free(yaml);
	free(path);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_hostpath),
		cmocka_unit_test(test_minikube_ebs),
		cmocka_unit_test(test_local_other_vendor),
		cmocka_unit_test(test_unknown_platform),
		cmocka_unit_test(test_faults_as_injected),
		cmocka_unit_test(test_kind_ebs_wrong_az),
		cmocka_unit_test(test_kind_csi_snapshot),
		cmocka_unit_test(test_exec_request),
	};
	return drill_test_run(tests, NULL, NULL);
}
