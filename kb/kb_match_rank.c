/*
 * kb_match_rank — ranking the items whose keywords the automaton found
 * (kb_match.c): each item's coverage of the message, weighted by IDF,
 * then priority, then BM25 over the items' text, then the earlier item.
 */
#include "kb/kb.h"
#include "kb/kb_int.h"
#include "kb/kb_match_int.h"
#include "kb/kb_merge.h"

/*
 * The coverage of c->slots: characters covered at least once, each
 * weighted by the highest IDF among the keywords covering it.
 */
static void
match_cover(const struct kb *kb, const struct match *m, struct match_cover *c)
{
	uint32_t st[MATCH_ITEM_OCC], en[MATCH_ITEM_OCC], pts[2 * MATCH_ITEM_OCC];
	float w[MATCH_ITEM_OCC], best;
	size_t n = 0, np = 0, i, j, k;
	uint32_t o, x;

	c->score = 0;
	c->covered = 0;
	c->generic = 1;
	c->synonym = 0;
	for (i = 0; i < c->nslots; i++) {
		if (!kb->generic[m->hits[c->slots[i]]])
			c->generic = 0;
		for (o = m->first[c->slots[i]]; o != UINT32_MAX &&
		    n < MATCH_ITEM_OCC; o = m->occ[o].next) {
			st[n] = m->cpos[m->occ[o].bstart];
			en[n] = m->cpos[m->occ[o].bend];
			w[n] = kb->idf[m->hits[c->slots[i]]];
			for (k = m->occ[o].bstart; k < m->occ[o].bend; k++)
				c->synonym |= m->mark[k];
			pts[np++] = st[n];
			pts[np++] = en[n];
			n++;
		}
	}
	/* Sort the breakpoints; each piece between two takes the best
	   weight of the occurrences spanning it. */
	for (i = 1; i < np; i++) {
		x = pts[i];
		for (j = i; j > 0 && pts[j - 1] > x; j--)
			pts[j] = pts[j - 1];
		pts[j] = x;
	}
	for (i = 0; i + 1 < np; i++) {
		if (pts[i] == pts[i + 1])
			continue;
		best = 0;
		for (k = 0; k < n; k++) {
			if (st[k] <= pts[i] && en[k] >= pts[i + 1] &&
			    w[k] > best)
				best = w[k];
		}
		if (best > 0) {
			c->covered += pts[i + 1] - pts[i];
			c->score += (double)best * (pts[i + 1] - pts[i]);
		}
	}
}

/* 1 when a is a better answer than b. */
static int
match_better(const struct kb *kb, const struct match_cover *a,
    const struct match_cover *b)
{
	const struct kb_item *x = &kb->items[a->item], *y = &kb->items[b->item];

	if (a->score > b->score + MATCH_TIE)
		return 1;
	if (a->score < b->score - MATCH_TIE)
		return 0;
	if (x->priority != y->priority)
		return x->priority > y->priority;
	return a->item < b->item;
}

/* BM25 of item for the message; its bigrams are made on first use. */
double
kb_match_rank_bm25(const struct kb *kb, struct match *m, uint32_t item)
{
	if (!m->have_qk) {
		m->nq = kb_bm25_keys(m->q, m->n, m->qk, MATCH_BM25_Q);
		m->have_qk = 1;
	}
	return kb_bm25_score(kb, m->qk, m->nq, item);
}

/* Keep the MATCH_CAND best covers in top, best first. */
static void
match_keep(const struct kb *kb, struct match_cover *top, size_t *ntop,
    const struct match_cover *c)
{
	size_t i, j;

	for (i = 0; i < *ntop; i++) {
		if (match_better(kb, c, &top[i]))
			break;
	}
	if (i == MATCH_CAND)
		return;
	j = *ntop < MATCH_CAND ? (*ntop)++ : MATCH_CAND - 1;
	for (; j > i; j--)
		top[j] = top[j - 1];
	top[i] = *c;
}

/* The contains items over the keywords found, best first; returns n. */
size_t
kb_match_rank(const struct kb *kb, const struct match *m, time_t now,
    struct match_cover *top)
{
	struct kb_merge_src src[MATCH_MAX_HITS];
	struct match_cover c;
	struct kb_merge mg;
	const struct kb_item *it;
	uint32_t v, w;
	size_t i, ntop = 0;
	int more;

	for (i = 0; i < m->nhits; i++) {
		src[i].cur = kb->owners + kb->own_start[m->hits[i]];
		src[i].end = kb->owners + kb->own_start[m->hits[i] + 1];
		src[i].weight = (uint32_t)i;
	}
	kb_merge_init(&mg, src, m->nhits);
	c.item = UINT32_MAX;
	c.nslots = 0;
	do {
		more = kb_merge_next(&mg, &v, &w);
		if (c.item != UINT32_MAX && (!more || v != c.item)) {
			it = &kb->items[c.item];
			if (it->match == KB_MATCH_CONTAINS &&
			    !kb_item_expired(it, now)) {
				match_cover(kb, m, &c);
				match_keep(kb, top, &ntop, &c);
			}
			c.nslots = 0;
		}
		if (more) {
			c.item = v;
			if (c.nslots < KB_MAX_KEYWORDS)
				c.slots[c.nslots++] = w;
		}
	} while (more);
	return ntop;
}
