/*
 * fuzz_message.c - libFuzzer harness for message_read() (message.c with
 * hdr.c): the message on standard input becomes the spool.
 *
 * Input: one byte of options (bit 0 -t, bit 1 an envelope From for an
 * added From:, bit 2 the first line is the -F full name, bit 3 a size
 * limit of 4 KiB), then the message.  Invariants on the spool: exactly
 * msg->size bytes; every line ends in CRLF and no LF stands alone; the
 * header section (up to the first empty line, if any) holds only fields
 * and continuation lines, so nothing the caller or the message supplies
 * can start a header of its own, and no Bcc; eightbit matches the bytes;
 * -t recipients carry no CR or LF.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "message.h"

static char *
slurp(const struct message *msg)
{
	char *buf = malloc((size_t)msg->size + 1);
	char extra;

	if (buf == NULL || lseek(msg->fd, 0, SEEK_SET) == -1 ||
	    read(msg->fd, buf, (size_t)msg->size) != (ssize_t)msg->size)
		fuzz_fail("spool shorter than %lld", (long long)msg->size);
	if (read(msg->fd, &extra, 1) != 0)
		fuzz_fail("spool longer than %lld", (long long)msg->size);
	buf[msg->size] = '\0';
	return buf;
}

/*
 * Every line ends in CRLF and no LF stands alone.  A lone CR is kept on
 * purpose (t_message.c "lone CR kept"), in the header too, so it is not
 * checked here.
 */
static void
check_lines(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			fuzz_fail("bare LF at %zu", i);
	if (n > 0 && (n < 2 || p[n - 2] != '\r' || p[n - 1] != '\n'))
		fuzz_fail("spool does not end in CRLF");
}

/* Each header line is a field ("name:", "name :") or a continuation. */
static void
check_header(const char *p, size_t n)
{
	const char *end = p + n, *eol, *c;

	for (; p < end; p = eol + 2) {
		if ((eol = strstr(p, "\r\n")) == NULL)
			fuzz_fail("header without an end");
		if (eol == p)
			return;
		if (*p == ' ' || *p == '\t')
			continue;
		for (c = p; c < eol && *c > 0x20 && *c < 0x7f && *c != ':';
		    c++)
			continue;
		/* RFC 5322 obs-optional: blanks before the colon. */
		while (c > p && c < eol && (*c == ' ' || *c == '\t'))
			c++;
		if (c == p || c == eol || *c != ':')
			fuzz_fail("header line \"%.*s\" is no field",
			    (int)(eol - p), p);
		if (c - p == 3 && strncasecmp(p, "Bcc", 3) == 0)
			fuzz_fail("Bcc kept");
	}
	/* Input that ends inside the header gets no empty line (msmtp). */
}

static void
check_message(const struct message *msg)
{
	char *buf = slurp(msg);
	size_t i, n = (size_t)msg->size;
	int eight = 0;

	check_lines(buf, n);
	check_header(buf, n);
	for (i = 0; i < n; i++)
		eight |= (unsigned char)buf[i] >= 0x80;
	if (eight != msg->eightbit)
		fuzz_fail("eightbit %d, bytes say %d", msg->eightbit, eight);
	for (i = 0; i < msg->nrcpts; i++)
		if (strpbrk(msg->rcpts[i], "\r\n") != NULL)
			fuzz_fail("line break in recipient %zu", i);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct message_options opt;
	struct message *msg = NULL;
	struct failure f;
	char *name = NULL;
	unsigned b;
	size_t len;
	int fd;

	memset(&opt, 0, sizeof(opt));
	b = fuzz_byte(&in);
	opt.read_recipients = b & 1;
	opt.from_addr = b & 2 ? "alice@example.org" : NULL;
	if (b & 4)
		opt.full_name = name = fuzz_line(&in, &len);
	opt.max_size = b & 8 ? 4096 : 0;
	opt.msgid_domain = "example.org";
	opt.tmpdir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : NULL;
	if ((fd = memfd_create("stdin", MFD_CLOEXEC)) == -1 ||
	    (in.n > 0 && write(fd, in.p, in.n) != (ssize_t)in.n) ||
	    lseek(fd, 0, SEEK_SET) == -1)
		abort();
	memset(&f, 0, sizeof(f));
	if (message_read(fd, &opt, &msg, &f) == 0)
		check_message(msg);
	else if (msg != NULL || f.cls == FAIL_NONE)
		fuzz_fail("failure without a class");
	message_free(msg);
	free(name);
	close(fd);
	return 0;
}
