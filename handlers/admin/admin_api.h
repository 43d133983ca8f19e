/*
 * admin_api — the JSON API of the admin listener (docs/admin-api.md), from
 * method, path, query, If-Match, Content-Type and body to status, headers
 * and body.  The caller checks the bearer token and logs what the result
 * asks it to; this module knows nothing of libevent or the journal, so
 * tests and fuzzers drive it directly.
 *
 * A write edits the knowledge-base file as a JSON document (kb_doc),
 * validates the result exactly as `wxkbctl check` does (kb_load_buffer),
 * keeps the version it replaces (kb_history), replaces the file
 * atomically and has it served as a new generation, and only then
 * answers.  With other instances (cfg->cas) the cluster takes the edit
 * first, and the answer waits for it.  Requests are handled one at a time (the admin listener runs
 * on the main loop): not thread-safe.
 */
#ifndef ADMIN_API_H
#define ADMIN_API_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "kb/kb.h"

#define ADMIN_API_MAX_BODY	(1024 * 1024)	/* larger: 413 */
#define ADMIN_API_MAX_HEADERS	3

struct dispatch;
struct admin_api;
struct admin_pending;
struct wx_api;
struct wx_push;
struct admin_stats_share;

enum admin_method {
	ADMIN_GET = 0,
	ADMIN_POST,
	ADMIN_PUT,
	ADMIN_DELETE,
	ADMIN_OTHER,		/* always 405 */
};

/*
 * Serve the knowledge-base file as a new generation.  Returns 0 with its
 * number in *generation, or -1 when it could not be loaded (the callee
 * logs why; the old generation keeps serving).
 */
typedef int (*admin_reload_fn)(void *arg, uint64_t *generation);

/*
 * What the answer to the saying of an edit by the other instances is.
 * WON: the cluster holds it now; LOST: another instance saved first (and
 * this one now serves that version); AWAY: Redis did not answer.
 */
enum admin_cas {
	ADMIN_CAS_WON = 0,
	ADMIN_CAS_LOST,
	ADMIN_CAS_AWAY,
};

/*
 * Called once with the outcome of an admin_cas_fn.  After WON it saves
 * the edit here and returns 0, or -1 when that failed (the caller then
 * brings the cluster's version here); otherwise 0.
 */
typedef int (*admin_cas_done_fn)(void *arg, enum admin_cas outcome);

/*
 * With other instances: make doc (len bytes, revision note->revision,
 * made as note says from revision base) the cluster's knowledge base
 * only if the cluster is still at base.  Returns 0 and done(done_arg,
 * outcome) is called once, later; or -1 when it cannot be asked now.
 */
struct kb_history_entry;
typedef int (*admin_cas_fn)(void *arg, int64_t base, const char *doc,
    size_t len, const struct kb_history_entry *note, admin_cas_done_fn done,
    void *done_arg);

/* The answer to an edit while the other instances cannot be reached. */
#define ADMIN_API_AWAY_ZH	"共享存储（Redis）暂时无法连接，为避免各服务器" \
	"内容不一致，暂停保存修改。请稍后重试；居民的提问照常回答。"

struct admin_api_cfg {
	const char	*kb_path;	/* WXKB_KB */
	const char	*state_dir;	/* WXKB_STATE_DIR: history/ */
	struct dispatch	*dispatch;	/* served generation, statistics */
	admin_reload_fn	 reload;
	void		*reload_arg;
	struct wx_api	*api;		/* NULL: the WeChat API is off */
	struct wx_push	*push;		/* with api */
	admin_cas_fn	 cas;		/* NULL: one instance */
	void		*cas_arg;
	/* NULL: statistics are this instance's (admin_stats_share.h) */
	const struct admin_stats_share *stats_share;
};

/* Who may do what: the bearer token (and a caller that says nothing) may
 * do all; an editor changes answers but may not push or sync the menu. */
