/*
 * test_pct — percent-decoding as the callback's query string and the
 * admin API use it: escapes, '+', the refusals, and the output bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/pct.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static void
test_decodes(void **state)
{
	static const struct {
		const char	*in, *want;
	} c[] = {
		{ "", "" },
		{ "abc", "abc" },
		{ "a+b", "a b" },
		{ "%41%62", "Ab" },
		{ "%e7%94%b5%E8%AF%9D", "\xe7\x94\xb5\xe8\xaf\x9d" },
		{ "%2B+%25", "+ %" },
		{ "%252", "%2" },		/* decoded once only */
	};
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(c); i++) {
		assert_int_equal(pct_decode(c[i].in, strlen(c[i].in), out,
		    sizeof out), (ssize_t)strlen(c[i].want));
		assert_string_equal(out, c[i].want);
	}
}

static void
test_refuses(void **state)
{
	static const char *bad[] = {
		"%", "%4", "a%4", "%G1", "%1g", "%00", "x%00y", "%%41",
	};
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(bad); i++)
		assert_int_equal(pct_decode(bad[i], strlen(bad[i]), out,
		    sizeof out), PCT_ERR_BAD);
}

static void
test_bound(void **state)
{
	char out[4];

	(void)state;
	/* Three bytes and the NUL fit; a fourth does not. */
	assert_int_equal(pct_decode("a%42c", 5, out, sizeof out), 3);
	assert_string_equal(out, "aBc");
	assert_int_equal(pct_decode("abcd", 4, out, sizeof out),
	    PCT_ERR_LONG);
	assert_int_equal(pct_decode("", 0, out, 0), PCT_ERR_LONG);
	/* Only n bytes are read: no NUL needed after them. */
	assert_int_equal(pct_decode("ab%4", 2, out, sizeof out), 2);
	assert_string_equal(out, "ab");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decodes),
		cmocka_unit_test(test_refuses),
		cmocka_unit_test(test_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
