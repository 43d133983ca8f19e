/*
 * fuzz_wx_query — wx_query_parse() on a fuzzed query string, checked
 * against a small reference parser written from the header's contract:
 * the same strings are accepted, and every value decodes to the same
 * bytes, holds no NUL before its end and is at most WX_QUERY_MAX_VALUE.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/callback/wx_query.h"
#include "tests/fuzz/fuzz_check.h"

#define NKNOWN	7

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const known[NKNOWN] = {
	"signature", "timestamp", "nonce", "openid", "echostr",
	"encrypt_type", "msg_signature",
};

struct ref {
	int	 set[NKNOWN];
	char	 val[NKNOWN][WX_QUERY_MAX_VALUE + 1];
	size_t	 len[NKNOWN];
};

static int
ref_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode one value; 0, or -1 for bad %XX, %00 or a value too long. */
static int
ref_decode(const char *s, size_t n, char *out, size_t *outlen)
{
	size_t	i, o = 0;
	int	hi, lo, c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 2 >= n)
				return -1;
			hi = ref_hex((unsigned char)s[i + 1]);
			lo = ref_hex((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = hi << 4 | lo;
			if (c == 0)
				return -1;
			i += 2;
		} else if (c == '+')
			c = ' ';
		if (o == WX_QUERY_MAX_VALUE)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	*outlen = o;
	return 0;
}

/* Parse q the way the header describes; 0 or -1. */
static int
ref_parse(const char *q, struct ref *ref)
{
	const char	*p, *end, *eq;
	size_t		 plen, klen, k;

	memset(ref, 0, sizeof *ref);
	if (strlen(q) > WX_QUERY_MAX)
		return -1;
	for (p = q; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		end = strchr(p, '&');
		if (end == NULL)
			end = p + strlen(p);
		plen = (size_t)(end - p);
		eq = memchr(p, '=', plen);
		klen = eq != NULL ? (size_t)(eq - p) : plen;
		for (k = 0; k < NKNOWN; k++) {
			if (strlen(known[k]) == klen &&
			    memcmp(known[k], p, klen) == 0)
				break;
		}
		if (plen == 0 || k == NKNOWN)
			continue;
		if (ref->set[k])
			return -1;
		ref->set[k] = 1;
		if (eq == NULL)
			ref->val[k][0] = '\0';
		else if (ref_decode(eq + 1, plen - klen - 1, ref->val[k],
		    &ref->len[k]) != 0)
			return -1;
	}
	return 0;
}

static void
values(const struct wx_query *qs, const char *vals[NKNOWN])
{
	vals[0] = qs->signature;
	vals[1] = qs->timestamp;
	vals[2] = qs->nonce;
	vals[3] = qs->openid;
	vals[4] = qs->echostr;
	vals[5] = qs->encrypt_type;
	vals[6] = qs->msg_signature;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ref ref;
	struct wx_query	 qs;
	char		*q;
	const char	*vals[NKNOWN];
	size_t		 k, n;
	int		 r, rr;

	q = malloc(size + 1);
	CHECK(q != NULL);
	memcpy(q, data, size);
	q[size] = '\0';

	r = wx_query_parse(q, &qs);
	rr = ref_parse(q, &ref);
	values(&qs, vals);
	CHECK(wx_query_strerror(r) != NULL);
	if (r != WX_QUERY_OK) {
		CHECK(r >= WX_QUERY_ERR_NOMEM && r <= WX_QUERY_ERR_TOOLONG);
		CHECK(rr != 0);
		for (k = 0; k < NKNOWN; k++)
			CHECK(vals[k] == NULL);
	} else {
		CHECK(rr == 0);
		for (k = 0; k < NKNOWN; k++) {
			CHECK((vals[k] != NULL) == ref.set[k]);
			if (vals[k] == NULL)
				continue;
			n = strlen(vals[k]);
			/* A NUL inside would show as a short value. */
			CHECK(n == ref.len[k]);
			CHECK(n <= WX_QUERY_MAX_VALUE);
			CHECK(memcmp(vals[k], ref.val[k], n) == 0);
		}
	}
	wx_query_cleanup(&qs);
	values(&qs, vals);
	for (k = 0; k < NKNOWN; k++)
		CHECK(vals[k] == NULL);
	free(q);
	return 0;
}
