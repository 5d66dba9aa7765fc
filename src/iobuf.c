/*
 * iobuf.c - buffered line I/O with a deadline on every operation.
 *
 * The deadline covers a whole operation (one line, one flush), not one
 * read(2): a peer trickling a byte at a time cannot keep postie waiting
 * longer than the configured timeout.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iobuf.h"

#define IOBUF_CHUNK (64 * 1024)
#define IOBUF_OUT_HIGH (128 * 1024)

struct iobuf {
	const struct transport *t;
	int timeout_ms;
	long long end_ms;		/* overall deadline, 0: none */
	size_t longest;			/* longest line of the last body */
	size_t line_len;		/* length of the body line so far */
	char *in;
	size_t in_off, in_len, in_cap;
	char *out;
	size_t out_len, out_cap;
};

struct iobuf *
iobuf_new(const struct transport *t, int timeout_ms)
{
	struct iobuf *io = xcalloc(1, sizeof(*io));

	io->t = t;
	io->timeout_ms = timeout_ms;
	io->out_cap = IOBUF_OUT_HIGH + IOBUF_CHUNK;
	io->out = xmalloc(io->out_cap);
	return io;
}

void
iobuf_free(struct iobuf *io)
{
	if (io == NULL)
		return;
	free(io->in);
	free(io->out);
	free(io);
}

size_t
iobuf_set_transport(struct iobuf *io, const struct transport *t)
{
	size_t dropped = io->in_len - io->in_off;

	io->t = t;
	io->in_off = io->in_len = 0;
	return dropped;
}

size_t
iobuf_input_pending(const struct iobuf *io)
{
	return io->in_len - io->in_off;
}

void
iobuf_set_deadline(struct iobuf *io, long long end_ms)
{
	io->end_ms = end_ms;
}

long long
iobuf_deadline(const struct iobuf *io)
{
	return io->end_ms;
}

/* The deadline of one operation: the step timeout or the overall one. */
static long long
iobuf_op_deadline(const struct iobuf *io)
{
	long long d = util_now_ms() + io->timeout_ms;

	return io->end_ms > 0 && io->end_ms < d ? io->end_ms : d;
}

static int
iobuf_wait(const struct iobuf *io, short events, long long deadline,
    struct failure *f)
{
	struct pollfd pfd;
	long long left;
	int n;

	for (;;) {
		left = deadline - util_now_ms();
		if (left <= 0)
			break;
		pfd.fd = io->t->fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR) {
			failure_set(f, FAIL_NET_TEMP, "poll: %s",
			    strerror(errno));
			return -1;
		}
	}
	if (io->end_ms > 0 && deadline >= io->end_ms)
		failure_set(f, FAIL_NET_TEMP, "timed out: the session is over "
		    "its overall time limit");
	else
		failure_set(f, FAIL_NET_TEMP, "timed out after %d s waiting "
		    "for the server", io->timeout_ms / 1000);
	return -1;
}

/* After TRANSPORT_WANT_*: wait for the fd, or fail on the deadline. */
static int
iobuf_wait_for(const struct iobuf *io, ssize_t want, long long deadline,
    struct failure *f)
{
	return iobuf_wait(io, want == TRANSPORT_WANT_WRITE ? POLLOUT : POLLIN,
	    deadline, f);
}

static ssize_t
iobuf_read_some(struct iobuf *io, char *buf, size_t len, long long deadline,
    struct failure *f)
{
	ssize_t n;

	for (;;) {
		n = io->t->ops->read(io->t->ctx, buf, len, f);
		if (n > 0)
			return n;
		if (n == TRANSPORT_EOF) {
			failure_set(f, FAIL_NET_TEMP,
			    "the server closed the connection");
			return -1;
		}
		if (n == TRANSPORT_ERROR)
			return -1;
		if (iobuf_wait_for(io, n, deadline, f) < 0)
			return -1;
	}
}

static int
iobuf_write_raw(struct iobuf *io, const char *buf, size_t len,
    struct failure *f)
{
	long long deadline = iobuf_op_deadline(io);
	ssize_t n;

