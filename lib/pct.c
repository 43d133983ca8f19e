/*
 * pct — percent-decoding.
 */
#include "lib/pct.h"

static int
pct_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

ssize_t
pct_decode(const char *s, size_t n, char *out, size_t size)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (o + 1 >= size)
			return PCT_ERR_LONG;
		if (s[i] == '%') {
			if (n - i < 3)
				return PCT_ERR_BAD;
			hi = pct_hexval((unsigned char)s[i + 1]);
			lo = pct_hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0 || (hi | lo) == 0)
				return PCT_ERR_BAD;
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			out[o++] = s[i] == '+' ? ' ' : s[i];
	}
	if (size == 0)
		return PCT_ERR_LONG;
	out[o] = '\0';
	return (ssize_t)o;
}
