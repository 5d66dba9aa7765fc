/*
 * tls_store.h - TLS session resumption data kept in a file between runs.
 *
 * Contract: the session is borrowed for the call.  A stored session is
 * only offered when the file is a regular file of ours that nobody else
 * can read, because its content lets a handshake skip the certificate
 * exchange.  Saving writes mode 0600 and replaces the file atomically.
 * Neither call fails the caller: a problem only shows with -d.
 */
#ifndef POSTIE_TLS_STORE_H
#define POSTIE_TLS_STORE_H

#include <gnutls/gnutls.h>

#include "util.h"

/* Before the handshake: offer the session stored in path, if any. */
void tls_store_load(gnutls_session_t sess, const char *path);

/*
 * At the end of a session: store it in path (its directory and that
 * directory's parent are created private when missing).
 */
void tls_store_save(gnutls_session_t sess, const char *path);

#endif
