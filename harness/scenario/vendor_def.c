/* scenario/vendor_def.c — loads a vendor definition and the vendor-check manifest (vendor_def.h)
 * with libyaml, as strictly as scenario.c loads a scenario and with the same messages.
 *
 * The same two passes as scenario.c, on the same tree (ytree.h): the file becomes a tree of
 * positioned nodes; then the tree is checked against the schema of docs/vendor-check.md, unknown
 * and duplicate keys first, then each key in the documented order; the first problem ends the
 * load. */
#include "scenario/vendor_def.h"

#include "scenario/ytree.h"

#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE_BYTES (1u << 20)
#define MAX_NAME 63
#define MAX_ZONES 32
#define MAX_ENTRIES 256

static const char *const cap_names[] = {"snapshot", "topology", "consistencyAcrossVolumes", NULL};

const char *drill_capability_name(enum drill_capability c)
{
	return (unsigned)c < DRILL_CAP_COUNT ? cap_names[c] : NULL;
}

/* --- Schema helpers ---------------------------------------------------------------------------- */

static int valid_name(const char *s) /* [a-z0-9][a-z0-9-]*, at most 63 */
{
	size_t n = strlen(s);
	if (!n || n > MAX_NAME || s[0] == '-')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return 0;
	return 1;
}

static int valid_nonempty(const char *s)
{
	return s[0] != '\0';
}

/* --- The vendor definition --------------------------------------------------------------------- */

void drill_vendor_def_free(struct drill_vendor_def *d)
{
	if (!d)
		return;
	free(d->path);
	free(d->name);
	free(d->description);
	free(d->driver);
	free(d->program);
	free(d->program_path);
	for (size_t i = 0; i < d->n_zones; i++)
		free(d->zones[i]);
	free(d->zones);
	free(d);
}

static const char *const drivers[] = {"hostpath-copy", "ebs-sim", "exec", "csi-snapshot", NULL};

static int load_exec(struct yloader *ld, const struct ynode *root, struct drill_vendor_def *d)
{
	static const char *const keys[] = {"program", "timeoutSeconds", NULL};
	const struct ynode *k = NULL, *m = ytree_get(root, "exec", &k);
	size_t old = ld->plen;
	int rc = 0;
	if (strcmp(d->driver, "exec")) {
		if (m) {
			ytree_push_key(ld, "exec");
			rc = ytree_fail(ld, k, "only with driver: exec, got driver %s", d->driver);
		}
		goto cleanup;
	}
	if (!m) {
		rc = ytree_fail(ld, root, "exec: required key is missing (driver exec needs "
			  "exec.program)");
		goto cleanup;
	}
	ytree_push_key(ld, "exec");
	rc = ytree_check_map(ld, m, keys);
	if (!rc && !ytree_get(m, "program", NULL))
		rc = ytree_missing(ld, m, "program");
	if (!rc)
		rc = ytree_field_str(ld, m, "program", "a program path", valid_nonempty, &d->program);
	if (!rc) {
		const struct ynode *v = ytree_get(m, "program", NULL);
		d->program_line = v->line;
		d->program_col = v->col;
		d->program_path = drill_fs_resolve_beside(d->path, d->program);
		rc = ytree_field_u32(ld, m, "timeoutSeconds", 1, 3600, &d->timeout_s);
	}
cleanup:
	ytree_pop(ld, old);
	return rc;
}

static int load_topology(struct yloader *ld, const struct ynode *caps, struct drill_vendor_def *d)
{
	static const char *const keys[] = {"zones", NULL};
	const struct ynode *m = ytree_get(caps, "topology", NULL), *z;
	char got[96];
	size_t old = ld->plen;
	if (!m)
		return 0;
	ytree_push_key(ld, "topology");
	int rc = ytree_check_map(ld, m, keys);
	if (rc)
		goto cleanup;
	if (!(z = ytree_get(m, "zones", NULL))) {
		rc = ytree_missing(ld, m, "zones");
		goto cleanup;
	}
	ytree_push_key(ld, "zones");
	if (z->type != Y_SEQ || z->n < 2 || z->n > MAX_ZONES) {
		rc = ytree_fail(ld, z, "expected a sequence of 2..%d zone names (the zone checks put a "
			  "volume in a zone other than its instance's), got %s", MAX_ZONES,
			  z->type == Y_SEQ && z->n == 1 ? "one zone" : ytree_describe(z, got, sizeof(got)));
		goto cleanup;
	}
	d->zones = drill_xcalloc(z->n, sizeof(*d->zones));
	for (size_t i = 0; i < z->n && !rc; i++) {
		const struct ynode *v = z->kids[i];
		size_t o2 = ytree_push_index(ld, i);
		if (v->type != Y_SCALAR || ytree_is_null(v) || !v->text[0])
			rc = ytree_fail(ld, v, "expected a non-empty zone name, got %s",
				  ytree_describe(v, got, sizeof(got)));
		for (size_t j = 0; j < i && !rc; j++)
			if (!strcmp(d->zones[j], v->text))
				rc = ytree_fail(ld, v, "expected a zone not listed before, got %s again "
					  "(first at %d:%d)", v->text, z->kids[j]->line,
					  z->kids[j]->col);
		if (!rc)
			d->zones[d->n_zones++] = drill_xstrdup(v->text);
		ytree_pop(ld, o2);
	}
	d->declared[DRILL_CAP_TOPOLOGY] = !rc;
cleanup:
	ytree_pop(ld, old);
	return rc;
}

