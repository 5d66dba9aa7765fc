/*
 * t_tls.c - the TLS client against gnutls-serv on loopback.
 *
 * The group setup makes two CAs and three server certificates (valid,
 * expired, not yet valid) with certtool in a temporary directory and runs
 * one gnutls-serv per certificate on an ephemeral port read from /proc.
 * If that fails, the cases that need a server are skipped.
 */
#include "config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "tls.h"
#include "tls_cert.h"

enum { SRV_GOOD, SRV_EXPIRED, SRV_FUTURE, SRV_LAST };

static struct {
	int ok;
	char dir[64];
	pid_t pid[SRV_LAST];
	int port[SRV_LAST];
} env;

static const char *const files[] = {
	"ca.key", "ca.pem", "ca.tmpl", "ca2.key", "ca2.pem", "ca2.tmpl",
	"srv.key", "srv.pem", "srv.tmpl", "old.pem", "old.tmpl", "new.pem",
	"new.tmpl", "junk.pem", "serv0.log", "serv1.log", "serv2.log",
};

/* Results stay valid for the next 15 calls: enough for one argv. */
static char *
path(const char *name)
{
	static char buf[16][128];
	static int i;

	i = (i + 1) % 16;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", env.dir, name);
	return buf[i];
}

static int
write_file(const char *name, const char *text)
{
	FILE *fp = fopen(path(name), "w");

	if (fp == NULL)
		return -1;
	fputs(text, fp);
	return fclose(fp);
}

/* Run argv with output to log (or /dev/null); wait unless background. */
static pid_t
spawn(char *const argv[], const char *log, int background)
{
	int status, fd;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		fd = open(log != NULL ? log : "/dev/null",
		    O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (background)
		return pid;
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	return 0;
}

static int
certtool(const char *what, const char *key, const char *tmpl,
    const char *out, int self_signed)
{
	char *argv[] = { "certtool", (char *)what, "--load-privkey",
	    path(key), "--template", path(tmpl), "--outfile", path(out),
	    "--load-ca-certificate", path("ca.pem"), "--load-ca-privkey",
	    path("ca.key"), NULL };

	if (self_signed)
		argv[8] = NULL;
	return spawn(argv, NULL, 0);
}

static int
make_key(const char *name)
{
	char *argv[] = { "certtool", "--generate-privkey", "--key-type=ecdsa",
	    "--outfile", path(name), NULL };

	return spawn(argv, NULL, 0);
}

#define LEAF "cn = \"localhost\"\ndns_name = \"localhost\"\n" \
	"ip_address = \"127.0.0.1\"\ntls_www_server\nsigning_key\n"

static int
make_certs(void)
{
	if (write_file("ca.tmpl", "cn = \"postie test CA\"\nca\n"
	    "cert_signing_key\nexpiration_days = 2\n") < 0 ||
	    write_file("ca2.tmpl", "cn = \"another test CA\"\nca\n"
	    "cert_signing_key\nexpiration_days = 2\n") < 0 ||
	    write_file("srv.tmpl", LEAF "expiration_days = 2\n") < 0 ||
	    write_file("old.tmpl", LEAF "activation_date = "
	    "\"2001-01-01 00:00:00 UTC\"\nexpiration_date = "
	    "\"2002-01-01 00:00:00 UTC\"\n") < 0 ||
	    write_file("new.tmpl", LEAF "activation_date = "
	    "\"2090-01-01 00:00:00 UTC\"\nexpiration_date = "
	    "\"2091-01-01 00:00:00 UTC\"\n") < 0 ||
	    write_file("junk.pem", "not a certificate\n") < 0)
		return -1;
	if (make_key("ca2.key") < 0 ||
	    certtool("--generate-self-signed", "ca2.key", "ca2.tmpl",
	    "ca2.pem", 1) < 0 || make_key("ca.key") < 0 ||
	    certtool("--generate-self-signed", "ca.key", "ca.tmpl",
	    "ca.pem", 1) < 0 || make_key("srv.key") < 0)
		return -1;
	return certtool("--generate-certificate", "srv.key", "srv.tmpl",
	    "srv.pem", 0) < 0 || certtool("--generate-certificate",
	    "srv.key", "old.tmpl", "old.pem", 0) < 0 ||
	    certtool("--generate-certificate", "srv.key", "new.tmpl",
	    "new.pem", 0) < 0 ? -1 : 0;
}

/* Is inode one of pid's sockets? */
static int
owns_socket(pid_t pid, unsigned long inode)
{
	char link[64], want[64], got[64];
	ssize_t n;
	int fd;

	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	for (fd = 0; fd < 64; fd++) {
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, fd);
		n = readlink(link, got, sizeof(got) - 1);
		if (n < 0)
			continue;
		got[n] = '\0';
		if (strcmp(got, want) == 0)
			return 1;
	}
	return 0;
}

