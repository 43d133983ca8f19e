/*
 * server_int — the inside of the server, shared by server.c (start,
 * reload, the public listener) and server_admin.c (the admin listener).
 * Nothing else includes it.
 */
#ifndef SERVER_INT_H
#define SERVER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "lib/http_conns.h"

struct evhttp_request;

/* The reason of a failed reload /healthz shows: its first line. */
#define SERVER_RELOAD_ERROR_MAX	256

struct server {
	struct event_base	*base;
	const struct config	*cfg;
	struct evhttp		*public;
	struct evhttp		*admin;
	struct wx_callback	*callback;
	struct dispatch		*dispatch;
	struct kb_unanswered	*unanswered;
	char			*unanswered_path;
	struct kb_stats		*stats;
	char			*stats_path;
	struct admin_api	*admin_api;
	struct admin_guard	*guard;		/* admin listener's loop only */
	struct admin_signin	*signin;	/* the same */
	struct http_conns_limit	 public_limit;	/* shared with the workers */
	struct http_conns_limit	 admin_limit;
	struct http_conns	*public_conns;
	struct http_conns	*admin_conns;
	struct active		*active;	/* NULL: API off */
	struct cluster		*cluster;	/* NULL: one instance */
	uint64_t		 generation;
	_Atomic uint64_t	 requests;	/* counted by every worker */
	time_t			 last_reload;
	int			 last_reload_ok;
	/* Why the last reload failed, for /healthz (read by workers). */
	pthread_mutex_t		 reload_mtx;
	char			 reload_error[SERVER_RELOAD_ERROR_MAX];
};

/*
 * 200 while a generation serves, with the outcome of the last reload and,
 * with_reason (the admin listener), why it failed.
 */
void	server_healthz(struct server *, struct evhttp_request *,
	    int with_reason);

/* The admin listener's requests: Host, sign-in, /metrics, /api/. */
void	server_admin_cb(struct evhttp_request *, void *arg);

#endif
