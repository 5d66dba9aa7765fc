#!/usr/bin/env bash
# t_sysconf.sh - the system configuration file (SYSCONFDIR/msmtprc) as
# msmtp reads it: used when the user has none, read first so that the
# user's accounts override it, and its accounts found by -a and by the
# envelope sender.  The system file's directory is replaced by a private
# tmpfs in a mount namespace (unshare -m), so nothing outside changes;
# that needs root.  --pretend shows the account chosen.  TAP.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/tap
. "$top/tests/lib/tap"
POSTIE=${POSTIE:-$top/postie}
[ -x "$POSTIE" ] || tap_bail "no program at $POSTIE (set POSTIE)"

if [ "${1:-}" != --inside ]; then
	[ "$(id -u)" = 0 ] || tap_skip_all "needs root for a mount namespace"
	command -v unshare >/dev/null ||
		tap_skip_all "unshare (util-linux) is not installed"
	sys=$("$POSTIE" --version | sed -n 's/^system configuration file: //p')
	[ -n "$sys" ] || tap_bail "postie --version names no system file"
	[ -d "$(dirname "$sys")" ] ||
		tap_skip_all "$(dirname "$sys") does not exist to mount over"
	exec unshare -m --propagation private "$0" --inside "$sys"
fi
sys=$2
mount -t tmpfs postie-test "$(dirname "$sys")" || tap_bail "mount tmpfs"
T=$(mktemp -d "${TMPDIR:-/tmp}/postie-sysconf.XXXXXX") || tap_bail mktemp
trap 'rm -rf "$T"' EXIT
export HOME=$T/home XDG_CONFIG_HOME=$T/home/.config
mkdir -p "$HOME"
tap_plan 5

cat >"$sys" <<RC
defaults
tls off
account default
host sys-default.example
from root@sys.example
account sysonly
host sys-only.example
from ops@sys.example
account shared
host sys-shared.example
RC
chmod 644 "$sys"

# pretend ARGS...: the host and the file of the account postie chose.
pretend() {
	"$POSTIE" --pretend "$@" rcpt@example.org 2>&1 </dev/null |
		sed -n -e 's/^using account \([^ ]*\) from /\1 /p' \
		    -e 's/^host = //p' | tr '\n' ' '
}
check() {	# check NAME WANT GOT
	if [ "$2" = "$3" ]; then tap_ok "$1"; else
		tap_fail "$1" "want: $2" "got:  $3"; fi
}

check "no user file: the system file's default account" \
	"default $sys sys-default.example " "$(pretend)"
check "-a finds an account of the system file" \
	"sysonly $sys sys-only.example " "$(pretend -a sysonly)"
check "-f chooses a system account by its from" \
	"sysonly $sys sys-only.example " "$(pretend -f ops@sys.example)"

cat >"$HOME/.msmtprc" <<RC
account shared
host user-shared.example
from me@user.example
RC
chmod 600 "$HOME/.msmtprc"
check "the user's account overrides the system's of the same name" \
	"shared $HOME/.msmtprc user-shared.example " "$(pretend -a shared)"
check "with a user file, the system default still applies" \
	"default $sys sys-default.example " "$(pretend)"
tap_done
