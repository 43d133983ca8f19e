/*
 * kb_map — string-keyed hash map of fixed capacity.  The table has at least
 * twice as many slots as keys, so probes stay short and never wrap forever.
 */
#include <stdlib.h>
#include <string.h>

#include "kb/kb_map.h"

struct map_slot {
	const char	*key;		/* NULL: empty slot */
	uint32_t	 len;
	uint32_t	 val;
	uint64_t	 hash;
};

struct kb_map {
	struct map_slot	*slots;
	size_t		 mask;
	size_t		 n, cap;
};

uint64_t
kb_map_hash(const char *key, size_t len)
{
	const unsigned char *p = (const unsigned char *)key;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

struct kb_map *
kb_map_new(size_t cap)
{
	struct kb_map *m;
	size_t size = 16;

	while (size < 2 * cap) {
		if (size > SIZE_MAX / 4 / sizeof(struct map_slot))
			return NULL;
		size *= 2;
	}
	m = calloc(1, sizeof *m);
	if (m == NULL)
		return NULL;
	m->slots = calloc(size, sizeof *m->slots);
	if (m->slots == NULL) {
		free(m);
		return NULL;
	}
	m->mask = size - 1;
	m->cap = cap;
	return m;
}

void
kb_map_free(struct kb_map *m)
{
	if (m == NULL)
		return;
	free(m->slots);
	free(m);
}

static struct map_slot *
map_find(const struct kb_map *m, const char *key, size_t len, uint64_t h)
{
	struct map_slot *s;
	size_t i;

	for (i = (size_t)h & m->mask;; i = (i + 1) & m->mask) {
		s = &m->slots[i];
		if (s->key == NULL)
			return s;
		if (s->hash == h && s->len == len &&
		    memcmp(s->key, key, len) == 0)
			return s;
	}
}

int
kb_map_put(struct kb_map *m, const char *key, size_t len, uint32_t val,
    uint32_t *old)
{
	struct map_slot *s;
	uint64_t h;

	if (len > UINT32_MAX)
		return -1;
	h = kb_map_hash(key, len);
	s = map_find(m, key, len, h);
	if (s->key != NULL) {
		if (old != NULL)
			*old = s->val;
		return 1;
	}
	if (m->n >= m->cap)
		return -1;
	/* An empty key still needs a non-NULL pointer to mark the slot. */
	s->key = key != NULL ? key : "";
	s->len = (uint32_t)len;
	s->val = val;
	s->hash = h;
	m->n++;
	return 0;
}

int
kb_map_get(const struct kb_map *m, const char *key, size_t len,
    uint32_t *val)
{
	const struct map_slot *s;

	if (m == NULL)
		return 0;
	s = map_find(m, key, len, kb_map_hash(key, len));
	if (s->key == NULL)
		return 0;
	if (val != NULL)
		*val = s->val;
	return 1;
}

size_t
kb_map_memory(const struct kb_map *m)
{
	return m == NULL ? 0 : sizeof *m + (m->mask + 1) * sizeof *m->slots;
}
