#!/bin/bash
# t_mailx.sh: bsd-mailx ("mail -s") with postie as its sendmail, against
# the real Postfix + Dovecot test server.
#
# mail(1) runs /usr/sbin/sendmail unless its "sendmail" variable says
# otherwise; a private MAILRC sets it to a wrapper around postie, so the
# system's sendmail is never replaced.  mail passes "-i -t" (and
# "-f ADDR" with -r).  Output is TAP; exit 0 when all pass.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap"
. "$here/../lib/realserver"
. "$here/../lib/realtest"

command -v bsd-mailx >/dev/null 2>&1 || tap_skip_all "bsd-mailx not installed"
rt_setup
. "$here/lib"
tap_plan 4

rt_account "$SUBMISSION_PORT" | rt_rc "$RT_WORK/rc/mailx"
sm=$(cl_wrapper "$RT_WORK/rc/mailx")
printf 'set sendmail=%s\n' "$sm" >"$RT_WORK/mailrc"

# mailx SUBJECT ARGS...: run bsd-mailx with the body on stdin.
mailx() {
	local subject=$1
	shift
	MAILRC=$RT_WORK/mailrc HOME=$RT_WORK timeout 60 bsd-mailx \
	    -s "$subject" "$@" 2>"$RT_WORK/mailx.err"
}

rs_clear
printf 'Hello from mailx.\nSecond line.\n' | mailx "mailx via postie" \
    alice@example.org
rc=$?
[ "$rc" -eq 0 ] || tap_why "mail exit $rc: $(head -c 300 "$RT_WORK/mailx.err")"
[ "$(cl_argv)" = "-i -t" ] || tap_why "sendmail argv '$(cl_argv)'"
tap_check "mail -s exits 0 after running postie as '-i -t'"

if cl_delivered alice@example.org; then
	f=$CL_MSG
	cl_header_is "$f" Subject "mailx via postie"
	cl_header_is "$f" To alice@example.org
	cl_header_is "$f" Return-Path "<sender@example.org>"
	[ -n "$(rs_header "$f" Date)" ] || tap_why "no Date"
	[ -n "$(rs_header "$f" Message-ID)" ] || tap_why "no Message-ID"
	cl_body_has "$f" "Second line."
fi
tap_check "the message arrives, Date and Message-ID added, body intact"

rs_clear
printf 'Other sender.\n' | mailx "mailx -r" -r other@example.org \
    bob@example.org
rc=$?
[ "$rc" -eq 0 ] || tap_why "mail exit $rc: $(head -c 300 "$RT_WORK/mailx.err")"
tap_check "mail -r exits 0"

if cl_delivered bob@example.org; then
	f=$CL_MSG
	cl_header_is "$f" Return-Path "<other@example.org>"
	cl_header_is "$f" From other@example.org
fi
tap_check "mail -r sets the envelope sender through -f"

tap_done
