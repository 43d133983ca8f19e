/*
 * test_notify — the sd_notify sequence as systemd would receive it.  The
 * test binds its own AF_UNIX datagram socket, points NOTIFY_SOCKET (and
 * WATCHDOG_USEC/WATCHDOG_PID) at it and reads what the module sends:
 * READY, RELOADING with MONOTONIC_USEC, READY again, STATUS, WATCHDOG
 * pings from the event loop, STOPPING.
 */

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "daemon/notify.h"

struct fixture {
	char	dir[64];
	char	path[108];
	int	fd;		/* our end of NOTIFY_SOCKET */
	int	stalled;	/* stall_cb ran */
};

static int
setup(void **state)
{
	struct fixture		*fx;
	struct sockaddr_un	 sun;

	fx = calloc(1, sizeof(*fx));
	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_notify.XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		goto fail;
	snprintf(fx->path, sizeof(fx->path), "%s/notify", fx->dir);
	fx->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (fx->fd == -1)
		goto fail;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", fx->path);
	if (bind(fx->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		goto fail;
	setenv("NOTIFY_SOCKET", fx->path, 1);
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	*state = fx;
	return 0;
 fail:
	free(fx);
	return -1;
}

static int
teardown(void **state)
{
	struct fixture	*fx = *state;

	notify_watchdog_stop();
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	close(fx->fd);
	unlink(fx->path);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* The next datagram, or NULL when none is waiting. */
static const char *
next_msg(struct fixture *fx, char *buf, size_t size)
{
	ssize_t	n;

	n = recv(fx->fd, buf, size - 1, 0);
	if (n == -1) {
		assert_int_equal(errno, EAGAIN);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static uint64_t
mono_usec(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void
test_sequence(void **state)
{
	struct fixture		*fx = *state;
	char			 buf[512];
	const char		*m, *p;
	unsigned long long	 usec;
	uint64_t		 before, after;

	assert_true(notify_ready("kb generation 1, 59 items") > 0);
	m = next_msg(fx, buf, sizeof(buf));
	assert_non_null(m);
	assert_string_equal(m, "READY=1\nSTATUS=kb generation 1, 59 items");

	before = mono_usec();
	assert_true(notify_reloading() > 0);
	after = mono_usec();
	m = next_msg(fx, buf, sizeof(buf));
	assert_non_null(m);
	assert_memory_equal(m, "RELOADING=1\nMONOTONIC_USEC=", 27);
	p = m + 27;
	assert_int_equal(sscanf(p, "%llu", &usec), 1);
	assert_true(usec >= before && usec <= after);

	assert_true(notify_ready(NULL) > 0);
	assert_string_equal(next_msg(fx, buf, sizeof(buf)), "READY=1");

	assert_true(notify_status("generation %d, %d items, %lu served",
	    2, 60, 12345UL) > 0);
	assert_string_equal(next_msg(fx, buf, sizeof(buf)),
	    "STATUS=generation 2, 60 items, 12345 served");

	assert_true(notify_stopping() > 0);
	assert_string_equal(next_msg(fx, buf, sizeof(buf)), "STOPPING=1");
	assert_null(next_msg(fx, buf, sizeof(buf)));
}

static void
test_status_one_line(void **state)
{
	struct fixture	*fx = *state;
	char		 buf[1024], big[1000];

	/* A newline must not smuggle in an assignment of its own. */
	assert_true(notify_status("%s", "kb \"x\"\nREADY=1\rX") > 0);
	assert_string_equal(next_msg(fx, buf, sizeof(buf)),
	    "STATUS=kb \"x\" READY=1 X");
	assert_true(notify_ready("a\nSTOPPING=1") > 0);
	assert_string_equal(next_msg(fx, buf, sizeof(buf)),
	    "READY=1\nSTATUS=a STOPPING=1");
	memset(big, 's', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_true(notify_status("%s", big) > 0);
	assert_int_equal(strlen(next_msg(fx, buf, sizeof(buf))),
	    strlen("STATUS=") + 255);
}

static void
test_no_socket_is_noop(void **state)
{
	struct fixture		*fx = *state;
	struct event_base	*base;
	char			 buf[64];

	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(notify_ready("x"), 0);
	assert_int_equal(notify_reloading(), 0);
	assert_int_equal(notify_status("x"), 0);
	assert_int_equal(notify_stopping(), 0);
	/* No WATCHDOG_USEC: no timer, nothing sent. */
	base = event_base_new();
	assert_non_null(base);
	assert_int_equal(notify_watchdog_start(base), 0);
	setenv("NOTIFY_SOCKET", fx->path, 1);
	assert_int_equal(notify_watchdog_start(base), 0);
	event_base_free(base);
	assert_null(next_msg(fx, buf, sizeof(buf)));
}

static void
test_watchdog_other_pid(void **state)
{
	struct fixture		*fx = *state;
	struct event_base	*base;
	char			 buf[64], pid[32];

	/* The watchdog was meant for another process (e.g. our parent). */
	snprintf(pid, sizeof(pid), "%ld", (long)getpid() + 1);
	setenv("WATCHDOG_USEC", "100000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	base = event_base_new();
	assert_non_null(base);
	assert_int_equal(notify_watchdog_start(base), 0);
	event_base_free(base);
	assert_null(next_msg(fx, buf, sizeof(buf)));
}

static int
count_watchdog(struct fixture *fx)
{
	char		 buf[64];
	const char	*m;
	int		 n = 0;

	while ((m = next_msg(fx, buf, sizeof(buf))) != NULL) {
		assert_string_equal(m, "WATCHDOG=1");
		n++;
	}
	return n;
}

/* Blocks the loop, then checks no ping came while it was blocked. */
static void
stall_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fixture	*fx = arg;

	(void)fd;
	(void)what;
	count_watchdog(fx);
	usleep(250000);
	assert_int_equal(count_watchdog(fx), 0);
	fx->stalled = 1;
}

static void
test_watchdog_pings_from_loop(void **state)
{
	struct fixture		*fx = *state;
	struct event_base	*base;
	struct event		*stall;
	struct timeval		 run = { 0, 330000 };
	struct timeval		 soon = { 0, 0 };
	char			 pid[32];
	int			 n;

	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	/* 100 ms: a ping every 50 ms. */
	setenv("WATCHDOG_USEC", "100000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	base = event_base_new();
	assert_non_null(base);
	assert_int_equal(notify_watchdog_start(base), 1);
	/* One ping right away, the rest only while the loop runs. */
	usleep(120000);
	assert_int_equal(count_watchdog(fx), 1);

	event_base_loopexit(base, &run);
	assert_int_equal(event_base_dispatch(base), 0);
	n = count_watchdog(fx);
	/* About six in 330 ms; allow for a slow machine. */
	assert_true(n >= 3);
	assert_true(n <= 8);

	/* A stalled loop misses its pings. */
	stall = evtimer_new(base, stall_cb, fx);
	assert_non_null(stall);
	evtimer_add(stall, &soon);
	run.tv_usec = 0;
	event_base_loopexit(base, &run);
	assert_int_equal(event_base_dispatch(base), 0);
	event_free(stall);
	assert_true(fx->stalled);

	/* Stopped: nothing more even with the loop running. */
	notify_watchdog_stop();
	notify_watchdog_stop();
	count_watchdog(fx);
	run.tv_usec = 150000;
	event_base_loopexit(base, &run);
	event_base_dispatch(base);
	assert_int_equal(count_watchdog(fx), 0);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sequence, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_status_one_line, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_socket_is_noop, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_watchdog_other_pid,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_watchdog_pings_from_loop, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
