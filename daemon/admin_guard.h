/*
 * admin_guard — what the admin listener checks before a token: that the
 * request's Host is one it serves (a browser led to it by DNS rebinding
 * sends a foreign name), and that the client address has not just failed
 * to authenticate too often (a growing back-off per address).  Used by
 * the admin listener's loop only: not thread-safe.
 */
#ifndef ADMIN_GUARD_H
#define ADMIN_GUARD_H

/* Failures from one address before it must wait. */
#define ADMIN_GUARD_FREE_TRIES	10
/* The longest wait, seconds. */
#define ADMIN_GUARD_MAX_WAIT	900
/* Addresses remembered; the least recently seen make room. */
#define ADMIN_GUARD_SLOTS	256

struct admin_guard;

/*
 * hosts: the configured names besides loopback, comma-separated (may be
 * empty); copied.  NULL on allocation failure.
 */
struct admin_guard *admin_guard_new(const char *hosts);
void	admin_guard_free(struct admin_guard *);

/*
 * 1 when host (the Host header, NULL when absent) names this listener:
 * a loopback name or address, or one of the configured names, with or
 * without a port.
 */
int	admin_guard_host_ok(const struct admin_guard *, const char *host);

/*
 * The wall clock in milliseconds: the now of the calls below.  Whole
 * seconds would let a one-second wait end at once.
 */
long long admin_guard_now(void);

/*
 * Seconds, rounded up, addr must still wait at now before it may try a
 * token; 0: it may.
 */
long	admin_guard_wait(struct admin_guard *, const char *addr, long long now);

/*
 * A wrong or missing token from addr at now.  Returns the failures in a
 * row from that address so far.
 */
unsigned admin_guard_failed(struct admin_guard *, const char *addr,
	    long long now);

/* A right token: addr starts afresh. */
void	admin_guard_succeeded(struct admin_guard *, const char *addr);

#endif
