/* scenario/ytree.c — strict YAML to a tree of positioned nodes, and the checks the loaders share
 * (ytree.h). */
#include "scenario/ytree.h"

#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/yscalar.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#define MAX_DEPTH 32 /* the deepest schema nests 5 deep */

/* --- Messages -------------------------------------------------------------------------------- */

static int vfail_at(struct yloader *ld, int line, int col, const char *fmt, va_list ap)
{
	char msg[768];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (ld->plen)
		return drill_err(DRILL_EINPUT, "%s:%d:%d: %s: %s", ld->file, line, col, ld->path,
				 msg);
	return drill_err(DRILL_EINPUT, "%s:%d:%d: %s", ld->file, line, col, msg);
}

int ytree_fail_at(struct yloader *ld, int line, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vfail_at(ld, line, col, fmt, ap);
	va_end(ap);
	return rc;
}

int ytree_fail(struct yloader *ld, const struct ynode *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vfail_at(ld, n->line, n->col, fmt, ap);
	va_end(ap);
	return rc;
}

/* Append `s` to the path, printable and at most 64 characters; returns the length to pop to. */
size_t ytree_push_key(struct yloader *ld, const char *s)
{
	size_t old = ld->plen, end = sizeof(ld->path) - 1;
	if (old && ld->plen < end)
		ld->path[ld->plen++] = '.';
	for (size_t i = 0; s[i] && i < 64 && ld->plen < end; i++)
		ld->path[ld->plen++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	ld->path[ld->plen] = '\0';
	return old;
}

size_t ytree_push_index(struct yloader *ld, size_t i)
{
	size_t old = ld->plen;
	snprintf(ld->path + old, sizeof(ld->path) - old, "[%zu]", i);
	ld->plen = strlen(ld->path);
	return old;
}

void ytree_pop(struct yloader *ld, size_t old)
{
	ld->plen = old;
	ld->path[old] = '\0';
}

int ytree_is_null(const struct ynode *n)
{
	return n->type == Y_SCALAR && n->plain &&
	       (!n->text[0] || !strcmp(n->text, "~") || !strcmp(n->text, "null") ||
		!strcmp(n->text, "Null") || !strcmp(n->text, "NULL"));
}

/* What a node is, for "got ...": `a mapping`, `null`, `12`, `string "12"`. */
const char *ytree_describe(const struct ynode *n, char *buf, size_t size)
{
	if (n->type == Y_MAP)
		return n->n ? "a mapping" : "an empty mapping";
	if (n->type == Y_SEQ)
		return n->n ? "a sequence" : "an empty sequence";
	if (ytree_is_null(n))
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
const char *ytree_join(char *buf, size_t size, const char *const *list, const char *sep)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; list[i] && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? sep : "", list[i]);
	return buf;
}

/* --- YAML text to node tree ------------------------------------------------------------------ */

void ytree_free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		ytree_free(n->kids[i]);
	free(n->kids);
	free(n->text);
	free(n);
}

struct yreader {
	yaml_parser_t p;
	const char *buf;
	size_t len;
	struct yloader *ld;
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
			return ytree_fail_at(y->ld, line, col, "syntax error: %s (byte 0x%02x)", problem,
				       (unsigned)p->problem_value);
		return ytree_fail_at(y->ld, line, col, "syntax error: %s", problem);
	}
	int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;
	if (p->context)
		return ytree_fail_at(y->ld, line, col, "syntax error: %s (%s at %d:%d)", problem,
			       p->context, (int)p->context_mark.line + 1,
			       (int)p->context_mark.column + 1);
	return ytree_fail_at(y->ld, line, col, "syntax error: %s", problem);
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
		rc = ytree_fail_at(y->ld, line, col,
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
		rc = ytree_fail_at(y->ld, line, col, "syntax error: unexpected YAML event %d",
			     (int)ev->type);
		goto cleanup;
	}
	if (anchor) {
		rc = ytree_fail_at(y->ld, line, col,
			     "anchors (&%s) are not supported; write the value out",
			     (const char *)anchor);
		goto cleanup;
	}
	if (tag) {
		rc = ytree_fail_at(y->ld, line, col, "tags (%s) are not supported", (const char *)tag);
		goto cleanup;
	}
	if (depth > MAX_DEPTH) {
		rc = ytree_fail_at(y->ld, line, col, "nested deeper than %d levels", MAX_DEPTH);
		goto cleanup;
	}
	n = drill_xcalloc(1, sizeof(*n));
	n->line = line;
	n->col = col;
	if (ev->type == YAML_SCALAR_EVENT) {
		size_t len = ev->data.scalar.length;
		if (memchr(ev->data.scalar.value, '\0', len)) {
			rc = ytree_fail_at(y->ld, line, col,
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
		ytree_free(n);
		n = NULL;
	}
	*out = n;
	return rc;
}

/* Parse the whole stream: exactly one document, whose root goes to *root. */
static int parse_tree(struct yloader *ld, const char *buf, size_t len, const char *expected,
		      const char *noun, struct ynode **root)
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
		rc = ytree_fail_at(ld, 1, 1, "empty file, expected %s", expected);
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
		rc = ytree_fail_at(ld, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
			     "a second YAML document; %s holds exactly one", noun);
cleanup:
	yaml_event_delete(&ev);
	yaml_parser_delete(&y.p);
	if (rc) {
		ytree_free(*root);
		*root = NULL;
	}
	return rc;
}

