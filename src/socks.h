/*
 * socks.h - a SOCKS5 client (RFC 1928): CONNECT without authentication.
 *
 * Contract: socks_connect() speaks over fd, an open connection to the
 * proxy, through an iobuf with timeout_ms for each step, and leaves fd
 * connected to host:port with nothing of the server's data consumed.  A
 * host name is sent as it is (ATYP 3) so that the proxy resolves it; an
 * IP literal is sent as an address.  Errors: FAIL_NET_TEMP (the proxy
 * could not or would not connect, closed, timed out), FAIL_PROTOCOL (not
 * a SOCKS5 reply, or it wants authentication), FAIL_CONFIG (a name
 * longer than 255 bytes), each naming the proxy.
 */
#ifndef POSTIE_SOCKS_H
#define POSTIE_SOCKS_H

#include "util.h"

int socks_connect(int fd, const char *proxy, const char *host, int port,
    int timeout_ms, struct failure *f);

/* Text for a SOCKS5 reply code (REP), for messages and tests. */
const char *socks_reply_text(int rep);

#endif
