#!/bin/bash
# t_gssapi.sh: AUTH GSSAPI against a real MIT Kerberos KDC on 127.0.0.1.
#
# A throw-away realm lives in a temporary directory (KRB5_CONFIG and
# KRB5_KDC_PROFILE point there; the system's Kerberos files are never
# read): a KDC on a free port, a user principal with a password, and
# smtp/localhost in a keytab.  The server side is GNU SASL's own GSSAPI
# server ("gsasl --server", through tests/lib/gsasl_peer.py) with that
# keytab; it accepts the client only when the context names the user's
# principal.  Checked: with a ticket, delivered; without a ticket, a
# clear failure and nothing delivered; the password of the rc file (not
# used by GSSAPI) never shows.  Output is TAP.
#
# POSTIE=/path/to/postie (default: postie at the top of the tree).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/lib/tap"

POSTIE=${POSTIE:-$top/postie}
PY=/usr/bin/python3	# Debian's, which has python3-openssl
[ -x "$POSTIE" ] || tap_bail "no program at $POSTIE (set POSTIE)"
for b in krb5kdc kdb5_util kadmin.local kinit kdestroy gsasl certtool \
    "$PY"; do
	command -v "$b" >/dev/null 2>&1 || tap_skip_all "$b not found" \
	    "(packages krb5-kdc krb5-admin-server krb5-user gsasl gnutls-bin)"
done
"$PY" -c 'import OpenSSL' 2>/dev/null ||
    tap_skip_all "pyOpenSSL missing (package python3-openssl)"

