/*
 * test_admin_api — the admin API driven directly (docs/admin-api.md) over
 * a copy of tests/data/kb/small.json in a temporary directory: reads and
 * searches, item writes validated as `wxkbctl check` validates, If-Match
 * and the two-editors case, history and restore, persistence across a
 * new API object, reload, the query preview, statistics and the CSV
 * export, and writes refused with 507 when the disk is full or the state
 * dir unwritable, leaving the file and the generation as they were.  The
 * kb_doc, kb_history and kb_stats modules are checked on the way.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
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
#include "handlers/callback/wx_msg.h"
#include "kb/kb.h"
#include "kb/kb_doc.h"
#include "kb/kb_history.h"
#include "kb/kb_stats.h"
#include "kb/kb_unanswered.h"
#include "lib/file.h"

#define KB_SRC		"tests/data/kb/small.json"
/* 2026-11-18 11:06:40 UTC: after every valid_until of small.json. */
#define NOW		((time_t)1795000000)

static const char csv_head[] = "\xef\xbb\xbf"
    "日期,答上,给出建议,未答上,回答率\r\n";
#define FALLBACK	"暂时没有找到答案，请致电街道党政办公室 87841022。"

struct fixture {
	char			 dir[64];
	char			 kb_path[128];
	char			 state[128];
	struct dispatch		*d;
	struct kb_unanswered	*u;
	struct kb_stats		*stats;
	struct admin_api	*api;
	uint64_t		 generation;
	int			 reloads;
	int			 fail_reload;	/* the next reloads fail */
};

/* One call and its answer, the body parsed when it is JSON. */
struct call {
	struct admin_result	 res;
	json_t			*j;
};

static int
reload_cb(void *arg, uint64_t *generation)
{
	struct fixture *f = arg;
	struct kb *kb = NULL;

	if (f->fail_reload)
		return -1;
	if (kb_load_file(f->kb_path, f->generation + 1, &kb, NULL) != KB_OK)
		return -1;
	f->generation++;
	f->reloads++;
	dispatch_set_kb(f->d, kb);
	kb_unref(kb);
	*generation = f->generation;
	return 0;
}

static void
copy_file(const char *from, const char *to)
{
	char *buf = NULL;
	size_t len;

	assert_int_equal(file_read(from, KB_MAX_FILE, &buf, &len, NULL),
	    0);
	assert_int_equal(file_write_atomic(to, buf, len, 0644, NULL), 0);
	free(buf);
}

static struct admin_api *
admin_open(struct fixture *f)
{
	struct admin_api_cfg cfg;
	struct admin_api *api;
	char *cause = NULL, *warning = NULL;

	memset(&cfg, 0, sizeof cfg);
	cfg.kb_path = f->kb_path;
	cfg.state_dir = f->state;
	cfg.dispatch = f->d;
	cfg.reload = reload_cb;
	cfg.reload_arg = f;
	api = admin_api_new(&cfg, &cause, &warning);
	assert_non_null(api);
	assert_null(cause);
	free(warning);
	return api;
}

static int
setup(void **state)
{
	struct fixture *f;
	uint64_t gen;

	f = calloc(1, sizeof *f);
	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/test_admin_api.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->kb_path, sizeof f->kb_path, "%s/kb.json", f->dir);
	snprintf(f->state, sizeof f->state, "%s/state", f->dir);
	if (mkdir(f->state, 0700) != 0)
		return -1;
	copy_file(KB_SRC, f->kb_path);
	f->d = dispatch_new();
	f->u = kb_unanswered_new(0);
	f->stats = kb_stats_new();
	if (f->d == NULL || f->u == NULL || f->stats == NULL)
		return -1;
	dispatch_set_unanswered(f->d, f->u);
	dispatch_set_stats(f->d, f->stats);
	if (reload_cb(f, &gen) != 0)
		return -1;
	f->api = admin_open(f);
	*state = f;
	return 0;
}

/* rm -rf of the fixture dir, two levels deep. */
static void
remove_tree(const char *dir)
{
	struct dirent *de;
	struct stat st;
	char p[512];
	DIR *d;

	d = opendir(dir);
	if (d == NULL) {
		unlink(dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	admin_api_free(f->api);
	dispatch_free(f->d);
	kb_unanswered_free(f->u);
	kb_stats_free(f->stats);
	remove_tree(f->dir);
	free(f);
	return 0;
}

static void
call_cleanup(struct call *c)
{
	admin_result_cleanup(&c->res);
	json_decref(c->j);
	c->j = NULL;
}

/* Who the next requests come from (the transport's say). */
static const char *call_person;
static enum admin_role call_role;

/* Make one request; body NULL means none. */
static void
call(struct fixture *f, struct call *c, enum admin_method m,
    const char *path, const char *query, const char *if_match,
    const char *body)
{
	struct admin_request req;

	memset(c, 0, sizeof *c);
	memset(&req, 0, sizeof req);
	req.method = m;
	req.path = path;
	req.query = query;
	req.if_match = if_match;
	req.content_type = body != NULL ? "application/json" : NULL;
	req.body = body;
	req.len = body != NULL ? strlen(body) : 0;
	req.now = NOW;
	req.person = call_person;
	req.role = call_role;
	admin_api_handle(f->api, &req, &c->res);
	assert_non_null(c->res.content_type);
	if (strncmp(c->res.content_type, "application/json", 16) == 0) {
		c->j = json_loadb(c->res.body, c->res.len, 0, NULL);
		if (c->j == NULL)
			fail_msg("%s: not JSON: %.*s", path, (int)c->res.len,
			    c->res.body);
	}
}

/* The value of a header of the answer, or NULL. */
static const char *
header(const struct call *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->res.nheaders; i++) {
		if (strcmp(c->res.headers[i].name, name) == 0)
			return c->res.headers[i].value;
	}
	return NULL;
}

static json_int_t
jint(json_t *j, const char *key)
{
	json_t *v = json_object_get(j, key);

	if (!json_is_integer(v))
		fail_msg("\"%s\" is not an integer", key);
	return json_integer_value(v);
}

static const char *
jstr(json_t *j, const char *key)
{
	json_t *v = json_object_get(j, key);

	if (!json_is_string(v))
		fail_msg("\"%s\" is not a string", key);
	return json_string_value(v);
}

/* 1 when one of the details strings contains want. */
static int
details_hold(json_t *j, const char *want)
{
	json_t *d;
	size_t i;

	json_array_foreach(json_object_get(j, "details"), i, d) {
		if (strstr(json_string_value(d), want) != NULL)
			return 1;
	}
	return 0;
}

static char *
read_all(const char *path, size_t *len)
{
	char *buf = NULL;
	size_t n;

	assert_int_equal(file_read(path, KB_MAX_FILE, &buf, &n, NULL), 0);
	if (len != NULL)
		*len = n;
	return buf;
}

/* The revision written in the knowledge-base file. */
static int64_t
file_revision(const struct fixture *f)
{
	char *buf;
	size_t len;
	json_t *doc;
	int64_t rev;

	buf = read_all(f->kb_path, &len);
	doc = kb_doc_parse(buf, len, NULL);
	assert_non_null(doc);
	rev = kb_doc_revision(doc);
	json_decref(doc);
	free(buf);
	return rev;
}

/* Files in dir, besides . and .. */
static int
count_files(const char *dir)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	d = opendir(dir);
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	}
	closedir(d);
	return n;
}

/* The item id of the generation served, or NULL. */
static int
served_has(struct fixture *f, const char *id, const char *title)
{
	struct kb *kb = dispatch_kb_acquire(f->d);
	const struct kb_item *it;
	int r;

	it = kb_find_id(kb, id, NOW);
	r = it != NULL && (title == NULL || strcmp(it->title, title) == 0);
	kb_unref(kb);
	return r;
}

static const char new_item[] =
    "{\"id\": \"garbage\", \"title\": \"垃圾分类\","
    " \"keywords\": [\"垃圾分类\", \"垃圾\"],"
    " \"reply\": {\"type\": \"text\", \"content\": \"每周二、五收。\"}}";

/* POST new_item at revision 0; returns the revision it made. */
static int64_t
create_garbage(struct fixture *f)
{
	struct call c;
	int64_t rev;

	call(f, &c, ADMIN_POST, "/api/kb/items", NULL, "0", new_item);
	assert_int_equal(c.res.status, 201);
	rev = jint(c.j, "revision");
	call_cleanup(&c);
	return rev;
}

static void
test_kb_get(void **state)
{
	struct fixture *f = *state;
	struct call c;

	call(f, &c, ADMIN_GET, "/api/kb", NULL, NULL, NULL);
	assert_int_equal(c.res.status, 200);
	assert_int_equal(jint(c.j, "revision"), 0);
	assert_int_equal(jint(c.j, "generation"), 1);
	assert_int_equal(jint(c.j, "items"), 10);
	assert_string_equal(jstr(c.j, "account"), "山海小王哥庄");
	assert_string_equal(jstr(json_object_get(c.j, "fallback"), "content"),
	    FALLBACK);
	assert_string_equal(header(&c, "ETag"), "\"0\"");
	assert_null(c.res.event);
	call_cleanup(&c);
}

