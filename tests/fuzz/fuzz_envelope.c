/*
 * fuzz_envelope.c - libFuzzer harness for the queue envelope parser
 * (envelope_parse() in envelope.c): a queue file crossed a trust
 * boundary, so any bytes may come back from the disk.
 *
 * The input is the file.  Invariants for an envelope that parses: every
 * address passes envelope_addr_ok() (so no CR, LF or NUL reaches MAIL or
 * RCPT), the free text is one line, and the serialized form is a fixed
 * point: parsing it succeeds and serializing again gives the same text.
 * The DSN values of version 2 (dsn-notify, dsn-return, envid) hold only
 * what may go into a MAIL or RCPT parameter, and a version 1 file has
 * none.  A failure is FAIL_DATA with a one-line text.
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

/* The DSN values end up in MAIL and RCPT parameters. */
static void
check_dsn(const struct envelope *env)
{
	const char *s;

	if (env->dsn_notify != NULL && (env->dsn_notify[0] == '\0' ||
	    strspn(env->dsn_notify, "ABCDEFGHIJKLMNOPQRSTUVWXYZ,") !=
	    strlen(env->dsn_notify)))
		fuzz_fail("dsn-notify \"%s\" passed", env->dsn_notify);
	if (env->dsn_return != NULL && strcmp(env->dsn_return, "FULL") != 0 &&
	    strcmp(env->dsn_return, "HDRS") != 0)
		fuzz_fail("dsn-return \"%s\" passed", env->dsn_return);
	if (env->envid == NULL)
		return;
	if (env->envid[0] == '\0' || strlen(env->envid) > 100)
		fuzz_fail("envid of %zu bytes passed", strlen(env->envid));
	for (s = env->envid; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			fuzz_fail("byte 0x%02x in envid", (unsigned char)*s);
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
	check_dsn(env);
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
		if (size > 10 && memcmp(data, "version: 1", 10) == 0 &&
		    (env->dsn_notify != NULL || env->dsn_return != NULL ||
		    env->envid != NULL))
			fuzz_fail("DSN values in a version 1 file");
		check_env(env);
	} else if (env != NULL || f.cls != FAIL_DATA ||
	    strpbrk(f.text, "\r\n") != NULL)
		fuzz_fail("failure class %d or text \"%s\"", f.cls, f.text);
	envelope_free(env);
	return 0;
}
