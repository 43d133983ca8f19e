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

/*
 * Send method ("GET", "POST") to url with an optional body and bearer
 * token, waiting at most 10 s.  Returns 0 and fills reply (free body), or
 * -1 with a message on stderr.
 */
int	ctl_http(const char *method, const char *url, const char *type,
	    const char *body, size_t len, const char *bearer,
	    struct ctl_http_reply *reply);

/* "http://" + the host:port of a listener + path, malloc'ed. */
char	*ctl_http_url(const char *hostport, const char *path);

#endif
