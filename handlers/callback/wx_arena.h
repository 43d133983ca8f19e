/*
 * wx_arena — a bump allocator over a caller's buffer for the short-lived
 * allocations of one request (an expat parser and its buffers).  Blocks
 * that do not fit in the buffer come from malloc and are tracked, so
 * wx_arena_cleanup() returns everything whatever was freed before.
 *
 * Why: a parse used to make about twenty malloc/free pairs of mixed
 * sizes, one of them over 1 KiB; under load that churn, interleaved with
 * the caches' long-lived entries, cost more than the parse itself.
 */
#ifndef WX_ARENA_H
#define WX_ARENA_H

#include <stddef.h>

struct wx_arena_big;

struct wx_arena {
	unsigned char		*base;	/* the caller's buffer */
	size_t			 cap;
	size_t			 used;	/* bytes handed out from base */
	size_t			 last;	/* offset of the newest block */
	struct wx_arena_big	*big;	/* blocks from malloc */
};

/*
 * Serve allocations from cap bytes at buf (any alignment; the arena
 * aligns blocks to 16).  buf must outlive the arena.
 */
void	wx_arena_init(struct wx_arena *, void *buf, size_t cap);

/* Release the blocks that came from malloc.  The arena may be reused. */
void	wx_arena_cleanup(struct wx_arena *);

/* n bytes aligned to 16, or NULL when malloc fails.  n may be 0. */
void	*wx_arena_alloc(struct wx_arena *, size_t n);

/*
 * realloc() for arena blocks: the newest block grows in place when
 * there is room; otherwise the bytes move.  p NULL allocates.  NULL on
 * failure, p then still valid.
 */
void	*wx_arena_realloc(struct wx_arena *, void *p, size_t n);

/*
 * Give p back: a malloc'd block is freed at once, the newest buffer
 * block rewinds the buffer, others wait for the arena's end.  NULL is a
 * no-op.
 */
void	wx_arena_free(struct wx_arena *, void *p);

#endif
