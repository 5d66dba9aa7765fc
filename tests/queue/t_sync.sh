#!/bin/bash
# t_sync.sh: the order of postie's writes to the disk, read from strace.
#
# An enqueue syncs both files and the entry directory before the rename
# into q/, and q/ after it, before exiting 0.  A flush takes each
# delivered entry out of q/ at once and syncs q/ once per 32 entries and
# at its end, so a power failure can resend at most 32 messages and the
# last removal is on disk before the flush exits.  --queue-remove syncs
# q/ before it exits.  An enqueue does not initialise GnuTLS (which
# looks for /etc/gnutls/config when it does), a TLS attempt does.
. "$(dirname "$0")/../lib/tap"
. "$(dirname "$0")/lib.sh"

command -v strace >/dev/null || tap_skip_all "strace is not installed"
queue_setup
tap_plan 6
sink_start
write_rc fallback

trace() {
	strace -f -y -o "$T/trace" -e trace=fsync,renameat,renameat2 "$@"
}

# The trace lines of the write protocol, paths relative to the queue.
calls() {
	sed -n "s|$T/queue/||g; s/^[0-9]* *//; /^\(fsync\|rename\)/p" \
		"$T/trace" | sed 's/[0-9]*<\([^>]*\)>/<\1>/g; s/ = 0$//'
}

message 1 | trace "$POSTIE" -C "$T/rc" --enqueue bob@example.org
st=$?
# (The first enqueue also creates the queue and syncs its parents.)
got=$(calls | grep -v '^fsync(</' | sed 's/[0-9a-f]\{26\}/ID/g')
want='fsync(<tmp/ID/message>)
fsync(<tmp/ID/envelope>)
fsync(<tmp/ID>)
renameat(<tmp>, "ID", <q>, "ID")
fsync(<q>)'
if [ "$st" = 0 ] && [ "$got" = "$want" ]; then
	tap_ok "enqueue: files, entry, rename, q/, in that order"
else
	tap_fail "enqueue: files, entry, rename, q/, in that order" \
		"exit $st" "$got"
fi

for i in $(seq 2 70); do
	message "$i" | "$POSTIE" -C "$T/rc" --enqueue bob@example.org ||
		tap_bail "enqueue $i failed"
done
trace "$POSTIE" -C "$T/rc" -q
st=$?
calls >"$T/calls"
moves=$(grep -c '^renameat(<q>' "$T/calls")
syncs=$(grep -c '^fsync(<q>)' "$T/calls")
if [ "$st" = 0 ] && [ "$(queue_left)" = 0 ] && [ "$moves" = 70 ] &&
    [ "$syncs" = 3 ]; then
	tap_ok "flush of 70: 70 entries out of q/, q/ synced 3 times"
else
	tap_fail "flush of 70: 70 entries out of q/, q/ synced 3 times" \
		"exit $st, $(queue_left) left, $moves moves, $syncs syncs"
fi

# Between two syncs of q/ there are never more than 32 moves, and the
# last move is followed by a sync.
gaps=$(awk '/^renameat\(<q>/ { n++; if (n > max) max = n }
	/^fsync\(<q>\)/ { n = 0 }
	END { print max + 0, n + 0 }' "$T/calls")
if [ "$gaps" = "32 0" ]; then
	tap_ok "flush: at most 32 removals unsynced, none at exit"
else
	tap_fail "flush: at most 32 removals unsynced, none at exit" \
		"largest run, run at exit: $gaps"
fi
n=$(sink_count 70)
if [ "$n" = 1 ]; then
	tap_ok "flush: each message delivered once"
else
	tap_fail "flush: each message delivered once" "<qt-70@test> $n times"
fi

message 71 | "$POSTIE" -C "$T/rc" --enqueue bob@example.org ||
	tap_bail "enqueue 71 failed"
id=$(ls "$T/queue/q")
trace "$POSTIE" -C "$T/rc" --queue-remove "$id"
st=$?
last=$(calls | tail -2 | tr '\n' ' ')
case $st:$last in
"0:renameat(<q>, \"$id\", <trash>, \"$id\") fsync(<q>) ")
	tap_ok "--queue-remove: the removal is synced before exit" ;;
*)
	tap_fail "--queue-remove: the removal is synced before exit" \
		"exit $st: $last" ;;
esac

# GnuTLS stats its system priority file as it initialises.
message 72 | strace -f -o "$T/trace" -e trace=openat,access,stat,newfstatat \
	"$POSTIE" -C "$T/rc" --enqueue bob@example.org
st=$?
enq=$(grep -c 'gnutls/config' "$T/trace")
message 73 | strace -f -o "$T/trace" -e trace=openat,access,stat,newfstatat \
	"$POSTIE" -C "$T/rc" --tls=on --tls-starttls=off --queue=off \
	bob@example.org 2>/dev/null
tls=$(grep -c 'gnutls/config' "$T/trace")
if [ "$st" = 0 ] && [ "$enq" = 0 ] && [ "$tls" -gt 0 ]; then
	tap_ok "GnuTLS is initialised for TLS only, not for an enqueue"
else
	tap_fail "GnuTLS is initialised for TLS only, not for an enqueue" \
		"exit $st; looks at its config: enqueue $enq, TLS run $tls"
fi
