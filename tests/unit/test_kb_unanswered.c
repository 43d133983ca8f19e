/*
 * test_kb_unanswered — the store of unanswered questions: counting,
 * the bound and its eviction order, save/load round trip, and files that
 * are corrupt or hostile.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "kb/kb.h"
#include "kb/kb_unanswered.h"
#include "lib/file.h"

struct fixture {
	char	 dir[64];
	char	 path[128];
};

static int
setup(void **state)
{
	struct fixture *f;

	f = calloc(1, sizeof *f);
	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/test_kb_unanswered.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof f->path, "%s/unanswered.json", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
rec(struct kb_unanswered *u, const char *s, time_t now)
{
	assert_int_equal(kb_unanswered_record(u, s, now), 0);
}

static void
test_record_and_sort(void **state)
{
	const struct kb_unanswered_entry *e[8];
	struct kb_unanswered *u;
	size_t n;

	(void)state;
	u = kb_unanswered_new(0);
	assert_non_null(u);
	rec(u, "垃圾车几点来", 100);
	rec(u, "停水通知", 110);
	rec(u, "垃圾车几点来", 120);
	rec(u, "停电", 130);
	rec(u, "垃圾车几点来", 140);
	rec(u, "停水通知", 150);
	assert_int_equal(kb_unanswered_record(u, "", 1), KB_ERR_SCHEMA);
	assert_int_equal(kb_unanswered_count(u), 3);

	n = kb_unanswered_sorted(u, e, 8);
	assert_int_equal(n, 3);
	assert_string_equal(e[0]->text, "垃圾车几点来");
	assert_int_equal(e[0]->count, 3);
	assert_int_equal(e[0]->first_seen, 100);
	assert_int_equal(e[0]->last_seen, 140);
	assert_string_equal(e[1]->text, "停水通知");
	assert_int_equal(e[1]->count, 2);
	assert_string_equal(e[2]->text, "停电");

	/* A shorter list keeps the head. */
	n = kb_unanswered_sorted(u, e, 1);
	assert_int_equal(n, 1);
	assert_string_equal(e[0]->text, "垃圾车几点来");

	kb_unanswered_clear(u);
	assert_int_equal(kb_unanswered_count(u), 0);
	kb_unanswered_free(u);
	kb_unanswered_free(NULL);
}

/* Full: a new question replaces the least asked, oldest first. */
static void
test_bounded(void **state)
{
	const struct kb_unanswered_entry *e[4];
	struct kb_unanswered *u;
	char buf[32];
	int i;

	(void)state;
	u = kb_unanswered_new(3);
	rec(u, "a", 1);
	rec(u, "b", 2);
	rec(u, "c", 3);
	rec(u, "a", 4);
	rec(u, "d", 5);		/* evicts b: count 1, last seen 2 */
	assert_int_equal(kb_unanswered_count(u), 3);
	assert_int_equal(kb_unanswered_sorted(u, e, 4), 3);
	assert_string_equal(e[0]->text, "a");
	assert_string_equal(e[1]->text, "d");
	assert_string_equal(e[2]->text, "c");
	rec(u, "b", 6);		/* evicts c */
	assert_int_equal(kb_unanswered_sorted(u, e, 4), 3);
	assert_string_equal(e[0]->text, "a");
	assert_string_equal(e[1]->text, "b");
	assert_int_equal(e[1]->count, 1);
	assert_string_equal(e[2]->text, "d");

	/* Many distinct questions: the frequent one survives, the hash
	   table stays consistent through evictions. */
	for (i = 0; i < 5000; i++) {
		snprintf(buf, sizeof buf, "q%d", i);
		rec(u, buf, 10 + i);
		rec(u, "a", 10 + i);
	}
	assert_int_equal(kb_unanswered_count(u), 3);
	assert_int_equal(kb_unanswered_sorted(u, e, 4), 3);
	assert_string_equal(e[0]->text, "a");
	assert_int_equal(e[0]->count, 5002);
	rec(u, "q4999", 9999);
	assert_int_equal(kb_unanswered_sorted(u, e, 4), 3);
	assert_string_equal(e[1]->text, "q4999");
	assert_int_equal(e[1]->count, 2);
	kb_unanswered_free(u);
}

