/*
 * fuzz_kb_match — kb_query() on any text against the shipped knowledge
 * base (kb/data/wanggezhuang.json, or the file named by $FUZZ_KB), loaded
 * once.  Every result must be well formed: a HIT is a live item whose
 * keyword really is in the normalized text (all of it for an exact item)
 * with covered > 0; SUGGEST gives 1-3 distinct live items; EMPTY is
 * exactly an empty normalization, which must equal kb_norm() of the text.
 * The same query twice gives the same result, and the suggestion list
 * fits any buffer it is given.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb/kb.h"
#include "kb/kb_norm.h"
#include "tests/fuzz/fuzz_kb_result.h"

#define NOW		((time_t)1700000000)
#define DEFAULT_KB	"kb/data/wanggezhuang.json"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

static struct kb *shipped;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct kb_diag	 diag;
	const char	*path = getenv("FUZZ_KB");
	char		*text;
	int		 r;

	(void)argc;
	(void)argv;
	if (path == NULL || *path == '\0')
		path = DEFAULT_KB;
	memset(&diag, 0, sizeof diag);
	r = kb_load_file(path, 1, &shipped, &diag);
	if (r != KB_OK) {
		text = kb_diag_format(&diag, path);
		fprintf(stderr, "fuzz_kb_match: %s: %s\n%s", path,
		    kb_strerror(r), text != NULL ? text : "");
		free(text);
		abort();
	}
	kb_diag_cleanup(&diag);
	return 0;
}

/* Index of item in kb, or -1 when the pointer is not one of its items. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kb_result res;
	char	 buf[512];
	size_t	 bufsz, n;

	query(shipped, (const char *)data, size, NOW, &res);
	if (res.kind == KB_RESULT_SUGGEST) {
		/* Any buffer: NUL-terminated inside it, cut at a line. */
		bufsz = size > 0 ? (size_t)data[0] % sizeof buf + 1 : 1;
		memset(buf, 0x5a, sizeof buf);
		n = strlen(kb_result_why(&res, buf, bufsz));
		CHECK(n < bufsz && buf[n] == '\0');
	}
	/* Far in the future every dated item has expired. */
	query(shipped, (const char *)data, size, (time_t)4102444800, &res);
	return 0;
}
