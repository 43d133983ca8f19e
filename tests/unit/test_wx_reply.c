/*
 * test_wx_reply — passive reply rendering (protocol doc §6.2) checked by
 * parsing every rendering back with wx_msg_parse, the §3.6 envelope and
 * CDATA cleaning.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "handlers/callback/wx_msg.h"
#include "handlers/callback/wx_reply.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* A reply goes back to the resident, from the account. */
static const char TO[] = "oAbCdEfGhIjKlMnOpQrStUvWxYz0";
static const char FROM[] = "gh_0123456789ab";
#define NOW	UINT64_C(1700000001)

/* One field expected after the header, in document order. */
struct want {
	const char	*path;
	const char	*value;
};

struct rt_case {
	const char	*name;
	struct wx_reply	 r;
	const char	*msg_type;
	struct want	 f[12];
};

static const struct wx_article one_article[] = {
	{ "T", "D", "https://example.com/p.jpg", "https://example.com/a" },
};

static const struct wx_article cjk_article[] = {
	{ "王哥庄街道2020年政府信息公开工作年度报告",
	  "一文看懂 <b>&</b> ]]> 公开", NULL, "http://www.laoshan.gov.cn/" },
};

static struct rt_case rt_cases[] = {
	{ "text", { .type = WX_REPLY_TEXT, .content = "hello" }, "text",
	  { { "Content", "hello" } } },
	{ "text-link", { .type = WX_REPLY_TEXT,
	  .content = "办事指南：\n<a href=\"https://example.com/?a=1&b=2\">"
	  "点这里</a>" }, "text",
	  { { "Content", "办事指南：\n"
	  "<a href=\"https://example.com/?a=1&b=2\">点这里</a>" } } },
	{ "text-emoji", { .type = WX_REPLY_TEXT,
	  .content = "你好😀 hello 👨‍👩‍👧" }, "text",
	  { { "Content", "你好😀 hello 👨‍👩‍👧" } } },
	{ "text-cdata-end", { .type = WX_REPLY_TEXT, .content = "a]]>b" },
	  "text", { { "Content", "a]]>b" } } },
	{ "text-cdata-only", { .type = WX_REPLY_TEXT, .content = "]]>" },
	  "text", { { "Content", "]]>" } } },
	{ "text-cdata-many", { .type = WX_REPLY_TEXT,
	  .content = "]]>]]>x]]]>>y]]]]>>z]]" }, "text",
	  { { "Content", "]]>]]>x]]]>>y]]]]>>z]]" } } },
	{ "text-cdata-open", { .type = WX_REPLY_TEXT,
	  .content = "<![CDATA[x]]></Content></xml>" }, "text",
	  { { "Content", "<![CDATA[x]]></Content></xml>" } } },
	{ "text-tab-nl", { .type = WX_REPLY_TEXT, .content = "a\tb\nc" },
	  "text", { { "Content", "a\tb\nc" } } },
	{ "image", { .type = WX_REPLY_IMAGE, .media_id = "MEDIA_img" },
	  "image", { { "Image/MediaId", "MEDIA_img" } } },
	{ "voice", { .type = WX_REPLY_VOICE, .media_id = "MEDIA_voice" },
	  "voice", { { "Voice/MediaId", "MEDIA_voice" } } },
	{ "video", { .type = WX_REPLY_VIDEO, .media_id = "MEDIA_video",
	  .title = "办事视频", .description = "如何办理 ]]> 社保" }, "video",
	  { { "Video/MediaId", "MEDIA_video" },
	    { "Video/Title", "办事视频" },
	    { "Video/Description", "如何办理 ]]> 社保" } } },
	{ "video-bare", { .type = WX_REPLY_VIDEO, .media_id = "MEDIA_v2" },
	  "video", { { "Video/MediaId", "MEDIA_v2" } } },
	{ "music", { .type = WX_REPLY_MUSIC, .title = "T", .description = "D",
	  .music_url = "http://example.com/m.mp3?a=1&b=2",
	  .hq_music_url = "http://example.com/hq.mp3",
	  .thumb_media_id = "THUMB" }, "music",
	  { { "Music/Title", "T" }, { "Music/Description", "D" },
	    { "Music/MusicUrl", "http://example.com/m.mp3?a=1&b=2" },
	    { "Music/HQMusicUrl", "http://example.com/hq.mp3" },
	    { "Music/ThumbMediaId", "THUMB" } } },
	{ "music-bare", { .type = WX_REPLY_MUSIC, .thumb_media_id = "TH" },
	  "music", { { "Music/ThumbMediaId", "TH" } } },
	{ "news", { .type = WX_REPLY_NEWS, .articles = one_article,
	  .narticles = 1 }, "news",
	  { { "ArticleCount", "1" }, { "Articles/item/Title", "T" },
	    { "Articles/item/Description", "D" },
	    { "Articles/item/PicUrl", "https://example.com/p.jpg" },
	    { "Articles/item/Url", "https://example.com/a" } } },
	{ "news-cjk", { .type = WX_REPLY_NEWS, .articles = cjk_article,
	  .narticles = 1 }, "news",
	  { { "ArticleCount", "1" },
	    { "Articles/item/Title",
	      "王哥庄街道2020年政府信息公开工作年度报告" },
	    { "Articles/item/Description", "一文看懂 <b>&</b> ]]> 公开" },
	    { "Articles/item/PicUrl", "" },
	    { "Articles/item/Url", "http://www.laoshan.gov.cn/" } } },
};

