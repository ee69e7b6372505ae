/* scenario/scenario.c — loads a scenario file and validates it into a drill_scenario
 * (docs/design.md §3).
 *
 * Two passes. First the file becomes a tree of nodes that keep their position (ytree.h: libyaml's
 * event API; anchors, aliases, tags and a second document are rejected). Then the tree is checked
 * against the schema, section by section in the order of docs/scenario.md: within a mapping,
 * unknown and duplicate keys are reported first (in file order), then each key's value. The
 * first problem ends the load; its message is "FILE:LINE:COL: key.path: what was expected, got
 * what", pointing at the offending node, or at the mapping for a missing required key. Sequence
 * items appear in paths as [i], from 0. */
#include "scenario/scenario.h"

#include "scenario/ytree.h"

#include "util/bytes.h"
#include "util/err.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE_BYTES (4u << 20) /* a scenario is a page of YAML; refuse anything absurd */
#define MAX_NAME 63               /* names become directory names and DNS labels */

/* In enum drill_step_kind order. */
static const char *const step_kinds[] = {"write", "checkpoint", "backup", "stop", "start",
					 "uninstall", "install", "fault", "restore", "validate",
					 NULL};
#define N_STEP_KINDS (sizeof(step_kinds) / sizeof(step_kinds[0]) - 1)

const char *drill_step_kind_name(enum drill_step_kind k)
{
	return (unsigned)k < N_STEP_KINDS ? step_kinds[k] : "unknown";
}

const struct drill_param *drill_step_param(const struct drill_step *st, const char *key)
{
	for (size_t i = 0; st && i < st->n_params; i++)
		if (!strcmp(st->params[i].key, key))
			return &st->params[i];
	return NULL;
}

void drill_scenario_free(struct drill_scenario *s)
{
	if (!s)
		return;
	free(s->path);
	free(s->name);
	free(s->description);
	free(s->platform);
	free(s->namespace_);
	free(s->blockchain_id);
	for (size_t i = 0; i < s->n_zones; i++)
		free(s->zones[i]);
	free(s->zones);
	free(s->storage_class);
	free(s->vendor);
	free(s->vendor_program);
	free(s->vendor_snapshot_class);
	for (size_t i = 0; i < s->n_steps; i++) {
		struct drill_step *st = &s->steps[i];
		free(st->name);
		free(st->fault_kind);
		for (size_t j = 0; j < st->n_params; j++) {
			free(st->params[j].key);
			free(st->params[j].value);
		}
		free(st->params);
	}
	free(s->steps);
	free(s->expect.verdict);
	free(s->expect.failed_step);
	free(s->expect.error);
	free(s);
}

static int valid_slug(const char *s) /* [a-z0-9-]+ */
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return 0;
	return 1;
}

static int valid_name(const char *s) /* [a-z0-9][a-z0-9-]*, at most 63 */
{
	return valid_slug(s) && s[0] != '-' && strlen(s) <= MAX_NAME;
}

static int valid_id(const char *s) /* [a-z0-9-]+, at most 63 */
{
	return valid_slug(s) && strlen(s) <= MAX_NAME;
}

static int valid_dns_label(const char *s) /* RFC 1123 label */
{
	size_t n = strlen(s);
	return valid_slug(s) && n <= MAX_NAME && s[0] != '-' && s[n - 1] != '-';
}

static int valid_subdomain(const char *s) /* RFC 1123 subdomain: labels joined by dots */
{
	size_t n = strlen(s);
	if (!n || n > 253 || s[0] == '.' || s[n - 1] == '.' || strstr(s, ".."))
		return 0;
	char label[254];
	for (const char *p = s; *p;) {
		size_t l = strcspn(p, ".");
		memcpy(label, p, l);
		label[l] = '\0';
		if (!valid_dns_label(label))
			return 0;
		p += l + (p[l] == '.');
	}
	return 1;
}

