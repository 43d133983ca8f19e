/*
 * wx_push_int — a push job and the pusher that runs it, shared by
 * wx_push.c (the step machine) and wx_push_record.c (the record file
 * that is the job's state).  Nothing outside these two files includes
 * this header.
 */
#ifndef WX_PUSH_INT_H
#define WX_PUSH_INT_H

#include <sys/queue.h>

#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "handlers/wechat/wx_api.h"
#include "handlers/wechat/wx_article.h"
#include "handlers/wechat/wx_push.h"
#include "lib/siphash.h"

struct wx_push_job {
	TAILQ_ENTRY(wx_push_job) j_entry;
	struct wx_push	*j_push;
	struct wx_article j_art;
	struct wx_push_opts j_opts;
	char		 j_key[WX_PUSH_KEY_LEN + 1];
	char		*j_path;		/* the record file */
	json_t		*j_rec;			/* the record */
	char		 j_preview[SIPHASH_UID_LEN + 1];		/* hash of the preview OpenID */
	struct wx_api_call *j_call;
	struct event	*j_timer;		/* poll; deferred end */
	struct timespec	 j_poll_start;
	int		 j_polling;
	int		 j_ended;
	unsigned	 j_asked, j_done, j_skipped, j_failed;
	unsigned	 j_step;		/* the step going on */
	int		 j_err;
	int		 j_api_err;		/* of the failed call */
	long		 j_pubstatus;		/* of a failed publish */
	long		 j_errcode;
	char		 j_msg[640];
	wx_push_cb	 j_cb;
	void		*j_arg;
};

TAILQ_HEAD(wx_push_jobs, wx_push_job);

struct wx_push {
	struct wx_api	*p_api;
	struct event_base *p_base;
	char		*p_dir;			/* STATE_DIR/push */
	unsigned char	 p_key[16];
	unsigned	 p_poll_ms, p_poll_max_ms;
	struct wx_push_jobs p_jobs;
	size_t		 p_njobs;
};

/* Write the record; on failure the job cannot promise anything: stop. */
int	 wx_push_record_save(struct wx_push_job *j);
/* Read the record of the job's key into j->j_rec, or start a new one;
   0 or an enum wx_push_err with *cause set. */
int	 wx_push_record_load(struct wx_push_job *j, char **cause);

#endif
