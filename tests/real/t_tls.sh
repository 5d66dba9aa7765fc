#!/bin/bash
# t_tls.sh: postie's TLS checks against real TLS servers on 127.0.0.1.
#
# Certificates are made for each run with certtool: a trusted CA, a CA
# nobody trusts, server certificates that are valid, expired, not yet
# valid, for another name, revoked (with a CRL), re-issued with the same
# key and made with another key, and a client certificate.  The server is
# a small SMTP responder over Python's ssl module (OpenSSL: a TLS stack
# other than postie's) that can be limited to TLS 1.2 or 1.3, can require
# a client certificate, issues session tickets and can speak STARTTLS or
# plain SMTP.  Each case checks postie's exit status, the reason on
# stderr, and what the server saw.  Every rc file holds the password, and
# no output of postie may contain it.  Output is TAP.
#
# POSTIE=/path/to/postie (default: postie at the top of the tree).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/lib/tap"
. "$top/tests/lib/scratch"

POSTIE=${POSTIE:-$top/postie}
[ -x "$POSTIE" ] || tap_bail "no program at $POSTIE (set POSTIE)"
for b in certtool openssl python3; do
	command -v "$b" >/dev/null 2>&1 || tap_skip_all "$b not found"
done

scratch_setup tls
PASSWORD=$(scratch_secret Tls-Pw)
PW_B64=$(printf '\0tester\0%s' "$PASSWORD" | base64 -w0)

# ---- certificates -----------------------------------------------------

C=$W/certs
mkdir -p "$C"
ts() { date -u -d "$1" '+%Y-%m-%d %H:%M:%S'; }
genkey() {
	certtool --generate-privkey --key-type=ecdsa --no-text \
	    --outfile "$C/$1.key" 2>/dev/null
}
# cert NAME KEY CA SERIAL FROM TO CN [EXTRA]: NAME.pem signed by CA
cert() {
	local t=$C/$1.tmpl
	printf '%s\n' "cn = \"$7\"" "dns_name = \"$7\"" "serial = $4" \
	    "activation_date = \"$(ts "$5")\"" \
	    "expiration_date = \"$(ts "$6")\"" "signing_key" \
	    "${8:-tls_www_server}" >"$t"
	[ "$7" = localhost ] && echo 'ip_address = "127.0.0.1"' >>"$t"
	certtool --generate-certificate --load-privkey "$C/$2.key" \
	    --load-ca-certificate "$C/$3.pem" --load-ca-privkey "$C/$3.key" \
	    --template "$t" --no-text --outfile "$C/$1.pem" 2>/dev/null
}
ca() {
	printf '%s\n' "cn = \"$2\"" ca cert_signing_key crl_signing_key \
	    "expiration_days = 3" >"$C/$1.tmpl"
	genkey "$1" && certtool --generate-self-signed --load-privkey \
	    "$C/$1.key" --template "$C/$1.tmpl" --no-text \
	    --outfile "$C/$1.pem" 2>/dev/null
}
{
	ca ca "postie TLS test CA" && ca ca2 "untrusted test CA" &&
	genkey srv && genkey other && genkey client &&
	cert good srv ca 11 '-1 hour' '+2 days' localhost &&
	cert renewed srv ca 12 '-1 hour' '+3 days' localhost &&
	cert otherkey other ca 13 '-1 hour' '+2 days' localhost &&
	cert expired srv ca 14 '-20 days' '-10 days' localhost &&
	cert future srv ca 15 '+10 days' '+20 days' localhost &&
	cert wrongname srv ca 16 '-1 hour' '+2 days' mail.example.net &&
	cert revoked srv ca 17 '-1 hour' '+2 days' localhost &&
	cert client client ca 18 '-1 hour' '+2 days' postie-client \
	    tls_www_client &&
	printf '%s\n' "crl_next_update = 2" "crl_number = 1" >"$C/crl.tmpl" &&
	certtool --generate-crl --load-ca-privkey "$C/ca.key" \
	    --load-ca-certificate "$C/ca.pem" --load-certificate \
	    "$C/revoked.pem" --template "$C/crl.tmpl" --no-text \
	    --outfile "$C/crl.pem" 2>/dev/null
} || tap_bail "certtool failed"

