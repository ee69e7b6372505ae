/* storage/csi_snapshot.c — `csi-snapshot`: backups as CSI VolumeSnapshots through the Kubernetes
 * API (docs/vendor-csi-snapshot.md).
 *
 *   backup(name)    per replica, a VolumeSnapshot (snapshot.storage.k8s.io/v1) of its claim
 *                   <claim>-<name>, in the scenario's snapshotClass (csi-hostpath-snapclass); all
 *                   are created first, then each is waited for until readyToUse
 *   restore(name)   per replica, a new claim <claim>-from-<name> whose dataSource is that
 *                   snapshot, of the snapshot's restoreSize; with zones, in a StorageClass that is
 *                   the release's with allowedTopologies pinned to the replica's zone
 *                   (<class>-<zone>, made once); then each claim is waited for until Bound
 *   source_root     the restored claim's volume on the host: a hostPath or local PV's path
 *   finish_restore  delete the restored claims; remove(name) deletes the snapshots
 *
 * It needs a cluster: on kind and minikube, the one the platform made (its kubeconfig in the
 * workspace, platform/kube.h); on the local platform, which has no API server, opening it is an
 * environment error (exit 3). */
#include "storage/storage_internal.h"

#include "k8s/k8s.h"
#include "platform/kube.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SNAPSHOT_CLASS "csi-hostpath-snapclass"
#define SNAPSHOT_API "snapshot.storage.k8s.io"
#define ZONE_LABEL "topology.kubernetes.io/zone"
#define WAIT_MS (10L * 60 * 1000) /* a snapshot or a provisioned volume: minutes, not hours */

struct csi {
	struct drill_k8s *k;
	const char *ns;
	const char *snapshot_class;
};

static struct csi *csi_of(struct drill_vendor *v)
{
	return v->impl;
}

/* "<claim>-<suffix>", checked as a Kubernetes object name (DNS subdomain). */
static int object_name(char **out, struct drill_vendor *v, int i, const char *infix,
		       const char *name)
{
	char *claim = drill_platform_claim_name(&v->platform->spec, i);
	*out = drill_xasprintf("%s-%s%s", claim, infix, name);
	free(claim);
	size_t n = strlen(*out);
	int ok = n <= 253;
	for (size_t j = 0; ok && j < n; j++) {
		char c = (*out)[j];
		ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
	}
	if (ok)
		return 0;
	int rc = drill_err(DRILL_EINPUT, "csi-snapshot: backup \"%s\" gives the object name \"%s\", "
				 "which Kubernetes refuses (lower-case letters, digits, '-', '.', at "
				 "most 253)", name, *out);
	free(*out);
	*out = NULL;
	return rc;
}

static json_t *labels(const char *backup, int i)
{
	char idx[16];
	snprintf(idx, sizeof(idx), "%d", i);
	return json_pack("{s:s,s:s,s:s}", "app.kubernetes.io/managed-by", "chaindrill",
			 "chaindrill.io/backup", backup, "chaindrill.io/replica", idx);
}

static char *snapshots_path(const struct csi *c)
{
	return drill_k8s_path("/apis/" SNAPSHOT_API "/v1/namespaces/%s/volumesnapshots", c->ns);
}

static char *claims_path(const struct csi *c)
{
	return drill_k8s_path("/api/v1/namespaces/%s/persistentvolumeclaims", c->ns);
}

/* --- backup -------------------------------------------------------------------------------------- */

static int create_snapshot(struct drill_vendor *v, const char *name, int i)
{
	struct csi *c = csi_of(v);
	char *snap, *claim = drill_platform_claim_name(&v->platform->spec, i);
	int rc = object_name(&snap, v, i, "", name);
	if (rc) {
		free(claim);
		return rc;
	}
	json_t *obj = json_pack("{s:s,s:s,s:{s:s,s:s,s:o},s:{s:s,s:{s:s}}}", "apiVersion",
				SNAPSHOT_API "/v1", "kind", "VolumeSnapshot", "metadata", "name",
				snap, "namespace", c->ns, "labels", labels(name, i), "spec",
				"volumeSnapshotClassName", c->snapshot_class, "source",
				"persistentVolumeClaimName", claim);
	char *coll = snapshots_path(c);
	rc = drill_k8s_create(c->k, coll, obj, NULL);
	if (rc)
		rc = drill_err_wrap(rc, "csi-snapshot: backup %s of replica %d", name, i);
	else
		drill_log_info("csi-snapshot: VolumeSnapshot %s/%s of claim %s", c->ns, snap, claim);
	free(coll);
	json_decref(obj);
	free(snap);
	free(claim);
	return rc;
}