/* Long questions are cut at a character boundary. */
static void
test_long_text(void **state)
{
	const struct kb_unanswered_entry *e[1];
	struct kb_unanswered *u;
	char text[601];
	size_t i;

	(void)state;
	for (i = 0; i < 200; i++)
		memcpy(text + 3 * i, "问", 3);
	text[600] = '\0';
	u = kb_unanswered_new(10);
	assert_int_equal(kb_unanswered_record(u, text, 1), 0);
	kb_unanswered_sorted(u, e, 1);
	assert_int_equal(strlen(e[0]->text), 255);	/* 85 characters */
	assert_int_equal(memcmp(e[0]->text, text, 255), 0);
	kb_unanswered_free(u);
}

static void
test_save_load(void **state)
{
	const struct kb_unanswered_entry *e[4];
	struct fixture *f = *state;
	struct kb_unanswered *u, *v;
	struct stat st;
	char *cause = NULL;

	u = kb_unanswered_new(10);
	rec(u, "垃圾车几点来", 1700000000);
	rec(u, "垃圾车几点来", 1700000100);
	rec(u, "quote\"and\\slash", 1700000200);
	assert_int_equal(kb_unanswered_save(u, f->path, &cause), 0);
	assert_null(cause);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	v = kb_unanswered_new(10);
	rec(v, "stale", 1);
	assert_int_equal(kb_unanswered_load(v, f->path, &cause), 0);
	assert_null(cause);
	assert_int_equal(kb_unanswered_count(v), 2);
	kb_unanswered_sorted(v, e, 4);
	assert_string_equal(e[0]->text, "垃圾车几点来");
	assert_int_equal(e[0]->count, 2);
	assert_int_equal(e[0]->first_seen, 1700000000);
	assert_int_equal(e[0]->last_seen, 1700000100);
	assert_string_equal(e[1]->text, "quote\"and\\slash");
	/* Counting goes on after a restart. */
	rec(v, "垃圾车几点来", 1700000300);
	kb_unanswered_sorted(v, e, 4);
	assert_int_equal(e[0]->count, 3);

	/* A smaller store keeps the most asked. */
	kb_unanswered_free(u);
	u = kb_unanswered_new(1);
	assert_int_equal(kb_unanswered_load(u, f->path, &cause), 0);
	assert_int_equal(kb_unanswered_count(u), 1);
	kb_unanswered_sorted(u, e, 1);
	assert_string_equal(e[0]->text, "垃圾车几点来");
	kb_unanswered_free(u);
	kb_unanswered_free(v);
}

/*
 * Staff mark questions ignored or handled; the marks survive a restart,
 * a handled question asked again is open again, an ignored one is not.
 */
static void
test_states(void **state)
{
	const struct kb_unanswered_entry *e[4];
	struct fixture *f = *state;
	struct kb_unanswered *u, *v;
	char *cause = NULL;
	json_t *j, *q;

	u = kb_unanswered_new(10);
	rec(u, "垃圾车几点来", 100);
	rec(u, "社区医院几点开门", 100);
	rec(u, "随便问问", 100);
	rec(u, "随便问问", 100);
	rec(u, "随便问问", 100);
	rec(u, "垃圾车几点来", 100);
	assert_int_equal(kb_unanswered_set_state(u, "垃圾车几点来",
	    KB_UNANSWERED_HANDLED, 200), 0);
	assert_int_equal(kb_unanswered_set_state(u, "随便问问",
	    KB_UNANSWERED_IGNORED, 200), 0);
	assert_int_equal(kb_unanswered_set_state(u, "没人问过",
	    KB_UNANSWERED_IGNORED, 200), KB_ERR_IO);
	j = kb_unanswered_json(u, 0);
	q = json_array_get(json_object_get(j, "questions"), 0);
	assert_string_equal(json_string_value(json_object_get(q, "text")),
	    "随便问问");
	assert_string_equal(json_string_value(json_object_get(q, "state")),
	    "ignored");
	assert_int_equal(json_integer_value(json_object_get(q, "state_at")),
	    200);
	q = json_array_get(json_object_get(j, "questions"), 2);
	assert_string_equal(json_string_value(json_object_get(q, "state")),
	    "open");
	assert_null(json_object_get(q, "state_at"));
	json_decref(j);

	assert_int_equal(kb_unanswered_save(u, f->path, &cause), 0);
	v = kb_unanswered_new(10);
	assert_int_equal(kb_unanswered_load(v, f->path, &cause), 0);
	assert_null(cause);
	kb_unanswered_sorted(v, e, 4);
	assert_string_equal(e[0]->text, "随便问问");
	assert_int_equal(e[0]->state, KB_UNANSWERED_IGNORED);
	assert_string_equal(e[1]->text, "垃圾车几点来");
	assert_int_equal(e[1]->state, KB_UNANSWERED_HANDLED);
	assert_int_equal(e[1]->state_at, 200);
	assert_int_equal(e[2]->state, KB_UNANSWERED_OPEN);

	/* Asked again: handled is open again, ignored stays ignored. */
	rec(v, "垃圾车几点来", 300);
	rec(v, "随便问问", 300);
	kb_unanswered_sorted(v, e, 4);
	assert_string_equal(e[0]->text, "随便问问");
	assert_int_equal(e[0]->state, KB_UNANSWERED_IGNORED);
	assert_string_equal(e[1]->text, "垃圾车几点来");
	assert_int_equal(e[1]->state, KB_UNANSWERED_OPEN);

	assert_int_equal(kb_unanswered_state_parse("handled"),
	    KB_UNANSWERED_HANDLED);
	assert_int_equal(kb_unanswered_state_parse("Handled"), -1);
	assert_int_equal(kb_unanswered_state_parse(NULL), -1);
	kb_unanswered_free(u);
	kb_unanswered_free(v);
}

