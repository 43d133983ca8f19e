/*
 * test_kb_load — knowledge-base validation: every rule of the schema gives
 * an error that names the item (or line:column) and the rule; warnings do
 * not stop a load; every error of a file is reported, not only the first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "kb/kb.h"

#define HEAD	"{\"version\":1,\"account\":\"山海小王哥庄\"," \
		"\"welcome\":{\"type\":\"text\",\"content\":\"w\"}," \
		"\"fallback\":{\"type\":\"text\",\"content\":\"f\"},"
#define REPLY	"\"reply\":{\"type\":\"text\",\"content\":\"c\"}"
/* A valid item with id and keyword, plus extra members. */
#define ITEM(id, kw, extra) "{\"id\":\"" id "\",\"title\":\"标题\"," \
		"\"keywords\":[\"" kw "\"]," REPLY extra "}"
#define DOC(items)	HEAD "\"items\":[" items "]}"
/* A file with synonym groups (a JSON array) and items. */
#define SYN(groups, items) HEAD "\"synonyms\":" groups ",\"items\":[" \
		items "]}"

struct load_case {
	const char	*name;
	const char	*json;
	int		 rc;
	const char	*want;		/* substring of the formatted diag */
	size_t		 nerrors;	/* exact count when not 0 */
};

static const struct load_case load_cases[] = {
	/* Syntax: line:column from the parser. */
	{ "truncated", "{\"version\": 1,", KB_ERR_SYNTAX, "t.json:1:", 1 },
	{ "syntax line 3", "{\n\"version\": 1,\n\"account\": }",
	  KB_ERR_SYNTAX, "t.json:3:", 1 },
	{ "duplicate key", "{\"version\":1,\"version\":1}", KB_ERR_SYNTAX,
	  "duplicate object key", 1 },
	{ "not an object", "[1,2]", KB_ERR_SCHEMA,
	  "t.json: error: the top level must be an object", 1 },
	/* Top level. */
	{ "version 2", "{\"version\":2,\"account\":\"a\","
	  "\"welcome\":{\"type\":\"text\",\"content\":\"w\"},"
	  "\"fallback\":{\"type\":\"text\",\"content\":\"f\"},\"items\":[]}",
	  KB_ERR_SCHEMA, "t.json: error: version: must be 1", 1 },
	{ "version missing", "{\"account\":\"a\","
	  "\"welcome\":{\"type\":\"text\",\"content\":\"w\"},"
	  "\"fallback\":{\"type\":\"text\",\"content\":\"f\"},\"items\":[]}",
	  KB_ERR_SCHEMA, "version: missing", 1 },
	{ "account missing", "{\"version\":1,"
	  "\"welcome\":{\"type\":\"text\",\"content\":\"w\"},"
	  "\"fallback\":{\"type\":\"text\",\"content\":\"f\"},\"items\":[]}",
	  KB_ERR_SCHEMA, "account: missing", 1 },
	{ "welcome missing", "{\"version\":1,\"account\":\"a\","
	  "\"fallback\":{\"type\":\"text\",\"content\":\"f\"},\"items\":[]}",
	  KB_ERR_SCHEMA, "welcome: missing", 1 },
	{ "fallback not an object", "{\"version\":1,\"account\":\"a\","
	  "\"welcome\":{\"type\":\"text\",\"content\":\"w\"},"
	  "\"fallback\":\"call us\",\"items\":[]}",
	  KB_ERR_SCHEMA, "fallback: must be a reply object", 1 },
	{ "fallback text empty", "{\"version\":1,\"account\":\"a\","
	  "\"welcome\":{\"type\":\"text\",\"content\":\"w\"},"
	  "\"fallback\":{\"type\":\"text\",\"content\":\"\"},\"items\":[]}",
	  KB_ERR_SCHEMA, "fallback.content: must not be empty", 1 },
	{ "items not an array", HEAD "\"items\":{}}", KB_ERR_SCHEMA,
	  "items: must be an array", 1 },
	{ "items missing", "{\"version\":1,\"account\":\"a\","
	  "\"welcome\":{\"type\":\"text\",\"content\":\"w\"},"
	  "\"fallback\":{\"type\":\"text\",\"content\":\"f\"}}",
	  KB_ERR_SCHEMA, "items: missing", 1 },
	/* Items. */
	{ "item not an object", DOC("42"), KB_ERR_SCHEMA,
	  "item #1: error: must be an object", 1 },
	{ "id missing", DOC("{\"title\":\"t\",\"keywords\":[\"k\"]," REPLY "}"),
	  KB_ERR_SCHEMA, "item #1: error: id: missing", 1 },
	{ "id bad characters", DOC(ITEM("Bad_Id", "k", "")), KB_ERR_SCHEMA,
	  "item #1: error: id: must be 1 to 64 characters", 1 },
	{ "id too long", DOC(ITEM("a123456789012345678901234567890123456789"
	  "0123456789012345678901234", "k", "")), KB_ERR_SCHEMA,
	  "id: must be 1 to 64", 1 },
	{ "id not a string", DOC("{\"id\":7,\"title\":\"t\",\"keywords\":"
	  "[\"k\"]," REPLY "}"), KB_ERR_SCHEMA, "item #1: error: id:", 1 },
	{ "id duplicate", DOC(ITEM("a", "k1", "") "," ITEM("a", "k2", "")),
	  KB_ERR_SCHEMA, "item a: error: id: duplicate, also the id of item "
	  "#1", 1 },
	{ "title missing", DOC("{\"id\":\"a\",\"keywords\":[\"k\"]," REPLY
	  "}"), KB_ERR_SCHEMA, "item a: error: title: missing", 1 },
	{ "title empty", DOC("{\"id\":\"a\",\"title\":\"\",\"keywords\":"
	  "[\"k\"]," REPLY "}"), KB_ERR_SCHEMA,
	  "item a: error: title: must not be empty", 1 },
	{ "keywords missing", DOC("{\"id\":\"a\",\"title\":\"t\"," REPLY "}"),
	  KB_ERR_SCHEMA, "item a: error: keywords: missing", 1 },
	{ "keywords empty", DOC("{\"id\":\"a\",\"title\":\"t\",\"keywords\":[],"
	  REPLY "}"), KB_ERR_SCHEMA,
	  "item a: error: keywords: must hold 1 to 32 keywords, not 0", 1 },
	{ "33 keywords", DOC("{\"id\":\"a\",\"title\":\"t\",\"keywords\":["
	  "\"k1\",\"k2\",\"k3\",\"k4\",\"k5\",\"k6\",\"k7\",\"k8\",\"k9\","
	  "\"k10\",\"k11\",\"k12\",\"k13\",\"k14\",\"k15\",\"k16\",\"k17\","
	  "\"k18\",\"k19\",\"k20\",\"k21\",\"k22\",\"k23\",\"k24\",\"k25\","
	  "\"k26\",\"k27\",\"k28\",\"k29\",\"k30\",\"k31\",\"k32\",\"k33\"],"
	  REPLY "}"), KB_ERR_SCHEMA, "keywords: must hold 1 to 32 keywords, "
	  "not 33", 1 },
	{ "keyword too long", DOC(ITEM("a", "一二三四五六七八九十一二三四五六七"
	  "八九十一二", "")), KB_ERR_SCHEMA,
	  "item a: error: keywords[0]: \"一二三四五六七八九十一二三四五六...\""
	  " must be 1 to 64 bytes, not 66", 1 },
	{ "keyword empty", DOC(ITEM("a", "", "")), KB_ERR_SCHEMA,
	  "item a: error: keywords[0]: \"\" must be 1 to 64 bytes", 1 },
	{ "keyword not a string", DOC("{\"id\":\"a\",\"title\":\"t\","
	  "\"keywords\":[1]," REPLY "}"), KB_ERR_SCHEMA,
	  "item a: error: keywords[0]: must be a string", 1 },
	{ "keyword only punctuation", DOC(ITEM("a", "？！。", "")),
	  KB_ERR_SCHEMA, "item a: error: keywords[0]: \"？！。\" has no letter "
	  "or digit left after normalization", 1 },
	{ "match bad", DOC(ITEM("a", "k", ",\"match\":\"fuzzy\"")),
	  KB_ERR_SCHEMA, "item a: error: match: must be \"contains\" or "
	  "\"exact\"", 1 },
	{ "priority string", DOC(ITEM("a", "k", ",\"priority\":\"high\"")),
	  KB_ERR_SCHEMA, "item a: error: priority: must be an integer", 1 },
	{ "priority real", DOC(ITEM("a", "k", ",\"priority\":1.5")),
	  KB_ERR_SCHEMA, "item a: error: priority: must be an integer", 1 },
	{ "menu_key too long", DOC(ITEM("a", "k", ",\"menu_key\":\""
	  "0123456789012345678901234567890123456789012345678901234567890123"
	  "456789012345678901234567890123456789012345678901234567890123456789"
	  "\"")), KB_ERR_SCHEMA,
	  "item a: error: menu_key: longer than 128 bytes", 1 },
	{ "menu_key empty", DOC(ITEM("a", "k", ",\"menu_key\":\"\"")),
	  KB_ERR_SCHEMA, "item a: error: menu_key: must not be empty", 1 },
	{ "menu_name without menu_key", DOC(ITEM("a", "k",
	  ",\"menu_name\":\"联系我们\"")), KB_ERR_SCHEMA,
	  "item a: error: menu_name: there is no menu_key", 1 },
	{ "menu_name wider than a top-level button shows", DOC(ITEM("a", "k",
	  ",\"menu_key\":\"M\",\"menu_name\":\"街道联系方式\"")),
	  KB_ERR_SCHEMA, "item a: error: menu_name: \"街道联系方式\" is 6 "
	  "Chinese characters wide; WeChat shows 4 on a top-level button", 1 },
	{ "menu_name wider than a sub-button shows", DOC(ITEM("a", "k",
	  ",\"menu_key\":\"M\",\"menu_group\":\"便民服务\",\"menu_name\":"
	  "\"街道党政办公室联系方式\"")), KB_ERR_SCHEMA,
	  "WeChat shows 8 on a sub-button", 1 },
	{ "menu_name of 8 below", DOC(ITEM("a", "k",
	  ",\"menu_key\":\"M\",\"menu_group\":\"便民服务\",\"menu_name\":"
	  "\"办公室联系方式ab\"")),
	  KB_OK, "", 0 },
	{ "menu_key duplicate", DOC(ITEM("a", "k1", ",\"menu_key\":\"M\"") ","
	  ITEM("b", "k2", ",\"menu_key\":\"M\"")), KB_ERR_SCHEMA,
	  "item b: error: menu_key: \"M\" is also the menu_key of item \"a\"",
	  1 },
	/* Replies. */
	{ "reply missing", DOC("{\"id\":\"a\",\"title\":\"t\",\"keywords\":"
	  "[\"k\"]}"), KB_ERR_SCHEMA, "item a: error: reply: missing", 1 },
	{ "reply a string", DOC("{\"id\":\"a\",\"title\":\"t\",\"keywords\":"
	  "[\"k\"],\"reply\":\"hi\"}"), KB_ERR_SCHEMA,
	  "item a: error: reply: must be a reply object", 1 },
	{ "reply type unknown", DOC("{\"id\":\"a\",\"title\":\"t\","
	  "\"keywords\":[\"k\"],\"reply\":{\"type\":\"link\"}}"),
	  KB_ERR_SCHEMA, "item a: error: reply.type: \"link\" is not text", 1 },
	{ "reply type missing", DOC("{\"id\":\"a\",\"title\":\"t\","
	  "\"keywords\":[\"k\"],\"reply\":{\"content\":\"c\"}}"),
	  KB_ERR_SCHEMA, "item a: error: reply.type: missing", 1 },
	{ "text without content", DOC("{\"id\":\"a\",\"title\":\"t\","
	  "\"keywords\":[\"k\"],\"reply\":{\"type\":\"text\"}}"),
	  KB_ERR_SCHEMA, "item a: error: reply.content: missing", 1 },
	{ "news without articles", DOC("{\"id\":\"a\",\"title\":\"t\","
	  "\"keywords\":[\"k\"],\"reply\":{\"type\":\"news\"}}"),
	  KB_ERR_SCHEMA, "item a: error: reply.articles: missing", 1 },
	{ "news zero articles", DOC("{\"id\":\"a\",\"title\":\"t\","
	  "\"keywords\":[\"k\"],\"reply\":{\"type\":\"news\","
	  "\"articles\":[]}}"), KB_ERR_SCHEMA,
	  "reply.articles: must hold 1 to 8 articles, not 0", 1 },
	{ "news nine articles", DOC("{\"id\":\"a\",\"title\":\"t\","
	  "\"keywords\":[\"k\"],\"reply\":{\"type\":\"news\",\"articles\":["
	  "{},{},{},{},{},{},{},{},{}]}}"), KB_ERR_SCHEMA,
	  "reply.articles: must hold 1 to 8 articles, not 9", 1 },
	{ "article without title", DOC("{\"id\":\"a\",\"title\":\"t\","
	  "\"keywords\":[\"k\"],\"reply\":{\"type\":\"news\",\"articles\":"
	  "[{\"url\":\"http://x/\"}]}}"), KB_ERR_SCHEMA,
	  "item a: error: reply.articles[0].title: missing", 1 },
	{ "article without url", DOC("{\"id\":\"a\",\"title\":\"t\","
	  "\"keywords\":[\"k\"],\"reply\":{\"type\":\"news\",\"articles\":"
	  "[{\"title\":\"x\"}]}}"), KB_ERR_SCHEMA,
	  "item a: error: reply.articles[0].url: missing", 1 },
	{ "image without media_id", DOC("{\"id\":\"a\",\"title\":\"t\","
	  "\"keywords\":[\"k\"],\"reply\":{\"type\":\"image\"}}"),
	  KB_ERR_SCHEMA, "item a: error: reply.media_id: missing", 1 },
	{ "voice without media_id", DOC("{\"id\":\"a\",\"title\":\"t\","
	  "\"keywords\":[\"k\"],\"reply\":{\"type\":\"voice\"}}"),
	  KB_ERR_SCHEMA, "item a: error: reply.media_id: missing", 1 },
	{ "video without media_id", DOC("{\"id\":\"a\",\"title\":\"t\","
	  "\"keywords\":[\"k\"],\"reply\":{\"type\":\"video\","
	  "\"title\":\"v\"}}"), KB_ERR_SCHEMA,
	  "item a: error: reply.media_id: missing", 1 },
	{ "music without thumb", DOC("{\"id\":\"a\",\"title\":\"t\","
	  "\"keywords\":[\"k\"],\"reply\":{\"type\":\"music\","
	  "\"music_url\":\"http://m/\"}}"), KB_ERR_SCHEMA,
	  "item a: error: reply.thumb_media_id: missing", 1 },
	{ "reply array without mode", DOC("{\"id\":\"a\",\"title\":\"t\","
	  "\"keywords\":[\"k\"],\"reply\":[{\"type\":\"text\","
	  "\"content\":\"c\"}]}"), KB_ERR_SCHEMA,
	  "item a: error: reply_mode: required when reply is an array", 1 },
	{ "reply_mode bad", DOC("{\"id\":\"a\",\"title\":\"t\","
	  "\"keywords\":[\"k\"],\"reply_mode\":\"some\",\"reply\":"
	  "[{\"type\":\"text\",\"content\":\"c\"}]}"), KB_ERR_SCHEMA,
	  "item a: error: reply_mode: must be \"all\" or \"random_one\"", 1 },
	{ "reply array empty", DOC("{\"id\":\"a\",\"title\":\"t\","
	  "\"keywords\":[\"k\"],\"reply_mode\":\"all\",\"reply\":[]}"),
	  KB_ERR_SCHEMA, "item a: error: reply: an array of 1 to 8 replies, "
	  "not 0", 1 },
	{ "reply array of 9", DOC("{\"id\":\"a\",\"title\":\"t\","
	  "\"keywords\":[\"k\"],\"reply_mode\":\"all\",\"reply\":[{},{},{},{},"
	  "{},{},{},{},{}]}"), KB_ERR_SCHEMA,
	  "reply: an array of 1 to 8 replies, not 9", 1 },
	{ "reply array bad element", DOC("{\"id\":\"a\",\"title\":\"t\","
	  "\"keywords\":[\"k\"],\"reply_mode\":\"random_one\",\"reply\":["
	  "{\"type\":\"text\",\"content\":\"c\"},{\"type\":\"text\"}]}"),
	  KB_ERR_SCHEMA, "item a: error: reply[1].content: missing", 1 },
	/* Dates. */
	{ "updated bad month",
	  DOC(ITEM("a", "k", ",\"updated\":\"2021-13-01\"")),
	  KB_ERR_SCHEMA, "item a: error: updated: \"2021-13-01\" is not a date",
	  1 },
	{ "updated not a date",
	  DOC(ITEM("a", "k", ",\"updated\":\"yesterday\"")),
	  KB_ERR_SCHEMA, "updated: \"yesterday\" is not a date", 1 },
	{ "valid_until no such day", DOC(ITEM("a", "k",
	  ",\"valid_until\":\"2021-02-29\"")), KB_ERR_SCHEMA,
	  "item a: error: valid_until: \"2021-02-29\" is not a date", 1 },
	{ "valid_until april 31", DOC(ITEM("a", "k",
	  ",\"valid_until\":\"2021-04-31\"")), KB_ERR_SCHEMA,
	  "valid_until: \"2021-04-31\" is not a date", 1 },
	{ "source not a string", DOC(ITEM("a", "k", ",\"source\":3")),
	  KB_ERR_SCHEMA, "item a: error: source: must be a string", 1 },
	/* Periods: a year or a range of years. */
	{ "period a year", DOC(ITEM("a", "k", ",\"period\":\"2020\"")),
	  KB_OK, "", 0 },
	{ "period years", DOC(ITEM("a", "k", ",\"period\":\"2019-2020\"")),
	  KB_OK, "", 0 },
	{ "period two digits", DOC(ITEM("a", "k", ",\"period\":\"20\"")),
	  KB_ERR_SCHEMA, "item a: error: period: \"20\" is not a year YYYY "
	  "or years YYYY-YYYY", 1 },
	{ "period backwards", DOC(ITEM("a", "k",
	  ",\"period\":\"2021-2020\"")), KB_ERR_SCHEMA,
	  "period: \"2021-2020\" is not a year", 1 },
	{ "period a number", DOC(ITEM("a", "k", ",\"period\":2020")),
	  KB_ERR_SCHEMA, "item a: error: period: must be a string", 1 },
	/* Synonym groups. */
	{ "synonyms", SYN("[[\"怎么\",\"咋\"],[\"什么\",\"啥\"]]",
	  ITEM("a", "k", "")), KB_OK, "", 0 },
	{ "synonyms not an array", SYN("{}", ITEM("a", "k", "")),
	  KB_ERR_SCHEMA, "t.json: error: synonyms: must be an array of "
	  "groups", 1 },
	{ "synonym group of one", SYN("[[\"咋\"]]", ITEM("a", "k", "")),
	  KB_ERR_SCHEMA, "synonyms[0]: must be an array of 2 to 32 strings",
	  1 },
	{ "synonym member not a string", SYN("[[\"咋\",3]]",
	  ITEM("a", "k", "")), KB_ERR_SCHEMA,
	  "synonyms[0][1]: must be 1 to 64 bytes of UTF-8 text", 1 },
	{ "synonym member punctuation", SYN("[[\"咋\",\"？！\"]]",
	  ITEM("a", "k", "")), KB_ERR_SCHEMA,
	  "synonyms[0][1]: \"？！\" has no letter or digit left", 1 },
	{ "synonym member in two groups", SYN("[[\"什么\",\"啥\"],"
	  "[\"怎么\",\"啥！\"]]", ITEM("a", "k", "")), KB_ERR_SCHEMA,
	  "synonyms[1][1]: \"啥！\" is also in group 0", 1 },
	{ "synonym member twice in a group", SYN("[[\"什么\",\"啥\","
	  "\"啥 \"]]", ITEM("a", "k", "")), KB_OK,
	  "warning: synonyms[0][2]: \"啥 \" repeats a member of its group",
	  0 },
	{ "keywords the synonyms make equal", SYN("[[\"怎么\",\"咋\"]]",
	  "{\"id\":\"a\",\"title\":\"t\",\"keywords\":[\"咋办\","
	  "\"怎么办\"]," REPLY "}"), KB_OK, "item a: warning: keywords[1]: "
	  "\"怎么办\" repeats another keyword of this item once normalized "
	  "(and rewritten by the synonyms)", 0 },
	/* Keywords shared between items. */
	{ "same keyword on two exact items", DOC(ITEM("a", "你好",
	  ",\"match\":\"exact\"") "," ITEM("b", "你 好！",
	  ",\"match\":\"exact\"")), KB_ERR_SCHEMA,
	  "item b: error: keywords[0]: \"你 好！\" is also an exact keyword of "
	  "item \"a\"", 1 },
	/* Warnings only: the load succeeds. */
	{ "same keyword on two contains items", DOC(ITEM("a", "电话", "") ","
	  ITEM("b", "ＴＥＬ电话", "") "," ITEM("c", "电话", "")), KB_OK,
	  "t.json: item c: warning: keywords[0]: \"电话\" is also a keyword of "
	  "item \"a\"", 0 },
	{ "same keyword exact and contains", DOC(ITEM("a", "电话", "") ","
	  ITEM("b", "电话", ",\"match\":\"exact\"")), KB_OK, "", 0 },
	{ "unknown item key", DOC(ITEM("a", "k", ",\"colour\":\"red\"")),
	  KB_OK, "t.json: item a: warning: unknown key \"colour\" ignored", 0 },
	{ "unknown top key", HEAD "\"x\":1,\"items\":[]}", KB_OK,
	  "t.json: warning: unknown key \"x\" ignored", 0 },
	{ "unknown reply key", DOC("{\"id\":\"a\",\"title\":\"t\","
	  "\"keywords\":[\"k\"],\"reply\":{\"type\":\"text\",\"content\":\"c\","
	  "\"media_id\":\"m\"}}"), KB_OK,
	  "item a: warning: reply: unknown key \"media_id\" ignored", 0 },
	{ "keyword repeated in one item", DOC("{\"id\":\"a\",\"title\":\"t\","
	  "\"keywords\":[\"Email\",\"ＥＭＡＩＬ\"]," REPLY "}"), KB_OK,
	  "item a: warning: keywords[1]: \"ＥＭＡＩＬ\" repeats another "
	  "keyword",
	  0 },
	{ "reply_mode with one reply", DOC(ITEM("a", "k",
	  ",\"reply_mode\":\"all\"")), KB_OK,
	  "item a: warning: reply_mode: ignored for a single reply", 0 },
	{ "leap day", DOC(ITEM("a", "k", ",\"valid_until\":\"2024-02-29\"")),
	  KB_OK, "", 0 },
	{ "every field", DOC("{\"id\":\"full-1\",\"title\":\"t\",\"keywords\":"
	  "[\"k\"],\"match\":\"contains\",\"priority\":-3,\"menu_key\":\"K\","
	  "\"menu_group\":\"G\",\"reply_mode\":\"random_one\",\"reply\":["
	  "{\"type\":\"text\",\"content\":\"c\"},"
	  "{\"type\":\"news\",\"articles\":[{\"title\":\"a\",\"description\":"
	  "\"d\",\"url\":\"http://u/\",\"picurl\":\"http://p/\"}]},"
	  "{\"type\":\"image\",\"media_id\":\"m\"},"
	  "{\"type\":\"voice\",\"media_id\":\"m\"},"
	  "{\"type\":\"video\",\"media_id\":\"m\",\"title\":\"t\","
	  "\"description\":\"d\"},"
	  "{\"type\":\"music\",\"thumb_media_id\":\"m\",\"title\":\"t\","
	  "\"description\":\"d\",\"music_url\":\"http://m/\","
	  "\"hq_music_url\":\"http://h/\"}],"
	  "\"source\":\"s\",\"source_url\":\"http://s/\",\"updated\":"
	  "\"2021-01-15\",\"valid_until\":\"2099-12-31\"}"), KB_OK, "", 0 },
	/* All errors of a file, not only the first. */
	{ "three errors", "{\"version\":3,\"account\":\"a\","
	  "\"welcome\":{\"type\":\"text\",\"content\":\"w\"},"
	  "\"fallback\":{\"type\":\"text\",\"content\":\"f\"},\"items\":["
	  ITEM("ok", "k1", "") "," ITEM("BAD", "k2", "") ","
	  ITEM("c", "k3", ",\"match\":\"x\"") "]}", KB_ERR_SCHEMA,
	  "item c: error: match", 3 },
};

