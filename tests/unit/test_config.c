/*
 * test_config — the configuration loader: file syntax, the order of the
 * sources (defaults < file < credentials < environment), every validation
 * rule, and that no secret ever reaches the error text.  Each test starts
 * with no WXKB_* variable and no CREDENTIALS_DIRECTORY in the environment.
 */
#include <sys/stat.h>

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/config.h"
#include "lib/http.h"
#include "lib/log.h"

extern char **environ;

#define TOK	"Tok3n"
#define ADM	"Adm1nTokenAdm1nX"		/* 16 characters */
#define AES43	"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
#define APPID	"wx1234567890abcdef"

/* A token and an admin token: the smallest file that validates. */
#define BASE	"WXKB_TOKEN=" TOK "\nWXKB_ADMIN_TOKEN=" ADM "\n"
#define COMPAT	BASE "WXKB_MODE=compat\nWXKB_APPID=" APPID "\n" \
		"WXKB_AES_KEY=" AES43 "\n"

#define MAXTMP	16

struct fixture {
	struct config	 cfg;
	char		*cause;
	char		*files[MAXTMP];	/* temp files to unlink */
	size_t		 nfiles;
	char		 credir[PATH_MAX];	/* "" when none */
};

static const char *cred_names[] = {
	"token", "aes_key", "appsecret", "admin_token", "appid",
	"redis_password"
};

static void
clean_env(void)
{
	char	*names[64];
	size_t	 n = 0, i, len;
	char	**e;

	for (e = environ; e != NULL && *e != NULL && n < 64; e++) {
		if (strncmp(*e, "WXKB_", 5) != 0)
			continue;
		len = strcspn(*e, "=");
		names[n] = strndup(*e, len);
		assert_non_null(names[n]);
		n++;
	}
	for (i = 0; i < n; i++) {
		assert_int_equal(unsetenv(names[i]), 0);
		free(names[i]);
	}
	unsetenv("CREDENTIALS_DIRECTORY");
}

static int
setup(void **state)
{
	struct fixture *f;

	clean_env();
	f = calloc(1, sizeof *f);
	if (f == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		 p[PATH_MAX + 32];
	size_t		 i;

	config_cleanup(&f->cfg);
	free(f->cause);
	for (i = 0; i < f->nfiles; i++) {
		unlink(f->files[i]);
		free(f->files[i]);
	}
	if (f->credir[0] != '\0') {
		for (i = 0; i < sizeof cred_names / sizeof cred_names[0];
		    i++) {
			snprintf(p, sizeof p, "%s/%s", f->credir,
			    cred_names[i]);
			unlink(p);
		}
		rmdir(f->credir);
	}
	free(f);
	clean_env();
	return 0;
}

static const char *
tmpdir(void)
{
	const char *d = getenv("TMPDIR");

	return d != NULL && *d != '\0' ? d : "/tmp";
}

/* Write len bytes to a new temp file; its path lives in the fixture. */
static const char *
write_tmp(struct fixture *f, const void *data, size_t len)
{
	char	*path;
	int	 fd;

	assert_true(f->nfiles < MAXTMP);
	assert_true(asprintf(&path, "%s/test_config.XXXXXX", tmpdir()) > 0);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	f->files[f->nfiles++] = path;
	return path;
}

static const char *
write_conf(struct fixture *f, const char *text)
{
	return write_tmp(f, text, strlen(text));
}

static void
make_credir(struct fixture *f)
{
	snprintf(f->credir, sizeof f->credir, "%s/test_config_cred.XXXXXX",
	    tmpdir());
	assert_non_null(mkdtemp(f->credir));
	assert_int_equal(setenv("CREDENTIALS_DIRECTORY", f->credir, 1), 0);
}

static void
write_cred(struct fixture *f, const char *name, const void *data,
    size_t len)
{
	char	 p[PATH_MAX + 32];
	FILE	*fp;

	snprintf(p, sizeof p, "%s/%s", f->credir, name);
	fp = fopen(p, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static int
load(struct fixture *f, const char *path)
{
	config_cleanup(&f->cfg);
	free(f->cause);
	f->cause = NULL;
	return config_load(&f->cfg, path, &f->cause);
}

static int
load_text(struct fixture *f, const char *text)
{
	return load(f, write_conf(f, text));
}

/* A failure's cause: present, one line, no base secret in it. */
static void
check_cause(const struct fixture *f, const char *secret)
{
	assert_non_null(f->cause);
	assert_true(strlen(f->cause) > 0);
	assert_null(strchr(f->cause, '\n'));
	assert_null(strstr(f->cause, TOK));
	assert_null(strstr(f->cause, ADM));
	assert_null(strstr(f->cause, AES43));
	if (secret != NULL && *secret != '\0')
		assert_null(strstr(f->cause, secret));
}

/* Defaults of DESIGN.md when only the required keys are given. */
static void
test_defaults(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load_text(f, BASE), 0);
	assert_null(f->cause);
	assert_string_equal(f->cfg.listen, "127.0.0.1:8080");
	assert_string_equal(f->cfg.path, "/wechat");
	assert_string_equal(f->cfg.token, TOK);
	assert_string_equal(f->cfg.appid, "");
	assert_string_equal(f->cfg.aes_key, "");
	assert_string_equal(f->cfg.mode_name, "plain");
	assert_int_equal(f->cfg.mode, CONFIG_MODE_PLAIN);
	assert_string_equal(f->cfg.appsecret, "");
	assert_string_equal(f->cfg.api_base, "https://api.weixin.qq.com");
	assert_string_equal(f->cfg.kb, "/var/lib/wxkbd/kb.json");
	assert_string_equal(f->cfg.state_dir, "/var/lib/wxkbd");
	assert_string_equal(f->cfg.admin_listen, "127.0.0.1:8081");
	assert_string_equal(f->cfg.admin_token, ADM);
	assert_int_equal(f->cfg.max_clock_skew, 300);
	assert_int_equal(f->cfg.log_level, LOG_INFO);
	assert_int_equal(f->cfg.workers, 1);
	assert_string_equal(f->cfg.timezone, "Asia/Shanghai");
	assert_string_equal(f->cfg.tz, "Asia/Shanghai");
}

/* Without tzdata the default zone still holds: China keeps no summer time. */
static void
test_timezone_without_tzdata(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(setenv("TZDIR", "/nonexistent", 1), 0);
	assert_int_equal(load_text(f, BASE), 0);
	assert_string_equal(f->cfg.tz, "CST-8");
	assert_int_equal(load_text(f, BASE "WXKB_TIMEZONE=Europe/Berlin\n"),
	    -1);
	assert_non_null(strstr(f->cause, "/nonexistent"));
	unsetenv("TZDIR");
}

/* Comments, blanks, indentation, both quotes, blanks around '='. */
static void
test_file_syntax(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load(f, "tests/data/config/full.conf"), 0);
	assert_null(f->cause);
	assert_string_equal(f->cfg.token, "Tok3nFromFile");
	assert_string_equal(f->cfg.appid, APPID);
	assert_string_equal(f->cfg.aes_key, AES43);
	assert_string_equal(f->cfg.mode_name, "safe");
	assert_int_equal(f->cfg.mode, CONFIG_MODE_SAFE);
	assert_string_equal(f->cfg.kb, "/srv/kb files/kb.json");
	assert_string_equal(f->cfg.state_dir, "/srv/state dir");
	assert_string_equal(f->cfg.admin_listen, "[::1]:9091");
	assert_string_equal(f->cfg.admin_token, ADM);
	assert_string_equal(f->cfg.max_clock_skew_text, "120");
	assert_int_equal(f->cfg.max_clock_skew, 120);
	assert_int_equal(f->cfg.log_level, LOG_DEBUG);
	assert_int_equal(f->cfg.workers, 4);
	assert_string_equal(f->cfg.tz, "Europe/Berlin");
	assert_string_equal(f->cfg.api_base, "http://127.0.0.1:18080");
	assert_string_equal(f->cfg.path, "/wx/callback");
	assert_string_equal(f->cfg.listen, "0.0.0.0:8088");
	assert_string_equal(f->cfg.appsecret, "");
}

/* CRLF line ends (a file edited on Windows) and a last line without \n. */
static void
test_file_crlf(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load_text(f, "# c\r\n\r\nWXKB_TOKEN=Tok3n\r\n"
	    "WXKB_KB=\"/a b\"\r\nWXKB_ADMIN_LISTEN=\r\nWXKB_WORKERS=2"), 0);
	assert_string_equal(f->cfg.token, TOK);
	assert_string_equal(f->cfg.kb, "/a b");
	assert_string_equal(f->cfg.admin_listen, "");
	assert_int_equal(f->cfg.workers, 2);
}

