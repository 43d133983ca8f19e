/*
 * wx_push_record — the record file of a push job, STATE_DIR/push/<key>.json:
 * every step WeChat accepted and what it answered, written atomically
 * after each step, so the next run of the same article goes on from there.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "handlers/wechat/wx_push.h"
#include "handlers/wechat/wx_push_int.h"
#include "lib/cause.h"
#include "lib/file.h"

int
wx_push_record_save(struct wx_push_job *j)
{
	char *text, *why = NULL;
	int r;

	json_object_set_new(j->j_rec, "updated", json_integer(
	    (json_int_t)time(NULL)));
	text = json_dumps(j->j_rec, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (text == NULL)
		return -1;
	r = file_write_atomic(j->j_path, text, strlen(text), 0600, &why);
	free(text);
	if (r != 0) {
		j->j_err = WX_PUSH_ERR_STATE;
		snprintf(j->j_msg, sizeof j->j_msg, "cannot record the push: "
		    "%s", why != NULL ? why : "write error");
	}
	free(why);
	return r;
}

int
wx_push_record_load(struct wx_push_job *j, char **cause)
{
	json_error_t jerr;
	char *buf = NULL, *why = NULL;
	size_t len = 0;
	int r;

	if (mkdir(j->j_push->p_dir, 0700) != 0 && errno != EEXIST) {
		cause_set(cause, "cannot create %s: %s", j->j_push->p_dir,
		    strerror(errno));
		return WX_PUSH_ERR_STATE;
	}
	r = file_read(j->j_path, 64 * 1024, &buf, &len, &why);
	if (r != 0 && errno == ENOENT && r == FILE_ERR_IO) {
		free(why);
		j->j_rec = json_pack("{s:s,s:s}", "key", j->j_key, "title",
		    j->j_art.title);
		return j->j_rec != NULL ? 0 : WX_PUSH_ERR_NOMEM;
	}
	if (r != 0) {
		cause_set(cause, "push record: %s", why != NULL ? why :
		    "unreadable");
		free(why);
		return WX_PUSH_ERR_STATE;
	}
	j->j_rec = json_loadb(buf, len, 0, &jerr);
	free(buf);
	if (!json_is_object(j->j_rec)) {
		cause_set(cause, "push record %s is damaged (%s); move it "
		    "away only if you are sure what was sent", j->j_path,
		    jerr.text);
		json_decref(j->j_rec);
		j->j_rec = NULL;
		return WX_PUSH_ERR_STATE;
	}
	return 0;
}
