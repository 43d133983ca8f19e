#!/bin/sh
# What `make run` prints before the daemon starts: where the admin page
# is, how to sign in with the demo configuration, how to act as WeChat.
# The values are read from the configuration the daemon is started with,
# so the lines stay true when it is edited.  In the demo configuration
# (WXKB_DEMO=yes) it also makes the staff login "demo" on the first run,
# with a random password kept in WXKB_STATE_DIR/demo-password.
# usage: run_banner.sh CONFIG [WXKBCTL]
set -eu
conf=$1
ctl=${2:-build/wxkbctl}

# The last KEY=value of the file, quotes dropped, as wxkbd reads it.
get() {
	sed -n "s/^[[:space:]]*$1=//p" "$conf" | tail -n 1 |
	    sed -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'\$/\1/"
}

# The environment overrides the file; a key set nowhere has its default.
has() {
	grep -q "^[[:space:]]*$1=" "$conf"
}
listen=${WXKB_LISTEN-$(get WXKB_LISTEN)}
if [ "${WXKB_ADMIN_LISTEN+set}" = set ]; then
	admin=$WXKB_ADMIN_LISTEN
elif has WXKB_ADMIN_LISTEN; then
	admin=$(get WXKB_ADMIN_LISTEN)
else
	admin=127.0.0.1:8081
fi
token=${WXKB_ADMIN_TOKEN-$(get WXKB_ADMIN_TOKEN)}
path=${WXKB_PATH-$(get WXKB_PATH)}

# The demo staff login, made once: only ever for the demo configuration.
demo_pw=
state=${WXKB_STATE_DIR-$(get WXKB_STATE_DIR)}
if [ "${WXKB_DEMO:-}" = yes ] && [ -n "$admin" ] && [ -n "$state" ] &&
    [ -x "$ctl" ]; then
	if ! WXKB_STATE_DIR=$state "$ctl" --config "$conf" user list \
	    2>/dev/null | grep -q "^demo	"; then
		mkdir -p "$state"
		pw=$(od -An -N9 -tx1 /dev/urandom | tr -d ' \n')
		if echo "$pw" | WXKB_STATE_DIR=$state "$ctl" --config "$conf" \
		    user add demo --role publisher >/dev/null 2>&1; then
			(umask 077 && echo "$pw" >"$state/demo-password")
		fi
	fi
	[ -s "$state/demo-password" ] && demo_pw=$(cat "$state/demo-password")
fi

echo
echo "wxkbd is starting with $conf (Ctrl-C stops it)."
if [ -n "$admin" ]; then
	echo
	echo "  管理页面 (admin page):  http://$admin/admin/"
	if [ -n "$demo_pw" ]; then
		echo "  用户名 (name):          demo"
		echo "  密码 (password):        $demo_pw"
		echo "      (a demo login; wxkbctl user add NAME makes real ones)"
	fi
	if [ -n "$token" ]; then
		echo "  管理口令 (admin token): $token"
		echo "      (WXKB_ADMIN_TOKEN in $conf, for scripts; change it before real use)"
	else
		echo "  管理口令 (admin token): the admin_token credential"
	fi
fi
echo
echo "  WeChat callback:        http://${listen:-127.0.0.1:8080}${path:-/wechat}"
echo "  try, from a second terminal:"
echo "      $ctl --config $conf simulate '街道办电话多少'"
echo
