/* util/bytes.h — big-endian integers, hex, and small allocation helpers. */
#ifndef DRILL_UTIL_BYTES_H
#define DRILL_UTIL_BYTES_H

#include <stddef.h>
#include <stdint.h>

static inline void drill_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline void drill_put_be64(uint8_t *p, uint64_t v)
{
	drill_put_be32(p, (uint32_t)(v >> 32));
	drill_put_be32(p + 4, (uint32_t)v);
}
static inline uint32_t drill_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t drill_get_be64(const uint8_t *p)
{
	return (uint64_t)drill_get_be32(p) << 32 | drill_get_be32(p + 4);
}

/* Lower-case hex of `len` bytes into `out` (2*len+1 bytes, NUL-terminated). */
void drill_hex(char *out, const uint8_t *in, size_t len);
/* Parse exactly 2*len hex digits; 0 or DRILL_EINPUT. */
int drill_unhex(uint8_t *out, size_t len, const char *hex);

/* malloc/calloc/strdup/asprintf that abort on out-of-memory: a drill cannot go on without memory. */
void *drill_xmalloc(size_t n);
void *drill_xcalloc(size_t n, size_t size);
void *drill_xrealloc(void *p, size_t n);
char *drill_xstrdup(const char *s);
char *drill_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer with a hard cap (bytes); appends beyond the cap fail. */
struct drill_buf {
	uint8_t *data;
	size_t len, cap, limit;
};
void drill_buf_init(struct drill_buf *b, size_t limit);
int drill_buf_append(struct drill_buf *b, const void *p, size_t n); /* 0 or DRILL_EFAIL past limit */
void drill_buf_free(struct drill_buf *b);

/* Monotonic wall clock in milliseconds and seconds (double). */
uint64_t drill_now_ms(void);
double drill_now_s(void);

#endif
