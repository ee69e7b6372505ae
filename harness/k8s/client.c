/* k8s/client.c — calls to the Kubernetes API over libcurl: requests, lists, watches, waits.
 *
 * One easy handle per call, set up from the kubeconfig: the CA, client certificate and key go to
 * libcurl as in-memory blobs, so no key material is ever written to disk; a bearer token goes in
 * the Authorization header. tls-server-name is honoured by asking curl for that name (SNI and
 * certificate check) while connecting to the server's real address (CURLOPT_CONNECT_TO).
 *
 * A watch is one long GET whose chunked body carries one JSON event per line; the write callback
 * cuts the stream into lines and hands each event to the caller, who can end the watch. The API
 * server closes a watch by itself after timeoutSeconds; the watch is then resumed from the last
 * resourceVersion seen until our own deadline. A wait is list + watch: the predicate is asked
 * about the listed objects, then again after every event applied to that list; a 410 Gone (the
 * resourceVersion is too old) makes it list again. */
#include "k8s/k8s.h"

#include "util/bytes.h"
#include "util/err.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_BODY ((size_t)64 << 20)
#define MAX_EVENT ((size_t)16 << 20)
#define CONNECT_TIMEOUT_MS 10000L
#define DEFAULT_TIMEOUT_MS 30000L
#define LIST_PAGE "500"

struct drill_k8s {
	char *server;     /* base URL, without a trailing slash (host = tls-server-name if set) */
	char *connect_to; /* "name:port:host:port" when tls-server-name is set */
	char *display;    /* the server as the kubeconfig names it, for messages */
	int insecure;
	struct curl_blob ca, cert, key;
	char *auth; /* "Authorization: Bearer ..." or NULL */
	long timeout_ms;
};

/* The events of one watch stream as they arrive. */
struct watch {
	const char *path;
	drill_k8s_event_fn fn;
	void *arg;
	struct drill_buf line; /* the event being received */
	int http_ok;           /* the answer is 2xx: the body is events, else a Status */
	int ended;             /* fn stopped the watch or an event failed it; rc says how */
	int rc;
	int gone;      /* an ERROR event with code 410 */
	char *rv;      /* the last resourceVersion seen */
	size_t events; /* events in this stream */
};

/* One HTTP exchange. */
struct call {
	CURL *h;
	struct curl_slist *hdrs;
	struct curl_slist *connect_to;
	struct drill_buf body;
	struct watch *w;
	char errbuf[CURL_ERROR_SIZE];
};

/* --- small helpers ------------------------------------------------------------------------------ */

static char *escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0); /* the handle is unused since curl 7.82 */
	if (!e)
		abort();
	char *out = drill_xstrdup(e);
	curl_free(e);
	return out;
}

/* path + "?" or "&" + params */
static char *with_query(const char *path, const char *params)
{
	return drill_xasprintf("%s%c%s", path, strchr(path, '?') ? '&' : '?', params);
}

static char *add_param(char *path, const char *key, const char *value)
{
	if (!value)
		return path;
	char *v = escape(value), *p = drill_xasprintf("%s=%s", key, v), *out = with_query(path, p);
	free(v);
	free(p);
	free(path);
	return out;
}

