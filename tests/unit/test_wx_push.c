/*
 * test_wx_push — article files and pushes against the fake WeChat API:
 * the §7.6 limits, the walk thumb -> draft -> publish -> preview -> mass
 * send with the right JSON, and that a repeated push sends nothing twice,
 * also across a restart, after a failure, or after a lost record.
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "handlers/wechat/wx_api.h"
#include "handlers/wechat/wx_push.h"
#include "tests/unit/wx_fx.h"

#define ARTICLE		"tests/data/push/article.json"
#define PREVIEW_ID	"oPreviewFollowerOpenId000001"

struct fx {
	struct wx_fx	 fx;
	struct wx_api	*api;
	struct wx_push	*push;
	struct wx_article art;
};

struct result {
	int		 done;
	int		 err;
	long		 errcode;
	unsigned	 asked, did, skipped, failed;
	char		 message[640];
	char		 url[256];
	char		 key[WX_PUSH_KEY_LEN + 1];
	json_t		*json;
	char		*text;
};

static void
result_cb(void *arg, const struct wx_push_report *r)
{
	struct result *res = arg;

	res->done = 1;
	res->err = r->err;
	res->errcode = r->errcode;
	res->asked = r->asked;
	res->did = r->done;
	res->skipped = r->skipped;
	res->failed = r->failed;
	snprintf(res->message, sizeof res->message, "%s", r->message);
	snprintf(res->url, sizeof res->url, "%s", r->article_url != NULL ?
	    r->article_url : "");
	snprintf(res->key, sizeof res->key, "%s", r->key);
	res->json = wx_push_report_json(r);
	res->text = wx_push_report_text(r);
}

static void
result_cleanup(struct result *r)
{
	json_decref(r->json);
	free(r->text);
	memset(r, 0, sizeof *r);
}

static struct wx_push *
fx_push(struct fx *f, unsigned poll_max_ms)
{
	struct wx_push_cfg cfg;
	struct wx_push *p;
	const char *cause = NULL;

	memset(&cfg, 0, sizeof cfg);
	cfg.state_dir = f->fx.fake.state;
	memset(cfg.uid_key, 3, sizeof cfg.uid_key);
	cfg.poll_ms = 50;
	cfg.poll_max_ms = poll_max_ms;
	p = wx_push_new(f->api, f->fx.base, &cfg, &cause);
	assert_non_null(p);
	return p;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	char *why = NULL;

	assert_non_null(f);
	wx_fx_open(&f->fx, "test_wx_push");
	f->api = wx_fx_api(&f->fx, NULL);
	f->push = fx_push(f, 5000);
	assert_int_equal(wx_article_load(ARTICLE, &f->art, &why), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	static const char *const absent[] = { PREVIEW_ID, NULL };
	struct fx *f = *state;

	wx_article_cleanup(&f->art);
	wx_push_free(f->push);
	wx_api_free(f->api);
	wx_fx_close_absent(&f->fx, absent);
	free(f);
	return 0;
}

static void
run_push(struct fx *f, int publish, int mass, const char *preview,
    struct result *res)
{
	struct wx_push_opts o;
	char *cause = NULL;

	memset(&o, 0, sizeof o);
	o.publish = publish;
	o.mass_send = mass;
	if (preview != NULL)
		snprintf(o.preview, sizeof o.preview, "%s", preview);
	memset(res, 0, sizeof *res);
	assert_int_equal(wx_push_start(f->push, &f->art, &o, result_cb, res,
	    &cause), 0);
	assert_false(res->done);
	assert_true(wx_fake_run(f->fx.base, &res->done, 10000));
}

/* The API paths the fake saw, token fetches left out. */
static char *
paths(struct fx *f)
{
	json_t *all = wx_fake_requests(&f->fx.fake, NULL), *r;
	char *s = calloc(1, 4096);
	const char *p;
	size_t i;

	assert_non_null(s);
	json_array_foreach(all, i, r) {
		p = json_string_value(json_object_get(r, "path"));
		if (strcmp(p, "/cgi-bin/stable_token") == 0)
			continue;
		strcat(s, p + strlen("/cgi-bin/"));
		strcat(s, " ");
	}
	json_decref(all);
	return s;
}

static json_t *
body_of(struct fx *f, const char *path, size_t nth)
{
	json_t *all = wx_fake_requests(&f->fx.fake, path), *b;

	b = json_incref(json_object_get(json_array_get(all, nth), "body"));
	json_decref(all);
	assert_non_null(b);
	return b;
}