static struct wx_msg *
render_parse(const struct wx_reply *r, char **xml, size_t *len)
{
	struct wx_msg	*m = NULL;

	assert_int_equal(wx_reply_render(r, TO, FROM, NOW, xml, len),
	    WX_REPLY_OK);
	assert_non_null(*xml);
	assert_int_equal(strlen(*xml), *len);
	assert_int_equal(wx_msg_parse(*xml, *len, &m), WX_MSG_OK);
	return m;
}

/* The header of §6.2, first and in order. */
static void
assert_header(const struct wx_msg *m, const char *msg_type)
{
	assert_true(m->nfields >= 4);
	assert_string_equal(m->fields[0].path, "ToUserName");
	assert_string_equal(m->fields[0].value, TO);
	assert_string_equal(m->fields[1].path, "FromUserName");
	assert_string_equal(m->fields[1].value, FROM);
	assert_string_equal(m->fields[2].path, "CreateTime");
	assert_string_equal(m->fields[2].value, "1700000001");
	assert_true(m->create_time == NOW);
	assert_string_equal(m->fields[3].path, "MsgType");
	assert_string_equal(m->fields[3].value, msg_type);
}

static void
test_roundtrip(void **state)
{
	const struct rt_case *c = *state;
	struct wx_msg	*m;
	char		*xml;
	size_t		 len, i;

	m = render_parse(&c->r, &xml, &len);
	assert_header(m, c->msg_type);
	for (i = 0; i < NELEM(c->f) && c->f[i].path != NULL; i++) {
		assert_true(4 + i < m->nfields);
		assert_string_equal(m->fields[4 + i].path, c->f[i].path);
		assert_string_equal(m->fields[4 + i].value, c->f[i].value);
	}
	assert_int_equal(m->nfields, 4 + i);
	/* Plain text never leaves CDATA: nothing is escaped. */
	assert_null(strstr(xml, "&amp;"));
	assert_null(strstr(xml, "&lt;"));
	wx_msg_free(m);
	free(xml);
}

