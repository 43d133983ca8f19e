/* ctl_http — blocking HTTP for wxkbctl (libcurl easy interface). */
#ifndef CTL_HTTP_H
#define CTL_HTTP_H

#include <stddef.h>

#define CTL_HTTP_MAX_REPLY	(1024 * 1024)

struct ctl_http_reply {
	long	 status;
	char	*body;		/* malloc'ed, NUL-terminated */
	size_t	 len;
};

/* Seconds to wait: most calls, and a push that follows a publish job. */
#define CTL_HTTP_TIMEOUT	10
#define CTL_HTTP_TIMEOUT_LONG	400

/*
 * Send method ("GET", "POST") to url with an optional body and bearer
 * token, waiting at most timeout seconds.  Returns 0 and fills reply (free body), or
 * -1 with a message on stderr.
 */
int	ctl_http(const char *method, const char *url, const char *type,
	    const char *body, size_t len, const char *bearer, long timeout,
	    struct ctl_http_reply *reply);

/* "http://" + the host:port of a listener + path, malloc'ed. */
char	*ctl_http_url(const char *hostport, const char *path);

#endif
