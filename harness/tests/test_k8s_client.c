/* tests/test_k8s_client.c — the API client against the fake API server on 127.0.0.1 (plain HTTP):
 * what is sent (token, content types, selectors, paging), how answers and API errors come back,
 * watches cut into events, and waits that list, watch, relist after 410 and time out. */
#include "helpers.h"
#include "k8sfake.h"

#include "k8s/k8s.h"
#include "util/bytes.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

#define PODS "/api/v1/namespaces/drill/pods"
#define PVCS "/api/v1/namespaces/drill/persistentvolumeclaims"
#define SNAPS "/apis/snapshot.storage.k8s.io/v1/namespaces/drill/volumesnapshots"

struct env {
	struct k8sfake *fake;
	struct drill_k8s *k;
	char *dir;
};

static void open_client(struct env *e, long timeout_ms)
{
	char *path = k8sfake_kubeconfig(e->fake, e->dir, NULL, "{token: test-token}");
	struct drill_kubeconfig kc;
	assert_drill_ok(drill_kubeconfig_load(&kc, path, NULL));
	assert_drill_ok(drill_k8s_open(&e->k, &kc, timeout_ms));
	drill_kubeconfig_free(&kc);
	free(path);
}

static int setup(void **state)
{
	struct env *e = drill_xcalloc(1, sizeof(*e));
	e->fake = k8sfake_start(0);
	e->dir = drill_test_scratch("client");
	open_client(e, 60000); /* generous: valgrind on a loaded machine */
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	drill_k8s_close(e->k);
	k8sfake_stop(e->fake);
	free(e->dir);
	free(e);
	return 0;
}

static void assert_err(int rc, int want_rc, const char *want_msg)
{
	if (rc != want_rc || !strstr(drill_err_last(), want_msg))
		fail_msg("rc %d, message \"%s\"; wanted %d and \"%s\"", rc, drill_err_last(),
			 want_rc, want_msg);
}

static void test_get_sends_token(void **state)
{
	struct env *e = *state;
	k8sfake_reply(e->fake, "GET", PODS "/concord-replica-0", 200, "pod.json");
	json_t *pod = NULL;
	assert_drill_ok(drill_k8s_get(e->k, PODS "/concord-replica-0", &pod));
	assert_string_equal(json_string_value(json_object_get(pod, "kind")), "Pod");
	json_decref(pod);
	const struct k8sfake_req *r = k8sfake_request(e->fake, 0);
	assert_string_equal(r->method, "GET");
	assert_string_equal(r->path, PODS "/concord-replica-0");
	assert_string_equal(r->authorization, "Bearer test-token");
}

static void test_api_errors(void **state)
{
	struct env *e = *state;
	k8sfake_reply(e->fake, "GET", PODS "/concord-replica-9", 404, "status-404.json");
	k8sfake_reply(e->fake, "GET", PODS, 403, "status-403.json");
	k8sfake_reply(e->fake, "POST", PVCS, 409, "status-409.json");
	k8sfake_reply_text(e->fake, "GET", "/version", 500, "upstream broke\n");
	k8sfake_reply_text(e->fake, "GET", "/healthz", 200, "ok");
	json_t *out = NULL;
	long status = 0;
	assert_err(drill_k8s_request(e->k, "GET", PODS "/concord-replica-9", NULL, NULL, &out,
				     &status),
		   DRILL_ENOTFOUND,
		   "GET " PODS "/concord-replica-9: HTTP 404 NotFound: pods \"concord-replica-9\" "
		   "not found");
	assert_int_equal(status, 404);
	assert_null(out);
	assert_err(drill_k8s_get(e->k, PODS, &out), DRILL_EENV,
		   "HTTP 403 Forbidden: pods is forbidden: User "
		   "\"system:serviceaccount:drill:default\" cannot list");
	json_t *pvc = json_pack("{s:s}", "kind", "PersistentVolumeClaim");
	assert_err(drill_k8s_create(e->k, PVCS, pvc, NULL), DRILL_EFAIL,
		   "POST " PVCS ": HTTP 409 AlreadyExists: persistentvolumeclaims");
	json_decref(pvc);
	assert_err(drill_k8s_get(e->k, "/version", &out), DRILL_EFAIL,
		   "GET /version: HTTP 500: upstream broke");
	assert_err(drill_k8s_get(e->k, "/healthz", &out), DRILL_EFAIL,
		   "GET /healthz: the answer is not JSON");
	assert_null(out);
}

