/*
 * msg_key — print the key wxkbd de-duplicates a message by, for the
 * tests that plant records under it (tests/integration/cluster.sh).
 * usage: msg_key [-e] < MESSAGE.xml   (-e: as if it came encrypted)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handlers/callback/wx_callback.h"
#include "handlers/callback/wx_msg.h"

int
main(int argc, char **argv)
{
	static char xml[WX_MSG_MAX_BYTES + 1];
	char key[WX_KEY_HEX + 1];
	struct wx_msg *m = NULL;
	size_t len;
	int encrypted = 0;

	if (argc == 2 && strcmp(argv[1], "-e") == 0)
		encrypted = 1;
	else if (argc != 1) {
		fprintf(stderr, "usage: msg_key [-e] < MESSAGE.xml\n");
		return 2;
	}
	len = fread(xml, 1, sizeof xml - 1, stdin);
	if (wx_msg_parse(xml, len, &m) != WX_MSG_OK) {
		fprintf(stderr, "msg_key: not a message\n");
		return 1;
	}
	wx_callback_msg_key(m, encrypted, key);
	wx_msg_free(m);
	printf("%s\n", key);
	return 0;
}
