/*
 * socks.c - SOCKS5 CONNECT (RFC 1928) with the "no authentication"
 * method, as msmtp's proxy_host does.  The name of the server is handed
 * to the proxy (ATYP 3) so that a proxy such as Tor resolves it: no DNS
 * query for it leaves this host.  Every read and write goes through an
 * iobuf with a deadline; reads ask for no more than the reply holds, so
 * the server's greeting stays in the socket for the session.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "iobuf.h"
#include "socks.h"

#define SOCKS_VERSION	5
#define SOCKS_NO_AUTH	0
#define SOCKS_CONNECT	1
#define ATYP_IPV4	1
#define ATYP_NAME	3
#define ATYP_IPV6	4

static const char *const socks_replies[] = {
	"succeeded",
	"general SOCKS server failure",
	"connection not allowed by ruleset",
	"network unreachable",
	"host unreachable",
	"connection refused",
	"TTL expired",
	"command not supported",
	"address type not supported",
};

const char *
socks_reply_text(int rep)
{
	if (rep >= 0 && (size_t)rep < UTIL_ARRAY_LEN(socks_replies))
		return socks_replies[rep];
	return "unknown error";
}

/* The CONNECT request for host:port into buf (at least 262 bytes). */
static size_t
socks_request(unsigned char *buf, const char *host, int port)
{
	size_t n = 0, len = strlen(host);

	buf[n++] = SOCKS_VERSION;
	buf[n++] = SOCKS_CONNECT;
	buf[n++] = 0;
	if (inet_pton(AF_INET, host, buf + n + 1) == 1) {
		buf[n] = ATYP_IPV4;
		n += 1 + 4;
	} else if (inet_pton(AF_INET6, host, buf + n + 1) == 1) {
		buf[n] = ATYP_IPV6;
		n += 1 + 16;
	} else {
		buf[n++] = ATYP_NAME;
		buf[n++] = (unsigned char)len;
		memcpy(buf + n, host, len);
		n += len;
	}
	buf[n++] = (unsigned char)(port >> 8);
	buf[n++] = (unsigned char)(port & 0xff);
	return n;
}

static int
socks_send(struct iobuf *io, const unsigned char *buf, size_t len,
    struct failure *f)
{
	if (iobuf_write(io, buf, len, f) < 0)
		return -1;
	return iobuf_flush(io, f);
}

/* Method selection: only "no authentication" is offered. */
static int
socks_hello(struct iobuf *io, struct failure *f)
{
	static const unsigned char hello[] = { SOCKS_VERSION, 1,
	    SOCKS_NO_AUTH };
	unsigned char r[2];

	if (socks_send(io, hello, sizeof(hello), f) < 0 ||
	    iobuf_read_exact(io, r, sizeof(r), f) < 0)
		return -1;
	if (r[0] != SOCKS_VERSION) {
		failure_set(f, FAIL_PROTOCOL, "not a SOCKS5 proxy (version "
		    "%d)", r[0]);
		return -1;
	}
	if (r[1] != SOCKS_NO_AUTH) {
		failure_set(f, FAIL_PROTOCOL, "the proxy wants authentication "
		    "(method %d), which postie does not offer", r[1]);
		return -1;
	}
	return 0;
}

/* The bound address that ends the reply: read and dropped. */
static int
socks_skip_addr(struct iobuf *io, int atyp, struct failure *f)
{
	unsigned char buf[256 + 2];
	size_t len;

	if (atyp == ATYP_IPV4)
		len = 4;
	else if (atyp == ATYP_IPV6)
		len = 16;
	else if (atyp == ATYP_NAME) {
		if (iobuf_read_exact(io, buf, 1, f) < 0)
			return -1;
		len = buf[0];
	} else {
		failure_set(f, FAIL_PROTOCOL, "bad address type %d in the "
		    "proxy's reply", atyp);
		return -1;
	}
	return iobuf_read_exact(io, buf, len + 2, f);
}

static int
socks_reply(struct iobuf *io, const char *host, int port, struct failure *f)
{
	unsigned char r[4];

	if (iobuf_read_exact(io, r, sizeof(r), f) < 0)
		return -1;
	if (r[0] != SOCKS_VERSION) {
		failure_set(f, FAIL_PROTOCOL, "bad SOCKS reply version %d",
		    r[0]);
		return -1;
	}
	if (r[1] != 0) {
		failure_set(f, FAIL_NET_TEMP, "cannot connect to %s, port %d: "
		    "%s", host, port, socks_reply_text(r[1]));
		return -1;
	}
	return socks_skip_addr(io, r[3], f);
}

int
socks_connect(int fd, const char *proxy, const char *host, int port,
    int timeout_ms, struct failure *f)
{
	struct transport t;
	struct iobuf *io;
	unsigned char req[4 + 1 + 255 + 2];
	int rc = -1;

	if (strlen(host) > 255) {
		failure_set(f, FAIL_CONFIG, "host name too long for a SOCKS "
		    "proxy: %.40s...", host);
		return -1;
	}
	iobuf_fd_transport(&t, fd);
	io = iobuf_new(&t, timeout_ms);
	if (socks_hello(io, f) == 0 &&
	    socks_send(io, req, socks_request(req, host, port), f) == 0 &&
	    socks_reply(io, host, port, f) == 0)
		rc = 0;
	iobuf_free(io);
	if (rc < 0)
		failure_prefix(f, "proxy %s", proxy);
	return rc;
}