/* The IPv4 port pid listens on, or 0 while it does not listen yet. */
static int
listening_port(pid_t pid)
{
	char line[512];
	unsigned int port, st;
	unsigned long inode;
	FILE *fp = fopen("/proc/net/tcp", "r");
	int found = 0;

	if (fp == NULL)
		return -1;
	while (!found && fgets(line, sizeof(line), fp) != NULL) {
		if (sscanf(line, " %*u: %*x:%x %*x:%*x %x %*s %*s %*s %*u %*u "
		    "%lu", &port, &st, &inode) == 3 && st == 0x0A &&
		    owns_socket(pid, inode))
			found = (int)port;
	}
	fclose(fp);
	return found;
}

static int
start_server(int which, const char *cert)
{
	char log[32];
	char *argv[] = { "gnutls-serv", "--echo", "--crlf", "-q", "-a",
	    "-p", "0", "--x509certfile", path(cert), "--x509keyfile",
	    path("srv.key"), NULL };
	int i, status;

	snprintf(log, sizeof(log), "serv%d.log", which);
	env.pid[which] = spawn(argv, path(log), 1);
	if (env.pid[which] < 0)
		return -1;
	for (i = 0; i < 500; i++) {
		env.port[which] = listening_port(env.pid[which]);
		if (env.port[which] != 0)
			return env.port[which] > 0 ? 0 : -1;
		if (waitpid(env.pid[which], &status, WNOHANG) != 0) {
			env.pid[which] = 0;
			return -1;
		}
		usleep(20000);
	}
	return -1;
}

static int
group_setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	struct failure f;

	(void)state;
	/* The test server uses GnuTLS before any tls_new(). */
	if (tls_library_init(&f) < 0)
		return -1;
	snprintf(env.dir, sizeof(env.dir), "%s/t_tls.XXXXXX",
	    tmp != NULL && strlen(tmp) < 40 ? tmp : "/tmp");
	if (mkdtemp(env.dir) == NULL)
		return -1;
	env.ok = make_certs() == 0 &&
	    start_server(SRV_GOOD, "srv.pem") == 0 &&
	    start_server(SRV_EXPIRED, "old.pem") == 0 &&
	    start_server(SRV_FUTURE, "new.pem") == 0;
	if (!env.ok)
		fprintf(stderr, "# certtool or gnutls-serv failed: the cases "
		    "that need a server are skipped\n");
	return 0;
}

static int
group_teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < SRV_LAST; i++) {
		if (env.pid[i] <= 0)
			continue;
		kill(env.pid[i], SIGTERM);
		waitpid(env.pid[i], NULL, 0);
	}
	for (i = 0; i < UTIL_ARRAY_LEN(files); i++)
		unlink(path(files[i]));
	rmdir(env.dir);
	return 0;
}

static int
connect_port(int port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	return fd;
}

struct conn {
	struct tls *t;
	int fd;
	struct failure f;
};

