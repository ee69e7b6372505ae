/* cli/cmd_verify.c — `chaindrill verify REPLICA_DIR... [--json] [--checkpoints] [-f F]`: verify
 * replica databases read-only and print the cross-replica verdict of docs/design.md §5
 * (docs/verify.md). A thin layer over chain/verify.h: argument checks, then printing. */
#include "cli/cmd.h"

#include "cli/common.h"
#include "chain/verify.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/progress.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHORT_HEX 16 /* digest characters shown in the human output */

static void usage(FILE *to)
{
	fputs("usage: chaindrill verify [--json] [--checkpoints] [-f F] [-q|-v] REPLICA_DIR...\n\n"
	      "Verifies each replica's RocksDB database read-only (blocks, digests, parent links, "
	      "state roots,\nmetadata) and gives the verdict across them: consistent, recoverable, "
	      "divergent or unrecoverable.\nA REPLICA_DIR is a rocksdbdata directory, a directory "
	      "holding one, or a volume root with one\n<namespace>/<blockchainId>/replica-<i>/"
	      "rocksdbdata below it.\nEach database is chaindrill's own (chaindrill-chain/1) or a "
	      "real Concord replica's\n(categorized kvbc, concord-categorized), told by its column "
	      "families.\n\n"
	      "Options:\n"
	      "  --json             print the verdict as JSON (docs/verify.md)\n"
	      "  --checkpoints      also verify every rocksdbdata/checkpoints/<id>/ of each replica\n"
	      "  -f F               faults tolerated (default (n-1)/3); 2F+1 must not exceed n\n"
	      "  -q, --quiet        only what is not ok and the verdict; no progress\n"
	      "  -v, --verbose      also the blocks and bytes checked per replica, and debug logs\n"
	      "  -h, --help         this help\n\n"
	      "Exit codes: 0 the verdict is consistent (and, with --checkpoints, every checkpoint is "
	      "ok),\n1 otherwise, 2 a usage or input error (such as a directory that does not "
	      "exist).\n\n"
	      "Example:\n"
	      "  chaindrill verify --json volumes/replica-0 volumes/replica-1 volumes/replica-2 "
	      "volumes/replica-3\n", to);
}

struct opts {
	int json, checkpoints;
	int quiet, verbose;
	int f; /* -1: derive */
	const char **paths;
	size_t n;
};

/* 0, or the exit code 2 after printing why. */
static int parse_args(struct opts *o, int argc, char **argv)
{
	int opts_done = 0;
	const char *f_text = NULL;
	o->paths = drill_xcalloc((size_t)argc, sizeof(*o->paths));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (opts_done || a[0] != '-' || !a[1]) {
			o->paths[o->n++] = a;
		} else if (!strcmp(a, "--")) {
			opts_done = 1;
		} else if (!strcmp(a, "--json")) {
			o->json = 1;
		} else if (!strcmp(a, "--checkpoints")) {
			o->checkpoints = 1;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			o->quiet = 1;
			o->verbose = 0;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			o->verbose = 1;
			o->quiet = 0;
		} else if (!strcmp(a, "-f")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "chaindrill: verify: -f needs a value\n");
				return 2;
			}
			f_text = argv[++i];
		} else if (!strncmp(a, "-f", 2)) {
			f_text = a + 2;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return -1;
		} else {
			fprintf(stderr, "chaindrill: verify: unknown option '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (!o->n) {
		fprintf(stderr, "chaindrill: verify: no replica directory given\n");
		usage(stderr);
		return 2;
	}
	o->f = -1;
	if (f_text) {
		uint64_t f;
		if (drill_cli_parse_num(&f, f_text, "verify: -f", 0, UINT64_MAX, NULL) != 0)
			return 2;
		if (f > (o->n - 1) / 2) {
			fprintf(stderr, "chaindrill: verify: -f %" PRIu64 " needs 2f+1 = %" PRIu64
				" replicas for a quorum, but %zu %s given\n", f,
				f > UINT64_MAX / 4 ? UINT64_MAX : 2 * f + 1, o->n,
				o->n == 1 ? "is" : "are");
			return 2;
		}
		o->f = (int)f;
	}
	/* A path that is no directory is a typo, not a lost replica: an input error. A directory
	 * without a database is verified (and reported missing). */
	for (size_t i = 0; i < o->n; i++) {
		if (!drill_fs_is_dir(o->paths[i])) {
			fprintf(stderr, "chaindrill: verify: %s: %s\n", o->paths[i],
				drill_fs_exists(o->paths[i]) ? "not a directory" : "no such directory");
			return 2;
		}
		char *db = NULL;
		int rc = drill_verify_resolve(&db, o->paths[i]);
		free(db);
		if (rc == DRILL_EINPUT) {
			fprintf(stderr, "chaindrill: verify: %s\n", drill_err_last());
			return 2;
		}
	}
	return 0;
}

