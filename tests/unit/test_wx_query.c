/*
 * test_wx_query — strict parsing of the callback query string: the seven
 * known parameters, percent-decoding, and every refusal (bad %XX, a
 * decoded NUL, a repeated known parameter, over-long input).  On error
 * the struct must hold nothing; leaks are caught by running under ASan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "handlers/callback/wx_query.h"

#define NKNOWN	7

enum {
	F_SIG, F_TS, F_NONCE, F_OPENID, F_ECHO, F_ENC, F_MSGSIG
};

static const char *const names[NKNOWN] = {
	"signature", "timestamp", "nonce", "openid", "echostr",
	"encrypt_type", "msg_signature",
};

struct qcase {
	const char	*name;
	const char	*query;
	int		 rc;
	const char	*want[NKNOWN];	/* NULL: absent */
};

static const struct qcase cases[] = {
	{ "all seven",
	    "signature=s1&timestamp=1700000000&nonce=n1&openid=o1"
	    "&echostr=e1&encrypt_type=aes&msg_signature=m1", WX_QUERY_OK,
	    { "s1", "1700000000", "n1", "o1", "e1", "aes", "m1" } },
	{ "all seven reversed",
	    "msg_signature=m1&encrypt_type=aes&echostr=e1&openid=o1"
	    "&nonce=n1&timestamp=1700000000&signature=s1", WX_QUERY_OK,
	    { "s1", "1700000000", "n1", "o1", "e1", "aes", "m1" } },
	{ "one param", "nonce=42", WX_QUERY_OK,
	    { [F_NONCE] = "42" } },
	{ "%2B is plus", "echostr=a%2Bb", WX_QUERY_OK,
	    { [F_ECHO] = "a+b" } },
	{ "%2b lower case", "echostr=a%2bb", WX_QUERY_OK,
	    { [F_ECHO] = "a+b" } },
	{ "plus is space", "echostr=a+b++", WX_QUERY_OK,
	    { [F_ECHO] = "a b  " } },
	{ "%20 is space", "echostr=%20", WX_QUERY_OK,
	    { [F_ECHO] = " " } },
	{ "utf-8 lower", "openid=%e4%bd%a0", WX_QUERY_OK,
	    { [F_OPENID] = "\xe4\xbd\xa0" } },
	{ "utf-8 upper", "openid=%E4%BD%A0x", WX_QUERY_OK,
	    { [F_OPENID] = "\xe4\xbd\xa0x" } },
	{ "%26 and %3D stay in the value", "echostr=a%26b%3Dc&nonce=n",
	    WX_QUERY_OK, { [F_NONCE] = "n", [F_ECHO] = "a&b=c" } },
	{ "raw = in the value", "echostr=a=b=", WX_QUERY_OK,
	    { [F_ECHO] = "a=b=" } },
	{ "%25 decodes once", "echostr=%2541", WX_QUERY_OK,
	    { [F_ECHO] = "%41" } },
	{ "bad hex %G1", "echostr=%G1", WX_QUERY_ERR_ENCODING, { NULL } },
	{ "bad hex %1G", "echostr=%1G", WX_QUERY_ERR_ENCODING, { NULL } },
	{ "trailing %", "echostr=abc%", WX_QUERY_ERR_ENCODING, { NULL } },
	{ "short %4", "echostr=%4", WX_QUERY_ERR_ENCODING, { NULL } },
	{ "short %4 before &", "echostr=%4&nonce=1", WX_QUERY_ERR_ENCODING,
	    { NULL } },
	{ "% before &", "nonce=1&echostr=%&x=1", WX_QUERY_ERR_ENCODING,
	    { NULL } },
	{ "%00", "echostr=a%00b", WX_QUERY_ERR_ENCODING, { NULL } },
	{ "%00 after good params", "signature=s&nonce=n&openid=%00",
	    WX_QUERY_ERR_ENCODING, { NULL } },
	{ "duplicate", "nonce=a&nonce=b", WX_QUERY_ERR_DUPLICATE, { NULL } },
	{ "duplicate same value", "signature=a&nonce=x&signature=a",
	    WX_QUERY_ERR_DUPLICATE, { NULL } },
	{ "duplicate, first without =", "nonce&nonce=b",
	    WX_QUERY_ERR_DUPLICATE, { NULL } },
	{ "duplicate, both empty", "echostr=&echostr=",
	    WX_QUERY_ERR_DUPLICATE, { NULL } },
	{ "duplicate after all seven",
	    "signature=s1&timestamp=1&nonce=n1&openid=o1&echostr=e1"
	    "&encrypt_type=aes&msg_signature=m1&timestamp=2",
	    WX_QUERY_ERR_DUPLICATE, { NULL } },
	{ "unknown ignored", "foo=1&nonce=n&bar", WX_QUERY_OK,
	    { [F_NONCE] = "n" } },
	{ "unknown duplicated", "foo=1&foo=2&nonce=n&foo", WX_QUERY_OK,
	    { [F_NONCE] = "n" } },
	{ "unknown with bad encoding", "foo=%G1&bar=%00&nonce=n",
	    WX_QUERY_OK, { [F_NONCE] = "n" } },
	{ "names are case sensitive", "Nonce=a&NONCE=b&nonce=c", WX_QUERY_OK,
	    { [F_NONCE] = "c" } },
	{ "prefix and extension of a name", "nonc=a&nonce2=b&xnonce=c",
	    WX_QUERY_OK, { NULL } },
	{ "empty name", "=x&nonce=n", WX_QUERY_OK, { [F_NONCE] = "n" } },
	{ "empty", "", WX_QUERY_OK, { NULL } },
	{ "&&", "&&", WX_QUERY_OK, { NULL } },
	{ "stray &", "&nonce=n&&openid=o&", WX_QUERY_OK,
	    { [F_NONCE] = "n", [F_OPENID] = "o" } },
	{ "no =", "echostr", WX_QUERY_OK, { [F_ECHO] = "" } },
	{ "no = between others", "nonce=n&echostr&openid=o", WX_QUERY_OK,
	    { [F_NONCE] = "n", [F_OPENID] = "o", [F_ECHO] = "" } },
	{ "empty value", "echostr=", WX_QUERY_OK, { [F_ECHO] = "" } },
};
#define NCASES	(sizeof cases / sizeof cases[0])

