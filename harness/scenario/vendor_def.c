/* scenario/vendor_def.c — loads a vendor definition and the vendor-check manifest (vendor_def.h)
 * with libyaml, as strictly as scenario.c loads a scenario and with the same messages.
 *
 * The same two passes as scenario.c: libyaml events become a small tree of nodes that keep their
 * 1-based line and column and whether a scalar was plain (the event API tells anchors, aliases,
 * tags and a second document apart, all rejected); then the tree is checked against the schema
 * of docs/vendor-check.md, unknown and duplicate keys first, then each key in the documented
 * order; the first problem ends the load. The files are small and their schema differs from a
 * scenario's, so this loader keeps its own copy of the few tree helpers rather than reaching into
 * scenario.c's. */
#include "scenario/vendor_def.h"

#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MAX_FILE_BYTES (1u << 20)
#define MAX_DEPTH 16
#define MAX_NAME 63
#define MAX_ZONES 32
#define MAX_ENTRIES 256

static const char *const cap_names[] = {"snapshot", "topology", "consistencyAcrossVolumes", NULL};

const char *drill_capability_name(enum drill_capability c)
{
	return (unsigned)c < DRILL_CAP_COUNT ? cap_names[c] : NULL;
}

enum ytype { Y_SCALAR, Y_SEQ, Y_MAP };

struct ynode {
	enum ytype type;
	int line, col;
	int plain;
	char *text;
	struct ynode **kids; /* sequence items; mapping: key, value, ... */
	size_t n;
};

struct ld {
	const char *file;
	char path[256];
	size_t plen;
};

/* --- Messages and key paths ------------------------------------------------------------------ */

static int fail_at(struct ld *ld, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail_at(struct ld *ld, int line, int col, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ld->plen)
		return drill_err(DRILL_EINPUT, "%s:%d:%d: %s: %s", ld->file, line, col, ld->path, msg);
	return drill_err(DRILL_EINPUT, "%s:%d:%d: %s", ld->file, line, col, msg);
}

#define fail(ld, n, ...) fail_at((ld), (n)->line, (n)->col, __VA_ARGS__)

static size_t push_key(struct ld *ld, const char *s)
{
	size_t old = ld->plen, end = sizeof(ld->path) - 1;
	if (old && ld->plen < end)
		ld->path[ld->plen++] = '.';
	for (size_t i = 0; s[i] && i < 64 && ld->plen < end; i++)
		ld->path[ld->plen++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	ld->path[ld->plen] = '\0';
	return old;
}

static size_t push_index(struct ld *ld, size_t i)
{
	size_t old = ld->plen;
	snprintf(ld->path + old, sizeof(ld->path) - old, "[%zu]", i);
	ld->plen = strlen(ld->path);
	return old;
}

static void pop(struct ld *ld, size_t old)
{
	ld->plen = old;
	ld->path[old] = '\0';
}

static int is_null(const struct ynode *n)
{
	return n->type == Y_SCALAR && n->plain &&
	       (!n->text[0] || !strcmp(n->text, "~") || !strcmp(n->text, "null") ||
		!strcmp(n->text, "Null") || !strcmp(n->text, "NULL"));
}

/* What a node is, for "got ...": `a mapping`, `null`, `12`, `string "12"`. */
static const char *describe(const struct ynode *n, char *buf, size_t size)
{
	if (n->type == Y_MAP)
		return n->n ? "a mapping" : "an empty mapping";
	if (n->type == Y_SEQ)
		return n->n ? "a sequence" : "an empty sequence";
	if (is_null(n))
		return "null";
	size_t o = 0;
	if (!n->plain)
		o += (size_t)snprintf(buf, size, "string \"");
	size_t i = 0;
	for (; n->text[i] && i < 40 && o + 8 < size; i++) {
		unsigned char c = (unsigned char)n->text[i];
		if (c == '"' || c == '\\')
			o += (size_t)snprintf(buf + o, size - o, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	if (n->text[i] && o + 4 < size)
		o += (size_t)snprintf(buf + o, size - o, "...");
	if (!n->plain && o + 2 < size)
		buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

static const char *join(char *buf, size_t size, const char *const *list, const char *sep)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; list[i] && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? sep : "", list[i]);
	return buf;
}

/* --- YAML to tree ------------------------------------------------------------------------------ */

static void node_free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->text);
	free(n);
}

