/*
 * wx_msg.c — inbound WeChat message XML (protocol doc §5) parsed with expat
 * into (path, value) fields.  The body is hostile until proven otherwise:
 * a DTD is refused as soon as it starts, before anything in it is read, so
 * no entity is ever declared, expanded or fetched; sizes, depth and field
 * count are checked as elements arrive.
 */
#include <expat.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "handlers/callback/wx_arena.h"
#include "handlers/callback/wx_msg.h"
#include "lib/rand.h"

/* Bytes kept for all "path\0value\0" pairs: values never outgrow input. */
#define STORE_MAX	(WX_MSG_MAX_BYTES + \
			    WX_MSG_MAX_FIELDS * (WX_MSG_MAX_PATH + 2))

/*
 * Stack bytes for one parse: the parse state, expat and the buffers of a
 * message of a few KiB fit; a bigger one spills to malloc.
 */
#define PARSE_ARENA	(32 * 1024)

/* A growing byte buffer with a fixed ceiling, in the parse's arena. */
struct buf {
	struct wx_arena	*arena;
	char		*p;
	size_t		 len;
	size_t		 cap;
	size_t		 max;
};

/* One field while parsing: offsets into the store, which may move. */
struct field_rec {
	size_t	path_off;
	size_t	value_off;
	size_t	len;
};

struct parse_state {
	XML_Parser	 parser;
	int		 err;	/* first wx_msg_err met, or WX_MSG_OK */
	unsigned	 depth;	/* open elements; <xml> is 1 */
	unsigned	 seen;	/* bit per header_names[] met at depth 2 */
	char		 path[WX_MSG_MAX_PATH + 1];
	size_t		 plen[WX_MSG_MAX_DEPTH + 1];	/* path bytes */
	unsigned char	 has_child[WX_MSG_MAX_DEPTH + 1];
	struct buf	 text;	/* character data of the open element */
	struct buf	 store;	/* "path\0value\0" of every field */
	struct field_rec recs[WX_MSG_MAX_FIELDS];
	size_t		 nrecs;
};

/* The message, its fields and their strings live in one allocation. */
struct msg_block {
	struct wx_msg	msg;
	struct wx_field	fields[];
};

/*
 * Top-level elements behind a typed member: given twice they would make
 * the message mean two things (which MsgId is deduped, which OpenID is
 * answered), so a second one is refused rather than silently ignored.
 */
static const char *const header_names[] = {
	"ToUserName", "FromUserName", "CreateTime", "MsgType", "Event",
	"EventKey", "MsgId", "MsgID", "Content", "Recognition", "Encrypt",
};

static const char *const type_names[] = {
	[WX_MSG_UNKNOWN] = "unknown",
	[WX_MSG_TEXT] = "text",
	[WX_MSG_IMAGE] = "image",
	[WX_MSG_VOICE] = "voice",
	[WX_MSG_VIDEO] = "video",
	[WX_MSG_SHORTVIDEO] = "shortvideo",
	[WX_MSG_LOCATION] = "location",
	[WX_MSG_LINK] = "link",
	[WX_MSG_EVENT] = "event",
};

