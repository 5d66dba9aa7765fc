/*
 * fuzz_bsmtp.c - libFuzzer harness for the server dialogue of "postie
 * -bs" (bsmtp.c, bsmtp_addr.c): the commands come from a local client,
 * which may send anything.
 *
 * The input is the client's side, one line per '\n', fed as bsrun.c
 * feeds it: command lines (a longer one than BSMTP_CMD_MAX is skipped)
 * and, after 354, body lines up to the final dot.  The line after a
 * final dot is not sent by the client; it stands for the relay's
 * outcome: byte 0 chooses ok, queued, temporary or permanent, bytes 1-3
 * the smarthost's code, the rest is its text (estatus first when it
 * has a blank).  A line that is exactly "\x01" stands for the client
 * being silent too long.
 *
 * Invariants: every reply is one or more lines "DDD SP/- text" CRLF,
 * printable ASCII, the last one with a space; a command always gets a
 * reply and a body line never does; the relay is asked for only with a
 * sender and 1..BSMTP_RCPTS_MAX recipients that are printable ASCII of
 * at most 256 bytes; the reply to the dot has class 2 for ok, 4 for a
 * temporary and 5 for a permanent failure; after a close nothing but a
 * close comes back.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bsmtp.h"
#include "fuzz.h"
#include "util.h"

static void
check_reply(const char *r, int empty_ok)
{
	const char *p = r, *nl;
	size_t i;
	int last = 0;

	if (*r == '\0') {
		if (!empty_ok)
			fuzz_fail("no reply to a command");
		return;
	}
	for (; *p != '\0'; p = nl + 2) {
		if (last)
			fuzz_fail("reply goes on after its last line");
		if ((nl = strstr(p, "\r\n")) == NULL)
			fuzz_fail("reply line without CRLF: \"%s\"", p);
		if (nl - p < 4 || p[0] < '2' || p[0] > '5' ||
		    p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9' ||
		    (p[3] != ' ' && p[3] != '-'))
			fuzz_fail("malformed reply line \"%.*s\"",
			    (int)(nl - p), p);
		if (strncmp(p, r, 3) != 0)
			fuzz_fail("reply lines with different codes");
		for (i = 0; p + i < nl; i++)
			if ((unsigned char)p[i] < 0x20 ||
			    (unsigned char)p[i] >= 0x7f)
				fuzz_fail("byte 0x%02x in a reply",
				    (unsigned char)p[i]);
		last = p[3] == ' ';
	}
	if (!last)
		fuzz_fail("reply without a last line");
}

static void
check_addr(const char *a, int empty_ok)
{
	size_t i, n = strlen(a);

	if ((n == 0 && !empty_ok) || n > 256)
		fuzz_fail("address of %zu bytes relayed", n);
	for (i = 0; i < n; i++)
		if ((unsigned char)a[i] <= 0x20 && a[i] != ' ')
			fuzz_fail("control byte in address \"%s\"", a);
		else if ((unsigned char)a[i] >= 0x7f)
			fuzz_fail("non-ASCII address relayed");
}

static void
check_envelope(const struct bsmtp *b)
{
	char *const *rcpts;
	size_t i, n;

	check_addr(bsmtp_from(b), 1);
	rcpts = bsmtp_rcpts(b, &n);
	if (n == 0 || n > BSMTP_RCPTS_MAX)
		fuzz_fail("relay with %zu recipients", n);
	for (i = 0; i < n; i++)
		check_addr(rcpts[i], 0);
}

/* The outcome line after a final dot: the relay's verdict. */
static void
relay(struct bsmtp *b, const char *line, size_t len)
{
	struct bsmtp_outcome o;
	char *text = NULL, *sp;
	unsigned kind = len > 0 ? (unsigned char)line[0] % 4 : 0;
	const char *r;

	memset(&o, 0, sizeof(o));
	o.ok = kind < 2;
	o.temporary = kind == 2;
	if (len >= 4)
		o.code = (line[1] & 7) * 100 +
		    (unsigned char)line[2] % 10 * 10 +
		    (unsigned char)line[3] % 10;
	if (len > 4) {
		text = xstrndup(line + 4, len - 4);
		if ((sp = strchr(text, ' ')) != NULL) {
			*sp = '\0';
			o.estatus = text;
			o.text = sp + 1;
		} else
			o.text = text;
	}
	if (kind == 1)
		o.queued = o.text != NULL ? o.text : "";
	if (bsmtp_relayed(b, &o) != BSMTP_NEXT_COMMAND)
		fuzz_fail("no next command after the relay");
	r = bsmtp_reply(b);
	check_reply(r, 0);
	if (r[0] != (o.ok ? '2' : o.temporary ? '4' : '5'))
		fuzz_fail("reply \"%s\" for outcome %u", r, kind);
	if (bsmtp_state(b) != BSMTP_INIT)
		fuzz_fail("state %s after the relay",
		    bsmtp_state_name(bsmtp_state(b)));
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct bsmtp *b = bsmtp_new("fuzz.example");
	enum bsmtp_next next = BSMTP_NEXT_COMMAND;
	const char *d;
	size_t len, dlen;
	char *line;

	bsmtp_greet(b);
	check_reply(bsmtp_reply(b), 0);
	while ((line = fuzz_line(&in, &len)) != NULL) {
		if (next == BSMTP_NEXT_RELAY) {
			check_envelope(b);
			relay(b, line, len);
			next = BSMTP_NEXT_COMMAND;
		} else if (next == BSMTP_NEXT_BODY) {
			next = bsmtp_body(b, line, len, &d, &dlen);
			check_reply(bsmtp_reply(b), 1);
			if (*bsmtp_reply(b) != '\0' || (next ==
			    BSMTP_NEXT_BODY && (dlen > len || (dlen > 0 &&
			    memcmp(d, line + (len - dlen), dlen) != 0))))
				fuzz_fail("body line mangled or answered");
		} else if (len == 1 && line[0] == '\x01') {
			next = bsmtp_timeout(b);
			check_reply(bsmtp_reply(b), 0);
		} else {
			next = len > BSMTP_CMD_MAX ?
			    bsmtp_command_too_long(b) :
			    bsmtp_command(b, line, len);
			check_reply(bsmtp_reply(b), 0);
		}
		free(line);
		if (next == BSMTP_NEXT_CLOSE)
			break;
	}
	/* The driver stops at a close; a stray command changes nothing. */
	if (next == BSMTP_NEXT_CLOSE && (bsmtp_state(b) != BSMTP_CLOSED ||
	    bsmtp_command(b, "NOOP", 4) != BSMTP_NEXT_CLOSE))
		fuzz_fail("close in state %s",
		    bsmtp_state_name(bsmtp_state(b)));
	bsmtp_free(b);
	return 0;
}
