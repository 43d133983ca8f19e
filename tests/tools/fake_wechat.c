/*
 * fake_wechat — a small stand-in for api.weixin.qq.com, for tests only.
 *
 *	fake_wechat [--port N | N] [--log FILE] [--appid ID] [--secret S]
 *
 * Listens on 127.0.0.1 (port 0: any free one) and prints "PORT=<n>" as
 * the first line on stdout.  It implements the endpoints wxkbd uses
 * (stable_token, token, custom/send, add_material, draft/add,
 * freepublish/submit and get, mass/preview and sendall, menu/create and
 * get, get_current_autoreply_info), checks the access_token and the
 * request shapes of protocol doc §7 (raw UTF-8 only: a \uXXXX escape gets
 * 40033), and writes every request as one JSON line to the log file:
 *	{"seq":1,"method":"POST","path":"/cgi-bin/...","token_ok":true,
 *	 "body":{...},"errcode":0,"fault":"..."}
 *
 * The test steers it through POST /control with a JSON object:
 *	{"fail":-1,"times":2,"path":"/cgi-bin/menu/get"}  answer errcode
 *	{"fail":"40001_once"}                             the same, once
 *	{"fail":45047,"skip":1,"path":...}  let one through, fail the next
 *	{"slow":10}  {"reset":true}  {"garbage":true}  {"big":2000000}
 *	{"rotate":true}          invalidate the current token
 *	{"token":"T"}            hand out T as the token (a hostile one)
 *	{"expires_in":300}       lifetime reported by stable_token
 *	{"publish_polls":2,"publish_status":0}
 *	{"autoreply":{...}}      what get_current_autoreply_info answers
 *	{"clear":true}           drop the fault rules
 * Fault rules without "path" apply to every endpoint except the token
 * endpoints, which are hit only by rules naming them.  GET /control/stats
 * answers {"counts":{path:n},"total":n,"token":"..."}.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#define FAKE_MAX_RULES	32
#define FAKE_MAX_BODY	(24 * 1024 * 1024)
#define FAKE_MAX_IDS	1024

enum fault {
	F_NONE = 0,
	F_FAIL,
	F_SLOW,
	F_RESET,
	F_GARBAGE,
	F_BIG,
};

struct rule {
	enum fault	 kind;
	char		 path[128];	/* "" = any non-token endpoint */
	long		 code;		/* F_FAIL */
	double		 secs;		/* F_SLOW */
	long		 bytes;		/* F_BIG */
	int		 skip;		/* matching requests let through
					   first */
	int		 times;
};

struct idset {
	char		*v[FAKE_MAX_IDS];
	size_t		 n;
};

struct job {
	char		 id[32];
	int		 polls_left;
	int		 status;
};

static struct {
	struct event_base *base;
	FILE		*log;
	const char	*appid, *secret;
	char		 token[64], plain_token[64];
	unsigned	 token_gen;
	long		 expires_in;
	struct rule	 rules[FAKE_MAX_RULES];
	json_t		*counts;
	long		 total, seq, next_id;
	struct idset	 media, drafts, clientmsgids;
	struct job	 jobs[64];
	size_t		 njobs;
	int		 publish_polls, publish_status;
	json_t		*menu;
	json_t		*autoreply;
} fk;

static const char *fake_autoreply_default =
"{\"is_add_friend_reply_open\":1,\"is_autoreply_open\":1,"
"\"add_friend_autoreply_info\":{\"type\":\"text\",\"content\":"
"\"欢迎关注山海小王哥庄！\"},"
"\"message_default_autoreply_info\":{\"type\":\"text\",\"content\":"
"\"您好，请留言，我们会尽快回复。\"},"
"\"keyword_autoreply_info\":{\"list\":["
"{\"rule_name\":\"办事电话\",\"create_time\":1423028166,"
"\"reply_mode\":\"reply_all\",\"keyword_list_info\":["
"{\"type\":\"text\",\"match_mode\":\"contain\",\"content\":\"电话\"},"
"{\"type\":\"text\",\"match_mode\":\"equal\",\"content\":\"联系方式\"}],"
"\"reply_list_info\":[{\"type\":\"text\",\"content\":\"党政办 0532-1234\"},"
"{\"type\":\"news\",\"news_info\":{\"list\":[{\"title\":\"街道简介\","
"\"author\":\"jim\",\"digest\":\"简介\",\"show_cover\":1,"
"\"cover_url\":\"http://mmbiz.qpic.cn/a.jpg\","
"\"content_url\":\"http://mp.weixin.qq.com/s/abc\","
"\"source_url\":\"\"}]}}]},"
"{\"rule_name\":\"图片\",\"create_time\":1423027971,"
"\"reply_mode\":\"random_one\",\"keyword_list_info\":["
"{\"type\":\"text\",\"match_mode\":\"contain\",\"content\":\"地图\"}],"
"\"reply_list_info\":[{\"type\":\"img\",\"content\":\"MEDIA_IMG_1\"},"
"{\"type\":\"voice\",\"content\":\"MEDIA_VOICE_1\"}]}]}}";