struct ckpts {
	struct drill_checkpoint_result *c;
	size_t n;
	char *error; /* the checkpoints directory could not be read */
};

/* Verify each replica's checkpoints; returns how many are not ok (errors count as one). */
static size_t verify_checkpoints(struct ckpts *ck, const struct drill_verify_result *r)
{
	size_t bad = 0;
	for (size_t i = 0; i < r->n; i++) {
		const char *db = r->replicas[i].db_path;
		if (!db)
			continue;
		if (drill_verify_checkpoints(&ck[i].c, &ck[i].n, db) != 0) {
			ck[i].error = drill_xstrdup(drill_err_last());
			bad++;
		}
		for (size_t j = 0; j < ck[i].n; j++)
			bad += ck[i].c[j].status != DRILL_REPLICA_OK;
	}
	return bad;
}

static void short_digest(char out[SHORT_HEX + 1], const uint8_t d[DRILL_HASH_LEN])
{
	drill_hex(out, d, SHORT_HEX / 2);
}

static void print_human(const struct opts *o, const struct drill_verify_result *r,
			const struct ckpts *ck, size_t ck_total, size_t ck_bad)
{
	char hex[SHORT_HEX + 1];
	size_t ok = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct drill_replica_result *x = &r->replicas[i];
		if (x->status == DRILL_REPLICA_OK) {
			ok++;
			if (o->quiet) {
				/* -q: only what is not ok */
			} else if (x->has_digest) {
				short_digest(hex, x->digest);
				printf("%s: ok, last block %" PRIu64 ", digest %s...\n", x->path,
				       x->last_block, hex);
			} else {
				printf("%s: ok, empty chain\n", x->path);
			}
		} else {
			printf("%s: %s: %s\n", x->path, drill_replica_status_name(x->status),
			       x->error ? x->error : "(no detail)");
		}
		if (x->quirk)
			printf("  finding: %s\n", x->quirk);
		if (x->st_chain_blocks && !o->quiet)
			printf("  st_chain: %" PRIu64 " block%s of a state transfer in progress "
			       "(reported, not checked)\n", x->st_chain_blocks,
			       x->st_chain_blocks == 1 ? "" : "s");
		if (o->verbose)
			printf("  %" PRIu64 " blocks, %" PRIu64 " bytes checked in %s\n",
			       (uint64_t)x->blocks_checked, (uint64_t)x->bytes_checked,
			       x->db_path ? x->db_path : "(no database)");
		if (!ck)
			continue;
		if (ck[i].error)
			printf("  checkpoints: %s\n", ck[i].error);
		for (size_t j = 0; j < ck[i].n; j++) {
			const struct drill_checkpoint_result *c = &ck[i].c[j];
			if (c->status == DRILL_REPLICA_OK && !o->quiet)
				printf("  checkpoint %" PRIu64 ": ok\n", c->id);
			else if (c->status == DRILL_REPLICA_OK)
				continue;
			else
				printf("  checkpoint %" PRIu64 ": %s: %s\n", c->id,
				       drill_replica_status_name(c->status),
				       c->error ? c->error : "(no detail)");
		}
		if (!ck[i].error && !ck[i].n && x->db_path && !o->quiet)
			printf("  no checkpoints\n");
	}
	if (ck)
		printf("checkpoints: %zu ok, %zu not ok\n", ck_total - ck_bad, ck_bad);
	printf("verdict: %s (%zu of %zu replicas ok, f=%d, ", drill_verdict_name(r->verdict), ok,
	       r->n, r->f);
	if (r->has_agreed) {
		short_digest(hex, r->agreed_digest);
		printf("agreed block %" PRIu64 ", digest %s...)\n", r->agreed_block, hex);
	} else {
		printf("no agreed block)\n");
	}
}

