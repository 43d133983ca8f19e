/*
 * test_metrics — every rendered line is valid text exposition 0.0.4,
 * counters and gauges move, labels are escaped or refused, a family
 * cannot grow past its series bound, and histogram buckets add up.
 */

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "lib/metrics.h"

/* The exposition's names, written out: the test's own oracle. */
#define N_HTTP_REQUESTS	"wxkb_http_requests_total"
#define N_MESSAGES	"wxkb_messages_total"
#define N_KB_RESULTS	"wxkb_kb_results_total"
#define N_REPLY_LATENCY	"wxkb_reply_latency_seconds"
#define N_RETRY_CACHE_HITS	"wxkb_retry_cache_hits_total"
#define N_REPLAYS	"wxkb_replays_total"
#define N_BAD_SIGNATURES	"wxkb_bad_signatures_total"
#define N_STALE_TIMESTAMPS	"wxkb_stale_timestamps_total"
#define N_DECRYPT_FAILURES	"wxkb_decrypt_failures_total"
#define N_API_CALLS	"wxkb_api_calls_total"
#define N_TOKEN_REFRESHES	"wxkb_token_refreshes_total"
#define N_KB_RELOADS	"wxkb_kb_reloads_total"
#define N_KB_GENERATION	"wxkb_kb_generation"
#define N_KB_ITEMS	"wxkb_kb_items"
#define N_KB_LAST_RELOAD_OK	"wxkb_kb_last_reload_success"
#define N_KB_LAST_RELOAD_TIME	"wxkb_kb_last_reload_timestamp_seconds"

#define NAMES_MAX	64

/* Families seen by the validator, with the type its TYPE line gave. */
struct seen {
	char	name[NAMES_MAX][80];
	char	type[NAMES_MAX][16];
	int	help[NAMES_MAX];
	int	n;
};

static int
setup(void **state)
{
	(void)state;
	metrics_reset();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	metrics_reset();
	return 0;
}

static int
is_name_start(int c, int colon)
{
	return isalpha(c) || c == '_' || (colon && c == ':');
}

static int
is_name_char(int c, int colon)
{
	return isalnum(c) || c == '_' || (colon && c == ':');
}

/* Skip a metric (colon) or label name; NULL when there is none. */
static const char *
skip_name(const char *p, int colon)
{
	if (!is_name_start((unsigned char)*p, colon))
		return NULL;
	while (is_name_char((unsigned char)*p, colon))
		p++;
	return p;
}

/* A sample value: a float, NaN or +-Inf, up to the end of the line. */
static int
valid_value(const char *p)
{
	char	*end;

	if (strcmp(p, "NaN") == 0 || strcmp(p, "+Inf") == 0 ||
	    strcmp(p, "-Inf") == 0)
		return 1;
	if (*p == '\0' || isspace((unsigned char)*p))
		return 0;
	strtod(p, &end);
	return *end == '\0';
}

static int
seen_find(const struct seen *s, const char *name, size_t len)
{
	int	i;

	for (i = 0; i < s->n; i++) {
		if (strlen(s->name[i]) == len &&
		    strncmp(s->name[i], name, len) == 0)
			return i;
	}
	return -1;
}

/* The family a sample belongs to: histograms add _bucket/_sum/_count. */
static int
sample_family(const struct seen *s, const char *name, size_t len)
{
	static const char *const	 sfx[] = {
		"_bucket", "_sum", "_count"
	};
	size_t				 i, n;
	int				 f;

	f = seen_find(s, name, len);
	if (f >= 0)
		return strcmp(s->type[f], "histogram") == 0 ? -1 : f;
	for (i = 0; i < 3; i++) {
		n = strlen(sfx[i]);
		if (len > n && strncmp(name + len - n, sfx[i], n) == 0) {
			f = seen_find(s, name, len - n);
			if (f >= 0 && strcmp(s->type[f], "histogram") == 0)
				return f;
		}
	}
	return -1;
}

/*
 * Check one line; returns NULL when valid, else why not.  HELP and TYPE
 * come once per family, TYPE before its samples.
 */