static const char *jstr(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static const char *meta_str(const json_t *obj, const char *key)
{
	return jstr(json_object_get(obj, "metadata"), key);
}

static void blob_set(struct curl_blob *b, const char *data, size_t len)
{
	b->data = data ? drill_xmalloc(len) : NULL;
	if (data)
		memcpy(b->data, data, len);
	b->len = len;
	b->flags = CURL_BLOB_COPY;
}

static void blob_free(struct curl_blob *b)
{
	if (b->data) {
		memset(b->data, 0, b->len);
		free(b->data);
	}
}

/* --- open and close ---------------------------------------------------------------------------- */

/* Point the base URL at tls-server-name and connect to the real host (CURLOPT_CONNECT_TO). */
static int route_server_name(struct drill_k8s *k, const char *sni)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *url = NULL;
	int rc = 0;
	if (!u || curl_url_set(u, CURLUPART_URL, k->server, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_HOST, sni, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK) {
		rc = drill_err(DRILL_EINPUT, "server %s with tls-server-name %s: not a valid URL",
			       k->server, sni);
		goto cleanup;
	}
	k->connect_to = drill_xasprintf("%s:%s:%s:%s", sni, port, host, port);
	free(k->server);
	k->server = drill_xstrdup(url);
	size_t n = strlen(k->server);
	if (n && k->server[n - 1] == '/')
		k->server[n - 1] = '\0';
cleanup:
	curl_free(host);
	curl_free(port);
	curl_free(url);
	curl_url_cleanup(u);
	return rc;
}

int drill_k8s_open(struct drill_k8s **out, const struct drill_kubeconfig *kc,
		   long request_timeout_ms)
{
	*out = NULL;
	if (!kc->server || (strncmp(kc->server, "https://", 8) && strncmp(kc->server, "http://", 7)))
		return drill_err(DRILL_EINPUT, "%s: server %s: expected an http:// or https:// URL",
				 kc->path ? kc->path : "kubeconfig", kc->server ? kc->server : "(none)");
	struct drill_k8s *k = drill_xcalloc(1, sizeof(*k));
	k->server = drill_xstrdup(kc->server);
	size_t n = strlen(k->server);
	while (n && k->server[n - 1] == '/')
		k->server[--n] = '\0';
	k->display = drill_xstrdup(k->server);
	k->insecure = kc->insecure;
	blob_set(&k->ca, kc->ca_pem, kc->ca_len);
	blob_set(&k->cert, kc->cert_pem, kc->cert_len);
	blob_set(&k->key, kc->key_pem, kc->key_len);
	if (kc->token)
		k->auth = drill_xasprintf("Authorization: Bearer %s", kc->token);
	k->timeout_ms = request_timeout_ms > 0 ? request_timeout_ms : DEFAULT_TIMEOUT_MS;
	if (kc->tls_server_name && route_server_name(k, kc->tls_server_name) != 0) {
		drill_k8s_close(k);
		return DRILL_EINPUT;
	}
	*out = k;
	return 0;
}

void drill_k8s_close(struct drill_k8s *k)
{
	if (!k)
		return;
	free(k->server);
	free(k->connect_to);
	free(k->display);
	blob_free(&k->ca);
	blob_free(&k->cert);
	blob_free(&k->key);
	if (k->auth) {
		memset(k->auth, 0, strlen(k->auth));
		free(k->auth);
	}
	free(k);
}

/* --- one exchange ------------------------------------------------------------------------------ */

static void watch_feed(struct watch *w, const char *p, size_t n);

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
	struct call *c = ud;
	size_t n = size * nmemb;
	if (c->w && c->w->http_ok < 0) {
		long st = 0;
		curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &st);
		c->w->http_ok = st >= 200 && st < 300;
	}
	if (c->w && c->w->http_ok) {
		watch_feed(c->w, p, n);
		return c->w->ended ? 0 : n; /* 0 aborts the transfer: the watch is over */
	}
	return drill_buf_append(&c->body, p, n) == 0 ? n : 0;
}

static void call_free(struct call *c)
{
	curl_easy_cleanup(c->h);
	curl_slist_free_all(c->hdrs);
	curl_slist_free_all(c->connect_to);
	drill_buf_free(&c->body);
}

static int call_init(struct call *c, struct drill_k8s *k, const char *method, const char *path,
		     const char *body, const char *content_type, long timeout_ms)
{
	memset(c, 0, sizeof(*c));
	drill_buf_init(&c->body, MAX_BODY);
	c->h = curl_easy_init();
	if (!c->h)
		return drill_err(DRILL_EFAIL, "%s %s: curl_easy_init failed", method, path);
	CURL *h = c->h;
	char *url = drill_xasprintf("%s%s", k->server, path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	free(url);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	/* HTTP/1.1, as the tests' server speaks: a watch is then one chunked body, cut by lines */
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			 timeout_ms < CONNECT_TIMEOUT_MS ? timeout_ms : CONNECT_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "chaindrill");
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (k->ca.data)
		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &k->ca);
	if (k->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (k->cert.data) {
		curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &k->cert);
		curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
		curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &k->key);
		curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
	}
	if (k->connect_to) {
		c->connect_to = curl_slist_append(NULL, k->connect_to);
		curl_easy_setopt(h, CURLOPT_CONNECT_TO, c->connect_to);
	}
	c->hdrs = curl_slist_append(c->hdrs, "Accept: application/json");
	c->hdrs = curl_slist_append(c->hdrs, "Expect:");
	if (k->auth)
		c->hdrs = curl_slist_append(c->hdrs, k->auth);
	if (body) {
		char *ct = drill_xasprintf("Content-Type: %s",
					   content_type ? content_type : "application/json");
		c->hdrs = curl_slist_append(c->hdrs, ct);
		free(ct);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
		curl_easy_setopt(h, CURLOPT_COPYPOSTFIELDS, body);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->hdrs);
	return 0;
}

