/*
 * fuzz_wx_sig — wx_sig_compute()/wx_sig_verify() with fuzzed strings.
 * The input is one control byte, then NUL-separated strings: a candidate
 * signature and up to 8 parts.  verify must equal (sig == compute(parts)),
 * compute must match an independent sort + SHA-1 and ignore the order of
 * the parts, and a correct signature must verify while any change to it,
 * upper case included, must not.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha1.h>

#include "handlers/callback/wx_sig.h"
#include "tests/fuzz/fuzz_check.h"

#define MAX_PARTS	8

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* sha1hex of the sorted concatenation, without the module's code. */
static void
ref_compute(const char *const *parts, size_t n, char out[WX_SIG_HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	const char	*sorted[MAX_PARTS];
	mbedtls_sha1_context ctx;
	unsigned char	 raw[20];
	size_t		 i;

	memcpy(sorted, parts, n * sizeof *parts);
	qsort(sorted, n, sizeof *sorted, cmp_str);
	mbedtls_sha1_init(&ctx);
	CHECK(mbedtls_sha1_starts_ret(&ctx) == 0);
	for (i = 0; i < n; i++)
		CHECK(mbedtls_sha1_update_ret(&ctx,
		    (const unsigned char *)sorted[i], strlen(sorted[i])) == 0);
	CHECK(mbedtls_sha1_finish_ret(&ctx, raw) == 0);
	mbedtls_sha1_free(&ctx);
	for (i = 0; i < 20; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 0xf];
	}
	out[WX_SIG_HEX_LEN] = '\0';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*parts[MAX_PARTS], *rev[MAX_PARTS], *sig;
	char		 got[WX_SIG_HEX_LEN + 1], want[WX_SIG_HEX_LEN + 1];
	char		 bad[WX_SIG_HEX_LEN + 1];
	char		*buf, *p, *end;
	size_t		 n, i, k, pos;
	unsigned char	 ctl;

	if (size < 1)
		return 0;
	ctl = data[0];
	n = (size_t)(ctl & 7) + 1;

	/* The strings, each NUL-terminated in a private copy. */
	buf = malloc(size);
	CHECK(buf != NULL);
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	end = buf + size - 1;
	p = buf;
	sig = p;
	p += strlen(p);
	for (k = 0; k < n; k++) {
		if (p < end)
			p++;
		parts[k] = p;
		p += strlen(p);
	}

	wx_sig_compute(parts, n, got);
	ref_compute(parts, n, want);
	CHECK(strcmp(got, want) == 0);
	for (k = 0; k < n; k++)
		rev[k] = parts[n - 1 - k];
	wx_sig_compute(rev, n, got);
	CHECK(strcmp(got, want) == 0);

	/* The fuzzed signature. */
	CHECK(wx_sig_verify(sig, parts, n) == (strcmp(sig, want) == 0));
	CHECK(wx_sig_verify(NULL, parts, n) == 0);

	/* The right one, and one byte of it changed. */
	CHECK(wx_sig_verify(want, parts, n) == 1);
	CHECK(wx_sig_verify(want, rev, n) == 1);
	memcpy(bad, want, sizeof bad);
	pos = (size_t)(ctl >> 3) % WX_SIG_HEX_LEN;
	bad[pos] = size > 1 ? (char)data[1] : 'x';
	if (bad[pos] != '\0')
		CHECK(wx_sig_verify(bad, parts, n) == (bad[pos] == want[pos]));
	else
		CHECK(wx_sig_verify(bad, parts, n) == 0);
	for (i = 0; i < WX_SIG_HEX_LEN; i++) {
		if (want[i] >= 'a' && want[i] <= 'f') {
			memcpy(bad, want, sizeof bad);
			bad[i] = (char)(bad[i] - 'a' + 'A');
			CHECK(wx_sig_verify(bad, parts, n) == 0);
			break;
		}
	}

	/* wx_sig_equal is memcmp() == 0. */
	k = strlen(sig) < WX_SIG_HEX_LEN ? strlen(sig) : WX_SIG_HEX_LEN;
	CHECK(wx_sig_equal(sig, want, k) == (memcmp(sig, want, k) == 0));
	free(buf);
	return 0;
}
