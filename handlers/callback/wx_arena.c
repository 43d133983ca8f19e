/*
 * wx_arena.c — every block, in the buffer or from malloc, starts with a
 * 16-byte header holding its size, so realloc knows how much to copy.
 * Blocks from malloc also sit on a list for wx_arena_cleanup().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/callback/wx_arena.h"

#define ARENA_ALIGN	16

/* The header before a block in the buffer. */
struct arena_hdr {
	size_t	size;
	size_t	pad;
};

/* The header before a block from malloc; a multiple of ARENA_ALIGN. */
struct wx_arena_big {
	struct wx_arena_big	*next, *prev;
	size_t			 size;
	size_t			 pad;
};

static size_t
arena_round(size_t n)
{
	return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

void
wx_arena_init(struct wx_arena *a, void *buf, size_t cap)
{
	uintptr_t p = (uintptr_t)buf, q;

	q = (p + ARENA_ALIGN - 1) & ~(uintptr_t)(ARENA_ALIGN - 1);
	if (buf == NULL || cap <= q - p) {
		a->base = NULL;
		a->cap = 0;
	} else {
		a->base = (unsigned char *)buf + (q - p);
		a->cap = cap - (q - p);
	}
	a->used = 0;
	a->last = SIZE_MAX;
	a->big = NULL;
}

void
wx_arena_cleanup(struct wx_arena *a)
{
	struct wx_arena_big *b, *next;

	for (b = a->big; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->big = NULL;
	a->used = 0;
	a->last = SIZE_MAX;
}

static int
arena_owns(const struct wx_arena *a, const void *p)
{
	uintptr_t u = (uintptr_t)p, b = (uintptr_t)a->base;

	return u >= b && u < b + a->cap;
}

static void *
arena_big_alloc(struct wx_arena *a, size_t n)
{
	struct wx_arena_big *b;

	if (n > SIZE_MAX - sizeof *b)
		return NULL;
	b = malloc(sizeof *b + n);
	if (b == NULL)
		return NULL;
	b->size = n;
	b->prev = NULL;
	b->next = a->big;
	if (a->big != NULL)
		a->big->prev = b;
	a->big = b;
	return b + 1;
}

static void
arena_big_free(struct wx_arena *a, struct wx_arena_big *b)
{
	if (b->prev != NULL)
		b->prev->next = b->next;
	else
		a->big = b->next;
	if (b->next != NULL)
		b->next->prev = b->prev;
	free(b);
}

void *
wx_arena_alloc(struct wx_arena *a, size_t n)
{
	struct arena_hdr *h;
	size_t need;

	if (n <= a->cap) {
		need = sizeof *h + arena_round(n);
		if (need <= a->cap - a->used) {
			h = (struct arena_hdr *)(a->base + a->used);
			h->size = n;
			a->last = a->used;
			a->used += need;
			return h + 1;
		}
	}
	return arena_big_alloc(a, n);
}

void *
wx_arena_realloc(struct wx_arena *a, void *p, size_t n)
{
	struct arena_hdr *h;
	struct wx_arena_big *b, *nb;
	void *q;
	size_t off;

	if (p == NULL)
		return wx_arena_alloc(a, n);
	if (!arena_owns(a, p)) {
		b = (struct wx_arena_big *)p - 1;
		if (n > SIZE_MAX - sizeof *b)
			return NULL;
		nb = realloc(b, sizeof *nb + n);
		if (nb == NULL)
			return NULL;
		nb->size = n;
		if (nb->prev != NULL)
			nb->prev->next = nb;
		else
			a->big = nb;
		if (nb->next != NULL)
			nb->next->prev = nb;
		return nb + 1;
	}
	h = (struct arena_hdr *)p - 1;
	off = (size_t)((unsigned char *)h - a->base);
	if (off == a->last && n <= a->cap &&
	    sizeof *h + arena_round(n) <= a->cap - off) {
		h->size = n;
		a->used = off + sizeof *h + arena_round(n);
		return p;
	}
	if (n <= h->size) {
		h->size = n;
		return p;
	}
	q = wx_arena_alloc(a, n);
	if (q == NULL)
		return NULL;
	memcpy(q, p, h->size);
	/* p is no longer the newest block: q is. */
	return q;
}

void
wx_arena_free(struct wx_arena *a, void *p)
{
	struct arena_hdr *h;

	if (p == NULL)
		return;
	if (!arena_owns(a, p)) {
		arena_big_free(a, (struct wx_arena_big *)p - 1);
		return;
	}
	h = (struct arena_hdr *)p - 1;
	if ((size_t)((unsigned char *)h - a->base) == a->last) {
		a->used = a->last;
		a->last = SIZE_MAX;
	}
}