/* The later of two lines for one key wins; quotes keep inner quotes. */
static void
test_file_last_wins(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load_text(f, BASE "WXKB_KB=/one\nWXKB_KB=/two\n"
	    "WXKB_STATE_DIR=\"/it's\"\n"), 0);
	assert_string_equal(f->cfg.kb, "/two");
	assert_string_equal(f->cfg.state_dir, "/it's");
}

struct syntax_case {
	const char	*name;
	const char	*text;
	const char	*where;		/* ":line:" expected in the cause */
	const char	*what;		/* and this */
	const char	*secret;	/* never in the cause */
};

static const struct syntax_case syntax_cases[] = {
	{ "unbalanced double", BASE "WXKB_KB=\"/x\n", ":3:",
	    "WXKB_KB", NULL },
	{ "unbalanced single", BASE "WXKB_KB='/x\n", ":3:", "quote", NULL },
	{ "mismatched quotes", BASE "WXKB_KB=\"/x'\n", ":3:", "quote",
	    NULL },
	{ "lone quote", BASE "WXKB_KB=\"\n", ":3:", "quote", NULL },
	{ "secret unbalanced", "WXKB_TOKEN=\"S3cr3tTok\n", ":1:",
	    "WXKB_TOKEN", "S3cr3tTok" },
	{ "no equals", BASE "\nWXKB_TOKEN S3cr3tTok\n", ":4:",
	    "KEY=value", "S3cr3tTok" },
	{ "bare word", "# c\nS3cr3tTok\n" BASE, ":2:", "KEY=value",
	    "S3cr3tTok" },
	{ "unknown key", BASE "WXKB_TOKN=S3cr3tTok\n", ":3:",
	    "WXKB_TOKN", "S3cr3tTok" },
	{ "lower-case key", "wxkb_token=S3cr3tTok\n", ":1:", "unknown key",
	    "S3cr3tTok" },
	{ "export prefix", "export WXKB_TOKEN=S3cr3tTok\n", ":1:",
	    "unknown key", "S3cr3tTok" },
	{ "empty key", BASE "=S3cr3tTok\n", ":3:", "unknown key",
	    "S3cr3tTok" },
};

