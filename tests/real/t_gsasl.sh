#!/bin/bash
# t_gsasl.sh: the SASL mechanisms Dovecot lacks, against a server side
# that is not postie's: GNU SASL's own server ("gsasl --server") behind a
# small SMTP relay (tests/lib/gsasl_peer.py) whose TLS is OpenSSL's.
#
# SCRAM-SHA-1-PLUS and SCRAM-SHA-256-PLUS bind to the TLS channel:
# tls-unique on TLS 1.2, tls-exporter on TLS 1.3; each with the right
# password, a wrong one, and binding data that does not match (which must
# fail although the password is right).  "auth on" must pick a -PLUS
# mechanism when one is offered.  NTLM (GNU SASL has no NTLM server) is
# checked by the relay itself: the NTLMv1 response is recomputed from the
# password, and the domain must be ntlmdomain's.  Nothing postie writes
# may hold the password.  Output is TAP.
#
# POSTIE=/path/to/postie (default: postie at the top of the tree).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/lib/tap"
. "$top/tests/lib/scratch"

POSTIE=${POSTIE:-$top/postie}
# pyOpenSSL: Debian's python3-openssl, for Debian's own python3.
PY=/usr/bin/python3
[ -x "$POSTIE" ] || tap_bail "no program at $POSTIE (set POSTIE)"
for b in certtool gsasl "$PY"; do
	command -v "$b" >/dev/null 2>&1 ||
	    tap_skip_all "$b not found (packages gnutls-bin gsasl python3)"
done
"$PY" -c 'import OpenSSL' 2>/dev/null ||
    tap_skip_all "pyOpenSSL missing (package python3-openssl)"

scratch_setup gsasl
PASSWORD=$(scratch_secret Gs-Pw)
WRONG=$(scratch_secret Wrong)

# ---- a CA and a server certificate for 127.0.0.1 ----------------------

C=$W/certs
"$top/scripts/mkcerts" "$C" >/dev/null 2>&1 || tap_bail "mkcerts failed"

# start_server ARGS...: the relay with TLS; sets PORT, empties SRV_LOG
start_server() {
	stop_server
	SRV_LOG=$W/server.log
	: >"$SRV_LOG"
	rm -f "$W/port"
	"$PY" "$top/tests/lib/gsasl_peer.py" --cert "$C/server.pem" \
	    --key "$C/server-key.pem" --password "$PASSWORD" --log "$SRV_LOG" \
	    "$@" >"$W/port.tmp" 2>"$W/server.err" &
	SRV_PID=$!
	local i
	for i in $(seq 100); do
		[ -s "$W/port.tmp" ] && mv "$W/port.tmp" "$W/port"
		PORT=$(head -n 1 "$W/port" 2>/dev/null)
		[ -n "$PORT" ] && return 0
		sleep 0.05
	done
	tap_bail "the relay did not start: $(cat "$W/server.err")"
}

RUN=0
# run [KEY VALUE]...: postie -d over implicit TLS; sets STATUS, ERR
run() {
	local rc=$W/rc.$RUN
	{
		printf '%s\n' "account default" "host 127.0.0.1" "port $PORT" \
		    "from sender@example.org" "tls on" "tls_starttls off" \
		    "tls_trust_file $C/ca.pem" "user tester" \
		    "password $PASSWORD" "timeout 15" "logfile $W/log.$RUN"
		while [ $# -ge 2 ]; do
			printf '%s %s\n' "$1" "$2"
			shift 2
		done
	} >"$rc"
	chmod 0600 "$rc"
	ERR=$W/err.$RUN
	: >"$SRV_LOG"
	# A fresh cache each run: a resumed session is tested in t_tls.sh.
	XDG_CACHE_HOME=$W/cache.$RUN timeout 60 "$POSTIE" -C "$rc" -d \
	    rcpt@example.org >"$W/out.$RUN" 2>"$ERR" \
	    < <(printf 'Subject: gsasl test\n\nbody\n')
	STATUS=$?
	RUN=$((RUN + 1))
}
expect() {	# expect STATUS [STDERR-PATTERN]
	[ "$STATUS" = "$1" ] || tap_why "exit status $STATUS, expected $1"
	if [ -n "${2:-}" ] && ! grep -qE -- "$2" "$ERR"; then
		tap_why "stderr lacks /$2/"
	fi
	[ -n "$TAP_WHY" ] && tap_why "stderr: $(grep -v '^<--\|^-->' "$ERR" |
	    tail -n 4)" "server: $(grep -v '^C:' "$SRV_LOG" | tail -n 4)"
}
server_says() {	# server_says LINE: the relay's log has LINE
	grep -qxF -- "$1" "$SRV_LOG" ||
	    tap_why "server log lacks '$1': $(grep -v '^C:' "$SRV_LOG")"
}
delivered() {
	grep -qx delivered "$SRV_LOG" || tap_why "the server got no message"
}
not_delivered() {
	! grep -qx delivered "$SRV_LOG" || tap_why "a message was delivered"
}