/* Byte-exact against the example of protocol doc §6.2. */
static void
test_exact_news(void **state)
{
	static const char want[] =
	    "<xml><ToUserName><![CDATA[oAbCdEfGhIjKlMnOpQrStUvWxYz0]]>"
	    "</ToUserName><FromUserName><![CDATA[gh_0123456789ab]]>"
	    "</FromUserName><CreateTime>1700000001</CreateTime><MsgType>"
	    "<![CDATA[news]]></MsgType><ArticleCount>1</ArticleCount>"
	    "<Articles><item><Title><![CDATA[T]]></Title><Description>"
	    "<![CDATA[D]]></Description><PicUrl><![CDATA["
	    "https://example.com/p.jpg]]></PicUrl><Url><![CDATA["
	    "https://example.com/a]]></Url></item></Articles></xml>";
	struct wx_reply	 r = { .type = WX_REPLY_NEWS,
	    .articles = one_article, .narticles = 1 };
	char		*xml;
	size_t		 len;

	(void)state;
	assert_int_equal(wx_reply_render(&r, TO, FROM, NOW, &xml, &len),
	    WX_REPLY_OK);
	assert_int_equal(len, sizeof(want) - 1);
	assert_string_equal(xml, want);
	free(xml);
}

static void
test_exact_text(void **state)
{
	static const char want[] =
	    "<xml><ToUserName><![CDATA[oAbCdEfGhIjKlMnOpQrStUvWxYz0]]>"
	    "</ToUserName><FromUserName><![CDATA[gh_0123456789ab]]>"
	    "</FromUserName><CreateTime>1700000001</CreateTime><MsgType>"
	    "<![CDATA[text]]></MsgType><Content><![CDATA[a]]]]><![CDATA[>b"
	    "]]></Content></xml>";
	struct wx_reply	 r = { .type = WX_REPLY_TEXT, .content = "a]]>b" };
	char		*xml;
	size_t		 len;

	(void)state;
	assert_int_equal(wx_reply_render(&r, TO, FROM, NOW, &xml, &len),
	    WX_REPLY_OK);
	assert_string_equal(xml, want);
	free(xml);
	/* CreateTime is a bare integer, 0 and the maximum included. */
	assert_int_equal(wx_reply_render(&r, TO, FROM, 0, &xml, &len),
	    WX_REPLY_OK);
	assert_non_null(strstr(xml, "<CreateTime>0</CreateTime>"));
	free(xml);
	assert_int_equal(wx_reply_render(&r, TO, FROM, UINT64_MAX, &xml,
	    &len), WX_REPLY_OK);
	assert_non_null(strstr(xml,
	    "<CreateTime>18446744073709551615</CreateTime>"));
	free(xml);
}

static void
test_news_max(void **state)
{
	struct wx_article a[WX_REPLY_MAX_ARTICLES];
	struct wx_reply	 r = { .type = WX_REPLY_NEWS, .articles = a,
	    .narticles = WX_REPLY_MAX_ARTICLES };
	char		 titles[WX_REPLY_MAX_ARTICLES][16];
	char		 count[8];
	struct wx_msg	*m;
	char		*xml;
	size_t		 len, i;

	(void)state;
	for (i = 0; i < WX_REPLY_MAX_ARTICLES; i++) {
		snprintf(titles[i], sizeof(titles[i]), "title %zu", i);
		a[i] = (struct wx_article){ titles[i], "d", "p", "u" };
	}
	m = render_parse(&r, &xml, &len);
	assert_header(m, "news");
	snprintf(count, sizeof(count), "%d", WX_REPLY_MAX_ARTICLES);
	assert_string_equal(wx_msg_get(m, "ArticleCount"), count);
	assert_int_equal(m->nfields, 5 + 4 * WX_REPLY_MAX_ARTICLES);
	for (i = 0; i < WX_REPLY_MAX_ARTICLES; i++)
		assert_string_equal(wx_msg_get_nth(m, "Articles/item/Title",
		    i), titles[i]);
	assert_null(wx_msg_get_nth(m, "Articles/item/Title",
	    WX_REPLY_MAX_ARTICLES));
	wx_msg_free(m);
	free(xml);
}

