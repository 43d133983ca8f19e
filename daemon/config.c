/*
 * config — load, override and validate wxkbd's configuration.  The table
 * below is the only place a key, its default and its rule are written.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "daemon/config.h"
#include "lib/cause.h"
#include "lib/http.h"
#include "lib/log.h"
#include "lib/redis.h"

#define CONFIG_MAX_FILE		(64 * 1024)
#define CONFIG_MAX_VALUE	4096

/* Where a key's value may also come from. */
enum config_flag {
	CONFIG_SECRET = 0x1,	/* never printed; wiped on cleanup */
};

struct config_key {
	const char	*name;
	size_t		 offset;	/* of the char * in struct config */
	const char	*def;		/* NULL: no default */
	int		 flags;
	const char	*credential;	/* file in $CREDENTIALS_DIRECTORY */
	const char	*help;
};

#define F(m) offsetof(struct config, m)
static const struct config_key config_keys[] = {
	{ "WXKB_LISTEN", F(listen), "127.0.0.1:8080", 0, NULL,
	  "public listener host:port (behind the TLS proxy)" },
	{ "WXKB_PATH", F(path), "/wechat", 0, NULL,
	  "callback path set on the WeChat platform" },
	{ "WXKB_TOKEN", F(token), NULL, CONFIG_SECRET, "token",
	  "platform Token, 3-32 letters and digits (required)" },
	{ "WXKB_APPID", F(appid), "", 0, NULL,
	  "AppID (required for compat/safe and the API)" },
	{ "WXKB_AES_KEY", F(aes_key), "", CONFIG_SECRET, "aes_key",
	  "43-character EncodingAESKey (required for compat/safe)" },
	{ "WXKB_MODE", F(mode_name), "plain", 0, NULL,
	  "plain, compat or safe, as set on the platform" },
	{ "WXKB_APPSECRET", F(appsecret), "", CONFIG_SECRET, "appsecret",
	  "AppSecret for the active API (empty: API off)" },
	{ "WXKB_API_BASE", F(api_base), "https://api.weixin.qq.com", 0, NULL,
	  "base URL of the WeChat API" },
	{ "WXKB_KB", F(kb), "/var/lib/wxkbd/kb.json", 0, NULL,
	  "the live knowledge-base file" },
	{ "WXKB_STATE_DIR", F(state_dir), "/var/lib/wxkbd", 0, NULL,
	  "token cache, statistics, knowledge-base history" },
	{ "WXKB_ADMIN_LISTEN", F(admin_listen), "127.0.0.1:8081", 0, NULL,
	  "admin API, admin page and /metrics (empty: off)" },
	{ "WXKB_ADMIN_TOKEN", F(admin_token), "", CONFIG_SECRET,
	  "admin_token", "bearer token of the admin API" },
	{ "WXKB_MAX_CLOCK_SKEW", F(max_clock_skew_text), "300", 0, NULL,
	  "seconds a callback's timestamp may differ from now" },
	{ "WXKB_LOG_LEVEL", F(log_level_name), "info", 0, NULL,
	  "debug, info, notice, warning or err" },
	{ "WXKB_WORKERS", F(workers_text), "1", 0, NULL,
	  "event loops serving the public listener (1-64)" },
	{ "WXKB_TIMEZONE", F(timezone), CONFIG_TZ_DEFAULT, 0, NULL,
	  "the office's time zone: days of the statistics, valid_until" },
	{ "WXKB_MAX_CONNECTIONS", F(max_connections_text), "512", 0, NULL,
	  "open connections per listener, 16-65536 (admin: 64 at most)" },
	{ "WXKB_ADMIN_INSECURE_LISTEN", F(admin_insecure_listen), "no", 0,
	  NULL, "yes: TLS is in front of the admin listener (it may leave "
	  "loopback; session cookies are Secure)" },
	{ "WXKB_ADMIN_HOSTS", F(admin_hosts), "", 0, NULL,
	  "Host names the admin listener answers besides loopback" },
	{ "WXKB_METRICS_TOKEN", F(metrics_token), "", CONFIG_SECRET,
	  "metrics_token", "bearer token for /metrics only (Prometheus)" },
	{ "WXKB_DEMO", F(demo), "no", 0, NULL,
	  "yes: allow the demo Token and admin token (make run only)" },
	{ "WXKB_REDIS", F(redis), "", 0, NULL,
	  "state shared by instances: unix:/PATH or redis://HOST:PORT/DB "
	  "(empty: one instance)" },
	{ "WXKB_REDIS_PASSWORD", F(redis_password), "", CONFIG_SECRET,
	  "redis_password", "password of the Redis server (AUTH)" },
	{ "WXKB_REDIS_PREFIX", F(redis_prefix_text), "", 0, NULL,
	  "prefix of every Redis key (empty: wxkbd:APPID:)" },
};
#undef F
#define NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

