/*
 * test_file — atomic replacement (mode, overwrite, failures that leave
 * the old file and no temporary behind) and capped reads.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "kb/kb.h"
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
	snprintf(f->dir, sizeof f->dir, "/tmp/test_file.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof f->path, "%s/kb.json", f->dir);
	*state = f;
	return 0;
}

/* Remove every file of the fixture dir, then the dir. */
static int
teardown(void **state)
{
	struct fixture *f = *state;
	struct dirent *de;
	char p[512];
	DIR *d;

	chmod(f->dir, 0700);
	d = opendir(f->dir);
	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof p, "%s/%s", f->dir, de->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Number of entries in dir besides . and .. */
static int
count_files(const char *dir)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	}
	closedir(d);
	return n;
}

static void
read_back(const char *path, const char *want)
{
	char *buf = NULL, *cause = NULL;
	size_t len;

	assert_int_equal(file_read(path, 1024, &buf, &len, &cause), 0);
	assert_null(cause);
	assert_int_equal(len, strlen(want));
	assert_string_equal(buf, want);
	free(buf);
}

static void
test_write_and_read(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	char *cause = NULL;

	assert_int_equal(file_write_atomic(f->path, "first", 5, 0600,
	    &cause), 0);
	assert_null(cause);
	read_back(f->path, "first");
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* Replace, with another mode: exactly that mode. */
	assert_int_equal(file_write_atomic(f->path, "second", 6, 0644,
	    &cause), 0);
	read_back(f->path, "second");
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);

	/* Empty data is a valid file. */
	assert_int_equal(file_write_atomic(f->path, "", 0, 0600, NULL), 0);
	read_back(f->path, "");
	/* Only the file itself: no temporary left behind. */
	assert_int_equal(count_files(f->dir), 1);
}

/* A directory that does not exist: an error naming it. */
static void
test_write_no_dir(void **state)
{
	struct fixture *f = *state;
	char path[256], *cause = NULL;

	snprintf(path, sizeof path, "%s/missing/kb.json", f->dir);
	assert_int_equal(file_write_atomic(path, "x", 1, 0600, &cause),
	    KB_ERR_IO);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "missing"));
	assert_non_null(strstr(cause, "No such file"));
	free(cause);
}

/*
 * An unwritable directory: the old file stays as it was.  Root writes
 * anywhere, so under root the write is made by a child that has dropped
 * to the nobody user.
 */
static void
test_write_unwritable_dir(void **state)
{
	struct fixture *f = *state;
	char *cause = NULL;
	pid_t pid;
	int status, r;

	assert_int_equal(file_write_atomic(f->path, "old", 3, 0644, NULL),
	    0);
	assert_int_equal(chmod(f->dir, 0555), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		if (geteuid() == 0 && (setgid(65534) == -1 ||
		    setuid(65534) == -1))
			_exit(77);	/* cannot drop privileges here */
		r = file_write_atomic(f->path, "new", 3, 0600, &cause);
		_exit(r == KB_ERR_IO && cause != NULL &&
		    strstr(cause, "Permission denied") != NULL ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) != 77)
		assert_int_equal(WEXITSTATUS(status), 0);
	chmod(f->dir, 0700);
	read_back(f->path, "old");
	assert_int_equal(count_files(f->dir), 1);
}

/*
 * A write that fails half-way (the file size limit stands in for a full
 * disk, and works as root too): the old file is intact and the temporary
 * file is removed.
 */
static void
test_write_fails_midway(void **state)
{
	struct fixture *f = *state;
	struct rlimit old, lim;
	char *data, *cause = NULL;
	void (*prev)(int);
	int r;

	assert_int_equal(file_write_atomic(f->path, "old", 3, 0600, NULL),
	    0);
	data = malloc(64 * 1024);
	assert_non_null(data);
	memset(data, 'n', 64 * 1024);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 4096;
	prev = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	r = file_write_atomic(f->path, data, 64 * 1024, 0600, &cause);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, prev);
	assert_int_equal(r, KB_ERR_IO);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "write"));
	free(cause);
	free(data);
	read_back(f->path, "old");
	assert_int_equal(count_files(f->dir), 1);
}

/* Renaming onto a directory fails: that directory is left alone. */
static void
test_write_onto_dir(void **state)
{
	struct fixture *f = *state;
	char *cause = NULL;

	assert_int_equal(mkdir(f->path, 0700), 0);
	assert_int_equal(file_write_atomic(f->path, "x", 1, 0600, &cause),
	    KB_ERR_IO);
	assert_non_null(strstr(cause, "rename"));
	free(cause);
	assert_int_equal(count_files(f->dir), 1);
	rmdir(f->path);
}

static void
test_read_errors(void **state)
{
	struct fixture *f = *state;
	char *buf = (char *)1, *cause = NULL;
	size_t len = 99;

	assert_int_equal(file_read(f->path, 100, &buf, &len, &cause),
	    KB_ERR_IO);
	assert_int_equal(errno, ENOENT);
	assert_null(buf);
	assert_int_equal(len, 0);
	assert_non_null(strstr(cause, "No such file"));
	free(cause);

	/* Over the cap. */
	assert_int_equal(file_write_atomic(f->path, "0123456789", 10, 0600,
	    NULL), 0);
	assert_int_equal(file_read(f->path, 9, &buf, &len, &cause),
	    KB_ERR_TOOBIG);
	assert_null(buf);
	assert_non_null(strstr(cause, "more than 9"));
	free(cause);
	/* At the cap. */
	assert_int_equal(file_read(f->path, 10, &buf, &len, NULL), 0);
	assert_int_equal(len, 10);
	assert_string_equal(buf, "0123456789");
	free(buf);

	/* A directory is not a file. */
	assert_int_equal(file_read(f->dir, 100, &buf, &len, &cause),
	    KB_ERR_IO);
	assert_non_null(strstr(cause, "not a regular file"));
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_and_read, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_write_no_dir, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_write_unwritable_dir,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_fails_midway, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_write_onto_dir, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_read_errors, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
