/*
 * fuzz.h - shared helpers for the libFuzzer harnesses in tests/fuzz/.
 *
 * Contract: each harness defines LLVMFuzzerTestOneInput() and nothing
 * else global (except fuzz_conf.c, which replaces popen() so that no
 * command of an "eval" line is ever run).  A broken invariant calls fuzz_fail(), which aborts so
 * that libFuzzer (or run_corpus.c) records the input as a crash.  The
 * helpers split the input into lines and pull small choices from it
 * without ever reading past its end.
 */
#ifndef POSTIE_FUZZ_H
#define POSTIE_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline void __attribute__((noreturn, format(printf, 1, 2)))
fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("invariant broken: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/* One byte of choice; 0 once the input is used up. */
static inline unsigned
fuzz_byte(struct fuzz_in *in)
{
	unsigned b;

	if (in->n == 0)
		return 0;
	b = in->p[0];
	in->p++;
	in->n--;
	return b;
}

/* The next line without its '\n' (a NUL-terminated copy), or NULL at
 * the end of the input.  *len excludes the terminator. */
static inline char *
fuzz_line(struct fuzz_in *in, size_t *len)
{
	const uint8_t *nl;
	size_t k;
	char *s;

	if (in->n == 0)
		return NULL;
	nl = memchr(in->p, '\n', in->n);
	k = nl != NULL ? (size_t)(nl - in->p) : in->n;
	s = malloc(k + 1);
	if (s == NULL)
		abort();
	memcpy(s, in->p, k);
	s[k] = '\0';
	in->p += k + (nl != NULL);
	in->n -= k + (nl != NULL);
	*len = k;
	return s;
}

#endif
