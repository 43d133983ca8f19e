/*
 * metrics — the process-wide registry behind GET /metrics, rendered as
 * Prometheus text exposition format 0.0.4.
 *
 * Every family is declared once, in the table in metrics.c, with its
 * name, help, type and label names; calls name a family by its enum.
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
 * Families of the daemon (each a row of the table in metrics.c, which
 * gives its name), with their label names:
 *	M_HTTP_REQUESTS		route, status
 *	M_MESSAGES		type
 *	M_KB_RESULTS		result: hit, suggest, miss, menu, ...
 *	M_DECRYPT_FAILURES	reason
 *	M_API_CALLS		endpoint, errcode
 *	M_KB_RELOADS		result: ok, error
 * M_REPLY_LATENCY is the histogram; the rest are unlabelled counters
 * and, from M_KB_GENERATION on, gauges.
 */
enum metrics_id {
	M_HTTP_REQUESTS,
	M_MESSAGES,
	M_KB_RESULTS,
	M_REPLY_LATENCY,
	M_RETRY_CACHE_HITS,
	M_REPLAYS,
	M_BAD_SIGNATURES,
	M_STALE_TIMESTAMPS,
	M_DECRYPT_FAILURES,
	M_API_CALLS,
	M_TOKEN_REFRESHES,
	M_KB_RELOADS,
	M_KB_GENERATION,
	M_KB_ITEMS,
	M_KB_LAST_RELOAD_OK,
	M_KB_LAST_RELOAD_TIME,
	M_REDIS_UP,
	M_NFAMILIES
};

/*
 * Remember the process start time for process_start_time_seconds.  Call
 * once early in main(); without it the first render takes it.
 */
void	metrics_init(void);

/*
 * Add n to a counter series.  labels is NULL for a family without labels.
 * Returns 0, or -1 when family is not a declared counter (nothing moves).
 */
int	metrics_counter_add(enum metrics_id family, const char *labels,
	    uint64_t n);
#define metrics_counter_inc(f, l)	metrics_counter_add((f), (l), 1)

/*
 * Declare n label sets of family in order (shown at 0 from then on), so
 * that metrics_counter_add_at(family, i, n) counts the i-th with no
 * search: for labels from a fixed vocabulary on the request path.  A
 * later call replaces the order.  Returns 0, or -1 when family is not a
 * counter or memory is short.
 */
int	metrics_declare(enum metrics_id family, const char *const *sets,
	    size_t n);

/* Add n to the i-th declared series (the "other" one past the last). */
int	metrics_counter_add_at(enum metrics_id family, size_t i,
	    uint64_t n);

/* Set a gauge series.  Returns 0, or -1 when family is not a gauge. */
int	metrics_gauge_set(enum metrics_id family, const char *labels, double v);

/*
 * Count one observation, in seconds, in a histogram of fixed buckets
 * from 0.5 ms to 5 s.  Returns 0, or -1 when family is not a histogram
 * or v is not a number.
 */
int	metrics_histogram_observe(enum metrics_id family, double v);

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
