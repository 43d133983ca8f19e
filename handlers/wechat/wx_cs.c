/*
 * wx_cs — per-follower queues of customer-service text parts, sent one at
 * a time, and the §7.4 window of each follower.  Followers live in a hash
 * table keyed by the keyed hash of the OpenID and in an LRU list; the
 * least recently seen follower with nothing queued makes room.
 */
#include <sys/queue.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "handlers/callback/wx_msg.h"
#include "handlers/callback/wx_reply.h"
#include "handlers/wechat/wx_api.h"
#include "handlers/wechat/wx_cs.h"
#include "handlers/wechat/wx_errcode.h"
#include "lib/cache.h"
#include "lib/log.h"
#include "lib/siphash.h"
#include "lib/utf8.h"

struct wx_cs_part {
	TAILQ_ENTRY(wx_cs_part) p_entry;
	size_t		 p_len;
	char		 p_text[];	/* p_len bytes and a NUL */
};

TAILQ_HEAD(wx_cs_parts, wx_cs_part);

struct wx_cs_user {
	struct wx_cs_user *u_next;		/* hash bucket */
	TAILQ_ENTRY(wx_cs_user) u_lru;
	struct wx_cs	*u_cs;
	uint64_t	 u_hash;
	char		 u_hex[17];		/* for logs */
	char		*u_openid;		/* while parts are queued */

	/* The window (§7.4); unknown followers are let through. */
	int		 u_known;
	time_t		 u_msg_until;
	unsigned	 u_msg_left;
	time_t		 u_evt_until;
	unsigned	 u_evt_left;

	struct wx_cs_parts u_parts;
	size_t		 u_nparts, u_bytes;
	struct wx_api_call *u_call;		/* the part in flight */
	struct event	*u_timer;		/* the first-part delay */
};

TAILQ_HEAD(wx_cs_lru, wx_cs_user);

struct wx_cs {
	struct wx_api	*cs_api;
	struct event_base *cs_base;
	unsigned char	 cs_key[16];
	size_t		 cs_max_users, cs_max_parts, cs_max_bytes;
	unsigned	 cs_delay_ms;
	wx_cs_clock_fn	 cs_clock;
	struct wx_cs_user **cs_buckets;
	size_t		 cs_nbuckets;		/* power of two */
	struct wx_cs_lru cs_lru;		/* oldest first */
	struct wx_cs_stats cs_stats;
};

static void	cs_next(struct wx_cs_user *);

static time_t
cs_now(const struct wx_cs *cs)
{
	return cs->cs_clock != NULL ? cs->cs_clock() : time(NULL);
}

struct wx_cs *
wx_cs_new(struct wx_api *api, struct event_base *base,
    const struct wx_cs_cfg *cfg)
{
	struct wx_cs *cs = calloc(1, sizeof *cs);

	if (cs == NULL)
		return NULL;
	cs->cs_api = api;
	cs->cs_base = base;
	memcpy(cs->cs_key, cfg->uid_key, sizeof cs->cs_key);
	cs->cs_max_users = cfg->max_users > 0 ? cfg->max_users :
	    WX_CS_MAX_USERS;
	cs->cs_max_parts = cfg->max_parts > 0 ? cfg->max_parts :
	    WX_CS_MAX_PARTS;
	cs->cs_max_bytes = cfg->max_bytes > 0 ? cfg->max_bytes :
	    WX_CS_MAX_BYTES;
	cs->cs_delay_ms = cfg->no_delay ? 0 : cfg->delay_ms > 0 ?
	    cfg->delay_ms : WX_CS_DELAY;
	TAILQ_INIT(&cs->cs_lru);
	cs->cs_nbuckets = 16;
	while (cs->cs_nbuckets < cs->cs_max_users)
		cs->cs_nbuckets *= 2;
	cs->cs_buckets = calloc(cs->cs_nbuckets, sizeof *cs->cs_buckets);
	if (cs->cs_buckets == NULL) {
		free(cs);
		return NULL;
	}
	return cs;
}

static void
cs_clear_parts(struct wx_cs_user *u)
{
	struct wx_cs_part *p;

	while ((p = TAILQ_FIRST(&u->u_parts)) != NULL) {
		TAILQ_REMOVE(&u->u_parts, p, p_entry);
		u->u_cs->cs_stats.queued--;
		u->u_cs->cs_stats.bytes -= p->p_len;
		free(p);
	}
	u->u_nparts = 0;
	u->u_bytes = 0;
	free(u->u_openid);
	u->u_openid = NULL;
}

