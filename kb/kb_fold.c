/*
 * kb_fold — traditional-to-simplified and pinyin tables from ICU.
 *
 * ICU opens the two transliterators in about 0.2 s and runs them over the
 * 27,000 ideographs in about 0.25 s; that happens once per process, the
 * first time a knowledge base is loaded or a text normalized, and the
 * tables (about 125 KiB) are read-only afterwards.  One character at a
 * time: the tables fold characters, not phrases, which is what matching
 * a keyword needs (the same function folds keywords and questions).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/utrans.h>
#include <unicode/ustring.h>

#include "kb/kb_fold.h"

#define FOLD_FIRST	0x3400
#define FOLD_LAST	0x9fff
#define FOLD_N		(FOLD_LAST - FOLD_FIRST + 1)
#define FOLD_MAX_SYLS	2048	/* distinct syllables kept */
#define FOLD_SYL_LEN	7	/* "zhuang" and a NUL */

static pthread_once_t fold_once = PTHREAD_ONCE_INIT;
static const char *fold_cause;
static uint16_t fold_t2s[FOLD_N];	/* simplified - FOLD_FIRST + 1; 0
					   keeps the character */
static uint16_t fold_syl[FOLD_N];	/* syllable id, 0 none */
static char	fold_text[FOLD_MAX_SYLS][FOLD_SYL_LEN];	/* sorted */
static size_t	fold_nsyl;

static int
fold_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Index + 1 of the syllable s (len bytes) in the sorted list, or 0. */
static uint16_t
fold_find(const char *s, size_t len)
{
	size_t lo = 0, hi = fold_nsyl, mid;
	int c;

	if (len >= FOLD_SYL_LEN)
		return 0;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strncmp(s, fold_text[mid], len);
		if (c == 0 && fold_text[mid][len] != '\0')
			c = -1;
		if (c == 0)
			return (uint16_t)(mid + 1);
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

/* One character through t; its ASCII lower-case letters into out. */
static int
fold_one(UTransliterator *t, UChar c, UChar *buf, int32_t size)
{
	UErrorCode e = U_ZERO_ERROR;
	int32_t len = 1, lim = 1;

	buf[0] = c;
	utrans_transUChars(t, buf, &len, size, 0, &lim, &e);
	if (U_FAILURE(e) || len < 0 || len >= size)
		return -1;
	return (int)len;
}

static void
fold_build(void)
{
	char (*raw)[FOLD_SYL_LEN], (*sorted)[FOLD_SYL_LEN];
	UErrorCode e = U_ZERO_ERROR;
	UTransliterator *ts = NULL, *py = NULL;
	UChar id[64], buf[32];
	UParseError pe;
	size_t i, k, j;
	int len, n;

	/* Scratch of the build only, freed before the tables are used. */
	raw = calloc(FOLD_N, FOLD_SYL_LEN);
	sorted = calloc(FOLD_N, FOLD_SYL_LEN);
	if (raw == NULL || sorted == NULL) {
		fold_cause = "out of memory building the pinyin table";
		goto out;
	}
	u_uastrcpy(id, "Traditional-Simplified");
	ts = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, &pe, &e);
	u_uastrcpy(id, "Han-Latin; Latin-ASCII");
	if (U_SUCCESS(e))
		py = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, &pe, &e);
	if (U_FAILURE(e)) {
		fold_cause = "ICU has no Traditional-Simplified or Han-Latin "
		    "transliterator";
		goto out;
	}
	for (i = 0; i < FOLD_N; i++) {
		len = fold_one(ts, (UChar)(FOLD_FIRST + i), buf, 32);
		if (len == 1 && buf[0] != FOLD_FIRST + i &&
		    buf[0] >= FOLD_FIRST && buf[0] <= FOLD_LAST)
			fold_t2s[i] = (uint16_t)(buf[0] - FOLD_FIRST + 1);
		len = fold_one(py, (UChar)(FOLD_FIRST + i), buf, 32);
		/* A reading is 1..6 ASCII letters, nothing else. */
		for (n = 0; n < len && n < FOLD_SYL_LEN - 1; n++) {
			if (buf[n] >= 'A' && buf[n] <= 'Z')
				buf[n] += 'a' - 'A';
			if (buf[n] < 'a' || buf[n] > 'z')
				break;
			raw[i][n] = (char)buf[n];
		}
		if (n != len)
			n = 0;
		raw[i][n] = '\0';
	}
	/* The distinct readings, sorted, then each character's id. */
	memcpy(sorted, raw, (size_t)FOLD_N * FOLD_SYL_LEN);
	qsort(sorted, FOLD_N, FOLD_SYL_LEN, fold_cmp);
	for (i = 0, k = 0; i < FOLD_N && k < FOLD_MAX_SYLS; i++) {
		if (sorted[i][0] != '\0' && (k == 0 ||
		    strcmp(fold_text[k - 1], sorted[i]) != 0))
			memcpy(fold_text[k++], sorted[i], FOLD_SYL_LEN);
	}
	fold_nsyl = k;
	for (j = 0; j < FOLD_N; j++) {
		if (raw[j][0] != '\0')
			fold_syl[j] = fold_find(raw[j], strlen(raw[j]));
	}
