/* wx_query — strict parsing of the callback's query string. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/callback/wx_query.h"
#include "lib/pct.h"

/* Percent-decode n bytes of s into a new string; NULL on bad input. */
static char *
wx_query_decode(const char *s, size_t n, int *err)
{
	char *out;
	ssize_t r;

	if (n > WX_QUERY_MAX_VALUE * 3) {
		*err = WX_QUERY_ERR_TOOLONG;
		return NULL;
	}
	out = malloc(n + 1);
	if (out == NULL) {
		*err = WX_QUERY_ERR_NOMEM;
		return NULL;
	}
	r = pct_decode(s, n, out, n + 1);
	if (r < 0 || r > WX_QUERY_MAX_VALUE) {
		free(out);
		*err = r < 0 ? WX_QUERY_ERR_ENCODING : WX_QUERY_ERR_TOOLONG;
		return NULL;
	}
	return out;
}

static char **
wx_query_slot(struct wx_query *qs, const char *name, size_t len)
{
	static const struct {
		const char	*name;
		size_t		 offset;
	} known[] = {
		{ "signature", offsetof(struct wx_query, signature) },
		{ "timestamp", offsetof(struct wx_query, timestamp) },
		{ "nonce", offsetof(struct wx_query, nonce) },
		{ "openid", offsetof(struct wx_query, openid) },
		{ "echostr", offsetof(struct wx_query, echostr) },
		{ "encrypt_type", offsetof(struct wx_query, encrypt_type) },
		{ "msg_signature", offsetof(struct wx_query, msg_signature) },
	};
	size_t i;

	for (i = 0; i < sizeof known / sizeof known[0]; i++) {
		if (strlen(known[i].name) == len &&
		    memcmp(known[i].name, name, len) == 0)
			return (char **)(void *)((char *)qs +
			    known[i].offset);
	}
	return NULL;
}

int
wx_query_parse(const char *q, struct wx_query *qs)
{
	const char *p, *amp, *eq;
	char **slot;
	size_t plen;
	int err = WX_QUERY_OK;

	memset(qs, 0, sizeof *qs);
	if (q == NULL)
		return WX_QUERY_OK;
	if (strlen(q) > WX_QUERY_MAX)
		return WX_QUERY_ERR_TOOLONG;
	for (p = q; *p != '\0'; p = *amp != '\0' ? amp + 1 : amp) {
		amp = strchr(p, '&');
		if (amp == NULL)
			amp = p + strlen(p);
		plen = (size_t)(amp - p);
		if (plen == 0)
			continue;
		eq = memchr(p, '=', plen);
		slot = wx_query_slot(qs, p, eq != NULL ? (size_t)(eq - p) :
		    plen);
		if (slot == NULL)
			continue;
		if (*slot != NULL) {
			err = WX_QUERY_ERR_DUPLICATE;
			break;
		}
		if (eq == NULL)
			*slot = wx_query_decode("", 0, &err);
		else
			*slot = wx_query_decode(eq + 1,
			    plen - (size_t)(eq + 1 - p), &err);
		if (*slot == NULL)
			break;
	}
	if (err != WX_QUERY_OK)
		wx_query_cleanup(qs);
	return err;
}

void
wx_query_cleanup(struct wx_query *qs)
{
	free(qs->signature);
	free(qs->timestamp);
	free(qs->nonce);
	free(qs->openid);
	free(qs->echostr);
	free(qs->encrypt_type);
	free(qs->msg_signature);
	memset(qs, 0, sizeof *qs);
}

const char *
wx_query_strerror(int err)
{
	switch (err) {
	case WX_QUERY_OK:
		return "ok";
	case WX_QUERY_ERR_TOOLONG:
		return "query string too long";
	case WX_QUERY_ERR_ENCODING:
		return "bad percent-encoding";
	case WX_QUERY_ERR_DUPLICATE:
		return "duplicated parameter";
	case WX_QUERY_ERR_NOMEM:
		return "out of memory";
	}
	return "unknown error";
}
