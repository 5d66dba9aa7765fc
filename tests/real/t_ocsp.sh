#!/bin/bash
# t_ocsp.sh: stapled OCSP responses (RFC 6066 status_request) are honoured.
#
# A CA, a server certificate, one with the TLS feature "status_request"
# (must-staple, RFC 7633), and OCSP responses made for each run by
# "openssl ocsp" acting as the CA's responder: good, revoked, and one
# signed by a key the CA never authorised.  The server is the pyOpenSSL
# relay of tests/lib/gsasl_peer.py (OpenSSL staples the response), over
# TLS 1.3 and 1.2.  A revoked staple must fail with the word "revoked",
# a forged one and a missing must-staple one with their own reason, a
# good one must pass.  Every rc file holds a password that no output may
# contain.  Output is TAP.
#
# POSTIE=/path/to/postie (default: postie at the top of the tree).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/lib/tap"
. "$top/tests/lib/scratch"

POSTIE=${POSTIE:-$top/postie}
PY=/usr/bin/python3	# Debian's, which has python3-openssl
[ -x "$POSTIE" ] || tap_bail "no program at $POSTIE (set POSTIE)"
for b in certtool openssl "$PY"; do
	command -v "$b" >/dev/null 2>&1 ||
	    tap_skip_all "$b not found (packages gnutls-bin openssl python3)"
done
"$PY" -c 'import OpenSSL' 2>/dev/null ||
    tap_skip_all "pyOpenSSL missing (package python3-openssl)"

scratch_setup ocsp
PASSWORD=$(scratch_secret Ocsp-Pw)

# ---- certificates and OCSP responses ----------------------------------

C=$W/certs
mkdir -p "$C"
genkey() {
	certtool --generate-privkey --key-type=ecdsa --no-text \
	    --outfile "$C/$1.key"
}
ca() {	# ca NAME: a self-signed CA that also signs OCSP responses
	printf '%s\n' "cn = \"$1 test CA\"" ca cert_signing_key \
	    ocsp_signing_key 'expiration_days = 2' >"$C/$1.tmpl" &&
	genkey "$1" && certtool --generate-self-signed --load-privkey \
	    "$C/$1.key" --template "$C/$1.tmpl" --no-text --outfile "$C/$1.pem"
}
cert() {	# cert NAME SERIAL [EXTRA]: a localhost certificate from "ca"
	printf '%s\n' 'cn = "localhost"' 'dns_name = "localhost"' \
	    'ip_address = "127.0.0.1"' "serial = $2" tls_www_server \
	    signing_key 'expiration_days = 2' ${3:+"$3"} >"$C/$1.tmpl" &&
	certtool --generate-certificate --load-privkey "$C/srv.key" \
	    --load-ca-certificate "$C/ca.pem" --load-ca-privkey "$C/ca.key" \
	    --template "$C/$1.tmpl" --no-text --outfile "$C/$1.pem"
}
when() { date -u -d "$1" +%y%m%d%H%M%SZ; }
# ocsp CERT STATUS(V|R) OUT [SIGNER]: a response about CERT, signed by
# SIGNER (default: the CA itself, which RFC 6960 allows)
ocsp() {
	local serial signer=${4:-ca} revoked=""
	serial=$(openssl x509 -in "$C/$1.pem" -noout -serial | sed 's/.*=//')
	[ "$2" = R ] && revoked=$(when '-1 hour')
	printf '%s\t%s\t%s\t%s\tunknown\t/CN=localhost\n' "$2" \
	    "$(when '+2 days')" "$revoked" "$serial" >"$C/index.txt"
	openssl ocsp -issuer "$C/ca.pem" -cert "$C/$1.pem" -no_nonce \
	    -reqout "$C/req.der" &&
	openssl ocsp -index "$C/index.txt" -CA "$C/ca.pem" \
	    -rsigner "$C/$signer.pem" -rkey "$C/$signer.key" \
	    -reqin "$C/req.der" -respout "$C/$3" -ndays 1
}
{
	ca ca && ca rogue && genkey srv &&
	cert srv 11 && cert staple 12 'tls_feature = 5' &&
	ocsp srv V good.der && ocsp srv R revoked.der &&
	ocsp srv V forged.der rogue && ocsp staple V staple-good.der
} >/dev/null 2>&1 || tap_bail "certtool or openssl failed"