/* Search: every word, normalized, in id, title, keywords or reply. */
static void
test_search(void **state)
{
	static const struct {
		const char	*query;
		const char	*ids;	/* ids found, in file order */
	} cases[] = {
		{ NULL, "contact office-phone report apply jobs employment "
		    "hello open-day wechat experience" },
		{ "q=%E4%BC%A0%E7%9C%9F", "contact" },		/* 传真 */
		{ "q=EMAIL", "contact" },	/* folded as for matching */
		{ "q=%EF%BD%85%EF%BD%8D%EF%BD%81%EF%BD%89%EF%BD%8C",
		    "contact" },		/* full-width ｅｍａｉｌ */
		{ "q=87841022", "contact office-phone" },	/* replies */
		/* 街道办 电话: both words, with a space between. */
		{ "q=%E8%A1%97%E9%81%93%E5%8A%9E+%E7%94%B5%E8%AF%9D",
		    "contact office-phone" },
		/* 岗位 公益 (two words): only the item holding both. */
		{ "q=%E5%B2%97%E4%BD%8D%20%E5%85%AC%E7%9B%8A", "jobs" },
		{ "q=open-day", "open-day" },			/* the id */
		{ "q=%E5%85%A8%E6%96%87", "report" },	/* 全文: article */
		{ "q=zzz", "" },
		{ "q=", "contact office-phone report apply jobs employment "
		    "hello open-day wechat experience" },
	};
	struct fixture *f = *state;
	struct call c;
	json_t *it;
	char got[512];
	size_t i, k, n;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		call(f, &c, ADMIN_GET, "/api/kb/items", cases[i].query, NULL,
		    NULL);
		assert_int_equal(c.res.status, 200);
		n = 0;
		got[0] = '\0';
		json_array_foreach(json_object_get(c.j, "items"), k, it)
			n += (size_t)snprintf(got + n, sizeof got - n, "%s%s",
			    n > 0 ? " " : "", jstr(it, "id"));
		if (strcmp(got, cases[i].ids) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"",
			    cases[i].query != NULL ? cases[i].query : "(all)",
			    got, cases[i].ids);
		call_cleanup(&c);
	}
	/* Badly encoded. */
	call(f, &c, ADMIN_GET, "/api/kb/items", "q=%E4%B", NULL, NULL);
	assert_int_equal(c.res.status, 400);
	call_cleanup(&c);
}

static void
test_item_get(void **state)
{
	struct fixture *f = *state;
	struct call c;
	json_t *it;

	call(f, &c, ADMIN_GET, "/api/kb/items/contact", NULL, NULL, NULL);
	assert_int_equal(c.res.status, 200);
	it = json_object_get(c.j, "item");
	assert_string_equal(jstr(it, "title"), "街道党政办公室联系方式");
	assert_int_equal(jint(it, "revision"), 0);
	assert_true(json_is_false(json_object_get(it, "expired")));
	assert_string_equal(header(&c, "ETag"), "\"0\"");
	call_cleanup(&c);

	/* valid_until 2021-12-31 has passed: flagged, still listed. */
	call(f, &c, ADMIN_GET, "/api/kb/items/open-day", NULL, NULL, NULL);
	assert_int_equal(c.res.status, 200);
	assert_true(json_is_true(json_object_get(json_object_get(c.j,
	    "item"), "expired")));
	call_cleanup(&c);

	call(f, &c, ADMIN_GET, "/api/kb/items/nothing", NULL, NULL, NULL);
	assert_int_equal(c.res.status, 404);
	assert_non_null(strstr(jstr(c.j, "error"), "nothing"));
	call_cleanup(&c);
	call(f, &c, ADMIN_GET, "/api/kb/items/Not_An_Id", NULL, NULL, NULL);
	assert_int_equal(c.res.status, 404);
	call_cleanup(&c);
}

static void
test_create(void **state)
{
	struct fixture *f = *state;
	struct call c;
	char path[256];
	json_t *it;

	call(f, &c, ADMIN_POST, "/api/kb/items", NULL, "0", new_item);
	assert_int_equal(c.res.status, 201);
	assert_int_equal(jint(c.j, "revision"), 1);
	assert_int_equal(jint(c.j, "generation"), 2);
	it = json_object_get(c.j, "item");
	assert_int_equal(jint(it, "revision"), 1);
	assert_true(json_is_false(json_object_get(it, "expired")));
	assert_string_equal(header(&c, "ETag"), "\"1\"");
	/* The audit line the daemon logs. */
	assert_string_equal(c.res.event, "kb_audit");
	assert_int_equal(c.res.log, ADMIN_LOG_NOTICE);
	assert_string_equal(c.res.action, "create");
	assert_string_equal(c.res.item, "garbage");
	assert_int_equal(c.res.old_revision, 0);
	assert_int_equal(c.res.new_revision, 1);
	assert_non_null(strstr(c.res.message, "garbage"));
	call_cleanup(&c);

	/* On disk, served, and the old version kept. */
	assert_int_equal(file_revision(f), 1);
	assert_true(served_has(f, "garbage", "垃圾分类"));
	snprintf(path, sizeof path, "%s/history/kb-0.json", f->state);
	assert_int_equal(access(path, F_OK), 0);

	/* The same id again: 409 with the item as it is. */
	call(f, &c, ADMIN_POST, "/api/kb/items", NULL, "1", new_item);
	assert_int_equal(c.res.status, 409);
	assert_string_equal(jstr(json_object_get(c.j, "current"), "id"),
	    "garbage");
	assert_null(c.res.event);
	call_cleanup(&c);
	assert_int_equal(file_revision(f), 1);

	/* Without an id the server names the item by its revision. */
	call(f, &c, ADMIN_POST, "/api/kb/items", NULL, "1",
	    "{\"title\": \"社区医院\", \"keywords\": [\"社区医院\"],"
	    " \"reply\": {\"type\": \"text\", \"content\": \"见通知。\"}}");
	assert_int_equal(c.res.status, 201);
	assert_string_equal(jstr(json_object_get(c.j, "item"), "id"),
	    "item-2");
	assert_string_equal(c.res.item, "item-2");
	call_cleanup(&c);
	assert_true(served_has(f, "item-2", "社区医院"));
}

/* The person the transport names goes into the audit and the history;
 * an editor is refused what needs a publisher. */
static void
test_person_and_role(void **state)
{
	struct fixture *f = *state;
	struct call c;
	json_t *v;
	size_t i;
	int found = 0;

	call_person = "王芳";
	call_role = ADMIN_ROLE_EDITOR;
	call(f, &c, ADMIN_POST, "/api/kb/items", NULL, "0", new_item);
	assert_int_equal(c.res.status, 201);
	assert_string_equal(c.res.person, "王芳");
	assert_non_null(strstr(c.res.message, "by 王芳"));
	call_cleanup(&c);
	call(f, &c, ADMIN_GET, "/api/kb/history", NULL, NULL, NULL);
	assert_int_equal(c.res.status, 200);
	json_array_foreach(json_object_get(c.j, "versions"), i, v)
		if (jint(v, "revision") == 1) {
			assert_string_equal(jstr(v, "by"), "王芳");
			found = 1;
		}
	assert_true(found);
	call_cleanup(&c);

	call(f, &c, ADMIN_POST, "/api/menu/sync", NULL, NULL, "{}");
	assert_int_equal(c.res.status, 403);
	assert_non_null(strstr(jstr(c.j, "message_zh"), "发布员"));
	call_cleanup(&c);
	call(f, &c, ADMIN_POST, "/api/push", NULL, NULL, "{}");
	assert_int_equal(c.res.status, 403);
	call_cleanup(&c);
	/* Reading the menu preview is no change: an editor may. */
	call(f, &c, ADMIN_GET, "/api/menu/preview", NULL, NULL, NULL);
	assert_int_not_equal(c.res.status, 403);
	call_cleanup(&c);

	call_person = "token";
	call_role = ADMIN_ROLE_PUBLISHER;
	call(f, &c, ADMIN_POST, "/api/menu/sync", NULL, NULL, "{}");
	assert_int_not_equal(c.res.status, 403);
	call_cleanup(&c);
	call(f, &c, ADMIN_PUT, "/api/kb/items/garbage", NULL, "1",
	    "{\"id\": \"garbage\", \"title\": \"垃圾分类\", \"keywords\":"
	    " [\"垃圾分类\"], \"reply\": {\"type\": \"text\","
	    " \"content\": \"每周三收。\"}}");
	assert_int_equal(c.res.status, 200);
	assert_string_equal(c.res.person, "token");
	call_cleanup(&c);
	call(f, &c, ADMIN_GET, "/api/kb/items/garbage/history", NULL, NULL,
	    NULL);
	assert_int_equal(c.res.status, 200);
	assert_string_equal(jstr(json_array_get(json_object_get(c.j,
	    "versions"), 0), "by"), "token");
	call_cleanup(&c);
	call_person = NULL;
}

