/*
 * siphash — SipHash-2-4 under a 16-byte key: for hash tables fed by
 * strangers, and for the pseudonym that stands in for a resident's
 * OpenID in logs, statistics and state.
 */
#ifndef LIB_SIPHASH_H
#define LIB_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* Hex digits of an OpenID's pseudonym. */
#define SIPHASH_UID_LEN	16

/* SipHash-2-4 of n bytes under key. */
uint64_t siphash(const unsigned char key[16], const void *data, size_t n);

/*
 * The pseudonym of openid under key: SIPHASH_UID_LEN lower-case hex
 * digits and a NUL in out.  The same key gives the same pseudonym, so one
 * resident is one line of the statistics without the OpenID being kept.
 */
void	siphash_uid(const unsigned char key[16], const char *openid,
	    char out[SIPHASH_UID_LEN + 1]);

#endif
