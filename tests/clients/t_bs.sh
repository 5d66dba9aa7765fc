#!/bin/bash
# t_bs.sh: Symfony Mailer's sendmail transport ("sendmail -bs"), with
# postie speaking SMTP on its standard input and output, against the real
# Postfix + Dovecot test server.
#
# Symfony (and ownCloud) start "$SENDMAIL -bs" and talk SMTP over the
# pipe: greeting, EHLO, then MAIL/RCPT/DATA for each message without RSET
# in between, QUIT at the end.  The dialogue is driven here exactly so by
# a small Python client.  Skipped while postie refuses -bs (msmtp has no
# -bs either).  Output is TAP; exit 0 when all pass.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap"
. "$here/../lib/realserver"
. "$here/../lib/realtest"

POSTIE=${POSTIE:-${POSTIE_BUILD:-$RS_TOP}/postie}
out=$(printf 'QUIT\r\n' | timeout 20 "$POSTIE" -C /dev/null -bs 2>&1)
case $out in
*"not supported"*) tap_skip_all "postie does not support -bs yet" ;;
esac
rt_setup
. "$here/lib"
tap_plan 3

rt_account "$SUBMISSION_PORT" | rt_rc "$RT_WORK/rc/bs"

rs_clear
timeout 60 python3 - "$POSTIE" "$RT_WORK/rc/bs" >"$RT_WORK/bs.out" \
    2>"$RT_WORK/bs.err" <<'EOP'
import subprocess, sys

p = subprocess.Popen([sys.argv[1], "-C", sys.argv[2], "-bs"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)

def reply(want):
    while True:
        line = p.stdout.readline().decode()
        if not line:
            sys.exit("connection closed, wanted %s" % want)
        if line[3:4] != "-":
            break
    if not line.startswith(want):
        sys.exit("got %r, wanted %s" % (line, want))

def cmd(text, want):
    p.stdin.write(text.encode() + b"\r\n")
    p.stdin.flush()
    reply(want)

reply("220")
cmd("EHLO [127.0.0.1]", "250")
for n, rcpt in ((1, "alice@example.org"), (2, "bob@example.org")):
    cmd("MAIL FROM:<sender@example.org>", "250")
    cmd("RCPT TO:<%s>" % rcpt, "250")
    cmd("DATA", "354")
    msg = ("From: App <sender@example.org>\r\nTo: %s\r\n"
           "Subject: -bs message %d\r\n\r\nBody %d.\r\n..stuffed\r\n.\r\n"
           % (rcpt, n, n))
    p.stdin.write(msg.encode())
    p.stdin.flush()
    reply("250")
cmd("QUIT", "221")
p.stdin.close()
sys.exit(p.wait())
EOP
rc=$?
[ "$rc" -eq 0 ] ||
    tap_why "dialogue failed ($rc): $(head -c 400 "$RT_WORK/bs.err")"
tap_check "a Symfony-style -bs dialogue with two messages ends with 221, exit 0"

why=$(rs_wait_messages 2) || tap_why "$why"
tap_check "both messages are delivered"

if cl_delivered bob@example.org; then
	f=$CL_MSG
	cl_header_is "$f" Subject "-bs message 2"
	cl_body_has "$f" ".stuffed"
fi
tap_check "the second message arrives with its dot-stuffed line undone"

tap_done
