/*
 * test_wx_cache — the bounded TTL map: lookup, replacement, expiry at
 * exactly ttl, a clock that jumps back, eviction by count and by bytes,
 * refused sizes, and SipHash-2-4 against the reference vectors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "handlers/wx_cache.h"

#define T0	((time_t)1700000000)
#define TTL	((time_t)60)

static const unsigned char seed[16] = {
	0x9e, 0x37, 0x79, 0xb9, 0x7f, 0x4a, 0x7c, 0x15,
	0xf3, 0x9c, 0xc0, 0x60, 0x5c, 0xed, 0xc8, 0x34,
};

/* The common fixture: 8 entries, 4 KiB, TTL seconds. */
static int
setup(void **state)
{
	*state = wx_cache_new(8, 4096, TTL, seed);
	return *state == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	wx_cache_free(*state);
	return 0;
}

/* Assert key holds the string want at now (want NULL: absent). */
static void
check(struct wx_cache *c, const char *key, time_t now, const char *want)
{
	const void *val = NULL;
	size_t len = 0;
	int r;

	r = wx_cache_get(c, key, now, &val, &len);
	if (want == NULL) {
		if (r != 0)
			fail_msg("\"%s\" at %lld: present, want absent", key,
			    (long long)(now - T0));
		return;
	}
	if (r != 1)
		fail_msg("\"%s\" at %lld: absent, want \"%s\"", key,
		    (long long)(now - T0), want);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(val, want, len);
}

static int
put_str(struct wx_cache *c, const char *key, const char *val, time_t now)
{
	return wx_cache_put(c, key, val, strlen(val), now);
}

static void
test_put_get(void **state)
{
	struct wx_cache *c = *state;
	char buf[8] = "value1";

	assert_int_equal(wx_cache_count(c), 0);
	check(c, "k1", T0, NULL);
	assert_int_equal(wx_cache_put(c, "k1", buf, 6, T0), 0);
	assert_int_equal(put_str(c, "k2", "value2", T0), 0);
	/* The cache holds a copy, not the caller's buffer. */
	memcpy(buf, "XXXXXX", 6);
	check(c, "k1", T0, "value1");
	check(c, "k2", T0 + 1, "value2");
	check(c, "k", T0, NULL);
	check(c, "k12", T0, NULL);
	check(c, "", T0, NULL);
	assert_int_equal(wx_cache_count(c), 2);
}

/* Values are bytes: embedded NULs and high bytes come back intact. */
static void
test_binary_value(void **state)
{
	static const unsigned char bin[] = { 0, 1, 0xff, 0, 0x80, 0 };
	struct wx_cache *c = *state;
	const void *val;
	size_t len;

	assert_int_equal(wx_cache_put(c, "bin", bin, sizeof bin, T0), 0);
	assert_int_equal(wx_cache_get(c, "bin", T0, &val, &len), 1);
	assert_int_equal(len, sizeof bin);
	assert_memory_equal(val, bin, sizeof bin);
}

static void
test_replace(void **state)
{
	struct wx_cache *c = *state;

	assert_int_equal(put_str(c, "k", "first", T0), 0);
	assert_int_equal(put_str(c, "k", "a much longer second", T0 + 1), 0);
	check(c, "k", T0 + 1, "a much longer second");
	assert_int_equal(wx_cache_count(c), 1);
	assert_int_equal(put_str(c, "k", "3", T0 + 2), 0);
	check(c, "k", T0 + 2, "3");
	assert_int_equal(wx_cache_count(c), 1);
	/* Replacing restarts the entry's life. */
	check(c, "k", T0 + 2 + TTL - 1, "3");
	check(c, "k", T0 + 2 + TTL, NULL);
}

static void
test_empty_value(void **state)
{
	struct wx_cache *c = *state;
	const void *val = NULL;
	size_t len = 99;

	assert_int_equal(wx_cache_put(c, "e", "", 0, T0), 0);
	assert_int_equal(wx_cache_get(c, "e", T0, &val, &len), 1);
	assert_int_equal(len, 0);
	assert_non_null(val);
	/* The empty key is a key like any other. */
	assert_int_equal(put_str(c, "", "empty key", T0), 0);
	check(c, "", T0, "empty key");
	check(c, "e", T0, "");
	assert_int_equal(wx_cache_count(c), 2);
	assert_int_equal(put_str(c, "e", "now full", T0), 0);
	check(c, "e", T0, "now full");
	assert_int_equal(wx_cache_put(c, "e", "", 0, T0), 0);
	check(c, "e", T0, "");
}