static int valid_nonempty(const char *s)
{
	return s[0] != '\0';
}

#define NAME_RULE "[a-z0-9][a-z0-9-]* of at most 63 characters"

/* --- Mappings -------------------------------------------------------------------------------- */

/* Check a section's mapping (absent is fine: all defaults); *map is NULL when absent. */
static int section(struct yloader *ld, const struct ynode *parent, const char *key,
		   const char *const *allowed, const struct ynode **map)
{
	*map = ytree_get(parent, key, NULL);
	if (!*map)
		return 0;
	size_t old = ytree_push_key(ld, key);
	int rc = ytree_check_map(ld, *map, allowed);
	ytree_pop(ld, old);
	return rc;
}

/* --- Sections -------------------------------------------------------------------------------- */

static int load_cluster(struct yloader *ld, const struct ynode *root, struct drill_scenario *s)
{
	static const char *const keys[] = {"namespace", "blockchainId", "replicas", "zones",
					   "storageClass", "runAsUser", NULL};
	static const char *const sc_keys[] = {"name", "reclaimPolicy", NULL};
	static const char *const reclaim[] = {"Retain", "Delete", NULL};
	const struct ynode *m, *v, *sc;
	char got[96];
	size_t old = ld->plen;
	int rc = section(ld, root, "cluster", keys, &m);
	if (rc || !m)
		return rc;
	ytree_push_key(ld, "cluster");
	rc = ytree_field_str(ld, m, "namespace", "a DNS label ([a-z0-9-], at most 63 characters, "
		       "starting and ending alphanumeric)", valid_dns_label, &s->namespace_);
	if (!rc)
		rc = ytree_field_str(ld, m, "blockchainId", "[a-z0-9-]+ of at most 63 characters",
			       valid_id, &s->blockchain_id);
	if (rc)
		goto cleanup;
	if ((v = ytree_get(m, "replicas", NULL))) {
		uint64_t n = 0;
		size_t o2 = ytree_push_key(ld, "replicas");
		rc = ytree_u64(ld, v, 4, 31, &n);
		if (!rc && n % 3 != 1)
			rc = ytree_fail(ld, v, "expected 3f+1 with f >= 1 (4, 7, 10, ..., 31), got %s",
				  ytree_describe(v, got, sizeof(got)));
		ytree_pop(ld, o2);
		if (rc)
			goto cleanup;
		s->replicas = (int)n;
	}
	if (ytree_get(m, "runAsUser", NULL)) {
		uint64_t uid = 0;
		rc = ytree_field_u64(ld, m, "runAsUser", 0, 2147483646, &uid);
		if (rc)
			goto cleanup;
		s->run_as_user = (uint32_t)uid;
		s->has_run_as_user = 1;
	}
	if ((v = ytree_get(m, "zones", NULL))) {
		size_t o2 = ytree_push_key(ld, "zones");
		if (v->type != Y_SEQ || v->n == 0)
			rc = ytree_fail(ld, v, "expected a non-empty sequence of zone names, got %s",
				  ytree_describe(v, got, sizeof(got)));
		else
			s->zones = drill_xcalloc(v->n, sizeof(*s->zones));
		for (size_t i = 0; !rc && i < v->n; i++) {
			size_t o3 = ytree_push_index(ld, i);
			rc = ytree_str(ld, v->kids[i], "a non-empty zone name", valid_nonempty,
				       &s->zones[i]);
			s->n_zones += !rc;
			ytree_pop(ld, o3);
		}
		ytree_pop(ld, o2);
		if (rc)
			goto cleanup;
	}
	rc = section(ld, m, "storageClass", sc_keys, &sc);
	if (rc || !sc)
		goto cleanup;
	ytree_push_key(ld, "storageClass"); /* popped with "cluster" below */
	rc = ytree_field_str(ld, sc, "name", "a storage class name (RFC 1123 subdomain)", valid_subdomain,
		       &s->storage_class);
	if (!rc) {
		int r = (int)s->reclaim;
		rc = ytree_field_enum(ld, sc, "reclaimPolicy", reclaim, &r);
		s->reclaim = r ? DRILL_RECLAIM_DELETE : DRILL_RECLAIM_RETAIN;
	}
cleanup:
	ytree_pop(ld, old);
	return rc;
}

