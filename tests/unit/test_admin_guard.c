/*
 * test_admin_guard — the admin listener's Host check and per-address
 * back-off: nine free failures, a wait of a whole second after the tenth
 * (never less, whatever the millisecond), doubling to fifteen minutes,
 * a success starting afresh, a clock stepped back, and the least
 * recently seen address making room.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "daemon/admin_guard.h"

static void
test_host(void **state)
{
	struct admin_guard *g = admin_guard_new("wxkb-admin.example.org,"
	    "[2001:db8::1]:8443");

	(void)state;
	assert_non_null(g);
	assert_true(admin_guard_host_ok(g, "127.0.0.1:8081"));
	assert_true(admin_guard_host_ok(g, "localhost"));
	assert_true(admin_guard_host_ok(g, "WXKB-ADMIN.example.org:443"));
	assert_true(admin_guard_host_ok(g, "[2001:db8::1]"));
	assert_false(admin_guard_host_ok(g, "wxkb-admin.example.org.evil"));
	assert_false(admin_guard_host_ok(g, "wxkb-admin.example"));
	assert_false(admin_guard_host_ok(g, "evil.example"));
	assert_false(admin_guard_host_ok(g, ""));
	assert_false(admin_guard_host_ok(g, NULL));
	admin_guard_free(g);
}

static void
test_first_wait_is_a_whole_second(void **state)
{
	struct admin_guard *g = admin_guard_new(NULL);
	long long t = 1700000000999LL;	/* the last ms of a second */
	int i;

	(void)state;
	for (i = 1; i < ADMIN_GUARD_FREE_TRIES; i++) {
		assert_int_equal(admin_guard_failed(g, "10.0.0.1", t), i);
		assert_int_equal(admin_guard_wait(g, "10.0.0.1", t), 0);
	}
	assert_int_equal(admin_guard_failed(g, "10.0.0.1", t), 10);
	assert_int_equal(admin_guard_wait(g, "10.0.0.1", t), 1);
	/* The second's turn a millisecond later does not end the wait. */
	assert_int_equal(admin_guard_wait(g, "10.0.0.1", t + 1), 1);
	assert_int_equal(admin_guard_wait(g, "10.0.0.1", t + 999), 1);
	assert_int_equal(admin_guard_wait(g, "10.0.0.1", t + 1000), 0);
	/* Other addresses never waited. */
	assert_int_equal(admin_guard_wait(g, "10.0.0.2", t), 0);
	admin_guard_free(g);
}

static void
test_doubling_and_cap(void **state)
{
	struct admin_guard *g = admin_guard_new(NULL);
	long long t = 5000;
	long want = 1;
	int i;

	(void)state;
	for (i = 1; i < ADMIN_GUARD_FREE_TRIES; i++)
		admin_guard_failed(g, "::1", t);
	for (i = 0; i < 14; i++) {
		admin_guard_failed(g, "::1", t);
		assert_int_equal(admin_guard_wait(g, "::1", t), want);
		/* Half a second later it is still rounded up. */
		assert_int_equal(admin_guard_wait(g, "::1", t + 500), want);
		t += want * 1000LL;
		assert_int_equal(admin_guard_wait(g, "::1", t), 0);
		want = want * 2 > ADMIN_GUARD_MAX_WAIT ? ADMIN_GUARD_MAX_WAIT :
		    want * 2;
	}
	assert_int_equal(want, ADMIN_GUARD_MAX_WAIT);
	admin_guard_succeeded(g, "::1");
	assert_int_equal(admin_guard_failed(g, "::1", t), 1);
	assert_int_equal(admin_guard_wait(g, "::1", t), 0);
	admin_guard_free(g);
}

static void
test_clock_stepped_back(void **state)
{
	struct admin_guard *g = admin_guard_new(NULL);
	long long t = 86400000LL * 365;
	int i;

	(void)state;
	for (i = 0; i < ADMIN_GUARD_FREE_TRIES; i++)
		admin_guard_failed(g, "10.0.0.3", t);
	/* A day back: at most the longest wait, then it may try again. */
	t -= 86400000LL;
	assert_int_equal(admin_guard_wait(g, "10.0.0.3", t),
	    ADMIN_GUARD_MAX_WAIT);
	assert_int_equal(admin_guard_wait(g, "10.0.0.3",
	    t + ADMIN_GUARD_MAX_WAIT * 1000LL), 0);
	admin_guard_free(g);
}

static void
test_least_recently_seen_makes_room(void **state)
{
	struct admin_guard *g = admin_guard_new(NULL);
	char addr[32];
	int i;

	(void)state;
	for (i = 0; i < ADMIN_GUARD_FREE_TRIES; i++)
		admin_guard_failed(g, "192.0.2.1", 1000);
	assert_int_equal(admin_guard_wait(g, "192.0.2.1", 1000), 1);
	/* Every other slot filled by addresses seen later. */
	for (i = 1; i < ADMIN_GUARD_SLOTS; i++) {
		snprintf(addr, sizeof addr, "198.51.100.%d", i);
		admin_guard_failed(g, addr, 1000 + i);
	}
	assert_int_equal(admin_guard_wait(g, "192.0.2.1", 1000), 1);
	/* One more address pushes out the oldest: 192.0.2.1. */
	admin_guard_failed(g, "203.0.113.9", 2000);
	assert_int_equal(admin_guard_wait(g, "192.0.2.1", 1000), 0);
	assert_int_equal(admin_guard_failed(g, "198.51.100.1", 2000), 2);
	admin_guard_free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_first_wait_is_a_whole_second),
		cmocka_unit_test(test_doubling_and_cap),
		cmocka_unit_test(test_clock_stepped_back),
		cmocka_unit_test(test_least_recently_seen_makes_room),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
