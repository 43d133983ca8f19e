/*
 * passwd — the password hash of staff logins: PBKDF2-HMAC-SHA256
 * (mbedtls) with a random 16-byte salt per password, kept as the text
 * "pbkdf2-sha256$ITERATIONS$SALT$HASH" (base64), so that the iteration
 * count can grow without breaking the hashes already written.
 */
#ifndef PASSWD_H
#define PASSWD_H

#include <stddef.h>

/* The iteration count of new hashes (OWASP's figure for SHA-256). */
#define PASSWD_ITERATIONS	600000u
/* Fewer or more are refused when read: too weak, or a denial of service. */
#define PASSWD_MIN_ITERATIONS	1000u
#define PASSWD_MAX_ITERATIONS	10000000u
/* Bytes of a password, at most (longer: refused, not cut). */
#define PASSWD_MAX		1024
/* Room for a hash's text, with its NUL. */
#define PASSWD_HASH_SIZE	128

/*
 * Checked when a name is unknown, so that the answer takes as long as
 * for a known one: a well-formed hash that no password is likely to match.
 */
#define PASSWD_DUMMY	"pbkdf2-sha256$600000$AAAAAAAAAAAAAAAAAAAAAA==$" \
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

/*
 * Hash the len bytes of pw with a new salt and iterations rounds into out
 * (PASSWD_HASH_SIZE bytes).  Returns 0, or -1 (no random bytes, len out
 * of range, iterations out of range).
 */
int	passwd_hash(const char *pw, size_t len, unsigned iterations,
	    char out[PASSWD_HASH_SIZE]);

/*
 * 1 when pw matches hash, 0 when not or when hash is not one of ours;
 * the comparison takes the same time wherever the bytes differ.
 */
int	passwd_verify(const char *pw, size_t len, const char *hash);

/* 1 when hash is well-formed text of passwd_hash(). */
int	passwd_valid(const char *hash);

#endif
