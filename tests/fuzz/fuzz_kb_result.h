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
#include "tests/fuzz/fuzz_check.h"



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
		CHECK(res->covered > 0 && res->nsuggestions == 0);
		CHECK(res->stage != KB_STAGE_NONE && res->weak == KB_WEAK_NONE);
		CHECK(res->covered > 0 && (res->stage == KB_STAGE_PINYIN ||
		    res->covered <= res->total));
		if (res->exact) {
			CHECK(res->item->match == KB_MATCH_EXACT);
			CHECK(res->covered == res->total);
		} else
			CHECK(res->item->match == KB_MATCH_CONTAINS);
		break;
	case KB_RESULT_PERIOD:
		CHECK(res->item != NULL && res->item->period != NULL);
		CHECK(res->year < res->item->period_from ||
		    res->year > res->item->period_to);
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
	memset(buf, 0x5a, sizeof buf);
	sl = strlen(kb_result_why(res, buf, sizeof buf));
	CHECK(sl < sizeof buf);
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
	    again.covered == res->covered &&
	    again.nsuggestions == res->nsuggestions);
	for (i = 0; i < res->nsuggestions; i++)
		CHECK(again.suggestions[i] == res->suggestions[i]);
	CHECK(strcmp(again.normalized, res->normalized) == 0);
}

#endif
