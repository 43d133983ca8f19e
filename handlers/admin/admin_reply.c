/*
 * admin_reply — the admin API's requests and answers: the body
 * (Content-Type, size, JSON object), If-Match, query parameters, the
 * JSON answer with its headers, errors with details, and the audit or
 * failure notes a request leaves for the log.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "handlers/admin/admin_api.h"
#include "handlers/admin/admin_int.h"
#include "kb/kb_doc.h"
#include "lib/pct.h"

/* Answer status with j (the reference is stolen) as compact JSON. */
void
admin_reply(struct admin_result *res, int status, json_t *j)
{
	char *text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	char *body;
	size_t n;

	json_decref(j);
	free(res->body);
	res->body = NULL;
	res->len = 0;
	res->content_type = ADMIN_JSON;
	if (text == NULL) {
		static const char nomem[] = "{\"error\":\"out of memory\"}\n";

		res->status = 500;
		res->body = strdup(nomem);
		res->len = res->body != NULL ? strlen(res->body) : 0;
		return;
	}
	n = strlen(text);
	/* Grown in place when possible; text stays valid when not. */
	body = realloc(text, n + 2);
	if (body == NULL) {
		res->body = text;
		res->len = n;
	} else {
		body[n] = '\n';
		body[n + 1] = '\0';
		res->body = body;
		res->len = n + 1;
	}
	res->status = status;
}

void
admin_set_header(struct admin_result *res, const char *name,
    const char *fmt, ...)
{
	struct admin_header *h;
	va_list ap;

	if (res->nheaders == ADMIN_API_MAX_HEADERS)
		return;
	h = &res->headers[res->nheaders++];
	h->name = name;
	va_start(ap, fmt);
	vsnprintf(h->value, sizeof h->value, fmt, ap);
	va_end(ap);
}

void
admin_etag(struct admin_result *res, int64_t rev)
{
	admin_set_header(res, "ETag", "\"%" PRId64 "\"", rev);
}

/*
 * {"error": message, "details": details} (details stolen, may be NULL;
 * an object is merged in instead, for "current" and the like).
 */
void
admin_errorf(struct admin_result *res, int status, json_t *details,
    const char *fmt, ...)
{
	json_t *j;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	j = json_pack("{ss}", "error", msg);
	if (j != NULL && json_is_array(details))
		json_object_set(j, "details", details);
	else if (j != NULL && json_is_object(details))
		json_object_update(j, details);
	json_decref(details);
	admin_reply(res, status, j);
}

/* A details array of one string (or none when s is NULL). */
json_t *
admin_detail(const char *s)
{
	return s != NULL ? json_pack("[s]", s) : NULL;
}

/* Fill the audit fields of a change. */
void
admin_audit(struct admin_result *res, const char *action, const char *item,
    int64_t old_rev, int64_t new_rev)
{
	res->event = "kb_audit";
	res->log = ADMIN_LOG_NOTICE;
	res->action = action;
	snprintf(res->item, sizeof res->item, "%s", item != NULL ? item : "");
	res->old_revision = old_rev;
	res->new_revision = new_rev;
	free(res->message);
	if (asprintf(&res->message, "knowledge base %s%s%s: revision %"
	    PRId64 " -> %" PRId64 " by %s", action, item != NULL ? " " : "",
	    item != NULL ? item : "", old_rev, new_rev,
	    res->person[0] != '\0' ? res->person : "(unknown)") == -1)
		res->message = NULL;
}

/* Note a failure to log. */
void
admin_log_failure(struct admin_result *res, const char *event,
    enum admin_log level, const char *what, const char *cause)
{
	res->event = event;
	res->log = level;
	free(res->message);
	if (asprintf(&res->message, "%s: %s", what, cause != NULL ? cause :
	    "unknown reason") == -1)
		res->message = NULL;
}

/*
 * An If-Match header: "5", "\"5\"" or W/"5".  Returns 1 with *rev, 0 when
 * absent, -1 when it is not a revision.
 */
