/*
 * test_cause — a failure's reason: cause_set replaces it and leaves errno
 * alone; cause_add collects lines with a newline between two, none at
 * the end.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "lib/cause.h"

static void
test_set(void **state)
{
	char *cause = NULL;

	(void)state;
	errno = ENOENT;
	cause_set(&cause, "%s: %d", "first", 1);
	assert_string_equal(cause, "first: 1");
	cause_set(&cause, "second");
	assert_string_equal(cause, "second");
	assert_int_equal(errno, ENOENT);
	cause_set(NULL, "nowhere");
	free(cause);
}

static void
test_add(void **state)
{
	char *text = NULL;

	(void)state;
	cause_add(&text, "item %s: %s", "a", "empty");
	assert_string_equal(text, "item a: empty");
	cause_add(&text, "item %s: %s", "b", "too long");
	cause_add(&text, "%d problems", 2);
	assert_string_equal(text,
	    "item a: empty\nitem b: too long\n2 problems");
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_add),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
