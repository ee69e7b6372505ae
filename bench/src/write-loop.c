/* bench-write-loop DIR BLOCKS KEYS_PER_BLOCK VALUE_SIZE KEY_SPACE SEED INTERVAL_MS
 *
 * The reference of the `write` figure: the cheapest way to put the chain a drill writes into
 * RocksDB. The same workload (chain/workload.c, epoch 0, sequence numbers 1..BLOCKS), the same
 * blocks and hashing (chain/block.c: a term per update and the digest), the same column families,
 * keys and DB options as chain/store.c, in WriteBatches of BATCH blocks as the driver orders them —
 * but through the RocksDB C API directly, with the previous terms kept in memory (no reads), no
 * HTTP, no second process. The result is a complete chain (metadata included) that
 * `chaindrill verify` accepts.
 *
 * Prints "BLOCKS SECONDS DIGEST": SECONDS times the loop only (the database is open before and
 * closed after), DIGEST is the last block's, which must equal the drill's. */
#include "chain/block.h"
#include "chain/store.h"
#include "chain/workload.h"
#include "util/bytes.h"

#include <rocksdb/c.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 512 /* the driver's requests per order batch (drill/engine.c) */

static void die(const char *what, char *err)
{
	fprintf(stderr, "bench-write-loop: %s: %s\n", what, err ? err : "failed");
	exit(1);
}

/* What chain/store.c's set_options sets for a database it creates: for every column family but
 * blocks (block_size 0, RocksDB's default), and for blocks (64 KiB data blocks). */
static rocksdb_options_t *store_options(rocksdb_cache_t *cache, size_t block_size,
					rocksdb_block_based_table_options_t **table)
{
	rocksdb_options_t *o = rocksdb_options_create();
	rocksdb_block_based_table_options_t *t = rocksdb_block_based_options_create();
	*table = t; /* the caller destroys it after the database, with o */
	rocksdb_block_based_options_set_block_cache(t, cache);
	rocksdb_block_based_options_set_filter_policy(t, rocksdb_filterpolicy_create_bloom(10));
	rocksdb_block_based_options_set_cache_index_and_filter_blocks(t, 1);
	if (block_size)
		rocksdb_block_based_options_set_block_size(t, block_size);
	rocksdb_options_set_block_based_table_factory(o, t);
	rocksdb_options_set_create_if_missing(o, 1);
	rocksdb_options_set_create_missing_column_families(o, 1);
	rocksdb_options_set_paranoid_checks(o, 1);
	rocksdb_options_set_write_buffer_size(o, 64u << 20);
	rocksdb_options_set_max_background_jobs(o, 2);
	rocksdb_options_set_keep_log_file_num(o, 5);
	return o;
}

static void put_u64(rocksdb_writebatch_t *wb, rocksdb_column_family_handle_t *cf, const char *key,
		    uint64_t v)
{
	uint8_t b[8];
	drill_put_be64(b, v);
	rocksdb_writebatch_put_cf(wb, cf, key, strlen(key), (const char *)b, 8);
}

