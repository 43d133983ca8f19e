/*
 * test_session — the sign-in sessions: an id opens its session and only
 * its own (one character off anywhere is refused), idle expiry, the CSRF
 * token compared whole, the oldest session making room, the cookie read
 * from hostile Cookie headers, and the accounts file read and refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/session.h"
#include "daemon/users.h"

static struct session_store st;

static const struct users_entry wang = {
	.name = "王芳", .role = USERS_EDITOR,
	.hash = "pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw==$"
	    "QpzTSXxoxckOdeUXyB14b5AjSqBzVkMNm1cwsLqSMXU=",
};

static void
test_open_find(void **state)
{
	struct session *s, *t;
	char id[SESSION_TOKEN_LEN + 1];

	(void)state;
	session_init(&st, 0);
	assert_int_equal(st.idle, SESSION_IDLE);
	s = session_open(&st, &wang, 1000);
	assert_non_null(s);
	assert_string_equal(s->name, "王芳");
	assert_int_equal(strlen(s->id), SESSION_TOKEN_LEN);
	assert_int_equal(strlen(s->csrf), SESSION_TOKEN_LEN);
	assert_string_not_equal(s->id, s->csrf);
	t = session_open(&st, &wang, 1000);
	assert_non_null(t);
	assert_ptr_not_equal(s, t);
	assert_string_not_equal(s->id, t->id);
	assert_ptr_equal(session_find(&st, s->id, 1001), s);
	assert_ptr_equal(session_find(&st, t->id, 1001), t);
	assert_null(session_find(&st, NULL, 1001));
	assert_null(session_find(&st, "", 1001));
	/* Any one character changed, or one too few or many: refused. */
	for (size_t i = 0; i < SESSION_TOKEN_LEN; i++) {
		memcpy(id, s->id, sizeof id);
		id[i] = id[i] == '0' ? '1' : '0';
		assert_null(session_find(&st, id, 1001));
	}
	memcpy(id, s->id, sizeof id);
	id[SESSION_TOKEN_LEN - 1] = '\0';
	assert_null(session_find(&st, id, 1001));
	assert_ptr_equal(session_find(&st, s->id, 1001), s);
	memcpy(id, s->id, sizeof id);
	session_close(s);
	assert_null(session_find(&st, id, 1001));
	assert_ptr_equal(session_find(&st, t->id, 1001), t);
}

/* An empty store with idle seconds, and one session opened at now. */
static struct session *
fresh(long idle, time_t now)
{
	session_init(&st, idle);
	return session_open(&st, &wang, now);
}

static void
test_idle_expiry(void **state)
{
	struct session *s;
	char id[SESSION_TOKEN_LEN + 1];

	(void)state;
	s = fresh(600, 1000);
	memcpy(id, s->id, sizeof id);
	/* Each use moves the deadline. */
	assert_non_null(session_find(&st, id, 1600));
	assert_non_null(session_find(&st, id, 2200));
	/* Idle longer than allowed: gone, and stays gone. */
	assert_null(session_find(&st, id, 2801));
	assert_null(session_find(&st, id, 2200));
	/* A clock stepped far back does not revive or keep one either. */
	s = session_open(&st, &wang, 5000);
	memcpy(id, s->id, sizeof id);
	assert_null(session_find(&st, id, 100));
}

static void
test_csrf(void **state)
{
	struct session *s;
	char tok[SESSION_TOKEN_LEN + 2];

	(void)state;
	s = fresh(0, 1000);
	assert_true(session_csrf_ok(s, s->csrf));
	assert_false(session_csrf_ok(s, NULL));
	assert_false(session_csrf_ok(s, ""));
	assert_false(session_csrf_ok(s, s->id));
	memcpy(tok, s->csrf, SESSION_TOKEN_LEN + 1);
	tok[SESSION_TOKEN_LEN - 1] ^= 1;
	assert_false(session_csrf_ok(s, tok));
	memcpy(tok, s->csrf, SESSION_TOKEN_LEN + 1);
	tok[SESSION_TOKEN_LEN - 1] = '\0';
	assert_false(session_csrf_ok(s, tok));
	memcpy(tok, s->csrf, SESSION_TOKEN_LEN);
	tok[SESSION_TOKEN_LEN] = 'a';
	tok[SESSION_TOKEN_LEN + 1] = '\0';
	assert_false(session_csrf_ok(s, tok));
}

static void
test_oldest_makes_room(void **state)
{
	struct session *s;
	char first[SESSION_TOKEN_LEN + 1], second[SESSION_TOKEN_LEN + 1];
	int i;

	(void)state;
	session_init(&st, 100000);
	s = session_open(&st, &wang, 1000);
	memcpy(first, s->id, sizeof first);
	s = session_open(&st, &wang, 1001);
	memcpy(second, s->id, sizeof second);
	for (i = 2; i < SESSION_SLOTS; i++)
		assert_non_null(session_open(&st, &wang, 1000 + i));
	/* Full: the first used longest ago gives way, the rest stay. */
	assert_non_null(session_find(&st, first, 2000));	/* touched */
	assert_non_null(session_open(&st, &wang, 3000));
	assert_non_null(session_find(&st, first, 3001));
	assert_null(session_find(&st, second, 3001));
}