static void
test_file_syntax_errors(void **state)
{
	struct fixture	*f = *state;
	const char	*path;
	size_t		 i;

	for (i = 0; i < sizeof syntax_cases / sizeof syntax_cases[0]; i++) {
		const struct syntax_case *c = &syntax_cases[i];

		print_message("%s\n", c->name);
		path = write_conf(f, c->text);
		assert_int_equal(load(f, path), -1);
		check_cause(f, c->secret);
		/* file:line: the path, then the line number. */
		assert_ptr_equal(strstr(f->cause, path), f->cause);
		assert_ptr_equal(strstr(f->cause, c->where),
		    f->cause + strlen(path));
		assert_non_null(strstr(f->cause, c->what));
		unlink(path);
		free(f->files[--f->nfiles]);
	}
}

/* The checked-in fixtures fail the same way, with their file:line. */
static void
test_file_fixtures_errors(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load(f, "tests/data/config/unknown_key.conf"), -1);
	check_cause(f, NULL);
	assert_non_null(strstr(f->cause,
	    "tests/data/config/unknown_key.conf:3:"));
	assert_non_null(strstr(f->cause, "WXKB_TOKEN_FILE"));
	assert_null(strstr(f->cause, "/run/x"));

	assert_int_equal(load(f, "tests/data/config/unbalanced_quote.conf"),
	    -1);
	check_cause(f, NULL);
	assert_non_null(strstr(f->cause,
	    "tests/data/config/unbalanced_quote.conf:3:"));
	assert_non_null(strstr(f->cause, "WXKB_KB"));
	assert_non_null(strstr(f->cause, "quote"));
}

static void
test_file_nul(void **state)
{
	struct fixture	*f = *state;
	static const char text[] = "WXKB_TOKEN=Tok\0en\nWXKB_ADMIN_LISTEN=\n";
	const char	*path;

	path = write_tmp(f, text, sizeof text - 1);
	assert_int_equal(load(f, path), -1);
	check_cause(f, NULL);
	assert_non_null(strstr(f->cause, path));
	assert_non_null(strstr(f->cause, "NUL"));
}

/* A file of exactly 64 KiB loads; one byte more is refused. */
static void
test_file_size_limit(void **state)
{
	struct fixture	*f = *state;
	const size_t	 max = 64 * 1024;
	char		*buf;
	size_t		 head = strlen(BASE), i;
	const char	*path;

	buf = malloc(max + 1);
	assert_non_null(buf);
	memcpy(buf, BASE, head);
	for (i = head; i < max + 1; i++)
		buf[i] = (i - head) % 64 == 63 ? '\n' :
		    ((i - head) % 64 == 0 ? '#' : 'x');
	buf[max - 1] = '\n';

	path = write_tmp(f, buf, max);
	assert_int_equal(load(f, path), 0);
	assert_string_equal(f->cfg.token, TOK);

	path = write_tmp(f, buf, max + 1);
	assert_int_equal(load(f, path), -1);
	check_cause(f, NULL);
	assert_non_null(strstr(f->cause, path));
	assert_non_null(strstr(f->cause, "larger"));
	free(buf);
}

/* One value of 4096 bytes is accepted, 4097 refused (file and env). */
static void
test_value_size_limit(void **state)
{
	struct fixture	*f = *state;
	char		*text, *v;
	size_t		 i;

	v = malloc(4098);
	assert_non_null(v);
	v[0] = '/';
	for (i = 1; i < 4097; i++)
		v[i] = 'k';
	v[4096] = '\0';
	assert_true(asprintf(&text, BASE "WXKB_KB=%s\n", v) > 0);
	assert_int_equal(load_text(f, text), 0);
	assert_int_equal(strlen(f->cfg.kb), 4096);
	free(text);

	v[4096] = 'k';
	v[4097] = '\0';
	assert_true(asprintf(&text, BASE "WXKB_KB=%s\n", v) > 0);
	assert_int_equal(load_text(f, text), -1);
	check_cause(f, v);
	assert_non_null(strstr(f->cause, ":3:"));
	assert_non_null(strstr(f->cause, "WXKB_KB"));
	free(text);

	/* The same over-long value as a secret in the environment. */
	v[0] = 'T';
	assert_int_equal(setenv("WXKB_TOKEN", v, 1), 0);
	assert_int_equal(load_text(f, BASE), -1);
	check_cause(f, v);
	assert_non_null(strstr(f->cause, "WXKB_TOKEN"));
	free(v);
}

/* An explicit file must exist; its name is in the error. */
static void
test_file_missing(void **state)
{
	struct fixture	*f = *state;
	char		*path;

	assert_true(asprintf(&path, "%s/test_config.missing.%ld", tmpdir(),
	    (long)getpid()) > 0);
	unlink(path);
	assert_int_equal(load(f, path), -1);
	check_cause(f, NULL);
	assert_non_null(strstr(f->cause, path));
	free(path);
}

/* Without a cause pointer a failure is still a failure. */
static void
test_null_cause(void **state)
{
	struct fixture	*f = *state;
	const char	*path;

	path = write_conf(f, "WXKB_TOKEN=x\n");
	config_cleanup(&f->cfg);
	assert_int_equal(config_load(&f->cfg, path, NULL), -1);
	config_cleanup(&f->cfg);
	path = write_conf(f, "nonsense\n");
	assert_int_equal(config_load(&f->cfg, path, NULL), -1);
}

struct rule_case {
	const char	*name;
	const char	*text;
	const char	*key;		/* the cause starts with "KEY:" */
	const char	*rule;		/* and holds this */
	const char	*secret;	/* and never this */
};

