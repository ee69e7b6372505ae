/* faults/sst.h — where an SST's data blocks end, read from the table itself.
 *
 * A block-based table (RocksDB's default format) is: data blocks, then the meta blocks (filter,
 * index, properties, ...), the metaindex block, and a fixed-size footer at the end that points at
 * the metaindex and the index. Faults that model damage to data (a flipped bit, a torn write)
 * must land in the data blocks: damage to the meta blocks or the footer makes the table
 * unopenable, which is a different fault with a different outcome. The RocksDB C API does not
 * expose table layout, so this reads the footer, the metaindex and two properties (documented,
 * stable parts of the format: format_version 1 to 5, the 53-byte footer) and nothing else. */
#ifndef DRILL_FAULTS_SST_H
#define DRILL_FAULTS_SST_H

#include <stdint.h>

struct drill_sst_layout {
	uint64_t size;       /* the file's size */
	uint64_t data_end;   /* data blocks are [0, data_end): the first meta block's offset */
	uint64_t data_size;  /* the table's own "rocksdb.data.size" property (0 if absent) */
	uint32_t format_version;
	char column_family[64]; /* its "rocksdb.column.family.name" property ("" if absent) */
};

/* Read the layout of the SST at `path`. DRILL_ECORRUPT (with the reason) when the file is not a
 * block-based table this reader understands (wrong magic, legacy footer, handles out of range). */
int drill_sst_layout(struct drill_sst_layout *out, const char *path);

#endif