static void
test_article_load(void **state)
{
	struct fx *f = *state;
	struct wx_article b;
	struct wx_push_opts o, o2;
	char k1[WX_PUSH_KEY_LEN + 1], k2[WX_PUSH_KEY_LEN + 1], *cause = NULL;
	json_t *req;
	size_t i;

	assert_string_equal(f->art.title,
	    "王哥庄街道2020年政府信息公开工作年度报告");
	assert_string_equal(f->art.author, "王哥庄街道办事处");
	assert_non_null(strstr(f->art.content, "政府信息公开条例"));
	assert_string_equal(f->art.content_source_url,
	    "http://www.laoshan.gov.cn/");
	assert_string_equal(f->art.thumb_name, "cover.jpg");
	assert_int_equal(f->art.thumb_len, 159);
	wx_article_key(&f->art, k1);
	assert_int_equal(strlen(k1), WX_PUSH_KEY_LEN);
	assert_memory_equal(k1, "wxkb-", 5);
	for (i = 5; i < WX_PUSH_KEY_LEN; i++)
		assert_non_null(strchr("0123456789abcdef", k1[i]));

	/* The inline admin-API form carries the same article. */
	memset(&o, 0, sizeof o);
	o.mass_send = 1;
	snprintf(o.preview, sizeof o.preview, "%s", PREVIEW_ID);
	req = wx_article_request_json(&f->art, &o);
	assert_non_null(req);
	assert_int_equal(wx_article_request_parse(req, &b, &o2, &cause), 0);
	wx_article_key(&b, k2);
	assert_string_equal(k1, k2);
	assert_true(o2.mass_send);
	assert_false(o2.publish);
	assert_string_equal(o2.preview, PREVIEW_ID);
	assert_string_equal(b.content, f->art.content);
	assert_memory_equal(b.thumb, f->art.thumb, f->art.thumb_len);
	wx_article_cleanup(&b);
	json_decref(req);

	/* A changed comma is another article. */
	f->art.digest[0] = 'X';
	wx_article_key(&f->art, k2);
	assert_string_not_equal(k1, k2);
}

/* Each rule of §7.6 and of the file format, with the field named. */
/*
 * Audit finding 3: wxkbctl push, perhaps run as root, reads only regular
 * files beside the article: no absolute path, no '..', no directory, no
 * symbolic link, no FIFO (which would block).
 */
static void
test_article_confined(void **state)
{
	static const char *const bad[] = {
		"\"content_file\": \"../secret.html\"",
		"\"content_file\": \"/etc/hostname\"",
		"\"content_file\": \"sub/page.html\"",
		"\"content_file\": \"..\"",
		"\"content_file\": \"link.html\"",
		"\"content_file\": \"fifo.html\"",
		"\"content_file\": \"sub\"",
		"\"content\": \"x\", \"thumb\": \"../cover.jpg\"",
		"\"content\": \"x\", \"thumb\": \"/etc/shadow\"",
		"\"content\": \"x\", \"thumb\": \"cover-link.jpg\"",
	};
	char dir[] = "/tmp/wxkb-article.XXXXXX", path[256];
	struct wx_article a;
	char *cause = NULL, cmd[600];
	FILE *fp;
	size_t i;

	(void)state;
	/* The article in DIR/art, a secret in DIR beside it. */
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof cmd, "mkdir -p %s/art/sub && "
	    "cp tests/data/push/cover.jpg %s/art/ && cd %s && "
	    "echo '<p>secret</p>' >secret.html && "
	    "cp secret.html art/sub/page.html && cd art && "
	    "echo '<p>ok</p>' >page.html && ln -s ../secret.html link.html && "
	    "ln -s cover.jpg cover-link.jpg && mkfifo fifo.html", dir, dir,
	    dir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof path, "%s/art/article.json", dir);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		fp = fopen(path, "w");
		assert_non_null(fp);
		fprintf(fp, "{\"title\": \"T\", %s%s}\n", bad[i],
		    strstr(bad[i], "thumb") != NULL ? "" :
		    ", \"thumb\": \"cover.jpg\"");
		fclose(fp);
		if (wx_article_load(path, &a, &cause) == 0)
			fail_msg("%s: accepted", bad[i]);
		if (strstr(cause, strstr(bad[i], "thumb") != NULL ? "thumb" :
		    "content_file") == NULL)
			fail_msg("%s: %s", bad[i], cause);
		free(cause);
		cause = NULL;
		wx_article_cleanup(&a);
	}
	/* The same article naming a file beside it is fine. */
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "{\"title\": \"T\", \"content_file\": \"page.html\", "
	    "\"thumb\": \"cover.jpg\"}\n");
	fclose(fp);
	if (wx_article_load(path, &a, &cause) != 0)
		fail_msg("a file beside the article: %s", cause);
	assert_string_equal(a.content, "<p>ok</p>\n");
	wx_article_cleanup(&a);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void
