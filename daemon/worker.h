/*
 * worker — WXKB_WORKERS=N: the main loop plus N-1 threads, each with its
 * own event_base and public listener on the same port (SO_REUSEPORT), all
 * answering through the one server (whose caches, suggestion state and
 * knowledge base are shared under locks).  Signals, the admin listener and
 * timers stay on the main loop.
 */
#ifndef WORKER_H
#define WORKER_H

struct config;
struct server;
struct workers;

/*
 * Start n-1 extra loops serving cfg->listen.  Returns the set (NULL when
 * n is 1) or NULL with *cause (malloc'ed) on failure.  Call
 * evthread_use_pthreads() before any event_base is made.
 */
struct workers *workers_start(struct server *, const struct config *, int n,
	    char **cause);

/*
 * Ask every extra loop to close its listener and finish what it is
 * answering; returns at once.  NULL is a no-op.
 */
void	workers_stop(struct workers *);

/* Wait for the loops to end and free them.  NULL is a no-op. */
void	workers_join(struct workers *);

#endif
