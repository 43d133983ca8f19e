/*
 * file — whole-file reads with a size cap and crash-safe replacement of
 * a file (write a temporary file beside it, fsync, rename, fsync the
 * directory), for the knowledge base and the files in the state dir.
 */
#ifndef LIB_FILE_H
#define LIB_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

/* Results; kb/ uses the same numbers for its own read failures. */
enum file_err {
	FILE_OK = 0,
	FILE_ERR_IO = -1,	/* errno says why */
	FILE_ERR_TOOBIG = -2,	/* over the caller's cap */
	FILE_ERR_SYNTAX = -3,	/* not JSON */
	FILE_ERR_NOMEM = -5,
};

/*
 * Replace path with len bytes of data, file mode mode (exactly, umask not
 * applied).  Readers see the old file or the new one, never a mix.  Returns
 * 0, or FILE_ERR_IO / FILE_ERR_NOMEM with *cause (if cause is not NULL) set to
 * a malloc'ed message naming the step and the reason (caller frees).  No
 * temporary file is left behind, and the old file is untouched unless the
 * failure is the final fsync of the directory (the new file is then in
 * place but may not survive a crash).
 */
int	file_write_atomic(const char *path, const void *data, size_t len,
	    mode_t mode, char **cause);

/*
 * Read all of path into *buf (malloc'ed, NUL-terminated, caller frees),
 * its length into *len.  Returns 0; FILE_ERR_TOOBIG when the file has more
 * than max bytes; FILE_ERR_IO with errno set (ENOENT for a missing file);
 * FILE_ERR_NOMEM.  On failure *cause, if cause is not NULL, gets a malloc'ed
 * message.
 */
int	file_read(const char *path, size_t max, char **buf, size_t *len,
	    char **cause);

/*
 * file_read() with extra flags for open(2), such as O_NOFOLLOW (a
 * symbolic link is refused) or O_NONBLOCK (a FIFO does not block).
 */
int	file_read_flags(const char *path, int flags, size_t max,
	    char **buf, size_t *len, char **cause);

/*
 * Read a JSON state file of at most max bytes.  Returns KB_OK with *root
 * (caller decrefs), or KB_OK with *root NULL when the file does not exist
 * (a first start); otherwise a file_err with *cause as file_read() gives
 * it, or "path:line:col: text" for bad JSON (FILE_ERR_SYNTAX).
 */
int	file_read_json(const char *path, size_t max, json_t **root,
	    char **cause);

#endif