static int
run_load(const char *json, size_t len, struct kb **kb, struct kb_diag *d,
    char **text)
{
	int r;

	memset(d, 0, sizeof *d);
	r = kb_load_buffer(json, len, 7, kb, d);
	*text = kb_diag_format(d, "t.json");
	assert_non_null(*text);
	return r;
}

static void
test_load_table(void **state)
{
	const struct load_case *c;
	struct kb_diag d;
	struct kb *kb;
	char *text;
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof load_cases / sizeof load_cases[0]; i++) {
		c = &load_cases[i];
		r = run_load(c->json, strlen(c->json), &kb, &d, &text);
		if (r != c->rc || strstr(text, c->want) == NULL ||
		    (c->nerrors != 0 && d.nerrors != c->nerrors) ||
		    (c->rc == KB_OK && (kb == NULL || d.nerrors != 0)) ||
		    (c->rc != KB_OK && kb != NULL))
			fail_msg("%s: rc %d (want %d), %zu errors (want %zu), "
			    "diag:\n%s\nwant: %s", c->name, r, c->rc, d.nerrors,
			    c->nerrors, text, c->want);
		free(text);
		kb_diag_cleanup(&d);
		kb_unref(kb);
	}
}

/* A file past the size limit is refused before parsing. */
static void
test_load_too_big(void **state)
{
	struct kb_diag d;
	struct kb *kb;
	char *buf, *text;
	int r;

	(void)state;
	buf = malloc(KB_MAX_FILE + 1);
	assert_non_null(buf);
	memset(buf, ' ', KB_MAX_FILE + 1);
	r = run_load(buf, KB_MAX_FILE + 1, &kb, &d, &text);
	assert_int_equal(r, KB_ERR_TOOBIG);
	assert_null(kb);
	assert_non_null(strstr(text, "more than 16777216"));
	free(text);
	free(buf);
	kb_diag_cleanup(&d);
}