static const char *
check_line(struct seen *s, const char *line)
{
	const char	*p, *q;
	int		 f;

	if (strncmp(line, "# HELP ", 7) == 0 ||
	    strncmp(line, "# TYPE ", 7) == 0) {
		p = line + 7;
		q = skip_name(p, 1);
		if (q == NULL || *q != ' ')
			return "bad name in comment";
		f = seen_find(s, p, (size_t)(q - p));
		if (f < 0) {
			if (s->n == NAMES_MAX || q - p >= 80)
				return "too many families";
			f = s->n++;
			memcpy(s->name[f], p, (size_t)(q - p));
			s->name[f][q - p] = '\0';
			s->type[f][0] = '\0';
			s->help[f] = 0;
		}
		if (line[2] == 'H') {
			if (s->help[f]++)
				return "HELP twice";
			for (q++; *q != '\0'; q++) {
				if (*q == '\\' && q[1] != '\\' && q[1] != 'n')
					return "bad escape in HELP";
				if (*q == '\\')
					q++;
			}
			return NULL;
		}
		if (s->type[f][0] != '\0')
			return "TYPE twice";
		q++;
		if (strcmp(q, "counter") != 0 && strcmp(q, "gauge") != 0 &&
		    strcmp(q, "histogram") != 0 && strcmp(q, "summary") != 0 &&
		    strcmp(q, "untyped") != 0)
			return "bad type";
		snprintf(s->type[f], sizeof(s->type[f]), "%s", q);
		return NULL;
	}
	if (line[0] == '#')
		return "stray comment";
	p = line;
	q = skip_name(p, 1);
	if (q == NULL)
		return "bad metric name";
	f = sample_family(s, p, (size_t)(q - p));
	if (f < 0 || s->type[f][0] == '\0')
		return "sample before its TYPE";
	p = q;
	if (*p == '{') {
		p++;
		while (*p != '}') {
			p = skip_name(p, 0);
			if (p == NULL || p[0] != '=' || p[1] != '"')
				return "bad label";
			for (p += 2; *p != '"'; p++) {
				if (*p == '\0')
					return "unterminated label value";
				if (*p == '\\') {
					p++;
					if (*p != '\\' && *p != '"' &&
					    *p != 'n')
						return "bad escape in label";
				}
			}
			p++;
			if (*p == ',')
				p++;
			else if (*p != '}')
				return "bad label separator";
		}
		p++;
	}
	if (*p != ' ')
		return "no space before value";
	if (!valid_value(p + 1))
		return "bad value";
	return NULL;
}

/* Validate a whole exposition; fail the test on the first bad line. */
static void
check_exposition(const char *text)
{
	struct seen	*s;
	char		*copy, *line, *next;
	const char	*why;
	int		 i;

	s = calloc(1, sizeof(*s));
	assert_non_null(s);
	assert_true(strlen(text) > 0);
	assert_int_equal(text[strlen(text) - 1], '\n');
	copy = strdup(text);
	assert_non_null(copy);
	for (line = copy; *line != '\0'; line = next) {
		next = strchr(line, '\n');
		assert_non_null(next);
		*next++ = '\0';
		why = check_line(s, line);
		if (why != NULL)
			fail_msg("%s: \"%s\"", why, line);
	}
	for (i = 0; i < s->n; i++) {
		if (s->type[i][0] == '\0' || !s->help[i])
			fail_msg("%s lacks HELP or TYPE", s->name[i]);
	}
	free(copy);
	free(s);
}

/* The value of the sample whose text before the value is exactly key. */
static double
sample(const char *text, const char *key)
{
	const char	*p = text;
	size_t		 n = strlen(key);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return NAN;
}

static int
count_prefix(const char *text, const char *prefix)
{
	const char	*p = text;
	int		 n = 0;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			n++;
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return n;
}

