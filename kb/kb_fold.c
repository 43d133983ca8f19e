/*
 * kb_fold — lookups in the folding tables that kb/gen/kb_fold_gen.c
 * generates from ICU at build time, and pinyin typed in letters split into
 * syllables.
 */
#include <string.h>

#include "kb/kb_fold.h"

/* Index + 1 of the syllable s (len bytes) in the sorted list, or 0. */
static uint16_t
fold_find(const char *s, size_t len)
{
	size_t lo = 0, hi = kb_fold_nsyl, mid;
	int c;

	if (len >= KB_FOLD_SYL_LEN)
		return 0;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strncmp(s, kb_fold_text[mid], len);
		if (c == 0 && kb_fold_text[mid][len] != '\0')
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

uint32_t
kb_fold_han(uint32_t cp)
{
	if (cp < KB_FOLD_FIRST || cp > KB_FOLD_LAST ||
	    kb_fold_t2s[cp - KB_FOLD_FIRST] == 0)
		return cp;
	return KB_FOLD_FIRST + kb_fold_t2s[cp - KB_FOLD_FIRST] - 1u;
}

uint16_t
kb_fold_syllable(uint32_t cp)
{
	if (cp < KB_FOLD_FIRST || cp > KB_FOLD_LAST)
		return 0;
	return kb_fold_syl[cp - KB_FOLD_FIRST];
}

const char *
kb_fold_syllable_text(uint16_t id)
{
	if (id == 0 || id > kb_fold_nsyl)
		return "";
	return kb_fold_text[id - 1];
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
	char low[KB_FOLD_SYL_LEN];
	size_t i, l, k, c;

	step[n] = 0;
	for (i = n; i-- > 0;) {
		step[i] = 0;
		for (l = n - i < KB_FOLD_SYL_LEN - 1 ? n - i :
		    KB_FOLD_SYL_LEN - 1;
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
