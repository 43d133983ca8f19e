/*
 * test_admin_save — a write of the admin API when other instances share
 * the knowledge base (admin_api_cfg.cas, played here by the test): the
 * validated write is offered to the cluster with the revision it is based
 * on and its note, and nothing is saved or answered until the cluster
 * says.  WON: saved, kept in the history, served and answered as one
 * instance answers.  LOST: 409 with the version that won as "current"
 * (the item, or the settings), nothing of the write saved.  AWAY: 503,
 * nothing saved.  A second write while one waits: 503 at once.  The save
 * here failing after WON: the error, and the cluster told so.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "handlers/admin/admin_api.h"
#include "handlers/callback/dispatch.h"
#include "kb/kb.h"
#include "kb/kb_doc.h"
#include "kb/kb_history.h"
#include "lib/file.h"

#define KB_SRC		"tests/data/kb/small.json"
#define NOW		((time_t)1795000000)
#define ITEM		"{\"id\":\"hello\",\"title\":\"问候\",\"keywords\":" \
	"[\"你好\"],\"reply\":{\"type\":\"text\",\"content\":\"%s\"}}"

struct fixture {
	char			 dir[64];
	char			 kb_path[128];
	char			 state[128];
	struct dispatch		*d;
	struct admin_api	*api;
	uint64_t		 generation;
	int			 fail_reload;
	/* What the cluster was asked, and how to answer. */
	int			 asked;
	int			 refuse;	/* cas returns -1 */
	int64_t			 base;
	char			*doc;
	struct kb_history_entry	 note;
	admin_cas_done_fn	 done;
	void			*done_arg;
	/* The answer, once it came. */
	int			 answered;
	struct admin_result	 res;
	json_t			*j;
};

static int
reload_cb(void *arg, uint64_t *generation)
{
	struct fixture *f = arg;
	struct kb *kb = NULL;

	if (f->fail_reload ||
	    kb_load_file(f->kb_path, f->generation + 1, &kb, NULL) != KB_OK)
		return -1;
	f->generation++;
	dispatch_set_kb(f->d, kb);
	kb_unref(kb);
	*generation = f->generation;
	return 0;
}

static int
cas_cb(void *arg, int64_t base, const char *doc, size_t len,
    const struct kb_history_entry *note, admin_cas_done_fn done,
    void *done_arg)
{
	struct fixture *f = arg;

	f->asked++;
	if (f->refuse)
		return -1;
	f->base = base;
	free(f->doc);
	f->doc = strndup(doc, len);
	f->note = *note;
	f->done = done;
	f->done_arg = done_arg;
	return 0;
}

static void
done_cb(void *arg, struct admin_result *res)
{
	struct fixture *f = arg;

	f->answered++;
	/* An answer that comes later replaces one not yet cleared. */
	admin_result_cleanup(&f->res);
	json_decref(f->j);
	f->res = *res;
	memset(res, 0, sizeof *res);
	f->j = json_loadb(f->res.body, f->res.len, 0, NULL);
}

static int
setup(void **state)
{
	struct admin_api_cfg cfg;
	struct fixture *f;
	char *buf = NULL, *cause = NULL, *warning = NULL;
	size_t len;
	uint64_t gen;

	f = calloc(1, sizeof *f);
	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/test_admin_save.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->kb_path, sizeof f->kb_path, "%s/kb.json", f->dir);
	snprintf(f->state, sizeof f->state, "%s/state", f->dir);
	if (mkdir(f->state, 0700) != 0 ||
	    file_read(KB_SRC, KB_MAX_FILE, &buf, &len, NULL) != 0 ||
	    file_write_atomic(f->kb_path, buf, len, 0644, NULL) != 0)
		return -1;
	free(buf);
	f->d = dispatch_new();
	if (f->d == NULL || reload_cb(f, &gen) != 0)
		return -1;
	memset(&cfg, 0, sizeof cfg);
	cfg.kb_path = f->kb_path;
	cfg.state_dir = f->state;
	cfg.dispatch = f->d;
	cfg.reload = reload_cb;
	cfg.reload_arg = f;
	cfg.cas = cas_cb;
	cfg.cas_arg = f;
	f->api = admin_api_new(&cfg, &cause, &warning);
	free(warning);
	if (f->api == NULL)
		return -1;
	*state = f;
	return 0;
}

static void
answer_clear(struct fixture *f)
{
	admin_result_cleanup(&f->res);
	json_decref(f->j);
	f->j = NULL;
	f->answered = 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];

	answer_clear(f);
	admin_api_free(f->api);
	dispatch_free(f->d);
	free(f->doc);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

