/*
 * kb_syn — the knowledge base's synonym groups (top-level "synonyms"):
 * every member of a group is rewritten to the group's first member, in
 * keywords, titles and questions alike, after normalization.  Nothing
 * outside kb/ includes this header.
 */
#ifndef KB_SYN_H
#define KB_SYN_H

#include <stddef.h>
#include <stdint.h>

struct kb;

/* Most groups, and members of one group. */
#define KB_SYN_MAX_GROUPS	2000
#define KB_SYN_MAX_MEMBERS	32

/*
 * Compile n normalized members: mem[i] (len[i] bytes) belongs to group
 * grp[i], whose canonical form is the member with first[grp[i]] == i.
 * Members must be distinct (the loader checks).  Returns a kb_err.
 */
int	kb_syn_build(struct kb *, const char *const *mem, const uint16_t *len,
	    const uint32_t *grp, const uint32_t *first, size_t n);
void	kb_syn_cleanup(struct kb *);

/*
 * Rewrite len bytes of normalized text into out (outsz bytes, NUL-
 * terminated; cut at a character when full): the leftmost, then longest,
 * occurrence of a member is replaced by its canonical form.  mark, when
 * not NULL, gets one byte per output byte: 1 where a rewritten member
 * stands, 0 elsewhere.  Returns the length written.  Does not allocate.
 */
size_t	kb_syn_apply(const struct kb *, const char *in, size_t len,
	    char *out, size_t outsz, unsigned char *mark);

#endif
