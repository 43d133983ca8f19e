/*
 * siphash — SipHash-2-4 (Aumasson and Bernstein), the keyed hash of the
 * caches' tables and of the OpenIDs that logs and state must not hold.
 */
#include <endian.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/siphash.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do {						\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

/* One load instead of eight: this runs for every byte of every key. */
static uint64_t
siphash_le64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof v);
	return le64toh(v);
}

uint64_t
siphash(const unsigned char key[16], const void *data, size_t n)
{
	const unsigned char *p = data, *end = p + (n - n % 8);
	uint64_t k0 = siphash_le64(key), k1 = siphash_le64(key + 8), m, b;
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
	uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
	uint64_t v3 = 0x7465646279746573ULL ^ k1;
	size_t left = n % 8, i;

	for (; p != end; p += 8) {
		m = siphash_le64(p);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	b = (uint64_t)n << 56;
	for (i = 0; i < left; i++)
		b |= (uint64_t)p[i] << (8 * i);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

void
siphash_uid(const unsigned char key[16], const char *openid,
    char out[SIPHASH_UID_LEN + 1])
{
	snprintf(out, SIPHASH_UID_LEN + 1, "%016llx",
	    (unsigned long long)siphash(key, openid, strlen(openid)));
}