static int csi_backup(struct drill_vendor *v, const char *name)
{
	struct csi *c = csi_of(v);
	int n = v->platform->spec.replicas, rc = 0;
	/* every snapshot is asked for before any is waited for: they are taken close together */
	for (int i = 0; i < n && !rc; i++)
		rc = create_snapshot(v, name, i);
	for (int i = 0; i < n && !rc; i++) {
		char *snap;
		rc = object_name(&snap, v, i, "", name);
		if (!rc)
			rc = drill_k8s_wait_snapshot_ready(c->k, c->ns, snap, WAIT_MS);
		free(snap);
	}
	v->bytes_copied = 0; /* the driver copies; chaindrill moves no bytes */
	return rc;
}

static int csi_remove(struct drill_vendor *v, const char *name)
{
	struct csi *c = csi_of(v);
	int rc = 0;
	for (int i = 0; i < v->platform->spec.replicas && !rc; i++) {
		char *snap, *path;
		rc = object_name(&snap, v, i, "", name);
		if (rc)
			break;
		path = drill_k8s_path("/apis/" SNAPSHOT_API "/v1/namespaces/%s/volumesnapshots/%s",
				      c->ns, snap);
		rc = drill_k8s_delete(c->k, path);
		free(path);
		free(snap);
	}
	return rc;
}

/* --- restore ------------------------------------------------------------------------------------- */

/* The release's StorageClass pinned to one zone (allowedTopologies), made if missing; *out gets
 * its name. */
static int zone_class(struct drill_vendor *v, const char *zone, char **out)
{
	struct csi *c = csi_of(v);
	const char *base = v->platform->spec.storage_class;
	if (!base)
		return drill_err(DRILL_EINPUT, "csi-snapshot: restoring into zone %s needs the "
				 "release's storageClassName, to copy its provisioner", zone);
	char *path = drill_k8s_path("/apis/storage.k8s.io/v1/storageclasses/%s", base);
	json_t *sc = NULL;
	int rc = drill_k8s_get(c->k, path, &sc);
	free(path);
	if (rc)
		return drill_err_wrap(rc, "csi-snapshot: StorageClass %s", base);
	char *name = drill_xasprintf("%s-%s", base, zone);
	json_t *copy = json_pack("{s:s,s:s,s:{s:s,s:{s:s,s:s}},s:O,s:[{s:[{s:s,s:[s]}]}]}",
				 "apiVersion", "storage.k8s.io/v1", "kind", "StorageClass",
				 "metadata", "name", name, "labels", "app.kubernetes.io/managed-by",
				 "chaindrill", ZONE_LABEL, zone, "provisioner",
				 json_object_get(sc, "provisioner"), "allowedTopologies",
				 "matchLabelExpressions", "key", ZONE_LABEL, "values", zone);
	static const char *const kept[] = {"parameters", "reclaimPolicy", "volumeBindingMode",
					   "allowVolumeExpansion", NULL};
	for (size_t j = 0; copy && kept[j]; j++)
		if (json_object_get(sc, kept[j]))
			json_object_set(copy, kept[j], json_object_get(sc, kept[j]));
	long status = 0;
	if (!copy)
		rc = drill_err(DRILL_EFAIL, "csi-snapshot: StorageClass %s has no provisioner", base);
	else
		rc = drill_k8s_request(c->k, "POST", "/apis/storage.k8s.io/v1/storageclasses", copy,
				       NULL, NULL, &status);
	if (rc && status == 409) { /* made by an earlier restore */
		drill_err_clear();
		rc = 0;
	}
	json_decref(copy);
	json_decref(sc);
	if (rc == 0)
		*out = name;
	else
		free(name);
	return rc;
}

