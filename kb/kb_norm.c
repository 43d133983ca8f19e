/*
 * kb_norm — text normalization for matching.
 *
 * The input is decoded one codepoint at a time (an invalid byte is skipped,
 * so a bad byte in the middle never loses the rest of the message).  Each
 * codepoint is mapped with utf8proc_decompose_char() (compatibility
 * decomposition + case folding, default-ignorables such as ZWJ and
 * variation selectors removed), the pieces are kept in a small segment that
 * holds the last starter and the combining marks after it, and the segment
 * is recomposed (NFKC) with utf8proc_normalize_utf32() before it is
 * written.  Only letters, digits and non-enclosing marks are written;
 * white space, punctuation, symbols (emoji), enclosing marks and control or
 * format characters are dropped.
 *
 * ASCII and CJK ideographs, nearly all of what residents type, take a fast
 * path that never calls into utf8proc.  Ideographs are folded from
 * traditional to simplified (kb_fold) on the way.
 */
#include <stdint.h>
#include <string.h>

#include <utf8proc.h>

#include "kb/kb_fold.h"
#include "kb/kb_norm.h"

/*
 * Stream-Safe Text Format allows at most 30 non-starters in a row; a longer
 * run is written out as it is, uncomposed, which keeps the segment bounded.
 */
#define NORM_SEG_MAX	32
/* U+FDFA, the longest compatibility mapping, has 18 codepoints. */
#define NORM_DECOMP_MAX	32

#define NORM_OPTS	(UTF8PROC_COMPOSE | UTF8PROC_COMPAT | \
			 UTF8PROC_CASEFOLD | UTF8PROC_IGNORE)

struct norm {
	char		*out;
	size_t		 outsz;
	size_t		 n;		/* bytes written to out */
	int		 full;		/* out cannot take another codepoint */
	int		 orphan;	/* marks now belong to a dropped
					   character: drop them too */
	utf8proc_int32_t seg[NORM_SEG_MAX];
	size_t		 nseg;
};

/* Categories written out, indexed by utf8proc_category_t. */
static const unsigned char norm_keep[32] = {
	[UTF8PROC_CATEGORY_LU] = 1, [UTF8PROC_CATEGORY_LL] = 1,
	[UTF8PROC_CATEGORY_LT] = 1, [UTF8PROC_CATEGORY_LM] = 1,
	[UTF8PROC_CATEGORY_LO] = 1,
	[UTF8PROC_CATEGORY_MN] = 1, [UTF8PROC_CATEGORY_MC] = 1,
	[UTF8PROC_CATEGORY_ND] = 1, [UTF8PROC_CATEGORY_NL] = 1,
	[UTF8PROC_CATEGORY_NO] = 1,
};

/* CJK Unified Ideographs and Extension A: Lo, no mapping, never compose. */
static int
norm_is_han(utf8proc_int32_t cp)
{
	return (cp >= 0x4e00 && cp <= 0x9fff) ||
	    (cp >= 0x3400 && cp <= 0x4dbf);
}

/*
 * 1 when cp, a starter, can never be the second half of a canonical
 * composition, so the segment before it can be written out.  Starters that
 * do compose as a second half are the Hangul vowel and trailing jamo and a
 * few vowel signs of Indic and Southeast Asian scripts, all at U+09BE or
 * above (checked against the utf8proc tables when this was written).
 */
static int
norm_is_inert(utf8proc_int32_t cp)
{
	return cp < 0x0900 || (cp >= 0x3000 && cp < 0xa000) ||
	    (cp >= 0xac00 && cp < 0xd7a4);
}

static int
norm_ccc(utf8proc_int32_t cp)
{
	if (cp < 0x300 || norm_is_han(cp))
		return 0;
	return utf8proc_get_property(cp)->combining_class;
}

