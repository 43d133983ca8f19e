/*
 * wx_query — the query string of a WeChat callback (protocol doc §1, §2),
 * parsed strictly: bad percent-encoding, a NUL, an over-long string and a
 * known parameter given twice are errors, never guesses.
 */
#ifndef WX_QUERY_H
#define WX_QUERY_H

#include <stddef.h>

#define WX_QUERY_MAX		2048	/* bytes of the whole query */
#define WX_QUERY_MAX_VALUE	512	/* bytes of one decoded value */

enum wx_query_err {
	WX_QUERY_OK = 0,
	WX_QUERY_ERR_TOOLONG = -1,
	WX_QUERY_ERR_ENCODING = -2,	/* bad %XX or a decoded NUL */
	WX_QUERY_ERR_DUPLICATE = -3,	/* a known parameter twice */
	WX_QUERY_ERR_NOMEM = -4,
};

/* Decoded values; NULL when absent.  Unknown parameters are ignored. */
struct wx_query {
	char	*signature;
	char	*timestamp;
	char	*nonce;
	char	*openid;
	char	*echostr;
	char	*encrypt_type;
	char	*msg_signature;
};

/*
 * Parse q (NULL or "" is an empty query) into the zeroed struct qs.  On
 * error qs holds nothing.  Release with wx_query_cleanup() either way.
 */
int	wx_query_parse(const char *q, struct wx_query *qs);
void	wx_query_cleanup(struct wx_query *qs);
const char *wx_query_strerror(int err);

#endif
