/*
 * instance_id — the id an instance keeps in its state dir (see
 * instance_id.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/instance_id.h"
#include "lib/cause.h"
#include "lib/digest.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/rand.h"

int
instance_id_valid(const char *s, size_t len)
{
	size_t i;

	if (len != INSTANCE_ID_LEN)
		return 0;
	for (i = 0; i < len; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return 1;
}

int
instance_id_load(const char *dir, char id[INSTANCE_ID_LEN + 1],
    char **cause)
{
	unsigned char raw[INSTANCE_ID_LEN / 2];
	char path[4096], line[INSTANCE_ID_LEN + 2], *buf = NULL;
	size_t len = 0;
	int r;

	snprintf(path, sizeof path, "%s/%s", dir, INSTANCE_ID_FILE);
	r = file_read(path, 64, &buf, &len, NULL);
	if (r == 0) {
		while (len > 0 && buf[len - 1] == '\n')
			len--;
		if (instance_id_valid(buf, len)) {
			memcpy(id, buf, INSTANCE_ID_LEN);
			id[INSTANCE_ID_LEN] = '\0';
			free(buf);
			return 0;
		}
		free(buf);
		cause_set(cause, "%s: not an instance id (%d hex digits); "
		    "remove it to get a new one", path, INSTANCE_ID_LEN);
		return -1;
	}
	if (r != FILE_ERR_IO || errno != ENOENT) {
		cause_set(cause, "%s: cannot be read", path);
		return -1;
	}
	if (rand_bytes(raw, sizeof raw) != 0) {
		cause_set(cause, "no randomness for an instance id");
		return -1;
	}
	digest_hex(raw, sizeof raw, id);
	snprintf(line, sizeof line, "%s\n", id);
	if (file_write_atomic(path, line, INSTANCE_ID_LEN + 1, 0600,
	    cause) != 0)
		return -1;
	log_notice("cluster", "this instance is %s in the cluster", id);
	return 0;
}