static void
fake_new_token(void)
{
	fk.token_gen++;
	snprintf(fk.token, sizeof fk.token, "FAKETOKEN-%u-%ld", fk.token_gen,
	    (long)getpid());
}

static int
idset_has(const struct idset *s, const char *v)
{
	size_t i;

	if (v == NULL)
		return 0;
	for (i = 0; i < s->n; i++) {
		if (strcmp(s->v[i], v) == 0)
			return 1;
	}
	return 0;
}

static void
idset_add(struct idset *s, const char *v)
{
	if (s->n < FAKE_MAX_IDS)
		s->v[s->n++] = strdup(v);
}

/* 1 when the JSON text has a \u escape outside of an escaped backslash. */
static int
fake_has_u_escape(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (s[i] == '\\') {
			if (s[i + 1] == 'u')
				return 1;
			i++;
		}
	}
	return 0;
}

static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	}
	return n;
}

static struct rule *
fake_match_rule(const char *path)
{
	int token_ep = strcmp(path, "/cgi-bin/stable_token") == 0 ||
	    strcmp(path, "/cgi-bin/token") == 0;
	size_t i;

	for (i = 0; i < FAKE_MAX_RULES; i++) {
		struct rule *r = &fk.rules[i];

		if (r->kind == F_NONE || r->times <= 0)
			continue;
		if (r->path[0] == '\0' ? token_ep : strcmp(r->path,
		    path) != 0)
			continue;
		if (r->skip > 0) {
			r->skip--;
			continue;
		}
		return r;
	}
	return NULL;
}

