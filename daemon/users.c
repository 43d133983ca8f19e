/*
 * users — the staff accounts file (users.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/users.h"
#include "lib/cause.h"
#include "lib/file.h"
#include "lib/utf8.h"

char *
users_path(const char *state_dir)
{
	char *p;

	if (asprintf(&p, "%s/%s", state_dir, USERS_FILE) == -1)
		return NULL;
	return p;
}

int
users_name_ok(const char *name)
{
	size_t len = strlen(name), i;
	const unsigned char *s = (const unsigned char *)name;

	if (len == 0 || len > USERS_NAME_MAX || !utf8_valid(name, len) ||
	    strcmp(name, USERS_TOKEN_NAME) == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] == 0x7f || s[i] == '"' ||
		    s[i] == '\'' || s[i] == '\\')
			return 0;
	return 1;
}

int
users_role_parse(const char *s, enum users_role *role)
{
	if (strcmp(s, "editor") == 0)
		*role = USERS_EDITOR;
	else if (strcmp(s, "publisher") == 0)
		*role = USERS_PUBLISHER;
	else
		return -1;
	return 0;
}

const char *
users_role_name(enum users_role role)
{
	return role == USERS_PUBLISHER ? "publisher" : "editor";
}

struct users_entry *
users_find(struct users *u, const char *name)
{
	size_t i;

	for (i = 0; i < u->n; i++)
		if (strcmp(u->e[i].name, name) == 0)
			return &u->e[i];
	return NULL;
}

int
users_del(struct users *u, const char *name)
{
	struct users_entry *e = users_find(u, name);
	size_t i;

	if (e == NULL)
		return -1;
	i = (size_t)(e - u->e);
	memmove(e, e + 1, (u->n - i - 1) * sizeof *e);
	u->n--;
	return 0;
}

/* One account of the file into e: 0, or -1 with *cause. */
static int
users_entry_read(json_t *v, size_t i, const char *path,
    struct users_entry *e, char **cause)
{
	const char *name, *role, *hash;

	if (json_unpack(v, "{s:s, s:s, s:s}", "name", &name, "role", &role,
	    "hash", &hash) != 0) {
		cause_set(cause, "%s: users[%zu]: needs name, role and hash",
		    path, i);
		return -1;
	}
	if (!users_name_ok(name)) {
		cause_set(cause, "%s: users[%zu]: not a valid name", path, i);
		return -1;
	}
	if (users_role_parse(role, &e->role) != 0) {
		cause_set(cause, "%s: users[%zu]: role must be editor or "
		    "publisher", path, i);
		return -1;
	}
	if (!passwd_valid(hash)) {
		cause_set(cause, "%s: users[%zu]: not a password hash of "
		    "ours", path, i);
		return -1;
	}
	snprintf(e->name, sizeof e->name, "%s", name);
	snprintf(e->hash, sizeof e->hash, "%s", hash);
	return 0;
}

int
users_load(struct users *u, const char *path, char **cause)
{
	json_t *root = NULL, *arr, *v;
	size_t i;
	int r = -1;

	*cause = NULL;
	u->n = 0;
	if (file_read_json(path, USERS_FILE_MAX, &root, cause) != 0)
		return -1;
	if (root == NULL)
		return 0;
	arr = json_object_get(root, "users");
	if (!json_is_array(arr)) {
		cause_set(cause, "%s: not a users file", path);
		goto out;
	}
	if (json_array_size(arr) > USERS_MAX) {
		cause_set(cause, "%s: more than %d accounts", path, USERS_MAX);
		goto out;
	}
	json_array_foreach(arr, i, v) {
		if (users_entry_read(v, i, path, &u->e[u->n], cause) != 0)
			goto out;
		if (users_find(u, u->e[u->n].name) != NULL) {
			cause_set(cause, "%s: users[%zu]: %s twice", path, i,
			    u->e[u->n].name);
			goto out;
		}
		u->n++;
	}
	r = 0;
out:
	if (r != 0)
		u->n = 0;
	json_decref(root);
	return r;
}

int
users_save(const struct users *u, const char *path, char **cause)
{
	json_t *root, *arr;
	char *text = NULL;
	size_t i;
	int r = -1;

	*cause = NULL;
	arr = json_array();
	root = json_pack("{s:i, s:o}", "version", 1, "users", arr);
	if (root == NULL)
		goto nomem;
	for (i = 0; i < u->n; i++)
		if (json_array_append_new(arr, json_pack("{s:s, s:s, s:s}",
		    "name", u->e[i].name, "role",
		    users_role_name(u->e[i].role), "hash",
		    u->e[i].hash)) != 0)
			goto nomem;
	text = json_dumps(root, JSON_INDENT(2));
	if (text == NULL)
		goto nomem;
	if (file_write_atomic(path, text, strlen(text), 0600, cause) == 0)
		r = 0;
	goto out;
nomem:
	cause_set(cause, "out of memory");
out:
	free(text);
	json_decref(root);
	return r;
}