	while (len > 0) {
		/* A transport that asked us to wait gets the same bytes
		 * again (GnuTLS requires that). */
		n = io->t->ops->write(io->t->ctx, buf, len, f);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n == TRANSPORT_ERROR || n == TRANSPORT_EOF) {
			if (n == TRANSPORT_EOF)
				failure_set(f, FAIL_NET_TEMP,
				    "the server closed the connection");
			return -1;
		}
		if (iobuf_wait_for(io, n, deadline, f) < 0)
			return -1;
	}
	return 0;
}

int
iobuf_flush(struct iobuf *io, struct failure *f)
{
	int rc;

	if (io->out_len == 0)
		return 0;
	rc = iobuf_write_raw(io, io->out, io->out_len, f);
	io->out_len = 0;
	return rc;
}

int
iobuf_write(struct iobuf *io, const void *buf, size_t len,
    struct failure *f)
{
	if (io->out_len + len > io->out_cap && iobuf_flush(io, f) < 0)
		return -1;
	if (len > io->out_cap)
		return iobuf_write_raw(io, buf, len, f);
	memcpy(io->out + io->out_len, buf, len);
	io->out_len += len;
	return 0;
}

/* Make room for at least IOBUF_CHUNK more input bytes. */
static void
iobuf_make_room(struct iobuf *io)
{
	if (io->in_off > 0) {
		memmove(io->in, io->in + io->in_off, io->in_len - io->in_off);
		io->in_len -= io->in_off;
		io->in_off = 0;
	}
	if (io->in_cap - io->in_len < IOBUF_CHUNK) {
		io->in_cap = io->in_len + IOBUF_CHUNK;
		io->in = xrealloc(io->in, io->in_cap);
	}
}

static int
iobuf_take_line(struct iobuf *io, char *nl, size_t max, const char **line,
    size_t *len, struct failure *f)
{
	char *start = io->in + io->in_off;
	size_t n = (size_t)(nl - start);

	io->in_off += n + 1;
	if (n > 0 && start[n - 1] == '\r')
		n--;
	if (n > max) {
		failure_set(f, FAIL_PROTOCOL, "server sent a line longer "
		    "than %zu bytes", max);
		return -1;
	}
	start[n] = '\0';
	*line = start;
	*len = n;
	return 0;
}

int
iobuf_read_exact(struct iobuf *io, void *buf, size_t len,
    struct failure *f)
{
	long long deadline = iobuf_op_deadline(io);
	size_t have = io->in_len - io->in_off, n = have < len ? have : len;
	char *p = buf;
	ssize_t r;

	if (n > 0) {
		memcpy(p, io->in + io->in_off, n);
		io->in_off += n;
	}
	while (n < len) {
		r = iobuf_read_some(io, p + n, len - n, deadline, f);
		if (r < 0)
			return -1;
		n += (size_t)r;
	}
	return 0;
}

int
iobuf_read_line(struct iobuf *io, size_t max, const char **line,
    size_t *len, struct failure *f)
{
	long long deadline = iobuf_op_deadline(io);
	char *nl;
	ssize_t n;

	for (;;) {
		nl = io->in_len > io->in_off ? memchr(io->in + io->in_off,
		    '\n', io->in_len - io->in_off) : NULL;
		if (nl != NULL)
			return iobuf_take_line(io, nl, max, line, len, f);
		/* +1 for a CR that may precede the missing LF. */
		if (io->in_len - io->in_off > max + 1) {
			failure_set(f, FAIL_PROTOCOL, "server sent a line "
			    "longer than %zu bytes", max);
			return -1;
		}
		iobuf_make_room(io);
		n = iobuf_read_some(io, io->in + io->in_len,
		    io->in_cap - io->in_len, deadline, f);
		if (n < 0)
			return -1;
		io->in_len += (size_t)n;
	}
}

