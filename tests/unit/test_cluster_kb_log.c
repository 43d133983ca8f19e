/*
 * test_cluster_kb_log — one change of the cluster's knowledge-base
 * history as Redis keeps it: what the saving instance writes is read back
 * by the others as it was, and every malformed element (as a broken or
 * hostile Redis could hand back) is refused, never half-read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/cluster_kb_log.h"
#include "kb/kb.h"
#include "kb/kb_history.h"

#define OLD_DOC	"{\"version\":1,\"items\":[]}"

/* The element the save script makes of a note and the version replaced. */
static char *
element(const struct kb_history_entry *note, int64_t old_rev,
    const char *old, size_t *len)
{
	char *n, *e;
	size_t nl;

	n = cluster_kb_log_note(note, old_rev, &nl);
	assert_non_null(n);
	assert_null(memchr(n + strcspn(n, "\n") + 1, '\n',
	    nl - strcspn(n, "\n") - 1));
	assert_int_not_equal(asprintf(&e, "%s\n%s", n, old), -1);
	free(n);
	*len = strlen(e);
	return e;
}

static void
test_round_trip(void **state)
{
	struct kb_history_entry in, out;
	const char *old;
	size_t len, old_len;
	int64_t old_rev;
	char *e;

	(void)state;
	memset(&in, 0, sizeof in);
	in.revision = 42;
	in.saved = 1795000000;
	snprintf(in.action, sizeof in.action, "restore");
	snprintf(in.item, sizeof in.item, "office-hours");
	snprintf(in.by, sizeof in.by, "王小二\n\"quoted\"");
	in.restored = 17;
	e = element(&in, 41, OLD_DOC, &len);
	assert_memory_equal(e, "42\n{", 4);
	assert_int_equal(cluster_kb_log_parse(e, len, &out, &old_rev, &old,
	    &old_len), 0);
	assert_int_equal(out.revision, 42);
	assert_int_equal(out.saved, 1795000000);
	assert_string_equal(out.action, "restore");
	assert_string_equal(out.item, "office-hours");
	assert_string_equal(out.by, "王小二\n\"quoted\"");
	assert_int_equal(out.restored, 17);
	assert_int_equal(old_rev, 41);
	assert_int_equal(old_len, strlen(OLD_DOC));
	assert_memory_equal(old, OLD_DOC, old_len);
	free(e);
}

/* Each must be refused. */
static void
test_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"\n",
		"42",
		"42\n",
		"42\n{\"revision\":42,\"saved\":1,\"action\":\"update\","
		    "\"old\":41}",				/* no version */
		"42\n{\"revision\":42,\"saved\":1,\"action\":\"update\","
		    "\"old\":41}\n",				/* empty version */
		"x42\n{\"revision\":42,\"saved\":1,\"action\":\"update\","
		    "\"old\":41}\n{}",
		"-42\n{\"revision\":-42,\"saved\":1,\"action\":\"update\","
		    "\"old\":1}\n{}",
		"0\n{\"revision\":0,\"saved\":1,\"action\":\"update\","
		    "\"old\":0}\n{}",
		"43\n{\"revision\":42,\"saved\":1,\"action\":\"update\","
		    "\"old\":41}\n{}",				/* prefix lies */
		"42\n{\"revision\":42,\"saved\":1,\"action\":\"update\","
		    "\"old\":42}\n{}",				/* old not older */
		"42\n{\"revision\":42,\"saved\":1,\"action\":\"update\","
		    "\"old\":-1}\n{}",
		"42\n{\"revision\":42,\"saved\":1,\"action\":\"update\","
		    "\"old\":\"41\"}\n{}",
		"42\n{\"revision\":42,\"saved\":1,\"action\":\"update\"}\n{}",
		"42\n{\"revision\":42,\"saved\":1,\"action\":\"rm -rf\","
		    "\"old\":41}\n{}",				/* unknown action */
		"42\n{\"revision\":42,\"saved\":-1,\"action\":\"update\","
		    "\"old\":41}\n{}",
		"42\n{\"revision\":42,\"revision\":43,\"saved\":1,"
		    "\"action\":\"update\",\"old\":41}\n{}",	/* duplicate */
		"42\n[42]\n{}",
		"42\nnot json\n{}",
		"99999999999999999999\n{\"revision\":1,\"saved\":1,"
		    "\"action\":\"update\",\"old\":0}\n{}",	/* too long */
	};
	struct kb_history_entry note;
	const char *old;
	size_t i, old_len;
	int64_t old_rev;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (cluster_kb_log_parse(bad[i], strlen(bad[i]), &note,
		    &old_rev, &old, &old_len) != -1)
			fail_msg("accepted bad[%zu]: %s", i, bad[i]);
	}
}

/* A note longer than any real one is refused before it is parsed. */
static void
test_note_too_long(void **state)
{
	struct kb_history_entry note;
	const char *old;
	size_t old_len, len, n;
	int64_t old_rev;
	char *e;

	(void)state;
	n = CLUSTER_KB_LOG_NOTE_MAX + 64;
	e = malloc(n + 16);
	assert_non_null(e);
	len = (size_t)snprintf(e, 64, "42\n{\"revision\":42,\"saved\":1,"
	    "\"action\":\"update\",\"old\":41,\"x\":\"");
	memset(e + len, 'a', n - len);
	memcpy(e + n, "\"}\n{}", 5);
	len = n + 5;
	assert_int_equal(cluster_kb_log_parse(e, len, &note, &old_rev, &old,
	    &old_len), -1);
	free(e);
}

/* Fields too long for the history are left empty, the rest kept. */
static void
test_long_fields(void **state)
{
	struct kb_history_entry note;
	const char *old;
	size_t old_len, len;
	int64_t old_rev;
	char e[512], by[KB_HISTORY_BY_MAX + 8];

	(void)state;
	memset(by, 'b', sizeof by - 1);
	by[sizeof by - 1] = '\0';
	len = (size_t)snprintf(e, sizeof e, "42\n{\"revision\":42,\"saved\":1,"
	    "\"action\":\"delete\",\"item\":\"gone\",\"by\":\"%s\",\"old\":7}"
	    "\n{}", by);
	assert_int_equal(cluster_kb_log_parse(e, len, &note, &old_rev, &old,
	    &old_len), 0);
	assert_string_equal(note.by, "");
	assert_string_equal(note.item, "gone");
	assert_int_equal(old_rev, 7);
	assert_int_equal(old_len, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_note_too_long),
		cmocka_unit_test(test_long_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