/* Wire names: Event is case-sensitive, hence upper and lower case here. */
static const char *const event_names[] = {
	[WX_EV_NONE] = "none",
	[WX_EV_UNKNOWN] = "unknown",
	[WX_EV_SUBSCRIBE] = "subscribe",
	[WX_EV_UNSUBSCRIBE] = "unsubscribe",
	[WX_EV_SCAN] = "SCAN",
	[WX_EV_LOCATION] = "LOCATION",
	[WX_EV_CLICK] = "CLICK",
	[WX_EV_VIEW] = "VIEW",
	[WX_EV_SCANCODE_PUSH] = "scancode_push",
	[WX_EV_SCANCODE_WAITMSG] = "scancode_waitmsg",
	[WX_EV_PIC_SYSPHOTO] = "pic_sysphoto",
	[WX_EV_PIC_PHOTO_OR_ALBUM] = "pic_photo_or_album",
	[WX_EV_PIC_WEIXIN] = "pic_weixin",
	[WX_EV_LOCATION_SELECT] = "location_select",
	[WX_EV_VIEW_MINIPROGRAM] = "view_miniprogram",
	[WX_EV_MASSSENDJOBFINISH] = "MASSSENDJOBFINISH",
	[WX_EV_TEMPLATESENDJOBFINISH] = "TEMPLATESENDJOBFINISH",
	[WX_EV_PUBLISHJOBFINISH] = "PUBLISHJOBFINISH",
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Append n bytes; WX_MSG_ERR_LIMIT past the ceiling. */
static int
buf_add(struct buf *b, const char *s, size_t n)
{
	size_t	 cap;
	char	*p;

	if (n == 0)
		return WX_MSG_OK;
	if (n > b->max - b->len)
		return WX_MSG_ERR_LIMIT;
	if (n > b->cap - b->len) {
		/* Doubling keeps many small character-data pieces linear. */
		cap = b->cap ? b->cap : 256;
		while (cap - b->len < n)
			cap *= 2;
		if (cap > b->max)
			cap = b->max;
		p = wx_arena_realloc(b->arena, b->p, cap);
		if (p == NULL)
			return WX_MSG_ERR_NOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return WX_MSG_OK;
}

static int
is_blank(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' &&
		    s[i] != '\r')
			return 0;
	}
	return 1;
}

/* Record the first error and stop expat; later callbacks are ignored. */
static void
parse_stop(struct parse_state *st, int err)
{
	if (st->err != WX_MSG_OK)
		return;
	st->err = err;
	XML_StopParser(st->parser, XML_FALSE);
}

/* Turn the open element's text into a field. */
static void
field_emit(struct parse_state *st)
{
	struct field_rec *rec;
	const char	*v = st->text.p;
	size_t		 vlen = st->text.len;
	size_t		 plen = st->plen[st->depth];
	int		 r;

	if (st->nrecs == WX_MSG_MAX_FIELDS) {
		parse_stop(st, WX_MSG_ERR_LIMIT);
		return;
	}
	/*
	 * Encrypt is signed as bare Base64; pretty-printed bodies put white
	 * space around it (protocol doc §3.5 step 2, §9 item 6).
	 */
	if (st->depth == 2 && plen == 7 &&
	    memcmp(st->path, "Encrypt", 7) == 0) {
		while (vlen > 0 && is_blank(v, 1)) {
			v++;
			vlen--;
		}
		while (vlen > 0 && is_blank(v + vlen - 1, 1))
			vlen--;
	}
	rec = &st->recs[st->nrecs];
	rec->path_off = st->store.len;
	r = buf_add(&st->store, st->path, plen);
	if (r == WX_MSG_OK)
		r = buf_add(&st->store, "", 1);
	rec->value_off = st->store.len;
	rec->len = vlen;
	if (r == WX_MSG_OK)
		r = buf_add(&st->store, v, vlen);
	if (r == WX_MSG_OK)
		r = buf_add(&st->store, "", 1);
	if (r != WX_MSG_OK) {
		parse_stop(st, r);
		return;
	}
	st->nrecs++;
}

static int
header_index(const char *name)
{
	size_t	i;

	for (i = 0; i < NELEM(header_names); i++) {
		if (strcmp(name, header_names[i]) == 0)
			return (int)i;
	}
	return -1;
}

static void
start_cb(void *arg, const XML_Char *name, const XML_Char **atts)
{
	struct parse_state *st = arg;
	size_t		 nlen, base;
	int		 h;

	(void)atts;
	if (st->err != WX_MSG_OK)
		return;
	if (st->depth == 0) {
		if (strcmp(name, "xml") != 0) {
			parse_stop(st, WX_MSG_ERR_ROOT);
			return;
		}
		st->depth = 1;
		st->plen[1] = 0;
		st->has_child[1] = 0;
		return;
	}
	if (st->depth >= WX_MSG_MAX_DEPTH) {
		parse_stop(st, WX_MSG_ERR_LIMIT);
		return;
	}
	/*
	 * Text before a child is layout when blank; otherwise it is mixed
	 * content, kept as a field of the parent.  Text directly inside
	 * <xml> has no path and is dropped.
	 */
	if (st->depth >= 2 && !is_blank(st->text.p, st->text.len)) {
		field_emit(st);
		if (st->err != WX_MSG_OK)
			return;
	}
	st->text.len = 0;
	st->has_child[st->depth] = 1;
	if (st->depth == 1) {
		h = header_index(name);
		if (h >= 0 && (st->seen & (1u << h))) {
			parse_stop(st, WX_MSG_ERR_DUPLICATE);
			return;
		}
		if (h >= 0)
			st->seen |= 1u << h;
	}
	nlen = strlen(name);
	base = st->depth == 1 ? 0 : st->plen[st->depth] + 1;
	if (base + nlen > WX_MSG_MAX_PATH) {
		parse_stop(st, WX_MSG_ERR_LIMIT);
		return;
	}
	if (base > 0)
		st->path[base - 1] = '/';
	memcpy(st->path + base, name, nlen);
	st->depth++;
	st->plen[st->depth] = base + nlen;
	st->has_child[st->depth] = 0;
}

