/*
 * redis — an asynchronous Redis connection with our own timeouts and a
 * reconnect timer (see redis.h for the rules it keeps).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#include <hiredis/adapters/libevent.h>
#pragma GCC diagnostic pop

#include "lib/cause.h"
#include "lib/log.h"
#include "lib/redis.h"

#define REDIS_BACKOFF_MIN_MS	100
#define REDIS_BACKOFF_MAX_MS	5000
#define REDIS_MAX_HOST		255
#define REDIS_MAX_PATH		107	/* sun_path less its NUL */
#define REDIS_MAX_CHANNEL	256

struct redis {
	struct event_base	*base;
	struct redis_url	 url;
	char			*password;
	char			*name;
	int			 timeout_ms;
	int			 quiet;
	redis_state_fn		 on_state;
	void			*state_arg;

	redisAsyncContext	*ac;		/* NULL while down */
	int			 connected;	/* TCP/socket connected */
	int			 up;		/* handshake done */
	int			 warned;	/* this outage is logged */
	int			 backoff_ms;
	struct event		*retry_ev;	/* reconnect after back-off */
	struct event		*connect_ev;	/* connect timeout */
	struct event		*reset_ev;	/* teardown outside hiredis */

	char			*channel;	/* subscribed, or NULL */
	redis_message_fn	 msg_fn;
	void			*msg_arg;
};

/* One command in flight; freed by its hiredis callback, always. */
struct redis_op {
	struct redis	*r;
	redis_reply_fn	 fn;		/* NULL for handshake commands */
	void		*arg;
	struct event	*timer;
	int		 finished;	/* fn called (reply or timeout) */
};

static void redis_connect(struct redis *);

int
redis_url_parse(const char *url, struct redis_url *out, char **cause)
{
	const char *p, *end;
	char *e;
	long v;
	size_t n;

	memset(out, 0, sizeof *out);
	if (strncmp(url, "unix:", 5) == 0) {
		p = url + 5;
		if (*p != '/' || strlen(p) > REDIS_MAX_PATH) {
			cause_set(cause, "unix: needs an absolute socket path "
			    "of at most %d bytes", REDIS_MAX_PATH);
			return -1;
		}
		out->path = strdup(p);
		if (out->path == NULL)
			fatal("strdup");
		return 0;
	}
	if (strncmp(url, "redis://", 8) != 0) {
		cause_set(cause, "must be unix:/PATH or redis://HOST:PORT/DB");
		return -1;
	}
	p = url + 8;
	if (strchr(p, '@') != NULL) {
		cause_set(cause, "no password in the URL; use "
		    "WXKB_REDIS_PASSWORD or the credential redis_password");
		return -1;
	}
	if (*p == '[') {
		end = strchr(p, ']');
		if (end == NULL) {
			cause_set(cause, "unbalanced [ in the host");
			return -1;
		}
		p++;
		n = (size_t)(end - p);
		end++;
	} else {
		end = p + strcspn(p, ":/");
		n = (size_t)(end - p);
	}
	if (n == 0 || n > REDIS_MAX_HOST) {
		cause_set(cause, "the host must have 1-%d characters",
		    REDIS_MAX_HOST);
		return -1;
	}
	out->host = strndup(p, n);
	if (out->host == NULL)
		fatal("strndup");
	for (e = out->host; *e != '\0'; e++) {
		if (!isalnum((unsigned char)*e) && strchr(".-:_", *e) == NULL) {
			cause_set(cause, "the host holds a character other "
			    "than letters, digits, '.', '-', '_' or ':'");
			goto fail;
		}
	}
	out->port = 6379;
	p = end;
	if (*p == ':') {
		p++;
		errno = 0;
		v = isdigit((unsigned char)*p) ? strtol(p, &e, 10) : -1;
		if (v < 1 || v > 65535 || errno != 0 || (*e != '\0' &&
		    *e != '/')) {
			cause_set(cause, "the port must be 1-65535");
			goto fail;
		}
		out->port = (int)v;
		p = e;
	}
	if (*p == '/' && p[1] != '\0') {
		p++;
		errno = 0;
		v = isdigit((unsigned char)*p) ? strtol(p, &e, 10) : -1;
		if (v < 0 || v > 15 || errno != 0 || *e != '\0') {
			cause_set(cause, "the database must be 0-15");
			goto fail;
		}
		out->db = (int)v;
	} else if (*p != '\0' && strcmp(p, "/") != 0) {
		cause_set(cause, "unexpected \"%.32s\" after the host", p);
		goto fail;
	}
	return 0;
fail:
	redis_url_cleanup(out);
	return -1;
}