# For a postie built with ASan: a known leak inside libgssglue.
export LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$top/tests/lib/lsan.supp
W=$(mktemp -d "${TMPDIR:-/tmp}/postie-krb.XXXXXX") || tap_bail "mktemp"
SRV_PID=""
KDC_PID=""
stop() {	# stop PID: end a process we started and reap it
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
cleanup() {
	stop "$SRV_PID"
	stop "$KDC_PID"
	[ -n "${KEEP:-}" ] && echo "# kept $W" || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
PASSWORD=Krb-Pw-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
REALM=POSTIE.TEST
K=$W/krb
mkdir -p "$K"

# ---- the realm --------------------------------------------------------

read -r KDC_PORT < <(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$K/krb5.conf" <<EOF
[libdefaults]
	default_realm = $REALM
	dns_lookup_kdc = false
	dns_lookup_realm = false
	dns_canonicalize_hostname = false
	rdns = false
	udp_preference_limit = 1
	default_ccache_name = FILE:$K/ccache
[realms]
	$REALM = {
		kdc = 127.0.0.1:$KDC_PORT
	}
[domain_realm]
	localhost = $REALM
EOF
cat >"$K/kdc.conf" <<EOF
[kdcdefaults]
	kdc_listen = 127.0.0.1:$KDC_PORT
	kdc_tcp_listen = 127.0.0.1:$KDC_PORT
[realms]
	$REALM = {
		database_name = $K/principal
		key_stash_file = $K/stash
		acl_file = $K/kadm5.acl
	}
[logging]
	kdc = FILE:$K/kdc.log
EOF
: >"$K/kadm5.acl"
export KRB5_CONFIG=$K/krb5.conf KRB5_KDC_PROFILE=$K/kdc.conf
export KRB5CCNAME=FILE:$K/ccache KRB5_KTNAME=FILE:$K/smtp.keytab
t0=$EPOCHREALTIME
{
	kdb5_util create -s -r "$REALM" -P "master-$PASSWORD" &&
	kadmin.local -r "$REALM" -q "addprinc -pw $PASSWORD tester" &&
	kadmin.local -r "$REALM" -q "addprinc -randkey smtp/localhost" &&
	kadmin.local -r "$REALM" -q "ktadd -k $K/smtp.keytab smtp/localhost"
} >"$K/setup.log" 2>&1 || tap_bail "realm set-up failed: $(tail -n 3 \
    "$K/setup.log")"
krb5kdc -n -r "$REALM" >"$K/kdc.out" 2>&1 &
KDC_PID=$!
for i in $(seq 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$KDC_PORT") 2>/dev/null && break
	sleep 0.05
done
kinit_tester() {
	printf '%s\n' "$1" | kinit "tester@$REALM" >"$K/kinit.log" 2>&1
}
kinit_tester "$PASSWORD" ||
    tap_bail "kinit failed: $(cat "$K/kinit.log") $(tail -n 3 "$K/kdc.log")"

# ---- the server -------------------------------------------------------

# The test CA and a certificate for localhost and 127.0.0.1.
C=$W/certs
"$top/scripts/mkcerts" "$C" >/dev/null 2>&1 || tap_bail "mkcerts failed"
SRV_LOG=$W/server.log
"$PY" "$top/tests/lib/gsasl_peer.py" --cert "$C/server.pem" --key "$C/server-key.pem" \
    --mechs "GSSAPI PLAIN" --gssapi-user "tester@$REALM" \
    --log "$SRV_LOG" >"$W/port" 2>"$W/server.err" &
SRV_PID=$!
for i in $(seq 100); do
	PORT=$(head -n 1 "$W/port" 2>/dev/null)
	[ -n "$PORT" ] && break
	sleep 0.05
done
[ -n "$PORT" ] || tap_bail "the relay did not start: $(cat "$W/server.err")"

RUN=0
run() {	# run [KEY VALUE]...: postie -d; sets STATUS, ERR
	local rc=$W/rc.$RUN
	{
		printf '%s\n' "account default" "host localhost" \
		    "port $PORT" "from sender@example.org" "tls on" \
		    "tls_starttls off" "tls_trust_file $C/ca.pem" \
		    "user tester" "password $PASSWORD" "timeout 15" \
		    "logfile $W/log.$RUN"
		while [ $# -ge 2 ]; do
			printf '%s %s\n' "$1" "$2"
			shift 2
		done
	} >"$rc"
	chmod 0600 "$rc"
	ERR=$W/err.$RUN
	: >"$SRV_LOG"
	XDG_CACHE_HOME=$W/cache timeout 60 "$POSTIE" -C "$rc" -d \
	    rcpt@example.org >"$W/out.$RUN" 2>"$ERR" \
	    < <(printf 'Subject: gssapi test\n\nbody\n')
	STATUS=$?
	RUN=$((RUN + 1))
}
expect() {	# expect STATUS [STDERR-PATTERN]
	[ "$STATUS" = "$1" ] || tap_why "exit status $STATUS, expected $1"
	if [ -n "${2:-}" ] && ! grep -qE -- "$2" "$ERR"; then
		tap_why "stderr lacks /$2/"
	fi
	[ -n "$TAP_WHY" ] && tap_why "stderr: $(grep -v '^<--\|^-->' "$ERR" |
	    tail -n 3)" "server: $(grep -v '^C:' "$SRV_LOG" | tail -n 3)"
}

tap_plan 4

run auth gssapi
expect 0 "authenticating with GSSAPI"
grep -qx "gssapi tester@$REALM" "$SRV_LOG" ||
    tap_why "server: $(grep gssapi "$SRV_LOG")"
grep -qx "auth GSSAPI ok" "$SRV_LOG" || tap_why "server did not accept"
grep -qx delivered "$SRV_LOG" || tap_why "nothing delivered"
grep -q "TGS_REQ .* tester@$REALM for smtp/localhost@$REALM" "$K/kdc.log" ||
    tap_why "the KDC issued no ticket for smtp/localhost"
tap_check "AUTH GSSAPI with a ticket from the KDC: delivered"

run auth gssapi user ""
expect 0
grep -qx "auth GSSAPI ok" "$SRV_LOG" || tap_why "server did not accept"
tap_check "AUTH GSSAPI needs no user name: the ticket names the client"

kdestroy >/dev/null 2>&1
run auth gssapi
[ "$STATUS" = 0 ] && tap_why "exit status 0 without a ticket"
grep -qE "SASL GSSAPI|GSSAPI" "$ERR" || tap_why "no GSSAPI failure named"
grep -qx delivered "$SRV_LOG" && tap_why "delivered without a ticket"
[ -n "$TAP_WHY" ] && tap_why "stderr: $(grep -v '^<--\|^-->' "$ERR" |
    tail -n 2)"
tap_check "AUTH GSSAPI without a ticket: fails (status $STATUS), named"

for f in "$W"/out.* "$W"/err.* "$W"/log.*; do
	[ -f "$f" ] || continue
	grep -aqF -- "$PASSWORD" "$f" && tap_why "password in ${f#"$W"/}"
done
tap_check "no password in any stdout, stderr, -d trace or logfile"
tap_diag "realm set-up and tests took $(awk -v a="$t0" \
    -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"

tap_done