static int load_checkpoint_backup(struct yloader *ld, const struct ynode *root,
				  struct drill_scenario *s)
{
	static const char *const keys[] = {"enabled", "numberOfCheckpoints",
					   "checkpointIntervalInSeconds", "checkpointWindow", NULL};
	const struct ynode *m;
	size_t old = ld->plen;
	int rc = section(ld, root, "replicaCheckpointBackup", keys, &m);
	if (rc || !m)
		return rc;
	ytree_push_key(ld, "replicaCheckpointBackup");
	rc = ytree_field_bool(ld, m, "enabled", &s->ckpt_enabled, NULL);
	if (!rc)
		rc = ytree_field_u32(ld, m, "numberOfCheckpoints", 1, 100, &s->ckpt_keep);
	if (!rc)
		rc = ytree_field_u64(ld, m, "checkpointIntervalInSeconds", 0, 31536000,
			       &s->ckpt_interval_s);
	if (!rc)
		rc = ytree_field_u64(ld, m, "checkpointWindow", 0, 1000000000, &s->ckpt_window);
	ytree_pop(ld, old);
	return rc;
}

static int load_workload(struct yloader *ld, const struct ynode *root, struct drill_scenario *s)
{
	static const char *const keys[] = {"keysPerBlock", "valueSize", "keySpace",
					   "blockIntervalMs", NULL};
	const struct ynode *m, *v;
	char got[96];
	size_t old = ld->plen;
	int rc = section(ld, root, "workload", keys, &m);
	if (rc || !m)
		return rc;
	ytree_push_key(ld, "workload");
	rc = ytree_field_u32(ld, m, "keysPerBlock", 1, 1000, &s->keys_per_block);
	if (!rc)
		rc = ytree_field_u32(ld, m, "valueSize", 1, 65536, &s->value_size);
	if (!rc)
		rc = ytree_field_u64(ld, m, "keySpace", 1, 10000000, &s->key_space);
	if (!rc)
		rc = ytree_field_u64(ld, m, "blockIntervalMs", 1, 3600000, &s->block_interval_ms);
	if (rc || s->keys_per_block <= s->key_space)
		goto cleanup;
	/* A block writes distinct keys, so it cannot write more than there are. */
	if ((v = ytree_get(m, "keysPerBlock", NULL))) {
		ytree_push_key(ld, "keysPerBlock");
		rc = ytree_fail(ld, v, "expected at most workload.keySpace (%" PRIu64 "), got %s",
			  s->key_space, ytree_describe(v, got, sizeof(got)));
	} else {
		v = ytree_get(m, "keySpace", NULL);
		ytree_push_key(ld, "keySpace");
		rc = ytree_fail(ld, v, "expected at least workload.keysPerBlock (%" PRIu32 "), got %s",
			  s->keys_per_block, ytree_describe(v, got, sizeof(got)));
	}
cleanup:
	ytree_pop(ld, old);
	return rc;
}

