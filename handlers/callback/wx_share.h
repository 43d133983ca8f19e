/*
 * wx_share — the retry cache and the replay records shared by every
 * instance of one account.  wx_callback keeps its own local caches and
 * asks a wx_share first when it has one; when the share cannot answer
 * (no connection, a timeout) it falls back to the local caches, which it
 * keeps current either way.  The keys come from the caller, so the share
 * knows nothing of how a message is identified.
 *
 * It also carries one opaque blob of state per resident (the suggestion
 * list a digit reply refers to): stored with put_state(), and handed back
 * with the verdict on that resident's next new message, before dispatch.
 */
#ifndef WX_SHARE_H
#define WX_SHARE_H

#include <stddef.h>
#include <time.h>

enum wx_share_verdict {
	WX_SHARE_NEW = 0,	/* first sight, claimed: dispatch and store */
	WX_SHARE_ANSWERED,	/* a retry: the stored answer is passed */
	WX_SHARE_REPLAY,	/* the nonce record names another message */
	WX_SHARE_FAILED,	/* the share cannot tell: use local state */
};

/*
 * The verdict on one message.  For ANSWERED, data is the stored plain
 * reply (len 0: "success"); for NEW, the resident's state blob (len 0:
 * none).  Valid only during the call.
 */
typedef void (*wx_share_fn)(void *arg, enum wx_share_verdict,
	    const char *data, size_t len);

struct wx_share_ops {
	/*
	 * Record nkey -> key (the replay record, for nonce_ttl) and claim
	 * key; user (the sender's OpenID) names the state blob to hand
	 * back.  Returns 0: fn is called exactly once, later, never inside
	 * this call; or -1 when the share is unavailable (fn not called).
	 */
	int	(*check)(void *impl, const char *nkey, const char *key,
		    const char *user, wx_share_fn fn, void *arg);
	/* Keep the answer to a claimed key (len 0: "success"). */
	void	(*store)(void *impl, const char *key, const char *answer,
		    size_t len);
	/* Keep user's state blob for ttl seconds (best effort). */
	void	(*put_state)(void *impl, const char *user, const char *data,
		    size_t len, long ttl);
};

struct wx_share {
	const struct wx_share_ops *ops;
	void		*impl;
};

#endif
