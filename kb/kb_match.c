/*
 * kb_match — the query path: normalize the message, one pass of the keyword
 * automaton, rank the items the keywords found belong to (DESIGN.md), and
 * fall back to suggestions.
 *
 * Ranking: an exact item wins when the whole normalized message is one of
 * its keywords; otherwise among contains items, the larger total length of
 * distinct keywords found, then the higher priority, then the earlier item
 * in the file.  Expired items never win.
 *
 * kb_query() allocates nothing.  Its scratch lives on the stack (about
 * 20 KiB) and is bounded by MATCH_MAX_HITS distinct keywords per message:
 * a message holding more distinct keywords than that is ranked on the
 * first MATCH_MAX_HITS found, which takes a message built to list hundreds
 * of keywords.  Item scores are summed by merging the matched keywords'
 * owner lists, so no per-item array is needed.
 */
#include <stdlib.h>
#include <string.h>

#include "kb/kb.h"
#include "kb/kb_ac.h"
#include "kb/kb_int.h"
#include "kb/kb_merge.h"
#include "kb/kb_norm.h"

#define MATCH_MAX_HITS	512
#define MATCH_HASH	1024	/* power of two, twice MATCH_MAX_HITS */
/* Up to this many hits are deduplicated by a scan, sparing most messages
   the clearing of the hash table. */
#define MATCH_FEW	16

struct match {
	const struct kb_ac *ac;
	size_t		 n;			/* normalized length */
	uint32_t	 hits[MATCH_MAX_HITS];	/* distinct pattern ids */
	size_t		 nhits;
	uint32_t	 seen[MATCH_HASH];	/* id + 1; 0 empty; in use
						   past MATCH_FEW hits */
	uint32_t	 whole;			/* id equal to the whole
						   message, or UINT32_MAX */
};

int
kb_match_build(struct kb *kb, const struct kb_src *src)
{
	uint32_t *ids = NULL, *pos = NULL;
	size_t np, i, k;
	int r;

	ids = malloc((src->nkw ? src->nkw : 1) * sizeof *ids);
	if (ids == NULL)
		return KB_ERR_NOMEM;
	r = kb_ac_new(src->kw, src->kwlen, src->nkw, ids, &kb->ac);
	if (r != 0)
		goto out;
	np = kb_ac_npatterns(kb->ac);
	r = KB_ERR_NOMEM;
	kb->own_start = calloc(np + 1, sizeof *kb->own_start);
	kb->owners = malloc((src->nkw ? src->nkw : 1) * sizeof *kb->owners);
	pos = malloc((np ? np : 1) * sizeof *pos);
	if (kb->own_start == NULL || kb->owners == NULL || pos == NULL)
		goto out;
	for (k = 0; k < src->nkw; k++)
		kb->own_start[ids[k] + 1]++;
	for (i = 0; i < np; i++) {
		kb->own_start[i + 1] += kb->own_start[i];
		pos[i] = kb->own_start[i];
	}
	/* Items in file order, so each owner list comes out ascending; an
	   item's keywords are distinct once normalized (the loader drops
	   repeats), so no item appears twice in one list. */
	for (i = 0; i < kb->nitems; i++) {
		for (k = src->item_kw[i]; k < src->item_kw[i + 1]; k++)
			kb->owners[pos[ids[k]]++] = (uint32_t)i;
	}
	kb->nowners = src->nkw;
	r = 0;
out:
	free(ids);
	free(pos);
	return r;
}

void
kb_match_cleanup(struct kb *kb)
{
	kb_ac_free(kb->ac);
	free(kb->own_start);
	free(kb->owners);
	kb->ac = NULL;
	kb->own_start = kb->owners = NULL;
}

static int
match_hit_cb(uint32_t id, size_t end, void *arg)
{
	struct match *m = arg;
	size_t h, i;

	if (end == m->n && kb_ac_pattern_len(m->ac, id) == m->n)
		m->whole = id;
	if (m->nhits < MATCH_FEW) {
		for (i = 0; i < m->nhits; i++) {
			if (m->hits[i] == id)
				return 0;
		}
		m->hits[m->nhits++] = id;
		if (m->nhits < MATCH_FEW)
			return 0;
		/* From now on, the hash table. */
		memset(m->seen, 0, sizeof m->seen);
		for (i = 0; i < m->nhits; i++) {
			for (h = (m->hits[i] * 2654435761u) &
			    (MATCH_HASH - 1); m->seen[h] != 0;
			    h = (h + 1) & (MATCH_HASH - 1))
				;
			m->seen[h] = m->hits[i] + 1;
		}
		return 0;
	}
	for (h = (id * 2654435761u) & (MATCH_HASH - 1);;
	    h = (h + 1) & (MATCH_HASH - 1)) {
		if (m->seen[h] == id + 1)
			return 0;
		if (m->seen[h] == 0)
			break;
	}
	if (m->nhits == MATCH_MAX_HITS)
		return 0;
	m->seen[h] = id + 1;
	m->hits[m->nhits++] = id;
	return 0;
}

