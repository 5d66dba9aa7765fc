#!/bin/bash
# t_commands.sh: queue always delivers with no further command (the
# detached flush), -bp and mailq list, --queue-retry makes an entry due,
# --queue-remove deletes one, bad IDs are refused, and a foreign file in
# q/ is moved to corrupt/.  POSTIE names the binary.
. "$(dirname "$0")/../lib/tap"
. "$(dirname "$0")/lib.sh"

queue_setup
tap_plan 7
sink_start
write_rc always

message 1 | "$POSTIE" -C "$T/rc" bob@example.org
st=$?
for i in $(seq 100); do
	[ "$(sink_count 1)" -gt 0 ] && break
	sleep 0.1
done
if [ "$st" = 0 ] && [ "$(sink_count 1)" = 1 ] && [ "$(queue_left)" = 0 ]; then
	tap_ok "queue always: exit 0, delivered by the background flush"
else
	tap_fail "queue always: exit 0, delivered by the background flush" \
		"status $st, sink count $(sink_count 1), $(queue_left) left"
fi

# The sink goes away: entries stay, with their attempts.
sink_stop
write_rc fallback queue_retry 1h,3h
message 2 | "$POSTIE" -C "$T/rc" bob@example.org 2>"$T/err"
id=$(sed -n 's/^postie: queued as \([0-9a-f]*\) .*/\1/p' "$T/err")
ln -s "$POSTIE" "$T/mailq"
"$T/mailq" -C "$T/rc" >"$T/list"
if grep -q "^$id  age .* attempts 1  from <alice@example.org>" "$T/list" &&
	grep -q "^    next attempt in \(59\|60\)m" "$T/list" &&
	"$POSTIE" -C "$T/rc" -bp | cmp -s - "$T/list"; then
	tap_ok "mailq and -bp list the deferred entry"
else
	tap_fail "mailq and -bp list the deferred entry" "id '$id'" \
		"$(cat "$T/err" "$T/list")"
fi

sink_start
write_rc fallback queue_retry 1h,3h
"$POSTIE" -C "$T/rc" -q
before=$(sink_count 2)
"$POSTIE" -C "$T/rc" --queue-retry "$id" && "$POSTIE" -C "$T/rc" -q
if [ "$before" = 0 ] && [ "$(sink_count 2)" = 1 ] &&
	[ "$(queue_left)" = 0 ]; then
	tap_ok "not due before --queue-retry, delivered after it"
else
	tap_fail "not due before --queue-retry, delivered after it" \
		"before $before, after $(sink_count 2), $(queue_left) left"
fi

message 3 | "$POSTIE" -C "$T/rc" --enqueue bob@example.org
id=$(ls "$T/queue/q")
"$POSTIE" -C "$T/rc" --queue-remove "$id"
st=$?
"$POSTIE" -C "$T/rc" --queue-remove "$id" 2>/dev/null
st2=$?
if [ "$st" = 0 ] && [ "$st2" = 66 ] && [ "$(queue_left)" = 0 ]; then
	tap_ok "--queue-remove deletes; a second time exits 66"
else
	tap_fail "--queue-remove deletes; a second time exits 66" \
		"status $st then $st2, $(queue_left) left"
fi

"$POSTIE" -C "$T/rc" --queue-retry ../../etc 2>"$T/err"
st=$?
if [ "$st" = 64 ] && grep -q "is not a queue ID" "$T/err"; then
	tap_ok "a malformed ID is refused with 64"
else
	tap_fail "a malformed ID is refused with 64" "status $st" \
		"$(cat "$T/err")"
fi

echo junk >"$T/queue/q/README"
"$POSTIE" -C "$T/rc" -q 2>"$T/err"
st=$?
if [ "$st" = 0 ] && [ -f "$T/queue/corrupt/README" ] &&
	grep -q "moved q/README to corrupt/" "$T/err"; then
	tap_ok "a foreign file in q/ is moved to corrupt/ and reported"
else
	tap_fail "a foreign file in q/ is moved to corrupt/ and reported" \
		"status $st" "$(cat "$T/err")"
fi

"$POSTIE" -C "$T/rc" -bp >"$T/list"
if grep -qx "Mail queue is empty" "$T/list"; then
	tap_ok "an empty queue says so"
else
	tap_fail "an empty queue says so" "$(cat "$T/list")"
fi
sink_stop
tap_done
