/*
 * kb_suggest — "did you mean" when no keyword matched.
 *
 * Every item string (the title and each keyword, normalized) is cut into
 * its set of codepoint bigrams; an inverted index maps each bigram to the
 * strings holding it.  A message is scored against a string with the Dice
 * coefficient 2|Q & S| / (|Q| + |S|) of the two bigram sets, an item gets
 * the best score of its strings, and up to three items at or above the
 * threshold are returned.  A one-codepoint message uses codepoint sets
 * instead (a lone ASCII letter or digit is not enough to go on).
 *
 * Threshold 0.2: a short question (up to five bigrams) sharing one bigram
 * with a short title or keyword (up to five bigrams) qualifies — a typo
 * such as "街到办电化" still finds "街道办电话" through "办电" — while a
 * long message needs proportionally more in common, so a chatty message
 * that shares one word with an item is not answered with a confident
 * guess.  Filler bigrams that residents put in any question ("怎么",
 * "请问", "多少" ...) are left out of both sides so they cannot carry a
 * suggestion alone, and so are the account's own place names.  Exact
 * items (greetings, thanks) are never suggested.
 *
 * A query decodes at most SUGGEST_MAX_CP codepoints; its scratch is on the
 * stack (a few KiB) and it allocates nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/kb.h"
#include "kb/kb_int.h"
#include "kb/kb_merge.h"

#define SUGGEST_MAX_CP		64	/* codepoints of a message used */
#define SUGGEST_MAX_STR_CP	128	/* codepoints of an item string */
#define SUGGEST_NUM		1	/* threshold 1/5, as num/den */
#define SUGGEST_DEN		5
#define SUGGEST_STRINGS		(1 + KB_MAX_KEYWORDS)

/* Words of any question; as a bigram or a single character, not a hint. */
static const char *const suggest_stop[] = {
	"怎么", "怎样", "什么", "哪里", "哪儿", "在哪", "多少", "几点",
	"可以", "能不", "不能", "请问", "你好", "您好", "我想", "我要",
	"想问", "问一", "一下", "如何", "是否", "有没", "没有", "知道",
	"谢谢", "是不", "不是", "么办", "么样", "么时", "时候", "问怎",
	"问下", "你们", "我们", "咱们", "他们", "们的", "的",
	/* The account's own place and name (王哥庄, 崂山, 山海小王哥庄,
	   公众号) are in many titles and in residents' greetings: they
	   say nothing about what is asked. */
	"王哥", "哥庄", "崂山", "山海", "海小", "小王", "公众", "众号",
	"了", "吗", "呢", "啊", "吧", "是", "我", "你", "在", "有", "么",
	"什", "怎", "哪", "谁", "和",
};

static uint64_t
suggest_key(uint32_t a, uint32_t b)
{
	return (uint64_t)a << 21 | b;
}

static int
suggest_is_stop(const struct kb_suggest_index *sx, uint64_t key)
{
	return bsearch(&key, sx->stop, sx->nstop, sizeof *sx->stop,
	    kb_cmp_u64) != NULL;
}

/* Sort and deduplicate n keys in place; drop stop keys. */
static size_t
suggest_set(const struct kb_suggest_index *sx, uint64_t *k, size_t n)
{
	size_t i, j, m = 0;
	uint64_t x;

	/* Sets are mostly a handful of keys: insertion sort wins there. */
	if (n > 32)
		qsort(k, n, sizeof *k, kb_cmp_u64);
	else {
		for (i = 1; i < n; i++) {
			x = k[i];
			for (j = i; j > 0 && k[j - 1] > x; j--)
				k[j] = k[j - 1];
			k[j] = x;
		}
	}
	for (i = 0; i < n; i++) {
		if ((m > 0 && k[m - 1] == k[i]) || suggest_is_stop(sx, k[i]))
			continue;
		k[m++] = k[i];
	}
	return m;
}

