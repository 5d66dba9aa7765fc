#!/usr/bin/env bash
# t_inject.sh - rc values holding CR, NUL or other control bytes are
# refused before anything is sent (TAP).
#
# The rc file cannot be written by a scenario file (a CR would split its
# lines), so this drives tests/peer/peer.py directly: the peer accepts a
# connection that sends at most EHLO and QUIT.  For each case postie
# must exit 78 (EX_CONFIG) with one "postie: " line on stderr, the peer
# must never see MAIL, RCPT, RSET, DATA or AUTH, and the value itself
# must not be echoed (it may be a password).
#
# Environment: POSTIE (default: postie at the top of the tree).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/tap
. "$top/tests/lib/tap"

POSTIE=${POSTIE:-$top/postie}
[ -x "$POSTIE" ] || tap_bail "no program at $POSTIE (set POSTIE)"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/postie-inject.XXXXXX") ||
	tap_bail "mktemp failed"
trap 'rm -rf "$tmp"' EXIT

printf '%s\n' "name: injection: anything but EHLO and QUIT fails" \
	"--- server optional" "S: 220 peer.test ESMTP ready" \
	"C: EHLO localhost" "S: 250 peer.test" "C: QUIT" \
	"S: 221 2.0.0 bye" "EOF" >"$tmp/peer.scn"
printf 'From: alice@example.org\nTo: bob@example.org\nSubject: x\n\nBody.\n' \
	>"$tmp/msg"

# NAME|KEY|VALUE, the value a printf format (\r, \0, \033).
CASES=(
	"from with CR|from|alice@example.org\rRSET"
	"from with CR in quotes|from|\"alice@example.org\rRSET\""
	"from with NUL|from|alice@example.org\0RSET"
	"domain with CR|domain|client.example\rMAIL FROM:<m@x.org>"
	"host with CR|host|127.0.0.1\rRSET"
	"user with CR|user|alice\rRSET"
	"password with CR|password|Pw-Inj3ct-Secret\rRSET"
	"domain with ESC|domain|client\033example"
)
tap_plan ${#CASES[@]}

start_peer() {
	python3 "$top/tests/peer/peer.py" --linger --timeout 30 \
		--port-file "$1/port" --result "$1/result.json" \
		"$tmp/peer.scn" >/dev/null 2>"$1/peer.err" &
	PEER=$!
	for _ in $(seq 100); do
		[ -s "$1/port" ] && return 0
		sleep 0.1
	done
	return 1
}

# KEY VALUE: write the rc, run postie, judge the outcome into TAP_WHY.
run_case() {
	local key=$1 value=$2 dir=$tmp/case status
	rm -rf "$dir"
	mkdir -p "$dir"
	start_peer "$dir" || tap_why "the peer did not start"
	{
		printf 'account default\nhost 127.0.0.1\nport %s\n' \
			"$(cat "$dir/port" 2>/dev/null)"
		printf 'from alice@example.org\ntls off\nauth off\n'
		printf 'timeout 10\n%s ' "$key"
		# shellcheck disable=SC2059
		printf "$value"
		printf '\n'
	} >"$dir/rc"
	chmod 600 "$dir/rc"
	HOME=$dir "$POSTIE" -C "$dir/rc" bob@example.org <"$tmp/msg" \
		>"$dir/stdout" 2>"$dir/stderr"
	status=$?
	kill -TERM "$PEER" 2>/dev/null
	wait "$PEER"
	[ "$status" = 78 ] || tap_why "exit status $status, expected 78"
	{ [ "$(wc -l <"$dir/stderr")" = 1 ] &&
		grep -q '^postie: ' "$dir/stderr"; } ||
		tap_why "stderr: $(head -3 "$dir/stderr")"
	[ -s "$dir/result.json" ] || tap_why "no peer result"
	if grep -aqE '(MAIL|RCPT|RSET|DATA|AUTH) ' "$dir/result.json"; then
		tap_why "the peer saw a command: $(head -c 600 \
			"$dir/result.json")"
	fi
	if grep -aq 'Inj3ct' "$dir/stdout" "$dir/stderr"; then
		tap_why "the password was echoed"
	fi
}

for c in "${CASES[@]}"; do
	IFS='|' read -r name key value <<<"$c"
	TAP_WHY=""
	run_case "$key" "$value"
	tap_check "rc $name: refused (78) before anything is sent"
done
tap_done
