#!/bin/bash
# t_crash.sh: kill -9 at random moments while postie enqueues (queue
# always, which also starts background flushes) and while it flushes
# against a sink that stalls before each reply; then flush until the
# queue is empty.  Every message whose postie exited 0 must have been
# delivered at least once.  Duplicates are counted and reported: they
# can only come from the window between the final dot and the 250.
#
# POSTIE names the binary; CRASH_ENQUEUE and CRASH_FLUSH set the number
# of kills (default 200 and 100).
. "$(dirname "$0")/../lib/tap"
. "$(dirname "$0")/lib.sh"

NENQ=${CRASH_ENQUEUE:-200}
NFLUSH=${CRASH_FLUSH:-100}
queue_setup
tap_plan 5
sink_start --stall 40
write_rc always

# A random sleep of 0..$1 milliseconds.
rsleep() {
	sleep "$(printf '0.%03d' $((RANDOM % $1)))"
}

accepted=()
killed=0
for i in $(seq "$NENQ"); do
	message "$i" >"$T/msg"
	"$POSTIE" -C "$T/rc" bob@example.org <"$T/msg" 2>/dev/null &
	pid=$!
	rsleep 25
	kill -9 "$pid" 2>/dev/null && killed=$((killed + 1))
	wait "$pid" 2>/dev/null
	st=$?
	[ "$st" = 0 ] && accepted+=("$i")
done
tap_diag "enqueue: $NENQ runs, $killed kill -9 sent, ${#accepted[@]} exited 0"
if [ "${#accepted[@]}" -gt 0 ] && [ "${#accepted[@]}" -lt "$NENQ" ]; then
	tap_ok "enqueue under kill -9: some runs died, some were accepted"
else
	tap_fail "enqueue under kill -9: some runs died, some were accepted" \
		"accepted ${#accepted[@]} of $NENQ: the kills missed the window"
fi

# A full queue for the flushes to be killed in: enqueue only.
for i in $(seq "$((NENQ + 1))" "$((NENQ + NFLUSH))"); do
	message "$i" | "$POSTIE" -C "$T/rc" --enqueue bob@example.org &&
		accepted+=("$i")
done
fkilled=0
for i in $(seq "$NFLUSH"); do
	"$POSTIE" -C "$T/rc" -q 2>/dev/null &
	pid=$!
	rsleep 400
	kill -9 "$pid" 2>/dev/null && fkilled=$((fkilled + 1))
	wait "$pid" 2>/dev/null
done
tap_diag "flush: $NFLUSH runs over $NFLUSH more queued messages," \
	"$fkilled killed with kill -9, $(queue_left) entries left"
tap_ok "flush under kill -9: $NFLUSH runs"

# Background flushes may still run; flush until nothing is left.
for i in $(seq 60); do
	"$POSTIE" -C "$T/rc" -q 2>>"$T/final.err"
	[ "$(queue_left)" = 0 ] && break
	sleep 0.5
done
if [ "$(queue_left)" = 0 ]; then
	tap_ok "the queue drains"
else
	tap_fail "the queue drains" "$(queue_left) entries left" \
		"$(tail -5 "$T/final.err")"
fi

lost=0 dups=0 extra=0
for i in "${accepted[@]}"; do
	n=$(sink_count "$i")
	[ "$n" = 0 ] && lost=$((lost + 1))
	[ "$n" -gt 1 ] && dups=$((dups + n - 1))
done
total=$(wc -l <"$SINK_LOG")
for i in $(seq "$((NENQ + NFLUSH))"); do
	[ "$(sink_count "$i")" -gt 0 ] && extra=$((extra + 1))
done
extra=$((extra - ${#accepted[@]} + lost))
tap_diag "sink accepted $total messages; accepted by postie: ${#accepted[@]}," \
	"lost: $lost, duplicate deliveries: $dups," \
	"delivered though postie was killed before exit 0: $extra"
if [ "$lost" = 0 ]; then
	tap_ok "no message accepted with exit 0 is lost"
else
	tap_fail "no message accepted with exit 0 is lost" "$lost lost"
fi
bad=$(find "$T/queue/corrupt" -mindepth 1 | wc -l)
if [ "$bad" = 0 ]; then
	tap_ok "no entry was found corrupt"
else
	tap_fail "no entry was found corrupt" "$bad in corrupt/"
fi
sink_stop
tap_done
