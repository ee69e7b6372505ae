/* storage/ebs_sim.c — `ebs-sim`: a simulated Amazon EBS with availability zones, for the
 * runbook's EKS flow (docs/vendor-ebs-sim.md).
 *
 * Every replica's node is an EC2 instance in zones[i % n]. The replicas' live volumes are the
 * platform's volume roots, registered at first use as volumes attached to their instances. The
 * API calls are modelled one by one, each with the checks and the error shape (code + message)
 * that EC2 gives:
 *
 *   backup(name)    CreateSnapshot of every volume, tagged with the backup's name; a snapshot is a
 *                   copy of the volume at one recorded moment (wall clock + sequence number)
 *   restore(name)   per replica: CreateVolume from its snapshot (in the instance's zone unless
 *                   a `wrong-az` fault armed another), AttachVolume to the replica's instance
 *                   (refused across zones: InvalidVolume.ZoneMismatch), mount beside the
 *                   original; source_root is then that mount, and the restore flow copies the
 *                   checkpoint across
 *   finish_restore  per replica: unmount, DetachVolume, DeleteVolume, DeleteSnapshot — the
 *                   runbook's "delete the restored volume from EC2 along with its snapshots"
 *
 * On disk, all under <ws>/ebs-sim/:
 *   state.json                  instances, volumes, snapshots, the sequence (rewritten atomically
 *                               after every call)
 *   api-calls.jsonl             one line per call: sequence, time, action, request, response or
 *                               error {code, message}
 *   snapshots/<snap-id>/        a snapshot's data (a copy of the volume's tree)
 *   volumes/<vol-id>/           a restored volume's data while it is not mounted
 *   mnt/<i-id>/source/replica-<i>/   where it is mounted (the runbook's /mnt/source/replica-<i>)
 *
 * Mounting renames the volume's directory onto its mount point and unmounting renames it back,
 * so a mounted volume's files are only under the mount point, as on a real node. The original
 * volume stays mounted where the node has it (the platform's volume root), which plays the
 * runbook's /mnt/destination/replica-<i>. */
#include "storage/storage_internal.h"

#include "util/beneath.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"

#include <jansson.h>

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EBS_SCHEMA "chaindrill-ebs-sim/1"
#define ORIGINAL_DEVICE "/dev/xvdba"
#define TAG_BACKUP "chaindrill/backup"
#define GIB (1024.0 * 1024.0 * 1024.0)

struct ebs {
	char *dir;         /* <ws>/ebs-sim */
	char *state_path;  /* <dir>/state.json */
	char *log_path;    /* <dir>/api-calls.jsonl */
	json_t *st;        /* the state, as saved */
	int n;             /* replicas */
	char **armed_zone; /* per replica: the zone of the next restore's volume (NULL: its own) */
};

static struct ebs *E(struct drill_vendor *v)
{
	return v->impl;
}

/* --- State, ids, the call log ----------------------------------------------------------------- */

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static json_t *arr(struct ebs *e, const char *key)
{
	return json_object_get(e->st, key);
}

/* The element of array `a` whose `key` is `value` (borrowed; NULL if none), and its index. */
static json_t *find(json_t *a, const char *key, const char *value, size_t *index)
{
	size_t k;
	json_t *x;
	json_array_foreach(a, k, x) {
		if (!strcmp(jstr(x, key), value)) {
			if (index)
				*index = k;
			return x;
		}
	}
	return NULL;
}

static int save(struct ebs *e)
{
	char *text = json_dumps(e->st, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	int rc = drill_fs_write_atomic(e->state_path, text, strlen(text));
	free(text);
	if (rc)
		drill_err_wrap(rc, "ebs-sim: saving its state");
	return rc;
}

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15u;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
	return x ^ (x >> 31);
}

/* An id shaped like EC2's: prefix, "-0", 16 hex digits; deterministic from a counter kept in the
 * state, so a rerun of a scenario gives the same ids. */
static char *new_id(struct ebs *e, const char *prefix)
{
	json_int_t next = json_integer_value(json_object_get(e->st, "nextId"));
	json_object_set_new(e->st, "nextId", json_integer(next + 1));
	uint64_t salt = (uint64_t)(unsigned char)prefix[0] << 56;
	return drill_xasprintf("%s-0%016" PRIx64, prefix, mix64((uint64_t)next ^ salt));
}

/* The next moment: a sequence number that only grows (kept across reopenings), with the wall
 * clock in EC2's format. */
static json_int_t tick(struct ebs *e, char *iso, size_t len)
{
	json_int_t seq = json_integer_value(json_object_get(e->st, "sequence")) + 1;
	json_object_set_new(e->st, "sequence", json_integer(seq));
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	char sec[32];
	strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(iso, len, "%s.%03ldZ", sec, ts.tv_nsec / 1000000);
	return seq;
}

