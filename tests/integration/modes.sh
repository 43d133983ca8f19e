#!/usr/bin/env bash
# plain, compat and safe end to end: an independent implementation of the
# WeChat side (the npm package wechat-crypto) and wxkbctl simulate each
# verify the URL, send a message and verify and decrypt the reply.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

peer=tests/interop/wechat_peer.js
have_peer=0
if command -v node >/dev/null && [ -d tests/interop/node_modules/wechat-crypto ]; then
	have_peer=1
fi
ok $((1 - have_peer)) "the independent WeChat peer (node + wechat-crypto) is installed"

for mode in plain compat safe; do
	start_wxkbd "WXKB_MODE=$mode" || { ok 1 "wxkbd starts in $mode"; continue; }
	if [ "$have_peer" -eq 1 ]; then
		node "$peer" "$URL" "$TOKEN" "$AES_KEY" "$APPID" "$mode" \
		    '街道办电话多少' '87841022' >"$WORK/peer.out" 2>&1
		rc=$?
		sed 's/^/# /' "$WORK/peer.out"
		ok $rc "$mode: the wechat-crypto peer exchanges a message with wxkbd"
	fi
	out=$("$WXKBCTL" --config "$WORK/wxkbd.conf" simulate --verify 2>&1)
	ok $? "$mode: wxkbctl simulate --verify"
	out=$("$WXKBCTL" --config "$WORK/wxkbd.conf" simulate '邮箱是多少' 2>&1)
	rc=$?
	echo "$out" | grep -q 'wgzjdbsc@qd.shandong.cn'
	ok $((rc | $?)) "$mode: wxkbctl simulate gets the e-mail address"
	out=$("$WXKBCTL" --config "$WORK/wxkbd.conf" simulate --event subscribe 2>&1)
	ok $? "$mode: wxkbctl simulate --event subscribe gets the welcome"
	if [ "$mode" = safe ]; then
		now=$(date +%s)
		post "$(plain_query "$now" 2001)" "$(text_xml oSafe 1 '电话')"
		is "$STATUS" 403 "safe: an unencrypted POST is refused (no downgrade)"
		out=$("$WXKBCTL" --config "$WORK/wxkbd.conf" simulate --mode plain '电话' 2>&1)
		ok $((! $?)) "safe: wxkbctl simulate --mode plain is refused"
	fi
	if [ "$mode" = compat ]; then
		out=$("$WXKBCTL" --config "$WORK/wxkbd.conf" simulate --mode plain '传真' 2>&1)
		rc=$?
		echo "$out" | grep -q '87841022'
		ok $((rc | $?)) "compat: a plain message is answered in plain"
	fi
	stop_wxkbd
	ok $? "$mode: wxkbd stops cleanly"
done
finish
