/*
 * metrics — the process-wide registry behind GET /metrics, rendered as
 * Prometheus text exposition format 0.0.4.
 *
 * Every family is declared once, in the table in metrics.c, with its
 * name, help, type and label names; calls name a family by its string.
 * A series is picked by a preformatted label set whose names are the
 * family's, in the declared order, with values escaped as the format
 * wants: `route="/wechat",status="200"`.  Build one from raw values with
 * metrics_labels().  A malformed set, or one past the family's bound of
 * series, is counted in the family's single "other" series (every label
 * "other"), so hostile input can neither break the output nor grow
 * memory.  Label sets with known values (result="hit", "suggest",
 * "miss"; result="ok", "error") are shown at 0 from the start.  All
 * functions are thread-safe.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>
#include <stdint.h>

/* The Content-Type of what metrics_render() returns. */
#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

/* Distinct label sets per family before the "other" series takes over. */
#define METRICS_SERIES_MAX	256

/* Longest label set accepted, escaped form, excluding the NUL. */
#define METRICS_LABELS_MAX	256

/*
 * Families of the daemon (each a row of the table in metrics.c), with
 * their label names:
 *	M_HTTP_REQUESTS		route, status
 *	M_MESSAGES		type
 *	M_KB_RESULTS		result: hit, suggest, miss, menu, ...
 *	M_DECRYPT_FAILURES	reason
 *	M_API_CALLS		endpoint, errcode
 *	M_KB_RELOADS		result: ok, error
 * M_REPLY_LATENCY is the histogram; the rest are unlabelled counters
 * and, from M_KB_GENERATION on, gauges.
 */
#define M_HTTP_REQUESTS		"wxkb_http_requests_total"
#define M_MESSAGES		"wxkb_messages_total"
#define M_KB_RESULTS		"wxkb_kb_results_total"
#define M_REPLY_LATENCY		"wxkb_reply_latency_seconds"
#define M_RETRY_CACHE_HITS	"wxkb_retry_cache_hits_total"
#define M_REPLAYS		"wxkb_replays_total"
#define M_BAD_SIGNATURES	"wxkb_bad_signatures_total"
#define M_STALE_TIMESTAMPS	"wxkb_stale_timestamps_total"
#define M_DECRYPT_FAILURES	"wxkb_decrypt_failures_total"
#define M_API_CALLS		"wxkb_api_calls_total"
#define M_TOKEN_REFRESHES	"wxkb_token_refreshes_total"
#define M_KB_RELOADS		"wxkb_kb_reloads_total"
#define M_KB_GENERATION		"wxkb_kb_generation"
#define M_KB_ITEMS		"wxkb_kb_items"
#define M_KB_LAST_RELOAD_OK	"wxkb_kb_last_reload_success"
#define M_KB_LAST_RELOAD_TIME	"wxkb_kb_last_reload_timestamp_seconds"
#define M_REDIS_UP		"wxkb_redis_up"

/*
 * Remember the process start time for process_start_time_seconds.  Call
 * once early in main(); without it the first render takes it.
 */
void	metrics_init(void);

/*
 * Add n to a counter series.  labels is NULL for a family without labels.
 * Returns 0, or -1 when family is not a declared counter (nothing moves).
 */
int	metrics_counter_add(const char *family, const char *labels,
	    uint64_t n);
#define metrics_counter_inc(f, l)	metrics_counter_add((f), (l), 1)

/* Set a gauge series.  Returns 0, or -1 when family is not a gauge. */
int	metrics_gauge_set(const char *family, const char *labels, double v);

/*
 * Count one observation, in seconds, in a histogram of fixed buckets
 * from 0.5 ms to 5 s.  Returns 0, or -1 when family is not a histogram
 * or v is not a number.
 */
int	metrics_histogram_observe(const char *family, double v);

/*
 * Write a label set for the metrics_*() calls into buf: pairs of label
 * name and raw value, ended by NULL, e.g.
 *	metrics_labels(buf, sizeof(buf), "route", path, "status", "200", NULL)
 * Values get \\, \" and \n escapes; bytes that are not UTF-8 become '?'.
 * Returns 0, or -1 when it does not fit (buf then holds "").
 */
int	metrics_labels(char *buf, size_t size, ...)
	    __attribute__((sentinel));

/*
 * The whole exposition: every declared family (HELP and TYPE even at
 * zero) and the process gauges.  Returns a string the caller frees, or
 * NULL when out of memory.
 */
char	*metrics_render(void);

/* Zero every family and free every series (tests; exit). */
void	metrics_reset(void);

#endif
