/*
 * net.c - name lookup and a non-blocking connect with a timeout.
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
#include <unistd.h>

#include "net.h"

static int
net_lookup(const char *host, int port, struct addrinfo **res,
    struct failure *f)
{
	struct addrinfo hints;
	char service[16];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	snprintf(service, sizeof(service), "%d", port);
	rc = getaddrinfo(host, service, &hints, res);
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

static int
net_try(const struct addrinfo *ai, int timeout_ms, int *err)
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
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	*err = errno;
	if (*err == EINPROGRESS)
		*err = net_wait_connected(fd, timeout_ms);
	if (*err == 0)
		return fd;
	close(fd);
	return -1;
}

int
net_connect(const char *host, int port, int timeout_ms, struct failure *f)
{
	struct addrinfo *res, *ai;
	int fd = -1, err = 0;

	if (net_lookup(host, port, &res, f) < 0)
		return -1;
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
		fd = net_try(ai, timeout_ms, &err);
	freeaddrinfo(res);
	if (fd < 0)
		failure_set(f, FAIL_NET_TEMP, "cannot connect to %s, port %d: "
		    "%s", host, port, err == ETIMEDOUT ?
		    "connection timed out" : strerror(err));
	return fd;
}
