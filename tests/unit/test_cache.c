/*
 * test_cache — the bounded TTL map: lookup, replacement, expiry at
 * exactly ttl, a clock that jumps back, eviction by count and by bytes,
 * refused sizes, the ring's wrap, skipped end and dead entries (against
 * a reference model, also driven at random), and SipHash-2-4 against the
 * reference vectors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "handlers/callback/wx_callback.h"
#include "lib/cache.h"
#include "lib/siphash.h"

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
	*state = cache_new(8, 4096, TTL, seed);
	return *state == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	cache_free(*state);
	return 0;
}

/* Assert key holds the string want at now (want NULL: absent). */
static void
check(struct cache *c, const char *key, time_t now, const char *want)
{
	const void *val = NULL;
	size_t len = 0;
	int r;

	r = cache_get(c, key, now, &val, &len);
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
put_str(struct cache *c, const char *key, const char *val, time_t now)
{
	return cache_put(c, key, val, strlen(val), now);
}

static void
test_put_get(void **state)
{
	struct cache *c = *state;
	char buf[8] = "value1";

	assert_int_equal(cache_count(c), 0);
	check(c, "k1", T0, NULL);
	assert_int_equal(cache_put(c, "k1", buf, 6, T0), 0);
	assert_int_equal(put_str(c, "k2", "value2", T0), 0);
	/* The cache holds a copy, not the caller's buffer. */
	memcpy(buf, "XXXXXX", 6);
	check(c, "k1", T0, "value1");
	check(c, "k2", T0 + 1, "value2");
	check(c, "k", T0, NULL);
	check(c, "k12", T0, NULL);
	check(c, "", T0, NULL);
	assert_int_equal(cache_count(c), 2);
}

/* Values are bytes: embedded NULs and high bytes come back intact. */
static void
test_binary_value(void **state)
{
	static const unsigned char bin[] = { 0, 1, 0xff, 0, 0x80, 0 };
	struct cache *c = *state;
	const void *val;
	size_t len;

	assert_int_equal(cache_put(c, "bin", bin, sizeof bin, T0), 0);
	assert_int_equal(cache_get(c, "bin", T0, &val, &len), 1);
	assert_int_equal(len, sizeof bin);
	assert_memory_equal(val, bin, sizeof bin);
}

static void
test_replace(void **state)
{
	struct cache *c = *state;

	assert_int_equal(put_str(c, "k", "first", T0), 0);
	assert_int_equal(put_str(c, "k", "a much longer second", T0 + 1), 0);
	check(c, "k", T0 + 1, "a much longer second");
	assert_int_equal(cache_count(c), 1);
	assert_int_equal(put_str(c, "k", "3", T0 + 2), 0);
	check(c, "k", T0 + 2, "3");
	assert_int_equal(cache_count(c), 1);
	/* Replacing restarts the entry's life. */
	check(c, "k", T0 + 2 + TTL - 1, "3");
	check(c, "k", T0 + 2 + TTL, NULL);
}

static void
test_empty_value(void **state)
{
	struct cache *c = *state;
	const void *val = NULL;
	size_t len = 99;

	assert_int_equal(cache_put(c, "e", "", 0, T0), 0);
	assert_int_equal(cache_get(c, "e", T0, &val, &len), 1);
	assert_int_equal(len, 0);
	assert_non_null(val);
	/* The empty key is a key like any other. */
	assert_int_equal(put_str(c, "", "empty key", T0), 0);
	check(c, "", T0, "empty key");
	check(c, "e", T0, "");
	assert_int_equal(cache_count(c), 2);
	assert_int_equal(put_str(c, "e", "now full", T0), 0);
	check(c, "e", T0, "now full");
	assert_int_equal(cache_put(c, "e", "", 0, T0), 0);
	check(c, "e", T0, "");
}

/* Found at stored + ttl - 1, gone at stored + ttl, and reclaimed. */
static void
test_expiry_boundary(void **state)
{
	struct cache *c = *state;

	assert_int_equal(put_str(c, "a", "A", T0), 0);
	assert_int_equal(put_str(c, "b", "B", T0 + 10), 0);
	check(c, "a", T0 + TTL - 1, "A");
	check(c, "a", T0 + TTL, NULL);
	check(c, "b", T0 + TTL, "B");
	assert_int_equal(cache_count(c), 1);
	check(c, "b", T0 + 10 + TTL - 1, "B");
	check(c, "b", T0 + 10 + TTL, NULL);
	assert_int_equal(cache_count(c), 0);
	/* A put reclaims as well as a get does. */
	assert_int_equal(put_str(c, "a", "A", T0 + 100), 0);
	assert_int_equal(put_str(c, "x", "X", T0 + 100 + TTL), 0);
	assert_int_equal(cache_count(c), 1);
	check(c, "a", T0 + 100 + TTL, NULL);
	check(c, "x", T0 + 100 + TTL, "X");
}

/* A clock stepped back a little keeps the entry, a long way drops it. */
static void
test_clock_backwards(void **state)
{
	struct cache *c = *state;

	assert_int_equal(put_str(c, "k", "v", T0), 0);
	check(c, "k", T0 - 5, "v");
	check(c, "k", T0, "v");
	check(c, "k", T0 - 86400, NULL);
	assert_int_equal(cache_count(c), 0);
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
	struct cache *c = *state;

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
	struct cache *c;
	char key[16];
	int i;

	(void)state;
	c = cache_new(3, 4096, TTL, seed);
	assert_non_null(c);
	assert_int_equal(put_str(c, "a", "1", T0), 0);
	assert_int_equal(put_str(c, "b", "2", T0), 0);
	assert_int_equal(put_str(c, "c", "3", T0), 0);
	assert_int_equal(put_str(c, "d", "4", T0), 0);
	assert_int_equal(cache_count(c), 3);
	check(c, "a", T0, NULL);
	check(c, "b", T0, "2");
	/* A get does not refresh; a put does. */
	assert_int_equal(put_str(c, "c", "3'", T0), 0);
	assert_int_equal(put_str(c, "e", "5", T0), 0);
	check(c, "b", T0, NULL);
	check(c, "d", T0, "4");
	check(c, "c", T0, "3'");
	check(c, "e", T0, "5");
	assert_int_equal(cache_count(c), 3);
	cache_free(c);

	/* A cache of one. */
	c = cache_new(1, 4096, TTL, seed);
	assert_non_null(c);
	for (i = 0; i < 50; i++) {
		snprintf(key, sizeof key, "k%d", i);
		assert_int_equal(put_str(c, key, key, T0 + i), 0);
		assert_int_equal(cache_count(c), 1);
		check(c, key, T0 + i, key);
	}
	check(c, "k48", T0 + 49, NULL);
	cache_free(c);
}

/* Full by bytes (key + value): as many of the oldest go as needed. */
static void
test_evict_bytes(void **state)
{
	/* Room for two entries of a 2-byte key and an 8-byte value. */
	size_t room = 2 * cache_entry_cost(2, 8);
	struct cache *c;

	(void)state;
	c = cache_new(100, room, TTL, seed);
	assert_non_null(c);
	assert_int_equal(put_str(c, "k1", "12345678", T0), 0);
	assert_int_equal(put_str(c, "k2", "12345678", T0), 0);
	assert_int_equal(cache_count(c), 2);
	/* A third, even a small one, pushes the oldest out. */
	assert_int_equal(put_str(c, "k3", "1", T0), 0);
	check(c, "k1", T0, NULL);
	check(c, "k2", T0, "12345678");
	check(c, "k3", T0, "1");
	assert_int_equal(cache_count(c), 2);
	/* An entry that takes the whole budget pushes everything else out. */
	{
		size_t vlen = room - cache_entry_cost(3, 0);
		char *big;

		/* Costs are rounded up: the longest value that still fits. */
		while (cache_entry_cost(3, vlen + 1) <= room)
			vlen++;
		assert_int_equal(cache_entry_cost(3, vlen), room);
		big = malloc(vlen + 1);

		assert_non_null(big);
		memset(big, 'x', vlen);
		big[vlen] = '\0';
		assert_int_equal(put_str(c, "big", big, T0), 0);
		assert_int_equal(cache_count(c), 1);
		check(c, "k2", T0, NULL);
		check(c, "k3", T0, NULL);
		check(c, "big", T0, big);
		/* One value byte more is over the budget: refused. */
		free(big);
		big = malloc(vlen + 2);
		assert_non_null(big);
		memset(big, 'z', vlen + 1);
		big[vlen + 1] = '\0';
		assert_int_equal(put_str(c, "big", big, T0), -1);
		free(big);
	}
	cache_free(c);
}

struct lim {
	const char	*name;
	size_t		 max_bytes;
	size_t		 keylen, vallen;
	int		 rc;
};

static const struct lim lims[] = {
	{ "key at limit", 1 << 20, CACHE_MAX_KEY, 1, 0 },
	{ "key over", 1 << 20, CACHE_MAX_KEY + 1, 1, -1 },
	{ "key far over", 1 << 20, 4 * CACHE_MAX_KEY, 0, -1 },
	{ "value at limit", 1 << 20, 1, CACHE_MAX_VALUE, 0 },
	{ "value over", 1 << 20, 1, CACHE_MAX_VALUE + 1, -1 },
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
	struct cache *c;
	const void *val;
	char *key, *v;
	size_t i, len, budget;
	int r;

	(void)state;
	for (i = 0; i < NLIMS; i++) {
		l = &lims[i];
		budget = l->max_bytes;
		if (budget <= 1)
			budget = cache_entry_cost(l->keylen, l->vallen) -
			    budget;
		c = cache_new(4, budget, TTL, seed);
		assert_non_null(c);
		key = malloc(l->keylen + 1);
		v = malloc(l->vallen + 1);
		assert_non_null(key);
		assert_non_null(v);
		memset(key, 'k', l->keylen);
		key[l->keylen] = '\0';
		memset(v, 'v', l->vallen);
		assert_int_equal(cache_put(c, "o", "", 0, T0), 0);
		r = cache_put(c, key, v, l->vallen, T0);
		if (r != l->rc)
			fail_msg("%s: put gave %d, want %d", l->name, r,
			    l->rc);
		r = cache_get(c, key, T0, &val, &len);
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
		cache_free(c);
	}
}

/* 100k distinct keys through a 1k cache: bounded, and the newest kept. */
static void
test_many_keys(void **state)
{
	enum { MAXN = 1000, PUTS = 100000 };
	struct cache *c;
	char key[32], val[32];
	int i;

	(void)state;
	c = cache_new(MAXN, 1 << 20, 3600, seed);
	assert_non_null(c);
	for (i = 0; i < PUTS; i++) {
		snprintf(key, sizeof key, "user:%07d", i);
		snprintf(val, sizeof val, "v%d", i);
		assert_int_equal(put_str(c, key, val, T0 + i / 1000), 0);
		if (cache_count(c) > MAXN)
			fail_msg("count %zu after %d puts",
			    cache_count(c), i + 1);
	}
	assert_int_equal(cache_count(c), MAXN);
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
	cache_free(c);
}

static void
test_new_free(void **state)
{
	struct cache *c;

	(void)state;
	assert_null(cache_new(0, 4096, TTL, seed));
	assert_null(cache_new(0, 0, 0, seed));
	cache_free(NULL);
	/* Room for no entry at all: every put refused, nothing held. */
	c = cache_new(4, cache_entry_cost(0, 0) - 1, TTL, seed);
	assert_non_null(c);
	assert_int_equal(cache_put(c, "", "", 0, T0), -1);
	check(c, "", T0, NULL);
	assert_int_equal(cache_count(c), 0);
	cache_free(c);
	c = cache_new(4, 0, TTL, seed);
	assert_non_null(c);
	assert_int_equal(put_str(c, "a", "1", T0), -1);
	cache_free(c);
	/* Freed with entries still in it (ASan checks for leaks). */
	c = cache_new(2, 4096, TTL, seed);
	assert_non_null(c);
	assert_int_equal(put_str(c, "a", "1", T0), 0);
	assert_int_equal(put_str(c, "b", "2", T0), 0);
	cache_free(c);
}

/*
 * The reference the ring is checked against: a plain FIFO array of
 * records, searched linearly, with the same rules stated directly.  An
 * entry costs cache_entry_cost() bytes and occupies [off, off + cost)
 * of a ring of max_bytes rounded down to 8.  It goes right after the
 * newest entry held, or at 0 when it would cross the end; the oldest
 * entries (dead ones included) are reclaimed until none overlaps it.  A
 * ring holding nothing starts over at 0.  Eviction by count comes first.
 */
struct rec {
	int		 key;		/* index for key_name() */
	uint32_t	 serial;	/* the value's bytes, see val_byte() */
	size_t		 vlen;
	time_t		 stored;
	size_t		 off, cost;
	int		 live;
};

struct model {
	struct rec	*r;		/* circular, nr slots */
	size_t		 nr, first, n;	/* n records held from first */
	size_t		 max, max_bytes, cap;
	size_t		 count;		/* live records */
	time_t		 ttl;
};

#define KEY_LEN	64

/* A distinct key per id, 2 to 30 bytes long. */
static size_t
key_name(int id, char *buf)
{
	int n = snprintf(buf, KEY_LEN, "k%d", id);
	size_t want = 2 + (size_t)(id * 7) % 29;

	while ((size_t)n < want)
		buf[n++] = '.';
	buf[n] = '\0';
	return (size_t)n;
}

static unsigned char
val_byte(uint32_t serial, size_t i)
{
	return (unsigned char)((serial * 0x9e3779b1u +
	    (uint32_t)i * 0x85ebca6bu) >> 24);
}

static void
fill_val(unsigned char *buf, uint32_t serial, size_t vlen)
{
	size_t i;

	for (i = 0; i < vlen; i++)
		buf[i] = val_byte(serial, i);
}

static void
model_init(struct model *m, size_t max, size_t max_bytes, time_t ttl)
{
	memset(m, 0, sizeof *m);
	m->max = max;
	m->max_bytes = max_bytes;
	m->cap = max_bytes & ~(size_t)7;
	m->ttl = ttl;
	/* Every entry costs at least entry_cost(0, 0). */
	m->nr = m->cap / cache_entry_cost(0, 0) + 2;
	m->r = calloc(m->nr, sizeof *m->r);
	assert_non_null(m->r);
}

static struct rec *
model_at(struct model *m, size_t i)
{
	return &m->r[(m->first + i) % m->nr];
}

static void
model_pop(struct model *m)
{
	struct rec *r = model_at(m, 0);

	if (r->live)
		m->count--;
	m->first = (m->first + 1) % m->nr;
	m->n--;
}

static int
model_expired(const struct model *m, const struct rec *r, time_t now)
{
	return now - r->stored >= m->ttl || now < r->stored - m->ttl;
}

static void
model_sweep(struct model *m, time_t now)
{
	struct rec *r;

	while (m->n > 0) {
		r = model_at(m, 0);
		if (r->live && !model_expired(m, r, now))
			break;
		model_pop(m);
	}
}

static struct rec *
model_find(struct model *m, int key)
{
	struct rec *r;
	size_t i;

	for (i = 0; i < m->n; i++) {
		r = model_at(m, i);
		if (r->live && r->key == key)
			return r;
	}
	return NULL;
}

static struct rec *
model_get(struct model *m, int key, time_t now)
{
	struct rec *r;

	model_sweep(m, now);
	r = model_find(m, key);
	if (r != NULL && model_expired(m, r, now)) {
		r->live = 0;
		m->count--;
		r = NULL;
	}
	return r;
}

static int
model_overlaps(struct model *m, size_t off, size_t cost)
{
	struct rec *r;
	size_t i;

	for (i = 0; i < m->n; i++) {
		r = model_at(m, i);
		if (r->off < off + cost && off < r->off + r->cost)
			return 1;
	}
	return 0;
}

static int
model_put(struct model *m, int key, uint32_t serial, size_t vlen,
    time_t now)
{
	char name[KEY_LEN];
	struct rec *r;
	size_t cost, off;

	cost = cache_entry_cost(key_name(key, name), vlen);
	model_sweep(m, now);
	r = model_find(m, key);
	if (r != NULL) {
		r->live = 0;
		m->count--;
	}
	if (cost > m->max_bytes)
		return -1;
	while (m->count >= m->max)
		model_pop(m);
	off = 0;
	if (m->n > 0) {
		r = model_at(m, m->n - 1);
		off = r->off + r->cost;
		if (off + cost > m->cap)
			off = 0;
	}
	while (m->n > 0 && model_overlaps(m, off, cost))
		model_pop(m);
	if (m->n == 0)
		off = 0;
	assert_true(m->n < m->nr);
	r = model_at(m, m->n++);
	r->key = key;
	r->serial = serial;
	r->vlen = vlen;
	r->stored = now;
	r->off = off;
	r->cost = cost;
	r->live = 1;
	m->count++;
	return 0;
}

/* A cache and its model, driven together and compared at every step. */
struct pair {
	struct cache	*c;
	struct model	 m;
	unsigned char	 buf[CACHE_MAX_VALUE];
	uint32_t	 serial;
	unsigned long	 op;		/* for failure messages */
};

static void
pair_init(struct pair *p, size_t max, size_t max_bytes, time_t ttl)
{
	memset(p, 0, sizeof *p);
	p->c = cache_new(max, max_bytes, ttl, seed);
	assert_non_null(p->c);
	model_init(&p->m, max, max_bytes, ttl);
}

static void
pair_cleanup(struct pair *p)
{
	cache_free(p->c);
	free(p->m.r);
}

static void
pair_put(struct pair *p, int key, size_t vlen, time_t now)
{
	char name[KEY_LEN];
	int r, want;

	key_name(key, name);
	p->serial++;
	fill_val(p->buf, p->serial, vlen);
	r = cache_put(p->c, name, p->buf, vlen, now);
	want = model_put(&p->m, key, p->serial, vlen, now);
	if (r != want)
		fail_msg("op %lu: put %s (%zu bytes) gave %d, want %d", p->op,
		    name, vlen, r, want);
	if (cache_count(p->c) != p->m.count)
		fail_msg("op %lu: put %s: count %zu, want %zu", p->op, name,
		    cache_count(p->c), p->m.count);
	p->op++;
}

/* Get key from both; returns whether it was there. */
static int
pair_get(struct pair *p, int key, time_t now)
{
	char name[KEY_LEN];
	const struct rec *want;
	const unsigned char *v;
	const void *val = NULL;
	size_t len = 0, i;
	int r;

	key_name(key, name);
	r = cache_get(p->c, name, now, &val, &len);
	want = model_get(&p->m, key, now);
	if (r != (want != NULL))
		fail_msg("op %lu: get %s gave %d, want %d", p->op, name, r,
		    want != NULL);
	if (want != NULL) {
		if (len != want->vlen)
			fail_msg("op %lu: get %s: %zu bytes, want %zu", p->op,
			    name, len, want->vlen);
		v = val;
		for (i = 0; i < len; i++)
			if (v[i] != val_byte(want->serial, i))
				fail_msg("op %lu: get %s: byte %zu differs",
				    p->op, name, i);
	}
	if (cache_count(p->c) != p->m.count)
		fail_msg("op %lu: get %s: count %zu, want %zu", p->op, name,
		    cache_count(p->c), p->m.count);
	p->op++;
	return r;
}

/* Get every key of 0..nkeys-1; returns how many were there. */
static size_t
pair_get_all(struct pair *p, int nkeys, time_t now)
{
	size_t found = 0;
	int k;

	for (k = 0; k < nkeys; k++)
		found += (size_t)pair_get(p, k, now);
	return found;
}

/* The longest value an entry under key can hold and cost exactly cost. */
static size_t
vlen_for(int key, size_t cost)
{
	char name[KEY_LEN];
	size_t keylen = key_name(key, name), v = 0;

	while (cache_entry_cost(keylen, v + 1) <= cost)
		v++;
	if (cache_entry_cost(keylen, v) != cost)
		fail_msg("no value gives key %d a cost of %zu", key, cost);
	return v;
}

/*
 * Distinct keys of varied sizes wrap a small ring many times.  Besides
 * matching the model: what the cache holds is its newest entries, and at
 * least all those whose costs add up to the ring less its largest entry
 * (the most a skipped end can waste).
 */
static void
test_ring_wrap(void **state)
{
	enum { PUTS = 3000, RING = 1000 };
	struct pair *p;
	char name[KEY_LEN];
	size_t cost[PUTS], sum, big = 0, held, total = 0;
	int i, j, gone;

	(void)state;
	p = malloc(sizeof *p);
	assert_non_null(p);
	pair_init(p, 1000, RING, TTL);
	for (i = 0; i < PUTS; i++) {
		size_t vlen = (size_t)(i * 37) % 150;

		cost[i] = cache_entry_cost(key_name(i, name), vlen);
		if (cost[i] > big)
			big = cost[i];
		total += cost[i];
		pair_put(p, i, vlen, T0);
		sum = 0;
		held = 0;
		gone = 0;
		for (j = i; j >= 0 && j > i - 40; j--) {
			sum += cost[j];
			if (pair_get(p, j, T0)) {
				if (gone)
					fail_msg("key %d held after an older "
					    "one went", j);
				held += cost[j];
			} else {
				gone = 1;
				if (sum <= (RING & ~7) - big)
					fail_msg("key %d gone with only "
					    "%zu bytes after it", j, sum);
			}
		}
		assert_true(held <= RING);
		assert_true(held == sum || gone);
	}
	/* The ring went round many times. */
	assert_true(total > 100 * RING);
	pair_cleanup(p);
	free(p);
}

/*
 * Replacing keys leaves dead entries in the ring until the head passes
 * them; the live ones are still found, with their newest values.
 */
static void
test_ring_replace(void **state)
{
	enum { NKEYS = 6 };
	struct pair *p;
	int i;

	(void)state;
	p = malloc(sizeof *p);
	assert_non_null(p);
	pair_init(p, 100, 1024, TTL);
	for (i = 0; i < NKEYS; i++)
		pair_put(p, i, 20, T0);
	/* Key 0 over and over: the others age and the ring fills up. */
	for (i = 0; i < 40; i++) {
		pair_put(p, 0, (size_t)(i * 13) % 60, T0);
		assert_int_equal(pair_get_all(p, NKEYS, T0),
		    cache_count(p->c));
	}
	/* All but key 0 were pushed out by its dead copies. */
	assert_int_equal(cache_count(p->c), 1);
	assert_true(pair_get(p, 0, T0));
	/* Every key replaced in turn, lengths varied, many laps. */
	for (i = 0; i < 2000; i++) {
		pair_put(p, i % NKEYS, (size_t)(i * 29) % 90, T0);
		pair_get_all(p, NKEYS, T0);
	}
	assert_true(cache_count(p->c) >= 1);
	assert_true(cache_count(p->c) <= NKEYS);
	pair_cleanup(p);
	free(p);
}

/*
 * An entry exactly the size of the ring, put when the ring is wrapped and
 * holds live and dead entries, takes all of it; the next one pushes it
 * out.
 */
static void
test_ring_whole(void **state)
{
	struct pair *p;
	size_t whole;
	int i;

	(void)state;
	p = malloc(sizeof *p);
	assert_non_null(p);
	pair_init(p, 100, 1003, TTL);
	whole = vlen_for(99, 1000);
	for (i = 0; i < 30; i++)
		pair_put(p, i % 9, 10 + (size_t)i, T0);
	pair_put(p, 4, 3, T0);
	assert_true(cache_count(p->c) > 3);
	pair_put(p, 99, whole, T0);
	assert_int_equal(cache_count(p->c), 1);
	assert_int_equal(pair_get_all(p, 9, T0), 0);
	assert_true(pair_get(p, 99, T0));
	/* Replacing it with itself: the dead copy goes first. */
	pair_put(p, 99, whole, T0);
	assert_true(pair_get(p, 99, T0));
	pair_put(p, 1, 0, T0);
	assert_int_equal(cache_count(p->c), 1);
	assert_false(pair_get(p, 99, T0));
	assert_true(pair_get(p, 1, T0));
	/* One byte over the ring is refused and the rest kept. */
	pair_put(p, 2, 40, T0);
	pair_put(p, 99, whole + 1, T0);
	assert_int_equal(pair_get_all(p, 3, T0), 2);
	pair_cleanup(p);
	free(p);
}

/* Put under key a value that makes the entry cost exactly cost. */
static void
put_cost(struct pair *p, int key, size_t cost, time_t now)
{
	pair_put(p, key, vlen_for(key, cost), now);
}

/*
 * An entry that does not fit between the last one and the end of the
 * ring goes at 0, and the bytes it skipped are passed over when the head
 * gets there.  The ring is 264 bytes: four entries of 64 leave 8.
 */
static void
test_ring_skip_end(void **state)
{
	struct pair *p;
	int i;

	(void)state;
	p = malloc(sizeof *p);
	assert_non_null(p);
	pair_init(p, 100, 264, TTL);
	for (i = 0; i < 4; i++)
		put_cost(p, i, 64, T0);
	assert_int_equal(pair_get_all(p, 10, T0), 4);
	/* 8 bytes left: the fifth wraps and only the first makes room. */
	put_cost(p, 4, 64, T0);
	assert_int_equal(cache_count(p->c), 4);
	assert_false(pair_get(p, 0, T0));
	for (i = 1; i <= 4; i++)
		assert_true(pair_get(p, i, T0));
	/* Round and round: always the newest four. */
	for (i = 5; i < 200; i++) {
		put_cost(p, i % 10, 64, T0);
		assert_int_equal(cache_count(p->c), 4);
		assert_true(pair_get(p, i % 10, T0));
		assert_true(pair_get(p, (i + 7) % 10, T0));
		assert_false(pair_get(p, (i + 6) % 10, T0));
	}
	pair_cleanup(p);

	/* 64 + 168 leave a gap of 32: the next 64 wraps over it. */
	pair_init(p, 100, 264, TTL);
	put_cost(p, 0, 64, T0);
	put_cost(p, 1, 168, T0);
	put_cost(p, 2, 64, T0);
	assert_false(pair_get(p, 0, T0));
	assert_true(pair_get(p, 1, T0));
	assert_true(pair_get(p, 2, T0));
	/* The 168 goes; the head passes the gap and wraps to 2's entry. */
	put_cost(p, 3, 64, T0);
	assert_false(pair_get(p, 1, T0));
	assert_true(pair_get(p, 2, T0));
	assert_true(pair_get(p, 3, T0));
	/* 2 at 0, 3 at 64: the 136 bytes after them are all free. */
	put_cost(p, 4, 136, T0);
	assert_int_equal(cache_count(p->c), 3);
	/* None left at the end: the next wraps and pushes out 2 only. */
	put_cost(p, 5, 64, T0);
	assert_int_equal(pair_get_all(p, 6, T0), 3);
	assert_false(pair_get(p, 2, T0));
	pair_cleanup(p);
	free(p);
}

/* Dead entries at the head do not count: live ones still make room. */
static void
test_ring_count_dead(void **state)
{
	struct cache *c;

	(void)state;
	c = cache_new(3, 4096, TTL, seed);
	assert_non_null(c);
	assert_int_equal(put_str(c, "a", "1", T0), 0);
	assert_int_equal(put_str(c, "b", "2", T0), 0);
	assert_int_equal(put_str(c, "c", "3", T0), 0);
	/* "a" dies at the head; its replacement fits without evicting. */
	assert_int_equal(put_str(c, "a", "1'", T0), 0);
	assert_int_equal(cache_count(c), 3);
	check(c, "b", T0, "2");
	/* Reclaiming the dead "a" frees no slot: "b" goes too. */
	assert_int_equal(put_str(c, "d", "4", T0), 0);
	assert_int_equal(cache_count(c), 3);
	check(c, "b", T0, NULL);
	check(c, "c", T0, "3");
	check(c, "a", T0, "1'");
	check(c, "d", T0, "4");
	/* Several dead in a row at the head. */
	assert_int_equal(put_str(c, "c", "3'", T0), 0);
	assert_int_equal(put_str(c, "a", "1''", T0), 0);
	assert_int_equal(put_str(c, "e", "5", T0), 0);
	assert_int_equal(cache_count(c), 3);
	check(c, "d", T0, NULL);
	check(c, "c", T0, "3'");
	check(c, "a", T0, "1''");
	check(c, "e", T0, "5");
	cache_free(c);
}

/*
 * The clock steps back while the ring is wrapped: the entries stored
 * after the step expire before those ahead of them, out of order, and
 * the head later passes them as dead.
 */
static void
test_ring_clock_back(void **state)
{
	struct pair *p;
	time_t now = T0;
	int i, k;

	(void)state;
	p = malloc(sizeof *p);
	assert_non_null(p);
	pair_init(p, 100, 1200, TTL);
	for (i = 0; i < 60; i++)
		pair_put(p, i % 12, 30 + (size_t)(i * 11) % 40, now);
	/* Back 30 s: keys 0-3 now live until T0 + 30, the rest T0 + 60. */
	now = T0 - 30;
	for (i = 0; i < 4; i++)
		pair_put(p, i, 20, now);
	assert_true(pair_get_all(p, 12, T0 + 29) > 4);
	for (i = 0; i < 4; i++)
		assert_false(pair_get(p, i, T0 + 30));
	for (k = 4; k < 12; k++)
		pair_get(p, k, T0 + 30);
	assert_true(cache_count(p->c) > 0);
	/* Wrap over the dead entries; steps back and forth on the way. */
	for (i = 0; i < 400; i++) {
		now = T0 + 30 + i / 10 - (i % 50 == 0 ? 70 : 0);
		pair_put(p, i % 12, (size_t)(i * 7) % 90, now);
		pair_get_all(p, 12, now + (i % 3 == 0 ? TTL - 1 : 0));
	}
	/* A step back of more than TTL loses everything stored since. */
	assert_int_equal(pair_get_all(p, 12, T0 - 200), 0);
	assert_int_equal(cache_count(p->c), 0);
	pair_cleanup(p);
	free(p);
}

/* Configurations for the randomized comparison with the model. */
struct fuzzcase {
	const char	*name;
	size_t		 max, max_bytes;
	time_t		 ttl;
	int		 nkeys;
	size_t		 maxval;	/* longest value tried */
	int		 back;		/* let the clock step back */
};

static const struct fuzzcase fuzzcases[] = {
	{ "bytes bound", 1000, 2052, 50, 40, 300, 1 },
	{ "count bound", 7, 4096, 50, 20, 200, 1 },
	{ "both, many keys", 30, 3000, 20, 400, 120, 1 },
	{ "whole-ring values", 100, 1024, 100, 8, 1100, 1 },
	{ "monotone clock", 50, 1536, 30, 100, 160, 0 },
	{ "one entry", 1, 256, 10, 4, 240, 1 },
};
#define NFUZZ	(sizeof fuzzcases / sizeof fuzzcases[0])

static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Random puts, gets and clock moves, the same on the cache and on the
 * model: results and counts must agree after every operation.
 */
static void
test_ring_model(void **state)
{
	enum { OPS = 200000 };
	const struct fuzzcase *f;
	struct pair *p;
	uint64_t rs = 0x2545f4914f6cdd1dULL, x;
	time_t now;
	size_t i, vlen, hits, gets;
	int j;

	(void)state;
	p = malloc(sizeof *p);
	assert_non_null(p);
	for (i = 0; i < NFUZZ; i++) {
		f = &fuzzcases[i];
		pair_init(p, f->max, f->max_bytes, f->ttl);
		now = T0;
		hits = gets = 0;
		for (j = 0; j < OPS; j++) {
			x = rng_next(&rs);
			switch (x % 10) {
			case 0: case 1: case 2: case 3: case 4:
				/* Mostly short values, a few long ones. */
				vlen = (size_t)(x >> 8) % (f->maxval + 1);
				if ((x >> 40) % 4 != 0)
					vlen /= 8;
				pair_put(p, (int)((x >> 20) %
				    (uint64_t)f->nkeys), vlen, now);
				break;
			case 5: case 6: case 7: case 8:
				hits += (size_t)pair_get(p, (int)((x >> 20) %
				    (uint64_t)f->nkeys), now);
				gets++;
				break;
			default:
				if (f->back && (x >> 8) % 16 == 0)
					now -= (time_t)((x >> 12) %
					    (uint64_t)(2 * f->ttl));
				else
					now += (time_t)((x >> 12) % 3);
				break;
			}
			if (j % 5000 == 0)
				pair_get_all(p, f->nkeys, now);
			if (cache_count(p->c) > f->max)
				fail_msg("%s: count %zu over %zu", f->name,
				    cache_count(p->c), f->max);
		}
		/* The run exercised hits and misses, not just one side. */
		if (hits < gets / 50 || gets - hits < gets / 50)
			fail_msg("%s: %zu hits in %zu gets", f->name, hits,
			    gets);
		pair_cleanup(p);
	}
	free(p);
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
		h = siphash(key, msg, sipvec[i].n);
		if (h != sipvec[i].h)
			fail_msg("n=%zu: got %016llx, want %016llx",
			    sipvec[i].n, (unsigned long long)h,
			    (unsigned long long)sipvec[i].h);
	}
	/* The key matters: one flipped bit gives another hash. */
	memcpy(other, key, sizeof other);
	other[15] ^= 0x80;
	assert_true(siphash(other, msg, 15) != sipvec[5].h);
}