void
redis_url_cleanup(struct redis_url *u)
{
	free(u->path);
	free(u->host);
	memset(u, 0, sizeof *u);
}

static const char *
redis_where(const struct redis *r, char *buf, size_t size)
{
	if (r->url.path != NULL)
		snprintf(buf, size, "unix:%s", r->url.path);
	else
		snprintf(buf, size, "%s:%d", r->url.host, r->url.port);
	return buf;
}

/* The connection is gone: tell once per outage, then try again later. */
static void
redis_down(struct redis *r, const char *why)
{
	char where[REDIS_MAX_PATH + 32];
	struct timeval tv;
	int was_up = r->up;

	r->up = 0;
	r->connected = 0;
	if (!r->warned) {
		r->warned = 1;
		if (!r->quiet)
			log_warn("redis_down", "redis %s at %s: %s; serving "
			    "from local state until it is back", r->name,
			    redis_where(r, where, sizeof where), why);
	}
	if (was_up && r->on_state != NULL)
		r->on_state(r->state_arg, 0);
	event_del(r->connect_ev);
	tv.tv_sec = r->backoff_ms / 1000;
	tv.tv_usec = (r->backoff_ms % 1000) * 1000;
	evtimer_add(r->retry_ev, &tv);
	r->backoff_ms *= 2;
	if (r->backoff_ms > REDIS_BACKOFF_MAX_MS)
		r->backoff_ms = REDIS_BACKOFF_MAX_MS;
}

/*
 * Tear the connection down; only from a timer, never inside hiredis.
 * Commands in flight are answered NULL by redisAsyncFree().
 */
static void
redis_reset(struct redis *r, const char *why)
{
	redisAsyncContext *ac = r->ac;

	if (ac == NULL)
		return;
	r->ac = NULL;		/* the disconnect callback now ignores it */
	redis_down(r, why);
	redisAsyncFree(ac);
}

static void
redis_reset_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	redis_reset(arg, "unexpected reply to the handshake");
}

static void
redis_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	redis_connect(arg);
}

static void
redis_connect_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct redis *r = arg;

	(void)fd;
	(void)what;
	if (r->ac != NULL && !r->connected)
		redis_reset(r, "connect timed out");
}

static void
redis_op_free(struct redis_op *op)
{
	event_free(op->timer);
	free(op);
}

static void
redis_op_cb(redisAsyncContext *ac, void *reply, void *priv)
{
	struct redis_op *op = priv;

	(void)ac;
	if (!op->finished) {
		op->finished = 1;
		event_del(op->timer);
		if (op->fn != NULL)
			op->fn(op->arg, reply);
	}
	redis_op_free(op);
}

static void
redis_op_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct redis_op *op = arg;
	struct redis *r = op->r;

	(void)fd;
	(void)what;
	op->finished = 1;
	if (op->fn != NULL)
		op->fn(op->arg, NULL);
	/* The reply may still come, out of step: start afresh.  op is freed
	 * inside, by its own callback. */
	redis_reset(r, "command timed out");
}

/* Queue a command on the current context, with its timer. */
static int
redis_send(struct redis *r, redis_reply_fn fn, void *arg, int argc,
    const char **argv, const size_t *argvlen)
{
	struct redis_op *op;
	struct timeval tv;

	if (r->ac == NULL)
		return -1;
	op = calloc(1, sizeof *op);
	if (op == NULL)
		return -1;
	op->r = r;
	op->fn = fn;
	op->arg = arg;
	op->timer = evtimer_new(r->base, redis_op_timeout_cb, op);
	if (op->timer == NULL) {
		free(op);
		return -1;
	}
	if (redisAsyncCommandArgv(r->ac, redis_op_cb, op, argc, argv,
	    argvlen) != REDIS_OK) {
		redis_op_free(op);
		return -1;
	}
	tv.tv_sec = r->timeout_ms / 1000;
	tv.tv_usec = (r->timeout_ms % 1000) * 1000;
	evtimer_add(op->timer, &tv);
	return 0;
}