static int read_file(char **out, size_t *len, const char *path, size_t max_bytes, const char *noun)
{
	struct drill_buf b;
	char chunk[8192];
	size_t got;
	int rc = 0;

	drill_buf_init(&b, max_bytes);
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return drill_err(DRILL_EINPUT, "%s: cannot open: %s", path, strerror(errno));
	rc = drill_fs_input_fd(fd, path); /* a FIFO would block the read forever */
	FILE *f = rc ? NULL : fdopen(fd, "rb");
	if (!f) {
		if (!rc)
			rc = drill_err(DRILL_EINPUT, "%s: cannot open: %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (drill_buf_append(&b, chunk, got) != 0) {
			rc = drill_err(DRILL_EINPUT, "%s: larger than %zu bytes; not %s", path,
				       max_bytes, noun);
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
int ytree_scalar_u64(const struct ynode *v, uint64_t *out)
{
	if (v->type != Y_SCALAR || !v->plain || ytree_is_null(v))
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

int ytree_u64(struct yloader *ld, const struct ynode *v, uint64_t min, uint64_t max,
		     uint64_t *out)
{
	char got[96];
	uint64_t x = 0;
	int r = ytree_scalar_u64(v, &x);
	if (r == -2)
		return ytree_fail(ld, v, "expected a decimal integer without leading zeros, got %s",
			    ytree_describe(v, got, sizeof(got)));
	if (r || x < min || x > max)
		return ytree_fail(ld, v, "expected an integer in %" PRIu64 "..%" PRIu64 ", got %s", min,
			    max, ytree_describe(v, got, sizeof(got)));
	*out = x;
	return 0;
}

int ytree_bool(struct yloader *ld, const struct ynode *v, int *out)
{
	char got[96];
	if (v->type == Y_SCALAR && v->plain && !strcmp(v->text, "true"))
		*out = 1;
	else if (v->type == Y_SCALAR && v->plain && !strcmp(v->text, "false"))
		*out = 0;
	else
		return ytree_fail(ld, v, "expected true or false, got %s", ytree_describe(v, got, sizeof(got)));
	return 0;
}

/* A string (plain or quoted, not null); `valid` may narrow it, `what` says what is expected. A
 * plain scalar some YAML reader takes for a number or a boolean (util/yscalar.h) is refused. */
int ytree_str(struct yloader *ld, const struct ynode *v, const char *what,
		     int (*valid)(const char *), char **out)
{
	char got[96];
	const char *other;
	if (v->type == Y_SCALAR && v->plain && (other = drill_yaml_plain_type(v->text)))
		return ytree_fail(ld, v, "expected %s, got %s, which YAML reads as %s (quote it: "
				  "\"%.60s\")", what, ytree_describe(v, got, sizeof(got)), other,
				  v->text);
	if (v->type != Y_SCALAR || ytree_is_null(v) || (valid && !valid(v->text)))
		return ytree_fail(ld, v, "expected %s, got %s", what, ytree_describe(v, got, sizeof(got)));
	free(*out);
	*out = drill_xstrdup(v->text);
	return 0;
}

/* One of `choices` (plain or quoted); its index to *idx. */
int ytree_enum(struct yloader *ld, const struct ynode *v, const char *const *choices,
		      int *idx)
{
	char got[96], list[256];
	for (int i = 0; v->type == Y_SCALAR && !ytree_is_null(v) && choices[i]; i++) {
		if (!strcmp(v->text, choices[i])) {
			*idx = i;
			return 0;
		}
	}
	return ytree_fail(ld, v, "expected %s, got %s", ytree_join(list, sizeof(list), choices, " | "),
		    ytree_describe(v, got, sizeof(got)));
}


/* The value of `key` in a checked mapping (and its key node), or NULL. */
const struct ynode *ytree_get(const struct ynode *map, const char *key,
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
int ytree_check_map(struct yloader *ld, const struct ynode *n, const char *const *allowed)
{
	char got[96], list[512];
	if (n->type != Y_MAP)
		return ytree_fail(ld, n, "expected a mapping, got %s", ytree_describe(n, got, sizeof(got)));
	for (size_t i = 0; i < n->n; i += 2) {
		const struct ynode *k = n->kids[i];
		if (k->type != Y_SCALAR)
			return ytree_fail(ld, k, "expected a scalar key, got %s",
				    ytree_describe(k, got, sizeof(got)));
		int known = !allowed;
		for (size_t j = 0; allowed && allowed[j] && !known; j++)
			known = !strcmp(allowed[j], k->text);
		size_t old = ytree_push_key(ld, k->text);
		int rc = 0;
		if (!known && allowed[0])
			rc = ytree_fail(ld, k, "unknown key, expected one of %s",
				  ytree_join(list, sizeof(list), allowed, ", "));
		else if (!known)
			rc = ytree_fail(ld, k, "unknown key, this mapping takes no keys");
		for (size_t j = 0; j < i && !rc; j += 2)
			if (!strcmp(n->kids[j]->text, k->text))
				rc = ytree_fail(ld, k, "duplicate key (first at %d:%d)", n->kids[j]->line,
					  n->kids[j]->col);
		ytree_pop(ld, old);
		if (rc)
			return rc;
	}
	return 0;
}

int ytree_missing(struct yloader *ld, const struct ynode *map, const char *key)
{
	size_t old = ytree_push_key(ld, key);
	int rc = ytree_fail(ld, map, "required key is missing");
	ytree_pop(ld, old);
	return rc;
}


/* Optional fields of a checked mapping: absent leaves *out (the default) alone. */
int ytree_field_u64(struct yloader *ld, const struct ynode *map, const char *key, uint64_t min,
		     uint64_t max, uint64_t *out)
{
	const struct ynode *v = ytree_get(map, key, NULL);
	if (!v)
		return 0;
	size_t old = ytree_push_key(ld, key);
	int rc = ytree_u64(ld, v, min, max, out);
	ytree_pop(ld, old);
	return rc;
}

int ytree_field_u32(struct yloader *ld, const struct ynode *map, const char *key, uint32_t min,
		     uint32_t max, uint32_t *out)
{
	uint64_t v = *out;
	int rc = ytree_field_u64(ld, map, key, min, max, &v);
	*out = (uint32_t)v;
	return rc;
}

int ytree_field_bool(struct yloader *ld, const struct ynode *map, const char *key, int *out,
		      int *present)
{
	const struct ynode *v = ytree_get(map, key, NULL);
	if (!v)
		return 0;
	size_t old = ytree_push_key(ld, key);
	int rc = ytree_bool(ld, v, out);
	ytree_pop(ld, old);
	if (present)
		*present = 1;
	return rc;
}

int ytree_field_str(struct yloader *ld, const struct ynode *map, const char *key,
		     const char *what, int (*valid)(const char *), char **out)
{
	const struct ynode *v = ytree_get(map, key, NULL);
	if (!v)
		return 0;
	size_t old = ytree_push_key(ld, key);
	int rc = ytree_str(ld, v, what, valid, out);
	ytree_pop(ld, old);
	return rc;
}

int ytree_field_enum(struct yloader *ld, const struct ynode *map, const char *key,
		      const char *const *choices, int *idx)
{
	const struct ynode *v = ytree_get(map, key, NULL);
	if (!v)
		return 0;
	size_t old = ytree_push_key(ld, key);
	int rc = ytree_enum(ld, v, choices, idx);
	ytree_pop(ld, old);
	return rc;
}

int ytree_load_file(struct yloader *ld, size_t max_bytes, const char *expected, const char *noun,
		    struct ynode **root)
{
	char *buf = NULL;
	size_t len = 0;
	*root = NULL;
	int rc = read_file(&buf, &len, ld->file, max_bytes, noun);
	if (!rc)
		rc = parse_tree(ld, buf, len, expected, noun, root);
	free(buf);
	return rc;
}