static int	config_check_timezone(struct config *, char **);

static char **
config_slot(struct config *cfg, const struct config_key *k)
{
	return (char **)(void *)((char *)cfg + k->offset);
}

static const struct config_key *
config_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		if (strlen(config_keys[i].name) == len &&
		    memcmp(config_keys[i].name, name, len) == 0)
			return &config_keys[i];
	}
	return NULL;
}

static void
config_set(struct config *cfg, const struct config_key *k, const char *v,
    size_t len)
{
	char **slot = config_slot(cfg, k);

	if (*slot != NULL) {
		if (k->flags & CONFIG_SECRET)
			mbedtls_platform_zeroize(*slot, strlen(*slot));
		free(*slot);
	}
	*slot = strndup(v, len);
	if (*slot == NULL)
		fatal("strndup");
}

/*
 * Parse one value as systemd's EnvironmentFile= does for the cases that
 * matter here: surrounding blanks dropped, one pair of matching quotes
 * removed.  Returns the value bounds in *v, *vlen.
 */
static int
config_unquote(const char *s, size_t len, const char **v, size_t *vlen)
{
	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
	    s[len - 1] == '\r'))
		len--;
	if (len > 0 && (s[0] == '"' || s[0] == '\'')) {
		if (len < 2 || s[len - 1] != s[0])
			return -1;
		s++;
		len -= 2;
	}
	*v = s;
	*vlen = len;
	return 0;
}

static int
config_parse_file(struct config *cfg, const char *path, int required,
    char **cause)
{
	FILE *fp;
	char *buf = NULL, *line, *next, *eq;
	const char *v;
	size_t n, vlen, klen;
	const struct config_key *k;
	int lineno = 0, r = -1;

	fp = fopen(path, "r");
	if (fp == NULL) {
		if (errno == ENOENT && !required)
			return 0;
		cause_set(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(CONFIG_MAX_FILE + 1);
	if (buf == NULL)
		fatal("malloc");
	n = fread(buf, 1, CONFIG_MAX_FILE + 1, fp);
	if (ferror(fp)) {
		cause_set(cause, "%s: read error", path);
		goto out;
	}
	if (n > CONFIG_MAX_FILE) {
		cause_set(cause, "%s: larger than %d bytes", path,
		    CONFIG_MAX_FILE);
		goto out;
	}
	if (memchr(buf, '\0', n) != NULL) {
		cause_set(cause, "%s: contains a NUL byte", path);
		goto out;
	}
	buf[n] = '\0';
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		lineno++;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '\0' || *line == '#' || *line == ';' ||
		    *line == '\r')
			continue;
		eq = strchr(line, '=');
		if (eq == NULL) {
			cause_set(cause, "%s:%d: expected KEY=value", path,
			    lineno);
			goto out;
		}
		klen = (size_t)(eq - line);
		while (klen > 0 && (line[klen - 1] == ' ' ||
		    line[klen - 1] == '\t'))
			klen--;
		k = config_find(line, klen);
		if (k == NULL) {
			cause_set(cause, "%s:%d: unknown key \"%.*s\"", path,
			    lineno, (int)(klen > 64 ? 64 : klen), line);
			goto out;
		}
		if (config_unquote(eq + 1, strlen(eq + 1), &v, &vlen) != 0) {
			cause_set(cause, "%s:%d: %s: unbalanced quote",
			    path, lineno, k->name);
			goto out;
		}
		if (vlen > CONFIG_MAX_VALUE) {
			cause_set(cause, "%s:%d: %s: value longer than %d "
			    "bytes", path, lineno, k->name, CONFIG_MAX_VALUE);
			goto out;
		}
		config_set(cfg, k, v, vlen);
	}
	r = 0;
out:
	if (buf != NULL) {
		mbedtls_platform_zeroize(buf, CONFIG_MAX_FILE + 1);
		free(buf);
	}
	fclose(fp);
	return r;
}