static void
end_cb(void *arg, const XML_Char *name)
{
	struct parse_state *st = arg;

	(void)name;
	if (st->err != WX_MSG_OK)
		return;
	/* A leaf is a field even when empty: <EventKey><![CDATA[]]>. */
	if (st->depth >= 2 && (!st->has_child[st->depth] ||
	    !is_blank(st->text.p, st->text.len))) {
		field_emit(st);
		if (st->err != WX_MSG_OK)
			return;
	}
	st->text.len = 0;
	st->depth--;
}

/* Called for plain text and CDATA alike, possibly in many pieces. */
static void
text_cb(void *arg, const XML_Char *s, int len)
{
	struct parse_state *st = arg;
	int		 r;

	if (st->err != WX_MSG_OK || st->depth < 2 || len <= 0)
		return;
	r = buf_add(&st->text, s, (size_t)len);
	if (r != WX_MSG_OK)
		parse_stop(st, r);
}

/*
 * The parser is created for UTF-8, which overrides the declaration; a
 * body claiming another encoding was written by something confused and
 * would be misread, so it is refused rather than guessed at.
 */
static void
xmldecl_cb(void *arg, const XML_Char *version, const XML_Char *encoding,
    int standalone)
{
	struct parse_state *st = arg;

	(void)version;
	(void)standalone;
	if (encoding != NULL && strcasecmp(encoding, "UTF-8") != 0)
		parse_stop(st, WX_MSG_ERR_SYNTAX);
}

/* Runs before the internal subset is read: no entity gets declared. */
static void
doctype_cb(void *arg, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset)
{
	struct parse_state *st = arg;

	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	parse_stop(st, WX_MSG_ERR_DOCTYPE);
}

/* Unreachable while doctype_cb refuses every DTD; kept as a second wall. */
static void
entity_cb(void *arg, const XML_Char *name, int is_param,
    const XML_Char *value, int value_len, const XML_Char *base,
    const XML_Char *sysid, const XML_Char *pubid, const XML_Char *notation)
{
	struct parse_state *st = arg;

	(void)name;
	(void)is_param;
	(void)value;
	(void)value_len;
	(void)base;
	(void)sysid;
	(void)pubid;
	(void)notation;
	parse_stop(st, WX_MSG_ERR_DOCTYPE);
}

/* Strict unsigned decimal: 1..20 digits, no sign, space or overflow. */
static uint64_t
parse_u64(const char *s)
{
	uint64_t	v = 0;
	unsigned	d;

	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	return v;
}

static enum wx_msg_type
type_from_name(const char *s)
{
	size_t	i;

	if (s == NULL)
		return WX_MSG_UNKNOWN;
	for (i = WX_MSG_TEXT; i < NELEM(type_names); i++) {
		if (strcmp(s, type_names[i]) == 0)
			return (enum wx_msg_type)i;
	}
	return WX_MSG_UNKNOWN;
}

static enum wx_event
event_from_name(const char *s)
{
	size_t	i;

	if (s == NULL)
		return WX_EV_UNKNOWN;
	for (i = WX_EV_SUBSCRIBE; i < NELEM(event_names); i++) {
		if (strcmp(s, event_names[i]) == 0)
			return (enum wx_event)i;
	}
	return WX_EV_UNKNOWN;
}

