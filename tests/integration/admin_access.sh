#!/usr/bin/env bash
# The nginx example of docs/admin-access.md parses with `nginx -t`, with
# a throw-away certificate in place of the office's.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
	ok 1 "nginx is installed (make test-deps)"
	finish
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# The one ```nginx block of the document, certificates pointed here.
sed -n '/^```nginx$/,/^```$/p' docs/admin-access.md | sed '1d;$d' |
    sed -e "s|/etc/ssl/wxkb-admin/|$WORK/|" >"$WORK/site.conf"
[ -s "$WORK/site.conf" ]
ok $? "docs/admin-access.md holds an nginx example"
grep -q 'proxy_pass http://127.0.0.1:8081;' "$WORK/site.conf" &&
    grep -q 'deny all;' "$WORK/site.conf" && grep -q 'listen 443 ssl;' "$WORK/site.conf"
ok $? "it serves TLS, proxies to the admin listener and allows listed addresses only"

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=kb-admin.office.lan \
    -keyout "$WORK/privkey.pem" -out "$WORK/fullchain.pem" >/dev/null 2>&1
ok $? "a test certificate"
mkdir -p "$WORK/logs"
cat >"$WORK/nginx.conf" <<CONF
pid $WORK/nginx.pid;
error_log $WORK/logs/error.log;
events {}
http {
    access_log off;
    client_body_temp_path $WORK/body;
    proxy_temp_path $WORK/proxy;
    include $WORK/site.conf;
}
CONF
out=$("$NGINX" -t -p "$WORK" -e "$WORK/logs/error.log" -c "$WORK/nginx.conf" 2>&1)
ok $? "nginx -t accepts it: $(echo "$out" | tr '\n' ' ')"
finish
