/*
 * test_kb_norm — the normalization table of DESIGN.md: what residents type
 * and what the matcher sees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kb/kb_fold.h"
#include "kb/kb_norm.h"

struct norm_case {
	const char	*name;
	const char	*in;
	size_t		 inlen;		/* 0: strlen(in) */
	const char	*want;
};

static const struct norm_case norm_cases[] = {
	{ "full-width letters", "ＥＭＡＩＬ", 0, "email" },
	{ "full-width digits", "１２３", 0, "123" },
	{ "full-width mixed", "Ｗｉ－Ｆｉ密码", 0, "wifi密码" },
	{ "ideographic space", "电话\xe3\x80\x80号码", 0, "电话号码" },
	{ "ascii spaces and tabs", " 电 话\t号\r\n码 ", 0, "电话号码" },
	{ "no-break space", "电\xc2\xa0话", 0, "电话" },
	{ "ascii case", "EMail WGZ", 0, "emailwgz" },
	{ "cjk punctuation", "。，？！、“公开”《条例》：；（）【】…—", 0,
	  "公开条例" },
	{ "ascii punctuation", "tel: 8784-1022! (office)?", 0,
	  "tel87841022office" },
	{ "question", "街道办电话多少啊？", 0, "街道办电话多少啊" },
	{ "emoji dropped", "😀电话👍🏽？🎉", 0, "电话" },
	{ "emoji with zwj and vs16", "❤️👨‍👩‍👧电话", 0, "电话" },
	{ "keycap emoji", "1️⃣", 0, "1" },
	{ "symbols dropped", "￥100 + 50% = €? ©®", 0, "10050" },
	{ "trade mark sign is t, m", "™", 0, "tm" },
	{ "mark after dropped char", "e。\xcc\x81", 0, "e" },
	{ "not-less-than dropped whole", "a≮b", 0, "ab" },
	{ "mixed scripts", "王哥庄Wanggezhuang街道2020年", 0,
	  "王哥庄wanggezhuang街道2020年" },
	{ "invalid bytes skipped", "\xff电\xfe话\xc3", 0, "电话" },
	{ "truncated sequence in the middle", "电\xe8\xaf话", 0, "电话" },
	{ "overlong encoding skipped", "a\xc0\xaf" "b", 0, "ab" },
	{ "surrogate skipped", "a\xed\xa0\x80" "b", 0, "ab" },
	{ "nul byte dropped", "电\0话", 7, "电话" },
	{ "combining acute composes", "cafe\xcc\x81", 0, "caf\xc3\xa9" },
	{ "precomposed stays", "caf\xc3\xa9", 0, "caf\xc3\xa9" },
	{ "upper precomposed folds", "CAF\xc3\x89", 0, "caf\xc3\xa9" },
	{ "sharp s folds", "Straße", 0, "strasse" },
	{ "compatibility ideographs", "㍻", 0, "平成" },
	{ "circled digit", "①号", 0, "1号" },
	{ "half-width katakana", "ﾃﾞﾝﾜ", 0, "デンワ" },
	{ "hangul kept", "한국어", 0, "한국어" },
	{ "empty", "", 0, "" },
	{ "only punctuation", "？！。，……", 0, "" },
	{ "control characters", "a\x01\x1b[0mb\x7f", 0, "a0mb" },
	{ "soft hyphen and zwsp", "电\xc2\xad话\xe2\x80\x8b", 0, "电话" },
	{ "traditional folded", "辦事處電話", 0, "办事处电话" },
	{ "traditional phrase", "政府採購總金額", 0, "政府采购总金额" },
	{ "traditional in extension a stays", "\xe3\x90\x80", 0,
	  "\xe3\x90\x80" },
	{ "simplified unchanged", "公益性岗位补贴", 0, "公益性岗位补贴" },
	{ "compatibility ideograph folded too", "\xef\xa4\x80", 0, "岂" },
};

