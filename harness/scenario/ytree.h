/* scenario/ytree.h — strict YAML for the loaders of this module (scenarios, vendor definitions,
 * the vendor-check manifest): a tree of nodes with positions, and the checks and messages they
 * share.
 *
 * The libyaml event stream becomes a small tree of nodes that keep their 1-based line and column
 * and whether a scalar was written plain (unquoted). The event API is used rather than
 * yaml_parser_load because it tells aliases, anchors and tags apart, which are rejected (these
 * files are short; copying a value is clearer than a reference), and it sees a second document.
 *
 * Messages read "FILE:LINE:COL: key.path: what was expected, got what". The loader keeps the key
 * path of the node being checked (push a key or an index, check, pop). Scalars: numbers and
 * booleans must be plain, so `"12"` is a string and not an integer; integers are decimal digits
 * without sign or leading zeros; booleans are true/false; strings are plain or quoted, not null,
 * and quoted when YAML would read them as a number or a boolean (`name: "123"`, `zone: "on"`:
 * util/yscalar.h), so that every YAML reader of the file sees the same types as chaindrill. */
#ifndef DRILL_SCENARIO_YTREE_H
#define DRILL_SCENARIO_YTREE_H

#include <stddef.h>
#include <stdint.h>

enum ytype { Y_SCALAR, Y_SEQ, Y_MAP };

struct ynode {
	enum ytype type;
	int line, col;       /* 1-based */
	int plain;           /* scalar written without quotes or block indicator */
	char *text;          /* scalar */
	struct ynode **kids; /* sequence items; mapping: key, value, key, value, ... */
	size_t n;            /* number of kids */
};

struct yloader {
	const char *file;
	char path[256]; /* key path of the node being checked: "cluster.replicas", "steps[2]" */
	size_t plen;
};

/* Read `ld->file` (at most max_bytes) and parse exactly one document into *root. `expected`
 * says what an empty file should have held ("a mapping with name, steps and expect"); `noun`
 * names the kind of file in messages ("a scenario file"). Errors are DRILL_EINPUT with a
 * position where there is one. */
int ytree_load_file(struct yloader *ld, size_t max_bytes, const char *expected, const char *noun,
		    struct ynode **root);
void ytree_free(struct ynode *n); /* NULL-safe */

/* Messages: DRILL_EINPUT, "FILE:LINE:COL: path: message". */
int ytree_fail_at(struct yloader *ld, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int ytree_fail(struct yloader *ld, const struct ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Key paths: push returns the length to pop back to. */
size_t ytree_push_key(struct yloader *ld, const char *key);
size_t ytree_push_index(struct yloader *ld, size_t i);
void ytree_pop(struct yloader *ld, size_t old);

int ytree_is_null(const struct ynode *n);
/* What a node is, for "got ...": `a mapping`, `null`, `12`, `string "12"`. */
const char *ytree_describe(const struct ynode *n, char *buf, size_t size);
/* "a, b, c" (sep ", ") or "a | b | c" into buf. */
const char *ytree_join(char *buf, size_t size, const char *const *list, const char *sep);

/* Scalars, checked at the node `v` (the caller has pushed its key). ytree_scalar_u64 only
 * reads: 0, -1 not an integer, -2 leading zero, -3 larger than u64. */
int ytree_scalar_u64(const struct ynode *v, uint64_t *out);
int ytree_u64(struct yloader *ld, const struct ynode *v, uint64_t min, uint64_t max,
	      uint64_t *out);
int ytree_bool(struct yloader *ld, const struct ynode *v, int *out);
/* A string (plain or quoted, not null; quoted if YAML would read it as a number or a boolean);
 * `valid` may narrow it, `what` says what is expected. */
int ytree_str(struct yloader *ld, const struct ynode *v, const char *what,
	      int (*valid)(const char *), char **out);
/* One of `choices` (plain or quoted); its index to *idx. */
int ytree_enum(struct yloader *ld, const struct ynode *v, const char *const *choices, int *idx);

/* Mappings. ytree_get: the value of `key` in a checked mapping (and its key node), or NULL. */
const struct ynode *ytree_get(const struct ynode *map, const char *key,
			      const struct ynode **keynode);
/* `n` must be a mapping with scalar, unique keys from `allowed` (NULL: any key). */
int ytree_check_map(struct yloader *ld, const struct ynode *n, const char *const *allowed);
/* Optional fields of a checked mapping, checked with the key pushed: absent leaves *out (the
 * default) alone; ytree_field_bool sets *present (when non-NULL) if the key is there. */
int ytree_field_u64(struct yloader *ld, const struct ynode *map, const char *key, uint64_t min,
		    uint64_t max, uint64_t *out);
int ytree_field_u32(struct yloader *ld, const struct ynode *map, const char *key, uint32_t min,
		    uint32_t max, uint32_t *out);
int ytree_field_bool(struct yloader *ld, const struct ynode *map, const char *key, int *out,
		     int *present);
int ytree_field_str(struct yloader *ld, const struct ynode *map, const char *key,
		    const char *what, int (*valid)(const char *), char **out);
int ytree_field_enum(struct yloader *ld, const struct ynode *map, const char *key,
		     const char *const *choices, int *idx);
/* "key: required key is missing", at the mapping. */
int ytree_missing(struct yloader *ld, const struct ynode *map, const char *key);

#endif