test_article_invalid(void **state)
{
	static const struct {
		const char	*key;
		const char	*json;		/* NULL: delete key */
		const char	*want;
	} cases[] = {
		{ "title", NULL, "title: missing" },
		{ "title", "\"一二三四五六七八九十一二三四五六七八九十"
		    "一二三四五六七八九十一二三\"", "title: 33 characters" },
		{ "author", "\"一二三四五六七八九十一二三四五六七\"",
		    "author" },
		{ "digest", "\"x\"", NULL },
		{ "content", NULL, "content: missing" },
		{ "content_file", "\"report.html\"",
		    "either content or content_file" },
		{ "content_source_url", "\"ftp://example.com/\"",
		    "content_source_url" },
		{ "thumb_name", "\"cover.txt\"", "not a .jpg" },
		{ "thumb_base64", "\"aGVsbG8=\"", "does not look like" },
		{ "thumb_base64", "\"!!!notbase64\"", "not base64" },
		{ "thumb", "\"cover.jpg\"", "thumb" },
		{ "contnet", "\"typo\"", "contnet: unknown key" },
		{ "title", "42", "title: must be a string" },
	};
	struct fx *f = *state;
	struct wx_article a;
	json_error_t jerr;
	json_t *base, *j, *v;
	char *cause, *big;
	size_t i;

	base = wx_article_json(&f->art);
	assert_non_null(base);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		j = json_deep_copy(base);
		if (cases[i].json == NULL)
			json_object_del(j, cases[i].key);
		else {
			v = json_loads(cases[i].json, JSON_DECODE_ANY, &jerr);
			assert_non_null(v);
			json_object_set_new(j, cases[i].key, v);
		}
		cause = NULL;
		if (cases[i].want == NULL)
			assert_int_equal(wx_article_parse(j, NULL, &a, &cause),
			    0);
		else {
			assert_int_equal(wx_article_parse(j, NULL, &a, &cause),
			    -1);
			assert_non_null(cause);
			if (strstr(cause, cases[i].want) == NULL)
				fail_msg("case %zu: \"%s\" lacks \"%s\"", i,
				    cause, cases[i].want);
		}
		wx_article_cleanup(&a);
		free(cause);
		json_decref(j);
	}
	/* 20,000 characters of content is too many. */
	big = malloc(20001);
	assert_non_null(big);
	memset(big, 'a', 20000);
	big[20000] = '\0';
	j = json_deep_copy(base);
	json_object_set_new(j, "content", json_string(big));
	cause = NULL;
	assert_int_equal(wx_article_parse(j, NULL, &a, &cause), -1);
	assert_non_null(strstr(cause, "content"));
	free(cause);
	json_decref(j);
	free(big);
	/* The admin API takes no file names. */
	j = json_deep_copy(base);
	json_object_del(j, "content");
	json_object_set_new(j, "content_file", json_string("report.html"));
	cause = NULL;
	assert_int_equal(wx_article_parse(j, NULL, &a, &cause), -1);
	assert_non_null(strstr(cause, "not accepted here"));
	free(cause);
	json_decref(j);
	json_decref(base);
	/* A missing file is named. */
	cause = NULL;
	assert_int_equal(wx_article_load("tests/data/push/none.json", &a,
	    &cause), -1);
	assert_non_null(cause);
	free(cause);
}

/*
 * thumb -> draft -> publish (polled) -> preview -> mass send, with the
 * JSON of §7.5-§7.8, and the article URL reported.
 */
