#!/bin/bash
# t_extensions.sh: postie's use of ESMTP extensions against a real Postfix
# (3.0 or later: CHUNKING) on 127.0.0.1.
#
# Over the plain port (no TLS, no AUTH) it checks, from the -d transcript
# and from what Postfix delivered: PIPELINING with CHUNKING (one "BDAT n
# LAST" instead of DATA, the message's exact bytes, dot lines intact),
# SIZE (the exact spool size), 8BITMIME, SMTPUTF8 (a UTF-8 local part),
# DSN (RET, ENVID, NOTIFY, ORCPT accepted) and ENHANCEDSTATUSCODES (the
# log line's smtpstatus).  Output is TAP; exit 0 when all pass.
#
# POSTIE=/path/to/postie, POSTIE_BUILD=builddir, REALSERVER_DIR=running
# instance (see tests/lib/realtest).

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap"
. "$here/../lib/realserver"
. "$here/../lib/realtest"

rt_setup
tap_plan 7

rcdir=$RT_WORK/rc
rt_account "$PLAIN_PORT" tls=off tls_starttls= tls_trust_file= auth=off \
    user= password= logfile=- | rt_rc "$rcdir/plain"

# sent LINE-REGEX: the -d transcript of the last run shows the command.
sent() {
	grep -Eq -- "^--> $1\$" "$RT_ERR" ||
	    tap_why "not sent: $1 (transcript: $(grep -- '^-->' "$RT_ERR" |
	    tr '\n' '|'))"
}


# ---- CHUNKING, PIPELINING, SIZE, 8BITMIME ----------------------------------

rs_clear
msg=$RT_WORK/msg1
printf '%s\n' "From: sender@example.org" "To: alice@example.org" \
    "Subject: chunking" "Message-ID: <ext1@example.org>" \
    "Date: Mon, 3 Nov 2025 10:00:00 +0100" "MIME-Version: 1.0" \
    "Content-Type: text/plain; charset=utf-8" \
    "Content-Transfer-Encoding: 8bit" "" "caf$(printf '\303\251') au lait" \
    "." ".a line with a dot" "..two dots" "last line" >"$msg"
size=$(sed 's/$/\r/' "$msg" | wc -c)
rt_run "$rcdir/plain" -d alice@example.org <"$msg"
rt_status_is 0
sent "MAIL FROM:<sender@example.org> SIZE=$size BODY=8BITMIME"
sent "BDAT $size LAST"
grep -q -- '^--> DATA$' "$RT_ERR" && tap_why "DATA sent although CHUNKING"
tap_check "CHUNKING: BDAT $size LAST with SIZE and BODY=8BITMIME"

why=$(rs_wait_messages 1) || tap_why "$why"
f=$(rs_message_for alice@example.org) || tap_why "nothing delivered"
if [ -n "$f" ] &&
    ! rs_body "$f" | cmp -s - <(sed '1,/^$/d' "$msg"); then
	tap_why "body differs: $(rs_body "$f" | diff <(sed '1,/^$/d' \
	    "$msg") - | head -n 6)"
fi
tap_check "CHUNKING: 8-bit body with dot lines delivered byte for byte"

# One flight: MAIL, RCPT and BDAT before the first reply is read.
awk '/^--> MAIL/ { m = 1 } m && /^<-- / { exit }
    m && /^--> / { n++ } END { exit n != 3 }' "$RT_ERR" ||
    tap_why "MAIL, RCPT and BDAT not in one flight:" \
    "$(grep -E '^(-->|<--) ' "$RT_ERR" | sed -n '/MAIL/,$p' | head -n 6)"
tap_check "PIPELINING: MAIL, RCPT and BDAT LAST in one flight"

grep -Eq 'smtpstatus=250 2\.0\.0 ' "$RT_OUT" ||
    tap_why "log line: $(cat "$RT_OUT")"
tap_check "ENHANCEDSTATUSCODES: smtpstatus=250 2.0.0 in the log line"

# ---- SMTPUTF8 --------------------------------------------------------------

rs_clear
u8=$(printf 'j\303\266rg@example.org')
printf 'To: %s\nSubject: utf8\n\nHi.\n' "$u8" >"$RT_WORK/msg2"
rt_run "$rcdir/plain" -d "$u8" <"$RT_WORK/msg2"
rt_status_is 0
sent "MAIL FROM:<sender@example.org> SIZE=[0-9]+ BODY=8BITMIME SMTPUTF8"
sent "RCPT TO:<$u8>"
why=$(rs_wait_messages 1) || tap_why "$why"
rs_message_for "$u8" >/dev/null || tap_why "nothing delivered to $u8"
tap_check "SMTPUTF8: UTF-8 local part accepted and delivered"

# ---- DSN -------------------------------------------------------------------

rs_clear
printf 'To: bob@example.org\nSubject: dsn\n\nHi.\n' >"$RT_WORK/msg3"
rt_run "$rcdir/plain" -d -N failure,delay -R hdrs -V 'env+1' \
    bob@example.org <"$RT_WORK/msg3"
rt_status_is 0
sent "MAIL FROM:<sender@example.org> SIZE=[0-9]+ RET=HDRS ENVID=env\\+2B1"
sent "RCPT TO:<bob@example.org> NOTIFY=FAILURE,DELAY ORCPT=rfc822;bob@example.org"
why=$(rs_wait_messages 1) || tap_why "$why"
tap_check "DSN: RET, ENVID, NOTIFY and ORCPT accepted"

# ---- all or nothing: one recipient refused ---------------------------------

rs_clear
rt_run "$rcdir/plain" -d bob@example.org 'bob@[999.0.0.1]' \
    <"$RT_WORK/msg3"
[ "$RT_STATUS" -eq 65 ] ||
    tap_why "exit status $RT_STATUS, expected 65 (refused recipient)"
sent "RSET"
sent "QUIT"
rs_queue_idle 10 >/dev/null
[ "$(rs_count)" -eq 0 ] || tap_why "$(rs_count) message(s) delivered"
tap_check "all or nothing: a refused recipient, RSET, QUIT, no delivery"

tap_done
