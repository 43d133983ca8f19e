/*
 * cluster_kb — the knowledge base the instances of a cluster serve kept
 * in Redis: the document, its revision and its history.  An admin's edit
 * is set there by a compare-and-set on the revision it was based on
 * before the instance saves it (cluster_kb_save); every instance applies
 * a newer one, with the changes that led to it, on the message, after
 * every (re)subscription and every 30 s (pub/sub loses what is sent while
 * disconnected).  The local file stays the snapshot an instance starts
 * from when Redis is away.
 */
#ifndef CLUSTER_KB_H
#define CLUSTER_KB_H

#include <stddef.h>
#include <stdint.h>

#include "handlers/admin/admin_api.h"

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

/*
 * An admin_cas_fn (arg: the cluster_kb): set doc as the cluster's only if
 * it is still at base, recording note and the version replaced in the
 * cluster's history.  On LOST the winner is served here before done is
 * called; when done fails after WON, the cluster's version is fetched.
 */
int	cluster_kb_save(void *arg, int64_t base, const char *doc, size_t len,
	    const struct kb_history_entry *note, admin_cas_done_fn done,
	    void *done_arg);

/* Keep the changes taken from the cluster in admin's history (or NULL). */
void	cluster_kb_attach(struct cluster_kb *, struct admin_api *admin);

/* NULL is a no-op.  Before redis_free() of state. */
void	cluster_kb_free(struct cluster_kb *);

#endif
