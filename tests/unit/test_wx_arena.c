/*
 * test_wx_arena — the per-request bump allocator: alignment, growth of
 * the newest block in place, bytes kept when a block moves (inside the
 * buffer, from the buffer to the heap, within the heap), rewinding on
 * free, and a random sequence checked against a model of the contents.
 * Heap blocks left over must all go at wx_arena_cleanup(): ASan and the
 * valgrind run of `make check` catch a leak.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "handlers/callback/wx_arena.h"

static int
in_buf(const unsigned char *buf, size_t cap, const void *p)
{
	uintptr_t u = (uintptr_t)p, b = (uintptr_t)buf;

	return u >= b && u < b + cap;
}

static void
test_align_and_bounds(void **state)
{
	unsigned char buf[1024 + 1];
	struct wx_arena a;
	size_t sizes[] = { 0, 1, 7, 15, 16, 17, 100, 333 };
	size_t i;
	unsigned char *p;

	(void)state;
	/* A buffer that starts off alignment. */
	wx_arena_init(&a, buf + 1, sizeof buf - 1);
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		p = wx_arena_alloc(&a, sizes[i]);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 16, 0);
		assert_true(in_buf(buf + 1, sizeof buf - 1, p));
		assert_true(in_buf(buf + 1, sizeof buf - 1,
		    p + (sizes[i] ? sizes[i] - 1 : 0)));
		memset(p, 0xa5, sizes[i]);
	}
	/* Over what is left: from the heap, still aligned. */
	p = wx_arena_alloc(&a, 2048);
	assert_non_null(p);
	assert_false(in_buf(buf, sizeof buf, p));
	assert_int_equal((uintptr_t)p % 16, 0);
	memset(p, 0x5a, 2048);
	wx_arena_cleanup(&a);
	/* After cleanup the buffer serves again from its start. */
	p = wx_arena_alloc(&a, 16);
	assert_true(in_buf(buf + 1, sizeof buf - 1, p));
	assert_true(p < buf + 1 + 32);
	wx_arena_cleanup(&a);
}

static void
test_grow_in_place(void **state)
{
	_Alignas(16) unsigned char buf[4096];
	struct wx_arena a;
	char *p, *q, *r;

	(void)state;
	wx_arena_init(&a, buf, sizeof buf);
	p = wx_arena_alloc(&a, 10);
	memcpy(p, "0123456789", 10);
	/* The newest block grows where it is. */
	q = wx_arena_realloc(&a, p, 1000);
	assert_ptr_equal(q, p);
	assert_memory_equal(q, "0123456789", 10);
	/* Once another block follows, growing moves it and keeps bytes. */
	r = wx_arena_alloc(&a, 10);
	assert_non_null(r);
	memset(q + 10, 'x', 990);
	p = wx_arena_realloc(&a, q, 1500);
	assert_non_null(p);
	assert_ptr_not_equal(p, q);
	assert_memory_equal(p, "0123456789", 10);
	assert_true(in_buf(buf, sizeof buf, p));
	/* Shrinking never moves. */
	q = wx_arena_realloc(&a, p, 5);
	assert_ptr_equal(q, p);
	/* Past the buffer the bytes move to the heap... */
	r = wx_arena_realloc(&a, q, 8000);
	assert_non_null(r);
	assert_false(in_buf(buf, sizeof buf, r));
	assert_memory_equal(r, "01234", 5);
	memset(r + 5, 'y', 7995);
	/* ...and grow there. */
	p = wx_arena_realloc(&a, r, 100000);
	assert_non_null(p);
	assert_memory_equal(p, "01234", 5);
	assert_int_equal(p[7999], 'y');
	wx_arena_free(&a, p);
	wx_arena_cleanup(&a);
}