/* Point the typed members at the first top-level field of each name. */
static void
msg_index(struct wx_msg *m)
{
	const char	*msgid = NULL, *msgid_job = NULL;
	const char	**slot;
	const char	*p;
	size_t		 i;

	for (i = 0; i < m->nfields; i++) {
		p = m->fields[i].path;
		slot = NULL;
		if (strcmp(p, "ToUserName") == 0)
			slot = &m->to_user;
		else if (strcmp(p, "FromUserName") == 0)
			slot = &m->from_user;
		else if (strcmp(p, "MsgType") == 0)
			slot = &m->msg_type;
		else if (strcmp(p, "Event") == 0)
			slot = &m->event_name;
		else if (strcmp(p, "EventKey") == 0)
			slot = &m->event_key;
		else if (strcmp(p, "MsgId") == 0)
			slot = &msgid;
		else if (strcmp(p, "MsgID") == 0)
			slot = &msgid_job;
		else if (strcmp(p, "Content") == 0)
			slot = &m->content;
		else if (strcmp(p, "Recognition") == 0)
			slot = &m->recognition;
		else if (strcmp(p, "Encrypt") == 0)
			slot = &m->encrypt;
		if (slot != NULL && *slot == NULL)
			*slot = m->fields[i].value;
	}
	/* Job-finish events spell it MsgID (protocol doc §9 item 15). */
	m->msg_id = msgid != NULL ? msgid : msgid_job;
	m->create_time = parse_u64(wx_msg_get(m, "CreateTime"));
	m->type = type_from_name(m->msg_type);
	m->event = m->type == WX_MSG_EVENT ?
	    event_from_name(m->event_name) : WX_EV_NONE;
}

/* Copy the parse records into one block the caller frees at once. */
static int
msg_build(const struct parse_state *st, struct wx_msg **out)
{
	struct msg_block *blk;
	char		*strs;
	size_t		 i, size;

	size = sizeof(*blk) + st->nrecs * sizeof(blk->fields[0]) +
	    st->store.len;
	blk = malloc(size);
	if (blk == NULL)
		return WX_MSG_ERR_NOMEM;
	memset(&blk->msg, 0, sizeof(blk->msg));
	strs = (char *)&blk->fields[st->nrecs];
	if (st->store.len > 0)
		memcpy(strs, st->store.p, st->store.len);
	for (i = 0; i < st->nrecs; i++) {
		blk->fields[i].path = strs + st->recs[i].path_off;
		blk->fields[i].value = strs + st->recs[i].value_off;
		blk->fields[i].len = st->recs[i].len;
	}
	blk->msg.fields = blk->fields;
	blk->msg.nfields = st->nrecs;
	msg_index(&blk->msg);
	*out = &blk->msg;
	return WX_MSG_OK;
}

/*
 * Expat's memory functions take no context, so the arena of the parse
 * running on this thread is found here; parses on one thread never nest.
 */
static _Thread_local struct wx_arena *msg_arena;

static void *
msg_malloc(size_t n)
{
	return wx_arena_alloc(msg_arena, n);
}

static void *
msg_realloc(void *p, size_t n)
{
	return wx_arena_realloc(msg_arena, p, n);
}

static void
msg_free(void *p)
{
	wx_arena_free(msg_arena, p);
}

static const XML_Memory_Handling_Suite msg_memsuite = {
	msg_malloc, msg_realloc, msg_free,
};

static unsigned long
wx_msg_salt(void)
{
	static _Atomic unsigned long salt;
	unsigned long v = salt;

	while (v == 0) {
		if (rand_bytes(&v, sizeof(v)) != 0)
			v = 0;
		v |= 1;
		salt = v;
	}
	return v;
}