static int load_storage(struct yloader *ld, const struct ynode *root, struct drill_scenario *s)
{
	static const char *const keys[] = {"vendor", "program", "timeoutSeconds", "snapshotClass",
					   NULL};
	const struct ynode *m;
	size_t old = ld->plen;
	int rc = section(ld, root, "storage", keys, &m);
	if (rc || !m)
		return rc;
	ytree_push_key(ld, "storage");
	const struct ynode *vn = ytree_get(m, "vendor", NULL);
	if (vn) {
		s->vendor_line = vn->line;
		s->vendor_col = vn->col;
	}
	rc = ytree_field_str(ld, m, "vendor", "a vendor name ([a-z0-9-]+)", valid_slug, &s->vendor);
	if (!rc)
		rc = ytree_field_str(ld, m, "program", "a program path", valid_nonempty,
				     &s->vendor_program);
	if (!rc)
		rc = ytree_field_u32(ld, m, "timeoutSeconds", 1, 3600, &s->vendor_timeout_s);
	if (!rc)
		rc = ytree_field_str(ld, m, "snapshotClass", "a VolumeSnapshotClass name ([a-z0-9-]+)",
				     valid_slug, &s->vendor_snapshot_class);
	ytree_pop(ld, old);
	return rc;
}

/* --- Steps ----------------------------------------------------------------------------------- */

static const char *const no_keys[] = {NULL};
static const char *const blocks_keys[] = {"blocks", NULL};
static const char *const backup_keys[] = {"name", NULL};
static const char *const replica_keys[] = {"replica", NULL};
static const char *const restore_keys[] = {"from", "checkpoint", NULL};
static const char *const *const step_keys[] = {
	[DRILL_STEP_WRITE] = blocks_keys,    [DRILL_STEP_CHECKPOINT] = no_keys,
	[DRILL_STEP_BACKUP] = backup_keys,   [DRILL_STEP_STOP] = replica_keys,
	[DRILL_STEP_START] = replica_keys,   [DRILL_STEP_UNINSTALL] = no_keys,
	[DRILL_STEP_INSTALL] = no_keys,      [DRILL_STEP_FAULT] = NULL, /* kind + any parameters */
	[DRILL_STEP_RESTORE] = restore_keys, [DRILL_STEP_VALIDATE] = blocks_keys,
};

/* A required key's value (path pushed on success; the caller pops), or the "missing" error. */
static int require(struct yloader *ld, const struct ynode *map, const char *key,
		   const struct ynode **v)
{
	*v = ytree_get(map, key, NULL);
	if (!*v)
		return ytree_missing(ld, map, key);
	ytree_push_key(ld, key);
	return 0;
}

/* Backup names taken by steps before `upto`, for a message: "a, b" or "none". */
static const char *earlier_backups(char *buf, size_t size, const struct drill_scenario *s,
				   size_t upto)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t j = 0; j < upto && o < size; j++)
		if (s->steps[j].kind == DRILL_STEP_BACKUP)
			o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? ", " : "",
					      s->steps[j].name);
	if (!buf[0])
		snprintf(buf, size, "none");
	return buf;
}

/* A backup name taken by a step before `idx`: restore's `from` and a fault's `backup`, which name
 * a directory of the workspace and so are never a path (docs/containment.md). */
static int earlier_backup(struct yloader *ld, const struct ynode *v, const struct drill_scenario *s,
			  size_t idx, char **name)
{
	char got[96], list[512];
	int found = 0;
	int rc = ytree_str(ld, v, "a backup name (" NAME_RULE ")", valid_name, name);
	for (size_t j = 0; !rc && j < idx && !found; j++)
		found = s->steps[j].kind == DRILL_STEP_BACKUP && !strcmp(s->steps[j].name, *name);
	if (!rc && !found)
		rc = ytree_fail(ld, v,
			  "expected the name of a backup taken by an earlier step (%s), got %s",
			  earlier_backups(list, sizeof(list), s, idx),
			  ytree_describe(v, got, sizeof(got)));
	return rc;
}