#define AES42	"abcdefghijklmnopqrstuvwxyz0123456789ABCDEF"
#define AES44	AES43 "H"
#define AESBAD	"abcdefghijklmnopqrstuvwxyz0123456789ABCDE+/"

static const struct rule_case rule_cases[] = {
	{ "token missing", "WXKB_ADMIN_TOKEN=" ADM "\n", "WXKB_TOKEN",
	    "required", NULL },
	{ "token empty", BASE "WXKB_TOKEN=\n", "WXKB_TOKEN", "required",
	    NULL },
	{ "token bad char", BASE "WXKB_TOKEN=Sec-r3t\n", "WXKB_TOKEN",
	    "letters and digits", "Sec-r3t" },
	{ "token blank", BASE "WXKB_TOKEN=\"Sec r3t\"\n", "WXKB_TOKEN",
	    "letters and digits", "Sec r3t" },
	{ "token non-ascii", BASE "WXKB_TOKEN=Sec\xc3\xa9r3t\n",
	    "WXKB_TOKEN", "letters and digits", "Sec\xc3\xa9r3t" },
	{ "token too short", BASE "WXKB_TOKEN=Zq\n", "WXKB_TOKEN", "3-32",
	    "Zq" },
	{ "token too long", BASE "WXKB_TOKEN=Zq345678901234567890123456789"
	    "0123\n", "WXKB_TOKEN", "3-32",
	    "Zq3456789012345678901234567890123" },
	{ "aes 42 compat", COMPAT "WXKB_AES_KEY=" AES42 "\n",
	    "WXKB_AES_KEY", "43", AES42 },
	{ "aes 44 safe", COMPAT "WXKB_MODE=safe\nWXKB_AES_KEY=" AES44 "\n",
	    "WXKB_AES_KEY", "43", AES44 },
	{ "aes bad chars", COMPAT "WXKB_AES_KEY=" AESBAD "\n",
	    "WXKB_AES_KEY", "43", AESBAD },
	{ "aes missing compat", COMPAT "WXKB_AES_KEY=\n", "WXKB_AES_KEY",
	    "43", NULL },
	{ "aes missing safe", COMPAT "WXKB_MODE=safe\nWXKB_AES_KEY=\n",
	    "WXKB_AES_KEY", "43", NULL },
	{ "aes bad in plain", BASE "WXKB_AES_KEY=" AES42 "\n",
	    "WXKB_AES_KEY", "43", AES42 },
	{ "mode unknown", BASE "WXKB_MODE=secure\n", "WXKB_MODE",
	    "plain, compat or safe", NULL },
	{ "mode case", BASE "WXKB_MODE=Plain\n", "WXKB_MODE",
	    "plain, compat or safe", NULL },
	{ "mode empty", BASE "WXKB_MODE=\n", "WXKB_MODE",
	    "plain, compat or safe", NULL },
	{ "appid missing compat", COMPAT "WXKB_APPID=\n", "WXKB_APPID",
	    "required in compat", NULL },
	{ "appid missing safe", COMPAT "WXKB_MODE=safe\nWXKB_APPID=\n",
	    "WXKB_APPID", "required in safe", NULL },
	{ "appid bad chars", BASE "WXKB_APPID=wx 12\n", "WXKB_APPID",
	    "letters", NULL },
	{ "listen no port", BASE "WXKB_LISTEN=127.0.0.1\n", "WXKB_LISTEN",
	    "host:port", NULL },
	{ "listen no host", BASE "WXKB_LISTEN=:8080\n", "WXKB_LISTEN",
	    "host:port", NULL },
	{ "listen port 0", BASE "WXKB_LISTEN=127.0.0.1:0\n", "WXKB_LISTEN",
	    "1-65535", NULL },
	{ "listen port 65536", BASE "WXKB_LISTEN=127.0.0.1:65536\n",
	    "WXKB_LISTEN", "1-65535", NULL },
	{ "listen port text", BASE "WXKB_LISTEN=127.0.0.1:http\n",
	    "WXKB_LISTEN", "host:port", NULL },
	{ "listen bare v6", BASE "WXKB_LISTEN=::1:8080\n", "WXKB_LISTEN",
	    "[ipv6]:port", NULL },
	{ "listen empty", BASE "WXKB_LISTEN=\n", "WXKB_LISTEN", "host:port",
	    NULL },
	{ "admin listen bad", BASE "WXKB_ADMIN_LISTEN=localhost\n",
	    "WXKB_ADMIN_LISTEN", "host:port", NULL },
	{ "admin token missing", "WXKB_TOKEN=" TOK "\n", "WXKB_ADMIN_TOKEN",
	    "16", NULL },
	{ "admin token 15", BASE "WXKB_ADMIN_TOKEN=Sh0rtAdm1nT0ken\n",
	    "WXKB_ADMIN_TOKEN", "16", "Sh0rtAdm1nT0ken" },
	{ "path relative", BASE "WXKB_PATH=wechat\n", "WXKB_PATH", "'/'",
	    NULL },
	{ "path query", BASE "WXKB_PATH=/wechat?x=1\n", "WXKB_PATH", "'?'",
	    NULL },
	{ "api base scheme", BASE "WXKB_API_BASE=ftp://x\n",
	    "WXKB_API_BASE", "https://", NULL },
	{ "kb empty", BASE "WXKB_KB=\n", "WXKB_KB", "empty", NULL },
	{ "state dir empty", BASE "WXKB_STATE_DIR=\n", "WXKB_STATE_DIR",
	    "empty", NULL },
	{ "skew 0", BASE "WXKB_MAX_CLOCK_SKEW=0\n", "WXKB_MAX_CLOCK_SKEW",
	    "1 to 86400", NULL },
	{ "skew 86401", BASE "WXKB_MAX_CLOCK_SKEW=86401\n",
	    "WXKB_MAX_CLOCK_SKEW", "1 to 86400", NULL },
	{ "skew negative", BASE "WXKB_MAX_CLOCK_SKEW=-5\n",
	    "WXKB_MAX_CLOCK_SKEW", "1 to 86400", NULL },
	{ "skew plus", BASE "WXKB_MAX_CLOCK_SKEW=+5\n",
	    "WXKB_MAX_CLOCK_SKEW", "1 to 86400", NULL },
	{ "skew unit", BASE "WXKB_MAX_CLOCK_SKEW=300s\n",
	    "WXKB_MAX_CLOCK_SKEW", "1 to 86400", NULL },
	{ "skew empty", BASE "WXKB_MAX_CLOCK_SKEW=\n",
	    "WXKB_MAX_CLOCK_SKEW", "1 to 86400", NULL },
	{ "skew overflow", BASE "WXKB_MAX_CLOCK_SKEW="
	    "99999999999999999999999\n", "WXKB_MAX_CLOCK_SKEW", "1 to 86400",
	    NULL },
	{ "log level", BASE "WXKB_LOG_LEVEL=verbose\n", "WXKB_LOG_LEVEL",
	    "debug, info", NULL },
	{ "log level case", BASE "WXKB_LOG_LEVEL=INFO\n", "WXKB_LOG_LEVEL",
	    "debug, info", NULL },
	{ "log level empty", BASE "WXKB_LOG_LEVEL=\n", "WXKB_LOG_LEVEL",
	    "debug, info", NULL },
	{ "workers 0", BASE "WXKB_WORKERS=0\n", "WXKB_WORKERS", "1 to 64",
	    NULL },
	{ "workers 65", BASE "WXKB_WORKERS=65\n", "WXKB_WORKERS", "1 to 64",
	    NULL },
	{ "workers text", BASE "WXKB_WORKERS=four\n", "WXKB_WORKERS",
	    "1 to 64", NULL },
	{ "workers blank", BASE "WXKB_WORKERS=\" 2\"\n", "WXKB_WORKERS",
	    "1 to 64", NULL },
	{ "time zone unknown", BASE "WXKB_TIMEZONE=Asia/Atlantis\n",
	    "WXKB_TIMEZONE", "no time zone \"Asia/Atlantis\"", NULL },
	{ "time zone a path", BASE "WXKB_TIMEZONE=../../etc/passwd\n",
	    "WXKB_TIMEZONE", "such as Asia/Shanghai", NULL },
	{ "time zone absolute", BASE "WXKB_TIMEZONE=/etc/localtime\n",
	    "WXKB_TIMEZONE", "such as Asia/Shanghai", NULL },
	{ "time zone empty", BASE "WXKB_TIMEZONE=\n", "WXKB_TIMEZONE",
	    "such as Asia/Shanghai", NULL },
	{ "time zone a directory", BASE "WXKB_TIMEZONE=Asia\n",
	    "WXKB_TIMEZONE", "no time zone", NULL },
};

