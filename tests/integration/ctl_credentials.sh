#!/usr/bin/env bash
# wxkbctl finds the secrets where the unit keeps them: with
# $CREDENTIALS_DIRECTORY unset it reads /etc/wxkbd/credentials/, so the
# README's `wxkbctl --config /etc/wxkbd/wxkbd.conf simulate --verify`
# works with a configuration file that holds no secret.  reload and stats
# need only the admin token.  An empty credential that overrides the
# configuration file is said so.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

start_wxkbd || { ok 1 "wxkbd starts"; finish; }

# The configuration as deployed: the secrets are credentials only.
grep -v '^WXKB_TOKEN=\|^WXKB_AES_KEY=\|^WXKB_ADMIN_TOKEN=' "$WORK/wxkbd.conf" \
    >"$WORK/op.conf"
mkdir -m 0700 "$WORK/creds" "$WORK/admin-only" "$WORK/empty"
printf '%s' "$TOKEN" >"$WORK/creds/token"
printf '%s\n' "$AES_KEY" >"$WORK/creds/aes_key"
: >"$WORK/creds/appsecret"
printf '%s\n' "$ADMIN_TOKEN" >"$WORK/creds/admin_token"
cp "$WORK/creds/admin_token" "$WORK/admin-only/"
ctl() { env -u CREDENTIALS_DIRECTORY "$WXKBCTL" "$@"; }

# --- the default directory, /etc/wxkbd/credentials -----------------------
# In a private mount namespace /etc is an overlay, so the test neither
# needs nor touches the machine's /etc/wxkbd.
if [ "$(id -u)" -ne 0 ]; then
	ok 0 "simulate --verify with the secrets in /etc/wxkbd/credentials # SKIP not root: a private /etc needs a mount namespace"
else
	mkdir -p "$WORK/etc"
	out=$(unshare -m --propagation private sh -c '
	    mount -t tmpfs tmpfs "$1" && mkdir "$1/u" "$1/w" &&
	    mount -t overlay overlay \
	        -o "lowerdir=/etc,upperdir=$1/u,workdir=$1/w" /etc ||
	        { echo "overlay mount refused"; exit 99; }
	    mkdir -p /etc/wxkbd/credentials &&
	    cp "$2"/* /etc/wxkbd/credentials/ &&
	    exec env -u CREDENTIALS_DIRECTORY "$3" --config "$4" simulate --verify
	    ' sh "$WORK/etc" "$WORK/creds" "$WXKBCTL" "$WORK/op.conf" 2>&1)
	rc=$?
	if [ "$rc" -eq 99 ]; then
		ok 0 "simulate --verify with the secrets in /etc/wxkbd/credentials # SKIP this kernel refuses an overlay of /etc: $out"
	else
		ok "$rc" "simulate --verify finds the secrets in /etc/wxkbd/credentials: $out"
	fi
fi
out=$(ctl --config "$WORK/op.conf" --credentials "$WORK/nowhere" simulate --verify 2>&1)
[ $? -eq 1 ] && echo "$out" | grep -q 'WXKB_TOKEN: required'
ok $? "without credentials the missing Token is named: $out"

# --- $CREDENTIALS_DIRECTORY and --credentials ---------------------------
out=$(CREDENTIALS_DIRECTORY="$WORK/creds" "$WXKBCTL" --config "$WORK/op.conf" \
    simulate '街道办电话多少' 2>&1)
echo "$out" | grep -q 87841022
ok $? "simulate reads \$CREDENTIALS_DIRECTORY"
out=$(CREDENTIALS_DIRECTORY="$WORK/empty" "$WXKBCTL" --config "$WORK/op.conf" \
    --credentials "$WORK/creds" simulate '街道办电话多少' 2>&1)
echo "$out" | grep -q 87841022
ok $? "--credentials DIR wins over \$CREDENTIALS_DIRECTORY"

# --- reload and stats need only the admin token ------------------------
ctl --config "$WORK/op.conf" --credentials "$WORK/admin-only" reload >"$WORK/out" 2>&1
ok $? "reload with only the admin token: $(head -n 1 "$WORK/out")"
ctl --config "$WORK/op.conf" --credentials "$WORK/admin-only" stats >"$WORK/out" 2>&1
ok $? "stats with only the admin token: $(head -n 1 "$WORK/out")"
out=$(ctl --config "$WORK/op.conf" --credentials "$WORK/empty" reload 2>&1)
[ $? -eq 1 ] && echo "$out" | grep -q 'WXKB_ADMIN_TOKEN: required'
ok $? "reload without the admin token names it: $out"
out=$(ctl --config "$WORK/op.conf" --credentials "$WORK/admin-only" simulate --verify 2>&1)
[ $? -eq 1 ] && echo "$out" | grep -q 'WXKB_TOKEN: required'
ok $? "simulate still needs the Token: $out"

# --- an empty credential over the configuration file --------------------
: >"$WORK/empty/token"
out=$(ctl --config "$WORK/wxkbd.conf" --credentials "$WORK/empty" simulate --verify 2>&1)
rc=$?
echo "$out" | grep -q "WXKB_TOKEN: the empty credential file $WORK/empty/token overrides the value in the configuration file" &&
    echo "$out" | grep -q 'WXKB_TOKEN: required' && [ "$rc" -eq 1 ]
ok $? "an empty token file over the file's Token is said, then refused"
echo "$out" | grep -q "$TOKEN"
ok $((! $?)) "the overridden Token is not shown"
finish
