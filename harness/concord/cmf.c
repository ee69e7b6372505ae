/* concord/cmf.c — the CMF reader (bounded, refusing with a reason) and writer. */
#include "concord/cmf.h"

#include "util/bytes.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

void drill_cmf_reader_init(struct drill_cmf_reader *r, const void *data, size_t len)
{
	r->base = r->p = data;
	r->end = r->base + len;
	r->failed = 0;
}

size_t drill_cmf_offset(const struct drill_cmf_reader *r)
{
	return (size_t)(r->p - r->base);
}

size_t drill_cmf_left(const struct drill_cmf_reader *r)
{
	return (size_t)(r->end - r->p);
}

static int refuse(struct drill_cmf_reader *r, const char *what, const char *why, size_t need)
{
	if (!r->failed)
		drill_err(DRILL_ECORRUPT, "%s at byte %zu: %s (%zu bytes needed, %zu left)", what,
			  drill_cmf_offset(r), why, need, drill_cmf_left(r));
	r->failed = DRILL_ECORRUPT;
	return DRILL_ECORRUPT;
}

/* n bytes available? (also fails once anything has failed) */
static int need(struct drill_cmf_reader *r, size_t n, const char *what)
{
	if (r->failed)
		return r->failed;
	if (drill_cmf_left(r) < n)
		return refuse(r, what, "truncated", n);
	return 0;
}

int drill_cmf_u8(struct drill_cmf_reader *r, uint8_t *v, const char *what)
{
	*v = 0;
	if (need(r, 1, what))
		return r->failed;
	*v = *r->p++;
	return 0;
}

int drill_cmf_u32(struct drill_cmf_reader *r, uint32_t *v, const char *what)
{
	*v = 0;
	if (need(r, 4, what))
		return r->failed;
	*v = drill_get_be32(r->p);
	r->p += 4;
	return 0;
}

int drill_cmf_u64(struct drill_cmf_reader *r, uint64_t *v, const char *what)
{
	*v = 0;
	if (need(r, 8, what))
		return r->failed;
	*v = drill_get_be64(r->p);
	r->p += 8;
	return 0;
}

int drill_cmf_bool(struct drill_cmf_reader *r, int *v, const char *what)
{
	*v = 0;
	if (need(r, 1, what))
		return r->failed;
	if (*r->p > 1) {
		if (!r->failed)
			drill_err(DRILL_ECORRUPT, "%s at byte %zu: bool is %u, not 0 or 1", what,
				  drill_cmf_offset(r), *r->p);
		r->failed = DRILL_ECORRUPT;
		return r->failed;
	}
	*v = *r->p++;
	return 0;
}

int drill_cmf_string(struct drill_cmf_reader *r, struct drill_cmf_span *s, const char *what)
{
	s->p = NULL;
	s->len = 0;
	uint32_t len;
	if (drill_cmf_u32(r, &len, what))
		return r->failed;
	if (drill_cmf_left(r) < len) {
		r->p -= 4; /* the offset names the length field */
		return refuse(r, what, "length runs past the end", (size_t)len + 4);
	}
	s->p = r->p;
	s->len = len;
	r->p += len;
	return 0;
}

int drill_cmf_fixed(struct drill_cmf_reader *r, const uint8_t **p, size_t n, const char *what)
{
	*p = NULL;
	if (need(r, n, what))
		return r->failed;
	*p = r->p;
	r->p += n;
	return 0;
}

int drill_cmf_count(struct drill_cmf_reader *r, uint32_t *n, size_t min_elem, const char *what)
{
	if (drill_cmf_u32(r, n, what))
		return r->failed;
	if (min_elem && *n > drill_cmf_left(r) / min_elem) {
		r->p -= 4;
		uint32_t count = *n;
		*n = 0;
		if (!r->failed)
			drill_err(DRILL_ECORRUPT, "%s at byte %zu: count %u cannot fit in the %zu bytes "
				  "left (at least %zu bytes each)", what, drill_cmf_offset(r), count,
				  drill_cmf_left(r) - 4, min_elem);
		r->failed = DRILL_ECORRUPT;
		return r->failed;
	}
	return 0;
}

int drill_cmf_span_cmp(const struct drill_cmf_span *a, const struct drill_cmf_span *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = n ? memcmp(a->p, b->p, n) : 0;
	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

int drill_cmf_key_order(struct drill_cmf_reader *r, const struct drill_cmf_span *prev,
			const struct drill_cmf_span *key, const char *what)
{
	if (r->failed)
		return r->failed;
	if (prev && drill_cmf_span_cmp(prev, key) >= 0) {
		drill_err(DRILL_ECORRUPT, "%s before byte %zu: map key %s the one before it (CMF "
			  "maps are sorted, each key once)", what, drill_cmf_offset(r),
			  drill_cmf_span_cmp(prev, key) ? "sorts before" : "repeats");
		r->failed = DRILL_ECORRUPT;
	}
	return r->failed;
}

int drill_cmf_end(struct drill_cmf_reader *r, const char *what)
{
	if (r->failed)
		return r->failed;
	if (r->p != r->end) {
		drill_err(DRILL_ECORRUPT, "%s: %zu trailing bytes after the message (at byte %zu)",
			  what, drill_cmf_left(r), drill_cmf_offset(r));
		r->failed = DRILL_ECORRUPT;
	}
	return r->failed;
}

/* --- Writer ---------------------------------------------------------------------------------- */

void drill_cmf_writer_reset(struct drill_cmf_writer *w)
{
	w->len = 0;
}

void drill_cmf_writer_free(struct drill_cmf_writer *w)
{
	if (!w)
		return;
	free(w->data);
	w->data = NULL;
	w->len = w->cap = 0;
}

uint8_t *drill_cmf_reserve(struct drill_cmf_writer *w, size_t n)
{
	if (w->cap - w->len < n) {
		size_t cap = w->cap ? w->cap : 1024;
		while (cap - w->len < n)
			cap *= 2;
		w->data = drill_xrealloc(w->data, cap);
		w->cap = cap;
	}
	return w->data + w->len;
}

void drill_cmf_put_raw(struct drill_cmf_writer *w, const void *p, size_t len)
{
	if (!len)
		return;
	memcpy(drill_cmf_reserve(w, len), p, len);
	w->len += len;
}

void drill_cmf_put_u8(struct drill_cmf_writer *w, uint8_t v)
{
	*drill_cmf_reserve(w, 1) = v;
	w->len++;
}

void drill_cmf_put_u32(struct drill_cmf_writer *w, uint32_t v)
{
	drill_put_be32(drill_cmf_reserve(w, 4), v);
	w->len += 4;
}

void drill_cmf_put_u64(struct drill_cmf_writer *w, uint64_t v)
{
	drill_put_be64(drill_cmf_reserve(w, 8), v);
	w->len += 8;
}

void drill_cmf_put_bool(struct drill_cmf_writer *w, int v)
{
	drill_cmf_put_u8(w, v ? 1 : 0);
}

void drill_cmf_put_string(struct drill_cmf_writer *w, const void *p, uint32_t len)
{
	drill_cmf_put_u32(w, len);
	drill_cmf_put_raw(w, p, len);
}
