/*
 * kb_load_int — the loader's state while it reads one file, shared by
 * kb_load.c (the document walk), kb_load_reply.c (reply objects) and
 * kb_load_words.c (keywords, synonyms, an item's ranking text).
 * Nothing outside these three files includes this header.
 */
#ifndef KB_LOAD_INT_H
#define KB_LOAD_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "kb/kb.h"
#include "kb/kb_int.h"

#define LD_MAX_MENU_KEY		128
#define LD_MAX_REPLIES		8
#define LD_MAX_ARTICLES		8
/* Bytes of a value quoted in a message. */
#define LD_QUOTE		48
/* Bytes of an item's normalized text kept for ranking (BM25, IDF). */
#define LD_DOC_MAX		8192

struct ld {
	struct kb	*kb;
	struct kb_diag	*diag;
	size_t		 nerrors;	/* errors of this load */
	int		 nomem;
	char		 item[KB_MAX_ID + 1];	/* item being read, or "" */
	struct kb_arena	 tmp;		/* normalized text, freed after */
	struct kb_map	*exact_kw;	/* normalized keyword -> item */
	struct kb_map	*contains_kw;
	struct kb_src	 src;
};

/* kb_load.c: record a diagnostic of the item being read. */
void	 kb_load_diag(struct ld *, int warning, int line, int column,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define ld_error(ld, ...)	kb_load_diag(ld, 0, 0, 0, __VA_ARGS__)
#define ld_warn(ld, ...)	kb_load_diag(ld, 1, 0, 0, __VA_ARGS__)

/* Up to LD_QUOTE bytes of s into buf, cut at a character, controls as
   '?'; returns buf. */
const char *kb_load_quote(char *buf, size_t size, const char *s);
/* Warn of each key of obj not in the NULL-terminated allowed. */
void	 kb_load_unknown_keys(struct ld *, json_t *obj, const char *where,
	    const char *const *allowed);
/* The string member key of obj in the arena, or NULL (see kb_load.c). */
const char *kb_load_str(struct ld *, json_t *obj, const char *where,
	    const char *key, int required, size_t max);
/* The label of item i ("\"id\"" or "#n") for messages about another. */
const char *kb_load_label(struct ld *, uint32_t i, char *buf, size_t size);

/* kb_load_reply.c: one reply object into r; where names it. */
void	 kb_load_reply(struct ld *, json_t *j, const char *where,
	    struct kb_reply *r);
/* kb_load_reply.c: the item's "reply" (an object or an array). */
void	 kb_load_reply_item(struct ld *, json_t *it, struct kb_item *item);

/* kb_load_words.c: the item's "keywords" and "match", item number idx. */
void	 kb_load_words_keywords(struct ld *, json_t *it,
	    struct kb_item *item, uint32_t idx);
/* kb_load_words.c: the top-level "synonyms"; 0 or a KB_ERR_* code. */
int	 kb_load_words_synonyms(struct ld *, json_t *root);
/* kb_load_words.c: the item's normalized text for ranking. */
void	 kb_load_words_doc(struct ld *, const struct kb_item *item,
	    uint32_t idx);

#endif