fp() {	# fp ALGO CERT: hex fingerprint with colons, as openssl prints it
	openssl x509 -in "$2" -noout -fingerprint "-$1" | sed 's/.*=//'
}
pin() {	# pin KEY: sha256// and the base64 SHA-256 of the SPKI
	printf 'sha256//%s' "$(openssl pkey -in "$1" -pubout -outform DER |
	    openssl dgst -sha256 -binary | base64 -w0)"
}

# ---- the responder ----------------------------------------------------

cat >"$W/responder.py" <<'PY'
import argparse, base64, hashlib, hmac, os, socket, ssl, sys
p = argparse.ArgumentParser()
p.add_argument("--cert"); p.add_argument("--key")
p.add_argument("--cafile"); p.add_argument("--require-client-cert",
    action="store_true")
p.add_argument("--only", choices=["1.2", "1.3"])
p.add_argument("--mode", choices=["implicit", "starttls", "plain"],
    default="implicit")
p.add_argument("--log")
p.add_argument("--scram-password")
a = p.parse_args()
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
if a.cert:
    ctx.load_cert_chain(a.cert, a.key)
if a.only:
    v = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}
    ctx.minimum_version = ctx.maximum_version = v[a.only]
if a.require_client_cert:
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(a.cafile)
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(4)
print(srv.getsockname()[1], flush=True)
log = open(a.log, "a", buffering=1)

def b64d(s):
    return base64.b64decode(s)

def b64e(b):
    return base64.b64encode(b).decode()

def scram_plus(sock, first, say, readline):
    """SCRAM-SHA-256-PLUS (RFC 5802, 7677) with tls-unique, server side."""
    msg = b64d(first).decode()
    gs2, _, bare = msg.partition(",,")
    gs2 += ",,"
    if gs2 != "p=tls-unique,,":
        return "bad gs2 header " + gs2
    attrs = dict(x.split("=", 1) for x in bare.split(","))
    salt, it = os.urandom(16), 4096
    nonce = attrs["r"] + b64e(os.urandom(12))
    sfirst = "r=%s,s=%s,i=%d" % (nonce, b64e(salt), it)
    say("334 " + b64e(sfirst.encode()))
    final = b64d(readline().strip()).decode()
    without, _, proof = final.rpartition(",p=")
    fa = dict(x.split("=", 1) for x in without.split(","))
    cb = gs2.encode() + sock.get_channel_binding("tls-unique")
    if fa["c"] != b64e(cb):
        return "channel binding mismatch"
    if fa["r"] != nonce:
        return "nonce mismatch"
    salted = hashlib.pbkdf2_hmac("sha256", a.scram_password.encode(),
        salt, it)
    h = lambda k, m: hmac.new(k, m, hashlib.sha256).digest()
    ckey = h(salted, b"Client Key")
    auth = ",".join((bare, sfirst, without)).encode()
    csig = h(hashlib.sha256(ckey).digest(), auth)
    if bytes(x ^ y for x, y in zip(ckey, csig)) != b64d(proof):
        return "wrong password"
    ssig = h(h(salted, b"Server Key"), auth)
    say("334 " + b64e(("v=" + b64e(ssig)).encode()))
    readline()
    return None

def serve(conn):
    state = {"tls": False}
    f = [conn.makefile("rb")]
    def say(s):
        conn_now[0].sendall(s.encode() + b"\r\n")
    def start_tls():
        c = ctx.wrap_socket(conn_now[0], server_side=True)
        conn_now[0] = c
        f[0] = c.makefile("rb")
        peer = c.getpeercert()
        log.write("tls %s resumed=%d client=%s\n" % (c.version(),
            c.session_reused, dict(x[0] for x in peer["subject"])
            ["commonName"] if peer else "none"))
    conn_now = [conn]
    if a.mode == "implicit":
        start_tls()
    say("220 responder ESMTP")
    while True:
        line = f[0].readline()
        if not line:
            return
        log.write("C: " + line.decode("latin-1"))
        cmd = line.strip().upper()
        if cmd.startswith(b"EHLO"):
            caps = ["250-responder", "250-AUTH PLAIN LOGIN" +
                (" SCRAM-SHA-256-PLUS" if a.scram_password else "")]
            if a.mode == "starttls" and not isinstance(conn_now[0],
                    ssl.SSLSocket):
                caps.append("250-STARTTLS")
            caps.append("250 8BITMIME")
            for c in caps:
                say(c)
        elif cmd == b"STARTTLS":
            say("220 go ahead")
            start_tls()
        elif cmd.startswith(b"AUTH SCRAM-SHA-256-PLUS"):
            why = scram_plus(conn_now[0], line.split()[2].decode(), say,
                f[0].readline)
            log.write("scram-plus %s\n" % (why or "ok"))
            say("535 5.7.8 " + why if why else "235 2.7.0 ok")
        elif cmd.startswith(b"AUTH"):
            say("235 ok")
        elif cmd == b"DATA":
            say("354 go")
            while f[0].readline() not in (b".\r\n", b""):
                pass
            log.write("delivered\n")
            say("250 queued")
        elif cmd == b"QUIT":
            say("221 bye")
            return
        else:
            say("250 ok")