static void
test_none(void **state)
{
	struct wx_reply	 r = { .type = WX_REPLY_NONE, .content = "x" };
	char		*xml;
	size_t		 len;

	(void)state;
	assert_int_equal(wx_reply_render(&r, TO, FROM, NOW, &xml, &len),
	    WX_REPLY_OK);
	assert_int_equal(len, 7);
	assert_memory_equal(xml, "success", 8);
	free(xml);
	/* Addressing does not matter when nothing is said. */
	assert_int_equal(wx_reply_render(&r, NULL, NULL, 0, &xml, &len),
	    WX_REPLY_OK);
	assert_string_equal(xml, "success");
	free(xml);
}

static void
test_invalid(void **state)
{
	static const struct wx_article untitled[] = {
		{ NULL, "d", "p", NULL },
	};
	static const struct {
		const char	*name;
		struct wx_reply	 r;
	} cases[] = {
		{ "text-null", { .type = WX_REPLY_TEXT } },
		{ "text-empty", { .type = WX_REPLY_TEXT, .content = "" } },
		{ "text-only-ctl", { .type = WX_REPLY_TEXT,
		  .content = "\x01\x02\x1F\x0B" } },
		{ "text-only-bad-utf8", { .type = WX_REPLY_TEXT,
		  .content = "\xFF\xC3\xED\xA0\x80" } },
		{ "image-no-media", { .type = WX_REPLY_IMAGE } },
		{ "image-empty-media", { .type = WX_REPLY_IMAGE,
		  .media_id = "" } },
		{ "voice-no-media", { .type = WX_REPLY_VOICE,
		  .content = "x" } },
		{ "video-no-media", { .type = WX_REPLY_VIDEO, .title = "t" } },
		{ "music-no-thumb", { .type = WX_REPLY_MUSIC, .title = "t",
		  .music_url = "http://example.com/m.mp3" } },
		{ "news-zero", { .type = WX_REPLY_NEWS,
		  .articles = one_article, .narticles = 0 } },
		{ "news-null", { .type = WX_REPLY_NEWS, .narticles = 1 } },
		{ "news-nine", { .type = WX_REPLY_NEWS,
		  .articles = one_article,
		  .narticles = WX_REPLY_MAX_ARTICLES + 1 } },
		{ "news-untitled", { .type = WX_REPLY_NEWS,
		  .articles = untitled, .narticles = 1 } },
		{ "bad-type", { .type = (enum wx_reply_type)42,
		  .content = "x", .media_id = "m" } },
	};
	struct wx_reply	 ok = { .type = WX_REPLY_TEXT, .content = "x" };
	char		*xml;
	size_t		 len, i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		xml = (char *)0x1;
		len = 99;
		if (wx_reply_render(&cases[i].r, TO, FROM, NOW, &xml, &len) !=
		    WX_REPLY_ERR_INVALID)
			fail_msg("%s: not refused", cases[i].name);
		assert_null(xml);
		assert_int_equal(len, 0);
	}
	assert_int_equal(wx_reply_render(NULL, TO, FROM, NOW, &xml, &len),
	    WX_REPLY_ERR_INVALID);
	assert_int_equal(wx_reply_render(&ok, NULL, FROM, NOW, &xml, &len),
	    WX_REPLY_ERR_INVALID);
	assert_int_equal(wx_reply_render(&ok, TO, "", NOW, &xml, &len),
	    WX_REPLY_ERR_INVALID);
	assert_null(xml);
}

