/*
 * test_kb_match — matching and ranking (DESIGN.md): exact beats contains,
 * then the total length of distinct keywords found, then priority, then
 * file order; expiry; messages with emoji, mixed scripts and bad bytes;
 * suggestions above and below the threshold.
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
#include "kb/kb_ac.h"

#define HEAD	"{\"version\":1,\"account\":\"a\"," \
		"\"welcome\":{\"type\":\"text\",\"content\":\"w\"}," \
		"\"fallback\":{\"type\":\"text\",\"content\":\"f\"},\"items\":["
#define TAIL	"]}"
#define REPLY	"\"reply\":{\"type\":\"text\",\"content\":\"c\"}"
#define ITEM(id, title, kws, extra) "{\"id\":\"" id "\",\"title\":\"" \
		title "\",\"keywords\":[" kws "]," REPLY extra "}"

/* Ranking fixture; each item tests one rule (see the table below). */
static const char rank_json[] = HEAD
	ITEM("contact", "街道党政办公室联系方式",
	    "\"电话\",\"联系方式\",\"邮箱\",\"email\"", "") ","
	ITEM("office-phone", "街道办电话", "\"街道办电话\"", "") ","
	ITEM("hello", "问候", "\"你好\",\"在吗\"", ",\"match\":\"exact\"") ","
	ITEM("hello-more", "问候语", "\"你好\"", "") ","
	ITEM("split", "号码", "\"号码\",\"手机\"", "") ","
	ITEM("whole", "手机号码", "\"手机号码\"", "") ","
	ITEM("tie-first", "社保", "\"社保\"", "") ","
	ITEM("tie-second", "社保卡", "\"社保\"", "") ","
	ITEM("low", "低保", "\"低保\"", "") ","
	ITEM("high", "低保申请", "\"低保\"", ",\"priority\":2") ","
	ITEM("repeat", "重复", "\"哈哈\"", "") ","
	ITEM("longer", "更长", "\"哈哈哈\"", "") ","
	ITEM("wifi", "无线网络", "\"wi-fi\",\"无线\"", "") ","
	ITEM("year", "年度报告", "\"2020年报\"", "") ","
	ITEM("end", "结尾", "\"尾巴\"", "")
	TAIL;

struct match_case {
	const char	*name;
	const char	*text;
	size_t		 len;		/* 0: strlen */
	const char	*want;		/* item id, or NULL for no hit */
	int		 exact;
	size_t		 bytes;
};

static const struct match_case match_cases[] = {
	{ "plain keyword", "电话", 0, "contact", 0, 2 },
	{ "keyword in a question", "请问电话是多少？", 0, "contact", 0, 2 },
	{ "longer overlapping keyword wins", "街道办电话多少啊？", 0,
	  "office-phone", 0, 5 },
	{ "full-width and case", "ＥＭＡＩＬ", 0, "contact", 0, 5 },
	{ "exact whole message", "你好", 0, "hello", 1, 2 },
	{ "exact after normalization", " 你好！！😀", 0, "hello", 1, 2 },
	{ "exact only when whole: contains instead", "你好啊", 0,
	  "hello-more", 0, 2 },
	{ "exact item's other keyword", "在吗？", 0, "hello", 1, 2 },
	{ "exact keyword inside text: no exact", "你在吗", 0, NULL, 0, 0 },
	{ "same coverage: the rarer keyword wins", "手机号码", 0,
	  "whole", 0, 4 },
	{ "BM25 over the items' text on a tie", "社保怎么交", 0,
	  "tie-first", 0, 2 },
	{ "priority beats file order", "低保", 0, "high", 0, 2 },
	{ "overlapping keywords counted once", "哈哈哈哈哈哈", 0, "longer",
	  0, 6 },
	{ "emoji and mixed scripts", "😀请问Wi-Fi无线🛜密码？", 0, "wifi", 0,
	  6 },
	{ "invalid bytes skipped", "\xff电\xfe话\xc3", 0, "contact", 0, 2 },
	{ "digits and cjk", "２０２０年报在哪", 0, "year", 0, 6 },
	{ "keyword at the very end", "这是尾巴", 0, "end", 0, 2 },
};