/* Appends n minimal items with ids i0..; returns the new length. */
static size_t
put_items(char *buf, size_t len, size_t n, int bad)
{
	size_t i;

	for (i = 0; i < n; i++)
		len += (size_t)sprintf(buf + len, "%s{\"id\":\"i%zu\","
		    "\"title\":"
		    "\"t\",\"keywords\":[\"k%zu\"],\"match\":\"%s\",\"reply\":"
		    "{\"type\":\"text\",\"content\":\"c\"}}", i ? "," : "",
		    i, i, bad ? "bad" : "contains");
	return len;
}

static void
test_load_too_many_items(void **state)
{
	struct kb_diag d;
	struct kb *kb;
	char *buf, *text;
	size_t len;
	int r;

	(void)state;
	buf = malloc(3 * 1024 * 1024);
	assert_non_null(buf);
	len = (size_t)sprintf(buf, "%s\"items\":[", HEAD);
	len = put_items(buf, len, KB_MAX_ITEMS + 1, 0);
	len += (size_t)sprintf(buf + len, "]}");
	r = run_load(buf, len, &kb, &d, &text);
	assert_int_equal(r, KB_ERR_SCHEMA);
	assert_non_null(strstr(text, "items: 20001 items, more than 20000"));
	assert_int_equal(d.nerrors, 1);
	free(text);
	kb_diag_cleanup(&d);

	/* Exactly the limit loads. */
	len = (size_t)sprintf(buf, "%s\"items\":[", HEAD);
	len = put_items(buf, len, KB_MAX_ITEMS, 0);
	len += (size_t)sprintf(buf + len, "]}");
	r = run_load(buf, len, &kb, &d, &text);
	assert_int_equal(r, KB_OK);
	assert_int_equal(kb_nitems(kb), KB_MAX_ITEMS);
	assert_non_null(kb_find_id(kb, "i19999", 0));
	kb_unref(kb);
	free(text);
	kb_diag_cleanup(&d);
	free(buf);
}

