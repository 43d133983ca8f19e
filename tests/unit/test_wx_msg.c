/*
 * test_wx_msg — inbound XML parsing: every message type and event of
 * protocol doc §5 from tests/data/msg/, then hostile and malformed input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "handlers/callback/wx_msg.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define DATA_DIR	"tests/data/msg/"

static const char TO[] = "gh_0123456789ab";
static const char FROM[] = "oAbCdEfGhIjKlMnOpQrStUvWxYz0";

static const char ENC_A[] =
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPX"
    "o87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMS"
    "HGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIb"
    "gU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8"
    "tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD"
    "+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669Wu"
    "MyVWQLCzpu9GhglF2PE=";

static const char ENC_B[] =
    "+qdx1OKCy+5JPCBFWw70tm0fJGb2Jmeia4FCB7kao+/Q5c/ohsOzQHi8khUOb05JCpj0"
    "JB4RvQMkUyus8TPxLKJGQqcvZqzDpVzazhZv6JsXUnnR8XGT740XgXZUXQ7vJVnAG+tE"
    "8NUd4yFyjPy7GgiaviNrlCTj+l5kdfMuFUPpRSrfMZuMcp3Fn2Pede2IuQrKEYwKSqFI"
    "ZoNqJ4M8EajAsjLY2km32IIjdf8YL/P50F7mStwntrA2cPDrM1kb6mOcfBgRtWygb3VI"
    "YnSeOBrebufAlr7F9mFUPAJGj04=";

/* One expected field; value NULL means "no such field". */
struct want {
	const char	*path;
	size_t		 nth;
	const char	*value;
};

struct sample {
	const char	*file;
	enum wx_msg_type type;
	enum wx_event	 event;
	const char	*to_user;
	const char	*from_user;
	const char	*msg_type;
	const char	*event_name;
	const char	*event_key;
	const char	*msg_id;
	const char	*content;
	const char	*recognition;
	const char	*encrypt;
	uint64_t	 create_time;
	size_t		 nfields;
	struct want	 f[12];
};

