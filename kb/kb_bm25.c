/*
 * kb_bm25 — Okapi BM25 over the character bigrams of each item's text
 * (title, keywords and reply, normalized), to rank candidate items when
 * keywords tie or are too weak to answer alone.  Built once per
 * generation: sorted bigram keys, each with its postings (item, count).
 * A query scores only the items it is asked about, so it allocates
 * nothing and costs a bisection per bigram and item.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kb/kb.h"
#include "kb/kb_int.h"

#define BM25_K1		1.2
#define BM25_B		0.75
#define BM25_DOC_CP	4096	/* codepoints of an item's text indexed */

size_t
kb_bm25_keys(const char *norm, size_t len, uint64_t *keys, size_t max)
{
	uint32_t cp[257];
	size_t n, i, k = 0;

	n = kb_decode(norm, len, cp, max + 1 < 257 ? max + 1 : 257);
	for (i = 0; i + 1 < n && k < max; i++)
		keys[k++] = (uint64_t)cp[i] << 21 | cp[i + 1];
	qsort(keys, k, sizeof *keys, kb_cmp_u64);
	for (i = 0, n = 0; i < k; i++) {
		if (n == 0 || keys[n - 1] != keys[i])
			keys[n++] = keys[i];
	}
	return n;
}

int
kb_bm25_build(struct kb *kb, const struct kb_src *src)
{
	struct kb_bm25 *bm = &kb->bm;
	uint64_t *pairs = NULL;
	uint32_t *cp = NULL;
	size_t i, k, n, np = 0, cap = 0, total = 0;
	int r = KB_ERR_NOMEM;

	bm->dl = calloc(kb->nitems ? kb->nitems : 1, sizeof *bm->dl);
	cp = malloc(BM25_DOC_CP * sizeof *cp);
	if (bm->dl == NULL || cp == NULL)
		goto out;
	for (i = 0; i < kb->nitems; i++) {
		n = kb_decode(src->doc[i], src->doclen[i], cp, BM25_DOC_CP);
		if (n < 2)
			continue;
		if (np + n > cap) {
			uint64_t *p;

			cap = (np + n) * 2;
			p = realloc(pairs, cap * sizeof *pairs);
			if (p == NULL)
				goto out;
			pairs = p;
		}
		/* key << 15 | item: KB_MAX_ITEMS fits 15 bits. */
		for (k = 0; k + 1 < n; k++)
			pairs[np++] = ((uint64_t)cp[k] << 21 | cp[k + 1]) <<
			    15 | i;
		bm->dl[i] = (uint32_t)(n - 1);
		total += n - 1;
	}
	if (np > 1)
		qsort(pairs, np, sizeof *pairs, kb_cmp_u64);
	bm->keys = malloc((np ? np : 1) * sizeof *bm->keys);
	bm->start = malloc((np + 1) * sizeof *bm->start);
	bm->item = malloc((np ? np : 1) * sizeof *bm->item);
	bm->tf = malloc((np ? np : 1) * sizeof *bm->tf);
	if (bm->keys == NULL || bm->start == NULL || bm->item == NULL ||
	    bm->tf == NULL)
		goto out;
	bm->nkeys = bm->npost = 0;
	for (k = 0; k < np; k++) {
		if (bm->nkeys == 0 || bm->keys[bm->nkeys - 1] != pairs[k] >> 15) {
			bm->keys[bm->nkeys] = pairs[k] >> 15;
			bm->start[bm->nkeys++] = (uint32_t)bm->npost;
		}
		if (k > 0 && pairs[k] == pairs[k - 1]) {
			if (bm->tf[bm->npost - 1] < UINT16_MAX)
				bm->tf[bm->npost - 1]++;
			continue;
		}
		bm->item[bm->npost] = (uint32_t)(pairs[k] & 0x7fff);
		bm->tf[bm->npost++] = 1;
	}
	bm->start[bm->nkeys] = (uint32_t)bm->npost;
	bm->avgdl = kb->nitems > 0 ? (double)total / (double)kb->nitems : 1;
	if (bm->avgdl < 1)
		bm->avgdl = 1;
	bm->memory = bm->nkeys * (sizeof *bm->keys + sizeof *bm->start) +
	    bm->npost * (sizeof *bm->item + sizeof *bm->tf) +
	    kb->nitems * sizeof *bm->dl;
	r = 0;
out:
	free(pairs);
	free(cp);
	return r;
}

void
kb_bm25_cleanup(struct kb *kb)
{
	struct kb_bm25 *bm = &kb->bm;

	free(bm->keys);
	free(bm->start);
	free(bm->item);
	free(bm->tf);
	free(bm->dl);
	memset(bm, 0, sizeof *bm);
}

double
kb_bm25_score(const struct kb *kb, const uint64_t *keys, size_t n,
    uint32_t item)
{
	const struct kb_bm25 *bm = &kb->bm;
	const uint64_t *kp;
	size_t i, lo, hi, mid, df;
	double s = 0, tf, idf, norm;

	if (bm->keys == NULL || item >= kb->nitems)
		return 0;
	norm = BM25_K1 * (1 - BM25_B + BM25_B * bm->dl[item] / bm->avgdl);
	for (i = 0; i < n; i++) {
		kp = bsearch(&keys[i], bm->keys, bm->nkeys, sizeof *bm->keys,
		    kb_cmp_u64);
		if (kp == NULL)
			continue;
		lo = bm->start[kp - bm->keys];
		hi = bm->start[kp - bm->keys + 1];
		df = hi - lo;
		while (lo < hi) {
			mid = (lo + hi) / 2;
			if (bm->item[mid] < item)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == bm->start[kp - bm->keys + 1] || bm->item[lo] != item)
			continue;
		tf = bm->tf[lo];
		idf = log(1 + ((double)kb->nitems - df + 0.5) / (df + 0.5));
		s += idf * tf * (BM25_K1 + 1) / (tf + norm);
	}
	return s;
}
