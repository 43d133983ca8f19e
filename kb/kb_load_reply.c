/*
 * kb_load_reply — validate the reply objects of a knowledge-base file
 * (DESIGN.md "Knowledge base file"): the types, their keys, the articles
 * of a news reply, an item's one reply or list of replies.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kb/kb.h"
#include "kb/kb_int.h"
#include "kb/kb_load_int.h"
#include "kb/kb_map.h"
#include "kb/kb_menu.h"
#include "kb/kb_norm.h"
#include "kb/kb_syn.h"
#include "lib/file.h"
#include "lib/utf8.h"

static const char *const ld_article_keys[] = {
	"title", "description", "url", "picurl", NULL
};

static const struct {
	const char		*name;
	enum kb_reply_type	 type;
	const char *const	 keys[7];
} ld_reply_types[] = {
	{ "text", KB_REPLY_TEXT, { "type", "content", NULL } },
	{ "news", KB_REPLY_NEWS, { "type", "articles", NULL } },
	{ "image", KB_REPLY_IMAGE, { "type", "media_id", NULL } },
	{ "voice", KB_REPLY_VOICE, { "type", "media_id", NULL } },
	{ "video", KB_REPLY_VIDEO,
	    { "type", "media_id", "title", "description", NULL } },
	{ "music", KB_REPLY_MUSIC,
	    { "type", "title", "description", "music_url", "hq_music_url",
	      "thumb_media_id", NULL } },
};

static void
ld_article(struct ld *ld, json_t *j, const char *where, struct kb_article *a)
{
	if (!json_is_object(j)) {
		ld_error(ld, "%s: must be an object", where);
		return;
	}
	kb_load_unknown_keys(ld, j, where, ld_article_keys);
	a->title = kb_load_str(ld, j, where, "title", 1, 0);
	a->description = kb_load_str(ld, j, where, "description", 0, 0);
	a->url = kb_load_str(ld, j, where, "url", 1, 0);
	a->picurl = kb_load_str(ld, j, where, "picurl", 0, 0);
}

/* Validate one reply object into r; where names it in messages. */
void
kb_load_reply(struct ld *ld, json_t *j, const char *where, struct kb_reply *r)
{
	struct kb_article *arts;
	json_t *t, *a;
	char aw[64];
	size_t i, n, k;

	memset(r, 0, sizeof *r);
	if (!json_is_object(j)) {
		ld_error(ld, "%s: must be a reply object", where);
		return;
	}
	t = json_object_get(j, "type");
	if (t == NULL || !json_is_string(t)) {
		ld_error(ld, "%s.type: missing or not a string", where);
		return;
	}
	for (k = 0; k < sizeof ld_reply_types / sizeof ld_reply_types[0];
	    k++) {
		if (strcmp(json_string_value(t), ld_reply_types[k].name) == 0)
			break;
	}
	if (k == sizeof ld_reply_types / sizeof ld_reply_types[0]) {
		char q[LD_QUOTE + 4];

		ld_error(ld, "%s.type: \"%s\" is not text, news, image, voice,"
		    " video or music", where,
		    kb_load_quote(q, sizeof q, json_string_value(t)));
		return;
	}
	r->type = ld_reply_types[k].type;
	kb_load_unknown_keys(ld, j, where, ld_reply_types[k].keys);
	switch (r->type) {
	case KB_REPLY_TEXT:
		r->content = kb_load_str(ld, j, where, "content", 1, 0);
		break;
	case KB_REPLY_NEWS:
		a = json_object_get(j, "articles");
		if (!json_is_array(a)) {
			ld_error(ld, "%s.articles: %s", where, a == NULL ?
			    "missing" : "must be an array");
			break;
		}
		n = json_array_size(a);
		if (n < 1 || n > LD_MAX_ARTICLES) {
			ld_error(ld, "%s.articles: must hold 1 to %d articles,"
			    " not %zu", where, LD_MAX_ARTICLES, n);
			break;
		}
		arts = kb_arena_alloc(&ld->kb->arena, n * sizeof *arts);
		if (arts == NULL) {
			ld->nomem = 1;
			break;
		}
		memset(arts, 0, n * sizeof *arts);
		for (i = 0; i < n; i++) {
			snprintf(aw, sizeof aw, "%s.articles[%zu]", where, i);
			ld_article(ld, json_array_get(a, i), aw, &arts[i]);
		}
		r->articles = arts;
		r->narticles = n;
		break;
	case KB_REPLY_IMAGE:
	case KB_REPLY_VOICE:
		r->media_id = kb_load_str(ld, j, where, "media_id", 1, 0);
		break;
	case KB_REPLY_VIDEO:
		r->media_id = kb_load_str(ld, j, where, "media_id", 1, 0);
		r->title = kb_load_str(ld, j, where, "title", 0, 0);
		r->description = kb_load_str(ld, j, where, "description", 0, 0);
		break;
	case KB_REPLY_MUSIC:
		r->thumb_media_id = kb_load_str(ld, j, where,
		    "thumb_media_id", 1, 0);
		r->title = kb_load_str(ld, j, where, "title", 0, 0);
		r->description = kb_load_str(ld, j, where, "description", 0, 0);
		r->music_url = kb_load_str(ld, j, where, "music_url", 0, 0);
		r->hq_music_url = kb_load_str(ld, j, where, "hq_music_url", 0,
		    0);
		break;
	}
}

void
kb_load_reply_item(struct ld *ld, json_t *it, struct kb_item *item)
{
	struct kb_reply *r;
	json_t *j, *m;
	const char *mode = NULL;
	char w[32];
	size_t i, n;

	m = json_object_get(it, "reply_mode");
	if (m != NULL) {
		mode = json_is_string(m) ? json_string_value(m) : "";
		if (strcmp(mode, "all") == 0)
			item->reply_mode = KB_MODE_ALL;
		else if (strcmp(mode, "random_one") == 0)
			item->reply_mode = KB_MODE_RANDOM_ONE;
		else {
			ld_error(ld, "reply_mode: must be \"all\" or "
			    "\"random_one\"");
			mode = NULL;
		}
	}
	j = json_object_get(it, "reply");
	if (j == NULL) {
		ld_error(ld, "reply: missing");
		return;
	}
	if (json_is_object(j)) {
		if (m != NULL)
			ld_warn(ld, "reply_mode: ignored for a single reply");
		item->reply_mode = KB_MODE_ONE;
		n = 1;
	} else if (json_is_array(j)) {
		n = json_array_size(j);
		if (n < 1 || n > LD_MAX_REPLIES) {
			ld_error(ld, "reply: an array of 1 to %d replies, not "
			    "%zu", LD_MAX_REPLIES, n);
			return;
		}
		if (m == NULL)
			ld_error(ld, "reply_mode: required when reply is an "
			    "array (\"all\" or \"random_one\")");
	} else {
		ld_error(ld, "reply: must be a reply object or an array of "
		    "them");
		return;
	}
	r = kb_arena_alloc(&ld->kb->arena, n * sizeof *r);
	if (r == NULL) {
		ld->nomem = 1;
		return;
	}
	if (json_is_object(j))
		kb_load_reply(ld, j, "reply", &r[0]);
	else {
		for (i = 0; i < n; i++) {
			snprintf(w, sizeof w, "reply[%zu]", i);
			kb_load_reply(ld, json_array_get(j, i), w, &r[i]);
		}
	}
	item->replies = r;
	item->nreplies = n;
}
