/*
 * test_utf8 — the one UTF-8 decoder, checked against the table of
 * well-formed byte sequences (the Unicode Standard, table 3-7) for every
 * lead byte with every second byte, against the encoder's output for
 * every code point, and at truncation and NUL; then where utf8_prefix
 * may cut.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/utf8.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Table 3-7 as ranges: lead byte, the range of the second byte, and how
 * many continuation bytes (80..BF) follow it.
 */
static const struct {
	unsigned char	lo, hi;		/* lead bytes */
	unsigned char	b2lo, b2hi;	/* second byte */
	int		more;		/* continuation bytes after it */
} wf[] = {
	{ 0xC2, 0xDF, 0x80, 0xBF, 0 },
	{ 0xE0, 0xE0, 0xA0, 0xBF, 1 },
	{ 0xE1, 0xEC, 0x80, 0xBF, 1 },
	{ 0xED, 0xED, 0x80, 0x9F, 1 },
	{ 0xEE, 0xEF, 0x80, 0xBF, 1 },
	{ 0xF0, 0xF0, 0x90, 0xBF, 2 },
	{ 0xF1, 0xF3, 0x80, 0xBF, 2 },
	{ 0xF4, 0xF4, 0x80, 0x8F, 2 },
};

/* The row of lead byte b, or -1 when b never starts a sequence. */
static int
wf_row(unsigned char b)
{
	size_t	i;

	for (i = 0; i < NELEM(wf); i++) {
		if (b >= wf[i].lo && b <= wf[i].hi)
			return (int)i;
	}
	return -1;
}

/* Every lead byte with every second byte, the rest well formed. */
static void
test_lead_and_second(void **state)
{
	unsigned char	s[UTF8_MAX];
	unsigned	lead, b2;
	size_t		want, got;
	int		row;

	(void)state;
	for (lead = 0; lead < 256; lead++) {
		for (b2 = 0; b2 < 256; b2++) {
			s[0] = (unsigned char)lead;
			s[1] = (unsigned char)b2;
			s[2] = s[3] = 0x80;
			row = wf_row(s[0]);
			if (lead < 0x80)
				want = 1;
			else if (row < 0 || b2 < wf[row].b2lo ||
			    b2 > wf[row].b2hi)
				want = 0;
			else
				want = 2 + (size_t)wf[row].more;
			got = utf8_char(s, sizeof s, NULL);
			if (got != want)
				fail_msg("%02X %02X: %zu, want %zu", lead, b2,
				    got, want);
		}
	}
}

/* A bad third or fourth byte breaks the sequence. */
static void
test_later_bytes(void **state)
{
	unsigned char	s[UTF8_MAX];
	unsigned	b;
	size_t		want;

	(void)state;
	for (b = 0; b < 256; b++) {
		want = (b & 0xC0) == 0x80;
		memcpy(s, "\xE4\xBD\xA0", 3);
		s[2] = (unsigned char)b;
		assert_int_equal(utf8_char(s, 3, NULL), want ? 3 : 0);
		memcpy(s, "\xF0\x9F\x98\x80", 4);
		s[2] = (unsigned char)b;
		assert_int_equal(utf8_char(s, 4, NULL), want ? 4 : 0);
		memcpy(s, "\xF0\x9F\x98\x80", 4);
		s[3] = (unsigned char)b;
		assert_int_equal(utf8_char(s, 4, NULL), want ? 4 : 0);
	}
}

