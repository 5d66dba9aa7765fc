#!/bin/bash
# t_bs.sh: "postie -bs", SMTP on standard input and output as sendmail
# -bs speaks it, against the real Postfix + Dovecot test server.
#
# Symfony Mailer (and ownCloud) start "$SENDMAIL -bs" and talk SMTP over
# the pipe: greeting, EHLO, then MAIL/RCPT/DATA for each message without
# RSET in between, QUIT at the end.  Checked here with a small Python
# client driving exactly that dialogue, with Symfony Mailer itself
# (Debian's php-symfony-mailer, skipped when it is not installed), and
# for the failures a client must hear about in the reply to its final
# dot: a recipient the smarthost refuses (5xx), a smarthost that cannot
# be reached (4xx), and the same with "queue fallback" (250, queued, and
# delivered by a later flush).  Output is TAP; exit 0 when all pass.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap"
. "$here/../lib/realserver"
. "$here/../lib/realtest"

SYMFONY_AUTOLOAD=/usr/share/php/Symfony/Component/Mailer/autoload.php

rt_setup
. "$here/lib"
tap_plan 9

rt_account "$SUBMISSION_PORT" | rt_rc "$RT_WORK/rc/bs"

# ---- a two-message session, driven step by step --------------------------

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

# ---- Symfony Mailer's SendmailTransport ------------------------------------

# A stand-in for sendmail that counts its runs and keeps its arguments.
w=$RT_WORK/bin/sendmail-bs
mkdir -p "$RT_WORK/bin"
{
	echo '#!/bin/sh'
	printf 'echo "$*" >>%q\n' "$RT_WORK/runs"
	printf 'exec %q -C %q "$@"\n' "$POSTIE" "$RT_WORK/rc/bs"
} >"$w"
chmod 0755 "$w"

if ! command -v php >/dev/null 2>&1 || [ ! -f "$SYMFONY_AUTOLOAD" ]; then
	tap_skip "Symfony Mailer sends two messages through one postie -bs" \
	    "php-cli or php-symfony-mailer not installed"
	tap_skip "Symfony's messages arrive, Bcc as a recipient only" \
	    "php-cli or php-symfony-mailer not installed"