/* Keep track of the longest line (without CRLF) across chunks. */
static void
iobuf_measure(struct iobuf *io, const char *p, size_t n)
{
	const char *end = p + n, *nl;
	size_t k;

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			io->line_len += (size_t)(end - p);
			return;
		}
		k = io->line_len + (size_t)(nl - p);
		/* The spool's lines end in CRLF; the CR is not counted. */
		if (k > 0)
			k--;
		if (k > io->longest)
			io->longest = k;
		io->line_len = 0;
	}
}

/*
 * Copy one chunk of CRLF text into the output, doubling a leading dot on
 * each line.  *bol says whether the chunk starts at a line beginning; it
 * carries across chunks so a line split between two reads is handled.
 */
static int
iobuf_stuff_chunk(struct iobuf *io, const char *p, size_t n, int *bol,
    struct failure *f)
{
	const char *end = p + n, *nl;

	while (p < end) {
		if (*bol && *p == '.' && iobuf_write(io, ".", 1, f) < 0)
			return -1;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			*bol = 0;
			return iobuf_write(io, p, (size_t)(end - p), f);
		}
		if (iobuf_write(io, p, (size_t)(nl + 1 - p), f) < 0)
			return -1;
		*bol = 1;
		p = nl + 1;
	}
	return 0;
}

/*
 * Send size bytes from fd in bounded chunks, dot-stuffed with the final
 * ".\r\n" when stuff is set, else exactly as they are (BDAT).
 */
static int
iobuf_send_file(struct iobuf *io, int fd, off_t size, int stuff,
    struct failure *f)
{
	char *chunk = xmalloc(IOBUF_CHUNK);
	int bol = 1, rc = -1;
	ssize_t n;

	io->longest = io->line_len = 0;
	while (size > 0) {
		n = read(fd, chunk, size < IOBUF_CHUNK ? (size_t)size :
		    IOBUF_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			failure_set(f, FAIL_IO, "reading the spooled message: "
			    "%s", n < 0 ? strerror(errno) : "truncated");
			goto out;
		}
		iobuf_measure(io, chunk, (size_t)n);
		if ((stuff ? iobuf_stuff_chunk(io, chunk, (size_t)n, &bol, f) :
		    iobuf_write(io, chunk, (size_t)n, f)) < 0)
			goto out;
		size -= n;
	}
	if (stuff && !bol && iobuf_write(io, "\r\n", 2, f) < 0)
		goto out;
	if (stuff && iobuf_write(io, ".\r\n", 3, f) < 0)
		goto out;
	rc = iobuf_flush(io, f);
out:
	free(chunk);
	return rc;
}

int
iobuf_write_body(struct iobuf *io, int fd, off_t size, struct failure *f)
{
	return iobuf_send_file(io, fd, size, 1, f);
}

int
iobuf_write_raw_body(struct iobuf *io, int fd, off_t size,
    struct failure *f)
{
	return iobuf_send_file(io, fd, size, 0, f);
}

size_t
iobuf_longest_line(const struct iobuf *io)
{
	return io->longest > io->line_len ? io->longest : io->line_len;
}

static ssize_t
iobuf_fd_read(void *ctx, void *buf, size_t len, struct failure *f)
{
	const struct transport *t = ctx;
	ssize_t n = read(t->fd, buf, len);

	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return TRANSPORT_WANT_READ;
	failure_set(f, FAIL_NET_TEMP, "read: %s", strerror(errno));
	return TRANSPORT_ERROR;
}

static ssize_t
iobuf_fd_write(void *ctx, const void *buf, size_t len, struct failure *f)
{
	const struct transport *t = ctx;
	ssize_t n = write(t->fd, buf, len);

	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return TRANSPORT_WANT_WRITE;
	failure_set(f, FAIL_NET_TEMP, "write: %s", strerror(errno));
	return TRANSPORT_ERROR;
}

static const struct transport_ops iobuf_fd_ops = {
	iobuf_fd_read,
	iobuf_fd_write,
};

void
iobuf_fd_transport(struct transport *t, int fd)
{
	t->ops = &iobuf_fd_ops;
	t->ctx = t;
	t->fd = fd;
}
