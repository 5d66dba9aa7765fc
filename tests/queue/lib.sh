# lib.sh: shared by the tests/queue scripts (source it after tests/lib/tap).
# shellcheck shell=bash
#
#   queue_setup            $T (scratch dir), $POSTIE, HOME inside $T
#   sink_start [ARGS...]   start sink.py; sets $SINK_PID, $PORT, $SINK_LOG
#   sink_stop
#   write_rc MODE [KEY VALUE...]  $T/rc for the sink with queue MODE
#   message N              a message with Message-ID <qt-N@test>
#   sink_count ID          how often the sink accepted <qt-ID@test>

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)

queue_setup() {
	POSTIE=${POSTIE:-$top/postie}
	[ -x "$POSTIE" ] || tap_skip_all "no postie at $POSTIE (set POSTIE)"
	T=$(mktemp -d "${TMPDIR:-/tmp}/postie-queue.XXXXXX")
	mkdir -p "$T/home"
	export HOME=$T/home LC_ALL=C
	unset XDG_STATE_HOME XDG_CONFIG_HOME
	trap 'sink_stop; rm -rf "$T"' EXIT
}

sink_start() {
	SINK_LOG=$T/sink.log
	: >"$SINK_LOG"
	rm -f "$T/port"
	python3 "$here/sink.py" --port-file "$T/port" --log "$SINK_LOG" \
		"$@" &
	SINK_PID=$!
	local i
	for i in $(seq 100); do
		[ -s "$T/port" ] && break
		sleep 0.05
	done
	PORT=$(cat "$T/port" 2>/dev/null) || tap_bail "the sink did not start"
}

sink_stop() {
	if [ -n "${SINK_PID:-}" ]; then
		kill "$SINK_PID" 2>/dev/null
		wait "$SINK_PID" 2>/dev/null
		SINK_PID=""
	fi
}

write_rc() {
	local mode=$1
	shift
	{
		echo "account default"
		echo "host 127.0.0.1"
		echo "port $PORT"
		echo "from alice@example.org"
		echo "tls off"
		echo "auth off"
		echo "timeout 5"
		echo "queue $mode"
		echo "queue_dir $T/queue"
		echo "queue_retry 0s,0s"
		while [ $# -ge 2 ]; do
			echo "$1 $2"
			shift 2
		done
	} >"$T/rc"
	chmod 600 "$T/rc"
}

message() {
	printf 'From: alice@example.org\nTo: bob@example.org\n'
	printf 'Subject: queue test %s\nMessage-ID: <qt-%s@test>\n\n' "$1" "$1"
	printf 'Body of %s.\n' "$1"
}

sink_count() {
	grep -c -x "<qt-$1@test>" "$SINK_LOG"
}

# Entries left in q/ (0 when the queue is drained).
queue_left() {
	find "$T/queue/q" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l
}