/* Refusals that leave the file, the generation and the history alone. */
static void
test_create_refused(void **state)
{
	static const struct {
		const char	*content_type;
		const char	*if_match;
		const char	*body;
		int		 status;
		const char	*detail;	/* in details, or NULL */
	} cases[] = {
		{ "text/plain", "0", new_item, 415, NULL },
		{ NULL, "0", new_item, 415, NULL },
		{ "application/json; charset=latin1", "0", new_item, 415,
		    NULL },
		{ "application/json", NULL, new_item, 428, NULL },
		{ "application/json", "abc", new_item, 400, NULL },
		{ "application/json", "0", "{\"id\": ", 400, NULL },
		{ "application/json", "0", "[1, 2]", 400, NULL },
		{ "application/json", "0", "{\"id\": \"x\", \"id\": \"y\"}",
		    400, NULL },
		{ "application/json", "0", "{\"id\": \"x\", \"title\": \"X\", "
		    "\"keywords\": \"x\", \"reply\": {}}", 400,
		    "keywords: must be an array" },
		{ "application/json", "0", "{\"id\": \"x\", \"title\": 5, "
		    "\"keywords\": [\"x\"], \"reply\": 1}", 400,
		    "reply: must be" },
		{ "application/json", "0", "{\"id\": \"x\", \"title\": \"X\", "
		    "\"keywords\": [\"xy\"], \"reply\": {\"type\": \"text\", "
		    "\"content\": \"c\"}, \"colour\": \"red\"}", 422,
		    "unknown key \"colour\"" },
		/* Exactly the loader's rules. */
		{ "application/json", "0", "{\"id\": \"Bad Id\", \"title\": "
		    "\"X\", \"keywords\": [\"xy\"], \"reply\": {\"type\": "
		    "\"text\", \"content\": \"c\"}}", 422, "id: must be" },
		{ "application/json", "0", "{\"id\": \"x\", \"title\": \"X\", "
		    "\"keywords\": [\"xy\"]}", 422, "item x: reply: missing" },
		{ "application/json", "0", "{\"id\": \"hi\", \"title\": "
		    "\"Hi\", \"keywords\": [\"你好\"], \"match\": \"exact\", "
		    "\"reply\": {\"type\": \"text\", \"content\": \"c\"}}",
		    422,
		    "also an exact keyword of item \"hello\"" },
		{ "application/json", "0", "{\"id\": \"x\", \"title\": \"X\", "
		    "\"keywords\": [], \"reply\": {\"type\": \"text\", "
		    "\"content\": \"c\"}}", 422, "1 to 32 keywords" },
		{ "application/json", "0", "{\"id\": \"x\", \"title\": \"X\", "
		    "\"keywords\": [\"xy\"], \"valid_until\": \"2021-02-30\", "
		    "\"reply\": {\"type\": \"text\", \"content\": \"c\"}}",
		    422,
		    "valid_until" },
		{ "application/json", "0", "{\"id\": \"x\", \"title\": \"X\", "
		    "\"keywords\": [\"xy\"], \"reply\": {\"type\": \"sms\", "
		    "\"content\": \"c\"}}", 422, "reply.type" },
		{ "application/json", "0", "{}", 422, "item-1: title: missing" },
	};
	struct fixture *f = *state;
	struct admin_request req;
	struct call c;
	char *before, *after, *big;
	size_t i, blen, alen;

	before = read_all(f->kb_path, &blen);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&c, 0, sizeof c);
		memset(&req, 0, sizeof req);
		req.method = ADMIN_POST;
		req.path = "/api/kb/items";
		req.content_type = cases[i].content_type;
		req.if_match = cases[i].if_match;
		req.body = cases[i].body;
		req.len = strlen(cases[i].body);
		req.now = NOW;
		admin_api_handle(f->api, &req, &c.res);
		c.j = json_loadb(c.res.body, c.res.len, 0, NULL);
		assert_non_null(c.j);
		if (c.res.status != cases[i].status)
			fail_msg("case %zu: status %d, want %d: %s", i,
			    c.res.status, cases[i].status, c.res.body);
		assert_non_null(json_object_get(c.j, "error"));
		if (cases[i].detail != NULL && !details_hold(c.j,
		    cases[i].detail))
			fail_msg("case %zu: no detail \"%s\" in %s", i,
			    cases[i].detail, c.res.body);
		assert_null(c.res.event);
		call_cleanup(&c);
	}
	/* Over 1 MiB. */
	big = malloc(ADMIN_API_MAX_BODY + 2);
	assert_non_null(big);
	memset(big, ' ', ADMIN_API_MAX_BODY + 1);
	big[0] = '{';
	big[ADMIN_API_MAX_BODY] = '}';
	big[ADMIN_API_MAX_BODY + 1] = '\0';
	call(f, &c, ADMIN_POST, "/api/kb/items", NULL, "0", big);
	assert_int_equal(c.res.status, 413);
	call_cleanup(&c);
	free(big);

	after = read_all(f->kb_path, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	assert_int_equal(f->generation, 1);
	assert_int_equal(count_files(f->state), 0);
	free(before);
	free(after);
}

/* Two staff edit the same item from the same revision. */
static void
test_two_editors(void **state)
{
	static const char alice[] = "{\"id\": \"contact\", \"title\": "
	    "\"联系方式\", \"keywords\": [\"电话\", \"传真\"], \"reply\": "
	    "{\"type\": \"text\", \"content\": \"Alice 的答案\"}}";
	static const char bob[] = "{\"id\": \"contact\", \"title\": "
	    "\"联系方式\", \"keywords\": [\"电话\"], \"reply\": "
	    "{\"type\": \"text\", \"content\": \"Bob 的答案\"}}";
	struct fixture *f = *state;
	struct call c;
	json_t *cur;
	char *text;

	call(f, &c, ADMIN_PUT, "/api/kb/items/contact", NULL, "\"0\"", alice);
	assert_int_equal(c.res.status, 200);
	assert_int_equal(jint(json_object_get(c.j, "item"), "revision"), 1);
	assert_string_equal(c.res.action, "update");
	call_cleanup(&c);

	call(f, &c, ADMIN_PUT, "/api/kb/items/contact", NULL, "0", bob);
	assert_int_equal(c.res.status, 412);
	cur = json_object_get(c.j, "current");
	assert_int_equal(jint(cur, "revision"), 1);
	assert_string_equal(jstr(json_object_get(cur, "reply"), "content"),
	    "Alice 的答案");
	assert_null(c.res.event);
	call_cleanup(&c);

	text = read_all(f->kb_path, NULL);
	assert_non_null(strstr(text, "Alice 的答案"));
	assert_null(strstr(text, "Bob 的答案"));
	free(text);
	assert_true(served_has(f, "contact", "联系方式"));

	/* Bob, with the revision he now has, gets through. */
	call(f, &c, ADMIN_PUT, "/api/kb/items/contact", NULL, "W/\"1\"", bob);
	assert_int_equal(c.res.status, 200);
	assert_int_equal(c.res.old_revision, 1);
	assert_int_equal(c.res.new_revision, 2);
	call_cleanup(&c);

	/* An unchanged item is no new revision. */
	call(f, &c, ADMIN_PUT, "/api/kb/items/contact", NULL, "2", bob);
	assert_int_equal(c.res.status, 200);
	assert_int_equal(jint(c.j, "revision"), 2);
	assert_null(c.res.event);
	call_cleanup(&c);
	assert_int_equal(file_revision(f), 2);

	/* No If-Match; an id that is not the path's. */
	call(f, &c, ADMIN_PUT, "/api/kb/items/contact", NULL, NULL, bob);
	assert_int_equal(c.res.status, 428);
	call_cleanup(&c);
	call(f, &c, ADMIN_PUT, "/api/kb/items/hello", NULL, "0", bob);
	assert_int_equal(c.res.status, 422);
	call_cleanup(&c);
	/* Other items keep their revision 0. */
	call(f, &c, ADMIN_GET, "/api/kb/items/hello", NULL, NULL, NULL);
	assert_int_equal(jint(json_object_get(c.j, "item"), "revision"), 0);
	call_cleanup(&c);
}

static void
test_delete(void **state)
{
	static const char put[] = "{\"title\": \"问候\", \"keywords\": "
	    "[\"你好\"], \"match\": \"exact\", \"reply\": {\"type\": "
	    "\"text\", \"content\": \"您好\"}}";
	struct fixture *f = *state;
	struct call c;

	call(f, &c, ADMIN_DELETE, "/api/kb/items/hello", NULL, "3", NULL);
	assert_int_equal(c.res.status, 412);
	call_cleanup(&c);
	call(f, &c, ADMIN_DELETE, "/api/kb/items/hello", NULL, NULL, NULL);
	assert_int_equal(c.res.status, 428);
	call_cleanup(&c);
	call(f, &c, ADMIN_DELETE, "/api/kb/items/hello", NULL, "0", NULL);
	assert_int_equal(c.res.status, 200);
	assert_int_equal(jint(c.j, "revision"), 1);
	assert_string_equal(c.res.action, "delete");
	assert_string_equal(c.res.item, "hello");
	call_cleanup(&c);
	assert_false(served_has(f, "hello", NULL));

	call(f, &c, ADMIN_GET, "/api/kb/items/hello", NULL, NULL, NULL);
	assert_int_equal(c.res.status, 404);
	call_cleanup(&c);
	/* An editor still holding it learns it is gone. */
	call(f, &c, ADMIN_PUT, "/api/kb/items/hello", NULL, "0", put);
	assert_int_equal(c.res.status, 412);
	assert_true(json_is_null(json_object_get(c.j, "current")));
	call_cleanup(&c);
	call(f, &c, ADMIN_DELETE, "/api/kb/items/hello", NULL, "0", NULL);
	assert_int_equal(c.res.status, 412);
	call_cleanup(&c);
}

