#!/usr/bin/env bash
# t_valgrind.sh - the unit tests, the scenarios and the fuzz seed corpora
# under valgrind memcheck (TAP).
#
# usage: tests/security/t_valgrind.sh [BUILD_DIR]   (default: build)
#
# BUILD_DIR must be a build without sanitizers (valgrind and ASan do not
# mix).  Every program runs under
#   valgrind -q --error-exitcode=70 --leak-check=full
#            --errors-for-leak-kinds=definite,indirect
# so any memory error and any definite or indirect leak fails its test.
# One TAP test per unit test program, one for the wire scenarios
# (tests/peer/run.py --valgrind), one for the security scenarios, and
# one per fuzz harness replaying its seed corpus (built here with
# tests/fuzz/run_corpus.c and the build's own compiler).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/tap
. "$top/tests/lib/tap"

bdir=${1:-build}
case $bdir in
/*) ;;
*) bdir=$top/$bdir ;;
esac
VG="valgrind -q --error-exitcode=70 --leak-check=full"
VG="$VG --errors-for-leak-kinds=definite,indirect"
VG="$VG --show-leak-kinds=definite,indirect"
FUZZ="conf hdr reply smtp message envelope iobuf"
FUZZ="$FUZZ bsmtp netrc aliases socks srv expand"

command -v valgrind >/dev/null || tap_skip_all "valgrind is not installed"
[ -x "$bdir/postie" ] || tap_bail "no postie in $bdir (build it first)"
if grep -q -- '-fsanitize' "$bdir/Makefile" 2>/dev/null &&
	grep -E '^CFLAGS = .*-fsanitize' "$bdir/Makefile" >/dev/null; then
	tap_bail "$bdir is a sanitizer build; valgrind needs a plain one"
fi
units=()
for t in "$bdir"/tests/unit/t_*; do
	case $t in
	*.*) ;;
	*) [ -x "$t" ] && units+=("$t") ;;
	esac
done
[ ${#units[@]} -gt 0 ] || tap_bail "no unit tests in $bdir (make check)"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/postie-vg.XXXXXX") ||
	tap_bail "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
n_fuzz=$(echo $FUZZ | wc -w)
tap_plan $((${#units[@]} + 2 + n_fuzz))
start=$(date +%s)

export CMOCKA_MESSAGE_OUTPUT=TAP
for t in "${units[@]}"; do
	name=$(basename "$t")
	# Unit tests find their data relative to the source tree.
	if (cd "$top" && $VG "$t") >"$tmp/$name.out" 2>&1; then
		tap_ok "unit $name under valgrind"
	else
		tap_fail "unit $name under valgrind" \
			"$(grep -vE '^(ok|# )' "$tmp/$name.out" | head -40)"
	fi
done

# run.py --valgrind uses the same options; 70 = a valgrind error.
run_scenarios() {
	local label=$1
	shift
	if POSTIE=$bdir/postie python3 "$top/tests/peer/run.py" -j 2 \
		--valgrind "$@" >"$tmp/$label.out" 2>&1; then
		tap_ok "$label under valgrind ($(tail -1 "$tmp/$label.out" |
			sed 's/^# //'))"
	else
		tap_fail "$label under valgrind" \
			"$(grep -A25 '^not ok' "$tmp/$label.out" | head -60)"
	fi
}
run_scenarios "wire scenarios"
run_scenarios "security scenarios" "$top"/tests/security/scenarios/*.scn

cc=$(sed -n 's/^CC = //p' "$bdir/Makefile")
libs="$(pkg-config --libs gnutls libgsasl libidn2) $(sed -n 's/^LIBS = //p' \
	"$bdir/Makefile")"
for t in $FUZZ; do
	TAP_WHY=""
	exe=$tmp/replay_$t
	# shellcheck disable=SC2086
	$cc -g -O1 -I"$bdir" -I"$top/src" -I"$top/tests/fuzz" \
		"$top/tests/fuzz/fuzz_$t.c" "$top/tests/fuzz/run_corpus.c" \
		"$bdir/libpostie.a" $libs -o "$exe" >"$tmp/cc-$t.out" 2>&1 ||
		tap_why "compile: $(head -20 "$tmp/cc-$t.out")"
	if [ -z "$TAP_WHY" ] && ! $VG "$exe" "$top/tests/fuzz/corpus/$t" \
		>"$tmp/fuzz-$t.out" 2>&1; then
		tap_why "$(head -40 "$tmp/fuzz-$t.out")"
	fi
	tap_check "fuzz corpus $t replayed under valgrind"
done
tap_diag "valgrind run took $(($(date +%s) - start)) s"
tap_done
