/*
 * wx_token_redis — wx_token_share in Redis.  Keys under the prefix:
 *	PREFIX token		"EXPIRES\nTOKEN" (expiry in Unix seconds),
 *				kept until the token expires
 *	PREFIX token:lock	the fetching instance's random id, 10 s
 * Acquire, put-and-unlock and compare-and-invalidate are Lua scripts, so
 * each is one atomic step in Redis.
 */
#ifndef WX_TOKEN_REDIS_H
#define WX_TOKEN_REDIS_H

#include "handlers/wechat/wx_token_share.h"

struct redis;

#define WX_TOKEN_LOCK_MS	10000

/*
 * A share on r (borrowed, outliving it) with keys under prefix.  Returns
 * NULL when out of memory or without randomness for the lock id.
 */
struct wx_token_share *wx_token_redis_new(struct redis *r,
	    const char *prefix);

/* Free it after redis_free(r).  NULL is a no-op. */
void	wx_token_redis_free(struct wx_token_share *);

#endif
