/*
 * file — atomic file replacement and capped reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cause.h"
#include "lib/file.h"

/* strerror(), with a plainer word for a full disk. */
static const char *
file_reason(int e)
{
	if (e == ENOSPC)
		return "no space left on the device (disk full)";
	if (e == EDQUOT)
		return "disk quota exceeded";
	return strerror(e);
}

int
file_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode, char **cause)
{
	const char *p = data;
	char *tmp = NULL, *dcopy = NULL, *bcopy = NULL, *dir, *base;
	ssize_t w;
	size_t off;
	int fd = -1, dfd = -1, r = FILE_ERR_IO, e;

	if (cause != NULL)
		*cause = NULL;
	dcopy = strdup(path);
	bcopy = strdup(path);
	if (dcopy == NULL || bcopy == NULL) {
		r = FILE_ERR_NOMEM;
		cause_set(cause, "out of memory");
		goto out;
	}
	dir = dirname(dcopy);
	base = basename(bcopy);
	if (asprintf(&tmp, "%s/.%s.XXXXXX", dir, base) == -1) {
		tmp = NULL;
		r = FILE_ERR_NOMEM;
		cause_set(cause, "out of memory");
		goto out;
	}
	fd = mkstemp(tmp);
	if (fd == -1) {
		e = errno;
		free(tmp);
		tmp = NULL;	/* nothing to unlink */
		cause_set(cause, "create a temporary file in %s: %s", dir,
		    file_reason(e));
		goto out;
	}
	if (fchmod(fd, mode) == -1) {
		cause_set(cause, "chmod %s: %s", tmp, file_reason(errno));
		goto out;
	}
	for (off = 0; off < len; off += (size_t)w) {
		w = write(fd, p + off, len - off);
		if (w == -1 && errno == EINTR) {
			w = 0;
			continue;
		}
		if (w <= 0) {
			cause_set(cause, "write %s: %s", tmp,
			    file_reason(w == 0 ? EIO : errno));
			goto out;
		}
	}
	if (fsync(fd) == -1) {
		cause_set(cause, "fsync %s: %s", tmp, file_reason(errno));
		goto out;
	}
	e = close(fd);
	fd = -1;
	if (e == -1) {
		cause_set(cause, "close %s: %s", tmp, file_reason(errno));
		goto out;
	}
	if (rename(tmp, path) == -1) {
		cause_set(cause, "rename %s to %s: %s", tmp, path,
		    file_reason(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;	/* it is path now */
	/* Make the rename itself durable. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd == -1 || (fsync(dfd) == -1 && errno != EINVAL)) {
		cause_set(cause, "fsync directory %s: %s", dir,
		    file_reason(errno));
		goto out;
	}
	r = 0;
out:
	if (fd != -1)
		close(fd);
	if (dfd != -1)
		close(dfd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	free(dcopy);
	free(bcopy);
	return r;
}

int
file_read(const char *path, size_t max, char **bufp, size_t *lenp,
    char **cause)
{
	return file_read_flags(path, 0, max, bufp, lenp, cause);
}

int
file_read_flags(const char *path, int flags, size_t max, char **bufp,
    size_t *lenp, char **cause)
{
	struct stat st;
	char *buf = NULL, *nbuf;
	size_t len = 0, cap;
	ssize_t n;
	int fd, r = FILE_ERR_IO, e = 0;

	*bufp = NULL;
	*lenp = 0;
	if (cause != NULL)
		*cause = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | flags);
	if (fd == -1) {
		e = errno;
		cause_set(cause, "open %s: %s", path, e == ELOOP &&
		    (flags & O_NOFOLLOW) ? "a symbolic link, refused" :
		    strerror(e));
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		e = errno;
		cause_set(cause, "stat %s: %s", path, strerror(e));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		e = EINVAL;
		cause_set(cause, "%s: not a regular file", path);
		goto out;
	}
	if ((uintmax_t)st.st_size > max) {
		r = FILE_ERR_TOOBIG;
		e = EFBIG;
		cause_set(cause, "%s: %jd bytes, more than %zu", path,
		    (intmax_t)st.st_size, max);
		goto out;
	}
	/* The size may change while reading: read to EOF, capped. */
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap + 1);
	if (buf == NULL) {
		r = FILE_ERR_NOMEM;
		e = ENOMEM;
		cause_set(cause, "%s: out of memory", path);
		goto out;
	}
	for (;;) {
		if (len == cap) {
			if (cap > max) {
				r = FILE_ERR_TOOBIG;
				e = EFBIG;
				cause_set(cause, "%s: more than %zu bytes",
				    path, max);
				goto out;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			nbuf = realloc(buf, cap + 1);
			if (nbuf == NULL) {
				r = FILE_ERR_NOMEM;
				e = ENOMEM;
				cause_set(cause, "%s: out of memory", path);
				goto out;
			}
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			e = errno;
			cause_set(cause, "read %s: %s", path, strerror(e));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		r = FILE_ERR_TOOBIG;
		e = EFBIG;
		cause_set(cause, "%s: more than %zu bytes", path, max);
		goto out;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	buf = NULL;
	r = 0;
out:
	free(buf);
	if (fd != -1)
		close(fd);
	errno = e;
	return r;
}

int
file_read_json(const char *path, size_t max, json_t **root,
    char **cause)
{
	json_error_t jerr;
	char *buf = NULL;
	size_t len;
	int r;

	*root = NULL;
	if (cause != NULL)
		*cause = NULL;
	r = file_read(path, max, &buf, &len, cause);
	if (r == FILE_ERR_IO && errno == ENOENT) {
		if (cause != NULL) {
			free(*cause);
			*cause = NULL;
		}
		return FILE_OK;
	}
	if (r != FILE_OK)
		return r;
	*root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (*root == NULL) {
		cause_set(cause, "%s:%d:%d: %s", path, jerr.line, jerr.column,
		    jerr.text);
		return FILE_ERR_SYNTAX;
	}
	return FILE_OK;
}
