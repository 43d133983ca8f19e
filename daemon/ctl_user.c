/*
 * ctl_user — `wxkbctl user add|passwd|del|list`: the staff accounts of the
 * admin page in the state directory's users.json.  The password is read
 * from the terminal without echo (twice), or as one line from standard
 * input when that is not a terminal (for scripts).  wxkbd notices the
 * changed file by itself.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "daemon/config.h"
#include "daemon/ctl.h"
#include "daemon/passwd.h"
#include "daemon/users.h"

#define CTL_USER_MIN_PASSWORD 8	/* bytes */

static int
ctl_user_usage(void)
{
	fprintf(stderr, "usage: wxkbctl user add NAME [--role editor|"
	    "publisher]\n       wxkbctl user passwd NAME [--role ROLE]\n"
	    "       wxkbctl user del NAME\n       wxkbctl user list\n");
	return 2;
}

/* One line of fp into buf without its newline: length, or -1. */
static long
ctl_user_line(FILE *fp, char *buf, size_t size)
{
	size_t n;

	if (fgets(buf, (int)size, fp) == NULL)
		return -1;
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (!feof(fp))
		return -1;	/* longer than the buffer: refused, not cut */
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return (long)n;
}

/* prompt, then a line of the terminal with echo off: length or -1. */
static long
ctl_user_ask(const char *prompt, char *buf, size_t size)
{
	struct termios old, quiet;
	long n;

	fputs(prompt, stderr);
	fflush(stderr);
	if (tcgetattr(STDIN_FILENO, &old) != 0)
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0)
		return -1;
	n = ctl_user_line(stdin, buf, size);
	(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	return n;
}

/* The new password into buf: its length, or -1 after saying why. */
static long
ctl_user_password(const char *name, char *buf, size_t size)
{
	char again[PASSWD_MAX + 2], prompt[128];
	long n;

	if (!isatty(STDIN_FILENO)) {
		n = ctl_user_line(stdin, buf, size);
	} else {
		snprintf(prompt, sizeof prompt, "新密码 (new password) for "
		    "%s: ", name);
		n = ctl_user_ask(prompt, buf, size);
		if (n >= 0 && (ctl_user_ask("再输一次 (again): ", again,
		    sizeof again) != n || strcmp(again, buf) != 0)) {
			fprintf(stderr, "wxkbctl: the two passwords differ\n");
			n = -2;
		}
		memset(again, 0, sizeof again);
	}
	if (n == -2)
		return -1;
	if (n < 0 || n > PASSWD_MAX) {
		fprintf(stderr, "wxkbctl: no password read (one line of at "
		    "most %d bytes)\n", PASSWD_MAX);
		return -1;
	}
	if (n < CTL_USER_MIN_PASSWORD) {
		fprintf(stderr, "wxkbctl: the password must have at least %d "
		    "characters\n", CTL_USER_MIN_PASSWORD);
		return -1;
	}
	return n;
}

/* Set e's hash from a password read: 0, or -1 after saying why. */
static int
ctl_user_set_password(struct users_entry *e)
{
	char pw[PASSWD_MAX + 2];
	long n;
	int r = 0;

	n = ctl_user_password(e->name, pw, sizeof pw);
	if (n < 0)
		r = -1;
	else if (passwd_hash(pw, (size_t)n, PASSWD_ITERATIONS,
	    e->hash) != 0) {
		fprintf(stderr, "wxkbctl: cannot hash the password (no "
		    "random bytes?)\n");
		r = -1;
	}
	memset(pw, 0, sizeof pw);
	return r;
}

static void
ctl_user_list(const struct users *u)
{
	size_t i;

	for (i = 0; i < u->n; i++)
		printf("%s\t%s\n", u->e[i].name, users_role_name(u->e[i].role));
}