static char *
field(const struct wx_query *qs, int i)
{
	switch (i) {
	case F_SIG:
		return qs->signature;
	case F_TS:
		return qs->timestamp;
	case F_NONCE:
		return qs->nonce;
	case F_OPENID:
		return qs->openid;
	case F_ECHO:
		return qs->echostr;
	case F_ENC:
		return qs->encrypt_type;
	case F_MSGSIG:
		return qs->msg_signature;
	}
	fail_msg("no field %d", i);
	return NULL;
}

static void
assert_empty(const struct wx_query *qs)
{
	int i;

	for (i = 0; i < NKNOWN; i++)
		assert_null(field(qs, i));
}

static void
check_case(const struct qcase *c)
{
	struct wx_query qs;
	const char *got;
	int i, r;

	r = wx_query_parse(c->query, &qs);
	if (r != c->rc)
		fail_msg("%s: \"%s\" gave %d, want %d", c->name, c->query, r,
		    c->rc);
	for (i = 0; i < NKNOWN; i++) {
		got = field(&qs, i);
		if (c->want[i] == NULL && got == NULL)
			continue;
		if (c->want[i] == NULL || got == NULL ||
		    strcmp(c->want[i], got) != 0)
			fail_msg("%s: %s is \"%s\", want \"%s\"", c->name,
			    names[i], got != NULL ? got : "(absent)",
			    c->want[i] != NULL ? c->want[i] : "(absent)");
	}
	wx_query_cleanup(&qs);
	assert_empty(&qs);
}

static void
test_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NCASES; i++)
		check_case(&cases[i]);
}

static void
test_null_query(void **state)
{
	struct wx_query qs;

	(void)state;
	assert_int_equal(wx_query_parse(NULL, &qs), WX_QUERY_OK);
	assert_empty(&qs);
	wx_query_cleanup(&qs);
}

/* Cleanup twice is harmless: the first one zeroes the struct. */
static void
test_cleanup_twice(void **state)
{
	struct wx_query qs;

	(void)state;
	assert_int_equal(wx_query_parse("nonce=1&openid=2", &qs),
	    WX_QUERY_OK);
	wx_query_cleanup(&qs);
	wx_query_cleanup(&qs);
	assert_empty(&qs);
}

/* Every byte value but NUL survives %XX, in either case of hex digit. */
static void
test_every_byte(void **state)
{
	struct wx_query qs;
	char q[32];
	int b, upper;

	(void)state;
	for (upper = 0; upper < 2; upper++) {
		for (b = 1; b < 256; b++) {
			snprintf(q, sizeof q, upper ? "echostr=%%%02X" :
			    "echostr=%%%02x", (unsigned)b);
			assert_int_equal(wx_query_parse(q, &qs),
			    WX_QUERY_OK);
			assert_non_null(qs.echostr);
			assert_int_equal(strlen(qs.echostr), 1);
			assert_int_equal((unsigned char)qs.echostr[0], b);
			wx_query_cleanup(&qs);
		}
	}
}

/* Any byte that is not a hex digit, in either place after '%', is bad. */
static void
test_every_bad_digit(void **state)
{
	struct wx_query qs;
	char q[32];
	int c, pos;

	(void)state;
	for (pos = 0; pos < 2; pos++) {
		for (c = 1; c < 256; c++) {
			if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			    (c >= 'A' && c <= 'F') || c == '&')
				continue;
			snprintf(q, sizeof q, "nonce=n&echostr=%%%c%c",
			    pos == 0 ? c : '4', pos == 0 ? '1' : c);
			if (wx_query_parse(q, &qs) != WX_QUERY_ERR_ENCODING)
				fail_msg("byte 0x%02x at %d not refused", c,
				    pos);
			assert_empty(&qs);
			wx_query_cleanup(&qs);
		}
	}
}

