/*
 * kb_fold — how residents' writing is folded before matching: traditional
 * to simplified characters, and the toneless pinyin syllable of each
 * character.  Both come from ICU's transliterators ("Traditional-
 * Simplified", "Han-Latin; Latin-ASCII"), run at build time over every
 * CJK ideograph (U+3400..U+9FFF) by kb/gen/kb_fold_gen.c into two lookup
 * tables, so the request path costs one array index per character and the
 * daemon does not link ICU.
 */
#ifndef KB_FOLD_H
#define KB_FOLD_H

#include <stddef.h>
#include <stdint.h>

#define KB_FOLD_FIRST		0x3400
#define KB_FOLD_LAST		0x9fff
#define KB_FOLD_SYL_LEN		7	/* "zhuang" and a NUL */
#define KB_FOLD_MAX_SYLS	2048	/* distinct readings */

/* Most syllables a message or keyword is read as. */
#define KB_FOLD_MAX_SYL		256

/* The generated tables (build/gen/kb_fold_data.c). */
extern const size_t kb_fold_nsyl;
extern const char kb_fold_text[][KB_FOLD_SYL_LEN];	/* sorted */
extern const uint16_t kb_fold_t2s[];	/* simplified - KB_FOLD_FIRST + 1;
					   0: the character as it is */
extern const uint16_t kb_fold_syl[];	/* syllable id, 0 none */

/* The simplified form of ideograph cp, or cp itself. */
uint32_t kb_fold_han(uint32_t cp);

/* The syllable id (1..) of ideograph cp, or 0 when it has none. */
uint16_t kb_fold_syllable(uint32_t cp);

/* The toneless pinyin text of syllable id ("" for 0 or unknown). */
const char *kb_fold_syllable_text(uint16_t id);

/*
 * Read len bytes of normalized text as syllables into out (at most max):
 * each ideograph gives its syllable, each run of ASCII letters is split
 * into pinyin syllables ("gongyigang" -> gong yi gang; "v" reads as "u"),
 * anything else, or a letter run that is not pinyin, gives 0 (a break).
 * Returns the number written.
 */
size_t	kb_fold_syllables(const char *s, size_t len, uint16_t *out,
	    size_t max);

#endif
