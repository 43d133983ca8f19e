/*
 * json_pick — print one value of the JSON document on stdin, for the
 * integration tests that check the admin API's answers.
 * usage: json_pick STEP...
 * A step is a member name, an array index (digits), or KEY=VALUE: the
 * first element of an array whose member KEY is the string VALUE.  A
 * string is printed as it is, anything else as compact JSON; nothing
 * found: exit 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static json_t *
step(json_t *j, const char *s)
{
	const char *eq = strchr(s, '=');
	char key[256];
	json_t *v, *m;
	size_t i, n;

	if (json_is_array(j) && eq != NULL) {
		n = (size_t)(eq - s);
		if (n >= sizeof key)
			return NULL;
		memcpy(key, s, n);
		key[n] = '\0';
		json_array_foreach(j, i, v) {
			m = json_object_get(v, key);
			if (json_is_string(m) &&
			    strcmp(json_string_value(m), eq + 1) == 0)
				return v;
		}
		return NULL;
	}
	if (json_is_array(j) && strspn(s, "0123456789") == strlen(s) &&
	    *s != '\0')
		return json_array_get(j, strtoul(s, NULL, 10));
	return json_object_get(j, s);
}

int
main(int argc, char **argv)
{
	json_error_t err;
	json_t *root, *j;
	char *s;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: json_pick STEP... < DOC.json\n");
		return 2;
	}
	root = json_loadf(stdin, 0, &err);
	if (root == NULL) {
		fprintf(stderr, "json_pick: %s\n", err.text);
		return 1;
	}
	j = root;
	for (i = 1; i < argc && j != NULL; i++)
		j = step(j, argv[i]);
	if (j == NULL) {
		json_decref(root);
		return 1;
	}
	if (json_is_string(j))
		puts(json_string_value(j));
	else {
		s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
		puts(s != NULL ? s : "");
		free(s);
	}
	json_decref(root);
	return 0;
}
