/*
 * fuzz_srv.c - libFuzzer harness for the SRV answer parser of
 * --configure (srv_parse_answer() in srv.c): a DNS answer comes off the
 * network.
 *
 * The input is the DNS message as res_nquery() would return it.
 * Invariants: a record is found exactly when 1 is returned; its target
 * is neither empty nor ".", printable ASCII without blanks (it becomes
 * an rc line), and the port is 0..65535; the account printed for it is
 * exactly ten lines.  A -1 or 0 leaves no host behind.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "srv.h"

static void
check_found(const struct srv_result *r)
{
	char *text = NULL;
	size_t len = 0, lines = 0, i;
	const char *s;
	FILE *fp;

	if (r->host == NULL || r->host[0] == '\0' ||
	    strcmp(r->host, ".") == 0)
		fuzz_fail("found without a usable host");
	for (s = r->host; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			fuzz_fail("byte 0x%02x in the host",
			    (unsigned char)*s);
	if (r->port < 0 || r->port > 65535)
		fuzz_fail("port %d", r->port);
	if ((fp = open_memstream(&text, &len)) == NULL)
		abort();
	srv_print_account(fp, "user@example.org", r, "~/.msmtprc");
	fclose(fp);
	for (i = 0; i < len; i++)
		lines += text[i] == '\n';
	if (lines != 10 || len == 0 || text[len - 1] != '\n')
		fuzz_fail("account of %zu lines:\n%s", lines, text);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct srv_result r;
	int rc;

	if (size > 65535)
		return 0;
	memset(&r, 0, sizeof(r));
	rc = srv_parse_answer(data, (int)size, &r);
	if (rc == 1)
		check_found(&r);
	else if (rc != 0 && rc != -1)
		fuzz_fail("result %d", rc);
	else if (r.host != NULL)
		fuzz_fail("no record, but a host \"%s\"", r.host);
	srv_result_clear(&r);
	return 0;
}
