/*
 * fuzz_config — config_load() on a file holding the input.  The file is a
 * memfd opened by path, so nothing is written to disk; the WXKB_*
 * variables and CREDENTIALS_DIRECTORY are cleared first so that only the
 * file counts.  On success every rule of DESIGN.md "Configuration" holds
 * and validating again changes nothing; on failure the cause is one line.
 * http_split_hostport(), log_level_parse() and redis_url_parse() get the
 * raw input too.
 */
#include <sys/mman.h>

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/config.h"
#include "lib/http.h"
#include "lib/log.h"
#include "lib/redis.h"
#include "tests/fuzz/fuzz_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

extern char **environ;

static int	 cfg_fd = -1;
static char	 cfg_path[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	 name[256];
	size_t	 n;
	int	 again = 1;

	(void)argc;
	(void)argv;
	/* unsetenv() reshuffles environ: start over after each removal. */
	while (again) {
		char **e;

		again = 0;
		for (e = environ; *e != NULL; e++) {
			if (strncmp(*e, "WXKB_", 5) != 0 &&
			    strncmp(*e, "CREDENTIALS_DIRECTORY=", 22) != 0)
				continue;
			n = strcspn(*e, "=");
			if (n >= sizeof name)
				continue;
			memcpy(name, *e, n);
			name[n] = '\0';
			CHECK(unsetenv(name) == 0);
			again = 1;
			break;
		}
	}
	cfg_fd = memfd_create("fuzz_config", 0);
	CHECK(cfg_fd >= 0);
	snprintf(cfg_path, sizeof cfg_path, "/proc/self/fd/%d", cfg_fd);
	return 0;
}

static int
alnum(const char *s, size_t min, size_t max)
{
	size_t	n = strlen(s), i;

	if (n < min || n > max)
		return 0;
	for (i = 0; i < n; i++) {
		if (!isascii((unsigned char)s[i]) ||
		    !isalnum((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

static void
check_listen(const char *v)
{
	char	*host = NULL;
	int	 port = 0;

	CHECK(http_split_hostport(v, &host, &port) == 0);
	CHECK(host != NULL && *host != '\0');
	CHECK(port >= 1 && port <= 65535);
	free(host);
}

static void
check_config(struct config *cfg)
{
	static const char *const levels[] = {
		"debug", "info", "notice", "warning", "err",
	};
	struct config	 copy;
	size_t		 i;
	char		*cause = NULL;

	CHECK(strcmp(cfg->mode_name, config_mode_name(cfg->mode)) == 0);
	CHECK(alnum(cfg->token, 3, 32));
	CHECK(strlen(cfg->appid) <= 64);
	CHECK(strspn(cfg->appid, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == strlen(cfg->appid));
	if (cfg->mode != CONFIG_MODE_PLAIN) {
		CHECK(*cfg->appid != '\0');
		CHECK(alnum(cfg->aes_key, 43, 43));
	} else
		CHECK(*cfg->aes_key == '\0' || alnum(cfg->aes_key, 43, 43));
	check_listen(cfg->listen);
	if (*cfg->admin_listen != '\0') {
		check_listen(cfg->admin_listen);
		CHECK(strlen(cfg->admin_token) >= 16);
	}
	CHECK(cfg->path[0] == '/' && strlen(cfg->path) <= 256);
	CHECK(strpbrk(cfg->path, "?# \t\r\n") == NULL);
	CHECK(strncmp(cfg->api_base, "https://", 8) == 0 ||
	    strncmp(cfg->api_base, "http://", 7) == 0);
	CHECK(*cfg->kb != '\0' && *cfg->state_dir != '\0');
	CHECK(cfg->max_clock_skew >= 1 && cfg->max_clock_skew <= 86400);
	CHECK(cfg->workers >= 1 && cfg->workers <= 64);
	for (i = 0; i < sizeof levels / sizeof levels[0]; i++) {
		if (strcmp(cfg->log_level_name, levels[i]) == 0)
			break;
	}
	CHECK(i < sizeof levels / sizeof levels[0]);
	CHECK(cfg->log_level == log_level_parse(cfg->log_level_name));
	if (*cfg->redis != '\0') {
		CHECK(cfg->redis_prefix != NULL && *cfg->redis_prefix != '\0');
		CHECK(strlen(cfg->redis_prefix) <= 128);
		CHECK(cfg->workers == 1);
	} else
		CHECK(cfg->redis_prefix == NULL);

	/* Validation is a pure function of the strings. */
	copy = *cfg;
	CHECK(config_validate(cfg, &cause) == 0 && cause == NULL);
	CHECK(copy.mode == cfg->mode && copy.workers == cfg->workers &&
	    copy.max_clock_skew == cfg->max_clock_skew &&
	    copy.log_level == cfg->log_level);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	 cfg;
	char		*cause = NULL, *s, *host = NULL;
	int		 r, port = 0, lvl;

	CHECK(ftruncate(cfg_fd, 0) == 0);
	CHECK(size == 0 ||
	    pwrite(cfg_fd, data, size, 0) == (ssize_t)size);
	r = config_load(&cfg, cfg_path, &cause);
	if (r == 0) {
		CHECK(cause == NULL);
		check_config(&cfg);
	} else {
		CHECK(r == -1);
		CHECK(cause != NULL && *cause != '\0');
		CHECK(strchr(cause, '\n') == NULL);
	}
	free(cause);
	config_cleanup(&cfg);
	CHECK(cfg.token == NULL && cfg.aes_key == NULL && cfg.listen == NULL);

	/* The helpers alone, on the raw text. */
	s = strndup((const char *)data, size);
	CHECK(s != NULL);
	{
		struct redis_url u;
		char *why = NULL;

		if (redis_url_parse(s, &u, &why) == 0) {
			CHECK(why == NULL);
			CHECK((u.path != NULL) != (u.host != NULL));
			CHECK(u.path != NULL || (u.port >= 1 &&
			    u.port <= 65535 && u.db >= 0 && u.db <= 15));
			redis_url_cleanup(&u);
		} else
			CHECK(u.path == NULL && u.host == NULL);
		free(why);
	}
	if (http_split_hostport(s, &host, &port) == 0) {
		CHECK(host != NULL && *host != '\0');
		CHECK(port >= 1 && port <= 65535);
		free(host);
	}
	lvl = log_level_parse(s);
	CHECK(lvl == -1 || (lvl >= LOG_ERR && lvl <= LOG_DEBUG));
	free(s);
	return 0;
}
