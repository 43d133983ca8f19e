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
#include "tests/fuzz/fuzz_kb_result.h"

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
		/*
		 * A keyword alone is answered, unless a guard of
		 * docs/matching.md holds the answer back: a year outside
		 * the item's period, another place named, an intent to
		 * attack, a long keyword barely covered.
		 */
		CHECK(res->kind == KB_RESULT_HIT ||
		    res->kind == KB_RESULT_PERIOD ||
		    (res->kind == KB_RESULT_SUGGEST &&
		    res->weak != KB_WEAK_NONE));
		if (it->match == KB_MATCH_EXACT && res->kind == KB_RESULT_HIT)
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