static struct sample samples[] = {
	{ .file = "text.xml", .type = WX_MSG_TEXT, .to_user = TO,
	  .from_user = FROM, .msg_type = "text",
	  .msg_id = "7301234567890123456",
	  .content = "办事指南 hello", .create_time = 1700000000,
	  .nfields = 8, .f = {
		{ "MsgDataId", 0, "2247483650" },
		{ "Idx", 0, "1" },
		{ "CreateTime", 0, "1700000000" },
	} },
	{ .file = "image.xml", .type = WX_MSG_IMAGE, .to_user = TO,
	  .from_user = FROM, .msg_type = "image",
	  .msg_id = "7301234567890123457", .create_time = 1700000001,
	  .nfields = 7, .f = {
		{ "PicUrl", 0, "http://mmbiz.qpic.cn/mmbiz_jpg/abc/0" },
		{ "MediaId", 0, "media_image_01" },
	} },
	{ .file = "voice.xml", .type = WX_MSG_VOICE, .to_user = TO,
	  .from_user = FROM, .msg_type = "voice",
	  .msg_id = "7301234567890123458", .create_time = 1700000002,
	  .recognition = "社保卡怎么办理", .nfields = 9, .f = {
		{ "MediaId", 0, "media_voice_01" },
		{ "Format", 0, "amr" },
		{ "MediaId16K", 0, "media_voice_16k" },
		{ "Recognition", 0, "社保卡怎么办理" },
	} },
	{ .file = "video.xml", .type = WX_MSG_VIDEO, .to_user = TO,
	  .from_user = FROM, .msg_type = "video",
	  .msg_id = "7301234567890123459", .create_time = 1700000003,
	  .nfields = 7, .f = {
		{ "MediaId", 0, "media_video_01" },
		{ "ThumbMediaId", 0, "thumb_video_01" },
	} },
	{ .file = "shortvideo.xml", .type = WX_MSG_SHORTVIDEO, .to_user = TO,
	  .from_user = FROM, .msg_type = "shortvideo",
	  .msg_id = "7301234567890123460", .create_time = 1700000004,
	  .nfields = 7, .f = {
		{ "MediaId", 0, "media_short_01" },
		{ "ThumbMediaId", 0, "thumb_short_01" },
	} },
	{ .file = "location.xml", .type = WX_MSG_LOCATION, .to_user = TO,
	  .from_user = FROM, .msg_type = "location",
	  .msg_id = "7301234567890123461", .create_time = 1700000005,
	  .nfields = 9, .f = {
		{ "Location_X", 0, "36.238100" },
		{ "Location_Y", 0, "120.653400" },
		{ "Scale", 0, "15" },
		{ "Label", 0, "山东省青岛市崂山区王哥庄街道" },
	} },
	{ .file = "link.xml", .type = WX_MSG_LINK, .to_user = TO,
	  .from_user = FROM, .msg_type = "link",
	  .msg_id = "7301234567890123462", .create_time = 1700000006,
	  .nfields = 8, .f = {
		{ "Title", 0, "公开年报" },
		{ "Description", 0, "2020年政府信息公开工作年度报告" },
		{ "Url", 0, "http://www.laoshan.gov.cn/n1/a.html?x=1&y=2" },
	} },
	{ .file = "event_subscribe.xml", .type = WX_MSG_EVENT,
	  .event = WX_EV_SUBSCRIBE, .to_user = TO, .from_user = FROM,
	  .msg_type = "event", .event_name = "subscribe",
	  .create_time = 1700000100, .nfields = 5, .f = {
		{ "EventKey", 0, NULL },
		{ "Ticket", 0, NULL },
	} },
	{ .file = "event_subscribe_qrscene.xml", .type = WX_MSG_EVENT,
	  .event = WX_EV_SUBSCRIBE, .to_user = TO, .from_user = FROM,
	  .msg_type = "event", .event_name = "subscribe",
	  .event_key = "qrscene_1001", .create_time = 1700000101,
	  .nfields = 7, .f = {
		{ "Ticket", 0, "gQHc7zoAAAAAAAAAASxodHRwOi8v" },
	} },
	{ .file = "event_unsubscribe.xml", .type = WX_MSG_EVENT,
	  .event = WX_EV_UNSUBSCRIBE, .to_user = TO, .from_user = FROM,
	  .msg_type = "event", .event_name = "unsubscribe",
	  .event_key = "", .create_time = 1700000102, .nfields = 6 },
	{ .file = "event_scan.xml", .type = WX_MSG_EVENT,
	  .event = WX_EV_SCAN, .to_user = TO, .from_user = FROM,
	  .msg_type = "event", .event_name = "SCAN", .event_key = "1001",
	  .create_time = 1700000103, .nfields = 7, .f = {
		{ "Ticket", 0, "gQHc7zoAAAAAAAAAASxodHRwOi8v" },
	} },
	{ .file = "event_location.xml", .type = WX_MSG_EVENT,
	  .event = WX_EV_LOCATION, .to_user = TO, .from_user = FROM,
	  .msg_type = "event", .event_name = "LOCATION",
	  .create_time = 1700000104, .nfields = 8, .f = {
		{ "Latitude", 0, "36.238100" },
		{ "Longitude", 0, "120.653400" },
		{ "Precision", 0, "30.000000" },
	} },
	{ .file = "event_click.xml", .type = WX_MSG_EVENT,
	  .event = WX_EV_CLICK, .to_user = TO, .from_user = FROM,
	  .msg_type = "event", .event_name = "CLICK",
	  .event_key = "CONTACT", .create_time = 1700000105, .nfields = 6 },
	{ .file = "event_view.xml", .type = WX_MSG_EVENT,
	  .event = WX_EV_VIEW, .to_user = TO, .from_user = FROM,
	  .msg_type = "event", .event_name = "VIEW",
	  .event_key = "https://example.com/guide?a=1&b=2",
	  .create_time = 1700000106, .nfields = 7, .f = {
		{ "MenuId", 0, "208396938" },
	} },
	{ .file = "event_scancode_push.xml", .type = WX_MSG_EVENT,
	  .event = WX_EV_SCANCODE_PUSH, .to_user = TO, .from_user = FROM,
	  .msg_type = "event", .event_name = "scancode_push",
	  .event_key = "SCAN_PUSH", .create_time = 1700000107,
	  .nfields = 8, .f = {
		{ "ScanCodeInfo/ScanType", 0, "qrcode" },
		{ "ScanCodeInfo/ScanResult", 0, "https://example.com/qr/1" },
		{ "ScanCodeInfo", 0, NULL },
		{ "ScanType", 0, NULL },
	} },
	{ .file = "event_scancode_waitmsg.xml", .type = WX_MSG_EVENT,
	  .event = WX_EV_SCANCODE_WAITMSG, .to_user = TO, .from_user = FROM,
	  .msg_type = "event", .event_name = "scancode_waitmsg",
	  .event_key = "SCAN_WAIT", .create_time = 1700000108,
	  .nfields = 8, .f = {
		{ "ScanCodeInfo/ScanType", 0, "barcode" },
		{ "ScanCodeInfo/ScanResult", 0, "EAN_13,6901234567892" },
	} },
	{ .file = "event_pic_sysphoto.xml", .type = WX_MSG_EVENT,
	  .event = WX_EV_PIC_SYSPHOTO, .to_user = TO, .from_user = FROM,
	  .msg_type = "event", .event_name = "pic_sysphoto",
	  .event_key = "PIC_SYS", .create_time = 1700000109,
	  .nfields = 8, .f = {
		{ "SendPicsInfo/Count", 0, "1" },
		{ "SendPicsInfo/PicList/item/PicMd5Sum", 0,
		  "1b5f7c23b5bf75682a53e7b6d163e185" },
		{ "SendPicsInfo/PicList/item/PicMd5Sum", 1, NULL },
		{ "SendPicsInfo/PicList/item", 0, NULL },
		{ "SendPicsInfo/PicList", 0, NULL },
		{ "SendPicsInfo", 0, NULL },
	} },
	{ .file = "event_pic_photo_or_album.xml", .type = WX_MSG_EVENT,
	  .event = WX_EV_PIC_PHOTO_OR_ALBUM, .to_user = TO,
	  .from_user = FROM, .msg_type = "event",
	  .event_name = "pic_photo_or_album", .event_key = "PIC_ALBUM",
	  .create_time = 1700000110, .nfields = 9, .f = {
		{ "SendPicsInfo/Count", 0, "2" },
		{ "SendPicsInfo/PicList/item/PicMd5Sum", 0,
		  "5a75aaca956d97be686719218f275c6b" },
		{ "SendPicsInfo/PicList/item/PicMd5Sum", 1,
		  "7f5ba7f4e4b8e3d2c1a0f9e8d7c6b5a4" },
		{ "SendPicsInfo/PicList/item/PicMd5Sum", 2, NULL },
	} },
	{ .file = "event_pic_weixin.xml", .type = WX_MSG_EVENT,
	  .event = WX_EV_PIC_WEIXIN, .to_user = TO, .from_user = FROM,
	  .msg_type = "event", .event_name = "pic_weixin",
	  .event_key = "PIC_WX", .create_time = 1700000111,
	  .nfields = 10, .f = {
		{ "SendPicsInfo/Count", 0, "3" },
		{ "SendPicsInfo/PicList/item/PicMd5Sum", 0,
		  "00000000000000000000000000000001" },
		{ "SendPicsInfo/PicList/item/PicMd5Sum", 1,
		  "00000000000000000000000000000002" },
		{ "SendPicsInfo/PicList/item/PicMd5Sum", 2,
		  "00000000000000000000000000000003" },
		{ "SendPicsInfo/PicList/item/PicMd5Sum", 3, NULL },
	} },
	{ .file = "event_location_select.xml", .type = WX_MSG_EVENT,
	  .event = WX_EV_LOCATION_SELECT, .to_user = TO, .from_user = FROM,
	  .msg_type = "event", .event_name = "location_select",
	  .event_key = "LOC_SEL", .create_time = 1700000112,
	  .nfields = 11, .f = {
		{ "SendLocationInfo/Location_X", 0, "36.2381" },
		{ "SendLocationInfo/Location_Y", 0, "120.6534" },
		{ "SendLocationInfo/Scale", 0, "15" },
		/* Leading space kept verbatim. */
		{ "SendLocationInfo/Label", 0, " 崂山区王哥庄街道办事处" },
		{ "SendLocationInfo/Poiname", 0, "王哥庄街道办事处" },
	} },
	{ .file = "event_view_miniprogram.xml", .type = WX_MSG_EVENT,
	  .event = WX_EV_VIEW_MINIPROGRAM, .to_user = TO, .from_user = FROM,
	  .msg_type = "event", .event_name = "view_miniprogram",
	  .event_key = "pages/index/index", .create_time = 1700000113,
	  .nfields = 7, .f = {
		{ "MenuId", 0, "208396993" },
	} },
	{ .file = "event_masssendjobfinish.xml", .type = WX_MSG_EVENT,
	  .event = WX_EV_MASSSENDJOBFINISH, .to_user = TO,
	  .from_user = "oR5Gjjl_eiZoUpGozMo7dbBJ362A", .msg_type = "event",
	  .event_name = "MASSSENDJOBFINISH", .msg_id = "1000001625",
	  .create_time = 1700000200, .nfields = 32, .f = {
		{ "Status", 0, "err(30003)" },
		{ "TotalCount", 0, "0" },
		{ "ErrorCount", 0, "0" },
		{ "CopyrightCheckResult/Count", 0, "2" },
		{ "CopyrightCheckResult/ResultList/item/ArticleIdx", 1, "2" },
		{ "CopyrightCheckResult/ResultList/item/OriginalArticleUrl",
		  1, "Url_2" },
		{ "CopyrightCheckResult/ResultList/item/"
		  "NeedShowReprintSource", 0, "1" },
		{ "CopyrightCheckResult/CheckState", 0, "2" },
		{ "ArticleUrlResult/Count", 0, "1" },
		{ "ArticleUrlResult/ResultList/item/ArticleUrl", 0,
		  "https://mp.weixin.qq.com/s/abc" },
		{ "MsgId", 0, NULL },
	} },
	{ .file = "event_templatesendjobfinish.xml", .type = WX_MSG_EVENT,
	  .event = WX_EV_TEMPLATESENDJOBFINISH, .to_user = TO,
	  .from_user = "oia2TjuEGTNoeX76QEjQNrcURxG8", .msg_type = "event",
	  .event_name = "TEMPLATESENDJOBFINISH", .msg_id = "200163836",
	  .create_time = 1700000201, .nfields = 7, .f = {
		{ "Status", 0, "failed:user block" },
	} },
	{ .file = "event_publishjobfinish.xml", .type = WX_MSG_EVENT,
	  .event = WX_EV_PUBLISHJOBFINISH, .to_user = TO,
	  .from_user = "oias5jnkLxh3x6bMpD1rgYvd3Lq4", .msg_type = "event",
	  .event_name = "PUBLISHJOBFINISH", .create_time = 1700000202,
	  .nfields = 13, .f = {
		{ "PublishEventInfo/publish_id", 0, "2247503051" },
		{ "PublishEventInfo/publish_status", 0, "0" },
		{ "PublishEventInfo/article_id", 0,
		  "b5O2OUs25HBxRceL7hfReg-U9QGeq9zQjiDvy--p86Q" },
		{ "PublishEventInfo/article_detail/count", 0, "2" },
		{ "PublishEventInfo/article_detail/item/idx", 0, "1" },
		{ "PublishEventInfo/article_detail/item/idx", 1, "2" },
		{ "PublishEventInfo/article_detail/item/article_url", 0,
		  "https://mp.weixin.qq.com/s/first" },
		{ "PublishEventInfo/article_detail/item/article_url", 1,
		  "https://mp.weixin.qq.com/s/second" },
		{ "PublishEventInfo/fail_idx", 0, NULL },
	} },
	{ .file = "event_publishjobfinish_fail.xml", .type = WX_MSG_EVENT,
	  .event = WX_EV_PUBLISHJOBFINISH, .to_user = TO,
	  .from_user = "oias5jnkLxh3x6bMpD1rgYvd3Lq4", .msg_type = "event",
	  .event_name = "PUBLISHJOBFINISH", .create_time = 1700000203,
	  .nfields = 9, .f = {
		{ "PublishEventInfo/publish_status", 0, "2" },
		{ "PublishEventInfo/fail_idx", 0, "1" },
		{ "PublishEventInfo/fail_idx", 1, "3" },
		{ "PublishEventInfo/fail_idx", 2, NULL },
	} },
	{ .file = "unknown_msgtype.xml", .type = WX_MSG_UNKNOWN,
	  .to_user = TO, .from_user = FROM, .msg_type = "miniprogrampage",
	  .msg_id = "7301234567890123500", .create_time = 1700000300,
	  .nfields = 8, .f = {
		{ "Title", 0, "办事预约" },
		{ "AppId", 0, "wx0123456789abcdef" },
		{ "PagePath", 0, "pages/book/book" },
	} },
	{ .file = "unknown_event.xml", .type = WX_MSG_EVENT,
	  .event = WX_EV_UNKNOWN, .to_user = TO, .from_user = FROM,
	  .msg_type = "event", .event_name = "user_get_card",
	  .create_time = 1700000301, .nfields = 7, .f = {
		{ "CardId", 0, "pFS7Fjg8kV1IdDz01r4SQwMkuCKc" },
		{ "UserCardCode", 0, "12312312" },
	} },
	/* Protocol doc §4.1: compatible-mode body, plain copy + Encrypt. */
	{ .file = "compat_text.xml", .type = WX_MSG_TEXT,
	  .to_user = "gh_10f6c3c3ac5a",
	  .from_user = "oyORnuP8q7ou2gfYjqLzSIWZf0rs", .msg_type = "text",
	  .msg_id = "6054768590064713728", .content = "abcdteT",
	  .encrypt = ENC_A, .create_time = 1409735668, .nfields = 7 },
	/* Protocol doc §4.1: the 280 decrypted bytes. */
	{ .file = "text_vector_a.xml", .type = WX_MSG_TEXT,
	  .to_user = "gh_10f6c3c3ac5a",
	  .from_user = "oyORnuP8q7ou2gfYjqLzSIWZf0rs", .msg_type = "text",
	  .msg_id = "6054768590064713728", .content = "abcdteT",
	  .create_time = 1409735668, .nfields = 6 },
	/* Safe mode (§3.6): only ToUserName and Encrypt. */
	{ .file = "safe_envelope.xml", .type = WX_MSG_UNKNOWN,
	  .to_user = "gh_97417a04a28d", .encrypt = ENC_B, .nfields = 2 },
	/* Plain text, entities, character references and CDATA mixed. */
	{ .file = "text_nocdata.xml", .type = WX_MSG_TEXT, .to_user = TO,
	  .from_user = FROM, .msg_type = "text",
	  .msg_id = "18446744073709551615",
	  .content = "a <b> & 你好 😀 <i>cdata</i> end",
	  .create_time = 1700000400, .nfields = 6 },
};