/* Append one call to the log (steals request and response). A log that cannot be written is
 * only a warning: the state is what counts. */
static void log_call(struct ebs *e, json_int_t seq, const char *time, const char *action,
		     json_t *request, json_t *response, const char *code, const char *message)
{
	json_t *line = json_pack("{s:I,s:s,s:s,s:o}", "sequence", seq, "time", time, "action",
				 action, "request", request ? request : json_object());
	if (code)
		json_object_set_new(line, "error", json_pack("{s:s,s:s}", "code", code, "message",
							     message));
	else
		json_object_set_new(line, "response", response ? response : json_object());
	if (code)
		json_decref(response);
	char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
	FILE *f = drill_beneath_fopen(e->log_path, "ae");
	if (!f)
		drill_log_warn("ebs-sim: %s", drill_err_last());
	else if (fprintf(f, "%s\n", text) < 0)
		drill_log_warn("ebs-sim: %s: %s", e->log_path, strerror(errno));
	if (f)
		fclose(f);
	free(text);
	json_decref(line);
}

/* A call that EC2 refuses: logged, saved, and the message "Code: Message". */
static int api_fail(struct ebs *e, json_int_t seq, const char *time, const char *action,
		    json_t *request, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
static int api_fail(struct ebs *e, json_int_t seq, const char *time, const char *action,
		    json_t *request, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_call(e, seq, time, action, request, NULL, code, msg);
	save(e);
	return drill_err(DRILL_EFAIL, "%s: %s", code, msg);
}

static int valid_name(const char *name)
{
	if (!name || !*name || !strcmp(name, ".") || !strcmp(name, "..") || strchr(name, '/'))
		return drill_err(DRILL_EINPUT, "invalid backup name \"%s\"", name ? name : "");
	return 0;
}

static const char *cfg_zone(struct drill_vendor *v, int i)
{
	if (!v->cfg.n_zones || !v->cfg.zones)
		return "zone-a"; /* the scenario's default */
	return v->cfg.zones[(size_t)i % v->cfg.n_zones];
}

/* A zone EC2 knows here: one the cluster's nodes are in. */
static int known_zone(struct drill_vendor *v, const char *zone)
{
	if (!v->cfg.n_zones || !v->cfg.zones)
		return !strcmp(zone, "zone-a");
	for (size_t k = 0; k < v->cfg.n_zones; k++)
		if (!strcmp(v->cfg.zones[k], zone))
			return 1;
	return 0;
}

static json_t *instance_of(struct ebs *e, int i)
{
	size_t k;
	json_t *x;
	json_array_foreach(arr(e, "instances"), k, x)
		if (json_integer_value(json_object_get(x, "replica")) == i)
			return x;
	return NULL;
}

static json_t *tags_json(const char *backup, int replica)
{
	char r[16];
	snprintf(r, sizeof(r), "%d", replica);
	return json_pack("[{s:s,s:s},{s:s,s:s}]", "key", TAG_BACKUP, "value", backup, "key",
			 "chaindrill/replica", "value", r);
}

static const char *tag(json_t *o, const char *key)
{
	size_t k;
	json_t *t;
	json_array_foreach(json_object_get(o, "tags"), k, t)
		if (!strcmp(jstr(t, "key"), key))
			return jstr(t, "value");
	return NULL;
}

static int replica_of(json_t *o)
{
	return (int)json_integer_value(json_object_get(o, "replica"));
}

/* The snapshot of backup `name` for replica i (borrowed), or NULL. */
static json_t *snapshot_for(struct ebs *e, const char *name, int i)
{
	size_t k;
	json_t *s;
	json_array_foreach(arr(e, "snapshots"), k, s) {
		const char *b = tag(s, TAG_BACKUP);
		if (b && !strcmp(b, name) && replica_of(s) == i)
			return s;
	}
	return NULL;
}

static int backup_exists(struct ebs *e, const char *name)
{
	for (int i = 0; i < e->n; i++)
		if (snapshot_for(e, name, i))
			return 1;
	return 0;
}

/* The restored volume of backup `name` for replica i that is mounted (borrowed), or NULL. */
static json_t *restored_for(struct ebs *e, const char *name, int i)
{
	size_t k;
	json_t *x, *found = NULL;
	json_array_foreach(arr(e, "volumes"), k, x)
		if (!strcmp(jstr(x, "role"), "restored") && !strcmp(jstr(x, "backup"), name) &&
		    replica_of(x) == i)
			found = x; /* the latest */
	return found;
}

static char *snapshot_dir(struct ebs *e, const char *id)
{
	return drill_xasprintf("%s/snapshots/%s", e->dir, id);
}

static char *volume_dir(struct ebs *e, const char *id)
{
	return drill_xasprintf("%s/volumes/%s", e->dir, id);
}

static json_int_t size_gib(uint64_t bytes)
{
	json_int_t g = (json_int_t)((double)bytes / GIB + 0.999999);
	return g < 1 ? 1 : g;
}

/* Replica i's live volume: registered as attached to its instance the first time it is used. */
static int original_volume(struct drill_vendor *v, int i, json_t **out)
{
	struct ebs *e = E(v);
	size_t k;
	json_t *x;
	*out = NULL;
	json_array_foreach(arr(e, "volumes"), k, x) {
		if (!strcmp(jstr(x, "role"), "original") && replica_of(x) == i) {
			*out = x;
			return 0;
		}
	}
	char *root = NULL;
	int rc = v->platform->ops->volume_root(v->platform, i, &root);
	if (rc)
		return rc;
	uint64_t bytes = 0;
	if (drill_fs_is_dir(root))
		drill_fs_tree_size(&bytes, root);
	json_t *inst = instance_of(e, i);
	char *id = new_id(e, "vol");
	char time[40];
	json_int_t seq = tick(e, time, sizeof(time));
	x = json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:n,s:i,s:s,s:s}", "volumeId", id, "size",
		      size_gib(bytes), "zone", jstr(inst, "zone"), "state", "in-use", "attachedTo",
		      jstr(inst, "instanceId"), "device", ORIGINAL_DEVICE, "role", "original",
		      "snapshotId", "replica", i, "path", root, "mountPoint", root);
	json_array_append_new(arr(e, "volumes"), x);
	/* Not an EC2 call: what an operator reads in the console (EKS > cluster > PV > volume). */
	log_call(e, seq, time, "RegisterExistingVolume",
		 json_pack("{s:i,s:s}", "replica", i, "path", root), json_deep_copy(x), NULL, NULL);
	free(id);
	free(root);
	*out = x;
	return save(e);
}