/* A transfer that got no complete answer. */
static int transport_error(struct drill_k8s *k, CURLcode cc, const struct call *c,
			   const char *method, const char *path, long timeout_ms)
{
	const char *why = c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc);
	if (cc == CURLE_OPERATION_TIMEDOUT)
		return drill_err(DRILL_ETIMEOUT, "%s %s: no answer from %s within %g s (%s)", method,
				 path, k->display, timeout_ms / 1000.0, why);
	return drill_err(DRILL_EENV, "%s %s: cannot reach the API server %s: %s", method, path,
			 k->display, why);
}

/* A non-2xx answer: the Status object's reason and message, else the start of the body. */
static int status_error(long status, const struct drill_buf *body, const char *method,
			const char *path)
{
	int code = status == 404 ? DRILL_ENOTFOUND
		   : status == 401 || status == 403 ? DRILL_EENV
						    : DRILL_EFAIL;
	json_t *st = body->len ? json_loadb((const char *)body->data, body->len, 0, NULL) : NULL;
	const char *reason = jstr(st, "reason"), *msg = jstr(st, "message");
	int rc;
	if (msg)
		rc = drill_err(code, "%s %s: HTTP %ld %s: %s", method, path, status,
			       reason ? reason : "", msg);
	else
		rc = drill_err(code, "%s %s: HTTP %ld: %.*s", method, path, status,
			       (int)(body->len < 200 ? body->len : 200),
			       body->len ? (const char *)body->data : "(empty body)");
	json_decref(st);
	return rc;
}

/* Run the call; 0 on a 2xx answer, else the error as documented in k8s.h. */
static int perform(struct drill_k8s *k, struct call *c, const char *method, const char *path,
		   long timeout_ms, long *status)
{
	CURLcode cc = curl_easy_perform(c->h);
	long st = 0;
	curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &st);
	if (status)
		*status = st;
	if (c->w && c->w->ended)
		return c->w->rc;
	if (cc != CURLE_OK)
		return transport_error(k, cc, c, method, path, timeout_ms);
	if (st < 200 || st >= 300)
		return status_error(st, &c->body, method, path);
	return 0;
}

int drill_k8s_request(struct drill_k8s *k, const char *method, const char *path,
		      const json_t *body, const char *content_type, json_t **out, long *status)
{
	if (out)
		*out = NULL;
	if (status)
		*status = 0;
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct call c;
	int rc = call_init(&c, k, method, path, text, content_type, k->timeout_ms);
	free(text);
	if (rc == 0)
		rc = perform(k, &c, method, path, k->timeout_ms, status);
	if (rc == 0 && out && c.body.len) {
		json_error_t je;
		*out = json_loadb((const char *)c.body.data, c.body.len, 0, &je);
		if (!*out)
			rc = drill_err(DRILL_EFAIL, "%s %s: the answer is not JSON: %s", method,
				       path, je.text);
	}
	call_free(&c);
	return rc;
}

int drill_k8s_get(struct drill_k8s *k, const char *path, json_t **out)
{
	return drill_k8s_request(k, "GET", path, NULL, NULL, out, NULL);
}

int drill_k8s_create(struct drill_k8s *k, const char *collection_path, const json_t *obj,
		     json_t **out)
{
	return drill_k8s_request(k, "POST", collection_path, obj, NULL, out, NULL);
}

int drill_k8s_patch_merge(struct drill_k8s *k, const char *path, const json_t *patch,
			  json_t **out)
{
	return drill_k8s_request(k, "PATCH", path, patch, "application/merge-patch+json", out,
				 NULL);
}

