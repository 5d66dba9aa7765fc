#!/bin/bash
# t_background.sh: after a message was sent directly, postie flushes the
# due entries of that account in a detached child: the caller neither
# waits for it (its output pipe closes at once) nor sees its status, and
# the entries arrive anyway.  POSTIE names the binary.
. "$(dirname "$0")/../lib/tap"
. "$(dirname "$0")/lib.sh"

queue_setup
tap_plan 3
# Each reply of the sink waits up to 400 ms: the flush of two entries
# takes seconds, the caller must not.
sink_start --stall 400
write_rc off

message 1 | "$POSTIE" -C "$T/rc" --enqueue bob@example.org
message 2 | "$POSTIE" -C "$T/rc" --enqueue bob@example.org
queued=$(queue_left)
# $(...) returns only when every holder of the pipe has closed it.
start=$(date +%s%N)
out=$(message 3 | "$POSTIE" -C "$T/rc" bob@example.org 2>&1)
st=$?
end=$(date +%s%N)
during=$(( $(sink_count 1) + $(sink_count 2) ))
if [ "$queued" = 2 ] && [ "$st" = 0 ] && [ -z "$out" ] &&
	[ "$(sink_count 3)" = 1 ]; then
	tap_ok "the direct send exits 0 with nothing on its output"
else
	tap_fail "the direct send exits 0 with nothing on its output" \
		"queued $queued, status $st, sink count $(sink_count 3)" "$out"
fi

for i in $(seq 200); do
	[ "$(queue_left)" = 0 ] && [ "$(sink_count 2)" -gt 0 ] && break
	sleep 0.1
done
if [ "$during" -lt 2 ] && [ "$(sink_count 1)" = 1 ] &&
	[ "$(sink_count 2)" = 1 ] && [ "$(queue_left)" = 0 ]; then
	tap_ok "the queued entries arrive after the caller got its status"
else
	tap_fail "the queued entries arrive after the caller got its status" \
		"delivered before the caller returned: $during" \
		"counts $(sink_count 1) $(sink_count 2), left $(queue_left)" \
		"the caller waited $(( (end - start) / 1000000 )) ms"
fi

# No queue directory at all: a direct send must not create one.
sink_stop
sink_start
write_rc off
rm -rf "$T/queue"
message 4 | "$POSTIE" -C "$T/rc" bob@example.org
st=$?
if [ "$st" = 0 ] && [ ! -e "$T/queue" ] && [ "$(sink_count 4)" = 1 ]; then
	tap_ok "without a queue a direct send creates none"
else
	tap_fail "without a queue a direct send creates none" "status $st" \
		"$(ls -la "$T")"
fi
tap_done
