#!/bin/bash
# t_postfix.sh: postie against a real Postfix + Dovecot on 127.0.0.1.
#
# Checks delivery over STARTTLS and implicit TLS (envelope, body with dot
# lines, Bcc removal, added headers), every SASL mechanism Dovecot offers,
# and the refusals: wrong password (77), untrusted certificate (76),
# "tls on" against a server without STARTTLS (69).  The password must never
# show up in a -d transcript.  Output is TAP; exit 0 when all pass.
#
# POSTIE=/path/to/postie, POSTIE_BUILD=builddir, REALSERVER_DIR=running
# instance (see tests/lib/realtest).

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap"
. "$here/../lib/realserver"
. "$here/../lib/realtest"

MECHS="plain login cram-md5 digest-md5 scram-sha-1 scram-sha-256"

rt_setup
tap_plan $((16 + 6))

rcdir=$RT_WORK/rc
pass_plain=$(printf '\0%s\0%s' "$TEST_USER" "$TEST_PASS" | base64 -w0)
pass_b64=$(printf '%s' "$TEST_PASS" | base64 -w0)

# no_secret_in FILE...: the password, in clear or base64 (AUTH PLAIN's
# "\0user\0pass" and LOGIN's bare password), appears in none of them.
no_secret_in() {
	local f
	for f in "$@"; do
		if grep -qF -e "$TEST_PASS" -e "$pass_plain" -e "$pass_b64" "$f"
		then
			tap_why "password visible in $(basename "$f"):"
			tap_why "$(grep -F -e "$TEST_PASS" -e "$pass_plain" \
			    -e "$pass_b64" "$f" | head -n 3)"
		fi
	done
}


# nothing_delivered: once Postfix's queue is empty, the Maildir is empty.
nothing_delivered() {
	local why
	why=$(rs_queue_idle 10) || tap_why "$why"
	if [ "$(rs_count)" -ne 0 ]; then
		tap_why "$(rs_count) message(s) delivered, expected none"
	fi
}

# ---- STARTTLS, -t, To/Cc/Bcc, dot lines ----------------------------------

rs_clear
rt_account "$SUBMISSION_PORT" | rt_rc "$rcdir/starttls"
body=$RT_WORK/body1
cat >"$body" <<'EOF'
First line of the body.
.
.a line that starts with a dot
..two dots
.
last line
EOF
{
	cat <<'EOF'
From: Sender <sender@example.org>
To: Alice <alice@example.org>
Cc: bob@example.net
Bcc: carol@example.com
Subject: STARTTLS with dots

EOF
	cat "$body"
} >"$RT_WORK/msg1"
rt_run "$rcdir/starttls" -d -t <"$RT_WORK/msg1"
cp "$RT_OUT" "$RT_WORK/starttls.out"
cp "$RT_ERR" "$RT_WORK/starttls.err"
rt_status_is 0
if why=$(rs_wait_messages 3); then
	sleep 0.2	# a fourth copy would be a bug too
	[ "$(rs_count)" -eq 3 ] ||
	    tap_why "$(rs_count) messages delivered, expected 3"
else
	tap_why "$why"
fi
tap_check "STARTTLS: -t delivery accepted, one copy per recipient"

for rcpt in alice@example.org bob@example.net carol@example.com; do
	f=$(rs_message_for "$rcpt") || {
		tap_why "no message delivered to $rcpt"
		continue
	}
	rp=$(rs_header "$f" Return-Path)
	[ "$rp" = "<sender@example.org>" ] ||
	    tap_why "$rcpt: Return-Path '$rp', expected <sender@example.org>"
done
tap_check "STARTTLS: envelope sender and recipients (To, Cc, Bcc)"

for f in $(rs_messages); do
	if ! rs_body "$f" | cmp -s - "$body"; then
		tap_why "body of $(rs_header "$f" Delivered-To) differs:"
		tap_why "$(rs_body "$f" | diff "$body" - | head -n 10)"
	fi
done
[ "$(rs_count)" -gt 0 ] || tap_why "no message to look at"
tap_check "STARTTLS: body delivered intact, dot lines included"

for f in $(rs_messages); do
	to=$(rs_header "$f" Delivered-To)
	[ -z "$(rs_header "$f" Bcc)" ] || tap_why "$to: Bcc header delivered"
	[ "$(rs_header "$f" Subject)" = "STARTTLS with dots" ] ||
	    tap_why "$to: Subject '$(rs_header "$f" Subject)'"
	rs_header "$f" To | grep -qF alice@example.org ||
	    tap_why "$to: To header lost"
	rs_header "$f" Cc | grep -qF bob@example.net ||
	    tap_why "$to: Cc header lost"
done
[ "$(rs_count)" -gt 0 ] || tap_why "no message to look at"
tap_check "STARTTLS: no Bcc header, To/Cc/Subject kept"

if [ ! -s "$RT_WORK/starttls.out" ] && [ ! -s "$RT_WORK/starttls.err" ]
then
	tap_why "-d printed nothing at all"