int
ctl_user(const struct config *cfg, int argc, char **argv)
{
	struct users *u = NULL;
	struct users_entry *e;
	struct stat st;
	enum users_role role = USERS_EDITOR;
	const char *verb, *name = NULL;
	char *path = NULL, *cause = NULL;
	int i, has_role = 0, r = 1;

	if (argc < 2)
		return ctl_user_usage();
	verb = argv[1];
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--role") == 0 && i + 1 < argc) {
			if (users_role_parse(argv[++i], &role) != 0) {
				fprintf(stderr, "wxkbctl: --role must be "
				    "editor or publisher\n");
				return 2;
			}
			has_role = 1;
		} else if (argv[i][0] != '-' && name == NULL)
			name = argv[i];
		else
			return ctl_user_usage();
	}
	if (strcmp(verb, "list") == 0 ? name != NULL || has_role :
	    name == NULL || (strcmp(verb, "del") == 0 && has_role))
		return ctl_user_usage();
	if (name != NULL && !users_name_ok(name)) {
		fprintf(stderr, "wxkbctl: \"%s\" cannot name an account: 1 to "
		    "%d bytes of UTF-8, no spaces or quotes, not \"%s\"\n",
		    name, USERS_NAME_MAX, USERS_TOKEN_NAME);
		return 2;
	}
	if (*cfg->state_dir == '\0') {
		fprintf(stderr, "wxkbctl: WXKB_STATE_DIR is empty\n");
		return 1;
	}
	u = calloc(1, sizeof *u);
	path = users_path(cfg->state_dir);
	if (u == NULL || path == NULL) {
		fprintf(stderr, "wxkbctl: out of memory\n");
		goto out;
	}
	if (users_load(u, path, &cause) != 0) {
		fprintf(stderr, "wxkbctl: %s\n", cause);
		goto out;
	}
	e = name != NULL ? users_find(u, name) : NULL;
	if (strcmp(verb, "list") == 0) {
		ctl_user_list(u);
		r = 0;
		goto out;
	} else if (strcmp(verb, "add") == 0) {
		if (e != NULL) {
			fprintf(stderr, "wxkbctl: %s already exists (wxkbctl "
			    "user passwd %s to set a new password)\n", name,
			    name);
			goto out;
		}
		if (u->n == USERS_MAX) {
			fprintf(stderr, "wxkbctl: already %d accounts\n",
			    USERS_MAX);
			goto out;
		}
		e = &u->e[u->n];
		memset(e, 0, sizeof *e);
		snprintf(e->name, sizeof e->name, "%s", name);
		e->role = role;
		if (ctl_user_set_password(e) != 0)
			goto out;
		u->n++;
	} else if (strcmp(verb, "passwd") == 0) {
		if (e == NULL) {
			fprintf(stderr, "wxkbctl: no account %s\n", name);
			goto out;
		}
		if (has_role)
			e->role = role;
		if (ctl_user_set_password(e) != 0)
			goto out;
	} else if (strcmp(verb, "del") == 0) {
		if (users_del(u, name) != 0) {
			fprintf(stderr, "wxkbctl: no account %s\n", name);
			goto out;
		}
	} else {
		r = ctl_user_usage();
		goto out;
	}
	if (mkdir(cfg->state_dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "wxkbctl: %s: %s\n", cfg->state_dir,
		    strerror(errno));
		goto out;
	}
	if (users_save(u, path, &cause) != 0) {
		fprintf(stderr, "wxkbctl: %s\n", cause);
		goto out;
	}
	/* Run as root, the file goes to the daemon's (dynamic) user. */
	if (stat(cfg->state_dir, &st) == 0 && geteuid() == 0 &&
	    st.st_uid != 0 && chown(path, st.st_uid, st.st_gid) != 0) {
		fprintf(stderr, "wxkbctl: %s: %s\n", path, strerror(errno));
		goto out;
	}
	r = 0;
out:
	free(cause);
	free(path);
	if (u != NULL)
		memset(u, 0, sizeof *u);
	free(u);
	return r;
}