/* Handshake with server which; returns the result of tls_handshake. */
static int
handshake(struct conn *c, int which, const char *host, const char *ca,
    int certcheck)
{
	struct tls_options opt = { .host = host, .trust_file = path(ca),
	    .certcheck = certcheck };

	if (!env.ok)
		skip();
	memset(c, 0, sizeof(*c));
	c->t = tls_new(&opt, &c->f);
	assert_non_null(c->t);
	c->fd = connect_port(env.port[which]);
	return tls_handshake(c->t, c->fd, 5000, &c->f);
}

static void
conn_close(struct conn *c)
{
	tls_bye(c->t);
	tls_free(c->t);
	close(c->fd);
}

struct hs_case {
	const char *name;
	int server;
	const char *host;
	const char *ca;
	int certcheck;
	const char *reason;	/* NULL: the handshake succeeds */
};

static const struct hs_case hs_cases[] = {
	{ "right CA", SRV_GOOD, "localhost", "ca.pem", 1, NULL },
	{ "IP literal", SRV_GOOD, "127.0.0.1", "ca.pem", 1, NULL },
	{ "unknown issuer", SRV_GOOD, "localhost", "ca2.pem", 1,
	    "the certificate issuer is unknown" },
	{ "name mismatch", SRV_GOOD, "wrong.example", "ca.pem", 1,
	    "the certificate does not match the host name" },
	{ "expired", SRV_EXPIRED, "localhost", "ca.pem", 1,
	    "the certificate has expired" },
	{ "not yet valid", SRV_FUTURE, "localhost", "ca.pem", 1,
	    "the certificate is not yet valid" },
	{ "certcheck off", SRV_GOOD, "wrong.example", "ca2.pem", 0, NULL },
};

static void
test_handshake(void **state)
{
	const struct hs_case *hc = *state;
	const struct transport *tr;
	struct conn c;
	char want[256];

	if (hc->reason == NULL) {
		assert_int_equal(handshake(&c, hc->server, hc->host, hc->ca,
		    hc->certcheck), 0);
		tr = tls_transport(c.t);
		assert_non_null(tr);
		assert_int_equal(tr->fd, c.fd);
		assert_non_null(strstr(tls_summary(c.t), "(TLS1."));
		conn_close(&c);
		return;
	}
	assert_int_equal(handshake(&c, hc->server, hc->host, hc->ca,
	    hc->certcheck), -1);
	assert_int_equal(c.f.cls, FAIL_TLS);
	snprintf(want, sizeof(want), "TLS certificate verification failed "
	    "for %s: %s", hc->host, hc->reason);
	assert_string_equal(c.f.text, want);
	assert_null(tls_transport(c.t));
	conn_close(&c);
}

/* Push all of buf through the transport, polling as it asks. */
static void
send_all(const struct transport *tr, const char *buf, size_t len)
{
	struct pollfd pfd = { tr->fd, 0, 0 };
	struct failure f;
	ssize_t n;

	while (len > 0) {
		n = tr->ops->write(tr->ctx, buf, len, &f);
		assert_true(n > 0 || n == TRANSPORT_WANT_READ ||
		    n == TRANSPORT_WANT_WRITE);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		pfd.events = n == TRANSPORT_WANT_WRITE ? POLLOUT : POLLIN;
		assert_int_equal(poll(&pfd, 1, 5000), 1);
	}
}

/* Read exactly len bytes, chunk bytes at a time. */
static void
recv_all(const struct transport *tr, char *buf, size_t len, size_t chunk)
{
	struct pollfd pfd = { tr->fd, 0, 0 };
	struct failure f;
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = tr->ops->read(tr->ctx, buf + got,
		    len - got < chunk ? len - got : chunk, &f);
		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		assert_true(n == TRANSPORT_WANT_READ ||
		    n == TRANSPORT_WANT_WRITE);
		/* Bytes of a record already received are never waited on. */
		assert_int_equal(got, 0);
		pfd.events = n == TRANSPORT_WANT_WRITE ? POLLOUT : POLLIN;
		assert_int_equal(poll(&pfd, 1, 5000), 1);
	}
}