static void
test_full_walk(void **state)
{
	struct fx *f = *state;
	struct result r;
	char *seq, key[WX_PUSH_KEY_LEN + 1], recpath[256];
	json_t *b, *art, *mp;
	const char *media, *draft;
	struct stat sb;

	assert_int_equal(wx_fake_control(&f->fx.fake,
	    "{\"publish_polls\":2}"), 0);
	run_push(f, 1, 1, PREVIEW_ID, &r);
	assert_int_equal(r.err, WX_PUSH_OK);
	assert_int_equal(r.did, WX_PUSH_THUMB | WX_PUSH_DRAFT |
	    WX_PUSH_PUBLISH | WX_PUSH_PREVIEW | WX_PUSH_MASS);
	assert_int_equal(r.skipped, 0);
	assert_memory_equal(r.url, "https://mp.weixin.qq.com/s/fake-PUB_", 36);
	seq = paths(f);
	assert_string_equal(seq, "material/add_material draft/add "
	    "freepublish/submit freepublish/get freepublish/get "
	    "freepublish/get message/mass/preview message/mass/sendall ");
	free(seq);

	/* add_material: type=image, the file with its name and type. */
	b = body_of(f, "/cgi-bin/material/add_material", 0);
	mp = json_object_get(b, "multipart");
	assert_string_equal(json_string_value(json_object_get(mp, "filename")),
	    "cover.jpg");
	assert_string_equal(json_string_value(json_object_get(mp,
	    "content_type")), "image/jpeg");
	assert_int_equal(json_integer_value(json_object_get(mp, "size")), 159);
	json_decref(b);
	media = "MEDIA_1";

	/* draft/add: every field, raw UTF-8, the permanent thumb id. */
	b = body_of(f, "/cgi-bin/draft/add", 0);
	assert_int_equal(json_array_size(json_object_get(b, "articles")), 1);
	art = json_array_get(json_object_get(b, "articles"), 0);
	assert_string_equal(json_string_value(json_object_get(art,
	    "article_type")), "news");
	assert_string_equal(json_string_value(json_object_get(art, "title")),
	    f->art.title);
	assert_string_equal(json_string_value(json_object_get(art, "author")),
	    f->art.author);
	assert_string_equal(json_string_value(json_object_get(art, "digest")),
	    "一文看懂街道2020年政务公开工作 😀");
	assert_string_equal(json_string_value(json_object_get(art, "content")),
	    f->art.content);
	assert_string_equal(json_string_value(json_object_get(art,
	    "content_source_url")), "http://www.laoshan.gov.cn/");
	assert_string_equal(json_string_value(json_object_get(art,
	    "thumb_media_id")), media);
	json_decref(b);
	draft = "DRAFT_2";

	b = body_of(f, "/cgi-bin/freepublish/submit", 0);
	assert_string_equal(json_string_value(json_object_get(b, "media_id")),
	    draft);
	json_decref(b);

	b = body_of(f, "/cgi-bin/message/mass/preview", 0);
	assert_string_equal(json_string_value(json_object_get(b, "touser")),
	    PREVIEW_ID);
	assert_string_equal(json_string_value(json_object_get(b, "msgtype")),
	    "mpnews");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    b, "mpnews"), "media_id")), draft);
	json_decref(b);

	wx_article_key(&f->art, key);
	b = body_of(f, "/cgi-bin/message/mass/sendall", 0);
	assert_true(json_is_true(json_object_get(json_object_get(b, "filter"),
	    "is_to_all")));
	assert_string_equal(json_string_value(json_object_get(b, "msgtype")),
	    "mpnews");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    b, "mpnews"), "media_id")), draft);
	assert_string_equal(json_string_value(json_object_get(b,
	    "clientmsgid")), key);
	json_decref(b);

	/* The record: private, and the preview follower only as a hash. */
	snprintf(recpath, sizeof recpath, "%s/push/%s.json", f->fx.fake.state,
	    key);
	assert_int_equal(stat(recpath, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_false(wx_fake_file_has(recpath, PREVIEW_ID));

	/* The reports. */
	assert_true(json_is_true(json_object_get(r.json, "ok")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    r.json, "steps"), "mass_send")), "done");
	assert_non_null(strstr(r.text, "article URL: https://"));
	assert_non_null(strstr(r.text, "sent to all followers"));
	result_cleanup(&r);
}

/* The same command again, even from a new process: not one request. */
static void
test_repeat_sends_nothing(void **state)
{
	struct fx *f = *state;
	struct result r;
	long total;

	run_push(f, 1, 1, PREVIEW_ID, &r);
	assert_int_equal(r.err, WX_PUSH_OK);
	result_cleanup(&r);
	total = wx_fake_count(&f->fx.fake, NULL);

	run_push(f, 1, 1, PREVIEW_ID, &r);
	assert_int_equal(r.err, WX_PUSH_OK);
	assert_int_equal(r.did, 0);
	assert_int_equal(r.skipped, WX_PUSH_THUMB | WX_PUSH_DRAFT |
	    WX_PUSH_PUBLISH | WX_PUSH_PREVIEW | WX_PUSH_MASS);
	assert_true(strlen(r.url) > 0);
	assert_non_null(strstr(r.text, "already sent to all followers"));
	result_cleanup(&r);
	assert_int_equal(wx_fake_count(&f->fx.fake, NULL), total);

	/* A restart: new client, new pusher, same state dir. */
	wx_push_free(f->push);
	wx_api_free(f->api);
	f->api = wx_fx_api(&f->fx, NULL);
	f->push = fx_push(f, 5000);
	run_push(f, 1, 1, PREVIEW_ID, &r);
	assert_int_equal(r.err, WX_PUSH_OK);
	assert_int_equal(r.did, 0);
	result_cleanup(&r);
	assert_int_equal(wx_fake_count(&f->fx.fake, NULL), total);
	assert_int_equal(wx_fake_count(&f->fx.fake,
	    "/cgi-bin/message/mass/sendall"), 1);
}

