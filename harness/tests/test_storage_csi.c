/* tests/test_storage_csi.c — the csi-snapshot vendor's API calls against the fake API server:
 * the VolumeSnapshots it creates and waits for, the claims it restores from them (and the zone's
 * StorageClass), where it finds a restored volume, what it deletes; and its refusal on the local
 * platform. */
#include "helpers.h"
#include "k8sfake.h"

#include "platform/kube.h"
#include "storage/storage.h"
#include "util/bytes.h"
#include "util/err.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define NS "/api/v1/namespaces/drill"
#define SNAPS "/apis/snapshot.storage.k8s.io/v1/namespaces/drill/volumesnapshots"
#define SNAP "concord-pvc-blockchain-1-replica-0-b1"
#define CLAIM "concord-pvc-blockchain-1-replica-0-from-b1"
#define VOL "pvc-a7d3c1e9-4b2f-4e8a-9c6d-0f1e2d3c4b5a"
#define CLASSES "/apis/storage.k8s.io/v1/storageclasses"

static const struct drill_platform_ops kind_ops = {.name = "kind"};
static const struct drill_platform_ops local_ops = {.name = "local"};

struct env {
	struct k8sfake *fake;
	char *ws;
	char *kubeconfig;
	struct drill_platform plat;
	struct drill_kube kube; /* what the vendor reads of a kind platform: its kubeconfig */
	struct drill_vendor *v;
};

static void open_vendor(struct env *e, const char *snapshot_class, const char *const *zones,
			size_t n_zones)
{
	struct drill_vendor_config vc = {.name = "csi-snapshot", .snapshot_class = snapshot_class,
					 .zones = zones, .n_zones = n_zones};
	assert_drill_ok(drill_vendor_open(&e->v, &vc, e->ws, &e->plat));
}

static int setup(void **state)
{
	struct env *e = drill_xcalloc(1, sizeof(*e));
	e->fake = k8sfake_start(0);
	e->ws = drill_test_scratch("csi");
	e->kubeconfig = k8sfake_kubeconfig(e->fake, e->ws, NULL, "{token: csi-token}");
	e->kube.kubeconfig = e->kubeconfig;
	e->plat.ops = &kind_ops;
	e->plat.impl = &e->kube;
	e->plat.spec = (struct drill_cluster_spec){.namespace_ = "drill",
						   .blockchain_id = "blockchain-1",
						   .replicas = 1,
						   .storage_class = "csi-hostpath-sc"};
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	drill_vendor_destroy(e->v);
	k8sfake_stop(e->fake);
	free(e->kubeconfig);
	free(e->ws);
	free(e);
	return 0;
}

static json_t *body_of(struct env *e, size_t i)
{
	json_t *j = json_loads(k8sfake_request(e->fake, i)->body, 0, NULL);
	assert_non_null(j);
	return j;
}

/* The string at a dotted path ("spec.accessModes.0"; keys without dots). */
static const char *at(json_t *j, const char *path)
{
	char *copy = drill_xstrdup(path), *save = NULL;
	for (char *k = strtok_r(copy, ".", &save); k && j; k = strtok_r(NULL, ".", &save))
		j = json_is_array(j) ? json_array_get(j, (size_t)atoi(k)) : json_object_get(j, k);
	free(copy);
	return json_string_value(j);
}

static void test_refused_without_cluster(void **state)
{
	struct env *e = *state;
	e->plat.ops = &local_ops;
	struct drill_vendor_config vc = {.name = "csi-snapshot"};
	assert_int_equal(drill_vendor_open(&e->v, &vc, e->ws, &e->plat), DRILL_EENV);
	assert_non_null(strstr(drill_err_last(), "csi-snapshot needs a Kubernetes cluster"));
	e->plat.ops = &kind_ops;
	e->kube.kubeconfig = "/nonexistent/kubeconfig"; /* the cluster was never made */
	assert_int_equal(drill_vendor_open(&e->v, &vc, e->ws, &e->plat), DRILL_EENV);
	assert_non_null(strstr(drill_err_last(),
			       "storage vendor csi-snapshot: no kubeconfig at /nonexistent"));
	assert_null(e->v);
}

