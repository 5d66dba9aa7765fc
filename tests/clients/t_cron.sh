#!/bin/bash
# t_cron.sh: the mail cron sends, with postie as the sendmail, against the
# real Postfix + Dovecot test server.
#
# Debian's cron runs /usr/sbin/sendmail (a fixed path) with
# "-FCronDaemon -i -B8BITMIME -oem MAILTO"; other crons (cronie, the
# issue's reference) use "-FCronDaemon -i -B8BITMIME -oem -oi -t".
# Running the real daemon would mean waiting for a minute boundary and
# replacing the system's sendmail, so this test feeds postie the exact
# argv and the message shape cron writes (From "root (Cron Daemon)",
# X-Cron-Env fields, 8-bit output).  Output is TAP; exit 0 when all pass.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap"
. "$here/../lib/realserver"
. "$here/../lib/realtest"

rt_setup
. "$here/lib"
tap_plan 4

rt_account "$SUBMISSION_PORT" | rt_rc "$RT_WORK/rc/cron"

# cron_message TO: the message as cron writes it for a job's output.
cron_message() {
	printf '%s\n' "From: root (Cron Daemon)" "To: $1" \
	    "Subject: Cron <root@build> /usr/local/bin/nightly" \
	    "MIME-Version: 1.0" \
	    "Content-Type: text/plain; charset=UTF-8" \
	    "Content-Transfer-Encoding: 8bit" \
	    "X-Cron-Env: <SHELL=/bin/sh>" "X-Cron-Env: <HOME=/root>" \
	    "X-Cron-Env: <PATH=/usr/bin:/bin>" "X-Cron-Env: <LOGNAME=root>" \
	    "" "nightly: 3 files rotated" "Größe: 12 MB" "."
}

# -t form: the recipient comes from To.
rs_clear
cron_message ops@example.org >"$RT_WORK/cron.msg"
rt_run "$RT_WORK/rc/cron" -FCronDaemon -i -B8BITMIME -oem -oi -t \
    <"$RT_WORK/cron.msg"
rt_status_is 0
tap_check "-FCronDaemon -i -B8BITMIME -oem -oi -t exits 0"

if cl_delivered ops@example.org; then
	f=$CL_MSG
	cl_header_is "$f" From "root (Cron Daemon)"
	cl_header_is "$f" Subject "Cron <root@build> /usr/local/bin/nightly"
	cl_header_is "$f" Return-Path "<sender@example.org>"
	[ "$(rs_header "$f" X-Cron-Env | wc -l)" -eq 4 ] ||
	    tap_why "X-Cron-Env fields: $(rs_header "$f" X-Cron-Env)"
	cl_body_has "$f" "Größe: 12 MB"
	cl_body_has "$f" "."
fi
tap_check "the cron mail arrives whole: headers, 8-bit body, dot line"

# Debian's form: the recipient on the command line, no -t.
rs_clear
cron_message root@example.org >"$RT_WORK/cron.msg"
rt_run "$RT_WORK/rc/cron" -FCronDaemon -i -B8BITMIME -oem root@example.org \
    <"$RT_WORK/cron.msg"
rt_status_is 0
tap_check "Debian's -FCronDaemon -i -B8BITMIME -oem MAILTO exits 0"

if cl_delivered root@example.org; then
	f=$CL_MSG
	cl_header_is "$f" To root@example.org
	cl_body_has "$f" "nightly: 3 files rotated"
fi
tap_check "Debian's form delivers to MAILTO"

tap_done