static int load_replica(struct yloader *ld, const struct ynode *body, struct drill_scenario *s,
			struct drill_step *st, int *stopped)
{
	const struct ynode *v;
	char got[96];
	uint64_t x = 0;
	int rc = require(ld, body, "replica", &v);
	if (rc)
		return rc;
	if (ytree_scalar_u64(v, &x) || x >= (uint64_t)s->replicas)
		return ytree_fail(ld, v,
			    "expected a replica index in 0..%d (cluster.replicas is %d), got %s",
			    s->replicas - 1, s->replicas, ytree_describe(v, got, sizeof(got)));
	st->replica = (int)x;
	if (st->kind == DRILL_STEP_STOP) {
		stopped[x] = 1;
	} else if (!stopped[x]) {
		return ytree_fail(ld, v, "expected a replica stopped by an earlier stop step, got %s "
			    "(not stopped)", ytree_describe(v, got, sizeof(got)));
	} else {
		stopped[x] = 0;
	}
	return 0;
}

static int load_fault(struct yloader *ld, const struct ynode *body, struct drill_scenario *s,
		      size_t idx)
{
	struct drill_step *st = &s->steps[idx];
	const struct ynode *v;
	char got[96];
	size_t old = ld->plen;
	int rc = require(ld, body, "kind", &v);
	if (!rc)
		rc = ytree_str(ld, v, "a fault kind ([a-z0-9-]+)", valid_slug, &st->fault_kind);
	ytree_pop(ld, old);
	if (rc)
		return rc;
	st->params = drill_xcalloc(body->n / 2, sizeof(*st->params));
	for (size_t i = 0; i < body->n; i += 2) {
		const struct ynode *k = body->kids[i];
		v = body->kids[i + 1];
		if (!strcmp(k->text, "kind"))
			continue;
		if (v->type != Y_SCALAR || ytree_is_null(v)) {
			ytree_push_key(ld, k->text);
			rc = ytree_fail(ld, v, "expected a scalar parameter value, got %s",
				  ytree_describe(v, got, sizeof(got)));
			ytree_pop(ld, old);
			return rc;
		}
		if (!strcmp(k->text, "backup")) { /* every kind's `backup` names an earlier one */
			char *name = NULL;
			ytree_push_key(ld, k->text);
			rc = earlier_backup(ld, v, s, idx, &name);
			ytree_pop(ld, old);
			free(name);
			if (rc)
				return rc;
		}
		struct drill_param *p = &st->params[st->n_params++];
		p->key = drill_xstrdup(k->text);
		p->value = drill_xstrdup(v->text);
		p->line = v->line;
		p->col = v->col;
		p->plain = v->plain;
	}
	return 0;
}

static int load_restore(struct yloader *ld, const struct ynode *body, struct drill_scenario *s,
			size_t idx)
{
	struct drill_step *st = &s->steps[idx];
	const struct ynode *v;
	char got[96];
	size_t old = ld->plen;
	int rc = require(ld, body, "from", &v);
	if (!rc)
		rc = earlier_backup(ld, v, s, idx, &st->name);
	ytree_pop(ld, old);
	st->latest_common = 1;
	if (rc || !(v = ytree_get(body, "checkpoint", NULL)))
		return rc;
	uint64_t x = 0;
	ytree_push_key(ld, "checkpoint");
	if (v->type == Y_SCALAR && !strcmp(v->text, "latest-common"))
		st->latest_common = 1;
	else if (v->type == Y_SCALAR && !strcmp(v->text, "none"))
		st->latest_common = 0, st->restore_live = 1;
	else if (!ytree_scalar_u64(v, &x) && x >= 1)
		st->latest_common = 0, st->checkpoint = x;
	else
		rc = ytree_fail(ld, v,
			  "expected latest-common, none or a checkpoint id (an integer >= 1), "
			  "got %s",
			  ytree_describe(v, got, sizeof(got)));
	ytree_pop(ld, old);
	return rc;
}

