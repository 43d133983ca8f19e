/*
 * fuzz_wx_msg — wx_msg_parse() on raw bytes.  A parsed message must be
 * self-consistent (typed members point at the first field of their name,
 * values are NUL-terminated and hold no NUL), and a text message must
 * survive wx_reply_render() and a second parse: what comes back is exactly
 * the input's text with what XML cannot carry dropped, as computed here by
 * an independent reference.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/callback/wx_msg.h"
#include "handlers/callback/wx_reply.h"
#include "tests/fuzz/fuzz_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Length of the well-formed UTF-8 character at s (n bytes), or 0. */
static size_t
ref_utf8(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t	c, min;
	size_t		len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/*
 * What a conforming parser reads back from CDATA holding s after the
 * renderer cleaned it: broken UTF-8 and characters outside XML 1.0's Char
 * production dropped, then line ends normalized (CR LF and lone CR to LF),
 * which XML applies to CDATA too.  Returns a malloc'ed string.
 */
static char *
ref_roundtrip(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t		 n = strlen(s), i = 0, k, o = 0, j, m;
	uint32_t	 c;
	char		*clean, *out;

	clean = malloc(n + 1);
	out = malloc(n + 1);
	CHECK(clean != NULL && out != NULL);
	while (i < n) {
		k = ref_utf8(u + i, n - i, &c);
		if (k == 0) {
			i++;
			continue;
		}
		if (c == 0x9 || c == 0xa || c == 0xd ||
		    (c >= 0x20 && c <= 0xd7ff) ||
		    (c >= 0xe000 && c <= 0xfffd) || c >= 0x10000) {
			memcpy(clean + o, s + i, k);
			o += k;
		}
		i += k;
	}
	for (j = 0, m = 0; j < o; j++) {
		if (clean[j] == '\r') {
			out[m++] = '\n';
			if (j + 1 < o && clean[j + 1] == '\n')
				j++;
		} else
			out[m++] = clean[j];
	}
	out[m] = '\0';
	free(clean);
	return out;
}

static void
check_member(const struct wx_msg *m, const char *member, const char *want)
{
	size_t	i;

	CHECK(member == want);
	if (member == NULL)
		return;
	for (i = 0; i < m->nfields; i++) {
		if (m->fields[i].value == member)
			return;
	}
	CHECK(!"typed member outside fields[]");
}

static void
check_msg(const struct wx_msg *m)
{
	const struct wx_field *f;
	const char	*id;
	size_t		 i, plen;

	CHECK(m->nfields <= WX_MSG_MAX_FIELDS);
	CHECK(m->nfields == 0 || m->fields != NULL);
	for (i = 0; i < m->nfields; i++) {
		f = &m->fields[i];
		CHECK(f->path != NULL && f->value != NULL);
		plen = strlen(f->path);
		CHECK(plen > 0 && plen <= WX_MSG_MAX_PATH);
		CHECK(f->path[0] != '/' && f->path[plen - 1] != '/');
		CHECK(strstr(f->path, "//") == NULL);
		/* XML cannot carry a NUL, not even as a reference. */
		CHECK(f->value[f->len] == '\0');
		CHECK(strlen(f->value) == f->len);
		if (strcmp(f->path, "Encrypt") == 0 && f->len > 0) {
			CHECK(strchr(" \t\r\n", f->value[0]) == NULL);
			CHECK(strchr(" \t\r\n", f->value[f->len - 1]) == NULL);
		}
		CHECK(wx_msg_get(m, f->path) != NULL);
	}
	check_member(m, m->to_user, wx_msg_get(m, "ToUserName"));
	check_member(m, m->from_user, wx_msg_get(m, "FromUserName"));
	check_member(m, m->msg_type, wx_msg_get(m, "MsgType"));
	check_member(m, m->event_name, wx_msg_get(m, "Event"));
	check_member(m, m->event_key, wx_msg_get(m, "EventKey"));
	check_member(m, m->content, wx_msg_get(m, "Content"));
	check_member(m, m->recognition, wx_msg_get(m, "Recognition"));
	check_member(m, m->encrypt, wx_msg_get(m, "Encrypt"));
	id = wx_msg_get(m, "MsgId");
	check_member(m, m->msg_id, id != NULL ? id : wx_msg_get(m, "MsgID"));

	if (m->type != WX_MSG_UNKNOWN) {
		CHECK(m->msg_type != NULL);
		CHECK(strcmp(m->msg_type, wx_msg_type_name(m->type)) == 0);
	}
	CHECK((m->type == WX_MSG_EVENT) == (m->event != WX_EV_NONE));
	if (m->event != WX_EV_NONE && m->event != WX_EV_UNKNOWN)
		CHECK(strcmp(m->event_name, wx_event_name(m->event)) == 0);
}

/* Render a text reply carrying the message's own strings, parse it back. */
static void
check_roundtrip(const struct wx_msg *m)
{
	struct wx_reply	 rep;
	struct wx_msg	*back = NULL, *again = NULL;
	const char	*to, *from;
	char		*xml = NULL, *xml2 = NULL, *want, *want_to, *want_from;
	size_t		 len, len2;
	int		 r;

	to = m->from_user != NULL && *m->from_user != '\0' ?
	    m->from_user : "oFuzzUser";
	from = m->to_user != NULL && *m->to_user != '\0' ?
	    m->to_user : "gh_fuzz";
	memset(&rep, 0, sizeof rep);
	rep.type = WX_REPLY_TEXT;
	rep.content = m->content;
	want = ref_roundtrip(m->content);
	want_to = ref_roundtrip(to);
	want_from = ref_roundtrip(from);

	r = wx_reply_render(&rep, to, from, m->create_time, &xml, &len);
	if (*want == '\0') {
		/* Nothing printable is left: an empty reply is refused. */
		CHECK(r == WX_REPLY_ERR_INVALID && xml == NULL);
		goto out;
	}
	CHECK(r == WX_REPLY_OK && xml != NULL);
	CHECK(strlen(xml) == len);
	r = wx_msg_parse(xml, len, &back);
	if (len > WX_MSG_MAX_BYTES) {
		/* "]]>" splitting can grow a maximal message past the cap. */
		CHECK(r == WX_MSG_ERR_LIMIT);
		goto out;
	}
	CHECK(r == WX_MSG_OK);
	CHECK(back->type == WX_MSG_TEXT);
	CHECK(back->content != NULL && strcmp(back->content, want) == 0);
	CHECK(back->to_user != NULL && strcmp(back->to_user, want_to) == 0);
	CHECK(back->from_user != NULL &&
	    strcmp(back->from_user, want_from) == 0);
	CHECK(back->create_time == m->create_time);
	CHECK(back->nfields == 5);

	/* A second round trip changes nothing. */
	rep.content = back->content;
	r = wx_reply_render(&rep, back->from_user[0] != '\0' ?
	    back->from_user : to, back->to_user[0] != '\0' ?
	    back->to_user : from, back->create_time, &xml2, &len2);
	CHECK(r == WX_REPLY_OK);
	r = wx_msg_parse(xml2, len2, &again);
	CHECK(r == WX_MSG_OK);
	CHECK(strcmp(again->content, back->content) == 0);
out:
	wx_msg_free(again);
	wx_msg_free(back);
	free(xml2);
	free(xml);
	free(want);
	free(want_to);
	free(want_from);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wx_msg	*m = (struct wx_msg *)&m;
	int		 r;

	r = wx_msg_parse((const char *)data, size, &m);
	if (r != WX_MSG_OK) {
		CHECK(m == NULL);
		CHECK(r >= WX_MSG_ERR_NOMEM && r <= WX_MSG_ERR_SYNTAX);
		CHECK(wx_msg_strerror(r) != NULL);
		return 0;
	}
	CHECK(m != NULL);
	check_msg(m);
	if (m->type == WX_MSG_TEXT && m->content != NULL &&
	    *m->content != '\0')
		check_roundtrip(m);
	wx_msg_free(m);
	return 0;
}