/*
 * Read a credential file: one value, a trailing newline dropped.  An empty
 * file still overrides the configuration file, which is said, since the
 * unit asks for every file to exist.
 */
static int
config_read_credential(struct config *cfg, const struct config_key *k,
    const char *dir, char **cause)
{
	char path[PATH_MAX], buf[CONFIG_MAX_VALUE + 2];
	FILE *fp;
	size_t n;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir,
	    k->credential) >= sizeof path) {
		cause_set(cause, "CREDENTIALS_DIRECTORY: path too long");
		return -1;
	}
	fp = fopen(path, "r");
	if (fp == NULL) {
		if (errno == ENOENT)
			return 0;
		cause_set(cause, "%s: credential %s: %s", k->name, path,
		    strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof buf, fp);
	fclose(fp);
	while (n > 0 && n <= CONFIG_MAX_VALUE + 1 &&
	    (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n > CONFIG_MAX_VALUE) {
		mbedtls_platform_zeroize(buf, sizeof buf);
		cause_set(cause, "%s: credential %s longer than %d bytes",
		    k->name, k->credential, CONFIG_MAX_VALUE);
		return -1;
	}
	if (n == 0 && **config_slot(cfg, k) != '\0')
		log_warn("config_override", "%s: the empty credential file "
		    "%s overrides the value in the configuration file",
		    k->name, path);
	config_set(cfg, k, buf, n);
	mbedtls_platform_zeroize(buf, sizeof buf);
	return 0;
}

int
config_load(struct config *cfg, const char *path, char **cause)
{
	if (config_read(cfg, path, getenv("CREDENTIALS_DIRECTORY"),
	    cause) != 0)
		return -1;
	return config_validate(cfg, cause);
}

int
config_read(struct config *cfg, const char *path, const char *dir,
    char **cause)
{
	const struct config_key *k;
	const char *env;
	size_t i;

	memset(cfg, 0, sizeof *cfg);
	for (i = 0; i < NKEYS; i++) {
		k = &config_keys[i];
		if (k->def != NULL)
			config_set(cfg, k, k->def, strlen(k->def));
	}
	if (config_parse_file(cfg, path != NULL ? path : CONFIG_DEFAULT_PATH,
	    path != NULL, cause) != 0)
		return -1;
	for (i = 0; dir != NULL && *dir != '\0' && i < NKEYS; i++) {
		k = &config_keys[i];
		if (k->credential != NULL &&
		    config_read_credential(cfg, k, dir, cause) != 0)
			return -1;
	}
	for (i = 0; i < NKEYS; i++) {
		k = &config_keys[i];
		env = getenv(k->name);
		if (env == NULL)
			continue;
		if (strlen(env) > CONFIG_MAX_VALUE) {
			cause_set(cause, "%s: value longer than %d bytes",
			    k->name, CONFIG_MAX_VALUE);
			return -1;
		}
		config_set(cfg, k, env, strlen(env));
	}
	return 0;
}

static int
config_alnum(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s), i;

	if (n < min || n > max)
		return 0;
	for (i = 0; i < n; i++) {
		if (!isascii((unsigned char)s[i]) ||
		    !isalnum((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

static int
config_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (*s == '\0' || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
config_check_listen(const char *key, const char *v, char **cause)
{
	char *host;
	int port;

	if (http_split_hostport(v, &host, &port) != 0) {
		cause_set(cause, "%s: must be host:port or [ipv6]:port, "
		    "port 1-65535", key);
		return -1;
	}
	free(host);
	return 0;
}

/* WXKB_REDIS and its companions; derives redis_prefix. */
static int
config_validate_redis(struct config *cfg, char **cause)
{
	struct redis_url url;
	char *why = NULL;
	const char *p;

	free(cfg->redis_prefix);
	cfg->redis_prefix = NULL;
	if (*cfg->redis == '\0')
		return 0;
	if (redis_url_parse(cfg->redis, &url, &why) != 0) {
		cause_set(cause, "WXKB_REDIS: %s", why != NULL ? why :
		    "out of memory");
		free(why);
		return -1;
	}
	redis_url_cleanup(&url);
	if (cfg->workers != 1) {
		cause_set(cause, "WXKB_WORKERS: must be 1 with WXKB_REDIS "
		    "(add instances instead of event loops)");
		return -1;
	}
	for (p = cfg->redis_prefix_text; *p != '\0'; p++) {
		if (*p <= ' ' || *p == 0x7f)
			break;
	}
	if (*p != '\0' || strlen(cfg->redis_prefix_text) > 128) {
		cause_set(cause, "WXKB_REDIS_PREFIX: at most 128 bytes, no "
		    "blanks or control characters");
		return -1;
	}
	if (*cfg->redis_prefix_text != '\0')
		cfg->redis_prefix = strdup(cfg->redis_prefix_text);
	else if (asprintf(&cfg->redis_prefix, "wxkbd:%s:",
	    *cfg->appid != '\0' ? cfg->appid : "plain") == -1)
		cfg->redis_prefix = NULL;
	if (cfg->redis_prefix == NULL)
		fatal("out of memory");
	return 0;
}

int
config_validate_admin(const struct config *cfg, char **cause)
{
	if (*cfg->admin_listen == '\0') {
		cause_set(cause, "WXKB_ADMIN_LISTEN: empty: the admin API is "
		    "off");
		return -1;
	}
	if (config_check_listen("WXKB_ADMIN_LISTEN", cfg->admin_listen,
	    cause) != 0)
		return -1;
	if (strlen(cfg->admin_token) < 16) {
		cause_set(cause, "WXKB_ADMIN_TOKEN: required, at least 16 "
		    "characters, when WXKB_ADMIN_LISTEN is set");
		return -1;
	}
	return 0;
}

int
config_validate(struct config *cfg, char **cause)
{
	long v;
	int lvl;

	if (strcmp(cfg->mode_name, "plain") == 0)
		cfg->mode = CONFIG_MODE_PLAIN;
	else if (strcmp(cfg->mode_name, "compat") == 0)
		cfg->mode = CONFIG_MODE_COMPAT;
	else if (strcmp(cfg->mode_name, "safe") == 0)
		cfg->mode = CONFIG_MODE_SAFE;
	else {
		cause_set(cause, "WXKB_MODE: must be plain, compat or safe");
		return -1;
	}
	if (cfg->token == NULL || *cfg->token == '\0') {
		cause_set(cause, "WXKB_TOKEN: required (the platform Token)");
		return -1;
	}
	if (!config_alnum(cfg->token, 3, 32)) {
		cause_set(cause, "WXKB_TOKEN: must be 3-32 letters and "
		    "digits");
		return -1;
	}
	if (strlen(cfg->appid) > 64 || strspn(cfg->appid,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
	    != strlen(cfg->appid)) {
		cause_set(cause, "WXKB_APPID: must be at most 64 letters, "
		    "digits, '_' or '-'");
		return -1;
	}
	if (cfg->mode != CONFIG_MODE_PLAIN) {
		if (*cfg->appid == '\0') {
			cause_set(cause, "WXKB_APPID: required in %s mode",
			    cfg->mode_name);
			return -1;
		}
		if (!config_alnum(cfg->aes_key, 43, 43)) {
			cause_set(cause, "WXKB_AES_KEY: must be exactly 43 "
			    "letters and digits in %s mode", cfg->mode_name);
			return -1;
		}
	} else if (*cfg->aes_key != '\0' &&
	    !config_alnum(cfg->aes_key, 43, 43)) {
		cause_set(cause, "WXKB_AES_KEY: must be exactly 43 letters "
		    "and digits");
		return -1;
	}
	if (config_check_listen("WXKB_LISTEN", cfg->listen, cause) != 0)
		return -1;
	if (*cfg->admin_listen != '\0' &&
	    config_validate_admin(cfg, cause) != 0)
		return -1;
	if (cfg->path[0] != '/' || strlen(cfg->path) > 256 ||
	    strpbrk(cfg->path, "?# \t\r\n") != NULL) {
		cause_set(cause, "WXKB_PATH: must start with '/' and hold "
		    "no '?', '#' or blanks");
		return -1;
	}
	if (strncmp(cfg->api_base, "https://", 8) != 0 &&
	    strncmp(cfg->api_base, "http://", 7) != 0) {
		cause_set(cause, "WXKB_API_BASE: must start with https:// "
		    "or http://");
		return -1;
	}
	if (*cfg->kb == '\0' || *cfg->state_dir == '\0') {
		cause_set(cause, "%s: must not be empty",
		    *cfg->kb == '\0' ? "WXKB_KB" : "WXKB_STATE_DIR");
		return -1;
	}
	if (config_long(cfg->max_clock_skew_text, 1, 86400, &v) != 0) {
		cause_set(cause, "WXKB_MAX_CLOCK_SKEW: must be a number of "
		    "seconds from 1 to 86400");
		return -1;
	}
	cfg->max_clock_skew = v;
	lvl = log_level_parse(cfg->log_level_name);
	if (lvl < 0) {
		cause_set(cause, "WXKB_LOG_LEVEL: must be debug, info, "
		    "notice, warning or err");
		return -1;
	}
	cfg->log_level = lvl;
	if (config_long(cfg->workers_text, 1, 64, &v) != 0) {
		cause_set(cause, "WXKB_WORKERS: must be a number from 1 "
		    "to 64");
		return -1;
	}
	cfg->workers = (int)v;
	if (config_long(cfg->max_connections_text, 16, 65536, &v) != 0) {
		cause_set(cause, "WXKB_MAX_CONNECTIONS: must be a number from "
		    "16 to 65536");
		return -1;
	}
	cfg->max_connections = (int)v;
	if (config_validate_redis(cfg, cause) != 0)
		return -1;
	return config_check_timezone(cfg, cause);
}

/*
 * A zone of the tz database ("Asia/Shanghai", "UTC"), found under $TZDIR
 * or /usr/share/zoneinfo: glibc silently takes a zone it cannot find for
 * UTC, which would put every day of the statistics eight hours off.
 * China keeps no summer time, so the default works without tzdata too.
 */
static int
config_check_timezone(struct config *cfg, char **cause)
{
	const char *z = cfg->timezone, *dir = getenv("TZDIR");
	char path[PATH_MAX];
	struct stat st;
	size_t i, n = strlen(z);

	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)z[i]) && strchr("/_+-", z[i]) ==
		    NULL)
			break;
	}
	if (n == 0 || n > 64 || i < n || z[0] == '/' ||
	    strstr(z, "..") != NULL) {
		cause_set(cause, "WXKB_TIMEZONE: must name a time zone such "
		    "as Asia/Shanghai");
		return -1;
	}
	snprintf(path, sizeof path, "%s/%s", dir != NULL && *dir != '\0' ?
	    dir : "/usr/share/zoneinfo", z);
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		cfg->tz = z;
	else if (strcmp(z, CONFIG_TZ_DEFAULT) == 0)
		cfg->tz = "CST-8";
	else {
		cause_set(cause, "WXKB_TIMEZONE: no time zone \"%s\" in %s "
		    "(the tzdata package lists them)", z, dir != NULL &&
		    *dir != '\0' ? dir : "/usr/share/zoneinfo");
		return -1;
	}
	return 0;
}

void
config_cleanup(struct config *cfg)
{
	const struct config_key *k;
	char **slot;
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		k = &config_keys[i];
		slot = config_slot(cfg, k);
		if (*slot != NULL && (k->flags & CONFIG_SECRET))
			mbedtls_platform_zeroize(*slot, strlen(*slot));
		free(*slot);
		*slot = NULL;
	}
	free(cfg->redis_prefix);
	cfg->redis_prefix = NULL;
}

const char *
config_mode_name(enum config_mode m)
{
	switch (m) {
	case CONFIG_MODE_PLAIN:
		return "plain";
	case CONFIG_MODE_COMPAT:
		return "compat";
	case CONFIG_MODE_SAFE:
		return "safe";
	}
	return "?";
}

void
config_usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "Configuration keys (file, then environment; secrets "
	    "also from $CREDENTIALS_DIRECTORY):\n");
	for (i = 0; i < NKEYS; i++) {
		fprintf(fp, "  %-20s %s", config_keys[i].name,
		    config_keys[i].help);
		if (config_keys[i].def != NULL && *config_keys[i].def != '\0')
			fprintf(fp, " [%s]", config_keys[i].def);
		if (config_keys[i].credential != NULL)
			fprintf(fp, " (credential \"%s\")",
			    config_keys[i].credential);
		fputc('\n', fp);
	}
}