static void
test_validator_rejects(void **state)
{
	static const char *const	 bad[] = {
		"wxkb_x 1",			/* no TYPE yet */
		"# TYPE 9bad counter",
		"# TYPE wxkb_y countr",
		"wxkb_y{a=\"1\" 1",
		"wxkb_y{a=1} 1",
		"wxkb_y{a=\"x\\q\"} 1",
		"wxkb_y{a=\"1\"}  1",
		"wxkb_y{a=\"1\"} one",
		"wxkb_y",
		"# junk",
	};
	struct seen	*s;
	size_t		 i;

	(void)state;
	s = calloc(1, sizeof(*s));
	assert_non_null(s);
	assert_null(check_line(s, "# TYPE wxkb_y counter"));
	assert_null(check_line(s, "wxkb_y{a=\"q\\\"\\n\\\\\",b=\"\"} 1e3"));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (check_line(s, bad[i]) == NULL)
			fail_msg("validator took \"%s\"", bad[i]);
	}
	free(s);
}

static void
test_render_empty(void **state)
{
	static const char *const	 families[] = {
		N_HTTP_REQUESTS, N_MESSAGES, N_KB_RESULTS, N_REPLY_LATENCY,
		N_RETRY_CACHE_HITS, N_REPLAYS, N_BAD_SIGNATURES,
		N_STALE_TIMESTAMPS, N_DECRYPT_FAILURES, N_API_CALLS,
		N_TOKEN_REFRESHES, N_KB_RELOADS, N_KB_GENERATION, N_KB_ITEMS,
		N_KB_LAST_RELOAD_OK, N_KB_LAST_RELOAD_TIME,
		"process_resident_memory_bytes", "process_open_fds",
		"process_start_time_seconds",
	};
	char	 key[128];
	char	*text;
	size_t	 i;

	(void)state;
	text = metrics_render();
	assert_non_null(text);
	check_exposition(text);
	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		snprintf(key, sizeof(key), "# TYPE %s ", families[i]);
		if (strstr(text, key) == NULL)
			fail_msg("%s missing", families[i]);
		snprintf(key, sizeof(key), "# HELP %s ", families[i]);
		assert_non_null(strstr(text, key));
	}
	/* Unlabelled counters and gauges show 0; labelled ones nothing. */
	assert_true(sample(text, N_BAD_SIGNATURES) == 0);
	assert_true(sample(text, N_KB_ITEMS) == 0);
	assert_int_equal(count_prefix(text, N_HTTP_REQUESTS "{"), 0);
	/* Known results exist from the start, so rates work at once. */
	assert_true(sample(text, N_KB_RESULTS "{result=\"hit\"}") == 0);
	assert_true(sample(text, N_KB_RESULTS "{result=\"suggest\"}") == 0);
	assert_true(sample(text, N_KB_RESULTS "{result=\"miss\"}") == 0);
	assert_true(sample(text, N_KB_RELOADS "{result=\"error\"}") == 0);
	free(text);
}

static void
test_counters_move(void **state)
{
	char	 l[128];
	char	*text;

	(void)state;
	assert_int_equal(metrics_labels(l, sizeof(l), "route", "/wechat",
	    "status", "200", NULL), 0);
	assert_string_equal(l, "route=\"/wechat\",status=\"200\"");
	assert_int_equal(metrics_counter_inc(M_HTTP_REQUESTS, l), 0);
	assert_int_equal(metrics_counter_add(M_HTTP_REQUESTS, l, 4), 0);
	assert_int_equal(metrics_counter_inc(M_HTTP_REQUESTS,
	    "route=\"/wechat\",status=\"403\""), 0);
	assert_int_equal(metrics_counter_inc(M_BAD_SIGNATURES, NULL), 0);
	assert_int_equal(metrics_counter_inc(M_KB_RESULTS,
	    "result=\"miss\""), 0);
	assert_int_equal(metrics_gauge_set(M_KB_ITEMS, NULL, 123), 0);
	assert_int_equal(metrics_gauge_set(M_KB_LAST_RELOAD_TIME, NULL,
	    1764410400.5), 0);
	text = metrics_render();
	assert_non_null(text);
	check_exposition(text);
	assert_true(sample(text, N_HTTP_REQUESTS
	    "{route=\"/wechat\",status=\"200\"}") == 5);
	assert_true(sample(text, N_HTTP_REQUESTS
	    "{route=\"/wechat\",status=\"403\"}") == 1);
	assert_true(sample(text, N_BAD_SIGNATURES) == 1);
	assert_true(sample(text, N_KB_RESULTS "{result=\"miss\"}") == 1);
	assert_true(sample(text, N_KB_ITEMS) == 123);
	assert_true(sample(text, N_KB_LAST_RELOAD_TIME) == 1764410400.5);
	free(text);

	/* Gauges go down too; counters only add. */
	assert_int_equal(metrics_gauge_set(M_KB_ITEMS, NULL, 7), 0);
	assert_int_equal(metrics_counter_add(M_BAD_SIGNATURES, NULL, 2), 0);
	text = metrics_render();
	assert_non_null(text);
	assert_true(sample(text, N_KB_ITEMS) == 7);
	assert_true(sample(text, N_BAD_SIGNATURES) == 3);
	free(text);
}

