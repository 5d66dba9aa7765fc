# Shared by scripts/try and scripts/test: packages and the build.
# shellcheck shell=bash

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Debian packages postie needs to build and to run its tests.
POSTIE_BUILD_PKGS="build-essential autoconf automake pkg-config
	libgnutls28-dev libgsasl-dev libidn2-dev libcmocka-dev"
POSTIE_TEST_PKGS="postfix dovecot-core gnutls-bin php-cli python3 groff-base
	ca-certificates procps iproute2 msmtp bsd-mailx s-nail neomutt git
	git-email libmailtools-perl cron clang libclang-rt-14-dev valgrind
	php-symfony-mailer dante-server dovecot-lmtpd strace
	libsecret-1-dev gnome-keyring libsecret-tools dbus openssl
	gsasl python3-openssl krb5-kdc krb5-admin-server krb5-user
	dovecot-submissiond softhsm2 time linux-perf util-linux"

# Install whatever of the named packages is missing.
install_missing() {
	local missing="" p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q "install ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "missing packages:$missing (run as root to install)" >&2
		return 1
	fi
	echo "installing:$missing"
	# Postfix must not set itself up as the system's mail server.
	echo "postfix postfix/main_mailer_type select No configuration" |
		debconf-set-selections
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null &&
		apt-get install -y -qq --no-install-recommends $missing \
			>/dev/null
}

# build DIR [configure args...]: an out-of-tree build in $top/DIR.
build() {
	local dir=$1
	shift
	if [ -f "$top/config.status" ]; then
		# An in-tree configure blocks out-of-tree builds.
		(cd "$top" && make distclean >/dev/null 2>&1 || true)
	fi
	if [ ! -x "$top/configure" ] || [ "$top/configure.ac" -nt "$top/configure" ] ||
		[ "$top/Makefile.am" -nt "$top/Makefile.in" ]; then
		# Builds in several directories may start at once.
		(cd "$top" && flock "$top/.autoreconf.lock" \
			autoreconf -fi >/dev/null 2>&1) || {
			(cd "$top" && autoreconf -fi)
			return 1
		}
	fi
	mkdir -p "$top/$dir"
	# Configure again when the arguments changed since the last time.
	if [ "$*" != "$(cat "$top/$dir/.configure-args" 2>/dev/null)" ]; then
		rm -f "$top/$dir/Makefile"
	fi
	(cd "$top/$dir" &&
		{ [ -f Makefile ] || { "$top/configure" -q "$@" &&
			printf '%s\n' "$*" >.configure-args; }; } &&
		make -s -j"$(nproc)" all >/dev/null &&
		make -s -j"$(nproc)" check TESTS= >/dev/null) || {
		echo "build in $dir failed:" >&2
		(cd "$top/$dir" && make -j1 all check TESTS= 2>&1 | tail -40) >&2
		return 1
	}
}