static void
fake_log(const char *method, const char *path, int token_ok, json_t *body,
    long errcode, const char *fault)
{
	struct timespec ts;
	json_t *o;
	char *s;

	if (fk.log == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	o = json_pack("{s:I,s:I,s:s,s:s,s:b,s:O?,s:I,s:s?}", "seq",
	    (json_int_t)++fk.seq, "ms", (json_int_t)ts.tv_sec * 1000 +
	    ts.tv_nsec / 1000000, "method", method, "path", path, "token_ok",
	    token_ok, "body", body, "errcode", (json_int_t)errcode, "fault",
	    fault);
	s = json_dumps(o, JSON_COMPACT);
	if (s != NULL) {
		fprintf(fk.log, "%s\n", s);
		fflush(fk.log);
	}
	free(s);
	json_decref(o);
}

static void
fake_reply_json(struct evhttp_request *req, json_t *j)
{
	struct evbuffer *b = evbuffer_new();
	char *s = json_dumps(j, JSON_COMPACT);

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json; encoding=utf-8");
	evbuffer_add(b, s, strlen(s));
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
	free(s);
}

static json_t *
fake_err(long code, const char *msg)
{
	return json_pack("{s:I,s:s}", "errcode", (json_int_t)code, "errmsg",
	    msg);
}

/* Pull a part out of a multipart/form-data body. */
static json_t *
fake_multipart(struct evhttp_request *req, const char *body, size_t len,
    long *errcode)
{
	const char *ct = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Content-Type");
	const char *b, *p, *end, *hdr_end, *data, *data_end;
	char boundary[200], delim[210], name[128] = "", fname[256] = "";
	char ctype[128] = "";
	size_t dlen;
	const char *q;
	json_t *o;

	*errcode = 44002;
	if (ct == NULL || strncmp(ct, "multipart/form-data", 19) != 0)
		return NULL;
	b = strstr(ct, "boundary=");
	if (b == NULL)
		return NULL;
	snprintf(boundary, sizeof boundary, "%s", b + 9);
	snprintf(delim, sizeof delim, "--%s", boundary);
	dlen = strlen(delim);
	p = memmem(body, len, delim, dlen);
	end = body + len;
	while (p != NULL) {
		p += dlen;
		if (p + 2 > end || memcmp(p, "--", 2) == 0)
			break;
		p += 2;		/* CRLF */
		hdr_end = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
		if (hdr_end == NULL)
			break;
		data = hdr_end + 4;
		data_end = memmem(data, (size_t)(end - data), delim, dlen);
		if (data_end == NULL)
			break;
		name[0] = fname[0] = ctype[0] = '\0';
		q = memmem(p, (size_t)(hdr_end - p), "name=\"", 6);
		if (q != NULL)
			sscanf(q + 6, "%127[^\"]", name);
		q = memmem(p, (size_t)(hdr_end - p), "filename=\"", 10);
		if (q != NULL)
			sscanf(q + 10, "%255[^\"]", fname);
		q = memmem(p, (size_t)(hdr_end - p), "Content-Type: ", 14);
		if (q != NULL)
			sscanf(q + 14, "%127[^\r]", ctype);
		if (strcmp(name, "media") == 0) {
			size_t n = (size_t)(data_end - data) - 2; /* CRLF */
			char head[9] = "";
			size_t i;

			for (i = 0; i < 4 && i < n; i++)
				snprintf(head + 2 * i, 3, "%02x",
				    (unsigned char)data[i]);
			if (fname[0] == '\0' || strchr(fname, '.') == NULL) {
				*errcode = 40005;	/* invalid file type */
				return NULL;
			}
			o = json_pack("{s:s,s:s,s:s,s:I,s:s}", "field", name,
			    "filename", fname, "content_type", ctype, "size",
			    (json_int_t)n, "head", head);
			*errcode = 0;
			return o;
		}
		p = data_end;
	}
	return NULL;
}

static long
fake_check_menu_button(json_t *btn, int top)
{
	const char *name = json_string_value(json_object_get(btn, "name"));
	json_t *subs = json_object_get(btn, "sub_button");
	const char *type = json_string_value(json_object_get(btn, "type"));
	const char *key = json_string_value(json_object_get(btn, "key"));
	size_t i;
	long r;

	if (name == NULL || *name == '\0' || strlen(name) > (top ? 16 : 60))
		return top ? 40018 : 40025;
	if (top && subs != NULL) {
		if (!json_is_array(subs) || json_array_size(subs) < 1 ||
		    json_array_size(subs) > 5)
			return 40023;
		for (i = 0; i < json_array_size(subs); i++) {
			r = fake_check_menu_button(json_array_get(subs, i), 0);
			if (r != 0)
				return r;
		}
		return 0;
	}
	if (type == NULL)
		return top ? 40017 : 40024;
	if (strcmp(type, "click") == 0 && (key == NULL || *key == '\0' ||
	    strlen(key) > 128))
		return top ? 40019 : 40026;
	return 0;
}

/* Handle one API request after the faults: errcode and the answer. */
static json_t *
fake_endpoint(const char *path, struct evkeyvalq *q, json_t *body,
    long *errcode, json_t *mp)
{
	const char *s, *t;
	json_t *a, *o;
	char id[64];
	size_t i;

	*errcode = 0;
	if (strcmp(path, "/cgi-bin/message/custom/send") == 0) {
		s = json_string_value(json_object_get(body, "touser"));
		t = json_string_value(json_object_get(body, "msgtype"));
		if (s == NULL || *s == '\0' || t == NULL)
			goto bad;
		if (strcmp(t, "text") == 0) {
			s = json_string_value(json_object_get(
			    json_object_get(body, "text"), "content"));
			if (s == NULL || *s == '\0')
				goto bad;
			if (strlen(s) > 2048) {
				*errcode = 45002;
				return fake_err(45002, "content size out of "
				    "limit");
			}
		} else if (json_object_get(body, t) == NULL)
			goto bad;
		return fake_err(0, "ok");
	}
	if (strcmp(path, "/cgi-bin/material/add_material") == 0) {
		s = evhttp_find_header(q, "type");
		if (s == NULL || (strcmp(s, "image") != 0 &&
		    strcmp(s, "voice") != 0 && strcmp(s, "video") != 0 &&
		    strcmp(s, "thumb") != 0)) {
			*errcode = 40004;
			return fake_err(40004, "invalid media type");
		}
		if (mp == NULL)
			goto bad;
		snprintf(id, sizeof id, "MEDIA_%ld", ++fk.next_id);
		idset_add(&fk.media, id);
		return json_pack("{s:s,s:s}", "media_id", id, "url",
		    "http://mmbiz.qpic.cn/fake/cover.jpg");
	}
	if (strcmp(path, "/cgi-bin/draft/add") == 0) {
		a = json_object_get(body, "articles");
		if (!json_is_array(a) || json_array_size(a) < 1)
			goto bad;
		for (i = 0; i < json_array_size(a); i++) {
			o = json_array_get(a, i);
			s = json_string_value(json_object_get(o, "title"));
			t = json_string_value(json_object_get(o, "content"));
			if (s == NULL || t == NULL || *t == '\0' ||
			    utf8_chars(s) > 32)
				goto bad;
			if (!idset_has(&fk.media, json_string_value(
			    json_object_get(o, "thumb_media_id")))) {
				*errcode = 40007;
				return fake_err(40007, "invalid media_id");
			}
		}
		snprintf(id, sizeof id, "DRAFT_%ld", ++fk.next_id);
		idset_add(&fk.drafts, id);
		return json_pack("{s:s}", "media_id", id);
	}
	if (strcmp(path, "/cgi-bin/freepublish/submit") == 0) {
		s = json_string_value(json_object_get(body, "media_id"));
		if (!idset_has(&fk.drafts, s) || fk.njobs >= 64) {
			*errcode = 40007;
			return fake_err(40007, "invalid media_id");
		}
		snprintf(fk.jobs[fk.njobs].id, sizeof fk.jobs[0].id, "PUB_%ld",
		    ++fk.next_id);
		fk.jobs[fk.njobs].polls_left = fk.publish_polls;
		fk.jobs[fk.njobs].status = fk.publish_status;
		o = json_pack("{s:i,s:s,s:s,s:s}", "errcode", 0, "errmsg", "ok",
		    "publish_id", fk.jobs[fk.njobs].id, "msg_data_id", "2247");
		fk.njobs++;
		return o;
	}
	if (strcmp(path, "/cgi-bin/freepublish/get") == 0) {
		s = json_string_value(json_object_get(body, "publish_id"));
		for (i = 0; s != NULL && i < fk.njobs; i++) {
			if (strcmp(fk.jobs[i].id, s) != 0)
				continue;
			if (fk.jobs[i].polls_left > 0) {
				fk.jobs[i].polls_left--;
				return json_pack("{s:s,s:i}", "publish_id", s,
				    "publish_status", 1);
			}
			if (fk.jobs[i].status != 0)
				return json_pack("{s:s,s:i,s:[i]}",
				    "publish_id", s, "publish_status",
				    fk.jobs[i].status, "fail_idx", 1);
			snprintf(id, sizeof id, "https://mp.weixin.qq.com/s/"
			    "fake-%s", s);
			return json_pack("{s:s,s:i,s:s,s:{s:i,s:[{s:i,s:s}]},"
			    "s:[]}", "publish_id", s, "publish_status", 0,
			    "article_id", "ARTICLE_1", "article_detail",
			    "count", 1, "item", "idx", 1, "article_url", id,
			    "fail_idx");
		}
		*errcode = 40007;
		return fake_err(40007, "invalid publish_id");
	}
	if (strcmp(path, "/cgi-bin/message/mass/preview") == 0) {
		/* To one follower by OpenID, or by 微信号. */
		s = json_string_value(json_object_get(body, "touser"));
		if ((s == NULL) == (json_object_get(body, "towxname") == NULL))
			goto bad;
		if (s == NULL)
			s = json_string_value(json_object_get(body,
			    "towxname"));
		t = json_string_value(json_object_get(body, "msgtype"));
		if (s == NULL || t == NULL || strcmp(t, "mpnews") != 0)
			goto bad;
		if (!idset_has(&fk.drafts, json_string_value(json_object_get(
		    json_object_get(body, "mpnews"), "media_id")))) {
			*errcode = 40007;
			return fake_err(40007, "invalid media_id");
		}
		return json_pack("{s:i,s:s,s:i}", "errcode", 0, "errmsg",
		    "preview success", "msg_id", 34182);
	}
	if (strcmp(path, "/cgi-bin/message/mass/sendall") == 0) {
		o = json_object_get(body, "filter");
		t = json_string_value(json_object_get(body, "msgtype"));
		s = json_string_value(json_object_get(body, "clientmsgid"));
		if (!json_is_boolean(json_object_get(o, "is_to_all")) ||
		    t == NULL || strcmp(t, "mpnews") != 0)
			goto bad;
		if (!idset_has(&fk.drafts, json_string_value(json_object_get(
		    json_object_get(body, "mpnews"), "media_id")))) {
			*errcode = 40007;
			return fake_err(40007, "invalid media_id");
		}
		if (s != NULL && strlen(s) > 64) {
			*errcode = 45067;
			return fake_err(45067, "clientmsgid size out of "
			    "limit");
		}
		if (s != NULL && idset_has(&fk.clientmsgids, s)) {
			*errcode = 45065;
			return fake_err(45065, "clientmsgid exist");
		}
		if (s != NULL)
			idset_add(&fk.clientmsgids, s);
		return json_pack("{s:i,s:s,s:i,s:i}", "errcode", 0, "errmsg",
		    "send job submission success", "msg_id", 34182,
		    "msg_data_id", 206227730);
	}
	if (strcmp(path, "/cgi-bin/menu/create") == 0) {
		a = json_object_get(body, "button");
		if (!json_is_array(a) || json_array_size(a) < 1 ||
		    json_array_size(a) > 3) {
			*errcode = 40016;
			return fake_err(40016, "invalid button size");
		}
		for (i = 0; i < json_array_size(a); i++) {
			*errcode = fake_check_menu_button(json_array_get(a, i),
			    1);
			if (*errcode != 0)
				return fake_err(*errcode, "invalid button");
		}
		json_decref(fk.menu);
		fk.menu = json_deep_copy(body);
		return fake_err(0, "ok");
	}
	if (strcmp(path, "/cgi-bin/menu/get") == 0) {
		if (fk.menu == NULL) {
			*errcode = 46003;
			return fake_err(46003, "menu no exist");
		}
		return json_pack("{s:O}", "menu", fk.menu);
	}
	if (strcmp(path, "/cgi-bin/get_current_autoreply_info") == 0)
		return json_deep_copy(fk.autoreply);
	*errcode = -404;
	return NULL;
bad:
	*errcode = 47001;
	return fake_err(47001, "data format error");
}

/* The token endpoints; NULL when the path is not one. */
static json_t *
fake_token_endpoint(const char *method, const char *path,
    struct evkeyvalq *q, json_t *body, long *errcode)
{
	const char *appid, *secret;
	json_t *fr;

	if (strcmp(path, "/cgi-bin/stable_token") == 0) {
		if (strcmp(method, "POST") != 0) {
			*errcode = 43002;
			return fake_err(43002, "require POST method");
		}
		appid = json_string_value(json_object_get(body, "appid"));
		secret = json_string_value(json_object_get(body, "secret"));
		if (!json_is_object(body) || strcmp(json_string_value(
		    json_object_get(body, "grant_type")) != NULL ?
		    json_string_value(json_object_get(body, "grant_type")) :
		    "", "client_credential") != 0) {
			*errcode = 40002;
			return fake_err(40002, "invalid grant_type");
		}
		if (appid == NULL || strcmp(appid, fk.appid) != 0) {
			*errcode = 40013;
			return fake_err(40013, "invalid appid");
		}
		if (secret == NULL || strcmp(secret, fk.secret) != 0) {
			*errcode = 40125;
			return fake_err(40125, "invalid appsecret");
		}
		fr = json_object_get(body, "force_refresh");
		if (fr != NULL && !json_is_boolean(fr)) {
			*errcode = 47001;
			return fake_err(47001, "data format error");
		}
		if (json_is_true(fr))
			fake_new_token();
		*errcode = 0;
		return json_pack("{s:s,s:I}", "access_token", fk.token,
		    "expires_in", (json_int_t)fk.expires_in);
	}
	if (strcmp(path, "/cgi-bin/token") == 0) {
		appid = evhttp_find_header(q, "appid");
		secret = evhttp_find_header(q, "secret");
		if (appid == NULL || strcmp(appid, fk.appid) != 0) {
			*errcode = 40013;
			return fake_err(40013, "invalid appid");
		}
		if (secret == NULL || strcmp(secret, fk.secret) != 0) {
			*errcode = 40125;
			return fake_err(40125, "invalid appsecret");
		}
		snprintf(fk.plain_token, sizeof fk.plain_token,
		    "PLAINTOKEN-%ld", ++fk.next_id);
		*errcode = 0;
		return json_pack("{s:s,s:i}", "access_token", fk.plain_token,
		    "expires_in", 7200);
	}
	return NULL;
}

struct held {
	struct evhttp_request *req;
	json_t		*answer;
	struct event	*ev;
};

/* Requests held back by "slow", answered at exit if still waiting. */
static struct held *fake_held[64];

static void
fake_slow_cb(evutil_socket_t fd, short what, void *arg)
{
	struct held *h = arg;
	size_t i;

	(void)fd;
	(void)what;
	for (i = 0; i < 64; i++) {
		if (fake_held[i] == h)
			fake_held[i] = NULL;
	}
	fake_reply_json(h->req, h->answer);
	json_decref(h->answer);
	event_free(h->ev);
	free(h);
}

static void
fake_drop_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	evhttp_connection_free(arg);
}