static void test_create_patch_delete(void **state)
{
	struct env *e = *state;
	k8sfake_reply(e->fake, "POST", PVCS, 201, "pvclist-restored-pending.json");
	k8sfake_reply(e->fake, "PATCH", PODS "/concord-replica-0", 200, "pod.json");
	k8sfake_reply(e->fake, "DELETE", PODS "/concord-replica-9", 404, "status-404.json");
	k8sfake_reply(e->fake, "DELETE", PODS "/concord-replica-0", 200, "pod.json");
	json_t *obj = json_pack("{s:s,s:{s:s}}", "kind", "PersistentVolumeClaim", "metadata",
				"name", "x");
	json_t *out = NULL;
	assert_drill_ok(drill_k8s_create(e->k, PVCS, obj, &out));
	assert_non_null(out);
	json_decref(out);
	json_decref(obj);
	json_t *patch = json_pack("{s:{s:{s:s}}}", "metadata", "labels", "drill", "stopped");
	assert_drill_ok(drill_k8s_patch_merge(e->k, PODS "/concord-replica-0", patch, NULL));
	json_decref(patch);
	assert_drill_ok(drill_k8s_delete(e->k, PODS "/concord-replica-9")); /* gone already */
	assert_drill_ok(drill_k8s_delete(e->k, PODS "/concord-replica-0"));

	const struct k8sfake_req *r = k8sfake_request(e->fake, 0);
	assert_string_equal(r->method, "POST");
	assert_string_equal(r->content_type, "application/json");
	assert_string_equal(r->body,
			    "{\"kind\":\"PersistentVolumeClaim\",\"metadata\":{\"name\":\"x\"}}");
	r = k8sfake_request(e->fake, 1);
	assert_string_equal(r->method, "PATCH");
	assert_string_equal(r->content_type, "application/merge-patch+json");
	assert_string_equal(r->body, "{\"metadata\":{\"labels\":{\"drill\":\"stopped\"}}}");
	assert_string_equal(k8sfake_request(e->fake, 2)->method, "DELETE");
	assert_int_equal(k8sfake_count(e->fake), 4);
}

static void test_list_pages_and_selector(void **state)
{
	struct env *e = *state;
	k8sfake_reply(e->fake, "GET", PODS, 200, "podlist-page1.json");
	k8sfake_reply(e->fake, "GET", PODS "?continue", 200, "podlist-page2.json");
	json_t *items = NULL;
	char *rv = NULL;
	assert_drill_ok(drill_k8s_list(e->k, PODS, "app=concord,replica in (0,1)", &items, &rv));
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(rv, "1302");
	json_decref(items);
	free(rv);
	assert_int_equal(k8sfake_count(e->fake), 2);
	/* the fake decodes the query: the selector arrived intact through curl_easy_escape */
	assert_string_equal(k8sfake_request(e->fake, 0)->query,
			    "limit=500&labelSelector=app=concord,replica in (0,1)");
	assert_non_null(strstr(k8sfake_request(e->fake, 1)->query,
			       "&continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTMwMiwic3RhcnQiOiJj"));
}