/* The OpenID pseudonym is the hash of the string in 16 hex digits. */
static void
test_siphash_uid(void **state)
{
	unsigned char key[16];
	char out[SIPHASH_UID_LEN + 1], want[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof key; i++)
		key[i] = (unsigned char)i;
	/* The empty message under the vectors' key is sipvec[0]. */
	memset(out, 'x', sizeof out);
	siphash_uid(key, "", out);
	snprintf(want, sizeof want, "%016llx",
	    (unsigned long long)sipvec[0].h);
	assert_string_equal(out, want);
	assert_int_equal(strlen(out), SIPHASH_UID_LEN);
	siphash_uid(key, "oABCD", out);
	assert_int_equal(strspn(out, "0123456789abcdef"), SIPHASH_UID_LEN);
}

/*
 * The figures SECURITY.md gives, measured (audit finding 7: the nonce
 * cache's budget held ~40,000 entries, not the 65,536 it claimed).  The
 * caches are built as wx_callback builds them and filled with typical
 * entries: every one of them must still be there.
 */
static size_t
fill(size_t max, size_t bytes, size_t keylen, size_t vallen)
{
	struct cache *c = cache_new(max, bytes, 601, seed);
	char key[80], val[64];
	const void *v;
	size_t i, n, len;

	assert_non_null(c);
	memset(val, 'k', sizeof val);
	for (i = 0; i < max + 10; i++) {
		/* A 10-digit timestamp, ':', then digits to keylen. */
		snprintf(key, sizeof key, "1700000000:%0*zu",
		    (int)(keylen - 11), i);
		assert_int_equal(cache_put(c, key, val, vallen, T0), 0);
	}
	/* The oldest max of them, all still held. */
	n = 0;
	for (i = 10; i < max + 10; i++) {
		snprintf(key, sizeof key, "1700000000:%0*zu",
		    (int)(keylen - 11), i);
		n += cache_get(c, key, T0 + 1, &v, &len);
	}
	cache_free(c);
	return n;
}

