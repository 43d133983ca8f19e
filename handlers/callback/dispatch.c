/*
 * dispatch — choose and render the reply for one message.  The knowledge
 * base decides what matches; this file decides what a resident sees.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/callback/dispatch.h"
#include "handlers/callback/wx_share.h"
#include "handlers/callback/wx_reply.h"
#include "kb/kb.h"
#include "kb/kb_norm.h"
#include "kb/kb_stats.h"
#include "kb/kb_unanswered.h"
#include "lib/cache.h"
#include "lib/rand.h"
#include "lib/siphash.h"
#include "lib/utf8.h"

#define DISPATCH_USERS		4096
#define DISPATCH_USER_BYTES	(1024 * 1024)
/* Bytes of a title in a suggestion list: head, 3 lines, tail < 1 KiB. */
#define DISPATCH_TITLE_MAX	240

static const char dispatch_media_text[] =
    "您好，目前只能回答文字提问。请直接输入您想了解的内容，"
    "例如“街道办电话”“怎么申请政府信息公开”。";
static const char dispatch_suggest_head[] = "您是不是想问：\n";
static const char dispatch_suggest_tail[] = "回复数字查看";
static const char dispatch_phone_tail[] = "；都不是，请致电 %s";
static const char dispatch_period_text[] =
    "我们这里的数字来自%s年的年度报告，没有%d年的数据，不能拿%s年的数字"
    "回答您。%s年份的情况请致电 %s 咨询。";
static const char dispatch_more[] = "……（内容较长，完整内容见 %s ）";
static const char dispatch_cut[] = "……";

struct dispatch {
	struct kb		*kb;
	struct kb_unanswered	*unanswered;
	struct kb_stats		*stats;
	struct cache		*suggested;	/* user hash -> "id\nid\nid" */
	unsigned char		 user_key[16];
	dispatch_send_fn	 send;
	void			*send_arg;
	const struct wx_share	*share;		/* NULL: suggestions local */
	unsigned int		 rand_state;
	/*
	 * Workers share one dispatcher: the lock guards kb (swapped by
	 * reloads), suggested, unanswered, stats and rand_state.  A request
	 * takes a reference on kb under it and works on that generation
	 * unlocked.
	 */
	pthread_mutex_t		 lock;
};

struct dispatch *
dispatch_new(void)
{
	struct dispatch *d;
	unsigned char seed[32];

	if (rand_bytes(seed, sizeof seed) != 0)
		return NULL;
	d = calloc(1, sizeof *d);
	if (d == NULL)
		return NULL;
	memcpy(d->user_key, seed, sizeof d->user_key);
	memcpy(&d->rand_state, seed + 28, sizeof d->rand_state);
	pthread_mutex_init(&d->lock, NULL);
	d->suggested = cache_new(DISPATCH_USERS, DISPATCH_USER_BYTES,
	    DISPATCH_SUGGEST_TTL, seed + 16);
	if (d->suggested == NULL) {
		free(d);
		return NULL;
	}
	return d;
}

