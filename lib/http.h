/*
 * http — the libevent HTTP listeners' common ground: binding with limits
 * and timeouts, pausing accept on descriptor exhaustion, and sending a
 * response with the headers every answer carries.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>

struct event_base;
struct evhttp;
struct evhttp_request;

#define HTTP_MAX_BODY		(64 * 1024)	/* larger: 413 */
#define HTTP_MAX_HEADERS	(8 * 1024)	/* all header bytes */
#define HTTP_TIMEOUT		10		/* seconds, read and idle */
/* What a connection may hold unread: a request and a spare read. */
#define HTTP_READ_AHEAD(max_body) ((max_body) + HTTP_MAX_HEADERS + 16384)

/*
 * A new evhttp on base listening on "host:port" with the limits above,
 * every method let through to cb (so that we answer 405 ourselves).  With
 * reuseport, several workers' listeners share the port (SO_REUSEPORT) and
 * the kernel spreads connections over them.  Returns NULL with *cause
 * (malloc'ed) set on failure.
 */
struct evhttp *http_listen(struct event_base *base, const char *hostport,
	    int reuseport, void (*cb)(struct evhttp_request *, void *),
	    void *arg, char **cause);

/*
 * Close the listening sockets: new clients are refused, connections
 * already accepted go on.
 */
void	http_stop_accepting(struct evhttp *);

/*
 * Pause (on 0) or resume (on 1) accepting on the listening sockets:
 * clients then wait in the kernel's backlog.
 */
void	http_accepting(struct evhttp *, int on);

/* Send status with len bytes of body (copied) and content type. */
void	http_send(struct evhttp_request *, int status,
	    const char *content_type, const char *body, size_t len);

/* Send status with a short text body of its own. */
void	http_send_text(struct evhttp_request *, int status,
	    const char *text);

/*
 * The request's path as sent (still percent-encoded; "/" when empty) and,
 * in *query, its query string or NULL.  Both borrowed from the request.
 */
const char *http_path(struct evhttp_request *, const char **query);

/*
 * Split "host:port" or "[v6]:port" into a malloc'ed host and a port.
 * Returns 0 or -1 when malformed.
 */
int	http_split_hostport(const char *s, char **host, int *port);

/* Raise the descriptor limit so listeners can hold many connections. */
void	http_raise_fd_limit(void);

#endif
