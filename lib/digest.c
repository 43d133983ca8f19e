/* digest — length-prefixed fields into SHA-256. */
#include <stdint.h>
#include <string.h>

#include "lib/digest.h"

void
digest_field(mbedtls_sha256_context *c, const void *p, size_t len,
    int present)
{
	unsigned char n[9];
	uint64_t v = len;
	int i;

	/* Length-prefixed, so fields cannot run into each other. */
	n[0] = (unsigned char)present;
	for (i = 8; i >= 1; i--) {
		n[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
	mbedtls_sha256_update_ret(c, n, sizeof n);
	if (len > 0)
		mbedtls_sha256_update_ret(c, p, len);
}

void
digest_str(mbedtls_sha256_context *c, const char *s)
{
	digest_field(c, s, s != NULL ? strlen(s) : 0, s != NULL);
}

void
digest_hex(const unsigned char *d, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 0xf];
	}
	out[2 * n] = '\0';
}
