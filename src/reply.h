/*
 * reply.h - SMTP reply parsing.  No I/O, no state beyond one reply.
 *
 * Contract: push the lines of a reply (without CRLF) into a reader; it
 * checks each line completely (three digits, '-' or ' ' or end of line,
 * the same code on every line, printable text) and enforces caps on the
 * number of lines and bytes.  A finished reply carries its code, the
 * enhanced status code of the first line when valid (sanitised as Postfix
 * does: class digit 2/4/5 matching the reply code, bounded subject and
 * detail), and the text of every line.  Violations are FAIL_PROTOCOL.
 */
#ifndef POSTIE_REPLY_H
#define POSTIE_REPLY_H

#include <stddef.h>

#include "util.h"

#define REPLY_LINE_MAX 4096	/* bytes per line, without CRLF */
#define REPLY_LINES_MAX 256	/* lines per reply */
#define REPLY_BYTES_MAX 65536	/* bytes per reply */

struct reply {
	int code;		/* 200..599 */
	char estatus[16];	/* "2.0.0" or "" */
	char **lines;		/* text after "NNN-"/"NNN ", one per line */
	size_t nlines;
};

enum reply_status {
	REPLY_MORE,		/* continuation: push the next line */
	REPLY_DONE,		/* *out holds the finished reply */
	REPLY_BAD,		/* f says what was wrong */
	REPLY_STATUS_LAST
};

struct reply_reader;

struct reply_reader *reply_reader_new(void);
void reply_reader_free(struct reply_reader *rd);
enum reply_status reply_reader_push(struct reply_reader *rd,
    const char *line, size_t len, struct reply **out, struct failure *f);

void reply_free(struct reply *r);
/* A deep copy of r, freed with reply_free(). */
struct reply *reply_dup(const struct reply *r);

/* 2, 3, 4 or 5. */
int reply_class(const struct reply *r);

/*
 * The whole text on one line ("550 5.1.1 text text"), newly allocated,
 * control characters replaced; for messages and the log.
 */
char *reply_summary(const struct reply *r);

#endif