static void test_backup(void **state)
{
	struct env *e = *state;
	k8sfake_reply(e->fake, "POST", SNAPS, 201, "csi/volumesnapshot-b1-created.json");
	k8sfake_reply(e->fake, "GET", SNAPS, 200, "csi/volumesnapshotlist-b1-ready.json");
	k8sfake_reply(e->fake, "DELETE", SNAPS "/" SNAP, 200, "csi/volumesnapshot-b1-ready.json");
	open_vendor(e, "fast-snap", NULL, 0);
	assert_drill_ok(e->v->ops->backup(e->v, "b1"));
	assert_int_equal(k8sfake_count(e->fake), 2); /* create, then list: ready at once */
	const struct k8sfake_req *r = k8sfake_request(e->fake, 0);
	assert_string_equal(r->authorization, "Bearer csi-token");
	json_t *b = body_of(e, 0);
	assert_string_equal(at(b, "apiVersion"), "snapshot.storage.k8s.io/v1");
	assert_string_equal(at(b, "kind"), "VolumeSnapshot");
	assert_string_equal(at(b, "metadata.name"), SNAP);
	json_t *labels = json_object_get(json_object_get(b, "metadata"), "labels");
	assert_string_equal(json_string_value(json_object_get(labels, "chaindrill.io/backup")), "b1");
	assert_string_equal(at(b, "spec.volumeSnapshotClassName"), "fast-snap");
	assert_string_equal(at(b, "spec.source.persistentVolumeClaimName"),
			    "concord-pvc-blockchain-1-replica-0");
	json_decref(b);
	assert_non_null(strstr(k8sfake_request(e->fake, 1)->query,
			       "fieldSelector=metadata.name=" SNAP));

	assert_drill_ok(e->v->ops->remove(e->v, "b1"));
	r = k8sfake_request(e->fake, 2);
	assert_string_equal(r->method, "DELETE");
	assert_string_equal(r->path, SNAPS "/" SNAP);
}

static void test_backup_conflict_and_bad_name(void **state)
{
	struct env *e = *state;
	k8sfake_reply(e->fake, "POST", SNAPS, 409, "status-409.json");
	open_vendor(e, NULL, NULL, 0);
	assert_int_equal(e->v->ops->backup(e->v, "b1"), DRILL_EFAIL);
	assert_non_null(strstr(drill_err_last(), "csi-snapshot: backup b1 of replica 0: POST " SNAPS
						 ": HTTP 409 AlreadyExists"));
	assert_int_equal(e->v->ops->backup(e->v, "Nightly_1"), DRILL_EINPUT);
	assert_non_null(strstr(drill_err_last(), "which Kubernetes refuses"));
	assert_int_equal(k8sfake_count(e->fake), 1);
}

static void expect_restored_claim(struct env *e, size_t i, const char *storage_class)
{
	const struct k8sfake_req *r = k8sfake_request(e->fake, i);
	assert_string_equal(r->method, "POST");
	assert_string_equal(r->path, NS "/persistentvolumeclaims");
	json_t *b = body_of(e, i);
	assert_string_equal(at(b, "metadata.name"), CLAIM);
	assert_string_equal(at(b, "spec.dataSource.kind"), "VolumeSnapshot");
	assert_string_equal(at(b, "spec.dataSource.apiGroup"), "snapshot.storage.k8s.io");
	assert_string_equal(at(b, "spec.dataSource.name"), SNAP);
	assert_string_equal(at(b, "spec.resources.requests.storage"), "1Gi");
	assert_string_equal(at(b, "spec.accessModes.0"), "ReadWriteOnce");
	assert_string_equal(at(b, "spec.storageClassName"), storage_class);
	json_decref(b);
}

static void restore_routes(struct env *e)
{
	k8sfake_reply(e->fake, "GET", SNAPS "/" SNAP, 200, "csi/volumesnapshot-b1-ready.json");
	k8sfake_reply(e->fake, "POST", NS "/persistentvolumeclaims", 201,
		      "csi/pvc-from-b1-created.json");
	k8sfake_reply(e->fake, "GET", NS "/persistentvolumeclaims", 200,
		      "csi/pvclist-from-b1-pending.json");
	k8sfake_reply_stream(e->fake, NS "/persistentvolumeclaims?watch=1",
			     "csi/watch-pvc-from-b1-bound.jsonl", 20, 10000);
}

static void test_restore(void **state)
{
	struct env *e = *state;
	restore_routes(e);
	open_vendor(e, NULL, NULL, 0);
	assert_drill_ok(e->v->ops->restore(e->v, "b1"));
	assert_string_equal(k8sfake_request(e->fake, 0)->path, SNAPS "/" SNAP);
	expect_restored_claim(e, 1, "csi-hostpath-sc");
	assert_non_null(strstr(k8sfake_request(e->fake, 3)->query, "watch=1"));
	assert_int_equal(k8sfake_count(e->fake), 4);

	k8sfake_reply(e->fake, "DELETE", NS "/persistentvolumeclaims/" CLAIM, 200,
		      "csi/pvc-from-b1-bound.json");
	assert_drill_ok(e->v->ops->finish_restore(e->v, "b1"));
	assert_string_equal(k8sfake_request(e->fake, 4)->path, NS "/persistentvolumeclaims/" CLAIM);
}

