/*
 * wx_push — the article file, its idempotency key, and the push job: a
 * small state machine whose state is the record file, so a job can stop
 * anywhere and the next run goes on from there.
 */
#include <sys/queue.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "handlers/wechat/wx_api.h"
#include "handlers/wechat/wx_article.h"
#include "handlers/wechat/wx_errcode.h"
#include "handlers/wechat/wx_push.h"
#include "handlers/wechat/wx_push_int.h"
#include "lib/cache.h"
#include "lib/cause.h"
#include "lib/log.h"
#include "lib/siphash.h"

static void	job_run(struct wx_push_job *);

const char *
wx_push_strerror(int err)
{
	switch (err) {
	case WX_PUSH_OK:
		return "success";
	case WX_PUSH_ERR_INVALID:
		return "invalid article";
	case WX_PUSH_ERR_API:
		return "WeChat API error";
	case WX_PUSH_ERR_STATE:
		return "the push record cannot be kept";
	case WX_PUSH_ERR_PUBLISH:
		return "publishing failed";
	case WX_PUSH_ERR_TIMEOUT:
		return "still publishing";
	case WX_PUSH_ERR_BUSY:
		return "this article is being pushed already";
	case WX_PUSH_ERR_NOMEM:
		return "out of memory";
	}
	return "unknown error";
}

struct wx_push *
wx_push_new(struct wx_api *api, struct event_base *base,
    const struct wx_push_cfg *cfg, const char **cause)
{
	struct wx_push *p;

	if (cfg->state_dir == NULL || *cfg->state_dir == '\0') {
		*cause = "pushing needs a state dir (WXKB_STATE_DIR)";
		return NULL;
	}
	*cause = "out of memory";
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return NULL;
	if (asprintf(&p->p_dir, "%s/%s", cfg->state_dir, WX_PUSH_DIR) == -1) {
		free(p);
		return NULL;
	}
	p->p_api = api;
	p->p_base = base;
	memcpy(p->p_key, cfg->uid_key, sizeof p->p_key);
	p->p_poll_ms = cfg->poll_ms > 0 ? cfg->poll_ms : WX_PUSH_POLL;
	p->p_poll_max_ms = cfg->poll_max_ms > 0 ? cfg->poll_max_ms :
	    WX_PUSH_POLL_MAX;
	TAILQ_INIT(&p->p_jobs);
	return p;
}

static void
job_free(struct wx_push_job *j)
{
	TAILQ_REMOVE(&j->j_push->p_jobs, j, j_entry);
	j->j_push->p_njobs--;
	wx_api_cancel(j->j_call);
	if (j->j_timer != NULL)
		event_free(j->j_timer);
	wx_article_cleanup(&j->j_art);
	json_decref(j->j_rec);
	free(j->j_path);
	free(j);
}

void
wx_push_free(struct wx_push *p)
{
	if (p == NULL)
		return;
	while (!TAILQ_EMPTY(&p->p_jobs))
		job_free(TAILQ_FIRST(&p->p_jobs));
	free(p->p_dir);
	free(p);
}

size_t
wx_push_running(const struct wx_push *p)
{
	return p->p_njobs;
}

static const char *
rec_str(const struct wx_push_job *j, const char *key)
{
	return json_string_value(json_object_get(j->j_rec, key));
}


static void
job_report(struct wx_push_job *j, struct wx_push_report *r)
{
	memset(r, 0, sizeof *r);
	r->err = j->j_err;
	r->errcode = j->j_errcode;
	r->message = j->j_msg;
	r->key = j->j_key;
	r->asked = j->j_asked;
	r->done = j->j_done;
	r->skipped = j->j_skipped;
	r->failed = j->j_failed;
	r->thumb_media_id = rec_str(j, "thumb_media_id");
	r->draft_media_id = rec_str(j, "draft_media_id");
	r->publish_id = rec_str(j, "publish_id");
	r->article_url = rec_str(j, "article_url");
	r->msg_id = (long long)json_integer_value(json_object_get(j->j_rec,
	    "mass_msg_id"));
	r->active = !j->j_ended;
	r->running = j->j_ended ? 0 : j->j_step;
	r->api_err = j->j_api_err;
	r->publish_status = j->j_pubstatus;
}