/* Found at stored + ttl - 1, gone at stored + ttl, and reclaimed. */
static void
test_expiry_boundary(void **state)
{
	struct wx_cache *c = *state;

	assert_int_equal(put_str(c, "a", "A", T0), 0);
	assert_int_equal(put_str(c, "b", "B", T0 + 10), 0);
	check(c, "a", T0 + TTL - 1, "A");
	check(c, "a", T0 + TTL, NULL);
	check(c, "b", T0 + TTL, "B");
	assert_int_equal(wx_cache_count(c), 1);
	check(c, "b", T0 + 10 + TTL - 1, "B");
	check(c, "b", T0 + 10 + TTL, NULL);
	assert_int_equal(wx_cache_count(c), 0);
	/* A put reclaims as well as a get does. */
	assert_int_equal(put_str(c, "a", "A", T0 + 100), 0);
	assert_int_equal(put_str(c, "x", "X", T0 + 100 + TTL), 0);
	assert_int_equal(wx_cache_count(c), 1);
	check(c, "a", T0 + 100 + TTL, NULL);
	check(c, "x", T0 + 100 + TTL, "X");
}

/* A clock stepped back a little keeps the entry, a long way drops it. */
static void
test_clock_backwards(void **state)
{
	struct wx_cache *c = *state;

	assert_int_equal(put_str(c, "k", "v", T0), 0);
	check(c, "k", T0 - 5, "v");
	check(c, "k", T0, "v");
	check(c, "k", T0 - 86400, NULL);
	assert_int_equal(wx_cache_count(c), 0);
	/* Nor does it come back when the clock returns. */
	check(c, "k", T0, NULL);

	assert_int_equal(put_str(c, "k", "v", T0), 0);
	assert_int_equal(put_str(c, "k2", "v2", T0 - 100000), 0);
	check(c, "k", T0 - 100000, NULL);
	check(c, "k2", T0 - 100000, "v2");
}

/*
 * After the clock stepped back, an entry stored later can be older than
 * the head of the insertion list; it still has to expire on time.
 */
static void
test_expiry_behind_head(void **state)
{
	struct wx_cache *c = *state;

	assert_int_equal(put_str(c, "first", "1", T0), 0);
	assert_int_equal(put_str(c, "second", "2", T0 - 30), 0);
	check(c, "first", T0 - 30, "1");
	check(c, "second", T0 - 30 + TTL - 1, "2");
	check(c, "second", T0 - 30 + TTL, NULL);
	check(c, "first", T0 - 30 + TTL, "1");
	check(c, "first", T0 + TTL, NULL);
}

/* Full by count: the oldest stored goes first; a replace counts as new. */
static void
test_evict_count(void **state)
{
	struct wx_cache *c;
	char key[16];
	int i;

	(void)state;
	c = wx_cache_new(3, 4096, TTL, seed);
	assert_non_null(c);
	assert_int_equal(put_str(c, "a", "1", T0), 0);
	assert_int_equal(put_str(c, "b", "2", T0), 0);
	assert_int_equal(put_str(c, "c", "3", T0), 0);
	assert_int_equal(put_str(c, "d", "4", T0), 0);
	assert_int_equal(wx_cache_count(c), 3);
	check(c, "a", T0, NULL);
	check(c, "b", T0, "2");
	/* A get does not refresh; a put does. */
	assert_int_equal(put_str(c, "c", "3'", T0), 0);
	assert_int_equal(put_str(c, "e", "5", T0), 0);
	check(c, "b", T0, NULL);
	check(c, "d", T0, "4");
	check(c, "c", T0, "3'");
	check(c, "e", T0, "5");
	assert_int_equal(wx_cache_count(c), 3);
	wx_cache_free(c);

	/* A cache of one. */
	c = wx_cache_new(1, 4096, TTL, seed);
	assert_non_null(c);
	for (i = 0; i < 50; i++) {
		snprintf(key, sizeof key, "k%d", i);
		assert_int_equal(put_str(c, key, key, T0 + i), 0);
		assert_int_equal(wx_cache_count(c), 1);
		check(c, key, T0 + i, key);
	}
	check(c, "k48", T0 + 49, NULL);
	wx_cache_free(c);
}