int
admin_if_match(const char *h, int64_t *rev)
{
	int64_t v = 0;
	int quoted = 0, digits = 0;

	if (h == NULL)
		return 0;
	while (*h == ' ' || *h == '\t')
		h++;
	if (*h == '\0')
		return 0;
	if (strncmp(h, "W/", 2) == 0)
		h += 2;
	if (*h == '"') {
		quoted = 1;
		h++;
	}
	for (; *h >= '0' && *h <= '9'; h++) {
		if (++digits > 16)
			return -1;
		v = v * 10 + (*h - '0');
	}
	if (digits == 0 || (quoted && *h++ != '"'))
		return -1;
	while (*h == ' ' || *h == '\t')
		h++;
	if (*h != '\0' || v > KB_DOC_MAX_REVISION)
		return -1;
	*rev = v;
	return 1;
}

/* The If-Match revision a write needs: 0, or -1 with res filled. */
int
admin_need_match(const struct admin_request *req, struct admin_result *res,
    int64_t *rev)
{
	switch (admin_if_match(req->if_match, rev)) {
	case 1:
		return 0;
	case 0:
		admin_errorf(res, 428, NULL, "a write needs If-Match with the "
		    "revision it edited");
		return -1;
	default:
		admin_errorf(res, 400, NULL, "If-Match must be a revision "
		    "number");
		return -1;
	}
}

/* 1 when ct is application/json, with no charset other than UTF-8. */
static int
admin_is_json(const char *ct)
{
	static const char mt[] = "application/json";
	const char *p;

	if (ct == NULL)
		return 0;
	while (*ct == ' ')
		ct++;
	if (strncasecmp(ct, mt, sizeof mt - 1) != 0)
		return 0;
	p = ct + sizeof mt - 1;
	while (*p == ' ')
		p++;
	if (*p == '\0')
		return 1;
	if (*p != ';')
		return 0;
	p = strcasestr(p, "charset=");
	if (p == NULL)
		return 1;
	p += 8;
	if (*p == '"')
		p++;
	return strncasecmp(p, "utf-8", 5) == 0 && (p[5] == '\0' ||
	    p[5] == '"' || p[5] == ';' || p[5] == ' ');
}

/*
 * The request body as a JSON object (new reference), or NULL with res
 * filled: 413, 415 or 400.
 */
json_t *
admin_body(const struct admin_request *req, struct admin_result *res)
{
	json_error_t jerr;
	json_t *j;

	if (req->len > ADMIN_API_MAX_BODY) {
		admin_errorf(res, 413, NULL, "the body is larger than %d bytes",
		    ADMIN_API_MAX_BODY);
		return NULL;
	}
	if (!admin_is_json(req->content_type)) {
		admin_errorf(res, 415, NULL, "the body must be application/json "
		    "in UTF-8");
		return NULL;
	}
	j = json_loadb(req->body != NULL ? req->body : "", req->len,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		admin_errorf(res, 400, NULL, "the body is not JSON: %d:%d: %s",
		    jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		admin_errorf(res, 400, NULL, "the body must be a JSON object");
		return NULL;
	}
	return j;
}

/*
 * The query parameter name, percent-decoded ('+' is a space) into buf.
 * Returns 1 when found, 0 when absent, -1 when it is badly encoded, holds
 * a NUL or does not fit.
 */
int
admin_param(const char *query, const char *name, char *buf, size_t size)
{
	const char *p, *end, *v;
	size_t nlen = strlen(name);

	for (p = query; p != NULL && *p != '\0'; p = *end != '\0' ? end + 1 :
	    end) {
		end = strchr(p, '&');
		if (end == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) < nlen || strncmp(p, name, nlen) != 0 ||
		    (p[nlen] != '=' && p + nlen != end))
			continue;
		v = p + nlen + (p[nlen] == '=');
		return pct_decode(v, (size_t)(end - v), buf, size) < 0 ? -1 : 1;
	}
	return 0;
}
