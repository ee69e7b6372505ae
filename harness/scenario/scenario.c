/* scenario/scenario.c — loads a scenario file with libyaml and validates it into a drill_scenario
 * (DESIGN.md §3); the only file that knows libyaml.
 *
 * Two passes. First the libyaml event stream becomes a small tree of nodes that keep their
 * 1-based line and column and whether a scalar was written plain (unquoted): the event API is
 * used rather than yaml_parser_load because it tells aliases, anchors and tags apart, which the
 * loader rejects (a scenario is short; copying a value is clearer than a reference), and it sees
 * a second document. Then the tree is checked against the schema, section by section in the
 * order of docs/scenario.md: within a mapping, unknown and duplicate keys are reported first (in
 * file order), then each key's value. The first problem ends the load; its message is
 * "FILE:LINE:COL: key.path: what was expected, got what", pointing at the offending node, or at
 * the mapping for a missing required key. Sequence items appear in paths as [i], from 0.
 *
 * Scalars: numbers and booleans must be plain (unquoted), so `"12"` is a string and not an
 * integer; integers are decimal digits only, without sign or leading zeros; booleans are
 * true/false. Strings may be plain or quoted, but not null (empty, ~ or null). */
#include "scenario/scenario.h"

#include "util/bytes.h"
#include "util/err.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MAX_FILE_BYTES (4u << 20) /* a scenario is a page of YAML; refuse anything absurd */
#define MAX_DEPTH 32              /* the schema nests 5 deep */
#define MAX_NAME 63               /* names become directory names and DNS labels */

enum ytype { Y_SCALAR, Y_SEQ, Y_MAP };

struct ynode {
	enum ytype type;
	int line, col;       /* 1-based */
	int plain;           /* scalar written without quotes or block indicator */
	char *text;          /* scalar */
	struct ynode **kids; /* sequence items; mapping: key, value, key, value, ... */
	size_t n;            /* number of kids */
};

struct loader {
	const char *file;
	char path[256]; /* key path of the node being checked: "cluster.replicas", "steps[2]" */
	size_t plen;
};

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

/* --- Messages -------------------------------------------------------------------------------- */

static int vfail_at(struct loader *ld, int line, int col, const char *fmt, va_list ap)
{
	char msg[768];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (ld->plen)
		return drill_err(DRILL_EINPUT, "%s:%d:%d: %s: %s", ld->file, line, col, ld->path,
				 msg);
	return drill_err(DRILL_EINPUT, "%s:%d:%d: %s", ld->file, line, col, msg);
}

static int fail_at(struct loader *ld, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail_at(struct loader *ld, int line, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vfail_at(ld, line, col, fmt, ap);
	va_end(ap);
	return rc;
}

static int fail(struct loader *ld, const struct ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct loader *ld, const struct ynode *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vfail_at(ld, n->line, n->col, fmt, ap);
	va_end(ap);
	return rc;
}

/* Append `s` to the path, printable and at most 64 characters; returns the length to pop to. */
static size_t push_key(struct loader *ld, const char *s)
{
	size_t old = ld->plen, end = sizeof(ld->path) - 1;
	if (old && ld->plen < end)
		ld->path[ld->plen++] = '.';
	for (size_t i = 0; s[i] && i < 64 && ld->plen < end; i++)
		ld->path[ld->plen++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	ld->path[ld->plen] = '\0';
	return old;
}

static size_t push_index(struct loader *ld, size_t i)
{
	size_t old = ld->plen;
	snprintf(ld->path + old, sizeof(ld->path) - old, "[%zu]", i);
	ld->plen = strlen(ld->path);
	return old;
}

static void pop(struct loader *ld, size_t old)
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
	const char *t = n->text;
	size_t i = 0;
	for (; t[i] && i < 40 && o + 8 < size; i++) {
		unsigned char c = (unsigned char)t[i];
		if (c == '"' || c == '\\')
			o += (size_t)snprintf(buf + o, size - o, "\\%c", c);
		else if (c == '\n')
			o += (size_t)snprintf(buf + o, size - o, "\\n");
		else if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	if (t[i] && o + 4 < size)
		o += (size_t)snprintf(buf + o, size - o, "...");
	if (!n->plain && o + 2 < size)
		buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

/* "a, b, c" (sep ", ") or "a | b | c" into buf. */
static const char *join(char *buf, size_t size, const char *const *list, const char *sep)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; list[i] && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? sep : "", list[i]);
	return buf;
}

/* --- YAML text to node tree ------------------------------------------------------------------ */

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

struct yreader {
	yaml_parser_t p;
	const char *buf;
	size_t len;
	struct loader *ld;
};

static int syntax_error(struct yreader *y)
{
	yaml_parser_t *p = &y->p;
	const char *problem = p->problem ? p->problem : "unknown problem";
	if (p->error == YAML_MEMORY_ERROR)
		return drill_err(DRILL_EFAIL, "%s: out of memory while parsing", y->ld->file);
	if (p->error == YAML_READER_ERROR) {
		/* The reader reports a byte offset, not a mark. */
		int line = 1, col = 1;
		for (size_t i = 0; i < p->problem_offset && i < y->len; i++) {
			if (y->buf[i] == '\n')
				line++, col = 1;
			else
				col++;
		}
		if (p->problem_value >= 0)
			return fail_at(y->ld, line, col, "syntax error: %s (byte 0x%02x)", problem,
				       (unsigned)p->problem_value);
		return fail_at(y->ld, line, col, "syntax error: %s", problem);
	}
	int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;
	if (p->context)
		return fail_at(y->ld, line, col, "syntax error: %s (%s at %d:%d)", problem,
			       p->context, (int)p->context_mark.line + 1,
			       (int)p->context_mark.column + 1);
	return fail_at(y->ld, line, col, "syntax error: %s", problem);
}

static int next_event(struct yreader *y, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&y->p, ev))
		return syntax_error(y);
	return 0;
}