/* --- The calls --------------------------------------------------------------------------------- */

/* CreateSnapshot of volume `vol` (an original), its data copied while the replica may run. */
static int create_snapshot(struct drill_vendor *v, json_t *vol, const char *backup, int i,
			   uint64_t *bytes, struct drill_fs_links *links, char **snap_id)
{
	struct ebs *e = E(v);
	char time[40];
	json_int_t seq = tick(e, time, sizeof(time));
	char *id = new_id(e, "snap");
	const char *vol_id = jstr(vol, "volumeId");
	char *dir = snapshot_dir(e, id), *partial = drill_xasprintf("%s.partial", dir);
	char *parent = drill_xasprintf("%s/snapshots", e->dir);
	uint64_t b = 0, f = 0;
	struct drill_copy_opts o = DRILL_COPY_LIVE;
	o.bytes_copied = &b;
	o.files_copied = &f;
	o.links = links;
	int rc = 0;
	if (!drill_fs_is_dir(jstr(vol, "path"))) {
		rc = api_fail(e, seq, time, "CreateSnapshot",
			      json_pack("{s:s,s:o}", "volumeId", vol_id, "tagSpecifications",
					tags_json(backup, i)),
			      "IncorrectState", "The volume '%s' has no data (%s is not a directory)",
			      vol_id, jstr(vol, "path"));
		goto cleanup;
	}
	rc = drill_fs_mkdir_p(parent, 0755);
	if (!rc)
		rc = drill_fs_remove_tree(partial);
	if (!rc)
		rc = drill_fs_copy_tree(jstr(vol, "path"), partial, &o);
	if (!rc && rename(partial, dir) != 0)
		rc = drill_err(DRILL_EFAIL, "%s: %s", dir, strerror(errno));
	if (rc) {
		drill_fs_remove_tree(partial);
		goto cleanup;
	}
	json_t *s = json_pack("{s:s,s:s,s:I,s:s,s:I,s:s,s:s,s:o,s:i,s:I,s:I,s:s}", "snapshotId", id,
			      "volumeId", vol_id, "volumeSize",
			      json_integer_value(json_object_get(vol, "size")), "startTime", time,
			      "sequence", seq, "state", "completed", "progress", "100%", "tags",
			      tags_json(backup, i), "replica", i, "bytes", (json_int_t)b, "files",
			      (json_int_t)f, "path", dir);
	json_array_append_new(arr(e, "snapshots"), s);
	log_call(e, seq, time, "CreateSnapshot",
		 json_pack("{s:s,s:o}", "volumeId", vol_id, "tagSpecifications",
			   tags_json(backup, i)),
		 json_pack("{s:s,s:s,s:s,s:I}", "snapshotId", id, "state", "completed",
			   "startTime", time, "sequence", seq),
		 NULL, NULL);
	*bytes += b;
	*snap_id = drill_xstrdup(id);
	rc = save(e);
cleanup:
	free(id);
	free(dir);
	free(partial);
	free(parent);
	return rc;
}

