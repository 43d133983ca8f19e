/*
 * kb_norm — text normalization for matching (DESIGN.md): NFKC compatibility
 * folding (full-width forms, the ideographic space), case folding, and
 * white space, punctuation, symbols (emoji) and control characters dropped
 * by Unicode category, with utf8proc; traditional characters folded to
 * simplified ones (kb_fold).  Invalid UTF-8 is skipped.
 */
#ifndef KB_NORM_H
#define KB_NORM_H

#include <stddef.h>

/*
 * Normalize len bytes of in into out (outsz bytes, NUL-terminated, cut at a
 * character boundary when full).  Returns the length written.
 */
size_t	kb_norm(const char *in, size_t len, char *out, size_t outsz);

#endif
