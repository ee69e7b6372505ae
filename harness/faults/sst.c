/* faults/sst.c — an SST's footer and metaindex, read to find where its data blocks end. */
#include "faults/sst.h"

#include "util/bytes.h"
#include "util/err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FOOTER_LEN 53 /* checksum type, two handles padded to 40 bytes, version, magic */
#define BLOCK_MAGIC 0x88e241b785f4cff7ull
#define LEGACY_BLOCK_MAGIC 0xdb4775248b80fb57ull
#define MAX_META_BLOCK (16u << 20)

struct cursor {
	const uint8_t *p, *end;
};

static int varint64(struct cursor *c, uint64_t *v)
{
	*v = 0;
	for (unsigned shift = 0; shift < 64 && c->p < c->end; shift += 7) {
		uint8_t b = *c->p++;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return 0;
	}
	return -1;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

struct handle {
	uint64_t off, len;
};

static int read_handle(struct cursor *c, struct handle *h)
{
	return varint64(c, &h->off) || varint64(c, &h->len) ? -1 : 0;
}

static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
	ssize_t n = pread(fd, buf, len, (off_t)off);
	return n == (ssize_t)len ? 0 : -1;
}

/* Walk the entries of an uncompressed block (prefix-compressed keys, restart array at the end),
 * calling `fn` with each full key and its value until it returns non-zero. */
typedef int (*entry_fn)(const char *key, size_t klen, const uint8_t *val, size_t vlen, void *arg);

static int walk_block(const uint8_t *b, size_t len, entry_fn fn, void *arg)
{
	if (len < 4)
		return -1;
	uint32_t restarts = le32(b + len - 4) & 0x7fffffffu; /* top bit: the data block index type */
	if ((uint64_t)restarts * 4 + 4 > len)
		return -1;
	struct cursor c = {b, b + len - 4 - (size_t)restarts * 4};
	char *key = NULL;
	size_t klen = 0;
	int rc = 0;
	while (c.p < c.end) {
		uint64_t shared, unshared, vlen;
		if (varint64(&c, &shared) || varint64(&c, &unshared) || varint64(&c, &vlen) ||
		    shared > klen || unshared > (uint64_t)(c.end - c.p) ||
		    vlen > (uint64_t)(c.end - c.p) - unshared) {
			rc = -1;
			break;
		}
		key = drill_xrealloc(key, (size_t)(shared + unshared) + 1);
		memcpy(key + shared, c.p, (size_t)unshared);
		klen = (size_t)(shared + unshared);
		int r = fn(key, klen, c.p + unshared, (size_t)vlen, arg);
		c.p += unshared + vlen;
		if (r) {
			rc = r < 0 ? -1 : 0;
			break;
		}
	}
	free(key);
	return rc;
}

static int key_is(const char *key, size_t klen, const char *name)
{
	return klen == strlen(name) && !memcmp(key, name, klen);
}

struct meta_scan {
	uint64_t first_meta; /* the lowest offset of any meta block */
	struct handle props;
	int have_props, bad;
};

static int on_meta(const char *key, size_t klen, const uint8_t *val, size_t vlen, void *arg)
{
	struct meta_scan *m = arg;
	struct cursor c = {val, val + vlen};
	struct handle h;
	if (read_handle(&c, &h)) {
		m->bad = 1;
		return 1;
	}
	if (h.off < m->first_meta)
		m->first_meta = h.off;
	if (key_is(key, klen, "rocksdb.properties")) {
		m->props = h;
		m->have_props = 1;
	}
	return 0;
}

static int on_prop(const char *key, size_t klen, const uint8_t *val, size_t vlen, void *arg)
{
	struct drill_sst_layout *l = arg;
	if (key_is(key, klen, "rocksdb.data.size")) {
		struct cursor c = {val, val + vlen};
		return varint64(&c, &l->data_size) ? -1 : 0;
	}
	if (key_is(key, klen, "rocksdb.column.family.name") && vlen < sizeof(l->column_family)) {
		memcpy(l->column_family, val, vlen);
		l->column_family[vlen] = '\0';
	}
	return 0;
}

/* Read a meta block of the table (meta blocks are never compressed) into a new buffer. */
static int read_block(uint8_t **out, int fd, const struct handle *h, uint64_t size)
{
	if (h->len > MAX_META_BLOCK || h->off > size || h->len > size - h->off)
		return -1;
	*out = drill_xmalloc(h->len ? (size_t)h->len : 1);
	if (read_at(fd, *out, (size_t)h->len, h->off) == 0)
		return 0;
	free(*out);
	*out = NULL;
	return -1;
}

static int layout_fd(struct drill_sst_layout *out, int fd, const char *path)
{
	uint8_t f[FOOTER_LEN];
	if (out->size < FOOTER_LEN || read_at(fd, f, sizeof(f), out->size - FOOTER_LEN))
		return drill_err(DRILL_ECORRUPT, "%s: too short for a table footer", path);
	uint64_t magic = le64(f + FOOTER_LEN - 8);
	if (magic == LEGACY_BLOCK_MAGIC)
		return drill_err(DRILL_ECORRUPT, "%s: a legacy (format_version 0) table footer", path);
	if (magic != BLOCK_MAGIC)
		return drill_err(DRILL_ECORRUPT, "%s: not a block-based table (magic %016llx)", path,
				 (unsigned long long)magic);
	out->format_version = le32(f + FOOTER_LEN - 12);
	struct cursor c = {f + 1, f + 41};
	struct handle meta, index;
	if (read_handle(&c, &meta) || read_handle(&c, &index) || meta.off > out->size ||
	    index.off > out->size)
		return drill_err(DRILL_ECORRUPT, "%s: the footer's block handles are damaged", path);
	struct meta_scan m = {.first_meta = meta.off < index.off ? meta.off : index.off};
	uint8_t *block = NULL;
	if (read_block(&block, fd, &meta, out->size) || walk_block(block, meta.len, on_meta, &m) ||
	    m.bad) {
		free(block);
		return drill_err(DRILL_ECORRUPT, "%s: the metaindex block is damaged", path);
	}
	free(block);
	out->data_end = m.first_meta;
	if (m.have_props && read_block(&block, fd, &m.props, out->size) == 0) {
		if (walk_block(block, m.props.len, on_prop, out)) {
			out->data_size = 0;
			out->column_family[0] = '\0';
		}
		free(block);
	}
	return 0;
}

int drill_sst_layout(struct drill_sst_layout *out, const char *path)
{
	memset(out, 0, sizeof(*out));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0) {
		int rc = drill_err(DRILL_EFAIL, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	out->size = (uint64_t)sb.st_size;
	int rc = layout_fd(out, fd, path);
	close(fd);
	return rc;
}