/* Input text, and what a parser reads back from the rendering. */
static void
test_clean(void **state)
{
	static const struct {
		const char	*in;
		const char	*out;
	} cases[] = {
		{ "a\x01" "b\x08" "c\x0B" "d\x0C" "e\x0E" "f\x1F" "g",
		  "abcdefg" },
		{ "\x7F" "DEL and C1 \xC2\x85 kept",
		  "\x7F" "DEL and C1 \xC2\x85 kept" },
		{ "bad\xFF" "byte", "badbyte" },
		{ "lone\x80" "cont", "lonecont" },
		{ "cut\xE4\xBD", "cut" },
		{ "cut\xE4\xBD" "x", "cutx" },
		{ "overlong\xC0\xAF" "/", "overlong/" },
		{ "overlong3\xE0\x80\xAF", "overlong3" },
		{ "surrogate\xED\xA0\x80" "!", "surrogate!" },
		{ "nonchar\xEF\xBF\xBE\xEF\xBF\xBF" "!", "nonchar!" },
		{ "big\xF4\x90\x80\x80" "!", "big!" },
		{ "max\xF4\x8F\xBF\xBF" "!", "max\xF4\x8F\xBF\xBF" "!" },
		{ "bmp-end\xEF\xBF\xBD", "bmp-end\xEF\xBF\xBD" },
		/* A dropped character must not hide a "]]>". */
		{ "x]]\x01>y", "x]]>y" },
		{ "x]\x01]\x02>y", "x]]>y" },
		{ "x]]\xFF>y", "x]]>y" },
		/* Line ends are kept; XML parsers read CR as LF. */
		{ "a\r\nb\rc", "a\nb\nc" },
	};
	struct wx_reply	 r = { .type = WX_REPLY_TEXT };
	struct wx_msg	*m;
	char		*xml;
	size_t		 len, i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		r.content = cases[i].in;
		m = render_parse(&r, &xml, &len);
		assert_string_equal(m->content, cases[i].out);
		wx_msg_free(m);
		free(xml);
	}
	r.content = "a\r\nb";
	assert_int_equal(wx_reply_render(&r, TO, FROM, NOW, &xml, &len),
	    WX_REPLY_OK);
	assert_non_null(strstr(xml, "<![CDATA[a\r\nb]]>"));
	free(xml);
	/* Header strings are cleaned the same way. */
	r.content = "x";
	assert_int_equal(wx_reply_render(&r, "o]]>\x01", FROM, NOW, &xml,
	    &len), WX_REPLY_OK);
	assert_int_equal(wx_msg_parse(xml, len, &m), WX_MSG_OK);
	assert_string_equal(m->to_user, "o]]>");
	wx_msg_free(m);
	free(xml);
}

/* Long replies, and the ceiling against runaway input. */
static void
test_sizes(void **state)
{
	struct wx_reply	 r = { .type = WX_REPLY_TEXT };
	struct wx_msg	*m;
	char		*text, *xml;
	size_t		 len, n = 2000, i;

	(void)state;
	/* 2000 × "你]]>😀" = 20 000 bytes of text. */
	text = malloc(n * 10 + 1);
	assert_non_null(text);
	for (i = 0; i < n; i++)
		memcpy(text + i * 10, "你]]>😀", 10);
	text[n * 10] = '\0';
	r.content = text;
	m = render_parse(&r, &xml, &len);
	assert_string_equal(m->content, text);
	wx_msg_free(m);
	free(xml);
	free(text);

	n = 2 * 1024 * 1024;
	text = malloc(n + 1);
	assert_non_null(text);
	memset(text, 'x', n);
	text[n] = '\0';
	r.content = text;
	xml = (char *)0x1;
	assert_int_equal(wx_reply_render(&r, TO, FROM, NOW, &xml, &len),
	    WX_REPLY_ERR_INVALID);
	assert_null(xml);
	free(text);
}

/* Protocol doc §4.2 (b): the reply envelope with its exact strings. */
static const char ENC_B[] =
    "ELGduP2YcVatjqIS+eZbp80MNLoAUWvzzyJxgGzxZO/5sAvd070Bs6qrLARC9nVHm48Y"
    "4hyRbtzve1L32tmxSQ==";
static const char SIG_B[] = "1b9339964ed2e271e7c7b6ff2b0ef902fc94dea1";

