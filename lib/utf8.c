/*
 * utf8.c — one decoder for the request path (reply rendering), the
 * logfmt writer and the metrics labels, which each used to carry a copy.
 */
#include "lib/utf8.h"

size_t
utf8_char(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t	c;
	size_t		len, i;

	if (s[0] < 0x80) {
		c = s[0];
		len = 1;
		goto out;
	}
	if (s[0] < 0xC2)
		return 0;
	if (s[0] < 0xE0) {
		len = 2;
		c = s[0] & 0x1F;
	} else if (s[0] < 0xF0) {
		len = 3;
		c = s[0] & 0x0F;
	} else if (s[0] < 0xF5) {
		len = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
out:
	if (cp != NULL)
		*cp = c;
	return len;
}

/* Bytes in the sequence a lead byte announces; 1 for anything else. */
static size_t
utf8_seqlen(unsigned char c)
{
	if (c >= 0xC2 && c < 0xE0)
		return 2;
	if (c >= 0xE0 && c < 0xF0)
		return 3;
	if (c >= 0xF0 && c < 0xF5)
		return 4;
	return 1;
}

size_t
utf8_prefix(const char *s, size_t len, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t		 k = max;
	int		 i;

	if (s == NULL)
		return 0;
	if (len <= max)
		return len;
	/* u[max] is the first byte left out: is it inside a character? */
	for (i = 0; i < 3 && k > 0 && (u[k] & 0xC0) == 0x80; i++)
		k--;
	if (k == max)
		return max;
	/* Cut before the lead byte only if its character crosses max. */
	if (k + utf8_seqlen(u[k]) > max)
		return k;
	return max;
}

int
utf8_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if (u[i] == 0)
			return 0;
		n = utf8_char(u + i, len - i, NULL);
		if (n == 0)
			return 0;
		i += n;
	}
	return 1;
}
