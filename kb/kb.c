/*
 * kb — life cycle and read accessors of a knowledge-base generation, its
 * arena, and the formatting of load diagnostics.  Loading is in
 * kb_load.c, matching in kb_match.c, suggestions in kb_suggest.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/kb.h"
#include "kb/kb_ac.h"
#include "kb/kb_int.h"
#include "kb/kb_map.h"
#include "kb/kb_syn.h"

#define ARENA_CHUNK	(64 * 1024)
#define ARENA_ALIGN	(sizeof(max_align_t))

size_t
kb_decode(const char *s, size_t len, uint32_t *cp, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n = 0;

	while (i < len && n < max) {
		if (p[i] < 0x80)
			cp[n++] = p[i++];
		else if (p[i] < 0xe0 && i + 1 < len) {
			cp[n++] = (uint32_t)(p[i] & 0x1f) << 6 |
			    (p[i + 1] & 0x3f);
			i += 2;
		} else if (p[i] < 0xf0 && i + 2 < len) {
			cp[n++] = (uint32_t)(p[i] & 0x0f) << 12 |
			    (uint32_t)(p[i + 1] & 0x3f) << 6 |
			    (p[i + 2] & 0x3f);
			i += 3;
		} else if (i + 3 < len) {
			cp[n++] = (uint32_t)(p[i] & 0x07) << 18 |
			    (uint32_t)(p[i + 1] & 0x3f) << 12 |
			    (uint32_t)(p[i + 2] & 0x3f) << 6 |
			    (p[i + 3] & 0x3f);
			i += 4;
		} else
			break;
	}
	return n;
}

int
kb_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void *
kb_arena_alloc(struct kb_arena *a, size_t size)
{
	struct kb_arena_chunk *c = a->head;
	size_t need, csize;
	void *p;

	if (size > SIZE_MAX / 2)
		return NULL;
	need = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	if (need == 0)
		need = ARENA_ALIGN;
	if (c == NULL || c->size - c->used < need) {
		csize = need > ARENA_CHUNK / 4 ? need : ARENA_CHUNK;
		c = malloc(sizeof *c + csize);
		if (c == NULL)
			return NULL;
		c->size = csize;
		c->used = 0;
		/* A big block goes behind the current chunk so the space
		   left in that one is not wasted. */
		if (a->head != NULL && csize != ARENA_CHUNK) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
		a->total += sizeof *c + csize;
	}
	p = c->data + c->used;
	c->used += need;
	return p;
}