int drill_k8s_delete(struct drill_k8s *k, const char *path)
{
	int rc = drill_k8s_request(k, "DELETE", path, NULL, NULL, NULL, NULL);
	if (rc == DRILL_ENOTFOUND) {
		drill_err_clear();
		return 0;
	}
	return rc;
}

/* --- lists ------------------------------------------------------------------------------------- */

static int list_page(struct drill_k8s *k, const char *collection_path, const char *selector,
		     const char *cont, json_t *items, char **rv, char **next)
{
	char *path = with_query(collection_path, "limit=" LIST_PAGE);
	path = add_param(path, "labelSelector", selector);
	path = add_param(path, "continue", cont);
	json_t *page = NULL;
	int rc = drill_k8s_get(k, path, &page);
	json_t *got = json_object_get(page, "items");
	if (rc == 0 && !json_is_array(got) && !json_is_null(got) && got)
		rc = drill_err(DRILL_EFAIL, "GET %s: the answer has no items list", path);
	if (rc == 0) {
		if (got)
			json_array_extend(items, got);
		const char *v = meta_str(page, "resourceVersion"), *c = meta_str(page, "continue");
		free(*rv);
		*rv = v ? drill_xstrdup(v) : NULL;
		*next = c && c[0] ? drill_xstrdup(c) : NULL;
	}
	json_decref(page);
	free(path);
	return rc;
}

int drill_k8s_list(struct drill_k8s *k, const char *collection_path, const char *label_selector,
		   json_t **items, char **resource_version)
{
	json_t *all = json_array();
	char *rv = NULL, *cont = NULL;
	int rc;
	do {
		char *next = NULL;
		rc = list_page(k, collection_path, label_selector, cont, all, &rv, &next);
		free(cont);
		cont = next;
	} while (rc == 0 && cont);
	free(cont);
	if (rc != 0) {
		json_decref(all);
		free(rv);
		*items = NULL;
		if (resource_version)
			*resource_version = NULL;
		return rc;
	}
	*items = all;
	if (resource_version)
		*resource_version = rv;
	else
		free(rv);
	return 0;
}

/* --- watches ----------------------------------------------------------------------------------- */

static void watch_end(struct watch *w, int rc)
{
	w->ended = 1;
	w->rc = rc;
}

static void watch_event(struct watch *w, const char *text, size_t len)
{
	json_error_t je;
	json_t *ev = json_loadb(text, len, 0, &je);
	const char *type = jstr(ev, "type");
	json_t *obj = json_object_get(ev, "object");
	if (!type || !json_is_object(obj)) {
		watch_end(w, drill_err(DRILL_EFAIL, "watch %s: an event is not {type, object}%s%s",
				       w->path, ev ? "" : ": ", ev ? "" : je.text));
	} else if (!strcmp(type, "ERROR")) {
		json_int_t code = json_integer_value(json_object_get(obj, "code"));
		const char *reason = jstr(obj, "reason"), *msg = jstr(obj, "message");
		w->gone = code == 410;
		watch_end(w, drill_err(DRILL_EFAIL, "watch %s: ERROR event: %" JSON_INTEGER_FORMAT
						    " %s: %s",
				       w->path, code, reason ? reason : "", msg ? msg : "(no message)"));
	} else {
		const char *rv = meta_str(obj, "resourceVersion");
		if (rv) {
			free(w->rv);
			w->rv = drill_xstrdup(rv);
		}
		w->events++;
		int r = w->fn(type, obj, w->arg);
		if (r != 0)
			watch_end(w, r > 0 ? 0 : r);
	}
	json_decref(ev);
}

/* Cut the stream into lines; each complete line is one event. */
static void watch_feed(struct watch *w, const char *p, size_t n)
{
	while (n && !w->ended) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) : n;
		if (drill_buf_append(&w->line, p, take) != 0) {
			watch_end(w, drill_err(DRILL_EFAIL, "watch %s: an event is larger than %zu MiB",
					       w->path, MAX_EVENT >> 20));
			return;
		}
		p += take + (nl != NULL);
		n -= take + (nl != NULL);
		if (!nl)
			return;
		if (w->line.len)
			watch_event(w, (const char *)w->line.data, w->line.len);
		w->line.len = 0;
	}
}

