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

/* The plan of the every-step scenario with `vendor` on `platform` (malloc'd). */
static char *plan_of(const char *vendor, const char *platform)
{
	char *dir = drill_test_scratch("plan"), *path = drill_xasprintf("%s/s.yaml", dir);
	char *yaml = drill_xasprintf(every_step, vendor);
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

static void has(const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("the plan lacks \"%s\":\n%s", want, text);
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
	has(t, "kubectl scale deployment --namespace \"$NS\" \"$RELEASE-replica-1\" --replicas=0\n");
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
	has(t, "\nmount /dev/xvdbb /mnt/source/replica-3\n");
	has(t, "\ncp -r -L -p /mnt/source/replica-0/ns1/bc1/replica-0/rocksdbdata/checkpoints/\"$ID\"/* "
	       "/mnt/destination/replica-0/ns1/bc1/replica-0/rocksdbdata\n");
	has(t, "\naws ec2 delete-snapshot --snapshot-id \"$SNAP_3\"\n");
	free(t);
}

static void test_local_other_vendor(void **state)
{
	(void)state;
	char *t = plan_of("csi-snapshot", "local");
	has(t, "# helm install \"$RELEASE\"");
	has(t, "# on local: chaindrill starts every replica process\n");
	has(t, "# csi-snapshot: backup b1 through the vendor");
	has(t, "\"$SOURCE_2\"/ns1/bc1/replica-2/rocksdbdata/checkpoints/\"$ID\"/*");
	if (strstr(t, "kubectl"))
		fail_msg("a local plan runs no kubectl:\n%s", t);
	free(t);
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
	};
	return drill_test_run(tests, NULL, NULL);
}