/* No file yet: an empty store and no error. */
static void
test_load_missing(void **state)
{
	struct fixture *f = *state;
	struct kb_unanswered *u;
	char *cause = NULL;

	u = kb_unanswered_new(10);
	rec(u, "x", 1);
	assert_int_equal(kb_unanswered_load(u, f->path, &cause), 0);
	assert_null(cause);
	assert_int_equal(kb_unanswered_count(u), 0);
	kb_unanswered_free(u);
}

struct bad_file {
	const char	*content;
	int		 rc;
	const char	*cause;
};

static const struct bad_file bad_files[] = {
	{ "", KB_ERR_SYNTAX, ":1:" },
	{ "{\"version\":1,\"questions\":[", KB_ERR_SYNTAX, "" },
	{ "\x89PNG\r\n\x1a\n", KB_ERR_SYNTAX, "" },
	{ "[]", KB_ERR_SCHEMA, "version 1" },
	{ "{\"version\":2,\"questions\":[]}", KB_ERR_SCHEMA, "version 1" },
	{ "{\"version\":1}", KB_ERR_SCHEMA, "\"questions\" must be an array" },
	{ "{\"version\":1,\"questions\":[1]}", KB_ERR_SCHEMA,
	  "questions[0]: bad \"text\"" },
	{ "{\"version\":1,\"questions\":[{\"text\":\"\",\"count\":1,"
	  "\"first_seen\":1,\"last_seen\":1}]}", KB_ERR_SCHEMA,
	  "questions[0]: bad \"text\"" },
	{ "{\"version\":1,\"questions\":[{\"text\":\"a\",\"count\":-1,"
	  "\"first_seen\":1,\"last_seen\":1}]}", KB_ERR_SCHEMA,
	  "questions[0]: \"count\"" },
	{ "{\"version\":1,\"questions\":[{\"text\":\"a\",\"count\":1,"
	  "\"first_seen\":5,\"last_seen\":1}]}", KB_ERR_SCHEMA,
	  "first <= last" },
	{ "{\"version\":1,\"questions\":[{\"text\":\"a\",\"count\":"
	  "99999999999,\"first_seen\":1,\"last_seen\":1}]}", KB_ERR_SCHEMA,
	  "count >= 1" },
	{ "{\"version\":1,\"questions\":[{\"text\":\"a\",\"count\":1,"
	  "\"first_seen\":1,\"last_seen\":1},{\"text\":\"a\",\"count\":1,"
	  "\"first_seen\":1,\"last_seen\":1}]}", KB_ERR_SCHEMA,
	  "questions[1]: repeated text" },
	{ "{\"version\":1,\"questions\":[{\"text\":\"a\",\"count\":1,"
	  "\"first_seen\":1,\"last_seen\":1},7]}", KB_ERR_SCHEMA,
	  "questions[1]" },
	{ "{\"version\":1,\"questions\":[{\"text\":\"a\",\"count\":1,"
	  "\"first_seen\":1,\"last_seen\":1,\"state\":\"done\"}]}",
	  KB_ERR_SCHEMA, "questions[0]: \"state\" must be" },
	{ "{\"version\":1,\"questions\":[{\"text\":\"a\",\"count\":1,"
	  "\"first_seen\":1,\"last_seen\":1,\"state\":1}]}",
	  KB_ERR_SCHEMA, "\"state\" must be" },
	{ "{\"version\":1,\"questions\":[{\"text\":\"a\",\"count\":1,"
	  "\"first_seen\":1,\"last_seen\":1,\"state\":\"ignored\","
	  "\"state_at\":-5}]}", KB_ERR_SCHEMA, "\"state_at\"" },
};