static void
cs_user_free(struct wx_cs_user *u)
{
	wx_api_cancel(u->u_call);
	if (u->u_timer != NULL)
		event_free(u->u_timer);
	cs_clear_parts(u);
	free(u);
}

void
wx_cs_free(struct wx_cs *cs)
{
	struct wx_cs_user *u;

	if (cs == NULL)
		return;
	while ((u = TAILQ_FIRST(&cs->cs_lru)) != NULL) {
		TAILQ_REMOVE(&cs->cs_lru, u, u_lru);
		cs_user_free(u);
	}
	free(cs->cs_buckets);
	free(cs);
}

void
wx_cs_set_clock(struct wx_cs *cs, wx_cs_clock_fn fn)
{
	cs->cs_clock = fn;
}

void
wx_cs_stats(const struct wx_cs *cs, struct wx_cs_stats *st)
{
	*st = cs->cs_stats;
}

static struct wx_cs_user *
cs_lookup(struct wx_cs *cs, uint64_t h)
{
	struct wx_cs_user *u;

	for (u = cs->cs_buckets[h & (cs->cs_nbuckets - 1)]; u != NULL;
	    u = u->u_next) {
		if (u->u_hash == h)
			return u;
	}
	return NULL;
}

static void
cs_unlink(struct wx_cs *cs, struct wx_cs_user *u)
{
	struct wx_cs_user **pp;

	pp = &cs->cs_buckets[u->u_hash & (cs->cs_nbuckets - 1)];
	while (*pp != u)
		pp = &(*pp)->u_next;
	*pp = u->u_next;
	TAILQ_REMOVE(&cs->cs_lru, u, u_lru);
	cs->cs_stats.users--;
}

/* Make room: forget the least recently seen idle follower. */
static int
cs_evict(struct wx_cs *cs)
{
	struct wx_cs_user *u;

	TAILQ_FOREACH(u, &cs->cs_lru, u_lru) {
		if (u->u_nparts == 0 && u->u_call == NULL) {
			cs_unlink(cs, u);
			cs_user_free(u);
			return 0;
		}
	}
	return -1;
}

/* The follower of openid, made when create; NULL when full or no memory. */
static struct wx_cs_user *
cs_user(struct wx_cs *cs, const char *openid, int create)
{
	uint64_t h = siphash(cs->cs_key, openid, strlen(openid));
	struct wx_cs_user *u = cs_lookup(cs, h), **b;

	if (u != NULL) {
		TAILQ_REMOVE(&cs->cs_lru, u, u_lru);
		TAILQ_INSERT_TAIL(&cs->cs_lru, u, u_lru);
		return u;
	}
	if (!create)
		return NULL;
	if (cs->cs_stats.users >= cs->cs_max_users && cs_evict(cs) != 0)
		return NULL;
	u = calloc(1, sizeof *u);
	if (u == NULL)
		return NULL;
	u->u_cs = cs;
	u->u_hash = h;
	snprintf(u->u_hex, sizeof u->u_hex, "%016" PRIx64, h);
	TAILQ_INIT(&u->u_parts);
	b = &cs->cs_buckets[h & (cs->cs_nbuckets - 1)];
	u->u_next = *b;
	*b = u;
	TAILQ_INSERT_TAIL(&cs->cs_lru, u, u_lru);
	cs->cs_stats.users++;
	return u;
}

/* OpenIDs are short printable ASCII; anything else is not one. */
static int
cs_valid_openid(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return 0;
	for (; s[n] != '\0'; n++) {
		if (n >= WX_CS_MAX_OPENID || s[n] <= ' ' || s[n] > '~' ||
		    s[n] == '"' || s[n] == '\\')
			return 0;
	}
	return n > 0;
}

void
wx_cs_interaction(struct wx_cs *cs, const char *openid, enum wx_cs_event ev,
    time_t now)
{
	struct wx_cs_user *u;

	if (!cs_valid_openid(openid))
		return;
	u = cs_user(cs, openid, 1);
	if (u == NULL)
		return;
	u->u_known = 1;
	switch (ev) {
	case WX_CS_MESSAGE:
		u->u_msg_left = WX_CS_MSG_QUOTA;
		u->u_msg_until = now + WX_CS_MSG_WINDOW;
		break;
	case WX_CS_EVENT:
		u->u_evt_left = WX_CS_EVENT_QUOTA;
		u->u_evt_until = now + WX_CS_EVENT_WINDOW;
		break;
	case WX_CS_GONE:
		u->u_msg_left = u->u_evt_left = 0;
		break;
	}
}