/* Pinyin readings: ideographs, pinyin typed in letters, hostile letters. */
static void
test_fold_syllables(void **state)
{
	static const struct {
		const char	*in, *want;
	} cases[] = {
		{ "公益性岗位", "gong yi xing gang wei" },
		{ "政府凯放日", "zheng fu kai fang ri" },
		{ "gongyigangbutie", "gong yi gang bu tie" },
		{ "xian", "xian" },
		{ "jiuyelv", "jiu ye lu" },
		{ "电话123dianhua", "dian hua - dian hua" },
		{ "qqqq", "-" },
		{ "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
		  "-" },
	};
	uint16_t syl[KB_FOLD_MAX_SYL];
	char got[512];
	size_t i, k, n, off;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		n = kb_fold_syllables(cases[i].in, strlen(cases[i].in), syl,
		    KB_FOLD_MAX_SYL);
		off = 0;
		got[0] = '\0';
		for (k = 0; k < n; k++) {
			/* Runs of breaks print as one "-". */
			if (syl[k] == 0 && k > 0 && syl[k - 1] == 0)
				continue;
			off += (size_t)snprintf(got + off, sizeof got - off,
			    "%s%s", k > 0 ? " " : "", syl[k] != 0 ?
			    kb_fold_syllable_text(syl[k]) : "-");
		}
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i].in,
			    got, cases[i].want);
	}
	/* The output is bounded by max. */
	assert_int_equal(kb_fold_syllables("gongyigang", 10, syl, 2), 2);
}

static void
test_norm_table(void **state)
{
	const struct norm_case *c;
	char out[256];
	size_t i, n, len;

	(void)state;
	for (i = 0; i < sizeof norm_cases / sizeof norm_cases[0]; i++) {
		c = &norm_cases[i];
		len = c->inlen != 0 ? c->inlen : strlen(c->in);
		n = kb_norm(c->in, len, out, sizeof out);
		if (strcmp(out, c->want) != 0 || n != strlen(c->want))
			fail_msg("%s: got \"%s\" (%zu), want \"%s\"", c->name,
			    out, n, c->want);
	}
}

/* Marks in either order are the same text once normalized. */
static void
test_norm_mark_order(void **state)
{
	char a[64], b[64];

	(void)state;
	/* a + ogonek (ccc 202) + acute (230), and acute first. */
	kb_norm("a\xcc\xa8\xcc\x81", 5, a, sizeof a);
	kb_norm("a\xcc\x81\xcc\xa8", 5, b, sizeof b);
	assert_string_equal(a, b);
	/* It composes to a-ogonek + acute. */
	assert_string_equal(a, "\xc4\x85\xcc\x81");
}

/* Hangul jamo (decomposed) compose back to the syllable. */
static void
test_norm_hangul(void **state)
{
	char out[64];

	(void)state;
	kb_norm("\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab", 9, out, sizeof out);
	assert_string_equal(out, "한");
}

struct cut_case {
	const char	*in;
	size_t		 outsz;
	const char	*want;
};

static const struct cut_case cut_cases[] = {
	{ "电话号码", 0, "" },
	{ "电话号码", 1, "" },
	{ "电话号码", 3, "" },
	{ "电话号码", 4, "电" },
	{ "电话号码", 9, "电话" },
	{ "电话号码", 10, "电话号" },
	{ "电话号码", 13, "电话号码" },
	{ "ab电话", 4, "ab" },
	{ "ab电话", 6, "ab电" },
	{ "㍻", 4, "平" },
};

/* A full buffer is cut at a character boundary, never mid-character. */
static void
test_norm_cut(void **state)
{
	char out[32];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof cut_cases / sizeof cut_cases[0]; i++) {
		memset(out, 'x', sizeof out);
		n = kb_norm(cut_cases[i].in, strlen(cut_cases[i].in), out,
		    cut_cases[i].outsz);
		if (cut_cases[i].outsz == 0) {
			assert_int_equal(n, 0);
			assert_int_equal(out[0], 'x');
			continue;
		}
		assert_string_equal(out, cut_cases[i].want);
		assert_int_equal(n, strlen(cut_cases[i].want));
	}
}