/* Draft first, publish later, mass send last: each run adds its step. */
static void
test_incremental(void **state)
{
	struct fx *f = *state;
	struct result r;

	run_push(f, 0, 0, NULL, &r);
	assert_int_equal(r.err, WX_PUSH_OK);
	assert_int_equal(r.did, WX_PUSH_THUMB | WX_PUSH_DRAFT);
	assert_int_equal(strlen(r.url), 0);
	result_cleanup(&r);
	assert_int_equal(wx_fake_count(&f->fx.fake,
	    "/cgi-bin/freepublish/submit"), 0);

	run_push(f, 1, 0, NULL, &r);
	assert_int_equal(r.err, WX_PUSH_OK);
	assert_int_equal(r.did, WX_PUSH_PUBLISH);
	assert_int_equal(r.skipped, WX_PUSH_THUMB | WX_PUSH_DRAFT);
	result_cleanup(&r);

	run_push(f, 0, 1, NULL, &r);
	assert_int_equal(r.err, WX_PUSH_OK);
	assert_int_equal(r.did, WX_PUSH_MASS);
	assert_int_equal(r.skipped, WX_PUSH_THUMB | WX_PUSH_DRAFT |
	    WX_PUSH_PUBLISH);
	result_cleanup(&r);

	/* A new follower for the preview is a new step; the old is not. */
	run_push(f, 0, 0, PREVIEW_ID, &r);
	assert_int_equal(r.did, WX_PUSH_PREVIEW);
	result_cleanup(&r);
	run_push(f, 0, 0, PREVIEW_ID, &r);
	assert_int_equal(r.did, 0);
	assert_int_equal(r.skipped & WX_PUSH_PREVIEW, WX_PUSH_PREVIEW);
	result_cleanup(&r);
	run_push(f, 0, 0, "oAnotherFollower00000000000", &r);
	assert_int_equal(r.did, WX_PUSH_PREVIEW);
	result_cleanup(&r);

	assert_int_equal(wx_fake_count(&f->fx.fake,
	    "/cgi-bin/material/add_material"), 1);
	assert_int_equal(wx_fake_count(&f->fx.fake, "/cgi-bin/draft/add"), 1);
	assert_int_equal(wx_fake_count(&f->fx.fake,
	    "/cgi-bin/freepublish/submit"), 1);
	assert_int_equal(wx_fake_count(&f->fx.fake,
	    "/cgi-bin/message/mass/sendall"), 1);
	assert_int_equal(wx_fake_count(&f->fx.fake,
	    "/cgi-bin/message/mass/preview"), 2);
}

/*
 * Permission and quota answers stop the push in plain words, are not
 * retried, and the next run goes on from the failed step.
 */
static void
test_refusals(void **state)
{
	static const struct {
		const char	*path;
		long		 code;
		unsigned	 step;
		const char	*words;
	} cases[] = {
		{ "/cgi-bin/freepublish/submit", 48001, WX_PUSH_PUBLISH,
		    "no permission" },
		{ "/cgi-bin/message/mass/sendall", 45028, WX_PUSH_MASS,
		    "mass-send quota" },
		{ "/cgi-bin/draft/add", 45009, WX_PUSH_DRAFT, "daily quota" },
	};
	struct fx *f = *state;
	struct result r;
	char ctl[160];
	long before;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		/* Each case its own article ("<h1>" becomes "<A1>", ...). */
		f->art.content[1] = (char)('A' + i);
		snprintf(ctl, sizeof ctl, "{\"fail\":%ld,\"times\":5,"
		    "\"path\":\"%s\"}", cases[i].code, cases[i].path);
		assert_int_equal(wx_fake_control(&f->fx.fake, ctl), 0);
		before = wx_fake_count(&f->fx.fake, cases[i].path);
		run_push(f, 1, 1, NULL, &r);
		assert_int_equal(r.err, WX_PUSH_ERR_API);
		assert_int_equal(r.errcode, cases[i].code);
		assert_int_equal(r.failed, cases[i].step);
		if (strstr(r.message, cases[i].words) == NULL)
			fail_msg("\"%s\" lacks \"%s\"", r.message,
			    cases[i].words);
		assert_non_null(strstr(r.text, "error: "));
		assert_int_equal(wx_fake_count(&f->fx.fake, cases[i].path),
		    before + 1);
		result_cleanup(&r);
		assert_int_equal(wx_fake_control(&f->fx.fake,
		    "{\"clear\":true}"), 0);
		run_push(f, 1, 1, NULL, &r);
		assert_int_equal(r.err, WX_PUSH_OK);
		assert_true((r.did & cases[i].step) != 0);
		assert_true((r.skipped & WX_PUSH_THUMB) != 0);
		result_cleanup(&r);
	}
}