/* Full by bytes (key + value): as many of the oldest go as needed. */
static void
test_evict_bytes(void **state)
{
	/* Room for two entries of a 2-byte key and an 8-byte value. */
	size_t room = 2 * wx_cache_entry_cost(2, 8);
	struct wx_cache *c;

	(void)state;
	c = wx_cache_new(100, room, TTL, seed);
	assert_non_null(c);
	assert_int_equal(put_str(c, "k1", "12345678", T0), 0);
	assert_int_equal(put_str(c, "k2", "12345678", T0), 0);
	assert_int_equal(wx_cache_count(c), 2);
	/* A third, even a small one, pushes the oldest out. */
	assert_int_equal(put_str(c, "k3", "1", T0), 0);
	check(c, "k1", T0, NULL);
	check(c, "k2", T0, "12345678");
	check(c, "k3", T0, "1");
	assert_int_equal(wx_cache_count(c), 2);
	/* An entry that takes the whole budget pushes everything else out. */
	{
		size_t vlen = room - wx_cache_entry_cost(3, 0);
		char *big = malloc(vlen + 1);

		assert_non_null(big);
		memset(big, 'x', vlen);
		big[vlen] = '\0';
		assert_int_equal(put_str(c, "big", big, T0), 0);
		assert_int_equal(wx_cache_count(c), 1);
		check(c, "k2", T0, NULL);
		check(c, "k3", T0, NULL);
		check(c, "big", T0, big);
		/* One byte more than the budget is refused outright. */
		free(big);
		big = malloc(vlen + 2);
		assert_non_null(big);
		memset(big, 'z', vlen + 1);
		big[vlen + 1] = '\0';
		assert_int_equal(put_str(c, "big", big, T0), -1);
		free(big);
	}
	wx_cache_free(c);
}

struct lim {
	const char	*name;
	size_t		 max_bytes;
	size_t		 keylen, vallen;
	int		 rc;
};

static const struct lim lims[] = {
	{ "key at limit", 1 << 20, WX_CACHE_MAX_KEY, 1, 0 },
	{ "key over", 1 << 20, WX_CACHE_MAX_KEY + 1, 1, -1 },
	{ "key far over", 1 << 20, 4 * WX_CACHE_MAX_KEY, 0, -1 },
	{ "value at limit", 1 << 20, 1, WX_CACHE_MAX_VALUE, 0 },
	{ "value over", 1 << 20, 1, WX_CACHE_MAX_VALUE + 1, -1 },
	/* max_bytes 0: exactly the entry's own cost; 1: one byte less. */
	{ "entry = max_bytes", 0, 1, 99, 0 },
	{ "entry > max_bytes", 1, 1, 99, -1 },
	{ "key alone > max_bytes", 1, 101, 0, -1 },
};
#define NLIMS	(sizeof lims / sizeof lims[0])

/*
 * Sizes over a limit are refused with -1 and leave the other entries
 * alone; sizes at the limit are stored.
 */
static void
test_limits(void **state)
{
	const struct lim *l;
	struct wx_cache *c;
	const void *val;
	char *key, *v;
	size_t i, len, budget;
	int r;

	(void)state;
	for (i = 0; i < NLIMS; i++) {
		l = &lims[i];
		budget = l->max_bytes;
		if (budget <= 1)
			budget = wx_cache_entry_cost(l->keylen, l->vallen) -
			    budget;
		c = wx_cache_new(4, budget, TTL, seed);
		assert_non_null(c);
		key = malloc(l->keylen + 1);
		v = malloc(l->vallen + 1);
		assert_non_null(key);
		assert_non_null(v);
		memset(key, 'k', l->keylen);
		key[l->keylen] = '\0';
		memset(v, 'v', l->vallen);
		assert_int_equal(wx_cache_put(c, "o", "", 0, T0), 0);
		r = wx_cache_put(c, key, v, l->vallen, T0);
		if (r != l->rc)
			fail_msg("%s: put gave %d, want %d", l->name, r,
			    l->rc);
		r = wx_cache_get(c, key, T0, &val, &len);
		assert_int_equal(r, l->rc == 0);
		if (r == 1) {
			assert_int_equal(len, l->vallen);
			assert_memory_equal(val, v, len);
		}
		/* "o" made room only when the new entry needed it. */
		if (l->rc != 0 || l->max_bytes > 1)
			check(c, "o", T0, "");
		else
			check(c, "o", T0, NULL);
		free(key);
		free(v);
		wx_cache_free(c);
	}
}

