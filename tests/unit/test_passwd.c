/*
 * test_passwd — the password hash: a known PBKDF2-HMAC-SHA256 value
 * (computed by Python's hashlib) verifies, a salt per hash, the iteration
 * count kept in the text, and hostile hash texts refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/passwd.h"

/* hashlib.pbkdf2_hmac('sha256', PW, bytes(range(16)), 1000). */
#define PW	"街道办密码2020"
#define KNOWN	"pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw==$" \
		"QpzTSXxoxckOdeUXyB14b5AjSqBzVkMNm1cwsLqSMXU="

static void
test_known_vector(void **state)
{
	(void)state;
	assert_true(passwd_valid(KNOWN));
	assert_true(passwd_verify(PW, strlen(PW), KNOWN));
	/* One byte off at the end, at the start, one byte short. */
	assert_false(passwd_verify(PW "x", strlen(PW) + 1, KNOWN));
	assert_false(passwd_verify("x" PW, strlen(PW) + 1, KNOWN));
	assert_false(passwd_verify(PW, strlen(PW) - 1, KNOWN));
	assert_false(passwd_verify("", 0, KNOWN));
}

static void
test_hash_round_trip(void **state)
{
	char a[PASSWD_HASH_SIZE], b[PASSWD_HASH_SIZE];

	(void)state;
	assert_int_equal(passwd_hash("correct horse", 13, 1000, a), 0);
	assert_int_equal(passwd_hash("correct horse", 13, 1000, b), 0);
	assert_true(passwd_valid(a));
	assert_non_null(strstr(a, "$1000$"));
	/* A random salt per hash: the same password hashes apart. */
	assert_string_not_equal(a, b);
	assert_true(passwd_verify("correct horse", 13, a));
	assert_true(passwd_verify("correct horse", 13, b));
	assert_false(passwd_verify("correct horsf", 13, a));
	assert_false(passwd_verify("Correct horse", 13, a));
}

static void
test_hash_limits(void **state)
{
	char out[PASSWD_HASH_SIZE], big[PASSWD_MAX + 1];

	(void)state;
	memset(big, 'p', sizeof big);
	assert_true(PASSWD_ITERATIONS >= 600000);
	assert_int_equal(passwd_hash("", 0, 1000, out), -1);
	assert_int_equal(passwd_hash(big, sizeof big, 1000, out), -1);
	assert_int_equal(passwd_hash(big, PASSWD_MAX, 1000, out), 0);
	assert_true(passwd_verify(big, PASSWD_MAX, out));
	assert_false(passwd_verify(big, sizeof big, out));
	assert_int_equal(passwd_hash("pw", 2, PASSWD_MIN_ITERATIONS - 1,
	    out), -1);
	assert_int_equal(passwd_hash("pw", 2, PASSWD_MAX_ITERATIONS + 1,
	    out), -1);
}

/* Texts that are not our hash: refused without a derivation. */
static void
test_hostile_hashes(void **state)
{
	static const char *bad[] = {
		NULL, "", "pbkdf2-sha256$", "pbkdf2-sha1$1000$AAECAwQFBgcICQo"
		"LDA0ODw==$QpzTSXxoxckOdeUXyB14b5AjSqBzVkMNm1cwsLqSMXU=",
		"pbkdf2-sha256$999$AAECAwQFBgcICQoLDA0ODw==$QpzTSXxoxckOdeUXyB"
		"14b5AjSqBzVkMNm1cwsLqSMXU=",
		"pbkdf2-sha256$0$AAECAwQFBgcICQoLDA0ODw==$QpzTSXxoxckOdeUXyB14"
		"b5AjSqBzVkMNm1cwsLqSMXU=",
		"pbkdf2-sha256$01000$AAECAwQFBgcICQoLDA0ODw==$QpzTSXxoxckOdeUX"
		"yB14b5AjSqBzVkMNm1cwsLqSMXU=",
		"pbkdf2-sha256$-1000$AAECAwQFBgcICQoLDA0ODw==$QpzTSXxoxckOdeUX"
		"yB14b5AjSqBzVkMNm1cwsLqSMXU=",
		"pbkdf2-sha256$10000001$AAECAwQFBgcICQoLDA0ODw==$QpzTSXxoxckOd"
		"eUXyB14b5AjSqBzVkMNm1cwsLqSMXU=",
		"pbkdf2-sha256$99999999999999999999999$AAECAwQFBgcICQoLDA0ODw="
		"=$QpzTSXxoxckOdeUXyB14b5AjSqBzVkMNm1cwsLqSMXU=",
		"pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw==",
		"pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw==$",
		"pbkdf2-sha256$1000$$QpzTSXxoxckOdeUXyB14b5AjSqBzVkMNm1cwsLqSMXU=",
		"pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0O$QpzTSXxoxckOdeUXyB14b5A"
		"jSqBzVkMNm1cwsLqSMXU=",
		"pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw==$QpzTSXxoxckOdeUXyB1"
		"4b5AjSqBzVkMNm1cwsLq",
		"pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw==$QpzTSXxoxckOdeUXyB1"
		"4b5AjSqBzVkMNm1cwsLqSMXU=$",
		"pbkdf2-sha256$1000$AAEC*wQFBgcICQoLDA0ODw==$QpzTSXxoxckOdeUXyB1"
		"4b5AjSqBzVkMNm1cwsLqSMXU=",
		"pbkdf2-sha256$1000x$AAECAwQFBgcICQoLDA0ODw==$QpzTSXxoxckOdeUXyB"
		"14b5AjSqBzVkMNm1cwsLqSMXU=",
	};
	char longer[400];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_false(passwd_valid(bad[i]));
		assert_false(passwd_verify(PW, strlen(PW), bad[i]));
	}
	snprintf(longer, sizeof longer, "%s%0250d", KNOWN, 0);
	assert_false(passwd_valid(longer));
}

/* The hash checked for unknown names costs as much as a real one. */
static void
test_dummy(void **state)
{
	(void)state;
	assert_true(passwd_valid(PASSWD_DUMMY));
	assert_non_null(strstr(PASSWD_DUMMY, "$600000$"));
	assert_false(passwd_verify("", 0, PASSWD_DUMMY));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_vector),
		cmocka_unit_test(test_hash_round_trip),
		cmocka_unit_test(test_hash_limits),
		cmocka_unit_test(test_hostile_hashes),
		cmocka_unit_test(test_dummy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
