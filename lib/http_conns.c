/*
 * http_conns — count an evhttp's connections through the bufferevents it
 * asks us for.  We keep a reference to each: once evhttp is done with a
 * connection it frees the bufferevent, which clears its callbacks; a sweep
 * (at every accept and every second) sees that, drops our reference and
 * counts the connection closed.  evhttp has shut the socket's sending
 * side by then (the client sees the end); the descriptor itself closes
 * with our reference, so its number cannot be reused while the old
 * bufferevent's events still name it.
 */
#include <sys/socket.h>

#include <malloc.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "lib/http.h"
#include "lib/http_conns.h"
#include "lib/log.h"

/* Give memory back when a flood of at least this many has mostly gone. */

#define HTTP_CONNS_TRIM_PEAK	64

struct http_conns {
	struct evhttp		*http;
	struct event_base	*base;
	struct http_conns_limit	*limit;
	struct event		*timer;
	size_t			 read_ahead;
	struct bufferevent	**bev;	/* ours, each with our reference */
	size_t			 n, cap;
	int			 paused;
	int			 peak;	/* most open since the last trim */
	int			 trim;	/* at the next tick */
};

/* Pause or resume accepting, once per change. */
static void
http_conns_accepting(struct http_conns *c, int on)
{
	if (c->paused == !on)
		return;
	c->paused = !on;
	http_accepting(c->http, on);
}

/* Drop the connections evhttp has finished with. */
static void
http_conns_sweep(struct http_conns *c)
{
	bufferevent_data_cb rd, wr;
	bufferevent_event_cb ev;
	void *arg;
	size_t i = 0;
	int open;

	/*
	 * A bufferevent's memory is freed by finalizers the loop runs
	 * after the sweep that dropped it: trim one tick later.
	 */
	if (c->trim) {
		c->trim = 0;
		malloc_trim(0);
	}
	while (i < c->n) {
		bufferevent_getcb(c->bev[i], &rd, &wr, &ev, &arg);
		/* evhttp keeps an event callback for as long as it lives. */
		if (ev != NULL) {
			i++;
			continue;
		}
		bufferevent_decref(c->bev[i]);
		c->bev[i] = c->bev[--c->n];
		atomic_fetch_sub(&c->limit->open, 1);
	}
	open = atomic_load(&c->limit->open);
	if (c->paused && open < c->limit->max) {
		http_conns_accepting(c, 1);
		log_notice("connections_resumed", "%d connections open, "
		    "accepting again", open);
	}
	/* glibc keeps freed heap: hand a flood's buffers back. */
	if (c->peak >= HTTP_CONNS_TRIM_PEAK && open <= c->peak / 4) {
		c->peak = open;
		c->trim = 1;
	}
}

static void
http_conns_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	http_conns_sweep(arg);
}

/* After evhttp set the socket up: close one over the cap at once. */
static void
http_conns_refuse_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bufferevent *bev = arg;
	evutil_socket_t s = bufferevent_getfd(bev);

	(void)fd;
	(void)what;
	if (s != -1)
		shutdown(s, SHUT_RDWR);
	bufferevent_decref(bev);
}

/* evhttp's request for the bufferevent of a newly accepted connection. */
static struct bufferevent *
http_conns_bev_cb(struct event_base *base, void *arg)
{
	static const struct timeval now = { 0, 0 };
	struct http_conns *c = arg;
	struct bufferevent *bev, **nb;
	size_t ncap;
	int open;

	http_conns_sweep(c);
	if (c->n == c->cap) {
		ncap = c->cap * 2;
		nb = realloc(c->bev, ncap * sizeof *nb);
		if (nb == NULL)
			fatal("realloc");
		c->bev = nb;
		c->cap = ncap;
	}
	bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		fatalx("bufferevent_socket_new failed");
	/*
	 * evhttp holds a whole body in the input before it takes it; a
	 * bufferevent it has let go of reads no further until the sweep.
	 */
	bufferevent_setwatermark(bev, EV_READ, 0, c->read_ahead);
	bufferevent_incref(bev);
	c->bev[c->n++] = bev;
	open = atomic_fetch_add(&c->limit->open, 1) + 1;
	if (open > c->peak)
		c->peak = open;
	if (open > c->limit->max) {
		/* Another loop of the listener got there first. */
		bufferevent_incref(bev);
		event_base_once(base, -1, EV_TIMEOUT, http_conns_refuse_cb,
		    bev, &now);
	}
	if (open >= c->limit->max && !c->paused) {
		http_conns_accepting(c, 0);
		log_warn("connections_full", "%d connections open, the most "
		    "WXKB_MAX_CONNECTIONS allows: not accepting until some "
		    "close", open);
	}
	return bev;
}

struct http_conns *
http_conns_attach(struct evhttp *http, struct event_base *base,
    struct http_conns_limit *limit, size_t read_ahead)
{
	static const struct timeval second = { 1, 0 };
	struct http_conns *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	c->http = http;
	c->base = base;
	c->limit = limit;
	c->read_ahead = read_ahead;
	c->cap = 64;
	c->bev = calloc(c->cap, sizeof *c->bev);
	c->timer = event_new(base, -1, EV_PERSIST, http_conns_timer_cb, c);
	if (c->bev == NULL || c->timer == NULL ||
	    event_add(c->timer, &second) != 0) {
		http_conns_free(c);
		return NULL;
	}
	evhttp_set_bevcb(http, http_conns_bev_cb, c);
	return c;
}

void
http_conns_free(struct http_conns *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		bufferevent_decref(c->bev[i]);
		atomic_fetch_sub(&c->limit->open, 1);
	}
	if (c->timer != NULL)
		event_free(c->timer);
	free(c->bev);
	free(c);
}
