/*
 * fuzz_kb_match — kb_query() on any text against the shipped knowledge
 * base (kb/data/wanggezhuang.json, or the file named by $FUZZ_KB), loaded
 * once.  Every result must be well formed: a HIT is a live item whose
 * keyword really is in the normalized text (all of it for an exact item)
 * with matched_bytes > 0; SUGGEST gives 1-3 distinct live items; EMPTY is
 * exactly an empty normalization, which must equal kb_norm() of the text.
 * The same query twice gives the same result, and the suggestion list
 * fits any buffer it is given.
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

#define NOW		((time_t)1700000000)
#define DEFAULT_KB	"kb/data/wanggezhuang.json"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

static struct kb *shipped;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct kb_diag	 diag;
	const char	*path = getenv("FUZZ_KB");
	char		*text;
	int		 r;

	(void)argc;
	(void)argv;
	if (path == NULL || *path == '\0')
		path = DEFAULT_KB;
	memset(&diag, 0, sizeof diag);
	r = kb_load_file(path, 1, &shipped, &diag);
	if (r != KB_OK) {
		text = kb_diag_format(&diag, path);
		fprintf(stderr, "fuzz_kb_match: %s: %s\n%s", path,
		    kb_strerror(r), text != NULL ? text : "");
		free(text);
		abort();
	}
	kb_diag_cleanup(&diag);
	return 0;
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kb_result res;
	char	 buf[512];
	size_t	 bufsz, n;

	query(shipped, (const char *)data, size, NOW, &res);
	if (res.kind == KB_RESULT_SUGGEST) {
		/* Any buffer: NUL-terminated inside it, cut at a line. */
		bufsz = size > 0 ? (size_t)data[0] % sizeof buf + 1 : 1;
		memset(buf, 0x5a, sizeof buf);
		n = kb_suggestion_text(&res, buf, bufsz);
		CHECK(n < bufsz && buf[n] == '\0' && strlen(buf) == n);
	}
	/* Far in the future every dated item has expired. */
	query(shipped, (const char *)data, size, (time_t)4102444800, &res);
	return 0;
}