static void
test_rules(void **state)
{
	struct fixture	*f = *state;
	char		 prefix[64];
	size_t		 i;

	for (i = 0; i < sizeof rule_cases / sizeof rule_cases[0]; i++) {
		const struct rule_case *c = &rule_cases[i];

		print_message("%s\n", c->name);
		assert_int_equal(load_text(f, c->text), -1);
		check_cause(f, c->secret);
		snprintf(prefix, sizeof prefix, "%s:", c->key);
		assert_ptr_equal(strstr(f->cause, prefix), f->cause);
		assert_non_null(strstr(f->cause, c->rule));
		unlink(f->files[f->nfiles - 1]);
		free(f->files[--f->nfiles]);
	}
}

struct accept_case {
	const char	*name;
	const char	*text;
};

/* The edges of each rule, on the accepting side. */
static const struct accept_case accept_cases[] = {
	{ "token 3", BASE "WXKB_TOKEN=a1Z\n" },
	{ "token 32", BASE "WXKB_TOKEN=abcdefghijABCDEFGHIJ0123456789xy\n" },
	{ "compat", COMPAT },
	{ "safe", COMPAT "WXKB_MODE=safe\n" },
	{ "aes in plain", BASE "WXKB_AES_KEY=" AES43 "\n" },
	{ "appid dash", BASE "WXKB_APPID=wx_a-b\n" },
	{ "admin off, no token", "WXKB_TOKEN=" TOK "\nWXKB_ADMIN_LISTEN=\n" },
	{ "admin token 16", "WXKB_TOKEN=" TOK "\n"
	    "WXKB_ADMIN_TOKEN=0123456789abcdef\n" },
	{ "listen v6", BASE "WXKB_LISTEN=[::1]:8080\n" },
	{ "listen 65535", BASE "WXKB_LISTEN=localhost:65535\n" },
	{ "listen 1", BASE "WXKB_LISTEN=0.0.0.0:1\n" },
	{ "skew 1", BASE "WXKB_MAX_CLOCK_SKEW=1\n" },
	{ "skew 86400", BASE "WXKB_MAX_CLOCK_SKEW=86400\n" },
	{ "workers 64", BASE "WXKB_WORKERS=64\n" },
	{ "time zone UTC", BASE "WXKB_TIMEZONE=UTC\n" },
	{ "time zone with a sign", BASE "WXKB_TIMEZONE=Etc/GMT-8\n" },
	{ "api http", BASE "WXKB_API_BASE=http://127.0.0.1:1\n" },
};

