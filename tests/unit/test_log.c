/*
 * test_log — the logfmt sink (fields, escaping, one line per call),
 * level filtering, rate limiting with an injected clock, errno, and
 * journald detection through JOURNAL_STREAM.
 */

#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
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
#include <systemd/sd-journal.h>

#include "lib/log.h"

static FILE	*cap;		/* the log stream under test */
static char	 capbuf[262144];	/* what it held at the last capture */
static uint64_t	 fake_ms;	/* the injected rate-limit clock */

static uint64_t
fake_clock(void)
{
	return fake_ms;
}

static int
setup(void **state)
{
	(void)state;
	cap = tmpfile();
	if (cap == NULL)
		return -1;
	unsetenv("JOURNAL_STREAM");
	log_init("wxkbd", LOG_DEBUG);
	log_force_stderr(1);
	log_set_stream(cap);
	fake_ms = 1000000;
	log_set_clock(fake_clock);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	log_set_stream(NULL);
	log_set_clock(NULL);
	log_force_stderr(0);
	fclose(cap);
	return 0;
}

/* Everything written since the last call, then empty the stream. */
static const char *
capture(void)
{
	size_t	n;
	long	len;

	fflush(cap);
	len = ftell(cap);
	assert_true(len >= 0 && (size_t)len < sizeof(capbuf));
	rewind(cap);
	n = fread(capbuf, 1, (size_t)len, cap);
	capbuf[n] = '\0';
	rewind(cap);
	assert_int_equal(ftruncate(fileno(cap), 0), 0);
	return capbuf;
}

static int
count_lines(const char *s)
{
	int	n = 0;

	for (; *s != '\0'; s++) {
		if (*s == '\n')
			n++;
	}
	return n;
}

static int
count_str(const char *s, const char *needle)
{
	int	n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

static void
test_line_shape(void **state)
{
	const struct log_kv	kv[] = {
		{ "MSG_TYPE", "text" },
		{ "LATENCY_US", "412" },
		{ "KB_ITEM", NULL },		/* left out */
		{ "STATUS", "" },		/* left out */
		{ "bad-key", "x" },		/* not a journald name */
		{ "_TRUSTED", "x" },		/* reserved by journald */
	};
	const char		*out, *p;

	(void)state;
	log_msg(LOG_WARNING, "bad_signature", kv, 6, "refused %d", 7);
	out = capture();
	assert_int_equal(count_lines(out), 1);
	/* ts=YYYY-MM-DDTHH:MM:SS.mmmZ first. */
	assert_memory_equal(out, "ts=", 3);
	p = out + 3;
	assert_true(strlen(p) > 24);
	assert_int_equal(p[4], '-');
	assert_int_equal(p[10], 'T');
	assert_int_equal(p[19], '.');
	assert_int_equal(p[23], 'Z');
	assert_int_equal(p[24], ' ');
	assert_string_equal(p + 25, "level=warning event=bad_signature "
	    "msg=\"refused 7\" msg_type=text latency_us=412\n");
}

static void
test_levels_named(void **state)
{
	static const struct {
		int		 prio;
		const char	*text;
	} cases[] = {
		{ LOG_ERR,	"level=err " },
		{ LOG_WARNING,	"level=warning " },
		{ LOG_NOTICE,	"level=notice " },
		{ LOG_INFO,	"level=info " },
		{ LOG_DEBUG,	"level=debug " },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		log_msg(cases[i].prio, "e", NULL, 0, "x");
		assert_non_null(strstr(capture(), cases[i].text));
	}
	/* No event: no event= field. */
	log_info(NULL, "plain");
	assert_null(strstr(capture(), "event="));
}

static void
test_escaping(void **state)
{
	static const struct {
		const char	*value;
		const char	*want;	/* as rendered after "v=" */
	} cases[] = {
		{ "plain",		"plain" },
		{ "two words",		"\"two words\"" },
		{ "a=b",		"\"a=b\"" },
		{ "say \"hi\"",		"\"say \\\"hi\\\"\"" },
		{ "back\\slash",	"\"back\\\\slash\"" },
		{ "line\nbreak",	"\"line\\nbreak\"" },
		{ "cr\rtab\t",		"\"cr\\rtab\\t\"" },
		{ "bell\x07",		"\"bell\\x07\"" },
		{ "del\x7f",		"\"del\\x7f\"" },
		{ "\xe7\x94\xb5\xe8\xaf\x9d", "\xe7\x94\xb5\xe8\xaf\x9d" },
		{ "bad\xff",		"\"bad\\xff\"" },
		{ "cut\xe7\x94",	"\"cut\\xe7\\x94\"" },
	};
	char		 want[256];
	struct log_kv	 kv;
	size_t		 i;
	const char	*out;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kv.key = "V";
		kv.value = cases[i].value;
		log_msg(LOG_INFO, "esc", &kv, 1, "m");
		out = capture();
		snprintf(want, sizeof(want), " v=%s\n", cases[i].want);
		assert_int_equal(count_lines(out), 1);
		assert_non_null(strstr(out, want));
	}
	/* The message is always quoted and escaped too. */
	log_info("esc", "multi\nline \"msg\"");
	out = capture();
	assert_int_equal(count_lines(out), 1);
	assert_non_null(strstr(out, " msg=\"multi\\nline \\\"msg\\\"\"\n"));
}