/* Close the connection with a RST, after the request callback returns. */
static void
fake_reset(struct evhttp_request *req)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	struct bufferevent *bev = evhttp_connection_get_bufferevent(conn);
	struct linger lg = { 1, 0 };
	int fd = (int)bufferevent_getfd(bev);
	struct timeval tv = { 0, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	event_base_once(fk.base, -1, EV_TIMEOUT, fake_drop_cb, conn, &tv);
}

static void
fake_control(struct evhttp_request *req, const char *path, json_t *body)
{
	struct rule *r = NULL;
	json_t *v, *o;
	const char *key, *s;
	size_t i;

	if (strcmp(path, "/control/stats") == 0) {
		o = json_pack("{s:O,s:I,s:s,s:I}", "counts", fk.counts, "total",
		    (json_int_t)fk.total, "token", fk.token, "seq",
		    (json_int_t)fk.seq);
		fake_reply_json(req, o);
		json_decref(o);
		return;
	}
	if (!json_is_object(body)) {
		evhttp_send_error(req, 400, "control wants a JSON object");
		return;
	}
	json_object_foreach(body, key, v) {
		if (strcmp(key, "clear") == 0)
			memset(fk.rules, 0, sizeof fk.rules);
		else if (strcmp(key, "rotate") == 0)
			fake_new_token();
		else if (strcmp(key, "token") == 0 && json_is_string(v))
			snprintf(fk.token, sizeof fk.token, "%s",
			    json_string_value(v));
		else if (strcmp(key, "expires_in") == 0)
			fk.expires_in = (long)json_integer_value(v);
		else if (strcmp(key, "publish_polls") == 0)
			fk.publish_polls = (int)json_integer_value(v);
		else if (strcmp(key, "publish_status") == 0)
			fk.publish_status = (int)json_integer_value(v);
		else if (strcmp(key, "autoreply") == 0) {
			json_decref(fk.autoreply);
			fk.autoreply = json_deep_copy(v);
		}
	}
	for (i = 0; i < FAKE_MAX_RULES; i++) {
		if (fk.rules[i].kind == F_NONE || fk.rules[i].times <= 0) {
			r = &fk.rules[i];
			break;
		}
	}
	if (r == NULL) {
		evhttp_send_error(req, 500, "too many rules");
		return;
	}
	memset(r, 0, sizeof *r);
	r->times = json_is_integer(json_object_get(body, "times")) ?
	    (int)json_integer_value(json_object_get(body, "times")) : 1;
	s = json_string_value(json_object_get(body, "path"));
	if (s != NULL)
		snprintf(r->path, sizeof r->path, "%s", s);
	r->skip = (int)json_integer_value(json_object_get(body, "skip"));
	v = json_object_get(body, "fail");
	if (json_is_integer(v)) {
		r->kind = F_FAIL;
		r->code = (long)json_integer_value(v);
	} else if (json_is_string(v)) {
		r->kind = F_FAIL;
		r->code = strtol(json_string_value(v), NULL, 10);
		if (strstr(json_string_value(v), "_once") != NULL)
			r->times = 1;
	} else if (json_is_number(json_object_get(body, "slow"))) {
		r->kind = F_SLOW;
		r->secs = json_number_value(json_object_get(body, "slow"));
	} else if (json_is_true(json_object_get(body, "reset")))
		r->kind = F_RESET;
	else if (json_is_true(json_object_get(body, "garbage")))
		r->kind = F_GARBAGE;
	else if (json_is_integer(json_object_get(body, "big"))) {
		r->kind = F_BIG;
		r->bytes = (long)json_integer_value(json_object_get(body,
		    "big"));
	}
	o = json_pack("{s:b}", "ok", 1);
	fake_reply_json(req, o);
	json_decref(o);
}

