/*
 * test_kb_snapshot — the merge of several instances' counts: statistics
 * summed, unanswered questions merged by text (counts, first and last
 * seen, the latest state change), and snapshots from the network that
 * are malformed, hostile or oversized refused with a reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kb/kb.h"
#include "kb/kb_snapshot.h"
#include "kb/kb_stats.h"
#include "kb/kb_unanswered.h"

/* Noon of 2024-03-05 and 06, local time. */
static time_t
day(int d)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = 2024 - 1900;
	tm.tm_mon = 2;
	tm.tm_mday = d;
	tm.tm_hour = 12;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

static const struct kb_unanswered_entry *
find(const struct kb_unanswered *u, const char *text)
{
	const struct kb_unanswered_entry *list[64];
	size_t i, n = kb_unanswered_sorted(u, list, 64);

	for (i = 0; i < n; i++)
		if (strcmp(list[i]->text, text) == 0)
			return list[i];
	return NULL;
}

static void
test_stats_add(void **state)
{
	struct kb_stats *a = kb_stats_new(), *b = kb_stats_new();
	struct kb_stats *m = kb_stats_new();
	struct kb_stats_day d;

	(void)state;
	assert_int_equal(kb_stats_hit(a, "apply"), 0);
	assert_int_equal(kb_stats_hit(a, "apply"), 0);
	assert_int_equal(kb_stats_hit(b, "apply"), 0);
	assert_int_equal(kb_stats_hit(b, "active"), 0);
	kb_stats_question(a, KB_STATS_ANSWERED, day(5));
	kb_stats_question(a, KB_STATS_UNANSWERED, day(6));
	kb_stats_question(b, KB_STATS_ANSWERED, day(5));
	kb_stats_question(b, KB_STATS_SUGGESTED, day(5));
	assert_int_equal(kb_stats_add(m, a), 0);
	assert_int_equal(kb_stats_add(m, b), 0);
	assert_int_equal(kb_stats_hits(m, "apply"), 3);
	assert_int_equal(kb_stats_hits(m, "active"), 1);
	assert_int_equal(kb_stats_day(m, "2024-03-05", &d), 1);
	assert_int_equal(d.answered, 2);
	assert_int_equal(d.suggested, 1);
	assert_int_equal(d.unanswered, 0);
	assert_int_equal(kb_stats_day(m, "2024-03-06", &d), 1);
	assert_int_equal(d.unanswered, 1);
	/* The sources are left as they were. */
	assert_int_equal(kb_stats_hits(a, "apply"), 2);
	kb_stats_free(a);
	kb_stats_free(b);
	kb_stats_free(m);
}

static void
test_unanswered_merge(void **state)
{
	struct kb_unanswered *a = kb_unanswered_new(0);
	struct kb_unanswered *b = kb_unanswered_new(0);
	struct kb_unanswered *m = kb_unanswered_new(0);
	const struct kb_unanswered_entry *e;

	(void)state;
	kb_unanswered_record(a, "火星移民", 100);
	kb_unanswered_record(a, "火星移民", 300);
	kb_unanswered_record(b, "火星移民", 50);
	kb_unanswered_record(b, "外星人签证", 200);
	kb_unanswered_merge(m, a);
	kb_unanswered_merge(m, b);
	e = find(m, "火星移民");
	assert_non_null(e);
	assert_int_equal(e->count, 3);
	assert_int_equal(e->first_seen, 50);
	assert_int_equal(e->last_seen, 300);
	assert_int_equal(e->state, KB_UNANSWERED_OPEN);
	e = find(m, "外星人签证");
	assert_non_null(e);
	assert_int_equal(e->count, 1);
	assert_int_equal(kb_unanswered_count(m), 2);
	kb_unanswered_free(a);
	kb_unanswered_free(b);
	kb_unanswered_free(m);
}