/* A failed publish job is reported and submitted anew next time. */
static void
test_publish_failed(void **state)
{
	struct fx *f = *state;
	struct result r;

	assert_int_equal(wx_fake_control(&f->fx.fake, "{\"publish_status\":4}"),
	    0);
	run_push(f, 1, 0, NULL, &r);
	assert_int_equal(r.err, WX_PUSH_ERR_PUBLISH);
	assert_int_equal(r.failed, WX_PUSH_PUBLISH);
	assert_non_null(strstr(r.message, "refused by the platform's review"));
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "message_zh")), "发布失败：文章未通过平台审核");
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "state")), "failed");
	result_cleanup(&r);
	assert_int_equal(wx_fake_control(&f->fx.fake, "{\"publish_status\":0}"),
	    0);
	run_push(f, 1, 0, NULL, &r);
	assert_int_equal(r.err, WX_PUSH_OK);
	assert_int_equal(r.did, WX_PUSH_PUBLISH);
	result_cleanup(&r);
	assert_int_equal(wx_fake_count(&f->fx.fake,
	    "/cgi-bin/freepublish/submit"), 2);
	assert_int_equal(wx_fake_count(&f->fx.fake, "/cgi-bin/draft/add"), 1);
}

/* Polling is bounded; the next run follows the same job, no resubmit. */
static void
test_publish_timeout(void **state)
{
	struct fx *f = *state;
	struct result r;
	long polls;

	wx_push_free(f->push);
	f->push = fx_push(f, 300);
	assert_int_equal(wx_fake_control(&f->fx.fake,
	    "{\"publish_polls\":1000}"), 0);
	run_push(f, 1, 0, NULL, &r);
	assert_int_equal(r.err, WX_PUSH_ERR_TIMEOUT);
	assert_non_null(strstr(r.message, "still publishing"));
	result_cleanup(&r);
	polls = wx_fake_count(&f->fx.fake, "/cgi-bin/freepublish/get");
	assert_true(polls >= 3 && polls <= 12);
	run_push(f, 1, 0, NULL, &r);
	assert_int_equal(r.err, WX_PUSH_ERR_TIMEOUT);
	result_cleanup(&r);
	assert_int_equal(wx_fake_count(&f->fx.fake,
	    "/cgi-bin/freepublish/submit"), 1);
}

/*
 * The record of the mass send was lost (a crash right after WeChat took
 * it): the repeat carries the same clientmsgid and WeChat's 45065 counts
 * as "already sent".
 */
static void
test_mass_record_lost(void **state)
{
	struct fx *f = *state;
	struct result r;
	char key[WX_PUSH_KEY_LEN + 1], path[256];
	json_error_t jerr;
	json_t *rec;

	run_push(f, 0, 1, NULL, &r);
	assert_int_equal(r.err, WX_PUSH_OK);
	result_cleanup(&r);
	wx_article_key(&f->art, key);
	snprintf(path, sizeof path, "%s/push/%s.json", f->fx.fake.state, key);
	rec = json_load_file(path, 0, &jerr);
	assert_non_null(rec);
	json_object_del(rec, "mass_sent");
	json_object_del(rec, "mass_msg_id");
	assert_int_equal(json_dump_file(rec, path, 0), 0);
	json_decref(rec);

	run_push(f, 0, 1, NULL, &r);
	assert_int_equal(r.err, WX_PUSH_OK);
	assert_int_equal(r.did, WX_PUSH_MASS);
	result_cleanup(&r);
	assert_int_equal(wx_fake_count(&f->fx.fake,
	    "/cgi-bin/message/mass/sendall"), 2);
	rec = wx_fake_requests(&f->fx.fake, "/cgi-bin/message/mass/sendall");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(rec,
	    1), "errcode")), 45065);
	json_decref(rec);
}

/* The same article twice at once: the second is refused. */

static const char *
step_of(json_t *report, const char *step)
{
	return json_string_value(json_object_get(json_object_get(report,
	    "steps"), step));
}