static void
test_accept(void **state)
{
	struct fixture	*f = *state;
	size_t		 i;

	for (i = 0; i < sizeof accept_cases / sizeof accept_cases[0]; i++) {
		print_message("%s\n", accept_cases[i].name);
		assert_int_equal(load_text(f, accept_cases[i].text), 0);
		assert_null(f->cause);
		unlink(f->files[f->nfiles - 1]);
		free(f->files[--f->nfiles]);
	}
}

/* Each level name maps to its syslog priority. */
static void
test_log_levels(void **state)
{
	static const struct {
		const char	*name;
		int		 prio;
	} levels[] = {
		{ "debug", LOG_DEBUG }, { "info", LOG_INFO },
		{ "notice", LOG_NOTICE }, { "warning", LOG_WARNING },
		{ "err", LOG_ERR },
	};
	struct fixture	*f = *state;
	size_t		 i;

	for (i = 0; i < sizeof levels / sizeof levels[0]; i++) {
		assert_int_equal(setenv("WXKB_LOG_LEVEL", levels[i].name, 1),
		    0);
		assert_int_equal(load_text(f, BASE), 0);
		assert_int_equal(f->cfg.log_level, levels[i].prio);
		unlink(f->files[f->nfiles - 1]);
		free(f->files[--f->nfiles]);
	}
}

static void
test_modes(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load_text(f, COMPAT), 0);
	assert_int_equal(f->cfg.mode, CONFIG_MODE_COMPAT);
	assert_string_equal(config_mode_name(f->cfg.mode), "compat");
	assert_string_equal(config_mode_name(CONFIG_MODE_PLAIN), "plain");
	assert_string_equal(config_mode_name(CONFIG_MODE_SAFE), "safe");
}

/* The environment beats the file, even with an empty value. */
static void
test_env_overrides_file(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(setenv("WXKB_TOKEN", "EnvTok3n", 1), 0);
	assert_int_equal(setenv("WXKB_ADMIN_LISTEN", "", 1), 0);
	assert_int_equal(setenv("WXKB_WORKERS", "7", 1), 0);
	assert_int_equal(load_text(f, BASE "WXKB_WORKERS=3\n"
	    "WXKB_KB=/from/file\n"), 0);
	assert_string_equal(f->cfg.token, "EnvTok3n");
	assert_string_equal(f->cfg.admin_listen, "");
	assert_int_equal(f->cfg.workers, 7);
	assert_string_equal(f->cfg.kb, "/from/file");
}

/* A bad value from the environment is refused like one from the file. */
static void
test_env_invalid(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(setenv("WXKB_TOKEN", "Env-Secret", 1), 0);
	assert_int_equal(load_text(f, BASE), -1);
	check_cause(f, "Env-Secret");
	assert_ptr_equal(strstr(f->cause, "WXKB_TOKEN:"), f->cause);
}

/* Only WXKB_* names of the table count; others are not read. */
static void
test_env_unknown_ignored(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(setenv("WXKB_NO_SUCH_KEY", "x", 1), 0);
	assert_int_equal(setenv("TOKEN", "NotOurs", 1), 0);
	assert_int_equal(load_text(f, BASE), 0);
	assert_string_equal(f->cfg.token, TOK);
	unsetenv("TOKEN");
}

/* All four secrets from credentials, over the file; newline trimmed. */
static void
test_credentials(void **state)
{
	struct fixture *f = *state;

	make_credir(f);
	write_cred(f, "token", "CredTok3n\n", 10);
	write_cred(f, "aes_key", AES42 "Z\r\n", 45);
	write_cred(f, "appsecret", "cred-app-secret", 15);
	write_cred(f, "admin_token", "CredAdminToken0123\n", 19);
	/* Not a secret: an "appid" file must not be read. */
	write_cred(f, "appid", "wxFromCredential", 16);
	assert_int_equal(load_text(f, COMPAT "WXKB_APPSECRET=file\n"), 0);
	assert_string_equal(f->cfg.token, "CredTok3n");
	assert_string_equal(f->cfg.aes_key, AES42 "Z");
	assert_string_equal(f->cfg.appsecret, "cred-app-secret");
	assert_string_equal(f->cfg.admin_token, "CredAdminToken0123");
	assert_string_equal(f->cfg.appid, APPID);
}

/* A credential that is absent leaves the file's value alone. */
static void
test_credentials_partial(void **state)
{
	struct fixture *f = *state;

	make_credir(f);
	write_cred(f, "token", "CredTok3n", 9);
	assert_int_equal(load_text(f, BASE), 0);
	assert_string_equal(f->cfg.token, "CredTok3n");
	assert_string_equal(f->cfg.admin_token, ADM);
}

static void
test_env_overrides_credentials(void **state)
{
	struct fixture *f = *state;

	make_credir(f);
	write_cred(f, "token", "CredTok3n\n", 10);
	write_cred(f, "admin_token", "CredAdminToken0123\n", 19);
	assert_int_equal(setenv("WXKB_TOKEN", "EnvTok3n", 1), 0);
	assert_int_equal(load_text(f, BASE), 0);
	assert_string_equal(f->cfg.token, "EnvTok3n");
	assert_string_equal(f->cfg.admin_token, "CredAdminToken0123");
}

