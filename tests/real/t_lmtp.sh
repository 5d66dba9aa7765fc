#!/bin/bash
# t_lmtp.sh: postie with "protocol lmtp" against Dovecot's LMTP service.
#
# Starts a private Dovecot instance (its own base_dir and config, LMTP
# only, on 127.0.0.1 and an unused port) that delivers into a Maildir per
# user under a temporary directory, and stops it at the end.  Checks:
# delivery to two users (one reply each after the message), a refused
# recipient aborting the transaction by default (nothing delivered, 65),
# and with partial_delivery the known users getting the message while the
# unknown one is reported (65).  Output is TAP; exit 0 when all pass.
#
# POSTIE=/path/to/postie (default: postie at the top of the tree).
# Needs root and the Debian packages dovecot-core and dovecot-lmtpd.

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/../lib/tap"

POSTIE=${POSTIE:-$top/postie}

[ "$(id -u)" = 0 ] || tap_skip_all "needs root to start dovecot"
[ -x /usr/sbin/dovecot ] || tap_skip_all "dovecot not installed" \
    "(package dovecot-core)"
[ -x /usr/lib/dovecot/lmtp ] || tap_skip_all "Dovecot's LMTP service" \
    "is not installed (package dovecot-lmtpd)"
[ -x "$POSTIE" ] || tap_bail "$POSTIE is not an executable (set POSTIE)"

w=$(mktemp -d "${TMPDIR:-/tmp}/postie-lmtp.XXXXXX") || tap_bail "mktemp"
# Dovecot's mail processes run as nobody and must reach the Maildirs.
chmod 0755 "$w"
stop() {
	[ -f "$w/run/master.pid" ] &&
	    /usr/sbin/dovecot -c "$w/dovecot.conf" stop 2>/dev/null
	for _ in $(seq 50); do
		[ -f "$w/run/master.pid" ] || break
		sleep 0.1
	done
	rm -rf "$w"
}
trap stop EXIT
trap 'exit 1' INT TERM HUP

port=$(python3 -c 'import socket; s = socket.socket(); \
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$w/mail" "$w/run" "$w/state"
chown nobody:nogroup "$w/mail"
printf 'bob:{PLAIN}unused::::::\ncarol:{PLAIN}unused::::::\n' >"$w/passwd"
chmod 0644 "$w/passwd"
cat >"$w/dovecot.conf" <<EOF
# Private LMTP instance for t_lmtp.sh.
base_dir = $w/run
state_dir = $w/state
instance_name = postie-lmtp-$port
protocols = lmtp
listen = 127.0.0.1
ssl = no
log_path = $w/dovecot.log
mail_location = maildir:$w/mail/%n/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $w/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%n $w/passwd
  default_fields = uid=nobody gid=nogroup home=$w/mail/%n
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $port
  }
}
EOF
/usr/sbin/dovecot -c "$w/dovecot.conf" </dev/null >"$w/start.log" 2>&1 ||
    tap_bail "dovecot did not start: $(cat "$w/start.log")"
for _ in $(seq 50); do
	python3 -c "import socket; socket.create_connection(('127.0.0.1', \
$port), 1)" 2>/dev/null && break
	sleep 0.1
done

tap_plan 3

msg=$w/msg
printf 'From: alice@example.org\nTo: bob@example.org\nSubject: lmtp\n\n%s\n' \
    "through LMTP" >"$msg"

# run NAME RCKEYS... -- RCPTS...: sets ST and ERR.
run() {
	local name=$1 rc=$w/$1.rc
	shift
	{
		printf 'account default\nhost 127.0.0.1\nport %s\n' "$port"
		printf 'protocol lmtp\nfrom alice@example.org\ntls off\n'
		printf 'auth off\ntimeout 10\n'
		while [ "$1" != -- ]; do
			printf '%s\n' "$1"
			shift
		done
	} >"$rc"
	shift
	chmod 0600 "$rc"
	ERR=$w/$name.err
	HOME=$w "$POSTIE" -C "$rc" -d "$@" <"$msg" >/dev/null 2>"$ERR"
	ST=$?
}

# count USER: messages in USER's Maildir.
count() {
	find "$w/mail/$1/Maildir/new" -type f 2>/dev/null | wc -l
}

clear_mail() {
	rm -rf "$w/mail/bob" "$w/mail/carol"
}

run both -- bob@example.org carol@example.org
TAP_WHY=""
[ "$ST" = 0 ] || tap_why "exit status $ST: $(tail -n 3 "$ERR")"
[ "$(count bob)" = 1 ] || tap_why "bob has $(count bob) messages"
[ "$(count carol)" = 1 ] || tap_why "carol has $(count carol) messages"
grep -q '^--> LHLO ' "$ERR" || tap_why "no LHLO in the transcript"
grep -q "through LMTP" "$w"/mail/bob/Maildir/new/* 2>/dev/null ||
    tap_why "bob's message lacks the body"
tap_check "LMTP: delivered to two Dovecot users, one reply each"

clear_mail
run strict -- bob@example.org nobody-here@example.org
TAP_WHY=""
[ "$ST" = 65 ] || tap_why "exit status $ST, expected 65"
grep -q "recipient <nobody-here@example.org> refused: 550" "$ERR" ||
    tap_why "no refusal line: $(grep -v '^<--\|^-->' "$ERR" | tail -n 3)"
[ "$(count bob)" = 0 ] || tap_why "bob got the message ($(count bob))"
tap_check "LMTP: an unknown user aborts the transaction by default (65)"

clear_mail
run partial "partial_delivery on" -- bob@example.org \
    nobody-here@example.org carol@example.org
TAP_WHY=""
[ "$ST" = 65 ] || tap_why "exit status $ST, expected 65"
grep -Eq "^postie: 127\.0\.0\.1: recipient <nobody-here@example\.org> \
refused: 550" "$ERR" ||
    tap_why "no refusal line: $(grep -v '^<--\|^-->' "$ERR" | tail -n 3)"
grep -q "message refused for 1 of 3 recipients" "$ERR" ||
    tap_why "no summary line"
[ "$(count bob)" = 1 ] || tap_why "bob has $(count bob) messages"
[ "$(count carol)" = 1 ] || tap_why "carol has $(count carol) messages"
tap_check "LMTP with partial_delivery: known users get it, unknown reported"
tap_done
