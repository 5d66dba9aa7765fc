#!/usr/bin/env bash
# t_logging.sh - passwordeval runs only when needed, the logfile and
# syslog lines are msmtp's, and no password reaches any of them (TAP).
#
# Drives tests/peer/peer.py directly (ephemeral loopback port):
#  - passwordeval is not run with auth off, nor when the server offers
#    no AUTH (the command would create a marker file);
#  - a delivery with passwordeval, -d, a logfile and syslog: the password
#    and its base64 forms appear in none of stdout, stderr, the logfile
#    or the syslog datagrams;
#  - syslog lines arrive with the ident "postie", LOG_MAIL by default and
#    the facility asked for, LOG_INFO on success and LOG_ERR on failure.
#    syslog(3) writes to /dev/log, so postie runs in a private mount
#    namespace (unshare -m, as root) where /dev is a directory holding
#    the real null, zero, random, urandom and tty nodes and a datagram
#    socket served by this script; nothing outside the namespace changes;
#  - the logfile line has msmtp's keys, order and time stamp: postie and
#    msmtp 1.8.23 send the same messages (a success, a refused
#    recipient, a refused connection) and their lines must agree once
#    the time stamps, errormsg texts and the enhanced status code postie
#    adds after smtpstatus are set aside;
#  - logfile_time_format, --logfile-time-format and --syslog=FACILITY;
#  - the logfile is locked while a line is appended (postie waits for a
#    lock held by flock(1));
#  - a logfile that cannot be written puts the line on stderr and does
#    not change the exit status; "logfile -" is standard output;
#  - with no other source, the password is asked for on the controlling
#    terminal (a pseudo-terminal here) without echo.
#
# Environment: POSTIE (default: postie at the top of the tree), MSMTP
# (default: msmtp on PATH; those comparisons skip without it).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/tap
. "$top/tests/lib/tap"

POSTIE=${POSTIE:-$top/postie}
MSMTP=${MSMTP:-$(command -v msmtp || true)}
PASSWORD=Lg-4Vb7-Secret
[ -x "$POSTIE" ] || tap_bail "no program at $POSTIE (set POSTIE)"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/postie-logging.XXXXXX") ||
	tap_bail "mktemp failed"