/* A corrupt file is refused with a reason and leaves the store empty. */
static void
test_load_corrupt(void **state)
{
	struct fixture *f = *state;
	struct kb_unanswered *u;
	char *cause;
	size_t i;
	int r;

	u = kb_unanswered_new(10);
	for (i = 0; i < sizeof bad_files / sizeof bad_files[0]; i++) {
		assert_int_equal(file_write_atomic(f->path,
		    bad_files[i].content, strlen(bad_files[i].content), 0600,
		    NULL), 0);
		rec(u, "before", 1);
		cause = NULL;
		r = kb_unanswered_load(u, f->path, &cause);
		if (r != bad_files[i].rc || cause == NULL ||
		    strstr(cause, bad_files[i].cause) == NULL ||
		    kb_unanswered_count(u) != 0)
			fail_msg("case %zu: rc %d, cause %s, count %zu", i, r,
			    cause ? cause : "(null)", kb_unanswered_count(u));
		free(cause);
	}
	kb_unanswered_free(u);
}

/* open: the file's questions, or an empty store and a reason. */
static void
test_open(void **state)
{
	struct fixture *f = *state;
	struct kb_unanswered *u;
	char *cause = (char *)1;

	u = kb_unanswered_open(f->path, &cause);
	assert_non_null(u);
	assert_null(cause);
	rec(u, "停水", 5);
	assert_int_equal(kb_unanswered_save(u, f->path, NULL), 0);
	kb_unanswered_free(u);
	u = kb_unanswered_open(f->path, &cause);
	assert_null(cause);
	assert_int_equal(kb_unanswered_count(u), 1);
	kb_unanswered_free(u);

	assert_int_equal(file_write_atomic(f->path, "{bad", 4, 0600, NULL),
	    0);
	u = kb_unanswered_open(f->path, &cause);
	assert_non_null(u);
	assert_non_null(cause);
	assert_int_equal(kb_unanswered_count(u), 0);
	free(cause);
	kb_unanswered_free(u);
	u = kb_unanswered_open(f->path, NULL);
	assert_non_null(u);
	kb_unanswered_free(u);
}

/* A file over the size cap is not read at all. */
static void
test_load_huge(void **state)
{
	struct fixture *f = *state;
	struct kb_unanswered *u;
	char *cause = NULL;
	FILE *fp;

	fp = fopen(f->path, "w");
	assert_non_null(fp);
	assert_int_equal(ftruncate(fileno(fp), KB_UNANSWERED_FILE_MAX + 1), 0);
	fclose(fp);
	u = kb_unanswered_new(10);
	assert_int_equal(kb_unanswered_load(u, f->path, &cause),
	    KB_ERR_TOOBIG);
	assert_non_null(cause);
	free(cause);
	assert_int_equal(kb_unanswered_count(u), 0);
	kb_unanswered_free(u);
}

static void
test_json(void **state)
{
	struct kb_unanswered *u;
	json_t *j, *q;

	(void)state;
	u = kb_unanswered_new(10);
	rec(u, "a", 1);
	rec(u, "b", 2);
	rec(u, "b", 3);
	j = kb_unanswered_json(u, 1);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "version")), 1);
	q = json_object_get(j, "questions");
	assert_int_equal(json_array_size(q), 1);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(q, 0), "text")), "b");
	assert_int_equal(json_integer_value(json_object_get(
	    json_array_get(q, 0), "count")), 2);
	json_decref(j);
	kb_unanswered_free(u);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_and_sort),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_long_text),
		cmocka_unit_test_setup_teardown(test_save_load, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_states, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_missing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_load_corrupt, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_load_huge, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_open, setup, teardown),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