static void
fake_count(const char *path)
{
	json_t *v = json_object_get(fk.counts, path);

	json_object_set_new(fk.counts, path, json_integer(
	    json_integer_value(v) + 1));
	fk.total++;
}

static void
fake_request_cb(struct evhttp_request *req, void *arg)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	const char *path = evhttp_uri_get_path(uri), *qs, *tok;
	const char *method = evhttp_request_get_command(req) ==
	    EVHTTP_REQ_POST ? "POST" : "GET";
	struct evkeyvalq q;
	size_t len = evbuffer_get_length(in);
	char *body = NULL;
	json_t *jbody = NULL, *answer = NULL, *logged = NULL, *mp = NULL;
	json_error_t jerr;
	struct rule *r;
	long errcode = 0;
	int token_ok = 0, is_token, multipart;
	const char *ct;
	char fault[64] = "";

	(void)arg;
	TAILQ_INIT(&q);
	qs = evhttp_uri_get_query(uri);
	if (qs != NULL)
		evhttp_parse_query_str(qs, &q);
	if (path == NULL)
		path = "/";
	body = malloc(len + 1);
	if (body == NULL) {
		evhttp_send_error(req, 500, "oom");
		goto out;
	}
	evbuffer_copyout(in, body, len);
	body[len] = '\0';
	ct = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Content-Type");
	if (len > 0 && (ct == NULL || strncmp(ct, "multipart/", 10) != 0))
		jbody = json_loadb(body, len, 0, &jerr);

	if (strncmp(path, "/control", 8) == 0) {
		fake_control(req, path, jbody);
		goto out;
	}
	fake_count(path);
	is_token = strcmp(path, "/cgi-bin/stable_token") == 0 ||
	    strcmp(path, "/cgi-bin/token") == 0;
	if (is_token && jbody != NULL) {
		/* Keep the secret out of the log. */
		logged = json_deep_copy(jbody);
		if (json_object_get(logged, "secret") != NULL)
			json_object_set_new(logged, "secret",
			    json_string("***"));
	} else if (jbody != NULL)
		logged = json_incref(jbody);
	else if (len > 0 && ct != NULL && strncmp(ct, "multipart/", 10) == 0) {
		mp = fake_multipart(req, body, len, &errcode);
		logged = json_pack("{s:O?}", "multipart", mp);
	} else if (len > 0)
		logged = json_pack("{s:s%}", "raw", body, len);

	tok = evhttp_find_header(&q, "access_token");
	token_ok = tok != NULL && (strcmp(tok, fk.token) == 0 ||
	    (fk.plain_token[0] != '\0' && strcmp(tok, fk.plain_token) == 0));

	r = fake_match_rule(path);
	if (r != NULL) {
		r->times--;
		switch (r->kind) {
		case F_FAIL:
			snprintf(fault, sizeof fault, "fail %ld", r->code);
			fake_log(method, path, token_ok, logged, r->code,
			    fault);
			answer = fake_err(r->code, r->code == -1 ?
			    "system error" : "injected error rid: fake");
			fake_reply_json(req, answer);
			goto out;
		case F_RESET:
			fake_log(method, path, token_ok, logged, 0, "reset");
			fake_reset(req);
			goto out;
		case F_GARBAGE: {
			struct evbuffer *b = evbuffer_new();

			fake_log(method, path, token_ok, logged, 0, "garbage");
			evbuffer_add_printf(b, "<html><body>502 Bad Gateway"
			    "</body></html>");
			evhttp_send_reply(req, 200, "OK", b);
			evbuffer_free(b);
			goto out;
		}
		case F_BIG: {
			struct evbuffer *b = evbuffer_new();
			char chunk[4096];
			long i, n;

			fake_log(method, path, token_ok, logged, 0, "big");
			memset(chunk, 'x', sizeof chunk);
			evbuffer_add_printf(b, "{\"errcode\":0,\"pad\":\"");
			for (i = 0; i < r->bytes; i += n) {
				n = r->bytes - i > (long)sizeof chunk ?
				    (long)sizeof chunk : r->bytes - i;
				evbuffer_add(b, chunk, (size_t)n);
			}
			evbuffer_add_printf(b, "\"}");
			evhttp_send_reply(req, 200, "OK", b);
			evbuffer_free(b);
			goto out;
		}
		case F_SLOW:
			snprintf(fault, sizeof fault, "slow %.1f", r->secs);
			break;
		case F_NONE:
			break;
		}
	}

	multipart = ct != NULL && strncmp(ct, "multipart/", 10) == 0;
	if (len > 0 && !multipart && fake_has_u_escape(body, len)) {
		errcode = 40033;
		answer = fake_err(40033, "invalid charset. please check your "
		    "request, if include \\uxxxx will create fail!");
	} else if (len > 0 && !multipart && jbody == NULL) {
		errcode = 47001;
		answer = fake_err(47001, "data format error");
	} else if ((answer = fake_token_endpoint(method, path, &q, jbody,
	    &errcode)) != NULL) {
		token_ok = 1;
	} else if (tok == NULL) {
		errcode = 41001;
		answer = fake_err(41001, "access_token missing");
	} else if (!token_ok) {
		errcode = 40001;
		answer = fake_err(40001, "invalid credential, access_token is "
		    "invalid or not latest rid: fake");
	} else {
		answer = fake_endpoint(path, &q, jbody, &errcode, mp);
		if (answer == NULL) {
			fake_log(method, path, token_ok, logged, 0, "404");
			evhttp_send_error(req, 404, "no such endpoint");
			goto out;
		}
	}
	fake_log(method, path, token_ok, logged, errcode,
	    fault[0] != '\0' ? fault : NULL);
	if (r != NULL && r->kind == F_SLOW) {
		struct held *h = calloc(1, sizeof *h);
		struct timeval tv;
		size_t i;

		h->req = req;
		h->answer = answer;
		answer = NULL;
		tv.tv_sec = (long)r->secs;
		tv.tv_usec = (long)((r->secs - (double)(long)r->secs) * 1e6);
		h->ev = evtimer_new(fk.base, fake_slow_cb, h);
		evtimer_add(h->ev, &tv);
		for (i = 0; i < 64; i++) {
			if (fake_held[i] == NULL) {
				fake_held[i] = h;
				break;
			}
		}
		goto out;
	}
	fake_reply_json(req, answer);
