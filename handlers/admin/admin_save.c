/*
 * admin_save — the one place a write decides how it is saved.  One
 * instance: validated, kept in the history, saved, served and answered at
 * once.  With other instances (admin_api_cfg.cas) a validated write is
 * first offered to the cluster, which takes it only if nobody saved since
 * the revision it was based on; only then is it saved here and answered.
 * A write that loses gets 409 with the version that won (which this
 * instance then serves), one that cannot reach Redis 503; neither is
 * saved anywhere.  One write waits on the cluster at a time: another
 * arriving meanwhile gets 503 and is asked to try again in a moment.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "handlers/admin/admin_api.h"
#include "handlers/admin/admin_int.h"
#include "kb/kb_doc.h"
#include "kb/kb_history.h"

#define ADMIN_CONFLICT_ZH	"另一位同事刚刚保存了修改，您的修改没有保存；" \
	"页面已更新为最新内容，请重新修改。"
#define ADMIN_BUSY_ZH		"另一项修改正在保存，请几秒后重试。"

/* A validated write waiting for the cluster. */
struct admin_save {
	struct admin_api	*a;
	struct admin_pending	*p;	/* NULL until the route returned */
	json_t			*doc;	/* the new document */
	char			*text;	/* as it is saved */
	size_t			 len;
	struct kb_history_entry	 note;
	int64_t			 old_rev;
	int			 status;
	int			 with_item;
	time_t			 now;
	json_t			*warnings;
};

/* The action as a static string, for the audit fields of a result. */
static const char *
admin_save_action(const char *action)
{
	static const char *const known[] = {
		"create", "update", "delete", "settings", "restore"
	};
	size_t i;

	for (i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcmp(action, known[i]) == 0)
			return known[i];
	return "file";
}

/* The answer to a write saved here as generation gen (warnings stolen). */
static void
admin_save_answer(json_t *doc,
    const struct kb_history_entry *note, int64_t old_rev, int status,
    int with_item, time_t now, uint64_t gen, json_t *warnings,
    struct admin_result *res)
{
	const char *item = note->item[0] != '\0' ? note->item : NULL;

	admin_etag(res, note->revision);
	if (with_item)
		admin_reply(res, status, admin_written_item(note->revision, gen,
		    warnings, admin_item(kb_doc_find(doc, note->item, NULL),
		    now)));
	else
		admin_reply(res, status, admin_written(note->revision, gen,
		    warnings));
	admin_audit(res, admin_save_action(note->action), item, old_rev,
	    note->revision);
	if (note->restored != 0 && item == NULL) {
		free(res->message);
		if (asprintf(&res->message, "knowledge base restore of "
		    "revision %" PRId64 ": revision %" PRId64 " -> %" PRId64,
		    note->restored, old_rev, note->revision) == -1)
			res->message = NULL;
	}
}

int
admin_save(struct admin_api *a, json_t *doc,
    const struct kb_history_entry *what, int64_t old_rev, int status,
    int with_item, time_t now, struct admin_result *res)
{
	struct kb_history_entry note;
	struct admin_save *s;
	json_t *warnings;
	uint64_t gen;
	size_t len;
	char *text;
	int r;

	if (a->saving != NULL) {
		admin_set_header(res, "Retry-After", "2");
		admin_errorf(res, 503, json_pack("{ss}", "message_zh",
		    ADMIN_BUSY_ZH), "another change is being saved; try again "
		    "in a moment");
		return -1;
	}
	if (admin_commit_prepare(a, doc, what, res, &text, &len, &note,
	    &warnings) != 0)
		return -1;
	if (a->cas == NULL) {
		r = admin_commit_finish(a, text, len, &note, res, &gen);
		if (r == 0)
			admin_save_answer(doc, &note, old_rev, status,
			    with_item, now, gen, warnings, res);
		else
			json_decref(warnings);
		free(text);
		return r;
	}
	s = calloc(1, sizeof *s);
	if (s == NULL) {
		json_decref(warnings);
		free(text);
		admin_errorf(res, 500, NULL, "out of memory");
		return -1;
	}
	s->a = a;
	s->doc = json_incref(doc);
	s->text = text;
	s->len = len;
	s->note = note;
	s->old_rev = old_rev;
	s->status = status;
	s->with_item = with_item;
	s->now = now;
	s->warnings = warnings;
	a->saving = s;
	return 0;
}

int
admin_save_waiting(const struct admin_api *a)
{
	return a->saving != NULL && a->saving->p == NULL;
}

static void
admin_save_free(struct admin_save *s)
{
	json_decref(s->doc);
	json_decref(s->warnings);
	free(s->text);
	free(s);
}

