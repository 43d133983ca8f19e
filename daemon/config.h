/*
 * config — wxkbd's configuration (DESIGN.md "Configuration"): KEY=value
 * lines in the syntax of systemd's EnvironmentFile=, overridden by the
 * environment; secrets may come from systemd credentials instead.  Every
 * key is one row of the table in config.c, with its default and its rule.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdio.h>

#define CONFIG_DEFAULT_PATH	"/etc/wxkbd/wxkbd.conf"
/* Where the unit's LoadCredential= lines read the secrets from. */
#define CONFIG_CREDENTIALS_PATH	"/etc/wxkbd/credentials"

enum config_mode {
	CONFIG_MODE_PLAIN = 0,	/* 明文: plain XML, signature only */
	CONFIG_MODE_COMPAT,	/* 兼容: plain or encrypted, answered in kind */
	CONFIG_MODE_SAFE,	/* 安全: encrypted only; plain POSTs refused */
};

struct config {
	char	*listen;		/* WXKB_LISTEN host:port */
	char	*path;			/* WXKB_PATH */
	char	*token;			/* WXKB_TOKEN (secret) */
	char	*appid;			/* WXKB_APPID */
	char	*aes_key;		/* WXKB_AES_KEY (secret) */
	char	*mode_name;		/* WXKB_MODE as written */
	char	*appsecret;		/* WXKB_APPSECRET (secret) */
	char	*api_base;		/* WXKB_API_BASE */
	char	*kb;			/* WXKB_KB */
	char	*state_dir;		/* WXKB_STATE_DIR */
	char	*admin_listen;		/* WXKB_ADMIN_LISTEN; "" = off */
	char	*admin_token;		/* WXKB_ADMIN_TOKEN (secret) */
	char	*max_clock_skew_text;	/* WXKB_MAX_CLOCK_SKEW */
	char	*log_level_name;	/* WXKB_LOG_LEVEL */
	char	*workers_text;		/* WXKB_WORKERS */
	char	*timezone;		/* WXKB_TIMEZONE */
	char	*max_connections_text;	/* WXKB_MAX_CONNECTIONS */
	char	*admin_insecure_listen;	/* WXKB_ADMIN_INSECURE_LISTEN */
	char	*admin_hosts;		/* WXKB_ADMIN_HOSTS */
	char	*metrics_token;		/* WXKB_METRICS_TOKEN (secret) */
	char	*demo;			/* WXKB_DEMO */
	char	*redis;			/* WXKB_REDIS; "" = one instance */
	char	*redis_password;	/* WXKB_REDIS_PASSWORD (secret) */
	char	*redis_prefix_text;	/* WXKB_REDIS_PREFIX as written */

	/* Derived by config_validate(). */
	enum config_mode mode;
	long	 max_clock_skew;	/* seconds */
	int	 log_level;		/* syslog priority */
	int	 workers;
	const char *tz;			/* for TZ: timezone, or a POSIX rule
					   when tzdata lacks the default */
	int	 max_connections;	/* per listener */
	char	*redis_prefix;		/* keys' prefix, malloc'ed */
};

#define CONFIG_TZ_DEFAULT	"Asia/Shanghai"

/*
 * Fill cfg from the defaults, then the file at path (NULL: the default
 * path, which may be absent), then the credentials directory, then the
 * environment; then validate.  With cause == NULL nothing is reported.
 * Returns 0, or -1 with *cause a malloc'ed one-line message naming the key
 * (or file:line) and the rule; the caller frees it and calls
 * config_cleanup() either way.
 */
int	config_load(struct config *cfg, const char *path, char **cause);

/*
 * config_load() without the validation, the credentials read from dir
 * (NULL or "": none).  For wxkbctl, which needs only some of the keys.
 */
int	config_read(struct config *cfg, const char *path, const char *dir,
	    char **cause);

/* Check every rule and derive the typed fields; 0 or -1 with *cause. */
int	config_validate(struct config *cfg, char **cause);

/* Only what the admin API needs: its listener and token. */
int	config_validate_admin(const struct config *cfg, char **cause);

/* Wipe the secrets and free every string; cfg may be reused after. */
void	config_cleanup(struct config *cfg);

/* "plain", "compat" or "safe". */
const char *config_mode_name(enum config_mode);

/* Print the table of keys with defaults and help, for --help. */
void	config_usage(FILE *fp);

#endif
