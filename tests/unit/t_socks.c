/*
 * t_socks.c - unit tests for the SOCKS5 client.  Each named case is a
 * scripted proxy on the other end of a socketpair (a child process): the
 * exact request bytes it must receive, and the bytes it answers with.
 * The client must send exactly the expected bytes, leave whatever follows
 * the proxy's reply unread (the server's greeting), and report refusals
 * with the right class.
 */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "socks.h"

#define HELLO "\x05\x01\x00"
#define BYTES(s) s, sizeof(s) - 1

struct socks_case {
	const char *name;
	const char *host;
	int port;
	const char *hello_reply;	/* 2 bytes */
	const char *request;		/* expected after the hello */
	size_t request_len;
	const char *reply;		/* sent back after the request */
	size_t reply_len;
	enum fail_class cls;		/* FAIL_NONE: must succeed */
	const char *text;		/* substring of the failure text */
};

static const struct socks_case cases[] = {
	{ "name_goes_to_the_proxy", "mx.example.org", 587, "\x05\x00",
	    BYTES("\x05\x01\x00\x03\x0e" "mx.example.org" "\x02\x4b"),
	    BYTES("\x05\x00\x00\x01\x7f\x00\x00\x01\x04\xd2"
	    "220 greeting\r\n"), FAIL_NONE, NULL },
	{ "ipv4_literal", "192.0.2.7", 25, "\x05\x00",
	    BYTES("\x05\x01\x00\x01\xc0\x00\x02\x07\x00\x19"),
	    BYTES("\x05\x00\x00\x03\x04host\x00\x19" "220 greeting\r\n"),
	    FAIL_NONE, NULL },
	{ "ipv6_literal", "::1", 465, "\x05\x00",
	    BYTES("\x05\x01\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	    "\x00\x00\x00\x00\x00\x01\x01\xd1"),
	    BYTES("\x05\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	    "\x00\x00\x00\x00\x00\x01\x01\xd1" "220 greeting\r\n"),
	    FAIL_NONE, NULL },
	{ "connection_refused", "mx.example.org", 25, "\x05\x00",
	    BYTES("\x05\x01\x00\x03\x0e" "mx.example.org" "\x00\x19"),
	    BYTES("\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00"),
	    FAIL_NET_TEMP, "cannot connect to mx.example.org, port 25: "
	    "connection refused" },
	{ "host_unreachable", "mx.example.org", 25, "\x05\x00",
	    BYTES("\x05\x01\x00\x03\x0e" "mx.example.org" "\x00\x19"),
	    BYTES("\x05\x04\x00\x01\x00\x00\x00\x00\x00\x00"),
	    FAIL_NET_TEMP, "host unreachable" },
	{ "wants_authentication", "mx.example.org", 25, "\x05\xff",
	    NULL, 0, NULL, 0, FAIL_PROTOCOL, "wants authentication" },
	{ "not_socks5", "mx.example.org", 25, "\x04\x00",
	    NULL, 0, NULL, 0, FAIL_PROTOCOL, "not a SOCKS5 proxy" },
	{ "closed_mid_reply", "mx.example.org", 25, "\x05\x00",
	    BYTES("\x05\x01\x00\x03\x0e" "mx.example.org" "\x00\x19"),
	    BYTES("\x05\x00\x00"), FAIL_NET_TEMP, "closed" },
	{ "bad_address_type", "mx.example.org", 25, "\x05\x00",
	    BYTES("\x05\x01\x00\x03\x0e" "mx.example.org" "\x00\x19"),
	    BYTES("\x05\x00\x00\x09"), FAIL_PROTOCOL, "bad address type 9" },
};

/* Read exactly len bytes; 0 or -1. */
static int
read_all(int fd, char *buf, size_t len)
{
	ssize_t n;
	size_t got = 0;

	while (got < len) {
		n = read(fd, buf + got, len - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* The proxy: exit 0 if it got what the case expects, 1 if not. */
static void
proxy(int fd, const struct socks_case *c)
{
	char buf[512];

	if (read_all(fd, buf, 3) < 0 || memcmp(buf, HELLO, 3) != 0)
		_exit(1);
	if (write(fd, c->hello_reply, 2) != 2)
		_exit(1);
	if (c->request == NULL)
		_exit(0);
	if (read_all(fd, buf, c->request_len) < 0 ||
	    memcmp(buf, c->request, c->request_len) != 0)
		_exit(1);
	/* One write: the reply and the greeting arrive together. */
	if (write(fd, c->reply, c->reply_len) != (ssize_t)c->reply_len)
		_exit(1);
	_exit(0);
}

static void
test_case(void **state)
{
	const struct socks_case *c = *state;
	struct failure f;
	char buf[32];
	int sv[2], status, rc;
	pid_t pid;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* The client's end is non-blocking, as net.c makes it. */
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		proxy(sv[1], c);
	}
	close(sv[1]);
	failure_clear(&f);
	rc = socks_connect(sv[0], "proxy.test", c->host, c->port, 5000, &f);
	if (c->cls == FAIL_NONE) {
		assert_int_equal(rc, 0);
		/* The greeting is still there for the session to read. */
		assert_int_equal(read_all(sv[0], buf, 14), 0);
		assert_memory_equal(buf, "220 greeting\r\n", 14);
	} else {
		assert_int_equal(rc, -1);
		assert_int_equal(f.cls, c->cls);
		assert_non_null(strstr(f.text, c->text));
		assert_true(strncmp(f.text, "proxy proxy.test: ", 18) == 0);
	}
	close(sv[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* A proxy that never answers: the step timeout ends the wait. */
static void
test_timeout(void **state)
{
	struct failure f;
	long long start = util_now_ms();
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    sv), 0);
	failure_clear(&f);
	assert_int_equal(socks_connect(sv[0], "proxy.test", "mx.example.org",
	    25, 300, &f), -1);
	assert_int_equal(f.cls, FAIL_NET_TEMP);
	assert_true(util_now_ms() - start < 3000);
	close(sv[0]);
	close(sv[1]);
}

/* A name too long for the one-byte length field is refused locally. */
static void
test_long_name(void **state)
{
	char host[300];
	struct failure f;

	(void)state;
	memset(host, 'a', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	failure_clear(&f);
	assert_int_equal(socks_connect(-1, "proxy.test", host, 25, 300, &f),
	    -1);
	assert_int_equal(f.cls, FAIL_CONFIG);
}

int
main(void)
{
	struct CMUnitTest tests[UTIL_ARRAY_LEN(cases) + 2];
	size_t i;

	for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
		memset(&tests[i], 0, sizeof(tests[i]));
		tests[i].name = cases[i].name;
		tests[i].test_func = test_case;
		tests[i].initial_state = (void *)&cases[i];
	}
	tests[i++] = (struct CMUnitTest){ "timeout", test_timeout, NULL, NULL,
	    NULL };
	tests[i++] = (struct CMUnitTest){ "long_name", test_long_name, NULL,
	    NULL, NULL };
	return cmocka_run_group_tests_name("socks", tests, NULL, NULL);
}
