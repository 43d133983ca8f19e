/*
 * rand — getrandom(2), which needs no descriptor and blocks only until
 * the kernel's pool is first seeded, early in boot.
 */
#include <sys/random.h>

#include <errno.h>

#include "lib/rand.h"

int
rand_bytes(void *buf, size_t n)
{
	ssize_t r;

	if (n > 256) {
		errno = EINVAL;
		return -1;
	}
	/* Up to 256 bytes come whole once the pool is up; retry a signal. */
	do
		r = getrandom(buf, n, 0);
	while (r == -1 && errno == EINTR);
	return r == (ssize_t)n ? 0 : -1;
}