/* 100k distinct keys through a 1k cache: bounded, and the newest kept. */
static void
test_many_keys(void **state)
{
	enum { MAXN = 1000, PUTS = 100000 };
	struct wx_cache *c;
	char key[32], val[32];
	int i;

	(void)state;
	c = wx_cache_new(MAXN, 1 << 20, 3600, seed);
	assert_non_null(c);
	for (i = 0; i < PUTS; i++) {
		snprintf(key, sizeof key, "user:%07d", i);
		snprintf(val, sizeof val, "v%d", i);
		assert_int_equal(put_str(c, key, val, T0 + i / 1000), 0);
		if (wx_cache_count(c) > MAXN)
			fail_msg("count %zu after %d puts",
			    wx_cache_count(c), i + 1);
	}
	assert_int_equal(wx_cache_count(c), MAXN);
	for (i = PUTS - MAXN; i < PUTS; i++) {
		snprintf(key, sizeof key, "user:%07d", i);
		snprintf(val, sizeof val, "v%d", i);
		check(c, key, T0 + PUTS / 1000, val);
	}
	for (i = 0; i < PUTS - MAXN; i += 997) {
		snprintf(key, sizeof key, "user:%07d", i);
		check(c, key, T0 + PUTS / 1000, NULL);
	}
	snprintf(key, sizeof key, "user:%07d", PUTS - MAXN - 1);
	check(c, key, T0 + PUTS / 1000, NULL);
	wx_cache_free(c);
}

static void
test_new_free(void **state)
{
	struct wx_cache *c;

	(void)state;
	assert_null(wx_cache_new(0, 4096, TTL, seed));
	assert_null(wx_cache_new(0, 0, 0, seed));
	wx_cache_free(NULL);
	/* Freed with entries still in it (ASan checks for leaks). */
	c = wx_cache_new(2, 4096, TTL, seed);
	assert_non_null(c);
	assert_int_equal(put_str(c, "a", "1", T0), 0);
	assert_int_equal(put_str(c, "b", "2", T0), 0);
	wx_cache_free(c);
}

/*
 * SipHash-2-4, key 00 01 .. 0f, message 00 01 .. (n-1): the reference
 * implementation's vector table, read as little-endian 64-bit words.
 * Lengths on both sides of each 8-byte block boundary.
 */
static const struct {
	size_t		n;
	uint64_t	h;
} sipvec[] = {
	{ 0, 0x726fdb47dd0e0e31ULL },
	{ 1, 0x74f839c593dc67fdULL },
	{ 7, 0xab0200f58b01d137ULL },
	{ 8, 0x93f5f5799a932462ULL },
	{ 9, 0x9e0082df0ba9e4b0ULL },
	{ 15, 0xa129ca6149be45e5ULL },
	{ 16, 0x3f2acc7f57c29bdbULL },
	{ 63, 0x958a324ceb064572ULL },
};

static void
test_siphash(void **state)
{
	unsigned char key[16], msg[64], other[16];
	uint64_t h;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof key; i++)
		key[i] = (unsigned char)i;
	for (i = 0; i < sizeof msg; i++)
		msg[i] = (unsigned char)i;
	for (i = 0; i < sizeof sipvec / sizeof sipvec[0]; i++) {
		h = wx_siphash(key, msg, sipvec[i].n);
		if (h != sipvec[i].h)
			fail_msg("n=%zu: got %016llx, want %016llx",
			    sipvec[i].n, (unsigned long long)h,
			    (unsigned long long)sipvec[i].h);
	}
	/* The key matters: one flipped bit gives another hash. */
	memcpy(other, key, sizeof other);
	other[15] ^= 0x80;
	assert_true(wx_siphash(other, msg, 15) != sipvec[5].h);
}

int
main(void)
{
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_put_get),
		T(test_binary_value),
		T(test_replace),
		T(test_empty_value),
		T(test_expiry_boundary),
		T(test_clock_backwards),
		T(test_expiry_behind_head),
		cmocka_unit_test(test_evict_count),
		cmocka_unit_test(test_evict_bytes),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_new_free),
		cmocka_unit_test(test_siphash),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
