/*
 * wx_token_share — one access_token for every instance of an AppID.
 * wx_token asks the share before it fetches: the share hands back the
 * token another instance stored, or lets exactly one instance (the lock
 * holder) fetch while the others wait for it.  A refused token is dropped
 * only while it is still the stored one (compare-and-invalidate), so one
 * instance's late 40001 never throws away another's fresh token.
 */
#ifndef WX_TOKEN_SHARE_H
#define WX_TOKEN_SHARE_H

#include <time.h>

enum wx_token_share_state {
	WX_TSHARE_FOUND = 0,	/* token and expiry as stored */
	WX_TSHARE_LOCKED,	/* ours to fetch; put() releases the lock */
	WX_TSHARE_BUSY,		/* another instance fetches: ask again */
	WX_TSHARE_FAILED,	/* the share cannot tell: fetch alone */
};

/* The answer to acquire(); token is valid only during the call. */
typedef void (*wx_token_share_fn)(void *arg, enum wx_token_share_state,
	    const char *token, time_t expires);

struct wx_token_share_ops {
	/*
	 * A token valid beyond not_before, or the fetch lock.  Returns 0:
	 * fn is called exactly once, later; or -1 when the share is
	 * unavailable now (fn not called).
	 */
	int	(*acquire)(void *impl, time_t not_before,
		    wx_token_share_fn fn, void *arg);
	/* Store a fetched token until expires and release the lock. */
	void	(*put)(void *impl, const char *token, time_t expires);
	/* Drop the stored token if it is still failed. */
	void	(*invalidate)(void *impl, const char *failed);
	/* Forget fn/arg of an acquire in flight (its owner is going). */
	void	(*cancel)(void *impl);
};

struct wx_token_share {
	const struct wx_token_share_ops *ops;
	void		*impl;
};

#endif