/* DeleteSnapshot: the record and its data. */
static int delete_snapshot(struct ebs *e, const char *snap_id, const char *why)
{
	char time[40];
	json_int_t seq = tick(e, time, sizeof(time));
	size_t idx;
	json_t *req = json_pack("{s:s}", "snapshotId", snap_id);
	json_t *s = find(arr(e, "snapshots"), "snapshotId", snap_id, &idx);
	if (!s)
		return api_fail(e, seq, time, "DeleteSnapshot", req, "InvalidSnapshot.NotFound",
				"The snapshot '%s' does not exist.", snap_id);
	char *dir = snapshot_dir(e, snap_id);
	int rc = drill_fs_remove_tree(dir);
	free(dir);
	if (rc) {
		json_decref(req);
		return rc;
	}
	json_array_append_new(arr(e, "deletedSnapshots"),
			      json_pack("{s:s,s:s?,s:i,s:I,s:s}", "snapshotId", snap_id, "backup",
					tag(s, TAG_BACKUP), "replica", replica_of(s), "sequence", seq,
					"reason", why));
	json_array_remove(arr(e, "snapshots"), idx);
	log_call(e, seq, time, "DeleteSnapshot", req, json_object(), NULL, NULL);
	return save(e);
}

/* CreateVolume from a snapshot in a zone: the snapshot's data copied to the new volume. */
static int create_volume(struct drill_vendor *v, json_t *snap, const char *zone,
			 const char *backup, int i, uint64_t *bytes, char **vol_id)
{
	struct ebs *e = E(v);
	char time[40];
	json_int_t seq = tick(e, time, sizeof(time));
	const char *snap_id = jstr(snap, "snapshotId");
	json_t *req = json_pack("{s:s,s:s,s:s}", "snapshotId", snap_id, "availabilityZone", zone,
				"volumeType", "gp3");
	if (!known_zone(v, zone))
		return api_fail(e, seq, time, "CreateVolume", req, "InvalidParameterValue",
				"Invalid availability zone: [%s]", zone);
	char *id = new_id(e, "vol");
	char *dir = volume_dir(e, id);
	uint64_t b = 0;
	struct drill_copy_opts o = DRILL_COPY_ARCHIVE;
	o.bytes_copied = &b;
	int rc = drill_fs_mkdir_p(e->dir, 0755);
	char *parent = drill_xasprintf("%s/volumes", e->dir);
	if (!rc)
		rc = drill_fs_mkdir_p(parent, 0755);
	free(parent);
	if (!rc)
		rc = drill_fs_remove_tree(dir);
	if (!rc)
		rc = drill_fs_copy_tree(jstr(snap, "path"), dir, &o);
	if (rc) {
		drill_err_wrap(rc, "CreateVolume from %s", snap_id);
		json_decref(req);
		drill_fs_remove_tree(dir);
		goto cleanup;
	}
	json_t *x = json_pack("{s:s,s:I,s:s,s:s,s:n,s:n,s:s,s:s,s:s,s:i,s:s,s:n}", "volumeId", id,
			      "size", json_integer_value(json_object_get(snap, "volumeSize")),
			      "zone", zone, "state", "available", "attachedTo", "device", "role",
			      "restored", "snapshotId", snap_id, "backup", backup, "replica", i,
			      "path", dir, "mountPoint");
	json_array_append_new(arr(e, "volumes"), x);
	log_call(e, seq, time, "CreateVolume", req,
		 json_pack("{s:s,s:s,s:s,s:s}", "volumeId", id, "availabilityZone", zone,
			   "snapshotId", snap_id, "state", "available"),
		 NULL, NULL);
	*bytes += b;
	*vol_id = drill_xstrdup(id);
	rc = save(e);
cleanup:
	free(id);
	free(dir);
	return rc;
}

/* The first of /dev/sdf../dev/sdp (EC2's recommended names for data volumes) that no volume
 * attached to the instance uses; NULL when all are taken. */
static const char *free_device(struct ebs *e, const char *instance_id, char *buf, size_t len)
{
	for (char c = 'f'; c <= 'p'; c++) {
		snprintf(buf, len, "/dev/sd%c", c);
		int used = 0;
		size_t k;
		json_t *x;
		json_array_foreach(arr(e, "volumes"), k, x)
			used |= !strcmp(jstr(x, "attachedTo"), instance_id) &&
				!strcmp(jstr(x, "device"), buf);
		if (!used)
			return buf;
	}
	return NULL;
}

