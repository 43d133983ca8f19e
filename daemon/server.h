/*
 * server — one running wxkbd: the knowledge base it serves, the callback
 * handler, the public and admin listeners on main's event_base.
 */
#ifndef SERVER_H
#define SERVER_H

#include <stddef.h>

struct config;
struct event_base;
struct server;

/*
 * Load the knowledge base, build the handlers and start listening.
 * Returns NULL with *cause (malloc'ed) on failure.  The config and base
 * are borrowed and must outlive the server.
 */
struct server *server_new(struct event_base *, const struct config *,
	    char **cause);

/*
 * Load the knowledge-base file again and serve it as a new generation.
 * A file that fails validation leaves the old generation serving and logs
 * every error.  Returns 0 or -1.
 */
int	server_reload(struct server *);

/* Close the listeners; connections already accepted go on. */
void	server_stop_accepting(struct server *);

/* "generation N, M items, K requests" for the service status line. */
void	server_status(const struct server *, char *buf, size_t len);

/* Save state that must survive a restart (unanswered questions). */
void	server_flush(struct server *);

void	server_free(struct server *);

#endif
