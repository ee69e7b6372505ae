/* tests/k8sfake.c — the fake Kubernetes API server of k8sfake.h, on libmicrohttpd.
 *
 * One thread per connection, so a watch that sends its events slowly or a stalled answer blocks
 * only its own connection. Every sleep is in short steps that watch the `stopping` flag, so
 * k8sfake_stop ends at once even while a client still holds a watch open. */
#include "k8sfake.h"
#include "helpers.h"

#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"

#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_ROUTES 64
#define MAX_REPLIES 16
#define MAX_REQUESTS 512
#define MAX_PARAMS 8

enum reply_kind { R_BODY, R_STREAM, R_STALL };

struct reply {
	enum reply_kind kind;
	int status;
	char *body;      /* R_BODY: the body; R_STREAM: the lines */
	long delay_ms;   /* R_STREAM: between events; R_STALL: how long */
	long hold_ms;    /* R_STREAM: open after the last event */
};

struct route {
	char *method, *spec, *path;
	char *keys[MAX_PARAMS], *values[MAX_PARAMS];
	size_t n_params;
	struct reply replies[MAX_REPLIES];
	size_t n_replies, next;
};

struct k8sfake {
	struct MHD_Daemon *mhd;
	char url[64];
	int tls;
	char *tls_key, *tls_cert, *tls_ca;
	atomic_int stopping;
	pthread_mutex_t mu;
	struct route routes[MAX_ROUTES];
	size_t n_routes;
	struct k8sfake_req *reqs[MAX_REQUESTS];
	size_t n_reqs;
};

/* A request while its body arrives. */
struct pending {
	struct drill_buf body;
};

/* A watch stream being sent. */
struct stream {
	struct k8sfake *f;
	char *lines;  /* owned copy; cut at '\n' as it is sent */
	char *at;
	long delay_ms, hold_ms;
	int sent;
};

/* Sleep up to ms in 10 ms steps; 0, or -1 when the server is stopping. */
static int nap(struct k8sfake *f, long ms)
{
	for (long done = 0; done < ms; done += 10) {
		if (atomic_load(&f->stopping))
			return -1;
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	return atomic_load(&f->stopping) ? -1 : 0;
}

char *k8sfake_fixture(const char *name)
{
	const char *src = getenv("CHAINDRILL_SOURCE");
	if (!src)
		fail_msg("CHAINDRILL_SOURCE is not set (run the test through ctest)");
	return drill_xasprintf("%s/fixtures/k8s/%s", src, name);
}

static char *read_fixture(const char *name)
{
	char *path = k8sfake_fixture(name), *text = NULL;
	size_t len;
	if (drill_fs_read_file(&text, &len, path, (size_t)16 << 20) != 0)
		fail_msg("fixture: %s", drill_err_last());
	free(path);
	return text;
}

/* --- routes ------------------------------------------------------------------------------------- */

/* The route for METHOD SPEC, made on first use. SPEC is test-written: "path?k=v&k2=v2". */
static struct route *route_get(struct k8sfake *f, const char *method, const char *spec)
{
	for (size_t i = 0; i < f->n_routes; i++)
		if (!strcmp(f->routes[i].method, method) && !strcmp(f->routes[i].spec, spec))
			return &f->routes[i];
	assert_true(f->n_routes < MAX_ROUTES);
	struct route *r = &f->routes[f->n_routes++];
	memset(r, 0, sizeof(*r));
	r->method = drill_xstrdup(method);
	r->spec = drill_xstrdup(spec);
	const char *q = strchr(spec, '?');
	r->path = drill_xasprintf("%.*s", (int)(q ? q - spec : (long)strlen(spec)), spec);
	if (!q)
		return r;
	char *kv = drill_xstrdup(q + 1), *save = NULL;
	for (char *tok = strtok_r(kv, "&", &save); tok; tok = strtok_r(NULL, "&", &save)) {
		assert_true(r->n_params < MAX_PARAMS);
		char *eq = strchr(tok, '=');
		if (eq)
			*eq = '\0';
		r->keys[r->n_params] = drill_xstrdup(tok);
		r->values[r->n_params++] = eq ? drill_xstrdup(eq + 1) : NULL;
	}
	free(kv);
	return r;
}

static void add_reply(struct k8sfake *f, const char *method, const char *route, struct reply rp)
{
	pthread_mutex_lock(&f->mu);
	struct route *r = route_get(f, method, route);
	assert_true(r->n_replies < MAX_REPLIES);
	r->replies[r->n_replies++] = rp;
	pthread_mutex_unlock(&f->mu);
}

void k8sfake_reply_text(struct k8sfake *f, const char *method, const char *route, int status,
			const char *body)
{
	add_reply(f, method, route, (struct reply){R_BODY, status, drill_xstrdup(body), 0, 0});
}

void k8sfake_reply(struct k8sfake *f, const char *method, const char *route, int status,
		   const char *fixture)
{
	add_reply(f, method, route, (struct reply){R_BODY, status, read_fixture(fixture), 0, 0});
}

void k8sfake_reply_stream(struct k8sfake *f, const char *route, const char *fixture,
			  long delay_ms, long hold_ms)
{
	add_reply(f, "GET", route,
		  (struct reply){R_STREAM, 200, read_fixture(fixture), delay_ms, hold_ms});
}

void k8sfake_reply_stall(struct k8sfake *f, const char *method, const char *route,
			 long stall_ms)
{
	add_reply(f, method, route, (struct reply){R_STALL, 504, NULL, stall_ms, 0});
}

static int route_matches(const struct route *r, struct MHD_Connection *c, const char *method,
			 const char *url)
{
	if (strcmp(r->method, method) || strcmp(r->path, url))
		return 0;
	for (size_t i = 0; i < r->n_params; i++) {
		const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, r->keys[i]);
		if (!v || (r->values[i] && strcmp(v, r->values[i])))
			return 0;
	}
	return 1;
}