/* One request through admin_api_serve; 1 when it waits (pending). */
static int
serve(struct fixture *f, enum admin_method m, const char *path,
    const char *if_match, const char *body)
{
	struct admin_request req;

	answer_clear(f);
	memset(&req, 0, sizeof req);
	req.method = m;
	req.path = path;
	req.if_match = if_match;
	req.content_type = body != NULL ? "application/json" : NULL;
	req.body = body;
	req.len = body != NULL ? strlen(body) : 0;
	req.now = NOW;
	req.person = "王编辑";
	return admin_api_serve(f->api, &req, done_cb, f) != NULL;
}

/* PUT of the item hello answering content, If-Match 0. */
static int
put_hello(struct fixture *f, const char *content)
{
	char body[256];

	snprintf(body, sizeof body, ITEM, content);
	return serve(f, ADMIN_PUT, "/api/kb/items/hello", "0", body);
}

/* The file's text, malloc'ed. */
static char *
file_text(const struct fixture *f)
{
	char *buf = NULL;
	size_t len;

	assert_int_equal(file_read(f->kb_path, KB_MAX_FILE, &buf, &len,
	    NULL), 0);
	return buf;
}

static void
test_won(void **state)
{
	struct fixture *f = *state;
	char *before = file_text(f), *after;

	assert_true(put_hello(f, "集群保存"));
	assert_int_equal(f->asked, 1);
	assert_int_equal(f->answered, 0);
	assert_int_equal(f->base, 0);
	assert_int_equal(f->note.revision, 1);
	assert_string_equal(f->note.action, "update");
	assert_string_equal(f->note.item, "hello");
	assert_string_equal(f->note.by, "王编辑");
	assert_non_null(strstr(f->doc, "集群保存"));
	/* Nothing is saved before the cluster took it. */
	after = file_text(f);
	assert_string_equal(after, before);
	free(after);
	assert_int_equal(f->done(f->done_arg, ADMIN_CAS_WON), 0);
	assert_int_equal(f->answered, 1);
	assert_int_equal(f->res.status, 200);
	assert_string_equal(f->res.headers[0].name, "ETag");
	assert_string_equal(f->res.headers[0].value, "\"1\"");
	assert_string_equal(f->res.event, "kb_audit");
	assert_string_equal(f->res.action, "update");
	assert_string_equal(f->res.person, "王编辑");
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(json_object_get(f->j, "item"), "reply"),
	    "content")), "集群保存");
	/* Saved as the cluster has it, byte for byte. */
	after = file_text(f);
	assert_string_equal(after, f->doc);
	free(after);
	assert_int_equal(f->generation, 2);
	/* Kept in the history with the note. */
	assert_true(serve(f, ADMIN_GET, "/api/kb/history", NULL, NULL) == 0);
	assert_non_null(strstr(f->res.body, "\"revision\":1,\"action\":"
	    "\"update\",\"current\":true"));
	assert_non_null(strstr(f->res.body, "\"by\":\"王编辑\""));
	free(before);
}

/* The winner, saved here as the follower does before done(LOST). */
static void
cluster_wins(struct fixture *f, const char *content)
{
	json_t *doc;
	char *text;
	size_t len;

	text = file_text(f);
	doc = kb_doc_parse(text, strlen(text), NULL);
	free(text);
	assert_non_null(doc);
	json_object_set_new(json_object_get(kb_doc_find(doc, "hello", NULL),
	    "reply"), "content", json_string(content));
	json_object_set_new(kb_doc_find(doc, "hello", NULL), "revision",
	    json_integer(1));
	json_object_set_new(json_object_get(doc, "welcome"), "content",
	    json_string(content));
	assert_int_equal(kb_doc_set_revision(doc, 1), 0);
	text = kb_doc_dump(doc, &len);
	assert_int_equal(file_write_atomic(f->kb_path, text, len, 0644, NULL),
	    0);
	free(text);
	json_decref(doc);
}

static void
test_lost(void **state)
{
	struct fixture *f = *state;
	json_t *cur;
	char *text;

	assert_true(put_hello(f, "我的修改"));
	cluster_wins(f, "同事的修改");
	assert_int_equal(f->done(f->done_arg, ADMIN_CAS_LOST), 0);
	assert_int_equal(f->answered, 1);
	assert_int_equal(f->res.status, 409);
	assert_string_equal(json_string_value(json_object_get(f->j,
	    "conflict")), "cluster");
	assert_non_null(strstr(json_string_value(json_object_get(f->j,
	    "message_zh")), "您的修改没有保存"));
	assert_int_equal(json_integer_value(json_object_get(f->j,
	    "revision")), 1);
	cur = json_object_get(f->j, "current");
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(cur, "reply"), "content")), "同事的修改");
	assert_int_equal(json_integer_value(json_object_get(cur,
	    "revision")), 1);
	assert_string_equal(f->res.event, "kb_conflict");
	/* Nothing of the write: the winner's file, no note of ours. */
	text = file_text(f);
	assert_null(strstr(text, "我的修改"));
	assert_non_null(strstr(text, "同事的修改"));
	free(text);
	assert_int_equal(f->generation, 1);
	assert_true(serve(f, ADMIN_GET, "/api/kb/history", NULL, NULL) == 0);
	assert_null(strstr(f->res.body, "王编辑"));
}

