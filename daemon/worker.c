/* worker — extra event loops sharing the public port. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/http.h>

#include "daemon/config.h"
#include "daemon/server.h"
#include "daemon/worker.h"
#include "lib/http.h"
#include "lib/http_conns.h"
#include "lib/log.h"

/* As in main: responses still being written get this long after stop. */
#define WORKER_DRAIN_MS	500

struct worker {
	pthread_t		 thread;
	struct event_base	*base;
	struct evhttp		*http;
	struct http_conns	*conns;
	int			 started;
};

struct workers {
	struct worker	*w;
	int		 n;
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	event_base_dispatch(w->base);
	return NULL;
}

/* Runs on the worker's own loop: close the listener, drain, exit. */
static void
worker_stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct timeval drain = { 0, WORKER_DRAIN_MS * 1000 };

	(void)fd;
	(void)what;
	http_stop_accepting(w->http);
	event_base_loopexit(w->base, &drain);
}

static void
worker_free(struct worker *w)
{
	if (w->http != NULL)
		evhttp_free(w->http);
	http_conns_free(w->conns);
	if (w->base != NULL)
		event_base_free(w->base);
}

struct workers *
workers_start(struct server *s, const struct config *cfg, int n,
    char **cause)
{
	struct workers *ws;
	int i;

	*cause = NULL;
	if (n <= 1)
		return NULL;
	ws = calloc(1, sizeof *ws);
	if (ws == NULL)
		fatal("calloc");
	ws->w = calloc((size_t)n - 1, sizeof *ws->w);
	if (ws->w == NULL)
		fatal("calloc");
	ws->n = n - 1;
	for (i = 0; i < ws->n; i++) {
		struct worker *w = &ws->w[i];

		w->base = event_base_new();
		if (w->base == NULL)
			fatalx("event_base_new failed");
		w->http = http_listen(w->base, cfg->listen, 1,
		    server_public_cb, s, cause);
		if (w->http == NULL)
			goto fail;
		w->conns = http_conns_attach(w->http, w->base,
		    server_public_limit(s), HTTP_READ_AHEAD(HTTP_MAX_BODY));
		if (w->conns == NULL)
			fatalx("out of memory");
		if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
			if (asprintf(cause, "cannot start worker %d", i + 1)
			    == -1)
				*cause = NULL;
			goto fail;
		}
		w->started = 1;
	}
	log_notice("workers", "%d event loops serve %s", n, cfg->listen);
	return ws;
fail:
	workers_stop(ws);
	workers_join(ws);
	return NULL;
}

void
workers_stop(struct workers *ws)
{
	static const struct timeval now = { 0, 0 };
	int i;

	if (ws == NULL)
		return;
	for (i = 0; i < ws->n; i++) {
		if (ws->w[i].started)
			event_base_once(ws->w[i].base, -1, EV_TIMEOUT,
			    worker_stop_cb, &ws->w[i], &now);
	}
}

void
workers_join(struct workers *ws)
{
	int i;

	if (ws == NULL)
		return;
	for (i = 0; i < ws->n; i++) {
		if (ws->w[i].started)
			pthread_join(ws->w[i].thread, NULL);
		worker_free(&ws->w[i]);
	}
	free(ws->w);
	free(ws);
}