static void
job_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct wx_push_job *j = arg;
	struct wx_push_report r;
	struct log_kv kv[1];

	(void)fd;
	(void)what;
	if (!j->j_ended) {
		job_run(j);
		return;
	}
	kv[0].key = "PUSH_KEY";
	kv[0].value = j->j_key;
	if (j->j_err == WX_PUSH_OK)
		log_msg(LOG_INFO, "push", kv, 1, "push %s finished%s%s",
		    j->j_key, rec_str(j, "article_url") != NULL ? ": " : "",
		    rec_str(j, "article_url") != NULL ? rec_str(j,
		    "article_url") : "");
	else
		log_msg(LOG_WARNING, "push_failed", kv, 1, "push %s stopped: "
		    "%s", j->j_key, j->j_msg);
	job_report(j, &r);
	j->j_cb(j->j_arg, &r);
	job_free(j);
}

/* End the job; the callback runs from the loop. */
static void
job_end(struct wx_push_job *j)
{
	struct timeval tv = { 0, 0 };

	j->j_ended = 1;
	evtimer_add(j->j_timer, &tv);
}

static void
job_fail(struct wx_push_job *j, unsigned step, int err, long errcode,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
job_fail(struct wx_push_job *j, unsigned step, int err, long errcode,
    const char *fmt, ...)
{
	va_list ap;

	j->j_failed = step;
	j->j_err = err;
	j->j_errcode = errcode;
	va_start(ap, fmt);
	vsnprintf(j->j_msg, sizeof j->j_msg, fmt, ap);
	va_end(ap);
	job_end(j);
}

/* A step's call failed: the words say which step and why. */
static void
job_api_fail(struct wx_push_job *j, unsigned step, const char *what,
    const struct wx_api_res *res)
{
	j->j_api_err = res->err;
	job_fail(j, step, WX_PUSH_ERR_API, res->errcode, "%s failed: %s",
	    what, res->message);
}

/* The step is done; record it and go on. */
static void
job_step_done(struct wx_push_job *j, unsigned step)
{
	j->j_done |= step;
	if (wx_push_record_save(j) != 0) {
		j->j_failed = step;
		job_end(j);
		return;
	}
	job_run(j);
}

static void
job_call(struct wx_push_job *j, const struct wx_api_req *req, wx_api_cb cb,
    unsigned step)
{
	j->j_step = step;
	j->j_call = wx_api_call(j->j_push->p_api, req, cb, j);
	if (j->j_call == NULL)
		job_fail(j, step, WX_PUSH_ERR_NOMEM, 0, "the request could not "
		    "be started");
}

/* POST body (JSON, stolen) to path with the token, as job_call(). */
static void
job_post(struct wx_push_job *j, const char *path, json_t *body,
    int idempotent, wx_api_cb cb, unsigned step)
{
	struct wx_api_req req;

	memset(&req, 0, sizeof req);
	req.method = WX_API_POST;
	req.path = path;
	req.auth = 1;
	req.body = body;
	req.idempotent = idempotent;
	job_call(j, &req, cb, step);
	json_decref(body);
}

static void
thumb_cb(void *arg, const struct wx_api_res *res)
{
	struct wx_push_job *j = arg;
	json_t *id = json_object_get(res->json, "media_id");

	j->j_call = NULL;
	if (res->err != WX_API_OK) {
		job_api_fail(j, WX_PUSH_THUMB, "uploading the cover image",
		    res);
		return;
	}
	if (!json_is_string(id)) {
		job_fail(j, WX_PUSH_THUMB, WX_PUSH_ERR_API, 0, "uploading the "
		    "cover image: the answer has no media_id");
		return;
	}
	json_object_set(j->j_rec, "thumb_media_id", id);
	if (json_is_string(json_object_get(res->json, "url")))
		json_object_set(j->j_rec, "thumb_url", json_object_get(
		    res->json, "url"));
	job_step_done(j, WX_PUSH_THUMB);
}

static void
job_thumb(struct wx_push_job *j)
{
	struct wx_api_req req;

	memset(&req, 0, sizeof req);
	req.method = WX_API_POST;
	req.path = "/cgi-bin/material/add_material";
	req.query = "type=image";
	req.auth = 1;
	req.file_field = "media";
	req.file_name = j->j_art.thumb_name;
	req.file_type = wx_article_thumb_type(&j->j_art);
	req.file_data = j->j_art.thumb;
	req.file_len = j->j_art.thumb_len;
	job_call(j, &req, thumb_cb, WX_PUSH_THUMB);
}

static void
draft_cb(void *arg, const struct wx_api_res *res)
{
	struct wx_push_job *j = arg;
	json_t *id = json_object_get(res->json, "media_id");

	j->j_call = NULL;
	if (res->err != WX_API_OK) {
		job_api_fail(j, WX_PUSH_DRAFT, "saving the draft", res);
		return;
	}
	if (!json_is_string(id)) {
		job_fail(j, WX_PUSH_DRAFT, WX_PUSH_ERR_API, 0, "saving the "
		    "draft: the answer has no media_id");
		return;
	}
	json_object_set(j->j_rec, "draft_media_id", id);
	job_step_done(j, WX_PUSH_DRAFT);
}

static void
job_draft(struct wx_push_job *j)
{
	const struct wx_article *a = &j->j_art;
	json_t *art, *body;

	art = json_pack("{s:s,s:s,s:s*,s:s*,s:s,s:s*,s:s,s:i,s:i}",
	    "article_type", "news", "title", a->title, "author", a->author,
	    "digest", a->digest, "content", a->content, "content_source_url",
	    a->content_source_url, "thumb_media_id", rec_str(j,
	    "thumb_media_id"), "need_open_comment", 0,
	    "only_fans_can_comment", 0);
	body = art != NULL ? json_pack("{s:[o]}", "articles", art) : NULL;
	if (body == NULL) {
		job_fail(j, WX_PUSH_DRAFT, WX_PUSH_ERR_NOMEM, 0, "out of "
		    "memory");
		return;
	}
	job_post(j, "/cgi-bin/draft/add", body, 0, draft_cb, WX_PUSH_DRAFT);
}

static void	job_poll(struct wx_push_job *);

static void
submit_cb(void *arg, const struct wx_api_res *res)
{
	struct wx_push_job *j = arg;
	json_t *id = json_object_get(res->json, "publish_id");
	char buf[32];

	j->j_call = NULL;
	if (res->err != WX_API_OK) {
		job_api_fail(j, WX_PUSH_PUBLISH, "publishing", res);
		return;
	}
	/* publish_id comes as a string or a number; keep a string. */
	if (json_is_integer(id)) {
		snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(id));
		json_object_set_new(j->j_rec, "publish_id", json_string(buf));
	} else if (json_is_string(id))
		json_object_set(j->j_rec, "publish_id", id);
	else {
		job_fail(j, WX_PUSH_PUBLISH, WX_PUSH_ERR_API, 0, "publishing: "
		    "the answer has no publish_id");
		return;
	}
	if (wx_push_record_save(j) != 0) {
		j->j_failed = WX_PUSH_PUBLISH;
		job_end(j);
		return;
	}
	job_poll(j);
}

