/*
 * wx_digest — SHA-256 over a sequence of fields, each length-prefixed so
 * that no two different sequences hash the same bytes ("a|b" + "c" and
 * "a" + "b|c" differ).  Used for the keys that must tell messages and
 * articles apart unambiguously.
 */
#ifndef WX_DIGEST_H
#define WX_DIGEST_H

#include <stddef.h>

#include <mbedtls/sha256.h>

/* Add one field: a present flag, its length, its bytes. */
void	wx_digest_field(mbedtls_sha256_context *, const void *p, size_t len,
	    int present);

/* Add a string field; NULL is absent, not empty. */
void	wx_digest_str(mbedtls_sha256_context *, const char *s);

/* The first n bytes of d as 2n lower-case hex digits and a NUL. */
void	wx_digest_hex(const unsigned char *d, size_t n, char *out);

#endif
