/*
 * passwd — PBKDF2-HMAC-SHA256 password hashes (passwd.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>
#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>

#include "daemon/passwd.h"
#include "handlers/callback/wx_sig.h"
#include "lib/rand.h"

#define PASSWD_PREFIX	"pbkdf2-sha256$"
#define PASSWD_SALT	16
#define PASSWD_KEY	32

/* PBKDF2-HMAC-SHA256 of pw and salt into key.  Returns 0 or -1. */
static int
passwd_derive(const char *pw, size_t len, const unsigned char *salt,
    size_t slen, unsigned iterations, unsigned char key[PASSWD_KEY])
{
	mbedtls_md_context_t md;
	int r = -1;

	mbedtls_md_init(&md);
	if (mbedtls_md_setup(&md, mbedtls_md_info_from_type(
	    MBEDTLS_MD_SHA256), 1) == 0 && mbedtls_pkcs5_pbkdf2_hmac(&md,
	    (const unsigned char *)pw, len, salt, slen, iterations,
	    PASSWD_KEY, key) == 0)
		r = 0;
	mbedtls_md_free(&md);
	return r;
}

int
passwd_hash(const char *pw, size_t len, unsigned iterations,
    char out[PASSWD_HASH_SIZE])
{
	unsigned char salt[PASSWD_SALT], key[PASSWD_KEY];
	char s64[32], k64[64];
	size_t n;
	int r = -1;

	if (len == 0 || len > PASSWD_MAX ||
	    iterations < PASSWD_MIN_ITERATIONS ||
	    iterations > PASSWD_MAX_ITERATIONS ||
	    rand_bytes(salt, sizeof salt) != 0 ||
	    passwd_derive(pw, len, salt, sizeof salt, iterations, key) != 0)
		goto out;
	if (mbedtls_base64_encode((unsigned char *)s64, sizeof s64, &n, salt,
	    sizeof salt) != 0 || mbedtls_base64_encode((unsigned char *)k64,
	    sizeof k64, &n, key, sizeof key) != 0)
		goto out;
	if (snprintf(out, PASSWD_HASH_SIZE, PASSWD_PREFIX "%u$%s$%s",
	    iterations, s64, k64) < PASSWD_HASH_SIZE)
		r = 0;
out:
	memset(key, 0, sizeof key);
	return r;
}

/*
 * Split hash into its iterations, salt and key.  Returns 0 or -1 when it
 * is not the text of passwd_hash().
 */
static int
passwd_parse(const char *hash, unsigned *iterations,
    unsigned char salt[PASSWD_SALT], unsigned char key[PASSWD_KEY])
{
	const char *p, *s, *k;
	unsigned long it;
	char *end;
	size_t n;

	if (hash == NULL || strlen(hash) >= PASSWD_HASH_SIZE ||
	    strncmp(hash, PASSWD_PREFIX, strlen(PASSWD_PREFIX)) != 0)
		return -1;
	p = hash + strlen(PASSWD_PREFIX);
	if (*p < '1' || *p > '9')
		return -1;
	errno = 0;
	it = strtoul(p, &end, 10);
	if (errno != 0 || *end != '$' || it < PASSWD_MIN_ITERATIONS ||
	    it > PASSWD_MAX_ITERATIONS)
		return -1;
	s = end + 1;
	k = strchr(s, '$');
	if (k == NULL || strchr(k + 1, '$') != NULL)
		return -1;
	if (mbedtls_base64_decode(salt, PASSWD_SALT, &n,
	    (const unsigned char *)s, (size_t)(k - s)) != 0 ||
	    n != PASSWD_SALT)
		return -1;
	k++;
	if (mbedtls_base64_decode(key, PASSWD_KEY, &n,
	    (const unsigned char *)k, strlen(k)) != 0 || n != PASSWD_KEY)
		return -1;
	*iterations = (unsigned)it;
	return 0;
}

int
passwd_valid(const char *hash)
{
	unsigned char salt[PASSWD_SALT], key[PASSWD_KEY];
	unsigned it;

	return passwd_parse(hash, &it, salt, key) == 0;
}

int
passwd_verify(const char *pw, size_t len, const char *hash)
{
	unsigned char salt[PASSWD_SALT], want[PASSWD_KEY], got[PASSWD_KEY];
	unsigned it;
	int ok = 0;

	if (len == 0 || len > PASSWD_MAX ||
	    passwd_parse(hash, &it, salt, want) != 0)
		return 0;
	if (passwd_derive(pw, len, salt, sizeof salt, it, got) == 0)
		ok = wx_sig_equal(got, want, sizeof got);
	memset(got, 0, sizeof got);
	return ok;
}