static void
test_echo_round_trip(void **state)
{
	static const char line[] = "EHLO postie.example\r\n";
	char back[sizeof(line)];
	struct conn c;

	(void)state;
	assert_int_equal(handshake(&c, SRV_GOOD, "localhost", "ca.pem", 1),
	    0);
	send_all(tls_transport(c.t), line, sizeof(line) - 1);
	memset(back, 0, sizeof(back));
	recv_all(tls_transport(c.t), back, sizeof(line) - 1, sizeof(back));
	assert_string_equal(back, line);
	conn_close(&c);
}

/* One record read a byte at a time: the rest waits inside GnuTLS. */
static void
test_small_reads(void **state)
{
	static const char line[] = "MAIL FROM:<a@example.org>\r\n";
	char back[sizeof(line)];
	struct conn c;

	(void)state;
	assert_int_equal(handshake(&c, SRV_GOOD, "localhost", "ca.pem", 1),
	    0);
	send_all(tls_transport(c.t), line, sizeof(line) - 1);
	memset(back, 0, sizeof(back));
	recv_all(tls_transport(c.t), back, sizeof(line) - 1, 1);
	assert_string_equal(back, line);
	conn_close(&c);
}

static void
test_trust_file_missing(void **state)
{
	struct tls_options opt = { .host = "localhost",
	    .trust_file = "/nonexistent/ca.pem", .certcheck = 1 };
	struct failure f;

	(void)state;
	assert_null(tls_new(&opt, &f));
	assert_int_equal(f.cls, FAIL_CONFIG);
	assert_string_equal(f.text, "tls_trust_file /nonexistent/ca.pem: "
	    "cannot read: No such file or directory");
}

/* The system store loads; nothing is usable before a handshake. */
static void
test_system_store(void **state)
{
	struct tls_options opt = { .host = "localhost", .certcheck = 1 };
	struct failure f;
	struct tls *t;

	(void)state;
	t = tls_new(&opt, &f);
	assert_non_null(t);
	assert_null(tls_transport(t));
	assert_string_equal(tls_summary(t), "");
	tls_bye(t);
	tls_free(t);
	tls_free(NULL);
	tls_bye(NULL);
}

static void
test_trust_file_junk(void **state)
{
	struct tls_options opt = { .host = "localhost", .certcheck = 1 };
	struct failure f;
	char want[256];

	(void)state;
	if (!env.ok)
		skip();
	opt.trust_file = path("junk.pem");
	assert_null(tls_new(&opt, &f));
	assert_int_equal(f.cls, FAIL_CONFIG);
	snprintf(want, sizeof(want), "tls_trust_file %s: cannot read: ",
	    opt.trust_file);
	assert_memory_equal(f.text, want, strlen(want));
}

