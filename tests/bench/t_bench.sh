#!/bin/bash
# t_bench.sh: scripts/bench works: every row runs once with tiny counts
# (scripts/bench --smoke) against the real Postfix, and the table has
# each row with numbers for both clients and the goals.  The numbers
# themselves are not judged here: speed is for scripts/bench to report,
# never for a test to assert.
#
# POSTIE=/path/to/postie (default: build/postie).  Needs root (network
# namespaces, Postfix) and msmtp.
. "$(dirname "$0")/../lib/tap"
top=$(cd "$(dirname "$0")/../.." && pwd)
POSTIE=${POSTIE:-$top/build/postie}

[ "$(id -u)" = 0 ] || tap_skip_all "needs root (Postfix, namespaces)"
command -v msmtp >/dev/null || tap_skip_all "msmtp is not installed"
[ -x "$POSTIE" ] || tap_bail "no postie at $POSTIE"
T=$(mktemp -d "${TMPDIR:-/tmp}/postie-bench-test.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

tap_plan 4
"$top/scripts/bench" --smoke --postie "$POSTIE" --out "$T/results.md" \
	>"$T/out" 2>&1
st=$?
if [ "$st" = 0 ] && [ -s "$T/results.md" ]; then
	tap_ok "scripts/bench --smoke exits 0 and writes its table"
else
	tap_fail "scripts/bench --smoke exits 0 and writes its table" \
		"exit $st" "$(tail -5 "$T/out")"
fi

# One line per expected row: "case prefix|metric".
missing=""
while IFS= read -r want; do
	grep -qF "| ${want%%|*}" "$T/results.md" &&
	    grep -F "| ${want%%|*}" "$T/results.md" | grep -qF "| ${want#*|} |" ||
		missing="$missing; $want"
done <<'ROWS'
1. 2 KB, implicit TLS + AUTH PLAIN, full TLS handshake|wall
1. 2 KB, STARTTLS + AUTH PLAIN|peak RSS
1. 2 KB, plain, no TLS, no AUTH|CPU (user+sys)
2. 2 MB|throughput
3. 2 KB, implicit TLS + AUTH, 50 ms RTT link|turns on the wire
3. 2 KB, STARTTLS + AUTH, 50 ms RTT link|waits in the -d transcript
4. 10 messages, 10 invocations, implicit TLS + AUTH|messages/s
4. 10 messages, queue|SMTP connections of the flush (Postfix log)
4. queue always|latency (exit of the caller)
5. cold start: --version|wall
ROWS
if [ -z "$missing" ]; then
	tap_ok "every row is in the table"
else
	tap_fail "every row is in the table" "missing${missing}"
fi

# Row 2c needs a tmpfs mount; the bench says so when it cannot have one.
if grep -qF "| 2c. " "$T/results.md" ||
    grep -q "row 2c left out" "$T/out"; then
	tap_ok "row 2c is there, or the bench said why not"
else
	tap_fail "row 2c is there, or the bench said why not"
fi

bad=$(grep -c '^|.*failed' "$T/results.md")
goals=$(sed -n '/^## Goals/,/^## /p' "$T/results.md" | grep -c '^| [^g-]')
if [ "$bad" = 0 ] && [ "$goals" -ge 10 ]; then
	tap_ok "no cell says failed; the goals table has $goals goals"
else
	tap_fail "no cell says failed; the goals table has $goals goals" \
		"$(grep '^|.*failed' "$T/results.md" | head -3)"
fi
