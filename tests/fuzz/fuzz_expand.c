/*
 * fuzz_expand.c - libFuzzer harness for the '%' patterns of "from" and
 * "domain" and %F of "from_full_name" (expand_patterns() in expand.c).
 *
 * The input: byte 0 chooses which of U, H, C, M and F are patterns (one
 * bit each); the rest, up to a NUL, is the value.  $USER and $HOSTNAME
 * are fixed ("fuzzuser", "localhost": /etc/hosts answers for it, so %C
 * asks no DNS server).  Invariant: the result equals a plain left to
 * right substitution with the values each pattern has on its own, and a
 * failure (only %M can fail) is FAIL_CONFIG with a one-line text, and
 * happens exactly when %M alone fails and is used.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "expand.h"
#include "fuzz.h"

/* The value of pattern c, or NULL when expanding it alone fails. */
static char *
value(char c)
{
	char pat[3] = { '%', c, '\0' }, which[2] = { c, '\0' }, *v = NULL;
	struct failure f;

	memset(&f, 0, sizeof(f));
	if (expand_patterns(pat, which, &v, &f) == -1)
		return NULL;
	return v;
}

/* The expected result; NULL when a pattern that fails is used. */
static char *
model(const char *s, const char *which, char *const vals[5])
{
	static const char letters[] = "UHCMF";
	size_t cap = strlen(s) + 1, n = 0, k, i;
	char *out = malloc(cap);
	const char *v;

	if (out == NULL)
		abort();
	for (; *s != '\0'; s++) {
		v = NULL;
		if (s[0] == '%' && s[1] != '\0' &&
		    strchr(which, s[1]) != NULL) {
			i = (size_t)(strchr(letters, s[1]) - letters);
			if ((v = vals[i]) == NULL) {
				free(out);
				return NULL;
			}
			s++;
		}
		k = v != NULL ? strlen(v) : 1;
		if (n + k + 1 > cap && (out = realloc(out,
		    cap = (n + k + 1) * 2)) == NULL)
			abort();
		memcpy(out + n, v != NULL ? v : s, k);
		n += k;
	}
	out[n] = '\0';
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	unsigned opt = fuzz_byte(&in), i;
	char which[6], *vals[5], *s, *got = NULL, *want;
	struct failure f;
	size_t n = 0;
	int r;

	/* Values are short; each %C is a look-up, and those add up. */
	if (in.n > 4096)
		return 0;
	setenv("USER", "fuzzuser", 1);
	setenv("HOSTNAME", "localhost", 1);
	for (i = 0; i < 5; i++) {
		if (opt & (1u << i))
			which[n++] = "UHCMF"[i];
		vals[i] = opt & (1u << i) ? value("UHCMF"[i]) : NULL;
	}
	which[n] = '\0';
	s = strndup((const char *)in.p, in.n);
	if (s == NULL)
		abort();
	want = model(s, which, vals);
	memset(&f, 0, sizeof(f));
	r = expand_patterns(s, which, &got, &f);
	if (r == -1 && (want != NULL || got != NULL ||
	    f.cls != FAIL_CONFIG || strpbrk(f.text, "\r\n") != NULL))
		fuzz_fail("failure %d \"%s\"", f.cls, f.text);
	if (r == 0 && (want == NULL || strcmp(got, want) != 0))
		fuzz_fail("\"%s\" expands to \"%s\", not \"%s\"", s, got,
		    want != NULL ? want : "(failure)");
	for (i = 0; i < 5; i++)
		free(vals[i]);
	free(want);
	free(got);
	free(s);
	return 0;
}
