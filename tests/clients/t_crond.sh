#!/bin/bash
# t_crond.sh: the real cron daemon mails a job's output with postie as its
# sendmail, delivered by the real Postfix + Dovecot test server.
#
# Debian's cron runs the fixed path /usr/sbin/sendmail.  So that nothing
# outside the test changes, everything runs in a private mount and PID
# namespace (needs root): /usr/sbin/sendmail is covered by a wrapper that
# records its arguments and exit status and runs postie; /etc/crontab,
# /etc/cron.d and the crontab spool are covered by private ones holding
# only the test's job; /run is a fresh tmpfs, so there is no
# /run/crond.reboot and cron runs @reboot jobs as soon as it starts.
# When the namespace's first process exits, the kernel ends every process
# left in it and drops its mounts.  Output is TAP; exit 0 when all pass.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap"

if [ "${1:-}" != --inside ]; then
	[ "$(id -u)" = 0 ] ||
	    tap_skip_all "needs root for a mount and PID namespace"
	command -v unshare >/dev/null ||
	    tap_skip_all "unshare (util-linux) is not installed"
	[ -x /usr/sbin/cron ] ||
	    tap_skip_all "/usr/sbin/cron not found (package cron)"
	for f in /usr/sbin/sendmail /etc/crontab /etc/cron.d \
	    /var/spool/cron/crontabs; do
		[ -e "$f" ] || tap_skip_all "no $f to mount over"
	done
	ns="unshare -m --propagation private --pid --mount-proc"
	$ns --fork true 2>/dev/null ||
	    tap_skip_all "cannot create a mount and PID namespace"
	# TERM when the outer unshare dies, so the cleanup below still runs.
	exec $ns --kill-child=TERM "$0" --inside
fi

. "$here/../lib/realserver"
. "$here/../lib/realtest"

rt_setup
. "$here/lib"
tap_plan 5

CD_PID=""
CD_MOUNTS=""
CD_RCPT=crond@example.org
CD_TOKEN=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
# No "%" in the command: cron would turn it into a newline.
CD_CMD="echo \"postie cron test $CD_TOKEN\"; echo dot line follows; echo .;"
CD_CMD="$CD_CMD printf 'Gr\\303\\266\\303\\237e: 8 bit\\n'"

crond_cleanup() {
	local status=$? m
	# Once cleaning up, finish it: the outer unshare's death sends TERM.
	trap '' INT TERM HUP
	crond_stop
	for m in $CD_MOUNTS; do
		umount "$m" || tap_diag "could not unmount $m"
	done
	CD_MOUNTS=""
	return "$status"
}
trap 'crond_cleanup; rt_cleanup' EXIT

# crond_stop: stop the cron daemon and wait (at most 5 s, then KILL)
# until it has exited.
crond_stop() {
	local _
	[ -n "$CD_PID" ] || return 0
	kill -TERM "$CD_PID" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$CD_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$CD_PID" 2>/dev/null
	wait "$CD_PID" 2>/dev/null
	CD_PID=""
}

# cd_mount SOURCE TARGET [OPTIONS...]: mount and remember it for cleanup.
cd_mount() {
	local src=$1 dst=$2
	shift 2
	mount "$@" "$src" "$dst" || tap_bail "could not mount over $dst"
	CD_MOUNTS="$dst $CD_MOUNTS"
}

# crond_wrapper: the stand-in for /usr/sbin/sendmail.  cron runs it with
# its own environment, so the TLS session cache is pointed into the test.
# shellcheck disable=SC2016
crond_wrapper() {
	local w=$RT_WORK/crond
	{
		echo '#!/bin/sh'
		printf 'export HOME=%q XDG_CACHE_HOME=%q\n' \
		    "$w/home" "$RT_WORK/cache"
		printf 'printf "%%s\\n" "$@" >%q\n' "$RT_WORK/argv"
		printf 'timeout 60 %q -C %q "$@" 2>%q\n' "$POSTIE" \
		    "$RT_WORK/rc/crond" "$w/err"
		echo 's=$?'
		printf 'echo "$s" >%q && mv %q %q\n' "$w/status.tmp" \
		    "$w/status.tmp" "$w/status"
		echo 'exit "$s"'
	} >"$w/sendmail"
	chmod 0755 "$w/sendmail"
}