while True:
    conn, _ = srv.accept()
    try:
        serve(conn)
    except (ssl.SSLError, OSError) as e:
        log.write("error %s\n" % e)
    finally:
        conn.close()
PY

# start_server ARGS...: run the responder; sets PORT, empties SRV_LOG
start_server() {
	stop_server
	SRV_LOG=$W/server.log
	: >"$SRV_LOG"
	rm -f "$W/port"
	python3 "$W/responder.py" --log "$SRV_LOG" "$@" >"$W/port.tmp" \
	    2>"$W/server.err" &
	SRV_PID=$!
	local i
	for i in $(seq 100); do
		# The background job may not have truncated the file yet.
		[ -s "$W/port.tmp" ] && mv "$W/port.tmp" "$W/port"
		PORT=$(head -n 1 "$W/port" 2>/dev/null)
		[ -n "$PORT" ] && return 0
		sleep 0.05
	done
	tap_bail "the responder did not start: $(cat "$W/server.err")"
}
implicit() {	# implicit CERT [ARGS...]
	local c=$1
	shift
	start_server --cert "$C/$c.pem" --key "$C/$(key_of "$c").key" "$@"
}
key_of() {
	case $1 in
	otherkey) echo other ;;
	*) echo srv ;;
	esac
}

# rc [KEY VALUE]...: an rc file for the responder on PORT, implicit TLS
RUN=0
rc() {
	RC=$W/rc.$RUN
	{
		printf '%s\n' "account default" "host 127.0.0.1" "port $PORT" \
		    "from sender@example.org" "tls on" "tls_starttls off" \
		    "tls_trust_file $C/ca.pem" "auth plain" "user tester" \
		    "password $PASSWORD" "timeout 10" \
		    "logfile $W/log.$RUN"
		while [ $# -ge 2 ]; do
			printf '%s %s\n' "$1" "$2"
			shift 2
		done
	} >"$RC"
	chmod 0600 "$RC"
}
# run: postie with RC (and -d); sets STATUS, ERR
run() {
	ERR=$W/err.$RUN
	: >"$SRV_LOG"
	XDG_CACHE_HOME=${CACHE:-$W/cache.$RUN} timeout 30 "$POSTIE" -C "$RC" \
	    -d rcpt@example.org >"$W/out.$RUN" 2>"$ERR" \
	    < <(printf 'Subject: tls test\n\nbody\n')
	STATUS=$?
	RUN=$((RUN + 1))
}
# expect STATUS [STDERR-PATTERN]
expect() {
	[ "$STATUS" = "$1" ] || tap_why "exit status $STATUS, expected $1"
	if [ -n "${2:-}" ] && ! grep -qE -- "$2" "$ERR"; then
		tap_why "stderr lacks /$2/"
	fi
	[ -n "$TAP_WHY" ] && tap_why "stderr: $(grep -v '^<--\|^-->' "$ERR" |
	    tail -n 5)"
}
delivered() {
	grep -qx delivered "$SRV_LOG" || tap_why "the server got no message"
}
not_delivered() {
	! grep -qx delivered "$SRV_LOG" || tap_why "a message was delivered"
}
VF='TLS certificate verification failed for'

tap_plan 36

# ---- chain, dates, names, CRL -----------------------------------------

implicit good
rc
run
expect 0
delivered
grep -q '^tls TLSv1.3 ' "$SRV_LOG" || tap_why "not TLS 1.3: $(head -n1 \
    "$SRV_LOG")"
tap_check "valid certificate: delivered over TLS 1.3"

rc tls_trust_file "$C/ca2.pem"
run
expect 76 "$VF 127.0.0.1: the certificate issuer is unknown"
not_delivered
tap_check "unknown CA: exit 76, reason named"

implicit expired
rc
run
expect 76 "$VF 127.0.0.1: the certificate has expired"
tap_check "expired certificate: exit 76, reason named"

