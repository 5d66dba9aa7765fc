#!/bin/bash
# t_connect.sh: how postie reaches the server (src/net.c, src/socks.c).
#
# Runs in a network and mount namespace of its own (unshare -m -n): only
# a loopback interface, a private /etc/hosts and an /etc/resolv.conf that
# names a DNS stub on 127.0.0.1, so nothing can leave the machine.  Checks:
# a unix socket (socket), the source address (source_ip), every address
# of a name tried in turn, an IPv6 literal on a host without global IPv6
# (the AI_ADDRCONFIG trap), a name that does not exist (68) and a lookup
# that fails for now (75), and SOCKS5 through Debian's danted: the name
# goes to the proxy, which resolves it (postie's own resolver never sees
# it), and the proxy's refusals map to 75.
#
# POSTIE=/path/to/postie (default: postie at the top of the tree).
# Needs root, unshare, ip, python3; the SOCKS tests need dante-server.

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/../lib/tap"

POSTIE=${POSTIE:-$top/postie}
lib=$here/../lib

if [ -z "${T_CONNECT_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || tap_skip_all "needs root for unshare"
	command -v unshare >/dev/null || tap_skip_all "unshare not found"
	command -v ip >/dev/null || tap_skip_all "ip (iproute2) not found"
	unshare -m -n true 2>/dev/null ||
	    tap_skip_all "cannot make a network namespace here"
	T_CONNECT_NS=1 exec unshare -m -n "$0" "$@"
fi

[ -x "$POSTIE" ] || tap_bail "$POSTIE is not an executable (set POSTIE)"
work=$(mktemp -d "${TMPDIR:-/tmp}/postie-connect.XXXXXX") ||
    tap_bail "mktemp failed"
pids=""
cleanup() {
	local p
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# The namespace: loopback only, private hosts and resolver files.
mount --make-rprivate / 2>/dev/null
ip link set lo up || tap_bail "cannot bring lo up"
cat >"$work/hosts" <<'EOF'
127.0.0.1 localhost
::1 multi.test
127.0.0.1 multi.test
127.0.0.3 slow.test
127.0.0.2 slow.test
EOF
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' \
    >"$work/resolv.conf"
mount --bind "$work/hosts" /etc/hosts &&
    mount --bind "$work/resolv.conf" /etc/resolv.conf ||
    tap_bail "cannot mount the private hosts and resolv.conf"

tap_plan 14

msg=$work/msg
printf 'From: a@example.org\nTo: b@example.org\nSubject: net\n\nnet body\n' \
    >"$msg"

# sink DIR [minismtp args]: start a one-connection SMTP sink; sets PORT.
sink() {
	local dir=$1
	shift
	mkdir -p "$dir"
	python3 "$lib/minismtp.py" "$@" "$dir" >"$dir/port" 2>"$dir/err" &
	pids="$pids $!"
	for _ in $(seq 50); do
		[ -s "$dir/port" ] && break
		sleep 0.1
	done
	PORT=$(head -n 1 "$dir/port")
}

# run NAME RCKEYS...: postie with an rc file made of the keys (one per
# argument); sets ST (exit status) and ERR (stderr file).
run() {
	local name=$1 rc=$work/$1.rc
	shift
	{
		printf 'account default\nfrom a@example.org\ntls off\n'
		printf 'auth off\ntimeout 5\n'
		printf '%s\n' "$@"
	} >"$rc"
	chmod 0600 "$rc"
	ERR=$work/$name.err
	HOME=$work "$POSTIE" -C "$rc" -d b@example.org <"$msg" \
	    >"$work/$name.out" 2>"$ERR"
	ST=$?
}

# expect NAME STATUS [REGEX]: ST is STATUS and stderr matches REGEX.
expect() {
	TAP_WHY=""
	[ "$ST" = "$2" ] || tap_why "exit status $ST, expected $2"
	if [ -n "${3:-}" ] && ! grep -Eq -- "$3" "$ERR"; then
		tap_why "stderr does not match /$3/:"
		tap_why "$(grep -v '^<--\|^-->' "$ERR" | tail -n 5)"
	fi
	tap_check "$1"
}

# wait_sink DIR: until the sink in DIR stored a message (3 s at most).
wait_sink() {
	for _ in $(seq 30); do
		[ -f "$1/data.1" ] && return
		sleep 0.1
	done
}

delivered() {
	[ -f "$1/data.1" ] && grep -q "net body" "$1/data.1" ||
	    tap_why "the sink in $1 received no message"
}

# ---- socket -------------------------------------------------------------

sink "$work/unix" --unix "$work/smtp.sock"
run unix "host unix.invalid" "port 1" "socket $work/smtp.sock"
wait_sink "$work/unix"
TAP_WHY=""
[ "$ST" = 0 ] || tap_why "exit status $ST: $(tail -n 2 "$ERR")"
delivered "$work/unix"
tap_check "socket: delivered through a unix socket, host and port unused"

run nosock "socket $work/none.sock"
expect "socket: no host needed; a missing socket is temporary (75)" 75 \
    "cannot connect to socket .*none\.sock"

# ---- source_ip ------------------------------------------------------------

sink "$work/src"
run src "host 127.0.0.1" "port $PORT" "source_ip 127.0.0.2"
wait_sink "$work/src"
TAP_WHY=""
[ "$ST" = 0 ] || tap_why "exit status $ST: $(tail -n 2 "$ERR")"
grep -qx 127.0.0.2 "$work/src/peer.1" 2>/dev/null ||
    tap_why "the server saw $(cat "$work/src/peer.1" 2>/dev/null)"
tap_check "source_ip: the connection comes from 127.0.0.2"

run srcfam "host 127.0.0.1" "port 9" "source_ip ::1"
expect "source_ip: no server address of its family (75)" 75 \
    "cannot connect to 127\.0\.0\.1, port 9 from ::1"

run srcbad "host 127.0.0.1" "port 9" "source_ip not-an-ip"
expect "source_ip: not an IP address is a configuration error (78)" 78 \
    "source_ip not-an-ip: not an IP address"

# ---- TCP_QUICKACK before each wait for a reply -----------------------------

if command -v strace >/dev/null; then
	sink "$work/ack"
	rc=$work/ack.rc
	printf 'account default\nfrom a@example.org\ntls off\nauth off\n%s\n' \
	    "host 127.0.0.1" >"$rc"
	printf 'port %s\n' "$PORT" >>"$rc"
	chmod 0600 "$rc"
	# LeakSanitizer cannot run under ptrace: no leak check here.
	HOME=$work ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    strace -f -o "$work/ack.trace" -e trace=setsockopt,read \
	    "$POSTIE" -C "$rc" b@example.org <"$msg" >/dev/null 2>&1
	ST=$?
	wait_sink "$work/ack"
	TAP_WHY=""
	[ "$ST" = 0 ] || tap_why "exit status $ST"
	# Greeting, EHLO, MAIL, RCPT, DATA and the final dot: six waits.
	n=$(grep -c 'TCP_QUICKACK, \[1\]' "$work/ack.trace")
	[ "$n" -ge 6 ] || tap_why "TCP_QUICKACK set $n times, expected >= 6"
	grep -q 'TCP_NODELAY, \[1\]' "$work/ack.trace" ||
	    tap_why "TCP_NODELAY not set"
	tap_check "TCP_NODELAY once, TCP_QUICKACK before each reply"
else
	tap_skip "TCP_NODELAY once, TCP_QUICKACK before each reply" \
	    "strace not installed"
fi

# ---- every address in turn ---------------------------------------------------

sink "$work/multi" --tcp 127.0.0.1
run multi "host multi.test" "port $PORT"
wait_sink "$work/multi"
TAP_WHY=""
[ "$ST" = 0 ] || tap_why "exit status $ST: $(tail -n 2 "$ERR")"
delivered "$work/multi"
grep -q "cannot connect to ::1, port $PORT: .*trying the next" "$ERR" ||
    tap_why "no sign that ::1 was tried first: $(grep -i connect "$ERR")"
tap_check "multi.test: ::1 refused, then 127.0.0.1 delivered"

# A listener whose accept queue is full drops new SYNs: connecting to it
# hangs until the timeout, and the next address must still get its turn.
sink "$work/slow" --tcp 127.0.0.2
python3 - "$PORT" >"$work/full.out" 2>&1 <<'EOF' &
import socket, sys, time
port = int(sys.argv[1])
s = socket.socket()
s.bind(("127.0.0.3", port))
s.listen(0)
held = []
for _ in range(3):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.3", port))
    except BlockingIOError:
        pass
    held.append(c)
print("ready", flush=True)
time.sleep(60)
EOF
pids="$pids $!"
for _ in $(seq 50); do
	grep -q ready "$work/full.out" 2>/dev/null && break
	sleep 0.1
done
t0=$(date +%s%N)
run slow "host slow.test" "port $PORT" "timeout 2"
t1=$(date +%s%N)
wait_sink "$work/slow"
TAP_WHY=""
[ "$ST" = 0 ] || tap_why "exit status $ST: $(tail -n 2 "$ERR")"
delivered "$work/slow"
grep -q "cannot connect to 127\.0\.0\.3, port $PORT: connection timed out" \
    "$ERR" || tap_why "no timeout on 127.0.0.3: $(grep -i connect "$ERR")"
ms=$(( (t1 - t0) / 1000000 ))
[ "$ms" -ge 1800 ] && [ "$ms" -lt 6000 ] ||
    tap_why "took $ms ms, expected about one 2 s connect timeout"
tap_check "slow.test: 127.0.0.3 times out after the timeout, then 127.0.0.2"

# ---- an IPv6 literal where only IPv4 looks configured ------------------------

# glibc's AI_ADDRCONFIG ignores loopback addresses: with a non-loopback
# IPv4 address and no global IPv6 one, it refuses "::1" itself.
ip addr add 10.255.0.1/32 dev lo 2>/dev/null
sink "$work/v6" --tcp ::1
run v6 "host ::1" "port $PORT"
wait_sink "$work/v6"
TAP_WHY=""
[ "$ST" = 0 ] || tap_why "exit status $ST: $(tail -n 2 "$ERR")"
delivered "$work/v6"
tap_check "host ::1 works although no global IPv6 address exists"
ip addr del 10.255.0.1/32 dev lo 2>/dev/null

# ---- name lookup failures --------------------------------------------------------

mkdir -p "$work/dns"
DNSSTUB_LOG=$work/dns/log python3 "$lib/dnsstub.py" 53 \
    broken.test=servfail >"$work/dns/out" 2>"$work/dns/err" &
pids="$pids $!"
for _ in $(seq 50); do
	grep -q ready "$work/dns/out" 2>/dev/null && break
	sleep 0.1
done
run nxdomain "host nosuch.invalid" "port 25"
expect "a name that does not exist: exit 68" 68 \
    "cannot locate host nosuch\.invalid"
run servfail "host broken.test" "port 25"
expect "a lookup that fails for now (SERVFAIL): exit 75" 75 \
    "cannot locate host broken\.test"

# ---- SOCKS5 through danted ---------------------------------------------------------

if ! command -v danted >/dev/null; then
	tap_skip "socks: delivered through danted" "danted not installed"
	tap_skip "socks: proxy cannot connect (75)" "danted not installed"
	tap_skip "socks: proxy not listening (75)" "danted not installed"
	tap_done
fi
# The proxy alone knows mx.socks.test: it runs in a mount namespace of
# its own whose hosts file has the name.
printf '127.0.0.1 localhost\n127.0.0.1 mx.socks.test\n' >"$work/hosts.socks"
dport=$(python3 -c 'import socket; s = socket.socket(); \
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/danted.conf" <<EOF
logoutput: $work/danted.log
internal: 127.0.0.1 port = $dport
external: 127.0.0.1
clientmethod: none
socksmethod: none
user.privileged: root
user.unprivileged: nobody
client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }
socks pass { from: 127.0.0.0/8 to: 127.0.0.0/8 command: connect }
socks block { from: 0.0.0.0/0 to: 0.0.0.0/0 }
EOF
unshare -m sh -c 'mount --bind "$1" /etc/hosts && exec danted -N 1 -f "$2" \
    -p "$3"' sh "$work/hosts.socks" "$work/danted.conf" "$work/danted.pid" \
    >"$work/danted.out" 2>&1 &
pids="$pids $!"
for _ in $(seq 50); do
	python3 -c "import socket; socket.create_connection(('127.0.0.1', \
$dport), 1)" 2>/dev/null && break
	sleep 0.1
done

sink "$work/socks"
: >"$work/dns/log"
run socks "host mx.socks.test" "port $PORT" "proxy_host 127.0.0.1" \
    "proxy_port $dport"
wait_sink "$work/socks"
TAP_WHY=""
[ "$ST" = 0 ] || tap_why "exit status $ST: $(tail -n 3 "$ERR")"
delivered "$work/socks"
if grep -q "mx.socks.test" "$work/dns/log"; then
	tap_why "postie looked mx.socks.test up itself"
fi
tap_check "socks: delivered through danted, the proxy resolving the name"

run socksrefused "host 127.0.0.1" "port 9" "proxy_host 127.0.0.1" \
    "proxy_port $dport"
expect "socks: the proxy cannot connect (75)" 75 \
    "proxy 127\.0\.0\.1: cannot connect to 127\.0\.0\.1, port 9: "
run socksdead "host 127.0.0.1" "port 25" "proxy_host 127.0.0.1" \
    "proxy_port 9"
expect "socks: the proxy does not listen (75)" 75 \
    "proxy: cannot connect to 127\.0\.0\.1, port 9"
tap_done
