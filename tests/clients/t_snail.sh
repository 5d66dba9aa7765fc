#!/bin/bash
# t_snail.sh: s-nail with postie as its MTA, against the real Postfix +
# Dovecot test server.
#
# s-nail runs the program named by its "mta" variable with "-i --
# RCPT..."; it is set to a wrapper around postie, and "-:/" keeps the
# system's resource files out.  Checks a delivery with a Cc and an
# attachment-free UTF-8 body.  Output is TAP; exit 0 when all pass.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap"
. "$here/../lib/realserver"
. "$here/../lib/realtest"

command -v s-nail >/dev/null 2>&1 || tap_skip_all "s-nail not installed"
rt_setup
. "$here/lib"
tap_plan 3

rt_account "$SUBMISSION_PORT" | rt_rc "$RT_WORK/rc/snail"
sm=$(cl_wrapper "$RT_WORK/rc/snail")

rs_clear
printf 'Hello from s-nail.\nGr\303\274\303\237e.\n' |
    HOME=$RT_WORK LC_ALL=C.UTF-8 timeout 60 s-nail -:/ -S mta="$sm" \
    -S from="Sender <sender@example.org>" -S ttycharset=utf-8 \
    -s "s-nail via postie" -c carol@example.org alice@example.org \
    2>"$RT_WORK/snail.err"
rc=$?
[ "$rc" -eq 0 ] ||
    tap_why "s-nail exit $rc: $(head -c 300 "$RT_WORK/snail.err")"
case " $(cl_argv) " in
*" -i "*" alice@example.org "*) ;;
*) tap_why "sendmail argv '$(cl_argv)'" ;;
esac
tap_check "s-nail exits 0 after running postie with its recipients"

if cl_delivered alice@example.org; then
	f=$CL_MSG
	cl_header_is "$f" Subject "s-nail via postie"
	cl_header_is "$f" From "Sender <sender@example.org>"
	cl_header_is "$f" Cc carol@example.org
	cl_header_is "$f" Return-Path "<sender@example.org>"
	rs_body "$f" | grep -q "Hello from s-nail." ||
	    tap_why "body: $(rs_body "$f" | head -c 300)"
fi
tap_check "the message arrives with its headers and body"

why=$(rs_wait_messages 2) || tap_why "$why"
rs_message_for carol@example.org >/dev/null ||
    tap_why "nothing delivered to the Cc recipient"
tap_check "the Cc recipient gets it too"

tap_done
