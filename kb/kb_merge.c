/*
 * kb_merge — k-way merge with a binary min-heap keyed by each list's
 * current value.
 */
#include "kb/kb_merge.h"

static void
merge_down(struct kb_merge *m, size_t i)
{
	struct kb_merge_src tmp;
	size_t l, small;

	for (;;) {
		l = 2 * i + 1;
		if (l >= m->n)
			return;
		small = l;
		if (l + 1 < m->n && *m->src[l + 1].cur < *m->src[l].cur)
			small = l + 1;
		if (*m->src[small].cur >= *m->src[i].cur)
			return;
		tmp = m->src[i];
		m->src[i] = m->src[small];
		m->src[small] = tmp;
		i = small;
	}
}

void
kb_merge_init(struct kb_merge *m, struct kb_merge_src *src, size_t n)
{
	size_t i, k;

	/* Empty lists never enter the heap. */
	for (i = k = 0; i < n; i++) {
		if (src[i].cur < src[i].end)
			src[k++] = src[i];
	}
	m->src = src;
	m->n = k;
	for (i = k / 2; i-- > 0;)
		merge_down(m, i);
}

int
kb_merge_next(struct kb_merge *m, uint32_t *value, uint32_t *weight)
{
	struct kb_merge_src *top;

	if (m->n == 0)
		return 0;
	top = &m->src[0];
	*value = *top->cur;
	*weight = top->weight;
	top->cur++;
	if (top->cur == top->end)
		m->src[0] = m->src[--m->n];
	merge_down(m, 0);
	return 1;
}