static void
job_submit(struct wx_push_job *j)
{
	json_t *body;

	body = json_pack("{s:s}", "media_id", rec_str(j, "draft_media_id"));
	job_post(j, "/cgi-bin/freepublish/submit", body, 0, submit_cb,
	    WX_PUSH_PUBLISH);
}

static long
job_poll_elapsed(const struct wx_push_job *j)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - j->j_poll_start.tv_sec) * 1000 +
	    (long)(now.tv_nsec - j->j_poll_start.tv_nsec) / 1000000;
}

static void
poll_cb(void *arg, const struct wx_api_res *res)
{
	struct wx_push_job *j = arg;
	struct timeval tv;
	json_t *st, *item;
	long status;

	j->j_call = NULL;
	if (res->err != WX_API_OK) {
		job_api_fail(j, WX_PUSH_PUBLISH, "following the publish job",
		    res);
		return;
	}
	st = json_object_get(res->json, "publish_status");
	if (!json_is_integer(st)) {
		job_fail(j, WX_PUSH_PUBLISH, WX_PUSH_ERR_API, 0, "following "
		    "the publish job: the answer has no publish_status");
		return;
	}
	status = (long)json_integer_value(st);
	if (status == 1) {
		if (job_poll_elapsed(j) >= (long)j->j_push->p_poll_max_ms) {
			job_fail(j, WX_PUSH_PUBLISH, WX_PUSH_ERR_TIMEOUT, 0,
			    "the article is still publishing after %u s; "
			    "run the same command again later to follow it",
			    j->j_push->p_poll_max_ms / 1000);
			return;
		}
		tv.tv_sec = j->j_push->p_poll_ms / 1000;
		tv.tv_usec = (j->j_push->p_poll_ms % 1000) * 1000;
		evtimer_add(j->j_timer, &tv);
		return;
	}
	j->j_polling = 0;
	if (status != 0) {
		/* A new submit may succeed once the cause is fixed. */
		json_object_del(j->j_rec, "publish_id");
		if (wx_push_record_save(j) != 0) {
			j->j_failed = WX_PUSH_PUBLISH;
			job_end(j);
			return;
		}
		j->j_pubstatus = status;
		job_fail(j, WX_PUSH_PUBLISH, WX_PUSH_ERR_PUBLISH, 0,
		    "publishing failed: the article was %s (publish_status "
		    "%ld)", wx_errcode_publish_status(status), status);
		return;
	}
	if (json_is_string(json_object_get(res->json, "article_id")))
		json_object_set(j->j_rec, "article_id", json_object_get(
		    res->json, "article_id"));
	item = json_array_get(json_object_get(json_object_get(res->json,
	    "article_detail"), "item"), 0);
	if (json_is_string(json_object_get(item, "article_url")))
		json_object_set(j->j_rec, "article_url", json_object_get(item,
		    "article_url"));
	else
		json_object_set_new(j->j_rec, "article_url", json_string(""));
	job_step_done(j, WX_PUSH_PUBLISH);
}

