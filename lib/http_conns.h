/*
 * http_conns — a cap on the connections one listener holds open.  libevent
 * 2.1's evhttp has none (only the descriptor limit), and each connection
 * may buffer a whole body: 1,500 of them took 100 MB.  At the cap the
 * listener stops accepting (clients wait in the kernel's backlog) until
 * connections close; and when most of a flood has gone, freed memory is
 * given back to the system.
 */
#ifndef HTTP_CONNS_H
#define HTTP_CONNS_H

#include <stddef.h>

struct event_base;
struct evhttp;
struct http_conns;

/* The count one listener's loops share (the public listener's workers). */
struct http_conns_limit {
	_Atomic int	 open;
	int		 max;
};

/*
 * Count and cap the connections of http, served on base, against limit
 * (borrowed; it must outlive the result).  read_ahead bounds the bytes a
 * connection holds unread: the listener's largest request and more.
 * Returns NULL on allocation failure.  Free with http_conns_free() after
 * evhttp_free(http) and before event_base_free(base).
 */
struct http_conns *http_conns_attach(struct evhttp *http,
	    struct event_base *base, struct http_conns_limit *limit,
	    size_t read_ahead);
void	http_conns_free(struct http_conns *);

#endif
