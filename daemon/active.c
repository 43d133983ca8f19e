/*
 * active — glue between wxkbd and the active WeChat API (handlers/wechat/).
 * The API objects belong to the main loop; a request answered on a
 * worker loop queues its customer-service work here and wakes the main
 * loop, which runs the queue in order.
 */
#include <sys/queue.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include <jansson.h>

#include "daemon/active.h"
#include "daemon/config.h"
#include "handlers/callback/dispatch.h"
#include "handlers/wechat/wx_api.h"
#include "handlers/wechat/wx_article.h"
#include "handlers/wechat/wx_autoreply.h"
#include "handlers/wechat/wx_cs.h"
#include "handlers/wechat/wx_menu.h"
#include "handlers/wechat/wx_push.h"
#include "kb/kb.h"
#include "lib/http.h"
#include "lib/log.h"

/* Customer-service work handed from any loop to the main one. */
struct active_job {
	TAILQ_ENTRY(active_job)	 entry;
	int			 observe;	/* else: send text */
	enum wx_cs_event	 ev;
	time_t			 now;
	size_t			 len;
	char			*text;
	char			 openid[];
};
TAILQ_HEAD(active_jobs, active_job);

struct active {
	struct event_base	*base;
	struct dispatch		*dispatch;
	struct wx_api		*api;
	struct wx_cs		*cs;
	struct wx_push		*push;
	pthread_mutex_t		 lock;		/* jobs */
	struct active_jobs	 jobs;
	struct event		*wake;
};

static void
active_queue(struct active *a, struct active_job *j)
{
	pthread_mutex_lock(&a->lock);
	TAILQ_INSERT_TAIL(&a->jobs, j, entry);
	pthread_mutex_unlock(&a->lock);
	event_active(a->wake, EV_READ, 0);
}

static struct active_job *
active_job_new(const char *openid, const char *text, size_t len)
{
	size_t n = strlen(openid);
	struct active_job *j = calloc(1, sizeof *j + n + 1);

	if (j == NULL)
		return NULL;
	memcpy(j->openid, openid, n + 1);
	if (text != NULL) {
		j->text = malloc(len + 1);
		if (j->text == NULL) {
			free(j);
			return NULL;
		}
		memcpy(j->text, text, len);
		j->text[len] = '\0';
		j->len = len;
	}
	return j;
}

/* The dispatch_send_fn: queue the part; the main loop sends it. */
static int
active_send(void *arg, const char *openid, const char *text, size_t len)
{
	struct active_job *j = active_job_new(openid, text, len);

	if (j == NULL)
		return -1;
	active_queue(arg, j);
	return 0;
}

int
active_dispatch(void *arg, const struct wx_msg *msg, time_t now,
    struct wx_dispatch_out *out)
{
	struct active *a = arg;
	struct active_job *j;
	enum wx_cs_event ev;

	/* Open the window first: the answer's later parts depend on it. */
	if (msg->from_user != NULL && wx_cs_event_of(msg, &ev)) {
		j = active_job_new(msg->from_user, NULL, 0);
		if (j != NULL) {
			j->observe = 1;
			j->ev = ev;
			j->now = now;
			active_queue(a, j);
		}
	}
	return dispatch_message(a->dispatch, msg, now, out);
}

static void
active_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct active *a = arg;
	struct active_jobs todo;
	struct active_job *j;

	(void)fd;
	(void)what;
	TAILQ_INIT(&todo);
	pthread_mutex_lock(&a->lock);
	TAILQ_CONCAT(&todo, &a->jobs, entry);
	pthread_mutex_unlock(&a->lock);
	while ((j = TAILQ_FIRST(&todo)) != NULL) {
		TAILQ_REMOVE(&todo, j, entry);
		if (j->observe)
			wx_cs_interaction(a->cs, j->openid, j->ev, j->now);
		else
			(void)wx_cs_send_text(a->cs, j->openid, j->text,
			    j->len);
		free(j->text);
		free(j);
	}
}

struct active *
active_new(struct event_base *base, const struct config *cfg,
    const unsigned char uid_key[16], struct dispatch *d,
    const struct wx_token_share *token_share, char **cause)
{
	struct wx_api_cfg ac;
	struct wx_cs_cfg cc;
	struct wx_push_cfg pc;
	struct active *a;
	const char *why = NULL;

	*cause = NULL;
	if (*cfg->appsecret == '\0')
		return NULL;
	a = calloc(1, sizeof *a);
	if (a == NULL)
		fatal("calloc");
	a->base = base;
	a->dispatch = d;
	pthread_mutex_init(&a->lock, NULL);
	TAILQ_INIT(&a->jobs);
	a->wake = event_new(base, -1, 0, active_wake_cb, a);
	memset(&ac, 0, sizeof ac);
	ac.base = cfg->api_base;
	ac.appid = cfg->appid;
	ac.appsecret = cfg->appsecret;
	ac.state_dir = cfg->state_dir;
	ac.token_share = token_share;
	a->api = wx_api_new(base, &ac, &why);
	if (a->api == NULL || a->wake == NULL)
		goto fail;
	memset(&cc, 0, sizeof cc);
	memcpy(cc.uid_key, uid_key, sizeof cc.uid_key);
	a->cs = wx_cs_new(a->api, base, &cc);
	memset(&pc, 0, sizeof pc);
	pc.state_dir = cfg->state_dir;
	memcpy(pc.uid_key, uid_key, sizeof pc.uid_key);
	a->push = wx_push_new(a->api, base, &pc, &why);
	if (a->cs == NULL || a->push == NULL)
		goto fail;
	(void)wx_api_start(a->api);
	dispatch_set_sender(d, active_send, a);
	log_notice("api_on", "WeChat API on at %s", cfg->api_base);
	return a;
fail:
	if (asprintf(cause, "WeChat API: %s", why != NULL ? why :
	    "out of memory") == -1)
		*cause = NULL;
	active_free(a);
	return NULL;
}

void
active_free(struct active *a)
{
	struct active_job *j;

	if (a == NULL)
		return;
	dispatch_set_sender(a->dispatch, NULL, NULL);
	while ((j = TAILQ_FIRST(&a->jobs)) != NULL) {
		TAILQ_REMOVE(&a->jobs, j, entry);
		free(j->text);
		free(j);
	}
	wx_push_free(a->push);
	wx_cs_free(a->cs);
	wx_api_free(a->api);
	if (a->wake != NULL)
		event_free(a->wake);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

struct wx_api *
active_api(const struct active *a)
{
	return a != NULL ? a->api : NULL;
}

struct wx_push *
active_pusher(const struct active *a)
{
	return a != NULL ? a->push : NULL;
}