static void test_restore_in_zone(void **state)
{
	struct env *e = *state;
	static const char *const zones[] = {"zone-a", "zone-b"};
	restore_routes(e);
	k8sfake_reply(e->fake, "GET", CLASSES "/csi-hostpath-sc", 200, "csi/storageclass.json");
	k8sfake_reply(e->fake, "POST", CLASSES, 201, "csi/storageclass.json");
	k8sfake_reply(e->fake, "POST", CLASSES, 409, "status-409.json"); /* a second restore */
	open_vendor(e, NULL, zones, 2);
	for (int round = 0; round < 2; round++) {
		size_t base = k8sfake_count(e->fake);
		assert_drill_ok(e->v->ops->restore(e->v, "b1"));
		json_t *sc = body_of(e, base + 2);
		assert_string_equal(at(sc, "metadata.name"), "csi-hostpath-sc-zone-a");
		assert_string_equal(at(sc, "provisioner"), "hostpath.csi.k8s.io");
		assert_string_equal(at(sc, "volumeBindingMode"), "Immediate");
		assert_string_equal(at(sc, "allowedTopologies.0.matchLabelExpressions.0.key"),
				    "topology.kubernetes.io/zone");
		assert_string_equal(at(sc, "allowedTopologies.0.matchLabelExpressions.0.values.0"),
				    "zone-a");
		json_decref(sc);
		expect_restored_claim(e, base + 3, "csi-hostpath-sc-zone-a");
	}
}

/* The restored claim's files on the host: the node path its PV names, through the directories
 * the kind node mounts from the workspace. */
static void test_source_root(void **state)
{
	struct env *e = *state;
	e->kube.fl = &drill_kube_kind;
	e->plat.workspace = e->ws;
	k8sfake_reply(e->fake, "GET", NS "/persistentvolumeclaims/" CLAIM, 200,
		      "csi/pvc-from-b1-bound.json");
	static const char *const pvs[] = {"pv-hostpath", "pv-csi", "pv-ebs",
					  "pv-hostpath-elsewhere", "pv-hostpath-dotdot"};
	for (size_t k = 0; k < sizeof(pvs) / sizeof(pvs[0]); k++) {
		char *file = drill_xasprintf("csi/%s.json", pvs[k]);
		k8sfake_reply(e->fake, "GET", "/api/v1/persistentvolumes/" VOL, 200, file);
		free(file);
	}
	open_vendor(e, NULL, NULL, 0);
	char *path = NULL, *want = drill_xasprintf("%s/hostpath-provisioner/drill/" CLAIM, e->ws);
	assert_drill_ok(e->v->ops->source_root(e->v, "b1", 0, &path));
	assert_string_equal(path, want);
	free(path);
	free(want);

	want = drill_xasprintf("%s/csi-hostpath-data/9f1e2d3c-4b5a-11ef-8c7d-0242ac120003", e->ws);
	assert_drill_ok(e->v->ops->source_root(e->v, "b1", 0, &path));
	assert_string_equal(path, want);
	free(path);
	free(want);

	path = NULL;
	assert_int_equal(e->v->ops->source_root(e->v, "b1", 0, &path), DRILL_EENV);
	assert_null(path);
	assert_non_null(strstr(drill_err_last(), "is a CSI volume (ebs.csi.aws.com)"));

	assert_int_equal(e->v->ops->source_root(e->v, "b1", 0, &path), DRILL_EENV);
	assert_non_null(strstr(drill_err_last(), "/var/local-path-provisioner/pvc-a7d3c1e9_drill_"));
	assert_non_null(strstr(drill_err_last(), "is not mounted from the host"));

	assert_int_equal(e->v->ops->source_root(e->v, "b1", 0, &path), DRILL_EINPUT);
	assert_null(path);
	assert_non_null(strstr(drill_err_last(), "without \"..\""));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_refused_without_cluster),
		T(test_backup),
		T(test_backup_conflict_and_bad_name),
		T(test_restore),
		T(test_restore_in_zone),
		T(test_source_root),
	};
	return drill_test_run(tests, NULL, NULL);
}
