/*
 * fuzz_check — CHECK(c): an invariant of a fuzz target; when it fails,
 * say which on stderr and abort, so libFuzzer keeps the input.
 */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

#endif