out:
	free(raw);
	free(sorted);
	if (ts != NULL)
		utrans_close(ts);
	if (py != NULL)
		utrans_close(py);
}

int
kb_fold_init(const char **cause)
{
	pthread_once(&fold_once, fold_build);
	if (fold_cause != NULL && cause != NULL)
		*cause = fold_cause;
	return fold_cause != NULL ? -1 : 0;
}

uint32_t
kb_fold_han(uint32_t cp)
{
	if (cp < FOLD_FIRST || cp > FOLD_LAST ||
	    fold_t2s[cp - FOLD_FIRST] == 0)
		return cp;
	return FOLD_FIRST + fold_t2s[cp - FOLD_FIRST] - 1u;
}

uint16_t
kb_fold_syllable(uint32_t cp)
{
	if (cp < FOLD_FIRST || cp > FOLD_LAST)
		return 0;
	return fold_syl[cp - FOLD_FIRST];
}

const char *
kb_fold_syllable_text(uint16_t id)
{
	if (id == 0 || id > fold_nsyl)
		return "";
	return fold_text[id - 1];
}

/*
 * Split n (at most 64) ASCII letters into syllables, the longest that still
 * lets the rest split (xian is one syllable, not xi an), by a pass from the
 * end; writes at most max.  Returns the count, or 0 when the letters are
 * not pinyin.
 */
static size_t
fold_split(const char *s, size_t n, uint16_t *out, size_t max)
{
	unsigned char step[65];
	uint16_t ids[65];
	char low[FOLD_SYL_LEN];
	size_t i, l, k, c;

	step[n] = 0;
	for (i = n; i-- > 0;) {
		step[i] = 0;
		for (l = n - i < FOLD_SYL_LEN - 1 ? n - i : FOLD_SYL_LEN - 1;
		    l > 0; l--) {
			if (i + l < n && step[i + l] == 0)
				continue;
			for (k = 0; k < l; k++)
				low[k] = s[i + k] == 'v' ? 'u' : s[i + k];
			ids[i] = fold_find(low, l);
			if (ids[i] != 0) {
				step[i] = (unsigned char)l;
				break;
			}
		}
	}
	if (step[0] == 0)
		return 0;
	for (i = 0, c = 0; i < n && c < max; i += step[i])
		out[c++] = ids[i];
	return c;
}

size_t
kb_fold_syllables(const char *s, size_t len, uint16_t *out, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n = 0, run, r;
	uint32_t cp;

	(void)kb_fold_init(NULL);
	while (i < len && n < max) {
		if (p[i] >= 'a' && p[i] <= 'z') {
			for (run = i; run < len && p[run] >= 'a' &&
			    p[run] <= 'z'; run++)
				;
			r = run - i <= 64 ? fold_split(s + i, run - i,
			    out + n, max - n) : 0;
			if (r == 0)
				out[n++] = 0;
			n += r;
			i = run;
			continue;
		}
		if ((p[i] & 0xf0) == 0xe0 && i + 2 < len) {
			cp = (uint32_t)(p[i] & 0x0f) << 12 |
			    (uint32_t)(p[i + 1] & 0x3f) << 6 | (p[i + 2] & 0x3f);
			out[n++] = kb_fold_syllable(cp);
			i += 3;
			continue;
		}
		out[n++] = 0;
		i++;
		while (i < len && (p[i] & 0xc0) == 0x80)
			i++;
	}
	return n;
}