/* Encode c the textbook way; returns the length. */
static size_t
encode(uint32_t c, unsigned char *s)
{
	if (c < 0x80) {
		s[0] = (unsigned char)c;
		return 1;
	}
	if (c < 0x800) {
		s[0] = (unsigned char)(0xC0 | c >> 6);
		s[1] = (unsigned char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		s[0] = (unsigned char)(0xE0 | c >> 12);
		s[1] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
		s[2] = (unsigned char)(0x80 | (c & 0x3F));
		return 3;
	}
	s[0] = (unsigned char)(0xF0 | c >> 18);
	s[1] = (unsigned char)(0x80 | (c >> 12 & 0x3F));
	s[2] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
	s[3] = (unsigned char)(0x80 | (c & 0x3F));
	return 4;
}

/*
 * Every code point decodes to itself with its length, surrogates are
 * refused, and one byte fewer than the sequence needs is refused.
 */
static void
test_every_code_point(void **state)
{
	unsigned char	s[UTF8_MAX];
	uint32_t	c, cp;
	size_t		len, got;

	(void)state;
	for (c = 0; c <= 0x10FFFF; c++) {
		len = encode(c, s);
		cp = UINT32_MAX;
		got = utf8_char(s, len, &cp);
		if (c >= 0xD800 && c <= 0xDFFF) {
			if (got != 0)
				fail_msg("surrogate U+%04X accepted", c);
			continue;
		}
		if (got != len || cp != c)
			fail_msg("U+%04X: length %zu cp %X", c, got, cp);
		if (len > 1 && utf8_char(s, len - 1, NULL) != 0)
			fail_msg("U+%04X cut short accepted", c);
	}
}

/* Overlong forms and code points past U+10FFFF. */
static void
test_refused(void **state)
{
	static const char *const bad[] = {
		"\xC0\x80", "\xC1\xBF",		/* overlong ASCII */
		"\xE0\x80\x80", "\xE0\x9F\xBF",	/* overlong 2-byte */
		"\xF0\x80\x80\x80", "\xF0\x8F\xBF\xBF",
		"\xF4\x90\x80\x80",		/* U+110000 */
		"\xF5\x80\x80\x80", "\xFF",
		"\x80", "\xBF",			/* stray continuation */
		"\xED\xA0\x80", "\xED\xBF\xBF",	/* surrogates */
	};
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(bad); i++) {
		if (utf8_char((const unsigned char *)bad[i],
		    strlen(bad[i]), NULL) != 0)
			fail_msg("case %zu accepted", i);
	}
}

/* With n = UTF8_MAX, a NUL-terminated string is never read past. */
static void
test_nul_ends(void **state)
{
	static const char *const cut[] = {
		"\xC3", "\xE4", "\xE4\xBD", "\xF0", "\xF0\x9F",
		"\xF0\x9F\x98",
	};
	unsigned char	buf[UTF8_MAX + 1];
	size_t		i;

	(void)state;
	for (i = 0; i < NELEM(cut); i++) {
		/* The bytes after the NUL would complete the sequence. */
		memset(buf, 0x80, sizeof buf);
		memcpy(buf, cut[i], strlen(cut[i]) + 1);
		if (utf8_char(buf, UTF8_MAX, NULL) != 0)
			fail_msg("case %zu read past the NUL", i);
	}
	assert_int_equal(utf8_char((const unsigned char *)"", 1, NULL), 1);
}