/* Declared series count by index, show once counted, and keep presets. */
static void
test_declared_series(void **state)
{
	static const char *const sets[] = {
		"result=\"hit\"", "result=\"welcome\"", "type=\"bad\"",
		"result=\"menu\"",
	};
	char	*text;

	(void)state;
	assert_int_equal(metrics_declare(M_KB_RESULTS, sets, 4), 0);
	assert_int_equal(metrics_declare(M_KB_ITEMS, sets, 1), -1);
	text = metrics_render();
	assert_non_null(text);
	check_exposition(text);
	/* hit is a preset, so shown at 0; welcome is not shown yet. */
	assert_true(sample(text, N_KB_RESULTS "{result=\"hit\"}") == 0);
	assert_int_equal(count_prefix(text, N_KB_RESULTS
	    "{result=\"welcome\"}"), 0);
	free(text);
	assert_int_equal(metrics_counter_add_at(M_KB_RESULTS, 1, 2), 0);
	assert_int_equal(metrics_counter_add_at(M_KB_RESULTS, 0, 1), 0);
	/* By labels and by index, the same series. */
	assert_int_equal(metrics_counter_inc(M_KB_RESULTS,
	    "result=\"welcome\""), 0);
	/* The malformed set and an index past the end go to "other". */
	assert_int_equal(metrics_counter_add_at(M_KB_RESULTS, 2, 1), 0);
	assert_int_equal(metrics_counter_add_at(M_KB_RESULTS, 9, 1), 0);
	assert_int_equal(metrics_counter_add_at(M_KB_ITEMS, 0, 1), -1);
	text = metrics_render();
	assert_non_null(text);
	check_exposition(text);
	assert_true(sample(text, N_KB_RESULTS "{result=\"hit\"}") == 1);
	assert_true(sample(text, N_KB_RESULTS "{result=\"welcome\"}") == 3);
	assert_true(sample(text, N_KB_RESULTS "{result=\"other\"}") == 2);
	assert_int_equal(count_prefix(text, N_KB_RESULTS
	    "{result=\"menu\"}"), 0);
	free(text);
}

static void
test_wrong_family_or_type(void **state)
{
	char	*text;

	(void)state;
	assert_int_equal(metrics_counter_inc(M_NFAMILIES, NULL), -1);
	assert_int_equal(metrics_counter_inc((enum metrics_id)-1, NULL), -1);
	assert_int_equal(metrics_counter_inc(M_KB_ITEMS, NULL), -1);
	assert_int_equal(metrics_gauge_set(M_BAD_SIGNATURES, NULL, 9), -1);
	assert_int_equal(metrics_histogram_observe(M_BAD_SIGNATURES, 1), -1);
	assert_int_equal(metrics_histogram_observe(M_REPLY_LATENCY, NAN),
	    -1);
	text = metrics_render();
	assert_non_null(text);
	assert_true(sample(text, N_KB_ITEMS) == 0);
	assert_true(sample(text, N_BAD_SIGNATURES) == 0);
	assert_true(sample(text, N_REPLY_LATENCY "_count") == 0);
	assert_null(strstr(text, "wxkb_nope_total"));
	free(text);
}

