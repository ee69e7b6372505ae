/* k8s/k8s.h — a Kubernetes API client on libcurl: kubeconfig, requests, lists, watches, waits.
 *
 * What the kind and minikube platforms and the csi-snapshot vendor need of a cluster, and no more:
 * read a kubeconfig the way kubectl does (current context, server, CA, client certificate and key
 * or bearer token), call the API with JSON (jansson), list and watch objects, and wait for a
 * condition under a timeout. An API error is reported with its HTTP status and the Status
 * object's reason and message: "GET /api/v1/namespaces/x/pods/y: HTTP 404 NotFound: pods "y" not
 * found". Nothing here starts a process; the platforms run kind, helm, docker and minikube. */
#ifndef DRILL_K8S_K8S_H
#define DRILL_K8S_K8S_H

#include <jansson.h>
#include <stddef.h>

/* --- kubeconfig ------------------------------------------------------------------------------ */

struct drill_kubeconfig {
	char *path;            /* the file that was read */
	char *context;         /* the context in use (current-context unless one was asked for) */
	char *namespace_;      /* the context's namespace, "default" when it names none */
	char *server;          /* the cluster's server URL, e.g. "https://127.0.0.1:40111" */
	char *tls_server_name; /* the cluster's tls-server-name, or NULL */
	int insecure;          /* insecure-skip-tls-verify: true */
	/* PEM bytes, from *-data (base64) or read from the named file (relative to the kubeconfig's
	 * directory), NULL when absent. */
	char *ca_pem;
	size_t ca_len;
	char *cert_pem;
	size_t cert_len;
	char *key_pem;
	size_t key_len;
	char *token;           /* user.token, or the contents of user.tokenFile (trimmed), or NULL */
};

/* Read `path` (NULL: the first file of $KUBECONFIG, else ~/.kube/config) and resolve `context`
 * (NULL: current-context). Errors: DRILL_EENV when there is no kubeconfig to read (naming where
 * it looked), DRILL_EINPUT with FILE:LINE:COL for bad YAML or a missing/mistyped field, naming
 * the context, cluster or user that is missing. exec/auth-provider users are refused with a
 * message saying so (chaindrill does not run credential plugins). */
int drill_kubeconfig_load(struct drill_kubeconfig *kc, const char *path, const char *context);
void drill_kubeconfig_free(struct drill_kubeconfig *kc);

/* --- the client ------------------------------------------------------------------------------ */

struct drill_k8s;

/* A client for the cluster `kc` names (copied; kc may be freed afterwards). request_timeout_ms
 * bounds each request (0: 30 s). No request is made. */
int drill_k8s_open(struct drill_k8s **out, const struct drill_kubeconfig *kc,
		   long request_timeout_ms);
void drill_k8s_close(struct drill_k8s *k); /* NULL-safe */

/* One call. `path` is the API path with its query ("/api/v1/namespaces/default/pods?limit=5").
 * `body` (may be NULL) is sent as JSON with `content_type` (NULL: "application/json"; PATCH
 * callers pass "application/merge-patch+json" or "application/strategic-merge-patch+json").
 * On a 2xx answer returns 0 and *out (when out is non-NULL) gets the decoded body (NULL when the
 * body is empty). Otherwise: DRILL_ENOTFOUND for 404, DRILL_EENV when the server cannot be
 * reached or refuses our credentials (401/403), DRILL_ETIMEOUT when the request timed out,
 * DRILL_EFAIL for any other status or a body that is not JSON; the message has the method,
 * path, HTTP status, and the Status object's reason and message. *status (when non-NULL) gets
 * the HTTP status (0 when no answer arrived). */
int drill_k8s_request(struct drill_k8s *k, const char *method, const char *path,
		      const json_t *body, const char *content_type, json_t **out, long *status);

/* Shorthands for the above. */
int drill_k8s_get(struct drill_k8s *k, const char *path, json_t **out);
int drill_k8s_create(struct drill_k8s *k, const char *collection_path, const json_t *obj,
		     json_t **out);
int drill_k8s_patch_merge(struct drill_k8s *k, const char *path, const json_t *patch,
			  json_t **out);
/* DELETE; a 404 counts as success (already gone). */
int drill_k8s_delete(struct drill_k8s *k, const char *path);

/* List a collection ("/api/v1/namespaces/NS/pods"), following `continue` tokens, with an
 * optional label selector ("app=concord,replica=2"; NULL for all). *items gets a new JSON array
 * of the objects; *resource_version (when non-NULL) gets the list's resourceVersion
 * (malloc'd), for a watch that starts where the list ended. */
int drill_k8s_list(struct drill_k8s *k, const char *collection_path, const char *label_selector,
		   json_t **items, char **resource_version);

/* Watch a collection from `resource_version` (NULL: from now) for at most timeout_ms. For each
 * event `fn(type, object, arg)` is called with type "ADDED", "MODIFIED", "DELETED" or
 * "BOOKMARK"; it returns 0 to go on, 1 to stop (drill_k8s_watch then returns 0), or a negative
 * DRILL_E* code, which is returned. An ERROR event (e.g. 410 Gone) is returned as DRILL_EFAIL
 * with the Status message. Returns DRILL_ETIMEOUT when the time ran out with fn never
 * stopping. */
typedef int (*drill_k8s_event_fn)(const char *type, json_t *object, void *arg);
int drill_k8s_watch(struct drill_k8s *k, const char *collection_path, const char *label_selector,
		    const char *resource_version, long timeout_ms, drill_k8s_event_fn fn,
		    void *arg);

/* Wait until `pred(items, arg)` returns 1 for the list of a collection (list, then watch and
 * re-evaluate on every event, relisting after a 410), for at most timeout_ms. `what` names the
 * wait for the timeout message: "timed out after 120 s waiting for <what>; last seen: <detail>",
 * where detail is what pred last wrote into `detail` (may stay empty). pred returns 0 to go on
 * waiting, or a negative DRILL_E* code (with its message set) to end the wait with that error at
 * once, as a VolumeSnapshot's status.error does. */
typedef int (*drill_k8s_pred_fn)(json_t *items, void *arg, char *detail, size_t detail_len);
int drill_k8s_wait(struct drill_k8s *k, const char *collection_path, const char *label_selector,
		   long timeout_ms, const char *what, drill_k8s_pred_fn pred, void *arg);

/* Common waits, built on drill_k8s_wait. */
/* `count` pods matching the selector in namespace ns are Ready (condition Ready=True), and
 * none is terminating. count 0: no pod matches at all (every one is gone). */
int drill_k8s_wait_pods_ready(struct drill_k8s *k, const char *ns, const char *label_selector,
			      int count, long timeout_ms);
/* The claim is Bound; *volume_name (when non-NULL) gets its spec.volumeName (malloc'd). */
int drill_k8s_wait_pvc_bound(struct drill_k8s *k, const char *ns, const char *claim,
			     long timeout_ms, char **volume_name);
/* A VolumeSnapshot (snapshot.storage.k8s.io/v1) reports status.readyToUse: true. An error in
 * status.error fails at once with its message. */
int drill_k8s_wait_snapshot_ready(struct drill_k8s *k, const char *ns, const char *name,
				  long timeout_ms);

/* Paths, malloc'd, with names percent-escaped where needed. */
char *drill_k8s_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
