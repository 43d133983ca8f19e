/*
 * fuzz_kb_norm — kb_norm() on any bytes.  The output must be valid UTF-8,
 * NUL-terminated inside outsz, free of ASCII upper case, white space,
 * punctuation and control characters, and a fixed point: normalizing it
 * again gives it back.  A small output buffer must give a prefix of the
 * full result cut at a character boundary, and never write past outsz.
 *
 * Byte 0 sizes that small buffer; with its top bit set, the rest is read
 * as 3-byte big-endian codepoints (of planes 0-2, where nearly every
 * assigned character lives) and encoded as UTF-8 here, so combining marks,
 * Hangul jamo and compatibility forms turn up far more often than in
 * random bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/kb_norm.h"
#include "tests/fuzz/fuzz_check.h"

/* NFKC can grow text: U+FDFA is 3 bytes in and 33 out. */
#define GROWTH	18

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* UTF-8 of the 3-byte codepoints in s; malloc'ed, length in *len. */
static char *
cp_text(const uint8_t *s, size_t n, size_t *len)
{
	unsigned char	*out, *o;
	uint32_t	 cp;
	size_t		 i;

	out = malloc(n / 3 * 4 + 1);
	CHECK(out != NULL);
	for (i = 0, o = out; i + 3 <= n; i += 3) {
		cp = ((uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 |
		    s[i + 2]) % 0x30000;
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		if (cp < 0x80)
			*o++ = (unsigned char)cp;
		else if (cp < 0x800) {
			*o++ = (unsigned char)(0xc0 | cp >> 6);
			*o++ = (unsigned char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			*o++ = (unsigned char)(0xe0 | cp >> 12);
			*o++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
			*o++ = (unsigned char)(0x80 | (cp & 0x3f));
		} else {
			*o++ = (unsigned char)(0xf0 | cp >> 18);
			*o++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
			*o++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
			*o++ = (unsigned char)(0x80 | (cp & 0x3f));
		}
	}
	*len = (size_t)(o - out);
	return (char *)out;
}

/* 1 when the n bytes at s are well-formed UTF-8 without a NUL. */
static int
valid_utf8(const unsigned char *s, size_t n)
{
	size_t		i = 0, len, k;
	uint32_t	c, min;

	while (i < n) {
		if (s[i] == 0)
			return 0;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			len = 2;
			c = s[i] & 0x1f;
			min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			len = 3;
			c = s[i] & 0x0f;
			min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			len = 4;
			c = s[i] & 0x07;
			min = 0x10000;
		} else
			return 0;
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			c = c << 6 | (s[i + k] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

static void
check_out(const char *out, size_t n, size_t outsz)
{
	size_t	i;
	unsigned char c;

	CHECK(n < outsz);
	CHECK(out[n] == '\0');
	CHECK(valid_utf8((const unsigned char *)out, n));
	for (i = 0; i < n; i++) {
		c = (unsigned char)out[i];
		CHECK(c >= 0x80 || (c >= '0' && c <= '9') ||
		    (c >= 'a' && c <= 'z'));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	char	*out, *again, *small, *text = NULL;
	size_t	 outsz, n, n2, n3, smallsz, i;

	smallsz = size > 0 ? (data[0] & 0x7f) % 48 : 0;
	if (size > 0 && (data[0] & 0x80)) {
		text = cp_text(data + 1, size - 1, &size);
		in = text;
	}
	outsz = size * GROWTH + 8;
	out = malloc(outsz);
	again = malloc(outsz);
	CHECK(out != NULL && again != NULL);
	n = kb_norm(in, size, out, outsz);
	check_out(out, n, outsz);

	n2 = kb_norm(out, n, again, outsz);
	check_out(again, n2, outsz);
	CHECK(n2 == n && memcmp(out, again, n) == 0);

	/* A short buffer, with guard bytes after it. */
	small = malloc(smallsz + 16);
	CHECK(small != NULL);
	memset(small, 0x5a, smallsz + 16);
	n3 = kb_norm(in, size, small, smallsz);
	for (i = smallsz; i < smallsz + 16; i++)
		CHECK((unsigned char)small[i] == 0x5a);
	if (smallsz == 0)
		CHECK(n3 == 0);
	else {
		check_out(small, n3, smallsz);
		CHECK(n3 <= n && memcmp(small, out, n3) == 0);
		/* Cut only when the next character would not fit. */
		if (n3 < n)
			CHECK(n3 + 4 >= smallsz - 1);
	}
	free(small);
	free(again);
	free(out);
	free(text);
	return 0;
}
