/*
 * active — the WeChat active API inside wxkbd: the one token holder, the
 * customer-service sender for long answers, and the clients the admin
 * API's WeChat routes use.  All API work runs on the main event loop; workers
 * hand their part to it through a queue.
 */
#ifndef ACTIVE_H
#define ACTIVE_H

#include <time.h>

#include "handlers/callback/wx_callback.h"

struct config;
struct dispatch;
struct wx_token_share;
struct event_base;
struct wx_api;
struct wx_push;
struct active;

/*
 * Start the API client on base (the main loop) when WXKB_APPSECRET is
 * set: returns the new object, or NULL with *cause NULL when the API is
 * off, NULL with *cause (malloc'ed) on failure.  Long answers of d are
 * then delivered through the customer-service API.  token_share (may be
 * NULL, borrowed) is the access_token of every instance.
 */
struct active *active_new(struct event_base *base, const struct config *cfg,
	    const unsigned char uid_key[16], struct dispatch *d,
	    const struct wx_token_share *token_share, char **cause);
void	active_free(struct active *);

/*
 * The wx_dispatch_fn for wx_callback when the API is on (arg is the
 * active): notes the resident's interaction for the customer-service
 * windows, then answers with dispatch_message().  Any thread.
 */
int	active_dispatch(void *arg, const struct wx_msg *msg, time_t now,
	    struct wx_dispatch_out *out);

/* The API client and the pusher, for the admin API; NULL when a is. */
struct wx_api *active_api(const struct active *a);
struct wx_push *active_pusher(const struct active *a);

#endif