static int
suggest_stop_build(struct kb_suggest_index *sx)
{
	size_t i, n = sizeof suggest_stop / sizeof suggest_stop[0];
	uint32_t cp[2];

	sx->stop = malloc(n * sizeof *sx->stop);
	if (sx->stop == NULL)
		return KB_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		if (kb_decode(suggest_stop[i], strlen(suggest_stop[i]),
		    cp, 2) == 2)
			sx->stop[i] = suggest_key(cp[0], cp[1]);
		else
			sx->stop[i] = suggest_key(cp[0], 0);
	}
	qsort(sx->stop, n, sizeof *sx->stop, kb_cmp_u64);
	sx->nstop = n;
	return 0;
}

/*
 * The distinct bigram keys (then the distinct codepoint keys) of one item
 * string into keys; *nb and *nu get their numbers.
 */
static void
suggest_string(const struct kb_suggest_index *sx, const char *str,
    size_t slen, uint64_t *keys, size_t *nb, size_t *nu)
{
	uint32_t cp[SUGGEST_MAX_STR_CP];
	size_t ncp, k;

	ncp = str != NULL ? kb_decode(str, slen, cp,
	    SUGGEST_MAX_STR_CP) : 0;
	for (k = 0; k + 1 < ncp; k++)
		keys[k] = suggest_key(cp[k], cp[k + 1]);
	*nb = suggest_set(sx, keys, ncp > 0 ? ncp - 1 : 0);
	for (k = 0; k < ncp; k++)
		keys[*nb + k] = suggest_key(cp[k], 0);
	*nu = suggest_set(sx, keys + *nb, ncp);
}