int
wx_cs_event_of(const struct wx_msg *msg, enum wx_cs_event *ev)
{
	switch (msg->type) {
	case WX_MSG_TEXT:
	case WX_MSG_IMAGE:
	case WX_MSG_VOICE:
	case WX_MSG_VIDEO:
	case WX_MSG_SHORTVIDEO:
	case WX_MSG_LOCATION:
	case WX_MSG_LINK:
		*ev = WX_CS_MESSAGE;
		return 1;
	case WX_MSG_EVENT:
		break;
	case WX_MSG_UNKNOWN:
		return 0;
	}
	switch (msg->event) {
	case WX_EV_SUBSCRIBE:
	case WX_EV_SCAN:
	case WX_EV_CLICK:
	case WX_EV_SCANCODE_PUSH:
	case WX_EV_SCANCODE_WAITMSG:
		*ev = WX_CS_EVENT;
		return 1;
	case WX_EV_UNSUBSCRIBE:
		*ev = WX_CS_GONE;
		return 1;
	default:
		return 0;
	}
}

void
wx_cs_observe(struct wx_cs *cs, const struct wx_msg *msg, time_t now)
{
	enum wx_cs_event ev;

	if (wx_cs_event_of(msg, &ev))
		wx_cs_interaction(cs, msg->from_user, ev, now);
}

/* 1 when the window lets one more message through at now. */
static int
cs_window_open(const struct wx_cs_user *u, time_t now)
{
	if (!u->u_known)
		return 1;
	return (u->u_evt_until > now && u->u_evt_left > 0) ||
	    (u->u_msg_until > now && u->u_msg_left > 0);
}

/* Spend one message of the window that ends first. */
static void
cs_window_spend(struct wx_cs_user *u, time_t now)
{
	if (u->u_evt_until > now && u->u_evt_left > 0)
		u->u_evt_left--;
	else if (u->u_msg_until > now && u->u_msg_left > 0)
		u->u_msg_left--;
}

static const char *
cs_window_words(const struct wx_cs_user *u, time_t now)
{
	if (u->u_msg_until > now || u->u_evt_until > now)
		return "the messages allowed since the follower's last "
		    "interaction are used up";
	return "the follower has not interacted within the allowed time "
	    "(48 h after a message, 1 min after a click or follow)";
}

/* Give up the queued parts of u and say so, once. */
static void
cs_drop(struct wx_cs_user *u, long errcode, const char *why)
{
	struct wx_cs *cs = u->u_cs;
	struct log_kv kv[2];
	char code[24];
	size_t n = u->u_nparts, bytes = u->u_bytes;

	if (n == 0)
		return;
	snprintf(code, sizeof code, "%ld", errcode);
	kv[0].key = "USER";
	kv[0].value = u->u_hex;
	kv[1].key = "ERRCODE";
	kv[1].value = errcode != 0 ? code : NULL;
	log_msg(LOG_WARNING, "cs_undelivered", kv, 2, "customer-service "
	    "message to user %s not delivered: %s; %zu part(s), %zu bytes "
	    "dropped", u->u_hex, why, n, bytes);
	cs->cs_stats.dropped += n;
	if (u->u_timer != NULL)
		evtimer_del(u->u_timer);
	cs_clear_parts(u);
}

static void
cs_sent_cb(void *arg, const struct wx_api_res *res)
{
	struct wx_cs_user *u = arg;
	struct wx_cs *cs = u->u_cs;
	struct wx_cs_part *p;
	time_t now = cs_now(cs);

	u->u_call = NULL;
	if (res->err == WX_API_OK) {
		cs->cs_stats.sent++;
		cs_window_spend(u, now);
		p = TAILQ_FIRST(&u->u_parts);
		if (p != NULL) {
			TAILQ_REMOVE(&u->u_parts, p, p_entry);
			u->u_nparts--;
			u->u_bytes -= p->p_len;
			cs->cs_stats.queued--;
			cs->cs_stats.bytes -= p->p_len;
			free(p);
		}
		cs_next(u);
		return;
	}
	cs->cs_stats.failed++;
	switch (res->errcode) {
	case 45015:
	case 43004:
	case 40003:
		/* Closed until they interact again. */
		u->u_known = 1;
		u->u_msg_left = u->u_evt_left = 0;
		u->u_msg_until = u->u_evt_until = 0;
		break;
	case 45047:
		u->u_known = 1;
		u->u_msg_left = u->u_evt_left = 0;
		break;
	}
	cs_drop(u, res->errcode, res->message);
}

