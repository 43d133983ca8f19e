/*
 * cluster_kb — the knowledge base the instances of a cluster serve kept
 * in Redis: the document and its revision.  An instance that saves an
 * edit publishes the new document; every instance applies a newer one on
 * the message, after every (re)subscription and every 30 s (pub/sub loses
 * what is sent while disconnected).  The local file stays the snapshot an
 * instance starts from when Redis is away.
 */
#ifndef CLUSTER_KB_H
#define CLUSTER_KB_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct event_base;
struct redis;
struct cluster_kb;

/*
 * Serve doc (len bytes, a validated knowledge base of revision rev):
 * write it as the local file and reload.  Returns 0 or -1.
 */
typedef int (*cluster_kb_apply_fn)(void *arg, const char *doc, size_t len);

/*
 * Follow the cluster's knowledge base through state (borrowed) and a
 * subscription of its own.  Returns NULL with *cause (malloc'ed) when it
 * cannot be set up.
 */
struct cluster_kb *cluster_kb_new(struct event_base *, const struct config *,
	    struct redis *state, cluster_kb_apply_fn apply, void *arg,
	    char **cause);

/*
 * The local file changed (an admin edit, a reload): publish it when its
 * revision is newer than the cluster's.
 */
void	cluster_kb_publish(struct cluster_kb *);

/* NULL is a no-op.  Before redis_free() of state. */
void	cluster_kb_free(struct cluster_kb *);

#endif