/* One watch request until the server ends it (0), fn ends it (its rc), or an error. *ended
 * tells the first case from the others. */
static int watch_stream(struct drill_k8s *k, struct watch *w, const char *collection_path,
			const char *selector, long left_ms)
{
	char tos[32];
	snprintf(tos, sizeof(tos), "%ld", (left_ms + 999) / 1000);
	char *path = with_query(collection_path, "watch=1&allowWatchBookmarks=true");
	path = add_param(path, "timeoutSeconds", tos);
	path = add_param(path, "labelSelector", selector);
	path = add_param(path, "resourceVersion", w->rv);
	w->path = collection_path;
	w->http_ok = -1;
	w->events = 0;
	w->line.len = 0;
	struct call c;
	long status = 0;
	int rc = call_init(&c, k, "GET", path, NULL, NULL, left_ms);
	if (rc == 0) {
		c.w = w;
		rc = perform(k, &c, "GET", path, left_ms, &status);
	}
	if (!w->ended && rc == DRILL_ETIMEOUT)
		rc = drill_err(DRILL_ETIMEOUT, "watch %s: timed out after %g s", collection_path,
			       left_ms / 1000.0);
	if (!w->ended && status == 410)
		w->gone = 1;
	if (rc != 0 && !w->ended)
		watch_end(w, rc);
	call_free(&c);
	free(path);
	return w->ended ? w->rc : 0;
}

static long ms_left(uint64_t deadline)
{
	uint64_t now = drill_now_ms();
	return now >= deadline ? 0 : (long)(deadline - now);
}

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* drill_k8s_watch, telling the caller when the resourceVersion expired (410 Gone). */
static int watch_run(struct drill_k8s *k, const char *collection_path, const char *selector,
		     const char *resource_version, long timeout_ms, drill_k8s_event_fn fn,
		     void *arg, int *gone)
{
	struct watch w = {.fn = fn, .arg = arg};
	drill_buf_init(&w.line, MAX_EVENT);
	w.rv = resource_version ? drill_xstrdup(resource_version) : NULL;
	uint64_t deadline = drill_now_ms() + (uint64_t)timeout_ms;
	int rc = 0;
	while (!w.ended) {
		long left = ms_left(deadline);
		if (left <= 0) {
			rc = drill_err(DRILL_ETIMEOUT, "watch %s: timed out after %g s",
				       collection_path, timeout_ms / 1000.0);
			break;
		}
		rc = watch_stream(k, &w, collection_path, selector, left);
		/* The server ended the stream: resume from the last version seen. An empty stream
		 * is resumed after a pause, so a server that closes at once is not hammered. */
		if (!w.ended && !w.events)
			nap_ms(left < 200 ? left : 200);
	}
	if (gone)
		*gone = w.gone;
	drill_buf_free(&w.line);
	free(w.rv);
	return rc;
}

int drill_k8s_watch(struct drill_k8s *k, const char *collection_path, const char *label_selector,
		    const char *resource_version, long timeout_ms, drill_k8s_event_fn fn,
		    void *arg)
{
	return watch_run(k, collection_path, label_selector, resource_version, timeout_ms, fn, arg,
			 NULL);
}

/* --- waits ------------------------------------------------------------------------------------- */

struct waiting {
	json_t *items;
	drill_k8s_pred_fn pred;
	void *arg;
	char detail[512];
};

static int same_object(const json_t *a, const json_t *b)
{
	const char *na = meta_str(a, "name"), *nb = meta_str(b, "name");
	const char *sa = meta_str(a, "namespace"), *sb = meta_str(b, "namespace");
	return na && nb && !strcmp(na, nb) && (!sa || !sb || !strcmp(sa, sb));
}

/* Apply one event to the listed objects and ask the predicate again. */
static int on_wait_event(const char *type, json_t *object, void *arg)
{
	struct waiting *wt = arg;
	if (!strcmp(type, "BOOKMARK"))
		return 0;
	size_t i, n = json_array_size(wt->items);
	for (i = 0; i < n; i++)
		if (same_object(json_array_get(wt->items, i), object))
			break;
	if (!strcmp(type, "DELETED")) {
		if (i < n)
			json_array_remove(wt->items, i);
	} else if (i < n) {
		json_array_set(wt->items, i, object);
	} else {
		json_array_append(wt->items, object);
	}
	return wt->pred(wt->items, wt->arg, wt->detail, sizeof(wt->detail));
}

