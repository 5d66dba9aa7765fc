#!/bin/bash
# t_postfix_down.sh: the real Postfix (tests/lib/realserver) is stopped;
# messages sent with "queue fallback" meanwhile exit 0 and say "queued";
# once Postfix is started again, "postie -q" delivers every one of them,
# exactly once, over one connection.  The test counts them in the
# Maildir.  POSTIE=/path/to/postie (see tests/lib/realtest).

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap"
. "$here/../lib/realserver"
. "$here/../lib/realtest"

N=5

# Stopping Postfix would disturb a shared instance: only our own.
if [ -n "${REALSERVER_DIR:-}" ]; then
	tap_skip_all "stops Postfix, so it needs its own instance" \
	    "(REALSERVER_DIR is set)"
fi
rt_setup
tap_plan 5

# postfix_stop: the master and all its children are gone.
postfix_stop() {
	local sid i
	sid=$(rs_term_master "$RS_DIR/postfix/queue/pid/master.pid" "$RS_DIR")
	[ -n "$sid" ] || return 1
	for i in $(seq 200); do
		[ -z "$(rs_session_pids "$sid")" ] && return 0
		sleep 0.05
	done
	return 1
}

postfix_start() {
	"$(rs_daemon_dir)/master" -c "$RS_DIR/postfix/etc" \
	    </dev/null >"$RS_DIR/log/postfix.start" 2>&1 &
	RS_MASTER_PID=$!
	rs_wait_ready "$RS_DIR"
}

msg() {
	printf 'From: sender@example.org\nTo: rcpt@example.org\n'
	printf 'Subject: down %s\nMessage-ID: <down-%s@test>\n\n' "$1" "$1"
	printf 'Sent while Postfix was down (%s).\n' "$1"
}

rs_clear
rt_account "$SUBMISSION_PORT" "queue=fallback" \
    "queue_dir=$RT_WORK/queue" "queue_retry=0s,0s" | rt_rc "$RT_WORK/rc/q"

TAP_WHY=""
postfix_stop || tap_why "Postfix did not stop"
if (exec 3<>"/dev/tcp/$TEST_HOST/$SUBMISSION_PORT") 2>/dev/null; then
	tap_why "the submission port still answers"
fi
tap_check "Postfix is stopped"

TAP_WHY=""
for i in $(seq $N); do
	msg "$i" >"$RT_WORK/msg"
	rt_run "$RT_WORK/rc/q" rcpt@example.org <"$RT_WORK/msg"
	rt_status_is 0 || break
	grep -q '^postie: queued as [0-9a-f]\{26\} ' "$RT_ERR" ||
	    tap_why "message $i: no 'queued as': $(cat "$RT_ERR")"
done
left=$(find "$RT_WORK/queue/q" -mindepth 1 -maxdepth 1 | wc -l)
[ "$left" = "$N" ] || tap_why "$left entries in q/, expected $N"
tap_check "$N messages sent while it is down exit 0, queued"

TAP_WHY=""
postfix_start >"$RT_WORK/ready" || tap_why "not ready: $(cat "$RT_WORK/ready")"
log_from=$(( $(wc -l <"$POSTFIX_LOG") + 1 ))
rt_run "$RT_WORK/rc/q" -q
rt_status_is 0
why=$(rs_queue_idle 20) || tap_why "$why"
[ "$(rs_count)" = "$N" ] ||
    tap_why "$(rs_count) message(s) in the Maildir, expected $N"
tap_check "after it is started, postie -q delivers all $N"

TAP_WHY=""
for i in $(seq $N); do
	c=$(grep -l -x "Message-ID: <down-$i@test>" $(rs_messages) | wc -l)
	[ "$c" = 1 ] || tap_why "<down-$i@test> arrived $c times"
done
left=$(find "$RT_WORK/queue/q" -mindepth 1 -maxdepth 1 | wc -l)
[ "$left" = 0 ] || tap_why "$left entries left in q/"
rt_run "$RT_WORK/rc/q" -bp
grep -q '^Mail queue is empty$' "$RT_OUT" || tap_why "-bp: $(cat "$RT_OUT")"
tap_check "each one exactly once, and the queue is empty"

TAP_WHY=""
# Postfix writes its log lines a moment after the session; the line of
# each authenticated connection ends it with its command counts.
for i in $(seq 40); do
	conns=$(tail -n "+$log_from" "$POSTFIX_LOG" |
	    grep 'submission/smtpd.*: disconnect from .* auth=1 ')
	[ -n "$conns" ] && break
	sleep 0.05
done
n=$(printf '%s' "$conns" | grep -c .)
[ "$n" = 1 ] || tap_why "$n authenticated connections: $conns"
case $conns in
*" mail=$N rcpt=$N "*) ;;
*) tap_why "not $N transactions in one connection: $conns" ;;
esac
tap_check "the flush used one connection for all $N"
tap_done
