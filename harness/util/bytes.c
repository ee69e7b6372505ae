/* util/bytes.c — hex, checked allocation, growable buffers, clocks. */
#include "util/bytes.h"

#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void drill_hex(char *out, const uint8_t *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

int drill_unhex(uint8_t *out, size_t len, const char *hex)
{
	if (!hex || strlen(hex) != 2 * len)
		return drill_err(DRILL_EINPUT, "expected %zu hex digits", 2 * len);
	for (size_t i = 0; i < len; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return drill_err(DRILL_EINPUT, "bad hex digit in '%s'", hex);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static void *check(void *p)
{
	if (!p) {
		fputs("chaindrill: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *drill_xmalloc(size_t n) { return check(malloc(n ? n : 1)); }
void *drill_xcalloc(size_t n, size_t size) { return check(calloc(n ? n : 1, size ? size : 1)); }
void *drill_xrealloc(void *p, size_t n) { return check(realloc(p, n ? n : 1)); }
char *drill_xstrdup(const char *s) { return check(strdup(s)); }

char *drill_xasprintf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		check(NULL);
	return s;
}

void drill_buf_init(struct drill_buf *b, size_t limit)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->limit = limit;
}

int drill_buf_append(struct drill_buf *b, const void *p, size_t n)
{
	if (n > b->limit - b->len)
		return drill_err(DRILL_EFAIL, "buffer limit of %zu bytes exceeded", b->limit);
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		if (cap > b->limit)
			cap = b->limit;
		b->data = drill_xrealloc(b->data, cap);
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

void drill_buf_free(struct drill_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

uint64_t drill_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

double drill_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