static void
test_unanswered_states(void **state)
{
	struct kb_unanswered *a = kb_unanswered_new(0);
	struct kb_unanswered *b = kb_unanswered_new(0);
	struct kb_unanswered *m = kb_unanswered_new(0);
	const struct kb_unanswered_entry *e;

	(void)state;
	kb_unanswered_record(a, "q1", 100);
	kb_unanswered_record(a, "q2", 100);
	kb_unanswered_record(b, "q1", 110);
	kb_unanswered_record(b, "q2", 110);
	/* q1: ignored on a at 120, handled on b at 130: the later wins. */
	kb_unanswered_set_state(a, "q1", KB_UNANSWERED_IGNORED, 120);
	kb_unanswered_set_state(b, "q1", KB_UNANSWERED_HANDLED, 130);
	/* q2: handled on a at 120, asked again on b at 125: open again. */
	kb_unanswered_set_state(a, "q2", KB_UNANSWERED_HANDLED, 120);
	kb_unanswered_record(b, "q2", 125);
	kb_unanswered_merge(m, b);
	kb_unanswered_merge(m, a);
	e = find(m, "q1");
	assert_int_equal(e->state, KB_UNANSWERED_HANDLED);
	assert_int_equal(e->state_at, 130);
	e = find(m, "q2");
	assert_int_equal(e->state, KB_UNANSWERED_OPEN);
	/* A change from the shared hash: later ones win, older are dropped. */
	assert_int_equal(kb_unanswered_merge_state(m, "q1",
	    KB_UNANSWERED_OPEN, 129), 0);
	assert_int_equal(find(m, "q1")->state, KB_UNANSWERED_HANDLED);
	assert_int_equal(kb_unanswered_merge_state(m, "q1",
	    KB_UNANSWERED_IGNORED, 140), 0);
	assert_int_equal(find(m, "q1")->state, KB_UNANSWERED_IGNORED);
	assert_int_equal(kb_unanswered_merge_state(m, "q2",
	    KB_UNANSWERED_HANDLED, 200), 0);
	assert_int_equal(find(m, "q2")->state, KB_UNANSWERED_HANDLED);
	assert_int_equal(kb_unanswered_merge_state(m, "none",
	    KB_UNANSWERED_HANDLED, 200), KB_ERR_IO);
	kb_unanswered_free(a);
	kb_unanswered_free(b);
	kb_unanswered_free(m);
}

/* Counts near the limits saturate instead of wrapping. */
static void
test_saturate(void **state)
{
	static const char snap[] = "{\"version\":1,\"stats\":{\"version\":1,"
	    "\"items\":[{\"id\":\"apply\",\"hits\":9223372036854775807}],"
	    "\"days\":[]},\"unanswered\":{\"version\":1,\"questions\":"
	    "[{\"text\":\"q\",\"count\":4294967295,\"first_seen\":1,"
	    "\"last_seen\":2,\"state\":\"open\"}]}}";
	struct kb_stats *st, *m = kb_stats_new();
	struct kb_unanswered *un, *mu = kb_unanswered_new(0);
	json_t *j;

	(void)state;
	assert_int_equal(kb_snapshot_parse(snap, strlen(snap), "t", &st, &un,
	    NULL), 0);
	assert_int_equal(kb_stats_add(m, st), 0);
	assert_int_equal(kb_stats_add(m, st), 0);
	assert_true(kb_stats_hits(m, "apply") == INT64_MAX);
	j = kb_stats_json(m);
	assert_true(json_integer_value(json_object_get(json_array_get(
	    json_object_get(j, "items"), 0), "hits")) == INT64_MAX);
	json_decref(j);
	kb_unanswered_merge(mu, un);
	kb_unanswered_merge(mu, un);
	assert_int_equal(find(mu, "q")->count, UINT32_MAX);
	kb_stats_free(st);
	kb_unanswered_free(un);
	kb_stats_free(m);
	kb_unanswered_free(mu);
}

/* A snapshot made here reads back as the same counts. */
static void
test_round_trip(void **state)
{
	struct kb_stats *s = kb_stats_new(), *s2;
	struct kb_unanswered *u = kb_unanswered_new(0), *u2;
	json_t *js, *ju;
	char *buf, *buf2, *cause = NULL;
	size_t len, len2;

	(void)state;
	kb_stats_hit(s, "apply");
	kb_stats_question(s, KB_STATS_SUGGESTED, day(5));
	kb_unanswered_record(u, "一个问题", 100);
	kb_unanswered_set_state(u, "一个问题", KB_UNANSWERED_IGNORED, 150);
	js = kb_stats_json(s);
	ju = kb_unanswered_json(u, 0);
	buf = kb_snapshot_dump(js, ju, &len);
	assert_non_null(buf);
	assert_int_equal(kb_snapshot_parse(buf, len, "t", &s2, &u2, &cause),
	    0);
	assert_null(cause);
	assert_int_equal(kb_stats_hits(s2, "apply"), 1);
	assert_int_equal(find(u2, "一个问题")->state, KB_UNANSWERED_IGNORED);
	assert_int_equal(find(u2, "一个问题")->state_at, 150);
	json_decref(js);
	json_decref(ju);
	js = kb_stats_json(s2);
	ju = kb_unanswered_json(u2, 0);
	buf2 = kb_snapshot_dump(js, ju, &len2);
	/* The same counts give the same bytes: nothing is sent again. */
	assert_int_equal(len, len2);
	assert_memory_equal(buf, buf2, len);
	json_decref(js);
	json_decref(ju);
	free(buf);
	free(buf2);
	kb_stats_free(s);
	kb_stats_free(s2);
	kb_unanswered_free(u);
	kb_unanswered_free(u2);
}

