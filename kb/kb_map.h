/*
 * kb_map — a fixed-capacity hash map from byte strings to 32-bit values
 * (open addressing, linear probing).  Keys are not copied: the caller keeps
 * them alive as long as the map.  Read-only use is safe from any number of
 * readers.
 */
#ifndef KB_MAP_H
#define KB_MAP_H

#include <stddef.h>
#include <stdint.h>

struct kb_map;

/* A map for up to cap keys, or NULL when out of memory. */
struct kb_map	*kb_map_new(size_t cap);

/* Free the map (not the keys); NULL is a no-op. */
void	kb_map_free(struct kb_map *);

/*
 * Insert key (len bytes) with val.  Returns 0 when inserted, 1 when the key
 * was already there (*old, if not NULL, gets its value; the map is
 * unchanged), -1 when the map is full.
 */
int	kb_map_put(struct kb_map *, const char *key, size_t len, uint32_t val,
	    uint32_t *old);

/* 1 and *val when key is present, 0 otherwise. */
int	kb_map_get(const struct kb_map *, const char *key, size_t len,
	    uint32_t *val);

/* Bytes allocated by the map. */
size_t	kb_map_memory(const struct kb_map *);

/* The 64-bit FNV-1a hash of len bytes (also used by other kb modules). */
uint64_t kb_map_hash(const char *key, size_t len);

#endif
