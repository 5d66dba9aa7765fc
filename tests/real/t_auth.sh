#!/bin/bash
# t_auth.sh: authentication against the real Dovecot SASL behind Postfix.
#
# For every mechanism Dovecot offers: the right password delivers, and
# Postfix's log names that mechanism for the session (so the server, not
# only postie, saw it); a wrong password is refused with exit 77, the
# server's 535 is on stderr, Postfix logs the failure of that mechanism,
# nothing is delivered.  "auth on" picks PLAIN there (no
# channel binding is offered), a mechanism Dovecot does not offer is a
# clear error (69), and XOAUTH2 against it fails the same way.  Every run
# uses -d and a logfile; neither the right nor the wrong password may
# appear in anything postie wrote.  Output is TAP.
#
# POSTIE=/path/to/postie, POSTIE_BUILD=builddir, REALSERVER_DIR=running
# instance (see tests/lib/realtest).

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap"
. "$here/../lib/realserver"
. "$here/../lib/realtest"

MECHS="plain login cram-md5 digest-md5 scram-sha-1 scram-sha-256"
WRONG=Wrong-Pw-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')

rt_setup
tap_plan $((6 * 2 + 4))

rcdir=$RT_WORK/rc
outs=$RT_WORK/outs
mkdir -p "$outs"
n=0
# run NAME KEY=VALUE...: rt_run with -d and a logfile; keeps the outputs
run() {
	local name=$1
	shift
	n=$((n + 1))
	rt_account "$SUBMISSION_PORT" "logfile=$outs/$n.log" "$@" |
	    rt_rc "$rcdir/$name"
	rt_run "$rcdir/$name" -d grace@example.org \
	    < <(printf 'Subject: %s\n\nx\n' "$name")
	cp "$RT_OUT" "$outs/$n.out"
	cp "$RT_ERR" "$outs/$n.err"
}

nothing_delivered() {
	local why
	why=$(rs_queue_idle 10) || tap_why "$why"
	[ "$(rs_count)" -eq 0 ] ||
	    tap_why "$(rs_count) message(s) delivered, expected none"
}

# postfix_logged TEXT: a line of Postfix's log written since the mark
postfix_logged() {
	tail -c +$((mark + 1)) "$POSTFIX_LOG" | grep -qF -- "$1" ||
	    tap_why "Postfix did not log '$1'"
}

for mech in $MECHS; do
	M=${mech^^}
	rs_clear
	mark=$(stat -c %s "$POSTFIX_LOG")
	run "right-$mech" auth="$mech"
	rt_status_is 0
	grep -q "authenticating with $M\$" "$RT_ERR" ||
	    tap_why "$(grep authenticating "$RT_ERR")"
	why=$(rs_wait_messages 1) || tap_why "$why"
	postfix_logged "sasl_method=$M, sasl_username=$TEST_USER"
	tap_check "AUTH $M, right password: delivered, Postfix logs $M"

	rs_clear
	mark=$(stat -c %s "$POSTFIX_LOG")
	run "wrong-$mech" auth="$mech" password="$WRONG"
	rt_status_is 77
	grep -qE "535|refused the credentials" "$RT_ERR" ||
	    tap_why "no 535 on stderr: $(grep -v '^<--\|^-->' "$RT_ERR")"
	nothing_delivered
	postfix_logged "SASL $M authentication failed"
	tap_check "AUTH $M, wrong password: exit 77, 535 shown"
done

rs_clear
run auto auth=on
rt_status_is 0
grep -q 'authenticating with PLAIN' "$RT_ERR" ||
    tap_why "$(grep authenticating "$RT_ERR")"
why=$(rs_wait_messages 1) || tap_why "$why"
tap_check "auth on: PLAIN chosen (no -PLUS offered), delivered"

run notoffered auth=ntlm
rt_status_is 69
grep -q 'does not offer AUTH NTLM' "$RT_ERR" ||
    tap_why "stderr: $(grep -v '^<--\|^-->' "$RT_ERR")"
tap_check "explicit mechanism not offered (NTLM): clear error, exit 69"

run xoauth2 auth=xoauth2
rt_status_is 69
grep -q 'does not offer AUTH XOAUTH2' "$RT_ERR" ||
    tap_why "stderr: $(grep -v '^<--\|^-->' "$RT_ERR")"
tap_check "XOAUTH2 where Dovecot lacks it: clear error, exit 69"

pass_b64=$(printf '%s' "$TEST_PASS" | base64 -w0)
wrong_b64=$(printf '%s' "$WRONG" | base64 -w0)
for f in "$outs"/*; do
	for nd in "$TEST_PASS" "$WRONG" "$pass_b64" "$wrong_b64" \
	    "$(printf '\0%s\0%s' "$TEST_USER" "$TEST_PASS" | base64 -w0)" \
	    "$(printf '\0%s\0%s' "$TEST_USER" "$WRONG" | base64 -w0)"; do
		grep -aqF -- "$nd" "$f" &&
		    tap_why "a password is visible in $(basename "$f")"
	done
done
[ "$(ls "$outs" | wc -l)" -ge 45 ] || tap_why "outputs missing"
tap_check "no password in any stdout, stderr, -d trace or logfile"

tap_done