static void
test_envelope(void **state)
{
	static const char want[] =
	    "<xml><Encrypt><![CDATA[ELGduP2YcVatjqIS+eZbp80MNLoAUWvzzyJxgGz"
	    "xZO/5sAvd070Bs6qrLARC9nVHm48Y4hyRbtzve1L32tmxSQ==]]></Encrypt>"
	    "<MsgSignature><![CDATA[1b9339964ed2e271e7c7b6ff2b0ef902fc94dea1"
	    "]]></MsgSignature><TimeStamp>1713424427</TimeStamp><Nonce>"
	    "<![CDATA[415670741]]></Nonce></xml>";
	struct wx_msg	*m;
	char		*xml;
	size_t		 len;

	(void)state;
	assert_int_equal(wx_reply_envelope(ENC_B, SIG_B, "1713424427",
	    "415670741", &xml, &len), WX_REPLY_OK);
	assert_int_equal(len, sizeof(want) - 1);
	assert_string_equal(xml, want);
	assert_int_equal(wx_msg_parse(xml, len, &m), WX_MSG_OK);
	assert_int_equal(m->nfields, 4);
	assert_string_equal(m->encrypt, ENC_B);
	assert_string_equal(wx_msg_get(m, "MsgSignature"), SIG_B);
	assert_string_equal(wx_msg_get(m, "TimeStamp"), "1713424427");
	assert_string_equal(wx_msg_get(m, "Nonce"), "415670741");
	assert_string_equal(m->fields[0].path, "Encrypt");
	assert_string_equal(m->fields[3].path, "Nonce");
	wx_msg_free(m);
	free(xml);
}

/* Signed strings are refused, never altered. */
static void
test_envelope_invalid(void **state)
{
	static const struct {
		const char	*enc, *sig, *ts, *nonce;
	} cases[] = {
		{ NULL, SIG_B, "1", "n" },
		{ ENC_B, NULL, "1", "n" },
		{ ENC_B, SIG_B, NULL, "n" },
		{ ENC_B, SIG_B, "1", NULL },
		{ "", SIG_B, "1", "n" },
		{ ENC_B, SIG_B, "", "n" },
		{ ENC_B, SIG_B, "1", "" },
		{ ENC_B, SIG_B, "17a", "n" },
		{ ENC_B, SIG_B, " 17", "n" },
		{ ENC_B, SIG_B, "-17", "n" },
		{ ENC_B, SIG_B, "1<a/>", "n" },
		{ ENC_B, SIG_B, "123456789012345678901", "n" },
		{ "ab]]>cd", SIG_B, "1", "n" },
		{ ENC_B, SIG_B, "1", "n\x01" },
		{ ENC_B, "sig\xFF", "1", "n" },
	};
	char		*xml;
	size_t		 len, i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		xml = (char *)0x1;
		if (wx_reply_envelope(cases[i].enc, cases[i].sig, cases[i].ts,
		    cases[i].nonce, &xml, &len) != WX_REPLY_ERR_INVALID)
			fail_msg("envelope case %zu not refused", i);
		assert_null(xml);
	}
	/* 20 digits is the most a uint64 needs: accepted. */
	assert_int_equal(wx_reply_envelope(ENC_B, SIG_B,
	    "18446744073709551615", "n", &xml, &len), WX_REPLY_OK);
	free(xml);
}

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_exact_news),
		cmocka_unit_test(test_exact_text),
		cmocka_unit_test(test_news_max),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_envelope),
		cmocka_unit_test(test_envelope_invalid),
	};
	struct CMUnitTest tests[NELEM(rt_cases) + NELEM(fixed)];
	char		 names[NELEM(rt_cases)][48];
	size_t		 i, n = 0;

	for (i = 0; i < NELEM(rt_cases); i++) {
		snprintf(names[i], sizeof(names[i]), "roundtrip:%s",
		    rt_cases[i].name);
		tests[n++] = (struct CMUnitTest){ names[i], test_roundtrip,
		    NULL, NULL, &rt_cases[i] };
	}
	for (i = 0; i < NELEM(fixed); i++)
		tests[n++] = fixed[i];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