static void
test_long_message_bounded(void **state)
{
	char		*big;
	const char	*out;

	(void)state;
	big = malloc(100000);
	assert_non_null(big);
	memset(big, 'a', 99999);
	big[99999] = '\0';
	log_info("big", "%s", big);
	out = capture();
	assert_int_equal(count_lines(out), 1);
	assert_true(strlen(out) < 10000);
	free(big);
}

static void
test_level_filter(void **state)
{
	(void)state;
	log_set_level(LOG_WARNING);
	assert_int_equal(log_get_level(), LOG_WARNING);
	log_debug("%s: hidden", __func__);
	log_info("i", "hidden");
	log_notice("n", "hidden");
	assert_string_equal(capture(), "");
	log_warn("w", "shown");
	log_err("e", "shown");
	assert_int_equal(count_lines(capture()), 2);
	log_set_level(LOG_DEBUG);
	log_debug("%s: shown", __func__);
	assert_int_equal(count_lines(capture()), 1);
}

static void
test_level_parse(void **state)
{
	static const struct {
		const char	*name;
		int		 level;
	} cases[] = {
		{ "debug", LOG_DEBUG }, { "info", LOG_INFO },
		{ "notice", LOG_NOTICE }, { "warning", LOG_WARNING },
		{ "err", LOG_ERR }, { "error", -1 }, { "INFO", -1 },
		{ "", -1 }, { "warn", -1 },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(log_level_parse(cases[i].name),
		    cases[i].level);
	assert_int_equal(log_level_parse(NULL), -1);
}

static void
test_ratelimit_burst(void **state)
{
	const char	*out;
	int		 i;

	(void)state;
	for (i = 0; i < 25; i++)
		log_warn("bad_signature", "forged %d", i);
	out = capture();
	assert_int_equal(count_lines(out), 10);
	assert_null(strstr(out, "suppressed="));

	/* Another event has its own bucket; info lines are never limited. */
	for (i = 0; i < 3; i++)
		log_warn("stale_timestamp", "old");
	for (i = 0; i < 20; i++)
		log_info("bad_signature", "info");
	assert_int_equal(count_lines(capture()), 23);

	/* Still inside the window: dropped. */
	fake_ms += 9999;
	log_warn("bad_signature", "late");
	assert_string_equal(capture(), "");

	/* Next window: the first line carries the count, once. */
	fake_ms += 1;
	log_warn("bad_signature", "again");
	out = capture();
	assert_int_equal(count_lines(out), 1);
	assert_non_null(strstr(out, " suppressed=16\n"));
	log_warn("bad_signature", "again");
	out = capture();
	assert_int_equal(count_lines(out), 1);
	assert_null(strstr(out, "suppressed="));
}

static void
test_ratelimit_null_event_shared(void **state)
{
	int	i;

	(void)state;
	for (i = 0; i < 30; i++)
		log_msg(LOG_ERR, NULL, NULL, 0, "no event %d", i);
	assert_int_equal(count_lines(capture()), 10);
	fake_ms += 10000;
	log_err(NULL, "after");
	assert_non_null(strstr(capture(), " suppressed=20\n"));
}

static void
test_ratelimit_table_bounded(void **state)
{
	char		 name[32];
	const char	*out;
	int		 i, j;

	(void)state;
	/* 64 events fill the table, 2 lines each. */
	for (i = 0; i < 64; i++) {
		snprintf(name, sizeof(name), "ev%d", i);
		for (j = 0; j < 2; j++)
			log_warn(name, "x");
	}
	assert_int_equal(count_lines(capture()), 128);
	/* Every later event shares one bucket of 10 lines. */
	for (i = 64; i < 200; i++) {
		snprintf(name, sizeof(name), "ev%d", i);
		log_warn(name, "x");
	}
	out = capture();
	assert_int_equal(count_lines(out), 10);
	assert_int_equal(count_str(out, "event=ev64 "), 1);
	/* Tracked events keep their own buckets. */
	log_warn("ev0", "x");
	assert_int_equal(count_lines(capture()), 1);
}

static void
test_errno_preserved(void **state)
{
	FILE	*ro;
	int	 i;

	(void)state;
	errno = EACCES;
	log_info("e", "logged");
	assert_int_equal(errno, EACCES);
	assert_non_null(strstr(capture(), "msg=\"logged\""));
	/* A failing write inside the logger does not leak its errno. */
	ro = fopen("/dev/null", "r");
	assert_non_null(ro);
	log_set_stream(ro);
	errno = ENOENT;
	log_warn("e2", "open: %s", strerror(errno));
	assert_int_equal(errno, ENOENT);
	log_set_stream(cap);
	fclose(ro);
	/* Filtered and dropped lines too. */
	log_set_level(LOG_ERR);
	errno = EPERM;
	log_info("e", "filtered");
	assert_int_equal(errno, EPERM);
	log_set_level(LOG_DEBUG);
	for (i = 0; i < 12; i++) {
		errno = EINTR;
		log_warn("e3", "x");
		assert_int_equal(errno, EINTR);
	}
	capture();
}

#define LOG_THREADS	4
#define LOG_PER_THREAD	200

static void *
logger(void *arg)
{
	const struct log_kv	kv = { "KB_ITEM", "a value with spaces" };
	int			i;

	for (i = 0; i < LOG_PER_THREAD; i++)
		log_msg(LOG_INFO, "threaded", &kv, 1, "thread %d line %d",
		    *(int *)arg, i);
	return NULL;
}

/* Lines from several threads come out whole, one per call. */
static void
test_threads_whole_lines(void **state)
{
	pthread_t	 t[LOG_THREADS];
	int		 id[LOG_THREADS], i;
	const char	*out, *p, *nl;

	(void)state;
	for (i = 0; i < LOG_THREADS; i++) {
		id[i] = i;
		assert_int_equal(pthread_create(&t[i], NULL, logger, &id[i]),
		    0);
	}
	for (i = 0; i < LOG_THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	out = capture();
	assert_int_equal(count_lines(out), LOG_THREADS * LOG_PER_THREAD);
	for (p = out; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		assert_memory_equal(p, "ts=", 3);
		assert_memory_equal(nl - 30,
		    " kb_item=\"a value with spaces\"", 30);
	}
}

/* Point JOURNAL_STREAM at our stderr, as systemd does for a service. */
static void
pretend_journal_stream(void)
{
	struct stat	st;
	char		env[64];

	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(env, sizeof(env), "%llu:%llu",
	    (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", env, 1);
}

static void
test_journal_detection(void **state)
{
	struct stat	st;
	char		env[64];

	(void)state;
	/* Pretend journald owns our stderr. */
	pretend_journal_stream();
	log_init("wxkbd", LOG_DEBUG);
	log_force_stderr(0);
	log_info("j", "to the journal");
	/* Not on the logfmt stream: it went to sd_journal_sendv. */
	assert_string_equal(capture(), "");
	log_force_stderr(1);
	log_info("j", "forced");
	assert_int_equal(count_lines(capture()), 1);

	/* A stream that is not our stderr (inherited by a child). */
	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(env, sizeof(env), "%llu:%llu",
	    (unsigned long long)st.st_dev, (unsigned long long)st.st_ino + 1);
	setenv("JOURNAL_STREAM", env, 1);
	log_init("wxkbd", LOG_DEBUG);
	log_force_stderr(0);
	log_info("j", "to stderr");
	assert_int_equal(count_lines(capture()), 1);
	setenv("JOURNAL_STREAM", "garbage", 1);
	log_init("wxkbd", LOG_DEBUG);
	log_info("j", "to stderr");
	assert_int_equal(count_lines(capture()), 1);
	unsetenv("JOURNAL_STREAM");
}

/* The value of field in the current entry, copied into buf; NULL: none. */
static const char *
entry_field(sd_journal *j, const char *field, char *buf, size_t size)
{
	const void	*data;
	size_t		 len, flen = strlen(field);

	if (sd_journal_get_data(j, field, &data, &len) < 0 || len <= flen ||
	    len - flen - 1 >= size)
		return NULL;
	memcpy(buf, (const char *)data + flen + 1, len - flen - 1);
	buf[len - flen - 1] = '\0';
	return buf;
}

/* Entries matching match, waiting up to 5 s for at least want of them. */
static int
journal_count(sd_journal *j, const char *match, int want)
{
	struct timespec	start, now;
	int		n;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		sd_journal_flush_matches(j);
		assert_int_equal(sd_journal_add_match(j, match, 0), 0);
		assert_int_equal(sd_journal_seek_head(j), 0);
		n = 0;
		while (sd_journal_next(j) > 0)
			n++;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (n >= want || now.tv_sec - start.tv_sec >= 5)
			return n;
		sd_journal_wait(j, 200000);
	}
}

/*
 * Through a real journald the entries carry the priority and the fields,
 * values with newlines intact, and the rate limit applies there too.
 * Run only with WXKB_TEST_JOURNAL=1, by tests/integration/journal.sh,
 * which starts a journald of its own: without one this test fails.
 */
static void
test_journal_fields(void **state)
{
	struct log_kv	 kv[4];
	char		 id[64], match[96], buf[256];
	sd_journal	*j = NULL;
	int		 i;

	(void)state;
	assert_int_equal(access("/run/systemd/journal/socket", W_OK), 0);
	assert_true(sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY) >= 0);

	snprintf(id, sizeof(id), "%ld-%ld", (long)getpid(), (long)time(NULL));
	snprintf(match, sizeof(match), "WXKB_TEST_ID=%s", id);
	kv[0] = (struct log_kv){ "WXKB_TEST_ID", id };
	kv[1] = (struct log_kv){ "MSG_TYPE", "text" };
	kv[2] = (struct log_kv){ "KB_ITEM", "two\nlines" };
	kv[3] = (struct log_kv){ "lower_case", "dropped" };
	pretend_journal_stream();
	log_init("wxkbd-test", LOG_DEBUG);
	log_force_stderr(0);
	for (i = 0; i < 12; i++)
		log_msg(LOG_WARNING, "journal_test", kv, 4, "entry %d", i);
	fake_ms += 10000;
	log_msg(LOG_WARNING, "journal_test", kv, 4, "after the burst");
	/* Nothing went to the logfmt stream. */
	assert_string_equal(capture(), "");

	assert_int_equal(journal_count(j, match, 11), 11);
	assert_int_equal(sd_journal_seek_head(j), 0);
	assert_true(sd_journal_next(j) > 0);
	assert_string_equal(entry_field(j, "MESSAGE", buf, sizeof(buf)),
	    "entry 0");
	assert_string_equal(entry_field(j, "PRIORITY", buf, sizeof(buf)),
	    "4");
	assert_string_equal(entry_field(j, "SYSLOG_IDENTIFIER", buf,
	    sizeof(buf)), "wxkbd-test");
	assert_string_equal(entry_field(j, "WXKB_EVENT", buf, sizeof(buf)),
	    "journal_test");
	assert_string_equal(entry_field(j, "MSG_TYPE", buf, sizeof(buf)),
	    "text");
	assert_string_equal(entry_field(j, "KB_ITEM", buf, sizeof(buf)),
	    "two\nlines");
	assert_null(entry_field(j, "LOWER_CASE", buf, sizeof(buf)));
	assert_null(entry_field(j, "SUPPRESSED", buf, sizeof(buf)));
	assert_int_equal(sd_journal_seek_tail(j), 0);
	assert_true(sd_journal_previous(j) > 0);
	assert_string_equal(entry_field(j, "MESSAGE", buf, sizeof(buf)),
	    "after the burst");
	assert_string_equal(entry_field(j, "SUPPRESSED", buf, sizeof(buf)),
	    "2");
	sd_journal_close(j);
	unsetenv("JOURNAL_STREAM");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_line_shape, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_levels_named, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_escaping, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_long_message_bounded,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_level_filter, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_level_parse, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ratelimit_burst, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_ratelimit_null_event_shared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ratelimit_table_bounded,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_errno_preserved, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_threads_whole_lines,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_detection,
		    setup, teardown),
	};
	const struct CMUnitTest journal[] = {
		cmocka_unit_test_setup_teardown(test_journal_fields, setup,
		    teardown),
	};

	if (getenv("WXKB_TEST_JOURNAL") != NULL)
		return cmocka_run_group_tests(journal, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