int drill_k8s_wait(struct drill_k8s *k, const char *collection_path, const char *label_selector,
		   long timeout_ms, const char *what, drill_k8s_pred_fn pred, void *arg)
{
	struct waiting wt = {.pred = pred, .arg = arg};
	uint64_t deadline = drill_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		char *rv = NULL;
		int rc = drill_k8s_list(k, collection_path, label_selector, &wt.items, &rv);
		if (rc != 0)
			return drill_err_wrap(rc, "waiting for %s", what);
		rc = pred(wt.items, arg, wt.detail, sizeof(wt.detail));
		int gone = 0;
		if (rc == 0) {
			long left = ms_left(deadline);
			rc = left > 0 ? watch_run(k, collection_path, label_selector, rv, left,
						  on_wait_event, &wt, &gone)
				      : DRILL_ETIMEOUT;
		} else if (rc > 0) {
			rc = 0;
		}
		json_decref(wt.items);
		free(rv);
		if (rc == DRILL_EFAIL && gone && ms_left(deadline) > 0)
			continue; /* the list's version expired: list again */
		if (rc == DRILL_ETIMEOUT)
			return drill_err(DRILL_ETIMEOUT,
					 "timed out after %g s waiting for %s; last seen: %s",
					 timeout_ms / 1000.0, what,
					 wt.detail[0] ? wt.detail : "nothing");
		return rc;
	}
}

/* --- common waits ------------------------------------------------------------------------------ */

static int pod_ready(const json_t *pod)
{
	json_t *conds = json_object_get(json_object_get(pod, "status"), "conditions");
	size_t i;
	json_t *c;
	json_array_foreach(conds, i, c)
		if (!strcmp(jstr(c, "type") ? jstr(c, "type") : "", "Ready"))
			return !strcmp(jstr(c, "status") ? jstr(c, "status") : "", "True");
	return 0;
}

static int pods_ready_pred(json_t *items, void *arg, char *detail, size_t len)
{
	int want = *(const int *)arg, ready = 0, terminating = 0;
	const char *waiting = NULL, *phase = NULL;
	size_t i;
	json_t *pod;
	json_array_foreach(items, i, pod) {
		if (json_object_get(json_object_get(pod, "metadata"), "deletionTimestamp")) {
			terminating++;
		} else if (pod_ready(pod)) {
			ready++;
		} else if (!waiting) {
			waiting = meta_str(pod, "name");
			phase = jstr(json_object_get(pod, "status"), "phase");
		}
	}
	size_t n = json_array_size(items);
	int o = snprintf(detail, len, "%zu pods, %d ready, %d terminating", n, ready, terminating);
	if (waiting && o > 0 && (size_t)o < len)
		snprintf(detail + o, len - (size_t)o, "; %s is %s", waiting,
			 phase ? phase : "not ready");
	if (want == 0)
		return n == 0;
	return (int)n == want && ready == want && terminating == 0;
}

int drill_k8s_wait_pods_ready(struct drill_k8s *k, const char *ns, const char *label_selector,
			      int count, long timeout_ms)
{
	char *coll = drill_k8s_path("/api/v1/namespaces/%s/pods", ns);
	char *what = count ? drill_xasprintf("%d ready pods in %s matching %s", count, ns,
					     label_selector ? label_selector : "(all)")
			   : drill_xasprintf("no pods in %s matching %s", ns,
					     label_selector ? label_selector : "(all)");
	int rc = drill_k8s_wait(k, coll, label_selector, timeout_ms, what, pods_ready_pred, &count);
	free(what);
	free(coll);
	return rc;
}

struct one_object {
	const char *kind, *ns, *name;
	char *volume; /* PVC: spec.volumeName once Bound */
};

