/* tests/k8sfake.h — a fake Kubernetes API server for tests: real HTTP(S) on 127.0.0.1.
 *
 * It serves recorded API responses (files under fixtures/k8s/, shaped like a real API server's)
 * on routes a test declares, and records every request it receives so the test can assert what
 * the client sent. A route is "METHOD /path" plus optional query parameters the request must
 * carry ("/api/v1/namespaces/drill/pods?watch=1"); when several routes match, the one with the
 * most parameters wins. A route answers its responses in the order they were added and repeats
 * the last one, which is how a test scripts state changes (first list: Pending; the watch that
 * follows: three events, the third Ready). */
#ifndef DRILL_TESTS_K8SFAKE_H
#define DRILL_TESTS_K8SFAKE_H

#include <stddef.h>

struct k8sfake;

/* One request as received: query parameters decoded, "k=v&k=v" in arrival order. */
struct k8sfake_req {
	char *method, *path, *query;
	char *authorization; /* the Authorization header, or NULL */
	char *content_type;  /* the Content-Type header, or NULL */
	char *body;          /* NUL-terminated, "" when there was none */
	int client_cert;     /* TLS: the client presented a certificate that verified */
};

/* Start on an ephemeral loopback port. tls: serve HTTPS with fixtures/k8s/tls/server.crt and
 * require a client certificate signed by fixtures/k8s/tls/ca.crt (401 without one). Fails the
 * test (cmocka) when it cannot start. */
struct k8sfake *k8sfake_start(int tls);
void k8sfake_stop(struct k8sfake *f); /* NULL-safe; ends streams and stalls at once */
const char *k8sfake_url(const struct k8sfake *f); /* "http://127.0.0.1:PORT" */

/* The absolute path of fixtures/k8s/<name> (malloc'd). */
char *k8sfake_fixture(const char *name);

/* Add a response to a route. fixture: a file under fixtures/k8s/ sent as the JSON body. */
void k8sfake_reply(struct k8sfake *f, const char *method, const char *route, int status,
		   const char *fixture);
void k8sfake_reply_text(struct k8sfake *f, const char *method, const char *route, int status,
			const char *body);
/* A watch: each line of the fixture (one JSON event) is sent as its own chunk, delay_ms apart;
 * then the stream stays open for hold_ms (or until the client leaves or the server stops) and
 * ends as an API server's watch ends when its timeoutSeconds pass. */
void k8sfake_reply_stream(struct k8sfake *f, const char *route, const char *fixture,
			  long delay_ms, long hold_ms);
/* Answer nothing for stall_ms (a server that hangs), then 504. */
void k8sfake_reply_stall(struct k8sfake *f, const char *method, const char *route,
			 long stall_ms);

/* The requests received so far (a copy of the i-th; valid until k8sfake_stop). */
size_t k8sfake_count(struct k8sfake *f);
const struct k8sfake_req *k8sfake_request(struct k8sfake *f, size_t i);

/* Write DIR/kubeconfig naming this server (context "fake", namespace "drill") and return its
 * path (malloc'd). cluster_extra is appended inside the cluster's flow mapping (e.g. ",
 * certificate-authority: /x/ca.crt"), user is the user's flow mapping ("{token: t}"). */
char *k8sfake_kubeconfig(struct k8sfake *f, const char *dir, const char *cluster_extra,
			 const char *user);

#endif
