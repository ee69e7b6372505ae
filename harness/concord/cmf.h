/* concord/cmf.h — the Concord Message Format (CMF) wire encoding: a bounded reader and a writer.
 *
 * CMF (concord-bft's messages/) is a canonical binary encoding without field tags: integers
 * big-endian of their fixed width, bool one byte (0 or 1, anything else refused), string and bytes
 * a u32 length then the bytes, list and map a u32 count then the elements (a map's keys in
 * increasing byte order, each once), fixedlist its N elements without a count, optional a bool
 * then the value when it is 1, oneof the u32 message id then the message. A message is its fields
 * in order; a top-level message carries no id. docs/concord-format.md has the whole picture.
 *
 * The reader never reads past its end: each call checks the bytes it needs and, when they are not
 * there or do not make sense, refuses with DRILL_ECORRUPT and a one-line reason naming the field
 * and the byte offset (drill_err_last()). Once a read has failed, every later read fails too, so
 * a decoder can check once at the end of a group of reads. */
#ifndef DRILL_CONCORD_CMF_H
#define DRILL_CONCORD_CMF_H

#include <stddef.h>
#include <stdint.h>

struct drill_cmf_reader {
	const uint8_t *base, *p, *end;
	int failed; /* 0, or the DRILL_E* code of the first failure */
};

/* A string or bytes field: a view into the reader's input (no copy). */
struct drill_cmf_span {
	const uint8_t *p;
	uint32_t len;
};

void drill_cmf_reader_init(struct drill_cmf_reader *r, const void *data, size_t len);
size_t drill_cmf_offset(const struct drill_cmf_reader *r);
size_t drill_cmf_left(const struct drill_cmf_reader *r);

/* Each returns 0 or DRILL_ECORRUPT; `what` names the field in the message. */
int drill_cmf_u8(struct drill_cmf_reader *r, uint8_t *v, const char *what);
int drill_cmf_u32(struct drill_cmf_reader *r, uint32_t *v, const char *what);
int drill_cmf_u64(struct drill_cmf_reader *r, uint64_t *v, const char *what);
int drill_cmf_bool(struct drill_cmf_reader *r, int *v, const char *what);
int drill_cmf_string(struct drill_cmf_reader *r, struct drill_cmf_span *s, const char *what);
int drill_cmf_fixed(struct drill_cmf_reader *r, const uint8_t **p, size_t n, const char *what);
/* The u32 count of a list or map whose elements take at least min_elem bytes each: a count the
 * remaining input cannot hold is refused before any element is read (no allocation follows a
 * hostile count). */
int drill_cmf_count(struct drill_cmf_reader *r, uint32_t *n, size_t min_elem, const char *what);
/* A map key must be greater than the one before it (prev NULL for the first). */
int drill_cmf_key_order(struct drill_cmf_reader *r, const struct drill_cmf_span *prev,
			const struct drill_cmf_span *key, const char *what);
/* The whole input must have been read. */
int drill_cmf_end(struct drill_cmf_reader *r, const char *what);
/* Byte order of CMF map keys: memcmp, then the shorter first. <0, 0, >0. */
int drill_cmf_span_cmp(const struct drill_cmf_span *a, const struct drill_cmf_span *b);

/* A writer: a growable buffer reused across messages (reset keeps its memory). */
struct drill_cmf_writer {
	uint8_t *data;
	size_t len, cap;
};

void drill_cmf_writer_reset(struct drill_cmf_writer *w);
void drill_cmf_writer_free(struct drill_cmf_writer *w); /* NULL-safe; leaves it empty */
void drill_cmf_put_u8(struct drill_cmf_writer *w, uint8_t v);
void drill_cmf_put_u32(struct drill_cmf_writer *w, uint32_t v);
void drill_cmf_put_u64(struct drill_cmf_writer *w, uint64_t v);
void drill_cmf_put_bool(struct drill_cmf_writer *w, int v);
void drill_cmf_put_string(struct drill_cmf_writer *w, const void *p, uint32_t len);
void drill_cmf_put_raw(struct drill_cmf_writer *w, const void *p, size_t len); /* fixedlist etc. */
/* Room for n more bytes at w->data + w->len (the caller fills them and adds n to len). */
uint8_t *drill_cmf_reserve(struct drill_cmf_writer *w, size_t n);

#endif