static void
test_label_escaping(void **state)
{
	static const struct {
		const char	*raw;
		const char	*want;
	} cases[] = {
		{ "text",		"type=\"text\"" },
		{ "a\"b",		"type=\"a\\\"b\"" },
		{ "back\\slash",	"type=\"back\\\\slash\"" },
		{ "two\nlines",		"type=\"two\\nlines\"" },
		{ "ctl\x01\x7f",	"type=\"ctl??\"" },
		{ "bad\xff\xfe",	"type=\"bad??\"" },
		{ "\xe6\x96\x87\xe5\xad\x97",
		  "type=\"\xe6\x96\x87\xe5\xad\x97\"" },
		{ "",			"type=\"\"" },
	};
	char	 l[64], key[128];
	char	*text;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(metrics_labels(l, sizeof(l), "type",
		    cases[i].raw, NULL), 0);
		assert_string_equal(l, cases[i].want);
		assert_int_equal(metrics_counter_inc(M_MESSAGES, l), 0);
	}
	text = metrics_render();
	assert_non_null(text);
	check_exposition(text);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(key, sizeof(key), N_MESSAGES "{%s}", cases[i].want);
		if (sample(text, key) < 1)
			fail_msg("%s missing", key);
	}
	assert_int_equal(count_prefix(text, N_MESSAGES "{type=\"other\"}"),
	    0);
	free(text);

	/* Too long for the buffer: -1 and an empty string. */
	assert_int_equal(metrics_labels(l, 8, "type", "longer", NULL), -1);
	assert_string_equal(l, "");
	assert_int_equal(metrics_labels(l, sizeof(l), NULL), 0);
	assert_string_equal(l, "");
}

static void
test_malformed_labels_go_other(void **state)
{
	static const char *const	 bad[] = {
		"type=\"x\" ",			/* trailing junk */
		"type=\"a\"b\"",		/* raw quote */
		"type=\"line\nbreak\"",		/* raw newline */
		"type=\"q\\z\"",		/* bad escape */
		"kind=\"text\"",		/* not the family's name */
		"type=\"a\",extra=\"b\"",	/* one label too many */
		"type=x",			/* unquoted */
		"type=\"bad\xff\"",		/* not UTF-8 */
		"",
		NULL,
	};
	char	*text;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(metrics_counter_inc(M_MESSAGES, bad[i]), 0);
	/* Names must come in the declared order. */
	assert_int_equal(metrics_counter_inc(M_API_CALLS,
	    "errcode=\"0\",endpoint=\"token\""), 0);
	text = metrics_render();
	assert_non_null(text);
	check_exposition(text);
	assert_int_equal(count_prefix(text, N_MESSAGES "{"), 1);
	assert_true(sample(text, N_MESSAGES "{type=\"other\"}") ==
	    (double)(sizeof(bad) / sizeof(bad[0])));
	assert_true(sample(text, N_API_CALLS
	    "{endpoint=\"other\",errcode=\"other\"}") == 1);
	free(text);
}

static void
test_series_bounded(void **state)
{
	char	 l[64], v[16];
	char	*text;
	int	 i, round;

	(void)state;
	for (round = 0; round < 2; round++) {
		for (i = 0; i < METRICS_SERIES_MAX + 100; i++) {
			snprintf(v, sizeof(v), "t%d", i);
			assert_int_equal(metrics_labels(l, sizeof(l), "type",
			    v, NULL), 0);
			assert_int_equal(metrics_counter_inc(M_MESSAGES, l),
			    0);
		}
	}
	text = metrics_render();
	assert_non_null(text);
	check_exposition(text);
	assert_int_equal(count_prefix(text, N_MESSAGES "{"),
	    METRICS_SERIES_MAX + 1);
	assert_true(sample(text, N_MESSAGES "{type=\"t0\"}") == 2);
	assert_true(sample(text, N_MESSAGES "{type=\"t255\"}") == 2);
	assert_true(isnan(sample(text, N_MESSAGES "{type=\"t256\"}")));
	assert_true(sample(text, N_MESSAGES "{type=\"other\"}") == 200);
	free(text);
}

