/* util/http.h — the HTTP client (libcurl) the driver uses to talk to replicas on loopback. */
#ifndef DRILL_UTIL_HTTP_H
#define DRILL_UTIL_HTTP_H

#include <stddef.h>

struct drill_http_resp {
	long status;  /* HTTP status; 0 when no response arrived */
	char *body;   /* NUL-terminated, caller frees with drill_http_resp_free */
	size_t len;
};

/* Call once from main before any thread uses the client (curl_global_init). */
int drill_http_global_init(void);

/* Returns 0 when a response arrived (any status), DRILL_EFAIL with the curl error otherwise. */
int drill_http_get(struct drill_http_resp *out, const char *url, long timeout_ms);
int drill_http_post(struct drill_http_resp *out, const char *url, const void *body, size_t len,
		    const char *content_type, long timeout_ms);

/* POST the same body to n URLs concurrently (curl multi); outs[i] gets URL i's answer. Returns 0 if
 * every transfer completed (statuses may still be errors), else DRILL_EFAIL naming the first URL
 * that failed. */
int drill_http_post_many(struct drill_http_resp *outs, const char *const *urls, size_t n,
			 const void *body, size_t len, const char *content_type, long timeout_ms);

void drill_http_resp_free(struct drill_http_resp *r);

#endif