/* Build the node that starts with `ev` (consumed, also on error) and its children. */
static int build(struct yreader *y, yaml_event_t *ev, int depth, struct ynode **out)
{
	struct ynode *n = NULL;
	yaml_event_t child;
	const yaml_char_t *anchor = NULL, *tag = NULL;
	yaml_event_type_t end = YAML_NO_EVENT;
	int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1, rc = 0;

	memset(&child, 0, sizeof(child));
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		rc = fail_at(y->ld, line, col,
			     "aliases (*%s) are not supported; write the value out",
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
		rc = fail_at(y->ld, line, col, "syntax error: unexpected YAML event %d",
			     (int)ev->type);
		goto cleanup;
	}
	if (anchor) {
		rc = fail_at(y->ld, line, col,
			     "anchors (&%s) are not supported; write the value out",
			     (const char *)anchor);
		goto cleanup;
	}
	if (tag) {
		rc = fail_at(y->ld, line, col, "tags (%s) are not supported", (const char *)tag);
		goto cleanup;
	}
	if (depth > MAX_DEPTH) {
		rc = fail_at(y->ld, line, col, "nested deeper than %d levels", MAX_DEPTH);
		goto cleanup;
	}
	n = drill_xcalloc(1, sizeof(*n));
	n->line = line;
	n->col = col;
	if (ev->type == YAML_SCALAR_EVENT) {
		size_t len = ev->data.scalar.length;
		if (memchr(ev->data.scalar.value, '\0', len)) {
			rc = fail_at(y->ld, line, col,
				     "NUL characters are not supported in values");
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
		rc = next_event(y, &child);
		if (rc)
			goto cleanup;
		if (child.type == end)
			break;
		if (n->n == cap) {
			cap = cap ? 2 * cap : 8;
			n->kids = drill_xrealloc(n->kids, cap * sizeof(*n->kids));
		}
		rc = build(y, &child, depth + 1, &n->kids[n->n]);
		if (rc)
			goto cleanup;
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

/* Parse the whole stream: exactly one document, whose root goes to *root. */
static int parse_tree(struct loader *ld, const char *buf, size_t len, struct ynode **root)
{
	struct yreader y = {.buf = buf, .len = len, .ld = ld};
	yaml_event_t ev;
	int rc;

	*root = NULL;
	memset(&ev, 0, sizeof(ev));
	if (!yaml_parser_initialize(&y.p))
		return drill_err(DRILL_EFAIL, "%s: cannot initialise the YAML parser", ld->file);
	yaml_parser_set_input_string(&y.p, (const unsigned char *)(buf ? buf : ""), len);

	rc = next_event(&y, &ev); /* stream start */
	yaml_event_delete(&ev);
	if (!rc)
		rc = next_event(&y, &ev);
	if (rc)
		goto cleanup;
	if (ev.type == YAML_STREAM_END_EVENT) {
		rc = fail_at(ld, 1, 1,
			     "empty file, expected a mapping with name, steps and expect");
		goto cleanup;
	}
	yaml_event_delete(&ev); /* document start */
	rc = next_event(&y, &ev);
	if (rc)
		goto cleanup;
	rc = build(&y, &ev, 0, root); /* consumes ev */
	if (rc)
		goto cleanup;
	rc = next_event(&y, &ev); /* document end */
	yaml_event_delete(&ev);
	if (!rc)
		rc = next_event(&y, &ev);
	if (rc)
		goto cleanup;
	if (ev.type != YAML_STREAM_END_EVENT)
		rc = fail_at(ld, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
			     "a second YAML document; a scenario file holds exactly one");
cleanup:
	yaml_event_delete(&ev);
	yaml_parser_delete(&y.p);
	if (rc) {
		node_free(*root);
		*root = NULL;
	}
	return rc;
}

static int read_file(char **out, size_t *len, const char *path)
{
	struct drill_buf b;
	char chunk[8192];
	size_t got;
	int rc = 0;

	drill_buf_init(&b, MAX_FILE_BYTES);
	FILE *f = fopen(path, "rb");
	if (!f)
		return drill_err(DRILL_EINPUT, "%s: cannot open: %s", path, strerror(errno));
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (drill_buf_append(&b, chunk, got) != 0) {
			rc = drill_err(DRILL_EINPUT, "%s: larger than %u bytes; not a scenario",
				       path, MAX_FILE_BYTES);
			goto cleanup;
		}
	}
	if (ferror(f)) {
		rc = drill_err(DRILL_EINPUT, "%s: cannot read: %s", path, strerror(errno));
		goto cleanup;
	}
	*len = b.len;
	*out = (char *)b.data;
	b.data = NULL;
cleanup:
	fclose(f);
	drill_buf_free(&b);
	return rc;
}

/* --- Scalars --------------------------------------------------------------------------------- */

/* A plain decimal integer: 0, -1 not an integer, -2 leading zero, -3 larger than u64. */
static int scalar_u64(const struct ynode *v, uint64_t *out)
{
	if (v->type != Y_SCALAR || !v->plain || is_null(v))
		return -1;
	const char *t = v->text;
	uint64_t x = 0;
	int overflow = 0;
	for (size_t i = 0; t[i]; i++) {
		if (t[i] < '0' || t[i] > '9')
			return -1;
		unsigned d = (unsigned)(t[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			overflow = 1;
		else
			x = 10 * x + d;
	}
	if (t[0] == '0' && t[1])
		return -2;
	if (overflow)
		return -3;
	*out = x;
	return 0;
}

static int parse_u64(struct loader *ld, const struct ynode *v, uint64_t min, uint64_t max,
		     uint64_t *out)
{
	char got[96];
	uint64_t x = 0;
	int r = scalar_u64(v, &x);
	if (r == -2)
		return fail(ld, v, "expected a decimal integer without leading zeros, got %s",
			    describe(v, got, sizeof(got)));
	if (r || x < min || x > max)
		return fail(ld, v, "expected an integer in %" PRIu64 "..%" PRIu64 ", got %s", min,
			    max, describe(v, got, sizeof(got)));
	*out = x;
	return 0;
}

static int parse_bool(struct loader *ld, const struct ynode *v, int *out)
{
	char got[96];
	if (v->type == Y_SCALAR && v->plain && !strcmp(v->text, "true"))
		*out = 1;
	else if (v->type == Y_SCALAR && v->plain && !strcmp(v->text, "false"))
		*out = 0;
	else
		return fail(ld, v, "expected true or false, got %s", describe(v, got, sizeof(got)));
	return 0;
}

/* A string (plain or quoted, not null); `valid` may narrow it, `what` says what is expected. */
static int parse_str(struct loader *ld, const struct ynode *v, const char *what,
		     int (*valid)(const char *), char **out)
{
	char got[96];
	if (v->type != Y_SCALAR || is_null(v) || (valid && !valid(v->text)))
		return fail(ld, v, "expected %s, got %s", what, describe(v, got, sizeof(got)));
	free(*out);
	*out = drill_xstrdup(v->text);
	return 0;
}

/* One of `choices` (plain or quoted); its index to *idx. */
static int parse_enum(struct loader *ld, const struct ynode *v, const char *const *choices,
		      int *idx)
{
	char got[96], list[256];
	for (int i = 0; v->type == Y_SCALAR && !is_null(v) && choices[i]; i++) {
		if (!strcmp(v->text, choices[i])) {
			*idx = i;
			return 0;
		}
	}
	return fail(ld, v, "expected %s, got %s", join(list, sizeof(list), choices, " | "),
		    describe(v, got, sizeof(got)));
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

/* The value of `key` in a checked mapping (and its key node), or NULL. */
static const struct ynode *map_get(const struct ynode *map, const char *key,
				   const struct ynode **keynode)
{
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		if (!strcmp(map->kids[i]->text, key)) {
			if (keynode)
				*keynode = map->kids[i];
			return map->kids[i + 1];
		}
	}
	return NULL;
}

/* `n` must be a mapping with scalar, unique keys from `allowed` (NULL: any key). */
static int check_map(struct loader *ld, const struct ynode *n, const char *const *allowed)
{
	char got[96], list[512];
	if (n->type != Y_MAP)
		return fail(ld, n, "expected a mapping, got %s", describe(n, got, sizeof(got)));
	for (size_t i = 0; i < n->n; i += 2) {
		const struct ynode *k = n->kids[i];
		if (k->type != Y_SCALAR)
			return fail(ld, k, "expected a scalar key, got %s",
				    describe(k, got, sizeof(got)));
		int known = !allowed;
		for (size_t j = 0; allowed && allowed[j] && !known; j++)
			known = !strcmp(allowed[j], k->text);
		size_t old = push_key(ld, k->text);
		int rc = 0;
		if (!known && allowed[0])
			rc = fail(ld, k, "unknown key, expected one of %s",
				  join(list, sizeof(list), allowed, ", "));
		else if (!known)
			rc = fail(ld, k, "unknown key, this mapping takes no keys");
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

static int missing(struct loader *ld, const struct ynode *map, const char *key)
{
	size_t old = push_key(ld, key);
	int rc = fail(ld, map, "required key is missing");
	pop(ld, old);
	return rc;
}

/* Optional fields of a checked mapping: absent leaves *out (the default) alone. */
static int field_u64(struct loader *ld, const struct ynode *map, const char *key, uint64_t min,
		     uint64_t max, uint64_t *out)
{
	const struct ynode *v = map_get(map, key, NULL);
	if (!v)
		return 0;
	size_t old = push_key(ld, key);
	int rc = parse_u64(ld, v, min, max, out);
	pop(ld, old);
	return rc;
}

static int field_u32(struct loader *ld, const struct ynode *map, const char *key, uint32_t min,
		     uint32_t max, uint32_t *out)
{
	uint64_t v = *out;
	int rc = field_u64(ld, map, key, min, max, &v);
	*out = (uint32_t)v;
	return rc;
}

static int field_bool(struct loader *ld, const struct ynode *map, const char *key, int *out,
		      int *present)
{
	const struct ynode *v = map_get(map, key, NULL);
	if (!v)
		return 0;
	size_t old = push_key(ld, key);
	int rc = parse_bool(ld, v, out);
	pop(ld, old);
	if (present)
		*present = 1;
	return rc;
}

static int field_str(struct loader *ld, const struct ynode *map, const char *key,
		     const char *what, int (*valid)(const char *), char **out)
{
	const struct ynode *v = map_get(map, key, NULL);
	if (!v)
		return 0;
	size_t old = push_key(ld, key);
	int rc = parse_str(ld, v, what, valid, out);
	pop(ld, old);
	return rc;
}

static int field_enum(struct loader *ld, const struct ynode *map, const char *key,
		      const char *const *choices, int *idx)
{
	const struct ynode *v = map_get(map, key, NULL);
	if (!v)
		return 0;
	size_t old = push_key(ld, key);
	int rc = parse_enum(ld, v, choices, idx);
	pop(ld, old);
	return rc;
}

/* Check a section's mapping (absent is fine: all defaults); *map is NULL when absent. */
static int section(struct loader *ld, const struct ynode *parent, const char *key,
		   const char *const *allowed, const struct ynode **map)
{
	*map = map_get(parent, key, NULL);
	if (!*map)
		return 0;
	size_t old = push_key(ld, key);
	int rc = check_map(ld, *map, allowed);
	pop(ld, old);
	return rc;
}

/* --- Sections -------------------------------------------------------------------------------- */

static int load_cluster(struct loader *ld, const struct ynode *root, struct drill_scenario *s)
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
	push_key(ld, "cluster");
	rc = field_str(ld, m, "namespace", "a DNS label ([a-z0-9-], at most 63 characters, "
		       "starting and ending alphanumeric)", valid_dns_label, &s->namespace_);
	if (!rc)
		rc = field_str(ld, m, "blockchainId", "[a-z0-9-]+ of at most 63 characters",
			       valid_id, &s->blockchain_id);
	if (rc)
		goto cleanup;
	if ((v = map_get(m, "replicas", NULL))) {
		uint64_t n = 0;
		size_t o2 = push_key(ld, "replicas");
		rc = parse_u64(ld, v, 4, 31, &n);
		if (!rc && n % 3 != 1)
			rc = fail(ld, v, "expected 3f+1 with f >= 1 (4, 7, 10, ..., 31), got %s",
				  describe(v, got, sizeof(got)));
		pop(ld, o2);
		if (rc)
			goto cleanup;
		s->replicas = (int)n;
	}
	if (map_get(m, "runAsUser", NULL)) {
		uint64_t uid = 0;
		rc = field_u64(ld, m, "runAsUser", 0, 2147483646, &uid);
		if (rc)
			goto cleanup;
		s->run_as_user = (uint32_t)uid;
		s->has_run_as_user = 1;
	}
	if ((v = map_get(m, "zones", NULL))) {
		size_t o2 = push_key(ld, "zones");
		if (v->type != Y_SEQ || v->n == 0)
			rc = fail(ld, v, "expected a non-empty sequence of zone names, got %s",
				  describe(v, got, sizeof(got)));
		else
			s->zones = drill_xcalloc(v->n, sizeof(*s->zones));
		for (size_t i = 0; !rc && i < v->n; i++) {
			size_t o3 = push_index(ld, i);
			rc = parse_str(ld, v->kids[i], "a non-empty zone name", valid_nonempty,
				       &s->zones[i]);
			s->n_zones += !rc;
			pop(ld, o3);
		}
		pop(ld, o2);
		if (rc)
			goto cleanup;
	}
	rc = section(ld, m, "storageClass", sc_keys, &sc);
	if (rc || !sc)
		goto cleanup;
	push_key(ld, "storageClass"); /* popped with "cluster" below */
	rc = field_str(ld, sc, "name", "a storage class name (RFC 1123 subdomain)", valid_subdomain,
		       &s->storage_class);
	if (!rc) {
		int r = (int)s->reclaim;
		rc = field_enum(ld, sc, "reclaimPolicy", reclaim, &r);
		s->reclaim = r ? DRILL_RECLAIM_DELETE : DRILL_RECLAIM_RETAIN;
	}
cleanup:
	pop(ld, old);
	return rc;
}

static int load_checkpoint_backup(struct loader *ld, const struct ynode *root,
				  struct drill_scenario *s)
{
	static const char *const keys[] = {"enabled", "numberOfCheckpoints",
					   "checkpointIntervalInSeconds", "checkpointWindow", NULL};
	const struct ynode *m;
	size_t old = ld->plen;
	int rc = section(ld, root, "replicaCheckpointBackup", keys, &m);
	if (rc || !m)
		return rc;
	push_key(ld, "replicaCheckpointBackup");
	rc = field_bool(ld, m, "enabled", &s->ckpt_enabled, NULL);
	if (!rc)
		rc = field_u32(ld, m, "numberOfCheckpoints", 1, 100, &s->ckpt_keep);
	if (!rc)
		rc = field_u64(ld, m, "checkpointIntervalInSeconds", 0, 31536000,
			       &s->ckpt_interval_s);
	if (!rc)
		rc = field_u64(ld, m, "checkpointWindow", 0, 1000000000, &s->ckpt_window);
	pop(ld, old);
	return rc;
}

static int load_workload(struct loader *ld, const struct ynode *root, struct drill_scenario *s)
{
	static const char *const keys[] = {"keysPerBlock", "valueSize", "keySpace",
					   "blockIntervalMs", NULL};
	const struct ynode *m, *v;
	char got[96];
	size_t old = ld->plen;
	int rc = section(ld, root, "workload", keys, &m);
	if (rc || !m)
		return rc;
	push_key(ld, "workload");
	rc = field_u32(ld, m, "keysPerBlock", 1, 1000, &s->keys_per_block);
	if (!rc)
		rc = field_u32(ld, m, "valueSize", 1, 65536, &s->value_size);
	if (!rc)
		rc = field_u64(ld, m, "keySpace", 1, 10000000, &s->key_space);
	if (!rc)
		rc = field_u64(ld, m, "blockIntervalMs", 1, 3600000, &s->block_interval_ms);
	if (rc || s->keys_per_block <= s->key_space)
		goto cleanup;
	/* A block writes distinct keys, so it cannot write more than there are. */
	if ((v = map_get(m, "keysPerBlock", NULL))) {
		push_key(ld, "keysPerBlock");
		rc = fail(ld, v, "expected at most workload.keySpace (%" PRIu64 "), got %s",
			  s->key_space, describe(v, got, sizeof(got)));
	} else {
		v = map_get(m, "keySpace", NULL);
		push_key(ld, "keySpace");
		rc = fail(ld, v, "expected at least workload.keysPerBlock (%" PRIu32 "), got %s",
			  s->keys_per_block, describe(v, got, sizeof(got)));
	}
cleanup:
	pop(ld, old);
	return rc;
}

static int load_storage(struct loader *ld, const struct ynode *root, struct drill_scenario *s)
{
	static const char *const keys[] = {"vendor", "program", "timeoutSeconds", NULL};
	const struct ynode *m;
	size_t old = ld->plen;
	int rc = section(ld, root, "storage", keys, &m);
	if (rc || !m)
		return rc;
	push_key(ld, "storage");
	rc = field_str(ld, m, "vendor", "a vendor name ([a-z0-9-]+)", valid_slug, &s->vendor);
	if (!rc)
		rc = field_str(ld, m, "program", "a program path", NULL, &s->vendor_program);
	if (!rc)
		rc = field_u32(ld, m, "timeoutSeconds", 1, 3600, &s->vendor_timeout_s);
	pop(ld, old);
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
static int require(struct loader *ld, const struct ynode *map, const char *key,
		   const struct ynode **v)
{
	*v = map_get(map, key, NULL);
	if (!*v)
		return missing(ld, map, key);
	push_key(ld, key);
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

static int load_replica(struct loader *ld, const struct ynode *body, struct drill_scenario *s,
			struct drill_step *st, int *stopped)
{
	const struct ynode *v;
	char got[96];
	uint64_t x = 0;
	int rc = require(ld, body, "replica", &v);
	if (rc)
		return rc;
	if (scalar_u64(v, &x) || x >= (uint64_t)s->replicas)
		return fail(ld, v,
			    "expected a replica index in 0..%d (cluster.replicas is %d), got %s",
			    s->replicas - 1, s->replicas, describe(v, got, sizeof(got)));
	st->replica = (int)x;
	if (st->kind == DRILL_STEP_STOP) {
		stopped[x] = 1;
	} else if (!stopped[x]) {
		return fail(ld, v, "expected a replica stopped by an earlier stop step, got %s "
			    "(not stopped)", describe(v, got, sizeof(got)));
	} else {
		stopped[x] = 0;
	}
	return 0;
}

static int load_fault(struct loader *ld, const struct ynode *body, struct drill_step *st)
{
	const struct ynode *v;
	char got[96];
	size_t old = ld->plen;
	int rc = require(ld, body, "kind", &v);
	if (!rc)
		rc = parse_str(ld, v, "a fault kind ([a-z0-9-]+)", valid_slug, &st->fault_kind);
	pop(ld, old);
	if (rc)
		return rc;
	st->params = drill_xcalloc(body->n / 2, sizeof(*st->params));
	for (size_t i = 0; i < body->n; i += 2) {
		const struct ynode *k = body->kids[i];
		v = body->kids[i + 1];
		if (!strcmp(k->text, "kind"))
			continue;
		if (v->type != Y_SCALAR || is_null(v)) {
			push_key(ld, k->text);
			rc = fail(ld, v, "expected a scalar parameter value, got %s",
				  describe(v, got, sizeof(got)));
			pop(ld, old);
			return rc;
		}
		struct drill_param *p = &st->params[st->n_params++];
		p->key = drill_xstrdup(k->text);
		p->value = drill_xstrdup(v->text);
		p->line = v->line;
		p->col = v->col;
	}
	return 0;
}

static int load_restore(struct loader *ld, const struct ynode *body, struct drill_scenario *s,
			size_t idx)
{
	struct drill_step *st = &s->steps[idx];
	const struct ynode *v;
	char got[96], list[512];
	size_t old = ld->plen;
	int found = 0;
	int rc = require(ld, body, "from", &v);
	if (!rc)
		rc = parse_str(ld, v, "a backup name (" NAME_RULE ")", valid_name, &st->name);
	for (size_t j = 0; !rc && j < idx && !found; j++)
		found = s->steps[j].kind == DRILL_STEP_BACKUP &&
			!strcmp(s->steps[j].name, st->name);
	if (!rc && !found)
		rc = fail(ld, v,
			  "expected the name of a backup taken by an earlier step (%s), got %s",
			  earlier_backups(list, sizeof(list), s, idx),
			  describe(v, got, sizeof(got)));
	pop(ld, old);
	st->latest_common = 1;
	if (rc || !(v = map_get(body, "checkpoint", NULL)))
		return rc;
	uint64_t x = 0;
	push_key(ld, "checkpoint");
	if (v->type == Y_SCALAR && !strcmp(v->text, "latest-common"))
		st->latest_common = 1;
	else if (v->type == Y_SCALAR && !strcmp(v->text, "none"))
		st->latest_common = 0, st->restore_live = 1;
	else if (!scalar_u64(v, &x) && x >= 1)
		st->latest_common = 0, st->checkpoint = x;
	else
		rc = fail(ld, v,
			  "expected latest-common, none or a checkpoint id (an integer >= 1), "
			  "got %s",
			  describe(v, got, sizeof(got)));
	pop(ld, old);
	return rc;
}

static int load_step(struct loader *ld, const struct ynode *item, struct drill_scenario *s,
		     size_t idx, int *stopped)
{
	struct drill_step *st = &s->steps[idx];
	char got[96], list[256];
	const struct ynode *v;
	if (item->type != Y_MAP || item->n == 0)
		return fail(ld, item, "expected a mapping with one key, the step kind (%s), got %s",
			    join(list, sizeof(list), step_kinds, ", "),
			    describe(item, got, sizeof(got)));
	if (item->n > 2)
		return fail(ld, item->kids[2], "expected one key per step (the step kind), got a "
			    "second key %s", describe(item->kids[2], got, sizeof(got)));
	const struct ynode *k = item->kids[0], *body = item->kids[1];
	if (k->type != Y_SCALAR)
		return fail(ld, k, "expected a step kind as the key, got %s",
			    describe(k, got, sizeof(got)));
	size_t old = push_key(ld, k->text);
	int rc = 0;
	size_t kind = 0;
	while (kind < N_STEP_KINDS && strcmp(step_kinds[kind], k->text))
		kind++;
	if (kind == N_STEP_KINDS) {
		rc = fail(ld, k, "unknown step kind, expected one of %s",
			  join(list, sizeof(list), step_kinds, ", "));
		goto cleanup;
	}
	st->kind = (enum drill_step_kind)kind;
	st->line = k->line;
	st->col = k->col;
	/* `checkpoint:` alone is `checkpoint: {}`; a missing key then points at the step. */
	struct ynode empty = {.type = Y_MAP, .line = k->line, .col = k->col};
	if (is_null(body))
		body = &empty;
	rc = check_map(ld, body, step_keys[kind]);
	if (rc)
		goto cleanup;
	size_t here = ld->plen;
	switch (st->kind) {
	case DRILL_STEP_WRITE:
		rc = require(ld, body, "blocks", &v);
		if (!rc)
			rc = parse_u64(ld, v, 1, 100000000, &st->blocks);
		break;
	case DRILL_STEP_VALIDATE:
		st->blocks = 10;
		rc = field_u64(ld, body, "blocks", 1, 1000000, &st->blocks);
		break;
	case DRILL_STEP_BACKUP:
		rc = require(ld, body, "name", &v);
		if (!rc)
			rc = parse_str(ld, v, NAME_RULE, valid_name, &st->name);
		for (size_t j = 0; !rc && j < idx; j++)
			if (s->steps[j].kind == DRILL_STEP_BACKUP &&
			    !strcmp(s->steps[j].name, st->name))
				rc = fail(ld, v,
					  "expected a new backup name, got %s (already taken "
					  "by the backup step at %d:%d)",
					  describe(v, got, sizeof(got)), s->steps[j].line,
					  s->steps[j].col);
		break;
	case DRILL_STEP_STOP:
	case DRILL_STEP_START:
		rc = load_replica(ld, body, s, st, stopped);
		break;
	case DRILL_STEP_FAULT: {
		rc = load_fault(ld, body, st);
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
	pop(ld, here);
cleanup:
	pop(ld, old);
	return rc;
}

static int load_steps(struct loader *ld, const struct ynode *root, struct drill_scenario *s)
{
	int stopped[32] = {0}; /* replicas <= 31 */
	char got[96];
	const struct ynode *v = map_get(root, "steps", NULL);
	if (!v)
		return missing(ld, root, "steps");
	size_t old = push_key(ld, "steps");
	int rc = 0;
	if (v->type != Y_SEQ || v->n == 0) {
		rc = fail(ld, v, "expected a non-empty sequence of steps, got %s",
			  describe(v, got, sizeof(got)));
		goto cleanup;
	}
	s->steps = drill_xcalloc(v->n, sizeof(*s->steps));
	s->n_steps = v->n;
	for (size_t i = 0; i < v->n && !rc; i++) {
		size_t o2 = push_index(ld, i);
		rc = load_step(ld, v->kids[i], s, i, stopped);
		pop(ld, o2);
	}
cleanup:
	pop(ld, old);
	return rc;
}

/* --- Expectation and the whole file ---------------------------------------------------------- */

static int load_expect(struct loader *ld, const struct ynode *root, struct drill_scenario *s)
{
	static const char *const keys[] = {"verdict", "restoredBlock", "agreedBlock", "dataLoss",
					   "failedStep", "error", NULL};
	static const char *const verdicts[] = {"consistent", "recoverable", "divergent",
					       "unrecoverable", NULL};
	struct drill_expect *e = &s->expect;
	const struct ynode *m = map_get(root, "expect", NULL), *v, *k;
	char got[96], list[256];
	int idx = 0;
	if (!m)
		return missing(ld, root, "expect");
	size_t old = push_key(ld, "expect");
	int rc = check_map(ld, m, keys);
	if (rc)
		goto cleanup;
	if (m->n == 0) {
		rc = fail(ld, m, "expected at least one of %s, got an empty mapping",
			  join(list, sizeof(list), keys, ", "));
		goto cleanup;
	}
	if (map_get(m, "verdict", NULL)) {
		rc = field_enum(ld, m, "verdict", verdicts, &idx);
		if (rc)
			goto cleanup;
		e->has_verdict = 1;
		e->verdict = drill_xstrdup(verdicts[idx]);
	}
	e->has_restored_block = map_get(m, "restoredBlock", NULL) != NULL;
	rc = field_u64(ld, m, "restoredBlock", 0, UINT64_MAX, &e->restored_block);
	e->has_agreed_block = map_get(m, "agreedBlock", NULL) != NULL;
	if (!rc)
		rc = field_u64(ld, m, "agreedBlock", 0, UINT64_MAX, &e->agreed_block);
	if (!rc)
		rc = field_bool(ld, m, "dataLoss", &e->data_loss, &e->has_data_loss);
	if (rc)
		goto cleanup;
	if ((v = map_get(m, "failedStep", NULL))) {
		int found = 0;
		rc = field_enum(ld, m, "failedStep", step_kinds, &idx);
		if (rc)
			goto cleanup;
		for (size_t i = 0; i < s->n_steps && !found; i++)
			found = s->steps[i].kind == (enum drill_step_kind)idx;
		if (!found) {
			push_key(ld, "failedStep");
			rc = fail(ld, v,
				  "expected the kind of a step in steps, got %s (no such step)",
				  describe(v, got, sizeof(got)));
			goto cleanup;
		}
		e->has_failed_step = 1;
		e->failed_step = drill_xstrdup(step_kinds[idx]);
	}
	if ((v = map_get(m, "error", &k))) {
		push_key(ld, "error");
		if (!e->has_failed_step)
			rc = fail(ld, k, "expected only together with expect.failedStep, got error "
				  "without it");
		else
			rc = parse_str(ld, v, "a non-empty string", valid_nonempty, &e->error);
	}
cleanup:
	pop(ld, old);
	return rc;
}

static int load_scenario(struct loader *ld, const struct ynode *root, struct drill_scenario *s)
{
	static const char *const keys[] = {"name", "description", "seed", "platform", "cluster",
					   "replicaCheckpointBackup", "workload", "storage",
					   "steps", "expect", NULL};
	static const char *const platforms[] = {"local", "kind", "minikube", NULL};
	const struct ynode *v;
	char got[96];
	int idx = 0;
	if (root->type != Y_MAP)
		return fail(ld, root, "expected a mapping with name, steps and expect, got %s",
			    describe(root, got, sizeof(got)));
	int rc = check_map(ld, root, keys);
	if (rc)
		return rc;
	if (!(v = map_get(root, "name", NULL)))
		return missing(ld, root, "name");
	size_t old = push_key(ld, "name");
	rc = parse_str(ld, v, NAME_RULE, valid_name, &s->name);
	pop(ld, old);
	if (!rc)
		rc = field_str(ld, root, "description", "a string", NULL, &s->description);
	if (!rc)
		rc = field_u64(ld, root, "seed", 0, UINT64_MAX, &s->seed);
	if (!rc && map_get(root, "platform", NULL)) {
		rc = field_enum(ld, root, "platform", platforms, &idx);
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
	struct loader ld = {.file = path};
	struct drill_scenario *s = NULL;
	struct ynode *root = NULL;
	char *buf = NULL;
	size_t len = 0;

	*out = NULL;
	int rc = read_file(&buf, &len, path);
	if (rc)
		goto cleanup;
	rc = parse_tree(&ld, buf, len, &root);
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
	node_free(root);
	free(buf);
	return rc;
}
