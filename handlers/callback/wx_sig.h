/* wx_sig — WeChat SHA-1 signatures (protocol doc §1, §2, §3.4). */
#ifndef WX_SIG_H
#define WX_SIG_H

#include <stddef.h>

#define WX_SIG_HEX_LEN 40

/*
 * Sort the n strings byte-wise (strcmp, duplicates kept), concatenate them
 * and write sha1hex of the result (40 lower-case hex digits and a NUL) to
 * out.  n is at most 8.  Never fails.
 */
void	wx_sig_compute(const char *const *parts, size_t n,
	    char out[WX_SIG_HEX_LEN + 1]);

/*
 * 1 when sig is exactly the lower-case signature of parts, 0 otherwise
 * (NULL, wrong length, upper case, any other byte).  The comparison of the
 * 40 digits takes the same time wherever they differ.
 */
int	wx_sig_verify(const char *sig, const char *const *parts, size_t n);

/* 1 when the n bytes at a and b are equal; time depends on n only. */
int	wx_sig_equal(const void *a, const void *b, size_t n);

#endif
