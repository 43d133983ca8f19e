/*
 * kb_match_guard — the scope guards of a hit (kb_match.c): whether the
 * part of a message its keywords do not cover names another place or
 * office, whether the message asks how to break into or attack
 * something, and the year a message names (against an item's period).
 */
#include <stdlib.h>
#include <string.h>

#include "kb/kb.h"
#include "kb/kb_int.h"
#include "kb/kb_match_int.h"

/*
 * Words of the account's own place and of any question, ignored when the
 * rest of a message is searched for another place; then the words that
 * name another district, hospital or office.
 */
static const char *const match_neutral[] = {
	"山海小王哥庄", "王哥庄", "崂山区", "崂山", "街道办事处", "街道办",
	"街道", "办事处", "社区", "小区", "管区", "体验区", "我们", "你们",
};
static const char *const match_elsewhere[] = {
	"区", "市", "县", "省", "镇", "医院", "卫生院", "诊所", "局",
	"派出所", "公安", "法院", "检察院", "银行", "学校", "大学", "中学",
	"小学", "委员会", "医保", "企业", "商场", "酒店", "景区",
};

/* Words of a message asking how to break into or attack something. */
static const char *const match_hostile[] = {
	"黑进", "黑掉", "入侵", "攻击", "破解", "盗号", "盗取", "木马",
	"病毒", "注入", "提权", "撞库", "爆破",
};

/* 1 when s (len bytes) occurs in the bytes of m->q not yet in used. */
static int
match_find_free(const struct match *m, const unsigned char *used,
    const char *s, size_t len, unsigned char *mark)
{
	const char *p = m->q, *end = m->q + m->n, *f;
	size_t k;
	int found = 0;

	while (p < end && (f = memmem(p, (size_t)(end - p), s, len)) != NULL) {
		for (k = 0; k < len && !used[f - m->q + k]; k++)
			;
		if (k == len) {
			found = 1;
			if (mark == NULL)
				return 1;
			memset(mark + (f - m->q), 1, len);
		}
		p = f + len;
	}
	return found;
}

/*
 * 1 when the part of the message c does not cover names another place
 * or office: the account's own place names and neutral words are set
 * aside first.
 */
int
kb_match_guard_foreign(const struct kb *kb, const struct match *m,
    const struct match_cover *c)
{
	unsigned char used[MATCH_TEXT];
	size_t i;
	uint32_t o;

	(void)kb;
	memset(used, 0, m->n);
	for (i = 0; i < c->nslots; i++) {
		for (o = m->first[c->slots[i]]; o != UINT32_MAX;
		    o = m->occ[o].next)
			memset(used + m->occ[o].bstart, 1,
			    (size_t)(m->occ[o].bend - m->occ[o].bstart));
	}
	for (i = 0; i < sizeof match_neutral / sizeof match_neutral[0]; i++)
		(void)match_find_free(m, used, match_neutral[i],
		    strlen(match_neutral[i]), used);
	for (i = 0; i < sizeof match_elsewhere / sizeof match_elsewhere[0]; i++) {
		if (match_find_free(m, used, match_elsewhere[i],
		    strlen(match_elsewhere[i]), NULL))
			return 1;
	}
	return 0;
}

/*
 * The first year the message names: four digits from 1900 to 2099 on
 * their own (not part of a phone number), or four Chinese digits before
 * 年 (二〇二一年); 0 when none.
 */
int
kb_match_guard_year(const char *s, size_t n)
{
	static const char *const zh[10] = {
		"〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"
	};
	size_t i, k, d, run;
	int y;

	for (i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			for (run = i; run < n && s[run] >= '0' &&
			    s[run] <= '9'; run++)
				;
			if (run - i == 4) {
				y = atoi(s + i);
				if (y >= 1900 && y <= 2099)
					return y;
			}
			i = run;
			continue;
		}
		y = 0;
		for (k = 0, run = i; k < 4 && run + 3 <= n; k++, run += 3) {
			for (d = 0; d < 10; d++) {
				if (memcmp(s + run, zh[d], 3) == 0 ||
				    (d == 0 && memcmp(s + run, "零", 3) == 0))
					break;
			}
			if (d == 10)
				break;
			y = y * 10 + (int)d;
		}
		if (k == 4 && run + 3 <= n && memcmp(s + run, "年", 3) == 0 &&
		    y >= 1900 && y <= 2099)
			return y;
	}
	return 0;
}

int
kb_match_guard_hostile(const char *q, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof match_hostile / sizeof match_hostile[0]; i++) {
		if (memmem(q, n, match_hostile[i], strlen(match_hostile[i])) !=
		    NULL)
			return 1;
	}
	return 0;
}
