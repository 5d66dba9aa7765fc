#!/bin/bash
# t_pretend.sh: --pretend prints what msmtp 1.8.23's --pretend prints.
#
# Both programs read the same rc files; every "key = value" line msmtp
# prints (between "using account" and "reading recipients") must appear
# in postie's output with the same text and in the same order.  postie's
# own keys come after msmtp's; every key of the table in
# src/conf_table.c must have a line (msmtp writes "source ip" for
# source_ip, so a blank may stand for an underscore).  Secrets show as
# "*", and a passwordeval command is never printed.
#
# Deliberate differences (postie(1), DIFFERENCES FROM MSMTP): without
# a timeout key postie prints its 300 second default where msmtp prints
# "off"; a passwordeval command is shown as "*" and not run, so the
# password line stays "(not set)".
#
#   POSTIE   the program under test (default build/postie)
#   MSMTP    msmtp (default msmtp on PATH)
#   CONF_C   the key table (default src/conf_table.c)
#
# Output is TAP; exit 0 when all pass, else 1.  Without msmtp every test
# is skipped, with the reason.

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/../lib/tap"

POSTIE=${POSTIE:-$top/build/postie}
MSMTP=${MSMTP:-msmtp}
CONF_C=${CONF_C:-$top/src/conf_table.c}

[ -x "$POSTIE" ] || tap_bail "$POSTIE is not an executable (set POSTIE)"
command -v "$MSMTP" >/dev/null 2>&1 ||
	tap_skip_all "msmtp is not installed (Debian: apt-get install msmtp)"
"$MSMTP" --version 2>/dev/null | head -1 | grep -q ' 1\.8\.23$' ||
	tap_skip_all "$MSMTP is not msmtp 1.8.23, the version compared with"