/* The exact item whose keyword is the whole message, or NULL. */
static const struct kb_item *
match_exact(const struct kb *kb, uint32_t id, time_t now)
{
	const struct kb_item *it;
	uint32_t k;

	for (k = kb->own_start[id]; k < kb->own_start[id + 1]; k++) {
		it = &kb->items[kb->owners[k]];
		if (it->match == KB_MATCH_EXACT && !kb_item_expired(it, now))
			return it;
	}
	return NULL;
}

/* The best contains item over the keywords found, or NULL. */
static const struct kb_item *
match_rank(const struct kb *kb, const struct match *m, time_t now,
    size_t *bytes)
{
	struct kb_merge_src src[MATCH_MAX_HITS];
	const struct kb_item *best = NULL, *it;
	struct kb_merge mg;
	uint32_t v, w, cur = UINT32_MAX;
	size_t i, sum = 0, best_sum = 0;
	int more;

	for (i = 0; i < m->nhits; i++) {
		src[i].cur = kb->owners + kb->own_start[m->hits[i]];
		src[i].end = kb->owners + kb->own_start[m->hits[i] + 1];
		src[i].weight = (uint32_t)kb_ac_pattern_len(kb->ac,
		    m->hits[i]);
	}
	kb_merge_init(&mg, src, m->nhits);
	do {
		more = kb_merge_next(&mg, &v, &w);
		if (cur != UINT32_MAX && (!more || v != cur)) {
			/* Item cur is complete.  Items arrive in file order,
			   so a tie keeps the earlier one. */
			it = &kb->items[cur];
			if (it->match == KB_MATCH_CONTAINS &&
			    !kb_item_expired(it, now) && (best == NULL ||
			    sum > best_sum || (sum == best_sum &&
			    it->priority > best->priority))) {
				best = it;
				best_sum = sum;
			}
			sum = 0;
		}
		if (more) {
			cur = v;
			sum += w;
		}
	} while (more);
	*bytes = best_sum;
	return best;
}

void
kb_query(const struct kb *kb, const char *text, size_t len, time_t now,
    struct kb_result *res)
{
	const struct kb_item *it;
	struct match m;
	size_t n, i, bytes;

	res->kind = KB_RESULT_MISS;
	res->item = NULL;
	res->exact = 0;
	res->matched_bytes = 0;
	res->nsuggestions = 0;
	for (i = 0; i < KB_MAX_SUGGESTIONS; i++)
		res->suggestions[i] = NULL;
	if (len > KB_MAX_QUERY)
		len = KB_MAX_QUERY;
	n = kb_norm(text, len, res->normalized, sizeof res->normalized);
	if (n == 0) {
		res->kind = KB_RESULT_EMPTY;
		return;
	}

	m.ac = kb->ac;
	m.n = n;
	m.nhits = 0;
	m.whole = UINT32_MAX;
	if (kb->ac != NULL)
		kb_ac_scan(kb->ac, res->normalized, n, match_hit_cb, &m);

	if (m.whole != UINT32_MAX) {
		it = match_exact(kb, m.whole, now);
		if (it != NULL) {
			res->kind = KB_RESULT_HIT;
			res->item = it;
			res->exact = 1;
			res->matched_bytes = n;
			return;
		}
	}
	if (m.nhits > 0) {
		it = match_rank(kb, &m, now, &bytes);
		if (it != NULL) {
			res->kind = KB_RESULT_HIT;
			res->item = it;
			res->matched_bytes = bytes;
			return;
		}
	}
	res->nsuggestions = kb_suggest_query(kb, res->normalized, n, now,
	    res->suggestions);
	if (res->nsuggestions > 0)
		res->kind = KB_RESULT_SUGGEST;
}