/* The snapshot's restoreSize: what the new claim must ask for. */
static int restore_size(struct csi *c, const char *snap, char **out)
{
	char *path = drill_k8s_path("/apis/" SNAPSHOT_API "/v1/namespaces/%s/volumesnapshots/%s",
				    c->ns, snap);
	json_t *obj = NULL;
	int rc = drill_k8s_get(c->k, path, &obj);
	free(path);
	json_t *st = json_object_get(obj, "status");
	const char *size = json_string_value(json_object_get(st, "restoreSize"));
	if (!rc && (!json_is_true(json_object_get(st, "readyToUse")) || !size))
		rc = drill_err(DRILL_EFAIL, "csi-snapshot: VolumeSnapshot %s/%s is not readyToUse "
				 "(no restoreSize)", c->ns, snap);
	if (!rc)
		*out = drill_xstrdup(size);
	json_decref(obj);
	return rc;
}

static int create_restored_claim(struct drill_vendor *v, const char *name, int i)
{
	struct csi *c = csi_of(v);
	char *snap = NULL, *claim = NULL, *size = NULL, *cls = NULL;
	int rc = object_name(&snap, v, i, "", name);
	if (!rc)
		rc = object_name(&claim, v, i, "from-", name);
	if (!rc)
		rc = restore_size(c, snap, &size);
	if (!rc && v->cfg.n_zones)
		rc = zone_class(v, v->cfg.zones[i % v->cfg.n_zones], &cls);
	else if (!rc && v->platform->spec.storage_class)
		cls = drill_xstrdup(v->platform->spec.storage_class);
	if (rc)
		goto cleanup;
	json_t *pvc = json_pack("{s:s,s:s,s:{s:s,s:s,s:o},s:{s:[s],s:{s:{s:s}},s:{s:s,s:s,s:s}}}",
				"apiVersion", "v1", "kind", "PersistentVolumeClaim", "metadata",
				"name", claim, "namespace", c->ns, "labels", labels(name, i), "spec",
				"accessModes", "ReadWriteOnce", "resources", "requests", "storage",
				size, "dataSource", "apiGroup", SNAPSHOT_API, "kind",
				"VolumeSnapshot", "name", snap);
	if (cls)
		json_object_set_new(json_object_get(pvc, "spec"), "storageClassName",
				    json_string(cls));
	char *coll = claims_path(c);
	rc = drill_k8s_create(c->k, coll, pvc, NULL);
	if (rc)
		rc = drill_err_wrap(rc, "csi-snapshot: restore %s of replica %d", name, i);
	free(coll);
	json_decref(pvc);
cleanup:
	free(snap);
	free(claim);
	free(size);
	free(cls);
	return rc;
}

static int csi_restore(struct drill_vendor *v, const char *name)
{
	struct csi *c = csi_of(v);
	int n = v->platform->spec.replicas, rc = 0;
	for (int i = 0; i < n && !rc; i++)
		rc = create_restored_claim(v, name, i);
	for (int i = 0; i < n && !rc; i++) {
		char *claim;
		rc = object_name(&claim, v, i, "from-", name);
		if (!rc)
			rc = drill_k8s_wait_pvc_bound(c->k, c->ns, claim, WAIT_MS, NULL);
		free(claim);
	}
	v->bytes_copied = 0;
	return rc;
}

/* Where the restored claim's volume is on the host. Its PV names a path on a node: a hostPath or
 * local volume's path, or for the CSI hostpath driver <its state dir>/<volumeHandle>. The
 * platform mounts those node directories from the workspace (platform/kube.h), and maps the
 * node's path to the host's; a volume of any other driver has files chaindrill cannot reach. */
static int pv_node_path(const json_t *pv, char **out)
{
	json_t *spec = json_object_get(pv, "spec");
	const char *host = json_string_value(json_object_get(json_object_get(spec, "hostPath"),
							     "path"));
	if (!host)
		host = json_string_value(json_object_get(json_object_get(spec, "local"), "path"));
	if (host) {
		*out = drill_xstrdup(host);
		return 0;
	}
	json_t *csi = json_object_get(spec, "csi");
	const char *driver = json_string_value(json_object_get(csi, "driver"));
	const char *handle = json_string_value(json_object_get(csi, "volumeHandle"));
	if (driver && handle && !strcmp(driver, "hostpath.csi.k8s.io") && handle[0] &&
	    !strchr(handle, '/') && strcmp(handle, "..") && strcmp(handle, ".")) {
		*out = drill_xasprintf(DRILL_KUBE_NODE_CSI_DATA "/%s", handle);
		return 0;
	}
	return drill_err(DRILL_EENV, "volume %s is a %s volume (%s); chaindrill reaches the files of "
			 "hostPath and local volumes and of the CSI hostpath driver "
			 "(hostpath.csi.k8s.io) only",
			 json_string_value(json_object_get(json_object_get(pv, "metadata"), "name")),
			 csi ? "CSI" : "non-hostPath", driver ? driver : "unknown");
}

