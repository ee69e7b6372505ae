/* tests/test_replica_terms.c — replica/terms: a key's term comes back as put; another key in the
 * same slot evicts it (a miss, never a wrong term); keys longer than the limit are never cached;
 * clear forgets everything. One slot (bits 0) makes every key collide. */
#include "helpers.h"

#include "replica/terms.h"

#include <stdio.h>
#include <string.h>

static void term_of(uint8_t t[DRILL_HASH_LEN], int v)
{
	memset(t, v, DRILL_HASH_LEN);
}

static void test_put_get(void **unused)
{
	(void)unused;
	struct drill_terms *c = drill_terms_new(10);
	uint8_t t[DRILL_HASH_LEN], got[DRILL_HASH_LEN];
	assert_int_equal(drill_terms_get(c, (const uint8_t *)"key-1", 5, got), 0);
	char key[16];
	for (int i = 0; i < 300; i++) {
		int n = snprintf(key, sizeof(key), "key-%d", i);
		term_of(t, i & 0xff);
		drill_terms_put(c, (const uint8_t *)key, (uint32_t)n, t);
	}
	int hits = 0;
	for (int i = 0; i < 300; i++) {
		int n = snprintf(key, sizeof(key), "key-%d", i);
		if (drill_terms_get(c, (const uint8_t *)key, (uint32_t)n, got)) {
			term_of(t, i & 0xff);
			assert_memory_equal(got, t, DRILL_HASH_LEN); /* a hit is always the right term */
			hits++;
		}
	}
	assert_true(hits > 200); /* 300 keys over 1024 slots: most have a slot of their own */
	/* A new term replaces the old; a prefix of a key is another key. */
	term_of(t, 0xaa);
	drill_terms_put(c, (const uint8_t *)"key-7", 5, t);
	assert_int_equal(drill_terms_get(c, (const uint8_t *)"key-7", 5, got), 1);
	assert_memory_equal(got, t, DRILL_HASH_LEN);
	uint8_t other[DRILL_HASH_LEN];
	assert_true(!drill_terms_get(c, (const uint8_t *)"key-", 4, other) ||
		    memcmp(other, t, DRILL_HASH_LEN) != 0);
	drill_terms_clear(c);
	assert_int_equal(drill_terms_get(c, (const uint8_t *)"key-7", 5, got), 0);
	drill_terms_free(c);
	drill_terms_free(NULL);
}

static void test_collisions_and_long_keys(void **unused)
{
	(void)unused;
	struct drill_terms *c = drill_terms_new(0); /* one slot */
	uint8_t a[DRILL_HASH_LEN], b[DRILL_HASH_LEN], got[DRILL_HASH_LEN];
	term_of(a, 1);
	term_of(b, 2);
	drill_terms_put(c, (const uint8_t *)"alpha", 5, a);
	drill_terms_put(c, (const uint8_t *)"beta", 4, b);
	assert_int_equal(drill_terms_get(c, (const uint8_t *)"alpha", 5, got), 0);
	assert_int_equal(drill_terms_get(c, (const uint8_t *)"beta", 4, got), 1);
	assert_memory_equal(got, b, DRILL_HASH_LEN);
	/* Same length, same slot, other bytes: a miss. */
	assert_int_equal(drill_terms_get(c, (const uint8_t *)"bets", 4, got), 0);
	/* The empty key is a key. */
	drill_terms_put(c, (const uint8_t *)"", 0, a);
	assert_int_equal(drill_terms_get(c, (const uint8_t *)"", 0, got), 1);
	assert_memory_equal(got, a, DRILL_HASH_LEN);
	/* Too long to cache: never stored, and the slot keeps what it had. */
	uint8_t longkey[DRILL_TERMS_KEY_MAX + 1];
	memset(longkey, 'k', sizeof(longkey));
	drill_terms_put(c, longkey, sizeof(longkey), b);
	assert_int_equal(drill_terms_get(c, longkey, sizeof(longkey), got), 0);
	assert_int_equal(drill_terms_get(c, (const uint8_t *)"", 0, got), 1);
	drill_terms_put(c, longkey, DRILL_TERMS_KEY_MAX, b); /* at the limit: cached */
	assert_int_equal(drill_terms_get(c, longkey, DRILL_TERMS_KEY_MAX, got), 1);
	drill_terms_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get),
		cmocka_unit_test(test_collisions_and_long_keys),
	};
	return drill_test_run(tests, NULL, NULL);
}