# crond_setup: the private files and directories cron sees.
crond_setup() {
	local w=$RT_WORK/crond
	mkdir -p "$w/home" "$w/cron.d" "$w/crontabs" || tap_bail mkdir
	chmod 0755 "$w/cron.d"
	chmod 1730 "$w/crontabs"
	chgrp crontab "$w/crontabs" 2>/dev/null
	: >"$w/crontab"
	chmod 0644 "$w/crontab"
	crond_wrapper
	printf '%s\n' "MAILTO=$CD_RCPT" "@reboot root $CD_CMD" \
	    >"$w/cron.d/postie-crond"
	chmod 0644 "$w/cron.d/postie-crond"
	cd_mount "$w/sendmail" /usr/sbin/sendmail --bind
	cd_mount "$w/crontab" /etc/crontab --bind
	cd_mount "$w/cron.d" /etc/cron.d --bind
	cd_mount "$w/crontabs" /var/spool/cron/crontabs --bind
	cd_mount postie-crond /run -t tmpfs -o mode=0755
	# cron's log stays out of the system's syslog.
	[ -e /dev/log ] && cd_mount /dev/null /dev/log --bind
}

rt_account "$SUBMISSION_PORT" | rt_rc "$RT_WORK/rc/crond"
rs_clear
mounts_before=$(cut -d' ' -f5 /proc/self/mountinfo)
crond_setup
start=$EPOCHREALTIME
/usr/sbin/cron -f -L 15 </dev/null >"$RT_WORK/crond/cron.out" 2>&1 &
CD_PID=$!

# The wrapper writes the status file once postie has returned.
for _ in $(seq 200); do
	[ -f "$RT_WORK/crond/status" ] && break
	kill -0 "$CD_PID" 2>/dev/null || break
	sleep 0.1
done
# cl_delivered reports through TAP_WHY; keep that for the checks it concerns.
CD_WHY=""
CL_MSG=""
if [ ! -f "$RT_WORK/crond/status" ]; then
	CD_WHY="cron ran no sendmail within 20 s; its output:
$(head -c 600 "$RT_WORK/crond/cron.out")"
elif [ "$(cat "$RT_WORK/crond/status")" != 0 ]; then
	CD_WHY="postie failed, so nothing was sent"
elif cl_delivered "$CD_RCPT"; then
	tap_diag "cron started to message delivered: $(awk -v a="$start" \
	    -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }') s"
else
	CD_WHY=$TAP_WHY
	TAP_WHY=""
fi
crond_stop
crond_cleanup

# 1: the arguments Debian's cron gives its sendmail.
want="-FCronDaemon -i -B8BITMIME -oem $CD_RCPT"
got=$(cl_argv)
[ "$got" = "$want" ] || tap_why "argv: '$got', expected '$want'"
tap_check "cron runs /usr/sbin/sendmail -FCronDaemon -i -B8BITMIME -oem MAILTO"

# 2: postie's exit status as cron saw it.
got=$(cat "$RT_WORK/crond/status" 2>/dev/null)
[ "$got" = 0 ] || tap_why "exit status '$got', expected 0;" \
    "stderr: $(head -c 600 "$RT_WORK/crond/err" 2>/dev/null)"
tap_check "postie, as cron's sendmail, exits 0"

# 3: cron's header fields arrive as cron wrote them.
if [ -n "$CL_MSG" ]; then
	host=$(uname -n)
	cl_header_is "$CL_MSG" From "root (Cron Daemon)"
	cl_header_is "$CL_MSG" To "$CD_RCPT"
	cl_header_is "$CL_MSG" Subject "Cron <root@${host%%.*}> $CD_CMD"
	cl_header_is "$CL_MSG" Return-Path "<sender@example.org>"
	rs_header "$CL_MSG" X-Cron-Env | grep -qxF "<MAILTO=$CD_RCPT>" ||
	    tap_why "no X-Cron-Env MAILTO: $(rs_header "$CL_MSG" X-Cron-Env)"
else
	tap_why "$CD_WHY"
fi
tap_check "the message arrives with cron's From, To, Subject and X-Cron-Env"

# 4: the job's output whole, the single-dot line included.
if [ -n "$CL_MSG" ]; then
	want=$(printf '%s\n' "postie cron test $CD_TOKEN" "dot line follows" \
	    . 'Größe: 8 bit')
	got=$(rs_body "$CL_MSG")
	[ "$got" = "$want" ] ||
	    tap_why "body: '$(head -c 300 <<<"$got")'" "expected: '$want'"
else
	tap_why "$CD_WHY"
fi
tap_check "the body is the job's output, a line holding one dot included"

# 5: nothing of the test's cron set-up is left in the namespace.
left=$(pgrep -xi cron)
[ -z "$left" ] || tap_why "cron processes left: $left"
got=$(cut -d' ' -f5 /proc/self/mountinfo)
[ "$got" = "$mounts_before" ] || tap_why "mounts left:" \
    "$(diff <(echo "$mounts_before") <(echo "$got") | grep '^>')"
tap_check "cron has stopped and its mounts are gone"

tap_done