static void
norm_emit(struct norm *st, utf8proc_int32_t cp)
{
	unsigned char *o;
	size_t len;

	if (st->full)
		return;
	if (cp < 0x80) {
		if (!((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') ||
		    (cp >= 'A' && cp <= 'Z')))
			return;
		len = 1;
	} else if (norm_is_han(cp))
		len = 3;
	else {
		if (!norm_keep[utf8proc_get_property(cp)->category & 31])
			return;
		len = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	}
	/* Keep room for the NUL; stop at the first codepoint that won't fit. */
	if (st->n + len + 1 > st->outsz) {
		st->full = 1;
		return;
	}
	o = (unsigned char *)st->out + st->n;
	st->n += len;
	switch (len) {
	case 1:
		o[0] = (unsigned char)cp;
		break;
	case 2:
		o[0] = (unsigned char)(0xc0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		break;
	case 3:
		o[0] = (unsigned char)(0xe0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		break;
	default:
		o[0] = (unsigned char)(0xf0 | (cp >> 18));
		o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		o[3] = (unsigned char)(0x80 | (cp & 0x3f));
		break;
	}
}

/* Compose the whole segment and write it out. */
static void
norm_flush(struct norm *st)
{
	utf8proc_ssize_t n = (utf8proc_ssize_t)st->nseg;
	utf8proc_ssize_t i;

	if (n > 1) {
		n = utf8proc_normalize_utf32(st->seg, n, UTF8PROC_COMPOSE);
		if (n < 0)
			n = 0;
	}
	for (i = 0; i < n; i++)
		norm_emit(st, st->seg[i]);
	st->nseg = 0;
}

/*
 * Add one codepoint of the decomposed stream: combining marks are put in
 * canonical order after the segment's starter; a starter is composed with
 * the segment, and everything before the last starter is written out since
 * nothing that follows can combine with it any more.
 */
static void
norm_push(struct norm *st, utf8proc_int32_t cp)
{
	utf8proc_ssize_t n;
	size_t j, last;
	int ccc;

	if (norm_is_han(cp))
		cp = (utf8proc_int32_t)kb_fold_han((uint32_t)cp);
	ccc = norm_ccc(cp);
	if (ccc != 0) {
		if (st->nseg == NORM_SEG_MAX)
			norm_flush(st);
		j = st->nseg;
		while (j > 0 && norm_ccc(st->seg[j - 1]) > ccc) {
			st->seg[j] = st->seg[j - 1];
			j--;
		}
		st->seg[j] = cp;
		st->nseg++;
		return;
	}
	if (st->nseg == 0 || norm_is_inert(cp) || st->nseg == NORM_SEG_MAX) {
		norm_flush(st);
		st->seg[0] = cp;
		st->nseg = 1;
		return;
	}
	st->seg[st->nseg++] = cp;
	n = utf8proc_normalize_utf32(st->seg, (utf8proc_ssize_t)st->nseg,
	    UTF8PROC_COMPOSE);
	if (n <= 0) {
		st->nseg = 0;
		return;
	}
	last = 0;
	for (j = 0; j < (size_t)n; j++) {
		if (norm_ccc(st->seg[j]) == 0)
			last = j;
	}
	for (j = 0; j < last; j++)
		norm_emit(st, st->seg[j]);
	memmove(st->seg, st->seg + last,
	    ((size_t)n - last) * sizeof st->seg[0]);
	st->nseg = (size_t)n - last;
}

/*
 * Filter one codepoint of the decomposed stream before composition, so
 * that a dropped character neither blocks nor joins a composition and the
 * result normalizes to itself.  Marks that follow a dropped character (the
 * stroke of a symbol, a skin tone) go with it.
 */
static void
norm_add(struct norm *st, utf8proc_int32_t cp)
{
	int cat;

	if (cp < 0x80) {
		if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') ||
		    (cp >= 'A' && cp <= 'Z')) {
			st->orphan = 0;
			norm_push(st, cp);
		} else
			st->orphan = 1;
		return;
	}
	cat = utf8proc_get_property(cp)->category;
	if (!norm_keep[cat & 31]) {
		st->orphan = 1;
		return;
	}
	if (cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC) {
		if (st->orphan)
			return;
	} else
		st->orphan = 0;
	norm_push(st, cp);
}

size_t
kb_norm(const char *in, size_t len, char *out, size_t outsz)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)in;
	utf8proc_int32_t cp, dec[NORM_DECOMP_MAX];
	utf8proc_ssize_t r, k;
	struct norm st;
	size_t i;

	if (outsz == 0)
		return 0;
	st.out = out;
	st.outsz = outsz;
	st.n = 0;
	st.full = 0;
	st.nseg = 0;
	st.orphan = 0;

	i = 0;
	while (i < len && !st.full) {
		if (p[i] < 0x80) {
			cp = p[i++];
			if (cp >= 'A' && cp <= 'Z')
				cp += 'a' - 'A';
			norm_add(&st, cp);
			continue;
		}
		/* Three-byte sequences (all of CJK) decoded inline. */
		if ((p[i] & 0xf0) == 0xe0 && len - i >= 3 &&
		    (p[i + 1] & 0xc0) == 0x80 && (p[i + 2] & 0xc0) == 0x80) {
			cp = ((p[i] & 0x0f) << 12) | ((p[i + 1] & 0x3f) << 6) |
			    (p[i + 2] & 0x3f);
			if (norm_is_han(cp)) {
				i += 3;
				st.orphan = 0;
				norm_push(&st, cp);
				continue;
			}
		}
		r = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
		if (r <= 0 || cp < 0) {
			i++;		/* invalid byte: skip it alone */
			continue;
		}
		i += (size_t)r;
		if (norm_is_han(cp)) {
			st.orphan = 0;
			norm_push(&st, cp);
			continue;
		}
		r = utf8proc_decompose_char(cp, dec, NORM_DECOMP_MAX,
		    NORM_OPTS, NULL);
		if (r < 0 || r > NORM_DECOMP_MAX)
			continue;
		for (k = 0; k < r; k++)
			norm_add(&st, dec[k]);
	}
	norm_flush(&st);
	out[st.n] = '\0';
	return st.n;
}
