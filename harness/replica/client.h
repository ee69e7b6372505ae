/* replica/client.h — the driver's side of the operator API (over util/http.h). */
#ifndef DRILL_REPLICA_CLIENT_H
#define DRILL_REPLICA_CLIENT_H

#include "replica/proto.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* base_url like "http://127.0.0.1:40123". */
int drill_client_status(struct drill_replica_status *st, const char *base_url);
int drill_client_ready(const char *base_url); /* 1 ready, 0 not (or unreachable) */

/* Send one encoded batch to n replicas at once; sts[i] gets replica i's status after it. Fails
 * (DRILL_EFAIL naming the replica and its answer) unless every replica applied the batch. */
int drill_client_order(struct drill_replica_status *sts, const char *const *base_urls, size_t n,
		       const void *batch, size_t len);

/* POST /v1/disk: tell a replica its volume's size (replica.h). *answer (caller json_decref) is
 * the replica's JSON answer: what its disk monitor measured and pruned. */
int drill_client_set_disk(json_t **answer, const char *base_url, uint64_t volume_size,
			  uint32_t threshold_pct, uint64_t monitor_s);

#endif