static void test_unreachable_and_stall(void **state)
{
	struct env *e = *state;
	/* a port that was just ours and is closed now: connection refused */
	struct k8sfake *gone = k8sfake_start(0);
	char *url = drill_xstrdup(k8sfake_url(gone));
	k8sfake_stop(gone);
	struct drill_kubeconfig kc = {.server = url};
	struct drill_k8s *k = NULL;
	assert_drill_ok(drill_k8s_open(&k, &kc, 2000));
	assert_err(drill_k8s_get(k, PODS, NULL), DRILL_EENV, "cannot reach the API server");
	drill_k8s_close(k);
	free(url);

	/* a server that accepts and never answers: the request's own timeout ends it */
	drill_k8s_close(e->k);
	open_client(e, 300);
	k8sfake_reply_stall(e->fake, "GET", PODS, 10000);
	uint64_t t0 = drill_now_ms();
	assert_err(drill_k8s_get(e->k, PODS, NULL), DRILL_ETIMEOUT,
		   "GET " PODS ": no answer from http://127.0.0.1:");
	assert_true(drill_now_ms() - t0 < 8000);
}

struct seen {
	int n;
	int stop_at;
	char types[8][16];
};

static int on_event(const char *type, json_t *object, void *arg)
{
	struct seen *s = arg;
	if (s->n < 8)
		snprintf(s->types[s->n], sizeof(s->types[0]), "%s", type);
	s->n++;
	return s->n == s->stop_at;
}

static void test_watch_events(void **state)
{
	struct env *e = *state;
	k8sfake_reply_stream(e->fake, PODS "?watch=1", "watch-pods-ready.jsonl", 50, 10000);
	struct seen s = {.stop_at = 3};
	assert_drill_ok(drill_k8s_watch(e->k, PODS, "app=concord", "1201", 60000, on_event, &s));
	assert_int_equal(s.n, 3);
	assert_string_equal(s.types[0], "ADDED");
	assert_string_equal(s.types[2], "MODIFIED");
	const char *q = k8sfake_request(e->fake, 0)->query;
	assert_non_null(strstr(q, "watch=1"));
	assert_non_null(strstr(q, "labelSelector=app=concord"));
	assert_non_null(strstr(q, "resourceVersion=1201"));
}

static void test_watch_timeout_and_error(void **state)
{
	struct env *e = *state;
	k8sfake_reply_stream(e->fake, PODS "?watch=1", "watch-pods-bookmark.jsonl", 0, 10000);
	k8sfake_reply_stream(e->fake, PVCS "?watch=1", "watch-error-410.jsonl", 0, 0);
	struct seen s = {.stop_at = 99};
	uint64_t t0 = drill_now_ms();
	assert_err(drill_k8s_watch(e->k, PODS, NULL, NULL, 400, on_event, &s), DRILL_ETIMEOUT,
		   "watch " PODS ": timed out after 0.4 s");
	assert_true(drill_now_ms() - t0 < 8000);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.types[0], "BOOKMARK");
	assert_err(drill_k8s_watch(e->k, PVCS, NULL, "1201", 2000, on_event, &s), DRILL_EFAIL,
		   "watch " PVCS ": ERROR event: 410 Expired: too old resource version: 1201");
}

static void test_wait_pods_ready(void **state)
{
	struct env *e = *state;
	k8sfake_reply(e->fake, "GET", PODS, 200, "podlist-pending.json");
	k8sfake_reply_stream(e->fake, PODS "?watch=1", "watch-pods-ready.jsonl", 30, 10000);
	assert_drill_ok(drill_k8s_wait_pods_ready(e->k, "drill", "app=concord", 1, 60000));
	assert_int_equal(k8sfake_count(e->fake), 2);
	assert_null(strstr(k8sfake_request(e->fake, 0)->query, "watch"));
	assert_non_null(strstr(k8sfake_request(e->fake, 1)->query, "resourceVersion=1201"));
}

static void test_wait_relists_after_410(void **state)
{
	struct env *e = *state;
	k8sfake_reply(e->fake, "GET", PODS, 200, "podlist-pending.json");
	k8sfake_reply_stream(e->fake, PODS "?watch=1", "watch-error-410.jsonl", 0, 0);
	k8sfake_reply_stream(e->fake, PODS "?watch=1", "watch-pods-ready.jsonl", 0, 10000);
	assert_drill_ok(drill_k8s_wait_pods_ready(e->k, "drill", NULL, 1, 60000));
	const char *kinds[] = {"list", "watch", "list", "watch"};
	assert_int_equal(k8sfake_count(e->fake), 4);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(strstr(k8sfake_request(e->fake, i)->query, "watch=1") != NULL,
				 kinds[i][0] == 'w');
}