implicit future
rc
run
expect 76 "$VF 127.0.0.1: the certificate is not yet valid"
tap_check "not yet valid certificate: exit 76, reason named"

implicit wrongname
rc
run
expect 76 "$VF 127.0.0.1: the certificate does not match the host name"
tap_check "wrong host name: exit 76, reason named"

rc tls_host_override mail.example.net
run
expect 0
delivered
tap_check "tls_host_override names the certificate's host: delivered"

implicit revoked
rc tls_crl_file "$C/crl.pem"
run
expect 76 "$VF 127.0.0.1: the certificate was revoked"
not_delivered
tap_check "revoked by tls_crl_file: exit 76, reason named"

rc
run
expect 0
tap_check "same certificate without the CRL: delivered"

rc tls_crl_file "$W/nonexistent.pem"
run
expect 78 "tls_crl_file .*nonexistent.pem: cannot read"
tap_check "unreadable tls_crl_file: configuration error 78"

# ---- fingerprints and public-key pins ---------------------------------

implicit good
rc tls_trust_file "$C/ca2.pem" tls_fingerprint "$(fp sha256 "$C/good.pem")"
run
expect 0
delivered
tap_check "tls_fingerprint SHA-256 matches: delivered (CA not consulted)"

rc tls_fingerprint "$(fp sha256 "$C/renewed.pem")"
run
expect 76 "$VF 127.0.0.1: certificate fingerprint mismatch"
not_delivered
tap_check "tls_fingerprint mismatch: exit 76, reason named"

rc tls_fingerprint "$(fp sha1 "$C/good.pem")"
run
expect 0 "SHA-1 and MD5 fingerprints are weak"
tap_check "SHA-1 tls_fingerprint: accepted with a warning"

rc tls_fingerprint "$(fp md5 "$C/good.pem" | tr -d : | tr A-F a-f)"
run
expect 0 "weak"
tap_check "MD5 tls_fingerprint without colons: accepted with a warning"

rc tls_fingerprint "12:34"
run
expect 78 "tls_fingerprint: '12:34' is not the hex"
tap_check "malformed tls_fingerprint: configuration error 78"

rc tls_pubkey_pin "$(pin "$C/srv.key")" tls_trust_file "$C/ca2.pem"
run
expect 0
delivered
tap_check "tls_pubkey_pin matches: delivered"

implicit renewed
rc tls_pubkey_pin "$(pin "$C/srv.key")" tls_trust_file "$C/ca2.pem"
run
expect 0
delivered
tap_check "tls_pubkey_pin still matches the re-issued certificate"

rc tls_fingerprint "$(fp sha256 "$C/good.pem")"
run
expect 76 "fingerprint mismatch"
tap_check "re-issued certificate: the old tls_fingerprint fails"

implicit otherkey
rc tls_pubkey_pin "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; $(pin \
    "$C/srv.key")"
run
expect 76 "$VF 127.0.0.1: public key pin mismatch"
not_delivered
tap_check "another key: pin mismatch, exit 76"

rc tls_pubkey_pin "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=;$(pin \
    "$C/other.key")"
run
expect 0
tap_check "a pin list: the second pin matches"

# ---- client certificates, protocol versions ---------------------------

implicit good --require-client-cert --cafile "$C/ca.pem"
rc
run
expect 76 "TLS.* alert"
not_delivered
tap_check "client certificate required, none given: exit 76"

rc tls_cert_file "$C/client.pem" tls_key_file "$C/client.key"
run
expect 0
delivered
grep -q 'client=postie-client' "$SRV_LOG" ||
    tap_why "the server saw no client certificate: $(head -n1 "$SRV_LOG")"
tap_check "client certificate from tls_cert_file/tls_key_file: accepted"

implicit good --only 1.2
rc
run
expect 0 "TLS session: \(TLS1.2\)"
delivered
tap_check "TLS 1.2-only server: delivered over TLS 1.2"

rc tls_priorities "NORMAL:-VERS-ALL:+VERS-TLS1.3"
run
expect 76 "TLS handshake with 127.0.0.1 failed"
tap_check "tls_priorities TLS 1.3 only against a TLS 1.2 server: exit 76"

implicit good --only 1.3
rc tls_priorities "NORMAL:-VERS-ALL:+VERS-TLS1.2"
run
expect 76 "TLS handshake with 127.0.0.1 failed"
tap_check "tls_priorities TLS 1.2 only against a TLS 1.3 server: exit 76"