/* Thousands of errors: all counted, KB_MAX_DIAG kept, the rest noted. */
static void
test_load_diag_cap(void **state)
{
	struct kb_diag d;
	struct kb *kb;
	char *buf, *text;
	size_t len;
	int r;

	(void)state;
	buf = malloc(1024 * 1024);
	assert_non_null(buf);
	len = (size_t)sprintf(buf, "%s\"items\":[", HEAD);
	len = put_items(buf, len, 1500, 1);
	len += (size_t)sprintf(buf + len, "]}");
	r = run_load(buf, len, &kb, &d, &text);
	assert_int_equal(r, KB_ERR_SCHEMA);
	assert_int_equal(d.nerrors, 1500);
	assert_int_equal(d.n, KB_MAX_DIAG);
	assert_non_null(strstr(text, "t.json: 500 more not shown\n"));
	assert_non_null(strstr(text, "t.json: item i0: error: match"));
	free(text);
	kb_diag_cleanup(&d);
	free(buf);
}

static void
test_load_file_missing(void **state)
{
	struct kb_diag d = { 0 };
	struct kb *kb;
	char *text;
	int r;

	(void)state;
	r = kb_load_file("tests/data/kb/no-such-file.json", 1, &kb, &d);
	assert_int_equal(r, KB_ERR_IO);
	assert_null(kb);
	text = kb_diag_format(&d, "x");
	assert_non_null(strstr(text, "No such file"));
	free(text);
	kb_diag_cleanup(&d);
	/* A NULL diag is allowed. */
	r = kb_load_file("tests/data/kb/no-such-file.json", 1, &kb, NULL);
	assert_int_equal(r, KB_ERR_IO);
}

