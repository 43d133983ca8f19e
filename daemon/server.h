/*
 * server — one running wxkbd: the knowledge base it serves, the callback
 * handler, the public and admin listeners on main's event_base.
 */
#ifndef SERVER_H
#define SERVER_H

#include <stddef.h>

struct config;
struct event_base;
struct http_conns_limit;
struct evhttp_request;
struct server;

/*
 * Load the knowledge base, build the handlers and start listening.
 * Returns NULL on failure with *cause (malloc'ed) and *event, the
 * WXKB_EVENT to log it with: "kb_load_failed", "listen_failed" (the cause
 * names WXKB_LISTEN or WXKB_ADMIN_LISTEN) or "config_error".  The config
 * and base are borrowed and must outlive the server.
 */
struct server *server_new(struct event_base *, const struct config *,
	    char **cause, const char **event);

/*
 * Load the knowledge-base file again and serve it as a new generation.
 * A file that fails validation leaves the old generation serving and logs
 * every error.  Returns 0 or -1.
 */
int	server_reload(struct server *);

/* The cap the public listener's loops share (workers attach to it). */
struct http_conns_limit *server_public_limit(struct server *);

/* Close the listeners; connections already accepted go on. */
void	server_stop_accepting(struct server *);

/* "generation N, M items, K requests" for the service status line. */
void	server_status(const struct server *, char *buf, size_t len);

/*
 * Save state that must survive a restart (unanswered questions,
 * statistics).
 */
void	server_flush(struct server *);

void	server_free(struct server *);

/*
 * The public listener's request handler (arg is the server); workers bind
 * their own listeners to it.  Safe to run on several threads at once.
 */
void	server_public_cb(struct evhttp_request *, void *arg);

#endif
