/*
 * secret.h - passwords and tokens.
 *
 * Contract: a secret's plaintext lives only inside struct secret, is never
 * printed, and is lent to a callback (sasl.c) for the duration of one
 * call.  secret_free() wipes the memory.  struct secret_source records
 * where a secret comes from without fetching it (accounts keep it);
 * secret_fetch() is called only when authentication needs the password,
 * so a command is never run and nobody is asked in vain.
 *
 * Sources, in the order msmtp uses: the literal "password"; else the
 * standard output of "passwordeval" run by /bin/sh (trailing CR and LF
 * removed; a failing command, one that prints nothing or prints a NUL is
 * FAIL_CONFIG); else SECRET_LOOKUP: the key ring (only when built with
 * libsecret; attributes host, service "smtp" and user), ~/.netrc (only
 * when private to the user), SYSCONFDIR/netrc, and last a prompt on
 * /dev/tty without echo.  Without a controlling terminal the lookup
 * fails with FAIL_CONFIG naming the user and host.
 */
#ifndef POSTIE_SECRET_H
#define POSTIE_SECRET_H

#include <stddef.h>

#include "util.h"

enum secret_kind {
	SECRET_NONE,
	SECRET_LITERAL,		/* "password" in the rc file */
	SECRET_EVAL,		/* "passwordeval": a command's output */
	SECRET_LOOKUP,		/* key ring, netrc files, then the terminal */
	SECRET_LAST
};

struct secret_source {
	enum secret_kind kind;
	char *arg;		/* the literal or the command; wiped */
	char *host;		/* SECRET_LOOKUP: the server, as configured */
	char *user;		/* SECRET_LOOKUP: the login, or NULL */
};

struct secret;

/* Fetch the secret; NULL with f filled (FAIL_CONFIG, FAIL_OS). */
struct secret *secret_fetch(const struct secret_source *src,
    struct failure *f);
void secret_free(struct secret *s);

/* Lend the plaintext (NUL-terminated) to fn; returns fn's result. */
int secret_lend(const struct secret *s,
    int (*fn)(void *arg, const char *plaintext), void *arg);

void secret_source_copy(struct secret_source *dst,
    const struct secret_source *src);
void secret_source_clear(struct secret_source *src);

#endif
