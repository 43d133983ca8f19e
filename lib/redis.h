/*
 * redis — one asynchronous Redis connection on a libevent loop (hiredis
 * 0.14), for state shared between instances.
 *
 * hiredis 0.14 has no timeouts of its own: every command and every
 * connection attempt has a timer here.  A command whose timer fires is
 * answered with NULL at once and its late reply, if any, is dropped; the
 * connection is then torn down (its state is unknown) and re-opened from
 * a timer with back-off.  A hiredis context is never freed inside one of
 * its own callbacks.  While the connection is down every command fails at
 * once, so callers fall back to their local state without waiting.
 */
#ifndef REDIS_H
#define REDIS_H

#include <stddef.h>

#include <hiredis/hiredis.h>

struct event_base;
struct redis;

/* Where to connect: a unix socket, or a TCP host, port and database. */
struct redis_url {
	char	*path;		/* unix socket, or NULL for TCP */
	char	*host;		/* TCP host, or NULL for a socket */
	int	 port;
	int	 db;		/* SELECTed after connecting when > 0 */
};

/*
 * Parse "unix:/path/to.sock" or "redis://HOST[:PORT][/DB]" (port 6379
 * by default, DB 0-15) into the zeroed *out.  Returns 0, or -1 with
 * *cause (malloc'ed, may be NULL) saying what is wrong.  Release with
 * redis_url_cleanup().
 */
int	redis_url_parse(const char *url, struct redis_url *out, char **cause);
void	redis_url_cleanup(struct redis_url *);

/* Called when the connection comes up (1) or goes down (0). */
typedef void (*redis_state_fn)(void *arg, int up);

/*
 * The answer to a command: reply is NULL when it failed (no connection,
 * timeout, connection lost); an error reply is passed as it came.  The
 * reply belongs to the client and is valid only during the call.
 */
typedef void (*redis_reply_fn)(void *arg, const redisReply *reply);

struct redis_opts {
	const char	*url;		/* as redis_url_parse() takes it */
	const char	*password;	/* AUTH after connecting; NULL/"": none */
	const char	*name;		/* in log lines: "state", "pubsub" */
	int		 timeout_ms;	/* per command and per connect */
	int		 quiet;		/* no up/down lines: another
					   connection to the server logs */
	redis_state_fn	 on_state;	/* may be NULL */
	void		*state_arg;
};

/*
 * Start connecting on base; the connection comes up later (on_state).
 * The strings of opts are copied (the password is wiped on free).
 * Returns NULL with *cause (malloc'ed) when the URL is unusable.
 */
struct redis *redis_new(struct event_base *, const struct redis_opts *,
	    char **cause);

/*
 * Close the connection; commands still waiting get fn(arg, NULL) before
 * this returns.  Not to be called from a reply callback.
 */
void	redis_free(struct redis *);

/* 1 when the connection is up (authenticated, database selected). */
int	redis_is_up(const struct redis *);

/*
 * Send one command of argc arguments (binary-safe).  Returns 0: fn will
 * be called exactly once, later, never from inside this call; or -1 when
 * the connection is down (fn is not called).
 */
int	redis_command(struct redis *, redis_reply_fn fn, void *arg, int argc,
	    const char **argv, const size_t *argvlen);

/*
 * EVAL script over nkeys keys and then its arguments: n strings in v, at
 * most REDIS_EVAL_MAX, the length of each from len (len NULL or len[i] 0:
 * strlen).  As redis_command(); -1 too when n is out of range.
 */
#define REDIS_EVAL_MAX	12
int	redis_eval(struct redis *, redis_reply_fn fn, void *arg,
	    const char *script, int nkeys, int n, const char **v,
	    const size_t *len);

/*
 * Subscribe to channel on this connection (which then carries nothing
 * else), again after every reconnect.  fn gets each message's payload,
 * and (NULL, 0) after every (re)subscription, when messages may have been
 * lost.  One channel per connection.  Returns 0 or -1.
 */
typedef void (*redis_message_fn)(void *arg, const char *msg, size_t len);
int	redis_subscribe(struct redis *, const char *channel,
	    redis_message_fn fn, void *arg);

#endif