/* drill_verify_to_json plus, with --checkpoints, a "checkpoints" array in each replica. */
static char *to_json(const struct drill_verify_result *r, const struct ckpts *ck)
{
	char *text = drill_verify_to_json(r);
	if (!ck)
		return text;
	json_error_t e;
	json_t *root = json_loads(text, 0, &e);
	free(text);
	if (!root)
		abort(); /* drill_verify_to_json writes valid JSON */
	json_t *reps = json_object_get(root, "replicas");
	for (size_t i = 0; i < r->n; i++) {
		json_t *arr = json_array();
		for (size_t j = 0; j < ck[i].n; j++) {
			const struct drill_checkpoint_result *c = &ck[i].c[j];
			json_array_append_new(arr, json_pack("{s:I,s:s,s:s,s:o}",
				"id", (json_int_t)c->id, "path", c->path,
				"status", drill_replica_status_name(c->status),
				"error", c->error ? json_string(c->error) : json_null()));
		}
		json_t *x = json_array_get(reps, i);
		json_object_set_new(x, "checkpoints", arr);
		if (ck[i].error)
			json_object_set_new(x, "checkpointsError", json_string(ck[i].error));
	}
	text = json_dumps(root, JSON_PRESERVE_ORDER | JSON_INDENT(2));
	json_decref(root);
	if (!text)
		abort();
	return text;
}

int drill_cmd_verify(int argc, char **argv)
{
	struct opts o = {0};
	struct drill_verify_result r = {0};
	struct ckpts *ck = NULL;
	int code = parse_args(&o, argc, argv);
	if (code) {
		code = code < 0 ? 0 : code;
		goto cleanup;
	}
	if (o.quiet)
		drill_progress_off();
	if (o.verbose)
		drill_log_threshold = DRILL_LOG_DEBUG;
	int rc = drill_verify_set(&r, o.paths, o.n, o.f, 0);
	if (rc) {
		fprintf(stderr, "chaindrill: verify: %s\n", drill_err_last());
		code = drill_err_exit_code(rc);
		goto cleanup;
	}
	size_t ck_total = 0, ck_bad = 0;
	if (o.checkpoints) {
		ck = drill_xcalloc(r.n, sizeof(*ck));
		ck_bad = verify_checkpoints(ck, &r);
		for (size_t i = 0; i < r.n; i++)
			ck_total += ck[i].n + (ck[i].error != NULL);
	}
	if (o.json) {
		char *text = to_json(&r, ck);
		printf("%s\n", text);
		free(text);
	} else {
		print_human(&o, &r, ck, ck_total, ck_bad);
	}
	code = r.verdict == DRILL_VERDICT_CONSISTENT && ck_bad == 0 ? 0 : 1;
cleanup:
	for (size_t i = 0; ck && i < r.n; i++) {
		drill_verify_checkpoints_free(ck[i].c, ck[i].n);
		free(ck[i].error);
	}
	free(ck);
	drill_verify_result_free(&r);
	free(o.paths);
	return code;
}