tap_plan 16

# ---- SCRAM-*-PLUS -----------------------------------------------------

for v in 1.2 1.3; do
	case $v in
	1.2) cb=tls-unique ;;
	1.3) cb=tls-exporter ;;
	esac
	for mech in SCRAM-SHA-1-PLUS SCRAM-SHA-256-PLUS; do
		start_server --only "$v" --mechs "PLAIN $mech"
		run auth "${mech,,}"
		expect 0 "authenticating with $mech"
		server_says "cb $cb"
		server_says "auth $mech ok"
		delivered
		tap_check "$mech over TLS $v ($cb), right password: delivered"

		run auth "${mech,,}" password "$WRONG"
		expect 77 "535"
		grep -q "^auth $mech fail" "$SRV_LOG" ||
		    tap_why "server: $(grep '^auth' "$SRV_LOG")"
		not_delivered
		tap_check "$mech over TLS $v, wrong password: exit 77"
	done
done

for v in 1.2 1.3; do
	start_server --only "$v" --mechs "SCRAM-SHA-256-PLUS" --bad-cb
	run auth scram-sha-256-plus
	expect 77 "535"
	grep -q '^auth SCRAM-SHA-256-PLUS fail' "$SRV_LOG" ||
	    tap_why "server: $(grep '^auth' "$SRV_LOG")"
	not_delivered
	tap_check "TLS $v: channel binding the server does not share: exit 77"
done

start_server --only 1.3 --mechs \
    "PLAIN LOGIN SCRAM-SHA-1 SCRAM-SHA-256 SCRAM-SHA-1-PLUS SCRAM-SHA-256-PLUS"
run auth on
expect 0 "authenticating with SCRAM-SHA-256-PLUS"
server_says "auth SCRAM-SHA-256-PLUS ok"
delivered
tap_check "auth on picks SCRAM-SHA-256-PLUS over PLAIN and plain SCRAM"

start_server --only 1.2 --mechs "SCRAM-SHA-1 SCRAM-SHA-1-PLUS"
run auth on
expect 0 "authenticating with SCRAM-SHA-1-PLUS"
server_says "auth SCRAM-SHA-1-PLUS ok"
tap_check "auth on picks SCRAM-SHA-1-PLUS over SCRAM-SHA-1"

# ---- NTLM -------------------------------------------------------------

start_server --mechs "NTLM" --ntlm-domain EXAMPLE
run auth ntlm ntlmdomain EXAMPLE
expect 0 "authenticating with NTLM"
server_says "auth NTLM ok"
delivered
tap_check "NTLM with ntlmdomain: response and domain accepted, delivered"

run auth ntlm ntlmdomain EXAMPLE password "$WRONG"
expect 77 "535"
server_says "auth NTLM fail wrong NT response"
not_delivered
tap_check "NTLM, wrong password: exit 77"

run auth ntlm
expect 77 "535"
grep -q "^auth NTLM fail domain ''" "$SRV_LOG" ||
    tap_why "server: $(grep '^auth' "$SRV_LOG")"
tap_check "NTLM without ntlmdomain: no domain sent, refused by this server"

# ---- no password anywhere ---------------------------------------------

n=0
for f in "$W"/out.* "$W"/err.* "$W"/log.*; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	for s in "$PASSWORD" "$WRONG" "$(printf '%s' "$PASSWORD" | base64)"; do
		grep -aqF -- "$s" "$f" && tap_why "a password in ${f#"$W"/}"
	done
done
[ "$n" -ge $((RUN * 2)) ] || tap_why "only $n output files for $RUN runs"
tap_check "no password in any stdout, stderr, -d trace or logfile"

stop_server
tap_done
