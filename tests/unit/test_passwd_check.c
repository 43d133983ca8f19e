/*
 * test_passwd_check — passwords checked on passwd_check's thread: the
 * result reaches the loop, in the order of arrival; a full queue is
 * refused; a checker freed with checks pending reports each as never
 * checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>

#include "daemon/passwd.h"
#include "daemon/passwd_check.h"

/* hashlib.pbkdf2_hmac('sha256', PW, bytes(range(16)), 1000). */
#define PW	"街道办密码2020"
#define KNOWN	"pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw==$" \
		"QpzTSXxoxckOdeUXyB14b5AjSqBzVkMNm1cwsLqSMXU="

struct seen {
	struct event_base *base;
	int	 results[16];
	int	 ids[16];
	int	 n;
	int	 want;
};

struct call {
	struct seen *seen;
	int	 id;
};

static void
checked(void *arg, int ok)
{
	struct call *c = arg;
	struct seen *s = c->seen;

	assert_true(s->n < 16);
	s->ids[s->n] = c->id;
	s->results[s->n++] = ok;
	if (s->n == s->want)
		event_base_loopbreak(s->base);
}

/* A loop and a checker on it; n calls numbered from 0 into s. */
static struct passwd_check *
setup(struct seen *s, struct call *c, int n)
{
	struct passwd_check *pc;
	int i;

	s->base = event_base_new();
	assert_non_null(s->base);
	pc = passwd_check_new(s->base);
	assert_non_null(pc);
	for (i = 0; i < n; i++)
		c[i] = (struct call){ s, i };
	return pc;
}

static void
test_results_in_order(void **state)
{
	struct seen s = { 0 };
	struct call c[3];
	struct passwd_check *pc;
	struct timeval limit = { 30, 0 };
	char big[PASSWD_MAX + 8];
	int i;

	(void)state;
	pc = setup(&s, c, 3);
	s.want = 3;
	assert_int_equal(passwd_check_start(pc, PW, strlen(PW), KNOWN,
	    checked, &c[0]), 0);
	assert_int_equal(passwd_check_start(pc, "wrong", 5, KNOWN, checked,
	    &c[1]), 0);
	/* Too long for any password, and a hash that is not one of ours. */
	memset(big, 'a', sizeof big);
	assert_int_equal(passwd_check_start(pc, big, sizeof big, "x",
	    checked, &c[2]), 0);
	/* Nothing is reported before the loop runs. */
	assert_int_equal(s.n, 0);
	event_base_loopexit(s.base, &limit);
	event_base_dispatch(s.base);
	assert_int_equal(s.n, 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(s.ids[i], i);
	assert_int_equal(s.results[0], 1);
	assert_int_equal(s.results[1], 0);
	assert_int_equal(s.results[2], 0);
	passwd_check_free(pc);
	assert_int_equal(s.n, 3);	/* nothing left to report */
	event_base_free(s.base);
}

static void
test_full_queue_and_free(void **state)
{
	struct seen s = { 0 };
	struct call c[PASSWD_CHECK_QUEUE + 1];
	struct passwd_check *pc;
	char slow[PASSWD_HASH_SIZE];
	int i;

	(void)state;
	pc = setup(&s, c, PASSWD_CHECK_QUEUE + 1);
	/* A hash of many rounds keeps the thread busy while we fill up. */
	assert_int_equal(passwd_hash(PW, strlen(PW), PASSWD_ITERATIONS, slow),
	    0);
	for (i = 0; i < PASSWD_CHECK_QUEUE; i++)
		assert_int_equal(passwd_check_start(pc, PW, strlen(PW), slow,
		    checked, &c[i]), 0);
	assert_int_equal(passwd_check_start(pc, PW, strlen(PW), slow, checked,
	    &c[PASSWD_CHECK_QUEUE]), -1);
	/* Freed before the loop heard anything: each reported once, -1. */
	passwd_check_free(pc);
	assert_int_equal(s.n, PASSWD_CHECK_QUEUE);
	for (i = 0; i < s.n; i++)
		assert_int_equal(s.results[i], -1);
	event_base_free(s.base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_results_in_order),
		cmocka_unit_test(test_full_queue_and_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
