#!/bin/bash
# t_concurrent.sh: two flushes at once over 500 queued messages; the
# per-entry lock must make every message arrive exactly once.  Also
# checks the modes of what the queue creates.  POSTIE names the binary;
# CONCURRENT_N the number of messages (default 500).
. "$(dirname "$0")/../lib/tap"
. "$(dirname "$0")/lib.sh"

N=${CONCURRENT_N:-500}
queue_setup
tap_plan 5
sink_start
write_rc off

fails=0
for i in $(seq "$N"); do
	message "$i" | "$POSTIE" -C "$T/rc" --enqueue bob@example.org ||
		fails=$((fails + 1))
done
if [ "$fails" = 0 ] && [ "$(queue_left)" = "$N" ]; then
	tap_ok "$N messages queued with --enqueue"
else
	tap_fail "$N messages queued with --enqueue" "$fails failed," \
		"$(queue_left) in q/"
fi

modes=$(cd "$T/queue" && find . -printf '%y %m %p\n' |
	awk '($1 == "d" && $2 != 700) || ($1 == "f" && $2 != 600)')
if [ -z "$modes" ]; then
	tap_ok "directories are 0700 and files 0600"
else
	tap_fail "directories are 0700 and files 0600" "$(echo "$modes" | head)"
fi

start=$(date +%s.%N)
"$POSTIE" -C "$T/rc" -q -d 2>"$T/a.err" &
a=$!
"$POSTIE" -C "$T/rc" --flush -d 2>"$T/b.err" &
b=$!
wait "$a"
sa=$?
wait "$b"
sb=$?
secs=$(echo "$(date +%s.%N) - $start" | bc)
tap_diag "two flushes took ${secs}s"
if [ "$sa" = 0 ] && [ "$sb" = 0 ] && [ "$(queue_left)" = 0 ]; then
	tap_ok "both flushes succeed and drain the queue"
else
	tap_fail "both flushes succeed and drain the queue" \
		"status $sa and $sb, $(queue_left) left" "$(head -3 "$T/a.err")"
fi

missing=0 dup=0
counts=$(sort "$SINK_LOG" | uniq -c)
for i in $(seq "$N"); do
	n=$(echo "$counts" | awk -v id="<qt-$i@test>" '$2 == id {print $1}')
	[ -z "$n" ] && missing=$((missing + 1))
	[ -n "$n" ] && [ "$n" -gt 1 ] && dup=$((dup + 1))
done
tap_diag "sink: $(wc -l <"$SINK_LOG") messages, $missing missing," \
	"$dup delivered more than once"
if [ "$missing" = 0 ] && [ "$dup" = 0 ]; then
	tap_ok "each message delivered exactly once"
else
	tap_fail "each message delivered exactly once" \
		"$missing missing, $dup duplicated"
fi
# Both must have done part of the work, or the test proves nothing.
da=$(sed -n 's/.*flush of .*: \([0-9]*\) delivered.*/\1/p' "$T/a.err")
db=$(sed -n 's/.*flush of .*: \([0-9]*\) delivered.*/\1/p' "$T/b.err")
tap_diag "the flushes delivered ${da:-?} and ${db:-?}"
if [ "${da:-0}" -gt 0 ] && [ "${db:-0}" -gt 0 ] &&
	[ $((da + db)) = "$N" ]; then
	tap_ok "both flushes delivered a share"
else
	tap_fail "both flushes delivered a share" "${da:-?} + ${db:-?}"
fi
sink_stop
tap_done
