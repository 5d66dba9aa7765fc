#!/usr/bin/env bash
# t_files.sh - postie's own files: the stdin spool never outlives the
# process (normal exit, SIGINT, SIGTERM, SIGPIPE), a logfile that is a
# symbolic link is not followed, and the binary is built hardened
# (PIE, full RELRO, stack protector, fortified calls).  TAP.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/tap
. "$top/tests/lib/tap"
POSTIE=${POSTIE:-$top/postie}
[ -x "$POSTIE" ] || tap_bail "no program at $POSTIE (set POSTIE)"
T=$(mktemp -d "${TMPDIR:-/tmp}/postie-files.XXXXXX") || tap_bail "mktemp"
trap 'rm -rf "$T"' EXIT
tap_plan 8

# A server that never answers keeps postie waiting on its greeting.
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
' >"$T/port" &
srv=$!
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
port=$(cat "$T/port")
cat >"$T/rc" <<RC
account default
host 127.0.0.1
port $port
from a@example.org
tls off
auth off
timeout 5
logfile $T/log
RC
chmod 600 "$T/rc"

# spool_after_signal SIG: postie reading a message, killed by SIG; the
# spool directory must be empty afterwards and while it ran.
spool_after_signal() {
	local sig=$1 dir=$T/spool-$1 pid n seen
	mkdir -p "$dir"
	mkfifo "$T/in-$sig"
	TMPDIR=$dir "$POSTIE" -C "$T/rc" b@example.org <"$T/in-$sig" \
		>/dev/null 2>&1 &
	pid=$!
	exec 7>"$T/in-$sig"
	printf 'Subject: x\n\nbody\n' >&7
	sleep 0.3
	seen=$(find "$dir" -mindepth 1 | wc -l)
	kill -"$sig" "$pid" 2>/dev/null
	exec 7>&-
	wait "$pid" 2>/dev/null
	n=$(find "$dir" -mindepth 1 | wc -l)
	if [ "$seen" = 0 ] && [ "$n" = 0 ]; then
		tap_ok "spool file gone during the run and after SIG$sig"
	else
		tap_fail "spool file gone during the run and after SIG$sig" \
			"entries while running: $seen, after: $n"
	fi
}
spool_after_signal INT
spool_after_signal TERM
spool_after_signal PIPE

# Normal exit, while postie waits for the greeting: the spool is open
# but has no name.
dir=$T/spool-wait
mkdir -p "$dir"
printf 'Subject: x\n\nbody\n' |
	TMPDIR=$dir "$POSTIE" -C "$T/rc" b@example.org >/dev/null 2>&1 &
pid=$!
sleep 0.3
deleted=$(ls -l "/proc/$pid/fd" 2>/dev/null | grep -c "$dir.*(deleted)")
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
if [ "$deleted" -ge 1 ] && [ -z "$(ls -A "$dir")" ]; then
	tap_ok "the spool is held open with no name"
else
	tap_fail "the spool is held open with no name" \
		"deleted fds: $deleted; dir: $(ls -A "$dir")"
fi
kill "$srv" 2>/dev/null

# A logfile that is a symbolic link is not followed.
ln -s "$T/target" "$T/linklog"
sed "s|^logfile .*|logfile $T/linklog|" "$T/rc" >"$T/rc2"
chmod 600 "$T/rc2"
printf 'Subject: x\n\nbody\n' | "$POSTIE" -C "$T/rc2" --port=1 \
	b@example.org >/dev/null 2>&1
if [ ! -e "$T/target" ]; then
	tap_ok "a logfile that is a symbolic link is not followed"
else
	tap_fail "a logfile that is a symbolic link is not followed" \
		"$T/target was created"
fi

# Hardening of the binary as built by default.
bin=$POSTIE
[ -f "$bin" ] && file -L "$bin" 2>/dev/null | grep -q "shell script" &&
	bin=$(dirname "$bin")/.libs/$(basename "$bin")
hdr=$(readelf -hW "$bin" 2>&1)
dyn=$(readelf -dW "$bin" 2>&1)
seg=$(readelf -lW "$bin" 2>&1)
syms=$(readelf -sW --dyn-syms "$bin" 2>&1)
if printf '%s\n' "$hdr" | grep -q "Type: *DYN"; then
	tap_ok "position-independent executable"
else
	tap_fail "position-independent executable" "$(printf '%s\n' "$hdr" |
		grep Type)"
fi
if printf '%s\n' "$seg" | grep -q GNU_RELRO &&
	printf '%s\n' "$dyn" | grep -Eq "BIND_NOW|FLAGS.*NOW"; then
	tap_ok "full RELRO"
else
	tap_fail "full RELRO" "no GNU_RELRO segment or no BIND_NOW"
fi
if printf '%s\n' "$syms" | grep -q "__stack_chk_fail" &&
	printf '%s\n' "$syms" | grep -Eq "__[a-z]+_chk"; then
	tap_ok "stack protector and fortified calls"
else
	tap_fail "stack protector and fortified calls" \
		"no __stack_chk_fail or no __*_chk symbol"
fi
tap_done