/* Each is refused whole, with a reason naming where it came from. */
static void
test_hostile(void **state)
{
	static const char *const bad[] = {
		"",
		"not json",
		"[]",
		"{\"version\":2,\"stats\":{},\"unanswered\":{}}",
		"{\"version\":1}",
		"{\"version\":1,\"stats\":{\"version\":1},\"unanswered\":7}",
		"{\"version\":1,\"version\":1,\"stats\":{\"version\":1},"
		    "\"unanswered\":{\"version\":1,\"questions\":[]}}",
		"{\"version\":1,\"stats\":{\"version\":1,\"items\":[{\"id\":"
		    "\"../x\",\"hits\":1}]},\"unanswered\":{\"version\":1,"
		    "\"questions\":[]}}",
		"{\"version\":1,\"stats\":{\"version\":1,\"items\":[{\"id\":"
		    "\"a\",\"hits\":-1}]},\"unanswered\":{\"version\":1,"
		    "\"questions\":[]}}",
		"{\"version\":1,\"stats\":{\"version\":1,\"days\":[{\"date\":"
		    "\"2024-13\",\"answered\":1,\"suggested\":0,\"unanswered\":"
		    "0}]},\"unanswered\":{\"version\":1,\"questions\":[]}}",
		"{\"version\":1,\"stats\":{\"version\":1},\"unanswered\":{"
		    "\"version\":1,\"questions\":[{\"text\":\"\",\"count\":1,"
		    "\"first_seen\":1,\"last_seen\":1}]}}",
		"{\"version\":1,\"stats\":{\"version\":1},\"unanswered\":{"
		    "\"version\":1,\"questions\":[{\"text\":\"q\",\"count\":0,"
		    "\"first_seen\":1,\"last_seen\":1}]}}",
		"{\"version\":1,\"stats\":{\"version\":1},\"unanswered\":{"
		    "\"version\":1,\"questions\":[{\"text\":\"q\",\"count\":1,"
		    "\"first_seen\":5,\"last_seen\":1}]}}",
		"{\"version\":1,\"stats\":{\"version\":1},\"unanswered\":{"
		    "\"version\":1,\"questions\":[{\"text\":\"q\",\"count\":1,"
		    "\"first_seen\":1,\"last_seen\":1,\"state\":\"gone\"}]}}",
		"{\"version\":1,\"stats\":{\"version\":1},\"unanswered\":{"
		    "\"version\":1,\"questions\":[{\"text\":\"q\",\"count\":1,"
		    "\"first_seen\":1,\"last_seen\":1},{\"text\":\"q\",\"count\":"
		    "1,\"first_seen\":1,\"last_seen\":1}]}}",
	};
	struct kb_unanswered *u;
	struct kb_stats *s;
	char *cause;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		assert_int_not_equal(kb_snapshot_parse(bad[i], strlen(bad[i]),
		    "instance x", &s, &u, &cause), 0);
		assert_null(s);
		assert_null(u);
		assert_non_null(cause);
		assert_non_null(strstr(cause, "instance x"));
		free(cause);
	}
}

static void
test_oversized(void **state)
{
	struct kb_unanswered *u;
	struct kb_stats *s;
	char *cause = NULL, *big;
	size_t n = KB_SNAPSHOT_MAX + 1, i;
	json_t *items;

	(void)state;
	/* Refused on its size before it is parsed. */
	big = malloc(n);
	assert_non_null(big);
	memset(big, ' ', n);
	assert_int_equal(kb_snapshot_parse(big, n, "instance y", &s, &u,
	    &cause), KB_ERR_TOOBIG);
	assert_non_null(strstr(cause, "instance y"));
	free(cause);
	free(big);
	/* More items than a statistics file keeps. */
	items = json_array();
	for (i = 0; i <= KB_STATS_ITEMS; i++) {
		char id[32];

		snprintf(id, sizeof id, "i%zu", i);
		json_array_append_new(items, json_pack("{sssi}", "id", id,
		    "hits", 1));
	}
	s = kb_stats_new();
	big = NULL;
	{
		json_t *root = json_pack("{sisos[]}", "version", 1, "items",
		    items, "days");

		cause = NULL;
		assert_int_equal(kb_stats_from_json(s, root, "instance z",
		    &cause), KB_ERR_SCHEMA);
		assert_non_null(strstr(cause, "instance z"));
		assert_int_equal(kb_stats_hits(s, "i1"), 0);
		free(cause);
		json_decref(root);
	}
	kb_stats_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats_add),
		cmocka_unit_test(test_unanswered_merge),
		cmocka_unit_test(test_unanswered_states),
		cmocka_unit_test(test_saturate),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_oversized),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
