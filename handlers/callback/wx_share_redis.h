/*
 * wx_share_redis — the retry cache and replay records of wx_share in
 * Redis, so that a retry landing on another instance gets the same single
 * answer and a replay is refused by every instance.
 *
 * Keys (under the prefix, each message key as a SHA-256 digest so no
 * OpenID is stored in clear):
 *	PREFIX nonce:TS:NONCE	digest of the message it carried (nonce TTL)
 *	PREFIX retry:DIGEST	"c" while claimed, "a" + answer once stored
 *	PREFIX user:DIGEST	a resident's state blob (digest of the OpenID)
 * The first instance claims with one script (nonce check, then SET NX
 * PX); an instance that meets a claim polls until the answer is stored,
 * and claims in turn when the owner died and the claim expired.
 */
#ifndef WX_SHARE_REDIS_H
#define WX_SHARE_REDIS_H

#include "handlers/callback/wx_share.h"

struct event_base;
struct redis;

/* A claim lasts this long; a waiter gives up a little later. */
#define WX_SHARE_CLAIM_MS	3000
#define WX_SHARE_WAIT_MS	3500

/*
 * A share on the connection r (borrowed, outliving it) with keys under
 * prefix, replay records kept nonce_ttl seconds, answers answer_ttl
 * seconds.  Returns NULL when out of memory.  Free it before r, and r
 * before the wx_callback that uses it.
 */
struct wx_share *wx_share_redis_new(struct event_base *, struct redis *r,
	    const char *prefix, long nonce_ttl, long answer_ttl);

/*
 * Checks still waiting get WX_SHARE_FAILED now; those with a command in
 * Redis when redis_free() answers it.  NULL is a no-op.
 */
void	wx_share_redis_free(struct wx_share *);

#endif