static int load_step(struct yloader *ld, const struct ynode *item, struct drill_scenario *s,
		     size_t idx, int *stopped)
{
	struct drill_step *st = &s->steps[idx];
	char got[96], list[256];
	const struct ynode *v;
	if (item->type != Y_MAP || item->n == 0)
		return ytree_fail(ld, item, "expected a mapping with one key, the step kind (%s), got %s",
			    ytree_join(list, sizeof(list), step_kinds, ", "),
			    ytree_describe(item, got, sizeof(got)));
	if (item->n > 2)
		return ytree_fail(ld, item->kids[2], "expected one key per step (the step kind), got a "
			    "second key %s", ytree_describe(item->kids[2], got, sizeof(got)));
	const struct ynode *k = item->kids[0], *body = item->kids[1];
	if (k->type != Y_SCALAR)
		return ytree_fail(ld, k, "expected a step kind as the key, got %s",
			    ytree_describe(k, got, sizeof(got)));
	size_t old = ytree_push_key(ld, k->text);
	int rc = 0;
	size_t kind = 0;
	while (kind < N_STEP_KINDS && strcmp(step_kinds[kind], k->text))
		kind++;
	if (kind == N_STEP_KINDS) {
		rc = ytree_fail(ld, k, "unknown step kind, expected one of %s",
			  ytree_join(list, sizeof(list), step_kinds, ", "));
		goto cleanup;
	}
	st->kind = (enum drill_step_kind)kind;
	st->line = k->line;
	st->col = k->col;
	/* `checkpoint:` alone is `checkpoint: {}`; a missing key then points at the step. */
	struct ynode empty = {.type = Y_MAP, .line = k->line, .col = k->col};
	if (ytree_is_null(body))
		body = &empty;
	rc = ytree_check_map(ld, body, step_keys[kind]);
	if (rc)
		goto cleanup;
	size_t here = ld->plen;
	switch (st->kind) {
	case DRILL_STEP_WRITE:
		rc = require(ld, body, "blocks", &v);
		if (!rc)
			rc = ytree_u64(ld, v, 1, 100000000, &st->blocks);
		break;
	case DRILL_STEP_VALIDATE:
		st->blocks = 10;
		rc = ytree_field_u64(ld, body, "blocks", 1, 1000000, &st->blocks);
		break;
	case DRILL_STEP_BACKUP:
		rc = require(ld, body, "name", &v);
		if (!rc)
			rc = ytree_str(ld, v, NAME_RULE, valid_name, &st->name);
		for (size_t j = 0; !rc && j < idx; j++)
			if (s->steps[j].kind == DRILL_STEP_BACKUP &&
			    !strcmp(s->steps[j].name, st->name))
				rc = ytree_fail(ld, v,
					  "expected a new backup name, got %s (already taken "
					  "by the backup step at %d:%d)",
					  ytree_describe(v, got, sizeof(got)), s->steps[j].line,
					  s->steps[j].col);
		break;
	case DRILL_STEP_STOP:
	case DRILL_STEP_START:
		rc = load_replica(ld, body, s, st, stopped);
		break;
	case DRILL_STEP_FAULT: {
		rc = load_fault(ld, body, s, idx);
		/* A replica killed by a kill-replica fault is down like a stopped one: a later
		 * `start` brings it back. (Its other parameters are the fault's to check.) */
		const struct drill_param *kp = rc ? NULL : drill_step_param(st, "replica");
		if (kp && !strcmp(st->fault_kind, "kill-replica")) {
			char *end;
			unsigned long long x = strtoull(kp->value, &end, 10);
			if (!*end && x < (unsigned long long)s->replicas)
				stopped[x] = 1;
		}
		break;
	}
	case DRILL_STEP_RESTORE:
		rc = load_restore(ld, body, s, idx);
		break;
	case DRILL_STEP_CHECKPOINT:
	case DRILL_STEP_UNINSTALL:
	case DRILL_STEP_INSTALL:
		break;
	}
	ytree_pop(ld, here);
cleanup:
	ytree_pop(ld, old);
	return rc;
}