/* The fixture loads and its fields come through. */
static void
test_load_fixture(void **state)
{
	const struct kb_item *it;
	struct kb_diag d = { 0 };
	struct kb *kb;
	struct tm tm;
	int r;

	(void)state;
	r = kb_load_file("tests/data/kb/small.json", 42, &kb, &d);
	assert_int_equal(r, KB_OK);
	assert_int_equal(d.nerrors, 0);
	assert_int_equal(d.nwarnings, 0);
	assert_int_equal(kb_generation(kb), 42);
	assert_int_equal(kb_nitems(kb), 10);
	assert_int_equal(kb_nkeywords(kb), 28);
	assert_string_equal(kb_account(kb), "山海小王哥庄");
	assert_int_equal(kb_welcome(kb)->type, KB_REPLY_TEXT);
	assert_non_null(strstr(kb_fallback(kb)->content, "87841022"));

	it = kb_find_id(kb, "contact", 0);
	assert_non_null(it);
	assert_ptr_equal(it, kb_item_at(kb, 0));
	assert_string_equal(it->title, "街道党政办公室联系方式");
	assert_int_equal(it->nkeywords, 7);
	assert_string_equal(it->keywords[4], "email");
	assert_int_equal(it->match, KB_MATCH_CONTAINS);
	assert_string_equal(it->menu_key, "CONTACT");
	assert_null(it->menu_group);
	assert_int_equal(it->nreplies, 1);
	assert_int_equal(it->reply_mode, KB_MODE_ONE);
	assert_string_equal(it->updated, "2021-01-15");
	assert_null(it->valid_until);
	assert_int_equal(it->expires, 0);
	assert_ptr_equal(kb_find_menu_key(kb, "CONTACT", 0), it);
	assert_null(kb_find_menu_key(kb, "NOPE", 0));
	assert_null(kb_find_id(kb, "nope", 0));
	assert_null(kb_item_at(kb, 10));

	it = kb_find_id(kb, "report", 0);
	assert_int_equal(it->nreplies, 2);
	assert_int_equal(it->reply_mode, KB_MODE_ALL);
	assert_int_equal(it->replies[1].type, KB_REPLY_NEWS);
	assert_int_equal(it->replies[1].narticles, 1);
	assert_string_equal(it->replies[1].articles[0].url,
	    "http://www.laoshan.gov.cn/");

	it = kb_find_id(kb, "hello", 0);
	assert_int_equal(it->match, KB_MATCH_EXACT);
	assert_int_equal(kb_find_id(kb, "jobs", 0)->priority, 1);

	/* valid_until 2021-12-31: expires at local midnight after it. */
	it = kb_item_at(kb, 7);
	assert_string_equal(it->id, "open-day");
	memset(&tm, 0, sizeof tm);
	tm.tm_year = 2022 - 1900;
	tm.tm_mon = 0;
	tm.tm_mday = 1;
	tm.tm_isdst = -1;
	assert_int_equal(it->expires, mktime(&tm));
	assert_false(kb_item_expired(it, it->expires - 1));
	assert_true(kb_item_expired(it, it->expires));
	assert_non_null(kb_find_id(kb, "open-day", it->expires - 1));
	assert_null(kb_find_id(kb, "open-day", it->expires));

	assert_true(kb_memory(kb, NULL) > 0);
	kb_ref(kb);
	kb_unref(kb);
	assert_int_equal(kb_generation(kb), 42);
	kb_unref(kb);
	kb_unref(NULL);
	kb_diag_cleanup(&d);
}