/* AttachVolume: the volume must be available and in the instance's zone. */
static int attach_volume(struct ebs *e, const char *vol_id, json_t *inst)
{
	char time[40], dev[16];
	json_int_t seq = tick(e, time, sizeof(time));
	const char *inst_id = jstr(inst, "instanceId");
	const char *device = free_device(e, inst_id, dev, sizeof(dev));
	json_t *req = json_pack("{s:s,s:s,s:s?}", "volumeId", vol_id, "instanceId", inst_id,
				"device", device);
	json_t *x = find(arr(e, "volumes"), "volumeId", vol_id, NULL);
	if (!x)
		return api_fail(e, seq, time, "AttachVolume", req, "InvalidVolume.NotFound",
				"The volume '%s' does not exist.", vol_id);
	if (strcmp(jstr(x, "state"), "available"))
		return api_fail(e, seq, time, "AttachVolume", req, "VolumeInUse",
				"%s is already attached to an instance", vol_id);
	if (strcmp(jstr(x, "zone"), jstr(inst, "zone")))
		return api_fail(e, seq, time, "AttachVolume", req, "InvalidVolume.ZoneMismatch",
				"The volume '%s' is not in the same availability zone as instance "
				"'%s' (volume in %s, instance in %s)",
				vol_id, inst_id, jstr(x, "zone"), jstr(inst, "zone"));
	if (!device)
		return api_fail(e, seq, time, "AttachVolume", req, "AttachmentLimitExceeded",
				"Instance '%s' has no free device name in /dev/sd[f-p]", inst_id);
	json_object_set_new(x, "state", json_string("in-use"));
	json_object_set_new(x, "attachedTo", json_string(inst_id));
	json_object_set_new(x, "device", json_string(device));
	log_call(e, seq, time, "AttachVolume", req,
		 json_pack("{s:s,s:s,s:s,s:s}", "volumeId", vol_id, "instanceId", inst_id, "device",
			   device, "state", "attached"),
		 NULL, NULL);
	return save(e);
}

