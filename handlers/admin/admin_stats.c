/*
 * admin_stats — what residents get and got: the query preview (the
 * served generation, worded as dispatch words it), hits per item, the
 * answer rate by day, the unanswered questions, and the month's CSV for
 * the 政务新媒体 "互动回应" reports.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "handlers/admin/admin_api.h"
#include "handlers/admin/admin_int.h"
#include "handlers/admin/admin_stats_share.h"
#include "handlers/callback/dispatch.h"
#include "kb/kb.h"
#include "kb/kb_doc.h"
#include "kb/kb_unanswered.h"

/* A reply of the knowledge base as the admin page shows it. */
static json_t *
admin_reply_json(const struct kb_reply *r)
{
	static const char *const types[] = {
		[KB_REPLY_TEXT] = "text", [KB_REPLY_NEWS] = "news",
		[KB_REPLY_IMAGE] = "image", [KB_REPLY_VOICE] = "voice",
		[KB_REPLY_VIDEO] = "video", [KB_REPLY_MUSIC] = "music",
	};
	const struct {
		const char	*key;
		const char	*value;
	} fields[] = {
		{ "content", r->content }, { "media_id", r->media_id },
		{ "title", r->title }, { "description", r->description },
		{ "music_url", r->music_url },
		{ "hq_music_url", r->hq_music_url },
		{ "thumb_media_id", r->thumb_media_id },
	};
	const struct kb_article *art;
	json_t *j, *arts;
	size_t i;

	if (r->type < KB_REPLY_TEXT || r->type > KB_REPLY_MUSIC)
		return json_null();
	j = json_pack("{ss}", "type", types[r->type]);
	for (i = 0; j != NULL && i < sizeof fields / sizeof fields[0]; i++) {
		if (fields[i].value != NULL)
			json_object_set_new(j, fields[i].key,
			    json_string(fields[i].value));
	}
	if (j != NULL && r->type == KB_REPLY_NEWS) {
		arts = json_array();
		for (i = 0; arts != NULL && i < r->narticles; i++) {
			art = &r->articles[i];
			json_array_append_new(arts, json_pack(
			    "{sss?sss?}", "title", art->title, "description",
			    art->description, "url", art->url, "picurl",
			    art->picurl));
		}
		json_object_set_new(j, "articles", arts);
	}
	return j;
}

/* GET /api/query?q=TEXT: what a resident sending TEXT would get. */
void
admin_query(struct admin_api *a, const struct admin_request *req,
    const char *arg, struct admin_result *res)
{
	static const char *const kinds[] = {
		[KB_RESULT_HIT] = "hit", [KB_RESULT_SUGGEST] = "suggest",
		[KB_RESULT_MISS] = "miss", [KB_RESULT_EMPTY] = "empty",
		[KB_RESULT_PERIOD] = "period",
	};
	struct kb_result *kr = NULL;
	struct kb *kb;
	json_t *j, *sugg, *item = NULL, *reply = NULL, *found;
	char q[ADMIN_MAX_PARAM + 1], text[DISPATCH_SUGGEST_MAX], why[512];
	size_t i;
	int r;

	(void)arg;
	r = admin_param(req->query, "q", q, sizeof q);
	if (r <= 0) {
		admin_errorf(res, 400, NULL, "q: %s", r == 0 ? "missing (the "
		    "text a resident would send)" : "badly encoded or too "
		    "long");
		return;
	}
	kb = dispatch_kb_acquire(a->dispatch);
	/* A kb_result holds the whole normalized text: not on the stack. */
	kr = malloc(sizeof *kr);
	if (kb == NULL || kr == NULL) {
		admin_errorf(res, kb == NULL ? 503 : 500, NULL, "%s", kb ==
		    NULL ? "no knowledge base is served" : "out of memory");
		goto out;
	}
	kb_query(kb, q, strlen(q), req->now, kr);
	sugg = json_array();
	for (i = 0; sugg != NULL && i < kr->nsuggestions; i++)
		json_array_append_new(sugg, json_pack("{ssss}", "id",
		    kr->suggestions[i]->id, "title",
		    kr->suggestions[i]->title));
	switch (kr->kind) {
	case KB_RESULT_HIT:
		found = admin_current(a, res) == 0 ? kb_doc_find(a->cur.doc,
		    kr->item->id, NULL) : NULL;
		item = found != NULL ? admin_item(found, req->now) :
		    json_pack("{ssss}", "id", kr->item->id, "title",
		    kr->item->title);
		reply = admin_reply_json(&kr->item->replies[0]);
		break;
	case KB_RESULT_SUGGEST:
	case KB_RESULT_PERIOD:
		if (dispatch_result_text(kb, kr, text, sizeof text) > 0)
			reply = json_pack("{ssss}", "type", "text", "content",
			    text);
		break;
	case KB_RESULT_MISS:
	case KB_RESULT_EMPTY:
		reply = admin_reply_json(kb_fallback(kb));
		break;
	}
	j = json_pack("{sssssssssosbsIsoso}", "normalized", kr->normalized,
	    "result", kinds[kr->kind], "stage", kb_stage_name(kr->stage),
	    "why", kb_result_why(kr, why, sizeof why),
	    "item", item != NULL ? item : json_null(),
	    "exact", kr->kind == KB_RESULT_HIT && kr->exact, "score",
	    (json_int_t)(kr->kind == KB_RESULT_HIT ? kr->covered : 0),
	    "suggestions", sugg, "reply", reply != NULL ? reply :
	    json_null());
	item = NULL;
	/* admin_current() may have set an error: this answer replaces it. */
	res->nheaders = 0;
	admin_reply(res, 200, j);
out:
	json_decref(item);
	free(kr);
	kb_unref(kb);
}