# ---- resumption across runs -------------------------------------------

for v in 1.3 1.2; do
	implicit good --only "$v"
	CACHE=$W/cache-$v
	rc
	run
	run
	expect 0 "TLS: session resumed"
	f=$(find "$CACHE/postie" -type f 2>/dev/null | head -n 1)
	[ -n "$f" ] && [ "$(stat -c %a "$f")" = 600 ] ||
	    tap_why "no 0600 session file under $CACHE/postie: $f"
	grep -q 'resumed=1' "$SRV_LOG" ||
	    tap_why "server log: $(grep '^tls' "$SRV_LOG")"
	unset CACHE
	tap_check "TLS $v: the second run resumes the session (0600 file)"
done

# A stored session proves nothing about today's trust settings.
for v in 1.3 1.2; do
	implicit good --only "$v"
	CACHE=$W/cache-trust-$v
	rc
	run
	rc tls_trust_file "$C/ca2.pem"
	run
	expect 76 "$VF 127.0.0.1"
	not_delivered
	unset CACHE
	tap_check "TLS $v: a stored session is not resumed past an untrusted CA"
done

implicit good
CACHE=$W/cache-pin
rc tls_pubkey_pin "$(pin "$C/srv.key")" tls_trust_file "$C/ca2.pem"
run
run
expect 0 "TLS: session resumed"
unset CACHE
tap_check "a resumed session still passes tls_pubkey_pin"

# ---- opportunistic STARTTLS -------------------------------------------

start_server --mode plain
rc tls off tls_starttls on tls_opportunistic on auth off
run
expect 0
delivered
! grep -q '^tls' "$SRV_LOG" || tap_why "TLS without STARTTLS offered?"
tap_check "tls_opportunistic, no STARTTLS offered: delivered in plaintext"

rc tls off tls_starttls on tls_opportunistic on auth on
run
[ "$STATUS" != 0 ] || tap_why "exit status 0 without a usable mechanism"
grep -q '^C: AUTH' "$SRV_LOG" && tap_why "AUTH sent in plaintext"
grep -qF -e "$PASSWORD" -e "$PW_B64" "$SRV_LOG" &&
    tap_why "the password went over the wire in plaintext"
not_delivered
tap_check "tls_opportunistic without STARTTLS: no credentials in clear"

start_server --mode starttls --cert "$C/good.pem" --key "$C/srv.key"
rc tls off tls_starttls on tls_opportunistic on auth on
run
expect 0
delivered
grep -q '^tls TLSv1.3' "$SRV_LOG" || tap_why "STARTTLS not used"
grep -q '^C: AUTH PLAIN' "$SRV_LOG" || tap_why "no AUTH PLAIN after TLS"
tap_check "tls_opportunistic, STARTTLS offered: TLS, then AUTH, delivered"

rc tls off tls_starttls on tls_opportunistic on auth on \
    tls_trust_file "$C/ca2.pem"
run
expect 76 "the certificate issuer is unknown"
not_delivered
tap_check "tls_opportunistic still verifies the certificate it is shown"

# ---- SCRAM-SHA-256-PLUS with tls-unique over real TLS 1.2 ---------------

implicit good --only 1.2 --scram-password "$PASSWORD"
rc auth on
run
expect 0 "authenticating with SCRAM-SHA-256-PLUS"
grep -qx 'scram-plus ok' "$SRV_LOG" ||
    tap_why "server: $(grep scram "$SRV_LOG")"
delivered
tap_check "auth on prefers SCRAM-SHA-256-PLUS; tls-unique binding accepted"

rc auth scram-sha-256-plus password wrong-password
run
expect 77 "535"
grep -qx 'scram-plus wrong password' "$SRV_LOG" ||
    tap_why "server: $(grep scram "$SRV_LOG")"
not_delivered
tap_check "SCRAM-SHA-256-PLUS with a wrong password: exit 77"

# ---- no password anywhere ---------------------------------------------

for f in "$W"/out.* "$W"/err.* "$W"/log.* "$W"/cache*/postie/*; do
	[ -f "$f" ] || continue
	grep -aqF -e "$PASSWORD" -e "$PW_B64" "$f" &&
	    tap_why "password in ${f#"$W"/}"
done
tap_check "no password in any stdout, stderr, -d trace, logfile or cache"

stop_server
tap_done
