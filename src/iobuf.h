/*
 * iobuf.h - buffered CRLF line I/O with deadlines over a transport.
 *
 * Contract: every network read and write in postie goes through an iobuf.
 * A transport is a small table of functions over a non-blocking fd (plain
 * TCP in net.c, TLS in tls.c, a pipe in tests).  Each iobuf operation has
 * a deadline of the configured timeout: a server that sends one byte per
 * second cannot stretch a line read beyond it.  Failures fill the caller's
 * struct failure: FAIL_NET_TEMP for timeouts, resets and EOF,
 * FAIL_PROTOCOL for over-long lines, or whatever the transport reports.
 */
#ifndef POSTIE_IOBUF_H
#define POSTIE_IOBUF_H

#include <stddef.h>
#include <sys/types.h>

#include "util.h"

/* Results of transport read/write besides a byte count. */
#define TRANSPORT_EOF 0
#define TRANSPORT_ERROR (-1)		/* f filled */
#define TRANSPORT_WANT_READ (-2)	/* poll the fd for reading, retry */
#define TRANSPORT_WANT_WRITE (-3)	/* poll the fd for writing, retry */

struct transport_ops {
	ssize_t (*read)(void *ctx, void *buf, size_t len, struct failure *f);
	ssize_t (*write)(void *ctx, const void *buf, size_t len,
	    struct failure *f);
};

/* Borrowed by the iobuf; the module that made it owns it. */
struct transport {
	const struct transport_ops *ops;
	void *ctx;
	int fd;				/* non-blocking, for poll() */
};

struct iobuf;

struct iobuf *iobuf_new(const struct transport *t, int timeout_ms);
void iobuf_free(struct iobuf *io);

/*
 * Switch to another transport (after STARTTLS).  Input already buffered
 * from the old one is discarded: nothing sent before the TLS handshake
 * may be read as protected data.  Returns the number of bytes dropped.
 */
size_t iobuf_set_transport(struct iobuf *io, const struct transport *t);

/* Bytes read from the transport but not yet returned as lines. */
size_t iobuf_input_pending(const struct iobuf *io);

/*
 * Read one line of at most max bytes; CRLF or a bare LF ends it and is
 * not included.  *line stays valid until the next call.
 */
int iobuf_read_line(struct iobuf *io, size_t max, const char **line,
    size_t *len, struct failure *f);

/*
 * Read exactly len bytes (binary, e.g. a SOCKS reply).  Never asks the
 * transport for more than is missing, so whatever follows stays unread
 * for the next owner of the fd.
 */
int iobuf_read_exact(struct iobuf *io, void *buf, size_t len,
    struct failure *f);

/* Queue bytes; written when the buffer fills or on iobuf_flush(). */
int iobuf_write(struct iobuf *io, const void *buf, size_t len,
    struct failure *f);
int iobuf_flush(struct iobuf *io, struct failure *f);

/*
 * Send size bytes of CRLF text from fd (from its current offset),
 * dot-stuffed, in bounded chunks, then the final ".\r\n", and flush.
 */
int iobuf_write_body(struct iobuf *io, int fd, off_t size,
    struct failure *f);

/*
 * Send exactly size bytes from fd (from its current offset) unchanged, in
 * bounded chunks, and flush: the data of "BDAT size LAST".
 */
int iobuf_write_raw_body(struct iobuf *io, int fd, off_t size,
    struct failure *f);

/* The longest line (without its CRLF) of the body written last. */
size_t iobuf_longest_line(const struct iobuf *io);

/*
 * An overall deadline (util_now_ms() time, 0 for none) that caps the
 * deadline of every operation, so that a server answering each step just
 * in time cannot stretch the session without end.
 */
void iobuf_set_deadline(struct iobuf *io, long long end_ms);
long long iobuf_deadline(const struct iobuf *io);

/* Create a transport over a plain non-blocking fd (tests, net.c). */
void iobuf_fd_transport(struct transport *t, int fd);

#endif