static int syntax_error(struct ld *ld, yaml_parser_t *p)
{
	const char *problem = p->problem ? p->problem : "unknown problem";
	if (p->error == YAML_MEMORY_ERROR)
		return drill_err(DRILL_EFAIL, "%s: out of memory while parsing", ld->file);
	if (p->error == YAML_READER_ERROR) /* an offset, not a mark: say where in bytes */
		return drill_err(DRILL_EINPUT, "%s: syntax error: %s at byte %zu", ld->file, problem,
				 p->problem_offset);
	int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;
	if (p->context)
		return fail_at(ld, line, col, "syntax error: %s (%s at %d:%d)", problem, p->context,
			       (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
	return fail_at(ld, line, col, "syntax error: %s", problem);
}

static int next_event(struct ld *ld, yaml_parser_t *p, yaml_event_t *ev)
{
	return yaml_parser_parse(p, ev) ? 0 : syntax_error(ld, p);
}

/* Build the node that starts with `ev` (consumed, also on error) and its children. */
static int build(struct ld *ld, yaml_parser_t *p, yaml_event_t *ev, int depth, struct ynode **out)
{
	struct ynode *n = NULL;
	yaml_event_t child;
	const yaml_char_t *anchor = NULL, *tag = NULL;
	yaml_event_type_t end = YAML_NO_EVENT;
	int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1, rc = 0;

	memset(&child, 0, sizeof(child));
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		rc = fail_at(ld, line, col, "aliases (*%s) are not supported; write the value out",
			     (const char *)ev->data.alias.anchor);
		goto cleanup;
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		end = YAML_SEQUENCE_END_EVENT;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		end = YAML_MAPPING_END_EVENT;
		break;
	default:
		rc = fail_at(ld, line, col, "syntax error: unexpected YAML event %d", (int)ev->type);
		goto cleanup;
	}
	if (anchor)
		rc = fail_at(ld, line, col, "anchors (&%s) are not supported; write the value out",
			     (const char *)anchor);
	else if (tag)
		rc = fail_at(ld, line, col, "tags (%s) are not supported", (const char *)tag);
	else if (depth > MAX_DEPTH)
		rc = fail_at(ld, line, col, "nested deeper than %d levels", MAX_DEPTH);
	if (rc)
		goto cleanup;
	n = drill_xcalloc(1, sizeof(*n));
	n->line = line;
	n->col = col;
	if (ev->type == YAML_SCALAR_EVENT) {
		size_t len = ev->data.scalar.length;
		if (memchr(ev->data.scalar.value, '\0', len)) {
			rc = fail_at(ld, line, col, "NUL characters are not supported in values");
			goto cleanup;
		}
		n->type = Y_SCALAR;
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		n->text = drill_xmalloc(len + 1);
		memcpy(n->text, ev->data.scalar.value, len);
		n->text[len] = '\0';
		goto cleanup;
	}
	n->type = ev->type == YAML_MAPPING_START_EVENT ? Y_MAP : Y_SEQ;
	size_t cap = 0;
	for (;;) {
		rc = next_event(ld, p, &child);
		if (rc || child.type == end)
			break;
		if (n->n == cap) {
			cap = cap ? 2 * cap : 8;
			n->kids = drill_xrealloc(n->kids, cap * sizeof(*n->kids));
		}
		rc = build(ld, p, &child, depth + 1, &n->kids[n->n]);
		if (rc)
			break;
		n->n++;
	}
cleanup:
	yaml_event_delete(&child);
	yaml_event_delete(ev);
	if (rc) {
		node_free(n);
		n = NULL;
	}
	*out = n;
	return rc;
}

/* Read and parse `path`: exactly one document, whose root goes to *root. */
static int parse_file(struct ld *ld, const char *what, struct ynode **root)
{
	yaml_parser_t p;
	yaml_event_t ev;
	char *buf = NULL;
	size_t len = 0;
	*root = NULL;
	int rc = drill_fs_read_file(&buf, &len, ld->file, MAX_FILE_BYTES);
	if (rc) { /* "FILE: cannot open: No such file or directory", as the scenario loader says */
		const char *why = drill_err_last();
		size_t plen = strlen(ld->file);
		if (!strncmp(why, ld->file, plen) && !strncmp(why + plen, ": ", 2))
			why += plen + 2;
		char *msg = drill_xstrdup(why);
		rc = drill_err(DRILL_EINPUT, "%s: cannot %s: %s", ld->file,
			       strstr(msg, "larger than") ? "read" : "open", msg);
		free(msg);
		return rc;
	}
	memset(&ev, 0, sizeof(ev));
	if (!yaml_parser_initialize(&p)) {
		free(buf);
		return drill_err(DRILL_EFAIL, "%s: cannot initialise the YAML parser", ld->file);
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	rc = next_event(ld, &p, &ev); /* stream start */
	yaml_event_delete(&ev);
	if (!rc)
		rc = next_event(ld, &p, &ev);
	if (rc)
		goto cleanup;
	if (ev.type == YAML_STREAM_END_EVENT) {
		rc = fail_at(ld, 1, 1, "empty file, expected %s", what);
		goto cleanup;
	}
	yaml_event_delete(&ev); /* document start */
	rc = next_event(ld, &p, &ev);
	if (!rc)
		rc = build(ld, &p, &ev, 0, root); /* consumes ev */
	if (!rc)
		rc = next_event(ld, &p, &ev); /* document end */
	yaml_event_delete(&ev);
	if (!rc)
		rc = next_event(ld, &p, &ev);
	if (!rc && ev.type != YAML_STREAM_END_EVENT)
		rc = fail_at(ld, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
			     "a second YAML document; the file holds exactly one");
cleanup:
	yaml_event_delete(&ev);
	yaml_parser_delete(&p);
	free(buf);
	if (rc) {
		node_free(*root);
		*root = NULL;
	}
	return rc;
}

/* --- Schema helpers ---------------------------------------------------------------------------- */

static const struct ynode *map_get(const struct ynode *map, const char *key,
				   const struct ynode **keynode)
{
	for (size_t i = 0; map && i + 1 < map->n; i += 2) {
		if (!strcmp(map->kids[i]->text, key)) {
			if (keynode)
				*keynode = map->kids[i];
			return map->kids[i + 1];
		}
	}
	return NULL;
}

/* `n` must be a mapping with scalar, unique keys from `allowed`. */
static int check_map(struct ld *ld, const struct ynode *n, const char *const *allowed)
{
	char got[96], list[512];
	if (n->type != Y_MAP)
		return fail(ld, n, "expected a mapping, got %s", describe(n, got, sizeof(got)));
	for (size_t i = 0; i < n->n; i += 2) {
		const struct ynode *k = n->kids[i];
		if (k->type != Y_SCALAR)
			return fail(ld, k, "expected a scalar key, got %s",
				    describe(k, got, sizeof(got)));
		int known = 0;
		for (size_t j = 0; allowed[j] && !known; j++)
			known = !strcmp(allowed[j], k->text);
		size_t old = push_key(ld, k->text);
		int rc = 0;
		if (!known)
			rc = fail(ld, k, "unknown key, expected one of %s",
				  join(list, sizeof(list), allowed, ", "));
		for (size_t j = 0; j < i && !rc; j += 2)
			if (!strcmp(n->kids[j]->text, k->text))
				rc = fail(ld, k, "duplicate key (first at %d:%d)", n->kids[j]->line,
					  n->kids[j]->col);
		pop(ld, old);
		if (rc)
			return rc;
	}
	return 0;
}

static int missing(struct ld *ld, const struct ynode *map, const char *key)
{
	size_t old = push_key(ld, key);
	int rc = fail(ld, map, "required key is missing");
	pop(ld, old);
	return rc;
}

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

/* The value of `key` as a string (path pushed while checking); absent leaves *out alone. */
static int field_str(struct ld *ld, const struct ynode *map, const char *key, const char *what,
		     int (*valid)(const char *), char **out)
{
	const struct ynode *v = map_get(map, key, NULL);
	char got[96];
	int rc = 0;
	if (!v)
		return 0;
	size_t old = push_key(ld, key);
	if (v->type != Y_SCALAR || is_null(v) || (valid && !valid(v->text)))
		rc = fail(ld, v, "expected %s, got %s", what, describe(v, got, sizeof(got)));
	else
		*out = drill_xstrdup(v->text);
	pop(ld, old);
	return rc;
}

static int field_bool(struct ld *ld, const struct ynode *map, const char *key, int *out)
{
	const struct ynode *v = map_get(map, key, NULL);
	char got[96];
	int rc = 0;
	if (!v)
		return 0;
	size_t old = push_key(ld, key);
	if (v->type == Y_SCALAR && v->plain && !strcmp(v->text, "true"))
		*out = 1;
	else if (v->type == Y_SCALAR && v->plain && !strcmp(v->text, "false"))
		*out = 0;
	else
		rc = fail(ld, v, "expected true or false, got %s", describe(v, got, sizeof(got)));
	pop(ld, old);
	return rc;
}

static int field_u32(struct ld *ld, const struct ynode *map, const char *key, uint32_t min,
		     uint32_t max, uint32_t *out)
{
	const struct ynode *v = map_get(map, key, NULL);
	char got[96];
	uint64_t x = 0;
	int ok = v && v->type == Y_SCALAR && v->plain && v->text[0] &&
		 !(v->text[0] == '0' && v->text[1]);
	if (!v)
		return 0;
	for (size_t i = 0; ok && v->text[i]; i++) {
		ok = v->text[i] >= '0' && v->text[i] <= '9' && x <= UINT32_MAX;
		x = 10 * x + (uint64_t)(v->text[i] - '0');
	}
	size_t old = push_key(ld, key);
	int rc = 0;
	if (!ok || x < min || x > max)
		rc = fail(ld, v, "expected an integer in %" PRIu32 "..%" PRIu32 ", got %s", min, max,
			  describe(v, got, sizeof(got)));
	else
		*out = (uint32_t)x;
	pop(ld, old);
	return rc;
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

static int load_exec(struct ld *ld, const struct ynode *root, struct drill_vendor_def *d)
{
	static const char *const keys[] = {"program", "timeoutSeconds", NULL};
	const struct ynode *k = NULL, *m = map_get(root, "exec", &k);
	size_t old = ld->plen;
	int rc = 0;
	if (strcmp(d->driver, "exec")) {
		if (m) {
			push_key(ld, "exec");
			rc = fail(ld, k, "only with driver: exec, got driver %s", d->driver);
		}
		goto cleanup;
	}
	if (!m) {
		rc = fail(ld, root, "exec: required key is missing (driver exec needs "
			  "exec.program)");
		goto cleanup;
	}
	push_key(ld, "exec");
	rc = check_map(ld, m, keys);
	if (!rc && !map_get(m, "program", NULL))
		rc = missing(ld, m, "program");
	if (!rc)
		rc = field_str(ld, m, "program", "a program path", valid_nonempty, &d->program);
	if (!rc) {
		const struct ynode *v = map_get(m, "program", NULL);
		d->program_line = v->line;
		d->program_col = v->col;
		d->program_path = drill_fs_resolve_beside(d->path, d->program);
		rc = field_u32(ld, m, "timeoutSeconds", 1, 3600, &d->timeout_s);
	}
cleanup:
	pop(ld, old);
	return rc;
}

static int load_topology(struct ld *ld, const struct ynode *caps, struct drill_vendor_def *d)
{
	static const char *const keys[] = {"zones", NULL};
	const struct ynode *m = map_get(caps, "topology", NULL), *z;
	char got[96];
	size_t old = ld->plen;
	if (!m)
		return 0;
	push_key(ld, "topology");
	int rc = check_map(ld, m, keys);
	if (rc)
		goto cleanup;
	if (!(z = map_get(m, "zones", NULL))) {
		rc = missing(ld, m, "zones");
		goto cleanup;
	}
	push_key(ld, "zones");
	if (z->type != Y_SEQ || z->n < 2 || z->n > MAX_ZONES) {
		rc = fail(ld, z, "expected a sequence of 2..%d zone names (the zone checks put a "
			  "volume in a zone other than its instance's), got %s", MAX_ZONES,
			  z->type == Y_SEQ && z->n == 1 ? "one zone" : describe(z, got, sizeof(got)));
		goto cleanup;
	}
	d->zones = drill_xcalloc(z->n, sizeof(*d->zones));
	for (size_t i = 0; i < z->n && !rc; i++) {
		const struct ynode *v = z->kids[i];
		size_t o2 = push_index(ld, i);
		if (v->type != Y_SCALAR || is_null(v) || !v->text[0])
			rc = fail(ld, v, "expected a non-empty zone name, got %s",
				  describe(v, got, sizeof(got)));
		for (size_t j = 0; j < i && !rc; j++)
			if (!strcmp(d->zones[j], v->text))
				rc = fail(ld, v, "expected a zone not listed before, got %s again "
					  "(first at %d:%d)", v->text, z->kids[j]->line,
					  z->kids[j]->col);
		if (!rc)
			d->zones[d->n_zones++] = drill_xstrdup(v->text);
		pop(ld, o2);
	}
	d->declared[DRILL_CAP_TOPOLOGY] = !rc;
cleanup:
	pop(ld, old);
	return rc;
}

static int load_capabilities(struct ld *ld, const struct ynode *root, struct drill_vendor_def *d)
{
	const struct ynode *m = map_get(root, "capabilities", NULL), *v;
	char got[96];
	if (!m)
		return missing(ld, root, "capabilities");
	size_t old = push_key(ld, "capabilities");
	int rc = check_map(ld, m, cap_names);
	if (rc)
		goto cleanup;
	if (!(v = map_get(m, "snapshot", NULL))) {
		rc = missing(ld, m, "snapshot");
		goto cleanup;
	}
	int snap = 0;
	rc = field_bool(ld, m, "snapshot", &snap);
	if (!rc && !snap) {
		push_key(ld, "snapshot");
		rc = fail(ld, v, "expected true (every vendor backs up and restores the replicas' "
			  "volumes; that is what vendor-check checks), got %s",
			  describe(v, got, sizeof(got)));
		goto cleanup;
	}
	d->declared[DRILL_CAP_SNAPSHOT] = snap;
	if (!rc)
		rc = load_topology(ld, m, d);
	if (!rc)
		rc = field_bool(ld, m, "consistencyAcrossVolumes",
				&d->declared[DRILL_CAP_CONSISTENCY]);
cleanup:
	pop(ld, old);
	return rc;
}

static int load_def(struct ld *ld, const struct ynode *root, struct drill_vendor_def *d)
{
	static const char *const keys[] = {"name", "description", "driver", "exec", "capabilities",
					   NULL};
	char got[96], list[128];
	const struct ynode *v;
	if (root->type != Y_MAP)
		return fail(ld, root, "expected a mapping with name, driver and capabilities, got %s",
			    describe(root, got, sizeof(got)));
	int rc = check_map(ld, root, keys);
	if (rc)
		return rc;
	if (!map_get(root, "name", NULL))
		return missing(ld, root, "name");
	rc = field_str(ld, root, "name", "[a-z0-9][a-z0-9-]* of at most 63 characters", valid_name,
		       &d->name);
	if (!rc)
		rc = field_str(ld, root, "description", "a string", NULL, &d->description);
	if (rc)
		return rc;
	if (!(v = map_get(root, "driver", NULL)))
		return missing(ld, root, "driver");
	for (size_t i = 0; drivers[i] && !d->driver; i++)
		if (v->type == Y_SCALAR && !strcmp(v->text, drivers[i]))
			d->driver = drill_xstrdup(drivers[i]);
	if (!d->driver) {
		size_t old = push_key(ld, "driver");
		rc = fail(ld, v, "expected %s, got %s", join(list, sizeof(list), drivers, " | "),
			  describe(v, got, sizeof(got)));
		pop(ld, old);
		return rc;
	}
	rc = load_exec(ld, root, d);
	if (!rc)
		rc = load_capabilities(ld, root, d);
	return rc;
}

int drill_vendor_def_load(struct drill_vendor_def **out, const char *path)
{
	struct ld ld = {.file = path};
	struct ynode *root = NULL;
	*out = NULL;
	int rc = parse_file(&ld, "a mapping with name, driver and capabilities", &root);
	if (rc)
		return rc;
	struct drill_vendor_def *d = drill_xcalloc(1, sizeof(*d));
	d->path = drill_xstrdup(path);
	d->timeout_s = 60;
	rc = load_def(&ld, root, d);
	node_free(root);
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

static int load_manifest(struct ld *ld, const struct ynode *root, struct drill_vc_manifest *m)
{
	static const char *const keys[] = {"capabilities", NULL};
	const struct ynode *caps;
	char got[96];
	if (root->type != Y_MAP)
		return fail(ld, root, "expected a mapping with capabilities, got %s",
			    describe(root, got, sizeof(got)));
	int rc = check_map(ld, root, keys);
	if (rc)
		return rc;
	if (!(caps = map_get(root, "capabilities", NULL)))
		return missing(ld, root, "capabilities");
	size_t old = push_key(ld, "capabilities");
	rc = check_map(ld, caps, cap_names);
	size_t cap = 0;
	for (size_t c = 0; c < DRILL_CAP_COUNT && !rc; c++) {
		const struct ynode *seq = map_get(caps, cap_names[c], NULL);
		if (!seq)
			continue;
		size_t o2 = push_key(ld, cap_names[c]);
		if (seq->type != Y_SEQ)
			rc = fail(ld, seq, "expected a sequence of scenario files, got %s",
				  describe(seq, got, sizeof(got)));
		for (size_t i = 0; !rc && i < seq->n; i++) {
			const struct ynode *v = seq->kids[i];
			size_t o3 = push_index(ld, i);
			char *path = NULL;
			if (v->type != Y_SCALAR || is_null(v) || !valid_file(v->text))
				rc = fail(ld, v, "expected a scenario file name beside the manifest "
					  "(NAME.yaml), got %s", describe(v, got, sizeof(got)));
			for (size_t j = 0; !rc && j < m->n; j++)
				if (!strcmp(m->entries[j].file, v->text))
					rc = fail(ld, v, "expected each file once, got %s again",
						  v->text);
			if (!rc) {
				path = drill_fs_resolve_beside(ld->file, v->text);
				if (!drill_fs_exists(path))
					rc = fail(ld, v, "expected an existing scenario file, got "
						  "%s (%s does not exist)", v->text, path);
			}
			if (!rc && m->n == MAX_ENTRIES)
				rc = fail(ld, v, "expected at most %d scenarios", MAX_ENTRIES);
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
			pop(ld, o3);
		}
		pop(ld, o2);
	}
	pop(ld, old);
	return rc;
}

int drill_vc_manifest_load(struct drill_vc_manifest **out, const char *path)
{
	struct ld ld = {.file = path};
	struct ynode *root = NULL;
	*out = NULL;
	int rc = parse_file(&ld, "a mapping with capabilities", &root);
	if (rc)
		return rc;
	struct drill_vc_manifest *m = drill_xcalloc(1, sizeof(*m));
	m->path = drill_xstrdup(path);
	rc = load_manifest(&ld, root, m);
	node_free(root);
	if (rc) {
		drill_vc_manifest_free(m);
		return rc;
	}
	*out = m;
	return 0;
}
