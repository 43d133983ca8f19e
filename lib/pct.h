/*
 * pct — percent-decoding of query-string values ('+' is a space), as
 * WeChat's callbacks and the admin API send them.
 */
#ifndef LIB_PCT_H
#define LIB_PCT_H

#include <stddef.h>
#include <sys/types.h>

#define PCT_ERR_BAD	(-1)	/* a broken or %00 escape */
#define PCT_ERR_LONG	(-2)	/* does not fit in out */

/*
 * Decode n bytes of s into out, which has room for size bytes with the
 * NUL.  Returns the decoded length, or PCT_ERR_BAD / PCT_ERR_LONG; a NUL
 * byte (%00) is refused, so the result is a C string.
 */
ssize_t	pct_decode(const char *s, size_t n, char *out, size_t size);

#endif