enum admin_role {
	ADMIN_ROLE_PUBLISHER = 0,
	ADMIN_ROLE_EDITOR,
};

/* Bytes of the name of the person behind a request. */
#define ADMIN_PERSON_MAX	64

/* One request; every pointer is borrowed for the call. */
struct admin_request {
	enum admin_method method;
	const char	*path;		/* as sent, still percent-encoded */
	const char	*query;		/* NULL when none */
	const char	*if_match;	/* the header, or NULL */
	const char	*content_type;	/* the header, or NULL */
	const char	*body;
	size_t		 len;
	time_t		 now;
	const char	*person;	/* who asks, from the transport: a
					   staff name or "token"; NULL: "" */
	enum admin_role	 role;
};

enum admin_log {
	ADMIN_LOG_NONE = 0,
	ADMIN_LOG_NOTICE,
	ADMIN_LOG_WARNING,
	ADMIN_LOG_ERR,
};

struct admin_header {
	const char	*name;		/* static */
	char		 value[128];
};

/* The answer, and what to log; release with admin_result_cleanup(). */
struct admin_result {
	int		 status;
	const char	*content_type;	/* static */
	char		*body;		/* malloc'ed */
	size_t		 len;
	struct admin_header headers[ADMIN_API_MAX_HEADERS];	/* ETag, ... */
	size_t		 nheaders;

	/*
	 * What to log: nothing (event NULL); a change, "kb_audit" at
	 * ADMIN_LOG_NOTICE with the fields below; or a failure,
	 * "kb_save_failed" (warning) or "reload_failed" (err).
	 */
	const char	*event;
	enum admin_log	 log;
	const char	*action;	/* "create", "update", "delete",
					   "settings", "restore" or NULL */
	char		 item[KB_MAX_ID + 1];	/* "" when not one item */
	int64_t		 old_revision;
	int64_t		 new_revision;
	char		*message;	/* malloc'ed line to log, or NULL */
	char		 person[ADMIN_PERSON_MAX + 1];	/* the request's */
};

/*
 * A new API over the file cfg->kb_path.  cfg's strings are copied; the
 * dispatcher and the callback must outlive the API.  Returns NULL with
 * *cause (malloc'ed) when out of memory; a history index that cannot be
 * read is no failure, but *warning (malloc'ed, else NULL) says so.
 */
struct admin_api *admin_api_new(const struct admin_api_cfg *cfg,
	    char **cause, char **warning);

/* Free; NULL is a no-op. */
void	admin_api_free(struct admin_api *);

/*
 * An edit made on another instance: keep the version it replaced (old,
 * len bytes, revision old_rev) with its note next in this history, as
 * that instance kept it.  Returns 0, or -1 with *cause (malloc'ed).
 */
int	admin_api_keep(struct admin_api *, int64_t old_rev, const char *old,
	    size_t len, const struct kb_history_entry *next, char **cause);

/*
 * Where an answer goes: called once with the result, which done may take
 * over (zero what it takes); the rest is released after the call.
 */
typedef void (*admin_done_fn)(void *arg, struct admin_result *res);

/*
 * Answer req through the one route table of /api/: done(arg, res) is
 * called once, before this returns for most routes and later for those
 * that wait for WeChat (push, menu, import) and, with cfg->cas, for the
 * knowledge-base writes.  Returns NULL when answered,
 * else the pending answer, to be cancelled with admin_pending_cancel() if
 * the client leaves first (done is then never called).
 */
struct admin_pending *admin_api_serve(struct admin_api *,
	    const struct admin_request *req, admin_done_fn done, void *arg);

/* The client of a pending answer left: drop the answer when it comes. */
void	admin_pending_cancel(struct admin_pending *);

/*
 * Handle one request answered at once (tests, fuzzers); res is filled in
 * every case, with a 500 for a route that answers later.
 */
void	admin_api_handle(struct admin_api *, const struct admin_request *req,
	    struct admin_result *res);

void	admin_result_cleanup(struct admin_result *);

#endif
