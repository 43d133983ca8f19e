/*
 * session — the sign-in sessions of the admin page: a fixed table of
 * random session ids, each with its person, a CSRF token the page sends
 * back on every change, and the time it was last used; an id unused for
 * the idle time is gone.  Ids are compared in constant time against every
 * slot.  Used by the admin listener's loop only: not thread-safe.
 */
#ifndef SESSION_H
#define SESSION_H

#include <time.h>

#include "daemon/passwd.h"
#include "daemon/users.h"

#define SESSION_SLOTS	256		/* the oldest makes room */
#define SESSION_IDLE	1800		/* seconds without a request */
#define SESSION_TOKEN_LEN 64		/* hex characters of an id, a CSRF */
#define SESSION_COOKIE	"wxkb_session"
#define SESSION_CSRF_HEADER "X-CSRF-Token"

struct session {
	char		 id[SESSION_TOKEN_LEN + 1];	/* "" when free */
	char		 csrf[SESSION_TOKEN_LEN + 1];
	char		 name[USERS_NAME_MAX + 1];
	/* The hash signed in with: a new password ends the session. */
	char		 hash[PASSWD_HASH_SIZE];
	time_t		 seen;
};

struct session_store {
	struct session	 s[SESSION_SLOTS];
	long		 idle;		/* seconds */
};

/* Empty store; idle seconds (<= 0: SESSION_IDLE). */
void	session_init(struct session_store *, long idle);

/*
 * A new session for the account e at now.  Returns it, or NULL when the
 * kernel gives no random bytes.
 */
struct session *session_open(struct session_store *,
	    const struct users_entry *e, time_t now);

/*
 * The live session of id (the cookie's value, NULL when none), touched
 * at now; NULL when unknown or idle too long (then forgotten).
 */
struct session *session_find(struct session_store *, const char *id,
	    time_t now);

/* 1 when token (the header, NULL when none) is the session's CSRF. */
int	session_csrf_ok(const struct session *, const char *token);

/* Forget the session. */
void	session_close(struct session *);

/*
 * The value of the cookie SESSION_COOKIE in a Cookie header into buf
 * (SESSION_TOKEN_LEN + 1 bytes).  Returns 1 when found and of the right
 * shape, else 0.
 */
int	session_cookie(const char *header, char *buf);

#endif