static void
job_poll_now(struct wx_push_job *j)
{
	json_t *body;

	body = json_pack("{s:s}", "publish_id", rec_str(j, "publish_id"));
	job_post(j, "/cgi-bin/freepublish/get", body, 1, poll_cb,
	    WX_PUSH_PUBLISH);
}

static void
job_poll(struct wx_push_job *j)
{
	if (!j->j_polling) {
		j->j_polling = 1;
		clock_gettime(CLOCK_MONOTONIC, &j->j_poll_start);
	}
	job_poll_now(j);
}

static int
job_previewed(const struct wx_push_job *j)
{
	json_t *a = json_object_get(j->j_rec, "previews"), *v;
	size_t i;

	json_array_foreach(a, i, v) {
		if (json_is_string(v) && strcmp(json_string_value(v),
		    j->j_preview) == 0)
			return 1;
	}
	return 0;
}

static void
preview_cb(void *arg, const struct wx_api_res *res)
{
	struct wx_push_job *j = arg;
	json_t *a;

	j->j_call = NULL;
	if (res->err != WX_API_OK) {
		job_api_fail(j, WX_PUSH_PREVIEW, "sending the preview", res);
		return;
	}
	a = json_object_get(j->j_rec, "previews");
	if (!json_is_array(a)) {
		a = json_array();
		json_object_set_new(j->j_rec, "previews", a);
	}
	json_array_append_new(a, json_string(j->j_preview));
	job_step_done(j, WX_PUSH_PREVIEW);
}

static void
job_preview(struct wx_push_job *j)
{
	json_t *body;

	body = json_pack("{s:s,s:{s:s},s:s}", j->j_opts.preview_wxname ?
	    "towxname" : "touser", j->j_opts.preview,
	    "mpnews", "media_id", rec_str(j, "draft_media_id"), "msgtype",
	    "mpnews");
	job_post(j, "/cgi-bin/message/mass/preview", body, 0, preview_cb,
	    WX_PUSH_PREVIEW);
}

static void
mass_cb(void *arg, const struct wx_api_res *res)
{
	struct wx_push_job *j = arg;

	j->j_call = NULL;
	if (res->err == WX_API_ERR_ERRCODE && res->errcode == 45065) {
		/* WeChat has this clientmsgid: it was sent before. */
		json_object_set_new(j->j_rec, "mass_duplicate", json_true());
	} else if (res->err != WX_API_OK) {
		job_api_fail(j, WX_PUSH_MASS, "sending to all followers", res);
		return;
	} else if (json_is_integer(json_object_get(res->json, "msg_id")))
		json_object_set(j->j_rec, "mass_msg_id", json_object_get(
		    res->json, "msg_id"));
	json_object_set_new(j->j_rec, "mass_sent", json_true());
	job_step_done(j, WX_PUSH_MASS);
}

static void
job_mass(struct wx_push_job *j)
{
	json_t *body;

	body = json_pack("{s:{s:b},s:{s:s},s:s,s:i,s:s}", "filter",
	    "is_to_all", 1, "mpnews", "media_id", rec_str(j,
	    "draft_media_id"), "msgtype", "mpnews", "send_ignore_reprint", 0,
	    "clientmsgid", j->j_key);
	/* The clientmsgid makes a repeat harmless (45065). */
	job_post(j, "/cgi-bin/message/mass/sendall", body, 1, mass_cb,
	    WX_PUSH_MASS);
}

