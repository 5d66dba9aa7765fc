#!/usr/bin/env bash
# t_secrets.sh - no secret in any output postie writes (TAP).
#
# Runs the scenarios of tests/security/scenarios/ (every failure path of
# authentication: 535 for PLAIN and LOGIN, a cancelled exchange, the
# connection closed during AUTH, 454, a failed TLS handshake, no AUTH
# offered, XOAUTH2 refused with the token inline and with a long token
# sent after 334, NTLM refused, and a success) with -d (-d -d -v in
# some of them) and a logfile, all with the password
# Pw-7Kq9-Zx3v-Secret (the long token begins with it).  Then it searches
# postie's stdout, stderr, logfile and any other file postie left in
# the scenario's directory for the password, its base64 form, the AUTH
# PLAIN blob, "user\0password" in base64 and every alignment of the
# password inside a longer base64 text.  None may appear.  A first
# check proves the needles right: they must be found in what the peer
# itself received.
#
# Environment: POSTIE (default: postie at the top of the tree).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/tap
. "$top/tests/lib/tap"

export POSTIE=${POSTIE:-$top/postie}
PASSWORD=Pw-7Kq9-Zx3v-Secret
USER_NAME=alice
scn_dir=$top/tests/security/scenarios

# The password and its base64 forms, one per line.
needles() {
	python3 - "$USER_NAME" "$PASSWORD" <<'PY'
import base64, sys
user, pw = (a.encode() for a in sys.argv[1:3])
print(pw.decode())
for blob in (pw, b"\0" + user + b"\0" + pw, user + b"\0" + pw):
    print(base64.b64encode(blob).decode())
# Inside a longer base64 text the password starts at any of 3 byte
# offsets; keep the characters that depend on its bytes alone.
for k in range(3):
    enc = base64.b64encode(b"\0" * k + pw + b"\0" * 3).decode()
    first = -(-k * 8 // 6)
    last = ((k + len(pw)) * 8) // 6
    print(enc[first:last])
PY
}

[ -x "$POSTIE" ] || tap_bail "no program at $POSTIE (set POSTIE)"
mapfile -t NEEDLES < <(needles)
scns=("$scn_dir"/*.scn)
tap_plan $((2 * ${#scns[@]} + 1))

out=$(python3 "$top/tests/peer/run.py" --keep "${scns[@]}" 2>&1)
kept=$(printf '%s\n' "$out" | sed -n 's/^# kept //p' | tail -1)
[ -n "$kept" ] && [ -d "$kept" ] || tap_bail "run.py kept nothing"
trap 'rm -rf "$kept"' EXIT

# Sanity: the peer's own record of the PLAIN and LOGIN exchanges holds
# the blob and the password's base64, so the needles can match.
TAP_WHY=""
for s in plain-535 login-535; do
	res=$(ls "$kept/$s".*/result.json 2>/dev/null | head -1)
	n=0
	for nd in "${NEEDLES[@]}"; do
		[ -n "$res" ] && grep -aqF -- "$nd" "$res" && n=$((n + 1))
	done
	[ "$n" -ge 2 ] || tap_why "$s: only $n needle(s) in the peer's record"
done
tap_check "needles match what the peer received"

for f in "${scns[@]}"; do
	name=$(basename "$f" .scn)
	line=$(printf '%s\n' "$out" | grep -E "^(not )?ok [0-9]+ - $name: ")
	if printf '%s\n' "$line" | grep -q '^ok'; then
		tap_ok "$name: runs as scripted"
	else
		tap_fail "$name: runs as scripted" "${line:-no result}" \
			"$(printf '%s\n' "$out" |
			sed -n "/ - $name: /,/^\(not \)\{0,1\}ok /p" |
			head -40)"
	fi
	TAP_WHY=""
	dir=$(ls -d "$kept/$name".* 2>/dev/null | head -1)
	[ -n "$dir" ] || tap_why "no directory for $name"
	# Everything postie wrote: not the inputs, not the peer's files.
	files=$(find "$dir" -type f ! -name rc ! -name stdin \
		! -name result.json ! -name peer.err 2>/dev/null)
	[ -f "$dir/postie.log" ] || [ "$name" = tls-fail ] ||
		tap_why "$name: no logfile written"
	for file in $files; do
		for nd in "${NEEDLES[@]}"; do
			if grep -aqF -- "$nd" "$file"; then
				tap_why "${file#"$dir"/} contains '$nd'"
			fi
		done
	done
	tap_check "$name: no secret in stdout, stderr, logfile, -d trace"
done
tap_done
