/* tests/fixturegen/fixturegen.c — write a replica-set fixture for `chaindrill verify` from a seed:
 * healthy, or with named damage to chosen replicas. The layout is the local platform's
 * (docs/design.md §4): DIR/concord-pvc-<bc>-replica-<i>/<ns>/<bc>/replica-<i>/rocksdbdata. The
 * volume roots are printed one per line, in replica order, for `chaindrill verify $(fixturegen
 * ...)`. */
#include "chainfix.h"

#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REPLICAS 64
#define MAX_DAMAGE 32
#define NAMESPACE "default"
#define BLOCKCHAIN "bc-demo"

/* What each kind does to replica R; B is the block (or height) the kind needs. */
static const struct {
	const char *name;
	int needs_block;
	const char *help;
} kinds[] = {
	{"lag", 1, "the replica holds only blocks 1..B"},
	{"fork", 1, "the replica's blocks after B differ (another epoch): a fork"},
	{"bitflip", 1, "one byte of block B's stored value is flipped (digest mismatch)"},
	{"parent", 1, "block B is re-encoded with a wrong parent digest"},
	{"root", 1, "block B is re-encoded with a wrong state root"},
	{"state", 0, "one key of the state column family holds another value"},
	{"last-block", 0, "chain.last_block is one less than the last block"},
	{"wrong-id", 0, "replica.id is R+1 (a volume restored to the wrong replica)"},
	{"missing", 0, "the replica's rocksdbdata directory is empty (a wiped volume)"},
	{"ckpt-self", 1, "checkpoint B's ckpt.self carries a wrong digest (needs --ckpt-every)"},
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

struct damage {
	size_t kind;
	uint32_t replica;
	uint64_t block;
};

static void usage(FILE *to)
{
	fprintf(to, "usage: fixturegen DIR [--seed N] [--replicas N] [--blocks N] [--ckpt-every K] "
		    "[--damage KIND:R[:B]]...\n\nWrites N replicas (default 4) of a chain of "
		    "--blocks blocks (default 30) from --seed (default 1)\ninto DIR, which must not "
		    "exist or be empty, and prints the volume roots. Damage kinds:\n");
	for (size_t i = 0; i < NKINDS; i++)
		fprintf(to, "  %-10s %s%s\n", kinds[i].name, kinds[i].help,
			kinds[i].needs_block ? "" : " (no B)");
}

static int parse_u64(uint64_t *v, const char *s, const char *what)
{
	char *end;
	errno = 0;
	if (!s || !*s || *s == '-') {
		fprintf(stderr, "fixturegen: %s: expected a non-negative integer\n", what);
		return -1;
	}
	*v = strtoull(s, &end, 10);
	if (errno || *end) {
		fprintf(stderr, "fixturegen: %s: '%s' is not a non-negative integer\n", what, s);
		return -1;
	}
	return 0;
}

static int parse_damage(struct damage *d, const char *spec)
{
	char *copy = drill_xstrdup(spec), *save = NULL;
	char *kind = strtok_r(copy, ":", &save), *rep = strtok_r(NULL, ":", &save);
	char *blk = strtok_r(NULL, ":", &save);
	int rc = -1;
	uint64_t r = 0;
	d->kind = NKINDS;
	for (size_t i = 0; kind && i < NKINDS; i++)
		if (!strcmp(kind, kinds[i].name))
			d->kind = i;
	if (d->kind == NKINDS) {
		fprintf(stderr, "fixturegen: --damage %s: unknown kind\n", spec);
		goto cleanup;
	}
	if (!rep || parse_u64(&r, rep, "--damage replica") || r >= MAX_REPLICAS) {
		fprintf(stderr, "fixturegen: --damage %s: expected KIND:REPLICA[:BLOCK]\n", spec);
		goto cleanup;
	}
	d->replica = (uint32_t)r;
	d->block = 0;
	if (kinds[d->kind].needs_block && (!blk || parse_u64(&d->block, blk, "--damage block"))) {
		fprintf(stderr, "fixturegen: --damage %s: %s needs a block\n", spec, kind);
		goto cleanup;
	}
	rc = 0;
cleanup:
	free(copy);
	return rc;
}

static int dir_is_empty_or_absent(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT;
	struct dirent *e;
	int empty = 1;
	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return empty;
}

/* Damage that rewrites an existing database. */
static int apply(const struct damage *d, const char *db, uint64_t blocks)
{
	const char *k = kinds[d->kind].name;
	if (!strcmp(k, "bitflip"))
		return drill_fix_flip_byte(db, d->block, DRILL_FIX_VALUE_OFFSET + 1, 0x04);
	if (!strcmp(k, "parent"))
		return drill_fix_rewrite_block(db, d->block, DRILL_FIX_PARENT);
	if (!strcmp(k, "root"))
		return drill_fix_rewrite_block(db, d->block, DRILL_FIX_ROOT);
	if (!strcmp(k, "state"))
		return drill_fix_put_state(db, "key-00000000", "tampered");
	if (!strcmp(k, "last-block"))
		return drill_fix_put_meta_u64(db, "chain.last_block", blocks ? blocks - 1 : 1);
	if (!strcmp(k, "wrong-id"))
		return drill_fix_put_meta_u32(db, "replica.id", d->replica + 1);
	return 0; /* lag, fork, missing, ckpt-self: decided when building */
}

int main(int argc, char **argv)
{
	uint64_t seed = 1, n = 4, blocks = 30, ckpt_every = 0;
	struct damage dmg[MAX_DAMAGE];
	size_t nd = 0;
	const char *dir = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int bad = 0;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--seed")) {
			bad = parse_u64(&seed, v, a), i++;
		} else if (!strcmp(a, "--replicas")) {
			bad = parse_u64(&n, v, a) || n < 1 || n > MAX_REPLICAS, i++;
		} else if (!strcmp(a, "--blocks")) {
			bad = parse_u64(&blocks, v, a), i++;
		} else if (!strcmp(a, "--ckpt-every")) {
			bad = parse_u64(&ckpt_every, v, a), i++;
		} else if (!strcmp(a, "--damage")) {
			bad = nd == MAX_DAMAGE || !v || parse_damage(&dmg[nd++], v), i++;
		} else if (a[0] == '-' || dir) {
			bad = 1;
		} else {
			dir = a;
		}
		if (bad) {
			fprintf(stderr, "fixturegen: bad argument '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (!dir) {
		usage(stderr);
		return 2;
	}
	for (size_t j = 0; j < nd; j++) {
		if (dmg[j].replica >= n) {
			fprintf(stderr, "fixturegen: damage to replica %" PRIu32 " of %" PRIu64 "\n",
				dmg[j].replica, n);
			return 2;
		}
	}
	if (!dir_is_empty_or_absent(dir)) {
		fprintf(stderr, "fixturegen: %s exists and is not empty\n", dir);
		return 2;
	}

	for (uint32_t i = 0; i < n; i++) {
		char *vol = drill_xasprintf("%s/concord-pvc-%s-replica-%" PRIu32, dir, BLOCKCHAIN, i);
		char *db = drill_xasprintf("%s/%s/%s/replica-%" PRIu32 "/rocksdbdata", vol, NAMESPACE,
					   BLOCKCHAIN, i);
		struct drill_fix_chain c = {.seed = seed, .blocks = blocks, .replica_id = i,
					    .ckpt_every = ckpt_every, .w = DRILL_FIX_WORKLOAD};
		int missing = 0, rc = 0;
		for (size_t j = 0; j < nd; j++) {
			if (dmg[j].replica != i)
				continue;
			const char *k = kinds[dmg[j].kind].name;
			if (!strcmp(k, "lag"))
				c.blocks = dmg[j].block < c.blocks ? dmg[j].block : c.blocks;
			else if (!strcmp(k, "fork"))
				c.fork_at = dmg[j].block;
			else if (!strcmp(k, "ckpt-self"))
				c.bad_ckpt_self = dmg[j].block;
			else if (!strcmp(k, "missing"))
				missing = 1;
		}
		if (missing)
			rc = drill_fs_mkdir_p(db, 0755);
		else
			rc = drill_fix_build(db, &c);
		for (size_t j = 0; !rc && !missing && j < nd; j++)
			if (dmg[j].replica == i)
				rc = apply(&dmg[j], db, c.blocks);
		if (rc) {
			fprintf(stderr, "fixturegen: replica %" PRIu32 ": %s\n", i, drill_err_last());
			free(vol);
			free(db);
			return 1;
		}
		printf("%s\n", vol);
		free(vol);
		free(db);
	}
	return 0;
}