peer_pid=""
log_pid=""
cleanup() {
	[ -n "$peer_pid" ] && kill "$peer_pid" 2>/dev/null
	[ -n "$log_pid" ] && kill "$log_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
export HOME=$tmp/home
mkdir -p "$HOME"

# The password and its base64 forms, one per line.
mapfile -t NEEDLES < <(python3 - "$PASSWORD" <<'PY'
import base64, sys
pw = sys.argv[1].encode()
print(pw.decode())
for blob in (pw, b"\0alice\0" + pw, b"alice\0" + pw):
    print(base64.b64encode(blob).decode().rstrip("="))
PY
)

printf '%s\n' 'Date: Mon, 3 Nov 2025 10:00:00 +0100' \
	'From: alice@example.org' 'To: bob@example.org' 'Subject: log' \
	'Message-ID: <log.1@example.org>' '' 'Body.' >"$tmp/msg"

# Server scripts: accept (with or without AUTH), refuse the recipient.
scn_ok() {
	printf '%s\n' "name: $1" '--- server' 'S: 220 peer.test ESMTP ready' \
		'C~ EHLO .*' 'S: 250-peer.test' "S: 250 ${2:-HELP}"
	[ -n "${2:-}" ] && printf '%s\n' 'C~ AUTH PLAIN .*' 'S: 235 2.7.0 ok'
	printf '%s\n' 'C~ MAIL FROM:.*' 'S: 250 2.1.0 ok' 'C~ RCPT TO:.*' \
		'S: 250 2.1.5 ok' 'C: DATA' 'S: 354 go ahead' 'DATA' \
		'S: 250 2.0.0 queued as 1' 'C: QUIT' 'S: 221 2.0.0 bye'
}
scn_refuse() {
	printf '%s\n' "name: $1" '--- server' 'S: 220 peer.test ESMTP ready' \
		'C~ EHLO .*' 'S: 250-peer.test' 'S: 250 HELP' \
		'C~ MAIL FROM:.*' 'S: 250 2.1.0 ok' 'C~ RCPT TO:.*' \
		'S: 550 5.1.1 no such user' 'C? RSET' 'S: 250 2.0.0 ok' \
		'C? QUIT' 'S: 221 2.0.0 bye'
}

# serve FILE: start the peer on FILE; sets port.
serve() {
	rm -f "$tmp/port"
	python3 "$top/tests/peer/peer.py" --port-file "$tmp/port" \
		--result "$tmp/peer.json" "$1" >/dev/null 2>"$tmp/peer.err" &
	peer_pid=$!
	local i
	for i in $(seq 50); do
		[ -s "$tmp/port" ] && break
		sleep 0.1
	done
	port=$(cat "$tmp/port" 2>/dev/null)
	[ -n "$port" ] || tap_bail "the peer did not start"
}

unserve() {
	[ -n "$peer_pid" ] && { kill "$peer_pid" 2>/dev/null; wait "$peer_pid"; }
	peer_pid=""
}

# rc FILE LINE...: an account for the current port plus the lines.
rc() {
	local f=$1
	shift
	printf '%s\n' 'account default' 'host 127.0.0.1' "port $port" \
		'from alice@example.org' 'timeout 5' "$@" >"$f"
	chmod 600 "$f"
}

# run PROG ARGS...: status in st, output in $tmp/out and $tmp/err.
run() {
	"$@" <"$tmp/msg" >"$tmp/out" 2>"$tmp/err"
	st=$?
}

# The private /dev: the real nodes bound over files, and the socket.
have_ns=""
if [ "$(id -u)" = 0 ] && unshare -m --propagation private true \
	2>/dev/null; then
	have_ns=yes
	mkdir -p "$tmp/dev"
	for n in null zero random urandom tty; do
		: >"$tmp/dev/$n"
	done
fi

# syslogged OUT PROG ARGS...: run under the private /dev/log; the
# datagrams received go to OUT, one per line.
syslogged() {
	local out=$1
	shift
	rm -f "$tmp/dev/log" "$out"
	python3 - "$tmp/dev/log" "$out" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "ab", buffering=0) as out:
    while True:
        out.write(s.recv(65536).rstrip(b"\0\n") + b"\n")
PY
	log_pid=$!
	local i
	for i in $(seq 50); do
		[ -S "$tmp/dev/log" ] && break
		sleep 0.1
	done
	# shellcheck disable=SC2016
	unshare -m --propagation private sh -c '
		d=$1; shift
		for n in null zero random urandom tty; do
			mount --bind "/dev/$n" "$d/$n" || exit 120
		done
		mount --rbind "$d" /dev || exit 120
		exec "$@"' sh "$tmp/dev" "$@" <"$tmp/msg" >"$tmp/out" \
		2>"$tmp/err"
	st=$?
	sleep 0.3
	kill "$log_pid" 2>/dev/null
	wait "$log_pid" 2>/dev/null
	log_pid=""
	touch "$out"
}

no_needles() {
	local f nd
	for f in "$@"; do
		for nd in "${NEEDLES[@]}"; do
			grep -aqF -- "$nd" "$f" &&
				tap_why "$(basename "$f") contains '$nd'"
		done
	done
}

tap_plan 15

# 1-2. passwordeval is not run when nothing needs the password.
scn_ok "no auth" >"$tmp/ok.scn"
serve "$tmp/ok.scn"
rc "$tmp/rc" 'auth off' 'user alice' \
	"passwordeval touch $tmp/ran; echo $PASSWORD"
run "$POSTIE" -C "$tmp/rc" bob@example.org
unserve
[ "$st" -eq 0 ] || tap_why "exit status $st, expected 0"
[ -e "$tmp/ran" ] && tap_why "passwordeval ran with auth off"
tap_check "auth off: delivered, passwordeval not run"

serve "$tmp/ok.scn"
rc "$tmp/rc" 'auth plain' 'auth_without_tls on' 'user alice' \
	"passwordeval touch $tmp/ran; echo $PASSWORD"
