/*
 * passwd_check — verify staff passwords on a thread of their own.  One
 * PBKDF2 check takes most of a second of CPU; done on the event loop it
 * would hold every resident's callback that long.  One thread checks
 * the queued passwords in turn (so sign-ins use at most one core) and
 * the loop hears of each result through a pipe.  The queue is short: a
 * flood of sign-ins is refused, not queued without end.
 */
#ifndef PASSWD_CHECK_H
#define PASSWD_CHECK_H

#include <stddef.h>

/* Sign-ins waiting or being checked at once; more are refused. */
#define PASSWD_CHECK_QUEUE	4

struct event_base;
struct passwd_check;

/*
 * The result of one check, on the loop: 1 the password matches, 0 it
 * does not, -1 it was not reported (passwd_check_free() came first).
 */
typedef void (*passwd_check_fn)(void *arg, int ok);

/* A checker on base, or NULL with errno set (no thread, no pipe). */
struct passwd_check *passwd_check_new(struct event_base *base);

/*
 * Queue pw (len bytes, copied, wiped after use) against hash (copied);
 * done(arg, ok) is called once, later, on the loop.  Returns 0, or -1
 * when PASSWD_CHECK_QUEUE checks are already waiting (done is not
 * called).
 */
int	passwd_check_start(struct passwd_check *, const char *pw, size_t len,
	    const char *hash, passwd_check_fn done, void *arg);

/*
 * Stop the thread (after the check it is making, if any) and call done
 * with -1 for every check not yet reported.  NULL is a no-op.
 */
void	passwd_check_free(struct passwd_check *);

#endif