# ---- the server and postie --------------------------------------------

start_server() {	# start_server CERT [ARGS...]
	local cert=$1 i
	shift
	stop_server
	SRV_LOG=$W/server.log
	: >"$SRV_LOG"
	rm -f "$W/port"
	"$PY" "$top/tests/lib/gsasl_peer.py" --cert "$C/$cert.pem" \
	    --key "$C/srv.key" --log "$SRV_LOG" "$@" >"$W/port.tmp" \
	    2>"$W/server.err" &
	SRV_PID=$!
	for i in $(seq 100); do
		[ -s "$W/port.tmp" ] && mv "$W/port.tmp" "$W/port"
		PORT=$(head -n 1 "$W/port" 2>/dev/null)
		[ -n "$PORT" ] && return 0
		sleep 0.05
	done
	tap_bail "the server did not start: $(cat "$W/server.err")"
}
RUN=0
run() {	# run: postie -d over implicit TLS; sets STATUS, ERR
	local rc=$W/rc.$RUN
	printf '%s\n' "account default" "host 127.0.0.1" "port $PORT" \
	    "from sender@example.org" "tls on" "tls_starttls off" \
	    "tls_trust_file $C/ca.pem" "user tester" "password $PASSWORD" \
	    "timeout 15" "logfile $W/log.$RUN" >"$rc"
	chmod 0600 "$rc"
	ERR=$W/err.$RUN
	: >"$SRV_LOG"
	XDG_CACHE_HOME=$W/cache.$RUN timeout 60 "$POSTIE" -C "$rc" -d \
	    rcpt@example.org >"$W/out.$RUN" 2>"$ERR" \
	    < <(printf 'Subject: ocsp test\n\nbody\n')
	STATUS=$?
	RUN=$((RUN + 1))
}
expect() {	# expect STATUS [STDERR-PATTERN]
	[ "$STATUS" = "$1" ] || tap_why "exit status $STATUS, expected $1"
	if [ -n "${2:-}" ] && ! grep -qE -- "$2" "$ERR"; then
		tap_why "stderr lacks /$2/"
	fi
	[ -n "$TAP_WHY" ] && tap_why "stderr: $(grep -v '^<--\|^-->' "$ERR" |
	    tail -n 3)"
}
stapled() {
	grep -qx 'ocsp stapled' "$SRV_LOG" || tap_why "nothing was stapled"
}
delivered() {
	grep -qx delivered "$SRV_LOG" || tap_why "the server got no message"
}
not_delivered() {
	! grep -qx delivered "$SRV_LOG" || tap_why "a message was delivered"
}
VF='TLS certificate verification failed for 127.0.0.1'

tap_plan 8

for v in 1.3 1.2; do
	start_server srv --only "$v" --ocsp "$C/good.der"
	run
	expect 0
	stapled
	delivered
	tap_check "TLS $v, stapled OCSP response 'good': delivered"

	start_server srv --only "$v" --ocsp "$C/revoked.der"
	run
	expect 76 "$VF: the certificate was revoked"
	stapled
	not_delivered
	tap_check "TLS $v, stapled OCSP response 'revoked': exit 76, revoked"
done

start_server srv --ocsp "$C/forged.der"
run
expect 76 "$VF: the stapled OCSP response is invalid"
not_delivered
tap_check "OCSP response signed by an unauthorised key: exit 76, named"

start_server staple
run
expect 76 "$VF: the certificate requires a stapled OCSP response"
not_delivered
tap_check "must-staple certificate without a staple: exit 76, named"

start_server staple --ocsp "$C/staple-good.der"
run
expect 0
stapled
delivered
tap_check "must-staple certificate with a good staple: delivered"

for f in "$W"/out.* "$W"/err.* "$W"/log.*; do
	[ -f "$f" ] || continue
	grep -aqF -- "$PASSWORD" "$f" && tap_why "password in ${f#"$W"/}"
done
tap_check "no password in any stdout, stderr, -d trace or logfile"

stop_server
tap_done
