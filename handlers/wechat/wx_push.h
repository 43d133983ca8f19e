/*
 * wx_push — push an article (wx_article) to followers (protocol doc
 * §7.5-§7.8):
 *	thumb  -> material/add_material type=image (permanent)
 *	draft  -> draft/add
 *	publish-> freepublish/submit, then freepublish/get every poll_ms
 *		  until publish_status is not 1 (bounded by poll_max_ms)
 *	preview-> message/mass/preview to one follower (optional)
 *	mass   -> message/mass/sendall to all followers (optional), with
 *		  clientmsgid = the article's idempotency key
 *
 * The key is a hash of everything in the article (text and thumbnail).
 * Each step done is recorded under it in STATE_DIR/push/<key>.json as soon
 * as WeChat accepts it, so repeating a command (or resuming after a crash
 * or a failure) skips what is done: nothing is uploaded, drafted,
 * published, previewed or sent twice.  The mass send also carries the key
 * as clientmsgid, which WeChat itself deduplicates for 24 h.
 */
#ifndef WX_PUSH_H
#define WX_PUSH_H

#include <stddef.h>

#include <jansson.h>

#include "handlers/wechat/wx_article.h"

struct event_base;
struct wx_api;
struct wx_push;

#define WX_PUSH_KEY_LEN		WX_ARTICLE_KEY_LEN
#define WX_PUSH_POLL		5000		/* ms between polls */
#define WX_PUSH_POLL_MAX	300000		/* ms of polling at most */
#define WX_PUSH_DIR		"push"		/* under the state dir */

enum wx_push_err {
	WX_PUSH_OK = 0,
	WX_PUSH_ERR_INVALID = -1,	/* the article breaks a rule */
	WX_PUSH_ERR_API = -2,		/* WeChat refused or could not be
					   reached: see errcode, message */
	WX_PUSH_ERR_STATE = -3,		/* the record cannot be kept */
	WX_PUSH_ERR_PUBLISH = -4,	/* the publish job failed */
	WX_PUSH_ERR_TIMEOUT = -5,	/* still publishing after
					   poll_max_ms: run again later */
	WX_PUSH_ERR_BUSY = -6,		/* this article is being pushed */
	WX_PUSH_ERR_NOMEM = -7,
};

/* The steps, as bits of wx_push_report.done / .skipped. */
enum wx_push_step {
	WX_PUSH_THUMB = 0x01,
	WX_PUSH_DRAFT = 0x02,
	WX_PUSH_PUBLISH = 0x04,
	WX_PUSH_PREVIEW = 0x08,
	WX_PUSH_MASS = 0x10,
};

/* How a push ended.  Valid during the callback only. */
struct wx_push_report {
	int		 err;		/* enum wx_push_err */
	long		 errcode;	/* WeChat's, when err is API */
	const char	*message;	/* plain words: "" on success */
	const char	*key;
	unsigned	 asked;		/* steps the options asked for */
	unsigned	 done;		/* steps done by this run */
	unsigned	 skipped;	/* steps found done before */
	unsigned	 failed;	/* the step that failed, or 0 */
	const char	*thumb_media_id;	/* NULL when not (yet) known */
	const char	*draft_media_id;
	const char	*publish_id;
	const char	*article_url;
	long long	 msg_id;	/* mass send; 0 when none */
	int		 active;	/* 1: still going (a progress report) */
	unsigned	 running;	/* the step going on now, or 0 */
	int		 api_err;	/* enum wx_api_err of a failed call */
	long		 publish_status; /* of a failed publish job */
};

typedef void (*wx_push_cb)(void *arg, const struct wx_push_report *r);

struct wx_push_cfg {
	const char	*state_dir;	/* required: where records live */
	unsigned char	 uid_key[16];	/* hashes the preview OpenID in the
					   record and the log */
	unsigned	 poll_ms;	/* 0: the defaults above */
	unsigned	 poll_max_ms;
};

/*
 * The pusher on api (borrowed; must outlive it).  Returns NULL with
 * *cause (static) when state_dir is missing or memory is short.
 */
struct wx_push *wx_push_new(struct wx_api *api, struct event_base *base,
	    const struct wx_push_cfg *cfg, const char **cause);

/* Cancel running pushes silently (records stay) and free.  NULL: no-op. */
void	wx_push_free(struct wx_push *);

/*
 * Start pushing a (copied) with o.  cb runs once, later, from the loop.
 * Returns 0; or a wx_push_err right away with *cause malloc'ed (invalid
 * article, the same article already running, record unreadable) and no
 * callback.
 */
int	wx_push_start(struct wx_push *, const struct wx_article *a,
	    const struct wx_push_opts *o, wx_push_cb cb, void *arg,
	    char **cause);

/*
 * The progress of the running push of key, as wx_push_report_json() with
 * "state": "running"; NULL when no push of that key runs (or on no
 * memory).
 */
json_t	*wx_push_progress(const struct wx_push *, const char *key);

/* Pushes running now. */
size_t	wx_push_running(const struct wx_push *);

/*
 * The report as JSON for the admin API: {"ok":bool,"state":"running|
 * done|failed","key":...,"message":...,"message_zh":...,"errcode":n,
 * "steps":{"thumb":"done|skipped|failed|running|waiting|-",...},
 * "article_url":...,...}.  "waiting" is a step asked for and not reached
 * yet; "-" one not asked for (or not reached when the push stopped).
 * NULL on no memory.
 */
json_t	*wx_push_report_json(const struct wx_push_report *r);

/* The report as lines for a person (malloc'ed; NULL on no memory). */
char	*wx_push_report_text(const struct wx_push_report *r);

/* Text of an enum wx_push_err (static). */
const char *wx_push_strerror(int err);

#endif