out:
	evhttp_clear_headers(&q);
	json_decref(jbody);
	json_decref(logged);
	json_decref(answer);
	json_decref(mp);
	free(body);
}

static void
fake_signal_cb(evutil_socket_t fd, short what, void *arg)
{
	size_t i;

	(void)what;
	for (i = 0; i < 64; i++) {
		if (fake_held[i] != NULL)
			fake_slow_cb(fd, 0, fake_held[i]);
	}
	event_base_loopexit(arg, NULL);
}

int
main(int argc, char **argv)
{
	struct evhttp *http;
	struct evhttp_bound_socket *bs;
	struct event *sig;
	struct sockaddr_in sin;
	socklen_t slen = sizeof sin;
	const char *logpath = NULL;
	json_error_t jerr;
	int port = 0, i;

	fk.appid = "wxFAKEAPPID0001";
	fk.secret = "fakesecret0123456789";
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--log") == 0 && i + 1 < argc)
			logpath = argv[++i];
		else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
			port = atoi(argv[++i]);
		else if (strcmp(argv[i], "--appid") == 0 && i + 1 < argc)
			fk.appid = argv[++i];
		else if (strcmp(argv[i], "--secret") == 0 && i + 1 < argc)
			fk.secret = argv[++i];
		else if (argv[i][0] >= '0' && argv[i][0] <= '9')
			port = atoi(argv[i]);
		else {
			fprintf(stderr, "usage: fake_wechat [--port N] "
			    "[--log FILE] [--appid ID] [--secret S]\n");
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (logpath != NULL) {
		fk.log = fopen(logpath, "a");
		if (fk.log == NULL) {
			fprintf(stderr, "fake_wechat: %s: %s\n", logpath,
			    strerror(errno));
			return 1;
		}
	}
	fk.expires_in = 7200;
	fk.counts = json_object();
	fk.autoreply = json_loads(fake_autoreply_default, 0, &jerr);
	if (fk.autoreply == NULL) {
		fprintf(stderr, "fake_wechat: fixture: %s\n", jerr.text);
		return 1;
	}
	fake_new_token();
	fk.base = event_base_new();
	http = evhttp_new(fk.base);
	evhttp_set_max_body_size(http, FAKE_MAX_BODY);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	evhttp_set_gencb(http, fake_request_cb, NULL);
	bs = evhttp_bind_socket_with_handle(http, "127.0.0.1",
	    (ev_uint16_t)port);
	if (bs == NULL) {
		fprintf(stderr, "fake_wechat: cannot listen on 127.0.0.1:%d\n",
		    port);
		return 1;
	}
	if (getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&sin, &slen) != 0)
		return 1;
	printf("PORT=%d\n", ntohs(sin.sin_port));
	fflush(stdout);
	sig = evsignal_new(fk.base, SIGTERM, fake_signal_cb, fk.base);
	event_add(sig, NULL);
	event_base_dispatch(fk.base);
	event_free(sig);
	evhttp_free(http);
	event_base_free(fk.base);
	json_decref(fk.counts);
	json_decref(fk.menu);
	json_decref(fk.autoreply);
	if (fk.log != NULL)
		fclose(fk.log);
	return 0;
}
