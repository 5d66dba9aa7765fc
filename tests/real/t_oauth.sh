#!/bin/bash
# t_oauth.sh: OAUTHBEARER and XOAUTH2 against Dovecot's oauth2 passdb.
#
# Dovecot's submission service (tests/lib/dsub) checks bearer tokens with
# its oauth2 passdb, which asks a token-introspection endpoint (RFC 7662)
# on 127.0.0.1: a small Python HTTP server made for this test knows one
# valid token for the test user.  Accepted mail is relayed to the real
# Postfix and delivered.  For each mechanism: the valid token delivers;
# an unknown token is refused with exit 77, Dovecot's JSON error is shown
# on stderr and the exchange is ended as the mechanism wants; a token of
# 4 KiB goes after the server's 334, as RFC 4954 wants for a response too
# long for the AUTH line.  Neither token may
# appear in anything postie wrote.  Output is TAP.
#
# POSTIE=/path/to/postie, POSTIE_BUILD=builddir, REALSERVER_DIR=running
# instance (see tests/lib/realtest).

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap"
. "$here/../lib/realserver"
. "$here/../lib/realtest"
. "$here/../lib/dsub"

rt_setup
why=$(dsub_usable) || tap_skip_all "$why"

rand() {
	od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}
TOKEN=tok-$(rand 24)
BAD=bad-$(rand 24)
# 4 KiB, longer than the tokens big providers issue; Dovecot's submission
# service takes SASL lines up to about 8 KiB (postie's own 16 KiB limit
# is tested by tests/scenarios/auth-xoauth2-long-token.scn).
LONG=long-$(rand 2048)

# ---- the introspection endpoint -----------------------------------------

IS_LOG=$RT_WORK/introspect.log
cat >"$RT_WORK/introspect.py" <<'PY'
import http.server, json, sys, urllib.parse
good = set(sys.argv[2:])
log = open(sys.argv[1], "a", buffering=1)
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(n).decode())
        token = form.get("token", [""])[0]
        ok = token in good
        log.write("introspect %s %d\n" % (self.path, ok))
        body = json.dumps({"active": True, "username": "tester",
                           "scope": "mail"} if ok else
                          {"active": False}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
python3 "$RT_WORK/introspect.py" "$IS_LOG" "$TOKEN" "$LONG" \
    >"$RT_WORK/is.port" 2>"$RT_WORK/is.err" &
IS_PID=$!
for i in $(seq 100); do
	IS_PORT=$(head -n 1 "$RT_WORK/is.port" 2>/dev/null)
	[ -n "$IS_PORT" ] && break
	sleep 0.05
done
[ -n "$IS_PORT" ] || tap_bail "no introspection endpoint: $(cat \
    "$RT_WORK/is.err")"

# ---- Dovecot's submission service with the oauth2 passdb ----------------

D=$RT_WORK/dsub
cat >"$D.oauth2.conf.ext" <<EOF
introspection_mode = post
introspection_url = http://127.0.0.1:$IS_PORT/introspect
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
EOF
dsub_start "$D" "$PLAIN_PORT" "$(dirname "$CA_FILE")" "
auth_mechanisms = oauthbearer xoauth2
passdb {
  driver = oauth2
  mechanisms = oauthbearer xoauth2
  args = $D.oauth2.conf.ext
}" >"$RT_WORK/dsub.err" || tap_bail "Dovecot submission did not start:" \
    "$(cat "$RT_WORK/dsub.err")"
rt_cleanup_oauth() {
	local status=$?
	dsub_stop "$D"
	kill "$IS_PID" 2>/dev/null
	wait "$IS_PID" 2>/dev/null
	(exit "$status")
	rt_cleanup
}
trap rt_cleanup_oauth EXIT

rcdir=$RT_WORK/rc
outs=$RT_WORK/outs
mkdir -p "$outs"
n=0
run() {	# run NAME KEY=VALUE...: against Dovecot submission, -d, a logfile
	local name=$1
	shift
	n=$((n + 1))
	rs_clear
	: >"$IS_LOG"
	rt_account "$DSUB_PORT" "logfile=$outs/$n.log" "$@" |
	    rt_rc "$rcdir/$name"
	rt_run "$rcdir/$name" -d grace@example.org \
	    < <(printf 'Subject: %s\n\nx\n' "$name")
	cp "$RT_OUT" "$outs/$n.out"
	cp "$RT_ERR" "$outs/$n.err"
}
delivered() {
	local why
	why=$(rs_wait_messages 1) || tap_why "$why"
}
nothing_delivered() {
	local why
	why=$(rs_queue_idle 10) || tap_why "$why"
	[ "$(rs_count)" -eq 0 ] || tap_why "a message was delivered"
}
stderr_has() {
	grep -qE -- "$1" "$RT_ERR" ||
	    tap_why "stderr lacks /$1/: $(grep -v '^<--\|^-->' "$RT_ERR" |
	    tail -n 3)"
}

tap_plan 7

for mech in oauthbearer xoauth2; do
	M=${mech^^}
	run "$mech" auth="$mech" password="$TOKEN"
	rt_status_is 0
	stderr_has "authenticating with $M"
	grep -q '^introspect /introspect 1$' "$IS_LOG" ||
	    tap_why "the endpoint did not accept: $(cat "$IS_LOG")"
	delivered
	grep -q "Login: user=<$TEST_USER>, method=$M" "$DSUB_LOG" ||
	    tap_why "dovecot: $(tail -n 2 "$DSUB_LOG")"
	tap_check "AUTH $M with a valid token (Dovecot oauth2): delivered"

	run "$mech-bad" auth="$mech" password="$BAD"
	rt_status_is 77
	stderr_has "AUTH $M: the server refused the token: \\{\"status\":"
	stderr_has "535"
	grep -q '^introspect /introspect 0$' "$IS_LOG" ||
	    tap_why "the endpoint was not asked: $(cat "$IS_LOG")"
	nothing_delivered
	tap_check "AUTH $M, unknown token: exit 77, Dovecot's JSON error shown"
done

run long auth=oauthbearer password="$LONG"
rt_status_is 0
grep -q '^introspect /introspect 1$' "$IS_LOG" ||
    tap_why "the endpoint did not accept: $(cat "$IS_LOG")"
delivered
stderr_has "^--> AUTH OAUTHBEARER$"
tap_check "a 4 KiB token: AUTH OAUTHBEARER, the response after 334"

run xoauth2-bad-user auth=xoauth2 password="$TOKEN" user=someone-else
rt_status_is 77
nothing_delivered
tap_check "a valid token for another user: refused (username_attribute)"

# The initial responses as they go on the wire, too.
x2=$(printf 'user=%s\001auth=Bearer %s\001\001' "$TEST_USER" "$TOKEN" |
    base64 -w0)
ob=$(printf 'n,a=%s,\001host=%s\001port=%s\001auth=Bearer %s\001\001' \
    "$TEST_USER" "$TEST_HOST" "$DSUB_PORT" "$TOKEN" | base64 -w0)
for f in "$outs"/*; do
	for s in "$TOKEN" "$BAD" "${LONG:0:64}" "$x2" "$ob"; do
		grep -aqF -- "$s" "$f" &&
		    tap_why "a token is visible in $(basename "$f")"
	done
done
[ "$(ls "$outs" | wc -l)" -ge 18 ] || tap_why "outputs missing"
tap_check "no token in any stdout, stderr, -d trace or logfile"

tap_done
