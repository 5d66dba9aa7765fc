#!/usr/bin/env bash
# The release tarball builds, installs, passes its own checks and
# uninstalls cleanly (make distcheck), from the build directory given.
set -u
build=${1:-build}
echo "1..2"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if (cd "$build" && make -s distcheck) >"$log" 2>&1; then
	echo "ok 1 - make distcheck"
else
	echo "not ok 1 - make distcheck"
	tail -n 25 "$log" | sed 's/^/# /'
fi
prefix=$(mktemp -d)
if (cd "$build" && make -s install DESTDIR="$prefix") >"$log" 2>&1 &&
	find "$prefix" -name postie -type f -perm -u+x | grep -q . &&
	find "$prefix" -name postie.1 | grep -q .; then
	echo "ok 2 - make install puts postie and postie.1 in place"
else
	echo "not ok 2 - make install puts postie and postie.1 in place"
	tail -n 25 "$log" | sed 's/^/# /'
fi
rm -rf "$prefix"