/* load_text() with what config logs captured; *out is malloc'ed. */
static int
load_logged(struct fixture *f, const char *text, char **out)
{
	size_t	 len = 0;
	FILE	*fp;
	int	 r;

	*out = NULL;
	fp = open_memstream(out, &len);
	assert_non_null(fp);
	log_init("test", LOG_INFO);
	log_set_stream(fp);
	r = load_text(f, text);
	log_set_stream(NULL);
	assert_int_equal(fclose(fp), 0);
	return r;
}

/*
 * An empty credential file overrides the configuration file's value (the
 * unit needs every file to exist) and a warning says so, naming the key
 * and the file but not the value it replaced.
 */
static void
test_credentials_empty_overrides(void **state)
{
	struct fixture	*f = *state;
	char		*out;

	make_credir(f);
	write_cred(f, "appsecret", "", 0);
	write_cred(f, "admin_token", "", 0);
	assert_int_equal(load_logged(f, BASE "WXKB_APPSECRET=FileSecret9\n"
	    "WXKB_ADMIN_LISTEN=\n", &out), 0);
	assert_string_equal(f->cfg.appsecret, "");
	assert_non_null(strstr(out, "event=config_override"));
	assert_non_null(strstr(out, "WXKB_APPSECRET: the empty credential "
	    "file"));
	assert_non_null(strstr(out, "/appsecret overrides the value"));
	assert_null(strstr(out, "FileSecret9"));
	assert_non_null(strstr(out, "WXKB_ADMIN_TOKEN: the empty"));
	assert_null(strstr(out, ADM));
	free(out);
}

/* An empty file where the configuration file had nothing: no warning. */
static void
test_credentials_empty_quiet(void **state)
{
	struct fixture	*f = *state;
	char		*out;

	make_credir(f);
	write_cred(f, "appsecret", "", 0);
	assert_int_equal(load_logged(f, BASE, &out), 0);
	assert_string_equal(out, "");
	free(out);
}

/* An empty CREDENTIALS_DIRECTORY means none. */
static void
test_credentials_empty_dir_var(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(setenv("CREDENTIALS_DIRECTORY", "", 1), 0);
	assert_int_equal(load_text(f, BASE), 0);
	assert_string_equal(f->cfg.token, TOK);
}

/* A credential fails validation like any value, without showing it. */
static void
test_credentials_invalid(void **state)
{
	struct fixture *f = *state;

	make_credir(f);
	write_cred(f, "admin_token", "Sh0rtCredT0ken\n", 15);
	assert_int_equal(load_text(f, BASE), -1);
	check_cause(f, "Sh0rtCredT0ken");
	assert_ptr_equal(strstr(f->cause, "WXKB_ADMIN_TOKEN:"), f->cause);
}

/* 4096 bytes (plus a newline) is the most a credential may hold. */
static void
test_credentials_too_long(void **state)
{
	struct fixture	*f = *state;
	char		*v;

	v = malloc(4098);
	assert_non_null(v);
	memset(v, 'C', 4097);
	v[4097] = '\0';
	make_credir(f);
	write_cred(f, "appsecret", v, 4097);
	assert_int_equal(load_text(f, BASE), -1);
	check_cause(f, v + 4097 - 64);
	assert_ptr_equal(strstr(f->cause, "WXKB_APPSECRET:"), f->cause);

	v[4096] = '\n';
	write_cred(f, "appsecret", v, 4097);
	assert_int_equal(load_text(f, BASE), 0);
	assert_int_equal(strlen(f->cfg.appsecret), 4096);
	free(v);
}

/* Cleanup frees and zeroes every field; a second cleanup is harmless. */
static void
test_cleanup(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load_text(f, BASE), 0);
	config_cleanup(&f->cfg);
	assert_null(f->cfg.token);
	assert_null(f->cfg.admin_token);
	assert_null(f->cfg.listen);
	assert_null(f->cfg.workers_text);
	config_cleanup(&f->cfg);
	/* The struct is reusable after cleanup. */
	assert_int_equal(load_text(f, COMPAT), 0);
	assert_int_equal(f->cfg.mode, CONFIG_MODE_COMPAT);
}

/* Every key appears in the usage text, secrets with their credential. */
static void
test_usage(void **state)
{
	static const char *keys[] = {
		"WXKB_LISTEN", "WXKB_PATH", "WXKB_TOKEN", "WXKB_APPID",
		"WXKB_AES_KEY", "WXKB_MODE", "WXKB_APPSECRET",
		"WXKB_API_BASE", "WXKB_KB", "WXKB_STATE_DIR",
		"WXKB_ADMIN_LISTEN", "WXKB_ADMIN_TOKEN",
		"WXKB_MAX_CLOCK_SKEW", "WXKB_LOG_LEVEL", "WXKB_WORKERS",
	};
	char	*buf = NULL;
	size_t	 len = 0, i;
	FILE	*fp;

	(void)state;
	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	config_usage(fp);
	assert_int_equal(fclose(fp), 0);
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		assert_non_null(strstr(buf, keys[i]));
	assert_non_null(strstr(buf, "[127.0.0.1:8080]"));
	assert_non_null(strstr(buf, "credential \"admin_token\""));
	free(buf);
}

struct hp_case {
	const char	*in;
	int		 ok;
	const char	*host;
	int		 port;
};