fi
no_secret_in "$RT_WORK/starttls.out" "$RT_WORK/starttls.err"
tap_check "STARTTLS: password not in the -d transcript"

# ---- implicit TLS, recipients on the command line --------------------------

rs_clear
rt_account "$SUBMISSIONS_PORT" tls_starttls=off host=localhost |
    rt_rc "$rcdir/implicit"
rt_run "$rcdir/implicit" dave@example.test erin@example.org \
    < <(printf 'To: dave@example.test\nSubject: implicit TLS\n\nHello.\n')
rt_status_is 0
why=$(rs_wait_messages 2) || tap_why "$why"
for rcpt in dave@example.test erin@example.org; do
	rs_message_for "$rcpt" >/dev/null ||
	    tap_why "no message delivered to $rcpt"
done
tap_check "implicit TLS: delivery to command-line recipients"

f=$(rs_messages | head -n 1)
if [ -n "$f" ]; then
	rs_header "$f" From | grep -qF sender@example.org ||
	    tap_why "From '$(rs_header "$f" From)' lacks sender@example.org"
	n=$(rs_header "$f" Date | wc -l)
	[ "$n" -eq 1 ] || tap_why "$n Date headers, expected 1"
	n=$(rs_header "$f" Message-ID | wc -l)
	[ "$n" -eq 1 ] || tap_why "$n Message-ID headers, expected 1"
	rs_header "$f" Message-ID | grep -q '^<[^<>@ ]*@[^<> ]*>$' ||
	    tap_why "Message-ID '$(rs_header "$f" Message-ID)' malformed"
else
	tap_why "no message to look at"
fi
tap_check "implicit TLS: From added when missing, Date and Message-ID present"

# ---- wrong password ---------------------------------------------------------

rs_clear
rt_account "$SUBMISSION_PORT" password=wrong-password |
    rt_rc "$rcdir/wrongpw"
rt_run "$rcdir/wrongpw" alice@example.org \
    < <(printf 'Subject: wrong password\n\nx\n')
rt_status_is 77
tap_check "wrong password: exit status 77"

grep -q 535 "$RT_ERR" ||
    tap_why "stderr lacks the server's 535 reply: $(head -c 600 "$RT_ERR")"
tap_check "wrong password: stderr shows the server's reply"

nothing_delivered
tap_check "wrong password: nothing delivered"

# Dovecot's anvil would delay every login from 127.0.0.1 by 2 s or more
# after failures; the test server turns that off.  Check it, since all later
# tests would otherwise crawl.
rt_run "$rcdir/wrongpw" alice@example.org \
    < <(printf 'Subject: wrong password\n\nx\n')
rt_run "$rcdir/starttls" alice@example.org \
    < <(printf 'Subject: after failures\n\nx\n')
rt_status_is 0
awk -v t="$RT_ELAPSED" 'BEGIN { exit !(t < 2) }' ||
    tap_why "a login after failed ones took ${RT_ELAPSED}s"
rs_clear
tap_check "no login delay after failed logins (anvil penalty off)"

# ---- untrusted certificate -------------------------------------------------

rs_clear
rt_account "$UNTRUSTED_PORT" tls_starttls=off | rt_rc "$rcdir/untrusted"
rt_run "$rcdir/untrusted" alice@example.org \
    < <(printf 'Subject: untrusted\n\nx\n')
rt_status_is 76
tap_check "untrusted CA: refused with exit status 76"

nothing_delivered
tap_check "untrusted CA: nothing delivered"

# ---- tls on, but the server offers no STARTTLS ------------------------------

rs_clear
rt_account "$PLAIN_PORT" auth=off user= password= | rt_rc "$rcdir/nostarttls"
rt_run "$rcdir/nostarttls" alice@example.org \
    < <(printf 'Subject: no starttls\n\nx\n')
rt_status_is 69
tap_check "tls on without STARTTLS offered: exit status 69"

nothing_delivered
tap_check "tls on without STARTTLS offered: nothing delivered"

# ---- plain port, no TLS, no AUTH --------------------------------------------

rs_clear
rt_account "$PLAIN_PORT" tls=off tls_starttls= tls_trust_file= auth=off \
    user= password= | rt_rc "$rcdir/plain"
rt_run "$rcdir/plain" frank@example.net \
    < <(printf 'Subject: plain\n\nplain body\n')
rt_status_is 0
why=$(rs_wait_messages 1) || tap_why "$why"
tap_check "plain port without TLS or AUTH: delivered"

# ---- every SASL mechanism Dovecot offers ------------------------------------

for mech in $MECHS; do
	rs_clear
	rt_account "$SUBMISSION_PORT" auth="$mech" | rt_rc "$rcdir/$mech"
	rt_run "$rcdir/$mech" -d grace@example.org \
	    < <(printf 'Subject: AUTH %s\n\nx\n' "$mech")
	rt_status_is 0
	why=$(rs_wait_messages 1) || tap_why "$why"
	no_secret_in "$RT_OUT" "$RT_ERR"
	name="AUTH ${mech^^}"
	tap_check "$name: delivered, password not in the -d transcript"
done

tap_done
