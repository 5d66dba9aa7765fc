/*
 * net.h - name lookup and TCP connect with a timeout.
 *
 * Contract: net_connect() tries every address of host in turn, each with
 * the timeout, and returns a connected, non-blocking, close-on-exec socket
 * with TCP_NODELAY set (postie writes whole command groups; small writes
 * must not wait for Nagle).  Errors: FAIL_DNS_TEMP, FAIL_DNS_PERM,
 * FAIL_NET_TEMP, each naming host and port.
 */
#ifndef POSTIE_NET_H
#define POSTIE_NET_H

#include "util.h"

int net_connect(const char *host, int port, int timeout_ms,
    struct failure *f);

#endif