static void
test_settings(void **state)
{
	static const char welcome[] = "{\"welcome\": {\"type\": \"text\", "
	    "\"content\": \"新的欢迎语\"}}";
	struct fixture *f = *state;
	struct call c;

	call(f, &c, ADMIN_PUT, "/api/kb", NULL, "0", welcome);
	assert_int_equal(c.res.status, 200);
	assert_int_equal(jint(c.j, "revision"), 1);
	assert_string_equal(c.res.action, "settings");
	call_cleanup(&c);

	call(f, &c, ADMIN_PUT, "/api/kb", NULL, "0", "{\"fallback\": {"
	    "\"type\": \"text\", \"content\": \"x\"}}");
	assert_int_equal(c.res.status, 412);
	assert_string_equal(jstr(json_object_get(json_object_get(c.j,
	    "current"), "welcome"), "content"), "新的欢迎语");
	call_cleanup(&c);

	call(f, &c, ADMIN_PUT, "/api/kb", NULL, "1", "{\"welcome\": \"hi\"}");
	assert_int_equal(c.res.status, 400);
	call_cleanup(&c);
	call(f, &c, ADMIN_PUT, "/api/kb", NULL, "1", "{\"items\": []}");
	assert_int_equal(c.res.status, 422);
	call_cleanup(&c);
	call(f, &c, ADMIN_PUT, "/api/kb", NULL, "1", "{\"fallback\": {"
	    "\"type\": \"text\"}}");
	assert_int_equal(c.res.status, 422);
	assert_true(details_hold(c.j, "fallback.content: missing"));
	call_cleanup(&c);

	call(f, &c, ADMIN_GET, "/api/kb", NULL, NULL, NULL);
	assert_int_equal(jint(c.j, "revision"), 1);
	assert_string_equal(jstr(json_object_get(c.j, "welcome"), "content"),
	    "新的欢迎语");
	assert_int_equal(json_array_size(json_object_get(c.j, "synonyms")),
	    0);
	call_cleanup(&c);
}

/* The synonym groups: set with the revision, checked by the loader,
   served at once. */
static void
test_synonyms(void **state)
{
	struct fixture *f = *state;
	struct call c;

	call(f, &c, ADMIN_PUT, "/api/kb", NULL, "0", "{\"synonyms\": "
	    "[[\"公益性岗位\", \"公益岗\", \"公益工作\"]]}");
	assert_int_equal(c.res.status, 200);
	assert_int_equal(jint(c.j, "revision"), 1);
	call_cleanup(&c);
	call(f, &c, ADMIN_GET, "/api/query", "q=%E5%85%AC%E7%9B%8A%E5%B7%A5"
	    "%E4%BD%9C", NULL, NULL);	/* 公益工作 */
	assert_int_equal(c.res.status, 200);
	assert_string_equal(jstr(c.j, "result"), "hit");
	assert_string_equal(jstr(c.j, "stage"), "synonym");
	call_cleanup(&c);
	call(f, &c, ADMIN_GET, "/api/kb", NULL, NULL, NULL);
	assert_int_equal(json_array_size(json_object_get(c.j, "synonyms")),
	    1);
	call_cleanup(&c);

	/* A stale revision, a group the loader refuses, not an array. */
	call(f, &c, ADMIN_PUT, "/api/kb", NULL, "0", "{\"synonyms\": []}");
	assert_int_equal(c.res.status, 412);
	assert_int_equal(json_array_size(json_object_get(json_object_get(c.j,
	    "current"), "synonyms")), 1);
	call_cleanup(&c);
	call(f, &c, ADMIN_PUT, "/api/kb", NULL, "1", "{\"synonyms\": "
	    "[[\"啥\"]]}");
	assert_int_equal(c.res.status, 422);
	assert_true(details_hold(c.j, "synonyms[0]: must be an array of 2"));
	call_cleanup(&c);
	call(f, &c, ADMIN_PUT, "/api/kb", NULL, "1", "{\"synonyms\": {}}");
	assert_int_equal(c.res.status, 400);
	call_cleanup(&c);

	/* No groups: the key leaves the file. */
	call(f, &c, ADMIN_PUT, "/api/kb", NULL, "1", "{\"synonyms\": []}");
	assert_int_equal(c.res.status, 200);
	call_cleanup(&c);
	call(f, &c, ADMIN_GET, "/api/query", "q=%E5%85%AC%E7%9B%8A%E5%B7%A5"
	    "%E4%BD%9C", NULL, NULL);
	assert_string_not_equal(jstr(c.j, "result"), "hit");
	call_cleanup(&c);
}

/* Three versions, a restore of the first edit, and what it stamps. */
static void
test_history_restore(void **state)
{
	static const char edit[] = "{\"id\": \"jobs\", \"title\": \"公益岗\","
	    " \"keywords\": [\"公益性岗位\"], \"reply\": {\"type\": "
	    "\"text\", \"content\": \"已满\"}}";
	struct fixture *f = *state;
	struct call c;
	json_t *v;

	assert_int_equal(create_garbage(f), 1);
	call(f, &c, ADMIN_PUT, "/api/kb/items/jobs", NULL, "0", edit);
	assert_int_equal(c.res.status, 200);
	call_cleanup(&c);
	call(f, &c, ADMIN_DELETE, "/api/kb/items/garbage", NULL, "1", NULL);
	assert_int_equal(c.res.status, 200);
	call_cleanup(&c);

	/* The live version first, then the kept ones, newest first. */
	call(f, &c, ADMIN_GET, "/api/kb/history", NULL, NULL, NULL);
	assert_int_equal(c.res.status, 200);
	assert_int_equal(jint(c.j, "revision"), 3);
	assert_int_equal(json_array_size(json_object_get(c.j, "versions")), 4);
	v = json_array_get(json_object_get(c.j, "versions"), 0);
	assert_int_equal(jint(v, "revision"), 3);
	assert_string_equal(jstr(v, "action"), "delete");
	assert_string_equal(jstr(v, "item"), "garbage");
	assert_true(json_is_true(json_object_get(v, "current")));
	v = json_array_get(json_object_get(c.j, "versions"), 1);
	assert_int_equal(jint(v, "revision"), 2);
	assert_string_equal(jstr(v, "action"), "update");
	assert_string_equal(jstr(v, "item"), "jobs");
	assert_string_equal(jstr(v, "saved"), "2026-11-18T11:06:40Z");
	assert_true(json_is_false(json_object_get(v, "current")));
	v = json_array_get(json_object_get(c.j, "versions"), 3);
	assert_int_equal(jint(v, "revision"), 0);
	assert_string_equal(jstr(v, "action"), "file");
	assert_true(json_is_null(json_object_get(v, "item")));
	call_cleanup(&c);

	/* Back to revision 1: garbage again, jobs as it was. */
	call(f, &c, ADMIN_POST, "/api/kb/history/1/restore", NULL, NULL,
	    NULL);
	assert_int_equal(c.res.status, 200);
	assert_int_equal(jint(c.j, "revision"), 4);
	assert_string_equal(c.res.action, "restore");
	assert_non_null(strstr(c.res.message, "revision 1"));
	call_cleanup(&c);
	assert_true(served_has(f, "garbage", "垃圾分类"));
	assert_true(served_has(f, "jobs", "公益性岗位"));

	/* Changed items carry the new revision, the others keep theirs. */
	call(f, &c, ADMIN_GET, "/api/kb/items/jobs", NULL, NULL, NULL);
	assert_int_equal(jint(json_object_get(c.j, "item"), "revision"), 4);
	call_cleanup(&c);
	call(f, &c, ADMIN_GET, "/api/kb/items/garbage", NULL, NULL, NULL);
	assert_int_equal(jint(json_object_get(c.j, "item"), "revision"), 4);
	call_cleanup(&c);
	call(f, &c, ADMIN_GET, "/api/kb/items/contact", NULL, NULL, NULL);
	assert_int_equal(jint(json_object_get(c.j, "item"), "revision"), 0);
	call_cleanup(&c);

	call(f, &c, ADMIN_GET, "/api/kb/history", NULL, NULL, NULL);
	v = json_array_get(json_object_get(c.j, "versions"), 0);
	assert_int_equal(jint(v, "revision"), 4);
	assert_string_equal(jstr(v, "action"), "restore");
	assert_int_equal(jint(v, "restored"), 1);
	v = json_array_get(json_object_get(c.j, "versions"), 1);
	assert_int_equal(jint(v, "revision"), 3);
	assert_string_equal(jstr(v, "action"), "delete");
	call_cleanup(&c);
	/* The live version: nothing to do. */
	call(f, &c, ADMIN_POST, "/api/kb/history/4/restore", NULL, NULL,
	    NULL);
	assert_int_equal(c.res.status, 200);
	assert_int_equal(jint(c.j, "revision"), 4);
	assert_null(c.res.event);
	call_cleanup(&c);

	/* Not kept; a stale If-Match; not a revision. */
	call(f, &c, ADMIN_POST, "/api/kb/history/99/restore", NULL, NULL,
	    NULL);
	assert_int_equal(c.res.status, 404);
	call_cleanup(&c);
	call(f, &c, ADMIN_POST, "/api/kb/history/0/restore", NULL, "3", NULL);
	assert_int_equal(c.res.status, 412);
	assert_int_equal(jint(c.j, "revision"), 4);
	call_cleanup(&c);
	call(f, &c, ADMIN_POST, "/api/kb/history/x1/restore", NULL, NULL,
	    NULL);
	assert_int_equal(c.res.status, 404);
	call_cleanup(&c);
	call(f, &c, ADMIN_GET, "/api/kb/history/1/restore", NULL, NULL, NULL);
	assert_int_equal(c.res.status, 405);
	call_cleanup(&c);
	assert_int_equal(file_revision(f), 4);
}