/* The reply for this request (a copy of the route's next one), or NULL: 404. */
static int pick_reply(struct k8sfake *f, struct MHD_Connection *c, const char *method,
		      const char *url, struct reply *out)
{
	struct route *best = NULL;
	pthread_mutex_lock(&f->mu);
	for (size_t i = 0; i < f->n_routes; i++) {
		struct route *r = &f->routes[i];
		if (r->n_replies && route_matches(r, c, method, url) &&
		    (!best || r->n_params > best->n_params))
			best = r;
	}
	if (best) {
		size_t i = best->next < best->n_replies ? best->next : best->n_replies - 1;
		best->next++;
		*out = best->replies[i];
		out->body = out->body ? drill_xstrdup(out->body) : NULL;
	}
	pthread_mutex_unlock(&f->mu);
	return best != NULL;
}

/* --- requests ----------------------------------------------------------------------------------- */

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *value)
{
	struct drill_buf *b = cls;
	if (b->len)
		drill_buf_append(b, "&", 1);
	drill_buf_append(b, key, strlen(key));
	if (value) {
		drill_buf_append(b, "=", 1);
		drill_buf_append(b, value, strlen(value));
	}
	return MHD_YES;
}

static char *dup_or_null(const char *s)
{
	return s ? drill_xstrdup(s) : NULL;
}

/* TLS mode: did the client present a certificate that verifies against the test CA? */
static int client_cert_ok(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!ci || !ci->tls_session)
		return 0;
	gnutls_session_t s = (gnutls_session_t)ci->tls_session;
	unsigned int n = 0, status = 0;
	if (!gnutls_certificate_get_peers(s, &n) || n == 0)
		return 0;
	return gnutls_certificate_verify_peers2(s, &status) == 0 && status == 0;
}

static void record(struct k8sfake *f, struct MHD_Connection *c, const char *method,
		   const char *url, struct drill_buf *body)
{
	struct k8sfake_req *r = drill_xcalloc(1, sizeof(*r));
	struct drill_buf q;
	drill_buf_init(&q, 1 << 20);
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg, &q);
	r->method = drill_xstrdup(method);
	r->path = drill_xstrdup(url);
	r->query = drill_xasprintf("%.*s", (int)q.len, q.len ? (const char *)q.data : "");
	drill_buf_free(&q);
	r->authorization = dup_or_null(
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION));
	r->content_type = dup_or_null(
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE));
	r->body = drill_xasprintf("%.*s", (int)body->len, body->len ? (const char *)body->data : "");
	r->client_cert = f->tls && client_cert_ok(c);
	pthread_mutex_lock(&f->mu);
	if (f->n_reqs < MAX_REQUESTS)
		f->reqs[f->n_reqs++] = r;
	else
		r = NULL;
	pthread_mutex_unlock(&f->mu);
	if (!r)
		fail_msg("k8sfake: more than %d requests", MAX_REQUESTS);
}