static void
redis_sub_cb(redisAsyncContext *ac, void *reply, void *priv)
{
	struct redis *r = priv;
	redisReply *m = reply;

	(void)ac;
	if (m == NULL || r->msg_fn == NULL || m->type != REDIS_REPLY_ARRAY ||
	    m->elements != 3 || m->element[0]->type != REDIS_REPLY_STRING)
		return;
	if (strcmp(m->element[0]->str, "subscribe") == 0)
		r->msg_fn(r->msg_arg, NULL, 0);
	else if (strcmp(m->element[0]->str, "message") == 0 &&
	    m->element[2]->type == REDIS_REPLY_STRING)
		r->msg_fn(r->msg_arg, m->element[2]->str,
		    m->element[2]->len);
}

static void
redis_subscribe_now(struct redis *r)
{
	const char *argv[2] = { "SUBSCRIBE", r->channel };

	if (redisAsyncCommandArgv(r->ac, redis_sub_cb, r, 2, argv, NULL) !=
	    REDIS_OK)
		event_active(r->reset_ev, EV_TIMEOUT, 0);
}

/* The last reply of the handshake: PONG means ready. */
static void
redis_ping_cb(void *arg, const redisReply *reply)
{
	char where[REDIS_MAX_PATH + 32];
	struct redis *r = arg;

	if (reply == NULL || r->up || r->ac == NULL)
		return;		/* timed out or lost: already torn down */
	if (reply->type != REDIS_REPLY_STATUS ||
	    strcmp(reply->str, "PONG") != 0) {
		if (reply->type == REDIS_REPLY_ERROR)
			log_err("redis_refused", "redis %s: %.200s",
			    r->name, reply->str);
		event_active(r->reset_ev, EV_TIMEOUT, 0);
		return;
	}
	r->up = 1;
	r->backoff_ms = REDIS_BACKOFF_MIN_MS;
	if (!r->quiet && r->warned)
		log_notice("redis_up", "redis %s at %s is back", r->name,
		    redis_where(r, where, sizeof where));
	else if (!r->quiet)
		log_info("redis_up", "redis %s connected to %s", r->name,
		    redis_where(r, where, sizeof where));
	r->warned = 0;
	if (r->channel != NULL)
		redis_subscribe_now(r);
	if (r->on_state != NULL)
		r->on_state(r->state_arg, 1);
}

static void
redis_connect_cb(const redisAsyncContext *ac, int status)
{
	struct redis *r = ac->data;
	const char *argv[2];
	char db[12];
	int r1 = 0;

	if (r->ac != ac)
		return;
	if (status != REDIS_OK) {
		r->ac = NULL;	/* hiredis frees it after we return */
		redis_down(r, ac->errstr[0] != '\0' ? ac->errstr :
		    "cannot connect");
		return;
	}
	log_debug("%s: connected %p", __func__, (const void *)ac);
	r->connected = 1;
	event_del(r->connect_ev);
	if (r->password != NULL) {
		argv[0] = "AUTH";
		argv[1] = r->password;
		r1 |= redis_send(r, NULL, NULL, 2, argv, NULL);
	}
	if (r->url.db > 0) {
		snprintf(db, sizeof db, "%d", r->url.db);
		argv[0] = "SELECT";
		argv[1] = db;
		r1 |= redis_send(r, NULL, NULL, 2, argv, NULL);
	}
	argv[0] = "PING";
	r1 |= redis_send(r, redis_ping_cb, r, 1, argv, NULL);
	if (r1 != 0)
		event_active(r->reset_ev, EV_TIMEOUT, 0);
}

static void
redis_disconnect_cb(const redisAsyncContext *ac, int status)
{
	struct redis *r = ac->data;

	(void)status;
	if (r->ac != ac)
		return;		/* our own redis_reset() */
	r->ac = NULL;
	redis_down(r, ac->errstr[0] != '\0' ? ac->errstr :
	    "connection closed");
}

