/*
 * rand — bytes from the kernel's random source, for keys and seeds.
 */
#ifndef LIB_RAND_H
#define LIB_RAND_H

#include <stddef.h>

/*
 * Fill buf with n (at most 256) unpredictable bytes.  Returns 0, or -1
 * with errno set when the kernel cannot give them.
 */
int	rand_bytes(void *buf, size_t n);

#endif
