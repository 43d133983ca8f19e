/*
 * wx_cs — customer-service text messages (message/custom/send, protocol doc
 * §7.4): the parts of a long answer after the passive one, and answers
 * that miss the passive deadline.
 *
 * Parts for one follower go out strictly in order: part n+1 is sent only
 * after part n was accepted, and a part that fails drops the rest of that
 * answer (a hole in the middle would garble it).  The window rules of
 * §7.4 are tracked per follower, keyed by a keyed hash of the OpenID:
 * 5 messages within 48 h after a message from them, 3 within 1 min after
 * a menu click, a follow or a QR scan.  What cannot be delivered (window
 * closed, 45015, 45047, ...) is logged with the follower's hash, never the
 * OpenID.  Everything is bounded: followers tracked, parts queued, bytes.
 */
#ifndef WX_CS_H
#define WX_CS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct event_base;
struct wx_api;
struct wx_msg;
struct wx_cs;

#define WX_CS_MAX_TEXT		2000	/* bytes per message (platform
					   allows 2048) */
#define WX_CS_MAX_USERS		10000	/* followers tracked */
#define WX_CS_MAX_PARTS		16	/* parts queued per follower */
#define WX_CS_MAX_BYTES		(4 * 1024 * 1024) /* queued, all */
#define WX_CS_DELAY		500	/* ms before the first part */
#define WX_CS_MSG_QUOTA		5	/* after a message from them */
#define WX_CS_MSG_WINDOW	(48 * 3600)
#define WX_CS_EVENT_QUOTA	3	/* after a click, follow, scan */
#define WX_CS_EVENT_WINDOW	60
#define WX_CS_MAX_OPENID	128

struct wx_cs_cfg {
	unsigned char	 uid_key[16];	/* keys the follower hash in logs
					   (the daemon's uid.key) */
	size_t		 max_users;	/* 0: the defaults above */
	size_t		 max_parts;
	size_t		 max_bytes;
	/*
	 * Wait before the first part of an answer so that the passive reply,
	 * still on its way through WeChat, is seen first.  0: the default;
	 * no_delay: none.
	 */
	unsigned	 delay_ms;
	int		 no_delay;
};

/* What a follower did, for the window (§7.4). */
enum wx_cs_event {
	WX_CS_MESSAGE = 0,	/* sent a message: 5 in 48 h */
	WX_CS_EVENT,		/* clicked, followed, scanned: 3 in 1 min */
	WX_CS_GONE,		/* unfollowed: nothing until they return */
};

/*
 * Make the sender on api (borrowed; must outlive it).  Returns NULL when
 * memory is short.
 */
struct wx_cs *wx_cs_new(struct wx_api *api, struct event_base *base,
	    const struct wx_cs_cfg *cfg);

/* Cancel what is in flight (silently) and free.  NULL is a no-op. */
void	wx_cs_free(struct wx_cs *);

/* Record an interaction of openid at now: opens or renews its window. */
void	wx_cs_interaction(struct wx_cs *, const char *openid,
	    enum wx_cs_event ev, time_t now);

/*
 * The same from an inbound message: messages open the 48 h window; CLICK,
 * scancode_push/waitmsg, subscribe and SCAN the 1 min one; unsubscribe
 * closes it; other events change nothing.  Call it before dispatch.
 */
void	wx_cs_observe(struct wx_cs *, const struct wx_msg *msg, time_t now);

/*
 * What msg means for the windows, without touching any state (so another
 * thread can decide and hand the event over): 1 and *ev, or 0 when it
 * changes nothing.
 */
int	wx_cs_event_of(const struct wx_msg *msg, enum wx_cs_event *ev);

/*
 * Queue len bytes of text for openid (a dispatch_send_fn: arg is the
 * struct wx_cs).  Text over WX_CS_MAX_TEXT is split at UTF-8 boundaries.
 * Returns 0 when queued; -1 when it cannot be delivered (window known to
 * be closed, queue or memory limits, bad arguments) — already logged.
 */
int	wx_cs_send_text(void *cs, const char *openid, const char *text,
	    size_t len);

/* For tests: read the wall clock from fn (NULL: time()). */
typedef time_t (*wx_cs_clock_fn)(void);
void	wx_cs_set_clock(struct wx_cs *, wx_cs_clock_fn fn);

struct wx_cs_stats {
	uint64_t	 sent;		/* messages accepted by WeChat */
	uint64_t	 failed;	/* messages WeChat refused */
	uint64_t	 dropped;	/* parts given up (incl. failed) */
	uint64_t	 refused;	/* wx_cs_send_text() that said -1 */
	size_t		 users;		/* followers tracked */
	size_t		 queued;	/* parts waiting or in flight */
	size_t		 bytes;		/* their bytes */
};
void	wx_cs_stats(const struct wx_cs *, struct wx_cs_stats *);

#endif
