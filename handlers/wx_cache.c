/*
 * wx_cache — bounded TTL map.  Every entry has the same life, so the
 * insertion list is also the expiry order: expiry and eviction both take
 * from its head.
 */
#include <stdlib.h>
#include <string.h>

#include "handlers/wx_cache.h"

struct wx_entry {
	struct wx_entry	*bucket_next;
	struct wx_entry	*older, *newer;	/* insertion list */
	uint64_t	 hash;
	time_t		 stored;
	size_t		 keylen, vallen;
	unsigned char	*val;		/* right after key, same allocation */
	char		 key[];		/* keylen + 1 bytes */
};

/*
 * What an entry really costs: its header, key and value, and malloc's own
 * bookkeeping (about two words) — so max_bytes bounds resident memory.
 */
#define WX_ENTRY_COST(keylen, vallen) \
	(sizeof(struct wx_entry) + (keylen) + 1 + (vallen) + 16)

struct wx_cache {
	struct wx_entry	**buckets;
	size_t		 nbuckets;	/* power of two */
	size_t		 count, max;
	size_t		 bytes, max_bytes;
	time_t		 ttl;
	struct wx_entry	*oldest, *newest;
	unsigned char	 seed[16];
};

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do {						\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

static uint64_t
wx_le64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

uint64_t
wx_siphash(const unsigned char key[16], const void *data, size_t n)
{
	const unsigned char *p = data, *end = p + (n - n % 8);
	uint64_t k0 = wx_le64(key), k1 = wx_le64(key + 8), m, b;
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
	uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
	uint64_t v3 = 0x7465646279746573ULL ^ k1;
	size_t left = n % 8, i;

	for (; p != end; p += 8) {
		m = wx_le64(p);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	b = (uint64_t)n << 56;
	for (i = 0; i < left; i++)
		b |= (uint64_t)p[i] << (8 * i);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

struct wx_cache *
wx_cache_new(size_t max, size_t max_bytes, time_t ttl,
    const unsigned char seed[16])
{
	struct wx_cache *c;
	size_t nb = 16;

	if (max == 0)
		return NULL;
	while (nb < max && nb < ((size_t)1 << 30))
		nb <<= 1;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	c->buckets = calloc(nb, sizeof *c->buckets);
	if (c->buckets == NULL) {
		free(c);
		return NULL;
	}
	c->nbuckets = nb;
	c->max = max;
	c->max_bytes = max_bytes;
	c->ttl = ttl;
	memcpy(c->seed, seed, sizeof c->seed);
	return c;
}

static void
wx_cache_unlink(struct wx_cache *c, struct wx_entry *e)
{
	struct wx_entry **pp = &c->buckets[e->hash & (c->nbuckets - 1)];

	while (*pp != e)
		pp = &(*pp)->bucket_next;
	*pp = e->bucket_next;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	c->count--;
	c->bytes -= WX_ENTRY_COST(e->keylen, e->vallen);
	free(e);
}

void
wx_cache_free(struct wx_cache *c)
{
	if (c == NULL)
		return;
	while (c->oldest != NULL)
		wx_cache_unlink(c, c->oldest);
	free(c->buckets);
	free(c);
}

/* Past its life at now, or stored far in now's future (clock stepped back). */
static int
wx_entry_expired(const struct wx_cache *c, const struct wx_entry *e,
    time_t now)
{
	return now - e->stored >= c->ttl || now < e->stored - c->ttl;
}

/* Drop entries that expired by now (the head of the insertion list). */
static void
wx_cache_expire(struct wx_cache *c, time_t now)
{
	while (c->oldest != NULL && wx_entry_expired(c, c->oldest, now))
		wx_cache_unlink(c, c->oldest);
}

static struct wx_entry *
wx_cache_find(struct wx_cache *c, const char *key, size_t keylen,
    uint64_t h)
{
	struct wx_entry *e;

	for (e = c->buckets[h & (c->nbuckets - 1)]; e != NULL;
	    e = e->bucket_next) {
		if (e->hash == h && e->keylen == keylen &&
		    memcmp(e->key, key, keylen) == 0)
			return e;
	}
	return NULL;
}

int
wx_cache_get(struct wx_cache *c, const char *key, time_t now,
    const void **val, size_t *len)
{
	size_t keylen = strlen(key);
	struct wx_entry *e;

	wx_cache_expire(c, now);
	if (keylen > WX_CACHE_MAX_KEY)
		return 0;
	e = wx_cache_find(c, key, keylen, wx_siphash(c->seed, key, keylen));
	if (e == NULL)
		return 0;
	/*
	 * After the clock stepped back, a later entry can be stored before
	 * the head and expire first: the sweep above stops at the head.
	 */
	if (wx_entry_expired(c, e, now)) {
		wx_cache_unlink(c, e);
		return 0;
	}
	*val = e->val;
	*len = e->vallen;
	return 1;
}

int
wx_cache_put(struct wx_cache *c, const char *key, const void *val,
    size_t len, time_t now)
{
	size_t keylen = strlen(key);
	struct wx_entry *e;
	uint64_t h;

	if (keylen > WX_CACHE_MAX_KEY || len > WX_CACHE_MAX_VALUE)
		return -1;
	wx_cache_expire(c, now);
	h = wx_siphash(c->seed, key, keylen);
	e = wx_cache_find(c, key, keylen, h);
	if (e != NULL)
		wx_cache_unlink(c, e);
	if (WX_ENTRY_COST(keylen, len) > c->max_bytes)
		return -1;
	while (c->count >= c->max ||
	    c->bytes + WX_ENTRY_COST(keylen, len) > c->max_bytes)
		wx_cache_unlink(c, c->oldest);
	e = malloc(sizeof *e + keylen + 1 + len);
	if (e == NULL)
		return -1;
	e->val = (unsigned char *)e->key + keylen + 1;
	if (len > 0)
		memcpy(e->val, val, len);
	memcpy(e->key, key, keylen + 1);
	e->keylen = keylen;
	e->vallen = len;
	e->hash = h;
	e->stored = now;
	e->bucket_next = c->buckets[h & (c->nbuckets - 1)];
	c->buckets[h & (c->nbuckets - 1)] = e;
	e->newer = NULL;
	e->older = c->newest;
	if (c->newest != NULL)
		c->newest->newer = e;
	else
		c->oldest = e;
	c->newest = e;
	c->count++;
	c->bytes += WX_ENTRY_COST(keylen, len);
	return 0;
}

size_t
wx_cache_entry_cost(size_t keylen, size_t vallen)
{
	return WX_ENTRY_COST(keylen, vallen);
}

size_t
wx_cache_count(const struct wx_cache *c)
{
	return c->count;
}
