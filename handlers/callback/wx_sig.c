/*
 * wx_sig — the SHA-1 signatures WeChat puts on every callback: sort the
 * strings byte-wise, concatenate them, hash, render in lower-case hex
 * (protocol doc §1, §2, §3.4).
 */
#include <stdint.h>
#include <string.h>

#include <mbedtls/platform_util.h>
#include <mbedtls/sha1.h>

#include "handlers/callback/wx_sig.h"

#define WX_SIG_RAW_LEN	20

static int	wx_sig_order(const char *const *, size_t, size_t);

/* strcmp() order, ties broken by index so duplicates keep their place. */
static int
wx_sig_order(const char *const *parts, size_t a, size_t b)
{
	const char	*sa = parts[a] != NULL ? parts[a] : "";
	const char	*sb = parts[b] != NULL ? parts[b] : "";
	int		 c;

	c = strcmp(sa, sb);
	if (c != 0)
		return c;
	if (a == b)
		return 0;
	return a < b ? -1 : 1;
}

void
wx_sig_compute(const char *const *parts, size_t n,
    char out[WX_SIG_HEX_LEN + 1])
{
	static const char	 hex[] = "0123456789abcdef";
	mbedtls_sha1_context	 ctx;
	unsigned char		 raw[WX_SIG_RAW_LEN];
	size_t			 done, i, last = 0, next;
	int			 r;

	/* An empty string can never equal a 40-digit signature. */
	out[0] = '\0';
	if (parts == NULL)
		n = 0;

	mbedtls_sha1_init(&ctx);
	r = mbedtls_sha1_starts_ret(&ctx);
	if (r != 0)
		goto out;

	/*
	 * Selection order instead of sorting a copy: n is tiny, and this needs
	 * no scratch array whatever n is.  Each round takes the smallest part
	 * that comes after the one emitted last.
	 */
	for (done = 0; done < n; done++) {
		next = n;
		for (i = 0; i < n; i++) {
			if (done > 0 && wx_sig_order(parts, i, last) <= 0)
				continue;
			if (next == n || wx_sig_order(parts, i, next) < 0)
				next = i;
		}
		last = next;
		if (parts[last] == NULL)
			continue;
		r = mbedtls_sha1_update_ret(&ctx,
		    (const unsigned char *)parts[last], strlen(parts[last]));
		if (r != 0)
			goto out;
	}

	r = mbedtls_sha1_finish_ret(&ctx, raw);
	if (r != 0)
		goto out;
	for (i = 0; i < WX_SIG_RAW_LEN; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 0x0f];
	}
	out[WX_SIG_HEX_LEN] = '\0';
out:
	mbedtls_sha1_free(&ctx);
	mbedtls_platform_zeroize(raw, sizeof(raw));
}

int
wx_sig_verify(const char *sig, const char *const *parts, size_t n)
{
	char	want[WX_SIG_HEX_LEN + 1];
	int	r = 0;

	if (sig == NULL || parts == NULL)
		goto out;
	/* The length is public; only the digits need a constant-time look. */
	if (strnlen(sig, WX_SIG_HEX_LEN + 1) != WX_SIG_HEX_LEN)
		goto out;
	wx_sig_compute(parts, n, want);
	if (want[0] == '\0')
		goto out;
	r = wx_sig_equal(sig, want, WX_SIG_HEX_LEN);
out:
	mbedtls_platform_zeroize(want, sizeof(want));
	return r;
}

int
wx_sig_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char	*pa = a;
	const volatile unsigned char	*pb = b;
	unsigned char			 diff = 0;
	size_t				 i;

	for (i = 0; i < n; i++)
		diff |= pa[i] ^ pb[i];
	return diff == 0;
}