/*
 * While a push runs, its progress names the step going on and the steps
 * still to come; once ended there is none.  A preview to a 微信号 goes
 * out as towxname.
 */
static void
test_progress_wxname(void **state)
{
	struct fx *f = *state;
	struct wx_push_opts o;
	struct result r;
	char key[WX_PUSH_KEY_LEN + 1], *cause = NULL;
	json_t *p, *b;

	assert_int_equal(wx_fake_control(&f->fx.fake,
	    "{\"publish_polls\":2}"), 0);
	memset(&o, 0, sizeof o);
	o.publish = 1;
	o.preview_wxname = 1;
	snprintf(o.preview, sizeof o.preview, "wxkb_tester01");
	memset(&r, 0, sizeof r);
	wx_article_key(&f->art, key);
	assert_null(wx_push_progress(f->push, key));
	assert_int_equal(wx_push_start(f->push, &f->art, &o, result_cb, &r,
	    &cause), 0);
	p = wx_push_progress(f->push, key);
	assert_non_null(p);
	assert_string_equal(json_string_value(json_object_get(p, "state")),
	    "running");
	assert_string_equal(step_of(p, "thumb"), "running");
	assert_string_equal(step_of(p, "draft"), "waiting");
	assert_string_equal(step_of(p, "publish"), "waiting");
	assert_string_equal(step_of(p, "preview"), "waiting");
	assert_string_equal(step_of(p, "mass_send"), "-");
	assert_string_equal(json_string_value(json_object_get(p,
	    "message_zh")), "");
	json_decref(p);
	assert_true(wx_fake_run(f->fx.base, &r.done, 10000));
	assert_int_equal(r.err, WX_PUSH_OK);
	assert_null(wx_push_progress(f->push, key));
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "state")), "done");
	assert_string_equal(step_of(r.json, "preview"), "done");
	b = body_of(f, "/cgi-bin/message/mass/preview", 0);
	assert_string_equal(json_string_value(json_object_get(b, "towxname")),
	    "wxkb_tester01");
	assert_null(json_object_get(b, "touser"));
	json_decref(b);
	result_cleanup(&r);

	/* The same name as an OpenID is another recipient: sent again. */
	o.preview_wxname = 0;
	memset(&r, 0, sizeof r);
	assert_int_equal(wx_push_start(f->push, &f->art, &o, result_cb, &r,
	    &cause), 0);
	assert_true(wx_fake_run(f->fx.base, &r.done, 10000));
	assert_int_equal(r.did, WX_PUSH_PREVIEW);
	result_cleanup(&r);
	assert_int_equal(wx_fake_count(&f->fx.fake,
	    "/cgi-bin/message/mass/preview"), 2);
}

/* WeChat's refusal, in Chinese for the admin page, names the step. */
static void
test_refusal_in_chinese(void **state)
{
	struct fx *f = *state;
	struct result r;

	assert_int_equal(wx_fake_control(&f->fx.fake,
	    "{\"fail\":45028,\"path\":\"/cgi-bin/message/mass/sendall\"}"), 0);
	run_push(f, 1, 1, NULL, &r);
	assert_int_equal(r.err, WX_PUSH_ERR_API);
	assert_int_equal(r.failed, WX_PUSH_MASS);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "message_zh")), "群发失败：群发次数已用完");
	assert_string_equal(step_of(r.json, "mass_send"), "failed");
	assert_string_equal(step_of(r.json, "publish"), "done");
	assert_int_equal(json_integer_value(json_object_get(r.json,
	    "errcode")), 45028);
	result_cleanup(&r);
}

static void
test_request_wxname(void **state)
{
	static const char *const bad[] = {
		"abc12", "1abcdef", "abc def1", "abcdefghijklmnopqrstu",
		"微信号微信号",
	};
	struct fx *f = *state;
	struct wx_push_opts o, o2;
	struct wx_article a;
	json_t *j;
	char *cause = NULL;
	size_t i;

	memset(&o, 0, sizeof o);
	o.preview_wxname = 1;
	snprintf(o.preview, sizeof o.preview, "Wxkb-tester_1");
	j = wx_article_request_json(&f->art, &o);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j,
	    "preview_wxname")), "Wxkb-tester_1");
	assert_null(json_object_get(j, "preview"));
	assert_int_equal(wx_article_request_parse(j, &a, &o2, &cause), 0);
	assert_true(o2.preview_wxname);
	assert_string_equal(o2.preview, "Wxkb-tester_1");
	wx_article_cleanup(&a);
	/* Both at once: refused. */
	json_object_set_new(j, "preview", json_string(PREVIEW_ID));
	assert_int_equal(wx_article_request_parse(j, &a, &o2, &cause), -1);
	assert_non_null(strstr(cause, "either"));
	free(cause);
	cause = NULL;
	wx_article_cleanup(&a);
	json_object_del(j, "preview");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_false(wx_article_wxname_valid(bad[i]));
		json_object_set_new(j, "preview_wxname", json_string(bad[i]));
		assert_int_equal(wx_article_request_parse(j, &a, &o2, &cause),
		    -1);
		assert_non_null(strstr(cause, "preview_wxname"));
		free(cause);
		cause = NULL;
		wx_article_cleanup(&a);
	}
	json_decref(j);
}

