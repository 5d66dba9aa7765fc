#!/bin/bash
# t_php.sh: PHP's mail() with postie as its sendmail_path, against the real
# Postfix + Dovecot test server.
#
# mail() pipes the message into "$POSTIE -C RC -t"; it returns true only
# when that command exits 0.  Checks a delivery over STARTTLS (subject, To
# and body arrive) and that mail() returns false when the server cannot be
# reached.  Output is TAP; exit 0 when all pass.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap"
. "$here/../lib/realserver"
. "$here/../lib/realtest"

command -v php >/dev/null 2>&1 || tap_skip_all "php not installed (php-cli)"
rt_setup
tap_plan 4

rcdir=$RT_WORK/rc

# php_mail RC TO SUBJECT BODY: call mail() through postie; print "true" or
# "false".  PHP's own stderr (and postie's) goes to $RT_WORK/php.err.
php_mail() {
	local cmd
	cmd="$(printf '%q' "$POSTIE") -C $(printf '%q' "$1") -t"
	php -n -d "sendmail_path=$cmd" -r '
		$ok = mail($argv[1], $argv[2], $argv[3],
		    "From: PHP Sender <sender@example.org>");
		echo $ok ? "true" : "false";' \
	    -- "$2" "$3" "$4" 2>"$RT_WORK/php.err" </dev/null
}

# ---- delivery through STARTTLS -------------------------------------------

rs_clear
rt_account "$SUBMISSION_PORT" | rt_rc "$rcdir/starttls"
subject="PHP mail() via postie"
body="Hello from PHP.
.
Second line."
got=$(php_mail "$rcdir/starttls" "Alice <alice@example.org>" "$subject" \
    "$body")
if [ "$got" != true ]; then
	tap_why "mail() returned '$got'"
	tap_why "stderr: $(head -c 600 "$RT_WORK/php.err")"
fi
tap_check "mail() returns true after delivery over STARTTLS"

why=$(rs_wait_messages 1) || tap_why "$why"
f=$(rs_message_for alice@example.org)
if [ -n "$f" ]; then
	s=$(rs_header "$f" Subject)
	[ "$s" = "$subject" ] || tap_why "Subject '$s', expected '$subject'"
	s=$(rs_header "$f" To)
	[ "$s" = "Alice <alice@example.org>" ] || tap_why "To '$s'"
	s=$(rs_header "$f" Return-Path)
	[ "$s" = "<sender@example.org>" ] || tap_why "Return-Path '$s'"
	# mail() ends the body with a newline of its own.
	if ! rs_body "$f" | cmp -s - <(printf '%s\n' "$body"); then
		tap_why "body differs:"
		tap_why "$(rs_body "$f" | diff <(printf '%s\n' "$body") - |
		    head -n 10)"
	fi
else
	tap_why "nothing delivered to alice@example.org"
fi
tap_check "the message arrives with its Subject, To and body"

# ---- server unreachable ----------------------------------------------------

rs_clear
# A port that was free a moment ago: nothing listens there.
closed=$(rs_free_ports 1)
rt_account "$closed" | rt_rc "$rcdir/closed"
got=$(php_mail "$rcdir/closed" bob@example.net "unreachable" "x")
if [ "$got" != false ]; then
	tap_why "mail() returned '$got'"
	tap_why "stderr: $(head -c 600 "$RT_WORK/php.err")"
fi
tap_check "mail() returns false when the server is unreachable"

if [ ! -s "$RT_WORK/php.err" ]; then
	tap_why "postie printed no error message"
fi
rs_queue_idle 10 >/dev/null
[ "$(rs_count)" -eq 0 ] || tap_why "$(rs_count) message(s) delivered"
tap_check "unreachable server: an error on stderr, nothing delivered"

tap_done
