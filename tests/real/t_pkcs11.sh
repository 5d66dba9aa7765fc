#!/bin/bash
# t_pkcs11.sh: a client certificate and key on a PKCS#11 token.
#
# A SoftHSM2 token lives in this test's own directory (SOFTHSM2_CONF names
# a config file with its own tokendir); the client key and certificate
# made by scripts/mkcerts for the real Postfix are imported into it with
# p11tool.  postie then names them with RFC 7512 URIs in tls_cert_file
# and tls_key_file, the PIN given as pin-value, and delivers through
# Postfix's CCERT_PORT (tests/lib/realserver), which requires a client
# certificate from the test CA.
#
# GnuTLS finds PKCS#11 modules through p11-kit.  Debian's softhsm2-common
# registers SoftHSM2 there (/usr/share/p11-kit/modules/softhsm2.module);
# a private p11-kit configuration is no way round that, because p11-kit
# reads no user configuration in a process running as root, and these
# tests run as root.  The test checks that GnuTLS sees the token through
# p11-kit and skips, saying so, if it does not.
#
# No output of postie (stdout, stderr, -d trace, logfile, -P listing) nor
# the name of a TLS session file may hold the PIN.  Output is TAP.
#
# POSTIE=/path/to/postie, POSTIE_BUILD=builddir, REALSERVER_DIR=running
# instance (see tests/lib/realtest).  Packages: softhsm2, gnutls-bin.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap"
. "$here/../lib/realserver"
. "$here/../lib/realtest"

for b in softhsm2-util p11tool; do
	command -v "$b" >/dev/null 2>&1 ||
	    tap_skip_all "$b not found (packages softhsm2 gnutls-bin)"
