#!/bin/bash
# t_external.sh: client certificates against real servers.
#
# Postfix (tests/lib/realserver, CCERT_PORT) asks for a client certificate
# and requires one from the test CA (smtpd_tls_req_ccert); the certificate
# alone permits relaying.  Postfix hands SASL to Dovecot without telling
# it about the certificate, so SASL EXTERNAL cannot be had from Postfix:
# for EXTERNAL this test starts Dovecot's own submission service
# (Debian's dovecot-submissiond), which verifies the certificate, takes
# the user name from its CN (auth_ssl_username_from_cert) and offers
# EXTERNAL; it relays accepted mail to the real Postfix's plain port, so
# delivery is checked in the same Maildir.  GNU SASL's "gsasl --server"
# cannot stand in: it has no way to accept EXTERNAL.
#
# Each case checks postie's status, its stderr, and what arrived.  No
# output of postie may hold the password.  Output is TAP.
#
# POSTIE=/path/to/postie, POSTIE_BUILD=builddir, REALSERVER_DIR=running
# instance (see tests/lib/realtest).

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap"
. "$here/../lib/realserver"
. "$here/../lib/realtest"
. "$here/../lib/dsub"

rt_setup
[ -n "${CCERT_PORT:-}" ] ||
    tap_skip_all "the server in REALSERVER_DIR predates CCERT_PORT"
tap_plan 8

rcdir=$RT_WORK/rc
outs=$RT_WORK/outs
mkdir -p "$outs"
n=0
# run NAME KEY=VALUE...: rt_run with -d and a logfile; keeps the outputs
run() {
	local name=$1 port=$2
	shift 2
	n=$((n + 1))
	rt_account "$port" "logfile=$outs/$n.log" "$@" | rt_rc "$rcdir/$name"
	rt_run "$rcdir/$name" -d grace@example.org \
	    < <(printf 'Subject: %s\n\nx\n' "$name")
	cp "$RT_OUT" "$outs/$n.out"
	cp "$RT_ERR" "$outs/$n.err"
}
delivered() {
	local why
	why=$(rs_wait_messages 1) || tap_why "$why"
}
nothing_delivered() {
	local why
	why=$(rs_queue_idle 10) || tap_why "$why"
	[ "$(rs_count)" -eq 0 ] ||
	    tap_why "$(rs_count) message(s) delivered, expected none"
}
stderr_has() {
	grep -qE -- "$1" "$RT_ERR" ||
	    tap_why "stderr lacks /$1/: $(grep -v '^<--\|^-->' "$RT_ERR" |
	    tail -n 3)"
}
CC=(tls_cert_file="$CLIENT_CERT" tls_key_file="$CLIENT_KEY")
UC=(tls_cert_file="$UNTRUSTED_CLIENT_CERT"
    tls_key_file="$UNTRUSTED_CLIENT_KEY")

# ---- Postfix: smtpd_tls_req_ccert -------------------------------------

rs_clear
run ccert "$CCERT_PORT" auth=off user= password= "${CC[@]}"
rt_status_is 0
delivered
tap_check "Postfix requiring a client certificate: accepted, delivered"

# The run above left a resumable session made with the certificate; it
# must not be resumed without one (it would carry the old identity).
rs_clear
run noccert "$CCERT_PORT" auth=off user= password=
rt_status_is 75
stderr_has "421 4.7.1 .*[Cc]lient certificate"
nothing_delivered
tap_check "Postfix requiring a client certificate, none sent: refused"

rs_clear
run untrusted "$CCERT_PORT" auth=off user= password= "${UC[@]}"
rt_status_is 75
stderr_has "421 4.7.1 .*[Cc]lient certificate"
nothing_delivered
tap_check "Postfix, client certificate from another CA: refused"

# ---- Dovecot submission: SASL EXTERNAL --------------------------------

if why=$(dsub_usable); then
	D=$RT_WORK/dsub
	printf '%s:::::::nopassword\n' "$TEST_USER" >"$D.passwd"
	dsub_start "$D" "$PLAIN_PORT" "$(dirname "$CA_FILE")" "
ssl_ca = <$CA_FILE
ssl_verify_client_cert = yes
# The test CA publishes no CRL.
ssl_require_crl = no
auth_ssl_require_client_cert = yes
auth_ssl_username_from_cert = yes
ssl_cert_username_field = commonName
auth_mechanisms = external
passdb {
  driver = passwd-file
  args = $D.passwd
}" >"$RT_WORK/dsub.err" || tap_bail "Dovecot submission did not" \
	    "start: $(cat "$RT_WORK/dsub.err")"
	rt_cleanup_dsub() {
		local status=$?
		dsub_stop "$D"
		(exit "$status")
		rt_cleanup
	}
	trap rt_cleanup_dsub EXIT
	DPORT=$DSUB_PORT

	rs_clear
	run external "$DPORT" auth=external user= password= "${CC[@]}"
	rt_status_is 0
	stderr_has "authenticating with EXTERNAL"
	delivered
	grep -q "Login: user=<$TEST_USER>, method=EXTERNAL" "$DSUB_LOG" ||
	    tap_why "dovecot: $(tail -n 3 "$DSUB_LOG")"
	tap_check "AUTH EXTERNAL with a client certificate (Dovecot): delivered"

	rs_clear
	run external-nocert "$DPORT" auth=external user= password=
	rt_status_is 77
	stderr_has "535 5.7.8 Client didn't present valid SSL certificate"
	nothing_delivered
	tap_check "AUTH EXTERNAL without a client certificate: refused"

	rs_clear
	run external-untrusted "$DPORT" auth=external user= password= \
	    "${UC[@]}"
	rt_status_is 77
	stderr_has "535 5.7.8 Client didn't present valid SSL certificate"
	nothing_delivered
	tap_check "AUTH EXTERNAL, certificate from another CA: refused"

	rs_clear
	run external-auto "$DPORT" auth=on "${CC[@]}"
	[ "$RT_STATUS" = 0 ] && tap_why "auth on chose EXTERNAL by itself"
	stderr_has "no usable authentication mechanism"
	tap_check "auth on never picks EXTERNAL by itself"
else
	for i in 1 2 3 4; do
		tap_skip "SASL EXTERNAL" "$why"
	done
fi

for f in "$outs"/*; do
	grep -aqF -- "$TEST_PASS" "$f" &&
	    tap_why "the password is visible in $(basename "$f")"
done
[ "$(ls "$outs" | wc -l)" -ge 9 ] || tap_why "outputs missing"
tap_check "no password in any stdout, stderr, -d trace or logfile"

tap_done
