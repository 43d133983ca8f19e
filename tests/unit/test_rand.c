/*
 * test_rand — rand_bytes fills what it is asked to, differs between
 * calls, and refuses more than one getrandom(2) call gives whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/rand.h"

static void
test_fills(void **state)
{
	unsigned char a[256], b[256], zero[256] = { 0 };

	(void)state;
	memset(a, 0, sizeof a);
	memset(b, 0, sizeof b);
	assert_int_equal(rand_bytes(a, sizeof a), 0);
	assert_int_equal(rand_bytes(b, sizeof b), 0);
	/* 2^-2048 chance of a false failure each. */
	assert_memory_not_equal(a, zero, sizeof a);
	assert_memory_not_equal(a, b, sizeof a);
	/* The last byte is written too (a short fill would leave it 0 in
	 * one of eight runs of 32 bytes; demand it across many). */
	{
		int i, seen = 0;
		unsigned char c[32];

		for (i = 0; i < 64; i++) {
			c[31] = 0;
			assert_int_equal(rand_bytes(c, sizeof c), 0);
			seen |= c[31] != 0;
		}
		assert_true(seen);
	}
	assert_int_equal(rand_bytes(a, 0), 0);
}

static void
test_refuses_large(void **state)
{
	unsigned char big[257];

	(void)state;
	assert_int_equal(rand_bytes(big, sizeof big), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fills),
		cmocka_unit_test(test_refuses_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
