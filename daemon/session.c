/*
 * session — the admin page's sign-in sessions (session.h).
 */
#include <stdio.h>
#include <string.h>

#include "daemon/session.h"
#include "handlers/callback/wx_sig.h"
#include "lib/rand.h"

void
session_init(struct session_store *st, long idle)
{
	memset(st, 0, sizeof *st);
	st->idle = idle > 0 ? idle : SESSION_IDLE;
}

/* SESSION_TOKEN_LEN hex characters of random bytes: 0 or -1. */
static int
session_token(char out[SESSION_TOKEN_LEN + 1])
{
	unsigned char b[SESSION_TOKEN_LEN / 2];
	size_t i;

	if (rand_bytes(b, sizeof b) != 0)
		return -1;
	for (i = 0; i < sizeof b; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}

struct session *
session_open(struct session_store *st, const struct users_entry *e,
    time_t now)
{
	struct session *s = &st->s[0];
	size_t i;

	/* A free slot, else the one idle the longest. */
	for (i = 0; i < SESSION_SLOTS; i++) {
		if (st->s[i].id[0] == '\0') {
			s = &st->s[i];
			break;
		}
		if (st->s[i].seen < s->seen)
			s = &st->s[i];
	}
	memset(s, 0, sizeof *s);
	if (session_token(s->id) != 0 || session_token(s->csrf) != 0) {
		memset(s, 0, sizeof *s);
		return NULL;
	}
	snprintf(s->name, sizeof s->name, "%s", e->name);
	snprintf(s->hash, sizeof s->hash, "%s", e->hash);
	s->seen = now;
	return s;
}

struct session *
session_find(struct session_store *st, const char *id, time_t now)
{
	struct session *found = NULL;
	size_t i;

	if (id == NULL || strlen(id) != SESSION_TOKEN_LEN)
		return NULL;
	/* Every slot is compared, so the time says nothing of the match. */
	for (i = 0; i < SESSION_SLOTS; i++)
		if (st->s[i].id[0] != '\0' &&
		    wx_sig_equal(st->s[i].id, id, SESSION_TOKEN_LEN))
			found = &st->s[i];
	if (found == NULL)
		return NULL;
	if (now - found->seen > st->idle || now < found->seen - 60) {
		session_close(found);
		return NULL;
	}
	found->seen = now;
	return found;
}

int
session_csrf_ok(const struct session *s, const char *token)
{
	return token != NULL && strlen(token) == SESSION_TOKEN_LEN &&
	    wx_sig_equal(s->csrf, token, SESSION_TOKEN_LEN);
}

void
session_close(struct session *s)
{
	memset(s, 0, sizeof *s);
}

int
session_cookie(const char *header, char *buf)
{
	const char *p = header;
	size_t klen = strlen(SESSION_COOKIE), n;

	while (p != NULL && *p != '\0') {
		p += strspn(p, " \t;");
		if (strncmp(p, SESSION_COOKIE, klen) == 0 && p[klen] == '=') {
			p += klen + 1;
			n = strcspn(p, "; \t");
			if (n != SESSION_TOKEN_LEN ||
			    strspn(p, "0123456789abcdef") < n)
				return 0;
			memcpy(buf, p, n);
			buf[n] = '\0';
			return 1;
		}
		p = strchr(p, ';');
	}
	return 0;
}
