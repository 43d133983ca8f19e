/*
 * digest — SHA-256 over a sequence of fields, each length-prefixed so
 * that no two different sequences hash the same bytes ("a|b" + "c" and
 * "a" + "b|c" differ).  Used for the keys that must tell messages and
 * articles apart unambiguously.
 */
#ifndef LIB_DIGEST_H
#define LIB_DIGEST_H

#include <stddef.h>

#include <mbedtls/sha256.h>

/* Add one field: a present flag, its length, its bytes. */
void	digest_field(mbedtls_sha256_context *, const void *p, size_t len,
	    int present);

/* Add a string field; NULL is absent, not empty. */
void	digest_str(mbedtls_sha256_context *, const char *s);

/* The first n bytes of d as 2n lower-case hex digits and a NUL. */
void	digest_hex(const unsigned char *d, size_t n, char *out);

#endif