static const json_t *the_object(json_t *items, const struct one_object *o, char *detail,
				size_t len)
{
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		const char *name = meta_str(it, "name");
		if (name && !strcmp(name, o->name))
			return it;
	}
	snprintf(detail, len, "no %s %s/%s", o->kind, o->ns, o->name);
	return NULL;
}

static int pvc_bound_pred(json_t *items, void *arg, char *detail, size_t len)
{
	struct one_object *o = arg;
	const json_t *pvc = the_object(items, o, detail, len);
	if (!pvc)
		return 0;
	const char *phase = jstr(json_object_get(pvc, "status"), "phase");
	snprintf(detail, len, "%s %s/%s is %s", o->kind, o->ns, o->name, phase ? phase : "Pending");
	if (!phase || strcmp(phase, "Bound"))
		return 0;
	const char *vol = jstr(json_object_get(pvc, "spec"), "volumeName");
	o->volume = vol ? drill_xstrdup(vol) : NULL;
	return 1;
}

static int wait_one(struct drill_k8s *k, const char *coll, struct one_object *o,
		    long timeout_ms, const char *state, drill_k8s_pred_fn pred)
{
	char *name = escape(o->name);
	char *path = drill_xasprintf("%s?fieldSelector=metadata.name%%3D%s", coll, name);
	char *what = drill_xasprintf("%s %s/%s to be %s", o->kind, o->ns, o->name, state);
	int rc = drill_k8s_wait(k, path, NULL, timeout_ms, what, pred, o);
	free(what);
	free(path);
	free(name);
	return rc;
}

int drill_k8s_wait_pvc_bound(struct drill_k8s *k, const char *ns, const char *claim,
			     long timeout_ms, char **volume_name)
{
	struct one_object o = {"PersistentVolumeClaim", ns, claim, NULL};
	char *coll = drill_k8s_path("/api/v1/namespaces/%s/persistentvolumeclaims", ns);
	int rc = wait_one(k, coll, &o, timeout_ms, "Bound", pvc_bound_pred);
	free(coll);
	if (rc == 0 && volume_name)
		*volume_name = o.volume;
	else
		free(o.volume);
	return rc;
}

static int snapshot_ready_pred(json_t *items, void *arg, char *detail, size_t len)
{
	struct one_object *o = arg;
	const json_t *snap = the_object(items, o, detail, len);
	if (!snap)
		return 0;
	json_t *st = json_object_get(snap, "status");
	const char *err = jstr(json_object_get(st, "error"), "message");
	if (err)
		return drill_err(DRILL_EFAIL, "VolumeSnapshot %s/%s failed: %s", o->ns, o->name,
				 err);
	snprintf(detail, len, "VolumeSnapshot %s/%s is not readyToUse", o->ns, o->name);
	return json_is_true(json_object_get(st, "readyToUse"));
}

int drill_k8s_wait_snapshot_ready(struct drill_k8s *k, const char *ns, const char *name,
				  long timeout_ms)
{
	struct one_object o = {"VolumeSnapshot", ns, name, NULL};
	char *coll = drill_k8s_path("/apis/snapshot.storage.k8s.io/v1/namespaces/%s/volumesnapshots",
				    ns);
	int rc = wait_one(k, coll, &o, timeout_ms, "readyToUse", snapshot_ready_pred);
	free(coll);
	return rc;
}

/* --- paths ------------------------------------------------------------------------------------- */

/* Characters a URL may not carry as they are; names are DNS labels, but a selector or a user's
 * typo must not break the request line. '%' stays: callers may pass escapes already made. */
static int needs_escape(unsigned char c)
{
	return c <= 0x20 || c >= 0x7f || strchr("\"#<>\\^`{|}", c) != NULL;
}

char *drill_k8s_path(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *raw = NULL;
	if (vasprintf(&raw, fmt, ap) < 0)
		abort();
	va_end(ap);
	size_t n = 0;
	for (const char *p = raw; *p; p++)
		n += needs_escape((unsigned char)*p) ? 3 : 1;
	char *out = drill_xmalloc(n + 1), *o = out;
	for (const char *p = raw; *p; p++) {
		if (needs_escape((unsigned char)*p))
			o += sprintf(o, "%%%02X", (unsigned char)*p);
		else
			*o++ = *p;
	}
	*o = '\0';
	free(raw);
	return out;
}
