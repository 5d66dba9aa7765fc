#!/bin/bash
# t_configure.sh: --configure ADDR finds the submission server in DNS SRV
# records (RFC 6186, RFC 8314) and prints an account for it.
#
# DNS stays on loopback without any test hook in postie: the script
# re-runs itself in new mount and network namespaces (unshare -mn, so
# root is needed), brings up their own loopback, bind-mounts a
# resolv.conf naming 127.0.0.1 over /etc/resolv.conf, and answers on
# 127.0.0.1:53 with tests/lib/dnsstub.py, which also records each
# question.  Nothing leaves the namespace.  Output is TAP; exit 0 when
# all pass.
#
# POSTIE=/path/to/postie (default: postie at the top of the tree).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/lib/tap"

POSTIE=${POSTIE:-$top/postie}
[ -x "$POSTIE" ] || tap_bail "no program at $POSTIE (set POSTIE)"

if [ -z "${T_CONFIGURE_INSIDE:-}" ]; then
	[ "$(id -u)" = 0 ] || tap_skip_all "needs root for unshare -mn"
	for b in unshare ip python3 timeout; do
		command -v "$b" >/dev/null 2>&1 || tap_skip_all "$b not found"
	done
	unshare -mn true 2>/dev/null ||
	    tap_skip_all "unshare -mn is not permitted here"
	T_CONFIGURE_INSIDE=1 POSTIE=$POSTIE exec unshare -mn "$BASH" "$0"
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/postie-configure.XXXXXX") ||
    tap_bail "mktemp"
