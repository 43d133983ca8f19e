/*
 * test_redis — the Redis URL parser (the connection itself is tested
 * against a real redis-server in tests/integration/cluster.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/redis.h"

struct url_case {
	const char	*in;
	int		 ok;
	const char	*path;
	const char	*host;
	int		 port;
	int		 db;
};

static const struct url_case url_cases[] = {
	{ "unix:/run/redis/redis.sock", 1, "/run/redis/redis.sock", NULL,
	  0, 0 },
	{ "redis://127.0.0.1", 1, NULL, "127.0.0.1", 6379, 0 },
	{ "redis://127.0.0.1/", 1, NULL, "127.0.0.1", 6379, 0 },
	{ "redis://10.1.2.3:6380", 1, NULL, "10.1.2.3", 6380, 0 },
	{ "redis://10.1.2.3:6380/15", 1, NULL, "10.1.2.3", 6380, 15 },
	{ "redis://[::1]:7000/3", 1, NULL, "::1", 7000, 3 },
	{ "redis://cache.internal/2", 1, NULL, "cache.internal", 6379, 2 },
	{ "", 0, NULL, NULL, 0, 0 },
	{ "unix:", 0, NULL, NULL, 0, 0 },
	{ "unix:relative", 0, NULL, NULL, 0, 0 },
	{ "unix:/a/very/long/path/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  0, NULL, NULL, 0, 0 },
	{ "rediss://127.0.0.1", 0, NULL, NULL, 0, 0 },
	{ "http://127.0.0.1:6379", 0, NULL, NULL, 0, 0 },
	{ "redis://", 0, NULL, NULL, 0, 0 },
	{ "redis://:6379", 0, NULL, NULL, 0, 0 },
	{ "redis://pw@127.0.0.1", 0, NULL, NULL, 0, 0 },
	{ "redis://user:pw@127.0.0.1:6379", 0, NULL, NULL, 0, 0 },
	{ "redis://127.0.0.1:0", 0, NULL, NULL, 0, 0 },
	{ "redis://127.0.0.1:65536", 0, NULL, NULL, 0, 0 },
	{ "redis://127.0.0.1:-1", 0, NULL, NULL, 0, 0 },
	{ "redis://127.0.0.1:12x", 0, NULL, NULL, 0, 0 },
	{ "redis://127.0.0.1:", 0, NULL, NULL, 0, 0 },
	{ "redis://127.0.0.1/16", 0, NULL, NULL, 0, 0 },
	{ "redis://127.0.0.1/-1", 0, NULL, NULL, 0, 0 },
	{ "redis://127.0.0.1/1/2", 0, NULL, NULL, 0, 0 },
	{ "redis://127.0.0.1?db=1", 0, NULL, NULL, 0, 0 },
	{ "redis://[::1", 0, NULL, NULL, 0, 0 },
	{ "redis://bad host", 0, NULL, NULL, 0, 0 },
	{ "redis://h\x01st", 0, NULL, NULL, 0, 0 },
	{ "redis://99999999999999999999999", 1, NULL,
	  "99999999999999999999999", 6379, 0 },
	{ "redis://h:99999999999999999999999", 0, NULL, NULL, 0, 0 },
};

static void
test_url(void **state)
{
	struct redis_url u;
	char *cause;
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof url_cases / sizeof url_cases[0]; i++) {
		const struct url_case *c = &url_cases[i];

		print_message("\"%s\"\n", c->in);
		cause = NULL;
		r = redis_url_parse(c->in, &u, &cause);
		if (!c->ok) {
			assert_int_equal(r, -1);
			assert_non_null(cause);
			assert_null(strstr(cause, "pw"));
			assert_null(u.path);
			assert_null(u.host);
			free(cause);
			continue;
		}
		assert_int_equal(r, 0);
		assert_null(cause);
		if (c->path != NULL)
			assert_string_equal(u.path, c->path);
		else
			assert_null(u.path);
		if (c->host != NULL)
			assert_string_equal(u.host, c->host);
		else
			assert_null(u.host);
		assert_int_equal(u.port, c->port);
		assert_int_equal(u.db, c->db);
		redis_url_cleanup(&u);
		assert_null(u.host);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