/* The whole file at path (relative to the repo root), malloc'ed. */
static char *
slurp(const char *path, size_t *len)
{
	FILE	*fp;
	char	*buf;
	long	 n;

	fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n > 0);
	assert_int_equal(fseek(fp, 0, SEEK_SET), 0);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static char *
slurp_sample(const char *file, size_t *len)
{
	char	path[256];

	snprintf(path, sizeof(path), "%s%s", DATA_DIR, file);
	return slurp(path, len);
}

static void
assert_str_or_null(const char *got, const char *want)
{
	if (want == NULL)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
}

/* Parse a string literal or buffer, expecting r. */
static struct wx_msg *
parse_n(const char *xml, size_t len, int want)
{
	struct wx_msg	*m = (struct wx_msg *)0x1;
	int		 r;

	r = wx_msg_parse(xml, len, &m);
	if (r != want)
		print_error("parse gave %d (%s), wanted %d\n", r,
		    wx_msg_strerror(r), want);
	assert_int_equal(r, want);
	if (want == WX_MSG_OK)
		assert_non_null(m);
	else
		assert_null(m);
	return m;
}

static struct wx_msg *
parse_s(const char *xml, int want)
{
	return parse_n(xml, strlen(xml), want);
}

static void
test_sample(void **state)
{
	const struct sample *s = *state;
	struct wx_msg	*m;
	const struct want *w;
	char		*xml;
	size_t		 len, i;

	xml = slurp_sample(s->file, &len);
	m = parse_n(xml, len, WX_MSG_OK);
	assert_int_equal(m->type, s->type);
	assert_int_equal(m->event, s->event);
	assert_str_or_null(m->to_user, s->to_user);
	assert_str_or_null(m->from_user, s->from_user);
	assert_str_or_null(m->msg_type, s->msg_type);
	assert_str_or_null(m->event_name, s->event_name);
	assert_str_or_null(m->event_key, s->event_key);
	assert_str_or_null(m->msg_id, s->msg_id);
	assert_str_or_null(m->content, s->content);
	assert_str_or_null(m->recognition, s->recognition);
	assert_str_or_null(m->encrypt, s->encrypt);
	assert_true(m->create_time == s->create_time);
	assert_int_equal(m->nfields, s->nfields);
	for (i = 0; i < NELEM(s->f) && s->f[i].path != NULL; i++) {
		w = &s->f[i];
		assert_str_or_null(wx_msg_get_nth(m, w->path, w->nth),
		    w->value);
	}
	/* Invariants for every field: length, terminator, no empty path. */
	for (i = 0; i < m->nfields; i++) {
		assert_true(m->fields[i].path[0] != '\0');
		assert_int_equal(strlen(m->fields[i].value),
		    m->fields[i].len);
		assert_true(strlen(m->fields[i].path) <= WX_MSG_MAX_PATH);
	}
	/* Typed members point into fields, at the first occurrence. */
	if (m->to_user != NULL)
		assert_ptr_equal(m->to_user, wx_msg_get(m, "ToUserName"));
	wx_msg_free(m);
	free(xml);
}