/* The step was done by an earlier run. */
static void
job_skip(struct wx_push_job *j, unsigned step)
{
	if (!(j->j_done & step))
		j->j_skipped |= step;
}

/* Do the first step the record does not have; end when none is left. */
static void
job_run(struct wx_push_job *j)
{
	int publish = j->j_opts.publish || j->j_opts.mass_send;

	if (j->j_polling) {
		job_poll_now(j);
		return;
	}
	if (rec_str(j, "thumb_media_id") == NULL) {
		job_thumb(j);
		return;
	}
	job_skip(j, WX_PUSH_THUMB);
	if (rec_str(j, "draft_media_id") == NULL) {
		job_draft(j);
		return;
	}
	job_skip(j, WX_PUSH_DRAFT);
	if (publish && rec_str(j, "article_url") == NULL) {
		if (rec_str(j, "publish_id") == NULL)
			job_submit(j);
		else
			job_poll(j);
		return;
	}
	if (publish)
		job_skip(j, WX_PUSH_PUBLISH);
	if (j->j_preview[0] != '\0') {
		if (!job_previewed(j)) {
			job_preview(j);
			return;
		}
		job_skip(j, WX_PUSH_PREVIEW);
	}
	if (j->j_opts.mass_send) {
		if (!json_is_true(json_object_get(j->j_rec, "mass_sent"))) {
			job_mass(j);
			return;
		}
		job_skip(j, WX_PUSH_MASS);
	}
	job_end(j);
}


int
wx_push_start(struct wx_push *p, const struct wx_article *a,
    const struct wx_push_opts *o, wx_push_cb cb, void *arg, char **cause)
{
	struct wx_push_job *j, *k;
	int r;

	if (wx_article_validate(a, cause) != 0)
		return WX_PUSH_ERR_INVALID;
	j = calloc(1, sizeof *j);
	if (j == NULL) {
		cause_set(cause, "out of memory");
		return WX_PUSH_ERR_NOMEM;
	}
	wx_article_key(a, j->j_key);
	TAILQ_FOREACH(k, &p->p_jobs, j_entry) {
		if (strcmp(k->j_key, j->j_key) == 0) {
			cause_set(cause, "this article (%s) is being pushed "
			    "already; wait for that push to end", j->j_key);
			free(j);
			return WX_PUSH_ERR_BUSY;
		}
	}
	j->j_push = p;
	j->j_cb = cb;
	j->j_arg = arg;
	j->j_opts = *o;
	/* A 微信号 is hashed apart from an OpenID of the same spelling. */
	if (o->preview[0] != '\0')
		snprintf(j->j_preview, sizeof j->j_preview, "%016" PRIx64,
		    siphash(p->p_key, o->preview, strlen(o->preview)) ^
		    (o->preview_wxname ? 1 : 0));
	TAILQ_INSERT_TAIL(&p->p_jobs, j, j_entry);
	p->p_njobs++;
	j->j_timer = evtimer_new(p->p_base, job_timer_cb, j);
	if (j->j_timer == NULL || wx_article_copy(&j->j_art, a) != 0 ||
	    asprintf(&j->j_path, "%s/%s.json", p->p_dir, j->j_key) == -1) {
		j->j_path = NULL;
		cause_set(cause, "out of memory");
		job_free(j);
		return WX_PUSH_ERR_NOMEM;
	}
	r = wx_push_record_load(j, cause);
	if (r != 0) {
		job_free(j);
		return r;
	}
	log_msg(LOG_INFO, "push", NULL, 0, "push %s: \"%s\"%s%s%s", j->j_key,
	    a->title, o->publish || o->mass_send ? ", publish" : "",
	    o->preview[0] != '\0' ? ", preview" : "", o->mass_send ?
	    ", mass send" : "");
	j->j_asked = WX_PUSH_THUMB | WX_PUSH_DRAFT |
	    (o->publish || o->mass_send ? WX_PUSH_PUBLISH : 0) |
	    (o->preview[0] != '\0' ? WX_PUSH_PREVIEW : 0) |
	    (o->mass_send ? WX_PUSH_MASS : 0);
	job_run(j);
	return 0;
}

json_t *
wx_push_progress(const struct wx_push *p, const char *key)
{
	struct wx_push_job *j;
	struct wx_push_report r;

	TAILQ_FOREACH(j, &p->p_jobs, j_entry) {
		if (strcmp(j->j_key, key) == 0) {
			job_report(j, &r);
			return wx_push_report_json(&r);
		}
	}
	return NULL;
}