static int csi_source_root(struct drill_vendor *v, const char *name, int i, char **out)
{
	struct csi *c = csi_of(v);
	char *claim, *path, *node = NULL;
	int rc = object_name(&claim, v, i, "from-", name);
	if (rc)
		return rc;
	path = drill_k8s_path("/api/v1/namespaces/%s/persistentvolumeclaims/%s", c->ns, claim);
	json_t *pvc = NULL, *pv = NULL;
	rc = drill_k8s_get(c->k, path, &pvc);
	free(path);
	const char *vol = json_string_value(json_object_get(json_object_get(pvc, "spec"),
							    "volumeName"));
	if (!rc && !vol)
		rc = drill_err(DRILL_EFAIL, "csi-snapshot: claim %s/%s is not bound", c->ns, claim);
	if (!rc) {
		path = drill_k8s_path("/api/v1/persistentvolumes/%s", vol);
		rc = drill_k8s_get(c->k, path, &pv);
		free(path);
	}
	if (!rc)
		rc = pv_node_path(pv, &node);
	if (!rc)
		rc = drill_kube_host_path(v->platform, i, node, out);
	if (rc)
		drill_err_wrap(rc, "csi-snapshot: claim %s/%s", c->ns, claim);
	free(node);
	json_decref(pv);
	json_decref(pvc);
	free(claim);
	return rc;
}

static int csi_finish_restore(struct drill_vendor *v, const char *name)
{
	struct csi *c = csi_of(v);
	int rc = 0;
	for (int i = 0; i < v->platform->spec.replicas && !rc; i++) {
		char *claim, *path;
		rc = object_name(&claim, v, i, "from-", name);
		if (rc)
			break;
		path = drill_k8s_path("/api/v1/namespaces/%s/persistentvolumeclaims/%s", c->ns,
				      claim);
		rc = drill_k8s_delete(c->k, path);
		free(path);
		free(claim);
	}
	return rc;
}

static void csi_destroy(struct drill_vendor *v)
{
	struct csi *c = csi_of(v);
	if (!c)
		return;
	drill_k8s_close(c->k);
	free(c);
	v->impl = NULL;
}

static const struct drill_vendor_ops csi_ops = {
	.name = "csi-snapshot",
	.backup = csi_backup,
	.restore = csi_restore,
	.source_root = csi_source_root,
	.remove = csi_remove,
	.finish_restore = csi_finish_restore,
	.destroy = csi_destroy,
};

int drill_vendor_csi_snapshot_open(struct drill_vendor *v)
{
	const char *plat = v->platform && v->platform->ops ? v->platform->ops->name : "none";
	if (!strcmp(plat, "local"))
		return drill_err(DRILL_EENV, "storage vendor csi-snapshot needs a Kubernetes cluster "
				 "with a CSI driver and the snapshot controller (platform kind or "
				 "minikube); the local platform has none");
	if (strcmp(plat, "kind") && strcmp(plat, "minikube"))
		return drill_err(DRILL_EENV, "storage vendor csi-snapshot runs on the kind and minikube "
				 "platforms, not on %s", plat);
	const struct drill_kube *kb = v->platform->impl;
	struct drill_kubeconfig kc;
	int rc = drill_kubeconfig_load(&kc, kb->kubeconfig, NULL);
	if (rc)
		return drill_err_wrap(rc, "storage vendor csi-snapshot");
	struct csi *c = drill_xcalloc(1, sizeof(*c));
	rc = drill_k8s_open(&c->k, &kc, 0);
	drill_kubeconfig_free(&kc);
	if (rc) {
		free(c);
		return drill_err_wrap(rc, "storage vendor csi-snapshot");
	}
	c->ns = v->platform->spec.namespace_;
	c->snapshot_class = v->cfg.snapshot_class ? v->cfg.snapshot_class : DEFAULT_SNAPSHOT_CLASS;
	v->impl = c;
	v->ops = &csi_ops;
	return 0;
}