/*
 * One item's history: what it was after each change, the delete, and a
 * restore of one version that leaves every other item as it is now.
 */
static void
test_item_history(void **state)
{
	static const char edit[] = "{\"id\": \"garbage\", \"title\": "
	    "\"垃圾分类时间\", \"keywords\": [\"垃圾分类\", \"收垃圾\"], "
	    "\"reply\": {\"type\": \"text\", \"content\": \"每周二收。\"}}";
	static const char jobs[] = "{\"id\": \"jobs\", \"title\": \"公益岗\","
	    " \"keywords\": [\"公益性岗位\"], \"reply\": {\"type\": "
	    "\"text\", \"content\": \"已满\"}}";
	struct fixture *f = *state;
	struct call c;
	json_t *vs, *v;

	assert_int_equal(create_garbage(f), 1);
	call(f, &c, ADMIN_PUT, "/api/kb/items/garbage", NULL, "1", edit);
	assert_int_equal(c.res.status, 200);
	call_cleanup(&c);
	call(f, &c, ADMIN_PUT, "/api/kb/items/jobs", NULL, "0", jobs);
	assert_int_equal(c.res.status, 200);
	call_cleanup(&c);
	call(f, &c, ADMIN_DELETE, "/api/kb/items/garbage", NULL, "2", NULL);
	assert_int_equal(c.res.status, 200);
	call_cleanup(&c);

	call(f, &c, ADMIN_GET, "/api/kb/items/garbage/history", NULL, NULL,
	    NULL);
	assert_int_equal(c.res.status, 200);
	assert_string_equal(jstr(c.j, "title"), "垃圾分类时间");
	vs = json_object_get(c.j, "versions");
	assert_int_equal(json_array_size(vs), 3);
	v = json_array_get(vs, 0);
	assert_int_equal(jint(v, "revision"), 4);
	assert_string_equal(jstr(v, "action"), "delete");
	assert_true(json_is_null(json_object_get(v, "item")));
	assert_true(json_is_true(json_object_get(v, "current")));
	v = json_array_get(vs, 1);
	assert_int_equal(jint(v, "revision"), 2);
	assert_string_equal(jstr(v, "action"), "update");
	assert_true(json_is_false(json_object_get(v, "current")));
	assert_string_equal(jstr(json_object_get(v, "item"), "title"),
	    "垃圾分类时间");
	v = json_array_get(vs, 2);
	assert_int_equal(jint(v, "revision"), 1);
	assert_string_equal(jstr(v, "action"), "create");
	assert_string_equal(jstr(json_object_get(v, "item"), "title"),
	    "垃圾分类");
	call_cleanup(&c);

	/* The whole history names deleted items by their last title. */
	call(f, &c, ADMIN_GET, "/api/kb/history", NULL, NULL, NULL);
	v = json_array_get(json_object_get(c.j, "versions"), 0);
	assert_string_equal(jstr(v, "title"), "垃圾分类时间");
	v = json_array_get(json_object_get(c.j, "versions"), 1);
	assert_string_equal(jstr(v, "title"), "公益岗");
	call_cleanup(&c);

	/* A stale If-Match (the item's old revision) is refused. */
	call(f, &c, ADMIN_POST, "/api/kb/items/garbage/restore", NULL, "2",
	    "{\"revision\": 1}");
	assert_int_equal(c.res.status, 412);
	assert_true(json_is_null(json_object_get(c.j, "current")));
	call_cleanup(&c);
	/* Gone now: If-Match names the base's revision.  Version 1 back. */
	call(f, &c, ADMIN_POST, "/api/kb/items/garbage/restore", NULL, "4",
	    "{\"revision\": 1}");
	assert_int_equal(c.res.status, 200);
	assert_int_equal(jint(c.j, "revision"), 5);
	assert_string_equal(jstr(json_object_get(c.j, "item"), "title"),
	    "垃圾分类");
	assert_int_equal(jint(json_object_get(c.j, "item"), "revision"), 5);
	assert_string_equal(c.res.action, "restore");
	assert_string_equal(c.res.item, "garbage");
	call_cleanup(&c);
	assert_true(served_has(f, "garbage", "垃圾分类"));
	/* The later edit of another item stays. */
	call(f, &c, ADMIN_GET, "/api/kb/items/jobs", NULL, NULL, NULL);
	assert_string_equal(jstr(json_object_get(c.j, "item"), "title"),
	    "公益岗");
	assert_int_equal(jint(json_object_get(c.j, "item"), "revision"), 3);
	call_cleanup(&c);

	/* Version 2 over the live one, then the live one: no change. */
	call(f, &c, ADMIN_POST, "/api/kb/items/garbage/restore", NULL, "5",
	    "{\"revision\": 2}");
	assert_int_equal(c.res.status, 200);
	assert_int_equal(jint(c.j, "revision"), 6);
	call_cleanup(&c);
	call(f, &c, ADMIN_GET, "/api/kb/items/garbage/history", NULL, NULL,
	    NULL);
	v = json_array_get(json_object_get(c.j, "versions"), 0);
	assert_int_equal(jint(v, "revision"), 6);
	assert_string_equal(jstr(v, "action"), "restore");
	assert_int_equal(jint(v, "restored"), 2);
	assert_true(json_is_true(json_object_get(v, "current")));
	call_cleanup(&c);
	call(f, &c, ADMIN_POST, "/api/kb/items/garbage/restore", NULL, "6",
	    "{\"revision\": 6}");
	assert_int_equal(c.res.status, 200);
	assert_int_equal(jint(c.j, "revision"), 6);
	assert_null(c.res.event);
	call_cleanup(&c);

	/* Not kept, not an item, a bad body, no If-Match. */
	call(f, &c, ADMIN_POST, "/api/kb/items/garbage/restore", NULL, "6",
	    "{\"revision\": 99}");
	assert_int_equal(c.res.status, 404);
	call_cleanup(&c);
	call(f, &c, ADMIN_GET, "/api/kb/items/nothing/history", NULL, NULL,
	    NULL);
	assert_int_equal(c.res.status, 404);
	call_cleanup(&c);
	call(f, &c, ADMIN_POST, "/api/kb/items/garbage/restore", NULL, "6",
	    "{\"revision\": \"1\"}");
	assert_int_equal(c.res.status, 400);
	call_cleanup(&c);
	call(f, &c, ADMIN_POST, "/api/kb/items/garbage/restore", NULL, NULL,
	    "{\"revision\": 1}");
	assert_int_equal(c.res.status, 428);
	call_cleanup(&c);
	assert_int_equal(file_revision(f), 6);
}

/* KB_HISTORY_KEEP versions at most, the newest. */
static void
test_history_bounded(void **state)
{
	struct fixture *f = *state;
	char body[512], rev[24], dir[256];
	struct call c;
	int i;

	for (i = 0; i < KB_HISTORY_KEEP + 5; i++) {
		snprintf(body, sizeof body, "{\"title\": \"问候\", "
		    "\"keywords\": [\"你好\"], \"match\": \"exact\", "
		    "\"reply\": {\"type\": \"text\", "
		    "\"content\": \"第%d版\"}}",
		    i);
		snprintf(rev, sizeof rev, "%d", i);
		call(f, &c, ADMIN_PUT, "/api/kb/items/hello", NULL, rev, body);
		assert_int_equal(c.res.status, 200);
		call_cleanup(&c);
	}
	snprintf(dir, sizeof dir, "%s/history", f->state);
	/* The versions and index.json. */
	assert_int_equal(count_files(dir), KB_HISTORY_KEEP + 1);
	call(f, &c, ADMIN_GET, "/api/kb/history", NULL, NULL, NULL);
	assert_int_equal(json_array_size(json_object_get(c.j, "versions")),
	    KB_HISTORY_KEEP + 1);
	assert_int_equal(jint(json_array_get(json_object_get(c.j,
	    "versions"), 1), "revision"), KB_HISTORY_KEEP + 4);
	assert_int_equal(jint(json_array_get(json_object_get(c.j,
	    "versions"), KB_HISTORY_KEEP), "revision"), 5);
	call_cleanup(&c);
}

