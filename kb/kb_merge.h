/*
 * kb_merge — k-way merge of ascending uint32 lists (posting lists), with a
 * binary heap over caller-provided cursors.  It lets a query count, for
 * every item, how many of its lists mention it, with scratch memory bounded
 * by the number of lists instead of the number of items.
 */
#ifndef KB_MERGE_H
#define KB_MERGE_H

#include <stddef.h>
#include <stdint.h>

struct kb_merge_src {
	const uint32_t	*cur, *end;	/* remaining values, ascending */
	uint32_t	 weight;	/* returned with each value */
};

struct kb_merge {
	struct kb_merge_src *src;	/* heap, smallest *cur first */
	size_t		 n;
};

/* Start merging the n lists in src (the array becomes the heap). */
void	kb_merge_init(struct kb_merge *, struct kb_merge_src *src, size_t n);

/*
 * The next value in ascending order (repeated once per list holding it)
 * and its list's weight: returns 1, or 0 when every list is exhausted.
 */
int	kb_merge_next(struct kb_merge *, uint32_t *value, uint32_t *weight);

#endif