static void
test_cookie(void **state)
{
	char id[SESSION_TOKEN_LEN + 1], hdr[512];
	const char *hex = "0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef";

	(void)state;
	snprintf(hdr, sizeof hdr, "wxkb_session=%s", hex);
	assert_int_equal(session_cookie(hdr, id), 1);
	assert_string_equal(id, hex);
	snprintf(hdr, sizeof hdr, "a=b; theme=dark;wxkb_session=%s; c=d", hex);
	assert_int_equal(session_cookie(hdr, id), 1);
	assert_string_equal(id, hex);
	/* A cookie whose name merely ends or starts the same is another. */
	snprintf(hdr, sizeof hdr, "xwxkb_session=%s", hex);
	assert_int_equal(session_cookie(hdr, id), 0);
	snprintf(hdr, sizeof hdr, "wxkb_session2=%s", hex);
	assert_int_equal(session_cookie(hdr, id), 0);
	snprintf(hdr, sizeof hdr, "wxkb_session=%sf", hex);
	assert_int_equal(session_cookie(hdr, id), 0);
	snprintf(hdr, sizeof hdr, "wxkb_session=%.63s", hex);
	assert_int_equal(session_cookie(hdr, id), 0);
	snprintf(hdr, sizeof hdr, "wxkb_session=%.63sG", hex);
	assert_int_equal(session_cookie(hdr, id), 0);
	snprintf(hdr, sizeof hdr, "wxkb_session=%.63sA", hex);
	assert_int_equal(session_cookie(hdr, id), 0);
	assert_int_equal(session_cookie("wxkb_session=", id), 0);
	assert_int_equal(session_cookie("wxkb_session", id), 0);
	assert_int_equal(session_cookie(";;;", id), 0);
	assert_int_equal(session_cookie("", id), 0);
	assert_int_equal(session_cookie(NULL, id), 0);
}

/* The accounts file: round trip, and bad files refused with the reason. */
static void
test_users_file(void **state)
{
	char dir[] = "/tmp/test_session.XXXXXX", *path, *cause = NULL;
	static struct users u, v;
	FILE *fp;
	enum users_role role;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = users_path(dir);
	assert_int_equal(users_load(&u, path, &cause), 0);
	assert_int_equal(u.n, 0);		/* no file: no account */
	u.e[0] = wang;
	u.e[1] = wang;
	snprintf(u.e[1].name, sizeof u.e[1].name, "lijun");
	u.e[1].role = USERS_PUBLISHER;
	u.n = 2;
	assert_int_equal(users_save(&u, path, &cause), 0);
	assert_int_equal(users_load(&v, path, &cause), 0);
	assert_int_equal(v.n, 2);
	assert_string_equal(users_find(&v, "lijun")->hash, wang.hash);
	assert_int_equal(users_find(&v, "lijun")->role, USERS_PUBLISHER);
	assert_null(users_find(&v, "LIJUN"));
	assert_int_equal(users_del(&v, "王芳"), 0);
	assert_int_equal(users_del(&v, "王芳"), -1);
	assert_int_equal(v.n, 1);
	assert_string_equal(v.e[0].name, "lijun");

	fp = fopen(path, "w");
	fprintf(fp, "{\"users\":[{\"name\":\"a\",\"role\":\"admin\","
	    "\"hash\":\"%s\"}]}", wang.hash);
	fclose(fp);
	assert_int_equal(users_load(&v, path, &cause), -1);
	assert_non_null(strstr(cause, "role"));
	assert_int_equal(v.n, 0);
	free(cause);
	cause = NULL;
	fp = fopen(path, "w");
	fprintf(fp, "{\"users\":[{\"name\":\"a\",\"role\":\"editor\","
	    "\"hash\":\"plain\"}]}");
	fclose(fp);
	assert_int_equal(users_load(&v, path, &cause), -1);
	assert_non_null(strstr(cause, "hash"));
	free(cause);
	cause = NULL;
	fp = fopen(path, "w");
	fprintf(fp, "{\"users\":[{\"name\":\"a\",\"role\":\"editor\","
	    "\"hash\":\"%s\"},{\"name\":\"a\",\"role\":\"editor\","
	    "\"hash\":\"%s\"}]}", wang.hash, wang.hash);
	fclose(fp);
	assert_int_equal(users_load(&v, path, &cause), -1);
	assert_non_null(strstr(cause, "twice"));
	free(cause);
	cause = NULL;
	fp = fopen(path, "w");
	fputs("{\"users\":", fp);
	fclose(fp);
	assert_int_equal(users_load(&v, path, &cause), -1);
	free(cause);

	assert_true(users_name_ok("王芳"));
	assert_true(users_name_ok("li.jun-2"));
	assert_false(users_name_ok(""));
	assert_false(users_name_ok("token"));
	assert_false(users_name_ok("li jun"));
	assert_false(users_name_ok("li\"jun"));
	assert_false(users_name_ok("\xe7\x8e"));	/* cut UTF-8 */
	assert_false(users_name_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaa"));
	assert_int_equal(users_role_parse("publisher", &role), 0);
	assert_int_equal(role, USERS_PUBLISHER);
	assert_int_equal(users_role_parse("Publisher", &role), -1);
	unlink(path);
	rmdir(dir);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_find),
		cmocka_unit_test(test_idle_expiry),
		cmocka_unit_test(test_csrf),
		cmocka_unit_test(test_oldest_makes_room),
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_users_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