/* The statistics shown: the cluster's when shared, else this instance's. */
static json_t *
admin_stats_view(struct admin_api *a)
{
	if (a->stats_share != NULL)
		return a->stats_share->stats(a->stats_share->arg);
	return dispatch_stats_json(a->dispatch);
}

/* The unanswered questions shown, as admin_stats_view(). */
static json_t *
admin_unanswered_view(struct admin_api *a)
{
	if (a->stats_share != NULL)
		return a->stats_share->unanswered(a->stats_share->arg);
	return dispatch_unanswered_json(a->dispatch, 0);
}

/*
 * GET /api/stats/unanswered: the questions, each a question the served
 * knowledge base now answers marked with "answered_by": {"id", "title"}.
 */
void
admin_unanswered(struct admin_api *a, const struct admin_request *req,
    const char *arg, struct admin_result *res)
{
	struct kb *kb = dispatch_kb_acquire(a->dispatch);
	struct kb_result *kr = malloc(sizeof *kr);
	json_t *j, *q;
	const char *text;
	size_t i;

	(void)arg;
	j = admin_unanswered_view(a);
	if (j == NULL)
		j = json_pack("{sis[]}", "version", 1, "questions");
	json_array_foreach(json_object_get(j, "questions"), i, q) {
		text = json_string_value(json_object_get(q, "text"));
		if (kb == NULL || kr == NULL || text == NULL)
			break;
		kb_query(kb, text, strlen(text), req->now, kr);
		if (kr->kind == KB_RESULT_HIT)
			json_object_set_new(q, "answered_by", json_pack(
			    "{ssss}", "id", kr->item->id, "title",
			    kr->item->title));
	}
	free(kr);
	kb_unref(kb);
	admin_reply(res, 200, j);
}

/* POST /api/stats/unanswered/state {"text", "state"} */
void
admin_unanswered_state(struct admin_api *a, const struct admin_request *req,
    const char *arg, struct admin_result *res)
{
	json_t *body = admin_body(req, res);
	const char *text, *name;
	int st, r;

	(void)arg;
	if (body == NULL)
		return;
	text = json_string_value(json_object_get(body, "text"));
	name = json_string_value(json_object_get(body, "state"));
	st = kb_unanswered_state_parse(name);
	if (text == NULL || st < 0 || json_object_size(body) != 2) {
		admin_errorf(res, 400, admin_detail("state: open, ignored or "
		    "handled"), "the body must be {\"text\": the question "
		    "as listed, \"state\": ...}");
	} else if ((r = a->stats_share != NULL ?
	    a->stats_share->set_state(a->stats_share->arg, text, st,
	    req->now) : dispatch_unanswered_set_state(a->dispatch, text, st,
	    req->now)) == -2) {
		admin_errorf(res, 503, NULL, "too many changes wait for the "
		    "cluster's shared store (Redis): try again later");
	} else if (r != 0) {
		admin_errorf(res, 404, NULL, "no such question in the list");
	} else {
		admin_reply(res, 200, json_pack("{ssss}", "text", text, "state",
		    name));
	}
	json_decref(body);
}

struct admin_hits {
	size_t		 index;		/* in the file */
	json_int_t	 hits;
};

