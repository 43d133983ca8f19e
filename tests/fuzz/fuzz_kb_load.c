/*
 * fuzz_kb_load — kb_load_buffer() on any bytes.  The diagnostics must be
 * bounded and consistent with the verdict.  A loaded generation must obey
 * the schema (ids [a-z0-9-]{1,64} and unique, 1-32 keywords of 1-64 bytes,
 * at least one reply, at most KB_MAX_ITEMS items), find its items by id
 * and menu key, and answer its own keywords: an exact item's keyword hits
 * that item, any keyword hits something.  Queries of fixed strings and of
 * the input itself must give well-formed, repeatable results.
 */
#include <stddef.h>
#include <stdint.h>
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

/* 2023-11-14: before some valid_until dates a fuzzer writes, after others. */
#define NOW		((time_t)1700000000)
/* Bound the per-input work on big generations. */
#define MAX_ITEMS_QUERIED	64
#define MAX_KEYWORDS_QUERIED	4

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const fixed_queries[] = {
	"", "   ", "电话", "年报", "ＡＢＣ abc",
	"怎么申请政府信息公开",
	"1", "a", "\xff\xfe", "\xe4\xbd", "😀", "回复数字查看",
};

static int
valid_id(const char *s)
{
	size_t	n = strlen(s), i;

	if (n < 1 || n > KB_MAX_ID)
		return 0;
	for (i = 0; i < n; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	}
	return 1;
}

/* Index of item in kb, or -1 when the pointer is not one of its items. */
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

static void
check_item(const struct kb *kb, size_t i, struct kb_result *res)
{
	const struct kb_item *it = kb_item_at(kb, i), *m;
	size_t	 k, n;
	int	 expired;

	CHECK(it != NULL && it->id != NULL && valid_id(it->id));
	CHECK(it->nkeywords >= 1 && it->nkeywords <= KB_MAX_KEYWORDS);
	CHECK(it->nreplies >= 1 && it->replies != NULL);
	CHECK(it->match == KB_MATCH_CONTAINS || it->match == KB_MATCH_EXACT);
	for (k = 0; k < it->nreplies; k++)
		CHECK(it->replies[k].type >= KB_REPLY_TEXT &&
		    it->replies[k].type <= KB_REPLY_MUSIC);
	for (k = 0; k < it->nkeywords; k++) {
		n = strlen(it->keywords[k]);
		CHECK(n >= 1 && n <= KB_MAX_KEYWORD_BYTES);
	}
	expired = kb_item_expired(it, NOW);
	CHECK(expired == (it->expires != 0 && NOW >= it->expires));
	/* Ids are unique, so the lookup finds this very item. */
	CHECK(kb_find_id(kb, it->id, NOW) == (expired ? NULL : it));
	if (it->menu_key != NULL && !expired) {
		m = kb_find_menu_key(kb, it->menu_key, NOW);
		CHECK(m != NULL && strcmp(m->menu_key, it->menu_key) == 0);
	}
	if (expired || i >= MAX_ITEMS_QUERIED)
		return;
	for (k = 0; k < it->nkeywords && k < MAX_KEYWORDS_QUERIED; k++) {
		query(kb, it->keywords[k], strlen(it->keywords[k]), NOW, res);
		CHECK(res->kind == KB_RESULT_HIT);
		if (it->match == KB_MATCH_EXACT)
			CHECK(res->item == it && res->exact);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kb_result res;
	struct kb_diag	 diag;
	struct kb_memstat st;
	struct kb	*kb = NULL;
	char		*text;
	size_t		 i, n, nkw = 0;
	int		 r;

	memset(&diag, 0, sizeof diag);
	r = kb_load_buffer((const char *)data, size, 7, &kb, &diag);
	CHECK(kb_strerror(r) != NULL);
	CHECK(diag.n <= KB_MAX_DIAG);
	CHECK(diag.n <= diag.nerrors + diag.nwarnings);
	for (i = 0; i < diag.n; i++) {
		CHECK(strnlen(diag.entries[i].message,
		    sizeof diag.entries[i].message) <
		    sizeof diag.entries[i].message);
		CHECK(strnlen(diag.entries[i].item_id,
		    sizeof diag.entries[i].item_id) <= KB_MAX_ID);
		CHECK(diag.entries[i].warning == 0 ||
		    diag.entries[i].warning == 1);
	}
	text = kb_diag_format(&diag, "fuzz.json");
	CHECK(text != NULL);
	free(text);
	/* A file with any error is not compiled; one without is. */
	CHECK((r == KB_OK) == (diag.nerrors == 0) || r == KB_ERR_NOMEM);
	kb_diag_cleanup(&diag);
	if (r != KB_OK) {
		CHECK(kb == NULL);
		CHECK(r == KB_ERR_SYNTAX || r == KB_ERR_SCHEMA ||
		    r == KB_ERR_TOOBIG || r == KB_ERR_NOMEM);
		return 0;
	}
	CHECK(kb != NULL && kb_generation(kb) == 7);
	n = kb_nitems(kb);
	CHECK(n <= KB_MAX_ITEMS);
	CHECK(kb_item_at(kb, n) == NULL);
	for (i = 0; i < n; i++) {
		check_item(kb, i, &res);
		nkw += kb_item_at(kb, i)->nkeywords;
	}
	CHECK(kb_nkeywords(kb) == nkw);
	CHECK(kb_memory(kb, &st) == st.total && st.total > 0);

	for (i = 0; i < sizeof fixed_queries / sizeof fixed_queries[0]; i++)
		query(kb, fixed_queries[i], strlen(fixed_queries[i]), NOW,
		    &res);
	query(kb, (const char *)data, size, NOW, &res);
	/* Far in the future every dated item has expired. */
	query(kb, (const char *)data, size, (time_t)4102444800, &res);
	kb_ref(kb);
	kb_unref(kb);
	kb_unref(kb);
	return 0;
}