static const struct hp_case hp_cases[] = {
	{ "127.0.0.1:8080", 1, "127.0.0.1", 8080 },
	{ "localhost:1", 1, "localhost", 1 },
	{ "example.org:65535", 1, "example.org", 65535 },
	{ "[::1]:8081", 1, "::1", 8081 },
	{ "[fe80::1%eth0]:443", 1, "fe80::1%eth0", 443 },
	{ "0.0.0.0:080", 1, "0.0.0.0", 80 },
	{ "", 0, NULL, 0 },
	{ ":", 0, NULL, 0 },
	{ ":80", 0, NULL, 0 },
	{ "host", 0, NULL, 0 },
	{ "host:", 0, NULL, 0 },
	{ "host:0", 0, NULL, 0 },
	{ "host:65536", 0, NULL, 0 },
	{ "host:-1", 0, NULL, 0 },
	{ "host:+80", 0, NULL, 0 },
	{ "host: 80", 0, NULL, 0 },
	{ "host:80 ", 0, NULL, 0 },
	{ "host:8o", 0, NULL, 0 },
	{ "host:99999999999999999999", 0, NULL, 0 },
	{ "::1:80", 0, NULL, 0 },
	{ "[::1]", 0, NULL, 0 },
	{ "[::1]:", 0, NULL, 0 },
	{ "[]:80", 0, NULL, 0 },
	{ "[::1]:80:81", 0, NULL, 0 },
	{ "[::1:80", 0, NULL, 0 },
};

static void
test_split_hostport(void **state)
{
	char	*host;
	int	 port;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof hp_cases / sizeof hp_cases[0]; i++) {
		const struct hp_case *c = &hp_cases[i];

		print_message("\"%s\"\n", c->in);
		host = NULL;
		port = -1;
		if (!c->ok) {
			assert_int_equal(http_split_hostport(c->in, &host,
			    &port), -1);
			assert_null(host);
			continue;
		}
		assert_int_equal(http_split_hostport(c->in, &host, &port),
		    0);
		assert_non_null(host);
		assert_string_equal(host, c->host);
		assert_int_equal(port, c->port);
		free(host);
	}
}

/* WXKB_REDIS: off by default, URL checked, prefix derived, one loop. */
static void
test_redis(void **state)
{
	struct fixture *f = *state;
	static const char *bad[] = {
		"redis.example:6379", "unix:relative.sock",
		"redis://user:pw@127.0.0.1", "redis://127.0.0.1:0",
		"redis://127.0.0.1:6379/16", "redis://",
	};
	char text[256];
	size_t i;

	assert_int_equal(load_text(f, BASE), 0);
	assert_string_equal(f->cfg.redis, "");
	assert_null(f->cfg.redis_prefix);

	assert_int_equal(load_text(f, COMPAT
	    "WXKB_REDIS=unix:/run/redis/redis.sock\n"), 0);
	assert_string_equal(f->cfg.redis_prefix, "wxkbd:" APPID ":");
	assert_int_equal(load_text(f, BASE "WXKB_REDIS=redis://10.0.0.5:6380/2"
	    "\nWXKB_REDIS_PREFIX=gov:wgz:\n"), 0);
	assert_string_equal(f->cfg.redis_prefix, "gov:wgz:");

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, BASE "WXKB_REDIS=%s\n", bad[i]);
		print_message("%s\n", bad[i]);
		assert_int_equal(load_text(f, text), -1);
		check_cause(f, "pw");
		assert_non_null(strstr(f->cause, "WXKB_REDIS"));
	}
	assert_int_equal(load_text(f, BASE "WXKB_REDIS=unix:/r.sock\n"
	    "WXKB_WORKERS=2\n"), -1);
	assert_non_null(strstr(f->cause, "WXKB_WORKERS"));
	assert_int_equal(load_text(f, BASE "WXKB_REDIS=unix:/r.sock\n"
	    "WXKB_REDIS_PREFIX=has space\n"), -1);
	assert_non_null(strstr(f->cause, "WXKB_REDIS_PREFIX"));

	/* The password comes as a credential and never shows in errors. */
	make_credir(f);
	write_cred(f, "redis_password", "S3cretRedisPw\n", 14);
	assert_int_equal(load_text(f, BASE "WXKB_REDIS=unix:/r.sock\n"), 0);
	assert_string_equal(f->cfg.redis_password, "S3cretRedisPw");
	assert_int_equal(load_text(f, BASE "WXKB_REDIS=redis://h:1/99\n"),
	    -1);
	check_cause(f, "S3cretRedisPw");
}

#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_defaults),
		T(test_timezone_without_tzdata),
		T(test_file_syntax),
		T(test_file_crlf),
		T(test_file_last_wins),
		T(test_file_syntax_errors),
		T(test_file_fixtures_errors),
		T(test_file_nul),
		T(test_file_size_limit),
		T(test_value_size_limit),
		T(test_file_missing),
		T(test_null_cause),
		T(test_rules),
		T(test_accept),
		T(test_log_levels),
		T(test_modes),
		T(test_env_overrides_file),
		T(test_env_invalid),
		T(test_env_unknown_ignored),
		T(test_credentials),
		T(test_credentials_partial),
		T(test_env_overrides_credentials),
		T(test_credentials_empty_dir_var),
		T(test_credentials_empty_overrides),
		T(test_credentials_empty_quiet),
		T(test_credentials_invalid),
		T(test_credentials_too_long),
		T(test_cleanup),
		T(test_usage),
		T(test_split_hostport),
		T(test_redis),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