/* A new API on the same files: revisions and history carry on. */
static void
test_persistence(void **state)
{
	struct fixture *f = *state;
	struct call c;
	char tmp[256];

	assert_int_equal(create_garbage(f), 1);
	admin_api_free(f->api);
	/* A save killed half-way left a temporary file: swept. */
	snprintf(tmp, sizeof tmp, "%s/history/.kb-2.json.AbC123", f->state);
	copy_file(KB_SRC, tmp);
	f->api = admin_open(f);
	assert_int_equal(access(tmp, F_OK), -1);
	call(f, &c, ADMIN_GET, "/api/kb/items/garbage", NULL, NULL, NULL);
	assert_int_equal(c.res.status, 200);
	assert_string_equal(header(&c, "ETag"), "\"1\"");
	call_cleanup(&c);
	call(f, &c, ADMIN_DELETE, "/api/kb/items/garbage", NULL, "1", NULL);
	assert_int_equal(c.res.status, 200);
	assert_int_equal(jint(c.j, "revision"), 2);
	call_cleanup(&c);
	call(f, &c, ADMIN_GET, "/api/kb/history", NULL, NULL, NULL);
	assert_int_equal(json_array_size(json_object_get(c.j, "versions")), 3);
	assert_string_equal(jstr(json_array_get(json_object_get(c.j,
	    "versions"), 0), "action"), "delete");
	assert_string_equal(jstr(json_array_get(json_object_get(c.j,
	    "versions"), 1), "action"), "create");
	call_cleanup(&c);

	/*
	 * The live file replaced by hand with an older one: new revisions
	 * still go above every kept one, so none is overwritten.
	 */
	copy_file(KB_SRC, f->kb_path);
	call(f, &c, ADMIN_POST, "/api/kb/items", NULL, "0", new_item);
	assert_int_equal(c.res.status, 201);
	assert_int_equal(jint(c.j, "revision"), 3);
	call_cleanup(&c);
}

/*
 * The unanswered questions: staff mark them ignored or handled, and the
 * ones the served knowledge base now answers name the item.
 */
static void
test_unanswered_state(void **state)
{
	struct fixture *f = *state;
	struct call c;
	json_t *q;

	assert_int_equal(kb_unanswered_record(f->u, "社区医院几点开门", NOW),
	    0);
	assert_int_equal(kb_unanswered_record(f->u, "传真号码多少", NOW), 0);
	call(f, &c, ADMIN_POST, "/api/stats/unanswered/state", NULL, NULL,
	    "{\"text\": \"社区医院几点开门\", \"state\": \"ignored\"}");
	assert_int_equal(c.res.status, 200);
	assert_string_equal(jstr(c.j, "state"), "ignored");
	call_cleanup(&c);

	call(f, &c, ADMIN_GET, "/api/stats/unanswered", NULL, NULL, NULL);
	assert_int_equal(c.res.status, 200);
	q = json_array_get(json_object_get(c.j, "questions"), 0);
	assert_string_equal(jstr(q, "text"), "传真号码多少");
	assert_string_equal(jstr(q, "state"), "open");
	assert_string_equal(jstr(json_object_get(q, "answered_by"), "id"),
	    "contact");
	q = json_array_get(json_object_get(c.j, "questions"), 1);
	assert_string_equal(jstr(q, "state"), "ignored");
	assert_int_equal(jint(q, "state_at"), NOW);
	assert_null(json_object_get(q, "answered_by"));
	call_cleanup(&c);

	call(f, &c, ADMIN_POST, "/api/stats/unanswered/state", NULL, NULL,
	    "{\"text\": \"没人问过\", \"state\": \"handled\"}");
	assert_int_equal(c.res.status, 404);
	call_cleanup(&c);
	call(f, &c, ADMIN_POST, "/api/stats/unanswered/state", NULL, NULL,
	    "{\"text\": \"社区医院几点开门\", \"state\": \"done\"}");
	assert_int_equal(c.res.status, 400);
	call_cleanup(&c);
	call(f, &c, ADMIN_POST, "/api/stats/unanswered/state", NULL, NULL,
	    "{\"text\": \"社区医院几点开门\"}");
	assert_int_equal(c.res.status, 400);
	call_cleanup(&c);
	call(f, &c, ADMIN_GET, "/api/stats/unanswered/state", NULL, NULL,
	    NULL);
	assert_int_equal(c.res.status, 405);
	call_cleanup(&c);
}

/* The menu a sync would send, and why WeChat would cut a name. */
static void
test_menu_preview(void **state)
{
	static const char tall[] = "{\"id\": \"contact\", \"title\": "
	    "\"街道党政办公室联系方式\", \"keywords\": [\"电话\"], "
	    "\"menu_key\": \"CONTACT\", \"menu_name\": \"联系我们\", "
	    "\"reply\": {\"type\": \"text\", \"content\": \"87841022\"}}";
	struct fixture *f = *state;
	struct call c;
	json_t *b;
	char *text;

	call(f, &c, ADMIN_GET, "/api/menu/preview", NULL, NULL, NULL);
	assert_int_equal(c.res.status, 200);
	assert_true(json_is_null(json_object_get(c.j, "menu")));
	assert_int_equal(json_array_size(json_object_get(c.j, "problems")), 2);
	assert_non_null(strstr(json_string_value(json_array_get(
	    json_object_get(c.j, "problems"), 0)), "give the item a shorter "
	    "menu_name"));
	call_cleanup(&c);

	/* A short name for one, the other item out of the menu. */
	call(f, &c, ADMIN_PUT, "/api/kb/items/contact", NULL, "0", tall);
	assert_int_equal(c.res.status, 200);
	call_cleanup(&c);
	call(f, &c, ADMIN_GET, "/api/kb/items/report", NULL, NULL, NULL);
	b = json_deep_copy(json_object_get(c.j, "item"));
	call_cleanup(&c);
	json_object_del(b, "menu_key");
	json_object_del(b, "revision");
	json_object_del(b, "expired");
	text = json_dumps(b, 0);
	call(f, &c, ADMIN_PUT, "/api/kb/items/report", NULL, "0", text);
	free(text);
	json_decref(b);
	assert_int_equal(c.res.status, 200);
	call_cleanup(&c);
	call(f, &c, ADMIN_GET, "/api/menu/preview", NULL, NULL, NULL);
	assert_int_equal(json_array_size(json_object_get(c.j, "problems")), 0);
	b = json_array_get(json_object_get(json_object_get(c.j, "menu"),
	    "button"), 0);
	assert_string_equal(jstr(b, "name"), "联系我们");
	assert_string_equal(jstr(b, "key"), "CONTACT");
	assert_non_null(strstr(jstr(c.j, "text"), "联系我们"));
	call_cleanup(&c);
}

static void
test_reload(void **state)
{
	static const char broken[] = "{\"version\": 1,\n  \"items\": [\n";
	struct fixture *f = *state;
	struct call c;

	call(f, &c, ADMIN_POST, "/api/kb/reload", NULL, NULL, NULL);
	assert_int_equal(c.res.status, 200);
	assert_int_equal(jint(c.j, "generation"), 2);
	call_cleanup(&c);
	call(f, &c, ADMIN_GET, "/api/kb/reload", NULL, NULL, NULL);
	assert_int_equal(c.res.status, 405);
	assert_string_equal(header(&c, "Allow"), "POST");
	call_cleanup(&c);

	/* A broken file: the diagnostics, and the generation stays. */
	assert_int_equal(file_write_atomic(f->kb_path, broken,
	    strlen(broken), 0644, NULL), 0);
	call(f, &c, ADMIN_POST, "/api/kb/reload", NULL, NULL, NULL);
	assert_int_equal(c.res.status, 422);
	assert_true(details_hold(c.j, "3:"));
	assert_string_equal(c.res.event, "reload_failed");
	assert_int_equal(c.res.log, ADMIN_LOG_ERR);
	call_cleanup(&c);
	assert_int_equal(f->generation, 2);
	assert_true(served_has(f, "contact", NULL));
	/* Reads say the file is unusable; writes change nothing. */
	call(f, &c, ADMIN_GET, "/api/kb/items", NULL, NULL, NULL);
	assert_int_equal(c.res.status, 500);
	call_cleanup(&c);
	call(f, &c, ADMIN_POST, "/api/kb/items", NULL, "0", new_item);
	assert_int_equal(c.res.status, 500);
	call_cleanup(&c);

	/* Fixed by hand: writes work again. */
	copy_file(KB_SRC, f->kb_path);
	call(f, &c, ADMIN_DELETE, "/api/kb/items/hello", NULL, "0", NULL);
	assert_int_equal(c.res.status, 200);
	call_cleanup(&c);
}

