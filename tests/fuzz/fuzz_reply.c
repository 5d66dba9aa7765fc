/*
 * fuzz_reply.c - libFuzzer harness for the SMTP reply parser (reply.c).
 *
 * The input is a stream of server lines separated by '\n' (a CR before
 * it stays in the line, as a broken server would send it).  Every
 * finished reply must satisfy reply.h's promises: a code in 200..599,
 * at least one line, an enhanced status that is empty or starts with the
 * reply's class digit, and a one-line summary without control bytes.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "reply.h"

static void
check_reply(const struct reply *r)
{
	struct reply *d;
	char *sum;
	size_t i;

	if (r->code < 200 || r->code > 599 || r->nlines == 0)
		fuzz_fail("reply code %d with %zu lines", r->code, r->nlines);
	if (r->nlines > REPLY_LINES_MAX)
		fuzz_fail("%zu lines over the cap", r->nlines);
	if (r->estatus[0] != '\0' && r->estatus[0] - '0' != r->code / 100)
		fuzz_fail("estatus %s with code %d", r->estatus, r->code);
	if (memchr(r->estatus, '\0', sizeof(r->estatus)) == NULL)
		fuzz_fail("estatus not terminated");
	for (i = 0; i < r->nlines; i++)
		if (strlen(r->lines[i]) > REPLY_LINE_MAX)
			fuzz_fail("line %zu longer than the cap", i);
	sum = reply_summary(r);
	for (i = 0; sum[i] != '\0'; i++)
		if ((unsigned char)sum[i] < 0x20 || sum[i] == 0x7f)
			fuzz_fail("control byte 0x%02x in the summary",
			    (unsigned char)sum[i]);
	free(sum);
	d = reply_dup(r);
	if (d->code != r->code || d->nlines != r->nlines ||
	    reply_class(d) != r->code / 100)
		fuzz_fail("reply_dup differs");
	reply_free(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct reply_reader *rd = reply_reader_new();
	struct reply *r;
	struct failure f;
	size_t len;
	char *line;

	while ((line = fuzz_line(&in, &len)) != NULL) {
		r = NULL;
		memset(&f, 0, sizeof(f));
		switch (reply_reader_push(rd, line, len, &r, &f)) {
		case REPLY_DONE:
			check_reply(r);
			reply_free(r);
			break;
		case REPLY_BAD:
			/* A reader is not reused after a violation. */
			if (f.cls == FAIL_NONE || strpbrk(f.text, "\r\n"))
				fuzz_fail("bad reply without a clean text");
			reply_reader_free(rd);
			rd = reply_reader_new();
			break;
		default:
			break;
		}
		free(line);
	}
	reply_reader_free(rd);
	return 0;
}