int
wx_msg_parse(const char *xml, size_t len, struct wx_msg **out)
{
	_Alignas(16) unsigned char mem[PARSE_ARENA];
	struct wx_arena	 arena;
	struct parse_state *st = NULL;
	enum XML_Status	 status;
	int		 r;

	*out = NULL;
	wx_arena_init(&arena, mem, sizeof mem);
	if (len > WX_MSG_MAX_BYTES) {
		r = WX_MSG_ERR_LIMIT;
		goto out;
	}
	if (xml == NULL && len > 0) {
		r = WX_MSG_ERR_SYNTAX;
		goto out;
	}
	if (xml == NULL)
		xml = "";
	/*
	 * Expat picks UTF-16 from a BOM or from "<\0" even when told UTF-8.
	 * UTF-8 XML never holds a NUL nor starts with 0xFE/0xFF, while any
	 * UTF-16 or UCS-4 document does one or the other.
	 */
	if (memchr(xml, '\0', len) != NULL || (len > 0 &&
	    ((unsigned char)xml[0] == 0xFE ||
	    (unsigned char)xml[0] == 0xFF))) {
		r = WX_MSG_ERR_SYNTAX;
		goto out;
	}
	/* Only the head is zeroed; records are written before they are read. */
	st = wx_arena_alloc(&arena, sizeof(*st));
	if (st == NULL) {
		r = WX_MSG_ERR_NOMEM;
		goto out;
	}
	memset(st, 0, offsetof(struct parse_state, recs));
	st->nrecs = 0;
	st->text.arena = &arena;
	st->text.max = WX_MSG_MAX_BYTES;
	st->store.arena = &arena;
	st->store.max = STORE_MAX;
	msg_arena = &arena;
	st->parser = XML_ParserCreate_MM("UTF-8", &msg_memsuite, NULL);
	if (st->parser == NULL) {
		r = WX_MSG_ERR_NOMEM;
		goto out;
	}
	/* A salt drawn once: expat would make a getrandom() call per parser. */
	XML_SetHashSalt(st->parser, wx_msg_salt());
	XML_SetUserData(st->parser, st);
	XML_SetElementHandler(st->parser, start_cb, end_cb);
	XML_SetCharacterDataHandler(st->parser, text_cb);
	XML_SetXmlDeclHandler(st->parser, xmldecl_cb);
	XML_SetStartDoctypeDeclHandler(st->parser, doctype_cb);
	XML_SetEntityDeclHandler(st->parser, entity_cb);
	XML_SetParamEntityParsing(st->parser, XML_PARAM_ENTITY_PARSING_NEVER);

	status = XML_Parse(st->parser, xml, (int)len, XML_TRUE);
	if (st->err != WX_MSG_OK) {
		r = st->err;
		goto out;
	}
	if (status != XML_STATUS_OK) {
		r = XML_GetErrorCode(st->parser) == XML_ERROR_NO_MEMORY ?
		    WX_MSG_ERR_NOMEM : WX_MSG_ERR_SYNTAX;
		goto out;
	}
	r = msg_build(st, out);
out:
	if (st != NULL && st->parser != NULL)
		XML_ParserFree(st->parser);
	msg_arena = NULL;
	/* The state, expat and both buffers all go with the arena. */
	wx_arena_cleanup(&arena);
	return r;
}

void
wx_msg_free(struct wx_msg *m)
{
	/* m is the first member of its msg_block: one free releases all. */
	free(m);
}

const char *
wx_msg_get(const struct wx_msg *m, const char *path)
{
	return wx_msg_get_nth(m, path, 0);
}

const char *
wx_msg_get_nth(const struct wx_msg *m, const char *path, size_t nth)
{
	size_t	i;

	if (m == NULL || path == NULL)
		return NULL;
	for (i = 0; i < m->nfields; i++) {
		if (strcmp(m->fields[i].path, path) != 0)
			continue;
		if (nth == 0)
			return m->fields[i].value;
		nth--;
	}
	return NULL;
}

const char *
wx_msg_strerror(int err)
{
	switch (err) {
	case WX_MSG_OK:
		return "success";
	case WX_MSG_ERR_SYNTAX:
		return "malformed XML or not UTF-8";
	case WX_MSG_ERR_DOCTYPE:
		return "DOCTYPE or entity declaration refused";
	case WX_MSG_ERR_LIMIT:
		return "message too big, too deep or too many fields";
	case WX_MSG_ERR_ROOT:
		return "root element is not <xml>";
	case WX_MSG_ERR_DUPLICATE:
		return "header element given twice";
	case WX_MSG_ERR_NOMEM:
		return "out of memory";
	}
	return "unknown error";
}

const char *
wx_msg_type_name(enum wx_msg_type t)
{
	if ((size_t)t >= NELEM(type_names))
		return "unknown";
	return type_names[t];
}

const char *
wx_event_name(enum wx_event e)
{
	if ((size_t)e >= NELEM(event_names))
		return "unknown";
	return event_names[e];
}