run "$POSTIE" -C "$tmp/rc" bob@example.org
unserve
[ "$st" -eq 69 ] || tap_why "exit status $st, expected 69"
[ -e "$tmp/ran" ] && tap_why "passwordeval ran though AUTH was not offered"
grep -q "does not support authentication" "$tmp/err" ||
	tap_why "stderr: $(cat "$tmp/err")"
tap_check "no AUTH offered: 69, passwordeval not run"

# 3-5. A delivery with every sink on: syslog, logfile, -d trace.
scn_ok "auth" "AUTH PLAIN" >"$tmp/auth.scn"
serve "$tmp/auth.scn"
rc "$tmp/rc" 'auth plain' 'auth_without_tls on' 'user alice' \
	"passwordeval printf '%s\\n' $PASSWORD" "logfile $tmp/auth.log" \
	'syslog on'
if [ -n "$have_ns" ]; then
	syslogged "$tmp/syslog" "$POSTIE" -d -C "$tmp/rc" bob@example.org
else
	run "$POSTIE" -d -C "$tmp/rc" bob@example.org
	: >"$tmp/syslog"
fi
unserve
[ "$st" -eq 0 ] || tap_why "exit status $st, expected 0: $(tail -3 "$tmp/err")"
grep -q "^AUTH PLAIN " "$tmp/peer.json" 2>/dev/null ||
	grep -q '"AUTH PLAIN [A-Za-z0-9+/=]*\\r\\n"' "$tmp/peer.json" ||
	tap_why "the peer saw no AUTH PLAIN"
tap_check "passwordeval delivers with -d, logfile and syslog"

# The needles are right: the peer itself received the blob.
TAP_WHY=""
n=0
for nd in "${NEEDLES[@]}"; do
	grep -aqF -- "$nd" "$tmp/peer.json" && n=$((n + 1))
done
[ "$n" -ge 1 ] || tap_why "no needle in what the peer received"
no_needles "$tmp/out" "$tmp/err" "$tmp/auth.log" "$tmp/syslog"
tap_check "no password in stdout, stderr, -d trace, logfile or syslog"

if [ -z "$have_ns" ]; then
	tap_skip "syslog line arrives" "needs root and unshare -m"
else
	grep -Eq '^<22>[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} postie: host=127\.0\.0\.1 tls=off auth=on user=alice from=alice@example\.org recipients=bob@example\.org mailsize=[0-9]+ smtpstatus=250 2\.0\.0 smtpmsg=.* exitcode=EX_OK$' \
		"$tmp/syslog" ||
		tap_why "no LOG_MAIL|LOG_INFO line from postie: $(cat "$tmp/syslog")"
	[ "$(wc -l <"$tmp/syslog")" -eq 1 ] ||
		tap_why "$(wc -l <"$tmp/syslog") syslog lines, expected 1"
	tap_check "syslog on: one LOG_MAIL|LOG_INFO line, ident postie"
fi

# 6. --syslog=FACILITY and a failure: LOG_LOCAL3|LOG_ERR (19 * 8 + 3).
scn_refuse "refuse" >"$tmp/refuse.scn"
if [ -z "$have_ns" ]; then
	tap_skip "--syslog=LOG_LOCAL3 on a failure" "needs root and unshare -m"
else
	serve "$tmp/refuse.scn"
	rc "$tmp/rc"
	syslogged "$tmp/syslog2" "$POSTIE" -C "$tmp/rc" \
		--syslog=LOG_LOCAL3 bob@example.org
	unserve
	[ "$st" -eq 65 ] || tap_why "exit status $st, expected 65"
	grep -Eq '^<155>.* postie: host=127\.0\.0\.1 .*smtpstatus=550 5\.1\.1 smtpmsg=.550 5\.1\.1 no such user. errormsg=.* exitcode=EX_DATAERR$' \
		"$tmp/syslog2" ||
		tap_why "no LOG_LOCAL3|LOG_ERR line: $(cat "$tmp/syslog2")"
	tap_check "--syslog=LOG_LOCAL3 on a failure: LOG_LOCAL3|LOG_ERR"
fi

# 7. syslog off: nothing arrives.
if [ -z "$have_ns" ]; then
	tap_skip "syslog off sends nothing" "needs root and unshare -m"
