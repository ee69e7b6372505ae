/* replica/client.c — the driver's side of the operator API: status, ready, order. */
#include "replica/client.h"

#include "util/bytes.h"
#include "util/err.h"
#include "util/http.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATUS_TIMEOUT_MS 10000L
#define READY_TIMEOUT_MS 2000L
#define ORDER_TIMEOUT_MS 600000L /* a large batch with checkpoints on a slow disk */

/* The first line of an answer, short enough for an error message. */
static void answer_excerpt(char *out, size_t cap, const struct drill_http_resp *r)
{
	size_t n = 0;
	while (n + 1 < cap && n < r->len && r->body[n] != '\n' && r->body[n] != '\0')
		n++;
	memcpy(out, r->body ? r->body : "", n);
	out[n] = '\0';
}

int drill_client_status(struct drill_replica_status *st, const char *base_url)
{
	memset(st, 0, sizeof(*st));
	struct drill_http_resp r = {0};
	char *url = drill_xasprintf("%s/v1/status", base_url);
	int rc = drill_http_get(&r, url, STATUS_TIMEOUT_MS);
	if (rc)
		goto cleanup;
	if (r.status != 200) {
		char ex[800]; /* a RocksDB error names a long path first */
		answer_excerpt(ex, sizeof(ex), &r);
		rc = drill_err(DRILL_EFAIL, "%s: HTTP %ld: %s", url, r.status, ex);
		goto cleanup;
	}
	rc = drill_replica_status_from_json(st, r.body, r.len);
	if (rc)
		drill_err_wrap(rc, "%s", url);
cleanup:
	drill_http_resp_free(&r);
	free(url);
	return rc;
}

int drill_client_ready(const char *base_url)
{
	struct drill_http_resp r = {0};
	char *url = drill_xasprintf("%s/v1/ready", base_url);
	int ready = drill_http_get(&r, url, READY_TIMEOUT_MS) == 0 && r.status == 200;
	drill_http_resp_free(&r);
	free(url);
	return ready;
}

int drill_client_order(struct drill_replica_status *sts, const char *const *base_urls, size_t n,
		       const void *batch, size_t len)
{
	struct drill_http_resp *rs = drill_xcalloc(n, sizeof(*rs));
	char **urls = drill_xcalloc(n, sizeof(*urls));
	int rc = 0;
	memset(sts, 0, n * sizeof(*sts));
	for (size_t i = 0; i < n; i++)
		urls[i] = drill_xasprintf("%s/v1/order", base_urls[i]);
	rc = drill_http_post_many(rs, (const char *const *)urls, n, batch, len,
				  "application/octet-stream", ORDER_TIMEOUT_MS);
	if (rc)
		goto cleanup;
	/* Keep every status that arrived (a 409 carries one too), report the first refusal. */
	for (size_t i = n; i-- > 0;) {
		int r = 0;
		if (rs[i].status == 200 || rs[i].status == 409)
			r = drill_replica_status_from_json(&sts[i], rs[i].body, rs[i].len);
		if (rs[i].status != 200) {
			char ex[800]; /* a RocksDB error names a long path first */
			answer_excerpt(ex, sizeof(ex), &rs[i]);
			if (rs[i].status == 409 && r == 0)
				snprintf(ex, sizeof(ex), "wrong sequence number, the replica is at "
					 "seqNum %llu", (unsigned long long)sts[i].seq_num);
			/* 507: the replica's disk is (about to be) full — the environment's */
			r = drill_err(rs[i].status == 507 ? DRILL_EENV : DRILL_EFAIL,
				      "%s did not apply the batch: HTTP %ld: %s", base_urls[i],
				      rs[i].status, ex);
		} else if (r) {
			drill_err_wrap(r, "%s", base_urls[i]);
		}
		if (r)
			rc = r;
	}
cleanup:
	for (size_t i = 0; i < n; i++) {
		drill_http_resp_free(&rs[i]);
		free(urls[i]);
	}
	free(rs);
	free(urls);
	return rc;
}

int drill_client_set_disk(json_t **answer, const char *base_url, uint64_t volume_size,
			  uint32_t threshold_pct, uint64_t monitor_s)
{
	*answer = NULL;
	struct drill_http_resp r = {0};
	char *url = drill_xasprintf("%s/v1/disk", base_url);
	char *body = drill_xasprintf("{\"volumeSize\": %" PRIu64 ", \"thresholdPercent\": %" PRIu32
				     ", \"monitorIntervalSeconds\": %" PRIu64 "}", volume_size,
				     threshold_pct, monitor_s);
	int rc = drill_http_post(&r, url, body, strlen(body), "application/json", STATUS_TIMEOUT_MS);
	if (rc)
		goto cleanup;
	if (r.status != 200) {
		char ex[200];
		answer_excerpt(ex, sizeof(ex), &r);
		rc = drill_err(DRILL_EFAIL, "%s: HTTP %ld: %s", url, r.status, ex);
		goto cleanup;
	}
	json_error_t jerr;
	*answer = json_loadb(r.body, r.len, 0, &jerr);
	if (!*answer)
		rc = drill_err(DRILL_EFAIL, "%s: not JSON: %s", url, jerr.text);
cleanup:
	drill_http_resp_free(&r);
	free(url);
	free(body);
	return rc;
}