static void
test_callback_budgets(void **state)
{
	(void)state;
	/* Nonces: "1700000000:1234567890" and a message key. */
	assert_int_equal(fill(WX_NONCE_MAX, WX_NONCE_MAX *
	    cache_entry_cost(WX_NONCE_TYPICAL_KEY, WX_KEY_HEX),
	    WX_NONCE_TYPICAL_KEY, WX_KEY_HEX), WX_NONCE_MAX);
	/* Messages dispatched in the window: a message key, no value. */
	assert_int_equal(fill(WX_SEEN_MAX, (WX_SEEN_MAX + 1) *
	    cache_entry_cost(WX_KEY_HEX, 0), WX_KEY_HEX, 0), WX_SEEN_MAX);
	/* The bytes they take: 5.5 MiB and 9 MiB. */
	assert_int_equal(WX_NONCE_MAX * cache_entry_cost(
	    WX_NONCE_TYPICAL_KEY, WX_KEY_HEX), 5767168);
	assert_int_equal((WX_SEEN_MAX + 1) * cache_entry_cost(WX_KEY_HEX,
	    0), 9437256);
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
		cmocka_unit_test(test_ring_wrap),
		cmocka_unit_test(test_ring_replace),
		cmocka_unit_test(test_ring_whole),
		cmocka_unit_test(test_ring_skip_end),
		cmocka_unit_test(test_ring_count_dead),
		cmocka_unit_test(test_ring_clock_back),
		cmocka_unit_test(test_ring_model),
		cmocka_unit_test(test_siphash),
		cmocka_unit_test(test_siphash_uid),
		cmocka_unit_test(test_callback_budgets),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
