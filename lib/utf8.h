/*
 * utf8 — UTF-8 as the protocol, the log and the metrics need it: the
 * length of one well-formed character, and where a byte limit may cut a
 * text without splitting one.
 */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The longest UTF-8 sequence. */
#define UTF8_MAX	4

/*
 * Length (1-4) of the well-formed UTF-8 character at s, of which n bytes
 * may be read, with its code point in *cp when cp is not NULL; 0 for a
 * stray, truncated, overlong or surrogate sequence or one past U+10FFFF.
 * A NUL ends any sequence, so for a NUL-terminated string n may be
 * UTF8_MAX.  n must be at least 1.
 */
size_t	utf8_char(const unsigned char *s, size_t n, uint32_t *cp);

/* 1 when s[0..len) is well-formed UTF-8 holding no NUL, else 0. */
int	utf8_valid(const char *s, size_t len);

/*
 * The length of the longest prefix of s (at most max bytes of its len)
 * that ends on a UTF-8 character boundary.
 */
size_t	utf8_prefix(const char *s, size_t len, size_t max);

#endif