static void
test_busy(void **state)
{
	struct fx *f = *state;
	struct wx_push_opts o;
	struct result r1, r2;
	char *cause = NULL;

	memset(&o, 0, sizeof o);
	memset(&r1, 0, sizeof r1);
	memset(&r2, 0, sizeof r2);
	assert_int_equal(wx_push_start(f->push, &f->art, &o, result_cb, &r1,
	    &cause), 0);
	assert_int_equal(wx_push_start(f->push, &f->art, &o, result_cb, &r2,
	    &cause), WX_PUSH_ERR_BUSY);
	assert_non_null(strstr(cause, "already"));
	free(cause);
	assert_int_equal(wx_push_running(f->push), 1);
	assert_true(wx_fake_run(f->fx.base, &r1.done, 10000));
	assert_int_equal(r1.err, WX_PUSH_OK);
	assert_false(r2.done);
	assert_int_equal(wx_push_running(f->push), 0);
	result_cleanup(&r1);
}

/* 20 pushes at once on a cold start: one token fetch serves them all. */
static void
test_twenty_pushes_one_fetch(void **state)
{
	struct fx *f = *state;
	struct wx_article a[20];
	struct wx_push_opts o;
	struct result r[20];
	char *cause = NULL;
	int i, all, n;
	uint64_t end;

	memset(&o, 0, sizeof o);
	o.publish = 1;
	for (i = 0; i < 20; i++) {
		assert_int_equal(wx_article_copy(&a[i], &f->art), 0);
		a[i].content[1] = (char)('A' + i);	/* 20 articles */
		memset(&r[i], 0, sizeof r[i]);
		assert_int_equal(wx_push_start(f->push, &a[i], &o, result_cb,
		    &r[i], &cause), 0);
	}
	assert_int_equal(wx_push_running(f->push), 20);
	end = wx_fake_now_ms() + 10000;
	do {
		wx_fake_spin(f->fx.base, 20);
		for (i = 0, n = 0; i < 20; i++)
			n += r[i].done;
		all = n == 20;
	} while (!all && wx_fake_now_ms() < end);
	assert_true(all);
	for (i = 0; i < 20; i++) {
		assert_int_equal(r[i].err, WX_PUSH_OK);
		assert_int_equal(r[i].did, WX_PUSH_THUMB | WX_PUSH_DRAFT |
		    WX_PUSH_PUBLISH);
		result_cleanup(&r[i]);
		wx_article_cleanup(&a[i]);
	}
	assert_int_equal(wx_fake_count(&f->fx.fake,
	    "/cgi-bin/stable_token"), 1);
	assert_int_equal(wx_fake_count(&f->fx.fake, "/cgi-bin/draft/add"), 20);
}

/* Freed while running: no callback, nothing leaks. */
static void
test_free_running(void **state)
{
	struct fx *f = *state;
	struct wx_push_opts o;
	struct result r;
	char *cause = NULL;

	memset(&o, 0, sizeof o);
	o.publish = 1;
	memset(&r, 0, sizeof r);
	assert_int_equal(wx_fake_control(&f->fx.fake,
	    "{\"publish_polls\":1000}"), 0);
	assert_int_equal(wx_push_start(f->push, &f->art, &o, result_cb, &r,
	    &cause), 0);
	wx_fake_spin(f->fx.base, 300);
	wx_push_free(f->push);
	f->push = fx_push(f, 5000);
	wx_fake_spin(f->fx.base, 200);
	assert_false(r.done);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_article_load, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_article_invalid, setup,
		    teardown),
		cmocka_unit_test(test_article_confined),
		cmocka_unit_test_setup_teardown(test_full_walk, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_repeat_sends_nothing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_incremental, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_publish_failed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_publish_timeout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mass_record_lost, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_progress_wxname, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refusal_in_chinese, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_request_wxname, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_twenty_pushes_one_fetch,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_running, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