static int load_steps(struct yloader *ld, const struct ynode *root, struct drill_scenario *s)
{
	int stopped[32] = {0}; /* replicas <= 31 */
	char got[96];
	const struct ynode *v = ytree_get(root, "steps", NULL);
	if (!v)
		return ytree_missing(ld, root, "steps");
	size_t old = ytree_push_key(ld, "steps");
	int rc = 0;
	if (v->type != Y_SEQ || v->n == 0) {
		rc = ytree_fail(ld, v, "expected a non-empty sequence of steps, got %s",
			  ytree_describe(v, got, sizeof(got)));
		goto cleanup;
	}
	s->steps = drill_xcalloc(v->n, sizeof(*s->steps));
	s->n_steps = v->n;
	for (size_t i = 0; i < v->n && !rc; i++) {
		size_t o2 = ytree_push_index(ld, i);
		rc = load_step(ld, v->kids[i], s, i, stopped);
		ytree_pop(ld, o2);
	}
cleanup:
	ytree_pop(ld, old);
	return rc;
}

/* --- Expectation and the whole file ---------------------------------------------------------- */

static int load_expect(struct yloader *ld, const struct ynode *root, struct drill_scenario *s)
{
	static const char *const keys[] = {"verdict", "restoredBlock", "agreedBlock", "dataLoss",
					   "failedStep", "error", NULL};
	static const char *const verdicts[] = {"consistent", "recoverable", "divergent",
					       "unrecoverable", NULL};
	struct drill_expect *e = &s->expect;
	const struct ynode *m = ytree_get(root, "expect", NULL), *v, *k;
	char got[96], list[256];
	int idx = 0;
	if (!m)
		return ytree_missing(ld, root, "expect");
	size_t old = ytree_push_key(ld, "expect");
	int rc = ytree_check_map(ld, m, keys);
	if (rc)
		goto cleanup;
	if (m->n == 0) {
		rc = ytree_fail(ld, m, "expected at least one of %s, got an empty mapping",
			  ytree_join(list, sizeof(list), keys, ", "));
		goto cleanup;
	}
	if (ytree_get(m, "verdict", NULL)) {
		rc = ytree_field_enum(ld, m, "verdict", verdicts, &idx);
		if (rc)
			goto cleanup;
		e->has_verdict = 1;
		e->verdict = drill_xstrdup(verdicts[idx]);
	}
	e->has_restored_block = ytree_get(m, "restoredBlock", NULL) != NULL;
	rc = ytree_field_u64(ld, m, "restoredBlock", 0, UINT64_MAX, &e->restored_block);
	e->has_agreed_block = ytree_get(m, "agreedBlock", NULL) != NULL;
	if (!rc)
		rc = ytree_field_u64(ld, m, "agreedBlock", 0, UINT64_MAX, &e->agreed_block);
	if (!rc)
		rc = ytree_field_bool(ld, m, "dataLoss", &e->data_loss, &e->has_data_loss);
	if (rc)
		goto cleanup;
	if ((v = ytree_get(m, "failedStep", NULL))) {
		int found = 0;
		rc = ytree_field_enum(ld, m, "failedStep", step_kinds, &idx);
		if (rc)
			goto cleanup;
		for (size_t i = 0; i < s->n_steps && !found; i++)
			found = s->steps[i].kind == (enum drill_step_kind)idx;
		if (!found) {
			ytree_push_key(ld, "failedStep");
			rc = ytree_fail(ld, v,
				  "expected the kind of a step in steps, got %s (no such step)",
				  ytree_describe(v, got, sizeof(got)));
			goto cleanup;
		}
		e->has_failed_step = 1;
		e->failed_step = drill_xstrdup(step_kinds[idx]);
	}
	if ((v = ytree_get(m, "error", &k))) {
		ytree_push_key(ld, "error");
		if (!e->has_failed_step)
			rc = ytree_fail(ld, k, "expected only together with expect.failedStep, got error "
				  "without it");
		else
			rc = ytree_str(ld, v, "a non-empty string", valid_nonempty, &e->error);
	}
cleanup:
	ytree_pop(ld, old);
	return rc;
}