else
	rs_clear
	got=$(timeout 60 php -r '
		require $argv[1];
		$t = new Symfony\Component\Mailer\Transport\SendmailTransport(
		    escapeshellarg($argv[2]) . " -bs");
		$m = new Symfony\Component\Mailer\Mailer($t);
		$m->send((new Symfony\Component\Mime\Email())
		    ->from("App <sender@example.org>")
		    ->to("alice@example.org")->bcc("carol@example.org")
		    ->subject("Symfony message 1")
		    ->text("Line one.\n.dotted line\nEnd.\n"));
		$m->send((new Symfony\Component\Mime\Email())
		    ->from("App <sender@example.org>")
		    ->to("dave@example.org")
		    ->subject("Symfony message 2")->text("Second.\n"));
		echo "sent 2";' -- "$SYMFONY_AUTOLOAD" "$w" \
	    2>"$RT_WORK/php.err" </dev/null)
	[ "$got" = "sent 2" ] || tap_why "php printed '$got':" \
	    "$(head -c 600 "$RT_WORK/php.err")"
	runs=$(wc -l <"$RT_WORK/runs")
	[ "$runs" -eq 1 ] || tap_why "postie ran $runs times, expected once"
	grep -qx -- "-bs" "$RT_WORK/runs" ||
	    tap_why "arguments: $(cat "$RT_WORK/runs")"
	tap_check "Symfony Mailer sends two messages through one postie -bs"

	why=$(rs_wait_messages 3) || tap_why "$why"
	if cl_delivered carol@example.org; then
		cl_header_is "$CL_MSG" Subject "Symfony message 1"
		cl_header_is "$CL_MSG" Bcc ""
		cl_body_has "$CL_MSG" ".dotted line"
	fi
	f=$(rs_message_for dave@example.org) ||
	    tap_why "nothing delivered to dave@example.org"
	[ -z "$f" ] || cl_header_is "$f" Subject "Symfony message 2"
	[ -n "$(rs_message_for alice@example.org)" ] ||
	    tap_why "nothing delivered to alice@example.org"
	tap_check "Symfony's messages arrive, Bcc as a recipient only"
fi

# ---- failures, as the client hears them after its final dot ---------------

# bs_one RC [ARGS...]: one message to bob@example.org over "postie -C RC
# -bs ARGS..."; prints the reply to the final dot, then "exit N".
cat >"$RT_WORK/bs1.py" <<'EOP'
import subprocess, sys

p = subprocess.Popen([sys.argv[1], "-C", sys.argv[2], "-bs"] + sys.argv[3:],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
msg = (b"EHLO app.example\r\nMAIL FROM:<sender@example.org>\r\n"
       b"RCPT TO:<bob@example.org>\r\nDATA\r\n")
p.stdin.write(msg)
p.stdin.flush()
lines = []
while len(lines) < 5:
    line = p.stdout.readline().decode()
    if not line:
        break
    if line[3:4] != "-":
        lines.append(line)
p.stdin.write(b"Subject: -bs failure\r\n\r\nBody.\r\n.\r\n")
p.stdin.flush()
print(p.stdout.readline().decode().rstrip("\r\n"))
p.stdin.write(b"QUIT\r\n")
p.stdin.close()
p.stdout.read()
print("exit %d" % p.wait())
EOP
bs_one() {
	local rc=$1
	shift
	timeout 60 python3 "$RT_WORK/bs1.py" "$POSTIE" "$rc" "$@" \
	    2>"$RT_WORK/bs1.err"
}

# Submission without AUTH: Postfix refuses the recipient (5.7.1).
rs_clear
rt_account "$SUBMISSION_PORT" auth=off user= password= |
    rt_rc "$RT_WORK/rc/noauth"
got=$(bs_one "$RT_WORK/rc/noauth")
case $got in
"554 5.7.1 Error: "*"<bob@example.org>"*"554 5.7.1 "*"exit 65") ;;
*) tap_why "got: $got" "stderr: $(head -c 400 "$RT_WORK/bs1.err")" ;;
esac
tap_check "a recipient Postfix refuses: 5xx at the final dot, exit 65"
rs_queue_idle 5 >/dev/null
[ "$(rs_count)" -eq 0 ] || tap_why "$(rs_count) message(s) delivered"
tap_check "the refused message is not delivered"

closed=$(rs_free_ports 1)
got=$(bs_one "$RT_WORK/rc/bs" --port="$closed")
case $got in
"451 4.3.0 Error: "*"exit 75") ;;
*) tap_why "got: $got" "stderr: $(head -c 400 "$RT_WORK/bs1.err")" ;;
esac
tap_check "smarthost unreachable: 451 at the final dot, exit 75"

rt_account "$SUBMISSION_PORT" "queue=fallback" "queue_dir=$RT_WORK/queue" \
    "queue_retry=0s,0s" | rt_rc "$RT_WORK/rc/fallback"
got=$(bs_one "$RT_WORK/rc/fallback" --port="$closed")
case $got in
"250 2.0.0 Ok: queued as "[0-9a-f]*"exit 0") ;;
*) tap_why "got: $got" "stderr: $(head -c 400 "$RT_WORK/bs1.err")" ;;
esac
rt_run "$RT_WORK/rc/fallback" -q
rt_status_is 0
if cl_delivered bob@example.org; then
	cl_header_is "$CL_MSG" Subject "-bs failure"
	cl_header_is "$CL_MSG" Return-Path "<sender@example.org>"
fi
tap_check "queue fallback: 250 queued at the dot, delivered by postie -q"

tap_done
