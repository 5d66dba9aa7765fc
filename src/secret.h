/*
 * secret.h - passwords and tokens.
 *
 * Contract: a secret's plaintext lives only inside struct secret, is never
 * printed, and is lent to a callback (sasl.c) for the duration of one
 * call.  secret_free() wipes the memory.  struct secret_source records
 * where a secret comes from without fetching it (accounts keep it).
 */
#ifndef POSTIE_SECRET_H
#define POSTIE_SECRET_H

#include <stddef.h>

#include "util.h"

enum secret_kind {
	SECRET_NONE,
	SECRET_LITERAL,		/* "password" in the rc file */
	SECRET_LAST
};

struct secret_source {
	enum secret_kind kind;
	char *arg;		/* the literal; wiped by secret_source_clear */
};

struct secret;

/* Fetch the secret; -1 with FAIL_CONFIG when there is none to fetch. */
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
