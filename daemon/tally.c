/*
 * tally — the counters and the log line of public requests.
 */
#include <inttypes.h>
#include <stdio.h>

#include "daemon/tally.h"
#include "handlers/callback/wx_callback.h"
#include "lib/log.h"
#include "lib/metrics.h"

static const char *const tally_route_names[TALLY_NROUTES] = {
	[TALLY_CALLBACK] = "callback",
	[TALLY_HEALTHZ] = "healthz",
	[TALLY_OTHER] = "other",
};

/* What the public listener answers with; anything else is labelled. */
static const int tally_statuses[] = {
	200, 400, 403, 404, 405, 413, 500, 501, 503,
};
#define TALLY_NSTATUS	(sizeof tally_statuses / sizeof tally_statuses[0])
#define TALLY_NMSG	(WX_MSG_EVENT + 1)	/* wx_msg_type values */
#define TALLY_NSETS	(TALLY_NROUTES * TALLY_NSTATUS)

static int
tally_status_index(int status)
{
	size_t i;

	for (i = 0; i < TALLY_NSTATUS; i++)
		if (tally_statuses[i] == status)
			return (int)i;
	return -1;
}

void
tally_init(void)
{
	static char sets[TALLY_NSETS][METRICS_LABELS_MAX];
	const char *p[TALLY_NSETS];
	char status[8];
	size_t r, i, n = 0;

	for (r = 0; r < TALLY_NROUTES; r++)
		for (i = 0; i < TALLY_NSTATUS; i++, n++) {
			snprintf(status, sizeof status, "%d",
			    tally_statuses[i]);
			(void)metrics_labels(sets[n], sizeof sets[n], "route",
			    tally_route_names[r], "status", status, NULL);
			p[n] = sets[n];
		}
	(void)metrics_declare(M_HTTP_REQUESTS, p, n);
	for (n = 0; n < TALLY_NMSG; n++) {
		(void)metrics_labels(sets[n], sizeof sets[n], "type",
		    wx_msg_type_name((enum wx_msg_type)n), NULL);
		p[n] = sets[n];
	}
	(void)metrics_declare(M_MESSAGES, p, n);
	/* Answer a is series a - 1: WX_ANS_NONE is never counted. */
	for (n = 0; n + 1 < WX_ANS_NANSWERS; n++) {
		(void)metrics_labels(sets[n], sizeof sets[n], "result",
		    wx_answer_name((enum wx_answer)(n + 1)), NULL);
		p[n] = sets[n];
	}
	(void)metrics_declare(M_KB_RESULTS, p, n);
}

void
tally_http(enum tally_route route, int status)
{
	char labels[METRICS_LABELS_MAX], text[8];
	int i = tally_status_index(status);

	if (i >= 0) {
		metrics_counter_add_at(M_HTTP_REQUESTS,
		    (size_t)route * TALLY_NSTATUS + (size_t)i, 1);
		return;
	}
	snprintf(text, sizeof text, "%d", status);
	if (metrics_labels(labels, sizeof labels, "route",
	    tally_route_names[route], "status", text, NULL) == 0)
		metrics_counter_inc(M_HTTP_REQUESTS, labels);
}

/* The counters a callback moves. */
static void
tally_count(const struct wx_result *res, uint64_t latency_us)
{
	tally_http(TALLY_CALLBACK, res->status);
	switch (res->event) {
	case WX_CB_BAD_SIGNATURE:
		metrics_counter_inc(M_BAD_SIGNATURES, NULL);
		break;
	case WX_CB_STALE_TIMESTAMP:
		metrics_counter_inc(M_STALE_TIMESTAMPS, NULL);
		break;
	case WX_CB_REPLAY:
		metrics_counter_inc(M_REPLAYS, NULL);
		break;
	case WX_CB_DECRYPT_FAILED:
		/* One reason for all: which check failed is for the log. */
		metrics_counter_inc(M_DECRYPT_FAILURES,
		    "reason=\"undecryptable\"");
		break;
	case WX_CB_NONE:
		return;
	default:
		break;
	}
	if (res->retry)
		metrics_counter_inc(M_RETRY_CACHE_HITS, NULL);
	if (res->msg_type != NULL && res->status == 200)
		metrics_counter_add_at(M_MESSAGES, (size_t)res->type, 1);
	if (res->answer != WX_ANS_NONE && !res->retry)
		metrics_counter_add_at(M_KB_RESULTS, (size_t)res->answer - 1,
		    1);
	if (res->status == 200 && res->event != WX_CB_VERIFY)
		metrics_histogram_observe(M_REPLY_LATENCY,
		    (double)latency_us / 1e6);
}

/* One log line per callback: a warning for a refusal, info otherwise. */
static void
tally_log(const struct wx_result *res, uint64_t latency_us)
{
	const char *event = wx_cb_event_name(res->event);
	const char *answer = wx_answer_name(res->answer);
	char lat[24], status[8];
	struct log_kv kv[6];
	size_t n = 0;

	snprintf(lat, sizeof lat, "%" PRIu64, latency_us);
	snprintf(status, sizeof status, "%d", res->status);
	kv[n++] = (struct log_kv){ "STATUS", status };
	kv[n++] = (struct log_kv){ "LATENCY_US", lat };
	kv[n++] = (struct log_kv){ "MSG_TYPE", res->msg_type };
	kv[n++] = (struct log_kv){ "KB_ITEM", res->kb_item };
	kv[n++] = (struct log_kv){ "KB_RESULT", answer };
	kv[n++] = (struct log_kv){ "USER_HASH", res->user };
	if (res->status >= 400)
		log_msg(LOG_WARNING, event, kv, n, "callback refused: %s",
		    res->reason != NULL ? res->reason : "?");
	else if (wx_answer_is_miss(res->answer))
		log_msg(LOG_INFO, "kb_miss", kv, n, "no answer (%s)", answer);
	else if (res->kb_item[0] != '\0')
		log_msg(LOG_INFO, "kb_hit", kv, n, "answered %s",
		    res->kb_item);
	else
		log_msg(LOG_INFO, event, kv, n, "callback %s",
		    event != NULL ? event : "handled");
}

void
tally_callback(const struct wx_result *res, uint64_t latency_us)
{
	tally_count(res, latency_us);
	tally_log(res, latency_us);
}
