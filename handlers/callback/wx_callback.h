/*
 * wx_callback — one WeChat callback request, from method, query string and
 * body to HTTP status and body (protocol doc §1-§3, §6).  It knows nothing
 * of libevent: the daemon feeds it bytes, tests and fuzzers do the same.
 *
 * Order of checks for a POST: query syntax, `signature`, timestamp skew,
 * the envelope XML, `msg_signature`, decryption, the inner XML; then the
 * retry cache, the replay check, and only then dispatch.
 */
#ifndef WX_CALLBACK_H
#define WX_CALLBACK_H

#include <stddef.h>
#include <time.h>

#include "handlers/callback/wx_msg.h"
#include "handlers/callback/wx_outcome.h"
#include "lib/siphash.h"

/*
 * The caches' limits (SECURITY.md quotes them; test_cache measures
 * them).  Each holds its count or its bytes, whichever is reached first;
 * an entry costs cache_entry_cost() of its key and value.
 */
/* WeChat retries three times over ~15 s; keep answers well past that. */
#define WX_RETRY_TTL		60
#define WX_RETRY_MAX		16384
#define WX_RETRY_BYTES		(4 * 1024 * 1024)
#define WX_NONCE_MAX		65536
/*
 * Room for WX_NONCE_MAX typical entries: a 10-digit timestamp, a
 * 10-digit nonce, the message key.  Longer nonces mean fewer entries.
 */
#define WX_NONCE_TYPICAL_KEY	21
/*
 * Every message dispatched in the timestamp window is remembered: a
 * replay is never dispatched again.  At a sustained rate above
 * WX_SEEN_MAX per window the oldest records go first.
 */
#define WX_SEEN_MAX		131072
/* A message key: 128 bits of SHA-256, in hex. */
#define WX_KEY_HEX		32

enum wx_mode {
	WX_MODE_PLAIN = 0,
	WX_MODE_COMPAT,
	WX_MODE_SAFE,
};

enum wx_method {
	WX_METHOD_GET = 0,
	WX_METHOD_POST,
	WX_METHOD_OTHER,
};

/* What dispatch said, for the log line and the metrics. */
struct wx_dispatch_out {
	char		*xml;		/* malloc'ed plain reply; NULL: "success" */
	size_t		 len;
	enum wx_answer	 answer;
	char		 item[65];	/* knowledge-base item id or "" */
};

/*
 * The dispatch seam: reply = dispatch(msg).  Fills out (zeroed by the
 * caller); returns 0, or -1 when no reply could be made (the resident then
 * gets "success" and the failure is logged).
 */
typedef int (*wx_dispatch_fn)(void *arg, const struct wx_msg *msg,
	    time_t now, struct wx_dispatch_out *out);

struct wx_callback_cfg {
	const char	*token;
	const char	*appid;		/* "" in plain mode without a key */
	const char	*aes_key;	/* "" when none */
	enum wx_mode	 mode;
	long		 max_skew;	/* seconds */
	unsigned char	 uid_key[16];	/* keys the OpenID hash in logs */
	wx_dispatch_fn	 dispatch;
	void		*dispatch_arg;
	/* Retry cache and replay records shared with other instances,
	 * borrowed, outliving the handler; NULL: this instance alone. */
	const struct wx_share *share;
	/* Called before dispatch with the resident's state blob the share
	 * kept (see wx_share.h); may be NULL. */
	void		(*import_state)(void *arg, const char *openid,
			    const char *data, size_t len, time_t now);
	void		*import_arg;
};

/* The answer to one request; release with wx_result_cleanup(). */
struct wx_result {
	int		 status;	/* HTTP status */
	const char	*content_type;
	char		*body;		/* malloc'ed, may be NULL when len 0 */
	size_t		 len;
	enum wx_cb_event event;		/* WXKB_EVENT for the log line */
	const char	*reason;	/* static detail of a refusal, or NULL */
	const char	*msg_type;	/* MsgType (static name) or NULL */
	enum wx_msg_type type;		/* its value, when msg_type is set */
	enum wx_answer	 answer;	/* dispatch's, or WX_ANS_NONE */
	char		 kb_item[65];
	char		 user[SIPHASH_UID_LEN + 1]; /* OpenID pseudonym, or "" */
	int		 retry;		/* answered from the retry cache */
	int		 encrypted;	/* the request was encrypted */
};

struct wx_callback;
struct wx_share;

/*
 * Make a handler.  The strings of cfg are copied.  Returns NULL with
 * *cause (static text) set when the key or AppID is unusable.
 */
struct wx_callback *wx_callback_new(const struct wx_callback_cfg *cfg,
	    const char **cause);
void	wx_callback_free(struct wx_callback *);

/*
 * Handle one request at time now.  res is filled in every case; a refusal
 * has its status, event and reason set and a short text body.  Without a
 * share the answer is always ready on return; with one, use
 * wx_callback_start().
 */
void	wx_callback_handle(struct wx_callback *, enum wx_method,
	    const char *query, const char *body, size_t len, time_t now,
	    struct wx_result *res);

/*
 * The same, for a caller that can wait: done(arg, res) is called once
 * with the answer, before this returns unless a share has to be asked.
 * res belongs to the handler and is valid only during the call.
 */
typedef void (*wx_callback_done_fn)(void *arg, struct wx_result *res);
void	wx_callback_start(struct wx_callback *, enum wx_method,
	    const char *query, const char *body, size_t len, time_t now,
	    wx_callback_done_fn done, void *arg);

void	wx_result_cleanup(struct wx_result *);

/*
 * The key that tells one message from every other: SHA-256 over the
 * length-prefixed sender, MsgId (or the event's identifiers), whether it
 * came encrypted, and every field, as WX_KEY_HEX hex digits and a NUL.
 * Retries of one message share it; nothing else does.
 */
void	wx_callback_msg_key(const struct wx_msg *, int encrypted,
	    char out[WX_KEY_HEX + 1]);

#endif