/* A long message fills the buffer exactly up to its last character. */
static void
test_norm_long(void **state)
{
	char in[3 * 2000], out[4097];
	size_t i, n;

	(void)state;
	for (i = 0; i < 2000; i++)
		memcpy(in + 3 * i, "电", 3);
	n = kb_norm(in, sizeof in, out, sizeof out);
	assert_int_equal(n, 4095);	/* 1365 characters of 3 bytes */
	assert_int_equal(strlen(out), n);
}

static int
valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0, k, len;

	while (i < n) {
		if (s[i] < 0x80)
			len = 1;
		else if ((s[i] & 0xe0) == 0xc0)
			len = 2;
		else if ((s[i] & 0xf0) == 0xe0)
			len = 3;
		else if ((s[i] & 0xf8) == 0xf0)
			len = 4;
		else
			return 0;
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		}
		i += len;
	}
	return 1;
}

/*
 * Random bytes: output is valid UTF-8 within the buffer, and normalizing
 * the output again changes nothing (the two sides of a match agree).
 */
static void
test_norm_random(void **state)
{
	static const char *const pieces[] = {
		"电", "话", "Ａ", "a", "\xcc\x81", "\xff", "\xe3\x80\x80",
		"😀", "\xe8", "ß", "㍻", "。", "\xe1\x84\x92", "\xe1\x85\xa1",
		"\xef\xb8\x8f", "e", "\xc4\xb0", "\x80",
	};
	char in[400], out[128], again[128];
	size_t i, j, len, n, n2, k;
	unsigned seed = 12345;

	(void)state;
	for (i = 0; i < 2000; i++) {
		len = 0;
		for (j = 0; j < 40; j++) {
			seed = seed * 1103515245 + 12345;
			k = (seed >> 16) % (sizeof pieces / sizeof pieces[0]);
			if (len + strlen(pieces[k]) >= sizeof in)
				break;
			memcpy(in + len, pieces[k], strlen(pieces[k]));
			len += strlen(pieces[k]);
		}
		n = kb_norm(in, len, out, sizeof out);
		assert_true(n < sizeof out);
		assert_int_equal(strlen(out), n);
		assert_true(valid_utf8((unsigned char *)out, n));
		if (n < sizeof out - 8) {
			n2 = kb_norm(out, n, again, sizeof again);
			assert_int_equal(n2, n);
			assert_string_equal(again, out);
		}
	}
}

/*
 * Folding twice is folding once for every ideograph the tables cover:
 * ICU maps a few in pairs (苎 and 苧 to each other), which the generator
 * must have closed.
 */
static void
test_fold_idempotent(void **state)
{
	char in[8], once[32], twice[32];
	size_t n1, n2, bad = 0;
	uint32_t cp;

	(void)state;
	for (cp = KB_FOLD_FIRST; cp <= KB_FOLD_LAST; cp++) {
		in[0] = (char)(0xe0 | cp >> 12);
		in[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		in[2] = (char)(0x80 | (cp & 0x3f));
		n1 = kb_norm(in, 3, once, sizeof once);
		n2 = kb_norm(once, n1, twice, sizeof twice);
		if (n1 != n2 || memcmp(once, twice, n1) != 0) {
			if (bad++ < 5)
				print_message("U+%04X: folds again\n",
				    (unsigned)cp);
		}
	}
	assert_int_equal(bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_norm_table),
		cmocka_unit_test(test_fold_syllables),
		cmocka_unit_test(test_norm_mark_order),
		cmocka_unit_test(test_norm_hangul),
		cmocka_unit_test(test_norm_cut),
		cmocka_unit_test(test_norm_long),
		cmocka_unit_test(test_norm_random),
		cmocka_unit_test(test_fold_idempotent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
