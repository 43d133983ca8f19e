/*
 * cache — a bounded map from string keys to byte values whose entries
 * expire a fixed time after they were stored.  Used for the retry-safe
 * reply cache, the replay (nonce) cache and per-user suggestion state.
 * The hash is keyed with a random seed so chosen keys cannot collide on
 * purpose.  Not thread-safe: callers serialize with a lock of their own.
 */
#ifndef CACHE_H
#define CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CACHE_MAX_KEY	512
#define CACHE_MAX_VALUE	(64 * 1024)

struct cache;

/*
 * A cache of at most max entries in max_bytes of memory (headers, keys and
 * values counted, see cache_entry_cost()), each living ttl seconds.
 * The max_bytes are allocated here, once: a put never allocates.  When
 * full, the oldest entries make room; a replaced or expired entry keeps
 * its bytes until every entry stored before it is gone too.  seed keys
 * the hash (16 bytes).  NULL when max is 0 or on allocation failure.
 * Free with cache_free().
 */
struct cache *cache_new(size_t max, size_t max_bytes, time_t ttl,
	    const unsigned char seed[16]);
/* Frees the cache and what it holds; NULL is a no-op. */
void	cache_free(struct cache *);

/*
 * Look key up at time now.  Returns 1 and points *val and *len at the stored
 * bytes (valid until the next put or expiry), or 0 when absent/expired.
 */
int	cache_get(struct cache *, const char *key, time_t now,
	    const void **val, size_t *len);

/*
 * Store a copy of len bytes under key (replacing an older value) with its
 * life starting at now.  Returns 0, or -1 when key or value is over its
 * limit or the entry alone costs more than max_bytes (an older value under
 * key is then dropped all the same).
 */
int	cache_put(struct cache *, const char *key, const void *val,
	    size_t len, time_t now);

/* The bytes one entry with these lengths counts against max_bytes. */
size_t	cache_entry_cost(size_t keylen, size_t vallen);

/*
 * Entries currently held (expired ones not yet reclaimed included,
 * replaced ones not).
 */
size_t	cache_count(const struct cache *);

#endif