done
MODULE=""
for m in /usr/lib/softhsm/libsofthsm2.so \
    /usr/lib/*/softhsm/libsofthsm2.so /usr/local/lib/softhsm/libsofthsm2.so
do
	[ -f "$m" ] && MODULE=$m && break
done
[ -n "$MODULE" ] || tap_skip_all "libsofthsm2.so not found (package softhsm2)"

rt_setup
[ -n "${CCERT_PORT:-}" ] ||
    tap_skip_all "the server in REALSERVER_DIR predates CCERT_PORT"

# ---- the token ----------------------------------------------------------

hex() {
	od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}
TOKEN=postie-test-$(hex 3)
PIN=Pin-$(hex 6)
WRONG=Bad-$(hex 6)
mkdir -m 0700 "$RT_WORK/tokens"
export SOFTHSM2_CONF=$RT_WORK/softhsm2.conf
printf '%s\n' "directories.tokendir = $RT_WORK/tokens" \
    "objectstore.backend = file" "log.level = ERROR" >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label "$TOKEN" --pin "$PIN" \
    --so-pin "so-$PIN" >"$RT_WORK/token.log" 2>&1 ||
    tap_bail "softhsm2-util --init-token: $(cat "$RT_WORK/token.log")"
# p11tool reads the PIN from GNUTLS_PIN; it talks to the module directly.
for what in privkey:"$CLIENT_KEY" certificate:"$CLIENT_CERT"; do
	GNUTLS_PIN=$PIN p11tool --provider "$MODULE" --login --write \
	    --label client --load-"${what%%:*}" "${what#*:}" \
	    "pkcs11:token=$TOKEN" >>"$RT_WORK/token.log" 2>&1 ||
	    tap_bail "p11tool --load-${what%%:*}: $(tail -n 3 \
	    "$RT_WORK/token.log")"
done
# What postie's GnuTLS will see: the token through p11-kit.
p11tool --list-tokens 2>/dev/null | grep -q "token=$TOKEN\$" ||
    tap_skip_all "GnuTLS does not see the SoftHSM2 token through p11-kit" \
    "(no softhsm2.module registered with p11-kit?)"

tap_plan 8

OBJ="pkcs11:token=$TOKEN;object=client"
CERT_URI="$OBJ;type=cert"
KEY_URI="$OBJ;type=private"
rcdir=$RT_WORK/rc
outs=$RT_WORK/outs
mkdir -p "$outs"
n=0
# run NAME DEBUG KEY=VALUE...: rt_run against CCERT_PORT (with -d if DEBUG
# is "-d"); keeps the outputs
run() {
	local name=$1 debug=$2
	shift 2
	n=$((n + 1))
	rt_account "$CCERT_PORT" "logfile=$outs/$n.log" auth=off user= \
	    password= "$@" | rt_rc "$rcdir/$name"
	rt_run "$rcdir/$name" $debug grace@example.org \
	    < <(printf 'Subject: %s\n\nx\n' "$name")
	cp "$RT_OUT" "$outs/$n.out"
	cp "$RT_ERR" "$outs/$n.err"
}
# delivered: one message arrived, and Postfix verified a client
# certificate for it (smtpd_tls_received_header).
delivered() {
	local why f
	why=$(rs_wait_messages 1) || { tap_why "$why"; return; }
	f=$(rs_messages | head -n 1)
	rs_header "$f" Received | grep -qF \
	    "(Client CN \"$TEST_USER\", Issuer \"postie test CA\" (verified OK))" ||
	    tap_why "no verified client certificate in Received:" \
	    "$(rs_header "$f" Received | head -n 1)"
}
nothing_delivered() {
	local why
	why=$(rs_queue_idle 10) || tap_why "$why"
	[ "$(rs_count)" -eq 0 ] ||
	    tap_why "$(rs_count) message(s) delivered, expected none"
}
# one_line_error RE: stderr is exactly one line, and it matches RE.
one_line_error() {
	[ "$(wc -l <"$RT_ERR")" -eq 1 ] ||
	    tap_why "stderr has $(wc -l <"$RT_ERR") lines, expected 1:" \
	    "$(head -c 600 "$RT_ERR")"
	grep -qE -- "$1" "$RT_ERR" ||
	    tap_why "stderr lacks /$1/: $(head -c 600 "$RT_ERR")"
}

# ---- delivery -----------------------------------------------------------

rs_clear
run query -d tls_cert_file="$CERT_URI" \
    tls_key_file="$KEY_URI?pin-value=$PIN"
rt_status_is 0
delivered
tap_check "PKCS#11 URIs, PIN as ?pin-value=: delivered, certificate seen"

# p11-kit also takes pin-value among the path attributes.
rs_clear
run path -d tls_cert_file="$CERT_URI" tls_key_file="$KEY_URI;pin-value=$PIN"
rt_status_is 0
delivered
tap_check "PKCS#11 URIs, PIN as ;pin-value=: delivered, certificate seen"

# GnuTLS takes pin-source as a plain path and the whole file as the PIN.
(umask 077 && printf '%s' "$PIN" >"$RT_WORK/pin")
rs_clear
run source -d tls_cert_file="$CERT_URI" \
    tls_key_file="$KEY_URI?pin-source=$RT_WORK/pin"
rt_status_is 0
delivered
tap_check "PKCS#11 URIs, PIN from a file (pin-source): delivered"

# ---- failures -----------------------------------------------------------

rs_clear
run wrongpin "" tls_cert_file="$CERT_URI" \
    tls_key_file="$KEY_URI?pin-value=$WRONG"
rt_status_is 78
one_line_error "tls_key_file $KEY_URI\\?pin-value=\\*: cannot load: .*PIN"
grep -qF -- "$WRONG" "$outs/$n.err" "$outs/$n.log" 2>/dev/null &&
    tap_why "the wrong PIN is visible"
nothing_delivered
tap_check "wrong PIN: exit 78, one line naming the URI, PIN hidden"

rs_clear
run nopin "" tls_cert_file="$CERT_URI" tls_key_file="$KEY_URI"
rt_status_is 78
one_line_error "tls_key_file $KEY_URI: cannot load: .*no PIN"
nothing_delivered
tap_check "no PIN: exit 78, the message says so"

rs_clear
run noobject "" tls_cert_file="pkcs11:token=$TOKEN;object=nosuch;type=cert" \
    tls_key_file="pkcs11:token=$TOKEN;object=nosuch;type=private?pin-value=$PIN"
rt_status_is 78
one_line_error "tls_cert_file pkcs11:token=$TOKEN;object=nosuch;type=cert / \
tls_key_file .*object=nosuch;type=private\\?pin-value=\\*: cannot load: "
nothing_delivered
tap_check "URIs naming no object: exit 78, one line naming them"

# ---- the PIN stays hidden -----------------------------------------------

rt_run "$rcdir/query" -P grace@example.org </dev/null
cp "$RT_OUT" "$outs/pretend.out"
cp "$RT_ERR" "$outs/pretend.err"
rt_status_is 0
grep -qxF "tls_key_file = $KEY_URI?pin-value=*" "$RT_OUT" ||
    tap_why "-P: $(grep tls_key_file "$RT_OUT")"
tap_check "-P lists the key URI with the PIN hidden"

for f in "$outs"/*; do
	grep -aqF -e "$PIN" -e "$WRONG" "$f" &&
	    tap_why "a PIN is visible in $(basename "$f")"
done
[ "$(ls "$outs" | wc -l)" -ge 14 ] || tap_why "outputs missing"
[ -d "$XDG_CACHE_HOME" ] && find "$XDG_CACHE_HOME" | grep -F -e "$PIN" \
    -e "$WRONG" && tap_why "a PIN is in a session file name"
grep -aqF -e "$PIN" -e "$WRONG" -r "$XDG_CACHE_HOME" 2>/dev/null &&
    tap_why "a PIN is in a session file"
tap_check "no PIN in any stdout, stderr, -d trace, logfile or session file"

tap_done