/* The header order of §5 is the document order of fields[]. */
static void
test_field_order(void **state)
{
	struct wx_msg	*m;
	char		*xml;
	size_t		 len;

	(void)state;
	xml = slurp_sample("text.xml", &len);
	m = parse_n(xml, len, WX_MSG_OK);
	assert_string_equal(m->fields[0].path, "ToUserName");
	assert_string_equal(m->fields[1].path, "FromUserName");
	assert_string_equal(m->fields[2].path, "CreateTime");
	assert_string_equal(m->fields[3].path, "MsgType");
	assert_string_equal(m->fields[4].path, "Content");
	assert_string_equal(m->fields[7].path, "Idx");
	wx_msg_free(m);
	free(xml);
}

static void
test_msgid_64bit(void **state)
{
	struct wx_msg	*m;
	char		*xml;
	size_t		 len;

	(void)state;
	xml = slurp_sample("compat_text.xml", &len);
	m = parse_n(xml, len, WX_MSG_OK);
	assert_string_equal(m->msg_id, "6054768590064713728");
	assert_true(strtoull(m->msg_id, NULL, 10) ==
	    UINT64_C(6054768590064713728));
	/* A double would have rounded it. */
	assert_true((uint64_t)(double)UINT64_C(6054768590064713728) !=
	    UINT64_C(6054768590064713729));
	wx_msg_free(m);
	free(xml);
}

static void
test_encrypt_trim(void **state)
{
	static const char *const docs[] = {
		"<xml><Encrypt>\n    ab+/cd==\n  </Encrypt></xml>",
		"<xml><Encrypt><![CDATA[ \r\n\tab+/cd==\t ]]></Encrypt></xml>",
		"<xml><Encrypt>  <![CDATA[ab+/cd==]]>\n</Encrypt></xml>",
	};
	struct wx_msg	*m;
	size_t		 i;

	(void)state;
	for (i = 0; i < NELEM(docs); i++) {
		m = parse_s(docs[i], WX_MSG_OK);
		assert_string_equal(m->encrypt, "ab+/cd==");
		assert_int_equal(m->fields[0].len, 8);
		wx_msg_free(m);
	}
	/* Other values keep their white space; nested Encrypt too. */
	m = parse_s("<xml><Content>  hi\n</Content>"
	    "<A><Encrypt> x </Encrypt></A></xml>", WX_MSG_OK);
	assert_string_equal(m->content, "  hi\n");
	assert_string_equal(wx_msg_get(m, "A/Encrypt"), " x ");
	assert_null(m->encrypt);
	wx_msg_free(m);
}

/* A value delivered in many expat callbacks is joined in order. */
static void
test_long_split_value(void **state)
{
	char		*xml, *p;
	struct wx_msg	*m;
	size_t		 i, n = 6000;

	(void)state;
	xml = malloc(n * 13 + 64);
	assert_non_null(xml);
	p = xml + sprintf(xml, "<xml><Content>");
	for (i = 0; i < n; i++) {
		memcpy(p, i % 2 ? "a&amp;" : "<![CDATA[b]]>", i % 2 ? 6 : 13);
		p += i % 2 ? 6 : 13;
	}
	p += sprintf(p, "</Content></xml>");
	m = parse_n(xml, (size_t)(p - xml), WX_MSG_OK);
	assert_int_equal(m->fields[0].len, n / 2 * 3);
	for (i = 0; i < n / 2; i++)
		assert_memory_equal(m->content + i * 3, "ba&", 3);
	wx_msg_free(m);
	free(xml);
}

