/*
 * net.h - name lookup and a connection to the server: TCP with a timeout,
 * a unix socket, or TCP through a SOCKS5 proxy (socks.c).
 *
 * Contract: net_connect() returns a connected, non-blocking, close-on-exec
 * socket, or -1 with f filled.  For TCP it tries every address of the
 * host in turn (IPv6 and IPv4, in getaddrinfo's order), each with the
 * timeout, after binding to source_ip when one is given, and sets
 * TCP_NODELAY (postie writes whole command groups; small writes must not
 * wait for Nagle).  Through a proxy only the proxy's name is looked up
 * here: the server's name goes to the proxy as it is.  Errors:
 * FAIL_DNS_TEMP (a lookup that may work later), FAIL_DNS_PERM (no such
 * host), FAIL_NET_TEMP (refused, unreachable, timed out, or the proxy
 * could not connect), FAIL_CONFIG (a bad source_ip or socket name),
 * FAIL_PROTOCOL (a proxy that does not speak SOCKS5), each naming what
 * and where.
 */
#ifndef POSTIE_NET_H
#define POSTIE_NET_H

#include "util.h"

/* Where to connect; strings borrowed for the call. */
struct net_target {
	const char *host;		/* A-label form or an IP literal */
	int port;
	const char *source_ip;		/* local address, or NULL */
	const char *socket_path;	/* unix socket instead, or NULL */
	const char *proxy_host;		/* SOCKS5 proxy, or NULL */
	int proxy_port;
	int timeout_ms;			/* each connect, each proxy step */
};

int net_connect(const struct net_target *t, struct failure *f);

/*
 * Ask the kernel to acknowledge what arrives next at once (Linux
 * TCP_QUICKACK, which it clears again by itself): called before each wait
 * for a reply, so a server whose reply takes two writes does not wait for
 * a delayed ACK.  Does nothing where the option does not exist.
 */
void net_quickack(int fd);

#endif