/*
 * Generations: a failed load leaves the serving generation alone, and a
 * generation swapped out stays usable while a request still holds it.
 */
static void
test_generations(void **state)
{
	static const char good[] = DOC(ITEM("a", "电话", ""));
	static const char broken[] = DOC(ITEM("a", "电话", "") ","
	    ITEM("a", "传真", ""));
	struct kb *live, *next, *held;
	struct kb_result res;
	int r;

	(void)state;
	r = kb_load_buffer(good, strlen(good), 1, &live, NULL);
	assert_int_equal(r, KB_OK);
	r = kb_load_buffer(broken, strlen(broken), 2, &next, NULL);
	assert_int_equal(r, KB_ERR_SCHEMA);
	assert_null(next);
	kb_query(live, "电话", 6, 0, &res);
	assert_int_equal(res.kind, KB_RESULT_HIT);
	assert_int_equal(kb_generation(live), 1);

	/* A request takes a reference, then the reload swaps. */
	held = live;
	kb_ref(held);
	r = kb_load_buffer(good, strlen(good), 3, &next, NULL);
	assert_int_equal(r, KB_OK);
	kb_unref(live);
	live = next;
	kb_query(held, "电话", 6, 0, &res);
	assert_int_equal(res.kind, KB_RESULT_HIT);
	assert_string_equal(res.item->id, "a");
	assert_int_equal(kb_generation(held), 1);
	kb_unref(held);
	assert_int_equal(kb_generation(live), 3);
	kb_unref(live);
}

static void
test_strerror(void **state)
{
	(void)state;
	assert_string_equal(kb_strerror(KB_OK), "success");
	assert_string_equal(kb_strerror(KB_ERR_TOOBIG), "file too large");
	assert_string_equal(kb_strerror(-99), "unknown error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_table),
		cmocka_unit_test(test_load_too_big),
		cmocka_unit_test(test_load_too_many_items),
		cmocka_unit_test(test_load_diag_cap),
		cmocka_unit_test(test_load_file_missing),
		cmocka_unit_test(test_load_fixture),
		cmocka_unit_test(test_generations),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
