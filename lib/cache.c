/*
 * cache — bounded TTL map kept in one preallocated ring of bytes.
 * Every entry has the same life, so the insertion order is also the
 * expiry order: entries are appended at the ring's tail and both expiry
 * and eviction reclaim them from its head.  A put never calls malloc and
 * an eviction never calls free: under load, one chunk per request
 * interleaved long- and short-lived chunks in the allocator's heap and
 * cost more than the rest of the request path.
 */
#include <endian.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cache.h"
#include "lib/siphash.h"

/*
 * One entry in the ring: this header, the key and its NUL, the value,
 * then padding up to WX_ALIGN.  An entry never straddles the end of the
 * ring.  A dead entry (replaced, or expired behind the head) is out of
 * its bucket; its bytes come back when the head passes it.
 */
struct wx_entry {
	struct wx_entry	*bucket_next;
	uint64_t	 hash;
	time_t		 stored;
	uint32_t	 vallen;
	uint16_t	 keylen;
	uint16_t	 live;
	char		 key[];		/* keylen + 1 bytes, then the value */
};

/* Every entry starts on this boundary, so its header is aligned. */
#define WX_ALIGN	8

_Static_assert(_Alignof(struct wx_entry) <= WX_ALIGN,
    "entry header needs more alignment than the ring gives");
_Static_assert(CACHE_MAX_KEY <= UINT16_MAX, "keylen is 16 bits");
_Static_assert(CACHE_MAX_VALUE <= UINT32_MAX, "vallen is 32 bits");

/*
 * The ring holds entries in insertion order from head.  Not wrapped, they
 * fill [head, tail).  Wrapped, they fill [head, end) then [0, tail), and
 * the bytes from end to cap were too few for the entry that wrapped.
 */
struct cache {
	unsigned char	*ring;
	size_t		 cap;		/* max_bytes rounded down */
	size_t		 head, tail, end;
	int		 wrapped;
	size_t		 held;		/* entries, dead ones included */
	struct wx_entry	**buckets;
	size_t		 nbuckets;	/* power of two */
	size_t		 count, max;	/* live entries */
	time_t		 ttl;
	unsigned char	 seed[16];
};

size_t
cache_entry_cost(size_t keylen, size_t vallen)
{
	size_t n = offsetof(struct wx_entry, key) + 1 + WX_ALIGN - 1;

	/* Saturate rather than wrap: such an entry never fits. */
	if (keylen > SIZE_MAX - n || vallen > SIZE_MAX - n - keylen)
		return SIZE_MAX;
	return (n + keylen + vallen) & ~(size_t)(WX_ALIGN - 1);
}

struct cache *
cache_new(size_t max, size_t max_bytes, time_t ttl,
    const unsigned char seed[16])
{
	struct cache *c;
	size_t nb = 16;

	if (max == 0)
		return NULL;
	while (nb < max && nb < ((size_t)1 << 30))
		nb <<= 1;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	/* Costs are multiples of WX_ALIGN: the cut-off bytes never help. */
	c->cap = max_bytes & ~(size_t)(WX_ALIGN - 1);
	/*
	 * Not cleared: the pages stay out of the resident set until entries
	 * reach them.  No ring at all when no entry can fit.
	 */
	if (c->cap >= cache_entry_cost(0, 0)) {
		c->ring = malloc(c->cap);
		if (c->ring == NULL)
			goto fail;
	}
	c->buckets = calloc(nb, sizeof *c->buckets);
	if (c->buckets == NULL)
		goto fail;
	c->nbuckets = nb;
	c->max = max;
	c->ttl = ttl;
	memcpy(c->seed, seed, sizeof c->seed);
	return c;
fail:
	cache_free(c);
	return NULL;
}

void
cache_free(struct cache *c)
{
	if (c == NULL)
		return;
	free(c->ring);
	free(c->buckets);
	free(c);
}

static struct wx_entry *
cache_at(const struct cache *c, size_t off)
{
	return (struct wx_entry *)(void *)(c->ring + off);
}

static size_t
wx_entry_size(const struct wx_entry *e)
{
	return cache_entry_cost(e->keylen, e->vallen);
}