static void
test_query(void **state)
{
	static const struct {
		const char	*q;
		const char	*result;
		const char	*item;		/* or NULL */
		const char	*reply;		/* start of reply.content */
	} cases[] = {
		{ "q=%E8%A1%97%E9%81%93%E5%8A%9E%E7%94%B5%E8%AF%9D", "hit",
		    "office-phone", "街道办事处电话 87841022。" },
		{ "q=%E4%BD%A0%E5%A5%BD", "hit", "hello", "您好！" },
		/* 公益性: one suggestion, worded as dispatch words it. */
		{ "q=%E5%85%AC%E7%9B%8A%E6%80%A7", "suggest", NULL,
		    "您是不是想问：\n1. 公益性岗位\n回复数字查看" },
		/* 政府开放: the open-day item has expired. */
		{ "q=%E6%94%BF%E5%BA%9C%E5%BC%80%E6%94%BE", "suggest", NULL,
		    "您是不是想问：\n1. 依申请公开怎么申请\n" },
		{ "q=%E5%9E%83%E5%9C%BE%E5%88%86%E7%B1%BB", "miss", NULL,
		    FALLBACK },
		{ "q=%EF%BC%81%EF%BC%81", "empty", NULL, FALLBACK },
	};
	struct fixture *f = *state;
	struct call c;
	size_t i;
	json_t *reply;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		call(f, &c, ADMIN_GET, "/api/query", cases[i].q, NULL, NULL);
		assert_int_equal(c.res.status, 200);
		assert_string_equal(jstr(c.j, "result"), cases[i].result);
		if (cases[i].item != NULL) {
			assert_string_equal(jstr(json_object_get(c.j, "item"),
			    "id"), cases[i].item);
			assert_true(jint(c.j, "score") > 0);
		} else {
			assert_true(json_is_null(json_object_get(c.j,
			    "item")));
			assert_int_equal(jint(c.j, "score"), 0);
		}
		reply = json_object_get(c.j, "reply");
		assert_string_equal(jstr(reply, "type"), "text");
		if (strncmp(jstr(reply, "content"), cases[i].reply,
		    strlen(cases[i].reply)) != 0)
			fail_msg("%s: reply \"%s\"", cases[i].q,
			    jstr(reply, "content"));
		call_cleanup(&c);
	}
	call(f, &c, ADMIN_GET, "/api/query", "q=%E4%BD%A0%E5%A5%BD", NULL,
	    NULL);
	assert_true(json_is_true(json_object_get(c.j, "exact")));
	assert_string_equal(jstr(c.j, "normalized"), "你好");
	call_cleanup(&c);
	/* An item of several replies: the first, the passive one. */
	call(f, &c, ADMIN_GET, "/api/query", "q=%E5%B9%B4%E6%8A%A5", NULL,
	    NULL);
	assert_string_equal(jstr(json_object_get(c.j, "item"), "id"),
	    "report");
	assert_non_null(strstr(jstr(json_object_get(c.j, "reply"),
	    "content"), "年度报告电子版"));
	call_cleanup(&c);
	call(f, &c, ADMIN_GET, "/api/query", NULL, NULL, NULL);
	assert_int_equal(c.res.status, 400);
	call_cleanup(&c);
}

/* A resident's text message through the dispatcher. */
static void
resident_says(struct fixture *f, const char *text, const char *want)
{
	struct wx_dispatch_out out;
	struct wx_msg msg;

	memset(&msg, 0, sizeof msg);
	memset(&out, 0, sizeof out);
	msg.type = WX_MSG_TEXT;
	msg.to_user = "gh_0123456789ab";
	msg.from_user = "oResident0123456789abcdefgh";
	msg.content = text;
	msg.create_time = (uint64_t)NOW;
	assert_int_equal(dispatch_message(f->d, &msg, NOW, &out), 0);
	assert_string_equal(wx_answer_name(out.answer), want);
	free(out.xml);
}

static void
test_stats(void **state)
{
	struct fixture *f = *state;
	struct kb_stats_day day;
	struct call c;
	json_t *it, *d;
	char date[16], line[128];
	struct tm tm;
	time_t now = NOW;

	resident_says(f, "传真", "hit");
	resident_says(f, "电话多少", "hit");
	resident_says(f, "街道办电话", "hit");
	resident_says(f, "公益性", "suggest");
	resident_says(f, "1", "followup");
	resident_says(f, "垃圾分类", "miss");

	call(f, &c, ADMIN_GET, "/api/stats/items", NULL, NULL, NULL);
	assert_int_equal(c.res.status, 200);
	it = json_array_get(json_object_get(c.j, "items"), 0);
	assert_string_equal(jstr(it, "id"), "contact");
	assert_string_equal(jstr(it, "title"), "街道党政办公室联系方式");
	assert_int_equal(jint(it, "hits"), 2);
	assert_int_equal(json_array_size(json_object_get(c.j, "items")), 10);
	/* Then the ones hit once, in file order; then the rest. */
	assert_string_equal(jstr(json_array_get(json_object_get(c.j, "items"),
	    1), "id"), "office-phone");
	assert_string_equal(jstr(json_array_get(json_object_get(c.j, "items"),
	    2), "id"), "jobs");
	d = json_array_get(json_object_get(c.j, "days"), 0);
	localtime_r(&now, &tm);
	strftime(date, sizeof date, "%Y-%m-%d", &tm);
	assert_string_equal(jstr(d, "date"), date);
	assert_int_equal(jint(d, "answered"), 4);
	assert_int_equal(jint(d, "suggested"), 1);
	assert_int_equal(jint(d, "unanswered"), 1);
	call_cleanup(&c);

	call(f, &c, ADMIN_GET, "/api/stats/unanswered", NULL, NULL, NULL);
	assert_int_equal(c.res.status, 200);
	assert_int_equal(json_array_size(json_object_get(c.j, "questions")),
	    2);
	call_cleanup(&c);

	/* Saved and read back. */
	{
		char path[256], *cause = NULL;
		struct kb_stats *s2;

		snprintf(path, sizeof path, "%s/stats.json", f->state);
		assert_int_equal(dispatch_stats_save(f->d, path, &cause), 0);
		s2 = kb_stats_open(path, &cause);
		assert_non_null(s2);
		assert_null(cause);
		assert_int_equal(kb_stats_hits(s2, "contact"), 2);
		assert_int_equal(kb_stats_day(s2, date, &day), 1);
		assert_int_equal(day.answered, 4);
		assert_int_equal(day.unanswered, 1);
		kb_stats_free(s2);
	}

		/* The month's CSV, its header in the report's words. */
	strftime(date, sizeof date, "month=%Y-%m", &tm);
	call(f, &c, ADMIN_GET, "/api/stats/export", date, NULL, NULL);
	assert_int_equal(c.res.status, 200);
	assert_string_equal(c.res.content_type, "text/csv; charset=utf-8");
	assert_non_null(strstr(header(&c, "Content-Disposition"),
	    "attachment"));
	assert_memory_equal(c.res.body, csv_head, sizeof csv_head - 1);
	strftime(date, sizeof date, "%Y-%m-%d", &tm);
	snprintf(line, sizeof line, "\r\n%s,4,1,1,66.7%%\r\n", date);
	assert_non_null(strstr(c.res.body, line));
	assert_non_null(strstr(c.res.body, "\r\n合计,4,1,1,66.7%\r\n"));
	/* The month so far: its first day, no day after today. */
	assert_non_null(strstr(c.res.body, "\r\n2026-11-01,0,0,0,\r\n"));
	tm.tm_mday++;
	tm.tm_isdst = -1;
	(void)mktime(&tm);
	strftime(date, sizeof date, "\r\n%Y-%m-%d,", &tm);
	assert_null(strstr(c.res.body, date));
	assert_null(strstr(c.res.body, "2026-11-30"));
	assert_non_null(strstr(c.res.body,
	    "\r\n问题,次数,第一次问,最近一次问,处理情况\r\n"));
	assert_non_null(strstr(c.res.body, "\r\n垃圾分类,1,"));
	assert_non_null(strstr(c.res.body, ",待处理\r\n"));
	call_cleanup(&c);

	/* Another month: zeros, and none of this month's questions. */
	call(f, &c, ADMIN_GET, "/api/stats/export", "month=2024-02", NULL,
	    NULL);
	assert_int_equal(c.res.status, 200);
	assert_non_null(strstr(c.res.body, "\r\n2024-02-29,0,0,0,\r\n"));
	assert_null(strstr(c.res.body, "垃圾分类"));
	call_cleanup(&c);
	call(f, &c, ADMIN_GET, "/api/stats/export", "month=2024-13", NULL,
	    NULL);
	assert_int_equal(c.res.status, 400);
	call_cleanup(&c);
}

/* The statistics' bounds: days and items. */
static void
test_stats_bounds(void **state)
{
	struct kb_stats *s;
	struct kb_stats_day day;
	char id[32];
	json_t *j;
	int i;

	(void)state;
	s = kb_stats_new();
	assert_non_null(s);
	for (i = 0; i < KB_STATS_DAYS + 10; i++)
		kb_stats_question(s, KB_STATS_ANSWERED,
		    NOW + (time_t)i * 86400);
	j = kb_stats_json(s);
	assert_int_equal(json_array_size(json_object_get(j, "days")),
	    KB_STATS_DAYS);
	json_decref(j);
	/* The oldest days fell out; a day older than all is not kept. */
	{
		struct tm tm;
		time_t t = NOW;
		char date[16];

		localtime_r(&t, &tm);
		strftime(date, sizeof date, "%Y-%m-%d", &tm);
		assert_int_equal(kb_stats_day(s, date, &day), 0);
		kb_stats_question(s, KB_STATS_ANSWERED, NOW);
		assert_int_equal(kb_stats_day(s, date, &day), 0);
	}
	for (i = 0; i < KB_STATS_ITEMS; i++) {
		snprintf(id, sizeof id, "item-%d", i);
		assert_int_equal(kb_stats_hit(s, id), 0);
	}
	assert_int_equal(kb_stats_hit(s, "item-7"), 0);
	/* Full: a new item takes the place of a least-served one. */
	assert_int_equal(kb_stats_hit(s, "newcomer"), 0);
	assert_int_equal(kb_stats_hits(s, "newcomer"), 1);
	assert_int_equal(kb_stats_hits(s, "item-7"), 2);
	j = kb_stats_json(s);
	assert_int_equal(json_array_size(json_object_get(j, "items")),
	    KB_STATS_ITEMS);
	assert_string_equal(jstr(json_array_get(json_object_get(j, "items"),
	    0), "id"), "item-7");
	json_decref(j);
	assert_int_equal(kb_stats_hit(s, "Not An Id"), KB_ERR_SCHEMA);
	kb_stats_free(s);
}

