/*
 * fuzz_iobuf.c - libFuzzer harness for the line reader and the
 * dot-stuffing body writer of iobuf.c, over an in-memory transport that
 * hands data over in fuzzer-chosen pieces.
 *
 * Input: byte 0 picks the line limit, byte 1 the piece sizes; the rest
 * is read as server input, then (with every bare LF made CRLF, as
 * message.c guarantees) sent as a message body.  Invariants: each line
 * read is the next stretch of input up to CRLF or LF, within the limit,
 * and ends the reading only with FAIL_NET_TEMP (end of input) or
 * FAIL_PROTOCOL (too long); the body on the wire has no end-of-data
 * line before its final ".", and un-stuffing it as a server does gives
 * back the body exactly (plus a CRLF if it lacked one).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "iobuf.h"

struct mem {
	const uint8_t *p;	/* input still to hand out */
	size_t n;
	uint8_t *out;		/* what was written */
	size_t out_len, out_cap;
	unsigned piece, calls;
};

static size_t
piece(struct mem *m, size_t len)
{
	size_t k = 1 + (m->piece * 7 + m->calls++ * 13) % 257;

	return k < len ? k : len;
}

static ssize_t
mem_read(void *ctx, void *buf, size_t len, struct failure *f)
{
	struct mem *m = ctx;
	size_t k;

	(void)f;
	if (m->n == 0)
		return TRANSPORT_EOF;
	k = piece(m, len < m->n ? len : m->n);
	memcpy(buf, m->p, k);
	m->p += k;
	m->n -= k;
	return (ssize_t)k;
}

static ssize_t
mem_write(void *ctx, const void *buf, size_t len, struct failure *f)
{
	struct mem *m = ctx;
	size_t k = piece(m, len);

	(void)f;
	if (m->out_len + k > m->out_cap) {
		m->out_cap = (m->out_len + k) * 2;
		if ((m->out = realloc(m->out, m->out_cap)) == NULL)
			abort();
	}
	memcpy(m->out + m->out_len, buf, k);
	m->out_len += k;
	return (ssize_t)k;
}

static const struct transport_ops mem_ops = { mem_read, mem_write };

static void
read_side(const uint8_t *data, size_t size, size_t max, unsigned pc)
{
	struct mem m = { .p = data, .n = size, .piece = pc };
	struct transport t = { &mem_ops, &m, -1 };
	struct iobuf *io = iobuf_new(&t, 60000);
	struct failure f;
	const char *line;
	size_t len, pos = 0;

	memset(&f, 0, sizeof(f));
	while (iobuf_read_line(io, max, &line, &len, &f) == 0) {
		if (len > max || line[len] != '\0' ||
		    memchr(line, '\n', len) != NULL)
			fuzz_fail("bad line of %zu bytes", len);
		if (pos + len > size || memcmp(data + pos, line, len) != 0)
			fuzz_fail("line is not the next input at %zu", pos);
		pos += len;
		if (pos < size && data[pos] == '\r')
			pos++;
		if (pos >= size || data[pos++] != '\n')
			fuzz_fail("line not ended by LF at %zu", pos);
	}
	if (f.cls != FAIL_NET_TEMP && f.cls != FAIL_PROTOCOL)
		fuzz_fail("read failed with class %d", f.cls);
	iobuf_free(io);
}

/* Bare LF becomes CRLF, as in the spool; newly allocated. */
static uint8_t *
crlf(const uint8_t *p, size_t n, size_t *outn)
{
	uint8_t *o = malloc(2 * n + 1);
	size_t i, k = 0;

	if (o == NULL)
		abort();
	for (i = 0; i < n; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			o[k++] = '\r';
		o[k++] = p[i];
	}
	*outn = k;
	return o;
}

/*
 * Read w[0..n) as a server does (RFC 5321 4.5.2): CRLF lines, "." alone
 * ends the data, one leading dot is removed; compare with the body.
 */
static void
check_wire(const uint8_t *body, size_t bn, const uint8_t *w, size_t n)
{
	uint8_t *u = malloc(n + 1);
	size_t i = 0, k = 0, e;
	int ends = bn == 0 || (bn >= 2 && body[bn - 2] == '\r' &&
	    body[bn - 1] == '\n');

	if (u == NULL)
		abort();
	for (;;) {
		for (e = i; e + 1 < n && !(w[e] == '\r' && w[e + 1] == '\n');
		    e++)
			continue;
		if (e + 1 >= n)
			fuzz_fail("no end of data in %zu bytes", n);
		if (e - i == 1 && w[i] == '.')
			break;
		if (w[i] == '.')
			i++;
		memcpy(u + k, w + i, e + 2 - i);
		k += e + 2 - i;
		i = e + 2;
	}
	if (e + 2 != n)
		fuzz_fail("end of data at %zu of %zu bytes", i, n);
	if (k != bn + (ends ? 0 : 2) || memcmp(u, body, bn) != 0 ||
	    (!ends && memcmp(u + bn, "\r\n", 2) != 0))
		fuzz_fail("body of %zu bytes arrives as %zu other bytes", bn,
		    k);
	free(u);
}

static void
write_side(const uint8_t *data, size_t size, unsigned pc)
{
	struct mem m = { .piece = pc };
	struct transport t = { &mem_ops, &m, -1 };
	struct iobuf *io = iobuf_new(&t, 60000);
	struct failure f;
	size_t bn;
	uint8_t *body = crlf(data, size, &bn);
	int fd = memfd_create("spool", MFD_CLOEXEC);

	if (fd == -1 || (bn > 0 && write(fd, body, bn) != (ssize_t)bn) ||
	    lseek(fd, 0, SEEK_SET) == -1)
		abort();
	memset(&f, 0, sizeof(f));
	if (iobuf_write_body(io, fd, (off_t)bn, &f) != 0)
		fuzz_fail("write_body failed: %s", f.text);
	check_wire(body, bn, m.out, m.out_len);
	iobuf_free(io);
	close(fd);
	free(body);
	free(m.out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t maxes[] = { 1, 2, 7, 64, 512, 4096 };
	struct fuzz_in in = { data, size };
	size_t max = maxes[fuzz_byte(&in) % 6];
	unsigned pc = fuzz_byte(&in);

	read_side(in.p, in.n, max, pc);
	write_side(in.p, in.n, pc);
	return 0;
}
