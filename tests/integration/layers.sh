#!/usr/bin/env bash
# The layers of docs/architecture.md: every #include "..." of a code folder
# names a header of its own layer or of one below it.  The linker refuses
# an upward call too (no --start-group); this names the line that did it.
. "$(dirname "$0")/lib.sh"

# The layers, bottom first: a folder may include its own and earlier ones.
LAYERS="lib kb handlers/callback handlers/wechat handlers/admin daemon"

# layer_of PATH: the index of the layer PATH lives in, or nothing.
layer_of() {
	local i=0 l
	for l in $LAYERS; do
		case "$1" in "$l"/*) echo $i; return ;; esac
		i=$((i + 1))
	done
}

# check ROOT: print every include in ROOT's code folders that points up
# or to no layer at all; exit status 1 when there is one.
check() {
	local root=$1 bad=0 f line inc from to
	while IFS= read -r f; do
		from=$(layer_of "$f")
		while IFS= read -r line; do
			inc=${line#*\"}
			inc=${inc%%\"*}
			to=$(layer_of "$inc")
			if [ -z "$to" ] || [ "$to" -gt "$from" ]; then
				echo "$f: #include \"$inc\""
				bad=1
			fi
		done < <(grep -E '^#include "' "$root/$f")
	done < <(cd "$root" && for l in $LAYERS; do
		find "$l" -maxdepth 1 -name '*.[ch]' 2>/dev/null; done | sort)
	return $bad
}

out=$(check .)
ok $? "no include points to a higher layer${out:+: $out}"

# The check itself: a planted upward include is found.
mkdir -p "$WORK/tree/lib" "$WORK/tree/kb"
printf '#include "kb/kb.h"\n' >"$WORK/tree/lib/x.c"
printf '#include "lib/file.h"\n' >"$WORK/tree/kb/y.c"
out=$(check "$WORK/tree")
is "$out" 'lib/x.c: #include "kb/kb.h"' "a planted upward include is reported"

# And the link: no archive is grouped, so the order is the layers'.
grep -q -- '-Wl,--start-group' Makefile tests/*/*.mk
ok $((! $?)) "the Makefile links without --start-group"

finish