static void
test_create_time(void **state)
{
	static const struct {
		const char	*text;
		uint64_t	 want;
	} cases[] = {
		{ "1700000000", 1700000000 },
		{ "<![CDATA[1700000000]]>", 1700000000 },
		{ "0", 0 },
		{ "", 0 },
		{ " 1700000000", 0 },
		{ "1700000000 ", 0 },
		{ "+1700000000", 0 },
		{ "-1", 0 },
		{ "17e8", 0 },
		{ "0x10", 0 },
		{ "1700000000000", UINT64_C(1700000000000) },
		{ "18446744073709551615", UINT64_MAX },
		{ "18446744073709551616", 0 },
		{ "99999999999999999999", 0 },
	};
	struct wx_msg	*m;
	char		 xml[128];
	size_t		 i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		snprintf(xml, sizeof(xml),
		    "<xml><CreateTime>%s</CreateTime></xml>", cases[i].text);
		m = parse_s(xml, WX_MSG_OK);
		assert_true(m->create_time == cases[i].want);
		wx_msg_free(m);
	}
}

/* MsgType and Event are matched case-sensitively; unknown is kept. */
static void
test_names_case(void **state)
{
	static const struct {
		const char	*xml;
		enum wx_msg_type type;
		enum wx_event	 event;
	} cases[] = {
		{ "<xml><MsgType>Text</MsgType></xml>", WX_MSG_UNKNOWN,
		  WX_EV_NONE },
		{ "<xml><MsgType>text </MsgType></xml>", WX_MSG_UNKNOWN,
		  WX_EV_NONE },
		{ "<xml><MsgType>event</MsgType><Event>Subscribe</Event>"
		  "</xml>", WX_MSG_EVENT, WX_EV_UNKNOWN },
		{ "<xml><MsgType>event</MsgType><Event>click</Event></xml>",
		  WX_MSG_EVENT, WX_EV_UNKNOWN },
		{ "<xml><MsgType>event</MsgType><Event>scan</Event></xml>",
		  WX_MSG_EVENT, WX_EV_UNKNOWN },
		{ "<xml><MsgType>event</MsgType></xml>", WX_MSG_EVENT,
		  WX_EV_UNKNOWN },
		{ "<xml><MsgType>text</MsgType><Event>subscribe</Event>"
		  "</xml>", WX_MSG_TEXT, WX_EV_NONE },
		{ "<xml><Event>subscribe</Event></xml>", WX_MSG_UNKNOWN,
		  WX_EV_NONE },
		{ "<xml/>", WX_MSG_UNKNOWN, WX_EV_NONE },
	};
	struct wx_msg	*m;
	size_t		 i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		m = parse_s(cases[i].xml, WX_MSG_OK);
		assert_int_equal(m->type, cases[i].type);
		assert_int_equal(m->event, cases[i].event);
		wx_msg_free(m);
	}
}

/* Every enum value's name parses back to that value. */
static void
test_name_tables(void **state)
{
	struct wx_msg	*m;
	char		 xml[160];
	int		 i;

	(void)state;
	for (i = WX_MSG_TEXT; i <= WX_MSG_EVENT; i++) {
		snprintf(xml, sizeof(xml), "<xml><MsgType>%s</MsgType></xml>",
		    wx_msg_type_name((enum wx_msg_type)i));
		m = parse_s(xml, WX_MSG_OK);
		assert_int_equal(m->type, i);
		wx_msg_free(m);
	}
	for (i = WX_EV_SUBSCRIBE; i <= WX_EV_PUBLISHJOBFINISH; i++) {
		snprintf(xml, sizeof(xml), "<xml><MsgType>event</MsgType>"
		    "<Event>%s</Event></xml>",
		    wx_event_name((enum wx_event)i));
		m = parse_s(xml, WX_MSG_OK);
		assert_int_equal(m->event, i);
		wx_msg_free(m);
	}
	assert_string_equal(wx_event_name(WX_EV_SCAN), "SCAN");
	assert_string_equal(wx_msg_type_name(WX_MSG_SHORTVIDEO),
	    "shortvideo");
	assert_string_equal(wx_msg_type_name((enum wx_msg_type)99),
	    "unknown");
	assert_string_equal(wx_event_name((enum wx_event)99), "unknown");
	for (i = WX_MSG_ERR_NOMEM; i <= WX_MSG_OK; i++)
		assert_string_not_equal(wx_msg_strerror(i), "unknown error");
	assert_string_equal(wx_msg_strerror(-99), "unknown error");
}

/* Element shapes: empty leaves, containers, mixed content, attributes. */
static void
test_shapes(void **state)
{
	struct wx_msg	*m;

	(void)state;
	m = parse_s("<xml><EventKey/><Ticket><![CDATA[]]></Ticket>"
	    "<A lang=\"zh\" x='1'>v</A><B>\n  <C>c</C>\n</B>"
	    "<D>x<E>y</E>z</D></xml>", WX_MSG_OK);
	assert_int_equal(m->nfields, 7);
	assert_string_equal(m->event_key, "");
	assert_string_equal(wx_msg_get(m, "Ticket"), "");
	assert_string_equal(wx_msg_get(m, "A"), "v");
	assert_null(wx_msg_get(m, "B"));
	assert_string_equal(wx_msg_get(m, "B/C"), "c");
	/* Mixed content: each non-blank run of the parent's own text. */
	assert_string_equal(wx_msg_get_nth(m, "D", 0), "x");
	assert_string_equal(wx_msg_get_nth(m, "D", 1), "z");
	assert_string_equal(wx_msg_get(m, "D/E"), "y");
	assert_null(wx_msg_get(m, "E"));
	assert_null(wx_msg_get(m, NULL));
	assert_null(wx_msg_get(NULL, "A"));
	wx_msg_free(m);
	wx_msg_free(NULL);
	m = parse_n(NULL, 0, WX_MSG_ERR_SYNTAX);
	m = parse_n(NULL, 5, WX_MSG_ERR_SYNTAX);

	/* Comments and processing instructions are ignored. */
	m = parse_s("<?xml version=\"1.0\"?><?pi data?><!-- c -->"
	    "<xml><!-- c --><A>1<!-- c -->2</A><?pi x?></xml><!-- c -->",
	    WX_MSG_OK);
	assert_int_equal(m->nfields, 1);
	assert_string_equal(wx_msg_get(m, "A"), "12");
	wx_msg_free(m);

	/* Text straight inside <xml> has no path. */
	m = parse_s("<xml>hello<A>1</A>world</xml>", WX_MSG_OK);
	assert_int_equal(m->nfields, 1);
	wx_msg_free(m);

	/* Repeated non-header elements, nested header names are fine. */
	m = parse_s("<xml><FromUserName>a</FromUserName><x><FromUserName>"
	    "b</FromUserName></x><fail_idx>1</fail_idx><fail_idx>2"
	    "</fail_idx></xml>", WX_MSG_OK);
	assert_string_equal(m->from_user, "a");
	assert_string_equal(wx_msg_get(m, "x/FromUserName"), "b");
	assert_string_equal(wx_msg_get_nth(m, "fail_idx", 1), "2");
	wx_msg_free(m);
}