else
	serve "$tmp/ok.scn"
	rc "$tmp/rc" 'syslog LOG_USER'
	syslogged "$tmp/syslog3" "$POSTIE" -C "$tmp/rc" --syslog=off \
		bob@example.org
	unserve
	[ "$st" -eq 0 ] || tap_why "exit status $st, expected 0"
	[ -s "$tmp/syslog3" ] && tap_why "syslog got: $(cat "$tmp/syslog3")"
	tap_check "--syslog=off overrides the rc file: nothing sent"
fi

# 8-10. The logfile line against msmtp's for the same deliveries.
# norm: the key=value line without the stamp, errormsg's text and the
# enhanced status code; fails (empty) if the stamp is not msmtp's.
norm() {
	sed -nE 's/^[A-Z][a-z]{2} [0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} //p' "$1" |
		sed -E "s/errormsg='[^']*'/errormsg=TEXT/; s/smtpstatus=([0-9]{3}) [0-9.]+/smtpstatus=\\1/"
}
compare() {
	local name=$1 scn=$2 want=$3
	shift 3
	if [ -z "$MSMTP" ]; then
		tap_skip "logfile as msmtp's: $name" "msmtp is not installed"
		return
	fi
	local prog
	for prog in msmtp postie; do
		rm -f "$tmp/$prog.log"
		if [ -n "$scn" ]; then
			serve "$scn"
		else
			port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		fi
		rc "$tmp/rc-$prog" "logfile $tmp/$prog.log" "$@"
		if [ "$prog" = msmtp ]; then
			run "$MSMTP" -C "$tmp/rc-$prog" bob@example.org
		else
			run "$POSTIE" -C "$tmp/rc-$prog" bob@example.org
		fi
		eval "st_$prog=\$st"
		unserve
	done
	# shellcheck disable=SC2154
	[ "$st_msmtp" = "$st_postie" ] ||
		tap_why "exit status: msmtp $st_msmtp, postie $st_postie"
	[ "$st_postie" = "$want" ] || tap_why "postie exited $st_postie"
	local a b sa sb lines
	a=$(norm "$tmp/msmtp.log")
	b=$(norm "$tmp/postie.log")
	# postie counts the CRLF line ends sent on the wire, msmtp the LF
	# of its input (postie(1) says so); the message has every header,
	# so neither program adds one.
	sa=$(printf '%s\n' "$a" | sed -nE 's/.* mailsize=([0-9]+) .*/\1/p')
	sb=$(printf '%s\n' "$b" | sed -nE 's/.* mailsize=([0-9]+) .*/\1/p')
	lines=$(wc -l <"$tmp/msg")
	if [ -n "$sa" ] && [ -n "$sb" ]; then
		[ "$sb" -eq $((sa + lines)) ] ||
			tap_why "mailsize: msmtp $sa, postie $sb, $lines lines"
		a=${a/mailsize=$sa /mailsize=N }
		b=${b/mailsize=$sb /mailsize=N }
	fi
	[ -n "$b" ] || tap_why "postie's line: $(cat "$tmp/postie.log")"
	[ -n "$a" ] || tap_why "msmtp's line: $(cat "$tmp/msmtp.log")"
	[ "$a" = "$b" ] || tap_why "msmtp:  $a" "postie: $b"
	tap_check "logfile as msmtp's: $name"
}
compare "delivered" "$tmp/ok.scn" 0
compare "recipient refused" "$tmp/refuse.scn" 65
compare "connection refused, auth and tls on" "" 75 'tls on' \
	'auth plain' 'user alice' "password $PASSWORD"

# 11. logfile_time_format and --logfile-time-format.
serve "$tmp/ok.scn"
rc "$tmp/rc" "logfile $tmp/fmt.log" 'logfile_time_format none'
run "$POSTIE" -C "$tmp/rc" bob@example.org
unserve
serve "$tmp/ok.scn"
run "$POSTIE" -C "$tmp/rc" --logfile-time-format=%Y-%m-%dT%H:%M:%S \
	bob@example.org
