/*
 * admin_signin — staff sign-in on the admin listener: the routes of
 * /api/session (POST signs in with a name and password, GET says who is
 * signed in, DELETE signs out), the session cookie and its CSRF token,
 * and who a request comes from.  The accounts file is read again when it
 * changes, so `wxkbctl user` needs no restart; a deleted account or a
 * new password ends its sessions.  Used by the admin listener's loop
 * only: not thread-safe.
 */
#ifndef ADMIN_SIGNIN_H
#define ADMIN_SIGNIN_H

#include <stddef.h>

#include "handlers/admin/admin_api.h"

struct admin_signin;
struct admin_guard;
struct event_base;
struct evhttp_request;

/*
 * Accounts in state_dir/users.json; secure: the cookie carries Secure
 * (the page is reached over TLS).  Passwords are checked on a thread of
 * their own that reports on base.  NULL when out of memory or no thread.
 */
struct admin_signin *admin_signin_new(struct event_base *base,
	    const char *state_dir, int secure);
void	admin_signin_free(struct admin_signin *);

/*
 * Answer a request for /api/session (a sign-in later, when its password
 * is checked; 503 when PASSWD_CHECK_QUEUE are being checked); addr is the
 * client's address, whose failed sign-ins go through guard's back-off.
 */
void	admin_signin_serve(struct admin_signin *, struct admin_guard *,
	    struct evhttp_request *req, const char *addr);

/*
 * Who sends req by its session cookie: 1 with *person (borrowed until the
 * next call) and *role; 0 when it carries no session cookie (the bearer
 * token decides); -1 when answered: 401 for a session that ended, 403 for
 * a change without the session's CSRF token.
 */
int	admin_signin_who(struct admin_signin *, struct evhttp_request *req,
	    const char **person, enum admin_role *role);

#endif