work=$(mktemp -d "${TMPDIR:-/tmp}/t_pretend.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM
# Neither program may find the user's own files or key ring.
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config
export XDG_STATE_HOME=$work/home/.state XDG_CACHE_HOME=$work/home/.cache
unset DBUS_SESSION_BUS_ADDRESS
mkdir -p "$HOME"
touch "$work/ca.pem" "$work/crl.pem" "$work/key.pem" "$work/cert.pem" \
    "$work/aliases"

SECRET=pw-Zq81-never-shown

tap_plan 9

# write_rc FILE LINES...: an rc file private to its owner.
write_rc() {
	local f=$1
	shift
	printf '%s\n' "$@" >"$f"
	chmod 600 "$f"
}

# Every key msmtp 1.8.23 knows, none at its default.
write_rc "$work/all.rc" "defaults" "account test" \
    "host mail.example.org" "port 2525" "source_ip 127.0.0.1" \
    "proxy_host 127.0.0.2" "proxy_port 1081" "socket $work/sock" \
    "timeout 33" "protocol smtp" "domain helo.example" "auth plain" \
    "user joe" "password $SECRET" "ntlmdomain NTD" "tls on" \
    "tls_starttls off" "tls_trust_file $work/ca.pem" \
    "tls_crl_file $work/crl.pem" \
    "tls_fingerprint 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF" \
    "tls_key_file $work/key.pem" "tls_cert_file $work/cert.pem" \
    "tls_certcheck off" "tls_priorities NORMAL" \
    "tls_host_override other.example" "tls_min_dh_prime_bits 1024" \
    "from joe@example.org" "allow_from_override off" \
    "dsn_notify failure,delay" "dsn_return headers" \
    "set_from_header on" "set_date_header off" "set_msgid_header off" \
    "remove_bcc_headers off" "undisclosed_recipients on" \
    "logfile $work/log" "logfile_time_format %Y" "syslog LOG_LOCAL3" \
    "aliases $work/aliases" "auto_from off" "maildomain example.net"
# The same plus postie's own keys, which msmtp would refuse.
cp "$work/all.rc" "$work/own.rc"
printf '%s\n' "auth_without_tls on" "tls_pubkey_pin sha256//AAAA" \
    "tls_opportunistic on" "tls_session_cache off" "partial_delivery on" \
    "requiretls on" "failover other" "queue fallback" \
    "queue_dir $work/q" "queue_lifetime 2d" "queue_retry 10m,2h" \
    "queue_bounce off" "set_to_header on" "from_full_name Joe Q. Public" \
    >>"$work/own.rc"
# Few keys: the defaults.
write_rc "$work/min.rc" "account test" "host h.example" "from a@b.example"
# A password command, which holds the password as often as not.
write_rc "$work/eval.rc" "account test" "host h.example" \
    "from a@b.example" "auth plain" "user joe" "tls on" "timeout 60" \
    "passwordeval echo $SECRET"

# run PROG RC OUT: --pretend with one recipient; the status is checked.
run() {
	"$1" -C "$2" -a test --pretend rcpt@example.org >"$3" 2>"$3.err" \
	    </dev/null
	echo $? >"$3.status"
}

# keylines OUT: the "key = value" lines msmtp would print, in order.
keylines() {
	sed -n '/^using account /,/^reading recipients /p' "$1" |
	    grep -v '^using account \|^reading recipients '
}

# compare NAME MSMTP_OUT POSTIE_OUT [KEY...]: msmtp's key lines appear in
# postie's output, same text, same order; the KEYs are left out.
compare() {
	local name=$1 m=$2 p=$3 k
	shift 3
	keylines "$m" >"$m.keys"
	for k in "$@"; do
		grep -v "^$k = " "$m.keys" >"$m.tmp"
		mv "$m.tmp" "$m.keys"
	done
	sed 's/ = .*//' "$m.keys" | sed 's/[][\.*^$]/\\&/g; s/.*/^& = /' \
	    >"$m.pat"
	grep -f "$m.pat" "$p" >"$p.keys"
	[ "$(cat "$m.status")" = 0 ] ||
	    tap_why "msmtp exited $(cat "$m.status"): $(cat "$m.err")"
	[ "$(cat "$p.status")" = 0 ] ||
	    tap_why "postie exited $(cat "$p.status"): $(cat "$p.err")"
	[ -s "$m.keys" ] || tap_why "msmtp printed no key lines"
	if ! diff "$m.keys" "$p.keys" >"$p.diff"; then
		tap_why "msmtp (<) and postie (>) differ:"
		tap_why "$(cat "$p.diff")"
	fi
	tap_check "$name"
}

for rc in all min eval; do
	run "$MSMTP" "$work/$rc.rc" "$work/$rc.m"
	run "$POSTIE" "$work/$rc.rc" "$work/$rc.p"
done
run "$POSTIE" "$work/own.rc" "$work/own.p"

compare "every key set: msmtp's lines, same wording and order" \
    "$work/all.m" "$work/all.p"
compare "defaults: msmtp's lines, same wording and order (but timeout)" \
    "$work/min.m" "$work/min.p" timeout
compare "passwordeval: msmtp's other lines unchanged" \
    "$work/eval.m" "$work/eval.p" password passwordeval

# The deliberate differences are what the manual says they are.
grep -qx 'timeout = 300 seconds' "$work/min.p" ||
    tap_why "no 'timeout = 300 seconds': $(grep '^timeout' "$work/min.p")"
tap_check "without a timeout key postie shows its 300 second default"

grep -qx 'passwordeval = \*' "$work/eval.p" ||
    tap_why "no 'passwordeval = *': $(grep '^passwordeval' "$work/eval.p")"
grep -qx 'password = \*' "$work/all.p" ||
    tap_why "no 'password = *': $(grep '^password ' "$work/all.p")"
for f in all eval own; do
	if grep -q -- "$SECRET" "$work/$f.p" "$work/$f.p.err"; then
		tap_why "$f.rc: the password appears in the output"
	fi
done
tap_check "secrets show as *; a passwordeval command is never printed"

# postie's own keys keep msmtp's lines unchanged, and come after them.
compare "with postie's own keys too: msmtp's lines unchanged" \
    "$work/all.m" "$work/own.p"
last_msmtp=$(keylines "$work/all.m" | tail -1 | sed 's/ = .*//')
first_own=$(grep -n '^auth_without_tls = ' "$work/own.p" | cut -d: -f1)
last_line=$(grep -n "^$last_msmtp = " "$work/own.p" | cut -d: -f1)
[ -n "$first_own" ] && [ -n "$last_line" ] &&
    [ "$first_own" -gt "$last_line" ] ||
    tap_why "auth_without_tls (line ${first_own:-none}) is not after" \
        "msmtp's last key $last_msmtp (line ${last_line:-none})"
tap_check "postie's own keys come after msmtp's"

# The values of postie's own keys as set.
for want in "set_to_header = on" "from_full_name = Joe Q. Public" \
    "queue = fallback" "queue_lifetime = 172800 seconds" \
    "queue_retry = 600,7200 seconds" "partial_delivery = on" \
    "requiretls = on" "failover = other" "tls_opportunistic = on" \
    "auth_without_tls = on" "tls_pubkey_pin = sha256//AAAA" \
    "set_msgid_header = off" "queue_bounce = off"; do
	grep -qxF -- "$want" "$work/own.p" || tap_why "no line '$want'"
done
tap_check "postie's own keys show the values set"

# Every key of the table has a line (a blank may stand for "_").
keys=$("$top/tests/lib/conf-keys" "$CONF_C")
[ -n "$keys" ] || tap_why "no key found in $CONF_C"
for k in $keys; do
	grep -q "^$k = \|^${k//_/ } = " "$work/own.p" ||
	    tap_why "key $k (from $CONF_C) is missing from --pretend"
done
tap_check "every key of the table has a --pretend line"

tap_done
