/*
 * message_spool.h - the private spool file message.c writes a message to.
 *
 * Contract: message_spool_open() creates a file (mode 0600) in dir, else
 * $TMPDIR, else /tmp, and unlinks it at once so nothing is left behind on
 * any exit path.  Writes are buffered in chunks; every put counts the
 * bytes against the size limit and notes 8-bit data.  The body writer
 * turns LF, CRLF and a lone CR into CRLF.  Once the open succeeded the fd
 * is the caller's to close; message_spool_clear() frees the buffer only.
 * Errors: FAIL_CANTCREAT (no file), FAIL_IO (write), FAIL_DATA (the size
 * limit).
 */
#ifndef POSTIE_MESSAGE_SPOOL_H
#define POSTIE_MESSAGE_SPOOL_H

#include <stddef.h>
#include <sys/types.h>

#include "util.h"

struct message_spool {
	int	 fd;
	char	*buf;		/* bytes waiting to be written */
	size_t	 len;
	off_t	 size, max;	/* bytes put so far; the limit, 0: none */
	int	 eightbit;	/* a byte >= 0x80 was put */
	int	 cr_pending;	/* body: CR, maybe LF next */
	int	 at_bol;	/* body: at start of a line */
};

int message_spool_open(struct message_spool *sp, const char *dir,
    struct failure *f);
/* Bytes as they are (the header section, already in CRLF form). */
int message_spool_put(struct message_spool *sp, const char *s, size_t n,
    struct failure *f);
/* Body bytes, line endings made CRLF; a line may span several calls. */
int message_spool_body(struct message_spool *sp, const char *p, size_t n,
    struct failure *f);
/* End of input: a last line without its line ending gets one. */
int message_spool_end(struct message_spool *sp, struct failure *f);
/* Write what is buffered. */
int message_spool_flush(struct message_spool *sp, struct failure *f);
void message_spool_clear(struct message_spool *sp);

#endif
