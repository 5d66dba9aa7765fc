#!/usr/bin/env bash
# t_fuzz.sh - run every libFuzzer harness for a while, as TAP.
#
# usage: tests/fuzz/t_fuzz.sh [SECONDS]   (default $FUZZ_SECONDS or 60)
#
# scripts/fuzz builds and runs the harnesses two at a time; each target
# is one test, failing on a crash, a leak or a timeout.  60 s each puts
# the 13 targets at about seven minutes of wall time, the build
# included; a parser that changed deserves a longer run of its own
# (scripts/fuzz TARGET 300).  Without clang the whole run is skipped and
# says so.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-${FUZZ_SECONDS:-60}}
TARGETS="conf hdr reply smtp message envelope iobuf"
TARGETS="$TARGETS bsmtp netrc aliases socks srv expand"
bdir=${FUZZ_BUILD:-$top/build-libfuzzer}
if ! command -v clang >/dev/null; then
	echo "1..0 # SKIP clang is not installed, the harnesses cannot build"
	exit 0
fi
out=$(FUZZ_BUILD=$bdir "$top/scripts/fuzz" -j 2 all "$secs" 2>&1)
set -- $TARGETS
echo "1..$#"
n=0
for t in $TARGETS; do
	n=$((n + 1))
	line=$(printf '%s\n' "$out" | grep -E "^$t +[0-9]+ executions" | head -1)
	case $line in
	*" ok") echo "ok $n - fuzz $t: ${line#"$t"}" ;;
	*) echo "not ok $n - fuzz $t"
	   printf '%s\n' "$out" | tail -20 | sed 's/^/# /' ;;
	esac
done
printf '%s\n' "$out" | grep -E "^total" | sed 's/^/# /'