char *
kb_arena_strndup(struct kb_arena *a, const char *s, size_t len)
{
	char *p;

	p = kb_arena_alloc(a, len + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void
kb_arena_cleanup(struct kb_arena *a)
{
	struct kb_arena_chunk *c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
	a->total = 0;
}

struct kb *
kb_new(uint64_t generation)
{
	struct kb *kb;

	kb = calloc(1, sizeof *kb);
	if (kb == NULL)
		return NULL;
	atomic_init(&kb->refs, 1);
	kb->generation = generation;
	return kb;
}

void
kb_ref(struct kb *kb)
{
	atomic_fetch_add(&kb->refs, 1);
}

void
kb_unref(struct kb *kb)
{
	if (kb == NULL || atomic_fetch_sub(&kb->refs, 1) != 1)
		return;
	kb_match_cleanup(kb);
	kb_syn_cleanup(kb);
	kb_bm25_cleanup(kb);
	kb_suggest_cleanup(kb);
	kb_map_free(kb->by_id);
	kb_map_free(kb->by_menu);
	kb_arena_cleanup(&kb->arena);
	free(kb);
}

const char *
kb_strerror(int r)
{
	switch (r) {
	case KB_OK:
		return "success";
	case KB_ERR_IO:
		return "cannot read or write the file";
	case KB_ERR_TOOBIG:
		return "file too large";
	case KB_ERR_SYNTAX:
		return "not valid JSON";
	case KB_ERR_SCHEMA:
		return "knowledge base breaks the schema";
	case KB_ERR_NOMEM:
		return "out of memory";
	}
	return "unknown error";
}

uint64_t
kb_generation(const struct kb *kb)
{
	return kb->generation;
}

size_t
kb_nitems(const struct kb *kb)
{
	return kb->nitems;
}

size_t
kb_nkeywords(const struct kb *kb)
{
	return kb->nkeywords;
}

const struct kb_item *
kb_item_at(const struct kb *kb, size_t i)
{
	return i < kb->nitems ? &kb->items[i] : NULL;
}

const char *
kb_account(const struct kb *kb)
{
	return kb->account;
}

const struct kb_reply *
kb_welcome(const struct kb *kb)
{
	return &kb->welcome;
}

const struct kb_reply *
kb_fallback(const struct kb *kb)
{
	return &kb->fallback;
}

const char *
kb_phone(const struct kb *kb)
{
	return kb->phone != NULL ? kb->phone : "";
}

size_t
kb_nsynonym_groups(const struct kb *kb)
{
	return kb->nsyn_groups;
}

int
kb_item_expired(const struct kb_item *item, time_t now)
{
	return item->expires != 0 && now >= item->expires;
}

static const struct kb_item *
kb_find(const struct kb *kb, const struct kb_map *m, const char *key,
    time_t now)
{
	uint32_t i;

	if (key == NULL || !kb_map_get(m, key, strlen(key), &i) ||
	    i >= kb->nitems || kb_item_expired(&kb->items[i], now))
		return NULL;
	return &kb->items[i];
}

const struct kb_item *
kb_find_id(const struct kb *kb, const char *id, time_t now)
{
	return kb_find(kb, kb->by_id, id, now);
}

const struct kb_item *
kb_find_menu_key(const struct kb *kb, const char *key, time_t now)
{
	return kb_find(kb, kb->by_menu, key, now);
}

size_t
kb_memory(const struct kb *kb, struct kb_memstat *st)
{
	struct kb_memstat m;

	m.automaton = kb_ac_memory(kb->ac) +
	    (kb->ac != NULL ? (kb_ac_npatterns(kb->ac) + 1) *
	    sizeof *kb->own_start : 0) + kb->nowners * sizeof *kb->owners;
	m.automaton += kb_ac_memory(kb->py_ac) + kb_ac_memory(kb->syn_ac) +
	    (kb->py_ac != NULL ? (kb_ac_npatterns(kb->py_ac) + 1) *
	    (sizeof *kb->py_start + sizeof *kb->py_kw) : 0) +
	    kb->npy_owners * sizeof *kb->py_owners +
	    (kb->ac != NULL ? kb_ac_npatterns(kb->ac) * (sizeof *kb->idf +
	    sizeof *kb->generic + sizeof *kb->pat_cp) : 0);
	m.suggest = kb->sx.memory + kb->bm.memory;
	m.items = sizeof *kb + kb->arena.total + kb_map_memory(kb->by_id) +
	    kb_map_memory(kb->by_menu);
	m.total = m.automaton + m.suggest + m.items;
	if (st != NULL)
		*st = m;
	return m.total;
}

void
kb_diag_cleanup(struct kb_diag *d)
{
	if (d == NULL)
		return;
	free(d->entries);
	memset(d, 0, sizeof *d);
}

char *
kb_diag_format(const struct kb_diag *d, const char *filename)
{
	const struct kb_diag_entry *e;
	char *buf = NULL;
	size_t size = 0, i, more;
	FILE *f;

	f = open_memstream(&buf, &size);
	if (f == NULL)
		return NULL;
	for (i = 0; i < d->n; i++) {
		e = &d->entries[i];
		if (e->line > 0)
			fprintf(f, "%s:%d:%d: ", filename, e->line, e->column);
		else if (e->item_id[0] != '\0')
			fprintf(f, "%s: item %s: ", filename, e->item_id);
		else
			fprintf(f, "%s: ", filename);
		fprintf(f, "%s: %s\n", e->warning ? "warning" : "error",
		    e->message);
	}
	more = d->nerrors + d->nwarnings - d->n;
	if (more > 0)
		fprintf(f, "%s: %zu more not shown\n", filename, more);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
