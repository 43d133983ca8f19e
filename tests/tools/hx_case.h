/*
 * hx_case — the cases of the hostile-input suite, read from case files
 * (format at the top of tests/hostile/cases.txt).
 */
#ifndef HX_CASE_H
#define HX_CASE_H

#include <stddef.h>

#include "tests/tools/hx_request.h"

#define HX_SLOW		6.0	/* waiting this long makes a case slow */

struct hx_case {
	char		*name;
	int		 modes;		/* HX_PLAIN | HX_SAFE */
	int		 admin;		/* to the admin listener */
	int		 soak;		/* 0: kept out of the soak's mix */
	struct hx_req	*reqs;
	size_t		 nreqs;
	int		 slow;
	int		 line;
};

struct hx_cases {
	struct hx_case	*v;
	size_t		 n;
};

/*
 * Append the cases of text (named file, for messages) to cs.  Lines
 * before the first "===" and lines starting with '#' are comments.
 * Exits with the file and line on a malformed case.
 */
void	hx_parse(const char *text, const char *file, struct hx_cases *cs);

/* Free every case of cs and clear it. */
void	hx_cases_free(struct hx_cases *cs);

#endif
