/*
 * http — listeners on libevent's evhttp.  Connections are bounded by the
 * descriptor limit: when accept() runs out of descriptors the listener is
 * paused for a second instead of spinning on the ready socket.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "lib/http.h"
#include "lib/log.h"

#define HTTP_FD_LIMIT	4096

static void
http_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evconnlistener *l = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(l);
}

static void
http_accept_error_cb(struct evconnlistener *l, void *arg)
{
	static const struct timeval pause = { 1, 0 };
	int err = EVUTIL_SOCKET_ERROR();

	(void)arg;
	if (err != EMFILE && err != ENFILE && err != ENOBUFS &&
	    err != ENOMEM)
		return;
	log_warn("accept_paused", "accept: %s; pausing for a second",
	    strerror(err));
	evconnlistener_disable(l);
	event_base_once(evconnlistener_get_base(l), -1, EV_TIMEOUT,
	    http_resume_cb, l, &pause);
}

/* A listening socket on host:port, shared by workers when reuseport. */
static struct evconnlistener *
http_bind(struct event_base *base, const char *host, int port,
    int reuseport, char **cause)
{
	struct evutil_addrinfo hints, *ai = NULL;
	struct evconnlistener *l;
	char portstr[8];
	unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC |
	    LEV_OPT_REUSEABLE;
	int r;

	if (reuseport)
		flags |= LEV_OPT_REUSEABLE_PORT;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = EVUTIL_AI_PASSIVE | EVUTIL_AI_NUMERICSERV;
	snprintf(portstr, sizeof portstr, "%d", port);
	r = evutil_getaddrinfo(host, portstr, &hints, &ai);
	if (r != 0) {
		if (asprintf(cause, "cannot resolve %s: %s", host,
		    evutil_gai_strerror(r)) == -1)
			*cause = NULL;
		return NULL;
	}
	l = evconnlistener_new_bind(base, NULL, NULL, flags, 128,
	    ai->ai_addr, (int)ai->ai_addrlen);
	if (l == NULL && asprintf(cause, "cannot listen on %s:%d: %s", host,
	    port, strerror(errno)) == -1)
		*cause = NULL;
	evutil_freeaddrinfo(ai);
	return l;
}

struct evhttp *
http_listen(struct event_base *base, const char *hostport, int reuseport,
    void (*cb)(struct evhttp_request *, void *), void *arg, char **cause)
{
	struct evhttp *http;
	struct evconnlistener *l;
	struct timeval tv = { HTTP_TIMEOUT, 0 };
	char *host = NULL;
	int port;

	if (http_split_hostport(hostport, &host, &port) != 0) {
		if (asprintf(cause, "%s: not host:port", hostport) == -1)
			*cause = NULL;
		return NULL;
	}
	l = http_bind(base, host, port, reuseport, cause);
	free(host);
	if (l == NULL)
		return NULL;
	http = evhttp_new(base);
	if (http == NULL)
		fatalx("evhttp_new failed");
	evhttp_set_max_body_size(http, HTTP_MAX_BODY);
	evhttp_set_max_headers_size(http, HTTP_MAX_HEADERS);
	evhttp_set_timeout_tv(http, &tv);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_gencb(http, cb, arg);
	if (evhttp_bind_listener(http, l) == NULL) {
		if (asprintf(cause, "cannot serve %s", hostport) == -1)
			*cause = NULL;
		evconnlistener_free(l);
		evhttp_free(http);
		return NULL;
	}
	evconnlistener_set_error_cb(l, http_accept_error_cb);
	return http;
}

struct http_bound_list {
	struct evhttp_bound_socket	*b[8];
	size_t				 n;
};

static void
http_collect_cb(struct evhttp_bound_socket *bound, void *arg)
{
	struct http_bound_list *l = arg;

	if (l->n < sizeof l->b / sizeof l->b[0])
		l->b[l->n++] = bound;
}

void
http_stop_accepting(struct evhttp *http)
{
	struct http_bound_list l = { .n = 0 };
	size_t i;

	/* Close, not pause: a client gets "refused", never a late reset. */
	evhttp_foreach_bound_socket(http, http_collect_cb, &l);
	for (i = 0; i < l.n; i++)
		evhttp_del_accept_socket(http, l.b[i]);
}

void
http_accepting(struct evhttp *http, int on)
{
	struct http_bound_list l = { .n = 0 };
	struct evconnlistener *lev;
	size_t i;

	evhttp_foreach_bound_socket(http, http_collect_cb, &l);
	for (i = 0; i < l.n; i++) {
		lev = evhttp_bound_socket_get_listener(l.b[i]);
		if (on)
			evconnlistener_enable(lev);
		else
			evconnlistener_disable(lev);
	}
}

void
http_send(struct evhttp_request *req, int status, const char *content_type,
    const char *body, size_t len)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *out = evhttp_request_get_output_buffer(req);

	evhttp_add_header(h, "Content-Type", content_type);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Cache-Control", "no-store");
	if (len > 0)
		evbuffer_add(out, body, len);
	evhttp_send_reply(req, status, NULL, NULL);
}

void
http_send_text(struct evhttp_request *req, int status, const char *text)
{
	http_send(req, status, "text/plain; charset=utf-8", text,
	    strlen(text));
}

const char *
http_path(struct evhttp_request *req, const char **query)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path;

	*query = NULL;
	if (uri == NULL)
		return NULL;
	path = evhttp_uri_get_path(uri);
	*query = evhttp_uri_get_query(uri);
	return path != NULL && *path != '\0' ? path : "/";
}

void
http_raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < HTTP_FD_LIMIT) {
		rl.rlim_cur = rl.rlim_max < HTTP_FD_LIMIT ? rl.rlim_max :
		    HTTP_FD_LIMIT;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
http_split_hostport(const char *s, char **host, int *port)
{
	const char *colon, *h = s;
	char *end;
	size_t hlen;
	long p;

	if (*s == '[') {
		colon = strstr(s, "]:");
		if (colon == NULL)
			return -1;
		h = s + 1;
		hlen = (size_t)(colon - h);
		colon++;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return -1;
		hlen = (size_t)(colon - s);
		if (memchr(s, ':', hlen) != NULL)
			return -1;	/* bare IPv6 needs brackets */
	}
	if (hlen == 0 || !isdigit((unsigned char)colon[1]))
		return -1;
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || p < 1 || p > 65535)
		return -1;
	*host = strndup(h, hlen);
	if (*host == NULL)
		fatal("strndup");
	*port = (int)p;
	return 0;
}