/* Send the first queued part of u, if any and nothing is in flight. */
static void
cs_next(struct wx_cs_user *u)
{
	struct wx_cs *cs = u->u_cs;
	struct wx_cs_part *p = TAILQ_FIRST(&u->u_parts);
	struct wx_api_req req;
	json_t *body;
	time_t now = cs_now(cs);

	if (p == NULL) {
		/* The OpenID is kept only while something is queued. */
		free(u->u_openid);
		u->u_openid = NULL;
		return;
	}
	if (u->u_call != NULL)
		return;
	if (!cs_window_open(u, now)) {
		cs_drop(u, 0, cs_window_words(u, now));
		return;
	}
	body = json_pack("{s:s,s:s,s:{s:s%}}", "touser", u->u_openid,
	    "msgtype", "text", "text", "content", p->p_text, p->p_len);
	memset(&req, 0, sizeof req);
	req.method = WX_API_POST;
	req.path = "/cgi-bin/message/custom/send";
	req.auth = 1;
	req.body = body;
	u->u_call = body != NULL ? wx_api_call(cs->cs_api, &req, cs_sent_cb,
	    u) : NULL;
	json_decref(body);
	if (u->u_call == NULL)
		cs_drop(u, 0, "the request could not be started");
}

static void
cs_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	cs_next(arg);
}

int
wx_cs_send_text(void *arg, const char *openid, const char *text, size_t len)
{
	struct wx_cs *cs = arg;
	struct wx_cs_user *u;
	struct wx_cs_part *p;
	struct wx_cs_parts fresh;
	struct timeval tv;
	size_t off, n, nparts = 0;
	int idle;
	time_t now = cs_now(cs);
	const char *why = NULL;

	if (!cs_valid_openid(openid) || text == NULL || len == 0) {
		cs->cs_stats.refused++;
		return -1;
	}
	u = cs_user(cs, openid, 1);
	if (u == NULL) {
		cs->cs_stats.refused++;
		log_warn("cs_undelivered", "customer-service message not "
		    "queued: %zu followers have messages waiting",
		    cs->cs_stats.users);
		return -1;
	}
	if (!utf8_valid(text, len))
		why = "the text is not UTF-8";
	else if (!cs_window_open(u, now))
		why = cs_window_words(u, now);
	else if (cs->cs_stats.bytes + len > cs->cs_max_bytes)
		why = "too many bytes are waiting to be sent";
	TAILQ_INIT(&fresh);
	for (off = 0; why == NULL && off < len; off += n) {
		n = utf8_prefix(text + off, len - off, WX_CS_MAX_TEXT);
		if (n == 0) {
			why = "the text is not UTF-8";
			break;
		}
		if (u->u_nparts + nparts >= cs->cs_max_parts) {
			why = "too many parts are waiting for this follower";
			break;
		}
		p = malloc(sizeof *p + n + 1);
		if (p == NULL) {
			why = "out of memory";
			break;
		}
		memcpy(p->p_text, text + off, n);
		p->p_text[n] = '\0';
		p->p_len = n;
		TAILQ_INSERT_TAIL(&fresh, p, p_entry);
		nparts++;
	}
	if (why == NULL && u->u_openid == NULL) {
		u->u_openid = strdup(openid);
		if (u->u_openid == NULL)
			why = "out of memory";
	}
	if (why != NULL) {
		struct log_kv kv[1] = { { "USER", u->u_hex } };

		while ((p = TAILQ_FIRST(&fresh)) != NULL) {
			TAILQ_REMOVE(&fresh, p, p_entry);
			free(p);
		}
		cs->cs_stats.refused++;
		log_msg(LOG_WARNING, "cs_undelivered", kv, 1,
		    "customer-service message to user %s not delivered: %s; "
		    "%zu bytes dropped", u->u_hex, why, len);
		return -1;
	}
	idle = u->u_nparts == 0 && u->u_call == NULL;
	while ((p = TAILQ_FIRST(&fresh)) != NULL) {
		TAILQ_REMOVE(&fresh, p, p_entry);
		TAILQ_INSERT_TAIL(&u->u_parts, p, p_entry);
		u->u_nparts++;
		u->u_bytes += p->p_len;
		cs->cs_stats.queued++;
		cs->cs_stats.bytes += p->p_len;
	}
	if (!idle)
		return 0;
	if (u->u_timer == NULL) {
		u->u_timer = evtimer_new(cs->cs_base, cs_timer_cb, u);
		if (u->u_timer == NULL) {
			cs_drop(u, 0, "out of memory");
			return -1;
		}
	}
	if (evtimer_pending(u->u_timer, NULL))
		return 0;
	tv.tv_sec = cs->cs_delay_ms / 1000;
	tv.tv_usec = (cs->cs_delay_ms % 1000) * 1000;
	evtimer_add(u->u_timer, &tv);
	return 0;
}