/* LSD radix sort of n 63-bit values, 11 bits a pass; tmp holds n. */
static void
suggest_radix(uint64_t *v, uint64_t *tmp, size_t n)
{
	size_t count[2048], i, sum, c;
	uint64_t *src = v, *dst = tmp, *t;
	int shift;

	for (shift = 0; shift < 66; shift += 11) {
		memset(count, 0, sizeof count);
		for (i = 0; i < n; i++)
			count[(src[i] >> shift) & 2047]++;
		for (i = 0, sum = 0; i < 2048; i++) {
			c = count[i];
			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[count[(src[i] >> shift) & 2047]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	/* Six passes: the result is back in v. */
}

static size_t
suggest_hash(uint64_t key, unsigned bits)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> (64 - bits));
}

/* Index of key in sx->keys, or SIZE_MAX. */
static size_t
suggest_find(const struct kb_suggest_index *sx, uint64_t key)
{
	size_t mask = ((size_t)1 << sx->slot_bits) - 1, h;
	uint32_t v;

	for (h = suggest_hash(key, sx->slot_bits);; h = (h + 1) & mask) {
		v = sx->slot[h];
		if (v == 0)
			return SIZE_MAX;
		if (sx->keys[v - 1] == key)
			return v - 1;
	}
}

/* A posting (item << 6 | string) must fit the 21 low bits of a pair. */
_Static_assert(KB_MAX_ITEMS <= (1 << 15) && SUGGEST_STRINGS <= 64,
    "suggestion postings need 21 bits");

int
kb_suggest_build(struct kb *kb, const struct kb_src *src)
{
	struct kb_suggest_index *sx = &kb->sx;
	uint64_t *pairs = NULL, *tmp = NULL, *nkeys;
	uint64_t keys[2 * SUGGEST_MAX_STR_CP];
	size_t npairs = 0, nstr, i, s, k, nb, nu, j, nk, pass, slen;
	const char *str;
	int r;

	r = suggest_stop_build(sx);
	if (r != 0)
		return r;
	r = KB_ERR_NOMEM;
	nstr = kb->nitems + src->nkw;
	sx->str_base = malloc((kb->nitems ? kb->nitems : 1) *
	    sizeof *sx->str_base);
	sx->nbi = malloc((nstr ? nstr : 1) * sizeof *sx->nbi);
	sx->nuni = malloc((nstr ? nstr : 1) * sizeof *sx->nuni);
	if (sx->str_base == NULL || sx->nbi == NULL || sx->nuni == NULL)
		goto out;

	/* Pass 0 sizes every string's sets, pass 1 writes the pairs
	   (key << 21 | posting) into an array of exactly that size. */
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			pairs = malloc((npairs ? npairs : 1) * sizeof *pairs);
			tmp = malloc((npairs ? npairs : 1) * sizeof *tmp);
			if (pairs == NULL || tmp == NULL)
				goto out;
			npairs = 0;
		}
		j = 0;
		for (i = 0; i < kb->nitems; i++) {
			sx->str_base[i] = (uint32_t)j;
			nk = src->item_kw[i + 1] - src->item_kw[i];
			for (s = 0; s <= nk; s++, j++) {
				if (s == 0) {
					str = src->title[i];
					slen = src->titlelen[i];
				} else {
					k = src->item_kw[i] + s - 1;
					str = src->kw[k];
					slen = src->kwlen[k];
				}
				suggest_string(sx, str, slen, keys, &nb, &nu);
				sx->nbi[j] = (uint16_t)nb;
				sx->nuni[j] = (uint16_t)nu;
				if (pass == 0) {
					npairs += nb + nu;
					continue;
				}
				for (k = 0; k < nb + nu; k++)
					pairs[npairs++] = keys[k] << 21 |
					    (uint64_t)(i << 6 | s);
			}
		}
	}
	suggest_radix(pairs, tmp, npairs);
	free(tmp);
	tmp = NULL;

	sx->keys = malloc((npairs ? npairs : 1) * sizeof *sx->keys);
	sx->post_start = malloc((npairs + 1) * sizeof *sx->post_start);
	sx->post = malloc((npairs ? npairs : 1) * sizeof *sx->post);
	if (sx->keys == NULL || sx->post_start == NULL || sx->post == NULL)
		goto out;
	sx->nkeys = 0;
	for (k = 0; k < npairs; k++) {
		if (sx->nkeys == 0 ||
		    sx->keys[sx->nkeys - 1] != pairs[k] >> 21) {
			sx->keys[sx->nkeys] = pairs[k] >> 21;
			sx->post_start[sx->nkeys] = (uint32_t)k;
			sx->nkeys++;
		}
		sx->post[k] = (uint32_t)(pairs[k] & 0x1fffff);
	}
	sx->post_start[sx->nkeys] = (uint32_t)npairs;
	nkeys = realloc(sx->keys, (sx->nkeys ? sx->nkeys : 1) *
	    sizeof *sx->keys);
	if (nkeys != NULL)
		sx->keys = nkeys;
	/* A query looks its keys up here: one or two probes instead of a
	   bisection over hundreds of thousands of keys. */
	for (sx->slot_bits = 4; ((size_t)1 << sx->slot_bits) < 2 * sx->nkeys;
	    sx->slot_bits++)
		;
	sx->slot = calloc((size_t)1 << sx->slot_bits, sizeof *sx->slot);
	if (sx->slot == NULL)
		goto out;
	for (k = 0; k < sx->nkeys; k++) {
		for (j = suggest_hash(sx->keys[k], sx->slot_bits);
		    sx->slot[j] != 0;
		    j = (j + 1) & (((size_t)1 << sx->slot_bits) - 1))
			;
		sx->slot[j] = (uint32_t)(k + 1);
	}
	sx->memory = sx->nkeys * sizeof *sx->keys +
	    (npairs + 1) * sizeof *sx->post_start +
	    npairs * sizeof *sx->post +
	    kb->nitems * sizeof *sx->str_base +
	    nstr * (sizeof *sx->nbi + sizeof *sx->nuni) +
	    sx->nstop * sizeof *sx->stop +
	    ((size_t)1 << sx->slot_bits) * sizeof *sx->slot;
	r = 0;
out:
	free(pairs);
	free(tmp);
	return r;
}

void
kb_suggest_cleanup(struct kb *kb)
{
	struct kb_suggest_index *sx = &kb->sx;

	free(sx->keys);
	free(sx->slot);
	free(sx->post_start);
	free(sx->post);
	free(sx->str_base);
	free(sx->nbi);
	free(sx->nuni);
	free(sx->stop);
	memset(sx, 0, sizeof *sx);
}

