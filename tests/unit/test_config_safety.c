/*
 * test_config_safety — audit finding 6: the configurations that expose a
 * secret are refused with a line naming the key and the fix; the safe
 * ones, and `make run`'s demo with WXKB_DEMO=yes, are accepted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/config.h"
#include "daemon/config_safety.h"

struct tcase {
	const char	*name;
	const char	*env[8];	/* KEY=value, NULL-terminated */
	const char	*cause;		/* substring of the refusal; NULL: ok */
};

#define GOOD	"WXKB_TOKEN=Tok3n", "WXKB_ADMIN_TOKEN=Adm1nTokenAdm1nX"

static const struct tcase cases[] = {
	{ "a safe configuration", { GOOD, NULL }, NULL },
	{ "https API", { GOOD, "WXKB_API_BASE=https://api.example.org", NULL },
	  NULL },
	{ "http API on loopback", { GOOD,
	  "WXKB_API_BASE=http://127.0.0.1:9/x", NULL }, NULL },
	{ "http API on localhost", { GOOD,
	  "WXKB_API_BASE=http://localhost:8", NULL }, NULL },
	{ "http API on [::1]", { GOOD, "WXKB_API_BASE=http://[::1]:8", NULL },
	  NULL },
	{ "http API elsewhere", { GOOD,
	  "WXKB_API_BASE=http://api.weixin.qq.com", NULL }, "WXKB_API_BASE" },
	{ "http API 128.0.0.1", { GOOD, "WXKB_API_BASE=http://128.0.0.1",
	  NULL }, "WXKB_API_BASE" },
	{ "http API, loopback as user", { GOOD,
	  "WXKB_API_BASE=http://127.0.0.1@evil.example", NULL },
	  "WXKB_API_BASE" },
	{ "demo Token", { "WXKB_TOKEN=" CONFIG_DEMO_TOKEN,
	  "WXKB_ADMIN_TOKEN=Adm1nTokenAdm1nX", NULL }, "WXKB_TOKEN" },
	{ "demo admin token", { "WXKB_TOKEN=Tok3n",
	  "WXKB_ADMIN_TOKEN=" CONFIG_DEMO_ADMIN_TOKEN, NULL },
	  "WXKB_ADMIN_TOKEN" },
	{ "demo admin token, admin off", { "WXKB_TOKEN=Tok3n",
	  "WXKB_ADMIN_TOKEN=" CONFIG_DEMO_ADMIN_TOKEN, "WXKB_ADMIN_LISTEN=",
	  NULL }, NULL },
	{ "demo for make run", { "WXKB_TOKEN=" CONFIG_DEMO_TOKEN,
	  "WXKB_ADMIN_TOKEN=" CONFIG_DEMO_ADMIN_TOKEN, "WXKB_DEMO=yes", NULL },
	  NULL },
	{ "WXKB_DEMO not yes/no", { GOOD, "WXKB_DEMO=1", NULL }, "WXKB_DEMO" },
	{ "admin on every address", { GOOD,
	  "WXKB_ADMIN_LISTEN=0.0.0.0:8081", NULL }, "WXKB_ADMIN_LISTEN" },
	{ "admin on a LAN address", { GOOD,
	  "WXKB_ADMIN_LISTEN=192.168.1.5:8081", NULL }, "WXKB_ADMIN_LISTEN" },
	{ "admin on [::]", { GOOD, "WXKB_ADMIN_LISTEN=[::]:8081", NULL },
	  "WXKB_ADMIN_LISTEN" },
	{ "admin on [::1]", { GOOD, "WXKB_ADMIN_LISTEN=[::1]:8081", NULL },
	  NULL },
	{ "admin off loopback, TLS in front", { GOOD,
	  "WXKB_ADMIN_LISTEN=0.0.0.0:8081", "WXKB_ADMIN_INSECURE_LISTEN=yes",
	  NULL }, NULL },
	{ "insecure listen not yes/no", { GOOD,
	  "WXKB_ADMIN_INSECURE_LISTEN=true", NULL },
	  "WXKB_ADMIN_INSECURE_LISTEN" },
	{ "short metrics token", { GOOD, "WXKB_METRICS_TOKEN=short", NULL },
	  "WXKB_METRICS_TOKEN" },
	{ "metrics token", { GOOD, "WXKB_METRICS_TOKEN=prometheus-0123456789",
	  NULL }, NULL },
	{ "admin hosts", { GOOD, "WXKB_ADMIN_HOSTS=admin.example.org,"
	  "admin.example.org:8443", NULL }, NULL },
	{ "admin hosts with a blank", { GOOD,
	  "WXKB_ADMIN_HOSTS=a.example, b.example", NULL }, "WXKB_ADMIN_HOSTS" },
};

static void
clear_env(void)
{
	static const char *keys[] = { "WXKB_TOKEN", "WXKB_ADMIN_TOKEN",
	    "WXKB_API_BASE", "WXKB_ADMIN_LISTEN", "WXKB_DEMO",
	    "WXKB_ADMIN_INSECURE_LISTEN", "WXKB_METRICS_TOKEN",
	    "WXKB_ADMIN_HOSTS" };
	size_t i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		unsetenv(keys[i]);
	unsetenv("CREDENTIALS_DIRECTORY");
}

static void
test_cases(void **state)
{
	struct config cfg;
	char *cause, kv[256], *eq;
	size_t i, j;
	int r;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		clear_env();
		for (j = 0; cases[i].env[j] != NULL; j++) {
			snprintf(kv, sizeof kv, "%s", cases[i].env[j]);
			eq = strchr(kv, '=');
			*eq = '\0';
			setenv(kv, eq + 1, 1);
		}
		cause = NULL;
		r = config_load(&cfg, "/dev/null", &cause);
		if (r != 0)
			fail_msg("%s: config_load: %s", cases[i].name, cause);
		r = config_check_safety(&cfg, &cause);
		if (cases[i].cause == NULL && r != 0)
			fail_msg("%s: refused: %s", cases[i].name, cause);
		if (cases[i].cause != NULL && (r == 0 || cause == NULL ||
		    strncmp(cause, cases[i].cause, strlen(cases[i].cause))
		    != 0))
			fail_msg("%s: want a refusal naming %s, got %s",
			    cases[i].name, cases[i].cause,
			    cause != NULL ? cause : "none");
		free(cause);
		config_cleanup(&cfg);
	}
	clear_env();
}

static void
test_loopback(void **state)
{
	(void)state;
	assert_true(config_host_is_loopback("127.0.0.1", 9));
	assert_true(config_host_is_loopback("127.200.3.4", 11));
	assert_true(config_host_is_loopback("LOCALHOST", 9));
	assert_true(config_host_is_loopback("[::1]", 5));
	assert_true(config_host_is_loopback("::1", 3));
	assert_false(config_host_is_loopback("0.0.0.0", 7));
	assert_false(config_host_is_loopback("localhost.evil", 14));
	assert_false(config_host_is_loopback("", 0));
	assert_false(config_host_is_loopback("[::]", 4));
	assert_false(config_host_is_loopback("127.0.0.1.nip.io", 16));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_loopback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