static void
redis_connect(struct redis *r)
{
	redisAsyncContext *ac;
	struct timeval tv;

	if (r->ac != NULL)
		return;		/* one connection at a time */
	if (r->url.path != NULL)
		ac = redisAsyncConnectUnix(r->url.path);
	else
		ac = redisAsyncConnect(r->url.host, r->url.port);
	if (ac == NULL || ac->err != 0) {
		/* Not attached to any loop yet: freeing it here is safe. */
		redis_down(r, ac != NULL ? ac->errstr : "out of memory");
		if (ac != NULL)
			redisAsyncFree(ac);
		return;
	}
	ac->data = r;
	if (redisLibeventAttach(ac, r->base) != REDIS_OK) {
		redisAsyncFree(ac);
		redis_down(r, "cannot attach to the event loop");
		return;
	}
	redisAsyncSetConnectCallback(ac, redis_connect_cb);
	redisAsyncSetDisconnectCallback(ac, redis_disconnect_cb);
	r->ac = ac;
	r->connected = 0;
	tv.tv_sec = r->timeout_ms / 1000;
	tv.tv_usec = (r->timeout_ms % 1000) * 1000;
	evtimer_add(r->connect_ev, &tv);
}

struct redis *
redis_new(struct event_base *base, const struct redis_opts *o, char **cause)
{
	struct redis *r;

	r = calloc(1, sizeof *r);
	if (r == NULL)
		fatal("calloc");
	if (redis_url_parse(o->url, &r->url, cause) != 0) {
		free(r);
		return NULL;
	}
	r->base = base;
	r->name = strdup(o->name != NULL ? o->name : "redis");
	if (o->password != NULL && *o->password != '\0')
		r->password = strdup(o->password);
	if (r->name == NULL || (o->password != NULL && *o->password != '\0' &&
	    r->password == NULL))
		fatal("strdup");
	r->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 500;
	r->quiet = o->quiet;
	r->on_state = o->on_state;
	r->state_arg = o->state_arg;
	r->backoff_ms = REDIS_BACKOFF_MIN_MS;
	r->retry_ev = evtimer_new(base, redis_retry_cb, r);
	r->connect_ev = evtimer_new(base, redis_connect_timeout_cb, r);
	r->reset_ev = evtimer_new(base, redis_reset_cb, r);
	if (r->retry_ev == NULL || r->connect_ev == NULL ||
	    r->reset_ev == NULL)
		fatalx("cannot create the redis timers");
	redis_connect(r);
	return r;
}

void
redis_free(struct redis *r)
{
	redisAsyncContext *ac;

	if (r == NULL)
		return;
	ac = r->ac;
	r->ac = NULL;
	r->on_state = NULL;
	if (ac != NULL)
		redisAsyncFree(ac);
	event_free(r->retry_ev);
	event_free(r->connect_ev);
	event_free(r->reset_ev);
	if (r->password != NULL) {
		explicit_bzero(r->password, strlen(r->password));
		free(r->password);
	}
	free(r->name);
	free(r->channel);
	redis_url_cleanup(&r->url);
	free(r);
}

int
redis_is_up(const struct redis *r)
{
	return r != NULL && r->up;
}

int
redis_command(struct redis *r, redis_reply_fn fn, void *arg, int argc,
    const char **argv, const size_t *argvlen)
{
	if (!r->up || r->channel != NULL)
		return -1;
	return redis_send(r, fn, arg, argc, argv, argvlen);
}

int
redis_eval(struct redis *r, redis_reply_fn fn, void *arg, const char *script,
    int nkeys, int n, const char **v, const size_t *len)
{
	const char *argv[3 + REDIS_EVAL_MAX];
	size_t argvlen[3 + REDIS_EVAL_MAX];
	char nk[16];
	int i;

	if (n < 0 || n > REDIS_EVAL_MAX || nkeys < 0 || nkeys > n)
		return -1;
	snprintf(nk, sizeof nk, "%d", nkeys);
	argv[0] = "EVAL";
	argv[1] = script;
	argv[2] = nk;
	for (i = 0; i < 3; i++)
		argvlen[i] = strlen(argv[i]);
	for (i = 0; i < n; i++) {
		argv[3 + i] = v[i];
		argvlen[3 + i] = len != NULL && len[i] != 0 ? len[i] :
		    strlen(v[i]);
	}
	return redis_command(r, fn, arg, 3 + n, argv, argvlen);
}

int
redis_subscribe(struct redis *r, const char *channel, redis_message_fn fn,
    void *arg)
{
	if (r->channel != NULL || strlen(channel) > REDIS_MAX_CHANNEL)
		return -1;
	r->channel = strdup(channel);
	if (r->channel == NULL)
		return -1;
	r->msg_fn = fn;
	r->msg_arg = arg;
	if (r->up)
		redis_subscribe_now(r);
	return 0;
}