static struct kb *
load(const char *json)
{
	struct kb_diag d = { 0 };
	struct kb *kb = NULL;
	char *text;
	int r;

	r = kb_load_buffer(json, strlen(json), 1, &kb, &d);
	if (r != 0) {
		text = kb_diag_format(&d, "fixture");
		fail_msg("fixture does not load: %s", text);
	}
	kb_diag_cleanup(&d);
	return kb;
}

static int
setup_rank(void **state)
{
	*state = load(rank_json);
	return 0;
}

static int
teardown_kb(void **state)
{
	kb_unref(*state);
	return 0;
}

static void
test_match_table(void **state)
{
	const struct match_case *c;
	struct kb_result res;
	struct kb *kb = *state;
	size_t i, len;

	for (i = 0; i < sizeof match_cases / sizeof match_cases[0]; i++) {
		c = &match_cases[i];
		len = c->len != 0 ? c->len : strlen(c->text);
		kb_query(kb, c->text, len, 0, &res);
		if (c->want == NULL) {
			if (res.kind == KB_RESULT_HIT)
				fail_msg("%s: got %s, want no hit", c->name,
				    res.item->id);
			continue;
		}
		if (res.kind != KB_RESULT_HIT)
			fail_msg("%s: kind %d, want hit %s", c->name, res.kind,
			    c->want);
		if (strcmp(res.item->id, c->want) != 0 ||
		    res.exact != c->exact || res.covered != c->bytes)
			fail_msg("%s: got %s exact %d bytes %zu, "
			    "want %s %d %zu",
			    c->name, res.item->id, res.exact,
			    res.covered, c->want, c->exact, c->bytes);
	}
}

/* The same message always gives the same answer. */
static void
test_match_deterministic(void **state)
{
	struct kb_result a, b;
	struct kb *kb = *state;
	int i;

	kb_query(kb, "社保低保电话", strlen("社保低保电话"), 0, &a);
	assert_int_equal(a.kind, KB_RESULT_HIT);
	for (i = 0; i < 100; i++) {
		kb_query(kb, "社保低保电话", strlen("社保低保电话"), 0, &b);
		assert_ptr_equal(a.item, b.item);
		assert_int_equal(a.covered, b.covered);
	}
	/* Three 6-byte keywords of different items: priority 2 wins. */
	assert_string_equal(a.item->id, "high");
}

static void
test_match_empty(void **state)
{
	struct kb_result res;
	struct kb *kb = *state;

	kb_query(kb, "？！。，…… 🙂", strlen("？！。，…… 🙂"), 0, &res);
	assert_int_equal(res.kind, KB_RESULT_EMPTY);
	assert_string_equal(res.normalized, "");
	kb_query(kb, "", 0, 0, &res);
	assert_int_equal(res.kind, KB_RESULT_EMPTY);
	kb_query(kb, "\xff\xfe", 2, 0, &res);
	assert_int_equal(res.kind, KB_RESULT_EMPTY);
}

/*
 * Only the first KB_MAX_QUERY bytes of a message count; a long message
 * whose keywords cover little of it gets suggestions, not an answer.
 */
static void
test_match_long_message(void **state)
{
	struct kb_result res;
	struct kb *kb = *state;
	char *text;

	text = malloc(KB_MAX_QUERY + 64);
	assert_non_null(text);
	memset(text, 'x', KB_MAX_QUERY + 64);
	memcpy(text + KB_MAX_QUERY + 10, "电话", 6);
	kb_query(kb, text, KB_MAX_QUERY + 64, 0, &res);
	assert_int_not_equal(res.kind, KB_RESULT_HIT);
	assert_int_equal(strlen(res.normalized), KB_MAX_QUERY);
	memcpy(text + KB_MAX_QUERY - 6, "电话", 6);
	kb_query(kb, text, KB_MAX_QUERY + 64, 0, &res);
	assert_int_equal(res.kind, KB_RESULT_SUGGEST);
	assert_int_equal(res.weak, KB_WEAK_LONG);
	assert_string_equal(res.suggestions[0]->id, "contact");
	memcpy(text + KB_MAX_QUERY - 12, "电话", 6);
	kb_query(kb, text + KB_MAX_QUERY - 12, 12, 0, &res);
	assert_int_equal(res.kind, KB_RESULT_HIT);
	assert_string_equal(res.item->id, "contact");
	free(text);
}

