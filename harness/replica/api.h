/* replica/api.h — the replica's operator API in-process: the same handlers the HTTP server runs
 * (replica.h lists the endpoints), called without a socket. For the fuzz target (fuzz/
 * fuzz_replica_api.c) and tests; the daemon itself serves them over HTTP only. */
#ifndef DRILL_REPLICA_API_H
#define DRILL_REPLICA_API_H

#include <stddef.h>

struct drill_replica_api;

/* Open a replica from daemon options as after "chaindrill replica" (argv[0] is skipped;
 * --data and --id are required, no address is needed: nothing listens). It starts ready, without
 * state transfer. */
int drill_replica_api_open(struct drill_replica_api **out, int argc, char **argv);

struct drill_replica_api_answer {
	unsigned code;    /* the HTTP status */
	char *body;       /* malloc'd, never NULL after a successful call */
	size_t len;
	const char *type; /* Content-Type */
};

/* One request: `target` is the path with an optional ?query (decoded as the HTTP server does),
 * `body` what a POST carries (the same per-endpoint size limits apply). DRILL_EFAIL only when
 * the answer could not be allocated. */
int drill_replica_api_call(struct drill_replica_api_answer *ans, struct drill_replica_api *a,
			   const char *method, const char *target, const void *body, size_t len);
void drill_replica_api_answer_free(struct drill_replica_api_answer *ans);

/* Commit, flush and close the database (DRILL_E* if that failed); NULL-safe. */
int drill_replica_api_close(struct drill_replica_api *a);

#endif