static void
test_encoding(void **state)
{
	static const struct {
		const char	*xml;
		int		 want;
	} cases[] = {
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?><xml/>",
		  WX_MSG_OK },
		{ "<?xml version=\"1.0\" encoding=\"utf-8\"?><xml/>",
		  WX_MSG_OK },
		{ "<?xml version=\"1.0\"?><xml/>", WX_MSG_OK },
		{ "\xEF\xBB\xBF<xml/>", WX_MSG_OK },
		{ "<?xml version=\"1.0\" encoding=\"GBK\"?><xml/>",
		  WX_MSG_ERR_SYNTAX },
		{ "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><xml/>",
		  WX_MSG_ERR_SYNTAX },
		{ "<?xml version=\"1.0\" encoding=\"US-ASCII\"?><xml/>",
		  WX_MSG_ERR_SYNTAX },
		{ "<?xml version=\"1.0\" encoding=\"UTF-16\"?><xml/>",
		  WX_MSG_ERR_SYNTAX },
		/* UTF-16 (expat would detect it from these bytes). */
		{ "\xFF\xFE<\0x\0m\0l\0/\0>\0", WX_MSG_ERR_SYNTAX },
		{ "\xFE\xFF\0<\0x\0m\0l\0/\0>", WX_MSG_ERR_SYNTAX },
		{ "<\0x\0m\0l\0/\0>\0", WX_MSG_ERR_SYNTAX },
		{ "\0<\0x\0m\0l\0/\0>", WX_MSG_ERR_SYNTAX },
	};
	static const size_t lens[] = { [8] = 14, [9] = 14, [10] = 12,
	    [11] = 12 };
	struct wx_msg	*m;
	size_t		 i, len;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		len = i < NELEM(lens) && lens[i] ? lens[i] :
		    strlen(cases[i].xml);
		m = parse_n(cases[i].xml, len, cases[i].want);
		wx_msg_free(m);
	}
}

/* Hostile and malformed bodies; len 0 means strlen. */
struct bad {
	const char	*name;
	const char	*xml;
	size_t		 len;
	int		 want;
};