static int load_capabilities(struct yloader *ld, const struct ynode *root,
			     struct drill_vendor_def *d)
{
	const struct ynode *m = ytree_get(root, "capabilities", NULL), *v;
	char got[96];
	if (!m)
		return ytree_missing(ld, root, "capabilities");
	size_t old = ytree_push_key(ld, "capabilities");
	int rc = ytree_check_map(ld, m, cap_names);
	if (rc)
		goto cleanup;
	if (!(v = ytree_get(m, "snapshot", NULL))) {
		rc = ytree_missing(ld, m, "snapshot");
		goto cleanup;
	}
	int snap = 0;
	rc = ytree_field_bool(ld, m, "snapshot", &snap, NULL);
	if (!rc && !snap) {
		ytree_push_key(ld, "snapshot");
		rc = ytree_fail(ld, v, "expected true (every vendor backs up and restores the replicas' "
			  "volumes; that is what vendor-check checks), got %s",
			  ytree_describe(v, got, sizeof(got)));
		goto cleanup;
	}
	d->declared[DRILL_CAP_SNAPSHOT] = snap;
	if (!rc)
		rc = load_topology(ld, m, d);
	if (!rc)
		rc = ytree_field_bool(ld, m, "consistencyAcrossVolumes",
				&d->declared[DRILL_CAP_CONSISTENCY], NULL);
cleanup:
	ytree_pop(ld, old);
	return rc;
}

static int load_def(struct yloader *ld, const struct ynode *root, struct drill_vendor_def *d)
{
	static const char *const keys[] = {"name", "description", "driver", "exec", "capabilities",
					   NULL};
	char got[96], list[128];
	const struct ynode *v;
	if (root->type != Y_MAP)
		return ytree_fail(ld, root, "expected a mapping with name, driver and capabilities, got %s",
			    ytree_describe(root, got, sizeof(got)));
	int rc = ytree_check_map(ld, root, keys);
	if (rc)
		return rc;
	if (!ytree_get(root, "name", NULL))
		return ytree_missing(ld, root, "name");
	rc = ytree_field_str(ld, root, "name", "[a-z0-9][a-z0-9-]* of at most 63 characters", valid_name,
		       &d->name);
	if (!rc)
		rc = ytree_field_str(ld, root, "description", "a string", NULL, &d->description);
	if (rc)
		return rc;
	if (!(v = ytree_get(root, "driver", NULL)))
		return ytree_missing(ld, root, "driver");
	for (size_t i = 0; drivers[i] && !d->driver; i++)
		if (v->type == Y_SCALAR && !strcmp(v->text, drivers[i]))
			d->driver = drill_xstrdup(drivers[i]);
	if (!d->driver) {
		size_t old = ytree_push_key(ld, "driver");
		rc = ytree_fail(ld, v, "expected %s, got %s", ytree_join(list, sizeof(list), drivers, " | "),
			  ytree_describe(v, got, sizeof(got)));
		ytree_pop(ld, old);
		return rc;
	}
	rc = load_exec(ld, root, d);
	if (!rc)
		rc = load_capabilities(ld, root, d);
	return rc;
}