int main(int argc, char **argv)
{
	if (argc != 8) {
		fputs("usage: bench-write-loop DIR BLOCKS KEYS_PER_BLOCK VALUE_SIZE KEY_SPACE SEED "
		      "INTERVAL_MS\n", stderr);
		return 2;
	}
	const char *dir = argv[1];
	uint64_t blocks = strtoull(argv[2], NULL, 10), seed = strtoull(argv[6], NULL, 10);
	struct drill_workload w = {.keys_per_block = (uint32_t)strtoul(argv[3], NULL, 10),
				   .value_size = (uint32_t)strtoul(argv[4], NULL, 10),
				   .key_space = strtoull(argv[5], NULL, 10),
				   .block_interval_ms = strtoull(argv[7], NULL, 10)};
	uint32_t n = w.keys_per_block;

	char *err = NULL;
	rocksdb_cache_t *cache = rocksdb_cache_create_lru(32u << 20);
	rocksdb_block_based_table_options_t *t, *tb;
	rocksdb_options_t *o = store_options(cache, 0, &t), *ob = store_options(cache, 64u << 10, &tb);
	const char *names[3] = {"default", "blocks", "state"};
	const rocksdb_options_t *cfo[3] = {o, ob, o};
	rocksdb_column_family_handle_t *cf[3];
	rocksdb_t *db = rocksdb_open_column_families(o, dir, 3, names, cfo, cf, &err);
	if (err)
		die(dir, err);
	rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create(); /* WAL on, no fsync */
	rocksdb_writebatch_t *wb = rocksdb_writebatch_create();

	uint8_t *terms = drill_xcalloc(w.key_space, DRILL_HASH_LEN); /* zeros: absent */
	uint64_t *idx = drill_xmalloc(n * sizeof(*idx));
	uint8_t *keys = drill_xmalloc((size_t)n * DRILL_WORKLOAD_KEY_LEN);
	uint8_t *values = drill_xmalloc((size_t)n * w.value_size);
	struct drill_kv *kv = drill_xcalloc(n, sizeof(*kv));
	uint8_t digest[DRILL_HASH_LEN] = {0}, root[DRILL_HASH_LEN] = {0};

	rocksdb_writebatch_put_cf(wb, cf[0], "chain.format", 12, DRILL_CHAIN_FORMAT,
				  strlen(DRILL_CHAIN_FORMAT));
	uint8_t id0[4] = {0};
	rocksdb_writebatch_put_cf(wb, cf[0], "replica.id", 10, (const char *)id0, 4);

	double t0 = drill_now_s();
	for (uint64_t sn = 1; sn <= blocks; sn++) {
		drill_workload_gen(&w, seed, 0, sn, idx, keys, values);
		for (uint32_t i = 0; i < n; i++) {
			kv[i] = (struct drill_kv){.key = keys + (size_t)i * DRILL_WORKLOAD_KEY_LEN,
						  .klen = DRILL_WORKLOAD_KEY_LEN,
						  .val = values + (size_t)i * w.value_size,
						  .vlen = w.value_size};
			memcpy(kv[i].prev_term, terms + idx[i] * DRILL_HASH_LEN, DRILL_HASH_LEN);
		}
		struct drill_block b = {.id = sn, .ts_ms = sn * w.block_interval_ms, .n = n, .kv = kv};
		uint8_t *enc;
		size_t len;
		if (drill_block_build(&enc, &len, &b, digest, root) != 0)
			die("block", NULL);
		uint8_t key[8];
		drill_put_be64(key, sn);
		rocksdb_writebatch_put_cf(wb, cf[1], (const char *)key, 8, (const char *)enc, len);
		free(enc);
		for (uint32_t i = 0; i < n; i++) {
			rocksdb_writebatch_put_cf(wb, cf[2], (const char *)kv[i].key, kv[i].klen,
						  (const char *)kv[i].val, kv[i].vlen);
			drill_term(terms + idx[i] * DRILL_HASH_LEN, kv[i].key, kv[i].klen,
				   kv[i].val, kv[i].vlen);
		}
		memcpy(digest, b.digest, DRILL_HASH_LEN);
		memcpy(root, b.root, DRILL_HASH_LEN);
		if (sn % BATCH == 0 || sn == blocks) {
			put_u64(wb, cf[0], "chain.last_block", sn);
			rocksdb_write(db, wo, wb, &err);
			if (err)
				die("write", err);
			rocksdb_writebatch_clear(wb);
		}
	}
	double secs = drill_now_s() - t0;

	char hex[2 * DRILL_HASH_LEN + 1];
	drill_hex(hex, digest, DRILL_HASH_LEN);
	printf("%" PRIu64 " %.6f %s\n", blocks, secs, hex);

	rocksdb_writebatch_destroy(wb);
	rocksdb_writeoptions_destroy(wo);
	for (int i = 0; i < 3; i++)
		rocksdb_column_family_handle_destroy(cf[i]);
	rocksdb_close(db);
	rocksdb_options_destroy(o);
	rocksdb_options_destroy(ob);
	rocksdb_block_based_options_destroy(t);
	rocksdb_block_based_options_destroy(tb);
	rocksdb_cache_destroy(cache);
	free(terms);
	free(idx);
	free(keys);
	free(values);
	free(kv);
	return 0;
}
