#!/bin/bash
# t_info.sh: --serverinfo, --rmqs and --pretend against the real Postfix
# on 127.0.0.1 (tests/lib/realserver).
#
# --serverinfo must print the fingerprint and the public-key pin of the
# certificate Postfix really serves, computed here independently with
# certtool (SHA-256 of the DER) and openssl (SHA-256 of the
# SubjectPublicKeyInfo); the pin it prints must work as tls_pubkey_pin.
# It must check the certificate as a delivery does, even when a TLS
# session from an earlier run could be resumed.  --rmqs sends ETRN:
# Postfix flushes example.org (fast_flush_domains) and refuses other
# domains with 459.  --pretend must not show the password.  Output is
# TAP; exit 0 when all pass.
#
# POSTIE=/path/to/postie, POSTIE_BUILD=builddir, REALSERVER_DIR=running
# instance (see tests/lib/realtest).

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap"
. "$here/../lib/realserver"
. "$here/../lib/realtest"

for b in certtool openssl; do
	command -v "$b" >/dev/null 2>&1 || tap_skip_all "$b not found"
done
rt_setup
tap_plan 10

rcdir=$RT_WORK/rc
cert=$RS_DIR/certs/server.pem
ucert=$RS_DIR/certs/untrusted-server.pem

# fingerprint PEM: "AB:CD:..." as certtool computes it.
fingerprint() {
	certtool --fingerprint --hash=sha256 --infile="$1" 2>/dev/null |
	    tr 'a-f' 'A-F' | sed 's/../&:/g; s/:$//'
}
# pin PEM: sha256//BASE64 of the public key, as openssl computes it.
pin() {
	openssl x509 -in "$1" -noout -pubkey |
	    openssl pkey -pubin -outform der |
	    openssl dgst -sha256 -binary | base64 -w0 | sed 's,^,sha256//,'
}
# out_has LINE-REGEX: stdout of the last run has a matching line.
out_has() {
	grep -Eq -- "$1" "$RT_OUT" ||
	    tap_why "stdout lacks /$1/; it was: $(head -c 800 "$RT_OUT")"
}
out_lacks() {
	if grep -Eq -- "$1" "$RT_OUT"; then
		tap_why "stdout shows /$1/"
	fi
}
no_secret() {
	if grep -qF -- "$TEST_PASS" "$RT_OUT" "$RT_ERR"; then
		tap_why "the password appears in the output"
	fi
}