static void
test_histogram(void **state)
{
	static const double	 obs[] = {
		0.0001, 0.0005, 0.0007, 0.003, 0.003, 0.04, 0.3, 1.0, 4.9,
		7.5, 100, -0.01
	};
	static const struct {
		const char	*le;
		double		 want;
	} buckets[] = {
		{ "0.0005", 3 }, { "0.001", 4 }, { "0.0025", 4 },
		{ "0.005", 6 }, { "0.01", 6 }, { "0.025", 6 }, { "0.05", 7 },
		{ "0.1", 7 }, { "0.25", 7 }, { "0.5", 8 }, { "1", 9 },
		{ "2.5", 9 }, { "5", 10 }, { "+Inf", 12 },
	};
	char	 key[128];
	char	*text;
	double	 sum = 0, prev = 0, v;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(obs) / sizeof(obs[0]); i++) {
		assert_int_equal(metrics_histogram_observe(M_REPLY_LATENCY,
		    obs[i]), 0);
		/* A negative duration counts as zero. */
		sum += obs[i] > 0 ? obs[i] : 0;
	}
	text = metrics_render();
	assert_non_null(text);
	check_exposition(text);
	assert_int_equal(count_prefix(text, N_REPLY_LATENCY "_bucket{"),
	    (int)(sizeof(buckets) / sizeof(buckets[0])));
	for (i = 0; i < sizeof(buckets) / sizeof(buckets[0]); i++) {
		snprintf(key, sizeof(key),
		    N_REPLY_LATENCY "_bucket{le=\"%s\"}", buckets[i].le);
		v = sample(text, key);
		if (v != buckets[i].want)
			fail_msg("%s = %g, want %g", key, v, buckets[i].want);
		assert_true(v >= prev);
		prev = v;
	}
	assert_true(sample(text, N_REPLY_LATENCY "_count") == 12);
	assert_true(fabs(sample(text, N_REPLY_LATENCY "_sum") - sum) < 1e-9);
	free(text);
}

static void
test_process_gauges(void **state)
{
	char	*text;
	double	 now = (double)time(NULL);

	(void)state;
	metrics_init();
	text = metrics_render();
	assert_non_null(text);
	check_exposition(text);
	assert_true(sample(text, "process_resident_memory_bytes") > 4096);
	/* stdin, stdout, stderr at least. */
	assert_true(sample(text, "process_open_fds") >= 3);
	assert_true(sample(text, "process_start_time_seconds") <= now + 1);
	assert_true(sample(text, "process_start_time_seconds") > now - 3600);
	free(text);
}

#define THREADS		4
#define PER_THREAD	20000

static void *
adder(void *arg)
{
	int	i;

	(void)arg;
	for (i = 0; i < PER_THREAD; i++) {
		metrics_counter_inc(M_HTTP_REQUESTS,
		    "route=\"/wechat\",status=\"200\"");
		metrics_histogram_observe(M_REPLY_LATENCY, 0.002);
	}
	return NULL;
}

static void
test_threads(void **state)
{
	pthread_t	 t[THREADS];
	char		*text;
	int		 i;

	(void)state;
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, adder, NULL), 0);
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	text = metrics_render();
	assert_non_null(text);
	assert_true(sample(text, N_HTTP_REQUESTS
	    "{route=\"/wechat\",status=\"200\"}") == THREADS * PER_THREAD);
	assert_true(sample(text, N_REPLY_LATENCY "_count") ==
	    THREADS * PER_THREAD);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validator_rejects),
		cmocka_unit_test_setup_teardown(test_render_empty, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_counters_move, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_declared_series, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wrong_family_or_type,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_label_escaping, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_malformed_labels_go_other, setup, teardown),
		cmocka_unit_test_setup_teardown(test_series_bounded, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_histogram, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_process_gauges, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