unserve
grep -q '^none host=127\.0\.0\.1 ' "$tmp/fmt.log" ||
	tap_why "no 'none' stamp: $(head -1 "$tmp/fmt.log")"
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8} host=' "$tmp/fmt.log" ||
	tap_why "no ISO stamp: $(tail -1 "$tmp/fmt.log")"
[ "$(wc -l <"$tmp/fmt.log")" -eq 2 ] || tap_why "expected 2 lines"
tap_check "logfile_time_format and --logfile-time-format"

# 12. The line is appended under a lock: postie waits for flock(1).
serve "$tmp/ok.scn"
rc "$tmp/rc" "logfile $tmp/locked.log"
: >"$tmp/locked.log"
flock "$tmp/locked.log" sleep 2 &
lock_pid=$!
sleep 0.3
start=$(date +%s%N)
run "$POSTIE" -C "$tmp/rc" bob@example.org
end=$(date +%s%N)
wait "$lock_pid"
unserve
ms=$(((end - start) / 1000000))
[ "$st" -eq 0 ] || tap_why "exit status $st"
[ "$ms" -ge 1200 ] || tap_why "postie did not wait for the lock (${ms} ms)"
grep -q 'exitcode=EX_OK$' "$tmp/locked.log" || tap_why "no line written"
tap_check "the logfile is locked while the line is appended (${ms} ms)"

# 13. An unwritable logfile: the line on stderr, the status unchanged.
serve "$tmp/ok.scn"
rc "$tmp/rc" "logfile $tmp/no/such/dir/log"
run "$POSTIE" -C "$tmp/rc" bob@example.org
unserve
[ "$st" -eq 0 ] || tap_why "exit status $st, expected 0"
grep -q "^postie: cannot write logfile $tmp/no/such/dir/log: .*host=127\.0\.0\.1 .*exitcode=EX_OK$" \
	"$tmp/err" || tap_why "stderr: $(cat "$tmp/err")"
tap_check "unwritable logfile: line on stderr, exit status 0"

# 14. -X - writes the line on standard output.
serve "$tmp/ok.scn"
rc "$tmp/rc"
run "$POSTIE" -C "$tmp/rc" -X - bob@example.org
unserve
grep -Eq '^[A-Z][a-z]{2} [0-9]{2} [0-9:]{8} host=127\.0\.0\.1 tls=off auth=off from=alice@example\.org recipients=bob@example\.org mailsize=[0-9]+ smtpstatus=250 2\.0\.0 .*exitcode=EX_OK$' \
	"$tmp/out" || tap_why "stdout: $(cat "$tmp/out")"
tap_check "-X -: the line on standard output"

# 15. The prompt on the terminal: no echo, and the typed password used.
serve "$tmp/auth.scn"
rc "$tmp/rc" 'auth plain' 'auth_without_tls on' 'user alice'
python3 - "$tmp/msg" "$PASSWORD" "$POSTIE" -C "$tmp/rc" bob@example.org \
	>"$tmp/tty.out" 2>&1 <<'PY'
import os, pty, select, sys, time
msg, pw, argv = sys.argv[1], sys.argv[2].encode(), sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    # The message on stdin; the pty stays the controlling terminal.
    os.dup2(os.open(msg, os.O_RDONLY), 0)
    os.execv(argv[0], argv)
out, sent, end = b"", False, time.time() + 15
while time.time() < end:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    if not sent and b"password for alice at 127.0.0.1: " in out:
        os.write(fd, pw + b"\n")
        sent = True
# Never wait forever: a postie still running now is killed (and fails).
while time.time() < end + 10:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    time.sleep(0.1)
else:
    os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode("latin-1"))
print("\nstatus=%d asked=%s" % (os.waitstatus_to_exitcode(status), sent))
PY
unserve
grep -q '^status=0 asked=True$' "$tmp/tty.out" ||
	tap_why "$(tail -5 "$tmp/tty.out")"
no_needles "$tmp/tty.out"
n=0
for nd in "${NEEDLES[@]}"; do
	grep -aqF -- "$nd" "$tmp/peer.json" && n=$((n + 1))
done
[ "$n" -ge 1 ] || tap_why "the typed password did not reach the server"
tap_check "prompt on the terminal: asked once, no echo, password used"

tap_done