static struct bad bads[] = {
	{ "doctype", "<!DOCTYPE xml><xml/>", 0, WX_MSG_ERR_DOCTYPE },
	{ "doctype-after-decl", "<?xml version=\"1.0\"?>\n"
	  "<!DOCTYPE xml [ ]><xml/>", 0, WX_MSG_ERR_DOCTYPE },
	{ "billion-laughs",
	  "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n"
	  " <!ENTITY lol \"lol\">\n"
	  " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"
	  "&lol;\">\n"
	  " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"
	  "&lol1;&lol1;&lol1;\">\n"
	  " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"
	  "&lol2;&lol2;&lol2;\">\n"
	  " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"
	  "&lol3;&lol3;&lol3;\">\n"
	  " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"
	  "&lol4;&lol4;&lol4;\">\n"
	  " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"
	  "&lol5;&lol5;&lol5;\">\n"
	  " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;"
	  "&lol6;&lol6;&lol6;\">\n"
	  " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"
	  "&lol7;&lol7;&lol7;\">\n"
	  " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;"
	  "&lol8;&lol8;&lol8;\">\n"
	  "]>\n<xml><Content>&lol9;</Content></xml>", 0,
	  WX_MSG_ERR_DOCTYPE },
	{ "xxe-file", "<?xml version=\"1.0\"?>\n"
	  "<!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
	  "<xml><Content>&xxe;</Content></xml>", 0, WX_MSG_ERR_DOCTYPE },
	{ "xxe-external-dtd",
	  "<!DOCTYPE xml SYSTEM \"http://127.0.0.1:1/x.dtd\"><xml/>", 0,
	  WX_MSG_ERR_DOCTYPE },
	{ "xxe-parameter-entity",
	  "<!DOCTYPE xml [<!ENTITY % p SYSTEM \"http://127.0.0.1:1/p\">"
	  "%p;]><xml/>", 0, WX_MSG_ERR_DOCTYPE },
	{ "undefined-entity", "<xml><Content>&xxe;</Content></xml>", 0,
	  WX_MSG_ERR_SYNTAX },
	{ "unclosed-leaf", "<xml><Content>hi</xml>", 0, WX_MSG_ERR_SYNTAX },
	{ "unclosed-root", "<xml><Content>hi</Content>", 0,
	  WX_MSG_ERR_SYNTAX },
	{ "unclosed-cdata", "<xml><Content><![CDATA[hi</Content></xml>", 0,
	  WX_MSG_ERR_SYNTAX },
	{ "mismatched", "<xml><A></B></xml>", 0, WX_MSG_ERR_SYNTAX },
	{ "two-roots", "<xml/><xml/>", 0, WX_MSG_ERR_SYNTAX },
	{ "trailing-junk", "<xml/>success", 0, WX_MSG_ERR_SYNTAX },
	{ "wrong-root", "<root><Content>x</Content></root>", 0,
	  WX_MSG_ERR_ROOT },
	{ "root-case", "<XML/>", 0, WX_MSG_ERR_ROOT },
	{ "root-ns", "<a:xml xmlns:a=\"urn:x\"/>", 0, WX_MSG_ERR_ROOT },
	{ "dup-from",
	  "<xml><FromUserName>a</FromUserName><FromUserName>b"
	  "</FromUserName></xml>", 0, WX_MSG_ERR_DUPLICATE },
	{ "dup-to-empty", "<xml><ToUserName/><ToUserName>x</ToUserName>"
	  "</xml>", 0, WX_MSG_ERR_DUPLICATE },
	{ "dup-msgid", "<xml><MsgId>1</MsgId><MsgId>2</MsgId></xml>", 0,
	  WX_MSG_ERR_DUPLICATE },
	{ "dup-encrypt", "<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt>"
	  "</xml>", 0, WX_MSG_ERR_DUPLICATE },
	{ "dup-msgtype", "<xml><MsgType>text</MsgType><MsgType>event"
	  "</MsgType></xml>", 0, WX_MSG_ERR_DUPLICATE },
	{ "dup-createtime", "<xml><CreateTime>1</CreateTime><CreateTime>2"
	  "</CreateTime></xml>", 0, WX_MSG_ERR_DUPLICATE },
	{ "dup-event", "<xml><Event>a</Event><Event>b</Event></xml>", 0,
	  WX_MSG_ERR_DUPLICATE },
	{ "empty", "", 0, WX_MSG_ERR_SYNTAX },
	{ "blank", " \r\n\t", 0, WX_MSG_ERR_SYNTAX },
	{ "garbage", "hello world", 0, WX_MSG_ERR_SYNTAX },
	{ "success", "success", 0, WX_MSG_ERR_SYNTAX },
	{ "json", "{\"ToUserName\":\"gh_1\"}", 0, WX_MSG_ERR_SYNTAX },
	{ "lt-only", "<", 0, WX_MSG_ERR_SYNTAX },
	{ "nul-in-value", "<xml><Content>a\0b</Content></xml>", 33,
	  WX_MSG_ERR_SYNTAX },
	{ "nul-after-root", "<xml/>\0", 7, WX_MSG_ERR_SYNTAX },
	{ "nul-first", "\0<xml/>", 7, WX_MSG_ERR_SYNTAX },
	{ "charref-nul", "<xml><Content>&#0;</Content></xml>", 0,
	  WX_MSG_ERR_SYNTAX },
	{ "charref-ctl", "<xml><Content>&#x1;</Content></xml>", 0,
	  WX_MSG_ERR_SYNTAX },
	{ "raw-ctl", "<xml><Content>a\x01</Content></xml>", 0,
	  WX_MSG_ERR_SYNTAX },
	{ "utf8-ff", "<xml><Content>\xFF</Content></xml>", 0,
	  WX_MSG_ERR_SYNTAX },
	{ "utf8-truncated", "<xml><Content>\xE4\xBD</Content></xml>", 0,
	  WX_MSG_ERR_SYNTAX },
	{ "utf8-overlong", "<xml><Content>\xC0\xAF</Content></xml>", 0,
	  WX_MSG_ERR_SYNTAX },
	{ "utf8-overlong3", "<xml><Content>\xE0\x80\xAF</Content></xml>", 0,
	  WX_MSG_ERR_SYNTAX },
	{ "utf8-surrogate", "<xml><Content>\xED\xA0\x80</Content></xml>", 0,
	  WX_MSG_ERR_SYNTAX },
	{ "utf8-fffe", "<xml><Content>\xEF\xBF\xBE</Content></xml>", 0,
	  WX_MSG_ERR_SYNTAX },
	{ "utf8-too-big", "<xml><Content>\xF4\x90\x80\x80</Content></xml>",
	  0, WX_MSG_ERR_SYNTAX },
	{ "utf8-in-cdata", "<xml><Content><![CDATA[\xC3]]></Content></xml>",
	  0, WX_MSG_ERR_SYNTAX },
	{ "utf8-in-name", "<xml><A\xFF>1</A\xFF></xml>", 0,
	  WX_MSG_ERR_SYNTAX },
};

static void
test_bad(void **state)
{
	const struct bad *b = *state;
	struct wx_msg	*m;

	m = parse_n(b->xml, b->len ? b->len : strlen(b->xml), b->want);
	assert_null(m);
}

/* Build "<xml>" + n copies of unit + tail into a malloc'ed buffer. */
static char *
repeat_doc(const char *head, const char *unit, size_t n, const char *tail,
    size_t *len)
{
	size_t	hl = strlen(head), ul = strlen(unit), tl = strlen(tail), i;
	char	*buf;

	buf = malloc(hl + ul * n + tl + 1);
	assert_non_null(buf);
	memcpy(buf, head, hl);
	for (i = 0; i < n; i++)
		memcpy(buf + hl + i * ul, unit, ul);
	memcpy(buf + hl + ul * n, tail, tl + 1);
	*len = hl + ul * n + tl;
	return buf;
}

static void
test_limit_bytes(void **state)
{
	struct wx_msg	*m;
	char		*xml;
	size_t		 len, fill;

	(void)state;
	/* A 1 MiB field. */
	xml = repeat_doc("<xml><Content>", "x", 1024 * 1024,
	    "</Content></xml>", &len);
	m = parse_n(xml, len, WX_MSG_ERR_LIMIT);
	free(xml);

	/* Exactly WX_MSG_MAX_BYTES is accepted, one more byte is not. */
	fill = WX_MSG_MAX_BYTES - strlen("<xml><Content></Content></xml>");
	xml = repeat_doc("<xml><Content>", "y", fill, "</Content></xml>",
	    &len);
	assert_int_equal(len, WX_MSG_MAX_BYTES);
	m = parse_n(xml, len, WX_MSG_OK);
	assert_int_equal(m->fields[0].len, fill);
	wx_msg_free(m);
	free(xml);
	xml = repeat_doc("<xml><Content>", "y", fill + 1,
	    "</Content></xml>", &len);
	m = parse_n(xml, len, WX_MSG_ERR_LIMIT);
	free(xml);
}

static void
test_limit_depth(void **state)
{
	struct wx_msg	*m;

	(void)state;
	/* <xml> is depth 1: 7 more levels are fine, 8 are not. */
	m = parse_s("<xml><a><b><c><d><e><f><g>deep</g></f></e></d></c>"
	    "</b></a></xml>", WX_MSG_OK);
	assert_string_equal(wx_msg_get(m, "a/b/c/d/e/f/g"), "deep");
	wx_msg_free(m);
	m = parse_s("<xml><a><b><c><d><e><f><g><h>deep</h></g></f></e>"
	    "</d></c></b></a></xml>", WX_MSG_ERR_LIMIT);
	m = parse_s("<xml><a><b><c><d><e><f><g><h/></g></f></e>"
	    "</d></c></b></a></xml>", WX_MSG_ERR_LIMIT);
	(void)m;
}

