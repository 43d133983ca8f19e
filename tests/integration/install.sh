#!/usr/bin/env bash
# make install with another PREFIX, and the manuals: a build for
# /usr/local installed with PREFIX=/usr finds its data under /usr; the
# installed man pages name the paths of their PREFIX and no file of the
# source tree; wxkbctl(1) documents every subcommand of wxkbctl --help.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
# The make that runs the tests hands its variables down (MAKEFLAGS): the
# copy is built with the same flags, so only the PREFIX differs.

# A copy of the build, so the build under test is left as it is.
cp -a "$BUILD" "$WORK/build" && rm -rf "$WORK/build/test-logs"
ok $? "a copy of $BUILD"
make -s install BUILD="$WORK/build" DESTDIR="$WORK/usr" PREFIX=/usr \
    >"$WORK/install.log" 2>&1
rc=$?
sed 's/^/# /' "$WORK/install.log" | tail -n 20
ok "$rc" "make install PREFIX=/usr after a build for /usr/local"
strings "$WORK/usr/usr/bin/wxkbd" | grep -q '^/usr/share/wxkbd/wanggezhuang.json$' &&
    ! strings "$WORK/usr/usr/bin/wxkbd" | grep -q '/usr/local/'
ok $? "the installed wxkbd looks for its data under /usr/share/wxkbd, not /usr/local"
[ -f "$WORK/usr/usr/share/wxkbd/wanggezhuang.json" ]
ok $? "and the data is installed there"
grep -q '^ExecStart=/usr/bin/wxkbd ' "$WORK/usr/lib/systemd/system/wxkbd.service"
ok $? "the unit starts /usr/bin/wxkbd"

# make CFLAGS=... adds to the project's flags, after them.
cmd=$(make -n V=1 BUILD="$WORK/flags" CFLAGS=-O0 "$WORK/flags/daemon/wxkbd.o" 2>&1 |
    grep -- ' -c -o ')
echo "# $cmd"
echo "$cmd" | grep -q -- '-std=c11 ' && echo "$cmd" | grep -q -- ' -I\. ' &&
    echo "$cmd" | grep -q -- "$(pkg-config --cflags-only-I libutf8proc | awk '{print $1}')" &&
    echo "$cmd" | grep -q -- ' -O0 -MMD ' && ! echo "$cmd" | grep -q -- '_FORTIFY_SOURCE'
ok $? "make CFLAGS=-O0 keeps -std=c11, the include paths and pkg-config's flags, -O0 last"
cmd=$(make -n V=1 BUILD="$WORK/flags" LDFLAGS=-Wl,-O1 LDLIBS=-lm \
    "$WORK/flags/wxkbd" 2>&1 | grep -- '-o [^ ]*/flags/wxkbd ')
echo "# $cmd"
echo "$cmd" | grep -q -- ' -pie .*-Wl,-O1 ' &&
    echo "$cmd" | grep -q -- '-lmbedcrypto -lpthread -lm'
ok $? "make LDFLAGS=... LDLIBS=... keeps -pie and the libraries, adds theirs"
mkdir -p "$WORK/flags/x" && make -s clean BUILD="$WORK/flags" >/dev/null 2>&1 &&
    [ ! -e "$WORK/flags" ] && [ -x "$WXKBD" ]
ok $? "make clean BUILD=dir removes dir, and not the build under test"

for m in man8/wxkbd.8 man1/wxkbctl.1; do
	f="$WORK/usr/usr/share/man/$m"
	[ -f "$f" ] || { ok 1 "installed $m"; continue; }
	grep -n '/usr/local' "$f" | sed 's/^/# /'
	! grep -q '/usr/local' "$f"
	ok $? "$m: no /usr/local path under PREFIX=/usr"
	# Absolute paths under PREFIX must be files make install put there.
	missing=
	for p in $(grep -oE '/usr/(share|bin)/[A-Za-z0-9_./-]*[A-Za-z0-9_]' "$f" | sort -u); do
		[ -e "$WORK/usr$p" ] || missing="$missing $p"
	done
	is "$missing" "" "$m: every path under /usr it names is installed"
	grep -nE '(^|[^/A-Za-z])(docs|systemd|kb/data|tests)/|README' "$f" | sed 's/^/# /'
	! grep -qE '(^|[^/A-Za-z])(docs|systemd|kb/data|tests)/|README' "$f"
	ok $? "$m: refers to no file of the source tree"
done
grep -q '/usr/share/wxkbd/wanggezhuang.json' "$WORK/usr/usr/share/man/man8/wxkbd.8"
ok $? "wxkbd.8 FILES names the shipped knowledge base under PREFIX=/usr"

# Every subcommand of the usage has its entry in the manual.
for c in $("$WXKBCTL" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' | sort -u); do
	mc=$(printf '%s' "$c" | sed 's/-/\\\\-/g')
	grep -qE "^\.BI? $mc( |$)" docs/wxkbctl.1
	ok $? "wxkbctl.1 documents \"$c\""
done
"$WXKBCTL" --help | grep -q -- '--credentials DIR' &&
    grep -q '^\.BI \\-\\-credentials' docs/wxkbctl.1
ok $? "--credentials is in the usage and in wxkbctl.1"
for s in 'menu show' 'menu sync'; do
	grep -q "^\.B $s" docs/wxkbctl.1
	ok $? "wxkbctl.1 documents \"$s\""
done
finish
