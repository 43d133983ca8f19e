/*
 * log — the one log module.  Under journald (JOURNAL_STREAM names our
 * stderr) lines go through sd_journal_send with PRIORITY and structured
 * fields; elsewhere they are logfmt lines on stderr with the same fields.
 * Levels are syslog priorities, tested before anything is formatted.
 * Logging never changes errno.  Never pass a secret or a clear OpenID.
 */
#ifndef LOG_H
#define LOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <syslog.h>	/* LOG_ERR .. LOG_DEBUG */

/* One structured field: KEY is upper-case [A-Z0-9_], as journald wants. */
struct log_kv {
	const char	*key;
	const char	*value;	/* NULL or "" fields are left out */
};

/* Set the identifier (SYSLOG_IDENTIFIER) and the level; detect journald. */
void	log_init(const char *ident, int level);
void	log_set_level(int level);
int	log_get_level(void);

/* The priority for "debug", "info", "notice", "warning", "err"; -1 else. */
int	log_level_parse(const char *name);

/* Force the logfmt output even under journald (tests, wxkbctl). */
void	log_force_stderr(int on);

/*
 * Log one line with WXKB_EVENT=event (may be NULL) and the nkv fields.
 * Warnings and worse of the same event are rate-limited: past a burst,
 * lines are counted and a later line says how many were suppressed.
 */
void	log_msg(int prio, const char *event, const struct log_kv *kv,
	    size_t nkv, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));

#define log_err(ev, ...)	log_msg(LOG_ERR, ev, NULL, 0, __VA_ARGS__)
#define log_warn(ev, ...)	log_msg(LOG_WARNING, ev, NULL, 0, __VA_ARGS__)
#define log_notice(ev, ...)	log_msg(LOG_NOTICE, ev, NULL, 0, __VA_ARGS__)
#define log_info(ev, ...)	log_msg(LOG_INFO, ev, NULL, 0, __VA_ARGS__)
#define log_debug(...)		log_msg(LOG_DEBUG, NULL, NULL, 0, __VA_ARGS__)

/* Print "wxkbd: message: strerror(errno)" and exit(1) (start-up only). */
void	fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2),
	    noreturn));
/* As fatal() without errno text. */
void	fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2),
	    noreturn));

/*
 * For tests: write logfmt lines to fp instead of stderr (NULL: stderr
 * again), and read the rate-limit clock, in milliseconds, from fn instead
 * of CLOCK_MONOTONIC (NULL: the real clock).  Setting the clock clears
 * the rate-limit state.
 */
typedef uint64_t (*log_clock_fn)(void);
void	log_set_stream(FILE *fp);
void	log_set_clock(log_clock_fn fn);

#endif