int drill_vendor_def_load(struct drill_vendor_def **out, const char *path)
{
	struct yloader ld = {.file = path};
	struct ynode *root = NULL;
	*out = NULL;
	int rc = ytree_load_file(&ld, MAX_FILE_BYTES, "a mapping with name, driver and capabilities",
				 "a vendor definition", &root);
	if (rc)
		return rc;
	struct drill_vendor_def *d = drill_xcalloc(1, sizeof(*d));
	d->path = drill_xstrdup(path);
	d->timeout_s = 60;
	rc = load_def(&ld, root, d);
	ytree_free(root);
	if (rc) {
		drill_vendor_def_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

/* --- The manifest of the standard set -------------------------------------------------------- */

void drill_vc_manifest_free(struct drill_vc_manifest *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->entries[i].file);
		free(m->entries[i].path);
	}
	free(m->entries);
	free(m->path);
	free(m);
}

static int valid_file(const char *s) /* a file name beside the manifest, no directories */
{
	size_t n = strlen(s);
	return n > 5 && !strchr(s, '/') && s[0] != '.' && !strcmp(s + n - 5, ".yaml");
}

static int load_manifest(struct yloader *ld, const struct ynode *root, struct drill_vc_manifest *m)
{
	static const char *const keys[] = {"capabilities", NULL};
	const struct ynode *caps;
	char got[96];
	if (root->type != Y_MAP)
		return ytree_fail(ld, root, "expected a mapping with capabilities, got %s",
			    ytree_describe(root, got, sizeof(got)));
	int rc = ytree_check_map(ld, root, keys);
	if (rc)
		return rc;
	if (!(caps = ytree_get(root, "capabilities", NULL)))
		return ytree_missing(ld, root, "capabilities");
	size_t old = ytree_push_key(ld, "capabilities");
	rc = ytree_check_map(ld, caps, cap_names);
	size_t cap = 0;
	for (size_t c = 0; c < DRILL_CAP_COUNT && !rc; c++) {
		const struct ynode *seq = ytree_get(caps, cap_names[c], NULL);
		if (!seq)
			continue;
		size_t o2 = ytree_push_key(ld, cap_names[c]);
		if (seq->type != Y_SEQ)
			rc = ytree_fail(ld, seq, "expected a sequence of scenario files, got %s",
				  ytree_describe(seq, got, sizeof(got)));
		for (size_t i = 0; !rc && i < seq->n; i++) {
			const struct ynode *v = seq->kids[i];
			size_t o3 = ytree_push_index(ld, i);
			char *path = NULL;
			if (v->type != Y_SCALAR || ytree_is_null(v) || !valid_file(v->text))
				rc = ytree_fail(ld, v, "expected a scenario file name beside the manifest "
					  "(NAME.yaml), got %s", ytree_describe(v, got, sizeof(got)));
			for (size_t j = 0; !rc && j < m->n; j++)
				if (!strcmp(m->entries[j].file, v->text))
					rc = ytree_fail(ld, v, "expected each file once, got %s again",
						  v->text);
			if (!rc) {
				path = drill_fs_resolve_beside(ld->file, v->text);
				if (!drill_fs_exists(path))
					rc = ytree_fail(ld, v, "expected an existing scenario file, got "
						  "%s (%s does not exist)", v->text, path);
			}
			if (!rc && m->n == MAX_ENTRIES)
				rc = ytree_fail(ld, v, "expected at most %d scenarios", MAX_ENTRIES);
			if (rc) {
				free(path);
			} else {
				if (m->n == cap) {
					cap = cap ? 2 * cap : 8;
					m->entries = drill_xrealloc(m->entries,
								    cap * sizeof(*m->entries));
				}
				struct drill_vc_entry *e = &m->entries[m->n++];
				e->capability = (enum drill_capability)c;
				e->file = drill_xstrdup(v->text);
				e->path = path;
			}
			ytree_pop(ld, o3);
		}
		ytree_pop(ld, o2);
	}
	ytree_pop(ld, old);
	return rc;
}

int drill_vc_manifest_load(struct drill_vc_manifest **out, const char *path)
{
	struct yloader ld = {.file = path};
	struct ynode *root = NULL;
	*out = NULL;
	int rc = ytree_load_file(&ld, MAX_FILE_BYTES, "a mapping with capabilities",
				 "a vendor-check manifest", &root);
	if (rc)
		return rc;
	struct drill_vc_manifest *m = drill_xcalloc(1, sizeof(*m));
	m->path = drill_xstrdup(path);
	rc = load_manifest(&ld, root, m);
	ytree_free(root);
	if (rc) {
		drill_vc_manifest_free(m);
		return rc;
	}
	*out = m;
	return 0;
}