DNS_PID=""
cleanup() {
	[ -n "$DNS_PID" ] && kill "$DNS_PID" 2>/dev/null &&
	    wait "$DNS_PID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ip link set lo up || tap_bail "cannot bring up lo in the namespace"
echo "nameserver 127.0.0.1" >"$W/resolv.conf"
echo "options timeout:2 attempts:1" >>"$W/resolv.conf"
mount --bind "$W/resolv.conf" /etc/resolv.conf ||
    tap_bail "cannot bind-mount resolv.conf"

export DNSSTUB_LOG=$W/questions
python3 "$top/tests/lib/dnsstub.py" 53 \
    _submissions._tcp.tls.example=0:1:465:mail.tls.example \
    _submission._tcp.tls.example=0:1:587:other.tls.example \
    _submission._tcp.starttls.example=10:5:587:smtp.starttls.example \
    _submissions._tcp.pick.example=20:100:4651:low.pick.example \
    _submissions._tcp.pick.example=10:1:4652:light.pick.example \
    _submissions._tcp.pick.example=10:60:4653:best.pick.example \
    _submissions._tcp.dot.example=0:0:0:. \
    _submission._tcp.dot.example=0:1:587:plain.dot.example \
    _submissions._tcp.broken.example=servfail \
    _submission._tcp.broken.example=servfail \
    _submissions._tcp.xn--bcher-kva.example=0:1:465:mx.xn--bcher-kva.example \
    >"$W/dns.out" 2>"$W/dns.err" &
DNS_PID=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do
	grep -q ready "$W/dns.out" 2>/dev/null && break
	sleep 0.2
done
grep -q ready "$W/dns.out" ||
    tap_bail "dnsstub did not start: $(cat "$W/dns.err")"

tap_plan 9

# run ADDR: postie --configure ADDR; sets ST, OUT, ERR.
run() {
	: >"$DNSSTUB_LOG"
	OUT=$W/out
	ERR=$W/err
	HOME=$W timeout 30 "$POSTIE" --configure "$1" >"$OUT" 2>"$ERR"
	ST=$?
}
status_is() {
	[ "$ST" = "$1" ] || tap_why "exit status $ST, expected $1;" \
	    "stderr: $(head -c 300 "$ERR")"
}
# expect_block: stdout minus its comment lines is exactly stdin.
expect_block() {
	grep -v '^#' "$OUT" | diff -u - /dev/fd/3 3<&0 >"$W/diff" ||
	    tap_why "$(cat "$W/diff")"
}
asked() {
	tr '\n' ' ' <"$DNSSTUB_LOG"
}

run joe@tls.example
status_is 0
printf '%s\n' "account joe@tls.example" "host mail.tls.example" "port 465" \
    "tls on" "tls_starttls off" "auth on" "user joe" \
    "from joe@tls.example" | expect_block
grep -q "^# .*$W/.msmtprc" "$OUT" || tap_why "no hint where it belongs"
[ "$(asked)" = "33 _submissions._tcp.tls.example " ] ||
    tap_why "questions: $(asked)"
tap_check "_submissions (implicit TLS) wins and is asked first"

run Ann@starttls.example
status_is 0
printf '%s\n' "account Ann@starttls.example" "host smtp.starttls.example" \
    "port 587" "tls on" "tls_starttls on" "auth on" "user Ann" \
    "from Ann@starttls.example" | expect_block
want="33 _submissions._tcp.starttls.example"
want="$want 33 _submission._tcp.starttls.example "
[ "$(asked)" = "$want" ] || tap_why "questions: $(asked)"
tap_check "_submission (STARTTLS) after no _submissions record"

run x@pick.example
status_is 0
grep -qx 'host best.pick.example' "$OUT" && grep -qx 'port 4653' "$OUT" ||
    tap_why "picked: $(grep -E '^(host|port) ' "$OUT" | tr '\n' ' ')"
tap_check "lowest priority, then highest weight"

run x@dot.example
status_is 0
grep -qx 'host plain.dot.example' "$OUT" || tap_why "$(cat "$OUT")"
grep -qx 'tls_starttls on' "$OUT" || tap_why "not STARTTLS"
tap_check "a \".\" target means no service (RFC 2782)"

run x@none.example
status_is 68
grep -q 'no SRV records for _submissions._tcp.none.example or' "$ERR" ||
    tap_why "stderr: $(cat "$ERR")"
[ -s "$OUT" ] && tap_why "printed something: $(cat "$OUT")"
tap_check "no records: exit 68 (EX_NOHOST)"

run x@broken.example
status_is 75
grep -q 'cannot look up' "$ERR" || tap_why "stderr: $(cat "$ERR")"
tap_check "SERVFAIL: exit 75 (EX_TEMPFAIL), may work later"

run not-an-address
status_is 64
[ -s "$DNSSTUB_LOG" ] && tap_why "asked DNS: $(asked)"
run "$(printf 'joe\nhost evil.example@tls.example')"
status_is 64
grep -q evil "$OUT" && tap_why "printed a forged line"
tap_check "not an address (or one with a line break): exit 64, no DNS"

run "jo@b$(printf '\303\274')cher.example"
status_is 0
[ "$(asked)" = "33 _submissions._tcp.xn--bcher-kva.example " ] ||
    tap_why "questions: $(asked)"
grep -qx 'host mx.xn--bcher-kva.example' "$OUT" || tap_why "$(cat "$OUT")"
tap_check "an IDN domain is asked in its A-label form"

# What it prints is an account postie itself accepts.
run joe@tls.example
{ grep -v '^#' "$OUT"; echo "password Cfg-Pa55"; } >"$W/rc"
chmod 600 "$W/rc"
HOME=$W "$POSTIE" -C "$W/rc" -a joe@tls.example --pretend a@b.example \
    >"$OUT" 2>"$ERR"
ST=$?
status_is 0
grep -qx 'host = mail.tls.example' "$OUT" && grep -qx 'port = 465' "$OUT" ||
    tap_why "pretend: $(head -c 300 "$OUT")"
grep -q 'Cfg-Pa55' "$OUT" "$ERR" && tap_why "password shown"
tap_check "the printed account works as an rc file"

tap_done