static void
test_free_rewinds(void **state)
{
	_Alignas(16) unsigned char buf[256];
	struct wx_arena a;
	void *p, *q, *big1, *big2, *big3;

	(void)state;
	wx_arena_init(&a, buf, sizeof buf);
	p = wx_arena_alloc(&a, 100);
	q = wx_arena_alloc(&a, 100);
	assert_true(in_buf(buf, sizeof buf, q));
	/* No room for a third... */
	big1 = wx_arena_alloc(&a, 100);
	assert_false(in_buf(buf, sizeof buf, big1));
	/* ...until the newest is given back. */
	wx_arena_free(&a, q);
	q = wx_arena_alloc(&a, 100);
	assert_true(in_buf(buf, sizeof buf, q));
	/* An older block waits for the end: no room appears. */
	wx_arena_free(&a, p);
	wx_arena_free(&a, q);
	big2 = wx_arena_alloc(&a, 200);
	assert_false(in_buf(buf, sizeof buf, big2));
	/* Heap blocks freed in any order, one left for cleanup. */
	big3 = wx_arena_alloc(&a, 300);
	wx_arena_free(&a, big2);
	wx_arena_free(&a, big1);
	wx_arena_free(&a, NULL);
	assert_non_null(big3);
	wx_arena_cleanup(&a);
	wx_arena_cleanup(&a);
}

static void
test_zero_capacity(void **state)
{
	struct wx_arena a;
	char *p;

	(void)state;
	wx_arena_init(&a, NULL, 0);
	p = wx_arena_alloc(&a, 0);
	assert_non_null(p);
	p = wx_arena_realloc(&a, NULL, 3);
	assert_non_null(p);
	memcpy(p, "abc", 3);
	p = wx_arena_realloc(&a, p, 4096);
	assert_non_null(p);
	assert_memory_equal(p, "abc", 3);
	assert_null(wx_arena_alloc(&a, SIZE_MAX - 8));
	assert_null(wx_arena_realloc(&a, p, SIZE_MAX - 8));
	assert_memory_equal(p, "abc", 3);
	wx_arena_cleanup(&a);
}

/*
 * Random allocations, reallocations and frees over a small buffer; each
 * live block holds a pattern of its own that must survive every move.
 */
#define NSLOTS	32

struct slot {
	unsigned char	*p;
	size_t		 n;
	unsigned char	 tag;
};

static unsigned
rnd(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 8) & 0xffff;
}

static void
slot_check(const struct slot *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (s->p[i] != (unsigned char)(s->tag + i))
			fail_msg("block of %zu bytes changed at %zu", s->n, i);
	}
}

static void
slot_fill(struct slot *s, size_t from)
{
	size_t i;

	for (i = from; i < s->n; i++)
		s->p[i] = (unsigned char)(s->tag + i);
}

static void
test_random_model(void **state)
{
	unsigned char buf[3000];
	struct slot slots[NSLOTS] = { { NULL, 0, 0 } };
	struct wx_arena a;
	unsigned seed = 2020, op, k, round, i;
	size_t n, old;
	unsigned char *p;

	(void)state;
	for (round = 0; round < 200; round++) {
		wx_arena_init(&a, buf, sizeof buf);
		for (i = 0; i < 300; i++) {
			k = rnd(&seed) % NSLOTS;
			op = rnd(&seed) % 3;
			n = rnd(&seed) % (op == 1 ? 1200 : 300);
			if (slots[k].p == NULL || op == 0) {
				if (slots[k].p != NULL) {
					slot_check(&slots[k]);
					wx_arena_free(&a, slots[k].p);
				}
				slots[k].p = wx_arena_alloc(&a, n);
				assert_non_null(slots[k].p);
				slots[k].n = n;
				slots[k].tag = (unsigned char)rnd(&seed);
				slot_fill(&slots[k], 0);
			} else if (op == 1) {
				slot_check(&slots[k]);
				old = slots[k].n;
				p = wx_arena_realloc(&a, slots[k].p, n);
				assert_non_null(p);
				slots[k].p = p;
				slots[k].n = n;
				if (n > old)
					slot_fill(&slots[k], old);
			} else {
				slot_check(&slots[k]);
				wx_arena_free(&a, slots[k].p);
				slots[k].p = NULL;
			}
		}
		for (k = 0; k < NSLOTS; k++) {
			if (slots[k].p != NULL)
				slot_check(&slots[k]);
			slots[k].p = NULL;
		}
		/* Whatever is still allocated goes here. */
		wx_arena_cleanup(&a);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_align_and_bounds),
		cmocka_unit_test(test_grow_in_place),
		cmocka_unit_test(test_free_rewinds),
		cmocka_unit_test(test_zero_capacity),
		cmocka_unit_test(test_random_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