/* A loopback listener the test drives itself; returns its port. */
static int
listener(int *lfd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	*lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(*lfd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(*lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(*lfd, 4), 0);
	assert_int_equal(getsockname(*lfd, (struct sockaddr *)&sin, &len), 0);
	return ntohs(sin.sin_port);
}

/* Handshake against a peer that does what act says, then check f. */
static void
expect_peer(const char *act, int timeout_ms, enum fail_class cls,
    const char *text)
{
	struct tls_options opt = { .host = "localhost" };
	struct failure f;
	struct tls *t;
	int lfd, fd, peer = -1;

	fd = connect_port(listener(&lfd));
	if (*act != '\0') {
		peer = accept(lfd, NULL, NULL);
		assert_true(peer >= 0);
		if (strcmp(act, "close") != 0)
			assert_int_equal(write(peer, act, strlen(act)),
			    (ssize_t)strlen(act));
		close(peer);
	}
	t = tls_new(&opt, &f);
	assert_non_null(t);
	assert_int_equal(tls_handshake(t, fd, timeout_ms, &f), -1);
	assert_int_equal(f.cls, cls);
	assert_string_equal(f.text, text);
	tls_free(t);
	close(fd);
	close(lfd);
}

static void
test_timeout(void **state)
{
	long long start = util_now_ms();

	(void)state;
	expect_peer("", 300, FAIL_NET_TEMP,
	    "TLS handshake with localhost timed out");
	assert_true(util_now_ms() - start >= 250);
	assert_true(util_now_ms() - start < 3000);
}

static void
test_peer_closes(void **state)
{
	(void)state;
	expect_peer("close", 5000, FAIL_NET_TEMP, "TLS handshake with "
	    "localhost failed: the server closed the connection");
}

static void
test_peer_not_tls(void **state)
{
	(void)state;
	expect_peer("220 mail.example.org ESMTP\r\n", 5000, FAIL_TLS,
	    "TLS handshake with localhost failed: An unexpected TLS packet "
	    "was received.");
}

/* What --serverinfo needs, and the binding SCRAM-PLUS needs. */
static void
test_peer_info(void **state)
{
	struct tls_cert_info info;
	struct failure f;
	const char *type;
	char *cb = NULL;
	struct conn c;

	(void)state;
	assert_int_equal(handshake(&c, SRV_GOOD, "localhost", "ca.pem", 1),
	    0);
	assert_int_equal(tls_peer_info(c.t, &info, &f), 0);
	assert_string_equal(info.subject, "CN=localhost");
	assert_string_equal(info.issuer, "CN=postie test CA");
	assert_true(info.not_before <= time(NULL));
	assert_true(info.not_after > time(NULL));
	assert_int_equal(strlen(info.sha256), 32 * 3 - 1);
	assert_int_equal(strncmp(info.pin, "sha256//", 8), 0);
	assert_int_equal(strlen(info.pin), 8 + 44);
	/* The pin it shows is one the check accepts. */
	assert_int_equal(tls_cert_pins_ok(info.pin, &f), 0);
	assert_int_equal(tls_resumed(c.t), 0);
	assert_int_equal(tls_channel_binding(c.t, &type, &cb), 0);
	assert_string_equal(type, "tls-exporter");
	assert_true(strlen(cb) >= 44);
	free(cb);
	tls_cert_info_clear(&info);
	conn_close(&c);
}

struct pin_case {
	const char *value;
	int fingerprint;	/* else a pin list */
	int ok, weak;
};

static const struct pin_case pin_cases[] = {
	{ "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:"
	    "55:66:77:88:99:AA:BB:CC:DD:EE:FF", 1, 1, 0 },
	{ "00112233445566778899aabbccddeeff0011223344556677889900112233445"
	    "5", 1, 1, 0 },
	{ "00112233445566778899aabbccddeeff001122334455667788990011223344"
	    "5", 1, 0, 0 },
	{ "0011223344556677889900112233445566778899", 1, 1, 1 },
	{ "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff", 1, 1, 1 },
	{ "00:11:22", 1, 0, 0 },
	{ "zz:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff", 1, 0, 0 },
	{ "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 0, 1, 0 },
	{ "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= ; "
	    "SHA256//BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=", 0, 1, 0 },
	{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 0, 0, 0 },
	{ "sha256//AAAA", 0, 0, 0 },
	{ "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=;", 0, 0, 0 },
};

static void
test_pin_syntax(void **state)
{
	struct failure f;
	size_t i;
	int weak, rc;

	(void)state;
	for (i = 0; i < UTIL_ARRAY_LEN(pin_cases); i++) {
		weak = -1;
		rc = pin_cases[i].fingerprint ?
		    tls_cert_fingerprint_ok(pin_cases[i].value, &weak, &f) :
		    tls_cert_pins_ok(pin_cases[i].value, &f);
		assert_int_equal(rc, pin_cases[i].ok ? 0 : -1);
		if (!pin_cases[i].ok)
			assert_int_equal(f.cls, FAIL_CONFIG);
		else if (pin_cases[i].fingerprint)
			assert_int_equal(weak, pin_cases[i].weak);
	}
}

/* A PKCS#11 URI shown anywhere keeps its attributes but not its PIN. */
static void
test_hide_pin(void **state)
{
	static const struct {
		const char *in, *out;
	} c[] = {
		{ "/home/u/key.pem", "/home/u/key.pem" },
		{ "pin-value=1", "pin-value=1" },
		{ "pkcs11:object=k;type=private?pin-value=1234",
		    "pkcs11:object=k;type=private?pin-value=*" },
		{ "pkcs11:pin-value=12:34;object=k",
		    "pkcs11:pin-value=*;object=k" },
		{ "PKCS11:token=t?pin-source=/f&pin-value=9&x=1",
		    "PKCS11:token=t?pin-source=/f&pin-value=*&x=1" },
		{ "pkcs11:object=pin-value=7", "pkcs11:object=pin-value=7" },
		{ "pkcs11:", "pkcs11:" },
	};
	size_t i;
	char *got;

	(void)state;
	assert_null(util_hide_pin(NULL));
	for (i = 0; i < UTIL_ARRAY_LEN(c); i++) {
		got = util_hide_pin(c[i].in);
		assert_string_equal(got, c[i].out);
		free(got);
	}
}

/* Session file names land on disk: a PIN must not change or reach them. */
static void
test_session_name_pin(void **state)
{
	char *a, *b;

	(void)state;
	a = tls_cert_session_name("/c/s", "pkcs11:object=c;type=cert",
	    "pkcs11:object=k;type=private?pin-value=1234");
	b = tls_cert_session_name("/c/s", "pkcs11:object=c;type=cert",
	    "pkcs11:object=k;type=private?pin-value=5678");
	assert_non_null(a);
	assert_string_equal(a, b);
	free(b);
	b = tls_cert_session_name("/c/s", "pkcs11:object=c;type=cert",
	    "pkcs11:object=j;type=private?pin-value=1234");
	assert_string_not_equal(a, b);
	free(a);
	free(b);
}

/* A key that cannot be loaded is named in the message without its PIN. */
static void
test_pkcs11_error_hides_pin(void **state)
{
	struct tls_options opt = { .host = "localhost", .certcheck = 0,
	    .cert_file = "pkcs11:token=no%20such%20token;object=c;type=cert",
	    .key_file = "pkcs11:token=no%20such%20token;object=c;"
	    "type=private?pin-value=24680" };
	struct failure f;

	(void)state;
	assert_null(tls_new(&opt, &f));
	assert_int_equal(f.cls, FAIL_CONFIG);
	assert_non_null(strstr(f.text, "type=private?pin-value=*: cannot "
	    "load: "));
	assert_null(strstr(f.text, "24680"));
}

/* A hung handshake must fail the run, not leave servers behind. */
static void
watchdog(int sig)
{
	size_t i;

	(void)sig;
	for (i = 0; i < SRV_LAST; i++)
		if (env.pid[i] > 0)
			kill(env.pid[i], SIGTERM);
	_exit(1);
}

#define HS(i) { hs_cases[i].name, test_handshake, NULL, NULL, \
	(void *)&hs_cases[i] }

int
main(void)
{
	const struct CMUnitTest tests[] = {
		HS(0), HS(1), HS(2), HS(3), HS(4), HS(5), HS(6),
		cmocka_unit_test(test_echo_round_trip),
		cmocka_unit_test(test_small_reads),
		cmocka_unit_test(test_trust_file_missing),
		cmocka_unit_test(test_system_store),
		cmocka_unit_test(test_trust_file_junk),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_peer_closes),
		cmocka_unit_test(test_peer_not_tls),
		cmocka_unit_test(test_peer_info),
		cmocka_unit_test(test_pin_syntax),
		cmocka_unit_test(test_hide_pin),
		cmocka_unit_test(test_session_name_pin),
		cmocka_unit_test(test_pkcs11_error_hides_pin),
	};

	_Static_assert(UTIL_ARRAY_LEN(hs_cases) == 7, "HS() list");
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, watchdog);
	alarm(120);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
