/* fuzz/fuzz_replica_api.c — the replica's operator API (replica/api.h): every handler the HTTP
 * server runs, given arbitrary request bodies and query strings, on one replica whose state
 * carries over from input to input (reset every RESET_EVERY inputs, so the database stays small).
 *
 * Input: byte 0 picks the request (`% 8`): GET /v1/status, /v1/ready, /v1/db-checkpoint,
 * /v1/blocks; POST /v1/order, /v1/disk; a raw request (method GET, POST, PUT or DELETE by bits
 * 4-5, and the target is the query part below, whole); POST /v1/order with each request's sn
 * rewritten to follow the replica's last one, so that the fuzzer reaches the code that applies.
 * Then the query string up to the first '\n' (a NUL ends it early), then the body.
 *
 * A failure besides a crash, leak or sanitizer report: an answer without a body, an unexpected
 * status (500 included), a status JSON that does not parse, or a refused request (any answer but
 * 200) that changed the replica's status. */
#include "fuzz_util.h"

#include "replica/api.h"
#include "replica/proto.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RESET_EVERY 2048
#define MAX_BLOCKS 20000

static struct drill_replica_api *api;
static char *data_dir;
static unsigned calls;

static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_replica_api: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	abort();
}

static void open_api(void)
{
	char *argv[] = {"replica", "--data", data_dir, "--id", "0", "--checkpoint-window", "30",
			"--checkpoint-interval", "0", "--number-of-checkpoints", "3", NULL};
	if (drill_replica_api_open(&api, 11, argv) != 0)
		fail("opening the replica", drill_err_last());
}

static void close_api(void)
{
	if (drill_replica_api_close(api) != 0)
		fail("closing the replica", drill_err_last());
	api = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	drill_log_threshold = DRILL_LOG_ERROR - 1; /* the refusals it logs are the point */
	data_dir = drill_xasprintf("%s/replica/rocksdbdata", fuzz_dir());
	open_api();
	atexit(close_api); /* after fuzz_dir's: runs before the directory is removed */
	return 0;
}

static char *call(unsigned *code, size_t *len, const char *method, const char *target,
		  const void *body, size_t blen)
{
	struct drill_replica_api_answer a;
	if (drill_replica_api_call(&a, api, method, target, body, blen) != 0)
		fail("call", drill_err_last());
	if (!a.body || !a.type)
		fail("an answer without a body", target);
	*code = a.code;
	if (len)
		*len = a.len;
	return a.body;
}

static char *status(struct drill_replica_status *st)
{
	unsigned code;
	size_t len;
	char *js = call(&code, &len, "GET", "/v1/status", NULL, 0);
	if (code != 200 || drill_replica_status_from_json(st, js, len) != 0)
		fail("GET /v1/status", drill_err_last());
	return js;
}

/* Rewrite each request's sn to follow `last`, as far as the batch's framing goes. */
static void renumber(uint8_t *b, size_t len, uint64_t last)
{
	size_t p = 8;
	while (p <= len && len - p >= 21) {
		drill_put_be64(b + p, ++last);
		uint32_t n = drill_get_be32(b + p + 17);
		p += 21;
		for (uint32_t i = 0; i < n && i < 2 * 65536; i++)
			for (int f = 0; f < 2; f++) {
				if (len - p < 4)
					return;
				uint32_t fl = drill_get_be32(b + p);
				p += 4;
				if (fl > len - p)
					return;
				p += fl;
			}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (++calls % RESET_EVERY == 0) {
		close_api();
		if (drill_fs_remove_contents(data_dir) != 0)
			fail("resetting the replica", drill_err_last());
		open_api();
	}
	static const char *const methods[] = {"GET", "POST", "PUT", "DELETE"};
	static const char *const paths[] = {"/v1/status", "/v1/ready", "/v1/db-checkpoint",
					    "/v1/blocks", "/v1/order", "/v1/disk"};
	unsigned pick = data[0] % 8;
	const uint8_t *nl = memchr(data + 1, '\n', size - 1);
	size_t qlen = nl ? (size_t)(nl - data - 1) : size - 1;
	char *query = drill_xmalloc(qlen + 1);
	memcpy(query, data + 1, qlen);
	query[qlen] = '\0';
	size_t blen = nl ? size - (size_t)(nl - data) - 1 : 0;
	uint8_t *body = drill_xmalloc(blen ? blen : 1); /* no slack after it: ASan sees overreads */
	if (blen)
		memcpy(body, nl + 1, blen);

	struct drill_replica_status before, after;
	char *js_before = status(&before);
	const char *method = pick <= 3 ? "GET" : pick == 6 ? methods[(data[0] >> 4) & 3] : "POST";
	char *target = pick == 6 ? drill_xstrdup(query)
				 : drill_xasprintf("%s%s%s", paths[pick == 7 ? 4 : pick],
						   *query ? "?" : "", query);
	if (pick == 7 && blen >= 8)
		renumber(body, blen, before.seq_num);

	unsigned code;
	size_t len;
	char *ans = call(&code, &len, method, target, body, blen);
	switch (code) {
	case 200: case 400: case 404: case 405: case 409: case 413: case 503:
		break;
	default:
		fprintf(stderr, "%u %s %s: %.*s\n", code, method, target, (int)len, ans);
		fail("unexpected HTTP status", NULL);
	}
	if (code == 200 && !strcmp(target, "/v1/status")) {
		struct drill_replica_status st;
		if (drill_replica_status_from_json(&st, ans, len) != 0)
			fail("status JSON", drill_err_last());
		drill_replica_status_free(&st);
	}
	char *js_after = status(&after);
	if (code != 200 && strcmp(js_before, js_after) != 0) {
		fprintf(stderr, "%u %s %s\nbefore: %s\nafter:  %s\n", code, method, target,
			js_before, js_after);
		fail("a refused request changed the replica", NULL);
	}
	if (after.last_block > MAX_BLOCKS)
		calls = RESET_EVERY - 1; /* reset before the next input */
	drill_replica_status_free(&before);
	drill_replica_status_free(&after);
	free(js_before);
	free(js_after);
	free(ans);
	free(target);
	free(body);
	free(query);
	return 0;
}