/* A string of n copies of unit, prefixed. */
static char *
repeat(const char *prefix, const char *unit, size_t n)
{
	size_t lp = strlen(prefix), lu = strlen(unit), i;
	char *s;

	s = malloc(lp + lu * n + 1);
	assert_non_null(s);
	memcpy(s, prefix, lp);
	for (i = 0; i < n; i++)
		memcpy(s + lp + i * lu, unit, lu);
	s[lp + lu * n] = '\0';
	return s;
}

struct lcase {
	const char	*name;
	const char	*prefix;
	const char	*unit;
	size_t		 n;
	int		 rc;
	size_t		 echolen;	/* decoded length when OK */
};

static const struct lcase lcases[] = {
	/* The whole query: "x=" + n bytes, WX_QUERY_MAX in all. */
	{ "query at the limit", "x=", "a", WX_QUERY_MAX - 2, WX_QUERY_OK,
	    0 },
	{ "query one over", "x=", "a", WX_QUERY_MAX - 1,
	    WX_QUERY_ERR_TOOLONG, 0 },
	{ "query far over", "nonce=n&x=", "a", 100000,
	    WX_QUERY_ERR_TOOLONG, 0 },
	/* One decoded value. */
	{ "value at the limit", "nonce=n&echostr=", "a", WX_QUERY_MAX_VALUE,
	    WX_QUERY_OK, WX_QUERY_MAX_VALUE },
	{ "value one over", "nonce=n&echostr=", "a", WX_QUERY_MAX_VALUE + 1,
	    WX_QUERY_ERR_TOOLONG, 0 },
	{ "encoded value at the limit", "nonce=n&echostr=", "%41",
	    WX_QUERY_MAX_VALUE, WX_QUERY_OK, WX_QUERY_MAX_VALUE },
	{ "encoded value one over", "nonce=n&echostr=", "%41",
	    WX_QUERY_MAX_VALUE + 1, WX_QUERY_ERR_TOOLONG, 0 },
	{ "pluses at the limit", "echostr=", "+", WX_QUERY_MAX_VALUE,
	    WX_QUERY_OK, WX_QUERY_MAX_VALUE },
	{ "pluses one over", "signature=s&echostr=", "+",
	    WX_QUERY_MAX_VALUE + 1, WX_QUERY_ERR_TOOLONG, 0 },
	{ "long unknown value", "nonce=n&foo=", "a", WX_QUERY_MAX - 20,
	    WX_QUERY_OK, 0 },
};
#define NLCASES	(sizeof lcases / sizeof lcases[0])

static void
test_lengths(void **state)
{
	const struct lcase *c;
	struct wx_query qs;
	char *q;
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < NLCASES; i++) {
		c = &lcases[i];
		q = repeat(c->prefix, c->unit, c->n);
		r = wx_query_parse(q, &qs);
		free(q);
		if (r != c->rc)
			fail_msg("%s: got %d, want %d", c->name, r, c->rc);
		if (r != WX_QUERY_OK)
			assert_empty(&qs);
		else if (c->echolen > 0) {
			assert_non_null(qs.echostr);
			assert_int_equal(strlen(qs.echostr), c->echolen);
		}
		wx_query_cleanup(&qs);
	}
}

/* Each code has its own message; anything else gets a fallback. */
static void
test_strerror(void **state)
{
	static const int codes[] = {
		WX_QUERY_OK, WX_QUERY_ERR_TOOLONG, WX_QUERY_ERR_ENCODING,
		WX_QUERY_ERR_DUPLICATE, WX_QUERY_ERR_NOMEM,
	};
	static const int others[] = { 1, -5, 42, -1000 };
	const size_t n = sizeof codes / sizeof codes[0];
	const char *msg[sizeof codes / sizeof codes[0]], *o;
	size_t i, j;

	(void)state;
	for (i = 0; i < n; i++) {
		msg[i] = wx_query_strerror(codes[i]);
		assert_non_null(msg[i]);
		assert_true(msg[i][0] != '\0');
		for (j = 0; j < i; j++)
			assert_string_not_equal(msg[i], msg[j]);
	}
	for (i = 0; i < sizeof others / sizeof others[0]; i++) {
		o = wx_query_strerror(others[i]);
		assert_non_null(o);
		assert_true(o[0] != '\0');
		for (j = 0; j < n; j++)
			assert_string_not_equal(o, msg[j]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_null_query),
		cmocka_unit_test(test_cleanup_twice),
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_every_bad_digit),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