static int
admin_cmp_hits(const void *x, const void *y)
{
	const struct admin_hits *a = x, *b = y;

	if (a->hits != b->hits)
		return a->hits < b->hits ? 1 : -1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/* GET /api/stats/items: hits of the items there are, and the days. */
void
admin_stats_items(struct admin_api *a, const struct admin_request *req,
    const char *arg, struct admin_result *res)
{
	struct admin_hits *order = NULL;
	json_t *stats, *byid = NULL, *items = NULL, *v, *it;
	json_t *doc_items;
	size_t i, n;

	(void)req;
	(void)arg;
	if (admin_current(a, res) != 0)
		return;
	stats = admin_stats_view(a);
	if (stats == NULL)
		stats = json_pack("{s[]s[]}", "items", "days");
	byid = json_object();
	items = json_array();
	doc_items = kb_doc_items(a->cur.doc);
	n = json_array_size(doc_items);
	order = malloc((n + 1) * sizeof *order);
	if (stats == NULL || byid == NULL || items == NULL || order == NULL) {
		admin_errorf(res, 500, NULL, "out of memory");
		goto out;
	}
	json_array_foreach(json_object_get(stats, "items"), i, v)
		json_object_set(byid, json_string_value(json_object_get(v,
		    "id")), json_object_get(v, "hits"));
	json_array_foreach(doc_items, i, it) {
		order[i].index = i;
		order[i].hits = json_integer_value(json_object_get(byid,
		    json_string_value(json_object_get(it, "id")) != NULL ?
		    json_string_value(json_object_get(it, "id")) : ""));
	}
	qsort(order, n, sizeof *order, admin_cmp_hits);
	for (i = 0; i < n; i++) {
		it = json_array_get(doc_items, order[i].index);
		json_array_append_new(items, json_pack("{sO?sO?sI}", "id",
		    json_object_get(it, "id"), "title", json_object_get(it,
		    "title"), "hits", order[i].hits));
	}
	admin_reply(res, 200, json_pack("{sOsOsO*sO*}", "items", items,
	    "days", json_object_get(stats, "days"), "cluster",
	    json_object_get(stats, "cluster"), "instances",
	    json_object_get(stats, "instances")));
out:
	free(order);
	json_decref(items);
	json_decref(byid);
	json_decref(stats);
}

/* One CSV field: quoted when it must be; no spreadsheet formula. */
static void
admin_csv_field(FILE *f, const char *s)
{
	const char *p;

	if (*s == '=' || *s == '+' || *s == '-' || *s == '@' ||
	    *s == '\t' || *s == '\r')
		fputc('\'', f);
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

static void
admin_csv_date(FILE *f, json_int_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];

	if (localtime_r(&tt, &tm) == NULL)
		return;
	strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
	fputs(buf, f);
}

/*
 * "YYYY-MM" into the first second of that month and of the next (local
 * time); 1 when it is a month.
 */
static int
admin_month(const char *s, int *y, int *m, time_t *start, time_t *end)
{
	struct tm tm;

	if (strlen(s) != 7 || s[4] != '-' || s[0] < '0' || s[0] > '9' ||
	    s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9' ||
	    s[3] < '0' || s[3] > '9' || s[5] < '0' || s[5] > '1' ||
	    s[6] < '0' || s[6] > '9')
		return 0;
	*y = atoi(s);
	*m = atoi(s + 5);
	if (*y < 1970 || *m < 1 || *m > 12)
		return 0;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = *y - 1900;
	tm.tm_mon = *m - 1;
	tm.tm_mday = 1;
	tm.tm_isdst = -1;
	*start = mktime(&tm);
	memset(&tm, 0, sizeof tm);
	tm.tm_year = *y - 1900;
	tm.tm_mon = *m;
	tm.tm_mday = 1;
	tm.tm_isdst = -1;
	*end = mktime(&tm);
	return *start != (time_t)-1 && *end != (time_t)-1;
}

/* The counts of date in the statistics' days, zeros when none. */
static void
admin_day_counts(json_t *days, const char *date, json_int_t c[3])
{
	json_t *d;
	size_t i;

	c[0] = c[1] = c[2] = 0;
	json_array_foreach(days, i, d) {
		if (json_is_string(json_object_get(d, "date")) &&
		    strcmp(json_string_value(json_object_get(d, "date")),
		    date) == 0) {
			c[0] = json_integer_value(json_object_get(d,
			    "answered"));
			c[1] = json_integer_value(json_object_get(d,
			    "suggested"));
			c[2] = json_integer_value(json_object_get(d,
			    "unanswered"));
			return;
		}
	}
}

static void
admin_csv_counts(FILE *f, const char *label, const json_int_t c[3])
{
	json_int_t total = c[0] + c[1] + c[2];

	fprintf(f, "%s,%lld,%lld,%lld,", label, (long long)c[0],
	    (long long)c[1], (long long)c[2]);
	if (total > 0)
		fprintf(f, "%.1f%%", 100.0 * (double)c[0] / (double)total);
	fputs("\r\n", f);
}

/*
 * GET /api/stats/export?month=YYYY-MM (default: this month): one row per
 * day, a total, then the unanswered questions asked in the month.
 */
void
admin_stats_export(struct admin_api *a, const struct admin_request *req,
    const char *arg, struct admin_result *res)
{
	static const char *const states_zh[] = {
		[KB_UNANSWERED_OPEN] = "待处理",
		[KB_UNANSWERED_IGNORED] = "已忽略",
		[KB_UNANSWERED_HANDLED] = "已处理",
	};
	json_t *stats = NULL, *un = NULL, *q, *days;
	json_int_t c[3], total[3] = { 0, 0, 0 }, first, last;
	char month[16], date[24], today[24], *buf = NULL;
	struct tm tm;
	size_t size = 0, i;
	time_t start, end;
	FILE *f;
	int y, m, d, r, st;

	(void)arg;
	if (localtime_r(&req->now, &tm) == NULL) {
		admin_errorf(res, 500, NULL, "no local time");
		return;
	}
	strftime(today, sizeof today, "%Y-%m-%d", &tm);
	r = admin_param(req->query, "month", month, sizeof month);
	if (r == 0)
		strftime(month, sizeof month, "%Y-%m", &tm);
	if (r < 0 || !admin_month(month, &y, &m, &start, &end)) {
		admin_errorf(res, 400, NULL, "month: must be YYYY-MM");
		return;
	}
	stats = admin_stats_view(a);
	un = admin_unanswered_view(a);
	f = open_memstream(&buf, &size);
	if (f == NULL) {
		admin_errorf(res, 500, NULL, "out of memory");
		goto out;
	}
	days = json_object_get(stats, "days");
	/* A byte-order mark, so that spreadsheets read UTF-8 as such. */
	fputs("\xef\xbb\xbf", f);
	/* In the words of the office's report; days to come are left out. */
	fputs("日期,答上,给出建议,未答上,回答率\r\n", f);
	for (d = 1; d <= 31; d++) {
		memset(&tm, 0, sizeof tm);
		tm.tm_year = y - 1900;
		tm.tm_mon = m - 1;
		tm.tm_mday = d;
		tm.tm_hour = 12;
		tm.tm_isdst = -1;
		if (mktime(&tm) == (time_t)-1 || tm.tm_mon != m - 1)
			break;
		snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
		if (strcmp(date, today) > 0)
			break;
		admin_day_counts(days, date, c);
		for (i = 0; i < 3; i++)
			total[i] += c[i];
		admin_csv_counts(f, date, c);
	}
	admin_csv_counts(f, "合计", total);
	fputs("\r\n问题,次数,第一次问,最近一次问,处理情况\r\n", f);
	json_array_foreach(json_object_get(un, "questions"), i, q) {
		first = json_integer_value(json_object_get(q, "first_seen"));
		last = json_integer_value(json_object_get(q, "last_seen"));
		if (!json_is_string(json_object_get(q, "text")) ||
		    last < (json_int_t)start || first >= (json_int_t)end)
			continue;
		admin_csv_field(f, json_string_value(json_object_get(q,
		    "text")));
		fprintf(f, ",%lld,", (long long)json_integer_value(
		    json_object_get(q, "count")));
		admin_csv_date(f, first);
		fputc(',', f);
		admin_csv_date(f, last);
		st = kb_unanswered_state_parse(json_string_value(
		    json_object_get(q, "state")));
		fprintf(f, ",%s\r\n", states_zh[st < 0 ? 0 : st]);
	}
	if (fclose(f) != 0) {
		free(buf);
		buf = NULL;
		admin_errorf(res, 500, NULL, "out of memory");
		goto out;
	}
	res->status = 200;
	res->content_type = ADMIN_CSV;
	res->body = buf;
	res->len = size;
	admin_set_header(res, "Content-Disposition", "attachment; "
	    "filename=\"wxkb-stats-%04d-%02d.csv\"", y, m);
out:
	json_decref(stats);
	json_decref(un);
}
