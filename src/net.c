/*
 * net.c - name lookup and a non-blocking connect with a timeout: TCP to
 * every address of the host in turn, a unix socket, or a SOCKS5 proxy.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "net.h"
#include "socks.h"

static int
net_gai(const char *host, const char *service, int flags,
    struct addrinfo **res)
{
	struct addrinfo hints;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = flags;
	return getaddrinfo(host, service, &hints, res);
}

/*
 * An IP literal needs no lookup, and AI_ADDRCONFIG would refuse 127.0.0.1
 * or ::1 on a host whose only address is the loopback one; for a name it
 * keeps IPv6 addresses away from an IPv4-only host.  A name it rejects is
 * tried once more without it, for the same loopback-only hosts.
 */
static int
net_lookup(const char *host, int port, int flags, struct addrinfo **res,
    struct failure *f)
{
	char service[16];
	int rc;

	snprintf(service, sizeof(service), "%d", port);
	rc = net_gai(host, service, flags | AI_NUMERICHOST, res);
	if (rc == 0)
		return 0;
	rc = net_gai(host, service, flags | AI_ADDRCONFIG, res);
	if (rc != 0 && rc != EAI_AGAIN && rc != EAI_MEMORY && rc != EAI_SYSTEM)
		rc = net_gai(host, service, flags, res);
	if (rc == 0)
		return 0;
	if (rc == EAI_NONAME
#ifdef EAI_NODATA
	    || rc == EAI_NODATA
#endif
	    )
		failure_set(f, FAIL_DNS_PERM, "cannot locate host %s: %s",
		    host, gai_strerror(rc));
	else
		failure_set(f, FAIL_DNS_TEMP, "cannot locate host %s: %s",
		    host, gai_strerror(rc));
	return -1;
}

/* Wait for a non-blocking connect; the socket error or ETIMEDOUT. */
static int
net_wait_connected(int fd, int timeout_ms)
{
	long long deadline = util_now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	long long left;
	int err = 0, n;

	do {
		left = deadline - util_now_ms();
		if (left <= 0)
			return ETIMEDOUT;
		n = poll(&pfd, 1, (int)left);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno;
	if (n == 0)
		return ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

/* Connect fd to addr; 0, or -1 with *err set (fd then closed). */
static int
net_connect_fd(int fd, const struct sockaddr *addr, socklen_t len,
    int timeout_ms, int *err)
{
	if (connect(fd, addr, len) == 0)
		return 0;
	*err = errno;
	if (*err == EINPROGRESS)
		*err = net_wait_connected(fd, timeout_ms);
	if (*err == 0)
		return 0;
	close(fd);
	return -1;
}

static int
net_try(const struct addrinfo *ai, const struct addrinfo *src,
    int timeout_ms, int *err)
{
	int fd, one = 1;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0) {
		*err = errno;
		return -1;
	}
	/* Commands go out as whole groups; Nagle would only add stalls. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (src != NULL && bind(fd, src->ai_addr, src->ai_addrlen) < 0) {
		*err = errno;
		close(fd);
		return -1;
	}
	if (net_connect_fd(fd, ai->ai_addr, ai->ai_addrlen, timeout_ms,
	    err) < 0)
		return -1;
	return fd;
}

/* The source address of ai's family, or NULL if src has none. */
static const struct addrinfo *
net_source_for(const struct addrinfo *src, const struct addrinfo *ai)
{
	for (; src != NULL; src = src->ai_next)
		if (src->ai_family == ai->ai_family)
			return src;
	return NULL;
}

static int
net_source(const char *ip, struct addrinfo **src, struct failure *f)
{
	int rc;

	*src = NULL;
	if (ip == NULL)
		return 0;
	rc = net_gai(ip, NULL, AI_NUMERICHOST | AI_PASSIVE, src);
	if (rc == 0)
		return 0;
	failure_set(f, FAIL_CONFIG, "source_ip %s: not an IP address: %s", ip,
	    gai_strerror(rc));
	return -1;
}

/* Say which address failed when another one is left to try. */
static void
net_log_next(const struct addrinfo *ai, int port, int err)
{
	char addr[NI_MAXHOST];

	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, sizeof(addr),
	    NULL, 0, NI_NUMERICHOST) != 0)
		strlcpy(addr, "?", sizeof(addr));
	log_debug("cannot connect to %s, port %d: %s; trying the next "
	    "address", addr, port, err == ETIMEDOUT ?
	    "connection timed out" : strerror(err));
}

/* Every address of host in turn, each with the whole timeout. */
static int
net_tcp(const char *host, int port, const char *source_ip, int timeout_ms,
    struct failure *f)
{
	struct addrinfo *res, *ai, *src;
	const struct addrinfo *from;
	int fd = -1, err = EADDRNOTAVAIL;

	if (net_source(source_ip, &src, f) < 0)
		return -1;
	if (net_lookup(host, port, 0, &res, f) < 0) {
		if (src != NULL)
			freeaddrinfo(src);
		return -1;
	}
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		from = net_source_for(src, ai);
		if (src == NULL || from != NULL)
			fd = net_try(ai, from, timeout_ms, &err);
		if (fd < 0 && ai->ai_next != NULL && (src == NULL ||
		    from != NULL))
			net_log_next(ai, port, err);
	}
	freeaddrinfo(res);
	if (src != NULL)
		freeaddrinfo(src);
	if (fd < 0)
		failure_set(f, FAIL_NET_TEMP, "cannot connect to %s, port "
		    "%d%s%s: %s", host, port, source_ip ? " from " : "",
		    source_ip ? source_ip : "", err == ETIMEDOUT ?
		    "connection timed out" : strerror(err));
	return fd;
}

static int
net_unix(const char *path, int timeout_ms, struct failure *f)
{
	struct sockaddr_un sun;
	int fd, err = 0;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		failure_set(f, FAIL_CONFIG, "socket %s: name too long", path);
		return -1;
	}
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		err = errno;
	else if (net_connect_fd(fd, (const struct sockaddr *)&sun,
	    sizeof(sun), timeout_ms, &err) == 0)
		return fd;
	failure_set(f, FAIL_NET_TEMP, "cannot connect to socket %s: %s", path,
	    err == ETIMEDOUT ? "connection timed out" : strerror(err));
	return -1;
}

int
net_connect(const struct net_target *t, struct failure *f)
{
	int fd;

	if (t->socket_path != NULL)
		return net_unix(t->socket_path, t->timeout_ms, f);
	if (t->proxy_host == NULL)
		return net_tcp(t->host, t->port, t->source_ip, t->timeout_ms,
		    f);
	fd = net_tcp(t->proxy_host, t->proxy_port, t->source_ip,
	    t->timeout_ms, f);
	if (fd < 0) {
		failure_prefix(f, "proxy");
		return -1;
	}
	if (socks_connect(fd, t->proxy_host, t->host, t->port,
	    t->timeout_ms, f) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

void
net_quickack(int fd)
{
#ifdef TCP_QUICKACK
	int one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
#else
	(void)fd;
#endif
}