static int dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return 1;
	struct dirent *de;
	int empty = 1;
	while (empty && (de = readdir(d)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	closedir(d);
	return empty;
}

/* mkdir -p /mnt/source/replica-<i>; mount <device> there. Not an EC2 call: the node's. */
static int mount_volume(struct ebs *e, json_t *x, json_t *inst, int i)
{
	char time[40];
	json_int_t seq = tick(e, time, sizeof(time));
	const char *vol_id = jstr(x, "volumeId");
	char *mp = drill_xasprintf("%s/mnt/%s/source/replica-%d", e->dir, jstr(inst, "instanceId"),
				   i);
	json_t *req = json_pack("{s:s,s:s,s:s}", "instanceId", jstr(inst, "instanceId"), "device",
				jstr(x, "device"), "mountPoint", mp);
	int rc = drill_fs_mkdir_p(mp, 0755);
	if (rc) {
		json_decref(req);
		goto cleanup;
	}
	if (strcmp(jstr(x, "attachedTo"), jstr(inst, "instanceId"))) {
		rc = api_fail(e, seq, time, "Mount", req, "NoSuchDevice",
			      "mount: %s: special device %s does not exist on instance %s", mp,
			      jstr(x, "device"), jstr(inst, "instanceId"));
		goto cleanup;
	}
	if (!dir_is_empty(mp)) {
		rc = api_fail(e, seq, time, "Mount", req, "MountPointBusy",
			      "mount: %s: mount point is busy", mp);
		goto cleanup;
	}
	if (rename(jstr(x, "path"), mp) != 0) {
		rc = drill_err(DRILL_EFAIL, "mount %s on %s: %s", vol_id, mp, strerror(errno));
		json_decref(req);
		goto cleanup;
	}
	json_object_set_new(x, "mountPoint", json_string(mp));
	log_call(e, seq, time, "Mount", req, json_pack("{s:s}", "volumeId", vol_id), NULL, NULL);
	rc = save(e);
cleanup:
	free(mp);
	return rc;
}

/* umount: the volume's files go back to its device directory. */
static int unmount_volume(struct ebs *e, json_t *x)
{
	if (json_is_null(json_object_get(x, "mountPoint")))
		return 0;
	char time[40];
	json_int_t seq = tick(e, time, sizeof(time));
	const char *mp = jstr(x, "mountPoint");
	if (rename(mp, jstr(x, "path")) != 0)
		return drill_err(DRILL_EFAIL, "umount %s: %s", mp, strerror(errno));
	log_call(e, seq, time, "Unmount", json_pack("{s:s,s:s}", "mountPoint", mp, "volumeId",
						    jstr(x, "volumeId")),
		 json_object(), NULL, NULL);
	json_object_set_new(x, "mountPoint", json_null());
	return save(e);
}

static int detach_volume(struct ebs *e, json_t *x)
{
	char time[40];
	json_int_t seq = tick(e, time, sizeof(time));
	const char *vol_id = jstr(x, "volumeId");
	json_t *req = json_pack("{s:s}", "volumeId", vol_id);
	if (strcmp(jstr(x, "state"), "in-use"))
		return api_fail(e, seq, time, "DetachVolume", req, "IncorrectState",
				"Volume '%s' is in the '%s' state.", vol_id, jstr(x, "state"));
	if (!json_is_null(json_object_get(x, "mountPoint")))
		return api_fail(e, seq, time, "DetachVolume", req, "VolumeBusy",
				"Volume '%s' is still mounted at %s", vol_id, jstr(x, "mountPoint"));
	json_t *resp = json_pack("{s:s,s:s,s:s,s:s}", "volumeId", vol_id, "instanceId",
				 jstr(x, "attachedTo"), "device", jstr(x, "device"), "state",
				 "detached");
	json_object_set_new(x, "state", json_string("available"));
	json_object_set_new(x, "attachedTo", json_null());
	json_object_set_new(x, "device", json_null());
	log_call(e, seq, time, "DetachVolume", req, resp, NULL, NULL);
	return save(e);
}

static int delete_volume(struct ebs *e, const char *vol_id)
{
	char time[40];
	json_int_t seq = tick(e, time, sizeof(time));
	size_t idx;
	json_t *req = json_pack("{s:s}", "volumeId", vol_id);
	json_t *x = find(arr(e, "volumes"), "volumeId", vol_id, &idx);
	if (!x)
		return api_fail(e, seq, time, "DeleteVolume", req, "InvalidVolume.NotFound",
				"The volume '%s' does not exist.", vol_id);
	if (strcmp(jstr(x, "state"), "available"))
		return api_fail(e, seq, time, "DeleteVolume", req, "VolumeInUse",
				"Volume %s is currently attached to %s", vol_id,
				jstr(x, "attachedTo"));
	int rc = drill_fs_remove_tree(jstr(x, "path"));
	if (rc) {
		json_decref(req);
		return rc;
	}
	json_array_remove(arr(e, "volumes"), idx);
	log_call(e, seq, time, "DeleteVolume", req, json_object(), NULL, NULL);
	return save(e);
}

/* --- The vendor ops ---------------------------------------------------------------------------- */

static int ebs_backup(struct drill_vendor *v, const char *name)
{
	struct ebs *e = E(v);
	int rc = valid_name(name);
	if (rc)
		return rc;
	v->bytes_copied = 0;
	json_decref(drill_vendor_take_shared(v, NULL));
	if (backup_exists(e, name))
		return drill_err(DRILL_EINPUT, "backup %s already exists", name);
	char **made = drill_xcalloc((size_t)e->n, sizeof(*made));
	uint64_t bytes = 0;
	struct drill_fs_links *links = drill_fs_links_new(); /* over every volume's snapshot */
	for (int i = 0; i < e->n && !rc; i++) {
		json_t *vol = NULL;
		rc = original_volume(v, i, &vol);
		if (!rc) {
			rc = create_snapshot(v, vol, name, i, &bytes, links, &made[i]);
			if (rc)
				drill_err_wrap(rc, "backup %s: replica %d: create-snapshot of %s", name,
					       i, jstr(vol, "volumeId"));
		}
	}
	if (rc) {
		/* A backup is whole or absent: the snapshots already taken go. */
		char keep[1024];
		snprintf(keep, sizeof(keep), "%s", drill_err_last());
		for (int i = 0; i < e->n; i++)
			if (made[i])
				delete_snapshot(e, made[i], "backup incomplete");
		drill_err(rc, "%s", keep);
	} else {
		v->bytes_copied = bytes;
		json_decref(drill_vendor_take_shared(v, links)); /* the report records them */
	}
	drill_fs_links_free(links);
	for (int i = 0; i < e->n; i++)
		free(made[i]);
	free(made);
	return rc;
}

/* Unmount, detach and delete replica i's restored volume of backup `name` (the latest, if any),
 * and with `drop_snapshot` the snapshot it came from. */
static int cleanup_restored(struct ebs *e, const char *name, int i, int drop_snapshot)
{
	json_t *x = restored_for(e, name, i);
	if (!x)
		return 0;
	char *vol_id = drill_xstrdup(jstr(x, "volumeId"));
	char *snap_id = drill_xstrdup(jstr(x, "snapshotId"));
	const char *what = "unmount";
	int rc = unmount_volume(e, x);
	if (!rc && !strcmp(jstr(x, "state"), "in-use")) {
		what = "detach-volume";
		rc = detach_volume(e, x);
	}
	if (!rc) {
		what = "delete-volume";
		rc = delete_volume(e, vol_id);
	}
	if (!rc && drop_snapshot && find(arr(e, "snapshots"), "snapshotId", snap_id, NULL)) {
		what = "delete-snapshot";
		rc = delete_snapshot(e, snap_id, "deleted with the restored volume after the "
				     "restore, as the runbook says");
	}
	if (rc)
		drill_err_wrap(rc, "replica %d: %s", i, what);
	free(vol_id);
	free(snap_id);
	return rc;
}

/* Why backup `name` has no snapshot for replica i: never taken, or deleted (and by what). */
static int no_snapshot(struct ebs *e, const char *name, int i)
{
	size_t k;
	json_t *d, *found = NULL;
	json_array_foreach(arr(e, "deletedSnapshots"), k, d)
		if (!strcmp(jstr(d, "backup"), name) && replica_of(d) == i)
			found = d;
	if (found)
		return drill_err(DRILL_ENOTFOUND, "backup %s: snapshot %s of replica %d was deleted "
				 "(%s); take a new backup to restore again", name,
				 jstr(found, "snapshotId"), i, jstr(found, "reason"));
	if (!backup_exists(e, name))
		return drill_err(DRILL_ENOTFOUND, "no backup named %s", name);
	return drill_err(DRILL_ENOTFOUND, "backup %s has no snapshot of replica %d's volume", name,
			 i);
}

/* The runbook's EKS restore, per replica: a volume from the snapshot, in the instance's zone
 * (or the armed one), attached to the instance and mounted beside the original. */
static int ebs_restore(struct drill_vendor *v, const char *name)
{
	struct ebs *e = E(v);
	int rc = valid_name(name);
	v->bytes_copied = 0;
	for (int i = 0; i < e->n && !rc; i++)
		if (!snapshot_for(e, name, i))
			rc = no_snapshot(e, name, i);
	/* What an earlier restore of this backup left (it failed before its cleanup) goes first,
	 * as an operator would clear it before trying again. */
	for (int i = 0; i < e->n && !rc; i++) {
		rc = cleanup_restored(e, name, i, 0);
		if (rc)
			drill_err_wrap(rc, "cleaning up an earlier restore of %s", name);
	}
	uint64_t bytes = 0;
	for (int i = 0; i < e->n && !rc; i++) {
		json_t *orig = NULL, *inst = instance_of(e, i);
		rc = original_volume(v, i, &orig); /* what the copy will go to */
		if (rc)
			break;
		const char *zone = e->armed_zone[i] ? e->armed_zone[i] : jstr(inst, "zone");
		char *vol_id = NULL;
		rc = create_volume(v, snapshot_for(e, name, i), zone, name, i, &bytes, &vol_id);
		if (rc) {
			drill_err_wrap(rc, "replica %d: create-volume", i);
			break;
		}
		rc = attach_volume(e, vol_id, inst);
		if (rc)
			drill_err_wrap(rc, "replica %d: attach-volume", i);
		if (!rc) {
			rc = mount_volume(e, find(arr(e, "volumes"), "volumeId", vol_id, NULL), inst, i);
			if (rc)
				drill_err_wrap(rc, "replica %d: mount", i);
		}
		free(vol_id);
	}
	/* An armed zone is for one restore. */
	for (int i = 0; i < e->n; i++) {
		free(e->armed_zone[i]);
		e->armed_zone[i] = NULL;
	}
	v->bytes_copied = bytes;
	return rc;
}

/* After the checkpoints were copied: unmount, detach and delete each restored volume, and
 * delete the snapshot it came from. */
static int ebs_finish_restore(struct drill_vendor *v, const char *name)
{
	struct ebs *e = E(v);
	int rc = valid_name(name);
	for (int i = 0; i < e->n && !rc; i++)
		rc = cleanup_restored(e, name, i, 1);
	return rc;
}

/* Where the restore flow copies replica i's checkpoint from: the restored volume's mount; before
 * a restore (a fault aimed at the backup), the snapshot's data. */
static int ebs_source_root(struct drill_vendor *v, const char *name, int i, char **path)
{
	struct ebs *e = E(v);
	int rc = valid_name(name);
	if (rc)
		return rc;
	json_t *x = restored_for(e, name, i);
	if (x && !json_is_null(json_object_get(x, "mountPoint"))) {
		*path = drill_xstrdup(jstr(x, "mountPoint"));
		return 0;
	}
	json_t *s = snapshot_for(e, name, i);
	if (!s)
		return no_snapshot(e, name, i);
	*path = drill_xstrdup(jstr(s, "path"));
	return 0;
}

static int ebs_remove(struct drill_vendor *v, const char *name)
{
	struct ebs *e = E(v);
	int rc = valid_name(name);
	for (int i = 0; i < e->n && !rc; i++) {
		json_t *s = snapshot_for(e, name, i);
		if (!s)
			continue;
		char *id = drill_xstrdup(jstr(s, "snapshotId"));
		rc = delete_snapshot(e, id, "backup removed");
		free(id);
	}
	return rc;
}

static int ebs_arm(struct drill_vendor *v, const char *what, int replica, const char *value)
{
	struct ebs *e = E(v);
	if (strcmp(what, "restore-zone"))
		return drill_err(DRILL_EINPUT, "ebs-sim has no fault \"%s\" to arm", what);
	if (replica < 0 || replica >= e->n)
		return drill_err(DRILL_EINPUT, "ebs-sim: no replica %d", replica);
	free(e->armed_zone[replica]);
	e->armed_zone[replica] = value ? drill_xstrdup(value) : NULL;
	return 0;
}

static void ebs_destroy(struct drill_vendor *v)
{
	struct ebs *e = E(v);
	if (!e)
		return;
	for (int i = 0; i < e->n; i++)
		free(e->armed_zone[i]);
	free(e->armed_zone);
	json_decref(e->st);
	free(e->dir);
	free(e->state_path);
	free(e->log_path);
	free(e);
	v->impl = NULL;
}

static const struct drill_vendor_ops ebs_ops = {
	.name = "ebs-sim",
	.backup = ebs_backup,
	.restore = ebs_restore,
	.source_root = ebs_source_root,
	.remove = ebs_remove,
	.arm = ebs_arm,
	.finish_restore = ebs_finish_restore,
	.destroy = ebs_destroy,
};

/* Load state.json, or start one; every replica gets its instance. */
static int load_state(struct drill_vendor *v)
{
	struct ebs *e = E(v);
	if (drill_fs_exists(e->state_path)) {
		json_error_t je;
		e->st = json_load_file(e->state_path, 0, &je);
		if (!e->st)
			return drill_err(DRILL_EFAIL, "%s:%d:%d: %s", e->state_path, je.line,
					 je.column, je.text);
		if (strcmp(jstr(e->st, "schema"), EBS_SCHEMA))
			return drill_err(DRILL_EFAIL, "%s: not an ebs-sim state (schema \"%s\", "
					 "expected \"%s\")", e->state_path, jstr(e->st, "schema"),
					 EBS_SCHEMA);
		static const char *const arrays[] = {"instances", "volumes", "snapshots",
						     "deletedSnapshots"};
		for (size_t k = 0; k < sizeof(arrays) / sizeof(*arrays); k++)
			if (!json_is_array(json_object_get(e->st, arrays[k])))
				return drill_err(DRILL_EFAIL, "%s: \"%s\" is not an array",
						 e->state_path, arrays[k]);
	} else {
		e->st = json_pack("{s:s,s:I,s:I,s:[],s:[],s:[],s:[]}", "schema", EBS_SCHEMA,
				  "sequence", (json_int_t)0, "nextId", (json_int_t)1, "instances",
				  "volumes", "snapshots", "deletedSnapshots");
	}
	int added = 0;
	for (int i = 0; i < e->n; i++) {
		if (instance_of(e, i))
			continue;
		char id[32];
		snprintf(id, sizeof(id), "i-0%016" PRIx64, mix64(0x1000u + (uint64_t)i));
		json_array_append_new(arr(e, "instances"),
				      json_pack("{s:s,s:s,s:i}", "instanceId", id, "zone",
						cfg_zone(v, i), "replica", i));
		added = 1;
	}
	return added || !drill_fs_exists(e->state_path) ? save(e) : 0;
}

int drill_vendor_ebs_sim_open(struct drill_vendor *v)
{
	struct ebs *e = drill_xcalloc(1, sizeof(*e));
	v->impl = e;
	v->ops = &ebs_ops;
	e->n = v->platform->spec.replicas;
	e->dir = drill_xasprintf("%s/ebs-sim", v->workspace);
	e->state_path = drill_xasprintf("%s/state.json", e->dir);
	e->log_path = drill_xasprintf("%s/api-calls.jsonl", e->dir);
	e->armed_zone = drill_xcalloc((size_t)e->n, sizeof(*e->armed_zone));
	int rc = drill_fs_mkdir_p(e->dir, 0755);
	if (!rc)
		rc = load_state(v);
	if (rc) {
		ebs_destroy(v);
		v->ops = NULL;
	}
	return rc;
}