/*
 * A full disk (the file size limit stands in for it, and works as root):
 * 507 with a clear error; the file, the generation and the directory as
 * they were.  limit 0 stops the history copy; above the old file's size
 * only the new, larger, file fails.
 */
static void
full_disk_case(struct fixture *f, int history_fits)
{
	struct rlimit old, lim;
	struct call c;
	char *before, *after, *body;
	size_t blen, alen, n;
	void (*prev)(int);
	int files;

	before = read_all(f->kb_path, &blen);
	files = count_files(f->dir);
	/* An item larger than the whole file, so that it cannot fit. */
	n = blen + 8192;
	body = malloc(n + 256);
	assert_non_null(body);
	n = (size_t)snprintf(body, 256, "{\"id\": \"big\", \"title\": \"B\","
	    " \"keywords\": [\"big\"], \"reply\": {\"type\": \"text\","
	    " \"content\": \"");
	memset(body + n, 'x', blen + 8192);
	n += blen + 8192;
	memcpy(body + n, "\"}}", 4);

	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = history_fits ? blen + 4096 : 0;
	prev = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	call(f, &c, ADMIN_POST, "/api/kb/items", NULL, "0", body);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, prev);

	assert_int_equal(c.res.status, 507);
	assert_non_null(strstr(jstr(c.j, "error"), "could not be saved"));
	assert_true(details_hold(c.j, "File too large"));
	assert_string_equal(c.res.event, "kb_save_failed");
	assert_int_equal(c.res.log, ADMIN_LOG_WARNING);
	assert_non_null(c.res.message);
	call_cleanup(&c);

	after = read_all(f->kb_path, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	assert_int_equal(f->generation, 1);
	assert_false(served_has(f, "big", NULL));
	assert_int_equal(count_files(f->dir), files);
	free(before);
	free(after);
	free(body);

	/* Room again: the same change goes through. */
	call(f, &c, ADMIN_POST, "/api/kb/items", NULL, "0", new_item);
	assert_int_equal(c.res.status, 201);
	call_cleanup(&c);
}

static void
test_full_disk_history(void **state)
{
	full_disk_case(*state, 0);
}

static void
test_full_disk_kb(void **state)
{
	full_disk_case(*state, 1);
}

/* A state dir where history/ cannot be made: 507, nothing changed. */
static void
test_state_dir_unwritable(void **state)
{
	struct fixture *f = *state;
	struct call c;
	char path[256], *before, *after;
	size_t blen, alen;
	FILE *fp;

	snprintf(path, sizeof path, "%s/history", f->state);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
	before = read_all(f->kb_path, &blen);
	call(f, &c, ADMIN_DELETE, "/api/kb/items/hello", NULL, "0", NULL);
	assert_int_equal(c.res.status, 507);
	assert_non_null(strstr(jstr(c.j, "error"), "state dir"));
	assert_string_equal(c.res.event, "kb_save_failed");
	call_cleanup(&c);
	after = read_all(f->kb_path, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	assert_true(served_has(f, "hello", NULL));
	free(before);
	free(after);
}

/* Saved but not served: undone, so that file and generation agree. */
static void
test_reload_fails(void **state)
{
	struct fixture *f = *state;
	struct call c;
	char *before, *after;
	size_t blen, alen;

	before = read_all(f->kb_path, &blen);
	f->fail_reload = 1;
	call(f, &c, ADMIN_POST, "/api/kb/items", NULL, "0", new_item);
	f->fail_reload = 0;
	assert_int_equal(c.res.status, 500);
	assert_string_equal(c.res.event, "kb_save_failed");
	call_cleanup(&c);
	after = read_all(f->kb_path, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	free(before);
	free(after);
	assert_false(served_has(f, "garbage", NULL));
}

static void
test_routes(void **state)
{
	static const struct {
		enum admin_method m;
		const char	*path;
		int		 status;
		const char	*allow;
	} cases[] = {
		{ ADMIN_GET, "/api/nothing", 404, NULL },
		{ ADMIN_GET, "/api/kb/", 404, NULL },
		{ ADMIN_GET, "/api/kb/items/", 404, NULL },
		{ ADMIN_GET, "/api/kb/items/contact/x", 404, NULL },
		{ ADMIN_GET, "/api/push", 405, "POST" },
		{ ADMIN_POST, "/api/menu", 405, "GET" },
		/* The WeChat routes answer at once while the API is off. */
		{ ADMIN_POST, "/api/push", 503, NULL },
		{ ADMIN_GET, "/api/menu", 503, NULL },
		{ ADMIN_POST, "/api/menu/sync", 503, NULL },
		{ ADMIN_POST, "/api/import-autoreply", 503, NULL },
		{ ADMIN_DELETE, "/api/kb", 405, "GET, PUT" },
		{ ADMIN_OTHER, "/api/kb/items", 405, "GET, POST" },
		{ ADMIN_POST, "/api/kb/items/contact", 405,
		    "GET, PUT, DELETE" },
		{ ADMIN_POST, "/api/query", 405, "GET" },
		{ ADMIN_PUT, "/api/stats/items", 405, "GET" },
		{ ADMIN_POST, "/api/stats/export", 405, "GET" },
		{ ADMIN_DELETE, "/api/stats/unanswered", 405, "GET" },
	};
	struct fixture *f = *state;
	struct call c;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		call(f, &c, cases[i].m, cases[i].path, NULL, NULL, NULL);
		if (c.res.status != cases[i].status)
			fail_msg("%s: %d", cases[i].path, c.res.status);
		assert_non_null(json_object_get(c.j, "error"));
		if (cases[i].allow != NULL)
			assert_string_equal(header(&c, "Allow"),
			    cases[i].allow);
		call_cleanup(&c);
	}
}

/* The file as written: stable, and the loader takes its revisions. */
static void
test_doc_dump(void **state)
{
	static const char negative[] = "{\"version\": 1, \"revision\": -1, "
	    "\"account\": \"a\", \"welcome\": {\"type\": \"text\", "
	    "\"content\": \"w\"}, \"fallback\": {\"type\": \"text\", "
	    "\"content\": \"f\"}, \"items\": []}";
	struct kb_diag diag = { 0 };
	struct kb *kb = NULL;
	char *buf, *one, *two;
	size_t len, l1, l2;
	json_t *doc, *d2;

	(void)state;
	buf = read_all("kb/data/wanggezhuang.json", &len);
	doc = kb_doc_parse(buf, len, NULL);
	assert_non_null(doc);
	one = kb_doc_dump(doc, &l1);
	/* The shipped file is already in the stable form. */
	assert_int_equal(l1, len);
	assert_memory_equal(one, buf, len);
	/* Keys in any order come out in the order of DESIGN.md. */
	d2 = json_loads("{\"items\": [{\"reply\": {\"content\": \"c\", "
	    "\"type\": \"text\"}, \"revision\": 3, \"keywords\": [\"关键\"], "
	    "\"title\": \"T\", \"id\": \"t\"}], \"fallback\": {\"content\": "
	    "\"f\", \"type\": \"text\"}, \"welcome\": {\"type\": \"text\", "
	    "\"content\": \"w\"}, \"account\": \"a\", \"revision\": 3, "
	    "\"version\": 1}", 0, NULL);
	assert_non_null(d2);
	two = kb_doc_dump(d2, &l2);
	assert_string_equal(two, "{\n  \"version\": 1,\n  \"revision\": 3,\n"
	    "  \"account\": \"a\",\n  \"welcome\": {\n"
	    "    \"type\": \"text\",\n"
	    "    \"content\": \"w\"\n  },\n  \"fallback\": {\n    \"type\": "
	    "\"text\",\n    \"content\": \"f\"\n  },\n  \"items\": [\n    {\n"
	    "      \"id\": \"t\",\n      \"title\": \"T\",\n"
	    "      \"keywords\": "
	    "[\n        \"关键\"\n      ],\n      \"reply\": {\n        "
	    "\"type\": \"text\",\n        \"content\": \"c\"\n      },\n"
	    "      \"revision\": 3\n    }\n  ]\n}\n");
	assert_int_equal(kb_load_buffer(two, l2, 1, &kb, &diag), KB_OK);
	assert_int_equal(diag.nwarnings, 0);
	kb_unref(kb);
	kb_diag_cleanup(&diag);
	/* A revision that is not a count is an error of the file. */
	assert_int_equal(kb_load_buffer(negative, strlen(negative), 1, &kb,
	    &diag), KB_ERR_SCHEMA);
	assert_non_null(strstr(diag.entries[0].message, "revision"));
	kb_diag_cleanup(&diag);
	assert_null(kb_doc_parse("[1]", 3, NULL));
	json_decref(doc);
	json_decref(d2);
	free(buf);
	free(one);
	free(two);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kb_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_item_get, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_two_editors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_synonyms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settings, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_history_restore, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_item_history, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unanswered_state, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_menu_preview, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_history_bounded, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_persistence, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
		cmocka_unit_test(test_stats_bounds),
		cmocka_unit_test_setup_teardown(test_full_disk_history, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_full_disk_kb, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_state_dir_unwritable,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_fails, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_routes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_person_and_role, setup,
		    teardown),
		cmocka_unit_test(test_doc_dump),
	};

	/* Days and valid_until are local dates: fix the zone. */
	setenv("TZ", "CST-8", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