static void
test_limit_fields(void **state)
{
	struct wx_msg	*m;
	char		*xml;
	size_t		 len;

	(void)state;
	xml = repeat_doc("<xml>", "<a>1</a>", WX_MSG_MAX_FIELDS, "</xml>",
	    &len);
	m = parse_n(xml, len, WX_MSG_OK);
	assert_int_equal(m->nfields, WX_MSG_MAX_FIELDS);
	assert_string_equal(wx_msg_get_nth(m, "a", WX_MSG_MAX_FIELDS - 1),
	    "1");
	wx_msg_free(m);
	free(xml);
	xml = repeat_doc("<xml>", "<a>1</a>", WX_MSG_MAX_FIELDS + 1,
	    "</xml>", &len);
	m = parse_n(xml, len, WX_MSG_ERR_LIMIT);
	free(xml);
	/* Empty leaves count as fields too. */
	xml = repeat_doc("<xml>", "<a/>", WX_MSG_MAX_FIELDS + 1, "</xml>",
	    &len);
	m = parse_n(xml, len, WX_MSG_ERR_LIMIT);
	free(xml);
	/* Containers do not. */
	xml = repeat_doc("<xml>", "<c><a/></c>", WX_MSG_MAX_FIELDS,
	    "</xml>", &len);
	m = parse_n(xml, len, WX_MSG_OK);
	wx_msg_free(m);
	free(xml);
}

static void
test_limit_path(void **state)
{
	struct wx_msg	*m;
	char		 name[WX_MSG_MAX_PATH + 2], xml[512];

	(void)state;
	memset(name, 'n', sizeof(name));
	name[WX_MSG_MAX_PATH] = '\0';
	snprintf(xml, sizeof(xml), "<xml><%s>v</%s></xml>", name, name);
	m = parse_s(xml, WX_MSG_OK);
	assert_string_equal(wx_msg_get(m, name), "v");
	wx_msg_free(m);
	name[WX_MSG_MAX_PATH] = 'n';
	name[WX_MSG_MAX_PATH + 1] = '\0';
	snprintf(xml, sizeof(xml), "<xml><%s>v</%s></xml>", name, name);
	m = parse_s(xml, WX_MSG_ERR_LIMIT);
	/* Nested: "A/" + 126 bytes is 128, one more is over. */
	name[WX_MSG_MAX_PATH - 2] = '\0';
	snprintf(xml, sizeof(xml), "<xml><A><%s>v</%s></A></xml>", name,
	    name);
	m = parse_s(xml, WX_MSG_OK);
	assert_non_null(m->fields[0].path);
	assert_int_equal(strlen(m->fields[0].path), WX_MSG_MAX_PATH);
	wx_msg_free(m);
	snprintf(xml, sizeof(xml), "<xml><AB><%s>v</%s></AB></xml>", name,
	    name);
	m = parse_s(xml, WX_MSG_ERR_LIMIT);
}

/*
 * Every prefix of every sample: no crash, no leak, and an error until the
 * closing </xml> is in.  Each prefix is copied to a buffer of its exact
 * size so that a read past it is caught by the sanitizer.
 */
static void
test_truncated(void **state)
{
	struct wx_msg	*m;
	char		*xml, *cut, *end;
	size_t		 len, n, whole, i;
	int		 r;

	(void)state;
	for (i = 0; i < NELEM(samples); i++) {
		xml = slurp_sample(samples[i].file, &len);
		end = strstr(xml, "</xml>");
		assert_non_null(end);
		whole = (size_t)(end - xml) + 6;
		for (n = 0; n <= len; n++) {
			cut = malloc(n ? n : 1);
			assert_non_null(cut);
			memcpy(cut, xml, n);
			r = wx_msg_parse(cut, n, &m);
			if (n < whole) {
				assert_int_not_equal(r, WX_MSG_OK);
				assert_null(m);
			} else {
				assert_int_equal(r, WX_MSG_OK);
				wx_msg_free(m);
			}
			free(cut);
		}
		free(xml);
	}
}

/* Flipping any byte of a sample never crashes or leaks. */
static void
test_mutated(void **state)
{
	static const unsigned char flips[] = { 0x00, 0x01, '<', '>', '&',
	    ']', '/', 0x80, 0xFF, 'x' };
	struct wx_msg	*m;
	char		*xml;
	size_t		 len, i, j;
	char		 saved;
	int		 r;

	(void)state;
	xml = slurp_sample("event_pic_weixin.xml", &len);
	for (i = 0; i < len; i++) {
		saved = xml[i];
		for (j = 0; j < NELEM(flips); j++) {
			xml[i] = (char)flips[j];
			r = wx_msg_parse(xml, len, &m);
			if (r == WX_MSG_OK)
				wx_msg_free(m);
			else
				assert_null(m);
		}
		xml[i] = saved;
	}
	free(xml);
}

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_field_order),
		cmocka_unit_test(test_msgid_64bit),
		cmocka_unit_test(test_encrypt_trim),
		cmocka_unit_test(test_long_split_value),
		cmocka_unit_test(test_create_time),
		cmocka_unit_test(test_names_case),
		cmocka_unit_test(test_name_tables),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_encoding),
		cmocka_unit_test(test_limit_bytes),
		cmocka_unit_test(test_limit_depth),
		cmocka_unit_test(test_limit_fields),
		cmocka_unit_test(test_limit_path),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_mutated),
	};
	struct CMUnitTest tests[NELEM(samples) + NELEM(bads) + NELEM(fixed)];
	char		 names[NELEM(bads)][48];
	size_t		 i, n = 0;

	for (i = 0; i < NELEM(samples); i++) {
		tests[n] = (struct CMUnitTest){ samples[i].file, test_sample,
		    NULL, NULL, &samples[i] };
		n++;
	}
	for (i = 0; i < NELEM(bads); i++) {
		snprintf(names[i], sizeof(names[i]), "bad:%s", bads[i].name);
		tests[n] = (struct CMUnitTest){ names[i], test_bad, NULL,
		    NULL, &bads[i] };
		n++;
	}
	for (i = 0; i < NELEM(fixed); i++)
		tests[n++] = fixed[i];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
