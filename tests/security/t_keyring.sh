#!/usr/bin/env bash
# t_keyring.sh - passwords from the key ring through libsecret (TAP).
#
# Needs postie built with ./configure --with-libsecret ("key ring:
# libsecret" in --version), dbus-run-session, gnome-keyring-daemon and
# secret-tool (Debian: dbus, gnome-keyring, libsecret-tools); skips with
# the reason otherwise.  The script runs itself again inside a private
# D-Bus session with a fresh key ring under a temporary HOME, stores
# items as msmtp's manual says (host, service smtp, user) and checks:
#  - the stored password is what AUTH PLAIN sends;
#  - the key ring comes before ~/.netrc, and "password" before both;
#  - an item for another user is not used: with no other source and no
#    terminal (setsid) the missing password is an error (78).
#
# Environment: POSTIE (default: postie at the top of the tree).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/tap
. "$top/tests/lib/tap"

POSTIE=${POSTIE:-$top/postie}
[ -x "$POSTIE" ] || tap_bail "no program at $POSTIE (set POSTIE)"
"$POSTIE" --version 2>/dev/null | grep -q '^key ring: libsecret$' ||
	tap_skip_all "postie was built without --with-libsecret"
for p in dbus-run-session gnome-keyring-daemon secret-tool setsid; do
	command -v "$p" >/dev/null || tap_skip_all "$p is not installed"
done

if [ -z "${T_KEYRING_INSIDE:-}" ]; then
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/postie-keyring.XXXXXX") ||
		tap_bail "mktemp failed"
	T_KEYRING_INSIDE=$tmp timeout 120 dbus-run-session -- "$0" \
		2> >(grep -v 'fd limit' >&2)
	st=$?
	# The daemon's last words may come after the session ends.
	sleep 0.5
	rm -rf "$tmp"
	exit $((st == 0 ? 0 : 1))
fi

tmp=$T_KEYRING_INSIDE
export HOME=$tmp/home XDG_RUNTIME_DIR=$tmp/run
export XDG_DATA_HOME=$HOME/.local/share XDG_CACHE_HOME=$HOME/.cache
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
printf 'unlock' | gnome-keyring-daemon -r -d --unlock \
	--components=secrets >/dev/null 2>"$tmp/daemon.err" ||
	tap_skip_all "gnome-keyring-daemon does not start"
sleep 0.5
store() {
	printf '%s' "$1" | secret-tool store --label=mail host 127.0.0.1 \
		service smtp user "$2" 2>"$tmp/store.err"
}
store Kr-3Zp6-Secret alice ||
	tap_skip_all "cannot store in the key ring: $(head -1 "$tmp/store.err")"

peer_pid=""
trap '[ -n "$peer_pid" ] && kill "$peer_pid" 2>/dev/null' EXIT

# serve BLOB: a peer that wants AUTH PLAIN BLOB (or none: QUIT).
serve() {
	{
		printf '%s\n' 'name: key ring' '--- server' \
			'S: 220 peer.test ESMTP ready' 'C: EHLO localhost' \
			'S: 250-peer.test' 'S: 250 AUTH PLAIN'
		if [ -n "$1" ]; then
			printf '%s\n' "C: AUTH PLAIN $1" 'S: 235 2.7.0 ok' \
				'C~ MAIL FROM:.*' 'S: 250 2.1.0 ok' \
				'C~ RCPT TO:.*' 'S: 250 2.1.5 ok' 'C: DATA' \
				'S: 354 go ahead' 'DATA' 'S: 250 2.0.0 queued'
		fi
		printf '%s\n' 'C: QUIT' 'S: 221 2.0.0 bye'
	} >"$tmp/peer.scn"
	rm -f "$tmp/port"
	python3 "$top/tests/peer/peer.py" --port-file "$tmp/port" \
		--result "$tmp/peer.json" "$tmp/peer.scn" >/dev/null \
		2>"$tmp/peer.err" &
	peer_pid=$!
	for _ in $(seq 50); do
		[ -s "$tmp/port" ] && break
		sleep 0.1
	done
	port=$(cat "$tmp/port")
}

# run USER [RC LINE...]: postie without a terminal; st, $tmp/err.
run() {
	local user=$1
	shift
	printf '%s\n' 'account default' 'host 127.0.0.1' "port $port" \
		'from alice@example.org' 'auth plain' 'auth_without_tls on' \
		"user $user" 'timeout 10' "$@" >"$tmp/rc"
	chmod 600 "$tmp/rc"
	printf 'Subject: k\n\nx\n' |
		setsid -w "$POSTIE" -C "$tmp/rc" bob@example.org \
		>"$tmp/out" 2>"$tmp/err"
	st=$?
	wait "$peer_pid" 2>/dev/null
	peer_pid=""
	if grep -q '"mismatches": \[\]' "$tmp/peer.json" 2>/dev/null; then
		:
	else
		tap_why "the peer saw: $(grep -A3 '"expected"' "$tmp/peer.json" |
			head -4)"
	fi
}

b64() {
	printf '\0%s\0%s' "$1" "$2" | base64 -w0
}

tap_plan 4

serve "$(b64 alice Kr-3Zp6-Secret)"
run alice
[ "$st" -eq 0 ] || tap_why "exit status $st: $(cat "$tmp/err")"
grep -q Kr-3Zp6-Secret "$tmp/out" "$tmp/err" && tap_why "password shown"
tap_check "the key ring's password is used"

printf 'machine 127.0.0.1 login alice password Nr-Secret\n' >"$HOME/.netrc"
chmod 600 "$HOME/.netrc"
serve "$(b64 alice Kr-3Zp6-Secret)"
run alice
[ "$st" -eq 0 ] || tap_why "exit status $st: $(cat "$tmp/err")"
tap_check "the key ring comes before ~/.netrc"

serve "$(b64 alice Rc-Secret)"
run alice 'password Rc-Secret'
[ "$st" -eq 0 ] || tap_why "exit status $st: $(cat "$tmp/err")"
tap_check "password in the rc file comes before the key ring"

rm -f "$HOME/.netrc"
serve ""
run carol
[ "$st" -eq 78 ] || tap_why "exit status $st, expected 78"
grep -q "no password for carol at 127.0.0.1" "$tmp/err" ||
	tap_why "stderr: $(cat "$tmp/err")"
tap_check "alice's item is not used for carol: no password, 78"

tap_done