static void
test_lost_settings(void **state)
{
	struct fixture *f = *state;
	json_t *cur;

	assert_true(serve(f, ADMIN_PUT, "/api/kb", "0", "{\"welcome\":"
	    "{\"type\":\"text\",\"content\":\"新的欢迎语\"}}"));
	assert_string_equal(f->note.action, "settings");
	cluster_wins(f, "同事的欢迎语");
	assert_int_equal(f->done(f->done_arg, ADMIN_CAS_LOST), 0);
	assert_int_equal(f->res.status, 409);
	cur = json_object_get(f->j, "current");
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(cur, "welcome"), "content")), "同事的欢迎语");
	assert_int_equal(json_integer_value(json_object_get(cur,
	    "revision")), 1);
}

static void
test_away(void **state)
{
	struct fixture *f = *state;
	char *before = file_text(f), *after;

	assert_true(put_hello(f, "不会保存"));
	assert_int_equal(f->done(f->done_arg, ADMIN_CAS_AWAY), 0);
	assert_int_equal(f->res.status, 503);
	assert_non_null(strstr(json_string_value(json_object_get(f->j,
	    "error")), "暂停保存修改"));
	assert_string_equal(f->res.headers[0].name, "Retry-After");
	/* Redis cannot even be asked: answered at once, alike. */
	f->refuse = 1;
	assert_false(put_hello(f, "也不会保存"));
	assert_int_equal(f->answered, 1);
	assert_int_equal(f->res.status, 503);
	after = file_text(f);
	assert_string_equal(after, before);
	assert_int_equal(f->generation, 1);
	free(after);
	free(before);
}

static void
test_one_at_a_time(void **state)
{
	struct fixture *f = *state;
	admin_cas_done_fn done;
	void *done_arg;

	assert_true(put_hello(f, "第一项"));
	done = f->done;
	done_arg = f->done_arg;
	/* Another write meanwhile: 503 at once, the cluster not asked. */
	assert_false(serve(f, ADMIN_DELETE, "/api/kb/items/jobs", "0", NULL));
	assert_int_equal(f->asked, 1);
	assert_int_equal(f->res.status, 503);
	assert_non_null(strstr(json_string_value(json_object_get(f->j,
	    "message_zh")), "正在保存"));
	/* Reads go on. */
	assert_false(serve(f, ADMIN_GET, "/api/kb/items/jobs", NULL, NULL));
	assert_int_equal(f->res.status, 200);
	assert_int_equal(done(done_arg, ADMIN_CAS_WON), 0);
	assert_int_equal(f->res.status, 200);
	/* And the next write is offered again. */
	assert_true(serve(f, ADMIN_DELETE, "/api/kb/items/jobs", "0", NULL));
	assert_int_equal(f->asked, 2);
	assert_int_equal(f->base, 1);
	assert_int_equal(f->done(f->done_arg, ADMIN_CAS_WON), 0);
	assert_int_equal(f->res.status, 200);
}

/* A write the cluster refuses before asking (422) never reaches it. */
static void
test_invalid_not_offered(void **state)
{
	struct fixture *f = *state;

	assert_false(serve(f, ADMIN_PUT, "/api/kb/items/hello", "0",
	    "{\"id\":\"hello\",\"title\":\"问候\",\"keywords\":[],"
	    "\"reply\":{\"type\":\"text\",\"content\":\"x\"}}"));
	assert_int_equal(f->res.status, 422);
	assert_int_equal(f->asked, 0);
}

static void
test_won_not_saved_here(void **state)
{
	struct fixture *f = *state;
	char *before = file_text(f), *after;

	assert_true(put_hello(f, "集群有了"));
	f->fail_reload = 1;
	/* -1: the caller brings the cluster's version here. */
	assert_int_equal(f->done(f->done_arg, ADMIN_CAS_WON), -1);
	assert_int_equal(f->res.status, 500);
	after = file_text(f);
	assert_string_equal(after, before);
	free(after);
	free(before);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_won, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_settings, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_away, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_at_a_time, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_invalid_not_offered,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_won_not_saved_here, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