/* Take a live entry out of its bucket; its bytes stay until reclaimed. */
static void
cache_kill(struct cache *c, struct wx_entry *e)
{
	struct wx_entry **pp = &c->buckets[e->hash & (c->nbuckets - 1)];

	while (*pp != e)
		pp = &(*pp)->bucket_next;
	*pp = e->bucket_next;
	e->live = 0;
	c->count--;
}

/* Reclaim the entry at the head, live or dead.  The ring holds one. */
static void
cache_pop(struct cache *c)
{
	struct wx_entry *e = cache_at(c, c->head);

	if (e->live)
		cache_kill(c, e);
	c->head += wx_entry_size(e);
	c->held--;
	if (c->held == 0) {
		/* Empty: restart at 0, so an entry of the whole ring fits. */
		c->head = c->tail = c->end = 0;
		c->wrapped = 0;
	} else if (c->wrapped && c->head == c->end) {
		c->head = 0;
		c->wrapped = 0;
	}
}

/* Past its life at now, or stored far in now's future (clock stepped back). */
static int
wx_entry_expired(const struct cache *c, const struct wx_entry *e,
    time_t now)
{
	return now - e->stored >= c->ttl || now < e->stored - c->ttl;
}

/* Reclaim dead entries and those expired by now from the head. */
static void
cache_expire(struct cache *c, time_t now)
{
	struct wx_entry *e;

	while (c->held > 0) {
		e = cache_at(c, c->head);
		if (e->live && !wx_entry_expired(c, e, now))
			break;
		cache_pop(c);
	}
}

/*
 * The offset of size contiguous free bytes, reclaiming from the head
 * until there are.  size is at most cap.
 */
static size_t
cache_room(struct cache *c, size_t size)
{
	for (;;) {
		if (c->held == 0)
			return 0;
		if (!c->wrapped) {
			if (c->cap - c->tail >= size)
				return c->tail;
			/* Too few bytes left before the end: wrap to 0. */
			if (c->head >= size) {
				c->end = c->tail;
				c->wrapped = 1;
				return 0;
			}
		} else if (c->head - c->tail >= size)
			return c->tail;
		cache_pop(c);
	}
}

static struct wx_entry *
cache_find(struct cache *c, const char *key, size_t keylen,
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
cache_get(struct cache *c, const char *key, time_t now,
    const void **val, size_t *len)
{
	size_t keylen = strlen(key);
	struct wx_entry *e;

	cache_expire(c, now);
	if (keylen > CACHE_MAX_KEY)
		return 0;
	e = cache_find(c, key, keylen, siphash(c->seed, key, keylen));
	if (e == NULL)
		return 0;
	/*
	 * After the clock stepped back, a later entry can be stored before
	 * the head and expire first: the sweep above stops at the head.
	 */
	if (wx_entry_expired(c, e, now)) {
		cache_kill(c, e);
		return 0;
	}
	*val = e->key + e->keylen + 1;
	*len = e->vallen;
	return 1;
}

int
cache_put(struct cache *c, const char *key, const void *val,
    size_t len, time_t now)
{
	size_t keylen = strlen(key), size, off, b;
	struct wx_entry *e;
	uint64_t h;

	if (keylen > CACHE_MAX_KEY || len > CACHE_MAX_VALUE)
		return -1;
	cache_expire(c, now);
	h = siphash(c->seed, key, keylen);
	/* Dropped even if the new value is refused: it is out of date. */
	e = cache_find(c, key, keylen, h);
	if (e != NULL)
		cache_kill(c, e);
	size = cache_entry_cost(keylen, len);
	if (size > c->cap)
		return -1;
	while (c->count >= c->max)
		cache_pop(c);
	off = cache_room(c, size);
	e = cache_at(c, off);
	memcpy(e->key, key, keylen + 1);
	if (len > 0)
		memcpy(e->key + keylen + 1, val, len);
	e->keylen = (uint16_t)keylen;
	e->vallen = (uint32_t)len;
	e->hash = h;
	e->stored = now;
	e->live = 1;
	b = h & (c->nbuckets - 1);
	e->bucket_next = c->buckets[b];
	c->buckets[b] = e;
	c->tail = off + size;
	c->held++;
	c->count++;
	return 0;
}

size_t
cache_count(const struct cache *c)
{
	return c->count;
}