/* --- responses ---------------------------------------------------------------------------------- */

static enum MHD_Result send_json(struct MHD_Connection *c, int status, const char *body)
{
	struct MHD_Response *rsp =
		MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(rsp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, rsp);
	MHD_destroy_response(rsp);
	return ret;
}

static enum MHD_Result send_status(struct MHD_Connection *c, int status, const char *reason,
				   const char *message)
{
	char *body = drill_xasprintf("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
				     "\"status\":\"Failure\",\"message\":\"%s\",\"reason\":\"%s\","
				     "\"code\":%d}\n",
				     message, reason, status);
	enum MHD_Result ret = send_json(c, status, body);
	free(body);
	return ret;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	(void)pos;
	if (!*s->at) /* every event sent: hold the watch open, then end it */
		return nap(s->f, s->hold_ms) == 0 ? MHD_CONTENT_READER_END_OF_STREAM
						  : MHD_CONTENT_READER_END_WITH_ERROR;
	if (s->sent++ && nap(s->f, s->delay_ms) != 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	char *nl = strchr(s->at, '\n');
	size_t n = nl ? (size_t)(nl - s->at) + 1 : strlen(s->at);
	if (n > max)
		n = max; /* a line longer than a block goes out in pieces */
	memcpy(buf, s->at, n);
	s->at += n;
	return (ssize_t)n;
}

static void stream_free(void *cls)
{
	struct stream *s = cls;
	free(s->lines);
	free(s);
}

static enum MHD_Result send_stream(struct k8sfake *f, struct MHD_Connection *c,
				   struct reply *rp)
{
	struct stream *s = drill_xcalloc(1, sizeof(*s));
	s->f = f;
	s->lines = rp->body;
	s->at = s->lines;
	s->delay_ms = rp->delay_ms;
	s->hold_ms = rp->hold_ms;
	rp->body = NULL;
	struct MHD_Response *rsp =
		MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_read, s,
						  stream_free);
	MHD_add_response_header(rsp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	enum MHD_Result ret = MHD_queue_response(c, 200, rsp);
	MHD_destroy_response(rsp);
	return ret;
}

static enum MHD_Result answer(struct k8sfake *f, struct MHD_Connection *c, const char *method,
			      const char *url)
{
	struct reply rp;
	if (!pick_reply(f, c, method, url, &rp))
		return send_status(c, 404, "NotFound", "the fake API server has no route for this");
	enum MHD_Result ret;
	switch (rp.kind) {
	case R_STREAM:
		return send_stream(f, c, &rp);
	case R_STALL:
		if (nap(f, rp.delay_ms) != 0)
			return MHD_NO;
		ret = send_status(c, 504, "Timeout", "stalled");
		break;
	default:
		ret = send_json(c, rp.status, rp.body);
	}
	free(rp.body);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct k8sfake *f = cls;
	struct pending *p = *con_cls;
	(void)version;
	if (!p) {
		p = drill_xcalloc(1, sizeof(*p));
		drill_buf_init(&p->body, 16 << 20);
		*con_cls = p;
		return MHD_YES;
	}
	if (*upload_size) {
		drill_buf_append(&p->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	record(f, c, method, url, &p->body);
	if (f->tls && !client_cert_ok(c))
		return send_status(c, 401, "Unauthorized", "Unauthorized");
	return answer(f, c, method, url);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct pending *p = *con_cls;
	(void)cls;
	(void)c;
	(void)toe;
	if (p) {
		drill_buf_free(&p->body);
		free(p);
		*con_cls = NULL;
	}
}

/* --- start and stop ----------------------------------------------------------------------------- */

struct k8sfake *k8sfake_start(int tls)
{
	struct k8sfake *f = drill_xcalloc(1, sizeof(*f));
	pthread_mutex_init(&f->mu, NULL);
	f->tls = tls;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	unsigned int flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD;
	if (tls) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
			fail_msg("libmicrohttpd was built without TLS");
		f->tls_key = read_fixture("tls/server.key");
		f->tls_cert = read_fixture("tls/server.crt");
		f->tls_ca = read_fixture("tls/ca.crt");
		f->mhd = MHD_start_daemon(flags | MHD_USE_TLS, 0, NULL, NULL, on_request, f,
					  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
					  MHD_OPTION_HTTPS_MEM_KEY, f->tls_key,
					  MHD_OPTION_HTTPS_MEM_CERT, f->tls_cert,
					  MHD_OPTION_HTTPS_MEM_TRUST, f->tls_ca,
					  MHD_OPTION_NOTIFY_COMPLETED, on_completed, f,
					  MHD_OPTION_END);
	} else {
		f->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, f,
					  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
					  MHD_OPTION_NOTIFY_COMPLETED, on_completed, f,
					  MHD_OPTION_END);
	}
	if (!f->mhd)
		fail_msg("k8sfake: cannot start the server on 127.0.0.1");
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(f->mhd, MHD_DAEMON_INFO_BIND_PORT);
	if (!info || !info->port)
		fail_msg("k8sfake: no port");
	snprintf(f->url, sizeof(f->url), "%s://127.0.0.1:%u", tls ? "https" : "http",
		 (unsigned)info->port);
	return f;
}

const char *k8sfake_url(const struct k8sfake *f)
{
	return f->url;
}

size_t k8sfake_count(struct k8sfake *f)
{
	pthread_mutex_lock(&f->mu);
	size_t n = f->n_reqs;
	pthread_mutex_unlock(&f->mu);
	return n;
}

const struct k8sfake_req *k8sfake_request(struct k8sfake *f, size_t i)
{
	pthread_mutex_lock(&f->mu);
	const struct k8sfake_req *r = i < f->n_reqs ? f->reqs[i] : NULL;
	pthread_mutex_unlock(&f->mu);
	if (!r)
		fail_msg("k8sfake: no request %zu (%zu received)", i, k8sfake_count(f));
	return r;
}

char *k8sfake_kubeconfig(struct k8sfake *f, const char *dir, const char *cluster_extra,
			 const char *user)
{
	char *path = drill_xasprintf("%s/kubeconfig", dir);
	char *text = drill_xasprintf("apiVersion: v1\nkind: Config\ncurrent-context: fake\n"
				     "clusters:\n- name: fake\n  cluster: {server: \"%s\"%s}\n"
				     "contexts:\n- name: fake\n"
				     "  context: {cluster: fake, user: fake, namespace: drill}\n"
				     "users:\n- name: fake\n  user: %s\n",
				     f->url, cluster_extra ? cluster_extra : "",
				     user ? user : "{}");
	if (drill_fs_write_atomic(path, text, strlen(text)) != 0)
		fail_msg("%s", drill_err_last());
	free(text);
	return path;
}

static void route_free(struct route *r)
{
	free(r->method);
	free(r->spec);
	free(r->path);
	for (size_t i = 0; i < r->n_params; i++) {
		free(r->keys[i]);
		free(r->values[i]);
	}
	for (size_t i = 0; i < r->n_replies; i++)
		free(r->replies[i].body);
}

static void req_free(struct k8sfake_req *r)
{
	free(r->method);
	free(r->path);
	free(r->query);
	free(r->authorization);
	free(r->content_type);
	free(r->body);
	free(r);
}

void k8sfake_stop(struct k8sfake *f)
{
	if (!f)
		return;
	atomic_store(&f->stopping, 1);
	MHD_stop_daemon(f->mhd);
	for (size_t i = 0; i < f->n_routes; i++)
		route_free(&f->routes[i]);
	for (size_t i = 0; i < f->n_reqs; i++)
		req_free(f->reqs[i]);
	free(f->tls_key);
	free(f->tls_cert);
	free(f->tls_ca);
	pthread_mutex_destroy(&f->mu);
	free(f);
}
