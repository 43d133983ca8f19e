/*
 * tally — what the daemon writes down about each public request: the
 * counters of /metrics and the log line of a callback.  The series of
 * fixed vocabularies (routes and statuses, message types, answers) are
 * declared once, so the request path counts by index.
 */
#ifndef TALLY_H
#define TALLY_H

#include <stdint.h>

struct wx_result;

enum tally_route {
	TALLY_CALLBACK,
	TALLY_HEALTHZ,
	TALLY_OTHER,
	TALLY_NROUTES
};

/* Declare the series; call once before the listeners start. */
void	tally_init(void);

/* Count one answer of route with HTTP status. */
void	tally_http(enum tally_route, int status);

/* Count a callback's outcome and write its log line. */
void	tally_callback(const struct wx_result *, uint64_t latency_us);

#endif