fp=$(fingerprint "$cert")
upin=$(pin "$ucert")
[ ${#fp} -eq 95 ] || tap_bail "certtool gave no fingerprint: '$fp'"
case $upin in
sha256//?*) ;;
*) tap_bail "openssl gave no pin: '$upin'" ;;
esac

rt_account "$SUBMISSION_PORT" | rt_rc "$rcdir/sub"
rt_account "$SUBMISSIONS_PORT" tls_starttls=off | rt_rc "$rcdir/subs"
rt_account "$PLAIN_PORT" tls=off tls_starttls= tls_trust_file= auth=off \
    user= password= | rt_rc "$rcdir/plain"

# ---- --serverinfo ----------------------------------------------------

logins=$(grep -c 'sasl_username=' "$POSTFIX_LOG")
rt_run "$rcdir/sub" --serverinfo </dev/null
rt_status_is 0
out_has "^SMTP server at $TEST_HOST, port $SUBMISSION_PORT:\$"
out_has '^    localhost ESMTP postie test server$'
out_has "^        SHA256: $fp\$"
out_has "^        sha256//$(pin "$cert" | sed 's,^sha256//,,; s,[+/],\\&,g')\$"
out_has '^    Subject:$'
out_has '^        .*CN=localhost'
out_has '^        .*CN=postie test CA'
out_has '^        Activation time: '
out_has '^        Expiration time: '
out_has '^        PLAIN( |$)'
# Postfix offers AUTH only inside TLS here (smtpd_tls_auth_only).
out_has '^        Before STARTTLS: \(none\)$'
out_has '^    STARTTLS:$'
no_secret
[ "$(grep -c 'sasl_username=' "$POSTFIX_LOG")" -eq "$logins" ] ||
    tap_why "--serverinfo logged in"
tap_check "--serverinfo (STARTTLS): certificate, fingerprint and pin match"

rt_run "$rcdir/subs" -S </dev/null
rt_status_is 0
out_has "^        SHA256: $fp\$"
out_has '^TLS session parameters:$'
out_lacks 'Before STARTTLS'
tap_check "--serverinfo (implicit TLS): same certificate, no STARTTLS"

rt_run "$rcdir/plain" --serverinfo </dev/null
rt_status_is 0
for cap in 'SIZE 104857600' PIPELINING CHUNKING 8BITMIME SMTPUTF8 ETRN DSN \
    ENHANCEDSTATUSCODES; do
	out_has "^    $cap:\$"
done
out_lacks '^TLS'
tap_check "--serverinfo (no TLS): Postfix's capabilities"

rt_account "$UNTRUSTED_PORT" tls_starttls=off | rt_rc "$rcdir/untrusted"
rt_run "$rcdir/untrusted" --serverinfo </dev/null
rt_status_is 76
out_lacks 'SHA256'
grep -qi 'certificate' "$RT_ERR" || tap_why "no certificate error on stderr"
tap_check "--serverinfo refuses an untrusted certificate (76)"

# The printed pin is what tls_pubkey_pin takes: it replaces the chain
# check for the certificate of a CA nobody trusts.
rt_account "$UNTRUSTED_PORT" tls_starttls=off tls_certcheck=off |
    rt_rc "$rcdir/nocheck"
rt_run "$rcdir/nocheck" --serverinfo </dev/null
rt_status_is 0
shown=$(sed -n '/^    Public key pin/{n;s/^ *//;p}' "$RT_OUT")
[ "$shown" = "$upin" ] || tap_why "printed pin '$shown', openssl '$upin'"
rt_account "$UNTRUSTED_PORT" tls_starttls=off "tls_pubkey_pin=$shown" |
    rt_rc "$rcdir/pinned"
rs_clear
printf 'From: sender@example.org\nTo: pin@example.org\nSubject: pin\n\nx\n' |
    rt_run "$rcdir/pinned" pin@example.org
rt_status_is 0
tap_check "the printed pin works as tls_pubkey_pin"

# A delivery stores a TLS session; --serverinfo must not resume it, or it
# would show the stored certificate without checking it again.
printf 'From: sender@example.org\nTo: a@example.org\nSubject: s\n\nx\n' |
    rt_run "$rcdir/sub" a@example.org
rt_status_is 0
rt_account "$SUBMISSION_PORT" "tls_trust_file=$UNTRUSTED_CA_FILE" |
    rt_rc "$rcdir/wrongca"
rt_run "$rcdir/wrongca" --serverinfo </dev/null
rt_status_is 76
out_lacks 'SHA256'
tap_check "--serverinfo checks the certificate despite a stored session"

# ---- --rmqs ----------------------------------------------------------

etrn_before=$(grep -c ' etrn=1 ' "$POSTFIX_LOG")
rt_run "$rcdir/plain" -d --rmqs=@example.org </dev/null
rt_status_is 0
grep -q '^--> ETRN @example.org$' "$RT_ERR" || tap_why "no ETRN in -d"
grep -q '^<-- 250 ' "$RT_ERR" || tap_why "no 250 to ETRN in -d"
sleep 1
[ "$(grep -c ' etrn=1 ' "$POSTFIX_LOG")" -gt "$etrn_before" ] ||
    tap_why "Postfix logged no accepted ETRN"
tap_check "--rmqs=@example.org: Postfix accepts ETRN"

rt_run "$rcdir/plain" --rmqs=@other.example </dev/null
rt_status_is 75
grep -q '459' "$RT_ERR" || tap_why "no 459 on stderr: $(cat "$RT_ERR")"
tap_check "--rmqs for a domain Postfix does not flush: 459, exit 75"

rt_run "$rcdir/sub" -d --rmqs=example.org </dev/null
rt_status_is 0
grep -q '^--> AUTH ' "$RT_ERR" || tap_why "ETRN without AUTH"
grep -q '^--> ETRN example.org$' "$RT_ERR" || tap_why "no ETRN sent"
no_secret
tap_check "--rmqs over STARTTLS with AUTH; the password stays hidden"

# ---- --pretend -------------------------------------------------------

conns=$(grep -c 'connect from' "$POSTFIX_LOG")
rt_run "$rcdir/sub" --pretend -d bob@example.org </dev/null
rt_status_is 0
out_has '^password = \*$'
out_has "^user = $TEST_USER\$"
out_has '^recipients = <bob@example.org>$'
no_secret
sleep 1
[ "$(grep -c 'connect from' "$POSTFIX_LOG")" -eq "$conns" ] ||
    tap_why "--pretend connected to the server"
tap_check "--pretend: password shown as *, no connection"

tap_done