/* 1 when score a/b is better than c/d. */
static int
suggest_better(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	return (uint64_t)a * d > (uint64_t)c * b;
}

struct suggest_top {
	const struct kb_item *item;
	uint32_t	 num, den;
};

static void
suggest_offer(struct suggest_top *top, size_t *ntop,
    const struct kb_item *it, uint32_t num, uint32_t den)
{
	size_t i, j;

	/* Ties keep the earlier candidate: items arrive in file order. */
	for (i = 0; i < *ntop; i++) {
		if (suggest_better(num, den, top[i].num, top[i].den) ||
		    (!suggest_better(top[i].num, top[i].den, num, den) &&
		    it->priority > top[i].item->priority))
			break;
	}
	if (i == KB_MAX_SUGGESTIONS)
		return;
	j = *ntop < KB_MAX_SUGGESTIONS ? (*ntop)++ : KB_MAX_SUGGESTIONS - 1;
	for (; j > i; j--)
		top[j] = top[j - 1];
	top[i].item = it;
	top[i].num = num;
	top[i].den = den;
}

size_t
kb_suggest_query(const struct kb *kb, const char *norm, size_t len,
    time_t now, const struct kb_item **out)
{
	const struct kb_suggest_index *sx = &kb->sx;
	struct kb_merge_src src[SUGGEST_MAX_CP];
	struct suggest_top top[KB_MAX_SUGGESTIONS];
	uint64_t keys[SUGGEST_MAX_CP];
	uint32_t cp[SUGGEST_MAX_CP], v, w, cur = UINT32_MAX, c = 0;
	uint32_t bnum = 0, bden = 1, item, num, den;
	const uint16_t *sizes;
	struct kb_merge mg;
	size_t ncp, q, i, k, nsrc = 0, ntop = 0;
	int more;

	if (sx->keys == NULL)
		return 0;
	ncp = kb_decode(norm, len, cp, SUGGEST_MAX_CP);
	if (ncp == 0 || (ncp == 1 && cp[0] < 0x80))
		return 0;
	if (ncp == 1) {
		keys[0] = suggest_key(cp[0], 0);
		q = suggest_set(sx, keys, 1);
		sizes = sx->nuni;
	} else {
		for (i = 0; i + 1 < ncp; i++)
			keys[i] = suggest_key(cp[i], cp[i + 1]);
		q = suggest_set(sx, keys, ncp - 1);
		sizes = sx->nbi;
	}
	for (i = 0; i < q; i++) {
		k = suggest_find(sx, keys[i]);
		if (k == SIZE_MAX)
			continue;
		src[nsrc].cur = sx->post + sx->post_start[k];
		src[nsrc].end = sx->post + sx->post_start[k + 1];
		src[nsrc].weight = 1;
		nsrc++;
	}
	kb_merge_init(&mg, src, nsrc);
	do {
		more = kb_merge_next(&mg, &v, &w);
		if (cur != UINT32_MAX && (!more || v != cur)) {
			/* String cur is complete: c of its bigrams shared. */
			item = cur >> 6;
			num = 2 * c;
			den = (uint32_t)q + sizes[sx->str_base[item] +
			    (cur & 63)];
			if (suggest_better(num, den, bnum, bden)) {
				bnum = num;
				bden = den;
			}
			c = 0;
			/* Item complete when the next string is another's. */
			if (!more || v >> 6 != item) {
				/* Exact items (greetings) answer only
				   themselves: never offered. */
				if ((uint64_t)bnum * SUGGEST_DEN >=
				    (uint64_t)bden * SUGGEST_NUM &&
				    kb->items[item].match != KB_MATCH_EXACT &&
				    !kb_item_expired(&kb->items[item], now))
					suggest_offer(top, &ntop,
					    &kb->items[item], bnum, bden);
				bnum = 0;
				bden = 1;
			}
		}
		if (more) {
			cur = v;
			c += w;
		}
	} while (more);
	for (i = 0; i < ntop; i++)
		out[i] = top[i].item;
	return ntop;
}