/* utf8_valid: whole strings, with the cases JSON and the KB loader need. */
static void
test_utf8_valid(void **state)
{
	static const struct {
		const char	*s;
		size_t		 len;
		int		 want;
	} c[] = {
		{ "", 0, 1 },
		{ "ascii", 5, 1 },
		{ "\xe7\x94\xb5\xe8\xaf\x9d", 6, 1 },		/* 电话 */
		{ "\xf0\x9f\x98\x80x", 5, 1 },			/* U+1F600 */
		{ "ab\0cd", 5, 0 },					/* NUL inside */
		{ "\xe7\x94", 2, 0 },				/* cut short */
		{ "\xe7\x94\xb5\xe8", 4, 0 },			/* cut at end */
		{ "\xc0\xaf", 2, 0 },				/* overlong */
		{ "\xed\xa0\x80", 3, 0 },				/* surrogate */
		{ "\xf4\x90\x80\x80", 4, 0 },			/* > U+10FFFF */
		{ "\x80", 1, 0 },					/* stray */
		{ "\xff", 1, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(c); i++)
		assert_int_equal(utf8_valid(c[i].s, c[i].len), c[i].want);
	/* Only len bytes count: a bad byte past it is not looked at. */
	assert_int_equal(utf8_valid("ok\xff", 2), 1);
}

static void
test_utf8_prefix_table(void **state)
{
	static const struct {
		const char	*s;
		size_t		 max;
		size_t		 want;
	} cases[] = {
		{ "", 0, 0 },
		{ "", 5, 0 },
		{ "abc", 0, 0 },
		{ "abc", 2, 2 },
		{ "abc", 3, 3 },
		{ "abc", 99, 3 },
		/* é = C3 A9 */
		{ "a\xC3\xA9" "b", 1, 1 },
		{ "a\xC3\xA9" "b", 2, 1 },
		{ "a\xC3\xA9" "b", 3, 3 },
		/* 你 = E4 BD A0 */
		{ "\xE4\xBD\xA0", 0, 0 },
		{ "\xE4\xBD\xA0", 1, 0 },
		{ "\xE4\xBD\xA0", 2, 0 },
		{ "\xE4\xBD\xA0", 3, 3 },
		/* 😀 = F0 9F 98 80 */
		{ "x\xF0\x9F\x98\x80" "y", 1, 1 },
		{ "x\xF0\x9F\x98\x80" "y", 2, 1 },
		{ "x\xF0\x9F\x98\x80" "y", 3, 1 },
		{ "x\xF0\x9F\x98\x80" "y", 4, 1 },
		{ "x\xF0\x9F\x98\x80" "y", 5, 5 },
		{ "x\xF0\x9F\x98\x80" "y", 6, 6 },
		/* Broken input: stray continuation bytes are not a lead. */
		{ "\x80\x80\x80\x80\x80", 3, 3 },
		{ "a\x80\x80\x80\x80", 3, 3 },
		{ "ab\xF0\x9F", 3, 2 },
		{ "ab\xC3\xA9\xA9", 4, 4 },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		if (utf8_prefix(cases[i].s, strlen(cases[i].s),
		    cases[i].max) != cases[i].want)
			fail_msg("case %zu: got %zu want %zu", i,
			    utf8_prefix(cases[i].s, strlen(cases[i].s),
			    cases[i].max), cases[i].want);
	}
	assert_int_equal(utf8_prefix(NULL, 0, 10), 0);
	/* len, not a NUL, bounds the string. */
	assert_int_equal(utf8_prefix("ab\0cd", 5, 4), 4);
	assert_int_equal(utf8_prefix("\xE4\xBD\xA0\xE4\xBD\xA0", 3, 5),
	    3);
}

/* Every cut of a mixed string lands on the last boundary not past it. */
static void
test_utf8_prefix_every_cut(void **state)
{
	/* a | é | 你 | 😀 | b | 😀 */
	static const char s[] = "a\xC3\xA9\xE4\xBD\xA0\xF0\x9F\x98\x80"
	    "b\xF0\x9F\x98\x80";
	static const size_t bounds[] = { 0, 1, 3, 6, 10, 11, 15 };
	size_t	max, want, got, j;

	(void)state;
	for (max = 0; max <= sizeof(s) + 1; max++) {
		want = 0;
		for (j = 0; j < NELEM(bounds); j++) {
			if (bounds[j] <= max)
				want = bounds[j];
		}
		got = utf8_prefix(s, sizeof(s) - 1, max);
		if (got != want)
			fail_msg("max %zu: got %zu want %zu", max, got, want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lead_and_second),
		cmocka_unit_test(test_later_bytes),
		cmocka_unit_test(test_every_code_point),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_nul_ends),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_prefix_table),
		cmocka_unit_test(test_utf8_prefix_every_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
