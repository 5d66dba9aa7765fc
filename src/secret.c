/*
 * secret.c - holds passwords and tokens, and nothing else touches them.
 *
 * A struct secret is the only place the plaintext lives outside the SASL
 * library.  It is never printed: the only way out is secret_lend(), which
 * hands the bytes to one callback for the length of one call.  Every copy
 * is wiped before its memory is released.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "secret.h"

struct secret {
	char *plain;		/* NUL-terminated */
	size_t len;
};

static void
wipe_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

static struct secret *
secret_from_literal(const char *lit)
{
	struct secret *s = xcalloc(1, sizeof(*s));

	s->len = strlen(lit);
	s->plain = xstrndup(lit, s->len);
	return s;
}

struct secret *
secret_fetch(const struct secret_source *src, struct failure *f)
{
	if (src == NULL || src->kind == SECRET_NONE) {
		failure_set(f, FAIL_CONFIG, "no password given");
		return NULL;
	}
	switch (src->kind) {
	case SECRET_LITERAL:
		if (src->arg == NULL)
			break;
		return secret_from_literal(src->arg);
	default:
		break;
	}
	failure_set(f, FAIL_SOFTWARE, "password source %d is not usable",
	    (int)src->kind);
	return NULL;
}

void
secret_free(struct secret *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s->plain, s->len);
	free(s->plain);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

int
secret_lend(const struct secret *s,
    int (*fn)(void *arg, const char *plaintext), void *arg)
{
	if (s == NULL || fn == NULL)
		return -1;
	return fn(arg, s->plain);
}

void
secret_source_copy(struct secret_source *dst,
    const struct secret_source *src)
{
	dst->kind = src->kind;
	dst->arg = src->arg != NULL ? xstrdup(src->arg) : NULL;
}

void
secret_source_clear(struct secret_source *src)
{
	if (src == NULL)
		return;
	wipe_free(src->arg);
	src->arg = NULL;
	src->kind = SECRET_NONE;
}
