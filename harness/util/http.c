/* util/http.c — the HTTP client over libcurl (the only file that uses it); loopback only. */
#include "util/http.h"

#include "util/bytes.h"
#include "util/err.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#define HTTP_MAX_BODY ((size_t)512 << 20)
#define HTTP_CONNECT_TIMEOUT_MS 5000L

/* One transfer: its handle, the captured body and the headers it owns. */
struct xfer {
	CURL *h;
	struct drill_buf body;
	struct curl_slist *hdrs;
	int overflow; /* the body passed HTTP_MAX_BODY */
	char errbuf[CURL_ERROR_SIZE];
};

int drill_http_global_init(void)
{
	CURLcode c = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (c != CURLE_OK)
		return drill_err(DRILL_EENV, "curl_global_init: %s", curl_easy_strerror(c));
	return 0;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;
	if (drill_buf_append(&x->body, p, n) != 0) {
		x->overflow = 1;
		return 0; /* past the cap: abort the transfer (CURLE_WRITE_ERROR) */
	}
	return n;
}

static int xfer_init(struct xfer *x, const char *url, const void *body, size_t len,
		     const char *content_type, long timeout_ms)
{
	memset(x, 0, sizeof(*x));
	drill_buf_init(&x->body, HTTP_MAX_BODY);
	x->h = curl_easy_init();
	if (!x->h)
		return drill_err(DRILL_EFAIL, "%s: curl_easy_init failed", url);
	CURL *h = x->h;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	long connect_ms = timeout_ms > 0 && timeout_ms < HTTP_CONNECT_TIMEOUT_MS
				  ? timeout_ms : HTTP_CONNECT_TIMEOUT_MS;
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
	if (body) {
		const char *type = content_type ? content_type : "application/octet-stream";
		char *ct = drill_xasprintf("Content-Type: %s", type);
		x->hdrs = curl_slist_append(x->hdrs, ct);
		free(ct);
		x->hdrs = curl_slist_append(x->hdrs, "Expect:"); /* no 100-continue round trip */
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->hdrs);
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, len ? body : "");
	}
	return 0;
}

/* Move the outcome of a finished transfer into *out; 0, or DRILL_EFAIL with curl's reason. */
static int xfer_finish(struct drill_http_resp *out, struct xfer *x, CURLcode c, const char *url)
{
	int rc = 0;
	memset(out, 0, sizeof(*out));
	if (c != CURLE_OK) {
		if (x->overflow)
			rc = drill_err(DRILL_EFAIL, "%s: response larger than %zu bytes", url,
				       HTTP_MAX_BODY);
		else
			rc = drill_err(DRILL_EFAIL, "%s: %s", url,
				       x->errbuf[0] ? x->errbuf : curl_easy_strerror(c));
		drill_buf_free(&x->body);
		return rc;
	}
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &out->status);
	out->len = x->body.len;
	out->body = drill_xmalloc(x->body.len + 1);
	if (x->body.len)
		memcpy(out->body, x->body.data, x->body.len);
	out->body[x->body.len] = '\0';
	drill_buf_free(&x->body);
	return 0;
}

static void xfer_free(struct xfer *x)
{
	if (x->h)
		curl_easy_cleanup(x->h);
	curl_slist_free_all(x->hdrs);
	drill_buf_free(&x->body);
	x->h = NULL;
	x->hdrs = NULL;
}

static int request(struct drill_http_resp *out, const char *url, const void *body, size_t len,
		   const char *content_type, long timeout_ms)
{
	struct xfer x;
	int rc = xfer_init(&x, url, body, len, content_type, timeout_ms);
	if (rc) {
		memset(out, 0, sizeof(*out));
		goto cleanup;
	}
	rc = xfer_finish(out, &x, curl_easy_perform(x.h), url);
cleanup:
	xfer_free(&x);
	return rc;
}

int drill_http_get(struct drill_http_resp *out, const char *url, long timeout_ms)
{
	return request(out, url, NULL, 0, NULL, timeout_ms);
}

int drill_http_post(struct drill_http_resp *out, const char *url, const void *body, size_t len,
		    const char *content_type, long timeout_ms)
{
	return request(out, url, body ? body : "", len, content_type, timeout_ms);
}

int drill_http_post_many(struct drill_http_resp *outs, const char *const *urls, size_t n,
			 const void *body, size_t len, const char *content_type, long timeout_ms)
{
	struct xfer *xs = drill_xcalloc(n, sizeof(*xs));
	CURLcode *codes = drill_xcalloc(n, sizeof(*codes));
	CURLM *m = curl_multi_init();
	int rc = 0;
	memset(outs, 0, n * sizeof(*outs));
	if (!m) {
		rc = drill_err(DRILL_EFAIL, "curl_multi_init failed");
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		rc = xfer_init(&xs[i], urls[i], body ? body : "", len, content_type, timeout_ms);
		if (rc)
			goto cleanup;
		codes[i] = CURLE_FAILED_INIT;
		curl_easy_setopt(xs[i].h, CURLOPT_PRIVATE, (void *)&xs[i]);
		curl_multi_add_handle(m, xs[i].h);
	}
	for (int running = 1; running;) {
		CURLMcode mc = curl_multi_perform(m, &running);
		if (mc == CURLM_OK && running)
			mc = curl_multi_poll(m, NULL, 0, 1000, NULL);
		if (mc != CURLM_OK) {
			rc = drill_err(DRILL_EFAIL, "curl multi: %s", curl_multi_strerror(mc));
			goto cleanup;
		}
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct xfer *x = NULL;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			codes[x - xs] = msg->data.result;
		}
	}
	/* Backwards, so that the message left is the one of the first URL that failed. */
	for (size_t i = n; i-- > 0;) {
		int r = xfer_finish(&outs[i], &xs[i], codes[i], urls[i]);
		if (r)
			rc = r;
	}
cleanup:
	for (size_t i = 0; i < n; i++) {
		if (m && xs[i].h)
			curl_multi_remove_handle(m, xs[i].h);
		xfer_free(&xs[i]);
	}
	if (m)
		curl_multi_cleanup(m);
	if (rc) /* on failure no answer is handed out half */
		for (size_t i = 0; i < n; i++)
			drill_http_resp_free(&outs[i]);
	free(codes);
	free(xs);
	return rc;
}

void drill_http_resp_free(struct drill_http_resp *r)
{
	if (!r)
		return;
	free(r->body);
	r->body = NULL;
	r->len = 0;
	r->status = 0;
}