static time_t
local_time(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

static const char expiry_json[] = HEAD
	ITEM("general", "一般", "\"开放日\"", "") ","
	ITEM("open-day-2021", "2021年政府开放日", "\"开放日\"",
	    ",\"priority\":5,\"valid_until\":\"2021-12-31\"") ","
	ITEM("greeting", "问候", "\"你好\"",
	    ",\"match\":\"exact\",\"valid_until\":\"2021-06-30\"") ","
	ITEM("greeting-any", "问候", "\"你好\"", "") ","
	ITEM("only-expiring", "只在2021年", "\"临时通知\"",
	    ",\"valid_until\":\"2021-12-31\"")
	TAIL;

/* An item is served through its valid_until day and not after. */
static void
test_match_expiry(void **state)
{
	struct kb_result res;
	struct kb *kb;
	time_t before, after;

	(void)state;
	kb = load(expiry_json);
	before = local_time(2021, 12, 31, 23, 59, 59);
	after = local_time(2022, 1, 1, 0, 0, 0);

	kb_query(kb, "开放日", strlen("开放日"), before, &res);
	assert_int_equal(res.kind, KB_RESULT_HIT);
	assert_string_equal(res.item->id, "open-day-2021");
	kb_query(kb, "开放日", strlen("开放日"), after, &res);
	assert_int_equal(res.kind, KB_RESULT_HIT);
	assert_string_equal(res.item->id, "general");

	kb_query(kb, "临时通知", strlen("临时通知"), before, &res);
	assert_int_equal(res.kind, KB_RESULT_HIT);
	kb_query(kb, "临时通知", strlen("临时通知"), after, &res);
	assert_int_not_equal(res.kind, KB_RESULT_HIT);
	/* Not suggested either. */
	assert_int_equal(res.nsuggestions, 0);
	kb_query(kb, "临时", strlen("临时"), before, &res);
	assert_int_equal(res.kind, KB_RESULT_SUGGEST);
	kb_query(kb, "临时", strlen("临时"), after, &res);
	assert_int_equal(res.kind, KB_RESULT_MISS);

	/* An expired exact item leaves the contains item. */
	kb_query(kb, "你好", strlen("你好"),
	    local_time(2021, 6, 30, 12, 0, 0), &res);
	assert_string_equal(res.item->id, "greeting");
	assert_true(res.exact);
	kb_query(kb, "你好", strlen("你好"),
	    local_time(2021, 7, 1, 0, 0, 1), &res);
	assert_string_equal(res.item->id, "greeting-any");
	assert_false(res.exact);

	assert_non_null(kb_find_id(kb, "open-day-2021", before));
	assert_null(kb_find_id(kb, "open-day-2021", after));
	kb_unref(kb);
}

static const char suggest_json[] = HEAD
	ITEM("office-phone", "街道办值班电话", "\"街道办电话\"", "") ","
	ITEM("apply", "依申请公开怎么申请",
	    "\"依申请公开\",\"申请公开\"", "") ","
	ITEM("report", "2020年政府信息公开工作年度报告", "\"年度报告\"", "")
	","
	ITEM("garbage", "生活垃圾分类", "\"垃圾分类\"", "") ","
	ITEM("wechat", "山海小王哥庄公众号", "\"公众号\"", "") ","
	ITEM("fans", "粉丝数量", "\"粉丝数\"", ",\"priority\":1") ","
	ITEM("howto", "怎么办理", "\"办理流程\"", "")
	TAIL;

struct suggest_case {
	const char	*name;
	const char	*text;
	const char	*want[3];	/* ids in order; none: MISS */
};

static const struct suggest_case suggest_cases[] = {
	{ "typos share one bigram", "街到办电", { "office-phone" } },
	{ "question near two titles", "申请信息公开",
	  { "apply", "report" } },
	{ "garbage truck", "垃圾车几点来", { "garbage" } },
	{ "one character: unigrams", "粉", { "fans" } },
	{ "one character, two items", "公", { "wechat", "apply" } },
	{ "unrelated chat", "今天天气怎么样", { NULL } },
	{ "filler only", "请问怎么办", { NULL } },
	{ "one ascii letter", "a", { NULL } },
	{ "long message, one shared bigram", "我家楼下的垃圾桶已经满了好几天"
	  "了一直没有人来收拾味道很大", { NULL } },
};

static void
test_suggest_table(void **state)
{
	const struct suggest_case *c;
	struct kb_result res;
	struct kb *kb;
	size_t i, k, n;

	(void)state;
	kb = load(suggest_json);
	for (i = 0; i < sizeof suggest_cases / sizeof suggest_cases[0]; i++) {
		c = &suggest_cases[i];
		kb_query(kb, c->text, strlen(c->text), 0, &res);
		for (n = 0; n < 3 && c->want[n] != NULL; n++)
			;
		if (n == 0) {
			if (res.kind != KB_RESULT_MISS)
				fail_msg("%s: kind %d (%zu suggestions: %s), "
				    "want miss", c->name, res.kind,
				    res.nsuggestions, res.nsuggestions ?
				    res.suggestions[0]->id : "");
			continue;
		}
		if (res.kind != KB_RESULT_SUGGEST || res.nsuggestions != n)
			fail_msg("%s: kind %d, %zu suggestions, want %zu",
			    c->name, res.kind, res.nsuggestions, n);
		for (k = 0; k < n; k++) {
			if (strcmp(res.suggestions[k]->id, c->want[k]) != 0)
				fail_msg("%s: suggestion %zu is %s, want %s",
				    c->name, k + 1, res.suggestions[k]->id,
				    c->want[k]);
		}
	}
	kb_unref(kb);
}

/* At most three suggestions, best first. */
static void
test_suggest_three(void **state)
{
	static const char json[] = HEAD
		ITEM("a", "政务公开一", "\"甲甲\"", "") ","
		ITEM("b", "政务公开", "\"乙乙\"", "") ","
		ITEM("c", "政务公开二三", "\"丙丙\"", "") ","
		ITEM("d", "政务公开四五六", "\"丁丁\"", "") ","
		ITEM("e", "政务", "\"戊戊\"", "")
		TAIL;
	struct kb_result res;
	struct kb *kb;

	(void)state;
	kb = load(json);
	kb_query(kb, "政务公开栏", strlen("政务公开栏"), 0, &res);
	assert_int_equal(res.kind, KB_RESULT_SUGGEST);
	assert_int_equal(res.nsuggestions, 3);
	/* Dice: b 6/7, a 6/8, c 6/9, e 2/5, d 6/10: b, a, c. */
	assert_string_equal(res.suggestions[0]->id, "b");
	assert_string_equal(res.suggestions[1]->id, "a");
	assert_string_equal(res.suggestions[2]->id, "c");
	kb_unref(kb);
}

/*
 * The stages past plain keywords and the guards, on a fixture where each
 * item tests one rule.  大厅 is in four items' text: a generic word.
 */
static const char stage_json[] = "{\"version\":1,\"account\":\"a\","
	"\"welcome\":{\"type\":\"text\",\"content\":\"w\"},"
	"\"fallback\":{\"type\":\"text\",\"content\":\"请致电 87841022。\"},"
	"\"synonyms\":[[\"怎么\",\"咋\"],[\"处罚\",\"罚款\"]],\"items\":["
	ITEM("contact", "王哥庄街道联系方式", "\"电话\",\"联系方式\"", "") ","
	ITEM("address", "办事处地址", "\"地址\",\"大厅\"", "") ","
	"{\"id\":\"jobs\",\"title\":\"公益性岗位\",\"keywords\":[\"公益性岗位\","
	"\"公益岗\"],\"reply\":{\"type\":\"text\",\"content\":\"2020年39个"
	"，在大厅\"},\"period\":\"2020\"},"
	ITEM("penalty", "行政处罚", "\"行政处罚\",\"处罚情况\"",
	    ",\"period\":\"2020\"") ","
	ITEM("open-day", "政府开放日", "\"开放日\"", ",\"period\":\"2019-2020\"")
	","
	ITEM("website", "网址", "\"网站\",\"laoshan\"", "") ","
	"{\"id\":\"apply\",\"title\":\"申请\",\"keywords\":[\"信息公开申请\","
	"\"公开申请\"],\"reply\":{\"type\":\"text\",\"content\":\"大厅\"}},"
	"{\"id\":\"lawyers\",\"title\":\"申请人\",\"keywords\":[\"法律服务机构\"],"
	"\"reply\":{\"type\":\"text\",\"content\":\"法律服务机构提出的信息公开申请"
	"0件，大厅\"}},"
	ITEM("hello", "问候", "\"你好\"", ",\"match\":\"exact\"")
	TAIL;

struct stage_case {
	const char	*name;
	const char	*text;
	enum kb_result_kind kind;
	const char	*want;		/* item (HIT, PERIOD) or first
					   suggestion; NULL: none */
	enum kb_stage	 stage;
	enum kb_weak	 weak;
};

static const struct stage_case stage_cases[] = {
	{ "synonym rewrites the message", "罚款情况怎么样", KB_RESULT_HIT,
	  "penalty", KB_STAGE_SYNONYM, KB_WEAK_NONE },
	{ "traditional folded", "辦事處地址", KB_RESULT_HIT, "address",
	  KB_STAGE_KEYWORD, KB_WEAK_NONE },
	{ "a group's first word is no synonym match", "处罚情况",
	  KB_RESULT_HIT, "penalty", KB_STAGE_KEYWORD, KB_WEAK_NONE },
	{ "homophone typo", "公益姓岗位", KB_RESULT_HIT, "jobs",
	  KB_STAGE_PINYIN, KB_WEAK_NONE },
	{ "typed pinyin", "GongYi gang?", KB_RESULT_HIT, "jobs",
	  KB_STAGE_PINYIN, KB_WEAK_NONE },
	{ "one syllable is not enough", "gong", KB_RESULT_MISS, NULL,
	  KB_STAGE_NONE, KB_WEAK_NONE },
	{ "a keyword in letters is no homophone", "崂山", KB_RESULT_MISS,
	  NULL, KB_STAGE_NONE, KB_WEAK_NONE },
	{ "nested keywords once; the rarer wins",
	  "法律服务机构提过信息公开申请吗", KB_RESULT_HIT, "lawyers",
	  KB_STAGE_KEYWORD, KB_WEAK_NONE },
	{ "a year outside the period", "2021年公益岗有几个", KB_RESULT_PERIOD,
	  "jobs", KB_STAGE_KEYWORD, KB_WEAK_NONE },
	{ "a year in Chinese digits", "二〇二一年开放日", KB_RESULT_PERIOD,
	  "open-day", KB_STAGE_KEYWORD, KB_WEAK_NONE },
	{ "a year inside a range", "2019年开放日", KB_RESULT_HIT, "open-day",
	  KB_STAGE_KEYWORD, KB_WEAK_NONE },
	{ "the period's own year", "2020年公益岗", KB_RESULT_HIT, "jobs",
	  KB_STAGE_KEYWORD, KB_WEAK_NONE },
	{ "a phone number is no year", "87841022是什么电话", KB_RESULT_HIT,
	  "contact", KB_STAGE_KEYWORD, KB_WEAK_NONE },
	{ "an item without a period", "2021年的地址", KB_RESULT_HIT,
	  "address", KB_STAGE_KEYWORD, KB_WEAK_NONE },
	{ "another district's phone", "李沧区政府的电话", KB_RESULT_SUGGEST,
	  "contact", KB_STAGE_KEYWORD, KB_WEAK_FOREIGN },
	{ "a hospital's address", "人民医院地址", KB_RESULT_SUGGEST,
	  "address", KB_STAGE_KEYWORD, KB_WEAK_FOREIGN },
	{ "our own place names are not another place", "王哥庄街道办的电话",
	  KB_RESULT_HIT, "contact", KB_STAGE_KEYWORD, KB_WEAK_NONE },
	{ "a generic word and an office", "市民大厅", KB_RESULT_SUGGEST,
	  "address", KB_STAGE_KEYWORD, KB_WEAK_FOREIGN },
	{ "break-in intent", "怎么黑进网站", KB_RESULT_SUGGEST, "website",
	  KB_STAGE_KEYWORD, KB_WEAK_INTENT },
	{ "exact items are never suggested", "你好吗", KB_RESULT_MISS, NULL,
	  KB_STAGE_NONE, KB_WEAK_NONE },
	{ "the account's place names suggest nothing", "王哥庄", KB_RESULT_MISS,
	  NULL, KB_STAGE_NONE, KB_WEAK_NONE },
};

static void
test_match_stages(void **state)
{
	const struct stage_case *c;
	struct kb_result res;
	const struct kb_item *got;
	char why[512];
	struct kb *kb;
	size_t i;

	(void)state;
	kb = load(stage_json);
	assert_string_equal(kb_phone(kb), "87841022");
	assert_int_equal(kb_nsynonym_groups(kb), 2);
	for (i = 0; i < sizeof stage_cases / sizeof stage_cases[0]; i++) {
		c = &stage_cases[i];
		kb_query(kb, c->text, strlen(c->text), 0, &res);
		got = res.kind == KB_RESULT_SUGGEST ? res.suggestions[0] :
		    res.item;
		if (res.kind != c->kind || res.stage != c->stage ||
		    res.weak != c->weak || (c->want == NULL) != (got == NULL) ||
		    (got != NULL && strcmp(got->id, c->want) != 0))
			fail_msg("%s: kind %d stage %s weak %d item %s; want "
			    "kind %d stage %s weak %d item %s (%s)", c->name,
			    res.kind, kb_stage_name(res.stage), res.weak,
			    got != NULL ? got->id : "-", c->kind,
			    kb_stage_name(c->stage), c->weak,
			    c->want != NULL ? c->want : "-",
			    kb_result_why(&res, why, sizeof why));
	}
	/* 处罚情况 is in one of nine items' text: IDF ln(1 + 8.5 / 1.5),
	   over four characters 7.6. */
	kb_query(kb, "罚款情况怎么样", strlen("罚款情况怎么样"), 0, &res);
	assert_string_equal(kb_result_why(&res, why, sizeof why),
	    "stage synonym: 处罚情况; covers 4 characters of 7 characters, "
	    "weighted 7.6");
	kb_query(kb, "2021年公益岗", strlen("2021年公益岗"), 0, &res);
	assert_int_equal(res.year, 2021);
	assert_non_null(strstr(kb_result_why(&res, why, sizeof why),
	    "; asks about 2021, outside 2020"));
	/* Any buffer: cut, NUL-terminated. */
	assert_int_equal(strlen(kb_result_why(&res, why, 10)), 9);
	kb_unref(kb);
}

/*
 * A message holding more distinct keywords than the per-query scratch
 * holds is still answered, and the automaton finds all of them.
 */
static void
test_match_many_keywords(void **state)
{
	struct kb_result res;
	struct kb_diag d = { 0 };
	struct kb *kb;
	char *json, *msg;
	size_t i, len = 0, mlen = 0;
	unsigned cp;

	(void)state;
	json = malloc(256 * 1024);
	msg = malloc(KB_MAX_QUERY);
	assert_non_null(json);
	assert_non_null(msg);
	len = (size_t)sprintf(json, "%s", HEAD);
	for (i = 0; i < 1000; i++) {
		cp = 0x4e00 + (unsigned)i;
		len += (size_t)sprintf(json + len, "%s{\"id\":\"k%zu\","
		    "\"title\":\"t\",\"keywords\":[\"%c%c%c\"],%s}",
		    i ? "," : "", i, 0xe0 | (cp >> 12),
		    0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f), REPLY);
		if (mlen + 3 <= KB_MAX_QUERY) {
			msg[mlen++] = (char)(0xe0 | (cp >> 12));
			msg[mlen++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			msg[mlen++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	len += (size_t)sprintf(json + len, "%s", TAIL);
	assert_int_equal(kb_load_buffer(json, len, 1, &kb, &d), 0);
	kb_query(kb, msg, mlen, 0, &res);
	/* Each item covers a character or three (traditional ones fold
	   onto simplified ones of the same range) of 1,365: candidates. */
	assert_int_equal(res.kind, KB_RESULT_SUGGEST);
	assert_int_equal(res.weak, KB_WEAK_LONG);
	assert_int_equal(res.nsuggestions, 3);
	assert_true(res.covered >= 1 && res.covered <= 3);
	assert_int_equal(res.total, 1000);
	kb_unref(kb);
	kb_diag_cleanup(&d);
	free(json);
	free(msg);
}

struct ac_hits {
	uint32_t	 id[4096];
	size_t		 end[4096];
	size_t		 n;
};

static int
ac_collect_cb(uint32_t id, size_t end, void *arg)
{
	struct ac_hits *h = arg;

	if (h->n < 4096) {
		h->id[h->n] = id;
		h->end[h->n] = end;
		h->n++;
	}
	return 0;
}

/*
 * The automaton against a naive search: random patterns over a few CJK
 * characters (enough of them under one prefix to make dense states) and
 * ASCII, random texts; every occurrence is reported, none invented.
 */
static void
test_ac_against_naive(void **state)
{
	static const char *const alpha[] = {
		"电", "话", "号", "码", "a", "b",
		"\xe4\xb8\x80", "\xe4\xb8\x81",
		"\xe4\xb8\x82", "\xe4\xb8\x83", "\xe4\xb8\x84", "\xe4\xb8\x85",
		"\xe4\xb8\x86", "\xe4\xb8\x87", "\xe4\xb8\x88", "\xe4\xb8\x89",
		"\xe4\xb8\x8a", "\xe4\xb8\xa0", "\xe4\xb8\xbf",
	};
	enum { NA = sizeof alpha / sizeof alpha[0], NP = 300 };
	static char pat[NP][32], text[256];
	static struct ac_hits h;
	const char *pats[NP];
	uint16_t lens[NP];
	uint32_t ids[NP];
	struct kb_ac *ac;
	size_t i, j, k, t, tlen, expect, len;
	unsigned seed = 7;
	int found;

	(void)state;
	for (i = 0; i < NP; i++) {
		len = 0;
		k = 1 + (seed = seed * 1103515245 + 12345) % 4;
		for (j = 0; j < k; j++) {
			seed = seed * 1103515245 + 12345;
			t = (seed >> 16) % NA;
			memcpy(pat[i] + len, alpha[t], strlen(alpha[t]));
			len += strlen(alpha[t]);
		}
		pats[i] = pat[i];
		lens[i] = (uint16_t)len;
	}
	assert_int_equal(kb_ac_new(pats, lens, NP, ids, &ac), 0);
	for (i = 0; i < NP; i++) {
		assert_true(ids[i] < kb_ac_npatterns(ac));
		assert_int_equal(kb_ac_pattern_len(ac, ids[i]), lens[i]);
	}
	for (t = 0; t < 300; t++) {
		tlen = 0;
		for (j = 0; j < 40; j++) {
			seed = seed * 1103515245 + 12345;
			k = (seed >> 16) % NA;
			memcpy(text + tlen, alpha[k], strlen(alpha[k]));
			tlen += strlen(alpha[k]);
		}
		h.n = 0;
		kb_ac_scan(ac, text, tlen, ac_collect_cb, &h);
		/* Every reported hit is real. */
		for (k = 0; k < h.n; k++) {
			len = kb_ac_pattern_len(ac, h.id[k]);
			assert_true(h.end[k] >= len);
			for (i = 0; i < NP && ids[i] != h.id[k]; i++)
				;
			assert_true(i < NP);
			assert_memory_equal(text + h.end[k] - len, pat[i], len);
		}
		/* Every real occurrence is reported (distinct patterns). */
		expect = 0;
		for (i = 0; i < NP; i++) {
			for (j = 0; j < i && ids[j] != ids[i]; j++)
				;
			if (j < i)
				continue;	/* same pattern as an earlier */
			for (j = 0; j + lens[i] <= tlen; j++) {
				if (memcmp(text + j, pat[i], lens[i]) != 0)
					continue;
				expect++;
				found = 0;
				for (k = 0; k < h.n; k++) {
					if (h.id[k] == ids[i] &&
					    h.end[k] == j + lens[i])
						found = 1;
				}
				assert_true(found);
			}
		}
		assert_int_equal(h.n, expect);
	}
	kb_ac_free(ac);
}

/* A knowledge base without items answers nothing, without crashing. */
static void
test_match_no_items(void **state)
{
	struct kb_result res;
	struct kb *kb;

	(void)state;
	kb = load(HEAD TAIL);
	kb_query(kb, "电话", strlen("电话"), 0, &res);
	assert_int_equal(res.kind, KB_RESULT_MISS);
	assert_string_equal(kb_fallback(kb)->content, "f");
	kb_unref(kb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_match_table, setup_rank,
		    teardown_kb),
		cmocka_unit_test_setup_teardown(test_match_deterministic,
		    setup_rank, teardown_kb),
		cmocka_unit_test_setup_teardown(test_match_empty, setup_rank,
		    teardown_kb),
		cmocka_unit_test_setup_teardown(test_match_long_message,
		    setup_rank, teardown_kb),
		cmocka_unit_test(test_match_expiry),
		cmocka_unit_test(test_suggest_table),
		cmocka_unit_test(test_match_stages),
		cmocka_unit_test(test_suggest_three),
		cmocka_unit_test(test_match_many_keywords),
		cmocka_unit_test(test_match_no_items),
		cmocka_unit_test(test_ac_against_naive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
