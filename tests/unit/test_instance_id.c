/*
 * test_instance_id — the instance id of the state dir: made once with
 * mode 0600 and kept across loads, distinct per dir, and a file that
 * holds anything else refused, not replaced.
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

#include "daemon/instance_id.h"
#include "lib/file.h"

struct fixture {
	char	 dir[64];
	char	 path[128];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/test_instance_id.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof f->path, "%s/%s", f->dir, INSTANCE_ID_FILE);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (rmdir(f->path) != 0)
		unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static char *
file_text(const char *path)
{
	char *buf = NULL;
	size_t len = 0;

	assert_int_equal(file_read(path, 4096, &buf, &len, NULL), 0);
	return buf;
}

static void
put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void
test_valid(void **state)
{
	(void)state;
	assert_true(instance_id_valid("0123456789abcdef0123456789abcdef",
	    32));
	assert_false(instance_id_valid("0123456789abcdef0123456789abcde",
	    31));
	assert_false(instance_id_valid("0123456789abcdef0123456789abcdef0",
	    33));
	assert_false(instance_id_valid("0123456789ABCDEF0123456789abcdef",
	    32));
	assert_false(instance_id_valid("0123456789abcdef0123456789abcdeg",
	    32));
	assert_false(instance_id_valid("", 0));
}

static void
test_made_once_and_kept(void **state)
{
	struct fixture *f = *state;
	char id[INSTANCE_ID_LEN + 1], again[INSTANCE_ID_LEN + 1];
	char *cause = NULL, *text, line[INSTANCE_ID_LEN + 2];
	struct stat st;

	assert_int_equal(instance_id_load(f->dir, id, &cause), 0);
	assert_null(cause);
	assert_true(instance_id_valid(id, strlen(id)));
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	text = file_text(f->path);
	snprintf(line, sizeof line, "%s\n", id);
	assert_string_equal(text, line);
	free(text);

	assert_int_equal(instance_id_load(f->dir, again, &cause), 0);
	assert_string_equal(again, id);
}

static void
test_distinct_per_dir(void **state)
{
	struct fixture *f = *state;
	char id[INSTANCE_ID_LEN + 1], other[INSTANCE_ID_LEN + 1];
	char *cause = NULL;

	assert_int_equal(instance_id_load(f->dir, id, &cause), 0);
	unlink(f->path);
	assert_int_equal(instance_id_load(f->dir, other, &cause), 0);
	assert_string_not_equal(id, other);
}

static void
test_refused_not_replaced(void **state)
{
	static const char *bad[] = {
		"hello\n",
		"0123456789ABCDEF0123456789ABCDEF\n",
		"0123456789abcdef0123456789abcde\n",
		"0123456789abcdef0123456789abcdef0\n",
		" 0123456789abcdef0123456789abcdef\n",
		"",
	};
	struct fixture *f = *state;
	char id[INSTANCE_ID_LEN + 1], *cause, *text;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		put(f->path, bad[i]);
		cause = NULL;
		assert_int_equal(instance_id_load(f->dir, id, &cause), -1);
		assert_non_null(cause);
		assert_non_null(strstr(cause, f->path));
		assert_non_null(strstr(cause, "remove it"));
		free(cause);
		text = file_text(f->path);
		assert_string_equal(text, bad[i]);
		free(text);
	}
}

static void
test_unreadable(void **state)
{
	struct fixture *f = *state;
	char id[INSTANCE_ID_LEN + 1], *cause = NULL, missing[160];

	/* A directory where the file should be. */
	assert_int_equal(mkdir(f->path, 0700), 0);
	assert_int_equal(instance_id_load(f->dir, id, &cause), -1);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "cannot be read"));
	free(cause);
	assert_int_equal(rmdir(f->path), 0);

	/* A state dir that does not exist: nothing to write into. */
	snprintf(missing, sizeof missing, "%s/none", f->dir);
	cause = NULL;
	assert_int_equal(instance_id_load(missing, id, &cause), -1);
	assert_non_null(cause);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test_setup_teardown(test_made_once_and_kept, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_distinct_per_dir, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refused_not_replaced,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
