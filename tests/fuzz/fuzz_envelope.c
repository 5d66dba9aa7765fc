/*
 * fuzz_envelope.c - libFuzzer harness for the queue envelope parser
 * (envelope_parse() in envelope.c): a queue file crossed a trust
 * boundary, so any bytes may come back from the disk.
 *
 * The input is the file.  Invariants for an envelope that parses: every
 * address passes envelope_addr_ok() (so no CR, LF or NUL reaches MAIL or
 * RCPT), the free text is one line, and the serialized form is a fixed
 * point: parsing it succeeds and serializing again gives the same text.
 * A failure is FAIL_DATA with a one-line text.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "fuzz.h"

static void
check_line(const char *what, const char *s)
{
	if (s != NULL && strpbrk(s, "\r\n") != NULL)
		fuzz_fail("line break in %s", what);
}

static void
check_env(const struct envelope *env)
{
	struct envelope *again;
	struct failure f;
	char *text, *text2;
	size_t i;

	memset(&f, 0, sizeof(f));
	if (env->from == NULL || (env->from[0] != '\0' &&
	    envelope_addr_ok(env->from, FAIL_DATA, "from", &f) == -1))
		fuzz_fail("unusable from passed the parser");
	for (i = 0; i < env->nrcpts; i++)
		if (envelope_addr_ok(env->rcpts[i], FAIL_DATA, "rcpt", &f) ==
		    -1)
			fuzz_fail("unusable recipient %zu passed", i);
	check_line("account", env->account);
	check_line("msgid", env->msgid);
	check_line("last_error", env->last_error);
	text = envelope_serialize(env);
	if (envelope_parse(text, strlen(text), &again, &f) == -1)
		fuzz_fail("own output refused: %s", f.text);
	text2 = envelope_serialize(again);
	if (strcmp(text, text2) != 0)
		fuzz_fail("serialize is not a fixed point");
	free(text);
	free(text2);
	envelope_free(again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envelope *env = NULL;
	struct failure f;

	memset(&f, 0, sizeof(f));
	if (envelope_parse((const char *)data, size, &env, &f) == 0) {
		if (env == NULL)
			fuzz_fail("success without an envelope");
		check_env(env);
	} else if (env != NULL || f.cls != FAIL_DATA ||
	    strpbrk(f.text, "\r\n") != NULL)
		fuzz_fail("failure class %d or text \"%s\"", f.cls, f.text);
	envelope_free(env);
	return 0;
}