void
admin_save_clear(struct admin_api *a)
{
	if (a->saving == NULL)
		return;
	admin_save_free(a->saving);
	a->saving = NULL;
}

/* 503: the other instances cannot be reached; nothing was saved. */
static void
admin_save_away(struct admin_result *res)
{
	admin_set_header(res, "Retry-After", "10");
	admin_errorf(res, 503, NULL, "%s", ADMIN_API_AWAY_ZH);
}

/*
 * 409: another instance saved first.  The details are those of a 412 of
 * the route, from the version this instance serves now (the winner).
 */
static void
admin_save_conflict(struct admin_api *a, const struct admin_save *s,
    struct admin_result *res)
{
	struct admin_result tmp;
	json_t *details = NULL;
	int64_t rev;

	memset(&tmp, 0, sizeof tmp);
	if (admin_current(a, &tmp) == 0) {
		rev = kb_doc_revision(a->cur.doc);
		if (s->note.item[0] != '\0')
			details = admin_current_item(kb_doc_find(a->cur.doc,
			    s->note.item, NULL), s->now, rev);
		else if (strcmp(s->note.action, "settings") == 0)
			details = json_pack("{so}", "current",
			    admin_kb_settings(a->cur.doc));
		else
			details = json_pack("{sI}", "revision",
			    (json_int_t)rev);
	}
	admin_result_cleanup(&tmp);
	if (details == NULL)
		details = json_object();
	json_object_set_new(details, "conflict", json_string("cluster"));
	json_object_set_new(details, "message_zh",
	    json_string(ADMIN_CONFLICT_ZH));
	admin_errorf(res, 409, details, "another instance saved a change "
	    "first; this change was not saved (revision %" PRId64 " was the "
	    "base)", s->old_rev);
	admin_log_failure(res, "kb_conflict", ADMIN_LOG_NOTICE, "knowledge-"
	    "base change refused: another instance saved first",
	    "compare-and-set lost");
	res->action = admin_save_action(s->note.action);
	snprintf(res->item, sizeof res->item, "%s", s->note.item);
	res->old_revision = s->old_rev;
	res->new_revision = s->note.revision;
}

/*
 * The cluster took the write: save it here.  The file must still be the
 * version the write was based on.  Returns 0, or -1 with res filled.
 */
static int
admin_save_here(struct admin_api *a, struct admin_save *s,
    struct admin_result *res)
{
	uint64_t gen;

	if (admin_current(a, res) != 0)
		return -1;
	if (kb_doc_revision(a->cur.doc) != s->old_rev) {
		admin_errorf(res, 500, NULL, "the knowledge-base file changed "
		    "while the change was being saved; the other instances "
		    "have it and this one takes it from them");
		admin_log_failure(res, "kb_save_failed", ADMIN_LOG_WARNING,
		    "knowledge-base change taken by the cluster but not "
		    "written here", "the file changed meanwhile");
		return -1;
	}
	if (admin_commit_finish(a, s->text, s->len, &s->note, res,
	    &gen) != 0)
		return -1;
	admin_save_answer(s->doc, &s->note, s->old_rev, s->status,
	    s->with_item, s->now, gen, s->warnings, res);
	s->warnings = NULL;
	return 0;
}

/* admin_cas_done_fn: answer the write by the cluster's outcome. */
static int
admin_save_done(void *arg, enum admin_cas outcome)
{
	struct admin_save *s = arg;
	struct admin_api *a = s->a;
	struct admin_result res;
	int r = 0;

	memset(&res, 0, sizeof res);
	snprintf(res.person, sizeof res.person, "%s", s->p->person);
	switch (outcome) {
	case ADMIN_CAS_WON:
		r = admin_save_here(a, s, &res);
		break;
	case ADMIN_CAS_LOST:
		admin_save_conflict(a, s, &res);
		break;
	case ADMIN_CAS_AWAY:
		admin_save_away(&res);
		break;
	}
	a->saving = NULL;
	admin_pending_result(s->p, &res);
	admin_save_free(s);
	return r;
}

/* An admin_async_fn: offer the waiting write to the cluster. */
void
admin_save_send(struct admin_api *a, const struct admin_request *req,
    const char *arg, struct admin_pending *p)
{
	struct admin_save *s = a->saving;

	(void)req;
	(void)arg;
	s->p = p;
	if (a->cas(a->cas_arg, s->old_rev, s->text, s->len, &s->note,
	    admin_save_done, s) != 0)
		(void)admin_save_done(s, ADMIN_CAS_AWAY);
}