static int load_scenario(struct yloader *ld, const struct ynode *root, struct drill_scenario *s)
{
	static const char *const keys[] = {"name", "description", "seed", "platform", "cluster",
					   "replicaCheckpointBackup", "workload", "storage",
					   "steps", "expect", NULL};
	static const char *const platforms[] = {"local", "kind", "minikube", NULL};
	const struct ynode *v;
	char got[96];
	int idx = 0;
	if (root->type != Y_MAP)
		return ytree_fail(ld, root, "expected a mapping with name, steps and expect, got %s",
			    ytree_describe(root, got, sizeof(got)));
	int rc = ytree_check_map(ld, root, keys);
	if (rc)
		return rc;
	if (!(v = ytree_get(root, "name", NULL)))
		return ytree_missing(ld, root, "name");
	size_t old = ytree_push_key(ld, "name");
	rc = ytree_str(ld, v, NAME_RULE, valid_name, &s->name);
	ytree_pop(ld, old);
	if (!rc)
		rc = ytree_field_str(ld, root, "description", "a string", NULL, &s->description);
	if (!rc)
		rc = ytree_field_u64(ld, root, "seed", 0, UINT64_MAX, &s->seed);
	if (!rc && ytree_get(root, "platform", NULL)) {
		rc = ytree_field_enum(ld, root, "platform", platforms, &idx);
		s->platform = rc ? NULL : drill_xstrdup(platforms[idx]);
	}
	if (!rc)
		rc = load_cluster(ld, root, s);
	if (!rc)
		rc = load_checkpoint_backup(ld, root, s);
	if (!rc)
		rc = load_workload(ld, root, s);
	if (!rc)
		rc = load_storage(ld, root, s);
	if (!rc)
		rc = load_steps(ld, root, s);
	if (!rc)
		rc = load_expect(ld, root, s);
	if (rc)
		return rc;
	/* Defaults for the strings not given. */
	if (!s->platform)
		s->platform = drill_xstrdup("local");
	if (!s->namespace_)
		s->namespace_ = drill_xstrdup("default");
	if (!s->blockchain_id)
		s->blockchain_id = drill_xasprintf("bc-%.*s", MAX_NAME - 3, s->name);
	if (!s->zones) {
		s->zones = drill_xcalloc(1, sizeof(*s->zones));
		s->zones[s->n_zones++] = drill_xstrdup("zone-a");
	}
	if (!s->storage_class)
		s->storage_class = drill_xstrdup("standard");
	if (!s->vendor)
		s->vendor = drill_xstrdup("hostpath-copy");
	if (!s->vendor_timeout_s)
		s->vendor_timeout_s = 60;
	return 0;
}

int drill_scenario_load(struct drill_scenario **out, const char *path)
{
	struct yloader ld = {.file = path};
	struct drill_scenario *s = NULL;
	struct ynode *root = NULL;

	*out = NULL;
	int rc = ytree_load_file(&ld, MAX_FILE_BYTES, "a mapping with name, steps and expect",
				 "a scenario file", &root);
	if (rc)
		goto cleanup;
	s = drill_xcalloc(1, sizeof(*s));
	s->path = drill_xstrdup(path);
	s->seed = 1;
	s->replicas = 4;
	s->reclaim = DRILL_RECLAIM_RETAIN;
	s->ckpt_enabled = 0;
	s->ckpt_keep = 2;
	s->ckpt_interval_s = 21600;
	s->ckpt_window = 30000;
	s->keys_per_block = 4;
	s->value_size = 256;
	s->key_space = 10000;
	s->block_interval_ms = 100;
	rc = load_scenario(&ld, root, s);
	if (rc)
		goto cleanup;
	*out = s;
	s = NULL;
cleanup:
	drill_scenario_free(s);
	ytree_free(root);
	return rc;
}
