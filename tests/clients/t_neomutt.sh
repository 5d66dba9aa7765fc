#!/bin/bash
# t_neomutt.sh: neomutt in batch mode with postie as its sendmail, against
# the real Postfix + Dovecot test server.
#
# "neomutt -n -F MUTTRC -s SUBJECT RCPT < body" sends without a terminal;
# the private muttrc sets "sendmail" to a wrapper around postie (neomutt
# passes "-- RCPT...") and keeps no copy.  Output is TAP; exit 0 when all
# pass.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap"
. "$here/../lib/realserver"
. "$here/../lib/realtest"

command -v neomutt >/dev/null 2>&1 || tap_skip_all "neomutt not installed"
rt_setup
. "$here/lib"
tap_plan 3

rt_account "$SUBMISSION_PORT" | rt_rc "$RT_WORK/rc/neomutt"
sm=$(cl_wrapper "$RT_WORK/rc/neomutt")
cat >"$RT_WORK/muttrc" <<EOT
set sendmail="$sm"
set from="Mutt Sender <sender@example.org>"
set use_from=yes
set copy=no
set record=""
set hostname=client.example.org
EOT

# nm RCPT... (body on stdin)
nm() {
	HOME=$RT_WORK TMPDIR=$RT_WORK timeout 60 neomutt -n \
	    -F "$RT_WORK/muttrc" -s "neomutt via postie" "$@" \
	    2>"$RT_WORK/neomutt.err"
}

rs_clear
printf 'Hello from neomutt.\n' | nm alice@example.org bob@example.org
rc=$?
[ "$rc" -eq 0 ] ||
    tap_why "neomutt exit $rc: $(head -c 300 "$RT_WORK/neomutt.err")"
case " $(cl_argv) " in
*" alice@example.org bob@example.org ") ;;
*) tap_why "sendmail argv '$(cl_argv)'" ;;
esac
tap_check "neomutt exits 0 after running postie with both recipients"

if cl_delivered alice@example.org; then
	f=$CL_MSG
	cl_header_is "$f" Subject "neomutt via postie"
	cl_header_is "$f" From "Mutt Sender <sender@example.org>"
	cl_header_is "$f" Return-Path "<sender@example.org>"
	cl_body_has "$f" "Hello from neomutt."
fi
tap_check "the message arrives with its headers and body"

why=$(rs_wait_messages 2) || tap_why "$why"
rs_message_for bob@example.org >/dev/null ||
    tap_why "nothing delivered to bob@example.org"
tap_check "the second recipient gets it too"

tap_done
