/*
 * users — the staff accounts of the admin page: a JSON file
 * (WXKB_STATE_DIR/users.json, mode 0600) of names, roles and password
 * hashes (passwd.h), written atomically.  `wxkbctl user` edits it, wxkbd
 * reads it again whenever it changes.
 */
#ifndef USERS_H
#define USERS_H

#include <stddef.h>

#include "daemon/passwd.h"

#define USERS_FILE	"users.json"
#define USERS_MAX	256		/* accounts in a file */
#define USERS_NAME_MAX	48		/* bytes of a name (16 Chinese) */
#define USERS_FILE_MAX	(USERS_MAX * 512)
/* The name the bearer token acts as in history and audit: no account. */
#define USERS_TOKEN_NAME "token"

enum users_role {
	USERS_EDITOR = 0,	/* changes answers */
	USERS_PUBLISHER,	/* and pushes articles, syncs the menu */
};

struct users_entry {
	char		 name[USERS_NAME_MAX + 1];
	enum users_role	 role;
	char		 hash[PASSWD_HASH_SIZE];
};

struct users {
	struct users_entry e[USERS_MAX];
	size_t		 n;
};

/* state_dir/users.json, malloc'ed; NULL when out of memory. */
char	*users_path(const char *state_dir);

/*
 * Read path into u.  A missing file is no account.  Returns 0, or -1
 * with *cause (malloc'ed) naming the file and what is wrong with it.
 */
int	users_load(struct users *u, const char *path, char **cause);

/* Write u to path atomically (0600).  Returns 0 or -1 with *cause. */
int	users_save(const struct users *u, const char *path, char **cause);

/* The account name, or NULL. */
struct users_entry *users_find(struct users *u, const char *name);

/* Remove the account name.  Returns 0, or -1 when there is none. */
int	users_del(struct users *u, const char *name);

/*
 * 1 when name may name an account: 1 to USERS_NAME_MAX bytes of UTF-8
 * without spaces, control characters or quotes, and not "token".
 */
int	users_name_ok(const char *name);

/* "editor" or "publisher" into *role: 0, or -1 for anything else. */
int	users_role_parse(const char *s, enum users_role *role);
const char *users_role_name(enum users_role);

#endif
