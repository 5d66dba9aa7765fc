/*
 * message.h - the message read from standard input.
 *
 * Contract: message_read() reads the input once, streaming it into a
 * private spool file (mode 0600, unlinked at once so nothing is left
 * behind on any exit path).  Line endings become CRLF; a lone "." line is
 * ordinary data (dot-stuffing happens when sending).  The header section
 * (at most MESSAGE_HEADER_MAX bytes) is scanned with hdr.c: Bcc is
 * removed, From/Date/Message-ID are added when missing (each as the
 * options say, msmtp's header rules), To listing the recipients when
 * set_to asks and the message has no To, Cc or Bcc, and the facts
 * below are collected.  The spool then holds exactly the bytes to send.
 * Errors: FAIL_DATA (malformed header, too large), FAIL_IO (stdin or
 * spool), FAIL_CANTCREAT (no spool file).
 */
#ifndef POSTIE_MESSAGE_H
#define POSTIE_MESSAGE_H

#include <stddef.h>
#include <sys/types.h>

#include "util.h"

#define MESSAGE_HEADER_MAX (1024 * 1024)

/* When to write From, Date and Message-ID (msmtp's set_*_header). */
enum message_hdr {
	MESSAGE_HDR_AUTO,	/* add when missing (the zero default) */
	MESSAGE_HDR_OFF,	/* never add */
	MESSAGE_HDR_ON,		/* From only: replace any From */
	MESSAGE_HDR_LAST
};

struct message_options {
	int read_recipients;		/* -t: collect To/Cc/Bcc */
	const char *from_addr;		/* for an added From:, or NULL */
	const char *full_name;		/* -F, or NULL */
	const char *msgid_domain;	/* right side of an added Message-ID */
	enum message_hdr set_from, set_date, set_msgid;
	int keep_bcc;			/* remove_bcc_headers off */
	int undisclosed;		/* To, Cc, Bcc: undisclosed */
	int set_to;			/* add To when no To, Cc or Bcc */
	char *const *to_rcpts;		/* listed in that To, borrowed */
	size_t nto_rcpts;
	const char *tmpdir;		/* spool dir; NULL: $TMPDIR, /tmp */
	off_t max_size;			/* 0: unlimited */
};

struct message {
	int fd;				/* spool, positioned anywhere */
	off_t size;			/* bytes in the spool (CRLF form) */
	char *from;			/* addr-spec of From:, or NULL */
	char *msgid;			/* Message-ID value as sent, or NULL */
	char **rcpts;			/* -t recipients, header order */
	size_t nrcpts;
	int eightbit;			/* a byte >= 0x80 appears */
	int added_from, added_date, added_msgid;
};

int message_read(int infd, const struct message_options *opt,
    struct message **out, struct failure *f);
void message_free(struct message *msg);

#endif
