/*
 * fuzz_kb_result — the invariants of one kb_query() result, shared by
 * fuzz_kb_load (any generation) and fuzz_kb_match (the shipped one): a HIT
 * is a live item whose keyword is really in the normalized text, SUGGEST
 * gives 1-3 distinct live items, EMPTY is an empty normalization, and the
 * same query twice gives the same result.  Included by the targets only.
 */
#ifndef FUZZ_KB_RESULT_H
#define FUZZ_KB_RESULT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb/kb.h"
#include "kb/kb_norm.h"

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)


static long
item_index(const struct kb *kb, const struct kb_item *item)
{
	size_t	i, n = kb_nitems(kb);

	for (i = 0; i < n; i++) {
		if (kb_item_at(kb, i) == item)
			return (long)i;
	}
	return -1;
}

/*
 * Longest normalized keyword of item found in norm (0: none), or with
 * whole set, 1 when one of them is all of norm.
 */
static size_t
keyword_in(const struct kb_item *item, const char *norm, int whole)
{
	char	 buf[KB_MAX_QUERY + 1];
	size_t	 k, n, best = 0;

	for (k = 0; k < item->nkeywords; k++) {
		n = kb_norm(item->keywords[k], strlen(item->keywords[k]), buf,
		    sizeof buf);
		if (n == 0)
			continue;
		if (whole && strcmp(buf, norm) == 0)
			return 1;
		if (!whole && strstr(norm, buf) != NULL && n > best)
			best = n;
	}
	return whole ? 0 : best;
}

static void
check_result(const struct kb *kb, const char *text, size_t len, time_t now,
    const struct kb_result *res)
{
	static char	 norm[KB_MAX_QUERY + 1];
	char		 buf[1024];
	size_t		 i, j, n, sl;

	n = strnlen(res->normalized, sizeof res->normalized);
	CHECK(n < sizeof res->normalized);
	CHECK(kb_norm(text, len < KB_MAX_QUERY ? len : KB_MAX_QUERY, norm,
	    sizeof norm) == n);
	CHECK(memcmp(norm, res->normalized, n) == 0);
	CHECK((res->kind == KB_RESULT_EMPTY) == (n == 0));
	switch (res->kind) {
	case KB_RESULT_HIT:
		CHECK(res->item != NULL && item_index(kb, res->item) >= 0);
		CHECK(!kb_item_expired(res->item, now));
		CHECK(res->matched_bytes > 0 && res->nsuggestions == 0);
		if (res->exact) {
			CHECK(res->item->match == KB_MATCH_EXACT);
			CHECK(res->matched_bytes == n);
			CHECK(keyword_in(res->item, res->normalized, 1));
		} else {
			CHECK(res->item->match == KB_MATCH_CONTAINS);
			j = keyword_in(res->item, res->normalized, 0);
			CHECK(j > 0 && res->matched_bytes >= j);
		}
		break;
	case KB_RESULT_SUGGEST:
		CHECK(res->item == NULL);
		CHECK(res->nsuggestions >= 1 &&
		    res->nsuggestions <= KB_MAX_SUGGESTIONS);
		for (i = 0; i < res->nsuggestions; i++) {
			CHECK(res->suggestions[i] != NULL);
			CHECK(item_index(kb, res->suggestions[i]) >= 0);
			CHECK(!kb_item_expired(res->suggestions[i], now));
			for (j = 0; j < i; j++)
				CHECK(res->suggestions[j] !=
				    res->suggestions[i]);
		}
		break;
	case KB_RESULT_MISS:
	case KB_RESULT_EMPTY:
		CHECK(res->item == NULL && res->nsuggestions == 0);
		break;
	default:
		CHECK(!"unknown result kind");
	}
	sl = kb_suggestion_text(res, buf, sizeof buf);
	if (res->kind != KB_RESULT_SUGGEST)
		CHECK(sl == 0);
	else
		CHECK(sl < sizeof buf && strlen(buf) == sl);
}

/* Query twice: the result is checked and must not change. */
static void
query(const struct kb *kb, const char *text, size_t len, time_t now,
    struct kb_result *res)
{
	static struct kb_result again;
	size_t	i;

	kb_query(kb, text, len, now, res);
	check_result(kb, text, len, now, res);
	kb_query(kb, text, len, now, &again);
	CHECK(again.kind == res->kind && again.item == res->item &&
	    again.exact == res->exact &&
	    again.matched_bytes == res->matched_bytes &&
	    again.nsuggestions == res->nsuggestions);
	for (i = 0; i < res->nsuggestions; i++)
		CHECK(again.suggestions[i] == res->suggestions[i]);
	CHECK(strcmp(again.normalized, res->normalized) == 0);
}

#endif
