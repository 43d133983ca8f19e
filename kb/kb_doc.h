/*
 * kb_doc — the knowledge-base file as a JSON document to edit (the admin
 * API): items found, replaced, inserted and deleted by id, the revisions
 * of docs/admin-api.md, and the file written back in one stable form (two
 * spaces of indent, raw UTF-8, keys in the order of DESIGN.md) so that two
 * versions differ only where they were edited.  Whether a document is a
 * valid knowledge base is kb_load_buffer()'s to say, not this file's.
 */
#ifndef KB_DOC_H
#define KB_DOC_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

/* Revisions stay far from overflow: a file claiming more is refused. */
#define KB_DOC_MAX_REVISION	((int64_t)1 << 53)

/*
 * Parse len bytes of a knowledge-base file.  Returns a new reference to
 * the top-level object, or NULL with *cause (malloc'ed, caller frees)
 * when it is not JSON, not an object, or its revision is unusable.
 */
json_t	*kb_doc_parse(const char *buf, size_t len, char **cause);

/* The document's "revision"; 0 when it has none. */
int64_t	 kb_doc_revision(const json_t *doc);

/* Set the document's "revision".  Returns 0, or -1 when out of memory. */
int	 kb_doc_set_revision(json_t *doc, int64_t revision);

/* The "items" array (borrowed), or NULL when there is none. */
json_t	*kb_doc_items(const json_t *doc);

/*
 * The item whose "id" is id (borrowed), its position in *index (may be
 * NULL); NULL when there is none.
 */
json_t	*kb_doc_find(const json_t *doc, const char *id, size_t *index);

/* An item's "revision"; 0 when it has none. */
int64_t	 kb_doc_item_revision(const json_t *item);

/*
 * Put item (the reference is stolen, also on failure) in place of the
 * item with the same id, or at the end when there is none.  Returns 0, or
 * -1 when item has no string id, doc has no items array, or out of
 * memory.
 */
int	 kb_doc_put(json_t *doc, json_t *item);

/* Remove the item with this id.  Returns 0, or -1 when there is none. */
int	 kb_doc_delete(json_t *doc, const char *id);

/*
 * 1 when the item's "valid_until" (YYYY-MM-DD, local time, served through
 * that whole day, as the loader reads it) is past at now; 0 when it is
 * not, or is absent or unreadable.
 */
int	 kb_doc_item_expired(const json_t *item, time_t now);

/*
 * 1 when each of the n normalized words (kb_norm) occurs in the item's
 * normalized id, title, keywords or reply text (content, titles,
 * descriptions); 1 as well when n is 0.  -1 when out of memory.
 */
int	 kb_doc_item_search(const json_t *item, const char *const *words,
	    size_t n);

/*
 * 1 when a and b are the same item leaving their "revision" aside (keys
 * in any order), 0 otherwise.
 */
int	 kb_doc_item_same(const json_t *a, const json_t *b);

/* 1 when key is a key an item may carry (DESIGN.md, plus "revision"). */
int	 kb_doc_item_key(const char *key);

/*
 * The document as the file is written: keys in the order of DESIGN.md
 * (unknown keys after them, in their own order), JSON_INDENT(2), raw
 * UTF-8, a final newline.  A malloc'ed string (caller frees) with its
 * length in *len, or NULL when out of memory.
 */
char	*kb_doc_dump(const json_t *doc, size_t *len);

#endif