void
dispatch_free(struct dispatch *d)
{
	if (d == NULL)
		return;
	kb_unref(d->kb);
	cache_free(d->suggested);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

void
dispatch_set_kb(struct dispatch *d, struct kb *kb)
{
	struct kb *old;

	if (kb != NULL)
		kb_ref(kb);
	pthread_mutex_lock(&d->lock);
	old = d->kb;
	d->kb = kb;
	pthread_mutex_unlock(&d->lock);
	kb_unref(old);
}

struct kb *
dispatch_kb_acquire(struct dispatch *d)
{
	struct kb *kb;

	pthread_mutex_lock(&d->lock);
	kb = d->kb;
	if (kb != NULL)
		kb_ref(kb);
	pthread_mutex_unlock(&d->lock);
	return kb;
}

json_t *
dispatch_unanswered_json(struct dispatch *d, size_t limit)
{
	json_t *j = NULL;

	pthread_mutex_lock(&d->lock);
	if (d->unanswered != NULL)
		j = kb_unanswered_json(d->unanswered, limit);
	pthread_mutex_unlock(&d->lock);
	return j;
}

int
dispatch_unanswered_set_state(struct dispatch *d, const char *text,
    int state, time_t now)
{
	int r = -1;

	pthread_mutex_lock(&d->lock);
	if (d->unanswered != NULL)
		r = kb_unanswered_set_state(d->unanswered, text,
		    (enum kb_unanswered_state)state, now);
	pthread_mutex_unlock(&d->lock);
	return r;
}

int
dispatch_unanswered_save(struct dispatch *d, const char *path,
    char **cause)
{
	int r = 0;

	pthread_mutex_lock(&d->lock);
	if (d->unanswered != NULL)
		r = kb_unanswered_save(d->unanswered, path, cause);
	pthread_mutex_unlock(&d->lock);
	return r;
}

json_t *
dispatch_stats_json(struct dispatch *d)
{
	json_t *j = NULL;

	pthread_mutex_lock(&d->lock);
	if (d->stats != NULL)
		j = kb_stats_json(d->stats);
	pthread_mutex_unlock(&d->lock);
	return j;
}

int
dispatch_stats_save(struct dispatch *d, const char *path, char **cause)
{
	int r = 0;

	pthread_mutex_lock(&d->lock);
	if (d->stats != NULL)
		r = kb_stats_save(d->stats, path, cause);
	pthread_mutex_unlock(&d->lock);
	return r;
}

void
dispatch_set_stats(struct dispatch *d, struct kb_stats *stats)
{
	d->stats = stats;
}

/*
 * Count what a message got: questions by outcome, items by servings (menu
 * clicks serve an item but ask nothing).
 */
static void
dispatch_count(struct dispatch *d, const struct wx_dispatch_out *out,
    time_t now)
{
	enum kb_stats_outcome o;
	int question = 1;

	switch (out->answer) {
	case WX_ANS_HIT:
	case WX_ANS_FOLLOWUP:
		o = KB_STATS_ANSWERED;
		break;
	case WX_ANS_SUGGEST:
		o = KB_STATS_SUGGESTED;
		break;
	case WX_ANS_MISS:
		o = KB_STATS_UNANSWERED;
		break;
	case WX_ANS_MENU:
		o = KB_STATS_ANSWERED;
		question = 0;
		break;
	default:
		return;
	}
	pthread_mutex_lock(&d->lock);
	if (d->stats != NULL) {
		if (question)
			kb_stats_question(d->stats, o, now);
		if (out->item[0] != '\0')
			(void)kb_stats_hit(d->stats, out->item);
	}
	pthread_mutex_unlock(&d->lock);
}

static void
dispatch_record(struct dispatch *d, const char *normalized, time_t now)
{
	pthread_mutex_lock(&d->lock);
	if (d->unanswered != NULL)
		kb_unanswered_record(d->unanswered, normalized, now);
	pthread_mutex_unlock(&d->lock);
}

void
dispatch_set_unanswered(struct dispatch *d, struct kb_unanswered *u)
{
	d->unanswered = u;
}

void
dispatch_set_sender(struct dispatch *d, dispatch_send_fn fn, void *arg)
{
	d->send = fn;
	d->send_arg = arg;
}

/*
 * Render text as a passive reply, splitting it when it is too long: the
 * rest goes to the sender when there is one, or the text is shortened
 * with a pointer to where the whole of it can be read.
 */
static int
dispatch_text(struct dispatch *d, const struct wx_msg *msg, const char *text,
    const char *more_url, struct wx_dispatch_out *out)
{
	struct wx_reply r;
	char *buf = NULL;
	size_t len = strlen(text), cut, taillen;
	int rc;

	memset(&r, 0, sizeof r);
	r.type = WX_REPLY_TEXT;
	r.content = text;
	if (len > DISPATCH_MAX_TEXT) {
		if (d->send != NULL) {
			cut = utf8_prefix(text, len, DISPATCH_MAX_TEXT);
			for (size_t off = cut; off < len; off += taillen) {
				taillen = utf8_prefix(text + off,
				    len - off, DISPATCH_MAX_TEXT);
				if (taillen == 0 || d->send(d->send_arg,
				    msg->from_user, text + off, taillen) != 0)
					break;
			}
		} else {
			size_t room = DISPATCH_MAX_TEXT - 200;

			cut = utf8_prefix(text, len, room);
		}
		buf = malloc(cut + 256 + (more_url != NULL ?
		    strlen(more_url) : 0));
		if (buf == NULL)
			return -1;
		memcpy(buf, text, cut);
		buf[cut] = '\0';
		if (d->send == NULL && more_url != NULL)
			sprintf(buf + cut, dispatch_more, more_url);
		else if (d->send == NULL)
			strcpy(buf + cut, dispatch_cut);
		r.content = buf;
	}
	rc = wx_reply_render(&r, msg->from_user, msg->to_user,
	    msg->create_time, &out->xml, &out->len);
	free(buf);
	return rc == WX_REPLY_OK ? 0 : -1;
}

/* Render one knowledge-base reply object. */
static int
dispatch_kb_reply(struct dispatch *d, const struct wx_msg *msg,
    const struct kb_reply *kr, const char *more_url,
    struct wx_dispatch_out *out)
{
	struct wx_article arts[WX_REPLY_MAX_ARTICLES];
	struct wx_reply r;
	size_t i;

	if (kr->type == KB_REPLY_TEXT)
		return dispatch_text(d, msg, kr->content, more_url, out);
	memset(&r, 0, sizeof r);
	switch (kr->type) {
	case KB_REPLY_NEWS:
		r.type = WX_REPLY_NEWS;
		break;
	case KB_REPLY_IMAGE:
		r.type = WX_REPLY_IMAGE;
		break;
	case KB_REPLY_VOICE:
		r.type = WX_REPLY_VOICE;
		break;
	case KB_REPLY_VIDEO:
		r.type = WX_REPLY_VIDEO;
		break;
	case KB_REPLY_MUSIC:
		r.type = WX_REPLY_MUSIC;
		break;
	default:
		return -1;
	}
	r.media_id = kr->media_id;
	r.title = kr->title;
	r.description = kr->description;
	r.music_url = kr->music_url;
	r.hq_music_url = kr->hq_music_url;
	r.thumb_media_id = kr->thumb_media_id;
	/* A reply to a resident's message may carry one article (§6.2). */
	r.narticles = kr->narticles > 0 ? 1 : 0;
	if (msg->type == WX_MSG_EVENT && kr->narticles > 1)
		r.narticles = kr->narticles > WX_REPLY_MAX_ARTICLES ?
		    WX_REPLY_MAX_ARTICLES : kr->narticles;
	for (i = 0; i < r.narticles; i++) {
		arts[i].title = kr->articles[i].title;
		arts[i].description = kr->articles[i].description;
		arts[i].pic_url = kr->articles[i].picurl;
		arts[i].url = kr->articles[i].url;
	}
	r.articles = arts;
	return wx_reply_render(&r, msg->from_user, msg->to_user,
	    msg->create_time, &out->xml, &out->len) == WX_REPLY_OK ? 0 : -1;
}

/* Simple LCG: random_one needs variety, not unpredictability. */
static size_t
dispatch_pick(struct dispatch *d, size_t n)
{
	unsigned int r;

	pthread_mutex_lock(&d->lock);
	d->rand_state = d->rand_state * 1103515245u + 12345u;
	r = d->rand_state;
	pthread_mutex_unlock(&d->lock);
	return (size_t)(r >> 8) % n;
}

static int
dispatch_item(struct dispatch *d, const struct wx_msg *msg,
    const struct kb_item *item, struct wx_dispatch_out *out)
{
	const struct kb_reply *kr = &item->replies[0];
	const char *more = item->source_url;
	size_t i;
	int r;

	snprintf(out->item, sizeof out->item, "%s", item->id);
	if (item->reply_mode == KB_MODE_RANDOM_ONE)
		kr = &item->replies[dispatch_pick(d, item->nreplies)];
	r = dispatch_kb_reply(d, msg, kr, more, out);
	/*
	 * The other replies of "all" only after the first, whose own rest
	 * (when long) has just been sent: the resident reads them in order.
	 */
	if (r == 0 && item->reply_mode == KB_MODE_ALL && d->send != NULL) {
		for (i = 1; i < item->nreplies; i++) {
			if (item->replies[i].type == KB_REPLY_TEXT)
				(void)d->send(d->send_arg, msg->from_user,
				    item->replies[i].content,
				    strlen(item->replies[i].content));
		}
	}
	return r;
}

size_t
dispatch_result_text(const struct kb *kb, const struct kb_result *res,
    char *text, size_t size)
{
	const char *title, *phone = kb_phone(kb);
	const struct kb_item *it = res->item;
	size_t i, n = 0, tlen;

	if (size == 0)
		return 0;
	text[0] = '\0';
	if (res->kind == KB_RESULT_PERIOD) {
		n = (size_t)snprintf(text, size, dispatch_period_text,
		    it->period, res->year, it->period,
		    res->year > it->period_to ? "更晚" : "其他",
		    phone[0] != '\0' ? phone : "街道办事处");
		return n < size ? n : 0;
	}
	if (res->kind != KB_RESULT_SUGGEST)
		return 0;
	n += (size_t)snprintf(text, size, "%s", dispatch_suggest_head);
	for (i = 0; i < res->nsuggestions && n < size; i++) {
		/* Titles have no length limit: cut so three lines fit. */
		title = res->suggestions[i]->title;
		tlen = utf8_prefix(title, strlen(title),
		    DISPATCH_TITLE_MAX);
		n += (size_t)snprintf(text + n, size - n,
		    "%zu. %.*s%s\n", i + 1, (int)tlen, title,
		    title[tlen] != '\0' ? dispatch_cut : "");
	}
	if (n < size)
		n += (size_t)snprintf(text + n, size - n, "%s",
		    dispatch_suggest_tail);
	if (n < size && phone[0] != '\0')
		n += (size_t)snprintf(text + n, size - n, dispatch_phone_tail,
		    phone);
	return n < size ? n : 0;
}

static int
dispatch_suggest(struct dispatch *d, const struct kb *kb,
    const struct wx_msg *msg, const struct kb_result *res, time_t now,
    struct wx_dispatch_out *out)
{
	char text[DISPATCH_SUGGEST_MAX], ids[3 * (KB_MAX_ID + 1) + 1];
	char user[SIPHASH_UID_LEN + 1];
	size_t i, idn = 0;

	if (dispatch_result_text(kb, res, text, sizeof text) == 0)
		return -1;
	ids[0] = '\0';
	for (i = 0; i < res->nsuggestions; i++)
		idn += (size_t)snprintf(ids + idn, sizeof ids - idn, "%s\n",
		    res->suggestions[i]->id);
	siphash_uid(d->user_key, msg->from_user, user);
	pthread_mutex_lock(&d->lock);
	(void)cache_put(d->suggested, user, ids, idn, now);
	pthread_mutex_unlock(&d->lock);
	/* The digit may reach another instance. */
	if (d->share != NULL)
		d->share->ops->put_state(d->share->impl, msg->from_user, ids,
		    idn, DISPATCH_SUGGEST_TTL);
	return dispatch_text(d, msg, text, NULL, out);
}

void
dispatch_set_share(struct dispatch *d, const struct wx_share *share)
{
	d->share = share;
}

void
dispatch_import_state(void *arg, const char *openid, const char *data,
    size_t len, time_t now)
{
	struct dispatch *d = arg;
	char user[SIPHASH_UID_LEN + 1];

	/* At most the list dispatch_suggest() stores. */
	if (len == 0 || len > 3 * (KB_MAX_ID + 1))
		return;
	siphash_uid(d->user_key, openid, user);
	pthread_mutex_lock(&d->lock);
	(void)cache_put(d->suggested, user, data, len, now);
	pthread_mutex_unlock(&d->lock);
}

/*
 * A reply of "1".."3" to a list sent within DISPATCH_SUGGEST_TTL: the item
 * it names, or NULL.
 */
static const struct kb_item *
dispatch_followup(struct dispatch *d, const struct kb *kb,
    const struct wx_msg *msg, const char *norm, time_t now)
{
	const void *val;
	const char *p, *nl;
	char user[SIPHASH_UID_LEN + 1], id[KB_MAX_ID + 1];
	size_t len, want, i;

	if (norm[0] < '1' || norm[0] > '0' + KB_MAX_SUGGESTIONS ||
	    norm[1] != '\0')
		return NULL;
	want = (size_t)(norm[0] - '1');
	siphash_uid(d->user_key, msg->from_user, user);
	id[0] = '\0';
	pthread_mutex_lock(&d->lock);
	if (cache_get(d->suggested, user, now, &val, &len)) {
		for (p = val, i = 0; p < (const char *)val + len;
		    p = nl + 1, i++) {
			nl = memchr(p, '\n', (size_t)((const char *)val + len -
			    p));
			if (nl == NULL)
				break;
			if (i == want) {
				snprintf(id, sizeof id, "%.*s", (int)(nl - p),
				    p);
				break;
			}
		}
	}
	pthread_mutex_unlock(&d->lock);
	return id[0] != '\0' ? kb_find_id(kb, id, now) : NULL;
}

static int
dispatch_text_msg(struct dispatch *d, const struct kb *kb,
    const struct wx_msg *msg, const char *text, time_t now,
    struct wx_dispatch_out *out)
{
	char period[DISPATCH_SUGGEST_MAX];
	struct kb_result res;
	const struct kb_item *item;

	kb_query(kb, text, strlen(text), now, &res);
	item = dispatch_followup(d, kb, msg, res.normalized, now);
	if (item != NULL) {
		out->answer = WX_ANS_FOLLOWUP;
		return dispatch_item(d, msg, item, out);
	}
	switch (res.kind) {
	case KB_RESULT_HIT:
		out->answer = WX_ANS_HIT;
		return dispatch_item(d, msg, res.item, out);
	case KB_RESULT_SUGGEST:
		out->answer = WX_ANS_SUGGEST;
		dispatch_record(d, res.normalized, now);
		return dispatch_suggest(d, kb, msg, &res, now, out);
	case KB_RESULT_PERIOD:
		/* Answered on the item's topic, but not with a figure of
		   another year. */
		out->answer = WX_ANS_HIT;
		snprintf(out->item, sizeof out->item, "%s", res.item->id);
		if (dispatch_result_text(kb, &res, period, sizeof period) == 0)
			return -1;
		return dispatch_text(d, msg, period, NULL, out);
	case KB_RESULT_MISS:
	case KB_RESULT_EMPTY:
		out->answer = WX_ANS_MISS;
		if (res.kind == KB_RESULT_MISS)
			dispatch_record(d, res.normalized, now);
		return dispatch_kb_reply(d, msg, kb_fallback(kb), NULL, out);
	}
	return -1;
}

static int
dispatch_on(struct dispatch *d, const struct kb *kb, const struct wx_msg *msg,
    time_t now, struct wx_dispatch_out *out)
{
	const struct kb_item *item;

	switch (msg->type) {
	case WX_MSG_TEXT:
		if (msg->content == NULL)
			return -1;
		return dispatch_text_msg(d, kb, msg, msg->content, now,
		    out);
	case WX_MSG_VOICE:
		if (msg->recognition != NULL && *msg->recognition != '\0')
			return dispatch_text_msg(d, kb, msg, msg->recognition,
			    now, out);
		/* FALLTHROUGH */
	case WX_MSG_IMAGE:
	case WX_MSG_VIDEO:
	case WX_MSG_SHORTVIDEO:
	case WX_MSG_LOCATION:
	case WX_MSG_LINK:
		out->answer = WX_ANS_MEDIA;
		return dispatch_text(d, msg, dispatch_media_text, NULL, out);
	case WX_MSG_EVENT:
		break;
	case WX_MSG_UNKNOWN:
		out->answer = WX_ANS_IGNORED;
		return 0;
	}
	switch (msg->event) {
	case WX_EV_SUBSCRIBE:
	case WX_EV_SCAN:
		out->answer = WX_ANS_WELCOME;
		return dispatch_kb_reply(d, msg, kb_welcome(kb), NULL, out);
	case WX_EV_CLICK:
		item = msg->event_key != NULL ?
		    kb_find_menu_key(kb, msg->event_key, now) : NULL;
		if (item == NULL) {
			out->answer = WX_ANS_MENU_UNKNOWN;
			return dispatch_kb_reply(d, msg, kb_fallback(kb),
			    NULL, out);
		}
		out->answer = WX_ANS_MENU;
		return dispatch_item(d, msg, item, out);
	default:
		/* Unsubscribe, VIEW, job reports...: nothing to say. */
		out->answer = WX_ANS_IGNORED;
		return 0;
	}
}

int
dispatch_message(void *arg, const struct wx_msg *msg, time_t now,
    struct wx_dispatch_out *out)
{
	struct dispatch *d = arg;
	struct kb *kb = dispatch_kb_acquire(d);
	int r;

	if (kb == NULL)
		return -1;
	r = dispatch_on(d, kb, msg, now, out);
	if (r == 0)
		dispatch_count(d, out, now);
	kb_unref(kb);
	return r;
}