static void test_wait_times_out_with_detail(void **state)
{
	struct env *e = *state;
	k8sfake_reply(e->fake, "GET", PODS, 200, "podlist-pending.json");
	k8sfake_reply_stream(e->fake, PODS "?watch=1", "watch-pods-bookmark.jsonl", 0, 10000);
	assert_err(drill_k8s_wait_pods_ready(e->k, "drill", "app=concord", 1, 500), DRILL_ETIMEOUT,
		   "timed out after 0.5 s waiting for 1 ready pods in drill matching app=concord; "
		   "last seen: 1 pods, 0 ready, 0 terminating; concord-replica-0-6d9f7c8b5-x0k2p is "
		   "Pending");
}

static void test_wait_pods_gone(void **state)
{
	struct env *e = *state;
	k8sfake_reply(e->fake, "GET", PODS, 200, "podlist-pending.json");
	k8sfake_reply_stream(e->fake, PODS "?watch=1", "watch-pods-gone.jsonl", 20, 10000);
	assert_drill_ok(drill_k8s_wait_pods_ready(e->k, "drill", "app=concord", 0, 60000));
}

static void test_wait_pvc_bound(void **state)
{
	struct env *e = *state;
	k8sfake_reply(e->fake, "GET", PVCS, 200, "pvclist-restored-pending.json");
	k8sfake_reply_stream(e->fake, PVCS "?watch=1", "watch-pvc-bound.jsonl", 20, 10000);
	char *vol = NULL;
	assert_drill_ok(drill_k8s_wait_pvc_bound(e->k, "drill",
						 "concord-pvc-blockchain-1-replica-0-restored", 60000,
						 &vol));
	assert_string_equal(vol, "pvc-9e2d7b41-6c3a-4f0e-a1b8-5d2c4e7f9a10");
	free(vol);
	assert_non_null(strstr(k8sfake_request(e->fake, 0)->query,
			       "fieldSelector=metadata.name=concord-pvc-blockchain-1-replica-0-restored"));
}

static void test_wait_snapshot(void **state)
{
	struct env *e = *state;
	const char *name = "concord-snap-blockchain-1-replica-0";
	k8sfake_reply(e->fake, "GET", SNAPS, 200, "volumesnapshotlist-pending.json");
	k8sfake_reply_stream(e->fake, SNAPS "?watch=1", "watch-snapshot-ready.jsonl", 20, 10000);
	k8sfake_reply_stream(e->fake, SNAPS "?watch=1", "watch-snapshot-error.jsonl", 20, 10000);
	assert_drill_ok(drill_k8s_wait_snapshot_ready(e->k, "drill", name, 60000));
	assert_err(drill_k8s_wait_snapshot_ready(e->k, "drill", name, 60000), DRILL_EFAIL,
		   "VolumeSnapshot drill/concord-snap-blockchain-1-replica-0 failed: Failed to "
		   "check and update snapshot content");
}

static void test_paths(void **state)
{
	char *p = drill_k8s_path("/api/v1/namespaces/%s/pods/%s", "drill", "a b\"#");
	assert_string_equal(p, "/api/v1/namespaces/drill/pods/a%20b%22%23");
	free(p);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_get_sends_token),
		T(test_api_errors),
		T(test_create_patch_delete),
		T(test_list_pages_and_selector),
		T(test_unreachable_and_stall),
		T(test_watch_events),
		T(test_watch_timeout_and_error),
		T(test_wait_pods_ready),
		T(test_wait_relists_after_410),
		T(test_wait_times_out_with_detail),
		T(test_wait_pods_gone),
		T(test_wait_pvc_bound),
		T(test_wait_snapshot),
		cmocka_unit_test(test_paths),
	};
	return drill_test_run(tests, NULL, NULL);
}
